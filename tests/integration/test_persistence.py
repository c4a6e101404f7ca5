"""RDB persistence as processes see it: SAVE/BGSAVE files, restarts that load them (TTLs included), save points
fired by the cron, -MISCONF after a failed background save and its recovery, SHUTDOWN saves, refusing to start
on a corrupt dump, INFO persistence, LASTSAVE, DEBUG RELOAD, kvs-check-rdb, and serving while a child saves.
Where Redis's behaviour is observable the same way, redis-server 7.0 runs the same scenario and the replies are
compared byte for byte."""
import glob
import os
import re
import shutil
import signal
import subprocess
import sys
import time

import pytest
import redis

from tests.conftest import require_redis_tools
from tests.procs import free_port, kvs_argv, redis_server_path, start_kvs, start_redis
from tests.rawconn import RawConn

DEBUG_ON = ("--enable-debug-command", "yes")
MISCONF = (b"-MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. "
           b"Commands that may modify the data set are disabled, because this instance is configured to report "
           b"errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check "
           b"the Redis logs for details about the RDB error.\r\n")


# -- helpers -----------------------------------------------------------------------------------------------------
def wait_for(pred, timeout=15.0, interval=0.02, what="condition"):
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(interval)


def persistence(r) -> dict:
    return r.info("persistence")


def wait_loaded(r, timeout=30.0):
    def done():
        try:
            return persistence(r)["loading"] == 0
        except redis.exceptions.BusyLoadingError:
            return False
    wait_for(done, timeout, what="the dataset to load")


def wait_bgsave_done(r, timeout=60.0):
    wait_for(lambda: persistence(r)["rdb_bgsave_in_progress"] == 0, timeout, what="the BGSAVE child to end")


def wait_log(srv, pattern, timeout=15.0):
    rx = re.compile(pattern, re.M)
    return wait_for(lambda: rx.search(srv.output()), timeout, what=f"log line {pattern!r}")


def fill(r):
    """One of everything, in two databases, with TTLs."""
    r.set("s:int", 12345)
    r.set("s:raw", "hello world")
    r.set("s:long", "x" * 5000)
    r.set("s:bin", bytes(range(256)))
    r.set("s:ttl", "soon", px=600_000)
    r.rpush("l:small", "a", "b", 7, -3)
    r.rpush("l:big", *[f"element-{i}" * 3 for i in range(3000)])
    r.hset("h:small", mapping={"f1": "v1", "f2": 2})
    r.hset("h:big", mapping={f"field{i}": f"value{i}" * 10 for i in range(600)})
    r.sadd("set:int", 1, 2, 3, 100000)
    r.sadd("set:str", "a", "b", "c")
    r.sadd("set:big", *range(1000))
    r.zadd("z:small", {"m1": 1.5, "m2": -2, "m3": float("inf")})
    r.zadd("z:big", {f"member{i}": i / 7 for i in range(500)})
    r.expire("z:big", 900)
    r.xadd("st", {"f": "v"}, id="1-1")
    r.xadd("st", {"f": "w", "g": "x"}, id="1-2")
    r.xgroup_create("st", "grp", id="0")
    r.xreadgroup("grp", "alice", {"st": ">"}, count=1)
    r.execute_command("SELECT", 3)
    r.set("db3:key", "in three")
    r.execute_command("SELECT", 0)


def snapshot(r, db=0):
    """Every key's type, TTL bucket and contents, through commands."""
    r.execute_command("SELECT", db)
    out = {}
    for key in sorted(r.keys("*")):
        t = r.type(key).decode()
        if t == "string":
            v = r.get(key)
        elif t == "list":
            v = r.lrange(key, 0, -1)
        elif t == "hash":
            v = sorted(r.hgetall(key).items())
        elif t == "set":
            v = sorted(r.smembers(key))
        elif t == "zset":
            v = r.zrange(key, 0, -1, withscores=True)
        elif t == "stream":
            v = (r.xrange(key), r.xinfo_groups(key), r.xpending(key, "grp") if r.xinfo_groups(key) else None)
        else:
            v = None
        pttl = r.pttl(key)
        out[key] = (t, v, pttl > 0)
    r.execute_command("SELECT", 0)
    return out


def raw_info_fields(conn, section="persistence"):
    text = conn.call("INFO", section)
    body = text.split(b"\r\n", 1)[1].decode()
    return [line.split(":", 1)[0] for line in body.split("\r\n") if ":" in line]


def check_rdb_tool(path):
    return subprocess.run(["redis-check-rdb", str(path)], capture_output=True, text=True, timeout=60)


def kvs_check_rdb(path):
    return subprocess.run([sys.executable, "-m", "kvs.check_rdb", str(path)], capture_output=True, text=True,
                          timeout=60)


def shutdown(srv, *args):
    """SHUTDOWN [args]: no reply, the connection closes, the process exits 0."""
    conn = RawConn(srv.port)
    conn.send(b"*%d\r\n$8\r\nSHUTDOWN\r\n" % (1 + len(args))
              + b"".join(b"$%d\r\n%s\r\n" % (len(a), a.encode()) for a in args))
    assert conn.at_eof(timeout=10)
    assert srv.proc.wait(10) == 0


