"""Property tests: encode_command -> any chunking -> RequestParser gives the argv back; parsing does not depend on
how input is split; ReplyWriter output read back by hiredis equals what was written (RESP2 and RESP3)."""
import math

import hiredis
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kvs._core.resp import MBULK_BIG_ARG, ProtocolError, ReplyWriter, RequestParser, encode_command

# the recursive reply strategy has a long repr; hypothesis warns when it builds it
pytestmark = pytest.mark.filterwarnings("ignore:Generating overly large repr:hypothesis.errors.HypothesisWarning")

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def drain(p, out):
    try:
        while (cmd := p.next()) is not None:
            out.append(cmd)
    except ProtocolError as e:
        return str(e)
    return None


def split(blob, cuts):
    cuts = sorted(set(c for c in cuts if 0 < c < len(blob)))
    bounds = [0] + cuts + [len(blob)]
    return [blob[a:b] for a, b in zip(bounds, bounds[1:])]


def parse_feed(pieces):
    p = RequestParser()
    cmds = []
    for piece in pieces:
        p.feed(piece)
        err = drain(p, cmds)
        if err is not None:
            return cmds, err
    return cmds, None


def parse_buffered(blob, reads):
    """reads: sizes of successive recv_into() calls (cycled); the transport never exceeds the view it is given."""
    p = RequestParser()
    cmds = []
    mv = memoryview(blob)
    i = 0
    while len(mv):
        buf = p.get_buffer(-1)
        k = min(len(buf), len(mv), reads[i % len(reads)])
        i += 1
        buf[:k] = mv[:k]
        p.buffer_updated(k)
        mv = mv[k:]
        err = drain(p, cmds)
        if err is not None:
            return cmds, err
    return cmds, None


# ---------------------------------------------------------------------------------------------------------------
# request round trips
# ---------------------------------------------------------------------------------------------------------------

tricky = st.sampled_from([b"", b"\r\n", b"\r", b"\n", b"\x00", b"*1\r\n", b"$3\r\n", b"PING\r\n", b'"', b"'"])
big_arg = st.builds(lambda n, b: bytes([b]) * n,
                    st.integers(MBULK_BIG_ARG - 2, MBULK_BIG_ARG + 3000), st.integers(0, 255))
arg = st.one_of(st.binary(max_size=40), tricky, st.binary(min_size=200, max_size=2000))
argv_st = st.lists(arg, min_size=1, max_size=8)
pipeline_st = st.lists(argv_st, min_size=1, max_size=12)
cuts_st = st.lists(st.integers(min_value=0, max_value=1 << 20), max_size=30)


@SETTINGS
@given(pipeline_st, cuts_st)
def test_roundtrip_any_chunking(pipeline, cuts):
    blob = b"".join(encode_command(a) for a in pipeline)
    cuts = [c % (len(blob) + 1) for c in cuts]
    assert parse_feed(split(blob, cuts)) == (pipeline, None)


@SETTINGS
@given(pipeline_st, st.lists(st.integers(1, 5000), min_size=1, max_size=10))
def test_roundtrip_buffered_protocol(pipeline, reads):
    blob = b"".join(encode_command(a) for a in pipeline)
    assert parse_buffered(blob, reads) == (pipeline, None)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(st.one_of(arg, big_arg), min_size=1, max_size=4), min_size=1, max_size=4),
       cuts_st, st.lists(st.integers(1, 100000), min_size=1, max_size=5))
def test_roundtrip_big_arguments(pipeline, cuts, reads):
    blob = b"".join(encode_command(a) for a in pipeline)
    cuts = [c % (len(blob) + 1) for c in cuts]
    assert parse_feed([blob]) == (pipeline, None)
    assert parse_feed(split(blob, cuts)) == (pipeline, None)
    assert parse_buffered(blob, reads) == (pipeline, None)


scalar = st.one_of(st.binary(max_size=30), st.text(max_size=20),
                   st.integers(min_value=-(1 << 70), max_value=1 << 70))


