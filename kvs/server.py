"""Server state and the execution core (Redis's server.c): one object holding the databases, the clients, the
statistics and the cron; `execute` runs one command for one client, whatever that client is connected to."""
import os
import time
from time import perf_counter_ns

from kvs import blocking, errors, memory
from kvs._core.engine import Core
from kvs._core.keyspace import compact, table_slots
from kvs._core.resp import ReplyWriter
from kvs.client import MONITOR, NORMAL, REPLY_OFF, REPLY_SKIP, REPLY_SKIP_NEXT, Client
from kvs.commands import table
from kvs.db import Database, expire_step, now_ms
from kvs.evict import EVICT_FAIL, OOM_ERROR, Evictor
from kvs.commands.multi import unwatch_all
from kvs.commands.pubsub import unsubscribe_all
from kvs.log import log
from kvs.persistence.snapshot import LOADING_ERROR, Persistence


class Stats:
    """Counters for INFO stats, reset by CONFIG RESETSTAT."""

    def __init__(self):
        self.reset()

    def reset(self):
        self.connections_received = 0
        self.expired_stale_perc = 0.0
        self.expired_time_cap_reached_count = 0
        self.expire_cycle_cpu_ms = 0
        self.rejected_conn = 0
        self.net_input_bytes = 0
        self.net_output_bytes = 0
        self.total_error_replies = 0
        self.error_counts = {}
        self.client_qbuf_limit_disconnections = 0
        self.client_outbuf_limit_disconnections = 0
        self.evicted_keys = 0
        self.evicted_clients = 0


# What a client inside MULTI may still send when out of memory (processCommand's exceptions).
_NEVER_OOM_IN_MULTI = frozenset({"exec", "discard", "quit", "reset"})


