"""Sorted set commands (Redis's t_zset.c).

A sorted set is a ZSetValue: the compiled kvs._core.zskiplist.ZSet, a skiplist with rank spans ordered by (score,
member bytes) like Redis's zskiplist, plus a dict member -> score. Redis keeps small sorted sets in a listpack;
kvs uses the one structure for every size and only tracks the encoding Redis would report (the `listpack` flag,
decided at each insert against zset-max-listpack-entries/value and cleared for good, as Redis converts one way).
Where the listpack shows through, kvs follows it: a listpack stores an integral score as an integer, so -0 is
stored as 0 while listpack-encoded, and ZSCAN of a small zset prints integral scores as integers; the lex range
commands find their first/last member by scanning, as a listpack does (this only matters when the members have
different scores - on a big zset Redis's answer then depends on its nodes' random levels).

Why the skiplist rather than sortedcontainers.SortedList of (score, member) + dict, measured with
bench/micro/test_zset_bench.py on 1M random members (shared 2-core box; the spread of two runs):

                         skiplist (compiled)    SortedList + dict
    ZADD, per member         2.2 - 3.8 us            6.0 us
    ZRANK                    0.7 - 0.8 us          2.3 - 4.3 us
    ZRANGE 100 from middle   2.0 - 2.1 us          4.2 - 4.5 us
    ZPOPMIN                  1.4 - 1.5 us          1.3 - 1.6 us
    memory per member          111 B                 107 B     (structure only, member bytes excluded)

The skiplist is 2-3x faster at inserts, ranks and ranges (spans make a rank O(log n) in C), pops alike, costs
4% more memory, needs no new dependency, and walks ranges and pops exactly the way Redis does.

The pop logic (generic_zpop) takes the keys and reply shape as arguments so the blocking commands can call it.
"""
import random

from kvs import errors
from kvs._core.engine import CLOSE_ASAP
from kvs._core.keyspace import scan_items
from kvs._core.numbers import parse_int
from kvs._core.zskiplist import (ADD_GT, ADD_INCR, ADD_LT, ADD_NX, ADD_XX, OUT_ADDED, OUT_NAN, OUT_NOP,
                                 OUT_UPDATED, ZSet, format_listpack_score, format_score, parse_lex_range,
                                 parse_score_range, write_pairs, write_range)
from kvs.blocking import block, parse_timeout
from kvs.commands.args import LLONG_MAX, float_arg, int_arg
from kvs.commands.keys import EMPTY_SCAN, parse_cursor, parse_scan_options, reply_scan
from kvs.commands.table import command, numkeys_at
from kvs.config import glob_matcher
from kvs.db import type_name
from kvs.errors import CommandError

G = "sorted_set"

NAN_SCORE = "ERR resulting score is not a number (NaN)"
NOT_FLOAT_RANGE = "ERR min or max is not a float"
NOT_LEX_RANGE = "ERR min or max not valid string range item"

# Redis 7.0's defaults of zset-max-listpack-entries / zset-max-listpack-value.
DEFAULT_MAX_ENTRIES = 128
DEFAULT_MAX_VALUE = 64

ZSET_MIN, ZSET_MAX = 0, 1

# ZRANGE's range types and directions (zrange_type / zrange_direction).
RANGE_AUTO, RANGE_RANK, RANGE_SCORE, RANGE_LEX = 0, 1, 2, 3
DIR_AUTO, DIR_FORWARD, DIR_REVERSE = 0, 1, 2

# zunionInterDiffGenericCommand's operations and aggregates.
OP_UNION, OP_INTER, OP_DIFF = 0, 1, 2
AGG_SUM, AGG_MIN, AGG_MAX = 0, 1, 2

# ZRANDMEMBER ... WITHSCORES refuses counts beyond +-LONG_MAX/2 (their reply length would overflow).
_RANDMEMBER_LIMIT = LLONG_MAX // 2


class ZSetValue(ZSet):
    __slots__ = ()
    TYPE_NAME = "zset"

    def encoding(self, config=None) -> str:
        """The encoding was decided by the writes (under the config in force then, as in Redis), so `config` is
        not needed here; values built outside the command handlers should come from from_pairs()."""
        return "listpack" if self.listpack else "skiplist"

    @classmethod
    def from_pairs(cls, pairs, config=None):
        """A zset holding (member, score) pairs, encoded as Redis would load it under `config` (None: Redis's
        defaults)."""
        z = cls()
        max_entries, max_value = listpack_limits(config)
        for member, score in pairs:
            z.add(member, score, 0, max_entries, max_value)
        return z


