"""Commands on keys of any type (Redis's db.c and expire.c): DEL, EXISTS, TYPE, KEYS, SCAN, RENAME, COPY, MOVE,
the EXPIRE family, TTL, PERSIST, OBJECT, and the database commands SELECT, SWAPDB, FLUSHDB, FLUSHALL, DBSIZE."""
from kvs import errors
from kvs._core.engine import NOTE_NOT_INT, NOTE_UNSHARED
from kvs._core.keyspace import scan as dict_scan
from kvs._core.numbers import parse_int
from kvs.commands.args import LLONG_MAX, LLONG_MIN, int_arg
from kvs.commands.table import command, container
from kvs.config import glob_matcher
from kvs.db import now_ms, random_key, type_name
from kvs.errors import CommandError

G = "generic"

INT_MIN, INT_MAX = -(1 << 31), (1 << 31) - 1


def int32_arg(b: bytes) -> int:
    """Redis's getIntFromObjectOrReply without a custom message: not an integer, then a C int range check."""
    v = int_arg(b)
    if not INT_MIN <= v <= INT_MAX:
        raise CommandError(f"ERR value is out of range, value must between {INT_MIN} and {INT_MAX}")
    return v


def db_arg(server, b: bytes):
    """The database a SELECT/MOVE/COPY argument names."""
    n = int32_arg(b)
    if not 0 <= n < len(server.dbs):
        raise CommandError(errors.DB_INDEX_OUT_OF_RANGE)
    return server.dbs[n]


@command("del", -2, "write", (1, -1, 1), G, "Delete keys", tips="request_policy:multi_shard response_policy:agg_sum")
def del_command(c, argv):
    db = c.db
    n = 0
    for key in argv[1:]:
        if db.lookup(key) is not None and db.delete(key):
            n += 1
    c.server.dirty += n
    c.w.integer(n)


@command("unlink", -2, "write fast", (1, -1, 1), G, "Delete keys, freeing memory in the background",
         since="4.0.0", tips="request_policy:multi_shard response_policy:agg_sum")
def unlink_command(c, argv):
    del_command(c, argv)


@command("exists", -2, "readonly fast", (1, -1, 1), G, "Count how many of the keys exist",
         tips="request_policy:multi_shard response_policy:agg_sum")
def exists_command(c, argv):
    lookup = c.db.lookup
    c.w.integer(sum(1 for key in argv[1:] if lookup(key, False) is not None))


@command("touch", -2, "readonly fast", (1, -1, 1), G, "Count how many of the keys exist, marking them accessed",
         since="3.2.1", tips="request_policy:multi_shard response_policy:agg_sum")
def touch_command(c, argv):
    lookup = c.db.lookup
    c.w.integer(sum(1 for key in argv[1:] if lookup(key) is not None))


@command("type", 2, "readonly fast", (1, 1, 1), G, "The type of the value stored at a key")
def type_command(c, argv):
    value = c.db.lookup(argv[1], False)
    c.w.simple("none" if value is None else type_name(value))


def _live_keys(db, pattern: bytes):
    now = now_ms()
    expires = db.expires
    match = None if pattern == b"*" else glob_matcher(pattern)
    for key in db.keys:
        if expires:
            when = expires.get(key)
            if when is not None and when <= now:
                continue
        if match is None or match(key):
            yield key


@command("keys", 2, "readonly", (0, 0, 0), G, "Every key matching a glob pattern",
         acl="@keyspace @read @slow @dangerous", tips="request_policy:all_shards nondeterministic_output_order")
def keys_command(c, argv):
    c.w.bulks(list(_live_keys(c.db, argv[1])))


_C_SPACE = b" \t\n\v\f\r"


def parse_cursor(b: bytes) -> int:
    """SCAN cursors are parsed like Redis's strtoul(..., 10) call: the C string ends at the first NUL, an optional
    sign, then digits and nothing else; an empty string is cursor 0; '-N' wraps modulo 2**64; more than 64 bits,
    or leading space, is an error."""
    s = b.split(b"\0", 1)[0]
    if not s:
        return 0
    if s[0] in _C_SPACE:
        raise CommandError("ERR invalid cursor")
    digits = s[1:] if s[0] in b"+-" else s
    if not digits or not digits.isdigit():
        raise CommandError("ERR invalid cursor")
    v = int(digits)
    if v >= 1 << 64:
        raise CommandError("ERR invalid cursor")
    return (-v) % (1 << 64) if s[0] == 0x2D else v


