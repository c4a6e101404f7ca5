"""RDB interop with the real redis-server 7.0.15 and redis-check-rdb, both ways.

- kvs -> Redis: a dataset with every type and encoding (small and large collections, integer and binary strings,
  special scores, streams with groups and pending entries, TTLs, several databases) is written by kvs; redis-server
  started with `sanitize-dump-payload yes` loads it with identical contents (compared through commands, encodings
  included) and redis-check-rdb accepts it.
- Redis -> kvs: the same dataset built in redis-server and SAVEd loads in kvs with identical contents.
- DUMP payloads of kvs and Redis are byte-identical (rdbcompression off, so LZF output does not differ), and each
  side RESTOREs the other's.
- Files in the encodings Redis 7.0 only reads (zipmap, ziplists, intset, quicklist of ziplists, string-double
  zsets, stream v1, second-precision expires, RDB v3/v6/v9 headers) load identically in redis-server and kvs.
"""
import os
import struct
import subprocess
import tempfile

import hiredis
import pytest
import redis

from kvs._core import rdbcodec
from kvs._core.rdbcodec import encode_length, encode_string, intset_encode, listpack_encode, ziplist_encode
from kvs._core.rdbcodec import zipmap_encode
from kvs.persistence import rdb
from tests.conftest import require_redis_tools
from tests.procs import start_redis
from tests.unit.test_rdbcodec import (FAR_FUTURE_MS, Kvs, canon_value, key_record, rdb_file, rich_commands,
                                     write_bytes)

pytestmark = pytest.mark.interop


# -- clients ------------------------------------------------------------------------------------------------------
class RedisCall:
    """One connection to a real server; replies parsed by hiredis without redis-py's per-command callbacks."""

    def __init__(self, port):
        self.conn = redis.Connection(port=port, socket_timeout=30, protocol=2)
        self.conn.connect()

    def __call__(self, *args):
        self.conn.send_command(*args)
        try:
            return self.conn.read_response()
        except redis.ResponseError as e:
            return e

    def close(self):
        self.conn.disconnect()


class KvsCall:
    """The same for an in-process kvs server."""

    def __init__(self, kvs: Kvs):
        self.kvs = kvs

    def __call__(self, *args):
        reader = hiredis.Reader()
        reader.feed(self.kvs(*args))
        return reader.gets()


def run_all(call, cmds):
    for cmd in cmds:
        reply = call(*cmd)
        assert not isinstance(reply, Exception), (cmd, reply)


def snapshot(call, dbs=range(16)):
    """Everything observable about a keyspace through commands (encodings of collections included)."""
    out = {}
    for dbid in dbs:
        call("SELECT", dbid)
        for key in sorted(call("KEYS", "*")):
            t = call("TYPE", key)
            item = {"type": t, "expire": call("PEXPIRETIME", key)}
            if t != b"string":
                item["encoding"] = call("OBJECT", "ENCODING", key)
            if t == b"string":
                item["value"] = call("GET", key)
            elif t == b"list":
                item["value"] = call("LRANGE", key, 0, -1)
            elif t == b"set":
                members = call("SMEMBERS", key)
                item["value"] = members if item["encoding"] == b"intset" else sorted(members)
            elif t == b"zset":
                item["value"] = call("ZRANGE", key, 0, -1, "WITHSCORES")
            elif t == b"hash":
                flat = call("HGETALL", key)
                pairs = list(zip(flat[0::2], flat[1::2]))
                item["value"] = pairs if item["encoding"] == b"listpack" else sorted(pairs)
            elif t == b"stream":
                item["value"] = call("XRANGE", key, "-", "+")
                item["full"] = call("XINFO", "STREAM", key, "FULL", "COUNT", 0)
                groups = call("XINFO", "GROUPS", key)
                item["groups"] = groups
                item["pending"] = {}
                for g in groups:
                    name = dict(zip(g[0::2], g[1::2]))[b"name"]
                    pend = call("XPENDING", key, name, "-", "+", 1000)
                    item["pending"][name] = [(p[0], p[1], p[3]) for p in pend]     # id, consumer, count
            out[(dbid, key)] = item
    call("SELECT", 0)
    return out


# -- servers ------------------------------------------------------------------------------------------------------
@pytest.fixture
def workdir():
    require_redis_tools()
    d = tempfile.mkdtemp(prefix="kvs-rdb-interop-")
    yield d


