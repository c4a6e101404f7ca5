"""Differential tests of the stream commands (Redis's t_stream.c): every command goes to kvs and to a real
redis-server 7.0 and the raw replies must be identical, errors included. IDs are explicit wherever a reply would
otherwise depend on the clock; replies that carry times (XINFO, extended XPENDING) are compared with those fields
masked."""
import random
import time

import pytest

from tests.commands.diffhelp import run_table

pytestmark = pytest.mark.interop

U64 = (1 << 64) - 1
MAXID = f"{U64}-{U64}"


# -- a RESP2/RESP3 reader for replies whose time fields are masked -------------------------------------------------
def parse_resp(raw: bytes):
    """The reply as nested Python values: bulks/simple strings as bytes, errors as ('ERR', text), maps as lists of
    pairs (order kept), nulls as None."""
    def one(pos):
        t = raw[pos:pos + 1]
        end = raw.index(b"\r\n", pos)
        head = raw[pos + 1:end]
        pos = end + 2
        if t in (b"$", b"="):
            n = int(head)
            if n < 0:
                return None, pos
            return raw[pos:pos + n], pos + n + 2
        if t in (b"*", b"~", b">"):
            n = int(head)
            if n < 0:
                return None, pos
            out = []
            for _ in range(n):
                item, pos = one(pos)
                out.append(item)
            return out, pos
        if t == b"%":
            out = []
            for _ in range(int(head)):
                k, pos = one(pos)
                v, pos = one(pos)
                out.append((k, v))
            return ("MAP", out), pos
        if t == b":":
            return int(head), pos
        if t == b"_":
            return None, pos
        if t == b"-":
            return ("ERR", head), pos
        return head, pos

    value, pos = one(0)
    assert pos == len(raw), raw
    return value


def _pairs(v):
    """A map reply as (key, value) pairs, whether RESP3 map or RESP2 flat array."""
    if isinstance(v, tuple) and v[0] == "MAP":
        return v[1]
    return list(zip(v[0::2], v[1::2]))


def mask_xinfo_stream_full(v):
    out = []
    for k, val in _pairs(v):
        if k == b"groups":
            groups = []
            for g in val:
                gp = []
                for gk, gv in _pairs(g):
                    if gk == b"pending":
                        gv = [[e[0], e[1], "T", e[3]] for e in gv]
                    elif gk == b"consumers":
                        cons = []
                        for cmap in gv:
                            cp = []
                            for ck, cv in _pairs(cmap):
                                if ck == b"seen-time":
                                    cv = "T"
                                elif ck == b"pending":
                                    cv = [[e[0], "T", e[2]] for e in cv]
                                cp.append((ck, cv))
                            cons.append(cp)
                        gv = cons
                    gp.append((gk, gv))
                groups.append(gp)
            val = groups
        out.append((k, val))
    return out


def mask_xinfo_consumers(v):
    if isinstance(v, tuple):
        return v
    return [[(k, "T" if k == b"idle" else x) for k, x in _pairs(cmap)] for cmap in v]


def mask_xpending_ext(v):
    if isinstance(v, tuple):
        return v
    return [[e[0], e[1], "T", e[3]] for e in v]


def same_masked(diff, mask, *cmd):
    a, b = diff.both(*cmd)
    x, y = mask(parse_resp(a)), mask(parse_resp(b))
    assert x == y, f"{cmd!r}: kvs {a!r} != redis {b!r}"
    return x


def same_shape_id(diff, *cmd):
    """For XADD with an automatic ID: both answer a bulk '<ms>-<seq>' with ms close to now."""
    a, b = diff.both(*cmd)
    for raw in (a, b):
        assert raw[:1] == b"$", (cmd, a, b)
        v = parse_resp(raw)
        ms, seq = v.split(b"-")
        assert abs(int(ms) - time.time() * 1000) < 60_000 and seq.isdigit(), (cmd, raw)
    return parse_resp(a), parse_resp(b)


def fill(diff, key, n, start=1, fields=("f", "v")):
    for i in range(start, start + n):
        diff.same("XADD", key, f"{i}-0", *fields)


# -- arity and command table ----------------------------------------------------------------------------------------
ARITY = [
    ("XADD",), ("XADD", "s"), ("XADD", "s", "*"), ("XADD", "s", "*", "f"),
    ("XRANGE", "s"), ("XRANGE", "s", "-"), ("XREVRANGE", "s", "+"),
    ("XLEN",), ("XLEN", "s", "x"),
    ("XDEL", "s"), ("XTRIM", "s"), ("XTRIM", "s", "MAXLEN"),
    ("XREAD",), ("XREAD", "STREAMS"), ("XREAD", "STREAMS", "s"),
    ("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s"),
    ("XGROUP",), ("XGROUP", "CREATE", "s", "g"), ("XGROUP", "SETID", "s", "g"), ("XGROUP", "DESTROY", "s"),
    ("XGROUP", "DESTROY", "s", "g", "x"), ("XGROUP", "CREATECONSUMER", "s", "g"),
    ("XGROUP", "DELCONSUMER", "s", "g"), ("XGROUP", "HELP", "x"), ("XGROUP", "FOO"), ("XGROUP", "FOO", "s", "g"),
    ("XACK", "s", "g"), ("XPENDING", "s"), ("XCLAIM", "s", "g", "c", "0"), ("XAUTOCLAIM", "s", "g", "c", "0"),
    ("XINFO",), ("XINFO", "STREAM"), ("XINFO", "GROUPS"), ("XINFO", "GROUPS", "s", "x"),
    ("XINFO", "CONSUMERS", "s"), ("XINFO", "HELP", "x"), ("XINFO", "FOO", "s"),
    ("XSETID", "s"),
]


def test_wrong_arity(diff):
    run_table(diff, ARITY)


def test_help(diff):
    """HELP is kvs's own wording: same shape (simple strings), same first line, same subcommand names."""
    for cmd in (("XINFO", "HELP"), ("XGROUP", "HELP"), ("xinfo", "help")):
        a, b = (parse_resp(x) for x in diff.both(*cmd))
        assert a[0] == b[0]

        def names(lines):
            return sorted(l.split()[0] for l in lines[1:] if not l.startswith(b" "))
        assert names(a) == names(b)


def test_command_info(diff):
    """Name, arity, flags, key positions, ACL categories and tips (key specs are the COMMAND module's)."""
    for name in ("xadd", "xrange", "xrevrange", "xlen", "xdel", "xtrim", "xread", "xreadgroup", "xack",
                 "xpending", "xclaim", "xautoclaim", "xsetid", "xgroup|create", "xgroup|setid", "xgroup|destroy",
                 "xgroup|createconsumer", "xgroup|delconsumer", "xgroup|help", "xinfo|stream", "xinfo|groups",
                 "xinfo|consumers", "xinfo|help"):
        a, b = diff.both("COMMAND", "INFO", name)
        assert parse_resp(a)[0][:8] == parse_resp(b)[0][:8], name


def test_command_getkeys(diff):
    run_table(diff, [("COMMAND", "GETKEYS", "XREAD", "STREAMS", "a", "b", "0", "0"),
                     ("COMMAND", "GETKEYS", "XREAD", "COUNT", "1", "BLOCK", "0", "streams", "STREAMS", "0"),
                     ("COMMAND", "GETKEYS", "XREAD", "STREAMS", "a", "b", "0"),
                     ("COMMAND", "GETKEYS", "XREAD", "BLOCK", "STREAMS", "a", "0"),
                     ("COMMAND", "GETKEYS", "XREAD", "FOO", "STREAMS", "a", "0"),
                     ("COMMAND", "GETKEYS", "XREADGROUP", "GROUP", "g", "c", "STREAMS", "a", "b", ">", ">"),
                     ("COMMAND", "GETKEYS", "XREADGROUP", "GROUP", "STREAMS", "c", "STREAMS", "a", "0"),
                     ("COMMAND", "GETKEYS", "XADD", "s", "*", "f", "v"),
                     ("COMMAND", "GETKEYS", "XGROUP", "CREATE", "s", "g", "$"),
                     ("COMMAND", "GETKEYS", "XINFO", "STREAM", "s")])


def _docs_meta(raw):
    v = parse_resp(raw)
    out = {}
    for name, doc in zip(v[0::2], v[1::2]):
        d = dict(zip(doc[0::2], doc[1::2]))
        out[name] = (d[b"since"], d[b"group"])   # summaries are kvs's own words
        subs = d.get(b"subcommands") or []
        for sub, sdoc in zip(subs[0::2], subs[1::2]):
            sd = dict(zip(sdoc[0::2], sdoc[1::2]))
            out[sub] = (sd[b"since"], sd[b"group"])
    return out


def test_command_docs_summary_since_group(diff):
    names = ("xadd", "xrange", "xrevrange", "xlen", "xdel", "xtrim", "xread", "xreadgroup", "xack", "xpending",
             "xclaim", "xautoclaim", "xsetid", "xgroup", "xinfo")
    a, b = diff.both("COMMAND", "DOCS", *names)
    assert _docs_meta(a) == _docs_meta(b)


