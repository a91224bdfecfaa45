#!/usr/bin/python3
"""Big values: how long another client's PING waits while one client sends a SET of 100 MB or
512 MB to the same I/O thread (issue 12, point 7).

Per server (a fresh process pinned to --server-cpu for every round; cachette with --threads 1,
so both clients share its one I/O thread) and round, for each size of --sizes:

  new        SET big <size bytes> on a key that does not exist;
  overwrite  the same SET again, so the server also frees the value it replaces;
  get        GET big (the reply path: the whole value goes back to the client).

Client A (a forked process pinned to --client-cpu) sends the command with one sendall and reads
the reply; client B (this process, pinned to --client-cpu too) sends PING and waits for PONG in
a loop from just before A starts sending until A has its reply. Reported per case: the worst
PING wait (the longest round trip of one PING), the number of PINGs answered meanwhile and the
time A's command took from its first byte sent to its reply read. The summary keeps the median
over the rounds of each figure and the ratio cachette / redis of the worst PING waits.

Redis reads a bulk of at least 32 KB (PROTO_MBULK_BIG_ARG) into a query buffer sized for it and
keeps that buffer as the value (no copy), so its worst wait is what the reads and the free cost.
The waits are short compared with the transfer (0.2 s for 100 MB over loopback here), so a busy
machine shows in them: run --rounds 3 or more on a quiet one. Noise is printed: CPU time on the
two CPUs used by neither the server nor this script and its sender, as a share of the run; it
also counts whatever the kernel does for the loopback transfer outside those processes' own
time, so it is high for this load even on a quiet machine (compare runs with each other).

Exit status is non-zero only on errors.
"""

import multiprocessing
import os
import socket
import statistics
import sys
import time

sys.dont_write_bytecode = True  # importing benchlib.py must not leave __pycache__ in bench/load

from benchlib import (  # noqa: E402
    BenchError, Client, NoiseMeter, Server, argument_parser, run_main, selected_servers)

MB = 1 << 20


def parse_sizes(text):
    """'100m,512m' -> [104857600, 536870912]; plain numbers are bytes."""
    sizes = []
    for part in text.split(","):
        part = part.strip().lower()
        if part.endswith("m"):
            sizes.append(int(part[:-1]) * MB)
        elif part.endswith("k"):
            sizes.append(int(part[:-1]) * 1024)
        else:
            sizes.append(int(part))
    return sizes


def label(size):
    if size % MB == 0:
        return f"{size // MB} MB"
    return f"{size // 1024} KB" if size % 1024 == 0 else f"{size} B"


def read_exactly(sock, n):
    chunks = []
    while n > 0:
        chunk = sock.recv(min(n, 1 << 22))
        if not chunk:
            raise BenchError("connection closed by the server")
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def read_line(sock):
    line = b""
    while not line.endswith(b"\r\n"):
        byte = sock.recv(1)
        if not byte:
            raise BenchError("connection closed by the server")
        line += byte
    return line


def sender(port, payload, cpu, go, started, finished, result):
    """Client A: waits for `go`, sends `payload` (one command) and reads its reply; puts
    (first byte sent, reply read, reply kind and length) on `result`."""
    os.sched_setaffinity(0, {cpu})
    sock = socket.create_connection(("127.0.0.1", port))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    go.wait()
    started.set()
    t0 = time.perf_counter()
    sock.sendall(payload)
    line = read_line(sock)
    size = 0
    if line.startswith(b"$"):
        size = int(line[1:-2])
        read_exactly(sock, size + 2)
    t1 = time.perf_counter()
    finished.set()
    result.put((t0, t1, line[:1].decode(), size))
    sock.close()


def run_case(args, port, payload, expected):
    """One command from client A while client B PINGs; returns the figures of the case."""
    ctx = multiprocessing.get_context("fork")
    go, started, finished = ctx.Event(), ctx.Event(), ctx.Event()
    result = ctx.Queue()
    proc = ctx.Process(target=sender,
                       args=(port, payload, args.client_cpu, go, started, finished, result))
    proc.start()
    pinger = Client(port)
    pinger.call("PING")
    waits = []
    go.set()
    started.wait()
    while not finished.is_set():
        t0 = time.perf_counter()
        if pinger.call("PING") != "PONG":
            raise BenchError("PING did not answer PONG")
        waits.append(time.perf_counter() - t0)
    t0, t1, kind, size = result.get(timeout=600)
    proc.join()
    pinger.close()
    if (kind, size) != expected:
        raise BenchError(f"unexpected reply to the big command: {kind} of {size} bytes")
    # No PING at all: the command was done before the first one was sent; nothing waited.
    return {"worst": max(waits) if waits else 0.0, "pings": len(waits), "command_s": t1 - t0}


