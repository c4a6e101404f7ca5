"""Set commands (Redis's t_set.c). A set value is a SetValue: its members (bytes) in a list, with a dict from
member to list position, so that membership is O(1) and so is picking a uniformly random member (SPOP,
SRANDMEMBER); removal moves the last member into the hole.

Encoding (Redis 7.0 has no listpack sets): a set is "intset" while every member is an integer (Redis's string2ll)
and there are at most set-max-intset-entries of them, "hashtable" for good after that. An intset's order is
ascending numeric, which Redis replies in (SMEMBERS, SSCAN, ...); a hashtable's order is unspecified."""
import random

from kvs import errors
from kvs._core.numbers import parse_int
from kvs.commands.args import LLONG_MIN, int_arg
from kvs.commands.keys import EMPTY_SCAN, matching, parse_cursor, parse_scan_options, reply_scan
from kvs.commands.table import command, numkeys_at
from kvs.errors import CommandError

G = "set"

DEFAULT_MAX_INTSET = 512      # Redis 7.0's set-max-intset-entries

COUNT_RANGE = "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"


class SetValue:
    """`big` is True once "hashtable"-encoded, False while "intset", None if never classified (built without a
    config at hand: encoding() then decides by the contents)."""
    __slots__ = ("members", "index", "big")
    TYPE_NAME = "set"

    def __init__(self, members=(), big=None):
        self.members = []
        self.index = {}
        self.big = big
        for m in members:
            self.add(m)

    def __len__(self):
        return len(self.members)

    def __contains__(self, m):
        return m in self.index

    def __iter__(self):
        return iter(self.members)

    def add(self, m) -> bool:
        index = self.index
        if m in index:
            return False
        index[m] = len(self.members)
        self.members.append(m)
        return True

    def remove(self, m) -> bool:
        i = self.index.pop(m, None)
        if i is None:
            return False
        members = self.members
        last = members.pop()
        if i < len(members):
            members[i] = last
            self.index[last] = i
        return True

    def random_member(self):
        members = self.members
        return members[random.randrange(len(members))]

    def ordered(self) -> list:
        """The members in the order Redis iterates them: ascending integers for an intset."""
        if self.big:
            return list(self.members)
        return sorted(self.members, key=int)

    def add_all(self, members, max_intset: int) -> int:
        """SADD's setTypeAdd loop: add, converting to hashtable on a non-integer or on too many members."""
        added = 0
        index = self.index
        append = self.members.append
        big = self.big
        for m in members:
            if m not in index:
                index[m] = len(index)
                append(m)
                added += 1
                if not big and parse_int(m) is None:
                    big = True
        if not big and len(index) > max_intset:
            big = True
        self.big = big
        return added

    def classify(self, config=None) -> None:
        max_intset = DEFAULT_MAX_INTSET if config is None else config["set-max-intset-entries"]
        self.big = len(self.members) > max_intset or any(parse_int(m) is None for m in self.members)

    def encoding(self, config=None) -> str:
        if self.big is None:
            self.classify(config)
        return "hashtable" if self.big else "intset"

    def copy(self):
        s = SetValue.__new__(SetValue)
        s.members = list(self.members)
        s.index = dict(self.index)
        s.big = self.big
        return s


def _max_intset(c) -> int:
    return c.server.config["set-max-intset-entries"]


def new_set(c, members) -> SetValue:
    """A set built by adding `members` one by one to an empty intset, as Redis builds results."""
    s = SetValue(big=False)
    s.add_all(members, _max_intset(c))
    return s


def _set(db, key):
    """lookupKeyWrite + checkType."""
    return db.of_type(key, SetValue)


def _set_read(db, key):
    """lookupKeyRead + checkType (counts keyspace hits/misses)."""
    return db.read_of_type(key, SetValue)


def _reply_set(c, members) -> None:
    w = c.w
    w.set(len(members))
    bulk = w.bulk
    for m in members:
        bulk(m)


