"""Differential tests of the bitmap commands (Redis's bitops.c): SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP, BITFIELD
and BITFIELD_RO go to kvs and to a real redis-server; raw replies (errors included) and the resulting strings must
be byte-identical."""
import random
import time

import pytest

from tests.commands.diffhelp import LLONG_MAX, LLONG_MIN, run_table
from tests.rawconn import encode

pytestmark = pytest.mark.interop

DEFAULT_PROTO_MAX_BULK_LEN = 512 * 1024 * 1024


def pipeline_same(diff, commands):
    """Like run_table, but pipelined (thousands of commands): every reply must match, in order."""
    commands = list(commands)
    payload = b"".join(encode(*cmd) for cmd in commands)
    for conn in (diff.k, diff.r):
        conn.send(payload)
    for cmd in commands:
        a, b = diff.k.read_reply(), diff.r.read_reply()
        assert a == b, f"{cmd!r}: kvs {a!r} != redis {b!r}"


def changes(conn) -> int:
    info = conn.call("INFO", "persistence")
    line = next(x for x in info.split(b"\r\n") if x.startswith(b"rdb_changes_since_last_save:"))
    return int(line.split(b":")[1])


ARITY = [
    ("SETBIT",), ("SETBIT", "k"), ("SETBIT", "k", "0"), ("SETBIT", "k", "0", "1", "x"),
    ("GETBIT",), ("GETBIT", "k"), ("GETBIT", "k", "0", "x"),
    ("BITCOUNT",),
    ("BITPOS",), ("BITPOS", "k"),
    ("BITOP",), ("BITOP", "AND"), ("BITOP", "AND", "d"),
    ("BITFIELD",), ("BITFIELD_RO",),
    ("setbit", "k"), ("BitCount",),
]


def test_wrong_arity(diff):
    run_table(diff, ARITY)


def test_wrongtype(diff):
    diff.same("RPUSH", "l", "a")
    diff.same("SET", "s", b"\xff")
    run_table(diff, [
        ("SETBIT", "l", "0", "1"), ("GETBIT", "l", "0"), ("BITCOUNT", "l"), ("BITCOUNT", "l", "0", "1"),
        ("BITCOUNT", "l", "0", "1", "BIT"), ("BITCOUNT", "l", "x", "y"), ("BITCOUNT", "l", "0"),
        ("BITPOS", "l", "1"), ("BITPOS", "l", "0", "1", "2", "BIT"), ("BITPOS", "l", "1", "x"),
        ("BITPOS", "l", "2"), ("BITPOS", "l", "x"),
        ("BITOP", "AND", "d", "s", "l"), ("BITOP", "OR", "d", "l"), ("BITOP", "NOT", "d", "l"),
        ("BITOP", "XOR", "l", "s"), ("TYPE", "l"), ("GET", "l"),
        ("BITFIELD", "l", "GET", "u8", "0"), ("BITFIELD", "l", "SET", "u8", "0", "1"), ("BITFIELD", "l"),
        ("BITFIELD_RO", "l", "GET", "u8", "0"), ("BITFIELD_RO", "l"),
        # Argument errors are found before the type.
        ("SETBIT", "l", "-1", "1"), ("SETBIT", "l", "0", "2"), ("GETBIT", "l", "x"),
        ("BITFIELD", "l", "GET", "u64", "0"), ("BITFIELD_RO", "l", "SET", "u8", "0", "1"),
        ("EXISTS", "d"),
    ])


