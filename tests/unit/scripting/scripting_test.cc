// The Lua engine on its own: SHA1, compiling, the Lua <-> RESP conversions (through a fake
// host that answers redis.call with canned bytes), the sandbox, and SCRIPT KILL's state.

#include "cachette/scripting/scripting.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "cachette/scripting/sha1.h"

namespace cachette::scripting {
namespace {

// Answers every redis.call with `reply`, and records the arguments.
class FakeHost : public ScriptHost {
 public:
  void Call(std::span<const std::string_view> args, int resp_version, std::string* out) override {
    calls.emplace_back(args.begin(), args.end());
    last_resp = resp_version;
    out->append(reply);
  }
  std::string reply = "+OK\r\n";
  std::vector<std::vector<std::string>> calls;
  int last_resp = 0;
};

class ScriptingTest : public ::testing::Test {
 protected:
  // EVAL body with KEYS/ARGV for a client on `resp`; the reply bytes.
  std::string Eval(std::string_view body, std::vector<std::string_view> keys = {},
                   std::vector<std::string_view> args = {}, int resp = 2) {
    std::string sha;
    if (auto error = scripting.Load(body, &sha)) {
      return "compile: " + *error;
    }
    std::string out;
    protocol::ReplyWriter writer(&out, resp);
    EXPECT_TRUE(scripting.Run(sha, keys, args, host, writer));
    return out;
  }
  // The error a script raises on line 1, as EVAL replies it.
  std::string Raised(std::string_view body, std::string_view text) {
    return "-" + std::string(text) + " script: " + Sha1Hex(body) + ", on @user_script:1.\r\n";
  }

