"""Lua scripting against the real server: EVAL/EVALSHA/EVAL_RO/EVALSHA_RO and SCRIPT reply
bytes compared with redis-server 7.0 (RESP2 and RESP3), the sandbox, the cjson and bit
libraries, the scripts redis-py's Lock and django-redis's incr send, and BUSY / SCRIPT KILL /
SHUTDOWN NOSAVE with a script that does not end."""

import threading
import time

import pytest
import redis

from conftest import wait_until
from resp import RespConnection, encode
from test_differential import run_scenario

LOOP = "while true do end"
WRITE_THEN_LOOP = "redis.call('set', KEYS[1], 'x') while true do end"

SCENARIOS = {
    # Arguments, KEYS and ARGV.
    "keys_and_argv": [["EVAL", "return {KEYS[1], KEYS[2], ARGV[1], ARGV[2], #KEYS, #ARGV}", "2",
                       "k1", "k2", "a1", "a2"]],
    "numkeys_errors": [["EVAL", "return 1", "-1"], ["EVAL", "return 1", "2", "a"],
                       ["EVAL", "return 1", "x"], ["EVAL", "return 1", "99999999999999999999"],
                       ["EVAL", "return 1"], ["EVALSHA", "abc"]],
    "evalsha_flow": [["SCRIPT", "LOAD", "return ARGV[1]"],
                     ["EVALSHA", "2a4e8f2d0ef0b3bcd7d9e0d5b4e33b3b5b4c1b01", "0"],
                     ["EVALSHA", "ffffffffffffffffffffffffffffffffffffffff", "0"],
                     ["EVALSHA", "short", "0"],
                     ["EVAL", "return ARGV[1]", "0", "hello"],
                     ["SCRIPT", "EXISTS", "0a1ab44fc1d3ec0b8d28f96c4e2d0f4f2ba5ca6f",
                      "ffffffffffffffffffffffffffffffffffffffff"]],
    "script_load_exists_flush": [["SCRIPT", "LOAD", "return 'x'"],
                                 ["SCRIPT", "EXISTS", "2ad7a4e9a5ddc0bc0f21b0d4d6d5bd1da5df1f47"],
                                 ["SCRIPT", "LOAD", "syntax error"],
                                 ["SCRIPT", "FLUSH", "x"], ["SCRIPT", "FLUSH", "SYNC", "x"],
                                 ["SCRIPT", "EXISTS"], ["SCRIPT", "LOAD"], ["SCRIPT", "NOPE"],
                                 ["SCRIPT", "KILL"], ["SCRIPT", "KILL", "x"], ["SCRIPT"]],
    "script_help": [["SCRIPT", "HELP"]],
    "evalsha_after_load_any_case": [["SCRIPT", "LOAD", "return 7"],
                                    ["EVALSHA", "CE9C3C4B3A5D0F1E6E6D37C4F1C2A9F0B5A0E3C3", "0"]],
    # Lua -> reply conversions.
    "lua_to_resp": [["EVAL", "return 1", "0"], ["EVAL", "return -3.99", "0"],
                    ["EVAL", "return 'str'", "0"], ["EVAL", "return true", "0"],
                    ["EVAL", "return false", "0"], ["EVAL", "return nil", "0"],
                    ["EVAL", "return {1,2,3.5,'x',true,false,nil,4}", "0"],
                    ["EVAL", "return {{1,{2}},{}}", "0"],
                    ["EVAL", "return {ok='fine'}", "0"], ["EVAL", "return {ok='a\\r\\nb'}", "0"],
                    ["EVAL", "return {err='My err'}", "0"], ["EVAL", "return {err='x\\ny'}", "0"],
                    ["EVAL", "return {double=1.5}", "0"], ["EVAL", "return {big_number='123'}", "0"],
                    ["EVAL", "return {map={a=1}}", "0"], ["EVAL", "return {set={a=true}}", "0"],
                    ["EVAL", "return 1e300", "0"], ["EVAL", "return 0/0", "0"],
                    ["EVAL", "return {1, {err='inner'}, {ok='s'}}", "0"],
                    ["EVAL", "return {verbatim_string={format='txt', string='hi'}}", "0"],
                    ["EVAL", "return function() end", "0"]],
    # Reply -> Lua conversions (RESP2).
    "resp_to_lua": [["SET", "s", "v"],
                    ["EVAL", "return redis.call('get', KEYS[1])", "1", "s"],
                    ["EVAL", "return redis.call('get', 'missing') == false", "0"],
                    ["EVAL", "return type(redis.call('set', 'a', 'b'))", "0"],
                    ["EVAL", "return redis.call('set', 'a', 'b').ok", "0"],
                    ["EVAL", "return redis.call('incr', 'n') + 1", "0"],
                    ["EVAL", "return redis.call('mget', 'a', 'nope', 's')", "0"],
                    ["EVAL", "return redis.call('ping')", "0"],
                    ["EVAL", "return redis.pcall('incr', 'a')", "0"],
                    ["EVAL", "local e = redis.pcall('incr', 'a') return e.err", "0"],
                    ["EVAL", "return redis.call('exists', 'a', 's', 'no')", "0"],
                    ["EVAL", "return redis.call('set', 'n2', 3.5)", "0"],
                    ["GET", "n2"],
                    ["EVAL", "return redis.call('set', 'n3', 0.1)", "0"], ["GET", "n3"]],
    # Errors of scripts and of redis.call.
    "call_errors": [["SET", "s", "x"],
                    ["EVAL", "return redis.call('incr','s')", "0"],
                    ["EVAL", "return redis.call('nosuch')", "0"],
                    ["EVAL", "return redis.pcall('nosuch')", "0"],
                    ["EVAL", "return redis.call('get')", "0"],
                    ["EVAL", "return redis.call()", "0"],
                    ["EVAL", "return redis.pcall()", "0"],
                    ["EVAL", "return redis.call({})", "0"],
                    ["EVAL", "return redis.call('get', nil)", "0"],
                    ["EVAL", "return redis.call('multi')", "0"],
                    ["EVAL", "return redis.call('eval', 'return 1', '0')", "0"],
                    ["EVAL", "return redis.call('script', 'load', 'return 1')", "0"],
                    ["EVAL", "return redis.call('config', 'nosuch')", "0"],
                    ["EVAL", "return redis.call('config')", "0"],
                    ["EVAL", "return redis.call('shutdown')", "0"],
                    ["EVAL", "local ok = redis.pcall('incr', 's') return 'after'", "0"],
                    ["EVAL", "error('boom')", "0"],
                    ["EVAL", "error({err='MY boom'})", "0"],
                    ["EVAL", "error()", "0"],
                    ["EVAL", "local t = nil; return t.x", "0"],
                    ["EVAL", "\n\nerror('line three')", "0"],
                    ["EVAL", "syntax error here", "0"],
                    ["EVAL", "return redis.error_reply('x y')", "0"],
                    ["EVAL", "return redis.error_reply('oops')", "0"],
                    ["EVAL", "return redis.error_reply('-CODE z')", "0"],
                    ["EVAL", "return redis.error_reply()", "0"],
                    ["EVAL", "return redis.status_reply('x y')", "0"],
                    ["EVAL", "return redis.status_reply(1)", "0"]],
    "read_only": [["EVAL_RO", "return redis.call('set','a','b')", "0"],
                  ["EVAL_RO", "return redis.call('get','a')", "0"],
                  ["SCRIPT", "LOAD", "return redis.call('del','a')"],
                  ["EVALSHA_RO", "0e1bd4bd8ab3e6fd2f2f2b1f5b6ce5dd0d43c2bf", "0"],
                  ["EVAL_RO", "return redis.pcall('incr','a')", "0"]],
    # The sandbox.
    "sandbox": [["EVAL", "os.exit()", "0"], ["EVAL", "return io", "0"],
                ["EVAL", "return loadfile", "0"], ["EVAL", "return dofile", "0"],
                ["EVAL", "return require", "0"], ["EVAL", "return package", "0"],
                ["EVAL", "x = 1", "0"], ["EVAL", "return y", "0"],
                ["EVAL", "_G.x = 5", "0"], ["EVAL", "string.upper = nil", "0"],
                ["EVAL", "redis.call = nil", "0"], ["EVAL", "cjson.encode = nil", "0"],
                ["EVAL", "return string.upper('abc')", "0"],
                ["EVAL", "return ('x'):rep(3)", "0"],
                ["EVAL", "local t = {} t.x = 1 return t.x", "0"],
                ["EVAL", "return type(_G)", "0"]],
    # redis.* helpers and libraries.
    "helpers": [["EVAL", "return redis.sha1hex('')", "0"],
                ["EVAL", "return redis.sha1hex('abc')", "0"],
                ["EVAL", "return redis.sha1hex()", "0"],
                ["EVAL", "return redis.log(redis.LOG_WARNING, 'from a script')", "0"],
                ["EVAL", "return redis.log()", "0"],
                ["EVAL", "return redis.log('x', 'y')", "0"],
                ["EVAL", "return redis.log(9, 'y')", "0"],
                ["EVAL", "return redis.setresp(4)", "0"],
                ["EVAL", "return redis.setresp()", "0"],
                ["EVAL", "return {redis.LOG_DEBUG, redis.LOG_VERBOSE, redis.LOG_NOTICE, "
                         "redis.LOG_WARNING}", "0"],
                ["EVAL", "return cjson.encode({1,2,{a=1}})", "0"],
                ["EVAL", "return cjson.decode('[1,2,{\"a\":1.5}]')", "0"],
                ["EVAL", "return cjson.decode('{\"a\":[1,2]}').a", "0"],
                ["EVAL", "return cjson.encode(cjson.decode('{\"k\":\"v\"}'))", "0"],
                ["EVAL", "return cjson.decode('nope')", "0"],
                ["EVAL", "return bit.band(0xff, 0x0f)", "0"],
                ["EVAL", "return {bit.bor(1, 2), bit.bxor(3, 1), bit.lshift(1, 4), "
                         "bit.tohex(255)}", "0"],
                ["EVAL", "return redis.replicate_commands()", "0"],
                ["EVAL", "return tostring(math.floor(3.7))", "0"],
                ["EVAL", "return table.concat({'a','b'}, '-')", "0"]],
    "select_inside_script": [["SET", "k", "db9"],
                             ["EVAL", "redis.call('select', 3) redis.call('set', 'k', 'db3') "
                                      "return redis.call('get', 'k')", "0"],
                             ["GET", "k"], ["SELECT", "3"], ["GET", "k"]],
    "eval_in_multi": [["MULTI"], ["EVAL", "return redis.call('incr', 'c')", "0"],
                      ["EVAL", "return redis.call('incr', 'c')", "0"], ["EXEC"], ["GET", "c"]],
    "shebang": [["EVAL", "#!lua\nreturn 1", "0"],
                ["EVAL", "#!lua flags=no-writes\nreturn redis.call('set','a','b')", "0"],
                ["EVAL_RO", "#!lua\nreturn 1", "0"],
                ["EVAL_RO", "#!lua flags=no-writes\nreturn 2", "0"],
                ["EVAL", "#!python\nreturn 1", "0"], ["EVAL", "#!lua foo=bar\nreturn 1", "0"],
                ["EVAL", "#!lua flags=bogus\nreturn 1", "0"],
                ["EVAL", "#!lua flags=no-writes,allow-oom\nerror('x')", "0"],
                ["EVAL", "#!lua name=x\nreturn 1", "0"], ["EVAL", "#!lua flags=\nreturn 3", "0"],
                ["SCRIPT", "LOAD", "#!lua flags=bogus\nreturn 1"],
                ["SCRIPT", "LOAD", "#!lua\nreturn 4"],
                ["EVALSHA_RO", "5A8B1BA5D2B0E0D7C2E6F1E1BC04CB3C35A0F1E8", "0"]],
    "globals_do_not_leak": [["EVAL", "local x = 1 return x", "0"],
                            ["EVAL", "return rawget(_G, 'x')", "0"]],
}

