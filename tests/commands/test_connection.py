"""Connection commands (PING, ECHO, QUIT, HELLO, AUTH, RESET, CLIENT, SELECT) against redis-server 7.0: replies are
compared byte for byte wherever both servers must agree, and field by field where values (ids, ports, ages)
naturally differ."""
import re

import pytest

from tests.conftest import require_redis_tools
from tests.procs import start_kvs, start_redis
from tests.rawconn import RawConn, encode

pytestmark = pytest.mark.interop

ID_IN_HELLO = re.compile(rb"(\$2\r\nid\r\n):\d+\r\n")


def no_id(reply: bytes) -> bytes:
    """A HELLO reply with the connection id blanked (ids are per-server counters)."""
    return ID_IN_HELLO.sub(rb"\1:ID\r\n", reply)


def same_hello(d, *args):
    a, b = d.both(*args)
    assert no_id(a) == no_id(b), f"{args!r}: kvs {a!r} != redis {b!r}"
    return a


def bulk_text(reply: bytes) -> bytes:
    """The payload of a bulk string ($) or verbatim string (=, without its `txt:` prefix)."""
    head, _, rest = reply.partition(b"\r\n")
    n = int(head[1:])
    body = rest[:n]
    return body[4:] if head.startswith(b"=") else body


def info_fields(line: bytes) -> list:
    """The `name=value` pairs of one CLIENT LIST / CLIENT INFO line, in order."""
    return [tuple(tok.split(b"=", 1)) for tok in line.strip().split(b" ")]


def drain(conn: RawConn, wait=0.3) -> bytes:
    """Everything the server sent within `wait` seconds (for connections whose replies are switched off)."""
    conn.at_eof(wait)
    out, conn.buf = conn.buf, b""
    return out


class Pair:
    """A kvs and a redis-server started with the same extra options, for tests that change global state."""

    def __init__(self, *extra):
        require_redis_tools()
        self.kvs = start_kvs(*extra)
        try:
            self.redis = start_redis(*extra)
        except Exception:
            self.kvs.stop()
            raise

    def conns(self):
        return RawConn(self.kvs.port), RawConn(self.redis.port)

    def stop(self):
        self.kvs.stop()
        self.redis.stop()


# -- PING / ECHO / SELECT --------------------------------------------------------------------------------------
def test_ping(diff):
    diff.run(("PING",), ("ping",), ("PING", "hello"), ("PING", ""), ("PING", b"\x00\xff\r\n"), ("PING", "a", "b"))


def test_echo(diff):
    diff.run(("ECHO",), ("ECHO", "x"), ("ECHO", ""), ("ECHO", b"bin\x00\r\n\xff"), ("ECHO", "a", "b"),
             ("echo", "x" * 10000))


def test_select(diff):
    diff.run(("SELECT", "1"), ("SET", "k", "in-1"), ("SELECT", "0"), ("GET", "k"), ("SELECT", "1"), ("GET", "k"),
             ("SELECT", "15"), ("SELECT", "16"), ("SELECT", "-1"), ("SELECT", "x"), ("SELECT", "1.5"),
             ("SELECT", "99999999999999999999"), ("SELECT",), ("SELECT", "1", "2"), ("SELECT", "0"))


# -- QUIT ------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("args", [("QUIT",), ("QUIT", "extra", "args")])
def test_quit_replies_then_closes(kvs_server, redis_server, args):
    out = []
    for port in (kvs_server.port, redis_server.port):
        c = RawConn(port)
        # Anything pipelined after QUIT is never answered.
        c.send(encode("PING") + encode(*args) + encode("PING"))
        assert c.at_eof(), "the server must close the connection after QUIT"
        out.append(c.buf)
        c.close()
    assert out[0] == out[1] == b"+PONG\r\n+OK\r\n"


# -- HELLO -----------------------------------------------------------------------------------------------------
def test_hello_protocol_versions(diff):
    same_hello(diff, "HELLO")
    same_hello(diff, "HELLO", "2")
    diff.run(("HELLO", "4"), ("HELLO", "1"), ("HELLO", "0"), ("HELLO", "-1"), ("HELLO", "abc"), ("HELLO", "3.0"),
             ("HELLO", "99999999999999999999"), ("HELLO", ""))
    reply = same_hello(diff, "HELLO", "3")
    assert reply.startswith(b"%7\r\n")
    same_hello(diff, "HELLO", "2")