def listpack_limits(config):
    """(zset-max-listpack-entries, zset-max-listpack-value). Read from the values dict, keyed by the directives'
    primary names: Config.__getitem__ normalizes the name first, which cost a third of a ZADD."""
    if config is None:
        return DEFAULT_MAX_ENTRIES, DEFAULT_MAX_VALUE
    values = config._values
    return values["zset-max-listpack-entries"], values["zset-max-listpack-value"]


def _zset(db, key):
    """lookupKeyWrite + checkType: the zset at key, or None."""
    return db.of_type(key, ZSetValue)


def _zset_read(db, key):
    """lookupKeyRead + checkType (counts keyspace hits and misses)."""
    return db.read_of_type(key, ZSetValue)


def positive_long_arg(b: bytes, error: str = errors.MUST_BE_POSITIVE) -> int:
    """getPositiveLongFromObjectOrReply: an integer >= 0; not an integer gets the same error as a negative."""
    v = parse_int(b)
    if v is None or v < 0:
        raise CommandError(error)
    return v


def range_long_arg(b: bytes, lo: int, hi: int, error: str) -> int:
    """getRangeLongFromObjectOrReply with a message: not an integer or outside lo..hi both give `error`."""
    v = parse_int(b)
    if v is None or not lo <= v <= hi:
        raise CommandError(error)
    return v


def _score_range(lo: bytes, hi: bytes):
    r = parse_score_range(lo, hi)
    if r is None:
        raise CommandError(NOT_FLOAT_RANGE)
    return r


def _lex_range(lo: bytes, hi: bytes):
    r = parse_lex_range(lo, hi)
    if r is None:
        raise CommandError(NOT_LEX_RANGE)
    return r


# -- ZADD / ZINCRBY ------------------------------------------------------------------------------------------
_ZADD_OPTIONS = {b"nx": ADD_NX, b"xx": ADD_XX, b"incr": ADD_INCR, b"gt": ADD_GT, b"lt": ADD_LT}


def zadd_generic(c, argv, flags: int):
    i = 2
    ch = False
    n = len(argv)
    # Options run until the first word that is not one; ZINCRBY goes through here too, so its increment is
    # tested as an option first (ZINCRBY key nx m is a syntax error in Redis as well).
    while i < n:
        opt = argv[i].lower()
        bit = _ZADD_OPTIONS.get(opt)
        if bit is not None:
            flags |= bit
        elif opt == b"ch":
            ch = True
        else:
            break
        i += 1
    elements = n - i
    if elements % 2 or not elements:
        raise CommandError(errors.SYNTAX)
    elements //= 2
    incr = flags & ADD_INCR
    nx = flags & ADD_NX
    if nx and flags & ADD_XX:
        raise CommandError("ERR XX and NX options at the same time are not compatible")
    if (flags & (ADD_GT | ADD_LT) and nx) or (flags & ADD_GT and flags & ADD_LT):
        raise CommandError("ERR GT, LT, and/or NX options at the same time are not compatible")
    if incr and elements > 1:
        raise CommandError("ERR INCR option supports a single increment-element pair")
    scores = [float_arg(argv[i + 2 * j]) for j in range(elements)]
    db = c.db
    key = argv[1]
    z = _zset(db, key)
    added = updated = processed = 0
    score = 0.0
    if z is None:
        if flags & ADD_XX:
            _zadd_reply(c, incr, ch, 0, 0, 0, score)
            return
        z = ZSetValue()
        db.add(key, z)
    # The limits only matter while the value is still a listpack.
    max_entries, max_value = listpack_limits(c.server.config) if z.listpack else (0, 0)
    add = z.add
    for j in range(elements):
        out = add(argv[i + 2 * j + 1], scores[j], flags, max_entries, max_value)
        if out & OUT_NAN:
            # Only INCR can get here, with its one element: nothing has changed.
            raise CommandError(NAN_SCORE)
        if out & OUT_ADDED:
            added += 1
        elif out & OUT_UPDATED:
            updated += 1
        if not out & OUT_NOP:
            processed += 1
            score = z.newscore
    c.server.dirty += added + updated
    _zadd_reply(c, incr, ch, added, updated, processed, score)


def _zadd_reply(c, incr, ch, added, updated, processed, score):
    if incr:
        if processed:
            c.w.double(score)
        else:
            c.w.null()
    else:
        c.w.integer(added + updated if ch else added)


@command("zadd", -4, "write denyoom fast", (1, 1, 1), G, "Add members to a sorted set, or update their scores",
         since="1.2.0")
def zadd_command(c, argv):
    zadd_generic(c, argv, 0)


@command("zincrby", 4, "write denyoom fast", (1, 1, 1), G, "Increment the score of a member of a sorted set",
         since="1.2.0")
def zincrby_command(c, argv):
    zadd_generic(c, argv, ADD_INCR)


