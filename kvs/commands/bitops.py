"""Bitmap commands (Redis's bitops.c): SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP, BITFIELD, BITFIELD_RO.

Bitmaps are plain strings; bit 0 is the most significant bit of the first byte. Writers grow the string with zero
bytes as needed and modify it in place (a bytes value becomes a bytearray, Redis's raw encoding). The scans and
bit arithmetic run in kvs._core.bitops. Argument checks and their order follow Redis 7.0 exactly, including that
BITCOUNT and BITPOS look the key up before parsing their range (a missing key answers even to a bad range)."""
from kvs import errors
from kvs._core import bitops as core
from kvs._core.numbers import parse_int
from kvs.commands.args import int_arg
from kvs.commands.table import command
from kvs.errors import CommandError

G = "bitmap"

BIT_OFFSET_ERROR = "ERR bit offset is not an integer or out of range"
BIT_VALUE_ERROR = "ERR bit is not an integer or out of range"
BIT_ARG_ERROR = "ERR The bit argument must be 1 or 0."
BITFIELD_TYPE_ERROR = ("ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but "
                       "i64 is.")
OVERFLOW_TYPE_ERROR = "ERR Invalid OVERFLOW type specified"
BITOP_NOT_ERROR = "ERR BITOP NOT must be called with a single source key."
BITFIELD_RO_ERROR = "ERR BITFIELD_RO only supports the GET subcommand"

_BITOPS = {b"and": core.AND, b"or": core.OR, b"xor": core.XOR, b"not": core.NOT}
_OVERFLOW = {b"wrap": core.WRAP, b"sat": core.SAT, b"fail": core.FAIL}

GET_OP, SET_OP, INCRBY_OP = 0, 1, 2


def _cstr(arg: bytes) -> bytes:
    """What Redis's C string functions (strcasecmp, strlen) see: the argument up to its first NUL byte."""
    i = arg.find(b"\x00")
    return arg if i < 0 else arg[:i]


def _wrap64(v: int) -> int:
    return ((v + (1 << 63)) & ((1 << 64) - 1)) - (1 << 63)


def bit_offset(c, arg: bytes, bits: int = 0) -> int:
    """Redis's getBitOffsetFromArgument: a non-negative bit offset whose byte fits proto-max-bulk-len (not
    enforced for the master link and AOF loading); with `bits`, '#N' means N * bits."""
    usehash = bits > 0 and arg[:1] == b"#"
    v = parse_int(arg[1:] if usehash else arg)
    if v is None:
        raise CommandError(BIT_OFFSET_ERROR)
    if usehash:
        v = _wrap64(v * bits)  # a long long product in Redis
    if v < 0 or (c.kind == 0 and (v >> 3) >= c.server.config["proto-max-bulk-len"]):
        raise CommandError(BIT_OFFSET_ERROR)
    return v


def _is_string(v) -> bool:
    t = type(v)
    return t is bytes or t is bytearray


def _read_string(db, key):
    """The string at key for a reading command (None if missing); WRONGTYPE for other types."""
    v = db.lookup_read(key)
    if v is not None and not _is_string(v):
        raise CommandError(errors.WRONGTYPE)
    return v


def _string_for_write(c, key, maxbit: int):
    """Redis's lookupStringForBitCommand: the string at key as a bytearray stored in the db, created or zero
    padded so that bit `maxbit` exists. Returns (value, grown): grown is true when created or lengthened."""
    db = c.db
    need = (maxbit >> 3) + 1
    v = db.lookup(key)
    if v is None:
        v = bytearray(need)
        db.add(key, v)
        return v, True
    if not _is_string(v):
        raise CommandError(errors.WRONGTYPE)
    if type(v) is bytes:
        v = bytearray(v)
        db.keys[key] = v  # in place from now on; keeps the TTL
    if len(v) < need:
        v.extend(bytes(need - len(v)))
        return v, True
    return v, False


@command("setbit", 4, "write denyoom", (1, 1, 1), G, "Set or clear the bit at an offset", since="2.2.0")
def setbit_command(c, argv):
    offset = bit_offset(c, argv[2])
    on = parse_int(argv[3])
    if on is None or on & ~1:
        raise CommandError(BIT_VALUE_ERROR)
    v, grown = _string_for_write(c, argv[1], offset)
    byte = offset >> 3
    mask = 1 << (7 - (offset & 7))
    old = v[byte] & mask
    if grown or bool(old) != bool(on):
        v[byte] = (v[byte] | mask) if on else (v[byte] & ~mask)
        c.server.dirty += 1
    c.w.integer(1 if old else 0)


