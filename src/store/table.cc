#include "detail/table.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <utility>

#include "cachette/store/prefix_counts.h"
#include "cachette/util/hash.h"
#include "cachette/util/memory.h"

namespace cachette::store {

namespace {
constexpr size_t kInitialBuckets = 4;

int64_t BucketArrayBytes(size_t buckets) {
  return buckets == 0 ? 0
                      : static_cast<int64_t>(util::AllocationSize(buckets * sizeof(EntryHandle)));
}
}  // namespace

int64_t Table::bucket_bytes() const { return BucketArrayBytes(buckets_.size()); }

Table::Table(Table&& other) noexcept
    : arena_(std::move(other.arena_)),
      buckets_(std::move(other.buckets_)),
      index_(std::move(other.index_)),
      index_bytes_(std::exchange(other.index_bytes_, 0)),
      size_(std::exchange(other.size_, 0)),
      expires_(std::exchange(other.expires_, 0)),
      bytes_(other.bytes_),
      persistent_(std::exchange(other.persistent_, {})),
      volatile_(std::exchange(other.volatile_, {})) {
  other.buckets_.clear();
  other.AddBytes(-other.bytes_);
}

Table& Table::operator=(Table&& other) noexcept {
  if (this != &other) {
    Clear();
    arena_ = std::move(other.arena_);
    buckets_ = std::move(other.buckets_);
    other.buckets_.clear();
    index_ = std::move(other.index_);
    index_bytes_ = std::exchange(other.index_bytes_, 0);
    size_ = std::exchange(other.size_, 0);
    expires_ = std::exchange(other.expires_, 0);
    persistent_ = std::exchange(other.persistent_, {});
    volatile_ = std::exchange(other.volatile_, {});
    const int64_t moved = other.bytes_;
    other.AddBytes(-moved);
    AddBytes(moved - bytes_);
  }
  return *this;
}

Table::~Table() { Clear(); }

void Table::AttachCounter(int64_t* counter) {
  if (counter_ != nullptr) {
    *counter_ -= bytes_;
  }
  counter_ = counter;
  if (counter_ != nullptr) {
    *counter_ += bytes_;
  }
}

Entry* Table::Create(std::string_view key, std::string_view value, int64_t expire_ms) {
  Entry* entry = arena_.Allocate(key, value.size(), expire_ms);
  if (!value.empty()) {
    std::memcpy(entry->mutable_value(), value.data(), value.size());
  }
  return entry;
}

void Table::PushFront(EvictionList& list, Entry* entry, EntryHandle handle) {
  entry->lru_prev = 0;
  entry->lru_next = list.head;
  if (list.head != 0) {
    arena_.Resolve(list.head)->lru_prev = handle;
  } else {
    list.tail = handle;
  }
  list.head = handle;
}

void Table::Unlink(EvictionList& list, Entry* entry, EntryHandle /*handle*/) {
  (entry->lru_prev != 0 ? arena_.Resolve(entry->lru_prev)->lru_next : list.head) = entry->lru_next;
  (entry->lru_next != 0 ? arena_.Resolve(entry->lru_next)->lru_prev : list.tail) = entry->lru_prev;
  entry->lru_prev = entry->lru_next = 0;
}

void Table::Touch(Entry* entry) {
  EvictionList& list = list_for(entry);
  const EntryHandle handle = arena_.HandleOf(entry);
  if (list.head != handle) {
    Unlink(list, entry, handle);
    PushFront(list, entry, handle);
  }
}

Entry* Table::SecondChanceVictim(bool with_expire, const Entry* keep) {
  EvictionList& list = with_expire ? volatile_ : persistent_;
  Entry* entry = arena_.Resolve(list.tail);
  while (entry != nullptr) {
    Entry* newer = Newer(entry);
    if (entry == keep) {
      entry = newer;
      continue;
    }
    const uint32_t access = entry->access();
    if ((access & Entry::kReferencedBit) == 0) {
      return entry;
    }
    entry->set_access(access & ~Entry::kReferencedBit);
    Touch(entry);
    // Entries moved to the head are met again after the others; the head itself is looked at
    // again at once (it has no newer neighbour, and it has just lost its bit).
    entry = newer != nullptr ? newer : entry;
  }
  return nullptr;
}

void Table::Remember(Entry* entry, EntryHandle handle) {
  ++size_;
  if (entry->has_expire()) {
    ++expires_;
  }
  PushFront(list_for(entry), entry, handle);
  const auto size = static_cast<int64_t>(entry->AllocatedSize());
  AddBytes(size);
  if (prefixes_ != nullptr) {
    prefixes_->Added(entry->key(), size);
  }
}

void Table::Forget(Entry* entry, EntryHandle handle) {
  Unlink(list_for(entry), entry, handle);
  --size_;
  if (entry->has_expire()) {
    --expires_;
  }
  const auto size = static_cast<int64_t>(entry->AllocatedSize());
  AddBytes(-size);
  if (prefixes_ != nullptr) {
    prefixes_->Removed(entry->key(), size);
  }
}

void Table::Insert(Entry* entry, uint64_t hash) {
  if (size_ >= buckets_.size()) {
    Resize(buckets_.empty() ? kInitialBuckets : buckets_.size() * 2);
  }
  const EntryHandle handle = arena_.HandleOf(entry);
  EntryHandle& head = buckets_[hash & (buckets_.size() - 1)];
  entry->next = head;
  head = handle;
  Remember(entry, handle);
  index_.Insert(arena_, handle, entry->key());
  SyncIndexBytes();
}

Entry* Table::Replace(Entry* current, Entry* replacement, uint64_t hash) {
  const EntryHandle target = arena_.HandleOf(current);
  if (!current->allocated_separately() && !replacement->allocated_separately() &&
      current->AllocatedSize() == replacement->AllocatedSize()) {
    Forget(current, target);
    const EntryHandle next = current->next;
    std::memcpy(static_cast<void*>(current), static_cast<const void*>(replacement),
                Entry::BytesFor(replacement->key().size(), replacement->value_size()));
    current->next = next;
    current->lru_prev = current->lru_next = 0;
    Remember(current, target);
    arena_.Free(replacement);
    return current;
  }
  for (EntryHandle* link = &buckets_[hash & (buckets_.size() - 1)]; *link != 0;
       link = &arena_.Resolve(*link)->next) {
    if (*link == target) {
      const EntryHandle handle = arena_.HandleOf(replacement);
      replacement->next = current->next;
      *link = handle;
      Forget(current, target);
      Remember(replacement, handle);
      index_.Replace(arena_, target, handle, replacement->key());
      arena_.Free(current);
      return replacement;
    }
  }
  return replacement;
}

Entry* Table::GrowValue(Entry* entry, size_t value_size, uint64_t hash) {
  const auto before = static_cast<int64_t>(entry->AllocatedSize());
  if (Entry* grown = value_size == entry->value_size() ? entry : arena_.Grow(entry, value_size)) {
    const auto after = static_cast<int64_t>(grown->AllocatedSize());
    AddBytes(after - before);
    if (prefixes_ != nullptr) {
      prefixes_->Removed(grown->key(), before);
      prefixes_->Added(grown->key(), after);
    }
    return grown;
  }
  Entry* grown = arena_.AllocateGrowable(entry->key(), value_size, entry->expire_ms());
  const std::string_view value = entry->value();
  std::memcpy(grown->mutable_value(), value.data(), std::min(value.size(), value_size));
  grown->set_access(entry->access());
  return Replace(entry, grown, hash);
}

Entry* Table::UnlinkAt(EntryHandle* link) {
  const EntryHandle handle = *link;
  Entry* e = arena_.Resolve(handle);
  *link = e->next;
  e->next = 0;
  Forget(e, handle);
  index_.Erase(arena_, handle, e->key());
  SyncIndexBytes();
  return e;
}

Entry* Table::Detach(std::string_view key, uint64_t hash) {
  if (buckets_.empty()) {
    return nullptr;
  }
  for (EntryHandle* link = &buckets_[hash & (buckets_.size() - 1)]; *link != 0;
       link = &arena_.Resolve(*link)->next) {
    if (detail::SameKey(arena_.Resolve(*link)->key(), key)) {
      Entry* e = UnlinkAt(link);
      MaybeShrink();
      return e;
    }
  }
  return nullptr;
}

bool Table::Remove(std::string_view key, uint64_t hash) {
  Entry* e = Detach(key, hash);
  arena_.Free(e);
  return e != nullptr;
}

int64_t Table::Erase(Entry* entry) {
  const int64_t freed = static_cast<int64_t>(entry->AllocatedSize());
  const uint64_t hash = util::HashBytes(entry->key());
  const EntryHandle target = arena_.HandleOf(entry);
  for (EntryHandle* link = &buckets_[hash & (buckets_.size() - 1)]; *link != 0;
       link = &arena_.Resolve(*link)->next) {
    if (*link == target) {
      arena_.Free(UnlinkAt(link));
      MaybeShrink();
      return freed;
    }
  }
  return 0;
}

void Table::SetExpire(Entry* entry, int64_t expire_ms) {
  const bool had = entry->has_expire();
  const bool has = expire_ms != 0;
  if (had != has) {
    const EntryHandle handle = arena_.HandleOf(entry);
    Unlink(list_for(entry), entry, handle);
    entry->set_expire_ms(expire_ms);
    PushFront(list_for(entry), entry, handle);
    expires_ += has ? 1 : -1;
  } else {
    entry->set_expire_ms(expire_ms);
  }
}

void Table::Clear() {
  index_.Clear();
  index_bytes_ = 0;
  arena_.Clear();
  std::vector<EntryHandle>().swap(buckets_);
  persistent_ = {};
  volatile_ = {};
  size_ = 0;
  expires_ = 0;
  AddBytes(-bytes_);
}

size_t Table::ExpireStep(uint64_t* cursor, int64_t now_ms, size_t max_buckets, size_t* with_ttl,
                         void (*on_removed)(void* context, const Entry& entry), void* context) {
  size_t removed = 0;
  for (size_t visited = 0; visited < max_buckets && !buckets_.empty(); ++visited) {
    const uint64_t mask = buckets_.size() - 1;
    for (EntryHandle* link = &buckets_[*cursor & mask]; *link != 0;) {
      Entry* e = arena_.Resolve(*link);
      if (!e->has_expire()) {
        link = &e->next;
        continue;
      }
      ++*with_ttl;
      if (e->expire_ms() > now_ms) {
        link = &e->next;
        continue;
      }
      if (on_removed != nullptr) {
        on_removed(context, *e);
      }
      arena_.Free(UnlinkAt(link));
      ++removed;
    }
    *cursor = NextCursor(*cursor, mask);
    if (*cursor == 0) {
      break;
    }
  }
  MaybeShrink();
  return removed;
}

Entry* Table::RandomEntry(uint64_t random_chain, uint64_t random_position) const {
  const size_t mask = buckets_.size() - 1;
  EntryHandle head = 0;
  // Sparse tables are shrunk to at least 1/8 full, so a few probes usually find a chain.
  for (size_t i = 0; i <= 64 && head == 0; ++i) {
    head = buckets_[(random_chain + i * 0x9E3779B97F4A7C15ULL) & mask];
  }
  for (size_t i = 0; i < buckets_.size() && head == 0; ++i) {
    head = buckets_[i];
  }
  if (head == 0) {
    return nullptr;
  }
  size_t length = 0;
  for (Entry* e = arena_.Resolve(head); e != nullptr; e = arena_.Resolve(e->next)) {
    ++length;
  }
  Entry* pick = arena_.Resolve(head);
  for (size_t skip = random_position % length; skip > 0; --skip) {
    pick = arena_.Resolve(pick->next);
  }
  return pick;
}

uint64_t Table::NextCursor(uint64_t cursor, uint64_t mask) {
  // Redis's reverse-binary increment: set the unmasked bits, reverse, add one, reverse back.
  cursor |= ~mask;
  cursor = ReverseBits(cursor);
  ++cursor;
  return ReverseBits(cursor);
}

uint64_t Table::ReverseBits(uint64_t v) {
  v = ((v >> 1) & 0x5555555555555555ULL) | ((v & 0x5555555555555555ULL) << 1);
  v = ((v >> 2) & 0x3333333333333333ULL) | ((v & 0x3333333333333333ULL) << 2);
  v = ((v >> 4) & 0x0F0F0F0F0F0F0F0FULL) | ((v & 0x0F0F0F0F0F0F0F0FULL) << 4);
  return __builtin_bswap64(v);
}

void Table::Resize(size_t bucket_count) {
  std::vector<EntryHandle> fresh(bucket_count, 0);
  const size_t mask = bucket_count - 1;
  for (EntryHandle head : buckets_) {
    EntryHandle handle = head;
    while (handle != 0) {
      Entry* e = arena_.Resolve(handle);
      const EntryHandle next = e->next;
      EntryHandle& slot = fresh[util::HashBytes(e->key()) & mask];
      e->next = slot;
      slot = handle;
      handle = next;
    }
  }
  AddBytes(BucketArrayBytes(bucket_count) - BucketArrayBytes(buckets_.size()));
  buckets_.swap(fresh);
}

void Table::MaybeShrink() {
  if (size_ == 0) {
    AddBytes(-BucketArrayBytes(buckets_.size()));
    std::vector<EntryHandle>().swap(buckets_);
    return;
  }
  if (buckets_.size() > kInitialBuckets && size_ * 8 < buckets_.size()) {
    Resize(std::bit_ceil(size_ * 2));
  }
}

}  // namespace cachette::store
