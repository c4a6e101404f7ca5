"""RequestParser: Redis 7.0 framing, limits and exact error texts; chunking; big arguments; inline quoting.

Where cheap, answers are checked against the real redis-server (tests marked `interop`)."""
import random
import socket
import time

import hiredis
import pytest

from kvs._core.resp import INLINE_MAX_SIZE, MBULK_BIG_ARG, ProtocolError, RequestParser, encode_command
from tests.conftest import require_redis_tools
from tests.procs import start_redis

E_MBULK_TOO_BIG = "Protocol error: too big mbulk count string"
E_MBULK = "Protocol error: invalid multibulk length"
E_MBULK_UNAUTH = "Protocol error: unauthenticated multibulk length"
E_BULK_TOO_BIG = "Protocol error: too big bulk count string"
E_BULK = "Protocol error: invalid bulk length"
E_BULK_UNAUTH = "Protocol error: unauthenticated bulk length"
E_INLINE_TOO_BIG = "Protocol error: too big inline request"
E_QUOTES = "Protocol error: unbalanced quotes in request"


def expected_dollar(ch):
    return f"Protocol error: expected '$', got '{ch}'"


PING = [b"PING"]


# ---------------------------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------------------------

def drain(p, out):
    """Collect commands until the parser needs input; returns the protocol error text, if any."""
    try:
        while (cmd := p.next()) is not None:
            out.append(cmd)
    except ProtocolError as e:
        return str(e)
    return None


def run_feed(pieces, parser=None):
    p = parser if parser is not None else RequestParser()
    cmds = []
    for piece in pieces:
        p.feed(piece)
        err = drain(p, cmds)
        if err is not None:
            return cmds, err
    return cmds, None


def run_buffered(pieces, parser=None, maxread=None):
    """Deliver input as a BufferedProtocol transport would: recv_into(get_buffer()), buffer_updated(), drain."""
    p = parser if parser is not None else RequestParser()
    cmds = []
    for piece in pieces:
        mv = memoryview(piece)
        while len(mv):
            buf = p.get_buffer(-1)
            assert len(buf) >= 1
            k = min(len(buf), len(mv), maxread or len(mv))
            buf[:k] = mv[:k]
            p.buffer_updated(k)
            mv = mv[k:]
            err = drain(p, cmds)
            if err is not None:
                return cmds, err
    return cmds, None


def split_at(data, cuts):
    cuts = sorted(set(c for c in cuts if 0 < c < len(data)))
    out, prev = [], 0
    for c in cuts:
        out.append(data[prev:c])
        prev = c
    out.append(data[prev:])
    return out