def parse_scan_options(argv, start):
    """MATCH/COUNT/TYPE options shared by the SCAN family."""
    pattern = None
    count = 10
    typ = None
    i = start
    while i < len(argv):
        opt = argv[i].lower()
        more = len(argv) - i - 1
        if opt == b"count" and more >= 1:
            count = int_arg(argv[i + 1])
            if count < 1:
                raise CommandError(errors.SYNTAX)
        elif opt == b"match" and more >= 1:
            pattern = argv[i + 1]
            if pattern == b"*":
                pattern = None
        elif opt == b"type" and more >= 1 and start == 2:
            # Compared like Redis's strcasecmp: ASCII case folding, and the C string ends at a NUL.
            typ = argv[i + 1].split(b"\0", 1)[0].lower().decode("latin-1")
        else:
            raise CommandError(errors.SYNTAX)
        i += 2
    return pattern, count, typ


# The reply of every SCAN-family command for a missing key: cursor 0, nothing.
EMPTY_SCAN = b"*2\r\n$1\r\n0\r\n*0\r\n"


def matching(items, pattern):
    """The items whose name matches a MATCH pattern (all of them for None)."""
    if pattern is None:
        return items
    match = glob_matcher(pattern)
    return [x for x in items if match(x)]


def reply_scan(w, cursor: int, flat: list) -> None:
    """[next cursor, elements]: the shape every SCAN-family reply has."""
    w.array(2)
    w.bulk(str(cursor))
    w.bulks(flat)


@command("scan", -2, "readonly", (0, 0, 0), G, "Iterate over the keyspace with a cursor", since="2.8.0",
         tips="nondeterministic_output request_policy:special")
def scan_command(c, argv):
    cursor = parse_cursor(argv[1])
    pattern, count, typ = parse_scan_options(argv, 2)
    db = c.db
    next_cursor, batch = dict_scan(db.keys, cursor, count)
    if next_cursor and not dict_scan(db.keys, next_cursor, 1)[1]:
        next_cursor = 0  # nothing left: say so now rather than after one more empty round trip
    out = []
    now = now_ms()
    expires = db.expires
    match = None if pattern is None else glob_matcher(pattern)
    for key in batch:
        if match is not None and not match(key):
            continue
        if expires:
            when = expires.get(key)
            if when is not None and when <= now:
                db.lookup(key)  # deletes it and propagates the DEL, as Redis's SCAN does
                continue
        if typ is not None:
            value = db.keys.get(key)
            if value is None or type_name(value) != typ:
                continue
        out.append(key)
    reply_scan(c.w, next_cursor, out)


@command("randomkey", 1, "readonly", (0, 0, 0), G, "A random key",
         tips="request_policy:all_shards nondeterministic_output")
def randomkey_command(c, argv):
    db = c.db
    while True:
        # random_key() gives up after a bounded number of expired picks (deleting them); while that keeps
        # shrinking the db, a live key may still be there, and Redis would find it.
        before = len(db.keys)
        key = random_key(db)
        if key is not None or not db.keys or len(db.keys) >= before:
            break
    if key is None:
        c.w.null()
    else:
        c.w.bulk(key)


def _rename(c, argv, nx: bool):
    db = c.db
    src, dst = argv[1], argv[2]
    value = db.lookup(src)
    if value is None:
        raise CommandError(errors.NO_SUCH_KEY)
    if src == dst:
        if nx:
            c.w.integer(0)
        else:
            c.w.ok()
        return
    expire = db.get_expire(src)
    if db.lookup(dst) is not None:
        if nx:
            c.w.integer(0)
            return
        db.delete(dst)
    note = db.string_notes.get(src)
    db.delete(src)
    db.add(dst, value)
    if note is not None:
        db.string_notes[dst] = note   # the same object moves: it keeps its encoding
    if expire != -1:
        db.set_expire(dst, expire)
    c.server.dirty += 1
    if nx:
        c.w.integer(1)
    else:
        c.w.ok()


@command("rename", 3, "write", (1, 2, 1), G, "Rename a key, replacing the destination")
def rename_command(c, argv):
    _rename(c, argv, False)


@command("renamenx", 3, "write fast", (1, 2, 1), G, "Rename a key only if the new name is free")
def renamenx_command(c, argv):
    _rename(c, argv, True)