# -- removal -------------------------------------------------------------------------------------------------
@command("zrem", -3, "write fast", (1, 1, 1), G, "Remove members from a sorted set", since="1.2.0")
def zrem_command(c, argv):
    db = c.db
    key = argv[1]
    z = _zset(db, key)
    if z is None:
        c.w.integer(0)
        return
    deleted = 0
    remove = z.remove
    for member in argv[2:]:
        if remove(member):
            deleted += 1
        if not len(z):
            db.delete(key)
            break
    c.server.dirty += deleted
    c.w.integer(deleted)


def _zremrange(c, argv, rangetype: int):
    if rangetype == RANGE_RANK:
        start = int_arg(argv[2])
        end = int_arg(argv[3])
    elif rangetype == RANGE_SCORE:
        srange = _score_range(argv[2], argv[3])
    else:
        lrange = _lex_range(argv[2], argv[3])
    db = c.db
    key = argv[1]
    z = _zset(db, key)
    if z is None:
        c.w.integer(0)
        return
    if rangetype == RANGE_RANK:
        llen = len(z)
        if start < 0:
            start += llen
        if end < 0:
            end += llen
        if start < 0:
            start = 0
        if start > end or start >= llen:
            c.w.integer(0)
            return
        if end >= llen:
            end = llen - 1
        deleted = z.delete_by_rank(start, end)
    elif rangetype == RANGE_SCORE:
        deleted = z.delete_by_score(*srange)
    else:
        deleted = z.delete_by_lex(lrange)
    if not len(z):
        db.delete(key)
    c.server.dirty += deleted
    c.w.integer(deleted)


@command("zremrangebyrank", 4, "write", (1, 1, 1), G, "Remove the members of a sorted set within a rank range",
         since="2.0.0")
def zremrangebyrank_command(c, argv):
    _zremrange(c, argv, RANGE_RANK)


@command("zremrangebyscore", 4, "write", (1, 1, 1), G, "Remove the members of a sorted set within a score range",
         since="1.2.0")
def zremrangebyscore_command(c, argv):
    _zremrange(c, argv, RANGE_SCORE)


@command("zremrangebylex", 4, "write", (1, 1, 1), G, "Remove the members of a sorted set within a lex range",
         since="2.8.9")
def zremrangebylex_command(c, argv):
    _zremrange(c, argv, RANGE_LEX)


# -- single-member reads -------------------------------------------------------------------------------------
@command("zcard", 2, "readonly fast", (1, 1, 1), G, "Number of members in a sorted set", since="1.2.0")
def zcard_command(c, argv):
    z = _zset_read(c.db, argv[1])
    c.w.integer(0 if z is None else len(z))


@command("zscore", 3, "readonly fast", (1, 1, 1), G, "Score of a member of a sorted set", since="1.2.0")
def zscore_command(c, argv):
    z = _zset_read(c.db, argv[1])
    score = None if z is None else z.dict.get(argv[2])
    if score is None:
        c.w.null()
    else:
        c.w.double(score)


@command("zmscore", -3, "readonly fast", (1, 1, 1), G, "Scores of several members of a sorted set",
         since="6.2.0")
def zmscore_command(c, argv):
    z = _zset_read(c.db, argv[1])
    w = c.w
    w.array(len(argv) - 2)
    get = {}.get if z is None else z.dict.get
    for member in argv[2:]:
        score = get(member)
        if score is None:
            w.null()
        else:
            w.double(score)


def _zrank(c, argv, reverse: bool):
    z = _zset_read(c.db, argv[1])
    rank = -1 if z is None else z.rank(argv[2], reverse)
    if rank < 0:
        c.w.null()
    else:
        c.w.integer(rank)


@command("zrank", 3, "readonly fast", (1, 1, 1), G, "Rank of a member of a sorted set, lowest score first",
         since="2.0.0")
def zrank_command(c, argv):
    _zrank(c, argv, False)


@command("zrevrank", 3, "readonly fast", (1, 1, 1), G, "Rank of a member of a sorted set, highest score first",
         since="2.0.0")
def zrevrank_command(c, argv):
    _zrank(c, argv, True)


@command("zcount", 4, "readonly fast", (1, 1, 1), G, "Number of members of a sorted set within a score range",
         since="2.0.0")
def zcount_command(c, argv):
    srange = _score_range(argv[2], argv[3])
    z = _zset_read(c.db, argv[1])
    c.w.integer(0 if z is None else z.count_by_score(*srange))


@command("zlexcount", 4, "readonly fast", (1, 1, 1), G, "Number of members of a sorted set within a lex range",
         since="2.8.9")
def zlexcount_command(c, argv):
    lrange = _lex_range(argv[2], argv[3])
    z = _zset_read(c.db, argv[1])
    c.w.integer(0 if z is None else z.count_by_lex(lrange))


