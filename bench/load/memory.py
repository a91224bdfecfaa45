#!/usr/bin/python3
"""Memory per key: cachette against redis-server (issue 3, point 5).

For each server and each value size, a fresh server process (pinned to --server-cpu) is
loaded with --keys keys (16-byte names key:000000000000 ...) by pipelined SETs over raw RESP
(batches of --batch commands). Before the load and --settle seconds after it, the script reads

  - VmRSS from /proc/PID/status (the process's resident memory), and
  - used_memory from INFO memory (what the server says it allocated),

and reports each growth divided by the number of keys, side by side, with the ratio
cachette/redis. Target of issue 3: cachette's RSS per key at most 0.75x Redis's. For cachette
it also prints used_memory growth against RSS growth (issue 3, point 2: within 10%).

Redis 7.0.15 on these machines (../../../shared/BENCHMARKING.md): about 132 B/key of RSS for
32-byte values and 401 B/key for 256-byte values.

The other scripts of bench/load/ (hitratio.py, expiry.py) import the RESP client and the server
helpers from this file. Exit status is non-zero only on errors (a server that does not start,
a wrong reply), never because of a ratio.
"""

import argparse
import os
import re
import socket
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_CACHETTE = os.path.join(ROOT, "build", "release", "cachette-server")
DEFAULT_REDIS = "/usr/bin/redis-server"
CLK_TCK = os.sysconf("SC_CLK_TCK")


class BenchError(Exception):
    pass


# ---------------------------------------------------------------------------------------------
# RESP over a plain socket (faster than redis-py for pipelined loads of millions of commands).

def encode(*args):
    out = [b"*%d\r\n" % len(args)]
    for arg in args:
        arg = arg if isinstance(arg, bytes) else str(arg).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(arg), arg))
    return b"".join(out)


class ServerReplyError(BenchError):
    pass


class Client:
    """One connection; call() for single commands, send()/read_reply() for pipelines."""

    def __init__(self, port, timeout=30.0):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.file = self.sock.makefile("rb", buffering=1 << 16)

    def read_reply(self):
        """One RESP2 reply as a Python value; an error reply raises ServerReplyError."""
        line = self.file.readline()
        if not line:
            raise BenchError("connection closed by the server")
        kind, rest = line[:1], line[1:-2]
        if kind == b"+":
            return rest.decode()
        if kind == b"$":
            length = int(rest)
            if length < 0:
                return None
            return self.file.read(length + 2)[:-2]
        if kind == b":":
            return int(rest)
        if kind == b"-":
            raise ServerReplyError(rest.decode(errors="replace"))
        if kind == b"*":
            n = int(rest)
            return None if n < 0 else [self.read_reply() for _ in range(n)]
        raise BenchError(f"unexpected reply {line[:80]!r}")

    def send(self, payload):
        self.sock.sendall(payload)

    def call(self, *args):
        self.sock.sendall(encode(*args))
        return self.read_reply()

    def info(self, section):
        """INFO <section> as a dict of strings (values converted to int/float where they parse)."""
        text = self.call("INFO", section)
        if isinstance(text, bytes):
            text = text.decode(errors="replace")
        out = {}
        for line in text.splitlines():
            if not line or line.startswith("#") or ":" not in line:
                continue
            name, value = line.split(":", 1)
            for conv in (int, float):
                try:
                    value = conv(value)
                    break
                except ValueError:
                    pass
            out[name] = value
        return out

    def close(self):
        try:
            self.file.close()
            self.sock.close()
        except OSError:
            pass


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------------------------------------
# Server processes.

