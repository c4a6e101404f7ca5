"""kvs-server as a process: start-up, config files, logging, signals, limits, and surviving bad input."""
import os
import random
import re
import signal
import socket
import subprocess
import sys
import time

import pytest
import redis

from tests.procs import free_port, start_kvs
from tests.rawconn import RawConn

LOG_LINE = re.compile(r"^\d+:[MSCX] \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2}\.\d{3} [.\-*#] .+$")


def run_kvs(*args, stdin=None, timeout=20):
    return subprocess.run([sys.executable, "-m", "kvs", *args], capture_output=True, text=True, input=stdin,
                          timeout=timeout)


def test_version_and_help():
    out = run_kvs("--version")
    assert out.returncode == 0 and "kvs server v=" in out.stdout
    out = run_kvs("--help")
    assert out.returncode == 0 and "Usage:" in out.stdout


def test_unknown_directive_in_file_exits_1_with_line(tmp_path):
    conf = tmp_path / "kvs.conf"
    conf.write_text("port 7777\n# comment\nnosuch-directive yes\n")
    out = run_kvs(str(conf))
    assert out.returncode == 1
    assert "*** FATAL CONFIG FILE ERROR" in out.stderr
    assert "at line 3" in out.stderr
    assert ">>> 'nosuch-directive yes'" in out.stderr
    assert "Bad directive or wrong number of arguments" in out.stderr


def test_bad_value_on_command_line_exits_1():
    out = run_kvs("--port", "notanumber")
    assert out.returncode == 1
    assert "FATAL CONFIG FILE ERROR" in out.stderr


def test_missing_config_file_exits_1(tmp_path):
    out = run_kvs(str(tmp_path / "missing.conf"))
    assert out.returncode == 1
    assert "can't open config file" in out.stdout + out.stderr


def test_config_file_with_units_quotes_and_include(tmp_path):
    port = free_port()
    inc = tmp_path / "inc.conf"
    inc.write_text('maxmemory 64mb\nrequirepass "p w"\n')
    conf = tmp_path / "kvs.conf"
    conf.write_text(f"# main file\nport 1\nbind 127.0.0.1\nsave \"\"\ninclude {inc}\nhz 20\n")
    srv = start_kvs(conf=str(conf), port=port, workdir=str(tmp_path))
    try:
        r = redis.Redis(port=port, password="p w", socket_timeout=5)
        assert r.config_get("maxmemory") == {"maxmemory": str(64 * 1024 * 1024)}
        assert r.config_get("hz") == {"hz": "20"}
        assert r.config_get("port") == {"port": str(port)}
        r.close()
    finally:
        assert srv.stop() == 0


def test_config_from_stdin(tmp_path):
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "kvs", "-"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, cwd=tmp_path)
    proc.stdin.write(f"port {port}\nbind 127.0.0.1\nsave \"\"\n".encode())
    proc.stdin.close()
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                assert redis.Redis(port=port, socket_timeout=5).ping()
                break
            except redis.ConnectionError:
                assert time.monotonic() < deadline and proc.poll() is None
                time.sleep(0.05)
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(10) == 0


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signals_shut_down_cleanly_with_redis_style_log(tmp_path, sig):
    pidfile = tmp_path / "kvs.pid"
    srv = start_kvs("--pidfile", str(pidfile), workdir=str(tmp_path))
    assert pidfile.read_text().strip() == str(srv.pid)
    assert srv.stop(sig) == 0
    log = srv.output()
    name = "SIGTERM" if sig == signal.SIGTERM else "SIGINT"
    assert f"# Received {name} scheduling shutdown..." in log
    assert "# User requested shutdown..." in log
    assert "ready to exit, bye bye..." in log
    assert not pidfile.exists()
    lines = [l for l in log.splitlines() if l.strip()]
    assert lines and all(LOG_LINE.match(l) for l in lines), lines


def test_logfile_and_loglevel(tmp_path):
    logfile = tmp_path / "kvs.log"
    srv = start_kvs("--logfile", str(logfile), "--loglevel", "verbose", workdir=str(tmp_path))
    try:
        redis.Redis(port=srv.port).ping()
    finally:
        srv.stop()
    text = logfile.read_text()
    assert "* Ready to accept connections" in text
    assert "- Accepted 127.0.0.1:" in text
    assert all(LOG_LINE.match(l) for l in text.splitlines() if l)


def test_unix_socket(tmp_path):
    path = str(tmp_path / "kvs.sock")
    srv = start_kvs("--unixsocket", path, "--unixsocketperm", "700", workdir=str(tmp_path))
    try:
        assert oct(os.stat(path).st_mode & 0o777) == "0o700"
        r = redis.Redis(unix_socket_path=path)
        assert r.ping()
        assert "U" in r.client_info()["flags"]
        r.close()
    finally:
        srv.stop()
    assert not os.path.exists(path)


