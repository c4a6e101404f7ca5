"""List commands (Redis's t_list.c). A list value is a ListValue, a deque of bytes elements; Redis 7.0 keeps every
list in a quicklist, so OBJECT ENCODING always answers "quicklist".

The pop and move steps are plain functions (pop_elements, mpop, move_element) taking already looked-up values, so
the blocking variants can serve a waiting client with exactly the same effects, replies and propagation."""
from collections import deque
from itertools import islice

from kvs import errors
from kvs._core.numbers import parse_int
from kvs.commands.args import LLONG_MAX, LLONG_MIN, int_arg
from kvs.blocking import block, may_block, parse_timeout
from kvs.commands.table import command, numkeys_at
from kvs.errors import CommandError

G = "list"

HEAD, TAIL = 0, 1     # Redis's LIST_HEAD (LEFT) and LIST_TAIL (RIGHT)

RANK_ZERO = ("ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative "
             "to start from the end of the list")


class ListValue(deque):
    __slots__ = ()
    TYPE_NAME = "list"

    def encoding(self, config=None) -> str:
        return "quicklist"

    def copy(self):
        return ListValue(self)


def _list(db, key):
    """lookupKeyWrite + checkType: the list at key, or None."""
    return db.of_type(key, ListValue)


def _list_read(db, key):
    """lookupKeyRead + checkType (counts keyspace hits/misses)."""
    return db.read_of_type(key, ListValue)


def where_arg(b: bytes) -> int:
    w = b.lower()
    if w == b"left":
        return HEAD
    if w == b"right":
        return TAIL
    raise CommandError(errors.SYNTAX)


# -- building blocks shared with the blocking commands -----------------------------------------------------------
def pop_elements(c, db, key, lst, where: int, count: int) -> list:
    """Take up to `count` elements off one end of the list `lst` stored at `key`, in the order they come off;
    the key goes away with the last element. Counts the changes for propagation."""
    n = min(count, len(lst))
    pop = lst.popleft if where == HEAD else lst.pop
    out = [pop() for _ in range(n)]
    if not lst:
        db.delete(key)
    c.server.dirty += n
    return out


def mpop(c, keys, where: int, count: int) -> bool:
    """LMPOP's core: pop from the first non-empty list among `keys`, reply [key, [elements]] and propagate it as
    LPOP/RPOP key n. Returns False, replying nothing, when every key is missing or empty."""
    db = c.db
    for key in keys:
        lst = _list(db, key)
        if not lst:
            continue
        elements = pop_elements(c, db, key, lst, where, count)
        w = c.w
        w.array(2)
        w.bulk(key)
        w.bulks(elements)
        # Replicas must pop exactly as many elements, whatever the list holds there.
        c.rewrite_argv([b"LPOP" if where == HEAD else b"RPOP", key, str(len(elements)).encode()])
        return True
    return False


def move_element(c, db, src_key, src, dst_key, dst, wherefrom: int, whereto: int):
    """Pop one element from `src` (a non-empty list) and push it on `dst` (the list at dst_key, or None to create
    it); the source key goes away if that emptied it. Returns the element."""
    value = src.popleft() if wherefrom == HEAD else src.pop()
    if dst is None:
        dst = ListValue()
        db.add(dst_key, dst)
    if whereto == HEAD:
        dst.appendleft(value)
    else:
        dst.append(value)
    if not src:
        db.delete(src_key)
    c.server.dirty += 1
    return value


def lmove_generic(c, src_key, dst_key, wherefrom: int, whereto: int) -> bool:
    """LMOVE/RPOPLPUSH after argument parsing. Returns False (no reply written) when the source is missing, so a
    blocking caller can wait instead; the plain commands reply null then."""
    db = c.db
    src = _list(db, src_key)
    if not src:
        return False
    dst = _list(db, dst_key)
    c.w.bulk(move_element(c, db, src_key, src, dst_key, dst, wherefrom, whereto))
    return True


# -- push ------------------------------------------------------------------------------------------------------
def _push(c, argv, where: int, xx: bool):
    db = c.db
    key = argv[1]
    lst = _list(db, key)
    if lst is None:
        if xx:
            c.w.integer(0)
            return
        lst = ListValue()
        db.add(key, lst)
    if where == HEAD:
        lst.extendleft(argv[2:])
    else:
        lst.extend(argv[2:])
    c.server.dirty += len(argv) - 2
    c.w.integer(len(lst))


@command("lpush", -3, "write denyoom fast", (1, 1, 1), G, "Prepend elements to a list")
def lpush_command(c, argv):
    _push(c, argv, HEAD, False)


