"""String commands (Redis's t_string.c). A string value is `bytes`, or a `bytearray` once APPEND or SETRANGE
has grown it in place (Redis's "raw" encoding)."""
from kvs import errors
from kvs._core.engine import FAST_GET, FAST_MSET, FAST_SET, NOTE_NOT_INT
from kvs._core.numbers import incr_by_float, parse_int
from kvs.commands import table
from kvs.commands.args import LLONG_MAX, LLONG_MIN, int_arg
from kvs.commands.table import command
from kvs.db import now_ms
from kvs.errors import CommandError

G = "string"

# Option bits of SET/GETEX (parseExtendedStringArgumentsOrReply)
NX, XX, GET, KEEPTTL, PERSIST, EX, PX, EXAT, PXAT = (1 << i for i in range(9))
EXPIRY = EX | PX | EXAT | PXAT
_UNIT = {b"ex": EX, b"px": PX, b"exat": EXAT, b"pxat": PXAT}


def _is_string(v) -> bool:
    t = type(v)
    return t is bytes or t is bytearray


def _string_or_none(db, key):
    """The string at key (None if missing); WRONGTYPE if it holds another type."""
    v = db.lookup_read(key)
    if v is not None and not _is_string(v):
        raise CommandError(errors.WRONGTYPE)
    return v


def parse_set_options(argv, start: int, for_set: bool):
    """Returns (flags, expire_arg). Each option is only accepted where Redis accepts it; anything else is a
    syntax error (a repeated EX is allowed, the last one wins, as in Redis)."""
    flags = 0
    expire = None
    i = start
    n = len(argv)
    while i < n:
        opt = argv[i].lower()
        has_next = i + 1 < n
        if opt == b"nx" and for_set and not flags & XX:
            flags |= NX
        elif opt == b"xx" and for_set and not flags & NX:
            flags |= XX
        elif opt == b"get" and for_set:
            flags |= GET
        elif opt == b"keepttl" and for_set and not flags & (PERSIST | EXPIRY):
            flags |= KEEPTTL
        elif opt == b"persist" and not for_set and not flags & (EXPIRY | KEEPTTL):
            flags |= PERSIST
        elif opt in _UNIT and has_next and not flags & (KEEPTTL | PERSIST | (EXPIRY & ~_UNIT[opt])):
            flags |= _UNIT[opt]
            expire = argv[i + 1]
            i += 1
        else:
            raise CommandError(errors.SYNTAX)
        i += 1
    return flags, expire