# -- XADD ------------------------------------------------------------------------------------------------------------
XADD_CASES = [
    ("XADD", "s", "1-1", "a", "1"),
    ("XADD", "s", "1-1", "a", "1"),                 # equal to the top item
    ("XADD", "s", "1-0", "a", "1"),                 # smaller
    ("XADD", "s", "1", "a", "1"),                   # 1-0
    ("XADD", "s", "1-2", "a", "1", "b", "2"),
    ("XADD", "s", "1-*", "a", "1"),                 # 1-3
    ("XADD", "s", "0-*", "a", "1"),
    ("XADD", "s", "5-*", "a", "1"),                 # 5-0
    ("XADD", "s", "5-*", "a", "1"),                 # 5-1
    ("XADD", "s", "0-0", "a", "1"),
    ("XADD", "new", "0-0", "a", "1"),
    ("EXISTS", "new"),
    ("XADD", "new", "0-*", "a", "1"),               # 0-1 in an empty stream
    ("XADD", "s", "6-1", "a"),                      # odd field/value count
    ("XADD", "s", "6-1", "a", "1", "b"),
    ("XADD", "s", "abc", "a", "1"),
    ("XADD", "s", "-", "a", "1"),
    ("XADD", "s", "+", "a", "1"),
    ("XADD", "s", "6-x", "a", "1"),
    ("XADD", "s", "6-1-1", "a", "1"),
    ("XADD", "s", "-6", "a", "1"),
    ("XADD", "s", "6-", "a", "1"),
    ("XADD", "s", "*-1", "a", "1"),
    ("XADD", "s", "6-**", "a", "1"),
    ("XADD", "s", "18446744073709551616-0", "a", "1"),
    ("XADD", "s", "7-18446744073709551616", "a", "1"),
    ("XADD", "s", " 8", "a", "1"),                  # strtoull accepts leading spaces
    ("XADD", "s", "+9-+1", "a", "1"),               # and a sign
    ("XADD", "s", "010-01", "a", "1"),              # and leading zeros
    ("XADD", "s", "11--1", "a", "1"),
    ("XADD", "s", "12--01", "a", "1"),              # wraps around
    ("XADD", "s", "x" * 130, "a", "1"),
    ("XADD", "s", "13-0", "", ""),
    ("XADD", "s", "14-0", "a", "1", "a", "2"),      # duplicate fields are kept
    ("XRANGE", "s", "-", "+"),
    ("XLEN", "s"),
    ("XADD", "s", "NOMKSTREAM", "15-0", "a", "1"),
    ("XADD", "nokey", "NOMKSTREAM", "1-0", "a", "1"),
    ("XADD", "nokey", "nomkstream", "*", "a", "1"),
    ("EXISTS", "nokey"),
    ("XADD", "s", "FOO", "16-0", "a", "1"),
    ("SET", "str", "x"),
    ("XADD", "str", "1-0", "a", "1"),
    ("XADD", "str", "NOMKSTREAM", "1-0", "a", "1"),
    ("XADD", "s", f"{U64}-{U64}", "a", "1"),
    ("XADD", "s", "*", "a", "1"),                   # exhausted
    ("XADD", "s", f"{U64}-*", "a", "1"),
    ("XLEN", "s"),
    ("XADD", "m", f"{U64}-*", "a", "1"),
    ("XADD", "m", f"{U64}-*", "a", "1"),
    ("XADD", "m2", f"5-{U64}", "a", "1"),
    ("XADD", "m2", "5-*", "a", "1"),
    ("XADD", "m2", "6-*", "a", "1"),
    ("XRANGE", "m2", "-", "+"),
    ("TYPE", "s"), ("OBJECT", "ENCODING", "s"),
]


def test_xadd(diff):
    run_table(diff, XADD_CASES)


XADD_TRIM_CASES = [
    ("XADD", "s", "MAXLEN", "2", "1-0", "a", "1"),
    ("XADD", "s", "MAXLEN", "2", "2-0", "a", "1"),
    ("XADD", "s", "MAXLEN", "2", "3-0", "a", "1"),
    ("XRANGE", "s", "-", "+"),
    ("XADD", "s", "MAXLEN", "=", "1", "4-0", "a", "1"),
    ("XLEN", "s"),
    ("XADD", "s", "MAXLEN", "~", "1", "5-0", "a", "1"),   # nothing whole to drop
    ("XLEN", "s"),
    ("XADD", "s", "MINID", "5", "6-0", "a", "1"),
    ("XRANGE", "s", "-", "+"),
    ("XADD", "s", "MINID", "=", "6-0", "7-0", "a", "1"),
    ("XADD", "s", "MINID", "~", "7-0", "8-0", "a", "1"),
    ("XADD", "s", "MAXLEN", "-1", "9-0", "a", "1"),
    ("XADD", "s", "MAXLEN", "abc", "9-0", "a", "1"),
    ("XADD", "s", "MAXLEN", "~", "9-0", "a", "1"),
    ("XADD", "s", "MAXLEN", "1", "MINID", "1", "9-0", "a", "1"),
    ("XADD", "s", "MINID", "1", "MAXLEN", "1", "9-0", "a", "1"),
    ("XADD", "s", "MINID", "-", "9-0", "a", "1"),
    ("XADD", "s", "MINID", "+", "9-0", "a", "1"),
    ("XADD", "s", "MINID", "x", "9-0", "a", "1"),
    ("XADD", "s", "LIMIT", "5", "9-0", "a", "1"),
    ("XADD", "s", "LIMIT", "0", "9-0", "a", "1"),
    ("XADD", "s", "MAXLEN", "1", "LIMIT", "5", "9-0", "a", "1"),
    ("XADD", "s", "MAXLEN", "~", "1", "LIMIT", "-1", "9-0", "a", "1"),
    ("XADD", "s", "MAXLEN", "~", "1", "LIMIT", "x", "9-0", "a", "1"),
    ("XADD", "s", "MAXLEN", "~", "1", "LIMIT", "5", "9-0", "a", "1"),
    ("XADD", "s", "MAXLEN", "~", "1", "LIMIT", "0", "10-0", "a", "1"),
    ("XADD", "s", "maxlen", "1", "nomkstream", "11-0", "a", "1"),
    ("XADD", "s", "MAXLEN", "1", "12-0"),
    ("XADD", "s", "MAXLEN", "1", "LIMIT"),
    ("XADD", "s", "MAXLEN", "~", "1", "NOMKSTREAM"),
    ("XRANGE", "s", "-", "+"),
    ("XADD", "s", "MAXLEN", "0", "13-0", "a", "1"),
    ("EXISTS", "s"),
    ("XLEN", "s"),
    ("XINFO", "STREAM", "s"),
    ("XADD", "n", "MAXLEN", "0", "1-0", "a", "1"),
    ("XINFO", "STREAM", "n"),
]


def test_xadd_trimming(diff):
    run_table(diff, XADD_TRIM_CASES)


def test_xadd_auto_ids(diff):
    same_shape_id(diff, "XADD", "s", "*", "a", "1")
    same_shape_id(diff, "XADD", "s", "*", "a", "2")
    same_shape_id(diff, "XADD", "s", "MAXLEN", "~", "10", "*", "a", "2")
    diff.same("XLEN", "s")
    # An explicit ID ahead of the clock: '*' continues its sequence.
    diff.same("XADD", "f", "99999999999999-5", "a", "1")
    diff.same("XADD", "f", "*", "a", "1")
    diff.same("XADD", "f", f"99999999999999-{U64}", "a", "1")
    diff.same("XADD", "f", "*", "a", "1")
    diff.same("XADD", "f", "99999999999999-*", "a", "1")
    diff.same("XRANGE", "f", "-", "+")


# -- node layout: '~' trimming removes whole listpack nodes ---------------------------------------------------------
def test_approx_trim_follows_node_boundaries(diff):
    fill(diff, "s", 350)
    run_table(diff, [
        ("XINFO", "STREAM", "s"),
        ("XTRIM", "s", "MAXLEN", "~", "300"),       # nothing: the first node holds 100
        ("XTRIM", "s", "MAXLEN", "~", "250"),       # one node
        ("XLEN", "s"),
        ("XTRIM", "s", "MAXLEN", "~", "10"),
        ("XLEN", "s"),
        ("XINFO", "STREAM", "s"),
        ("XTRIM", "s", "MINID", "~", "349"),
        ("XTRIM", "s", "MINID", "~", "351"),
        ("XLEN", "s"),
        ("XINFO", "STREAM", "s"),
    ])


def test_node_limits_follow_config(diff):
    run_table(diff, [("CONFIG", "SET", "stream-node-max-entries", "7"),
                     ("CONFIG", "SET", "stream-node-max-bytes", "200")])
    try:
        for i in range(1, 120):
            value = "x" * (i % 37) if i % 5 else str(i * 1000003)
            diff.same("XADD", "s", f"{i}-{i % 3}", "field", value, *(("g", "1") if i % 4 == 0 else ()))
        run_table(diff, [
            ("XINFO", "STREAM", "s"),
            ("XTRIM", "s", "MAXLEN", "~", "100"),
            ("XINFO", "STREAM", "s"),
            ("XTRIM", "s", "MAXLEN", "~", "50", "LIMIT", "20"),
            ("XINFO", "STREAM", "s"),
            ("XTRIM", "s", "MINID", "~", "90", "LIMIT", "1000"),
            ("XINFO", "STREAM", "s"),
            ("CONFIG", "SET", "stream-node-max-bytes", "0"),
            ("CONFIG", "SET", "stream-node-max-entries", "0"),
        ])
        for i in range(120, 700):
            diff.same("XADD", "s", f"{i}-0", "f", "v")
        run_table(diff, [("XINFO", "STREAM", "s"), ("XTRIM", "s", "MAXLEN", "~", "0"), ("XINFO", "STREAM", "s")])
    finally:
        run_table(diff, [("CONFIG", "SET", "stream-node-max-entries", "100"),
                         ("CONFIG", "SET", "stream-node-max-bytes", "4096")])