# -- writing ---------------------------------------------------------------------------------------------------
@command("sadd", -3, "write denyoom fast", (1, 1, 1), G, "Add members to a set")
def sadd_command(c, argv):
    db = c.db
    key = argv[1]
    s = _set(db, key)
    if s is None:
        s = SetValue(big=False)
        db.add(key, s)
    elif s.big is None:
        s.classify(c.server.config)
    added = s.add_all(argv[2:], 0 if s.big else _max_intset(c))
    c.server.dirty += added
    c.w.integer(added)


@command("srem", -3, "write fast", (1, 1, 1), G, "Remove members from a set")
def srem_command(c, argv):
    db = c.db
    key = argv[1]
    s = _set(db, key)
    deleted = 0
    if s is not None:
        for m in argv[2:]:
            if s.remove(m):
                deleted += 1
                if not s:
                    db.delete(key)
                    break
        c.server.dirty += deleted
    c.w.integer(deleted)


@command("smove", 4, "write fast", (1, 2, 1), G, "Move a member from one set to another")
def smove_command(c, argv):
    db = c.db
    src_key, dst_key, m = argv[1], argv[2], argv[3]
    src = db.lookup(src_key)
    dst = db.lookup(dst_key)
    if src is None:
        c.w.integer(0)
        return
    if type(src) is not SetValue or (dst is not None and type(dst) is not SetValue):
        raise CommandError(errors.WRONGTYPE)
    if src is dst:
        c.w.integer(1 if m in src else 0)
        return
    if not src.remove(m):
        c.w.integer(0)
        return
    if not src:
        db.delete(src_key)
    server = c.server
    server.dirty += 1
    if dst is None:
        dst = SetValue(big=False)
        db.add(dst_key, dst)
    elif dst.big is None:
        dst.classify(server.config)
    server.dirty += dst.add_all((m,), 0 if dst.big else _max_intset(c))
    c.w.integer(1)


def pop_members(s, count: int) -> list:
    """Remove `count` (< len(s)) random members."""
    members = s.members
    popped = [members[i] for i in random.sample(range(len(members)), count)]
    for m in popped:
        s.remove(m)
    return popped


@command("spop", -2, "write fast", (1, 1, 1), G, "Remove and return random members of a set",
         tips="nondeterministic_output")
def spop_command(c, argv):
    if len(argv) == 3:
        _spop_with_count(c, argv)
        return
    if len(argv) > 3:
        raise CommandError(errors.SYNTAX)
    db = c.db
    key = argv[1]
    s = _set(db, key)
    if s is None:
        c.w.null()
        return
    m = s.random_member()
    s.remove(m)
    if not s:
        db.delete(key)
    c.server.dirty += 1
    # A random pick must replay as the same removal.
    c.rewrite_argv([b"SREM", key, m])
    c.w.bulk(m)


def _spop_with_count(c, argv):
    count = parse_int(argv[2])
    if count is None or count < 0:
        raise CommandError(errors.MUST_BE_POSITIVE)
    db = c.db
    key = argv[1]
    s = _set(db, key)
    if s is None or count == 0:
        c.w.set(0)
        return
    server = c.server
    size = len(s)
    if count >= size:
        # Redis answers with the union of the set alone (so an all-integer set comes out sorted) and replicates
        # the whole pop as a DEL.
        _reply_set(c, new_set(c, s.members).ordered())
        db.delete(key)
        server.dirty += size
        c.rewrite_argv([b"DEL", key])
        return
    popped = pop_members(s, count)
    server.dirty += count
    # One SREM per member (the core wraps several in MULTI/EXEC), as Redis 7.0 replicates it.
    dbid = db.id
    for m in popped:
        server.propagate(dbid, [b"SREM", key, m])
    c.prevent_prop = True
    _reply_set(c, popped)


# -- reading ---------------------------------------------------------------------------------------------------
@command("scard", 2, "readonly fast", (1, 1, 1), G, "The number of members of a set")
def scard_command(c, argv):
    s = _set_read(c.db, argv[1])
    c.w.integer(0 if s is None else len(s))


