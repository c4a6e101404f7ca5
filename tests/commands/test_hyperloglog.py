"""Differential tests of the HyperLogLog commands (Redis's hyperloglog.c). Replies and the HLL strings themselves
(GET) must be byte-identical with a real redis-server after the same commands; HLLs made by one server are SET
into the other and must behave the same there; corrupted values must get Redis's errors. The compiled helpers are
also checked against a Python reference (hash, register layout, estimator)."""
import math
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kvs._core import hll
from tests.commands.diffhelp import parse_flat, run_table
from tests.rawconn import encode

pytestmark = pytest.mark.interop

M64 = (1 << 64) - 1
MURMUR_M = 0xC6A4A7935BD1E995
MURMUR_MINV = pow(MURMUR_M, -1, 1 << 64)
SEED = 0xADC83B19
DENSE_LEN = 16 + 12288


# -- element crafting ------------------------------------------------------------------------------------------
# MurmurHash64A is invertible for 8-byte keys, so tests can pick the register and the value an element sets:
# values above 32 (which force the dense encoding) appear naturally only once in ~4 billion elements.
def _unshift(x):
    return x ^ (x >> 47)


def element_with_hash(h: int) -> bytes:
    x = (_unshift(h) * MURMUR_MINV) & M64
    x = (_unshift(x) * MURMUR_MINV) & M64
    k = x ^ (SEED ^ ((8 * MURMUR_M) & M64))
    k = (_unshift((k * MURMUR_MINV) & M64) * MURMUR_MINV) & M64
    return k.to_bytes(8, "little")


def element_for(index: int, value: int, salt: int = 0) -> bytes:
    """An element that maps to register `index` (0-16383) with `value` (1-51)."""
    assert 0 <= index < 16384 and 1 <= value <= 51
    if value == 51:
        return element_with_hash(index)
    h = index | (1 << (13 + value)) | ((salt << (14 + value)) & M64)
    return element_with_hash(h & M64)


def test_element_crafting():
    rnd = random.Random(1)
    for _ in range(200):
        index, value = rnd.randrange(16384), rnd.randrange(1, 52)
        assert hll.pattern(element_for(index, value, rnd.randrange(1 << 30))) == (index, value)


# -- Python reference of the compiled helpers -------------------------------------------------------------------
def murmur_ref(data: bytes, seed: int = SEED) -> int:
    m, r = MURMUR_M, 47
    h = (seed ^ ((len(data) * m) & M64)) & M64
    n8 = len(data) - len(data) % 8
    for i in range(0, n8, 8):
        k = int.from_bytes(data[i:i + 8], "little")
        k = (k * m) & M64
        k ^= k >> r
        k = (k * m) & M64
        h ^= k
        h = (h * m) & M64
    tail = data[n8:]
    if tail:
        for i in reversed(range(len(tail))):
            h ^= tail[i] << (8 * i)
        h = (h * m) & M64
    h ^= h >> r
    h = (h * m) & M64
    h ^= h >> r
    return h


def pattern_ref(data: bytes):
    h = murmur_ref(data)
    index = h & 16383
    h = (h >> 14) | (1 << 50)
    count = 1
    while not h & 1:
        count += 1
        h >>= 1
    return index, count


def dense_from_registers(regs) -> bytes:
    """A dense HLL string (cache invalid) holding the given 16384 register values."""
    bits = 0
    for i, v in enumerate(regs):
        bits |= v << (6 * i)
    return b"HYLL\x00\x00\x00\x00" + b"\x00" * 7 + b"\x80" + bits.to_bytes(12288, "little")