LIB = "#!lua name=mylib\nredis.register_function('echo', function(keys, args) return args[1] end)"
LIB_RO = ("#!lua name=rolib\nredis.register_function{function_name='getter', "
          "callback=function(keys, args) return redis.call('get', keys[1]) end, "
          "flags={'no-writes'}, description='reads a key'}")
LIB_WRITER = ("#!lua name=wlib\nredis.register_function('setter', function(keys, args) "
              "return redis.call('set', keys[1], args[1]) end)")

FUNCTION_SCENARIOS = {
    "function_load_and_fcall": [["FUNCTION", "LOAD", LIB], ["FCALL", "echo", "0", "hello"],
                                ["FCALL", "ECHO", "0", "x"], ["FCALL", "nosuch", "0"],
                                ["FCALL", "echo", "x"], ["FCALL", "nosuch", "x"],
                                ["FCALL", "echo", "-1"], ["FCALL", "echo", "5"],
                                ["FCALL_RO", "echo", "0", "x"], ["FCALL"],
                                ["FUNCTION", "LOAD", LIB], ["FUNCTION", "LIST"],
                                ["FUNCTION", "LIST", "WITHCODE"],
                                ["FUNCTION", "LIST", "LIBRARYNAME", "my*"],
                                ["FUNCTION", "LIST", "LIBRARYNAME", "MY*"],
                                ["FUNCTION", "LIST", "LIBRARYNAME", "other"],
                                ["FUNCTION", "LIST", "LIBRARYNAME"],
                                ["FUNCTION", "LIST", "nope"],
                                ["FUNCTION", "STATS"],
                                ["FUNCTION", "LOAD", "REPLACE", LIB.replace("args[1]", "'new'")],
                                ["FCALL", "echo", "0", "x"],
                                ["FUNCTION", "DELETE", "mylib"], ["FUNCTION", "DELETE", "mylib"],
                                ["FCALL", "echo", "0", "x"], ["FUNCTION", "LIST"]],
    "function_flags": [["FUNCTION", "LOAD", LIB_RO], ["FUNCTION", "LOAD", LIB_WRITER],
                       ["SET", "k", "v"], ["FCALL_RO", "getter", "1", "k"],
                       ["FCALL", "getter", "1", "k"], ["FCALL_RO", "setter", "1", "k", "x"],
                       ["FCALL", "setter", "1", "k", "x"], ["GET", "k"],
                       ["FUNCTION", "LIST", "LIBRARYNAME", "rolib"]],
    "function_load_errors": [
        ["FUNCTION", "LOAD", "no shebang"], ["FUNCTION", "LOAD", "#!lua"],
        ["FUNCTION", "LOAD", "#!lua name=x foo=bar"], ["FUNCTION", "LOAD", "#!python name=x"],
        ["FUNCTION", "LOAD", "#!lua name=t-3\nredis.register_function('a', function() end)"],
        ["FUNCTION", "LOAD", "#!lua name=x\nreturn 1"],
        ["FUNCTION", "LOAD", "#!lua name=x\nsyntax error"],
        ["FUNCTION", "LOAD", "#!lua name=x\nredis.call('ping')"],
        ["FUNCTION", "LOAD", "#!lua name=x\nx = 1"],
        ["FUNCTION", "LOAD", "#!lua name=x\nredis.register_function('f', function() end)\n"
                             "redis.register_function('f', function() end)"],
        ["FUNCTION", "LOAD", "#!lua name=x\nredis.register_function('', function() end)"],
        ["FUNCTION", "LOAD", "#!lua name=x\nredis.register_function('a', 'notfn')"],
        ["FUNCTION", "LOAD", "#!lua name=x\nredis.register_function(1, function() end)"],
        ["FUNCTION", "LOAD", "#!lua name=x\nredis.register_function('a')"],
        ["FUNCTION", "LOAD", "#!lua name=x\nredis.register_function{function_name='a', "
                             "callback=function() end, foo=1}"],
        ["FUNCTION", "LOAD", "#!lua name=x\nredis.register_function{callback=function() end}"],
        ["FUNCTION", "LOAD", "#!lua name=x\nredis.register_function{function_name='a'}"],
        ["FUNCTION", "LOAD", "#!lua name=x\nredis.register_function{function_name=1, "
                             "callback=function() end}"],
        ["FUNCTION", "LOAD", "#!lua name=x\nredis.register_function{function_name='a', "
                             "callback=1}"],
        ["FUNCTION", "LOAD", "#!lua name=x\nredis.register_function{function_name='a', "
                             "callback=function() end, flags='no-writes'}"],
        ["FUNCTION", "LOAD", "#!lua name=x\nredis.register_function{function_name='a', "
                             "callback=function() end, flags={'bogus'}}"],
        ["FUNCTION", "LOAD", "#!lua name=x\nredis.register_function{function_name='a', "
                             "callback=function() end, description=1}"],
        ["FUNCTION", "LOAD", "#!lua name=x\nwhile true do end"],
        ["FUNCTION", "LOAD", LIB], ["FUNCTION", "LOAD",
                                    LIB.replace("mylib", "other")],
        ["FUNCTION", "LOAD", "x", "y"], ["FUNCTION", "LOAD", "REPLACE"]],
    "function_runtime_errors": [
        ["FUNCTION", "LOAD", "#!lua name=e\nredis.register_function('g2', function() return os end)\n"
                             "redis.register_function('late', function() "
                             "redis.register_function('x', function() end) end)\n"
                             "redis.register_function('boom', function() error('b') end)\n"
                             "redis.register_function('keys', function(k, a) return {k[1], a[1], #k, #a} end)"],
        ["FCALL", "g2", "0"], ["FCALL", "late", "0"], ["FCALL", "boom", "0"],
        ["FCALL", "keys", "1", "k1", "a1"],
        ["EVAL", "return redis.call('fcall', 'keys', '0')", "0"]],
    "function_admin_errors": [["FUNCTION", "FLUSH", "x"], ["FUNCTION", "FLUSH", "SYNC"],
                              ["FUNCTION", "FLUSH", "ASYNC"], ["FUNCTION", "FLUSH", "a", "b"],
                              ["FUNCTION", "KILL"], ["FUNCTION", "RESTORE", "x"],
                              ["FUNCTION", "RESTORE", "x", "badpolicy"],
                              ["FUNCTION", "NOSUCH"], ["FUNCTION"], ["FUNCTION", "HELP"],
                              ["FUNCTION", "STATS"], ["FUNCTION", "DELETE", "nope"]],
}