def run_until_exit(argv, cwd, timeout=30):
    return subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=timeout)


# -- SAVE and restart ------------------------------------------------------------------------------------------------
def test_save_writes_the_file_and_a_restart_loads_it_with_ttls(tmp_path):
    srv = start_kvs(workdir=str(tmp_path))
    try:
        r = redis.Redis(port=srv.port)
        start_lastsave = r.lastsave()
        fill(r)
        before0, before3 = snapshot(r, 0), snapshot(r, 3)
        ttl = r.pttl("s:ttl")
        time.sleep(1.1)
        r.set("gone", "x", px=300)
        assert RawConn(srv.port).call("SAVE") == b"+OK\r\n"
        assert (tmp_path / "dump.rdb").exists()
        assert not glob.glob(str(tmp_path / "temp-*.rdb"))
        p = persistence(r)
        assert p["rdb_changes_since_last_save"] == 0
        assert p["rdb_saves"] == 1 and p["rdb_last_bgsave_status"] == "ok"
        assert r.lastsave() > start_lastsave
        assert "* DB saved on disk" in srv.output()
        time.sleep(0.5)   # "gone" expires while the server is down
    finally:
        srv.stop()
    if redis_server_path():
        assert check_rdb_tool(tmp_path / "dump.rdb").returncode == 0
    srv = start_kvs(workdir=str(tmp_path))
    try:
        r = redis.Redis(port=srv.port)
        wait_loaded(r)
        assert snapshot(r, 0) == before0
        assert snapshot(r, 3) == before3
        assert 0 < r.pttl("s:ttl") <= ttl
        p = persistence(r)
        assert p["rdb_last_load_keys_loaded"] == len(before0) + len(before3)
        assert p["rdb_last_load_keys_expired"] == 1
        assert p["rdb_changes_since_last_save"] == 0
        log = srv.output()
        log = log[log.rindex("kvs is starting"):]       # this run only: the log file is shared
        assert re.search(r"\* Loading RDB produced by version 7\.0\.15$", log, re.M)
        assert re.search(r"\* RDB age \d+ seconds$", log, re.M)
        assert re.search(r"\* RDB memory usage when created \d+\.\d\d Mb$", log, re.M)
        n = len(before0) + len(before3)
        assert f"* Done loading RDB, keys loaded: {n}, keys expired: 1." in log
        assert re.search(r"\* DB loaded from disk: \d+\.\d{3} seconds$", log, re.M)
        assert log.index("Server initialized") < log.index("Done loading RDB") < \
            log.index("Ready to accept connections")
    finally:
        srv.stop()


def test_lastsave_starts_at_start_time_and_follows_saves(tmp_path):
    t0 = int(time.time())
    srv = start_kvs(workdir=str(tmp_path))
    try:
        r = redis.Redis(port=srv.port)
        first = r.lastsave().timestamp()
        assert t0 - 1 <= first <= time.time()
        assert persistence(r)["rdb_last_save_time"] == int(first)
        time.sleep(1.1)
        r.save()
        assert r.lastsave().timestamp() > first
        assert RawConn(srv.port).call("LASTSAVE", "x") == b"-ERR wrong number of arguments for 'lastsave' command\r\n"
    finally:
        srv.stop()


# -- BGSAVE ------------------------------------------------------------------------------------------------------
def test_bgsave_replies_progress_and_final_state(tmp_path):
    srv = start_kvs(*DEBUG_ON, "--rdb-key-save-delay", "100", workdir=str(tmp_path))
    try:
        r = redis.Redis(port=srv.port)
        conn = RawConn(srv.port)
        r.execute_command("DEBUG", "POPULATE", 20000)
        r.set("counted", 1)             # DEBUG POPULATE itself does not count as changes
        assert persistence(r)["rdb_changes_since_last_save"] == 1
        assert conn.call("BGSAVE") == b"+Background saving started\r\n"
        assert conn.call("BGSAVE") == b"-ERR Background save already in progress\r\n"
        assert conn.call("BGSAVE", "SCHEDULE") == b"-ERR Background save already in progress\r\n"
        assert conn.call("SAVE") == b"-ERR Background save already in progress\r\n"
        p = persistence(r)
        assert p["rdb_bgsave_in_progress"] == 1
        assert p["current_save_keys_total"] == 20001
        assert p["rdb_current_bgsave_time_sec"] >= 0
        # The parent keeps serving reads and writes while the child writes the snapshot.
        for i in range(200):
            t = time.perf_counter()
            assert r.set(f"during:{i}", i)
            assert r.get(f"during:{i}") == str(i).encode()
            assert time.perf_counter() - t < 0.5
        wait_for(lambda: persistence(r)["current_save_keys_processed"] > 0, 10, what="child progress")
        p = persistence(r)
        assert 0 < float(p["current_fork_perc"]) <= 100
        assert p["current_cow_size_age"] >= 0
        wait_bgsave_done(r)
        p = persistence(r)
        assert p["rdb_last_bgsave_status"] == "ok"
        assert p["rdb_saves"] == 1
        assert p["rdb_last_bgsave_time_sec"] >= 0 and p["rdb_current_bgsave_time_sec"] == -1
        assert p["rdb_last_cow_size"] > 0
        # Only what changed since the fork is still unsaved.
        assert p["rdb_changes_since_last_save"] == 200
        assert p["current_save_keys_total"] == 0 and float(p["current_fork_perc"]) == 0
        stats = r.info("stats")
        assert stats["total_forks"] == 1 and stats["latest_fork_usec"] > 0
        log = srv.output()
        m = re.search(r"^(\d+):M .* \* Background saving started by pid (\d+)$", log, re.M)
        assert m
        child = m.group(2)
        assert re.search(rf"^{child}:C .* \* DB saved on disk$", log, re.M)
        assert re.search(rf"^{child}:C .* \* Fork CoW for RDB: current \d+ MB, peak \d+ MB, average \d+ MB$",
                         log, re.M)
        assert re.search(r"^\d+:M .* \* Background saving terminated with success$", log, re.M)
        assert not glob.glob(str(tmp_path / "temp-*.rdb"))
    finally:
        srv.stop()
    # The file is the dataset as it was at the fork.
    srv = start_kvs(workdir=str(tmp_path))
    try:
        r = redis.Redis(port=srv.port)
        wait_loaded(r)
        assert r.dbsize() == 20001 and r.get("during:0") is None
    finally:
        srv.stop()


