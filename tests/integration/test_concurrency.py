"""Many clients at once against the real server (2 I/O threads)."""

import threading

from conftest import wait_until

from resp import RespConnection, encode


def run_threads(count, target):
    errors = []
    start = threading.Barrier(count)

    def wrapper(i):
        try:
            start.wait(timeout=30)
            target(i)
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(repr(e))

    threads = [threading.Thread(target=wrapper, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "threads still running"
    assert not errors, errors[:5]


def read_while_writing(writer, writers, reader, readers):
    """Runs `writers` threads of writer(index, stop) until `readers` threads of reader(index)
    are done, then stops and joins the writers."""
    stop = threading.Event()
    threads = [threading.Thread(target=writer, args=(w, stop)) for w in range(writers)]
    for t in threads:
        t.start()
    try:
        run_threads(readers, reader)
    finally:
        stop.set()
        for t in threads:
            t.join(10)


def test_two_hundred_clients_incr_one_key_to_the_exact_total(server, r):
    clients, per_client = 200, 50

    def work(_):
        with RespConnection(server.port) as c:
            for _ in range(per_client):
                reply = c.call("INCR", "counter")
                assert reply.startswith(b":"), reply

    run_threads(clients, work)
    assert r.get("counter") == str(clients * per_client)


def test_concurrent_pipelined_incrby_on_many_keys_sum_exactly(server, r):
    clients, rounds, keys = 50, 200, 16

    def work(i):
        with RespConnection(server.port) as c:
            c.send(b"".join(encode("INCRBY", f"k{(i + j) % keys}", 3) for j in range(rounds)))
            c.read_replies(rounds)

    run_threads(clients, work)
    values = [int(v) for v in r.mget([f"k{i}" for i in range(keys)])]
    assert sum(values) == clients * rounds * 3


def test_concurrent_appends_keep_every_byte(server, r):
    clients, per_client = 40, 50

    def work(i):
        with RespConnection(server.port) as c:
            for _ in range(per_client):
                c.call("APPEND", "log", chr(ord("A") + i % 26))

    run_threads(clients, work)
    value = r.get("log")
    assert len(value) == clients * per_client
    for i in range(26):
        assert value.count(chr(ord("A") + i)) == per_client * sum(
            1 for j in range(clients) if j % 26 == i)


def test_only_one_setnx_wins_per_key(server, r):
    clients, keys = 50, 100
    wins = [0] * clients

    def work(i):
        with RespConnection(server.port) as c:
            for k in range(keys):
                if c.call("SETNX", f"lock:{k}", str(i)) == b":1\r\n":
                    wins[i] += 1

    run_threads(clients, work)
    assert sum(wins) == keys


def test_msetnx_is_all_or_nothing_under_contention(server, r):
    clients = 40

    def work(i):
        with RespConnection(server.port) as c:
            # every client tries to claim the same pair of keys, owned by one only
            c.call("MSETNX", "pair:a", str(i), "pair:b", str(i))

    run_threads(clients, work)
    a, b = r.mget("pair:a", "pair:b")
    assert a == b is not None


def test_mget_never_sees_a_partial_mset(server, r):
    # Every command is atomic in Redis: a reader's MGET sees all of a concurrent MSET or none.
    keys = [f"atom:{i}" for i in range(16)]  # spread over many shards
    r.mset({k: 0 for k in keys})
    torn = []

    def writer(w, stop):
        with RespConnection(server.port) as c:
            i = 0
            while not stop.is_set():
                i += 1
                c.call("MSET", *[x for k in keys for x in (k, f"{w}:{i}")])

    def reader(_):
        with RespConnection(server.port) as c:
            for _ in range(80):
                c.send(encode("MGET", *keys) * 50)
                for reply in c.read_replies(50):
                    values = set(reply.split(b"\r\n")[2:-1:2])
                    if len(values) != 1:
                        torn.append(sorted(values))

    read_while_writing(writer, 3, reader, 4)
    assert not torn, f"{len(torn)} MGET replies mixed several MSETs, e.g. {torn[:2]}"


def test_exists_never_sees_a_partial_del_or_mset(server, r):
    keys = [f"group:{i}" for i in range(16)]
    partial = []

    def writer(_, stop):
        with RespConnection(server.port) as c:
            while not stop.is_set():
                c.call("MSET", *[x for k in keys for x in (k, "v")])
                c.call("DEL", *keys)

    def reader(_):
        with RespConnection(server.port) as c:
            for _ in range(150):
                c.send(encode("EXISTS", *keys) * 50)
                for reply in c.read_replies(50):
                    if reply not in (b":0\r\n", b":16\r\n"):
                        partial.append(reply)

    read_while_writing(writer, 2, reader, 4)
    assert not partial, f"{len(partial)} EXISTS replies saw part of a DEL/MSET: {partial[:5]}"


def test_scan_returns_every_key_present_for_the_whole_iteration(server, r):
    stable = {f"stable:{i}" for i in range(3000)}
    r.mset({k: 1 for k in stable})
    stop = threading.Event()
    churned = [0]

    def churn(t):
        with RespConnection(server.port) as c:
            i = 0
            while not stop.is_set():
                # add many keys (tables grow) and delete older ones (tables shrink)
                batch = [f"churn:{t}:{i + j}" for j in range(50)]
                c.send(encode("MSET", *[x for k in batch for x in (k, "v")]))
                c.read_reply()
                if i >= 500:
                    c.send(encode("DEL", *[f"churn:{t}:{i - 500 + j}" for j in range(50)]))
                    c.read_reply()
                i += 50
                churned[0] += 50

    churners = [threading.Thread(target=churn, args=(t,)) for t in range(3)]
    for t in churners:
        t.start()
    wait_until(lambda: churned[0] >= 1000, 10, message="churn to start")
    churn_at_start = churned[0]
    seen = set()
    calls = 0
    try:
        with RespConnection(server.port) as c:
            cursor = b"0"
            while True:
                reply = c.call("SCAN", cursor, "COUNT", "5")
                calls += 1
                parts = reply.split(b"\r\n")
                cursor = parts[2]
                # parts: *2, $n, cursor, *m, then ($len, key) pairs
                seen.update(p.decode() for p in parts[5::2] if p)
                if cursor == b"0":
                    break
                assert calls < 100000, "SCAN never finished"
    finally:
        stop.set()
        for t in churners:
            t.join(10)
    churn_during_scan = churned[0] - churn_at_start
    assert churn_during_scan >= 1000, churn_during_scan  # the keyspace really changed meanwhile
    missing = stable - seen
    assert not missing, f"{len(missing)} stable keys never returned, e.g. {sorted(missing)[:5]}"
