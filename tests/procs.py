"""Start real server processes (kvs and redis-server) on free loopback ports, for tests and benchmarks."""
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, proc: subprocess.Popen, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with status {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.02)
    raise TimeoutError(f"port {port} did not open")


class ServerProcess:
    """A server process in its own temporary directory; `stop()` ends it by PID."""

    def __init__(self, argv, port, workdir, logfile):
        self.argv = argv
        self.port = port
        self.dir = workdir
        self.logfile = logfile
        self.proc = None

    def start(self, timeout=20.0):
        self.log = open(self.logfile, "ab")
        self.proc = subprocess.Popen(self.argv, cwd=self.dir, stdout=self.log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL)
        wait_port(self.port, self.proc, timeout)
        return self

    @property
    def pid(self):
        return self.proc.pid

    def stop(self, sig=signal.SIGTERM, timeout=10.0):
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait()
        finally:
            self.log.close()

    def output(self) -> str:
        with open(self.logfile, "rb") as f:
            return f.read().decode("utf-8", "replace")


def kvs_argv(port, *extra, conf=None):
    head = [sys.executable, "-m", "kvs"] + ([conf] if conf else [])
    return head + ["--port", str(port), "--bind", "127.0.0.1", "--save", "", *extra]


def start_kvs(*extra, port=None, workdir=None, python=None, conf=None) -> ServerProcess:
    """Start kvs-server; `conf` is a config file (given first, like redis-server), options override it."""
    port = port or free_port()
    workdir = workdir or tempfile.mkdtemp(prefix="kvs-test-")
    argv = kvs_argv(port, *extra, conf=conf)
    if python:
        argv[0] = python
    return ServerProcess(argv, port, workdir, os.path.join(workdir, "server.log")).start()


def redis_server_path():
    return shutil.which("redis-server") or ("/usr/bin/redis-server" if os.path.exists("/usr/bin/redis-server")
                                            else None)


def start_redis(*extra, port=None, workdir=None) -> ServerProcess:
    exe = redis_server_path()
    if exe is None:
        raise FileNotFoundError("redis-server")
    port = port or free_port()
    workdir = workdir or tempfile.mkdtemp(prefix="redis-test-")
    argv = [exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", *extra]
    return ServerProcess(argv, port, workdir, os.path.join(workdir, "server.log")).start()