def estimate_ref(regs) -> int:
    """Redis 7.0's hllCount estimator (Ertl's improved estimator) in plain Python floats."""
    m = 16384.0
    histo = [0] * 64
    for v in regs:
        histo[v] += 1

    def tau(x):
        if x == 0.0 or x == 1.0:
            return 0.0
        y, z = 1.0, 1 - x
        while True:
            x = math.sqrt(x)
            zp = z
            y *= 0.5
            z -= math.pow(1 - x, 2) * y
            if zp == z:
                return z / 3

    def sigma(x):
        if x == 1.0:
            return math.inf
        y, z = 1.0, x
        while True:
            x *= x
            zp = z
            z += x * y
            y += y
            if zp == z:
                return z

    z = m * tau((m - histo[51]) / m)
    for j in range(50, 0, -1):
        z += histo[j]
        z *= 0.5
    z += m * sigma(histo[0] / m)
    e = 0.721347520444481703680 * m * m / z
    whole = int(e)
    return whole + (1 if e - whole >= 0.5 else 0)  # llround: halves away from zero


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=70))
def test_murmur_matches_reference(data):
    assert hll.murmurhash64a(data) == murmur_ref(data)
    assert hll.murmurhash64a(data, 0) == murmur_ref(data, 0)
    assert hll.pattern(data) == pattern_ref(data)


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_dense_registers_and_estimate_match_reference(data):
    kind = data.draw(st.sampled_from(["few", "many", "full", "high"]))
    rnd = random.Random(data.draw(st.integers(0, 2 ** 32)))
    if kind == "few":
        regs = [0] * 16384
        for _ in range(rnd.randrange(0, 50)):
            regs[rnd.randrange(16384)] = rnd.randrange(1, 52)
    elif kind == "many":
        regs = [rnd.choice([0, 0, 1, 1, 2, 3, 4, 5]) for _ in range(16384)]
    elif kind == "full":
        regs = [rnd.randrange(1, 20) for _ in range(16384)]
    else:
        regs = [rnd.randrange(0, 64) for _ in range(16384)]
    dense = dense_from_registers(regs)
    assert list(hll.registers(dense)) == regs
    card, valid = hll.count(dense)
    assert valid and card == estimate_ref(regs)
    merged = bytearray(16384)
    assert hll.merge(merged, dense) and list(merged) == regs
    assert hll.count_raw(merged) == card


@settings(max_examples=40, deadline=None)
@given(st.lists(st.binary(max_size=20), max_size=300), st.sampled_from([20, 60, 300, 3000]))
def test_sparse_and_dense_agree(elements, max_bytes):
    """The same elements through a sparse HLL (promoted or not) and a dense one give the same registers."""
    sparse = hll.new_sparse()
    hll.add(sparse, elements, max_bytes)
    dense = hll.new_sparse()
    assert hll.to_dense(dense) == 1
    hll.add(dense, elements, max_bytes)
    regs = [0] * 16384
    for e in elements:
        i, v = pattern_ref(e)
        regs[i] = max(regs[i], v)
    if sparse[4] == hll.SPARSE:
        assert len(sparse) <= max(max_bytes, 18)
        assert hll.to_dense(sparse) == 1
    assert list(hll.registers(sparse)) == regs == list(hll.registers(dense))
    assert hll.count(sparse)[0] == hll.count(dense)[0] == estimate_ref(regs)


# -- differential helpers ---------------------------------------------------------------------------------------
def pipeline_same(diff, commands):
    commands = list(commands)
    payload = b"".join(encode(*cmd) for cmd in commands)
    for conn in (diff.k, diff.r):
        conn.send(payload)
    for cmd in commands:
        a, b = diff.k.read_reply(), diff.r.read_reply()
        assert a == b, f"{cmd!r}: kvs {a[:300]!r} != redis {b[:300]!r}"


def get_same(diff, *keys):
    for key in keys:
        a, b = diff.both("GET", key)
        assert a == b, f"GET {key!r}: kvs and redis strings differ (kvs {len(a)} bytes, redis {len(b)} bytes)"


def changes(conn) -> int:
    info = conn.call("INFO", "persistence")
    line = next(x for x in info.split(b"\r\n") if x.startswith(b"rdb_changes_since_last_save:"))
    return int(line.split(b":")[1])


def header(encoding: int, card: bytes = b"\x00" * 7 + b"\x80", unused: bytes = b"\x00\x00\x00") -> bytes:
    return b"HYLL" + bytes([encoding]) + unused + card