def test_default_trim_limit(diff):
    # Without LIMIT, '~' trims at most 100 nodes' worth (100 * stream-node-max-entries).
    run_table(diff, [("CONFIG", "SET", "stream-node-max-entries", "2")])
    try:
        fill(diff, "s", 700)
        run_table(diff, [("XTRIM", "s", "MAXLEN", "~", "0"), ("XLEN", "s"),
                         ("XADD", "s", "MAXLEN", "~", "0", "1000-0", "f", "v"), ("XLEN", "s"),
                         ("XTRIM", "s", "MAXLEN", "~", "0", "LIMIT", "0"), ("XLEN", "s")])
    finally:
        run_table(diff, [("CONFIG", "SET", "stream-node-max-entries", "100")])


# -- XTRIM / XDEL / XLEN -------------------------------------------------------------------------------------------
XTRIM_CASES = [
    ("XTRIM", "nokey", "MAXLEN", "1"),
    ("XTRIM", "nokey", "FOO", "1"),
    ("XTRIM", "s", "MAXLEN", "5"),
    ("XTRIM", "s", "MAXLEN", "~", "5"),
    ("XTRIM", "s", "MAXLEN", "=", "5"),
    ("XTRIM", "s", "MAXLEN", "~"),
    ("XTRIM", "s", "MAXLEN", "-1"),
    ("XTRIM", "s", "MINID", "-"),
    ("XTRIM", "s", "MINID", "1-x"),
    ("XTRIM", "s", "LIMIT", "10"),
    ("XTRIM", "s", "LIMIT", "0"),
    ("XTRIM", "s", "NOMKSTREAM", "MAXLEN", "1"),
    ("XTRIM", "s", "MAXLEN", "1", "LIMIT", "1"),
    ("XTRIM", "s", "MAXLEN", "1", "MINID", "1"),
    ("XTRIM", "s", "MAXLEN", "1", "FOO"),
    ("XTRIM", "str", "MAXLEN", "1"),
    ("XTRIM", "s", "MAXLEN", "18"),
    ("XTRIM", "s", "MINID", "3"),
    ("XRANGE", "s", "-", "+", "COUNT", "2"),
    ("XTRIM", "s", "MINID", "3"),
    ("XTRIM", "s", "MAXLEN", "10"),
    ("XTRIM", "s", "MAXLEN", "10"),
    ("XTRIM", "s", "MAXLEN", "~", "0", "LIMIT", "5"),
    ("XINFO", "STREAM", "s"),
    ("XTRIM", "s", "MAXLEN", "0"),
    ("EXISTS", "s"),
    ("XINFO", "STREAM", "s"),
]


def test_xtrim(diff):
    diff.same("SET", "str", "x")
    fill(diff, "s", 20)
    run_table(diff, XTRIM_CASES)


XDEL_CASES = [
    ("XDEL", "nokey", "1-0"),
    ("XDEL", "nokey", "bad"),                     # no key: answered before the IDs are parsed
    ("XDEL", "str", "1-0"),
    ("XDEL", "s", "bad"),
    ("XDEL", "s", "1-0", "bad"),
    ("XLEN", "s"),
    ("XDEL", "s", "-"),
    ("XDEL", "s", "1-0"),
    ("XDEL", "s", "1-0"),
    ("XDEL", "s", "2", "3-0", "3-0", "99-0"),
    ("XLEN", "s"),
    ("XINFO", "STREAM", "s"),
    ("XDEL", "s", "10-0"),                        # the last entry: last-generated-id stays
    ("XINFO", "STREAM", "s"),
    ("XADD", "s", "10-0", "f", "v"),
    ("XDEL", "s", "4", "5", "6", "7", "8", "9"),
    ("XINFO", "STREAM", "s"),
    ("XRANGE", "s", "-", "+"),
    ("XREVRANGE", "s", "+", "-"),
    ("XLEN", "nokey"),
    ("XLEN", "str"),
]


def test_xdel(diff):
    diff.same("SET", "str", "x")
    fill(diff, "s", 10)
    run_table(diff, XDEL_CASES)


def test_xdel_whole_node_and_trim_tombstones(diff):
    fill(diff, "s", 250)
    run_table(diff, [("XDEL", "s", *[f"{i}-0" for i in range(101, 201)]),   # empties the second node
                     ("XINFO", "STREAM", "s"),
                     ("XDEL", "s", *[f"{i}-0" for i in range(2, 101)]),     # tombstones in the first
                     ("XINFO", "STREAM", "s"),
                     ("XTRIM", "s", "MAXLEN", "~", "49"),
                     ("XINFO", "STREAM", "s"),
                     ("XDEL", "s", "250-0"),
                     ("XTRIM", "s", "MINID", "250"),
                     ("XINFO", "STREAM", "s"),
                     ("XADD", "s", "251-0", "f", "v"),
                     ("XINFO", "STREAM", "s"),
                     ("XTRIM", "s", "MINID", "~", "252"),
                     ("XINFO", "STREAM", "s")])


# -- XRANGE / XREVRANGE ----------------------------------------------------------------------------------------------
XRANGE_CASES = [
    ("XRANGE", "s", "-", "+"),
    ("XRANGE", "s", "-", "+", "COUNT", "2"),
    ("XRANGE", "s", "-", "+", "COUNT", "0"),
    ("XRANGE", "s", "-", "+", "COUNT", "-3"),
    ("XRANGE", "s", "-", "+", "count", "1", "COUNT", "3"),
    ("XRANGE", "s", "-", "+", "COUNT"),
    ("XRANGE", "s", "-", "+", "COUNT", "x"),
    ("XRANGE", "s", "-", "+", "FOO", "1"),
    ("XRANGE", "s", "2", "3"),
    ("XRANGE", "s", "2-1", "3-0"),
    ("XRANGE", "s", "(2-1", "(3-1"),
    ("XRANGE", "s", "(2", "+"),
    ("XRANGE", "s", "-", "(3"),
    ("XRANGE", "s", "(-", "+"),
    ("XRANGE", "s", "-", "(+"),
    ("XRANGE", "s", "(", "+"),
    ("XRANGE", "s", f"({MAXID}", "+"),
    ("XRANGE", "s", "-", "(0-0"),
    ("XRANGE", "s", "-", "(0"),
    ("XRANGE", "s", "+", "-"),
    ("XRANGE", "s", "5", "2"),
    ("XRANGE", "s", "x", "+"),
    ("XRANGE", "s", "-", "x"),
    ("XRANGE", "s", "x", "y", "COUNT", "z"),
    ("XRANGE", "nokey", "-", "+"),
    ("XRANGE", "nokey", "-", "+", "COUNT", "0"),
    ("XRANGE", "nokey", "x", "+"),
    ("XRANGE", "str", "-", "+"),
    ("XRANGE", "str", "-", "+", "COUNT", "0"),
    ("XRANGE", "s", f"2-{U64}", "3"),
    ("XRANGE", "s", f"(2-{U64}", "3"),
    ("XRANGE", "s", "-", "(3-0"),
    ("XREVRANGE", "s", "+", "-"),
    ("XREVRANGE", "s", "+", "-", "COUNT", "2"),
    ("XREVRANGE", "s", "+", "-", "COUNT", "0"),
    ("XREVRANGE", "s", "3", "2"),
    ("XREVRANGE", "s", "(3", "(2-0"),
    ("XREVRANGE", "s", "-", "+"),
    ("XREVRANGE", "s", "x", "(y"),
    ("XREVRANGE", "s", "(+", "-"),
    ("XREVRANGE", "nokey", "+", "-"),
]


def test_xrange(diff):
    diff.same("SET", "str", "x")
    for i in range(1, 6):
        diff.same("XADD", "s", f"{i}-0", "f", str(i))
        diff.same("XADD", "s", f"{i}-1", "f", str(i), "g", "x" * i)
    diff.same("XDEL", "s", "4-0")
    run_table(diff, XRANGE_CASES)


