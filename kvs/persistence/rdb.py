"""RDB snapshots in Redis 7.0's format (RDB version 10), both ways: write the keyspace as redis-server 7.0.15
writes it (so real Redis loads it and redis-check-rdb accepts it), load what any Redis 2.x-7.x wrote (and 7.2/7.4
files where the data fits kvs's model), DUMP/RESTORE payloads, and the analysis behind kvs-check-rdb.

The byte-level work (CRC-64, LZF, encodings, containers, the keyspace walk, the parser) is compiled, in
kvs/_core/rdbcodec.pyx; this module holds the API the server's persistence commands call:

    write(server, sink, *, compression, checksum, aux, progress=None, key_delay_us=0) -> bytes written
    load(server, source, *, progress=None, key_delay_us=0, merge=False) -> LoadStats
    dump_payload(value, *, compression=True) -> bytes
    restore_payload(payload, *, deep_sanitize=False) -> value
    check(path) -> report dict

Loading builds fresh dicts for every database and swaps them in only once the whole file (checksum included)
has been read: a failed load leaves the keyspace exactly as it was.
"""
import gc
import mmap
import os
import time

from kvs._core import rdbcodec
from kvs._core.rdbcodec import TYPE_NAMES, RdbError  # noqa: F401  (RdbError is part of this module's API)

RDB_VERSION = 10
REDIS_VERSION = b"7.0.15"

# The AUX fields Redis 7.0 writes, in its order (aof-base comes last; other names go before it).
_AUX_ORDER = ("redis-ver", "redis-bits", "ctime", "used-mem", "repl-stream-db", "repl-id", "repl-offset")


class LoadStats:
    """What a load found: keys loaded and dropped as already expired, AUX fields (name -> bytes), the file's
    RDB version, checksum_ok (True, or None when the file carries no checksum / it was not verified), the
    function library sources (FUNCTION2 records), empty collections skipped, and the size parsed."""

    __slots__ = ("keys_loaded", "keys_expired", "aux", "version", "checksum_ok", "functions",
                 "empty_keys_skipped", "bytes_total")

    def __init__(self, ctx, total):
        self.keys_loaded = ctx.keys_loaded
        self.keys_expired = ctx.keys_expired
        self.aux = dict(ctx.aux)
        self.version = ctx.version
        self.checksum_ok = ctx.checksum_ok
        self.functions = list(ctx.functions)
        self.empty_keys_skipped = ctx.empty_skipped
        self.bytes_total = total

    def __repr__(self):
        return (f"LoadStats(keys_loaded={self.keys_loaded}, keys_expired={self.keys_expired}, "
                f"version={self.version}, checksum_ok={self.checksum_ok})")


def _config(server):
    return getattr(server, "config", None)


def _limits(config):
    return rdbcodec.limits_from_config(config)


def _lru_mode(config) -> int:
    """1: the eviction policy is an LRU one (IDLE records), 2: an LFU one (FREQ records), 0: neither."""
    if config is None:
        return 0
    policy = config["maxmemory-policy"]
    if policy.endswith("-lru"):
        return 1
    if policy.endswith("-lfu"):
        return 2
    return 0


def aux_fields(aux=None) -> list:
    """The AUX (name, value) pairs to write: Redis's set and order, defaults for what the caller left out
    (redis-ver, redis-bits, ctime, used-mem, aof-base); extra names are kept, before aof-base."""
    aux = dict(aux or {})
    aux.setdefault("redis-ver", REDIS_VERSION)
    aux.setdefault("redis-bits", 64)
    aux.setdefault("ctime", int(time.time()))
    if "used-mem" not in aux:
        from kvs.memory import used_memory
        aux["used-mem"] = used_memory()
    aof_base = aux.pop("aof-base", 0)
    out = [(name, aux.pop(name)) for name in _AUX_ORDER if name in aux]
    out.extend(aux.items())
    out.append(("aof-base", aof_base))
    return out


