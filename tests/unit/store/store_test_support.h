#pragma once

// What the store's tests share: one fixed instant (no test here reads a clock or sleeps to see a
// key expire), key names, one-line writes and reads through KeySlot, and StoreTest, a Store that
// each test runs with one shard, a few, and many.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "cachette/store/store.h"

namespace cachette::store::testing {

inline constexpr int64_t kNow = 1'000'000;

inline std::string Key(int i) { return "key:" + std::to_string(i); }

// Sets key = value in db (expire_ms 0: none) at kNow.
inline void Put(Store& store, size_t db, std::string_view key, std::string_view value,
                int64_t expire_ms = 0) {
  store.WithKey(db, key, kNow, [&](KeySlot& slot) { slot.Set(value, expire_ms); });
}

// The value at key, or "<missing>", read with Lookup at `now`.
inline std::string Get(Store& store, size_t db, std::string_view key, int64_t now = kNow) {
  return store.WithKey(db, key, now, [&](KeySlot& slot) -> std::string {
    const Entry* entry = slot.Lookup();
    return entry ? std::string(entry->value()) : "<missing>";
  });
}

// Whether key is live in db 0 at `now`, looked up as a write looks it up (LookupForWrite), so
// that asking counts no keyspace hit or miss.
inline bool Exists(Store& store, std::string_view key, int64_t now = kNow) {
  return store.WithKey(0, key, now, [](KeySlot& slot) { return slot.LookupForWrite() != nullptr; });
}

inline std::vector<std::string> Sorted(std::vector<std::string> keys) {
  std::sort(keys.begin(), keys.end());
  return keys;
}

// The shard counts of a parameterised store test: one shard, a few, and more than some tests
// have keys. Instantiate with
//   INSTANTIATE_TEST_SUITE_P(Shards, Suite, ::testing::ValuesIn(kShardCounts), ShardCountName);
inline constexpr size_t kShardCounts[] = {1, 4, 64};

inline std::string ShardCountName(const ::testing::TestParamInfo<size_t>& info) {
  return std::to_string(info.param) + "Shards";
}

// A Store of 4 databases with GetParam() shards. The TEST_P(StoreTest, ...) of every file of
// this binary (store, key lookup, shard locks, store admin) make one suite, instantiated once,
// in store_test.cc; a suite of another name derives from this class and instantiates itself.
class StoreTest : public ::testing::TestWithParam<size_t> {
 protected:
  StoreTest() : store_(StoreOptions{.shards = GetParam(), .databases = 4}) {}
  Store store_;
};

}  // namespace cachette::store::testing
