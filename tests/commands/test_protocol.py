"""The request protocol on raw sockets, compared byte for byte with redis-server 7.0: protocol errors (the reply,
then the connection closes), the commands before bad bytes, inline commands, big pipelines and values, input
split into single bytes, the limits for unauthenticated clients; and the server stays up through all of it."""
import socket
import time

import pytest

from tests.conftest import require_redis_tools
from tests.procs import start_kvs, start_redis
from tests.rawconn import RawConn, encode

pytestmark = pytest.mark.interop


def exchange(port, data: bytes, chunks=None, wait=0.4):
    """Send `data` (or `chunks`, one write each) on a fresh connection; return (everything received, closed?)."""
    c = RawConn(port)
    try:
        if chunks is None:
            c.send(data)
        else:
            for chunk in chunks:
                c.send(chunk)
        closed = c.at_eof(wait)
        return c.buf, closed
    finally:
        c.close()


def alive(port) -> bool:
    c = RawConn(port)
    try:
        return c.call("PING") in (b"+PONG\r\n", b"-NOAUTH Authentication required.\r\n")
    finally:
        c.close()


def short(data) -> str:
    """A readable test id for a byte string."""
    return repr(data[:24]) + (f"+{len(data) - 24}" if len(data) > 24 else "")


def same_exchange(kvs_server, redis_server, data, chunks=None, wait=0.4):
    k = exchange(kvs_server.port, data, chunks, wait)
    r = exchange(redis_server.port, data, chunks, wait)
    assert k == r, f"{data[:80]!r}: kvs {k!r} != redis {r!r}"
    assert alive(kvs_server.port), "kvs must survive"
    return k


class Pair:
    def __init__(self, *extra):
        require_redis_tools()
        self.kvs = start_kvs(*extra)
        try:
            self.redis = start_redis(*extra)
        except Exception:
            self.kvs.stop()
            raise

    def stop(self):
        self.kvs.stop()
        self.redis.stop()


# -- protocol errors: reply, then close ------------------------------------------------------------------------
PROTOCOL_ERRORS = [
    (b"*abc\r\n", b"invalid multibulk length"),
    (b"*+1\r\n", b"invalid multibulk length"),
    (b"*01\r\n$4\r\nPING\r\n", b"invalid multibulk length"),
    (b"*2147483648\r\n", b"invalid multibulk length"),
    (b"*12345678901234567890\r\n", b"invalid multibulk length"),
    (b"*" + b"1" * 70000, b"too big mbulk count string"),
    (b"*3\r\n$x\r\n", b"invalid bulk length"),
    (b"*1\r\n$-5\r\n", b"invalid bulk length"),
    (b"*1\r\n$-1\r\n", b"invalid bulk length"),
    (b"*1\r\n$+4\r\nPING\r\n", b"invalid bulk length"),
    (b"*1\r\n$536870913\r\n", b"invalid bulk length"),         # proto-max-bulk-len is 512 MiB
    (b"*1\r\n$600000000\r\n", b"invalid bulk length"),
    (b"*1\r\n$12345678901234567890\r\n", b"invalid bulk length"),
    (b"*1\r\n$" + b"1" * 70000, b"too big bulk count string"),
    (b"*1\r\nX\r\n", b"expected '$', got 'X'"),
    (b"*1\r\n:4\r\n", b"expected '$', got ':'"),
    (b"*2\r\n$4\r\nECHO\r\n+x\r\n", b"expected '$', got '+'"),
    (b'SET "a b\r\n', b"unbalanced quotes in request"),
    (b"SET 'a b\r\n", b"unbalanced quotes in request"),
    (b'ECHO "a"b\r\n', b"unbalanced quotes in request"),
    (b"x" * (65 * 1024), b"too big inline request"),
]


@pytest.mark.parametrize("data,error", PROTOCOL_ERRORS, ids=[short(d) for d, _ in PROTOCOL_ERRORS])
def test_protocol_error_reply_then_close(kvs_server, redis_server, data, error):
    buf, closed = same_exchange(kvs_server, redis_server, data)
    assert buf == b"-ERR Protocol error: " + error + b"\r\n"
    assert closed


@pytest.mark.parametrize("prefix", [encode("PING"), encode("SET", "k", "v") + encode("GET", "k"), b"PING\r\n",
                                    b"*1\r\n$3\r\nfoo\r\n"], ids=short)
@pytest.mark.parametrize("bad", [b"*abc\r\n", b"*1\r\n$-1\r\n", b"*1\r\nX\r\n", b'ECHO "x\r\n'], ids=short)
def test_commands_before_bad_bytes_are_answered(kvs_server, redis_server, prefix, bad):
    # Nothing after the bad bytes runs.
    buf, closed = same_exchange(kvs_server, redis_server, prefix + bad + encode("SET", "after", "1"))
    assert buf.count(b"-ERR Protocol error") == 1 and buf.endswith(b"\r\n")
    assert closed
    assert RawConn(kvs_server.port).call("EXISTS", "after") == b":0\r\n"


