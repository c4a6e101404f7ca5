"""Pub/Sub against redis-server: subscription replies, message delivery, RESP2 subscriber restrictions, RESP3
pushes, PUBSUB introspection and the pubsub output buffer limit."""
import socket
import time

import pytest
import redis

from tests.procs import start_kvs
from tests.rawconn import RawConn


def _session(port, script):
    """Run `script` (list of (connection index, command)) over two raw connections; collect every reply."""
    conns = [RawConn(port), RawConn(port)]
    out = []
    try:
        for who, cmd in script:
            if cmd == "READ":
                out.append((who, conns[who].read_reply()))
            else:
                out.append((who, conns[who].call(*cmd)))
        return out
    finally:
        for c in conns:
            c.close()


@pytest.fixture(autouse=True)
def _flushed(kvs, real):
    """Scenarios run on raw connections: start each from empty servers."""


def same(kvs_server, redis_server, script):
    a = _session(kvs_server.port, script)
    b = _session(redis_server.port, script)
    assert a == b


def test_subscribe_publish_unsubscribe(kvs_server, redis_server):
    same(kvs_server, redis_server, [
        (0, ("SUBSCRIBE", "news", "sport")),
        (0, "READ"),
        (1, ("PUBLISH", "news", "hello")),
        (0, "READ"),
        (1, ("PUBLISH", "nobody", "x")),
        (0, ("UNSUBSCRIBE", "news")),
        (1, ("PUBLISH", "news", "again")),
        (1, ("PUBLISH", "sport", "goal")),
        (0, "READ"),
        (0, ("UNSUBSCRIBE",)),
        (0, ("UNSUBSCRIBE",)),
        (0, ("PING",)),
    ])


def test_patterns(kvs_server, redis_server):
    same(kvs_server, redis_server, [
        (0, ("PSUBSCRIBE", "n*", "h?llo")),
        (0, "READ"),
        (0, ("SUBSCRIBE", "news")),
        (1, ("PUBLISH", "news", "both")),
        (0, "READ"),
        (0, "READ"),
        (1, ("PUBLISH", "hallo", "p")),
        (0, "READ"),
        (1, ("PUBSUB", "NUMPAT")),
        (1, ("PUBSUB", "NUMSUB", "news", "none")),
        (1, ("PUBSUB", "CHANNELS")),
        (1, ("PUBSUB", "CHANNELS", "x*")),
        (0, ("PUNSUBSCRIBE", "n*")),
        (0, ("PUNSUBSCRIBE",)),
        (0, ("PUNSUBSCRIBE",)),
    ])


def test_resp2_subscriber_context(kvs_server, redis_server):
    same(kvs_server, redis_server, [
        (0, ("SUBSCRIBE", "c")),
        (0, ("GET", "k")),
        (0, ("PING",)),
        (0, ("PING", "hi")),
        (0, ("CLIENT", "ID")),
        (0, ("RESET",)),
        (0, ("GET", "k")),
    ])


def test_resp3_subscriber_may_run_commands_and_gets_pushes(kvs_server, redis_server):
    script = [
        (0, ("SUBSCRIBE", "c")),
        (0, ("SET", "k", "v")),
        (0, ("GET", "k")),
        (1, ("PUBLISH", "c", "m")),
        (0, "READ"),
        (0, ("PUBLISH", "c", "self")),
        (0, "READ"),
        (0, ("UNSUBSCRIBE", "c")),
    ]

    def run(port):
        conns = [RawConn(port), RawConn(port)]
        conns[0].call("HELLO", "3")
        out = []
        for who, cmd in script:
            out.append(conns[who].read_reply() if cmd == "READ" else conns[who].call(*cmd))
        conns[0].call("DEL", "k")
        return out

    assert run(kvs_server.port) == run(redis_server.port)


def test_arity_and_errors(diff):
    diff.run(("SUBSCRIBE",), ("PSUBSCRIBE",), ("PUBLISH", "c"), ("PUBSUB",), ("PUBSUB", "NOPE"),
             ("PUBSUB", "NUMSUB"), ("PUBSUB", "NUMPAT", "x"))


def test_redis_py_pubsub(kvs):
    p = kvs.pubsub()
    p.subscribe("ch")
    assert p.get_message(timeout=2)["type"] == "subscribe"
    assert kvs.publish("ch", "hello") == 1
    msg = p.get_message(timeout=2)
    assert msg["type"] == "message" and msg["data"] == b"hello"
    p.close()


def test_slow_subscriber_is_disconnected_by_pubsub_limit():
    srv = start_kvs("--client-output-buffer-limit", "pubsub 1mb 256kb 60")
    try:
        sub = socket.create_connection(("127.0.0.1", srv.port))
        sub.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sub.sendall(b"SUBSCRIBE flood\r\n")
        r = redis.Redis(port=srv.port)
        deadline = time.monotonic() + 10
        while r.pubsub_numsub("flood") != [(b"flood", 1)] and time.monotonic() < deadline:
            time.sleep(0.01)
        payload = b"x" * 65536
        for _ in range(200):
            r.publish("flood", payload)
        deadline = time.monotonic() + 10
        while r.info("stats")["client_output_buffer_limit_disconnections"] < 1 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert r.info("stats")["client_output_buffer_limit_disconnections"] >= 1
        assert r.pubsub_numsub("flood") == [(b"flood", 0)]
        sub.close()
        r.close()
    finally:
        srv.stop()
