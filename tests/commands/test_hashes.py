"""Differential tests of the hash commands (Redis's t_hash.c): each command goes to kvs and to a real redis-server
and the raw reply bytes must be identical, errors included. Small (listpack) hashes keep insertion order in Redis,
so their whole-hash replies are compared exactly; hashtable-encoded ones are compared as sets."""
import random

import pytest

from tests.commands.diffhelp import LLONG_MAX, LLONG_MIN, parse_flat, run_table

pytestmark = pytest.mark.interop

LONG = "x" * 65          # longer than the default hash-max-listpack-value (64)

ARITY = [
    ("HSET",), ("HSET", "h"), ("HSET", "h", "f"), ("HSET", "h", "f", "v", "g"), ("HMSET", "h", "f"),
    ("HMSET", "h", "f", "v", "g"), ("HSETNX", "h", "f"), ("HSETNX", "h", "f", "v", "x"), ("HGET", "h"),
    ("HGET", "h", "f", "x"), ("HMGET", "h"), ("HDEL", "h"), ("HLEN",), ("HLEN", "h", "x"), ("HSTRLEN", "h"),
    ("HEXISTS", "h"), ("HKEYS",), ("HVALS", "h", "x"), ("HGETALL",), ("HGETALL", "h", "x"),
    ("HINCRBY", "h", "f"), ("HINCRBY", "h", "f", "1", "2"), ("HINCRBYFLOAT", "h", "f"),
    ("HINCRBYFLOAT", "h", "f", "1", "2"), ("HRANDFIELD",), ("HSCAN", "h"), ("hset", "h"),
]


def test_wrong_arity(diff):
    diff.same("HSET", "h", "f", "v")
    run_table(diff, ARITY)
    diff.same("HGETALL", "h")


WRONGTYPE = [
    ("HSET", "s", "f", "v"), ("HMSET", "s", "f", "v"), ("HSETNX", "s", "f", "v"), ("HGET", "s", "f"),
    ("HMGET", "s", "f"), ("HDEL", "s", "f"), ("HLEN", "s"), ("HSTRLEN", "s", "f"), ("HEXISTS", "s", "f"),
    ("HKEYS", "s"), ("HVALS", "s"), ("HGETALL", "s"), ("HINCRBY", "s", "f", "1"), ("HINCRBYFLOAT", "s", "f", "1"),
    ("HRANDFIELD", "s"), ("HRANDFIELD", "s", "1"), ("HRANDFIELD", "s", "1", "WITHVALUES"), ("HSCAN", "s", "0"),
    ("HSCAN", "s", "0", "FOO"), ("HSCAN", "s", "x"),
    # argument errors come before the type check
    ("HINCRBY", "s", "f", "x"), ("HINCRBYFLOAT", "s", "f", "x"), ("HINCRBYFLOAT", "s", "f", "inf"),
    ("HRANDFIELD", "s", "x"), ("HRANDFIELD", "s", "1", "FOO"),
    ("GET", "h"), ("LPUSH", "h", "x"), ("SADD", "h", "x"), ("TYPE", "h"), ("GET", "s"),
]


def test_wrongtype(diff):
    diff.same("SET", "s", "v")
    diff.same("HSET", "h", "f", "v")
    run_table(diff, WRONGTYPE)