def test_protocol_error_counts_as_error_reply(kvs_server, redis_server):
    for port in (kvs_server.port, redis_server.port):
        c = RawConn(port)
        c.call("CONFIG", "RESETSTAT")
        exchange(port, b"*abc\r\n")
        stats = c.call("INFO", "errorstats")
        assert b"errorstat_ERR:count=1\r\n" in stats


# -- what is not an error --------------------------------------------------------------------------------------
@pytest.mark.parametrize("data", [
    b"*-1\r\nPING\r\n",                 # a null multibulk is skipped
    b"*-2\r\nPING\r\n",
    b"*0\r\nPING\r\n",                  # so is an empty one
    b"\r\n\r\nPING\r\n",                # and empty inline lines
    b"PING\n",                          # inline lines may end with a bare \n
    b"  PING  \r\n",
    b"\t PING\r\n",
    b"*1\r\n$0\r\n\r\n",                # an empty command name is an unknown command
    b"$3\r\nfoo\r\n",                   # a bulk outside a multibulk is an inline command
    b"*2\r\n$4\r\nECHO\r\n$3\r\nabcXYPING\r\n",   # the two bytes after a bulk are not checked
    b"*1\r\n$1\r\n\xff\r\n",
    b"*1\r\n$4\r\nPING",                # incomplete: no reply, connection stays open
    b"*1\r\n",
    b"*",
    b"*2147483647\r\n",
    b"*1\r\n$536870912\r\n",            # exactly proto-max-bulk-len: accepted, waiting for the payload
], ids=short)
def test_tolerated_input(kvs_server, redis_server, data):
    same_exchange(kvs_server, redis_server, data)


def test_inline_commands_with_quotes(diff):
    for line in [b'SET "a b" c', b'GET "a b"', b"SET 'single quoted' \"x y\"", b"GET 'single quoted'",
                 b'ECHO "\\x41\\x42\\n\\r\\t\\b\\a\\\\\\""', b'ECHO "\\xZZ"', b'ECHO "\\x4"', b"ECHO 'a\\'b'",
                 b"ECHO 'a\\nb'", b'ECHO ""', b"ECHO ''", b'ECHO "a" "b"', b'ECHO a"b"', b"ECHO \"\\\"\"",
                 b'SET k "v"', b"GET k", b"ECHO \xc3\xa9", b"  ECHO   spaced   ", b"ECHO\ttab"]:
        diff.k.send(line + b"\r\n")
        diff.r.send(line + b"\r\n")
        a, b = diff.k.read_reply(), diff.r.read_reply()
        assert a == b, f"{line!r}: kvs {a!r} != redis {b!r}"


# -- volume ----------------------------------------------------------------------------------------------------
def pipeline_replies(port, data: bytes, count: int) -> bytes:
    c = RawConn(port, timeout=60)
    c.send(data)
    out = [c.read_reply() for _ in range(count)]
    c.close()
    return b"".join(out)


def test_pipeline_of_10000_commands(kvs_server, redis_server):
    cmds = []
    for i in range(2500):
        cmds += [encode("SET", f"key:{i}", f"value-{i}"), encode("GET", f"key:{i}"), encode("INCR", "counter"),
                 encode("GET", f"missing:{i}")]
    data = b"".join(cmds)
    assert len(cmds) == 10_000
    for port in (kvs_server.port, redis_server.port):
        RawConn(port).call("FLUSHALL")
    k = pipeline_replies(kvs_server.port, data, 10_000)
    r = pipeline_replies(redis_server.port, data, 10_000)
    assert k == r
    assert k.endswith(b":2500\r\n$-1\r\n")


def test_inline_pipeline(kvs_server, redis_server):
    data = b"".join(b"ECHO line-%d\r\n" % i for i in range(10_000))
    assert pipeline_replies(kvs_server.port, data, 10_000) == pipeline_replies(redis_server.port, data, 10_000)


def read_exactly(sock, n: int) -> bytes:
    buf = bytearray()
    while len(buf) < n:
        chunk = sock.recv(min(n - len(buf), 1 << 20))
        if not chunk:
            raise ConnectionError("closed by server")
        buf += chunk
    return bytes(buf)