RESP3_SCENARIOS = {
    "resp3_lua_to_resp": [["EVAL", "return true", "0"], ["EVAL", "return false", "0"],
                          ["EVAL", "return nil", "0"], ["EVAL", "return {double=1.5}", "0"],
                          ["EVAL", "return {big_number='123'}", "0"],
                          ["EVAL", "return {map={a=1}}", "0"],
                          ["EVAL", "return {set={a=true}}", "0"],
                          ["EVAL", "return {verbatim_string={format='txt', string='hi'}}", "0"],
                          ["EVAL", "redis.setresp(3) return true", "0"],
                          ["EVAL", "redis.setresp(3) return false", "0"]],
    "resp3_resp_to_lua": [["SET", "a", "1"],
                          ["EVAL", "redis.setresp(3) return redis.call('get', 'nope') == nil",
                           "0"],
                          ["EVAL", "redis.setresp(3) return redis.call('config', 'get', "
                                   "'maxmemory')", "0"],
                          ["EVAL", "redis.setresp(3) local r = redis.call('config', 'get', "
                                   "'maxmemory') return r.map.maxmemory", "0"],
                          ["EVAL", "redis.setresp(3) return redis.call('exists', 'a')", "0"],
                          ["EVAL", "redis.setresp(3) return redis.call('get', 'a')", "0"],
                          ["EVAL", "redis.setresp(2) return redis.call('get', 'nope')", "0"]],
}

