# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""The RDB format, compiled: length / string / double encodings, the blob containers (listpack, ziplist, intset,
zipmap), the serializer of every kvs value in Redis 7.0's encodings, the whole-file writer and the loader.

Facts come from Redis's rdb.c, listpack.c, ziplist.c, intset.c, zipmap.c and t_stream.c (see
../shared/reference/rdb.md); nothing here is a translation of that code.

Writing is built for a forked snapshot child: the keyspace dicts are walked with PyDict_Next (borrowed references),
a string key or value is copied straight from its bytes buffer into a fixed-size C buffer, and the common case -
a string value - creates no Python object and touches no reference count, so the child does not dirty the parent's
pages (copy-on-write). Collections are serialized from their own structures, again by borrowed references: slot
values read at their offsets, hash dicts with PyDict_Next, list deques block by block, the skiplist of a sorted set
by its C links, set member lists by index; only streams go through Python iteration.

Loading parses a whole buffer (an mmap of the file, or bytes) with every read bounds-checked: a truncated,
bit-flipped or hostile file raises RdbError with the byte offset, never reads outside the buffer, never allocates
more than the input could describe (an LZF string cannot expand more than ~88x), and always advances. Values are
built as Redis 7.0 would hold them after a load (encoding re-decided from the thresholds), containers decoded
straight into their dicts/skiplists, and loaded lists/hashes/sets/zsets are untracked by the cyclic GC (they hold
only bytes; see _untracked).
"""
from libc.stdint cimport uint8_t, uint16_t, uint32_t, uint64_t, int8_t, int16_t, int32_t, int64_t
from libc.string cimport memcpy, memcmp, memset
from libc.stdlib cimport malloc, realloc, free, qsort, strtod, rand
from libc.stdio cimport snprintf
from libc.math cimport isnan, isinf, floor, copysign
from cpython.object cimport PyObject, PyTypeObject
from cpython.bytes cimport PyBytes_FromStringAndSize, PyBytes_AS_STRING, PyBytes_GET_SIZE

from kvs._core.crc64 cimport crc64_update
from kvs._core.lzf cimport lzf_compress_buf, lzf_decompress_buf
from kvs._core.engine cimport Database, Core
from kvs._core.zskiplist cimport ZSet, zsl_node

cdef extern from "Python.h":
    PyTypeObject PyBytes_Type
    PyTypeObject PyByteArray_Type
    PyTypeObject *_type "Py_TYPE"(PyObject *o) nogil
    char *_bytes_ptr "PyBytes_AS_STRING"(PyObject *o) nogil
    Py_ssize_t _bytes_len "PyBytes_GET_SIZE"(PyObject *o) nogil
    char *_ba_ptr "PyByteArray_AS_STRING"(PyObject *o) nogil
    Py_ssize_t _ba_len "PyByteArray_GET_SIZE"(PyObject *o) nogil
    bint _dict_next "PyDict_Next"(PyObject *d, Py_ssize_t *pos, PyObject **k, PyObject **v)
    PyObject *_dict_get "PyDict_GetItem"(PyObject *d, PyObject *k)
    PyObject *_dict_setdefault "PyDict_SetDefault"(object d, object k, object v) except NULL
    long long _as_ll "PyLong_AsLongLong"(PyObject *o) except? -1
    PyObject *_list_item "PyList_GET_ITEM"(PyObject *o, Py_ssize_t i) nogil
    Py_ssize_t _list_size "PyList_GET_SIZE"(PyObject *o) nogil
    Py_ssize_t _dict_size "PyDict_GET_SIZE"(PyObject *o) nogil
    object _PyDict_NewPresized(Py_ssize_t minused)
    void PyObject_GC_UnTrack(void *o)

cdef extern from "structmember.h":
    ctypedef struct PyMemberDef:
        Py_ssize_t offset

cdef extern from "Python.h":
    ctypedef struct PyMemberDescrObject:
        PyMemberDef *d_member

cdef extern from *:
    """
    /* CPython's deque (Modules/_collectionsmodule.c, unchanged from 3.5 to 3.13): a doubly linked list of
       64-slot blocks. Only the head of the struct is declared; _deque_layout_ok() checks it at run time. */
    #define KVS_DEQUE_BLOCKLEN 64
    typedef struct kvs_deque_block {
        struct kvs_deque_block *leftlink;
        PyObject *data[KVS_DEQUE_BLOCKLEN];
        struct kvs_deque_block *rightlink;
    } kvs_deque_block;
    typedef struct {
        PyObject_VAR_HEAD
        kvs_deque_block *leftblock;
        kvs_deque_block *rightblock;
        Py_ssize_t leftindex;
        Py_ssize_t rightindex;
    } kvs_deque_head;
    """
    int KVS_DEQUE_BLOCKLEN
    ctypedef struct kvs_deque_block:
        kvs_deque_block *rightlink
        PyObject **data
    ctypedef struct kvs_deque_head:
        kvs_deque_block *leftblock
        Py_ssize_t leftindex
    Py_ssize_t _var_size "Py_SIZE"(PyObject *o) nogil
    PyObject *_Py_True "Py_True"
    PyObject *_Py_None "Py_None"

cdef extern from "<unistd.h>" nogil:
    int usleep(unsigned int usec)

cdef extern from *:
    """
    #if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    #define KVS_RDB_BIG_ENDIAN 1
    #else
    #define KVS_RDB_BIG_ENDIAN 0
    #endif
    """
    int KVS_RDB_BIG_ENDIAN


RDB_VERSION = 10
MAX_LOADABLE_VERSION = 12

# Object types (rdb.h).
TYPE_STRING = 0
TYPE_LIST = 1
TYPE_SET = 2
TYPE_ZSET = 3
TYPE_HASH = 4
TYPE_ZSET_2 = 5
TYPE_MODULE = 6
TYPE_MODULE_2 = 7
TYPE_HASH_ZIPMAP = 9
TYPE_LIST_ZIPLIST = 10
TYPE_SET_INTSET = 11
TYPE_ZSET_ZIPLIST = 12
TYPE_HASH_ZIPLIST = 13
TYPE_LIST_QUICKLIST = 14
TYPE_STREAM_LISTPACKS = 15
TYPE_HASH_LISTPACK = 16
TYPE_ZSET_LISTPACK = 17
TYPE_LIST_QUICKLIST_2 = 18
TYPE_STREAM_LISTPACKS_2 = 19
TYPE_SET_LISTPACK = 20
TYPE_STREAM_LISTPACKS_3 = 21

# Opcodes.
OP_SLOT_INFO = 244
OP_FUNCTION2 = 245
OP_FUNCTION = 246
OP_MODULE_AUX = 247
OP_IDLE = 248
OP_FREQ = 249
OP_AUX = 250
OP_RESIZEDB = 251
OP_EXPIRETIME_MS = 252
OP_EXPIRETIME = 253
OP_SELECTDB = 254
OP_EOF = 255

# Names redis-check-rdb prints for the types.
TYPE_NAMES = {
    0: "string", 1: "list-linked", 2: "set-hashtable", 3: "zset-v1", 4: "hash-hashtable", 5: "zset-v2",
    6: "module-pre-release", 7: "module-value", 9: "hash-zipmap", 10: "list-ziplist", 11: "set-intset",
    12: "zset-ziplist", 13: "hash-ziplist", 14: "quicklist", 15: "stream", 16: "hash-listpack",
    17: "zset-listpack", 18: "quicklist-v2", 19: "stream-v2", 20: "set-listpack", 21: "stream-v3",
    22: "hash-hashtable-md-pre-ga", 23: "hash-listpack-md-pre-ga", 24: "hash-hashtable-md", 25: "hash-listpack-md",
}

cdef enum:
    T_STRING = 0
    T_LIST = 1
    T_SET = 2
    T_ZSET = 3
    T_HASH = 4
    T_ZSET_2 = 5
    T_MODULE = 6
    T_MODULE_2 = 7
    T_HASH_ZIPMAP = 9
    T_LIST_ZIPLIST = 10
    T_SET_INTSET = 11
    T_ZSET_ZIPLIST = 12
    T_HASH_ZIPLIST = 13
    T_LIST_QUICKLIST = 14
    T_STREAM = 15
    T_HASH_LISTPACK = 16
    T_ZSET_LISTPACK = 17
    T_LIST_QUICKLIST_2 = 18
    T_STREAM_2 = 19
    T_SET_LISTPACK = 20
    T_STREAM_3 = 21

    ENC_INT8 = 0
    ENC_INT16 = 1
    ENC_INT32 = 2
    ENC_LZF = 3

    QL_PLAIN = 1
    QL_PACKED = 2
    PACKED_THRESHOLD = 1 << 30          # quicklist: elements this big get a PLAIN node of their own
    SIZE_SAFETY_LIMIT = 8192
    LP_NUMELE_UNKNOWN = 65535
    MODULE_OPCODE_EOF = 0
    MODULE_OPCODE_SINT = 1
    MODULE_OPCODE_UINT = 2
    MODULE_OPCODE_FLOAT = 3
    MODULE_OPCODE_DOUBLE = 4
    MODULE_OPCODE_STRING = 5

    STREAM_FLAG_DELETED = 1
    STREAM_FLAG_SAMEFIELDS = 2

    WRITE_BUF = 1 << 16
    LFU_INIT_VAL = 5


cdef double LP_INT_LIMIT = 4611686018427387904.0      # double2ll: integral scores within +-2^62 are integers
cdef uint64_t U64_MAX = 0xFFFFFFFFFFFFFFFFULL


class RdbError(Exception):
    """A file or payload that cannot be loaded (or a value that cannot be saved). `offset` is the byte offset of
    the problem (-1 when unknown), `reason` Redis's wording where it has one, `kind` one of "eof", "format",
    "checksum", "version" (RESTORE answers differently for the last two)."""

    def __init__(self, reason, offset=-1, kind="format"):
        super().__init__(f"{reason} (offset {offset})" if offset >= 0 else reason)
        self.reason = reason
        self.offset = offset
        self.kind = kind


cdef int _corrupt(str reason) except -1:
    raise RdbError(reason, -1, "format")


# ---------------------------------------------------------------------------------------------------------------
# Little helpers: integers as text, byte order.
# ---------------------------------------------------------------------------------------------------------------
cdef inline bint _str2ll(const unsigned char *s, Py_ssize_t n, int64_t *out) noexcept nogil:
    """Redis's string2ll: the canonical decimal form of an int64 (no '+', no leading zeros, no '-0')."""
    cdef Py_ssize_t i = 0
    cdef uint64_t v = 0
    cdef bint neg = False
    cdef unsigned char c
    if n <= 0 or n > 20:
        return False
    if n == 1 and s[0] == 48:
        out[0] = 0
        return True
    if s[0] == 45:
        neg = True
        i = 1
        if n == 1:
            return False
    if s[i] < 49 or s[i] > 57:
        return False
    while i < n:
        c = s[i]
        if c < 48 or c > 57:
            return False
        if v > 1844674407370955161ULL or (v == 1844674407370955161ULL and c > 53):
            return False
        v = v * 10 + (c - 48)
        i += 1
    if neg:
        if v > 9223372036854775808ULL:
            return False
        out[0] = <int64_t>(0 - v)
    else:
        if v > 9223372036854775807ULL:
            return False
        out[0] = <int64_t>v
    return True


cdef inline Py_ssize_t _ll2str(int64_t v, char *buf) noexcept nogil:
    """Decimal text of v into buf (>= 21 bytes); returns the length."""
    cdef char tmp[24]
    cdef int n = 0, i
    cdef uint64_t u
    cdef bint neg = v < 0
    u = (<uint64_t>0 - <uint64_t>v) if neg else <uint64_t>v
    while True:
        tmp[n] = <char>(48 + u % 10)
        n += 1
        u //= 10
        if u == 0:
            break
    i = 0
    if neg:
        buf[0] = 45
        i = 1
    while n:
        n -= 1
        buf[i] = tmp[n]
        i += 1
    return i


cdef inline bytes _ll2bytes(int64_t v):
    cdef char buf[24]
    cdef Py_ssize_t n = _ll2str(v, buf)
    return PyBytes_FromStringAndSize(buf, n)


cdef inline uint16_t _u16le(const unsigned char *p) noexcept nogil:
    return <uint16_t>(p[0] | (<uint16_t>p[1] << 8))


cdef inline uint32_t _u32le(const unsigned char *p) noexcept nogil:
    return p[0] | (<uint32_t>p[1] << 8) | (<uint32_t>p[2] << 16) | (<uint32_t>p[3] << 24)


cdef inline uint64_t _u64le(const unsigned char *p) noexcept nogil:
    return _u32le(p) | (<uint64_t>_u32le(p + 4) << 32)


cdef inline uint64_t _u64be(const unsigned char *p) noexcept nogil:
    cdef uint64_t v = 0
    cdef int i
    for i in range(8):
        v = (v << 8) | p[i]
    return v


cdef inline void _put_u16le(unsigned char *p, uint16_t v) noexcept nogil:
    p[0] = v & 0xFF
    p[1] = v >> 8


cdef inline void _put_u32le(unsigned char *p, uint32_t v) noexcept nogil:
    p[0] = v & 0xFF
    p[1] = (v >> 8) & 0xFF
    p[2] = (v >> 16) & 0xFF
    p[3] = v >> 24


cdef inline void _put_u64le(unsigned char *p, uint64_t v) noexcept nogil:
    _put_u32le(p, <uint32_t>(v & 0xFFFFFFFFU))
    _put_u32le(p + 4, <uint32_t>(v >> 32))


cdef inline void _put_u64be(unsigned char *p, uint64_t v) noexcept nogil:
    cdef int i
    for i in range(8):
        p[7 - i] = (v >> (8 * i)) & 0xFF


cdef inline double _double_from_le(const unsigned char *p) noexcept nogil:
    cdef uint64_t u = _u64le(p)
    cdef double d
    memcpy(&d, &u, 8)
    return d


cdef inline Py_ssize_t _fmt_double(double d, char *buf, size_t cap) noexcept nogil:
    """A score as Redis 7.0 prints it into a listpack or a legacy string double: %.17g, inf/-inf."""
    if isinf(d):
        if d > 0:
            memcpy(buf, b"inf", 3)
            return 3
        memcpy(buf, b"-inf", 4)
        return 4
    return snprintf(buf, cap, "%.17g", d)


