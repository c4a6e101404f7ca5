"""kvs.config: directive table, config-file loading, CONFIG GET/SET/REWRITE, glob matching, splitting.

Tests marked `interop` compare with redis-server 7.0.15 on free loopback ports (the oracle): the same file,
argument list or CONFIG SET must give the same values, the same error texts and the same rewritten file."""
import io
import os
import socket
import stat
import subprocess

import pytest
import redis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kvs.config import (DIRECTIVES, HIDDEN, SERVER_NAME, Config, ConfigApplyError, ConfigFileError,
                        ConfigSetError, format_memory, parse_memory, repr_bytes, split_args, string_match)
from tests.unit._redis_helpers import (REDIS_BANNER_NAME, client, oracle_exe, raw_client, run_rejected,
                                       start_oracle, strip_log_prefix)

ALL_NAMES = sorted({n for d in DIRECTIVES for n in (d.name, d.alias) if n})
VISIBLE_NAMES = sorted({n for d in DIRECTIVES if not d.flags & HIDDEN for n in (d.name, d.alias) if n})


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    """Run in a fresh cwd: `dir` directives chdir the test process, like they do the server."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def load_text(text, args=(), tmp=None):
    cfg = Config()
    path = None
    if text is not None:
        path = os.path.join(tmp or os.getcwd(), "kvs.conf")
        with open(path, "wb") as f:
            f.write(text if isinstance(text, bytes) else text.encode())
    cfg.load(path, list(args))
    return cfg


def set_result(cfg, *pairs, **kw):
    """CONFIG SET outcome the way redis-py reports it: "OK" or the error text without "ERR "."""
    try:
        cfg.set_pairs(list(pairs), **kw)
        return "OK"
    except ConfigSetError as e:
        return e.message[4:] if e.message.startswith("ERR ") else e.message


def oracle_set_result(r, *pairs):
    args = [x for p in pairs for x in p]
    try:
        r.execute_command("CONFIG", "SET", *args)
        return "OK"
    except redis.ResponseError as e:
        return str(e)


# ==================================================================================================
# split_args / repr_bytes (sdssplitargs / sdscatrepr)
# ==================================================================================================

@pytest.mark.parametrize("line,expected", [
    (b"", []),
    (b"   \t ", []),
    (b"set a b", [b"set", b"a", b"b"]),
    (b"  a   b  ", [b"a", b"b"]),
    (b'"a b" c', [b"a b", b"c"]),
    (b'"a\\"b"', [b'a"b']),
    (b'"\\n\\r\\t\\b\\a\\\\\\q"', [b"\n\r\t\b\a\\q"]),
    (b'"\\x41\\x4a\\x4"', [b"AJx4"]),        # \x without two hex digits: an escaped 'x'
    (b'"\\xzz"', [b"xzz"]),
    (b"'a b' 'it\\'s' '\\n'", [b"a b", b"it's", b"\\n"]),
    (b'foo"bar baz"', [b"foobar baz"]),
    (b"a\x0bb", [b"a\x0bb"]),          # \v separates only leading blanks, not inside a token
    (b"\x0b\x0ca", [b"a"]),
    (b'""', [b""]),
    (b"'' x", [b"", b"x"]),
    (b'"a"\tb', [b"a", b"b"]),
    (b"a\0b c", [b"a"]),               # C string: stops at NUL
    (b'"abc', None),
    (b"'abc", None),
    (b'"a"b', None),
    (b"'a'b", None),
    (b'"a\\"', None),
])
def test_split_args_vectors(line, expected):
    assert split_args(line) == expected


SPLIT_ALPHABET = b"ab \t\"'\\x4fn\xff\x0b"   # no NUL: Redis finds the inline newline with strchr


@pytest.mark.interop
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=14).map(lambda b: bytes(SPLIT_ALPHABET[x % len(SPLIT_ALPHABET)] for x in b)))
def test_split_args_matches_redis_inline_parser(oracle, line):
    """Redis splits inline commands with the same sdssplitargs: RPUSH the words and read them back."""
    with socket.create_connection(("127.0.0.1", oracle.port), timeout=10) as sock:
        sock.sendall(b"DEL splitk\r\nRPUSH splitk " + line + b"\r\nLRANGE splitk 0 -1\r\nDEL splitk\r\n")
        data = b""
        while not _replies_complete(data):
            chunk = sock.recv(65536)
            if not chunk:   # Redis closes the connection after a protocol error
                break
            data += chunk
    words = split_args(line)
    if words is None:
        assert b"-ERR Protocol error: unbalanced quotes in request" in data
    elif not words:
        assert b"-ERR wrong number of arguments for 'rpush' command" in data
    else:
        assert _parse_lrange(data) == words


def _replies_complete(data):
    if b"-ERR" in data:
        return data.endswith(b"\r\n")
    try:
        return _parse_lrange(data) is not None
    except (IndexError, ValueError):
        return False


def _parse_lrange(data):
    """Pull the LRANGE array out of ':n\r\n:n\r\n*k\r\n$..' (DEL, RPUSH, LRANGE, DEL replies)."""
    i = data.index(b"*")
    end = data.index(b"\r\n", i)
    n = int(data[i + 1:end])
    pos = end + 2
    out = []
    for _ in range(n):
        end = data.index(b"\r\n", pos)
        ln = int(data[pos + 1:end])
        out.append(data[end + 2:end + 2 + ln])
        if len(data) < end + 4 + ln:
            raise ValueError("short")
        pos = end + 4 + ln
    if data.count(b"\r\n", pos) < 1:
        raise ValueError("short")
    return out


def test_split_args_str_roundtrip():
    assert split_args('maxmemory "1 mb" \'x\'') == ["maxmemory", "1 mb", "x"]
    assert split_args('"\\xff\\x00é"') == ["\udcff\x00é"]


@given(st.lists(st.binary(max_size=12), max_size=6))
def test_repr_bytes_roundtrips_through_split_args(tokens):
    line = b" ".join(repr_bytes(t) for t in tokens)
    assert split_args(line) == tokens


def test_repr_bytes_format():
    assert repr_bytes(b'a"b\\c\n\r\t\a\b\x00\x7f\xff ~') == b'"a\\"b\\\\c\\n\\r\\t\\a\\b\\x00\\x7f\\xff ~"'


# ==================================================================================================
# memory units
# ==================================================================================================

@pytest.mark.parametrize("text,value", [
    ("0", 0), ("123", 123), ("1b", 1), ("1B", 1), ("1k", 1000), ("1K", 1000), ("1kb", 1024), ("1KB", 1024),
    ("2m", 2_000_000), ("2mb", 2 << 20), ("2Mb", 2 << 20), ("3g", 3_000_000_000), ("3gb", 3 << 30),
    ("", 0), ("kb", 0), ("007", 7),
    ("18446744073709551615", 2 ** 64 - 1), ("99999999999999999999", 2 ** 64 - 1),   # strtoull saturates
    ("99999999999999999999kb", 2 ** 64 - 1024),                                      # and the product wraps
])
def test_parse_memory(text, value):
    assert parse_memory(text) == value


@pytest.mark.parametrize("text", ["-1", "+1", " 1", "1 ", "1.5mb", "1kib", "1t", "abc", "1e3", "0x10"])
def test_parse_memory_rejects(text):
    with pytest.raises(ValueError):
        parse_memory(text)


@pytest.mark.parametrize("n,text", [
    (0, "0"), (1, "1"), (1000, "1000"), (1024, "1kb"), (1536, "1536"), (1 << 20, "1mb"), (3 << 20, "3mb"),
    (1 << 30, "1gb"), (5 << 30, "5gb"), (1025 << 10, "1025kb"), (-1, "-1"), (-(2 ** 63), "-8589934592gb"),
])
def test_format_memory(n, text):
    assert format_memory(n) == text


# ==================================================================================================
# string_match (stringmatchlen)
# ==================================================================================================

def ref_stringmatch(p: bytes, s: bytes, nocase: bool) -> bool:
    """Straight transliteration of Redis 7.0.15's recursive stringmatchlen, reading past the end as NUL."""
    skip_longer = [False]
    P = p + b"\0"
    S = s + b"\0"

    def low(c):
        return c + 32 if 65 <= c <= 90 else c

    def sc(c):
        return c - 256 if c >= 128 else c

    def rec(pi, plen, si, slen):
        while plen and slen:
            c = P[pi]
            if c == 42:
                while plen and P[pi + 1] == 42:
                    pi += 1
                    plen -= 1
                if plen == 1:
                    return True
                while slen:
                    if rec(pi + 1, plen - 1, si, slen):
                        return True
                    if skip_longer[0]:
                        return False
                    si += 1
                    slen -= 1
                skip_longer[0] = True   # 7.0.15's guard against exponential backtracking
                return False
            elif c == 63:
                si += 1
                slen -= 1
            elif c == 91:
                pi += 1
                plen -= 1
                neg = P[pi] == 94
                if neg:
                    pi += 1
                    plen -= 1
                match = False
                while True:
                    if P[pi] == 92 and plen >= 2:
                        pi += 1
                        plen -= 1
                        if P[pi] == S[si]:
                            match = True
                    elif P[pi] == 93:
                        break
                    elif plen == 0:
                        pi -= 1
                        plen += 1
                        break
                    elif plen >= 3 and P[pi + 1] == 45:
                        a, b, x = sc(P[pi]), sc(P[pi + 2]), sc(S[si])
                        if a > b:
                            a, b = b, a
                        if nocase:
                            a, b, x = low(a), low(b), low(x)
                        pi += 2
                        plen -= 2
                        if a <= x <= b:
                            match = True
                    elif (low(P[pi]) == low(S[si])) if nocase else (P[pi] == S[si]):
                        match = True
                    pi += 1
                    plen -= 1
                if neg:
                    match = not match
                if not match:
                    return False
                si += 1
                slen -= 1
            else:
                if c == 92 and plen >= 2:
                    pi += 1
                    plen -= 1
                if not ((low(P[pi]) == low(S[si])) if nocase else (P[pi] == S[si])):
                    return False
                si += 1
                slen -= 1
            pi += 1
            plen -= 1
            if slen == 0:
                while P[pi] == 42:
                    pi += 1
                    plen -= 1
                break
        return plen == 0 and slen == 0

    return rec(0, len(p), 0, len(s))


