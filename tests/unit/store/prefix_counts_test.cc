#include "cachette/store/prefix_counts.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>
#include <vector>

namespace cachette::store {
namespace {

std::map<std::string, PrefixFigures> Rows(const PrefixCounts& counts, PrefixFigures* other) {
  std::vector<PrefixRow> rows;
  PrefixFigures sum;
  counts.Collect(&rows, &sum);
  std::map<std::string, PrefixFigures> by_prefix;
  for (const PrefixRow& row : rows) {
    EXPECT_TRUE(by_prefix.emplace(row.prefix, row.figures).second) << "twice: " << row.prefix;
  }
  if (other != nullptr) {
    *other = sum;
  }
  return by_prefix;
}

TEST(KeyPrefixTest, FirstSegmentByDefault) {
  const PrefixRule rule;
  EXPECT_EQ(KeyPrefix("user:42", rule), "user");
  EXPECT_EQ(KeyPrefix("user:42:name", rule), "user");
  EXPECT_EQ(KeyPrefix(":leading", rule), "");
  EXPECT_EQ(KeyPrefix("plain", rule), "plain");  // no separator: the key is its own prefix
  EXPECT_EQ(KeyPrefix("", rule), "");
}

TEST(KeyPrefixTest, DjangoKeysWithThreeSegments) {
  const PrefixRule rule{.segments = 3, .separator = ':'};
  EXPECT_EQ(KeyPrefix(":1:reviews:user:42", rule), ":1:reviews");
  EXPECT_EQ(KeyPrefix(":1:payments:7", rule), ":1:payments");
  EXPECT_EQ(KeyPrefix("site:1:reviews:user:42", rule), "site:1:reviews");
  EXPECT_EQ(KeyPrefix(":1:session", rule), ":1:session");  // two separators only
  EXPECT_EQ(KeyPrefix(":1:reviews:", rule), ":1:reviews");
}

TEST(KeyPrefixTest, OtherSeparator) {
  const PrefixRule rule{.segments = 2, .separator = '/'};
  EXPECT_EQ(KeyPrefix("a/b/c/d", rule), "a/b");
  EXPECT_EQ(KeyPrefix("a:b:c", rule), "a:b:c");
}

TEST(PrefixCountsTest, CountsLookupsWritesKeysAndBytes) {
  PrefixCounts counts({}, 8);
  counts.Added("user:1", 100);
  counts.Added("user:2", 50);
  counts.Added("page:1", 10);
  counts.Lookup("user:1", true);
  counts.Lookup("user:3", false);
  counts.Lookup("page:9", false);
  counts.Removed("user:1", 100);  // a replacement: the old entry leaves ...
  counts.Added("user:1", 70);     // ... and the new one comes
  PrefixFigures other;
  auto rows = Rows(counts, &other);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows["user"].hits, 1u);
  EXPECT_EQ(rows["user"].misses, 1u);
  EXPECT_EQ(rows["user"].writes, 3u);
  EXPECT_EQ(rows["user"].keys, 2);
  EXPECT_EQ(rows["user"].memory, 120);
  EXPECT_EQ(rows["page"].misses, 1u);
  EXPECT_EQ(rows["page"].keys, 1);
  EXPECT_EQ(other.keys, 0);
  EXPECT_EQ(other.hits + other.misses + other.writes, 0u);
}

TEST(PrefixCountsTest, RecountDoesNotCountWrites) {
  PrefixCounts counts({}, 8);
  counts.Added("a:1", 10, /*write=*/false);
  auto rows = Rows(counts, nullptr);
  EXPECT_EQ(rows["a"].writes, 0u);
  EXPECT_EQ(rows["a"].keys, 1);
}

TEST(PrefixCountsTest, FullTableKeepsHeavyHittersAndOneOffsGoToOther) {
  PrefixCounts counts({}, 2);
  for (int i = 0; i < 100; ++i) {
    counts.Lookup("hot:" + std::to_string(i), true);
    if (i < 50) {
      counts.Lookup("warm:" + std::to_string(i), i % 2 == 0);
    }
  }
  // One-off prefixes never gather as many events as the lightest row: they stay in other.
  for (int i = 0; i < 50; ++i) {
    counts.Lookup("cold" + std::to_string(i) + ":x", false);
  }
  PrefixFigures other;
  auto rows = Rows(counts, &other);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows["hot"].hits, 100u);
  EXPECT_EQ(rows["warm"].hits, 25u);
  EXPECT_EQ(rows["warm"].misses, 25u);
  EXPECT_EQ(other.misses, 50u);
  EXPECT_EQ(other.hits, 0u);

