"""Differential tests of the list commands (Redis's t_list.c): each command goes to kvs and to a real redis-server
and the raw reply bytes must be identical, errors included; then a seeded random sequence over a few keys."""
import random

import pytest

from tests.commands.diffhelp import LLONG_MAX, LLONG_MIN, parse_flat, run_table

pytestmark = pytest.mark.interop

ARITY = [
    ("LPUSH",), ("LPUSH", "l"), ("RPUSH", "l"), ("LPUSHX", "l"), ("RPUSHX", "l"),
    ("LPOP",), ("LPOP", "l", "1", "2"), ("RPOP",), ("RPOP", "l", "1", "2"),
    ("LLEN",), ("LLEN", "l", "x"), ("LINDEX", "l"), ("LINDEX", "l", "0", "1"),
    ("LSET", "l", "0"), ("LSET", "l", "0", "v", "x"), ("LRANGE", "l", "0"), ("LRANGE", "l", "0", "1", "2"),
    ("LTRIM", "l", "0"), ("LTRIM", "l", "0", "1", "2"), ("LREM", "l", "0"), ("LREM", "l", "0", "v", "x"),
    ("LINSERT", "l", "BEFORE", "p"), ("LINSERT", "l", "BEFORE", "p", "v", "x"),
    ("LPOS", "l"), ("RPOPLPUSH", "l"), ("RPOPLPUSH", "l", "m", "x"),
    ("LMOVE", "l", "m", "LEFT"), ("LMOVE", "l", "m", "LEFT", "RIGHT", "x"),
    ("LMPOP",), ("LMPOP", "1"), ("LMPOP", "1", "l"),
    ("lpush",), ("LpOp",),
]


def test_wrong_arity(diff):
    diff.same("RPUSH", "l", "a")
    run_table(diff, ARITY)
    diff.same("LRANGE", "l", "0", "-1")


WRONGTYPE = [
    ("LPUSH", "s", "a"), ("RPUSH", "s", "a", "b"), ("LPUSHX", "s", "a"), ("RPUSHX", "s", "a"),
    ("LPOP", "s"), ("LPOP", "s", "0"), ("LPOP", "s", "2"), ("RPOP", "s"), ("RPOP", "s", "2"),
    ("LLEN", "s"), ("LINDEX", "s", "0"), ("LINDEX", "s", "x"), ("LSET", "s", "0", "v"), ("LSET", "s", "x", "v"),
    ("LRANGE", "s", "0", "-1"), ("LTRIM", "s", "0", "-1"), ("LREM", "s", "0", "v"),
    ("LINSERT", "s", "BEFORE", "a", "b"), ("LPOS", "s", "a"), ("LPOS", "s", "a", "COUNT", "0"),
    ("RPOPLPUSH", "s", "l"), ("RPOPLPUSH", "l", "s"), ("RPOPLPUSH", "nokey", "s"),
    ("LMOVE", "s", "l", "LEFT", "LEFT"), ("LMOVE", "l", "s", "RIGHT", "LEFT"), ("LMOVE", "nokey", "s", "LEFT", "LEFT"),
    ("LMPOP", "1", "s", "LEFT"), ("LMPOP", "2", "nokey", "s", "LEFT"), ("LMPOP", "2", "l", "s", "LEFT"),
    ("GET", "l"), ("INCR", "l"), ("APPEND", "l", "x"), ("HGET", "l", "f"), ("SADD", "l", "m"),
    ("TYPE", "l"), ("TYPE", "s"), ("LRANGE", "l", "0", "-1"), ("GET", "s"),
]


def test_wrongtype(diff):
    diff.same("SET", "s", "v")
    diff.same("RPUSH", "l", "a", "b", "c")
    run_table(diff, WRONGTYPE)


