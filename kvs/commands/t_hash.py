"""Hash commands (Redis's t_hash.c). A hash value is a HashValue around a dict of field -> value (bytes), which
keeps insertion order, the order Redis's listpack encoding gives small hashes.

Encoding: a hash starts as "listpack" and turns "hashtable" for good once a field or value longer than
hash-max-listpack-value is written into it, or it holds more than hash-max-listpack-entries fields; like Redis,
the check happens when the hash is written, under the config of that moment."""
import random

from kvs import errors
from kvs._core.keyspace import random_key as dict_random_key
from kvs._core.keyspace import scan as dict_scan
from kvs._core.numbers import incr_by_float, parse_int
from kvs.commands.args import LLONG_MAX, LLONG_MIN, int_arg
from kvs.commands.keys import EMPTY_SCAN, matching, parse_cursor, parse_scan_options, reply_scan
from kvs.commands.table import command
from kvs.errors import CommandError

G = "hash"

# Redis 7.0's defaults, for values classified without a config at hand.
DEFAULT_MAX_ENTRIES = 512
DEFAULT_MAX_VALUE = 64

COUNT_RANGE = "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"


class HashValue:
    """`fields` maps field -> value. `big` is True once the hash is "hashtable"-encoded, False while "listpack",
    None if never classified (built by code that had no config at hand: encoding() then decides by the
    thresholds). A plain dict inside rather than a dict subclass: the compiled cursor helpers take exact dicts."""
    __slots__ = ("fields", "big")
    TYPE_NAME = "hash"

    def __init__(self, items=(), big=None):
        self.fields = dict(items)
        self.big = big

    def __len__(self):
        return len(self.fields)

    def __contains__(self, field):
        return field in self.fields

    def __iter__(self):
        return iter(self.fields)

    def encoding(self, config=None) -> str:
        if self.big is None:
            self.classify(config)
        return "hashtable" if self.big else "listpack"

    def classify(self, config=None) -> None:
        """Decide the encoding from the contents, as when Redis loads a hash."""
        max_entries, max_value = _limits(config)
        self.big = len(self.fields) > max_entries or any(len(f) > max_value or len(v) > max_value
                                                         for f, v in self.fields.items())

    def copy(self):
        return HashValue(self.fields, self.big)


def _limits(config):
    if config is None:
        return DEFAULT_MAX_ENTRIES, DEFAULT_MAX_VALUE
    return config["hash-max-listpack-entries"], config["hash-max-listpack-value"]


def _hash(db, key):
    """lookupKeyWrite + checkType."""
    return db.of_type(key, HashValue)


def _hash_read(db, key):
    """lookupKeyRead + checkType (counts keyspace hits/misses)."""
    return db.read_of_type(key, HashValue)


def _hash_or_create(db, key):
    h = _hash(db, key)
    if h is None:
        h = HashValue(big=False)
        db.add(key, h)
    return h


def _set_one(c, h, field, value) -> None:
    """hashTypeSet for HSETNX/HINCRBY*: conversion on a long field or value, then on the field count."""
    if not h.big:
        max_entries, max_value = _limits(c.server.config)
        if h.big is None:
            h.classify(c.server.config)
        if len(field) > max_value or len(value) > max_value:
            h.big = True
        h.fields[field] = value
        if len(h.fields) > max_entries:
            h.big = True
    else:
        h.fields[field] = value


# -- writing ---------------------------------------------------------------------------------------------------
def _hset(c, argv, name: str) -> int:
    n = len(argv)
    if n % 2:
        raise errors.wrong_arity(name)
    h = _hash_or_create(c.db, argv[1])
    before = len(h)
    if h.big:
        h.fields.update(zip(argv[2::2], argv[3::2]))
    else:
        max_entries, max_value = _limits(c.server.config)
        if h.big is None:
            h.classify(c.server.config)
        for i in range(2, n):
            if len(argv[i]) > max_value:
                h.big = True
                break
        h.fields.update(zip(argv[2::2], argv[3::2]))
        if len(h.fields) > max_entries:
            h.big = True
    # Redis counts every field written as a change, even one set to the value it had.
    c.server.dirty += (n - 2) // 2
    return len(h) - before


@command("hset", -4, "write denyoom fast", (1, 1, 1), G, "Set fields of a hash", since="2.0.0")
def hset_command(c, argv):
    c.w.integer(_hset(c, argv, "hset"))