def test_hello_id_is_client_id(kvs_server):
    c = RawConn(kvs_server.port)
    cid = c.call("CLIENT", "ID")
    assert re.search(rb"\$2\r\nid\r\n" + re.escape(cid), c.call("HELLO", "2"))


def test_hello_options(diff):
    # Without requirepass the default user takes any password.
    same_hello(diff, "HELLO", "2", "AUTH", "default", "anything")
    diff.run(("HELLO", "2", "AUTH", "nosuchuser", "x"),
             ("HELLO", "3", "AUTH"), ("HELLO", "3", "AUTH", "default"), ("HELLO", "2", "SETNAME"),
             ("HELLO", "2", "FOO"), ("HELLO", "2", "foo", "bar"))
    same_hello(diff, "HELLO", "2", "SETNAME", "conn-name")
    diff.same("CLIENT", "GETNAME")
    diff.run(("HELLO", "2", "SETNAME", "bad name"), ("HELLO", "2", "SETNAME", "bad\nname"), ("CLIENT", "GETNAME"))
    # Options act in order: a later SETNAME wins, and one read before a failing option stays set.
    same_hello(diff, "HELLO", "2", "SETNAME", "first", "setname", "second")
    diff.run(("CLIENT", "GETNAME"), ("HELLO", "3", "SETNAME", "third", "BOGUS"), ("CLIENT", "GETNAME"),
             ("GET", "missing"))
    same_hello(diff, "HELLO", "3", "AUTH", "default", "pw", "SETNAME", "fourth")
    diff.run(("CLIENT", "GETNAME"), ("GET", "missing"))


def test_resp3_replies_after_hello_3(diff):
    same_hello(diff, "HELLO", "3")
    diff.run(("GET", "missing"), ("CONFIG", "GET", "maxmemory"), ("CONFIG", "GET", "no-such-parameter"),
             ("CLIENT", "GETNAME"), ("COMMAND", "INFO", "no-such-command"), ("COMMAND", "INFO", "get"),
             ("COMMAND", "INFO", "ping"), ("PING",), ("SET", "k", "v"), ("DBSIZE",), ("INFO", "keyspace"))
    assert diff.same("GET", "missing") == b"_\r\n"
    assert diff.same("CONFIG", "GET", "maxmemory").startswith(b"%1\r\n")
    k, r = diff.both("INFO")
    assert k.startswith(b"=") and r.startswith(b"=")
    assert bulk_text(k).startswith(b"# Server\r\n")
    k, r = diff.both("CLIENT", "INFO")
    assert k.startswith(b"=") and r.startswith(b"=")
    same_hello(diff, "HELLO", "2")
    assert diff.same("GET", "missing") == b"$-1\r\n"


# -- AUTH ------------------------------------------------------------------------------------------------------
def test_auth_without_password(diff):
    diff.run(("AUTH", "x"), ("AUTH", "default", "x"), ("AUTH", "nosuchuser", "x"), ("AUTH", "a", "b", "c"),
             ("AUTH",), ("PING",))


@pytest.fixture(scope="module")
def auth_pair():
    pair = Pair("--requirepass", "s3cret")
    yield pair
    pair.stop()


def test_requirepass_noauth_before_auth(auth_pair):
    k, r = auth_pair.conns()
    for cmd in [("PING",), ("GET", "x"), ("CLIENT", "ID"), ("CLIENT", "SETNAME", "x"), ("ECHO", "x"),
                ("SELECT", "1"), ("CONFIG", "GET", "port"), ("NOSUCHCOMMAND", "a"), ("GET",), ("HELLO",),
                ("HELLO", "3"), ("HELLO", "2", "SETNAME", "x"), ("HELLO", "4")]:
        a, b = k.call(*cmd), r.call(*cmd)
        assert a == b, f"{cmd!r}: kvs {a!r} != redis {b!r}"
    # QUIT is allowed before AUTH.
    assert k.call("QUIT") == r.call("QUIT") == b"+OK\r\n"
    assert k.at_eof() and r.at_eof()


