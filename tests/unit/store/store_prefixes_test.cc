// The store feeds the per-prefix figures on every path a key joins or leaves the keyspace.

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "cachette/store/store.h"

namespace cachette::store {
namespace {

constexpr int64_t kNow = 1'000'000;

class StorePrefixesTest : public ::testing::Test {
 protected:
  StorePrefixesTest() : store_({.shards = 8, .databases = 4}) {
    store_.ConfigurePrefixStats({.enabled = true, .rule = {}, .capacity = 16});
  }

  void Put(size_t db, std::string_view key, std::string_view value, int64_t expire_ms = 0) {
    store_.WithKey(db, key, kNow, [&](KeySlot& slot) { slot.Set(value, expire_ms); });
  }
  bool Get(size_t db, std::string_view key, int64_t now = kNow) {
    return store_.WithKey(db, key, now, [&](KeySlot& slot) { return slot.Lookup() != nullptr; });
  }
  bool Del(size_t db, std::string_view key) {
    return store_.WithKey(db, key, kNow, [&](KeySlot& slot) { return slot.Delete(); });
  }
  // Allocated bytes of key's entry.
  int64_t EntryBytes(size_t db, std::string_view key) {
    return store_.WithKey(db, key, kNow, [&](KeySlot& slot) -> int64_t {
      const Entry* e = slot.Peek();
      return e ? static_cast<int64_t>(e->AllocatedSize()) : 0;
    });
  }
  std::map<std::string, PrefixFigures> Rows(PrefixFigures* other = nullptr) {
    PrefixSnapshot snapshot = store_.CollectPrefixStats();
    std::map<std::string, PrefixFigures> rows;
    for (const PrefixRow& row : snapshot.rows) {
      EXPECT_TRUE(rows.emplace(row.prefix, row.figures).second) << "twice: " << row.prefix;
    }
    if (other != nullptr) {
      *other = snapshot.other;
    }
    return rows;
  }