def redis_loading(workdir, data, *extra):
    """Start redis-server (sanitize-dump-payload yes) on a file; it refuses to start on a file it cannot load."""
    with open(os.path.join(workdir, "dump.rdb"), "wb") as f:
        f.write(data)
    return start_redis("--dir", workdir, "--dbfilename", "dump.rdb", "--sanitize-dump-payload", "yes", *extra,
                       workdir=workdir)


def check_rdb(path):
    proc = subprocess.run(["redis-check-rdb", path], capture_output=True, text=True, timeout=60)
    return proc.returncode, proc.stdout + proc.stderr


# -- kvs -> Redis -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("compression", [True, False])
def test_redis_loads_what_kvs_writes(workdir, compression):
    k = Kvs()
    run_all(KvsCall(k), rich_commands(scale=2))
    data = write_bytes(k.server, compression=compression)
    path = os.path.join(workdir, "kvs.rdb")
    with open(path, "wb") as f:
        f.write(data)
    code, out = check_rdb(path)
    assert code == 0 and "RDB looks OK" in out, out
    srv = redis_loading(workdir, data)
    try:
        real = RedisCall(srv.port)
        assert snapshot(real) == snapshot(KvsCall(k))
        log = srv.output()
        assert "Done loading RDB" in log and "skipping empty key" not in log
        real.close()
    finally:
        srv.stop()


