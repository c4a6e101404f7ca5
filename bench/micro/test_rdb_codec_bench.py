"""Micro-benchmarks of the RDB codec (pytest-benchmark: `pytest bench/micro/test_rdb_codec_bench.py
--benchmark-enable`), and, run as a script, the side-by-side with redis-server on the same dataset:

    python bench/micro/test_rdb_codec_bench.py [--keys 1000000] [--mixed 100000]

which fills redis-server with DEBUG POPULATE N (keys key:I, values value:I) and kvs with the same keys, then times
SAVE (Redis: `SAVE`, which writes and fsyncs dump.rdb; kvs: rdb.write to a file + fsync) and the load of each
file (Redis: its start-up log line "DB loaded from disk"; kvs: rdb.load in a fresh process), and measures the
private memory a forked kvs child dirties while writing the snapshot (copy-on-write); then does the same for a
file of small collections that kvs writes and both load."""
import argparse
import io
import os
import re
import subprocess
import sys
import tempfile
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from kvs._core import lzf  # noqa: E402
from kvs._core.crc64 import crc64  # noqa: E402

MiB = 1 << 20


class NullSink:
    def __init__(self):
        self.n = 0

    def write(self, b):
        self.n += len(b)
        return len(b)


def _server_with_strings(n):
    from kvs import commands  # noqa: F401
    from kvs.config import Config
    from kvs.server import Server
    s = Server(Config())
    keys = s.dbs[0].keys
    for i in range(n):
        keys[b"key:%d" % i] = b"value:%d" % i
    return s


# -- pytest-benchmark ---------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def blob():
    return os.urandom(64 * MiB)


def test_crc64_throughput(benchmark, blob):
    benchmark(crc64, blob)


@pytest.fixture(scope="module")
def text():
    with open(os.path.join(ROOT, "kvs", "commands", "t_stream.py"), "rb") as f:
        return f.read() * 8


def test_lzf_compress(benchmark, text):
    benchmark(lzf.compress, text)


def test_lzf_decompress(benchmark, text):
    packed = lzf.compress(text)
    benchmark(lzf.decompress, packed, len(text))


@pytest.fixture(scope="module")
def server_100k():
    return _server_with_strings(100_000)


def test_write_100k_strings(benchmark, server_100k):
    from kvs.persistence import rdb
    benchmark(lambda: rdb.write(server_100k, NullSink(), compression=True, checksum=True, aux={}))


def test_load_100k_strings(benchmark, server_100k):
    from kvs.persistence import rdb
    buf = io.BytesIO()
    rdb.write(server_100k, buf, compression=True, checksum=True, aux={})
    data = buf.getvalue()
    target = _server_with_strings(0)
    benchmark(lambda: rdb.load(target, data))


# -- script: kvs vs redis-server ------------------------------------------------------------------------------------
def _throughputs():
    data = os.urandom(256 * MiB)
    crc64(data[:MiB])
    best = min(_timed(lambda: crc64(data)) for _ in range(3))
    print(f"crc64 (slice-by-16)     {len(data) / best / (1 << 30):6.2f} GiB/s")
    with open(os.path.join(ROOT, "kvs", "commands", "t_stream.py"), "rb") as f:
        src = f.read()
    text = b"".join(src[i:i + 4000] + os.urandom(50) for i in range(0, len(src), 4000)) * 40
    c = min(_timed(lambda: lzf.compress(text)) for _ in range(3))
    packed = lzf.compress(text)
    d = min(_timed(lambda: lzf.decompress(packed, len(text))) for _ in range(3))
    print(f"lzf compress            {len(text) / c / MiB:6.0f} MiB/s  (ratio {len(packed) / len(text):.2f})")
    print(f"lzf decompress          {len(text) / d / MiB:6.0f} MiB/s")
    try:
        import lzf as liblzf
        c2 = min(_timed(lambda: liblzf.compress(text)) for _ in range(3))
        d2 = min(_timed(lambda: liblzf.decompress(packed, len(text))) for _ in range(3))
        print(f"  python-lzf (liblzf)   {len(text) / c2 / MiB:6.0f} / {len(text) / d2 / MiB:.0f} MiB/s "
              f"(ratio {len(liblzf.compress(text)) / len(text):.2f})")
    except ImportError:
        pass


