#include "cachette/store/table.h"

#include <bit>
#include <utility>

#include "cachette/util/hash.h"
#include "cachette/util/memory.h"

namespace cachette::store {

namespace {
constexpr size_t kInitialBuckets = 4;

int64_t BucketArrayBytes(size_t buckets) {
  return buckets == 0 ? 0 : static_cast<int64_t>(util::AllocationSize(buckets * sizeof(Entry*)));
}
}  // namespace

int64_t Table::bucket_bytes() const { return BucketArrayBytes(buckets_.size()); }

void EvictionList::PushFront(Entry* entry) {
  entry->lru_prev = nullptr;
  entry->lru_next = head_;
  if (head_ != nullptr) {
    head_->lru_prev = entry;
  } else {
    tail_ = entry;
  }
  head_ = entry;
}

void EvictionList::Unlink(Entry* entry) {
  (entry->lru_prev ? entry->lru_prev->lru_next : head_) = entry->lru_next;
  (entry->lru_next ? entry->lru_next->lru_prev : tail_) = entry->lru_prev;
  entry->lru_prev = entry->lru_next = nullptr;
}

void EvictionList::MoveToFront(Entry* entry) {
  if (head_ != entry) {
    Unlink(entry);
    PushFront(entry);
  }
}

Table::Table(Table&& other) noexcept
    : buckets_(std::move(other.buckets_)),
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
    buckets_ = std::move(other.buckets_);
    other.buckets_.clear();
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

Entry* Table::Find(std::string_view key, uint64_t hash) const {
  if (buckets_.empty()) {
    return nullptr;
  }
  for (Entry* e = buckets_[hash & (buckets_.size() - 1)]; e != nullptr; e = e->next) {
    if (e->key() == key) {
      return e;
    }
  }
  return nullptr;
}

void Table::Insert(Entry* entry, uint64_t hash) {
  if (size_ >= buckets_.size()) {
    Resize(buckets_.empty() ? kInitialBuckets : buckets_.size() * 2);
  }
  Entry*& head = buckets_[hash & (buckets_.size() - 1)];
  entry->next = head;
  head = entry;
  ++size_;
  if (entry->has_expire()) {
    ++expires_;
  }
  list_for(entry).PushFront(entry);
  AddBytes(static_cast<int64_t>(entry->AllocatedSize()));
}

void Table::Forget(Entry* entry) {
  list_for(entry).Unlink(entry);
  --size_;
  if (entry->has_expire()) {
    --expires_;
  }
  AddBytes(-static_cast<int64_t>(entry->AllocatedSize()));
}

void Table::Replace(Entry* current, Entry* replacement, uint64_t hash) {
  for (Entry** link = &buckets_[hash & (buckets_.size() - 1)]; *link != nullptr;
       link = &(*link)->next) {
    if (*link == current) {
      replacement->next = current->next;
      *link = replacement;
      Forget(current);
      ++size_;
      if (replacement->has_expire()) {
        ++expires_;
      }
      list_for(replacement).PushFront(replacement);
      AddBytes(static_cast<int64_t>(replacement->AllocatedSize()));
      Entry::Destroy(current);
      return;
    }
  }
}

Entry* Table::Detach(std::string_view key, uint64_t hash) {
  if (buckets_.empty()) {
    return nullptr;
  }
  for (Entry** link = &buckets_[hash & (buckets_.size() - 1)]; *link != nullptr;
       link = &(*link)->next) {
    Entry* e = *link;
    if (e->key() == key) {
      *link = e->next;
      e->next = nullptr;
      Forget(e);
      MaybeShrink();
      return e;
    }
  }
  return nullptr;
}

int64_t Table::Erase(Entry* entry) {
  const int64_t freed = static_cast<int64_t>(entry->AllocatedSize());
  Entry::Destroy(Detach(entry->key(), util::HashBytes(entry->key())));
  return freed;
}

void Table::SetExpire(Entry* entry, int64_t expire_ms) {
  const bool had = entry->has_expire();
  const bool has = expire_ms != 0;
  if (had != has) {
    list_for(entry).Unlink(entry);
    entry->set_expire_ms(expire_ms);
    list_for(entry).PushFront(entry);
    expires_ += has ? 1 : -1;
  } else {
    entry->set_expire_ms(expire_ms);
  }
}

void Table::Clear() {
  for (Entry*& head : buckets_) {
    Entry* e = head;
    while (e != nullptr) {
      Entry* next = e->next;
      Entry::Destroy(e);
      e = next;
    }
    head = nullptr;
  }
  std::vector<Entry*>().swap(buckets_);
  persistent_.Clear();
  volatile_.Clear();
  size_ = 0;
  expires_ = 0;
  AddBytes(-bytes_);
}

size_t Table::ExpireStep(uint64_t* cursor, int64_t now_ms, size_t max_buckets, size_t* with_ttl) {
  size_t removed = 0;
  for (size_t visited = 0; visited < max_buckets && !buckets_.empty(); ++visited) {
    const uint64_t mask = buckets_.size() - 1;
    for (Entry** link = &buckets_[*cursor & mask]; *link != nullptr;) {
      Entry* e = *link;
      if (!e->has_expire()) {
        link = &e->next;
        continue;
      }
      ++*with_ttl;
      if (e->expire_ms() > now_ms) {
        link = &e->next;
        continue;
      }
      *link = e->next;
      Forget(e);
      Entry::Destroy(e);
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

Entry* Table::RandomChain(uint64_t random) const {
  const size_t mask = buckets_.size() - 1;
  // Sparse tables are shrunk to at least 1/8 full, so a few probes usually find a chain.
  for (size_t i = 0; i <= 64; ++i) {
    Entry* head = buckets_[(random + i * 0x9E3779B97F4A7C15ULL) & mask];
    if (head != nullptr) {
      return head;
    }
  }
  for (Entry* head : buckets_) {
    if (head != nullptr) {
      return head;
    }
  }
  return nullptr;
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
  std::vector<Entry*> fresh(bucket_count, nullptr);
  const size_t mask = bucket_count - 1;
  for (Entry* head : buckets_) {
    Entry* e = head;
    while (e != nullptr) {
      Entry* next = e->next;
      Entry*& slot = fresh[util::HashBytes(e->key()) & mask];
      e->next = slot;
      slot = e;
      e = next;
    }
  }
  AddBytes(BucketArrayBytes(bucket_count) - BucketArrayBytes(buckets_.size()));
  buckets_.swap(fresh);
}

void Table::MaybeShrink() {
  if (size_ == 0) {
    AddBytes(-BucketArrayBytes(buckets_.size()));
    std::vector<Entry*>().swap(buckets_);
    return;
  }
  if (buckets_.size() > kInitialBuckets && size_ * 8 < buckets_.size()) {
    Resize(std::bit_ceil(size_ * 2));
  }
}

}  // namespace cachette::store