def write(server, sink, *, compression: bool, checksum: bool, aux: dict, progress=None, key_delay_us: int = 0,
          functions=()) -> int:
    """Write the whole keyspace of `server` as an RDB file to `sink` (anything with write(bytes)): header, AUX
    fields, function libraries, every non-empty database (SELECTDB, RESIZEDB, per key EXPIRETIME_MS / IDLE /
    FREQ, type, key, value), EOF and the CRC-64 (zeros unless `checksum`). Returns the bytes written.

    Safe for a forked child: the walk borrows references and copies string keys/values from their buffers
    (see kvs/_core/rdbcodec.pyx). `progress(keys_done)` is called every 1024 keys; `key_delay_us` is
    rdb-key-save-delay."""
    config = _config(server)
    return rdbcodec.write_rdb(server.dbs, sink, compression=compression, checksum=checksum,
                              aux=aux_fields(aux), functions=functions, limits=_limits(config),
                              progress=progress, key_delay_us=key_delay_us, lru_mode=_lru_mode(config),
                              server=server)


def _open_source(source):
    """(buffer, closer) for a path (memory-mapped: pages are read as the parser reaches them and never copied)
    or a bytes-like object."""
    if isinstance(source, (str, os.PathLike)):
        f = open(source, "rb")
        try:
            size = os.fstat(f.fileno()).st_size
            if size == 0:
                return b"", f.close
            m = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        except BaseException:
            f.close()
            raise
        try:
            m.madvise(mmap.MADV_SEQUENTIAL)
        except (AttributeError, OSError):
            pass

        def close():
            m.close()
            f.close()
        return m, close
    return source, None


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