  // A prefix that keeps coming gathers more events than warm (50) and takes its row; warm's
  // figures go to other, and the newcomer's row counts from then on.
  for (int i = 0; i < 60; ++i) {
    counts.Lookup("new:x", true);
  }
  rows = Rows(counts, &other);
  ASSERT_EQ(rows.size(), 2u);
  ASSERT_TRUE(rows.contains("hot"));
  ASSERT_TRUE(rows.contains("new"));
  EXPECT_GE(rows["new"].hits, 10u);
  EXPECT_EQ(rows["new"].hits + other.hits, 60u + 25u);  // nothing is lost
  EXPECT_EQ(other.misses, 50u + 25u);
}

TEST(PrefixCountsTest, EvictedRowsKeysMoveToOtherAndTotalsStayExact) {
  PrefixCounts counts({}, 1);
  counts.Added("a:1", 10);
  counts.Added("a:2", 20);  // a: weight 2
  counts.Added("b:1", 5);   // b has no row: other
  PrefixFigures other;
  auto rows = Rows(counts, &other);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows["a"].keys, 2);
  EXPECT_EQ(other.keys, 1);
  EXPECT_EQ(other.memory, 5);
  counts.Lookup("b:1", true);
  counts.Lookup("b:1", true);  // b's third event passes a's weight: b takes the row
  rows = Rows(counts, &other);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows["b"].hits, 1u);
  EXPECT_EQ(rows["b"].keys, 0);  // b:1 came while b had no row
  EXPECT_EQ(other.keys, 3);
  EXPECT_EQ(other.memory, 35);
  EXPECT_EQ(other.writes, 3u);
  // b's key leaves: b's row has nothing, so it comes off other. Nothing goes below zero, and
  // the sum of the rows and other stays exact.
  counts.Removed("b:1", 5);
  counts.Added("b:2", 8);
  counts.Removed("a:1", 10);  // a has no row any more: from other
  rows = Rows(counts, &other);
  EXPECT_EQ(rows["b"].keys, 1);
  EXPECT_EQ(rows["b"].memory, 8);
  EXPECT_EQ(other.keys, 1);
  EXPECT_EQ(other.memory, 20);
}

TEST(PrefixCountsTest, RemovalDoesNotTakeARow) {
  PrefixCounts counts({}, 1);
  counts.Added("a:1", 10);
  counts.Added("b:1", 20);    // no room: other
  counts.Removed("b:1", 20);  // taken from other; a keeps the row
  PrefixFigures other;
  auto rows = Rows(counts, &other);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows["a"].keys, 1);
  EXPECT_EQ(other.keys, 0);
  EXPECT_EQ(other.memory, 0);
}

TEST(PrefixCountsTest, ResetCountersKeepsKeysAndBytes) {
  PrefixCounts counts({}, 8);
  counts.Added("a:1", 10);
  counts.Lookup("a:1", true);
  counts.Lookup("b:1", false);
  counts.ResetCounters();
  PrefixFigures other;
  auto rows = Rows(counts, &other);
  ASSERT_EQ(rows.size(), 1u);  // b had no keys: gone
  EXPECT_EQ(rows["a"].hits, 0u);
  EXPECT_EQ(rows["a"].writes, 0u);
  EXPECT_EQ(rows["a"].keys, 1);
  EXPECT_EQ(rows["a"].memory, 10);
  // The table still finds the rows it kept.
  counts.Lookup("a:2", false);
  counts.Lookup("b:2", true);
  rows = Rows(counts, &other);
  EXPECT_EQ(rows["a"].misses, 1u);
  EXPECT_EQ(rows["b"].hits, 1u);
}

TEST(PrefixCountsTest, ForgetAllKeysKeepsCounters) {
  PrefixCounts counts({}, 8);
  counts.Added("a:1", 10);
  counts.Added("b:1", 10, /*write=*/false);
  counts.Lookup("a:1", true);
  counts.ForgetAllKeys();
  PrefixFigures other;
  auto rows = Rows(counts, &other);
  ASSERT_EQ(rows.size(), 1u);  // b had nothing but keys
  EXPECT_EQ(rows["a"].keys, 0);
  EXPECT_EQ(rows["a"].memory, 0);
  EXPECT_EQ(rows["a"].hits, 1u);
  EXPECT_EQ(rows["a"].writes, 1u);
}

