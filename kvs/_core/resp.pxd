# cython: language_level=3
# Declarations of the RESP request parser and reply writer, so other compiled modules can cimport them and call
# their methods without Python-level dispatch (both classes are final: there are no overrides to look up).
cimport cython
from cpython.ref cimport PyObject


cdef class _Block:
    # Owner of one malloc'd receive buffer; freed only when the parser and every view handed out have let go.
    cdef char *data
    cdef Py_ssize_t size


cdef class _Window:
    # Writable buffer exporter over [ptr, ptr+n) of `owner`; keeps `owner` alive while a memoryview exists.
    cdef object owner
    cdef char *ptr
    cdef Py_ssize_t n
    cdef Py_ssize_t stride      # always 1; exported as the view's strides[0]


@cython.final
cdef class RequestParser:
    cdef _Block _blk            # receive buffer; _buf/_cap cache its pointer and size
    cdef char *_buf
    cdef Py_ssize_t _cap
    cdef Py_ssize_t _start      # first unconsumed byte
    cdef Py_ssize_t _end        # one past the last received byte
    cdef public long long max_bulk_len
    cdef public bint auth_required

    cdef long long _mbulk       # bulk arguments still expected by the current multibulk command (0: none)
    cdef long long _bulklen     # length of the bulk being read, -1 while its "$<n>" line is still unread
    cdef list _argv             # arguments of the current multibulk command so far
    cdef list _ready            # a command completed inside feed(), handed out by the next next()
    cdef object _error          # message of the protocol error that killed the parser, or None
    cdef bint _caught_up        # last next() returned None: no returned command can still be pending

    cdef bytes _big             # exactly-sized argument being filled in place (PROTO_MBULK_BIG_ARG idea)
    cdef char *_big_ptr
    cdef Py_ssize_t _big_len
    cdef Py_ssize_t _big_filled

    cdef Py_ssize_t _scan_line  # line whose terminator search is cached ...
    cdef Py_ssize_t _scan_from  # ... and the offset up to which it holds neither terminator nor NUL
    cdef bint _scan_blocked     # a NUL precedes any terminator: like strchr, the line can never end

    cdef int _win_kind          # what the last get_buffer() handed out: 0 nothing, 1 receive buffer, 2 _big
    cdef object _win_owner
    cdef Py_ssize_t _win_off
    cdef Py_ssize_t _win_len

    cdef int _rebase(self, Py_ssize_t shift) except -1
    cdef int _reserve(self, Py_ssize_t need) except -1
    cdef int _append(self, const char *p, Py_ssize_t n) except -1
    cdef int _feed_c(self, const char *p, Py_ssize_t n) except -1
    cdef Py_ssize_t _find(self, Py_ssize_t line, char target) noexcept
    cdef int _fail(self, str msg) except -1
    cdef int _start_big(self, Py_ssize_t pos, long long n) except -1
    cdef object _inline(self)
    cdef object _parse(self)

    cpdef feed(self, data)
    cpdef next(self)
    cpdef get_buffer(self, Py_ssize_t sizehint)
    cpdef buffer_updated(self, Py_ssize_t nbytes)
    cpdef reset(self)


@cython.final
cdef class ReplyWriter:
    cdef PyObject *_store       # exclusively owned bytes object used as the growable buffer (handed out by take())
    cdef char *_buf
    cdef Py_ssize_t _len
    cdef Py_ssize_t _cap
    cdef public int resp

    cdef char *_room(self, Py_ssize_t n) except NULL
    cdef int write_c(self, const char *p, Py_ssize_t n) except -1
    cdef int header_c(self, char prefix, long long n) except -1
    cdef int bulk_c(self, const char *p, Py_ssize_t n) except -1
    cdef int bulk_obj(self, object b) except -1
    cdef int null_c(self) except -1
    cdef int text_c(self, char prefix, object s, bint is_error) except -1
    cdef int double_c(self, double d) except -1

    cpdef ok(self)
    cpdef simple(self, s)
    cpdef error(self, s)
    cpdef integer(self, long long n)
    cpdef bulk(self, b)
    cpdef null(self)
    cpdef null_array(self)
    cpdef array(self, long long n)
    cpdef map(self, long long n)
    cpdef set(self, long long n)
    cpdef push(self, long long n)
    cpdef boolean(self, bint b)
    cpdef verbatim(self, text, fmt=*)
    cpdef bulks(self, seq)
    cpdef raw(self, b)
    cpdef bytes take(self)