def xzero(n: int) -> bytes:
    return bytes([0x40 | ((n - 1) >> 8), (n - 1) & 0xFF])


def zero(n: int) -> bytes:
    return bytes([n - 1])


def val(v: int, n: int) -> bytes:
    return bytes([0x80 | ((v - 1) << 2) | (n - 1)])


ARITY = [
    ("PFADD",), ("PFCOUNT",), ("PFMERGE",), ("PFDEBUG",), ("PFDEBUG", "ENCODING"), ("PFDEBUG", "ENCODING", "k", "x"),
    ("pfadd",), ("PfCount",),
]


def test_wrong_arity(diff):
    run_table(diff, ARITY)


NOT_HLL = [
    ("RPUSH", "list", "a"), ("SET", "int", "12345"), ("SET", "short", "HYLL"), ("SET", "empty", ""),
    ("SET", "magic", b"HYLX" + b"\x01" + b"\x00" * 11 + b"\x7f\xff"), ("SET", "enc2", "HYLL\x02" + "\x00" * 13),
    ("SET", "dense_short", "HYLL\x00" + "\x00" * 100), ("SET", "header15", "HYLL\x01" + "\x00" * 10),
]


def test_not_an_hll(diff):
    run_table(diff, NOT_HLL)
    cmds = []
    for key in ("list", "int", "short", "empty", "magic", "enc2", "dense_short", "header15"):
        cmds += [("PFADD", key, "a"), ("PFADD", key), ("PFCOUNT", key), ("PFCOUNT", key, "nokey"),
                 ("PFCOUNT", "nokey", key), ("PFMERGE", key, "nokey"), ("PFMERGE", "dst", key), ("EXISTS", "dst"),
                 ("PFDEBUG", "GETREG", key), ("PFDEBUG", "ENCODING", key), ("PFDEBUG", "NOSUCH", key), ("GET", key)]
    run_table(diff, cmds)


def test_pfadd_basics(diff):
    run_table(diff, [
        ("PFADD", "h"), ("GET", "h"), ("PFADD", "h"), ("PFADD", "h", "a"), ("PFADD", "h", "a"), ("GET", "h"),
        ("PFADD", "h", "b", "c", "a"), ("PFADD", "h", "c", "b"), ("PFCOUNT", "h"), ("GET", "h"),
        ("PFADD", "h2", "x", "y", "z"), ("GET", "h2"), ("OBJECT", "ENCODING", "h2"), ("TYPE", "h2"),
        ("PFADD", "h3", ""), ("GET", "h3"), ("PFADD", "h3", "\x00", b"\xff" * 100, "a" * 10000), ("GET", "h3"),
        ("SET", "t", "x"), ("DEL", "t"), ("PFADD", "t", "1"), ("EXPIRE", "t", "100"), ("PFADD", "t", "2"),
        ("TTL", "t"), ("PFCOUNT", "t"), ("TTL", "t"),
    ])


def test_pfcount_caches_in_header(diff):
    diff.same("PFADD", "h", *[f"e{i}" for i in range(50)])
    get_same(diff, "h")
    before = (changes(diff.k), changes(diff.r))
    diff.same("PFCOUNT", "h")
    assert (changes(diff.k) - before[0], changes(diff.r) - before[1]) == (1, 1)
    get_same(diff, "h")  # the cached cardinality is in the value now
    before = (changes(diff.k), changes(diff.r))
    diff.same("PFCOUNT", "h")
    assert (changes(diff.k) - before[0], changes(diff.r) - before[1]) == (0, 0)
    diff.same("PFADD", "h", "e1")  # no register changes: the cache stays valid
    get_same(diff, "h")
    diff.same("PFADD", "h", "new-element")
    get_same(diff, "h")
    # A multi-key count leaves every key alone.
    diff.same("PFADD", "g", "x")
    before = (changes(diff.k), changes(diff.r))
    diff.same("PFCOUNT", "h", "g", "nokey")
    assert (changes(diff.k) - before[0], changes(diff.r) - before[1]) == (0, 0)
    get_same(diff, "h", "g")
    run_table(diff, [("PFCOUNT", "nokey"), ("PFCOUNT", "nokey", "nokey2"), ("EXISTS", "nokey"),
                     ("PFCOUNT", "h", "h"), ("PFCOUNT", "g", "h")])
    # A valid cache is believed, whatever it says.
    fake = header(1, card=(123456789).to_bytes(8, "little")) + xzero(16384)
    diff.same("SET", "fake", fake)
    run_table(diff, [("PFCOUNT", "fake"), ("PFCOUNT", "fake", "nokey"), ("PFADD", "fake", "x"), ("PFCOUNT", "fake"),
                     ("GET", "fake")])
    big = header(1, card=(2 ** 63 - 1).to_bytes(8, "little")) + xzero(16384)
    run_table(diff, [("SET", "big", big), ("PFCOUNT", "big")])