@pytest.mark.parametrize("pattern,string,nocase,expected", [
    (b"", b"", False, True),
    (b"*", b"", False, False),          # Redis: an empty string matches only the empty pattern
    (b"*", b"abc", False, True),
    (b"a*", b"a", False, True),
    (b"a*b", b"a", False, False),
    (b"a*b*", b"ab", False, True),
    (b"h?llo", b"hello", False, True),
    (b"h?llo", b"hllo", False, False),
    (b"h*llo", b"heeeello", False, True),
    (b"h[ae]llo", b"hello", False, True),
    (b"h[ae]llo", b"hillo", False, False),
    (b"h[^e]llo", b"hallo", False, True),
    (b"h[^e]llo", b"hello", False, False),
    (b"h[a-b]llo", b"hbllo", False, True),
    (b"h[b-a]llo", b"hallo", False, True),    # reversed ranges are swapped
    (b"h[a-b]llo", b"hcllo", False, False),
    (b"[a-]", b"-", False, False),           # ']' ends the range a..] instead of the class
    (b"[a-]", b"^", False, True),
    (b"[]", b"]", False, False),
    (b"[", b"a", False, False),
    (b"[ab", b"b", False, True),              # an unterminated class runs to the end
    (b"[\\]]", b"]", False, True),
    (b"\\*", b"*", False, True),
    (b"\\*", b"x", False, False),
    (b"a\\", b"a\\", False, True),            # trailing backslash is literal
    (b"HELLO", b"hello", True, True),
    (b"HELLO", b"hello", False, False),
    (b"[A-C]x", b"bX", True, True),
    (b"[\\A]", b"a", True, False),            # escaped class member: case-sensitive even with nocase
    (b"[a-\xff]", b"b", False, False),        # signed chars: 0xff sorts below 'a'
    (b"[\x80-\xff]", b"\x90", False, True),
    (b"a*a*a*a*a*a*a*a*a*a*b", b"a" * 60, False, False),
    (b"*a*b*c*d*", b"xaxbxcxd", False, True),
    (b"*?*?*?", b"ab", False, False),
])
def test_string_match_vectors(pattern, string, nocase, expected):
    assert string_match(pattern, string, nocase) is expected
    assert ref_stringmatch(pattern, string, nocase) is expected


GLOB_ALPHABET = b"aAb*?[]^-\\\x80\xff"


@settings(max_examples=3000, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=10).map(lambda b: bytes(GLOB_ALPHABET[x % len(GLOB_ALPHABET)] for x in b)),
       st.binary(max_size=10).map(lambda b: bytes(b"aAb-]^\\*\x80\xff"[x % 10] for x in b)),
       st.booleans())
def test_string_match_equals_redis_algorithm(pattern, string, nocase):
    assert string_match(pattern, string, nocase) == ref_stringmatch(pattern, string, nocase)


def test_string_match_many_stars_is_fast():
    import time
    t = time.perf_counter()
    assert not string_match(b"*a" * 200 + b"b", b"a" * 2000)
    assert time.perf_counter() - t < 5


# ==================================================================================================
# Config: typed values
# ==================================================================================================

def test_typed_defaults(in_tmp):
    cfg = Config()
    assert cfg["port"] == 6379 and cfg.get("PORT") == 6379
    assert cfg["maxmemory"] == 0 and cfg["proto-max-bulk-len"] == 512 << 20
    assert cfg["appendonly"] is False and cfg["rdbcompression"] is True
    assert cfg["save"] == [(3600, 1), (300, 100), (60, 10000)]
    assert cfg["bind"] == ["*", "-::*"]
    assert cfg["client-output-buffer-limit"] == {"normal": (0, 0, 0), "replica": (256 << 20, 64 << 20, 60),
                                                 "pubsub": (32 << 20, 8 << 20, 60)}
    assert cfg["oom-score-adj-values"] == [0, 200, 800]
    assert cfg["notify-keyspace-events"] == 0
    assert cfg["replicaof"] is None and cfg["slaveof"] is None
    assert cfg["dir"] == str(in_tmp)
    assert cfg["requirepass"] == "" and cfg["dbfilename"] == "dump.rdb"
    assert cfg["loglevel"] == "notice" and cfg["shutdown-on-sigint"] == "default"
    assert cfg["latency-tracking-info-percentiles"] == [50.0, 99.0, 99.9]
    assert cfg["slave-priority"] == cfg["replica-priority"] == 100
    assert cfg.get("nosuch", "x") == "x"
    with pytest.raises(KeyError):
        cfg["nosuch"]
    cfg["save"].append((1, 1))           # typed values are copies
    assert len(cfg["save"]) == 3


