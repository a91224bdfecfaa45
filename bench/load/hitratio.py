#!/usr/bin/python3
"""Hit ratio under a memory limit: cachette against redis-server (issue 3, point 4).

A cache-aside replay of a seeded Zipf(--alpha, default 0.99) stream of --requests (2,000,000)
requests over --keys (1,000,000) keys: GET the key; on a miss, SET it to a --value-size (200)
byte value. Both servers run with the same --maxmemory and --policy (allkeys-lru), each a fresh
process pinned to --server-cpu, one after the other in the same run, on the same stream.

The stream: Zipf ranks drawn by inverse CDF (the cumulative weights 1/k^alpha, k = 1..keys,
and a binary search for each uniform draw of random.Random(--seed)), mapped to key numbers by
a fixed random permutation (random.Random(--seed + 1).shuffle) so that popular keys are not
neighbours; key names are key:%012d (16 bytes). The same arguments give the same stream.

Pipelining (the default, --batch 1000): each batch of requests is sent as pipelined GETs,
then the SETs for that batch's misses are pipelined. This differs from a strictly sequential
replay in one way: a key that misses twice within one batch is fetched and set twice (the
second GET would have hit sequentially), and a SET lands up to one batch later. The offline
simulation below is run both ways to show how much that changes (--batch 1 is sequential).

Pacing: Redis's LRU clock ticks once per second, so an unpaced replay (a few seconds) leaves
most keys with the same access time and Redis's sampled LRU degrades towards random eviction.
--pace-seconds S spreads the replay evenly over about S seconds (60 is the reference setting
of ../../../shared/BENCHMARKING.md); --mode both (the default) runs unpaced then paced.

Printed per server and mode: the hit ratio from INFO stats (keyspace_hits and keyspace_misses
deltas), the client-side hit ratio (GETs that returned a value), evicted_keys, the keys
resident at the end (DBSIZE) and used_memory. References computed offline in Python on the
same stream: exact LRU holding as many keys as Redis held at the end (an OrderedDict, batched as
the replay is, and sequential), exact LRU holding as many keys as cachette held, and keeping
the most popular keys forever (the static optimum at Redis's resident count).

--maxmemory defaults to 30.8mb (about 10% of the keys fit in Redis 7.0.15 here); --maxmemory
auto measures Redis's used_memory per key for --value-size values first (100,000 keys) and
sizes maxmemory as used_memory at start + 10% of --keys times that.

Target of issue 3: cachette's hit ratio at least Redis's at the same maxmemory. Exit status is
non-zero only on errors, never because of a ratio.
"""

import bisect
import collections
import itertools
import random
import sys
import time

sys.dont_write_bytecode = True  # importing benchlib.py must not leave __pycache__ in bench/load

from benchlib import (  # noqa: E402
    BenchError, Client, Server, argument_parser, check_executable, fmt, human, load_keys,
    parse_memory, run_main, selected_servers)


# ---------------------------------------------------------------------------------------------
# The request stream.

def zipf_stream(n_keys, n_requests, alpha, seed):
    """Key numbers of a Zipf(alpha) stream: rank r (0 = most popular) has weight 1/(r+1)^alpha,
    drawn by inverse CDF; ranks map to key numbers through a fixed random permutation.
    Returns (stream of key numbers, rank_to_key)."""
    cdf = list(itertools.accumulate((k ** -alpha for k in range(1, n_keys + 1))))
    total = cdf[-1]
    rng = random.Random(seed)
    draw = rng.random
    search = bisect.bisect_right
    last = n_keys - 1
    ranks = [search(cdf, draw() * total) for _ in range(n_requests)]
    rank_to_key = list(range(n_keys))
    random.Random(seed + 1).shuffle(rank_to_key)
    stream = [rank_to_key[r if r <= last else last] for r in ranks]
    return stream, ranks


