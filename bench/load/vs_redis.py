#!/usr/bin/python3
"""Cachette against Redis under redis-benchmark: GET and SET at pipeline 1 and 16.

Both servers run for the whole comparison, each pinned to one CPU (SERVER_CPU) and
redis-benchmark to another (CLIENT_CPU). For every figure (test x pipeline) and round, the two
servers run one after the other (A, B, A, B ...). Each run records:

  - throughput (requests/s) and p99 latency, from redis-benchmark's --csv line;
  - server CPU per request: utime+stime of the server process (/proc/PID/stat) before and after,
    divided by the requests;
  - noise: busy time of the server's and the client's CPUs (/proc/stat) minus what the server
    and redis-benchmark themselves used (/proc/PID/stat, the child's rusage), as a share of the
    run's wall time. When either run of a pair is over NOISE_MAX, the pair is set aside and run
    again, at most MAX_RETRIES times; after that the least noisy attempt is kept and flagged.

Before the first run every key of the keyspace is loaded (pipelined SETs of DATASIZE-byte
values), so GETs hit. The table shows, per figure, the medians over rounds and the ratio
cachette/redis of each; then the geometric mean of each ratio over the figures. Exit status is
non-zero only for errors (a server that does not start, redis-benchmark failing), never for a
ratio.

Settings come from the environment (defaults in brackets):
  CACHETTE_SERVER [build/cachette-server]  REDIS_SERVER [/usr/bin/redis-server]
  REDIS_BENCHMARK [/usr/bin/redis-benchmark]  ROUNDS [5]  N_P1 [200000]  N_P16 [2000000]
  PIPELINES ["1 16"]  TESTS ["get set"]  CLIENTS [50]  DATASIZE [64]  KEYSPACE [100000]
  SERVER_CPU [0]  CLIENT_CPU [1]  NOISE_MAX [0.05]  MAX_RETRIES [3]
  SELF_TEST [0]: 1 runs Redis against Redis (a calibration: every ratio should be near 1.0)
  CACHETTE_ARGS [unset]: more arguments for cachette-server ("--prefix-stats no")
  CACHETTE_B_ARGS [unset]: when set, server B is cachette-server too, started with these
    arguments instead of redis-server: the ratios then compare two settings of cachette
    (CACHETTE_ARGS="--prefix-stats yes" CACHETTE_B_ARGS="--prefix-stats no")
  JSON_OUT [unset]: a path to write every run's raw figures to
"""

import json
import math
import os
import shlex
import signal
import statistics
import sys

sys.dont_write_bytecode = True  # importing benchlib.py must not leave __pycache__ in bench/load

from benchlib import (  # noqa: E402
    BenchError, Client, NoiseMeter, RedisBenchmark, ServerProcess, check_executable,
    check_loaded, free_port, load_keys, run_main)


def env_int(name, default):
    try:
        return int(os.environ.get(name, default))
    except ValueError:
        raise BenchError(f"{name} must be an integer, not {os.environ[name]!r}")


def env_float(name, default):
    try:
        return float(os.environ.get(name, default))
    except ValueError:
        raise BenchError(f"{name} must be a number, not {os.environ[name]!r}")


def load_keyspace(port, keyspace, datasize):
    """SETs key:000000000000 .. key:<keyspace-1> (redis-benchmark's key names) in batches."""
    value = b"x" * datasize
    client = Client(port, timeout=60)
    try:
        load_keys(client, keyspace, value, batch=1000)
        check_loaded(client, keyspace, value)
    finally:
        client.close()


class Settings:
    def __init__(self):
        root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        self.cachette = os.environ.get("CACHETTE_SERVER",
                                       os.path.join(root, "build", "cachette-server"))
        self.redis = os.environ.get("REDIS_SERVER", "/usr/bin/redis-server")
        self.benchmark = os.environ.get("REDIS_BENCHMARK", "/usr/bin/redis-benchmark")
        self.rounds = env_int("ROUNDS", 5)
        self.n = {1: env_int("N_P1", 200000), 16: env_int("N_P16", 2000000)}
        self.pipelines = [int(p) for p in os.environ.get("PIPELINES", "1 16").split()]
        self.tests = os.environ.get("TESTS", "get set").lower().split()
        self.clients = env_int("CLIENTS", 50)
        self.datasize = env_int("DATASIZE", 64)
        self.keyspace = env_int("KEYSPACE", 100000)
        self.server_cpu = env_int("SERVER_CPU", 0)
        self.client_cpu = env_int("CLIENT_CPU", 1)
        self.noise_max = env_float("NOISE_MAX", 0.05)
        self.max_retries = env_int("MAX_RETRIES", 3)
        self.self_test = os.environ.get("SELF_TEST", "0") not in ("", "0")
        self.cachette_args = shlex.split(os.environ.get("CACHETTE_ARGS", ""))
        b_args = os.environ.get("CACHETTE_B_ARGS")
        self.cachette_b_args = None if b_args is None else shlex.split(b_args)
        self.json_out = os.environ.get("JSON_OUT")
        for test in self.tests:
            if test not in ("get", "set"):
                raise BenchError(f"TESTS may hold get and set, not {test!r}")
        for p in self.pipelines:
            if p not in self.n:
                self.n[p] = env_int(f"N_P{p}", 200000 * p if p < 10 else 2000000)
        if self.rounds < 1:
            raise BenchError("ROUNDS must be at least 1")
        for path in ((self.redis, self.benchmark) if self.self_test
                     else (self.cachette, self.redis, self.benchmark)):
            check_executable(path, hint="")