def test_requirepass_auth_forms(auth_pair):
    k, r = auth_pair.conns()

    def same(*cmd):
        a, b = k.call(*cmd), r.call(*cmd)
        assert no_id(a) == no_id(b), f"{cmd!r}: kvs {a!r} != redis {b!r}"
        return a

    assert same("AUTH", "wrong") == b"-WRONGPASS invalid username-password pair or user is disabled.\r\n"
    same("AUTH", "default", "wrong")
    same("AUTH", "s3cret", "extra")        # the two-argument form is user + password
    same("AUTH", "a", "b", "c")
    same("PING")
    assert same("AUTH", "s3cret") == b"+OK\r\n"
    assert same("PING") == b"+PONG\r\n"
    # A failed AUTH does not log an authenticated connection out.
    same("AUTH", "wrong")
    assert same("PING") == b"+PONG\r\n"
    # RESET logs out again.
    assert same("RESET") == b"+RESET\r\n"
    same("PING")
    assert same("AUTH", "default", "s3cret") == b"+OK\r\n"
    same("PING")
    same("RESET")
    same("HELLO", "3", "AUTH", "default", "wrong")
    same("PING")
    assert same("HELLO", "3", "AUTH", "default", "s3cret", "SETNAME", "authed").startswith(b"%7\r\n")
    same("CLIENT", "GETNAME")
    same("GET", "missing")


def test_requirepass_hello_options_act_in_order(auth_pair):
    k, r = auth_pair.conns()
    for cmd in [("HELLO", "2", "SETNAME", "early"), ("AUTH", "s3cret"), ("CLIENT", "GETNAME"), ("RESET",),
                ("HELLO", "2", "SETNAME", "n1", "AUTH", "default", "bad"), ("PING",), ("AUTH", "s3cret"),
                ("CLIENT", "GETNAME"), ("RESET",),
                ("HELLO", "2", "AUTH", "default", "bad", "SETNAME", "n2"), ("AUTH", "s3cret"), ("CLIENT", "GETNAME"),
                ("RESET",), ("HELLO", "3", "AUTH", "default", "s3cret", "BOGUS"), ("PING",), ("GET", "missing"),
                ("RESET",), ("HELLO", "3", "AUTH", "default", "s3cret", "AUTH", "default", "bad"), ("PING",)]:
        a, b = k.call(*cmd), r.call(*cmd)
        assert a == b, f"{cmd!r}: kvs {a!r} != redis {b!r}"


# -- RESET -----------------------------------------------------------------------------------------------------
def test_reset(diff):
    diff.run(("SELECT", "3"), ("SET", "in3", "v"), ("CLIENT", "SETNAME", "before-reset"))
    same_hello(diff, "HELLO", "3")
    diff.run(("RESET",), ("CLIENT", "GETNAME"), ("GET", "missing"), ("GET", "in3"), ("SELECT", "3"),
             ("GET", "in3"), ("RESET", "x"), ("reset",))


def test_reset_turns_replies_back_on(kvs_server, redis_server):
    out = []
    for port in (kvs_server.port, redis_server.port):
        c = RawConn(port)
        c.send(encode("CLIENT", "REPLY", "OFF") + encode("PING", "hidden") + encode("RESET") + encode("PING"))
        out.append(drain(c))
    assert out[0] == out[1] == b"+RESET\r\n+PONG\r\n"


# -- CLIENT ID / SETNAME / GETNAME -----------------------------------------------------------------------------
def test_client_id(kvs_server, diff):
    a, b = RawConn(kvs_server.port), RawConn(kvs_server.port)
    ida, idb = a.call("CLIENT", "ID"), b.call("CLIENT", "ID")
    assert re.fullmatch(rb":\d+\r\n", ida) and re.fullmatch(rb":\d+\r\n", idb)
    assert int(idb[1:]) > int(ida[1:]) > 0
    assert a.call("CLIENT", "ID") == ida
    diff.run(("CLIENT", "ID", "x"), ("client", "id", "a", "b"))


