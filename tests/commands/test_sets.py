"""Differential tests of the set commands (Redis's t_set.c): each command goes to kvs and to a real redis-server
and the raw reply bytes must be identical, errors included. Intset-encoded sets (all integers, few enough) have a
defined order, ascending, so replies built from them are compared exactly; hashtable order is unspecified, so
those replies are compared as sorted lists."""
import random

import pytest

from tests.commands.diffhelp import LLONG_MAX, LLONG_MIN, parse_flat, run_table

pytestmark = pytest.mark.interop

INTSET = b"$6\r\nintset\r\n"

ARITY = [
    ("SADD",), ("SADD", "s"), ("SREM", "s"), ("SCARD",), ("SCARD", "s", "x"), ("SISMEMBER", "s"),
    ("SISMEMBER", "s", "m", "x"), ("SMISMEMBER", "s"), ("SMEMBERS",), ("SMEMBERS", "s", "x"), ("SPOP",),
    ("SRANDMEMBER",), ("SMOVE", "a", "b"), ("SMOVE", "a", "b", "m", "x"), ("SINTER",), ("SINTERSTORE", "d"),
    ("SUNION",), ("SUNIONSTORE", "d"), ("SDIFF",), ("SDIFFSTORE", "d"), ("SINTERCARD", "1"), ("SSCAN", "s"),
    ("sadd", "s"),
]


def test_wrong_arity(diff):
    diff.same("SADD", "s", "m")
    run_table(diff, ARITY)
    diff.same("SMEMBERS", "s")


WRONGTYPE = [
    ("SADD", "str", "m"), ("SREM", "str", "m"), ("SCARD", "str"), ("SISMEMBER", "str", "m"),
    ("SMISMEMBER", "str", "m"), ("SMEMBERS", "str"), ("SPOP", "str"), ("SPOP", "str", "2"), ("SPOP", "str", "0"),
    ("SRANDMEMBER", "str"), ("SRANDMEMBER", "str", "2"), ("SMOVE", "str", "s", "m"), ("SMOVE", "s", "str", "1"),
    ("SMOVE", "s", "str", "nosuch"), ("SMOVE", "nokey", "str", "m"), ("SINTER", "s", "str"),
    ("SINTER", "nokey", "str"), ("SINTER", "str", "nokey"), ("SINTERSTORE", "d", "s", "str"),
    ("SINTERSTORE", "d", "nokey", "str"), ("SUNION", "s", "str"), ("SUNION", "nokey", "str"),
    ("SUNIONSTORE", "d", "str"), ("SDIFF", "s", "str"), ("SDIFF", "nokey", "str"), ("SDIFF", "str", "nokey"),
    ("SDIFFSTORE", "d", "s", "str"), ("SINTERCARD", "2", "s", "str"), ("SINTERCARD", "2", "nokey", "str"),
    ("SSCAN", "str", "0"), ("SSCAN", "str", "x"), ("SSCAN", "str", "0", "FOO"),
    # argument errors come before the type check
    ("SPOP", "str", "-1"), ("SRANDMEMBER", "str", "x"), ("SINTERCARD", "0", "str"), ("SINTERCARD", "1", "str", "FOO"),
    ("EXISTS", "d"), ("GET", "s"), ("HSET", "s", "f", "v"), ("LPUSH", "s", "x"), ("TYPE", "s"), ("GET", "str"),
]


def test_wrongtype(diff):
    diff.same("SET", "str", "v")
    diff.same("SADD", "s", "1", "2")
    run_table(diff, WRONGTYPE)


