"""ReplyWriter and encode_command: exact bytes, as Redis 7.0 writes them."""
import math
import socket

import pytest

from kvs._core.resp import ReplyWriter, encode_command


def out(resp, fn):
    w = ReplyWriter()
    w.resp = resp
    fn(w)
    return w.take()


@pytest.mark.parametrize("resp", [2, 3])
def test_resp_independent(resp):
    assert out(resp, lambda w: w.ok()) == b"+OK\r\n"
    assert out(resp, lambda w: w.simple("PONG")) == b"+PONG\r\n"
    assert out(resp, lambda w: w.simple(b"QUEUED")) == b"+QUEUED\r\n"
    assert out(resp, lambda w: w.error("ERR syntax error")) == b"-ERR syntax error\r\n"
    assert out(resp, lambda w: w.error(b"WRONGTYPE x")) == b"-WRONGTYPE x\r\n"
    assert out(resp, lambda w: w.error("ERR a\r\nb\rc\n")) == b"-ERR a  b c \r\n"
    assert out(resp, lambda w: w.integer(0)) == b":0\r\n"
    assert out(resp, lambda w: w.integer(-(1 << 63))) == b":-9223372036854775808\r\n"
    assert out(resp, lambda w: w.integer((1 << 63) - 1)) == b":9223372036854775807\r\n"
    assert out(resp, lambda w: w.bulk(b"")) == b"$0\r\n\r\n"
    assert out(resp, lambda w: w.bulk(b"a\r\nb")) == b"$4\r\na\r\nb\r\n"
    assert out(resp, lambda w: w.bulk("é")) == b"$2\r\n\xc3\xa9\r\n"
    assert out(resp, lambda w: w.bulk(bytearray(b"xy"))) == b"$2\r\nxy\r\n"
    assert out(resp, lambda w: w.bulk(memoryview(b"abcdef")[1:3])) == b"$2\r\nbc\r\n"
    assert out(resp, lambda w: w.bulk(-42)) == b"$3\r\n-42\r\n"
    assert out(resp, lambda w: w.array(3)) == b"*3\r\n"
    assert out(resp, lambda w: w.array(0)) == b"*0\r\n"
    assert out(resp, lambda w: w.raw(b"+RAW\r\n")) == b"+RAW\r\n"
    assert out(resp, lambda w: w.raw(bytearray(b":1\r\n"))) == b":1\r\n"


def test_integer_range():
    w = ReplyWriter()
    with pytest.raises(OverflowError):
        w.integer(1 << 63)
    with pytest.raises(TypeError):
        w.integer("1")
    with pytest.raises(TypeError):
        w.bulk(None)
    with pytest.raises(TypeError):
        w.bulk(1.5)
    assert len(w) == 0


def test_resp2_shapes():
    assert out(2, lambda w: w.null()) == b"$-1\r\n"
    assert out(2, lambda w: w.null_array()) == b"*-1\r\n"
    assert out(2, lambda w: w.map(2)) == b"*4\r\n"
    assert out(2, lambda w: w.set(3)) == b"*3\r\n"
    assert out(2, lambda w: w.push(3)) == b"*3\r\n"
    assert out(2, lambda w: w.boolean(True)) == b":1\r\n"
    assert out(2, lambda w: w.boolean(False)) == b":0\r\n"
    assert out(2, lambda w: w.verbatim("hi")) == b"$2\r\nhi\r\n"
    assert out(2, lambda w: w.bulks([b"a", None, "é", 7])) == b"*4\r\n$1\r\na\r\n$-1\r\n$2\r\n\xc3\xa9\r\n$1\r\n7\r\n"


def test_resp3_shapes():
    assert out(3, lambda w: w.null()) == b"_\r\n"
    assert out(3, lambda w: w.null_array()) == b"_\r\n"
    assert out(3, lambda w: w.map(2)) == b"%2\r\n"
    assert out(3, lambda w: w.set(3)) == b"~3\r\n"
    assert out(3, lambda w: w.push(3)) == b">3\r\n"
    assert out(3, lambda w: w.boolean(True)) == b"#t\r\n"
    assert out(3, lambda w: w.boolean(False)) == b"#f\r\n"
    assert out(3, lambda w: w.verbatim("hello")) == b"=9\r\ntxt:hello\r\n"
    assert out(3, lambda w: w.verbatim(b"# x", b"mkd")) == b"=7\r\nmkd:# x\r\n"
    # only three format bytes are used, padded with spaces; the format ends at a NUL like Redis's C string
    assert out(3, lambda w: w.verbatim("x", "md")) == b"=5\r\nmd :x\r\n"
    assert out(3, lambda w: w.verbatim("x", b"markdown")) == b"=5\r\nmar:x\r\n"
    assert out(3, lambda w: w.verbatim("x", b"a\x00b")) == b"=5\r\na  :x\r\n"
    assert out(3, lambda w: w.bulks([b"a", None])) == b"*2\r\n$1\r\na\r\n_\r\n"


