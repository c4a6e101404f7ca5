"""kvs-check-rdb FILE: check an RDB file and print what redis-check-rdb prints (the AUX fields and databases with
their offsets, the checksum status, key counts; on a bad file the offset and reason of the first error), plus the
number of keys of each type. Exit status 0 when the file is sane, 1 otherwise."""
import os
import sys

def _text(v) -> str:
    if isinstance(v, (bytes, bytearray)):
        return bytes(v).split(b"\0", 1)[0].decode("utf-8", "replace")
    return str(v)


def _type_name(t) -> str:
    """Redis's name for an object type id, as redis-check-rdb reports it."""
    if isinstance(t, str):
        return t
    from kvs.persistence.rdb import TYPE_NAMES
    return TYPE_NAMES.get(t, "unknown")


def _as_redis_reports(error: dict, report: dict):
    """redis-check-rdb gives the bytes consumed when the error was seen (the whole header for a bad signature or
    version, the type byte included for an unknown type, the 8 checksum bytes for a CRC mismatch) and words the
    checksum error in its own way."""
    offset = error.get("offset")
    offset = offset if offset is not None and offset >= 0 else 0
    reason = str(error.get("reason"))
    size = report.get("size", 0)
    if reason.startswith("Wrong signature") or reason.startswith("Can't handle RDB format version"):
        offset = min(9, size)
    elif reason.startswith("Invalid object type"):
        offset += 1
    elif reason.startswith("Wrong RDB checksum"):
        reason = "RDB CRC error"
        offset = min(offset + 8, size)
    return offset, reason


def format_report(path: str, report: dict) -> str:
    """The text redis-check-rdb prints for `report` (kvs.persistence.rdb.check's result), plus one line per type."""
    lines = [f"[offset 0] Checking RDB file {path}"]
    # AUX fields, database selections and the checksum verdict, each with the offset just past it.
    lines += [f"[offset {offset}] {text}" for offset, text in report.get("events", ())]
    error = report.get("error")
    keys = report.get("keys", 0)
    if error and error.get("doing") == "read-object-value":
        keys += 1           # redis-check-rdb counts a key as read before reading its value
    counts = [f"[info] {keys} keys read", f"[info] {report.get('expires', 0)} expires",
              f"[info] {report.get('already_expired', 0)} already expired"]
    if error:
        lines.append("--- RDB ERROR DETECTED ---")
        offset, reason = _as_redis_reports(error, report)
        lines.append(f"[offset {offset}] {reason}")
        lines.append(f"[additional info] While doing: {error.get('doing') or 'start'}")
        if error.get("key") is not None:
            lines.append(f"[additional info] Reading key '{_text(error['key'])}'")
        t = error.get("type")
        if t is None and not report.get("keys"):
            # redis-check-rdb's "current type" starts out as 0 and is cleared after each complete key.
            t = 0
        if t is not None:
            lines.append(f"[additional info] Reading type {t} ({error.get('type_name') or _type_name(t)})")
        return "\n".join(lines + counts) + "\n"
    lines.append(f"[offset {report.get('size', 0)}] \\o/ RDB looks OK! \\o/")
    per_type = [f"[info] {n} keys of type {name}" for name, n in (report.get("types") or {}).items()]
    return "\n".join(lines + counts + per_type) + "\n"


def check(path: str) -> dict:
    from kvs.persistence import rdb
    return rdb.check(path)


def report_text(path: str) -> str:
    return format_report(path, check(path))


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        sys.stderr.write("Usage: kvs-check-rdb <rdb-file-name>\n")
        return 1
    if argv[0] in ("-v", "--version"):
        import kvs
        print(f"kvs-check-rdb {kvs.__version__} (redis_compat={kvs.REDIS_VERSION})")
        return 0
    path = argv[0]
    if not os.path.exists(path):
        # Like redis-check-rdb: only the header line, and failure.
        print(f"[offset 0] Checking RDB file {path}")
        return 1
    report = check(path)
    sys.stdout.write(format_report(path, report))
    return 1 if report.get("error") else 0


if __name__ == "__main__":
    raise SystemExit(main())
