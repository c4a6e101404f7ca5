"""DUMP and RESTORE against redis-server 7.0: payloads Redis produces restore in kvs with the same contents and
kvs's restore in Redis; RESTORE's options (REPLACE, ABSTTL, IDLETIME, FREQ) behave alike, and every error reply is
compared byte for byte."""
import re
import time

import crcmod
import pytest

from tests.conftest import require_redis_tools

_crc64 = crcmod.mkCrcFun(0x1AD93D23594C935A9, initCrc=0, rev=True, xorOut=0)
assert _crc64(b"123456789") == 0xE9C6D914C4B8D9CA


@pytest.fixture(autouse=True)
def _tools():
    require_redis_tools()


def payload(body: bytes, version: int = 10) -> bytes:
    """A DUMP payload: object bytes, 2-byte RDB version, CRC-64 of both."""
    data = body + version.to_bytes(2, "little")
    return data + _crc64(data).to_bytes(8, "little")


def listpack(*items: bytes) -> bytes:
    """A listpack of short strings (6-bit length entries)."""
    entries = b"".join(bytes([0x80 | len(i)]) + i + bytes([len(i) + 1]) for i in items)
    total = 6 + len(entries) + 1
    return total.to_bytes(4, "little") + len(items).to_bytes(2, "little") + entries + b"\xff"


def rdb_string(b: bytes) -> bytes:
    assert len(b) < 64
    return bytes([len(b)]) + b


def contents(r, key):
    t = r.type(key).decode()
    if t == "string":
        return t, r.get(key)
    if t == "list":
        return t, r.lrange(key, 0, -1)
    if t == "hash":
        return t, sorted(r.hgetall(key).items())
    if t == "set":
        return t, sorted(r.smembers(key))
    if t == "zset":
        return t, r.zrange(key, 0, -1, withscores=True)
    if t == "stream":
        groups = r.xinfo_groups(key)
        pending = [r.xpending_range(key, g["name"], "-", "+", 100) for g in groups]
        for p in pending:
            for e in p:
                e.pop("time_since_delivered", None)
        consumers = [[(c["name"], c["pending"]) for c in r.xinfo_consumers(key, g["name"])] for g in groups]
        info = r.xinfo_stream(key)
        return t, (r.xrange(key), info["last-generated-id"], info.get("max-deleted-entry-id"),
                   info.get("entries-added"), [(g["name"], g["last-delivered-id"]) for g in groups], pending,
                   consumers)
    return t, None


def make_everything(r):
    """Values in every type and in-memory encoding redis-server 7.0 has, under k:<name>."""
    r.set("k:int", 42)
    r.set("k:bigint", 12345678901234)
    r.set("k:embstr", "hello")
    r.set("k:raw", "r" * 100)
    r.set("k:compressible", "abc" * 1000)
    r.set("k:binary", bytes(range(256)) * 3)
    r.pfadd("k:hll", *[f"e{i}" for i in range(100)])
    r.rpush("k:list", "a", 1, -5, "x" * 70)
    r.rpush("k:biglist", *[f"item-{i}" for i in range(5000)])
    r.rpush("k:hugeitems", *["z" * 10000 for _ in range(5)])
    r.hset("k:hash", mapping={"a": 1, "b": "two"})
    r.hset("k:bighash", mapping={f"f{i}": f"v{i}" for i in range(1000)})
    r.hset("k:longhashval", mapping={"f": "v" * 100})
    r.sadd("k:intset", 1, 2, 3, -100, 2 ** 40)
    r.sadd("k:set", "a", "b", "c", "1")
    r.sadd("k:bigintset", *range(600))
    r.zadd("k:zset", {"a": 1, "b": 2.5, "c": -3, "d": float("inf"), "e": float("-inf")})
    r.zadd("k:bigzset", {f"m{i}": i * 0.25 for i in range(300)})
    r.zadd("k:longzmember", {"m" * 100: 1})
    for i in range(1, 30):
        r.xadd("k:stream", {"f": i, "g": "x" * (i % 5)}, id=f"{i}-0")
    r.xadd("k:stream", {"other": "fields"}, id="30-0")
    r.xdel("k:stream", "3-0", "30-0")
    r.xgroup_create("k:stream", "g1", id="0")
    r.xgroup_create("k:stream", "g2", id="10-0")
    r.xreadgroup("g1", "alice", {"k:stream": ">"}, count=3)
    r.xreadgroup("g1", "bob", {"k:stream": ">"}, count=2)
    r.xack("k:stream", "g1", "1-0")
    r.xadd("k:emptystream", {"a": 1}, id="5-5")
    r.xdel("k:emptystream", "5-5")
    return sorted(r.keys("k:*"))


