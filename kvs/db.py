"""The keyspace: numbered databases of key -> value, with millisecond expiry (lazy on access, plus an active
cycle driven by the cron), like Redis's db.c and expire.c. The Database class itself is compiled
(kvs/_core/engine.pyx) because every command looks keys up through it."""
from kvs._core.engine import Database, now_ms  # noqa: F401
from kvs._core.keyspace import random_key as _dict_random_key
from kvs._core.keyspace import scan_items

# Values are plain Python objects; a string is bytes (or bytearray once APPEND/SETRANGE made it mutable).
STRING_TYPES = (bytes, bytearray)


def type_name(value) -> str:
    t = type(value)
    if t is bytes or t is bytearray:
        return "string"
    return getattr(value, "TYPE_NAME", "none")


def random_key(db: Database):
    """A random live key (expired ones met on the way are deleted), or None."""
    # Bounded tries: in a db where every key has expired we give up rather than loop.
    for _ in range(100):
        key = _dict_random_key(db.keys)
        if key is None:
            return None
        if db.lookup(key) is not None:
            return key
    return None


def expire_step(db: Database, now: int, budget: int) -> tuple:
    """Check up to `budget` keys with a TTL from where the last step stopped; delete the expired ones.

    Returns (checked, expired). A cursor over the expires dict means every key is looked at in turn, like Redis's
    incremental scan of the expires table.
    """
    expires = db.expires
    if not expires:
        db.expire_cursor = 0
        return 0, 0
    db.expire_cursor, batch = scan_items(expires, db.expire_cursor, budget)
    expired = 0
    ttl_sum = 0
    ttl_n = 0
    server = db.server
    for key, when in batch:
        if when <= now:
            if server.expire_on_access(db, key):
                expired += 1
        else:
            ttl_sum += when - now
            ttl_n += 1
    if ttl_n:
        # Running average like Redis's db->avg_ttl, weighting the new sample at 2%.
        sample = ttl_sum // ttl_n
        db.avg_ttl = sample if not db.avg_ttl else (db.avg_ttl * 49 + sample) // 50
    return len(batch), expired
