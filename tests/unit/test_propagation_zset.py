"""What the sorted set commands propagate (to AOF and replicas), run in-process: the expectations are what Redis
7.0's own AOF records for the same commands (ZMPOP becomes ZPOPMIN/ZPOPMAX key <popped>, the rest goes verbatim,
and writes that change nothing go nowhere)."""
import time

import pytest

from tests.unit.sansio import Core



@pytest.fixture
def core():
    c = Core(with_db=False)
    c("ZADD", "z", "1", "a", "2", "b", "3", "c")
    c.take()
    return c


def b(*args):
    return [a.encode() for a in args]


def test_zpopmin_and_zpopmax_propagate_verbatim(core):
    core("ZPOPMIN", "z")
    core("ZPOPMAX", "z", "5")
    assert core.take() == [b("ZPOPMIN", "z"), b("ZPOPMAX", "z", "5")]


def test_zpop_that_pops_nothing_propagates_nothing(core):
    assert core("ZPOPMIN", "z", "0") == b"*0\r\n"
    assert core("ZPOPMIN", "missing") == b"*0\r\n"
    assert core("ZPOPMAX", "missing", "3") == b"*0\r\n"
    assert core.take() == []


def test_zmpop_becomes_zpop_with_the_popped_count(core):
    core("ZMPOP", "2", "missing", "z", "MIN")
    core("ZMPOP", "1", "z", "MAX", "COUNT", "100")
    assert core.take() == [b("ZPOPMIN", "z", "1"), b("ZPOPMAX", "z", "2")]
    assert core("EXISTS", "z") == b":0\r\n"
    assert core("ZMPOP", "1", "z", "MIN") == b"*-1\r\n"
    assert core.take() == []


def test_zrangestore_propagates_verbatim(core):
    core("ZRANGESTORE", "dst", "z", "0", "1")
    core("ZRANGESTORE", "dst", "z", "(1", "+inf", "BYSCORE", "LIMIT", "0", "1")
    assert core.take() == [b("ZRANGESTORE", "dst", "z", "0", "1"),
                           b("ZRANGESTORE", "dst", "z", "(1", "+inf", "BYSCORE", "LIMIT", "0", "1")]


def test_empty_zrangestore_propagates_only_when_it_deletes(core):
    core("ZRANGESTORE", "dst", "z", "5", "6")
    core("ZRANGESTORE", "dst", "missing", "0", "-1")
    assert core.take() == []
    core("SET", "dst", "v")
    core("ZRANGESTORE", "dst", "z", "5", "6")
    assert core.take() == [b("SET", "dst", "v"), b("ZRANGESTORE", "dst", "z", "5", "6")]
    assert core("EXISTS", "dst") == b":0\r\n"


def test_zadd_incr_propagates_verbatim(core):
    assert core("ZADD", "z", "INCR", "1.5", "a") == b"$3\r\n2.5\r\n"
    assert core("ZINCRBY", "z", "0.1", "b") == b"$18\r\n2.1000000000000001\r\n"
    assert core.take() == [b("ZADD", "z", "INCR", "1.5", "a"), b("ZINCRBY", "z", "0.1", "b")]


NO_OPS = [
    ("ZADD", "z", "NX", "5", "a"),
    ("ZADD", "z", "XX", "5", "nope"),
    ("ZADD", "z", "1", "a"),
    ("ZADD", "z", "GT", "0", "a"),
    ("ZADD", "z", "LT", "9", "a"),
    ("ZADD", "z", "INCR", "0", "a"),
    ("ZADD", "z", "INCR", "-0", "a"),
    ("ZADD", "z", "XX", "INCR", "1", "nope"),
    ("ZADD", "missing", "XX", "1", "a"),
    ("ZINCRBY", "z", "0", "b"),
    ("ZREM", "z", "nope"),
    ("ZREM", "missing", "a"),
    ("ZREMRANGEBYSCORE", "z", "10", "20"),
    ("ZREMRANGEBYRANK", "z", "5", "6"),
    ("ZREMRANGEBYLEX", "z", "[x", "[y"),
    ("ZUNIONSTORE", "dst", "1", "missing"),
    ("ZINTERSTORE", "dst", "2", "z", "missing"),
    ("ZDIFFSTORE", "dst", "2", "z", "z"),
    # errors change nothing either
    ("ZADD", "z", "x", "a"),
    ("ZINCRBY", "z", "-inf", "inf"),
    ("ZADD", "z", "INCR", "inf", "a"),
]


def test_noop_writes_propagate_nothing(core):
    core("ZADD", "z", "INCR", "inf", "inf")
    core.take()
    for cmd in NO_OPS:
        core(*cmd)
    assert core.take() == [b("ZADD", "z", "INCR", "inf", "a")]
    core("ZADD", "z", "INCR", "-inf", "a")      # inf + -inf is NaN: an error, no change
    assert core("ZSCORE", "z", "a") == b"$3\r\ninf\r\n"
    assert core.take() == []


def test_store_commands_propagate_verbatim(core):
    core("ZUNIONSTORE", "u", "2", "z", "missing", "WEIGHTS", "2", "3")
    core("ZINTERSTORE", "i", "1", "z", "AGGREGATE", "MAX")
    core("ZDIFFSTORE", "d", "2", "z", "missing")
    core("SET", "s", "v")
    core("ZUNIONSTORE", "s", "1", "missing")
    assert core.take() == [b("ZUNIONSTORE", "u", "2", "z", "missing", "WEIGHTS", "2", "3"),
                           b("ZINTERSTORE", "i", "1", "z", "AGGREGATE", "MAX"),
                           b("ZDIFFSTORE", "d", "2", "z", "missing"), b("SET", "s", "v"),
                           b("ZUNIONSTORE", "s", "1", "missing")]


def test_partial_changes_propagate_once(core):
    core("ZADD", "z", "CH", "1", "a", "9", "b", "4", "d")
    core("ZREM", "z", "a", "nope", "b")
    core("ZREMRANGEBYSCORE", "z", "-inf", "+inf")
    assert core.take() == [b("ZADD", "z", "CH", "1", "a", "9", "b", "4", "d"), b("ZREM", "z", "a", "nope", "b"),
                           b("ZREMRANGEBYSCORE", "z", "-inf", "+inf")]
    assert core("EXISTS", "z") == b":0\r\n"


def test_expired_key_is_deleted_before_a_pop(core):
    core("PEXPIRE", "z", "1")
    core.take()
    time.sleep(0.01)
    assert core("ZPOPMIN", "z") == b"*0\r\n"
    assert core.take() == [b("DEL", "z")]
