"""The RDB codec (kvs/_core/rdbcodec.pyx) and its API (kvs/persistence/rdb.py) in process: primitive encodings
with known answers from redis-server 7.0.15 files (../shared/reference/rdb.md), the blob containers, every value
type through write -> load, the loading rules (expiry, duplicates, swap on success), DUMP/RESTORE footers, the
check() report, and robustness: truncated, bit-flipped and random files are refused with RdbError, never a crash
or a hang. Interop with the real redis-server is in tests/integration/test_rdb_interop.py."""
import io
import random
import struct
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kvs import commands  # noqa: F401  (registers the command table)
from kvs._core import rdbcodec
from kvs._core.crc64 import crc64
from kvs._core.rdbcodec import (decode_double_string, decode_length, decode_string, encode_double_string,
                                encode_length, encode_string, intset_decode, intset_encode, listpack_decode,
                                listpack_encode, ziplist_decode, ziplist_encode, zipmap_decode, zipmap_encode)
from kvs.client import FAKE
from kvs.commands.t_hash import HashValue
from kvs.commands.t_list import ListValue
from kvs.commands.t_set import SetValue
from kvs.commands.t_stream import StreamValue
from kvs.commands.t_zset import ZSetValue
from kvs.config import Config
from kvs.persistence import rdb
from kvs.persistence.rdb import RdbError
from kvs.server import Server

FAR_FUTURE_MS = 4102444800000     # 2100-01-01


# -- helpers shared with tests/integration/test_rdb_interop.py -------------------------------------------------
class Kvs:
    """An in-process kvs server driven by commands through a fake client."""

    def __init__(self, config=None):
        self.server = Server(config or Config())
        self.client = self.server.create_client(kind=FAKE)

    def __call__(self, *args):
        argv = [a if isinstance(a, bytes) else str(a).encode() for a in args]
        self.server.execute(self.client, argv)
        return self.client.w.take()

    def run(self, cmds):
        for cmd in cmds:
            reply = self(*cmd)
            assert not reply.startswith(b"-"), (cmd, reply)


def canon_value(v, config=None):
    """A comparable form of a kvs value, encoding included."""
    t = type(v)
    if t is bytes or t is bytearray:
        return ("string", bytes(v))
    if isinstance(v, ListValue):
        return ("list", list(v))
    if isinstance(v, HashValue):
        return ("hash", dict(v.fields), v.encoding(config))
    if isinstance(v, SetValue):
        return ("set", frozenset(v.members), v.encoding(config))
    if isinstance(v, ZSetValue):
        return ("zset", tuple(zip(*v.items())), v.encoding())
    if isinstance(v, StreamValue):
        nodes = [(list(n.ids), list(n.items), bytes(n.dead), n.live, n.ndel, tuple(n.fields), n.lp_bytes())
                 for n in v.nodes]
        groups = {}
        for name, g in (v.groups or {}).items():
            pel = {xid: (n.delivery_time, n.delivery_count, n.consumer.name if n.consumer else None)
                   for xid, n in g.pel.map.items()}
            cons = {cn: (c.seen_time, sorted(c.pel.map)) for cn, c in g.consumers.items()}
            groups[name] = (g.last_id, g.entries_read, pel, cons)
        return ("stream", nodes, list(v.starts), v.length, v.last_id, v.first_id, v.max_deleted, v.entries_added,
                groups)
    raise TypeError(t)


def canon_server(server):
    out = {}
    for db in server.dbs:
        for k, v in db.keys.items():
            out[(db.id, k)] = (canon_value(v, server.config), db.expires.get(k))
    return out


