"""Argument parsing shared by command families, with Redis's error replies."""
from kvs import errors
from kvs._core.numbers import parse_double, parse_int
from kvs.errors import CommandError

LLONG_MAX = (1 << 63) - 1
LLONG_MIN = -(1 << 63)


def int_arg(b: bytes, error: str = errors.NOT_INTEGER) -> int:
    v = parse_int(b)
    if v is None:
        raise CommandError(error)
    return v


def float_arg(b: bytes, error: str = errors.NOT_FLOAT) -> float:
    v = parse_double(b)
    if v is None:
        raise CommandError(error)
    return v


def db_index_arg(server, b: bytes):
    """A database number for SELECT/MOVE/COPY: not an integer -> 'not an integer', outside -> 'out of range'."""
    v = parse_int(b)
    if v is None or not (-(1 << 31) <= v < (1 << 31)):
        raise CommandError(errors.NOT_INTEGER)
    if v < 0 or v >= len(server.dbs):
        raise CommandError(errors.DB_INDEX_OUT_OF_RANGE)
    return server.dbs[v]