def test_table_is_consistent():
    names = [d.name for d in DIRECTIVES] + [d.alias for d in DIRECTIVES if d.alias]
    assert len(names) == len(set(names))
    assert all(n == n.lower() for n in names)
    for d in DIRECTIVES:
        assert d.kind in ("bool", "int", "memory", "enum", "string", "special")
    hidden = {d.name for d in DIRECTIVES if d.flags & HIDDEN}
    assert hidden == {"use-exit-on-panic", "lua-enable-deprecated-api", "rdb-key-save-delay", "key-load-delay",
                      "watchdog-period", "loading-process-events-interval-bytes"}


# ==================================================================================================
# Config file loading (kvs-only behaviour; the oracle comparisons follow further down)
# ==================================================================================================

def test_load_file_quotes_units_case(in_tmp):
    cfg = load_text(
        "# comment\n"
        "   \t# indented comment\n"
        "\n"
        "MAXMEMORY 2mb\n"
        "  maxmemory-policy   ALLKEYS-LRU  \r\n"
        "replica-announce-ip \"a b\\x41\\n\"\n"
        "masteruser 'it\\'s'\n"
        "Slave-Priority 7\n"
        "list-max-ziplist-entries 5\n"          # removed directive: skipped
        "proto-max-bulk-len 1G\n"
        "maxmemory-clients 5%\n"
        "unixsocketperm 0750\n"
        "notify-keyspace-events KEA\n"
        "client-output-buffer-limit replica 1mb 2mb 3\n"
        "oom-score-adj-values \"1 2 3\"\n"
        "shutdown-on-sigint nosave NOW\n"
        "oom-score-adj relative\n"
        "hz 1000\n")
    assert cfg["maxmemory"] == 2 << 20
    assert cfg["maxmemory-policy"] == "allkeys-lru"
    assert cfg["replica-announce-ip"] == "a bA\n"
    assert cfg["masteruser"] == "it's"
    assert cfg["replica-priority"] == 7
    assert cfg["proto-max-bulk-len"] == 1_000_000_000
    assert cfg["maxmemory-clients"] == -5
    assert dict(cfg.get_pairs(["maxmemory-clients"])) == {"maxmemory-clients": "5%"}
    assert cfg["unixsocketperm"] == 0o750
    assert dict(cfg.get_pairs(["unixsocketperm"])) == {"unixsocketperm": "750"}
    assert dict(cfg.get_pairs(["notify-keyspace-events"])) == {"notify-keyspace-events": "AKE"}
    assert cfg["client-output-buffer-limit"]["replica"] == (1 << 20, 2 << 20, 3)
    assert cfg["oom-score-adj-values"] == [1, 2, 3]
    assert cfg["shutdown-on-sigint"] == "nosave now"
    assert cfg["oom-score-adj"] == "yes"     # "relative" is the same value; Redis reports it as "yes"
    assert cfg["hz"] == 500
    assert cfg.config_file == str(in_tmp / "kvs.conf")


def test_save_accumulates_in_file(in_tmp):
    assert load_text("save 10 1\nsave 20 2\n")["save"] == [(10, 1), (20, 2)]
    assert load_text("save 10 1 20 2\n")["save"] == [(10, 1), (20, 2)]
    assert load_text('save 10 1\nsave ""\nsave 30 3\n')["save"] == [(30, 3)]
    assert load_text('save ""\n')["save"] == []
    assert load_text("save\n")["save"] == []
    assert load_text('save "3600  1"\n')["save"] == [(3600, 1)]
    assert load_text("port 1\n")["save"] == [(3600, 1), (300, 100), (60, 10000)]
    assert load_text("save 10 1\n", ["--save", "5", "5"])["save"] == [(10, 1), (5, 5)]
    assert load_text("save 10 1\n", ["--save"])["save"] == []


def test_include_relative_glob_and_save_quirk(in_tmp):
    (in_tmp / "inc1.conf").write_text("save 9 9\nmaxmemory-samples 7\n")
    (in_tmp / "inc2.conf").write_text("maxmemory-samples 8\n")
    cfg = load_text("include inc1.conf\n")
    assert cfg["save"] == [(9, 9)] and cfg["maxmemory-samples"] == 7
    cfg = load_text("include inc*.conf\ninclude nomatch*.conf\n")
    assert cfg["maxmemory-samples"] == 8
    # Redis forgets it is reading a file once an include ends: later save lines replace, not append.
    assert load_text("save 1 1\ninclude inc1.conf\nsave 2 2\nsave 3 3\n")["save"] == [(3, 3)]


def test_include_errors(in_tmp):
    (in_tmp / "bad.conf").write_text("port 1\nport abc\n")
    with pytest.raises(ConfigFileError) as ei:
        load_text("maxmemory 1mb\ninclude bad.conf\n")
    assert "at line 2\n>>> 'port abc'\n" in ei.value.text
    with pytest.raises(ConfigFileError) as ei:
        load_text("include /nonexistent/x.conf\n")
    assert ei.value.logged
    assert ei.value.text == "Fatal error, can't open config file '/nonexistent/x.conf': No such file or directory"


def test_fatal_banner_format(in_tmp):
    with pytest.raises(ConfigFileError) as ei:
        load_text("port 1234\nfoo bar\n")
    assert ei.value.text == (f"\n*** FATAL CONFIG FILE ERROR ({SERVER_NAME}) ***\n"
                             "Reading the configuration file, at line 2\n>>> 'foo bar'\n"
                             "Bad directive or wrong number of arguments\n")
    assert not ei.value.logged


def test_missing_config_file(in_tmp):
    with pytest.raises(ConfigFileError) as ei:
        Config().load("nope.conf")
    assert ei.value.text == f"Fatal error, can't open config file '{in_tmp}/nope.conf': No such file or directory"


def test_stdin_and_command_line(in_tmp):
    cfg = Config()
    cfg.load("-", ["--maxmemory", "3mb"], stdin=io.BytesIO(b"maxmemory 1mb\nport 7000\n"))
    assert cfg.config_file is None and cfg["port"] == 7000 and cfg["maxmemory"] == 3 << 20
    cfg = Config()
    cfg.load(None, ["--port", "7001", "-"], stdin=io.BytesIO(b"timeout 5\n"))
    assert cfg["port"] == 7001 and cfg["timeout"] == 5
    cfg = load_text(None, ["--save", "--maxmemory", "1mb", "--replica-announce-ip", "a b", "--masteruser",
                           "x\"y\n"])
    assert cfg["save"] == [] and cfg["maxmemory"] == 1 << 20
    assert cfg["replica-announce-ip"] == "a b" and cfg["masteruser"] == "x\"y\n"
    assert load_text(None, ["--save 7 7", "--port 5"])["save"] == [(7, 7)]
    assert load_text(None, ["--maxmemory", "2mb", "--save"])["save"] == []