def rich_commands(scale=1):
    """Commands building a dataset with every type and encoding Redis 7.0 has, in several databases, with TTLs.
    Deterministic (explicit stream IDs), so the same commands can run on kvs and on redis-server."""
    rnd = random.Random(1234)
    c = []
    # Strings: raw, integer-looking (INT8/16/32, beyond int32, non-canonical), binary, empty, LZF-able, grown.
    c += [("SET", "s:plain", "hello"), ("SET", "s:int8", "-128"), ("SET", "s:int16", "1234"),
          ("SET", "s:int32", "-2147483648"), ("SET", "s:beyond", "12345678901"), ("SET", "s:lead0", "0123"),
          ("SET", "s:minus0", "-0"), ("SET", "s:plus", "+1"), ("SET", "s:empty", ""),
          ("SET", "s:bin", bytes(range(256))), ("SET", "s:long", "a" * 100), ("SET", "s:lzf", "abcd" * 2000),
          ("SET", "s:max", "9223372036854775807"), ("SET", "123", "integer key"), ("SET", "-7", "negative key"),
          ("APPEND", "s:grown", "grown by append"), ("SETRANGE", "s:range", 3, "x"),
          ("SET", "s:random", bytes(rnd.randrange(256) for _ in range(300)))]
    c += [("PFADD", "hll", *[f"e{i}" for i in range(50 * scale)]), ("SETBIT", "bits", 10000, 1)]
    # Lists: small, several nodes, integers, a single element bigger than a node, empty strings.
    c += [("RPUSH", "l:small", "a", "7", "-1", "x" * 70, "")]
    c += [("RPUSH", "l:nodes", *[rnd.choice(["v" * rnd.randrange(0, 300), str(rnd.randrange(-10 ** 15, 10 ** 15))])
                                 for _ in range(600 * scale)])]
    c += [("LPUSH", "l:ints", *range(1000 * scale)), ("RPUSH", "l:fat", "a", "b" * 9000, "c", "d" * 20000)]
    # Hashes: listpack (with integer fields/values), hashtable by value length and by count.
    c += [("HSET", "h:small", "f", "v", "12", "-5", "empty", "", "big", "99999999999")]
    c += [("HSET", "h:longval", "f", "v" * 65), ("HSET", "h:longfield", "f" * 65, "v")]
    c += [("HSET", "h:many", *[x for i in range(600 * scale) for x in (f"field{i}", f"value{i}")])]
    # Sets: 16/32/64-bit intsets, too many integers, strings.
    c += [("SADD", "set:i16", 1, 2, 3, -5), ("SADD", "set:i32", 1, 100000, -100000),
          ("SADD", "set:i64", 1, 2 ** 40, -(2 ** 62)), ("SADD", "set:manyints", *range(600 * scale)),
          ("SADD", "set:str", "a", "b", "c", "1"), ("SADD", "set:one", "x")]
    # Sorted sets: listpack with special scores, skiplist by count and by member length.
    c += [("ZADD", "z:small", "0", "zero", "-0", "negzero", "1.5", "x", "inf", "top", "-inf", "bottom",
           "1e17", "big", "4611686018427387904", "edge", "4611686018427387905", "over", "0.1", "tenth",
           "-3", "12", "1e-300", "tiny")]
    c += [("ZADD", "z:many", *[x for i in range(200 * scale) for x in (str(rnd.uniform(-1e6, 1e6)), f"m{i}")])]
    c += [("ZADD", "z:longmember", "1", "m" * 65, "2", "n")]
    c += [("ZADD", "z:skipspecial", "inf", "a", "-inf", "b", "0", "c", "3.25", "d" * 100)]
    # Streams: several nodes, own fields, tombstones, trimming, groups with pending entries and consumers.
    c += [("CONFIG", "SET", "stream-node-max-entries", "10")]
    for i in range(1, 60 * scale):
        if i % 7 == 0:
            c.append(("XADD", "x:main", f"{1000 + i}-{i}", "other", str(i), "extra", "y" * (i % 30)))
        else:
            c.append(("XADD", "x:main", f"{1000 + i}-{i}", "field", str(i), "name", f"n{i}"))
    c += [("XDEL", "x:main", "1003-3", "1020-20"), ("XTRIM", "x:main", "MAXLEN", 50 * scale)]
    c += [("XGROUP", "CREATE", "x:main", "g1", "0"), ("XGROUP", "CREATE", "x:main", "g2", "$"),
          ("XGROUP", "CREATE", "x:main", "g3", "1030-30", "ENTRIESREAD", "5"),
          ("XREADGROUP", "GROUP", "g1", "alice", "COUNT", "4", "STREAMS", "x:main", ">"),
          ("XREADGROUP", "GROUP", "g1", "bob", "COUNT", "3", "STREAMS", "x:main", ">"),
          ("XACK", "x:main", "g1", "1012-12"), ("XGROUP", "CREATECONSUMER", "x:main", "g2", "idle"),
          ("XCLAIM", "x:main", "g1", "carol", "0", "1013-13", "RETRYCOUNT", "7")]
    c += [("XADD", "x:empty", "5-5", "a", "1"), ("XDEL", "x:empty", "5-5"),
          ("XGROUP", "CREATE", "x:mk", "grp", "$", "MKSTREAM"),
          ("XADD", "x:setid", "7-1", "a", "1"), ("XADD", "x:setid", "7-2", "a", "2"), ("XDEL", "x:setid", "7-2"),
          ("XSETID", "x:setid", "9-0", "ENTRIESADDED", "10", "MAXDELETEDID", "8-0")]
    # TTLs.
    c += [("SET", "ttl:s", "v", "PXAT", FAR_FUTURE_MS), ("PEXPIREAT", "l:small", FAR_FUTURE_MS + 1),
          ("PEXPIREAT", "h:small", FAR_FUTURE_MS + 2), ("PEXPIREAT", "x:main", FAR_FUTURE_MS + 3)]
    # Other databases.
    c += [("SELECT", 1), ("SET", "db1:key", "one"), ("RPUSH", "db1:list", "a"), ("SELECT", 15),
          ("HSET", "db15:h", "a", "b"), ("SET", "db15:ttl", "x", "PXAT", FAR_FUTURE_MS), ("SELECT", 0)]
    return c


def rich_kvs():
    k = Kvs()
    k.run(rich_commands())
    return k


def write_bytes(server, **kw):
    buf = io.BytesIO()
    kw.setdefault("compression", True)
    kw.setdefault("checksum", True)
    kw.setdefault("aux", {"ctime": 1795300452, "used-mem": 1038728})
    n = rdb.write(server, buf, **kw)
    data = buf.getvalue()
    assert n == len(data)
    return data


def rdb_file(records, version=10, checksum=True):
    """An RDB image from raw records (for files Redis 7.0 no longer writes)."""
    body = b"REDIS%04d" % version + b"".join(records) + b"\xff"
    if version >= 5:
        body += struct.pack("<Q", crc64(body) if checksum else 0)
    return body


def key_record(t, key, payload, expire_ms=None):
    rec = b""
    if expire_ms is not None:
        rec += b"\xfc" + struct.pack("<q", expire_ms)
    return rec + bytes([t]) + encode_string(key) + payload


def parse(data, **kw):
    ctx = rdbcodec.LoadCtx()
    ctx.ndbs = 16
    for name, value in kw.items():
        setattr(ctx, name, value)
    rdbcodec.parse_rdb(data, ctx)
    return ctx