@command("rpush", -3, "write denyoom fast", (1, 1, 1), G, "Append elements to a list")
def rpush_command(c, argv):
    _push(c, argv, TAIL, False)


@command("lpushx", -3, "write denyoom fast", (1, 1, 1), G, "Prepend elements to an existing list",
         since="2.2.0")
def lpushx_command(c, argv):
    _push(c, argv, HEAD, True)


@command("rpushx", -3, "write denyoom fast", (1, 1, 1), G, "Append elements to an existing list",
         since="2.2.0")
def rpushx_command(c, argv):
    _push(c, argv, TAIL, True)


# -- pop -------------------------------------------------------------------------------------------------------
def _pop(c, argv, where: int, name: str):
    if len(argv) > 3:
        raise errors.wrong_arity(name)
    count = None
    if len(argv) == 3:
        count = parse_int(argv[2])
        if count is None or count < 0:
            raise CommandError(errors.MUST_BE_POSITIVE)
    db = c.db
    key = argv[1]
    lst = _list(db, key)
    w = c.w
    if lst is None:
        if count is None:
            w.null()
        else:
            w.null_array()
        return
    if count is None:
        w.bulk(lst.popleft() if where == HEAD else lst.pop())
        if not lst:
            db.delete(key)
        c.server.dirty += 1
    else:
        w.bulks(pop_elements(c, db, key, lst, where, count) if count else [])


@command("lpop", -2, "write fast", (1, 1, 1), G, "Remove and return elements from the head of a list")
def lpop_command(c, argv):
    _pop(c, argv, HEAD, "lpop")


@command("rpop", -2, "write fast", (1, 1, 1), G, "Remove and return elements from the tail of a list")
def rpop_command(c, argv):
    _pop(c, argv, TAIL, "rpop")


@command("lmpop", -4, "write movablekeys", (0, 0, 0), G, "Pop elements from the first non-empty list",
         since="7.0.0", keys_fn=numkeys_at(1))
def lmpop_command(c, argv):
    keys, where, count = parse_lmpop(argv, 1)
    if not mpop(c, keys, where, count):
        c.w.null_array()


def parse_lmpop(argv, numkeys_idx: int):
    """[B]LMPOP's arguments from numkeys on: (keys, where, count), with Redis's errors and their order."""
    numkeys = parse_int(argv[numkeys_idx])
    if numkeys is None or numkeys < 1:
        raise CommandError("ERR numkeys should be greater than 0")
    where_idx = numkeys_idx + numkeys + 1
    if where_idx >= len(argv):
        raise CommandError(errors.SYNTAX)
    where = where_arg(argv[where_idx])
    count = None
    j = where_idx + 1
    while j < len(argv):
        if count is None and argv[j].lower() == b"count" and j + 1 < len(argv):
            count = parse_int(argv[j + 1])
            if count is None or count < 1:
                raise CommandError("ERR count should be greater than 0")
            j += 2
        else:
            raise CommandError(errors.SYNTAX)
    return argv[numkeys_idx + 1:where_idx], where, 1 if count is None else count


@command("rpoplpush", 3, "write denyoom", (1, 2, 1), G, "Move the last element of a list to the head of another",
         since="1.2.0")
def rpoplpush_command(c, argv):
    if not lmove_generic(c, argv[1], argv[2], TAIL, HEAD):
        c.w.null()


@command("lmove", 5, "write denyoom", (1, 2, 1), G, "Move an element from one list to another", since="6.2.0")
def lmove_command(c, argv):
    wherefrom = where_arg(argv[3])
    whereto = where_arg(argv[4])
    if not lmove_generic(c, argv[1], argv[2], wherefrom, whereto):
        c.w.null()


# -- reading ---------------------------------------------------------------------------------------------------
@command("llen", 2, "readonly fast", (1, 1, 1), G, "The length of a list")
def llen_command(c, argv):
    lst = _list_read(c.db, argv[1])
    c.w.integer(0 if lst is None else len(lst))


@command("lindex", 3, "readonly", (1, 1, 1), G, "The element at an index of a list")
def lindex_command(c, argv):
    lst = _list_read(c.db, argv[1])
    if lst is None:
        c.w.null()
        return
    index = int_arg(argv[2])
    n = len(lst)
    if index < 0:
        index += n
    if 0 <= index < n:
        c.w.bulk(lst[index])
    else:
        c.w.null()


