"""redis-cli, the operator's tool, against the real server."""

import re
import shutil
import subprocess

import pytest

REDIS_CLI = shutil.which("redis-cli") or "/usr/bin/redis-cli"

pytestmark = pytest.mark.skipif(not shutil.which("redis-cli"), reason="redis-cli not installed")


def cli(server, *args, stdin=None):
    """Runs redis-cli; output is formatted as on a terminal (--no-raw) unless --raw is given."""
    fmt = [] if "--raw" in args or "--scan" in args else ["--no-raw"]
    out = subprocess.run([REDIS_CLI, "-h", "127.0.0.1", "-p", str(server.port), *fmt, *args],
                         input=stdin, capture_output=True, text=True, timeout=20)
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_set_then_get_prints_the_value(server, r):
    assert cli(server, "SET", "k", "v") == "OK\n"
    assert cli(server, "GET", "k") == '"v"\n'
    assert cli(server, "GET", "missing") == "(nil)\n"


def test_value_with_spaces_round_trips(server, r):
    assert cli(server, "SET", "k", "hello world") == "OK\n"
    assert cli(server, "--raw", "GET", "k") == "hello world\n"
    assert r.get("k") == "hello world"


def test_scan_with_pattern_lists_matching_keys_only(server, r):
    for i in range(300):
        r.set(f"a{i}", i)
        r.set(f"b{i}", i)
    out = cli(server, "--scan", "--pattern", "a*")
    keys = out.split()
    assert len(keys) == len(set(keys)) == 300
    assert set(keys) == {f"a{i}" for i in range(300)}


def test_info_keyspace_shows_key_counts(server, r):
    r.set("x", 1)
    r.set("y", 2, ex=100)
    out = cli(server, "info", "keyspace")
    assert "# Keyspace" in out
    assert "db0:keys=2,expires=1," in out


def test_unknown_command_shows_the_error(server, r):
    out = cli(server, "NOSUCHCOMMAND", "arg")
    assert out.startswith("(error) ERR unknown command 'NOSUCHCOMMAND', with args beginning with: 'arg'")


def test_wrong_arity_shows_the_error(server, r):
    out = cli(server, "GET")
    assert out.strip() == "(error) ERR wrong number of arguments for 'get' command"


def test_integer_and_nil_replies_are_formatted(server, r):
    assert cli(server, "INCR", "n") == "(integer) 1\n"
    assert cli(server, "DEL", "n") == "(integer) 1\n"


def test_ping_and_dbsize(server, r):
    assert cli(server, "PING") == "PONG\n"
    r.set("a", 1)
    assert cli(server, "DBSIZE") == "(integer) 1\n"


def test_select_database_with_n_flag(server, r):
    assert cli(server, "-n", "3", "SET", "k", "in3") == "OK\n"
    assert cli(server, "-n", "3", "GET", "k") == '"in3"\n'
    assert r.get("k") is None


def test_commands_from_stdin_are_run_in_order(server, r):
    out = cli(server, stdin="SET a 1\nINCR a\nGET a\n")
    assert out.splitlines() == ["OK", "(integer) 2", '"2"']


def test_resp3_mode_prints_the_same_as_against_redis(server, redis_server, r):
    """redis-cli -3 (HELLO 3 first): every reply type prints as it does against Redis."""
    script = ("SET k v\nGET k\nGET missing\nMGET k missing\nCONFIG GET maxmemory\n"
              "INCRBYFLOAT f 1.5\nEXISTS k missing\nMULTI\nINCR n\nINCR n\nEXEC\nDEL k\n"
              "OBJECT ENCODING missing\nHELLO 3\n")
    outputs = []
    for srv in (server, redis_server):
        subprocess.run([REDIS_CLI, "-p", str(srv.port), "FLUSHALL"], capture_output=True,
                       timeout=20)
        outputs.append(cli(srv, "-3", stdin=script))
    # HELLO's map holds the connection id, which differs.
    ours, theirs = (re.sub(r'"id" => \(integer\) \d+', '"id" => ID', out) for out in outputs)
    assert ours == theirs
    assert '"proto" => (integer) 3' in ours
