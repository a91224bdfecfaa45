#include "cachette/stats/prefix_stats.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "cachette/stats/info.h"

namespace cachette::stats {
namespace {

store::PrefixRow Row(std::string prefix, uint64_t hits, uint64_t misses, uint64_t writes = 0,
                     int64_t keys = 0, int64_t memory = 0) {
  return store::PrefixRow{std::move(prefix), {hits, misses, writes, keys, memory}, 0};
}

std::vector<std::string> Prefixes(const std::vector<store::PrefixRow>& rows) {
  std::vector<std::string> out;
  for (const auto& row : rows) {
    out.push_back(row.prefix);
  }
  return out;
}

TEST(PrefixStatsTest, HitRatio) {
  EXPECT_EQ(HitRatio({.hits = 3, .misses = 1}), 0.75);
  EXPECT_EQ(HitRatio({}), 0.0);
  EXPECT_EQ(HitRatio({.misses = 4}), 0.0);
}

TEST(PrefixStatsTest, ParsesOrdersInAnyCase) {
  EXPECT_EQ(ParsePrefixOrder("HITS"), PrefixOrder::kHits);
  EXPECT_EQ(ParsePrefixOrder("hit_ratio"), PrefixOrder::kHitRatio);
  EXPECT_EQ(ParsePrefixOrder("Prefix"), PrefixOrder::kPrefix);
  EXPECT_EQ(ParsePrefixOrder("memory"), PrefixOrder::kMemory);
  EXPECT_FALSE(ParsePrefixOrder("reads"));
  EXPECT_FALSE(ParsePrefixOrder("hit"));
}

TEST(PrefixStatsTest, SortsByFigureThenPrefix) {
  std::vector<store::PrefixRow> rows = {Row("b", 1, 1, 5), Row("a", 2, 0, 1), Row("c", 0, 0, 9),
                                        Row("d", 0, 4)};
  SortPrefixRows(&rows, PrefixOrder::kReads, true);
  EXPECT_EQ(Prefixes(rows), (std::vector<std::string>{"d", "b", "a", "c"}));
  SortPrefixRows(&rows, PrefixOrder::kReads, false);
  EXPECT_EQ(Prefixes(rows), (std::vector<std::string>{"c", "a", "b", "d"}));
  SortPrefixRows(&rows, PrefixOrder::kHitRatio, true);  // 1, 0.5, 0, 0 (ties by prefix)
  EXPECT_EQ(Prefixes(rows), (std::vector<std::string>{"a", "b", "c", "d"}));
  SortPrefixRows(&rows, PrefixOrder::kWrites, true);
  EXPECT_EQ(Prefixes(rows), (std::vector<std::string>{"c", "b", "a", "d"}));
  SortPrefixRows(&rows, PrefixOrder::kPrefix, false);
  EXPECT_EQ(Prefixes(rows), (std::vector<std::string>{"a", "b", "c", "d"}));
  SortPrefixRows(&rows, PrefixOrder::kPrefix, true);
  EXPECT_EQ(Prefixes(rows), (std::vector<std::string>{"d", "c", "b", "a"}));
}

TEST(PrefixStatsTest, EscapesWhatWouldBreakAnInfoLine) {
  EXPECT_EQ(EscapePrefix(":1:reviews"), ":1:reviews");
  EXPECT_EQ(EscapePrefix("a,b=c"), "a\\x2cb\\x3dc");
  EXPECT_EQ(EscapePrefix("x\r\ny\t\\"), "x\\r\\ny\\t\\\\");
  EXPECT_EQ(EscapePrefix(std::string("\0\x7f\xc3\xa9", 4)), "\\x00\\x7f\\xc3\\xa9");
  EXPECT_EQ(EscapePrefix("with space"), "with space");
}

TEST(PrefixStatsTest, RendersKeyspaceStyleLinesWithOtherLast) {
  std::string out;
  RenderPrefixLines({Row(":1:reviews", 3, 1, 2, 2, 128), Row("a,b", 0, 0, 1, 1, 64)}, {.misses = 5},
                    &out);
  EXPECT_EQ(out,
            "prefix0:name=:1:reviews,hits=3,misses=1,hit_ratio=0.7500,writes=2,keys=2,"
            "memory=128\r\n"
            "prefix1:name=a\\x2cb,hits=0,misses=0,hit_ratio=0.0000,writes=1,keys=1,memory=64\r\n"
            "prefix2:name=other,hits=0,misses=5,hit_ratio=0.0000,writes=0,keys=0,memory=0\r\n");
  out.clear();
  RenderPrefixLines({}, {}, &out);  // an empty other is left out
  EXPECT_EQ(out, "");
}

TEST(PrefixStatsTest, InfoSectionOnlyWhenAskedFor) {
  InfoReport report;
  report.prefixes.push_back(Row("a", 1, 0));
  const std::vector<std::string_view> prefixes = {"prefixes"};
  EXPECT_EQ(RenderInfo(report, SectionSet::Parse(prefixes)),
            "# Prefixes\r\nprefix0:name=a,hits=1,misses=0,hit_ratio=1.0000,writes=0,keys=0,"
            "memory=0\r\n");
  EXPECT_EQ(RenderInfo(report, SectionSet::Parse({})).find("# Prefixes"), std::string::npos);
  const std::vector<std::string_view> everything = {"everything"};
  EXPECT_NE(RenderInfo(report, SectionSet::Parse(everything)).find("# Prefixes"),
            std::string::npos);
}

}  // namespace
}  // namespace cachette::stats
