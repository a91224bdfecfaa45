#include "cachette/store/entry.h"

#include <cstdlib>
#include <cstring>
#include <new>

#include "cachette/util/memory.h"

namespace cachette::store {

Entry::Entry(size_t key_size, size_t value_size, int64_t expire_ms)
    : expire_ms_(expire_ms),
      key_size_(static_cast<uint32_t>(key_size)),
      value_size_(static_cast<uint32_t>(value_size)) {}

Entry* Entry::CreateUninitialised(std::string_view key, size_t value_size, int64_t expire_ms) {
  void* memory = std::malloc(sizeof(Entry) + key.size() + value_size);
  if (memory == nullptr) {
    throw std::bad_alloc();
  }
  Entry* entry = new (memory) Entry(key.size(), value_size, expire_ms);
  if (!key.empty()) {
    std::memcpy(entry->data(), key.data(), key.size());
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
  return util::AllocationSize(sizeof(Entry) + key_size + value_size);
}

}  // namespace cachette::store