BASICS = [
    ("SADD", "s", "3", "1", "2"), ("SADD", "s", "2", "5", "5"), ("SMEMBERS", "s"), ("SCARD", "s"),
    ("SISMEMBER", "s", "1"), ("SISMEMBER", "s", "4"), ("SISMEMBER", "s", "01"), ("SISMEMBER", "s", "x"),
    ("SISMEMBER", "nokey", "1"), ("SMISMEMBER", "s", "1", "x", "5", "1"), ("SMISMEMBER", "nokey", "1", "2"),
    ("SCARD", "nokey"), ("SMEMBERS", "nokey"), ("OBJECT", "ENCODING", "s"),
    ("SREM", "s", "1", "1", "x"), ("SREM", "s", "nosuch"), ("SREM", "nokey", "1"), ("SMEMBERS", "s"),
    ("SADD", "s", "-10", "9223372036854775807", str(LLONG_MIN)), ("SMEMBERS", "s"), ("OBJECT", "ENCODING", "s"),
    ("SREM", "s", "2", "3", "5", "-10", "9223372036854775807", str(LLONG_MIN)), ("EXISTS", "s"),
    ("SADD", "t", "b", "a", "c"), ("SCARD", "t"), ("SISMEMBER", "t", "a"), ("OBJECT", "ENCODING", "t"),
    ("SREM", "t", "a", "b", "c", "d"), ("EXISTS", "t"),
    ("SADD", "u", "", b"\x00\xff"), ("SISMEMBER", "u", ""), ("SMISMEMBER", "u", b"\x00\xff", "x"),
    ("SADD", "v", "1", "2"), ("SADD", "v", "x"), ("OBJECT", "ENCODING", "v"), ("SREM", "v", "x"),
    ("OBJECT", "ENCODING", "v"), ("SCARD", "v"), ("TYPE", "v"),
]


def test_basics(diff):
    run_table(diff, BASICS)


ENCODING = [
    ("SADD", "a", *[str(i) for i in range(512)]), ("OBJECT", "ENCODING", "a"), ("SADD", "a", "511"),
    ("OBJECT", "ENCODING", "a"), ("SADD", "a", "512"), ("OBJECT", "ENCODING", "a"), ("SREM", "a", "512", "0"),
    ("OBJECT", "ENCODING", "a"),
    ("SADD", "b", "x"), ("OBJECT", "ENCODING", "b"), ("SADD", "c", "1", "x"), ("OBJECT", "ENCODING", "c"),
    ("SADD", "d", "-0"), ("OBJECT", "ENCODING", "d"), ("SADD", "e", "01"), ("OBJECT", "ENCODING", "e"),
    ("SADD", "f", "9223372036854775808"), ("OBJECT", "ENCODING", "f"), ("SADD", "g", " 1"), ("OBJECT", "ENCODING", "g"),
    ("SADD", "h", "1.0"), ("OBJECT", "ENCODING", "h"), ("SADD", "i", "-9223372036854775808"),
    ("OBJECT", "ENCODING", "i"), ("SADD", "j", ""), ("OBJECT", "ENCODING", "j"),
    ("COPY", "c", "c2"), ("OBJECT", "ENCODING", "c2"), ("COPY", "i", "i2"), ("OBJECT", "ENCODING", "i2"),
]


def test_encoding(diff):
    run_table(diff, ENCODING)


def test_encoding_follows_config(diff):
    try:
        run_table(diff, [
            ("CONFIG", "SET", "set-max-intset-entries", "2"), ("SADD", "a", "1", "2"), ("OBJECT", "ENCODING", "a"),
            ("SADD", "a", "3"), ("OBJECT", "ENCODING", "a"), ("SADD", "b", "1", "2", "3"), ("OBJECT", "ENCODING", "b"),
            ("CONFIG", "SET", "set-max-intset-entries", "0"), ("SADD", "c", "1"), ("OBJECT", "ENCODING", "c"),
            ("SADD", "x", "1", "2"), ("SINTERSTORE", "d", "x", "x"), ("OBJECT", "ENCODING", "d"),
            ("SMOVE", "x", "e", "1"), ("OBJECT", "ENCODING", "e"),
            ("CONFIG", "SET", "set-max-intset-entries", "1"), ("SUNIONSTORE", "f", "x", "e"),
            ("OBJECT", "ENCODING", "f"), ("SCARD", "f"),
        ])
    finally:
        diff.same("CONFIG", "SET", "set-max-intset-entries", "512")