def test_refuses_to_start_half_built(tmp_path):
    # A copy of the package with no compiled extensions, found first on the path.
    import shutil
    src = os.path.join(os.path.dirname(__file__), "..", "..", "kvs")
    shutil.copytree(src, tmp_path / "kvs", ignore=shutil.ignore_patterns("*.so", "__pycache__", "*.c"))
    # -S: no site-packages, so an installed (or editable) kvs cannot supply the missing extensions.
    code = f"import sys; sys.path.insert(0, {str(tmp_path)!r}); from kvs.cli import main; " \
           f"sys.exit(main(['--port', '{free_port()}', '--bind', '127.0.0.1']))"
    out = subprocess.run([sys.executable, "-S", "-c", code], capture_output=True, text=True, cwd=tmp_path,
                         timeout=20)
    assert out.returncode == 1
    assert "compiled core is missing" in out.stderr


def test_active_expiry_removes_keys_nobody_reads():
    srv = start_kvs("--hz", "50")
    try:
        r = redis.Redis(port=srv.port)
        pipe = r.pipeline(transaction=False)
        for i in range(2000):
            pipe.set(f"k{i}", "v", px=50)
        pipe.set("keep", "v")
        pipe.execute()
        deadline = time.monotonic() + 10
        while r.dbsize() > 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert r.dbsize() == 1
        assert r.info("stats")["expired_keys"] == 2000
        assert r.info("keyspace")["db0"]["expires"] == 0
    finally:
        srv.stop()


def test_idle_clients_are_closed_after_timeout():
    srv = start_kvs("--timeout", "1")
    try:
        conn = RawConn(srv.port)
        assert conn.call("PING") == b"+PONG\r\n"
        assert conn.at_eof(timeout=5)
    finally:
        srv.stop()


def test_slow_reader_gets_backpressure_not_unbounded_memory():
    srv = start_kvs()
    try:
        r = redis.Redis(port=srv.port)
        r.set("big", b"x" * (1 << 20))
        s = socket.create_connection(("127.0.0.1", srv.port))
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        request = b"*2\r\n$3\r\nGET\r\n$3\r\nbig\r\n" * 400   # 400 MB of replies nobody reads
        s.setblocking(False)
        sent = 0
        deadline = time.monotonic() + 3
        while sent < len(request) and time.monotonic() < deadline:
            try:
                sent += s.send(request[sent:])
            except BlockingIOError:
                time.sleep(0.01)
        time.sleep(1)
        rss = int(open(f"/proc/{srv.pid}/statm").read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        assert rss < 150 * (1 << 20), f"server RSS {rss} grew with unread output"
        assert r.ping()   # other clients are still served
        s.close()
        r.close()
    finally:
        srv.stop()


def test_output_buffer_limit_disconnects_normal_client():
    srv = start_kvs("--client-output-buffer-limit", "normal 1mb 0 0")
    try:
        r = redis.Redis(port=srv.port)
        # One reply bigger than the hard limit is enough, as in Redis.
        r.set("big", b"x" * (2 << 20))
        s = socket.create_connection(("127.0.0.1", srv.port))
        s.sendall(b"*2\r\n$3\r\nGET\r\n$3\r\nbig\r\n")
        deadline = time.monotonic() + 10
        while r.info("stats")["client_output_buffer_limit_disconnections"] < 1 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert r.info("stats")["client_output_buffer_limit_disconnections"] >= 1
        assert "scheduled to be closed ASAP for overcoming of output buffer limits" in srv.output()
        s.close()
    finally:
        srv.stop()


def test_garbage_never_kills_the_server():
    srv = start_kvs()
    rng = random.Random(1234)
    try:
        pieces = [b"*", b"$", b"\r\n", b"-1", b"3", b"abc", b"\x00", b"\"", b"'", b" ", b"\n", b"99999999999",
                  b"*1\r\n$4\r\nPING\r\n", b"GET k\r\n", b"SET k v\r\n", b"CLIENT KILL SKIPME no\r\n"]
        for _ in range(300):
            data = b"".join(rng.choice(pieces) for _ in range(rng.randint(1, 40)))
            with socket.create_connection(("127.0.0.1", srv.port), timeout=5) as s:
                s.sendall(data)
                s.shutdown(socket.SHUT_WR)
                try:
                    while s.recv(65536):
                        pass
                except (ConnectionResetError, socket.timeout):
                    pass
        assert redis.Redis(port=srv.port).ping()
        assert srv.proc.poll() is None
    finally:
        srv.stop()
