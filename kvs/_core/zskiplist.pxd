# cython: language_level=3
# The sorted set's ordered index: a skiplist with rank spans (Redis's zskiplist, t_zset.c) beside a dict of
# member -> score. Declared here so that other compiled modules can cimport the type.
from cpython.object cimport PyObject


cdef extern from *:
    """
    /* A node ends in a flexible array of levels: one allocation (pymalloc, so tracemalloc sees it) holds the
       whole node, 24 bytes + 16 per level. */
    struct zsl_node_s;
    typedef struct zsl_level_s { struct zsl_node_s *forward; size_t span; } zsl_level;
    typedef struct zsl_node_s {
        PyObject *ele;                  /* the member (a bytes object, one strong reference) */
        double score;
        struct zsl_node_s *backward;
        zsl_level level[];
    } zsl_node;
    """
    ctypedef struct zsl_level:
        zsl_node *forward
        size_t span

    ctypedef struct zsl_node:
        PyObject *ele
        double score
        zsl_node *backward
        zsl_level *level


cdef struct lexspec:
    # A parsed lex range: each end is a member (kind 0) or the infinity '-' (-1) / '+' (1).
    int minkind
    int maxkind
    bint minex
    bint maxex
    const char *minp
    Py_ssize_t minn
    const char *maxp
    Py_ssize_t maxn


cdef class ZSet:
    cdef zsl_node *header
    cdef zsl_node *tail
    cdef int level                  # levels in use
    cdef int header_cap             # levels allocated in the header node (grown on demand)
    cdef size_t length
    cdef public dict dict           # member (bytes) -> score (float)
    cdef public bint listpack       # Redis would hold this zset in a listpack (small encoding; one-way)
    cdef public double newscore     # score after the last add() (ZADD INCR's reply)

    cdef int _grow_header(self, int level) except -1
    cdef zsl_node *_insert(self, double score, object ele) except NULL
    cdef void _delete_node(self, zsl_node *x, zsl_node **update) noexcept
    cdef int _find_update(self, double score, PyObject *ele, zsl_node **update) noexcept
    cdef zsl_node *_remove(self, double score, PyObject *ele) noexcept
    cdef size_t _rank_of(self, double score, PyObject *ele) noexcept
    cdef zsl_node *_by_rank(self, size_t rank) noexcept
    cdef bint _in_range(self, double mn, bint minex, double mx, bint maxex) noexcept
    cdef zsl_node *_first_in_range(self, double mn, bint minex, double mx, bint maxex) noexcept
    cdef zsl_node *_last_in_range(self, double mn, bint minex, double mx, bint maxex) noexcept
    cdef bint _in_lex_range(self, lexspec *r) noexcept
    cdef zsl_node *_first_in_lex(self, lexspec *r) noexcept
    cdef zsl_node *_last_in_lex(self, lexspec *r) noexcept
    cdef zsl_node *_first_in_lex_scan(self, lexspec *r) noexcept
    cdef zsl_node *_last_in_lex_scan(self, lexspec *r) noexcept
    cdef zsl_node *_first_lex(self, lexspec *r) noexcept
    cdef zsl_node *_last_lex(self, lexspec *r) noexcept
    cdef int _unlink_range(self, zsl_node *x, zsl_node **update, int kind, double mx, bint maxex,
                           lexspec *r, size_t traversed, size_t end) except -1
    cdef tuple _collect(self, zsl_node *x, Py_ssize_t n, bint reverse, bint withscores, int kind, double mn,
                        bint minex, double mx, bint maxex, lexspec *r)
    cpdef int add(self, bytes member, double score, int flags=*, Py_ssize_t max_entries=*,
                  Py_ssize_t max_value=*) except -1
    cpdef bint remove(self, bytes member) except -1
