#!/usr/bin/python3
"""Prefix invalidation: cachette's INVALIDATE PREFIX against django-redis's SCAN + DEL, on
cachette and on redis-server (issue 5, points 2, 3 and 4).

For each store size of --sizes (1,000,000 then 10,000,000 keys) and each server, a fresh
server process (pinned to --server-cpu) is loaded by pipelined SETs over raw RESP with 16-byte
keys in prefixes of --prefix-keys (10,000) keys each: p00: .. p99: at 1,000,000 keys
(p42:000000000042), p000: .. p999: at 10,000,000 (p042:00000000042); the prefixes interleave
(key i belongs to prefix i % prefixes), values are --value-size bytes. So every step below
removes 10,000 keys, from a store of 1,000,000 or of 10,000,000. Then:

  native    (cachette only) INVALIDATE PREFIX pNN: for --native-rounds distinct prefixes
            (p10:, p11: ...), each timed alone from the send to the reply; the median is kept.
  scan+del  the django-redis way, on prefix p50: (both servers): SCAN cursor MATCH p50:* COUNT
            --scan-count (django-redis's default itersize, 10) until the cursor comes back to 0,
            one round trip per call, then DEL of every key found. --del multi (the default)
            sends them as django-redis >= 5.3 does (redis-py's pipeline(): MULTI, one DEL per
            key, EXEC, in one write after the last SCAN); --del each sends one DEL per key as
            soon as its SCAN page arrives, one round trip each, as Debian 12's django-redis 5.2
            does. Timed from the first SCAN to the last reply; the mean time of a SCAN call
            (its round trip) is reported too.

Every step checks the number of keys removed and DBSIZE afterwards. Printed per size: each
time, then the ratios: SCAN + DEL against redis-server over native (target of issue 5: at least
100x at 1,000,000 keys), native at the largest size over native at the smallest (target: within
2x: the cost follows what matches, not the store), and the mean SCAN call at the largest size
over the smallest (it should stay about the same: a SCAN call costs work in proportion to
COUNT, not to the keyspace).

--latency instead measures what an invalidation does to other clients (issue 5, point 2): a
fresh cachette holds --latency-keys keys inv:%012d (the prefix to invalidate) and as many keys
key:%012d that a redis-benchmark GET load (-c --clients -P --pipeline -r, pinned to
--client-cpu) reads for about --window seconds; in one phase the script sends INVALIDATE PREFIX
inv: --lead seconds into the load, in the other (baseline) it does not. Printed: p50, p99 and
max latency of both phases, the ratio of the p99s (target: within 2x) and the time
INVALIDATE took.

Loads of 10,000,000 keys take a few GB in each server; servers run one at a time. A server
without INVALIDATE (an older cachette) gets n/a for native. Exit status is non-zero only on
errors (a server that does not start, a wrong reply or count), never because of a target.
"""

import os
import statistics
import sys
import time

sys.dont_write_bytecode = True  # importing benchlib.py must not leave __pycache__ in bench/load

from benchlib import (  # noqa: E402
    BenchError, Client, DEFAULT_BENCHMARK, NoiseMeter, RedisBenchmark, Server, ServerReplyError,
    argument_parser, check_executable, encode, fmt, human, load_keys, run_main, selected_servers)

NATIVE_FIRST = 10  # native rounds invalidate p10:, p11: ...
SCAN_PREFIX = 50  # scan+del removes p50:


def prefix_count(n, prefix_keys):
    prefixes = n // prefix_keys
    if prefixes <= max(SCAN_PREFIX, NATIVE_FIRST + 10):
        raise BenchError(f"{n:,} keys make only {prefixes} prefixes of {prefix_keys:,}: the "
                         f"script uses p{NATIVE_FIRST}: and up and p{SCAN_PREFIX}: (lower "
                         "--prefix-keys)")
    return prefixes


def prefix_name(p, prefixes):
    """p42: among 100 prefixes, p042: among 1,000."""
    return b"p%0*d:" % (max(2, len(str(prefixes - 1))), p)


def keys_in_prefix(n, prefixes, p):
    return len(range(p, n, prefixes))


