# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""HyperLogLog in Redis's exact string representation (hyperloglog.c), so that values are byte-identical with a
real server's and interchangeable with it:

  header  "HYLL" | encoding (0 dense, 1 sparse) | 3 unused bytes | cached cardinality (8 bytes little endian; the
          top bit of the last byte set = cache invalid)
  dense   16384 registers of 6 bits packed LSB first (12288 bytes)
  sparse  run-length opcodes: ZERO 00xxxxxx (1-64 zero registers), XZERO 01xxxxxx yyyyyyyy (1-16384 zero
          registers), VAL 1vvvvvxx (1-4 registers of value 1-32)

Elements hash with MurmurHash64A (seed 0xadc83b19); the low 14 bits pick the register, the run of zeros above
them (plus one) is the value. A sparse HLL becomes dense when a value exceeds 32 or it would outgrow
hll-sparse-max-bytes. The cardinality is Ertl's improved estimator over the register histogram, computed with the
same floating point operations as Redis so that the results are equal.

Functions that modify an HLL take a bytearray and change it in place (resizing it when the encoding changes)."""
from cpython.buffer cimport PyObject_GetBuffer, PyBuffer_Release, PyBUF_SIMPLE
from cpython.bytearray cimport PyByteArray_AS_STRING, PyByteArray_Resize, PyByteArray_FromStringAndSize
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_GET_SIZE, PyBytes_FromStringAndSize
from libc.stdint cimport uint64_t, uint8_t
from libc.stdlib cimport calloc, free
from libc.string cimport memcpy, memmove, memset
from libc.math cimport sqrt, pow, INFINITY

cdef extern from "math.h":
    long long llround(double x) nogil

cdef enum:
    HDR = 16
    REGISTERS = 16384
    P_MASK = 16383
    Q = 50
    DENSE_SIZE = 16 + 12288
    ENC_DENSE = 0
    ENC_SPARSE = 1
    VAL_MAX_VALUE = 32
    VAL_MAX_LEN = 4
    ZERO_MAX_LEN = 64
    XZERO_MAX_LEN = 16384
    PAD = 8

HEADER_SIZE = HDR
NUM_REGISTERS = REGISTERS
DENSE_BYTES = DENSE_SIZE
DENSE = ENC_DENSE
SPARSE = ENC_SPARSE
SEED = 0xadc83b19

cdef double ALPHA_INF = 0.721347520444481703680


# -- hashing --------------------------------------------------------------------------------------------------
cdef uint64_t _murmur64a(const uint8_t *data, int length, unsigned int seed) noexcept nogil:
    cdef uint64_t m = 0xc6a4a7935bd1e995ULL
    cdef int r = 47
    cdef uint64_t h = <uint64_t>seed ^ (<uint64_t><long long>length * m)
    cdef uint64_t k
    cdef int nblocks = length >> 3, i, rem = length & 7
    for i in range(nblocks):
        memcpy(&k, data, 8)  # little endian hosts, like Redis's endian-neutral variant
        k *= m
        k ^= k >> r
        k *= m
        h ^= k
        h *= m
        data += 8
    if rem >= 7:
        h ^= <uint64_t>data[6] << 48
    if rem >= 6:
        h ^= <uint64_t>data[5] << 40
    if rem >= 5:
        h ^= <uint64_t>data[4] << 32
    if rem >= 4:
        h ^= <uint64_t>data[3] << 24
    if rem >= 3:
        h ^= <uint64_t>data[2] << 16
    if rem >= 2:
        h ^= <uint64_t>data[1] << 8
    if rem >= 1:
        h ^= <uint64_t>data[0]
        h *= m
    h ^= h >> r
    h *= m
    h ^= h >> r
    return h


cdef inline int _pat_len(const uint8_t *ele, Py_ssize_t n, long *regp) noexcept nogil:
    cdef uint64_t h = _murmur64a(ele, <int>n, 0xadc83b19U)
    cdef int count = 1
    cdef uint64_t bit = 1
    regp[0] = <long>(h & P_MASK)
    h >>= 14
    h |= (<uint64_t>1) << Q     # the run is at most Q+1
    while (h & bit) == 0:
        count += 1
        bit <<= 1
    return count


def murmurhash64a(data, unsigned int seed=0xadc83b19):
    """Redis's MurmurHash64A of a byte string."""
    cdef Py_buffer view
    cdef uint64_t h
    PyObject_GetBuffer(data, &view, PyBUF_SIMPLE)
    try:
        h = _murmur64a(<const uint8_t *>view.buf, <int>view.len, seed)
    finally:
        PyBuffer_Release(&view)
    return h