SMOVE = [
    ("SADD", "a", "1", "2", "x"), ("SADD", "b", "2", "3"),
    ("SMOVE", "a", "b", "1"), ("SMOVE", "a", "b", "1"), ("SMOVE", "a", "b", "2"), ("SMEMBERS", "b"),
    ("SMOVE", "a", "c", "x"), ("EXISTS", "a"), ("SMEMBERS", "c"), ("OBJECT", "ENCODING", "c"),
    ("SMOVE", "b", "d", "3"), ("OBJECT", "ENCODING", "d"), ("SMOVE", "b", "b", "1"), ("SMOVE", "b", "b", "2"),
    ("SMOVE", "b", "b", "9"), ("SMOVE", "nokey", "b", "1"), ("SMOVE", "nokey", "nokey2", "1"), ("EXISTS", "nokey2"),
    ("SMOVE", "b", "d", "nosuch"), ("SMEMBERS", "b"), ("SMEMBERS", "d"), ("SMOVE", "b", "d", "1"),
    ("EXISTS", "b"), ("SMEMBERS", "d"),
]


def test_smove(diff):
    run_table(diff, SMOVE)


ALGEBRA = [
    ("SADD", "a", "1", "2", "3", "4", "5"), ("SADD", "b", "4", "5", "6"), ("SADD", "c", "5", "7"),
    ("SADD", "t", "1", "x", "y"),
    ("SINTER", "a", "b"), ("SINTER", "a", "b", "c"), ("SINTER", "a"), ("SINTER", "a", "nokey"), ("SINTER", "nokey"),
    ("SINTER", "a", "a"), ("SUNION", "a", "b", "c"), ("SUNION", "nokey"), ("SUNION", "a", "nokey", "a"),
    ("SDIFF", "a", "b"), ("SDIFF", "a", "b", "c"), ("SDIFF", "a", "a"), ("SDIFF", "a", "b", "a"),
    ("SDIFF", "nokey", "a"), ("SDIFF", "a", "nokey"), ("SDIFF", "b", "a", "c"),
    ("SINTERSTORE", "d", "a", "b"), ("SMEMBERS", "d"), ("OBJECT", "ENCODING", "d"),
    ("SINTERSTORE", "d", "a", "nokey"), ("EXISTS", "d"), ("SINTERSTORE", "d", "a", "nokey"),
    ("SUNIONSTORE", "d", "a", "c"), ("SMEMBERS", "d"), ("SUNIONSTORE", "d", "nokey"), ("EXISTS", "d"),
    ("SDIFFSTORE", "d", "a", "b"), ("SMEMBERS", "d"), ("SDIFFSTORE", "d", "a", "a"), ("EXISTS", "d"),
    ("SDIFFSTORE", "a", "a", "c"), ("SMEMBERS", "a"), ("SINTERSTORE", "b", "b", "a"), ("SMEMBERS", "b"),
    ("SUNIONSTORE", "u", "t", "a"), ("OBJECT", "ENCODING", "u"), ("SCARD", "u"),
    ("SET", "str", "v"), ("SINTERSTORE", "str", "a", "c"), ("TYPE", "str"), ("SMEMBERS", "str"),
    ("SET", "e", "v"), ("EXPIRE", "e", "100"), ("SUNIONSTORE", "e", "c"), ("TTL", "e"),
    ("SADD", "f", "1"), ("EXPIRE", "f", "100"), ("SINTERSTORE", "f", "f", "c"), ("EXISTS", "f"),
    ("SINTERCARD", "1", "a"), ("SINTERCARD", "2", "a", "c"), ("SINTERCARD", "2", "a", "nokey"),
    ("SINTERCARD", "3", "a", "b", "c"), ("SINTERCARD", "2", "a", "c", "LIMIT", "1"),
    ("SINTERCARD", "2", "a", "c", "LIMIT", "0"), ("SINTERCARD", "2", "a", "c", "limit", "100"),
    ("SINTERCARD", "2", "a", "c", "LIMIT", "5", "LIMIT", "1"),
    ("SINTERCARD", "0", "a"), ("SINTERCARD", "-1", "a"), ("SINTERCARD", "x", "a"), ("SINTERCARD", "2", "a"),
    ("SINTERCARD", str(LLONG_MAX), "a"), ("SINTERCARD", "1", "a", "b"), ("SINTERCARD", "1", "a", "LIMIT"),
    ("SINTERCARD", "1", "a", "LIMIT", "-1"), ("SINTERCARD", "1", "a", "LIMIT", "x"),
    ("SINTERCARD", "1", "a", "FOO", "1"),
    ("SINTERCARD", "1", "nokey", "LIMIT", "-1"),
]