def simulate_lru(stream, capacity, batch):
    """Hit ratio of an exact LRU cache of `capacity` keys replaying `stream` cache-aside, with
    the same batching as the replay (batch 1: strictly sequential)."""
    if capacity <= 0:
        return 0.0
    cache = collections.OrderedDict()
    hits = 0
    move = cache.move_to_end
    popitem = cache.popitem
    if batch <= 1:
        for k in stream:
            if k in cache:
                move(k)
                hits += 1
            else:
                cache[k] = True
                if len(cache) > capacity:
                    popitem(last=False)
        return hits / len(stream)
    for lo in range(0, len(stream), batch):
        misses = []
        for k in stream[lo:lo + batch]:
            if k in cache:
                move(k)
                hits += 1
            else:
                misses.append(k)
        for k in misses:
            cache[k] = True
            move(k)
            if len(cache) > capacity:
                popitem(last=False)
    return hits / len(stream)


def static_top(ranks, capacity):
    """Hit ratio of keeping the `capacity` most popular keys forever once first requested (the
    others never cached): every request of a top key hits but its first (a cold miss)."""
    top = [r for r in ranks if r < capacity]
    return (len(top) - len(set(top))) / len(ranks)


# ---------------------------------------------------------------------------------------------
# The replay.

def replay(server, stream, args, pace_seconds):
    value = b"v" * args.value_size
    set_tail = b"\r\n$%d\r\n%s\r\n" % (len(value), value)
    set_head = b"*3\r\n$3\r\nSET\r\n$16\r\n"
    get_head = b"*2\r\n$3\r\nGET\r\n$16\r\n"
    keys = [b"key:%012d" % k for k in range(args.keys)]
    client = Client(server.port, timeout=120)
    try:
        stats0 = client.info("stats")
        readline, read = client.file.readline, client.file.read
        n_batches = (len(stream) + args.batch - 1) // args.batch
        hits = misses = sets = 0
        oom = 0
        t0 = time.monotonic()
        next_report = t0 + 10
        for b, lo in enumerate(range(0, len(stream), args.batch)):
            if pace_seconds:
                due = t0 + pace_seconds * b / n_batches
                delay = due - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
            chunk = stream[lo:lo + args.batch]
            client.send(b"".join(get_head + keys[k] + b"\r\n" for k in chunk))
            missed = []
            for k in chunk:
                line = readline()
                if line == b"$-1\r\n":
                    missed.append(k)
                elif line[:1] == b"$":
                    read(int(line[1:-2]) + 2)
                else:
                    raise BenchError(f"{server.kind}: GET replied {line[:100]!r}")
            hits += len(chunk) - len(missed)
            misses += len(missed)
            if missed:
                client.send(b"".join(set_head + keys[k] + set_tail for k in missed))
                for _ in missed:
                    line = readline()
                    if line == b"+OK\r\n":
                        sets += 1
                    elif line.startswith(b"-OOM"):
                        oom += 1
                    else:
                        raise BenchError(f"{server.kind}: SET replied {line[:100]!r}")
            now = time.monotonic()
            if now >= next_report:
                done = lo + len(chunk)
                print(f"      {done:>9,} requests, {now - t0:5.1f} s, client hit ratio "
                      f"{hits / done:.4f}", flush=True)
                next_report = now + 10
        elapsed = time.monotonic() - t0
        stats1 = client.info("stats")
        mem = client.info("memory")
        dbsize = client.call("DBSIZE")
    finally:
        client.close()

    def delta(name):
        if name in stats0 and name in stats1:
            return stats1[name] - stats0[name]
        return None

    server_hits, server_misses = delta("keyspace_hits"), delta("keyspace_misses")
    server_ratio = None
    if server_hits is not None and server_misses is not None and server_hits + server_misses:
        server_ratio = server_hits / (server_hits + server_misses)
    return {
        "server": server.kind, "elapsed": elapsed, "client_hits": hits, "client_misses": misses,
        "client_ratio": hits / len(stream), "server_hits": server_hits,
        "server_misses": server_misses, "server_ratio": server_ratio,
        "evicted": delta("evicted_keys"), "sets": sets, "oom": oom, "dbsize": dbsize,
        "used_memory": mem.get("used_memory"), "maxmemory": mem.get("maxmemory"),
    }


