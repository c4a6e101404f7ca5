"""Property tests of the compiled bitmap helpers (kvs._core.bitops) against plain Python references: popcount,
bitpos (Redis's redisBitpos semantics), bitop over several buffers, and BITFIELD integer get/set with the three
overflow behaviours."""
from functools import reduce

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from kvs._core import bitops

buffers = st.binary(max_size=200) | st.builds(lambda b, n: b * n, st.sampled_from([b"\x00", b"\xff", b"\x0f"]),
                                                st.integers(0, 300))


def bits_of(buf: bytes) -> str:
    return "".join(f"{b:08b}" for b in buf)


def popcount_ref(buf, start, stop):
    return bits_of(buf[start:stop]).count("1")


def bitpos_ref(buf, bit, start, stop):
    s = bits_of(buf[start:stop])
    i = s.find(str(bit))
    if i >= 0:
        return i
    return -1 if bit else len(s)


def bitop_ref(op, sources):
    n = max(len(s) for s in sources)
    padded = [s + bytes(n - len(s)) for s in sources]
    if op == bitops.NOT:
        return bytes(~b & 0xFF for b in padded[0])
    f = {bitops.AND: lambda x, y: x & y, bitops.OR: lambda x, y: x | y, bitops.XOR: lambda x, y: x ^ y}[op]
    return bytes(reduce(f, column) for column in zip(*padded)) if n else b""


@settings(max_examples=400)
@given(buffers, st.integers(-5, 400), st.integers(-5, 400))
def test_popcount(buf, start, stop):
    assert bitops.popcount(buf) == popcount_ref(buf, 0, len(buf))
    lo = min(max(start, 0), len(buf))
    hi = len(buf) if stop < 0 else min(stop, len(buf))
    assert bitops.popcount(buf, start, stop) == popcount_ref(buf, lo, max(lo, hi))
    assert bitops.popcount(bytearray(buf), start, stop) == bitops.popcount(memoryview(buf), start, stop)


@settings(max_examples=400)
@given(buffers, st.sampled_from([0, 1]), st.integers(0, 400), st.integers(0, 400))
def test_bitpos(buf, bit, start, stop):
    assume(start <= stop <= len(buf))
    assert bitops.bitpos(buf, bit, start, stop) == bitpos_ref(buf, bit, start, stop)
    assert bitops.bitpos(buf, bit) == bitpos_ref(buf, bit, 0, len(buf))


@settings(max_examples=200)
@given(st.integers(0, 300), st.integers(0, 300), st.sampled_from([0, 1]))
def test_bitpos_single_hit(nbytes, at, bit):
    """One differing bit anywhere in long uniform runs (the word-skipping path)."""
    assume(at < nbytes * 8)
    buf = bytearray(b"\xff" * nbytes if bit == 0 else b"\x00" * nbytes)
    buf[at // 8] ^= 0x80 >> (at % 8)
    assert bitops.bitpos(buf, bit) == at
    assert bitops.bitpos(buf, 1 - bit) == bitpos_ref(bytes(buf), 1 - bit, 0, nbytes)


@settings(max_examples=300)
@given(st.sampled_from([bitops.AND, bitops.OR, bitops.XOR, bitops.NOT]), st.lists(buffers, min_size=1, max_size=6))
def test_bitop(op, sources):
    out = bitops.bitop(op, sources)
    assert isinstance(out, bytearray)
    assert bytes(out) == bitop_ref(op, sources[:1] if op == bitops.NOT else sources)


def test_bitop_rejects_bad_input():
    for bad in ((7, [b"a"]), (bitops.AND, [])):
        try:
            bitops.bitop(*bad)
        except ValueError:
            continue
        raise AssertionError(bad)


# -- BITFIELD ----------------------------------------------------------------------------------------------------
def field_ref(buf, offset, bits, signed):
    s = bits_of(buf) + "0" * (offset + bits)
    u = int(s[offset:offset + bits], 2)
    if signed and u >> (bits - 1):
        u -= 1 << bits
    return u


def write_ref(buf, offset, bits, signed, incrby, value, owtype):
    """Redis's BITFIELD SET/INCRBY in plain integer arithmetic: (reply, new buffer)."""
    old = field_ref(buf, offset, bits, signed)
    lo, hi = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, (1 << bits) - 1)
    new = old + value if incrby else value
    if not lo <= new <= hi:
        if owtype == bitops.FAIL:
            return None, bytes(buf)
        if owtype == bitops.SAT:
            # Redis quirks, kept: an unsigned SET of a negative number is a huge uint64, and a signed SET so
            # negative that max - value wraps in 64 bits is taken as an overflow; both saturate high.
            wraps = signed and not incrby and bits < 64 and value <= hi - (1 << 63)
            new = hi if new > hi or (not signed and not incrby) or wraps else lo
        else:
            new = (new - lo) % (1 << bits) + lo
    s = list(bits_of(buf))
    s[offset:offset + bits] = f"{new % (1 << bits):0{bits}b}"
    out = int("".join(s), 2).to_bytes(len(buf), "big") if s else b""
    return (new if incrby else old), out


types = st.one_of(st.tuples(st.just(True), st.integers(1, 64)), st.tuples(st.just(False), st.integers(1, 63)))
values = st.one_of(st.integers(-(1 << 63), (1 << 63) - 1), st.integers(-300, 300),
                   st.sampled_from([(1 << 63) - 1, -(1 << 63), 1 << 62, -(1 << 62), 255, 256, -129, 127]))


@settings(max_examples=500)
@given(st.binary(max_size=12), types, st.integers(0, 100))
def test_bitfield_get(buf, ty, offset):
    signed, bits = ty
    assert bitops.bitfield_get(buf, offset, bits, signed) == field_ref(buf, offset, bits, signed)
    assert bitops.bitfield_get(None, offset, bits, signed) == 0


@settings(max_examples=1000)
@given(st.binary(min_size=1, max_size=12), types, st.integers(0, 95), st.booleans(), values,
       st.sampled_from([bitops.WRAP, bitops.SAT, bitops.FAIL]))
def test_bitfield_write(buf, ty, offset, incrby, value, owtype):
    signed, bits = ty
    assume(offset + bits <= len(buf) * 8)
    target = bytearray(buf)
    reply, changed = bitops.bitfield_write(target, offset, bits, signed, incrby, value, owtype)
    expected_reply, expected_buf = write_ref(buf, offset, bits, signed, incrby, value, owtype)
    assert reply == expected_reply
    assert bytes(target) == expected_buf
    assert changed == (bytes(target) != buf)
    assert bitops.bitfield_get(target, offset, bits, signed) == (
        field_ref(expected_buf, offset, bits, signed))


def test_bitfield_write_needs_room():
    try:
        bitops.bitfield_write(bytearray(1), 4, 8, False, False, 1, bitops.WRAP)
    except ValueError:
        return
    raise AssertionError("a field past the end must be refused")