def test_algebra(diff):
    run_table(diff, ALGEBRA)
    for cmd in (("SDIFF", "t", "a"), ("SUNION", "t", "a"), ("SINTER", "t", "t"), ("SMEMBERS", "u")):
        same_unordered(diff, *cmd)


def test_algebra_result_encoding(diff):
    # What passes through the result set decides its encoding and, when it is an intset, the reply's order.
    run_table(diff, [
        ("SADD", "big", "x", "1", "2", "3", "4", "5", "6", "7", "8", "9"), ("SADD", "o1", "x"), ("SADD", "o2", "y"),
        ("SDIFFSTORE", "d1", "big", "o1", "o2"), ("OBJECT", "ENCODING", "d1"), ("SDIFFSTORE", "d2", "big", "o1"),
        ("OBJECT", "ENCODING", "d2"), ("SDIFF", "big", "o1"), ("SMEMBERS", "d2"),
        ("SADD", "h", "x", "30", "10", "20"), ("SREM", "h", "x"), ("SUNION", "h"), ("SUNION", "h", "nokey"),
        ("SUNIONSTORE", "u", "h"), ("OBJECT", "ENCODING", "u"), ("SPOP", "h", "10"),
        ("SADD", "i", "3", "1", "2"), ("SADD", "j", "2", "3", "x", "y"), ("SINTER", "i", "j"), ("SINTER", "j", "i"),
        ("SINTERSTORE", "k", "j", "i"), ("OBJECT", "ENCODING", "k"),
    ])


def _sorted_members(raw):
    return sorted(parse_flat(raw))


def same_unordered(diff, *cmd):
    a, b = diff.both(*cmd)
    if a != b:
        assert a[:1] == b[:1] == b"*", (cmd, a, b)
        assert _sorted_members(a) == _sorted_members(b), cmd
    return a


def test_hashtable_sets(diff):
    diff.same("SADD", "a", *[f"m{i}" for i in range(300)])
    diff.same("SADD", "b", *[f"m{i}" for i in range(0, 600, 2)])
    diff.same("SADD", "n", *[str(i) for i in range(1000)])
    for cmd in [("SMEMBERS", "a"), ("SINTER", "a", "b"), ("SUNION", "a", "b"), ("SDIFF", "a", "b"),
                ("SDIFF", "b", "a"), ("SRANDMEMBER", "a", "300"), ("SRANDMEMBER", "n", "5000"), ("SUNION", "n", "a")]:
        same_unordered(diff, *cmd)
    run_table(diff, [
        ("OBJECT", "ENCODING", "n"), ("SINTERSTORE", "d", "a", "b"), ("SUNIONSTORE", "e", "a", "b"),
        ("SDIFFSTORE", "f", "b", "a"), ("SCARD", "f"), ("SINTERCARD", "2", "a", "b"),
        ("SINTERCARD", "2", "a", "b", "LIMIT", "10"), ("SMISMEMBER", "a", "m1", "m2", "m300"), ("SCARD", "n"),
    ])


