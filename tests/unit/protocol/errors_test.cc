#include "cachette/protocol/errors.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

namespace cachette::protocol::errors {
namespace {

std::string Unknown(std::string_view name, const std::vector<std::string_view>& args) {
  return UnknownCommand(name, args);
}

TEST(ErrorsTest, UnknownCommandQuotesEachArgument) {
  EXPECT_EQ(Unknown("foo", {"a", "b"}),
            "ERR unknown command 'foo', with args beginning with: 'a' 'b' ");
  EXPECT_EQ(Unknown("foo", {}), "ERR unknown command 'foo', with args beginning with: ");
}

TEST(ErrorsTest, UnknownCommandCapsNameAt128Bytes) {
  EXPECT_EQ(Unknown(std::string(200, 'a'), {}),
            "ERR unknown command '" + std::string(128, 'a') + "', with args beginning with: ");
}

TEST(ErrorsTest, UnknownCommandCapsArgumentsAt128Bytes) {
  // Redis 7.0's replies for these arguments (checked against redis-server).
  EXPECT_EQ(Unknown("a", {std::string(100, 'b'), std::string(100, 'c'), "d"}),
            "ERR unknown command 'a', with args beginning with: '" + std::string(100, 'b') + "' '" +
                std::string(25, 'c') + "' ");
  EXPECT_EQ(
      Unknown("foo", {std::string(126, 'x'), "y", "z"}),
      "ERR unknown command 'foo', with args beginning with: '" + std::string(126, 'x') + "' ");
  EXPECT_EQ(
      Unknown("foo", {std::string(125, 'x'), "y", "z"}),
      "ERR unknown command 'foo', with args beginning with: '" + std::string(125, 'x') + "' ");
  // 127 bytes used: the next argument gets a precision of 1 and the list ends there.
  EXPECT_EQ(
      Unknown("foo", {std::string(124, 'x'), "yy", "z"}),
      "ERR unknown command 'foo', with args beginning with: '" + std::string(124, 'x') + "' 'y' ");
}

TEST(ErrorsTest, UnknownCommandEndsArgumentsAtNul) {
  // Redis prints them with %s, which stops at the first NUL.
  using namespace std::string_view_literals;
  EXPECT_EQ(Unknown("fo\0o"sv, {"a\0b"sv}),
            "ERR unknown command 'fo', with args beginning with: 'a' ");
}

TEST(ErrorsTest, UnknownSubcommandUpperCasesContainer) {
  EXPECT_EQ(UnknownSubcommand("cOnFiG", "bogus"),
            "ERR unknown subcommand 'bogus'. Try CONFIG HELP.");
  EXPECT_EQ(UnknownSubcommand("config", std::string(130, 'b')),
            "ERR unknown subcommand '" + std::string(128, 'b') + "'. Try CONFIG HELP.");
}

TEST(ErrorsTest, WrongArityNamesFullCommand) {
  EXPECT_EQ(WrongArity("get"), "ERR wrong number of arguments for 'get' command");
  EXPECT_EQ(WrongArity("config|get"), "ERR wrong number of arguments for 'config|get' command");
}

TEST(ErrorsTest, UnsupportedOptionNamesOptionAsSent) {
  EXPECT_EQ(UnsupportedOption("nope"), "ERR Unsupported option nope");
}

TEST(ErrorsTest, InvalidExpireTimeNamesCommand) {
  EXPECT_EQ(InvalidExpireTime("set"), "ERR invalid expire time in 'set' command");
}

TEST(ErrorsTest, ConfigSetErrorsNameTheArgument) {
  EXPECT_EQ(ConfigSetUnknown("nope"),
            "ERR Unknown option or number of arguments for CONFIG SET - 'nope'");
  EXPECT_EQ(ConfigSetFailed("maxmemory", "argument must be a memory value"),
            "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be "
            "a memory value");
}

TEST(ErrorsTest, ProtoExpectedDollarShowsTheByte) {
  EXPECT_EQ(ProtoExpectedDollar('x'), "ERR Protocol error: expected '$', got 'x'");
}

}  // namespace
}  // namespace cachette::protocol::errors
