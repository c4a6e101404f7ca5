"""INFO: the same sections and field names as Redis 7.0, filled from kvs's own state."""
import os
import platform
import resource
import sys
import time

import kvs
from kvs import memory

DEFAULT_SECTIONS = ("server", "clients", "memory", "persistence", "stats", "replication", "cpu", "modules",
                    "errorstats", "cluster", "keyspace")
# What the process holds before any data, for used_memory_startup/overhead (the server may record a later value).
_STARTUP_MEMORY = memory.used_memory()
# Redis's order when several sections are shown.
ALL_SECTIONS = ("server", "clients", "memory", "persistence", "stats", "replication", "cpu", "modules",
                "commandstats", "errorstats", "latencystats", "cluster", "keyspace")


def _section(title: str, fields) -> str:
    return f"# {title}\r\n" + "".join(f"{k}:{v}\r\n" for k, v in fields)


def server_section(s):
    now = time.time()
    uptime = int(now - s.start_time)
    cfg = s.config
    return [
        ("redis_version", kvs.REDIS_VERSION),
        ("redis_git_sha1", "00000000"),
        ("redis_git_dirty", 0),
        ("redis_build_id", "0"),
        ("redis_mode", "standalone"),
        ("os", f"{platform.system()} {platform.release()} {platform.machine()}"),
        ("arch_bits", 64),
        ("monotonic_clock", "POSIX clock_gettime"),
        ("multiplexing_api", "epoll"),
        ("atomicvar_api", "c11-builtin"),
        ("gcc_version", "0.0.0"),
        ("process_id", os.getpid()),
        ("process_supervised", "no"),
        ("run_id", s.run_id),
        ("tcp_port", cfg["port"]),
        ("server_time_usec", int(now * 1_000_000)),
        ("uptime_in_seconds", uptime),
        ("uptime_in_days", uptime // 86400),
        ("hz", s.hz),
        ("configured_hz", cfg["hz"]),
        ("lru_clock", int(now) & ((1 << 24) - 1)),
        ("executable", os.path.abspath(sys.argv[0]) if sys.argv and sys.argv[0] else ""),
        ("config_file", cfg.config_file or ""),
        ("io_threads_active", 0),
        ("kvs_version", kvs.__version__),
        ("python_version", platform.python_version()),
    ]


def _clients_with_timeout(s) -> int:
    """Blocked clients that have a deadline (Redis keeps those in its timeout table)."""
    waiting = {c for cs in getattr(s, "blocking_keys", {}).values() for c in cs}
    return sum(1 for c in waiting if getattr(getattr(c, "blocked", None), "deadline", 0))


def clients_section(s):
    return [
        ("connected_clients", len(s.clients)),
        ("cluster_connections", 0),
        ("maxclients", s.config["maxclients"]),
        ("client_recent_max_input_buffer", 0),
        ("client_recent_max_output_buffer", 0),
        ("blocked_clients", s.blocked_clients),
        ("tracking_clients", 0),
        ("clients_in_timeout_table", _clients_with_timeout(s)),
    ]


def _perc(part, whole) -> str:
    return f"{part * 100 / whole:.2f}%"


def _ratio(a, b) -> str:
    return f"{a / b:.2f}" if b else "0.00"


def _client_buffers(s) -> int:
    """Bytes buffered for normal clients: unparsed input plus replies not yet sent."""
    total = 0
    for c in s.clients.values():
        total += c.parser.pending + len(c.w)
        conn = c.conn
        if conn is not None and hasattr(conn, "output_pending"):
            total += conn.output_pending()
    return total


def memory_section(s):
    # Redis 7.0's field list and order. kvs has no jemalloc, Lua or functions: allocator figures come from
    # malloc's own count (active == allocated, resident == RSS), script and function memory is zero, and the
    # overhead is approximated by the memory in use at start-up.
    used = memory.gauge.exact()
    s.peak_memory = max(getattr(s, "peak_memory", 0), used)
    rss = memory.rss()
    total = memory.total_system_memory()
    maxmem = s.config["maxmemory"]
    startup = getattr(s, "startup_memory", _STARTUP_MEMORY)
    overhead = min(startup, used)
    dataset = used - overhead
    net = max(used - startup, 1)
    return [
        ("used_memory", used),
        ("used_memory_human", memory.human(used)),
        ("used_memory_rss", rss),
        ("used_memory_rss_human", memory.human(rss)),
        ("used_memory_peak", s.peak_memory),
        ("used_memory_peak_human", memory.human(s.peak_memory)),
        ("used_memory_peak_perc", _perc(used, s.peak_memory) if s.peak_memory else "0.00%"),
        ("used_memory_overhead", overhead),
        ("used_memory_startup", startup),
        ("used_memory_dataset", dataset),
        ("used_memory_dataset_perc", _perc(min(dataset, net), net)),
        ("allocator_allocated", used),
        ("allocator_active", used),
        ("allocator_resident", rss),
        ("total_system_memory", total),
        ("total_system_memory_human", memory.human(total)),
        ("used_memory_lua", 0),
        ("used_memory_vm_eval", 0),
        ("used_memory_lua_human", memory.human(0)),
        ("used_memory_scripts_eval", 0),
        ("number_of_cached_scripts", 0),
        ("number_of_functions", 0),
        ("number_of_libraries", 0),
        ("used_memory_vm_functions", 0),
        ("used_memory_vm_total", 0),
        ("used_memory_vm_total_human", memory.human(0)),
        ("used_memory_functions", 0),
        ("used_memory_scripts", 0),
        ("used_memory_scripts_human", memory.human(0)),
        ("maxmemory", maxmem),
        ("maxmemory_human", memory.human(maxmem)),
        ("maxmemory_policy", s.config["maxmemory-policy"]),
        ("allocator_frag_ratio", _ratio(used, used)),
        ("allocator_frag_bytes", 0),
        ("allocator_rss_ratio", _ratio(rss, used)),
        ("allocator_rss_bytes", rss - used),
        ("rss_overhead_ratio", _ratio(rss, rss)),
        ("rss_overhead_bytes", 0),
        ("mem_fragmentation_ratio", _ratio(rss, used)),
        ("mem_fragmentation_bytes", rss - used),
        ("mem_not_counted_for_evict", 0),
        ("mem_replication_backlog", 0),
        ("mem_total_replication_buffers", 0),
        ("mem_clients_slaves", 0),
        ("mem_clients_normal", _client_buffers(s)),
        ("mem_cluster_links", 0),
        ("mem_aof_buffer", 0),
        ("mem_allocator", "libc"),
        ("active_defrag_running", 0),
        ("lazyfree_pending_objects", 0),
        ("lazyfreed_objects", 0),
    ]


def persistence_section(s):
    p = getattr(s, "persistence", None)
    if p is not None:
        return p.info_fields()
    return [
        ("loading", 0), ("async_loading", 0), ("current_cow_peak", 0), ("current_cow_size", 0),
        ("current_cow_size_age", 0), ("current_fork_perc", "0.00"), ("current_save_keys_processed", 0),
        ("current_save_keys_total", 0), ("rdb_changes_since_last_save", s.dirty), ("rdb_bgsave_in_progress", 0),
        ("rdb_last_save_time", s.lastsave), ("rdb_last_bgsave_status", "ok"), ("rdb_last_bgsave_time_sec", -1),
        ("rdb_current_bgsave_time_sec", -1), ("rdb_saves", 0), ("rdb_last_cow_size", 0),
        ("rdb_last_load_keys_expired", 0), ("rdb_last_load_keys_loaded", 0), ("aof_enabled", 0),
        ("aof_rewrite_in_progress", 0), ("aof_rewrite_scheduled", 0), ("aof_last_rewrite_time_sec", -1),
        ("aof_current_rewrite_time_sec", -1), ("aof_last_bgrewrite_status", "ok"), ("aof_rewrites", 0),
        ("aof_rewrites_consecutive_failures", 0), ("aof_last_write_status", "ok"), ("aof_last_cow_size", 0),
        ("module_fork_in_progress", 0), ("module_fork_last_cow_size", 0),
    ]


def stats_section(s):
    st = s.stats
    return [
        ("total_connections_received", st.connections_received),
        ("total_commands_processed", s.commands_processed),
        ("instantaneous_ops_per_sec", s.ops_per_sec()),
        ("total_net_input_bytes", s.net_input_bytes),
        ("total_net_output_bytes", s.net_output_bytes),
        ("total_net_repl_input_bytes", 0),
        ("total_net_repl_output_bytes", 0),
        ("instantaneous_input_kbps", "0.00"),
        ("instantaneous_output_kbps", "0.00"),
        ("instantaneous_input_repl_kbps", "0.00"),
        ("instantaneous_output_repl_kbps", "0.00"),
        ("rejected_connections", st.rejected_conn),
        ("sync_full", 0),
        ("sync_partial_ok", 0),
        ("sync_partial_err", 0),
        ("expired_keys", s.expired_keys),
        ("expired_stale_perc", f"{st.expired_stale_perc:.2f}"),
        ("expired_time_cap_reached_count", st.expired_time_cap_reached_count),
        ("expire_cycle_cpu_milliseconds", st.expire_cycle_cpu_ms),
        ("evicted_keys", st.evicted_keys),
        ("evicted_clients", st.evicted_clients),
        *s.evictor.info_fields(),
        ("keyspace_hits", s.keyspace_hits),
        ("keyspace_misses", s.keyspace_misses),
        ("pubsub_channels", len(getattr(s, "pubsub_channels", ()))),
        ("pubsub_patterns", len(getattr(s, "pubsub_patterns", ()))),
        ("pubsubshard_channels", 0),
        ("latest_fork_usec", getattr(s, "latest_fork_usec", 0)),
        ("total_forks", getattr(s, "total_forks", 0)),
        ("migrate_cached_sockets", 0),
        ("slave_expires_tracked_keys", 0),
        ("active_defrag_hits", 0),
        ("active_defrag_misses", 0),
        ("active_defrag_key_hits", 0),
        ("active_defrag_key_misses", 0),
        ("total_active_defrag_time", 0),
        ("current_active_defrag_time", 0),
        ("tracking_total_keys", 0),
        ("tracking_total_items", 0),
        ("tracking_total_prefixes", 0),
        ("unexpected_error_replies", 0),
        ("total_error_replies", st.total_error_replies),
        ("dump_payload_sanitizations", getattr(s, "stat_dump_payload_sanitizations", 0)),
        ("total_reads_processed", s.reads_processed),
        ("total_writes_processed", s.writes_processed),
        ("io_threaded_reads_processed", 0),
        ("io_threaded_writes_processed", 0),
        ("reply_buffer_shrinks", 0),
        ("reply_buffer_expands", 0),
        # Not in Redis 7.0 (7.2 added them): extra fields go after Redis's own.
        ("client_query_buffer_limit_disconnections", st.client_qbuf_limit_disconnections),
        ("client_output_buffer_limit_disconnections", st.client_outbuf_limit_disconnections),
    ]


def replication_section(s):
    r = getattr(s, "replication", None)
    if r is not None:
        return r.info_fields()
    return [
        ("role", "master"), ("connected_slaves", 0), ("master_failover_state", "no-failover"),
        ("master_replid", s.replid), ("master_replid2", "0" * 40), ("master_repl_offset", 0),
        ("second_repl_offset", -1), ("repl_backlog_active", 0), ("repl_backlog_size", s.config["repl-backlog-size"]),
        ("repl_backlog_first_byte_offset", 0), ("repl_backlog_histlen", 0),
    ]


def cpu_section(s):
    me = resource.getrusage(resource.RUSAGE_SELF)
    ch = resource.getrusage(resource.RUSAGE_CHILDREN)
    return [
        ("used_cpu_sys", f"{me.ru_stime:.6f}"),
        ("used_cpu_user", f"{me.ru_utime:.6f}"),
        ("used_cpu_sys_children", f"{ch.ru_stime:.6f}"),
        ("used_cpu_user_children", f"{ch.ru_utime:.6f}"),
        ("used_cpu_sys_main_thread", f"{me.ru_stime:.6f}"),
        ("used_cpu_user_main_thread", f"{me.ru_utime:.6f}"),
    ]


def commandstats_section(s):
    from kvs.commands.table import all_commands

    out = []
    for cmd in all_commands():
        for c in [cmd] + list((cmd.subcommands or {}).values()):
            if c.calls or c.failed_calls or c.rejected_calls:
                usec = c.nsec // 1000
                per = usec / c.calls if c.calls else 0.0
                out.append((f"cmdstat_{c.fullname}",
                            f"calls={c.calls},usec={usec},usec_per_call={per:.2f},"
                            f"rejected_calls={c.rejected_calls},failed_calls={c.failed_calls}"))
    return out


def errorstats_section(s):
    return [(f"errorstat_{code}", f"count={n}") for code, n in sorted(s.stats.error_counts.items())]


def _pct_label(p: float) -> str:
    # "%f" with trailing zeros (and a bare point) trimmed, as Redis labels the percentiles: p50, p99.9
    t = f"{p:f}"
    return t.rstrip("0").rstrip(".") if "." in t else t


def latencystats_section(s):
    """One line per command that ran, in Redis's format. kvs keeps no per-call latency histogram, so every
    percentile is estimated by the mean time per call."""
    from kvs.commands.table import all_commands

    if not s.config["latency-tracking"]:
        return []
    pcts = s.config["latency-tracking-info-percentiles"]
    out = []
    for cmd in all_commands():
        for c in [cmd] + list((cmd.subcommands or {}).values()):
            if c.calls:
                mean = c.nsec / c.calls / 1000
                out.append((f"latency_percentiles_usec_{c.fullname}",
                            ",".join(f"p{_pct_label(p)}={mean:.3f}" for p in pcts)))
    return out


def keyspace_section(s):
    return [(f"db{db.id}", f"keys={len(db.keys)},expires={len(db.expires)},avg_ttl={db.avg_ttl}")
            for db in s.dbs if db.keys]


SECTIONS = {
    "server": ("Server", server_section),
    "clients": ("Clients", clients_section),
    "memory": ("Memory", memory_section),
    "persistence": ("Persistence", persistence_section),
    "stats": ("Stats", stats_section),
    "replication": ("Replication", replication_section),
    "cpu": ("CPU", cpu_section),
    "modules": ("Modules", lambda s: []),
    "commandstats": ("Commandstats", commandstats_section),
    "errorstats": ("Errorstats", errorstats_section),
    "latencystats": ("Latencystats", latencystats_section),
    "cluster": ("Cluster", lambda s: [("cluster_enabled", 0)]),
    "keyspace": ("Keyspace", keyspace_section),
}


def generate(server, names) -> str:
    """The INFO text for the requested section names (none = the default set, `all`, `everything`)."""
    wanted = []
    if not names:
        wanted = list(DEFAULT_SECTIONS)
    for n in names:
        n = n.lower()
        if n in ("all", "everything"):
            wanted.extend(ALL_SECTIONS)
        elif n == "default":
            wanted.extend(DEFAULT_SECTIONS)
        elif n in SECTIONS:
            wanted.append(n)
    seen = set()
    parts = []
    for n in ALL_SECTIONS:
        if n in wanted and n not in seen:
            seen.add(n)
            title, fn = SECTIONS[n]
            parts.append(_section(title, fn(server)))
    return "\r\n".join(parts)
