#include "detail/entry_arena.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <map>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "cachette/store/value_block.h"
#include "cachette/util/memory.h"

namespace cachette::store {
namespace {

Entry* Make(EntryArena& arena, const std::string& key, const std::string& value,
            int64_t expire_ms = 0) {
  Entry* entry = arena.Allocate(key, value.size(), expire_ms);
  std::copy(value.begin(), value.end(), entry->mutable_value());
  return entry;
}

// Enough entries of one size for its class to use slab pages.
std::vector<Entry*> Fill(EntryArena& arena, size_t count, size_t value_size,
                         const std::string& prefix = "k") {
  std::vector<Entry*> entries;
  for (size_t i = 0; i < count; ++i) {
    // Keys of one length, so that all the entries are of one class.
    std::string number = std::to_string(i);
    number.insert(0, 6 - number.size(), '0');
    entries.push_back(Make(arena, prefix + number, std::string(value_size, 'v')));
  }
  return entries;
}

TEST(EntryArenaTest, SlotSizesAreFourBytesApartUpTo512ThenEightPerDoubling) {
  EXPECT_EQ(EntryArena::SlotSize(1), sizeof(Entry));
  EXPECT_EQ(EntryArena::SlotSize(24), 24u);
  EXPECT_EQ(EntryArena::SlotSize(25), 28u);
  EXPECT_EQ(EntryArena::SlotSize(29), 32u);
  EXPECT_EQ(EntryArena::SlotSize(300), 300u);
  EXPECT_EQ(EntryArena::SlotSize(509), 512u);
  EXPECT_EQ(EntryArena::SlotSize(512), 512u);
  EXPECT_EQ(EntryArena::SlotSize(513), 576u);
  EXPECT_EQ(EntryArena::SlotSize(1024), 1024u);
  EXPECT_EQ(EntryArena::SlotSize(1025), 1152u);
  EXPECT_EQ(EntryArena::SlotSize(4096), 4096u);
  EXPECT_EQ(EntryArena::SlotSize(4097), 0u);  // allocated separately
  for (size_t bytes = sizeof(Entry); bytes <= EntryArena::kMaxSlabEntry; ++bytes) {
    const size_t slot = EntryArena::SlotSize(bytes);
    ASSERT_GE(slot, bytes);
    ASSERT_LE(slot - bytes, std::max<size_t>(3, bytes / 8)) << bytes;
    ASSERT_EQ(slot % 4, 0u);
    ASSERT_EQ(EntryArena::SlotSize(slot), slot) << "a slot size is its own class";
  }
}

TEST(EntryArenaTest, HandlesResolveToTheirEntries) {
  EntryArena arena;
  std::vector<Entry*> entries = Fill(arena, 3000, 20);
  entries.push_back(Make(arena, "big", std::string(10000, 'b')));
  std::vector<EntryHandle> handles;
  for (Entry* e : entries) {
    const EntryHandle handle = arena.HandleOf(e);
    ASSERT_NE(handle, 0u);
    ASSERT_EQ(arena.Resolve(handle), e);
    handles.push_back(handle);
  }
  std::sort(handles.begin(), handles.end());
  EXPECT_EQ(std::unique(handles.begin(), handles.end()), handles.end());
  EXPECT_EQ(arena.Resolve(0), nullptr);
  EXPECT_EQ(arena.HandleOf(nullptr), 0u);
}

TEST(EntryArenaTest, EntriesKeepTheirBytesWhileOthersComeAndGo) {
  EntryArena arena;
  std::mt19937_64 random(7);
  std::map<std::string, std::pair<Entry*, std::string>> live;
  for (int step = 0; step < 20000; ++step) {
    if (!live.empty() && random() % 3 == 0) {
      auto it = std::next(live.begin(), static_cast<long>(random() % live.size()));
      ASSERT_EQ(it->second.first->key(), it->first);
      ASSERT_EQ(it->second.first->value(), it->second.second);
      arena.Free(it->second.first);
      live.erase(it);
      continue;
    }
    // Sizes from empty to past the slab limit, most of them small.
    const size_t size = random() % 8 == 0 ? random() % 6000 : random() % 200;
    std::string key = "key:" + std::to_string(step);
    std::string value(size, static_cast<char>('a' + step % 26));
    Entry* entry = Make(arena, key, value, step);
    live.emplace(key, std::make_pair(entry, value));
  }
  for (const auto& [key, item] : live) {
    ASSERT_EQ(item.first->key(), key);
    ASSERT_EQ(item.first->value(), item.second);
    ASSERT_EQ(arena.Resolve(arena.HandleOf(item.first)), item.first);
  }
}

TEST(EntryArenaTest, ASparseClassIsAllocatedSeparately) {
  EntryArena arena;
  Entry* lone = Make(arena, "k", std::string(100, 'v'));
  EXPECT_EQ(arena.page_count(), 0u);
  EXPECT_EQ(arena.separate_count(), 1u);
  EXPECT_EQ(arena.slack_bytes(), 0);
  EXPECT_GE(lone->AllocatedSize(), EntryArena::SlotSize(Entry::BytesFor(1, 100)));
  arena.Free(lone);
  EXPECT_EQ(arena.separate_count(), 0u);
}

TEST(EntryArenaTest, APopulatedClassMovesToPagesAndFillsThemInOrder) {
  EntryArena arena;
  const std::vector<Entry*> entries = Fill(arena, 2000, 256);
  EXPECT_GE(arena.page_count(), 1u);
  EXPECT_LT(arena.separate_count(), 100u);  // only the class's first few
  // Pages are filled densely: slack is at most the unused tail of each page.
  const size_t slot = EntryArena::SlotSize(Entry::BytesFor(7, 256));
  const size_t in_pages = 2000 - arena.separate_count();
  EXPECT_EQ(arena.slack_bytes(),
            static_cast<int64_t>(arena.page_count() * EntryArena::kPageBytes - in_pages * slot));
  EXPECT_LT(arena.slack_bytes(), static_cast<int64_t>(EntryArena::kPageBytes));
}

TEST(EntryArenaTest, FreedSlotsAreReusedAndEmptyPagesReturned) {
  EntryArena arena;
  std::vector<Entry*> entries = Fill(arena, 5000, 40);
  const size_t pages = arena.page_count();
  ASSERT_GT(pages, 2u);
  // Free every other entry: pages stay (half full), the slack grows by the freed slots.
  for (size_t i = 0; i < entries.size(); i += 2) {
    arena.Free(entries[i]);
  }
  EXPECT_EQ(arena.page_count(), pages);
  // New entries of the same class reuse the freed slots: no new page.
  std::vector<Entry*> again = Fill(arena, 2000, 40, "a");
  EXPECT_EQ(arena.page_count(), pages);
  // Freeing everything returns every page.
  for (size_t i = 1; i < entries.size(); i += 2) {
    arena.Free(entries[i]);
  }
  for (Entry* e : again) {
    arena.Free(e);
  }
  EXPECT_EQ(arena.page_count(), 0u);
  EXPECT_EQ(arena.separate_count(), 0u);
  EXPECT_EQ(arena.slack_bytes(), 0);
}

TEST(EntryArenaTest, BigEntriesAreAllocatedSeparately) {
  EntryArena arena;
  Entry* big = Make(arena, "big", std::string(EntryArena::kMaxSlabEntry, 'x'));
  EXPECT_EQ(arena.separate_count(), 1u);
  EXPECT_EQ(big->value().size(), EntryArena::kMaxSlabEntry);
  EXPECT_GE(big->AllocatedSize(), EntryArena::kMaxSlabEntry + sizeof(Entry) + 3);
  arena.Free(big);
}

TEST(EntryArenaTest, GrowthCapacityDoublesBelowOneMibAndAddsOneMibAbove) {
  constexpr size_t kMib = size_t{1} << 20;
  EXPECT_EQ(EntryArena::GrowthCapacity(5000), 10000u);
  EXPECT_EQ(EntryArena::GrowthCapacity(kMib - 1), 2 * kMib - 2);
  EXPECT_EQ(EntryArena::GrowthCapacity(kMib), 2 * kMib);
  EXPECT_EQ(EntryArena::GrowthCapacity(512 * kMib), 513 * kMib);
}

TEST(EntryArenaTest, GrowingABigValueKeepsItsBytesAndHandle) {
  EntryArena arena;
  Entry* e = arena.Allocate("k", 10'000, 0);
  std::memset(e->mutable_value(), 'a', 10'000);
  const EntryHandle handle = arena.HandleOf(e);
  e = arena.Grow(e, 10'001);
  ASSERT_NE(e, nullptr);
  e->mutable_value()[10'000] = 'b';
  EXPECT_EQ(arena.Resolve(handle), e);
  EXPECT_EQ(e->value(), std::string(10'000, 'a') + "b");
  EXPECT_EQ(e->key(), "k");
  // The reallocation made room for as much again: the next bytes go in place.
  EXPECT_EQ(EntryArena::SpareBytes(*e), Entry::BytesFor(1, 10'001));
  Entry* same = arena.Grow(e, 10'100);
  EXPECT_EQ(same, e);
  EXPECT_EQ(EntryArena::SpareBytes(*e), Entry::BytesFor(1, 10'001) - 99);
  EXPECT_EQ(e->AllocatedSize(), EntryArena::SeparateSize(2 * Entry::BytesFor(1, 10'001)));
  arena.Free(e);
  EXPECT_EQ(arena.separate_count(), 0u);
}

TEST(EntryArenaTest, AppendingByteByByteReallocatesLogarithmicallyOften) {
  EntryArena arena;
  Entry* e = arena.Allocate("k", 5000, 0);
  size_t reallocations = 0;
  for (size_t size = 5001; size <= 3 * (size_t{1} << 20); size += 97) {
    const size_t spare_before = EntryArena::SpareBytes(*e);
    e = arena.Grow(e, size);
    ASSERT_NE(e, nullptr);
    if (EntryArena::SpareBytes(*e) > spare_before) {
      ++reallocations;
    }
  }
  // Doublings from 5 KB to 1 MiB (8), then one per MiB (2).
  EXPECT_LE(reallocations, 11u);
  EXPECT_GE(reallocations, 9u);
  arena.Free(e);
}

TEST(EntryArenaTest, GrowRefusesWhatItCannotGrowInPlace) {
  EntryArena arena;
  Entry* small = arena.Allocate("s", 10, 0);
  for (int i = 0; i < 300; ++i) {
    arena.Allocate("f" + std::to_string(100 + i), 7, 0);  // 35 bytes, as "p" below: slab pages
  }
  Entry* slab = arena.Allocate("p", 10, 0);
  ASSERT_FALSE(slab->allocated_separately());
  EXPECT_EQ(arena.Grow(slab, 11), nullptr);
  Entry* big = arena.Allocate("b", 10'000, 0);
  EXPECT_EQ(arena.Grow(big, 9'999), nullptr);  // shorter
  // A separate entry whose value would cross into the long-value prefix stays unchanged.
  ASSERT_TRUE(small->allocated_separately());
  EXPECT_EQ(arena.Grow(small, Entry::kLongValueSize), nullptr);
  EXPECT_NE(arena.Grow(small, 20), nullptr);
}

TEST(EntryArenaTest, AllocateGrowableLeavesRoomOnlyBeyondTheSlabs) {
  EntryArena arena;
  Entry* big = arena.AllocateGrowable("b", 10'000, 0);
  EXPECT_EQ(EntryArena::SpareBytes(*big), Entry::BytesFor(1, 10'000));
  Entry* small = arena.AllocateGrowable("s", 100, 0);
  EXPECT_EQ(EntryArena::SpareBytes(*small), 0u);
}

TEST(EntryArenaTest, MovingKeepsEntriesAndHandles) {
  EntryArena arena;
  std::vector<Entry*> entries = Fill(arena, 1000, 10);
  const EntryHandle handle = arena.HandleOf(entries[500]);
  const int64_t slack = arena.slack_bytes();
  EntryArena moved(std::move(arena));
  EXPECT_EQ(moved.Resolve(handle), entries[500]);
  EXPECT_EQ(moved.slack_bytes(), slack);
  EXPECT_EQ(arena.page_count(), 0u);  // NOLINT(bugprone-use-after-move): defined as empty
  EntryArena assigned;
  Fill(assigned, 10, 10, "other");
  assigned = std::move(moved);
  EXPECT_EQ(assigned.Resolve(handle)->key(), "k000500");
  for (Entry* e : entries) {
    assigned.Free(e);
  }
  EXPECT_EQ(assigned.page_count(), 0u);
}

TEST(EntryArenaTest, ClearFreesEverythingAndTheArenaIsUsableAgain) {
  EntryArena arena;
  Fill(arena, 3000, 64);
  Make(arena, "big", std::string(9000, 'b'));
  arena.Clear();
  EXPECT_EQ(arena.page_count(), 0u);
  EXPECT_EQ(arena.separate_count(), 0u);
  EXPECT_EQ(arena.slack_bytes(), 0);
  Entry* e = Make(arena, "k", "v");
  EXPECT_EQ(e->value(), "v");
}

// A block laid out for an entry of `key` to be built around `value` (value_block.h), with
// `extra` bytes after the value (a request's line end).
util::MallocBlock BlockAround(const std::string& key, const std::string& value, size_t extra,
                              size_t* capacity) {
  const size_t offset = AdoptedValueOffset(key.size(), value.size());
  *capacity = offset + value.size() + extra;
  util::MallocBlock block(static_cast<char*>(std::malloc(*capacity)));
  std::memcpy(block.get() + offset, value.data(), value.size());
  return block;
}

TEST(EntryArenaTest, AdoptBuildsASeparateEntryAroundTheValueWithoutMovingIt) {
  for (const std::string& key : {std::string("k"), std::string(300, 'K')}) {
    EntryArena arena;
    const std::string value(40000, 'v');
    size_t capacity = 0;
    util::MallocBlock block = BlockAround(key, value, 2, &capacity);
    const char* value_at = block.get() + AdoptedValueOffset(key.size(), value.size());
    Entry* entry = arena.Adopt(key, block, capacity, AdoptedValueOffset(key.size(), value.size()),
                               value.size(), 1234);
    ASSERT_NE(entry, nullptr);
    EXPECT_EQ(block, nullptr);  // the arena's now
    EXPECT_EQ(entry->value().data(), value_at);
    EXPECT_EQ(entry->key(), key);
    EXPECT_EQ(entry->value(), value);
    EXPECT_EQ(entry->expire_ms(), 1234);
    EXPECT_TRUE(entry->allocated_separately());
    EXPECT_EQ(EntryArena::SpareBytes(*entry), 2u);
    EXPECT_EQ(entry->AllocatedSize(), util::AllocationSize(capacity));
    EXPECT_EQ(arena.Resolve(arena.HandleOf(entry)), entry);
    // It grows like any separate entry (into its spare bytes, then reallocated).
    entry = arena.Grow(entry, value.size() + 2);
    ASSERT_NE(entry, nullptr);
    entry = arena.Grow(entry, value.size() + 1000);
    ASSERT_NE(entry, nullptr);
    EXPECT_EQ(entry->value().substr(0, value.size()), value);
    arena.Free(entry);
    EXPECT_EQ(arena.separate_count(), 0u);
  }
}

TEST(EntryArenaTest, AdoptRefusesABlockThatDoesNotFitTheKey) {
  EntryArena arena;
  const std::string value(40000, 'v');
  size_t capacity = 0;
  util::MallocBlock block = BlockAround("key", value, 2, &capacity);
  // Laid out for a 3-byte key: not for a 4-byte one.
  EXPECT_EQ(
      arena.Adopt("key4", block, capacity, AdoptedValueOffset(3, value.size()), value.size(), 0),
      nullptr);
  EXPECT_NE(block, nullptr);
  // Nor a value that would fit a slab page.
  EXPECT_EQ(arena.Adopt("key", block, capacity, AdoptedValueOffset(3, 100), 100, 0), nullptr);
  EXPECT_NE(block, nullptr);
  EXPECT_EQ(arena.separate_count(), 0u);
}

TEST(EntryArenaTest, APinnedBlockOutlivesItsEntryUntilThePinGoes) {
  EntryArena arena;
  const std::string value(40000, 'v');
  size_t capacity = 0;
  util::MallocBlock block = BlockAround("k", value, 2, &capacity);
  const size_t offset = AdoptedValueOffset(1, value.size());
  const char* bytes = block.get() + offset;
  ValuePin pin;
  pin.Pin(block.get());
  Entry* entry = arena.Adopt("k", block, capacity, offset, value.size(), 0);
  ASSERT_NE(entry, nullptr);
  // A growth that would move it does not: the caller copies instead.
  EXPECT_EQ(arena.Grow(entry, value.size() + 100), nullptr);
  arena.Free(entry);
  EXPECT_EQ(arena.separate_count(), 0u);
  // Still readable (under ASan, a freed block would fail here).
  EXPECT_EQ(std::string_view(bytes, value.size()), value);
  pin.Reset();  // freed now
  // Blocks of cleared arenas wait too.
  util::MallocBlock second = BlockAround("k", value, 2, &capacity);
  const char* second_bytes = second.get() + offset;
  pin.Pin(second.get());
  ASSERT_NE(arena.Adopt("k", second, capacity, offset, value.size(), 0), nullptr);
  arena.Clear();
  EXPECT_EQ(std::string_view(second_bytes, value.size()), value);
}

}  // namespace
}  // namespace cachette::store
