"""RDB persistence of kvs and redis-server side by side, on the same dataset.

Both servers start on free loopback ports in their own directories and get the same keys (DEBUG POPULATE, which
kvs implements like Redis: key:<n> -> value:<n>, optionally padded to --value-size), optionally plus --hashes small
hashes, --lists lists and --zsets sorted sets for the other encodings. Then, per server:

  SAVE       foreground save time (median of --rounds), and the file size;
  load       restart on the dump: wall time until the server answers with every key, and Redis's own
             "DB loaded from disk: N seconds" log figure;
  BGSAVE     from the command until INFO shows the child reaped with status ok (median of --rounds), with no
             writes meanwhile; rdb_last_cow_size against used_memory (the CoW target for kvs is <= 5%) and against
             the resident size, and latest_fork_usec.

Ratios are kvs/redis (lower is better for times and sizes).

    python -m bench.rdb_compare                     # 1,000,000 string keys
    python -m bench.rdb_compare --keys 200000 --rounds 1 --hashes 10000 --lists 10000 --zsets 10000
"""
import argparse
import os
import re
import shutil
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import redis  # noqa: E402

from tests.procs import ServerProcess, free_port, kvs_argv, redis_server_path  # noqa: E402

COMMON = ["--enable-debug-command", "yes", "--appendonly", "no"]


def start(kind, workdir, port=None):
    port = port or free_port()
    if kind == "kvs":
        argv = kvs_argv(port, *COMMON)
    else:
        argv = [redis_server_path(), "--port", str(port), "--bind", "127.0.0.1", "--save", "", *COMMON]
    return ServerProcess(argv, port, workdir, os.path.join(workdir, "server.log")).start(timeout=60)


def client(srv):
    return redis.Redis(port=srv.port, socket_timeout=600)


def wait_loaded(r, keys, timeout=600):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if r.info("persistence")["loading"] == 0 and r.dbsize() == keys:
                return
        except (redis.exceptions.BusyLoadingError, redis.exceptions.ConnectionError):
            pass
        time.sleep(0.005)
    raise TimeoutError("dataset not loaded")


def populate(r, args):
    r.execute_command("DEBUG", "POPULATE", args.keys, "key", *([args.value_size] if args.value_size else []))
    pipe = r.pipeline(transaction=False)
    for i in range(args.hashes):
        pipe.hset(f"h:{i}", mapping={f"f{j}": f"v{i}-{j}" for j in range(8)})
        if i % 1000 == 999:
            pipe.execute()
    for i in range(args.lists):
        pipe.rpush(f"l:{i}", *[f"e{j}" for j in range(16)])
        if i % 1000 == 999:
            pipe.execute()
    for i in range(args.zsets):
        pipe.zadd(f"z:{i}", {f"m{j}": j * 1.5 for j in range(8)})
        if i % 1000 == 999:
            pipe.execute()
    pipe.execute()
    return r.dbsize()


def bgsave_once(r):
    before = r.info("stats")["total_forks"]
    t0 = time.perf_counter()
    assert r.bgsave()
    while True:
        p = r.info("persistence")
        if p["rdb_bgsave_in_progress"] == 0 and r.info("stats")["total_forks"] > before:
            break
        time.sleep(0.002)
    elapsed = time.perf_counter() - t0
    assert p["rdb_last_bgsave_status"] == "ok"
    return elapsed


def logged_load_seconds(srv):
    found = re.findall(r"DB loaded from disk: ([0-9.]+) seconds", srv.output())
    return float(found[-1]) if found else float("nan")