PUSH_POP = [
    ("LPUSH", "l", "a"), ("LPUSH", "l", "b", "c", "d"), ("RPUSH", "l", "e", "f"), ("LRANGE", "l", "0", "-1"),
    ("LPUSHX", "l", "x", "y"), ("RPUSHX", "l", "z"), ("LPUSHX", "nokey", "x"), ("RPUSHX", "nokey", "x", "y"),
    ("EXISTS", "nokey"), ("LLEN", "l"), ("LLEN", "nokey"),
    ("LPOP", "l"), ("RPOP", "l"), ("LPOP", "l", "2"), ("RPOP", "l", "2"), ("LPOP", "l", "0"), ("RPOP", "l", "0"),
    ("LRANGE", "l", "0", "-1"), ("RPOP", "l", "100"), ("EXISTS", "l"), ("LPOP", "l"), ("RPOP", "l", "1"),
    ("LPOP", "nokey"), ("RPOP", "nokey"), ("LPOP", "nokey", "0"), ("LPOP", "nokey", "3"),
    ("RPUSH", "l", "1", "2", "3"),
    ("LPOP", "l", "-1"), ("LPOP", "l", "x"), ("LPOP", "l", "1.5"), ("LPOP", "l", str(LLONG_MIN)),
    ("LPOP", "l", str(LLONG_MAX)), ("EXISTS", "l"), ("RPOP", "nokey", "-1"), ("RPOP", "nokey", "x"),
    ("RPUSH", "l", "x"), ("LPOP", "l", "1"), ("EXISTS", "l"),
    ("RPUSH", "e", ""), ("LPOP", "e"), ("RPUSH", "b", b"\x00\xff\r\n"), ("LRANGE", "b", "0", "-1"),
    ("RPUSH", "n", "1", "-1", "9223372036854775807", "18446744073709551616", "01"), ("LRANGE", "n", "0", "-1"),
    ("OBJECT", "ENCODING", "n"), ("TYPE", "n"),
]


def test_push_pop(diff):
    run_table(diff, PUSH_POP)


INDEX_SET_RANGE = [
    ("RPUSH", "l", "a", "b", "c", "d", "e"),
    ("LINDEX", "l", "0"), ("LINDEX", "l", "4"), ("LINDEX", "l", "5"), ("LINDEX", "l", "-1"), ("LINDEX", "l", "-5"),
    ("LINDEX", "l", "-6"), ("LINDEX", "l", "x"), ("LINDEX", "l", "1.0"), ("LINDEX", "l", str(LLONG_MIN)),
    ("LINDEX", "l", str(LLONG_MAX)), ("LINDEX", "nokey", "0"), ("LINDEX", "nokey", "x"),
    ("LSET", "l", "0", "A"), ("LSET", "l", "-1", "E"), ("LSET", "l", "2", ""), ("LRANGE", "l", "0", "-1"),
    ("LSET", "l", "5", "x"), ("LSET", "l", "-6", "x"), ("LSET", "l", "x", "v"), ("LSET", "nokey", "0", "v"),
    ("LSET", "nokey", "x", "v"), ("LSET", "l", str(LLONG_MAX), "v"),
    ("LRANGE", "l", "0", "0"), ("LRANGE", "l", "1", "3"), ("LRANGE", "l", "-3", "-1"), ("LRANGE", "l", "-100", "100"),
    ("LRANGE", "l", "3", "1"), ("LRANGE", "l", "5", "10"), ("LRANGE", "l", "-1", "-2"), ("LRANGE", "l", "-1", "0"),
    ("LRANGE", "l", "4", "4"), ("LRANGE", "l", "0", "-6"), ("LRANGE", "l", "x", "1"), ("LRANGE", "l", "0", "y"),
    ("LRANGE", "nokey", "0", "-1"), ("LRANGE", "nokey", "x", "1"),
    ("LRANGE", "l", str(LLONG_MIN), str(LLONG_MAX)), ("LRANGE", "l", str(LLONG_MAX), str(LLONG_MIN)),
]


def test_lindex_lset_lrange(diff):
    run_table(diff, INDEX_SET_RANGE)


def test_lrange_long_list(diff):
    diff.same("RPUSH", "l", *[str(i) for i in range(1000)])
    for start, end in [(0, -1), (10, 20), (-20, -10), (990, 2000), (500, 499), (-1000, 5), (600, -1), (1, -2)]:
        diff.same("LRANGE", "l", start, end)
    for i in (0, 1, 499, 500, 998, 999, -1, -500, -1000):
        diff.same("LINDEX", "l", i)
        diff.same("LSET", "l", i, f"v{i}")
    diff.same("LRANGE", "l", "0", "-1")