SET_GET = [
    ("HSET", "h", "a", "1"), ("HSET", "h", "b", "2", "c", "3"), ("HSET", "h", "a", "1", "b", "20", "d", "4"),
    ("HSET", "h", "e", "5", "e", "6"), ("HGET", "h", "e"), ("HGETALL", "h"),
    ("HMSET", "h", "a", "10", "z", "26"), ("HGETALL", "h"), ("HSETNX", "h", "a", "x"), ("HSETNX", "h", "n", "x"),
    ("HSETNX", "new", "f", "v"), ("HGETALL", "new"),
    ("HGET", "h", "a"), ("HGET", "h", "nosuch"), ("HGET", "nokey", "a"),
    ("HMGET", "h", "a", "nosuch", "b", "a"), ("HMGET", "nokey", "a", "b"),
    ("HLEN", "h"), ("HLEN", "nokey"), ("HSTRLEN", "h", "a"), ("HSTRLEN", "h", "nosuch"), ("HSTRLEN", "nokey", "a"),
    ("HEXISTS", "h", "a"), ("HEXISTS", "h", "nosuch"), ("HEXISTS", "nokey", "a"),
    ("HKEYS", "h"), ("HVALS", "h"), ("HKEYS", "nokey"), ("HVALS", "nokey"), ("HGETALL", "nokey"),
    ("HDEL", "h", "a"), ("HDEL", "h", "a"), ("HDEL", "h", "b", "b", "nosuch", "c"), ("HDEL", "nokey", "a"),
    ("HGETALL", "h"), ("HSET", "h", "a", "again"), ("HGETALL", "h"),
    ("HDEL", "h", "d", "e", "z", "n", "a", "extra"), ("EXISTS", "h"),
    ("HSET", "h", "", ""), ("HGET", "h", ""), ("HSTRLEN", "h", ""), ("HSET", "b", b"\x00\xff", b"\r\n"),
    ("HGETALL", "b"), ("HSET", "n", "i", "12345", "neg", "-7", "big", "99999999999999999999"), ("HGETALL", "n"),
    ("OBJECT", "ENCODING", "n"), ("TYPE", "n"),
]


def test_set_get_del(diff):
    run_table(diff, SET_GET)


INCR = [
    ("HINCRBY", "h", "n", "5"), ("HINCRBY", "h", "n", "-10"), ("HINCRBY", "h", "n", "0"), ("HGET", "h", "n"),
    ("HINCRBY", "h", "n", "x"), ("HINCRBY", "h", "n", "1.5"), ("HINCRBY", "h", "n", "9223372036854775808"),
    ("HSET", "h", "m", str(LLONG_MAX)), ("HINCRBY", "h", "m", "1"), ("HINCRBY", "h", "m", "-1"),
    ("HSET", "h", "m", str(LLONG_MIN)), ("HINCRBY", "h", "m", "-1"), ("HINCRBY", "h", "m", str(LLONG_MAX)),
    ("HSET", "h", "s", "abc", "f", "1.5", "sp", " 1", "e", "", "z", "01"),
    ("HINCRBY", "h", "s", "1"), ("HINCRBY", "h", "f", "1"), ("HINCRBY", "h", "sp", "1"), ("HINCRBY", "h", "e", "1"),
    ("HINCRBY", "h", "z", "1"), ("HINCRBY", "nokey", "f", "x"), ("EXISTS", "nokey"),
    ("HINCRBY", "new", "f", str(LLONG_MIN)), ("HGETALL", "new"),
    ("HINCRBYFLOAT", "h", "fl", "1.5"), ("HINCRBYFLOAT", "h", "fl", "0.1"), ("HINCRBYFLOAT", "h", "fl", "-1.6"),
    ("HINCRBYFLOAT", "h", "fl", "1e3"), ("HINCRBYFLOAT", "h", "fl", "3.0e-5"), ("HINCRBYFLOAT", "h", "n", "1"),
    ("HINCRBYFLOAT", "h", "f", "0"), ("HINCRBYFLOAT", "h", "m", "-1"), ("HINCRBYFLOAT", "h", "s", "1"),
    ("HINCRBYFLOAT", "h", "sp", "1"), ("HINCRBYFLOAT", "h", "e", "1"), ("HINCRBYFLOAT", "h", "z", "1"),
    ("HINCRBYFLOAT", "h", "fl", "x"), ("HINCRBYFLOAT", "h", "fl", ""), ("HINCRBYFLOAT", "h", "fl", " 1"),
    ("HINCRBYFLOAT", "h", "fl", "inf"), ("HINCRBYFLOAT", "h", "fl", "-inf"), ("HINCRBYFLOAT", "h", "fl", "nan"),
    ("HINCRBYFLOAT", "h", "fl", "1e400"), ("HSET", "h", "huge", "1e308"), ("HINCRBYFLOAT", "h", "huge", "1e308"),
    ("HINCRBYFLOAT", "h", "huge", "-1e308"), ("HINCRBYFLOAT", "nokey", "f", "x"), ("EXISTS", "nokey"),
    ("HINCRBYFLOAT", "h", "big", "1e70"), ("HGET", "h", "big"), ("OBJECT", "ENCODING", "h"),
    ("HINCRBYFLOAT", "h2", "f", "10.50"), ("HGETALL", "h2"), ("OBJECT", "ENCODING", "h2"),
]