def test_bgsave_syntax_and_schedule_inside_multi():
    srv = start_kvs()
    try:
        conn = RawConn(srv.port)
        assert conn.call("BGSAVE", "foo") == b"-ERR syntax error\r\n"
        assert conn.call("BGSAVE", "SCHEDULE", "x") == b"-ERR syntax error\r\n"
        r = redis.Redis(port=srv.port)
        # Inside a transaction a BGSAVE is only scheduled; the cron starts it.
        assert conn.call("MULTI") == b"+OK\r\n"
        assert conn.call("BGSAVE") == b"+QUEUED\r\n"
        assert conn.call("EXEC") == b"*1\r\n+Background saving scheduled\r\n"
        wait_for(lambda: r.info("stats")["total_forks"] == 1, what="the scheduled BGSAVE")
        wait_bgsave_done(r)
        assert persistence(r)["rdb_last_bgsave_status"] == "ok"
    finally:
        srv.stop()


def test_flushall_stops_a_running_bgsave(tmp_path):
    srv = start_kvs(*DEBUG_ON, "--rdb-key-save-delay", "1000", workdir=str(tmp_path))
    try:
        r = redis.Redis(port=srv.port)
        r.execute_command("DEBUG", "POPULATE", 5000)
        assert r.bgsave()
        time.sleep(0.3)
        r.flushall()
        wait_bgsave_done(r)
        wait_log(srv, r"# Background saving terminated by signal 10$")
        # A deliberate stop is not a failed save.
        assert persistence(r)["rdb_last_bgsave_status"] == "ok"
        assert not glob.glob(str(tmp_path / "temp-*.rdb"))
        assert not (tmp_path / "dump.rdb").exists()
    finally:
        srv.stop()


# -- save points ---------------------------------------------------------------------------------------------------
def test_save_points_trigger_a_bgsave_from_the_cron(tmp_path):
    srv = start_kvs("--save", "1 3", workdir=str(tmp_path))
    try:
        r = redis.Redis(port=srv.port)
        assert r.config_get("save") == {"save": "1 3"}
        r.set("a", 1)
        r.set("b", 2)
        time.sleep(2.5)
        assert "Saving..." not in srv.output()          # 2 changes < 3
        r.set("c", 3)
        wait_log(srv, r"\* 3 changes in 1 seconds\. Saving\.\.\.$")
        wait_log(srv, r"Background saving terminated with success$")
        assert (tmp_path / "dump.rdb").exists()
        p = persistence(r)
        assert p["rdb_changes_since_last_save"] == 0 and p["rdb_saves"] == 1
    finally:
        srv.stop()


# -- stop-writes-on-bgsave-error -----------------------------------------------------------------------------------
MISCONF_SCRIPT = [
    ("SET", "a", "2"), ("GET", "a"), ("PING",), ("DEL", "a"), ("FLUSHALL",),
    ("MULTI",), ("SET", "b", "1"), ("GET", "a"), ("EXEC",),
    ("MULTI",), ("GET", "a"), ("EXEC",),
    ("SAVE",), ("SET", "a", "3"),
    ("CONFIG", "SET", "stop-writes-on-bgsave-error", "no"), ("SET", "a", "3"),
    ("CONFIG", "SET", "stop-writes-on-bgsave-error", "yes"), ("SET", "a", "4"),
    ("CONFIG", "SET", "save", ""), ("SET", "a", "5"), ("CONFIG", "SET", "save", "3600 1"), ("SET", "a", "6"),
    ("SHUTDOWN",), ("GET", "a"),
]