# -- lengths, strings, doubles ----------------------------------------------------------------------------------
@pytest.mark.parametrize("n, enc", [
    (0, "00"), (63, "3f"), (64, "4040"), (16383, "7fff"), (16384, "8000004000"),
    (2 ** 32 - 1, "80ffffffff"), (2 ** 32, "810000000100000000"), (2 ** 64 - 1, "81ffffffffffffffff"),
])
def test_length_encoding(n, enc):
    assert encode_length(n).hex() == enc
    assert decode_length(bytes.fromhex(enc)) == (n, False, len(enc) // 2)


def test_length_decoding_accepts_non_minimal_forms_and_flags_encodings():
    assert decode_length(b"\x80\x00\x00\x00\x05") == (5, False, 5)
    assert decode_length(b"\x81" + (7).to_bytes(8, "big")) == (7, False, 9)
    assert decode_length(b"\xc3") == (3, True, 1)
    with pytest.raises(RdbError):
        decode_length(b"\x82")
    with pytest.raises(RdbError):
        decode_length(b"\x80\x00")


@pytest.mark.parametrize("s, enc", [
    (b"123", "c07b"), (b"-128", "c080"), (b"127", "c07f"), (b"128", "c18000"), (b"-32768", "c10080"),
    (b"32768", "c200800000"), (b"1234567890", "c2d2029649"), (b"-2147483648", "c200000080"),
    (b"2147483648", "0a32313437343833363438"), (b"12345678901", "0b3132333435363738393031"),
    (b"0123", "0430313233"), (b"-0", "022d30"), (b"+1", "022b31"), (b"0", "c000"), (b"", "00"),
    (b" 1", "022031"),
])
def test_integer_string_encodings(s, enc):
    assert encode_string(s).hex() == enc
    assert decode_string(bytes.fromhex(enc)) == (s, len(enc) // 2)


@settings(max_examples=300)
@given(st.one_of(st.integers(-(2 ** 63), 2 ** 63 - 1).map(lambda i: str(i).encode()), st.binary(max_size=80)))
def test_string_round_trip(s):
    for compress in (False, True):
        enc = encode_string(s, compress)
        assert decode_string(enc + b"tail") == (s, len(enc))


def test_unknown_string_encoding_is_refused():
    with pytest.raises(RdbError, match="Unknown RDB string encoding type 4"):
        decode_string(b"\xc4")
    with pytest.raises(RdbError, match="Invalid LZF"):
        decode_string(b"\xc3\x02\x05\x00a")
    with pytest.raises(RdbError, match="Invalid LZF"):      # claims more than LZF can expand to
        decode_string(b"\xc3\x02\x80\x10\x00\x00\x00\x00a")


@pytest.mark.parametrize("d, enc", [
    (float("nan"), "fd"), (float("inf"), "fe"), (float("-inf"), "ff"), (0.0, "0130"), (-3.0, "022d33"),
    (1.5, "03312e35"), (0.1, "13302e3130303030303030303030303030303031"),
])
def test_legacy_string_doubles(d, enc):
    assert encode_double_string(d).hex() == enc
    got, pos = decode_double_string(bytes.fromhex(enc))
    assert pos == len(enc) // 2
    assert (got != got) if d != d else got == d


# -- containers -------------------------------------------------------------------------------------------------
def test_listpack_known_bytes():
    # From redis-server 7.0.15 (reference/rdb.md §17): RPUSH l a 7; HSET h f v.
    assert listpack_encode([b"a", b"7"]).hex() == "0c000000020081610207 01ff".replace(" ", "")
    assert listpack_encode([b"f", b"v"]).hex() == "0d000000020081660281760 2ff".replace(" ", "")
    assert listpack_decode(bytes.fromhex("0c00000002008161020701ff")) == [b"a", 7]
    # 13-bit integer 300 with its backlen.
    assert listpack_encode([300])[6:9] == b"\xc1\x2c\x02"


@pytest.mark.parametrize("v, first, size", [
    (0, 0x00, 1), (127, 0x7F, 1), (128, 0xC0, 2), (-1, 0xDF, 2), (-4096, 0xD0, 2), (4095, 0xCF, 2),
    (4096, 0xF1, 3), (-32768, 0xF1, 3), (32768, 0xF2, 4), (-8388608, 0xF2, 4), (8388608, 0xF3, 5),
    (-(2 ** 31), 0xF3, 5), (2 ** 31, 0xF4, 9), (2 ** 63 - 1, 0xF4, 9), (-(2 ** 63), 0xF4, 9),
])
def test_listpack_integer_forms(v, first, size):
    lp = listpack_encode([v])
    assert lp[6] == first and len(lp) == 6 + size + 1 + 1
    assert listpack_decode(lp) == [v]
    assert listpack_decode(listpack_encode([str(v).encode()])) == [v]


@pytest.mark.parametrize("n, hdr", [(0, 1), (63, 1), (64, 2), (4095, 2), (4096, 5), (70000, 5)])
def test_listpack_string_forms_and_backlens(n, hdr):
    s = b"x" * n
    lp = listpack_encode([s, b"after"])
    enc = hdr + n
    backlen = 1 if enc <= 127 else 2 if enc < 16383 else 3
    assert len(lp) == 6 + enc + backlen + 1 + 5 + 1 + 1
    assert listpack_decode(lp) == [s, b"after"]


@settings(max_examples=200)
@given(st.lists(st.one_of(st.binary(max_size=300), st.integers(-(2 ** 63), 2 ** 63 - 1),
                          st.integers(-(2 ** 63), 2 ** 63 - 1).map(lambda i: str(i).encode())), max_size=60))
def test_listpack_round_trip(items):
    lp = listpack_encode(items)
    expect = [int(x) if isinstance(x, bytes) and _canonical_int(x) else x for x in items]
    assert listpack_decode(lp) == expect
    assert sum(rdbcodec.listpack_entry_size(x if isinstance(x, bytes) else str(x).encode()) for x in items) \
        == len(lp) - 7


def _canonical_int(b: bytes) -> bool:
    try:
        return str(int(b)).encode() == b and -(2 ** 63) <= int(b) < 2 ** 63
    except ValueError:
        return False


@pytest.mark.parametrize("blob", [
    bytes.fromhex("0c00000002008161020701"),            # no terminator
    bytes.fromhex("0d00000002008161020701ff"),          # total bytes wrong
    bytes.fromhex("0c00000003008161020701ff"),          # count wrong
    bytes.fromhex("0c00000002008161030701ff"),          # backlen wrong
    bytes.fromhex("0c0000000200f561020701ff"),          # unused encoding byte
    bytes.fromhex("0c00000002008561020701ff"),          # string runs past the end
    bytes.fromhex("07000000000000"),                    # terminator missing
])
def test_corrupt_listpacks_are_refused(blob):
    with pytest.raises(RdbError):
        listpack_decode(blob)


@settings(max_examples=200)
@given(st.lists(st.one_of(st.binary(max_size=400), st.integers(-(2 ** 63), 2 ** 63 - 1)), max_size=50))
def test_ziplist_round_trip(items):
    zl = ziplist_encode(items)
    expect = [str(x).encode() if isinstance(x, int) else x for x in items]
    assert ziplist_decode(zl) == expect


def test_ziplist_entry_forms():
    # Immediate 0..12, int8, int16, int24, int32, int64, then strings with 6/14/32-bit lengths; 254-byte entries
    # make the next prevlen take 5 bytes.
    items = [b"0", b"12", b"13", b"-128", b"1000", b"8000000", b"2000000000", b"9000000000000", b"a" * 63,
             b"b" * 64, b"c" * 300, b"d" * 16384, b"tail"]
    zl = ziplist_encode(items)
    assert ziplist_decode(zl) == items
    assert zl[10:12] == b"\x00\xf1"       # prevlen 0, immediate 0


def test_corrupt_ziplist_is_refused():
    zl = bytearray(ziplist_encode([b"a", b"bb"]))
    zl[4] += 1                             # tail offset
    with pytest.raises(RdbError):
        ziplist_decode(bytes(zl))
    zl = bytearray(ziplist_encode([b"a", b"bb"]))
    zl[13] = 7                             # second entry's prevlen
    with pytest.raises(RdbError):
        ziplist_decode(bytes(zl))


def test_intset_known_bytes_and_widths():
    assert intset_encode([2, 1]).hex() == "020000000200000001000200"     # reference/rdb.md §10.3
    assert intset_encode([1, 70000])[:4] == b"\x04\x00\x00\x00"
    assert intset_encode([1, -(2 ** 40)])[:4] == b"\x08\x00\x00\x00"
    assert intset_decode(intset_encode([5, -3, 2 ** 63 - 1])) == [-3, 5, 2 ** 63 - 1]


@pytest.mark.parametrize("blob", [
    bytes.fromhex("020000000200000002000100"),     # not ascending
    bytes.fromhex("020000000200000001000100"),     # duplicate
    bytes.fromhex("0200000000000000"),             # empty
    bytes.fromhex("03000000010000000100"),         # bad width
    bytes.fromhex("020000000300000001000200"),     # count beyond the blob
])
def test_corrupt_intsets_are_refused(blob):
    with pytest.raises(RdbError):
        intset_decode(blob)


def test_zipmap_round_trip_and_big_lengths():
    pairs = [(b"f", b"v"), (b"", b""), (b"k" * 300, b"v" * 254), (b"n", b"1")]
    assert zipmap_decode(zipmap_encode(pairs)) == pairs
    # A zipmap with free bytes after a value (Redis left them after in-place updates).
    zm = b"\x01\x01f\x01\x02vxx\xff"
    assert zipmap_decode(zm) == [(b"f", b"v")]
    with pytest.raises(RdbError):
        zipmap_decode(b"\x02\x01f\x01\x00v\xff")      # count says 2


# -- values -----------------------------------------------------------------------------------------------------
def _roundtrip(value, limits=None):
    t, payload = rdbcodec.encode_value(value, compression=True, limits=limits)
    return t, rdbcodec.decode_value(t, payload, limits=limits)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(st.binary(max_size=40), st.integers(-(2 ** 63), 2 ** 63 - 1).map(lambda i: b"%d" % i),
                          st.binary(min_size=300, max_size=3000)), min_size=1, max_size=300))
