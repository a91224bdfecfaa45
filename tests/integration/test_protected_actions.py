"""enable-debug-command and enable-protected-configs (no / yes / local), as Redis 7.0: who may
run DEBUG and CONFIG SET a protected directive (`dir`). Replies are compared byte for byte with
Debian's redis-server 7.0.15 started with the same settings; a client connecting from
127.0.0.2 is not local for either server (Redis counts only 127.0.0.1 and ::1)."""

import pytest

from resp import RespConnection, encode
from test_differential import assert_scenario_matches

REFUSED_BY_DEFAULT = [
    ["DEBUG", "SLEEP", "0"], ["DEBUG", "HELP"], ["DEBUG", "NOPE"], ["DEBUG"],
    ["MULTI"], ["DEBUG", "SLEEP", "0"], ["EXEC"],
    ["CONFIG", "SET", "dir", "/tmp"],
    ["CONFIG", "SET", "maxmemory", "0", "dir", "/tmp"],
    ["CONFIG", "SET", "dir", "/tmp", "no-such-directive", "1"],
    ["CONFIG", "SET", "enable-debug-command", "yes"],
    ["CONFIG", "SET", "enable-protected-configs", "yes"],
    ["CONFIG", "SET", "enable-debug-command", "maybe"],
    ["CONFIG", "GET", "enable-debug-command"],
    ["CONFIG", "GET", "enable-protected-configs"],
    ["EVAL", "return redis.pcall('DEBUG', 'SLEEP', '0')", "0"],
]


def replies(port, commands, source=None):
    out = []
    with RespConnection(port, timeout=10, source=source) as c:
        for cmd in commands:
            out.append(c.call(*cmd))
    return out


def test_defaults_refuse_debug_and_protected_configs_as_redis(both):
    assert_scenario_matches(both, REFUSED_BY_DEFAULT)


def test_debug_refused_before_authentication_as_redis(start_server, start_redis_server):
    cachette = start_server(requirepass="pw")
    redis_srv = start_redis_server("--requirepass", "pw")
    commands = [["DEBUG", "SLEEP", "0"], ["GET", "k"], ["AUTH", "pw"], ["DEBUG", "SLEEP", "0"]]
    expected = replies(redis_srv.port, commands)
    assert expected[0].startswith(b"-ERR DEBUG command not allowed.")
    assert replies(cachette.port, commands) == expected


@pytest.mark.parametrize("setting", ["yes", "local"])
def test_allowed_settings_match_redis(start_server, start_redis_server, setting):
    cachette = start_server(enable_debug_command=setting, enable_protected_configs=setting)
    # protected-mode no: Redis would refuse the 127.0.0.2 client outright.
    redis_srv = start_redis_server("--enable-debug-command", setting,
                                   "--enable-protected-configs", setting, "--protected-mode", "no")
    from_loopback = [["DEBUG", "SLEEP", "0"], ["DEBUG", "SET-ACTIVE-EXPIRE", "1"],
                     ["CONFIG", "SET", "dir", "/tmp"], ["CONFIG", "GET", "dir"],
                     ["CONFIG", "GET", "enable-debug-command"],
                     ["CONFIG", "GET", "enable-protected-configs"],
                     ["CONFIG", "SET", "enable-debug-command", "no"]]
    expected = replies(redis_srv.port, from_loopback)
    assert expected[0] == b"+OK\r\n" and expected[2] == b"+OK\r\n"
    assert replies(cachette.port, from_loopback) == expected
    # 127.0.0.2 is loopback to the kernel but not a local client to Redis.
    elsewhere = [["DEBUG", "SLEEP", "0"], ["CONFIG", "SET", "dir", "/tmp"], ["PING"]]
    expected = replies(redis_srv.port, elsewhere, source="127.0.0.2")
    assert (expected[0] == b"+OK\r\n") == (setting == "yes")
    assert replies(cachette.port, elsewhere, source="127.0.0.2") == expected


def test_bad_setting_stops_start_up(start_server):
    with pytest.raises(AssertionError, match="one of the following: no, yes, local"):
        start_server(enable_debug_command="maybe")