LTRIM = [
    ("RPUSH", "l", "a", "b", "c", "d", "e"), ("LTRIM", "l", "0", "-1"), ("LRANGE", "l", "0", "-1"),
    ("LTRIM", "l", "1", "-2"), ("LRANGE", "l", "0", "-1"), ("LTRIM", "l", "-2", "100"), ("LRANGE", "l", "0", "-1"),
    ("LTRIM", "l", "1", "0"), ("EXISTS", "l"),
    ("RPUSH", "l", "a", "b", "c"), ("LTRIM", "l", "5", "10"), ("EXISTS", "l"),
    ("RPUSH", "l", "a", "b", "c"), ("LTRIM", "l", "-1", "-2"), ("EXISTS", "l"),
    ("RPUSH", "l", "a", "b", "c"), ("LTRIM", "l", "x", "1"), ("LTRIM", "l", "0", "y"), ("LTRIM", "nokey", "0", "1"),
    ("LTRIM", "nokey", "x", "1"), ("EXISTS", "nokey"), ("LTRIM", "l", "0", "0"), ("LRANGE", "l", "0", "-1"),
    ("LTRIM", "l", str(LLONG_MIN), str(LLONG_MAX)), ("LRANGE", "l", "0", "-1"),
]


def test_ltrim(diff):
    run_table(diff, LTRIM)


def test_ltrim_long_list(diff):
    for start, end in [(0, 899), (100, -1), (-300, -250), (2, 3), (1, -2)]:
        diff.same("DEL", "l")
        diff.same("RPUSH", "l", *[str(i) for i in range(1000)])
        diff.same("LTRIM", "l", start, end)
        diff.same("LRANGE", "l", "0", "-1")


LREM_LINSERT = [
    ("RPUSH", "l", "a", "b", "a", "c", "a", "b", "a"),
    ("LREM", "l", "1", "a"), ("LRANGE", "l", "0", "-1"), ("LREM", "l", "-1", "a"), ("LRANGE", "l", "0", "-1"),
    ("LREM", "l", "-2", "b"), ("LRANGE", "l", "0", "-1"), ("LREM", "l", "0", "zz"), ("LREM", "l", "5", "zz"),
    ("LREM", "l", "0", "a"), ("LRANGE", "l", "0", "-1"), ("LREM", "l", "1", "c"), ("EXISTS", "l"),
    ("LREM", "l", "x", "a"), ("LREM", "nokey", "0", "a"), ("LREM", "nokey", "x", "a"),
    ("RPUSH", "l", "a", "a", "a"), ("LREM", "l", str(LLONG_MIN), "a"), ("EXISTS", "l"),
    ("RPUSH", "l", "a", "b", "c"),
    ("LINSERT", "l", "BEFORE", "b", "x"), ("LINSERT", "l", "AFTER", "c", "y"), ("LINSERT", "l", "before", "a", "z"),
    ("LINSERT", "l", "aFtEr", "b", ""), ("LRANGE", "l", "0", "-1"), ("LINSERT", "l", "BEFORE", "nosuch", "q"),
    ("LINSERT", "l", "MIDDLE", "a", "q"), ("LINSERT", "nokey", "BEFORE", "a", "q"),
    ("LINSERT", "nokey", "MIDDLE", "a", "q"), ("EXISTS", "nokey"), ("LRANGE", "l", "0", "-1"),
    ("RPUSH", "d", "p", "p"), ("LINSERT", "d", "AFTER", "p", "q"), ("LRANGE", "d", "0", "-1"),
]


def test_lrem_linsert(diff):
    run_table(diff, LREM_LINSERT)


RANK_TOO_SMALL = str(LLONG_MIN)

