"""RDB snapshots around the file format (Redis's rdb.c save/load entry points, childinfo.c and the persistence
parts of server.c): SAVE in the foreground, BGSAVE in a forked child reaped by the cron, save points,
stop-writes-on-bgsave-error, loading the dump at start-up and for DEBUG RELOAD, and the INFO persistence fields.

The format itself (kvs.persistence.rdb) is imported lazily, so a server whose codec fails to import still serves
and only refuses to persist."""
import errno
import gc
import os
import signal
import struct
import threading
import time

import kvs
from kvs import memory
from kvs._core.numbers import atoi
from kvs.log import log

CHILD_RDB = "rdb"
BGSAVE_RETRY_DELAY = 5                 # seconds before retrying a save point after a failed BGSAVE (Redis's value)
AUTOSYNC_BYTES = 4 * 1024 * 1024       # rdb-save-incremental-fsync: fsync every 4 MB written
COW_DUTY_CYCLE = 100                   # measure CoW at most 1% of the child's time (reading smaps is not free)

MISCONF_ERROR = ("MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. "
                 "Commands that may modify the data set are disabled, because this instance is configured to report "
                 "errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check "
                 "the Redis logs for details about the RDB error.")
LOADING_ERROR = "LOADING Redis is loading the dataset in memory"

# Child -> parent messages on the info pipe: kind, keys processed, CoW bytes, monotonic us of the CoW reading.
# 32 bytes, below PIPE_BUF, so each write is atomic.
_INFO = struct.Struct("<qqqq")
INFO_CURRENT, INFO_RDB_COW = 0, 1


def _codec():
    from kvs.persistence import rdb
    return rdb


def _mono_us() -> int:
    return time.monotonic_ns() // 1000


def private_dirty() -> int:
    """Bytes of this process's pages that are no longer shared with its parent (Private_Dirty): in a fork child,
    the copy-on-write cost of the snapshot, whichever side wrote to the page."""
    try:
        with open("/proc/self/smaps_rollup", "rb") as f:
            data = f.read()
    except OSError:
        try:
            with open("/proc/self/smaps", "rb") as f:
                data = f.read()
        except OSError:
            return 0
    total = 0
    pos = data.find(b"Private_Dirty:")
    while pos >= 0:
        end = data.find(b"\n", pos)
        total += int(data[pos + 14:end].split()[0]) * 1024
        pos = data.find(b"Private_Dirty:", end)
    return total


class _FileSink:
    """Where rdb.write puts the file: unbuffered writes to the temp file (the codec buffers), with an fsync every
    4 MB when rdb-save-incremental-fsync is on, so the kernel never holds a huge dirty backlog at the end."""

    __slots__ = ("fd", "autosync", "unsynced")

    def __init__(self, fd: int, autosync: bool):
        self.fd = fd
        self.autosync = autosync
        self.unsynced = 0

    def write(self, data) -> int:
        view = memoryview(data)
        n = len(view)
        while view:
            k = os.write(self.fd, view)
            view = view[k:]
        if self.autosync:
            self.unsynced += n
            if self.unsynced >= AUTOSYNC_BYTES:
                os.fdatasync(self.fd)
                self.unsynced = 0
        return n


