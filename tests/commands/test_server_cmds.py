"""Server commands (INFO, CONFIG, COMMAND, TIME, LASTSAVE, DBSIZE, MONITOR, SHUTDOWN) and the generic command
errors, against redis-server 7.0: byte for byte where both must agree, by structure where values differ."""
import re
import time

import pytest

from tests.conftest import require_redis_tools
from tests.procs import start_kvs, start_redis
from tests.rawconn import RawConn, encode

pytestmark = pytest.mark.interop

# Sections whose lines depend on what ran (commands, errors, keys): compared separately.
DYNAMIC_SECTIONS = {"Commandstats", "Errorstats", "Latencystats", "Keyspace"}


class Pair:
    """A kvs and a redis-server of our own, for tests that change configuration or stop the server."""

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


@pytest.fixture(scope="module")
def pair():
    p = Pair()
    yield p
    p.stop()


def same(k, r, *cmd):
    a, b = k.call(*cmd), r.call(*cmd)
    assert a == b, f"{cmd!r}: kvs {a!r} != redis {b!r}"
    return a


# -- reply decoding --------------------------------------------------------------------------------------------
def parse(buf: bytes, pos: int = 0):
    """Decode one RESP2/RESP3 reply into Python values (maps become dicts, sets become sets of hashables)."""
    t = buf[pos:pos + 1]
    end = buf.index(b"\r\n", pos)
    head = buf[pos + 1:end]
    pos = end + 2
    if t == b"+":
        return head, pos
    if t == b"-":
        return Exception(head), pos
    if t == b":":
        return int(head), pos
    if t == b"_":
        return None, pos
    if t in b"$=":
        n = int(head)
        if n < 0:
            return None, pos
        return buf[pos:pos + n], pos + n + 2
    if t in b"*~%":
        n = int(head)
        if n < 0:
            return None, pos
        items = []
        for _ in range(n * 2 if t == b"%" else n):
            v, pos = parse(buf, pos)
            items.append(v)
        if t == b"%":
            return dict(zip(items[::2], items[1::2])), pos
        return items, pos
    raise ValueError(f"unexpected reply type {t!r}")


def value(reply: bytes):
    return parse(reply)[0]


def as_map(v):
    """A RESP2 flat [k, v, k, v ...] array or a RESP3 map, as a dict."""
    return v if isinstance(v, dict) else dict(zip(v[::2], v[1::2]))


def info_text(reply: bytes) -> str:
    v = value(reply)
    if v.startswith(b"txt:"):
        v = v[4:]
    return v.decode()


def info_sections(text: str):
    """[(section title, [(field, value) ...]) ...] in order."""
    out = []
    for line in text.split("\r\n"):
        if line.startswith("# "):
            out.append((line[2:], []))
        elif line:
            name, _, val = line.partition(":")
            out[-1][1].append((name, val))
    return out


# -- INFO ------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("args", [(), ("default",), ("all",), ("everything",), ("server",), ("clients",),
                                  ("memory",), ("persistence",), ("stats",), ("replication",), ("cpu",),
                                  ("modules",), ("cluster",), ("SERVER", "memory"), ("cpu", "server"),
                                  ("keyspace",), ("commandstats",), ("errorstats",), ("latencystats",)])
def test_info_sections_and_fields(diff, args):
    diff.run(("SET", "k", "v"), ("GET", "k"), ("INCR", "k"))   # fills the dynamic sections
    k, r = diff.both("INFO", *args)
    ks, rs = info_sections(info_text(k)), info_sections(info_text(r))
    assert [s for s, _ in ks] == [s for s, _ in rs]
    for (title, kf), (_, rf) in zip(ks, rs):
        if title in DYNAMIC_SECTIONS:
            continue
        knames, rnames = [n for n, _ in kf], [n for n, _ in rf]
        # kvs may add its own fields, after Redis's.
        assert knames[:len(rnames)] == rnames, f"section {title}"