def _timed(fn):
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def _private_dirty_kb(pid):
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            if line.startswith("Private_Dirty:"):
                return int(line.split()[1])
    return 0


def _kvs_side(n, workdir):
    from kvs.persistence import rdb
    from kvs.memory import rss
    s = _server_with_strings(n)
    path = os.path.join(workdir, "kvs.rdb")
    times = []
    for _ in range(3):
        t = time.perf_counter()
        with open(path, "wb") as f:
            rdb.write(s, f, compression=True, checksum=True, aux={})
            f.flush()
            os.fsync(f.fileno())
        times.append(time.perf_counter() - t)
    null = min(_timed(lambda: rdb.write(s, NullSink(), compression=True, checksum=True, aux={})) for _ in range(3))
    # Copy-on-write: a forked child writes the snapshot, then reports what it dirtied.
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        before = _private_dirty_kb(os.getpid())
        rdb.write(s, NullSink(), compression=True, checksum=True, aux={})
        after = _private_dirty_kb(os.getpid())
        os.write(w, f"{before} {after}".encode())
        os._exit(0)
    os.close(w)
    before, after = map(int, os.read(r, 100).split())
    os.close(r)
    os.waitpid(pid, 0)
    used = rss()
    loads = []
    for _ in range(3):
        out = subprocess.run([sys.executable, "-c", (
            "import sys, time; sys.path.insert(0, %r)\n"
            "from kvs import commands\nfrom kvs.config import Config\nfrom kvs.server import Server\n"
            "from kvs.persistence import rdb\ns = Server(Config())\nt = time.perf_counter()\n"
            "st = rdb.load(s, %r)\nprint(time.perf_counter() - t, st.keys_loaded)") % (ROOT, path)],
            capture_output=True, text=True, check=True).stdout.split()
        loads.append(float(out[0]))
        assert int(out[1]) == n
    return {"save": min(times), "null": null, "load": min(loads), "size": os.path.getsize(path),
            "cow_kb": after - before, "used": used}


def _redis_side(n, workdir):
    sys.path.insert(0, ROOT)
    from tests.procs import start_redis
    import redis
    srv = start_redis("--dir", workdir, "--enable-debug-command", "yes", workdir=workdir)
    try:
        r = redis.Redis(port=srv.port)
        r.execute_command("DEBUG", "POPULATE", n)
        saves = [_timed(r.save) for _ in range(3)]
        used = r.info("memory")["used_memory"]
    finally:
        srv.stop()
    size = os.path.getsize(os.path.join(workdir, "dump.rdb"))
    loads = []
    for _ in range(3):
        srv = start_redis("--dir", workdir, workdir=workdir)
        try:
            deadline = time.time() + 60
            while time.time() < deadline:
                m = re.findall(r"DB loaded from disk: ([0-9.]+) seconds", srv.output())
                if m:
                    loads.append(float(m[-1]))
                    break
                time.sleep(0.05)
        finally:
            srv.stop()
    return {"save": min(saves), "load": min(loads), "size": size, "used": used}


