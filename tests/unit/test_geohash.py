"""Property tests of the compiled geohash helpers (kvs._core.geohash) against plain Python references written
from Redis's definitions: 26-bit cells per axis interleaved into 52 bits (latitude bits even, longitude bits
odd), cells decoded to their centre, neighbours, haversine distance, the text formats, and the distance sort."""
import math

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from kvs._core import geohash
from kvs.commands.t_zset import ZSetValue

LAT_MAX = geohash.LAT_MAX
LAT_MIN = geohash.LAT_MIN
STEP = geohash.STEP_MAX
R = geohash.EARTH_RADIUS
D_R = math.pi / 180.0

lons = st.floats(-180.0, 180.0, allow_nan=False)
lats = st.floats(LAT_MIN, LAT_MAX, allow_nan=False)
# Inside the ranges, off their upper ends (where the cell number would overflow by a bit).
# Inner: below the last cell's top edge by more than rounding, since (lon + 180) / 360 rounds to 1.0 just under
# 180 and lands in the overflowed cell, as in Redis (test_upper_limits_decode_clamped covers those).
inner_lons = st.floats(-180.0, 180.0 - 1e-7, allow_nan=False)
inner_lats = st.floats(LAT_MIN, LAT_MAX - 1e-7, allow_nan=False)
steps = st.integers(1, 26)
any_scores = st.floats(allow_nan=False) | st.integers(0, (1 << 54) - 1).map(float)


def interleave(lat_cell: int, lon_cell: int) -> int:
    bits = 0
    for i in range(32):
        bits |= ((lat_cell >> i) & 1) << (2 * i)
        bits |= ((lon_cell >> i) & 1) << (2 * i + 1)
    return bits


def deinterleave(bits: int):
    lat_cell = lon_cell = 0
    for i in range(32):
        lat_cell |= ((bits >> (2 * i)) & 1) << i
        lon_cell |= ((bits >> (2 * i + 1)) & 1) << i
    return lat_cell, lon_cell


def ref_encode(lon, lat, step, lon_range=(-180.0, 180.0), lat_range=(LAT_MIN, LAT_MAX)):
    lat_off = (lat - lat_range[0]) / (lat_range[1] - lat_range[0]) * float(1 << step)
    lon_off = (lon - lon_range[0]) / (lon_range[1] - lon_range[0]) * float(1 << step)
    return interleave(int(lat_off), int(lon_off))


def ref_decode(bits, step):
    lat_cell, lon_cell = deinterleave(bits)
    cells = float(1 << step)
    lat_scale = LAT_MAX - LAT_MIN
    return (-180.0 + (lon_cell * 1.0 / cells) * 360.0, -180.0 + (((lon_cell + 1) & 0xFFFFFFFF) / cells) * 360.0,
            LAT_MIN + (lat_cell * 1.0 / cells) * lat_scale,
            LAT_MIN + (((lat_cell + 1) & 0xFFFFFFFF) / cells) * lat_scale)


def ref_distance(lon1, lat1, lon2, lat2):
    lon1r, lon2r = lon1 * D_R, lon2 * D_R
    v = math.sin((lon2r - lon1r) / 2)
    if v == 0.0:
        return R * abs(lat2 * D_R - lat1 * D_R)
    lat1r, lat2r = lat1 * D_R, lat2 * D_R
    u = math.sin((lat2r - lat1r) / 2)
    a = u * u + math.cos(lat1r) * math.cos(lat2r) * v * v
    return 2.0 * R * math.asin(math.sqrt(a))


