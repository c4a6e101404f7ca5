# cython: language_level=3
"""Cursor walks over a dict, for SCAN, RANDOMKEY and the active expire cycle.

A Python dict keeps its entries in an array; PyDict_Next's position is an index into it, so a walk can be
resumed in O(1) from a number a client hands back (the SCAN cursor), where `itertools.islice` would cost O(pos).

When a dict grows it compacts that array, moving entries to lower positions, and a cursor taken before would
skip some of them - breaking SCAN's promise that every element present for the whole iteration is returned. So a
cursor also carries a tag of the dict's entry table (its address); a cursor whose tag no longer matches starts
the walk again from the beginning. Elements may then be returned twice, which SCAN allows; none is missed.
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


cdef inline Py_ssize_t _start(dict d, unsigned long long cursor) noexcept:
    """The entry position to resume from, or 0 when the cursor belongs to another table layout."""
    if cursor == 0 or (cursor >> POS_BITS) != _tag(d):
        return 0
    return <Py_ssize_t>(cursor & ((1ULL << POS_BITS) - 1))


cdef inline unsigned long long _cursor(dict d, Py_ssize_t pos) noexcept:
    return (_tag(d) << POS_BITS) | <unsigned long long>pos

srand(<unsigned int>time(NULL))


def scan(dict d, unsigned long long cursor, Py_ssize_t count):
    """Return (next_cursor, keys) with up to `count` keys from `cursor` (0 = the start); next_cursor is 0 once
    the walk has reached the end."""
    cdef PyObject *key
    cdef PyObject *value
    cdef list out = []
    cdef Py_ssize_t pos = _start(d, cursor)
    while count > 0:
        if not PyDict_Next(d, &pos, &key, &value):
            return 0, out
        out.append(<object>key)
        count -= 1
    return _cursor(d, pos), out


def scan_items(dict d, unsigned long long cursor, Py_ssize_t count):
    """Like scan() but yields (key, value) pairs."""
    cdef PyObject *key
    cdef PyObject *value
    cdef list out = []
    cdef Py_ssize_t pos = _start(d, cursor)
    while count > 0:
        if not PyDict_Next(d, &pos, &key, &value):
            return 0, out
        out.append((<object>key, <object>value))
        count -= 1
    return _cursor(d, pos), out


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
