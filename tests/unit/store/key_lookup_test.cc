// Key lookup and its side effects (src/store/key_lookup.cc): what Set, Put, SetExpire, Delete
// and the lookups do to the table, expiry on read and hit/miss counting.

#include <gtest/gtest.h>

#include "cachette/store/store.h"
#include "cachette/store/store_admin.h"
#include "store_test_support.h"

namespace cachette::store::testing {
namespace {

TEST_P(StoreTest, SetThenLookupReturnsTheValue) {
  Put(store_, 0, "k", "v");
  EXPECT_EQ(Get(store_, 0, "k"), "v");
  EXPECT_EQ(Get(store_, 0, "other"), "<missing>");
}

TEST_P(StoreTest, SetReplacesTheValueAndExpiry) {
  Put(store_, 0, "k", "v1", kNow + 100);
  Put(store_, 0, "k", "v2");
  EXPECT_EQ(Get(store_, 0, "k"), "v2");
  EXPECT_EQ(store_.DbSize(0), 1u);
  EXPECT_EQ(GetKeyspaceStats(store_, 0, kNow).expires, 0u);
}

TEST_P(StoreTest, DeleteReportsWhetherALiveKeyWasThere) {
  Put(store_, 0, "k", "v");
  EXPECT_TRUE(store_.WithKey(0, "k", kNow, [](KeySlot& slot) { return slot.Delete(); }));
  EXPECT_FALSE(store_.WithKey(0, "k", kNow, [](KeySlot& slot) { return slot.Delete(); }));
  EXPECT_EQ(store_.DbSize(0), 0u);
}

TEST_P(StoreTest, PutInsertsOrReplacesACallerBuiltEntry) {
  store_.WithKey(0, "k", kNow, [](KeySlot& slot) {
    Entry* current = slot.LookupForWrite();
    EXPECT_EQ(current, nullptr);
    slot.Put(current, slot.NewEntry("first", 0));
  });
  store_.WithKey(0, "k", kNow, [](KeySlot& slot) {
    Entry* current = slot.LookupForWrite();
    ASSERT_NE(current, nullptr);
    slot.Put(current, slot.NewEntry("second", kNow + 10));
  });
  EXPECT_EQ(Get(store_, 0, "k"), "second");
  EXPECT_EQ(store_.DbSize(0), 1u);
  EXPECT_EQ(GetKeyspaceStats(store_, 0, kNow).expires, 1u);
}

TEST_P(StoreTest, SetExpireKeepsTheExpiresCountRight) {
  Put(store_, 0, "k", "v");
  auto set_expire = [&](int64_t expire_ms) {
    store_.WithKey(0, "k", kNow,
                   [&](KeySlot& slot) { slot.SetExpire(slot.LookupForWrite(), expire_ms); });
  };
  set_expire(kNow + 100);
  EXPECT_EQ(GetKeyspaceStats(store_, 0, kNow).expires, 1u);
  set_expire(kNow + 200);
  EXPECT_EQ(GetKeyspaceStats(store_, 0, kNow).expires, 1u);
  set_expire(0);
  EXPECT_EQ(GetKeyspaceStats(store_, 0, kNow).expires, 0u);
}

TEST_P(StoreTest, LookupBeforeTheExpiryFindsTheKey) {
  Put(store_, 0, "k", "v", kNow + 100);
  EXPECT_EQ(Get(store_, 0, "k", kNow + 99), "v");
  EXPECT_EQ(store_.SumCounters().expired_keys, 0u);
}

TEST_P(StoreTest, LookupAtTheExpiryDeletesTheKeyAndCountsIt) {
  Put(store_, 0, "k", "v", kNow + 100);
  EXPECT_EQ(store_.DbSize(0), 1u);  // expired but not yet looked up still counts
  EXPECT_EQ(Get(store_, 0, "k", kNow + 100), "<missing>");
  EXPECT_EQ(store_.DbSize(0), 0u);
  EXPECT_EQ(GetKeyspaceStats(store_, 0, kNow).expires, 0u);
  const ShardCounters counters = store_.SumCounters();
  EXPECT_EQ(counters.expired_keys, 1u);
  EXPECT_EQ(counters.keyspace_misses, 1u);
  EXPECT_EQ(counters.keyspace_hits, 0u);
}

TEST_P(StoreTest, LookupForWriteAlsoDeletesAnExpiredKey) {
  Put(store_, 0, "k", "v", kNow + 1);
  EXPECT_EQ(store_.WithKey(0, "k", kNow + 5, [](KeySlot& slot) { return slot.LookupForWrite(); }),
            nullptr);
  EXPECT_EQ(store_.DbSize(0), 0u);
  EXPECT_EQ(store_.SumCounters().expired_keys, 1u);
}

TEST_P(StoreTest, DeleteTreatsAnExpiredKeyAsMissing) {
  Put(store_, 0, "a", "v", kNow + 1);
  EXPECT_FALSE(store_.WithKey(0, "a", kNow + 1, [](KeySlot& slot) { return slot.Delete(); }));
  EXPECT_EQ(store_.DbSize(0), 0u);
  EXPECT_EQ(store_.SumCounters().expired_keys, 1u);
}

TEST_P(StoreTest, LookupCountsHitsAndMissesButLookupForWriteDoesNot) {
  Put(store_, 0, "k", "v");
  store_.WithKey(0, "k", kNow, [](KeySlot& slot) { slot.Lookup(); });
  store_.WithKey(0, "k", kNow, [](KeySlot& slot) { slot.Lookup(); });
  store_.WithKey(0, "nope", kNow, [](KeySlot& slot) { slot.Lookup(); });
  store_.WithKey(0, "k", kNow, [](KeySlot& slot) { slot.LookupForWrite(); });
  store_.WithKey(0, "nope", kNow, [](KeySlot& slot) { slot.LookupForWrite(); });
  ShardCounters counters = store_.SumCounters();
  EXPECT_EQ(counters.keyspace_hits, 2u);
  EXPECT_EQ(counters.keyspace_misses, 1u);
  EXPECT_EQ(counters.expired_keys, 0u);

  store_.ResetCounters();
  counters = store_.SumCounters();
  EXPECT_EQ(counters.keyspace_hits, 0u);
  EXPECT_EQ(counters.keyspace_misses, 0u);
}

}  // namespace
}  // namespace cachette::store::testing
