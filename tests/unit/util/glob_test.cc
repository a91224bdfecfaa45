#include "cachette/util/glob.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace cachette::util {
namespace {

// Every expectation below was checked against redis-server 7.0 (KEYS, and CONFIG GET for nocase).

TEST(GlobTest, StarMatchesAnyRun) {
  EXPECT_TRUE(GlobMatch("*", "anything"));
  EXPECT_TRUE(GlobMatch("h*llo", "hllo"));
  EXPECT_TRUE(GlobMatch("h*llo", "heeeello"));
  EXPECT_FALSE(GlobMatch("h*llo", "hello!"));
  EXPECT_TRUE(GlobMatch("a**b***", "axxb"));
}

TEST(GlobTest, StarsNeverMatchEmptySubject) {
  // stringmatchlen's loop needs a subject byte; KEYS and SCAN special-case a lone "*", and
  // PUBLISH "" reaches no PSUBSCRIBE "*" subscriber.
  EXPECT_FALSE(GlobMatch("*", ""));
  EXPECT_FALSE(GlobMatch("**", ""));
}

TEST(GlobTest, QuestionMarkMatchesExactlyOneByte) {
  EXPECT_TRUE(GlobMatch("h?llo", "hello"));
  EXPECT_FALSE(GlobMatch("h?llo", "hllo"));
  EXPECT_FALSE(GlobMatch("?", ""));
}

TEST(GlobTest, EmptyPatternMatchesOnlyEmptySubject) {
  EXPECT_TRUE(GlobMatch("", ""));
  EXPECT_FALSE(GlobMatch("", "a"));
}

TEST(GlobTest, ClassMatchesListedBytes) {
  EXPECT_TRUE(GlobMatch("h[ae]llo", "hello"));
  EXPECT_TRUE(GlobMatch("h[ae]llo", "hallo"));
  EXPECT_FALSE(GlobMatch("h[ae]llo", "hillo"));
  EXPECT_TRUE(GlobMatch("[*]", "*"));
  EXPECT_FALSE(GlobMatch("[*]", "a"));
}

TEST(GlobTest, ClassRangesIncludeReversedRanges) {
  EXPECT_TRUE(GlobMatch("[a-z]", "m"));
  EXPECT_FALSE(GlobMatch("[a-z]", "M"));
  EXPECT_TRUE(GlobMatch("[z-a]", "m"));
  EXPECT_TRUE(GlobMatch("[0-9a-f]x", "cx"));
}

TEST(GlobTest, CaretNegatesClass) {
  EXPECT_FALSE(GlobMatch("[^a]", "a"));
  EXPECT_TRUE(GlobMatch("[^a]", "b"));
  EXPECT_TRUE(GlobMatch("[^a-c]", "d"));
  EXPECT_FALSE(GlobMatch("[^a]", ""));
}

TEST(GlobTest, EmptyClassMatchesNothing) {
  EXPECT_FALSE(GlobMatch("[]", ""));
  EXPECT_FALSE(GlobMatch("[]", "]"));
  EXPECT_FALSE(GlobMatch("[]", "a"));
  EXPECT_TRUE(GlobMatch("[^]", "a"));
}

TEST(GlobTest, DashBeforeClosingBracketMakesRangeToBracket) {
  // "[a-]" reads as the reversed range ']'..'a' and leaves the class unterminated.
  EXPECT_TRUE(GlobMatch("[a-]", "a"));
  EXPECT_TRUE(GlobMatch("[a-]", "]"));
  EXPECT_TRUE(GlobMatch("[a-]", "_"));
  EXPECT_FALSE(GlobMatch("[a-]", "-"));
  EXPECT_FALSE(GlobMatch("[a-]", "b"));
}

TEST(GlobTest, BackslashEscapesInsideClass) {
  EXPECT_TRUE(GlobMatch(R"([\]])", "]"));
  EXPECT_TRUE(GlobMatch(R"([\-a])", "-"));
  EXPECT_TRUE(GlobMatch(R"([\\])", "\\"));
  EXPECT_FALSE(GlobMatch(R"([\\])", "]"));
}

TEST(GlobTest, UnterminatedClassRunsToEndOfPattern) {
  EXPECT_TRUE(GlobMatch("[abc", "b"));
  EXPECT_FALSE(GlobMatch("[abc", "["));
  EXPECT_FALSE(GlobMatch("x[", "x["));
  EXPECT_FALSE(GlobMatch("x[", "xa"));
  EXPECT_FALSE(GlobMatch("x[", "x"));
  EXPECT_TRUE(GlobMatch("[^", "q"));
}

TEST(GlobTest, BackslashEscapesSpecialCharacters) {
  EXPECT_TRUE(GlobMatch(R"(\?)", "?"));
  EXPECT_FALSE(GlobMatch(R"(\?)", "a"));
  EXPECT_TRUE(GlobMatch(R"(a\*b)", "a*b"));
  EXPECT_FALSE(GlobMatch(R"(a\*b)", "axb"));
  EXPECT_TRUE(GlobMatch(R"(\\)", "\\"));
  EXPECT_TRUE(GlobMatch(R"(\[a])", "[a]"));
}

TEST(GlobTest, TrailingBackslashMatchesLiteralBackslash) {
  EXPECT_TRUE(GlobMatch("a\\", "a\\"));
  EXPECT_FALSE(GlobMatch("a\\", "a"));
}

TEST(GlobTest, NocaseFoldsLiteralsAndRanges) {
  EXPECT_TRUE(GlobMatch("HeLLo", "hello", /*nocase=*/true));
  EXPECT_FALSE(GlobMatch("HeLLo", "hello"));
  EXPECT_TRUE(GlobMatch("[A-C]x", "bX", true));
  EXPECT_TRUE(GlobMatch("[abc]", "B", true));
}

TEST(GlobTest, EscapedClassMemberComparesExactlyEvenWithNocase) {
  EXPECT_FALSE(GlobMatch(R"([\A])", "a", true));
  EXPECT_TRUE(GlobMatch(R"([\A])", "A", true));
}

TEST(GlobTest, BytesAboveAsciiCompareAsSignedChars) {
  // 0xff is -1 as a char, so "[a-\xff]" is the reversed range [-1, 'a'].
  EXPECT_TRUE(GlobMatch("[a-\xff]", "A"));
  EXPECT_FALSE(GlobMatch("[a-\xff]", "b"));
  EXPECT_TRUE(GlobMatch("[\x80-\xff]", "\xfe"));
}

TEST(GlobTest, NestingBeyondLimitDoesNotMatch) {
  std::string pattern;
  for (int i = 0; i < 1000; ++i) {
    pattern += "*a";
  }
  const std::string subject(1000, 'a');
  EXPECT_TRUE(GlobMatch(pattern, subject));
  EXPECT_FALSE(GlobMatch(pattern + "*a", subject + "a"));
}

TEST(GlobTest, ManyStarsDoNotTakeExponentialTime) {
  const auto start = std::chrono::steady_clock::now();
  const std::string subject(5000, 'a');
  EXPECT_FALSE(GlobMatch("a*a*a*a*a*a*a*a*a*a*a*a*b", subject));
  EXPECT_FALSE(GlobMatch("*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b", subject));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
}

TEST(GlobTest, LiteralPrefixStopsAtFirstSpecialCharacter) {
  EXPECT_EQ(GlobLiteralPrefix("user:*"), "user:");
  EXPECT_EQ(GlobLiteralPrefix("user:?x"), "user:");
  EXPECT_EQ(GlobLiteralPrefix("a[bc]"), "a");
  EXPECT_EQ(GlobLiteralPrefix("*"), "");
  EXPECT_EQ(GlobLiteralPrefix("plain"), "plain");
}

TEST(GlobTest, LiteralPrefixResolvesEscapes) {
  EXPECT_EQ(GlobLiteralPrefix(R"(user:\*:*)"), "user:*:");
  EXPECT_EQ(GlobLiteralPrefix(R"(a\\b*)"), "a\\b");
  EXPECT_EQ(GlobLiteralPrefix("a\\"), "a\\");
}

TEST(GlobTest, IsLiteralWhenNoUnescapedSpecialCharacter) {
  EXPECT_TRUE(GlobIsLiteral(""));
  EXPECT_TRUE(GlobIsLiteral("user:1"));
  EXPECT_TRUE(GlobIsLiteral(R"(a\*b)"));
  EXPECT_TRUE(GlobIsLiteral("a]^-"));
  EXPECT_TRUE(GlobIsLiteral("a\\"));
  EXPECT_FALSE(GlobIsLiteral("a*"));
  EXPECT_FALSE(GlobIsLiteral("a?"));
  EXPECT_FALSE(GlobIsLiteral("[a"));
  EXPECT_FALSE(GlobIsLiteral(R"(\\*)"));
}

TEST(GlobTest, LiteralPatternMatchesExactlyItsPrefix) {
  for (const std::string_view pattern : {R"(a\*b)", "a\\", R"(x\[y\])", "plain"}) {
    ASSERT_TRUE(GlobIsLiteral(pattern));
    EXPECT_TRUE(GlobMatch(pattern, GlobLiteralPrefix(pattern))) << pattern;
  }
}

}  // namespace
}  // namespace cachette::util
