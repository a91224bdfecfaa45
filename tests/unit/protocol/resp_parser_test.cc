#include "cachette/protocol/resp_parser.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cachette/protocol/errors.h"

namespace cachette::protocol {
namespace {

using Args = std::vector<std::string>;

// Everything a connection would observe while feeding a byte stream to the parser.
struct Outcome {
  std::vector<Args> commands;
  std::vector<size_t> consumed;  // consumed() of each command
  bool failed = false;
  std::string error;
  size_t unconsumed = 0;  // bytes left in the buffer at the end

  bool operator==(const Outcome&) const = default;
};

// Drains every complete command from `buffer` the way a connection does: parse, copy the
// arguments, drop consumed() bytes, repeat. Returns false after a protocol error.
bool Drain(RespParser& parser, std::string& buffer, Outcome& outcome) {
  while (true) {
    const RespParser::Result result = parser.Parse(buffer);
    if (result == RespParser::Result::kCommand) {
      outcome.commands.emplace_back(parser.args().begin(), parser.args().end());
      outcome.consumed.push_back(parser.consumed());
      buffer.erase(0, parser.consumed());
      continue;
    }
    if (result == RespParser::Result::kError) {
      outcome.failed = true;
      outcome.error = parser.error();
      return false;
    }
    return true;
  }
}

Outcome FeedWhole(std::string_view data, size_t max_bulk_len, bool unauthenticated) {
  RespParser parser(max_bulk_len);
  parser.set_unauthenticated(unauthenticated);
  Outcome outcome;
  std::string buffer(data);
  Drain(parser, buffer, outcome);
  outcome.unconsumed = buffer.size();
  return outcome;
}

// One byte per read; the buffer reallocates as it grows, so saved offsets (not pointers) are
// what must survive between calls.
Outcome FeedBytewise(std::string_view data, size_t max_bulk_len, bool unauthenticated) {
  RespParser parser(max_bulk_len);
  parser.set_unauthenticated(unauthenticated);
  Outcome outcome;
  std::string buffer;
  for (const char c : data) {
    buffer.push_back(c);
    if (!Drain(parser, buffer, outcome)) {
      break;
    }
  }
  outcome.unconsumed = buffer.size();
  return outcome;
}

// Feeds `data` whole and one byte at a time and requires the same result from both.
Outcome Feed(std::string_view data, size_t max_bulk_len = 512 * 1024 * 1024,
             bool unauthenticated = false) {
  Outcome whole = FeedWhole(data, max_bulk_len, unauthenticated);
  Outcome bytewise = FeedBytewise(data, max_bulk_len, unauthenticated);
  EXPECT_EQ(whole.commands, bytewise.commands);
  EXPECT_EQ(whole.consumed, bytewise.consumed);
  EXPECT_EQ(whole.failed, bytewise.failed);
  EXPECT_EQ(whole.error, bytewise.error);
  if (!whole.failed) {
    EXPECT_EQ(whole.unconsumed, bytewise.unconsumed);
  }
  return whole;
}

std::string Error(std::string_view data, size_t max_bulk_len = 512 * 1024 * 1024,
                  bool unauthenticated = false) {
  const Outcome outcome = Feed(data, max_bulk_len, unauthenticated);
  EXPECT_TRUE(outcome.failed) << data.substr(0, 80);
  return outcome.error;
}

std::string Multibulk(const Args& args) {
  std::string out = "*";
  out += std::to_string(args.size());
  out += "\r\n";
  for (const std::string& arg : args) {
    out += "$";
    out += std::to_string(arg.size());
    out += "\r\n";
    out += arg;
    out += "\r\n";
  }
  return out;
}

TEST(RespParserTest, ParsesMultibulkCommand) {
  const Outcome outcome = Feed("*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n");
  EXPECT_EQ(outcome.commands, (std::vector<Args>{{"SET", "key", "value"}}));
  EXPECT_EQ(outcome.consumed, (std::vector<size_t>{33}));
  EXPECT_EQ(outcome.unconsumed, 0u);
  EXPECT_FALSE(outcome.failed);
}

TEST(RespParserTest, ArgsPointIntoTheInput) {
  RespParser parser;
  const std::string input = "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n";
  ASSERT_EQ(parser.Parse(input), RespParser::Result::kCommand);
  ASSERT_EQ(parser.args().size(), 2u);
  EXPECT_EQ(parser.args()[0].data(), input.data() + 8);
  EXPECT_EQ(parser.args()[1].data(), input.data() + 17);
}

TEST(RespParserTest, ParsesPipelinedCommandsOneAtATime) {
  const std::string get = Multibulk({"GET", "k"});
  const std::string set = Multibulk({"SET", "k", "v"});
  const Outcome outcome = Feed(get + set + "PING\r\n" + get);
  EXPECT_EQ(outcome.commands,
            (std::vector<Args>{{"GET", "k"}, {"SET", "k", "v"}, {"PING"}, {"GET", "k"}}));
  EXPECT_EQ(outcome.consumed, (std::vector<size_t>{get.size(), set.size(), 6, get.size()}));
  EXPECT_EQ(outcome.unconsumed, 0u);
}

TEST(RespParserTest, KeepsPartialTrailingCommand) {
  const std::string get = Multibulk({"GET", "k"});
  const Outcome outcome = Feed(get + "*2\r\n$3\r\nGET\r\n$1");
  EXPECT_EQ(outcome.commands, (std::vector<Args>{{"GET", "k"}}));
  EXPECT_EQ(outcome.unconsumed, 15u);
}

TEST(RespParserTest, BulkIsBinarySafe) {
  const std::string value("a\r\nb\0c\r\n*1\r\n$", 13);
  const Outcome outcome = Feed(Multibulk({"SET", "k", value}));
  ASSERT_EQ(outcome.commands.size(), 1u);
  EXPECT_EQ(outcome.commands[0][2], value);
}

TEST(RespParserTest, AcceptsZeroLengthBulks) {
  const Outcome outcome = Feed("*3\r\n$3\r\nSET\r\n$0\r\n\r\n$0\r\n\r\n");
  EXPECT_EQ(outcome.commands, (std::vector<Args>{{"SET", "", ""}}));
}

TEST(RespParserTest, SkipsEmptyMultibulkCommands) {
  const Outcome outcome = Feed("*0\r\n*-1\r\n*-5\r\n*1\r\n$4\r\nPING\r\n*0\r\n");
  EXPECT_EQ(outcome.commands, (std::vector<Args>{{"PING"}}));
  // The skipped commands before PING are part of what PING consumed; the one after stays in
  // the buffer until a real command follows it.
  EXPECT_EQ(outcome.consumed, (std::vector<size_t>{4 + 5 + 5 + 14}));
  EXPECT_EQ(outcome.unconsumed, 4u);
}

TEST(RespParserTest, SkipsBlankInlineLines) {
  const Outcome outcome = Feed("\r\n\n   \r\n\t\nPING\r\n");
  EXPECT_EQ(outcome.commands, (std::vector<Args>{{"PING"}}));
  EXPECT_EQ(outcome.consumed, (std::vector<size_t>{2 + 1 + 5 + 2 + 6}));
}

TEST(RespParserTest, ParsesInlineCommands) {
  const Outcome outcome = Feed("SET k v\r\nGET k\nECHO \"a\\x41\\n\" 'b c'\r\n");
  EXPECT_EQ(outcome.commands,
            (std::vector<Args>{{"SET", "k", "v"}, {"GET", "k"}, {"ECHO", "aA\n", "b c"}}));
  EXPECT_EQ(outcome.consumed, (std::vector<size_t>{9, 6, 22}));
}

TEST(RespParserTest, InlineTreatsStrayCarriageReturnAsSpace) {
  const Outcome outcome = Feed("PING\r \n");
  EXPECT_EQ(outcome.commands, (std::vector<Args>{{"PING"}}));
}

TEST(RespParserTest, MixesInlineAndMultibulk) {
  const Outcome outcome = Feed("PING\r\n*1\r\n$4\r\nPING\r\nPING\n");
  EXPECT_EQ(outcome.commands, (std::vector<Args>{{"PING"}, {"PING"}, {"PING"}}));
}

TEST(RespParserTest, RejectsUnbalancedQuotesInline) {
  EXPECT_EQ(Error("PING \"a\r\n"), errors::kProtoUnbalancedQuotes);
  EXPECT_EQ(Error("ECHO \"a\"b\r\n"), errors::kProtoUnbalancedQuotes);
  EXPECT_EQ(Error("ECHO 'a\r\n"), errors::kProtoUnbalancedQuotes);
}

TEST(RespParserTest, RejectsInlineRequestOver64KiBWithoutNewline) {
  const std::string at_limit(64 * 1024, 'P');
  const Outcome waiting = Feed(at_limit);
  EXPECT_FALSE(waiting.failed);
  EXPECT_TRUE(waiting.commands.empty());
  EXPECT_EQ(Error(at_limit + "P"), errors::kProtoTooBigInline);
  // A '\r' does not end an inline request; only '\n' does.
  EXPECT_EQ(Error(at_limit + "P\r"), errors::kProtoTooBigInline);
}

TEST(RespParserTest, AppliesInlineLimitPerLineNotPerBuffer) {
  std::string pipeline;
  for (int i = 0; i < 20000; ++i) {
    pipeline += "PING\r\n";
  }
  const Outcome outcome = Feed(pipeline);
  EXPECT_FALSE(outcome.failed);
  EXPECT_EQ(outcome.commands.size(), 20000u);
}

TEST(RespParserTest, AppliesLengthLineLimitPerLineNotPerBuffer) {
  const std::string get = Multibulk({"GET", "key"});
  std::string pipeline;
  while (pipeline.size() < 200 * 1024) {
    pipeline += get;
  }
  const Outcome outcome = Feed(pipeline);
  EXPECT_FALSE(outcome.failed);
  EXPECT_EQ(outcome.commands.size(), pipeline.size() / get.size());
}

TEST(RespParserTest, RejectsMultibulkCountLineOver64KiB) {
  const std::string at_limit = "*" + std::string(64 * 1024 - 1, '1');
  EXPECT_FALSE(Feed(at_limit).failed);
  EXPECT_EQ(Error(at_limit + "1"), errors::kProtoTooBigMbulkCount);
}

TEST(RespParserTest, RejectsBulkLengthLineOver64KiB) {
  const std::string at_limit = "*1\r\n$" + std::string(64 * 1024 - 1, '1');
  EXPECT_FALSE(Feed(at_limit).failed);
  EXPECT_EQ(Error(at_limit + "1"), errors::kProtoTooBigBulkCount);
}

TEST(RespParserTest, RejectsInvalidMultibulkCount) {
  for (const char* input :
       {"*\r\n", "*abc\r\n", "*-0\r\n", "*01\r\n", "*+1\r\n", "* 1\r\n", "*1 \r\n", "*00\r\n",
        "*2147483648\r\n", "*999999999999999999\r\n", "*99999999999999999999999\r\n"}) {
    EXPECT_EQ(Error(input), errors::kProtoInvalidMbulkLength) << input;
  }
}

TEST(RespParserTest, AcceptsMultibulkCountUpToIntMax) {
  const Outcome outcome = Feed("*2147483647\r\n$4\r\nPING\r\n");
  EXPECT_FALSE(outcome.failed);
  EXPECT_TRUE(outcome.commands.empty());
}

TEST(RespParserTest, RejectsElementWithoutDollar) {
  EXPECT_EQ(Error("*1\r\nx3\r\n"), "ERR Protocol error: expected '$', got 'x'");
  EXPECT_EQ(Error("*2\r\n$3\r\nGET\r\n:1\r\n"), "ERR Protocol error: expected '$', got ':'");
  // The empty line's '\r' is the byte reported (ReplyWriter::Error turns it into a space).
  EXPECT_EQ(Error("*1\r\n\r\n"), "ERR Protocol error: expected '$', got '\r'");
}

TEST(RespParserTest, ChecksDollarOnlyOnceTheLineIsComplete) {
  const Outcome outcome = Feed("*1\r\nx3");
  EXPECT_FALSE(outcome.failed);
}

TEST(RespParserTest, RejectsInvalidBulkLength) {
  for (const char* input : {"*1\r\n$-1\r\n", "*1\r\n$01\r\nab\r\n", "*1\r\n$abc\r\n", "*1\r\n$\r\n",
                            "*1\r\n$-0\r\n", "*1\r\n$+1\r\n", "*1\r\n$00\r\n",
                            "*1\r\n$999999999999999999\r\n", "*1\r\n$9223372036854775807\r\n",
                            "*1\r\n$9223372036854775808\r\n", "*1\r\n$99999999999999999999\r\n"}) {
    EXPECT_EQ(Error(input), errors::kProtoInvalidBulkLength) << input;
  }
}

TEST(RespParserTest, RejectsBulkLengthOverMaxBulkLen) {
  EXPECT_EQ(Error("*1\r\n$536870913\r\n"), errors::kProtoInvalidBulkLength);
  EXPECT_FALSE(Feed("*1\r\n$536870912\r\n").failed);
  EXPECT_EQ(Error("*1\r\n$11\r\n", 10), errors::kProtoInvalidBulkLength);
  EXPECT_EQ(Feed("*1\r\n$10\r\n0123456789\r\n", 10).commands, (std::vector<Args>{{"0123456789"}}));
}

TEST(RespParserTest, SkipsLineEndBytesWithoutCheckingThem) {
  // Redis skips the two bytes after a length line's '\r' and after bulk data unchecked.
  const Outcome outcome = Feed("*1\rX$4\rXPINGxx*1\r\n$4\r\nPING\r\n");
  EXPECT_EQ(outcome.commands, (std::vector<Args>{{"PING"}, {"PING"}}));
}

TEST(RespParserTest, WaitsForTheByteAfterCarriageReturn) {
  RespParser parser;
  EXPECT_EQ(parser.Parse("*1\r"), RespParser::Result::kNeedMore);
  EXPECT_EQ(parser.Parse("*1\r\n$4\r"), RespParser::Result::kNeedMore);
  EXPECT_EQ(parser.Parse("*1\r\n$4\r\nPING\r"), RespParser::Result::kNeedMore);
  EXPECT_EQ(parser.Parse("*1\r\n$4\r\nPING\r\n"), RespParser::Result::kCommand);
}

TEST(RespParserTest, ReportsBytesStillNeededInsideBigBulk) {
  RespParser parser;
  const std::string value(100000, 'v');
  std::string input = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$100000\r\n";
  EXPECT_EQ(parser.Parse(input.substr(0, 6)), RespParser::Result::kNeedMore);
  EXPECT_EQ(parser.BytesStillNeeded(), 0u);  // inside a length line: unknown
  EXPECT_EQ(parser.Parse(input), RespParser::Result::kNeedMore);
  EXPECT_EQ(parser.BytesStillNeeded(), 100002u);
  input += value.substr(0, 40000);
  EXPECT_EQ(parser.Parse(input), RespParser::Result::kNeedMore);
  EXPECT_EQ(parser.BytesStillNeeded(), 60002u);
  input += value.substr(40000) + "\r";
  EXPECT_EQ(parser.Parse(input), RespParser::Result::kNeedMore);
  EXPECT_EQ(parser.BytesStillNeeded(), 1u);
  input += "\n";
  ASSERT_EQ(parser.Parse(input), RespParser::Result::kCommand);
  EXPECT_EQ(parser.consumed(), input.size());
  EXPECT_EQ(parser.args()[2], value);
  EXPECT_EQ(parser.BytesStillNeeded(), 0u);
}

TEST(RespParserTest, SurvivesTheBufferMovingBetweenCalls) {
  const std::string data = Multibulk({"SET", "key", "value"});
  RespParser parser;
  std::string buffer;
  for (size_t i = 0; i < data.size(); ++i) {
    // A fresh allocation every time: stale pointers would read freed memory.
    std::string moved = buffer + data[i];
    buffer.swap(moved);
    const RespParser::Result result = parser.Parse(buffer);
    EXPECT_EQ(result,
              i + 1 == data.size() ? RespParser::Result::kCommand : RespParser::Result::kNeedMore);
  }
  EXPECT_EQ(Args(parser.args().begin(), parser.args().end()), (Args{"SET", "key", "value"}));
}

TEST(RespParserTest, StaysInErrorState) {
  RespParser parser;
  ASSERT_EQ(parser.Parse("*x\r\n"), RespParser::Result::kError);
  EXPECT_EQ(parser.Parse("*1\r\n$4\r\nPING\r\n"), RespParser::Result::kError);
  EXPECT_EQ(parser.error(), errors::kProtoInvalidMbulkLength);
  EXPECT_TRUE(parser.args().empty());
}

TEST(RespParserTest, ResetForgetsErrorAndPartialCommand) {
  RespParser parser;
  ASSERT_EQ(parser.Parse("*x\r\n"), RespParser::Result::kError);
  parser.Reset();
  EXPECT_EQ(parser.Parse("*2\r\n$3\r\nGET"), RespParser::Result::kNeedMore);
  parser.Reset();
  ASSERT_EQ(parser.Parse("PING\r\n"), RespParser::Result::kCommand);
  EXPECT_EQ(parser.args().size(), 1u);
  EXPECT_EQ(parser.consumed(), 6u);
}

TEST(RespParserTest, ReusesArgumentStorageAcrossCommands) {
  RespParser parser;
  const std::string input = Multibulk({"MSET", "a", "1", "b", "2"});
  ASSERT_EQ(parser.Parse(input), RespParser::Result::kCommand);
  const auto* storage = parser.args().data();
  ASSERT_EQ(parser.Parse(input), RespParser::Result::kCommand);
  EXPECT_EQ(parser.args().data(), storage);
}

// Whole commands followed by enough bytes take the one-pass parse (ParseWholeMultibulk); the
// cases below put every one-pass decision there, so that it must agree with the general path
// (which the byte-at-a-time feed exercises).
const std::string kPadding = Multibulk({"PING", std::string(32, 'p')});

TEST(RespParserTest, OnePassAgreesOnErrorsInLongInput) {
  EXPECT_EQ(Error("*01\r\n" + kPadding), errors::kProtoInvalidMbulkLength);
  EXPECT_EQ(Error("*2147483648\r\n" + kPadding), errors::kProtoInvalidMbulkLength);
  EXPECT_EQ(Error("*1\r\n$01\r\nab\r\n" + kPadding), errors::kProtoInvalidBulkLength);
  EXPECT_EQ(Error("*1\r\n$-1\r\n" + kPadding), errors::kProtoInvalidBulkLength);
  EXPECT_EQ(Error("*1\r\n$1234567890123456789\r\n" + kPadding), errors::kProtoInvalidBulkLength);
  EXPECT_EQ(Error("*2\r\n$3\r\nGET\r\n:1\r\n" + kPadding),
            "ERR Protocol error: expected '$', got ':'");
  EXPECT_EQ(Error("*1\r\n$11\r\n" + kPadding, 10), errors::kProtoInvalidBulkLength);
}

TEST(RespParserTest, OnePassAcceptsTheLongestPlainLengths) {
  // 18 digits is the longest length the digit scan takes; max_bulk_len then refuses it.
  EXPECT_EQ(Error("*1\r\n$100000000000000000\r\n" + kPadding), errors::kProtoInvalidBulkLength);
  const Outcome outcome =
      Feed("*1\r\n$10\r\n0123456789\r\n" + Multibulk({std::string(10, 'p')}), 10);
  EXPECT_EQ(outcome.commands, (std::vector<Args>{{"0123456789"}, {std::string(10, 'p')}}));
}

TEST(RespParserTest, OnePassKeepsUnauthenticatedLimits) {
  Args ten(10, "a");
  EXPECT_EQ(Feed(Multibulk(ten) + kPadding, 512 * 1024 * 1024, true).commands.size(), 2u);
  Args eleven(11, "a");
  EXPECT_EQ(Error(Multibulk(eleven) + kPadding, 512 * 1024 * 1024, true),
            errors::kProtoUnauthenticatedMbulkLength);
  const std::string at_limit(RespParser::kUnauthenticatedMaxBulk, 'v');
  EXPECT_EQ(Feed(Multibulk({"SET", "k", at_limit}), 512 * 1024 * 1024, true).commands.size(), 1u);
  EXPECT_EQ(Error(Multibulk({"SET", "k", at_limit + "v"}), 512 * 1024 * 1024, true),
            errors::kProtoUnauthenticatedBulkLength);
}

TEST(RespParserTest, OnePassParsesManyArguments) {
  Args mset = {"MSET"};
  for (int i = 0; i < 3000; ++i) {
    mset.push_back("key:" + std::to_string(i));
    mset.push_back(std::string(static_cast<size_t>(i % 7), 'v'));
  }
  const std::string data = Multibulk(mset);
  const Outcome outcome = FeedWhole(data, 512 * 1024 * 1024, false);
  EXPECT_EQ(outcome.commands, (std::vector<Args>{mset}));
  EXPECT_EQ(outcome.consumed, (std::vector<size_t>{data.size()}));
}

TEST(RespParserTest, OnePassLeavesACountTheInputCannotHoldToTheGeneralPath) {
  // Five elements need at least 30 bytes; with fewer the command waits, as it must.
  RespParser parser;
  const std::string data = Multibulk({"a", "b", "c", "d", "e"});
  EXPECT_EQ(parser.Parse(data.substr(0, 25)), RespParser::Result::kNeedMore);
  EXPECT_EQ(parser.BytesStillNeeded(), 0u);
  ASSERT_EQ(parser.Parse(data), RespParser::Result::kCommand);
  EXPECT_EQ(Args(parser.args().begin(), parser.args().end()), (Args{"a", "b", "c", "d", "e"}));
}

TEST(RespParserTest, ResumesInTheGeneralPathAfterAPartialCommand) {
  RespParser parser;
  const std::string set = Multibulk({"SET", "key", std::string(40, 'v')});
  const std::string get = Multibulk({"GET", "key"});
  EXPECT_EQ(parser.Parse(set.substr(0, 20)), RespParser::Result::kNeedMore);
  const std::string input = set + get;
  ASSERT_EQ(parser.Parse(input), RespParser::Result::kCommand);
  EXPECT_EQ(parser.args()[2], std::string(40, 'v'));
  EXPECT_EQ(parser.consumed(), set.size());
  ASSERT_EQ(parser.Parse(std::string_view(input).substr(set.size())), RespParser::Result::kCommand);
  EXPECT_EQ(Args(parser.args().begin(), parser.args().end()), (Args{"GET", "key"}));
}

// Fed whole, most commands take the one-pass parse; fed one byte at a time, none do (each
// command starts with a lone '*'). So Feed() comparing the two compares the paths, here over
// damaged pipelines: every byte that matters to a length line changed, and cut short.
// Every prefix of a pipeline, each in a heap array of exactly its size (a std::string's
// terminator would hide a read past the end; the sanitizer builds see one here): the input
// ends inside count lines, length lines and bulks, short inputs included.
TEST(RespParserTest, NeverReadsPastTheEndOfAnExactlySizedInput) {
  const std::string pipeline = "*12\r\n" + std::string("$3\r\nGET\r\n") +
                               "*3\r\n$3\r\nSET\r\n$123456789\r\nab" + "*1\r\n$4\r\nPING\r\n";
  for (size_t end = 1; end <= pipeline.size(); ++end) {
    for (size_t begin = 0; begin < end; ++begin) {
      const size_t size = end - begin;
      auto exact = std::make_unique<char[]>(size);
      std::copy(pipeline.begin() + static_cast<std::ptrdiff_t>(begin),
                pipeline.begin() + static_cast<std::ptrdiff_t>(end), exact.get());
      RespParser parser;
      (void)parser.Parse(std::string_view(exact.get(), size));
    }
  }
}

TEST(RespParserTest, OnePassAgreesWithTheGeneralPathOnDamagedInput) {
  std::mt19937 random(12345);
  const std::string replacements = "0019\r\n$*-+ x";
  for (int round = 0; round < 3000; ++round) {
    std::string data;
    const int commands = 1 + static_cast<int>(random() % 4);
    for (int c = 0; c < commands; ++c) {
      Args args;
      const int count = 1 + static_cast<int>(random() % 5);
      for (int a = 0; a < count; ++a) {
        const size_t size = random() % 8 == 0 ? 100 + random() % 200 : random() % 30;
        args.push_back(std::string(size, static_cast<char>('a' + random() % 26)));
      }
      data += Multibulk(args);
    }
    if (random() % 4 != 0) {
      data[random() % data.size()] = replacements[random() % replacements.size()];
    }
    if (random() % 4 == 0) {
      data.resize(random() % data.size());
    }
    const bool unauthenticated = random() % 8 == 0;
    const size_t max_bulk_len = random() % 8 == 0 ? 150 : 512 * 1024 * 1024;
    SCOPED_TRACE(testing::Message() << "round " << round);
    Feed(data, max_bulk_len, unauthenticated);
  }
}

// ---- big bulks (RespParser::kBigBulkBytes and more, not yet in the input) -----------------------

// A value of `size` bytes that holds line ends and every byte value, so that a parser that
// looked into it (or lost a byte) would show.
std::string BigValue(size_t size) {
  std::string value(size, '\0');
  for (size_t i = 0; i < size; ++i) {
    value[i] = static_cast<char>((i * 131 + i / 7) & 0xFF);
  }
  for (size_t i = 0; i + 1 < size; i += 997) {
    value[i] = '\r';
    value[i + 1] = '\n';
  }
  return value;
}

size_t TestHeadroom(size_t previous_length, size_t length) {
  return 40 + previous_length + length % 3;
}

// Feeds `data` the way the connection does, in reads of `chunk` bytes: into the big bulk's
// block while one is being read (BigBulkTail), else into the input. Returns every command seen.
std::vector<Args> FeedLikeTheConnection(std::string_view data, size_t chunk,
                                        size_t* blocks_seen = nullptr) {
  RespParser parser;
  parser.set_big_bulk_headroom(&TestHeadroom);
  std::vector<Args> commands;
  std::string input;
  size_t at = 0;
  while (at < data.size()) {
    const std::span<char> tail = parser.BigBulkTail();
    const size_t n = std::min({chunk, data.size() - at, tail.empty() ? chunk : tail.size()});
    if (tail.empty()) {
      input.append(data.substr(at, n));
    } else {
      std::memcpy(tail.data(), data.data() + at, n);
      parser.CommitBigBulk(n);
    }
    at += n;
    while (true) {
      const RespParser::Result result = parser.Parse(input);
      EXPECT_NE(result, RespParser::Result::kError) << parser.error();
      if (result != RespParser::Result::kCommand) {
        break;
      }
      if (blocks_seen != nullptr) {
        *blocks_seen += parser.big_bulks().count();
      }
      commands.emplace_back(parser.args().begin(), parser.args().end());
      input.erase(0, parser.consumed());
      parser.ReleaseBigBulks();
    }
  }
  EXPECT_TRUE(input.empty());
  return commands;
}

TEST(RespParserTest, BigBulksRoundTripAroundTheThresholdWhicheverWayTheyArrive) {
  for (const size_t size :
       {RespParser::kBigBulkBytes - 1, RespParser::kBigBulkBytes, RespParser::kBigBulkBytes + 1,
        RespParser::kBigBulkBytes + 2, 2 * RespParser::kBigBulkBytes, size_t{1} << 20}) {
    const std::string value = BigValue(size);
    const std::string data = Multibulk({"SET", "key", value}) + Multibulk({"GET", "key"}) +
                             Multibulk({"SET", "k2", value, "EX", "10"});
    const std::vector<Args> expected = {
        {"SET", "key", value}, {"GET", "key"}, {"SET", "k2", value, "EX", "10"}};
    for (const size_t chunk :
         {size_t{7}, size_t{4096}, size_t{16384}, size_t{65536}, data.size()}) {
      SCOPED_TRACE(testing::Message() << "size " << size << ", reads of " << chunk);
      size_t blocks = 0;
      EXPECT_EQ(FeedLikeTheConnection(data, chunk, &blocks), expected);
      // A bulk below the threshold, or one that arrived whole, stays in the input.
      if (size < RespParser::kBigBulkBytes || chunk == data.size()) {
        EXPECT_EQ(blocks, 0u);
      } else {
        EXPECT_GT(blocks, 0u);
      }
    }
  }
}

TEST(RespParserTest, BigBulksAgreeWithSmallOnesFedWholeAndBytewise) {
  const std::string value = BigValue(RespParser::kBigBulkBytes + 5);
  const Outcome outcome = Feed(Multibulk({"SET", "key", value}) + Multibulk({"PING"}) +
                               Multibulk({"MSET", "a", value, "b", value}));
  EXPECT_EQ(outcome.commands,
            (std::vector<Args>{{"SET", "key", value}, {"PING"}, {"MSET", "a", value, "b", value}}));
  EXPECT_FALSE(outcome.failed);
}

TEST(RespParserTest, BigBulkIsReadIntoABlockWithTheHeadroomAsked) {
  RespParser parser;
  parser.set_big_bulk_headroom(&TestHeadroom);
  const std::string value = BigValue(100000);
  const std::string data = Multibulk({"SET", "mykey", value});
  const size_t header = data.size() - value.size() - 2;
  std::string input = data.substr(0, header + 100);  // the value's first 100 bytes
  ASSERT_EQ(parser.Parse(input), RespParser::Result::kNeedMore);
  EXPECT_EQ(parser.BytesStillNeeded(), value.size() + 2 - 100);
  EXPECT_EQ(parser.big_bulk_bytes(), 100u);
  std::span<char> tail = parser.BigBulkTail();
  ASSERT_EQ(tail.size(), value.size() + 2 - 100);
  std::memcpy(tail.data(), data.data() + header + 100, tail.size() - 1);
  parser.CommitBigBulk(tail.size() - 1);
  ASSERT_EQ(parser.Parse(input), RespParser::Result::kNeedMore);
  // The last byte comes through the input this time.
  input += '\n';
  ASSERT_EQ(parser.Parse(input), RespParser::Result::kCommand);
  EXPECT_EQ(parser.consumed(), input.size());
  EXPECT_TRUE(parser.BigBulkTail().empty());
  ASSERT_EQ(parser.args().size(), 3u);
  EXPECT_EQ(parser.args()[2], value);
  BigBulk* bulk = parser.big_bulks().Find(parser.args()[2]);
  ASSERT_NE(bulk, nullptr);
  EXPECT_EQ(bulk->headroom, TestHeadroom(5, value.size()));
  EXPECT_EQ(bulk->capacity, bulk->headroom + value.size() + 2);
  EXPECT_EQ(parser.args()[2].data(), bulk->block.get() + bulk->headroom);
  EXPECT_EQ(parser.big_bulks().Find(parser.args()[1]), nullptr);
  EXPECT_EQ(parser.big_bulks().Find(std::string_view(value)), nullptr);  // equal bytes elsewhere
  // Taken over, the block is no longer the parser's to free.
  util::MallocBlock taken = std::move(bulk->block);
  parser.ReleaseBigBulks();
  EXPECT_EQ(parser.big_bulks().count(), 0u);
  EXPECT_EQ(std::string_view(taken.get() + TestHeadroom(5, value.size()), value.size()), value);
}

TEST(RespParserTest, BigBulkOfAnUnauthenticatedClientIsStillRefused) {
  const std::string data = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$40000\r\n" + std::string(100, 'v');
  EXPECT_EQ(Error(data, 512 * 1024 * 1024, /*unauthenticated=*/true),
            errors::kProtoUnauthenticatedBulkLength);
}

TEST(RespParserTest, ResetDropsABigBulkBeingRead) {
  RespParser parser;
  const std::string input = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$40000\r\nvvv";
  ASSERT_EQ(parser.Parse(input), RespParser::Result::kNeedMore);
  EXPECT_FALSE(parser.BigBulkTail().empty());
  parser.Reset();
  EXPECT_TRUE(parser.BigBulkTail().empty());
  EXPECT_EQ(parser.big_bulk_bytes(), 0u);
  const std::string get = Multibulk({"GET", "k"});
  ASSERT_EQ(parser.Parse(get), RespParser::Result::kCommand);
  EXPECT_EQ(Args(parser.args().begin(), parser.args().end()), (Args{"GET", "k"}));
}

// With proto-max-bulk-len raised past what memory holds, a bulk whose block cannot be allocated
// is read into the input like a small one (it used to throw std::bad_alloc out of the parser,
// which would end the server).
TEST(RespParserTest, BigBulkTooLargeToAllocateWaitsInTheInput) {
  RespParser parser(SIZE_MAX);
  const std::string input = "*2\r\n$3\r\nGET\r\n$999999999999999999\r\nabc";
  EXPECT_EQ(parser.Parse(input), RespParser::Result::kNeedMore);
  EXPECT_EQ(parser.Parse(input + "def"), RespParser::Result::kNeedMore);
}

}  // namespace
}  // namespace cachette::protocol
