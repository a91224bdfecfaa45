#pragma once

// One key and its value in one block of memory: a 28-byte header, then the key bytes, then the
// value bytes. Entries live in their table's EntryArena (entry_arena.h), which alone creates
// and frees them; the header links an entry into its table's bucket chain and eviction list by
// 32-bit handles into that arena, not by pointers, which is what keeps the header at 28 bytes.
//
// Header fields (4-byte aligned, no padding):
//   next, lru_prev, lru_next   handles (0: none) of the bucket-chain and eviction-list neighbours
//   expiry                     48 bits of Unix milliseconds (enough until the year 10889; later
//                              instants are stored as that maximum), 0 meaning none
//   key info                   15 bits of key size (a key of 32767 bytes or more keeps its real
//                              size in a 4-byte prefix before the key bytes) and one bit that
//                              tells the arena how the entry was allocated
//   value size                 32 bits
//   access                     the eviction metadata (last access tick, or an LFU counter)

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace cachette::store {

enum class ValueType : uint8_t { kString = 0 };

// A handle names an entry inside one table's arena; 0 names none.
using EntryHandle = uint32_t;

class Entry {
 public:
  Entry(const Entry&) = delete;
  Entry& operator=(const Entry&) = delete;

  // The largest expiry an entry can hold (about the year 10889).
  static constexpr int64_t kMaxExpireMs = (int64_t{1} << 48) - 1;

  // Bytes of header, key-size prefix, key and value for an entry of these sizes.
  static size_t BytesFor(size_t key_size, size_t value_size);

  std::string_view key() const { return {key_data(), key_size()}; }
  std::string_view value() const { return {key_data() + key_size(), value_size_}; }
  char* mutable_value() { return const_cast<char*>(key_data()) + key_size(); }
  size_t value_size() const { return value_size_; }
  ValueType type() const { return ValueType::kString; }

  int64_t expire_ms() const {
    return static_cast<int64_t>((uint64_t{expire_high_} << 32) | expire_low_);
  }
  bool has_expire() const { return expire_low_ != 0 || expire_high_ != 0; }
  // 0 removes the expiry; instants past kMaxExpireMs are stored as kMaxExpireMs.
  void set_expire_ms(int64_t value);
  bool IsExpired(int64_t now_ms) const {
    const int64_t expire = expire_ms();
    return expire != 0 && expire <= now_ms;
  }

  // Bytes this entry occupies (what memory accounting counts): its arena slot, or its own
  // allocation.
  size_t AllocatedSize() const;

  // Eviction metadata: the last access tick (LRU policies) or a logarithmic access counter
  // with its last decrement time in minutes (LFU policies).
  uint32_t access() const { return access_; }
  void set_access(uint32_t value) { access_ = value; }

  EntryHandle next = 0;      // the next entry in the same bucket
  EntryHandle lru_prev = 0;  // eviction list neighbours (towards the most recent)
  EntryHandle lru_next = 0;  // (towards the least recent)

 private:
  friend class EntryArena;

  static constexpr uint16_t kSeparateBit = 0x8000;  // allocated on its own, outside a page
  static constexpr uint16_t kKeySizeMask = 0x7FFF;
  static constexpr uint16_t kLongKey = 0x7FFF;  // key size field value: real size in a prefix

  Entry(size_t key_size, size_t value_size, int64_t expire_ms, bool separate);
  const char* data() const { return reinterpret_cast<const char*>(this + 1); }
  bool long_key() const { return (key_info_ & kKeySizeMask) == kLongKey; }
  bool separate() const { return (key_info_ & kSeparateBit) != 0; }
  size_t key_size() const {
    if (!long_key()) {
      return key_info_ & kKeySizeMask;
    }
    uint32_t size = 0;
    std::memcpy(&size, data(), sizeof(size));
    return size;
  }
  const char* key_data() const { return long_key() ? data() + sizeof(uint32_t) : data(); }
  size_t bytes() const { return BytesFor(key_size(), value_size_); }

  uint32_t expire_low_ = 0;
  uint16_t expire_high_ = 0;
  uint16_t key_info_ = 0;
  uint32_t value_size_;
  uint32_t access_ = 0;
};

static_assert(sizeof(Entry) == 28, "the entry header's size decides the memory per key");
static_assert(alignof(Entry) == 4);

}  // namespace cachette::store
