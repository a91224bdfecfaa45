// The 24-byte entry header: what it holds (key and value bytes, expiry), sizes around the long-key
// and long-value thresholds (where the real size moves to a 4-byte prefix), the 28-bit access
// field, and what each entry costs.

#include "cachette/store/entry.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "detail/entry_arena.h"

namespace cachette::store {
namespace {

constexpr size_t kLongKey = Entry::kLongKeySize;      // 255
constexpr size_t kLongValue = Entry::kLongValueSize;  // 2047

// A value whose bytes all differ from their neighbours', so a shifted value shows.
std::string Pattern(size_t size) {
  std::string value(size, '\0');
  for (size_t i = 0; i < size; ++i) {
    value[i] = static_cast<char>('a' + i % 23);
  }
  return value;
}

Entry* Make(EntryArena& arena, const std::string& key, const std::string& value,
            int64_t expire_ms = 0) {
  Entry* entry = arena.Allocate(key, value.size(), expire_ms);
  std::copy(value.begin(), value.end(), entry->mutable_value());
  return entry;
}

TEST(EntryTest, HeaderIs24Bytes) {
  EXPECT_EQ(sizeof(Entry), 24u);
  EXPECT_EQ(Entry::BytesFor(0, 0), 24u);
  EXPECT_EQ(EntryArena::SlotSize(Entry::BytesFor(0, 0)), 24u);
}

TEST(EntryTest, BytesForAddsAPrefixFromEachThreshold) {
  EXPECT_EQ(Entry::BytesFor(254, 10), 24u + 254 + 10);
  EXPECT_EQ(Entry::BytesFor(255, 10), 24u + 4 + 255 + 10);
  EXPECT_EQ(Entry::BytesFor(256, 10), 24u + 4 + 256 + 10);
  EXPECT_EQ(Entry::BytesFor(3, 2046), 24u + 3 + 2046);
  EXPECT_EQ(Entry::BytesFor(3, 2047), 24u + 4 + 3 + 2047);
  EXPECT_EQ(Entry::BytesFor(3, 2048), 24u + 4 + 3 + 2048);
  EXPECT_EQ(Entry::BytesFor(255, 2047), 24u + 8 + 255 + 2047);
  // Long values make entries beyond 2 KiB, whose slots are 256 bytes apart.
  EXPECT_EQ(EntryArena::SlotSize(Entry::BytesFor(0, kLongValue)), 2304u);
  // proto-max-bulk-len's default, 512 MB, and the largest size a prefix holds.
  constexpr size_t k512Mb = size_t{512} << 20;
  EXPECT_EQ(Entry::BytesFor(16, k512Mb), 24u + 4 + 16 + k512Mb);
  EXPECT_EQ(Entry::BytesFor(300, k512Mb), 24u + 8 + 300 + k512Mb);
  EXPECT_EQ(Entry::BytesFor(16, UINT32_MAX), 24u + 4 + 16 + size_t{UINT32_MAX});
  EXPECT_EQ(EntryArena::SlotSize(Entry::BytesFor(16, k512Mb)), 0u);  // allocated separately
}

TEST(EntryTest, KeySizesAroundTheLongKeyThreshold) {
  EntryArena arena;
  for (size_t size : {size_t{0}, size_t{1}, kLongKey - 1, kLongKey, kLongKey + 1, size_t{1000},
                      size_t{65536}, size_t{200000}}) {
    const std::string key = Pattern(size);
    Entry* entry = Make(arena, key, "value");
    EXPECT_EQ(entry->key(), key) << size;
    EXPECT_EQ(entry->value(), "value") << size;
    EXPECT_EQ(entry->value_size(), 5u) << size;
    const size_t bytes = Entry::BytesFor(size, 5);
    EXPECT_EQ(bytes, 24 + (size >= kLongKey ? 4 : 0) + size + 5) << size;
    EXPECT_GE(entry->AllocatedSize(), bytes) << size;
    arena.Free(entry);
  }
  EXPECT_EQ(arena.page_count(), 0u);
  EXPECT_EQ(arena.separate_count(), 0u);
}

TEST(EntryTest, ValueSizesAroundTheLongValueThreshold) {
  EntryArena arena;
  for (size_t key_size : {size_t{3}, kLongKey - 1, kLongKey, size_t{300}}) {
    const std::string key(key_size, 'k');
    for (size_t size : {size_t{0}, size_t{1}, kLongValue - 2, kLongValue - 1, kLongValue,
                        kLongValue + 1, size_t{65535}, size_t{65536}, size_t{1} << 20}) {
      const std::string value = Pattern(size);
      Entry* entry = Make(arena, key, value, 1'700'000'000'123);
      EXPECT_EQ(entry->value_size(), size) << key_size << " " << size;
      EXPECT_EQ(entry->value(), value) << key_size << " " << size;
      EXPECT_EQ(entry->key(), key) << key_size << " " << size;
      EXPECT_EQ(entry->expire_ms(), 1'700'000'000'123);
      EXPECT_GE(entry->AllocatedSize(), Entry::BytesFor(key_size, size));
      // The handle still finds it (the separate bit shares a field with the value size).
      EXPECT_EQ(arena.Resolve(arena.HandleOf(entry)), entry);
      arena.Free(entry);
    }
  }
  EXPECT_EQ(arena.separate_count(), 0u);
}

TEST(EntryTest, SlabEntriesBesideTheThresholdsKeepTheirBytes) {
  // Enough entries of one class to use pages, with key sizes on both sides of 255.
  EntryArena arena;
  std::vector<Entry*> entries;
  for (size_t i = 0; i < 600; ++i) {
    const size_t key_size = kLongKey - 1 + i % 3;
    std::string key(key_size, 'k');
    key.replace(0, std::to_string(i).size(), std::to_string(i));
    entries.push_back(Make(arena, key, Pattern(i % 50)));
  }
  EXPECT_GT(arena.page_count(), 0u);
  for (size_t i = 0; i < entries.size(); ++i) {
    EXPECT_EQ(entries[i]->key().size(), kLongKey - 1 + i % 3);
    EXPECT_EQ(entries[i]->key().substr(0, std::to_string(i).size()), std::to_string(i));
    EXPECT_EQ(entries[i]->value(), Pattern(i % 50));
    EXPECT_EQ(arena.Resolve(arena.HandleOf(entries[i])), entries[i]);
  }
  for (Entry* entry : entries) {
    arena.Free(entry);
  }
  EXPECT_EQ(arena.page_count(), 0u);
  EXPECT_EQ(arena.slack_bytes(), 0);
}

TEST(EntryTest, AccessKeeps28BitsAndLeavesTheOtherFieldsAlone) {
  EntryArena arena;
  for (size_t key_size : {size_t{7}, kLongKey - 1, kLongKey, size_t{1000}}) {
    const std::string key(key_size, 'k');
    Entry* entry = Make(arena, key, "value", Entry::kMaxExpireMs);
    EXPECT_EQ(entry->access(), 0u);
    entry->set_access(0xFFFFFFF);
    EXPECT_EQ(entry->access(), 0xFFFFFFFu);
    EXPECT_EQ(entry->key(), key);
    entry->set_access(0xF2345678);  // only the low 28 bits are kept
    EXPECT_EQ(entry->access(), 0x2345678u);
    EXPECT_EQ(entry->key(), key);
    EXPECT_EQ(entry->expire_ms(), Entry::kMaxExpireMs);
    entry->set_access(0);
    EXPECT_EQ(entry->access(), 0u);
    EXPECT_EQ(entry->key(), key);
    EXPECT_EQ(entry->value(), "value");
    EXPECT_EQ(entry->expire_ms(), Entry::kMaxExpireMs);
    EXPECT_EQ(arena.Resolve(arena.HandleOf(entry)), entry);
    arena.Free(entry);
  }
}

TEST(EntryTest, ExpiryLeavesTheValueSizeAlone) {
  EntryArena arena;
  for (size_t size : {size_t{5}, kLongValue}) {
    Entry* entry = Make(arena, "key", Pattern(size));
    entry->set_access(Entry::kAccessMask);
    entry->set_expire_ms(INT64_MAX);
    EXPECT_EQ(entry->expire_ms(), Entry::kMaxExpireMs);
    EXPECT_EQ(entry->value_size(), size);
    entry->set_expire_ms(0);
    EXPECT_FALSE(entry->has_expire());
    EXPECT_EQ(entry->value(), Pattern(size));
    EXPECT_EQ(entry->access(), Entry::kAccessMask);
    arena.Free(entry);
  }
}

TEST(EntryTest, AValueGrowingPastTheThresholdIsCopiedWhole) {
  // What APPEND and SETRANGE do: a new entry of the new size, then the old bytes and the new.
  EntryArena arena;
  const std::string key(kLongKey, 'k');
  Entry* current = Make(arena, key, Pattern(kLongValue - 1));
  const std::string suffix = "tail";
  Entry* grown = arena.Allocate(key, current->value_size() + suffix.size(), 0);
  std::copy(current->value().begin(), current->value().end(), grown->mutable_value());
  std::copy(suffix.begin(), suffix.end(), grown->mutable_value() + current->value_size());
  EXPECT_EQ(grown->value_size(), kLongValue + 3);
  EXPECT_EQ(grown->value(), Pattern(kLongValue - 1) + suffix);
  EXPECT_EQ(grown->key(), key);
  arena.Free(current);
  arena.Free(grown);
}

TEST(EntryTest, HoldsKeyValueAndExpiry) {
  EntryArena arena;
  Entry* entry = Make(arena, "key", "value", 1234);
  EXPECT_EQ(entry->key(), "key");
  EXPECT_EQ(entry->value(), "value");
  EXPECT_EQ(entry->value_size(), 5u);
  EXPECT_TRUE(entry->has_expire());
  EXPECT_EQ(entry->expire_ms(), 1234);
  EXPECT_GE(entry->AllocatedSize(), sizeof(Entry) + 8);
  arena.Free(entry);
}

TEST(EntryTest, ExpiresAtItsExpiryInstantNotBefore) {
  EntryArena arena;
  Entry* entry = Make(arena, "k", "v", 1000);
  EXPECT_FALSE(entry->IsExpired(999));
  EXPECT_TRUE(entry->IsExpired(1000));
  EXPECT_TRUE(entry->IsExpired(1001));
  entry->set_expire_ms(0);
  EXPECT_FALSE(entry->has_expire());
  EXPECT_FALSE(entry->IsExpired(INT64_MAX));
  arena.Free(entry);
}

TEST(EntryTest, HoldsEmptyKeyAndEmptyValue) {
  EntryArena arena;
  Entry* entry = Make(arena, "", "", 0);
  EXPECT_EQ(entry->key(), "");
  EXPECT_EQ(entry->value(), "");
  EXPECT_FALSE(entry->has_expire());
  arena.Free(entry);
}

TEST(EntryTest, HoldsBinaryBytes) {
  EntryArena arena;
  const std::string key("a\0b", 3);
  const std::string value("\0\r\n\xff", 4);
  Entry* entry = Make(arena, key, value, 0);
  EXPECT_EQ(entry->key(), key);
  EXPECT_EQ(entry->value(), value);
  arena.Free(entry);
}

TEST(EntryTest, UninitialisedValueCanBeFilledInPlace) {
  EntryArena arena;
  Entry* entry = arena.Allocate("k", 3, 0);
  std::copy_n("abc", 3, entry->mutable_value());
  EXPECT_EQ(entry->value(), "abc");
  arena.Free(entry);
}

TEST(EntryTest, FreeAcceptsNull) {
  EntryArena arena;
  arena.Free(nullptr);
}

TEST(EntryTest, LongKeysKeepTheirExactSize) {
  EntryArena arena;
  for (size_t size : {size_t{0}, size_t{1}, size_t{32766}, size_t{32767}, size_t{32768},
                      size_t{65536}, size_t{200000}}) {
    const std::string key(size, 'k');
    Entry* entry = Make(arena, key, "value", 0);
    EXPECT_EQ(entry->key(), key) << size;
    EXPECT_EQ(entry->value(), "value") << size;
    EXPECT_GE(entry->AllocatedSize(), sizeof(Entry) + size + 5) << size;
    arena.Free(entry);
  }
}

TEST(EntryTest, ExpiryIsKeptToTheMillisecondAndClampedFarAway) {
  EntryArena arena;
  Entry* entry = Make(arena, "key", "value", 1'700'000'000'123);
  EXPECT_EQ(entry->expire_ms(), 1'700'000'000'123);
  EXPECT_EQ(entry->value(), "value");  // the expiry shares a word with the value size
  entry->set_expire_ms(INT64_MAX);
  EXPECT_EQ(entry->expire_ms(), Entry::kMaxExpireMs);
  EXPECT_TRUE(entry->has_expire());
  EXPECT_FALSE(entry->IsExpired(1'700'000'000'000));
  entry->set_expire_ms(0);
  EXPECT_FALSE(entry->has_expire());
  EXPECT_EQ(entry->key(), "key");
  arena.Free(entry);
}

TEST(EntryTest, SmallEntriesTakeTheirSizeRoundedToFourBytes) {
  // 16-byte keys: 32-byte values take 72 bytes, 256-byte values 296 (memory.py's workloads).
  EXPECT_EQ(EntryArena::SlotSize(Entry::BytesFor(16, 32)), 72u);
  EXPECT_EQ(EntryArena::SlotSize(Entry::BytesFor(16, 256)), 296u);
}

}  // namespace
}  // namespace cachette::store