  Scripting scripting;
  FakeHost host;
};

TEST(Sha1Test, KnownDigests) {
  EXPECT_EQ(Sha1Hex(""), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  EXPECT_EQ(Sha1Hex("abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
  EXPECT_EQ(Sha1Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
  EXPECT_EQ(Sha1Hex(std::string(1000000, 'a')), "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
}

TEST_F(ScriptingTest, CompileErrorIsNotCached) {
  std::string sha;
  auto error = scripting.Load("return (", &sha);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(*error,
            "ERR Error compiling script (new function): user_script:1: unexpected symbol near "
            "'<eof>'");
  EXPECT_FALSE(scripting.Exists(sha));
}

TEST_F(ScriptingTest, UnknownShaIsNotRun) {
  std::string out;
  protocol::ReplyWriter writer(&out);
  EXPECT_FALSE(scripting.Run("ffffffffffffffffffffffffffffffffffffffff", {}, {}, host, writer));
  EXPECT_EQ(out, "");
}

TEST_F(ScriptingTest, ShaIsCaseInsensitiveAndFlushForgets) {
  std::string sha;
  ASSERT_FALSE(scripting.Load("return 1", &sha).has_value());
  std::string upper = sha;
  for (char& c : upper) {
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  EXPECT_TRUE(scripting.Exists(upper));
  std::string out;
  protocol::ReplyWriter writer(&out);
  EXPECT_TRUE(scripting.Run(upper, {}, {}, host, writer));
  EXPECT_EQ(out, ":1\r\n");
  scripting.Flush();
  EXPECT_FALSE(scripting.Exists(sha));
  EXPECT_EQ(scripting.size(), 0u);
}

TEST_F(ScriptingTest, KeysAndArgv) {
  EXPECT_EQ(Eval("return {KEYS[1], ARGV[1], #KEYS, #ARGV}", {"k"}, {"a", "b"}),
            "*4\r\n$1\r\nk\r\n$1\r\na\r\n:1\r\n:2\r\n");
}

TEST_F(ScriptingTest, LuaToResp2) {
  EXPECT_EQ(Eval("return 'x'"), "$1\r\nx\r\n");
  EXPECT_EQ(Eval("return 3.99"), ":3\r\n");
  EXPECT_EQ(Eval("return -3.99"), ":-3\r\n");
  EXPECT_EQ(Eval("return 1e300"), ":-9223372036854775808\r\n");
  EXPECT_EQ(Eval("return 0/0"), ":-9223372036854775808\r\n");
  EXPECT_EQ(Eval("return true"), ":1\r\n");
  EXPECT_EQ(Eval("return false"), "$-1\r\n");
  EXPECT_EQ(Eval("return nil"), "$-1\r\n");
  EXPECT_EQ(Eval("return {1, 'a', {2}, nil, 3}"), "*3\r\n:1\r\n$1\r\na\r\n*1\r\n:2\r\n");
  EXPECT_EQ(Eval("return {ok = 'a\\r\\nb'}"), "+a  b\r\n");
  EXPECT_EQ(Eval("return {err = 'CODE x\\ny'}"), "-CODE x y\r\n");
  EXPECT_EQ(Eval("return {double = 1.5}"), "$3\r\n1.5\r\n");
  EXPECT_EQ(Eval("return {big_number = '12'}"), "$2\r\n12\r\n");
  EXPECT_EQ(Eval("return {map = {a = 1}}"), "*2\r\n$1\r\na\r\n:1\r\n");
  EXPECT_EQ(Eval("return {set = {a = true}}"), "*1\r\n$1\r\na\r\n");
  EXPECT_EQ(Eval("return {verbatim_string = {format = 'txt', string = 'hi'}}"), "$2\r\nhi\r\n");
  EXPECT_EQ(Eval("return tostring"), "$-1\r\n");
}

TEST_F(ScriptingTest, LuaToResp3) {
  EXPECT_EQ(Eval("return nil", {}, {}, 3), "_\r\n");
  EXPECT_EQ(Eval("return false", {}, {}, 3), "_\r\n");
  EXPECT_EQ(Eval("redis.setresp(3) return false", {}, {}, 3), "#f\r\n");
  EXPECT_EQ(Eval("redis.setresp(3) return true", {}, {}, 2), ":1\r\n");
  EXPECT_EQ(Eval("redis.setresp(3) return false", {}, {}, 2), ":0\r\n");
  EXPECT_EQ(Eval("return {double = 1.5}", {}, {}, 3), ",1.5\r\n");
  EXPECT_EQ(Eval("return {big_number = '12'}", {}, {}, 3), "(12\r\n");
  EXPECT_EQ(Eval("return {map = {a = 1}}", {}, {}, 3), "%1\r\n$1\r\na\r\n:1\r\n");
  EXPECT_EQ(Eval("return {set = {a = true}}", {}, {}, 3), "~1\r\n$1\r\na\r\n");
  EXPECT_EQ(Eval("return {verbatim_string = {format = 'txt', string = 'hi'}}", {}, {}, 3),
            "=6\r\ntxt:hi\r\n");
}

TEST_F(ScriptingTest, DeepNestingIsAnErrorNotACrash) {
  const std::string out =
      Eval("local t = {} local c = t for i = 1, 100000 do c[1] = {} c = c[1] end return t");
  EXPECT_NE(out.find("-ERR reached lua stack limit\r\n"), std::string::npos);
  EXPECT_NE(Eval("local t = {} t[1] = t return t").find("-ERR reached lua stack limit\r\n"),
            std::string::npos);
}

TEST_F(ScriptingTest, RespToLua) {
  struct Case {
    std::string reply;
    std::string script;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {"$3\r\nabc\r\n", "return redis.call('x')", "$3\r\nabc\r\n"},
      {"$-1\r\n", "return redis.call('x') == false", ":1\r\n"},
      {"*-1\r\n", "return redis.call('x') == false", ":1\r\n"},
      {":42\r\n", "return redis.call('x') + 1", ":43\r\n"},
      {"+PONG\r\n", "return redis.call('x').ok", "$4\r\nPONG\r\n"},
      {"*2\r\n:1\r\n$1\r\na\r\n", "return redis.call('x')", "*2\r\n:1\r\n$1\r\na\r\n"},
      {"-WRONGTYPE bad\r\n", "return redis.pcall('x').err", "$13\r\nWRONGTYPE bad\r\n"},
      {"-WRONGTYPE bad\r\n", "return redis.pcall('x')", "-WRONGTYPE bad\r\n"},
      {"%1\r\n$1\r\nk\r\n:1\r\n", "return redis.call('x').map.k", ":1\r\n"},
      {"~1\r\n$1\r\nm\r\n", "return redis.call('x').set.m", ":1\r\n"},
      {"_\r\n", "return redis.call('x') == nil", ":1\r\n"},
      {"#t\r\n", "return redis.call('x') == true", ":1\r\n"},
      {",2.5\r\n", "return redis.call('x').double * 2", ":5\r\n"},
      {"(123\r\n", "return redis.call('x').big_number", "$3\r\n123\r\n"},
      {"=8\r\ntxt:abcd\r\n", "return redis.call('x').verbatim_string.string", "$4\r\nabcd\r\n"},
      {"|1\r\n$1\r\na\r\n$1\r\nb\r\n:7\r\n", "return redis.call('x')", ":7\r\n"},
  };
  for (const Case& c : cases) {
    host.reply = c.reply;
    EXPECT_EQ(Eval(c.script), c.expected) << c.reply;
  }
}

TEST_F(ScriptingTest, CallArgumentsAndProtocol) {
  host.reply = "+OK\r\n";
  Eval("redis.call('SET', KEYS[1], 3.5, 10)", {"k"});
  ASSERT_EQ(host.calls.size(), 1u);
  EXPECT_EQ(host.calls[0], (std::vector<std::string>{"SET", "k", "3.5", "10"}));
  EXPECT_EQ(host.last_resp, 2);
  Eval("redis.setresp(3) redis.call('PING')");
  EXPECT_EQ(host.last_resp, 3);
}

TEST_F(ScriptingTest, CallErrors) {
  host.reply = "-ERR boom\r\n";
  EXPECT_EQ(Eval("return redis.call('x')"), Raised("return redis.call('x')", "ERR boom"));
  EXPECT_EQ(Eval("return redis.call()"),
            Raised("return redis.call()",
                   "ERR Please specify at least one argument for this redis lib call"));
  EXPECT_EQ(Eval("return redis.call({})"),
            Raised("return redis.call({})",
                   "ERR Lua redis lib command arguments must be strings or integers"));
  EXPECT_EQ(Eval("return redis.pcall({})"),
            "-ERR Lua redis lib command arguments must be strings or integers\r\n");
}

TEST_F(ScriptingTest, ErrorWithoutAMessageIsAnErrorNotACrash) {
  // redis-server 7.0.15 crashes on these.
  EXPECT_EQ(Eval("error({})"), Raised("error({})", "ERR unknown error"));
  EXPECT_EQ(Eval("error({err = 1})"), Raised("error({err = 1})", "ERR unknown error"));
  EXPECT_EQ(Eval("error(nil)"), Raised("error(nil)", "ERR nil"));
}

TEST_F(ScriptingTest, SandboxRefusesGlobalsAndLibraries) {
  for (const char* name : {"os", "io", "loadfile", "dofile", "require", "package", "debug"}) {
    const std::string body = std::string("return ") + name;
    EXPECT_EQ(Eval(body), Raised(body, std::string("ERR user_script:1: Script attempted to access "
                                                   "nonexistent global variable '") +
                                           name + "'"));
  }
  for (const char* body : {"x = 1", "_G.x = 1", "string.upper = nil", "redis.call = nil",
                           "cjson.encode = nil", "bit.band = nil", "math.pi = 3"}) {
    EXPECT_EQ(Eval(body), Raised(body, "ERR user_script:1: Attempt to modify a readonly table"))
        << body;
  }
  // A script's locals and tables are its own; the next script starts clean.
  EXPECT_EQ(Eval("local t = {} t.x = 1 return t.x"), ":1\r\n");
  EXPECT_EQ(Eval("return string.upper('a')"), "$1\r\nA\r\n");
}

TEST_F(ScriptingTest, Helpers) {
  EXPECT_EQ(Eval("return redis.sha1hex('abc')"),
            "$40\r\na9993e364706816aba3e25717850c26c9cd0d89d\r\n");
  EXPECT_EQ(Eval("return redis.error_reply('x y')"), "-x y\r\n");
  EXPECT_EQ(Eval("return redis.error_reply('oops')"), "-ERR oops\r\n");
  EXPECT_EQ(Eval("return redis.status_reply('fine')"), "+fine\r\n");
  EXPECT_EQ(Eval("return redis.setresp(4)"),
            Raised("return redis.setresp(4)", "ERR RESP version must be 2 or 3."));
  EXPECT_EQ(Eval("return redis.log(9, 'x')"),
            Raised("return redis.log(9, 'x')", "ERR Invalid debug level."));
  EXPECT_EQ(Eval("return cjson.encode({1, 2, {a = 1}})"), "$13\r\n[1,2,{\"a\":1}]\r\n");
  EXPECT_EQ(Eval("return cjson.decode('[1,2]')"), "*2\r\n:1\r\n:2\r\n");
  EXPECT_EQ(Eval("return bit.bxor(5, 1)"), ":4\r\n");
}

TEST_F(ScriptingTest, KillStopsALoopingScript) {
  EXPECT_EQ(scripting.Kill(), Scripting::KillResult::kNotBusy);
  std::string out;
  std::thread runner([&] { out = Eval("while true do end"); });
  while (!scripting.running()) {
    std::this_thread::yield();
  }
  EXPECT_FALSE(scripting.WaitWhileRunning(1));
  EXPECT_TRUE(scripting.TimedOut(0));
  EXPECT_EQ(scripting.Kill(), Scripting::KillResult::kKilled);
  runner.join();
  EXPECT_EQ(out.substr(0, 48), "-ERR Script killed by user with SCRIPT KILL... s");
  EXPECT_FALSE(scripting.running());
  EXPECT_TRUE(scripting.WaitWhileRunning(1));
}

TEST_F(ScriptingTest, KillCannotBeCaughtByPcall) {
  std::string out;
  std::thread runner(
      [&] { out = Eval("while true do pcall(function() while true do end end) end"); });
  while (!scripting.running()) {
    std::this_thread::yield();
  }
  EXPECT_EQ(scripting.Kill(), Scripting::KillResult::kKilled);
  runner.join();
  EXPECT_EQ(out.substr(0, 48), "-ERR Script killed by user with SCRIPT KILL... s");
}

TEST_F(ScriptingTest, ScriptThatWroteIsUnkillableButForceKillStopsIt) {
  std::string out;
  std::thread runner([&] { out = Eval("while true do end"); });
  while (!scripting.running()) {
    std::this_thread::yield();
  }
  scripting.NoteWrite();
  EXPECT_EQ(scripting.Kill(), Scripting::KillResult::kUnkillable);
  scripting.ForceKill();
  runner.join();
  EXPECT_EQ(out.substr(0, 5), "-ERR ");
}

TEST_F(ScriptingTest, ForceKillAlsoStopsScriptsStartedLater) {
  scripting.ForceKill();  // shutdown began while nothing ran
  EXPECT_EQ(Eval("while true do end").substr(0, 48),
            "-ERR Script killed by user with SCRIPT KILL... s");
}

TEST_F(ScriptingTest, BusyServerRunsFromTheHookOnItsThreadAndMayKill) {
  int calls = 0;
  bool serving_inside = true;
  Scripting::SetThreadBusyServer([&] {
    serving_inside = serving_inside && Scripting::ServingWhileBusy();
    EXPECT_TRUE(scripting.running());
    if (++calls == 3) {
      EXPECT_EQ(scripting.Kill(), Scripting::KillResult::kKilled);  // a SCRIPT KILL it served
    }
  });
  const auto started = std::chrono::steady_clock::now();
  const std::string out = Eval("while true do end");
  const auto elapsed = std::chrono::steady_clock::now() - started;
  Scripting::SetThreadBusyServer(nullptr);
  EXPECT_EQ(out.substr(0, 48), "-ERR Script killed by user with SCRIPT KILL... s");
  EXPECT_EQ(calls, 3);
  EXPECT_TRUE(serving_inside);
  EXPECT_FALSE(Scripting::ServingWhileBusy());
  // At most one call per period: the third comes at least two periods after the first.
  EXPECT_GE(elapsed, std::chrono::milliseconds(2 * Scripting::kBusyServePeriodMs));

  // Another thread's scripts never call this thread's busy server.
  calls = 0;
  Scripting::SetThreadBusyServer([&] { ++calls; });
  std::string other;
  std::thread runner([&] { other = Eval("local n = 0 for i = 1, 3000000 do n = n + i end"); });
  runner.join();
  Scripting::SetThreadBusyServer(nullptr);
  EXPECT_EQ(calls, 0);
}

}  // namespace
}  // namespace cachette::scripting

namespace cachette::scripting {
namespace {

class FunctionsTest : public ::testing::Test {
 protected:
  std::string Fcall(std::string_view name, std::vector<std::string_view> keys = {},
                    std::vector<std::string_view> args = {}) {
    std::string out;
    protocol::ReplyWriter writer(&out);
    std::vector<std::string_view> command = {"FCALL", name};
    scripting.RunFunction(name, keys, args, host, writer, command);
    return out;
  }

  Scripting scripting;
  FakeHost host;
};

TEST_F(FunctionsTest, LoadCallListDelete) {
  std::string name;
  ASSERT_FALSE(scripting
                   .LoadLibrary("#!lua name=lib\nredis.register_function{function_name='Echo', "
                                "callback=function(keys, args) return {keys[1], args[1]} end, "
                                "flags={'no-writes'}, description='d'}",
                                false, &name)
                   .has_value());
  EXPECT_EQ(name, "lib");
  EXPECT_EQ(Fcall("echo", {"k"}, {"a"}), "*2\r\n$1\r\nk\r\n$1\r\na\r\n");
  auto function = scripting.FindFunction("ECHO");
  ASSERT_TRUE(function.has_value());
  EXPECT_EQ(function->name, "Echo");
  EXPECT_TRUE(function->no_writes());
  EXPECT_EQ(function->description, "d");
  ASSERT_EQ(scripting.Libraries().size(), 1u);
  EXPECT_EQ(*scripting.LoadLibrary("#!lua name=lib\nredis.register_function('x', function() end)",
                                   false, &name),
            "ERR Library 'lib' already exists");
  EXPECT_EQ(*scripting.LoadLibrary("#!lua name=other\nredis.register_function('echo', "
                                   "function() end)",
                                   false, &name),
            "ERR Function echo already exists");
  EXPECT_TRUE(scripting.DeleteLibrary("lib"));
  EXPECT_FALSE(scripting.DeleteLibrary("lib"));
  EXPECT_EQ(Fcall("echo"), "-ERR Function not found\r\n");
}

TEST_F(FunctionsTest, LoadErrors) {
  std::string name;
  EXPECT_EQ(*scripting.LoadLibrary("return 1", false, &name), "ERR Missing library metadata");
  EXPECT_EQ(*scripting.LoadLibrary("#!lua name=x\nreturn 1", false, &name),
            "ERR No functions registered");
  EXPECT_EQ(*scripting.LoadLibrary("#!lua name=x\nwhile true do end", false, &name),
            "ERR Error registering functions: ERR FUNCTION LOAD timeout");
  EXPECT_EQ(*scripting.LoadLibrary("#!lua name=x\nredis.call('ping')", false, &name),
            "ERR Error registering functions: ERR user_function:2: Script attempted to access "
            "nonexistent global variable 'call'");
  EXPECT_EQ(*scripting.LoadLibrary("#!lua name=x\n(", false, &name),
            "ERR Error compiling function: user_function:2: unexpected symbol near '<eof>'");
  EXPECT_TRUE(scripting.Libraries().empty());
}

TEST_F(FunctionsTest, DumpAndRestore) {
  std::string name;
  ASSERT_FALSE(scripting
                   .LoadLibrary("#!lua name=a\nredis.register_function('fa', function() "
                                "return 1 end)",
                                false, &name)
                   .has_value());
  const std::string payload = scripting.DumpFunctions();
  scripting.FlushFunctions();
  EXPECT_EQ(Fcall("fa"), "-ERR Function not found\r\n");
  EXPECT_FALSE(scripting.RestoreFunctions(payload, Scripting::RestorePolicy::kAppend));
  EXPECT_EQ(Fcall("fa"), ":1\r\n");
  EXPECT_EQ(*scripting.RestoreFunctions(payload, Scripting::RestorePolicy::kAppend),
            "ERR Library a already exists");
  EXPECT_FALSE(scripting.RestoreFunctions(payload, Scripting::RestorePolicy::kReplace));
  EXPECT_EQ(*scripting.RestoreFunctions(payload.substr(1), Scripting::RestorePolicy::kFlush),
            "ERR DUMP payload version or checksum are wrong");
}

TEST_F(FunctionsTest, FunctionKillAndWrongKind) {
  std::string name;
  ASSERT_FALSE(scripting
                   .LoadLibrary("#!lua name=l\nredis.register_function('spin', function() "
                                "while true do end end)",
                                false, &name)
                   .has_value());
  std::string out;
  std::thread runner([&] { out = Fcall("spin"); });
  while (!scripting.running()) {
    std::this_thread::yield();
  }
  EXPECT_TRUE(scripting.running_function());
  auto current = scripting.CurrentFunction();
  ASSERT_TRUE(current.has_value());
  EXPECT_EQ(current->name, "spin");
  EXPECT_EQ(scripting.Kill(/*function=*/false), Scripting::KillResult::kWrongKind);
  EXPECT_EQ(scripting.Kill(/*function=*/true), Scripting::KillResult::kKilled);
  runner.join();
  EXPECT_EQ(out,
            "-ERR Script killed by user with SCRIPT KILL... script: spin, on "
            "@user_function:2.\r\n");
}

}  // namespace
}  // namespace cachette::scripting