# -- ZRANGE and its older forms ------------------------------------------------------------------------------
def zrange_generic(c, argv, argc_start: int, store: bool, rangetype: int, direction: int):
    """zrangeGenericCommand: ZRANGE, ZRANGESTORE, ZREVRANGE, Z[REV]RANGEBYSCORE, Z[REV]RANGEBYLEX."""
    key = argv[argc_start]
    minidx, maxidx = argc_start + 1, argc_start + 2
    withscores = False
    offset, limit = 0, -1
    n = len(argv)
    j = argc_start + 3
    while j < n:
        opt = argv[j].lower()
        if not store and opt == b"withscores":
            withscores = True
        elif opt == b"limit" and n - j - 1 >= 2:
            offset = int_arg(argv[j + 1])
            limit = int_arg(argv[j + 2])
            j += 2
        elif direction == DIR_AUTO and opt == b"rev":
            direction = DIR_REVERSE
        elif rangetype == RANGE_AUTO and opt == b"bylex":
            rangetype = RANGE_LEX
        elif rangetype == RANGE_AUTO and opt == b"byscore":
            rangetype = RANGE_SCORE
        else:
            raise CommandError(errors.SYNTAX)
        j += 1
    if direction == DIR_AUTO:
        direction = DIR_FORWARD
    if rangetype == RANGE_AUTO:
        rangetype = RANGE_RANK
    if limit != -1 and rangetype == RANGE_RANK:
        raise CommandError("ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX")
    if withscores and rangetype == RANGE_LEX:
        raise CommandError("ERR syntax error, WITHSCORES not supported in combination with BYLEX")
    reverse = direction == DIR_REVERSE
    if reverse and rangetype != RANGE_RANK:
        minidx, maxidx = maxidx, minidx
    if rangetype == RANGE_RANK:
        start = int_arg(argv[minidx])
        end = int_arg(argv[maxidx])
    elif rangetype == RANGE_SCORE:
        srange = _score_range(argv[minidx], argv[maxidx])
    else:
        lrange = _lex_range(argv[minidx], argv[maxidx])
    withscores = withscores or store
    z = _zset_read(c.db, key)
    if z is None:
        if store:
            _store_range(c, argv[1], [], [], False)
        else:
            c.w.array(0)
        return
    if rangetype == RANGE_RANK:
        llen = len(z)
        if start < 0:
            start += llen
        if end < 0:
            end += llen
        if start < 0:
            start = 0
        if start > end or start >= llen:
            members, scores = [], ([] if withscores else None)
            length = 0
        else:
            if end >= llen:
                end = llen - 1
            members, scores = z.range_by_rank(start, end, reverse, withscores)
            length = len(members)
    elif rangetype == RANGE_SCORE:
        members, scores = z.range_by_score(*srange, offset, limit, reverse, withscores)
        length = -1
    else:
        members, scores = z.range_by_lex(lrange, offset, limit, reverse, withscores)
        length = -1
    if store:
        _store_range(c, argv[1], members, scores, length > c.server.config["zset-max-listpack-entries"])
    else:
        write_range(c.w, members, scores)


def _store_range(c, dstkey, members, scores, big: bool):
    """zrangeResultFinalizeStore: the result replaces dstkey (of any type); an empty one deletes it."""
    db = c.db
    if members:
        z = ZSetValue()
        if big:
            z.listpack = False
        max_entries, max_value = listpack_limits(c.server.config)
        add = z.add
        for m, s in zip(members, scores):
            add(m, s, 0, max_entries, max_value)
        db.set(dstkey, z)
        c.server.dirty += 1
        c.w.integer(len(members))
    else:
        c.w.integer(0)
        if db.delete(dstkey):
            c.server.dirty += 1


@command("zrange", -4, "readonly", (1, 1, 1), G, "Members of a sorted set within a range of ranks, scores or "
         "lex values", since="1.2.0")
def zrange_command(c, argv):
    zrange_generic(c, argv, 1, False, RANGE_AUTO, DIR_AUTO)


@command("zrangestore", -5, "write denyoom", (1, 2, 1), G, "Store a range of a sorted set in another key",
         since="6.2.0")
def zrangestore_command(c, argv):
    zrange_generic(c, argv, 2, True, RANGE_AUTO, DIR_AUTO)


@command("zrevrange", -4, "readonly", (1, 1, 1), G, "Members of a sorted set within a rank range, highest first",
         since="1.2.0")
def zrevrange_command(c, argv):
    zrange_generic(c, argv, 1, False, RANGE_RANK, DIR_REVERSE)


@command("zrangebyscore", -4, "readonly", (1, 1, 1), G, "Members of a sorted set within a score range",
         since="1.0.5")
def zrangebyscore_command(c, argv):
    zrange_generic(c, argv, 1, False, RANGE_SCORE, DIR_FORWARD)


