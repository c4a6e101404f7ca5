"""Memory figures for INFO and maxmemory: bytes allocated and the resident set size from /proc.

Allocated bytes have two sources. glibc's mallinfo2 counts malloc (large objects, dict tables, buffers) and is
cheap enough to read per command. CPython's small-object allocator (pymalloc) serves everything up to 512 bytes -
most keys and values - from arenas it mmaps itself, which malloc never sees: its "bytes in allocated blocks"
comes from _PyObject_DebugMallocStats, a walk of its pools (about 1 ms per 500 MB), so it is cached for REFRESH_S
seconds (evictions count their estimated sizes off it meanwhile) and measured afresh for INFO."""
import ctypes
import ctypes.util
import os
import re
import time


class _MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks",
        "keepcost")]


try:
    _libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    _mallinfo2 = _libc.mallinfo2
    _mallinfo2.restype = _MallInfo2
except (OSError, AttributeError):  # not glibc, or glibc older than 2.33
    _mallinfo2 = None

_PAGE = os.sysconf("SC_PAGE_SIZE")


def malloc_bytes() -> int:
    if _mallinfo2 is not None:
        m = _mallinfo2()
        return m.uordblks + m.hblkhd
    return 0


def _pymalloc_reader():
    """A function returning pymalloc's bytes in allocated blocks, or None where that cannot be read (another
    libc, PYTHONMALLOC=malloc, an interpreter without the call)."""
    try:
        stats = ctypes.pythonapi._PyObject_DebugMallocStats
        open_memstream = _libc.open_memstream
        fclose = _libc.fclose
        free = _libc.free
    except (AttributeError, NameError):
        return None
    stats.argtypes = [ctypes.c_void_p]
    stats.restype = ctypes.c_int
    open_memstream.argtypes = [ctypes.POINTER(ctypes.c_void_p), ctypes.POINTER(ctypes.c_size_t)]
    open_memstream.restype = ctypes.c_void_p
    fclose.argtypes = [ctypes.c_void_p]
    free.argtypes = [ctypes.c_void_p]
    pattern = re.compile(rb"# bytes in allocated blocks\s*=\s*([\d,]+)")

    def read():
        buf = ctypes.c_void_p()
        size = ctypes.c_size_t()
        stream = open_memstream(ctypes.byref(buf), ctypes.byref(size))
        if not stream:
            return None
        try:
            ok = stats(stream)
        finally:
            fclose(stream)          # flushes: buf/size are valid from here
        try:
            text = ctypes.string_at(buf.value, size.value) if buf.value else b""
        finally:
            free(buf)
        m = pattern.search(text) if ok else None
        return int(m.group(1).replace(b",", b"")) if m else None

    try:
        return read if read() is not None else None
    except (OSError, ValueError):
        return None


_pymalloc_bytes = _pymalloc_reader() if _mallinfo2 is not None else None


class Gauge:
    """used_memory: malloc's count read live plus pymalloc's, cached for up to REFRESH_S seconds."""
    REFRESH_S = 0.1

    def __init__(self):
        self.small = 0
        self.at = -1.0
        self.refresh()

    def refresh(self) -> None:
        if _pymalloc_bytes is not None:
            self.small = _pymalloc_bytes() or 0
        self.at = time.monotonic()

    def used(self) -> int:
        if _mallinfo2 is None:
            return rss()
        if _pymalloc_bytes is not None and time.monotonic() - self.at > self.REFRESH_S:
            self.refresh()
        return malloc_bytes() + self.small

    def forget(self, nbytes: int) -> None:
        """`nbytes` (an estimate) were just freed: count them off until the next refresh measures."""
        self.small = max(self.small - nbytes, 0)

    def exact(self) -> int:
        self.refresh()
        return self.used()


gauge = Gauge()


def used_memory() -> int:
    return gauge.used()


def rss() -> int:
    try:
        with open("/proc/self/statm", "rb") as f:
            return int(f.read().split()[1]) * _PAGE
    except OSError:
        return 0


def total_system_memory() -> int:
    return os.sysconf("SC_PHYS_PAGES") * _PAGE


def human(n: int) -> str:
    """Redis's bytesToHuman: B, K, M, G ... with two decimals."""
    if n < 1024:
        return f"{n}B"
    for unit in "KMGTPE":
        n /= 1024
        if n < 1024 or unit == "E":
            return f"{n:.2f}{unit}"
    return f"{n:.2f}E"