def test_hincrby_hincrbyfloat(diff):
    run_table(diff, INCR)


ENCODING = [
    ("HSET", "h1", "f", "x" * 64), ("OBJECT", "ENCODING", "h1"),
    ("HSET", "h2", "f", LONG), ("OBJECT", "ENCODING", "h2"),
    ("HSET", "h3", LONG, "v"), ("OBJECT", "ENCODING", "h3"),
    ("HSET", "h4", "a", "1"), ("HSETNX", "h4", "a", LONG), ("OBJECT", "ENCODING", "h4"),
    ("HSETNX", "h4", "b", LONG), ("OBJECT", "ENCODING", "h4"), ("HDEL", "h4", "b"), ("OBJECT", "ENCODING", "h4"),
    ("HSETNX", "h5", LONG, "1"), ("OBJECT", "ENCODING", "h5"),
    ("HINCRBY", "h6", LONG, "1"), ("OBJECT", "ENCODING", "h6"),
    ("HINCRBYFLOAT", "h7", LONG, "1"), ("OBJECT", "ENCODING", "h7"),
    ("HSET", "h8", "a", "1"), ("HINCRBY", "h8", "a", str(LLONG_MAX - 1)), ("OBJECT", "ENCODING", "h8"),
    ("HMSET", "h9", *[str(i) for i in range(1024)]), ("OBJECT", "ENCODING", "h9"),
    ("HSET", "h9", "512", "x"), ("OBJECT", "ENCODING", "h9"), ("HDEL", "h9", "512", "0", "2"),
    ("OBJECT", "ENCODING", "h9"), ("HLEN", "h9"),
    ("HSET", "h10", LONG, "1", "a", "2"), ("HDEL", "h10", LONG), ("OBJECT", "ENCODING", "h10"),
    ("HSET", "h11", "a", "1", "b", LONG), ("OBJECT", "ENCODING", "h11"), ("HSET", "h12", "a"),
    ("EXISTS", "h12"), ("COPY", "h2", "h2c"), ("OBJECT", "ENCODING", "h2c"), ("COPY", "h1", "h1c"),
    ("OBJECT", "ENCODING", "h1c"),
]


def test_encoding(diff):
    run_table(diff, ENCODING)


def test_encoding_follows_config(diff):
    try:
        run_table(diff, [
            ("CONFIG", "SET", "hash-max-listpack-entries", "2"), ("HSET", "h", "a", "1", "b", "2"),
            ("OBJECT", "ENCODING", "h"), ("HSET", "h", "c", "3"), ("OBJECT", "ENCODING", "h"),
            ("HSET", "i", "a", "1", "b", "2"), ("CONFIG", "SET", "hash-max-listpack-entries", "1"),
            ("OBJECT", "ENCODING", "i"), ("HSET", "i", "a", "9"), ("OBJECT", "ENCODING", "i"),
            ("CONFIG", "SET", "hash-max-listpack-entries", "0"), ("HSET", "j", "a", "1"), ("OBJECT", "ENCODING", "j"),
            ("HSETNX", "k", "a", "1"), ("OBJECT", "ENCODING", "k"), ("HINCRBY", "l", "a", "1"),
            ("OBJECT", "ENCODING", "l"),
            ("CONFIG", "SET", "hash-max-listpack-entries", "512"), ("CONFIG", "SET", "hash-max-listpack-value", "0"),
            ("HSET", "m", "", ""), ("OBJECT", "ENCODING", "m"), ("HSET", "n", "a", ""), ("OBJECT", "ENCODING", "n"),
            ("CONFIG", "SET", "hash-max-listpack-value", "3"), ("HSET", "o", "abc", "def"),
            ("OBJECT", "ENCODING", "o"), ("HINCRBYFLOAT", "o", "abc", "1"), ("OBJECT", "ENCODING", "o"),
            ("HINCRBYFLOAT", "o", "x", "1000"), ("OBJECT", "ENCODING", "o"),
        ])
    finally:
        for name, value in (("hash-max-listpack-entries", "512"), ("hash-max-listpack-value", "64")):
            diff.same("CONFIG", "SET", name, value)