def pattern(data):
    """(register index, value) an element maps to."""
    cdef Py_buffer view
    cdef long index
    cdef int count
    PyObject_GetBuffer(data, &view, PyBUF_SIMPLE)
    try:
        count = _pat_len(<const uint8_t *>view.buf, view.len, &index)
    finally:
        PyBuffer_Release(&view)
    return index, count


# -- dense registers ------------------------------------------------------------------------------------------
cdef inline int _dget(const uint8_t *r, long i) noexcept nogil:
    cdef long byte = i * 6 // 8
    cdef int fb = (i * 6) & 7
    cdef unsigned long b0 = r[byte], b1 = 0
    if fb > 2:  # the register spills into the next byte
        b1 = r[byte + 1]
    return <int>(((b0 >> fb) | (b1 << (8 - fb))) & 63)


cdef inline void _dset(uint8_t *r, long i, unsigned long v) noexcept nogil:
    cdef long byte = i * 6 // 8
    cdef int fb = (i * 6) & 7
    r[byte] = <uint8_t>((r[byte] & ~(63 << fb)) | (v << fb))
    if fb > 2:
        r[byte + 1] = <uint8_t>((r[byte + 1] & ~(63 >> (8 - fb))) | (v >> (8 - fb)))


cdef inline int _dense_set_max(uint8_t *regs, long index, int count) noexcept nogil:
    if count > _dget(regs, index):
        _dset(regs, index, count)
        return 1
    return 0


# -- working copy of an HLL string ----------------------------------------------------------------------------
# Sparse updates insert and delete bytes; they run on a private buffer kept zero past its end (Redis's code reads
# the sds terminator there) and the result is copied back into the bytearray once.
cdef struct Work:
    uint8_t *buf
    Py_ssize_t len
    Py_ssize_t cap


cdef int _work_init(Work *w, const uint8_t *src, Py_ssize_t n, Py_ssize_t room) except -1:
    w.cap = (n if n > room else room) + PAD
    w.buf = <uint8_t *>calloc(w.cap, 1)
    if w.buf == NULL:
        raise MemoryError()
    memcpy(w.buf, src, n)
    w.len = n
    return 0


cdef int _work_store(Work *w, bytearray target) except -1:
    if len(target) != w.len:
        PyByteArray_Resize(target, w.len)
    memcpy(PyByteArray_AS_STRING(target), w.buf, w.len)
    return 0


cdef inline int _op_xzero_len(const uint8_t *p) noexcept nogil:
    return (((p[0] & 0x3f) << 8) | p[1]) + 1


cdef inline const uint8_t *_sparse_op(const uint8_t *p, long *runlen, long *regval) noexcept nogil:
    """Decode the sparse opcode at p: a run of `runlen` registers holding `regval` (0 for ZERO and XZERO).
    Returns where the next opcode starts."""
    if (p[0] & 0xc0) == 0:
        runlen[0] = (p[0] & 0x3f) + 1
        regval[0] = 0
        return p + 1
    if (p[0] & 0xc0) == 0x40:
        runlen[0] = _op_xzero_len(p)
        regval[0] = 0
        return p + 2
    runlen[0] = (p[0] & 0x3) + 1
    regval[0] = ((p[0] >> 2) & 0x1f) + 1
    return p + 1