@command("getbit", 3, "readonly fast", (1, 1, 1), G, "The bit value at an offset", since="2.2.0")
def getbit_command(c, argv):
    offset = bit_offset(c, argv[2])
    v = _read_string(c.db, argv[1])
    byte = offset >> 3
    if v is None or byte >= len(v):
        c.w.integer(0)
    else:
        c.w.integer(1 if v[byte] & (1 << (7 - (offset & 7))) else 0)


def _unit(arg: bytes) -> bool:
    """BIT or BYTE (any case): True for BIT; anything else is a syntax error."""
    unit = _cstr(arg).lower()
    if unit == b"bit":
        return True
    if unit == b"byte":
        return False
    raise CommandError(errors.SYNTAX)


def _clamp(start: int, end: int, total: int):
    if start < 0:
        start += total
    if end < 0:
        end += total
    if start < 0:
        start = 0
    if end < 0:
        end = 0
    if end >= total:
        end = total - 1
    return start, end


def _edge_masks(start: int, end: int):
    """For a bit range: masks of the bits of the first and last byte that lie outside it."""
    return (~((1 << (8 - (start & 7))) - 1)) & 0xFF, (1 << (7 - (end & 7))) - 1


@command("bitcount", -2, "readonly", (1, 1, 1), G, "Count the set bits of a string", since="2.6.0")
def bitcount_command(c, argv):
    v = _read_string(c.db, argv[1])
    if v is None:
        c.w.integer(0)
        return
    argc = len(argv)
    first_mask = last_mask = 0
    if argc == 4 or argc == 5:
        start = int_arg(argv[2])
        end = int_arg(argv[3])
        if start < 0 and end < 0 and start > end:
            c.w.integer(0)
            return
        isbit = _unit(argv[4]) if argc == 5 else False
        total = len(v) * 8 if isbit else len(v)
        start, end = _clamp(start, end, total)
        if isbit and start <= end:
            first_mask, last_mask = _edge_masks(start, end)
            start >>= 3
            end >>= 3
    elif argc == 2:
        start, end = 0, len(v) - 1
    else:
        raise CommandError(errors.SYNTAX)
    if start > end:
        c.w.integer(0)
        return
    count = core.popcount(v, start, end + 1)
    if first_mask or last_mask:
        # The edge bytes were counted whole: take away their bits outside the range.
        count -= bin(v[start] & first_mask).count("1") + bin(v[end] & last_mask).count("1")
    c.w.integer(count)


def _byte_pos(byte: int, bit: int) -> int:
    """redisBitpos() of a single byte."""
    if not bit:
        byte = ~byte & 0xFF
        return 8 - byte.bit_length() if byte else 8
    return 8 - byte.bit_length() if byte else -1


@command("bitpos", -3, "readonly", (1, 1, 1), G, "The first set or clear bit of a string", since="2.8.7")
def bitpos_command(c, argv):
    bit = int_arg(argv[2])
    if bit != 0 and bit != 1:
        raise CommandError(BIT_ARG_ERROR)
    v = _read_string(c.db, argv[1])
    if v is None:
        # A missing key is an endless run of zeros.
        c.w.integer(-1 if bit else 0)
        return
    argc = len(argv)
    end_given = False
    first_mask = last_mask = 0
    if 4 <= argc <= 6:
        total = len(v)
        start = int_arg(argv[3])
        isbit = _unit(argv[5]) if argc == 6 else False
        if argc >= 5:
            end = int_arg(argv[4])
            end_given = True
        else:
            end = total * 8 + 7 if isbit else total - 1
        if isbit:
            total *= 8
        start, end = _clamp(start, end, total)
        if isbit and start <= end:
            first_mask, last_mask = _edge_masks(start, end)
            start >>= 3
            end >>= 3
    elif argc == 3:
        start, end = 0, len(v) - 1
    else:
        raise CommandError(errors.SYNTAX)
    if start > end:
        c.w.integer(-1)
        return
    pos, start, nbytes = _scan(v, bit, start, end, end - start + 1, first_mask, last_mask)
    if end_given and bit == 0 and pos == nbytes * 8:
        # With an explicit end the string is not zero padded past it: no clear bit in the range.
        c.w.integer(-1)
    else:
        c.w.integer(pos + start * 8 if pos != -1 else -1)


