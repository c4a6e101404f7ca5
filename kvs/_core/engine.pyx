# cython: language_level=3
"""The execution core, compiled: resolve a command, check it, run its handler, time it, and propagate what it
changed; plus the keyspace lookups every command makes. Handlers stay in Python (kvs/commands/); what runs
around each of them runs here, since it runs for every command (profiling showed it dominating pipelines)."""
from posix.time cimport clock_gettime, timespec, CLOCK_MONOTONIC, CLOCK_REALTIME

from libc.stdlib cimport rand, RAND_MAX

from kvs._core.resp cimport ReplyWriter, RequestParser

# Client flag bits, shared with kvs.client (which re-exports them).
CLOSE_AFTER_REPLY = 1 << 0
CLOSE_ASAP = 1 << 1
MONITOR = 1 << 2
REPLY_OFF = 1 << 3
REPLY_SKIP_NEXT = 1 << 4
REPLY_SKIP = 1 << 5
UNIX_SOCKET = 1 << 6
PUBSUB = 1 << 7        # subscribed to a channel or pattern

cdef enum:
    F_CLOSE = (1 << 0) | (1 << 1)
    F_STOP_INPUT = (1 << 0) | (1 << 1) | (1 << 8)   # closing, or blocked (kvs.blocking.BLOCKED)
    F_REPLY_OFF = 1 << 3
    F_REPLY_SKIP_NEXT = 1 << 4
    F_REPLY_SKIP = 1 << 5
    F_PUBSUB = 1 << 7
    RAW_NAMES_MAX = 4096      # bound on cached spellings of command names (a client could send many)

# What a RESP2 client may run while subscribed (its connection is a message stream then).
cdef frozenset PUBSUB_CONTEXT = frozenset(("subscribe", "unsubscribe", "psubscribe", "punsubscribe", "ssubscribe",
                                           "sunsubscribe", "ping", "quit", "reset"))

# Commands the core runs inline, being most of every benchmark and of many real workloads: plain GET, SET
# without options, and MSET. Their Python handlers in kvs/commands/t_string.py define the behaviour and run whenever
# the inline version does not apply.
FAST_GET = 1
FAST_SET = 2
FAST_MSET = 3

cdef list MULTI_ARGV = [b"MULTI"]
cdef list EXEC_ARGV = [b"EXEC"]


cdef inline long long _mono_ns() noexcept nogil:
    cdef timespec ts
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return ts.tv_sec * 1000000000LL + ts.tv_nsec


cpdef long long now_ms():
    """Unix time in milliseconds (the clock of key expiry)."""
    cdef timespec ts
    clock_gettime(CLOCK_REALTIME, &ts)
    return ts.tv_sec * 1000LL + ts.tv_nsec // 1000000


# Notes on string values whose Redis encoding the bytes alone do not tell (Database.string_notes):
NOTE_NOT_INT = 1      # an integer-looking value Redis keeps as a plain string (INCRBYFLOAT's result): embstr/raw
NOTE_UNSHARED = 2     # a small integer that is not one of Redis's shared objects (made under an LRU/LFU policy,
                      # or a COPY): OBJECT REFCOUNT 1

# LFU counters (Redis's evict.c): logarithmic increments, decaying by one per lfu-decay-time minutes.
cdef enum:
    LFU_INIT_VAL = 5


cdef inline object lru_clock_obj(Core server):
    """The LRU clock as a Python int, shared by every access stored during one tick (no int per access)."""
    cdef object obj = server.lru_clock_obj
    if obj is None or <long long>obj != server.lru_clock:
        obj = server.lru_clock_obj = server.lru_clock
    return obj