def measure_redis_per_key(args):
    """Redis's used_memory growth per key for --value-size values (100,000 keys, no limit)."""
    n = 100_000
    with Server("redis", args.redis, args.server_cpu) as server:
        client = Client(server.port, timeout=60)
        try:
            base = client.info("memory")["used_memory"]
            load_keys(client, n, b"v" * args.value_size, args.batch)
            grown = client.info("memory")["used_memory"]
        finally:
            client.close()
    return base, (grown - base) / n


def main():
    ap = argument_parser(__doc__)
    ap.add_argument("--keys", type=int, default=1_000_000, help="distinct keys [%(default)s]")
    ap.add_argument("--requests", type=int, default=2_000_000,
                    help="requests in the stream [%(default)s]")
    ap.add_argument("--alpha", type=float, default=0.99, help="Zipf exponent [%(default)s]")
    ap.add_argument("--seed", type=int, default=1, help="stream seed [%(default)s]")
    ap.add_argument("--value-size", type=int, default=200, help="bytes per value [%(default)s]")
    ap.add_argument("--maxmemory", default="30.8mb",
                    help="maxmemory for both servers (Redis units: 30.8mb = 30.8 MiB), or "
                         "'auto' to size it from Redis's measured per-key memory [%(default)s]")
    ap.add_argument("--cachette-maxmemory", default=None,
                    help="a different maxmemory for cachette only (for instance one at which it "
                         "holds as many keys as Redis: the eviction algorithm alone) [same]")
    ap.add_argument("--fit", type=float, default=0.10,
                    help="share of the keys that should fit, for --maxmemory auto [%(default)s]")
    ap.add_argument("--policy", default="allkeys-lru", help="maxmemory-policy [%(default)s]")
    ap.add_argument("--batch", type=int, default=1000,
                    help="requests per pipelined batch (1: sequential, slow) [%(default)s]")
    ap.add_argument("--mode", choices=("unpaced", "paced", "both"), default="both",
                    help="unpaced replay, paced replay, or both [%(default)s]")
    ap.add_argument("--pace-seconds", type=float, default=60.0,
                    help="duration of the paced replay [%(default)s]")
    ap.add_argument("--servers", default="cachette,redis",
                    help="servers to replay against, in order [%(default)s]")
    ap.add_argument("--server-cpu", type=int, default=0, help="CPU for the servers [0]")
    ap.add_argument("--no-simulation", action="store_true",
                    help="skip the offline exact-LRU references")
    ap.add_argument("--quick", action="store_true",
                    help="smoke run: 100,000 keys, 200,000 requests, maxmemory scaled to "
                         "10%% of the keys, unpaced only (figures not comparable)")
    args = ap.parse_args()
    if args.quick:
        args.keys, args.requests, args.mode = 100_000, 200_000, "unpaced"
        if args.maxmemory == "30.8mb":
            args.maxmemory = "auto"
    servers, paths = selected_servers(args)
    if args.maxmemory == "auto":
        check_executable(args.redis)
        base, per_key = measure_redis_per_key(args)
        maxmemory = int(base + per_key * args.keys * args.fit)
        print(f"maxmemory auto: Redis used_memory {human(base)} at start + "
              f"{per_key:.1f} B/key x {int(args.keys * args.fit):,} keys = {maxmemory:,} bytes")
    else:
        maxmemory = parse_memory(args.maxmemory)

    t = time.monotonic()
    stream, ranks = zipf_stream(args.keys, args.requests, args.alpha, args.seed)
    distinct = len(set(stream))
    print(f"hitratio.py: Zipf({args.alpha}) seed {args.seed}, {args.requests:,} requests over "
          f"{args.keys:,} keys ({distinct:,} distinct requested; stream built in "
          f"{time.monotonic() - t:.1f} s), {args.value_size}-byte values, maxmemory "
          f"{maxmemory:,} bytes ({human(maxmemory)}), {args.policy}, batch {args.batch}")
    print(f"  cachette: {args.cachette}\n  redis:    {args.redis}")

    modes = {"unpaced": [0.0], "paced": [args.pace_seconds],
             "both": [0.0, args.pace_seconds]}[args.mode]
    limits = {s: maxmemory for s in servers}
    if args.cachette_maxmemory:
        limits["cachette"] = parse_memory(args.cachette_maxmemory)
        print(f"  cachette's maxmemory: {limits['cachette']:,} bytes "
              f"({human(limits['cachette'])})")
    results = []
    for pace in modes:
        label = f"paced {pace:g} s" if pace else "unpaced"
        for s in servers:
            print(f"  {s} ({label}) ...", flush=True)
            extra = ["--maxmemory", str(limits[s]), "--maxmemory-policy", args.policy]
            with Server(s, paths[s], args.server_cpu, extra) as server:
                r = replay(server, stream, args, pace)
            r["mode"] = label
            results.append(r)
            print(f"    {s:<8} {label:<13} {r['elapsed']:6.1f} s: hit ratio server "
                  f"{fmt(r['server_ratio'], '.4f')}, client {r['client_ratio']:.4f}; "
                  f"evicted_keys {r['evicted']}, DBSIZE {r['dbsize']:,}, used_memory "
                  f"{fmt(r['used_memory'], ',')}, OOM replies {r['oom']}", flush=True)

    sims = []
    if not args.no_simulation:
        residents = {}
        for r in results:
            residents.setdefault(r["server"], r["dbsize"])
        for s in servers:
            cap = residents[s]
            t = time.monotonic()
            batched = simulate_lru(stream, cap, args.batch)
            sequential = simulate_lru(stream, cap, 1) if args.batch > 1 else batched
            top = static_top(ranks, cap)
            sims.append((s, cap, batched, sequential, top))
            print(f"  offline, {cap:,} keys ({s}'s resident count): exact LRU batched "
                  f"{batched:.4f}, sequential {sequential:.4f}; most popular kept forever "
                  f"{top:.4f} ({time.monotonic() - t:.1f} s)", flush=True)

    print()
    print("Summary (hit ratio = keyspace_hits / (hits + misses) over the replay; client = GETs "
          "that returned a value)")
    head = (f"{'server':<9} {'mode':<13} | {'hit ratio':>9} {'client':>7} | {'evicted_keys':>12} "
            f"{'DBSIZE':>9} {'used_memory':>12} {'maxmemory':>12} | {'time s':>7}")
    print(head)
    print("-" * len(head))
    for r in results:
        print(f"{r['server']:<9} {r['mode']:<13} | {fmt(r['server_ratio'], '9.4f')} "
              f"{r['client_ratio']:7.4f} | {fmt(r['evicted'], '12,')} {r['dbsize']:>9,} "
              f"{fmt(r['used_memory'], '12,')} {fmt(r['maxmemory'], '12,')} | "
              f"{r['elapsed']:7.1f}")
    print("-" * len(head))
    for s, cap, batched, sequential, top in sims:
        print(f"{'LRU sim':<9} {f'{cap:,} keys':<13} | {batched:9.4f} {'':>7} | exact LRU at "
              f"{s}'s resident count (sequential {sequential:.4f}; top-{cap:,} static "
              f"{top:.4f})")
    by = {(r["server"], r["mode"]): r for r in results}
    for pace in modes:
        label = f"paced {pace:g} s" if pace else "unpaced"
        c, r = by.get(("cachette", label)), by.get(("redis", label))
        if c and r:
            def ratio_of(field):
                a, b = c[field], r[field]
                return None if a is None or not b else a / b
            print(f"ratio cachette/redis, {label}: hit ratio {fmt(ratio_of('server_ratio'), '.4f')}"
                  f" (client {fmt(ratio_of('client_ratio'), '.4f')}), resident keys "
                  f"{fmt(ratio_of('dbsize'), '.3f')}")
    for r in results:
        limit = limits[r["server"]]
        if r["used_memory"] is not None and r["used_memory"] > limit * 1.01:
            print(f"NOTE: {r['server']} ({r['mode']}) ended with used_memory "
                  f"{r['used_memory']:,} > maxmemory {limit:,} and evicted_keys "
                  f"{r['evicted']}: it does not enforce maxmemory, so its hit ratio is that of "
                  f"an unlimited cache.")
    print("Target (issue 3): cachette's hit ratio >= Redis's at the same maxmemory.")
    return 0


if __name__ == "__main__":
    run_main(main)