class Server:
    """A server process pinned to one CPU with taskset (which execs it: pid is the server's)."""

    def __init__(self, kind, path, cpu, extra_args=()):
        self.kind = kind  # "cachette" or "redis"
        self.path = path
        self.port = free_port()
        if kind == "redis":
            argv = [path, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                    "--appendonly", "no", "--loglevel", "warning"]
        else:
            argv = [path, "--port", str(self.port), "--bind", "127.0.0.1", "--threads", "1",
                    "--loglevel", "warning"]
        self.argv = ["taskset", "-c", str(cpu)] + argv + list(extra_args)
        self.proc = None

    @property
    def label(self):
        return self.kind

    @property
    def pid(self):
        return self.proc.pid

    def start(self):
        self.proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                err = self.proc.stderr.read().decode(errors="replace")
                raise BenchError(f"{self.kind} exited with {self.proc.returncode}: {err.strip()}"
                                 f"\n  command: {' '.join(self.argv)}")
            try:
                client = Client(self.port, timeout=1)
                try:
                    if client.call("PING") == "PONG":
                        return self
                finally:
                    client.close()
            except (OSError, BenchError):
                time.sleep(0.05)
        self.stop()
        raise BenchError(f"{self.kind} did not answer PING on port {self.port} within 15 s")

    def rss_bytes(self):
        with open(f"/proc/{self.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
        raise BenchError("no VmRSS in /proc/PID/status")

    def cpu_seconds(self):
        """utime+stime of the whole process (all threads), in seconds."""
        with open(f"/proc/{self.pid}/stat") as f:
            stat = f.read()
        fields = stat[stat.rindex(")") + 2:].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK

    def stop(self):
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def cpu_busy_seconds(cpus):
    """Busy time (all but idle and iowait) of the CPUs in `cpus`, summed, in seconds."""
    busy = 0
    with open("/proc/stat") as f:
        for line in f:
            name, *values = line.split()
            if name.startswith("cpu") and name[3:].isdigit() and int(name[3:]) in cpus:
                v = [int(x) for x in values[:8]]
                busy += v[0] + v[1] + v[2] + v[5] + v[6] + v[7]
    return busy / CLK_TCK


def self_cpu_seconds():
    t = os.times()
    return t.user + t.system


def check_executable(path):
    if not os.access(path, os.X_OK):
        raise BenchError(f"{path} is not an executable file (build it, or pass the path)")


def parse_memory(text):
    """'30.8mb', '512kb', '1gb', '123456' -> bytes (Redis's units: k=1000, kb=1024 ...)."""
    t = text.strip().lower()
    units = [("gb", 1 << 30), ("mb", 1 << 20), ("kb", 1 << 10), ("g", 10**9), ("m", 10**6),
             ("k", 1000), ("b", 1)]
    for suffix, mult in units:
        if t.endswith(suffix):
            return int(float(t[:-len(suffix)]) * mult)
    return int(float(t))


def human(n):
    for unit, div in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if abs(n) >= div:
            return f"{n / div:.2f} {unit}"
    return f"{n} B"


def key_name(prefix, i):
    """16-byte key names: prefix 'key:' -> key:000000000042 (redis-benchmark's names)."""
    return b"%s%012d" % (prefix, i)


def load_keys(client, n, value, batch=1000, prefix=b"key:", extra=(), start=0,
              progress=None):
    """SETs n keys (prefix + 12 digits) to `value` with pipelined batches; checks every +OK.
    `extra` holds additional SET arguments (e.g. (b"PX", b"1000")). Returns seconds taken."""
    tail = b"$%d\r\n%s\r\n" % (len(value), value)
    for arg in extra:
        tail += b"$%d\r\n%s\r\n" % (len(arg), arg)
    head = b"*%d\r\n$3\r\nSET\r\n$16\r\n" % (3 + len(extra))
    t0 = time.monotonic()
    fmt = prefix + b"%012d"
    for lo in range(start, start + n, batch):
        hi = min(start + n, lo + batch)
        client.send(b"".join(head + (fmt % i) + b"\r\n" + tail for i in range(lo, hi)))
        readline = client.file.readline
        for _ in range(lo, hi):
            line = readline()
            if line != b"+OK\r\n":
                raise BenchError(f"SET during the load replied {line[:100]!r}")
        if progress and (hi - start) % progress == 0:
            print(f"    {hi - start:>9,} keys loaded ({time.monotonic() - t0:.1f} s)",
                  flush=True)
    return time.monotonic() - t0


# ---------------------------------------------------------------------------------------------
# The memory benchmark.

def measure(kind, path, args, value_size):
    value = (b"v" * value_size)
    with Server(kind, path, args.server_cpu) as server:
        client = Client(server.port, timeout=120)
        try:
            time.sleep(args.settle)
            rss0 = server.rss_bytes()
            used0 = client.info("memory").get("used_memory")
            load_s = load_keys(client, args.keys, value, args.batch)
            time.sleep(args.settle)
            rss1 = server.rss_bytes()
            mem = client.info("memory")
            used1 = mem.get("used_memory")
            dbsize = client.call("DBSIZE")
            if dbsize != args.keys:
                raise BenchError(f"{kind}: DBSIZE is {dbsize} after loading {args.keys} keys")
            probe = b"key:%012d" % (args.keys - 1)
            if client.call("GET", probe) != value:
                raise BenchError(f"{kind}: GET of a loaded key returned the wrong value")
        finally:
            client.close()
    result = {
        "server": kind, "value": value_size, "load_s": load_s,
        "rss0": rss0, "rss1": rss1, "rss_per_key": (rss1 - rss0) / args.keys,
        "used0": used0, "used1": used1,
        "used_per_key": None if used0 is None or used1 is None else (used1 - used0) / args.keys,
        "frag": mem.get("mem_fragmentation_ratio"),
    }
    used = "n/a" if result["used_per_key"] is None else f"{result['used_per_key']:.1f} B/key"
    print(f"  {kind:<8} value {value_size:>4} B: load {load_s:5.2f} s, RSS {human(rss0)} -> "
          f"{human(rss1)} = {result['rss_per_key']:.1f} B/key; used_memory {used}", flush=True)
    return result


def ratio(a, b):
    return None if a is None or b is None or b == 0 else a / b


def fmt(x, spec):
    """format(x, spec), or 'n/a' padded to the spec's width when x is None."""
    if x is not None:
        return format(x, spec)
    width = re.match(r"\d*", spec).group()
    return "n/a".rjust(int(width) if width else 0)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__.split("\n\n", 1)[1])
    ap.add_argument("--cachette", default=DEFAULT_CACHETTE,
                    help="cachette-server binary [%(default)s]")
    ap.add_argument("--redis", default=DEFAULT_REDIS, help="redis-server binary [%(default)s]")
    ap.add_argument("--keys", type=int, default=1_000_000, help="keys to load [%(default)s]")
    ap.add_argument("--values", default="32,256",
                    help="comma-separated value sizes in bytes [%(default)s]")
    ap.add_argument("--batch", type=int, default=1000,
                    help="SETs per pipelined batch [%(default)s]")
    ap.add_argument("--settle", type=float, default=1.0,
                    help="seconds to wait before each RSS reading [%(default)s]")
    ap.add_argument("--rounds", type=int, default=1,
                    help="fresh-process loads per server and size; the median is kept "
                         "[%(default)s]")
    ap.add_argument("--server-cpu", type=int, default=0, help="CPU for the servers [0]")
    ap.add_argument("--servers", default="cachette,redis",
                    help="which servers to measure [%(default)s]")
    ap.add_argument("--quick", action="store_true",
                    help="smoke run: 50,000 keys, 0.2 s settle (per-key figures are then "
                         "dominated by table growth steps: not comparable)")
    args = ap.parse_args()
    if args.quick:
        args.keys, args.settle = 50_000, 0.2
    sizes = [int(v) for v in args.values.split(",") if v]
    servers = [s.strip() for s in args.servers.split(",") if s.strip()]
    paths = {"cachette": args.cachette, "redis": args.redis}
    for s in servers:
        if s not in paths:
            raise BenchError(f"unknown server {s!r} (cachette, redis)")
        check_executable(paths[s])

    print(f"memory.py: {args.keys:,} keys of 16 bytes, values {sizes} bytes, pipelined SETs "
          f"(batch {args.batch}), fresh process per load, RSS {args.settle} s after the load")
    print(f"  cachette: {args.cachette}\n  redis:    {args.redis}")
    results = {}
    for rnd in range(args.rounds):
        for size in sizes:
            for s in servers:  # alternate the servers within each size
                results.setdefault((s, size), []).append(measure(s, paths[s], args, size))

    def median_of(s, size, field):
        vals = sorted(r[field] for r in results[(s, size)] if r[field] is not None)
        return vals[len(vals) // 2] if vals else None

    print()
    print("Per key (growth / keys; medians over rounds). payload = key + value bytes.")
    head = (f"{'value':>6} {'payload':>8} | {'RSS cachette':>12} {'RSS redis':>10} {'ratio':>6} | "
            f"{'used cachette':>13} {'used redis':>10} {'ratio':>6} | {'cachette used/RSS':>17}")
    print(head)
    print("-" * len(head))
    for size in sizes:
        rc = median_of("cachette", size, "rss_per_key") if "cachette" in servers else None
        rr = median_of("redis", size, "rss_per_key") if "redis" in servers else None
        uc = median_of("cachette", size, "used_per_key") if "cachette" in servers else None
        ur = median_of("redis", size, "used_per_key") if "redis" in servers else None
        print(f"{size:>6} {16 + size:>8} | {fmt(rc, '12.1f')} {fmt(rr, '10.1f')} "
              f"{fmt(ratio(rc, rr), '6.3f')} | {fmt(uc, '13.1f')} {fmt(ur, '10.1f')} "
              f"{fmt(ratio(uc, ur), '6.3f')} | {fmt(ratio(uc, rc), '17.3f')}")
    print("-" * len(head))
    for (s, size), rows in sorted(results.items()):
        if any(r["used_per_key"] is not None and r["used_per_key"] <= 0 for r in rows):
            print(f"NOTE: {s}'s used_memory did not grow over the load of {size}-byte values: "
                  "its INFO memory does not track the allocations.")
    print("Targets (issue 3): RSS ratio cachette/redis <= 0.75; cachette used/RSS within "
          "0.90-1.10.")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as e:
        print(f"error: {e}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