@SETTINGS
@given(st.lists(scalar, min_size=1, max_size=10))
def test_encode_command_types(argv):
    blob = encode_command(argv)
    want = [a if isinstance(a, bytes) else (a.encode() if isinstance(a, str) else str(a).encode()) for a in argv]
    assert parse_feed([blob]) == ([want], None)
    assert blob == hiredis.pack_command(tuple(argv))
    assert encode_command(tuple(argv)) == blob


def test_encode_command_rejects_other_types():
    for bad in (1.5, None, object(), [b"x"]):
        with pytest.raises(TypeError):
            encode_command([b"SET", bad])


# Byte soup made of protocol fragments: whatever it means (commands, waiting, errors), the result must not
# depend on how it is split or delivered.
fragment = st.sampled_from([b"*", b"$", b"\r\n", b"\r", b"\n", b"0", b"1", b"2", b"4", b"-", b"+", b"PING", b"ECHO",
                            b" ", b"\t", b"\x0b", b'"', b"'", b"\\", b"\\x41", b"\x00", b"x", b"*1\r\n", b"$1\r\n",
                            b"*2\r\n$4\r\nECHO\r\n", b"$4\r\nPING\r\n", b"\xff"])
soup_st = st.lists(fragment, max_size=80).map(b"".join)


@settings(max_examples=400, deadline=None)
@given(soup_st, cuts_st, st.lists(st.integers(1, 50), min_size=1, max_size=5))
def test_chunking_invariance(soup, cuts, reads):
    whole = parse_feed([soup])
    cuts = [c % (len(soup) + 1) for c in cuts]
    assert parse_feed(split(soup, cuts)) == whole
    assert parse_feed([soup[i:i + 1] for i in range(len(soup))]) == whole
    assert parse_buffered(soup, reads) == whole if soup else True


# ---------------------------------------------------------------------------------------------------------------
# reply writer read back by hiredis
# ---------------------------------------------------------------------------------------------------------------

line_text = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\r\n"), max_size=20)
key_st = st.binary(max_size=10)

leaf = st.one_of(
    st.tuples(st.just("ok"), st.none()),
    st.tuples(st.just("simple"), line_text),
    st.tuples(st.just("error"), st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=20)
              .map(lambda s: "ERR " + s)),
    st.tuples(st.just("int"), st.integers(min_value=-(1 << 63), max_value=(1 << 63) - 1)),
    st.tuples(st.just("bulk"), st.one_of(st.binary(max_size=50), st.text(max_size=10))),
    st.tuples(st.just("null"), st.none()),
    st.tuples(st.just("null_array"), st.none()),
    st.tuples(st.just("double"), st.floats(allow_nan=True, allow_infinity=True)),
    st.tuples(st.just("bool"), st.booleans()),
    st.tuples(st.just("verbatim"), st.one_of(st.binary(max_size=30), st.text(max_size=10))),
    st.tuples(st.just("bulks"), st.lists(st.one_of(st.none(), st.binary(max_size=10)), max_size=6)),
)
tree = st.recursive(leaf, lambda kids: st.one_of(
    st.tuples(st.just("array"), st.lists(kids, max_size=5)),
    st.tuples(st.just("set"), st.lists(kids, max_size=5)),
    st.tuples(st.just("map"), st.lists(st.tuples(key_st, kids), max_size=4, unique_by=lambda kv: kv[0])),
), max_leaves=25)
top = st.one_of(tree, st.tuples(st.just("push"), st.lists(tree, max_size=4)))