@command("zrevrangebyscore", -4, "readonly", (1, 1, 1), G,
         "Members of a sorted set within a score range, highest first", since="2.2.0")
def zrevrangebyscore_command(c, argv):
    zrange_generic(c, argv, 1, False, RANGE_SCORE, DIR_REVERSE)


@command("zrangebylex", -4, "readonly", (1, 1, 1), G, "Members of a sorted set within a lex range",
         since="2.8.9")
def zrangebylex_command(c, argv):
    zrange_generic(c, argv, 1, False, RANGE_LEX, DIR_FORWARD)


@command("zrevrangebylex", -4, "readonly", (1, 1, 1), G, "Members of a sorted set within a lex range, "
         "highest first", since="2.8.9")
def zrevrangebylex_command(c, argv):
    zrange_generic(c, argv, 1, False, RANGE_LEX, DIR_REVERSE)


# -- pops (shared with the blocking commands) ----------------------------------------------------------------
def pop_members(c, db, key, z, where: int, count: int):
    """Remove up to `count` members from the low (ZSET_MIN) or high end of `z` stored at `key`; the key goes
    with the last member. Returns (members, scores) in pop order; counts one change per member."""
    members, scores = z.pop(where == ZSET_MAX, count)
    if not len(z):
        db.delete(key)
    c.server.dirty += len(members)
    return members, scores


def generic_zpop(c, keys, where: int, emitkey: bool, count: int, nested: bool, nil_when_empty: bool):
    """genericZpopCommand: pop from the first existing key among `keys` (WRONGTYPE if it is not a zset) and reply
    - [m, s ...], [[m, s] ...], [key, m, s ...] or [key, [[m, s] ...]] by emitkey/nested. count -1 means one
    member (the command gave no count). With no key it replies a null array or an empty one. Returns
    (key, popped) - key None when nothing was popped - so callers can rewrite what they propagate."""
    db = c.db
    w = c.w
    z = None
    key = None
    for k in keys:
        z = _zset(db, k)
        if z is not None:
            key = k
            break
    if z is None:
        if nil_when_empty:
            w.null_array()
        else:
            w.array(0)
        return None, 0
    if count == 0:
        w.array(0)
        return None, 0
    if count == -1:
        count = 1
    members, scores = pop_members(c, db, key, z, where, count)
    if emitkey:
        if nested:
            w.array(2)
            w.bulk(key)
        else:
            w.array(2 * len(members) + 1)
            w.bulk(key)
            # The pairs follow flat inside the same array.
            for m, s in zip(members, scores):
                w.bulk(m)
                w.double(s)
            return key, len(members)
    write_pairs(w, members, scores, nested)
    return key, len(members)


def _zpop(c, argv, where: int):
    if len(argv) > 3:
        raise CommandError(errors.SYNTAX)
    count = -1
    if len(argv) == 3:
        count = positive_long_arg(argv[2])
    generic_zpop(c, argv[1:2], where, False, count, c.w.resp > 2 and count != -1, False)


@command("zpopmin", -2, "write fast", (1, 1, 1), G, "Remove and return the members with the lowest scores",
         since="5.0.0")
def zpopmin_command(c, argv):
    _zpop(c, argv, ZSET_MIN)


@command("zpopmax", -2, "write fast", (1, 1, 1), G, "Remove and return the members with the highest scores",
         since="5.0.0")
def zpopmax_command(c, argv):
    _zpop(c, argv, ZSET_MAX)


def parse_zmpop(argv, numkeys_idx: int):
    """ZMPOP/BZMPOP arguments from numkeys on: (keys, where, count)."""
    numkeys = range_long_arg(argv[numkeys_idx], 1, LLONG_MAX, "ERR numkeys should be greater than 0")
    where_idx = numkeys_idx + numkeys + 1
    if where_idx >= len(argv):
        raise CommandError(errors.SYNTAX)
    w = argv[where_idx].lower()
    if w == b"min":
        where = ZSET_MIN
    elif w == b"max":
        where = ZSET_MAX
    else:
        raise CommandError(errors.SYNTAX)
    count = -1
    j = where_idx + 1
    while j < len(argv):
        if count == -1 and argv[j].lower() == b"count" and j + 1 < len(argv):
            j += 1
            count = range_long_arg(argv[j], 1, LLONG_MAX, "ERR count should be greater than 0")
        else:
            raise CommandError(errors.SYNTAX)
        j += 1
    if count == -1:
        count = 1
    return argv[numkeys_idx + 1:where_idx], where, count


def zmpop(c, keys, where: int, count: int):
    """ZMPOP's effect: pop and reply [key, [[m, s] ...]] (a null array when every key is missing), propagated as
    ZPOPMIN/ZPOPMAX key <popped>, which replays deterministically."""
    key, popped = generic_zpop(c, keys, where, True, count, True, True)
    if key is not None:
        c.rewrite_argv([b"ZPOPMAX" if where == ZSET_MAX else b"ZPOPMIN", key, str(popped).encode()])
    return key


