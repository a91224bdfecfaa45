#include "cachette/util/split_args.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace cachette::util {
namespace {

using Args = std::vector<std::string>;

Args Split(std::string_view line) {
  Args out;
  EXPECT_TRUE(SplitArgs(line, &out)) << line;
  return out;
}

bool Fails(std::string_view line) {
  Args out{"stale"};
  const bool ok = SplitArgs(line, &out);
  EXPECT_TRUE(out.empty());
  return !ok;
}

TEST(SplitArgsTest, SplitsAtWhitespace) {
  EXPECT_EQ(Split("set key value"), (Args{"set", "key", "value"}));
  EXPECT_EQ(Split("  a \t b\r\nc  "), (Args{"a", "b", "c"}));
}

TEST(SplitArgsTest, EmptyOrBlankLineGivesNoArguments) {
  EXPECT_EQ(Split(""), Args{});
  EXPECT_EQ(Split(" \t\v\f "), Args{});
}

TEST(SplitArgsTest, VerticalTabSeparatesOnlyBetweenArguments) {
  // isspace() skips \v between arguments, but only ' ', \n, \r, \t end an unquoted one.
  EXPECT_EQ(Split("\va\vb"), (Args{"a\vb"}));
}

TEST(SplitArgsTest, DoubleQuotesUnderstandEscapes) {
  EXPECT_EQ(Split(R"("a\nb\rc\td\be\af\\g\"h\q")"), (Args{"a\nb\rc\td\be\af\\g\"hq"}));
  EXPECT_EQ(Split(R"("\x41\x7a\xff")"), (Args{"Az\xff"}));
}

TEST(SplitArgsTest, IncompleteHexEscapeIsLiteralX) {
  EXPECT_EQ(Split(R"("\x4g")"), (Args{"x4g"}));
  EXPECT_EQ(Split(R"("\x")"), (Args{"x"}));
}

TEST(SplitArgsTest, SingleQuotesOnlyUnderstandEscapedQuote) {
  EXPECT_EQ(Split(R"('a\'b\n"c')"), (Args{R"(a'b\n"c)"}));
}

TEST(SplitArgsTest, QuotesKeepSpacesAndAllowEmptyArguments) {
  EXPECT_EQ(Split(R"(set "hello world" '')"), (Args{"set", "hello world", ""}));
}

TEST(SplitArgsTest, QuoteInsideUnquotedArgumentOpensQuotedPart) {
  EXPECT_EQ(Split(R"(a"b c")"), (Args{"ab c"}));
  EXPECT_EQ(Split("a'b c'"), (Args{"ab c"}));
}

TEST(SplitArgsTest, ClosingQuoteMayBeFollowedByAnyWhitespace) {
  EXPECT_EQ(Split("\"a\"\vb"), (Args{"a", "b"}));
}

TEST(SplitArgsTest, ClosingQuoteFollowedByTextFails) {
  EXPECT_TRUE(Fails(R"("a"b)"));
  EXPECT_TRUE(Fails("'a'b"));
  EXPECT_TRUE(Fails(R"("a""b")"));
}

TEST(SplitArgsTest, UnbalancedQuotesFail) {
  EXPECT_TRUE(Fails(R"(set "abc)"));
  EXPECT_TRUE(Fails("set 'abc"));
  EXPECT_TRUE(Fails(R"("abc\")"));
  EXPECT_TRUE(Fails(R"('abc\')"));
  EXPECT_TRUE(Fails("\""));
}

TEST(SplitArgsTest, EmbeddedNulEndsTheLine) {
  EXPECT_EQ(Split(std::string_view("a b\0c d", 7)), (Args{"a", "b"}));
  EXPECT_TRUE(Fails(std::string_view("\"a\0\"", 4)));
}

TEST(SplitArgsTest, BackslashOutsideQuotesIsLiteral) {
  EXPECT_EQ(Split(R"(a\nb \)"), (Args{R"(a\nb)", "\\"}));
}

TEST(AppendQuotedTest, EscapesAsRedisSdscatrepr) {
  std::string out;
  AppendQuoted(&out, std::string("a \"b\"\\\n\r\t\a\b\x01\xff\0z", 15));
  EXPECT_EQ(out, R"("a \"b\"\\\n\r\t\a\b\x01\xff\x00z")");
}

TEST(AppendQuotedTest, SplitArgsReadsItBackByteForByte) {
  std::string all;
  for (int c = 0; c < 256; ++c) {
    all.push_back(static_cast<char>(c));
  }
  std::string line;
  AppendQuoted(&line, all.substr(1));  // SplitArgs stops at a NUL, as Redis does
  std::vector<std::string> args;
  ASSERT_TRUE(SplitArgs(line, &args));
  ASSERT_EQ(args.size(), 1u);
  EXPECT_EQ(args[0], all.substr(1));
}

}  // namespace
}  // namespace cachette::util
