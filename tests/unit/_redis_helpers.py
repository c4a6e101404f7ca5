"""Helpers for configuration tests that use redis-server 7.0.15 as the oracle: start it with a given
config file and arguments on a free loopback port, or run it on a config it must reject and collect what
it prints.  Every process started here is ended by its PID."""
import os
import signal
import subprocess
import tempfile

import pytest
import redis

from tests.conftest import require_redis_tools
from tests.procs import ServerProcess, free_port, redis_server_path

REDIS_BANNER_NAME = "Redis 7.0.15"


def oracle_exe() -> str:
    require_redis_tools()
    return redis_server_path()


def client(port: int, password: str | None = None) -> redis.Redis:
    return redis.Redis(port=port, password=password, socket_connect_timeout=2, socket_timeout=10,
                       decode_responses=True)


def raw_client(port: int, password: str | None = None) -> redis.Redis:
    return redis.Redis(port=port, password=password, socket_connect_timeout=2, socket_timeout=10)


def start_oracle(args=(), conf_path: str | None = None, cwd: str | None = None, port: int | None = None,
                 bind_args: bool = True) -> ServerProcess:
    """Start redis-server [conf_path] --port P --bind 127.0.0.1 *args in `cwd`.  The port and bind are
    passed on the command line so a config file stays exactly as the test wrote it."""
    exe = oracle_exe()
    port = port or free_port()
    cwd = cwd or tempfile.mkdtemp(prefix="redis-cfg-")
    argv = [exe] + ([conf_path] if conf_path else [])
    if bind_args:
        argv += ["--port", str(port), "--bind", "127.0.0.1"]
    argv += list(args)
    logdir = tempfile.mkdtemp(prefix="redis-cfg-log-")
    return ServerProcess(argv, port, cwd, os.path.join(logdir, "server.log")).start()


def run_rejected(conf: bytes | None, args=(), cwd: str | None = None, timeout: float = 10.0):
    """Run redis-server on a config it is expected to refuse -> (exit code, stdout, stderr).
    `--port 0` keeps it from listening if it does accept the config (it then exits by itself: nothing
    to listen on); a server that is still running at the timeout is killed by its PID."""
    exe = oracle_exe()
    cwd = cwd or tempfile.mkdtemp(prefix="redis-cfg-")
    argv = [exe]
    if conf is not None:
        path = os.path.join(cwd, "redis.conf")
        with open(path, "wb") as f:
            f.write(conf)
        argv.append(path)
    argv += ["--port", "0"] + list(args)
    proc = subprocess.Popen(argv, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.kill(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        pytest.fail(f"redis-server kept running on {argv!r}")
    return proc.returncode, out.decode("utf-8", "surrogateescape"), err.decode("utf-8", "surrogateescape")


def strip_log_prefix(line: str) -> str:
    """"1234:C 21 Nov 2026 23:41:52.007 # message" -> "message"."""
    return line.split(" # ", 1)[1] if " # " in line else line