RESP2_CONVERSIONS_OF_RESP3 = {
    "resp2_setresp3_types": [
        ["EVAL", "redis.setresp(3) return redis.call('config', 'get', 'maxmemory')", "0"],
        ["EVAL", "redis.setresp(3) return {redis.call('get', 'nope')}", "0"],
        ["EVAL", "redis.setresp(3) return true", "0"],
        ["EVAL", "redis.setresp(3) return false", "0"]],
}


@pytest.fixture(scope="module")
def both(server, redis_server):
    return server, redis_server


def _compare(both, commands, resp3=False):
    cachette, redis_srv = both
    for srv in both:
        srv.call("SCRIPT", "FLUSH")
    expected = run_scenario(redis_srv.port, commands, resp3=resp3)
    actual = run_scenario(cachette.port, commands, resp3=resp3)
    for cmd, want, got in zip(commands, expected, actual):
        assert got == want, (f"command {cmd!r}\n  redis-server: {want!r}\n"
                             f"  cachette:     {got!r}")


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_reply_bytes_match_redis(both, name):
    _compare(both, SCENARIOS[name])


@pytest.mark.parametrize("name", sorted(FUNCTION_SCENARIOS))
def test_function_reply_bytes_match_redis(both, name):
    for srv in both:
        srv.call("FUNCTION", "FLUSH")
    _compare(both, FUNCTION_SCENARIOS[name])
    for srv in both:
        srv.call("FUNCTION", "FLUSH")


