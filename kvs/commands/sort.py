"""SORT and SORT_RO (Redis's sort.c): sort a list, set or sorted set numerically or by bytes, by its own elements
or by external keys (BY pattern, `->field` of hashes), with LIMIT, GET patterns and STORE."""
from kvs import errors
from kvs._core.numbers import parse_int
from kvs.commands.table import command
from kvs.commands.t_hash import HashValue
from kvs.commands.t_list import ListValue
from kvs.commands.t_set import SetValue
from kvs.commands.t_zset import ZSetValue
from kvs.errors import CommandError
from kvs.db import STRING_TYPES

G = "generic"
NOT_DOUBLE = "ERR One or more scores can't be converted into double"


def _sort_keys(argv):
    """The sorted key, plus the STORE destination (SORT's keys move with its options)."""
    out = [1]
    for i in range(2, len(argv) - 1):
        if argv[i].lower() == b"store":
            out.append(i + 1)
    return out


def lookup_by_pattern(db, pattern: bytes, subst: bytes):
    """The value a BY/GET pattern names for one element: `#` is the element itself, the first `*` is replaced by
    it, and `key->field` reads a hash field. Missing keys, wrong types or no `*` give None."""
    if pattern == b"#":
        return subst
    star = pattern.find(b"*")
    if star < 0:
        return None
    arrow = pattern.find(b"->")
    field = None
    if arrow > star and arrow + 2 < len(pattern):
        field = pattern[arrow + 2:]
        key_pattern = pattern[:arrow]
    else:
        key_pattern = pattern
    key = key_pattern[:star] + subst + key_pattern[star + 1:]
    value = db.lookup(key)
    if value is None:
        return None
    if field is not None:
        if type(value) is not HashValue:
            return None
        return value.fields.get(field)
    if type(value) not in STRING_TYPES:
        return None
    return bytes(value)


def _strtod_loose(b: bytes):
    """SORT converts weights with a bare strtod that only checks the whole string was used: leading spaces are
    fine and an empty string is 0."""
    s = b.lstrip(b" \t\n\r\v\f")
    if not s:
        return 0.0 if not b or b.isspace() else None
    try:
        v = float(s)
    except ValueError:
        return None
    if v != v or (v in (float("inf"), float("-inf")) and b"inf" not in s.lower()):
        return None
    return v


def _elements(value, start: int, end: int, desc: bool, dontsort: bool):
    """The elements SORT works on; for an unsorted list or zset only the LIMIT window is loaded, as in Redis."""
    t = type(value)
    if t is ListValue:
        items = list(value)
        if dontsort:
            return items[start:end + 1], True
        return items, False
    if t is SetValue:
        if value.encoding() == "intset":
            return sorted(value, key=int), False
        return list(value), False
    # Sorted set: in score order (reversed for DESC when nothing else will sort it).
    if dontsort:
        n = len(value)
        if n == 0 or start > end:
            return [], True
        return list(value.range_by_rank(start, end, desc, False)[0]), True
    return list(value.items(False, False)[0]), False


def _sort(c, argv, readonly: bool):
    db = c.db
    desc = alpha = False
    limit_start, limit_count = 0, -1
    store = by = None
    dontsort = False
    gets = []
    j = 2
    n = len(argv)
    while j < n:
        opt = argv[j].lower()
        left = n - j - 1
        if opt == b"asc":
            desc = False
        elif opt == b"desc":
            desc = True
        elif opt == b"alpha":
            alpha = True
        elif opt == b"limit" and left >= 2:
            a, b = parse_int(argv[j + 1]), parse_int(argv[j + 2])
            if a is None or b is None:
                raise CommandError(errors.NOT_INTEGER)
            limit_start, limit_count = a, b
            j += 2
        elif not readonly and opt == b"store" and left >= 1:
            store = argv[j + 1]
            j += 1
        elif opt == b"by" and left >= 1:
            by = argv[j + 1]
            # A constant BY pattern means "do not sort" (useful with GET to fetch external keys in order).
            dontsort = b"*" not in by
            j += 1
        elif opt == b"get" and left >= 1:
            gets.append(argv[j + 1])
            j += 1
        else:
            raise CommandError(errors.SYNTAX)
        j += 1

    value = db.lookup(argv[1]) if store is not None else db.lookup_read(argv[1])
    if value is not None and type(value) not in (ListValue, SetValue, ZSetValue):
        raise CommandError(errors.WRONGTYPE)
    if dontsort and type(value) is SetValue and store is not None:
        # An unsorted set would store in hash order, which differs between a master and its replicas.
        dontsort, alpha, by = False, True, None

    total = len(value) if value is not None else 0
    start = max(limit_start, 0)
    end = total - 1 if limit_count < 0 else start + limit_count - 1
    if start >= total:
        start, end = total - 1, total - 2
    if end >= total:
        end = total - 1

    items, windowed = _elements(value, start, end, desc, dontsort) if value is not None else ([], False)
    if not dontsort:
        keyed = []
        for e in items:
            weight = lookup_by_pattern(db, by, e) if by is not None else e
            if alpha:
                keyed.append((weight, e))
            elif weight is None:
                keyed.append((0.0, e))
            else:
                score = _strtod_loose(weight)
                if score is None:
                    raise CommandError(NOT_DOUBLE)
                keyed.append((score, e))
        if alpha and by is not None:
            # Missing BY values sort first; equal ones fall back to the element bytes.
            keyed.sort(key=lambda p: (p[0] is not None, p[0] or b"", p[1]), reverse=desc)
        else:
            keyed.sort(reverse=desc)
        items = [e for _, e in keyed]
    if not windowed:
        items = items[start:end + 1] if end >= start else []

    if store is None:
        w = c.w
        if not gets:
            w.bulks(items)
            return
        w.array(len(items) * len(gets))
        for e in items:
            for pattern in gets:
                v = lookup_by_pattern(db, pattern, e)
                if v is None:
                    w.null()
                else:
                    w.bulk(v)
        return
    out = ListValue()
    for e in items:
        if gets:
            for pattern in gets:
                v = lookup_by_pattern(db, pattern, e)
                out.append(v if v is not None else b"")
        else:
            out.append(e)
    if out:
        db.set(store, out)
        c.server.dirty += len(out)
    elif db.delete(store):
        c.server.dirty += 1
    c.w.integer(len(out))


@command("sort", -2, "write denyoom movablekeys", (1, 1, 1), G, "Sort a list, set or sorted set",
         acl="@write @set @sortedset @list @slow @dangerous", keys_fn=_sort_keys)
def sort_command(c, argv):
    _sort(c, argv, False)


@command("sort_ro", -2, "readonly movablekeys", (1, 1, 1), G, "Sort a list, set or sorted set (read-only variant)",
         since="7.0.0", acl="@read @set @sortedset @list @slow @dangerous")
def sort_ro_command(c, argv):
    _sort(c, argv, True)