def test_sparse_promotion_by_value(diff):
    """A register value above 32 turns a sparse HLL dense."""
    cmds = [("PFADD", "h", element_for(10, 3), element_for(11, 3), element_for(5000, 32)), ("GET", "h"),
            ("PFDEBUG", "ENCODING", "h"), ("PFADD", "h", element_for(7000, 33)), ("PFDEBUG", "ENCODING", "h"),
            ("GET", "h"), ("PFCOUNT", "h"), ("GET", "h"),
            ("PFADD", "m", element_for(16383, 51)), ("GET", "m"), ("PFCOUNT", "m"),
            ("PFADD", "z", element_for(0, 51), element_for(1, 1)), ("PFCOUNT", "z"), ("GET", "z")]
    run_table(diff, cmds)


def test_sparse_opcode_edits(diff):
    """Splits of XZERO/ZERO/VAL runs, merges of equal neighbours, edits at both ends of the register range."""
    rnd = random.Random(7)
    indices = [0, 1, 2, 3, 4, 5, 63, 64, 65, 66, 128, 129, 16383, 16382, 16381, 16320, 16319, 8000, 8001, 8002, 8003,
               8004, 8005, 8006, 8007, 8008]
    for trial in range(6):
        diff.same("DEL", "h")
        cmds = []
        order = indices[:]
        rnd.shuffle(order)
        for i in order:
            for value in sorted({rnd.choice([1, 1, 2, 3]), rnd.randrange(1, 33)}):
                cmds += [("PFADD", "h", element_for(i, value, rnd.randrange(1000))), ("GET", "h")]
        cmds += [("PFDEBUG", "DECODE", "h"), ("PFCOUNT", "h"), ("GET", "h")]
        pipeline_same(diff, cmds)
    # Runs of equal values in every arrangement.
    for pattern in ([1, 1, 1, 1, 1], [2, 2, 1, 2, 2], [3, 3, 3, 3, 3, 3, 3, 3, 3], [1, 2, 1, 2, 1]):
        diff.same("DEL", "r")
        for base in (100, 0, 16384 - len(pattern)):
            for pos in rnd.sample(range(len(pattern)), len(pattern)):
                diff.same("PFADD", "r", element_for(base + pos, pattern[pos]))
                get_same(diff, "r")
        diff.same("PFDEBUG", "DECODE", "r")


@pytest.mark.parametrize("seed", range(4))
def test_random_pfadd_sequences(diff, seed):
    """Batches of random elements: byte-identical strings while sparse, at the promotion to dense, and after."""
    rnd = random.Random(seed)
    cmds = []
    for key in ("a", "b", "c"):
        total = 0
        target = rnd.choice([50, 500, 2000, 5000])
        while total < target:
            n = rnd.choice([1, 2, 5, 20, 100])
            cmds.append(("PFADD", key, *[f"{seed}-{key}-{total + i}-{rnd.random()}" for i in range(n)]))
            cmds.append(("GET", key))
            if rnd.random() < 0.2:
                cmds += [("PFCOUNT", key), ("GET", key)]
            total += n
        cmds += [("PFCOUNT", key), ("PFDEBUG", "ENCODING", key), ("GET", key)]
    cmds += [("PFCOUNT", "a", "b", "c"), ("PFMERGE", "m", "a", "b", "c"), ("GET", "m"), ("PFCOUNT", "m"),
             ("GET", "m")]
    pipeline_same(diff, cmds)