def test_function_list_resp3_matches_redis(both):
    commands = [["FUNCTION", "LOAD", LIB_RO], ["FUNCTION", "LIST", "WITHCODE"],
                ["FUNCTION", "STATS"], ["FCALL_RO", "getter", "1", "nokey"]]
    for srv in both:
        srv.call("FUNCTION", "FLUSH")
    _compare(both, commands, resp3=True)
    for srv in both:
        srv.call("FUNCTION", "FLUSH")


def test_function_dump_and_restore(server):
    c = server.client(decode_responses=False)
    c.function_flush()
    c.function_load(LIB)
    c.function_load(LIB_RO)
    payload = c.function_dump()
    c.function_flush()
    assert c.function_list() == []
    assert c.function_restore(payload) is True
    assert c.fcall("echo", 0, "back") == b"back"
    with pytest.raises(redis.exceptions.ResponseError, match="already exists"):
        c.function_restore(payload)
    assert c.function_restore(payload, "REPLACE") is True
    c.function_load(LIB_WRITER)
    assert c.function_restore(payload, "FLUSH") is True
    assert sorted(lib[b"library_name"] if isinstance(lib, dict) else lib[1]
                  for lib in c.function_list()) == [b"mylib", b"rolib"]
    with pytest.raises(redis.exceptions.ResponseError, match="checksum"):
        c.function_restore(payload[:-1] + b"x")
    c.function_flush()


