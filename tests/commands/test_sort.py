"""SORT and SORT_RO against redis-server."""
import random

SETUP = [
    ("RPUSH", "l", "3", "1", "10", "2", "-5", "2.5"),
    ("RPUSH", "words", "pear", "apple", "fig", "banana"),
    ("SADD", "s", "5", "3", "9", "1"),
    ("SADD", "sw", "b", "a", "c"),
    ("ZADD", "z", "1", "c", "2", "a", "3", "b"),
    ("MSET", "w_3", "30", "w_1", "10", "w_10", "5", "w_2", "20", "w_-5", "0", "w_2.5", "1"),
    ("MSET", "o_3", "three", "o_1", "one", "o_10", "ten", "o_2", "two"),
    ("HSET", "h_3", "f", "c"), ("HSET", "h_1", "f", "a"), ("HSET", "h_10", "f", "d"), ("HSET", "h_2", "f", "b"),
    ("SET", "str", "x"),
]

CASES = [
    ("SORT", "l"), ("SORT", "l", "DESC"), ("SORT", "l", "LIMIT", "1", "3"), ("SORT", "l", "LIMIT", "-1", "2"),
    ("SORT", "l", "LIMIT", "2", "-1"), ("SORT", "l", "LIMIT", "10", "5"), ("SORT", "l", "LIMIT", "0", "0"),
    ("SORT", "words"), ("SORT", "words", "ALPHA"), ("SORT", "words", "ALPHA", "DESC", "LIMIT", "1", "2"),
    ("SORT", "s"), ("SORT", "sw", "ALPHA"), ("SORT", "z"), ("SORT", "z", "ALPHA"),
    ("SORT", "z", "BY", "nosort"), ("SORT", "z", "BY", "nosort", "DESC"), ("SORT", "z", "BY", "nosort", "LIMIT", "1", "1"),
    ("SORT", "l", "BY", "nosort"), ("SORT", "l", "BY", "nosort", "LIMIT", "2", "2"),
    ("SORT", "l", "BY", "w_*"), ("SORT", "l", "BY", "w_*", "DESC"), ("SORT", "l", "BY", "o_*", "ALPHA"),
    ("SORT", "l", "BY", "h_*->f", "ALPHA"), ("SORT", "l", "GET", "o_*"), ("SORT", "l", "GET", "#", "GET", "o_*"),
    ("SORT", "l", "GET", "h_*->f"), ("SORT", "l", "BY", "nosort", "GET", "w_*"), ("SORT", "l", "GET", "nostar"),
    ("SORT", "missing"), ("SORT", "str"), ("SORT", "l", "LIMIT", "1"), ("SORT", "l", "LIMIT", "a", "1"),
    ("SORT", "l", "FOO"), ("SORT", "words"), ("SORT", "l", "STORE", "dst"), ("LRANGE", "dst", "0", "-1"),
    ("SORT", "missing", "STORE", "dst"), ("EXISTS", "dst"), ("SORT", "l", "GET", "o_*", "STORE", "dst2"),
    ("LRANGE", "dst2", "0", "-1"), ("SORT_RO", "l"), ("SORT_RO", "l", "STORE", "x"), ("SORT", "s", "STORE", "ds"),
    ("LRANGE", "ds", "0", "-1"), ("SORT", "s", "BY", "nosort", "STORE", "ds2"), ("LRANGE", "ds2", "0", "-1"),
    ("SORT",), ("COMMAND", "GETKEYS", "SORT", "l", "STORE", "dst"),
]


def test_sort_table(diff):
    diff.run(*SETUP)
    diff.run(*CASES)


def test_sort_random_numeric_lists(diff):
    rng = random.Random(7)
    for i in range(40):
        values = [str(rng.choice([rng.randint(-50, 50), round(rng.uniform(-10, 10), 3)])) for _ in range(rng.randint(0, 30))]
        values = list(dict.fromkeys(values))
        if values:
            diff.same("RPUSH", f"r{i}", *values)
        diff.same("SORT", f"r{i}", *rng.choice([(), ("DESC",), ("LIMIT", "2", "5"), ("ALPHA",)]))