@command("zmpop", -4, "write movablekeys", (0, 0, 0), G, "Pop members from the first non-empty sorted set",
         since="7.0.0", keys_fn=numkeys_at(1))
def zmpop_command(c, argv):
    keys, where, count = parse_zmpop(argv, 1)
    zmpop(c, keys, where, count)


# -- ZRANDMEMBER ---------------------------------------------------------------------------------------------
@command("zrandmember", -2, "readonly", (1, 1, 1), G, "Random members of a sorted set", since="6.2.0",
         tips="nondeterministic_output")
def zrandmember_command(c, argv):
    if len(argv) >= 3:
        count = int_arg(argv[2])
        if count < -LLONG_MAX:
            raise CommandError(f"ERR value is out of range, value must between {-LLONG_MAX} and {LLONG_MAX}")
        withscores = False
        if len(argv) > 4 or (len(argv) == 4 and argv[3].lower() != b"withscores"):
            raise CommandError(errors.SYNTAX)
        if len(argv) == 4:
            withscores = True
            if not -_RANDMEMBER_LIMIT <= count <= _RANDMEMBER_LIMIT:
                raise CommandError("ERR value is out of range")
        _zrandmember_count(c, argv[1], count, withscores)
        return
    z = _zset_read(c.db, argv[1])
    if z is None:
        c.w.null()
    else:
        c.w.bulk(z.at_rank(random.randrange(len(z)))[0])


def _zrandmember_count(c, key, count: int, withscores: bool):
    z = _zset_read(c.db, key)
    w = c.w
    if z is None or count == 0:
        w.array(0)
        return
    size = len(z)
    nested = withscores and w.resp > 2
    if count < 0 or count == 1:
        # With repetitions: independent picks, written in batches so that a huge count streams like Redis's
        # loop (which also stops early once the client is being closed).
        n = -count if count < 0 else 1
        w.array(n if nested or not withscores else 2 * n)
        at_rank = z.at_rank
        randrange = random.randrange
        while n > 0:
            batch = min(n, 1024)
            n -= batch
            picks = [at_rank(randrange(size)) for _ in range(batch)]
            if withscores:
                _write_picks(w, picks, nested)
            else:
                w.raw(_bulks_body([m for m, _ in picks]))
            if c.flags & CLOSE_ASAP:
                break
        return
    if count >= size:
        # The whole set, in the order Redis's iterator walks it: from the highest score down.
        members, scores = z.items(True, withscores)
    else:
        picks = sorted(random.sample(range(size), count))
        members = []
        scores = [] if withscores else None
        for r in picks:
            m, s = z.at_rank(r)
            members.append(m)
            if withscores:
                scores.append(s)
        # Redis answers in no particular order; shuffle rather than leak the rank order.
        order = list(range(count))
        random.shuffle(order)
        members = [members[i] for i in order]
        if withscores:
            scores = [scores[i] for i in order]
    if withscores:
        write_pairs(w, members, scores, nested)
    else:
        w.bulks(members)


def _write_picks(w, picks, nested):
    for m, s in picks:
        if nested:
            w.array(2)
        w.bulk(m)
        w.double(s)


def _bulks_body(members) -> bytes:
    return b"".join(b"$%d\r\n%s\r\n" % (len(m), m) for m in members)


# -- ZSCAN ---------------------------------------------------------------------------------------------------
@command("zscan", -3, "readonly", (1, 1, 1), G, "Iterate over the members and scores of a sorted set",
         since="2.8.0", tips="nondeterministic_output")
def zscan_command(c, argv):
    cursor = parse_cursor(argv[2])
    z = _zset_read(c.db, argv[1])
    if z is None:
        c.w.raw(EMPTY_SCAN)
        return
    pattern, count, _ = parse_scan_options(argv, 3)
    out = []
    if z.listpack:
        # A listpack is returned whole in one call, whatever the cursor and COUNT, with the scores as it holds
        # them.
        members, scores = z.items(False, True)
        pairs = zip(members, scores)
        next_cursor = 0
        fmt = format_listpack_score
    else:
        # A cursor from another layout of the dict (or never handed out) restarts the walk: see keyspace.pyx.
        next_cursor, pairs = scan_items(z.dict, cursor, count)
        if next_cursor and not scan_items(z.dict, next_cursor, 1)[1]:
            next_cursor = 0  # nothing left: say so now rather than after one more empty round trip
        fmt = format_score
    match = None if pattern is None else glob_matcher(pattern)
    for m, s in pairs:
        if match is None or match(m):
            out.append(m)
            out.append(fmt(s))
    reply_scan(c.w, next_cursor, out)