def test_functions_work_from_every_thread(server):
    server.call("FUNCTION", "FLUSH")
    assert server.call("FUNCTION", "LOAD", LIB) == b"$5\r\nmylib\r\n"
    for _ in range(4):
        assert server.call("FCALL", "echo", "0", "hi") == b"$2\r\nhi\r\n"
    assert server.call("FUNCTION", "LOAD", "REPLACE", LIB.replace("args[1]", "'v2'")) == \
        b"$5\r\nmylib\r\n"
    for _ in range(4):
        assert server.call("FCALL", "echo", "0", "hi") == b"$2\r\nv2\r\n"
    server.call("FUNCTION", "FLUSH")
    for _ in range(4):
        assert server.call("FCALL", "echo", "0", "hi") == b"-ERR Function not found\r\n"


def _function_busy_flow(port):
    """FUNCTION LOAD of a looping function, FCALL of it; another client's PING, SCRIPT KILL
    and FUNCTION STATS name while busy, then FUNCTION KILL."""
    with RespConnection(port) as setup:
        setup.call("FUNCTION", "FLUSH")
        setup.call("FUNCTION", "LOAD",
                   "#!lua name=loop\nredis.register_function('spin', function() while true do end end)")
    # Both connections exist before the function starts: a new connection is accepted by
    # the first I/O thread, which may be the one running the function.
    conn = RespConnection(port, timeout=30)
    other = RespConnection(port, timeout=30)
    assert conn.call("PING") == other.call("PING") == b"+PONG\r\n"
    result = []
    thread = threading.Thread(target=lambda: result.append(conn.call("FCALL", "spin", "0")))
    thread.start()
    with other:
        busy = wait_until(lambda: (lambda r: r if r.startswith(b"-BUSY") else None)(
            other.call("PING")), message="BUSY")
        wrong_kill = other.call("SCRIPT", "KILL")
        killed = other.call("FUNCTION", "KILL")
        thread.join(10)
        after = other.call("FUNCTION", "KILL")
        other.call("FUNCTION", "FLUSH")
    conn.close()
    return [busy, wrong_kill, killed, result[0], after]


