// The dispatcher: command lookup, arity, subcommands and authentication, with Redis 7.0's
// exact error texts (checked against redis-server 7.0).

#include "cachette/commands/dispatcher.h"

#include <gtest/gtest.h>

#include <string>

#include "cachette/util/clock.h"
#include "harness.h"

namespace cachette::commands::testing {
namespace {

const std::string kNoAuth = "-NOAUTH Authentication required.\r\n";

class DispatcherTest : public ::testing::Test {
 protected:
  std::string Run(std::vector<std::string> args) { return h_.Run(std::move(args)); }
  CommandHarness h_;
};

TEST_F(DispatcherTest, UnknownCommandWithoutArguments) {
  EXPECT_EQ(Run({"NOSUCH"}), "-ERR unknown command 'NOSUCH', with args beginning with: \r\n");
}

TEST_F(DispatcherTest, UnknownCommandQuotesItsArguments) {
  EXPECT_EQ(Run({"nosuch", "a", "b"}),
            "-ERR unknown command 'nosuch', with args beginning with: 'a' 'b' \r\n");
  EXPECT_EQ(Run({"foo", ""}), "-ERR unknown command 'foo', with args beginning with: '' \r\n");
}

TEST_F(DispatcherTest, UnknownCommandNameIsCappedAt128Bytes) {
  const std::string name(200, 'x');
  EXPECT_EQ(Run({name}),
            "-ERR unknown command '" + std::string(128, 'x') + "', with args beginning with: \r\n");
  EXPECT_EQ(Run({name, "a"}), "-ERR unknown command '" + std::string(128, 'x') +
                                  "', with args beginning with: 'a' \r\n");
}

TEST_F(DispatcherTest, UnknownCommandArgumentsStopAfter128Bytes) {
  const std::string a100(100, 'a');
  EXPECT_EQ(Run({"foo", a100, a100}), "-ERR unknown command 'foo', with args beginning with: '" +
                                          a100 + "' '" + std::string(25, 'a') + "' \r\n");
  EXPECT_EQ(Run({"foo", "a", a100, a100}),
            "-ERR unknown command 'foo', with args beginning with: 'a' '" + a100 + "' '" +
                std::string(21, 'a') + "' \r\n");
}

TEST_F(DispatcherTest, UnknownCommandTextEndsAtANulByte) {
  EXPECT_EQ(Run({std::string("fo\0o", 4), std::string("a\0b", 3), "c"}),
            "-ERR unknown command 'fo', with args beginning with: 'a' 'c' \r\n");
}

TEST_F(DispatcherTest, UnknownCommandLineEndsBecomeSpaces) {
  EXPECT_EQ(Run({"foo", "a\nb"}),
            "-ERR unknown command 'foo', with args beginning with: 'a b' \r\n");
  EXPECT_EQ(Run({"foo", "a\r\nb"}),
            "-ERR unknown command 'foo', with args beginning with: 'a  b' \r\n");
}

TEST_F(DispatcherTest, CommandNamesAreCaseInsensitive) {
  EXPECT_EQ(Run({"sEt", "k", "v"}), "+OK\r\n");
  EXPECT_EQ(Run({"gEt", "k"}), "$1\r\nv\r\n");
  EXPECT_EQ(Run({"cOnFiG", "gEt", "maxclients"}), "*2\r\n$10\r\nmaxclients\r\n$5\r\n10000\r\n");
}

TEST_F(DispatcherTest, WrongArityNamesTheCommandInLowerCase) {
  EXPECT_EQ(Run({"GeT"}), "-ERR wrong number of arguments for 'get' command\r\n");
  EXPECT_EQ(Run({"SET"}), "-ERR wrong number of arguments for 'set' command\r\n");
  EXPECT_EQ(Run({"SET", "k"}), "-ERR wrong number of arguments for 'set' command\r\n");
  EXPECT_EQ(Run({"GETEX"}), "-ERR wrong number of arguments for 'getex' command\r\n");
  EXPECT_EQ(Run({"mset", "k"}), "-ERR wrong number of arguments for 'mset' command\r\n");
  EXPECT_EQ(Run({"GETRANGE", "k", "1"}),
            "-ERR wrong number of arguments for 'getrange' command\r\n");
  EXPECT_EQ(Run({"DBSIZE", "x"}), "-ERR wrong number of arguments for 'dbsize' command\r\n");
  EXPECT_EQ(Run({"TIME", "x"}), "-ERR wrong number of arguments for 'time' command\r\n");
}

TEST_F(DispatcherTest, ExactArityRejectsExtraArguments) {
  EXPECT_EQ(Run({"GET", "a", "b"}), "-ERR wrong number of arguments for 'get' command\r\n");
  EXPECT_EQ(Run({"RANDOMKEY", "x"}), "-ERR wrong number of arguments for 'randomkey' command\r\n");
}

TEST_F(DispatcherTest, EveryRegisteredCommandRejectsTooFewArguments) {
  for (const CommandSpec* spec : h_.table().all()) {
    const int needed = spec->arity >= 0 ? spec->arity : -spec->arity;
    if (needed <= 1) {
      continue;
    }
    std::vector<std::string> args = {std::string(spec->name)};
    args.resize(static_cast<size_t>(needed - 1), "x");
    const std::string reply = Run(args);
    if (!spec->subcommands.empty()) {
      EXPECT_EQ(reply.rfind("-ERR", 0), 0u) << spec->name << ": " << reply;
      continue;
    }
    EXPECT_EQ(reply,
              "-ERR wrong number of arguments for '" + std::string(spec->name) + "' command\r\n")
        << spec->name;
  }
}

TEST_F(DispatcherTest, ContainerWithoutSubcommandIsWrongArity) {
  EXPECT_EQ(Run({"CONFIG"}), "-ERR wrong number of arguments for 'config' command\r\n");
}

TEST_F(DispatcherTest, SubcommandWrongArityUsesTheFullName) {
  EXPECT_EQ(Run({"CONFIG", "GET"}), "-ERR wrong number of arguments for 'config|get' command\r\n");
  EXPECT_EQ(Run({"config", "get"}), "-ERR wrong number of arguments for 'config|get' command\r\n");
  EXPECT_EQ(Run({"CONFIG", "SET"}), "-ERR wrong number of arguments for 'config|set' command\r\n");
  EXPECT_EQ(Run({"CONFIG", "SET", "maxclients"}),
            "-ERR wrong number of arguments for 'config|set' command\r\n");
  EXPECT_EQ(Run({"CONFIG", "RESETSTAT", "x"}),
            "-ERR wrong number of arguments for 'config|resetstat' command\r\n");
  EXPECT_EQ(Run({"CONFIG", "HELP", "x"}),
            "-ERR wrong number of arguments for 'config|help' command\r\n");
  EXPECT_EQ(Run({"COMMAND", "COUNT", "x"}),
            "-ERR wrong number of arguments for 'command|count' command\r\n");
}

TEST_F(DispatcherTest, UnknownSubcommandNamesTheContainerInUpperCase) {
  EXPECT_EQ(Run({"CONFIG", "foo"}), "-ERR unknown subcommand 'foo'. Try CONFIG HELP.\r\n");
  EXPECT_EQ(Run({"CONFIG", "foo", "bar"}), "-ERR unknown subcommand 'foo'. Try CONFIG HELP.\r\n");
  EXPECT_EQ(Run({"config", "FOO"}), "-ERR unknown subcommand 'FOO'. Try CONFIG HELP.\r\n");
  EXPECT_EQ(Run({"cOnFiG", "Foo"}), "-ERR unknown subcommand 'Foo'. Try CONFIG HELP.\r\n");
  EXPECT_EQ(Run({"COMMAND", "foo"}), "-ERR unknown subcommand 'foo'. Try COMMAND HELP.\r\n");
}

TEST_F(DispatcherTest, UnknownSubcommandIsCappedAt128Bytes) {
  EXPECT_EQ(Run({"CONFIG", std::string(200, 'x')}),
            "-ERR unknown subcommand '" + std::string(128, 'x') + "'. Try CONFIG HELP.\r\n");
  EXPECT_EQ(Run({"CONFIG", std::string("fo\0o", 4)}),
            "-ERR unknown subcommand 'fo'. Try CONFIG HELP.\r\n");
}

TEST_F(DispatcherTest, ContainerWithAHandlerRunsWithoutASubcommand) {
  const std::string reply = Run({"COMMAND"});
  EXPECT_EQ(reply.rfind("*" + std::to_string(h_.table().all().size()) + "\r\n", 0), 0u);
}

TEST_F(DispatcherTest, UnauthenticatedClientGetsNoauth) {
  h_.client().authenticated = false;
  EXPECT_EQ(Run({"GET", "k"}), kNoAuth);
  EXPECT_EQ(Run({"PING"}), kNoAuth);
  EXPECT_EQ(Run({"SET", "k", "v"}), kNoAuth);
  EXPECT_EQ(Run({"CONFIG", "GET", "maxclients"}), kNoAuth);
  EXPECT_EQ(h_.store().DbSize(0), 0u);
}

TEST_F(DispatcherTest, UnknownCommandAndArityAreCheckedBeforeAuthentication) {
  h_.client().authenticated = false;
  EXPECT_EQ(Run({"NOSUCH"}), "-ERR unknown command 'NOSUCH', with args beginning with: \r\n");
  EXPECT_EQ(Run({"GET"}), "-ERR wrong number of arguments for 'get' command\r\n");
}

TEST_F(DispatcherTest, AuthAndQuitWorkWithoutAuthentication) {
  h_.client().authenticated = false;
  EXPECT_EQ(Run({"QUIT"}), "+OK\r\n");
  EXPECT_EQ(Run({"AUTH", "x"}).rfind("-ERR AUTH <password> called without", 0), 0u);
}

TEST_F(DispatcherTest, RecordsTheLastCommand) {
  Run({"SET", "k", "v"});
  EXPECT_EQ(h_.client().last_command, "set");
  Run({"CONFIG", "GET", "maxclients"});
  EXPECT_EQ(h_.client().last_command, "config|get");
}

// The slow log's threshold is kept from the config until CONFIG SET changes it: both ways.
TEST_F(DispatcherTest, FollowsSlowlogThresholdChanges) {
  ASSERT_EQ(Run({"CONFIG", "SET", "slowlog-log-slower-than", "0"}), "+OK\r\n");
  Run({"PING"});
  EXPECT_EQ(Run({"SLOWLOG", "LEN"}), Int(2));  // CONFIG SET and PING
  ASSERT_EQ(Run({"CONFIG", "SET", "slowlog-log-slower-than", "-1"}), "+OK\r\n");
  ASSERT_EQ(Run({"SLOWLOG", "RESET"}), "+OK\r\n");
  Run({"PING"});
  EXPECT_EQ(Run({"SLOWLOG", "LEN"}), Int(0));
}

// In a run of commands (a connection's batch) a command starts at the instant the previous
// one ended, and ends the run's clock at its own end; outside a run each reads the clock.
TEST_F(DispatcherTest, ACommandOfARunStartsWhenThePreviousEnded) {
  ClientState& client = h_.client();
  const int64_t ten_seconds_ago = util::UnixTimeUs() - 10'000'000;
  client.batch_clock_us = ten_seconds_ago;
  // Its instant is ten seconds ago: a 5-second expiry from then is already over.
  ASSERT_EQ(Run({"SET", "k", "v", "PX", "5000"}), "+OK\r\n");
  EXPECT_GT(client.batch_clock_us, ten_seconds_ago + 9'000'000);  // SET's end, now
  EXPECT_EQ(Run({"GET", "k"}), "$-1\r\n");
  client.batch_clock_us = -1;
  ASSERT_EQ(Run({"SET", "k", "v", "PX", "5000"}), "+OK\r\n");
  EXPECT_EQ(client.batch_clock_us, -1);
  EXPECT_EQ(Run({"GET", "k"}), Bulk("v"));
}

}  // namespace
}  // namespace cachette::commands::testing
