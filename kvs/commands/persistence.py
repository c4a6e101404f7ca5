"""Persistence commands: SAVE, BGSAVE, LASTSAVE, DEBUG (RELOAD and the test helpers), DUMP and RESTORE (Redis's
rdb.c, debug.c and the DUMP/RESTORE part of cluster.c). The snapshot machinery is kvs.persistence.snapshot."""
import time

from kvs import errors
from kvs._core.numbers import atoi
from kvs.client import MASTER, UNIX_SOCKET
from kvs.commands.keys import object_encoding, object_refcount, reply_help
from kvs.commands.table import command
from kvs.db import now_ms
from kvs.errors import CommandError
from kvs.log import log
from kvs.persistence.snapshot import CHILD_RDB

G = "server"
_ADMIN_ACL = "@admin @slow @dangerous"


def _codec():
    from kvs.persistence import rdb
    return rdb


# -- SAVE / BGSAVE / LASTSAVE ------------------------------------------------------------------------------------
@command("save", 1, "admin noscript no_async_loading no_multi", group=G, acl=_ADMIN_ACL,
         summary="Synchronously save the dataset to disk")
def save_command(c, argv):
    p = c.server.persistence
    if p.child_type == CHILD_RDB:
        raise CommandError("ERR Background save already in progress")
    p.stat_rdb_saves += 1
    if not p.save():
        raise CommandError("ERR")
    c.w.ok()


@command("bgsave", -1, "admin noscript no_async_loading", group=G, acl=_ADMIN_ACL,
         summary="Asynchronously save the dataset to disk")
def bgsave_command(c, argv):
    schedule = False
    if len(argv) > 1:
        if len(argv) == 2 and argv[1].lower() == b"schedule":
            schedule = True
        else:
            raise CommandError(errors.SYNTAX)
    server = c.server
    p = server.persistence
    # A command running inside another (EXEC) must not fork half way through the transaction.
    in_exec = server.call_depth > 1
    if p.child_type == CHILD_RDB:
        raise CommandError("ERR Background save already in progress")
    if p.has_active_child() or in_exec:
        if schedule or in_exec:
            p.bgsave_scheduled = True
            c.w.simple("Background saving scheduled")
            return
        raise CommandError("ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE "
                           "SCHEDULE in order to schedule a BGSAVE whenever possible.")
    if not p.bgsave():
        raise CommandError("ERR")
    c.w.simple("Background saving started")


@command("lastsave", 1, "loading stale fast", group=G, summary="Unix time of the last successful save",
         acl="@admin @fast @dangerous", tips="nondeterministic_output")
def lastsave_command(c, argv):
    c.w.integer(c.server.lastsave)


# -- DEBUG -----------------------------------------------------------------------------------------------------
def _is_local(c) -> bool:
    if c.flags & UNIX_SOCKET:
        return True
    host = c.addr.rsplit(":", 1)[0] if c.addr else ""
    return host.startswith("127.") or host in ("::1", "[::1]") or host.startswith("::ffff:127.")


def _debug_allowed(c) -> bool:
    mode = c.server.config["enable-debug-command"]
    return mode == "yes" or (mode == "local" and _is_local(c))


def _positive_long(arg: bytes) -> int:
    """getPositiveLongFromObjectOrReply: one error for anything but an integer in 0..LONG_MAX."""
    try:
        n = int(arg)
    except ValueError:
        n = -1
    if not 0 <= n < (1 << 63) or str(n).encode() != arg:
        raise CommandError(errors.MUST_BE_POSITIVE)
    return n


def _strtod(arg: bytes) -> float:
    """C's strtod on the leading number: 0 when there is none."""
    s = arg.strip()
    for end in range(len(s), 0, -1):
        try:
            return float(s[:end])
        except ValueError:
            continue
    return 0.0