cdef int _sparse_to_dense(Work *w) noexcept nogil:
    """Redis's hllSparseToDense on the working buffer: 0 done (or already dense), -1 corrupted (unchanged)."""
    cdef uint8_t *dense
    cdef uint8_t *p
    cdef uint8_t *end
    cdef long idx = 0, runlen, regval
    if w.buf[4] == ENC_DENSE:
        return 0
    dense = <uint8_t *>calloc(DENSE_SIZE + PAD, 1)
    if dense == NULL:
        return -2
    memcpy(dense, w.buf, HDR)  # magic, unused bytes and cached cardinality carry over
    dense[4] = ENC_DENSE
    p = w.buf + HDR
    end = w.buf + w.len
    while p < end:
        p = <uint8_t *>_sparse_op(p, &runlen, &regval)
        if regval == 0:
            idx += runlen
            continue
        if runlen + idx > REGISTERS:  # a run past the last register: corrupted
            free(dense)
            return -1
        while runlen > 0:
            _dset(dense + HDR, idx, regval)
            idx += 1
            runlen -= 1
    if idx != REGISTERS:
        free(dense)
        return -1
    free(w.buf)
    w.buf = dense
    w.len = DENSE_SIZE
    w.cap = DENSE_SIZE + PAD
    return 0


cdef inline void _val_set(uint8_t *p, long val, long length) noexcept nogil:
    p[0] = <uint8_t>((((val - 1) << 2) | (length - 1)) | 0x80)


cdef inline int _zero_run(uint8_t *n, long length) noexcept nogil:
    """Writes a ZERO or XZERO opcode for `length` zero registers; returns its size."""
    if length > ZERO_MAX_LEN:
        n[0] = <uint8_t>(((length - 1) >> 8) | 0x40)
        n[1] = <uint8_t>((length - 1) & 0xff)
        return 2
    n[0] = <uint8_t>(length - 1)
    return 1


cdef int _sparse_set(Work *w, long index, int count, Py_ssize_t max_bytes) noexcept nogil:
    """Redis's hllSparseSet: 1 updated, 0 no change, -1 corrupted; may promote the working copy to dense."""
    cdef uint8_t *sparse
    cdef uint8_t *p
    cdef uint8_t *end
    cdef uint8_t *prev
    cdef uint8_t *nxt
    cdef uint8_t *grown
    cdef uint8_t seq[5]
    cdef long first, span, runlen = 0, oplen, last, oldcount, curval
    cdef bint is_zero = 0, is_xzero = 0, is_val = 0
    cdef int seqlen, oldlen, deltalen

    if count > VAL_MAX_VALUE:
        return _promote(w, index, count)

    if w.len + 3 + PAD > w.cap:
        grown = <uint8_t *>calloc(w.len + 3 + PAD + 64, 1)
        if grown == NULL:
            return -2
        memcpy(grown, w.buf, w.len)
        free(w.buf)
        w.buf = grown
        w.cap = w.len + 3 + PAD + 64

    # Step 1: find the opcode covering `index`.
    sparse = p = w.buf + HDR
    end = w.buf + w.len
    first = 0
    prev = NULL
    nxt = NULL
    span = 0
    while p < end:
        oplen = 1
        if (p[0] & 0xc0) == 0:
            span = (p[0] & 0x3f) + 1
        elif p[0] & 0x80:
            span = (p[0] & 0x3) + 1
        else:
            span = _op_xzero_len(p)
            oplen = 2
        if index <= first + span - 1:
            break
        prev = p
        p += oplen
        first += span
    if span == 0 or p >= end:
        return -1

    nxt = p + 2 if (p[0] & 0xc0) == 0x40 else p + 1
    if nxt >= end:
        nxt = NULL

    if (p[0] & 0xc0) == 0:
        is_zero = 1
        runlen = (p[0] & 0x3f) + 1
    elif (p[0] & 0xc0) == 0x40:
        is_xzero = 1
        runlen = _op_xzero_len(p)
    else:
        is_val = 1
        runlen = (p[0] & 0x3) + 1

    # Step 2: the trivial in-place cases.
    if is_val:
        oldcount = ((p[0] >> 2) & 0x1f) + 1
        if oldcount >= count:
            return 0
        if runlen == 1:
            _val_set(p, count, 1)
            return _sparse_merge(w, prev, sparse)
    if is_zero and runlen == 1:
        _val_set(p, count, 1)
        return _sparse_merge(w, prev, sparse)

    # General case: split the opcode into up to three.
    seqlen = 0
    last = first + span - 1
    if is_zero or is_xzero:
        if index != first:
            seqlen += _zero_run(seq + seqlen, index - first)
        _val_set(seq + seqlen, count, 1)
        seqlen += 1
        if index != last:
            seqlen += _zero_run(seq + seqlen, last - index)
    else:
        curval = ((p[0] >> 2) & 0x1f) + 1
        if index != first:
            _val_set(seq + seqlen, curval, index - first)
            seqlen += 1
        _val_set(seq + seqlen, count, 1)
        seqlen += 1
        if index != last:
            _val_set(seq + seqlen, curval, last - index)
            seqlen += 1

    # Step 3: replace the old opcode with the new sequence.
    oldlen = 2 if is_xzero else 1
    deltalen = seqlen - oldlen
    if deltalen > 0 and w.len + deltalen > max_bytes:
        return _promote(w, index, count)
    if deltalen and nxt != NULL:
        memmove(nxt + deltalen, nxt, end - nxt)
    w.len += deltalen
    # The byte past the end must read as the sds terminator (0) again.
    memset(w.buf + w.len, 0, 3)
    memcpy(p, seq, seqlen)
    return _sparse_merge(w, prev, sparse)