def _misconf_scenario(srv):
    """dump.rdb made a directory after start-up, like the reference does: BGSAVE fails, writes are refused."""
    conn = RawConn(srv.port)
    r = redis.Redis(port=srv.port)
    os.mkdir(os.path.join(srv.dir, "dump.rdb"))
    conn.call("SET", "a", "1")
    assert conn.call("BGSAVE") == b"+Background saving started\r\n"
    wait_bgsave_done(r)
    p = persistence(r)
    state = (p["rdb_last_bgsave_status"], p["rdb_changes_since_last_save"], p["rdb_saves"])
    replies = [conn.call(*cmd) for cmd in MISCONF_SCRIPT]
    errorstats = r.info("errorstats")
    # Recovery: once a save succeeds, writes are accepted again.
    os.rmdir(os.path.join(srv.dir, "dump.rdb"))
    assert conn.call("BGSAVE") == b"+Background saving started\r\n"
    wait_bgsave_done(r)
    after = [conn.call("SET", "a", "7"), conn.call("PING"), persistence(r)["rdb_last_bgsave_status"]]
    return state, replies, errorstats, after


def test_misconf_until_a_save_succeeds_like_redis(tmp_path):
    require_redis_tools()
    (tmp_path / "k").mkdir()
    (tmp_path / "r").mkdir()
    ksrv = start_kvs("--save", "3600 1", workdir=str(tmp_path / "k"))
    rsrv = start_redis("--save", "3600 1", workdir=str(tmp_path / "r"))
    try:
        k = _misconf_scenario(ksrv)
        r = _misconf_scenario(rsrv)
        assert k[0] == r[0] == ("err", 1, 1)
        for cmd, kr, rr in zip(MISCONF_SCRIPT, k[1], r[1]):
            assert kr == rr, f"{cmd}: kvs {kr!r} != redis {rr!r}"
        assert k[1][0] == MISCONF
        assert k[2]["errorstat_MISCONF"] == r[2]["errorstat_MISCONF"]
        assert k[3] == r[3] == [b"+OK\r\n", b"+PONG\r\n", "ok"]
        log = ksrv.output()
        assert re.search(r"# Error moving temp DB file temp-\d+\.rdb on the final destination dump\.rdb "
                         rf"\(in server root dir {re.escape(str(tmp_path / 'k'))}\): Is a directory$", log, re.M)
        assert re.search(r"# Background saving error$", log, re.M)
        assert "# Error trying to save the DB, can't exit." in log
    finally:
        ksrv.stop()
        rsrv.stop()


def test_failed_bgsave_is_retried_by_save_points_after_five_seconds(tmp_path):
    srv = start_kvs("--save", "1 1", workdir=str(tmp_path))
    try:
        r = redis.Redis(port=srv.port)
        os.mkdir(tmp_path / "dump.rdb")
        r.set("a", 1)
        wait_log(srv, r"# Background saving error$")
        failed_at = time.monotonic()
        os.rmdir(tmp_path / "dump.rdb")
        wait_for(lambda: persistence(r)["rdb_last_bgsave_status"] == "ok", 15, what="the retried save")
        assert time.monotonic() - failed_at > 3.5     # not retried at once: 5 s after the last attempt
        assert r.set("a", 2)
    finally:
        srv.stop()


# -- SHUTDOWN ----------------------------------------------------------------------------------------------------
def test_shutdown_saves_when_save_points_are_set(tmp_path):
    srv = start_kvs("--save", "3600 1", workdir=str(tmp_path))
    r = redis.Redis(port=srv.port)
    r.set("k", "v")
    conn = RawConn(srv.port)
    conn.send(b"*1\r\n$8\r\nSHUTDOWN\r\n")
    assert conn.at_eof(timeout=10)
    assert srv.proc.wait(10) == 0
    log = srv.output()
    assert "* Saving the final RDB snapshot before exiting." in log
    assert log.index("Saving the final RDB snapshot") < log.index("DB saved on disk") < log.index("bye bye")
    srv = start_kvs(workdir=str(tmp_path))
    try:
        r = redis.Redis(port=srv.port)
        wait_loaded(r)
        assert r.get("k") == b"v"
    finally:
        srv.stop()


def test_sigterm_saves_too_and_nosave_or_save_override(tmp_path):
    (tmp_path / "a").mkdir()
    srv = start_kvs("--save", "3600 1", workdir=str(tmp_path / "a"))
    redis.Redis(port=srv.port).set("k", "v")
    assert srv.stop(signal.SIGTERM) == 0
    assert (tmp_path / "a" / "dump.rdb").exists()
    (tmp_path / "b").mkdir()
    srv = start_kvs("--save", "3600 1", workdir=str(tmp_path / "b"))
    redis.Redis(port=srv.port).set("k", "v")
    shutdown(srv, "NOSAVE")
    assert not (tmp_path / "b" / "dump.rdb").exists()
    (tmp_path / "c").mkdir()
    srv = start_kvs(workdir=str(tmp_path / "c"))      # no save points: SHUTDOWN SAVE still saves
    redis.Redis(port=srv.port).set("k", "v")
    shutdown(srv, "SAVE")
    assert (tmp_path / "c" / "dump.rdb").exists()