# -- ZUNION / ZINTER / ZDIFF / ZINTERCARD and their STORE forms ----------------------------------------------
class _Source:
    """An input of the set operations: a zset, a set (every member scores 1), or a missing key (empty)."""
    __slots__ = ("value", "weight", "zset", "length")

    def __init__(self, value):
        self.value = value
        self.weight = 1.0
        self.zset = type(value) is ZSetValue
        self.length = 0 if value is None else len(value)

    def pairs(self):
        """(member, score) in the order Redis's iterator gives them (a zset from its highest score down)."""
        if self.value is None:
            return ()
        if self.zset:
            members, scores = self.value.items(True, True)
            return zip(members, scores)
        return ((m, 1.0) for m in self.value)

    def find(self, member):
        """The member's score, or None."""
        if self.value is None:
            return None
        if self.zset:
            return self.value.dict.get(member)
        return 1.0 if member in self.value else None


def _aggregate(target: float, value: float, aggregate: int) -> float:
    if aggregate == AGG_SUM:
        target = target + value
        return 0.0 if target != target else target    # inf + -inf: Redis makes it 0
    if aggregate == AGG_MIN:
        return value if value < target else target
    return value if value > target else target


def zset_operation(c, argv, dstkey, numkeys_idx: int, op: int, card_only: bool, name: str):
    """zunionInterDiffGenericCommand."""
    setnum = int_arg(argv[numkeys_idx])
    if setnum < 1:
        raise CommandError(f"ERR at least 1 input key is needed for '{name}' command")
    n = len(argv)
    if setnum > n - (numkeys_idx + 1):
        raise CommandError(errors.SYNTAX)
    db = c.db
    srcs = []
    j = numkeys_idx + 1
    for key in argv[j:j + setnum]:
        v = db.lookup_read(key)
        if v is not None and type(v) is not ZSetValue and type_name(v) != "set":
            raise CommandError(errors.WRONGTYPE)
        srcs.append(_Source(v))
    j += setnum
    aggregate = AGG_SUM
    withscores = False
    limit = 0
    while j < n:
        remaining = n - j
        opt = argv[j].lower()
        if op != OP_DIFF and not card_only and remaining >= setnum + 1 and opt == b"weights":
            j += 1
            for src in srcs:
                src.weight = float_arg(argv[j], "ERR weight value is not a float")
                j += 1
        elif op != OP_DIFF and not card_only and remaining >= 2 and opt == b"aggregate":
            agg = argv[j + 1].lower()
            if agg == b"sum":
                aggregate = AGG_SUM
            elif agg == b"min":
                aggregate = AGG_MIN
            elif agg == b"max":
                aggregate = AGG_MAX
            else:
                raise CommandError(errors.SYNTAX)
            j += 2
        elif dstkey is None and not card_only and opt == b"withscores":
            withscores = True
            j += 1
        elif card_only and remaining >= 2 and opt == b"limit":
            limit = positive_long_arg(argv[j + 1], "ERR LIMIT can't be negative")
            j += 2
        else:
            raise CommandError(errors.SYNTAX)
    if op != OP_DIFF:
        # Smallest input first (a stable sort, like glibc's qsort here); the order of a SUM matters to floats.
        srcs.sort(key=lambda s: s.length)
    result = {}
    cardinality = 0
    if op == OP_INTER:
        first = srcs[0]
        if first.length:
            for member, score0 in first.pairs():
                score = first.weight * score0
                if score != score:
                    score = 0.0
                for src in srcs[1:]:
                    if src.value is first.value:
                        value = score0 * src.weight
                    else:
                        value = src.find(member)
                        if value is None:
                            break
                        value *= src.weight
                    score = _aggregate(score, value, aggregate)
                else:
                    if card_only:
                        cardinality += 1
                        if limit and cardinality >= limit:
                            break
                    else:
                        result[member] = score
    elif op == OP_UNION:
        for src in srcs:
            if not src.length:
                continue
            weight = src.weight
            for member, s in src.pairs():
                score = weight * s
                if score != score:
                    score = 0.0
                old = result.get(member)
                result[member] = score if old is None else _aggregate(old, score, aggregate)
    else:
        first = srcs[0]
        if first.length and not any(src.value is first.value for src in srcs[1:]):
            others = [src for src in srcs[1:] if src.length]
            for member, score in first.pairs():
                for src in others:
                    if src.find(member) is not None:
                        break
                else:
                    result[member] = score
    w = c.w
    if dstkey is not None:
        if result:
            z = ZSetValue()
            z.listpack = False
            add = z.add
            for member, score in result.items():
                add(member, score)
            max_entries, max_value = listpack_limits(c.server.config)
            if len(z) <= max_entries and max(map(len, result)) <= max_value:
                z.to_listpack()
            db.set(dstkey, z)
            c.server.dirty += 1
            w.integer(len(z))
        else:
            w.integer(0)
            if db.delete(dstkey):
                c.server.dirty += 1
    elif card_only:
        w.integer(cardinality)
    else:
        pairs = sorted(result.items(), key=lambda kv: (kv[1], kv[0]))
        members = [m for m, _ in pairs]
        if withscores:
            write_pairs(w, members, [s for _, s in pairs], w.resp > 2)
        else:
            w.bulks(members)