SETBIT_GETBIT = [
    ("SETBIT", "k", "0", "1"), ("GET", "k"), ("SETBIT", "k", "0", "1"), ("SETBIT", "k", "0", "0"),
    ("GET", "k"), ("SETBIT", "k", "7", "1"), ("SETBIT", "k", "8", "1"), ("GET", "k"), ("STRLEN", "k"),
    ("SETBIT", "k", "100", "0"), ("GET", "k"), ("STRLEN", "k"),
    ("GETBIT", "k", "7"), ("GETBIT", "k", "8"), ("GETBIT", "k", "9"), ("GETBIT", "k", "100"),
    ("GETBIT", "k", "101"), ("GETBIT", "k", "100000"), ("GETBIT", "nokey", "0"), ("GETBIT", "nokey", "4294967295"),
    ("OBJECT", "ENCODING", "k"),
    # Integer-looking and embstr strings become raw once a bit is set.
    ("SET", "n", "12345"), ("OBJECT", "ENCODING", "n"), ("GETBIT", "n", "2"), ("GETBIT", "n", "3"),
    ("SETBIT", "n", "7", "0"), ("GET", "n"), ("OBJECT", "ENCODING", "n"),
    ("SET", "e", "hello"), ("SETBIT", "e", "0", "0"), ("OBJECT", "ENCODING", "e"), ("GET", "e"),
    ("SET", "empty", ""), ("GETBIT", "empty", "0"), ("SETBIT", "empty", "3", "1"), ("GET", "empty"),
    # Offsets: '#' is BITFIELD-only, no sign, no spaces, no leading zeros, within 64 bits.
    ("SETBIT", "k", "-1", "1"), ("SETBIT", "k", "#1", "1"), ("SETBIT", "k", "+1", "1"), ("SETBIT", "k", " 1", "1"),
    ("SETBIT", "k", "01", "1"), ("SETBIT", "k", "1.0", "1"), ("SETBIT", "k", "", "1"), ("SETBIT", "k", "abc", "1"),
    ("SETBIT", "k", "4294967296", "1"), ("SETBIT", "k", str(LLONG_MAX), "1"), ("SETBIT", "k", str(LLONG_MIN), "1"),
    ("SETBIT", "k", "99999999999999999999", "1"),
    ("GETBIT", "k", "-1"), ("GETBIT", "k", "#0"), ("GETBIT", "k", "4294967296"), ("GETBIT", "k", "x"),
    # Bit values: exactly 0 or 1.
    ("SETBIT", "k", "0", "2"), ("SETBIT", "k", "0", "-1"), ("SETBIT", "k", "0", "x"), ("SETBIT", "k", "0", ""),
    ("SETBIT", "k", "0", "01"), ("SETBIT", "k", "0", "1.0"), ("SETBIT", "k", "0", str(LLONG_MIN)),
    ("SETBIT", "k", "-1", "2"), ("SETBIT", "nokey2", "0", "2"), ("EXISTS", "nokey2"),
    ("GET", "k"),
]


def test_setbit_getbit(diff):
    run_table(diff, SETBIT_GETBIT)


def test_setbit_keeps_ttl_and_counts_changes(diff):
    diff.same("SET", "k", "a", "EX", "1000")
    diff.same("SETBIT", "k", "100", "1")
    assert diff.same("TTL", "k") == b":1000\r\n"
    # A write that changes nothing is no change (no dirty, no propagation), as in 7.0.
    cases = [(("SETBIT", "k", "100", "1"), 0), (("SETBIT", "k", "100", "0"), 1), (("SETBIT", "k", "100", "0"), 0),
             (("SETBIT", "k", "200", "0"), 1), (("SETBIT", "fresh", "0", "0"), 1),
             (("BITFIELD", "k", "SET", "u8", "0", "97"), 0), (("BITFIELD", "k", "SET", "u8", "0", "98"), 1),
             (("BITFIELD", "k", "INCRBY", "u8", "0", "0", "SET", "i4", "0", "6", "INCRBY", "u2", "0", "1"), 1),
             (("BITFIELD", "k", "OVERFLOW", "FAIL", "INCRBY", "u2", "0", "9"), 0),
             (("BITFIELD", "k", "SET", "u8", "1000", "0", "SET", "u8", "1008", "0"), 2),
             (("BITFIELD", "k", "GET", "u8", "0"), 0),
             # Created by the write, but the only write failed: the key exists and nothing counts.
             (("BITFIELD", "new", "OVERFLOW", "FAIL", "INCRBY", "u2", "0", "9"), 0),
             (("BITOP", "AND", "d", "nokey"), 0), (("BITOP", "OR", "d", "k"), 1), (("BITOP", "AND", "d", "nokey"), 1)]
    for cmd, expected in cases:
        before = (changes(diff.k), changes(diff.r))
        diff.same(*cmd)
        after = (changes(diff.k), changes(diff.r))
        assert (after[0] - before[0], after[1] - before[1]) == (expected, expected), cmd
    run_table(diff, [("GET", "k"), ("GET", "new"), ("GET", "d"), ("GET", "fresh")])