@command("copy", -3, "write denyoom", (1, 2, 1), G, "Copy a value to another key", since="6.2.0")
def copy_command(c, argv):
    src_db = dst_db = c.db
    replace = False
    i = 3
    while i < len(argv):
        opt = argv[i].lower()
        if opt == b"replace":
            replace = True
        elif opt == b"db" and i + 1 < len(argv):
            dst_db = db_arg(c.server, argv[i + 1])
            i += 1
        else:
            raise CommandError(errors.SYNTAX)
        i += 1
    src, dst = argv[1], argv[2]
    if src_db is dst_db and src == dst:
        raise CommandError(errors.SAME_OBJECT)
    value = src_db.lookup(src)
    if value is None:
        c.w.integer(0)
        return
    expire = src_db.get_expire(src)
    if dst_db.lookup(dst) is not None:
        if not replace:
            c.w.integer(0)
            return
        dst_db.delete(dst)
    dst_db.add(dst, copy_value(value))
    if type(value) is bytes:
        # A copy is a new object: an embstr stays embstr, and a small integer is no longer the shared one.
        dst_db.string_notes[dst] = src_db.string_notes.get(src, 0) | NOTE_UNSHARED
    if expire != -1:
        dst_db.set_expire(dst, expire)
    c.server.dirty += 1
    if c.server.watched_keys:
        c.server.touch_watched(dst_db, dst)
    c.w.integer(1)


def copy_value(value):
    """An independent copy: immutable strings are shared, containers provide their own copy()."""
    if type(value) is bytes:
        return value
    return value.copy()


@command("move", 3, "write fast", (1, 1, 1), G, "Move a key to another database")
def move_command(c, argv):
    src = c.db
    dst = db_arg(c.server, argv[2])
    if dst is src:
        raise CommandError(errors.SAME_OBJECT)
    key = argv[1]
    value = src.lookup(key)
    if value is None or dst.lookup(key) is not None:
        c.w.integer(0)
        return
    expire = src.get_expire(key)
    note = src.string_notes.get(key)
    src.delete(key)
    dst.add(key, value)
    if note is not None:
        dst.string_notes[key] = note
    if expire != -1:
        dst.set_expire(key, expire)
    c.server.dirty += 1
    if c.server.watched_keys:
        c.server.touch_watched(dst, key)   # the source side is touched by the core
    c.w.integer(1)


# -- expiry ----------------------------------------------------------------------------------------------------
NX, XX, GT, LT = 1, 2, 4, 8


def _expire_flags(argv) -> int:
    flags = 0
    for opt in argv[3:]:
        o = opt.lower()
        if o == b"nx":
            flags |= NX
        elif o == b"xx":
            flags |= XX
        elif o == b"gt":
            flags |= GT
        elif o == b"lt":
            flags |= LT
        else:
            # Redis formats the option as a C string: it ends at the first NUL.
            raise CommandError(b"ERR Unsupported option " + opt.split(b"\0", 1)[0])
    if flags & NX and flags & (XX | GT | LT):
        raise CommandError("ERR NX and XX, GT or LT options at the same time are not compatible")
    if flags & GT and flags & LT:
        raise CommandError("ERR GT and LT options at the same time are not compatible")
    return flags


def _expire_generic(c, argv, relative: bool, seconds: bool, name: str):
    # One clock reading per command, like Redis's command time snapshot: EXPIRE k 0.001s must not count as
    # already expired because a millisecond ticked between computing the deadline and checking it.
    now = now_ms()
    base_ms = now if relative else 0
    flags = _expire_flags(argv)
    when = int_arg(argv[2])
    if seconds:
        if when > LLONG_MAX // 1000 or when < -(-LLONG_MIN // 1000):
            raise errors.invalid_expire(name)
        when *= 1000
    if when > LLONG_MAX - base_ms:
        raise errors.invalid_expire(name)
    when += base_ms
    db = c.db
    key = argv[1]
    if db.lookup(key) is None:
        c.w.integer(0)
        return
    if flags:
        current = db.get_expire(key)
        if (flags & NX and current != -1) or (flags & XX and current == -1) \
                or (flags & GT and (when <= current or current == -1)) \
                or (flags & LT and current != -1 and when >= current):
            c.w.integer(0)
            return
    server = c.server
    if when <= now and not server.is_replica and not server.loading:
        db.delete(key)
        server.dirty += 1
        c.rewrite_argv([b"UNLINK" if server.config["lazyfree-lazy-expire"] else b"DEL", key])
    else:
        db.set_expire(key, when)
        server.dirty += 1
        c.rewrite_argv([b"PEXPIREAT", key, str(when).encode()] + argv[3:])
    c.w.integer(1)


_EXPIRE_ARGS = "write fast"


@command("expire", -3, _EXPIRE_ARGS, (1, 1, 1), G, "Set a key's time to live in seconds")
def expire_command(c, argv):
    _expire_generic(c, argv, True, True, "expire")


