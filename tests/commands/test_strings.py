"""Differential tests of the string commands (Redis's t_string.c): each command goes to kvs and to a real
redis-server and the raw reply bytes must be identical, errors included."""
import random
import time

import pytest

from tests.commands.diffhelp import LLONG_MAX, LLONG_MIN, run_table, same_within

pytestmark = pytest.mark.interop

DEFAULT_PROTO_MAX_BULK_LEN = 512 * 1024 * 1024

ARITY = [
    ("SET",), ("SET", "k"),
    ("SETNX", "k"), ("SETNX", "k", "v", "x"),
    ("SETEX", "k", "10"), ("SETEX", "k", "10", "v", "x"),
    ("PSETEX", "k", "10"), ("PSETEX", "k", "10", "v", "x"),
    ("GET",), ("GET", "k", "x"),
    ("GETEX",),
    ("GETDEL",), ("GETDEL", "k", "x"),
    ("GETSET", "k"), ("GETSET", "k", "v", "x"),
    ("MGET",),
    ("MSET",), ("MSET", "k"), ("MSET", "k", "v", "k2"),
    ("MSETNX",), ("MSETNX", "k"), ("MSETNX", "k", "v", "k2"),
    ("APPEND", "k"), ("APPEND", "k", "v", "x"),
    ("STRLEN",), ("STRLEN", "k", "x"),
    ("GETRANGE", "k", "0"), ("GETRANGE", "k", "0", "1", "2"),
    ("SUBSTR", "k", "0"), ("SUBSTR", "k", "0", "1", "2"),
    ("SETRANGE", "k", "0"), ("SETRANGE", "k", "0", "v", "x"),
    ("INCR",), ("INCR", "k", "1"),
    ("DECR",), ("DECR", "k", "1"),
    ("INCRBY", "k"), ("INCRBY", "k", "1", "2"),
    ("DECRBY", "k"), ("DECRBY", "k", "1", "2"),
    ("INCRBYFLOAT", "k"), ("INCRBYFLOAT", "k", "1", "2"),
    ("LCS",), ("LCS", "k"),
    ("set",), ("GeT",),
]


def test_wrong_arity(diff):
    diff.same("SET", "k", "v")
    run_table(diff, ARITY)
    diff.same("GET", "k")