HRANDFIELD = [
    ("HSET", "h", "a", "1", "b", "2", "c", "3"),
    ("HRANDFIELD", "h", "3"), ("HRANDFIELD", "h", "5"), ("HRANDFIELD", "h", str(LLONG_MAX)),
    ("HRANDFIELD", "h", "3", "WITHVALUES"), ("HRANDFIELD", "h", "4", "withvalues"), ("HRANDFIELD", "h", "0"),
    ("HRANDFIELD", "h", "0", "WITHVALUES"), ("HRANDFIELD", "nokey"), ("HRANDFIELD", "nokey", "3"),
    ("HRANDFIELD", "nokey", "-3", "WITHVALUES"), ("HRANDFIELD", "nokey", "0"),
    ("HRANDFIELD", "h", "x"), ("HRANDFIELD", "h", "1.5"), ("HRANDFIELD", "h", str(LLONG_MIN)),
    ("HRANDFIELD", "h", "9223372036854775808"), ("HRANDFIELD", "h", "1", "FOO"),
    ("HRANDFIELD", "h", "1", "WITHVALUES", "x"),
    ("HRANDFIELD", "h", "x", "FOO"), ("HRANDFIELD", "nokey", "1", "FOO"), ("HRANDFIELD", "nokey", "x"),
    ("HRANDFIELD", "h", str(LLONG_MAX // 2 + 1), "WITHVALUES"), ("HRANDFIELD", "h", str(LLONG_MAX // 2), "WITHVALUES"),
    ("HRANDFIELD", "h", str(-(LLONG_MAX // 2) - 1), "WITHVALUES"), ("HRANDFIELD", "h", str(LLONG_MAX), "WITHVALUES"),
    ("HRANDFIELD", "h", str(-LLONG_MAX), "WITHVALUES"),
]


def test_hrandfield_deterministic_cases(diff):
    run_table(diff, HRANDFIELD)


def _resp2_items(raw):
    return parse_flat(raw)


def test_hrandfield_random_cases(diff):
    fields = {f"f{i}": f"v{i}" for i in range(10)}
    diff.same("HSET", "h", *[x for kv in fields.items() for x in kv])
    order = list(fields)
    for _ in range(30):
        one = diff.k.call("HRANDFIELD", "h")
        assert parse_flat(one).decode() in fields
        got = [x.decode() for x in _resp2_items(diff.k.call("HRANDFIELD", "h", "4"))]
        assert len(got) == 4 and len(set(got)) == 4
        # A listpack answers a positive count in its own (insertion) order.
        assert got == sorted(got, key=order.index)
        rep = [x.decode() for x in _resp2_items(diff.k.call("HRANDFIELD", "h", "-20"))]
        assert len(rep) == 20 and set(rep) <= set(fields)
        pairs = _resp2_items(diff.k.call("HRANDFIELD", "h", "-5", "WITHVALUES"))
        assert len(pairs) == 10
        for f, v in zip(pairs[::2], pairs[1::2]):
            assert fields[f.decode()] == v.decode()
    seen = {parse_flat(diff.k.call("HRANDFIELD", "h")) for _ in range(300)}
    assert len(seen) == 10
    for count in ("3", "-3"):
        a, b = diff.both("HRANDFIELD", "h", count, "WITHVALUES")
        assert len(parse_flat(a)) == len(parse_flat(b)) == 6
    diff.both("HELLO", "3")
    raw = diff.k.call("HRANDFIELD", "h", "-2", "WITHVALUES")
    assert raw.startswith(b"*2\r\n*2\r\n$2\r\nf")


def test_hrandfield_hashtable(diff):
    diff.same("HSET", "h", *[x for i in range(600) for x in (f"f{i}", f"v{i}")])
    diff.same("OBJECT", "ENCODING", "h")
    a, b = diff.both("HRANDFIELD", "h", "1000", "WITHVALUES")
    pa, pb = parse_flat(a), parse_flat(b)
    assert sorted(zip(pa[::2], pa[1::2])) == sorted(zip(pb[::2], pb[1::2]))
    got = parse_flat(diff.k.call("HRANDFIELD", "h", "300"))
    assert len(set(got)) == 300
    assert parse_flat(diff.k.call("HRANDFIELD", "h")).startswith(b"f")


HSCAN = [
    ("HSET", "h", "z", "1", "a", "2", "m", "3", "ab", "4"), ("HSET", "h", "a", "5"),
    ("HSCAN", "h", "0"), ("HSCAN", "h", "0", "COUNT", "1"), ("HSCAN", "h", "7"), ("HSCAN", "h", "0", "MATCH", "a*"),
    ("HSCAN", "h", "0", "MATCH", "nothing"), ("HSCAN", "h", "0", "match", "*", "count", "100"),
    ("HSCAN", "nokey", "0"), ("HSCAN", "nokey", "0", "FOO"), ("HSCAN", "nokey", "x"),
    ("HSCAN", "h", "x"), ("HSCAN", "h", "-1"), ("HSCAN", "h", "18446744073709551616"), ("HSCAN", "h", " 0"),
    ("HSCAN", "h", "0", "COUNT", "0"), ("HSCAN", "h", "0", "COUNT", "-1"), ("HSCAN", "h", "0", "COUNT", "x"),
    ("HSCAN", "h", "0", "TYPE", "string"), ("HSCAN", "h", "0", "FOO"), ("HSCAN", "h", "0", "MATCH"),
    ("HSCAN", "h", "0", "NOVALUES"),
]


def test_hscan_listpack(diff):
    run_table(diff, HSCAN)


def _full_scan(conn, *cmd):
    cursor = b"0"
    seen = []
    for _ in range(10000):
        reply = parse_flat(conn.call(cmd[0], cmd[1], cursor, *cmd[2:]))
        cursor, items = reply
        seen += list(zip(items[::2], items[1::2]))
        if cursor == b"0":
            return seen
    raise AssertionError("scan did not finish")


def test_hscan_hashtable(diff):
    fields = [x for i in range(700) for x in (f"f{i}", f"v{i}")]
    diff.same("HSET", "h", *fields)
    for extra in ((), ("COUNT", "7"), ("MATCH", "f1*"), ("MATCH", "f1*", "COUNT", "1000")):
        ks = _full_scan(diff.k, "HSCAN", "h", *extra)
        rs = _full_scan(diff.r, "HSCAN", "h", *extra)
        assert sorted(set(ks)) == sorted(set(rs))
    # Changes during the iteration: every field present throughout is returned.
    cursor = b"0"
    seen = set()
    step = 0
    while True:
        cursor, items = parse_flat(diff.k.call("HSCAN", "h", cursor, "COUNT", "50"))
        seen.update(items[::2])
        step += 1
        diff.k.call("HDEL", "h", f"f{step}")
        if cursor == b"0":
            break
    assert {f"f{i}".encode() for i in range(100, 700)} <= seen


RESP3 = [
    ("HSET", "h", "a", "1", "b", "2"), ("HGETALL", "h"), ("HGETALL", "nokey"), ("HGET", "nokey", "a"),
    ("HMGET", "h", "a", "x"), ("HKEYS", "h"), ("HVALS", "nokey"), ("HRANDFIELD", "nokey"),
    ("HRANDFIELD", "h", "5", "WITHVALUES"), ("HRANDFIELD", "h", "5"), ("HRANDFIELD", "h", "0", "WITHVALUES"),
    ("HRANDFIELD", "nokey", "5", "WITHVALUES"), ("HSCAN", "h", "0"), ("HINCRBYFLOAT", "h", "a", "0.5"),
    ("HSTRLEN", "h", "a"),
]


def test_resp3(diff):
    diff.both("HELLO", "3")  # (the reply carries the connection id, which differs)
    run_table(diff, RESP3)


def test_big_hash_whole_replies(diff):
    fields = [x for i in range(600) for x in (f"f{i}", f"v{i}")]
    diff.same("HSET", "h", *fields)
    for cmd in (("HKEYS", "h"), ("HVALS", "h"), ("HGETALL", "h")):
        a, b = diff.both(*cmd)
        assert sorted(parse_flat(a)) == sorted(parse_flat(b)), cmd
    run_table(diff, [("HLEN", "h"), ("HGET", "h", "f599"), ("HMGET", "h", "f0", "nosuch", "f300"),
                     ("HDEL", "h", "f0", "f1"), ("HLEN", "h"), ("OBJECT", "ENCODING", "h")])


# -- seeded random differential sequence -----------------------------------------------------------------------
KEYS = ["h1", "h2", "h3"]
FIELDS = [f"f{i}" for i in range(8)] + ["", "n"]
VALUES = ["1", "-5", "2.5", "abc", "", "10", "99", "0", "y" * 10]


def _value(rnd):
    return rnd.choice(VALUES) if rnd.random() < 0.97 else LONG


def _random_command(rnd):
    k = rnd.choice(KEYS + ["s", "nokey"]) if rnd.random() < 0.05 else rnd.choice(KEYS)
    f = rnd.choice(FIELDS)
    op = rnd.randrange(18)
    if op in (0, 1):
        cmd = ["HSET", k]
        for _ in range(rnd.randint(1, 3)):
            cmd += [rnd.choice(FIELDS), _value(rnd)]
        return cmd
    if op == 2:
        return ["HSETNX", k, f, _value(rnd)]
    if op == 3:
        return ["HMSET", k, f, _value(rnd)]
    if op == 4:
        return ["HGET", k, f]
    if op == 5:
        return ["HMGET", k] + rnd.sample(FIELDS, rnd.randint(1, 4))
    if op == 6:
        return ["HDEL", k] + rnd.sample(FIELDS, rnd.randint(1, 3))
    if op == 7:
        return [rnd.choice(["HLEN", "TYPE", "EXISTS"]), k]
    if op == 8:
        return ["HSTRLEN", k, f]
    if op == 9:
        return ["HEXISTS", k, f]
    if op == 10:
        return ["HINCRBY", k, f, str(rnd.randint(-20, 20))]
    if op == 11:
        return ["HINCRBYFLOAT", k, f, rnd.choice(["0.1", "-2.5", "3", "1e3", "x", "1.25e-2"])]
    if op == 12:
        return ["HRANDFIELD", k, rnd.choice(["0", "20"])] + (["WITHVALUES"] if rnd.random() < 0.5 else [])
    if op == 13:
        return ["OBJECT", "ENCODING", k]
    if op == 14:
        return ["DEL", k] if rnd.random() < 0.1 else ["HLEN", k]
    return [rnd.choice(["HGETALL", "HKEYS", "HVALS"]), k]


WHOLE = {"HGETALL", "HKEYS", "HVALS", "HRANDFIELD"}


def _encoding(conn, key):
    return conn.call("OBJECT", "ENCODING", key)


def test_random_sequence(diff):
    diff.same("SET", "s", "string")
    try:
        # Small thresholds so that hashes go hashtable along the way.
        diff.same("CONFIG", "SET", "hash-max-listpack-entries", "6")
        rnd = random.Random(7002)
        for _ in range(3000):
            cmd = _random_command(rnd)
            if cmd[0] in WHOLE and _encoding(diff.r, cmd[1]) == b"$9\r\nhashtable\r\n":
                assert _encoding(diff.k, cmd[1]) == _encoding(diff.r, cmd[1])
                a, b = diff.both(*cmd)
                if a != b:
                    pa, pb = parse_flat(a), parse_flat(b)
                    if cmd[0] == "HKEYS" or cmd[0] == "HVALS" or len(cmd) == 3:
                        assert sorted(pa) == sorted(pb), cmd
                    else:
                        assert sorted(zip(pa[::2], pa[1::2])) == sorted(zip(pb[::2], pb[1::2])), cmd
            else:
                diff.same(*cmd)
        for k in KEYS:
            diff.same("OBJECT", "ENCODING", k)
            diff.same("HLEN", k)
    finally:
        diff.same("CONFIG", "SET", "hash-max-listpack-entries", "512")
