"""Transactions, compared byte for byte with redis-server."""
import pytest

from tests.rawconn import RawConn


def test_multi_exec_replies(diff):
    diff.run(("MULTI",), ("SET", "a", "1"), ("INCR", "a"), ("GET", "a"), ("EXEC",), ("GET", "a"))


def test_errors_outside_and_nested(diff):
    diff.run(("EXEC",), ("DISCARD",), ("MULTI",), ("MULTI",), ("SET", "x", "y"), ("EXEC",))


def test_queued_error_aborts_with_execabort(diff):
    diff.run(("MULTI",), ("SET", "a", "1"), ("GET",), ("NOSUCHCMD", "x"), ("EXEC",), ("EXISTS", "a"))


def test_runtime_error_does_not_abort(diff):
    diff.run(("SET", "s", "abc"), ("MULTI",), ("INCR", "s"), ("SET", "t", "1"), ("EXEC",), ("GET", "t"))


def test_discard(diff):
    diff.run(("MULTI",), ("SET", "a", "1"), ("DISCARD",), ("EXISTS", "a"), ("EXEC",))


def test_watch_inside_multi_and_unwatch(diff):
    diff.run(("MULTI",), ("WATCH", "k"), ("SET", "k", "1"), ("EXEC",), ("UNWATCH",), ("WATCH",))


def test_commands_not_allowed_in_multi(diff):
    diff.run(("MULTI",), ("SHUTDOWN",), ("EXEC",))


def _watch_scenario(port, breaker):
    """WATCH k on one connection, let `breaker` run on another, then try a transaction."""
    a, b = RawConn(port), RawConn(port)
    try:
        a.call("SET", "k", "v")
        a.call("SET", "other", "v")
        out = [a.call("WATCH", "k")]
        for cmd in breaker:
            b.call(*cmd)
        out += [a.call("MULTI"), a.call("SET", "k", "mine"), a.call("EXEC"), a.call("GET", "k")]
        return out
    finally:
        a.close()
        b.close()


@pytest.mark.parametrize("breaker", [
    [],
    [("SET", "k", "theirs")],
    [("SET", "k", "v")],                 # same value still counts as a change
    [("DEL", "k")],
    [("EXPIRE", "k", "100")],
    [("APPEND", "k", "x")],
    [("SET", "other", "x")],             # an unrelated key does not break the watch
    [("FLUSHDB",)],
    [("FLUSHALL",)],
    [("SWAPDB", "0", "1")],
    [("RENAME", "k", "k2")],
    [("GET", "k")],                      # reads never do
    [("SADD", "s1", "a"), ("SINTERSTORE", "k", "s1")],      # a destination is written
    [("SET", "k2", "x"), ("BITOP", "OR", "dest", "k", "k2")],  # a source is only read
    [("PFMERGE", "hll", "k")],           # likewise (k is not an HLL: the merge fails, nothing changes)
    [("COPY", "other", "k", "REPLACE")],
    [("COPY", "k", "k3")],
    [("MOVE", "k", "1")],
    [("LPUSH", "l", "x"), ("LMPOP", "1", "l", "LEFT")],     # movable keys
])
def test_watch_broken_by_writes(kvs_server, redis_server, breaker, kvs, real):
    assert _watch_scenario(kvs_server.port, breaker) == _watch_scenario(redis_server.port, breaker)


def test_watch_broken_by_expiry(kvs_server, redis_server, kvs, real):
    import time

    def scenario(port):
        a = RawConn(port)
        try:
            a.call("SET", "k", "v", "PX", "300")     # long enough to be alive at WATCH on a loaded machine
            out = [a.call("WATCH", "k")]
            time.sleep(0.4)
            out += [a.call("MULTI"), a.call("SET", "j", "1"), a.call("EXEC")]
            return out
        finally:
            a.close()

    assert scenario(kvs_server.port) == scenario(redis_server.port)


def test_exec_resp3(diff):
    # HELLO's reply carries the connection id, which differs: compare what follows.
    diff.both("HELLO", "3")
    diff.run(("MULTI",), ("SET", "a", "1"), ("GET", "nokey"), ("EXEC",))
