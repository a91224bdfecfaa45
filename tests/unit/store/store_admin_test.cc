// Per-database figures for INFO keyspace (src/store/store_admin.cc).

#include "cachette/store/store_admin.h"

#include <gtest/gtest.h>

#include "store_test_support.h"

namespace cachette::store::testing {
namespace {

TEST_P(StoreTest, DbStatsCountsKeysExpiresAndAverageTtl) {
  EXPECT_EQ(GetKeyspaceStats(store_, 0, kNow).keys, 0u);
  Put(store_, 0, "a", "v");
  Put(store_, 0, "b", "v", kNow + 1000);
  Put(store_, 0, "c", "v", kNow + 3000);
  const KeyspaceStats stats = GetKeyspaceStats(store_, 0, kNow);
  EXPECT_EQ(stats.keys, 3u);
  EXPECT_EQ(stats.expires, 2u);
  EXPECT_EQ(stats.avg_ttl_ms, 2000);
  const KeyspaceStats none = GetKeyspaceStats(store_, 1, kNow);
  EXPECT_EQ(none.keys, 0u);
  EXPECT_EQ(none.expires, 0u);
  EXPECT_EQ(none.avg_ttl_ms, 0);
}

TEST_P(StoreTest, DbStatsAverageTtlIsZeroWithoutVolatileKeys) {
  Put(store_, 0, "a", "v");
  EXPECT_EQ(GetKeyspaceStats(store_, 0, kNow).avg_ttl_ms, 0);
}

}  // namespace
}  // namespace cachette::store::testing