def test_file_only_directives_are_recorded(in_tmp):
    cfg = load_text('rename-command FLUSHALL ""\nuser alice on >pw ~* +@all\nloadmodule /x/y.so a b\n'
                    "mymod.opt 5\nsentinel\n")
    assert cfg.rename_commands == [("FLUSHALL", "")]
    assert cfg.users == [["alice", "on", ">pw", "~*", "+@all"]]
    assert cfg.loadmodules == [("/x/y.so", ["a", "b"])]
    assert cfg.module_configs == {"mymod.opt": "5"}
    assert load_text("a.b 1 2\n").module_configs == {"a.b": "1 2"}


def test_dir_directive_changes_cwd(in_tmp):
    sub = in_tmp / "sub"
    sub.mkdir()
    cfg = load_text(f"dir {sub}\n", tmp=str(in_tmp))
    assert os.getcwd() == str(sub) and cfg["dir"] == str(sub)
    assert dict(cfg.get_pairs(["dir"])) == {"dir": str(sub)}


# ==================================================================================================
# CONFIG GET / SET (kvs-only behaviour)
# ==================================================================================================

def test_get_pairs_patterns(in_tmp):
    cfg = Config()
    assert cfg.get_pairs(["Port", "port", "p?rt"]) == [("Port", "6379")]
    assert cfg.get_pairs(["nosuch"]) == []
    assert cfg.get_pairs(["rdb-key-*"]) == []                       # hidden: exact names only
    assert cfg.get_pairs(["RDB-KEY-SAVE-DELAY"]) == [("RDB-KEY-SAVE-DELAY", "0")]
    got = dict(cfg.get_pairs(["*"]))
    assert set(got) == set(VISIBLE_NAMES)
    assert got["save"] == "3600 1 300 100 60 10000"
    assert got["client-output-buffer-limit"] == \
        "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60"
    assert set(dict(cfg.get_pairs(["*max*entries*", "maxmemory*", "maxmemory"]))) == {
        "hash-max-listpack-entries", "hash-max-ziplist-entries", "zset-max-listpack-entries",
        "zset-max-ziplist-entries", "set-max-intset-entries", "stream-node-max-entries", "maxmemory",
        "maxmemory-policy",
        "maxmemory-samples", "maxmemory-clients", "maxmemory-eviction-tenacity"}


def test_set_pairs_is_all_or_nothing(in_tmp):
    cfg = Config()
    assert set_result(cfg, ("maxmemory", "10mb"), ("timeout", "5"), ("port", "abc")) == \
        "CONFIG SET failed (possibly related to argument 'port') - argument couldn't be parsed into an integer"
    assert cfg["maxmemory"] == 0 and cfg["timeout"] == 0
    assert set_result(cfg, ("maxmemory", "10mb"), ("MAXMEMORY", "20mb")) == \
        "CONFIG SET failed (possibly related to argument 'MAXMEMORY') - duplicate parameter"
    assert set_result(cfg, ("slave-priority", "1"), ("replica-priority", "2")) == "OK"
    assert cfg["replica-priority"] == 2
    assert set_result(cfg, ("foo", "1"), ("daemonize", "no")) == \
        "Unknown option or number of arguments for CONFIG SET - 'foo'"
    assert set_result(cfg, ("daemonize", "no"), ("foo", "1")) == \
        "CONFIG SET failed (possibly related to argument 'daemonize') - can't set immutable config"
    assert set_result(cfg, ("dbfilename", "x.rdb")) == \
        "CONFIG SET failed (possibly related to argument 'dbfilename') - can't set protected config"
    assert set_result(cfg, ("appendonly", "yes"), loading=True) == "LOADING Redis is loading the dataset in memory"
    assert cfg["appendonly"] is False


def test_protected_configs(in_tmp):
    cfg = load_text("enable-protected-configs local\n")
    assert set_result(cfg, ("dbfilename", "x.rdb")).endswith("can't set protected config")
    assert set_result(cfg, ("dbfilename", "x.rdb"), local=True) == "OK"
    sub = in_tmp / "d"
    sub.mkdir()
    assert set_result(cfg, ("dir", str(sub)), local=True) == "OK"
    assert os.getcwd() == str(sub)
    # A later failure in the same CONFIG SET restores the working directory.
    assert set_result(cfg, ("dir", str(in_tmp)), ("port", "x"), local=True).endswith("parsed into an integer")
    assert os.getcwd() == str(sub)
    assert set_result(cfg, ("dir", "/nonexistent"), local=True) == \
        "CONFIG SET failed (possibly related to argument 'dir') - No such file or directory"


def test_apply_hooks_and_rollback(in_tmp):
    cfg = Config()
    calls = []
    cfg.on_apply("maxmemory", lambda c, old, new: calls.append(("maxmemory", old, new)))
    cfg.on_apply("lua-time-limit", lambda c, old, new: calls.append(("busy", old, new)))

    def refuse_port(c, old, new):
        calls.append(("port", old, new))
        if new == 7777:
            raise ConfigApplyError("Unable to listen on this port. Check server logs.")

    cfg.on_apply("port", refuse_port)
    assert set_result(cfg, ("maxmemory", "1mb"), ("busy-reply-threshold", "9"), ("port", "7000")) == "OK"
    assert calls == [("maxmemory", 0, 1 << 20), ("busy", 5000, 9), ("port", 6379, 7000)]
    calls.clear()
    assert set_result(cfg, ("maxmemory", "1mb")) == "OK"
    assert calls == []                                   # unchanged value: no hook
    assert set_result(cfg, ("maxmemory", "2mb"), ("port", "7777")) == \
        "CONFIG SET failed (possibly related to argument 'port') - Unable to listen on this port. Check server logs."
    assert cfg["maxmemory"] == 1 << 20 and cfg["port"] == 7000
    # applied in order, then every changed directive is re-applied with its old value
    assert calls == [("maxmemory", 1 << 20, 2 << 20), ("port", 7000, 7777),
                     ("maxmemory", 2 << 20, 1 << 20), ("port", 7777, 7000)]
    cfg.on_apply("timeout", lambda c, old, new: (_ for _ in ()).throw(ConfigApplyError()))
    assert set_result(cfg, ("timeout", "3")) == "CONFIG SET failed (possibly related to argument 'timeout')"
    assert cfg["timeout"] == 0


def test_set_pairs_parse_failure_skips_hooks(in_tmp):
    cfg = Config()
    calls = []
    cfg.on_apply("maxmemory", lambda c, old, new: calls.append(new))
    assert set_result(cfg, ("maxmemory", "1mb"), ("hz", "x")) != "OK"
    assert calls == [] and cfg["maxmemory"] == 0


