"""INFO against the real server: Redis 7.0's sections, field names and order, and figures
that move as they should (hits, misses, expiry, commands, bytes, connections, ops/s)."""

import shutil
import subprocess
import threading

import pytest

from conftest import wait_until
from resp import encode

REDIS_CLI = shutil.which("redis-cli") or "/usr/bin/redis-cli"


def info_text(server, *sections):
    raw = server.call("INFO", *sections)
    assert raw.startswith(b"$")
    return raw.split(b"\r\n", 1)[1][:-2].decode()


def parse(text):
    """section title -> ordered list of (field, value)."""
    sections = {}
    current = None
    for line in text.split("\r\n"):
        if line.startswith("# "):
            current = line[2:]
            sections[current] = []
        elif line:
            name, _, value = line.partition(":")
            sections[current].append((name, value))
    return sections


def fields(server, *sections):
    out = {}
    for items in parse(info_text(server, *sections)).values():
        out.update(items)
    return out


def test_sections_and_field_order_match_redis(server, redis_server):
    ours = parse(info_text(server, "everything"))
    theirs = parse(info_text(redis_server, "everything"))
    # Redis's sections in Redis's order, then ours (figures per key prefix).
    assert list(ours) == [t for t in theirs if t != "Latencystats"] + ["Prefixes"]
    for title in ("Server", "Clients", "Memory", "Persistence", "Stats", "Replication", "CPU",
                  "Cluster"):
        our_names = [n for n, _ in ours[title]]
        their_names = [n for n, _ in theirs[title]]
        # Ours, and Redis 7.2's counters of refused authentications (7.0 has none).
        extra = {"cachette_version", "acl_access_denied_auth", "acl_access_denied_cmd",
                 "acl_access_denied_key", "acl_access_denied_channel",
                 "client_query_buffer_limit_disconnections",
                 "client_output_buffer_limit_disconnections"}
        assert set(our_names) - set(their_names) <= extra, title
        common = set(our_names) & set(their_names)
        assert [n for n in our_names if n in common] == [n for n in their_names if n in common]
    required = ["redis_version", "process_id", "tcp_port", "uptime_in_seconds", "connected_clients",
                "used_memory", "used_memory_human", "used_memory_rss", "used_memory_peak",
                "maxmemory", "maxmemory_policy", "mem_fragmentation_ratio", "loading",
                "rdb_changes_since_last_save", "total_connections_received",
                "total_commands_processed", "instantaneous_ops_per_sec", "total_net_input_bytes",
                "total_net_output_bytes", "instantaneous_input_kbps",
                "instantaneous_output_kbps", "rejected_connections", "expired_keys",
                "evicted_keys", "keyspace_hits", "keyspace_misses", "total_error_replies",
                "role", "connected_slaves", "master_replid", "used_cpu_sys", "used_cpu_user",
                "used_cpu_sys_children", "used_cpu_user_children", "used_cpu_sys_main_thread",
                "used_cpu_user_main_thread", "cluster_enabled"]
    names = {n for items in ours.values() for n, _ in items}
    assert not [n for n in required if n not in names]


def test_default_all_and_several_sections(server):
    default = parse(info_text(server))
    assert "Commandstats" not in default and "Keyspace" in default and "Errorstats" in default
    assert parse(info_text(server, "default")).keys() == default.keys()
    assert "Commandstats" in parse(info_text(server, "all"))
    assert list(parse(info_text(server, "cpu", "SERVER"))) == ["Server", "CPU"]
    assert info_text(server, "nosuchsection") == ""


def test_server_fields(server, r):
    f = fields(server, "server")
    assert f["redis_version"] == "7.0.15"
    assert f["cachette_version"]
    assert int(f["process_id"]) == server.proc.pid
    assert int(f["tcp_port"]) == server.port
    assert int(f["uptime_in_seconds"]) >= 0
    assert len(f["run_id"]) == 40
    # redis-py parses the same text
    assert r.info("server")["redis_version"] == "7.0.15"


def test_clients_and_connections(start_server):
    srv = start_server(maxclients=3)
    before = fields(srv, "stats")  # its own connection, closed again
    clients = [srv.client() for _ in range(2)]
    for c in clients:
        c.ping()
    # Read through a client that stays connected: a fresh connection per INFO could find the
    # slot of the previous one not yet released (the server sees closes asynchronously).
    wait_until(lambda: clients[0].info("clients")["connected_clients"] == 2,
               message="connected_clients to count the two clients")
    after = clients[0].info("stats")
    assert after["total_connections_received"] - int(before["total_connections_received"]) == 2
    # Over maxclients: the third connection is accepted, the fourth refused and counted.
    conns = [srv.conn() for _ in range(2)]
    for c in conns:
        c.send(encode("PING"))
    replies = [c.read_reply() for c in conns]
    assert replies[0] == b"+PONG\r\n"
    assert replies[1] == b"-ERR max number of clients reached\r\n"
    for c in conns:
        c.close()
    wait_until(lambda: clients[0].info("stats")["rejected_connections"] >= 1,
               message="rejected_connections")


def test_hits_misses_and_commands(server, r):
    before = fields(server, "stats")
    r.set("k", "v")
    r.get("k")
    r.get("k")
    r.get("missing")
    r.exists("missing")
    after = fields(server, "stats")
    assert int(after["keyspace_hits"]) - int(before["keyspace_hits"]) == 2
    assert int(after["keyspace_misses"]) - int(before["keyspace_misses"]) == 2
    # five commands, and the INFO that took `before`
    assert int(after["total_commands_processed"]) - int(before["total_commands_processed"]) == 6