def load_prefixed(client, n, prefixes, value, batch, progress):
    """SETs n 16-byte keys <prefix><digits> (key i in prefix i % prefixes) to `value`,
    pipelined in batches of `batch` with the next batch sent before the previous one's replies
    are read. Returns seconds taken."""
    head = b"*3\r\n$3\r\nSET\r\n$16\r\n"
    tail = b"\r\n$%d\r\n%s\r\n" % (len(value), value)
    names = [prefix_name(p, prefixes) for p in range(prefixes)]
    digits = b"%%0%dd" % (16 - len(names[0]))
    t0 = time.monotonic()
    in_flight = 0
    for lo in range(0, n, batch):
        hi = min(n, lo + batch)
        client.send(b"".join([head + names[i % prefixes] + digits % i + tail
                              for i in range(lo, hi)]))
        if in_flight:
            expect = b"+OK\r\n" * in_flight
            got = client.file.read(len(expect))
            if got != expect:
                raise BenchError(f"SET during the load replied {got[:100]!r}")
        in_flight = hi - lo
        if progress and hi % progress < batch:
            print(f"      {hi:>11,} keys loaded ({time.monotonic() - t0:.1f} s)", flush=True)
    expect = b"+OK\r\n" * in_flight
    got = client.file.read(len(expect))
    if got != expect:
        raise BenchError(f"SET during the load replied {got[:100]!r}")
    return time.monotonic() - t0


def native(client, prefix, expected):
    """INVALIDATE PREFIX prefix; seconds from send to reply, or None when the server does not
    know INVALIDATE."""
    t0 = time.perf_counter()
    try:
        count = client.call("INVALIDATE", "PREFIX", prefix)
    except ServerReplyError as e:
        if "unknown command" in str(e).lower():
            return None
        raise
    elapsed = time.perf_counter() - t0
    if count != expected:
        raise BenchError(f"INVALIDATE PREFIX {prefix.decode()} replied {count}, expected "
                         f"{expected}")
    return elapsed


def scan_delete(client, prefix, expected, scan_count, del_mode):
    """The django-redis way (see the module's docstring). Returns (seconds, SCAN calls, seconds
    spent in SCAN round trips)."""
    pattern = prefix + b"*"
    cursor = b"0"
    found = []
    deleted = 0
    calls = 0
    scan_s = 0.0
    perf = time.perf_counter
    t0 = perf()
    while True:
        t1 = perf()
        cursor, page = client.call("SCAN", cursor, "MATCH", pattern, "COUNT", scan_count)
        scan_s += perf() - t1
        calls += 1
        if del_mode == "each":
            for key in page:
                deleted += client.call("DEL", key)
        else:
            found.extend(page)
        if cursor == b"0":
            break
    if del_mode == "multi" and found:
        client.send(encode("MULTI") + b"".join(encode("DEL", key) for key in found)
                    + encode("EXEC"))
        if client.read_reply() != "OK":
            raise BenchError("MULTI did not reply +OK")
        for _ in found:
            if client.read_reply() != "QUEUED":
                raise BenchError("DEL in MULTI did not reply +QUEUED")
        deleted = sum(client.read_reply())
    elapsed = perf() - t0
    if deleted != expected:
        raise BenchError(f"SCAN + DEL of {pattern.decode()} deleted {deleted} keys, expected "
                         f"{expected}")
    return elapsed, calls, scan_s


def check_dbsize(client, expected, what):
    dbsize = client.call("DBSIZE")
    if dbsize != expected:
        raise BenchError(f"DBSIZE is {dbsize} after {what}, expected {expected}")


