# cython: language_level=3
"""Cursor walks over a dict, for SCAN, RANDOMKEY and the active expire cycle.

A Python dict keeps its entries in an array; PyDict_Next's position is an index into it, so a walk can be
resumed in O(1) from a number a client hands back (the SCAN cursor), where `itertools.islice` would cost O(pos).

When a dict grows it compacts that array, moving entries to lower positions, and a cursor taken before would
skip some of them - breaking SCAN's promise that every element present for the whole iteration is returned. So a
cursor also carries a tag of the dict's entry table (its address), and the last key each recent cursor stood
after is remembered: when the tag no longer matches, the walk resumes right after that key's new position
(compaction keeps the order), found by one pass of pointer comparisons. Only when that key is gone, or the cursor
too old to be remembered, does the walk start again from the beginning - returning some elements twice, which
SCAN allows, and missing none. A walk ends after the key that was last when it began, so it ends even while the
dict keeps growing.
"""
from cpython.dict cimport PyDict_Next
from cpython.object cimport PyObject
from cpython.ref cimport Py_INCREF
from cpython.list cimport PyList_New, PyList_SET_ITEM
from libc.stdlib cimport rand, srand
from libc.time cimport time
from libc.stdint cimport uintptr_t

cdef extern from "Python.h":
    ctypedef struct PyDictObject:
        void *ma_keys

cdef enum:
    POS_BITS = 40                       # entry positions below 2^40; the tag sits above
    TAG_MASK = 0xFFFFF                  # 20 bits of the table address ...
    TAG_SET = 0x100000                  # ... plus one set bit, so a tagged cursor is never 0


cdef inline unsigned long long _tag(dict d) noexcept:
    return ((<uintptr_t>(<PyDictObject*>d).ma_keys >> 4) & TAG_MASK) | TAG_SET


# (id(dict), cursor) -> (the key returned just before that cursor, the last key of the dict when the walk began),
# for the most recent cursors handed out.
cdef dict _cursors = {}
cdef Py_ssize_t CURSORS_MAX = 4096


cdef Py_ssize_t _find(dict d, object target) except -2:
    """The entry position just after `target` (one pass of pointer comparisons), or -1 if it is gone."""
    cdef PyObject *key
    cdef PyObject *value
    cdef Py_ssize_t pos = 0
    while PyDict_Next(d, &pos, &key, &value):
        if key == <PyObject*>target:
            return pos
    return -1


cdef tuple _walk(dict d, unsigned long long cursor, Py_ssize_t count, bint items):
    """The body of scan()/scan_items(): resume, collect up to `count`, and stop for good after the key that was
    last when the walk began - entries appended since need not be returned, and without that bound a dict that
    grows faster than it is scanned would never let the walk end."""
    cdef PyObject *key
    cdef PyObject *value
    cdef Py_ssize_t pos = 0
    cdef list out = []
    cdef object state = None
    cdef object end_key = None
    cdef object last = None
    cdef unsigned long long next_cursor
    if cursor != 0:
        state = _cursors.get((id(d), cursor))
        if state is not None:
            end_key = (<tuple>state)[1]
        if (cursor >> POS_BITS) == _tag(d):
            pos = <Py_ssize_t>(cursor & ((1ULL << POS_BITS) - 1))
        elif state is not None:
            # The table was rebuilt (compacted): resume right after the last key returned, wherever it is now.
            pos = _find(d, (<tuple>state)[0])
            if pos < 0:
                pos = 0
    elif d:
        end_key = next(reversed(d))
    if end_key is not None and end_key not in d:
        end_key = next(reversed(d)) if d else None   # the bound was deleted: bound by today's last key
    while count > 0:
        if not PyDict_Next(d, &pos, &key, &value):
            return 0, out
        last = <object>key
        out.append((last, <object>value) if items else last)
        count -= 1
        if key == <PyObject*>end_key:
            return 0, out
    next_cursor = (_tag(d) << POS_BITS) | <unsigned long long>pos
    if len(_cursors) >= CURSORS_MAX:
        del _cursors[next(iter(_cursors))]
    _cursors[(id(d), next_cursor)] = (last, end_key)
    return next_cursor, out


srand(<unsigned int>time(NULL))


def scan(dict d, unsigned long long cursor, Py_ssize_t count):
    """Return (next_cursor, keys) with up to `count` keys from `cursor` (0 = the start); next_cursor is 0 once
    the walk has reached the end."""
    return _walk(d, cursor, count, False)


def scan_items(dict d, unsigned long long cursor, Py_ssize_t count):
    """Like scan() but yields (key, value) pairs."""
    return _walk(d, cursor, count, True)


def random_key(dict d):
    """A key picked from a random entry position (uniform enough for RANDOMKEY); None when empty."""
    cdef PyObject *key
    cdef PyObject *value
    cdef Py_ssize_t n = len(d)
    cdef Py_ssize_t pos
    if n == 0:
        return None
    # Entry positions run up to the number of slots ever used, which is at most about 1.5x the live count plus
    # deleted holes; starting past the end simply wraps to the beginning.
    pos = rand() % (n + n // 2 + 1)
    if PyDict_Next(d, &pos, &key, &value):
        return <object>key
    pos = 0
    PyDict_Next(d, &pos, &key, &value)
    return <object>key
