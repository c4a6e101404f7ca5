# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""RESP request parsing and reply writing with Redis 7.0's exact rules (networking.c).

RequestParser reproduces processInputBuffer/processMultibulkBuffer/processInlineBuffer, including their quirks:
header lines are found the way strchr() finds them in the NUL-terminated query buffer (a NUL byte hides the
terminator), the two bytes after a bulk payload are skipped unchecked, and inline lines are split by sdssplitargs'
rules. ReplyWriter emits byte-for-byte what addReply* would send for RESP2 and RESP3 clients.
"""
from cpython.buffer cimport (PyObject_GetBuffer, PyObject_CheckBuffer, PyBuffer_Release, PyBUF_SIMPLE, PyBUF_FORMAT, PyBUF_ND,
                             PyBUF_STRIDES)
from cpython.bytes cimport PyBytes_FromStringAndSize, PyBytes_AS_STRING, PyBytes_GET_SIZE, PyBytes_Check
from cpython.bytes cimport PyBytes_CheckExact, PyBytes_FromObject
from cpython.bytearray cimport PyByteArray_Check, PyByteArray_AS_STRING, PyByteArray_GET_SIZE
from cpython.long cimport PyLong_Check, PyLong_AsLongLongAndOverflow
from cpython.memoryview cimport PyMemoryView_FromObject
from cpython.ref cimport PyObject, Py_XDECREF, Py_DECREF
from cpython.unicode cimport PyUnicode_Check
from libc.limits cimport INT_MAX
from libc.math cimport isinf
from libc.stdio cimport snprintf
from libc.stdlib cimport malloc, free
from libc.string cimport memchr, memcpy, memmove

cdef extern from "Python.h":
    const char *_utf8_and_size "PyUnicode_AsUTF8AndSize"(object s, Py_ssize_t *size) except NULL
    PyObject *_bytes_new "PyBytes_FromStringAndSize"(const char *p, Py_ssize_t n)
    char *_bytes_ptr "PyBytes_AS_STRING"(PyObject *b)
    int _bytes_resize "_PyBytes_Resize"(PyObject **b, Py_ssize_t n)


cdef enum:
    # Redis 7.0 limits (server.h / networking.c).
    PROTO_INLINE_MAX_SIZE = 65536   # longest header or inline line accepted without its terminator
    PROTO_MBULK_BIG_ARG = 32768     # bulks this big get their own buffer instead of a slice of the query buffer
    UNAUTH_MAX_MBULK = 10           # limits while the client has not authenticated (CVE-2021-32675)
    UNAUTH_MAX_BULK = 16384
    # Receive buffer tuning.
    RECV_INITIAL = 16384            # a Redis read (PROTO_IOBUF_LEN)
    RECV_MIN_FREE = 16384           # get_buffer() never offers less than this
    RECV_MAX_HINT = 1048576         # honour size hints up to 1 MiB
    RECV_SHRINK_ABOVE = 262144      # an idle buffer bigger than this is given back
    EAGER_MIN = 65536               # feed() chunks this big may advance parsing themselves (one-copy big args)
    # Reply buffer tuning.
    WRITER_INITIAL = 16384          # PROTO_REPLY_CHUNK_BYTES
    WRITER_COPY_MAX = 65536         # take() copies out up to this much, hands the buffer itself over beyond

INLINE_MAX_SIZE = PROTO_INLINE_MAX_SIZE
MBULK_BIG_ARG = PROTO_MBULK_BIG_ARG


class ProtocolError(Exception):
    """The client broke the protocol. str(err) is Redis's reply text without the "ERR " prefix; the connection
    must get "-ERR <text>" and be closed. A byte outside ASCII quoted in the text is surrogate-escaped, so
    ReplyWriter.error("ERR " + text) writes Redis's exact bytes."""


cdef str E_MBULK_TOO_BIG = "Protocol error: too big mbulk count string"
cdef str E_MBULK_INVALID = "Protocol error: invalid multibulk length"
cdef str E_MBULK_UNAUTH = "Protocol error: unauthenticated multibulk length"
cdef str E_BULK_TOO_BIG = "Protocol error: too big bulk count string"
cdef str E_BULK_INVALID = "Protocol error: invalid bulk length"
cdef str E_BULK_UNAUTH = "Protocol error: unauthenticated bulk length"
cdef str E_INLINE_TOO_BIG = "Protocol error: too big inline request"
cdef str E_QUOTES = "Protocol error: unbalanced quotes in request"


# ---------------------------------------------------------------------------------------------------------------
# Small C helpers
# ---------------------------------------------------------------------------------------------------------------