def test_lists_round_trip(items):
    t, back = _roundtrip(ListValue(items))
    assert t == rdbcodec.TYPE_LIST_QUICKLIST_2
    assert list(back) == items and type(back) is ListValue


def test_lists_are_walked_without_references():
    # The snapshot child serializes deques block by block (a new reference per element would copy its page).
    assert rdbcodec.borrowed_walks()


@given(st.integers(0, 200), st.integers(0, 200), st.integers(1, 300))
def test_lists_with_a_moved_head_round_trip(pops, pushes, n):
    # Heads that sit anywhere in a block and lists that span several blocks.
    lst = ListValue(b"%d" % i for i in range(n))
    for _ in range(min(pops, n - 1)):
        lst.popleft()
    for i in range(pushes):
        lst.appendleft(b"L%d" % i)
    expected = list(lst)
    t, back = _roundtrip(lst)
    assert list(back) == expected


@settings(max_examples=150)
@given(st.dictionaries(st.binary(max_size=70), st.binary(max_size=70), min_size=1, max_size=40),
       st.sampled_from([None, False, True]))
def test_hashes_round_trip(fields, big):
    h = HashValue(fields, big)
    t, back = _roundtrip(h)
    assert back.fields == fields and list(back.fields) == list(fields)
    assert t == (rdbcodec.TYPE_HASH if h.encoding() == "hashtable" else rdbcodec.TYPE_HASH_LISTPACK)
    # Redis re-decides on load: a plain hash by count and lengths, a listpack only by its entry count (long values
    # stay listpack-encoded until the next write).
    long_entry = any(len(f) > 64 or len(v) > 64 for f, v in fields.items())
    expect_big = len(fields) > 512 or (t == rdbcodec.TYPE_HASH and long_entry)
    assert back.encoding() == ("hashtable" if expect_big else "listpack")