@command("sismember", 3, "readonly fast", (1, 1, 1), G, "Whether a value is a member of a set")
def sismember_command(c, argv):
    s = _set_read(c.db, argv[1])
    c.w.integer(1 if s is not None and argv[2] in s.index else 0)


@command("smismember", -3, "readonly fast", (1, 1, 1), G, "Whether each value is a member of a set",
         since="6.2.0")
def smismember_command(c, argv):
    s = _set_read(c.db, argv[1])
    w = c.w
    w.array(len(argv) - 2)
    index = s.index if s is not None else {}
    for m in argv[2:]:
        w.integer(1 if m in index else 0)


@command("smembers", 2, "readonly", (1, 1, 1), G, "All members of a set", tips="nondeterministic_output_order")
def smembers_command(c, argv):
    s = _set_read(c.db, argv[1])
    _reply_set(c, [] if s is None else s.ordered())


@command("srandmember", -2, "readonly", (1, 1, 1), G, "Random members of a set",
         tips="nondeterministic_output")
def srandmember_command(c, argv):
    if len(argv) == 3:
        _srandmember_with_count(c, argv)
        return
    if len(argv) > 3:
        raise CommandError(errors.SYNTAX)
    s = _set_read(c.db, argv[1])
    if s is None:
        c.w.null()
    else:
        c.w.bulk(s.random_member())


def _srandmember_with_count(c, argv):
    count = int_arg(argv[2])
    if count == LLONG_MIN:
        raise CommandError(COUNT_RANGE)
    s = _set_read(c.db, argv[1])
    if s is None or count == 0:
        c.w.array(0)
    elif count < 0:
        c.w.bulks(random.choices(s.members, k=-count))
    elif count >= len(s):
        c.w.bulks(s.ordered())
    else:
        c.w.bulks(random.sample(s.members, count))


def _lookup_sets(c, keys, write: bool) -> list:
    """Every key's set (None when missing); WRONGTYPE if any key holds something else."""
    lookup = c.db.lookup if write else c.db.lookup_read
    sets = []
    for key in keys:
        s = lookup(key)
        if s is not None and type(s) is not SetValue:
            raise CommandError(errors.WRONGTYPE)
        sets.append(s)
    return sets


def _store(c, dstkey, result: SetValue) -> None:
    """*STORE: the result replaces the destination (and its TTL); an empty result deletes it."""
    db = c.db
    if result:
        db.set(dstkey, result)
        c.server.dirty += 1
        c.w.integer(len(result))
    else:
        if db.delete(dstkey):
            c.server.dirty += 1
        c.w.integer(0)


def _sinter(c, keys, dstkey=None):
    sets = _lookup_sets(c, keys, dstkey is not None)
    if None in sets:
        if dstkey is not None:
            _store(c, dstkey, SetValue(big=False))
        else:
            c.w.set(0)
        return
    # Walk the smallest set (sorted stably, as Redis's qsort leaves equal sizes), testing the others.
    sets.sort(key=len)
    first, others = sets[0], sets[1:]
    members = first.ordered()
    for other in others:
        index = other.index
        members = [m for m in members if m in index]
    if dstkey is not None:
        _store(c, dstkey, new_set(c, members))
    else:
        _reply_set(c, members)


def _sintercard(c, keys, limit: int):
    sets = _lookup_sets(c, keys, False)
    if None in sets:
        c.w.integer(0)
        return
    sets.sort(key=len)
    first, others = sets[0], sets[1:]
    n = 0
    for m in first.members:
        for other in others:
            if m not in other.index:
                break
        else:
            n += 1
            if n == limit:
                break
    c.w.integer(n)


UNION, DIFF = 0, 1