def _scan(v, bit, start, end, nbytes, first_mask, last_mask):
    """Redis's BITPOS scan of bytes start..end: a partial first byte, the whole bytes, a partial last byte,
    stopping at the first part that settles the answer. Returns (position relative to byte `start`, start,
    nbytes) with start/nbytes as they were for the part that answered."""
    if first_mask:
        tmp = (v[start] & ~first_mask & 0xFF) if bit else (v[start] | first_mask)
        if last_mask and nbytes == 1:
            tmp = (tmp & ~last_mask & 0xFF) if bit else (tmp | last_mask)
        pos = _byte_pos(tmp, bit)
        if nbytes == 1 or (pos != -1 and pos != 8):
            return pos, start, nbytes
        start += 1
        nbytes -= 1
    whole = nbytes - (1 if last_mask else 0)
    if whole > 0:
        pos = core.bitpos(v, bit, start, start + whole)
        if nbytes == whole or (pos != -1 and pos != whole * 8):
            return pos, start, nbytes
        start += whole
        nbytes -= whole
    tmp = (v[end] & ~last_mask & 0xFF) if bit else (v[end] | last_mask)
    return _byte_pos(tmp, bit), start, nbytes


@command("bitop", -4, "write denyoom", (2, -1, 1), G, "Bitwise operations between strings", since="2.6.0")
def bitop_command(c, argv):
    op = _BITOPS.get(_cstr(argv[1]).lower())
    if op is None:
        raise CommandError(errors.SYNTAX)
    if op == core.NOT and len(argv) != 4:
        raise CommandError(BITOP_NOT_ERROR)
    db = c.db
    sources = []
    for key in argv[3:]:
        v = _read_string(db, key)
        sources.append(b"" if v is None else v)
    result = core.bitop(op, sources)
    dest = argv[2]
    if result:
        db.set(dest, result)
        c.server.dirty += 1
    elif db.delete(dest):
        # An empty result is no string at all: the destination goes away.
        c.server.dirty += 1
    c.w.integer(len(result))


def _bitfield_type(arg: bytes):
    """(signed, bits) of an i<1-64> / u<1-63> type (u64 has no RESP integer reply)."""
    s = _cstr(arg)
    if not s or s[0] not in b"iu":
        raise CommandError(BITFIELD_TYPE_ERROR)
    signed = s[0] == 0x69  # 'i'
    bits = parse_int(s[1:])
    if bits is None or bits < 1 or bits > (64 if signed else 63):
        raise CommandError(BITFIELD_TYPE_ERROR)
    return signed, bits


def _bitfield(c, argv, readonly_command: bool):
    # Parse every operation first: an error anywhere means nothing is executed.
    ops = []
    owtype = core.WRAP
    writes = False
    highest = 0
    argc = len(argv)
    j = 2
    while j < argc:
        remaining = argc - j - 1
        sub = _cstr(argv[j]).lower()
        if sub == b"get" and remaining >= 2:
            opcode = GET_OP
        elif sub == b"set" and remaining >= 3:
            opcode = SET_OP
        elif sub == b"incrby" and remaining >= 3:
            opcode = INCRBY_OP
        elif sub == b"overflow" and remaining >= 1:
            owtype = _OVERFLOW.get(_cstr(argv[j + 1]).lower())
            if owtype is None:
                raise CommandError(OVERFLOW_TYPE_ERROR)
            j += 2
            continue
        else:
            raise CommandError(errors.SYNTAX)
        signed, bits = _bitfield_type(argv[j + 1])
        offset = bit_offset(c, argv[j + 2], bits)
        value = 0
        if opcode != GET_OP:
            writes = True
            highest = max(highest, offset + bits - 1)
            value = int_arg(argv[j + 3])
        ops.append((opcode, signed, bits, offset, value, owtype))
        j += 3 if opcode == GET_OP else 4
    grown = False
    if not writes:
        v = _read_string(c.db, argv[1])
    else:
        if readonly_command:
            raise CommandError(BITFIELD_RO_ERROR)
        v, grown = _string_for_write(c, argv[1], highest)
    w = c.w
    w.array(len(ops))
    changes = 0
    for opcode, signed, bits, offset, value, owtype in ops:
        if opcode == GET_OP:
            w.integer(core.bitfield_get(v, offset, bits, signed))
            continue
        reply, changed = core.bitfield_write(v, offset, bits, signed, opcode == INCRBY_OP, value, owtype)
        if reply is None:
            w.null()  # OVERFLOW FAIL: nothing written
            continue
        w.integer(reply)
        if grown or changed:
            changes += 1
    c.server.dirty += changes


@command("bitfield", -2, "write denyoom", (1, 1, 1), G, "Integer fields of arbitrary width inside a string",
         since="3.2.0")
def bitfield_command(c, argv):
    _bitfield(c, argv, False)


@command("bitfield_ro", -2, "readonly fast", (1, 1, 1), G, "Read-only BITFIELD (GET only)", since="6.0.0")
def bitfield_ro_command(c, argv):
    _bitfield(c, argv, True)