def test_info_plain_bulk_and_unknown_sections(diff):
    k, r = diff.both("INFO", "server")
    assert k.startswith(b"$") and r.startswith(b"$")
    assert info_text(k).endswith("\r\n")
    diff.run(("INFO", "nosuchsection"), ("INFO", "a", "b", "c"))


def test_info_keyspace(diff):
    diff.run(("INFO", "keyspace"), ("SET", "a", "1"), ("SET", "b", "2"), ("SET", "c", "3", "EX", "1000"),
             ("SELECT", "5"), ("SET", "x", "1"), ("SELECT", "0"))
    k, r = diff.both("INFO", "keyspace")
    pattern = re.compile(r"# Keyspace\r\n(db\d+:keys=\d+,expires=\d+,avg_ttl=\d+\r\n)*")
    for text in (info_text(k), info_text(r)):
        assert pattern.fullmatch(text), text
    strip_ttl = re.compile(r",avg_ttl=\d+")
    assert strip_ttl.sub("", info_text(k)) == strip_ttl.sub("", info_text(r)) == \
        "# Keyspace\r\ndb0:keys=3,expires=1\r\ndb5:keys=1,expires=0\r\n"


CMDSTAT = re.compile(r"calls=(\d+),usec=(\d+),usec_per_call=(\d+\.\d\d),rejected_calls=(\d+),failed_calls=(\d+)")


def stats_after_workload(conn):
    """INFO commandstats and errorstats after the same mix of good, failing and rejected commands."""
    assert conn.call("CONFIG", "RESETSTAT") == b"+OK\r\n"
    for cmd in [("SET", "k", "v"), ("GET", "k"), ("GET", "k"), ("GET", "missing"), ("INCR", "k"),
                ("INCR", "k"), ("GET",), ("NOSUCHCMD", "x"), ("CONFIG", "GET"), ("CONFIG", "NOSUCH"),
                ("CLIENT", "ID"), ("SELECT", "99"), ("ECHO", "x"), ("AUTH", "x"), ("DBSIZE",)]:
        conn.call(*cmd)
    cmdstats = {}
    for name, val in info_sections(info_text(conn.call("INFO", "commandstats")))[0][1]:
        m = CMDSTAT.fullmatch(val)
        assert m, (name, val)
        calls, usec, per, rejected, failed = m.groups()
        if int(calls):
            assert abs(float(per) - int(usec) / int(calls)) < 0.01
        cmdstats[name] = (int(calls), int(rejected), int(failed))
    errorstats = info_text(conn.call("INFO", "errorstats"))
    return cmdstats, errorstats


def test_info_commandstats_and_errorstats(diff):
    kstats, kerr = stats_after_workload(diff.k)
    rstats, rerr = stats_after_workload(diff.r)
    assert kstats == rstats
    assert kstats["cmdstat_get"] == (3, 1, 0)
    assert kstats["cmdstat_incr"] == (2, 0, 2)
    assert kstats["cmdstat_config|resetstat"] == (1, 0, 0)
    assert kerr == rerr
    assert kerr.startswith("# Errorstats\r\nerrorstat_ERR:count=")
    # The errorstats section of a plain INFO too.
    k_all = dict(info_sections(info_text(diff.k.call("INFO"))))
    r_all = dict(info_sections(info_text(diff.r.call("INFO"))))
    assert k_all["Errorstats"] == r_all["Errorstats"]


def test_info_latencystats_shape(diff):
    for conn in (diff.k, diff.r):
        conn.call("CONFIG", "RESETSTAT")
        conn.call("SET", "k", "v")
        conn.call("CLIENT", "ID")
        lines = dict(info_sections(info_text(conn.call("INFO", "latencystats")))[0][1])
        assert set(lines) >= {"latency_percentiles_usec_set", "latency_percentiles_usec_client|id",
                              "latency_percentiles_usec_config|resetstat"}
        for val in lines.values():
            assert re.fullmatch(r"p50=\d+\.\d{3},p99=\d+\.\d{3},p99\.9=\d+\.\d{3}", val), val


