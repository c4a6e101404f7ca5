"""Side-by-side throughput of kvs and redis-server, measured with redis-benchmark.

Both servers run on free loopback ports; for each round and each test the two are benchmarked one after the
other (alternating which goes first), and the script prints, per test, the median requests/s of each, the ratio
kvs/redis, and each server's CPU time per request (utime+stime from /proc/<pid>/stat over the run).

    python -m bench.compare                        # SET,GET,INCR,MSET with -c 50, then SET,GET with -P 16
    python -m bench.compare -t set,get -P 16 -n 200000 --rounds 5
    python -m bench.compare --command "XADD s * f v"   # a custom command line, as redis-benchmark runs it
"""
import argparse
import csv
import io
import os
import shutil
import statistics
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from tests.procs import start_kvs, start_redis  # noqa: E402

CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def run_benchmark(port, test, n, clients, pipeline, keyspace, command=None):
    argv = ["redis-benchmark", "-p", str(port), "-n", str(n), "-c", str(clients), "-P", str(pipeline), "--csv"]
    if keyspace:
        argv += ["-r", str(keyspace)]   # random keys among this many; 0 = redis-benchmark's single fixed key
    argv += [*command.split()] if command else ["-t", test]
    out = subprocess.run(argv, capture_output=True, text=True, timeout=600, check=True).stdout
    rows = list(csv.reader(io.StringIO(out)))
    return {r[0]: float(r[1]) for r in rows[1:] if len(r) > 1}


def measure(server, test, args, command=None):
    before = cpu_seconds(server.pid)
    results = run_benchmark(server.port, test, args.requests, args.clients, args.pipeline, args.keyspace,
                            command)
    cpu = cpu_seconds(server.pid) - before
    requests = args.requests * max(len(results), 1)
    return results, cpu / requests * 1e6


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("-t", "--tests", default="set,get,incr,mset")
    p.add_argument("-n", "--requests", type=int, default=100000)
    p.add_argument("-c", "--clients", type=int, default=50)
    p.add_argument("-P", "--pipeline", type=int, default=1)
    p.add_argument("-r", "--keyspace", type=int, default=100000,
                   help="random keys among this many (0: one fixed key, redis-benchmark's default)")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--command", action="append", default=[],
                   help="a custom command line to benchmark (repeatable)")
    args = p.parse_args()
    if not shutil.which("redis-benchmark") or not shutil.which("redis-server"):
        sys.exit("redis-benchmark and redis-server are needed (Debian: apt-get install redis-server redis-tools)")

    kvs = start_kvs()
    redis = start_redis()
    try:
        jobs = [(t, None) for t in args.tests.split(",") if t] + [(c, c) for c in args.command]
        rps = {}   # (server, label) -> [rps per round]
        cpu = {}
        for rnd in range(args.rounds):
            for test, command in jobs:
                order = [("kvs", kvs), ("redis", redis)]
                if rnd % 2:
                    order.reverse()
                for name, server in order:
                    results, cpu_per_req = measure(server, test, args, command)
                    for label, value in results.items():
                        rps.setdefault((name, label), []).append(value)
                        cpu.setdefault((name, label), []).append(cpu_per_req)
        labels = sorted({label for (_, label) in rps}, key=lambda l: [k for k in rps].index(("kvs", l))
                        if ("kvs", l) in rps else 0)
        print(f"redis-benchmark -n {args.requests} -c {args.clients} -P {args.pipeline} -r {args.keyspace}, "
              f"{args.rounds} rounds, medians")
        print(f"{'test':<28}{'kvs rps':>12}{'redis rps':>12}{'ratio':>8}{'kvs cpu/req':>14}{'redis cpu/req':>15}")
        ratios = []
        for label in labels:
            k = statistics.median(rps.get(("kvs", label), [0]))
            r = statistics.median(rps.get(("redis", label), [0]))
            kc = statistics.median(cpu.get(("kvs", label), [0]))
            rc = statistics.median(cpu.get(("redis", label), [0]))
            ratio = k / r if r else 0.0
            ratios.append(ratio)
            print(f"{label[:27]:<28}{k:>12.0f}{r:>12.0f}{ratio:>8.2f}{kc:>12.2f}us{rc:>13.2f}us")
        if ratios and all(ratios):
            print(f"{'geometric mean ratio':<28}{'':>24}{statistics.geometric_mean(ratios):>8.2f}")
    finally:
        kvs.stop()
        redis.stop()


if __name__ == "__main__":
    main()
