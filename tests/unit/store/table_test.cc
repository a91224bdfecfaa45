#include "detail/table.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "cachette/store/entry.h"
#include "cachette/util/hash.h"
#include "store_test_support.h"

namespace cachette::store::testing {
namespace {

uint64_t Hash(std::string_view key) { return util::HashBytes(key); }

// Inserts key -> value (no expiry unless given) and returns the entry.
Entry* Add(Table& table, std::string_view key, std::string_view value = "v",
           int64_t expire_ms = 0) {
  Entry* entry = table.Create(key, value, expire_ms);
  table.Insert(entry, Hash(key));
  return entry;
}

// Every key a full reverse-binary iteration visits, in visiting order (with repeats).
std::vector<std::string> ScanAll(const Table& table) {
  std::vector<std::string> seen;
  uint64_t cursor = 0;
  do {
    cursor = table.ScanStep(cursor, [&](const Entry* e) { seen.emplace_back(e->key()); });
  } while (cursor != 0);
  return seen;
}

TEST(TableTest, EmptyTableFindsNothing) {
  Table table;
  EXPECT_EQ(table.size(), 0u);
  EXPECT_EQ(table.bucket_count(), 0u);
  EXPECT_EQ(table.Find("k", Hash("k")), nullptr);
  EXPECT_EQ(table.Detach("k", Hash("k")), nullptr);
  EXPECT_EQ(table.ScanStep(0, [](const Entry*) { FAIL(); }), 0u);
}

TEST(TableTest, FindsInsertedEntries) {
  Table table;
  Entry* a = Add(table, "a", "1");
  Entry* b = Add(table, "b", "2");
  EXPECT_EQ(table.size(), 2u);
  EXPECT_EQ(table.Find("a", Hash("a")), a);
  EXPECT_EQ(table.Find("b", Hash("b")), b);
  EXPECT_EQ(table.Find("c", Hash("c")), nullptr);
}

TEST(TableTest, FindComparesWholeKeys) {
  Table table;
  Add(table, "abc");
  EXPECT_EQ(table.Find("ab", Hash("ab")), nullptr);
  EXPECT_EQ(table.Find("abcd", Hash("abcd")), nullptr);
  // The same bucket chain must not match a different key with a forged hash.
  EXPECT_EQ(table.Find("xyz", Hash("abc")), nullptr);
}

// Keys of every length the word-wise comparison treats apart (and past it), against keys that
// differ from them in one byte anywhere, found through the same hash (the same chain).
TEST(TableTest, FindComparesEveryByteOfEveryLength) {
  Table table;
  for (size_t n = 0; n <= 40; ++n) {
    std::string key(n, 'k');
    for (size_t i = 0; i < n; ++i) {
      key[i] = static_cast<char>('a' + i % 26);
    }
    Add(table, key);
    EXPECT_NE(table.Find(key, Hash(key)), nullptr) << n;
    for (size_t i = 0; i < n; ++i) {
      std::string other = key;
      other[i] = '#';
      EXPECT_EQ(table.Find(other, Hash(key)), nullptr) << n << " " << i;
    }
  }
}

TEST(TableTest, ReplaceSwapsTheEntryInPlace) {
  Table table;
  Entry* old_entry = Add(table, "k", "old");
  Add(table, "other");
  Entry* fresh = table.Create("k", "new", 0);
  Entry* live = table.Replace(old_entry, fresh, Hash("k"));
  EXPECT_EQ(table.size(), 2u);
  EXPECT_EQ(table.Find("k", Hash("k")), live);
  EXPECT_EQ(table.Find("k", Hash("k"))->value(), "new");
  EXPECT_NE(table.Find("other", Hash("other")), nullptr);
}

TEST(TableTest, ReplaceOfTheSameSlotSizeCopiesIntoTheSlotAndKeepsEverythingInStep) {
  Table table;
  // Enough entries of one size for their class to live in slab pages.
  for (int i = 0; i < 2000; ++i) {
    Add(table, Key(i), std::string(40, 'a'), i % 2 == 0 ? 0 : 1'000 + i);
  }
  const int64_t bytes = table.bytes();
  size_t in_place = 0;
  size_t same_size_in_pages = 0;
  for (int i = 0; i < 2000; i += 3) {
    Entry* current = table.Find(Key(i), Hash(Key(i)));
    const bool in_a_page = !current->allocated_separately();
    // Same size (in place, expiry added or dropped), and a bigger value (a new slot).
    const std::string value(i % 2 == 0 ? 40 : 400, 'b');
    Entry* live =
        table.Replace(current, table.Create(Key(i), value, i % 4 == 0 ? 5'000 : 0), Hash(Key(i)));
    ASSERT_EQ(table.Find(Key(i), Hash(Key(i))), live);
    EXPECT_EQ(live->value(), value);
    EXPECT_EQ(live->key(), Key(i));
    if (i % 2 == 0 && in_a_page) {
      ++same_size_in_pages;
      in_place += live == current ? 1 : 0;  // copied into its slot: same handle
    }
  }
  EXPECT_GT(same_size_in_pages, 100u);
  EXPECT_EQ(in_place, same_size_in_pages);
  EXPECT_EQ(table.size(), 2000u);
  EXPECT_TRUE(table.key_index().CheckInvariants(table.arena()));
  EXPECT_GT(table.bytes(), bytes);
  size_t expires = 0;
  size_t listed = 0;
  table.VisitInKeyOrder("", [&](const Entry* e) {
    expires += e->has_expire() ? 1 : 0;
    ++listed;
    return true;
  });
  EXPECT_EQ(listed, 2000u);
  EXPECT_EQ(table.expires(), expires);
  // Every entry is still on an eviction list: removing them all empties the table.
  for (int i = 0; i < 2000; ++i) {
    ASSERT_TRUE(table.Remove(Key(i), Hash(Key(i))));
  }
  EXPECT_EQ(table.bytes(), 0);
  EXPECT_EQ(table.OldestPersistent(), nullptr);
  EXPECT_EQ(table.OldestVolatile(), nullptr);
}

TEST(TableTest, ReplaceKeepsTheExpiresCounterRight) {
  Table table;
  Entry* plain = Add(table, "k");
  EXPECT_EQ(table.expires(), 0u);
  Entry* volatile_entry = table.Create("k", "v", 500);
  table.Replace(plain, volatile_entry, Hash("k"));
  EXPECT_EQ(table.expires(), 1u);
  Entry* volatile_again = table.Create("k", "v", 600);
  table.Replace(volatile_entry, volatile_again, Hash("k"));
  EXPECT_EQ(table.expires(), 1u);
  table.Replace(volatile_again, table.Create("k", "v", 0), Hash("k"));
  EXPECT_EQ(table.expires(), 0u);
}

TEST(TableTest, DetachRemovesWithoutDestroying) {
  Table table;
  Entry* a = Add(table, "a", "1", 100);
  Add(table, "b");
  Entry* detached = table.Detach("a", Hash("a"));
  ASSERT_EQ(detached, a);
  EXPECT_EQ(detached->next, 0u);
  EXPECT_EQ(detached->value(), "1");  // still alive
  EXPECT_EQ(table.size(), 1u);
  EXPECT_EQ(table.expires(), 0u);
  EXPECT_EQ(table.Find("a", Hash("a")), nullptr);
  EXPECT_EQ(table.Detach("a", Hash("a")), nullptr);
  table.Free(detached);
}

TEST(TableTest, DetachFromTheMiddleOfAChainKeepsTheRest) {
  Table table;
  // Far more keys than the smallest table has buckets, so chains are long at first.
  for (int i = 0; i < 64; ++i) {
    Add(table, Key(i));
  }
  for (int i = 0; i < 64; i += 2) {
    EXPECT_TRUE(table.Remove(Key(i), Hash(Key(i))));
  }
  EXPECT_EQ(table.size(), 32u);
  for (int i = 0; i < 64; ++i) {
    EXPECT_EQ(table.Find(Key(i), Hash(Key(i))) != nullptr, i % 2 == 1) << Key(i);
  }
}

TEST(TableTest, ExpiresCountsEntriesWithAnExpiry) {
  Table table;
  Entry* a = Add(table, "a", "v", 100);
  Add(table, "b", "v", 0);
  Add(table, "c", "v", 300);
  EXPECT_EQ(table.expires(), 2u);
  table.SetExpire(a, 0);
  EXPECT_EQ(table.expires(), 1u);
  table.SetExpire(a, 5);
  EXPECT_EQ(table.expires(), 2u);
  table.SetExpire(a, 7);  // a new expiry for a volatile key
  EXPECT_EQ(table.expires(), 2u);
  EXPECT_EQ(a->expire_ms(), 7);
  EXPECT_TRUE(table.Remove("c", Hash("c")));
  EXPECT_EQ(table.expires(), 1u);
}

TEST(TableTest, SetExpireMovesAnEntryBetweenTheEvictionLists) {
  Table table;
  Entry* a = Add(table, "a", "v", 0);
  Entry* b = Add(table, "b", "v", 100);
  EXPECT_EQ(table.OldestPersistent(), a);
  EXPECT_EQ(table.OldestVolatile(), b);
  table.SetExpire(a, 50);
  EXPECT_EQ(table.OldestPersistent(), nullptr);
  EXPECT_EQ(table.OldestVolatile(), b);  // b was there first
  table.SetExpire(b, 0);
  EXPECT_EQ(table.OldestPersistent(), b);
  EXPECT_EQ(table.OldestVolatile(), a);
}

TEST(TableTest, TouchMakesAnEntryTheMostRecent) {
  Table table;
  Entry* a = Add(table, "a", "v", 0);
  Entry* b = Add(table, "b", "v", 0);
  Add(table, "c", "v", 0);
  EXPECT_EQ(table.OldestPersistent(), a);
  table.Touch(a);
  EXPECT_EQ(table.OldestPersistent(), b);
  EXPECT_TRUE(table.Remove("b", Hash("b")));
  EXPECT_NE(table.OldestPersistent(), b);
}

TEST(TableTest, SecondChanceVictimPassesOverReferencedEntries) {
  Table table;
  Entry* a = Add(table, "a", "v", 0);
  Entry* b = Add(table, "b", "v", 0);
  Entry* c = Add(table, "c", "v", 0);
  a->set_access(a->access() | Entry::kReferencedBit);
  EXPECT_EQ(table.SecondChanceVictim(/*with_expire=*/false, nullptr), b);
  // a lost its bit and became the most recent: b, c, a from the oldest.
  EXPECT_EQ(a->access() & Entry::kReferencedBit, 0u);
  EXPECT_EQ(table.OldestPersistent(), b);
  EXPECT_EQ(table.SecondChanceVictim(false, /*keep=*/b), c);
  EXPECT_EQ(table.SecondChanceVictim(/*with_expire=*/true, nullptr), nullptr);
}

TEST(TableTest, SecondChanceVictimWhenEveryEntryIsReferenced) {
  Table table;
  Entry* a = Add(table, "a", "v", 0);
  Entry* b = Add(table, "b", "v", 0);
  for (Entry* e : {a, b}) {
    e->set_access(e->access() | Entry::kReferencedBit);
  }
  // Both get their second chance; then the oldest goes, unless it is the one kept.
  EXPECT_EQ(table.SecondChanceVictim(false, nullptr), a);
  b->set_access(b->access() | Entry::kReferencedBit);
  EXPECT_EQ(table.SecondChanceVictim(false, /*keep=*/a), b);
  EXPECT_EQ(table.SecondChanceVictim(false, /*keep=*/b), a);
}

TEST(TableTest, SecondChanceVictimNeverReturnsTheOnlyKeptEntry) {
  Table table;
  Entry* a = Add(table, "a", "v", 0);
  a->set_access(a->access() | Entry::kReferencedBit);
  EXPECT_EQ(table.SecondChanceVictim(false, a), nullptr);
  EXPECT_EQ(table.SecondChanceVictim(false, nullptr), a);
}

TEST(TableTest, BytesFollowEntriesAndTheBucketArray) {
  Table table;
  int64_t shard_total = 0;
  table.AttachCounter(&shard_total);
  EXPECT_EQ(table.bytes(), 0);
  Entry* a = Add(table, "a", "value", 0);
  EXPECT_GE(table.bytes(), static_cast<int64_t>(a->AllocatedSize()));
  EXPECT_EQ(shard_total, table.bytes());
  Add(table, "b", std::string(1000, 'x'), 0);
  EXPECT_EQ(shard_total, table.bytes());
  EXPECT_TRUE(table.Remove("a", Hash("a")));
  EXPECT_TRUE(table.Remove("b", Hash("b")));
  EXPECT_EQ(table.bytes(), 0);  // the bucket array is given back with the last key
  EXPECT_EQ(shard_total, 0);
  Add(table, "c", "v", 0);
  Table moved(std::move(table));
  EXPECT_EQ(shard_total, 0);  // what moved out no longer counts for the shard
  EXPECT_GT(moved.bytes(), 0);
}

TEST(TableTest, GrowsWhenFullerThanOneKeyPerBucket) {
  Table table;
  Add(table, Key(0));
  EXPECT_EQ(table.bucket_count(), 4u);
  for (int i = 1; i < 4; ++i) {
    Add(table, Key(i));
  }
  EXPECT_EQ(table.bucket_count(), 4u);
  Add(table, Key(4));
  EXPECT_EQ(table.bucket_count(), 8u);
  for (int i = 5; i < 1000; ++i) {
    Add(table, Key(i));
  }
  EXPECT_EQ(table.size(), 1000u);
  EXPECT_EQ(table.bucket_count(), 1024u);
  for (int i = 0; i < 1000; ++i) {
    ASSERT_NE(table.Find(Key(i), Hash(Key(i))), nullptr) << Key(i);
  }
}

TEST(TableTest, ShrinksWhenLessThanAnEighthFull) {
  Table table;
  for (int i = 0; i < 1000; ++i) {
    Add(table, Key(i));
  }
  ASSERT_EQ(table.bucket_count(), 1024u);
  for (int i = 0; i < 990; ++i) {
    EXPECT_TRUE(table.Remove(Key(i), Hash(Key(i))));
  }
  EXPECT_EQ(table.size(), 10u);
  EXPECT_LE(table.bucket_count(), 128u);
  EXPECT_GE(table.bucket_count(), 16u);
  for (int i = 990; i < 1000; ++i) {
    EXPECT_NE(table.Find(Key(i), Hash(Key(i))), nullptr) << Key(i);
  }
}

TEST(TableTest, FreesTheBucketArrayWhenEmptied) {
  Table table;
  for (int i = 0; i < 20; ++i) {
    Add(table, Key(i));
  }
  for (int i = 0; i < 20; ++i) {
    EXPECT_TRUE(table.Remove(Key(i), Hash(Key(i))));
  }
  EXPECT_EQ(table.size(), 0u);
  EXPECT_EQ(table.bucket_count(), 0u);
  // And it is usable again.
  Add(table, "again");
  EXPECT_NE(table.Find("again", Hash("again")), nullptr);
}

TEST(TableTest, ClearDestroysEverything) {
  Table table;
  for (int i = 0; i < 100; ++i) {
    Add(table, Key(i), "v", i % 2 == 0 ? 100 : 0);
  }
  table.Clear();
  EXPECT_EQ(table.size(), 0u);
  EXPECT_EQ(table.expires(), 0u);
  EXPECT_EQ(table.bucket_count(), 0u);
  EXPECT_EQ(table.Find(Key(1), Hash(Key(1))), nullptr);
}

TEST(TableTest, MoveTransfersEntries) {
  Table source;
  Add(source, "a", "1", 10);
  Add(source, "b", "2");
  Table moved(std::move(source));
  EXPECT_EQ(moved.size(), 2u);
  EXPECT_EQ(moved.expires(), 1u);
  EXPECT_EQ(source.size(), 0u);  // NOLINT(bugprone-use-after-move): moved-from state is defined
  EXPECT_EQ(source.bucket_count(), 0u);
  EXPECT_EQ(source.Find("a", Hash("a")), nullptr);

  Table assigned;
  Add(assigned, "old");
  assigned = std::move(moved);
  EXPECT_EQ(assigned.size(), 2u);
  EXPECT_EQ(assigned.Find("old", Hash("old")), nullptr);
  EXPECT_NE(assigned.Find("a", Hash("a")), nullptr);
}

TEST(TableTest, ForEachVisitsEveryEntryOnce) {
  Table table;
  for (int i = 0; i < 300; ++i) {
    Add(table, Key(i));
  }
  std::multiset<std::string> seen;
  table.ForEach([&](const Entry* e) { seen.emplace(e->key()); });
  EXPECT_EQ(seen.size(), 300u);
  for (int i = 0; i < 300; ++i) {
    EXPECT_EQ(seen.count(Key(i)), 1u);
  }
}

TEST(TableTest, RandomEntryReturnsEveryEntrySometimes) {
  Table table;
  for (int i = 0; i < 3; ++i) {
    Add(table, Key(i));
  }
  std::set<std::string> seen;
  for (uint64_t r = 0; r < 200; ++r) {
    Entry* pick = table.RandomEntry(r * 0x12345, r);
    ASSERT_NE(pick, nullptr);
    seen.emplace(pick->key());
  }
  EXPECT_EQ(seen.size(), 3u);
}

TEST(TableTest, RandomEntryFindsTheOnlyEntryInASparseTable) {
  Table table;
  for (int i = 0; i < 64; ++i) {
    Add(table, Key(i));
  }
  for (int i = 1; i < 64; ++i) {
    EXPECT_TRUE(table.Remove(Key(i), Hash(Key(i))));
  }
  for (uint64_t r = 0; r < 100; ++r) {
    Entry* pick = table.RandomEntry(r, r * 7);
    ASSERT_NE(pick, nullptr);
    EXPECT_EQ(pick->key(), Key(0));
  }
}

TEST(TableScanTest, ReverseBitsMirrorsTheWord) {
  EXPECT_EQ(Table::ReverseBits(0), 0u);
  EXPECT_EQ(Table::ReverseBits(1), 0x8000000000000000ULL);
  EXPECT_EQ(Table::ReverseBits(0x8000000000000000ULL), 1u);
  EXPECT_EQ(Table::ReverseBits(0x00000000000000F0ULL), 0x0F00000000000000ULL);
  EXPECT_EQ(Table::ReverseBits(Table::ReverseBits(0x0123456789ABCDEFULL)), 0x0123456789ABCDEFULL);
}

TEST(TableScanTest, NextCursorVisitsEveryBucketInReverseBinaryOrder) {
  // With 8 buckets (mask 7) the order is 0 4 2 6 1 5 3 7, then back to 0.
  const uint64_t expected[] = {4, 2, 6, 1, 5, 3, 7, 0};
  uint64_t cursor = 0;
  for (uint64_t next : expected) {
    cursor = Table::NextCursor(cursor, 7);
    EXPECT_EQ(cursor, next);
  }
}

TEST(TableScanTest, FullIterationReturnsEveryKeyExactlyOnceWithoutResize) {
  Table table;
  for (int i = 0; i < 500; ++i) {
    Add(table, Key(i));
  }
  const std::vector<std::string> seen = ScanAll(table);
  EXPECT_EQ(seen.size(), 500u);
  const std::set<std::string> unique(seen.begin(), seen.end());
  EXPECT_EQ(unique.size(), 500u);
}

TEST(TableScanTest, KeysPresentThroughoutAreReturnedWhileTheTableGrows) {
  Table table;
  for (int i = 0; i < 100; ++i) {
    Add(table, Key(i));
  }
  std::set<std::string> seen;
  uint64_t cursor = 0;
  int added = 0;
  do {
    cursor = table.ScanStep(cursor, [&](const Entry* e) { seen.emplace(e->key()); });
    // Force growth between steps (bounded, or the iteration would never catch up).
    for (int j = 0; j < 50 && added < 2000; ++j, ++added) {
      Add(table, "new:" + std::to_string(added));
    }
  } while (cursor != 0);
  ASSERT_GT(table.bucket_count(), 128u);
  for (int i = 0; i < 100; ++i) {
    EXPECT_TRUE(seen.contains(Key(i))) << Key(i);
  }
}

TEST(TableScanTest, KeysPresentThroughoutAreReturnedWhileTheTableShrinks) {
  Table table;
  for (int i = 0; i < 2000; ++i) {
    Add(table, Key(i));
  }
  // Keys 0..49 stay; the rest are deleted a chunk at a time between steps.
  std::set<std::string> seen;
  uint64_t cursor = 0;
  int next_victim = 50;
  do {
    cursor = table.ScanStep(cursor, [&](const Entry* e) { seen.emplace(e->key()); });
    for (int j = 0; j < 100 && next_victim < 2000; ++j, ++next_victim) {
      EXPECT_TRUE(table.Remove(Key(next_victim), Hash(Key(next_victim))));
    }
  } while (cursor != 0);
  ASSERT_EQ(table.size(), 50u);
  for (int i = 0; i < 50; ++i) {
    EXPECT_TRUE(seen.contains(Key(i))) << Key(i);
  }
}

TEST(TableExpireTest, ExpireStepOnAnEmptyTableDoesNothing) {
  Table table;
  uint64_t cursor = 0;
  size_t with_ttl = 0;
  EXPECT_EQ(table.ExpireStep(&cursor, 100, 16, &with_ttl), 0u);
  EXPECT_EQ(cursor, 0u);
  EXPECT_EQ(with_ttl, 0u);
}

TEST(TableExpireTest, AFullPassRemovesExactlyTheExpiredEntries) {
  Table table;
  for (int i = 0; i < 400; ++i) {
    // A quarter expired at 10, a quarter at 11 (the boundary), a quarter later, a quarter never.
    const int64_t expire = i % 4 == 0 ? 10 : i % 4 == 1 ? 11 : i % 4 == 2 ? 1000 : 0;
    Add(table, Key(i), "v", expire);
  }
  uint64_t cursor = 0;
  size_t removed = 0;
  size_t with_ttl = 0;
  int steps = 0;
  do {
    removed += table.ExpireStep(&cursor, /*now_ms=*/11, /*max_buckets=*/8, &with_ttl);
    ASSERT_LT(++steps, 10000);
  } while (cursor != 0);
  EXPECT_EQ(removed, 200u);
  EXPECT_GE(with_ttl, 300u);
  EXPECT_EQ(table.size(), 200u);
  EXPECT_EQ(table.expires(), 100u);
  for (int i = 0; i < 400; ++i) {
    EXPECT_EQ(table.Find(Key(i), Hash(Key(i))) != nullptr, i % 4 >= 2) << Key(i);
  }
}

TEST(TableExpireTest, ExpireStepVisitsAtMostMaxBuckets) {
  Table table;
  for (int i = 0; i < 1000; ++i) {
    Add(table, Key(i), "v", 5);
  }
  ASSERT_EQ(table.bucket_count(), 1024u);
  uint64_t cursor = 0;
  size_t with_ttl = 0;
  const size_t removed = table.ExpireStep(&cursor, 5, 4, &with_ttl);
  EXPECT_NE(cursor, 0u);
  EXPECT_EQ(removed, with_ttl);
  EXPECT_LT(removed, 100u);  // four buckets' worth, not the table
  EXPECT_EQ(table.size(), 1000u - removed);
}

TEST(TableExpireTest, ExpireStepShrinksAnEmptiedTable) {
  Table table;
  for (int i = 0; i < 1000; ++i) {
    Add(table, Key(i), "v", 5);
  }
  Add(table, "survivor");
  uint64_t cursor = 0;
  size_t with_ttl = 0;
  do {
    table.ExpireStep(&cursor, 5, 64, &with_ttl);
  } while (cursor != 0);
  EXPECT_EQ(table.size(), 1u);
  EXPECT_EQ(table.expires(), 0u);
  EXPECT_LT(table.bucket_count(), 1024u);
  EXPECT_NE(table.Find("survivor", Hash("survivor")), nullptr);
}

}  // namespace
}  // namespace cachette::store::testing
