# cython: language_level=3
"""Number parsing and formatting exactly as Redis does it (util.c): strict integers, %.17g doubles, and the
long double arithmetic of INCRBYFLOAT, which Python's float cannot reproduce."""
from libc.stdlib cimport strtold, strtod
from libc.stdio cimport snprintf
cimport libc.errno
from libc.errno cimport ERANGE
from libc.math cimport isnan, isinf
from libc.string cimport memchr

cdef extern from "ctype.h":
    int isspace(int c)

cdef extern from "math.h":
    bint isnanl "isnan"(long double x)
    bint isinfl "isinf"(long double x)

cdef enum:
    CH_MINUS = 45   # '-'
    CH_DOT = 46     # '.'
    CH_0 = 48
    CH_1 = 49
    CH_5 = 53
    CH_9 = 57


cpdef object parse_int(bytes s):
    """Redis's string2ll: an optional '-', digits, no leading zeros, no spaces, within 64 bits; else None."""
    cdef Py_ssize_t n = len(s), i = 0
    cdef const unsigned char *p = s
    cdef unsigned long long v = 0
    cdef bint neg = False
    if n == 0 or n > 20:
        return None
    if n == 1 and p[0] == CH_0:
        return 0
    if p[0] == CH_MINUS:
        neg = True
        i = 1
        if n == 1:
            return None
    if p[i] < CH_1 or p[i] > CH_9:
        return None
    while i < n:
        if p[i] < CH_0 or p[i] > CH_9:
            return None
        if v > 1844674407370955161ULL or (v == 1844674407370955161ULL and p[i] > CH_5):
            return None
        v = v * 10 + (p[i] - CH_0)
        i += 1
    if neg:
        if v > 9223372036854775808ULL:
            return None
        return -<long long>(v - 1) - 1 if v else 0
    if v > 9223372036854775807ULL:
        return None
    return <long long>v


def atoi(bytes b):
    """C's atoi on a Redis argument or AUX value: the leading, optionally signed, decimal integer after
    whitespace, 0 when there is none (DEBUG SET-ACTIVE-EXPIRE, the AUX fields read before a load)."""
    s = b.strip()
    n = 0
    for i, ch in enumerate(s):
        if 48 <= ch <= 57 or (i == 0 and ch in b"+-"):
            n = i + 1
        else:
            break
    try:
        return int(s[:n])
    except ValueError:
        return 0


cpdef object parse_double(bytes s):
    """Redis's getDoubleFromObject: strtod over the whole string, no leading space, no NaN; else None."""
    cdef Py_ssize_t n = len(s)
    cdef const char *p = s
    cdef char *end
    cdef double d
    if n == 0 or isspace(<unsigned char>p[0]) or memchr(p, 0, n) != NULL:
        return None
    libc.errno.errno = 0
    d = strtod(p, &end)
    if end - p != n or (libc.errno.errno == ERANGE and (d == 0 or isinf(d))) or isnan(d):
        return None
    return d


cdef int _parse_ld(bytes s, long double *out):
    cdef Py_ssize_t n = len(s)
    cdef const char *p = s
    cdef char *end
    cdef long double v
    if n == 0 or n >= 5 * 1024 or isspace(<unsigned char>p[0]) or memchr(p, 0, n) != NULL:
        return 0
    libc.errno.errno = 0
    v = strtold(p, &end)
    # Out of range only counts when it overflowed or underflowed to zero: subnormals are fine (string2ld).
    if end - p != n or (libc.errno.errno == ERANGE and (isinfl(v) or v == 0)) or isnanl(v):
        return 0
    out[0] = v
    return 1


cpdef bytes format_long_double(long double v):
    """Redis's ld2string in human mode: %.17Lf with trailing zeros (and a bare point) removed."""
    cdef char buf[5200]
    cdef int n
    if isinfl(v):
        return b"inf" if v > 0 else b"-inf"
    n = snprintf(buf, sizeof(buf), "%.17Lf", v)
    if n <= 0 or n >= <int>sizeof(buf):
        return None
    if memchr(buf, CH_DOT, n) != NULL:
        while n > 0 and buf[n - 1] == CH_0:
            n -= 1
        if n > 0 and buf[n - 1] == CH_DOT:
            n -= 1
    if n == 2 and buf[0] == CH_MINUS and buf[1] == CH_0:
        return b"0"
    return buf[:n]


def incr_by_float(bytes current, bytes increment):
    """INCRBYFLOAT's arithmetic. Returns the new value as bytes, or raises ValueError('value') when either input
    is not a float, OverflowError when the result is NaN or infinite."""
    cdef long double a, b, r
    if not _parse_ld(current, &a) or not _parse_ld(increment, &b):
        raise ValueError("not a float")
    r = a + b
    if isnanl(r) or isinfl(r):
        raise OverflowError("nan or inf")
    return format_long_double(r)


cpdef bytes format_double(double d):
    """Redis 7.0's double to string for replies (%.17g, with inf/-inf spelled out)."""
    cdef char buf[128]
    cdef int n
    if isinf(d):
        return b"inf" if d > 0 else b"-inf"
    if isnan(d):
        return b"nan"
    n = snprintf(buf, sizeof(buf), "%.17g", d)
    return buf[:n]


# -- listpack element sizes (streams model Redis's node boundaries with them) ----------------------------------
cpdef int lp_int_size(long long v) noexcept:
    """Bytes of an integer element in a listpack, back-length included."""
    if 0 <= v <= 127:
        return 2
    if -4096 <= v <= 4095:
        return 3
    if -32768 <= v <= 32767:
        return 4
    if -8388608 <= v <= 8388607:
        return 5
    if -2147483648 <= v <= 2147483647:
        return 6
    return 10


cpdef Py_ssize_t lp_str_size(bytes s) except -1:
    """Bytes of a string element: a listpack stores strings that read as 64-bit integers as integers."""
    cdef Py_ssize_t n = len(s), enc
    cdef object v
    if 0 < n <= 20:
        v = parse_int(s)
        if v is not None:
            return lp_int_size(<long long>v)
    enc = 1 + n if n < 64 else (2 + n if n < 4096 else 5 + n)
    if enc <= 127:
        return enc + 1
    if enc < 16383:
        return enc + 2
    if enc < 2097151:
        return enc + 3
    if enc < 268435455:
        return enc + 4
    return enc + 5


def lp_strs_size(seq):
    """Sum of lp_str_size over a sequence of bytes."""
    cdef Py_ssize_t total = 0
    cdef bytes s
    for s in seq:
        total += lp_str_size(s)
    return total