def test_client_setname_getname(diff):
    diff.run(("CLIENT", "GETNAME"), ("CLIENT", "SETNAME", "my-conn"), ("CLIENT", "GETNAME"),
             ("CLIENT", "SETNAME", "!#$%&()*+,-./0123456789:;<=>?@[\\]^_`{|}~"), ("CLIENT", "GETNAME"))
    for bad in ["a b", "a\nb", "a\rb", "tab\t", b"\x00", b"\x7f", b"\xc3\xa9", b"\x1f"]:
        diff.run(("CLIENT", "SETNAME", bad), ("CLIENT", "GETNAME"))
    # An empty name removes the name.
    diff.run(("CLIENT", "SETNAME", ""), ("CLIENT", "GETNAME"), ("CLIENT", "SETNAME"), ("CLIENT", "SETNAME", "a", "b"),
             ("CLIENT", "GETNAME", "x"))


# -- CLIENT INFO / LIST ----------------------------------------------------------------------------------------
def test_client_info_fields_match_redis(diff):
    diff.run(("SELECT", "2"), ("CLIENT", "SETNAME", "info-test"))
    k, r = diff.both("CLIENT", "INFO")
    kf, rf = info_fields(bulk_text(k)), info_fields(bulk_text(r))
    assert [f[0] for f in kf] == [f[0] for f in rf]
    kd = dict(kf)
    assert kd[b"name"] == b"info-test"
    assert kd[b"db"] == b"2"
    assert kd[b"cmd"] == dict(rf)[b"cmd"] == b"client|info"
    assert kd[b"resp"] == b"2"
    assert kd[b"flags"] == dict(rf)[b"flags"] == b"N"
    assert kd[b"user"] == b"default"
    assert kd[b"laddr"].endswith(b":%d" % diff.k.sock.getpeername()[1])
    assert kd[b"addr"] == b"127.0.0.1:%d" % diff.k.sock.getsockname()[1]
    assert bulk_text(k).endswith(b"\n")
    diff.same("CLIENT", "INFO", "extra")


def test_client_list_lines_match_redis(diff, kvs_server, redis_server):
    others = [RawConn(kvs_server.port), RawConn(redis_server.port)]
    for o in others:
        o.call("CLIENT", "SETNAME", "other")
    k, r = diff.both("CLIENT", "LIST")
    klines, rlines = bulk_text(k).splitlines(), bulk_text(r).splitlines()
    assert len(klines) >= 2 and len(rlines) >= 2
    names = [f[0] for f in info_fields(rlines[0])]
    for line in klines + rlines:
        assert [f[0] for f in info_fields(line)] == names
    my_id = diff.k.call("CLIENT", "ID")[1:-2]
    mine = [dict(info_fields(x)) for x in klines if dict(info_fields(x))[b"id"] == my_id]
    assert len(mine) == 1 and mine[0][b"cmd"] == b"client|list"
    assert any(dict(info_fields(x))[b"name"] == b"other" for x in klines)
    for o in others:
        o.close()


STATE_FIELDS = (b"flags", b"sub", b"psub", b"ssub", b"multi", b"db", b"name", b"resp")


def state_of(port, setup):
    """Selected CLIENT LIST fields of a connection after it ran `setup`, seen from another connection."""
    v = RawConn(port)
    vid = v.call("CLIENT", "ID")[1:-2]
    for cmd in setup:
        v.call(*cmd)
    o = RawConn(port)
    if any(cmd[0] == "WATCH" for cmd in setup):
        o.call("SET", "watched", "changed")
    lines = bulk_text(o.call("CLIENT", "LIST", "ID", vid)).splitlines()
    assert len(lines) == 1
    fields = dict(info_fields(lines[0]))
    types = [t for t in ("normal", "pubsub", "master", "replica")
             if b"id=%s " % vid in bulk_text(o.call("CLIENT", "LIST", "TYPE", t))]
    v.close()
    o.close()
    return {k: fields[k] for k in STATE_FIELDS}, types