def run_size(args, kind, path, n):
    value = b"v" * args.value_size
    out = {"server": kind, "keys": n, "native": None, "native_all": []}
    with Server(kind, path, args.server_cpu) as server:
        client = Client(server.port, timeout=600)
        try:
            progress = 1_000_000 if n >= 5_000_000 else 0
            prefixes = prefix_count(n, args.prefix_keys)
            out["load_s"] = load_prefixed(client, n, prefixes, value, args.batch, progress)
            out["rss"] = server.rss_bytes()
            left = n
            check_dbsize(client, left, "the load")
            time.sleep(args.settle)
            meter = NoiseMeter({args.server_cpu, args.client_cpu}, server).start()
            if kind == "cachette":
                for r in range(args.native_rounds):
                    p = NATIVE_FIRST + r
                    expected = keys_in_prefix(n, prefixes, p)
                    t = native(client, prefix_name(p, prefixes), expected)
                    if t is None:
                        print(f"    {kind}: INVALIDATE is unknown to this server: native n/a",
                              flush=True)
                        break
                    out["native_all"].append(t)
                    left -= expected
                    name = prefix_name(p, prefixes).decode()
                    check_dbsize(client, left, f"INVALIDATE PREFIX {name}")
                if out["native_all"]:
                    out["native"] = statistics.median(out["native_all"])
                    out["native_keys"] = keys_in_prefix(n, prefixes, NATIVE_FIRST)
            expected = keys_in_prefix(n, prefixes, SCAN_PREFIX)
            t, calls, scan_s = scan_delete(client, prefix_name(SCAN_PREFIX, prefixes), expected,
                                           args.scan_count, args.del_mode)
            noise = meter.stop()
            left -= expected
            check_dbsize(client, left, "SCAN + DEL")
            out.update(noise=noise["noise"], scan=t, scan_calls=calls,
                       scan_call_us=scan_s / calls * 1e6, scan_keys=expected)
        finally:
            client.close()
    natives = ", ".join(f"{t * 1000:.2f}" for t in out["native_all"])
    native_text = (f"INVALIDATE PREFIX of {out['native_keys']:,} keys: median "
                   f"{out['native'] * 1000:.2f} ms ({natives}); " if out["native"] else "")
    print(f"    {kind:<8} {n:>11,} keys: load {out['load_s']:.1f} s, RSS {human(out['rss'])}; "
          f"{native_text}SCAN + DEL ({args.del_mode}) of {out['scan_keys']:,} keys: "
          f"{out['scan']:.3f} s, {calls:,} SCAN calls of {out['scan_call_us']:.1f} us; noise "
          f"{out['noise'] * 100:.1f}%", flush=True)
    return out


def ratio(a, b):
    return None if a is None or b is None or b == 0 else a / b


def fmt_x(x, spec):
    """A ratio as '123x', or 'n/a' at the same width."""
    text = fmt(x, spec)
    return text + "x" if x is not None else text + " "


def invalidation_mode(args, servers, paths):
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    print(f"invalidate.py: stores of {', '.join(f'{n:,}' for n in sizes)} 16-byte keys in "
          f"prefixes of {args.prefix_keys:,} keys, {args.value_size}-byte values; native: "
          f"INVALIDATE PREFIX "
          f"(median of {args.native_rounds}); client way: SCAN MATCH COUNT {args.scan_count} + "
          f"DEL ({args.del_mode})")
    print(f"  cachette: {args.cachette}\n  redis:    {args.redis}")
    # The client side of SCAN + DEL runs here: pin it like redis-benchmark in the other scripts.
    os.sched_setaffinity(0, {args.client_cpu})
    results = {}
    for n in sizes:
        print(f"  {n:,} keys:", flush=True)
        for s in servers:
            results[(s, n)] = run_size(args, s, paths[s], n)

    def get(s, n, field):
        r = results.get((s, n))
        return None if r is None else r.get(field)

    print()
    head = (f"{'keys':>11} | {'native ms':>9} | {'SCAN+DEL s':>10} {'SCAN+DEL s':>10} | "
            f"{'redis/native':>12} {'cachette SCAN+DEL/native':>24} | {'SCAN us/call':>12} "
            f"{'SCAN us/call':>12}")
    print(f"{'':>11} | {'cachette':>9} | {'cachette':>10} {'redis':>10} | {'':>12} {'':>24} | "
          f"{'cachette':>12} {'redis':>12}")
    print(head)
    print("-" * len(head))
    for n in sizes:
        nat = get("cachette", n, "native")
        print(f"{n:>11,} | {fmt(None if nat is None else nat * 1000, '9.2f')} | "
              f"{fmt(get('cachette', n, 'scan'), '10.3f')} {fmt(get('redis', n, 'scan'), '10.3f')}"
              f" | {fmt_x(ratio(get('redis', n, 'scan'), nat), '11.0f')} "
              f"{fmt_x(ratio(get('cachette', n, 'scan'), nat), '23.0f')} | "
              f"{fmt(get('cachette', n, 'scan_call_us'), '12.1f')} "
              f"{fmt(get('redis', n, 'scan_call_us'), '12.1f')}")
    print("-" * len(head))
    lo, hi = sizes[0], sizes[-1]
    if hi != lo:
        print(f"native at {hi:,} over native at {lo:,} keys: "
              f"{fmt(ratio(get('cachette', hi, 'native'), get('cachette', lo, 'native')), '.2f')}"
              f" (target: within 2x)")
        for s in servers:
            print(f"{s} SCAN call at {hi:,} over at {lo:,} keys: "
                  f"{fmt(ratio(get(s, hi, 'scan_call_us'), get(s, lo, 'scan_call_us')), '.2f')}"
                  f" (about 1: work per call follows COUNT)")
    target = 1_000_000 if (("redis", 1_000_000) in results) else lo
    print(f"redis-server SCAN + DEL over native at {target:,} keys: "
          f"{fmt_x(ratio(get('redis', target, 'scan'), get('cachette', target, 'native')), '.0f')}"
          f" (target: at least 100x at 1,000,000 keys)")
    noise = max(r["noise"] for r in results.values())
    print(f"noise: at most {noise * 100:.1f}% of the timed phases' wall time went to other "
          "processes on the two CPUs (over about 5%: run again)")
    return 0


