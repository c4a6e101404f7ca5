# cython: language_level=3, boundscheck=False, wraparound=False
"""Bitmap hot paths for SETBIT/BITCOUNT/BITPOS/BITOP/BITFIELD (Redis's bitops.c): population count, first
set/clear bit scans, bitwise operations over many buffers, and BITFIELD's bit-granular integer access with Redis's
exact overflow rules. Every function takes any object exporting a contiguous byte buffer (bytes, bytearray,
memoryview); bit 0 is the most significant bit of the first byte, as in Redis."""
from cpython.buffer cimport PyObject_GetBuffer, PyBuffer_Release, PyBUF_SIMPLE
from cpython.bytearray cimport PyByteArray_FromStringAndSize, PyByteArray_AS_STRING
from libc.stdint cimport uint64_t, int64_t
from libc.stdlib cimport malloc, free
from libc.string cimport memcpy, memset

cdef extern from *:
    """
    #include <stdint.h>
    #include <string.h>

    /* Four independent counters over 32-byte blocks keep the popcounts from serialising. */
    #define KVS_POPCOUNT_BODY \
        uint64_t c0 = 0, c1 = 0, c2 = 0, c3 = 0, w0, w1, w2, w3; \
        long long bits = 0; \
        while (n >= 32) { \
            memcpy(&w0, p, 8); memcpy(&w1, p + 8, 8); memcpy(&w2, p + 16, 8); memcpy(&w3, p + 24, 8); \
            c0 += __builtin_popcountll(w0); c1 += __builtin_popcountll(w1); \
            c2 += __builtin_popcountll(w2); c3 += __builtin_popcountll(w3); \
            p += 32; n -= 32; \
        } \
        while (n >= 8) { memcpy(&w0, p, 8); c0 += __builtin_popcountll(w0); p += 8; n -= 8; } \
        while (n) { bits += __builtin_popcount(*p++); n--; } \
        return bits + (long long)(c0 + c1 + c2 + c3);

    static long long kvs_popcount_words(const unsigned char *p, size_t n) {
        KVS_POPCOUNT_BODY
    }

    #if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
    /* The module is built for the baseline x86 ISA, where __builtin_popcountll is a slow library call: use the
       POPCNT instruction when the CPU has it (checked once), the portable loop otherwise. */
    __attribute__((target("popcnt")))
    static long long kvs_popcount_hw(const unsigned char *p, size_t n) {
        KVS_POPCOUNT_BODY
    }

    static int kvs_has_popcnt = -1;

    static long long kvs_popcount(const unsigned char *p, size_t n) {
        if (kvs_has_popcnt < 0) {
            __builtin_cpu_init();
            kvs_has_popcnt = __builtin_cpu_supports("popcnt") ? 1 : 0;
        }
        return kvs_has_popcnt ? kvs_popcount_hw(p, n) : kvs_popcount_words(p, n);
    }
    #else
    static long long kvs_popcount(const unsigned char *p, size_t n) { return kvs_popcount_words(p, n); }
    #endif

    /* Redis's redisBitpos(): the first bit equal to `bit` in p[0..n), counting from the MSB of p[0]; when
       looking for a 0 and there is none, n*8 (the string is taken as zero padded on the right); when looking
       for a 1 and there is none, -1. Whole words are skipped first. */
    static long long kvs_bitpos(const unsigned char *p, size_t n, int bit) {
        const unsigned char skip = bit ? 0x00 : 0xFF;
        const uint64_t wskip = bit ? 0 : UINT64_MAX;
        size_t i = 0;
        uint64_t w;
        unsigned char b;
        while (i + 8 <= n) {
            memcpy(&w, p + i, 8);
            if (w != wskip) break;
            i += 8;
        }
        while (i < n && p[i] == skip) i++;
        if (i == n) return bit ? -1 : (long long)n * 8;
        b = bit ? p[i] : (unsigned char)~p[i];
        return (long long)i * 8 + (__builtin_clz((unsigned int)b) - 24);
    }
    """
    long long kvs_popcount(const unsigned char *p, size_t n) nogil
    long long kvs_bitpos(const unsigned char *p, size_t n, int bit) nogil

# BITOP operations
AND = 0
OR = 1
XOR = 2
NOT = 3

# BITFIELD overflow behaviours
WRAP = 0
SAT = 1
FAIL = 2


cdef inline void _span(Py_ssize_t n, Py_ssize_t *start, Py_ssize_t *stop) noexcept:
    """Clamp [start, stop) into [0, n]; stop < 0 means n."""
    if stop[0] < 0 or stop[0] > n:
        stop[0] = n
    if start[0] < 0:
        start[0] = 0
    if start[0] > stop[0]:
        start[0] = stop[0]