cdef inline long long lfu_minutes(Core server) noexcept:
    return (server.lru_clock // 60) & 65535


cdef long long lfu_decayed(Core server, long long packed) noexcept:
    cdef long long ldt = packed >> 8, counter = packed & 255, now = lfu_minutes(server), elapsed, periods
    elapsed = now - ldt if now >= ldt else 65535 - ldt + now
    periods = elapsed // server.lfu_decay_time if server.lfu_decay_time else 0
    if periods:
        counter = 0 if periods > counter else counter - periods
    return counter


cdef long long lfu_log_incr(Core server, long long counter) noexcept:
    cdef double base, p
    if counter >= 255:
        return 255
    base = counter - LFU_INIT_VAL
    if base < 0:
        base = 0
    p = 1.0 / (base * server.lfu_log_factor + 1)
    if <double>rand() / RAND_MAX < p:
        counter += 1
    return counter


WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"


class CommandError(Exception):
    """Raised by a command handler; the text (without the leading '-') becomes the error reply."""

    def __init__(self, text):
        self.text = text


cdef class Command:
    """One entry of the command table; counters feed INFO commandstats."""

    def reset_stats(self):
        self.calls = 0
        self.nsec = 0
        self.failed_calls = 0
        self.rejected_calls = 0

    def arity_ok(self, Py_ssize_t argc):
        return argc == self.arity if self.arity > 0 else argc >= -self.arity

    def key_indexes(self, list argv):
        """Indexes of the key arguments in `argv` (a full command line)."""
        cdef Py_ssize_t argc = len(argv)
        if self.keys_fn is not None:
            try:
                return [i for i in self.keys_fn(argv) if 0 < i < argc]
            except (ValueError, IndexError):
                return []
        if self.first_key == 0:
            return range(0)
        last = self.last_key if self.last_key >= 0 else argc + self.last_key
        return range(self.first_key, min(last, argc - 1) + 1, self.key_step)

    def __repr__(self):
        return f"<Command {self.fullname}>"


cdef class Database:
    """One numbered database: `keys` maps bytes -> value, `expires` maps bytes -> absolute unix time in ms."""

    def __init__(self, int dbid, Core server):
        self.id = dbid
        self.keys = {}
        self.expires = {}
        self.access = {}
        self.string_notes = {}
        self.server = server
        self.expire_cursor = 0
        self.avg_ttl = 0

    def __len__(self):
        return len(self.keys)

    cdef void touch(self, object key):
        """Record an access for OBJECT IDLETIME/FREQ and eviction: the LRU clock, or a bumped LFU counter."""
        cdef Core server = self.server
        cdef object old
        cdef long long counter
        if server.child_active:
            return
        if not server.lfu:
            self.access[key] = lru_clock_obj(server)
            return
        old = self.access.get(key)
        counter = LFU_INIT_VAL if old is None else lfu_decayed(server, <long long>old)
        self.access[key] = (lfu_minutes(server) << 8) | lfu_log_incr(server, counter)

    cpdef object lookup(self, object key, bint touch=True):
        """The value at key, or None if missing or expired (an expired key is deleted, counted and propagated).
        `touch` records the access (commands like TYPE, TTL and OBJECT look without touching)."""
        cdef object value = self.keys.get(key)
        cdef object when
        if value is None:
            return None
        if self.expires:
            when = self.expires.get(key)
            if when is not None and <long long>when <= now_ms():
                if self.server.expire_on_access(self, key):
                    return None
        if touch:
            self.touch(key)
        return value

    def of_type(self, key, type cls):
        """lookupKeyWrite + checkType: the value at key if it is a `cls`, None if missing, WRONGTYPE otherwise."""
        cdef object value = self.lookup(key)
        if value is not None and type(value) is not cls:
            raise CommandError(WRONGTYPE)
        return value

    def read_of_type(self, key, type cls):
        """lookupKeyRead + checkType (counts keyspace hits and misses)."""
        cdef object value = self.lookup_read(key)
        if value is not None and type(value) is not cls:
            raise CommandError(WRONGTYPE)
        return value

    def idle_seconds(self, key):
        """OBJECT IDLETIME: seconds since the value was last used."""
        cdef object t = self.access.get(key)
        if t is None:
            return 0
        return max(self.server.lru_clock - <long long>t, 0)

    def frequency(self, key):
        """OBJECT FREQ: the decayed LFU counter."""
        cdef object t = self.access.get(key)
        if t is None:
            return LFU_INIT_VAL
        return lfu_decayed(self.server, <long long>t)

    cpdef object lookup_read(self, object key):
        """lookup() for commands that read: counts keyspace hits and misses for INFO."""
        cdef object value = self.lookup(key)
        if value is None:
            self.server.keyspace_misses += 1
        else:
            self.server.keyspace_hits += 1
        return value

    cpdef set(self, object key, object value, bint keep_ttl=False):
        self.keys[key] = value
        self._new_value(key)
        if self.string_notes or self.server.no_shared_ints:
            self._new_string(key)
        if not keep_ttl and self.expires:
            self.expires.pop(key, None)

    cpdef add(self, object key, object value):
        """Store a value at a key known to be absent (after a failed lookup)."""
        self.keys[key] = value
        self._new_value(key)
        if self.string_notes or self.server.no_shared_ints:
            self._new_string(key)

    cdef int _new_string(self, object key) except -1:
        """A new value drops the old value's notes; made while small integers are not shared, it is unshared."""
        if self.server.no_shared_ints:
            self.string_notes[key] = NOTE_UNSHARED
        else:
            self.string_notes.pop(key, None)
        return 0

    def new_string(self, key):
        """For writers that replace a value in place of set() (INCR): the same bookkeeping."""
        self._new_string(key)

    cdef int _new_value(self, object key) except -1:
        """A fresh value starts with the current LRU clock, or LFU's initial counter (like createObject)."""
        cdef Core server = self.server
        if server.lfu:
            self.access[key] = (lfu_minutes(server) << 8) | LFU_INIT_VAL
        else:
            self.access[key] = lru_clock_obj(server)
        return 0

    def new_value(self, key):
        self._new_value(key)

    cpdef bint delete(self, object key):
        if self.keys.pop(key, None) is None:
            return False
        self.access.pop(key, None)
        if self.string_notes:
            self.string_notes.pop(key, None)
        if self.expires:
            self.expires.pop(key, None)
        return True

    def exists(self, key):
        return self.lookup(key) is not None

    def set_expire(self, key, long long when_ms):
        self.expires[key] = when_ms

    def get_expire(self, key):
        """Absolute expiry in ms, or -1 when the key has no TTL."""
        return self.expires.get(key, -1)

    def persist(self, key):
        return self.expires.pop(key, None) is not None

    def clear(self):
        cdef Py_ssize_t n = len(self.keys)
        self.keys = {}
        self.expires = {}
        self.access = {}
        self.string_notes = {}
        self.expire_cursor = 0
        self.avg_ttl = 0
        return n

    def swap_contents(self, Database other):
        self.keys, other.keys = other.keys, self.keys
        self.expires, other.expires = other.expires, self.expires
        self.access, other.access = other.access, self.access
        self.string_notes, other.string_notes = other.string_notes, self.string_notes
        self.avg_ttl, other.avg_ttl = other.avg_ttl, self.avg_ttl
        self.expire_cursor = other.expire_cursor = 0


cdef class ClientCore:
    """The fields of a client that the execution path reads for every command."""


cdef class Core:
    """Runs commands. kvs.server.Server extends it with state, cron, INFO and shutdown."""

    def __init__(self):
        self.commands = {}
        self.raw_names = {}
        self.pending_propagation = None
        self.watched_keys = {}
        self.clients_pending_write = {}
        self.clients_pending_input = {}
        self.blocking_keys = {}
        self.ready_keys = {}
        self.propagation_subscribers = []
        self.monitors = []

    cpdef execute(self, ClientCore c, list argv):
        """Run one command for client `c`; its reply (or error) goes to `c.w`. Never raises for bad input."""
        cdef Command cmd
        cdef object found = self.raw_names.get(argv[0])
        if found is None:
            found = self.commands.get(argv[0].lower())
            if found is None:
                self.reject(c, self.unknown_command_text(argv))
                return
            if len(self.raw_names) < RAW_NAMES_MAX:
                self.raw_names[argv[0]] = found
        cmd = <Command>found
        if cmd.subcommands is not None and len(argv) >= 2:
            found = cmd.subcommands.get(argv[1].lower())
            if found is None:
                self.reject(c, b"ERR unknown subcommand '" + argv[1].split(b"\0", 1)[0][:128] + b"'. Try "
                            + cmd.name.upper().encode() + b" HELP.")
                return
            cmd = <Command>found
        cdef Py_ssize_t argc = len(argv)
        if (cmd.arity > 0 and argc != cmd.arity) or (cmd.arity < 0 and argc < -cmd.arity):
            cmd.rejected_calls += 1
            self.reject(c, f"ERR wrong number of arguments for '{cmd.fullname}' command")
            return
        if not c.authenticated and not cmd.no_auth:
            cmd.rejected_calls += 1
            self.reject(c, "NOAUTH Authentication required.")
            return
        if c.flags & F_PUBSUB and c.w.resp == 2 and cmd.fullname not in PUBSUB_CONTEXT:
            cmd.rejected_calls += 1
            self.reject(c, f"ERR Can't execute '{cmd.fullname}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / "
                           f"PING / QUIT / RESET are allowed in this context")
            return
        if c.multi_state is not None and cmd.handler is not None and not c.multi_state.runs_now(cmd):
            c.last_cmd = cmd
            c.multi_state.queue(c, cmd, argv)
            return
        self.call(c, cmd, argv)

    cpdef call(self, ClientCore c, Command cmd, list argv):
        """Run a resolved, checked command: timing, statistics, propagation and the MONITOR feed."""
        cdef int flags = c.flags
        cdef ReplyWriter saved = None
        cdef ReplyWriter scratch
        cdef long long dirty = self.dirty
        cdef long long t0
        if flags & (F_REPLY_OFF | F_REPLY_SKIP):
            saved = c.w
            scratch = ReplyWriter()
            scratch.resp = saved.resp
            c.w = scratch
        c.argv = argv
        c.last_cmd = cmd
        self.call_depth += 1
        t0 = _mono_ns()
        try:
            if cmd.fast == 0 or not self.run_fast(c, cmd, argv):
                cmd.handler(c, argv)
        except CommandError as e:
            cmd.failed_calls += 1
            self.reply_error(c, e.text)
        except Exception as e:  # a bug must cost one reply, never the server
            cmd.failed_calls += 1
            self.handler_crashed(c, cmd, e)
        cmd.nsec += _mono_ns() - t0
        cmd.calls += 1
        self.commands_processed += 1
        if self.dirty != dirty:
            if self.watched_keys:
                self.touch_command_keys(c, cmd, argv)
            if self.blocking_keys:
                self.signal_command_keys(c, cmd, argv)
            if cmd.is_write and not c.prevent_prop and self.propagation_subscribers:
                self.propagate(c.db.id, c.prop_argv if c.prop_argv is not None else argv)
        c.prop_argv = None
        c.prevent_prop = False
        self.call_depth -= 1
        if self.call_depth == 0:
            if self.pending_propagation is not None:
                self.flush_propagation()
            if self.ready_keys:
                self.serve_ready_keys()
        if self.monitors and not cmd.no_monitor:
            self.feed_monitors(c, argv)
        if saved is not None:
            scratch = c.w
            c.w = saved
            if not c.flags & (F_REPLY_OFF | F_REPLY_SKIP):
                # CLIENT REPLY ON answers even though replies were off when it started.
                saved.raw(scratch.take())
            if flags & F_REPLY_SKIP:
                c.flags &= ~F_REPLY_SKIP
        if c.flags & F_REPLY_SKIP_NEXT:
            # CLIENT REPLY SKIP takes effect on the command after itself.
            c.flags = (c.flags & ~F_REPLY_SKIP_NEXT) | F_REPLY_SKIP

    cdef int run_fast(self, ClientCore c, Command cmd, list argv) except -1:
        """The inline GET and option-less SET; returns 0 when the Python handler must run instead."""
        cdef object value
        if cmd.fast == FAST_GET:
            value = c.db.lookup_read(argv[1])
            if value is None:
                c.w.null_c()
            elif type(value) is bytes or type(value) is bytearray:
                c.w.bulk_obj(value)
            else:
                raise CommandError(WRONGTYPE)
            return 1
        if cmd.fast == FAST_SET and len(argv) == 3:
            c.db.set(argv[1], argv[2], False)
            self.dirty += 1
            c.w.write_c("+OK\r\n", 5)
            return 1
        cdef Py_ssize_t i, argc = len(argv)
        cdef Database db
        if cmd.fast == FAST_MSET and argc % 2 == 1:
            db = c.db
            for i in range(1, argc, 2):
                db.set(argv[i], argv[i + 1], False)
            self.dirty += argc // 2
            c.w.write_c("+OK\r\n", 5)
            return 1
        return 0

    cpdef int process_input(self, ClientCore c, Py_ssize_t max_output=0) except -1:
        """Execute the complete commands buffered in the client's parser (a ProtocolError propagates after the
        commands before it ran). Stops early, returning 1, once more than `max_output` bytes of replies are
        pending (when max_output > 0), so that a pipeline of big replies is answered as fast as the client
        reads rather than all at once into memory; returns 0 when the parser has no complete command left."""
        cdef RequestParser parser = c.parser
        cdef ReplyWriter w
        cdef object argv
        while not c.flags & F_STOP_INPUT:
            argv = parser.next()
            if argv is None:
                return 0
            self.execute(c, <list>argv)
            if max_output > 0:
                w = c.w
                if len(w) > max_output:
                    return 1
        return 0

    cpdef propagate(self, int dbid, list argv):
        """The one place changes leave the core: AOF and replication subscribe here. Ops produced by one command
        are delivered after it finishes (after EXEC for a transaction), wrapped in MULTI/EXEC when there are
        several."""
        if self.pending_propagation is None:
            self.pending_propagation = [(dbid, argv)]
        else:
            self.pending_propagation.append((dbid, argv))
        if self.call_depth == 0:
            self.flush_propagation()

    cpdef flush_propagation(self):
        cdef list ops = self.pending_propagation
        self.pending_propagation = None
        if not ops or not self.propagation_subscribers:
            return
        if len(ops) > 1:
            dbid = ops[0][0]
            ops = [(dbid, MULTI_ARGV)] + ops + [(dbid, EXEC_ARGV)]
        for feed in self.propagation_subscribers:
            for dbid, argv in ops:
                feed(dbid, argv)