def test_sparse_max_bytes_config(diff):
    rnd = random.Random(3)
    try:
        for limit in (0, 18, 19, 20, 25, 60, 300):
            diff.same("CONFIG", "SET", "hll-sparse-max-bytes", str(limit))
            diff.same("DEL", "h", "m")
            cmds = []
            for i in range(120):
                cmds += [("PFADD", "h", element_for(rnd.randrange(16384), rnd.choice([1, 1, 2, 5]), i)), ("GET", "h")]
            cmds += [("PFDEBUG", "ENCODING", "h"), ("PFADD", "s1", "x"), ("PFADD", "s2", *map(str, range(30))),
                     ("PFMERGE", "m", "s1", "s2"), ("GET", "m"), ("PFDEBUG", "ENCODING", "m"),
                     ("DEL", "s1", "s2")]
            pipeline_same(diff, cmds)
    finally:
        diff.same("CONFIG", "SET", "hll-sparse-max-bytes", "3000")


def test_pfmerge(diff):
    dense_elems = [f"d{i}" for i in range(3000)]
    run_table(diff, [
        ("PFADD", "s1", "a", "b", "c"), ("PFADD", "s2", "c", "d", element_for(4, 20)),
        ("PFADD", "d1", *dense_elems), ("PFDEBUG", "ENCODING", "d1"),
        ("PFMERGE", "m1", "s1", "s2"), ("GET", "m1"), ("PFDEBUG", "ENCODING", "m1"), ("PFCOUNT", "m1"), ("GET", "m1"),
        ("PFMERGE", "m2", "s1", "d1"), ("GET", "m2"), ("PFDEBUG", "ENCODING", "m2"), ("PFCOUNT", "m2"),
        ("PFMERGE", "m3"), ("GET", "m3"), ("PFMERGE", "m3", "nokey"), ("GET", "m3"),
        ("PFMERGE", "s1", "s2"), ("GET", "s1"), ("PFMERGE", "s1"), ("GET", "s1"),
        ("PFMERGE", "s1", "s1", "s1"), ("GET", "s1"),
        ("PFMERGE", "d1", "s1"), ("GET", "d1"), ("PFDEBUG", "ENCODING", "d1"),
        ("PFMERGE", "s2", "d1"), ("PFDEBUG", "ENCODING", "s2"), ("GET", "s2"),
        ("PFCOUNT", "s1", "s2", "d1", "m1", "m2"),
        # The destination keeps its TTL; a non-HLL destination is an error before anything is written.
        ("PFADD", "t", "x"), ("EXPIRE", "t", "100"), ("PFMERGE", "t", "s1"), ("TTL", "t"),
        ("SET", "str", "abc"), ("PFMERGE", "str", "s1"), ("GET", "str"), ("RPUSH", "l", "x"),
        ("PFMERGE", "l", "s1"), ("PFMERGE", "m4", "s1", "l"), ("EXISTS", "m4"),
    ])


