# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""Geohashing for the GEO commands, with the same floating point operations as Redis (geohash.c,
geohash_helper.c, geo.c), so that scores, coordinates, distances and search results are identical.

A position is a 52-bit integer score: the latitude over [-85.05112878, 85.05112878] and the longitude over
[-180, 180] are each cut into 2^26 steps, and the two 26-bit cell numbers are interleaved (latitude bits in the
even positions, longitude bits in the odd ones). A score decodes to the centre of its cell.

A search (GEOSEARCH, GEORADIUS ...) picks a cell size from the radius, takes the cell holding the centre and its
eight neighbours (dropping those the bounding box of the shape does not reach), and walks each cell's score range
in the sorted set, keeping the points inside the shape. The result order without ASC/DESC is that walk's order.
Sorting by distance is a stable sort (glibc's qsort is a merge sort) when every result is returned and Redis's
partial quicksort (pqsort.c) when COUNT cuts the results short: ties between equal distances come out as they do
in Redis either way.
"""
from cpython.bytes cimport PyBytes_FromStringAndSize, PyBytes_AS_STRING, PyBytes_GET_SIZE
from cpython.float cimport PyFloat_FromDouble
from cpython.list cimport PyList_Append
from cpython.mem cimport PyMem_Malloc, PyMem_Realloc, PyMem_Free
from libc.math cimport sin, cos, asin, sqrt, fabs, isinf, isnan, M_PI
from libc.stdint cimport uint64_t, uint32_t, int64_t
from libc.stdio cimport snprintf
from libc.string cimport memcpy

from kvs._core.resp cimport ReplyWriter
from kvs._core.zskiplist cimport ZSet, zsl_node

cdef extern from "math.h":
    long long llrint(double x) nogil

cdef extern from *:
    """
    #define GEO_EVEN_BITS 0x5555555555555555ULL
    #define GEO_ODD_BITS 0xaaaaaaaaaaaaaaaaULL
    """
    const uint64_t GEO_EVEN_BITS
    const uint64_t GEO_ODD_BITS

# The limits of EPSG:900913 / Web Mercator: the poles cannot be indexed.
LONG_MIN = -180.0
LONG_MAX = 180.0
LAT_MIN = -85.05112878
LAT_MAX = 85.05112878
STEP_MAX = 26
EARTH_RADIUS = 6372797.560856

cdef double C_LONG_MIN = -180.0
cdef double C_LONG_MAX = 180.0
cdef double C_LAT_MIN = -85.05112878
cdef double C_LAT_MAX = 85.05112878
cdef double C_EARTH_RADIUS = 6372797.560856
cdef double MERCATOR_MAX = 20037726.37
cdef double D_R = M_PI / 180.0
cdef double TWO_63 = 9223372036854775808.0

CIRCLE = 0
BOX = 1
SORT_NONE = 0
SORT_ASC = 1
SORT_DESC = 2

cdef char *GEOALPHABET = b"0123456789bcdefghjkmnpqrstuvwxyz"


cdef struct Area:
    double lon_min
    double lon_max
    double lat_min
    double lat_max


cdef struct Shape:
    int box                 # 0: circle of `radius`, 1: box of width x height
    double lon
    double lat
    double conversion       # meters per unit
    double radius
    double width
    double height
    double bounds[4]        # lon min, lat min, lon max, lat max


cdef struct Cells:
    # The centre cell and its neighbours in Redis's scan order: centre, N, S, E, W, NE, NW, SE, SW. A neighbour
    # that was ruled out has bits 0 and step 0.
    uint64_t bits[9]
    int step[9]
    int steps
    Area area


cdef struct GeoPoint:
    double lon
    double lat
    double dist
    double score
    Py_ssize_t idx          # index of the member in GeoArray.members


# -- bits ---------------------------------------------------------------------------------------------------------
cdef inline uint64_t _spread(uint32_t v) noexcept nogil:
    """The 32 bits of v into the even bit positions of a 64-bit word."""
    cdef uint64_t x = v
    x = (x | (x << 16)) & 0x0000FFFF0000FFFFULL
    x = (x | (x << 8)) & 0x00FF00FF00FF00FFULL
    x = (x | (x << 4)) & 0x0F0F0F0F0F0F0F0FULL
    x = (x | (x << 2)) & 0x3333333333333333ULL
    x = (x | (x << 1)) & 0x5555555555555555ULL
    return x


cdef inline uint32_t _squash(uint64_t x) noexcept nogil:
    """The even bits of x gathered into 32 bits (the inverse of _spread)."""
    x &= 0x5555555555555555ULL
    x = (x | (x >> 1)) & 0x3333333333333333ULL
    x = (x | (x >> 2)) & 0x0F0F0F0F0F0F0F0FULL
    x = (x | (x >> 4)) & 0x00FF00FF00FF00FFULL
    x = (x | (x >> 8)) & 0x0000FFFF0000FFFFULL
    x = (x | (x >> 16)) & 0x00000000FFFFFFFFULL
    return <uint32_t>x


cdef inline uint64_t _score_bits(double score) noexcept nogil:
    """(uint64_t)score as gcc compiles it on x86-64 (scores that are not geohashes included: GEOPOS of any zset)."""
    if score >= TWO_63:
        return (<uint64_t><int64_t>(score - TWO_63)) ^ (<uint64_t>1 << 63)
    return <uint64_t><int64_t>score


cdef inline uint64_t _align52(uint64_t bits, int step) noexcept nogil:
    return bits << (52 - step * 2)


# -- encode / decode ----------------------------------------------------------------------------------------------
cdef bint _encode(double lon_min, double lon_max, double lat_min, double lat_max, double lon, double lat, int step,
                  uint64_t *bits) noexcept nogil:
    """The step-bit cell of (lon, lat) over the given ranges; false when outside them or the Mercator limits.
    A coordinate exactly on the upper limit gives cell 2^step, one bit more than the step: Redis keeps it."""
    cdef double lat_offset, lon_offset
    if step > 32 or step == 0:
        return False
    if lon > C_LONG_MAX or lon < C_LONG_MIN or lat > C_LAT_MAX or lat < C_LAT_MIN:
        return False
    bits[0] = 0
    if lat < lat_min or lat > lat_max or lon < lon_min or lon > lon_max:
        return False
    lat_offset = (lat - lat_min) / (lat_max - lat_min)
    lon_offset = (lon - lon_min) / (lon_max - lon_min)
    lat_offset *= <double>(1ULL << step)
    lon_offset *= <double>(1ULL << step)
    bits[0] = _spread(<uint32_t>lat_offset) | (_spread(<uint32_t>lon_offset) << 1)
    return True


cdef inline bint _encode_wgs84(double lon, double lat, int step, uint64_t *bits) noexcept nogil:
    return _encode(C_LONG_MIN, C_LONG_MAX, C_LAT_MIN, C_LAT_MAX, lon, lat, step, bits)


cdef bint _decode(double lon_min, double lon_max, double lat_min, double lat_max, uint64_t bits, int step,
                  Area *area) noexcept nogil:
    """The cell `bits` (of `step` bits per axis) as a lon/lat rectangle."""
    cdef uint32_t ilat, ilon
    cdef double lat_scale = lat_max - lat_min
    cdef double lon_scale = lon_max - lon_min
    cdef double cells = <double>(1ULL << step)
    if bits == 0 and step == 0:
        return False
    ilat = _squash(bits)
    ilon = _squash(bits >> 1)
    area.lat_min = lat_min + (ilat * 1.0 / cells) * lat_scale
    area.lat_max = lat_min + (<uint32_t>(ilat + 1) * 1.0 / cells) * lat_scale
    area.lon_min = lon_min + (ilon * 1.0 / cells) * lon_scale
    area.lon_max = lon_min + (<uint32_t>(ilon + 1) * 1.0 / cells) * lon_scale
    return True


cdef inline bint _decode_wgs84(uint64_t bits, int step, Area *area) noexcept nogil:
    return _decode(C_LONG_MIN, C_LONG_MAX, C_LAT_MIN, C_LAT_MAX, bits, step, area)


cdef inline void _score_to_lonlat(double score, double *lon, double *lat) noexcept nogil:
    """The centre of the cell of a 52-bit score, held within the Mercator limits (an overflowed cell would
    otherwise decode outside them)."""
    cdef Area a
    _decode_wgs84(_score_bits(score), 26, &a)
    lon[0] = (a.lon_min + a.lon_max) / 2
    if lon[0] > C_LONG_MAX:
        lon[0] = C_LONG_MAX
    if lon[0] < C_LONG_MIN:
        lon[0] = C_LONG_MIN
    lat[0] = (a.lat_min + a.lat_max) / 2
    if lat[0] > C_LAT_MAX:
        lat[0] = C_LAT_MAX
    if lat[0] < C_LAT_MIN:
        lat[0] = C_LAT_MIN


cdef inline uint64_t _move(uint64_t bits, int step, int d, uint64_t moving, uint64_t fixed) noexcept nogil:
    """One cell up (d > 0) or down along the axis whose interleaved bits are `moving`, wrapping around; the
    other axis (`fixed`) stays. The other axis's bits are set in the carry mask so the add/subtract ripples
    through them."""
    cdef uint64_t v = bits & moving
    cdef uint64_t zz = fixed >> (64 - step * 2)
    if d > 0:
        v = v + (zz + 1)
    else:
        v = v | zz
        v = v - (zz + 1)
    v &= moving >> (64 - step * 2)
    return v | (bits & fixed)


cdef inline uint64_t _move_x(uint64_t bits, int step, int d) noexcept nogil:
    """One cell east (d > 0) or west, wrapping around the antimeridian."""
    return _move(bits, step, d, GEO_ODD_BITS, GEO_EVEN_BITS)


cdef inline uint64_t _move_y(uint64_t bits, int step, int d) noexcept nogil:
    """One cell north (d > 0) or south."""
    return _move(bits, step, d, GEO_EVEN_BITS, GEO_ODD_BITS)


cdef void _neighbours(uint64_t bits, int step, uint64_t *out) noexcept nogil:
    """out[0..7]: N, S, E, W, NE, NW, SE, SW."""
    out[0] = _move_y(bits, step, 1)
    out[1] = _move_y(bits, step, -1)
    out[2] = _move_x(bits, step, 1)
    out[3] = _move_x(bits, step, -1)
    out[4] = _move_y(_move_x(bits, step, 1), step, 1)
    out[5] = _move_y(_move_x(bits, step, -1), step, 1)
    out[6] = _move_y(_move_x(bits, step, 1), step, -1)
    out[7] = _move_y(_move_x(bits, step, -1), step, -1)


# -- distances ----------------------------------------------------------------------------------------------------
cdef inline double _deg_rad(double ang) noexcept nogil:
    return ang * D_R


cdef inline double _rad_deg(double ang) noexcept nogil:
    return ang / D_R


cdef inline double _lat_distance(double lat1, double lat2) noexcept nogil:
    """Along a meridian the haversine reduces to the latitude difference."""
    return C_EARTH_RADIUS * fabs(_deg_rad(lat2) - _deg_rad(lat1))


cdef double _distance(double lon1, double lat1, double lon2, double lat2) noexcept nogil:
    """Haversine great-circle distance in meters."""
    cdef double lat1r, lon1r, lat2r, lon2r, u, v, a
    lon1r = _deg_rad(lon1)
    lon2r = _deg_rad(lon2)
    v = sin((lon2r - lon1r) / 2)
    if v == 0.0:
        return _lat_distance(lat1, lat2)
    lat1r = _deg_rad(lat1)
    lat2r = _deg_rad(lat2)
    u = sin((lat2r - lat1r) / 2)
    a = u * u + cos(lat1r) * cos(lat2r) * v * v
    return 2.0 * C_EARTH_RADIUS * asin(sqrt(a))


cdef inline bint _within(Shape *s, double score, double *lon, double *lat, double *dist) noexcept nogil:
    """Decode a score and tell whether the point lies in the shape; dist gets its distance to the centre."""
    _score_to_lonlat(score, lon, lat)
    if not s.box:
        dist[0] = _distance(s.lon, s.lat, lon[0], lat[0])
        return dist[0] <= s.radius * s.conversion
    # Latitude first: it is the cheaper test.
    if _lat_distance(lat[0], s.lat) > s.height * s.conversion / 2:
        return False
    if _distance(lon[0], lat[0], s.lon, lat[0]) > s.width * s.conversion / 2:
        return False
    dist[0] = _distance(s.lon, s.lat, lon[0], lat[0])
    return True


# -- the cells to search ------------------------------------------------------------------------------------------
cdef int _estimate_steps(double range_meters, double lat) noexcept nogil:
    """Bits per axis of cells about the size of the range (coarser towards the poles)."""
    cdef int step = 1
    if range_meters == 0:
        return 26
    while range_meters < MERCATOR_MAX:
        range_meters *= 2
        step += 1
    step -= 2
    if lat > 66 or lat < -66:
        step -= 1
        if lat > 80 or lat < -80:
            step -= 1
    if step < 1:
        step = 1
    if step > 26:
        step = 26
    return step


cdef void _bounding_box(Shape *s) noexcept nogil:
    """The lon/lat box around the shape. Meridians converge, so the box is as wide as the shape's edge nearer the
    pole (the top one in the northern hemisphere, the bottom one in the southern)."""
    cdef double height = s.conversion * (s.height / 2 if s.box else s.radius)
    cdef double width = s.conversion * (s.width / 2 if s.box else s.radius)
    cdef double lat_delta = _rad_deg(height / C_EARTH_RADIUS)
    cdef double lon_delta_top = _rad_deg(width / C_EARTH_RADIUS / cos(_deg_rad(s.lat + lat_delta)))
    cdef double lon_delta_bottom = _rad_deg(width / C_EARTH_RADIUS / cos(_deg_rad(s.lat - lat_delta)))
    cdef bint southern = s.lat < 0
    s.bounds[0] = s.lon - lon_delta_bottom if southern else s.lon - lon_delta_top
    s.bounds[2] = s.lon + lon_delta_bottom if southern else s.lon + lon_delta_top
    s.bounds[1] = s.lat - lat_delta
    s.bounds[3] = s.lat + lat_delta


cdef void _cells_at(Shape *s, int steps, Cells *c) noexcept nogil:
    cdef uint64_t hash = 0
    cdef uint64_t nb[8]
    cdef int i
    _encode_wgs84(s.lon, s.lat, steps, &hash)
    _neighbours(hash, steps, nb)
    _decode_wgs84(hash, steps, &c.area)
    c.steps = steps
    c.bits[0] = hash
    c.step[0] = steps
    for i in range(8):
        c.bits[i + 1] = nb[i]
        c.step[i + 1] = steps


cdef inline void _zero(Cells *c, int i) noexcept nogil:
    c.bits[i] = 0
    c.step[i] = 0


cdef void _cells(Shape *s, Cells *c) noexcept nogil:
    """The centre cell and the neighbours worth searching (geohashCalculateAreasByShapeWGS84)."""
    cdef double radius_meters
    cdef int steps
    cdef Area north, south, east, west
    cdef bint decrease = False
    north.lat_max = south.lat_min = east.lon_max = west.lon_min = 0
    _bounding_box(s)
    if s.box:
        radius_meters = sqrt((s.width / 2) * (s.width / 2) + (s.height / 2) * (s.height / 2))
    else:
        radius_meters = s.radius
    radius_meters *= s.conversion
    steps = _estimate_steps(radius_meters, s.lat)
    _cells_at(s, steps, c)
    # Near a cell's edge the estimated cells may be too small for the neighbours to cover the box.
    _decode_wgs84(c.bits[1], c.step[1], &north)
    _decode_wgs84(c.bits[2], c.step[2], &south)
    _decode_wgs84(c.bits[3], c.step[3], &east)
    _decode_wgs84(c.bits[4], c.step[4], &west)
    if north.lat_max < s.bounds[3]:
        decrease = True
    if south.lat_min > s.bounds[1]:
        decrease = True
    if east.lon_max < s.bounds[2]:
        decrease = True
    if west.lon_min > s.bounds[0]:
        decrease = True
    if steps > 1 and decrease:
        steps -= 1
        _cells_at(s, steps, c)
    # Neighbours on a side the box does not reach are not searched.
    if steps >= 2:
        if c.area.lat_min < s.bounds[1]:
            _zero(c, 2)
            _zero(c, 8)
            _zero(c, 7)
        if c.area.lat_max > s.bounds[3]:
            _zero(c, 1)
            _zero(c, 5)
            _zero(c, 6)
        if c.area.lon_min < s.bounds[0]:
            _zero(c, 4)
            _zero(c, 8)
            _zero(c, 6)
        if c.area.lon_max > s.bounds[2]:
            _zero(c, 3)
            _zero(c, 7)
            _zero(c, 5)


# -- sorting ------------------------------------------------------------------------------------------------------
cdef inline int _cmp(GeoPoint *a, GeoPoint *b, bint desc) noexcept nogil:
    cdef int r
    if a.dist > b.dist:
        r = 1
    elif a.dist == b.dist:
        r = 0
    else:
        r = -1
    return -r if desc else r


cdef void _merge_sort(GeoPoint *p, GeoPoint *tmp, Py_ssize_t n, bint desc) noexcept nogil:
    """Stable: equal distances keep their search order, as with glibc's qsort."""
    cdef Py_ssize_t n1, i, j, k
    if n <= 1:
        return
    n1 = n // 2
    _merge_sort(p, tmp, n1, desc)
    _merge_sort(p + n1, tmp, n - n1, desc)
    i = 0
    j = n1
    k = 0
    while i < n1 and j < n:
        if _cmp(&p[i], &p[j], desc) <= 0:
            tmp[k] = p[i]
            i += 1
        else:
            tmp[k] = p[j]
            j += 1
        k += 1
    while i < n1:
        tmp[k] = p[i]
        i += 1
        k += 1
    # What is left of the second half is already in place.
    memcpy(p, tmp, k * sizeof(GeoPoint))


cdef inline void _swap(GeoPoint *p, Py_ssize_t i, Py_ssize_t j) noexcept nogil:
    cdef GeoPoint t = p[i]
    p[i] = p[j]
    p[j] = t


cdef inline void _vecswap(GeoPoint *p, Py_ssize_t i, Py_ssize_t j, Py_ssize_t n) noexcept nogil:
    cdef Py_ssize_t k
    for k in range(n):
        _swap(p, i + k, j + k)


cdef inline Py_ssize_t _med3(GeoPoint *p, Py_ssize_t a, Py_ssize_t b, Py_ssize_t c, bint desc) noexcept nogil:
    if _cmp(&p[a], &p[b], desc) < 0:
        if _cmp(&p[b], &p[c], desc) < 0:
            return b
        return c if _cmp(&p[a], &p[c], desc) < 0 else a
    if _cmp(&p[b], &p[c], desc) > 0:
        return b
    return a if _cmp(&p[a], &p[c], desc) < 0 else c


cdef inline void _insertion_sort(GeoPoint *p, Py_ssize_t a, Py_ssize_t n, bint desc) noexcept nogil:
    cdef Py_ssize_t m, l
    for m in range(a + 1, a + n):
        l = m
        while l > a and _cmp(&p[l - 1], &p[l], desc) > 0:
            _swap(p, l, l - 1)
            l -= 1


cdef inline bint _outside(Py_ssize_t a, Py_ssize_t n, Py_ssize_t lo, Py_ssize_t hi) noexcept nogil:
    """The wanted positions lo..hi all fall outside a..a+n-1."""
    return (lo < a and hi < a) or (lo >= a + n and hi >= a + n)


cdef void _pqsort(GeoPoint *p, Py_ssize_t a, Py_ssize_t n, bint desc, Py_ssize_t lo, Py_ssize_t hi) noexcept nogil:
    """Redis 7.0's partial quicksort (pqsort.c: Bentley-McIlroy with three-way partitioning, without the switch
    to insertion sort after a swapless pass): positions lo..hi end up sorted; partitions entirely outside them
    are left alone. Equal elements move the way that algorithm moves them, which decides the order of ties in a
    COUNT reply."""
    cdef Py_ssize_t pa, pb, pc, pd, pl, pm, pn, d, r
    cdef int res
    while True:
        if n < 7:
            _insertion_sort(p, a, n, desc)
            return
        pm = a + n // 2
        if n > 7:
            pl = a
            pn = a + n - 1
            if n > 40:
                d = n // 8
                pl = _med3(p, pl, pl + d, pl + 2 * d, desc)
                pm = _med3(p, pm - d, pm, pm + d, desc)
                pn = _med3(p, pn - 2 * d, pn - d, pn, desc)
            pm = _med3(p, pl, pm, pn, desc)
        _swap(p, a, pm)
        pa = pb = a + 1
        pc = pd = a + n - 1
        while True:
            while pb <= pc:
                res = _cmp(&p[pb], &p[a], desc)
                if res > 0:
                    break
                if res == 0:
                    _swap(p, pa, pb)
                    pa += 1
                pb += 1
            while pb <= pc:
                res = _cmp(&p[pc], &p[a], desc)
                if res < 0:
                    break
                if res == 0:
                    _swap(p, pc, pd)
                    pd -= 1
                pc -= 1
            if pb > pc:
                break
            _swap(p, pb, pc)
            pb += 1
            pc -= 1
        pn = a + n
        r = min(pa - a, pb - pa)
        _vecswap(p, a, pb - r, r)
        r = min(pd - pc, pn - pd - 1)
        _vecswap(p, pb, pn - r, r)
        r = pb - pa
        if r > 1 and not _outside(a, r, lo, hi):
            _pqsort(p, a, r, desc, lo, hi)
        r = pd - pc
        if r > 1:
            a = pn - r
            n = r
            if not _outside(a, n, lo, hi):
                continue
        return


# -- text ---------------------------------------------------------------------------------------------------------
cdef int _fixed4(double d, char *buf) noexcept nogil:
    """A distance with 4 decimals, rounded as Redis's fixedpoint_d2string does (llrint of d * 10^4)."""
    cdef long long sv
    cdef unsigned long long v
    cdef char digits[32]
    cdef int nd, n = 0, i, intd
    if d == 0:
        memcpy(buf, b"0.0000", 6)
        return 6
    sv = llrint(d * 10000.0)
    if sv < 0:
        buf[0] = b'-'
        n = 1
        v = <unsigned long long>(-(sv + 1)) + 1
    else:
        v = <unsigned long long>sv
    nd = snprintf(digits, sizeof(digits), "%llu", v)
    intd = nd - 4
    if intd < 1:
        buf[n] = b'0'
        n += 1
        buf[n] = b'.'
        n += 1
        for i in range(4 - nd):
            buf[n] = b'0'
            n += 1
        memcpy(buf + n, digits, nd)
        return n + nd
    memcpy(buf + n, digits, intd)
    n += intd
    buf[n] = b'.'
    memcpy(buf + n + 1, digits + intd, 4)
    return n + 5


cdef int _human(double d, char *buf, int size) noexcept nogil:
    """addReplyHumanLongDouble's text: %.17Lf (the double widened to long double prints the same digits), trailing
    zeros and a trailing dot removed, "-0" as "0"."""
    cdef int n, i
    if isinf(d):
        if d > 0:
            memcpy(buf, b"inf", 3)
            return 3
        memcpy(buf, b"-inf", 4)
        return 4
    if isnan(d):
        memcpy(buf, b"nan", 3)
        return 3
    n = snprintf(buf, size, "%.17f", d)
    if n >= size:
        return 0
    for i in range(n):
        if buf[i] == b'.':
            while buf[n - 1] == b'0':
                n -= 1
            if buf[n - 1] == b'.':
                n -= 1
            break
    if n == 2 and buf[0] == b'-' and buf[1] == b'0':
        buf[0] = b'0'
        n = 1
    return n


cdef int _write_human(ReplyWriter w, double d) except -1:
    cdef char buf[400]
    cdef int n = _human(d, buf + 1, sizeof(buf) - 3)
    if w.resp == 3:
        buf[0] = b','
        buf[n + 1] = b'\r'
        buf[n + 2] = b'\n'
        w.write_c(buf, n + 3)
    else:
        w.bulk_c(buf + 1, n)
    return 0


# -- results ------------------------------------------------------------------------------------------------------
cdef class GeoArray:
    """The points a search found, in search order until sort() is called."""
    cdef GeoPoint *pts
    cdef Py_ssize_t used
    cdef Py_ssize_t cap
    cdef list members

    def __cinit__(self):
        self.pts = NULL
        self.used = 0
        self.cap = 0
        self.members = []

    def __dealloc__(self):
        PyMem_Free(self.pts)

    def __len__(self):
        return self.used

    cdef int append(self, object member, double lon, double lat, double dist, double score) except -1:
        cdef GeoPoint *grown
        if self.used == self.cap:
            self.cap = 8 if self.cap == 0 else self.cap * 2
            grown = <GeoPoint *>PyMem_Realloc(self.pts, self.cap * sizeof(GeoPoint))
            if grown == NULL:
                raise MemoryError()
            self.pts = grown
        self.pts[self.used].lon = lon
        self.pts[self.used].lat = lat
        self.pts[self.used].dist = dist
        self.pts[self.used].score = score
        self.pts[self.used].idx = len(self.members)
        PyList_Append(self.members, member)
        self.used += 1
        return 0

    def sort(self, int order, Py_ssize_t returned):
        """Order by distance (SORT_ASC / SORT_DESC) so that the first `returned` points are the nearest (or
        farthest): fully and stably when all are returned, else with Redis's partial quicksort."""
        cdef GeoPoint *tmp
        cdef bint desc = order == SORT_DESC
        if order == SORT_NONE or self.used == 0:
            return
        if returned >= self.used:
            tmp = <GeoPoint *>PyMem_Malloc(self.used * sizeof(GeoPoint))
            if tmp == NULL:
                raise MemoryError()
            _merge_sort(self.pts, tmp, self.used, desc)
            PyMem_Free(tmp)
        else:
            _pqsort(self.pts, 0, self.used, desc, 0, returned - 1)

    def write(self, ReplyWriter w, Py_ssize_t n, double conversion, bint withdist, bint withhash,
              bint withcoord):
        """The reply of a search: the first n points, each a member or [member, dist?, hash?, [lon, lat]?]."""
        cdef Py_ssize_t i
        cdef int options = withdist + withhash + withcoord
        cdef GeoPoint *gp
        cdef bytes m
        cdef char buf[64]
        cdef int blen
        if n > self.used:
            n = self.used
        w.header_c(b'*', n)
        for i in range(n):
            gp = &self.pts[i]
            if options:
                w.header_c(b'*', options + 1)
            m = <bytes>self.members[gp.idx]
            w.bulk_c(PyBytes_AS_STRING(m), PyBytes_GET_SIZE(m))
            if withdist:
                blen = _fixed4(gp.dist / conversion, buf)
                w.bulk_c(buf, blen)
            if withhash:
                w.header_c(b':', <long long>gp.score)
            if withcoord:
                w.header_c(b'*', 2)
                _write_human(w, gp.lon)
                _write_human(w, gp.lat)

    def pairs(self, Py_ssize_t n, double conversion, bint storedist):
        """(members, scores) of the first n points for STORE (the geohash) or STOREDIST (the distance in the
        unit)."""
        cdef Py_ssize_t i
        cdef list members = []
        cdef list scores = []
        if n > self.used:
            n = self.used
        for i in range(n):
            PyList_Append(members, self.members[self.pts[i].idx])
            PyList_Append(scores, PyFloat_FromDouble(self.pts[i].dist / conversion if storedist
                                                     else self.pts[i].score))
        return members, scores

    def points(self):
        """[(member, lon, lat, dist_meters, score)] in the current order (for tests)."""
        return [(self.members[self.pts[i].idx], self.pts[i].lon, self.pts[i].lat, self.pts[i].dist,
                 self.pts[i].score) for i in range(self.used)]


cdef int _scan_cell(ZSet z, uint64_t bits, int step, Shape *s, GeoArray ga, Py_ssize_t limit) except -1:
    """Append the points of one cell that lie in the shape, walking its score range [min, max) upwards; stop once
    `limit` points (if any) are found."""
    cdef double mn = <double>_align52(bits, step)
    cdef double mx = <double>_align52(bits + 1, step)
    cdef zsl_node *x = z._first_in_range(mn, False, mx, True)
    cdef double lon, lat, dist
    while x != NULL:
        if not x.score < mx:
            break
        if _within(s, x.score, &lon, &lat, &dist):
            ga.append(<object>x.ele, lon, lat, dist, x.score)
        if ga.used and limit and ga.used >= limit:
            break
        x = x.level[0].forward
    return 0


cdef void _fill_shape(Shape *s, int box, double lon, double lat, double radius, double width, double height,
                      double conversion) noexcept nogil:
    s.box = box
    s.lon = lon
    s.lat = lat
    s.radius = radius
    s.width = width
    s.height = height
    s.conversion = conversion


def search(ZSet z, int box, double lon, double lat, double radius, double width, double height,
           double conversion, Py_ssize_t limit=0):
    """The points of z within the circle (radius) or box (width x height) around lon/lat, the sizes in units of
    `conversion` meters, in Redis's search order. With limit > 0 (COUNT ... ANY) the search stops at that many."""
    cdef Shape s
    cdef Cells c
    cdef GeoArray ga = GeoArray()
    cdef int i, last = 0
    _fill_shape(&s, box, lon, lat, radius, width, height, conversion)
    _cells(&s, &c)
    for i in range(9):
        if c.bits[i] == 0 and c.step[i] == 0:
            continue
        # Huge radii can make adjacent neighbours the same cell: skip one equal to the last searched (the
        # centre cell does not count as searched for this test, as in Redis).
        if last and c.bits[i] == c.bits[last] and c.step[i] == c.step[last]:
            continue
        if ga.used and limit and ga.used >= limit:
            break
        _scan_cell(z, c.bits[i], c.step[i], &s, ga, limit)
        last = i
    return ga


# -- Python-level helpers (commands and tests) --------------------------------------------------------------------
def encode(double lon, double lat, int step=26):
    """The 2*step-bit cell number of a WGS84 position, or None outside the limits."""
    cdef uint64_t bits = 0
    if not _encode_wgs84(lon, lat, step, &bits):
        return None
    return bits


def encode_score(double lon, double lat):
    """The 52-bit score GEOADD stores (the position already checked against the limits)."""
    cdef uint64_t bits = 0
    _encode_wgs84(lon, lat, 26, &bits)
    return _align52(bits, 26)


def decode(uint64_t bits, int step=26):
    """The cell as (lon_min, lon_max, lat_min, lat_max)."""
    cdef Area a
    if not _decode_wgs84(bits, step, &a):
        return None
    return a.lon_min, a.lon_max, a.lat_min, a.lat_max


def score_to_lonlat(double score):
    """The position a zset score stands for (the centre of its cell)."""
    cdef double lon, lat
    _score_to_lonlat(score, &lon, &lat)
    return lon, lat


def neighbours(uint64_t bits, int step):
    """[N, S, E, W, NE, NW, SE, SW] cell numbers."""
    cdef uint64_t nb[8]
    _neighbours(bits, step, nb)
    return [nb[i] for i in range(8)]


def distance(double lon1, double lat1, double lon2, double lat2):
    return _distance(lon1, lat1, lon2, lat2)


def estimate_steps(double range_meters, double lat):
    return _estimate_steps(range_meters, lat)


def cells(int box, double lon, double lat, double radius, double width, double height, double conversion):
    """(steps, [(bits, step)] * 9, bounds) of a search, neighbours ruled out as (0, 0)."""
    cdef Shape s
    cdef Cells c
    _fill_shape(&s, box, lon, lat, radius, width, height, conversion)
    _cells(&s, &c)
    return c.steps, [(c.bits[i], c.step[i]) for i in range(9)], (s.bounds[0], s.bounds[1], s.bounds[2],
                                                                   s.bounds[3])


def geohash_string(double score):
    """GEOHASH's 11 characters: the position re-encoded over the standard geohash ranges (latitude +-90), the
    52 bits as ten base-32 digits, and a final '0' for the bits Redis does not have."""
    cdef double lon, lat
    cdef uint64_t bits = 0
    cdef char buf[11]
    cdef int i
    _score_to_lonlat(score, &lon, &lat)
    _encode(-180.0, 180.0, -90.0, 90.0, lon, lat, 26, &bits)
    for i in range(10):
        buf[i] = GEOALPHABET[(bits >> (52 - (i + 1) * 5)) & 0x1f]
    buf[10] = b'0'
    return PyBytes_FromStringAndSize(buf, 11)


def format_distance(double d):
    """A distance as GEODIST and WITHDIST print it: 4 decimals."""
    cdef char buf[64]
    cdef int n = _fixed4(d, buf)
    return PyBytes_FromStringAndSize(buf, n)


def format_coord(double d):
    """A coordinate as GEOPOS and WITHCOORD print it."""
    cdef char buf[400]
    cdef int n = _human(d, buf, sizeof(buf))
    return PyBytes_FromStringAndSize(buf, n)


def write_coord(ReplyWriter w, double d):
    """A coordinate reply: RESP3 a double, RESP2 a bulk string."""
    _write_human(w, d)