@pytest.mark.parametrize("setup", [
    [("SUBSCRIBE", "a", "b")],
    [("PSUBSCRIBE", "a*")],
    [("SUBSCRIBE", "a"), ("UNSUBSCRIBE",)],
    [("HELLO", "3"), ("SUBSCRIBE", "a"), ("PSUBSCRIBE", "p*", "q*")],
    [("MULTI",), ("SET", "a", "b"), ("GET", "a")],
    [("WATCH", "watched")],
    [("WATCH", "watched"), ("MULTI",)],
    [("CLIENT", "NO-EVICT", "on")],
    [("CLIENT", "NO-EVICT", "on"), ("CLIENT", "NO-EVICT", "off")],
    [("CLIENT", "NO-EVICT", "on"), ("RESET",)],          # RESET keeps no-evict in 7.0
    [("MONITOR",)],
    [("SELECT", "4"), ("CLIENT", "SETNAME", "nm"), ("HELLO", "3")],
    [("SUBSCRIBE", "a"), ("RESET",)],
    [("MULTI",), ("SET", "a", "b"), ("RESET",)],
    [("HELLO", "3"), ("CLIENT", "NO-EVICT", "on"), ("SUBSCRIBE", "a"), ("WATCH", "watched"), ("MULTI",)],
], ids=lambda setup: "+".join(" ".join(cmd) for cmd in setup))
def test_client_list_flags_and_counters(kvs_server, redis_server, setup):
    assert state_of(kvs_server.port, setup) == state_of(redis_server.port, setup)


def test_reset_drops_subscriptions_and_watches(kvs_server, redis_server):
    out = []
    for port in (kvs_server.port, redis_server.port):
        c, other = RawConn(port), RawConn(port)
        c.call("SUBSCRIBE", "resetchan")
        c.call("RESET")
        c.call("WATCH", "resetkey")
        c.call("RESET")
        other.call("SET", "resetkey", "x")
        out.append([other.call("PUBLISH", "resetchan", "m"), c.call("MULTI"), c.call("GET", "resetkey"),
                    c.call("EXEC"), c.call("PING")])
    assert out[0] == out[1]
    assert out[0][0] == b":0\r\n" and out[0][3] == b"*1\r\n$1\r\nx\r\n"


def test_client_list_filters(diff):
    diff.run(("CLIENT", "LIST", "TYPE", "bad"), ("CLIENT", "LIST", "TYPE"), ("CLIENT", "LIST", "TYPE", "normal", "x"),
             ("CLIENT", "LIST", "ID"), ("CLIENT", "LIST", "ID", "abc"), ("CLIENT", "LIST", "ID", "1", "x"),
             ("CLIENT", "LIST", "ID", "1.5"), ("CLIENT", "LIST", "foo"), ("CLIENT", "LIST", "foo", "bar"),
             ("CLIENT", "LIST", "TYPE", "master"), ("CLIENT", "LIST", "TYPE", "replica"),
             ("CLIENT", "LIST", "TYPE", "slave"), ("CLIENT", "LIST", "TYPE", "pubsub"),
             ("CLIENT", "LIST", "ID", "0"), ("CLIENT", "LIST", "ID", "-1"),
             ("CLIENT", "LIST", "ID", "999999999"))
    for conn in (diff.k, diff.r):
        my_id = conn.call("CLIENT", "ID")[1:-2]
        for args in [("ID", my_id), ("ID", "999999999", my_id, my_id), ("TYPE", "normal"), ("type", "NORMAL")]:
            lines = bulk_text(conn.call("CLIENT", "LIST", *args)).splitlines()
            # ID prints one line per id argument, repeats included
            expected = args.count(my_id) if args[0] == "ID" else 1
            assert [dict(info_fields(x))[b"id"] for x in lines].count(my_id) == expected, args


# -- CLIENT KILL -----------------------------------------------------------------------------------------------
@pytest.fixture
def kill_pair():
    # Killing by type, user or laddr hits every connection of a server: use servers of our own.
    pair = Pair()
    yield pair
    pair.stop()


def addr_of(conn: RawConn) -> str:
    host, port = conn.sock.getsockname()[:2]
    return f"{host}:{port}"


def laddr_of(conn: RawConn) -> str:
    host, port = conn.sock.getpeername()[:2]
    return f"{host}:{port}"