def measure(kind, args, workdir):
    out = {}
    srv = start(kind, workdir)
    try:
        r = client(srv)
        total = populate(r, args)
        out["keys"] = total
        out["used_memory"] = r.info("memory")["used_memory"]
        saves = []
        for _ in range(args.rounds):
            t0 = time.perf_counter()
            r.save()
            saves.append(time.perf_counter() - t0)
        out["save"] = statistics.median(saves)
        out["size"] = os.path.getsize(os.path.join(workdir, "dump.rdb"))
        time.sleep(0.5)        # let the cron settle before forking
        bg = [bgsave_once(r) for _ in range(args.rounds)]
        out["bgsave"] = statistics.median(bg)
        p = r.info("persistence")
        out["cow"] = p["rdb_last_cow_size"]
        mem = r.info("memory")
        out["used_memory_bgsave"] = mem["used_memory"]
        out["rss"] = mem["used_memory_rss"]
        out["fork_usec"] = r.info("stats")["latest_fork_usec"]
        r.shutdown(nosave=True)
    except redis.exceptions.ConnectionError:
        pass
    finally:
        srv.stop()
    # Restart on the dump the last save left.
    argv = list(srv.argv)
    port = free_port()
    argv[argv.index("--port") + 1] = str(port)
    srv = ServerProcess(argv, port, workdir, os.path.join(workdir, "server2.log"))
    t0 = time.perf_counter()
    srv.start(timeout=600)
    try:
        r = client(srv)
        wait_loaded(r, out["keys"])
        out["load_wall"] = time.perf_counter() - t0
        out["load_logged"] = logged_load_seconds(srv)
        r.shutdown(nosave=True)
    except redis.exceptions.ConnectionError:
        pass
    finally:
        srv.stop()
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--keys", type=int, default=1_000_000, help="string keys (DEBUG POPULATE)")
    p.add_argument("--value-size", type=int, default=0, help="pad values to this size (0: 'value:<n>')")
    p.add_argument("--hashes", type=int, default=0, help="hashes of 8 fields")
    p.add_argument("--lists", type=int, default=0, help="lists of 16 elements")
    p.add_argument("--zsets", type=int, default=0, help="sorted sets of 8 members")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--keep", action="store_true", help="keep the working directories")
    args = p.parse_args()
    if redis_server_path() is None:
        sys.exit("redis-server is needed (Debian: apt-get install redis-server)")
    import tempfile
    results = {}
    dirs = {}
    for kind in ("redis", "kvs"):
        dirs[kind] = tempfile.mkdtemp(prefix=f"rdbcmp-{kind}-")
        results[kind] = measure(kind, args, dirs[kind])
    k, r = results["kvs"], results["redis"]
    if k["keys"] != r["keys"]:
        print(f"warning: key counts differ: kvs {k['keys']} redis {r['keys']}")

    def row(label, kv, rv, fmt, ratio=True):
        line = f"{label:<34}{fmt(kv):>16}{fmt(rv):>16}"
        if ratio and rv:
            line += f"{kv / rv:>10.2f}x"
        print(line)

    secs = lambda v: f"{v:.3f} s"  # noqa: E731
    mib = lambda v: f"{v / 1048576:.1f} MiB"  # noqa: E731
    print(f"dataset: {k['keys']} keys ({args.keys} strings, {args.hashes} hashes, {args.lists} lists, "
          f"{args.zsets} zsets), {args.rounds} round(s)")
    print(f"{'':<34}{'kvs':>16}{'redis':>16}{'kvs/redis':>11}")
    row("SAVE time", k["save"], r["save"], secs)
    row("BGSAVE time (command to reaped)", k["bgsave"], r["bgsave"], secs)
    row("start-up load, wall to serving", k["load_wall"], r["load_wall"], secs)
    row("start-up load, logged", k["load_logged"], r["load_logged"], secs)
    row("dump.rdb size", k["size"], r["size"], mib)
    row("used_memory", k["used_memory"], r["used_memory"], mib)
    row("used_memory_rss", k["rss"], r["rss"], mib)
    row("fork (latest_fork_usec)", k["fork_usec"] / 1e6, r["fork_usec"] / 1e6, secs)
    row("BGSAVE CoW (rdb_last_cow_size)", k["cow"], r["cow"], mib)
    for name, res in (("kvs", k), ("redis", r)):
        perc = res["cow"] * 100 / res["used_memory_bgsave"]
        print(f"{name} CoW / used_memory: {perc:.2f}%" + ("  (target <= 5%)" if name == "kvs" else "")
              + f", CoW / RSS: {res['cow'] * 100 / res['rss']:.2f}%")
    if args.keep:
        print("directories:", dirs)
    else:
        for d in dirs.values():
            shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    main()