def random_split(data, rng, maxpiece=None):
    maxpiece = maxpiece or max(1, len(data) // 3)
    pieces, i = [], 0
    while i < len(data):
        k = rng.randint(1, maxpiece)
        pieces.append(data[i:i + k])
        i += k
    return pieces or [b""]


# ---------------------------------------------------------------------------------------------------------------
# known answers
# ---------------------------------------------------------------------------------------------------------------

# (input, commands returned, protocol error or None). None means the parser then waits for more input.
CASES = [
    # multibulk counts
    (b"*abc\r\n", [], E_MBULK),
    (b"*\r\n", [], E_MBULK),
    (b"*-0\r\n", [], E_MBULK),
    (b"*+1\r\n", [], E_MBULK),
    (b"*01\r\n", [], E_MBULK),
    (b"* 1\r\n", [], E_MBULK),
    (b"*1 \r\n", [], E_MBULK),
    (b"*2147483648\r\n", [], E_MBULK),
    (b"*3000000000\r\n", [], E_MBULK),
    (b"*99999999999999999999\r\n", [], E_MBULK),
    (b"*2147483647\r\n", [], None),
    (b"*20000000\r\n", [], None),
    (b"*-1\r\nPING\r\n", [PING], None),
    (b"*-2147483649\r\n*0\r\n*1\r\n$4\r\nPING\r\n", [PING], None),
    (b"*1" + b"1" * (INLINE_MAX_SIZE + 1), [], E_MBULK_TOO_BIG),
    (b"*1" + b"1" * (INLINE_MAX_SIZE - 2), [], None),
    # bulk headers
    (b"*1\r\nfoo\r\n", [], expected_dollar("f")),
    (b"*2\r\n$4\r\nECHO\r\n+4\r\n", [], expected_dollar("+")),
    (b"*1\r\n\r\n", [], expected_dollar(" ")),
    (b"*1\r\n\n\r\n", [], expected_dollar(" ")),
    (b"*1\r\n\xff\r\n", [], expected_dollar("\udcff")),
    (b"*1\r\n$-1\r\n", [], E_BULK),
    (b"*1\r\n$-0\r\n", [], E_BULK),
    (b"*1\r\n$abc\r\n", [], E_BULK),
    (b"*1\r\n$\r\n", [], E_BULK),
    (b"*1\r\n$00\r\n", [], E_BULK),
    (b"*1\r\n$+4\r\n", [], E_BULK),
    (b"*1\r\n$4 \r\n", [], E_BULK),
    (b"*1\r\n$111111111111111111111\r\n", [], E_BULK),
    (b"*1\r\n$536870913\r\n", [], E_BULK),
    (b"*1\r\n$536870912\r\n", [], None),
    (b"*1\r\n$" + b"1" * (INLINE_MAX_SIZE + 1), [], E_BULK_TOO_BIG),
    # payloads: the two bytes after a bulk are skipped unchecked
    (b"*1\r\n$4\r\nPINGxxPING\r\n", [PING, PING], None),
    (b"*1\rX$4\rXPINGxx", [PING], None),
    (b"*1\r\n$4\r\nPING\r", [], None),
    (b"*1\r\n$0\r\n\r\n", [[b""]], None),
    (b"*2\r\n$4\r\nECHO\r\n$6\r\na\r\n\x00bc\r\n", [[b"ECHO", b"a\r\n\x00bc"]], None),
    # strchr() semantics: a NUL before the terminator hides it
    (b"*1\x00\r\n$4\r\nPING\r\n", [], None),
    (b"*1\r\n$4\x00\r\nPING\r\n", [], None),
    (b"*1\r\n\x00$4\r\nPING\r\n", [], None),
    (b"ECHO a\x00b\r\nPING\r\n", [], None),
    # commands before an error come first
    (b"PING\r\n*1\r\n$4\r\nPING\r\n*x\r\n", [PING, PING], E_MBULK),
    (b"*1\r\n$4\r\nPING\r\n*1\r\n+4\r\n", [PING], expected_dollar("+")),
    # inline
    (b"PING\r\n", [PING], None),
    (b"PING\n", [PING], None),
    (b"PING", [], None),
    (b"\r\n\r\n\n  \t \r\nPING\n", [PING], None),
    (b"PING\rPING\r\n", [[b"PING", b"PING"]], None),
    (b"  ECHO    a   \r\n", [[b"ECHO", b"a"]], None),
    (b"\x0bECHO a\r\n", [[b"ECHO", b"a"]], None),
    (b"ECHO\x0ba\r\n", [[b"ECHO\x0ba"]], None),
    (b"ECHO\x0ca\x0c\r\n", [[b"ECHO\x0ca\x0c"]], None),
    (b'ECHO "a"\x0b\r\n', [[b"ECHO", b"a"]], None),
    (b'ECHO "a"\t\r\n', [[b"ECHO", b"a"]], None),
    (b'ECHO "a\\x41\\n"\r\n', [[b"ECHO", b"aA\n"]], None),
    (b'ECHO "\\x41\\x4a\\x4F\\n\\r\\t\\b\\a\\\\\\"\\q"\r\n', [[b"ECHO", b'AJO\n\r\t\b\a\\"q']], None),
    (b'ECHO "\\q\\x4g\\xZZ"\r\n', [[b"ECHO", b"qx4gxZZ"]], None),
    (b'ECHO "\\x4"\r\n', [[b"ECHO", b"x4"]], None),
    (b"ECHO 'a\\'b'\r\n", [[b"ECHO", b"a'b"]], None),
    (b"ECHO 'a\\nb\\ c'\r\n", [[b"ECHO", b"a\\nb\\ c"]], None),
    (b"ECHO 'a\\\\'\r\n", [], E_QUOTES),           # in single quotes \\' is an escaped quote
    (b'ECHO a"b c"\r\n', [[b"ECHO", b"ab c"]], None),
    (b"ECHO a'b c' d\r\n", [[b"ECHO", b"ab c", b"d"]], None),
    (b'ECHO ""\r\n', [[b"ECHO", b""]], None),
    (b'""\r\n', [[b""]], None),
    (b"ECHO \xc3\xa9\xff\r\n", [[b"ECHO", b"\xc3\xa9\xff"]], None),
    (b'ECHO "ab"c\r\n', [], E_QUOTES),
    (b"ECHO 'ab'c\r\n", [], E_QUOTES),
    (b'ECHO "ab\r\n', [], E_QUOTES),
    (b"ECHO 'ab\r\n", [], E_QUOTES),
    (b'ECHO a"b c"d\r\n', [], E_QUOTES),
    (b'ECHO "a"b"\r\n', [], E_QUOTES),
    (b'ECHO "a\\"\r\n', [], E_QUOTES),
    (b'ECHO "a""b"\r\n', [], E_QUOTES),
    (b"PING\r\n" + b"A" * (INLINE_MAX_SIZE + 1), [PING], E_INLINE_TOO_BIG),
    (b"A" * (INLINE_MAX_SIZE - 1), [], None),
]


def case_id(case):
    data = case[0]
    return repr(data[:40]) + (f"...({len(data)})" if len(data) > 40 else "")


@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_known_answers(case):
    data, want_cmds, want_err = case
    assert run_feed([data]) == (want_cmds, want_err)


@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_known_answers_byte_by_byte(case):
    data, want_cmds, want_err = case
    if len(data) > 5000:
        # a long line fed byte by byte reaches the 64 KiB limit at the same point: check a coarser split instead
        pieces = [data[i:i + 997] for i in range(0, len(data), 997)]
    else:
        pieces = [data[i:i + 1] for i in range(len(data))]
    assert run_feed(pieces) == (want_cmds, want_err)
    assert run_buffered([data], maxread=7) == (want_cmds, want_err)


def test_error_is_sticky_and_reset_revives():
    p = RequestParser()
    p.feed(b"PING\r\n*x\r\nPING\r\n")
    assert p.next() == PING
    for _ in range(3):
        with pytest.raises(ProtocolError, match="^Protocol error: invalid multibulk length$"):
            p.next()
    p.feed(b"PING\r\n")             # input to a dead parser is dropped
    with pytest.raises(ProtocolError):
        p.next()
    p.reset()
    assert p.pending == 0
    p.feed(b"PING\r\n")
    assert p.next() == PING
    assert p.next() is None


def test_protocol_error_is_exception():
    assert issubclass(ProtocolError, Exception)


def test_pending_and_reset():
    p = RequestParser()
    assert p.pending == 0
    p.feed(b"*2\r\n$4\r\nECHO\r\n$3\r\nab")
    assert p.next() is None
    assert p.pending == 2           # "ab": the parsed "ECHO" is no longer input
    p.feed(b"c\r\nPI")
    assert p.next() == [b"ECHO", b"abc"]
    assert p.next() is None
    assert p.pending == 2
    p.reset()
    assert p.pending == 0
    p.feed(b"NG\r\n")
    assert p.next() == [b"NG"]


def test_feed_accepts_bytes_like():
    p = RequestParser()
    p.feed(bytearray(b"PI"))
    p.feed(memoryview(b"xxNG\r\n")[2:])
    assert p.next() == PING
    with pytest.raises(TypeError):
        p.feed("PING\r\n")


# ---------------------------------------------------------------------------------------------------------------
# settings
# ---------------------------------------------------------------------------------------------------------------

def test_auth_required_limits():
    p = RequestParser()
    p.auth_required = True
    p.feed(encode_command([b"x"] * 10) + encode_command([b"AUTH", b"y" * 16384]))
    assert p.next() == [b"x"] * 10
    assert p.next() == [b"AUTH", b"y" * 16384]
    assert run_feed([b"*11\r\n"], RequestParser(auth_required=True)) == ([], E_MBULK_UNAUTH)
    assert run_feed([b"*1\r\n$16385\r\n"], RequestParser(auth_required=True)) == ([], E_BULK_UNAUTH)
    # the general checks come first
    assert run_feed([b"*x\r\n"], RequestParser(auth_required=True)) == ([], E_MBULK)
    assert run_feed([b"*1\r\n$-5\r\n"], RequestParser(auth_required=True)) == ([], E_BULK)
    assert run_feed([b"*1\r\n$600000000\r\n"], RequestParser(auth_required=True)) == ([], E_BULK)
    # negative counts are still no command; inline requests are not limited
    long_inline = b"ECHO " + b"z" * 20000 + b" " + b"a " * 20 + b"\r\n"
    cmds, err = run_feed([b"*-100\r\n" + long_inline], RequestParser(auth_required=True))
    assert err is None and len(cmds) == 1 and len(cmds[0]) == 22


def test_auth_limits_follow_the_setting_between_commands():
    # a pipeline "AUTH ...; big command": the limits lift as soon as AUTH has run (before the next next())
    p = RequestParser(auth_required=True)
    p.feed(encode_command([b"AUTH", b"pw"]) + encode_command([b"SET", b"k", b"v" * 20000]))
    assert p.next() == [b"AUTH", b"pw"]
    p.auth_required = False
    assert p.next() == [b"SET", b"k", b"v" * 20000]


def test_max_bulk_len():
    p = RequestParser(max_bulk_len=10)
    assert p.max_bulk_len == 10
    assert run_feed([b"*1\r\n$10\r\n0123456789\r\n"], p) == ([[b"0123456789"]], None)
    assert run_feed([b"*1\r\n$11\r\n"], RequestParser(max_bulk_len=10)) == ([], E_BULK)
    p = RequestParser()
    assert p.max_bulk_len == 512 * 1024 * 1024
    p.max_bulk_len = 4
    assert run_feed([b"*1\r\n$5\r\n"], p) == ([], E_BULK)


# ---------------------------------------------------------------------------------------------------------------
# chunking and pipelines
# ---------------------------------------------------------------------------------------------------------------

def sample_pipeline():
    parts, want = [], []
    for i in range(40):
        argv = [b"SET", b"key:%d" % i, bytes(range(256))[: i * 7 % 256] + b"\r\n\x00"]
        parts.append(encode_command(argv))
        want.append(argv)
        if i % 5 == 0:
            parts.append(b'ECHO "x\\ty" \'z\'\r\n*0\r\n\r\n')
            want.append([b"ECHO", b"x\ty", b"z"])
    return b"".join(parts), want


def test_every_two_piece_split():
    data, want = sample_pipeline()
    for cut in range(1, len(data)):
        assert run_feed([data[:cut], data[cut:]]) == (want, None), cut


def test_one_byte_at_a_time():
    data, want = sample_pipeline()
    assert run_feed([data[i:i + 1] for i in range(len(data))]) == (want, None)
    assert run_buffered([data], maxread=1) == (want, None)


def test_random_splits():
    data, want = sample_pipeline()
    rng = random.Random(1234)
    for _ in range(300):
        assert run_feed(random_split(data, rng, rng.choice([2, 10, 100, 1000]))) == (want, None)
        assert run_buffered(random_split(data, rng, rng.choice([3, 50, 5000]))) == (want, None)


def test_random_splits_with_error():
    data, want = sample_pipeline()
    data += b"*2\r\n$3\r\nGET\r\n:1\r\n" + b"PING\r\n" * 3
    rng = random.Random(99)
    for _ in range(200):
        assert run_feed(random_split(data, rng)) == (want, expected_dollar(":"))


def test_pipeline_of_many_commands():
    n = 20000
    data = b"".join(encode_command([b"SET", b"k%d" % i, b"v%d" % i]) for i in range(n))
    p = RequestParser()
    p.feed(data)
    got = []
    assert drain(p, got) is None
    assert len(got) == n
    assert got[0] == [b"SET", b"k0", b"v0"] and got[-1] == [b"SET", b"k%d" % (n - 1), b"v%d" % (n - 1)]
    # inline pipeline, and mixed read sizes through the buffered interface
    data = b"PING\r\n" * 5000 + b"".join(encode_command([b"INCR", b"c"]) for _ in range(5000))
    cmds, err = run_buffered(random_split(data, random.Random(5), 40000))
    assert err is None and cmds == [PING] * 5000 + [[b"INCR", b"c"]] * 5000


def test_pipeline_is_linear_time():
    # 50k commands fed in small pieces: a quadratic buffer strategy would take many seconds here
    data = b"".join(encode_command([b"SET", b"key%d" % i, b"x" * 20]) for i in range(50000))
    t = time.perf_counter()
    cmds, err = run_feed([data[i:i + 1500] for i in range(0, len(data), 1500)])
    assert err is None and len(cmds) == 50000
    assert time.perf_counter() - t < 5


# ---------------------------------------------------------------------------------------------------------------
# big arguments
# ---------------------------------------------------------------------------------------------------------------

BIG = 64 * 1024 * 1024


def big_payload():
    return bytes(range(256)) * (BIG // 256)


def test_big_bulk_via_buffered_protocol_fills_in_place():
    payload = big_payload()
    header = b"*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$%d\r\n" % BIG
    p = RequestParser()
    first = header + payload[:1000]
    buf = p.get_buffer(-1)
    assert len(buf) >= 16384
    buf[:len(first)] = first
    p.buffer_updated(len(first))
    assert p.next() is None
    # the header is known: from now on the transport receives straight into the argument's own bytes object
    buf = p.get_buffer(-1)
    assert len(buf) == BIG - 1000
    assert p.pending == 1000
    buf[:] = payload[1000:]
    del buf
    p.buffer_updated(BIG - 1000)
    assert p.pending == BIG
    assert p.next() is None        # Redis waits for the two bytes after the payload
    buf = p.get_buffer(-1)
    buf[:2] = b"\r\n"
    p.buffer_updated(2)
    cmd = p.next()
    assert cmd[:2] == [b"SET", b"big"] and len(cmd[2]) == BIG and cmd[2] == payload
    assert p.next() is None
    assert p.pending == 0


def test_big_bulk_via_feed():
    payload = big_payload()
    data = b"*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$%d\r\n" % BIG + payload + b"\r\n*1\r\n$4\r\nPING\r\n"
    p = RequestParser()
    t = time.perf_counter()
    p.feed(data)
    cmd = p.next()
    assert time.perf_counter() - t < 5
    assert cmd[2] == payload
    assert p.next() == PING
    assert p.next() is None


def test_big_bulk_fed_whole_goes_straight_to_its_object():
    # One feed() holding the header and half the payload: the parser must already be filling the argument's own
    # object (so the payload is copied once), which get_buffer() shows by handing out exactly the rest of it.
    payload = big_payload()
    data = b"*2\r\n$4\r\nECHO\r\n$%d\r\n" % BIG + payload
    p = RequestParser()
    half = len(data) - BIG // 2
    p.feed(data[:half])
    assert len(p.get_buffer(-1)) == BIG - (half - (len(data) - BIG))
    p.feed(data[half:] + b"\r\n")
    assert p.next() == [b"ECHO", payload]


def test_big_bulk_chunked_feed():
    payload = bytes(random.Random(3).getrandbits(8) for _ in range(300000))
    data = (encode_command([b"SET", b"a", payload]) + encode_command([b"PING"])
            + encode_command([b"SET", b"b", payload[:MBULK_BIG_ARG]]) + encode_command([b"x", payload[:MBULK_BIG_ARG - 1]]))
    want = [[b"SET", b"a", payload], PING, [b"SET", b"b", payload[:MBULK_BIG_ARG]], [b"x", payload[:MBULK_BIG_ARG - 1]]]
    rng = random.Random(8)
    for maxpiece in (1000, 20000, 70000, 400000):
        for _ in range(5):
            assert run_feed(random_split(data, rng, maxpiece)) == (want, None)
            assert run_buffered(random_split(data, rng, maxpiece)) == (want, None)


def test_big_bulk_trailing_bytes_unchecked():
    payload = b"q" * 40000
    data = b"*1\r\n$40000\r\n" + payload + b"XY" + b"PING\r\n"
    for pieces in ([data], [data[:20]] + [data[20:]], [data[:40012]] + [data[40012:40013]] + [data[40013:]]):
        assert run_feed(pieces) == ([[payload], PING], None)


def test_buffer_updated_checks():
    p = RequestParser()
    with pytest.raises((RuntimeError, ValueError)):
        p.buffer_updated(5)                 # no buffer handed out
    buf = p.get_buffer(100)
    with pytest.raises(ValueError):
        p.buffer_updated(len(buf) + 1)
    buf = p.get_buffer(100)
    buf[:6] = b"PING\r\n"
    p.buffer_updated(6)
    assert p.next() == PING
    p.buffer_updated(0)                     # an empty read is harmless


def test_get_buffer_sizes():
    p = RequestParser()
    assert len(p.get_buffer(-1)) >= 16384
    assert len(p.get_buffer(0)) >= 16384
    assert len(p.get_buffer(200000)) >= 200000
    assert len(p.get_buffer(1 << 40)) >= 16384      # absurd hints are capped, not honoured


def test_old_views_stay_valid_after_growth():
    p = RequestParser()
    old = p.get_buffer(-1)
    p.feed(b"x" * 1000000)              # forces a new, bigger buffer
    old[:4] = b"abcd"                   # the stale view still points at live memory
    p.reset()


# ---------------------------------------------------------------------------------------------------------------
# against the real redis-server
# ---------------------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def redis_port(redis_server):
    return redis_server.port


@pytest.fixture(scope="module")
def redis_auth_port():
    require_redis_tools()
    srv = start_redis("--requirepass", "secret")
    yield srv.port
    srv.stop()


def _norm(x):
    if isinstance(x, Exception):
        return ("error", str(x))
    if isinstance(x, list):
        return [_norm(y) for y in x]
    return x


def read_replies(sock, n, timeout=3.0):
    """Read n replies (or until EOF); returns (replies, eof)."""
    reader = hiredis.Reader()
    out = []
    sock.settimeout(timeout)
    while len(out) < n:
        data = sock.recv(1 << 16)
        if not data:
            return out, True
        reader.feed(data)
        while (r := reader.gets()) is not False:
            out.append(_norm(r))
    return out, False


def redis_exchange(port, data, n):
    """Send raw bytes; read n replies; then report whether the server closed the connection."""
    with socket.create_connection(("127.0.0.1", port)) as s:
        s.sendall(data)
        try:
            replies, eof = read_replies(s, n)
        except socket.timeout:
            return "timeout", None
        if not eof:
            s.settimeout(0.02)
            try:
                extra = s.recv(1 << 16)
                eof = extra == b""
                if extra:
                    return replies + [("extra", extra)], eof
            except socket.timeout:
                pass
        return replies, eof


class Oracle:
    """What the real server replies to given argvs, on a clean connection."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port))

    def replies(self, cmds):
        if not cmds:
            return []
        self.sock.sendall(b"".join(encode_command(c) for c in cmds))
        out, eof = read_replies(self.sock, len(cmds))
        assert not eof
        return out

    def close(self):
        self.sock.close()


def check_against_redis(port, oracle, data):
    cmds, err = run_feed([data])
    want = oracle.replies(cmds)
    if err is not None:
        want = want + [("error", "ERR " + err.encode("utf-8", "surrogateescape").decode("utf-8", "replace"))]
    got, eof = redis_exchange(port, data, len(want))
    assert got == want, (data, cmds, err)
    assert eof == (err is not None), (data, cmds, err)


SAFE_CASES = [c for c in CASES if len(c[0]) < 60000]


@pytest.mark.interop
def test_known_answers_match_redis(redis_port):
    oracle = Oracle(redis_port)
    try:
        for data, _, _ in SAFE_CASES:
            check_against_redis(redis_port, oracle, data)
    finally:
        oracle.close()


@pytest.mark.interop
def test_too_big_lines_match_redis(redis_port):
    for data, want in [(b"*1" + b"1" * 70000, E_MBULK_TOO_BIG), (b"*1\r\n$" + b"1" * 70000, E_BULK_TOO_BIG),
                       (b"A" * 70000, E_INLINE_TOO_BIG), (b"*1\r\n\x00" + b"1" * 70000, E_BULK_TOO_BIG)]:
        assert run_feed([data])[1] == want
        got, eof = redis_exchange(redis_port, data, 1)
        assert got == [("error", "ERR " + want)] and eof


@pytest.mark.interop
def test_auth_limits_match_redis(redis_auth_port):
    for data in [b"*11\r\n", b"*10\r\n", b"*1\r\n$16385\r\n", b"*1\r\n$16384\r\n", b"*1\r\n$-5\r\n", b"*abc\r\n"]:
        cmds, err = run_feed([data], RequestParser(auth_required=True))
        assert cmds == []
        if err is None:
            assert redis_exchange(redis_auth_port, data, 0) == ([], False)
        else:
            assert redis_exchange(redis_auth_port, data, 1) == ([("error", "ERR " + err)], True)


def fuzz_input(rng):
    """Mostly-valid request streams (PING/ECHO, multibulk and inline with quoting), then byte-level damage."""
    def arg():
        alphabet = b"ab \t\"'\\xn0\r\n\x00\x0b\xff$*"
        return bytes(rng.choice(alphabet) for _ in range(rng.randint(0, 8)))

    def inline_token():
        kind = rng.random()
        body = bytes(rng.choice(b"ab\\x41'\" \t") for _ in range(rng.randint(0, 6)))
        if kind < 0.3:
            return b'"' + body + b'"'
        if kind < 0.5:
            return b"'" + body + b"'"
        return bytes(c for c in body if c not in b" \t") or b"a"

    parts = []
    for _ in range(rng.randint(1, 6)):
        r = rng.random()
        if r < 0.3:
            parts.append(encode_command([b"ECHO", arg()]))
        elif r < 0.45:
            parts.append(encode_command([b"PING"]))
        elif r < 0.7:
            parts.append(b"ECHO " + b" ".join(inline_token() for _ in range(rng.randint(1, 2)))
                         + rng.choice([b"\r\n", b"\n"]))
        elif r < 0.8:
            parts.append(rng.choice([b"*0\r\n", b"*-1\r\n", b"\r\n", b"\n", b"  \n", b"PING\n"]))
        else:
            parts.append(encode_command([b"ECHO", arg() * rng.randint(1, 3)]))
    data = bytearray(b"".join(parts))
    for _ in range(rng.choice([0, 0, 1, 1, 2, 3])):
        pos = rng.randrange(len(data) + 1)
        junk = bytes([rng.choice(b"\r\n\x00*$-+0123456789'\"\\ x\t\x0b")])
        if rng.random() < 0.5 and pos < len(data):
            data[pos:pos + 1] = junk
        else:
            data[pos:pos] = junk
    # a complete trailing command makes the server answer at once in the common case
    return bytes(data) + encode_command([b"ECHO", b"end"])


@pytest.mark.interop
def test_fuzz_against_redis(redis_port):
    rng = random.Random(20240607)
    oracle = Oracle(redis_port)
    outcomes = set()
    try:
        for _ in range(300):
            data = fuzz_input(rng)
            check_against_redis(redis_port, oracle, data)
            # and the same result whatever the chunking
            result = run_feed([data])
            assert run_feed(random_split(data, rng, 4)) == result
            outcomes.add(result[1].split(",")[0] if result[1] else None)
    finally:
        oracle.close()
    # the generator must reach every kind of outcome, or this test proves little
    assert {None, E_QUOTES, E_BULK, E_MBULK, "Protocol error: expected '$'"} <= outcomes, outcomes


@pytest.mark.interop
def test_inline_quoting_matches_redis(redis_port):
    # ECHO returns the parsed argument, so Redis's own sdssplitargs is the oracle for random quoted strings
    rng = random.Random(77)
    oracle = Oracle(redis_port)
    try:
        for _ in range(150):
            body = bytes(rng.choice(b"ab \\\"'xntrba01fFgG\t\x0b\xc3") for _ in range(rng.randint(0, 12)))
            q = rng.choice([b'"', b"'", b""])
            data = b"ECHO " + q + body + q + b"\r\n"
            check_against_redis(redis_port, oracle, data)
    finally:
        oracle.close()


# ---------------------------------------------------------------------------------------------------------------
# with a real event loop: the transport receives straight into get_buffer()
# ---------------------------------------------------------------------------------------------------------------

def _loop_factories():
    import asyncio
    out = [pytest.param(asyncio.new_event_loop, id="asyncio")]
    try:
        import uvloop
        out.append(pytest.param(uvloop.new_event_loop, id="uvloop"))
    except ImportError:
        pass
    return out


@pytest.mark.parametrize("new_loop", _loop_factories())
def test_buffered_protocol_echo_server(new_loop):
    import asyncio

    from kvs._core.resp import ReplyWriter

    class Echo(asyncio.BufferedProtocol):
        def connection_made(self, transport):
            self.t = transport
            self.p = RequestParser()
            self.w = ReplyWriter()

        def get_buffer(self, sizehint):
            return self.p.get_buffer(sizehint)

        def buffer_updated(self, nbytes):
            self.p.buffer_updated(nbytes)
            try:
                while (cmd := self.p.next()) is not None:
                    self.w.bulks(cmd)
            except ProtocolError as e:
                self.w.error("ERR " + str(e))
                self.t.write(self.w.take())
                self.t.close()
                return
            if len(self.w):
                self.t.write(self.w.take())

    big = bytes(range(256)) * 8192                  # 2 MiB
    cmds = [[b"SET", b"k%d" % i, b"v" * (i % 50)] for i in range(3000)] + [[b"SET", b"big", big], [b"PING"]]
    request = b"".join(encode_command(c) for c in cmds) + b"ECHO 'inline'\r\n*1\r\n$x\r\n"
    want = b"".join(encode_command(c) for c in cmds + [[b"ECHO", b"inline"]])
    want += b"-ERR Protocol error: invalid bulk length\r\n"

    async def main():
        loop = asyncio.get_running_loop()
        server = await loop.create_server(Echo, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        for i in range(0, len(request), 100000):        # several writes, so reads split the stream anywhere
            writer.write(request[i:i + 100000])
            await writer.drain()
        got = await asyncio.wait_for(reader.read(), 30)  # until the server closes after the error
        writer.close()
        server.close()
        await server.wait_closed()
        return got

    loop = new_loop()
    try:
        assert loop.run_until_complete(main()) == want
    finally:
        loop.close()
