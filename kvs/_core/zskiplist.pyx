# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""The sorted set's data structure, compiled: Redis's zskiplist (t_zset.c) - a skiplist ordered by (score, member
bytes) whose forward links carry spans, so ranks and rank ranges cost O(log n) - beside a dict member -> score for
O(1) ZSCORE and membership. Also the parsing of score and lex range bounds with Redis's C-string rules, and the
writing of (member, score) replies straight into the ReplyWriter.

Why a hand-written skiplist rather than sortedcontainers.SortedList of (score, member) tuples: see the docstring of
kvs/commands/t_zset.py (measured by bench/micro/test_zset_bench.py).
"""
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_GET_SIZE
from cpython.float cimport PyFloat_FromDouble
from cpython.list cimport PyList_Append
from cpython.mem cimport PyMem_Malloc, PyMem_Realloc, PyMem_Free
from cpython.object cimport PyObject
from cpython.ref cimport Py_INCREF, Py_DECREF
from libc.math cimport isnan, isinf, floor
from libc.stdint cimport uint64_t
from libc.stdio cimport snprintf
from libc.stdlib cimport strtod
from libc.string cimport memcmp
from libc.time cimport time

from kvs._core.resp cimport ReplyWriter

cdef extern from "Python.h":
    char *_ele_ptr "PyBytes_AS_STRING"(PyObject *o) nogil
    Py_ssize_t _ele_len "PyBytes_GET_SIZE"(PyObject *o) nogil

cdef extern from "<unistd.h>":
    int getpid() nogil

cdef enum:
    MAXLEVEL = 32           # ZSKIPLIST_MAXLEVEL
    HEADER_LEVELS = 4       # the header starts small (most zsets are small) and grows with the level

# zsetAdd() input flags ...
ADD_INCR = 1 << 0
ADD_NX = 1 << 1
ADD_XX = 1 << 2
ADD_GT = 1 << 3
ADD_LT = 1 << 4
# ... and its outcome
OUT_NAN = 1 << 0
OUT_ADDED = 1 << 1
OUT_UPDATED = 1 << 2
OUT_NOP = 1 << 3

# Bounds of a lex range: a member, or one of the two infinities '-' and '+'.
cdef enum:
    K_MIN = -1
    K_VALUE = 0
    K_MAX = 1

LEX_MIN = K_MIN
LEX_VALUE = K_VALUE
LEX_MAX = K_MAX

# Integral scores in this range are kept as integers by a listpack (double2ll), which shows in ZSCAN's text.
cdef double LP_INT_LIMIT = 4611686018427387904.0

cdef uint64_t _rng = (<uint64_t>time(NULL) << 20) ^ <uint64_t>getpid() ^ 0x9E3779B97F4A7C15ULL


cdef inline uint64_t _rand64() noexcept nogil:
    global _rng
    _rng ^= _rng >> 12
    _rng ^= _rng << 25
    _rng ^= _rng >> 27
    return _rng * 2685821657736338717ULL


cdef inline int _random_level() noexcept nogil:
    # Each further level with probability 1/4 (ZSKIPLIST_P), two random bits per level.
    cdef uint64_t r = _rand64()
    cdef int level = 1
    while (r & 3) == 0 and level < MAXLEVEL:
        level += 1
        r >>= 2
    return level


cdef inline int _cmp(PyObject *a, const char *bp, Py_ssize_t bl) noexcept nogil:
    """Member order: memcmp over the common length, then the shorter first (Redis's sdscmp)."""
    cdef Py_ssize_t al = _ele_len(a)
    cdef int c = memcmp(_ele_ptr(a), bp, al if al < bl else bl)
    if c != 0:
        return c
    return (al > bl) - (al < bl)


cdef inline bint _before(zsl_node *x, double score, PyObject *ele) noexcept nogil:
    """x sorts strictly before (score, ele)."""
    return x.score < score or (x.score == score and _cmp(x.ele, _ele_ptr(ele), _ele_len(ele)) < 0)


cdef inline bint _gte_min(double v, double mn, bint minex) noexcept nogil:
    return v > mn if minex else v >= mn


cdef inline bint _lte_max(double v, double mx, bint maxex) noexcept nogil:
    return v < mx if maxex else v <= mx


cdef inline int _lexcmp(PyObject *v, int kind, const char *p, Py_ssize_t n) noexcept nogil:
    """A member against a bound (Redis's sdscmplex with a real member on the left)."""
    if kind == K_MIN:
        return 1
    if kind == K_MAX:
        return -1
    return _cmp(v, p, n)


cdef inline bint _lex_gte_min(PyObject *v, lexspec *r) noexcept nogil:
    cdef int c = _lexcmp(v, r.minkind, r.minp, r.minn)
    return c > 0 if r.minex else c >= 0


cdef inline bint _lex_lte_max(PyObject *v, lexspec *r) noexcept nogil:
    cdef int c = _lexcmp(v, r.maxkind, r.maxp, r.maxn)
    return c < 0 if r.maxex else c <= 0


cdef int _fill_lex(lexspec *r, tuple spec) except -1:
    """spec is what parse_lex_range() returns; the bytes it holds outlive the call."""
    cdef object lo = spec[1]
    cdef object hi = spec[4]
    r.minkind = spec[0]
    r.minex = spec[2]
    r.maxkind = spec[3]
    r.maxex = spec[5]
    r.minp = NULL
    r.maxp = NULL
    r.minn = r.maxn = 0
    if r.minkind == K_VALUE:
        r.minp = PyBytes_AS_STRING(lo)
        r.minn = PyBytes_GET_SIZE(lo)
    if r.maxkind == K_VALUE:
        r.maxp = PyBytes_AS_STRING(hi)
        r.maxn = PyBytes_GET_SIZE(hi)
    return 0


cdef bint _lex_range_empty(lexspec *r) noexcept nogil:
    """min > max, or min == max with an exclusive end (sdscmplex(min, max) of zslIsInLexRange)."""
    cdef int c
    if r.minkind != K_VALUE and r.minkind == r.maxkind:
        c = 0
    elif r.minkind == K_MIN or r.maxkind == K_MAX:
        c = -1
    elif r.minkind == K_MAX or r.maxkind == K_MIN:
        c = 1
    else:
        c = memcmp(r.minp, r.maxp, r.minn if r.minn < r.maxn else r.maxn)
        if c == 0:
            c = (r.minn > r.maxn) - (r.minn < r.maxn)
    return c > 0 or (c == 0 and (r.minex or r.maxex))


cdef inline zsl_node *_new_node(int level, double score, object ele) except NULL:
    cdef zsl_node *x = <zsl_node *>PyMem_Malloc(sizeof(zsl_node) + level * sizeof(zsl_level))
    if x == NULL:
        raise MemoryError()
    x.score = score
    x.ele = <PyObject *>ele
    Py_INCREF(ele)
    x.backward = NULL
    return x


cdef inline void _free_node(zsl_node *x) noexcept:
    Py_DECREF(<object>x.ele)
    PyMem_Free(x)


cdef class ZSet:
    """A sorted set: members (bytes) ordered by (score, member). `dict` maps member -> score and is the source of
    truth for membership; the skiplist holds the same pairs in order. `listpack` tracks the encoding Redis would
    use for this value (set by add() against the limits it is given, cleared for good once exceeded)."""

    def __cinit__(self):
        cdef int i
        self.header = <zsl_node *>PyMem_Malloc(sizeof(zsl_node) + HEADER_LEVELS * sizeof(zsl_level))
        if self.header == NULL:
            raise MemoryError()
        self.header_cap = HEADER_LEVELS
        for i in range(HEADER_LEVELS):
            self.header.level[i].forward = NULL
            self.header.level[i].span = 0
        self.header.ele = NULL
        self.header.score = 0
        self.header.backward = NULL
        self.tail = NULL
        self.level = 1
        self.length = 0
        self.dict = {}
        self.listpack = True
        self.newscore = 0

    def __dealloc__(self):
        cdef zsl_node *x
        cdef zsl_node *nxt
        if self.header == NULL:
            return
        x = self.header.level[0].forward
        while x != NULL:
            nxt = x.level[0].forward
            _free_node(x)
            x = nxt
        PyMem_Free(self.header)
        self.header = NULL

    def __len__(self):
        return self.length

    # -- the skiplist (zslInsert, zslDeleteNode, zslGetRank ... of t_zset.c) -----------------------------------
    cdef int _grow_header(self, int level) except -1:
        cdef int i
        cdef zsl_node *h
        if level <= self.header_cap:
            return 0
        h = <zsl_node *>PyMem_Realloc(self.header, sizeof(zsl_node) + MAXLEVEL * sizeof(zsl_level))
        if h == NULL:
            raise MemoryError()
        for i in range(self.header_cap, MAXLEVEL):
            h.level[i].forward = NULL
            h.level[i].span = 0
        self.header = h
        self.header_cap = MAXLEVEL
        return 0

    cdef zsl_node *_insert(self, double score, object ele) except NULL:
        cdef zsl_node *update[MAXLEVEL]
        cdef size_t rank[MAXLEVEL]
        cdef zsl_node *x
        cdef int i
        # The level comes first: growing the header moves it, so it must happen before update[] points into it.
        cdef int level = _random_level()
        self._grow_header(level)
        cdef PyObject *e = <PyObject *>ele
        x = self.header
        i = self.level - 1
        while i >= 0:
            rank[i] = 0 if i == self.level - 1 else rank[i + 1]
            while x.level[i].forward != NULL and _before(x.level[i].forward, score, e):
                rank[i] += x.level[i].span
                x = x.level[i].forward
            update[i] = x
            i -= 1
        if level > self.level:
            for i in range(self.level, level):
                rank[i] = 0
                update[i] = self.header
                update[i].level[i].span = self.length
            self.level = level
        x = _new_node(level, score, ele)
        for i in range(level):
            x.level[i].forward = update[i].level[i].forward
            update[i].level[i].forward = x
            x.level[i].span = update[i].level[i].span - (rank[0] - rank[i])
            update[i].level[i].span = (rank[0] - rank[i]) + 1
        for i in range(level, self.level):
            update[i].level[i].span += 1
        x.backward = NULL if update[0] == self.header else update[0]
        if x.level[0].forward != NULL:
            x.level[0].forward.backward = x
        else:
            self.tail = x
        self.length += 1
        return x

    cdef void _delete_node(self, zsl_node *x, zsl_node **update) noexcept:
        cdef int i
        for i in range(self.level):
            if update[i].level[i].forward == x:
                update[i].level[i].span += x.level[i].span - 1
                update[i].level[i].forward = x.level[i].forward
            else:
                update[i].level[i].span -= 1
        if x.level[0].forward != NULL:
            x.level[0].forward.backward = x.backward
        else:
            self.tail = x.backward
        while self.level > 1 and self.header.level[self.level - 1].forward == NULL:
            self.level -= 1
        self.length -= 1

    cdef int _find_update(self, double score, PyObject *ele, zsl_node **update) noexcept:
        cdef zsl_node *x = self.header
        cdef int i = self.level - 1
        while i >= 0:
            while x.level[i].forward != NULL and _before(x.level[i].forward, score, ele):
                x = x.level[i].forward
            update[i] = x
            i -= 1
        return 0

    cdef zsl_node *_remove(self, double score, PyObject *ele) noexcept:
        """Unlink the node holding (score, ele) and return it (the caller frees it), or NULL."""
        cdef zsl_node *update[MAXLEVEL]
        cdef zsl_node *x
        self._find_update(score, ele, update)
        x = update[0].level[0].forward
        if x != NULL and x.score == score and _cmp(x.ele, _ele_ptr(ele), _ele_len(ele)) == 0:
            self._delete_node(x, update)
            return x
        return NULL

    cdef size_t _rank_of(self, double score, PyObject *ele) noexcept:
        """1-based rank of (score, ele), 0 if absent."""
        cdef zsl_node *x = self.header
        cdef size_t rank = 0
        cdef int i = self.level - 1
        while i >= 0:
            while x.level[i].forward != NULL and (
                    x.level[i].forward.score < score or (x.level[i].forward.score == score and
                                                        _cmp(x.level[i].forward.ele, _ele_ptr(ele),
                                                             _ele_len(ele)) <= 0)):
                rank += x.level[i].span
                x = x.level[i].forward
            if x.ele != NULL and x.score == score and _cmp(x.ele, _ele_ptr(ele), _ele_len(ele)) == 0:
                return rank
            i -= 1
        return 0

    cdef zsl_node *_by_rank(self, size_t rank) noexcept:
        """The node at a 1-based rank, or NULL."""
        cdef zsl_node *x = self.header
        cdef size_t traversed = 0
        cdef int i = self.level - 1
        while i >= 0:
            while x.level[i].forward != NULL and traversed + x.level[i].span <= rank:
                traversed += x.level[i].span
                x = x.level[i].forward
            if traversed == rank:
                return x
            i -= 1
        return NULL

    cdef bint _in_range(self, double mn, bint minex, double mx, bint maxex) noexcept:
        if mn > mx or (mn == mx and (minex or maxex)):
            return False
        if self.tail == NULL or not _gte_min(self.tail.score, mn, minex):
            return False
        if not _lte_max(self.header.level[0].forward.score, mx, maxex):
            return False
        return True

    cdef zsl_node *_first_in_range(self, double mn, bint minex, double mx, bint maxex) noexcept:
        cdef zsl_node *x = self.header
        cdef int i = self.level - 1
        if not self._in_range(mn, minex, mx, maxex):
            return NULL
        while i >= 0:
            while x.level[i].forward != NULL and not _gte_min(x.level[i].forward.score, mn, minex):
                x = x.level[i].forward
            i -= 1
        x = x.level[0].forward
        if x == NULL or not _lte_max(x.score, mx, maxex):
            return NULL
        return x

    cdef zsl_node *_last_in_range(self, double mn, bint minex, double mx, bint maxex) noexcept:
        cdef zsl_node *x = self.header
        cdef int i = self.level - 1
        if not self._in_range(mn, minex, mx, maxex):
            return NULL
        while i >= 0:
            while x.level[i].forward != NULL and _lte_max(x.level[i].forward.score, mx, maxex):
                x = x.level[i].forward
            i -= 1
        if x == self.header or not _gte_min(x.score, mn, minex):
            return NULL
        return x

    cdef bint _in_lex_range(self, lexspec *r) noexcept:
        if _lex_range_empty(r):
            return False
        if self.tail == NULL or not _lex_gte_min(self.tail.ele, r):
            return False
        if not _lex_lte_max(self.header.level[0].forward.ele, r):
            return False
        return True

    cdef zsl_node *_first_in_lex(self, lexspec *r) noexcept:
        cdef zsl_node *x = self.header
        cdef int i = self.level - 1
        if not self._in_lex_range(r):
            return NULL
        while i >= 0:
            while x.level[i].forward != NULL and not _lex_gte_min(x.level[i].forward.ele, r):
                x = x.level[i].forward
            i -= 1
        x = x.level[0].forward
        if x == NULL or not _lex_lte_max(x.ele, r):
            return NULL
        return x

    cdef zsl_node *_last_in_lex(self, lexspec *r) noexcept:
        cdef zsl_node *x = self.header
        cdef int i = self.level - 1
        if not self._in_lex_range(r):
            return NULL
        while i >= 0:
            while x.level[i].forward != NULL and _lex_lte_max(x.level[i].forward.ele, r):
                x = x.level[i].forward
            i -= 1
        if x == self.header or not _lex_gte_min(x.ele, r):
            return NULL
        return x

    cdef zsl_node *_first_in_lex_scan(self, lexspec *r) noexcept:
        """zzlFirstInLexRange: a listpack is searched from the front. For members all of one score this finds
        what the descent finds; otherwise the lex commands are only well defined on a listpack, and this is
        what Redis answers there."""
        cdef zsl_node *x
        if not self._in_lex_range(r):
            return NULL
        x = self.header.level[0].forward
        while x != NULL:
            if _lex_gte_min(x.ele, r):
                return x if _lex_lte_max(x.ele, r) else NULL
            x = x.level[0].forward
        return NULL

    cdef zsl_node *_last_in_lex_scan(self, lexspec *r) noexcept:
        """zzlLastInLexRange: searched from the back."""
        cdef zsl_node *x
        if not self._in_lex_range(r):
            return NULL
        x = self.tail
        while x != NULL:
            if _lex_lte_max(x.ele, r):
                return x if _lex_gte_min(x.ele, r) else NULL
            x = x.backward
        return NULL

    cdef zsl_node *_first_lex(self, lexspec *r) noexcept:
        return self._first_in_lex_scan(r) if self.listpack else self._first_in_lex(r)

    cdef zsl_node *_last_lex(self, lexspec *r) noexcept:
        return self._last_in_lex_scan(r) if self.listpack else self._last_in_lex(r)

    cdef int _unlink_range(self, zsl_node *x, zsl_node **update, int kind, double mx, bint maxex,
                           lexspec *r, size_t traversed, size_t end) except -1:
        """Delete nodes from x on while they are in range (kind 0: by score up to mx, 1: by lex up to r,
        2: by rank up to `end`); returns how many went."""
        cdef zsl_node *nxt
        cdef int removed = 0
        cdef dict d = self.dict
        while x != NULL:
            if kind == 0 and not _lte_max(x.score, mx, maxex):
                break
            if kind == 1 and not _lex_lte_max(x.ele, r):
                break
            if kind == 2 and traversed > end:
                break
            nxt = x.level[0].forward
            self._delete_node(x, update)
            del d[<object>x.ele]
            _free_node(x)
            removed += 1
            traversed += 1
            x = nxt
        return removed

    # -- the sorted set (zsetAdd, zsetDel, zsetRank ...) -------------------------------------------------------
    cpdef int add(self, bytes member, double score, int flags=0, Py_ssize_t max_entries=128,
                  Py_ssize_t max_value=64) except -1:
        """zsetAdd(): insert or update `member` under the ADD_* flags; returns the OUT_* outcome, the resulting
        score in `newscore`. `max_entries`/`max_value` are zset-max-listpack-entries/value, deciding whether the
        value leaves the listpack encoding."""
        cdef object cur = self.dict.get(member)
        cdef double curscore
        cdef zsl_node *update[MAXLEVEL]
        cdef zsl_node *x
        cdef PyObject *e = <PyObject *>member
        if isnan(score):
            return OUT_NAN
        if cur is not None:
            if flags & ADD_NX:
                return OUT_NOP
            curscore = <double>cur
            if flags & ADD_INCR:
                score += curscore
                if isnan(score):
                    return OUT_NAN
            if (flags & ADD_LT and score >= curscore) or (flags & ADD_GT and score <= curscore):
                return OUT_NOP
            self.newscore = score
            if score == curscore:
                return 0
            if self.listpack and score == 0:
                score = 0.0     # a listpack stores an integral score as an integer: -0 becomes 0
            self._find_update(curscore, e, update)
            x = update[0].level[0].forward
            # The node may stay where it is when its neighbours still bracket the new score (zslUpdateScore).
            if (x.backward == NULL or x.backward.score < score) and \
                    (x.level[0].forward == NULL or x.level[0].forward.score > score):
                x.score = score
            else:
                # Insert the new node before unlinking the old one: if the allocation fails nothing changed.
                self._insert(score, <object>x.ele)
                _free_node(self._remove(curscore, e))
            self.dict[member] = score
            return OUT_UPDATED
        if flags & ADD_XX:
            return OUT_NOP
        if self.listpack and (<Py_ssize_t>self.length + 1 > max_entries or len(member) > max_value):
            self.listpack = False
        self.newscore = score
        if self.listpack and score == 0:
            score = 0.0
        self._insert(score, member)
        self.dict[member] = score
        return OUT_ADDED

    cpdef bint remove(self, bytes member) except -1:
        cdef object cur = self.dict.pop(member, None)
        cdef zsl_node *x
        if cur is None:
            return False
        x = self._remove(<double>cur, <PyObject *>member)
        if x != NULL:
            _free_node(x)
        return True

    def to_listpack(self):
        """Mark the value listpack-encoded (zsetConvertToListpackIfNeeded); a listpack cannot hold -0."""
        cdef zsl_node *x = self.header.level[0].forward
        self.listpack = True
        while x != NULL:
            if x.score == 0 and x.ele != NULL:
                x.score = 0.0
                self.dict[<object>x.ele] = 0.0
            x = x.level[0].forward

    def rank(self, bytes member, bint reverse=False):
        """0-based rank (from the highest when reverse), or -1."""
        cdef object cur = self.dict.get(member)
        cdef size_t r
        if cur is None:
            return -1
        r = self._rank_of(<double>cur, <PyObject *>member)
        return <Py_ssize_t>(self.length - r) if reverse else <Py_ssize_t>(r - 1)

    def at_rank(self, Py_ssize_t rank):
        """(member, score) at a 0-based rank."""
        cdef zsl_node *x
        if rank < 0 or rank >= <Py_ssize_t>self.length:
            raise IndexError(rank)
        x = self._by_rank(rank + 1)
        return <object>x.ele, x.score

    def first(self):
        cdef zsl_node *x = self.header.level[0].forward
        return None if x == NULL else (<object>x.ele, x.score)

    def last(self):
        cdef zsl_node *x = self.tail
        return None if x == NULL else (<object>x.ele, x.score)

    # -- ranges: each returns (members, scores), scores None unless asked for ----------------------------------
    cdef tuple _collect(self, zsl_node *x, Py_ssize_t n, bint reverse, bint withscores, int kind, double mn,
                        bint minex, double mx, bint maxex, lexspec *r):
        """Up to n nodes (all when n < 0) from x on, while they satisfy the range end (kind 0: none, 1: score
        range, 2: lex range)."""
        cdef list members = []
        cdef list scores = [] if withscores else None
        while x != NULL and n != 0:
            if kind == 1:
                if (not _gte_min(x.score, mn, minex)) if reverse else (not _lte_max(x.score, mx, maxex)):
                    break
            elif kind == 2:
                if (not _lex_gte_min(x.ele, r)) if reverse else (not _lex_lte_max(x.ele, r)):
                    break
            PyList_Append(members, <object>x.ele)
            if withscores:
                PyList_Append(scores, PyFloat_FromDouble(x.score))
            x = x.backward if reverse else x.level[0].forward
            n -= 1
        return members, scores

    def range_by_rank(self, Py_ssize_t start, Py_ssize_t end, bint reverse=False, bint withscores=False):
        """Ranks start..end inclusive, already clipped to 0 <= start <= end < len (genericZrangebyrankCommand)."""
        cdef zsl_node *x
        if reverse:
            x = self.tail if start == 0 else self._by_rank(self.length - start)
        else:
            x = self.header.level[0].forward if start == 0 else self._by_rank(start + 1)
        return self._collect(x, end - start + 1, reverse, withscores, 0, 0, 0, 0, 0, NULL)

    def range_by_score(self, double mn, bint minex, double mx, bint maxex, Py_ssize_t offset=0,
                       Py_ssize_t limit=-1, bint reverse=False, bint withscores=False):
        """genericZrangebyscoreCommand: skip `offset` (a negative offset walks off the end), then up to `limit`
        (negative: no limit)."""
        cdef zsl_node *x
        if offset < 0 or (offset > 0 and offset >= <Py_ssize_t>self.length):
            return [], ([] if withscores else None)
        x = self._last_in_range(mn, minex, mx, maxex) if reverse else self._first_in_range(mn, minex, mx, maxex)
        while x != NULL and offset > 0:
            x = x.backward if reverse else x.level[0].forward
            offset -= 1
        return self._collect(x, limit, reverse, withscores, 1, mn, minex, mx, maxex, NULL)

    def range_by_lex(self, tuple spec, Py_ssize_t offset=0, Py_ssize_t limit=-1, bint reverse=False,
                     bint withscores=False):
        cdef lexspec r
        cdef zsl_node *x
        _fill_lex(&r, spec)
        if offset < 0:
            return [], ([] if withscores else None)
        x = self._last_lex(&r) if reverse else self._first_lex(&r)
        while x != NULL and offset > 0:
            x = x.backward if reverse else x.level[0].forward
            offset -= 1
        return self._collect(x, limit, reverse, withscores, 2, 0, 0, 0, 0, &r)

    def items(self, bint reverse=False, bint withscores=True):
        """Every member in order (highest first when reverse)."""
        return self._collect(self.tail if reverse else self.header.level[0].forward, -1, reverse, withscores, 0,
                             0, 0, 0, 0, NULL)

    def count_by_score(self, double mn, bint minex, double mx, bint maxex):
        cdef zsl_node *x = self._first_in_range(mn, minex, mx, maxex)
        cdef size_t count
        if x == NULL:
            return 0
        count = self.length - (self._rank_of(x.score, x.ele) - 1)
        x = self._last_in_range(mn, minex, mx, maxex)
        if x != NULL:
            count -= self.length - self._rank_of(x.score, x.ele)
        return count

    def count_by_lex(self, tuple spec):
        cdef lexspec r
        cdef zsl_node *x
        cdef size_t count
        _fill_lex(&r, spec)
        if self.listpack:
            # A listpack counts by walking from the first match (ZLEXCOUNT's listpack branch).
            x = self._first_in_lex_scan(&r)
            count = 0
            while x != NULL and _lex_lte_max(x.ele, &r):
                count += 1
                x = x.level[0].forward
            return count
        x = self._first_in_lex(&r)
        if x == NULL:
            return 0
        count = self.length - (self._rank_of(x.score, x.ele) - 1)
        x = self._last_in_lex(&r)
        if x != NULL:
            count -= self.length - self._rank_of(x.score, x.ele)
        return count

    # -- removals ----------------------------------------------------------------------------------------------
    def delete_by_rank(self, Py_ssize_t start, Py_ssize_t end):
        """Remove ranks start..end (0-based, inclusive, already clipped); returns how many."""
        cdef zsl_node *update[MAXLEVEL]
        cdef zsl_node *x = self.header
        cdef size_t traversed = 0
        cdef int i = self.level - 1
        while i >= 0:
            while x.level[i].forward != NULL and traversed + x.level[i].span < <size_t>(start + 1):
                traversed += x.level[i].span
                x = x.level[i].forward
            update[i] = x
            i -= 1
        return self._unlink_range(x.level[0].forward, update, 2, 0, 0, NULL, traversed + 1, end + 1)

    def delete_by_score(self, double mn, bint minex, double mx, bint maxex):
        cdef zsl_node *update[MAXLEVEL]
        cdef zsl_node *x = self.header
        cdef int i = self.level - 1
        while i >= 0:
            while x.level[i].forward != NULL and not _gte_min(x.level[i].forward.score, mn, minex):
                x = x.level[i].forward
            update[i] = x
            i -= 1
        return self._unlink_range(x.level[0].forward, update, 0, mx, maxex, NULL, 0, 0)

    def delete_by_lex(self, tuple spec):
        cdef lexspec r
        cdef zsl_node *update[MAXLEVEL]
        cdef zsl_node *x = self.header
        cdef int i = self.level - 1
        _fill_lex(&r, spec)
        if self.listpack:
            # zzlDeleteRangeByLex: from the first match found by a scan, while members stay under max.
            x = self._first_in_lex_scan(&r)
            if x == NULL:
                return 0
            self._find_update(x.score, x.ele, update)
            return self._unlink_range(x, update, 1, 0, 0, &r, 0, 0)
        while i >= 0:
            while x.level[i].forward != NULL and not _lex_gte_min(x.level[i].forward.ele, &r):
                x = x.level[i].forward
            update[i] = x
            i -= 1
        return self._unlink_range(x.level[0].forward, update, 1, 0, 0, &r, 0, 0)

    def pop(self, bint highest, Py_ssize_t count):
        """Remove up to `count` members from the low (or high) end; returns (members, scores) in pop order."""
        cdef list members = []
        cdef list scores = []
        cdef zsl_node *x
        cdef object ele
        while count > 0 and self.length > 0:
            x = self.tail if highest else self.header.level[0].forward
            ele = <object>x.ele
            PyList_Append(members, ele)
            PyList_Append(scores, PyFloat_FromDouble(x.score))
            del self.dict[ele]
            x = self._remove(x.score, x.ele)
            _free_node(x)
            count -= 1
        return members, scores

    def copy(self):
        """An independent zset of the same class and encoding (members are immutable and shared)."""
        cdef ZSet other = type(self)()
        cdef zsl_node *x = self.tail
        while x != NULL:
            other._insert(x.score, <object>x.ele)
            x = x.backward
        other.dict = dict(self.dict)
        other.listpack = self.listpack
        return other

    def check(self):
        """Verify the structure's invariants (for tests): order, spans, backward links, dict agreement."""
        cdef zsl_node *x
        cdef zsl_node *y
        cdef size_t n = 0, rank
        cdef int i
        assert <size_t>len(self.dict) == self.length, (len(self.dict), self.length)
        x = self.header.level[0].forward
        y = NULL
        while x != NULL:
            n += 1
            assert x.backward == y
            if y != NULL:
                assert y.score < x.score or (y.score == x.score and
                                             _cmp(y.ele, _ele_ptr(x.ele), _ele_len(x.ele)) < 0)
            assert self.dict[<object>x.ele] == x.score
            y = x
            x = x.level[0].forward
        assert y == self.tail and n == self.length
        for i in range(self.level):
            x = self.header
            rank = 0
            while x.level[i].forward != NULL:
                rank += x.level[i].span
                x = x.level[i].forward
                assert self._rank_of(x.score, x.ele) == rank
        return True


# -- range arguments ---------------------------------------------------------------------------------------------
cdef int _score_bound(bytes s, double *out, bint *ex) noexcept:
    """zslParseRange for one end: '(' makes it exclusive, the rest goes through strtod() as a C string (leading
    space accepted, text after a NUL ignored, "" is 0); trailing junk or NaN is an error. Returns 1 if valid."""
    cdef const char *p = PyBytes_AS_STRING(s)
    cdef char *end
    ex[0] = False
    if p[0] == b'(':
        p += 1
        ex[0] = True
    out[0] = strtod(p, &end)
    return end[0] == 0 and not isnan(out[0])


def parse_score_range(bytes lo, bytes hi):
    """(min, minex, max, maxex), or None when either end is invalid."""
    cdef double mn, mx
    cdef bint minex, maxex
    if not _score_bound(lo, &mn, &minex) or not _score_bound(hi, &mx, &maxex):
        return None
    return mn, minex, mx, maxex


cdef object _lex_bound(bytes s):
    cdef Py_ssize_t n = len(s)
    cdef const char *p = PyBytes_AS_STRING(s)
    if n == 0:
        return None
    # '+'/'-' are tested like C strings: "+" followed by a NUL byte is still the bound '+'.
    if p[0] == b'+':
        return (LEX_MAX, None, True) if p[1] == 0 else None
    if p[0] == b'-':
        return (LEX_MIN, None, True) if p[1] == 0 else None
    if p[0] == b'(':
        return LEX_VALUE, s[1:], True
    if p[0] == b'[':
        return LEX_VALUE, s[1:], False
    return None


def parse_lex_range(bytes lo, bytes hi):
    """(minkind, min, minex, maxkind, max, maxex) for the lex methods, or None when either end is invalid."""
    a = _lex_bound(lo)
    if a is None:
        return None
    b = _lex_bound(hi)
    if b is None:
        return None
    return a + b


# -- replies -----------------------------------------------------------------------------------------------------
def write_pairs(ReplyWriter w, list members, list scores, bint nested):
    """An array of members each followed by its score (a double): flat [m, s, m, s ...] or, when nested,
    [[m, s], [m, s] ...]."""
    cdef Py_ssize_t n = len(members), i
    cdef bytes m
    w.header_c(b'*', n if nested else 2 * n)
    for i in range(n):
        if nested:
            w.header_c(b'*', 2)
        m = <bytes>members[i]
        w.bulk_c(PyBytes_AS_STRING(m), PyBytes_GET_SIZE(m))
        w.double_c(<double>scores[i])


def write_range(ReplyWriter w, list members, list scores):
    """A range reply: bulks, or with scores flat pairs (RESP2) / [member, score] pairs (RESP3)."""
    if scores is None:
        w.bulks(members)
    else:
        write_pairs(w, members, scores, w.resp == 3)


def format_score(double d):
    """A score as text, the way Redis prints a double it holds (%.17g, infinities as inf/-inf)."""
    cdef char buf[64]
    cdef int n
    if isinf(d):
        return b"inf" if d > 0 else b"-inf"
    n = snprintf(buf, sizeof(buf), "%.17g", d)
    return buf[:n]


def format_listpack_score(double d):
    """A score as a listpack holds it (ZSCAN of a small zset shows this text): integral values within
    +-2^62 as integers, anything else like format_score."""
    cdef char buf[64]
    cdef int n
    if not isinf(d) and -LP_INT_LIMIT <= d <= LP_INT_LIMIT and floor(d) == d:
        n = snprintf(buf, sizeof(buf), "%lld", <long long>d)
        return buf[:n]
    return format_score(d)
