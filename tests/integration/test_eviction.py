"""maxmemory and maxmemory-policy: -OOM replies like redis-server's, eviction that keeps used_memory at the limit,
the policies' choice of keys, and evictions propagated as DEL."""
import time

import pytest
import redis

from kvs.client import NORMAL
from tests.procs import start_kvs, start_redis
from tests.rawconn import RawConn
from tests.unit.sansio import Core

OOM = b"-OOM command not allowed when used memory > 'maxmemory'.\r\n"


@pytest.fixture
def over_limit_pair():
    """kvs and redis-server, both always over their limit (maxmemory 1 byte) with noeviction."""
    args = ("--maxmemory", "1", "--maxmemory-policy", "noeviction")
    k, r = start_kvs(*args), start_redis(*args)
    try:
        yield k, r
    finally:
        k.stop()
        r.stop()


def test_noeviction_refuses_commands_that_may_grow_memory_like_redis(over_limit_pair):
    script = [("SET", "k", "v"), ("GET", "k"), ("DEL", "k"), ("INCR", "n"), ("LPUSH", "l", "a"), ("PING",),
              ("EXISTS", "k"), ("MULTI",), ("GET", "k"), ("SET", "k", "v"), ("EXEC",),
              ("MULTI",), ("DISCARD",), ("CONFIG", "GET", "maxmemory")]
    replies = []
    for srv in over_limit_pair:
        conn = RawConn(srv.port)
        replies.append([conn.call(*cmd) for cmd in script])
        conn.close()
    assert replies[0] == replies[1]
    assert replies[0][0] == OOM


def test_oom_counts_as_a_rejected_call(over_limit_pair):
    k, _ = over_limit_pair
    r = redis.Redis(port=k.port)
    with pytest.raises(redis.exceptions.OutOfMemoryError):
        r.set("a", "b")
    stats = r.info("commandstats")["cmdstat_set"]
    assert stats["rejected_calls"] == 1 and stats["calls"] == 0
    assert r.info("errorstats")["errorstat_OOM"]["count"] == 1
    r.close()


def fill(r, n, size=200, prefix="key", **kw):
    pipe = r.pipeline(transaction=False)
    for i in range(n):
        pipe.set(f"{prefix}:{i}", b"x" * size, **kw)
        if i % 1000 == 999:
            pipe.execute()
    pipe.execute()


def test_allkeys_lru_keeps_memory_at_the_limit_and_the_recent_keys():
    srv = start_kvs("--maxmemory", "24mb", "--maxmemory-policy", "allkeys-lru")
    try:
        r = redis.Redis(port=srv.port)
        fill(r, 120_000)               # ~40 MB of data
        mem = r.info("memory")
        assert mem["maxmemory"] == 24 << 20 and mem["maxmemory_policy"] == "allkeys-lru"
        assert mem["used_memory"] < (24 << 20) * 1.1
        r.config_set("maxmemory", 0)   # a background step may still be evicting: stop it first
        stats = r.info("stats")
        assert stats["evicted_keys"] > 0
        assert stats["evicted_keys"] + r.dbsize() == 120_000
        assert isinstance(stats["total_eviction_exceeded_time"], int)
        # The newest keys survive; most of the oldest are gone.
        assert all(r.exists(f"key:{i}") for i in range(119_900, 120_000))
        assert sum(r.exists(f"key:{i}") for i in range(1000)) < 100
        r.close()
    finally:
        srv.stop()


def test_volatile_policies_evict_only_keys_with_a_ttl_then_refuse():
    srv = start_kvs("--maxmemory", "30mb", "--maxmemory-policy", "volatile-lru")
    try:
        r = redis.Redis(port=srv.port)
        fill(r, 20_000, prefix="keep")                 # no TTL: never evicted
        fill(r, 60_000, prefix="ttl", ex=3600)
        assert r.info("stats")["evicted_keys"] > 0
        assert all(r.exists(f"keep:{i}") for i in range(0, 20_000, 97))
        # Once only keys without a TTL are left, writes that need memory are refused.
        with pytest.raises(redis.exceptions.OutOfMemoryError):
            fill(r, 100_000, prefix="more")
        assert r.get("keep:0") == b"x" * 200           # reads still work
        assert r.delete("keep:0") == 1                 # and so do deletions
        r.close()
    finally:
        srv.stop()


def test_volatile_ttl_evicts_the_soonest_to_expire_first():
    srv = start_kvs("--maxmemory", "30mb", "--maxmemory-policy", "volatile-ttl", "--maxmemory-samples", "10")
    try:
        r = redis.Redis(port=srv.port)
        fill(r, 10_000, prefix="late", ex=100_000)
        fill(r, 10_000, prefix="soon", ex=1000)
        fill(r, 60_000, prefix="filler", ex=50_000)
        soon = sum(r.exists(f"soon:{i}") for i in range(0, 10_000, 10))
        late = sum(r.exists(f"late:{i}") for i in range(0, 10_000, 10))
        assert r.info("stats")["evicted_keys"] > 0
        assert soon < late
        r.close()
    finally:
        srv.stop()


def test_lowering_maxmemory_at_run_time_evicts_and_logs_a_warning():
    srv = start_kvs("--maxmemory-policy", "allkeys-random")
    try:
        r = redis.Redis(port=srv.port)
        fill(r, 100_000)
        assert r.info("stats")["evicted_keys"] == 0
        r.config_set("maxmemory", "16mb")
        deadline = time.monotonic() + 10
        while r.info("memory")["used_memory"] > (16 << 20) * 1.1 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert r.info("memory")["used_memory"] <= (16 << 20) * 1.1
        assert r.info("stats")["evicted_keys"] > 0
        assert "is smaller than the current memory usage" in srv.output()
        r.close()
    finally:
        srv.stop()


def test_evictions_are_propagated_as_del_before_the_command():
    core = Core(kind=NORMAL)
    core.server.install_config_hooks()
    for i in range(50):
        core("SET", f"k{i}", "v" * 100)
    core.take()
    core("CONFIG", "SET", "maxmemory-policy", "allkeys-random")
    core("CONFIG", "SET", "lazyfree-lazy-eviction", "yes")
    core("CONFIG", "SET", "maxmemory-eviction-tenacity", "100")   # no time budget: all of it in this command
    core("CONFIG", "SET", "maxmemory", "1")       # always over: every key goes, then the write is refused
    assert core("SET", "new", "v") == OOM
    fed = core.take()
    assert len(fed) == 50
    assert all(dbid == 0 and argv[0] == b"UNLINK" for dbid, argv in fed)
    assert sorted(argv[1] for _, argv in fed) == sorted(f"k{i}".encode() for i in range(50))
    assert core("DBSIZE") == b":0\r\n"
