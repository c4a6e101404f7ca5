"""maxmemory: evicting keys by `maxmemory-policy` when used memory passes `maxmemory` (Redis's evict.c).

Before each command of a normal client the server calls `perform()`. Over the limit it deletes keys, each
propagated as DEL (UNLINK with lazyfree-lazy-eviction) and counted in INFO's evicted_keys, until the memory
gauge is back under the limit, nothing more can be evicted (the command is then refused with -OOM when it may
use more memory), or the time budget of one call runs out (a step on the event loop carries on).

The LRU, LFU and TTL policies approximate Redis's: `maxmemory-samples` random keys per database feed a pool of
the 16 best candidates kept across calls, and the best one that still exists is evicted. The random policies
pick a random key, visiting the databases in turn.
"""
import time

from kvs import memory
from kvs._core.keyspace import random_key
from kvs.db import Database

OOM_ERROR = "OOM command not allowed when used memory > 'maxmemory'."

POOL_SIZE = 16                      # EVPOOL_SIZE
_FAR = 1 << 64

EVICT_OK, EVICT_RUNNING, EVICT_FAIL = 0, 1, 2


def _size_estimate(key: bytes, value) -> int:
    """A rough footprint, to decide when to measure again (the gauge has the last word)."""
    if isinstance(value, (bytes, bytearray)):
        return 120 + len(key) + len(value)
    try:
        n = len(value)
    except TypeError:
        n = 1
    return 200 + len(key) + 90 * n


class Evictor:
    def __init__(self, server):
        self.server = server
        self.pool = []              # (score, dbid, key) ascending: the best candidate is last
        self.next_db = 0            # the random policies' round robin
        self.exceeded_since = 0.0   # monotonic time the limit was first found exceeded (0: not now)
        self.exceeded_total = 0.0
        self.background = False     # a background step is scheduled on the event loop

    # -- the limit ---------------------------------------------------------------------------------------------
    def to_free(self) -> int:
        maxmemory = self.server.config["maxmemory"]
        if not maxmemory:
            return 0
        used = memory.gauge.used()
        return used - maxmemory if used > maxmemory else 0

    def perform(self) -> int:
        """Evict until under maxmemory: EVICT_OK, EVICT_RUNNING (time budget spent, still over) or EVICT_FAIL
        (over the limit and nothing left that the policy may evict)."""
        server = self.server
        if server.is_replica or server.loading:
            return EVICT_OK
        if not self.to_free():
            self._exceeded(False)
            return EVICT_OK
        self._exceeded(True)
        policy = server.config["maxmemory-policy"]
        if policy == "noeviction":
            return EVICT_FAIL
        deadline = time.monotonic() + self._time_limit()
        lazy = server.config["lazyfree-lazy-eviction"]
        while True:
            picked = self._select(policy)
            if picked is None:
                return EVICT_FAIL
            db, key = picked
            size = _size_estimate(key, db.keys[key])
            self._evict(db, key, lazy)
            # Measuring pymalloc walks its pools: count the estimate off instead, the gauge's next refresh
            # corrects it.
            memory.gauge.forget(size)
            if not self.to_free():
                self._exceeded(False)
                return EVICT_OK
            if time.monotonic() > deadline:
                self.start_background()
                return EVICT_RUNNING

    def start_background(self) -> None:
        """Evict from the event loop, a time-limited step at a time, until under the limit (Redis's eviction
        time proc): used when maxmemory is lowered, and when a command's own step ran out of time."""
        loop = self.server.loop
        if loop is not None and not self.background:
            self.background = True
            loop.call_soon(self._background_step)

    def _background_step(self) -> None:
        self.background = False
        if self.perform() == EVICT_RUNNING:
            self.start_background()

    def _time_limit(self) -> float:
        """evictionTimeLimitUs: 50 us per step of maxmemory-eviction-tenacity up to 10, then growing 15% a step;
        100 means no limit."""
        tenacity = self.server.config["maxmemory-eviction-tenacity"]
        if tenacity <= 10:
            return 50e-6 * tenacity
        if tenacity < 100:
            return 500e-6 * 1.15 ** (tenacity - 10)
        return float("inf")

    def _exceeded(self, now_over: bool) -> None:
        if now_over:
            if not self.exceeded_since:
                self.exceeded_since = time.monotonic()
        elif self.exceeded_since:
            self.exceeded_total += time.monotonic() - self.exceeded_since
            self.exceeded_since = 0.0

    def info_fields(self) -> list:
        current = time.monotonic() - self.exceeded_since if self.exceeded_since else 0.0
        return [("total_eviction_exceeded_time", int((self.exceeded_total + current) * 1000)),
                ("current_eviction_exceeded_time", int(current * 1000))]

    def reset_stats(self) -> None:
        self.exceeded_total = 0.0
        if self.exceeded_since:
            self.exceeded_since = time.monotonic()

    # -- choosing a key ------------------------------------------------------------------------------------------
    def _select(self, policy: str):
        dbs = self.server.dbs
        volatile = policy.startswith("volatile-")
        if policy.endswith("-random"):
            for _ in range(len(dbs)):
                db = dbs[self.next_db % len(dbs)]
                self.next_db += 1
                source = db.expires if volatile else db.keys
                if source:
                    return db, random_key(source)
            return None
        # Sampled policies: refill the pool from every database, then take the best candidate still present.
        while True:
            sampled = False
            for db in dbs:
                source = db.expires if volatile else db.keys
                if source:
                    self._populate(db, source, policy)
                    sampled = True
            if not sampled:
                return None
            while self.pool:
                _score, dbid, key = self.pool.pop()
                db = dbs[dbid]
                if key in (db.expires if volatile else db.keys):
                    return db, key
            # Every candidate was gone already (deleted meanwhile): sample again.

    def _populate(self, db: Database, source: dict, policy: str) -> None:
        samples = self.server.config["maxmemory-samples"]
        pool = self.pool
        seen = set()
        for _ in range(samples):
            key = random_key(source)
            if key is None or key in seen:
                continue
            seen.add(key)
            if policy.endswith("-lru"):
                score = db.idle_seconds(key)
            elif policy.endswith("-lfu"):
                score = 255 - db.frequency(key)
            else:                               # volatile-ttl: the sooner it expires, the better
                score = _FAR - db.expires.get(key, _FAR)
            entry = (score, db.id, key)
            if entry in pool:
                continue
            if len(pool) < POOL_SIZE:
                pool.append(entry)
                pool.sort()
            elif entry > pool[0]:
                pool[0] = entry
                pool.sort()

    # -- deleting it ---------------------------------------------------------------------------------------------
    def _evict(self, db: Database, key: bytes, lazy: bool) -> None:
        server = self.server
        db.delete(key)
        server.stats.evicted_keys += 1
        if server.watched_keys:
            server.touch_watched(db, key)
        server.propagate(db.id, [b"UNLINK" if lazy else b"DEL", key])
