"""Helpers shared by the scripts of bench/load/ (memory.py, hitratio.py, expiry.py, vs_redis.py).

  - a RESP2 client over a plain socket (faster than redis-py for pipelined loads of millions of
    commands) and a pipelined key loader;
  - server processes pinned to one CPU with taskset, started with a wait until they answer PING
    and stopped with SIGTERM (SIGKILL after a timeout);
  - CPU accounting from /proc: a process's utime+stime (/proc/PID/stat), the busy time of a set
    of CPUs (/proc/stat), and the noise of a run (CPU time on those CPUs used by other
    processes);
  - redis-benchmark --csv runs, and small formatting and error-handling helpers.

Standard library only; the scripts run with /usr/bin/python3. Importers set
sys.dont_write_bytecode before importing this module so that no __pycache__ is left here.
"""

import argparse
import os
import re
import resource
import socket
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_CACHETTE = os.path.join(ROOT, "build", "release", "cachette-server")
DEFAULT_REDIS = "/usr/bin/redis-server"
DEFAULT_BENCHMARK = "/usr/bin/redis-benchmark"
CLK_TCK = os.sysconf("SC_CLK_TCK")


class BenchError(Exception):
    pass


class ServerReplyError(BenchError):
    pass


def run_main(main, prefix="error"):
    """sys.exit(main()); a BenchError prints '<prefix>: <error>' and exits 1, ^C exits 130."""
    try:
        sys.exit(main())
    except BenchError as e:
        print(f"{prefix}: {e}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)


# ---------------------------------------------------------------------------------------------
# RESP over a plain socket.

def encode(*args):
    out = [b"*%d\r\n" % len(args)]
    for arg in args:
        arg = arg if isinstance(arg, bytes) else str(arg).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(arg), arg))
    return b"".join(out)


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


def check_loaded(client, n, value, label=None):
    """After load_keys(client, n, value) of key:... keys: DBSIZE is n and the last key's GET
    returns `value` (the server speaks the protocol right). Errors start with '<label>: '."""
    where = f"{label}: " if label else ""
    dbsize = client.call("DBSIZE")
    if dbsize != n:
        raise BenchError(f"{where}DBSIZE is {dbsize} after loading {n} keys")
    if client.call("GET", b"key:%012d" % (n - 1)) != value:
        raise BenchError(f"{where}GET of a loaded key returned the wrong value")


# ---------------------------------------------------------------------------------------------
# Server processes.

