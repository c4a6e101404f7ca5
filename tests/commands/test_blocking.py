"""Blocking list commands against redis-server: immediate service, timeouts, wake-ups by pushes (also inside
MULTI/EXEC), first-blocked-first-served, CLIENT UNBLOCK, and the non-blocking behaviour inside transactions."""
import time

import pytest

from tests.rawconn import RawConn, encode


def blocked_clients(conn) -> int:
    info = conn.call("INFO", "clients").decode()
    return int(info.split("blocked_clients:")[1].split("\r\n")[0])


def wait_blocked(conn, count, timeout=5.0):
    """Until the server reports `count` blocked clients: a fixed pause alone races a loaded machine."""
    deadline = time.monotonic() + timeout
    while blocked_clients(conn) < count and time.monotonic() < deadline:
        time.sleep(0.005)


def scenario(port, steps):
    """steps: (conn index, command tuple) to call, (conn index, ("SEND", cmd...)) to send without waiting,
    (conn index, "READ") to read a pending reply, ("SLEEP", seconds): pause, then wait until every connection
    with an unread reply is blocked."""
    conns = {}
    unread = set()
    out = []
    control = RawConn(port)
    try:
        for step in steps:
            if step[0] == "SLEEP":
                time.sleep(step[1])
                wait_blocked(control, len(unread))
                continue
            who, what = step
            conn = conns.get(who) or conns.setdefault(who, RawConn(port))
            if what == "READ":
                out.append((who, conn.read_reply()))
                unread.discard(who)
            elif what[0] == "SEND":
                conn.send(encode(*what[1:]))
                unread.add(who)
            else:
                out.append((who, conn.call(*what)))
        return out
    finally:
        control.close()
        for c in conns.values():
            c.close()


@pytest.fixture
def same(kvs_server, redis_server, kvs, real):
    def check(steps):
        a = scenario(kvs_server.port, steps)
        b = scenario(redis_server.port, steps)
        assert a == b
        return a
    return check


def test_served_immediately(same):
    same([(0, ("RPUSH", "l", "a", "b")), (0, ("BLPOP", "none", "l", "0")), (0, ("BRPOP", "l", "0")),
          (0, ("EXISTS", "l"))])


def test_timeout_replies(same):
    same([(0, ("BLPOP", "l", "0.05")), (0, ("BRPOPLPUSH", "l", "d", "0.05")),
          (0, ("BLMOVE", "l", "d", "LEFT", "RIGHT", "0.05")), (0, ("BLMPOP", "0.05", "1", "l", "LEFT"))])


def test_argument_errors(same):
    same([(0, ("BLPOP", "l", "-1")), (0, ("BLPOP", "l", "abc")), (0, ("BLMOVE", "a", "b", "UP", "LEFT", "0")),
          (0, ("BLMPOP", "0", "0", "l", "LEFT")), (0, ("BLMPOP", "0", "1", "l", "MIDDLE")),
          (0, ("SET", "s", "x")), (0, ("BLPOP", "s", "0")), (0, ("BLPOP", "missing", "s", "0"))])


def test_woken_by_push(same):
    same([(0, ("SEND", "BLPOP", "l", "5")), ("SLEEP", 0.1), (1, ("RPUSH", "l", "x", "y")), (0, "READ"),
          (1, ("LRANGE", "l", "0", "-1"))])


def test_first_blocked_first_served(same):
    same([(0, ("SEND", "BLPOP", "q", "5")), ("SLEEP", 0.05), (1, ("SEND", "BRPOP", "q", "5")), ("SLEEP", 0.05),
          (2, ("RPUSH", "q", "first")), (0, "READ"), (2, ("RPUSH", "q", "second")), (1, "READ")])


def test_several_served_by_one_push(same):
    same([(0, ("SEND", "BLPOP", "q", "5")), ("SLEEP", 0.05), (1, ("SEND", "BLPOP", "q", "5")), ("SLEEP", 0.05),
          (2, ("RPUSH", "q", "a", "b", "c")), (0, "READ"), (1, "READ"), (2, ("LLEN", "q"))])


def test_woken_by_push_inside_exec(same):
    same([(0, ("SEND", "BLPOP", "l", "5")), ("SLEEP", 0.05), (1, ("MULTI",)), (1, ("RPUSH", "l", "a")),
          (1, ("RPUSH", "l", "b")), (1, ("EXEC",)), (0, "READ"), (1, ("LRANGE", "l", "0", "-1"))])


def test_blocking_commands_inside_multi_do_not_block(same):
    same([(0, ("MULTI",)), (0, ("BLPOP", "l", "0")), (0, ("BLMOVE", "l", "d", "LEFT", "LEFT", "0")),
          (0, ("EXEC",))])


def test_blmove_chain(same):
    same([(0, ("SEND", "BLMOVE", "src", "dst", "LEFT", "RIGHT", "5")), ("SLEEP", 0.05),
          (1, ("SEND", "BLPOP", "dst", "5")), ("SLEEP", 0.05),
          (2, ("RPUSH", "src", "v")), (0, "READ"), (1, "READ"), (2, ("EXISTS", "src", "dst"))])


def test_blmpop_wakes_with_count(same):
    same([(0, ("SEND", "BLMPOP", "5", "2", "a", "b", "RIGHT", "COUNT", "2")), ("SLEEP", 0.05),
          (1, ("RPUSH", "b", "1", "2", "3")), (0, "READ"), (1, ("LRANGE", "b", "0", "-1"))])