@command("zunionstore", -4, "write denyoom movablekeys", (1, 1, 1), G, "Store the union of sorted sets",
         since="2.0.0", keys_fn=numkeys_at(2, (1,)))
def zunionstore_command(c, argv):
    zset_operation(c, argv, argv[1], 2, OP_UNION, False, "zunionstore")


@command("zinterstore", -4, "write denyoom movablekeys", (1, 1, 1), G, "Store the intersection of sorted sets",
         since="2.0.0", keys_fn=numkeys_at(2, (1,)))
def zinterstore_command(c, argv):
    zset_operation(c, argv, argv[1], 2, OP_INTER, False, "zinterstore")


@command("zdiffstore", -4, "write denyoom movablekeys", (1, 1, 1), G, "Store the difference of sorted sets",
         since="6.2.0", keys_fn=numkeys_at(2, (1,)))
def zdiffstore_command(c, argv):
    zset_operation(c, argv, argv[1], 2, OP_DIFF, False, "zdiffstore")


@command("zunion", -3, "readonly movablekeys", (0, 0, 0), G, "The union of sorted sets", since="6.2.0",
         keys_fn=numkeys_at(1))
def zunion_command(c, argv):
    zset_operation(c, argv, None, 1, OP_UNION, False, "zunion")


@command("zinter", -3, "readonly movablekeys", (0, 0, 0), G, "The intersection of sorted sets", since="6.2.0",
         keys_fn=numkeys_at(1))
def zinter_command(c, argv):
    zset_operation(c, argv, None, 1, OP_INTER, False, "zinter")


@command("zdiff", -3, "readonly movablekeys", (0, 0, 0), G, "The difference of sorted sets", since="6.2.0",
         keys_fn=numkeys_at(1))
def zdiff_command(c, argv):
    zset_operation(c, argv, None, 1, OP_DIFF, False, "zdiff")


@command("zintercard", -3, "readonly movablekeys", (0, 0, 0), G, "The size of the intersection of sorted sets",
         since="7.0.0", keys_fn=numkeys_at(1))
def zintercard_command(c, argv):
    zset_operation(c, argv, None, 1, OP_INTER, True, "zintercard")


# -- blocking --------------------------------------------------------------------------------------------------
# Served at once when one of the keys holds members (and then propagated as ZPOPMIN/ZPOPMAX), otherwise the client
# waits in kvs.blocking until a write makes one of its keys a sorted set, and the command runs again.
_BLOCKING_ACL = "@write @sortedset @fast @blocking"



def _bzpop(c, argv, where: int):
    deadline = parse_timeout(argv[-1])
    keys = argv[1:-1]
    db = c.db
    for key in keys:
        z = _zset(db, key)
        if z is None or not len(z):
            continue
        generic_zpop(c, [key], where, True, -1, False, True)
        c.rewrite_argv([b"ZPOPMAX" if where == ZSET_MAX else b"ZPOPMIN", key])
        return
    block(c, keys, deadline, "zset")


@command("bzpopmin", -3, "write noscript blocking fast", (1, -2, 1), G, "Pop the lowest-scored member of the "
         "first non-empty sorted set, or wait for one", since="5.0.0", acl=_BLOCKING_ACL)
def bzpopmin_command(c, argv):
    _bzpop(c, argv, ZSET_MIN)


@command("bzpopmax", -3, "write noscript blocking fast", (1, -2, 1), G, "Pop the highest-scored member of the "
         "first non-empty sorted set, or wait for one", since="5.0.0", acl=_BLOCKING_ACL)
def bzpopmax_command(c, argv):
    _bzpop(c, argv, ZSET_MAX)


@command("bzmpop", -5, "write blocking movablekeys", (0, 0, 0), G, "Pop members of the first non-empty sorted set, "
         "or wait for one", since="7.0.0", acl="@write @sortedset @slow @blocking", keys_fn=numkeys_at(2))
def bzmpop_command(c, argv):
    deadline = parse_timeout(argv[1])
    keys, where, count = parse_zmpop(argv, 2)
    db = c.db
    for key in keys:
        z = _zset(db, key)
        if z is not None and len(z):
            zmpop(c, [key], where, count)
            return
    block(c, keys, deadline, "zset")