# Values and the text Redis 7.0.15 writes for them (checked with EVAL "return {double=...}" on the real server).
DOUBLES = [
    (1.5, b"1.5"), (0.1, b"0.10000000000000001"), (1e300, b"1.0000000000000001e+300"), (-0.0, b"-0"),
    (3.0, b"3"), (1e-7, b"9.9999999999999995e-08"), (123456789012345678.0, b"1.2345678901234568e+17"),
    (math.inf, b"inf"), (-math.inf, b"-inf"), (float("nan"), b"nan"), (-float("nan"), b"-nan"),
    (5e-324, b"4.9406564584124654e-324"), (-2.5, b"-2.5"),
]


@pytest.mark.parametrize("d,text", DOUBLES)
def test_double(d, text):
    assert out(3, lambda w: w.double(d)) == b"," + text + b"\r\n"
    assert out(2, lambda w: w.double(d)) == b"$%d\r\n%s\r\n" % (len(text), text)


def test_take_and_len():
    w = ReplyWriter()
    assert w.take() == b"" and len(w) == 0
    w.ok()
    w.integer(5)
    assert len(w) == 9
    assert w.take() == b"+OK\r\n:5\r\n"
    assert len(w) == 0 and w.take() == b""
    # big output is handed over, and the writer keeps working afterwards
    big = bytes(range(256)) * 4096
    w.bulk(big)
    w.ok()
    got = w.take()
    assert got == b"$%d\r\n" % len(big) + big + b"\r\n+OK\r\n"
    w.simple("again")
    assert w.take() == b"+again\r\n"
    for i in range(10000):
        w.bulk(b"v%d" % i)
    got = w.take()
    assert got == b"".join(b"$%d\r\nv%d\r\n" % (len(b"v%d" % i), i) for i in range(10000))


def test_resp_attribute():
    w = ReplyWriter()
    assert w.resp == 2
    w.resp = 3
    w.null()
    w.resp = 2
    w.null()
    assert w.take() == b"_\r\n$-1\r\n"


def test_error_keeps_raw_bytes_of_protocol_errors():
    # ProtocolError texts quote a non-ASCII byte as a surrogate escape; writing it gives back the byte
    assert out(2, lambda w: w.error("ERR got '\udcff'")) == b"-ERR got '\xff'\r\n"


def test_encode_command():
    assert encode_command([b"SET", b"k", b"v"]) == b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n"
    assert encode_command(["PEXPIREAT", "k", 1700000000000]) == \
        b"*3\r\n$9\r\nPEXPIREAT\r\n$1\r\nk\r\n$13\r\n1700000000000\r\n"
    assert encode_command([b""]) == b"*1\r\n$0\r\n\r\n"
    assert encode_command([]) == b"*0\r\n"
    assert encode_command([-5, 1 << 80]) == b"*2\r\n$2\r\n-5\r\n$25\r\n%d\r\n" % (1 << 80)
    assert encode_command([bytearray(b"a"), memoryview(b"bc")]) == b"*2\r\n$1\r\na\r\n$2\r\nbc\r\n"
    argv = [b"x%d" % i for i in range(100)]
    assert encode_command(argv) == b"*100\r\n" + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in argv)


@pytest.mark.interop
def test_doubles_match_redis(redis_server):
    s = socket.create_connection(("127.0.0.1", redis_server.port), timeout=10)
    try:
        f = s.makefile("rb")
        finite = [(d, t) for d, t in DOUBLES if math.isfinite(d) and d != 5e-324]
        for resp in (2, 3):
            s.sendall(encode_command([b"HELLO", resp]) + b"PING\r\n")
            while f.readline() != b"+PONG\r\n":      # skip HELLO's reply
                pass
            for d, _ in finite + [(math.inf, None), (-math.inf, None)]:
                lua = "1/0" if d == math.inf else "-1/0" if d == -math.inf else repr(d)
                s.sendall(encode_command([b"EVAL", b"return {double=%s}" % lua.encode(), b"0"]))
                line = f.readline()
                reply = line + (f.readline() if line.startswith(b"$") else b"")
                assert reply == out(resp, lambda w: w.double(d)), (resp, d, reply)
    finally:
        s.close()