def test_pfdebug(diff):
    run_table(diff, [
        ("PFADD", "h", "a", "b", element_for(77, 9)),
        ("PFDEBUG", "ENCODING", "h"), ("PFDEBUG", "encoding", "h"), ("PFDEBUG", "DECODE", "h"),
        ("PFDEBUG", "GETREG", "h"), ("PFDEBUG", "ENCODING", "h"), ("GET", "h"), ("PFDEBUG", "DECODE", "h"),
        ("PFDEBUG", "TODENSE", "h"), ("PFADD", "s", "x"), ("PFDEBUG", "TODENSE", "s"), ("PFDEBUG", "TODENSE", "s"),
        ("GET", "s"), ("PFCOUNT", "s"), ("GET", "s"),
        ("PFDEBUG", "GETREG", "nokey"), ("PFDEBUG", "NOSUCH", "nokey"), ("PFDEBUG", "NOSUCH", "h"),
        ("PFDEBUG", "bad\r\nname", "h"), ("PFDEBUG", "getreg\x00x", "h"), ("PFDEBUG", "", "h"),
        ("SET", "str", "abc"), ("PFDEBUG", "GETREG", "str"), ("RPUSH", "l", "x"), ("PFDEBUG", "ENCODING", "l"),
        ("PFADD", "e"), ("PFDEBUG", "DECODE", "e"), ("PFDEBUG", "GETREG", "e"),
    ])
    regs = parse_flat(diff.same("PFDEBUG", "GETREG", "h"))
    assert len(regs) == 16384 and regs[77] == 9


def test_corrupted_hlls(diff):
    bodies = {
        "nobody": b"",
        "short": xzero(16383),
        "long": xzero(16384) + zero(1),
        "cut": b"\x7f",
        "valover": xzero(16383) + val(5, 4),
        "zeros": zero(64) * 256 + zero(1),
        "tail": xzero(16384) + val(3, 2),
        "valid_odd": zero(10) + val(2, 1) + val(2, 1) + val(2, 1) + zero(64) * 255 + zero(49) + val(1, 1) + val(1, 1),
        "cache_ok": xzero(16383) + val(1, 1),
    }
    cmds = []
    for name, body in bodies.items():
        card = (7).to_bytes(8, "little") if name == "cache_ok" else b"\x00" * 7 + b"\x80"
        cmds.append(("SET", name, header(1, card=card) + body))
    for name in bodies:
        cmds += [("PFCOUNT", name), ("GET", name), ("PFCOUNT", name, "nokey"), ("PFMERGE", "dst", name),
                 ("EXISTS", "dst"), ("PFDEBUG", "DECODE", name), ("PFDEBUG", "ENCODING", name),
                 ("PFADD", name, element_for(100, 2)), ("GET", name), ("PFADD", name, element_for(16383, 3)),
                 ("GET", name), ("PFADD", name, element_for(16383, 40)), ("GET", name),
                 ("PFDEBUG", "TODENSE", name), ("PFDEBUG", "GETREG", name), ("GET", name), ("PFCOUNT", name),
                 ("DEL", "dst")]
    # Element order matters: updates before the corruption is found stay.
    cmds += [("SET", "x", header(1) + xzero(16000)),
             ("PFADD", "x", element_for(5, 4), element_for(16100, 2), element_for(6, 4)), ("GET", "x"),
             ("SET", "y", header(1) + xzero(100)), ("PFADD", "y", element_for(5, 40)), ("GET", "y")]
    run_table(diff, cmds)


def test_dense_values(diff):
    """Dense HLLs with any 6-bit values (above what hashing produces), as SET by a client."""
    rnd = random.Random(11)
    for regs in ([63] * 16384, [rnd.randrange(64) for _ in range(16384)], [0] * 16383 + [60],
                 [rnd.choice([0, 52, 40]) for _ in range(16384)]):
        value = dense_from_registers(regs)
        run_table(diff, [("SET", "d", value), ("PFCOUNT", "d"), ("GET", "d"), ("PFCOUNT", "d", "nokey"),
                         ("PFADD", "s", "a"), ("PFMERGE", "s", "d"), ("GET", "s"), ("PFCOUNT", "s"),
                         ("PFADD", "d", "x", "y"), ("GET", "d"), ("DEL", "s")])
    unused = header(0, unused=b"abc") + dense_from_registers([1] * 16384)[16:]
    sparse_unused = header(1, unused=b"xyz") + xzero(16384)
    run_table(diff, [("SET", "u", unused), ("PFADD", "u", "q"), ("GET", "u"), ("SET", "v", sparse_unused),
                     ("PFADD", "v", element_for(9, 40)), ("GET", "v"), ("PFMERGE", "w", "v"), ("GET", "w")])