@command("hmset", -4, "write denyoom fast", (1, 1, 1), G, "Set fields of a hash (deprecated form of HSET)",
         since="2.0.0")
def hmset_command(c, argv):
    _hset(c, argv, "hmset")
    c.w.ok()


@command("hsetnx", 4, "write denyoom fast", (1, 1, 1), G, "Set a field of a hash only if it does not exist",
         since="2.0.0")
def hsetnx_command(c, argv):
    h = _hash_or_create(c.db, argv[1])
    if argv[2] in h:
        c.w.integer(0)
        return
    _set_one(c, h, argv[2], argv[3])
    c.server.dirty += 1
    c.w.integer(1)


@command("hdel", -3, "write fast", (1, 1, 1), G, "Delete fields of a hash", since="2.0.0")
def hdel_command(c, argv):
    db = c.db
    key = argv[1]
    h = _hash(db, key)
    deleted = 0
    if h is not None:
        for field in argv[2:]:
            if h.fields.pop(field, None) is not None:
                deleted += 1
                if not h:
                    db.delete(key)
                    break
        c.server.dirty += deleted
    c.w.integer(deleted)


@command("hincrby", 4, "write denyoom fast", (1, 1, 1), G, "Increment an integer field of a hash",
         since="2.0.0")
def hincrby_command(c, argv):
    incr = int_arg(argv[3])
    db = c.db
    key, field = argv[1], argv[2]
    h = _hash(db, key)
    current = h.fields.get(field) if h is not None else None
    if current is None:
        value = 0
    else:
        value = parse_int(current)
        if value is None:
            raise CommandError("ERR hash value is not an integer")
    new = value + incr
    if new > LLONG_MAX or new < LLONG_MIN:
        raise CommandError(errors.OVERFLOW)
    if h is None:
        h = HashValue(big=False)
        db.add(key, h)
    _set_one(c, h, field, str(new).encode())
    c.server.dirty += 1
    c.w.integer(new)


@command("hincrbyfloat", 4, "write denyoom fast", (1, 1, 1), G, "Increment a float field of a hash",
         since="2.6.0")
def hincrbyfloat_command(c, argv):
    try:
        incr_by_float(b"0", argv[3])
    except ValueError:
        raise CommandError(errors.NOT_FLOAT)
    except OverflowError:
        raise CommandError("ERR value is NaN or Infinity")
    db = c.db
    key, field = argv[1], argv[2]
    h = _hash(db, key)
    current = h.fields.get(field) if h is not None else None
    try:
        new = incr_by_float(b"0" if current is None else current, argv[3])
    except ValueError:
        raise CommandError("ERR hash value is not a float")
    except OverflowError:
        raise CommandError(errors.INCR_NAN_OR_INF)
    if h is None:
        h = HashValue(big=False)
        db.add(key, h)
    _set_one(c, h, field, new)
    c.server.dirty += 1
    c.w.bulk(new)
    # Replicas must not redo the long double arithmetic: they get the result.
    c.rewrite_argv([b"HSET", key, field, new])


# -- reading ---------------------------------------------------------------------------------------------------
@command("hget", 3, "readonly fast", (1, 1, 1), G, "The value of a field of a hash", since="2.0.0")
def hget_command(c, argv):
    h = _hash_read(c.db, argv[1])
    v = h.fields.get(argv[2]) if h is not None else None
    if v is None:
        c.w.null()
    else:
        c.w.bulk(v)


@command("hmget", -3, "readonly fast", (1, 1, 1), G, "The values of several fields of a hash", since="2.0.0")
def hmget_command(c, argv):
    h = _hash_read(c.db, argv[1])
    if h is None:
        c.w.bulks([None] * (len(argv) - 2))
    else:
        get = h.fields.get
        c.w.bulks([get(f) for f in argv[2:]])


@command("hlen", 2, "readonly fast", (1, 1, 1), G, "The number of fields of a hash", since="2.0.0")
def hlen_command(c, argv):
    h = _hash_read(c.db, argv[1])
    c.w.integer(0 if h is None else len(h))


@command("hstrlen", 3, "readonly fast", (1, 1, 1), G, "The length of the value of a field of a hash",
         since="3.2.0")