def test_wrong_type_does_not_wake_then_list_does(same):
    same([(0, ("SEND", "BLPOP", "k", "5")), ("SLEEP", 0.05), (1, ("SET", "k", "str")), ("SLEEP", 0.05),
          (1, ("DEL", "k")), (1, ("RPUSH", "k", "v")), (0, "READ")])


def test_client_unblock(kvs_server, redis_server, kvs, real):
    def run(port):
        a, b = RawConn(port), RawConn(port)
        cid = int(a.call("CLIENT", "ID")[1:-2])
        a.send(encode("BLPOP", "l", "0"))
        wait_blocked(b, 1)
        out = [b.call("CLIENT", "UNBLOCK", str(cid)), a.read_reply()]
        a.send(encode("BLPOP", "l", "0"))
        wait_blocked(b, 1)
        out += [b.call("CLIENT", "UNBLOCK", str(cid), "ERROR"), a.read_reply(),
                b.call("CLIENT", "UNBLOCK", str(cid)), b.call("CLIENT", "UNBLOCK", "999999", "FOO")]
        a.close()
        b.close()
        return out

    assert run(kvs_server.port) == run(redis_server.port)


def test_pipelined_commands_wait_behind_a_blocked_one(same):
    same([(0, ("SEND", "BLPOP", "l", "5")), (0, ("SEND", "PING",)), ("SLEEP", 0.05), (1, ("RPUSH", "l", "x")),
          (0, "READ"), (0, "READ")])


def test_blocked_clients_in_info(kvs):
    import redis
    other = redis.Redis(port=kvs.connection_pool.connection_kwargs["port"])
    conn = RawConn(kvs.connection_pool.connection_kwargs["port"])
    conn.send(encode("BLPOP", "l", "5"))
    deadline = time.monotonic() + 5
    while other.info("clients")["blocked_clients"] < 1 and time.monotonic() < deadline:
        time.sleep(0.005)
    assert other.info("clients")["blocked_clients"] == 1
    other.rpush("l", "x")
    assert conn.read_reply() == b"*2\r\n$1\r\nl\r\n$1\r\nx\r\n"
    assert other.info("clients")["blocked_clients"] == 0
    conn.close()
    other.close()


def test_xread_block_woken_by_xadd(same):
    same([(0, ("XADD", "s", "1-1", "f", "v")),
          (0, ("SEND", "XREAD", "BLOCK", "5000", "STREAMS", "s", "$")), ("SLEEP", 0.05),
          (1, ("XADD", "s", "2-1", "f", "new")), (0, "READ")])


def test_xread_block_timeout_and_count(same):
    same([(0, ("XREAD", "BLOCK", "50", "STREAMS", "s", "$")),
          (0, ("SEND", "XREAD", "COUNT", "1", "BLOCK", "0", "STREAMS", "s", "other", "0-0", "0-0")),
          ("SLEEP", 0.05), (1, ("XADD", "other", "5-1", "a", "b")), (0, "READ")])


def test_xreadgroup_block_served_to_waiting_consumers_in_order(same):
    same([(0, ("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")),
          (0, ("SEND", "XREADGROUP", "GROUP", "g", "c1", "BLOCK", "5000", "STREAMS", "s", ">")), ("SLEEP", 0.05),
          (1, ("SEND", "XREADGROUP", "GROUP", "g", "c2", "BLOCK", "5000", "STREAMS", "s", ">")), ("SLEEP", 0.05),
          (2, ("XADD", "s", "1-1", "f", "1")), (0, "READ"), (2, ("XADD", "s", "2-1", "f", "2")), (1, "READ"),
          (2, ("XPENDING", "s", "g"))])


def test_xread_block_inside_multi_does_not_block(same):
    same([(0, ("MULTI",)), (0, ("XREAD", "BLOCK", "0", "STREAMS", "s", "$")), (0, ("EXEC",))])


def test_bzpop_immediate_timeout_and_wake(same):
    same([(0, ("ZADD", "z", "1", "a", "2", "b")), (0, ("BZPOPMIN", "none", "z", "0")), (0, ("BZPOPMAX", "z", "0")),
          (0, ("BZPOPMIN", "z", "0.05")), (0, ("BZMPOP", "0.05", "1", "z", "MIN")),
          (0, ("SEND", "BZPOPMAX", "z", "5")), ("SLEEP", 0.05), (1, ("ZADD", "z", "3", "c", "4", "d")), (0, "READ"),
          (0, ("SEND", "BZMPOP", "5", "2", "y", "z", "MIN", "COUNT", "5")), ("SLEEP", 0.05),
          (1, ("ZADD", "y", "1", "x")), (0, "READ"), (1, ("ZRANGE", "z", "0", "-1", "WITHSCORES"))])


def test_bzpop_errors_and_multi(same):
    same([(0, ("SET", "s", "x")), (0, ("BZPOPMIN", "s", "0")), (0, ("BZPOPMIN", "z", "-1")),
          (0, ("BZMPOP", "0", "1", "z", "MIDDLE")), (0, ("MULTI",)), (0, ("BZPOPMIN", "z", "0")), (0, ("EXEC",))])


def test_zunionstore_wakes_bzpopmin(same):
    same([(0, ("SEND", "BZPOPMIN", "dst", "5")), ("SLEEP", 0.05), (1, ("ZADD", "src", "1", "m")),
          (1, ("ZUNIONSTORE", "dst", "1", "src")), (0, "READ")])