def _debug_reload(c, argv):
    merge = noflush = nosave = False
    for opt in argv[2:]:
        o = opt.lower()
        if o == b"merge":
            merge = True
        elif o == b"noflush":
            noflush = True
        elif o == b"nosave":
            nosave = True
        else:
            raise CommandError("ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.")
    server = c.server
    p = server.persistence
    if not nosave and not p.save():
        raise CommandError("ERR")
    if not noflush:
        for db in server.dbs:
            if server.watched_keys:
                server.touch_all_watched(db)
            db.clear()
    try:
        # Without a flush the file's keys go on top of the current ones; where Redis would abort on a key in
        # both (NOFLUSH without MERGE), the file's value wins.
        p.load_file(server.config["dbfilename"], merge=merge or noflush)
    except Exception as e:
        log.warning(f"Error trying to load the RDB dump: {getattr(e, 'reason', None) or e}")
        raise CommandError("ERR Error trying to load the RDB dump")
    log.warning("DB reloaded by DEBUG RELOAD")
    c.w.ok()


def _debug_sleep(c, argv):
    time.sleep(max(_strtod(argv[2]), 0.0))
    c.w.ok()


def _debug_set_active_expire(c, argv):
    c.server.active_expire_enabled = bool(atoi(argv[2]))
    c.w.ok()


def _debug_log(c, argv):
    log.warning("DEBUG LOG: " + argv[2].split(b"\0", 1)[0].decode("utf-8", "replace"))
    c.w.ok()


def _debug_error(c, argv):
    # The text goes out as it is (no ERR prefix, line breaks blanked), and it is not an error of the server's
    # own, so the error statistics do not count it.
    c.w.error(argv[2].replace(b"\r", b" ").replace(b"\n", b" "))


def serialized_length(value, config) -> int:
    """What the value takes in an RDB file, without key and type byte (rdbSavedObjectLen)."""
    payload = _codec().dump_payload(value, compression=config["rdbcompression"], config=config)
    return len(payload) - 11


def _quicklist_extra(value, config) -> str:
    """DEBUG OBJECT's quicklist figures, estimated from how Redis would pack the elements into listpack nodes."""
    fill = config["list-max-listpack-size"]
    limit = {-1: 4096, -2: 8192, -3: 16384, -4: 32768, -5: 65536}.get(fill, 8192) if fill < 0 else None
    nodes, size, count, total = 0, 0, 0, 0
    for item in value:
        n = len(item) + 2
        if nodes == 0 or (limit is not None and size + n > limit) or (limit is None and count >= fill):
            nodes += 1
            total += size
            size, count = 7, 0
        size += n
        count += 1
    total += size
    nodes = max(nodes, 1)
    avg = len(value) / nodes
    return (f" ql_nodes:{nodes} ql_avg_node:{avg:.2f} ql_listpack_max:{fill} "
            f"ql_compressed:{int(config['list-compress-depth'] != 0)} ql_uncompressed_size:{total}")


def _debug_object(c, argv):
    db = c.db
    key = argv[2]
    value = db.lookup(key, False)
    if value is None:
        raise CommandError(errors.NO_SUCH_KEY)
    config = c.server.config
    enc = object_encoding(value, config, db.string_notes.get(key, 0))
    refcount = object_refcount(db, key, value)
    access = db.access.get(key, 0)
    extra = _quicklist_extra(value, config) if enc == "quicklist" else ""
    c.w.simple(f"Value at:{hex(id(value))} refcount:{refcount} encoding:{enc} "
               f"serializedlength:{serialized_length(value, config)} lru:{access & 0xFFFFFF} "
               f"lru_seconds_idle:{db.idle_seconds(key)}{extra}")


def _debug_populate(c, argv):
    count = _positive_long(argv[2])
    prefix = argv[3] if len(argv) >= 4 else b"key"
    valsize = _positive_long(argv[4]) if len(argv) == 5 else 0
    db = c.db
    keys = db.keys
    server = c.server
    watched = bool(server.watched_keys)
    prefix = prefix.split(b"\0", 1)[0] + b":"
    for j in range(count):
        # Redis formats the name into a 128-byte buffer.
        key = (prefix + b"%d" % j)[:127]
        if key in keys and db.lookup(key, False) is not None:
            continue
        val = b"value:%d" % j
        if valsize:
            val = val[:valsize].ljust(valsize, b"\0")
        db.add(key, val)
        if watched:
            server.touch_watched(db, key)
    c.w.ok()


