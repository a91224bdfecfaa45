#include "detail/key_index.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>
#include <vector>

#include "cachette/util/memory.h"

namespace cachette::store {
namespace {

// An arena and an index over it, with a std::map as the model to compare against.
class IndexFixture {
 public:
  void Add(const std::string& key) {
    Entry* entry = arena.Allocate(key, 1, 0);
    const EntryHandle handle = arena.HandleOf(entry);
    index.Insert(arena, handle, key);
    model[key] = handle;
  }
  void Remove(const std::string& key) {
    const EntryHandle handle = model.at(key);
    index.Erase(arena, handle, key);
    arena.Free(arena.Resolve(handle));
    model.erase(key);
  }
  void Rewrite(const std::string& key) {
    const EntryHandle old_handle = model.at(key);
    Entry* entry = arena.Allocate(key, 2, 0);
    const EntryHandle handle = arena.HandleOf(entry);
    index.Replace(arena, old_handle, handle, key);
    arena.Free(arena.Resolve(old_handle));
    model[key] = handle;
  }
  std::vector<std::string> From(const std::string& from, size_t limit = SIZE_MAX) const {
    std::vector<std::string> keys;
    index.VisitFrom(arena, from, [&](EntryHandle handle) {
      keys.emplace_back(arena.Resolve(handle)->key());
      return keys.size() < limit;
    });
    return keys;
  }
  std::vector<std::string> ModelFrom(const std::string& from, size_t limit = SIZE_MAX) const {
    std::vector<std::string> keys;
    for (auto it = model.lower_bound(from); it != model.end() && keys.size() < limit; ++it) {
      keys.push_back(it->first);
    }
    return keys;
  }