@command("pexpire", -3, _EXPIRE_ARGS, (1, 1, 1), G, "Set a key's time to live in milliseconds", since="2.6.0")
def pexpire_command(c, argv):
    _expire_generic(c, argv, True, False, "pexpire")


@command("expireat", -3, _EXPIRE_ARGS, (1, 1, 1), G, "Set a key's expiry as a unix time in seconds",
         since="1.2.0")
def expireat_command(c, argv):
    _expire_generic(c, argv, False, True, "expireat")


@command("pexpireat", -3, _EXPIRE_ARGS, (1, 1, 1), G, "Set a key's expiry as a unix time in milliseconds",
         since="2.6.0")
def pexpireat_command(c, argv):
    _expire_generic(c, argv, False, False, "pexpireat")


def _ttl(c, argv, unit_ms: bool, absolute: bool):
    db = c.db
    if db.lookup(argv[1], False) is None:
        c.w.integer(-2)
        return
    when = db.get_expire(argv[1])
    if when == -1:
        c.w.integer(-1)
    elif absolute:
        c.w.integer(when if unit_ms else (when + 500) // 1000)
    else:
        ttl = max(when - now_ms(), 0)
        c.w.integer(ttl if unit_ms else (ttl + 500) // 1000)


@command("ttl", 2, "readonly fast", (1, 1, 1), G, "Time to live of a key in seconds",
         tips="nondeterministic_output")
def ttl_command(c, argv):
    _ttl(c, argv, False, False)


@command("pttl", 2, "readonly fast", (1, 1, 1), G, "Time to live of a key in milliseconds", since="2.6.0",
         tips="nondeterministic_output")
def pttl_command(c, argv):
    _ttl(c, argv, True, False)


@command("expiretime", 2, "readonly fast", (1, 1, 1), G, "Expiry of a key as a unix time in seconds",
         since="7.0.0")
def expiretime_command(c, argv):
    _ttl(c, argv, False, True)


@command("pexpiretime", 2, "readonly fast", (1, 1, 1), G, "Expiry of a key as a unix time in milliseconds",
         since="7.0.0")
def pexpiretime_command(c, argv):
    _ttl(c, argv, True, True)


@command("persist", 2, "write fast", (1, 1, 1), G, "Remove a key's expiry", since="2.2.0")
def persist_command(c, argv):
    db = c.db
    if db.lookup(argv[1]) is not None and db.persist(argv[1]):
        c.server.dirty += 1
        c.w.integer(1)
    else:
        c.w.integer(0)


# -- OBJECT ----------------------------------------------------------------------------------------------------
container("object", G, "Inspect the internals of values", since="2.2.3")

_SHARED_INTEGERS = 10000
_OBJ_SHARED_REFCOUNT = 2147483647


def string_encoding(value, note: int = 0) -> str:
    if type(value) is bytearray:
        return "raw"
    n = len(value)
    if n <= 20 and not note & NOTE_NOT_INT and parse_int(value) is not None:
        return "int"
    return "embstr" if n <= 44 else "raw"


def object_encoding(value, config=None, note: int = 0) -> str:
    if type(value) is bytes or type(value) is bytearray:
        return string_encoding(value, note)
    return value.encoding(config)


def _object_target(c, argv):
    value = c.db.lookup(argv[2], False)
    if value is None:
        c.w.null()
    return value


@command("encoding", 3, "readonly", (2, 2, 1), parent="object", summary="The internal encoding of a value",
         since="2.2.3", tips="nondeterministic_output")
def object_encoding_command(c, argv):
    value = _object_target(c, argv)
    if value is not None:
        c.w.bulk(object_encoding(value, c.server.config, c.db.string_notes.get(argv[2], 0)))



@command("refcount", 3, "readonly", (2, 2, 1), parent="object", summary="The reference count of a value",
         since="2.2.3", tips="nondeterministic_output")
def object_refcount_command(c, argv):
    value = _object_target(c, argv)
    if value is None:
        return
    c.w.integer(object_refcount(c.db, argv[2], value))


def object_refcount(db, key, value) -> int:
    """Redis's refcount of a value: one, but for the shared small integers (0..9999), whose sharing was decided
    when the value was made (kept in the database's string notes)."""
    if type(value) is bytes and not db.string_notes.get(key, 0) & (NOTE_NOT_INT | NOTE_UNSHARED):
        n = parse_int(value)
        if n is not None and 0 <= n < _SHARED_INTEGERS:
            return _OBJ_SHARED_REFCOUNT
    return 1


@command("idletime", 3, "readonly", (2, 2, 1), parent="object", summary="Seconds since the value was last used",
         since="2.2.3", tips="nondeterministic_output")
def object_idletime_command(c, argv):
    value = _object_target(c, argv)
    if value is None:
        return
    if "lfu" in c.server.config["maxmemory-policy"]:
        raise CommandError("ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when "
                           "switching between policies at runtime LRU and LFU data will take some time to adjust.")
    c.w.integer(c.db.idle_seconds(argv[2]))


@command("freq", 3, "readonly", (2, 2, 1), parent="object", summary="The access frequency counter of a value",
         since="4.0.0", tips="nondeterministic_output")
def object_freq_command(c, argv):
    value = _object_target(c, argv)
    if value is None:
        return
    if "lfu" not in c.server.config["maxmemory-policy"]:
        raise CommandError("ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note "
                           "that when switching between policies at runtime LRU and LFU data will take some time to "
                           "adjust.")
    c.w.integer(c.db.frequency(argv[2]))


OBJECT_HELP = [
    "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "ENCODING <key>",
    "    The internal representation used to store the value at <key>.",
    "FREQ <key>",
    "    The access frequency counter of the value at <key> (LFU policies only).",
    "IDLETIME <key>",
    "    Seconds since the value at <key> was last read or written (LRU policies).",
    "REFCOUNT <key>",
    "    How many references the value at <key> has.",
    "HELP",
    "    This help.",
]


@command("help", 2, "loading stale", parent="object", summary="Help for OBJECT", since="6.2.0",
         acl="@keyspace @slow")
def object_help_command(c, argv):
    reply_help(c, OBJECT_HELP)


def reply_help(c, lines):
    c.w.array(len(lines))
    for line in lines:
        c.w.simple(line)


# -- databases -------------------------------------------------------------------------------------------------
@command("select", 2, "loading stale fast", (0, 0, 0), "connection", "Change the selected database",
         acl="@fast @connection")
def select_command(c, argv):
    c.db = db_arg(c.server, argv[1])
    c.w.ok()


@command("swapdb", 3, "write fast", (0, 0, 0), "server", "Swap two databases", since="4.0.0",
         acl="@keyspace @write @fast @dangerous")
def swapdb_command(c, argv):
    dbs = c.server.dbs
    a = parse_int(argv[1])
    if a is None or not -(1 << 31) <= a < (1 << 31):
        raise CommandError("ERR invalid first DB index")
    b = parse_int(argv[2])
    if b is None or not -(1 << 31) <= b < (1 << 31):
        raise CommandError("ERR invalid second DB index")
    if not (0 <= a < len(dbs) and 0 <= b < len(dbs)):
        raise CommandError(errors.DB_INDEX_OUT_OF_RANGE)
    if a != b:
        if c.server.watched_keys:
            # A watched key changes if it exists on either side of the swap.
            for dbid in (a, b):
                for other in (a, b):
                    c.server.touch_all_watched_keys_of(dbs[dbid], dbs[other])
        dbs[a].swap_contents(dbs[b])
    c.server.dirty += 1
    c.w.ok()


def _flush_mode(argv):
    if len(argv) > 2:
        raise CommandError(errors.SYNTAX)
    if len(argv) == 2 and argv[1].lower() not in (b"sync", b"async"):
        raise CommandError(errors.SYNTAX)


@command("flushdb", -1, "write", (0, 0, 0), "server", "Remove every key of the selected database",
         acl="@keyspace @write @slow @dangerous", tips="request_policy:all_shards response_policy:all_succeeded")
def flushdb_command(c, argv):
    _flush_mode(argv)
    server = c.server
    if server.watched_keys:
        server.touch_all_watched(c.db)
    server.dirty += c.db.clear()
    # Redis always propagates a flush, even of an empty database.
    server.propagate(c.db.id, argv)
    c.prevent_prop = True
    c.w.ok()


@command("flushall", -1, "write", (0, 0, 0), "server", "Remove every key of every database",
         acl="@keyspace @write @slow @dangerous", tips="request_policy:all_shards response_policy:all_succeeded")
def flushall_command(c, argv):
    _flush_mode(argv)
    server = c.server
    if server.watched_keys:
        for db in server.dbs:
            server.touch_all_watched(db)
    server.dirty += sum(db.clear() for db in server.dbs)
    server.propagate(c.db.id, argv)
    c.prevent_prop = True
    server.after_flushall()
    c.w.ok()


@command("dbsize", 1, "readonly fast", (0, 0, 0), "server", "Number of keys in the selected database",
         acl="@keyspace @read @fast", tips="request_policy:all_shards response_policy:agg_sum")
def dbsize_command(c, argv):
    c.w.integer(len(c.db.keys))