def test_cross_loading(diff):
    """HLLs written by Redis work in kvs and the other way round."""
    rnd = random.Random(21)
    for size in (0, 1, 10, 300, 1500, 4000):
        elems = [f"x{rnd.random()}" for _ in range(size)]
        for src, dst in ((diff.r, diff.k), (diff.k, diff.r)):
            for conn in (diff.k, diff.r):
                conn.call("DEL", "h", "h2", "m")
            src.call("PFADD", "h", *elems)
            if rnd.random() < 0.5:
                src.call("PFCOUNT", "h")
            raw = src.call("GET", "h")
            value = parse_flat(raw)
            dst.call("SET", "h", value)
            other = diff.r if dst is diff.k else diff.k
            other.call("SET", "h", value)
            more = [f"y{rnd.random()}" for _ in range(rnd.choice([1, 50, 2000]))]
            run_table(diff, [("PFCOUNT", "h"), ("GET", "h"), ("PFADD", "h", *more), ("GET", "h"), ("PFCOUNT", "h"),
                             ("PFADD", "h2", *elems[:5]), ("PFCOUNT", "h", "h2"), ("PFMERGE", "m", "h2", "h"),
                             ("GET", "m"), ("PFCOUNT", "m"), ("PFDEBUG", "ENCODING", "h")])