def test_info_resetstat_clears_counters(diff):
    for conn in (diff.k, diff.r):
        conn.call("NOSUCHCMD")
        conn.call("CONFIG", "RESETSTAT")
        stats = dict(info_sections(info_text(conn.call("INFO", "stats")))[0][1])
        assert stats["total_error_replies"] == "0"
        assert stats["keyspace_hits"] == stats["keyspace_misses"] == "0"
        assert info_text(conn.call("INFO", "errorstats")) == "# Errorstats\r\n"


# -- CONFIG ----------------------------------------------------------------------------------------------------
def test_config_get_patterns(diff):
    for patterns in [("maxmemory",), ("maxmemory*",), ("*max-*-entries*",), ("no-such-parameter",),
                     ("port", "maxmemory"), ("MAXMEMORY",), ("hz", "hz"), ("save", "appendonly", "databases"),
                     ("maxmemory", "maxmemory-*"), ("*",)]:
        k, r = diff.both("CONFIG", "GET", *patterns)
        kv, rv = as_map(value(k)), as_map(value(r))
        for name in (b"port", b"dir"):
            # where each server listens and runs
            if name in rv:
                assert name in kv
                kv.pop(name), rv.pop(name)
        assert kv == rv, patterns
    diff.run(("CONFIG", "GET"), ("CONFIG", "GET", "nomatch", "nomatch2"))


def test_config_set_several_pairs(pair):
    k, r = pair.conns()
    same(k, r, "CONFIG", "SET", "maxmemory", "10mb", "hz", "20", "maxmemory-policy", "allkeys-lru")
    same(k, r, "CONFIG", "GET", "maxmemory")
    same(k, r, "CONFIG", "GET", "hz")
    same(k, r, "CONFIG", "GET", "maxmemory-policy")
    same(k, r, "config", "set", "MAXMEMORY", "0", "Hz", "10", "maxmemory-policy", "noeviction")
    same(k, r, "CONFIG", "GET", "maxmemory")


def test_config_set_errors(pair):
    k, r = pair.conns()
    for cmd in [("CONFIG", "SET"), ("CONFIG", "SET", "maxmemory"), ("CONFIG", "SET", "maxmemory", "1", "hz"),
                ("CONFIG", "SET", "foo", "bar"), ("CONFIG", "SET", "maxmemory", "abc"),
                ("CONFIG", "SET", "hz", "10", "hz", "11"), ("CONFIG", "SET", "hz", "10", "HZ", "11"),
                ("CONFIG", "SET", "maxmemory", "1", "foo", "bar"), ("CONFIG", "SET", "appendonly", "maybe"),
                ("CONFIG", "SET", "daemonize", "yes"), ("CONFIG", "SET", "save", "bogus")]:
        same(k, r, *cmd)
    # A failing pair leaves the earlier ones unapplied.
    same(k, r, "CONFIG", "SET", "hz", "33", "maxmemory", "bad")
    assert same(k, r, "CONFIG", "GET", "hz") == b"*2\r\n$2\r\nhz\r\n$2\r\n10\r\n"


def test_config_resetstat_rewrite_help(diff):
    diff.run(("CONFIG", "RESETSTAT"), ("CONFIG", "RESETSTAT", "x"), ("CONFIG", "REWRITE"),
             ("CONFIG", "REWRITE", "x"), ("CONFIG", "HELP", "x"), ("CONFIG", "NOSUCH"), ("CONFIG",),
             ("config", "nosuch", "a"))
    assert diff.same("CONFIG", "REWRITE") == b"-ERR The server is running without a config file\r\n"
    for reply in diff.both("CONFIG", "HELP"):
        items = value(reply)
        assert len(items) > 4 and all(isinstance(x, bytes) for x in items)
        assert all(line.startswith(b"+") for line in reply.split(b"\r\n")[1:-1])