def test_expired_keys_counted(server, r):
    before = int(fields(server, "stats")["expired_keys"])
    r.set("gone", "v", px=1)
    r.set("gone2", "v", px=1)
    wait_until(lambda: int(fields(server, "stats")["expired_keys"]) >= before + 2,
               message="expired_keys")


def test_net_bytes_counted(server):
    before = fields(server, "stats")
    request = encode("SET", "bytes", "x" * 1000)
    with server.conn() as c:
        c.send(request)
        assert c.read_reply() == b"+OK\r\n"
    after = fields(server, "stats")
    grown_in = int(after["total_net_input_bytes"]) - int(before["total_net_input_bytes"])
    grown_out = int(after["total_net_output_bytes"]) - int(before["total_net_output_bytes"])
    assert grown_in >= len(request)
    assert grown_out >= 5 + len(b"$")  # +OK and the first INFO's reply


def test_instantaneous_ops_per_sec_during_load(server):
    stop = threading.Event()

    def load():
        with server.conn() as c:
            batch = encode("PING") * 200
            while not stop.is_set():
                c.send(batch)
                for _ in range(200):
                    c.read_reply()

    thread = threading.Thread(target=load)
    thread.start()
    try:
        f = wait_until(lambda: (lambda f: f if int(f["instantaneous_ops_per_sec"]) > 100 else None)(
            fields(server, "stats")), message="instantaneous_ops_per_sec")
        assert float(f["instantaneous_input_kbps"]) > 0
        assert float(f["instantaneous_output_kbps"]) > 0
    finally:
        stop.set()
        thread.join()


def test_keyspace_lines(server, r):
    r.set("a", 1)
    r.set("b", 1, ex=1000)
    r.execute_command("SELECT", 2)
    r.set("c", 1)
    r.execute_command("SELECT", 0)
    text = info_text(server, "keyspace")
    lines = dict(line.split(":", 1) for line in text.split("\r\n")[1:] if line)
    assert lines["db2"] == "keys=1,expires=0,avg_ttl=0"
    keys, expires, avg_ttl = (int(part.split("=")[1]) for part in lines["db0"].split(","))
    assert (keys, expires) == (2, 1)
    assert 990_000 <= avg_ttl <= 1_000_000
    assert r.info("keyspace")["db0"]["keys"] == 2


def test_commandstats_and_errorstats(server, r):
    r.config_resetstat()
    r.set("k", "v")
    r.get("k")
    with pytest.raises(Exception):
        r.execute_command("GET")
    with pytest.raises(Exception):
        r.execute_command("INCR", "k")
    r.config_get("maxmemory")
    stats = r.info("commandstats")
    assert stats["cmdstat_get"]["calls"] == 1
    assert stats["cmdstat_get"]["rejected_calls"] == 1
    assert stats["cmdstat_incr"]["failed_calls"] == 1
    assert stats["cmdstat_config|get"]["calls"] == 1
    assert stats["cmdstat_config|resetstat"]["calls"] == 1
    text = info_text(server, "commandstats")
    line = next(l for l in text.split("\r\n") if l.startswith("cmdstat_set:"))
    assert [p.split("=")[0] for p in line.split(":", 1)[1].split(",")] == [
        "calls", "usec", "usec_per_call", "rejected_calls", "failed_calls"]
    assert "errorstat_ERR:count=2" in info_text(server, "errorstats")


def test_resetstat_resets_counters_not_keys(server, r):
    r.set("k", "v")
    r.get("k")
    r.get("missing")
    assert r.config_resetstat()
    f = fields(server, "stats", "keyspace", "commandstats", "errorstats")
    assert f["keyspace_hits"] == f["keyspace_misses"] == "0"
    assert f["total_error_replies"] == "0"
    assert int(f["total_commands_processed"]) <= 1
    assert f["db0"].startswith("keys=1,")
    assert "cmdstat_get" not in f


def test_cpu_fields(server):
    f = fields(server, "cpu")
    for name in ("used_cpu_sys", "used_cpu_user", "used_cpu_sys_main_thread"):
        whole, _, fraction = f[name].partition(".")
        assert whole.isdigit() and len(fraction) == 6


def test_redis_cli_info(server, r):
    r.set("k", "v")
    out = subprocess.run([REDIS_CLI, "-p", str(server.port), "info"], capture_output=True,
                         text=True, timeout=20).stdout
    assert out.startswith("# Server\n")
    assert "redis_version:7.0.15\n" in out
    assert "db0:keys=1,expires=0,avg_ttl=0" in out
    out = subprocess.run([REDIS_CLI, "-p", str(server.port), "info", "memory"],
                         capture_output=True, text=True, timeout=20).stdout
    assert out.startswith("# Memory\n") and "used_memory_human:" in out


def test_redis_cli_stat(server, r):
    for i in range(5):
        r.set(f"k{i}", i)
    proc = subprocess.run(["timeout", "1", "stdbuf", "-oL", REDIS_CLI, "-p", str(server.port),
                           "--stat", "-i", "0.1"], capture_output=True, text=True)
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("------- data ------")
    assert lines[1].split() == ["keys", "mem", "clients", "blocked", "requests", "connections"]
    rows = [line.split() for line in lines[2:] if line.strip()]
    assert len(rows) >= 3
    keys, mem, clients, blocked = rows[-1][:4]
    assert keys == "5"
    assert mem[-1] in "BKMG" and float(mem[:-1]) > 0
    assert int(clients) >= 1 and blocked == "0"
    # requests: the total, then "(+N)" since the previous line (the INFO redis-cli sends)
    totals = [int(row[4]) for row in rows]
    assert totals == sorted(totals) and totals[-1] > totals[0]
    assert rows[-1][5] == "(+1)"