def _full_sscan(conn, key, *extra):
    cursor = b"0"
    seen = []
    for _ in range(10000):
        cursor, items = parse_flat(conn.call("SSCAN", key, cursor, *extra))
        seen += items
        if cursor == b"0":
            return seen
    raise AssertionError("scan did not finish")


SSCAN = [
    ("SADD", "i", "5", "-3", "10", "0", "100"), ("SSCAN", "i", "0"), ("SSCAN", "i", "3", "COUNT", "1"),
    ("SSCAN", "i", "0", "MATCH", "1*"), ("SSCAN", "i", "0", "MATCH", "-*", "COUNT", "2"),
    ("SSCAN", "nokey", "0"), ("SSCAN", "nokey", "0", "FOO"), ("SSCAN", "nokey", "x"), ("SSCAN", "i", "x"),
    ("SSCAN", "i", "-1"), ("SSCAN", "i", "0", "COUNT", "0"), ("SSCAN", "i", "0", "COUNT", "x"),
    ("SSCAN", "i", "0", "TYPE", "set"), ("SSCAN", "i", "0", "MATCH"), ("SSCAN", "i", "0", "FOO", "bar"),
]


def test_sscan(diff):
    run_table(diff, SSCAN)
    diff.same("SADD", "h", *[f"m{i}" for i in range(500)])
    for extra in ((), ("COUNT", "7"), ("MATCH", "m1*"), ("COUNT", "1000")):
        assert sorted(set(_full_sscan(diff.k, "h", *extra))) == sorted(set(_full_sscan(diff.r, "h", *extra)))
    # Changes during the iteration: every member present throughout is returned.
    cursor = b"0"
    seen = set()
    step = 0
    while True:
        cursor, items = parse_flat(diff.k.call("SSCAN", "h", cursor, "COUNT", "20"))
        seen.update(items)
        step += 1
        diff.k.call("SREM", "h", f"m{step}")
        diff.k.call("SADD", "h", f"new{step}")
        if cursor == b"0":
            break
    assert {f"m{i}".encode() for i in range(100, 500)} <= seen


SPOP_SRANDMEMBER = [
    ("SADD", "s", "3", "1", "2"),
    ("SRANDMEMBER", "s", "3"), ("SRANDMEMBER", "s", "100"), ("SRANDMEMBER", "s", str(LLONG_MAX)),
    ("SRANDMEMBER", "s", "0"), ("SRANDMEMBER", "nokey"), ("SRANDMEMBER", "nokey", "5"),
    ("SRANDMEMBER", "nokey", "-5"), ("SRANDMEMBER", "s", "x"), ("SRANDMEMBER", "s", str(LLONG_MIN)),
    ("SRANDMEMBER", "s", "9223372036854775808"), ("SRANDMEMBER", "s", "1", "2"), ("SRANDMEMBER", "nokey", "x"),
    ("SPOP", "s", "0"), ("SPOP", "s", "-1"), ("SPOP", "s", "x"), ("SPOP", "s", "1", "2"), ("SPOP", "nokey"),
    ("SPOP", "nokey", "0"), ("SPOP", "nokey", "5"), ("SPOP", "nokey", "-1"), ("SCARD", "s"),
    ("SPOP", "s", "3"), ("EXISTS", "s"), ("SADD", "s", "9", "8"), ("SPOP", "s", str(LLONG_MAX)), ("EXISTS", "s"),
    ("SADD", "one", "x"), ("SPOP", "one"), ("EXISTS", "one"), ("SADD", "one", "y"), ("SRANDMEMBER", "one"),
    ("SRANDMEMBER", "one", "-3"), ("SPOP", "one", "1"), ("EXISTS", "one"),
]


def test_spop_srandmember_deterministic_cases(diff):
    run_table(diff, SPOP_SRANDMEMBER)


