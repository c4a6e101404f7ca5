"""Fixtures: real kvs-server and redis-server processes on free loopback ports, redis-py clients, and raw
connections for byte-exact differential tests."""
import os

import pytest
import redis
from hypothesis import settings

from tests.procs import redis_server_path, start_kvs, start_redis
from tests.rawconn import RawConn

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

# CI explores the same examples on every run, so a result is reproducible from the commit alone; local runs keep
# drawing new ones (and the example database replays what they found).
settings.register_profile("ci", derandomize=True, deadline=None)
if IN_CI:
    settings.load_profile("ci")


def require_redis_tools():
    """Interop tests need Debian's redis-server/redis-tools: missing tools skip locally but fail in CI."""
    if redis_server_path() is None:
        if IN_CI:
            pytest.fail("redis-server is not installed (required in CI)")
        pytest.skip("redis-server is not installed")


@pytest.fixture(scope="session")
def kvs_server():
    srv = start_kvs()
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def redis_server():
    require_redis_tools()
    srv = start_redis()
    yield srv
    srv.stop()


@pytest.fixture
def kvs(kvs_server):
    client = redis.Redis(port=kvs_server.port, socket_timeout=10)
    client.flushall()
    yield client
    client.close()


@pytest.fixture
def real(redis_server):
    client = redis.Redis(port=redis_server.port, socket_timeout=10)
    client.flushall()
    yield client
    client.close()


class Differ:
    """Sends the same commands to kvs and redis-server and compares the raw reply bytes."""

    def __init__(self, kvs_port, redis_port):
        self.k = RawConn(kvs_port)
        self.r = RawConn(redis_port)

    def both(self, *args):
        return self.k.call(*args), self.r.call(*args)

    def same(self, *args):
        a, b = self.both(*args)
        assert a == b, f"{args!r}: kvs {a!r} != redis {b!r}"
        return a

    def run(self, *commands):
        return [self.same(*cmd) for cmd in commands]

    def close(self):
        self.k.close()
        self.r.close()


@pytest.fixture
def diff(kvs_server, redis_server):
    d = Differ(kvs_server.port, redis_server.port)
    d.same("FLUSHALL")
    yield d
    d.close()