def test_client_kill_errors(diff):
    diff.run(("CLIENT", "KILL"), ("CLIENT", "KILL", "1.2.3.4:5"), ("CLIENT", "KILL", "nonsense"),
             ("CLIENT", "KILL", "ID", "abc"), ("CLIENT", "KILL", "ID", "0"), ("CLIENT", "KILL", "ID", "-1"),
             ("CLIENT", "KILL", "ID", "99999999"), ("CLIENT", "KILL", "TYPE", "bad"),
             ("CLIENT", "KILL", "TYPE", "pubsub"), ("CLIENT", "KILL", "TYPE", "master"),
             ("CLIENT", "KILL", "USER", "nobody"), ("CLIENT", "KILL", "SKIPME", "maybe"),
             ("CLIENT", "KILL", "FOO", "bar"), ("CLIENT", "KILL", "ID", "1", "ID"),
             ("CLIENT", "KILL", "ADDR", "1.1.1.1:1"), ("CLIENT", "KILL", "LADDR", "1.1.1.1:1"),
             ("CLIENT", "KILL", "MAXAGE", "10"), ("CLIENT", "KILL", "ID", "99999999", "SKIPME", "no"),
             ("client", "kill", "id", "99999999", "skipme", "YES"), ("CLIENT", "KILL", "USER", "default", "ID", "x"))


@pytest.mark.parametrize("server", ["kvs", "redis"])
def test_client_kill_old_form(kill_pair, server):
    port = getattr(kill_pair, server).port
    killer, victim, bystander = RawConn(port), RawConn(port), RawConn(port)
    assert victim.call("PING") == b"+PONG\r\n"   # accepted by the server before the kill
    assert killer.call("CLIENT", "KILL", addr_of(victim)) == b"+OK\r\n"
    assert victim.at_eof()
    assert bystander.call("PING") == b"+PONG\r\n"
    assert killer.call("CLIENT", "KILL", addr_of(victim)) == b"-ERR No such client\r\n"
    # Killing yourself the old way: +OK, then the connection closes.
    assert killer.call("CLIENT", "KILL", addr_of(killer)) == b"+OK\r\n"
    assert killer.at_eof()