# -- COMMAND ---------------------------------------------------------------------------------------------------
def kvs_command_names(conn):
    """Every command and subcommand kvs implements, by full name."""
    names = []
    for entry in value(conn.call("COMMAND")):
        names.append(entry[0])
        names.extend(sub[0] for sub in entry[9])
    return names


def test_command_count(diff):
    n = value(diff.k.call("COMMAND", "COUNT"))
    assert isinstance(n, int) and n == len(value(diff.k.call("COMMAND"))) > 10
    diff.same("COMMAND", "COUNT", "x")


def command_info_mismatches(diff, names):
    mismatched = []
    for name in names:
        k, r = value(diff.k.call("COMMAND", "INFO", name))[0], value(diff.r.call("COMMAND", "INFO", name))[0]
        assert r is not None, f"{name!r} is not a Redis 7.0 command"
        # name, arity, flags (a set), first/last/step, ACL categories (a set)
        kinfo = (k[0], k[1], set(k[2]), k[3], k[4], k[5], set(k[6]))
        rinfo = (r[0], r[1], set(r[2]), r[3], r[4], r[5], set(r[6]))
        if kinfo != rinfo:
            mismatched.append((name, kinfo, rinfo))
    return mismatched


def test_command_info_matches_redis(diff):
    names = kvs_command_names(diff.k)
    assert b"get" in names and b"config|get" in names and b"client|kill" in names
    assert command_info_mismatches(diff, names) == []


def test_command_info_unknown_and_resp3(diff):
    # (byte-exact only for commands whose key specs and category order kvs reproduces)
    diff.run(("COMMAND", "INFO", "nosuch"), ("COMMAND", "INFO", "get", "nosuch", "GET"),
             ("COMMAND", "INFO", "config|get"), ("COMMAND", "INFO", "CONFIG|GET"), ("COMMAND", "INFO", "config|nosuch"),
             ("COMMAND", "INFO", "get|x"), ("COMMAND", "INFO", "ping"), ("COMMAND", "INFO", "client|id"))
    assert diff.same("COMMAND", "INFO", "nosuch") == b"*1\r\n$-1\r\n"
    diff.k.call("HELLO", "3")
    diff.r.call("HELLO", "3")
    assert diff.same("COMMAND", "INFO", "nosuch") == b"*1\r\n_\r\n"
    diff.run(("COMMAND", "INFO", "get"), ("COMMAND", "INFO", "ping"), ("COMMAND", "INFO", "echo"),
             ("COMMAND", "INFO", "config|set"), ("COMMAND", "INFO", "get", "nosuch"))


def test_command_docs_shape(diff):
    for reply in (diff.k.call("COMMAND", "DOCS", "get", "config", "nosuch"),
                  diff.r.call("COMMAND", "DOCS", "get", "config", "nosuch")):
        docs = as_map(value(reply))
        assert set(docs) == {b"get", b"config"}
        for doc in docs.values():
            doc = as_map(doc)
            assert {b"summary", b"since", b"group"} <= set(doc)
        subs = as_map(as_map(docs[b"config"])[b"subcommands"])
        assert b"config|get" in subs and {b"summary", b"since", b"group"} <= set(as_map(subs[b"config|get"]))
    diff.run(("COMMAND", "DOCS", "nosuch"), ("COMMAND", "DOCS", "get|x"))
    all_docs = as_map(value(diff.k.call("COMMAND", "DOCS")))
    assert len(all_docs) == value(diff.k.call("COMMAND", "COUNT"))




def docs_meta(conn, names):
    out = {}
    for name, doc in as_map(value(conn.call("COMMAND", "DOCS", *names))).items():
        doc = as_map(doc)
        out[name] = (doc[b"since"], doc[b"group"])
        for sub, sdoc in as_map(doc.get(b"subcommands", [])).items():
            sdoc = as_map(sdoc)
            out[sub] = (sdoc[b"since"], sdoc[b"group"])
    return out