def measured_run(settings, server, test, pipeline):
    """One redis-benchmark run against `server`; returns its figures, with the noise: the busy
    time of the server's and the client's CPUs minus the server's and redis-benchmark's."""
    n = settings.n[pipeline]
    bench = RedisBenchmark(settings.benchmark, settings.client_cpu, server.port,
                           ["-t", test, "-n", n, "-c", settings.clients,
                            "-d", settings.datasize, "-r", settings.keyspace, "-P", pipeline])
    meter = NoiseMeter({settings.server_cpu, settings.client_cpu}, server, count_self=False)
    meter.start()
    bench.start()
    row = bench.wait()
    m = meter.stop()
    if row.get("test", "").lower() != test or "p99_latency_ms" not in row:
        raise BenchError(f"unexpected redis-benchmark CSV: {bench.rows!r}")
    return {
        "rps": float(row["rps"]),
        "p99_ms": float(row["p99_latency_ms"]),
        "p50_ms": float(row["p50_latency_ms"]),
        "server_cpu_s": m["server_cpu_s"],
        "cpu_us_per_req": m["server_cpu_s"] / n * 1e6,
        "wall_s": m["wall_s"],
        "busy_s": m["busy_s"],
        "client_cpu_s": m["client_cpu_s"],
        "other_cpu_s": m["other_cpu_s"],
        "noise": max(0.0, m["other_cpu_s"]) / m["wall_s"],
    }


def fmt_rps(x):
    return f"{x / 1e6:.3f}M" if x >= 1e6 else f"{x / 1e3:.1f}k"


def geomean(xs):
    xs = [x for x in xs if x > 0]
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else float("nan")


