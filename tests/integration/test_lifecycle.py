"""Start-up, configuration, authentication and shutdown of the real binary."""

import os
import signal
import socket
import struct
import subprocess
import time

import pytest
import redis

from conftest import server_binary, wait_until
from resp import ConnectionClosed, RespConnection, encode

PROMPT_EXIT_S = 5.0


def run_binary(*args, timeout=10):
    return subprocess.run([server_binary(), *args], capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL)


# ---- shutdown -------------------------------------------------------------------------------

@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_signal_stops_server_promptly_with_status_zero(start_server, sig):
    srv = start_server()
    with srv.conn() as idle:  # an open client must not hold the shutdown up
        assert idle.call("PING") == b"+PONG\r\n"
        start = time.monotonic()
        srv.signal(sig)
        assert srv.wait_exit(PROMPT_EXIT_S) == 0, srv.log()
    assert time.monotonic() - start < PROMPT_EXIT_S
    srv.stop()


def test_sigterm_right_after_start_exits_zero(start_server):
    # A signal that arrives as soon as the server answers its first PING must still shut it
    # down cleanly (status 0), not kill it with the default action.
    statuses = []
    for _ in range(15):
        srv = start_server()
        srv.signal(signal.SIGTERM)
        statuses.append(srv.wait_exit(PROMPT_EXIT_S))
        srv.stop(check=False)
    assert statuses == [0] * len(statuses), statuses


@pytest.mark.parametrize("args", [(), ("NOSAVE",), ("SAVE",)], ids=["plain", "nosave", "save"])
def test_shutdown_command_stops_server_with_status_zero(start_server, args):
    srv = start_server()
    with srv.conn() as other:
        assert other.call("PING") == b"+PONG\r\n"
        with srv.conn() as c:
            c.send(encode("SHUTDOWN", *args))
            # like redis-server: no reply, the connection is closed
            assert c.read_until_closed(PROMPT_EXIT_S) == b""
        assert srv.wait_exit(PROMPT_EXIT_S) == 0, srv.log()
    srv.stop()


def test_shutdown_with_bad_argument_is_an_error_and_server_keeps_running(start_server):
    srv = start_server()
    assert srv.call("SHUTDOWN", "BOGUS") == b"-ERR syntax error\r\n"
    assert srv.call("PING") == b"+PONG\r\n"


def test_shutdown_while_clients_are_busy_exits_zero(start_server):
    srv = start_server()
    conns = [srv.conn() for _ in range(20)]
    try:
        for c in conns:
            c.send(encode("SET", "k", "v" * 1000) * 50)  # pending work and unread replies
        srv.signal(signal.SIGTERM)
        assert srv.wait_exit(PROMPT_EXIT_S) == 0, srv.log()
    finally:
        for c in conns:
            c.close()
    srv.stop()


# ---- robustness -----------------------------------------------------------------------------