# -- XREAD ---------------------------------------------------------------------------------------------------------
XREAD_CASES = [
    ("XREAD", "STREAMS", "s", "0"),
    ("XREAD", "STREAMS", "s", "2-0"),
    ("XREAD", "STREAMS", "s", "3"),
    ("XREAD", "STREAMS", "s", "$"),
    ("XREAD", "COUNT", "2", "STREAMS", "s", "0"),
    ("XREAD", "COUNT", "0", "STREAMS", "s", "0"),
    ("XREAD", "COUNT", "-1", "STREAMS", "s", "0"),
    ("XREAD", "COUNT", "x", "STREAMS", "s", "0"),
    ("XREAD", "COUNT", "1", "COUNT", "2", "STREAMS", "s", "0"),
    ("XREAD", "STREAMS", "s", "t", "0", "0"),
    ("XREAD", "STREAMS", "s", "nokey", "t", "1", "0", "0"),
    ("XREAD", "STREAMS", "nokey", "0"),
    ("XREAD", "STREAMS", "s", "s", "0", "2"),
    ("XREAD", "STREAMS", "s", "t", "0"),
    ("XREAD", "STREAMS", "s", "-"),
    ("XREAD", "STREAMS", "s", "+"),
    ("XREAD", "STREAMS", "s", "(1"),
    ("XREAD", "STREAMS", "s", ">"),
    ("XREAD", "STREAMS", "s", "x"),
    ("XREAD", "STREAMS", "str", "0"),
    ("XREAD", "STREAMS", "nokey", "str", "0", "0"),
    ("XREAD", "STREAMS", "s", MAXID),
    ("XREAD", "GROUP", "g", "c", "STREAMS", "s", "0"),
    ("XREAD", "NOACK", "STREAMS", "s", "0"),
    ("XREAD", "FOO", "STREAMS", "s", "0"),
    ("XREAD", "COUNT", "1", "BAR", "s", "0"),
    ("XREAD", "COUNT", "1", "s", "0", "1"),
    ("XREAD", "BLOCK", "-1", "STREAMS", "s", "0"),
    ("XREAD", "BLOCK", "x", "STREAMS", "s", "0"),
    ("XREAD", "BLOCK", "1.5", "STREAMS", "s", "0"),
    ("XREAD", "BLOCK", "9223372036854775807", "STREAMS", "s", "0"),
    ("XREAD", "BLOCK", "99999999999999999999", "STREAMS", "s", "0"),
    ("XREAD", "BLOCK", "0", "STREAMS", "s", "0"),
    ("XREAD", "BLOCK", "10", "COUNT", "1", "STREAMS", "s", "t", "0", "0"),
    ("XREAD", "STREAMS", "STREAMS", "s", "0", "0"),
]


def test_xread(diff):
    diff.same("SET", "str", "x")
    for i in range(1, 5):
        diff.same("XADD", "s", f"{i}-0", "f", str(i))
    diff.same("XADD", "t", "2-0", "f", "t")
    diff.same("XADD", "STREAMS", "1-0", "f", "t")
    run_table(diff, XREAD_CASES)
    # '$' is the last generated ID, even when that entry was deleted or XSETID moved it.
    run_table(diff, [("XDEL", "s", "4-0"), ("XREAD", "STREAMS", "s", "$"), ("XSETID", "s", "3-5"),
                     ("XREAD", "STREAMS", "s", "$"), ("XSETID", "s", "2-0"), ("XREAD", "STREAMS", "s", "$")])


def test_xread_block_with_data_and_in_multi(diff):
    diff.same("XADD", "s", "1-0", "f", "v")
    run_table(diff, [("XREAD", "BLOCK", "100", "STREAMS", "s", "0"),
                     ("MULTI",), ("XREAD", "BLOCK", "0", "STREAMS", "s", "$"),
                     ("XREAD", "BLOCK", "0", "STREAMS", "s", "0"), ("EXEC",)])


def test_xread_block_empty_answers_null(kvs_server):
    """No blocking layer yet: XREAD BLOCK answers at once with a null reply when nothing is there."""
    from tests.rawconn import RawConn
    conn = RawConn(kvs_server.port)
    try:
        conn.call("FLUSHALL")
        conn.call("XADD", "s", "1-0", "f", "v")
        assert conn.call("XREAD", "BLOCK", "50", "STREAMS", "s", "$") == b"*-1\r\n"
    finally:
        conn.close()


def test_xread_resp3(diff):
    diff.both("HELLO", "3")
    diff.same("XADD", "s", "1-0", "f", "v")
    diff.same("XADD", "t", "1-0", "f", "v")
    run_table(diff, [("XREAD", "STREAMS", "s", "t", "0", "0"), ("XREAD", "STREAMS", "s", "1"),
                     ("XRANGE", "s", "-", "+", "COUNT", "0"), ("XINFO", "STREAM", "s"),
                     ("XINFO", "STREAM", "nokey"), ("XGROUP", "CREATE", "s", "g", "0"),
                     ("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", "t", ">", ">"),
                     ("XGROUP", "CREATE", "t", "g", "0"),
                     ("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", "t", ">", ">"),
                     ("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", "t", "0", "0"),
                     ("XDEL", "s", "1-0"),
                     ("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", "0"),
                     ("XPENDING", "s", "g"), ("XPENDING", "nokey", "g"), ("XINFO", "GROUPS", "s"),
                     ("XAUTOCLAIM", "s", "g", "c", "0", "0"), ("XADD", "x", "NOMKSTREAM", "1-0", "f", "v")])
    same_masked(diff, mask_xinfo_consumers, "XINFO", "CONSUMERS", "t", "g")
    same_masked(diff, mask_xinfo_stream_full, "XINFO", "STREAM", "t", "FULL")


# -- consumer groups -------------------------------------------------------------------------------------------------
XGROUP_CASES = [
    ("XGROUP", "CREATE", "nokey", "g", "$"),
    ("XGROUP", "CREATE", "nokey", "g", "x"),
    ("XGROUP", "SETID", "nokey", "g", "$"),
    ("XGROUP", "DESTROY", "nokey", "g"),
    ("XGROUP", "CREATECONSUMER", "nokey", "g", "c"),
    ("XGROUP", "DELCONSUMER", "nokey", "g", "c"),
    ("XGROUP", "CREATE", "str", "g", "$"),
    ("XGROUP", "CREATE", "str", "g", "$", "MKSTREAM"),
    ("XGROUP", "DESTROY", "str", "g"),
    ("XGROUP", "CREATE", "s", "g", "$"),
    ("XGROUP", "CREATE", "s", "g", "$"),
    ("XGROUP", "CREATE", "s", "g2", "0"),
    ("XGROUP", "CREATE", "s", "g3", "2-5", "ENTRIESREAD", "3"),
    ("XGROUP", "CREATE", "s", "g4", "2", "ENTRIESREAD", "-1"),
    ("XGROUP", "CREATE", "s", "g5", "2", "ENTRIESREAD", "-2"),
    ("XGROUP", "CREATE", "s", "g5", "2", "ENTRIESREAD", "x"),
    ("XGROUP", "CREATE", "s", "g5", "2", "ENTRIESREAD"),
    ("XGROUP", "CREATE", "s", "g5", "-"),
    ("XGROUP", "CREATE", "s", "g5", "+"),
    ("XGROUP", "CREATE", "s", "g5", "x"),
    ("XGROUP", "CREATE", "s", "g5", "1", "FOO"),
    ("XGROUP", "create", "s", "g5", "1", "foo"),
    ("XGROUP", "CREATE", "s", "g5", "1", "MKSTREAM", "MKSTREAM", "MKSTREAM", "MKSTREAM"),
    ("XGROUP", "CREATE", "s", "g5", "1", "MKSTREAM", "ENTRIESREAD", "2"),
    ("XGROUP", "CREATE", "new", "g", "$", "MKSTREAM"),
    ("XGROUP", "CREATE", "new2", "g", "7-7", "mkstream"),
    ("XGROUP", "CREATE", "new3", "g", "x", "MKSTREAM"),
    ("EXISTS", "new", "new2", "new3"),
    ("XLEN", "new"),
    ("XINFO", "GROUPS", "s"),
    ("XINFO", "GROUPS", "new2"),
    ("XGROUP", "SETID", "s", "g", "0"),
    ("XGROUP", "SETID", "s", "g", "$"),
    ("XGROUP", "SETID", "s", "g", "-"),
    ("XGROUP", "SETID", "s", "g", "+"),
    ("XGROUP", "SETID", "s", "g", "x"),
    ("XGROUP", "SETID", "s", "g", "1", "ENTRIESREAD", "5"),
    ("XGROUP", "SETID", "s", "g", "1", "ENTRIESREAD"),
    ("XGROUP", "SETID", "s", "g", "1", "MKSTREAM"),
    ("XGROUP", "SETID", "s", "g", "1", "ENTRIESREAD", "1", "ENTRIESREAD", "2"),
    ("XGROUP", "SETID", "s", "nog", "1"),
    ("XINFO", "GROUPS", "s"),
    ("XGROUP", "CREATECONSUMER", "s", "g", "alice"),
    ("XGROUP", "CREATECONSUMER", "s", "g", "alice"),
    ("XGROUP", "CREATECONSUMER", "s", "g", "bob"),
    ("XGROUP", "CREATECONSUMER", "s", "nog", "bob"),
    ("XGROUP", "DELCONSUMER", "s", "g", "bob"),
    ("XGROUP", "DELCONSUMER", "s", "g", "bob"),
    ("XGROUP", "DELCONSUMER", "s", "nog", "bob"),
    ("XGROUP", "DESTROY", "s", "g2"),
    ("XGROUP", "DESTROY", "s", "g2"),
    ("XGROUP", "DESTROY", "s", "nog"),
    ("XINFO", "GROUPS", "s"),
    ("XINFO", "STREAM", "s"),
    ("XGROUP", "FOO", "s", "g"),
]


def test_xgroup(diff):
    diff.same("SET", "str", "x")
    fill(diff, "s", 3)
    run_table(diff, XGROUP_CASES)


