#include "cachette/store/entry.h"

#include <algorithm>

#include "cachette/store/entry_arena.h"

namespace cachette::store {

namespace {
// Bytes in front of the key: a long key's real size.
size_t KeyPrefixSize(size_t key_size) { return key_size >= 0x7FFF ? sizeof(uint32_t) : 0; }
}  // namespace

Entry::Entry(size_t key_size, size_t value_size, int64_t expire_ms, bool separate)
    : key_info_(static_cast<uint16_t>(std::min<size_t>(key_size, kLongKey) |
                                      (separate ? kSeparateBit : 0))),
      value_size_(static_cast<uint32_t>(value_size)) {
  set_expire_ms(expire_ms);
}

size_t Entry::BytesFor(size_t key_size, size_t value_size) {
  return sizeof(Entry) + KeyPrefixSize(key_size) + key_size + value_size;
}

void Entry::set_expire_ms(int64_t value) {
  const uint64_t expire =
      value <= 0 ? 0 : static_cast<uint64_t>(std::min<int64_t>(value, kMaxExpireMs));
  expire_low_ = static_cast<uint32_t>(expire);
  expire_high_ = static_cast<uint16_t>(expire >> 32);
}

size_t Entry::AllocatedSize() const {
  return separate() ? EntryArena::SeparateSize(bytes()) : EntryArena::SlotSize(bytes());
}

}  // namespace cachette::store