@settings(max_examples=150)
@given(st.one_of(st.sets(st.integers(-(2 ** 63), 2 ** 63 - 1).map(lambda i: b"%d" % i), min_size=1, max_size=700),
                 st.sets(st.binary(max_size=20), min_size=1, max_size=50)))
def test_sets_round_trip(members):
    s = SetValue(members)
    t, back = _roundtrip(s)
    assert set(back.members) == members and all(back.index[m] == i for i, m in enumerate(back.members))
    assert back.encoding() == s.encoding()
    assert t == (rdbcodec.TYPE_SET_INTSET if s.encoding() == "intset" else rdbcodec.TYPE_SET)


_scores = st.one_of(st.floats(allow_nan=False), st.integers(-(2 ** 53), 2 ** 53).map(float),
                    st.sampled_from([0.0, -0.0, 2.0 ** 62, -(2.0 ** 62), 2.0 ** 62 + 2 ** 11, 1e17, 0.1]))


@settings(max_examples=150)
@given(st.dictionaries(st.binary(max_size=70), _scores, min_size=1, max_size=200))
def test_zsets_round_trip(pairs):
    z = ZSetValue.from_pairs(pairs.items())
    t, back = _roundtrip(z)
    assert back.encoding() == z.encoding()
    assert t == (rdbcodec.TYPE_ZSET_LISTPACK if z.encoding() == "listpack" else rdbcodec.TYPE_ZSET_2)
    assert back.items() == z.items()
    assert back.dict == z.dict


def test_encodings_follow_the_configured_thresholds():
    limits = dict(rdbcodec.DEFAULT_LIMITS, **{"hash-max-listpack-entries": 2, "zset-max-listpack-entries": 2,
                                              "set-max-intset-entries": 2})
    h = HashValue({b"a": b"1", b"b": b"2", b"c": b"3"}, False)       # written as listpack ...
    assert _roundtrip(h, limits)[1].encoding() == "hashtable"        # ... loaded as hashtable: 3 > 2
    s = SetValue([b"1", b"2", b"3"], False)
    assert _roundtrip(s, limits)[1].encoding() == "hashtable"
    z = ZSetValue.from_pairs([(b"a", 1.0), (b"b", 2.0), (b"c", 3.0)])
    assert z.encoding() == "listpack"
    assert _roundtrip(z, limits)[1].encoding() == "skiplist"


# -- whole files ------------------------------------------------------------------------------------------------
def test_rich_dataset_round_trip():
    k = rich_kvs()
    data = write_bytes(k.server)
    fresh = Kvs()
    stats = rdb.load(fresh.server, data)
    assert stats.keys_loaded == sum(len(db.keys) for db in k.server.dbs)
    assert stats.checksum_ok is True and stats.version == 10 and stats.keys_expired == 0
    assert canon_server(fresh.server) == canon_server(k.server)
    # And the loaded copy writes the very same file.
    assert write_bytes(fresh.server) == data


def test_header_aux_and_layout_match_redis():
    k = Kvs()
    k.run([("SET", "s", "hello"), ("SET", "n", "1234"), ("RPUSH", "l", "a", "7"), ("SADD", "i", "1", "2"),
           ("HSET", "h", "f", "v"), ("ZADD", "z", "1.5", "m"), ("SET", "e", "x", "PXAT", FAR_FUTURE_MS)])
    data = write_bytes(k.server)
    # The same 185 + 8 bytes as redis-server 7.0.15's file for these commands (reference/rdb.md §17), except
    # that keys come in kvs's dict order: compare the parts.
    assert data.startswith(bytes.fromhex(
        "524544495330303130fa0972656469732d76657206372e302e3135fa0a72656469732d62697473c040fa056374696d65c2641c"
        "026bfa08757365642d6d656dc288d90f00fa08616f662d62617365c000fe00fb0701"))
    assert len(data) == 193
    for record in ("0001730568656c6c6f", "00016ec1d204", "12016c01020c0c00000002008161020701ff",
                   "0b0169 0c020000000200000001000200", "1001680d0d000000020081660281760 2ff",
                   "11017a0f0f00000002 00816d028331 2e3504ff", "fc00d8c32cbb03000000016501 78"):
        assert bytes.fromhex(record.replace(" ", "")) in data
    assert data[-9] == 0xFF and struct.unpack("<Q", data[-8:])[0] == crc64(data[:-8])


def test_checksum_disabled_writes_zeros_and_loads():
    k = rich_kvs()
    data = write_bytes(k.server, checksum=False)
    assert data[-8:] == b"\0" * 8
    stats = rdb.load(Kvs().server, data)
    assert stats.checksum_ok is None


def test_uncompressed_file_is_larger_but_equal():
    k = rich_kvs()
    a, b = write_bytes(k.server, compression=True), write_bytes(k.server, compression=False)
    assert len(b) > len(a)
    ka, kb = Kvs(), Kvs()
    rdb.load(ka.server, a)
    rdb.load(kb.server, b)
    assert canon_server(ka.server) == canon_server(kb.server)


def test_checksum_mismatch_is_refused_with_redis_message_and_keyspace_untouched():
    k = rich_kvs()
    data = bytearray(write_bytes(k.server))
    data[-1] ^= 0xFF
    target = Kvs()
    target("SET", "before", "1")
    with pytest.raises(RdbError, match=r"Wrong RDB checksum expected: \([0-9a-f]+\) but got \([0-9a-f]+\)") as e:
        rdb.load(target.server, bytes(data))
    assert e.value.kind == "checksum"
    assert set(target.server.dbs[0].keys) == {b"before"}
    # rdbchecksum no skips the verification.
    rdb.load(target.server, bytes(data), verify_checksum=False)