cdef inline bint _double2ll(double d, int64_t *out) noexcept nogil:
    """Redis's double2ll: an integral double within +-2^62 becomes an integer listpack entry."""
    if isnan(d) or d < -LP_INT_LIMIT or d > LP_INT_LIMIT:
        return False
    if floor(d) != d:
        return False
    out[0] = <int64_t>d
    return True


cdef inline int _obj_buf(object o, const unsigned char **p, Py_ssize_t *n) except -1:
    """Borrow the bytes of a bytes/bytearray value (what kvs stores for every string)."""
    cdef PyObject *ptr = <PyObject *>o
    cdef PyTypeObject *t = _type(ptr)
    if t == &PyBytes_Type:
        p[0] = <const unsigned char *>_bytes_ptr(ptr)
        n[0] = _bytes_len(ptr)
    elif t == &PyByteArray_Type:
        p[0] = <const unsigned char *>_ba_ptr(ptr)
        n[0] = _ba_len(ptr)
    else:
        raise TypeError(f"cannot serialize {type(o).__name__} as an RDB string")
    return 0


# ---------------------------------------------------------------------------------------------------------------
# Growable scratch buffer and the blob builders.
# ---------------------------------------------------------------------------------------------------------------
cdef int cb_reserve(cbuf *b, size_t extra) except -1:
    cdef size_t want = b.n + extra
    cdef size_t cap
    cdef unsigned char *p
    if want <= b.cap:
        return 0
    cap = b.cap * 2 if b.cap else 256
    while cap < want:
        cap *= 2
    p = <unsigned char *>realloc(b.p, cap)
    if p == NULL:
        raise MemoryError()
    b.p = p
    b.cap = cap
    return 0


cdef void cb_free(cbuf *b) noexcept:
    free(b.p)
    b.p = NULL
    b.n = b.cap = b.count = 0


cdef inline void cb_trim(cbuf *b) noexcept:
    """Give back a scratch buffer that grew big for one value (a child should not keep hundreds of MB)."""
    if b.cap > (1 << 20):
        cb_free(b)


cdef inline size_t _backlen_size(size_t l) noexcept nogil:
    if l <= 127:
        return 1
    if l < 16383:
        return 2
    if l < 2097151:
        return 3
    if l < 268435455:
        return 4
    return 5


cdef inline size_t _encode_backlen(unsigned char *buf, size_t l) noexcept nogil:
    cdef size_t k = _backlen_size(l), i
    cdef unsigned char byte
    # 7 bits per byte, most significant group first; every byte after the first has bit 7 set.
    for i in range(k):
        byte = <unsigned char>((l >> (7 * (k - 1 - i))) & 127)
        buf[i] = byte | 128 if i else byte
    return k


cdef inline size_t _lp_int_encsize(int64_t v) noexcept nogil:
    if 0 <= v <= 127:
        return 1
    if -4096 <= v <= 4095:
        return 2
    if -32768 <= v <= 32767:
        return 3
    if -8388608 <= v <= 8388607:
        return 4
    if -2147483648 <= v <= 2147483647:
        return 5
    return 9


cdef inline size_t _lp_str_encsize(size_t k) noexcept nogil:
    if k < 64:
        return 1 + k
    if k < 4096:
        return 2 + k
    return 5 + k


cdef inline size_t _lp_entry_size(const unsigned char *s, Py_ssize_t k) noexcept nogil:
    """Bytes an element takes in a listpack, back-length included (strings that read as int64 become integers)."""
    cdef int64_t v
    cdef size_t enc
    if k <= 20 and _str2ll(s, k, &v):
        enc = _lp_int_encsize(v)
    else:
        enc = _lp_str_encsize(k)
    return enc + _backlen_size(enc)


cdef int lp_begin(cbuf *b) except -1:
    b.n = 0
    b.count = 0
    cb_reserve(b, 6)
    b.n = 6
    return 0


cdef int lp_append_int(cbuf *b, int64_t v) except -1:
    cdef size_t enc = _lp_int_encsize(v)
    cdef unsigned char *p
    cdef uint64_t u
    cb_reserve(b, enc + 5)
    p = b.p + b.n
    u = <uint64_t>v
    if enc == 1:
        p[0] = <unsigned char>v
    elif enc == 2:
        u = <uint64_t>(v + 8192) if v < 0 else u
        p[0] = 0xC0 | <unsigned char>((u >> 8) & 0x1F)
        p[1] = u & 0xFF
    elif enc == 3:
        p[0] = 0xF1
        p[1] = u & 0xFF
        p[2] = (u >> 8) & 0xFF
    elif enc == 4:
        p[0] = 0xF2
        p[1] = u & 0xFF
        p[2] = (u >> 8) & 0xFF
        p[3] = (u >> 16) & 0xFF
    elif enc == 5:
        p[0] = 0xF3
        _put_u32le(p + 1, <uint32_t>(u & 0xFFFFFFFFU))
    else:
        p[0] = 0xF4
        _put_u64le(p + 1, u)
    b.n += enc
    b.n += _encode_backlen(b.p + b.n, enc)
    b.count += 1
    return 0


cdef int lp_append_str(cbuf *b, const unsigned char *s, Py_ssize_t k) except -1:
    """lpAppend: a string that is the canonical text of an int64 is stored as that integer."""
    cdef int64_t v
    cdef size_t enc
    cdef unsigned char *p
    if k <= 20 and _str2ll(s, k, &v):
        return lp_append_int(b, v)
    enc = _lp_str_encsize(k)
    cb_reserve(b, enc + 5)
    p = b.p + b.n
    if k < 64:
        p[0] = 0x80 | <unsigned char>k
        memcpy(p + 1, s, k)
    elif k < 4096:
        p[0] = 0xE0 | <unsigned char>(k >> 8)
        p[1] = k & 0xFF
        memcpy(p + 2, s, k)
    else:
        if <uint64_t>k > 0xFFFFFFFFULL:
            raise OverflowError("listpack element too large")
        p[0] = 0xF0
        _put_u32le(p + 1, <uint32_t>k)
        memcpy(p + 5, s, k)
    b.n += enc
    b.n += _encode_backlen(b.p + b.n, enc)
    b.count += 1
    return 0


cdef inline int lp_append_obj(cbuf *b, object o) except -1:
    cdef const unsigned char *s
    cdef Py_ssize_t k
    _obj_buf(o, &s, &k)
    return lp_append_str(b, s, k)


cdef int lp_finish(cbuf *b) except -1:
    cb_reserve(b, 1)
    b.p[b.n] = 0xFF
    b.n += 1
    if b.n > 0xFFFFFFFFULL:
        raise OverflowError("listpack larger than 4 GiB")
    _put_u32le(b.p, <uint32_t>b.n)
    _put_u16le(b.p + 4, <uint16_t>(b.count if b.count < LP_NUMELE_UNKNOWN else LP_NUMELE_UNKNOWN))
    return 0


cdef int _cmp_i64(const void *a, const void *b) noexcept nogil:
    cdef int64_t x = (<const int64_t *>a)[0], y = (<const int64_t *>b)[0]
    return -1 if x < y else (1 if x > y else 0)


cdef int intset_build(cbuf *b, int64_t *vals, size_t n) except -1:
    """An intset blob of n values (sorted here; the caller guarantees no duplicates)."""
    cdef size_t width = 2, i
    cdef unsigned char *p
    cdef uint64_t u
    qsort(vals, n, sizeof(int64_t), _cmp_i64)
    for i in range(n):
        if vals[i] < -2147483648 or vals[i] > 2147483647:
            width = 8
            break
        if vals[i] < -32768 or vals[i] > 32767:
            width = 4
    b.n = 0
    cb_reserve(b, 8 + n * width)
    _put_u32le(b.p, <uint32_t>width)
    _put_u32le(b.p + 4, <uint32_t>n)
    p = b.p + 8
    for i in range(n):
        u = <uint64_t>vals[i]
        if width == 2:
            _put_u16le(p, <uint16_t>(u & 0xFFFF))
        elif width == 4:
            _put_u32le(p, <uint32_t>(u & 0xFFFFFFFFU))
        else:
            _put_u64le(p, u)
        p += width
    b.n = 8 + n * width
    return 0


cdef int zl_append(cbuf *b, const unsigned char *s, Py_ssize_t k, size_t *prevlen) except -1:
    """Append one ziplist entry (Redis's zipTryEncoding choices) after the header; tracks the previous length."""
    cdef int64_t v
    cdef unsigned char hdr[16]
    cdef size_t h = 0, datalen = 0, start = b.n
    cdef bint isint = k <= 32 and _str2ll(s, k, &v)
    cdef uint64_t u
    if prevlen[0] < 254:
        hdr[0] = <unsigned char>prevlen[0]
        h = 1
    else:
        hdr[0] = 254
        _put_u32le(hdr + 1, <uint32_t>prevlen[0])
        h = 5
    if isint:
        u = <uint64_t>v
        if 0 <= v <= 12:
            hdr[h] = 0xF1 + <unsigned char>v
            h += 1
        elif -128 <= v <= 127:
            hdr[h] = 0xFE
            hdr[h + 1] = u & 0xFF
            h += 2
        elif -32768 <= v <= 32767:
            hdr[h] = 0xC0
            _put_u16le(hdr + h + 1, <uint16_t>(u & 0xFFFF))
            h += 3
        elif -8388608 <= v <= 8388607:
            hdr[h] = 0xF0
            hdr[h + 1] = u & 0xFF
            hdr[h + 2] = (u >> 8) & 0xFF
            hdr[h + 3] = (u >> 16) & 0xFF
            h += 4
        elif -2147483648 <= v <= 2147483647:
            hdr[h] = 0xD0
            _put_u32le(hdr + h + 1, <uint32_t>(u & 0xFFFFFFFFU))
            h += 5
        else:
            hdr[h] = 0xE0
            _put_u64le(hdr + h + 1, u)
            h += 9
    else:
        if k < 64:
            hdr[h] = <unsigned char>k
            h += 1
        elif k < 16384:
            hdr[h] = 0x40 | <unsigned char>(k >> 8)
            hdr[h + 1] = k & 0xFF
            h += 2
        else:
            hdr[h] = 0x80
            hdr[h + 1] = (k >> 24) & 0xFF
            hdr[h + 2] = (k >> 16) & 0xFF
            hdr[h + 3] = (k >> 8) & 0xFF
            hdr[h + 4] = k & 0xFF
            h += 5
        datalen = k
    cb_reserve(b, h + datalen)
    memcpy(b.p + b.n, hdr, h)
    b.n += h
    if datalen:
        memcpy(b.p + b.n, s, datalen)
        b.n += datalen
    prevlen[0] = b.n - start
    b.count += 1
    return 0


# ---------------------------------------------------------------------------------------------------------------
# Blob readers. Each raises RdbError(offset -1) on corruption; the loader fills in the offset of the value.
# ---------------------------------------------------------------------------------------------------------------
cdef struct lpit:
    const unsigned char *lp
    Py_ssize_t size
    Py_ssize_t pos
    Py_ssize_t count
    Py_ssize_t declared


cdef int lp_open(lpit *it, const unsigned char *lp, Py_ssize_t size) except -1:
    if size < 7:
        _corrupt("Listpack integrity check failed.")
    if <Py_ssize_t>_u32le(lp) != size or lp[size - 1] != 0xFF:
        _corrupt("Listpack integrity check failed.")
    it.lp = lp
    it.size = size
    it.pos = 6
    it.count = 0
    it.declared = _u16le(lp + 4)
    return 0


cdef int lp_next(lpit *it, const unsigned char **s, Py_ssize_t *slen, int64_t *v) except -1:
    """The next element: 1 = string (s, slen), 2 = integer (v), 0 = end of the listpack (header count checked)."""
    cdef const unsigned char *p = it.lp + it.pos
    cdef Py_ssize_t room = it.size - 1 - it.pos        # bytes before the terminator
    cdef unsigned int c = p[0]
    cdef Py_ssize_t enc = 0, bl, k
    cdef uint64_t u
    cdef unsigned char want[8]
    cdef int kind = 2
    if c == 0xFF:
        if room != 0:
            _corrupt("Listpack integrity check failed.")
        if it.declared != LP_NUMELE_UNKNOWN and it.declared != it.count:
            _corrupt("Listpack integrity check failed.")
        return 0
    if c < 0x80:
        v[0] = c
        enc = 1
    elif (c & 0xC0) == 0x80:
        kind = 1
        slen[0] = c & 0x3F
        s[0] = p + 1
        enc = 1 + slen[0]
    elif (c & 0xE0) == 0xC0:
        if room < 2:
            _corrupt("Listpack integrity check failed.")
        u = ((c & 0x1F) << 8) | p[1]
        v[0] = <int64_t>u if u < 4096 else <int64_t>u - 8192
        enc = 2
    elif (c & 0xF0) == 0xE0:
        if room < 2:
            _corrupt("Listpack integrity check failed.")
        kind = 1
        slen[0] = ((c & 0x0F) << 8) | p[1]
        s[0] = p + 2
        enc = 2 + slen[0]
    elif c == 0xF0:
        if room < 5:
            _corrupt("Listpack integrity check failed.")
        kind = 1
        k = _u32le(p + 1)
        slen[0] = k
        s[0] = p + 5
        enc = 5 + k
    elif c == 0xF1:
        if room < 3:
            _corrupt("Listpack integrity check failed.")
        v[0] = <int16_t>_u16le(p + 1)
        enc = 3
    elif c == 0xF2:
        if room < 4:
            _corrupt("Listpack integrity check failed.")
        u = p[1] | (<uint64_t>p[2] << 8) | (<uint64_t>p[3] << 16)
        v[0] = <int64_t>u - 16777216 if u & 0x800000 else <int64_t>u
        enc = 4
    elif c == 0xF3:
        if room < 5:
            _corrupt("Listpack integrity check failed.")
        v[0] = <int32_t>_u32le(p + 1)
        enc = 5
    elif c == 0xF4:
        if room < 9:
            _corrupt("Listpack integrity check failed.")
        v[0] = <int64_t>_u64le(p + 1)
        enc = 9
    else:
        _corrupt("Listpack integrity check failed.")
    bl = _backlen_size(enc)
    if enc + bl > room:
        _corrupt("Listpack integrity check failed.")
    _encode_backlen(want, enc)
    if memcmp(want, p + enc, bl) != 0:
        _corrupt("Listpack integrity check failed.")
    it.pos += enc + bl
    it.count += 1
    return kind