class Server(Core):
    def __init__(self, config):
        super().__init__()
        self.commands = table.COMMANDS
        self.config = config
        self.dbs = [Database(i, self) for i in range(config["databases"])]
        self.lru_clock = int(time.time())
        self.apply_lfu_config()
        self.clients = {}                 # id -> Client, connected ones
        self._next_client_id = 0
        self.stats = Stats()
        self.start_time = time.time()
        self.start_monotonic = time.monotonic()
        self.run_id = os.urandom(20).hex()
        self.replid = os.urandom(20).hex()
        self.ops_samples = [0] * 16          # instantaneous_ops_per_sec, sampled by the cron like Redis
        self.ops_sample_idx = 0
        self.ops_last = (time.monotonic(), 0)
        self.lastsave = int(self.start_time)
        self.listeners = []                # set by the network layer: bound addresses, for INFO/CONFIG
        self.tcp_port = config["port"]
        self.shutdown_asap = False         # set by signals; the cron performs the shutdown
        self.stop_callback = None          # the network layer's way of stopping the event loop
        self.cron_loops = 0
        self.hz = config["hz"]
        self.blocked_clients = 0
        blocking.register_client_unblock()
        self.paused_until = 0
        self.pubsub_channels = {}          # channel -> {client: None}
        self.pubsub_patterns = {}          # pattern -> {client: None}
        self.loop = None                   # the event loop, when there is one (timers for blocked clients)
        self.default_bind = True
        self.obuf_limits = {}
        self.latest_fork_usec = 0
        self.total_forks = 0
        self.stat_dump_payload_sanitizations = 0
        self.active_expire_enabled = True  # DEBUG SET-ACTIVE-EXPIRE
        self.shutdown_signal = None        # "SIGTERM"/"SIGINT" that set shutdown_asap
        self.write_denied = None           # the -MISCONF text while writes are refused
        self.persistence = Persistence(self)
        self.evictor = Evictor(self)

    # -- clients -------------------------------------------------------------------------------------------
    def next_client_id(self) -> int:
        self._next_client_id += 1
        return self._next_client_id

    def create_client(self, conn=None, addr="", laddr="", fd=-1, kind=NORMAL) -> Client:
        c = Client(self, kind, conn, addr, laddr, fd)
        if conn is not None:
            self.clients[c.id] = c
            self.stats.connections_received += 1
        return c

    def client_closed(self, c: Client) -> None:
        self.clients.pop(c.id, None)
        if c.watching:
            unwatch_all(c)
        if c.channels or c.patterns:
            unsubscribe_all(c, notify=False)
        if c.blocked is not None:
            blocking.unblock(c)
        self.clients_pending_write.pop(c, None)
        if c.flags & MONITOR:
            try:
                self.monitors.remove(c)
            except ValueError:
                pass

    # -- the compiled core's callbacks ------------------------------------------------------------------------
    def unknown_command_text(self, argv: list) -> bytes:
        return errors.unknown_command(argv)

    def reject(self, c: Client, text) -> None:
        """A command refused before running (unknown, arity, auth ...); inside MULTI it dooms the transaction
        (EXEC answers EXECABORT), as in Redis."""
        if c.multi_state is not None:
            c.multi_state.aborted = True
        flags = c.flags
        if flags & (REPLY_OFF | REPLY_SKIP):
            # Counted like any error reply, but CLIENT REPLY OFF/SKIP keeps it off the wire.
            saved, c.w = c.w, ReplyWriter()
            self.reply_error(c, text)
            c.w = saved
            c.flags &= ~REPLY_SKIP
        else:
            self.reply_error(c, text)
        if c.flags & REPLY_SKIP_NEXT:
            c.flags = (c.flags & ~REPLY_SKIP_NEXT) | REPLY_SKIP

    def reply_error(self, c: Client, text) -> None:
        stats = self.stats
        stats.total_error_replies += 1
        if isinstance(text, bytes):
            text = text.decode("utf-8", "surrogateescape")
        code = text.split(" ", 1)[0]
        counts = stats.error_counts
        # Redis caps the number of distinct error codes it tracks at 128.
        if code in counts or len(counts) < 128:
            counts[code] = counts.get(code, 0) + 1
        c.w.error(text)

    def handler_crashed(self, c: Client, cmd, exc: Exception) -> None:
        log.warning(f"Error executing '{cmd.fullname}': {type(exc).__name__}: {exc}")
        self.reply_error(c, f"ERR internal error while executing '{cmd.fullname}'")

    def expire_on_access(self, db: Database, key) -> bool:
        """Delete a logically expired key, counted and propagated as DEL. Returns True if the caller must treat
        the key as missing. A replica leaves the key alone until its master's DEL arrives."""
        if self.is_replica:
            return True
        db.delete(key)
        self.expired_keys += 1
        if self.watched_keys:
            self.touch_watched(db, key)
        lazy = self.config["lazyfree-lazy-expire"]
        self.propagate(db.id, [b"UNLINK" if lazy else b"DEL", key])
        return True

    # -- WATCH -------------------------------------------------------------------------------------------------
    def touch_watched(self, db, key) -> None:
        """A key changed: transactions of clients WATCHing it will fail (Redis's signalModifiedKey)."""
        watchers = self.watched_keys.get((db.id, key))
        if watchers:
            for w in watchers:
                w.multi_dirty = True

    def touch_command_keys(self, c, cmd, argv) -> None:
        """Called by the core after a command changed data while some client WATCHes keys: the command's key
        arguments count as modified."""
        db = c.db
        fn = cmd.written_keys_fn
        for i in (fn(cmd, argv) if fn is not None else cmd.key_indexes(argv)):
            if i < len(argv):
                self.touch_watched(db, argv[i])

    def touch_all_watched(self, db) -> None:
        """FLUSHDB/FLUSHALL: every watched key that exists in `db` is modified."""
        self.touch_all_watched_keys_of(db, db)

    def touch_all_watched_keys_of(self, watched_db, contents_db) -> None:
        """Keys watched in `watched_db` that exist in `contents_db` are modified (SWAPDB checks both ways)."""
        for (dbid, key), watchers in self.watched_keys.items():
            if dbid == watched_db.id and key in contents_db.keys:
                for w in watchers:
                    w.multi_dirty = True

    def after_flushall(self) -> None:
        """Redis 7.0: FLUSHALL stops a BGSAVE in progress and, with save points, saves the empty dataset."""
        self.persistence.after_flushall()

    # -- refusing commands before they run (maxmemory, disk errors, loading) ---------------------------------------
    def refresh_gates(self) -> None:
        """Route commands through `_gated_execute` only while something must refuse them (loading the dataset,
        -MISCONF after a failed background save, maxmemory: eviction first, then -OOM). The compiled core dispatches `execute` through the instance
        when it is overridden there, so the usual path pays nothing for these checks."""
        self.write_denied = self.persistence.write_error()
        if self.loading or self.write_denied is not None or self.config["maxmemory"]:
            self.__dict__["execute"] = self._gated_execute
        else:
            self.__dict__.pop("execute", None)

    def _gated_execute(self, c, argv) -> None:
        # Only what a normal client sends is refused: the master link and the AOF loader must apply everything.
        if c.kind == NORMAL:
            cmd = self.commands.get(argv[0].lower())
            if cmd is not None and cmd.subcommands is not None and len(argv) >= 2:
                cmd = cmd.subcommands.get(argv[1].lower())
            # Unknown commands, bad arity and missing AUTH get the core's own errors first, as in Redis.
            if cmd is not None and cmd.arity_ok(len(argv)) and (c.authenticated or cmd.no_auth):
                text = None
                queued = c.multi_state.queued if cmd.fullname == "exec" and c.multi_state is not None else ()
                if self.config["maxmemory"] and self.evictor.perform() == EVICT_FAIL and (
                        "denyoom" in cmd.flags or any("denyoom" in q.flags for q, _ in queued) or (
                            c.multi_state is not None and cmd.fullname not in _NEVER_OOM_IN_MULTI)):
                    # Inside MULTI even queuing is refused: a transaction could otherwise grow without bound.
                    text = OOM_ERROR
                elif self.write_denied is not None and (
                        cmd.is_write or cmd.fullname == "ping" or any(q.is_write for q, _ in queued)):
                    text = self.write_denied
                elif self.loading and ("loading" not in cmd.flags or
                                       any("loading" not in q.flags for q, _ in queued)):
                    text = LOADING_ERROR
                if text is not None:
                    cmd.rejected_calls += 1
                    self.reject(c, text)
                    return
        Core.execute(self, c, argv)

    # -- monitor -------------------------------------------------------------------------------------------
    def feed_monitors(self, c: Client, argv: list) -> None:
        now = time.time()
        origin = c.addr or "AOF"
        parts = [f"{now:.6f} [{c.db.id} {origin}]".encode()]
        for a in argv:
            parts.append(b'"' + _monitor_escape(a) + b'"')
        line = b" ".join(parts)
        for m in self.monitors:
            m.w.simple(line)
            self.pending_write(m)

    def pending_write(self, c) -> None:
        """`c` got output outside its own command: flush it once the current read is done."""
        if c.conn is not None:
            self.clients_pending_write[c] = None

    def handle_pending_writes(self) -> None:
        pending_input = self.clients_pending_input
        while pending_input:
            c = next(iter(pending_input))
            del pending_input[c]
            self.clients_pending_write.pop(c, None)
            if c.conn is not None and c.blocked is None:
                c.conn.run_commands()
        pending = self.clients_pending_write
        while pending:
            c = next(iter(pending))
            del pending[c]
            c.conn.flush()

    # -- blocked clients ---------------------------------------------------------------------------------------
    def signal_command_keys(self, c, cmd, argv) -> None:
        blocking.signal_command_keys(self, c, cmd, argv)

    def serve_ready_keys(self) -> None:
        blocking.serve_ready_keys(self)

    # -- statistics ------------------------------------------------------------------------------------------
    def reset_stats(self) -> None:
        self.stats.reset()
        self.commands_processed = self.keyspace_hits = self.keyspace_misses = self.expired_keys = 0
        self.net_input_bytes = self.net_output_bytes = self.reads_processed = self.writes_processed = 0
        for cmd in table.all_commands():
            cmd.reset_stats()
            for sub in (cmd.subcommands or {}).values():
                sub.reset_stats()
        self.latest_fork_usec = self.total_forks = self.stat_dump_payload_sanitizations = 0
        self.persistence.reset_stats()
        self.evictor.reset_stats()

    def sample_ops(self) -> None:
        t, n = self.ops_last
        now = time.monotonic()
        done = self.commands_processed
        if now > t:
            self.ops_samples[self.ops_sample_idx] = int((done - n) / (now - t))
            self.ops_sample_idx = (self.ops_sample_idx + 1) % len(self.ops_samples)
        self.ops_last = (now, done)

    def ops_per_sec(self) -> int:
        return sum(self.ops_samples) // len(self.ops_samples)

    # -- configuration changes -------------------------------------------------------------------------------
    def install_config_hooks(self) -> None:
        """React to CONFIG SET of directives that change running state."""
        cfg = self.config
        self.apply_obuf_limits()

        def on_lfu(_cfg, old, new):
            self.apply_lfu_config()

        for name in ("maxmemory", "maxmemory-policy", "lfu-log-factor", "lfu-decay-time"):
            cfg.on_apply(name, on_lfu)

        def on_hz(_cfg, old, new):
            self.hz = max(1, min(int(new), 500))

        def on_requirepass(_cfg, old, new):
            for c in self.clients.values():
                if not new:
                    c.set_authenticated(True)

        def on_obuf(_cfg, old, new):
            self.apply_obuf_limits()

        def on_log(_cfg, old, new):
            log.configure(cfg["loglevel"], cfg["logfile"])

        def on_max_bulk(_cfg, old, new):
            for c in self.clients.values():
                c.parser.max_bulk_len = new

        cfg.on_apply("hz", on_hz)
        cfg.on_apply("requirepass", on_requirepass)
        cfg.on_apply("client-output-buffer-limit", on_obuf)
        cfg.on_apply("loglevel", on_log)
        cfg.on_apply("logfile", on_log)
        cfg.on_apply("proto-max-bulk-len", on_max_bulk)

        def on_persistence(_cfg, old, new):
            self.refresh_gates()

        cfg.on_apply("save", on_persistence)
        cfg.on_apply("stop-writes-on-bgsave-error", on_persistence)

        def on_maxmemory(_cfg, old, new):
            self.refresh_gates()
            used = memory.gauge.exact()
            if new and new < used:
                log.warning(f"WARNING: the new maxmemory value set via CONFIG SET ({new}) is smaller than the "
                            f"current memory usage ({used}). This will result in key eviction and/or the "
                            f"inability to accept new write commands depending on the maxmemory-policy.")
                self.evictor.start_background()

        cfg.on_apply("maxmemory", on_maxmemory)
        self.refresh_gates()

    def apply_lfu_config(self) -> None:
        cfg = self.config
        self.lfu = "lfu" in cfg["maxmemory-policy"]
        # Redis stops sharing small integers once maxmemory is set with an LRU or LFU policy.
        self.no_shared_ints = bool(cfg["maxmemory"]) and ("lru" in cfg["maxmemory-policy"] or self.lfu)
        self.lfu_log_factor = cfg["lfu-log-factor"]
        self.lfu_decay_time = cfg["lfu-decay-time"]

    def apply_obuf_limits(self) -> None:
        self.obuf_limits = dict(self.config["client-output-buffer-limit"])
        # Only the classes a connection can be in here (replicas have their own path) are checked per write.
        self.obuf_normal_active = any(self.obuf_limits["normal"][:2])
        self.obuf_pubsub_active = any(self.obuf_limits["pubsub"][:2])

    # -- cron ------------------------------------------------------------------------------------------------
    def cron(self) -> None:
        """Runs `hz` times per second (Redis's serverCron): active expiry, client timeouts, shutdown requests."""
        self.cron_loops += 1
        self.lru_clock = int(time.time())
        if self.clients_pending_write:
            self.handle_pending_writes()
        if self.shutdown_asap:
            self.shutdown_asap = False
            flags = self.config["shutdown-on-sigint" if self.shutdown_signal == "SIGINT" else "shutdown-on-sigterm"]
            flags = flags.split()
            if self.prepare_shutdown(nosave="nosave" in flags, save="save" in flags, signal=True,
                                     force="force" in flags):
                return
        # While the dataset loads (in another thread at start-up) there is nothing to expire or snapshot yet.
        if self.active_expire_enabled and not self.loading:
            self.active_expire_cycle()
        self.persistence.cron()
        if self.blocking_keys:
            blocking.check_timeouts(self)
        if self.cron_loops % max(self.hz // 10, 1) == 0:
            self.sample_ops()
        if self.cron_loops % self.hz == 0:
            self.clients_cron()
        if not self.child_active and not self.loading:
            self.shrink_tables()

    def shrink_tables(self) -> None:
        """Like Redis's tryResizeHashTables: a table filled below 10% (mass deletion, eviction) is rebuilt to fit,
        since a dict never shrinks by itself. Skipped while a snapshot child runs (it would copy the pages)."""
        for db in self.dbs:
            for d in (db.keys, db.expires, db.access):
                slots = table_slots(d)
                if slots > 1024 and len(d) * 10 < slots:
                    compact(d)

    def active_expire_cycle(self) -> None:
        if self.is_replica:
            return
        # Redis spends at most 25% of CPU on this: 25 ms per 100 ms tick at hz 10.
        deadline = perf_counter_ns() + 250_000_000 // self.hz
        now = now_ms()
        t0 = perf_counter_ns()
        for db in self.dbs:
            if not db.expires:
                continue
            while True:
                checked, expired = expire_step(db, now, 20)
                # Keep going on this db while more than a quarter of the sample was expired, like Redis.
                if checked == 0 or expired * 4 <= checked:
                    break
                if perf_counter_ns() > deadline:
                    self.stats.expired_time_cap_reached_count += 1
                    break
        self.stats.expire_cycle_cpu_ms += (perf_counter_ns() - t0) // 1_000_000

    def clients_cron(self) -> None:
        timeout = self.config["timeout"]
        if not timeout:
            return
        now = time.monotonic()
        for c in list(self.clients.values()):
            if c.kind == NORMAL and not (c.flags & MONITOR) and now - c.last_interaction > timeout:
                log.verbose("Closing idle client")
                c.close()

    # -- shutdown --------------------------------------------------------------------------------------------
    def prepare_shutdown(self, nosave=False, save=False, signal=False, force=False) -> bool:
        """Final steps before exit (Redis's prepareForShutdown). Returns True when the server may exit."""
        log.warning("User requested shutdown...")
        if not self.persistence.shutdown_save(nosave=nosave, save=save, force=force):
            log.warning("Errors trying to shut down the server. Check the logs for more information.")
            return False
        pidfile = self.config["pidfile"]
        if pidfile:
            log.notice("Removing the pid file.")
            try:
                os.unlink(pidfile)
            except OSError:
                pass
        for path in self.config["unixsocket"] and [self.config["unixsocket"]] or []:
            try:
                os.unlink(path)
            except OSError:
                pass
        log.warning("kvs is now ready to exit, bye bye...")
        if self.stop_callback is not None:
            self.stop_callback()
        return True


def _monitor_escape(a: bytes) -> bytes:
    """MONITOR prints arguments the way Redis's sdscatrepr does."""
    out = bytearray()
    for ch in a:
        if ch == 0x5C or ch == 0x22:
            out += b"\\" + bytes((ch,))
        elif ch == 10:
            out += b"\\n"
        elif ch == 13:
            out += b"\\r"
        elif ch == 9:
            out += b"\\t"
        elif ch == 7:
            out += b"\\a"
        elif ch == 8:
            out += b"\\b"
        elif 32 <= ch < 127:
            out.append(ch)
        else:
            out += b"\\x%02x" % ch
    return bytes(out)
