"""maxmemory and eviction through the real server: used_memory stays under the limit while
SETs flood in, noeviction answers Redis's OOM error and keeps serving reads, and CONFIG SET
changes the limit and the policy live."""

import pytest
import redis

from conftest import wait_until

OOM = "OOM command not allowed when used memory > 'maxmemory'."
VALUE = "v" * 200


def used_memory(client):
    return int(client.info("memory")["used_memory"])


def flood(client, count, prefix="key", batch=1000, check=None):
    """SETs `count` keys in pipelined batches; calls check() after each batch."""
    pipe = client.pipeline(transaction=False)
    for i in range(count):
        pipe.set(f"{prefix}:{i}", VALUE)
        if (i + 1) % batch == 0:
            pipe.execute()
            if check:
                check()
    pipe.execute()


def test_allkeys_lru_keeps_used_memory_under_maxmemory(start_server):
    limit = 16 * 1024 * 1024
    server = start_server(maxmemory=limit, **{"maxmemory-policy": "allkeys-lru"})
    client = server.client(decode_responses=True)
    peak = [0]

    def check():
        peak[0] = max(peak[0], used_memory(client))

    flood(client, 1_000_000, check=check)  # about 300 MB of keys into a 16 MB limit
    stats = client.info("stats")
    assert stats["evicted_keys"] > 0
    assert client.dbsize() < 1_000_000
    assert peak[0] <= limit * 1.01, f"used_memory peaked at {peak[0]} over {limit}"
    # The most recent keys survive; the first ones were evicted.
    assert client.get("key:999999") == VALUE
    assert client.get("key:0") is None


def test_lru_keeps_keys_that_are_read(start_server):
    server = start_server(maxmemory=8 * 1024 * 1024, **{"maxmemory-policy": "allkeys-lru"})
    client = server.client(decode_responses=True)
    client.set("hot", VALUE)
    pipe = client.pipeline(transaction=False)
    for i in range(100_000):
        pipe.set(f"cold:{i}", VALUE)
        if i % 500 == 0:
            pipe.get("hot")  # read often: a second chance each time it reaches the tail
        if (i + 1) % 1000 == 0:
            pipe.execute()
    pipe.execute()
    assert client.info("stats")["evicted_keys"] > 0
    assert client.get("hot") == VALUE


def test_noeviction_answers_oom_and_still_serves_reads(start_server):
    server = start_server(maxmemory=4 * 1024 * 1024, **{"maxmemory-policy": "noeviction"})
    client = server.client(decode_responses=True)
    client.set("kept", "value")
    with pytest.raises(redis.exceptions.ResponseError) as error:
        flood(client, 100_000)
    assert str(error.value).endswith(OOM)  # redis-py prefixes the command's place in the pipeline
    assert client.get("kept") == "value"          # reads are served
    assert client.info("stats")["evicted_keys"] == 0
    assert client.delete("kept") == 1             # DEL is not a deny-oom command
    raw = server.raw(b"*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$1\r\ny\r\n")
    assert raw == b"-" + OOM.encode() + b"\r\n"
    client.flushall()
    assert client.set("after", "flush") is True


def test_lowering_maxmemory_evicts_down_to_it(start_server):
    server = start_server(**{"maxmemory-policy": "allkeys-lru"})
    client = server.client(decode_responses=True)
    flood(client, 100_000)
    assert client.dbsize() == 100_000
    limit = 8 * 1024 * 1024
    assert client.config_set("maxmemory", limit) is True
    wait_until(lambda: used_memory(client) <= limit * 1.01, deadline_s=10,
               message="used_memory to come down to the new maxmemory")
    assert client.dbsize() < 100_000
    assert client.info("stats")["evicted_keys"] > 0


def test_policy_changes_live(start_server):
    server = start_server(maxmemory=4 * 1024 * 1024, **{"maxmemory-policy": "noeviction"})
    client = server.client(decode_responses=True)
    with pytest.raises(redis.exceptions.ResponseError):
        flood(client, 100_000)
    assert client.config_set("maxmemory-policy", "allkeys-random") is True
    assert client.config_get("maxmemory-policy") == {"maxmemory-policy": "allkeys-random"}
    flood(client, 20_000, prefix="more")  # evicts now instead of refusing
    assert client.info("stats")["evicted_keys"] > 0


def test_volatile_lru_evicts_only_keys_with_a_ttl(start_server):
    server = start_server(maxmemory=8 * 1024 * 1024, **{"maxmemory-policy": "volatile-lru"})
    client = server.client(decode_responses=True)
    client.set("persistent", VALUE)
    pipe = client.pipeline(transaction=False)
    for i in range(100_000):
        pipe.set(f"volatile:{i}", VALUE, ex=3600)
        if (i + 1) % 1000 == 0:
            pipe.execute()
    pipe.execute()
    assert client.info("stats")["evicted_keys"] > 0
    assert client.get("persistent") == VALUE


def test_flushall_async_empties_at_once_and_frees_in_the_background(start_server):
    server = start_server()
    client = server.client(decode_responses=True)
    flood(client, 200_000)
    loaded = used_memory(client)
    assert client.flushall(asynchronous=True) is True
    assert client.dbsize() == 0                      # the keys are gone at once
    assert client.get("key:0") is None
    # Their memory comes back without anyone waiting for it.
    wait_until(lambda: int(client.info("memory")["lazyfree_pending_objects"]) == 0,
               deadline_s=10, message="the flushed keys to be freed")
    assert used_memory(client) < loaded / 4