def test_redis_payloads_restore_in_kvs_with_the_same_contents(kvs, real):
    keys = make_everything(real)
    for key in keys:
        data = real.dump(key)
        assert kvs.restore(key, 0, data)
        assert contents(kvs, key) == contents(real, key), key
        assert kvs.pttl(key) == -1


def test_kvs_payloads_restore_in_redis_with_the_same_contents(kvs, real):
    keys = make_everything(kvs)
    real.config_set("sanitize-dump-payload", "yes")
    try:
        for key in keys:
            data = kvs.dump(key)
            assert real.restore(key, 0, data), key
            assert contents(real, key) == contents(kvs, key), key
    finally:
        real.config_set("sanitize-dump-payload", "no")


def test_string_payload_is_byte_identical(kvs, real):
    # (LZF output may differ between compressors: only strings Redis stores uncompressed are compared)
    for value in (b"1", b"-7", b"123456", b"12345678901", b"hello", b"x" * 20, bytes(range(64)), b"0123"):
        kvs.set("s", value)
        real.set("s", value)
        assert kvs.dump("s") == real.dump("s"), value


def test_dump_missing_key_and_arity(diff):
    diff.same("DUMP", "nosuch")
    diff.same("DUMP")
    diff.same("DUMP", "a", "b")
    diff.same("RESTORE", "k", "0")


def test_restore_errors_byte_for_byte(diff):
    good = payload(b"\x00" + rdb_string(b"value"))
    diff.same("SET", "exists", "1")
    for cmd in [
        ("RESTORE", "exists", "0", good),
        ("RESTORE", "exists", "-1", good),                     # BUSYKEY is checked before the TTL
        ("RESTORE", "new", "-1", good),
        ("RESTORE", "new", "abc", good),
        ("RESTORE", "new", "0", "short"),
        ("RESTORE", "new", "0", good[:-1] + bytes([good[-1] ^ 1])),
        ("RESTORE", "new", "0", payload(b"\x00" + rdb_string(b"value"), version=11)),
        ("RESTORE", "new", "0", payload(b"\x00" + rdb_string(b"value"), version=9)),
        ("RESTORE", "new", "0", payload(b"\x14" + rdb_string(b"x"))),    # set listpack: 7.2+ only
        ("RESTORE", "new", "0", payload(b"\x08")),                      # no such type
        ("RESTORE", "new", "0", payload(b"\x00\x05ab")),                # truncated string
        ("RESTORE", "new", "0", payload(b"")),
        ("RESTORE", "new", "0", good, "FOO"),
        ("RESTORE", "new", "0", good, "IDLETIME"),
        ("RESTORE", "new", "0", good, "IDLETIME", "-1"),
        ("RESTORE", "new", "0", good, "IDLETIME", "x"),
        ("RESTORE", "new", "0", good, "FREQ", "256"),
        ("RESTORE", "new", "0", good, "FREQ", "-1"),
        ("RESTORE", "new", "0", good, "FREQ", "1", "IDLETIME", "1"),
        ("RESTORE", "new", "0", good, "IDLETIME", "1", "FREQ", "1"),
        ("RESTORE", "new", "0", good, "REPLACE", "ABSTTL", "FOO"),
        ("EXISTS", "new"),
        ("RESTORE", "new", "0", good, "REPLACE", "ABSTTL"),
        ("GET", "new"),
        ("RESTORE", "new", "0", good),
        ("RESTORE", "new", "0", good, "replace"),
        ("RESTORE", "exists", "0", payload(b"\x02\x01" + rdb_string(b"m")), "REPLACE"),
        ("TYPE", "exists"),
        ("SMEMBERS", "exists"),
    ]:
        diff.same(*cmd)