# ---------------------------------------------------------------------------------------------
# --latency: GET p99 during an invalidation.

class GetLoad(RedisBenchmark):
    def __init__(self, args, port, n):
        super().__init__(args.benchmark, args.client_cpu, port,
                         ["-t", "get", "-n", n, "-c", args.clients, "-P", args.pipeline,
                          "-r", args.latency_keys, "-d", "64"])

    def wait(self):
        row = super().wait()
        return {"rps": float(row["rps"]), "p50": float(row["p50_latency_ms"]),
                "p99": float(row["p99_latency_ms"]), "max": float(row["max_latency_ms"]),
                "wall": self.wall}


def latency_phase(args, path, invalidate, n_requests):
    with Server("cachette", path, args.server_cpu) as server:
        client = Client(server.port, timeout=600)
        try:
            load_keys(client, args.latency_keys, b"x" * 64, args.batch, prefix=b"key:")
            load_keys(client, args.latency_keys, b"v" * args.value_size, args.batch,
                      prefix=b"inv:")
            if n_requests is None:
                rps = GetLoad(args, server.port, 100_000 if not args.quick else 30_000) \
                    .start().wait()["rps"]
                n_requests = max(10_000, int(rps * args.window))
            time.sleep(0.2)
            meter = NoiseMeter({args.server_cpu, args.client_cpu}, server).start()
            load = GetLoad(args, server.port, n_requests).start()
            time.sleep(args.lead)
            inv_s = None
            if invalidate:
                t0 = time.perf_counter()
                count = client.call("INVALIDATE", "PREFIX", "inv:")
                inv_s = time.perf_counter() - t0
                if count != args.latency_keys:
                    raise BenchError(f"INVALIDATE PREFIX inv: replied {count}, expected "
                                     f"{args.latency_keys}")
            figures = load.wait()
            noise = meter.stop()["noise"]
            expected = args.latency_keys * (1 if invalidate else 2)
            check_dbsize(client, expected, "the GET load")
        finally:
            client.close()
    return {"n": n_requests, "inv_s": inv_s, "noise": noise, **figures}


def latency_mode(args, paths):
    check_executable(args.benchmark)
    print(f"invalidate.py --latency: {args.latency_keys:,} keys inv:%012d and "
          f"{args.latency_keys:,} keys key:%012d; GET load redis-benchmark -c {args.clients} "
          f"-P {args.pipeline} -r {args.latency_keys:,} for about {args.window:g} s; "
          f"INVALIDATE PREFIX inv: {args.lead:g} s into it (or not: baseline)")
    print(f"  cachette: {args.cachette}")
    base, inv = [], []
    n = None
    for rnd in range(args.rounds):
        b = latency_phase(args, paths["cachette"], False, n)
        n = b["n"]
        i = latency_phase(args, paths["cachette"], True, n)
        for what, r in (("baseline", b), ("invalidate", i)):
            extra = "" if r["inv_s"] is None else f"; INVALIDATE took {r['inv_s'] * 1000:.1f} ms"
            print(f"    round {rnd + 1} {what:<10}: {r['n']:,} GETs, {r['rps'] / 1000:.1f}k/s, "
                  f"p50 {r['p50']:.3f} ms, p99 {r['p99']:.3f} ms, max {r['max']:.3f} ms; noise "
                  f"{r['noise'] * 100:.1f}%{extra}", flush=True)
        base.append(b)
        inv.append(i)

    def med(rows, field):
        return statistics.median(r[field] for r in rows)

    print()
    print(f"Medians over {args.rounds} round(s): p99 {med(base, 'p99'):.3f} ms without, "
          f"{med(inv, 'p99'):.3f} ms during the invalidation of {args.latency_keys:,} keys: "
          f"ratio {med(inv, 'p99') / med(base, 'p99'):.2f} (target: within 2x); p50 "
          f"{med(base, 'p50'):.3f} / {med(inv, 'p50'):.3f} ms; max {med(base, 'max'):.3f} / "
          f"{med(inv, 'max'):.3f} ms; INVALIDATE {med(inv, 'inv_s') * 1000:.1f} ms")
    return 0