def main():
    settings = Settings()
    a_label = "redis(A)" if settings.self_test else "cachette"
    b_label = "redis(B)" if settings.self_test else "redis"
    if settings.cachette_b_args is not None and not settings.self_test:
        a_label, b_label = "cachette(A)", "cachette(B)"
    port_a, port_b = free_port(), free_port()
    while port_b == port_a:
        port_b = free_port()
    redis_argv = ["--save", "", "--appendonly", "no", "--loglevel", "warning",
                  "--bind", "127.0.0.1"]
    if settings.self_test:
        argv_a = [settings.redis, "--port", str(port_a)] + redis_argv
    else:
        argv_a = [settings.cachette, "--threads", "1", "--port", str(port_a), "--save", "",
                  "--loglevel", "warning", "--bind", "127.0.0.1"] + settings.cachette_args
    argv_b = [settings.redis, "--port", str(port_b)] + redis_argv
    if settings.cachette_b_args is not None and not settings.self_test:
        argv_b = [settings.cachette, "--threads", "1", "--port", str(port_b), "--save", "",
                  "--loglevel", "warning", "--bind", "127.0.0.1"] + settings.cachette_b_args
    servers = [ServerProcess(a_label, argv_a, port_a, settings.server_cpu),
               ServerProcess(b_label, argv_b, port_b, settings.server_cpu)]

    def on_signal(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, on_signal)
    figures = [(t, p) for p in settings.pipelines for t in settings.tests]
    results = {(s.label, t, p): [] for s in servers for (t, p) in figures}
    flagged = 0
    reruns = 0
    try:
        for server in servers:
            server.start()
            load_keyspace(server.port, settings.keyspace, settings.datasize)
        print(f"# {a_label} pid {servers[0].pid} port {port_a}; {b_label} pid {servers[1].pid} "
              f"port {port_b}; servers on CPU {settings.server_cpu}, redis-benchmark on CPU "
              f"{settings.client_cpu}; {settings.rounds} rounds; -c {settings.clients} "
              f"-d {settings.datasize} -r {settings.keyspace}; N "
              + ", ".join(f"P{p}={settings.n[p]}" for p in settings.pipelines), flush=True)
        print(f"# {'round':>5} {'figure':<8} {'server':<9} {'rps':>9} {'p99 ms':>7} "
              f"{'us/req':>7} {'noise':>6}", flush=True)
        for rnd in range(1, settings.rounds + 1):
            for test, pipeline in figures:
                best = None
                for attempt in range(settings.max_retries + 1):
                    pair = [measured_run(settings, s, test, pipeline) for s in servers]
                    noise = max(r["noise"] for r in pair)
                    for s, r in zip(servers, pair):
                        print(f"  {rnd:>5} {test.upper() + ' P' + str(pipeline):<8} "
                              f"{s.label:<9} {fmt_rps(r['rps']):>9} {r['p99_ms']:>7.3f} "
                              f"{r['cpu_us_per_req']:>7.3f} {r['noise'] * 100:>5.1f}%",
                              flush=True)
                    if best is None or noise < best[0]:
                        best = (noise, pair)
                    if noise <= settings.noise_max:
                        break
                    if attempt < settings.max_retries:
                        reruns += 1
                        print(f"        noise {noise * 100:.1f}% > "
                              f"{settings.noise_max * 100:.0f}%: pair set aside, rerun",
                              flush=True)
                noise, pair = best
                if noise > settings.noise_max:
                    flagged += 1
                    print(f"        kept a pair with noise {noise * 100:.1f}% after "
                          f"{settings.max_retries} reruns", flush=True)
                for s, r in zip(servers, pair):
                    r["round"] = rnd
                    results[(s.label, test, pipeline)].append(r)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    finally:
        for server in servers:
            server.stop()

    print()
    print(f"Medians over {settings.rounds} rounds; ratio = {a_label}/{b_label} "
          f"(throughput: higher is better; p99 and CPU/request: lower is better).")
    header = (f"{'figure':<8} | {'rps ' + a_label:>13} {'rps ' + b_label:>13} {'ratio':>6} | "
              f"{'p99 ms ' + a_label[:5]:>13} {'p99 ms ' + b_label[:5]:>13} {'ratio':>6} | "
              f"{'us/req ' + a_label[:5]:>13} {'us/req ' + b_label[:5]:>13} {'ratio':>6}")
    print(header)
    print("-" * len(header))
    ratios = {"rps": [], "p99_ms": [], "cpu_us_per_req": []}
    summary = []
    for test, pipeline in figures:
        med = {}
        for s in servers:
            runs = results[(s.label, test, pipeline)]
            med[s.label] = {k: statistics.median(r[k] for r in runs)
                            for k in ("rps", "p99_ms", "cpu_us_per_req")}
        a, b = med[a_label], med[b_label]
        row = {"figure": f"{test.upper()} P{pipeline}"}
        cells = []
        for key, fmt in (("rps", fmt_rps), ("p99_ms", lambda x: f"{x:.3f}"),
                         ("cpu_us_per_req", lambda x: f"{x:.3f}")):
            ratio = a[key] / b[key] if b[key] > 0 else float("nan")
            ratios[key].append(ratio)
            row[key] = {a_label: a[key], b_label: b[key], "ratio": ratio}
            cells.append(f"{fmt(a[key]):>13} {fmt(b[key]):>13} {ratio:>6.3f}")
        summary.append(row)
        print(f"{row['figure']:<8} | " + " | ".join(cells))
    print("-" * len(header))
    g = {k: geomean(v) for k, v in ratios.items()}
    print(f"{'geomean':<8} | {'':>13} {'':>13} {g['rps']:>6.3f} | {'':>13} {'':>13} "
          f"{g['p99_ms']:>6.3f} | {'':>13} {'':>13} {g['cpu_us_per_req']:>6.3f}")
    all_runs = [r for runs in results.values() for r in runs]
    print(f"\nNoise (CPU time on CPUs {settings.server_cpu},{settings.client_cpu} used by other "
          f"processes, share of run time) in kept runs: median "
          f"{statistics.median(r['noise'] for r in all_runs) * 100:.1f}%, max "
          f"{max(r['noise'] for r in all_runs) * 100:.1f}%; {reruns} pairs rerun, "
          f"{flagged} pairs kept over {settings.noise_max * 100:.0f}%.")
    if settings.json_out:
        with open(settings.json_out, "w") as f:
            json.dump({"settings": {k: v for k, v in vars(settings).items()},
                       "summary": summary, "geomean": g,
                       "runs": {f"{k[0]} {k[1]} P{k[2]}": v for k, v in results.items()}},
                      f, indent=1, default=str)
    return 0


if __name__ == "__main__":
    run_main(main, "vs_redis")