cdef int _sparse_merge(Work *w, uint8_t *prev, uint8_t *sparse) noexcept nogil:
    """Step 4 of hllSparseSet: merge adjacent VAL opcodes of equal value (up to 5 opcodes from `prev`), then
    invalidate the cached cardinality."""
    cdef uint8_t *p = prev if prev != NULL else sparse
    cdef uint8_t *end = w.buf + w.len
    cdef int scanlen = 5, v1, v2, length
    while p < end:
        if scanlen == 0:
            break
        scanlen -= 1
        if (p[0] & 0xc0) == 0x40:
            p += 2
            continue
        elif (p[0] & 0xc0) == 0:
            p += 1
            continue
        if p + 1 < end and (p[1] & 0x80):
            v1 = ((p[0] >> 2) & 0x1f) + 1
            v2 = ((p[1] >> 2) & 0x1f) + 1
            if v1 == v2:
                length = (p[0] & 0x3) + 1 + (p[1] & 0x3) + 1
                if length <= VAL_MAX_LEN:
                    _val_set(p + 1, v1, length)
                    memmove(p, p + 1, end - p)
                    w.len -= 1
                    end -= 1
                    end[0] = 0
                    continue
        p += 1
    w.buf[15] |= 0x80
    return 1


cdef int _promote(Work *w, long index, int count) noexcept nogil:
    cdef int rc = _sparse_to_dense(w)
    if rc != 0:
        return rc
    _dense_set_max(w.buf + HDR, index, count)
    return 1


# -- counting -------------------------------------------------------------------------------------------------
cdef double _sigma(double x) noexcept nogil:
    cdef double y = 1, z = x, zp
    if x == 1.0:
        return INFINITY
    while True:
        x *= x
        zp = z
        z += x * y
        y += y
        if zp == z:
            return z


cdef double _tau(double x) noexcept nogil:
    cdef double y = 1.0, z, zp
    if x == 0.0 or x == 1.0:
        return 0.0
    z = 1 - x
    while True:
        x = sqrt(x)
        zp = z
        y *= 0.5
        z -= pow(1 - x, 2) * y
        if zp == z:
            return z / 3