SET_OPTIONS = [
    ("SET", "k", "v", "NX", "XX"),
    ("SET", "k", "v", "XX", "NX"),
    ("SET", "k", "v", "KEEPTTL", "EX", "10"),
    ("SET", "k", "v", "EX", "10", "KEEPTTL"),
    ("SET", "k", "v", "PX", "10", "KEEPTTL"),
    ("SET", "k", "v", "EX", "10", "PX", "100"),
    ("SET", "k", "v", "PX", "10", "EXAT", "100"),
    ("SET", "k", "v", "EXAT", "10", "PXAT", "100"),
    ("SET", "k", "v", "EX"),
    ("SET", "k", "v", "PX"),
    ("SET", "k", "v", "EXAT"),
    ("SET", "k", "v", "PXAT"),
    ("SET", "k", "v", "PERSIST"),
    ("SET", "k", "v", "FOO"),
    ("SET", "k", "v", "NX", "FOO"),
    ("SET", "k", "v", "EX", "10", "FOO"),
    ("SET", "k", "v", "10"),
    ("EXISTS", "k"),
    # Invalid expire times: zero, negative, not a number, overflow once scaled to ms or added to now.
    ("SET", "k", "v", "EX", "0"),
    ("SET", "k", "v", "EX", "-1"),
    ("SET", "k", "v", "PX", "0"),
    ("SET", "k", "v", "PX", "-100"),
    ("SET", "k", "v", "EXAT", "0"),
    ("SET", "k", "v", "PXAT", "-1"),
    ("SET", "k", "v", "EX", "abc"),
    ("SET", "k", "v", "EX", "1.5"),
    ("SET", "k", "v", "EX", " 10"),
    ("SET", "k", "v", "EX", "9223372036854775808"),
    ("SET", "k", "v", "EX", str(LLONG_MAX)),
    ("SET", "k", "v", "EX", str(LLONG_MAX // 1000)),
    ("SET", "k", "v", "EX", str(LLONG_MAX // 1000 + 1)),
    ("SET", "k", "v", "EX", str(LLONG_MAX // 1000 - 1000)),
    ("SET", "k", "v", "PX", str(LLONG_MAX)),
    ("SET", "k", "v", "PX", str(LLONG_MAX - 1000)),
    ("SET", "k", "v", "EXAT", str(LLONG_MAX)),
    ("SET", "k", "v", "EXAT", str(LLONG_MAX // 1000 + 1)),
    ("EXISTS", "k"),
    ("SET", "k", "v", "PXAT", str(LLONG_MAX)),
    ("GET", "k"),
    ("PEXPIRETIME", "k"),
    ("SET", "k", "v", "EXAT", str(LLONG_MAX // 1000)),
    ("GET", "k"),
    # A repeated option is accepted; the last expiry wins.
    ("SET", "k", "v", "EX", "10", "EX", "abc"),
    ("SET", "k", "v", "EX", "abc", "EX", "10"),
    ("SET", "k", "v2", "NX", "NX"),
    ("SET", "k", "v3", "XX", "XX"),
    ("SET", "k", "v4", "KEEPTTL", "KEEPTTL"),
    ("SET", "k", "v5", "GET", "GET"),
    ("SET", "k", "v6", "nx"),
    ("SET", "k", "v7", "xx", "get"),
    ("SET", "k", "v8", "kEePtTl"),
    ("GET", "k"),
]


def test_set_options_and_errors(diff):
    run_table(diff, SET_OPTIONS)


SET_GET_NX_XX = [
    ("SET", "k", "v", "GET"),
    ("SET", "k", "v2", "GET"),
    ("SET", "k", "v3", "GET", "NX"),
    ("GET", "k"),
    ("SET", "k", "v4", "NX", "GET"),
    ("SET", "k", "v5", "XX", "GET"),
    ("SET", "missing", "v", "XX", "GET"),
    ("EXISTS", "missing"),
    ("SET", "missing", "v", "XX"),
    ("SET", "missing", "v", "NX", "GET"),
    ("GET", "missing"),
    ("SET", "k", "v6", "NX"),
    ("SET", "k", "v7", "XX"),
    ("SET", "k2", "v", "NX"),
    ("GET", "k"),
    # GET with an invalid expiry: the expiry error comes first, nothing is set.
    ("SET", "k", "zzz", "GET", "EX", "0"),
    ("GET", "k"),
    ("SET", "k", "v8", "GET", "EX", "100"),
    ("TTL", "k"),
    ("SET", "k", "v9", "GET", "KEEPTTL"),
    ("TTL", "k"),
    ("SET", "k", "v10", "GET"),
    ("TTL", "k"),
]


def test_set_get_nx_xx(diff):
    run_table(diff, SET_GET_NX_XX)


def test_set_expiry_and_keepttl(diff):
    diff.same("SET", "k", "v", "EX", "100")
    same_within(diff, 1, "TTL", "k")
    diff.same("SET", "k", "v2", "KEEPTTL")
    same_within(diff, 1, "TTL", "k")
    diff.same("SET", "k", "v3")
    diff.same("TTL", "k")
    diff.same("SET", "k", "v", "PX", "100000")
    same_within(diff, 1000, "PTTL", "k")
    at = int(time.time()) + 1000
    diff.same("SET", "k", "v", "EXAT", str(at))
    diff.same("EXPIRETIME", "k")
    diff.same("SET", "k", "v", "PXAT", str(at * 1000 + 123))
    diff.same("PEXPIRETIME", "k")
    # An absolute time in the past: the key is set, then found expired.
    diff.same("SET", "k", "v", "EXAT", "1")
    diff.same("GET", "k")
    diff.same("SET", "k", "v", "PXAT", "1")
    diff.same("EXISTS", "k")


SETNX_SETEX = [
    ("SETNX", "k", "v"),
    ("SETNX", "k", "v2"),
    ("GET", "k"),
    ("SETEX", "k", "0", "v"),
    ("SETEX", "k", "-5", "v"),
    ("SETEX", "k", "abc", "v"),
    ("SETEX", "k", "1.5", "v"),
    ("SETEX", "k", str(LLONG_MAX), "v"),
    ("SETEX", "k", str(LLONG_MAX // 1000 + 1), "v"),
    ("SETEX", "k", str(LLONG_MAX // 1000), "v"),
    ("PSETEX", "k", "0", "v"),
    ("PSETEX", "k", "-1", "v"),
    ("PSETEX", "k", "x", "v"),
    ("PSETEX", "k", str(LLONG_MAX), "v"),
    ("GET", "k"),
    ("SETEX", "k", "100", "v3"),
    ("GET", "k"),
    ("TTL", "k"),
    ("PSETEX", "k", "100000", "v4"),
    ("GET", "k"),
    ("TTL", "k"),
    ("SETNX", "k", "v5"),
    ("TTL", "k"),
]


def test_setnx_setex_psetex(diff):
    run_table(diff, SETNX_SETEX)


GETEX_GETDEL_GETSET = [
    ("GETEX", "nokey"),
    ("GETEX", "nokey", "EX", "0"),
    ("GETEX", "nokey", "EX", "abc"),
    ("GETEX", "nokey", "FOO"),
    ("GETEX", "nokey", "PERSIST", "EX", "10"),
    ("SET", "k", "v"),
    ("GETEX", "k"),
    ("GETEX", "k", "EX", "0"),
    ("GETEX", "k", "EX", "-1"),
    ("GETEX", "k", "PX", "0"),
    ("GETEX", "k", "EXAT", "0"),
    ("GETEX", "k", "EX", "abc"),
    ("GETEX", "k", "EX", str(LLONG_MAX)),
    ("GETEX", "k", "PX", str(LLONG_MAX)),
    ("GETEX", "k", "EXAT", str(LLONG_MAX)),
    ("GETEX", "k", "EX", "10", "PERSIST"),
    ("GETEX", "k", "PERSIST", "EX", "10"),
    ("GETEX", "k", "PERSIST", "PXAT", "10"),
    ("GETEX", "k", "EX", "10", "PX", "10"),
    ("GETEX", "k", "EXAT", "10", "PXAT", "10"),
    ("GETEX", "k", "KEEPTTL"),
    ("GETEX", "k", "NX"),
    ("GETEX", "k", "XX"),
    ("GETEX", "k", "GET"),
    ("GETEX", "k", "EX"),
    ("GETEX", "k", "PXAT"),
    ("GETEX", "k", "FOO"),
    ("GETEX", "k", "PERSIST", "PERSIST"),
    ("GETEX", "k", "EX", "abc", "EX", "100"),
    ("TTL", "k"),
    ("GETEX", "k", "persist"),
    ("TTL", "k"),
    ("GETEX", "k", "EXAT", "1"),
    ("EXISTS", "k"),
    ("SET", "k", "v"),
    ("GETEX", "k", "PXAT", "1"),
    ("GET", "k"),
    ("GETDEL", "k"),
    ("SET", "k", "v", "EX", "100"),
    ("GETDEL", "k"),
    ("GETDEL", "k"),
    ("EXISTS", "k"),
    ("GETSET", "k", "a"),
    ("GETSET", "k", "b"),
    ("GET", "k"),
    ("SET", "k", "v", "EX", "100"),
    ("GETSET", "k", "c"),
    ("TTL", "k"),
]


def test_getex_getdel_getset(diff):
    run_table(diff, GETEX_GETDEL_GETSET)


def test_getex_expiry_changes(diff):
    diff.same("SET", "k", "v")
    diff.same("GETEX", "k", "EX", "100")
    same_within(diff, 1, "TTL", "k")
    diff.same("GETEX", "k", "PX", "200000")
    same_within(diff, 1, "TTL", "k")
    at = int(time.time()) + 5000
    diff.same("GETEX", "k", "EXAT", str(at))
    diff.same("EXPIRETIME", "k")
    diff.same("GETEX", "k", "PXAT", str(at * 1000 + 999))
    diff.same("PEXPIRETIME", "k")
    diff.same("GETEX", "k")
    diff.same("PEXPIRETIME", "k")
    diff.same("GETEX", "k", "PERSIST")
    diff.same("TTL", "k")


MGET_MSET = [
    ("MGET", "a", "b"),
    ("MSET", "a", "1", "b", "2"),
    ("MGET", "a", "nokey", "b", "a"),
    ("MSET", "a", "x", "a", "y"),
    ("GET", "a"),
    ("MSET", "a", "1", "b"),
    ("MSETNX", "a", "1", "c"),
    ("MSETNX", "a", "1", "c", "2"),
    ("EXISTS", "c"),
    ("MSETNX", "c", "1", "d", "2"),
    ("MGET", "c", "d"),
    ("MSETNX", "c", "1"),
    ("MSETNX", "e", "1", "e", "2"),
    ("GET", "e"),
    ("SET", "t", "v", "EX", "100"),
    ("MSET", "t", "w"),
    ("TTL", "t"),
    ("SET", "t", "v", "EX", "100"),
    ("MSETNX", "t", "w", "u", "x"),
    ("TTL", "t"),
    ("GET", "u"),
]


def test_mget_mset_msetnx(diff):
    run_table(diff, MGET_MSET)


INCR_DECR = [
    ("INCR", "n"),
    ("INCR", "n"),
    ("DECR", "n"),
    ("DECR", "m"),
    ("INCRBY", "n", "10"),
    ("INCRBY", "n", "-20"),
    ("DECRBY", "n", "5"),
    ("DECRBY", "n", "-5"),
    ("INCRBY", "n", "0"),
    ("INCRBY", "n", "abc"),
    ("INCRBY", "n", "1.5"),
    ("INCRBY", "n", ""),
    ("INCRBY", "n", " 1"),
    ("INCRBY", "n", "1 "),
    ("INCRBY", "n", "+1"),
    ("INCRBY", "n", "01"),
    ("INCRBY", "n", "-0"),
    ("INCRBY", "n", "9223372036854775808"),
    ("INCRBY", "n", "-9223372036854775809"),
    ("DECRBY", "n", "9223372036854775808"),
    # Overflow at both ends of the 64-bit range.
    ("SET", "n", str(LLONG_MAX - 1)),
    ("INCR", "n"),
    ("INCR", "n"),
    ("INCRBY", "n", "1"),
    ("DECRBY", "n", "-1"),
    ("GET", "n"),
    ("INCRBY", "n", str(LLONG_MIN)),
    ("SET", "n", str(LLONG_MIN + 1)),
    ("DECR", "n"),
    ("DECR", "n"),
    ("DECRBY", "n", "1"),
    ("INCRBY", "n", "-1"),
    ("INCRBY", "n", str(LLONG_MAX)),
    ("GET", "n"),
    ("DECRBY", "x", str(LLONG_MIN)),
    ("DECRBY", "n", str(LLONG_MIN)),
    ("EXISTS", "x"),
    ("DECRBY", "x", str(LLONG_MAX)),
    ("INCRBY", "y", str(LLONG_MIN)),
    ("INCRBY", "y", str(LLONG_MAX)),
    ("SET", "z", str(LLONG_MAX)),
    ("DECRBY", "z", str(LLONG_MAX)),
    ("DECRBY", "z", str(LLONG_MAX)),
    ("DECRBY", "z", "2"),
    # Values that are not integers by Redis's strict rule.
    ("SET", "s", "abc"),
    ("INCR", "s"),
    ("SET", "s", " 1"),
    ("INCR", "s"),
    ("SET", "s", "1 "),
    ("DECR", "s"),
    ("SET", "s", "01"),
    ("INCR", "s"),
    ("SET", "s", "-0"),
    ("INCR", "s"),
    ("SET", "s", "+1"),
    ("INCR", "s"),
    ("SET", "s", "1.0"),
    ("INCR", "s"),
    ("SET", "s", ""),
    ("INCR", "s"),
    ("SET", "s", "99999999999999999999"),
    ("INCR", "s"),
    ("SET", "s", "9223372036854775808"),
    ("DECR", "s"),
    ("SET", "s", "1\x00"),
    ("INCR", "s"),
    ("SET", "s", "0"),
    ("INCR", "s"),
    ("SET", "s", "-1"),
    ("INCR", "s"),
    ("INCR", "s"),
    ("GET", "s"),
    # The key keeps its TTL.
    ("SET", "t", "5", "EX", "100"),
    ("INCR", "t"),
    ("TTL", "t"),
    ("DECRBY", "t", "3"),
    ("TTL", "t"),
    ("GET", "t"),
]


def test_incr_decr(diff):
    run_table(diff, INCR_DECR)


# (initial value or None, increment): the reply is Redis's long double arithmetic formatted with %.17Lf and
# trailing zeros removed.
INCRBYFLOAT_CASES = [
    ("10.5", "0.1"), (None, "1e3"), (None, "3.0e3"), (None, "5.0e3"), (None, "-1.5"), ("-1.5", "1.5"),
    (None, "1.5"), ("1.5", "-1.5"), (None, "0.1"), ("0.1", "0.2"), (None, "1"), (None, "0"), (None, "-0"),
    (None, "-0.0"), (None, ".5"), (None, "5."), (None, "1E2"), (None, "+3"), (None, "0x10"), (None, "0x1p3"),
    (None, "1.23456789012345678901234"), (None, "123456789012345678901234567890"), (None, "1e30"),
    (None, "1e-20"), (None, "-1e-20"), (None, "0.000000000000000005"), (None, "0.000000000000000004"),
    (None, "1.5e-17"), (None, "1e-300"), (None, "3.4e-4932"), (None, "1e-5000"),
    ("1e308", "1e308"), (None, "1e308"), (None, "1e4000"), ("9e4931", "9e4931"), (None, "1e4933"),
    (None, "-1e4933"), ("1e4931", "-1e4931"),
    (None, "inf"), (None, "-inf"), (None, "+inf"), (None, "infinity"), (None, "nan"), (None, "-nan"),
    (None, "abc"), (None, " 1"), (None, "1 "), (None, ""), (None, "1\x00"), (None, "1e"), (None, "e1"),
    (None, "--1"), (None, "1..2"),
    ("abc", "1"), ("1e5", "1"), ("inf", "1"), (" 1", "1"), ("1 ", "1"), ("", "1"), ("0x10", "0.5"),
    ("5", "abc"), ("abc", "abc"), ("100", "-100"), ("9223372036854775807", "1"), ("-17", "0.25"),
    (None, "0" * 5118 + "1"), (None, "0" * 5119 + "1"), ("0" * 5119 + "1", "1"), ("0" * 5118 + "1", "1"),
]


def test_incrbyfloat_formatting(diff):
    for i, (initial, incr) in enumerate(INCRBYFLOAT_CASES):
        key = f"f{i}"
        if initial is not None:
            diff.same("SET", key, initial)
        diff.same("INCRBYFLOAT", key, incr)
        diff.same("GET", key)
        diff.same("EXISTS", key)


def test_incrbyfloat_keeps_ttl(diff):
    diff.same("SET", "f", "1.5", "EX", "100")
    diff.same("INCRBYFLOAT", "f", "2")
    diff.same("TTL", "f")
    diff.same("INCRBYFLOAT", "f", "2.5")
    diff.same("GET", "f")


@pytest.mark.parametrize("initial, incr", [(None, "1e-4940"), (None, "-1e-4945"), ("1e-4940", "1")])
def test_incrbyfloat_subnormal_input(diff, initial, incr):
    if initial is not None:
        diff.same("SET", "f", initial)
    diff.same("INCRBYFLOAT", "f", incr)
    diff.same("GET", "f")


GETRANGE = [
    ("SET", "s", "Hello World"),
    ("GETRANGE", "s", "0", "4"),
    ("GETRANGE", "s", "-5", "-1"),
    ("GETRANGE", "s", "-1", "-5"),
    ("GETRANGE", "s", "5", "2"),
    ("GETRANGE", "s", "0", "-1"),
    ("GETRANGE", "s", "0", "100"),
    ("GETRANGE", "s", "-100", "-50"),
    ("GETRANGE", "s", "-100", "-11"),
    ("GETRANGE", "s", "-100", "-12"),
    ("GETRANGE", "s", "-100", "3"),
    ("GETRANGE", "s", "100", "200"),
    ("GETRANGE", "s", "10", "10"),
    ("GETRANGE", "s", "11", "11"),
    ("GETRANGE", "s", "-1", "-1"),
    ("GETRANGE", "s", "0", "-100"),
    ("GETRANGE", "s", "3", "-9"),
    ("GETRANGE", "s", "3", "-8"),
    ("GETRANGE", "s", "-11", "0"),
    ("GETRANGE", "s", str(LLONG_MIN), str(LLONG_MAX)),
    ("GETRANGE", "s", str(LLONG_MAX), str(LLONG_MIN)),
    ("GETRANGE", "s", str(LLONG_MIN), "-1"),
    ("GETRANGE", "s", "0", "9223372036854775808"),
    ("GETRANGE", "s", "a", "1"),
    ("GETRANGE", "s", "1", "b"),
    ("GETRANGE", "s", "1.5", "2"),
    ("GETRANGE", "nokey", "0", "-1"),
    ("GETRANGE", "nokey", "a", "b"),
    ("SUBSTR", "s", "0", "2"),
    ("SUBSTR", "s", "-3", "-1"),
    ("SUBSTR", "s", "x", "-1"),
    ("SET", "e", ""),
    ("GETRANGE", "e", "0", "-1"),
    ("GETRANGE", "e", "0", "0"),
    ("GETRANGE", "e", "-1", "0"),
    ("GETRANGE", "e", "-1", "-1"),
    ("SET", "i", "1234567"),
    ("GETRANGE", "i", "1", "3"),
    ("GETRANGE", "i", "-2", "-1"),
    ("SET", "b", "a\x00b\r\nc\xff"),
    ("GETRANGE", "b", "1", "4"),
    ("GETRANGE", "b", "-2", "-1"),
]


def test_getrange_substr(diff):
    run_table(diff, GETRANGE)


SETRANGE = [
    ("SETRANGE", "s", "-1", "x"),
    ("SETRANGE", "s", "a", "x"),
    ("SETRANGE", "s", "1.5", "x"),
    ("SETRANGE", "s", str(LLONG_MIN), "x"),
    ("SETRANGE", "s", "9223372036854775808", "x"),
    ("SET", "s", "Hello World"),
    ("SETRANGE", "s", "6", "Redis"),
    ("GET", "s"),
    ("SETRANGE", "s", "0", "J"),
    ("GET", "s"),
    ("SETRANGE", "s", "9", "xyzw"),
    ("GET", "s"),
    ("SETRANGE", "s", "20", "X"),
    ("GET", "s"),
    ("STRLEN", "s"),
    ("SETRANGE", "s", "0", ""),
    ("SETRANGE", "s", "1000", ""),
    ("SETRANGE", "s", str(LLONG_MAX), ""),
    ("SETRANGE", "s", "-1", ""),
    ("STRLEN", "s"),
    # A missing key: an empty value creates nothing, whatever the offset.
    ("SETRANGE", "n", "0", ""),
    ("SETRANGE", "n", "5", ""),
    ("SETRANGE", "n", str(LLONG_MAX), ""),
    ("EXISTS", "n"),
    ("SETRANGE", "n", "3", "abc"),
    ("GET", "n"),
    ("SETRANGE", "z", "0", "abc"),
    ("GET", "z"),
    ("SETRANGE", "i", "0", "1"),
    ("SET", "i", "123"),
    ("SETRANGE", "i", "1", "9"),
    ("GET", "i"),
    ("INCR", "i"),
    ("SETRANGE", "i", "5", "\x00"),
    ("GET", "i"),
    ("INCR", "i"),
    ("SET", "t", "abc", "EX", "100"),
    ("SETRANGE", "t", "1", "X"),
    ("TTL", "t"),
    ("GET", "t"),
    # Past the maximum string size (proto-max-bulk-len, 512MB by default): checked before allocating.
    ("SETRANGE", "s", str(LLONG_MAX), "x"),
    ("SETRANGE", "s", str(DEFAULT_PROTO_MAX_BULK_LEN), "x"),
    ("SETRANGE", "big", str(DEFAULT_PROTO_MAX_BULK_LEN), "x"),
    ("EXISTS", "big"),
]


def test_setrange(diff):
    run_table(diff, SETRANGE)


APPEND_STRLEN = [
    ("APPEND", "a", ""),
    ("EXISTS", "a"),
    ("GET", "a"),
    ("APPEND", "a", "xy"),
    ("APPEND", "a", "z"),
    ("GET", "a"),
    ("STRLEN", "a"),
    ("STRLEN", "nokey"),
    ("SET", "n", "12345"),
    ("STRLEN", "n"),
    ("APPEND", "n", "6"),
    ("GET", "n"),
    ("INCR", "n"),
    ("APPEND", "n", ""),
    ("GET", "n"),
    ("SET", "t", "abc", "EX", "100"),
    ("APPEND", "t", "def"),
    ("TTL", "t"),
    ("GET", "t"),
    ("APPEND", "b", "\x00\r\n"),
    ("APPEND", "b", "\xff\xfe"),
    ("GET", "b"),
    ("STRLEN", "b"),
]


def test_append_strlen(diff):
    run_table(diff, APPEND_STRLEN)


def test_appends_grow_large_values(diff):
    chunk = "x" * 1000
    for _ in range(50):
        diff.same("APPEND", "big", chunk)
    diff.same("STRLEN", "big")
    diff.same("GETRANGE", "big", "49990", "-1")
    diff.same("SETRANGE", "big", "60000", "end")
    diff.same("STRLEN", "big")
    diff.same("GETRANGE", "big", "49998", "50003")


@pytest.fixture
def small_bulk_limit(diff):
    """Both servers with proto-max-bulk-len at its minimum (1MB), restored afterwards."""
    diff.same("CONFIG", "SET", "proto-max-bulk-len", "1048576")
    yield 1048576
    diff.same("FLUSHALL")
    diff.same("CONFIG", "SET", "proto-max-bulk-len", str(DEFAULT_PROTO_MAX_BULK_LEN))


def test_string_size_limit(diff, small_bulk_limit):
    limit = small_bulk_limit
    run_table(diff, [
        ("SETRANGE", "n", str(limit), "x"),
        ("SETRANGE", "n", str(limit - 1), "xy"),
        ("EXISTS", "n"),
        ("SETRANGE", "n", str(limit - 1), "x"),
        ("STRLEN", "n"),
        ("APPEND", "n", "x"),
        ("APPEND", "n", ""),
        ("SETRANGE", "n", str(limit), ""),
        ("SETRANGE", "n", "0", "y"),
        ("SET", "s", "abc"),
        ("SETRANGE", "s", str(limit - 3), "abcd"),
        ("SETRANGE", "s", str(limit * 4), ""),
        ("SETRANGE", "s", str(limit - 3), "abc"),
        ("STRLEN", "s"),
        ("SET", "a", "x" * 1000),
        ("SETRANGE", "a", str(limit - 1000), "y" * 1000),
        ("STRLEN", "a"),
        ("APPEND", "a", "z"),
        ("DEL", "a"),
        ("SET", "a", "x" * 1000),
        ("APPEND", "a", "y" * (limit - 1000)),
        ("APPEND", "a", "y"),
        ("STRLEN", "a"),
    ])


BINARY = [b"a\x00b", b"\r\n", b"\xff\xfe\x00", b"caf\xc3\xa9", b"\x00", b"*", b"[a]", b"\\", b" ", b""]


def test_binary_safe_keys_and_values(diff):
    for i, key in enumerate(BINARY):
        value = key + b"\x00\r\n\xff" + key
        diff.same("SET", key, value)
        diff.same("GET", key)
        diff.same("STRLEN", key)
        diff.same("APPEND", key, b"\x00\xc0")
        diff.same("GETRANGE", key, "0", "-2")
        diff.same("SETRANGE", key, "1", b"\r\n")
        diff.same("GETSET", key, key)
        diff.same("SETNX", key, b"x")
        diff.same("GETEX", key, "PERSIST")
    diff.same("MGET", *BINARY)
    diff.same("MSET", b"\x00k", b"\x00v", b"k\r\n", b"v\r\n")
    diff.same("MGET", b"\x00k", b"k\r\n", b"\x00")
    diff.same("MSETNX", b"\x00k", b"1", b"\xfe", b"2")
    diff.same("GETDEL", b"\x00k")
    diff.same("SET", b"\x80n", b"\xff")
    diff.same("INCR", b"\x80n")
    diff.same("INCRBYFLOAT", b"\x80n", "1")
    diff.same("INCRBYFLOAT", b"\x80n", b"1\xff")
    diff.same("INCRBY", b"\x80n", b"1\x00")


def test_lazy_expiry(diff):
    run_table(diff, [
        ("SET", "k", "v", "PX", "1"),
        ("SET", "n", "41", "PX", "1"),
        ("SET", "a", "abc", "PX", "1"),
        ("SET", "g", "x", "PX", "1"),
        ("SET", "r", "x", "PX", "1"),
        ("SET", "d", "x", "PX", "1"),
        ("SET", "m", "x", "PX", "1"),
        ("SET", "f", "1.5", "PX", "1"),
        ("PSETEX", "p", "1", "x"),
    ])
    time.sleep(0.05)
    run_table(diff, [
        ("GET", "k"),
        ("SET", "n", "1", "NX"),
        ("GET", "n"),
        ("TTL", "n"),
        ("APPEND", "a", "z"),
        ("GET", "a"),
        ("GETSET", "g", "y"),
        ("GETRANGE", "r", "0", "-1"),
        ("STRLEN", "r"),
        ("GETDEL", "d"),
        ("MSETNX", "m", "1", "m2", "2"),
        ("MGET", "m", "m2", "k"),
        ("INCRBYFLOAT", "f", "1"),
        ("TTL", "f"),
        ("GETEX", "p", "PERSIST"),
        ("SETRANGE", "p", "2", "x"),
        ("GET", "p"),
        ("SET", "k", "v", "XX"),
        ("SET", "k", "v", "GET"),
        ("GET", "k"),
    ])


# Keys holding each non-string type, made the same way in both servers.
OTHER_TYPES = {
    "list": ("RPUSH", "L", "x"),
    "hash": ("HSET", "L", "f", "v"),
    "set": ("SADD", "L", "1"),
    "zset": ("ZADD", "L", "1", "m"),
}

WRONGTYPE_CASES = [
    ("GET", "L"), ("SET", "L", "v", "GET"), ("SET", "L", "v", "GET", "NX"), ("SET", "L", "v", "GET", "XX"),
    ("SET", "L", "v", "GET", "EX", "0"), ("SET", "L", "v", "NX"), ("SETNX", "L", "v"), ("GETSET", "L", "v"),
    ("GETDEL", "L"), ("GETEX", "L"), ("GETEX", "L", "PERSIST"), ("GETEX", "L", "EX", "0"),
    ("GETEX", "L", "FOO"), ("MGET", "s", "L", "nokey"), ("MSETNX", "L", "1", "s2", "2"), ("APPEND", "L", "x"),
    ("APPEND", "L", ""), ("STRLEN", "L"), ("GETRANGE", "L", "0", "-1"), ("GETRANGE", "L", "a", "b"),
    ("SUBSTR", "L", "0", "1"), ("SETRANGE", "L", "0", "x"), ("SETRANGE", "L", "0", ""),
    ("SETRANGE", "L", "-1", "x"), ("SETRANGE", "L", "x", "x"), ("INCR", "L"), ("DECR", "L"),
    ("INCRBY", "L", "1"), ("INCRBY", "L", "x"), ("DECRBY", "L", "1"), ("DECRBY", "L", str(LLONG_MIN)),
    ("INCRBYFLOAT", "L", "1"), ("INCRBYFLOAT", "L", "x"), ("TYPE", "L"), ("EXISTS", "L"),
    ("SET", "L", "v"), ("MSET", "L", "v"), ("SETEX", "L", "10", "v"), ("PSETEX", "L", "10000", "v"),
    ("SET", "L", "v", "XX"), ("SET", "L", "v", "KEEPTTL"), ("DEL", "L"), ("LCS", "L", "s"), ("LCS", "s", "L"),
    ("LCS", "nokey", "L", "FOO"), ("LCS", "L", "s", "IDX", "LEN"),
]


@pytest.mark.parametrize("kind", sorted(OTHER_TYPES))
def test_string_commands_on_other_types(diff, kind):
    """Each command against a key of another type, then the key's state, in a fresh pair of keyspaces."""
    for cmd in WRONGTYPE_CASES:
        diff.same("FLUSHALL")
        diff.same(*OTHER_TYPES[kind])
        diff.same("SET", "s", "5")
        diff.same(*cmd)
        diff.same("TYPE", "L")
        diff.same("MGET", "s", "s2", "L")


LCS = [
    ("MSET", "a", "ohmytext", "b", "mynewtext"),
    ("LCS", "a", "b"),
    ("LCS", "b", "a"),
    ("LCS", "a", "b", "LEN"),
    ("LCS", "a", "b", "IDX"),
    ("LCS", "a", "b", "IDX", "WITHMATCHLEN"),
    ("LCS", "a", "b", "IDX", "MINMATCHLEN", "4", "WITHMATCHLEN"),
    ("LCS", "a", "b", "IDX", "MINMATCHLEN", "100"),
    ("LCS", "a", "b", "IDX", "MINMATCHLEN", "-5"),
    ("LCS", "a", "b", "MINMATCHLEN", "2"),
    ("LCS", "a", "b", "WITHMATCHLEN"),
    ("LCS", "a", "b", "len", "withmatchlen"),
    ("LCS", "a", "b", "IDX", "IDX", "MINMATCHLEN", "1", "MINMATCHLEN", "3"),
    ("LCS", "a", "b", "IDX", "LEN"),
    ("LCS", "a", "b", "LEN", "IDX"),
    ("LCS", "a", "b", "FOO"),
    ("LCS", "a", "b", "MINMATCHLEN"),
    ("LCS", "a", "b", "MINMATCHLEN", "x"),
    ("LCS", "a", "b", "MINMATCHLEN", "x", "LEN", "IDX"),
    ("LCS", "a", "b", "LEN", "IDX", "FOO"),
    ("LCS", "a", "a", "IDX", "WITHMATCHLEN"),
    ("LCS", "a", "nokey"),
    ("LCS", "a", "nokey", "IDX"),
    ("LCS", "nokey", "nokey2", "IDX", "WITHMATCHLEN"),
    ("LCS", "nokey", "nokey2", "LEN"),
    ("MSET", "n1", "12345", "n2", "-2345"),
    ("LCS", "n1", "n2", "IDX", "WITHMATCHLEN"),
    ("MSET", "x", "a\x00b\r\n\xff", "y", "\xff\x00\r\nb"),
    ("LCS", "x", "y"),
    ("LCS", "x", "y", "IDX"),
    ("MSET", "p", "abcabcabc", "q", "cbacbacba"),
    ("LCS", "p", "q", "IDX", "WITHMATCHLEN"),
    ("LCS", "q", "p", "IDX", "WITHMATCHLEN"),
]


def test_lcs(diff):
    run_table(diff, LCS)
    diff.k.call("HELLO", "3")
    diff.r.call("HELLO", "3")
    run_table(diff, [("LCS", "a", "b", "IDX", "WITHMATCHLEN"), ("LCS", "nokey", "a", "IDX"), ("LCS", "a", "b")])


def test_lcs_random_strings(diff):
    rng = random.Random(7)
    for _ in range(400):
        alphabet = rng.choice([b"ab", b"abc", b"acgt", bytes(range(256))])
        a = bytes(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        b = bytes(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        diff.same("MSET", "a", a, "b", b)
        opts = rng.choice([(), ("LEN",), ("IDX",), ("IDX", "WITHMATCHLEN"), ("IDX", "MINMATCHLEN", "2"),
                           ("MINMATCHLEN", "3", "IDX", "WITHMATCHLEN")])
        diff.same("LCS", "a", "b", *opts)


def test_lcs_long_strings(diff):
    rng = random.Random(11)
    a = bytes(rng.choice(b"acgt") for _ in range(3000))
    b = bytes(rng.choice(b"acgt") for _ in range(2500))
    diff.same("MSET", "a", a, "b", b, "c", b"x" * 5000, "d", b"x")
    for cmd in (("LCS", "a", "b"), ("LCS", "b", "a", "LEN"), ("LCS", "a", "b", "IDX", "MINMATCHLEN", "5"),
                ("LCS", "a", "b", "IDX", "WITHMATCHLEN"), ("LCS", "c", "d", "IDX"), ("LCS", "d", "c", "IDX"),
                ("LCS", "c", "a"), ("LCS", "a", "c", "IDX", "WITHMATCHLEN")):
        diff.same(*cmd)


def test_lcs_table_size_limit(diff, small_bulk_limit):
    # Redis refuses when its (len(a)+1) * (len(b)+1) table of 4-byte cells exceeds proto-max-bulk-len.
    run_table(diff, [
        ("SET", "p", "x" * 600), ("SET", "q", "y" * 600),
        ("LCS", "p", "q"), ("LCS", "p", "q", "LEN"), ("LCS", "p", "q", "FOO"), ("LCS", "p", "q", "IDX", "LEN"),
        ("SET", "q", "y" * 435), ("LCS", "p", "q", "LEN"),
        ("SET", "q", "y" * 436), ("LCS", "p", "q", "LEN"),
    ])


RESP3 = [
    ("GET", "nokey"), ("SET", "a", "1"), ("SET", "a", "2", "GET"), ("SET", "b", "1", "GET"), ("SET", "b", "1", "NX"),
    ("SET", "c", "1", "XX", "GET"), ("SET", "c", "1", "XX"), ("MGET", "a", "nokey", "b"), ("GETEX", "nokey"),
    ("GETDEL", "nokey"), ("GETSET", "g", "x"), ("INCRBYFLOAT", "f", "1.5"), ("INCRBYFLOAT", "f", "abc"),
    ("GETRANGE", "nokey", "0", "1"), ("STRLEN", "a"), ("MSETNX", "a", "1"), ("SETNX", "a", "1"), ("INCR", "a"),
]


def test_resp3_replies(diff):
    diff.k.call("HELLO", "3")
    diff.r.call("HELLO", "3")
    run_table(diff, RESP3)


def test_command_names_are_case_insensitive(diff):
    run_table(diff, [
        ("set", "k", "1"), ("Set", "k", "2", "nX"), ("gEt", "k"), ("incrBy", "k", "5"), ("GETRANGE", "k", "0", "0"),
        ("mset", "a", "1"), ("mGet", "a", "k"),
    ])