def popcount(buf, Py_ssize_t start=0, Py_ssize_t stop=-1):
    """Number of bits set in buf[start:stop] (stop < 0: to the end)."""
    cdef Py_buffer view
    cdef long long n
    PyObject_GetBuffer(buf, &view, PyBUF_SIMPLE)
    try:
        _span(view.len, &start, &stop)
        n = kvs_popcount(<const unsigned char *>view.buf + start, <size_t>(stop - start))
    finally:
        PyBuffer_Release(&view)
    return n


def bitpos(buf, int bit, Py_ssize_t start=0, Py_ssize_t stop=-1):
    """redisBitpos() on buf[start:stop]: the first bit equal to `bit`, relative to bit 0 of buf[start]; for a 0
    that is absent, 8 * (stop - start); for a 1 that is absent, -1."""
    cdef Py_buffer view
    cdef long long n
    PyObject_GetBuffer(buf, &view, PyBUF_SIMPLE)
    try:
        _span(view.len, &start, &stop)
        n = kvs_bitpos(<const unsigned char *>view.buf + start, <size_t>(stop - start), 1 if bit else 0)
    finally:
        PyBuffer_Release(&view)
    return n


def bitop(int op, list sources):
    """BITOP over `sources` (a missing key is b""): a bytearray as long as the longest source, shorter sources
    zero padded on the right. NOT uses only the first source."""
    cdef Py_ssize_t k = len(sources), i, j, maxlen = 0, n
    cdef Py_buffer *views
    cdef Py_ssize_t got = 0
    cdef unsigned char *res
    cdef const unsigned char *s
    cdef object out
    if k == 0 or op < AND or op > NOT:
        raise ValueError("bitop needs a valid operation and at least one source")
    if op == NOT:
        k = 1
    views = <Py_buffer *>malloc(sizeof(Py_buffer) * k)
    if views == NULL:
        raise MemoryError()
    try:
        for i in range(k):
            PyObject_GetBuffer(sources[i], &views[i], PyBUF_SIMPLE)
            got += 1
            if views[i].len > maxlen:
                maxlen = views[i].len
        out = PyByteArray_FromStringAndSize(NULL, maxlen)
        res = <unsigned char *>PyByteArray_AS_STRING(out)
        if maxlen == 0:
            return out
        n = views[0].len
        s = <const unsigned char *>views[0].buf
        if op == NOT:
            for j in range(n):
                res[j] = <unsigned char>~s[j]
            memset(res + n, 0xFF, maxlen - n)
            return out
        memcpy(res, s, n)
        memset(res + n, 0, maxlen - n)
        for i in range(1, k):
            n = views[i].len
            s = <const unsigned char *>views[i].buf
            if op == AND:
                for j in range(n):
                    res[j] &= s[j]
                # Past its end a source reads as zeros.
                memset(res + n, 0, maxlen - n)
            elif op == OR:
                for j in range(n):
                    res[j] |= s[j]
            else:
                for j in range(n):
                    res[j] ^= s[j]
        return out
    finally:
        for i in range(got):
            PyBuffer_Release(&views[i])
        free(views)


# -- BITFIELD -------------------------------------------------------------------------------------------------
cdef uint64_t _get_unsigned(const unsigned char *p, Py_ssize_t n, uint64_t offset, int bits) noexcept:
    """`bits` bits from bit `offset`, MSB first; bits past the end of p[0..n) read as 0."""
    cdef uint64_t value = 0, byte
    cdef int j, bit
    for j in range(bits):
        byte = offset >> 3
        bit = 7 - <int>(offset & 7)
        value <<= 1
        if byte < <uint64_t>n:
            value |= (p[byte] >> bit) & 1
        offset += 1
    return value


cdef void _set_unsigned(unsigned char *p, uint64_t offset, int bits, uint64_t value) noexcept:
    cdef uint64_t byte
    cdef int j, bit
    cdef unsigned char bitval
    for j in range(bits):
        bitval = (value >> (bits - 1 - j)) & 1
        byte = offset >> 3
        bit = 7 - <int>(offset & 7)
        p[byte] = (p[byte] & ~(1 << bit)) | (bitval << bit)
        offset += 1


cdef inline int64_t _to_signed(uint64_t u, int bits) noexcept:
    """The low `bits` bits of u as a two's complement integer."""
    cdef uint64_t mask
    if bits < 64:
        mask = (<uint64_t>0xFFFFFFFFFFFFFFFF) << bits
        if u & (<uint64_t>1 << (bits - 1)):
            u |= mask
        else:
            u &= ~mask
    return <int64_t>u