def _fsync_dir(path: str) -> None:
    fd = os.open(os.path.dirname(os.path.abspath(path)) or ".", os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def read_aux_prefix(path: str, limit: int = 65536) -> list:
    """The AUX fields at the start of an RDB file, [(name, value)], read before the load proper so they are
    logged (and used-mem feeds the INFO loading estimate) as Redis does when it meets them. Stops quietly at
    anything it does not understand; the loader reports real errors."""
    try:
        with open(path, "rb") as f:
            data = f.read(limit)
    except OSError:
        return []
    out = []
    if data[:5] != b"REDIS":
        return out
    pos = 9

    def length(p):
        b = data[p]
        kind = b >> 6
        if kind == 0:
            return b & 0x3F, p + 1, None
        if kind == 1:
            return ((b & 0x3F) << 8) | data[p + 1], p + 2, None
        if b == 0x80:
            return int.from_bytes(data[p + 1:p + 5], "big"), p + 5, None
        if b == 0x81:
            return int.from_bytes(data[p + 1:p + 9], "big"), p + 9, None
        if kind == 3:
            return b & 0x3F, p + 1, "enc"
        raise ValueError

    def string(p):
        n, p, enc = length(p)
        if enc is None:
            if p + n > len(data):
                raise ValueError
            return data[p:p + n], p + n
        width = {0: 1, 1: 2, 2: 4}.get(n)
        if width is None:      # LZF: not worth handling for a log line
            raise ValueError
        return str(int.from_bytes(data[p:p + width], "little", signed=True)).encode(), p + width

    try:
        while pos < len(data) and data[pos] == 0xFA:
            name, pos = string(pos + 1)
            value, pos = string(pos)
            out.append((name, value))
    except (ValueError, IndexError):
        pass
    return out


class Persistence:
    """RDB state of one server: the child process, save bookkeeping, load statistics."""

    def __init__(self, server):
        self.server = server
        self.child_pid = -1
        self.child_type = None
        self.info_fd = -1
        self.info_buf = b""
        self.gc_was_enabled = True
        self.rdb_save_time_start = -1
        self.rdb_save_time_last = -1
        self.lastbgsave_ok = True
        self.lastbgsave_try = 0
        self.dirty_before_bgsave = 0
        self.bgsave_scheduled = False
        self.stat_rdb_saves = 0
        self.stat_rdb_cow_bytes = 0
        self.current_cow_peak = 0
        self.current_cow_bytes = 0
        self.current_cow_updated = 0
        self.current_save_keys_processed = 0
        self.current_save_keys_total = 0
        self.loading_start_time = 0
        self.loading_total_bytes = 0
        self.loading_rdb_used_mem = 0
        self.loading_loaded_bytes = 0
        self.rdb_last_load_keys_expired = 0
        self.rdb_last_load_keys_loaded = 0
        self.rdb_generated_by_replication = False
        # Called with (ok: bool) when a BGSAVE ends: replicas waiting for a snapshot hook in here.
        self.bgsave_done_callbacks = []

    @property
    def config(self):
        return self.server.config

    # -- children ------------------------------------------------------------------------------------------------
    def has_active_child(self) -> bool:
        return self.child_pid != -1

    def write_error(self):
        """The -MISCONF text while writes must be refused because the last background save failed."""
        cfg = self.config
        if not self.lastbgsave_ok and cfg["stop-writes-on-bgsave-error"] and cfg["save"]:
            return MISCONF_ERROR
        return None

    def _set_bgsave_status(self, ok: bool) -> None:
        self.lastbgsave_ok = ok
        self.server.refresh_gates()

    # -- saving ----------------------------------------------------------------------------------------------------
    def _save_info(self):
        """(repl-stream-db, repl-id, repl-offset) to store in the file, when replication has them."""
        repl = getattr(self.server, "replication", None)
        fn = getattr(repl, "rdb_save_info", None)
        return fn() if fn is not None else None

    def aux_fields(self, rsi=None, aof_base=False) -> dict:
        aux = {"redis-ver": kvs.REDIS_VERSION.encode(), "redis-bits": 64, "ctime": int(time.time()),
               "used-mem": memory.used_memory()}
        if rsi is None:
            rsi = self._save_info()
        if rsi is not None:
            stream_db, replid, offset = rsi
            aux["repl-stream-db"] = stream_db
            aux["repl-id"] = replid.encode() if isinstance(replid, str) else replid
            aux["repl-offset"] = offset
        aux["aof-base"] = 1 if aof_base else 0
        return aux

    def write_file(self, filename: str, progress=None) -> bool:
        """Write the dataset to temp-<pid>.rdb, fsync it, rename it over `filename` and fsync the directory: the
        old file stays whole until the new one is complete. Logs like Redis; True on success."""
        tmp = f"temp-{os.getpid()}.rdb"
        cfg = self.config
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
        except OSError as e:
            log.warning(f"Failed opening the temp RDB file {tmp} (in server root dir {_cwd()}) for saving: "
                        f"{os.strerror(e.errno)}")
            return False
        try:
            rdb = _codec()
            rdb.write(self.server, _FileSink(fd, cfg["rdb-save-incremental-fsync"]),
                      compression=cfg["rdbcompression"], checksum=cfg["rdbchecksum"], aux=self.aux_fields(),
                      progress=progress, key_delay_us=cfg["rdb-key-save-delay"])
            os.fsync(fd)
        except Exception as e:  # any failure must leave the previous dump untouched
            reason = os.strerror(e.errno) if isinstance(e, OSError) and e.errno else f"{type(e).__name__}: {e}"
            log.warning(f"Write error saving DB on disk: {reason}")
            os.close(fd)
            _unlink(tmp)
            return False
        os.close(fd)
        try:
            os.rename(tmp, filename)
        except OSError as e:
            log.warning(f"Error moving temp DB file {tmp} on the final destination {filename} (in server root dir "
                        f"{_cwd()}): {os.strerror(e.errno)}")
            _unlink(tmp)
            return False
        try:
            _fsync_dir(filename)
        except OSError as e:
            log.warning(f"Failed to fsync directory while saving DB: {os.strerror(e.errno)}")
            return False
        log.notice("DB saved on disk")
        return True

    def save(self) -> bool:
        """A foreground save (SAVE, FLUSHALL with save points, SHUTDOWN, DEBUG RELOAD)."""
        if not self.write_file(self.config["dbfilename"]):
            return False
        server = self.server
        server.dirty = 0
        server.lastsave = int(time.time())
        self._set_bgsave_status(True)
        return True

    def bgsave(self) -> bool:
        """Fork a child that writes the snapshot; False (and a log line) if that cannot start."""
        if self.has_active_child():
            return False
        server = self.server
        self.stat_rdb_saves += 1
        self.dirty_before_bgsave = server.dirty
        self.lastbgsave_try = int(time.time())
        rfd, wfd = os.pipe()
        os.set_blocking(rfd, False)
        os.set_blocking(wfd, False)
        # Keep the collector off the shared pages: a full collection writes to every tracked object's header,
        # which would copy them in whichever process collects. Frozen objects are never scanned; the parent
        # unfreezes them when the child is gone.
        self.gc_was_enabled = gc.isenabled()
        gc.disable()
        gc.freeze()
        t0 = time.perf_counter_ns()
        try:
            pid = os.fork()
        except OSError as e:
            os.close(rfd)
            os.close(wfd)
            gc.unfreeze()
            if self.gc_was_enabled:
                gc.enable()
            log.warning(f"Can't save in background: fork: {os.strerror(e.errno)}")
            self._set_bgsave_status(False)
            return False
        if pid == 0:
            self._child_main(rfd, wfd)      # never returns
        fork_usec = (time.perf_counter_ns() - t0) // 1000
        if self.gc_was_enabled:
            gc.enable()
        os.close(wfd)
        server.total_forks += 1
        server.latest_fork_usec = fork_usec
        self.child_pid = pid
        self.child_type = CHILD_RDB
        self.info_fd = rfd
        self.info_buf = b""
        self.current_cow_peak = self.current_cow_bytes = self.current_cow_updated = 0
        self.current_save_keys_processed = 0
        self.current_save_keys_total = sum(len(db.keys) for db in server.dbs)
        # Lookups stop recording LRU/LFU access while the child runs, so reads do not dirty shared pages.
        server.child_active = True
        log.notice(f"Background saving started by pid {pid}")
        self.rdb_save_time_start = int(time.time())
        return True

    # -- the child ---------------------------------------------------------------------------------------------------
    def _child_main(self, rfd: int, wfd: int) -> None:
        status = 1
        try:
            os.close(rfd)
            log.role = "C"
            # The parent's handlers only wake its event loop, which never runs here: signals act directly (SIGUSR1
            # from killRDBChild ends the child, which the parent reads as a deliberate stop).
            try:
                signal.set_wakeup_fd(-1)
            except ValueError:
                pass
            for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGUSR1):
                signal.signal(sig, signal.SIG_DFL)
            self._close_listeners()
            reporter = _ChildReporter(wfd)
            if self.write_file(self.config["dbfilename"], progress=reporter.progress):
                reporter.send(INFO_RDB_COW, reporter.keys, final=True)
                status = 0
        except BaseException as e:  # noqa: B036 - whatever happens, the child must not return into the loop
            try:
                log.warning(f"Background save child failed: {type(e).__name__}: {e}")
            except BaseException:
                pass
        finally:
            os._exit(status)

    def _close_listeners(self) -> None:
        """Free the listening ports in the child, so a restarted parent can bind them while the child writes."""
        for srv in getattr(self.server, "listeners", ()) or ():
            for sock in getattr(srv, "sockets", ()) or ():
                try:
                    os.close(sock.fileno())
                except (OSError, ValueError):
                    pass

    # -- reaping --------------------------------------------------------------------------------------------------
    def receive_child_info(self) -> None:
        if self.info_fd < 0:
            return
        chunks = [self.info_buf]
        while True:
            try:
                data = os.read(self.info_fd, 4096)
            except BlockingIOError:
                break
            except OSError:
                break
            if not data:
                break
            chunks.append(data)
        buf = b"".join(chunks)
        size = _INFO.size
        n = len(buf) // size
        for i in range(n):
            kind, keys, cow, updated = _INFO.unpack_from(buf, i * size)
            if cow > self.current_cow_peak:
                self.current_cow_peak = cow
            if kind == INFO_CURRENT:
                self.current_cow_bytes = cow
                self.current_cow_updated = updated
                self.current_save_keys_processed = keys
            elif kind == INFO_RDB_COW:
                self.stat_rdb_cow_bytes = self.current_cow_peak
        self.info_buf = buf[n * size:]

    def check_child_done(self) -> None:
        if self.child_pid == -1:
            return
        try:
            pid, status = os.waitpid(self.child_pid, os.WNOHANG)
        except ChildProcessError as e:
            log.warning(f"waitpid() returned an error: {os.strerror(e.errno)}. child_type: RDB, child_pid = "
                        f"{self.child_pid}")
            pid, status = self.child_pid, 1 << 8
        if pid == 0:
            self.receive_child_info()
            return
        exitcode = os.WEXITSTATUS(status) if os.WIFEXITED(status) else -1
        bysignal = os.WTERMSIG(status) if os.WIFSIGNALED(status) else 0
        self._background_save_done(exitcode, bysignal)
        if not bysignal and exitcode == 0:
            self.receive_child_info()
        self._reset_child_state()

    def _background_save_done(self, exitcode: int, bysignal: int) -> None:
        server = self.server
        now = int(time.time())
        if not bysignal and exitcode == 0:
            log.notice("Background saving terminated with success")
            server.dirty = max(server.dirty - self.dirty_before_bgsave, 0)
            server.lastsave = now
            ok = True
            self._set_bgsave_status(True)
        elif not bysignal:
            log.warning("Background saving error")
            ok = False
            self._set_bgsave_status(False)
        else:
            log.warning(f"Background saving terminated by signal {bysignal}")
            _unlink(f"temp-{self.child_pid}.rdb")
            ok = False
            # SIGUSR1 is how the server itself stops a child: not an error condition.
            if bysignal != signal.SIGUSR1:
                self._set_bgsave_status(False)
        self.rdb_save_time_last = now - self.rdb_save_time_start
        self.rdb_save_time_start = -1
        for fn in list(self.bgsave_done_callbacks):
            try:
                fn(ok)
            except Exception as e:
                log.warning(f"Error after background save: {type(e).__name__}: {e}")

    def _reset_child_state(self) -> None:
        if self.info_fd >= 0:
            os.close(self.info_fd)
        self.info_fd = -1
        self.info_buf = b""
        self.child_pid = -1
        self.child_type = None
        self.current_cow_peak = self.current_cow_bytes = self.current_cow_updated = 0
        self.current_save_keys_processed = self.current_save_keys_total = 0
        self.server.child_active = False
        gc.unfreeze()

    def kill_child(self) -> None:
        """Stop a running BGSAVE (FLUSHALL, SHUTDOWN): SIGUSR1, which the reaper treats as no error."""
        if self.child_type == CHILD_RDB:
            try:
                os.kill(self.child_pid, signal.SIGUSR1)
            except ProcessLookupError:
                pass

    def wait_child(self) -> None:
        """Reap a child we just killed, synchronously (shutdown: nothing will run the cron again)."""
        if self.child_pid == -1:
            return
        try:
            os.waitpid(self.child_pid, 0)
        except ChildProcessError:
            pass
        _unlink(f"temp-{self.child_pid}.rdb")
        self._reset_child_state()

    # -- cron -------------------------------------------------------------------------------------------------------
    def cron(self) -> None:
        """Per cron tick (Redis's serverCron): reap the child, else start a BGSAVE when a save point is reached
        (not retrying a failed one for BGSAVE_RETRY_DELAY seconds), or when one was scheduled."""
        server = self.server
        if server.loading:
            return
        now = int(time.time())
        if self.has_active_child():
            self.check_child_done()
        else:
            retry_ok = self.lastbgsave_ok or now - self.lastbgsave_try > BGSAVE_RETRY_DELAY
            for secs, changes in self.config["save"]:
                if server.dirty >= changes and now - server.lastsave > secs and retry_ok:
                    log.notice(f"{changes} changes in {secs} seconds. Saving...")
                    self.bgsave()
                    break
        if self.bgsave_scheduled and not self.has_active_child() and \
                (self.lastbgsave_ok or now - self.lastbgsave_try > BGSAVE_RETRY_DELAY):
            if self.bgsave():
                self.bgsave_scheduled = False

    # -- FLUSHALL / SHUTDOWN ----------------------------------------------------------------------------------------
    def after_flushall(self) -> None:
        """Redis 7.0: FLUSHALL stops a running BGSAVE and, with save points, writes the (now empty) dataset at once,
        which also resets the dirty counter."""
        self.kill_child()
        if self.config["save"]:
            self.save()

    def shutdown_save(self, nosave=False, save=False, force=False) -> bool:
        """The persistence part of shutting down; False if the server must keep running."""
        server = self.server
        if server.loading:
            # Never overwrite the dump with a half-loaded dataset.
            nosave, save = True, False
        if self.child_type == CHILD_RDB:
            log.warning("There is a child saving an .rdb. Killing it!")
            self.kill_child()
            self.wait_child()
        if (self.config["save"] and not nosave) or save:
            log.notice("Saving the final RDB snapshot before exiting.")
            if not self.save():
                if force:
                    log.warning("Error trying to save the DB. Exit anyway.")
                else:
                    log.warning("Error trying to save the DB, can't exit.")
                    return False
        return True

    # -- loading ----------------------------------------------------------------------------------------------------
    def start_loading(self, size: int) -> None:
        server = self.server
        server.loading = True
        self.loading_start_time = int(time.time())
        self.loading_total_bytes = size
        self.loading_loaded_bytes = 0
        self.loading_rdb_used_mem = 0
        self.rdb_last_load_keys_expired = 0
        self.rdb_last_load_keys_loaded = 0
        server.refresh_gates()

    def stop_loading(self) -> None:
        self.server.loading = False
        self.server.refresh_gates()

    def _progress(self, done, total=None) -> None:
        self.loading_loaded_bytes = done

    def _log_aux(self, path: str) -> None:
        for name, value in read_aux_prefix(path):
            text = value.decode("utf-8", "replace")
            lname = name.lower()
            if name.startswith(b"%"):
                log.notice(f"RDB '{name.decode('utf-8', 'replace')}': {text}")
            elif lname == b"redis-ver":
                log.notice(f"Loading RDB produced by version {text}")
            elif lname == b"ctime":
                age = max(int(time.time()) - atoi(value), 0)
                log.notice(f"RDB age {age} seconds")
            elif lname == b"used-mem":
                used = atoi(value)
                log.notice(f"RDB memory usage when created {used / (1024 * 1024):.2f} Mb")
                self.loading_rdb_used_mem = used
            elif lname == b"aof-preamble":
                if atoi(value):
                    log.notice("RDB has an AOF tail")
            elif lname == b"aof-base":
                if atoi(value):
                    log.notice("RDB is base AOF")

    def _load_body(self, path: str, merge: bool):
        self._log_aux(path)
        stats = _codec().load(self.server, path, progress=self._progress,
                              key_delay_us=self.config["key-load-delay"], merge=merge)
        self.loading_loaded_bytes = self.loading_total_bytes
        self.rdb_last_load_keys_loaded = stats.keys_loaded
        self.rdb_last_load_keys_expired = stats.keys_expired
        if stats.checksum_ok is None and stats.version >= 5 and self.config["rdbchecksum"]:
            log.warning("RDB file was saved with checksum disabled: no check performed.")
        skipped = getattr(stats, "empty_keys_skipped", 0)
        if skipped:
            log.warning(f"Done loading RDB, keys loaded: {stats.keys_loaded}, keys expired: {stats.keys_expired}, "
                        f"empty keys skipped: {skipped}.")
        else:
            log.notice(f"Done loading RDB, keys loaded: {stats.keys_loaded}, keys expired: {stats.keys_expired}.")
        return stats

    def load_file(self, path: str, merge: bool = False):
        """Load `path` into the server, blocking (Redis's rdbLoad; DEBUG RELOAD). Returns the codec's LoadStats;
        raises OSError (FileNotFoundError when there is no dump) or the codec's RdbError."""
        size = os.stat(path).st_size
        self.start_loading(size)
        try:
            return self._load_body(path, merge)
        finally:
            self.stop_loading()

    def start_background_load(self, loop):
        """Load the dump at start-up in a thread while the event loop keeps answering (INFO shows the progress,
        other commands get -LOADING). Returns None when there is no dump, else a future of the loop that ends
        with None on success or the exception that made the load fail."""
        path = self.config["dbfilename"]
        try:
            size = os.stat(path).st_size
        except FileNotFoundError:
            return None
        except OSError:
            size = 0         # the load itself reports the problem
        done = loop.create_future()
        t0 = time.perf_counter()

        def finish(error):
            self.stop_loading()
            if error is None:
                log.notice(f"DB loaded from disk: {time.perf_counter() - t0:.3f} seconds")
            if not done.done():
                done.set_result(error)

        def work():
            error = None
            try:
                self._load_body(path, False)
            except BaseException as e:  # noqa: B036 - handed to the main thread, which decides to exit
                error = e
            try:
                loop.call_soon_threadsafe(finish, error)
            except RuntimeError:
                pass        # the loop is closed: the server is already going away

        self.start_loading(size)
        # Started from the running loop: until the loop runs, uvloop does not listen for signals, and the thread
        # would widen that gap by holding the GIL.
        loop.call_soon(threading.Thread(target=work, name="rdb-load", daemon=True).start)
        return done

    def report_load_failure(self, exc: BaseException) -> None:
        """Log a fatal start-up load error the way Redis does before it exits 1 (plus the file check)."""
        path = self.config["dbfilename"]
        rdb_error = _codec_error_class()
        if rdb_error is not None and isinstance(exc, rdb_error):
            reason = str(getattr(exc, "reason", exc))
            offset = max(getattr(exc, "offset", 0), 0)
            kind = getattr(exc, "kind", "format")
            if reason.startswith("Wrong signature") or reason.startswith("Can't handle RDB format version"):
                log.warning(reason)
                log.warning("Fatal error loading the DB: Invalid argument. Exiting.")
                return
            if reason.startswith("FATAL:"):
                log.warning(reason)
                return
            if kind == "checksum":
                log.warning(reason)
                log.warning("Internal error in RDB reading offset 0, function at rdb.py -> RDB CRC error")
            elif kind == "eof":
                log.warning("Short read or OOM loading DB. Unrecoverable error, aborting now.")
                log.warning(f"Internal error in RDB reading offset {offset}, function at rdb.py -> {reason}")
            else:
                log.warning(f"Internal error in RDB reading offset {offset}, function at rdb.py -> {reason}")
            self._print_check(path)
        elif isinstance(exc, IsADirectoryError):
            log.warning("Short read or OOM loading DB. Unrecoverable error, aborting now.")
            log.warning("Internal error in RDB reading offset 0, function at rdb.py -> Unexpected EOF reading RDB "
                        "file")
        elif isinstance(exc, OSError):
            log.warning(f"Fatal error loading the DB: {os.strerror(exc.errno) if exc.errno else exc}. Exiting.")
        else:
            log.warning(f"Fatal error loading the DB: {type(exc).__name__}: {exc}. Exiting.")

    def _print_check(self, path: str) -> None:
        # Redis runs its file checker on the broken dump and prints the report before exiting.
        try:
            from kvs import check_rdb
            import sys
            sys.stdout.write(check_rdb.report_text(path))
            sys.stdout.flush()
        except Exception:
            pass

    # -- replication helpers (rdb-del-sync-files) -------------------------------------------------------------------
    def all_persistence_disabled(self) -> bool:
        return not self.config["save"] and not self.config["appendonly"]

    def remove_rdb_used_to_sync_replicas(self, replicas_waiting: bool = False) -> None:
        """rdb-del-sync-files: drop a dump that exists only because a replica needed a snapshot, on an instance
        with no persistence, once no replica still needs it."""
        if not self.config["rdb-del-sync-files"]:
            self.rdb_generated_by_replication = False
            return
        if self.all_persistence_disabled() and self.rdb_generated_by_replication and not replicas_waiting:
            path = self.config["dbfilename"]
            if os.path.lexists(path):
                self.rdb_generated_by_replication = False
                log.notice("Removing the RDB file used to feed replicas in a persistence-less instance")
                _unlink(path)

    # -- INFO -------------------------------------------------------------------------------------------------------
    def reset_stats(self) -> None:
        self.stat_rdb_saves = 0

    def info_fields(self) -> list:
        server = self.server
        now = int(time.time())
        rdb_child = self.child_type == CHILD_RDB
        perc = 0.0
        if self.child_type is not None and self.current_save_keys_total:
            perc = self.current_save_keys_processed * 100 / self.current_save_keys_total
        age = (_mono_us() - self.current_cow_updated) // 1_000_000 if self.current_cow_updated else 0
        fields = [
            ("loading", int(server.loading)),
            ("async_loading", 0),
            ("current_cow_peak", self.current_cow_peak),
            ("current_cow_size", self.current_cow_bytes),
            ("current_cow_size_age", age),
            ("current_fork_perc", f"{perc:.2f}"),
            ("current_save_keys_processed", self.current_save_keys_processed),
            ("current_save_keys_total", self.current_save_keys_total),
            ("rdb_changes_since_last_save", server.dirty),
            ("rdb_bgsave_in_progress", int(rdb_child)),
            ("rdb_last_save_time", server.lastsave),
            ("rdb_last_bgsave_status", "ok" if self.lastbgsave_ok else "err"),
            ("rdb_last_bgsave_time_sec", self.rdb_save_time_last),
            ("rdb_current_bgsave_time_sec", now - self.rdb_save_time_start if rdb_child else -1),
            ("rdb_saves", self.stat_rdb_saves),
            ("rdb_last_cow_size", self.stat_rdb_cow_bytes),
            ("rdb_last_load_keys_expired", self.rdb_last_load_keys_expired),
            ("rdb_last_load_keys_loaded", self.rdb_last_load_keys_loaded),
        ]
        aof = getattr(server, "aof", None)
        aof_fields = getattr(aof, "info_fields", None)
        if aof_fields is not None:
            fields += aof_fields()
        else:
            fields += [
                ("aof_enabled", 0), ("aof_rewrite_in_progress", 0), ("aof_rewrite_scheduled", 0),
                ("aof_last_rewrite_time_sec", -1), ("aof_current_rewrite_time_sec", -1),
                ("aof_last_bgrewrite_status", "ok"), ("aof_rewrites", 0), ("aof_rewrites_consecutive_failures", 0),
                ("aof_last_write_status", "ok"), ("aof_last_cow_size", 0), ("module_fork_in_progress", 0),
                ("module_fork_last_cow_size", 0),
            ]
        if server.loading:
            fields += self._loading_fields(now)
        return fields

    def _loading_fields(self, now: int) -> list:
        loaded = self.loading_loaded_bytes
        perc = 0.0
        remaining = 1
        if self.loading_total_bytes:
            perc = loaded * 100 / self.loading_total_bytes
            remaining = self.loading_total_bytes - loaded
        elif self.loading_rdb_used_mem:
            perc = min(loaded * 100 / self.loading_rdb_used_mem, 99.99)
            remaining = max(self.loading_rdb_used_mem - loaded, 1)
        elapsed = now - self.loading_start_time
        eta = 1 if elapsed == 0 else elapsed * remaining // (loaded + 1)
        return [
            ("loading_start_time", self.loading_start_time),
            ("loading_total_bytes", self.loading_total_bytes),
            ("loading_rdb_used_mem", self.loading_rdb_used_mem),
            ("loading_loaded_bytes", loaded),
            ("loading_loaded_perc", f"{perc:.2f}"),
            ("loading_eta_seconds", eta),
        ]