XREADGROUP_CASES = [
    ("XREADGROUP", "GROUP", "g", "alice", "COUNT", "2", "STREAMS", "s", ">"),
    ("XREADGROUP", "GROUP", "g", "bob", "COUNT", "1", "STREAMS", "s", ">"),
    ("XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", "0"),
    ("XREADGROUP", "GROUP", "g", "alice", "COUNT", "1", "STREAMS", "s", "0"),
    ("XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", "1-0"),
    ("XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", "(1"),
    ("XREADGROUP", "GROUP", "g", "carol", "STREAMS", "s", "0"),
    ("XREADGROUP", "GROUP", "g", "dave", "STREAMS", "s", ">"),
    ("XREADGROUP", "GROUP", "g", "erin", "NOACK", "COUNT", "1", "STREAMS", "s", ">"),
    ("XPENDING", "s", "g"),
    ("XINFO", "GROUPS", "s"),
    ("XREADGROUP", "GROUP", "g", "frank", "STREAMS", "s", ">"),     # nothing new: no consumer is created
    ("XREADGROUP", "GROUP", "g", "frank", "BLOCK", "10", "STREAMS", "s", ">"),
    ("XDEL", "s", "1-0"),
    ("XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", "0"),     # deleted entry: ID with a null
    ("XGROUP", "SETID", "s", "g", "0"),
    ("XREADGROUP", "GROUP", "g", "bob", "STREAMS", "s", ">"),       # takes over the NACKs
    ("XPENDING", "s", "g"),
    ("XINFO", "GROUPS", "s"),
    ("XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", "$"),
    ("XREADGROUP", "GROUP", "nog", "alice", "STREAMS", "s", ">"),
    ("XREADGROUP", "GROUP", "g", "alice", "STREAMS", "nokey", ">"),
    ("XREADGROUP", "GROUP", "g", "alice", "STREAMS", "str", ">"),
    ("XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", "x"),
    ("XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", "-"),
    ("XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", "t", ">"),
    ("XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", "t", ">", ">"),
    ("XREADGROUP", "GROUP", "g", "STREAMS", "s", ">"),
    ("XREADGROUP", "COUNT", "1", "STREAMS", "s", ">", "x"),
    ("XREADGROUP", "NOACK", "COUNT", "1", "STREAMS", "s", ">"),
    ("XREADGROUP", "GROUP", "g", "alice", "FOO", "STREAMS", "s", ">"),
    ("XREADGROUP", "GROUP", "g", "alice", "COUNT", "1", "NOACK"),
    ("XREADGROUP", "group", "g", "alice", "count", "1", "noack", "streams", "s", "0"),
    ("XADD", "s", "10-0", "f", "v"),
    ("XREADGROUP", "GROUP", "g", "zed", "COUNT", "0", "STREAMS", "s", ">"),
    ("XINFO", "GROUPS", "s"),
    ("XPENDING", "s", "g"),
]


def test_xreadgroup(diff):
    diff.same("SET", "str", "x")
    fill(diff, "s", 5)
    diff.same("XADD", "t", "1-0", "f", "v")
    diff.same("XGROUP", "CREATE", "s", "g", "0")
    run_table(diff, XREADGROUP_CASES)
    same_masked(diff, mask_xinfo_consumers, "XINFO", "CONSUMERS", "s", "g")


XACK_PENDING_CASES = [
    ("XACK", "nokey", "g", "1"),
    ("XACK", "nokey", "g", "bad"),
    ("XACK", "s", "nog", "bad"),
    ("XACK", "str", "g", "1"),
    ("XACK", "s", "g", "bad"),
    ("XACK", "s", "g", "1", "bad"),
    ("XACK", "s", "g", "-"),
    ("XPENDING", "s", "g"),
    ("XACK", "s", "g", "1", "1-0", "9"),
    ("XACK", "s", "g", "1"),
    ("XPENDING", "s", "g"),
    ("XPENDING", "s", "nog"),
    ("XPENDING", "nokey", "g"),
    ("XPENDING", "str", "g"),
    ("XPENDING", "s", "g", "-"),
    ("XPENDING", "s", "g", "-", "+"),
    ("XPENDING", "s", "g", "-", "+", "x"),
    ("XPENDING", "s", "g", "x", "+", "10"),
    ("XPENDING", "s", "g", "-", "x", "10"),
    ("XPENDING", "s", "g", "(-", "+", "10"),
    ("XPENDING", "s", "g", f"({MAXID}", "+", "10"),
    ("XPENDING", "s", "g", "-", "(0", "10"),
    ("XPENDING", "s", "g", "-", "(0-0", "10"),
    ("XPENDING", "s", "g", "IDLE", "x", "-", "+", "10"),
    ("XPENDING", "s", "g", "IDLE", "0", "-", "+"),
    ("XPENDING", "s", "g", "IDLE", "0", "-", "+", "10", "alice", "x"),
    ("XPENDING", "nog", "g", "-", "+", "10"),
    ("XPENDING", "s", "nog", "-", "+", "10"),
    ("XPENDING", "s", "g", "-", "+", "0"),
    ("XPENDING", "s", "g", "-", "+", "-5"),
    ("XPENDING", "s", "g", "-", "+", "10", "nobody"),
    ("XPENDING", "s", "g", "IDLE", "999999999", "-", "+", "10"),
    ("XPENDING", "s", "g", "IDLE", "999999999", "-", "+", "10", "alice"),
    ("XPENDING", "e", "g"),
]

XPENDING_EXTENDED = [
    ("XPENDING", "s", "g", "-", "+", "10"),
    ("XPENDING", "s", "g", "-", "+", "2"),
    ("XPENDING", "s", "g", "3", "4", "10"),
    ("XPENDING", "s", "g", "(3", "+", "10"),
    ("XPENDING", "s", "g", "-", "+", "10", "alice"),
    ("XPENDING", "s", "g", "-", "+", "10", "bob"),
    ("XPENDING", "s", "g", "-", "+", "10", "alice", "extra", "args"),
    ("XPENDING", "s", "g", "IDLE", "0", "-", "+", "10"),
    ("XPENDING", "s", "g", "IDLE", "-5", "-", "+", "10", "bob"),
    ("xpending", "s", "g", "idle", "0", "-", "+", "10", "bob"),
]


def test_xack_xpending(diff):
    diff.same("SET", "str", "x")
    fill(diff, "s", 6)
    diff.same("XGROUP", "CREATE", "s", "g", "0")
    diff.same("XGROUP", "CREATE", "e", "g", "0", "MKSTREAM")
    diff.same("XREADGROUP", "GROUP", "g", "alice", "COUNT", "3", "STREAMS", "s", ">")
    diff.same("XREADGROUP", "GROUP", "g", "bob", "STREAMS", "s", ">")
    diff.same("XGROUP", "CREATECONSUMER", "s", "g", "idle")
    run_table(diff, XACK_PENDING_CASES)
    for cmd in XPENDING_EXTENDED:
        same_masked(diff, mask_xpending_ext, *cmd)


XCLAIM_CASES = [
    ("XCLAIM", "nokey", "g", "c", "0", "1"),
    ("XCLAIM", "s", "nog", "c", "0", "1"),
    ("XCLAIM", "str", "g", "c", "0", "1"),
    ("XCLAIM", "s", "g", "c", "x", "1"),
    ("XCLAIM", "nokey", "g", "c", "x", "1"),
    ("XCLAIM", "s", "g", "c", "-5", "1", "JUSTID"),
    ("XCLAIM", "s", "g", "c", "0", "1", "FOO"),
    ("XCLAIM", "s", "g", "c", "0", "1", "FORCE", "2"),
    ("XCLAIM", "s", "g", "c", "0", "1", "IDLE"),
    ("XCLAIM", "s", "g", "c", "0", "1", "IDLE", "x"),
    ("XCLAIM", "s", "g", "c", "0", "1", "TIME", "x"),
    ("XCLAIM", "s", "g", "c", "0", "1", "RETRYCOUNT", "x"),
    ("XCLAIM", "s", "g", "c", "0", "1", "LASTID", "x"),
    ("XCLAIM", "s", "g", "c", "0", "1", "LASTID", "-"),
    ("XCLAIM", "s", "g", "c", "0", "-"),
    ("XPENDING", "s", "g"),
    ("XCLAIM", "s", "g", "carol", "3600000", "1"),          # too recent: nothing, and no consumer made
    ("XCLAIM", "s", "g", "carol", "0", "1", "2-0", "99", "TIME", "1000", "RETRYCOUNT", "7"),
    ("XPENDING", "s", "g"),
    ("XCLAIM", "s", "g", "carol", "0", "1", "JUSTID", "TIME", "5000"),
    ("XCLAIM", "s", "g", "dave", "0", "3", "4", "JUSTID", "RETRYCOUNT", "-3", "TIME", "2000"),
    ("XCLAIM", "s", "g", "dave", "0", "5", "FORCE", "JUSTID", "TIME", "3000"),   # not pending: FORCE adds it
    ("XCLAIM", "s", "g", "dave", "0", "6", "JUSTID", "TIME", "3000"),            # not pending, no FORCE
    ("XCLAIM", "s", "g", "dave", "0", "77", "FORCE", "JUSTID"),                  # not in the stream
    ("XPENDING", "s", "g"),
    ("XPENDING", "s", "g", "IDLE", "0", "-", "+", "1", "nobody"),
    ("XDEL", "s", "2-0"),
    ("XCLAIM", "s", "g", "erin", "0", "2", "3", "JUSTID", "TIME", "4000"),       # deleted: leaves the PEL
    ("XPENDING", "s", "g"),
    ("XCLAIM", "s", "g", "erin", "0", "1", "LASTID", "100-0", "TIME", "4000"),
    ("XINFO", "GROUPS", "s"),
    ("XCLAIM", "s", "g", "erin", "0", "9", "LASTID", "200-0"),
    ("XINFO", "GROUPS", "s"),
    ("XCLAIM", "s", "g", "erin", "0", "9", "lastid", "150-0", "force", "justid"),
    ("XINFO", "GROUPS", "s"),
    ("XCLAIM", "s", "g", "erin", "0", "FORCE"),
]


