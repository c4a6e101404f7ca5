# cython: language_level=3
"""Cursor walks over a dict, for SCAN, RANDOMKEY and the active expire cycle.

A Python dict keeps its entries in an array; PyDict_Next's position is an index into it, so a walk can be
resumed in O(1) from a number a client hands back (the SCAN cursor), where `itertools.islice` would cost O(pos).
"""
from cpython.dict cimport PyDict_Next
from cpython.object cimport PyObject
from cpython.ref cimport Py_INCREF
from cpython.list cimport PyList_New, PyList_SET_ITEM
from libc.stdlib cimport rand, srand
from libc.time cimport time

srand(<unsigned int>time(NULL))


def scan(dict d, Py_ssize_t pos, Py_ssize_t count):
    """Return (next_pos, keys) with up to `count` keys from entry position `pos`; next_pos is 0 at the end."""
    cdef PyObject *key
    cdef PyObject *value
    cdef list out = []
    if pos < 0:
        pos = 0
    while count > 0:
        if not PyDict_Next(d, &pos, &key, &value):
            return 0, out
        out.append(<object>key)
        count -= 1
    return pos, out


def scan_items(dict d, Py_ssize_t pos, Py_ssize_t count):
    """Like scan() but yields (key, value) pairs."""
    cdef PyObject *key
    cdef PyObject *value
    cdef list out = []
    if pos < 0:
        pos = 0
    while count > 0:
        if not PyDict_Next(d, &pos, &key, &value):
            return 0, out
        out.append((<object>key, <object>value))
        count -= 1
    return pos, out


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
