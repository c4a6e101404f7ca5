"""Micro-benchmarks of the RESP parser and writer against hiredis on byte-identical streams.

Run: python -m pytest bench/micro/test_resp_bench.py --benchmark-enable
(without --benchmark-enable each benchmark runs once, as a plain test.)

A pipeline of N "SET key value" requests is, byte for byte, also a stream of N replies (arrays of three bulks), so
hiredis.Reader parsing it is the like-for-like baseline for RequestParser. On the writing side, N bulks written
by ReplyWriter.bulks() are the same bytes hiredis.pack_command() produces for an N-argument command.
"""
import pytest

from kvs._core.resp import ReplyWriter, RequestParser, encode_command

hiredis = pytest.importorskip("hiredis")

N = 1000
SET_ARGV = [[b"SET", b"key:%06d" % i, b"value:%016d" % i] for i in range(N)]
PIPELINE = b"".join(encode_command(a) for a in SET_ARGV)
VALUES = [b"value:%016d" % i for i in range(N)]


def ours_parse():
    p = RequestParser()
    p.feed(PIPELINE)
    n = 0
    while p.next() is not None:
        n += 1
    return n


def ours_parse_buffered():
    # as a BufferedProtocol transport drives it: 16 KiB reads straight into the parser's buffer
    p = RequestParser()
    mv = memoryview(PIPELINE)
    n = 0
    while len(mv):
        buf = p.get_buffer(16384)
        k = min(len(buf), len(mv), 16384)
        buf[:k] = mv[:k]
        p.buffer_updated(k)
        mv = mv[k:]
        while p.next() is not None:
            n += 1
    return n


def hiredis_parse():
    r = hiredis.Reader()
    r.feed(PIPELINE)
    n = 0
    while r.gets() is not False:
        n += 1
    return n


@pytest.mark.benchmark(group="parse 1000 SET")
def test_parse_ours(benchmark):
    assert benchmark(ours_parse) == N


@pytest.mark.benchmark(group="parse 1000 SET")
def test_parse_ours_buffered(benchmark):
    assert benchmark(ours_parse_buffered) == N


@pytest.mark.benchmark(group="parse 1000 SET")
def test_parse_hiredis(benchmark):
    assert benchmark(hiredis_parse) == N


def ours_bulks_loop():
    w = ReplyWriter()
    for v in VALUES:
        w.bulk(v)
    return w.take()


def ours_bulks():
    w = ReplyWriter()
    w.bulks(VALUES)
    return w.take()


PACKED = hiredis.pack_command(tuple(VALUES))


@pytest.mark.benchmark(group="write 1000 bulks")
def test_write_ours_bulk_loop(benchmark):
    assert PACKED.endswith(benchmark(ours_bulks_loop))


@pytest.mark.benchmark(group="write 1000 bulks")
def test_write_ours_bulks(benchmark):
    assert benchmark(ours_bulks) == PACKED


@pytest.mark.benchmark(group="write 1000 bulks")
def test_write_ours_encode_command(benchmark):
    assert benchmark(encode_command, VALUES) == PACKED


@pytest.mark.benchmark(group="write 1000 bulks")
def test_write_hiredis_pack_command(benchmark):
    assert benchmark(hiredis.pack_command, tuple(VALUES)) == PACKED


def ours_encode_each():
    return [encode_command(a) for a in SET_ARGV]


def hiredis_pack_each():
    return [hiredis.pack_command(tuple(a)) for a in SET_ARGV]


@pytest.mark.benchmark(group="encode 1000 SET commands")
def test_encode_each_ours(benchmark):
    assert benchmark(ours_encode_each) == hiredis_pack_each()


@pytest.mark.benchmark(group="encode 1000 SET commands")
def test_encode_each_hiredis(benchmark):
    assert len(benchmark(hiredis_pack_each)) == N