def test_version_magic_and_limits():
    with pytest.raises(RdbError, match="Wrong signature"):
        parse(b"RADIS0010\xff" + b"\0" * 8)
    with pytest.raises(RdbError, match="Can't handle RDB format version 13"):
        parse(rdb_file([], version=13))
    with pytest.raises(RdbError, match="Can't handle RDB format version 0"):
        parse(b"REDISxxxx\xff")
    for v in (1, 4, 9, 10, 11, 12):
        assert parse(rdb_file([key_record(0, b"k", encode_string(b"v"))], version=v)).keys_loaded == 1
    too_many = rdb_file([b"\xfe" + encode_length(16), key_record(0, b"k", encode_string(b"v"))])
    with pytest.raises(RdbError, match="more than 16 databases"):
        parse(too_many)


def test_unknown_type_and_opcode_are_refused_with_offset():
    data = rdb_file([key_record(0, b"a", encode_string(b"v")), b"\x08\x01k\x01v"])
    with pytest.raises(RdbError, match="Unknown RDB encoding type 8") as e:
        parse(data)
    assert e.value.offset == 9 + 5
    with pytest.raises(RdbError, match="Unknown RDB encoding type 200"):
        parse(rdb_file([b"\xc8\x01k\x01v"]))
    with pytest.raises(RdbError, match="field expiration"):
        parse(rdb_file([b"\x18\x01k" + b"\0" * 8 + b"\x00"], version=12))


def test_expired_keys_are_dropped_unless_replica():
    k = Kvs()
    k.run([("SET", "live", "1"), ("SET", "dead", "2"), ("RPUSH", "deadlist", "x")])
    now = int(time.time() * 1000)
    k.server.dbs[0].expires[b"dead"] = now - 1000
    k.server.dbs[0].expires[b"deadlist"] = now - 1
    data = write_bytes(k.server)
    master = Kvs()
    stats = rdb.load(master.server, data)
    assert (stats.keys_loaded, stats.keys_expired) == (1, 2)
    assert set(master.server.dbs[0].keys) == {b"live"}
    replica = Kvs()
    replica.server.is_replica = True
    stats = rdb.load(replica.server, data)
    assert (stats.keys_loaded, stats.keys_expired) == (3, 0)
    assert replica.server.dbs[0].expires[b"dead"] == now - 1000


def test_load_replaces_everything_and_merge_overlays():
    src = Kvs()
    src.run([("SET", "a", "new"), ("SET", "b", "2", "PXAT", FAR_FUTURE_MS), ("SELECT", 2), ("SET", "c", "3")])
    data = write_bytes(src.server)
    dst = Kvs()
    dst.run([("SET", "a", "old", "PXAT", FAR_FUTURE_MS), ("SET", "z", "only here"), ("SELECT", 5), ("SET", "q", 1)])
    rdb.load(dst.server, data)
    assert set(dst.server.dbs[0].keys) == {b"a", b"b"} and not dst.server.dbs[5].keys
    assert dst.server.dbs[0].keys[b"a"] == b"new" and b"a" not in dst.server.dbs[0].expires
    dst2 = Kvs()
    dst2.run([("SET", "a", "old", "PXAT", FAR_FUTURE_MS), ("SET", "z", "kept"), ("SELECT", 5), ("SET", "q", 1)])
    rdb.load(dst2.server, data, merge=True)
    db0 = dst2.server.dbs[0]
    assert db0.keys == {b"a": b"new", b"z": b"kept", b"b": b"2"}
    assert b"a" not in db0.expires and db0.expires[b"b"] == FAR_FUTURE_MS
    assert dst2.server.dbs[5].keys == {b"q": b"1"} and dst2.server.dbs[2].keys == {b"c": b"3"}


def test_duplicate_keys_and_empty_collections():
    dup = rdb_file([key_record(0, b"k", encode_string(b"1")), key_record(0, b"k", encode_string(b"2"))])
    with pytest.raises(RdbError, match="Duplicated key found in RDB file"):
        rdb.load(Kvs().server, dup)
    k = Kvs()
    rdb.load(k.server, dup, merge=True)
    assert k.server.dbs[0].keys == {b"k": b"2"}
    empty = rdb_file([key_record(2, b"emptyset", encode_length(0)), key_record(18, b"emptylist", encode_length(0)),
                      key_record(0, b"k", encode_string(b"v"))])
    stats = rdb.load(k.server, empty)
    assert stats.empty_keys_skipped == 2 and stats.keys_loaded == 1