def test_32mib_value_roundtrip(kvs_server, redis_server):
    payload = bytes(range(256)) * (32 * 1024 * 1024 // 256)
    expected = b"$%d\r\n" % len(payload) + payload + b"\r\n"
    for port in (kvs_server.port, redis_server.port):
        c = RawConn(port, timeout=60)
        assert c.call("SET", "big", payload) == b"+OK\r\n"
        assert c.call("STRLEN", "big") == b":%d\r\n" % len(payload)
        c.send(encode("GET", "big"))
        assert read_exactly(c.sock, len(expected)) == expected
        assert c.call("DEL", "big") == b":1\r\n"
        c.close()


def test_one_byte_at_a_time(kvs_server, redis_server):
    data = (encode("SET", "k", "v" * 100) + b"GET k\r\n" + encode("ECHO", b"\r\n\x00") + b'ECHO "q u"\r\n'
            + b"*-1\r\n" + encode("PING") + b"*1\r\n$4\r\nPI")
    chunks = [data[i:i + 1] for i in range(len(data))]
    buf, closed = same_exchange(kvs_server, redis_server, data, chunks=chunks)
    assert buf.endswith(b"+PONG\r\n") and not closed


# -- unauthenticated clients -----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def auth_pair():
    pair = Pair("--requirepass", "pw")
    yield pair
    pair.stop()


@pytest.mark.parametrize("data", [
    b"*11\r\n",                                         # more than 10 arguments
    b"*10\r\n$4\r\nPING\r\n",                           # 10 are fine
    b"*1\r\n$16385\r\n",                                # bulks over 16 KiB
    b"*1\r\n$16384\r\n",
    b"PING\r\n*20\r\n",
    encode("AUTH", "x" * 20000),
    encode("AUTH", "pw") + b"*11\r\n",                  # no limits once authenticated
    encode("AUTH", "pw") + b"*1\r\n$16385\r\n",
    encode("AUTH", "wrong") + b"*11\r\n",
    encode("CLIENT", "ID") + encode("AUTH", "default", "pw") + b"*1\r\n$100000\r\n",
    b"x" * 70000,
], ids=short)
def test_unauthenticated_limits(auth_pair, data):
    same_exchange(auth_pair.kvs, auth_pair.redis, data)


def test_unauthenticated_limit_errors(auth_pair):
    assert exchange(auth_pair.kvs.port, b"*11\r\n") == \
        (b"-ERR Protocol error: unauthenticated multibulk length\r\n", True)
    assert exchange(auth_pair.kvs.port, b"*1\r\n$16385\r\n") == \
        (b"-ERR Protocol error: unauthenticated bulk length\r\n", True)


# -- proto-max-bulk-len ----------------------------------------------------------------------------------------
@pytest.fixture
def bulk_pair():
    pair = Pair()
    yield pair
    pair.stop()


def test_proto_max_bulk_len_for_new_connections(bulk_pair):
    for srv in (bulk_pair.kvs, bulk_pair.redis):
        assert RawConn(srv.port).call("CONFIG", "SET", "proto-max-bulk-len", "1mb") == b"+OK\r\n"
    buf, closed = same_exchange(bulk_pair.kvs, bulk_pair.redis, b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1048577\r\n")
    assert buf == b"-ERR Protocol error: invalid bulk length\r\n" and closed
    value = b"v" * (1024 * 1024)
    same_exchange(bulk_pair.kvs, bulk_pair.redis, encode("SET", "k", value) + encode("STRLEN", "k"))


def test_proto_max_bulk_len_for_open_connections(bulk_pair):
    conns = [RawConn(bulk_pair.kvs.port), RawConn(bulk_pair.redis.port)]
    out = []
    for c in conns:
        assert c.call("CONFIG", "SET", "proto-max-bulk-len", "1mb") == b"+OK\r\n"
        c.send(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1048577\r\n")
        closed = c.at_eof(1.0)
        out.append((c.buf, closed))
    assert out[0] == out[1] == (b"-ERR Protocol error: invalid bulk length\r\n", True)


# -- survival --------------------------------------------------------------------------------------------------
def test_server_survives_abrupt_disconnects(kvs_server):
    for data in [encode("SET", "k", "v" * 100000)[:5000], b"*3\r\n$3\r\nSET\r\n", b"GET k", b"*1\r\n$4\r\nPI"]:
        s = socket.create_connection(("127.0.0.1", kvs_server.port))
        s.sendall(data)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        s.close()   # reset, with a request half sent
    # A client that stops reading while a big reply is pending.
    s = socket.create_connection(("127.0.0.1", kvs_server.port))
    s.sendall(encode("SET", "big", "x" * 1_000_000) + encode("GET", "big") * 20)
    time.sleep(0.2)
    s.close()
    assert alive(kvs_server.port)
    c = RawConn(kvs_server.port)
    assert c.call("DEL", "big", "k") in (b":1\r\n", b":2\r\n", b":0\r\n")