def _range(n: int, start: int, end: int):
    """Redis's LRANGE/LTRIM index arithmetic: the inclusive [start, end] to keep, or None when empty."""
    if start < 0:
        start += n
    if end < 0:
        end += n
    if start < 0:
        start = 0
    if start > end or start >= n:
        return None
    if end >= n:
        end = n - 1
    return start, end


@command("lrange", 4, "readonly", (1, 1, 1), G, "A range of elements of a list")
def lrange_command(c, argv):
    start = int_arg(argv[2])
    end = int_arg(argv[3])
    lst = _list_read(c.db, argv[1])
    if lst is None:
        c.w.array(0)
        return
    n = len(lst)
    r = _range(n, start, end)
    if r is None:
        c.w.array(0)
        return
    start, end = r
    if start == 0 and end == n - 1:
        items = list(lst)
    elif start > n - 1 - end:
        # Nearer the tail: walk from that end (a deque only iterates from its ends).
        items = list(islice(reversed(lst), n - 1 - end, n - start))
        items.reverse()
    else:
        items = list(islice(lst, start, end + 1))
    c.w.bulks(items)


@command("lpos", -3, "readonly", (1, 1, 1), G, "The positions of an element in a list", since="6.0.6")
def lpos_command(c, argv):
    rank, count, maxlen = 1, None, 0
    i = 3
    n = len(argv)
    while i < n:
        opt = argv[i].lower()
        if opt == b"rank" and i + 1 < n:
            rank = int_arg(argv[i + 1])
            if rank == 0:
                raise CommandError(RANK_ZERO)
        elif opt == b"count" and i + 1 < n:
            count = parse_int(argv[i + 1])
            if count is None or count < 0:
                raise CommandError("ERR COUNT can't be negative")
        elif opt == b"maxlen" and i + 1 < n:
            maxlen = parse_int(argv[i + 1])
            if maxlen is None or maxlen < 0:
                raise CommandError("ERR MAXLEN can't be negative")
        else:
            raise CommandError(errors.SYNTAX)
        i += 2
    lst = _list_read(c.db, argv[1])
    w = c.w
    if lst is None:
        if count is None:
            w.null()
        else:
            w.array(0)
        return
    ele = argv[2]
    size = len(lst)
    forward = rank > 0
    if not forward:
        # Redis negates in a C long: -LLONG_MIN stays LLONG_MIN, a rank every match satisfies.
        rank = -rank if rank != LLONG_MIN else LLONG_MIN
    found = []
    matches = 0
    index = 0
    for x in (lst if forward else reversed(lst)):
        if maxlen and index >= maxlen:
            break
        if x == ele:
            matches += 1
            if matches >= rank:
                found.append(index if forward else size - index - 1)
                if count is None:
                    break
                if count:
                    taken = matches - rank + 1
                    if taken > LLONG_MAX:   # the C arithmetic wraps around (rank LLONG_MIN)
                        taken -= 1 << 64
                    if taken >= count:
                        break
        index += 1
    if count is None:
        if found:
            w.integer(found[0])
        else:
            w.null()
    else:
        w.array(len(found))
        for pos in found:
            w.integer(pos)


# -- changing --------------------------------------------------------------------------------------------------
@command("lset", 4, "write denyoom", (1, 1, 1), G, "Set the element at an index of a list")
def lset_command(c, argv):
    lst = _list(c.db, argv[1])
    if lst is None:
        raise CommandError(errors.NO_SUCH_KEY)
    index = int_arg(argv[2])
    n = len(lst)
    if index < 0:
        index += n
    if not 0 <= index < n:
        raise CommandError(errors.INDEX_OUT_OF_RANGE)
    lst[index] = argv[3]
    c.server.dirty += 1
    c.w.ok()


@command("ltrim", 4, "write", (1, 1, 1), G, "Keep only a range of elements of a list")
def ltrim_command(c, argv):
    start = int_arg(argv[2])
    end = int_arg(argv[3])
    db = c.db
    key = argv[1]
    lst = _list(db, key)
    if lst is None:
        c.w.ok()
        return
    n = len(lst)
    r = _range(n, start, end)
    if r is None:
        ltrim, rtrim = n, 0
    else:
        ltrim, rtrim = r[0], n - r[1] - 1
    if ltrim + rtrim == n:
        db.delete(key)
    elif ltrim + rtrim > n // 2:
        kept = list(islice(lst, ltrim, n - rtrim))
        lst.clear()
        lst.extend(kept)
    else:
        for _ in range(ltrim):
            lst.popleft()
        for _ in range(rtrim):
            lst.pop()
    c.server.dirty += ltrim + rtrim
    c.w.ok()