class _ChildReporter:
    """The child's side of the info pipe: progress about once a second, CoW readings throttled to a small share
    of the child's time, and the final figure when the file is complete."""

    def __init__(self, fd: int):
        self.fd = fd
        self.keys = 0
        self.last_sent = time.monotonic()
        self.cow = 0
        self.peak = 0
        self.sum = 0
        self.readings = 0
        self.cow_updated = 0
        self.cow_cost = 0

    def progress(self, keys_done, *_):
        self.keys = keys_done
        now = time.monotonic()
        if now - self.last_sent >= 1.0:
            self.last_sent = now
            self.send(INFO_CURRENT, keys_done)

    def send(self, kind: int, keys: int, final: bool = False) -> None:
        now = _mono_us()
        if final or not self.cow_updated or now - self.cow_updated > self.cow_cost * COW_DUTY_CYCLE:
            self.cow = private_dirty()
            self.cow_updated = _mono_us()
            self.cow_cost = self.cow_updated - now
            self.peak = max(self.peak, self.cow)
            self.sum += self.cow
            self.readings += 1
            if self.cow or final:
                mb = 1024 * 1024
                line = (f"Fork CoW for RDB: current {self.cow // mb} MB, peak {self.peak // mb} MB, average "
                        f"{self.sum // self.readings // mb} MB")
                (log.notice if final else log.verbose)(line)
        try:
            os.write(self.fd, _INFO.pack(kind, keys, self.cow, self.cow_updated))
        except OSError:
            pass      # a full pipe only loses a progress sample


def _codec_error_class():
    try:
        return _codec().RdbError
    except Exception:
        return None



def _cwd() -> str:
    try:
        return os.getcwd()
    except OSError:
        return "unknown"


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except OSError as e:
        if e.errno != errno.ENOENT:
            log.warning(f"Can't remove {path}: {e.strerror}")