def test_function_busy_and_kill_match_redis(start_server, start_redis_server):
    ours = start_server(**{"busy-reply-threshold": 100})
    theirs = start_redis_server("--busy-reply-threshold", "100")
    assert _function_busy_flow(ours.port) == _function_busy_flow(theirs.port)


@pytest.mark.parametrize("name", sorted(RESP2_CONVERSIONS_OF_RESP3))
def test_resp3_script_replies_for_resp2_caller_match_redis(both, name):
    _compare(both, RESP2_CONVERSIONS_OF_RESP3[name])


@pytest.mark.parametrize("name", sorted(RESP3_SCENARIOS))
def test_resp3_reply_bytes_match_redis(both, name):
    _compare(both, RESP3_SCENARIOS[name], resp3=True)


def test_evalsha_works_from_another_connection(server):
    sha = server.call("SCRIPT", "LOAD", "return KEYS[1]").split(b"\r\n")[1].decode()
    for _ in range(4):  # consecutive connections land on different I/O threads
        assert server.call("EVALSHA", sha, "1", "k") == b"$1\r\nk\r\n"
    assert server.call("SCRIPT", "FLUSH") == b"+OK\r\n"
    assert server.call("EVALSHA", sha, "1", "k").startswith(b"-NOSCRIPT")


def test_scripts_are_atomic(server):
    """Scripts that INCR two keys, run from several connections, are never seen half done."""
    server.call("FLUSHALL")
    script = "redis.call('incr', 'a') redis.call('incr', 'b') return 1"
    stop = threading.Event()
    bad = []

    def writer():
        c = server.client()
        while not stop.is_set():
            c.eval(script, 0)

    def reader():
        c = server.client()
        while not stop.is_set():
            a, b = c.mget("a", "b")
            if a != b:
                bad.append((a, b))

    threads = [threading.Thread(target=writer) for _ in range(3)]
    threads += [threading.Thread(target=reader) for _ in range(2)]
    for t in threads:
        t.start()
    time.sleep(1.0)
    stop.set()
    for t in threads:
        t.join()
    assert not bad
    assert int(server.client().get("a")) > 0


# --- Real clients --------------------------------------------------------------------------

def test_redis_py_lock(r, server):
    lock = r.lock("resource", timeout=10)
    assert lock.acquire(blocking=False)
    assert not r.lock("resource", timeout=10).acquire(blocking=False)
    assert lock.extend(5)
    assert 10000 < r.pttl("resource") <= 15000
    assert lock.reacquire()
    assert 9000 < r.pttl("resource") <= 10000
    lock.release()
    assert r.get("resource") is None
    # A lock whose key another owner took: the scripts refuse to touch it.
    lock = r.lock("resource", timeout=10)
    assert lock.acquire(blocking=False)
    r.set("resource", "someone-else")
    with pytest.raises(redis.exceptions.LockNotOwnedError):
        lock.extend(1)
    with pytest.raises(redis.exceptions.LockNotOwnedError):
        lock.reacquire()
    with pytest.raises(redis.exceptions.LockNotOwnedError):
        lock.release()
    assert r.get("resource") == "someone-else"
    with r.lock("ctx", timeout=5, blocking_timeout=1):
        assert r.exists("ctx") == 1
    assert r.exists("ctx") == 0