def _sunion_diff(c, keys, op: int, dstkey=None):
    sets = _lookup_sets(c, keys, dstkey is not None)
    first = sets[0]
    result = SetValue(big=False)
    max_intset = _max_intset(c)
    if op == UNION:
        for s in sets:
            if s is not None:
                result.add_all(s.members, max_intset)
    elif first is not None and not any(s is first for s in sets[1:]):
        present = [s for s in sets if s is not None]
        # Redis picks one of two algorithms by estimated work; they differ in what passes through the result
        # set (and so in its final encoding), not in its members.
        algo_one_work = len(first) * len(present) // 2
        algo_two_work = sum(len(s) for s in present)
        others = present[1:]
        if algo_one_work <= algo_two_work:
            kept = first.ordered()
            for s in others:
                index = s.index
                kept = [m for m in kept if m not in index]
            result.add_all(kept, max_intset)
        else:
            result.add_all(first.ordered(), max_intset)
            for s in others:
                if not result:
                    break
                for m in s.members:
                    result.remove(m)
    if dstkey is not None:
        _store(c, dstkey, result)
    else:
        _reply_set(c, result.ordered())


@command("sinter", -2, "readonly", (1, -1, 1), G, "The intersection of sets",
         tips="nondeterministic_output_order")
def sinter_command(c, argv):
    _sinter(c, argv[1:])


@command("sinterstore", -3, "write denyoom", (1, -1, 1), G, "Store the intersection of sets")
def sinterstore_command(c, argv):
    _sinter(c, argv[2:], argv[1])


@command("sunion", -2, "readonly", (1, -1, 1), G, "The union of sets", tips="nondeterministic_output_order")
def sunion_command(c, argv):
    _sunion_diff(c, argv[1:], UNION)


@command("sunionstore", -3, "write denyoom", (1, -1, 1), G, "Store the union of sets")
def sunionstore_command(c, argv):
    _sunion_diff(c, argv[2:], UNION, argv[1])


@command("sdiff", -2, "readonly", (1, -1, 1), G, "The difference of sets", tips="nondeterministic_output_order")
def sdiff_command(c, argv):
    _sunion_diff(c, argv[1:], DIFF)


@command("sdiffstore", -3, "write denyoom", (1, -1, 1), G, "Store the difference of sets")
def sdiffstore_command(c, argv):
    _sunion_diff(c, argv[2:], DIFF, argv[1])


@command("sintercard", -3, "readonly movablekeys", (0, 0, 0), G, "The cardinality of the intersection of sets",
         since="7.0.0", keys_fn=numkeys_at(1))
def sintercard_command(c, argv):
    numkeys = parse_int(argv[1])
    if numkeys is None or numkeys < 1:
        raise CommandError("ERR numkeys should be greater than 0")
    if numkeys > len(argv) - 2:
        raise CommandError("ERR Number of keys can't be greater than number of args")
    limit = 0
    j = 2 + numkeys
    while j < len(argv):
        if argv[j].lower() == b"limit" and j + 1 < len(argv):
            limit = parse_int(argv[j + 1])
            if limit is None or limit < 0:
                raise CommandError("ERR LIMIT can't be negative")
            j += 2
        else:
            raise CommandError(errors.SYNTAX)
    _sintercard(c, argv[2:2 + numkeys], limit)


@command("sscan", -3, "readonly", (1, 1, 1), G, "Iterate over the members of a set with a cursor",
         since="2.8.0", tips="nondeterministic_output")
def sscan_command(c, argv):
    cursor = parse_cursor(argv[2])
    s = _set_read(c.db, argv[1])
    if s is None:
        c.w.raw(EMPTY_SCAN)
        return
    pattern, count, _ = parse_scan_options(argv, 3)
    if not s.big:
        # Like Redis with an intset: everything in one reply, whatever the cursor and COUNT.
        next_cursor = 0
        batch = s.ordered()
    else:
        # The cursor counts the positions still to visit, walking down from the end of the member list:
        # removals only move the last member down and additions append, so a member present for the whole
        # iteration is never skipped.
        members = s.members
        start = len(members) if cursor == 0 or cursor > len(members) else cursor
        next_cursor = max(start - count, 0)
        batch = members[next_cursor:start]
        batch.reverse()
    reply_scan(c.w, next_cursor, matching(batch, pattern))
