// Shard holds (EXEC, scripts): src/store/shard_locks.cc.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "cachette/store/store.h"

namespace cachette::store {
namespace {

constexpr int64_t kNow = 1'000'000;

void Put(Store& store, std::string_view key, std::string_view value, int64_t expire_ms = 0,
         size_t db = 0) {
  store.WithKey(db, key, kNow, [&](KeySlot& slot) { slot.Set(value, expire_ms); });
}

bool Exists(Store& store, std::string_view key, int64_t now = kNow) {
  return store.WithKey(0, key, now, [](KeySlot& slot) { return slot.LookupForWrite() != nullptr; });
}

TEST(ShardHoldTest, TheHoldingThreadUsesItsLocksWithoutTakingThemAgain) {
  Store store({.shards = 16, .databases = 2});
  const std::vector<std::string_view> keys = {"a", "b"};
  {
    const auto hold = store.HoldShards(keys, /*all=*/false);
    Put(store, "a", "1");
    Put(store, "b", "2");
    const KeyRef refs[] = {{0, "a"}, {0, "b"}, {1, "a"}};
    store.WithKeys(refs, kNow, [](std::span<KeySlot> slots) {
      for (KeySlot& slot : slots) {
        slot.Set("3", 0);
      }
    });
  }
  // Released: another thread gets the shards at once.
  std::thread([&] { Put(store, "a", "4"); }).join();
  EXPECT_TRUE(Exists(store, "a"));
}

TEST(ShardHoldTest, AHoldOfEveryShardAllowsWholeKeyspaceOperations) {
  Store store({.shards = 16, .databases = 2});
  Put(store, "a", "1");
  const auto hold = store.HoldShards({}, /*all=*/true);
  EXPECT_EQ(store.DbSize(0), 1u);
  std::vector<std::string> keys;
  store.Keys(0, "*", kNow, &keys);
  EXPECT_EQ(keys.size(), 1u);
  store.SwapDatabases(0, 1);
  EXPECT_EQ(store.DbSize(1), 1u);
  EXPECT_EQ(store.FlushAll(), 1u);
  EXPECT_EQ(store.SumCounters().expired_keys, 0u);
}

TEST(ShardHoldTest, AnotherThreadWaitsUntilTheHoldEnds) {
  Store store({.shards = 16, .databases = 1});
  std::atomic<bool> wrote{false};
  std::thread writer;
  {
    const std::vector<std::string_view> keys = {"held"};
    const auto hold = store.HoldShards(keys, false);
    Put(store, "held", "mine");
    writer = std::thread([&] {
      Put(store, "held", "theirs");
      wrote = true;
    });
    // A negative can only be observed over time: the writer gets 50 ms to (wrongly) get in.
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    EXPECT_FALSE(wrote.load());
    EXPECT_EQ(
        store.WithKey(0, "held", kNow,
                      [](KeySlot& slot) { return std::string(slot.LookupForWrite()->value()); }),
        "mine");
  }
  writer.join();
  EXPECT_TRUE(wrote.load());
}

}  // namespace
}  // namespace cachette::store
