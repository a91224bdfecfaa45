// Shard locking (src/store/shard_locks.cc): WithKey and WithKeys lock the shards of their keys
// (each once, in ascending order, so no two callers deadlock), and shard holds (EXEC, scripts).

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "cachette/store/store.h"
#include "store_test_support.h"

namespace cachette::store::testing {
namespace {

TEST(ShardHoldTest, TheHoldingThreadUsesItsLocksWithoutTakingThemAgain) {
  Store store({.shards = 16, .databases = 2});
  const std::vector<std::string_view> keys = {"a", "b"};
  {
    const auto hold = store.HoldShards(keys, /*all=*/false);
    Put(store, 0, "a", "1");
    Put(store, 0, "b", "2");
    const KeyRef refs[] = {{0, "a"}, {0, "b"}, {1, "a"}};
    store.WithKeys(refs, kNow, [](std::span<KeySlot> slots) {
      for (KeySlot& slot : slots) {
        slot.Set("3", 0);
      }
    });
  }
  // Released: another thread gets the shards at once.
  std::thread([&] { Put(store, 0, "a", "4"); }).join();
  EXPECT_TRUE(Exists(store, "a"));
}

TEST(ShardHoldTest, AHoldOfEveryShardAllowsWholeKeyspaceOperations) {
  Store store({.shards = 16, .databases = 2});
  Put(store, 0, "a", "1");
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
    Put(store, 0, "held", "mine");
    writer = std::thread([&] {
      Put(store, 0, "held", "theirs");
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

TEST_P(StoreTest, WithKeyReturnsWhatTheCallbackReturns) {
  const int result = store_.WithKey(0, "k", kNow, [](KeySlot& slot) {
    EXPECT_EQ(slot.key(), "k");
    EXPECT_EQ(slot.now_ms(), kNow);
    return 42;
  });
  EXPECT_EQ(result, 42);
}

TEST_P(StoreTest, WithKeysGivesOneSlotPerKeyInOrder) {
  Put(store_, 0, "a", "1");
  Put(store_, 0, "b", "2");
  const KeyRef keys[] = {{0, "b"}, {0, "missing"}, {0, "a"}};
  store_.WithKeys(keys, kNow, [](std::span<KeySlot> slots) {
    ASSERT_EQ(slots.size(), 3u);
    EXPECT_EQ(slots[0].key(), "b");
    EXPECT_EQ(slots[0].Lookup()->value(), "2");
    EXPECT_EQ(slots[1].Lookup(), nullptr);
    EXPECT_EQ(slots[2].Lookup()->value(), "1");
  });
}

TEST_P(StoreTest, WithKeysAcceptsRepeatedKeysWithoutDeadlock) {
  const KeyRef keys[] = {{0, "k"}, {0, "k"}, {0, "k"}};
  store_.WithKeys(keys, kNow, [](std::span<KeySlot> slots) {
    slots[0].Set("1", 0);
    slots[1].Set("2", 0);
    slots[2].Set("3", 0);
  });
  EXPECT_EQ(Get(store_, 0, "k"), "3");
  EXPECT_EQ(store_.DbSize(0), 1u);
}

TEST_P(StoreTest, WithKeysSpansDatabasesWithoutDeadlock) {
  // The same key name in two databases shares a shard: it must be locked once.
  const KeyRef keys[] = {{0, "k"}, {2, "k"}, {3, "other"}};
  store_.WithKeys(keys, kNow, [](std::span<KeySlot> slots) {
    slots[0].Set("db0", 0);
    slots[1].Set("db2", 0);
    slots[2].Set("db3", 0);
  });
  EXPECT_EQ(Get(store_, 0, "k"), "db0");
  EXPECT_EQ(Get(store_, 2, "k"), "db2");
  EXPECT_EQ(Get(store_, 3, "other"), "db3");
}

TEST_P(StoreTest, WithKeysOverManyKeysLocksEachShardOnce) {
  std::vector<std::string> names;
  for (int i = 0; i < 200; ++i) {
    names.push_back(Key(i % 150));  // some repeats
  }
  std::vector<KeyRef> keys;
  for (const std::string& name : names) {
    keys.push_back({1, name});
  }
  const size_t done = store_.WithKeys(keys, kNow, [](std::span<KeySlot> slots) {
    for (KeySlot& slot : slots) {
      slot.Set("v", 0);
    }
    return slots.size();
  });
  EXPECT_EQ(done, 200u);
  EXPECT_EQ(store_.DbSize(1), 150u);
}

TEST_P(StoreTest, WithKeysFromManyThreadsInOppositeOrdersDoesNotDeadlock) {
  constexpr int kRounds = 2000;
  auto worker = [&](bool reversed) {
    for (int i = 0; i < kRounds; ++i) {
      std::string a = Key(i % 37), b = Key((i * 7) % 41), c = Key((i * 13) % 43);
      std::vector<KeyRef> keys = {{0, a}, {0, b}, {1, c}};
      if (reversed) {
        std::reverse(keys.begin(), keys.end());
      }
      store_.WithKeys(keys, kNow, [](std::span<KeySlot> slots) {
        for (KeySlot& slot : slots) {
          slot.Set("x", 0);
        }
      });
    }
  };
  std::thread t1(worker, false);
  std::thread t2(worker, true);
  std::thread t3([&] {
    for (int i = 0; i < kRounds; ++i) {
      Put(store_, 0, Key(i % 37), "y");
    }
  });
  t1.join();
  t2.join();
  t3.join();
  EXPECT_GT(store_.DbSize(0), 0u);
}

}  // namespace
}  // namespace cachette::store::testing