def write(w, v):
    kind, x = v
    if kind == "ok":
        w.ok()
    elif kind == "simple":
        w.simple(x)
    elif kind == "error":
        w.error(x)
    elif kind == "int":
        w.integer(x)
    elif kind == "bulk":
        w.bulk(x)
    elif kind == "null":
        w.null()
    elif kind == "null_array":
        w.null_array()
    elif kind == "double":
        w.double(x)
    elif kind == "bool":
        w.boolean(x)
    elif kind == "verbatim":
        w.verbatim(x)
    elif kind == "bulks":
        w.bulks(x)
    elif kind in ("array", "set", "push"):
        getattr(w, kind)(len(x))
        for item in x:
            write(w, item)
    elif kind == "map":
        w.map(len(x))
        for k, item in x:
            w.bulk(k)
            write(w, item)
    else:
        raise AssertionError(kind)


def c_g17(d):
    # C's "%.17g": as Python's, except that NaN carries its sign
    if math.isnan(d):
        return "-nan" if math.copysign(1.0, d) < 0 else "nan"
    return "%.17g" % d


def expected(v, resp):
    kind, x = v
    if kind == "ok":
        return b"OK"
    if kind == "simple":
        return x.encode()
    if kind == "error":
        return ("error", x.replace("\r", " ").replace("\n", " "))
    if kind == "int":
        return x
    if kind in ("bulk", "verbatim"):
        return x.encode() if isinstance(x, str) else x
    if kind in ("null", "null_array"):
        return None
    if kind == "double":
        if resp == 3:
            return "nan" if math.isnan(x) else x
        return {math.inf: b"inf", -math.inf: b"-inf"}.get(x) or c_g17(x).encode()
    if kind == "bool":
        return x if resp == 3 else int(x)
    if kind == "bulks":
        return list(x)
    if kind in ("array", "set", "push"):
        return [expected(i, resp) for i in x]
    if kind == "map":
        if resp == 3:
            return {k: expected(i, resp) for k, i in x}
        out = []
        for k, i in x:
            out += [k, expected(i, resp)]
        return out
    raise AssertionError(kind)


def norm(r):
    if isinstance(r, hiredis.ReplyError):
        return ("error", str(r))
    if isinstance(r, float) and math.isnan(r):
        return "nan"
    if isinstance(r, list):
        return [norm(i) for i in r]
    if isinstance(r, dict):
        return {k: norm(i) for k, i in r.items()}
    return r


# hiredis's gets() returns False for "no complete reply yet" by default, which is also how RESP3 `#f` reads:
# ask it for a sentinel of our own instead.
NOT_ENOUGH = object()


def read_all(blob):
    reader = hiredis.Reader(notEnoughData=NOT_ENOUGH)
    reader.feed(blob)
    out = []
    while (r := reader.gets()) is not NOT_ENOUGH:
        out.append(norm(r))
    return out


@settings(max_examples=300, deadline=None)
@given(st.lists(top, min_size=1, max_size=5), st.sampled_from([2, 3]))
def test_writer_read_back_by_hiredis(values, resp):
    w = ReplyWriter()
    w.resp = resp
    for v in values:
        write(w, v)
    n = len(w)
    blob = w.take()
    assert len(blob) == n and len(w) == 0
    assert read_all(blob) == [expected(v, resp) for v in values]
    # every strict prefix is "not enough data" for the last reply, never a misparse
    reader = hiredis.Reader(notEnoughData=NOT_ENOUGH)
    reader.feed(blob[:-1])
    got = []
    while (r := reader.gets()) is not NOT_ENOUGH:
        got.append(norm(r))
    assert got == [expected(v, resp) for v in values][:len(values) - 1]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["bulk", "int", "simple"]), st.integers(0, 200000)), max_size=8))
def test_writer_take_boundaries(items):
    # sizes around the copy/hand-over threshold of take(), interleaved with takes
    w = ReplyWriter()
    stream = b""
    want = []
    for kind, n in items:
        if kind == "bulk":
            w.bulk(b"z" * n)
            want.append(b"z" * n)
        elif kind == "int":
            w.integer(n)
            want.append(n)
        else:
            w.simple("s" * (n % 100))
            want.append(b"s" * (n % 100))
        if n % 3 == 0:
            stream += w.take()
    stream += w.take()
    assert read_all(stream) == want