  Store store_;
};

TEST_F(StorePrefixesTest, LookupsCountAsRedisCountsKeyspaceHitsAndMisses) {
  Put(0, "user:1", "a");
  Put(0, "user:2", "b");
  EXPECT_TRUE(Get(0, "user:1"));
  EXPECT_FALSE(Get(0, "user:3"));
  EXPECT_FALSE(Get(0, "page:1"));
  auto rows = Rows();
  EXPECT_EQ(rows["user"].hits, 1u);
  EXPECT_EQ(rows["user"].misses, 1u);
  EXPECT_EQ(rows["user"].writes, 2u);
  EXPECT_EQ(rows["user"].keys, 2);
  EXPECT_EQ(rows["user"].memory, EntryBytes(0, "user:1") + EntryBytes(0, "user:2"));
  EXPECT_EQ(rows["page"].misses, 1u);
  const ShardCounters counters = store_.SumCounters();
  EXPECT_EQ(counters.keyspace_hits, 1u);
  EXPECT_EQ(counters.keyspace_misses, 2u);
}

TEST_F(StorePrefixesTest, ReplaceAndDeleteFollowKeysAndBytes) {
  Put(0, "user:1", "a");
  Put(0, "user:1", std::string(500, 'x'));  // a replacement: one key, the new size
  auto rows = Rows();
  EXPECT_EQ(rows["user"].writes, 2u);
  EXPECT_EQ(rows["user"].keys, 1);
  EXPECT_EQ(rows["user"].memory, EntryBytes(0, "user:1"));
  EXPECT_TRUE(Del(0, "user:1"));
  rows = Rows();
  EXPECT_EQ(rows["user"].keys, 0);
  EXPECT_EQ(rows["user"].memory, 0);
  EXPECT_EQ(rows["user"].writes, 2u);
}

TEST_F(StorePrefixesTest, ExpiryLazyAndActiveTakesKeysOff) {
  Put(0, "s:1", "a", kNow + 10);
  Put(0, "s:2", "b", kNow + 10);
  EXPECT_FALSE(Get(0, "s:1", kNow + 20));  // expired on lookup: a miss, one key less
  auto rows = Rows();
  EXPECT_EQ(rows["s"].keys, 1);
  EXPECT_EQ(rows["s"].misses, 1u);
  store_.ActiveExpireCycle(kNow + 20, 1'000'000);
  rows = Rows();
  EXPECT_EQ(rows["s"].keys, 0);
  EXPECT_EQ(rows["s"].memory, 0);
}

TEST_F(StorePrefixesTest, EvictionTakesKeysOff) {
  store_.SetEvictionPolicy(EvictionPolicy::kAllkeysLru);
  for (int i = 0; i < 50; ++i) {
    Put(0, "e:" + std::to_string(i), std::string(100, 'v'));
  }
  store_.SetBudgetPerShard(store_.DataBytes() / 8 / 2);
  store_.EvictOverBudget(kNow, 1'000'000);
  const int64_t left = static_cast<int64_t>(store_.DbSize(0));
  EXPECT_LT(left, 50);
  auto rows = Rows();
  EXPECT_EQ(rows["e"].keys, left);
  EXPECT_EQ(rows["e"].writes, 50u);
}

TEST_F(StorePrefixesTest, FlushdbOfOneOfSeveralDatabasesWalksIt) {
  Put(0, "a:1", "x");
  Put(0, "b:1", "x");
  Put(1, "a:2", "x");
  const int64_t bytes_a2 = EntryBytes(1, "a:2");
  store_.FlushDb(0);
  auto rows = Rows();
  EXPECT_EQ(rows["a"].keys, 1);
  EXPECT_EQ(rows["a"].memory, bytes_a2);
  EXPECT_EQ(rows["b"].keys, 0);
  EXPECT_EQ(rows["a"].writes, 2u);  // counters stay
  store_.FlushAll(/*lazily=*/true);
  rows = Rows();
  EXPECT_EQ(rows["a"].keys, 0);
  EXPECT_EQ(rows["a"].memory, 0);
  store_.FreeLazily(1'000'000);
}

TEST_F(StorePrefixesTest, SwapdbChangesNothing) {
  Put(0, "a:1", "x");
  Put(2, "b:1", "x");
  store_.SwapDatabases(0, 2);
  auto rows = Rows();
  EXPECT_EQ(rows["a"].keys, 1);
  EXPECT_EQ(rows["b"].keys, 1);
  store_.FlushDb(2);  // now holds a:1
  rows = Rows();
  EXPECT_EQ(rows["a"].keys, 0);
  EXPECT_EQ(rows["b"].keys, 1);
}

TEST_F(StorePrefixesTest, OffCountsNothingAndOnRecountsKeys) {
  store_.ConfigurePrefixStats({.enabled = false, .rule = {}, .capacity = 16});
  Put(0, "a:1", "x");
  Put(3, "a:2", "y");
  Get(0, "a:1");
  PrefixSnapshot off = store_.CollectPrefixStats();
  EXPECT_FALSE(off.enabled);
  EXPECT_TRUE(off.rows.empty());
  store_.ConfigurePrefixStats({.enabled = true, .rule = {}, .capacity = 16});
  auto rows = Rows();
  EXPECT_EQ(rows["a"].keys, 2);
  EXPECT_EQ(rows["a"].memory, EntryBytes(0, "a:1") + EntryBytes(3, "a:2"));
  EXPECT_EQ(rows["a"].writes, 0u);  // a recount, not writes
  EXPECT_EQ(rows["a"].hits, 0u);
}

TEST_F(StorePrefixesTest, NewRuleRecountsUnderIt) {
  Put(0, ":1:reviews:user:1", "x");
  Put(0, ":1:reviews:user:2", "x");
  Put(0, ":1:payments:7", "x");
  EXPECT_EQ(Rows()[""].keys, 3);  // segments 1: everything before the first ':'
  store_.ConfigurePrefixStats(
      {.enabled = true, .rule = {.segments = 3, .separator = ':'}, .capacity = 16});
  Get(0, ":1:reviews:user:1");
  auto rows = Rows();
  EXPECT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[":1:reviews"].keys, 2);
  EXPECT_EQ(rows[":1:reviews"].hits, 1u);
  EXPECT_EQ(rows[":1:payments"].keys, 1);
}

TEST_F(StorePrefixesTest, ResetCountersKeepsKeys) {
  Put(0, "a:1", "x");
  Get(0, "a:1");
  store_.ResetCounters();
  auto rows = Rows();
  EXPECT_EQ(rows["a"].hits, 0u);
  EXPECT_EQ(rows["a"].writes, 0u);
  EXPECT_EQ(rows["a"].keys, 1);
}

TEST_F(StorePrefixesTest, MergedTableIsBoundedAndOtherHoldsTheRest) {
  store_.ConfigurePrefixStats({.enabled = true, .rule = {}, .capacity = 3});
  // Heavy prefixes p0..p2 (many keys over every shard), then 40 light ones.
  for (int p = 0; p < 3; ++p) {
    for (int i = 0; i < 200; ++i) {
      Put(0, "p" + std::to_string(p) + ":" + std::to_string(i), "v");
    }
  }
  for (int i = 0; i < 40; ++i) {
    Put(0, "light" + std::to_string(i) + ":1", "v");
  }
  Put(0, "other:1", "v");  // a real prefix named like the summary row goes to it
  PrefixFigures other;
  auto rows = Rows(&other);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_TRUE(rows.contains("p0") && rows.contains("p1") && rows.contains("p2"));
  int64_t keys = other.keys;
  uint64_t writes = other.writes;
  for (const auto& [prefix, figures] : rows) {
    keys += figures.keys;
    writes += figures.writes;
  }
  EXPECT_EQ(keys, 641);
  EXPECT_EQ(writes, 641u);
  EXPECT_EQ(other.keys, 41);  // light prefixes never gather enough events to take a row
}

}  // namespace
}  // namespace cachette::store