LPOS = [
    ("RPUSH", "l", "a", "b", "c", "1", "2", "3", "c", "c", "a"),
    ("LPOS", "l", "a"), ("LPOS", "l", "c"), ("LPOS", "l", "zz"), ("LPOS", "nokey", "a"),
    ("LPOS", "l", "c", "RANK", "2"), ("LPOS", "l", "c", "RANK", "-1"), ("LPOS", "l", "c", "RANK", "-3"),
    ("LPOS", "l", "c", "RANK", "4"), ("LPOS", "l", "c", "RANK", "-4"),
    ("LPOS", "l", "c", "COUNT", "0"), ("LPOS", "l", "c", "COUNT", "2"), ("LPOS", "l", "c", "COUNT", "10"),
    ("LPOS", "l", "c", "COUNT", "2", "RANK", "-1"), ("LPOS", "l", "c", "RANK", "2", "COUNT", "0"),
    ("LPOS", "l", "c", "MAXLEN", "3"), ("LPOS", "l", "c", "MAXLEN", "2"),
    ("LPOS", "l", "c", "COUNT", "0", "MAXLEN", "7"),
    ("LPOS", "l", "a", "RANK", "-1", "MAXLEN", "1"), ("LPOS", "l", "a", "RANK", "-1", "MAXLEN", "0"),
    ("LPOS", "l", "zz", "COUNT", "0"), ("LPOS", "nokey", "a", "COUNT", "0"), ("LPOS", "nokey", "a", "COUNT", "3"),
    ("LPOS", "l", "c", "rank", "1", "count", "1", "maxlen", "0"), ("LPOS", "l", "c", "COUNT", "1", "COUNT", "3"),
    ("LPOS", "l", "c", "RANK", "2", "RANK", "-1"),
    ("LPOS", "l", "c", "RANK", RANK_TOO_SMALL), ("LPOS", "l", "c", "RANK", RANK_TOO_SMALL, "COUNT", "0"),
    ("LPOS", "l", "c", "RANK", RANK_TOO_SMALL, "COUNT", "1"), ("LPOS", "l", "c", "RANK", RANK_TOO_SMALL, "MAXLEN", "3"),
    ("LPOS", "l", "c", "RANK", str(-LLONG_MAX), "COUNT", "0"), ("LPOS", "l", "c", "RANK", str(LLONG_MAX)),
    ("LPOS", "l", "c", "COUNT", str(LLONG_MAX)), ("LPOS", "l", "c", "MAXLEN", str(LLONG_MAX)),
    # errors, parsed before the key is looked at
    ("LPOS", "l", "c", "RANK", "0"), ("LPOS", "nokey", "c", "RANK", "0"), ("LPOS", "l", "c", "RANK", "x"),
    ("LPOS", "l", "c", "RANK", "9223372036854775808"), ("LPOS", "l", "c", "COUNT", "-1"),
    ("LPOS", "l", "c", "COUNT", "x"), ("LPOS", "l", "c", "COUNT", "9223372036854775808"),
    ("LPOS", "l", "c", "MAXLEN", "-1"), ("LPOS", "l", "c", "MAXLEN", "x"), ("LPOS", "l", "c", "FOO", "1"),
    ("LPOS", "l", "c", "RANK"), ("LPOS", "l", "c", "COUNT"), ("LPOS", "l", "c", "COUNT", "1", "MAXLEN"),
    ("LPOS", "l", "c", "RANK", "0", "COUNT", "-1"), ("LPOS", "l", "c", "COUNT", "-1", "RANK", "0"),
    ("LPOS", "l", "c", "FOO", "1", "RANK", "0"), ("SET", "s", "v"), ("LPOS", "s", "c", "RANK", "0"),
]


def test_lpos(diff):
    run_table(diff, LPOS)


MOVE = [
    ("RPUSH", "src", "a", "b", "c"),
    ("RPOPLPUSH", "src", "dst"), ("LRANGE", "src", "0", "-1"), ("LRANGE", "dst", "0", "-1"),
    ("LMOVE", "src", "dst", "LEFT", "RIGHT"), ("LMOVE", "src", "dst", "right", "left"),
    ("EXISTS", "src"), ("LRANGE", "dst", "0", "-1"),
    ("LMOVE", "dst", "dst", "LEFT", "RIGHT"), ("LRANGE", "dst", "0", "-1"),
    ("LMOVE", "dst", "dst", "RIGHT", "LEFT"), ("LMOVE", "dst", "dst", "LEFT", "LEFT"),
    ("RPOPLPUSH", "dst", "dst"), ("LRANGE", "dst", "0", "-1"),
    ("RPUSH", "one", "x"), ("RPOPLPUSH", "one", "one"), ("LRANGE", "one", "0", "-1"),
    ("LMOVE", "one", "one", "LEFT", "RIGHT"), ("LRANGE", "one", "0", "-1"),
    ("RPOPLPUSH", "nokey", "dst"), ("LMOVE", "nokey", "dst", "LEFT", "LEFT"), ("EXISTS", "nokey"),
    ("LMOVE", "dst", "src", "UP", "LEFT"), ("LMOVE", "dst", "src", "LEFT", "DOWN"),
    ("LMOVE", "nokey", "src", "LEFT", "DOWN"), ("LRANGE", "dst", "0", "-1"),
]