cdef inline bint _str2ll(const char *s, Py_ssize_t n, long long *out) noexcept nogil:
    """Redis's strict string2ll: optional '-', no '+', no leading zeros or spaces, fewer than 21 characters,
    within 64 bits. Anything else is not a number."""
    cdef Py_ssize_t i = 0
    cdef unsigned long long v, d
    cdef bint neg = False
    if n <= 0 or n >= 21:
        return False
    if n == 1 and s[0] == b'0':
        out[0] = 0
        return True
    if s[0] == b'-':
        neg = True
        i = 1
        if n == 1:
            return False
    if s[i] < b'1' or s[i] > b'9':
        return False
    v = <unsigned long long>(s[i] - 48)
    i += 1
    while i < n:
        if s[i] < b'0' or s[i] > b'9':
            return False
        d = <unsigned long long>(s[i] - 48)
        if v > 1844674407370955161ULL or (v == 1844674407370955161ULL and d > 5):
            return False        # would not fit in 64 unsigned bits
        v = v * 10 + d
        i += 1
    if neg:
        if v > 9223372036854775808ULL:
            return False
        out[0] = <long long>(0ULL - v)      # two's complement wrap gives LLONG_MIN for 2**63
    else:
        if v > 9223372036854775807ULL:
            return False
        out[0] = <long long>v
    return True


cdef inline int _ll2str(char *dst, long long v) noexcept nogil:
    """Decimal text of v at dst (needs 20 bytes); returns its length."""
    cdef char tmp[24]
    cdef int n = 0, k = 0
    cdef unsigned long long u
    if v < 0:
        u = 0ULL - <unsigned long long>v
        dst[0] = b'-'
        k = 1
    else:
        u = <unsigned long long>v
    while True:
        tmp[n] = <char>(48 + <int>(u % 10))
        n += 1
        u //= 10
        if u == 0:
            break
    while n > 0:
        n -= 1
        dst[k] = tmp[n]
        k += 1
    return k


cdef inline int _ndigits(unsigned long long u) noexcept nogil:
    cdef int n = 1
    while u >= 10:
        u //= 10
        n += 1
    return n


cdef inline bint _isspace(unsigned char c) noexcept nogil:
    # C-locale isspace(): Redis never changes LC_CTYPE, so bytes >= 0x80 are never blanks.
    return c == b' ' or (c >= 9 and c <= 13)


cdef inline int _hexval(unsigned char c) noexcept nogil:
    if c >= b'0' and c <= b'9':
        return c - 48
    if c >= b'a' and c <= b'f':
        return c - 87
    if c >= b'A' and c <= b'F':
        return c - 55
    return -1


cdef object _splitargs(char *p, Py_ssize_t n):
    """sdssplitargs() over p[0:n] (which holds no NUL: the line search stops at one). Tokens are unescaped in
    place - an escape never produces more bytes than it consumes - and the list of them is returned, or None for
    unbalanced quotes. Past the end reads as NUL, as in the C string Redis scans."""
    cdef list out = []
    cdef Py_ssize_t i = 0, w, tok
    cdef unsigned char c, nx
    cdef int hi, lo
    cdef bint inq, insq, done
    while True:
        while i < n and _isspace(<unsigned char>p[i]):
            i += 1
        if i >= n:
            return out
        inq = False
        insq = False
        done = False
        w = i
        tok = i
        while not done:
            c = <unsigned char>p[i] if i < n else 0
            nx = <unsigned char>p[i + 1] if i + 1 < n else 0
            if inq:
                if c == b'\\' and nx == b'x' and i + 3 < n:
                    hi = _hexval(<unsigned char>p[i + 2])
                    lo = _hexval(<unsigned char>p[i + 3])
                else:
                    hi = -1
                    lo = -1
                if hi >= 0 and lo >= 0:
                    p[w] = <char>(hi * 16 + lo)
                    w += 1
                    i += 3
                elif c == b'\\' and nx != 0:
                    i += 1
                    if nx == b'n':
                        p[w] = b'\n'
                    elif nx == b'r':
                        p[w] = b'\r'
                    elif nx == b't':
                        p[w] = b'\t'
                    elif nx == b'b':
                        p[w] = b'\b'
                    elif nx == b'a':
                        p[w] = b'\a'
                    else:
                        p[w] = <char>nx
                    w += 1
                elif c == b'"':
                    # a closing quote must be followed by a blank or the end of the line
                    if nx != 0 and not _isspace(nx):
                        return None
                    done = True
                elif c == 0:
                    return None
                else:
                    p[w] = <char>c
                    w += 1
            elif insq:
                if c == b'\\' and nx == b"'":
                    i += 1
                    p[w] = b"'"
                    w += 1
                elif c == b"'":
                    if nx != 0 and not _isspace(nx):
                        return None
                    done = True
                elif c == 0:
                    return None
                else:
                    p[w] = <char>c
                    w += 1
            else:
                # only these end a bare token, although \v and \f are skipped between tokens
                if c == b' ' or c == b'\n' or c == b'\r' or c == b'\t' or c == 0:
                    done = True
                elif c == b'"':
                    inq = True
                elif c == b"'":
                    insq = True
                else:
                    p[w] = <char>c
                    w += 1
            if i < n:
                i += 1
        out.append(PyBytes_FromStringAndSize(p + tok, w - tok))