cdef object lp_next_obj(lpit *it, bint *done):
    """The next element as bytes (integers as their decimal text)."""
    cdef const unsigned char *s
    cdef Py_ssize_t k
    cdef int64_t v
    cdef int kind = lp_next(it, &s, &k, &v)
    if kind == 0:
        done[0] = True
        return None
    done[0] = False
    if kind == 1:
        return PyBytes_FromStringAndSize(<const char *>s, k)
    return _ll2bytes(v)


cdef int64_t lp_next_int(lpit *it) except? -1:
    """The next element, which must be an integer (stream metadata)."""
    cdef const unsigned char *s
    cdef Py_ssize_t k
    cdef int64_t v
    cdef int kind = lp_next(it, &s, &k, &v)
    if kind == 2:
        return v
    if kind == 1 and _str2ll(s, k, &v):
        return v
    _corrupt("Stream listpack integrity check failed.")
    return 0


cdef list lp_to_list(const unsigned char *lp, Py_ssize_t size):
    cdef lpit it
    cdef list out = []
    cdef bint done = False
    cdef object o
    lp_open(&it, lp, size)
    while True:
        o = lp_next_obj(&it, &done)
        if done:
            return out
        out.append(o)


cdef struct zlit:
    const unsigned char *zl
    Py_ssize_t size
    Py_ssize_t pos
    Py_ssize_t count
    Py_ssize_t declared
    Py_ssize_t prevlen
    Py_ssize_t last


cdef int zl_open(zlit *it, const unsigned char *zl, Py_ssize_t size) except -1:
    if size < 11 or <Py_ssize_t>_u32le(zl) != size or zl[size - 1] != 0xFF:
        _corrupt("Ziplist integrity check failed.")
    if <Py_ssize_t>_u32le(zl + 4) > size - 1:
        _corrupt("Ziplist integrity check failed.")
    it.zl = zl
    it.size = size
    it.pos = 10
    it.count = 0
    it.declared = _u16le(zl + 8)
    it.prevlen = 0
    it.last = 10
    return 0


cdef int zl_next(zlit *it, const unsigned char **s, Py_ssize_t *slen, int64_t *v) except -1:
    """Like lp_next for a ziplist, checking each entry's prevlen against the previous entry's size."""
    cdef const unsigned char *p = it.zl + it.pos
    cdef Py_ssize_t room = it.size - 1 - it.pos
    cdef Py_ssize_t plen, prev, hdr, data = 0, total
    cdef unsigned int e
    cdef int kind = 2
    cdef uint64_t u
    if p[0] == 0xFF:
        if room != 0:
            _corrupt("Ziplist integrity check failed.")
        if it.declared != LP_NUMELE_UNKNOWN and it.declared != it.count:
            _corrupt("Ziplist integrity check failed.")
        if <Py_ssize_t>_u32le(it.zl + 4) != it.last:
            _corrupt("Ziplist integrity check failed.")
        return 0
    if p[0] < 254:
        plen = 1
        prev = p[0]
    else:
        if room < 5 or p[0] != 254:
            _corrupt("Ziplist integrity check failed.")
        plen = 5
        prev = _u32le(p + 1)
    if prev != it.prevlen:
        _corrupt("Ziplist integrity check failed.")
    if room < plen + 1:
        _corrupt("Ziplist integrity check failed.")
    e = p[plen]
    if (e >> 6) == 0:
        kind = 1
        hdr = 1
        data = e & 0x3F
    elif (e >> 6) == 1:
        if room < plen + 2:
            _corrupt("Ziplist integrity check failed.")
        kind = 1
        hdr = 2
        data = ((e & 0x3F) << 8) | p[plen + 1]
    elif (e >> 6) == 2:
        if room < plen + 5:
            _corrupt("Ziplist integrity check failed.")
        kind = 1
        hdr = 5
        data = (<Py_ssize_t>p[plen + 1] << 24) | (p[plen + 2] << 16) | (p[plen + 3] << 8) | p[plen + 4]
    else:
        hdr = 1
        if e == 0xC0:
            data = 2
        elif e == 0xD0:
            data = 4
        elif e == 0xE0:
            data = 8
        elif e == 0xF0:
            data = 3
        elif e == 0xFE:
            data = 1
        elif 0xF1 <= e <= 0xFD:
            data = 0
        else:
            _corrupt("Ziplist integrity check failed.")
    total = plen + hdr + data
    if total > room or data < 0:
        _corrupt("Ziplist integrity check failed.")
    p += plen + hdr
    if kind == 1:
        s[0] = p
        slen[0] = data
    elif e == 0xC0:
        v[0] = <int16_t>_u16le(p)
    elif e == 0xD0:
        v[0] = <int32_t>_u32le(p)
    elif e == 0xE0:
        v[0] = <int64_t>_u64le(p)
    elif e == 0xF0:
        u = p[0] | (<uint64_t>p[1] << 8) | (<uint64_t>p[2] << 16)
        v[0] = <int64_t>u - 16777216 if u & 0x800000 else <int64_t>u
    elif e == 0xFE:
        v[0] = <int8_t>p[0]
    else:
        v[0] = (e & 0x0F) - 1
    it.last = it.pos
    it.pos += total
    it.prevlen = total
    it.count += 1
    return kind


cdef list zl_to_list(const unsigned char *zl, Py_ssize_t size):
    cdef zlit it
    cdef list out = []
    cdef const unsigned char *s
    cdef Py_ssize_t k
    cdef int64_t v
    cdef int kind
    zl_open(&it, zl, size)
    while True:
        kind = zl_next(&it, &s, &k, &v)
        if kind == 0:
            return out
        out.append(PyBytes_FromStringAndSize(<const char *>s, k) if kind == 1 else _ll2bytes(v))


cdef list intset_to_list(const unsigned char *p, Py_ssize_t size, bint as_int):
    """Validate an intset (width 2/4/8, exact size, non-empty, strictly ascending) and return its members."""
    cdef uint32_t width, count, i
    cdef int64_t v, prev = 0
    cdef list out = []
    cdef const unsigned char *q
    if size < 8:
        _corrupt("Intset integrity check failed.")
    width = _u32le(p)
    count = _u32le(p + 4)
    if (width != 2 and width != 4 and width != 8) or <uint64_t>size != 8 + <uint64_t>count * width or count == 0:
        _corrupt("Intset integrity check failed.")
    q = p + 8
    for i in range(count):
        if width == 2:
            v = <int16_t>_u16le(q)
        elif width == 4:
            v = <int32_t>_u32le(q)
        else:
            v = <int64_t>_u64le(q)
        q += width
        if i and v <= prev:
            _corrupt("Intset integrity check failed.")
        prev = v
        out.append(v if as_int else _ll2bytes(v))
    return out


cdef int _zm_len(const unsigned char *p, Py_ssize_t room, Py_ssize_t *n, Py_ssize_t *used) except -1:
    if room < 1:
        _corrupt("Zipmap integrity check failed.")
    if p[0] < 254:
        n[0] = p[0]
        used[0] = 1
    elif p[0] == 254:
        if room < 5:
            _corrupt("Zipmap integrity check failed.")
        n[0] = _u32le(p + 1)
        used[0] = 5
    else:
        _corrupt("Zipmap integrity check failed.")
    return 0


cdef list zipmap_to_pairs(const unsigned char *p, Py_ssize_t size):
    """Validate a zipmap (Redis <= 2.4 small hashes) and return [(field, value), ...]."""
    cdef Py_ssize_t pos = 1, n, used, free_
    cdef Py_ssize_t declared
    cdef list out = []
    cdef bytes f, val
    if size < 2 or p[size - 1] != 0xFF:
        _corrupt("Zipmap integrity check failed.")
    declared = p[0]
    while True:
        if pos >= size:
            _corrupt("Zipmap integrity check failed.")
        if p[pos] == 0xFF:
            if pos != size - 1:
                _corrupt("Zipmap integrity check failed.")
            break
        _zm_len(p + pos, size - 1 - pos, &n, &used)
        pos += used
        if n > size - 1 - pos:
            _corrupt("Zipmap integrity check failed.")
        f = PyBytes_FromStringAndSize(<const char *>p + pos, n)
        pos += n
        _zm_len(p + pos, size - 1 - pos, &n, &used)
        pos += used
        if pos >= size - 1:
            _corrupt("Zipmap integrity check failed.")
        free_ = p[pos]
        pos += 1
        if n + free_ > size - 1 - pos:
            _corrupt("Zipmap integrity check failed.")
        val = PyBytes_FromStringAndSize(<const char *>p + pos, n)
        pos += n + free_
        out.append((f, val))
    if declared < 254 and declared != len(out):
        _corrupt("Zipmap integrity check failed.")
    return out


cdef inline object _untracked(object o):
    """Take a loaded value (and its member list) out of the cyclic GC's view. Lists, hashes, sets and sorted sets
    hold nothing but bytes (and, inside, untracked dicts of bytes), so they can never be part of a reference cycle:
    reference counting frees them. Left tracked, the millions of values a load creates would all be rescanned
    by the next collections (seconds of pause after a big load). Streams (whose consumers and pending entries
    reference each other) stay tracked."""
    PyObject_GC_UnTrack(<PyObject *>o)
    return o


# ---------------------------------------------------------------------------------------------------------------
# Value classes, imported on first use (the command modules import the server machinery).
# ---------------------------------------------------------------------------------------------------------------
cdef object ListValue = None
cdef object HashValue = None
cdef object SetValue = None
cdef object ZSetValue = None
cdef object StreamValue = None
cdef object StreamNode = None
cdef object Group = None
cdef object Consumer = None
cdef object Nack = None


cdef int _classes() except -1:
    global ListValue, HashValue, SetValue, ZSetValue, StreamValue, StreamNode, Group, Consumer, Nack
    if ListValue is not None:
        return 0
    from kvs.commands import t_hash, t_list, t_set, t_stream, t_zset
    HashValue = t_hash.HashValue
    SetValue = t_set.SetValue
    ZSetValue = t_zset.ZSetValue
    StreamValue = t_stream.StreamValue
    StreamNode = t_stream._Node
    Group = t_stream.Group
    Consumer = t_stream.Consumer
    Nack = t_stream.Nack
    ListValue = t_list.ListValue
    global OFF_HASH_FIELDS, OFF_HASH_BIG, OFF_SET_MEMBERS, OFF_SET_BIG, DEQUE_WALK
    OFF_HASH_FIELDS = _slot_offset(HashValue, "fields")
    OFF_HASH_BIG = _slot_offset(HashValue, "big")
    OFF_SET_MEMBERS = _slot_offset(SetValue, "members")
    OFF_SET_BIG = _slot_offset(SetValue, "big")
    DEQUE_WALK = _deque_layout_ok()
    return 0


# -- borrowed reads for the snapshot child -------------------------------------------------------------------------
# Reading an attribute or iterating a container the Python way takes a new reference: a write to the object's
# header that, after fork(), copies its page. The writer reads __slots__ values at their offsets and walks deques
# block by block instead, so serializing a collection writes to nothing of the parent's.
cdef Py_ssize_t OFF_HASH_FIELDS = 0, OFF_HASH_BIG = 0, OFF_SET_MEMBERS = 0, OFF_SET_BIG = 0
cdef bint DEQUE_WALK = False


cdef Py_ssize_t _slot_offset(object cls, str name) except -1:
    descr = cls.__dict__[name]
    if type(descr).__name__ != "member_descriptor":
        raise TypeError(f"{cls.__name__}.{name} is not a __slots__ member")
    return (<PyMemberDescrObject *>descr).d_member.offset


cdef inline PyObject *_slot(object o, Py_ssize_t offset) except NULL:
    cdef PyObject *v = (<PyObject **>((<char *><PyObject *>o) + offset))[0]
    if v == NULL:
        raise ValueError(f"uninitialised {type(o).__name__} value")
    return v


ctypedef struct deque_walk:
    kvs_deque_block *block
    PyObject *items         # a list copy to index instead, where the deque layout is not the declared one
    Py_ssize_t index
    Py_ssize_t left


cdef inline void _deque_start(deque_walk *w, object d, object items) noexcept:
    if items is not None:
        w.items = <PyObject *>items
        w.index = 0
        w.left = _list_size(<PyObject *>items)
        return
    w.items = NULL
    w.block = (<kvs_deque_head *><PyObject *>d).leftblock
    w.index = (<kvs_deque_head *><PyObject *>d).leftindex
    w.left = _var_size(<PyObject *>d)


cdef inline PyObject *_deque_next(deque_walk *w) noexcept nogil:
    """The next element (borrowed), NULL at the end."""
    cdef PyObject *e
    if w.left <= 0:
        return NULL
    if w.items != NULL:
        w.left -= 1
        w.index += 1
        return _list_item(w.items, w.index - 1)
    if w.index == KVS_DEQUE_BLOCKLEN:
        w.block = w.block.rightlink
        w.index = 0
    e = w.block.data[w.index]
    w.index += 1
    w.left -= 1
    return e


def borrowed_walks() -> bool:
    """Whether lists are serialized by walking the deque's blocks (no references taken) on this interpreter."""
    _classes()
    return DEQUE_WALK


cdef bint _deque_layout_ok():
    """Whether this interpreter's deque matches the declared layout: walk deques whose head sits mid-block and
    that span several blocks, and compare with Python iteration."""
    cdef deque_walk w
    cdef PyObject *e
    cdef Py_ssize_t i
    for shift in (0, 1, 63, 64, 100):
        d = ListValue([object() for _ in range(300)])
        for _ in range(shift):
            d.popleft()
        d.appendleft(object())
        expected = list(d)
        _deque_start(&w, d, None)
        for i in range(len(expected)):
            e = _deque_next(&w)
            if e != <PyObject *>expected[i]:
                return False
        if _deque_next(&w) != NULL:
            return False
    return True


DEFAULT_LIMITS = {
    "hash-max-listpack-entries": 512, "hash-max-listpack-value": 64, "set-max-intset-entries": 512,
    "zset-max-listpack-entries": 128, "zset-max-listpack-value": 64, "list-max-listpack-size": -2,
}


def limits_from_config(config):
    """The encoding thresholds of a kvs Config (or Redis's defaults for None)."""
    if config is None:
        return dict(DEFAULT_LIMITS)
    return {name: config[name] for name in DEFAULT_LIMITS}