def test_restore_ttl_absttl_and_already_expired(kvs, real):
    for r in (kvs, real):
        data = payload(b"\x00" + rdb_string(b"v"))
        assert r.restore("rel", 5000, data)
        assert 4000 < r.pttl("rel") <= 5000
        at = int(time.time() * 1000) + 60_000
        assert r.restore("abs", at, data, absttl=True)
        assert 58_000 < r.pttl("abs") <= 60_000
        assert r.restore("past", 1000, data, absttl=True)
        assert r.exists("past") == 0
        r.set("replaced", "old")
        assert r.restore("replaced", 1000, data, replace=True, absttl=True)
        assert r.exists("replaced") == 0
        assert r.restore("zero", 0, data)
        assert r.pttl("zero") == -1


def test_restore_idletime_and_freq(kvs, real):
    data = payload(b"\x00" + rdb_string(b"v"))
    for r in (kvs, real):
        assert r.restore("idle", 0, data, idletime=1000)
        assert 1000 <= r.object("idletime", "idle") <= 1002
        assert r.restore("freq-ignored", 0, data, frequency=100)      # LRU policy: FREQ has no effect
    for r in (kvs, real):
        r.config_set("maxmemory-policy", "allkeys-lfu")
    try:
        for r in (kvs, real):
            assert r.restore("freq", 0, data, frequency=100)
            assert r.object("freq", "freq") == 100
            assert r.restore("idle-ignored", 0, data, idletime=5)
            assert r.object("freq", "idle-ignored") == 5                # LFU_INIT_VAL
    finally:
        for r in (kvs, real):
            r.config_set("maxmemory-policy", "noeviction")


def test_deep_sanitization_refuses_what_redis_refuses(diff):
    dup_hash = payload(b"\x10" + rdb_string(listpack(b"f", b"v", b"f", b"w")))
    odd_hash = payload(b"\x10" + rdb_string(listpack(b"f", b"v", b"g")))
    good_hash = payload(b"\x10" + rdb_string(listpack(b"f", b"v", b"g", b"w")))

    def sanitizations(conn):
        text = conn.call("INFO", "stats").decode()
        return int(re.search(r"dump_payload_sanitizations:(\d+)", text).group(1))

    before = [sanitizations(diff.k), sanitizations(diff.r)]
    diff.same("CONFIG", "SET", "sanitize-dump-payload", "yes")
    try:
        diff.same("RESTORE", "h1", "0", dup_hash)
        diff.same("RESTORE", "h2", "0", odd_hash)
        diff.same("RESTORE", "h3", "0", good_hash)
        diff.same("HGETALL", "h3")
    finally:
        diff.same("CONFIG", "SET", "sanitize-dump-payload", "no")
    after = [sanitizations(diff.k), sanitizations(diff.r)]
    assert after[0] - before[0] == after[1] - before[1]


def test_restore_counts_as_a_change(kvs):
    data = kvs.dump("nokey")
    assert data is None
    kvs.rpush("src", "a", "b")
    data = kvs.dump("src")
    before = kvs.info("persistence")["rdb_changes_since_last_save"]
    assert kvs.restore("dst", 0, data)
    assert kvs.info("persistence")["rdb_changes_since_last_save"] == before + 1
    assert kvs.lrange("dst", 0, -1) == [b"a", b"b"]