def run_round(args, kind, path, sizes):
    rows = {}
    with Server(kind, path, args.server_cpu) as server:
        os.sched_setaffinity(0, {args.client_cpu})
        noise = NoiseMeter({args.server_cpu, args.client_cpu}, server).start()
        for size in sizes:
            value_header = b"*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$%d\r\n" % size
            payload = value_header + b"v" * size + b"\r\n"
            rows[(size, "new")] = run_case(args, server.port, payload, ("+", 0))
            rows[(size, "overwrite")] = run_case(args, server.port, payload, ("+", 0))
            del payload
            rows[(size, "get")] = run_case(args, server.port, b"*2\r\n$3\r\nGET\r\n$3\r\nbig\r\n",
                                           ("$", size))
            cleaner = Client(server.port)
            cleaner.call("DEL", "big")
            cleaner.close()
        figures = noise.stop()
    return rows, figures["noise"]


def main():
    ap = argument_parser(__doc__)
    ap.add_argument("--servers", default="cachette,redis",
                    help="servers, in order (redis is a reference) [%(default)s]")
    ap.add_argument("--sizes", default="100m,512m",
                    help="value sizes (suffix k or m, else bytes) [%(default)s]")
    ap.add_argument("--rounds", type=int, default=3, help="rounds per server [%(default)s]")
    ap.add_argument("--server-cpu", type=int, default=0, help="CPU for the servers [0]")
    ap.add_argument("--client-cpu", type=int, default=1, help="CPU for both clients [1]")
    args = ap.parse_args()
    servers, paths = selected_servers(args)
    sizes = parse_sizes(args.sizes)
    print(f"big_values.py: SET/GET of {', '.join(label(s) for s in sizes)} by one client "
          f"while another PINGs; {args.rounds} round(s) per server")
    print(f"  cachette: {args.cachette}\n  redis:    {args.redis}")
    results = {s: [] for s in servers}
    noise = []
    for rnd in range(args.rounds):
        for s in servers:
            rows, n = run_round(args, s, paths[s], sizes)
            results[s].append(rows)
            noise.append(n)
            print(f"  {s}, round {rnd + 1} (noise {n * 100:.1f}%):", flush=True)
            for (size, case), r in rows.items():
                print(f"    {label(size):>8} {case:<9}: worst PING wait "
                      f"{r['worst'] * 1000:8.2f} ms over {r['pings']:5d} PINGs; command "
                      f"{r['command_s'] * 1000:8.1f} ms", flush=True)

    def med(s, key, field):
        return statistics.median(rows[key][field] for rows in results[s])

    print()
    print(f"Summary (medians over {args.rounds} round(s); times in ms)")
    names = " ".join(f"{s + ' worst':>14} {s + ' cmd':>12}" for s in servers)
    head = f"{'case':<20} | {names}" + (" | ratio worst" if len(servers) == 2 else "")
    print(head)
    print("-" * len(head))
    for key in results[servers[0]][0]:
        size, case = key
        cells = " ".join(f"{med(s, key, 'worst') * 1000:14.2f} "
                         f"{med(s, key, 'command_s') * 1000:12.1f}" for s in servers)
        line = f"{label(size) + ' ' + case:<20} | {cells}"
        if len(servers) == 2:
            line += f" | {med(servers[0], key, 'worst') / med(servers[1], key, 'worst'):11.2f}"
        print(line)
    print("-" * len(head))
    print(f"worst: the longest single PING round trip while the big command ran; cmd: that "
          f"command's time, first byte sent to reply read. Noise: max {max(noise) * 100:.1f}% "
          f"(over about 5% is noisy).")
    return 0


if __name__ == "__main__":
    run_main(main)