// Many prefixes through a small table: the index (linear probing with backward-shift deletion)
// never loses or duplicates a row, and keys and bytes always sum to the live set.
TEST(PrefixCountsTest, ChurnKeepsIndexAndTotalsConsistent) {
  PrefixCounts counts({}, 16);
  std::mt19937_64 random(42);
  std::map<std::string, int64_t> live;  // key -> bytes
  for (int step = 0; step < 200'000; ++step) {
    const std::string key =
        "p" + std::to_string(random() % 64) + ":" + std::to_string(random() % 100);
    switch (random() % 3) {
      case 0: {
        const int64_t bytes = static_cast<int64_t>(16 + random() % 100);
        auto it = live.find(key);
        if (it != live.end()) {
          counts.Removed(key, it->second);
        }
        counts.Added(key, bytes);
        live[key] = bytes;
        break;
      }
      case 1: {
        auto it = live.find(key);
        if (it != live.end()) {
          counts.Removed(key, it->second);
          live.erase(it);
        }
        break;
      }
      default:
        counts.Lookup(key, live.contains(key));
    }
    if (step % 997 == 0) {
      PrefixFigures other;
      auto rows = Rows(counts, &other);
      ASSERT_LE(rows.size(), 16u);
      int64_t keys = other.keys;
      int64_t memory = other.memory;
      for (const auto& [prefix, figures] : rows) {
        ASSERT_GE(figures.keys, 0);
        ASSERT_GE(figures.memory, 0);
        keys += figures.keys;
        memory += figures.memory;
      }
      ASSERT_GE(other.keys, 0);
      ASSERT_GE(other.memory, 0);
      int64_t live_bytes = 0;
      for (const auto& [k, bytes] : live) {
        live_bytes += bytes;
      }
      ASSERT_EQ(keys, static_cast<int64_t>(live.size()));
      ASSERT_EQ(memory, live_bytes);
    }
  }
  // Every prefix still in the table is found by its next event (no stale index entry).
  std::vector<PrefixRow> rows;
  PrefixFigures other;
  counts.Collect(&rows, &other);
  for (const PrefixRow& row : rows) {
    const uint64_t before = row.figures.hits;
    counts.Lookup(row.prefix + ":probe", true);
    std::vector<PrefixRow> after;
    PrefixFigures ignored;
    counts.Collect(&after, &ignored);
    bool found = false;
    for (const PrefixRow& r : after) {
      if (r.prefix == row.prefix) {
        found = true;
        EXPECT_EQ(r.figures.hits, before + 1);
      }
    }
    EXPECT_TRUE(found) << row.prefix;
    EXPECT_EQ(after.size(), rows.size());
  }
}

// The shortcut for keys of the row used last must attribute every key to KeyPrefix's prefix,
// whatever the mix of segments, separators and keys that are whole prefixes.
TEST(PrefixCountsTest, EveryKeyCountsUnderItsPrefix) {
  std::mt19937_64 random(7);
  const std::string alphabet = "ab:";
  for (size_t segments = 1; segments <= 3; ++segments) {
    const PrefixRule rule{.segments = segments, .separator = ':'};
    PrefixCounts counts(rule, 1000);
    std::map<std::string, uint64_t> expected;
    for (int i = 0; i < 20000; ++i) {
      std::string key;
      for (size_t n = random() % 7; n > 0; --n) {
        key += alphabet[random() % alphabet.size()];
      }
      // Runs of keys with one prefix, as real traffic has.
      for (int repeat = static_cast<int>(random() % 3); repeat >= 0; --repeat) {
        counts.Lookup(key, true);
        ++expected[std::string(KeyPrefix(key, rule))];
      }
    }
    PrefixFigures other;
    auto rows = Rows(counts, &other);
    EXPECT_EQ(other.hits, 0u);
    ASSERT_EQ(rows.size(), expected.size()) << segments;
    for (const auto& [prefix, hits] : expected) {
      EXPECT_EQ(rows[prefix].hits, hits) << "segments " << segments << " prefix " << prefix;
    }
  }
}

}  // namespace
}  // namespace cachette::store
