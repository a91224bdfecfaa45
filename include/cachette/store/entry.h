#pragma once

// One key and its value in a single allocation: a small header, then the key bytes, then the
// value bytes. Entries chain through `next` in their table's bucket. This is the only place
// that allocates and frees entry memory (the entry allocator of the conventions).

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
  size_t AllocatedSize() const;

  Entry* next = nullptr;  // the next entry in the same bucket

 private:
  Entry(size_t key_size, size_t value_size, int64_t expire_ms);
  char* data() { return reinterpret_cast<char*>(this + 1); }
  const char* data() const { return reinterpret_cast<const char*>(this + 1); }

  int64_t expire_ms_;
  uint32_t key_size_;
  uint32_t value_size_;
};

}  // namespace cachette::store
