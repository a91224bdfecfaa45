#pragma once

// One key and its value in a single allocation: a header, then the key bytes, then the value
// bytes. The header links the entry into its table's bucket chain and into its table's
// eviction list, and holds the expiry and the eviction metadata (last access, or an LFU
// counter). This is the only place that allocates and frees entry memory (the entry allocator
// of the conventions).
//
// Header: 40 bytes: three links; one word with the expiry (48 bits of Unix ms, enough until the
// year 10889; later instants are stored as that maximum) and the key size (16 bits; a key of
// 65535 bytes or more stores its real size in a 4-byte prefix before the key bytes); the value
// size; the access field. 40 bytes keep a 16-byte key and a 200-byte value in jemalloc's
// 256-byte class. The memory-per-key work shrinks it further behind this same interface.

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace cachette::store {

enum class ValueType : uint8_t { kString = 0 };

class Entry {
 public:
  // Allocates an entry holding copies of key and value; expire_ms 0 means no expiry.
  static Entry* Create(std::string_view key, std::string_view value, int64_t expire_ms);
  // Allocates an entry for `key` whose value has `value_size` uninitialised bytes, for callers
  // that build the value in place (APPEND, SETRANGE).
  static Entry* CreateUninitialised(std::string_view key, size_t value_size, int64_t expire_ms);
  static void Destroy(Entry* entry);
  // What an entry of these sizes occupies in the allocator (exact with jemalloc).
  static size_t AllocatedSizeFor(size_t key_size, size_t value_size);

  Entry(const Entry&) = delete;
  Entry& operator=(const Entry&) = delete;

  // The largest expiry an entry can hold (about the year 10889).
  static constexpr int64_t kMaxExpireMs = (int64_t{1} << 48) - 1;

  std::string_view key() const { return {key_data(), key_size()}; }
  std::string_view value() const { return {key_data() + key_size(), value_size_}; }
  char* mutable_value() { return const_cast<char*>(key_data()) + key_size(); }
  size_t value_size() const { return value_size_; }
  ValueType type() const { return ValueType::kString; }

  int64_t expire_ms() const { return static_cast<int64_t>(expire_and_key_ & kExpireMask); }
  bool has_expire() const { return (expire_and_key_ & kExpireMask) != 0; }
  // 0 removes the expiry; instants past kMaxExpireMs are stored as kMaxExpireMs.
  void set_expire_ms(int64_t value);
  bool IsExpired(int64_t now_ms) const {
    const int64_t expire = expire_ms();
    return expire != 0 && expire <= now_ms;
  }

  // Bytes this entry occupies in the allocator (what memory accounting counts).
  size_t AllocatedSize() const { return AllocatedSizeFor(key_size(), value_size_); }

  // Eviction metadata: the last access in seconds (LRU policies) or a logarithmic access
  // counter with its last decrement time in minutes (LFU policies), as Redis keeps in 24 bits.
  uint32_t access() const { return access_; }
  void set_access(uint32_t value) { access_ = value; }

  Entry* next = nullptr;      // the next entry in the same bucket
  Entry* lru_prev = nullptr;  // eviction list neighbours (towards the most recent)
  Entry* lru_next = nullptr;  // (towards the least recent)

 private:
  static constexpr uint64_t kExpireMask = (uint64_t{1} << 48) - 1;
  static constexpr uint32_t kLongKey = 0xFFFF;  // key size field value: real size in a prefix

  Entry(size_t key_size, size_t value_size, int64_t expire_ms);
  const char* data() const { return reinterpret_cast<const char*>(this + 1); }
  bool long_key() const { return (expire_and_key_ >> 48) == kLongKey; }
  size_t key_size() const;
  const char* key_data() const { return long_key() ? data() + sizeof(uint32_t) : data(); }

  uint64_t expire_and_key_;  // expiry in the low 48 bits, key size (or kLongKey) above
  uint32_t value_size_;
  uint32_t access_ = 0;
};

static_assert(sizeof(Entry) == 40, "the entry header's size decides its allocation class");

}  // namespace cachette::store
