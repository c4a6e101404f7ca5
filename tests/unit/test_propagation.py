"""The sans-IO core: commands run without sockets, and every change leaves through the one propagation hook in
its deterministic, replayable form."""
import time

import pytest

from tests.unit.sansio import Core



@pytest.fixture
def core():
    return Core()


def test_replies_without_a_socket(core):
    assert core("SET", "k", "v") == b"+OK\r\n"
    assert core("GET", "k") == b"$1\r\nv\r\n"
    assert core("get") == b"-ERR wrong number of arguments for 'get' command\r\n"
    assert core("NOSUCH", "a") == b"-ERR unknown command 'NOSUCH', with args beginning with: 'a' \r\n"


def test_plain_writes_propagate_verbatim(core):
    core("SET", "k", "v")
    core("INCR", "n")
    core("DEL", "k", "missing")
    assert core.take() == [(0, [b"SET", b"k", b"v"]), (0, [b"INCR", b"n"]), (0, [b"DEL", b"k", b"missing"])]


def test_reads_and_noop_writes_do_not_propagate(core):
    core("GET", "k")
    core("DEL", "missing")
    core("SET", "k", "v", "NX")
    core("SET", "k", "v2", "NX")
    assert core.take() == [(0, [b"SET", b"k", b"v", b"NX"])]


def test_relative_expiry_becomes_absolute(core):
    before = int(time.time() * 1000)
    core("SET", "k", "v", "EX", "100")
    core("SETEX", "k2", "10", "v")
    core("EXPIRE", "k", "50")
    core("GETEX", "k", "PX", "5000")
    after = int(time.time() * 1000)
    fed = core.take()
    assert [argv[:4] for _, argv in fed[:2]] == [[b"SET", b"k", b"v", b"PXAT"], [b"SET", b"k2", b"v", b"PXAT"]]
    assert before + 100_000 <= int(fed[0][1][4]) <= after + 100_000
    assert fed[2][1][:2] == [b"PEXPIREAT", b"k"] and before + 50_000 <= int(fed[2][1][2]) <= after + 50_000
    assert fed[3][1][:2] == [b"PEXPIREAT", b"k"] and before + 5000 <= int(fed[3][1][2]) <= after + 5000


def test_expire_in_the_past_is_a_delete(core):
    core("SET", "k", "v")
    core.take()
    assert core("EXPIREAT", "k", "1") == b":1\r\n"
    assert core.take() == [(0, [b"DEL", b"k"])]


def test_non_deterministic_commands_propagate_their_effect(core):
    core("SET", "f", "1.5")
    core("INCRBYFLOAT", "f", "1")
    core("SET", "k", "v", "GET")
    core("GETSET", "k", "w")
    core("GETDEL", "k")
    assert core.take()[1:] == [(0, [b"SET", b"f", b"2.5", b"KEEPTTL"]), (0, [b"SET", b"k", b"v"]),
                               (0, [b"SET", b"k", b"w"]), (0, [b"DEL", b"k"])]


def test_lazy_and_active_expiry_propagate_del(core):
    core("SET", "a", "1", "PX", "1")
    core("SET", "b", "1", "PX", "1")
    core.take()
    time.sleep(0.01)
    assert core("GET", "a") == b"$-1\r\n"
    assert core.take() == [(0, [b"DEL", b"a"])]
    core.server.active_expire_cycle()
    assert core.take() == [(0, [b"DEL", b"b"])]
    assert core.server.expired_keys == 2


def test_select_and_flush_carry_the_db(core):
    core("SELECT", "3")
    core("SET", "k", "v")
    core("FLUSHDB")
    core("FLUSHALL")
    assert core.take() == [(3, [b"SET", b"k", b"v"]), (3, [b"FLUSHDB"]), (3, [b"FLUSHALL"])]


def test_transactions_propagate_once_wrapped(core):
    core("MULTI")
    core("SET", "a", "1")
    core("INCR", "a")
    core("GET", "a")
    assert core.take() == []          # nothing leaves before EXEC
    core("EXEC")
    assert core.take() == [(0, [b"MULTI"]), (0, [b"SET", b"a", b"1"]), (0, [b"INCR", b"a"]), (0, [b"EXEC"])]


def test_transaction_with_one_write_is_not_wrapped(core):
    core("MULTI")
    core("SET", "a", "1")
    core("GET", "a")
    core("EXEC")
    assert core.take() == [(0, [b"SET", b"a", b"1"])]


def test_blocking_commands_propagate_their_non_blocking_form(core):
    core("RPUSH", "l", "a", "b", "c")
    core("ZADD", "z", "1", "m", "2", "n")
    core.take()
    core("BLPOP", "l", "0")
    core("BRPOP", "l", "0")
    core("BLMOVE", "l", "d", "LEFT", "RIGHT", "0")
    core("BZPOPMIN", "z", "0")
    core("BZMPOP", "0", "1", "z", "MAX", "COUNT", "5")
    core("BLPOP", "nothing", "0")          # no connection to wait on: answered like a timeout, nothing written
    assert core.take() == [(0, [b"LPOP", b"l"]), (0, [b"RPOP", b"l"]), (0, [b"LMOVE", b"l", b"d", b"LEFT", b"RIGHT"]),
                           (0, [b"ZPOPMIN", b"z"]), (0, [b"ZPOPMAX", b"z", b"1"])]