# ---------------------------------------------------------------------------------------------------------------
# The writer.
# ---------------------------------------------------------------------------------------------------------------
cdef class Writer:
    """rio for RDB: a fixed-size buffer in front of `sink.write(bytes)` (or an in-memory result when sink is None),
    with the running CRC-64 of everything flushed. The serializing methods mirror rdbSave*: length(), string()
    (integer / LZF / raw forms), and type_of()/payload() for whole kvs values."""

    def __cinit__(self, sink=None, bint compression=True, bint checksum=True, dict limits=None):
        self.cap = WRITE_BUF
        self.buf = <unsigned char *>malloc(self.cap)
        if self.buf == NULL:
            raise MemoryError()
        self.n = 0
        self.write_fn = None if sink is None else sink.write
        self.mem = NULL
        self.mem_n = self.mem_cap = 0
        self.crc = 0
        self.checksum = checksum
        self.compression = compression
        self.total = 0
        self.lzf = NULL
        self.lzf_cap = 0
        self.blob.p = NULL
        self.blob.n = self.blob.cap = self.blob.count = 0
        self.limits = limits if limits is not None else dict(DEFAULT_LIMITS)
        self.hash_entries = self.limits["hash-max-listpack-entries"]
        self.hash_value = self.limits["hash-max-listpack-value"]
        self.intset_entries = self.limits["set-max-intset-entries"]
        self.list_fill = self.limits["list-max-listpack-size"]

    def __dealloc__(self):
        free(self.buf)
        free(self.mem)
        free(self.lzf)
        cb_free(&self.blob)

    cdef int _sink(self, const unsigned char *p, size_t k) except -1:
        cdef unsigned char *m
        cdef size_t cap
        if self.checksum:
            self.crc = crc64_update(self.crc, p, k)
        if self.write_fn is not None:
            self.write_fn(PyBytes_FromStringAndSize(<const char *>p, k))
            return 0
        if self.mem_n + k > self.mem_cap:
            cap = self.mem_cap * 2 if self.mem_cap else 4096
            while cap < self.mem_n + k:
                cap *= 2
            m = <unsigned char *>realloc(self.mem, cap)
            if m == NULL:
                raise MemoryError()
            self.mem = m
            self.mem_cap = cap
        memcpy(self.mem + self.mem_n, p, k)
        self.mem_n += k
        return 0

    cdef int flush(self) except -1:
        if self.n:
            self._sink(self.buf, self.n)
            self.n = 0
        return 0

    cdef int raw(self, const void *p, size_t k) except -1:
        cdef const unsigned char *q = <const unsigned char *>p
        cdef size_t chunk
        self.total += k
        if k <= self.cap - self.n:
            memcpy(self.buf + self.n, q, k)
            self.n += k
            return 0
        self.flush()
        if k < self.cap:
            memcpy(self.buf, q, k)
            self.n = k
            return 0
        # A big value goes out in buffer-sized pieces straight from its own memory.
        while k:
            chunk = k if k < (1 << 22) else (1 << 22)
            self._sink(q, chunk)
            q += chunk
            k -= chunk
        return 0

    cdef int byte(self, unsigned char c) except -1:
        if self.n == self.cap:
            self.flush()
        self.buf[self.n] = c
        self.n += 1
        self.total += 1
        return 0

    cdef int length(self, uint64_t v) except -1:
        cdef unsigned char b[9]
        if v < 64:
            return self.byte(<unsigned char>v)
        if v < 16384:
            b[0] = 0x40 | <unsigned char>(v >> 8)
            b[1] = v & 0xFF
            return self.raw(b, 2)
        if v <= 0xFFFFFFFFULL:
            b[0] = 0x80
            b[1] = (v >> 24) & 0xFF
            b[2] = (v >> 16) & 0xFF
            b[3] = (v >> 8) & 0xFF
            b[4] = v & 0xFF
            return self.raw(b, 5)
        b[0] = 0x81
        _put_u64be(b + 1, v)
        return self.raw(b, 9)

    cdef int string(self, const unsigned char *p, size_t k) except -1:
        """rdbSaveRawString: INT8/16/32 for short canonical integers, LZF when enabled, longer than 20 bytes and
        at least 4 bytes smaller, else the length and the bytes."""
        cdef int64_t v
        cdef unsigned char b[5]
        cdef size_t c
        if 0 < k <= 11 and _str2ll(p, k, &v) and -2147483648 <= v <= 2147483647:
            if -128 <= v <= 127:
                b[0] = 0xC0
                b[1] = <unsigned char>(v & 0xFF)
                return self.raw(b, 2)
            if -32768 <= v <= 32767:
                b[0] = 0xC1
                _put_u16le(b + 1, <uint16_t>(v & 0xFFFF))
                return self.raw(b, 3)
            b[0] = 0xC2
            _put_u32le(b + 1, <uint32_t>(v & 0xFFFFFFFF))
            return self.raw(b, 5)
        if self.compression and k > 20:
            if self.lzf_cap < k:
                free(self.lzf)
                self.lzf = <unsigned char *>malloc(k)
                self.lzf_cap = k if self.lzf != NULL else 0
                if self.lzf == NULL:
                    raise MemoryError()
            c = lzf_compress_buf(p, k, self.lzf, k - 4)
            if c:
                self.byte(0xC3)
                self.length(c)
                self.length(k)
                self.raw(self.lzf, c)
                if self.lzf_cap > (1 << 20):
                    free(self.lzf)
                    self.lzf = NULL
                    self.lzf_cap = 0
                return 0
        self.length(k)
        if k:
            self.raw(p, k)
        return 0

    cdef int int64le(self, int64_t v) except -1:
        cdef unsigned char b[8]
        _put_u64le(b, <uint64_t>v)
        return self.raw(b, 8)

    cdef int double_bin(self, double d) except -1:
        cdef uint64_t u
        cdef unsigned char b[8]
        memcpy(&u, &d, 8)
        _put_u64le(b, u)
        return self.raw(b, 8)

    cdef int obj_string(self, object o) except -1:
        """A string from bytes/bytearray, an int (its decimal text) or a str (UTF-8)."""
        cdef const unsigned char *p
        cdef Py_ssize_t k
        cdef char buf[24]
        if type(o) is int:
            k = _ll2str(o, buf)
            return self.string(<const unsigned char *>buf, k)
        if type(o) is str:
            o = (<str>o).encode()
        _obj_buf(o, &p, &k)
        return self.string(p, k)

    # -- values --------------------------------------------------------------------------------------------------
    cdef int type_of(self, object v) except -1:
        """The RDB type Redis 7.0 would write for this value (its in-memory encoding decides). Reads only borrowed
        references (see _slot)."""
        cdef PyTypeObject *t = _type(<PyObject *>v)
        if t == &PyBytes_Type or t == &PyByteArray_Type:
            return T_STRING
        _classes()
        if t == <PyTypeObject *>ListValue:
            return T_LIST_QUICKLIST_2
        if t == <PyTypeObject *>HashValue:
            return T_HASH if self._hash_big(v) else T_HASH_LISTPACK
        if t == <PyTypeObject *>SetValue:
            return T_SET if self._set_big(v) else T_SET_INTSET
        if isinstance(v, ZSet):
            return T_ZSET_LISTPACK if (<ZSet>v).listpack else T_ZSET_2
        if t == <PyTypeObject *>StreamValue:
            return T_STREAM_2
        if isinstance(v, ListValue):
            return T_LIST_QUICKLIST_2
        raise TypeError(f"cannot serialize a {type(v).__name__} value")

    cdef bint _hash_big(self, object h) except -1:
        cdef PyObject *big = _slot(h, OFF_HASH_BIG)
        cdef PyObject *fields = _slot(h, OFF_HASH_FIELDS)
        cdef PyObject *k
        cdef PyObject *val
        cdef Py_ssize_t pos = 0, fk, vk
        cdef const unsigned char *fp
        cdef const unsigned char *vp
        if big != _Py_None:
            return big == _Py_True
        if _dict_size(fields) > self.hash_entries:
            return True
        while _dict_next(fields, &pos, &k, &val):
            _obj_buf(<object>k, &fp, &fk)
            _obj_buf(<object>val, &vp, &vk)
            if fk > self.hash_value or vk > self.hash_value:
                return True
        return False

    cdef bint _set_big(self, object s) except -1:
        cdef PyObject *big = _slot(s, OFF_SET_BIG)
        cdef PyObject *members = _slot(s, OFF_SET_MEMBERS)
        cdef Py_ssize_t i, n = _list_size(members), k
        cdef const unsigned char *p
        cdef int64_t v
        if big == _Py_True:
            return True
        if big == _Py_None and n > self.intset_entries:
            return True
        for i in range(n):
            _obj_buf(<object>_list_item(members, i), &p, &k)
            if not _str2ll(p, k, &v):
                return True
        return False

    cdef int payload(self, object v, int t) except -1:
        cdef const unsigned char *p
        cdef Py_ssize_t k
        if t == T_STRING:
            _obj_buf(v, &p, &k)
            return self.string(p, k)
        if t == T_LIST_QUICKLIST_2:
            return self._list(v)
        if t == T_HASH_LISTPACK or t == T_HASH:
            return self._hash(v, t)
        if t == T_SET_INTSET or t == T_SET:
            return self._set(v, t)
        if t == T_ZSET_LISTPACK or t == T_ZSET_2:
            return self._zset(<ZSet>v, t)
        if t == T_STREAM_2:
            return self._stream(v)
        raise TypeError(f"no writer for RDB type {t}")

    cdef int _list(self, object lst) except -1:
        """Quicklist 2: the elements cut into listpack nodes the way Redis's pushes to the tail would fill them
        (list-max-listpack-size), elements of 1 GiB or more in PLAIN nodes of their own. Two passes: the node
        count is written first."""
        cdef int fill = self.list_fill
        cdef size_t nodes = 0, node_sz = 0, node_cnt = 0, esz
        cdef bint plain = False, have = False
        cdef const unsigned char *p
        cdef Py_ssize_t k
        cdef cbuf *b = &self.blob
        cdef deque_walk w
        cdef PyObject *e
        cdef list elements = None if DEQUE_WALK else list(lst)
        _deque_start(&w, lst, elements)
        while True:
            e = _deque_next(&w)
            if e == NULL:
                break
            _obj_buf(<object>e, &p, &k)
            esz = _lp_entry_size(p, k)
            if have and not plain and _allow_insert(node_sz, node_cnt, fill, k):
                node_sz += esz
                node_cnt += 1
            else:
                nodes += 1
                have = True
                node_cnt = 1
                plain = k >= PACKED_THRESHOLD
                node_sz = k if plain else 7 + esz
        self.length(nodes)
        have = False
        plain = False
        node_sz = node_cnt = 0
        _deque_start(&w, lst, elements)
        while True:
            e = _deque_next(&w)
            if e == NULL:
                break
            _obj_buf(<object>e, &p, &k)
            esz = _lp_entry_size(p, k)
            if have and not plain and _allow_insert(node_sz, node_cnt, fill, k):
                lp_append_str(b, p, k)
                node_sz += esz
                node_cnt += 1
                continue
            if have and not plain:
                lp_finish(b)
                self.length(QL_PACKED)
                self.string(b.p, b.n)
            have = True
            node_cnt = 1
            plain = k >= PACKED_THRESHOLD
            if plain:
                self.length(QL_PLAIN)
                self.string(p, k)
                node_sz = k
            else:
                lp_begin(b)
                lp_append_str(b, p, k)
                node_sz = 7 + esz
        if have and not plain:
            lp_finish(b)
            self.length(QL_PACKED)
            self.string(b.p, b.n)
        cb_trim(b)
        return 0

    cdef int _hash(self, object h, int t) except -1:
        cdef PyObject *fields = _slot(h, OFF_HASH_FIELDS)
        cdef PyObject *f
        cdef PyObject *val
        cdef Py_ssize_t pos = 0, fk, vk
        cdef const unsigned char *fp
        cdef const unsigned char *vp
        cdef cbuf *b = &self.blob
        if t == T_HASH:
            self.length(_dict_size(fields))
            while _dict_next(fields, &pos, &f, &val):
                _obj_buf(<object>f, &fp, &fk)
                self.string(fp, fk)
                _obj_buf(<object>val, &vp, &vk)
                self.string(vp, vk)
            return 0
        lp_begin(b)
        while _dict_next(fields, &pos, &f, &val):
            _obj_buf(<object>f, &fp, &fk)
            lp_append_str(b, fp, fk)
            _obj_buf(<object>val, &vp, &vk)
            lp_append_str(b, vp, vk)
        lp_finish(b)
        self.string(b.p, b.n)
        cb_trim(b)
        return 0

    cdef int _set(self, object s, int t) except -1:
        cdef PyObject *members = _slot(s, OFF_SET_MEMBERS)
        cdef Py_ssize_t i, n = _list_size(members), k
        cdef const unsigned char *p
        cdef int64_t *vals
        if t == T_SET:
            self.length(n)
            for i in range(n):
                _obj_buf(<object>_list_item(members, i), &p, &k)
                self.string(p, k)
            return 0
        vals = <int64_t *>malloc(sizeof(int64_t) * (n if n else 1))
        if vals == NULL:
            raise MemoryError()
        try:
            for i in range(n):
                _obj_buf(<object>_list_item(members, i), &p, &k)
                if not _str2ll(p, k, &vals[i]):
                    raise ValueError("intset member is not an integer")
            intset_build(&self.blob, vals, n)
        finally:
            free(vals)
        self.string(self.blob.p, self.blob.n)
        cb_trim(&self.blob)
        return 0

    cdef int _zset(self, ZSet z, int t) except -1:
        cdef zsl_node *x
        cdef cbuf *b = &self.blob
        cdef int64_t iv
        cdef char sbuf[64]
        cdef Py_ssize_t sl
        if t == T_ZSET_2:
            # Highest score first, as Redis writes it (its loader then inserts at the head).
            self.length(z.length)
            x = z.tail
            while x != NULL:
                self.string(<const unsigned char *>_bytes_ptr(x.ele), _bytes_len(x.ele))
                self.double_bin(x.score)
                x = x.backward
            return 0
        lp_begin(b)
        x = z.header.level[0].forward
        while x != NULL:
            lp_append_str(b, <const unsigned char *>_bytes_ptr(x.ele), _bytes_len(x.ele))
            if _double2ll(x.score, &iv):
                lp_append_int(b, iv)
            else:
                sl = _fmt_double(x.score, sbuf, sizeof(sbuf))
                lp_append_str(b, <const unsigned char *>sbuf, sl)
            x = x.level[0].forward
        lp_finish(b)
        self.string(b.p, b.n)
        cb_trim(b)
        return 0

    cdef int _stream_id(self, object xid) except -1:
        self.length(<uint64_t>(xid >> 64))
        self.length(<uint64_t>(xid & 0xFFFFFFFFFFFFFFFF))
        return 0

    cdef int _raw_id(self, object xid) except -1:
        cdef unsigned char b[16]
        _put_u64be(b, <uint64_t>(xid >> 64))
        _put_u64be(b + 8, <uint64_t>(xid & 0xFFFFFFFFFFFFFFFF))
        return self.raw(b, 16)

    cdef int _stream(self, object s) except -1:
        """Stream listpacks v2 (type 19): each node's listpack as Redis lays it out (master entry, then entries
        delta-encoded against the node's master ID, tombstones kept), the stream metadata, then the consumer
        groups with their PELs and consumers in name order (Redis's radix trees are ordered)."""
        cdef list nodes = s.nodes
        cdef cbuf *b = &self.blob
        cdef unsigned char key[16]
        self.length(len(nodes))
        for node in nodes:
            master = node.ids[0]
            _put_u64be(key, <uint64_t>(master >> 64))
            _put_u64be(key + 8, <uint64_t>(master & 0xFFFFFFFFFFFFFFFF))
            self.string(key, 16)
            _stream_node_listpack(b, node)
            self.string(b.p, b.n)
        cb_trim(b)
        self.length(s.length)
        self._stream_id(s.last_id)
        self._stream_id(s.first_id)
        self._stream_id(s.max_deleted)
        self.length(s.entries_added)
        groups = s.groups
        if not groups:
            self.length(0)
            return 0
        self.length(len(groups))
        for name in sorted(groups):
            g = groups[name]
            self.obj_string(name)
            self._stream_id(g.last_id)
            self.length(<uint64_t>(<int64_t>g.entries_read))
            pel = g.pel.map
            self.length(len(pel))
            for xid in sorted(pel):
                nack = pel[xid]
                self._raw_id(xid)
                self.int64le(nack.delivery_time)
                self.length(nack.delivery_count)
            consumers = g.consumers
            self.length(len(consumers))
            for cname in sorted(consumers):
                c = consumers[cname]
                self.obj_string(cname)
                self.int64le(c.seen_time)
                cpel = c.pel.map
                self.length(len(cpel))
                for xid in sorted(cpel):
                    self._raw_id(xid)
        return 0

    def getvalue(self):
        """Memory mode: everything written so far."""
        self.flush()
        return PyBytes_FromStringAndSize(<const char *>self.mem, self.mem_n)

    @property
    def crc64(self):
        return self.crc