cdef int _unsigned_overflow(uint64_t value, int64_t incr, int bits, int owtype, uint64_t *limit) noexcept:
    """Redis's checkUnsignedBitfieldOverflow: 1 overflow, -1 underflow, 0 fits; *limit gets the WRAP or SAT
    value."""
    cdef uint64_t maxv = (<uint64_t>1 << bits) - 1 if bits < 64 else <uint64_t>0xFFFFFFFFFFFFFFFF
    cdef int64_t maxincr = <int64_t>(maxv - value)
    cdef int64_t minincr = <int64_t>(<uint64_t>0 - value)
    cdef uint64_t mask
    if value > maxv or (incr > 0 and incr > maxincr):
        if owtype == WRAP:
            mask = (<uint64_t>0xFFFFFFFFFFFFFFFF) << bits
            limit[0] = (value + <uint64_t>incr) & ~mask
        elif owtype == SAT:
            limit[0] = maxv
        return 1
    elif incr < 0 and incr < minincr:
        if owtype == WRAP:
            mask = (<uint64_t>0xFFFFFFFFFFFFFFFF) << bits
            limit[0] = (value + <uint64_t>incr) & ~mask
        elif owtype == SAT:
            limit[0] = 0
        return -1
    return 0


cdef int _signed_overflow(int64_t value, int64_t incr, int bits, int owtype, int64_t *limit) noexcept:
    """Redis's checkSignedBitfieldOverflow (its intermediate differences wrap like the C original)."""
    cdef int64_t maxv = <int64_t>0x7FFFFFFFFFFFFFFF if bits == 64 else ((<int64_t>1 << (bits - 1)) - 1)
    cdef int64_t minv = -maxv - 1
    cdef int64_t maxincr = <int64_t>(<uint64_t>maxv - <uint64_t>value)
    cdef int64_t minincr = <int64_t>(<uint64_t>minv - <uint64_t>value)
    cdef int r = 0
    if value > maxv or (bits != 64 and incr > maxincr) or (value >= 0 and incr > 0 and incr > maxincr):
        r = 1
        if owtype == SAT:
            limit[0] = maxv
    elif value < minv or (bits != 64 and incr < minincr) or (value < 0 and incr < 0 and incr < minincr):
        r = -1
        if owtype == SAT:
            limit[0] = minv
    if r != 0 and owtype == WRAP:
        limit[0] = _to_signed(<uint64_t>value + <uint64_t>incr, bits)
    return r


def bitfield_get(buf, unsigned long long offset, int bits, bint signed):
    """BITFIELD GET: the integer of `bits` bits at bit `offset` (buf may be None: a missing key reads zeros)."""
    cdef Py_buffer view
    cdef uint64_t u
    if buf is None:
        return 0
    PyObject_GetBuffer(buf, &view, PyBUF_SIMPLE)
    try:
        u = _get_unsigned(<const unsigned char *>view.buf, view.len, offset, bits)
    finally:
        PyBuffer_Release(&view)
    if signed:
        return _to_signed(u, bits)
    return u


def bitfield_write(bytearray buf, unsigned long long offset, int bits, bint signed, bint incrby, long long value,
                   int owtype):
    """BITFIELD SET (incrby false) or INCRBY on buf, which already covers the field. Returns (reply, changed):
    reply is the old value for SET, the new one for INCRBY, None when OVERFLOW FAIL refused the write."""
    cdef unsigned char *p = <unsigned char *>PyByteArray_AS_STRING(buf)
    cdef Py_ssize_t n = len(buf)
    cdef int overflow
    cdef int64_t soldv, snewv, swrapped = 0, sret
    cdef uint64_t uoldv, unewv, uwrapped = 0, uret
    if bits < 1 or bits > 64 or (offset + <unsigned long long>bits + 7) // 8 > <unsigned long long>n:
        raise ValueError("bitfield outside the buffer")
    if signed:
        soldv = _to_signed(_get_unsigned(p, n, offset, bits), bits)
        if incrby:
            overflow = _signed_overflow(soldv, value, bits, owtype, &swrapped)
            snewv = swrapped if overflow else <int64_t>(<uint64_t>soldv + <uint64_t>value)
            sret = snewv
        else:
            snewv = value
            overflow = _signed_overflow(snewv, 0, bits, owtype, &swrapped)
            if overflow:
                snewv = swrapped
            sret = soldv
        if overflow and owtype == FAIL:
            return None, False
        _set_unsigned(p, offset, bits, <uint64_t>snewv)
        return sret, soldv != snewv
    uoldv = _get_unsigned(p, n, offset, bits)
    if incrby:
        unewv = uoldv + <uint64_t>value
        overflow = _unsigned_overflow(uoldv, value, bits, owtype, &uwrapped)
        if overflow:
            unewv = uwrapped
        uret = unewv
    else:
        unewv = <uint64_t>value
        overflow = _unsigned_overflow(unewv, 0, bits, owtype, &uwrapped)
        if overflow:
            unewv = uwrapped
        uret = uoldv
    if overflow and owtype == FAIL:
        return None, False
    _set_unsigned(p, offset, bits, unewv)
    # Redis replies with the uint64 reinterpreted as a long long.
    return <int64_t>uret, uoldv != unewv