DEBUG_HELP = [
    "DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "ERROR <string>",
    "    Return a Redis protocol error with <string> as message. Useful for clients",
    "    unit tests to simulate Redis errors.",
    "LOG <message>",
    "    Write <message> to the server log.",
    "OBJECT <key>",
    "    Show low level info about `key` and associated value.",
    "POPULATE <count> [<prefix>] [<size>]",
    "    Create <count> string keys named key:<num>. If <prefix> is specified then",
    "    it is used instead of the 'key' prefix. These are not propagated to",
    "    replicas. Cluster slots are not respected so keys not belonging to the",
    "    current node can be created in cluster mode.",
    "RELOAD [option ...]",
    "    Save the RDB on disk and reload it back to memory. Valid <option> values:",
    "    * MERGE: conflicting keys will be loaded from RDB.",
    "    * NOFLUSH: the existing database will not be removed before load, but",
    "      conflicting keys will generate an exception and kill the server.",
    "    * NOSAVE: the database will be loaded from an existing RDB file.",
    "    Examples:",
    "    * DEBUG RELOAD: verify that the server is able to persist, flush and reload",
    "      the database.",
    "    * DEBUG RELOAD NOSAVE: replace the current database with the contents of an",
    "      existing RDB file.",
    "    * DEBUG RELOAD NOSAVE NOFLUSH MERGE: add the contents of an existing RDB",
    "      file to the database.",
    "SET-ACTIVE-EXPIRE <0|1>",
    "    Setting it to 0 disables expiring keys in background when they are not",
    "    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the",
    "    default.",
    "SLEEP <seconds>",
    "    Stop the server for <seconds>. Decimals allowed.",
    "HELP",
    "    Prints this help.",
]

# name -> (handler, test on argc). Other modules may add their own DEBUG subcommands here.
DEBUG_SUBCOMMANDS = {
    b"help": (lambda c, argv: reply_help(c, DEBUG_HELP), lambda n: n == 2),
    b"reload": (_debug_reload, lambda n: True),
    b"sleep": (_debug_sleep, lambda n: n == 3),
    b"set-active-expire": (_debug_set_active_expire, lambda n: n == 3),
    b"object": (_debug_object, lambda n: n == 3),
    b"populate": (_debug_populate, lambda n: 3 <= n <= 5),
    b"log": (_debug_log, lambda n: n == 3),
    b"error": (_debug_error, lambda n: n == 3),
}


@command("debug", -2, "admin noscript loading stale", group=G, acl=_ADMIN_ACL,
         summary="A container for debugging commands")
def debug_command(c, argv):
    if not _debug_allowed(c):
        raise CommandError('ERR DEBUG command not allowed. If the enable-debug-command option is set to "local", '
                           'you can run it from a local connection, otherwise you need to set this option in the '
                           'configuration file, and then restart the server.')
    entry = DEBUG_SUBCOMMANDS.get(argv[1].lower())
    if entry is None or not entry[1](len(argv)):
        name = argv[1].split(b"\0", 1)[0][:128].decode("utf-8", "replace")
        raise CommandError(f"ERR unknown subcommand or wrong number of arguments for '{name}'. Try DEBUG HELP.")
    entry[0](c, argv)


# -- DUMP / RESTORE --------------------------------------------------------------------------------------------
@command("dump", 2, "readonly", (1, 1, 1), group="generic", acl="@keyspace @read @slow",
         summary="A serialized version of the value stored at the key", since="2.6.0",
         tips="nondeterministic_output")