def test_set_value_for_server_side_changes(in_tmp):
    cfg = Config()
    cfg.set_value("slaveof", ("10.0.0.1", 6380))
    assert dict(cfg.get_pairs(["replicaof"])) == {"replicaof": "10.0.0.1 6380"}


# ==================================================================================================
# CONFIG REWRITE (kvs-only behaviour)
# ==================================================================================================

def test_rewrite_without_config_file():
    with pytest.raises(ConfigSetError) as ei:
        Config().rewrite()
    assert ei.value.message == "ERR The server is running without a config file"


def test_rewrite_edits_in_place_and_reloads_identically(in_tmp):
    text = ("# header\n\n\n\nport 7000\nsave 100 1\nsave 200 2\nslave-read-only yes\nmaxmemory 2mb\n"
            "maxmemory 3mb\nLoglevel notice\nrequirepass foo\nbind 127.0.0.1 ::1\nuser alice on nopass\n"
            "include /dev/null\nrename-command FLUSHALL \"\"\n")
    cfg = load_text(text)
    cfg.set_pairs([("maxmemory", "5mb"), ("requirepass", ""), ("save", "300 3"), ("timeout", "30"),
                   ("notify-keyspace-events", "KEA"), ("bind", "* -::*"), ("replica-announce-ip", "a b")])
    cfg.rewrite()
    out = (in_tmp / "kvs.conf").read_text()
    assert out == ("# header\n\nport 7000\nsave 300 3\n\nreplica-read-only yes\nmaxmemory 5mb\n\nloglevel notice\n\n"
                   "user alice on nopass\ninclude /dev/null\nrename-command FLUSHALL \"\"\n\n"
                   "# Generated by CONFIG REWRITE\n"
                   "replica-announce-ip \"a b\"\ntimeout 30\n"
                   f"dir \"{in_tmp}\"\nnotify-keyspace-events \"AKE\"\n"
                   "latency-tracking-info-percentiles 50 99 99.9\n")
    again = load_text(out)
    assert dict(again.get_pairs(["*"])) == dict(cfg.get_pairs(["*"]))
    # Like Redis, the file's final newline reads back as one more (empty) line, which is kept; from then
    # on rewriting is stable.
    cfg.rewrite()
    assert (in_tmp / "kvs.conf").read_text() == out + "\n"
    cfg.rewrite()
    assert (in_tmp / "kvs.conf").read_text() == out + "\n"
    mode = stat.S_IMODE(os.stat(in_tmp / "kvs.conf").st_mode)
    umask = os.umask(0)
    os.umask(umask)
    assert mode == 0o644 & ~umask
    assert sorted(os.listdir(in_tmp)) == ["kvs.conf"]         # no temp file left behind


def test_rewrite_user_hook(in_tmp):
    cfg = load_text("user alice on nopass\nuser bob off\nport 7000\n")
    cfg.on_rewrite("user", lambda c: ["user default on nopass ~* &* +@all"])
    cfg.rewrite()
    out = (in_tmp / "kvs.conf").read_text()
    assert out.startswith("user default on nopass ~* &* +@all\n\nport 7000\n")


def test_rewrite_error(in_tmp):
    (in_tmp / "sub").mkdir()
    (in_tmp / "sub" / "kvs.conf").write_text("port 7000\n")
    cfg = Config()
    cfg.load("sub/kvs.conf")
    (in_tmp / "sub" / "kvs.conf").unlink()
    (in_tmp / "sub").rmdir()
    with pytest.raises(ConfigSetError) as ei:
        cfg.rewrite()
    assert ei.value.message == "ERR Rewriting config file: No such file or directory"


# ==================================================================================================
# Interop: redis-server 7.0.15 as the oracle
# ==================================================================================================

@pytest.fixture(scope="module")
def oracle_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("oracle")


@pytest.fixture(scope="module")
def oracle(oracle_dir):
    """A shared redis-server for CONFIG SET/GET comparisons; tests restore what they change."""
    srv = start_oracle(["--save", "", "--appendonly", "no"], cwd=str(oracle_dir))
    yield srv
    srv.stop()