def test_django_redis_incr(server):
    import django
    from django.conf import settings
    if not settings.configured:
        settings.configure(CACHES={"default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{server.port}/1",
            "OPTIONS": {"CLIENT_CLASS": "django_redis.client.DefaultClient"}}})
        django.setup()
    from django.core.cache import caches
    cache = caches.create_connection("default") if hasattr(caches, "create_connection") \
        else caches["default"]
    cache.clear()
    cache.set("n", 10)
    assert cache.incr("n") == 11
    assert cache.incr("n", 5) == 16
    assert cache.decr("n", 6) == 10
    with pytest.raises(ValueError):
        cache.incr("missing")
    assert cache.get("n") == 10


# --- BUSY, SCRIPT KILL, SHUTDOWN NOSAVE ----------------------------------------------------

def _start_looping_script(port, script, keys=()):
    """Starts `script` on its own connection; returns (thread, result list, connection)."""
    conn = RespConnection(port, timeout=30)
    conn.call("PING")
    result = []

    def run():
        try:
            result.append(conn.call("EVAL", script, str(len(keys)), *keys))
        except Exception as e:  # noqa: BLE001 - recorded for the assertion
            result.append(e)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, result, conn


def _busy_kill_flow(port):
    """The replies of: a looping script, another client's PING while it runs past the
    threshold, SCRIPT KILL, and a PING after it ended."""
    other = RespConnection(port, timeout=30)
    other.call("PING")
    thread, result, conn = _start_looping_script(port, LOOP)
    with other:
        busy = wait_until(lambda: (lambda r: r if r.startswith(b"-BUSY") else None)(
            other.call("PING")), deadline_s=10, message="BUSY")
        killed = other.call("SCRIPT", "KILL")
        thread.join(10)
        after = other.call("PING")
        notbusy = other.call("SCRIPT", "KILL")
    conn.close()
    return [busy, killed, result[0], after, notbusy]


def test_busy_and_script_kill_match_redis(start_server, start_redis_server):
    ours = start_server(**{"busy-reply-threshold": 200})
    theirs = start_redis_server("--lua-time-limit", "200")
    assert _busy_kill_flow(ours.port) == _busy_kill_flow(theirs.port)


def test_script_kill_of_a_script_that_wrote_is_refused(start_server, start_redis_server):
    def flow(srv):
        other = RespConnection(srv.port, timeout=30)
        other.call("PING")
        thread, result, conn = _start_looping_script(srv.port, WRITE_THEN_LOOP, keys=("k",))
        with other:
            wait_until(lambda: other.call("PING").startswith(b"-BUSY"), message="BUSY")
            unkillable = other.call("SCRIPT", "KILL")
            shutdown_busy = other.call("SHUTDOWN")
            other.send(encode("SHUTDOWN", "NOSAVE"))
            srv.wait_exit()
        thread.join(10)
        conn.close()
        return [unkillable, shutdown_busy]

    ours = start_server(**{"busy-reply-threshold": 100})
    theirs = start_redis_server("--lua-time-limit", "100")
    assert flow(ours) == flow(theirs)
    ours.stop(check=False)
    theirs.stop(check=False)


def test_commands_wait_for_a_short_script(start_server):
    srv = start_server(**{"busy-reply-threshold": 5000})
    other = RespConnection(srv.port)
    other.call("PING")
    thread, result, conn = _start_looping_script(
        srv.port, "local t = redis.call('time') local s = t[1] * 1000000 + t[2] "
                  "repeat local n = redis.call('time') until "
                  "(n[1] * 1000000 + n[2]) - s > 300000 return 'done'")
    with other:
        assert other.call("PING") == b"+PONG\r\n"
    thread.join(10)
    assert result == [b"$4\r\ndone\r\n"]
    conn.close()


def test_lua_time_limit_is_an_alias(start_server):
    srv = start_server(**{"lua-time-limit": 1234})
    c = srv.client(decode_responses=True)
    assert c.config_get("busy-reply-threshold") == {"busy-reply-threshold": "1234"}
    c.config_set("lua-time-limit", 999)
    assert c.config_get("busy-reply-threshold") == {"busy-reply-threshold": "999"}