cdef inline bint _allow_insert(size_t node_sz, size_t node_cnt, int fill, size_t sz) noexcept nogil:
    """Redis 7.0's _quicklistNodeAllowInsert for a listpack node of node_sz bytes and node_cnt elements."""
    cdef size_t overhead, new_sz, offset
    if sz >= PACKED_THRESHOLD:
        return False
    overhead = 1 if sz < 254 else 5
    overhead += 1 if sz < 64 else (2 if sz < 16384 else 5)
    new_sz = node_sz + sz + overhead
    if fill < 0:
        # optimization_level: -1 .. -5 mean 4, 8, 16, 32, 64 KiB per node.
        offset = <size_t>(-fill) - 1
        if offset < 5 and new_sz <= (<size_t>4096 << offset):
            return True
    if new_sz > SIZE_SAFETY_LIMIT:
        return False
    return fill >= 0 and <int>node_cnt < fill


cdef int _stream_node_listpack(cbuf *b, object node) except -1:
    cdef list ids = node.ids
    cdef list items = node.items
    cdef object dead = node.dead
    cdef tuple fields = tuple(node.fields)
    cdef Py_ssize_t nf = len(fields), i, j, n = len(ids), ef
    cdef uint64_t mms, mseq, ms, seq
    cdef int flags
    cdef bint same
    master = ids[0]
    mms = <uint64_t>(master >> 64)
    mseq = <uint64_t>(master & 0xFFFFFFFFFFFFFFFF)
    lp_begin(b)
    lp_append_int(b, node.live)
    lp_append_int(b, node.ndel)
    lp_append_int(b, nf)
    for f in fields:
        lp_append_obj(b, f)
    lp_append_int(b, 0)
    for i in range(n):
        xid = ids[i]
        flat = items[i]
        ef = len(flat) >> 1
        same = ef == nf
        if same:
            for j in range(nf):
                if flat[2 * j] != fields[j]:
                    same = False
                    break
        flags = (STREAM_FLAG_DELETED if dead[i] else 0) | (STREAM_FLAG_SAMEFIELDS if same else 0)
        ms = <uint64_t>(xid >> 64)
        seq = <uint64_t>(xid & 0xFFFFFFFFFFFFFFFF)
        lp_append_int(b, flags)
        lp_append_int(b, <int64_t>(ms - mms))
        lp_append_int(b, <int64_t>(seq - mseq))
        if not same:
            # Own fields: num-fields, then field/value pairs interleaved.
            lp_append_int(b, ef)
            for j in range(2 * ef):
                lp_append_obj(b, flat[j])
        else:
            for j in range(ef):
                lp_append_obj(b, flat[2 * j + 1])
        lp_append_int(b, (3 + ef) if same else (3 + 1 + 2 * ef))
    lp_finish(b)
    return 0