cdef str _expected_dollar(char c):
    # addReplyErrorFormat turns CR/LF into spaces; other bytes are quoted raw (surrogate-escaped above ASCII)
    cdef unsigned char u = <unsigned char>c
    if u == b'\r' or u == b'\n':
        u = b' '
    return "Protocol error: expected '$', got '" + (chr(u) if u < 0x80 else chr(0xDC00 + u)) + "'"


cdef object _span(object o, const char **p, Py_ssize_t *n):
    """Point p/n at the bytes of a str (UTF-8), bytes, bytearray or other buffer; returns the object owning them."""
    cdef object b
    if PyBytes_Check(o):
        p[0] = PyBytes_AS_STRING(o)
        n[0] = PyBytes_GET_SIZE(o)
        return o
    if PyUnicode_Check(o):
        try:
            p[0] = _utf8_and_size(o, n)
            return o
        except UnicodeEncodeError:
            # lone surrogates stand for raw bytes (see ProtocolError); give those bytes back
            b = (<str>o).encode("utf-8", "surrogateescape")
            p[0] = PyBytes_AS_STRING(b)
            n[0] = PyBytes_GET_SIZE(b)
            return b
    if PyByteArray_Check(o):
        p[0] = PyByteArray_AS_STRING(o)
        n[0] = PyByteArray_GET_SIZE(o)
        return o
    if not PyObject_CheckBuffer(o):
        raise TypeError("expected str or a bytes-like object, not %s" % type(o).__name__)
    b = PyBytes_FromObject(o)
    p[0] = PyBytes_AS_STRING(b)
    n[0] = PyBytes_GET_SIZE(b)
    return b


# ---------------------------------------------------------------------------------------------------------------
# Buffers shared with the transport
# ---------------------------------------------------------------------------------------------------------------

cdef class _Block:
    def __dealloc__(self):
        free(self.data)
        self.data = NULL


cdef _Block _new_block(Py_ssize_t size):
    cdef _Block blk = _Block.__new__(_Block)
    blk.data = <char *>malloc(size)
    if blk.data == NULL:
        raise MemoryError()
    blk.size = size
    return blk


cdef class _Window:
    def __getbuffer__(self, Py_buffer *view, int flags):
        view.buf = self.ptr
        view.obj = self
        view.len = self.n
        view.readonly = 0
        view.itemsize = 1
        view.format = NULL
        if flags & PyBUF_FORMAT:
            view.format = b"B"
        view.ndim = 1
        view.shape = NULL
        if flags & PyBUF_ND:
            view.shape = &self.n
        view.strides = NULL
        if (flags & PyBUF_STRIDES) == PyBUF_STRIDES:
            view.strides = &self.stride
        view.suboffsets = NULL
        view.internal = NULL

    def __releasebuffer__(self, Py_buffer *view):
        pass


cdef object _window(object owner, char *ptr, Py_ssize_t n):
    cdef _Window w = _Window.__new__(_Window)
    w.owner = owner
    w.ptr = ptr
    w.n = n
    w.stride = 1
    return PyMemoryView_FromObject(w)


# ---------------------------------------------------------------------------------------------------------------
# RequestParser
# ---------------------------------------------------------------------------------------------------------------