def test_command_docs_since_and_group(diff):
    names = [n for n in kvs_command_names(diff.k) if b"|" not in n]
    kd, rd = docs_meta(diff.k, names), docs_meta(diff.r, names)
    assert kd == {n: v for n, v in rd.items() if n in kd}


def test_command_list(diff):
    kvs_all = value(diff.k.call("COMMAND", "LIST"))
    redis_all = set(value(diff.r.call("COMMAND", "LIST")))
    assert set(kvs_all) == set(kvs_command_names(diff.k))      # subcommands included, by full name
    assert set(kvs_all) <= redis_all
    for flt in [("pattern", "ge*"), ("pattern", "config*"), ("pattern", "config|*"), ("PATTERN", "CLIENT|ID"),
                ("pattern", "*"), ("pattern", "nomatch*"), ("aclcat", "connection"), ("ACLCAT", "CONNECTION"),
                ("aclcat", "admin"), ("aclcat", "string"), ("aclcat", "write"), ("aclcat", "nosuchcategory"),
                ("module", "nosuchmodule")]:
        k = value(diff.k.call("COMMAND", "LIST", "FILTERBY", *flt))
        r = value(diff.r.call("COMMAND", "LIST", "FILTERBY", *flt))
        assert len(k) == len(set(k))
        assert set(k) == set(r) & set(kvs_all), flt
    diff.run(("COMMAND", "LIST", "FILTERBY"), ("COMMAND", "LIST", "FILTERBY", "foo", "bar"),
             ("COMMAND", "LIST", "x"), ("COMMAND", "LIST", "FILTERBY", "pattern"),
             ("COMMAND", "LIST", "FILTERBY", "pattern", "a", "b"))


def test_command_getkeys(diff):
    diff.run(("COMMAND", "GETKEYS"), ("COMMAND", "GETKEYS", "get"), ("COMMAND", "GETKEYS", "get", "a"),
             ("COMMAND", "GETKEYS", "GET", "a"), ("COMMAND", "GETKEYS", "get", "a", "b"),
             ("COMMAND", "GETKEYS", "nosuch", "a"), ("COMMAND", "GETKEYS", "ping", "x"),
             ("COMMAND", "GETKEYS", "mset", "a", "b", "c", "d"), ("COMMAND", "GETKEYS", "mset", "a", "b", "c"),
             ("COMMAND", "GETKEYS", "del", "a", "b", "c"), ("COMMAND", "GETKEYS", "set", "k", "v", "EX", "10"),
             ("COMMAND", "GETKEYS", "config", "get", "x"), ("COMMAND", "GETKEYS", "object", "encoding", "k"),
             ("COMMAND", "GETKEYS", "OBJECT", "ENCODING", "k"), ("COMMAND", "GETKEYS", "object", "nosuch", "k"),
             ("COMMAND", "GETKEYS", "object", "help"), ("COMMAND", "GETKEYS", "config|get", "x"),
             ("COMMAND", "GETKEYS", "getex", "a"), ("COMMAND", "NOSUCH"), ("COMMAND", "HELP", "x"))
    for reply in diff.both("COMMAND", "HELP"):
        assert all(line.startswith(b"+") for line in reply.split(b"\r\n")[1:-1])


# -- TIME / LASTSAVE / DBSIZE ----------------------------------------------------------------------------------
def test_time(diff):
    for conn in (diff.k, diff.r):
        secs, usecs = value(conn.call("TIME"))
        assert re.fullmatch(rb"\d+", secs) and re.fullmatch(rb"\d+", usecs)
        assert int(usecs) < 1_000_000
        assert abs(int(secs) + int(usecs) / 1e6 - time.time()) < 5
    diff.same("TIME", "x")