@command("lrem", 4, "write", (1, 1, 1), G, "Remove occurrences of an element from a list")
def lrem_command(c, argv):
    count = int_arg(argv[2])
    db = c.db
    key = argv[1]
    lst = _list(db, key)
    if lst is None or argv[3] not in lst:
        c.w.integer(0)
        return
    target = argv[3]
    if count == 0:
        kept = [x for x in lst if x != target]
    else:
        limit = abs(count)
        kept = []
        removed = 0
        for x in (lst if count > 0 else reversed(lst)):
            if removed < limit and x == target:
                removed += 1
            else:
                kept.append(x)
        if count < 0:
            kept.reverse()
    removed = len(lst) - len(kept)
    if kept:
        lst.clear()
        lst.extend(kept)
    else:
        db.delete(key)
    c.server.dirty += removed
    c.w.integer(removed)


@command("linsert", 5, "write denyoom", (1, 1, 1), G, "Insert an element before or after another in a list",
         since="2.2.0")
def linsert_command(c, argv):
    where = argv[2].lower()
    if where != b"before" and where != b"after":
        raise CommandError(errors.SYNTAX)
    lst = _list(c.db, argv[1])
    if lst is None:
        c.w.integer(0)
        return
    try:
        i = lst.index(argv[3])
    except ValueError:
        c.w.integer(-1)
        return
    lst.insert(i if where == b"before" else i + 1, argv[4])
    c.server.dirty += 1
    c.w.integer(len(lst))


# -- blocking --------------------------------------------------------------------------------------------------
# Served at once when a list has data (and then propagated as the non-blocking command), otherwise the client
# waits in kvs.blocking until a write makes one of its keys a non-empty list; the command is then run again.
_BLOCKING = "@write @list @slow @blocking"


def _bpop(c, argv, where: int):
    deadline = parse_timeout(argv[-1])
    db = c.db
    keys = argv[1:-1]
    for key in keys:
        lst = _list(db, key)
        if lst:
            value = pop_elements(c, db, key, lst, where, 1)[0]
            c.w.array(2)
            c.w.bulk(key)
            c.w.bulk(value)
            c.rewrite_argv([b"LPOP" if where == HEAD else b"RPOP", key])
            return
    block(c, keys, deadline, "list")



@command("blpop", -3, "write noscript blocking", (1, -2, 1), G, "Pop the first element of the first non-empty "
         "list, or wait for one", since="2.0.0", acl=_BLOCKING)
def blpop_command(c, argv):
    _bpop(c, argv, HEAD)


@command("brpop", -3, "write noscript blocking", (1, -2, 1), G, "Pop the last element of the first non-empty "
         "list, or wait for one", since="2.0.0", acl=_BLOCKING)
def brpop_command(c, argv):
    _bpop(c, argv, TAIL)


def _bmove(c, src_key, dst_key, wherefrom, whereto, timeout_arg, propagate_as):
    deadline = parse_timeout(timeout_arg)
    if lmove_generic(c, src_key, dst_key, wherefrom, whereto):
        c.rewrite_argv(propagate_as)
        return
    if not may_block(c):
        c.w.null()      # inside a transaction: a null bulk, though a timeout answers with block()'s null array
        return
    block(c, [src_key], deadline, "list")


@command("brpoplpush", 4, "write denyoom noscript blocking", (1, 2, 1), G, "Move the last element of a list to "
         "the head of another, waiting for one", since="2.2.0", acl=_BLOCKING)
def brpoplpush_command(c, argv):
    _bmove(c, argv[1], argv[2], TAIL, HEAD, argv[3], [b"RPOPLPUSH", argv[1], argv[2]])


@command("blmove", 6, "write denyoom noscript blocking", (1, 2, 1), G, "Move an element from one list to "
         "another, waiting for one", since="6.2.0", acl=_BLOCKING)
def blmove_command(c, argv):
    wherefrom = where_arg(argv[3])
    whereto = where_arg(argv[4])
    _bmove(c, argv[1], argv[2], wherefrom, whereto, argv[5], [b"LMOVE"] + argv[1:5])


@command("blmpop", -5, "write blocking movablekeys", (0, 0, 0), G, "Pop elements from the first non-empty list, "
         "or wait for one", since="7.0.0", acl=_BLOCKING, keys_fn=numkeys_at(2))
def blmpop_command(c, argv):
    deadline = parse_timeout(argv[1])
    keys, where, count = parse_lmpop(argv, 2)
    if mpop(c, keys, where, count):
        return
    block(c, keys, deadline, "list")