def test_xclaim(diff):
    diff.same("SET", "str", "x")
    fill(diff, "s", 6)
    diff.same("XGROUP", "CREATE", "s", "g", "0")
    diff.same("XREADGROUP", "GROUP", "g", "alice", "COUNT", "4", "STREAMS", "s", ">")
    run_table(diff, XCLAIM_CASES)
    same_masked(diff, mask_xinfo_consumers, "XINFO", "CONSUMERS", "s", "g")
    same_masked(diff, mask_xinfo_stream_full, "XINFO", "STREAM", "s", "FULL")
    same_masked(diff, mask_xpending_ext, "XPENDING", "s", "g", "-", "+", "10")


XAUTOCLAIM_CASES = [
    ("XAUTOCLAIM", "nokey", "g", "c", "0", "0"),
    ("XAUTOCLAIM", "nokey", "g", "c", "x", "0"),
    ("XAUTOCLAIM", "nokey", "g", "c", "0", "x"),
    ("XAUTOCLAIM", "nokey", "g", "c", "0", "0", "COUNT", "0"),
    ("XAUTOCLAIM", "s", "nog", "c", "0", "0"),
    ("XAUTOCLAIM", "str", "g", "c", "0", "0"),
    ("XAUTOCLAIM", "s", "g", "c", "0", "0", "COUNT", "0"),
    ("XAUTOCLAIM", "s", "g", "c", "0", "0", "COUNT", "-1"),
    ("XAUTOCLAIM", "s", "g", "c", "0", "0", "COUNT", "x"),
    ("XAUTOCLAIM", "s", "g", "c", "0", "0", "COUNT", "576460752303423487"),
    ("XAUTOCLAIM", "s", "g", "c", "0", "0", "COUNT", "576460752303423488"),
    ("XAUTOCLAIM", "s", "g", "c", "0", "0", "COUNT"),
    ("XAUTOCLAIM", "s", "g", "c", "0", "0", "FOO"),
    ("XAUTOCLAIM", "s", "g", "c", "0", "(-"),
    ("XAUTOCLAIM", "s", "g", "c", "0", f"({MAXID}"),
    ("XAUTOCLAIM", "s", "g", "c", "3600000", "0"),          # too recent
    ("XAUTOCLAIM", "s", "g", "bob", "0", "0", "COUNT", "2"),
    ("XAUTOCLAIM", "s", "g", "bob", "0", "(2", "COUNT", "2", "JUSTID"),
    ("XPENDING", "s", "g"),
    ("XDEL", "s", "3-0", "5-0"),
    ("XAUTOCLAIM", "s", "g", "carol", "0", "-", "COUNT", "3", "JUSTID"),
    ("XAUTOCLAIM", "s", "g", "carol", "-10", "0"),
    ("XAUTOCLAIM", "s", "g", "carol", "0", "7", "COUNT", "100"),
    ("XPENDING", "s", "g"),
    ("XAUTOCLAIM", "s", "g", "carol", "0", "+"),
]


def test_xautoclaim(diff):
    diff.same("SET", "str", "x")
    fill(diff, "s", 8)
    diff.same("XGROUP", "CREATE", "s", "g", "0")
    diff.same("XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", ">")
    run_table(diff, XAUTOCLAIM_CASES)
    same_masked(diff, mask_xinfo_stream_full, "XINFO", "STREAM", "s", "FULL")


# -- XINFO / XSETID ----------------------------------------------------------------------------------------------------
XINFO_CASES = [
    ("XINFO", "STREAM", "nokey"),
    ("XINFO", "STREAM", "str"),
    ("XINFO", "GROUPS", "nokey"),
    ("XINFO", "CONSUMERS", "nokey", "g"),
    ("XINFO", "CONSUMERS", "s", "nog"),
    ("XINFO", "CONSUMERS", "str", "g"),
    ("XINFO", "STREAM", "s", "FOO"),
    ("XINFO", "STREAM", "s", "FULL", "COUNT"),
    ("XINFO", "STREAM", "s", "FULL", "FOO", "1"),
    ("XINFO", "STREAM", "s", "FULL", "COUNT", "x"),
    ("XINFO", "STREAM", "s", "FULL", "COUNT", "1", "x"),
    ("XINFO", "STREAM", "nokey", "FOO"),
    ("XINFO", "STREAM", "s"),
    ("XINFO", "STREAM", "e"),
    ("XINFO", "GROUPS", "s"),
    ("XINFO", "GROUPS", "e"),
    ("XINFO", "GROUPS", "s2"),
]


def test_xinfo(diff):
    diff.same("SET", "str", "x")
    fill(diff, "s", 30, fields=("a", "1", "b", "2"))
    diff.same("XADD", "s2", "1-0", "f", "v")
    diff.same("XGROUP", "CREATE", "s", "zgroup", "0")
    diff.same("XGROUP", "CREATE", "s", "agroup", "$")
    diff.same("XGROUP", "CREATE", "s", "mgroup", "5")
    diff.same("XGROUP", "CREATE", "e", "g", "0", "MKSTREAM")
    diff.same("XREADGROUP", "GROUP", "zgroup", "zoe", "COUNT", "12", "STREAMS", "s", ">")
    diff.same("XREADGROUP", "GROUP", "zgroup", "adam", "COUNT", "3", "STREAMS", "s", ">")
    diff.same("XREADGROUP", "GROUP", "mgroup", "adam", "NOACK", "COUNT", "3", "STREAMS", "s", ">")
    run_table(diff, XINFO_CASES)
    for cmd in [("XINFO", "STREAM", "s", "FULL"), ("XINFO", "STREAM", "s", "FULL", "COUNT", "0"),
                ("XINFO", "STREAM", "s", "FULL", "COUNT", "2"), ("XINFO", "STREAM", "s", "full", "count", "-1"),
                ("XINFO", "STREAM", "e", "FULL"), ("XINFO", "STREAM", "s2", "FULL")]:
        same_masked(diff, mask_xinfo_stream_full, *cmd)
    for cmd in [("XINFO", "CONSUMERS", "s", "zgroup"), ("XINFO", "CONSUMERS", "s", "agroup")]:
        same_masked(diff, mask_xinfo_consumers, *cmd)


def test_group_lag_and_entries_read(diff):
    """The 7.0 counters: entries-read and lag through reads, deletions, trims and SETID."""
    fill(diff, "s", 10)
    steps = [
        ("XGROUP", "CREATE", "s", "a", "0"), ("XGROUP", "CREATE", "s", "b", "$"),
        ("XGROUP", "CREATE", "s", "c", "5-0"), ("XGROUP", "CREATE", "s", "d", "0", "ENTRIESREAD", "2"),
        ("XINFO", "GROUPS", "s"),
        ("XREADGROUP", "GROUP", "a", "x", "COUNT", "3", "STREAMS", "s", ">"),
        ("XREADGROUP", "GROUP", "c", "x", "COUNT", "1", "STREAMS", "s", ">"),
        ("XREADGROUP", "GROUP", "d", "x", "COUNT", "1", "STREAMS", "s", ">"),
        ("XINFO", "GROUPS", "s"),
        ("XDEL", "s", "8-0"),
        ("XINFO", "GROUPS", "s"),
        ("XREADGROUP", "GROUP", "a", "x", "COUNT", "3", "STREAMS", "s", ">"),
        ("XINFO", "GROUPS", "s"),
        ("XREADGROUP", "GROUP", "a", "x", "STREAMS", "s", ">"),
        ("XINFO", "GROUPS", "s"),
        ("XDEL", "s", "1-0"),
        ("XINFO", "GROUPS", "s"),
        ("XTRIM", "s", "MAXLEN", "3"),
        ("XINFO", "GROUPS", "s"),
        ("XADD", "s", "11-0", "f", "v"),
        ("XINFO", "GROUPS", "s"),
        ("XGROUP", "SETID", "s", "b", "0"),
        ("XGROUP", "SETID", "s", "c", "$", "ENTRIESREAD", "100"),
        ("XINFO", "GROUPS", "s"),
        ("XREADGROUP", "GROUP", "b", "x", "STREAMS", "s", ">"),
        ("XINFO", "GROUPS", "s"),
        ("XSETID", "s", "11-0", "ENTRIESADDED", "50", "MAXDELETEDID", "10-0"),
        ("XINFO", "GROUPS", "s"),
        ("XTRIM", "s", "MAXLEN", "0"),
        ("XINFO", "GROUPS", "s"),
        ("XINFO", "STREAM", "s"),
        ("XGROUP", "CREATE", "s", "e", "0"),
        ("XGROUP", "CREATE", "s", "f", "$"),
        ("XINFO", "GROUPS", "s"),
        ("XADD", "s", "12-0", "f", "v"),
        ("XREADGROUP", "GROUP", "e", "x", "STREAMS", "s", ">"),
        ("XINFO", "GROUPS", "s"),
    ]
    run_table(diff, steps)


