"""What the list, hash and set commands propagate, through the sans-IO core's one propagation hook: the forms
Redis 7.0 writes to its AOF and sends its replicas, and nothing for writes that change nothing."""
import pytest

from tests.unit.sansio import Core



@pytest.fixture
def core():
    return Core(with_db=False)


def _bulks(raw: bytes) -> list:
    """The bulk strings of a flat RESP2 array reply."""
    lines = raw.split(b"\r\n")
    assert lines[0][:1] == b"*", raw
    return [lines[i] for i in range(2, len(lines) - 1, 2)]


def test_spop_without_count_is_an_srem(core):
    core("SADD", "s", "a", "b", "c")
    core.take()
    member = core("SPOP", "s").split(b"\r\n")[1]
    assert core.take() == [[b"SREM", b"s", member]]


def test_spop_with_count_is_one_srem_per_member_in_a_transaction(core):
    core("SADD", "s", *[f"m{i}" for i in range(10)])
    core("SELECT", "2")
    core("SADD", "s", *[f"m{i}" for i in range(10)])
    core.take()
    popped = _bulks(core("SPOP", "s", "3"))
    assert len(popped) == 3
    assert [dbid for dbid, _ in core.fed] == [2] * 5
    assert core.take() == [[b"MULTI"]] + [[b"SREM", b"s", m] for m in popped] + [[b"EXEC"]]
    popped = _bulks(core("SPOP", "s", "1"))
    assert core.take() == [[b"SREM", b"s", popped[0]]]


def test_spop_of_the_whole_set_is_a_del(core):
    core("SADD", "s", "1", "2", "3")
    core("SADD", "t", "x")
    core.take()
    core("SPOP", "s", "3")
    core("SPOP", "t", "100")
    assert core.take() == [[b"DEL", b"s"], [b"DEL", b"t"]]
    assert core("EXISTS", "s", "t") == b":0\r\n"


def test_hincrbyfloat_propagates_the_result_as_hset(core):
    core("HSET", "h", "f", "1.5")
    core("HINCRBYFLOAT", "h", "f", "1")
    core("HINCRBYFLOAT", "h", "g", "2.50")
    core("HINCRBYFLOAT", "h", "g", "1e3")
    assert core.take()[1:] == [[b"HSET", b"h", b"f", b"2.5"], [b"HSET", b"h", b"g", b"2.5"],
                               [b"HSET", b"h", b"g", b"1002.5"]]


def test_lmpop_is_an_lpop_or_rpop_of_what_it_took(core):
    core("RPUSH", "l", "a", "b", "c", "d", "e")
    core.take()
    core("LMPOP", "1", "l", "LEFT")
    core("LMPOP", "2", "nokey", "l", "RIGHT", "COUNT", "2")
    core("LMPOP", "1", "l", "RIGHT", "COUNT", "10")
    assert core.take() == [[b"LPOP", b"l", b"1"], [b"RPOP", b"l", b"2"], [b"RPOP", b"l", b"2"]]
    assert core("EXISTS", "l") == b":0\r\n"


def test_list_commands_propagate_verbatim(core):
    core("RPUSH", "l", "a", "b", "c")
    core("LPOP", "l", "10")
    core("RPUSH", "l", "a", "b", "c")
    core("RPOPLPUSH", "l", "m")
    core("LMOVE", "l", "m", "left", "right")
    core("LMOVE", "m", "m", "LEFT", "LEFT")
    core("LTRIM", "m", "1", "-1")
    assert core.take() == [
        [b"RPUSH", b"l", b"a", b"b", b"c"], [b"LPOP", b"l", b"10"], [b"RPUSH", b"l", b"a", b"b", b"c"],
        [b"RPOPLPUSH", b"l", b"m"], [b"LMOVE", b"l", b"m", b"left", b"right"], [b"LMOVE", b"m", b"m", b"LEFT", b"LEFT"],
        [b"LTRIM", b"m", b"1", b"-1"],
    ]


def test_writes_that_change_something_propagate(core):
    core("HSET", "h", "f", "v")
    core("HSET", "h", "f", "v")          # same value: Redis still counts it as a change
    core("SADD", "a", "1")
    core("SINTERSTORE", "a", "a", "nokey")   # an empty result deletes the destination
    assert core.take() == [[b"HSET", b"h", b"f", b"v"], [b"HSET", b"h", b"f", b"v"], [b"SADD", b"a", b"1"],
                           [b"SINTERSTORE", b"a", b"a", b"nokey"]]


NOOPS = [
    ("LPUSHX", "nokey", "a"), ("RPUSHX", "nokey", "a"), ("LPOP", "nokey"), ("RPOP", "nokey", "2"), ("LPOP", "l", "0"),
    ("LMPOP", "2", "nokey", "nokey2", "LEFT"), ("RPOPLPUSH", "nokey", "l"), ("LMOVE", "nokey", "l", "LEFT", "LEFT"),
    ("LTRIM", "l", "0", "-1"), ("LTRIM", "nokey", "0", "1"), ("LREM", "l", "0", "zz"), ("LREM", "nokey", "0", "a"),
    ("LINSERT", "l", "BEFORE", "zz", "x"), ("LINSERT", "nokey", "AFTER", "a", "x"), ("LSET", "l", "9", "x"),
    ("LSET", "nokey", "0", "x"), ("LPUSH", "str", "x"),
    ("HSETNX", "h", "f", "other"), ("HDEL", "h", "nosuch"), ("HDEL", "nokey", "f"), ("HINCRBY", "h", "f", "1"),
    ("HINCRBYFLOAT", "h", "f", "1"), ("HINCRBY", "h", "n", "x"), ("HINCRBYFLOAT", "h", "n", "inf"),
    ("HSET", "str", "f", "v"),
    ("SADD", "s", "1"), ("SREM", "s", "nosuch"), ("SREM", "nokey", "1"), ("SMOVE", "s", "s", "1"),
    ("SMOVE", "s", "t", "nosuch"), ("SMOVE", "nokey", "t", "1"), ("SPOP", "nokey"), ("SPOP", "nokey", "3"),
    ("SPOP", "s", "0"), ("SINTERSTORE", "d", "s", "nokey"), ("SUNIONSTORE", "d", "nokey"),
    ("SDIFFSTORE", "d", "s", "s"), ("SPOP", "s", "-1"),
]


def test_noop_writes_do_not_propagate(core):
    core("RPUSH", "l", "a", "b")
    core("HSET", "h", "f", "v")
    core("SADD", "s", "1", "2")
    core("SET", "str", "v")
    core.take()
    for cmd in NOOPS:
        core(*cmd)
        assert core.take() == [], cmd
    assert core("LRANGE", "l", "0", "-1") == b"*2\r\n$1\r\na\r\n$1\r\nb\r\n"


def test_reads_do_not_propagate(core):
    core("RPUSH", "l", "a")
    core("HSET", "h", "f", "1")
    core("SADD", "s", "1", "x")
    core.take()
    for cmd in [("LRANGE", "l", "0", "-1"), ("LINDEX", "l", "0"), ("LPOS", "l", "a"), ("LLEN", "l"), ("HGETALL", "h"),
                ("HRANDFIELD", "h", "-3"), ("HSCAN", "h", "0"), ("SMEMBERS", "s"), ("SRANDMEMBER", "s", "-2"),
                ("SINTER", "s", "s"), ("SUNION", "s"), ("SDIFF", "s"), ("SINTERCARD", "1", "s"), ("SSCAN", "s", "0")]:
        core(*cmd)
    assert core.take() == []