def test_spop_srandmember_random_cases(diff):
    members = {f"m{i}".encode() for i in range(20)}
    ints = {str(i).encode() for i in range(20)}
    diff.same("SADD", "h", *members)
    diff.same("SADD", "i", *ints)
    for key, pool in (("h", members), ("i", ints)):
        got = parse_flat(diff.k.call("SRANDMEMBER", key, "7"))
        assert len(got) == len(set(got)) == 7 and set(got) <= pool
        got = parse_flat(diff.k.call("SRANDMEMBER", key, "-50"))
        assert len(got) == 50 and set(got) <= pool
        seen = {parse_flat(diff.k.call("SRANDMEMBER", key)) for _ in range(400)}
        assert seen == pool
    for key, pool in (("h", members), ("i", ints)):
        left = set(pool)
        for count in ("3", "12"):
            a, b = diff.both("SPOP", key, count)
            popped = parse_flat(a)
            assert len(popped) == len(set(popped)) == len(parse_flat(b)) == int(count)
            assert set(popped) <= left
            left -= set(popped)
            assert set(parse_flat(diff.k.call("SMEMBERS", key))) == left
        one = parse_flat(diff.k.call("SPOP", key))
        assert one in left
        left.discard(one)
        assert set(parse_flat(diff.k.call("SMEMBERS", key))) == left
    # Uniform enough: every member of a set that had members removed still comes up.
    diff.k.call("SADD", "u", *[f"u{i}" for i in range(600)])
    diff.k.call("SREM", "u", *[f"u{i}" for i in range(0, 600, 2)])
    seen = set()
    for _ in range(60):
        seen.update(parse_flat(diff.k.call("SRANDMEMBER", "u", "-100")))
    assert len(seen) == 300


RESP3 = [
    ("SADD", "s", "3", "1", "2"), ("SMEMBERS", "s"), ("SMEMBERS", "nokey"), ("SINTER", "s", "s"),
    ("SINTER", "s", "nokey"), ("SUNION", "s", "nokey"), ("SDIFF", "s", "nokey"), ("SDIFF", "nokey", "s"),
    ("SRANDMEMBER", "nokey"), ("SRANDMEMBER", "s", "5"), ("SRANDMEMBER", "nokey", "5"), ("SRANDMEMBER", "s", "0"),
    ("SPOP", "nokey"), ("SPOP", "nokey", "2"), ("SPOP", "s", "0"), ("SMISMEMBER", "s", "1", "x"),
    ("SSCAN", "s", "0"), ("SINTERCARD", "1", "s"), ("SPOP", "s", "5"),
]


def test_resp3(diff):
    diff.both("HELLO", "3")  # (the reply carries the connection id, which differs)
    run_table(diff, RESP3)


# -- seeded random differential sequence -----------------------------------------------------------------------
KEYS = ["s1", "s2", "s3", "s4"]
MEMBERS = [str(i) for i in range(12)] + ["a", "b", "-3", "07"]
TMP = "tmp"


def _random_command(rnd):
    k = rnd.choice(KEYS + ["str", "nokey"]) if rnd.random() < 0.05 else rnd.choice(KEYS)
    m = rnd.choice(MEMBERS)
    op = rnd.randrange(16)
    if op in (0, 1, 2):
        return ["SADD", k] + rnd.sample(MEMBERS, rnd.randint(1, 4))
    if op == 3:
        return ["SREM", k] + rnd.sample(MEMBERS, rnd.randint(1, 3))
    if op == 4:
        return [rnd.choice(["SCARD", "TYPE", "EXISTS"]), k]
    if op == 5:
        return ["SISMEMBER", k, m]
    if op == 6:
        return ["SMISMEMBER", k] + rnd.sample(MEMBERS, 3)
    if op == 7:
        return ["SMOVE", k, rnd.choice(KEYS), m]
    if op in (8, 9):
        cmd = rnd.choice(["SINTER", "SUNION", "SDIFF"])
        keys = [rnd.choice(KEYS + ["nokey"]) for _ in range(rnd.randint(1, 3))]
        if rnd.random() < 0.4:
            return [cmd + "STORE", rnd.choice(KEYS)] + keys
        return [cmd] + keys
    if op == 10:
        keys = rnd.sample(KEYS, rnd.randint(1, 3))
        return ["SINTERCARD", str(len(keys))] + keys + (["LIMIT", str(rnd.randint(0, 3))] if rnd.random() < 0.5
                                                        else [])
    if op == 11:
        return ["SMEMBERS", k]
    if op == 12:
        return ["SRANDMEMBER", k, rnd.choice(["0", "20"])]
    if op == 13:
        return ["SPOP", k, rnd.choice(["0", "20"])] if rnd.random() < 0.3 else ["SCARD", k]
    if op == 14:
        return ["OBJECT", "ENCODING", k]
    return ["SSCAN", k, "0"]