# -- the keyspace walk -------------------------------------------------------------------------------------------
cdef inline int _lfu_counter(Core server, long long packed) noexcept:
    """LFUDecrAndReturn on a kvs access entry (minutes << 8 | counter)."""
    cdef long long ldt = packed >> 8, counter = packed & 255
    cdef long long now = (server.lru_clock // 60) & 65535, elapsed, periods
    elapsed = now - ldt if now >= ldt else 65535 - ldt + now
    periods = elapsed // server.lfu_decay_time if server.lfu_decay_time else 0
    if periods:
        counter = 0 if periods > counter else counter - periods
    return <int>counter


cdef inline void _debug_delay(int usec) noexcept nogil:
    """debugDelay: a negative value sleeps 1 us with probability 1/|value| (shorter average delays)."""
    if usec < 0:
        usec = 1 if (rand() % (-usec)) == 0 else 0
    if usec:
        usleep(usec)


cdef int _write_db(Writer w, Database db, int lru_mode, Core server, object progress, int key_delay,
                   long long *done) except -1:
    cdef dict keys = db.keys
    cdef dict expires = db.expires
    cdef dict access = db.access
    cdef PyObject *k
    cdef PyObject *v
    cdef PyObject *e
    cdef PyTypeObject *t
    cdef Py_ssize_t pos = 0
    cdef bint has_expires = len(expires) > 0
    cdef int rt
    cdef long long idle
    cdef unsigned char opbuf[9]
    while _dict_next(<PyObject *>keys, &pos, &k, &v):
        if has_expires:
            e = _dict_get(<PyObject *>expires, k)
            if e != NULL:
                opbuf[0] = 252
                _put_u64le(opbuf + 1, <uint64_t>_as_ll(e))
                w.raw(opbuf, 9)
        if lru_mode:
            e = _dict_get(<PyObject *>access, k)
            if lru_mode == 1:
                idle = 0 if e == NULL else server.lru_clock - _as_ll(e)
                w.byte(248)
                w.length(<uint64_t>(idle if idle > 0 else 0))
            else:
                opbuf[0] = 249
                opbuf[1] = LFU_INIT_VAL if e == NULL else _lfu_counter(server, _as_ll(e))
                w.raw(opbuf, 2)
        t = _type(v)
        if t == &PyBytes_Type:
            w.byte(T_STRING)
            w.string(<const unsigned char *>_bytes_ptr(k), _bytes_len(k))
            w.string(<const unsigned char *>_bytes_ptr(v), _bytes_len(v))
        elif t == &PyByteArray_Type:
            w.byte(T_STRING)
            w.string(<const unsigned char *>_bytes_ptr(k), _bytes_len(k))
            w.string(<const unsigned char *>_ba_ptr(v), _ba_len(v))
        else:
            rt = w.type_of(<object>v)
            w.byte(<unsigned char>rt)
            w.string(<const unsigned char *>_bytes_ptr(k), _bytes_len(k))
            w.payload(<object>v, rt)
        done[0] += 1
        if key_delay:
            _debug_delay(key_delay)
        if progress is not None and (done[0] & 1023) == 0:
            progress(done[0])
    return 0


def write_rdb(dbs, sink, *, bint compression=True, bint checksum=True, aux=(), functions=(), dict limits=None,
              progress=None, int key_delay_us=0, int lru_mode=0, Core server=None):
    """Write a whole RDB file to sink.write(). `dbs`: the kvs Database objects (empty ones are skipped); `aux`:
    (name, value) pairs in order; `functions`: library sources (FUNCTION2 records); lru_mode 1/2 writes IDLE/FREQ
    per key from the databases' access info. Returns the number of bytes written."""
    cdef Writer w = Writer(sink, compression, checksum, limits)
    cdef Database db
    cdef long long done = 0
    cdef unsigned char tail[8]
    if server is None:
        lru_mode = 0        # IDLE/FREQ need the server's clocks
    w.raw(<const unsigned char *>b"REDIS0010", 9)
    for name, value in aux:
        w.byte(OP_AUX)
        w.obj_string(name)
        w.obj_string(value)
    for code in functions:
        w.byte(OP_FUNCTION2)
        w.obj_string(code)
    for obj in dbs:
        db = <Database?>obj
        if not db.keys:
            continue
        w.byte(OP_SELECTDB)
        w.length(db.id)
        w.byte(OP_RESIZEDB)
        w.length(len(db.keys))
        w.length(len(db.expires))
        _write_db(w, db, lru_mode, server, progress, key_delay_us, &done)
    w.byte(OP_EOF)
    w.flush()
    _put_u64le(tail, w.crc if checksum else 0)
    w.raw(tail, 8)
    w.flush()
    return w.total


def encode_value(value, *, bint compression=True, dict limits=None):
    """(type, payload bytes) of one value as rdbSaveObjectType/rdbSaveObject write it."""
    cdef Writer w = Writer(None, compression, False, limits)
    cdef int t = w.type_of(value)
    w.payload(value, t)
    return t, w.getvalue()


def dump_payload(value, *, bint compression=True, dict limits=None):
    """DUMP's serialization: type byte, value, 2-byte little-endian RDB version, CRC-64 of all that (LE)."""
    cdef Writer w = Writer(None, compression, True, limits)
    cdef int t = w.type_of(value)
    cdef unsigned char tail[8]
    w.byte(<unsigned char>t)
    w.payload(value, t)
    tail[0] = 10            # RDB_VERSION, little-endian
    tail[1] = 0
    w.raw(tail, 2)
    w.flush()
    _put_u64le(tail, w.crc)
    w.checksum = False
    w.raw(tail, 8)
    return w.getvalue()


# ---------------------------------------------------------------------------------------------------------------
# The reader.
# ---------------------------------------------------------------------------------------------------------------
cdef class LoadOpts:
    """Encoding thresholds and validation switches for building values."""
    cdef public long long hash_entries, hash_value, intset_entries, zset_entries, zset_value
    cdef public bint deep
    cdef public bint check          # redis-check-rdb mode: module values are skipped, not refused

    def __init__(self, dict limits=None, bint deep=True, bint check=False):
        if limits is None:
            limits = DEFAULT_LIMITS
        self.hash_entries = limits["hash-max-listpack-entries"]
        self.hash_value = limits["hash-max-listpack-value"]
        self.intset_entries = limits["set-max-intset-entries"]
        self.zset_entries = limits["zset-max-listpack-entries"]
        self.zset_value = limits["zset-max-listpack-value"]
        self.deep = deep
        self.check = check


cdef class Reader:
    """A cursor over an in-memory RDB image with bounds-checked reads."""
    cdef const unsigned char *p
    cdef public Py_ssize_t pos
    cdef public Py_ssize_t end
    cdef const unsigned char[::1] view
    cdef unsigned char *scratch
    cdef size_t scratch_cap
    cdef public int version
    cdef public Py_ssize_t value_start     # where the value being read began (offset of blob errors)

    def __cinit__(self, data, Py_ssize_t start=0, Py_ssize_t end=-1):
        cdef Py_ssize_t n
        self.view = data
        n = self.view.shape[0]
        self.p = &self.view[0] if n else <const unsigned char *>b""
        self.end = n if end < 0 or end > n else end
        self.pos = start
        self.scratch = NULL
        self.scratch_cap = 0
        self.version = 10
        self.value_start = start

    def __dealloc__(self):
        free(self.scratch)

    def release(self):
        """Drop the buffer reference (an mmap can only close once no view is left)."""
        self.view = None
        self.p = <const unsigned char *>b""
        self.end = 0
        self.pos = 0

    cdef int eof(self) except -1:
        raise RdbError("Unexpected EOF reading RDB file", self.pos, "eof")

    cdef inline int need(self, Py_ssize_t k) except -1:
        if k < 0 or self.end - self.pos < k:
            self.eof()
        return 0

    cdef int u8(self) except -1:
        if self.pos >= self.end:
            self.eof()
        self.pos += 1
        return self.p[self.pos - 1]

    cdef int read_len(self, uint64_t *out, bint *enc) except -1:
        """rdbLoadLenByRef: a length, or (enc set) the special string encoding in the low 6 bits."""
        cdef unsigned int c
        cdef Py_ssize_t at = self.pos
        c = self.u8()
        enc[0] = False
        if (c >> 6) == 3:
            enc[0] = True
            out[0] = c & 0x3F
        elif (c >> 6) == 0:
            out[0] = c & 0x3F
        elif (c >> 6) == 1:
            out[0] = ((c & 0x3F) << 8) | <unsigned int>self.u8()
        elif c == 0x80:
            self.need(4)
            out[0] = (<uint64_t>self.p[self.pos] << 24) | (<uint64_t>self.p[self.pos + 1] << 16) | \
                     (<uint64_t>self.p[self.pos + 2] << 8) | self.p[self.pos + 3]
            self.pos += 4
        elif c == 0x81:
            self.need(8)
            out[0] = _u64be(self.p + self.pos)
            self.pos += 8
        else:
            raise RdbError(f"Unknown length encoding {c >> 6} in rdbLoadLen()", at)
        return 0

    cdef uint64_t length(self) except? 0xFFFFFFFFFFFFFFFF:
        cdef uint64_t v
        cdef bint enc
        cdef Py_ssize_t at = self.pos
        self.read_len(&v, &enc)
        if enc:
            raise RdbError("Unexpected string encoding where a length was expected", at)
        return v

    cdef Py_ssize_t count(self) except -1:
        """A length used as an element count: it cannot exceed the bytes left (every element takes >= 1)."""
        cdef Py_ssize_t at = self.pos
        cdef uint64_t v = self.length()
        if v > <uint64_t>(self.end - self.pos):
            raise RdbError("Unexpected EOF reading RDB file", at, "eof")
        return <Py_ssize_t>v

    cdef int read_str(self, const unsigned char **out, Py_ssize_t *outlen, char *intbuf) except -1:
        """A string in any RDB form. The result points into the input, into `intbuf` (>= 24 bytes; integer
        forms), or into the reader's scratch buffer (LZF; valid until the next LZF string)."""
        cdef uint64_t v, clen, ulen
        cdef bint enc
        cdef Py_ssize_t at = self.pos, r
        self.read_len(&v, &enc)
        if not enc:
            if v > <uint64_t>(self.end - self.pos):
                self.eof()
            out[0] = self.p + self.pos
            outlen[0] = <Py_ssize_t>v
            self.pos += <Py_ssize_t>v
            return 0
        if v == ENC_INT8:
            self.need(1)
            outlen[0] = _ll2str(<int8_t>self.p[self.pos], intbuf)
            self.pos += 1
        elif v == ENC_INT16:
            self.need(2)
            outlen[0] = _ll2str(<int16_t>_u16le(self.p + self.pos), intbuf)
            self.pos += 2
        elif v == ENC_INT32:
            self.need(4)
            outlen[0] = _ll2str(<int32_t>_u32le(self.p + self.pos), intbuf)
            self.pos += 4
        elif v == ENC_LZF:
            clen = self.length()
            ulen = self.length()
            if clen > <uint64_t>(self.end - self.pos):
                self.eof()
            # LZF expands at most 264 bytes per 3-byte token: a larger claim is corrupt (and must not allocate).
            if ulen > clen * 90 + 64:
                raise RdbError("Invalid LZF compressed string", at)
            if ulen > self.scratch_cap:
                free(self.scratch)
                self.scratch = <unsigned char *>malloc(ulen if ulen else 1)
                if self.scratch == NULL:
                    self.scratch_cap = 0
                    raise MemoryError()
                self.scratch_cap = ulen
            r = lzf_decompress_buf(self.p + self.pos, clen, self.scratch, ulen) if clen else 0
            if r != <Py_ssize_t>ulen:
                raise RdbError("Invalid LZF compressed string", at)
            self.pos += clen
            out[0] = self.scratch
            outlen[0] = <Py_ssize_t>ulen
            return 0
        else:
            raise RdbError(f"Unknown RDB string encoding type {v}", at)
        out[0] = <const unsigned char *>intbuf
        return 0

    cdef bytes read_bytes(self):
        """A string as a new bytes object (LZF strings are decompressed straight into it)."""
        cdef uint64_t v, clen, ulen
        cdef bint enc
        cdef Py_ssize_t at = self.pos, r
        cdef bytes out
        cdef char intbuf[24]
        cdef const unsigned char *s
        cdef Py_ssize_t k
        if self.pos < self.end:
            v = self.p[self.pos]
            if v < 64:      # 6-bit raw length: the common case
                if <Py_ssize_t>v >= self.end - self.pos:
                    self.pos += 1
                    self.eof()
                self.pos += 1 + <Py_ssize_t>v
                return PyBytes_FromStringAndSize(<const char *>self.p + at + 1, v)
            if v == 0xC3:
                self.pos += 1
                clen = self.length()
                ulen = self.length()
                if clen > <uint64_t>(self.end - self.pos):
                    self.eof()
                if ulen > clen * 90 + 64:
                    raise RdbError("Invalid LZF compressed string", at)
                out = PyBytes_FromStringAndSize(NULL, ulen)
                r = lzf_decompress_buf(self.p + self.pos, clen, <unsigned char *>PyBytes_AS_STRING(out), ulen) \
                    if clen else 0
                if r != <Py_ssize_t>ulen:
                    raise RdbError("Invalid LZF compressed string", at)
                self.pos += clen
                return out
        self.read_str(&s, &k, intbuf)
        return PyBytes_FromStringAndSize(<const char *>s, k)

    cdef int64_t i64le(self) except? -1:
        self.need(8)
        self.pos += 8
        return <int64_t>_u64le(self.p + self.pos - 8)

    cdef double double_bin(self) except? -1:
        self.need(8)
        self.pos += 8
        return _double_from_le(self.p + self.pos - 8)

    cdef double double_str(self) except? -1:
        """rdbLoadDoubleValue: a length byte (253 NaN, 254 +inf, 255 -inf) then ASCII."""
        cdef int n = self.u8()
        cdef char buf[256]
        cdef char *endp
        cdef double d
        if n == 255:
            return -float("inf")
        if n == 254:
            return float("inf")
        if n == 253:
            return float("nan")
        self.need(n)
        memcpy(buf, self.p + self.pos, n)
        buf[n] = 0
        self.pos += n
        d = strtod(buf, &endp)
        if endp == buf:
            raise RdbError("Invalid double value", self.pos - n)
        return d

    cdef int raw16(self, unsigned char *out) except -1:
        self.need(16)
        memcpy(out, self.p + self.pos, 16)
        self.pos += 16
        return 0

    # -- values ------------------------------------------------------------------------------------------------
    cdef object load_object(self, int t, LoadOpts o):
        """rdbLoadObject for one value of type t: a kvs value with Redis's encoding decision, or None for an
        empty collection (Redis skips those)."""
        cdef const unsigned char *s
        cdef Py_ssize_t k
        cdef char intbuf[24]
        self.value_start = self.pos
        if t == T_STRING:
            return self.read_bytes()
        _classes()
        try:
            if t == T_LIST or t == T_LIST_ZIPLIST or t == T_LIST_QUICKLIST or t == T_LIST_QUICKLIST_2:
                return self._list(t)
            if t == T_SET or t == T_SET_INTSET or t == T_SET_LISTPACK:
                return self._set(t, o)
            if t == T_HASH or t == T_HASH_ZIPMAP or t == T_HASH_ZIPLIST or t == T_HASH_LISTPACK:
                return self._hash(t, o)
            if t == T_ZSET or t == T_ZSET_2 or t == T_ZSET_ZIPLIST or t == T_ZSET_LISTPACK:
                return self._zset(t, o)
            if t == T_STREAM or t == T_STREAM_2 or t == T_STREAM_3:
                return self._stream(t, o)
            if t == T_MODULE or t == T_MODULE_2:
                return self._module(t, o)
        except RdbError as e:
            if e.offset < 0:
                raise RdbError(e.reason, self.value_start, e.kind) from None
            raise
        if 22 <= t <= 25:
            raise RdbError(f"Unsupported RDB type {t} (hash with field expiration, Redis 7.4+)", self.pos - 1)
        raise RdbError(f"Unknown RDB encoding type {t}", self.pos - 1)

    cdef object _list(self, int t):
        cdef Py_ssize_t n, i, k
        cdef const unsigned char *s
        cdef char intbuf[24]
        cdef uint64_t container
        cdef list items = []
        if t == T_LIST:
            n = self.count()
            for i in range(n):
                items.append(self.read_bytes())
        elif t == T_LIST_ZIPLIST:
            self.read_str(&s, &k, intbuf)
            items = zl_to_list(s, k)
        else:
            n = self.count()
            for i in range(n):
                container = QL_PACKED
                if t == T_LIST_QUICKLIST_2:
                    container = self.length()
                    if container != QL_PACKED and container != QL_PLAIN:
                        _corrupt("Quicklist integrity check failed.")
                self.read_str(&s, &k, intbuf)
                if k == 0:
                    _corrupt("Quicklist integrity check failed.")
                if container == QL_PLAIN:
                    items.append(PyBytes_FromStringAndSize(<const char *>s, k))
                elif t == T_LIST_QUICKLIST_2:
                    items.extend(lp_to_list(s, k))
                else:
                    items.extend(zl_to_list(s, k))
        if not items:
            return None
        return _untracked(ListValue(items))

    cdef object _set(self, int t, LoadOpts o):
        cdef Py_ssize_t n, i, k
        cdef const unsigned char *s
        cdef char intbuf[24]
        cdef list members
        cdef dict index = {}
        cdef bint big
        cdef int64_t v
        if t == T_SET:
            n = self.count()
            members = []
            for i in range(n):
                members.append(self.read_bytes())
        elif t == T_SET_INTSET:
            self.read_str(&s, &k, intbuf)
            members = intset_to_list(s, k, False)
            for i in range(len(members)):
                index[members[i]] = i       # ascending and validated: no duplicates
            sv = SetValue.__new__(SetValue)
            sv.members = _untracked(members)
            sv.index = index
            sv.big = len(members) > o.intset_entries
            return _untracked(sv)
        else:
            self.read_str(&s, &k, intbuf)
            members = lp_to_list(s, k)
        if not members:
            return None
        for i in range(len(members)):
            m = members[i]
            if m in index:
                _corrupt("Duplicate set members detected")
            index[m] = i
        if t == T_SET_INTSET:
            big = len(members) > o.intset_entries
        else:
            big = len(members) > o.intset_entries
            if not big:
                for m in members:
                    s = <const unsigned char *>PyBytes_AS_STRING(m)
                    if not _str2ll(s, PyBytes_GET_SIZE(m), &v):
                        big = True
                        break
        sv = SetValue.__new__(SetValue)
        sv.members = _untracked(members)
        sv.index = index
        sv.big = big
        return _untracked(sv)

    cdef object _hash(self, int t, LoadOpts o):
        cdef Py_ssize_t n, i, k
        cdef const unsigned char *s
        cdef char intbuf[24]
        cdef dict fields = {}
        cdef bint big = False
        cdef list flat
        cdef Py_ssize_t maxlen = 0
        if t == T_HASH:
            n = self.count()
            for i in range(n):
                f = self.read_bytes()
                val = self.read_bytes()
                if f in fields:
                    _corrupt("Duplicate hash fields detected")
                fields[f] = val
                if len(f) > maxlen:
                    maxlen = len(f)
                if len(val) > maxlen:
                    maxlen = len(val)
            big = n > o.hash_entries or maxlen > o.hash_value
        elif t == T_HASH_ZIPMAP:
            self.read_str(&s, &k, intbuf)
            for f, val in zipmap_to_pairs(s, k):
                if f in fields:
                    _corrupt("Hash zipmap with dup elements")
                fields[f] = val
                if len(f) > maxlen:
                    maxlen = len(f)
                if len(val) > maxlen:
                    maxlen = len(val)
            big = len(fields) > o.hash_entries or maxlen > o.hash_value
        elif t == T_HASH_LISTPACK:
            self.read_str(&s, &k, intbuf)
            fields = _lp_pairs(s, k, "Hash listpack integrity check failed.")
            # Loading a listpack Redis only checks the entry count (long values stay listpack-encoded).
            big = len(fields) > o.hash_entries
        else:
            self.read_str(&s, &k, intbuf)
            flat = zl_to_list(s, k)
            if len(flat) & 1:
                _corrupt("Hash ziplist integrity check failed.")
            for i in range(0, len(flat), 2):
                f = flat[i]
                if f in fields:
                    _corrupt("Hash ziplist integrity check failed.")
                fields[f] = flat[i + 1]
            big = len(fields) > o.hash_entries
        if not fields:
            return None
        h = HashValue.__new__(HashValue)
        h.fields = fields
        h.big = big
        return _untracked(h)

    cdef object _zset(self, int t, LoadOpts o):
        """Members go straight into the skiplist (no intermediate pairs). The encoding is decided as Redis does
        after a load: a listpack/ziplist-typed value converts to a skiplist only when it has too many entries, a
        skiplist-typed one becomes a listpack when it is small in entries and member length (zsetConvert)."""
        cdef Py_ssize_t n = 0, i, k, k2, maxlen = 0
        cdef const unsigned char *s
        cdef const unsigned char *s2
        cdef char intbuf[24]
        cdef char nbuf[128]
        cdef double score
        cdef int64_t v, v2
        cdef int kind, kind2
        cdef lpit lit
        cdef zlit zit
        cdef ZSet z = ZSetValue()
        cdef dict d = z.dict
        cdef bint packed = t == T_ZSET_ZIPLIST or t == T_ZSET_LISTPACK
        cdef bint listpack
        if not packed:
            n = self.count()
            for i in range(n):
                m = self.read_bytes()
                score = self.double_bin() if t == T_ZSET_2 else self.double_str()
                if isnan(score):
                    _corrupt("Zset with NAN score detected")
                if len(<bytes>m) > maxlen:
                    maxlen = len(<bytes>m)
                d[m] = score
                if len(d) != i + 1:
                    _corrupt("Duplicate zset fields detected")
                z._insert(score, m)
            listpack = n <= o.zset_entries and maxlen <= o.zset_value
        else:
            self.read_str(&s, &k, intbuf)
            if t == T_ZSET_LISTPACK:
                lp_open(&lit, s, k)
            else:
                zl_open(&zit, s, k)
            while True:
                kind = lp_next(&lit, &s, &k, &v) if t == T_ZSET_LISTPACK else zl_next(&zit, &s, &k, &v)
                if kind == 0:
                    break
                m = PyBytes_FromStringAndSize(<const char *>s, k) if kind == 1 else _ll2bytes(v)
                kind2 = lp_next(&lit, &s2, &k2, &v2) if t == T_ZSET_LISTPACK else zl_next(&zit, &s2, &k2, &v2)
                if kind2 == 0:
                    _corrupt("Zset listpack integrity check failed.")
                if kind2 == 2:
                    score = <double>v2
                else:
                    # zzlStrtod: at most 127 characters, whatever strtod makes of them.
                    if k2 > 127:
                        k2 = 127
                    memcpy(nbuf, s2, k2)
                    nbuf[k2] = 0
                    score = strtod(nbuf, NULL)
                    if isnan(score):
                        _corrupt("Zset with NAN score detected")
                d[m] = score
                n += 1
                if len(d) != n:
                    _corrupt("Zset listpack integrity check failed.")
                z._insert(score, m)
            listpack = n <= o.zset_entries
        if n == 0:
            return None
        z.listpack = listpack
        if listpack:
            _zset_no_negative_zero(z)
        return _untracked(z)

    cdef object _stream(self, int t, LoadOpts o):
        cdef Py_ssize_t nnodes, i, k, ngroups, npel, ncons, j
        cdef const unsigned char *s
        cdef char intbuf[24]
        cdef unsigned char rawid[16]
        cdef uint64_t mms, mseq, a, b
        cdef int64_t live_total = 0
        s_obj = StreamValue()
        nodes = []
        nnodes = self.count()
        for i in range(nnodes):
            self.read_str(&s, &k, intbuf)
            if k != 16:
                raise RdbError("Stream node key entry is not the size of a stream ID", self.pos)
            mms = _u64be(s)
            mseq = _u64be(s + 8)
            self.read_str(&s, &k, intbuf)
            node = _stream_node_from_listpack(s, k, mms, mseq)
            live_total += node.live
            nodes.append(((<object>mms << 64) | mseq, node))
        nodes.sort(key=_first_of_pair)
        for i in range(1, len(nodes)):
            if nodes[i][0] == nodes[i - 1][0]:
                _corrupt("Listpack re-added with existing key")
        s_obj.nodes = [nd for _, nd in nodes]
        s_obj.starts = [key for key, _ in nodes]
        s_obj.length = self.length()
        if s_obj.length != live_total:
            # (Redis trusts this count; kvs answers XLEN from it, so it must agree with the nodes.)
            _corrupt("Stream length does not match its entries")
        a = self.length()
        b = self.length()
        s_obj.last_id = (<object>a << 64) | b
        if t == T_STREAM:
            s_obj.max_deleted = 0
            s_obj.entries_added = s_obj.length
            s_obj.first_id = s_obj.first_live_id() if s_obj.length else 0
        else:
            a = self.length()
            b = self.length()
            s_obj.first_id = (<object>a << 64) | b
            a = self.length()
            b = self.length()
            s_obj.max_deleted = (<object>a << 64) | b
            s_obj.entries_added = self.length()
        _stream_set_order(s_obj)
        ngroups = self.count()
        if ngroups:
            s_obj.groups = {}
        for i in range(ngroups):
            name = self.read_bytes()
            a = self.length()
            b = self.length()
            last = (<object>a << 64) | b
            if t == T_STREAM:
                entries_read = s_obj.estimate_distance(last)
            else:
                entries_read = <int64_t>self.length()
            if name in s_obj.groups:
                _corrupt("Duplicated consumer group name")
            g = Group(last, entries_read)
            s_obj.groups[name] = g
            npel = self.count()
            pel = g.pel
            for j in range(npel):
                self.raw16(rawid)
                xid = (<object>_u64be(rawid) << 64) | _u64be(rawid + 8)
                delivery_time = self.i64le()
                delivery_count = self.length()
                if xid in pel.map:
                    _corrupt("Duplicated global PEL entry loading stream consumer group")
                pel.add(xid, Nack(delivery_time, delivery_count, None))
            ncons = self.count()
            for j in range(ncons):
                cname = self.read_bytes()
                if cname in g.consumers:
                    _corrupt("Duplicate stream consumer detected.")
                seen = self.i64le()
                if t == T_STREAM_3:
                    self.i64le()            # active-time (7.2+): kvs keeps only the seen-time
                c = Consumer(cname, seen)
                g.consumers[cname] = c
                npel = self.count()
                for _ in range(npel):
                    self.raw16(rawid)
                    xid = (<object>_u64be(rawid) << 64) | _u64be(rawid + 8)
                    nack = pel.map.get(xid)
                    if nack is None:
                        _corrupt("Consumer entry not found in group global PEL")
                    if xid in c.pel.map:
                        _corrupt("Duplicated consumer PEL entry  loading a stream consumer group")
                    nack.consumer = c
                    c.pel.add(xid, nack)
            for nack in pel.map.values():
                if nack.consumer is None:
                    _corrupt("Stream CG PEL entry without consumer")
        return s_obj

    cdef object _module(self, int t, LoadOpts o):
        cdef uint64_t mid = self.length()
        name = module_type_name(mid)
        if t == T_MODULE_2 and o.check:
            self.skip_module_value(name)
            return b"module-dummy-value"
        raise RdbError(f"The RDB file contains module data I can't load: no matching module type '{name}'",
                       self.value_start)

    cdef int skip_module_value(self, str name) except -1:
        """rdbLoadCheckModuleValue: walk a module value's typed opcodes up to the EOF marker."""
        cdef uint64_t op
        cdef const unsigned char *s
        cdef Py_ssize_t k
        cdef char intbuf[24]
        while True:
            op = self.length()
            if op == MODULE_OPCODE_EOF:
                return 0
            if op == MODULE_OPCODE_SINT or op == MODULE_OPCODE_UINT:
                self.length()
            elif op == MODULE_OPCODE_STRING:
                self.read_str(&s, &k, intbuf)
            elif op == MODULE_OPCODE_FLOAT:
                self.need(4)
                self.pos += 4
            elif op == MODULE_OPCODE_DOUBLE:
                self.need(8)
                self.pos += 8
            else:
                raise RdbError(f"Unknown module opcode {op} in module {name} value", self.pos)


def _first_of_pair(pair):
    return pair[0]


cdef str _MODULE_CHARSET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def module_type_name(uint64_t mid):
    """The 9-character module type name packed in a module id (6 bits per character, the low 10 bits being the
    encoding version)."""
    cdef uint64_t id_ = mid >> 10
    cdef int j
    out = []
    for j in range(9):
        out.append(_MODULE_CHARSET[(id_ >> (6 * (8 - j))) & 63])
    return "".join(out)


cdef inline size_t _lp_int_total(int64_t v) noexcept nogil:
    cdef size_t enc = _lp_int_encsize(v)
    return enc + _backlen_size(enc)


cdef int _zset_no_negative_zero(ZSet z) except -1:
    """A listpack stores integral scores as integers, so a zset that is listpack-encoded has no -0 score."""
    cdef zsl_node *x = z.header.level[0].forward
    while x != NULL:
        if x.score == 0 and copysign(1.0, x.score) < 0:
            x.score = 0.0
            z.dict[<object>x.ele] = 0.0
        x = x.level[0].forward
    return 0


cdef dict _lp_pairs(const unsigned char *lp, Py_ssize_t size, str reason):
    """A listpack of field, value, ... straight into a dict (duplicate fields or an odd count are corrupt)."""
    cdef lpit it
    cdef bint done = False
    cdef dict d
    lp_open(&it, lp, size)
    d = _PyDict_NewPresized(it.declared // 2) if it.declared != LP_NUMELE_UNKNOWN else {}
    while True:
        f = lp_next_obj(&it, &done)
        if done:
            return d
        v = lp_next_obj(&it, &done)
        if done:
            _corrupt(reason)
        if _dict_setdefault(d, f, v) != <PyObject *>v:
            _corrupt(reason)


cdef object _stream_node_from_listpack(const unsigned char *lp, Py_ssize_t size, uint64_t mms, uint64_t mseq):
    """A kvs stream node from one node listpack (master entry, then the entries; every count cross-checked as
    streamValidateListpackIntegrity does)."""
    cdef lpit it
    cdef int64_t live, ndel, nf, ef, flags, dms, dseq, lpc, j, e
    cdef bint done
    cdef list fields = []
    cdef list ids = []
    cdef list items = []
    cdef bytearray dead = bytearray()
    cdef list flat
    cdef int64_t seen_dead = 0
    lp_open(&it, lp, size)
    if it.declared == 0:
        _corrupt("Empty listpack inside stream")
    live = lp_next_int(&it)
    ndel = lp_next_int(&it)
    nf = lp_next_int(&it)
    if live < 0 or ndel < 0 or nf < 0 or nf > size:
        _corrupt("Stream listpack integrity check failed.")
    for j in range(nf):
        f = lp_next_obj(&it, &done)
        if done:
            _corrupt("Stream listpack integrity check failed.")
        fields.append(f)
    if lp_next_int(&it) != 0:
        _corrupt("Stream listpack integrity check failed.")
    if live + ndel > size:
        _corrupt("Stream listpack integrity check failed.")
    for e in range(live + ndel):
        flags = lp_next_int(&it)
        dms = lp_next_int(&it)
        dseq = lp_next_int(&it)
        if flags & ~3:
            _corrupt("Stream listpack integrity check failed.")
        flat = []
        if flags & STREAM_FLAG_SAMEFIELDS:
            ef = nf
            for j in range(ef):
                val = lp_next_obj(&it, &done)
                if done:
                    _corrupt("Stream listpack integrity check failed.")
                flat.append(fields[j])
                flat.append(val)
            lpc = 3 + ef
        else:
            ef = lp_next_int(&it)
            if ef < 0 or ef > size:
                _corrupt("Stream listpack integrity check failed.")
            for j in range(2 * ef):
                f = lp_next_obj(&it, &done)
                if done:
                    _corrupt("Stream listpack integrity check failed.")
                flat.append(f)
            lpc = 3 + 1 + 2 * ef
        if lp_next_int(&it) != lpc:
            _corrupt("Stream listpack integrity check failed.")
        ids.append((<object>(mms + <uint64_t>dms) << 64) | <object>(mseq + <uint64_t>dseq))
        items.append(tuple(flat))
        dead.append(1 if flags & STREAM_FLAG_DELETED else 0)
        if flags & STREAM_FLAG_DELETED:
            seen_dead += 1
    lp_next_obj(&it, &done)
    if not done or seen_dead != ndel:
        _corrupt("Stream listpack integrity check failed.")
    if not ids:
        _corrupt("Empty listpack inside stream")
    node = StreamNode(tuple(fields))
    node.ids = ids
    node.items = items
    node.dead = dead
    node.live = live
    node.ndel = ndel
    # The node's Redis size, minus the two counters kvs re-adds as they change.
    node.body = size - <Py_ssize_t>_lp_int_total(live) - <Py_ssize_t>_lp_int_total(ndel)
    return node


cdef int _stream_set_order(object s) except -1:
    """StreamValue.ordered: IDs strictly increase in storage order (tombstones included)."""
    prev = -1
    ordered = True
    for node in s.nodes:
        for xid in node.ids:
            if xid <= prev:
                ordered = False
                break
            prev = xid
        if not ordered:
            break
    try:
        s.ordered = ordered
        s._rax_nodes = None
    except AttributeError:
        pass
    return 0


# ---------------------------------------------------------------------------------------------------------------
# Whole-file loading.
# ---------------------------------------------------------------------------------------------------------------
cdef class LoadCtx:
    """Inputs and results of one parse_rdb() call."""
    cdef public Py_ssize_t ndbs             # SELECTDB must stay below this (-1: no limit, check mode)
    cdef public bint keep_expired
    cdef public long long now
    cdef public object progress
    cdef public int key_delay
    cdef public bint lfu
    cdef public long long lru_clock
    cdef public long long lfu_minutes
    cdef public bint check
    cdef public bint allow_dups
    cdef public bint verify_checksum
    cdef public bint store                  # build values into `dbs` (False: check mode only counts)
    cdef public LoadOpts opts
    # results
    cdef public dict dbs                    # dbid -> [keys, expires, access]
    cdef public dict aux
    cdef public list functions
    cdef public long long keys_loaded, keys_expired, empty_skipped, keys_read, expires_read, already_expired
    cdef public dict types
    cdef public list events
    cdef public object checksum_ok
    cdef public object checksum_stored
    cdef public object checksum_expected
    cdef public int version
    cdef public str doing
    cdef public object cur_key
    cdef public int cur_type
    cdef public Py_ssize_t eof_offset

    def __init__(self):
        self.ndbs = 16
        self.keep_expired = False
        self.now = 0
        self.progress = None
        self.key_delay = 0
        self.lfu = False
        self.lru_clock = 0
        self.lfu_minutes = 0
        self.check = False
        self.allow_dups = False
        self.verify_checksum = True
        self.store = True
        self.opts = LoadOpts()
        self.dbs = {}
        self.aux = {}
        self.functions = []
        self.types = {}
        self.events = []
        self.checksum_ok = None
        self.checksum_stored = None
        self.checksum_expected = None
        self.version = 0
        self.doing = "start"
        self.cur_key = None
        self.cur_type = -1
        self.eof_offset = -1


cdef list _db_slot(LoadCtx ctx, Py_ssize_t dbid, Py_ssize_t hint):
    slot = ctx.dbs.get(dbid)
    if slot is None:
        slot = [_PyDict_NewPresized(hint) if hint > 0 else {}, {}, {}]
        ctx.dbs[dbid] = slot
    return slot


def parse_rdb(data, LoadCtx ctx):
    """Parse a whole RDB image (a buffer) into ctx; raises RdbError (offset, reason) on anything wrong."""
    cdef Reader r = Reader(data)
    try:
        _parse(r, ctx)
    finally:
        r.release()
    return ctx


cdef int _parse(Reader r, LoadCtx ctx) except -1:
    cdef const unsigned char *p = r.p
    cdef int t, ver, i
    cdef long long expiretime = -1, lfu_freq = -1, lru_idle = -1
    cdef Py_ssize_t dbid = 0, at, hint, last_progress = 0
    cdef uint64_t a, b
    cdef dict keys = None
    cdef dict expires = None
    cdef dict access = None
    cdef list slot
    cdef LoadOpts opts = ctx.opts
    cdef object clock_obj = ctx.lru_clock
    cdef object lfu_init = (ctx.lfu_minutes << 8) | LFU_INIT_VAL
    cdef object key
    cdef object val
    cdef PyObject *prev
    cdef long long keys_seen = 0
    cdef uint64_t stored, expected
    if r.end < 9:
        raise RdbError("Unexpected EOF reading RDB file", r.end, "eof")
    if memcmp(p, b"REDIS", 5) != 0:
        raise RdbError("Wrong signature trying to load DB from file", 0)
    ver = 0
    for i in range(5, 9):
        if p[i] < 48 or p[i] > 57:
            break
        ver = ver * 10 + (p[i] - 48)
    ctx.version = ver
    r.version = ver
    if ver < 1 or ver > MAX_LOADABLE_VERSION:
        raise RdbError(f"Can't handle RDB format version {ver}", 5, "version")
    r.pos = 9
    if ctx.store:
        slot = _db_slot(ctx, 0, 0)
        keys, expires, access = slot[0], slot[1], slot[2]
    while True:
        at = r.pos
        ctx.doing = "read-type"
        t = r.u8()
        if t == OP_EXPIRETIME_MS:
            ctx.doing = "read-expire"
            expiretime = r.i64le()
            continue
        if t == OP_EXPIRETIME:
            ctx.doing = "read-expire"
            r.need(4)
            expiretime = <long long>(<int32_t>_u32le(r.p + r.pos)) * 1000
            r.pos += 4
            continue
        if t == OP_FREQ:
            lfu_freq = r.u8()
            continue
        if t == OP_IDLE:
            ctx.doing = "read-len"
            lru_idle = <long long>(r.length() & 0x7FFFFFFFFFFFFFFF)
            continue
        if t == OP_EOF:
            break
        if t == OP_SELECTDB:
            ctx.doing = "read-len"
            a = r.length()
            if ctx.ndbs >= 0 and a >= <uint64_t>ctx.ndbs:
                raise RdbError(f"FATAL: Data file was created with a Redis server configured to handle more than "
                               f"{ctx.ndbs} databases. Exiting", at)
            dbid = <Py_ssize_t>a
            if ctx.check:
                ctx.events.append((r.pos, f"Selecting DB ID {dbid}"))
            if ctx.store:
                slot = _db_slot(ctx, dbid, 0)
                keys, expires, access = slot[0], slot[1], slot[2]
            continue
        if t == OP_RESIZEDB:
            ctx.doing = "read-len"
            a = r.length()
            b = r.length()
            if ctx.store and not keys:
                # A sizing hint: presize the fresh dict, never beyond what the remaining bytes could hold.
                hint = <Py_ssize_t>(a if a < <uint64_t>((r.end - r.pos) // 3) else (r.end - r.pos) // 3)
                if hint > 8:
                    keys = _PyDict_NewPresized(hint)
                    access = _PyDict_NewPresized(hint)
                    slot[0] = keys
                    slot[2] = access
                    if b > 8 and not expires:
                        expires = _PyDict_NewPresized(<Py_ssize_t>(b if b < <uint64_t>hint else hint))
                        slot[1] = expires
            continue
        if t == OP_AUX:
            ctx.doing = "read-aux"
            name = r.read_bytes()
            value = r.read_bytes()
            sname = (<bytes>name).decode("utf-8", "surrogateescape")
            ctx.aux[sname] = value
            if ctx.check:
                ctx.events.append((r.pos, f"AUX FIELD {sname} = '{(<bytes>value).decode('utf-8', 'replace')}'"))
            continue
        if t == OP_MODULE_AUX:
            ctx.doing = "read-module-aux"
            a = r.length()
            if r.length() != MODULE_OPCODE_UINT:
                raise RdbError("bad when_opcode", r.pos)
            r.length()
            if not ctx.check:
                raise RdbError(f"The RDB file contains AUX module data I can't load: no matching module "
                               f"'{module_type_name(a)}'", at)
            r.skip_module_value(module_type_name(a))
            continue
        if t == OP_FUNCTION2 or t == OP_FUNCTION:
            ctx.doing = "read-functions"
            if t == OP_FUNCTION2:
                ctx.functions.append(r.read_bytes())
            else:
                lname = r.read_bytes()
                engine = r.read_bytes()
                if r.length():
                    r.read_bytes()
                code = r.read_bytes()
                ctx.functions.append(b"#!" + engine + b" name=" + lname + b"\n" + code)
            continue
        if t == OP_SLOT_INFO:
            r.length()
            r.length()
            r.length()
            continue
        # A key: type byte, key string, value.
        if t == 8 or t > 25:
            ctx.doing = "read-type"
            raise RdbError(f"Unknown RDB encoding type {t}" if not ctx.check else f"Invalid object type: {t}", at)
        ctx.doing = "read-key"
        if ctx.check:
            ctx.cur_type = t
            ctx.cur_key = None
        key = r.read_bytes()
        ctx.doing = "read-object-value"
        if ctx.check:
            ctx.cur_key = key
        if t == T_STRING:
            val = r.read_bytes()
        else:
            val = r.load_object(t, opts)
        keys_seen += 1
        ctx.keys_read += 1
        if ctx.check:
            ctx.types[t] = ctx.types.get(t, 0) + 1
            if expiretime != -1:
                ctx.expires_read += 1
                if expiretime < ctx.now:
                    ctx.already_expired += 1
        if val is None:
            ctx.empty_skipped += 1
        elif expiretime != -1 and expiretime < ctx.now and not ctx.keep_expired:
            ctx.keys_expired += 1
        elif ctx.store:
            prev = _dict_setdefault(keys, key, val)
            if prev != <PyObject *>val:
                if not ctx.allow_dups:
                    raise RdbError("Duplicated key found in RDB file", at)
                keys[key] = val
                expires.pop(key, None)
            if expiretime != -1:
                expires[key] = expiretime
            if ctx.lfu:
                access[key] = lfu_init if lfu_freq < 0 else (ctx.lfu_minutes << 8) | lfu_freq
            else:
                access[key] = clock_obj if lru_idle < 0 else ctx.lru_clock - lru_idle
            ctx.keys_loaded += 1
        else:
            ctx.keys_loaded += 1
        expiretime = -1
        lfu_freq = -1
        lru_idle = -1
        if ctx.key_delay:
            _debug_delay(ctx.key_delay)
        if ctx.progress is not None and ((keys_seen & 1023) == 0 or r.pos - last_progress > (1 << 21)):
            last_progress = r.pos
            ctx.progress(r.pos, r.end)
    ctx.eof_offset = r.pos - 1
    if ver >= 5:
        ctx.doing = "check-sum"
        r.need(8)
        stored = _u64le(r.p + r.pos)
        r.pos += 8
        ctx.checksum_stored = stored
        if stored == 0:
            ctx.checksum_ok = None
            if ctx.check:
                ctx.events.append((r.pos, "RDB file was saved with checksum disabled: no check performed."))
        elif ctx.verify_checksum:
            expected = crc64_update(0, r.p, r.pos - 8)
            ctx.checksum_expected = expected
            if expected != stored:
                ctx.checksum_ok = False
                raise RdbError(f"Wrong RDB checksum expected: ({expected:x}) but got ({stored:x}). Aborting now.",
                               r.pos - 8, "checksum")
            ctx.checksum_ok = True
            if ctx.check:
                ctx.events.append((r.pos, "Checksum OK"))
    if ctx.progress is not None:
        ctx.progress(r.pos, r.end)
    return 0


def restore_payload(payload, *, dict limits=None, bint deep_sanitize=False, int max_version=10):
    """RESTORE: verify the 10-byte footer (version <= max_version, CRC-64) and rebuild the value."""
    cdef const unsigned char[::1] view = payload
    cdef Py_ssize_t n = view.shape[0]
    cdef uint64_t crc
    cdef int ver, t
    cdef Reader r
    if n < 10:
        raise RdbError("DUMP payload version or checksum are wrong", -1, "checksum")
    ver = view[n - 10] | (view[n - 9] << 8)
    if ver > max_version:
        raise RdbError("DUMP payload version or checksum are wrong", n - 10, "version")
    crc = crc64_update(0, &view[0], n - 8)
    if crc != _u64le(&view[n - 8]):
        raise RdbError("DUMP payload version or checksum are wrong", n - 8, "checksum")
    r = Reader(payload, 0, n - 10)
    try:
        t = r.u8()
        if t == 8 or t > 21 or t == 6 or t == 7:
            raise RdbError("Bad data format", 0)
        v = r.load_object(t, LoadOpts(limits, deep_sanitize, False))
    finally:
        r.release()
    if v is None:
        raise RdbError("Bad data format", 0)
    return v


def decode_value(int t, payload, *, dict limits=None, bint deep_sanitize=True):
    """The value of one object payload of type t (the inverse of encode_value)."""
    cdef Reader r = Reader(payload)
    try:
        v = r.load_object(t, LoadOpts(limits, deep_sanitize, False))
        if r.pos != r.end:
            raise RdbError("Trailing bytes after the value", r.pos)
    finally:
        r.release()
    return v


# ---------------------------------------------------------------------------------------------------------------
# Primitive encoders/decoders, for tests, tools and building legacy files.
# ---------------------------------------------------------------------------------------------------------------
def encode_length(uint64_t n):
    cdef Writer w = Writer(None, False, False, None)
    w.length(n)
    return w.getvalue()


def decode_length(data, Py_ssize_t pos=0):
    """(value, is_encoding, new_pos) of the length (or special string encoding) at pos."""
    cdef Reader r = Reader(data, pos)
    cdef uint64_t v
    cdef bint enc
    try:
        r.read_len(&v, &enc)
        return v, enc, r.pos
    finally:
        r.release()


def encode_string(data, bint compress=False):
    """rdbSaveRawString of a bytes-like value."""
    cdef Writer w = Writer(None, compress, False, None)
    cdef const unsigned char[::1] view = data
    cdef Py_ssize_t n = view.shape[0]
    w.string(&view[0] if n else <const unsigned char *>b"", n)
    return w.getvalue()


def decode_string(data, Py_ssize_t pos=0):
    """(bytes, new_pos) of the RDB string at pos (any of its forms)."""
    cdef Reader r = Reader(data, pos)
    try:
        return r.read_bytes(), r.pos
    finally:
        r.release()


def encode_double_string(double d):
    """rdbSaveDoubleValue (legacy zset scores): length byte (253/254/255 for NaN/+inf/-inf) and ASCII."""
    cdef char buf[128]
    cdef int n
    if isnan(d):
        return b"\xfd"
    if isinf(d):
        return b"\xfe" if d > 0 else b"\xff"
    if -4503599627370495.0 < d < 4503599627370496.0 and d == <double>(<long long>d):
        n = <int>_ll2str(<long long>d, buf)
    else:
        n = snprintf(buf, sizeof(buf), "%.17g", d)
    return bytes([n]) + buf[:n]


def decode_double_string(data, Py_ssize_t pos=0):
    cdef Reader r = Reader(data, pos)
    try:
        return r.double_str(), r.pos
    finally:
        r.release()


def listpack_encode(items):
    """A listpack of bytes (canonical integers become integer entries) and ints."""
    cdef cbuf b
    b.p = NULL
    b.n = b.cap = b.count = 0
    try:
        lp_begin(&b)
        for it in items:
            if type(it) is int:
                lp_append_int(&b, it)
            else:
                lp_append_obj(&b, bytes(it))
        lp_finish(&b)
        return PyBytes_FromStringAndSize(<const char *>b.p, b.n)
    finally:
        cb_free(&b)


def listpack_decode(blob, bint as_bytes=False):
    """Elements of a (fully validated) listpack: bytes for strings, int for integers (or their text)."""
    cdef const unsigned char[::1] view = blob
    cdef lpit it
    cdef const unsigned char *s
    cdef Py_ssize_t k
    cdef int64_t v
    cdef int kind
    out = []
    if view.shape[0] == 0:
        _corrupt("Listpack integrity check failed.")
    lp_open(&it, &view[0], view.shape[0])
    while True:
        kind = lp_next(&it, &s, &k, &v)
        if kind == 0:
            return out
        if kind == 1:
            out.append(PyBytes_FromStringAndSize(<const char *>s, k))
        else:
            out.append(_ll2bytes(v) if as_bytes else v)


def listpack_entry_size(item):
    """Bytes one element takes in a listpack (back-length included)."""
    cdef const unsigned char[::1] view = item
    return _lp_entry_size(&view[0] if view.shape[0] else <const unsigned char *>b"", view.shape[0])


def ziplist_encode(items):
    """A ziplist (the pre-7.0 small-collection blob) with Redis's entry encodings; for legacy test files."""
    cdef cbuf b
    cdef size_t prevlen = 0, last = 10
    cdef const unsigned char *s
    cdef Py_ssize_t k
    b.p = NULL
    b.n = b.cap = b.count = 0
    try:
        cb_reserve(&b, 10)
        b.n = 10
        for it in items:
            data = str(it).encode() if type(it) is int else bytes(it)
            s = <const unsigned char *>PyBytes_AS_STRING(data)
            k = PyBytes_GET_SIZE(data)
            last = b.n
            zl_append(&b, s, k, &prevlen)
        cb_reserve(&b, 1)
        b.p[b.n] = 0xFF
        b.n += 1
        _put_u32le(b.p, <uint32_t>b.n)
        _put_u32le(b.p + 4, <uint32_t>last)
        _put_u16le(b.p + 8, <uint16_t>(b.count if b.count < 65535 else 65535))
        return PyBytes_FromStringAndSize(<const char *>b.p, b.n)
    finally:
        cb_free(&b)


def ziplist_decode(blob):
    cdef const unsigned char[::1] view = blob
    if view.shape[0] == 0:
        _corrupt("Ziplist integrity check failed.")
    return zl_to_list(&view[0], view.shape[0])


def intset_encode(values):
    cdef cbuf b
    cdef Py_ssize_t n = len(values), i
    cdef int64_t *vals = <int64_t *>malloc(sizeof(int64_t) * (n if n else 1))
    b.p = NULL
    b.n = b.cap = b.count = 0
    if vals == NULL:
        raise MemoryError()
    try:
        for i in range(n):
            vals[i] = values[i]
        intset_build(&b, vals, n)
        return PyBytes_FromStringAndSize(<const char *>b.p, b.n)
    finally:
        free(vals)
        cb_free(&b)


def intset_decode(blob):
    cdef const unsigned char[::1] view = blob
    if view.shape[0] == 0:
        _corrupt("Intset integrity check failed.")
    return intset_to_list(&view[0], view.shape[0], True)


def zipmap_encode(pairs):
    """A zipmap (Redis <= 2.4 small hash) of (field, value) pairs, with no free space."""
    out = bytearray()
    n = len(pairs)
    out.append(n if n < 254 else 254)

    def enc_len(x):
        return bytes([x]) if x < 254 else b"\xfe" + x.to_bytes(4, "little")

    for f, v in pairs:
        out += enc_len(len(f)) + f + enc_len(len(v)) + b"\x00" + v
    out.append(0xFF)
    return bytes(out)


def zipmap_decode(blob):
    cdef const unsigned char[::1] view = blob
    if view.shape[0] == 0:
        _corrupt("Zipmap integrity check failed.")
    return zipmap_to_pairs(&view[0], view.shape[0])