def test_rpoplpush_lmove(diff):
    run_table(diff, MOVE)


LMPOP = [
    ("RPUSH", "a", "1", "2", "3"), ("RPUSH", "b", "x", "y"),
    ("LMPOP", "1", "a", "LEFT"), ("LMPOP", "1", "a", "RIGHT"), ("LMPOP", "2", "nokey", "b", "LEFT", "COUNT", "5"),
    ("EXISTS", "b"), ("LMPOP", "2", "a", "b", "right", "count", "1"), ("LMPOP", "2", "a", "b", "LEFT"),
    ("LMPOP", "3", "a", "b", "nokey", "LEFT"),
    ("RPUSH", "a", "1", "2", "3", "4"), ("LMPOP", "1", "a", "RIGHT", "COUNT", "3"),
    ("LMPOP", "1", "a", "RIGHT", "COUNT", str(LLONG_MAX)), ("EXISTS", "a"),
    # errors
    ("LMPOP", "0", "a", "LEFT"), ("LMPOP", "-1", "a", "LEFT"), ("LMPOP", "x", "a", "LEFT"),
    ("LMPOP", "2", "a", "LEFT"), ("LMPOP", "3", "a", "LEFT"), ("LMPOP", str(LLONG_MAX), "a", "LEFT"),
    ("LMPOP", "1", "a", "MIDDLE"), ("LMPOP", "1", "a", "LEFT", "COUNT", "0"),
    ("LMPOP", "1", "a", "LEFT", "COUNT", "-1"),
    ("LMPOP", "1", "a", "LEFT", "COUNT", "x"), ("LMPOP", "1", "a", "LEFT", "COUNT"),
    ("LMPOP", "1", "a", "LEFT", "COUNT", "1", "COUNT", "1"), ("LMPOP", "1", "a", "LEFT", "FOO"),
    ("LMPOP", "1", "a", "LEFT", "COUNT", "1", "FOO"), ("LMPOP", "1", "a", "LEFT", "COUNT", "9223372036854775808"),
    ("SET", "s", "v"), ("LMPOP", "1", "s", "LEFT", "COUNT", "0"), ("LMPOP", "1", "s", "MIDDLE"),
    ("RPUSH", "c", "q"), ("LMPOP", "2", "c", "s", "LEFT"), ("LMPOP", "2", "c", "s", "LEFT"),
]


def test_lmpop(diff):
    run_table(diff, LMPOP)


RESP3 = [
    ("LPOP", "nokey"), ("LPOP", "nokey", "2"), ("LPOP", "nokey", "0"), ("RPOP", "nokey", "1"),
    ("LMPOP", "1", "nokey", "LEFT"), ("LINDEX", "nokey", "0"), ("LPOS", "nokey", "a"),
    ("LPOS", "nokey", "a", "COUNT", "1"),
    ("RPOPLPUSH", "nokey", "x"), ("LMOVE", "nokey", "x", "LEFT", "LEFT"), ("LRANGE", "nokey", "0", "-1"),
    ("RPUSH", "l", "a", "b", "c"), ("LPOP", "l", "0"), ("LPOP", "l", "2"), ("LMPOP", "1", "l", "LEFT", "COUNT", "9"),
    ("RPUSH", "l", "a", "b"), ("LPOS", "l", "b", "COUNT", "0"), ("LPOS", "l", "zz"), ("LINDEX", "l", "5"),
    ("LRANGE", "l", "0", "-1"),
]


def test_resp3(diff):
    diff.both("HELLO", "3")  # (the reply carries the connection id, which differs)
    run_table(diff, RESP3)


def test_expired_list_is_gone(diff):
    import time
    run_table(diff, [("RPUSH", "l", "a", "b"), ("PEXPIRE", "l", "1"), ("RPUSH", "m", "x"), ("PEXPIRE", "m", "1")])
    time.sleep(0.02)
    run_table(diff, [
        ("LLEN", "l"), ("LPUSHX", "m", "y"), ("RPUSH", "l", "c"), ("LRANGE", "l", "0", "-1"), ("TTL", "l"),
        ("RPUSH", "n", "v"), ("PEXPIRE", "n", "1"),
    ])
    time.sleep(0.02)
    run_table(diff, [("RPOPLPUSH", "n", "l"), ("LMPOP", "2", "n", "l", "RIGHT"), ("LRANGE", "l", "0", "-1")])


