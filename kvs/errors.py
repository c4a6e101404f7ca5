"""Redis's error replies, word for word, and the exception handlers raise to send one."""


from kvs._core.engine import CommandError  # noqa: F401  (raised by handlers, caught by the compiled core)


WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"
SYNTAX = "ERR syntax error"
NOT_INTEGER = "ERR value is not an integer or out of range"
NOT_FLOAT = "ERR value is not a valid float"
OVERFLOW = "ERR increment or decrement would overflow"
INCR_NAN_OR_INF = "ERR increment would produce NaN or Infinity"
NO_SUCH_KEY = "ERR no such key"
INDEX_OUT_OF_RANGE = "ERR index out of range"
DB_INDEX_OUT_OF_RANGE = "ERR DB index is out of range"
NOAUTH = "NOAUTH Authentication required."
WRONGPASS = "WRONGPASS invalid username-password pair or user is disabled."
STRING_TOO_LONG = "ERR string exceeds maximum allowed size (proto-max-bulk-len)"
OFFSET_OUT_OF_RANGE = "ERR offset is out of range"
MUST_BE_POSITIVE = "ERR value is out of range, must be positive"
SAME_OBJECT = "ERR source and destination objects are the same"


def wrong_arity(name: str) -> CommandError:
    return CommandError(f"ERR wrong number of arguments for '{name}' command")


def invalid_expire(name: str) -> CommandError:
    return CommandError(f"ERR invalid expire time in '{name}' command")


def unknown_command(argv: list) -> bytes:
    # Redis quotes the arguments until the quoted text reaches 128 bytes, each cut to what is left of that budget;
    # the bytes go out as they came in (no decoding).
    args = b""
    for a in argv[1:]:
        if len(args) >= 128:
            break
        args += b"'" + _c_string(a)[: 128 - len(args)] + b"' "
    return b"ERR unknown command '" + _c_string(argv[0])[:128] + b"', with args beginning with: " + args


def _c_string(b: bytes) -> bytes:
    """Redis formats these with %s, so a NUL byte ends the text."""
    return b.split(b"\0", 1)[0]
