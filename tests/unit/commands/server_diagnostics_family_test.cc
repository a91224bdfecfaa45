// MONITOR, SLOWLOG, LATENCY, DEBUG, LASTSAVE, ROLE and COMMAND GETKEYS/LIST/DOCS through the
// dispatcher. Error texts and deterministic replies were checked against redis-server 7.0.

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "cachette/commands/diagnostics.h"
#include "harness.h"

namespace cachette::commands::testing {
namespace {

const std::string kOk = "+OK\r\n";

class ServerDiagnosticsFamilyTest : public ::testing::Test {
 protected:
  // DEBUG is refused by default (enable-debug-command no); these tests use it.
  ServerDiagnosticsFamilyTest() {
    EXPECT_EQ(h_.config().LoadText("enable-debug-command yes", "test"), std::nullopt);
  }
  std::string Run(std::vector<std::string> args) { return h_.Run(std::move(args)); }
  CommandHarness h_;
};

const std::string kDebugRefused =
    "-ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you "
    "can run it from a local connection, otherwise you need to set this option in the "
    "configuration file, and then restart the server.\r\n";

TEST(AdminDebugAccessTest, RefusedByDefaultBeforeAuthenticationAndInsideMulti) {
  CommandHarness h;
  EXPECT_EQ(h.Run({"DEBUG", "SLEEP", "0"}), kDebugRefused);
  EXPECT_EQ(h.Run({"DEBUG"}), "-ERR wrong number of arguments for 'debug' command\r\n");
  h.client().authenticated = false;
  EXPECT_EQ(h.Run({"DEBUG", "JMAP"}), kDebugRefused);
  h.client().authenticated = true;
  EXPECT_EQ(h.Run({"MULTI"}), kOk);
  EXPECT_EQ(h.Run({"DEBUG", "JMAP"}), kDebugRefused);
  EXPECT_EQ(h.Run({"EXEC"}), "-EXECABORT Transaction discarded because of previous errors.\r\n");
}

TEST(AdminDebugAccessTest, LocalAllowsOnlyLoopbackPeers) {
  CommandHarness h;
  ASSERT_EQ(h.config().LoadText("enable-debug-command local", "test"), std::nullopt);
  for (const char* peer : {"127.0.0.1:5000", "[::1]:5000"}) {
    h.client().peer_address = peer;
    EXPECT_EQ(h.Run({"DEBUG", "JMAP"}), kOk) << peer;
  }
  for (const char* peer : {"127.0.0.2:5000", "10.0.0.1:5000", "[::ffff:127.0.0.1]:5000", "", "x"}) {
    h.client().peer_address = peer;
    EXPECT_EQ(h.Run({"DEBUG", "JMAP"}), kDebugRefused) << peer;
  }
}

TEST(AdminDebugAccessTest, ProtectedConfigsFollowEnableProtectedConfigs) {
  const std::string refused =
      "-ERR CONFIG SET failed (possibly related to argument 'dir') - can't set protected "
      "config\r\n";
  CommandHarness h;
  h.client().peer_address = "127.0.0.1:5000";
  EXPECT_EQ(h.Run({"CONFIG", "SET", "dir", "/tmp"}), refused);
  EXPECT_EQ(h.Run({"CONFIG", "SET", "maxmemory", "5", "dir", "/tmp"}), refused);
  EXPECT_EQ(h.Run({"CONFIG", "GET", "maxmemory"}), "*2\r\n$9\r\nmaxmemory\r\n$1\r\n0\r\n");
  EXPECT_EQ(h.Run({"CONFIG", "SET", "enable-protected-configs", "yes"}),
            "-ERR CONFIG SET failed (possibly related to argument 'enable-protected-configs') - "
            "can't set immutable config\r\n");
  ASSERT_EQ(h.config().LoadText("enable-protected-configs local", "test"), std::nullopt);
  EXPECT_EQ(h.Run({"CONFIG", "SET", "dir", "/tmp"}), kOk);
  h.client().peer_address = "10.1.2.3:5000";
  EXPECT_EQ(h.Run({"CONFIG", "SET", "dir", "/tmp"}), refused);
}

TEST_F(ServerDiagnosticsFamilyTest, SlowlogRecordsCommandsAboveTheThreshold) {
  EXPECT_EQ(Run({"SLOWLOG", "LEN"}), Int(0));
  EXPECT_EQ(Run({"SLOWLOG", "GET"}), "*0\r\n");
  ASSERT_EQ(Run({"CONFIG", "SET", "slowlog-log-slower-than", "0"}), kOk);
  h_.client().peer_address = "127.0.0.1:1234";
  h_.client().name = "me";
  Run({"SET", "k", std::string(200, 'x')});
  const std::string get = Run({"SLOWLOG", "GET", "1"});
  // [id, time, duration, args, addr, name]; the 200-byte value is cut at 128 bytes.
  EXPECT_EQ(get.rfind("*1\r\n*6\r\n:1\r\n:", 0), 0u) << get;  // CONFIG SET was entry 0
  const std::string args = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n" +
                           Bulk(std::string(128, 'x') + "... (72 more bytes)") +
                           Bulk("127.0.0.1:1234") + Bulk("me");
  EXPECT_NE(get.find(args), std::string::npos) << get;
  EXPECT_EQ(Run({"SLOWLOG", "LEN"}), Int(3));  // CONFIG SET, SET, SLOWLOG GET
  EXPECT_EQ(Run({"SLOWLOG", "RESET"}), kOk);
  EXPECT_EQ(Run({"SLOWLOG", "LEN"}), Int(1));  // the RESET itself
}

TEST_F(ServerDiagnosticsFamilyTest, SlowlogKeepsMaxLenEntriesAndCapsArguments) {
  ASSERT_EQ(Run({"CONFIG", "SET", "slowlog-log-slower-than", "0", "slowlog-max-len", "2"}), kOk);
  std::vector<std::string> many = {"DEL"};
  for (int i = 0; i < 40; ++i) {
    many.push_back("k" + std::to_string(i));
  }
  Run(many);
  const std::string all = Run({"SLOWLOG", "GET", "1"});
  Run({"PING"});
  EXPECT_EQ(Run({"SLOWLOG", "LEN"}), Int(2));
  EXPECT_NE(all.find(Bulk("... (10 more arguments)")), std::string::npos) << all;
  EXPECT_NE(all.find("*32\r\n$3\r\nDEL\r\n"), std::string::npos);
}

TEST_F(ServerDiagnosticsFamilyTest, SlowlogRedactsAuth) {
  ASSERT_EQ(Run({"CONFIG", "SET", "slowlog-log-slower-than", "0"}), kOk);
  Run({"AUTH", "default", "secret"});
  const std::string get = Run({"SLOWLOG", "GET", "1"});
  EXPECT_NE(get.find("*3\r\n$4\r\nAUTH\r\n$10\r\n(redacted)\r\n$10\r\n(redacted)\r\n"),
            std::string::npos)
      << get;
  EXPECT_EQ(get.find("secret"), std::string::npos);
}

TEST_F(ServerDiagnosticsFamilyTest, SlowlogOffAndErrors) {
  ASSERT_EQ(Run({"CONFIG", "SET", "slowlog-log-slower-than", "-1"}), kOk);
  Run({"PING"});
  EXPECT_EQ(Run({"SLOWLOG", "LEN"}), Int(0));
  EXPECT_EQ(Run({"SLOWLOG", "GET", "-2"}), Err("ERR count should be greater than or equal to -1"));
  EXPECT_EQ(Run({"SLOWLOG", "GET", "x"}), Err("ERR count should be greater than or equal to -1"));
  EXPECT_EQ(Run({"SLOWLOG", "GET", "1", "2"}),
            Err("ERR unknown subcommand or wrong number of arguments for 'GET'. Try SLOWLOG "
                "HELP."));
  EXPECT_EQ(Run({"SLOWLOG", "NOPE"}), Err("ERR unknown subcommand 'NOPE'. Try SLOWLOG HELP."));
  EXPECT_EQ(Run({"CONFIG", "SET", "slowlog-log-slower-than", "-2"}),
            Err("ERR CONFIG SET failed (possibly related to argument 'slowlog-log-slower-than') "
                "- argument must be between -1 and 9223372036854775807 inclusive"));
}

TEST_F(ServerDiagnosticsFamilyTest, LatencyRecordsSlowCommandsPerEvent) {
  EXPECT_EQ(Run({"LATENCY", "LATEST"}), "*0\r\n");
  EXPECT_EQ(Run({"LATENCY", "HISTORY", "command"}), "*0\r\n");
  EXPECT_EQ(Run({"LATENCY", "RESET"}), Int(0));
  ASSERT_EQ(Run({"CONFIG", "SET", "latency-monitor-threshold", "1"}), kOk);
  EXPECT_EQ(Run({"DEBUG", "SLEEP", "0.003"}), kOk);
  const std::string latest = Run({"LATENCY", "LATEST"});
  EXPECT_EQ(latest.rfind("*1\r\n*4\r\n$7\r\ncommand\r\n:", 0), 0u) << latest;
  EXPECT_EQ(Run({"LATENCY", "HISTORY", "command"}).rfind("*1\r\n*2\r\n:", 0), 0u);
  EXPECT_EQ(Run({"LATENCY", "RESET", "fast-command"}), Int(0));
  EXPECT_EQ(Run({"LATENCY", "RESET", "command"}), Int(1));
  EXPECT_EQ(Run({"LATENCY", "LATEST"}), "*0\r\n");
  EXPECT_EQ(Run({"LATENCY", "HISTORY"}),
            Err("ERR wrong number of arguments for 'latency|history' command"));
  EXPECT_EQ(Run({"LATENCY", "NOPE"}), Err("ERR unknown subcommand 'NOPE'. Try LATENCY HELP."));
}

TEST_F(ServerDiagnosticsFamilyTest, MonitorLineFormat) {
  ClientState client;
  client.db = 3;
  client.peer_address = "127.0.0.1:5555";
  const CommandSpec* set = h_.table().Find("set");
  std::vector<std::string_view> args = {"SET", "k", "a \"b\"\n\x01"};
  EXPECT_EQ(MonitorLine(client, *set, args, 1700000000123456),
            "+1700000000.123456 [3 127.0.0.1:5555] \"SET\" \"k\" \"a \\\"b\\\"\\n\\x01\"\r\n");
  const CommandSpec* hello = h_.table().Find("hello");
  std::vector<std::string_view> hello_args = {"HELLO", "3", "AUTH", "u", "p", "SETNAME", "n"};
  EXPECT_EQ(MonitorLine(client, *hello, hello_args, 5),
            "+0.000005 [3 127.0.0.1:5555] \"HELLO\" \"3\" \"AUTH\" \"(redacted)\" "
            "\"(redacted)\" \"SETNAME\" \"n\"\r\n");
}

TEST_F(ServerDiagnosticsFamilyTest, MonitorRepliesOkOnceAndIsRefusedInsideExec) {
  EXPECT_EQ(Run({"MONITOR"}), kOk);
  EXPECT_TRUE(h_.client().monitor);
  EXPECT_EQ(Run({"MONITOR"}), "");  // already monitoring: no reply, as Redis
  EXPECT_EQ(Run({"RESET"}), "+RESET\r\n");
  EXPECT_FALSE(h_.client().monitor);
  Run({"MULTI"});
  Run({"MONITOR"});
  EXPECT_EQ(Run({"EXEC"}), "*1\r\n-ERR MONITOR isn't allowed for DENY BLOCKING client\r\n");
  EXPECT_EQ(Run({"MONITOR", "x"}), Err("ERR wrong number of arguments for 'monitor' command"));
}

TEST_F(ServerDiagnosticsFamilyTest, DebugSubcommands) {
  EXPECT_EQ(Run({"DEBUG", "SLEEP", "0"}), kOk);
  EXPECT_EQ(Run({"DEBUG", "SLEEP", "x"}), kOk);  // strtod, as Redis
  EXPECT_EQ(Run({"DEBUG", "JMAP"}), kOk);
  EXPECT_EQ(Run({"DEBUG", "SET-ACTIVE-EXPIRE", "0"}), kOk);
  EXPECT_FALSE(h_.store().active_expire());
  EXPECT_EQ(Run({"DEBUG", "set-active-expire", "1"}), kOk);
  EXPECT_TRUE(h_.store().active_expire());
  EXPECT_EQ(Run({"DEBUG", "OBJECT", "nokey"}), Err("ERR no such key"));
  Run({"SET", "s", "hello"});
  Run({"SET", "n", "123"});
  const std::string s = Run({"DEBUG", "OBJECT", "s"});
  EXPECT_EQ(s.rfind("+Value at:0x", 0), 0u) << s;
  EXPECT_NE(s.find(" refcount:1 encoding:embstr serializedlength:6 lru:"), std::string::npos);
  EXPECT_NE(s.find(" lru_seconds_idle:0\r\n"), std::string::npos);
  EXPECT_NE(Run({"DEBUG", "OBJECT", "n"})
                .find(" refcount:2147483647 encoding:int "
                      "serializedlength:2 "),
            std::string::npos);
  EXPECT_EQ(Run({"DEBUG", "OBJECT"}),
            Err("ERR unknown subcommand or wrong number of arguments for 'OBJECT'. Try DEBUG "
                "HELP."));
  EXPECT_EQ(Run({"DEBUG", "nope"}),
            Err("ERR unknown subcommand or wrong number of arguments for 'nope'. Try DEBUG HELP."));
  EXPECT_EQ(Run({"DEBUG"}), Err("ERR wrong number of arguments for 'debug' command"));
  EXPECT_EQ(Run({"DEBUG", "HELP"}).rfind("*", 0), 0u);
}

TEST_F(ServerDiagnosticsFamilyTest, LastsaveIsTheStartTimeAndRoleIsMaster) {
  EXPECT_EQ(Run({"LASTSAVE"}), Int(h_.server().start_time_ms() / 1000));
  EXPECT_EQ(Run({"ROLE"}), "*3\r\n$6\r\nmaster\r\n:0\r\n*0\r\n");
  EXPECT_EQ(Run({"ROLE", "x"}), Err("ERR wrong number of arguments for 'role' command"));
}

TEST_F(ServerDiagnosticsFamilyTest, LolwutAnswersTheVersionLine) {
  EXPECT_EQ(Run({"LOLWUT"}), Bulk("Redis ver. 7.0.15\n"));
  EXPECT_EQ(Run({"LOLWUT", "VERSION", "6", "x"}), Bulk("Redis ver. 7.0.15\n"));
  EXPECT_EQ(Run({"LOLWUT", "VERSION", "x"}), Err("ERR value is not an integer or out of range"));
}

TEST_F(ServerDiagnosticsFamilyTest, ConfigRewriteNeedsAConfigFile) {
  EXPECT_EQ(Run({"CONFIG", "REWRITE"}), Err("ERR The server is running without a config file"));
  EXPECT_EQ(Run({"CONFIG", "REWRITE", "x"}),
            Err("ERR wrong number of arguments for 'config|rewrite' command"));
}

TEST_F(ServerDiagnosticsFamilyTest, CommandGetkeys) {
  EXPECT_EQ(Run({"COMMAND", "GETKEYS", "SET", "k", "v"}), BulkArray({"k"}));
  EXPECT_EQ(Run({"COMMAND", "GETKEYS", "mset", "a", "1", "b", "2"}), BulkArray({"a", "b"}));
  EXPECT_EQ(Run({"COMMAND", "GETKEYS", "MEMORY", "USAGE", "k"}), BulkArray({"k"}));
  EXPECT_EQ(Run({"COMMAND", "GETKEYS", "GET", "a", "b"}),
            Err("ERR Invalid number of arguments specified for command"));
  EXPECT_EQ(Run({"COMMAND", "GETKEYS", "MEMORY", "USAGE"}),
            Err("ERR Invalid number of arguments specified for command"));
  EXPECT_EQ(Run({"COMMAND", "GETKEYS", "PING", "x"}), Err("ERR The command has no key arguments"));
  EXPECT_EQ(Run({"COMMAND", "GETKEYS", "GET"}),
            Err("ERR wrong number of arguments for 'command|getkeys' command"));
  EXPECT_EQ(Run({"COMMAND", "GETKEYS", "NOPE", "x"}), Err("ERR Invalid command specified"));
  EXPECT_EQ(Run({"COMMAND", "GETKEYS", "MEMORY", "NOPE"}), Err("ERR Invalid command specified"));
}

TEST_F(ServerDiagnosticsFamilyTest, CommandInfoAndDocsTakeFullSubcommandNames) {
  EXPECT_EQ(
      Run({"COMMAND", "INFO", "config|get"}).rfind("*1\r\n*10\r\n$10\r\nconfig|get\r\n:-3\r\n", 0),
      0u);
  EXPECT_EQ(Run({"COMMAND", "INFO", "config|nope", "config|", "|get", "config|get|x"}),
            "*4\r\n$-1\r\n$-1\r\n$-1\r\n$-1\r\n");
  EXPECT_EQ(Run({"COMMAND", "DOCS", "client|kill"}).rfind("*2\r\n$11\r\nclient|kill\r\n", 0), 0u);
  EXPECT_EQ(Run({"COMMAND", "DOCS", "client|nope"}), "*0\r\n");
}

TEST_F(ServerDiagnosticsFamilyTest, CommandInfoCarriesRedisTipsAndKeySpecs) {
  // Redis 7.0's reply for GET, byte for byte.
  EXPECT_EQ(Run({"COMMAND", "INFO", "get"}),
            "*1\r\n*10\r\n$3\r\nget\r\n:2\r\n*2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n"
            "*3\r\n+@read\r\n+@string\r\n+@fast\r\n*0\r\n*1\r\n*6\r\n$5\r\nflags\r\n*2\r\n+RO\r\n"
            "+access\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n"
            "*2\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n"
            "$4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n"
            ":0\r\n*0\r\n");
  const std::string keys = Run({"COMMAND", "INFO", "keys"});
  EXPECT_NE(keys.find("$29\r\nnondeterministic_output_order\r\n"), std::string::npos) << keys;
}

TEST_F(ServerDiagnosticsFamilyTest, CommandListFilters) {
  const auto all = ParseBulkArray(Run({"COMMAND", "LIST"}));
  ASSERT_TRUE(all);
  EXPECT_NE(std::find(all->begin(), all->end(), "config|get"), all->end());
  EXPECT_EQ(Run({"COMMAND", "LIST", "FILTERBY", "PATTERN", "slowlog*"}),
            BulkArray({"slowlog", "slowlog|get", "slowlog|len", "slowlog|reset", "slowlog|help"}));
  EXPECT_EQ(Run({"COMMAND", "LIST", "FILTERBY", "aclcat", "transaction"}).substr(0, 2), "*5");
  EXPECT_EQ(Run({"COMMAND", "LIST", "FILTERBY", "ACLCAT", "nosuch"}), "*0\r\n");
  EXPECT_EQ(Run({"COMMAND", "LIST", "FILTERBY", "MODULE", "m"}), "*0\r\n");
  EXPECT_EQ(Run({"COMMAND", "LIST", "FILTERBY", "FOO", "x"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"COMMAND", "LIST", "FILTERBY", "PATTERN"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"COMMAND", "LIST", "x"}), Err("ERR syntax error"));
}

TEST_F(ServerDiagnosticsFamilyTest, CommandDocsCarryArgumentTrees) {
  const std::string docs = Run({"COMMAND", "DOCS", "get"});
  EXPECT_NE(docs.find("$9\r\narguments\r\n*1\r\n*6\r\n$4\r\nname\r\n$3\r\nkey\r\n$4\r\ntype\r\n"
                      "$3\r\nkey\r\n$14\r\nkey_spec_index\r\n:0\r\n"),
            std::string::npos)
      << docs;
  const std::string set = Run({"COMMAND", "DOCS", "set"});
  EXPECT_NE(set.find("$5\r\nflags\r\n*1\r\n+optional\r\n"), std::string::npos);
  EXPECT_NE(Run({"COMMAND", "DOCS", "ping"}).find("$7\r\nmessage\r\n"), std::string::npos);
  // No arguments, no "arguments" field.
  EXPECT_EQ(Run({"COMMAND", "DOCS", "dbsize"}).find("arguments"), std::string::npos);
}

}  // namespace
}  // namespace cachette::commands::testing