XSETID_CASES = [
    ("XSETID", "nokey", "1-0"),
    ("XSETID", "nokey", "x"),
    ("XSETID", "str", "1-0"),
    ("XSETID", "s", "x"),
    ("XSETID", "s", "-"),
    ("XSETID", "s", "2-0"),                       # below the top item
    ("XSETID", "s", "5-0"),
    ("XSETID", "s", "4-0"),                       # lower than before but not below the top item
    ("XINFO", "STREAM", "s"),
    ("XSETID", "s", "9-0", "ENTRIESADDED"),
    ("XSETID", "s", "9-0", "ENTRIESADDED", "x"),
    ("XSETID", "s", "9-0", "ENTRIESADDED", "-1"),
    ("XSETID", "s", "9-0", "ENTRIESADDED", "2"),   # below the length
    ("XSETID", "s", "9-0", "ENTRIESADDED", "3"),
    ("XSETID", "s", "9-0", "MAXDELETEDID", "10-0"),
    ("XSETID", "s", "9-0", "MAXDELETEDID", "x"),
    ("XSETID", "s", "9-0", "MAXDELETEDID", "+"),
    ("XSETID", "s", "9-0", "MAXDELETEDID", "8-0", "ENTRIESADDED", "20"),
    ("XSETID", "s", "9-0", "FOO", "1"),
    ("XSETID", "nokey", "9-0", "FOO", "1"),
    ("XSETID", "s", "9-0", "MAXDELETEDID", "0-0"),  # 0-0 leaves it alone
    ("XINFO", "STREAM", "s"),
    ("XSETID", "s", "7-0"),                       # below max-deleted-entry-id: allowed in 7.0
    ("XINFO", "STREAM", "s"),
    ("XADD", "s", "8-0", "f", "v"),
    ("XSETID", "e", "1-0", "ENTRIESADDED", "0"),
    ("XINFO", "STREAM", "e"),
    ("XADD", "e", "1-0", "f", "v"),
    ("XADD", "e", "1-1", "f", "v"),
]


def test_xsetid(diff):
    diff.same("SET", "str", "x")
    fill(diff, "s", 3)
    diff.same("XGROUP", "CREATE", "e", "g", "$", "MKSTREAM")
    run_table(diff, XSETID_CASES)