def test_shutdown_that_cannot_save_keeps_running_unless_forced(tmp_path):
    srv = start_kvs("--save", "3600 1", workdir=str(tmp_path))
    try:
        conn = RawConn(srv.port)
        os.mkdir(tmp_path / "dump.rdb")
        assert conn.call("SET", "k", "v") == b"+OK\r\n"
        assert conn.call("SHUTDOWN") == b"-ERR Errors trying to SHUTDOWN. Check logs.\r\n"
        assert conn.call("PING") == b"+PONG\r\n"
        log = srv.output()
        assert "# Error trying to save the DB, can't exit." in log
        assert "# Errors trying to shut down the server. Check the logs for more information." in log
        conn.send(b"*2\r\n$8\r\nSHUTDOWN\r\n$5\r\nFORCE\r\n")
        assert conn.at_eof(timeout=10)
        assert srv.proc.wait(10) == 0
        assert "# Error trying to save the DB. Exit anyway." in srv.output()
    finally:
        srv.stop()


# -- FLUSHALL ----------------------------------------------------------------------------------------------------
def test_flushall_with_save_points_saves_the_empty_dataset(tmp_path):
    srv = start_kvs("--save", "3600 1", workdir=str(tmp_path))
    try:
        r = redis.Redis(port=srv.port)
        for i in range(5):
            r.set(f"k{i}", i)
        before = r.lastsave()
        time.sleep(1.1)
        r.flushall()
        p = persistence(r)
        assert p["rdb_changes_since_last_save"] == 0      # as redis-server 7.0.15 reports
        assert p["rdb_saves"] == 0
        assert r.lastsave() > before
        assert (tmp_path / "dump.rdb").exists()
        assert srv.output().count("DB saved on disk") == 1
    finally:
        srv.stop()


def test_flush_dirty_counts_like_redis(diff):
    """Without save points FLUSHALL adds the keys it removed to the change counter, as Redis 7.0 does."""
    def dirty(conn):
        text = conn.call("INFO", "persistence").decode()
        return int(re.search(r"rdb_changes_since_last_save:(\d+)", text).group(1))

    deltas = []
    for conn in (diff.k, diff.r):
        base = dirty(conn)
        for i in range(5):
            conn.call("SET", f"k{i}", i)
        conn.call("FLUSHALL")
        conn.call("FLUSHALL")
        conn.call("SET", "a", 1)
        conn.call("FLUSHDB")
        deltas.append(dirty(conn) - base)
    assert deltas == [12, 12]


# -- corrupt dumps -----------------------------------------------------------------------------------------------
def _good_dump(tmp_path):
    d = tmp_path / "src"
    d.mkdir()
    srv = start_kvs(*DEBUG_ON, workdir=str(d))
    try:
        r = redis.Redis(port=srv.port)
        r.execute_command("DEBUG", "POPULATE", 2000)
        r.set("ttl", "v", px=100_000)
        r.rpush("list", *range(100))
        r.save()
    finally:
        srv.stop()
    return (d / "dump.rdb").read_bytes()