def _bad_client(port, kind):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    try:
        if kind == 0:
            s.sendall(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$100\r\nabc")  # half a bulk, then gone
        elif kind == 1:
            s.sendall(b"*abc\r\n")  # protocol error
        elif kind == 2:
            s.sendall(os.urandom(512))  # noise
        elif kind == 3:
            s.sendall(encode("GET", "k") * 100)  # close without reading replies
        elif kind == 4:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            s.sendall(encode("SET", "k", "v") * 10)  # reset the connection
        elif kind == 5:
            s.sendall(b"SET a \"unbalanced\r\n")
        elif kind == 6:
            pass  # connect and close at once
    except OSError:
        pass
    finally:
        s.close()


def test_server_keeps_serving_after_many_bad_clients(start_server):
    srv = start_server()
    with srv.conn() as good:
        assert good.call("SET", "k", "v") == b"+OK\r\n"
        for i in range(300):
            _bad_client(srv.port, i % 7)
        assert good.call("GET", "k") in (b"$1\r\nv\r\n",)
        assert srv.proc.poll() is None

        def others_gone():
            info = good.call("INFO", "clients").decode()
            return "connected_clients:1\r\n" in info

        wait_until(others_gone, 10, message="bad clients to be cleaned up")
    with srv.conn() as fresh:
        assert fresh.call("PING") == b"+PONG\r\n"


# ---- configuration -------------------------------------------------------------------------------

def test_config_file_with_unknown_directive_exits_one_naming_file_line_directive(tmp_path):
    conf = tmp_path / "unknown.conf"
    conf.write_text("port 7000\n# a comment\n\nbogus-directive 5\n")
    out = run_binary(str(conf))
    text = out.stdout + out.stderr
    assert out.returncode == 1, text
    assert str(conf) in text
    assert "line 4" in text
    assert "bogus-directive" in text


def test_config_file_with_bad_value_exits_one_naming_file_line_directive(tmp_path):
    conf = tmp_path / "bad-value.conf"
    conf.write_text("port 7000\nmaxmemory lots\n")
    out = run_binary(str(conf))
    text = out.stdout + out.stderr
    assert out.returncode == 1, text
    assert str(conf) in text
    assert "line 2" in text
    assert "maxmemory" in text and "lots" in text


def test_config_file_with_out_of_range_value_exits_one(tmp_path):
    conf = tmp_path / "range.conf"
    conf.write_text("threads 2\nport 70000\n")
    out = run_binary(str(conf))
    assert out.returncode == 1
    assert "line 2" in out.stdout + out.stderr


def test_bad_command_line_directive_exits_one():
    out = run_binary("--port", "abc")
    assert out.returncode == 1
    assert "port" in out.stdout + out.stderr
    out = run_binary("--no-such-directive", "1")
    assert out.returncode == 1
    assert "no-such-directive" in out.stdout + out.stderr


def test_missing_config_file_exits_one(tmp_path):
    out = run_binary(str(tmp_path / "nope.conf"))
    assert out.returncode == 1
    assert "nope.conf" in out.stdout + out.stderr


def test_config_file_is_loaded_and_command_line_overrides_it(tmp_path, start_server):
    conf = tmp_path / "good.conf"
    conf.write_text("# cachette\ntimeout 77\nmaxmemory 2mb\nmaxmemory-policy allkeys-lru\n")
    srv = start_server(str(conf), maxmemory="3mb")
    c = srv.client(decode_responses=True)
    assert c.config_get("timeout") == {"timeout": "77"}
    assert c.config_get("maxmemory") == {"maxmemory": str(3 * 1024 * 1024)}
    assert c.config_get("maxmemory-policy") == {"maxmemory-policy": "allkeys-lru"}


@pytest.mark.parametrize("flag", ["--version", "-v", "--help", "-h"])
def test_version_and_help_exit_zero(flag):
    out = run_binary(flag)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip()


def test_config_set_runtime_directive_then_get(server, r):
    try:
        assert r.config_set("maxmemory-policy", "allkeys-lru") is True
        assert r.config_get("maxmemory-policy") == {"maxmemory-policy": "allkeys-lru"}
        assert r.config_set("timeout", "300") is True
        assert r.config_get("timeout") == {"timeout": "300"}
    finally:
        r.config_set("maxmemory-policy", "noeviction")
        r.config_set("timeout", "0")


def test_config_set_immutable_directive_is_an_error(server, r):
    for name, value in [("port", "1234"), ("databases", "4"), ("bind", "0.0.0.0"),
                        ("threads", "8")]:
        with pytest.raises(redis.ResponseError, match=f"'{name}'.*can't set immutable config"):
            r.config_set(name, value)
    assert r.config_get("port") == {"port": str(server.port)}


def test_config_set_timeout_applies_to_new_idle_clients(start_server):
    srv = start_server()
    assert srv.call("CONFIG", "SET", "timeout", "1") == b"+OK\r\n"
    with srv.conn() as idle:
        assert idle.call("PING") == b"+PONG\r\n"
        assert idle.read_until_closed(6) == b""


# ---- authentication -------------------------------------------------------------------------

def test_requirepass_needs_auth_before_commands(start_server):
    srv = start_server(requirepass="s3cret")
    with srv.conn() as c:
        assert c.call("GET", "k") == b"-NOAUTH Authentication required.\r\n"
        assert c.call("AUTH", "wrong") == \
            b"-WRONGPASS invalid username-password pair or user is disabled.\r\n"
        assert c.call("GET", "k") == b"-NOAUTH Authentication required.\r\n"
        assert c.call("AUTH", "s3cret") == b"+OK\r\n"
        assert c.call("SET", "k", "v") == b"+OK\r\n"
        assert c.call("GET", "k") == b"$1\r\nv\r\n"


def test_auth_with_default_user_and_password(start_server):
    srv = start_server(requirepass="s3cret")
    with srv.conn() as c:
        assert c.call("AUTH", "default", "s3cret") == b"+OK\r\n"
        assert c.call("PING") == b"+PONG\r\n"
    with srv.conn() as c:
        assert c.call("AUTH", "someone", "s3cret") == \
            b"-WRONGPASS invalid username-password pair or user is disabled.\r\n"


def test_redis_py_with_password_works(start_server):
    srv = start_server(requirepass="s3cret")
    c = srv.client(decode_responses=True)
    assert c.set("k", "v") is True
    bad = srv.client(password="nope")
    with pytest.raises((redis.AuthenticationError, redis.ResponseError), match="WRONGPASS"):
        bad.ping()


def test_auth_replies_match_redis(start_server, start_redis_server):
    commands = [("PING",), ("GET", "k"), ("AUTH", "x"), ("AUTH", "default", "x"),
                ("AUTH", "a", "b", "c"), ("FOO",), ("QUIT_NOT",), ("AUTH", "s3cret"), ("PING",)]
    outputs = []
    for srv in (start_server(requirepass="s3cret"),
                start_redis_server("--requirepass", "s3cret")):
        with srv.conn() as c:
            outputs.append([c.call(*cmd) for cmd in commands])
    for cmd, want, got in zip(commands, outputs[1], outputs[0]):
        assert got == want, (cmd, want, got)


def test_config_set_requirepass_at_runtime(start_server):
    srv = start_server()
    with srv.conn() as admin:
        assert admin.call("CONFIG", "SET", "requirepass", "later") == b"+OK\r\n"
        with srv.conn() as c:
            assert c.call("PING") == b"-NOAUTH Authentication required.\r\n"
            assert c.call("AUTH", "later") == b"+OK\r\n"
        assert admin.call("CONFIG", "SET", "requirepass", "") == b"+OK\r\n"
    with srv.conn() as c:
        assert c.call("PING") == b"+PONG\r\n"
    srv.password = None


@pytest.mark.parametrize("data", [b"*100000\r\n", b"*1\r\n$100000\r\n"],
                         ids=["multibulk", "bulk"])
def test_unauthenticated_big_request_handled_like_redis(start_server, start_redis_server, data):
    outputs = []
    for srv in (start_server(requirepass="s3cret"),
                start_redis_server("--requirepass", "s3cret")):
        with srv.conn() as c:
            c.send(data)
            try:
                outputs.append(c.read_until_closed(1))
            except TimeoutError:
                outputs.append("still open")
    assert outputs[0] == outputs[1]


def test_shutdown_finishes_a_reply_in_flight_even_if_the_client_sends_meanwhile(start_server):
    """A reply still being written when shutdown begins goes out whole before the close, also
    when its client sends another command meanwhile (that read used to close the connection
    at once, cutting the reply)."""
    srv = start_server()
    value = "x" * (8 << 20)
    with srv.conn(timeout=30) as a:
        assert a.call("SET", "big", value) == b"+OK\r\n"
        b = socket.create_connection(("127.0.0.1", srv.port))
        b.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
        b.sendall(encode("GET", "big"))
        wait_until(lambda: any("cmd=get" in line and "omem=0" not in line
                               for line in a.call("CLIENT", "LIST").decode().splitlines()),
                   message="the GET reply to be in flight")
        a.send(encode("SHUTDOWN", "NOSAVE"))
        assert a.is_closed_by_peer(10)
    b.sendall(encode("PING"))
    received = 0
    b.settimeout(30)
    while True:
        data = b.recv(1 << 20)
        if not data:
            break
        received += len(data)
    b.close()
    assert received >= len(f"${len(value)}\r\n") + len(value) + 2
    assert srv.wait_exit(10) == 0, srv.log()
    srv.stop()