def test_offset_limit_follows_proto_max_bulk_len(diff):
    limit = 1024 * 1024
    try:
        diff.same("CONFIG", "SET", "proto-max-bulk-len", str(limit))
        run_table(diff, [
            ("SETBIT", "k", str(limit * 8), "1"), ("SETBIT", "k", str(limit * 8 - 1), "1"), ("STRLEN", "k"),
            ("GETBIT", "k", str(limit * 8)), ("GETBIT", "k", str(limit * 8 - 1)),
            ("BITFIELD", "b", "SET", "u8", str(limit * 8), "1"), ("BITFIELD", "b", "GET", "u8", str(limit * 8 - 8)),
            ("BITFIELD", "b", "GET", "u8", str(limit * 8 - 1)),
            ("BITFIELD", "b", "SET", "u8", "#" + str(limit), "1"), ("BITFIELD", "b", "SET", "u8", "#" + str(limit - 1),
                                                                     "1"),
            ("BITFIELD", "b", "GET", "i64", "#" + str(limit // 8)), ("BITFIELD", "b", "GET", "i64",
                                                                      "#" + str(limit // 8 - 1)),
            ("STRLEN", "b"), ("BITCOUNT", "k"), ("BITCOUNT", "b"), ("BITPOS", "k", "1"), ("BITPOS", "b", "1"),
            ("BITPOS", "k", "0", "-1"),
        ])
    finally:
        diff.same("CONFIG", "SET", "proto-max-bulk-len", str(DEFAULT_PROTO_MAX_BULK_LEN))
    # At the default limit the last addressable bit is 2^32-1.
    run_table(diff, [("SETBIT", "k", str(2 ** 32), "1"), ("GETBIT", "k", str(2 ** 32)),
                     ("GETBIT", "k", str(2 ** 32 - 1)), ("BITFIELD", "k", "GET", "u1", str(2 ** 32)),
                     ("BITFIELD", "k", "GET", "u1", str(2 ** 32 - 1)),
                     ("BITFIELD", "k", "GET", "u1", "#" + str(2 ** 32 - 1)),
                     ("BITFIELD", "k", "GET", "u2", "#" + str(2 ** 31))])


BITCOUNT = [
    ("SET", "k", "foobar"),
    ("BITCOUNT", "k"), ("BITCOUNT", "k", "0", "0"), ("BITCOUNT", "k", "1", "1"), ("BITCOUNT", "k", "0", "-1"),
    ("BITCOUNT", "k", "-2", "-1"), ("BITCOUNT", "k", "-100", "100"), ("BITCOUNT", "k", "3", "1"),
    ("BITCOUNT", "k", "-1", "-2"), ("BITCOUNT", "k", "100", "200"), ("BITCOUNT", "k", "5", "5"),
    ("BITCOUNT", "k", "1", "1", "BYTE"), ("BITCOUNT", "k", "5", "30", "BIT"), ("BITCOUNT", "k", "5", "30", "bit"),
    ("BITCOUNT", "k", "5", "30", "ByTe"), ("BITCOUNT", "k", "0", "-1", "BIT"), ("BITCOUNT", "k", "-5", "-1", "BIT"),
    ("BITCOUNT", "k", "7", "7", "BIT"), ("BITCOUNT", "k", "8", "15", "BIT"), ("BITCOUNT", "k", "9", "9", "BIT"),
    ("BITCOUNT", "k", "47", "47", "BIT"), ("BITCOUNT", "k", "47", "100", "BIT"), ("BITCOUNT", "k", "48", "100", "BIT"),
    ("BITCOUNT", "k", str(LLONG_MIN), str(LLONG_MAX), "BIT"), ("BITCOUNT", "k", str(LLONG_MIN), "-1"),
    # Errors: arity of the range, integers, the unit.
    ("BITCOUNT", "k", "0"), ("BITCOUNT", "k", "0", "1", "BIT", "x"), ("BITCOUNT", "k", "0", "1", "BITS"),
    ("BITCOUNT", "k", "x", "1"), ("BITCOUNT", "k", "0", "x"), ("BITCOUNT", "k", "0", "1", ""),
    ("BITCOUNT", "k", "0", "1", "bit\x00x"), ("BITCOUNT", "k", "9223372036854775808", "1"),
    # 7.0 checks start/end before the unit, and returns 0 for start > end < 0 before looking at the unit.
    ("BITCOUNT", "k", "x", "1", "FOO"), ("BITCOUNT", "k", "-1", "-2", "FOO"), ("BITCOUNT", "k", "1", "-2", "FOO"),
    # A missing key answers 0 before its arguments are parsed.
    ("BITCOUNT", "nokey"), ("BITCOUNT", "nokey", "0"), ("BITCOUNT", "nokey", "x", "y"),
    ("BITCOUNT", "nokey", "0", "1", "FOO"), ("BITCOUNT", "nokey", "0", "1", "BIT", "x"),
    ("SET", "e", ""), ("BITCOUNT", "e"), ("BITCOUNT", "e", "0", "-1"), ("BITCOUNT", "e", "0", "-1", "BIT"),
    ("BITCOUNT", "e", "0"),
    ("SET", "n", "-123456789"), ("BITCOUNT", "n"), ("BITCOUNT", "n", "1", "3"), ("BITCOUNT", "n", "3", "20", "BIT"),
]


def test_bitcount(diff):
    run_table(diff, BITCOUNT)


BITPOS = [
    ("SET", "k", b"\xff\xf0\x00"),
    ("BITPOS", "k", "0"), ("BITPOS", "k", "1"), ("BITPOS", "k", "0", "0"), ("BITPOS", "k", "0", "2"),
    ("BITPOS", "k", "0", "0", "0"), ("BITPOS", "k", "1", "2", "-1"), ("BITPOS", "k", "0", "3"),
    ("BITPOS", "k", "0", "-1", "-1"), ("BITPOS", "k", "1", "1", "0"), ("BITPOS", "k", "0", "8", "11", "BIT"),
    ("BITPOS", "k", "0", "8", "11", "bit"), ("BITPOS", "k", "1", "7", "15", "BIT"),
    ("BITPOS", "k", "1", "12", "-1", "BIT"),
    ("BITPOS", "k", "1", "1", "1", "BYTE"), ("BITPOS", "k", "0", "0", "0", "BYTE"),
    # Errors, and the order Redis checks things in.
    ("BITPOS", "k", "2"), ("BITPOS", "k", "-1"), ("BITPOS", "k", "x"), ("BITPOS", "k", "01"), ("BITPOS", "k", ""),
    ("BITPOS", "k", "1", "x"), ("BITPOS", "k", "1", "0", "x"), ("BITPOS", "k", "1", "0", "1", "FOO"),
    ("BITPOS", "k", "1", "0", "x", "FOO"), ("BITPOS", "k", "1", "x", "1", "FOO"),
    ("BITPOS", "k", "1", "0", "1", "BIT", "x"),
    ("BITPOS", "k", "1", "0", "1", "BYTE\x00"),
    ("BITPOS", "nokey", "0"), ("BITPOS", "nokey", "1"), ("BITPOS", "nokey", "2"), ("BITPOS", "nokey", "1", "x"),
    ("BITPOS", "nokey", "0", "0", "1", "FOO"), ("BITPOS", "nokey", "1", "0", "1", "BIT", "x"),
    ("SET", "e", ""), ("BITPOS", "e", "0"), ("BITPOS", "e", "1"), ("BITPOS", "e", "0", "0"),
    ("BITPOS", "e", "0", "0", "-1"),
    ("BITPOS", "e", "1", "0", "-1", "BIT"), ("BITPOS", "e", "0", "0", "-1", "BIT"), ("BITPOS", "e", "0", "0", "1", "x"),
    ("SET", "ones", b"\xff" * 40), ("BITPOS", "ones", "0"), ("BITPOS", "ones", "0", "0", "-1"),
    ("BITPOS", "ones", "0", "3"),
    ("BITPOS", "ones", "0", "0", "-1", "BIT"), ("BITPOS", "ones", "0", "5", "BIT"), ("BITPOS", "ones", "1", "5", "BIT"),
    ("SET", "zeros", b"\x00" * 40), ("BITPOS", "zeros", "1"), ("BITPOS", "zeros", "0", "7"),
    ("BITPOS", "zeros", "1", "7", "-3"),
    ("BITPOS", "zeros", "1", "0", "-1", "BIT"),
    ("SET", "n", "12"), ("BITPOS", "n", "1"), ("BITPOS", "n", "0", "1"),
]


def test_bitpos(diff):
    run_table(diff, BITPOS)


BIT_SAMPLES = [b"", b"\x00", b"\xff", b"\x80", b"\x01", b"\xff\xf0\x00", b"\x00\x0f\xff", b"\x5a\xa5\x00\xff",
               b"\xff" * 9 + b"\x7f", b"\x00" * 17 + b"\x01\x00"]


@pytest.mark.parametrize("sample", range(len(BIT_SAMPLES)))
def test_bitpos_bitcount_all_ranges(diff, sample):
    """Every bit/byte range (both signs, past the ends) of small strings, with and without an explicit end."""
    value = BIT_SAMPLES[sample]
    diff.same("SET", "k", value)
    nbits = len(value) * 8
    bounds = sorted(set(range(-nbits - 3, nbits + 3)) if nbits <= 32 else
                    set(range(-12, 12)) | {nbits - 1, nbits, -nbits, -nbits - 1, nbits - 9, 70, -70})
    byte_bounds = range(-len(value) - 2, len(value) + 2)
    cmds = []
    for bit in ("0", "1"):
        for start in bounds:
            cmds.append(("BITPOS", "k", bit, str(start)))
            for end in bounds:
                cmds.append(("BITPOS", "k", bit, str(start), str(end), "BIT"))
        for start in byte_bounds:
            for end in byte_bounds:
                cmds.append(("BITPOS", "k", bit, str(start), str(end)))
                cmds.append(("BITPOS", "k", bit, str(start), str(end), "BYTE"))
    for start in bounds:
        for end in bounds:
            cmds.append(("BITCOUNT", "k", str(start), str(end), "BIT"))
    for start in byte_bounds:
        for end in byte_bounds:
            cmds.append(("BITCOUNT", "k", str(start), str(end)))
    pipeline_same(diff, cmds)


def test_bitpos_with_bit_unit_without_end(diff):
    # BIT unit without an explicit end: Redis derives the end from the string length.
    diff.same("SET", "k", b"\xff\xff\xfe")
    cmds = [("BITPOS", "k", b, str(s), str(e), "BIT") for b in "01" for s in range(-30, 30) for e in (-1, 23, 24, 100)]
    pipeline_same(diff, cmds)


BITOP = [
    ("SET", "a", "foobar"), ("SET", "b", b"abcdef\xff\x00\x01"), ("SET", "c", "\x0f"),
    ("BITOP", "AND", "d", "a", "b"), ("GET", "d"), ("BITOP", "or", "d", "a", "b", "c"), ("GET", "d"),
    ("BITOP", "XoR", "d", "a", "b", "c"), ("GET", "d"), ("BITOP", "NOT", "d", "b"), ("GET", "d"),
    ("BITOP", "AND", "d", "a"), ("GET", "d"), ("BITOP", "XOR", "d", "a", "a"), ("GET", "d"),
    ("BITOP", "AND", "d", "a", "nokey"), ("GET", "d"), ("BITOP", "OR", "d", "nokey", "a"), ("GET", "d"),
    ("BITOP", "NOT", "d", "nokey"), ("EXISTS", "d"), ("BITOP", "OR", "d", "a"),
    ("BITOP", "AND", "d", "nokey", "nokey2"), ("EXISTS", "d"), ("BITOP", "AND", "d", "nokey"),
    ("OBJECT", "ENCODING", "a"), ("BITOP", "AND", "a", "a"), ("GET", "a"), ("OBJECT", "ENCODING", "a"),
    # Errors
    ("BITOP", "NAND", "d", "a"), ("BITOP", "", "d", "a"), ("BITOP", "and\x00", "d", "a"), ("BITOP", "ANDX", "d", "a"),
    ("BITOP", "NOT", "d", "a", "b"), ("BITOP", "NOT", "d"), ("BITOP", "NAND", "d"), ("BITOP", "not", "d", "a", "b"),
    # The destination's old value, type and TTL go away.
    ("SET", "d", "x", "EX", "100"), ("BITOP", "OR", "d", "a"), ("TTL", "d"),
    ("RPUSH", "list", "x"), ("BITOP", "OR", "list", "a"), ("TYPE", "list"), ("GET", "list"),
    ("SET", "e", ""), ("BITOP", "OR", "d", "e"), ("EXISTS", "d"), ("BITOP", "NOT", "d", "e"), ("EXISTS", "d"),
    ("SET", "n", "1234"), ("BITOP", "NOT", "d", "n"), ("GET", "d"),
]


def test_bitop(diff):
    run_table(diff, BITOP)


def test_bitop_long_and_many(diff):
    rnd = random.Random(5)
    keys = []
    for i in range(20):
        n = rnd.choice([0, 1, 7, 31, 32, 33, 64, 100, 257, 1000])
        value = bytes(rnd.choice([0, 255, rnd.randrange(256)]) for _ in range(n))
        diff.same("SET", f"s{i}", value)
        keys.append(f"s{i}")
    cmds = []
    for op in ("AND", "OR", "XOR"):
        for n in (1, 2, 3, 5, 17, 20):
            chosen = rnd.sample(keys, n)
            cmds += [("BITOP", op, "dst", *chosen), ("GET", "dst")]
    for k in keys:
        cmds += [("BITOP", "NOT", "dst", k), ("GET", "dst")]
    pipeline_same(diff, cmds)


BITFIELD = [
    ("BITFIELD", "k", "SET", "u8", "0", "255"), ("GET", "k"),
    ("BITFIELD", "k", "GET", "u8", "0", "GET", "i8", "0", "GET", "u4", "4", "GET", "i3", "5", "GET", "u63", "0",
     "GET", "i64", "0", "GET", "i64", "1", "GET", "u1", "7", "GET", "u8", "1000"),
    ("BITFIELD", "k", "SET", "i16", "#1", "-2", "GET", "i16", "#1", "GET", "u16", "#1", "GET", "u8", "#3"),
    ("GET", "k"),
    ("BITFIELD", "k", "INCRBY", "u2", "100", "1", "INCRBY", "u2", "100", "1", "INCRBY", "u2", "100", "1",
     "INCRBY", "u2", "100", "1", "INCRBY", "u2", "100", "-5"),
    ("BITFIELD", "k", "OVERFLOW", "SAT", "INCRBY", "u2", "102", "1", "INCRBY", "u2", "102", "10", "INCRBY", "u2",
     "102", "-10", "INCRBY", "i4", "110", "100", "INCRBY", "i4", "110", "-100", "SET", "u3", "0", "100",
     "SET", "i3", "0", "-100", "SET", "u3", "0", "-1"),
    ("BITFIELD", "k", "OVERFLOW", "FAIL", "INCRBY", "u2", "102", "1", "INCRBY", "u2", "102", "10", "SET", "u3", "0",
     "100", "SET", "i3", "0", "3", "SET", "i3", "0", "4", "INCRBY", "i3", "0", "-8", "OVERFLOW", "WRAP", "INCRBY",
     "i3", "0", "-8"),
    ("BITFIELD", "k", "OVERFLOW", "wrap", "SET", "i64", "0", str(LLONG_MAX), "INCRBY", "i64", "0", "1",
     "INCRBY", "i64", "0", "-1", "OVERFLOW", "sat", "INCRBY", "i64", "0", str(LLONG_MIN), "INCRBY", "i64", "0", "-1",
     "SET", "u63", "0", str(LLONG_MAX), "INCRBY", "u63", "0", "1", "OVERFLOW", "fail", "INCRBY", "u63", "0", "1",
     "INCRBY", "i64", "0", str(LLONG_MIN), "INCRBY", "i64", "64", str(LLONG_MIN), "INCRBY", "i64", "64", "-1"),
    ("GET", "k"), ("STRLEN", "k"),
    ("BITFIELD", "k"), ("BITFIELD", "nokey"), ("EXISTS", "nokey"), ("BITFIELD", "nokey", "GET", "u8", "0"),
    ("EXISTS", "nokey"), ("BITFIELD", "nokey", "OVERFLOW", "FAIL"), ("EXISTS", "nokey"),
    ("BITFIELD", "new", "OVERFLOW", "FAIL", "INCRBY", "u2", "10", "9"), ("GET", "new"),
    ("BITFIELD", "new2", "SET", "u2", "10", "0"), ("GET", "new2"),
    # Types
    ("BITFIELD", "k", "GET", "u64", "0"), ("BITFIELD", "k", "GET", "i65", "0"), ("BITFIELD", "k", "GET", "i0", "0"),
    ("BITFIELD", "k", "GET", "u0", "0"), ("BITFIELD", "k", "GET", "x8", "0"), ("BITFIELD", "k", "GET", "U8", "0"),
    ("BITFIELD", "k", "GET", "I8", "0"), ("BITFIELD", "k", "GET", "", "0"), ("BITFIELD", "k", "GET", "i", "0"),
    ("BITFIELD", "k", "GET", "i-1", "0"), ("BITFIELD", "k", "GET", "i08", "0"), ("BITFIELD", "k", "GET", "i8x", "0"),
    ("BITFIELD", "k", "GET", "i8\x00x", "0"), ("BITFIELD", "k", "GET", "u+8", "0"),
    # Offsets
    ("BITFIELD", "k", "GET", "u8", "-1"), ("BITFIELD", "k", "GET", "u8", "#-1"), ("BITFIELD", "k", "GET", "u8", "#"),
    ("BITFIELD", "k", "GET", "u8", "##1"), ("BITFIELD", "k", "GET", "u8", "x"), ("BITFIELD", "k", "GET", "u8", ""),
    ("BITFIELD", "k", "GET", "u8", "#0"), ("BITFIELD", "k", "GET", "i5", "#2"),
    ("BITFIELD", "k", "GET", "u8", "#" + str(2 ** 60)), ("BITFIELD", "k", "GET", "i64", "#" + str(2 ** 58)),
    ("BITFIELD", "k", "GET", "i64", "#" + str(2 ** 58 + 1)), ("BITFIELD", "k", "GET", "i64", "#" + str(LLONG_MAX)),
    # Values
    ("BITFIELD", "k", "SET", "u8", "0", "x"), ("BITFIELD", "k", "INCRBY", "u8", "0", ""),
    ("BITFIELD", "k", "SET", "u8", "0", "9223372036854775808"), ("BITFIELD", "k", "SET", "u8", "0", "1.5"),
    # Subcommands and their arguments
    ("BITFIELD", "k", "FOO"), ("BITFIELD", "k", "GET"), ("BITFIELD", "k", "GET", "u8"),
    ("BITFIELD", "k", "SET", "u8", "0"), ("BITFIELD", "k", "INCRBY", "u8", "0"), ("BITFIELD", "k", "OVERFLOW"),
    ("BITFIELD", "k", "OVERFLOW", "FOO"), ("BITFIELD", "k", "OVERFLOW", "SAT", "FOO"),
    ("BITFIELD", "k", "get", "u8", "0"),
    ("BITFIELD", "k", "OVERFLOW", "SAT", "OVERFLOW", "FAIL"),
    # Nothing runs when a later operation is bad.
    ("BITFIELD", "k", "SET", "u8", "0", "1", "GET", "u64", "0"), ("BITFIELD", "k", "SET", "u8", "0", "1", "FOO"),
    ("BITFIELD", "k", "SET", "u8", "0", "1", "OVERFLOW", "X"), ("GET", "k"),
    ("BITFIELD", "z", "SET", "u8", "0", "1", "SET", "u8", "1", "x"), ("EXISTS", "z"),
    # BITFIELD_RO
    ("BITFIELD_RO", "k", "GET", "u8", "0", "GET", "i4", "#3"), ("BITFIELD_RO", "k"),
    ("BITFIELD_RO", "nokey", "GET", "u8", "0"),
    ("BITFIELD_RO", "k", "SET", "u8", "0", "1"), ("BITFIELD_RO", "k", "GET", "u8", "0", "INCRBY", "u8", "0", "1"),
    ("BITFIELD_RO", "k", "OVERFLOW", "SAT", "GET", "u8", "0"), ("BITFIELD_RO", "k", "INCRBY", "u8", "0", "x"),
    ("BITFIELD_RO", "k", "GET", "u64", "0"), ("BITFIELD_RO", "k", "OVERFLOW", "X"), ("BITFIELD_RO", "k", "FOO"),
    ("GET", "k"),
    ("SET", "n", "7"), ("BITFIELD", "n", "GET", "u8", "0"), ("OBJECT", "ENCODING", "n"), ("BITFIELD", "n", "SET", "u8",
                                                                                         "0", "56"),
    ("GET", "n"), ("OBJECT", "ENCODING", "n"),
]


def test_bitfield(diff):
    run_table(diff, BITFIELD)


def test_bitfield_overflow_matrix(diff):
    """Every width class at its limits, both signs, the three overflow behaviours, SET and INCRBY."""
    values = [0, 1, -1, 2, -2, 3, 4, 7, 8, 15, 16, 100, -100, 127, 128, -128, -129, 255, 256, 2 ** 31, -2 ** 31,
              2 ** 62, -2 ** 62, LLONG_MAX, LLONG_MIN, LLONG_MAX - 1, LLONG_MIN + 1]
    cmds = []
    for ty in ("u1", "u2", "u7", "u8", "u31", "u62", "u63", "i1", "i2", "i7", "i8", "i32", "i63", "i64"):
        for ow in ("WRAP", "SAT", "FAIL"):
            for start in (0, 1, -1, 5, LLONG_MAX, LLONG_MIN, 2 ** 40, -2 ** 40):
                args = ["BITFIELD", "m", "OVERFLOW", "WRAP", "SET", ty, "3", str(start), "OVERFLOW", ow]
                for v in values:
                    args += ["INCRBY", ty, "3", str(v)]
                cmds.append(tuple(args))
                cmds.append(("GET", "m"))
            args = ["BITFIELD", "m", "OVERFLOW", ow]
            for v in values:
                args += ["SET", ty, "#2", str(v), "GET", ty, "#2"]
            cmds += [tuple(args), ("GET", "m")]
    pipeline_same(diff, cmds)


def test_resp3(diff):
    for conn in (diff.k, diff.r):
        conn.call("HELLO", "3")
    run_table(diff, [
        ("BITFIELD", "k", "OVERFLOW", "FAIL", "INCRBY", "u2", "0", "9", "GET", "u2", "0"), ("SETBIT", "k", "3", "1"),
        ("BITCOUNT", "k"), ("BITPOS", "k", "1"), ("BITOP", "NOT", "d", "k"), ("BITFIELD_RO", "k", "GET", "i8", "0"),
    ])


def test_big_bitmap_is_fast(diff):
    """Counting and scanning a 16 MB bitmap must not take Python-loop time."""
    size = 16 * 1024 * 1024
    diff.same("SETRANGE", "big", str(size - 1), "\x01")
    diff.same("SETBIT", "big", "12345", "1")
    diff.same("SET", "ones", b"\xff")
    diff.same("SETRANGE", "ones", str(size - 1), b"\xff")
    diff.same("BITOP", "NOT", "inv", "big")
    t0 = time.perf_counter()
    for cmd in [("BITCOUNT", "big"), ("BITPOS", "big", "1", "2000"), ("BITPOS", "big", "1", "-1000"),
                ("BITPOS", "inv", "0", "2000"), ("BITCOUNT", "big", "1", "-2", "BIT"), ("BITCOUNT", "inv"),
                ("BITPOS", "big", "0", "0", "-1", "BIT"), ("BITPOS", "inv", "1", "0", "-1"),
                ("BITOP", "AND", "x", "big", "inv", "ones"), ("BITCOUNT", "x"), ("BITOP", "XOR", "x", "big", "inv"),
                ("BITCOUNT", "x")]:
        a, b = diff.k.call(*cmd), diff.r.call(*cmd)
        assert a == b, cmd
    assert time.perf_counter() - t0 < 5.0


def _random_command(rnd, keys):
    key = rnd.choice(keys)

    def offset(limit=200):
        choices = [rnd.randrange(limit), rnd.randrange(8), rnd.randrange(64)]
        if rnd.random() < 0.05:
            choices += [-1, "x"]
        return str(rnd.choice(choices))

    def index():
        return str(rnd.choice([rnd.randrange(-30, 30), rnd.randrange(-300, 300), 0, -1]))

    kind = rnd.randrange(9)
    if kind == 0:
        return ("SETBIT", key, offset(), rnd.choice(["0", "1", "1", "0", "2"] if rnd.random() < 0.1 else ["0", "1"]))
    if kind == 1:
        return ("GETBIT", key, offset())
    if kind == 2:
        extra = rnd.choice([(), (index(), index()), (index(), index(), "BIT"), (index(), index(), "BYTE")])
        return ("BITCOUNT", key, *extra)
    if kind == 3:
        extra = rnd.choice([(), (index(),), (index(), index()), (index(), index(), "BIT"), (index(), "-1", "BIT"),
                            (index(), index(), "BYTE")])
        return ("BITPOS", key, rnd.choice("01"), *extra)
    if kind == 4:
        op = rnd.choice(["AND", "OR", "XOR", "NOT"])
        n = 1 if op == "NOT" else rnd.randrange(1, 4)
        return ("BITOP", op, key, *rnd.choices(keys, k=n))
    if kind == 5:
        args = ["BITFIELD", key]
        for _ in range(rnd.randrange(1, 5)):
            ty = rnd.choice("iu") + str(rnd.randrange(1, 64) if rnd.random() < 0.5 else rnd.choice([1, 8, 16, 32, 63]))
            off = offset(120) if rnd.random() < 0.7 else "#" + str(rnd.randrange(10))
            sub = rnd.choice(["GET", "SET", "INCRBY", "OVERFLOW"])
            if sub == "OVERFLOW":
                args += ["OVERFLOW", rnd.choice(["WRAP", "SAT", "FAIL"])]
            elif sub == "GET":
                args += ["GET", ty, off]
            else:
                val = rnd.choice([rnd.randrange(-300, 300), rnd.randrange(-2 ** 63, 2 ** 63), 2 ** 62, -2 ** 62])
                args += [sub, ty, off, str(val)]
        return tuple(args)
    if kind == 6:
        return ("SET", key, bytes(rnd.randrange(256) for _ in range(rnd.randrange(0, 12))))
    if kind == 7:
        return ("BITFIELD_RO", key, "GET", "u8", offset(80), "GET", "i13", offset(80))
    return ("GET", key)


@pytest.mark.parametrize("seed", range(6))
def test_random_sequence(diff, seed):
    rnd = random.Random(seed)
    keys = ["a", "b", "c", "d"]
    cmds = [_random_command(rnd, keys) for _ in range(1500)]
    cmds += [("GET", k) for k in keys]
    pipeline_same(diff, cmds)


def test_propagation():
    from tests.commands.test_hyperloglog import InProcessCore
    core = InProcessCore()
    steps = [
        (("SETBIT", "k", "3", "1"), [[b"SETBIT", b"k", b"3", b"1"]]), (("SETBIT", "k", "3", "1"), []),
        (("SETBIT", "k", "3", "0"), [[b"SETBIT", b"k", b"3", b"0"]]), (("SETBIT", "k", "2", "0"), []),
        (("BITFIELD", "k", "GET", "u8", "0"), []), (("BITFIELD", "k", "SET", "u8", "0", "0"), []),
        (("BITFIELD", "k", "OVERFLOW", "FAIL", "INCRBY", "u2", "0", "7"), []),
        (("BITFIELD", "k", "INCRBY", "u2", "0", "1"), [[b"BITFIELD", b"k", b"INCRBY", b"u2", b"0", b"1"]]),
        (("BITOP", "AND", "d", "nokey"), []), (("BITOP", "OR", "d", "k"), [[b"BITOP", b"OR", b"d", b"k"]]),
        (("BITOP", "AND", "d", "nokey"), [[b"BITOP", b"AND", b"d", b"nokey"]]),
        (("GETBIT", "k", "0"), []), (("BITCOUNT", "k"), []), (("BITPOS", "k", "1"), []),
    ]
    for cmd, fed in steps:
        core(*cmd)
        assert core.take() == fed, cmd


def keyspace_stats(conn):
    info = conn.call("INFO", "stats").split(b"\r\n")
    return tuple(int(x.split(b":")[1]) for x in info if x.startswith((b"keyspace_hits:", b"keyspace_misses:")))


def test_keyspace_hits_and_misses(diff):
    """Reads count hits and misses, the lookups done to write do not (as in Redis)."""
    diff.same("SET", "s", "abc")
    for cmd in [("SETBIT", "s", "1", "1"), ("SETBIT", "new", "1", "1"), ("GETBIT", "s", "0"), ("GETBIT", "x", "0"),
                ("BITCOUNT", "s"), ("BITCOUNT", "x"), ("BITPOS", "s", "1"), ("BITPOS", "x", "1"),
                ("BITOP", "OR", "d", "s", "x"), ("BITFIELD", "s", "GET", "u8", "0"), ("BITFIELD", "x"),
                ("BITFIELD", "s", "SET", "u8", "0", "1"), ("BITFIELD_RO", "x", "GET", "u8", "0"),
                ("PFADD", "h", "a"), ("PFCOUNT", "h"), ("PFCOUNT", "h", "x"), ("PFMERGE", "h", "x", "h"),
                ("PFMERGE", "y", "h"), ("PFDEBUG", "ENCODING", "h")]:
        before = keyspace_stats(diff.k), keyspace_stats(diff.r)
        diff.same(*cmd)
        after = keyspace_stats(diff.k), keyspace_stats(diff.r)
        assert [a - b for a, b in zip(after[0], before[0])] == [a - b for a, b in zip(after[1], before[1])], cmd