def _corruptions(good: bytes):
    flipped = bytearray(good)
    flipped[-3] ^= 0xFF                                  # in the CRC
    middle = bytearray(good)
    middle[len(good) // 2] ^= 0x55                       # inside some value: CRC mismatch at least
    return {
        "truncated": good[:len(good) // 2],
        "crc": bytes(flipped),
        "middle": bytes(middle),
        "signature": b"XEDIS" + good[5:],
        "version": b"REDIS0013" + good[9:],          # newer than any format kvs reads (it reads 7.2/7.4's)
        "empty": b"",
    }


@pytest.mark.parametrize("kind", ["truncated", "crc", "middle", "signature", "version", "empty"])
def test_corrupt_dump_refuses_to_start(tmp_path, kind):
    bad = _corruptions(_good_dump(tmp_path))[kind]
    d = tmp_path / "bad"
    d.mkdir()
    (d / "dump.rdb").write_bytes(bad)
    out = run_until_exit(kvs_argv(free_port()), cwd=d)
    assert out.returncode == 1, out.stdout[-2000:]
    text = out.stdout
    assert "Ready to accept connections" not in text
    if kind in ("signature", "empty"):
        if kind == "signature":
            assert "# Wrong signature trying to load DB from file" in text
            assert "# Fatal error loading the DB: Invalid argument. Exiting." in text
    elif kind == "version":
        assert "# Can't handle RDB format version 13" in text
        assert "# Fatal error loading the DB: Invalid argument. Exiting." in text
    elif kind == "crc":
        assert re.search(r"# Wrong RDB checksum expected: \([0-9a-f]+\) but got \([0-9a-f]+\)\. Aborting now\.",
                         text)
    else:
        assert "# Internal error in RDB reading offset" in text
    if redis_server_path():
        # redis-server refuses the same file the same way (exit code 1).
        r = run_until_exit([redis_server_path(), "--port", str(free_port()), "--bind", "127.0.0.1"], cwd=d)
        assert r.returncode == 1


def test_dump_that_is_a_directory_refuses_to_start(tmp_path):
    (tmp_path / "dump.rdb").mkdir()
    out = run_until_exit(kvs_argv(free_port()), cwd=tmp_path)
    assert out.returncode == 1
    assert "Short read or OOM loading DB. Unrecoverable error, aborting now." in out.stdout


# -- loading -------------------------------------------------------------------------------------------------------
def test_info_loading_fields_and_loading_error_while_loading(tmp_path):
    srv = start_kvs(*DEBUG_ON, workdir=str(tmp_path))
    try:
        r = redis.Redis(port=srv.port)
        r.execute_command("DEBUG", "POPULATE", 20000)
        r.save()
    finally:
        srv.stop()
    size = (tmp_path / "dump.rdb").stat().st_size
    srv = start_kvs("--key-load-delay", "100", workdir=str(tmp_path))
    try:
        conn = RawConn(srv.port)
        fields = raw_info_fields(conn)
        assert fields[0] == "loading"
        text = conn.call("INFO", "persistence").decode()
        assert "\r\nloading:1\r\n" in text
        assert fields[-6:] == ["loading_start_time", "loading_total_bytes", "loading_rdb_used_mem",
                               "loading_loaded_bytes", "loading_loaded_perc", "loading_eta_seconds"]
        assert f"\r\nloading_total_bytes:{size}\r\n" in text
        assert re.search(r"\r\nloading_loaded_perc:\d+\.\d\d\r\n", text)
        assert int(re.search(r"loading_rdb_used_mem:(\d+)", text).group(1)) > 0
        loading = b"-LOADING Redis is loading the dataset in memory\r\n"
        assert conn.call("GET", "key:1") == loading
        assert conn.call("PING") == loading
        assert conn.call("DBSIZE") == loading
        assert conn.call("MULTI") == b"+OK\r\n"
        assert conn.call("GET", "key:1") == loading
        assert conn.call("EXEC") == b"-EXECABORT Transaction discarded because of previous errors.\r\n"
        assert conn.call("CONFIG", "GET", "port")[:4] == b"*2\r\n"
        assert conn.call("LASTSAVE")[:1] == b":"
        r = redis.Redis(port=srv.port)
        wait_loaded(r, 60)
        assert r.dbsize() == 20000 and r.get("key:1") == b"value:1"
        assert "loading_start_time" not in raw_info_fields(conn)
        assert persistence(r)["rdb_last_load_keys_loaded"] == 20000
    finally:
        srv.stop()


def test_shutdown_while_loading_does_not_save(tmp_path):
    srv = start_kvs(*DEBUG_ON, workdir=str(tmp_path))
    try:
        redis.Redis(port=srv.port).execute_command("DEBUG", "POPULATE", 20000)
        redis.Redis(port=srv.port).save()
    finally:
        srv.stop()
    before = (tmp_path / "dump.rdb").read_bytes()
    srv = start_kvs("--key-load-delay", "200", "--save", "3600 1", workdir=str(tmp_path))
    assert b"\r\nloading:1\r\n" in RawConn(srv.port).call("INFO", "persistence")
    assert srv.stop(signal.SIGTERM) == 0
    assert (tmp_path / "dump.rdb").read_bytes() == before
    assert "Saving the final RDB snapshot" not in srv.output()


# -- INFO ----------------------------------------------------------------------------------------------------------
def test_info_persistence_fields_are_redis_fields_in_order(diff):
    assert raw_info_fields(diff.k) == raw_info_fields(diff.r)
    k = diff.k.call("INFO", "persistence").decode()
    for field in ("rdb_bgsave_in_progress:0", "rdb_last_bgsave_status:ok", "aof_enabled:0", "async_loading:0",
                  "current_fork_perc:0.00"):
        assert f"\r\n{field}\r\n" in k


def test_command_info_of_the_persistence_commands_matches_redis(kvs_server, redis_server):
    """Arity, flags, key positions and ACL categories as Redis 7.0 declares them."""
    def info(port, name):
        client = redis.Redis(port=port)
        try:
            c = client.execute_command("COMMAND", "INFO", name)[name]
        finally:
            client.close()
        return (c["arity"], set(c["flags"]), c["first_key_pos"], c["last_key_pos"], c["step_count"],
                set(c["acl_categories"]))

    for name in ("save", "bgsave", "lastsave", "debug", "dump", "restore"):
        assert info(kvs_server.port, name) == info(redis_server.port, name), name


# -- DEBUG RELOAD --------------------------------------------------------------------------------------------------
def test_debug_reload(tmp_path):
    srv = start_kvs(*DEBUG_ON, workdir=str(tmp_path))
    try:
        r = redis.Redis(port=srv.port)
        conn = RawConn(srv.port)
        fill(r)
        before = snapshot(r)
        r.set("extra", 1)
        assert conn.call("DEBUG", "RELOAD") == b"+OK\r\n"
        after = snapshot(r)
        assert after.pop(b"extra") == ("string", b"1", False)
        assert after == before
        assert persistence(r)["rdb_changes_since_last_save"] == 0
        assert "# DB reloaded by DEBUG RELOAD" in srv.output()
        # NOSAVE: back to the file; NOSAVE NOFLUSH MERGE: the file's keys added to (and replacing) the current.
        r.delete("extra")
        r.set("new", 1)
        assert conn.call("DEBUG", "RELOAD", "NOSAVE") == b"+OK\r\n"
        assert r.get("new") is None and r.get("extra") == b"1"
        r.set("extra", "changed")
        r.set("new", 2)
        assert conn.call("DEBUG", "RELOAD", "NOSAVE", "NOFLUSH", "MERGE") == b"+OK\r\n"
        assert r.get("new") == b"2" and r.get("extra") == b"1"
        assert conn.call("DEBUG", "RELOAD", "FOO") == \
            b"-ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.\r\n"
        os.unlink(tmp_path / "dump.rdb")
        assert conn.call("DEBUG", "RELOAD", "NOSAVE") == b"-ERR Error trying to load the RDB dump\r\n"
    finally:
        srv.stop()


def test_debug_is_refused_unless_enabled_like_redis(diff):
    for cmd in [("DEBUG", "RELOAD"), ("DEBUG", "SLEEP", "0"), ("DEBUG",), ("DEBUG", "nosuch")]:
        diff.same(*cmd)


def test_debug_subcommands_like_redis(tmp_path):
    require_redis_tools()
    (tmp_path / "k").mkdir()
    (tmp_path / "r").mkdir()
    ksrv = start_kvs(*DEBUG_ON, workdir=str(tmp_path / "k"))
    rsrv = start_redis(*DEBUG_ON, workdir=str(tmp_path / "r"))
    try:
        k, r = RawConn(ksrv.port), RawConn(rsrv.port)
        script = [("DEBUG", "nosuch"), ("DEBUG", "SLEEP"), ("DEBUG", "SLEEP", "0.01"), ("DEBUG", "ERROR", "boom"),
                  ("DEBUG", "ERROR", "-CODE text"), ("DEBUG", "LOG", "hello"), ("DEBUG", "OBJECT", "nokey"),
                  ("DEBUG", "POPULATE", "-1"), ("DEBUG", "POPULATE", "x"), ("DEBUG", "POPULATE", "3"),
                  ("DEBUG", "POPULATE", "2", "pfx", "10"), ("DEBUG", "POPULATE", "2", "pfx", "10", "x"),
                  ("GET", "key:0"), ("GET", "pfx:1"), ("DBSIZE",), ("DEBUG", "SET-ACTIVE-EXPIRE", "0"),
                  ("DEBUG", "SET-ACTIVE-EXPIRE", "1"), ("DEBUG", "RELOAD", "NOSAVE", "BAD")]
        for cmd in script:
            assert k.call(*cmd) == r.call(*cmd), cmd
        for conn in (k, r):
            conn.call("SET", "n", "123")
            conn.call("SET", "s", "hello world")
            conn.call("RPUSH", "l", "a", "b")
        for key in ("n", "s"):
            rx = rb"\+Value at:0x[0-9a-f]+ refcount:(\d+) encoding:(\w+) serializedlength:(\d+) lru:\d+ " \
                 rb"lru_seconds_idle:\d+\r\n"
            km, rm = re.match(rx, k.call("DEBUG", "OBJECT", key)), re.match(rx, r.call("DEBUG", "OBJECT", key))
            assert km and rm and km.groups() == rm.groups()
        assert b" ql_nodes:1 " in k.call("DEBUG", "OBJECT", "l")
        assert "# DEBUG LOG: hello" in ksrv.output()
    finally:
        ksrv.stop()
        rsrv.stop()


# -- kvs-check-rdb -------------------------------------------------------------------------------------------------
def _redis_dump(tmp_path):
    d = tmp_path / "rdump"
    d.mkdir()
    srv = start_redis(*DEBUG_ON, workdir=str(d))
    try:
        r = redis.Redis(port=srv.port)
        fill(r)
        r.execute_command("DEBUG", "POPULATE", 1000)
        r.save()
    finally:
        srv.stop()
    return d / "dump.rdb"


def _kvs_dump(tmp_path):
    d = tmp_path / "kdump"
    d.mkdir()
    srv = start_kvs(*DEBUG_ON, workdir=str(d))
    try:
        r = redis.Redis(port=srv.port)
        fill(r)
        r.execute_command("DEBUG", "POPULATE", 1000)
        r.set("expired", "x", px=200)
        r.save()
    finally:
        srv.stop()
    time.sleep(0.3)
    return d / "dump.rdb"


def test_check_rdb_on_good_files_prints_like_redis_check_rdb(tmp_path):
    require_redis_tools()
    for path in (_kvs_dump(tmp_path), _redis_dump(tmp_path)):
        mine, theirs = kvs_check_rdb(path), check_rdb_tool(path)
        assert mine.returncode == theirs.returncode == 0, mine.stdout + mine.stderr
        ours = mine.stdout.splitlines()
        ref = theirs.stdout.splitlines()
        # Same lines (AUX fields with offsets, databases, checksum, counts); kvs adds keys per type at the end.
        assert ours[:len(ref)] == ref
        extra = ours[len(ref):]
        assert extra and all(re.match(r"\[info\] \d+ keys of type [\w-]+$", line) for line in extra)
        assert sum(int(line.split()[1]) for line in extra) == int(re.search(r"\[info\] (\d+) keys read",
                                                                              mine.stdout).group(1))


@pytest.mark.parametrize("kind", ["truncated", "crc", "signature", "version"])
def test_check_rdb_reports_the_offset_and_reason_on_bad_files(tmp_path, kind):
    require_redis_tools()
    bad = _corruptions(_good_dump(tmp_path))[kind]
    path = tmp_path / "bad.rdb"
    path.write_bytes(bad)
    mine, theirs = kvs_check_rdb(path), check_rdb_tool(path)
    assert mine.returncode == 1 and theirs.returncode == 1
    assert "--- RDB ERROR DETECTED ---" in mine.stdout
    ours = mine.stdout.splitlines()
    ref = theirs.stdout.splitlines()
    i = ref.index("--- RDB ERROR DETECTED ---")
    # Everything up to the error, and the error line itself (offset and reason), as redis-check-rdb prints it.
    assert ours[:i + 2] == ref[:i + 2]


def test_check_rdb_usage_and_missing_file(tmp_path):
    out = subprocess.run([sys.executable, "-m", "kvs.check_rdb"], capture_output=True, text=True, timeout=30)
    assert out.returncode == 1 and "Usage:" in out.stderr
    out = kvs_check_rdb(tmp_path / "nope.rdb")
    assert out.returncode == 1
    assert out.stdout.splitlines() == [f"[offset 0] Checking RDB file {tmp_path / 'nope.rdb'}"]


# -- rdb-del-sync-files ---------------------------------------------------------------------------------------------
def test_rdb_del_sync_files_removes_a_dump_made_only_for_replicas(tmp_path, monkeypatch):
    """Without replication in play this is the helper replication calls: it removes the dump only when the
    directive is on, nothing persists, the file was made for a replica and no replica still needs it."""
    from kvs import commands  # noqa: F401
    from kvs.config import Config
    from kvs.server import Server

    monkeypatch.chdir(tmp_path)
    cfg = Config()
    cfg.load(None, ["--port", "0", "--save", ""])
    p = Server(cfg).persistence
    (tmp_path / "dump.rdb").write_bytes(b"x")
    p.rdb_generated_by_replication = True
    p.remove_rdb_used_to_sync_replicas()
    assert (tmp_path / "dump.rdb").exists() and not p.rdb_generated_by_replication   # directive off
    cfg.set_pairs([("rdb-del-sync-files", "yes")])
    p.rdb_generated_by_replication = True
    p.remove_rdb_used_to_sync_replicas(replicas_waiting=True)
    assert (tmp_path / "dump.rdb").exists()
    p.remove_rdb_used_to_sync_replicas()
    assert not (tmp_path / "dump.rdb").exists() and not p.rdb_generated_by_replication
    (tmp_path / "dump.rdb").write_bytes(b"x")
    cfg.set_pairs([("save", "3600 1")])
    p.rdb_generated_by_replication = True
    p.remove_rdb_used_to_sync_replicas()
    assert (tmp_path / "dump.rdb").exists()                   # persistence is on: the dump is the user's


# -- interop at the process level ------------------------------------------------------------------------------
def test_redis_loads_the_dump_kvs_wrote_and_kvs_loads_redis_dump(tmp_path):
    require_redis_tools()
    kdump = _kvs_dump(tmp_path)
    d = tmp_path / "r_on_k"
    d.mkdir()
    shutil.copy(kdump, d / "dump.rdb")
    rsrv = start_redis("--sanitize-dump-payload", "yes", workdir=str(d))
    ksrv = start_kvs(workdir=str(kdump.parent))
    try:
        rr, kr = redis.Redis(port=rsrv.port), redis.Redis(port=ksrv.port)
        wait_loaded(kr)
        assert snapshot(rr) == snapshot(kr) and snapshot(rr, 3) == snapshot(kr, 3)
    finally:
        rsrv.stop()
        ksrv.stop()
    rdump = _redis_dump(tmp_path)
    d = tmp_path / "k_on_r"
    d.mkdir()
    shutil.copy(rdump, d / "dump.rdb")
    rsrv = start_redis(workdir=str(rdump.parent))
    ksrv = start_kvs(workdir=str(d))
    try:
        rr, kr = redis.Redis(port=rsrv.port), redis.Redis(port=ksrv.port)
        wait_loaded(kr)
        assert snapshot(rr) == snapshot(kr) and snapshot(rr, 3) == snapshot(kr, 3)
    finally:
        rsrv.stop()
        ksrv.stop()