cdef class RequestParser:
    """Incremental parser of client requests, with Redis 7.0's framing, limits and error texts.

    feed(data) or get_buffer()/buffer_updated() add input; next() returns one command (a list of bytes), None when
    more input is needed, or raises ProtocolError - after the commands that preceded the bad bytes.
    """

    def __cinit__(self, long long max_bulk_len=512 * 1024 * 1024, bint auth_required=False):
        self._blk = None
        self._buf = NULL
        self._cap = 0
        self._start = 0
        self._end = 0
        self.max_bulk_len = max_bulk_len
        self.auth_required = auth_required
        self._mbulk = 0
        self._bulklen = -1
        self._argv = None
        self._ready = None
        self._error = None
        self._caught_up = True
        self._big = None
        self._big_ptr = NULL
        self._big_len = 0
        self._big_filled = 0
        self._scan_line = -1
        self._scan_from = 0
        self._scan_blocked = False
        self._win_kind = 0
        self._win_owner = None

    @property
    def pending(self):
        """Bytes received and not yet consumed: the unparsed input plus the received part of a big argument."""
        return self._end - self._start + (self._big_filled if self._big is not None else 0)

    # -- buffer management ---------------------------------------------------------------------------------------

    cdef int _rebase(self, Py_ssize_t shift) except -1:
        # the unconsumed bytes moved `shift` bytes towards the front; keep offsets (and the scan cache) in step
        if self._scan_line == self._start:
            self._scan_line -= shift
            self._scan_from -= shift
        else:
            self._scan_line = -1
        self._start -= shift
        self._end -= shift
        return 0

    cdef int _reserve(self, Py_ssize_t need) except -1:
        """Make at least `need` free bytes after _end. Data moves only when consumed bytes dominate or on growth,
        so total copying stays linear. Growth makes a new block: views handed out earlier keep the old one."""
        cdef Py_ssize_t pending = self._end - self._start
        cdef Py_ssize_t newcap
        cdef _Block blk
        if pending == 0:
            if self._start != 0:
                self._rebase(self._start)
            if self._cap > RECV_SHRINK_ABOVE and need <= RECV_SHRINK_ABOVE // 4:
                newcap = need if need > RECV_INITIAL else RECV_INITIAL
                blk = _new_block(newcap)
                self._blk = blk
                self._buf = blk.data
                self._cap = newcap
                return 0
        if self._cap - self._end >= need:
            return 0
        if self._start > 0 and self._start >= pending and self._cap - pending >= need:
            memmove(self._buf, self._buf + self._start, pending)
            self._rebase(self._start)
            return 0
        newcap = self._cap * 2
        if newcap < pending + need:
            newcap = pending + need
        if newcap < RECV_INITIAL:
            newcap = RECV_INITIAL
        blk = _new_block(newcap)
        if pending > 0:
            memcpy(blk.data, self._buf + self._start, pending)
        self._blk = blk
        self._buf = blk.data
        self._cap = newcap
        self._rebase(self._start)
        return 0

    cdef int _append(self, const char *p, Py_ssize_t n) except -1:
        if n <= 0:
            return 0
        self._reserve(n)
        memcpy(self._buf + self._end, p, n)
        self._end += n
        return 0

    cdef int _feed_c(self, const char *p, Py_ssize_t n) except -1:
        cdef Py_ssize_t k
        cdef object r
        if self._error is not None:
            return 0            # a dead connection's input is discarded
        while n > 0:
            if self._big is not None and self._big_filled < self._big_len:
                # the payload of a big argument goes straight to its final bytes object
                k = self._big_len - self._big_filled
                if k > n:
                    k = n
                memcpy(self._big_ptr + self._big_filled, p, k)
                self._big_filled += k
                p += k
                n -= k
                continue
            if n >= EAGER_MIN and self._caught_up and self._ready is None:
                # Every command handed out has been dealt with (the last next() found nothing), so parsing now
                # sees the same state a next() call would: take a slice and parse it, so that a big argument's
                # header is known before its payload is copied - one copy for arguments of any size.
                k = EAGER_MIN
                self._append(p, k)
                p += k
                n -= k
                try:
                    r = self._parse()
                except ProtocolError:
                    return 0
                if r is not None:
                    self._ready = r     # stop: nothing after it may be parsed before it has been executed
                continue
            self._append(p, n)
            break
        return 0

    cpdef feed(self, data):
        """Add received bytes (any bytes-like object)."""
        cdef Py_buffer view
        if PyBytes_CheckExact(data):
            self._feed_c(PyBytes_AS_STRING(data), PyBytes_GET_SIZE(data))
            return None
        PyObject_GetBuffer(data, &view, PyBUF_SIMPLE)
        try:
            self._feed_c(<const char *>view.buf, view.len)
        finally:
            PyBuffer_Release(&view)
        return None

    cpdef get_buffer(self, Py_ssize_t sizehint):
        """Writable memoryview for the transport to receive into (asyncio.BufferedProtocol). While a big argument
        is arriving this is the rest of that argument's own bytes object, so it is filled in place."""
        cdef Py_ssize_t want
        if self._error is None and self._big is not None and self._big_filled < self._big_len:
            self._win_kind = 2
            self._win_owner = self._big
            self._win_off = self._big_filled
            self._win_len = self._big_len - self._big_filled
            return _window(self._big, self._big_ptr + self._big_filled, self._win_len)
        want = sizehint
        if want > RECV_MAX_HINT:
            want = RECV_MAX_HINT
        if want < RECV_MIN_FREE:
            want = RECV_MIN_FREE
        self._reserve(want)
        self._win_kind = 1
        self._win_owner = self._blk
        self._win_off = self._end
        self._win_len = self._cap - self._end
        return _window(self._blk, self._buf + self._end, self._win_len)

    cpdef buffer_updated(self, Py_ssize_t nbytes):
        """nbytes were written at the start of the view the last get_buffer() returned."""
        cdef int kind = self._win_kind
        if nbytes < 0 or (kind != 0 and nbytes > self._win_len):
            raise ValueError("buffer_updated(%d): outside the buffer handed out" % nbytes)
        self._win_kind = 0
        if self._error is not None or nbytes == 0:
            self._win_owner = None
            return None
        if kind == 2 and self._win_owner is self._big and self._win_off == self._big_filled:
            self._big_filled += nbytes
        elif kind == 1 and self._win_owner is self._blk and self._win_off == self._end:
            self._end += nbytes
        else:
            self._win_owner = None
            raise RuntimeError("buffer_updated() does not match the last get_buffer()")
        self._win_owner = None
        return None

    cpdef reset(self):
        """Forget all input and any protocol error (settings are kept)."""
        self._start = 0
        self._end = 0
        if self._cap > RECV_SHRINK_ABOVE:
            self._blk = None
            self._buf = NULL
            self._cap = 0
        self._mbulk = 0
        self._bulklen = -1
        self._argv = None
        self._ready = None
        self._error = None
        self._caught_up = True
        self._big = None
        self._big_ptr = NULL
        self._big_len = 0
        self._big_filled = 0
        self._scan_line = -1
        self._scan_blocked = False
        self._win_kind = 0
        self._win_owner = None
        return None

    # -- parsing -------------------------------------------------------------------------------------------------

    cdef Py_ssize_t _find(self, Py_ssize_t line, char target) noexcept:
        """Offset of the terminator of the line starting at `line`, or -1. Like strchr() on Redis's NUL-terminated
        query buffer, a NUL before the terminator hides it for good. Bytes already searched are not searched
        again, so input trickling in byte by byte costs linear time."""
        cdef const char *base
        cdef const char *hit
        cdef Py_ssize_t frm, n, lim
        if line != self._scan_line:
            self._scan_line = line
            self._scan_from = line
            self._scan_blocked = False
        if self._scan_blocked:
            return -1
        frm = self._scan_from
        n = self._end - frm
        if n <= 0:
            return -1
        base = self._buf + frm
        hit = <const char *>memchr(base, target, n)
        lim = (hit - base) if hit != NULL else n
        if lim > 0 and memchr(base, 0, lim) != NULL:
            self._scan_blocked = True
            return -1
        if hit == NULL:
            self._scan_from = self._end
            return -1
        self._scan_line = -1        # the line is about to be consumed
        return hit - self._buf

    cdef int _fail(self, str msg) except -1:
        self._error = msg
        self._argv = None
        self._big = None
        self._big_ptr = NULL
        self._mbulk = 0
        self._bulklen = -1
        self._start = 0
        self._end = 0
        raise ProtocolError(msg)

    cdef int _start_big(self, Py_ssize_t pos, long long n) except -1:
        """Give a big bulk its exactly-sized bytes object now; the rest of its payload is received into it."""
        cdef Py_ssize_t have = self._end - pos
        cdef bytes big = PyBytes_FromStringAndSize(NULL, n)
        if have > n:
            have = n
        memcpy(PyBytes_AS_STRING(big), self._buf + pos, have)
        self._start = pos + have
        self._big = big
        self._big_ptr = PyBytes_AS_STRING(big)
        self._big_len = n
        self._big_filled = have
        self._bulklen = -1
        return 0

    cdef object _inline(self):
        """processInlineBuffer: one line up to LF (a CR before it dropped), split by sdssplitargs."""
        cdef Py_ssize_t pos = self._start
        cdef Py_ssize_t nl, le
        cdef object argv
        nl = self._find(pos, b'\n')
        if nl < 0:
            if self._end - pos > PROTO_INLINE_MAX_SIZE:
                self._fail(E_INLINE_TOO_BIG)
            return None
        le = nl
        if le > pos and self._buf[le - 1] == b'\r':
            le -= 1
        argv = _splitargs(self._buf + pos, le - pos)
        if argv is None:
            self._fail(E_QUOTES)
        self._start = nl + 1
        return argv

    cdef object _parse(self):
        """One command (list of bytes), or None when more input is needed; raises ProtocolError."""
        cdef char *buf
        cdef Py_ssize_t pos, end, cr
        cdef long long ll = 0
        cdef list argv
        cdef object r
        if self._error is not None:
            raise ProtocolError(self._error)
        while True:
            buf = self._buf
            end = self._end
            pos = self._start
            if self._big is not None:
                # Redis takes a big argument once the two bytes after it are in too, but never looks at them
                if self._big_filled < self._big_len or end - pos < 2:
                    return None
                self._start = pos + 2
                self._argv.append(self._big)
                self._big = None
                self._big_ptr = NULL
                self._mbulk -= 1
                if self._mbulk == 0:
                    argv = self._argv
                    self._argv = None
                    return argv
                continue
            if self._mbulk == 0:
                if pos >= end:
                    return None
                if buf[pos] != b'*':
                    r = self._inline()
                    if r is None:
                        return None
                    if len(<list>r) == 0:
                        continue            # blank line: no command
                    return r
                cr = self._find(pos, b'\r')
                if cr < 0:
                    if end - pos > PROTO_INLINE_MAX_SIZE:
                        self._fail(E_MBULK_TOO_BIG)
                    return None
                if cr == end - 1:
                    return None             # the byte after CR (taken as LF, unchecked) is not in yet
                if not _str2ll(buf + pos + 1, cr - pos - 1, &ll) or ll > INT_MAX:
                    self._fail(E_MBULK_INVALID)
                if ll > UNAUTH_MAX_MBULK and self.auth_required:
                    self._fail(E_MBULK_UNAUTH)
                self._start = cr + 2
                if ll <= 0:
                    continue                # *0 and *-1 are no command
                self._mbulk = ll
                self._bulklen = -1
                self._argv = []
            while True:
                pos = self._start
                if self._bulklen < 0:
                    cr = self._find(pos, b'\r')
                    if cr < 0:
                        if end - pos > PROTO_INLINE_MAX_SIZE:
                            self._fail(E_BULK_TOO_BIG)
                        return None
                    if cr == end - 1:
                        return None
                    if buf[pos] != b'$':
                        self._fail(_expected_dollar(buf[pos]))
                    if (not _str2ll(buf + pos + 1, cr - pos - 1, &ll) or ll < 0
                            or ll > self.max_bulk_len):
                        self._fail(E_BULK_INVALID)
                    if ll > UNAUTH_MAX_BULK and self.auth_required:
                        self._fail(E_BULK_UNAUTH)
                    pos = cr + 2
                    self._start = pos
                    self._bulklen = ll
                ll = self._bulklen
                if end - pos - 2 < ll:
                    if ll >= PROTO_MBULK_BIG_ARG:
                        self._start_big(pos, ll)
                        break
                    return None
                self._argv.append(PyBytes_FromStringAndSize(buf + pos, <Py_ssize_t>ll))
                self._start = pos + <Py_ssize_t>ll + 2
                self._bulklen = -1
                self._mbulk -= 1
                if self._mbulk == 0:
                    argv = self._argv
                    self._argv = None
                    return argv

    cpdef next(self):
        """The next complete command as a list of bytes, or None when more input is needed."""
        cdef object r
        if self._ready is not None:
            r = self._ready
            self._ready = None
            self._caught_up = False
            return r
        r = self._parse()
        self._caught_up = r is None
        return r


