#pragma once

// One key and its value in one block of memory: a 24-byte header, then the sizes of a long key
// or value (if any), then the key bytes, then the value bytes. Entries live in their table's
// EntryArena (entry_arena.h), which alone creates and frees them; the header links an entry
// into its table's bucket chain and eviction list by 32-bit handles into that arena, not by
// pointers, which is what keeps the header at 24 bytes.
//
// Header (4-byte aligned, no padding):
//   bytes  0-11  next, lru_prev, lru_next: handles (0: none) of the bucket-chain and
//                eviction-list neighbours
//   bytes 12-15  the low 32 bits of the expiry
//   bytes 16-23  one 64-bit word (read and written whole, with memcpy, as it is only 4-byte
//                aligned) of bit fields, from the lowest bit:
//                  0-15   the high 16 bits of the expiry: 48 bits of Unix milliseconds in all
//                         (enough until the year 10889; later instants are stored as that
//                         maximum), 0 meaning none
//                  16-23  key size; 255: a long key, whose real size is in a 4-byte prefix
//                  24-34  value size; 2047: a long value, whose real size is in a 4-byte prefix
//                  35     allocated on its own, outside the arena's pages
//                  36-63  access (28 bits): the eviction metadata. LRU policies: a referenced
//                         bit (the top one; see Table::SecondChanceVictim) and a clock of 1 s
//                         ticks in the 27 others, which wraps every 2^27 s (4.2 years; Redis's
//                         24-bit seconds clock wraps every 194 days). LFU policies: Redis's
//                         24-bit LFU field (16 bits of minutes and an 8-bit counter)
// Then: [key size, 4 bytes, if long] [value size, 4 bytes, if long] key bytes, value bytes.
//
// The prefixes cost little: keys of 255 bytes or more are rare, and values of 2047 bytes or
// more make entries of over 2 KiB, whose slots are 256 bytes apart (or which are allocated on
// their own beyond 4 KiB), so 4 more bytes rarely change what one takes. The value size field
// is that narrow so that the access field keeps a referenced bit beside an LRU clock that wraps
// later than Redis's (see Store::OnAccess).

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
  // Key and value sizes from which the real size is kept in a 4-byte prefix.
  static constexpr size_t kLongKeySize = 0xFF;
  static constexpr size_t kLongValueSize = 0x7FF;
  // The eviction metadata is this many bits wide (set_access keeps only these).
  static constexpr unsigned kAccessBits = 28;
  static constexpr uint32_t kAccessMask = (uint32_t{1} << kAccessBits) - 1;
  // LRU policies: set by a hit, cleared when the eviction scan gives the entry its second
  // chance. (LFU data uses only the low 24 bits of the field.)
  static constexpr uint32_t kReferencedBit = uint32_t{1} << (kAccessBits - 1);

  // Bytes of header, size prefixes, key and value for an entry of these sizes.
  static size_t BytesFor(size_t key_size, size_t value_size);

  std::string_view key() const { return {key_data(), key_size()}; }
  std::string_view value() const { return {key_data() + key_size(), value_size()}; }
  char* mutable_value() { return const_cast<char*>(key_data()) + key_size(); }
  size_t value_size() const {
    const uint64_t info = Info();
    const size_t size = Field(info, kValueShift, kValueMask);
    if (size != kLongValueSize) {
      return size;
    }
    return ReadPrefix(Field(info, kKeyShift, kKeyMask) == kLongKeySize ? sizeof(uint32_t) : 0);
  }
  ValueType type() const { return ValueType::kString; }

  int64_t expire_ms() const {
    return static_cast<int64_t>(((Info() & kExpireHighMask) << 32) | expire_low_);
  }
  bool has_expire() const { return expire_low_ != 0 || (Info() & kExpireHighMask) != 0; }
  // 0 removes the expiry; instants past kMaxExpireMs are stored as kMaxExpireMs.
  void set_expire_ms(int64_t value);
  bool IsExpired(int64_t now_ms) const {
    const int64_t expire = expire_ms();
    return expire != 0 && expire <= now_ms;
  }

  // Bytes this entry occupies (what memory accounting counts): its arena slot, or its own
  // allocation.
  size_t AllocatedSize() const;
  // True when it has an allocation of its own rather than an arena slot.
  bool allocated_separately() const { return separate(); }

  // Eviction metadata, kAccessBits wide: the last access as an LRU clock stamp (LRU
  // policies), or a logarithmic access counter with its last decrement time in minutes (LFU
  // policies).
  uint32_t access() const { return static_cast<uint32_t>(Info() >> kAccessShift); }
  void set_access(uint32_t value) {
    SetInfo((Info() & ~(uint64_t{kAccessMask} << kAccessShift)) |
            (uint64_t{value & kAccessMask} << kAccessShift));
  }

  EntryHandle next = 0;      // the next entry in the same bucket
  EntryHandle lru_prev = 0;  // eviction list neighbours (towards the most recent)
  EntryHandle lru_next = 0;  // (towards the least recent)

 private:
  friend class EntryArena;

  static constexpr uint64_t kExpireHighMask = 0xFFFF;
  static constexpr unsigned kKeyShift = 16;
  static constexpr uint64_t kKeyMask = kLongKeySize;
  static constexpr unsigned kValueShift = 24;
  static constexpr uint64_t kValueMask = kLongValueSize;
  static constexpr unsigned kSeparateShift = 35;
  static constexpr unsigned kAccessShift = 36;
  static_assert(kAccessShift + kAccessBits == 64);

  // Writes the header and the size prefixes; the caller copies the key to mutable_key().
  Entry(size_t key_size, size_t value_size, int64_t expire_ms, bool separate);

  uint64_t Info() const {
    uint64_t info = 0;
    std::memcpy(&info, info_, sizeof(info));
    return info;
  }
  void SetInfo(uint64_t info) { std::memcpy(info_, &info, sizeof(info)); }
  static size_t Field(uint64_t info, unsigned shift, uint64_t mask) {
    return static_cast<size_t>((info >> shift) & mask);
  }
  const char* data() const { return reinterpret_cast<const char*>(this + 1); }
  uint32_t ReadPrefix(size_t offset) const {
    uint32_t size = 0;
    std::memcpy(&size, data() + offset, sizeof(size));
    return size;
  }
  bool long_key() const { return Field(Info(), kKeyShift, kKeyMask) == kLongKeySize; }
  bool long_value() const { return Field(Info(), kValueShift, kValueMask) == kLongValueSize; }
  bool separate() const { return Field(Info(), kSeparateShift, 1) != 0; }
  size_t key_size() const {
    const size_t size = Field(Info(), kKeyShift, kKeyMask);
    return size == kLongKeySize ? ReadPrefix(0) : size;
  }
  const char* key_data() const {
    const uint64_t info = Info();
    return data() + (Field(info, kKeyShift, kKeyMask) == kLongKeySize ? sizeof(uint32_t) : 0) +
           (Field(info, kValueShift, kValueMask) == kLongValueSize ? sizeof(uint32_t) : 0);
  }
  char* mutable_key() { return const_cast<char*>(key_data()); }
  // Changes the value's size where it is kept; the new size must be on the same side of
  // kLongValueSize as the old one (so that no byte moves). The arena grows the block first.
  void SetValueSize(size_t value_size);
  size_t bytes() const { return BytesFor(key_size(), value_size()); }

  uint32_t expire_low_ = 0;
  uint32_t info_[2] = {0, 0};  // the 64-bit word of bit fields described above
};

static_assert(sizeof(Entry) == 24, "the entry header's size decides the memory per key");
static_assert(alignof(Entry) == 4);

}  // namespace cachette::store
