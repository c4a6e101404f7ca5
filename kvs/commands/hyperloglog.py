"""HyperLogLog commands (Redis's hyperloglog.c): PFADD, PFCOUNT, PFMERGE, PFDEBUG.

An HLL is a plain string in Redis's exact format (see kvs._core.hll), so GET returns the same bytes as Redis after
the same commands, and values copied between kvs and Redis keep working. Like Redis, PFCOUNT of a single key
stores the computed cardinality in the header (a write that is propagated), and every modified HLL is a bytearray
(Redis's raw encoding)."""
from kvs import errors
from kvs._core import hll
from kvs.commands.table import command
from kvs.errors import CommandError

G = "hyperloglog"

NOT_HLL = "WRONGTYPE Key is not a valid HyperLogLog string value."
INVALIDOBJ = "INVALIDOBJ Corrupted HLL object detected"

_HEADER = hll.HEADER_SIZE
_DENSE_BYTES = hll.DENSE_BYTES


def check_hll(v) -> None:
    """Redis's isHLLObjectOrReply: a string with the HYLL magic, a known encoding and, when dense, the exact
    dense length."""
    t = type(v)
    if t is not bytes and t is not bytearray:
        raise CommandError(errors.WRONGTYPE)
    if (len(v) < _HEADER or v[:4] != b"HYLL" or v[4] > hll.SPARSE
            or (v[4] == hll.DENSE and len(v) != _DENSE_BYTES)):
        raise CommandError(NOT_HLL)


def _writable(db, key, v) -> bytearray:
    """The HLL at key as a bytearray stored in the db (Redis unshares the value before changing it)."""
    if type(v) is bytes:
        v = bytearray(v)
        db.keys[key] = v
    return v


def _invalidate_cache(v: bytearray) -> None:
    v[15] |= 0x80


@command("pfadd", -2, "write denyoom fast", (1, 1, 1), G, "Add elements to a HyperLogLog", since="2.8.9")
def pfadd_command(c, argv):
    db = c.db
    key = argv[1]
    v = db.lookup(key)
    updated = 0
    if v is None:
        v = hll.new_sparse()
        db.add(key, v)
        updated = 1
    else:
        check_hll(v)
        v = _writable(db, key, v)
    n = hll.add(v, argv[2:], c.server.config["hll-sparse-max-bytes"])
    if n < 0:
        # Registers updated before the corruption was found stay updated, as in Redis.
        raise CommandError(INVALIDOBJ)
    updated += n
    if updated:
        _invalidate_cache(v)
        c.server.dirty += updated
    c.w.integer(1 if updated else 0)


@command("pfcount", -2, "readonly", (1, -1, 1), G, "Estimated cardinality of the union of HyperLogLogs",
         since="2.8.9")
def pfcount_command(c, argv):
    db = c.db
    if len(argv) > 2:
        # Several keys: the cardinality of their union, keys left untouched.
        registers = bytearray(hll.NUM_REGISTERS)
        for key in argv[1:]:
            v = db.lookup_read(key)
            if v is None:
                continue
            check_hll(v)
            if not hll.merge(registers, v):
                raise CommandError(INVALIDOBJ)
        c.w.integer(hll.count_raw(registers))
        return
    key = argv[1]
    v = db.lookup_read(key)
    if v is None:
        c.w.integer(0)
        return
    check_hll(v)
    v = _writable(db, key, v)
    if not v[15] & 0x80:
        c.w.integer(int.from_bytes(v[8:16], "little"))
        return
    card, valid = hll.count(v)
    if not valid:
        raise CommandError(INVALIDOBJ)
    v[8:16] = card.to_bytes(8, "little", signed=True)
    # The cached cardinality changed the string: replicas and the AOF must see it too, although PFCOUNT is not
    # flagged as a write.
    c.server.dirty += 1
    c.server.propagate(db.id, list(argv))
    c.prevent_prop = True
    c.w.integer(card)


@command("pfmerge", -2, "write denyoom", (1, -1, 1), G, "Merge HyperLogLogs into one", since="2.8.9")
def pfmerge_command(c, argv):
    db = c.db
    registers = bytearray(hll.NUM_REGISTERS)
    use_dense = False
    # The destination takes part in the union too.
    for key in argv[1:]:
        v = db.lookup_read(key)
        if v is None:
            continue
        check_hll(v)
        if v[4] == hll.DENSE:
            use_dense = True
        if not hll.merge(registers, v):
            raise CommandError(INVALIDOBJ)
    dest = argv[1]
    v = db.lookup(dest)
    if v is None:
        v = hll.new_sparse()
        db.add(dest, v)
    else:
        v = _writable(db, dest, v)
    # A dense input makes the result dense directly, saving the gradual promotion.
    if use_dense and hll.to_dense(v) < 0:
        raise CommandError(INVALIDOBJ)
    hll.store_registers(v, registers, c.server.config["hll-sparse-max-bytes"])
    _invalidate_cache(v)
    c.server.dirty += 1
    c.w.ok()


def _cstr(arg: bytes) -> bytes:
    i = arg.find(b"\x00")
    return arg if i < 0 else arg[:i]


@command("pfdebug", 3, "write denyoom admin", (2, 2, 1), G, "Inspect and convert the representation of a "
         "HyperLogLog", since="2.8.9")
def pfdebug_command(c, argv):
    db = c.db
    key = argv[2]
    v = db.lookup(key)
    if v is None:
        raise CommandError("ERR The specified key does not exist")
    check_hll(v)
    v = _writable(db, key, v)
    sub = _cstr(argv[1])
    name = sub.lower()
    w = c.w
    if name == b"getreg":
        if v[4] == hll.SPARSE:
            if hll.to_dense(v) < 0:
                raise CommandError(INVALIDOBJ)
            c.server.dirty += 1  # the encoding change must reach replicas
        regs = hll.registers(v)
        w.array(len(regs))
        for r in regs:
            w.integer(r)
    elif name == b"decode":
        if v[4] != hll.SPARSE:
            raise CommandError("ERR HLL encoding is not sparse")
        w.bulk(hll.decode(v))
    elif name == b"encoding":
        w.simple("sparse" if v[4] == hll.SPARSE else "dense")
    elif name == b"todense":
        converted = hll.to_dense(v)
        if converted < 0:
            raise CommandError(INVALIDOBJ)
        if converted:
            c.server.dirty += 1
        w.integer(converted)
    else:
        text = sub.replace(b"\r", b" ").replace(b"\n", b" ")
        raise CommandError(b"ERR Unknown PFDEBUG subcommand '" + text + b"'")
