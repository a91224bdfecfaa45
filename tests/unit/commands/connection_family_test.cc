// Redis's connection commands, reply by reply. Every expected byte string was checked against
// redis-server 7.0.

#include <gtest/gtest.h>

#include <string>

#include "harness.h"

namespace cachette::commands::testing {
namespace {

const std::string kOk = "+OK\r\n";
const std::string kWrongPass = "-WRONGPASS invalid username-password pair or user is disabled.\r\n";

class ConnectionFamilyTest : public ::testing::Test {
 protected:
  std::string Run(std::vector<std::string> args) { return h_.Run(std::move(args)); }
  CommandHarness h_;
};

TEST_F(ConnectionFamilyTest, PingRepliesPong) { EXPECT_EQ(Run({"PING"}), "+PONG\r\n"); }

TEST_F(ConnectionFamilyTest, PingWithAMessageEchoesItAsBulk) {
  EXPECT_EQ(Run({"PING", "hi"}), "$2\r\nhi\r\n");
  EXPECT_EQ(Run({"PING", ""}), "$0\r\n\r\n");
}

TEST_F(ConnectionFamilyTest, PingWithTwoArgumentsIsWrongArity) {
  EXPECT_EQ(Run({"PING", "a", "b"}), "-ERR wrong number of arguments for 'ping' command\r\n");
}

TEST_F(ConnectionFamilyTest, EchoReturnsTheMessageByteForByte) {
  EXPECT_EQ(Run({"ECHO", "hello"}), "$5\r\nhello\r\n");
  EXPECT_EQ(Run({"ECHO", "a\r\nb"}), "$4\r\na\r\nb\r\n");
  EXPECT_EQ(Run({"ECHO"}), "-ERR wrong number of arguments for 'echo' command\r\n");
}

TEST_F(ConnectionFamilyTest, QuitRepliesOkAndMarksTheConnectionForClosing) {
  EXPECT_FALSE(h_.client().close_after_reply);
  EXPECT_EQ(Run({"QUIT"}), kOk);
  EXPECT_TRUE(h_.client().close_after_reply);
}

TEST_F(ConnectionFamilyTest, SelectSwitchesTheDatabase) {
  Run({"SET", "k", "zero"});
  EXPECT_EQ(Run({"SELECT", "1"}), kOk);
  EXPECT_EQ(h_.client().db, 1u);
  EXPECT_EQ(Run({"GET", "k"}), "$-1\r\n");
  Run({"SET", "k", "one"});
  EXPECT_EQ(Run({"SELECT", "0"}), kOk);
  EXPECT_EQ(Run({"GET", "k"}), "$4\r\nzero\r\n");
  EXPECT_EQ(Run({"SELECT", "15"}), kOk);
}

TEST_F(ConnectionFamilyTest, SelectOutOfRangeIsAnError) {
  EXPECT_EQ(Run({"SELECT", "16"}), "-ERR DB index is out of range\r\n");
  EXPECT_EQ(Run({"SELECT", "-1"}), "-ERR DB index is out of range\r\n");
  EXPECT_EQ(h_.client().db, 0u);
}

TEST_F(ConnectionFamilyTest, SelectOfANonIntegerIsNotAnInteger) {
  EXPECT_EQ(Run({"SELECT", "abc"}), "-ERR value is not an integer or out of range\r\n");
  EXPECT_EQ(Run({"SELECT", "1.5"}), "-ERR value is not an integer or out of range\r\n");
  EXPECT_EQ(h_.client().db, 0u);
}

TEST_F(ConnectionFamilyTest, SelectOutsideIntRangeIsAnIntRangeError) {
  EXPECT_EQ(Run({"SELECT", "9999999999"}),
            "-ERR value is out of range, value must between -2147483648 and 2147483647\r\n");
}

TEST_F(ConnectionFamilyTest, AuthWithoutAConfiguredPasswordIsAnError) {
  EXPECT_EQ(Run({"AUTH", "pass"}),
            "-ERR AUTH <password> called without any password configured for the default user. "
            "Are you sure your configuration is correct?\r\n");
}

TEST_F(ConnectionFamilyTest, AuthAsDefaultUserWithoutAPasswordSucceeds) {
  EXPECT_EQ(Run({"AUTH", "default", "pass"}), kOk);
}

TEST_F(ConnectionFamilyTest, AuthAsAnotherUserIsWrongPass) {
  EXPECT_EQ(Run({"AUTH", "user", "pass"}), kWrongPass);
}

TEST_F(ConnectionFamilyTest, AuthWithTooManyArgumentsIsASyntaxError) {
  EXPECT_EQ(Run({"AUTH", "a", "b", "c"}), "-ERR syntax error\r\n");
  EXPECT_EQ(Run({"AUTH"}), "-ERR wrong number of arguments for 'auth' command\r\n");
}

TEST_F(ConnectionFamilyTest, AuthChecksRequirepass) {
  EXPECT_EQ(Run({"CONFIG", "SET", "requirepass", "secret"}), kOk);
  h_.client().authenticated = false;
  EXPECT_EQ(Run({"AUTH", "wrong"}), kWrongPass);
  EXPECT_EQ(Run({"AUTH", "default", "wrong"}), kWrongPass);
  EXPECT_EQ(Run({"AUTH", "user", "secret"}), kWrongPass);
  EXPECT_FALSE(h_.client().authenticated);
  EXPECT_EQ(Run({"AUTH", "secret"}), kOk);
  EXPECT_TRUE(h_.client().authenticated);
  EXPECT_EQ(Run({"GET", "k"}), "$-1\r\n");
}

TEST_F(ConnectionFamilyTest, AuthAsDefaultUserWithTheRightPassword) {
  Run({"CONFIG", "SET", "requirepass", "secret"});
  h_.client().authenticated = false;
  EXPECT_EQ(Run({"AUTH", "default", "secret"}), kOk);
  EXPECT_TRUE(h_.client().authenticated);
}

}  // namespace
}  // namespace cachette::commands::testing
