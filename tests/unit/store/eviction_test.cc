// Eviction under a memory budget: which keys each policy gives up, and the OOM signal.

#include <gtest/gtest.h>

#include <string>

#include "cachette/store/store.h"
#include "detail/entry_arena.h"

namespace cachette::store {
namespace {

constexpr int64_t kNow = 1'700'000'000'000;  // a fixed instant; nothing here sleeps

class EvictionTest : public ::testing::Test {
 protected:
  // One shard, so the whole budget is one shard's and the order is exact.
  Store store_{{.shards = 1, .databases = 2}};

  void Set(const std::string& key, int64_t expire_ms = 0, int64_t now = kNow, size_t db = 0) {
    store_.WithKey(db, key, now,
                   [&](KeySlot& slot) { slot.Set(std::string(100, 'v'), expire_ms); });
  }
  bool Exists(const std::string& key, size_t db = 0) {
    return store_.WithKey(db, key, kNow, [](KeySlot& slot) { return slot.Peek() != nullptr; });
  }
  void Read(const std::string& key, int64_t now) {
    store_.WithKey(0, key, now, [](KeySlot& slot) { slot.Lookup(); });
  }
  // The budget that holds exactly `keys` keys like the ones Set writes (and their buckets).
  int64_t BudgetFor(int keys) {
    Store probe({.shards = 1, .databases = 2});
    for (int i = 0; i < keys; ++i) {
      probe.WithKey(0, "probe" + std::to_string(i), kNow,
                    [](KeySlot& slot) { slot.Set(std::string(100, 'v'), 0); });
    }
    return probe.DataBytes();
  }
};

TEST_F(EvictionTest, AllkeysLruEvictsTheLeastRecentlyUsed) {
  store_.SetEvictionPolicy(EvictionPolicy::kAllkeysLru);
  // Six keys and then a seventh: all fit in eight buckets, so only entries change the bytes.
  for (int i = 0; i < 6; ++i) {
    Set("k" + std::to_string(i), 0, kNow + i * 1000);
  }
  Read("k0", kNow + 10'000);  // k0 is now the most recent: k1 is the oldest
  store_.SetBudgetPerShard(BudgetFor(6));
  Set("k4", 0, kNow + 20'000);
  Set("k6", 0, kNow + 20'000);
  EXPECT_TRUE(Exists("k0"));
  EXPECT_FALSE(Exists("k1"));
  EXPECT_TRUE(Exists("k2"));
  EXPECT_TRUE(Exists("k4"));
  EXPECT_EQ(store_.SumCounters().evicted_keys, 1u);
  EXPECT_FALSE(store_.MemoryFull());
}

TEST_F(EvictionTest, AllkeysLruComparesKeysWithAndWithoutExpiry) {
  store_.SetEvictionPolicy(EvictionPolicy::kAllkeysLru);
  Set("persistent", 0, kNow);
  Set("volatile", kNow + 3'600'000, kNow + 5000);
  store_.SetBudgetPerShard(BudgetFor(2));
  Set("new", 0, kNow + 10'000);
  EXPECT_FALSE(Exists("persistent"));
  EXPECT_TRUE(Exists("volatile"));
}

TEST_F(EvictionTest, VolatileLruEvictsOnlyKeysWithAnExpiry) {
  store_.SetEvictionPolicy(EvictionPolicy::kVolatileLru);
  Set("persistent", 0, kNow);
  Set("volatile-old", kNow + 3'600'000, kNow + 1000);
  Set("volatile-new", kNow + 3'600'000, kNow + 2000);
  // Exactly these three keys (the probes of BudgetFor have shorter keys, and without jemalloc
  // the 16-byte steps of glibc's chunks can tell the two apart): one eviction makes room for
  // a key shorter than the evicted one.
  store_.SetBudgetPerShard(store_.DataBytes());
  Set("another", 0, kNow + 3000);
  EXPECT_TRUE(Exists("persistent"));
  EXPECT_FALSE(Exists("volatile-old"));
  EXPECT_TRUE(Exists("volatile-new"));
}

TEST_F(EvictionTest, VolatilePolicyWithNoVolatileKeyMarksMemoryFull) {
  store_.SetEvictionPolicy(EvictionPolicy::kVolatileLru);
  Set("a");
  Set("b");
  store_.SetBudgetPerShard(BudgetFor(2));
  Set("c");
  EXPECT_TRUE(store_.MemoryFull());
  EXPECT_TRUE(Exists("a"));
  store_.WithKey(0, "a", kNow, [](KeySlot& slot) { slot.Delete(); });
  store_.WithKey(0, "b", kNow, [](KeySlot& slot) { slot.Delete(); });
  EXPECT_FALSE(store_.MemoryFull());
}

TEST_F(EvictionTest, NoevictionKeepsEverythingAndReportsFull) {
  store_.SetEvictionPolicy(EvictionPolicy::kNoEviction);
  Set("a");
  Set("b");
  store_.SetBudgetPerShard(BudgetFor(1));
  EXPECT_FALSE(store_.MemoryFull());  // nothing was written since the budget shrank
  Set("c");
  EXPECT_TRUE(store_.MemoryFull());
  EXPECT_TRUE(Exists("a") && Exists("b") && Exists("c"));
  EXPECT_EQ(store_.SumCounters().evicted_keys, 0u);
  store_.FlushAll();
  EXPECT_FALSE(store_.MemoryFull());
}

TEST_F(EvictionTest, VolatileTtlEvictsTheNearestExpiry) {
  store_.SetEvictionPolicy(EvictionPolicy::kVolatileTtl);
  store_.SetEvictionSamples(64);  // more samples than keys: the choice is exact
  Set("soon", kNow + 10'000);
  Set("later", kNow + 20'000);
  Set("latest", kNow + 30'000);
  store_.SetBudgetPerShard(BudgetFor(3));
  Set("new", kNow + 40'000);
  EXPECT_FALSE(Exists("soon"));
  EXPECT_TRUE(Exists("later"));
}

TEST_F(EvictionTest, AllkeysLfuKeepsTheFrequentlyRead) {
  store_.SetEvictionPolicy(EvictionPolicy::kAllkeysLfu);
  store_.SetEvictionSamples(64);
  store_.SetLfuParameters(/*log_factor=*/0, /*decay_minutes=*/0);  // every read counts
  Set("hot");
  Set("cold");
  for (int i = 0; i < 50; ++i) {
    Read("hot", kNow);
  }
  store_.SetBudgetPerShard(BudgetFor(2));
  Set("new");
  EXPECT_TRUE(Exists("hot"));
  EXPECT_FALSE(Exists("cold") && Exists("new"));
}

TEST_F(EvictionTest, AllkeysRandomEvictsSomeOtherKey) {
  store_.SetEvictionPolicy(EvictionPolicy::kAllkeysRandom);
  for (int i = 0; i < 10; ++i) {
    Set("k" + std::to_string(i));
  }
  store_.SetBudgetPerShard(store_.DataBytes());  // exactly what the ten keys take
  Set("new");
  EXPECT_TRUE(Exists("new"));
  EXPECT_GE(store_.SumCounters().evicted_keys, 1u);
  EXPECT_FALSE(store_.MemoryFull());
}

TEST_F(EvictionTest, EvictionSpansDatabases) {
  store_.SetEvictionPolicy(EvictionPolicy::kAllkeysLru);
  Set("old", 0, kNow, /*db=*/1);
  Set("young", 0, kNow + 5000, /*db=*/0);
  store_.SetBudgetPerShard(BudgetFor(2));
  Set("new", 0, kNow + 9000, /*db=*/0);
  EXPECT_FALSE(Exists("old", 1));
  EXPECT_TRUE(Exists("young", 0));
}

TEST_F(EvictionTest, LoweringTheBudgetEvictsInSlices) {
  store_.SetEvictionPolicy(EvictionPolicy::kAllkeysLru);
  for (int i = 0; i < 200; ++i) {
    Set("k" + std::to_string(i), 0, kNow + i);
  }
  store_.SetBudgetPerShard(BudgetFor(50));
  const uint64_t evicted = store_.EvictOverBudget(kNow + 1000, /*budget_us=*/1'000'000);
  EXPECT_GE(evicted, 140u);
  EXPECT_LE(store_.DataBytes(), BudgetFor(50));
  EXPECT_TRUE(Exists("k199"));
  EXPECT_FALSE(Exists("k0"));
}

TEST_F(EvictionTest, DataBytesFollowWritesAndDeletes) {
  EXPECT_EQ(store_.DataBytes(), 0);
  Set("a");
  const int64_t one = store_.DataBytes();
  EXPECT_GT(one, static_cast<int64_t>(EntryArena::SlotSize(Entry::BytesFor(1, 100))) - 1);
  Set("a");  // overwriting the same size changes nothing
  EXPECT_EQ(store_.DataBytes(), one);
  store_.WithKey(0, "a", kNow, [](KeySlot& slot) { slot.Delete(); });
  EXPECT_EQ(store_.DataBytes(), 0);
}

TEST_F(EvictionTest, IdleSecondsAndFrequencyComeFromTheAccessField) {
  store_.SetEvictionPolicy(EvictionPolicy::kAllkeysLru);
  Set("k", 0, kNow);
  store_.WithKey(0, "k", kNow + 42'000, [&](KeySlot& slot) {
    EXPECT_EQ(store_.IdleSeconds(*slot.Peek(), kNow + 42'000), 42);
  });
  store_.SetEvictionPolicy(EvictionPolicy::kAllkeysLfu);
  Set("f", 0, kNow);
  store_.WithKey(0, "f", kNow, [&](KeySlot& slot) {
    EXPECT_EQ(store_.Frequency(*slot.Peek(), kNow), 5);  // Redis's initial LFU value
  });
}

// The instant `ms` milliseconds into tick `tick` of an LRU clock period: the clock (1 s ticks
// modulo 2^27) reads 0 at tick 0 and wraps again at tick 2^27 (4.2 years later).
constexpr int64_t kLruWrap = int64_t{1} << 27;
int64_t AtLruTick(int64_t tick, int64_t ms = 0) {
  return ((kNow / 1000 / kLruWrap + 1) * kLruWrap + tick) * 1000 + ms;
}

TEST_F(EvictionTest, IdleSecondsCountWholeSeconds) {
  store_.SetEvictionPolicy(EvictionPolicy::kAllkeysLru);
  Set("k", 0, AtLruTick(1000, 500));
  store_.WithKey(0, "k", AtLruTick(1000, 500), [&](KeySlot& slot) {
    const Entry& entry = *slot.Peek();
    EXPECT_EQ(store_.IdleSeconds(entry, AtLruTick(1000, 999)), 0);
    EXPECT_EQ(store_.IdleSeconds(entry, AtLruTick(1001, 0)), 1);
    EXPECT_EQ(store_.IdleSeconds(entry, AtLruTick(1042, 0)), 42);
  });
}

TEST_F(EvictionTest, IdleSecondsAreRightAcrossTheClockWrap) {
  store_.SetEvictionPolicy(EvictionPolicy::kAllkeysLru);
  Set("k", 0, AtLruTick(kLruWrap - 3));
  Read("k", AtLruTick(kLruWrap - 3));  // the referenced bit is not part of the age
  store_.WithKey(0, "k", AtLruTick(kLruWrap - 3), [&](KeySlot& slot) {
    const Entry& entry = *slot.Peek();
    EXPECT_EQ(store_.IdleSeconds(entry, AtLruTick(kLruWrap - 1)), 2);
    EXPECT_EQ(store_.IdleSeconds(entry, AtLruTick(kLruWrap)), 3);
    EXPECT_EQ(store_.IdleSeconds(entry, AtLruTick(kLruWrap + 7)), 10);
    // Up to one whole wrap (4.2 years) later; Redis's clock wraps after 194 days.
    EXPECT_EQ(store_.IdleSeconds(entry, AtLruTick(2 * kLruWrap - 4)), kLruWrap - 1);
    EXPECT_GT(kLruWrap - 1, int64_t{194} * 24 * 3600);
  });
}

TEST_F(EvictionTest, LruComparesAgesAcrossTheClockWrap) {
  // The older key's stamp is numerically the larger one: the clock wrapped in between.
  for (size_t old_db : {size_t{0}, size_t{1}}) {
    Store store({.shards = 1, .databases = 2});
    store.SetEvictionPolicy(EvictionPolicy::kAllkeysLru);
    auto set = [&](const std::string& key, int64_t now, size_t db) {
      store.WithKey(db, key, now, [](KeySlot& slot) { slot.Set(std::string(100, 'v'), 0); });
    };
    auto exists = [&](const std::string& key, size_t db) {
      return store.WithKey(db, key, AtLruTick(kLruWrap + 10),
                           [](KeySlot& slot) { return slot.Peek() != nullptr; });
    };
    set("old", AtLruTick(kLruWrap - 5), old_db);
    set("young", AtLruTick(kLruWrap + 2), 1 - old_db);
    store.SetBudgetPerShard(BudgetFor(2));
    set("new", AtLruTick(kLruWrap + 10), 1 - old_db);
    EXPECT_FALSE(exists("old", old_db)) << old_db;
    EXPECT_TRUE(exists("young", 1 - old_db)) << old_db;
    EXPECT_TRUE(exists("new", 1 - old_db)) << old_db;
  }
}

TEST_F(EvictionTest, LruKeepsAKeyReadOftenWhileWritesFloodTheSameTick) {
  // Every operation at the same instant: recency cannot come from the clock.
  store_.SetEvictionPolicy(EvictionPolicy::kAllkeysLru);
  store_.SetBudgetPerShard(BudgetFor(20));
  Set("hot");
  for (int i = 0; i < 2000; ++i) {
    Set("cold" + std::to_string(i));
    if (i % 10 == 0) {
      Read("hot", kNow);  // read twice per lap of the 20 keys the budget holds
    }
  }
  EXPECT_GT(store_.SumCounters().evicted_keys, 1900u);
  EXPECT_TRUE(Exists("hot"));
  EXPECT_FALSE(Exists("cold0"));
  EXPECT_TRUE(Exists("cold1999"));
}

TEST_F(EvictionTest, LruEvictsTheOldestWhenEveryKeyWasRead) {
  store_.SetEvictionPolicy(EvictionPolicy::kAllkeysLru);
  for (int i = 0; i < 6; ++i) {
    Set("k" + std::to_string(i));
  }
  for (int i = 5; i >= 0; --i) {
    Read("k" + std::to_string(i), kNow);
  }
  store_.SetBudgetPerShard(BudgetFor(6));
  Set("new");
  // Every key had its second chance, in list order: the first one written goes.
  EXPECT_FALSE(Exists("k0"));
  for (int i = 1; i < 6; ++i) {
    EXPECT_TRUE(Exists("k" + std::to_string(i))) << i;
  }
  EXPECT_EQ(store_.SumCounters().evicted_keys, 1u);
}

TEST_F(EvictionTest, LruReadsUnderNoTouchGiveNoSecondChance) {
  store_.SetEvictionPolicy(EvictionPolicy::kAllkeysLru);
  Set("a");
  Set("b");
  {
    NoTouchScope no_touch;
    Read("a", kNow);
  }
  store_.SetBudgetPerShard(BudgetFor(2));
  Set("c");
  EXPECT_FALSE(Exists("a"));
  EXPECT_TRUE(Exists("b"));
}

TEST_F(EvictionTest, LfuFieldKeepsMinutesAndCounterIn24Bits) {
  store_.SetEvictionPolicy(EvictionPolicy::kAllkeysLfu);
  store_.SetLfuParameters(/*log_factor=*/0, /*decay_minutes=*/1);
  Set("f", 0, kNow);
  for (int i = 0; i < 10; ++i) {
    Read("f", kNow);  // log factor 0: every read counts
  }
  store_.WithKey(0, "f", kNow, [&](KeySlot& slot) {
    EXPECT_EQ(store_.Frequency(*slot.Peek(), kNow), 15);
    EXPECT_EQ(store_.Frequency(*slot.Peek(), kNow + 3 * 60'000), 12);  // one per minute
    EXPECT_EQ(slot.Peek()->access() >> 24, 0u);
  });
}

}  // namespace
}  // namespace cachette::store