class ServerProcess:
    """A server process (argv) listening on `port`, pinned to one CPU with taskset (which execs
    it: pid is the server's)."""

    def __init__(self, label, argv, port, cpu, start_timeout=15, stop_timeout=20):
        self.label = label
        self.port = port
        self.argv = ["taskset", "-c", str(cpu)] + list(argv)
        self.start_timeout = start_timeout
        self.stop_timeout = stop_timeout
        self.proc = None

    @property
    def pid(self):
        return self.proc.pid

    def start(self):
        """Starts the process and waits until it answers PING; returns self."""
        self.proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                err = self.proc.stderr.read().decode(errors="replace")
                raise BenchError(f"{self.label} exited with {self.proc.returncode}: "
                                 f"{err.strip()}\n  command: {' '.join(self.argv)}")
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
        raise BenchError(f"{self.label} did not answer PING on port {self.port} within "
                         f"{self.start_timeout:g} s")

    def rss_bytes(self):
        with open(f"/proc/{self.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
        raise BenchError("no VmRSS in /proc/PID/status")

    def cpu_seconds(self):
        """utime+stime of the whole process (all threads), in seconds."""
        return process_cpu_seconds(self.pid)

    def stop(self):
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=self.stop_timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


class Server(ServerProcess):
    """A fresh cachette ("cachette": --threads 1) or redis-server ("redis": no persistence) on a
    free port of 127.0.0.1 with --loglevel warning, plus `extra_args`."""

    def __init__(self, kind, path, cpu, extra_args=()):
        self.kind = kind  # "cachette" or "redis"
        self.path = path
        port = free_port()
        if kind == "redis":
            argv = [path, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                    "--appendonly", "no", "--loglevel", "warning"]
        else:
            argv = [path, "--port", str(port), "--bind", "127.0.0.1", "--threads", "1",
                    "--loglevel", "warning"]
        super().__init__(kind, argv + list(extra_args), port, cpu)


def check_executable(path, hint=" (build it, or pass the path)"):
    if not os.access(path, os.X_OK):
        raise BenchError(f"{path} is not an executable file{hint}")


# ---------------------------------------------------------------------------------------------
# Command lines (memory.py, hitratio.py, expiry.py).

def argument_parser(doc):
    """A parser whose description is the first paragraph of `doc` (the script's docstring) and
    epilog the rest, with --cachette and --redis (the servers' binaries)."""
    ap = argparse.ArgumentParser(description=doc.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=doc.split("\n\n", 1)[1])
    ap.add_argument("--cachette", default=DEFAULT_CACHETTE,
                    help="cachette-server binary [%(default)s]")
    ap.add_argument("--redis", default=DEFAULT_REDIS, help="redis-server binary [%(default)s]")
    return ap


def selected_servers(args):
    """The servers of --servers (comma-separated, in order) and {kind: binary}; checks that
    each is known and its binary executable."""
    servers = [s.strip() for s in args.servers.split(",") if s.strip()]
    paths = {"cachette": args.cachette, "redis": args.redis}
    for s in servers:
        if s not in paths:
            raise BenchError(f"unknown server {s!r} (cachette, redis)")
        check_executable(paths[s])
    return servers, paths


# ---------------------------------------------------------------------------------------------
# CPU time and noise.

def process_cpu_seconds(pid):
    """utime+stime of process `pid` (all threads), in seconds, from /proc/PID/stat."""
    with open(f"/proc/{pid}/stat") as f:
        stat = f.read()
    fields = stat[stat.rindex(")") + 2:].split()
    # fields[0] is field 3 (state); utime and stime are fields 14 and 15.
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def cpu_busy_seconds(cpus):
    """Busy time (everything but idle and iowait) of each CPU in `cpus`, summed, in seconds."""
    busy = 0
    with open("/proc/stat") as f:
        for line in f:
            name, *values = line.split()
            if name.startswith("cpu") and name[3:].isdigit() and int(name[3:]) in cpus:
                # user nice system idle iowait irq softirq steal guest guest_nice; guest time is
                # already inside user.
                v = [int(x) for x in values[:8]]
                busy += v[0] + v[1] + v[2] + v[5] + v[6] + v[7]
    return busy / CLK_TCK


def self_cpu_seconds():
    t = os.times()
    return t.user + t.system


def children_cpu_seconds():
    """CPU time of this process's reaped children (RUSAGE_CHILDREN), in seconds."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


class NoiseMeter:
    """CPU time on `cpus` used by other processes over an interval: the busy time of the CPUs
    (/proc/stat) minus the server's (/proc/PID/stat), this script's reaped children's (the
    client, once waited for) and, with count_self, this script's own. start(), then stop()
    returns a dict: wall_s, busy_s, server_cpu_s, client_cpu_s, self_cpu_s, other_cpu_s and
    noise (other_cpu_s / wall_s, not clamped at 0)."""

    def __init__(self, cpus, server, count_self=True):
        self.cpus = cpus
        self.server = server
        self.count_self = count_self

    def start(self):
        self.child0 = children_cpu_seconds()
        self.self0 = self_cpu_seconds()
        self.busy0 = cpu_busy_seconds(self.cpus)
        self.server0 = self.server.cpu_seconds()
        self.wall0 = time.monotonic()
        return self

    def stop(self):
        wall = time.monotonic() - self.wall0
        server = self.server.cpu_seconds() - self.server0
        busy = cpu_busy_seconds(self.cpus) - self.busy0
        own = self_cpu_seconds() - self.self0
        client = children_cpu_seconds() - self.child0
        other = busy - server - client - (own if self.count_self else 0.0)
        return {"wall_s": wall, "busy_s": busy, "server_cpu_s": server, "client_cpu_s": client,
                "self_cpu_s": own, "other_cpu_s": other, "noise": other / wall}


# ---------------------------------------------------------------------------------------------
# redis-benchmark.

class RedisBenchmark:
    """redis-benchmark -h 127.0.0.1 -p PORT <args> --csv as a child process pinned to `cpu`;
    wait() returns the figures row of its CSV as a dict of strings (self.rows: all CSV rows)."""

    def __init__(self, benchmark, cpu, port, args):
        self.argv = (["taskset", "-c", str(cpu), benchmark, "-h", "127.0.0.1", "-p", str(port)]
                     + [str(a) for a in args] + ["--csv"])
        self.proc = None

    def start(self):
        self.t0 = time.monotonic()
        self.proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        return self

    def done(self):
        return self.proc.poll() is not None

    def wait(self):
        out, err = self.proc.communicate()  # reaps the child: its rusage is in RUSAGE_CHILDREN
        self.wall = time.monotonic() - self.t0
        if self.proc.returncode != 0:
            raise BenchError(f"redis-benchmark exited with {self.proc.returncode}: "
                             f"{err.decode(errors='replace')}")
        self.rows = [line for line in out.decode().splitlines() if line.startswith('"')]
        if len(self.rows) < 2:
            raise BenchError(f"unexpected redis-benchmark output: {out.decode()!r}")
        header = [h.strip('"') for h in self.rows[0].split(",")]
        values = [v.strip('"') for v in self.rows[1].split(",")]
        return dict(zip(header, values))


# ---------------------------------------------------------------------------------------------
# Formatting.

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


def fmt(x, spec):
    """format(x, spec), or 'n/a' padded to the spec's width when x is None."""
    if x is not None:
        return format(x, spec)
    width = re.match(r"\d*", spec).group()
    return "n/a".rjust(int(width) if width else 0)
