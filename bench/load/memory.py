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

The RESP client and the server helpers are in benchlib.py, shared with the other scripts of
bench/load/ (hitratio.py, expiry.py, vs_redis.py). Exit status is non-zero only on errors (a
server that does not start, a wrong reply), never because of a ratio.
"""

import sys
import time

sys.dont_write_bytecode = True  # importing benchlib.py must not leave __pycache__ in bench/load

from benchlib import (  # noqa: E402
    Client, Server, argument_parser, check_loaded, fmt, human, load_keys, run_main,
    selected_servers)


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
            check_loaded(client, args.keys, value, kind)
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


def main():
    ap = argument_parser(__doc__)
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
    servers, paths = selected_servers(args)

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
    run_main(main)
