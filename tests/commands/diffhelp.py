"""Helpers for the differential command tests: running command tables through `diff`, comparing replies that
depend on the clock, parsing flat RESP arrays, and an in-process kvs for states a socket cannot set up."""
from kvs import commands  # noqa: F401  (registers the command table)
from kvs.client import FAKE
from kvs.config import Config
from kvs.server import Server

LLONG_MAX = (1 << 63) - 1
LLONG_MIN = -(1 << 63)


# Replies that count down with the clock: equal unless one server stalled between setting and reading the TTL.
CLOCK_TOLERANCE = {"TTL": 1, "PTTL": 1000}


def run_table(diff, cases):
    """Send every command of `cases` to both servers, in order, asserting identical raw replies (TTL and PTTL
    within CLOCK_TOLERANCE)."""
    for cmd in cases:
        name = cmd[0].upper() if isinstance(cmd[0], str) else cmd[0].decode("latin-1").upper()
        if name in CLOCK_TOLERANCE and len(cmd) == 2:
            same_within(diff, CLOCK_TOLERANCE[name], *cmd)
        else:
            diff.same(*cmd)


def int_reply(raw: bytes) -> int:
    assert raw[:1] == b":", raw
    return int(raw[1:-2])


def same_within(diff, tolerance: int, *cmd):
    """For TTL-like replies: identical when negative (no key / no TTL), otherwise within `tolerance`."""
    a, b = diff.both(*cmd)
    x, y = int_reply(a), int_reply(b)
    if x < 0 or y < 0:
        assert a == b, f"{cmd!r}: kvs {a!r} != redis {b!r}"
    else:
        assert abs(x - y) <= tolerance, f"{cmd!r}: kvs {x} vs redis {y} (tolerance {tolerance})"
    return x, y


def parse_flat(raw: bytes):
    """A RESP2 reply that is an array of bulks (or nested arrays of bulks), as Python lists/bytes."""
    def one(pos):
        t = raw[pos:pos + 1]
        end = raw.index(b"\r\n", pos)
        head = raw[pos + 1:end]
        pos = end + 2
        if t == b"$":
            n = int(head)
            if n < 0:
                return None, pos
            return raw[pos:pos + n], pos + n + 2
        if t == b"*":
            out = []
            for _ in range(int(head)):
                item, pos = one(pos)
                out.append(item)
            return out, pos
        if t == b":":
            return int(head), pos
        return (t + head), pos

    value, pos = one(0)
    assert pos == len(raw), raw
    return value


class InProcess:
    """A kvs server without sockets; replies come back as the exact bytes a client would receive."""

    def __init__(self):
        self.server = Server(Config())
        self.client = self.server.create_client(kind=FAKE)

    def __call__(self, *args):
        argv = [a if isinstance(a, bytes) else str(a).encode() for a in args]
        self.server.execute(self.client, argv)
        return self.client.w.take()