def dump_command(c, argv):
    value = c.db.lookup_read(argv[1])
    if value is None:
        c.w.null()
        return
    config = c.server.config
    c.w.bulk(_codec().dump_payload(value, compression=config["rdbcompression"], config=config))


# Object types whose payload is (or starts with) a listpack/ziplist/intset/zipmap blob.
_BLOB_TYPES = frozenset((9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21))


def _ll(arg: bytes) -> int:
    try:
        n = int(arg)
    except ValueError:
        raise CommandError(errors.NOT_INTEGER)
    if str(n).encode() != arg or not -(1 << 63) <= n < (1 << 63):
        raise CommandError(errors.NOT_INTEGER)
    return n


@command("restore", -4, "write denyoom", (1, 1, 1), group="generic", acl="@keyspace @write @slow @dangerous",
         summary="Create a key from the serialized value DUMP produced", since="2.6.0")
def restore_command(c, argv):
    replace = absttl = False
    lfu_freq = lru_idle = -1
    j = 4
    argc = len(argv)
    while j < argc:
        opt = argv[j].lower()
        more = argc - j - 1
        if opt == b"replace":
            replace = True
        elif opt == b"absttl":
            absttl = True
        elif opt == b"idletime" and more >= 1 and lfu_freq == -1:
            lru_idle = _ll(argv[j + 1])
            if lru_idle < 0:
                raise CommandError("ERR Invalid IDLETIME value, must be >= 0")
            j += 1
        elif opt == b"freq" and more >= 1 and lru_idle == -1:
            lfu_freq = _ll(argv[j + 1])
            if not 0 <= lfu_freq <= 255:
                raise CommandError("ERR Invalid FREQ value, must be >= 0 and <= 255")
            j += 1
        else:
            raise CommandError(errors.SYNTAX)
        j += 1
    server = c.server
    db = c.db
    key = argv[1]
    if not replace and db.lookup(key) is not None:
        raise CommandError("BUSYKEY Target key name already exists.")
    ttl = _ll(argv[2])
    if ttl < 0:
        raise CommandError("ERR Invalid TTL value, must be >= 0")
    payload = argv[3]
    sanitize = server.config["sanitize-dump-payload"]
    deep = sanitize == "yes" or (sanitize == "clients" and c.kind != MASTER)
    if deep and payload[:1] and payload[0] in _BLOB_TYPES:
        # Redis counts each container blob it validates deeply; these types hold one (quicklists and streams,
        # one per node, are counted once here).
        server.stat_dump_payload_sanitizations += 1
    rdb = _codec()
    try:
        value = rdb.restore_payload(payload, deep_sanitize=deep, config=server.config)
    except rdb.RdbError as e:
        if e.kind in ("version", "checksum"):
            raise CommandError("ERR DUMP payload version or checksum are wrong")
        log.verbose(f"RESTORE of a bad payload: {e.reason}")
        raise CommandError("ERR Bad data format")
    deleted = db.delete(key) if replace else False
    if ttl and not absttl:
        ttl += now_ms()
    if ttl and ttl <= now_ms() and not server.is_replica and not server.loading:
        # Already expired: nothing is created; a replaced key is gone and replicas learn it as a deletion.
        if deleted:
            c.rewrite_argv([b"UNLINK" if server.config["lazyfree-lazy-server-del"] else b"DEL", key])
            server.dirty += 1
        c.w.ok()
        return
    db.add(key, value)
    if ttl:
        db.set_expire(key, ttl)
        if not absttl:
            # Propagated with the absolute time, so replicas and the AOF expire it at the same instant.
            c.rewrite_argv([argv[0], key, str(ttl).encode(), *argv[3:], b"ABSTTL"])
    if server.lfu:
        if lfu_freq >= 0:
            db.access[key] = (((server.lru_clock // 60) & 65535) << 8) | lfu_freq
    elif lru_idle >= 0:
        db.access[key] = server.lru_clock - lru_idle
    server.dirty += 1
    c.w.ok()

