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

cdef extern from *:
    """
    /* The head of CPython's PyDictKeysObject (Include/internal/pycore_dict.h, 3.11-3.13 with the GIL), for the
       length of its entry array; _nentries_ok() checks the layout at import. */
    typedef struct {
        Py_ssize_t dk_refcnt;
        uint8_t dk_log2_size;
        uint8_t dk_log2_index_bytes;
        uint8_t dk_kind;
        uint32_t dk_version;
        Py_ssize_t dk_usable;
        Py_ssize_t dk_nentries;
        char dk_indices[];
    } kvs_dictkeys_head;
    typedef struct { Py_hash_t me_hash; PyObject *me_key; PyObject *me_value; } kvs_dict_entry;
    /* The entry of a general-kind table (any key type; bytes keys always make one), NULL for another kind. */
    static inline kvs_dict_entry *kvs_dict_entry_at(PyObject *d, Py_ssize_t i) {
        kvs_dictkeys_head *k = (kvs_dictkeys_head *)((PyDictObject *)d)->ma_keys;
        if (k->dk_kind != 0 || ((PyDictObject *)d)->ma_values != NULL)
            return NULL;
        return (kvs_dict_entry *)(k->dk_indices + ((size_t)1 << k->dk_log2_index_bytes)) + i;
    }
    """
    ctypedef struct kvs_dictkeys_head:
        Py_ssize_t dk_nentries
        unsigned char dk_log2_size
    ctypedef struct kvs_dict_entry:
        PyObject *me_key
        PyObject *me_value
    kvs_dict_entry *kvs_dict_entry_at(PyObject *d, Py_ssize_t i) noexcept

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


cdef inline Py_ssize_t _nentries(dict d) noexcept:
    return (<kvs_dictkeys_head *>(<PyDictObject *>d).ma_keys).dk_nentries


cdef bint _nentries_ok():
    """Whether the declared layout gives the entry count: after appends and deletions, PyDict_Next must find the
    last live entry just below it and nothing from it on."""
    cdef PyObject *key
    cdef PyObject *value
    cdef Py_ssize_t pos, i
    cdef kvs_dict_entry *e
    for n in (1, 5, 100, 3000):
        d = {i: i for i in range(n)}
        for i in range(0, n, 3):
            del d[i]
        d[-1] = -1
        if _nentries(d) < len(d) or _nentries(d) > 8 * n + 16:
            return False
        pos = _nentries(d) - 1
        if not PyDict_Next(d, &pos, &key, &value) or <object>key != -1:
            return False
        pos = _nentries(d)
        if PyDict_Next(d, &pos, &key, &value):
            return False
        # Every slot read directly agrees with PyDict_Next.
        live = {}
        for i in range(_nentries(d)):
            e = kvs_dict_entry_at(<PyObject *>d, i)
            if e == NULL:
                return False
            if e.me_value != NULL:
                live[i] = <object>e.me_key
        pos = 0
        i = 0
        while PyDict_Next(d, &pos, &key, &value):
            if live.get(pos - 1, _MISSING) is not <object>key:
                return False
            i += 1
        if i != len(live):
            return False
    return True


cdef object _MISSING = object()


cdef bint NENTRIES_OK = _nentries_ok()


def random_key(dict d):
    """A key picked uniformly from the live entries; None when empty. Positions are drawn over the whole entry
    array and redrawn when they hit a deleted entry, so a dict left full of holes (mass deletion, eviction) does
    not bias the pick towards the keys after them."""
    cdef PyObject *key
    cdef PyObject *value
    cdef Py_ssize_t n = len(d)
    cdef Py_ssize_t pos, start, total, tries
    if n == 0:
        return None
    cdef kvs_dict_entry *e
    if NENTRIES_OK and kvs_dict_entry_at(<PyObject *>d, 0) != NULL:
        total = _nentries(d)
        for tries in range(256):
            start = <Py_ssize_t>((<unsigned long long>rand() << 31 | <unsigned long long>rand()) % total)
            e = kvs_dict_entry_at(<PyObject *>d, start)
            if e.me_value != NULL:
                return <object>e.me_key
        # Almost nothing but holes: settle for the first live entry after a random position.
        pos = start
        if PyDict_Next(d, &pos, &key, &value):
            return <object>key
        pos = 0
        PyDict_Next(d, &pos, &key, &value)
        return <object>key
    # Entry positions run up to the number of slots ever used, which is at most about 1.5x the live count plus
    # deleted holes; starting past the end simply wraps to the beginning.
    pos = rand() % (n + n // 2 + 1)
    if PyDict_Next(d, &pos, &key, &value):
        return <object>key
    pos = 0
    PyDict_Next(d, &pos, &key, &value)
    return <object>key


def uniform_random_keys() -> bool:
    """Whether random_key() samples the entry array uniformly on this interpreter (else it walks from a guess)."""
    return NENTRIES_OK


def table_slots(dict d) -> int:
    """The size of the dict's hash table (0 where the layout is unknown): deletions never shrink it."""
    if not NENTRIES_OK:
        return 0
    return (<Py_ssize_t>1) << (<kvs_dictkeys_head *>(<PyDictObject *>d).ma_keys).dk_log2_size


def compact(dict d):
    """Rebuild the dict's table for its live entries, in place and in the same order (tryResizeHashTables)."""
    items = list(d.items())
    d.clear()
    d.update(items)
