# cython: language_level=3
# The RDB serializer's buffered sink, declared so that other compiled modules (a replication sender, the AOF
# rewriter's RDB preamble) can write RDB records through the same CRC-updating buffer.
from libc.stdint cimport uint64_t, int64_t

from kvs._core.zskiplist cimport ZSet


cdef struct cbuf:
    # A growable scratch buffer (malloc'd): listpacks and intsets are assembled here before being written.
    unsigned char *p
    size_t n
    size_t cap
    size_t count        # elements appended (listpack builders)


cdef class Writer:
    cdef unsigned char *buf         # fixed-size output buffer; flushed to the sink when full
    cdef size_t n, cap
    cdef unsigned char *mem         # memory mode (no sink): everything accumulates here
    cdef size_t mem_n, mem_cap
    cdef uint64_t crc
    cdef readonly bint checksum
    cdef readonly bint compression
    cdef object write_fn
    cdef readonly long long total   # bytes produced so far
    cdef unsigned char *lzf         # compressor output scratch
    cdef size_t lzf_cap
    cdef cbuf blob                  # container scratch
    cdef dict limits                # encoding thresholds (config values)
    cdef Py_ssize_t hash_entries, hash_value, intset_entries   # the same, read without touching the dict
    cdef int list_fill

    cdef int flush(self) except -1
    cdef int raw(self, const void *p, size_t k) except -1
    cdef int byte(self, unsigned char c) except -1
    cdef int length(self, uint64_t v) except -1
    cdef int string(self, const unsigned char *p, size_t k) except -1
    cdef int int64le(self, int64_t v) except -1
    cdef int double_bin(self, double d) except -1
    cdef int obj_string(self, object o) except -1
    cdef int type_of(self, object v) except -1
    cdef int payload(self, object v, int t) except -1
    cdef int _sink(self, const unsigned char *p, size_t k) except -1
    cdef bint _hash_big(self, object h) except -1
    cdef bint _set_big(self, object s) except -1
    cdef int _list(self, object lst) except -1
    cdef int _hash(self, object h, int t) except -1
    cdef int _set(self, object s, int t) except -1
    cdef int _zset(self, ZSet z, int t) except -1
    cdef int _stream_id(self, object xid) except -1
    cdef int _raw_id(self, object xid) except -1
    cdef int _stream(self, object s) except -1