def test_copy_and_rename(diff):
    run_table(diff, [
        ("RPUSH", "l", "a", "b"), ("COPY", "l", "c"), ("RPUSH", "c", "z"), ("LRANGE", "l", "0", "-1"),
        ("LRANGE", "c", "0", "-1"), ("RENAME", "c", "d"), ("LRANGE", "d", "0", "-1"), ("TYPE", "d"),
        ("OBJECT", "ENCODING", "d"), ("SET", "s", "v"),
    ])
    a, b = diff.both("SCAN", "0", "TYPE", "list")
    assert sorted(parse_flat(a)[1]) == sorted(parse_flat(b)[1]) == [b"d", b"l"]


# -- seeded random differential sequence -----------------------------------------------------------------------
KEYS = ["l1", "l2", "l3"]
VALUES = ["a", "b", "c", "1", "22", "", "long" * 20]


def _random_command(rnd):
    k = rnd.choice(KEYS + ["s", "nokey"] if rnd.random() < 0.05 else KEYS)
    v = rnd.choice(VALUES)
    idx = str(rnd.randint(-6, 6))
    op = rnd.randrange(20)
    if op == 0:
        return ["LPUSH", k] + rnd.sample(VALUES, rnd.randint(1, 3))
    if op == 1:
        return ["RPUSH", k] + rnd.sample(VALUES, rnd.randint(1, 3))
    if op == 2:
        return [rnd.choice(["LPUSHX", "RPUSHX"]), k, v]
    if op == 3:
        return [rnd.choice(["LPOP", "RPOP"]), k] + ([str(rnd.randint(-1, 4))] if rnd.random() < 0.5 else [])
    if op == 4:
        return ["LLEN", k]
    if op == 5:
        return ["LINDEX", k, idx]
    if op == 6:
        return ["LSET", k, idx, v]
    if op == 7:
        return ["LRANGE", k, idx, str(rnd.randint(-6, 6))]
    if op == 8:
        return ["LTRIM", k, str(rnd.randint(-3, 2)), str(rnd.randint(-2, 8))]
    if op == 9:
        return ["LREM", k, str(rnd.randint(-2, 2)), v]
    if op == 10:
        return ["LINSERT", k, rnd.choice(["BEFORE", "AFTER"]), v, rnd.choice(VALUES)]
    if op == 11:
        cmd = ["LPOS", k, v]
        for opt in rnd.sample(["RANK", "COUNT", "MAXLEN"], rnd.randint(0, 3)):
            cmd += [opt, str(rnd.choice([-2, -1, 1, 2]) if opt == "RANK" else rnd.randint(0, 3))]
        return cmd
    if op == 12:
        return ["RPOPLPUSH", k, rnd.choice(KEYS)]
    if op == 13:
        return ["LMOVE", k, rnd.choice(KEYS), rnd.choice(["LEFT", "RIGHT"]), rnd.choice(["LEFT", "RIGHT"])]
    if op == 14:
        keys = rnd.sample(KEYS + ["nokey"], rnd.randint(1, 3))
        cmd = ["LMPOP", str(len(keys))] + keys + [rnd.choice(["LEFT", "RIGHT"])]
        return cmd + (["COUNT", str(rnd.randint(1, 4))] if rnd.random() < 0.5 else [])
    if op == 15:
        return ["EXISTS"] + KEYS
    if op == 16:
        return ["LRANGE", k, "0", "-1"]
    if op == 17:
        return ["DEL", k] if rnd.random() < 0.2 else ["LLEN", k]
    if op == 18:
        return ["TYPE", k]
    return ["RPUSH", k] + [rnd.choice(VALUES) for _ in range(rnd.randint(1, 6))]


def test_random_sequence(diff):
    diff.same("SET", "s", "string")
    rnd = random.Random(7001)
    for _ in range(3000):
        diff.same(*_random_command(rnd))
    for k in KEYS:
        diff.same("LRANGE", k, "0", "-1")
