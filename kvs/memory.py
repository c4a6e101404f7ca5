"""Memory figures for INFO: bytes allocated (glibc's mallinfo2, which includes CPython's arenas since they are
mmap'd through malloc) and the resident set size from /proc."""
import ctypes
import ctypes.util
import os


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


def used_memory() -> int:
    if _mallinfo2 is not None:
        m = _mallinfo2()
        return m.uordblks + m.hblkhd
    return rss()


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