def expire_ms(arg: bytes, flags: int, name: str) -> int:
    """Absolute expiry in ms for an EX/PX/EXAT/PXAT argument, with Redis's validation."""
    v = int_arg(arg)
    seconds = flags & (EX | EXAT)
    if v <= 0 or (seconds and v > LLONG_MAX // 1000):
        raise errors.invalid_expire(name)
    if seconds:
        v *= 1000
    if flags & (EX | PX):
        v += now_ms()
        if v > LLONG_MAX:
            raise errors.invalid_expire(name)
    return v


def set_generic(c, flags: int, key, value, expire_arg, name: str, ok_reply=None, abort_reply=None):
    when = expire_ms(expire_arg, flags, name) if expire_arg is not None else None
    db = c.db
    w = c.w
    if flags & GET:
        old = _string_or_none(db, key)
        if old is None:
            w.null()
        else:
            w.bulk(old)
    found = db.lookup(key) is not None
    if (flags & NX and found) or (flags & XX and not found):
        if not flags & GET:
            if abort_reply is None:
                w.null()
            else:
                w.integer(abort_reply)
        return
    db.set(key, value, keep_ttl=bool(flags & KEEPTTL))
    c.server.dirty += 1
    if when is not None:
        db.set_expire(key, when)
        if not flags & PXAT:
            c.rewrite_argv([b"SET", key, value, b"PXAT", str(when).encode()])
    if not flags & GET:
        if ok_reply is None:
            w.ok()
        else:
            w.integer(ok_reply)
    elif when is None:
        # Replicas do not need the old value: propagate without GET.
        c.rewrite_argv(c.argv[:3] + [a for a in c.argv[3:] if a.lower() != b"get"])


@command("set", -3, "write denyoom", (1, 1, 1), G, "Set the string value of a key")
def set_command(c, argv):
    if len(argv) == 3:
        # The common case, without options.
        c.db.set(argv[1], argv[2])
        c.server.dirty += 1
        c.w.ok()
        return
    flags, expire = parse_set_options(argv, 3, True)
    set_generic(c, flags, argv[1], argv[2], expire, "set")


@command("setnx", 3, "write denyoom fast", (1, 1, 1), G, "Set a key only if it does not exist")
def setnx_command(c, argv):
    set_generic(c, NX, argv[1], argv[2], None, "setnx", 1, 0)


@command("setex", 4, "write denyoom", (1, 1, 1), G, "Set a key with a time to live in seconds", since="2.0.0")
def setex_command(c, argv):
    set_generic(c, EX, argv[1], argv[3], argv[2], "setex")


@command("psetex", 4, "write denyoom", (1, 1, 1), G, "Set a key with a time to live in milliseconds",
         since="2.6.0")
def psetex_command(c, argv):
    set_generic(c, PX, argv[1], argv[3], argv[2], "psetex")


@command("get", 2, "readonly fast", (1, 1, 1), G, "Get the value of a key")
def get_command(c, argv):
    v = c.db.lookup_read(argv[1])
    if v is None:
        c.w.null()
    elif type(v) is bytes or type(v) is bytearray:
        c.w.bulk(v)
    else:
        raise CommandError(errors.WRONGTYPE)


@command("getex", -2, "write fast", (1, 1, 1), G, "Get a value and set or remove its expiry", since="6.2.0")
def getex_command(c, argv):
    flags, expire = parse_set_options(argv, 2, False)
    db = c.db
    key = argv[1]
    v = _string_or_none(db, key)
    if v is None:
        c.w.null()
        return
    when = expire_ms(expire, flags, "getex") if expire is not None else None
    c.w.bulk(v)
    server = c.server
    if when is not None and flags & (EXAT | PXAT) and when <= now_ms() and not server.is_replica:
        db.delete(key)
        server.dirty += 1
        c.rewrite_argv([b"UNLINK" if server.config["lazyfree-lazy-expire"] else b"DEL", key])
    elif when is not None:
        db.set_expire(key, when)
        server.dirty += 1
        c.rewrite_argv([b"PEXPIREAT", key, str(when).encode()])
    elif flags & PERSIST:
        if db.persist(key):
            server.dirty += 1
            c.rewrite_argv([b"PERSIST", key])


@command("getdel", 2, "write fast", (1, 1, 1), G, "Get a value and delete its key", since="6.2.0")
def getdel_command(c, argv):
    db = c.db
    v = _string_or_none(db, argv[1])
    if v is None:
        c.w.null()
        return
    c.w.bulk(v)
    db.delete(argv[1])
    c.server.dirty += 1
    c.rewrite_argv([b"DEL", argv[1]])


@command("getset", 3, "write denyoom fast", (1, 1, 1), G, "Set a value and return the old one")
def getset_command(c, argv):
    db = c.db
    v = _string_or_none(db, argv[1])
    if v is None:
        c.w.null()
    else:
        c.w.bulk(v)
    db.set(argv[1], argv[2])
    c.server.dirty += 1
    c.rewrite_argv([b"SET", argv[1], argv[2]])


@command("mget", -2, "readonly fast", (1, -1, 1), G, "Get the values of several keys",
         tips="request_policy:multi_shard")
def mget_command(c, argv):
    lookup = c.db.lookup_read
    out = []
    for key in argv[1:]:
        v = lookup(key)
        out.append(v if v is None or type(v) is bytes or type(v) is bytearray else None)
    c.w.bulks(out)


def _mset(c, argv, nx: bool):
    if len(argv) % 2 == 0:
        raise errors.wrong_arity("msetnx" if nx else "mset")
    db = c.db
    if nx:
        for i in range(1, len(argv), 2):
            if db.lookup(argv[i]) is not None:
                c.w.integer(0)
                return
    set_value = db.set
    for i in range(1, len(argv), 2):
        set_value(argv[i], argv[i + 1])
    c.server.dirty += (len(argv) - 1) // 2
    if nx:
        c.w.integer(1)
    else:
        c.w.ok()


@command("mset", -3, "write denyoom", (1, -1, 2), G, "Set several keys", since="1.0.1",
         tips="request_policy:multi_shard response_policy:all_succeeded")
def mset_command(c, argv):
    _mset(c, argv, False)


@command("msetnx", -3, "write denyoom", (1, -1, 2), G, "Set several keys only if none exists", since="1.0.1",
         tips="request_policy:multi_shard response_policy:agg_min")
def msetnx_command(c, argv):
    _mset(c, argv, True)


def _check_length(c, total: int) -> None:
    if total > c.server.config["proto-max-bulk-len"] and c.kind == 0:
        raise CommandError(errors.STRING_TOO_LONG)


@command("append", 3, "write denyoom fast", (1, 1, 1), G, "Append to a string", since="2.0.0")
def append_command(c, argv):
    db = c.db
    key, extra = argv[1], argv[2]
    v = _string_or_none(db, key)
    if v is None:
        db.add(key, extra)
        total = len(extra)
    else:
        _check_length(c, len(v) + len(extra))
        if type(v) is bytes:
            # Grow in place from now on: repeated APPENDs stay linear.
            v = bytearray(v)
            db.keys[key] = v
        v += extra
        total = len(v)
    c.server.dirty += 1
    c.w.integer(total)


@command("strlen", 2, "readonly fast", (1, 1, 1), G, "Length of a string", since="2.2.0")
def strlen_command(c, argv):
    v = _string_or_none(c.db, argv[1])
    c.w.integer(0 if v is None else len(v))


def _getrange(c, argv):
    start = int_arg(argv[2])
    end = int_arg(argv[3])
    v = _string_or_none(c.db, argv[1])
    if v is None:
        c.w.bulk(b"")
        return
    n = len(v)
    if start < 0 and end < 0 and start > end:
        c.w.bulk(b"")
        return
    if start < 0:
        start += n
    if end < 0:
        end += n
    start = max(start, 0)
    end = max(end, 0)
    if end >= n:
        end = n - 1
    if start > end or n == 0:
        c.w.bulk(b"")
    else:
        c.w.bulk(v[start:end + 1])


@command("getrange", 4, "readonly", (1, 1, 1), G, "A substring of a string", since="2.4.0")
def getrange_command(c, argv):
    _getrange(c, argv)


@command("substr", 4, "readonly", (1, 1, 1), G, "A substring of a string (old name of GETRANGE)",
         since="1.0.0")
def substr_command(c, argv):
    _getrange(c, argv)


@command("setrange", 4, "write denyoom", (1, 1, 1), G, "Overwrite part of a string", since="2.2.0")
def setrange_command(c, argv):
    offset = int_arg(argv[2])
    if offset < 0:
        raise CommandError(errors.OFFSET_OUT_OF_RANGE)
    db = c.db
    key, data = argv[1], argv[3]
    v = _string_or_none(db, key)
    if v is None:
        if not data:
            c.w.integer(0)
            return
        _check_length(c, offset + len(data))
        v = bytearray(offset + len(data))
        db.add(key, v)
    else:
        if not data:
            c.w.integer(len(v))
            return
        _check_length(c, offset + len(data))
        if type(v) is bytes:
            v = bytearray(v)
            db.keys[key] = v
        if len(v) < offset + len(data):
            v.extend(bytes(offset + len(data) - len(v)))
    v[offset:offset + len(data)] = data
    c.server.dirty += 1
    c.w.integer(len(v))


def _incr(c, key, delta: int):
    db = c.db
    v = db.lookup(key)
    if v is None:
        current = 0
    else:
        if type(v) is not bytes and type(v) is not bytearray:
            raise CommandError(errors.WRONGTYPE)
        current = parse_int(bytes(v))
        if current is None:
            raise CommandError(errors.NOT_INTEGER)
    new = current + delta
    if new > LLONG_MAX or new < LLONG_MIN:
        raise CommandError(errors.OVERFLOW)
    encoded = str(new).encode()
    if v is None:
        db.add(key, encoded)
    else:
        db.keys[key] = encoded  # INCR keeps the key's TTL
        db.new_string(key)
    c.server.dirty += 1
    c.w.integer(new)


@command("incr", 2, "write denyoom fast", (1, 1, 1), G, "Increment an integer by one")
def incr_command(c, argv):
    _incr(c, argv[1], 1)


@command("decr", 2, "write denyoom fast", (1, 1, 1), G, "Decrement an integer by one")
def decr_command(c, argv):
    _incr(c, argv[1], -1)


@command("incrby", 3, "write denyoom fast", (1, 1, 1), G, "Increment an integer")
def incrby_command(c, argv):
    _incr(c, argv[1], int_arg(argv[2]))


@command("decrby", 3, "write denyoom fast", (1, 1, 1), G, "Decrement an integer")
def decrby_command(c, argv):
    delta = int_arg(argv[2])
    if delta == LLONG_MIN:
        raise CommandError("ERR decrement would overflow")
    _incr(c, argv[1], -delta)


@command("incrbyfloat", 3, "write denyoom fast", (1, 1, 1), G, "Increment a number by a float", since="2.6.0")
def incrbyfloat_command(c, argv):
    db = c.db
    key = argv[1]
    v = db.lookup(key)
    if v is not None and type(v) is not bytes and type(v) is not bytearray:
        raise CommandError(errors.WRONGTYPE)
    try:
        new = incr_by_float(b"0" if v is None else bytes(v), argv[2])
    except ValueError:
        raise CommandError(errors.NOT_FLOAT)
    except OverflowError:
        raise CommandError(errors.INCR_NAN_OR_INF)
    if v is None:
        db.add(key, new)
    else:
        db.keys[key] = new
    # Redis keeps the result as a plain string even when it reads as an integer (OBJECT ENCODING embstr).
    db.string_notes[key] = NOTE_NOT_INT
    c.server.dirty += 1
    c.w.bulk(new)
    # Replay must not redo the float arithmetic: propagate the result.
    c.rewrite_argv([b"SET", key, new, b"KEEPTTL"])


# -- LCS -------------------------------------------------------------------------------------------------------
# The LCS table is computed one row at a time as a bit vector (Hyyrö's bit-parallel LCS): in row r, bit c-1 is 0
# exactly when LCS(r, c) = LCS(r, c-1) + 1. Python's big ints make each row a handful of word-parallel operations,
# where the plain dynamic program would cost one interpreted step per cell.

def _match_masks(cols: bytes) -> dict:
    """For each byte value in cols, the int whose bit c is set where cols[c] is that byte."""
    masks = {}
    rev = cols[::-1]
    for ch in set(cols):
        # int(..., 2) parses a power-of-two base in linear time.
        table = bytes(0x31 if x == ch else 0x30 for x in range(256))
        masks[ch] = int(rev.translate(table), 2)
    return masks


def _lcs_rows(rows: bytes, cols: bytes) -> list:
    m = len(cols)
    full = (1 << m) - 1
    masks = _match_masks(cols)
    v = full
    out = [v]
    for ch in rows:
        u = v & masks.get(ch, 0)
        v = ((v + u) | (v - u)) & full
        out.append(v)
    return out


class _LcsTable:
    """LCS(i, j) of a[:i] and b[:j], stored as bit rows over the longer string (so there are few rows), with
    the constant-time neighbour lookups a walk back from the end needs."""

    def __init__(self, a: bytes, b: bytes):
        self.swap = len(a) > len(b)
        rows, cols = (b, a) if self.swap else (a, b)
        self.width = len(cols)
        self.rows = _lcs_rows(rows, cols)
        self.length = self.width - self.rows[-1].bit_count()
        self._bytes = {}

    def row_value(self, r: int, c: int) -> int:
        """Table value at row r, column c (row/column in the stored orientation)."""
        return c - (self.rows[r] & ((1 << c) - 1)).bit_count()

    def step(self, r: int, c: int) -> int:
        """value(r, c) - value(r, c-1): 1 when bit c-1 of row r is 0."""
        b = self._bytes.get(r)
        if b is None:
            if len(self._bytes) > 2:
                self._bytes.clear()  # the walk only ever looks at two adjacent rows
            b = self._bytes[r] = self.rows[r].to_bytes((self.width + 7) // 8 or 1, "little")
        return 0 if b[(c - 1) >> 3] >> ((c - 1) & 7) & 1 else 1


def _lcs_walk(a: bytes, b: bytes, t: _LcsTable, minmatchlen: int):
    """Redis's walk back from LCS(len(a), len(b)): returns (lcs bytes, matched ranges in emission order).

    At a mismatch it steps back in a when LCS(i-1, j) > LCS(i, j-1), otherwise in b; ranges are emitted when a
    run of matches is broken or reaches the start of either string."""
    alen, blen = len(a), len(b)
    i, j = alen, blen
    out = bytearray()
    ranges = []
    a_start = alen  # alen: no range open
    a_end = b_start = b_end = 0
    swap = t.swap
    # (r, c) is (i, j) in the table's orientation; `up` is value(r-1, c), kept current as c moves.
    r, c = (j, i) if swap else (i, j)
    up = t.row_value(r - 1, c) if r > 0 else 0
    cur = t.length
    while i > 0 and j > 0:
        emit = False
        if a[i - 1] == b[j - 1]:
            out.append(a[i - 1])
            if a_start == alen:
                a_start = a_end = i - 1
                b_start = b_end = j - 1
            elif a_start == i and b_start == j:
                a_start -= 1
                b_start -= 1
            else:
                emit = True
            if a_start == 0 or b_start == 0:
                emit = True
            i -= 1
            j -= 1
            r -= 1
            c -= 1
            cur -= 1
            up = t.row_value(r - 1, c) if r > 0 else 0
        else:
            left = cur - t.step(r, c)
            # In a's terms: LCS(i-1, j) and LCS(i, j-1).
            lcs1, lcs2 = (left, up) if swap else (up, left)
            if lcs1 > lcs2:
                i -= 1
            else:
                j -= 1
            if (lcs1 > lcs2) == swap:
                # A step along the stored columns.
                up -= t.step(r - 1, c) if r > 0 else 0
                c -= 1
                cur = left
            else:
                r -= 1
                cur = up
                up = t.row_value(r - 1, c) if r > 0 else 0
            if a_start != alen:
                emit = True
        if emit:
            match_len = a_end - a_start + 1
            if minmatchlen == 0 or match_len >= minmatchlen:
                ranges.append((a_start, a_end, b_start, b_end, match_len))
            a_start = alen
    out.reverse()
    return bytes(out), ranges


@command("lcs", -3, "readonly", (1, 2, 1), G, "Longest common subsequence of two strings", since="7.0.0")
def lcs_command(c, argv):
    db = c.db
    va = db.lookup_read(argv[1])
    vb = db.lookup_read(argv[2])
    if (va is not None and not _is_string(va)) or (vb is not None and not _is_string(vb)):
        raise CommandError("ERR The specified keys must contain string values")
    a = b"" if va is None else bytes(va)
    b = b"" if vb is None else bytes(vb)
    getlen = getidx = withmatchlen = False
    minmatchlen = 0
    i = 3
    n = len(argv)
    while i < n:
        opt = argv[i].lower()
        if opt == b"idx":
            getidx = True
        elif opt == b"len":
            getlen = True
        elif opt == b"withmatchlen":
            withmatchlen = True
        elif opt == b"minmatchlen" and i + 1 < n:
            minmatchlen = max(int_arg(argv[i + 1]), 0)
            i += 1
        else:
            raise CommandError(errors.SYNTAX)
        i += 1
    if getlen and getidx:
        raise CommandError("ERR If you want both the length and indexes, please just use IDX.")
    if len(a) >= 0xFFFFFFFE or len(b) >= 0xFFFFFFFE:
        raise CommandError("ERR String too long for LCS")
    # Redis refuses when its (len(a)+1) x (len(b)+1) table of 4-byte cells would exceed proto-max-bulk-len.
    if (len(a) + 1) * (len(b) + 1) * 4 > c.server.config["proto-max-bulk-len"]:
        raise CommandError("ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len")
    t = _LcsTable(a, b)
    w = c.w
    if getlen and not getidx:
        w.integer(t.length)
        return
    result, ranges = _lcs_walk(a, b, t, minmatchlen)
    if not getidx:
        w.bulk(result)
        return
    w.map(2)
    w.bulk(b"matches")
    w.array(len(ranges))
    for a_start, a_end, b_start, b_end, match_len in ranges:
        w.array(3 if withmatchlen else 2)
        w.array(2)
        w.integer(a_start)
        w.integer(a_end)
        w.array(2)
        w.integer(b_start)
        w.integer(b_end)
        if withmatchlen:
            w.integer(match_len)
    w.bulk(b"len")
    w.integer(t.length)


# The core runs these inline in C; the handlers above remain the definition (and serve every other case).
table.COMMANDS[b"get"].fast = FAST_GET
table.COMMANDS[b"set"].fast = FAST_SET
table.COMMANDS[b"mset"].fast = FAST_MSET