# ---------------------------------------------------------------------------------------------------------------
# ReplyWriter
# ---------------------------------------------------------------------------------------------------------------

cdef class ReplyWriter:
    """Accumulates encoded replies; take() returns them as one bytes object for a single transport.write()."""

    def __cinit__(self, int resp=2):
        self._store = NULL
        self._buf = NULL
        self._len = 0
        self._cap = 0
        self.resp = resp

    def __dealloc__(self):
        Py_XDECREF(self._store)
        self._store = NULL

    def __len__(self):
        return self._len

    cdef char *_room(self, Py_ssize_t n) except NULL:
        """Pointer to at least n writable bytes at the end of the buffer. The buffer is a bytes object of our own,
        grown in place, so that take() can hand a large one over without copying it."""
        cdef Py_ssize_t newcap
        if self._cap - self._len < n:
            newcap = self._cap * 2
            if newcap < self._len + n:
                newcap = self._len + n
            if newcap < WRITER_INITIAL:
                newcap = WRITER_INITIAL
            if self._store == NULL:
                self._store = _bytes_new(NULL, newcap)
                if self._store == NULL:
                    self._len = 0
                    self._cap = 0
                    return NULL
            elif _bytes_resize(&self._store, newcap) < 0:
                self._buf = NULL        # _PyBytes_Resize freed the old object
                self._len = 0
                self._cap = 0
                return NULL
            self._buf = _bytes_ptr(self._store)
            self._cap = newcap
        return self._buf + self._len

    cdef int write_c(self, const char *p, Py_ssize_t n) except -1:
        cdef char *d = self._room(n)
        memcpy(d, p, n)
        self._len += n
        return 0

    cdef int header_c(self, char prefix, long long n) except -1:
        """<prefix><n>CRLF: integers, lengths and aggregate headers."""
        cdef char *d = self._room(24)
        cdef int k
        d[0] = prefix
        k = _ll2str(d + 1, n)
        d[k + 1] = b'\r'
        d[k + 2] = b'\n'
        self._len += k + 3
        return 0

    cdef int bulk_c(self, const char *p, Py_ssize_t n) except -1:
        cdef char *d = self._room(n + 26)
        cdef int k
        d[0] = b'$'
        k = _ll2str(d + 1, n)
        d[k + 1] = b'\r'
        d[k + 2] = b'\n'
        memcpy(d + k + 3, p, n)
        d[k + 3 + n] = b'\r'
        d[k + 4 + n] = b'\n'
        self._len += k + 5 + n
        return 0

    cdef int bulk_obj(self, object b) except -1:
        cdef Py_buffer view
        cdef const char *p
        cdef Py_ssize_t n
        cdef long long v
        cdef int overflow = 0
        cdef char num[24]
        if PyBytes_Check(b):
            return self.bulk_c(PyBytes_AS_STRING(b), PyBytes_GET_SIZE(b))
        if PyUnicode_Check(b) or PyByteArray_Check(b):
            b = _span(b, &p, &n)
            return self.bulk_c(p, n)
        if PyLong_Check(b):
            # addReplyBulkLongLong: an integer as its decimal text
            v = PyLong_AsLongLongAndOverflow(b, &overflow)
            if overflow == 0:
                return self.bulk_c(num, _ll2str(num, v))
            b = str(b).encode()
            return self.bulk_c(PyBytes_AS_STRING(b), PyBytes_GET_SIZE(b))
        if not PyObject_CheckBuffer(b):
            raise TypeError("bulk() takes bytes, bytearray, memoryview, str or int, not %s" % type(b).__name__)
        try:
            PyObject_GetBuffer(b, &view, PyBUF_SIMPLE)  # memoryview and friends, copied once
        except BufferError:
            b = PyBytes_FromObject(b)                   # not contiguous: gather it first
            return self.bulk_c(PyBytes_AS_STRING(b), PyBytes_GET_SIZE(b))
        try:
            self.bulk_c(<const char *>view.buf, view.len)
        finally:
            PyBuffer_Release(&view)
        return 0

    cdef int null_c(self) except -1:
        if self.resp == 3:
            return self.write_c(b"_\r\n", 3)
        return self.write_c(b"$-1\r\n", 5)

    cdef int text_c(self, char prefix, object s, bint is_error) except -1:
        """+status or -error line. Errors get CR/LF turned into spaces, as Redis does, so the reply stays one line."""
        cdef const char *p
        cdef Py_ssize_t n, i
        cdef char *d
        s = _span(s, &p, &n)
        d = self._room(n + 3)
        d[0] = prefix
        memcpy(d + 1, p, n)
        if is_error:
            for i in range(1, n + 1):
                if d[i] == b'\r' or d[i] == b'\n':
                    d[i] = b' '
        d[n + 1] = b'\r'
        d[n + 2] = b'\n'
        self._len += n + 3
        return 0

    cpdef ok(self):
        """+OK"""
        self.write_c(b"+OK\r\n", 5)

    cpdef simple(self, s):
        """+s (str or bytes)."""
        self.text_c(b'+', s, False)

    cpdef error(self, s):
        """-s, where s carries its own code ("ERR ...", "WRONGTYPE ...")."""
        self.text_c(b'-', s, True)

    cpdef integer(self, long long n):
        """:n"""
        self.header_c(b':', n)

    cpdef bulk(self, b):
        """$len CRLF data CRLF, from bytes, bytearray, memoryview, str (UTF-8) or int (its decimal text)."""
        if PyBytes_CheckExact(b):
            self.bulk_c(PyBytes_AS_STRING(b), PyBytes_GET_SIZE(b))
        else:
            self.bulk_obj(b)

    cpdef null(self):
        """Null bulk: RESP2 $-1, RESP3 _"""
        self.null_c()

    cpdef null_array(self):
        """Null array: RESP2 *-1, RESP3 _"""
        if self.resp == 3:
            self.write_c(b"_\r\n", 3)
        else:
            self.write_c(b"*-1\r\n", 5)

    cpdef array(self, long long n):
        self.header_c(b'*', n)

    cpdef map(self, long long n):
        """n pairs follow: RESP3 %n, RESP2 a flat array of 2n."""
        if self.resp == 3:
            self.header_c(b'%', n)
        else:
            self.header_c(b'*', n * 2)

    cpdef set(self, long long n):
        if self.resp == 3:
            self.header_c(b'~', n)
        else:
            self.header_c(b'*', n)

    cpdef push(self, long long n):
        if self.resp == 3:
            self.header_c(b'>', n)
        else:
            self.header_c(b'*', n)

    cdef int double_c(self, double d) except -1:
        """addReplyDouble of 7.0: "%.17g" (so nan/-nan as glibc spells them); infinities spelled inf/-inf.
        RESP3 ,<text>; RESP2 a bulk string."""
        cdef char num[64]
        cdef char *dst
        cdef int n
        if isinf(d):
            if self.resp == 3:
                if d > 0:
                    self.write_c(b",inf\r\n", 6)
                else:
                    self.write_c(b",-inf\r\n", 7)
            elif d > 0:
                self.write_c(b"$3\r\ninf\r\n", 9)
            else:
                self.write_c(b"$4\r\n-inf\r\n", 10)
            return 0
        n = snprintf(num, sizeof(num), "%.17g", d)
        if self.resp == 3:
            dst = self._room(n + 3)
            dst[0] = b','
            memcpy(dst + 1, num, n)
            dst[n + 1] = b'\r'
            dst[n + 2] = b'\n'
            self._len += n + 3
        else:
            self.bulk_c(num, n)
        return 0

    def double(self, double d):
        """RESP3 ,<d>; RESP2 the same text as a bulk string (see double_c)."""
        self.double_c(d)

    cpdef boolean(self, bint b):
        """RESP3 #t/#f; RESP2 :1/:0"""
        if self.resp == 3:
            self.write_c(b"#t\r\n" if b else b"#f\r\n", 4)
        else:
            self.write_c(b":1\r\n" if b else b":0\r\n", 4)

    cpdef verbatim(self, text, fmt=b"txt"):
        """RESP3 =<len>CRLF<fmt>:<text>CRLF with fmt cut or space-padded to 3 bytes; RESP2 a bulk string."""
        cdef const char *p
        cdef const char *f
        cdef Py_ssize_t n, fn, i
        cdef char *d
        cdef int k
        text = _span(text, &p, &n)
        if self.resp != 3:
            self.bulk_c(p, n)
            return None
        fmt = _span(fmt, &f, &fn)
        d = self._room(n + 32)
        d[0] = b'='
        k = 1 + _ll2str(d + 1, n + 4)
        d[k] = b'\r'
        d[k + 1] = b'\n'
        k += 2
        for i in range(3):
            if i < fn and f[i] != 0:
                d[k + i] = f[i]
            else:
                fn = i                  # like the C string Redis reads, the format ends at a NUL
                d[k + i] = b' '
        d[k + 3] = b':'
        k += 4
        memcpy(d + k, p, n)
        d[k + n] = b'\r'
        d[k + n + 1] = b'\n'
        self._len += k + n + 2

    cpdef bulks(self, seq):
        """An array of bulk strings (None elements are nulls): MGET, KEYS, LRANGE..."""
        cdef list items = seq if type(seq) is list else list(seq)
        cdef object o
        self.header_c(b'*', len(items))
        for o in items:
            if PyBytes_CheckExact(o):
                self.bulk_c(PyBytes_AS_STRING(o), PyBytes_GET_SIZE(o))
            elif o is None:
                self.null_c()
            else:
                self.bulk_obj(o)

    cpdef raw(self, b):
        """Append already-encoded protocol bytes."""
        cdef Py_buffer view
        if PyBytes_CheckExact(b):
            self.write_c(PyBytes_AS_STRING(b), PyBytes_GET_SIZE(b))
            return None
        PyObject_GetBuffer(b, &view, PyBUF_SIMPLE)
        try:
            self.write_c(<const char *>view.buf, view.len)
        finally:
            PyBuffer_Release(&view)

    cpdef bytes take(self):
        """Everything written so far, and start over."""
        cdef PyObject *store
        cdef bytes out
        cdef Py_ssize_t n = self._len
        if n == 0:
            return b""
        self._len = 0
        if n <= WRITER_COPY_MAX:
            return PyBytes_FromStringAndSize(self._buf, n)
        # big: shrink our buffer to size and give it away instead of copying it
        store = self._store
        self._store = NULL
        self._buf = NULL
        self._cap = 0
        if _bytes_resize(&store, n) < 0:
            raise MemoryError()
        out = <bytes>store
        Py_DECREF(out)
        return out


