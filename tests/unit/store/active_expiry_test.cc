// Active expiry (src/store/active_expiry.cc): expired keys nobody reads are reclaimed in
// bounded steps, live keys are left alone, and SCAN goes on correctly afterwards.

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "cachette/store/store.h"
#include "cachette/store/store_admin.h"
#include "store_test_support.h"

namespace cachette::store::testing {
namespace {

class ActiveExpiryTest : public StoreTest {};

INSTANTIATE_TEST_SUITE_P(Shards, ActiveExpiryTest, ::testing::ValuesIn(kShardCounts),
                         ShardCountName);

TEST_P(ActiveExpiryTest, ActiveExpiryRemovesExpiredKeysNobodyReads) {
  constexpr int64_t kBudgetUs = 10'000'000;
  for (int i = 0; i < 2000; ++i) {
    Put(store_, i % 2 == 0 ? 0 : 2, Key(i), "v", kNow + 10);  // expired at kNow + 10
  }
  for (int i = 0; i < 200; ++i) {
    Put(store_, 0, "live:" + std::to_string(i), "v", kNow + 100000);
    Put(store_, 0, "plain:" + std::to_string(i), "v");
  }
  EXPECT_EQ(store_.ActiveExpireCycle(kNow + 10, kBudgetUs), 2000u);
  EXPECT_EQ(store_.DbSize(0), 400u);
  EXPECT_EQ(store_.DbSize(2), 0u);
  EXPECT_EQ(GetKeyspaceStats(store_, 0, kNow + 10).expires, 200u);
  EXPECT_EQ(store_.SumCounters().expired_keys, 2000u);
  EXPECT_EQ(Get(store_, 0, "live:0", kNow + 10), "v");
  EXPECT_EQ(Get(store_, 0, "plain:0", kNow + 10), "v");
}

TEST_P(ActiveExpiryTest, ActiveExpiryLeavesLiveKeysAlone) {
  for (int i = 0; i < 500; ++i) {
    Put(store_, 1, Key(i), "v", i % 2 == 0 ? kNow + 1000 : 0);
  }
  EXPECT_EQ(store_.ActiveExpireCycle(kNow, 10'000'000), 0u);
  EXPECT_EQ(store_.DbSize(1), 500u);
  EXPECT_EQ(store_.SumCounters().expired_keys, 0u);
}

TEST_P(ActiveExpiryTest, ActiveExpiryOfAnEmptyStoreDoesNothing) {
  EXPECT_EQ(store_.ActiveExpireCycle(kNow, 0), 0u);
}

TEST_P(ActiveExpiryTest, ActiveExpiryWithNoBudgetStillMakesProgress) {
  for (int i = 0; i < 1000; ++i) {
    Put(store_, 0, Key(i), "v", kNow + 1);
  }
  const uint64_t removed = store_.ActiveExpireCycle(kNow + 1, 0);
  EXPECT_GT(removed, 0u);
  EXPECT_EQ(store_.DbSize(0), 1000u - removed);
  // Further cycles finish the job.
  uint64_t total = removed;
  for (int i = 0; i < 10000 && total < 1000; ++i) {
    total += store_.ActiveExpireCycle(kNow + 1, 0);
  }
  EXPECT_EQ(total, 1000u);
  EXPECT_EQ(store_.DbSize(0), 0u);
}

TEST_P(ActiveExpiryTest, ScanContinuesCorrectlyAfterActiveExpiry) {
  for (int i = 0; i < 300; ++i) {
    Put(store_, 0, Key(i), "v");
  }
  for (int i = 0; i < 3000; ++i) {
    Put(store_, 0, "tmp:" + std::to_string(i), "v", kNow + 1);
  }
  std::set<std::string> seen;
  uint64_t cursor = 0;
  bool expired = false;
  do {
    std::vector<std::string> out;
    cursor = store_.Scan(0, cursor, 10, kNow, &out);
    seen.insert(out.begin(), out.end());
    if (!expired) {
      // Mid-iteration, every volatile key goes and the tables shrink.
      store_.ActiveExpireCycle(kNow + 1, 10'000'000);
      expired = true;
    }
  } while (cursor != 0);
  for (int i = 0; i < 300; ++i) {
    EXPECT_TRUE(seen.contains(Key(i))) << Key(i);
  }
}

}  // namespace
}  // namespace cachette::store::testing
