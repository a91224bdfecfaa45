#include "cachette/store/invalidation.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "cachette/store/store.h"

namespace cachette::store {
namespace {

constexpr int64_t kNow = 1'000'000;

void Put(Store& store, size_t db, std::string_view key, int64_t expire_ms = 0) {
  store.WithKey(db, key, kNow, [&](KeySlot& slot) { slot.Set("v", expire_ms); });
}

bool Exists(Store& store, size_t db, std::string_view key) {
  return store.WithKey(db, key, kNow, [&](KeySlot& slot) { return slot.Lookup() != nullptr; });
}

std::vector<std::string> AllKeys(Store& store, size_t db) {
  std::vector<std::string> keys;
  store.Keys(db, "*", kNow, &keys);
  std::sort(keys.begin(), keys.end());
  return keys;
}

// Fills db 0 with `per_prefix` keys under each of "a:", "ab:", "b:".
void Fill(Store& store, int per_prefix) {
  for (int i = 0; i < per_prefix; ++i) {
    for (const char* prefix : {"a:", "ab:", "b:"}) {
      Put(store, 0, prefix + std::to_string(i));
    }
  }
}

uint64_t RunToEnd(Store& store, const std::shared_ptr<Invalidation>& job) {
  while (store.ContinueInvalidation(*job, 0) != InvalidationProgress::kDone) {
  }
  return job->removed();
}

TEST(InvalidationRuleTest, PrefixesDropThoseCoveredByShorterOnes) {
  const auto rule = InvalidationRule::Prefixes(0, {"ab", "a", "b:1", "b:", "a"});
  EXPECT_EQ(rule.ranges(), (std::vector<std::string>{"a", "b:"}));
  EXPECT_TRUE(rule.Matches("abc"));
  EXPECT_TRUE(rule.Matches("b:7"));
  EXPECT_FALSE(rule.Matches("b7"));
}

TEST(InvalidationRuleTest, PatternsWalkTheirLiteralPrefix) {
  const auto plain = InvalidationRule::Pattern(0, "user:42:*");
  EXPECT_EQ(plain.ranges(), (std::vector<std::string>{"user:42:"}));
  EXPECT_TRUE(plain.Matches("user:42:"));
  EXPECT_TRUE(plain.Matches("user:42:x"));
  EXPECT_FALSE(plain.Matches("user:421"));

  const auto glob = InvalidationRule::Pattern(0, "user:4?:*:page");
  EXPECT_EQ(glob.ranges(), (std::vector<std::string>{"user:4"}));
  EXPECT_TRUE(glob.Matches("user:42:x:page"));
  EXPECT_FALSE(glob.Matches("user:42:x:pages"));

  const auto anywhere = InvalidationRule::Pattern(0, "*:page");
  EXPECT_EQ(anywhere.ranges(), (std::vector<std::string>{""}));
  EXPECT_TRUE(anywhere.Matches("x:page"));

  // An escaped '*' is a literal character, not "any suffix".
  const auto escaped = InvalidationRule::Pattern(0, "a\\*");
  EXPECT_TRUE(escaped.Matches("a*"));
  EXPECT_FALSE(escaped.Matches("a*b"));

  const auto everything = InvalidationRule::Pattern(0, "*");
  EXPECT_TRUE(everything.Matches(""));
}

TEST(StoreInvalidationTest, KeysVanishAtBeginAndTheSweepCountsThem) {
  Store store({.shards = 16, .databases = 2});
  Fill(store, 500);
  Put(store, 1, "a:1");  // another database: untouched
  const auto job = store.BeginInvalidation(InvalidationRule::Prefixes(0, {"a:"}), kNow);
  // Before any sweeping: nothing matching is visible by any path.
  EXPECT_FALSE(Exists(store, 0, "a:7"));
  EXPECT_TRUE(Exists(store, 0, "ab:7"));
  EXPECT_EQ(store.DbSize(0), 1000u);
  const auto keys = AllKeys(store, 0);
  EXPECT_TRUE(std::none_of(keys.begin(), keys.end(),
                           [](const std::string& key) { return key.starts_with("a:"); }));
  EXPECT_EQ(RunToEnd(store, job), 500u);
  EXPECT_EQ(store.PendingInvalidations(), 0u);
  EXPECT_TRUE(Exists(store, 1, "a:1"));
}

TEST(StoreInvalidationTest, KeysWrittenAfterBeginSurviveTheSweep) {
  Store store({.shards = 8, .databases = 1});
  Fill(store, 2000);
  const auto job = store.BeginInvalidation(InvalidationRule::Prefixes(0, {"a:", "b:"}), kNow);
  Put(store, 0, "a:new");
  Put(store, 0, "b:5");  // rewritten: the old one is invalidated, the new one stays
  EXPECT_EQ(RunToEnd(store, job), 4000u);
  EXPECT_TRUE(Exists(store, 0, "a:new"));
  EXPECT_TRUE(Exists(store, 0, "b:5"));
  EXPECT_FALSE(Exists(store, 0, "b:6"));
  EXPECT_EQ(store.DbSize(0), 2002u);
}

TEST(StoreInvalidationTest, ExpiredKeysAreRemovedButNotCounted) {
  Store store({.shards = 4, .databases = 1});
  Put(store, 0, "a:live");
  Put(store, 0, "a:gone", kNow - 1);
  Put(store, 0, "a:later", kNow + 60'000);
  const auto job = store.BeginInvalidation(InvalidationRule::Prefixes(0, {"a:"}), kNow);
  EXPECT_EQ(RunToEnd(store, job), 2u);
  EXPECT_EQ(store.DbSize(0), 0u);
}

TEST(StoreInvalidationTest, PatternsWithAndWithoutALiteralPrefix) {
  Store store({.shards = 8, .databases = 1});
  for (int i = 0; i < 300; ++i) {
    Put(store, 0, "user:" + std::to_string(i) + ":page");
    Put(store, 0, "user:" + std::to_string(i) + ":profile");
  }
  auto job = store.BeginInvalidation(InvalidationRule::Pattern(0, "user:1*:page"), kNow);
  // user:1, user:10-19, user:100-199
  EXPECT_EQ(RunToEnd(store, job), 111u);
  EXPECT_FALSE(Exists(store, 0, "user:150:page"));
  EXPECT_TRUE(Exists(store, 0, "user:150:profile"));
  EXPECT_TRUE(Exists(store, 0, "user:250:page"));
  job = store.BeginInvalidation(InvalidationRule::Pattern(0, "*:profile"), kNow);
  EXPECT_EQ(RunToEnd(store, job), 300u);
  EXPECT_EQ(store.DbSize(0), 189u);
}

TEST(StoreInvalidationTest, AnInvalidationWithNothingToDoIsDoneAtOnce) {
  Store store({.shards = 8, .databases = 1});
  Fill(store, 10);
  const auto job = store.BeginInvalidation(InvalidationRule::Prefixes(0, {"zzz"}), kNow);
  EXPECT_TRUE(job->done());
  EXPECT_EQ(store.PendingInvalidations(), 0u);
}

TEST(StoreInvalidationTest, WatchesOfMatchingKeysBreakAtBegin) {
  Store store({.shards = 8, .databases = 1});
  Fill(store, 10);
  const WatchToken matching = store.Watch(0, "a:3", kNow);
  const WatchToken other = store.Watch(0, "b:3", kNow);
  const WatchToken missing = store.Watch(0, "a:missing", kNow);
  const auto job = store.BeginInvalidation(InvalidationRule::Prefixes(0, {"a:"}), kNow);
  EXPECT_TRUE(store.WatchBroken(matching, kNow));
  EXPECT_FALSE(store.WatchBroken(other, kNow));
  EXPECT_FALSE(store.WatchBroken(missing, kNow));
  RunToEnd(store, job);
}

TEST(StoreInvalidationTest, OneInvalidationRunsAtATime) {
  Store store({.shards = 8, .databases = 1});
  Fill(store, 1000);
  const auto first = store.BeginInvalidation(InvalidationRule::Prefixes(0, {"a"}), kNow);
  // A second one waits for the first (so no key is removed or counted twice).
  EXPECT_EQ(store.BeginInvalidation(InvalidationRule::Prefixes(0, {"ab:"}), kNow), nullptr);
  EXPECT_EQ(RunToEnd(store, first), 2000u);
  const auto second = store.BeginInvalidation(InvalidationRule::Prefixes(0, {"ab:"}), kNow);
  ASSERT_NE(second, nullptr);
  EXPECT_EQ(RunToEnd(store, second), 0u);
  // Inside EXEC or a script (every shard held), the running one is finished first.
  const auto third = store.BeginInvalidation(InvalidationRule::Prefixes(0, {"b:"}), kNow);
  {
    auto hold = store.HoldShards({}, /*all=*/true);
    const auto fourth = store.BeginInvalidation(InvalidationRule::Prefixes(0, {"b:1"}), kNow);
    ASSERT_NE(fourth, nullptr);
    EXPECT_EQ(RunToEnd(store, fourth), 0u);
  }
  EXPECT_TRUE(third->done());
  EXPECT_EQ(third->removed(), 1000u);
  EXPECT_EQ(store.DbSize(0), 0u);
}

TEST(StoreInvalidationTest, ReadersDuringASweepSeeAllOrNothing) {
  Store store({.shards = 64, .databases = 1});
  constexpr int kKeys = 20000;
  for (int i = 0; i < kKeys; ++i) {
    Put(store, 0, "doomed:" + std::to_string(i));
  }
  std::atomic<bool> begun{false};
  std::atomic<bool> stop{false};
  std::atomic<int> partial{0};
  std::thread reader([&] {
    while (!stop.load()) {
      const bool was_begun = begun.load();
      // Two keys in different shards: never one without the other.
      const bool first = Exists(store, 0, "doomed:1");
      const bool last = Exists(store, 0, "doomed:" + std::to_string(kKeys - 1));
      if (first != last && was_begun == begun.load()) {
        ++partial;
      }
      if (was_begun && (first || last)) {
        ++partial;
      }
    }
  });
  const auto job = store.BeginInvalidation(InvalidationRule::Prefixes(0, {"doomed:"}), kNow);
  begun.store(true);
  while (store.ContinueInvalidation(*job, 50) != InvalidationProgress::kDone) {
  }
  stop.store(true);
  reader.join();
  EXPECT_EQ(job->removed(), static_cast<uint64_t>(kKeys));
  EXPECT_EQ(partial.load(), 0);
  EXPECT_EQ(store.DbSize(0), 0u);
}

TEST(StoreInvalidationTest, DbSizeKeysAndScanLeaveTheSweepToItsDriver) {
  Store store({.shards = 8, .databases = 1});
  Fill(store, 1000);
  const auto job = store.BeginInvalidation(InvalidationRule::Prefixes(0, {"a:"}), kNow);
  EXPECT_EQ(store.DbSize(0), 2000u);
  EXPECT_EQ(AllKeys(store, 0).size(), 2000u);
  std::vector<std::string> scanned;
  uint64_t cursor = 0;
  do {
    cursor = store.Scan(0, cursor, 100, kNow, &scanned);
  } while (cursor != 0);
  EXPECT_EQ(scanned.size(), 2000u);
  const auto random = store.RandomKey(0, kNow);
  ASSERT_TRUE(random.has_value());
  EXPECT_FALSE(random->starts_with("a:"));
  // None of them swept: the counts came from the key index.
  EXPECT_EQ(store.PendingInvalidations(), 8u);
  EXPECT_EQ(RunToEnd(store, job), 1000u);
  EXPECT_EQ(store.DbSize(0), 2000u);
}

TEST(StoreInvalidationTest, FlushDbCountsWhatAnInvalidationStillHeld) {
  Store store({.shards = 8, .databases = 1});
  Fill(store, 100);
  const auto job = store.BeginInvalidation(InvalidationRule::Prefixes(0, {"a:"}), kNow);
  store.FlushDb(0);
  EXPECT_TRUE(job->done());
  EXPECT_EQ(job->removed(), 100u);
}

TEST(StoreInvalidationTest, ActiveExpiryDoesNotTakeKeysAnInvalidationRemoves) {
  Store store({.shards = 4, .databases = 1});
  for (int i = 0; i < 100; ++i) {
    Put(store, 0, "a:" + std::to_string(i), kNow + 10);
  }
  const auto job = store.BeginInvalidation(InvalidationRule::Prefixes(0, {"a:"}), kNow);
  store.ActiveExpireCycle(kNow + 1000, 100'000);
  EXPECT_EQ(RunToEnd(store, job), 100u);
  EXPECT_EQ(store.SumCounters().expired_keys, 0u);
}

TEST(StoreInvalidationTest, ASliceDoesNotWaitForAShardAnotherThreadHolds) {
  Store store({.shards = 8, .databases = 1});
  Fill(store, 100);
  const auto job = store.BeginInvalidation(InvalidationRule::Prefixes(0, {"a:"}), kNow);
  std::atomic<bool> held{false};
  std::atomic<bool> release{false};
  std::thread script([&] {
    const auto hold = store.HoldShards({}, /*all=*/true);
    held.store(true);
    while (!release.load()) {
      std::this_thread::yield();
    }
  });
  while (!held.load()) {
    std::this_thread::yield();
  }
  EXPECT_EQ(store.ContinueInvalidation(*job, 1000), InvalidationProgress::kBlocked);
  release.store(true);
  script.join();
  EXPECT_EQ(RunToEnd(store, job), 100u);
}

TEST(StoreInvalidationTest, ExpirySlicesStillStepAsideForScriptsAfterInvalidations) {
  // BeginInvalidation locks every shard for a moment; that must not unbalance the count of
  // whole-store holds that tells expiry slices to step aside while a script runs.
  Store store({.shards = 8, .databases = 1});
  Fill(store, 10);
  for (int i = 0; i < 3; ++i) {
    RunToEnd(store, store.BeginInvalidation(InvalidationRule::Prefixes(0, {"b:"}), kNow));
  }
  Put(store, 0, "ttl", kNow + 1);
  auto hold = store.HoldShards({}, /*all=*/true);
  std::atomic<bool> returned{false};
  std::thread slice([&] {
    uint64_t removed = 0;
    store.ActiveExpireSlice(kNow + 1000, 1000, 0, 1, &removed);
    returned.store(true);
  });
  for (int i = 0; i < 2000 && !returned.load(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  const bool stepped_aside = returned.load();
  // (Release the hold either way, so that a failing slice can finish.)
  hold.reset();
  slice.join();
  EXPECT_TRUE(stepped_aside);
}

}  // namespace
}  // namespace cachette::store
