# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""LZF compression in the stream format liblzf defines (and Redis stores in RDB files), written from the format:

    control byte c < 32      literal run: the next c + 1 bytes (1..32) are copied
    control byte c >= 32     back-reference: L = c >> 5 (1..7; 7 means "add the next byte", up to 262), then one
                             byte o; copy L + 2 bytes (3..264) from distance ((c & 31) << 8 | o) + 1 (1..8192)
                             back in the output, byte by byte (so overlapping runs repeat).

The compressor is a greedy single-pass matcher: a hash of the next three bytes finds the last position with the same
hash, the candidate is verified byte by byte and extended as far as the format allows. The hash table holds positions
biased by a per-call base that only grows, so stale entries from earlier calls are recognised without clearing the
table between calls (clearing 128 KiB for every 21-byte RDB string would cost more than compressing it). Output is
deterministic for a given input sequence only up to those stale hits - any valid stream decodes the same, which is
all the format promises (Redis's own output is not reproduced byte for byte).
"""
from libc.stdint cimport uint32_t
from libc.string cimport memcpy, memset
from cpython.bytes cimport PyBytes_FromStringAndSize, PyBytes_AS_STRING
from cpython.mem cimport PyMem_Malloc, PyMem_Free

cdef enum:
    HLOG = 15
    HSIZE = 1 << HLOG
    MAX_LIT = 32              # longest literal run
    MAX_OFF = 8192            # farthest back-reference
    MAX_REF = 264             # longest back-reference (7 + 255 + 2)

cdef uint32_t HTAB[HSIZE]
cdef uint32_t BASE = 1        # positions are stored as BASE + offset; anything below BASE is from an older call


cdef inline uint32_t _hash3(const unsigned char *p) noexcept nogil:
    cdef uint32_t v = (<uint32_t>p[0] << 16) | (<uint32_t>p[1] << 8) | p[2]
    return (v * 2654435761U) >> (32 - HLOG)


cdef inline bint _literals(const unsigned char *src, size_t count, unsigned char *dst, size_t *op,
                           size_t cap) noexcept nogil:
    """Emit `count` literal bytes as runs of at most 32; False if they do not fit."""
    cdef size_t k
    while count:
        k = count if count < MAX_LIT else MAX_LIT
        if op[0] + k + 1 > cap:
            return False
        dst[op[0]] = <unsigned char>(k - 1)
        memcpy(dst + op[0] + 1, src, k)
        op[0] += k + 1
        src += k
        count -= k
    return True


cdef size_t lzf_compress_buf(const unsigned char *src, size_t n, unsigned char *dst, size_t cap) noexcept nogil:
    """Compress n bytes into at most cap bytes. Returns the compressed size, or 0 when the output would not fit
    (or n is 0, or too large for the 32-bit position table)."""
    global BASE
    cdef size_t ip = 0, op = 0, lit = 0, ref, off, l, maxlen, L, pos
    cdef uint32_t h, cand, base
    if n == 0 or n >= 0x7FFFFFFF:
        return 0
    if <size_t>BASE + n + 1 >= 0xFFFFFFFFU:
        memset(HTAB, 0, sizeof(HTAB))
        BASE = 1
    base = BASE
    BASE += <uint32_t>(n + 1)
    while ip + 2 < n:
        h = _hash3(src + ip)
        cand = HTAB[h]
        HTAB[h] = base + <uint32_t>ip
        if cand >= base:
            ref = cand - base
            off = ip - ref - 1
            if ref < ip and off < MAX_OFF and src[ref] == src[ip] and src[ref + 1] == src[ip + 1] \
                    and src[ref + 2] == src[ip + 2]:
                maxlen = n - ip
                if maxlen > MAX_REF:
                    maxlen = MAX_REF
                l = 3
                while l < maxlen and src[ref + l] == src[ip + l]:
                    l += 1
                if not _literals(src + lit, ip - lit, dst, &op, cap):
                    return 0
                L = l - 2
                if op + (2 if L < 7 else 3) > cap:
                    return 0
                if L < 7:
                    dst[op] = <unsigned char>((L << 5) | (off >> 8))
                    op += 1
                else:
                    dst[op] = <unsigned char>((7 << 5) | (off >> 8))
                    dst[op + 1] = <unsigned char>(L - 7)
                    op += 2
                dst[op] = <unsigned char>(off & 0xFF)
                op += 1
                ip += l
                lit = ip
                # Index the last two positions of the match too: runs that continue right after it are then found.
                pos = ip - 2
                while pos < ip:
                    if pos + 2 < n:
                        HTAB[_hash3(src + pos)] = base + <uint32_t>pos
                    pos += 1
                continue
        ip += 1
    if not _literals(src + lit, n - lit, dst, &op, cap):
        return 0
    return op


cdef Py_ssize_t lzf_decompress_buf(const unsigned char *src, size_t n, unsigned char *dst, size_t cap) noexcept nogil:
    """Decompress into at most cap bytes. Returns the output size, or -1 for a corrupt stream (truncated token,
    back-reference before the start of the output) or one that would exceed cap."""
    cdef size_t ip = 0, op = 0, l, back, i
    cdef unsigned int c
    cdef unsigned char *o
    cdef const unsigned char *s
    while ip < n:
        c = src[ip]
        ip += 1
        if c < 32:
            l = c + 1
            if op + l > cap or ip + l > n:
                return -1
            memcpy(dst + op, src + ip, l)
            op += l
            ip += l
        else:
            l = c >> 5
            if ip >= n:
                return -1
            if l == 7:
                l += src[ip]
                ip += 1
                if ip >= n:
                    return -1
            back = (((c & 0x1F) << 8) | src[ip]) + 1
            ip += 1
            l += 2
            if op + l > cap or back > op:
                return -1
            o = dst + op
            s = o - back
            if back >= l:
                memcpy(o, s, l)
            else:
                for i in range(l):
                    o[i] = s[i]
            op += l
    return <Py_ssize_t>op


def max_compressed_size(Py_ssize_t n):
    """An output size that always suffices (one control byte per 32 literals, plus one)."""
    return n + n // MAX_LIT + 1


def compress(data, max_out=None):
    """LZF-compress a bytes-like object. With max_out, returns None when the result would not fit in max_out bytes
    (Redis asks for len - 4: compression must save at least four bytes). Empty input gives None."""
    cdef const unsigned char[::1] view = data
    cdef Py_ssize_t n = view.shape[0]
    cdef Py_ssize_t cap = max_compressed_size(n) if max_out is None else max_out
    cdef unsigned char *out
    cdef size_t r
    if n == 0 or cap <= 0:
        return None
    out = <unsigned char *>PyMem_Malloc(cap)
    if out == NULL:
        raise MemoryError()
    try:
        r = lzf_compress_buf(&view[0], n, out, cap)
        if r == 0:
            return None
        return PyBytes_FromStringAndSize(<char *>out, r)
    finally:
        PyMem_Free(out)


def decompress(data, Py_ssize_t ulen):
    """Decompress an LZF stream that must expand to exactly `ulen` bytes; ValueError otherwise."""
    cdef const unsigned char[::1] view = data
    cdef Py_ssize_t n = view.shape[0]
    cdef Py_ssize_t r
    cdef bytes out
    cdef unsigned char *dst
    if ulen < 0:
        raise ValueError("negative length")
    out = PyBytes_FromStringAndSize(NULL, ulen)
    dst = <unsigned char *>PyBytes_AS_STRING(out)
    if n == 0:
        r = 0
    else:
        with nogil:
            r = lzf_decompress_buf(&view[0], n, dst, ulen)
    if r != ulen:
        raise ValueError("invalid LZF stream")
    return out