def test_ids_out_of_storage_order(diff):
    """XSETID may move the last ID below deleted entries; what is added next sits after greater (deleted) IDs,
    even an ID equal to a tombstone's. Redis scans its listpacks in storage order, and so must kvs."""
    run_table(diff, [
        ("XADD", "s", "1-0", "f", "v"), ("XADD", "s", "2-0", "f", "v"), ("XADD", "s", "3-0", "f", "v"),
        ("XADD", "s", "4-0", "f", "v"), ("XDEL", "s", "3-0", "4-0"), ("XSETID", "s", "2-5"),
        ("XADD", "s", "2-6", "f", "a"), ("XADD", "s", "3-0", "f", "b"), ("XADD", "s", "3-1", "f", "c"),
        ("XRANGE", "s", "-", "+"), ("XRANGE", "s", "3", "3"), ("XRANGE", "s", "2-7", "+"),
        ("XREVRANGE", "s", "+", "-"), ("XREVRANGE", "s", "3-0", "2-7"), ("XRANGE", "s", "4", "+"),
        ("XREVRANGE", "s", "4", "-"), ("XREAD", "STREAMS", "s", "2-6"), ("XREAD", "STREAMS", "s", "3-0"),
        ("XINFO", "STREAM", "s"), ("XGROUP", "CREATE", "s", "g", "0"),
        ("XREADGROUP", "GROUP", "g", "c", "COUNT", "2", "STREAMS", "s", ">"),
        ("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">"), ("XCLAIM", "s", "g", "d", "0", "3-0", "JUSTID"),
        ("XDEL", "s", "3-0"), ("XRANGE", "s", "-", "+"), ("XINFO", "STREAM", "s"),
        ("XTRIM", "s", "MINID", "3-1"), ("XRANGE", "s", "-", "+"), ("XINFO", "STREAM", "s"),
        ("XTRIM", "s", "MINID", "~", "9"), ("XINFO", "STREAM", "s"), ("XTRIM", "s", "MAXLEN", "0"),
        ("XINFO", "STREAM", "s"),
    ])


def test_node_of_tombstones_and_lower_ids(diff):
    """Exact MINID trimming can leave a node holding only tombstones; after XSETID lowers the last ID, new entries
    land in it, and then in a node that the radix tree orders before it."""
    diff.same("CONFIG", "SET", "stream-node-max-entries", "3")
    try:
        run_table(diff, [
            ("XADD", "t", "5-0", "f", "v"), ("XADD", "t", "6-0", "f", "v"), ("XADD", "t", "7-0", "f", "v"),
            ("XDEL", "t", "7-0"), ("XTRIM", "t", "MINID", "7"), ("XINFO", "STREAM", "t"), ("XSETID", "t", "1-0"),
            ("XADD", "t", "2-0", "f", "x"), ("XINFO", "STREAM", "t"), ("XRANGE", "t", "-", "+"),
            ("XREVRANGE", "t", "+", "-"), ("XADD", "t", "3-0", "f", "x"), ("XADD", "t", "4-0", "f", "x"),
            ("XINFO", "STREAM", "t"), ("XRANGE", "t", "-", "+"), ("XRANGE", "t", "3", "+"),
            ("XREVRANGE", "t", "+", "-"), ("XDEL", "t", "2-0"), ("XRANGE", "t", "-", "+"), ("XINFO", "STREAM", "t"),
            ("XADD", "t", "4-1", "f", "y"), ("XADD", "t", "4-2", "f", "y"), ("XINFO", "STREAM", "t"),
            ("XRANGE", "t", "-", "+"), ("XTRIM", "t", "MAXLEN", "2"), ("XRANGE", "t", "-", "+"),
            ("XINFO", "STREAM", "t"),
        ])
    finally:
        diff.same("CONFIG", "SET", "stream-node-max-entries", "100")


# -- the key space -------------------------------------------------------------------------------------------------
def test_wrongtype_everywhere(diff):
    diff.same("SET", "str", "x")
    fill(diff, "s", 2)
    run_table(diff, [
        ("XLEN", "str"), ("XADD", "str", "*", "a", "1"), ("XRANGE", "str", "-", "+"),
        ("XREVRANGE", "str", "+", "-"), ("XDEL", "str", "1"), ("XTRIM", "str", "MAXLEN", "1"),
        ("XGROUP", "CREATE", "str", "g", "0"), ("XACK", "str", "g", "1"), ("XPENDING", "str", "g"),
        ("XCLAIM", "str", "g", "c", "0", "1"), ("XAUTOCLAIM", "str", "g", "c", "0", "0"),
        ("XINFO", "STREAM", "str"), ("XSETID", "str", "1"),
        ("GET", "s"), ("INCR", "s"), ("APPEND", "s", "x"),
    ])


def test_type_encoding_copy_rename(diff):
    fill(diff, "s", 3)
    diff.same("XGROUP", "CREATE", "s", "g", "0")
    diff.same("XREADGROUP", "GROUP", "g", "c", "COUNT", "2", "STREAMS", "s", ">")
    run_table(diff, [
        ("TYPE", "s"), ("OBJECT", "ENCODING", "s"), ("EXISTS", "s"),
        ("COPY", "s", "s2"), ("XADD", "s2", "9-0", "f", "v"), ("XACK", "s2", "g", "1"),
        ("XLEN", "s"), ("XLEN", "s2"), ("XPENDING", "s", "g"), ("XPENDING", "s2", "g"),
        ("XINFO", "STREAM", "s"), ("XINFO", "STREAM", "s2"),
        ("RENAME", "s2", "s3"), ("XRANGE", "s3", "-", "+"), ("DEL", "s"), ("EXISTS", "s"),
        ("SCAN", "0", "TYPE", "stream"),
    ])


# -- a seeded random differential sequence ---------------------------------------------------------------------------
def _random_ops(seed: int, n: int):
    rnd = random.Random(seed)
    keys = ["s1", "s2"]
    groups = ["g1", "g2", "g3"]
    consumers = ["alice", "bob", "carol"]
    next_ms = {k: 1 for k in keys}
    values = ["v", "1", "-7", "12345678901", "x" * 70, "", "007"]
    fieldsets = [("f",), ("f", "g"), ("a", "b", "c"), ("12",)]

    added = {k: [] for k in keys}

    def rid(key):
        # Mostly IDs that were added (so deletes, acks and claims hit), sometimes anything up to the top.
        if added[key] and rnd.random() < 0.7:
            return rnd.choice(added[key][-60:])
        top = max(next_ms[key], 2)
        return f"{rnd.randint(0, top)}-{rnd.randint(0, 3)}"

    def rbound(key):
        return rnd.choice(["-", "+", rid(key), "(" + rid(key)])

    ops = []
    for _ in range(n):
        key = rnd.choice(keys)
        r = rnd.random()
        if r < 0.30:
            ms = next_ms[key]
            next_ms[key] += rnd.choice([0, 1, 1, 2, 50])
            fs = rnd.choice(fieldsets)
            fv = [x for f in fs for x in (f, rnd.choice(values))]
            seq = rnd.choice(["*", str(rnd.randint(0, 2)), None])
            xid = f"{ms}-{seq}" if seq is not None else str(ms)
            added[key].append(f"{ms}-{seq if seq not in (None, '*') else 0}")
            trim = []
            t = rnd.random()
            if t < 0.1:
                trim = ["MAXLEN", rnd.choice(["~", "=", None]), str(rnd.randint(0, 40))]
            elif t < 0.15:
                trim = ["MINID", rnd.choice(["~", "="]), rid(key)]
            elif t < 0.17:
                trim = ["MAXLEN", "~", str(rnd.randint(0, 40)), "LIMIT", str(rnd.randint(0, 30))]
            ops.append(("XADD", key, *[a for a in trim if a is not None], xid, *fv))
        elif r < 0.36:
            ops.append(("XDEL", key, *[rid(key) for _ in range(rnd.randint(1, 4))]))
        elif r < 0.40:
            ops.append(("XTRIM", key, rnd.choice(["MAXLEN", "MINID"]), rnd.choice(["~", "="]),
                        str(rnd.randint(0, 60)) if rnd.random() < 0.5 else rid(key)))
        elif r < 0.47:
            cmd = rnd.choice(["XRANGE", "XREVRANGE"])
            a, b = rbound(key), rbound(key)
            extra = ("COUNT", str(rnd.randint(0, 5))) if rnd.random() < 0.5 else ()
            ops.append((cmd, key, a, b, *extra))
        elif r < 0.50:
            ops.append(("XLEN", key))
        elif r < 0.53:
            ops.append(("XREAD", "COUNT", str(rnd.randint(0, 4)), "STREAMS", *keys,
                        rnd.choice(["$", "0", rid("s1")]), rnd.choice(["$", "0", rid("s2")])))
        elif r < 0.57:
            sub = rnd.random()
            g = rnd.choice(groups)
            if sub < 0.4:
                ops.append(("XGROUP", "CREATE", key, g, rnd.choice(["$", "0", rid(key)]),
                            *(["MKSTREAM"] if rnd.random() < 0.3 else [])))
            elif sub < 0.7:
                ops.append(("XGROUP", "SETID", key, g, rnd.choice(["$", "0", rid(key)]),
                            *(["ENTRIESREAD", str(rnd.randint(-1, 20))] if rnd.random() < 0.3 else [])))
            elif sub < 0.8:
                ops.append(("XGROUP", "DESTROY", key, g))
            elif sub < 0.9:
                ops.append(("XGROUP", "CREATECONSUMER", key, g, rnd.choice(consumers)))
            else:
                ops.append(("XGROUP", "DELCONSUMER", key, g, rnd.choice(consumers)))
        elif r < 0.70:
            opts = []
            if rnd.random() < 0.5:
                opts += ["COUNT", str(rnd.randint(0, 4))]
            if rnd.random() < 0.2:
                opts.append("NOACK")
            ops.append(("XREADGROUP", "GROUP", rnd.choice(groups), rnd.choice(consumers), *opts, "STREAMS", key,
                        rnd.choice([">", ">", ">", "0", rid(key)])))
        elif r < 0.76:
            ops.append(("XACK", key, rnd.choice(groups), *[rid(key) for _ in range(rnd.randint(1, 3))]))
        elif r < 0.78:
            ops.append(("XPENDING", key, rnd.choice(groups)))
        elif r < 0.80:
            idle = ["IDLE", "0"] if rnd.random() < 0.3 else []
            who = [rnd.choice(consumers)] if rnd.random() < 0.5 else []
            ops.append(("XPENDING", key, rnd.choice(groups), *idle, rbound(key), rbound(key),
                        str(rnd.randint(0, 6)), *who))
        elif r < 0.83:
            opts = [rnd.choice(["JUSTID", "FORCE", "RETRYCOUNT", "TIME", "LASTID"]) for _ in range(rnd.randint(0, 2))]
            args = []
            for o in opts:
                args.append(o)
                if o in ("RETRYCOUNT", "TIME"):
                    args.append(str(rnd.randint(0, 5000)))
                elif o == "LASTID":
                    args.append(rid(key))
            ops.append(("XCLAIM", key, rnd.choice(groups), rnd.choice(consumers), "0",
                        *[rid(key) for _ in range(rnd.randint(1, 3))], "JUSTID", "TIME", "1000", *args))
        elif r < 0.85:
            ops.append(("XCLAIM", key, rnd.choice(groups), rnd.choice(consumers), "0",
                        *[rid(key) for _ in range(rnd.randint(1, 3))]))
        elif r < 0.86:
            ops.append(("XREADGROUP", "GROUP", rnd.choice(groups), rnd.choice(consumers), "COUNT", "3", "STREAMS",
                        *keys, ">", rnd.choice([">", "0"])))
        elif r < 0.87:
            ops.append(("XINFO", "CONSUMERS", key, rnd.choice(groups)))
        elif r < 0.875:
            ops.append(("DEL", key))
            next_ms[key] = 1
            added[key] = []
        elif r < 0.89:
            ops.append(("XAUTOCLAIM", key, rnd.choice(groups), rnd.choice(consumers), "0", rbound(key),
                        "COUNT", str(rnd.randint(1, 5)), *(["JUSTID"] if rnd.random() < 0.5 else [])))
        elif r < 0.95:
            ops.append(("XINFO", "GROUPS", key))
        elif r < 0.98:
            ops.append(("XINFO", "STREAM", key))
        else:
            ms = next_ms[key] + rnd.choice([-3, 0, 5])
            next_ms[key] = max(next_ms[key], ms + 1)
            extra = []
            if rnd.random() < 0.5:
                extra += ["ENTRIESADDED", str(rnd.randint(0, 200))]
            if rnd.random() < 0.3:
                extra += ["MAXDELETEDID", rid(key)]
            ops.append(("XSETID", key, f"{max(ms, 0)}-0", *extra))
    return ops


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_sequence(diff, seed):
    diff.same("CONFIG", "SET", "stream-node-max-entries", "5")
    try:
        for op in _random_ops(seed, 2000):
            if op[0] == "XPENDING" and len(op) > 3:
                same_masked(diff, mask_xpending_ext, *op)
            elif op[:2] == ("XINFO", "CONSUMERS"):
                same_masked(diff, mask_xinfo_consumers, *op)
            else:
                diff.same(*op)
        for key in ("s1", "s2"):
            for cmd in [("XINFO", "STREAM", key, "FULL", "COUNT", "0")]:
                a, b = diff.both(*cmd)
                if a[:1] == b"-":
                    assert a == b
                else:
                    assert mask_xinfo_stream_full(parse_resp(a)) == mask_xinfo_stream_full(parse_resp(b)), cmd
    finally:
        diff.same("CONFIG", "SET", "stream-node-max-entries", "100")


# -- WATCH -----------------------------------------------------------------------------------------------------------
def _exec_after(port, setup, cmd):
    """Reply of EXEC in a transaction WATCHing s while another connection ran `cmd`."""
    from tests.rawconn import RawConn
    a, b = RawConn(port), RawConn(port)
    try:
        b.call("FLUSHALL")
        for c in setup:
            b.call(*c)
        a.call("WATCH", "s")
        b.call(*cmd)
        a.call("MULTI")
        a.call("PING")
        return a.call("EXEC")
    finally:
        a.close()
        b.close()


WATCH_SETUP = [("XADD", "s", "1-0", "f", "v"), ("XADD", "s", "2-0", "f", "v"), ("XGROUP", "CREATE", "s", "g", "0"),
               ("XREADGROUP", "GROUP", "g", "c", "COUNT", "1", "STREAMS", "s", ">")]


@pytest.mark.parametrize("cmd", [("XADD", "s", "9-0", "f", "v"), ("XDEL", "s", "2-0"), ("XTRIM", "s", "MAXLEN", "0"),
                                 ("XGROUP", "CREATE", "new", "g", "$", "MKSTREAM"),
                                 ("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">")])
def test_watch(kvs_server, redis_server, cmd):
    watched = cmd if cmd[0] != "XGROUP" else ("XGROUP", "CREATE", "s", "g2", "$", "MKSTREAM")
    setup = WATCH_SETUP if cmd[0] != "XGROUP" else []
    assert _exec_after(kvs_server.port, setup, watched) == _exec_after(redis_server.port, setup, watched)


@pytest.mark.parametrize("cmd", [("XACK", "s", "g", "1-0"), ("XCLAIM", "s", "g", "d", "0", "1-0"),
                                 ("XAUTOCLAIM", "s", "g", "d", "0", "0"), ("XGROUP", "SETID", "s", "g", "0"),
                                 ("XGROUP", "CREATECONSUMER", "s", "g", "z"), ("XGROUP", "DELCONSUMER", "s", "g", "c"),
                                 ("XGROUP", "CREATE", "s", "g9", "0"), ("XGROUP", "CREATE", "s", "g9", "0", "MKSTREAM"),
                                 ("XGROUP", "DESTROY", "s", "g"), ("XSETID", "s", "5-0")])
def test_watch_not_touched_by_group_changes(kvs_server, redis_server, cmd):
    """Consumer-group bookkeeping does not count as modifying the key for WATCH (creating the key does)."""
    assert _exec_after(kvs_server.port, WATCH_SETUP, cmd) == _exec_after(redis_server.port, WATCH_SETUP, cmd)
