// WATCH versions: src/store/watch.cc.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "cachette/store/store.h"
#include "store_test_support.h"

namespace cachette::store::testing {
namespace {

TEST(WatchVersionTest, WritesDeletesAndExpiryChangeTheVersionReadsDoNot) {
  Store store({.shards = 4, .databases = 2});
  Put(store, 0, "w", "1");
  WatchToken token = store.Watch(0, "w", kNow);
  EXPECT_FALSE(store.WatchBroken(token, kNow));
  store.WithKey(0, "w", kNow, [](KeySlot& slot) { slot.Lookup(); });
  store.WithKey(0, "other", kNow, [](KeySlot& slot) { slot.Set("v", 0); });
  Put(store, 1, "w", "x");
  EXPECT_FALSE(store.WatchBroken(token, kNow));
  Put(store, 0, "w", "2");
  EXPECT_TRUE(store.WatchBroken(token, kNow));
  store.Unwatch(token);

  token = store.Watch(0, "w", kNow);
  store.WithKey(0, "w", kNow, [](KeySlot& slot) { slot.Delete(); });
  EXPECT_TRUE(store.WatchBroken(token, kNow));
  store.Unwatch(token);

  Put(store, 0, "w", "3");
  token = store.Watch(0, "w", kNow);
  store.WithKey(0, "w", kNow,
                [](KeySlot& slot) { slot.SetExpire(slot.LookupForWrite(), kNow + 5); });
  EXPECT_TRUE(store.WatchBroken(token, kNow));
  store.Unwatch(token);
  EXPECT_EQ(store.WatchedKeyCount(), 0u);
}

TEST(WatchVersionTest, AKeyThatExpiresAfterWatchBreaksItEvenBeforeItIsRemoved) {
  Store store({.shards = 4, .databases = 1});
  Put(store, 0, "w", "1", kNow + 10);
  const WatchToken token = store.Watch(0, "w", kNow);
  EXPECT_FALSE(store.WatchBroken(token, kNow + 9));
  EXPECT_TRUE(store.WatchBroken(token, kNow + 10));
}

TEST(WatchVersionTest, AKeyAlreadyExpiredAtWatchTimeDoesNotBreakIt) {
  Store store({.shards = 4, .databases = 1});
  Put(store, 0, "w", "1", kNow + 10);
  const WatchToken token = store.Watch(0, "w", kNow + 20);  // logically expired, not removed
  EXPECT_TRUE(token.expired);
  EXPECT_FALSE(store.WatchBroken(token, kNow + 30));
}

TEST(WatchVersionTest, ActiveExpiryAndEvictionBreakIt) {
  Store store({.shards = 4, .databases = 1});
  Put(store, 0, "w", "1", kNow + 10);
  WatchToken token = store.Watch(0, "w", kNow);
  store.ActiveExpireCycle(kNow + 100, 1'000'000);
  EXPECT_FALSE(Exists(store, "w", kNow + 100));
  EXPECT_TRUE(store.WatchBroken(token, kNow));  // the removal itself moved the version
  store.Unwatch(token);

  store.SetEvictionPolicy(EvictionPolicy::kAllkeysLru);
  Put(store, 0, "w", "1");
  token = store.Watch(0, "w", kNow);
  store.SetBudgetPerShard(0);
  store.EvictOverBudget(kNow, 1'000'000);
  EXPECT_FALSE(Exists(store, "w"));
  EXPECT_TRUE(store.WatchBroken(token, kNow));
}

TEST(WatchVersionTest, FlushAndSwapBreakItOnlyForKeysThatExisted) {
  Store store({.shards = 4, .databases = 2});
  WatchToken missing = store.Watch(0, "missing", kNow);
  Put(store, 0, "present", "1");
  WatchToken present = store.Watch(0, "present", kNow);
  store.FlushDb(0);
  EXPECT_FALSE(store.WatchBroken(missing, kNow));
  EXPECT_TRUE(store.WatchBroken(present, kNow));

  Put(store, 1, "elsewhere", "1");
  WatchToken swapped = store.Watch(0, "elsewhere", kNow);
  store.SwapDatabases(0, 1);
  EXPECT_TRUE(store.WatchBroken(swapped, kNow));
  EXPECT_FALSE(store.WatchBroken(missing, kNow));
}

}  // namespace
}  // namespace cachette::store::testing