def test_lru_and_lfu_records():
    cfg = Config()
    k = Kvs(cfg)
    k.run([("CONFIG", "SET", "maxmemory-policy", "allkeys-lru"), ("SET", "a", "1"), ("SET", "b", "2")])
    k.server.dbs[0].access[b"a"] = k.server.lru_clock - 30
    data = lru_file = write_bytes(k.server)
    assert b"\xf8\x1e\x00\x01a" in data                 # IDLE 30 s before key a
    back = Kvs()
    back("CONFIG", "SET", "maxmemory-policy", "allkeys-lru")
    rdb.load(back.server, data)
    assert back.server.lru_clock - back.server.dbs[0].access[b"a"] in (30, 31)
    k("CONFIG", "SET", "maxmemory-policy", "allkeys-lfu")
    k.server.dbs[0].access[b"a"] = ((k.server.lru_clock // 60) & 65535) << 8 | 77
    data = write_bytes(k.server)
    assert b"\xf9\x4d\x00\x01a" in data                 # FREQ 77
    back("CONFIG", "SET", "maxmemory-policy", "allkeys-lfu")
    back.server.apply_lfu_config()
    rdb.load(back.server, data)
    assert back.server.dbs[0].access[b"a"] & 255 == 77
    rdb.load(back.server, lru_file)                    # no FREQ records: LFU_INIT_VAL, like a new value
    assert back.server.dbs[0].access[b"b"] & 255 == 5


def test_progress_and_key_delay():
    k = Kvs()
    for i in range(3000):
        k.server.dbs[0].keys[b"k%d" % i] = b"v"
    seen = []
    rdb.write(k.server, io.BytesIO(), compression=True, checksum=True, aux={}, progress=seen.append)
    assert seen == [1024, 2048]
    data = write_bytes(k.server)
    loaded = []
    rdb.load(Kvs().server, data, progress=lambda done, total: loaded.append((done, total)))
    assert len(loaded) >= 2 and loaded[-1] == (len(data), len(data))
    t = time.perf_counter()
    small = Kvs()
    small.run([("SET", "a", 1), ("SET", "b", 2)])
    rdb.write(small.server, io.BytesIO(), compression=True, checksum=True, aux={}, key_delay_us=20000)
    assert time.perf_counter() - t >= 0.04


def test_aux_fields_order_and_values():
    items = rdb.aux_fields({"repl-id": "a" * 40, "repl-offset": 5, "repl-stream-db": 0, "aof-base": 1,
                            "ctime": 10, "used-mem": 20, "%custom": b"x"})
    assert [n for n, _ in items] == ["redis-ver", "redis-bits", "ctime", "used-mem", "repl-stream-db", "repl-id",
                                     "repl-offset", "%custom", "aof-base"]
    data = write_bytes(Kvs().server, aux={"repl-id": "b" * 40, "repl-offset": 99, "repl-stream-db": 3})
    stats = rdb.load(Kvs().server, data)
    assert stats.aux["repl-id"] == b"b" * 40 and stats.aux["repl-offset"] == b"99"
    assert stats.aux["repl-stream-db"] == b"3" and stats.aux["aof-base"] == b"0"


def test_function_libraries_are_read():
    code = b"#!lua name=mylib\nredis.register_function('f', function() return 1 end)"
    data = rdb_file([b"\xf5" + encode_string(code),
                     b"\xf6" + encode_string(b"old") + encode_string(b"LUA") + b"\x00" + encode_string(b"return 1")])
    stats = rdb.load(Kvs().server, data)
    assert stats.functions == [code, b"#!LUA name=old\nreturn 1"]
    buf = io.BytesIO()
    rdb.write(Kvs().server, buf, compression=True, checksum=True, aux={}, functions=[code])
    assert rdb.load(Kvs().server, buf.getvalue()).functions == [code]


# -- DUMP / RESTORE ---------------------------------------------------------------------------------------------
def test_dump_payload_footer_and_restore():
    p = rdb.dump_payload(b"hello")
    assert p[:7] == b"\x00\x05hello" and p[7:9] == b"\x0a\x00"
    assert struct.unpack("<Q", p[9:])[0] == crc64(p[:9])
    assert rdb.restore_payload(p) == b"hello"
    k = rich_kvs()
    for key, value in k.server.dbs[0].keys.items():
        back = rdb.restore_payload(rdb.dump_payload(value, config=k.server.config), config=k.server.config)
        assert canon_value(back) == canon_value(value), key


def test_restore_refuses_bad_footers_and_bodies():
    p = bytearray(rdb.dump_payload(b"hello"))
    newer = bytearray(p)
    newer[7] = 11
    newer[9:] = struct.pack("<Q", crc64(bytes(newer[:9])))
    with pytest.raises(RdbError) as e:
        rdb.restore_payload(bytes(newer))
    assert e.value.kind == "version"
    p[3] ^= 1
    with pytest.raises(RdbError) as e:
        rdb.restore_payload(bytes(p))
    assert e.value.kind == "checksum"
    for body in (b"\x00\x09abc", b"\x02\x00", b"\x63", b"\x07\x01"):
        bad = body + b"\x0a\x00"
        bad += struct.pack("<Q", crc64(bad))
        with pytest.raises(RdbError) as e:
            rdb.restore_payload(bad)
        assert e.value.kind in ("format", "eof")
    with pytest.raises(RdbError):
        rdb.restore_payload(b"short")


# -- check() ------------------------------------------------------------------------------------------------------
def test_check_report(tmp_path):
    k = rich_kvs()
    path = tmp_path / "dump.rdb"
    path.write_bytes(write_bytes(k.server))
    rep = rdb.check(str(path))
    assert rep["ok"] and rep["error"] is None and rep["checksum"] == "ok" and rep["version"] == 10
    assert rep["keys"] == sum(len(db.keys) for db in k.server.dbs)
    assert rep["expires"] == sum(len(db.expires) for db in k.server.dbs) and rep["already_expired"] == 0
    assert rep["events"][0] == (27, "AUX FIELD redis-ver = '7.0.15'")
    assert (82, "Selecting DB ID 0") in rep["events"] and rep["events"][-1] == (rep["size"], "Checksum OK")
    assert rep["types"]["stream-v2"] == 4 and rep["types"]["quicklist-v2"] == 5
    path.write_bytes(write_bytes(k.server)[:300])
    rep = rdb.check(str(path))
    assert not rep["ok"] and rep["error"]["reason"] == "Unexpected EOF reading RDB file"
    assert rep["error"]["doing"] == "read-object-value" and rep["error"]["key"] is not None
    assert rep["error"]["type_name"] in rdbcodec.TYPE_NAMES.values()
    path.write_bytes(write_bytes(k.server, checksum=False))
    assert rdb.check(str(path))["checksum"] == "disabled"
    assert not rdb.check(str(tmp_path / "missing.rdb"))["ok"]


# -- robustness -----------------------------------------------------------------------------------------------------
def _fix_crc(data: bytes) -> bytes:
    return data[:-8] + struct.pack("<Q", crc64(data[:-8]))


@pytest.fixture(scope="module")
def rich_file():
    return write_bytes(rich_kvs().server)


def test_every_truncation_is_refused(rich_file):
    for n in range(0, len(rich_file), 7):
        with pytest.raises(RdbError):
            parse(rich_file[:n])


def _mutate(data: bytes, rnd: random.Random) -> bytes:
    d = bytearray(data)
    for _ in range(rnd.choice([1, 1, 2, 3, 8])):
        pos = rnd.randrange(9, len(d) - 9)
        if rnd.random() < 0.6:
            d[pos] ^= 1 << rnd.randrange(8)
        else:
            d[pos] = rnd.randrange(256)
    return bytes(d)


def test_bit_flips_are_refused_or_parsed_never_crash(rich_file):
    rnd = random.Random(99)
    refused = 0
    for _ in range(3000):
        mutated = _mutate(rich_file, rnd)
        for candidate in (mutated, _fix_crc(mutated)):
            try:
                parse(candidate)
            except RdbError:
                refused += 1
    assert refused >= 3000            # without a fixed CRC every mutation must be refused


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
def test_random_bodies_are_refused_cleanly(body):
    for data in (b"REDIS0010" + body, _fix_crc(b"REDIS0010" + body + b"\xff" + b"\0" * 8),
                 b"REDIS0010" + body + b"\xff" + b"\0" * 8):
        try:
            parse(data)
        except RdbError:
            pass


def test_failed_load_leaves_the_keyspace_alone(rich_file):
    target = rich_kvs()
    before = canon_server(target.server)
    rnd = random.Random(5)
    for _ in range(100):
        try:
            rdb.load(target.server, _mutate(rich_file, rnd))
        except RdbError:
            assert canon_server(target.server) == before
        else:
            before = canon_server(target.server)


def test_files_load_from_a_path_and_bad_ones_close_cleanly(tmp_path, rich_file):
    path = tmp_path / "dump.rdb"
    path.write_bytes(rich_file)
    k = Kvs()
    assert rdb.load(k.server, str(path)).keys_loaded > 40
    path.write_bytes(rich_file[:len(rich_file) // 2])
    with pytest.raises(RdbError, match="Unexpected EOF"):
        rdb.load(k.server, str(path))
    path.write_bytes(b"")
    with pytest.raises(RdbError):
        rdb.load(k.server, path)
    with pytest.raises(FileNotFoundError):
        rdb.load(k.server, str(tmp_path / "nothing.rdb"))


def test_big_values_go_through_the_buffer_in_pieces():
    k = Kvs()
    big_random = bytes(random.Random(1).getrandbits(8) for _ in range(300_000)) * 20     # 6 MB, compressible
    k.server.dbs[0].keys[b"big"] = big_random
    k.server.dbs[0].keys[b"raw"] = bytearray(b"x" * 5_000_000)
    k.server.dbs[0].keys[b"list"] = ListValue([b"y" * 3_000_000, b"z"])
    for compression in (True, False):
        data = write_bytes(k.server, compression=compression)
        back = Kvs()
        rdb.load(back.server, data)
        assert canon_server(back.server) == canon_server(k.server)


def test_plain_quicklist_nodes_load():
    node = encode_length(2) + encode_string(listpack_encode([b"a", b"b"]))
    plain = encode_length(1) + encode_string(b"a plain element")
    data = rdb_file([key_record(18, b"l", encode_length(3) + node + plain + node)])
    k = Kvs()
    rdb.load(k.server, data)
    assert list(k.server.dbs[0].keys[b"l"]) == [b"a", b"b", b"a plain element", b"a", b"b"]
    for bad in (encode_length(3) + encode_string(b"x"), encode_length(2) + encode_string(b"")):
        with pytest.raises(RdbError, match="Quicklist integrity"):
            parse(rdb_file([key_record(18, b"l", encode_length(1) + bad)]))


def test_mutated_dump_payloads_are_refused_or_restored():
    k = rich_kvs()
    payloads = [rdb.dump_payload(v) for v in k.server.dbs[0].keys.values()]
    rnd = random.Random(17)
    for _ in range(5000):
        d = bytearray(rnd.choice(payloads))
        for _ in range(rnd.choice([1, 2, 5])):
            pos = rnd.randrange(0, len(d) - 10)
            d[pos] = rnd.randrange(256) if rnd.random() < 0.5 else d[pos] ^ (1 << rnd.randrange(8))
        d = bytes(d[:-8]) + struct.pack("<Q", crc64(bytes(d[:-8])))
        try:
            rdb.restore_payload(d, deep_sanitize=rnd.random() < 0.5)
        except RdbError:
            pass


def test_loaded_collections_are_left_out_of_the_cyclic_gc():
    import gc
    k = rich_kvs()
    back = Kvs()
    rdb.load(back.server, write_bytes(k.server))
    values = back.server.dbs[0].keys
    for key in (b"l:nodes", b"h:small", b"h:many", b"set:i16", b"set:str", b"z:small", b"z:many"):
        assert not gc.is_tracked(values[key]), key
    assert gc.is_tracked(values[b"x:main"])          # streams hold reference cycles (consumers <-> pending)
    # Still ordinary values: written to, they behave and are freed by reference counting.
    back.run([("RPUSH", "l:nodes", "more"), ("HSET", "h:small", "new", "1"), ("SADD", "set:str", "z"),
              ("ZADD", "z:small", "5", "five"), ("DEL", "h:many")])
    assert back("LLEN", "l:nodes") == b":601\r\n" and back("ZSCORE", "z:small", "five") == b"$1\r\n5\r\n"