def _mixed(n, workdir):
    """n each of small hashes, lists, sets (intsets) and sorted sets (10 elements each, listpack-encoded): kvs
    writes the file; kvs and redis-server (start-up) load it; redis-server then SAVEs it."""
    from tests.procs import start_redis
    import redis
    from kvs.commands.t_hash import HashValue
    from kvs.commands.t_list import ListValue
    from kvs.commands.t_set import SetValue
    from kvs.commands.t_zset import ZSetValue
    from kvs.persistence import rdb
    s = _server_with_strings(0)
    keys = s.dbs[0].keys
    for i in range(n):
        keys[b"h:%d" % i] = HashValue({b"field%d" % j: b"value%d" % (i + j) for j in range(10)}, False)
        keys[b"l:%d" % i] = ListValue([b"item%d" % j for j in range(10)])
        keys[b"s:%d" % i] = SetValue([b"%d" % (i + j) for j in range(10)], False)
        keys[b"z:%d" % i] = ZSetValue.from_pairs([(b"m%d" % j, float(j * i % 97)) for j in range(10)])
    path = os.path.join(workdir, "dump.rdb")
    writes = []
    for _ in range(3):
        t = time.perf_counter()
        with open(path, "wb") as f:
            rdb.write(s, f, compression=True, checksum=True, aux={})
            f.flush()
            os.fsync(f.fileno())
        writes.append(time.perf_counter() - t)
    del s, keys
    loads = []
    for _ in range(3):
        out = subprocess.run([sys.executable, "-c", (
            "import sys, time; sys.path.insert(0, %r)\n"
            "from kvs import commands\nfrom kvs.config import Config\nfrom kvs.server import Server\n"
            "from kvs.persistence import rdb\ns = Server(Config())\nt = time.perf_counter()\n"
            "st = rdb.load(s, %r)\nprint(time.perf_counter() - t)") % (ROOT, path)],
            capture_output=True, text=True, check=True).stdout.split()
        loads.append(float(out[0]))
    redis_loads, saves = [], []
    for _ in range(3):
        srv = start_redis("--dir", workdir, workdir=workdir)
        try:
            r = redis.Redis(port=srv.port)
            while r.info("persistence")["loading"]:
                time.sleep(0.05)
            redis_loads.append(float(re.findall(r"DB loaded from disk: ([0-9.]+) seconds", srv.output())[-1]))
            saves.append(_timed(r.save))
        finally:
            srv.stop()
    print(f"\n{4 * n} small collections ({n} each of hash/list/set/zset, 10 elements)")
    print(f"SAVE (write + fsync)                   {min(writes):7.3f} s   {min(saves):7.3f} s      "
          f"{min(saves) / min(writes):.2f}x")
    print(f"load                                   {min(loads):7.3f} s   {min(redis_loads):7.3f} s      "
          f"{min(redis_loads) / min(loads):.2f}x")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--keys", type=int, default=1_000_000)
    ap.add_argument("--mixed", type=int, default=100_000, help="collections of each type (0: skip)")
    args = ap.parse_args()
    _throughputs()
    with tempfile.TemporaryDirectory(prefix="kvs-rdb-bench-") as workdir:
        k = _kvs_side(args.keys, workdir)
        rd = _redis_side(args.keys, workdir)
    print(f"\n{args.keys} string keys (key:N -> value:N)      kvs        redis-server   kvs speed vs Redis")
    print(f"SAVE (write + fsync)                   {k['save']:7.3f} s   {rd['save']:7.3f} s      "
          f"{rd['save'] / k['save']:.2f}x")
    print(f"  serialization only (null sink)       {k['null']:7.3f} s")
    print(f"load (fresh process)                   {k['load']:7.3f} s   {rd['load']:7.3f} s      "
          f"{rd['load'] / k['load']:.2f}x")
    print(f"file size                              {k['size']:9d}   {rd['size']:9d}      "
          f"{k['size'] / rd['size']:.4f}")
    print(f"forked child's private dirty memory while writing: {k['cow_kb'] / 1024:.1f} MiB "
          f"({100 * k['cow_kb'] * 1024 / k['used']:.2f}% of the parent's {k['used'] / MiB:.0f} MiB RSS)")
    if args.mixed:
        with tempfile.TemporaryDirectory(prefix="kvs-rdb-bench-") as workdir:
            _mixed(args.mixed, workdir)


if __name__ == "__main__":
    main()