def test_lastsave(diff, kvs_server):
    last = value(diff.k.call("LASTSAVE"))
    assert isinstance(last, int) and time.time() - 24 * 3600 < last <= time.time() + 1
    diff.same("LASTSAVE", "x")


def test_dbsize(diff):
    diff.run(("DBSIZE",), ("SET", "a", "1"), ("SET", "b", "2"), ("DBSIZE",), ("SELECT", "1"), ("DBSIZE",),
             ("SET", "c", "3"), ("DBSIZE",), ("SELECT", "0"), ("DEL", "a"), ("DBSIZE",), ("DBSIZE", "x"))


# -- MONITOR ---------------------------------------------------------------------------------------------------
MONITOR_LINE = re.compile(rb'\+(\d+)\.(\d{6}) \[(\d+) 127\.0\.0\.1:(\d+)\]((?: "(?:[^"\\]|\\.)*")+)\r\n')


def monitor_feed(port, commands):
    """The lines a MONITOR connection gets while another connection runs `commands`; timestamps checked and
    removed, the client's port replaced by PORT."""
    m = RawConn(port)
    assert m.call("MONITOR") == b"+OK\r\n"
    c = RawConn(port)
    for cmd in commands:
        c.call(*cmd)
    c.call("ECHO", "end-of-feed")
    lines = []
    while True:
        line = m.read_reply()
        lines.append(line)
        if b'"end-of-feed"' in line:
            break
    client_port = str(c.sock.getsockname()[1]).encode()
    m.close()
    c.close()
    return lines, client_port


def normalize_feed(lines, client_port):
    out = []
    for line in lines:
        # the text after the timestamp, whatever the prefix looks like (checked separately)
        rest = line.split(b" ", 1)[1]
        out.append(rest.replace(b"127.0.0.1:" + client_port + b"]", b"127.0.0.1:PORT]"))
    return out


FEED_COMMANDS = [("set", "k", "v"), ("SELECT", "2"), ("GET", b'a\x00"\\\n\r\t\xff'), ("CONFIG", "GET", "port"),
                 ("AUTH", "secret"), ("AUTH", "user", "secret"), ("AUTH", "a", "b", "c"),
                 ("HELLO", "2", "AUTH", "default", "secret", "SETNAME", "n"), ("CLIENT", "ID"),
                 ("NOSUCHCOMMAND",), ("GET",), ("PING",), ("SELECT", "0"), ("INCR", "k")]


def test_monitor_feed_content(kvs_server, redis_server):
    klines, kport = monitor_feed(kvs_server.port, FEED_COMMANDS)
    rlines, rport = monitor_feed(redis_server.port, FEED_COMMANDS)
    kfeed, rfeed = normalize_feed(klines, kport), normalize_feed(rlines, rport)
    assert kfeed == rfeed
    assert b'[0 127.0.0.1:PORT] "set" "k" "v"\r\n' in kfeed
    assert b'[2 127.0.0.1:PORT] "AUTH" "(redacted)"\r\n' in kfeed


def test_monitor_line_format(kvs_server, redis_server):
    for port in (redis_server.port, kvs_server.port):
        lines, client_port = monitor_feed(port, [("set", "k", "v")])
        m = MONITOR_LINE.fullmatch(lines[0])
        assert m, lines[0]
        assert abs(int(m.group(1)) - time.time()) < 5
        assert m.group(3) == b"0" and m.group(4) == client_port
        assert m.group(5) == b' "set" "k" "v"'