# ---------------------------------------------------------------------------------------------------------------
# Commands for AOF and replicas
# ---------------------------------------------------------------------------------------------------------------

def encode_command(argv):
    """argv (bytes, str or int items) as a RESP multibulk request, in a single allocation."""
    cdef list items = argv if type(argv) is list else list(argv)
    cdef Py_ssize_t n = len(items), i, total, ln, k
    cdef const char **ptrs
    cdef Py_ssize_t *lens
    cdef const char *stack_p[16]
    cdef Py_ssize_t stack_n[16]
    cdef list keep = None
    cdef object o, owner
    cdef long long v
    cdef int overflow
    cdef char num[24]
    cdef char *d
    cdef bytes out
    if n <= 16:
        ptrs = stack_p
        lens = stack_n
    else:
        ptrs = <const char **>malloc(n * sizeof(const char *))
        lens = <Py_ssize_t *>malloc(n * sizeof(Py_ssize_t))
        if ptrs == NULL or lens == NULL:
            free(ptrs)
            free(lens)
            raise MemoryError()
    try:
        total = 3 + _ndigits(n)
        for i in range(n):
            o = items[i]
            if PyBytes_CheckExact(o):
                ptrs[i] = PyBytes_AS_STRING(o)
                lens[i] = PyBytes_GET_SIZE(o)
            else:
                if PyLong_Check(o):
                    overflow = 0
                    v = PyLong_AsLongLongAndOverflow(o, &overflow)
                    if overflow == 0:
                        o = PyBytes_FromStringAndSize(num, _ll2str(num, v))
                    else:
                        o = str(o).encode()
                elif PyByteArray_Check(o) or not (PyBytes_Check(o) or PyUnicode_Check(o)):
                    if not PyObject_CheckBuffer(o):
                        raise TypeError("encode_command() arguments must be bytes, str or int, not %s"
                                        % type(o).__name__)
                    o = PyBytes_FromObject(o)       # a snapshot: nothing may change it between the two passes
                owner = _span(o, &ptrs[i], &lens[i])
                if keep is None:
                    keep = []
                keep.append(owner)
            total += 3 + _ndigits(lens[i]) + lens[i] + 2
        out = PyBytes_FromStringAndSize(NULL, total)
        d = PyBytes_AS_STRING(out)
        d[0] = b'*'
        k = 1 + _ll2str(d + 1, n)
        d[k] = b'\r'
        d[k + 1] = b'\n'
        k += 2
        for i in range(n):
            ln = lens[i]
            d[k] = b'$'
            k += 1 + _ll2str(d + k + 1, ln)
            d[k] = b'\r'
            d[k + 1] = b'\n'
            memcpy(d + k + 2, ptrs[i], ln)
            k += 2 + ln
            d[k] = b'\r'
            d[k + 1] = b'\n'
            k += 2
        if k != total:
            raise AssertionError("encode_command size mismatch")
        return out
    finally:
        if n > 16:
            free(ptrs)
            free(lens)