def test_counts_match_after_many_elements(diff):
    payload = [f"item:{i}" for i in range(20000)]
    for i in range(0, len(payload), 1000):
        diff.same("PFADD", "big", *payload[i:i + 1000])
        diff.same("PFADD", "big2", *payload[i // 2:i // 2 + 700])
    run_table(diff, [("PFCOUNT", "big"), ("PFCOUNT", "big2"), ("PFCOUNT", "big", "big2"), ("GET", "big"),
                     ("PFMERGE", "u", "big", "big2"), ("PFCOUNT", "u"), ("GET", "u")])


def test_resp3(diff):
    for conn in (diff.k, diff.r):
        conn.call("HELLO", "3")
    run_table(diff, [("PFADD", "h", "a"), ("PFCOUNT", "h"), ("PFMERGE", "m", "h"), ("PFDEBUG", "ENCODING", "h"),
                     ("PFDEBUG", "DECODE", "h"), ("PFCOUNT", "nokey"), ("PFADD", "h", "a"),
                     ("SET", "s", "x"), ("PFADD", "s", "a")])


def test_inside_multi(diff):
    run_table(diff, [("MULTI",), ("PFADD", "h", "a"), ("PFCOUNT", "h"), ("PFCOUNT", "h"), ("PFMERGE", "m", "h", "x"),
                     ("SET", "x", "y"), ("PFCOUNT", "x"), ("EXEC",), ("GET", "h"), ("GET", "m")])


def _random_sparse_body(rnd) -> bytes:
    """Random opcodes covering about 16384 registers: exact most of the time, a few registers off, or cut short."""
    target = 16384 + rnd.choice([0, 0, 0, 0, -1, 1, -5, 3])
    ops, total = [], 0
    while total < target:
        left, kind = target - total, rnd.random()
        if kind < 0.3:
            n = rnd.randint(1, min(64, left))
            ops.append(zero(n))
        elif kind < 0.5:
            n = rnd.randint(1, min(16384, left))
            ops.append(xzero(n))
        else:
            n = rnd.randint(1, min(4, left)) if rnd.random() < 0.95 else rnd.randint(1, 4)
            ops.append(val(rnd.randint(1, 32), n))
        total += n
    body = b"".join(ops)
    return body[:-1] if rnd.random() < 0.05 else body


@pytest.mark.parametrize("seed", range(3))
def test_random_sparse_values(diff, seed):
    """Sparse strings written by clients (valid or not, cache valid or not) behave as in Redis under every
    command: replies, errors and the resulting bytes."""
    rnd = random.Random(seed)
    cmds = []
    for _ in range(150):
        cmds.append(("DEL", "a", "b", "m"))
        for key in ("a", "b"):
            if rnd.random() < 0.8:
                card = rnd.randrange(1000).to_bytes(8, "little") if rnd.random() < 0.2 else b"\x00" * 7 + b"\x80"
                cmds.append(("SET", key, header(1, card=card) + _random_sparse_body(rnd)))
        for _ in range(rnd.randrange(1, 8)):
            x, key = rnd.random(), rnd.choice(["a", "b"])
            if x < 0.4:
                cmds.append(("PFADD", key, *[element_for(rnd.randrange(16384), rnd.choice([1, 2, 3, 5, 20, 32, 33, 40]),
                                                         rnd.randrange(99)) for _ in range(rnd.randrange(1, 6))]))
            elif x < 0.55:
                cmds.append(("PFCOUNT", key))
            elif x < 0.65:
                cmds.append(("PFCOUNT", "a", "b"))
            elif x < 0.75:
                cmds.append(("PFMERGE", rnd.choice(["a", "b", "m"]), "a", "b"))
            elif x < 0.9:
                cmds.append(("PFDEBUG", rnd.choice(["TODENSE", "DECODE", "ENCODING"]), key))
            else:
                cmds.append(("PFDEBUG", "GETREG", key))
            cmds.append(("GET", key))
    pipeline_same(diff, cmds)


class InProcessCore:
    """kvs without sockets, recording what it propagates to replicas and the AOF."""

    def __init__(self):
        from kvs import commands  # noqa: F401
        from kvs.client import FAKE
        from kvs.config import Config
        from kvs.server import Server
        self.server = Server(Config())
        self.client = self.server.create_client(kind=FAKE)
        self.fed = []
        self.server.propagation_subscribers.append(lambda dbid, argv: self.fed.append([bytes(a) for a in argv]))

    def __call__(self, *args):
        argv = [a if isinstance(a, bytes) else str(a).encode() for a in args]
        self.server.execute(self.client, argv)
        return self.client.w.take()

    def take(self):
        fed, self.fed = self.fed, []
        return fed


def test_propagation():
    core = InProcessCore()
    assert core("PFADD", "h", "a") == b":1\r\n"
    assert core.take() == [[b"PFADD", b"h", b"a"]]
    assert core("PFADD", "h", "a") == b":0\r\n"
    assert core.take() == []
    # Caching the cardinality changes the value: PFCOUNT goes to replicas although it is not a write command.
    assert core("PFCOUNT", "h") == b":1\r\n"
    assert core.take() == [[b"PFCOUNT", b"h"]]
    assert core("PFCOUNT", "h") == b":1\r\n"
    assert core("PFCOUNT", "h", "h") == b":1\r\n"
    assert core.take() == []
    assert core("PFMERGE", "m", "h") == b"+OK\r\n"
    assert core.take() == [[b"PFMERGE", b"m", b"h"]]
    core("PFDEBUG", "ENCODING", "m")
    assert core.take() == []
    assert core("PFDEBUG", "TODENSE", "m") == b":1\r\n"
    assert core.take() == [[b"PFDEBUG", b"TODENSE", b"m"]]
    assert core("PFDEBUG", "TODENSE", "m") == b":0\r\n"
    assert core.take() == []
    core("MULTI")
    core("PFADD", "n", "x")
    core("PFCOUNT", "n")
    core("EXEC")
    assert core.take() == [[b"MULTI"], [b"PFADD", b"n", b"x"], [b"PFCOUNT", b"n"], [b"EXEC"]]
    # A replica applying the same stream ends with the same bytes.
    replica = InProcessCore()
    for argv in [[b"PFADD", b"h", b"a"], [b"PFCOUNT", b"h"], [b"PFMERGE", b"m", b"h"], [b"PFDEBUG", b"TODENSE", b"m"],
                 [b"PFADD", b"n", b"x"], [b"PFCOUNT", b"n"]]:
        replica(*argv)
    for key in ("h", "m", "n"):
        assert replica("GET", key) == core("GET", key)
