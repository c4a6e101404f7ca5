"""LZF (kvs/_core/lzf.pyx) against python-lzf (liblzf, the library Redis vendors) as an independent oracle, in both
directions, plus the rules Redis applies around it when writing RDB strings."""
import os

import lzf as liblzf
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kvs._core import lzf
from kvs._core.rdbcodec import decode_length, decode_string, encode_string

# Inputs with structure (runs, repeats) as well as noise, so back-references of every length are exercised.
_chunks = st.one_of(
    st.binary(max_size=64),
    st.builds(lambda b, n: b * n, st.binary(min_size=1, max_size=8), st.integers(1, 400)),
    st.builds(lambda n: b"a" * n, st.integers(1, 1000)),
)
compressible = st.lists(_chunks, max_size=12).map(b"".join)


@settings(max_examples=400)
@given(st.one_of(compressible, st.binary(max_size=3000)))
def test_liblzf_decodes_ours(data):
    out = lzf.compress(data)
    if not data:
        assert out is None
        return
    assert out is not None and len(out) <= lzf.max_compressed_size(len(data))
    assert liblzf.decompress(out, len(data)) == data
    assert lzf.decompress(out, len(data)) == data


@settings(max_examples=400)
@given(st.one_of(compressible, st.binary(min_size=1, max_size=3000)))
def test_we_decode_liblzf(data):
    packed = liblzf.compress(data, len(data) + len(data) // 32 + 16)
    assert lzf.decompress(packed, len(data)) == data


def test_known_stream_from_redis():
    # 100 x "a" as redis-server 7.0.15 stored it (reference/rdb.md §6).
    assert lzf.decompress(bytes.fromhex("01616 1e05700016161".replace(" ", "")), 100) == b"a" * 100


def test_bounded_output_gives_none_when_it_does_not_fit():
    data = os.urandom(200)
    assert lzf.compress(data, len(data) - 4) is None
    assert lzf.compress(b"a" * 100, 10) is not None


@pytest.mark.parametrize("stream, ulen", [
    (b"\x05abc", 6),            # literal run longer than the input
    (b"\x00a\x20", 4),          # back-reference missing its offset byte
    (b"\x00a\xe0", 10),         # long back-reference missing its length byte
    (b"\x20\x00", 3),           # back-reference before the start of the output
    (b"\x00a\x20\x00", 2),      # output longer than announced
    (b"\x00a", 2),              # output shorter than announced
])
def test_corrupt_streams_are_refused(stream, ulen):
    with pytest.raises(ValueError):
        lzf.decompress(stream, ulen)


def test_rdb_strings_compress_only_above_20_bytes_and_only_when_it_saves_4():
    assert encode_string(b"a" * 20, True) == b"\x14" + b"a" * 20
    packed = encode_string(b"a" * 21, True)
    assert packed[0] == 0xC3 and decode_string(packed) == (b"a" * 21, len(packed))
    noise = os.urandom(100)
    assert encode_string(noise, True) == b"\x40\x64" + noise     # incompressible: stored raw
    assert encode_string(b"a" * 100, False) == b"\x40\x64" + b"a" * 100


@settings(max_examples=300)
@given(st.one_of(compressible, st.binary(max_size=500)))
def test_rdb_string_round_trip_and_the_4_byte_rule(data):
    enc = encode_string(data, True)
    assert decode_string(enc) == (data, len(enc))
    if enc[:1] == b"\xc3":
        assert len(data) > 20
        body = enc[1:]
        clen, _, pos = decode_length(body)
        ulen, _, pos = decode_length(body, pos)
        assert ulen == len(data) and clen <= len(data) - 4
        assert liblzf.decompress(body[pos:], ulen) == data
