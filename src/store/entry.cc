#include "cachette/store/entry.h"

#include <algorithm>

#include "detail/entry_arena.h"

namespace cachette::store {

Entry::Entry(size_t key_size, size_t value_size, int64_t expire_ms, bool separate) {
  SetInfo((uint64_t{std::min(key_size, kLongKeySize)} << kKeyShift) |
          (uint64_t{std::min(value_size, kLongValueSize)} << kValueShift) |
          (uint64_t{separate ? 1u : 0u} << kSeparateShift));
  set_expire_ms(expire_ms);
  char* prefix = const_cast<char*>(data());
  if (key_size >= kLongKeySize) {
    const uint32_t size = static_cast<uint32_t>(key_size);
    std::memcpy(prefix, &size, sizeof(size));
    prefix += sizeof(size);
  }
  if (value_size >= kLongValueSize) {
    const uint32_t size = static_cast<uint32_t>(value_size);
    std::memcpy(prefix, &size, sizeof(size));
  }
}

size_t Entry::BytesFor(size_t key_size, size_t value_size) {
  const size_t prefixes = (key_size >= kLongKeySize ? sizeof(uint32_t) : 0) +
                          (value_size >= kLongValueSize ? sizeof(uint32_t) : 0);
  return sizeof(Entry) + prefixes + key_size + value_size;
}

void Entry::set_expire_ms(int64_t value) {
  const uint64_t expire =
      value <= 0 ? 0 : static_cast<uint64_t>(std::min<int64_t>(value, kMaxExpireMs));
  expire_low_ = static_cast<uint32_t>(expire);
  SetInfo((Info() & ~kExpireHighMask) | (expire >> 32));
}

void Entry::SetValueSize(size_t value_size) {
  if (long_value()) {
    const uint32_t size = static_cast<uint32_t>(value_size);
    std::memcpy(const_cast<char*>(data()) + (long_key() ? sizeof(uint32_t) : 0), &size,
                sizeof(size));
  } else {
    SetInfo((Info() & ~(kValueMask << kValueShift)) | (uint64_t{value_size} << kValueShift));
  }
}

size_t Entry::AllocatedSize() const {
  return separate() ? EntryArena::SeparateSize(bytes() + EntryArena::SpareBytes(*this))
                    : EntryArena::SlotSize(bytes());
}

}  // namespace cachette::store