def load(server, source, *, progress=None, key_delay_us: int = 0, merge: bool = False, keep_expired=None,
         deep_sanitize=None, verify_checksum=None) -> LoadStats:
    """Load an RDB file (a path, or bytes/memoryview) into server.dbs.

    Every database is rebuilt in fresh dicts and swapped in only after the whole file parsed and its CRC matched;
    on any error RdbError (offset, reason) is raised and the keyspace is untouched. merge=False replaces all the
    databases (those the file does not mention end up empty); merge=True adds the file's keys over the current
    ones (a key in both takes the file's value, as DEBUG RELOAD MERGE). Keys whose expiry has passed are dropped and
    counted unless `keep_expired` (default: the server is a replica). `progress(bytes_done, bytes_total)` is
    called every 1024 keys (and every 2 MB); `key_delay_us` is key-load-delay. The checksum is verified when
    non-zero unless `verify_checksum` is False (default: rdbchecksum)."""
    config = _config(server)
    ctx = rdbcodec.LoadCtx()
    ctx.ndbs = len(server.dbs)
    ctx.keep_expired = bool(getattr(server, "is_replica", False)) if keep_expired is None else keep_expired
    ctx.now = _now_ms()
    ctx.progress = progress
    ctx.key_delay = key_delay_us
    ctx.lfu = bool(getattr(server, "lfu", False))
    ctx.lru_clock = getattr(server, "lru_clock", int(time.time()))
    ctx.lfu_minutes = (ctx.lru_clock // 60) & 65535
    ctx.allow_dups = merge
    if verify_checksum is None:
        verify_checksum = config["rdbchecksum"] if config is not None else True
    ctx.verify_checksum = verify_checksum
    if deep_sanitize is None:
        deep_sanitize = config is not None and config["sanitize-dump-payload"] == "yes"
    ctx.opts = rdbcodec.LoadOpts(_limits(config), True, False)
    data, close = _open_source(source)
    # Millions of new objects and no cycles among them: the cyclic GC would only rescan them, over and over.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        rdbcodec.parse_rdb(data, ctx)
        total = len(data)
    finally:
        data = None
        if close is not None:
            close()
        if gc_was_enabled:
            gc.enable()
    _install(server, ctx.dbs, merge)
    return LoadStats(ctx, total)


def _install(server, loaded: dict, merge: bool) -> None:
    for db in server.dbs:
        slot = loaded.get(db.id)
        if merge:
            if not slot or not slot[0]:
                continue
            keys, expires, access = slot
            for key in keys:
                if key not in expires:
                    db.expires.pop(key, None)
            db.keys.update(keys)
            db.expires.update(expires)
            db.access.update(access)
            continue
        if slot is None:
            keys, expires, access = {}, {}, {}
        else:
            keys, expires, access = slot
        db.keys = keys
        db.expires = expires
        db.access = access
        db.expire_cursor = 0
        db.avg_ttl = 0


def dump_payload(value, *, compression: bool = True, config=None) -> bytes:
    """DUMP: the value serialized as in an RDB file, then the 2-byte RDB version and the CRC-64 of it all.
    `config` supplies the encoding thresholds (Redis's defaults without it)."""
    return rdbcodec.dump_payload(value, compression=compression, limits=_limits(config))


def restore_payload(payload: bytes, *, deep_sanitize: bool = False, config=None):
    """RESTORE: the value in a DUMP payload. RdbError.kind is "version" or "checksum" for a bad footer (Redis:
    "ERR DUMP payload version or checksum are wrong"), "format"/"eof" for a bad body ("ERR Bad data format")."""
    return rdbcodec.restore_payload(payload, limits=_limits(config), deep_sanitize=deep_sanitize)


def check(path, *, now_ms=None) -> dict:
    """Analyse an RDB file like redis-check-rdb, without loading it anywhere.

    Returns {"ok", "version", "aux": {name: bytes}, "events": [(offset, text)] (what redis-check-rdb prints as
    "[offset N] text", in order: AUX fields, "Selecting DB ID n", the checksum verdict), "keys", "expires",
    "already_expired", "types": {type name: count}, "functions", "checksum": "ok" | "disabled" | "mismatch" |
    None (not reached), "size", "error": None or {"offset", "reason", "doing", "key", "type", "type_name"}}."""
    ctx = rdbcodec.LoadCtx()
    ctx.ndbs = -1
    ctx.check = True
    ctx.store = False
    ctx.keep_expired = True
    ctx.now = _now_ms() if now_ms is None else now_ms
    ctx.opts = rdbcodec.LoadOpts(None, True, True)
    error = None
    size = 0
    try:
        data, close = _open_source(path)
    except OSError as e:
        return {"ok": False, "version": None, "aux": {}, "events": [], "keys": 0, "expires": 0,
                "already_expired": 0, "types": {}, "functions": 0, "checksum": None, "size": 0,
                "error": {"offset": 0, "reason": f"Cannot open file: {e.strerror}", "doing": "start", "key": None,
                          "type": None, "type_name": None}}
    try:
        size = len(data)
        try:
            rdbcodec.parse_rdb(data, ctx)
        except RdbError as e:
            error = {"offset": e.offset, "reason": e.reason, "doing": ctx.doing, "type": None, "type_name": None,
                     "key": None}
            if ctx.doing in ("read-key", "read-object-value") and ctx.cur_type >= 0:
                error["type"] = ctx.cur_type
                error["type_name"] = TYPE_NAMES.get(ctx.cur_type, "unknown")
                error["key"] = ctx.cur_key
    finally:
        data = None
        if close is not None:
            close()
    if ctx.checksum_ok is True:
        checksum = "ok"
    elif ctx.checksum_stored == 0:
        checksum = "disabled"
    elif ctx.checksum_ok is False:
        checksum = "mismatch"
    else:
        checksum = None
    return {
        "ok": error is None,
        "version": ctx.version or None,
        "aux": dict(ctx.aux),
        "events": list(ctx.events),
        "keys": ctx.keys_read,
        "expires": ctx.expires_read,
        "already_expired": ctx.already_expired,
        "types": {TYPE_NAMES.get(t, str(t)): n for t, n in sorted(ctx.types.items())},
        "functions": len(ctx.functions),
        "checksum": checksum,
        "size": size,
        "error": error,
    }
