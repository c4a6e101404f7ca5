"""Micro-benchmarks choosing the sorted set's ordered structure: the compiled skiplist with rank spans
(kvs._core.zskiplist.ZSet, what kvs uses) against sortedcontainers.SortedList of (score, member) plus a dict.

Run: python -m pytest bench/micro/test_zset_bench.py --benchmark-enable [-s for the memory lines]
     ZSET_BENCH_N=1000000 python -m pytest bench/micro/test_zset_bench.py --benchmark-enable -s
(without --benchmark-enable each benchmark runs once, as a plain test; N defaults to 100000 to stay fast.)

Operations, on a set of N random members with random scores: ZADD of all N (one round: it is the build), ZRANK
of a random member, ZRANGE of 100 members with scores from the middle rank, ZPOPMIN, and the memory the
structure adds per member (tracemalloc; the member bytes themselves are not counted, both hold the same ones).
"""
import os
import random
import tracemalloc

import pytest

from kvs._core.zskiplist import ZSet

sortedcontainers = pytest.importorskip("sortedcontainers")

N = int(os.environ.get("ZSET_BENCH_N", "100000"))
_rnd = random.Random(7)
MEMBERS = [b"member:%d" % _rnd.getrandbits(48) for _ in range(N)]
SCORES = [_rnd.random() * 1e6 for _ in range(N)]
PROBES = [MEMBERS[_rnd.randrange(N)] for _ in range(1000)]


class SortedListZSet:
    """The alternative: SortedList of (score, member) tuples ordered like Redis (score, then member bytes),
    with a dict for member -> score."""

    def __init__(self):
        self.sl = sortedcontainers.SortedList()
        self.dict = {}

    def add(self, member, score):
        old = self.dict.get(member)
        if old is not None:
            self.sl.remove((old, member))
        self.dict[member] = score
        self.sl.add((score, member))

    def rank(self, member):
        return self.sl.index((self.dict[member], member))

    def range_by_rank(self, start, end):
        pairs = self.sl[start:end + 1]
        return [m for _, m in pairs], [s for s, _ in pairs]

    def popmin(self):
        score, member = self.sl.pop(0)
        del self.dict[member]
        return member, score


class SkiplistZSet:
    """kvs's structure through the calls the command handlers make."""

    def __init__(self):
        self.z = ZSet()

    def add(self, member, score):
        self.z.add(member, score, 0, 1 << 62, 1 << 62)

    def rank(self, member):
        return self.z.rank(member)

    def range_by_rank(self, start, end):
        return self.z.range_by_rank(start, end, False, True)

    def popmin(self):
        return self.z.pop(False, 1)


KINDS = {"skiplist": SkiplistZSet, "sortedlist": SortedListZSet}


def build(kind):
    z = KINDS[kind]()
    add = z.add
    for m, s in zip(MEMBERS, SCORES):
        add(m, s)
    return z


_built = {}


def built(kind):
    if kind not in _built:
        _built[kind] = build(kind)
    return _built[kind]


@pytest.fixture(params=sorted(KINDS))
def kind(request):
    return request.param


def test_zadd(benchmark, kind):
    z = benchmark.pedantic(build, args=(kind,), rounds=1, iterations=1)
    assert len(z.dict if kind == "sortedlist" else z.z) == len(set(MEMBERS))


def test_zrank(benchmark, kind):
    z = built(kind)

    def ranks():
        return [z.rank(m) for m in PROBES]

    assert len(benchmark(ranks)) == len(PROBES)


def test_zrange_middle_100(benchmark, kind):
    z = built(kind)
    mid = N // 2
    members, scores = benchmark(z.range_by_rank, mid, mid + 99)
    assert len(members) == len(scores) == 100


def test_zpopmin(benchmark, kind):
    z = build(kind) if N <= 100000 else built(kind)
    before = len(z.dict if kind == "sortedlist" else z.z)
    benchmark.pedantic(z.popmin, rounds=min(10000, before // 2), iterations=1)


def test_memory_per_member(kind):
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        z = build(kind)
        used = tracemalloc.get_traced_memory()[0] - base
    finally:
        tracemalloc.stop()
    per = used / len(set(MEMBERS))
    print(f"\n{kind}: {per:.1f} bytes per member (N={N}, member bytes excluded)")
    assert z is not None and per > 0