def main():
    ap = argument_parser(__doc__)
    ap.add_argument("--servers", default="cachette,redis",
                    help="servers, in order (redis is a reference) [%(default)s]")
    ap.add_argument("--sizes", default="1000000,10000000",
                    help="comma-separated store sizes in keys [%(default)s]")
    ap.add_argument("--prefix-keys", type=int, default=10_000,
                    help="keys per prefix (the store has size / this many prefixes) "
                         "[%(default)s]")
    ap.add_argument("--value-size", type=int, default=32, help="bytes per value [%(default)s]")
    ap.add_argument("--native-rounds", type=int, default=5,
                    help="prefixes invalidated natively per store; median kept [%(default)s]")
    ap.add_argument("--scan-count", type=int, default=10,
                    help="SCAN COUNT (django-redis's default itersize) [%(default)s]")
    ap.add_argument("--del", dest="del_mode", choices=("multi", "each"), default="multi",
                    help="DEL in one MULTI pipeline (django-redis >= 5.3) or one round trip "
                         "per key (django-redis 5.2) [%(default)s]")
    ap.add_argument("--batch", type=int, default=2000, help="SETs per batch [%(default)s]")
    ap.add_argument("--server-cpu", type=int, default=0, help="CPU for the servers [0]")
    ap.add_argument("--client-cpu", type=int, default=1,
                    help="CPU for this script's client and --latency's redis-benchmark [1]")
    ap.add_argument("--settle", type=float, default=1.0,
                    help="seconds between the load and the timed phases [%(default)s]")
    ap.add_argument("--latency", action="store_true",
                    help="measure GET latency during an invalidation instead (cachette only)")
    ap.add_argument("--latency-keys", type=int, default=1_000_000,
                    help="--latency: keys invalidated, and keys the GET load reads "
                         "[%(default)s]")
    ap.add_argument("--benchmark", default=DEFAULT_BENCHMARK,
                    help="--latency: redis-benchmark binary [%(default)s]")
    ap.add_argument("--clients", type=int, default=50,
                    help="--latency: GET load clients [%(default)s]")
    ap.add_argument("--pipeline", type=int, default=1,
                    help="--latency: GET load pipeline [%(default)s]")
    ap.add_argument("--window", type=float, default=3.0,
                    help="--latency: approximate seconds the GET load lasts [%(default)s]")
    ap.add_argument("--lead", type=float, default=1.0,
                    help="--latency: seconds into the GET load when INVALIDATE is sent "
                         "[%(default)s]")
    ap.add_argument("--rounds", type=int, default=3,
                    help="--latency: baseline/invalidate pairs; medians kept [%(default)s]")
    ap.add_argument("--quick", action="store_true",
                    help="smoke run: stores of 20,000 and 200,000 keys in prefixes of 200; "
                         "--latency: 100,000 keys, 1 round, 1.5 s window (figures not "
                         "comparable)")
    args = ap.parse_args()
    if args.quick:
        args.sizes, args.prefix_keys = "20000,200000", 200
        args.latency_keys, args.rounds, args.window, args.lead = 100_000, 1, 1.5, 0.5
    if args.latency:
        args.servers = "cachette"
    servers, paths = selected_servers(args)
    if args.latency:
        return latency_mode(args, paths)
    return invalidation_mode(args, servers, paths)


if __name__ == "__main__":
    run_main(main)