def monitor_session(port):
    """A monitor's own stream: a second MONITOR (ignored), PING, another client's SET, RESET (ends the feed)."""
    m, c = RawConn(port), RawConn(port)
    assert m.call("MONITOR") == b"+OK\r\n"
    m.send(encode("MONITOR") + encode("PING"))
    stream = [m.read_reply(), m.read_reply()]
    c.call("SET", "a", "1")
    stream.append(m.read_reply())
    stream.append(m.call("RESET"))
    c.call("SET", "a", "2")
    stream.append(m.call("ECHO", "done"))
    ports = {str(s.getsockname()[1]).encode(): name for s, name in ((m.sock, b"M"), (c.sock, b"C"))}
    out = []
    for line in stream:
        line = re.sub(rb"^\+\d+\.\d{6} ", b"+TIME ", line)
        out.append(re.sub(rb"127\.0\.0\.1:(\d+)\]", lambda mt: b"127.0.0.1:" + ports[mt.group(1)] + b"]", line))
    return out


def test_monitor_session(kvs_server, redis_server):
    k, r = monitor_session(kvs_server.port), monitor_session(redis_server.port)
    assert k == r
    assert k == [b"+PONG\r\n", b'+TIME [0 127.0.0.1:M] "PING"\r\n', b'+TIME [0 127.0.0.1:C] "SET" "a" "1"\r\n',
                 b"+RESET\r\n", b"$4\r\ndone\r\n"]


def test_monitor_errors(diff):
    diff.same("MONITOR", "x")


# -- SHUTDOWN --------------------------------------------------------------------------------------------------
def test_shutdown_bad_arguments(diff):
    diff.run(("SHUTDOWN", "foo"), ("SHUTDOWN", "nosave", "save"), ("SHUTDOWN", "abort"),
             ("SHUTDOWN", "abort", "nosave"), ("SHUTDOWN", "now", "force", "foo"), ("SHUTDOWN", "SAVE", "x"),
             ("PING",))


def test_shutdown_nosave_exits_cleanly():
    srv = start_kvs()
    try:
        c = RawConn(srv.port)
        assert c.call("PING") == b"+PONG\r\n"
        c.send(encode("SHUTDOWN", "NOSAVE"))
        assert c.at_eof(5), "the connection must close"
        assert c.buf == b"", "SHUTDOWN answers nothing when it succeeds"
        assert srv.proc.wait(10) == 0
    finally:
        srv.stop()


# -- unknown commands and arity errors -------------------------------------------------------------------------
def test_unknown_command_errors(diff):
    diff.run(("NOSUCH",), ("nosuch", "a", "b"), ("NOSUCH", ""), ("NOSUCH", "a\r\nb"), ("no\nsuch",),
             ("NOSUCH", "x" * 200), ("NOSUCH", "x" * 100, "y" * 100, "z"), ("NOSUCH", "x" * 126, "y"),
             ("NOSUCH", "x" * 125, "y"), ("NOSUCH",) + ("ab",) * 60, ("x" * 300, "a"), ("config|get", "x"),
             ("NOSUCH", b"\xff\xfe"), ("",))


def test_unknown_command_errors_with_nul(diff):
    # Not ("CONFIG", "get\x00x"): Redis hashes the whole name but compares with strcasecmp, so whether it finds
    # CONFIG GET depends on its random hash seed putting both in one bucket.
    diff.run(("NOSUCH", "a\x00b", "c"), ("NO\x00SUCH",))
    assert diff.k.call("CONFIG", "get\x00x") == b"-ERR unknown subcommand 'get'. Try CONFIG HELP.\r\n"


def test_arity_errors(diff):
    diff.run(("GET",), ("get", "a", "b"), ("CONFIG",), ("CONFIG", "GET"), ("config", "set", "x"),
             ("CLIENT", "KILL"), ("client", "SETNAME"), ("COMMAND", "COUNT", "x"), ("COMMAND", "GETKEYS"),
             ("CONFIG", "RESETSTAT", "x"), ("CLIENT", "ID", "x"), ("PING", "a", "b"), ("CLIENT",),
             ("CONFIG", "nosuch"), ("config", "x" * 300))
    assert diff.same("CONFIG", "GET") == b"-ERR wrong number of arguments for 'config|get' command\r\n"
