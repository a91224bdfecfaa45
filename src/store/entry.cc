#include "cachette/store/entry.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>

#include "cachette/util/memory.h"

namespace cachette::store {

namespace {
// Bytes in front of the key: a long key's real size.
size_t KeyPrefixSize(size_t key_size) { return key_size >= 0xFFFF ? sizeof(uint32_t) : 0; }
}  // namespace

Entry::Entry(size_t key_size, size_t value_size, int64_t expire_ms)
    : expire_and_key_(static_cast<uint64_t>(std::min<size_t>(key_size, kLongKey)) << 48),
      value_size_(static_cast<uint32_t>(value_size)) {
  set_expire_ms(expire_ms);
}

void Entry::set_expire_ms(int64_t value) {
  const uint64_t expire =
      value <= 0 ? 0 : static_cast<uint64_t>(std::min<int64_t>(value, kMaxExpireMs));
  expire_and_key_ = (expire_and_key_ & ~kExpireMask) | expire;
}

size_t Entry::key_size() const {
  if (!long_key()) {
    return static_cast<size_t>(expire_and_key_ >> 48);
  }
  uint32_t size = 0;
  std::memcpy(&size, data(), sizeof(size));
  return size;
}

Entry* Entry::CreateUninitialised(std::string_view key, size_t value_size, int64_t expire_ms) {
  const size_t prefix = KeyPrefixSize(key.size());
  void* memory = std::malloc(sizeof(Entry) + prefix + key.size() + value_size);
  if (memory == nullptr) {
    throw std::bad_alloc();
  }
  Entry* entry = new (memory) Entry(key.size(), value_size, expire_ms);
  char* bytes = reinterpret_cast<char*>(entry + 1);
  if (prefix != 0) {
    const uint32_t size = static_cast<uint32_t>(key.size());
    std::memcpy(bytes, &size, sizeof(size));
  }
  if (!key.empty()) {
    std::memcpy(bytes + prefix, key.data(), key.size());
  }
  return entry;
}

Entry* Entry::Create(std::string_view key, std::string_view value, int64_t expire_ms) {
  Entry* entry = CreateUninitialised(key, value.size(), expire_ms);
  if (!value.empty()) {
    std::memcpy(entry->mutable_value(), value.data(), value.size());
  }
  return entry;
}

void Entry::Destroy(Entry* entry) {
  if (entry != nullptr) {
    entry->~Entry();
    std::free(entry);
  }
}

size_t Entry::AllocatedSizeFor(size_t key_size, size_t value_size) {
  return util::AllocationSize(sizeof(Entry) + KeyPrefixSize(key_size) + key_size + value_size);
}

}  // namespace cachette::store