def hstrlen_command(c, argv):
    h = _hash_read(c.db, argv[1])
    v = h.fields.get(argv[2]) if h is not None else None
    c.w.integer(0 if v is None else len(v))


@command("hexists", 3, "readonly fast", (1, 1, 1), G, "Whether a field exists in a hash", since="2.0.0")
def hexists_command(c, argv):
    h = _hash_read(c.db, argv[1])
    c.w.integer(1 if h is not None and argv[2] in h else 0)


@command("hkeys", 2, "readonly", (1, 1, 1), G, "The fields of a hash", since="2.0.0",
         tips="nondeterministic_output_order")
def hkeys_command(c, argv):
    h = _hash_read(c.db, argv[1])
    c.w.bulks([] if h is None else list(h))


@command("hvals", 2, "readonly", (1, 1, 1), G, "The values of a hash", since="2.0.0",
         tips="nondeterministic_output_order")
def hvals_command(c, argv):
    h = _hash_read(c.db, argv[1])
    c.w.bulks([] if h is None else list(h.fields.values()))


@command("hgetall", 2, "readonly", (1, 1, 1), G, "The fields and values of a hash", since="2.0.0",
         tips="nondeterministic_output_order")
def hgetall_command(c, argv):
    h = _hash_read(c.db, argv[1])
    w = c.w
    if h is None:
        w.map(0)
        return
    w.map(len(h))
    bulk = w.bulk
    for f, v in h.fields.items():
        bulk(f)
        bulk(v)


def _reply_fields(c, fields, values, withvalues: bool) -> None:
    """HRANDFIELD's reply: fields, or field/value pairs (flat in RESP2, one array per pair in RESP3)."""
    w = c.w
    if not withvalues:
        w.bulks(fields)
        return
    bulk = w.bulk
    if w.resp == 3:
        w.array(len(fields))
        for f in fields:
            w.array(2)
            bulk(f)
            bulk(values[f])
    else:
        w.array(2 * len(fields))
        for f in fields:
            bulk(f)
            bulk(values[f])


@command("hrandfield", -2, "readonly", (1, 1, 1), G, "Random fields of a hash", since="6.2.0",
         tips="nondeterministic_output")
def hrandfield_command(c, argv):
    n = len(argv)
    if n == 2:
        h = _hash_read(c.db, argv[1])
        if h is None:
            c.w.null()
        elif h.big:
            c.w.bulk(dict_random_key(h.fields))
        else:
            c.w.bulk(random.choice(list(h.fields)))
        return
    count = int_arg(argv[2])
    if count == LLONG_MIN:
        raise CommandError(COUNT_RANGE)
    withvalues = False
    if n > 4 or (n == 4 and argv[3].lower() != b"withvalues"):
        raise CommandError(errors.SYNTAX)
    if n == 4:
        withvalues = True
        if not -(LLONG_MAX // 2) <= count <= LLONG_MAX // 2:
            raise CommandError("ERR value is out of range")
    h = _hash_read(c.db, argv[1])
    if h is None or count == 0:
        c.w.array(0)
        return
    size = len(h)
    if count < 0:
        fields = random.choices(list(h), k=-count)
    elif count >= size:
        fields = list(h)
    elif not h.big:
        # A listpack hands back a random subset in its own order.
        keys = list(h)
        fields = [keys[i] for i in sorted(random.sample(range(size), count))]
    else:
        fields = random.sample(list(h), count)
    _reply_fields(c, fields, h.fields, withvalues)


@command("hscan", -3, "readonly", (1, 1, 1), G, "Iterate over the fields of a hash with a cursor", since="2.8.0",
         tips="nondeterministic_output")
def hscan_command(c, argv):
    cursor = parse_cursor(argv[2])
    h = _hash_read(c.db, argv[1])
    if h is None:
        c.w.raw(EMPTY_SCAN)
        return
    pattern, count, _ = parse_scan_options(argv, 3)
    if not h.big:
        # Like Redis with a listpack: everything in one reply, whatever the cursor and COUNT.
        next_cursor = 0
        fields = list(h)
    else:
        next_cursor, fields = dict_scan(h.fields, cursor, count)
    values = h.fields
    flat = []
    for f in matching(fields, pattern):
        flat.append(f)
        flat.append(values[f])
    reply_scan(c.w, next_cursor, flat)