def _enc(conn, key):
    return conn.call("OBJECT", "ENCODING", key)


def _ordered_by_encoding(diff, key):
    """Whether a reply listing the set at `key` has a defined order (intset), checking both agree on it."""
    enc = _enc(diff.r, key)
    assert _enc(diff.k, key) == enc, key
    return enc == INTSET


def _result_ordered(diff, op, keys):
    """Whether the non-STORE reply of SINTER/SUNION/SDIFF over keys has a defined order: for SUNION/SDIFF, when the
    result set is an intset (learnt by storing it); for SINTER, when the smallest set, walked first, is one."""
    if op == "SINTER":
        cards = [int(diff.r.call("SCARD", k)[1:-2]) for k in keys]
        if 0 in cards:
            return True
        first = min(range(len(keys)), key=lambda i: cards[i])
        return _ordered_by_encoding(diff, keys[first])
    diff.same(op + "STORE", TMP, *keys)
    if diff.r.call("EXISTS", TMP) == b":0\r\n":
        return True
    return _ordered_by_encoding(diff, TMP)


def test_random_sequence(diff):
    diff.same("SET", "str", "string")
    try:
        diff.same("CONFIG", "SET", "set-max-intset-entries", "8")
        rnd = random.Random(7003)
        for _ in range(3000):
            cmd = _random_command(rnd)
            name, key = cmd[0], cmd[1]
            if key in ("str",) or name in ("SADD", "SREM", "SCARD", "TYPE", "EXISTS", "SISMEMBER", "SMISMEMBER",
                                           "SMOVE", "SINTERCARD", "OBJECT") or name.endswith("STORE"):
                diff.same(*cmd)
            elif name in ("SINTER", "SUNION", "SDIFF"):
                if "str" in cmd or _result_ordered(diff, name, cmd[1:]):
                    diff.same(*cmd)
                else:
                    same_unordered(diff, *cmd)
            elif name == "SSCAN":
                if _ordered_by_encoding(diff, key) or diff.r.call("EXISTS", key) == b":0\r\n":
                    diff.same(*cmd)
                else:
                    assert sorted(set(_full_sscan(diff.k, key))) == sorted(set(_full_sscan(diff.r, key)))
            elif name == "SPOP" and len(cmd) == 3 and cmd[2] != "0":
                # Pops everything (count >= size): ordered like the set's union with nothing.
                diff.same("SUNIONSTORE", TMP, key)
                if diff.r.call("EXISTS", TMP) == b":0\r\n" or _ordered_by_encoding(diff, TMP):
                    diff.same(*cmd)
                else:
                    same_unordered(diff, *cmd)
            elif name in ("SMEMBERS", "SRANDMEMBER", "SPOP"):
                if diff.r.call("EXISTS", key) == b":0\r\n" or _ordered_by_encoding(diff, key):
                    diff.same(*cmd)
                else:
                    same_unordered(diff, *cmd)
            else:
                raise AssertionError(cmd)
        for k in KEYS:
            diff.same("OBJECT", "ENCODING", k)
            same_unordered(diff, "SMEMBERS", k)
    finally:
        diff.same("CONFIG", "SET", "set-max-intset-entries", "512")