cdef uint64_t _estimate(int *reghisto) noexcept nogil:
    cdef double m = REGISTERS
    cdef double z = m * _tau((m - reghisto[Q + 1]) / m)
    cdef int j
    for j in range(Q, 0, -1):
        z += reghisto[j]
        z *= 0.5
    z += m * _sigma(reghisto[0] / m)
    return <uint64_t>llround(ALPHA_INF * m * m / z)


cdef void _dense_histo(const uint8_t *r, int *reghisto) noexcept nogil:
    cdef int j
    for j in range(REGISTERS // 4):
        # Four 6-bit registers per 3 bytes.
        reghisto[r[0] & 63] += 1
        reghisto[((r[0] >> 6) | (r[1] << 2)) & 63] += 1
        reghisto[((r[1] >> 4) | (r[2] << 4)) & 63] += 1
        reghisto[(r[2] >> 2) & 63] += 1
        r += 3


cdef int _sparse_histo(const uint8_t *p, const uint8_t *end, int *reghisto) noexcept nogil:
    """Returns 0, or -1 when the opcodes do not cover exactly 16384 registers."""
    cdef long idx = 0, runlen, regval
    while p < end:
        p = _sparse_op(p, &runlen, &regval)
        idx += runlen
        reghisto[regval] += runlen
    return 0 if idx == REGISTERS else -1


cdef object _padded(object hll):
    """The HLL as an object whose buffer is followed by a 0 byte, like an sds string: an XZERO opcode cut short
    by the end reads it. bytes and bytearray guarantee one; anything else is copied to bytes."""
    if type(hll) is bytes or type(hll) is bytearray:
        return hll
    return bytes(hll)


def count(hll):
    """(cardinality, valid) of an HLL string whose header has been validated; the cache is not consulted.
    Only a sparse HLL can be invalid (its opcodes not covering exactly 16384 registers). The cardinality is the
    64-bit value as Redis replies it (a long long: registers no hash can produce may overflow the estimate)."""
    cdef Py_buffer view
    cdef int reghisto[64]
    cdef int rc = 0
    cdef const uint8_t *p
    cdef uint64_t card
    hll = _padded(hll)
    memset(reghisto, 0, sizeof(reghisto))
    PyObject_GetBuffer(hll, &view, PyBUF_SIMPLE)
    try:
        p = <const uint8_t *>view.buf
        if view.len < HDR:
            raise ValueError("not an HLL")
        if p[4] == ENC_DENSE:
            if view.len != DENSE_SIZE:
                raise ValueError("not an HLL")
            _dense_histo(p + HDR, reghisto)
        elif p[4] == ENC_SPARSE:
            rc = _sparse_histo(p + HDR, p + view.len, reghisto)
        else:
            raise ValueError("not an HLL")
        card = _estimate(reghisto)
    finally:
        PyBuffer_Release(&view)
    return <long long>card, rc == 0


def count_raw(registers):
    """Cardinality of 16384 one-byte registers (the union buffer of a multi-key PFCOUNT)."""
    cdef Py_buffer view
    cdef int reghisto[64]
    cdef const uint8_t *p
    cdef int j
    memset(reghisto, 0, sizeof(reghisto))
    PyObject_GetBuffer(registers, &view, PyBUF_SIMPLE)
    try:
        if view.len != REGISTERS:
            raise ValueError("need 16384 registers")
        p = <const uint8_t *>view.buf
        for j in range(REGISTERS):
            reghisto[p[j] & 63] += 1
        return <long long>_estimate(reghisto)
    finally:
        PyBuffer_Release(&view)


def merge(bytearray registers, hll):
    """registers[i] = max(registers[i], register i of hll) (Redis's hllMerge). False when a sparse hll is
    corrupted (registers may then be partly updated, as in Redis)."""
    cdef Py_buffer view
    cdef uint8_t *mx
    cdef const uint8_t *p
    cdef const uint8_t *end
    cdef long i, runlen, regval
    cdef int v
    if len(registers) != REGISTERS:
        raise ValueError("need 16384 registers")
    mx = <uint8_t *>PyByteArray_AS_STRING(registers)
    hll = _padded(hll)
    PyObject_GetBuffer(hll, &view, PyBUF_SIMPLE)
    try:
        p = <const uint8_t *>view.buf
        if view.len < HDR:
            raise ValueError("not an HLL")
        if p[4] == ENC_DENSE:
            if view.len != DENSE_SIZE:
                raise ValueError("not an HLL")
            for i in range(REGISTERS):
                v = _dget(p + HDR, i)
                if v > mx[i]:
                    mx[i] = v
            return True
        end = p + view.len
        p += HDR
        i = 0
        while p < end:
            p = _sparse_op(p, &runlen, &regval)
            if regval == 0:
                i += runlen
                continue
            if runlen + i > REGISTERS:  # a run past the last register: corrupted
                return False
            while runlen > 0:
                if regval > mx[i]:
                    mx[i] = regval
                i += 1
                runlen -= 1
        return i == REGISTERS
    finally:
        PyBuffer_Release(&view)


# -- updates --------------------------------------------------------------------------------------------------
cdef inline const uint8_t *_ele_ptr(object ele, Py_ssize_t *n) except NULL:
    if type(ele) is not bytes:
        raise TypeError("elements must be bytes")
    n[0] = PyBytes_GET_SIZE(ele)
    return <const uint8_t *>PyBytes_AS_STRING(ele)


def add(bytearray hll, list elements, Py_ssize_t sparse_max_bytes):
    """PFADD's register updates (Redis's hllAdd per element): returns how many elements changed a register, or
    -1 when the HLL is found corrupted (the updates made before stay, as in Redis). `hll` must have passed the
    header check; it may be promoted to dense."""
    cdef Work w
    cdef uint8_t *regs
    cdef const uint8_t *e
    cdef Py_ssize_t n
    cdef long index
    cdef int cnt, rc, updated = 0
    cdef bint modified = False
    cdef object ele
    cdef uint8_t *raw = <uint8_t *>PyByteArray_AS_STRING(hll)
    if len(hll) < HDR or raw[4] > ENC_SPARSE:
        return -1
    if raw[4] == ENC_DENSE:
        if len(hll) != DENSE_SIZE:
            return -1
        regs = raw + HDR
        for ele in elements:
            if type(ele) is not bytes:
                ele = bytes(ele)
            e = _ele_ptr(ele, &n)
            cnt = _pat_len(e, n, &index)
            updated += _dense_set_max(regs, index, cnt)
        return updated
    _work_init(&w, raw, len(hll), sparse_max_bytes)
    try:
        for ele in elements:
            if type(ele) is not bytes:
                ele = bytes(ele)
            e = _ele_ptr(ele, &n)
            cnt = _pat_len(e, n, &index)
            if w.buf[4] == ENC_DENSE:
                rc = _dense_set_max(w.buf + HDR, index, cnt)
            else:
                rc = _sparse_set(&w, index, cnt, sparse_max_bytes)
            if rc == -2:
                raise MemoryError()
            if rc < 0:
                if modified:
                    _work_store(&w, hll)
                return -1
            if rc:
                modified = True
                updated += 1
        if modified:
            _work_store(&w, hll)
        return updated
    finally:
        free(w.buf)


def store_registers(bytearray hll, registers, Py_ssize_t sparse_max_bytes):
    """PFMERGE's write step: raise every register of `hll` to the matching one of `registers` (16384 bytes),
    in register order, promoting a sparse hll to dense when needed (as Redis does)."""
    cdef Work w
    cdef Py_buffer view
    cdef const uint8_t *mx
    cdef long j
    cdef int rc
    cdef uint8_t *raw = <uint8_t *>PyByteArray_AS_STRING(hll)
    if len(hll) < HDR or raw[4] > ENC_SPARSE:
        raise ValueError("not an HLL")
    PyObject_GetBuffer(registers, &view, PyBUF_SIMPLE)
    try:
        if view.len != REGISTERS:
            raise ValueError("need 16384 registers")
        mx = <const uint8_t *>view.buf
        if raw[4] == ENC_DENSE:
            if len(hll) != DENSE_SIZE:
                raise ValueError("not an HLL")
            for j in range(REGISTERS):
                if mx[j]:
                    _dense_set_max(raw + HDR, j, mx[j])
            return
        _work_init(&w, raw, len(hll), sparse_max_bytes)
        try:
            for j in range(REGISTERS):
                if mx[j] == 0:
                    continue
                if w.buf[4] == ENC_DENSE:
                    _dense_set_max(w.buf + HDR, j, mx[j])
                else:
                    rc = _sparse_set(&w, j, mx[j], sparse_max_bytes)
                    if rc == -2:
                        raise MemoryError()
            _work_store(&w, hll)
        finally:
            free(w.buf)
    finally:
        PyBuffer_Release(&view)


def to_dense(bytearray hll):
    """Convert a sparse HLL to dense in place: 1 converted, 0 already dense, -1 corrupted (unchanged)."""
    cdef Work w
    cdef int rc
    cdef uint8_t *raw = <uint8_t *>PyByteArray_AS_STRING(hll)
    if len(hll) < HDR:
        return -1
    if raw[4] == ENC_DENSE:
        return 0
    _work_init(&w, raw, len(hll), 0)
    try:
        rc = _sparse_to_dense(&w)
        if rc == -2:
            raise MemoryError()
        if rc < 0:
            return -1
        _work_store(&w, hll)
        return 1
    finally:
        free(w.buf)


def registers(hll):
    """The 16384 register values of a dense HLL, as bytes (one byte per register)."""
    cdef Py_buffer view
    cdef bytes out = PyBytes_FromStringAndSize(NULL, REGISTERS)
    cdef uint8_t *o = <uint8_t *>PyBytes_AS_STRING(out)
    cdef long i
    PyObject_GetBuffer(hll, &view, PyBUF_SIMPLE)
    try:
        if view.len != DENSE_SIZE or (<const uint8_t *>view.buf)[4] != ENC_DENSE:
            raise ValueError("not a dense HLL")
        for i in range(REGISTERS):
            o[i] = _dget(<const uint8_t *>view.buf + HDR, i)
    finally:
        PyBuffer_Release(&view)
    return out


def decode(hll):
    """PFDEBUG DECODE's text for a sparse HLL: 'z:<n>' ZERO, 'Z:<n>' XZERO, 'v:<value>,<n>' VAL."""
    cdef bytes data = bytes(hll) + b"\x00"   # an XZERO cut short reads the terminator, as in Redis
    cdef const uint8_t *p = <const uint8_t *>PyBytes_AS_STRING(data)
    cdef const uint8_t *end = p + len(data) - 1
    cdef list out = []
    p += HDR
    while p < end:
        if (p[0] & 0xc0) == 0:
            out.append(b"z:%d" % ((p[0] & 0x3f) + 1))
            p += 1
        elif (p[0] & 0xc0) == 0x40:
            out.append(b"Z:%d" % _op_xzero_len(p))
            p += 2
        else:
            out.append(b"v:%d,%d" % (((p[0] >> 2) & 0x1f) + 1, (p[0] & 0x3) + 1))
            p += 1
    return b" ".join(out)


def new_sparse():
    """An empty HLL as Redis creates it: sparse, one XZERO opcode covering all 16384 registers."""
    cdef bytearray out = PyByteArray_FromStringAndSize(NULL, HDR + 2)
    cdef uint8_t *p = <uint8_t *>PyByteArray_AS_STRING(out)
    memset(p, 0, HDR + 2)
    memcpy(p, b"HYLL", 4)
    p[4] = ENC_SPARSE
    p[HDR] = <uint8_t>(((XZERO_MAX_LEN - 1) >> 8) | 0x40)
    p[HDR + 1] = <uint8_t>((XZERO_MAX_LEN - 1) & 0xff)
    return out
