#pragma once

// One key and its value in a single allocation: a header, then the key bytes, then the value
// bytes. The header links the entry into its table's bucket chain and into its table's
// eviction list, and holds the expiry and the eviction metadata (last access, or an LFU
// counter). This is the only place that allocates and frees entry memory (the entry allocator
// of the conventions).
//
// Header: 48 bytes (three links, expiry, two sizes, access stamp, database, flags). The
// memory-per-key work shrinks it behind this same interface.

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

  std::string_view key() const { return {data(), key_size_}; }
  std::string_view value() const { return {data() + key_size_, value_size_}; }
  char* mutable_value() { return data() + key_size_; }
  size_t value_size() const { return value_size_; }
  ValueType type() const { return ValueType::kString; }

  int64_t expire_ms() const { return expire_ms_; }
  bool has_expire() const { return expire_ms_ != 0; }
  void set_expire_ms(int64_t value) { expire_ms_ = value; }
  bool IsExpired(int64_t now_ms) const { return expire_ms_ != 0 && expire_ms_ <= now_ms; }

  // Bytes this entry occupies in the allocator (what memory accounting counts).
  size_t AllocatedSize() const { return AllocatedSizeFor(key_size_, value_size_); }

  // Eviction metadata: the last access in seconds (LRU policies) or a logarithmic access
  // counter with its last decrement time in minutes (LFU policies), as Redis keeps in 24 bits.
  uint32_t access() const { return access_; }
  void set_access(uint32_t value) { access_ = value; }

  Entry* next = nullptr;      // the next entry in the same bucket
  Entry* lru_prev = nullptr;  // eviction list neighbours (towards the most recent)
  Entry* lru_next = nullptr;  // (towards the least recent)

 private:
  Entry(size_t key_size, size_t value_size, int64_t expire_ms);
  char* data() { return reinterpret_cast<char*>(this + 1); }
  const char* data() const { return reinterpret_cast<const char*>(this + 1); }

  int64_t expire_ms_;
  uint32_t key_size_;
  uint32_t value_size_;
  uint32_t access_ = 0;
  uint32_t reserved_ = 0;
};

}  // namespace cachette::store