@pytest.mark.parametrize("server", ["kvs", "redis"])
def test_client_kill_filters(kill_pair, server):
    port = getattr(kill_pair, server).port
    killer = RawConn(port)
    v1, v2 = RawConn(port), RawConn(port)
    v1_id = v1.call("CLIENT", "ID")[1:-2]
    # ID
    assert killer.call("CLIENT", "KILL", "ID", v1_id) == b":1\r\n"
    assert v1.at_eof()
    assert killer.call("CLIENT", "KILL", "ID", v1_id) == b":0\r\n"
    # ADDR, combined with a matching ID and with a mismatching one
    v2_id = v2.call("CLIENT", "ID")[1:-2]
    assert killer.call("CLIENT", "KILL", "ADDR", addr_of(v2), "ID", "999999") == b":0\r\n"
    assert killer.call("CLIENT", "KILL", "ADDR", addr_of(v2), "ID", v2_id) == b":1\r\n"
    assert v2.at_eof()
    # TYPE / USER / LADDR hit every other normal connection; SKIPME yes (the default) spares the caller.
    for flt in [("TYPE", "normal"), ("USER", "default"), ("LADDR", laddr_of(killer)),
                ("TYPE", "NORMAL", "SKIPME", "yes")]:
        others = [RawConn(port), RawConn(port)]
        for o in others:
            assert o.call("PING") == b"+PONG\r\n"
        assert killer.call("CLIENT", "KILL", *flt) == b":2\r\n", flt
        for o in others:
            assert o.at_eof(), flt
        assert killer.call("PING") == b"+PONG\r\n"
    # SKIPME no: the caller is counted, gets its reply, and is closed.
    other = RawConn(port)
    other.call("PING")
    assert killer.call("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "no") == b":2\r\n"
    assert killer.at_eof() and other.at_eof()
    # Only the caller left: SKIPME yes kills nobody.
    last = RawConn(port)
    assert last.call("CLIENT", "KILL", "ID", last.call("CLIENT", "ID")[1:-2]) == b":0\r\n"
    assert last.call("CLIENT", "KILL", "ADDR", addr_of(last), "SKIPME", "no") == b":1\r\n"
    assert last.at_eof()


# -- CLIENT REPLY ----------------------------------------------------------------------------------------------
def reply_stream(port, *commands) -> bytes:
    c = RawConn(port)
    c.send(b"".join(encode(*cmd) for cmd in commands))
    out = drain(c)
    c.close()
    return out


def same_stream(kvs_server, redis_server, *commands) -> bytes:
    a = reply_stream(kvs_server.port, *commands)
    b = reply_stream(redis_server.port, *commands)
    assert a == b, f"kvs {a!r} != redis {b!r}"
    return a


def test_client_reply_off_on(kvs_server, redis_server):
    out = same_stream(kvs_server, redis_server,
                      ("CLIENT", "REPLY", "OFF"), ("SET", "a", "1"), ("GET", "a"), ("INCR", "a"),
                      ("CLIENT", "REPLY", "ON"), ("GET", "a"))
    assert out == b"+OK\r\n$1\r\n2\r\n"


def test_client_reply_skip(kvs_server, redis_server):
    out = same_stream(kvs_server, redis_server,
                      ("CLIENT", "REPLY", "SKIP"), ("PING", "1"), ("PING", "2"),
                      ("CLIENT", "REPLY", "SKIP"), ("CLIENT", "REPLY", "SKIP"), ("PING", "3"), ("PING", "4"))
    assert out == b"$1\r\n2\r\n$1\r\n4\r\n"
    # SKIP while replies are off changes nothing; bad modes are errors (not shown while off).
    same_stream(kvs_server, redis_server,
                ("CLIENT", "REPLY", "OFF"), ("CLIENT", "REPLY", "SKIP"), ("CLIENT", "REPLY", "bad"), ("PING", "x"),
                ("CLIENT", "REPLY", "ON"), ("PING", "y"))


def test_client_reply_errors(diff):
    diff.run(("CLIENT", "REPLY"), ("CLIENT", "REPLY", "maybe"), ("CLIENT", "REPLY", "ON", "x"),
             ("client", "reply", "on"))


def test_client_reply_off_hides_rejected_commands(kvs_server, redis_server):
    out = same_stream(kvs_server, redis_server,
                      ("CLIENT", "REPLY", "OFF"), ("NOSUCHCOMMAND",), ("GET",), ("CLIENT", "REPLY", "ON"),
                      ("PING",))
    assert out == b"+OK\r\n+PONG\r\n"


def test_client_reply_on_right_after_skip(kvs_server, redis_server):
    out = same_stream(kvs_server, redis_server,
                      ("CLIENT", "REPLY", "SKIP"), ("CLIENT", "REPLY", "ON"), ("PING", "x"))
    assert out == b"+OK\r\n$1\r\nx\r\n"


# -- CLIENT NO-EVICT / HELP / unknown --------------------------------------------------------------------------
def test_client_no_evict(diff):
    diff.run(("CLIENT", "NO-EVICT", "on"), ("CLIENT", "NO-EVICT", "OFF"), ("CLIENT", "NO-EVICT", "maybe"),
             ("CLIENT", "NO-EVICT"), ("CLIENT", "NO-EVICT", "on", "x"), ("client", "no-evict", "On"))


def test_client_unknown_subcommand(diff):
    diff.run(("CLIENT", "NOSUCH"), ("CLIENT", "nosuch", "a", "b"), ("CLIENT",), ("CLIENT", "x" * 300),
             ("CLIENT", "HELP", "x"))


def test_client_help(diff):
    k, r = diff.both("CLIENT", "HELP")
    for reply in (k, r):
        lines = reply.split(b"\r\n")
        assert re.fullmatch(rb"\*\d+", lines[0])
        n = int(lines[0][1:])
        assert n > 5 and len(lines) == n + 2 and lines[-1] == b""
        assert all(x.startswith(b"+") for x in lines[1:-1])
    assert k.split(b"\r\n")[1] == r.split(b"\r\n")[1]   # the usage line
