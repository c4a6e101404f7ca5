"""CRC-64/Jones (kvs/_core/crc64.pyx) against its known answer and crcmod as an independent oracle."""
import os

import crcmod
from hypothesis import given, settings
from hypothesis import strategies as st

from kvs._core.crc64 import crc64

# Redis's CRC-64: Jones polynomial, reflected in and out, register starting at 0, no final xor.
ORACLE = crcmod.mkCrcFun(0x1AD93D23594C935A9, initCrc=0, rev=True, xorOut=0)


def test_known_answer():
    assert crc64(b"123456789") == 0xE9C6D914C4B8D9CA


def test_empty_input_keeps_the_running_value():
    assert crc64(b"") == 0
    assert crc64(b"", 12345) == 12345


def test_trailer_of_a_redis_7_0_15_file():
    # The 185-byte body of reference/rdb.md §17 ends in this CRC (written by redis-server 7.0.15).
    body = bytes.fromhex(
        "524544495330303130fa0972656469732d76657206372e302e3135fa0a72656469732d62697473c040fa056374696d65"
        "c2641c026bfa08757365642d6d656dc288d90f00fa08616f662d62617365c000fe00fb070112016c01020c0c00000002"
        "0081610207 01ff1001680d0d000000020081660281760 2fffc00d8c32cbb030000000165017800017305686"
        "56c6c6f00016ec1d20411017a0f0f00000002 00816d028331 2e3504ff0b0169 0c020000000200000001000200ff"
        .replace(" ", ""))
    assert len(body) == 185
    assert crc64(body) == 0x0E8DBAAFB320E42E


@settings(max_examples=300)
@given(st.binary(max_size=4096))
def test_matches_crcmod(data):
    assert crc64(data) == ORACLE(data)


@settings(max_examples=200)
@given(st.binary(max_size=2048), st.integers(min_value=0, max_value=2048))
def test_continuation_equals_one_pass(data, cut):
    cut = min(cut, len(data))
    assert crc64(data[cut:], crc64(data[:cut])) == crc64(data)


@settings(max_examples=100)
@given(st.binary(min_size=1, max_size=600), st.integers(min_value=0, max_value=15))
def test_unaligned_views(data, skip):
    # The slice-by-16 loop aligns itself; every start offset must give the same answer as the oracle.
    view = memoryview(bytearray(b"\0" * skip + data))[skip:]
    assert crc64(view) == ORACLE(data)


def test_large_buffer_matches_oracle():
    data = os.urandom(1 << 20)
    assert crc64(data) == ORACLE(data)