@pytest.fixture
def oracle_cfg(oracle, oracle_dir, monkeypatch):
    """A kvs Config in the state the shared oracle was started in (same arguments, same cwd)."""
    monkeypatch.chdir(oracle_dir)
    cfg = Config()
    cfg.load(None, ["--port", str(oracle.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
    return cfg


@pytest.mark.interop
def test_defaults_match_redis(in_tmp):
    """Every directive kvs declares has Redis's default, formatted like CONFIG GET.  Documented
    differences: the oracle listens on a free loopback port (`port`, `bind` differ on purpose)."""
    srv = start_oracle(cwd=str(in_tmp))
    try:
        r = client(srv.port)
        real_all = r.config_get("*")
        cfg = Config()
        ours_all = dict(cfg.get_pairs(["*"]))
        assert set(ours_all) == set(real_all) == set(VISIBLE_NAMES)
        for name in ALL_NAMES:
            real = r.config_get(name)
            ours = dict(cfg.get_pairs([name]))
            if name in ("port", "bind"):
                assert real == {name: str(srv.port) if name == "port" else "127.0.0.1"}
                continue
            assert ours == real, name
        r.close()
    finally:
        srv.stop()


@pytest.mark.interop
@pytest.mark.parametrize("patterns", [
    ["*"], ["max*"], ["*max*entries*"], ["MAXMEMORY"], ["Port", "port", "PORT"], ["p?rt", "port"],
    ["port", "p?rt"], ["[mp]ort"], ["[^m]*"], ["rdb-key-*"], ["rdb-key-save-delay"], ["RDB-Key-Save-Delay"],
    ["slave*"], ["*-ziplist-*"], ["\\*"], ["nosuch"], ["list-max-*", "LIST-MAX-*"], ["*[", "*[a-c]"],
    ["save", "SAVE", "s*"], ["client-output-buffer-limit", "oom-score-adj-values", "latency*"],
    ["bind", "dir", "replicaof", "slaveof", "unixsocketperm", "notify-keyspace-events"],
])
def test_get_pairs_matches_redis(oracle, oracle_cfg, patterns):
    real = client(oracle.port).execute_command("CONFIG", "GET", *patterns)
    real = dict(zip(real[::2], real[1::2])) if isinstance(real, list) else real
    assert dict(oracle_cfg.get_pairs(patterns)) == real


SET_VALUES = [
    "yes", "no", "YES", "No", "0", "1", "-1", "01", "+1", " 1", "1 ", "", "abc", "5k", "5kb", "5K", "5KB", "5m",
    "5mb", "5g", "5gb", "5b", "1.5", "2147483647", "2147483648", "4294967295", "4294967296",
    "99999999999999999999", "9223372036854775807", "9223372036854775808", "-9223372036854775808",
    "18446744073709551615", "18446744073709551616", "100%", "5%", "0%", "-5%", "101%", "a b", "1 2 3",
    "everysec", "always", "allkeys-lru", "ALLKEYS-LFU", "local", "save nosave", "now force", "now  force",
    "default", "relative", "absolute", "swapdb", "debug", "optional", "panic", "hostname", "allchannels",
    "clients", "normal 1 2 3", "replica 1mb 2mb 3 pubsub 0 0 0", "slave 1k 1 1", "master 1 1 1",
    "normal 1 1 x", "pubsub 1 1 -1", "normal 1 1 4294967297", "1 1 1", "0 200 800", "-2000 0 2000",
    "10 5 3", "1 2 2001", "10 1 20 2", "3600 1", "1 0", "0 1", "1 -1", "05 1", "+5 1", "1 4294967297",
    "1  1 ", "KEA", "Ex", "zzz", "$", "A", "AKE$lshzxegtmdn", "g$lshzxetd", "mK", "K E", "50 99 99.9",
    "1e1 0x10", "inf", "nan", "1e-400", "100.5", "0.000001 33.3333333", "{title} {port}", "{title}",
    "{title", "x{{y}}", "a_b", "host-1.x", "x" * 256, "127.0.0.1 6380", "no one", "0777", "777", "8",
    "dump.rdb", "a/b", "0x10", "-0",
    # NUL bytes: most values are read as C strings, integers and doubles are not
    "yes\x00no", "no\x00", "5\x00", "5mb\x00x", "\x00", "1 1\x00x", "ab\x00cd", "debug\x00x", "1.5\x00",
    "normal\x00 1 1 1", "100\x00%", "0 200 800\x00",
]

# Directives whose CONFIG SET has live effects the oracle performs and a bare Config cannot (binding
# ports, OS file limits, TLS contexts, authentication of the test connection, AOF, the watchdog timer).
SET_SKIP = {"port", "tls-port", "bind", "maxclients", "requirepass", "appendonly", "tls-cluster",
            "tls-replication", "watchdog-period"}


@pytest.mark.interop
@pytest.mark.parametrize("name", [n for n in ALL_NAMES if n not in SET_SKIP])
def test_set_matches_redis(oracle, oracle_cfg, name):
    r = client(oracle.port)
    orig = r.config_get(name)[name]
    try:
        for value in SET_VALUES:
            real = oracle_set_result(r, (name, value))
            real_after = r.config_get(name)
            ours = set_result(oracle_cfg, (name, value))
            ours_after = dict(oracle_cfg.get_pairs([name]))
            assert (ours, ours_after) == (real, real_after), (name, value)
            if real == "OK":
                assert oracle_set_result(r, (name, orig)) == "OK"
                assert set_result(oracle_cfg, (name, orig)) == "OK"
    finally:
        oracle_set_result(r, (name, orig))
        r.close()


MULTI_SETS = [
    [("maxmemory", "10mb"), ("MAXMEMORY", "20mb")],
    [("maxmemory", "10mb"), ("maxmemory", "20mb")],
    [("foo", "1"), ("daemonize", "no")],
    [("daemonize", "no"), ("foo", "1")],
    [("DAEMONIZE", "no")],
    [("slave-priority", "1"), ("replica-priority", "2")],
    [("maxmemory", "abc"), ("daemonize", "yes")],
    [("maxmemory", "1mb"), ("timeout", "abc")],
    [("maxmemory", "1mb"), ("timeout", "5"), ("loglevel", "loud")],
    [("maxmemory", "1mb"), ("timeout", "5"), ("loglevel", "WARNING")],
    [("dir", "/tmp")],
    [("dbfilename", "x.rdb")],
    [("maxmemory", "1mb"), ("dbfilename", "x")],
    [("Slave-Priority", "abc")],
    [("save", "100 1"), ("save", "200 2")],
    [("notify-keyspace-events", "KEA"), ("slave-priority", "7"), ("maxmemory-clients", "3%")],
    [("lua-time-limit", "100"), ("busy-reply-threshold", "200")],
    [("rdb-key-save-delay", "1"), ("RDB-KEY-SAVE-DELAY", "2")],
    [("maxmemory", "1mb"), ("foo", "1"), ("maxmemory", "2mb")],
    [("hz", "1000"), ("hz", "5")],
    [("hz", "1000"), ("timeout", "7")],
]


@pytest.mark.interop
@pytest.mark.parametrize("pairs", MULTI_SETS)
def test_multi_set_matches_redis(oracle, oracle_cfg, pairs):
    r = client(oracle.port)
    names = sorted({n.lower() for n, _ in pairs if oracle_cfg.directive(n)})
    orig = {n: r.config_get(n)[n] for n in names}
    try:
        real = oracle_set_result(r, *pairs)
        ours = set_result(oracle_cfg, *pairs)
        assert ours == real
        for n in names:
            assert dict(oracle_cfg.get_pairs([n])) == r.config_get(n), n
    finally:
        for n, v in orig.items():
            oracle_set_result(r, (n, v))
        r.close()


@pytest.mark.interop
def test_apply_failure_rollback_matches_redis(oracle, oracle_cfg):
    """Redis refuses a port it cannot bind after setting everything else, and rolls all back; a kvs
    server does the same through its port hook."""
    r = client(oracle.port)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        real = oracle_set_result(r, ("maxmemory", "7mb"), ("port", str(port)), ("timeout", "9"))

        def port_hook(cfg, old, new):
            if new == port:
                raise ConfigApplyError("Unable to listen on this port. Check server logs.")

        oracle_cfg.on_apply("port", port_hook)
        ours = set_result(oracle_cfg, ("maxmemory", "7mb"), ("port", str(port)), ("timeout", "9"))
    assert ours == real == ("CONFIG SET failed (possibly related to argument 'port') - "
                            "Unable to listen on this port. Check server logs.")
    for n in ("maxmemory", "port", "timeout"):
        assert dict(oracle_cfg.get_pairs([n])) == r.config_get(n)
    r.close()


@pytest.mark.interop
def test_rewrite_without_config_file_matches_redis(oracle):
    with pytest.raises(redis.ResponseError) as ei:
        client(oracle.port).execute_command("CONFIG", "REWRITE")
    with pytest.raises(ConfigSetError) as ours:
        Config().rewrite()
    assert ours.value.message == "ERR " + str(ei.value)


@pytest.mark.interop
def test_rewrite_error_matches_redis(in_tmp):
    (in_tmp / "sub").mkdir()
    conf = in_tmp / "sub" / "redis.conf"
    conf.write_text("maxmemory 1mb\n")
    srv = start_oracle(conf_path=str(conf), cwd=str(in_tmp))
    try:
        conf.unlink()
        (in_tmp / "sub").rmdir()
        with pytest.raises(redis.ResponseError) as real:
            client(srv.port).execute_command("CONFIG", "REWRITE")
    finally:
        srv.stop()
    (in_tmp / "sub").mkdir()
    conf.write_text("maxmemory 1mb\n")
    cfg = Config()
    cfg.load(str(conf))
    conf.unlink()
    (in_tmp / "sub").rmdir()
    with pytest.raises(ConfigSetError) as ours:
        cfg.rewrite()
    assert ours.value.message == "ERR " + str(real.value)


BAD_CONFIGS = [
    (b"port 1234\nfoo bar\n", []),
    (b"# c\n\nport abc\n", []),
    (b"  \tport   abc  \r\n", []),
    (b"daemonize maybe\n", []),
    (b"maxmemory 1x\n", []),
    (b"maxmemory -1\n", []),
    (b"save 0 1\n", []),
    (b"save 1\n", []),
    (b"save 1 -1\n", []),
    (b"save 1 1x\n", []),
    (b"port 1 2\n", []),
    (b"loglevel\n", []),
    (b"notify-keyspace-events A B\n", []),
    (b"notify-keyspace-events Q\n", []),
    (b'port "1\n', []),
    (b"port 'a'b\n", []),
    (b'replica-announce-ip "a"b\n', []),
    (b"loglevel loud\n", []),
    (b'loglevel "debug notice"\n', []),
    (b'appendfilename ""\n', []),
    (b"appendfilename a/b\n", []),
    (b"dbfilename a/b\n", []),
    (b'dbfilename "a\\\\b"\n', []),
    (b'appenddirname "a/b"\n', []),
    (b"list-max-ziplist-entries 5\nlist-max-ziplist-value 5 6\n", []),
    (b"sentinel foo\n", []),
    (b"a.b\n", []),
    (b"user\n", []),
    (b"include\n", []),
    (b"maxmemory-clients 101%\n", []),
    (b"maxmemory-clients -5%\n", []),
    (b"unixsocketperm 8\n", []),
    (b"unixsocketperm 1000\n", []),
    (b"unixsocketperm -1\n", []),
    (b"client-output-buffer-limit master 1 1 1\n", []),
    (b"client-output-buffer-limit normal 1 1\n", []),
    (b"client-output-buffer-limit normal 1 1 x\n", []),
    (b"oom-score-adj-values 1 2\n", []),
    (b"oom-score-adj-values 1 2 3000\n", []),
    (b"latency-tracking-info-percentiles 101\n", []),
    (b"latency-tracking-info-percentiles x\n", []),
    (b"replicaof 127.0.0.1\n", []),
    (b"replicaof 127.0.0.1 99999\n", []),
    (b"slaveof a b\n", []),
    (b"cluster-enabled yes\nreplicaof 127.0.0.1 6380\n", []),
    (b"logfile /nonexistent/dir/x.log\n", []),
    (b"dir /nonexistent/dir\n", []),
    (b"shutdown-on-sigint save nosave\n", []),
    (b"shutdown-on-sigterm sometimes\n", []),
    (b"activedefrag yes\n", []),
    (b'proc-title-template "{title}"\n', []),
    (b"cluster-announce-hostname a_b\n", []),
    (b"bind " + b" ".join(b"127.0.0.%d" % i for i in range(17)) + b"\n", []),
    (b"hz abc\n", []),
    (b"databases 0\n", []),
    (b"io-threads 129\n", []),
    (b"socket-mark-id -1\n", []),
    (b"syslog-facility local9\n", []),
    (b"proto-max-bulk-len 1000\n", []),
    (b"maxmemory 2mb\nrdb-key-save-delay x\n", []),
    (b"port 1\n", ["--port", "abc"]),
    (b"port 1", ["--maxmemory", "1mb", "--port", "abc"]),
    (None, ["--loglevel", "debug", "--port"]),
    (b"x", ["--port 5", "--maxmemory", "a b"]),
    (b"", ["--save", "--port", "x"]),
]


@pytest.mark.interop
@pytest.mark.parametrize("conf,args", BAD_CONFIGS)
def test_bad_config_matches_redis(in_tmp, conf, args):
    rc, out, err = run_rejected(conf, args, cwd=str(in_tmp))
    assert rc == 1
    cfg = Config()
    with pytest.raises(ConfigFileError) as ei:
        cfg.load(str(in_tmp / "redis.conf") if conf is not None else None, ["--port", "0"] + args)
    assert not ei.value.logged
    assert ei.value.text.replace(SERVER_NAME, REDIS_BANNER_NAME) == err


@pytest.mark.interop
def test_unopenable_include_matches_redis(in_tmp):
    rc, out, _ = run_rejected(b"include /nonexistent/x.conf\n", [], cwd=str(in_tmp))
    assert rc == 1
    with pytest.raises(ConfigFileError) as ei:
        Config().load(str(in_tmp / "redis.conf"), ["--port", "0"])
    assert ei.value.logged
    assert ei.value.text == strip_log_prefix(out.strip().splitlines()[-1])


@pytest.mark.interop
def test_missing_config_file_matches_redis(in_tmp):
    proc = subprocess.run([oracle_exe(), "nope.conf", "--port", "0"], cwd=str(in_tmp), capture_output=True,
                          timeout=10)
    assert proc.returncode == 1
    with pytest.raises(ConfigFileError) as ei:
        Config().load("nope.conf", ["--port", "0"])
    assert ei.value.logged
    assert ei.value.text == strip_log_prefix(proc.stdout.decode().strip().splitlines()[-1])


GOOD_CONFIGS = [
    (b"# comment\n   \t# indented\n\nMAXMEMORY 2mb\n  maxmemory-policy   ALLKEYS-LRU  \r\n"
     b"replica-announce-ip \"a b\\x41\\n\"\nmasteruser 'it\\'s'\nSlave-Priority 7\nsyslog-ident \"x y\"\n", []),
    (b"maxmemory 1k\nproto-max-bulk-len 2mb\nclient-query-buffer-limit 1gb\nmaxmemory-clients 5%\n"
     b"auto-aof-rewrite-min-size 0\nhash-max-ziplist-value 1kb\nrepl-backlog-size 5M\n", []),
    (b"save 10 1\nsave 20 2\n", []),
    (b'save 10 1\nsave ""\nsave 30 3\n', []),
    (b'save "3600  1 "\n', []),
    (b"save\n", []),
    (b"save 1 1\ninclude INC\nsave 2 2\nsave 3 3\n", []),
    (b"include GLOB\ninclude /nonexistent/nomatch*.conf\n", []),
    (b'client-output-buffer-limit "replica 1 2 3"\nclient-output-buffer-limit pubsub 1mb 2mb 0\n', []),
    (b'oom-score-adj-values "1 2 3"\nlatency-tracking-info-percentiles 1e1 0x10 99.99\n', []),
    (b"loglevel WARNING\nmaxmemory-policy allkeys-lfu\noom-score-adj relative\n"
     b'shutdown-on-sigint "nosave now"\nshutdown-on-sigterm default save\n', []),
    (b"hz 1000\nunixsocketperm 0700\nnotify-keyspace-events KEA\n", []),
    (b"hz 0\nnotify-keyspace-events Ex\nlist-max-ziplist-entries 5\nlua-replicate-commands yes\n", []),
    (b'rename-command FLUSHALL ""\nuser alice on >pw ~* +@all\nsentinel\n', []),
    (b"replicaof 127.0.0.1 \"9\"\n", []),
    (b"slaveof no one\nlatency-tracking-info-percentiles \"\"\n", []),
    (b"dir SUBDIR\ndbfilename x.rdb\n", []),
    (b"enable-protected-configs local\nenable-debug-command yes\n", []),
    (b"", ["--save", "--maxmemory", "1mb"]),
    (b"", ["--save", "5", "1", "--save", "6", "2"]),
    (b"", ["--save 7 7", "--maxmemory", "2mb"]),
    (b"save 10 1\n", ["--save", "5", "5"]),
    (b"", ["--maxmemory", "2mb", "--save"]),
    (b"", ["--replica-announce-ip", "a b", "--masteruser", "x\"y\\z"]),
    (b"", ["--loglevel", "verbose", "--bind-source-addr", "127.0.0.1"]),
]


@pytest.mark.interop
@pytest.mark.parametrize("conf,args", GOOD_CONFIGS)
def test_good_config_matches_redis(in_tmp, conf, args):
    (in_tmp / "inc.conf").write_text("save 9 9\nmaxmemory-samples 7\n")
    (in_tmp / "glob1.conf").write_text("maxmemory-samples 8\nsave 4 4\n")
    (in_tmp / "glob2.conf").write_text("maxmemory-samples 9\n")
    (in_tmp / "sub").mkdir()
    conf = (conf.replace(b"INC", str(in_tmp / "inc.conf").encode())
            .replace(b"GLOB", str(in_tmp / "glob*.conf").encode())
            .replace(b"SUBDIR", str(in_tmp / "sub").encode()))
    path = in_tmp / "redis.conf"
    path.write_bytes(conf)
    srv = start_oracle(args, conf_path=str(path), cwd=str(in_tmp))
    try:
        r = client(srv.port)
        real = r.config_get("*")
        real.update({n: r.config_get(n)[n] for n in ALL_NAMES if n not in real})
        r.close()
    finally:
        srv.stop()
    cfg = Config()
    cfg.load(str(path), ["--port", str(srv.port), "--bind", "127.0.0.1"] + args)
    ours = dict(cfg.get_pairs(ALL_NAMES))
    assert ours == real


def split_rewritten(text):
    """-> (lines up to the CONFIG REWRITE signature, set of appended lines without ACL `user` lines)."""
    lines = text.split("\n")
    if "# Generated by CONFIG REWRITE" in lines:
        i = lines.index("# Generated by CONFIG REWRITE")
        head, tail = lines[:i], lines[i + 1:]
    else:
        head, tail = lines, []
    return head, sorted(x for x in tail if x and not x.startswith("user "))


REWRITE_BASE = """# top comment
  # indented comment


save 100 1
save 200 2
include INC
rename-command FLUSHALL ""
slave-read-only yes
slave-priority 50
maxmemory 2mb
maxmemory 3mb
Loglevel notice
requirepass "foo bar"
appendonly no
hz 10
daemonize no
client-output-buffer-limit normal 0 0 0
client-output-buffer-limit pubsub 32mb 8mb 60
logfile ""
unixsocketperm 0
hash-max-ziplist-entries 100
bind-source-addr 127.0.0.1
"""

REWRITE_SCENARIOS = [
    (REWRITE_BASE, "foo bar",
     [("maxmemory", "5mb"), ("slave-priority", "60"), ("appendonly", "no"), ("save", "300 3"),
      ("notify-keyspace-events", "KEA"), ("maxmemory-clients", "5%"), ("client-output-buffer-limit",
                                                                        "pubsub 1mb 1mb 0"),
      ("shutdown-on-sigint", "nosave now"), ("replica-announce-ip", "a b\"c"), ("timeout", "30"),
      ("rdb-key-save-delay", "5"), ("hash-max-listpack-entries", "200"), ("bind-source-addr", ""),
      ("requirepass", "")],
     '"unbalanced\nnosuchdirective 5\nfoo.bar 1\nlist-max-ziplist-entries 5\nsentinel monitor x\n'),
    ("", None, [("maxmemory", "1gb"), ("save", ""), ("proto-max-bulk-len", "2000000"), ("loglevel", "debug")], ""),
    ("# keep me\n# Generated by CONFIG REWRITE\nmaxmemory 1mb\n\n\n\n# tail\n", None,
     [("maxmemory", "0"), ("latency-tracking-info-percentiles", ""), ("oom-score-adj-values", "1 2 3"),
      ("client-output-buffer-limit", "normal 1k 2k 3 replica 256mb 64mb 60")], ""),
]


@pytest.mark.interop
@pytest.mark.parametrize("base,password,sets,appended", REWRITE_SCENARIOS)
def test_rewrite_matches_redis(in_tmp, base, password, sets, appended):
    """Same starting file, same CONFIG SETs: the rewritten file has Redis's shape.  Lines Redis appends
    come out in its hash-table order, so that block is compared as a set; ACL `user` lines are Redis's
    ACL subsystem's, not the configuration's."""
    (in_tmp / "inc.conf").write_text("maxmemory-samples 7\n")
    base = base.replace("INC", str(in_tmp / "inc.conf"))
    (in_tmp / "redis.conf").write_text(base)
    (in_tmp / "kvs.conf").write_text(base)
    srv = start_oracle(conf_path=str(in_tmp / "redis.conf"), cwd=str(in_tmp))
    try:
        r = client(srv.port, password)
        assert oracle_set_result(r, *sets) == "OK"
        with open(in_tmp / "redis.conf", "a") as f:
            f.write(appended)
        r.execute_command("CONFIG", "REWRITE")
        r.close()
    finally:
        srv.stop()
    cfg = Config()
    cfg.load(str(in_tmp / "kvs.conf"), ["--port", str(srv.port), "--bind", "127.0.0.1"])
    cfg.set_pairs(sets)
    with open(in_tmp / "kvs.conf", "a") as f:
        f.write(appended)
    cfg.rewrite()
    real = (in_tmp / "redis.conf").read_text()
    ours = (in_tmp / "kvs.conf").read_text()
    assert split_rewritten(ours) == split_rewritten(real)
    assert stat.S_IMODE(os.stat(in_tmp / "kvs.conf").st_mode) == stat.S_IMODE(os.stat(in_tmp / "redis.conf").st_mode)


KEYS_ALPHABET = b"aAb*?[]^-\\"


@pytest.fixture(scope="module")
def keys_oracle(oracle):
    """The oracle's db 9 holding every key of up to 3 characters over KEYS_ALPHABET."""
    r = raw_client(oracle.port)
    r.execute_command("SELECT", "9")
    r.flushdb()
    keys = []
    frontier = [b""]
    for _ in range(3):
        frontier = [k + bytes([c]) for k in frontier for c in KEYS_ALPHABET]
        keys.extend(frontier)
    pipe = r.pipeline(transaction=False)
    for k in keys:
        pipe.set(k, b"1")
    pipe.execute()
    yield r, keys
    r.flushdb()
    r.close()


@pytest.mark.interop
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(min_size=1, max_size=6).map(lambda b: bytes(KEYS_ALPHABET[x % len(KEYS_ALPHABET)] for x in b)))
def test_string_match_matches_redis_keys(keys_oracle, pattern):
    r, keys = keys_oracle
    if pattern == b"*":
        return   # KEYS short-cuts a lone "*" without calling the matcher
    real = set(r.execute_command("KEYS", pattern))
    assert real == {k for k in keys if string_match(pattern, k)}
