// Store's own (src/store/store.cc): options, databases, counters summed over shards,
// whole-database operations (FLUSHDB, FLUSHALL, KEYS, RANDOMKEY, SCAN) and lazy free
// (FreeLazily, which the maintenance thread calls).

#include "cachette/store/store.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "cachette/store/store_admin.h"
#include "store_test_support.h"

namespace cachette::store::testing {
namespace {

// A whole SCAN iteration with `count`; returns every key returned (repeats kept) and checks
// that it ends at cursor 0 within a sane number of calls.
std::vector<std::string> ScanAll(Store& store, size_t db, size_t count, int64_t now = kNow,
                                 size_t* calls = nullptr) {
  std::vector<std::string> keys;
  uint64_t cursor = 0;
  size_t n = 0;
  do {
    cursor = store.Scan(db, cursor, count, now, &keys);
    ++n;
    if (n > 1'000'000) {
      ADD_FAILURE() << "SCAN did not finish";
      break;
    }
  } while (cursor != 0);
  if (calls != nullptr) {
    *calls = n;
  }
  return keys;
}

// For the TEST_P(StoreTest, ...) of every file of this binary (store_test_support.h).
INSTANTIATE_TEST_SUITE_P(Shards, StoreTest, ::testing::ValuesIn(kShardCounts), ShardCountName);

TEST(StoreOptionsTest, ShardCountIsRoundedUpToAPowerOfTwo) {
  EXPECT_EQ(Store(StoreOptions{.shards = 1, .databases = 1}).shard_count(), 1u);
  EXPECT_EQ(Store(StoreOptions{.shards = 3, .databases = 1}).shard_count(), 4u);
  EXPECT_EQ(Store(StoreOptions{.shards = 64, .databases = 1}).shard_count(), 64u);
  EXPECT_EQ(Store(StoreOptions{.shards = 0, .databases = 1}).shard_count(), 1u);
  EXPECT_EQ(Store(StoreOptions{.shards = 1, .databases = 0}).databases(), 1u);
  EXPECT_EQ(Store(StoreOptions{.shards = 1, .databases = 16}).databases(), 16u);
}

TEST_P(StoreTest, DatabasesAreSeparate) {
  Put(store_, 0, "k", "zero");
  Put(store_, 3, "k", "three");
  EXPECT_EQ(Get(store_, 0, "k"), "zero");
  EXPECT_EQ(Get(store_, 3, "k"), "three");
  EXPECT_EQ(Get(store_, 1, "k"), "<missing>");
  EXPECT_EQ(store_.DbSize(0), 1u);
  EXPECT_EQ(store_.DbSize(1), 0u);
  EXPECT_EQ(store_.DbSize(3), 1u);
}

TEST_P(StoreTest, CountersSumOverShards) {
  for (int i = 0; i < 100; ++i) {
    Put(store_, 0, Key(i), "v");
  }
  for (int i = 0; i < 150; ++i) {
    Get(store_, 0, Key(i));
  }
  const ShardCounters counters = store_.SumCounters();
  EXPECT_EQ(counters.keyspace_hits, 100u);
  EXPECT_EQ(counters.keyspace_misses, 50u);
}

TEST_P(StoreTest, FlushDbEmptiesOneDatabase) {
  for (int i = 0; i < 100; ++i) {
    Put(store_, 0, Key(i), "v", i % 2 ? kNow + 100 : 0);
    Put(store_, 1, Key(i), "v");
  }
  EXPECT_EQ(store_.FlushDb(0), 100u);
  EXPECT_EQ(store_.DbSize(0), 0u);
  EXPECT_EQ(GetKeyspaceStats(store_, 0, kNow).expires, 0u);
  EXPECT_EQ(store_.DbSize(1), 100u);
  EXPECT_EQ(Get(store_, 0, Key(1)), "<missing>");
  // The database is usable afterwards.
  Put(store_, 0, "again", "v");
  EXPECT_EQ(Get(store_, 0, "again"), "v");
  EXPECT_EQ(store_.FlushDb(2), 0u);
}

TEST_P(StoreTest, FlushAllEmptiesEveryDatabase) {
  for (size_t db = 0; db < 4; ++db) {
    for (int i = 0; i < 10; ++i) {
      Put(store_, db, Key(i), "v");
    }
  }
  EXPECT_EQ(store_.FlushAll(), 40u);
  for (size_t db = 0; db < 4; ++db) {
    EXPECT_EQ(store_.DbSize(db), 0u);
  }
}

TEST_P(StoreTest, KeysMatchesGlobPatterns) {
  for (const char* key : {"foo", "fob", "bar", "hello", "hallo", "hxllo", "heeeello"}) {
    Put(store_, 0, key, "v");
  }
  Put(store_, 1, "foo2", "v");
  auto keys = [&](std::string_view pattern) {
    std::vector<std::string> out;
    store_.Keys(0, pattern, kNow, &out);
    return Sorted(out);
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(keys("*"), (V{"bar", "fob", "foo", "hallo", "heeeello", "hello", "hxllo"}));
  EXPECT_EQ(keys("f*"), (V{"fob", "foo"}));
  EXPECT_EQ(keys("h?llo"), (V{"hallo", "hello", "hxllo"}));
  EXPECT_EQ(keys("h*llo"), (V{"hallo", "heeeello", "hello", "hxllo"}));
  EXPECT_EQ(keys("h[ae]llo"), (V{"hallo", "hello"}));
  EXPECT_EQ(keys("h[^e]llo"), (V{"hallo", "hxllo"}));
  EXPECT_EQ(keys("bar"), (V{"bar"}));
  EXPECT_EQ(keys("nomatch*"), V{});
}

TEST_P(StoreTest, KeysSkipsExpiredKeys) {
  Put(store_, 0, "live", "v", kNow + 100);
  Put(store_, 0, "dead", "v", kNow + 10);
  std::vector<std::string> out;
  store_.Keys(0, "*", kNow + 10, &out);
  EXPECT_EQ(out, std::vector<std::string>{"live"});
}

TEST_P(StoreTest, RandomKeyOnAnEmptyDatabaseIsNothing) {
  EXPECT_EQ(store_.RandomKey(0, kNow), std::nullopt);
  Put(store_, 1, "elsewhere", "v");
  EXPECT_EQ(store_.RandomKey(0, kNow), std::nullopt);
}

TEST_P(StoreTest, RandomKeyReturnsTheOnlyKey) {
  Put(store_, 2, "only", "v");
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(store_.RandomKey(2, kNow), "only");
  }
}

TEST_P(StoreTest, RandomKeyReturnsExistingKeysAndEventuallyDifferentOnes) {
  for (int i = 0; i < 50; ++i) {
    Put(store_, 0, Key(i), "v");
  }
  std::set<std::string> seen;
  for (int i = 0; i < 500; ++i) {
    auto key = store_.RandomKey(0, kNow);
    ASSERT_TRUE(key.has_value());
    ASSERT_EQ(key->rfind("key:", 0), 0u) << *key;
    seen.insert(*key);
  }
  EXPECT_GT(seen.size(), 10u);
}

TEST_P(StoreTest, RandomKeyIgnoresExpiredKeys) {
  Put(store_, 0, "dead", "v", kNow + 1);
  EXPECT_EQ(store_.RandomKey(0, kNow + 1), std::nullopt);
  Put(store_, 0, "live", "v");
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(store_.RandomKey(0, kNow + 1), "live");
  }
}

TEST_P(StoreTest, ScanOfAnEmptyDatabaseEndsAtOnce) {
  std::vector<std::string> out;
  EXPECT_EQ(store_.Scan(0, 0, 10, kNow, &out), 0u);
  EXPECT_TRUE(out.empty());
}

TEST_P(StoreTest, ScanReturnsEveryKeyWithNoDuplicatesWhenNothingChanges) {
  for (int i = 0; i < 1000; ++i) {
    Put(store_, 0, Key(i), "v");
  }
  Put(store_, 1, "other-db", "v");
  for (size_t count : {1u, 10u, 100u, 5000u}) {
    const std::vector<std::string> keys = ScanAll(store_, 0, count);
    const std::set<std::string> unique(keys.begin(), keys.end());
    EXPECT_EQ(unique.size(), 1000u) << "count " << count;
    EXPECT_EQ(keys.size(), 1000u) << "count " << count;
    EXPECT_FALSE(unique.contains("other-db"));
  }
}

TEST_P(StoreTest, ScanSkipsExpiredKeys) {
  Put(store_, 0, "live", "v");
  Put(store_, 0, "dead", "v", kNow + 1);
  EXPECT_EQ(ScanAll(store_, 0, 100, kNow + 1), std::vector<std::string>{"live"});
}

TEST_P(StoreTest, ScanCountIsRoughlyRespected) {
  for (int i = 0; i < 2000; ++i) {
    Put(store_, 0, Key(i), "v");
  }
  uint64_t cursor = 0;
  size_t calls = 0;
  size_t total = 0;
  do {
    std::vector<std::string> out;
    cursor = store_.Scan(0, cursor, 20, kNow, &out);
    ++calls;
    total += out.size();
    // A call stops once it has COUNT keys, finishing the bucket it is in; chains are short.
    EXPECT_LE(out.size(), 40u);
  } while (cursor != 0);
  EXPECT_EQ(total, 2000u);
  // About 2000 / 20 calls; allow for shard boundaries ending calls early.
  EXPECT_GE(calls, 2000u / 40);
  EXPECT_LE(calls, 2000u / 20 * 2 + GetParam());
}

TEST_P(StoreTest, ScanCallsCostTheSameInASmallAndAFortyTimesBiggerDatabase) {
  // django-redis's delete_pattern: SCAN MATCH ... COUNT 10 until the cursor is 0. Each call
  // must look at about COUNT keys whatever the database's size (the pattern is applied to
  // what a call returns), so a bigger database means more calls, not costlier ones.
  for (const int keys : {5'000, 200'000}) {
    store_.FlushAll();
    for (int i = 0; i < keys; ++i) {
      Put(store_, 0, Key(i), "v");
    }
    uint64_t cursor = 0;
    size_t calls = 0;
    size_t total = 0;
    size_t largest = 0;
    do {
      std::vector<std::string> out;
      cursor = store_.Scan(0, cursor, 10, kNow, &out);
      ++calls;
      total += out.size();
      largest = std::max(largest, out.size());
    } while (cursor != 0);
    EXPECT_EQ(total, static_cast<size_t>(keys));
    EXPECT_LE(largest, 25u) << keys;
    // 5 to 20 keys per call on average: a call finishes the bucket it is in, and shard
    // boundaries end some calls early.
    EXPECT_GE(calls, static_cast<size_t>(keys) / 20) << keys;
    EXPECT_LE(calls, static_cast<size_t>(keys) / 5 + GetParam()) << keys;
  }
}

TEST_P(StoreTest, ScanAppendsToWhatTheCallerAlreadyHas) {
  Put(store_, 0, "k", "v");
  std::vector<std::string> out = {"already"};
  uint64_t cursor = 0;
  do {
    cursor = store_.Scan(0, cursor, 10, kNow, &out);
  } while (cursor != 0);
  EXPECT_EQ(Sorted(out), (std::vector<std::string>{"already", "k"}));
}

TEST_P(StoreTest, ScanReturnsKeysPresentThroughoutWhileTheTableGrows) {
  for (int i = 0; i < 200; ++i) {
    Put(store_, 0, Key(i), "v");
  }
  std::set<std::string> seen;
  uint64_t cursor = 0;
  int added = 0;
  size_t calls = 0;
  do {
    std::vector<std::string> out;
    cursor = store_.Scan(0, cursor, 5, kNow, &out);
    seen.insert(out.begin(), out.end());
    // Bounded, or the iteration would never catch up with the growth.
    for (int j = 0; j < 100 && added < 5000; ++j, ++added) {
      Put(store_, 0, "new:" + std::to_string(added), "v");
    }
    ASSERT_LT(++calls, 100'000u);
  } while (cursor != 0);
  ASSERT_GT(store_.DbSize(0), 2000u);
  for (int i = 0; i < 200; ++i) {
    EXPECT_TRUE(seen.contains(Key(i))) << Key(i);
  }
}

TEST_P(StoreTest, ScanReturnsKeysPresentThroughoutWhileTheTableShrinks) {
  constexpr int kKept = 100;
  constexpr int kTotal = 20000;
  for (int i = 0; i < kTotal; ++i) {
    Put(store_, 0, Key(i), "v");
  }
  std::set<std::string> seen;
  uint64_t cursor = 0;
  int victim = kKept;
  do {
    std::vector<std::string> out;
    cursor = store_.Scan(0, cursor, 10, kNow, &out);
    seen.insert(out.begin(), out.end());
    for (int j = 0; j < 500 && victim < kTotal; ++j, ++victim) {
      store_.WithKey(0, Key(victim), kNow, [](KeySlot& slot) { slot.Delete(); });
    }
  } while (cursor != 0);
  ASSERT_EQ(store_.DbSize(0), static_cast<size_t>(kKept));
  for (int i = 0; i < kKept; ++i) {
    EXPECT_TRUE(seen.contains(Key(i))) << Key(i);
  }
}

TEST_P(StoreTest, ScanReturnsKeysPresentThroughoutWhileOthersComeAndGo) {
  for (int i = 0; i < 300; ++i) {
    Put(store_, 0, Key(i), "v");
  }
  std::set<std::string> seen;
  uint64_t cursor = 0;
  int round = 0;
  do {
    std::vector<std::string> out;
    cursor = store_.Scan(0, cursor, 3, kNow, &out);
    seen.insert(out.begin(), out.end());
    // Alternate bursts of inserts and deletes so tables grow and shrink mid-iteration.
    const bool grow = (round / 5) % 2 == 0;
    for (int j = 0; j < 400; ++j) {
      const std::string key = "tmp:" + std::to_string(j);
      if (grow) {
        Put(store_, 0, key, "v");
      } else {
        store_.WithKey(0, key, kNow, [](KeySlot& slot) { slot.Delete(); });
      }
    }
    ++round;
    ASSERT_LT(round, 100'000);
  } while (cursor != 0);
  for (int i = 0; i < 300; ++i) {
    EXPECT_TRUE(seen.contains(Key(i))) << Key(i);
  }
}

TEST(LazyFreeTest, AsyncFlushRemovesAtOnceAndFreesLater) {
  Store store({.shards = 4, .databases = 2});
  for (int i = 0; i < 1000; ++i) {
    store.WithKey(0, "k" + std::to_string(i), kNow, [](KeySlot& slot) { slot.Set("v", 0); });
  }
  store.WithKey(1, "other", kNow, [](KeySlot& slot) { slot.Set("v", 0); });
  EXPECT_EQ(store.FlushDb(0, /*lazily=*/true), 1000u);
  EXPECT_EQ(store.DbSize(0), 0u);
  EXPECT_EQ(store.DbSize(1), 1u);
  EXPECT_EQ(store.LazyFreePending(), 1000u);
  const int64_t one_key = store.DataBytes();  // only db 1's key still counts
  EXPECT_LT(one_key, 1000);
  EXPECT_EQ(store.FreeLazily(/*budget_us=*/1'000'000), 1000u);
  EXPECT_EQ(store.LazyFreePending(), 0u);
  EXPECT_EQ(store.FreeLazily(1'000'000), 0u);
}

}  // namespace
}  // namespace cachette::store::testing
