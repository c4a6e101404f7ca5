# cython: language_level=3
# The execution core's typed state: the command table entry, a database, the socket-independent part of a client,
# and the server core that runs commands. Python subclasses (kvs.client.Client, kvs.server.Server) add the cold
# parts; the fields here are the ones every command touches.
from kvs._core.resp cimport ReplyWriter, RequestParser


cdef class Command:
    cdef public str name, fullname, group, summary, since
    cdef public object handler
    cdef public int arity, first_key, last_key, key_step
    cdef public tuple flags, acl, tips, args
    cdef public dict subcommands
    cdef public object parent
    cdef public object keys_fn          # argv -> key indexes, for commands whose keys move (LMPOP, ZUNION ...)
    cdef public object written_keys_fn  # (cmd, argv) -> indexes of the keys it modifies, when not all of them
    cdef public bint is_write, no_auth, no_monitor
    cdef public int fast                # FAST_GET / FAST_SET: run in C by the core (the handler stays the reference)
    cdef public long long calls, nsec, failed_calls, rejected_calls


cdef class Database:
    cdef public int id
    cdef public dict keys
    cdef public dict expires
    cdef public dict access             # key -> LRU clock (seconds) or LFU (minutes << 8 | counter) of its value
    cdef public dict string_notes       # key -> NOTE_* bits for string values Redis would encode unusually
    cdef public Core server
    cdef public Py_ssize_t expire_cursor
    cdef public long long avg_ttl

    cdef void touch(self, object key)
    cdef int _new_value(self, object key) except -1
    cdef int _new_string(self, object key) except -1
    cpdef object lookup(self, object key, bint touch=*)
    cpdef object lookup_read(self, object key)
    cpdef set(self, object key, object value, bint keep_ttl=*)
    cpdef add(self, object key, object value)
    cpdef bint delete(self, object key)


cdef class ClientCore:
    cdef public long long id
    cdef public int kind
    cdef public int flags
    cdef public Database db
    cdef public ReplyWriter w
    cdef public RequestParser parser
    cdef public bint authenticated
    cdef public bint prevent_prop
    cdef public object prop_argv
    cdef public object multi_state
    cdef public object last_cmd
    cdef public object argv
    cdef public object conn
    cdef public object server
    cdef public object blocked          # kvs.blocking.BlockState while blocked
    cdef public double last_interaction # time.monotonic() of the last read, for `timeout`


cdef class Core:
    cdef public dict commands           # lower-case name -> Command
    cdef public dict raw_names          # names as clients send them ("GET", "Get") -> Command
    cdef public long long dirty
    cdef public long long commands_processed
    cdef public long long keyspace_hits
    cdef public long long keyspace_misses
    cdef public long long expired_keys
    cdef public long long net_input_bytes
    cdef public long long net_output_bytes
    cdef public long long reads_processed
    cdef public long long writes_processed
    cdef public bint obuf_normal_active   # client-output-buffer-limit normal/pubsub are set: check after writes
    cdef public bint obuf_pubsub_active
    cdef public dict clients_pending_write   # clients given output by someone else's command (Pub/Sub ...)
    cdef public dict clients_pending_input   # unblocked clients whose buffered commands must now run
    cdef public int call_depth          # > 0 while a command (or EXEC's commands) runs
    cdef public dict watched_keys       # (dbid, key) -> set of clients WATCHing it
    cdef public dict blocking_keys      # (dbid, key) -> [clients blocked on it, oldest first]
    cdef public dict ready_keys         # (dbid, key) -> None: keys written while clients wait on them
    cdef public list pending_propagation
    cdef public list propagation_subscribers
    cdef public list monitors
    cdef public bint is_replica
    cdef public bint loading
    cdef public long long lru_clock     # seconds, refreshed by the cron (Redis's LRU clock resolution is 1 s)
    cdef object lru_clock_obj           # the same as a Python int, made once per tick rather than per access
    cdef public bint lfu                # maxmemory-policy is an LFU one: `access` holds frequencies
    cdef public bint no_shared_ints     # maxmemory with an LRU/LFU policy: small integers are not shared
    cdef public bint child_active       # a fork child exists: leave values' pages alone (no access updates)
    cdef public double lfu_log_factor
    cdef public long long lfu_decay_time

    cdef int run_fast(self, ClientCore c, Command cmd, list argv) except -1
    cpdef execute(self, ClientCore c, list argv)
    cpdef call(self, ClientCore c, Command cmd, list argv)
    cpdef int process_input(self, ClientCore c, Py_ssize_t max_output=*) except -1
    cpdef propagate(self, int dbid, list argv)
    cpdef flush_propagation(self)