def ref_fixed4(d):
    if d == 0:
        return b"0.0000"
    v = round(d * 10000.0)      # round half to even on the product, like llrint
    sign = b"-" if v < 0 else b""
    v = abs(v)
    return sign + b"%d.%04d" % (v // 10000, v % 10000)


def ref_human(d):
    s = b"%.17f" % d
    if b"." in s:
        s = s.rstrip(b"0").rstrip(b".")
    return b"0" if s == b"-0" else s


# -- encode / decode ------------------------------------------------------------------------------------------
@given(lons, lats, steps)
def test_encode_matches_reference(lon, lat, step):
    assert geohash.encode(lon, lat, step) == ref_encode(lon, lat, step)


@given(lons, lats)
def test_encode_score_is_the_26_bit_cell(lon, lat):
    score = geohash.encode_score(lon, lat)
    assert score == ref_encode(lon, lat, STEP)
    assert score < (1 << 54)


def test_encode_rejects_outside_the_limits():
    for lon, lat in ((180.0000001, 0), (-180.0000001, 0), (0, LAT_MAX + 1e-9), (0, LAT_MIN - 1e-9), (0, 90)):
        assert geohash.encode(lon, lat, 26) is None
    assert geohash.encode(0, 0, 0) is None
    assert geohash.encode(0, 0, 33) is None


def test_upper_limits_overflow_the_cell_number():
    # Exactly on the upper limit the offset is 2^26: one bit beyond the 26, kept as Redis keeps it.
    assert geohash.encode_score(180, LAT_MAX) == (1 << 52) | (1 << 53)
    assert geohash.encode_score(-180, LAT_MIN) == 0


@given(inner_lons, inner_lats, steps)
def test_decode_contains_the_point(lon, lat, step):
    bits = geohash.encode(lon, lat, step)
    lon_min, lon_max, lat_min, lat_max = geohash.decode(bits, step)
    assert (lon_min, lon_max, lat_min, lat_max) == ref_decode(bits, step)
    # The cell bounds are computed in floating point: allow their rounding.
    eps = 1e-9
    assert lon_min - eps <= lon <= lon_max + eps
    assert lat_min - eps <= lat <= lat_max + eps
    assert math.isclose(lon_max - lon_min, 360.0 / (1 << step), abs_tol=1e-12)
    assert math.isclose(lat_max - lat_min, (LAT_MAX - LAT_MIN) / (1 << step), abs_tol=1e-12)


@given(inner_lons, inner_lats)
def test_round_trip_within_half_a_cell(lon, lat):
    dlon, dlat = geohash.score_to_lonlat(float(geohash.encode_score(lon, lat)))
    assert abs(dlon - lon) <= 360.0 / (1 << 27) + 1e-9
    assert abs(dlat - lat) <= (LAT_MAX - LAT_MIN) / (1 << 27) + 1e-9
    # and a decoded position encodes back to its own cell
    assert geohash.encode_score(dlon, dlat) == geohash.encode_score(lon, lat)


def test_upper_limits_decode_clamped():
    # The overflowed cells decode past the limits and are held at them; a 54-bit score also loses its lowest
    # bit as a double (Redis stores the same double).
    assert geohash.score_to_lonlat(float(geohash.encode_score(180, LAT_MAX))) == (180.0, LAT_MAX)
    lon, lat = geohash.score_to_lonlat(float(geohash.encode_score(180, 2.0)))
    assert lon == 180.0 and abs(lat - 2.0) < 3 * (LAT_MAX - LAT_MIN) / (1 << 26)


@given(any_scores)
def test_any_score_decodes_within_the_limits(score):
    lon, lat = geohash.score_to_lonlat(score)
    assert -180.0 <= lon <= 180.0
    assert LAT_MIN <= lat <= LAT_MAX


def test_decode_of_zero_cell_of_step_zero_fails():
    assert geohash.decode(0, 0) is None


# -- neighbours -----------------------------------------------------------------------------------------------
@given(inner_lons, inner_lats, steps)
def test_neighbours_are_adjacent(lon, lat, step):
    bits = geohash.encode(lon, lat, step)
    lat_cell, lon_cell = deinterleave(bits)
    mask = (1 << step) - 1
    n, s, e, w, ne, nw, se, sw = geohash.neighbours(bits, step)
    # Longitude wraps around the antimeridian; latitude wraps too (Redis does not stop at the poles).
    assert deinterleave(e) == (lat_cell, (lon_cell + 1) & mask)
    assert deinterleave(w) == (lat_cell, (lon_cell - 1) & mask)
    assert deinterleave(n) == ((lat_cell + 1) & mask, lon_cell)
    assert deinterleave(s) == ((lat_cell - 1) & mask, lon_cell)
    assert deinterleave(ne) == ((lat_cell + 1) & mask, (lon_cell + 1) & mask)
    assert deinterleave(nw) == ((lat_cell + 1) & mask, (lon_cell - 1) & mask)
    assert deinterleave(se) == ((lat_cell - 1) & mask, (lon_cell + 1) & mask)
    assert deinterleave(sw) == ((lat_cell - 1) & mask, (lon_cell - 1) & mask)
    # A point within rounding of the upper limit lands in the overflowed cell 2^step, which has no neighbours.
    assume(lat_cell <= mask and lon_cell <= mask)
    cell = geohash.decode(bits, step)
    if (lon_cell + 1) & mask:
        assert geohash.decode(e, step)[0] == cell[1]
    if (lat_cell + 1) & mask:
        assert geohash.decode(n, step)[2] == cell[3]


def test_neighbours_wrap_at_the_antimeridian():
    bits = geohash.encode(179.99999, 0, 10)
    east = geohash.neighbours(bits, 10)[2]
    assert geohash.decode(east, 10)[0] == -180.0


# -- distance -------------------------------------------------------------------------------------------------
@given(lons, lats, lons, lats)
def test_distance_matches_haversine_reference(lon1, lat1, lon2, lat2):
    d = geohash.distance(lon1, lat1, lon2, lat2)
    assert d == ref_distance(lon1, lat1, lon2, lat2)
    assert d == geohash.distance(lon2, lat2, lon1, lat1)
    assert 0 <= d <= math.pi * R + 1e-6


@given(lons, lats)
def test_distance_to_itself_is_zero(lon, lat):
    assert geohash.distance(lon, lat, lon, lat) == 0.0


def test_distance_known_values():
    # Along a meridian the haversine reduces to the latitude difference.
    assert geohash.distance(10, 0, 10, 1) == R * abs(1 * D_R - 0 * D_R)
    assert math.isclose(geohash.distance(0, 0, 180, 0), math.pi * R)
    assert math.isclose(geohash.distance(-180, 10, 180, 10), 0.0, abs_tol=1e-6)


# -- steps and cells ------------------------------------------------------------------------------------------
@given(st.floats(0, 1e9), st.floats(0, 1e9), lats)
def test_estimate_steps_is_monotonic(r1, r2, lat):
    a, b = sorted((r1, r2))
    assert 1 <= geohash.estimate_steps(b, lat) <= geohash.estimate_steps(a, lat) <= 26


def test_estimate_steps_known_values():
    assert geohash.estimate_steps(0, 0) == 26
    assert geohash.estimate_steps(1, 0) == 24          # 2^25 m is the first doubling past the Mercator width
    assert geohash.estimate_steps(1000, 0) == 14
    assert geohash.estimate_steps(1000, 70) == 13
    assert geohash.estimate_steps(1000, -81) == 12
    assert geohash.estimate_steps(1e8, 0) == 1
    assert geohash.estimate_steps(float("inf"), 0) == 1


@given(lons, lats, st.floats(0, 2e7), st.sampled_from([0, 1]))
def test_cells_cover_the_search_area(lon, lat, radius, box):
    steps_, cells, bounds = geohash.cells(box, lon, lat, radius, radius * 2, radius, 1.0)
    assert 1 <= steps_ <= 26
    assert cells[0] == (geohash.encode(lon, lat, steps_), steps_)
    for bits, step in cells[1:]:
        assert (bits, step) == (0, 0) or step == steps_
    _, lat_min, _, lat_max = bounds
    assert lat_min <= lat <= lat_max


# -- text -----------------------------------------------------------------------------------------------------
@given(st.floats(0, 1e8, allow_nan=False))
def test_format_distance_matches_reference(d):
    assert geohash.format_distance(d) == ref_fixed4(d)


def test_format_distance_known_values():
    assert geohash.format_distance(0.0) == b"0.0000"
    assert geohash.format_distance(-0.0) == b"0.0000"
    # llrint of the scaled value: halves go to even (where "%.4f" of the exact decimal value would round up)
    assert geohash.format_distance(0.00005) == b"0.0000"     # 0.00005 * 10^4 is exactly 0.5
    assert geohash.format_distance(0.00006) == b"0.0001"
    assert geohash.format_distance(1.5) == b"1.5000"
    assert geohash.format_distance(166274.15156960033) == b"166274.1516"


@given(st.floats(-400, 400, allow_nan=False))
def test_format_coord_matches_reference(d):
    assert geohash.format_coord(d) == ref_human(d)


def test_format_coord_known_values():
    assert geohash.format_coord(180.0) == b"180"
    assert geohash.format_coord(-1e-20) == b"0"
    assert geohash.format_coord(LAT_MAX) == b"85.0511287799999991"
    assert geohash.format_coord(13.361389338970184) == b"13.36138933897018433"


ALPHABET = b"0123456789bcdefghjkmnpqrstuvwxyz"


@given(lons, lats)
def test_geohash_string_matches_reference(lon, lat):
    score = float(geohash.encode_score(lon, lat))
    dlon, dlat = geohash.score_to_lonlat(score)
    bits = ref_encode(dlon, dlat, 26, (-180.0, 180.0), (-90.0, 90.0))
    expect = bytes(ALPHABET[(bits >> (52 - (i + 1) * 5)) & 0x1F] for i in range(10)) + b"0"
    assert geohash.geohash_string(score) == expect


def test_geohash_string_known_values():
    assert geohash.geohash_string(3479099956230698.0) == b"sqc8b49rny0"
    assert geohash.geohash_string(3479447370796909.0) == b"sqdtr74hyu0"


# -- search and sort ------------------------------------------------------------------------------------------
points = st.lists(st.tuples(st.floats(9.9, 10.1), st.floats(9.9, 10.1)), min_size=1, max_size=60)


def zset_of(pts):
    z = ZSetValue()
    for i, (lon, lat) in enumerate(pts):
        z.add(b"p%03d" % i, float(geohash.encode_score(lon, lat)))
    return z


@settings(max_examples=200)
@given(points, st.floats(0, 50000))
def test_search_finds_exactly_the_points_in_range(pts, radius):
    z = zset_of(pts)
    found = geohash.search(z, 0, 10.0, 10.0, radius, 0, 0, 1.0).points()
    names = [m for m, *_ in found]
    assert len(names) == len(set(names))
    inside = set()
    for m, score in zip(*z.items(False, True)):
        lon, lat = geohash.score_to_lonlat(score)
        if geohash.distance(10.0, 10.0, lon, lat) <= radius:
            inside.add(m)
    assert set(names) == inside
    for m, lon, lat, dist, score in found:
        assert (lon, lat) == geohash.score_to_lonlat(score)
        assert dist == geohash.distance(10.0, 10.0, lon, lat)


@settings(max_examples=200)
@given(st.lists(st.sampled_from([(10.0, 10.0), (10.01, 10.0), (10.0, 10.02), (10.03, 10.03)]), min_size=1,
                max_size=80), st.integers(1, 100), st.sampled_from([geohash.SORT_ASC, geohash.SORT_DESC]))
def test_sort_orders_the_first_returned(pts, count, order):
    z = zset_of(pts)
    ga = geohash.search(z, 0, 10.0, 10.0, 100000, 0, 0, 1.0)
    before = ga.points()
    returned = min(count, len(before))
    ga.sort(order, returned)
    after = ga.points()
    assert sorted(after) == sorted(before)
    dists = [d for _, _, _, d, _ in after]
    head = dists[:returned]
    assert head == sorted(head, reverse=order == geohash.SORT_DESC)
    expect = sorted((d for _, _, _, d, _ in before), reverse=order == geohash.SORT_DESC)[:returned]
    assert head == expect
    if returned == len(before):
        # a full sort is stable: ties keep the search order
        stable = sorted(before, key=lambda p: p[3], reverse=order == geohash.SORT_DESC)
        assert after == stable


@given(points)
def test_limit_stops_the_search(pts):
    z = zset_of(pts)
    everything = geohash.search(z, 0, 10.0, 10.0, 100000, 0, 0, 1.0).points()
    for limit in (1, 2, 5):
        some = geohash.search(z, 0, 10.0, 10.0, 100000, 0, 0, 1.0, limit).points()
        assert some == everything[:min(limit, len(everything))]


@given(points, st.floats(0, 30000), st.floats(0, 30000))
def test_box_search(pts, width, height):
    z = zset_of(pts)
    found = {m for m, *_ in geohash.search(z, 1, 10.0, 10.0, 0, width, height, 1.0).points()}
    for m, score in zip(*z.items(False, True)):
        lon, lat = geohash.score_to_lonlat(score)
        lat_d = R * abs(10.0 * D_R - lat * D_R)
        lon_d = geohash.distance(lon, lat, 10.0, lat)
        assume(abs(lat_d - height / 2) > 1e-6 and abs(lon_d - width / 2) > 1e-6)
        assert (m in found) == (lat_d <= height / 2 and lon_d <= width / 2)