  EntryArena arena;
  KeyIndex index;
  std::map<std::string, EntryHandle> model;
};

std::string Numbered(const char* prefix, size_t n) {
  std::string number = std::to_string(n % 100000000);
  number.insert(0, 8 - number.size(), '0');
  return prefix + number;
}

TEST(KeyIndexTest, EmptyIndexVisitsNothing) {
  IndexFixture f;
  EXPECT_TRUE(f.From("").empty());
  EXPECT_TRUE(f.index.CheckInvariants(f.arena));
  EXPECT_EQ(f.index.bytes(), 0);
}

TEST(KeyIndexTest, RandomInsertsComeBackInOrderFromAnyStart) {
  IndexFixture f;
  std::mt19937_64 random(7);
  for (int i = 0; i < 20000; ++i) {
    f.Add(Numbered("key:", random() % 1'000'000'000) + std::to_string(i));
  }
  ASSERT_TRUE(f.index.CheckInvariants(f.arena));
  EXPECT_EQ(f.index.size(), f.model.size());
  EXPECT_EQ(f.From(""), f.ModelFrom(""));
  for (const char* from : {"key:0", "key:5", "key:55555", "key:99999999", "zzz", "a"}) {
    EXPECT_EQ(f.From(from, 50), f.ModelFrom(from, 50)) << from;
  }
}

TEST(KeyIndexTest, KeysInOrderFillLeavesCompletely) {
  IndexFixture f;
  for (size_t i = 0; i < 100'000; ++i) {
    f.Add(Numbered("key:", i));
  }
  ASSERT_TRUE(f.index.CheckInvariants(f.arena));
  // Full 512-byte leaves of 120 handles, plus a few inner nodes (under jemalloc, 4.3 bytes per
  // key; glibc adds a header to each allocation).
  const double full_leaf_per_key = static_cast<double>(util::AllocationSize(512)) / 120;
  EXPECT_LT(static_cast<double>(f.index.bytes()) / 100'000, full_leaf_per_key * 1.05);
}

TEST(KeyIndexTest, MixedInsertsErasesAndReplacesKeepTheModel) {
  IndexFixture f;
  std::mt19937_64 random(11);
  std::vector<std::string> keys;
  for (int round = 0; round < 60000; ++round) {
    const uint64_t dice = random() % 10;
    if (dice < 5 || f.model.empty()) {
      const std::string key = Numbered("p", random() % 50000) + ":" + std::to_string(round % 7);
      if (f.model.count(key) == 0) {
        f.Add(key);
      }
    } else {
      auto it = f.model.begin();
      std::advance(it, static_cast<long>(random() % std::min<size_t>(f.model.size(), 64)));
      if (dice < 8) {
        f.Remove(it->first);
      } else {
        f.Rewrite(it->first);
      }
    }
    if (round % 5000 == 0) {
      ASSERT_TRUE(f.index.CheckInvariants(f.arena)) << round;
    }
  }
  ASSERT_TRUE(f.index.CheckInvariants(f.arena));
  EXPECT_EQ(f.From(""), f.ModelFrom(""));
}

TEST(KeyIndexTest, ErasingMostKeysRepacksAndErasingAllFreesEverything) {
  IndexFixture f;
  std::mt19937_64 random(3);
  std::vector<std::string> keys;
  for (size_t i = 0; i < 30000; ++i) {
    keys.push_back(Numbered("k", random()));
    if (f.model.count(keys.back()) == 0) {
      f.Add(keys.back());
    } else {
      keys.pop_back();
    }
  }
  const int64_t full_bytes = f.index.bytes();
  // Erase every key but one in ten, scattered: leaves would be a tenth full without repacking.
  for (size_t i = 0; i < keys.size(); ++i) {
    if (i % 10 != 0) {
      f.Remove(keys[i]);
    }
  }
  ASSERT_TRUE(f.index.CheckInvariants(f.arena));
  EXPECT_LT(f.index.bytes(), full_bytes / 3);
  EXPECT_EQ(f.From(""), f.ModelFrom(""));
  for (size_t i = 0; i < keys.size(); i += 10) {
    f.Remove(keys[i]);
  }
  EXPECT_TRUE(f.index.CheckInvariants(f.arena));
  EXPECT_EQ(f.index.size(), 0u);
  EXPECT_EQ(f.index.bytes(), 0);
}

TEST(KeyIndexTest, CountsOfRangesFollowInsertsAndErases) {
  IndexFixture f;
  std::mt19937_64 random(5);
  auto model_count = [&](const std::string& prefix) {
    size_t n = 0;
    for (auto it = f.model.lower_bound(prefix);
         it != f.model.end() && it->first.starts_with(prefix); ++it) {
      ++n;
    }
    return n;
  };
  for (int round = 0; round < 40000; ++round) {
    const std::string key =
        "p" + std::to_string(random() % 97) + ":" + std::to_string(random() % 500);
    if (f.model.count(key) == 0) {
      f.Add(key);
    } else if (random() % 3 == 0) {
      f.Remove(key);
    }
    if (round % 4000 == 0) {
      ASSERT_TRUE(f.index.CheckInvariants(f.arena));
      for (const char* prefix : {"", "p1", "p1:", "p42:", "p96:4", "q", "p"}) {
        EXPECT_EQ(f.index.CountWithPrefix(f.arena, prefix), model_count(prefix)) << prefix;
      }
      EXPECT_EQ(f.index.CountFrom(f.arena, "p5"), f.ModelFrom("p5").size());
    }
  }
  f.Add(std::string("\xff\xff", 2));
  f.Add(std::string("\xff\xffz", 3));
  EXPECT_EQ(f.index.CountWithPrefix(f.arena, std::string("\xff", 1)), 2u);
  EXPECT_EQ(f.index.CountWithPrefix(f.arena, std::string("\xff\xff", 2)), 2u);
}

TEST(KeyIndexTest, ErasingARangeInOrderKeepsTheRestReachable) {
  IndexFixture f;
  for (size_t i = 0; i < 50000; ++i) {
    f.Add(Numbered(i % 2 == 0 ? "a:" : "b:", i));
  }
  // What an invalidation sweep does: erase the first key at or after the prefix until none.
  size_t erased = 0;
  for (;;) {
    std::vector<std::string> next = f.From("a:", 1);
    if (next.empty() || next[0].rfind("a:", 0) != 0) {
      break;
    }
    f.Remove(next[0]);
    ++erased;
  }
  EXPECT_EQ(erased, 25000u);
  ASSERT_TRUE(f.index.CheckInvariants(f.arena));
  EXPECT_EQ(f.From(""), f.ModelFrom(""));
}

}  // namespace
}  // namespace cachette::store