def test_redis_loads_lru_and_lfu_records(workdir):
    k = Kvs()
    k.run([("CONFIG", "SET", "maxmemory-policy", "allkeys-lfu"), ("SET", "a", "1"), ("SET", "b", "2")])
    k.server.apply_lfu_config()
    k.server.dbs[0].access[b"a"] = ((k.server.lru_clock // 60) & 65535) << 8 | 42
    srv = redis_loading(workdir, write_bytes(k.server), "--maxmemory-policy", "allkeys-lfu")
    try:
        real = RedisCall(srv.port)
        assert real("OBJECT", "FREQ", "a") == 42
        real.close()
    finally:
        srv.stop()


# -- Redis -> kvs -------------------------------------------------------------------------------------------------
def test_kvs_loads_what_redis_writes(workdir):
    srv = start_redis("--dir", workdir, workdir=workdir)
    try:
        real = RedisCall(srv.port)
        run_all(real, rich_commands(scale=2))
        assert real("SAVE") == b"OK"
        expected = snapshot(real)
        with open(os.path.join(workdir, "dump.rdb"), "rb") as f:
            redis_file = f.read()
        real.close()
    finally:
        srv.stop()
    k = Kvs()
    stats = rdb.load(k.server, os.path.join(workdir, "dump.rdb"))
    assert stats.checksum_ok is True and stats.version == 10 and stats.aux["redis-ver"] == b"7.0.15"
    assert snapshot(KvsCall(k)) == expected
    # The same data written back by kvs is within 5% of Redis's file (LZF implementations differ slightly).
    ours = write_bytes(k.server)
    assert abs(len(ours) - len(redis_file)) <= 0.05 * len(redis_file)


# -- DUMP / RESTORE -------------------------------------------------------------------------------------------------
def _renamed(snap):
    """Each restored copy compared with its original (RESTORE drops the TTL: expire is not compared)."""
    originals = {key: item for key, item in snap.items() if not key[1].startswith(b"copy:")}
    for (dbid, key), item in snap.items():
        if key.startswith(b"copy:"):
            orig = dict(originals[(dbid, key[5:])])
            orig["expire"] = item["expire"]
            assert item == orig, key
    return snap


def test_dump_payloads_are_byte_identical_and_restore_both_ways(workdir):
    srv = start_redis("--rdbcompression", "no", "--sanitize-dump-payload", "yes", workdir=workdir)
    try:
        real = RedisCall(srv.port)
        k = Kvs()
        # (without the commands that stamp the current time into a stream: delivery and seen times would differ)
        cmds = [c for c in rich_commands() if c[0] not in ("XREADGROUP", "XCLAIM") and c[1:2] != ("CREATECONSUMER",)]
        run_all(real, cmds)
        run_all(KvsCall(k), cmds)
        for dbid, db in enumerate(k.server.dbs):
            real("SELECT", dbid)
            for key, value in db.keys.items():
                theirs = real("DUMP", key)
                ours = rdb.dump_payload(value, compression=False, config=k.server.config)
                # A hashtable's iteration order is its own (kvs's dict, Redis's dict): those are compared by
                # content, everything else byte for byte.
                unordered = getattr(value, "encoding", lambda c: "")(k.server.config) == "hashtable"
                if not unordered:
                    assert ours == theirs, key
                back = rdb.restore_payload(theirs, config=k.server.config)
                assert canon_value(back, k.server.config) == canon_value(value, k.server.config), key
                assert real("RESTORE", b"copy:" + key, 0, rdb.dump_payload(value)) == b"OK", key
                if not unordered:
                    assert real("DUMP", b"copy:" + key) == theirs, key
            assert snapshot(real, [dbid]) == _renamed(snapshot(real, [dbid]))
        real.close()
    finally:
        srv.stop()


def test_quicklist_nodes_match_redis_for_every_fill(workdir):
    """Node boundaries follow 7.0's _quicklistNodeAllowInsert (size classes -1..-5, counts, the 8 KiB safety
    limit), so list DUMPs are byte-identical."""
    import random
    rnd = random.Random(3)
    srv = start_redis("--rdbcompression", "no", workdir=workdir)
    try:
        real = RedisCall(srv.port)
        for fill in (-1, -2, -3, -4, -5, 1, 4, 128):
            k = Kvs()
            for call in (real, KvsCall(k)):
                call("DEL", "l")
                call("CONFIG", "SET", "list-max-listpack-size", fill)
            elems = [rnd.choice([str(rnd.randrange(-10 ** 12, 10 ** 12)).encode(),
                                 b"x" * rnd.choice([0, 1, 63, 64, 253, 254, 300, 5000, 20000])])
                     for _ in range(1500)]
            for i in range(0, len(elems), 100):
                real("RPUSH", "l", *elems[i:i + 100])
                k("RPUSH", "l", *elems[i:i + 100])
            assert rdb.dump_payload(k.server.dbs[0].keys[b"l"], compression=False, config=k.server.config) == \
                real("DUMP", "l"), fill
        real.close()
    finally:
        srv.stop()


# -- legacy encodings -----------------------------------------------------------------------------------------------
def _lp_stream_node(fields, entries):
    """A stream node listpack: entries are (ms_delta, seq_delta, values, deleted)."""
    items = [sum(1 for e in entries if not e[3]), sum(1 for e in entries if e[3]), len(fields), *fields, 0]
    for msd, seqd, values, deleted in entries:
        items += [(1 if deleted else 0) | 2, msd, seqd, *values, 3 + len(values)]
    return listpack_encode(items)


def _stream_v1():
    node = _lp_stream_node([b"f", b"g"], [(0, 0, [b"a", b"1"], False), (0, 1, [b"b", b"2"], False),
                                          (5, 0, [b"c", b"3"], True), (6, 0, [b"d", b"4"], False)])
    master = struct.pack(">QQ", 100, 0)
    rawid = struct.pack(">QQ", 100, 1)
    payload = encode_length(1) + encode_string(master) + encode_string(node)
    payload += encode_length(3) + encode_length(106) + encode_length(0)             # length, last id
    payload += encode_length(1) + encode_string(b"grp") + encode_length(100) + encode_length(1)   # group, last id
    payload += encode_length(1) + rawid + struct.pack("<q", 1700000000000) + encode_length(3)     # PEL
    payload += encode_length(1) + encode_string(b"cons") + struct.pack("<q", 1700000000123)       # consumer
    payload += encode_length(1) + rawid
    return payload


def legacy_records():
    return [
        key_record(9, b"zipmap", encode_string(zipmap_encode([(b"f1", b"v1"), (b"f2", b"22"), (b"n", b"")]))),
        key_record(10, b"zl:list", encode_string(ziplist_encode([b"a", 1, 300, -70000, b"x" * 100]))),
        key_record(11, b"intset", encode_string(intset_encode([5, -3, 2 ** 40]))),
        key_record(12, b"zl:zset", encode_string(ziplist_encode([b"m1", b"1.5", b"m2", b"2", b"m3", b"inf"]))),
        key_record(13, b"zl:hash", encode_string(ziplist_encode([b"a", b"1", b"b", b"two"]))),
        key_record(14, b"ql:list", encode_length(2) + encode_string(ziplist_encode([b"a", b"b"])) +
                   encode_string(ziplist_encode([7, b"c"]))),
        key_record(1, b"plain:list", encode_length(3) + encode_string(b"x") + encode_string(b"12") +
                   encode_string(b"y")),
        key_record(2, b"plain:set", encode_length(3) + b"".join(encode_string(m) for m in (b"1", b"2", b"3"))),
        key_record(2, b"plain:strset", encode_length(2) + encode_string(b"a") + encode_string(b"b")),
        key_record(3, b"zset:v1", encode_length(3) + encode_string(b"a") + rdbcodec.encode_double_string(1.25) +
                   encode_string(b"b") + b"\xfe" + encode_string(b"c") + b"\xff"),
        key_record(4, b"plain:hash", encode_length(2) + encode_string(b"f") + encode_string(b"v") +
                   encode_string(b"g") + encode_string(b"w" * 100)),
        key_record(5, b"zset:v2", encode_length(2) + encode_string(b"a") + struct.pack("<d", 0.5) +
                   encode_string(b"b") + struct.pack("<d", -2.0)),
        key_record(15, b"stream:v1", _stream_v1()),
        key_record(18, b"ql2:plain", encode_length(3) + encode_length(2) + encode_string(listpack_encode([b"a", 5])) +
                   encode_length(1) + encode_string(b"a plain node") + encode_length(2) +
                   encode_string(listpack_encode([b"z"]))),
        b"\xfd" + struct.pack("<i", 1893456000) + bytes([0]) + encode_string(b"exp:sec") +
        encode_string(b"v"),
    ]


@pytest.mark.parametrize("version", [9, 7])
def test_legacy_encodings_load_like_redis(workdir, version):
    data = rdb_file([b"\xfe\x00"] + legacy_records(), version=version)
    srv = redis_loading(workdir, data)
    try:
        real = RedisCall(srv.port)
        expected = snapshot(real, dbs=[0])
        real.close()
    finally:
        srv.stop()
    k = Kvs()
    stats = rdb.load(k.server, data)
    assert stats.keys_loaded == len(legacy_records())
    assert snapshot(KvsCall(k), dbs=[0]) == expected


def test_rdb_v3_without_checksum_loads_like_redis(workdir):
    records = [key_record(9, b"zm", encode_string(zipmap_encode([(b"a", b"b")]))),
               key_record(0, b"s", encode_string(b"v"), expire_ms=FAR_FUTURE_MS)]
    data = rdb_file([b"\xfe\x00"] + records, version=3)
    assert data.endswith(b"\xff")
    srv = redis_loading(workdir, data)
    try:
        real = RedisCall(srv.port)
        expected = snapshot(real, dbs=[0])
        real.close()
    finally:
        srv.stop()
    k = Kvs()
    stats = rdb.load(k.server, data)
    assert stats.checksum_ok is None and snapshot(KvsCall(k), dbs=[0]) == expected


def test_newer_redis_records_load_in_kvs():
    """7.2+ records kvs reads though 7.0 cannot: set listpacks (type 20) and stream v3 (type 21)."""
    lp_set = key_record(20, b"lpset", encode_string(listpack_encode([b"a", b"b", 3])))
    lp_intset = key_record(20, b"lpints", encode_string(listpack_encode([1, 2, 3])))
    v1 = _stream_v1()
    # v3 adds first id, max deleted id, entries added, the group's entries_read and each consumer's active time.
    head_end = v1.index(encode_string(b"grp"))
    meta, groups = v1[:head_end - 1], v1[head_end:]
    v3 = meta + encode_length(100) + encode_length(0) + encode_length(105) + encode_length(0) + encode_length(4)
    v3 += encode_length(1) + encode_string(b"grp") + encode_length(100) + encode_length(1) + encode_length(2)
    v3 += encode_length(1) + struct.pack(">QQ", 100, 1) + struct.pack("<q", 1700000000000) + encode_length(3)
    v3 += encode_length(1) + encode_string(b"cons") + struct.pack("<qq", 1700000000123, 1700000000200)
    v3 += encode_length(1) + struct.pack(">QQ", 100, 1)
    assert groups.startswith(encode_string(b"grp"))
    data = rdb_file([lp_set, lp_intset, key_record(21, b"s3", v3)], version=11)
    k = Kvs()
    rdb.load(k.server, data)
    db = k.server.dbs[0]
    assert set(db.keys[b"lpset"].members) == {b"a", b"b", b"3"} and db.keys[b"lpset"].encoding() == "hashtable"
    assert db.keys[b"lpints"].encoding() == "intset"
    s = db.keys[b"s3"]
    assert (s.length, s.entries_added, s.max_deleted, s.first_id) == (3, 4, 105 << 64, 100 << 64)
    g = s.groups[b"grp"]
    assert g.entries_read == 2 and g.consumers[b"cons"].seen_time == 1700000000123
    assert g.pel.map[(100 << 64) | 1].consumer is g.consumers[b"cons"]
