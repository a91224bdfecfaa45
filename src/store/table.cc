#include "cachette/store/table.h"

#include <bit>
#include <utility>

#include "cachette/util/hash.h"

namespace cachette::store {

namespace {
constexpr size_t kInitialBuckets = 4;
}  // namespace

Table::Table(Table&& other) noexcept
    : buckets_(std::move(other.buckets_)),
      size_(std::exchange(other.size_, 0)),
      expires_(std::exchange(other.expires_, 0)) {
  other.buckets_.clear();
}

Table& Table::operator=(Table&& other) noexcept {
  if (this != &other) {
    Clear();
    buckets_ = std::move(other.buckets_);
    other.buckets_.clear();
    size_ = std::exchange(other.size_, 0);
    expires_ = std::exchange(other.expires_, 0);
  }
  return *this;
}

Table::~Table() { Clear(); }

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
}

void Table::Replace(Entry* current, Entry* replacement, uint64_t hash) {
  for (Entry** link = &buckets_[hash & (buckets_.size() - 1)]; *link != nullptr;
       link = &(*link)->next) {
    if (*link == current) {
      replacement->next = current->next;
      *link = replacement;
      OnExpireChanged(current->has_expire(), replacement->has_expire());
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
      --size_;
      if (e->has_expire()) {
        --expires_;
      }
      MaybeShrink();
      return e;
    }
  }
  return nullptr;
}

void Table::OnExpireChanged(bool had_expire, bool has_expire) {
  if (had_expire && !has_expire) {
    --expires_;
  } else if (!had_expire && has_expire) {
    ++expires_;
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
  size_ = 0;
  expires_ = 0;
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
      Entry::Destroy(e);
      --size_;
      --expires_;
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
  for (size_t i = 0;; ++i) {
    Entry* head = buckets_[(random + i * 0x9E3779B97F4A7C15ULL) & mask];
    if (head != nullptr) {
      return head;
    }
    if (i > 64) {
      for (Entry* h : buckets_) {
        if (h != nullptr) {
          return h;
        }
      }
      return nullptr;
    }
  }
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
  buckets_.swap(fresh);
}

void Table::MaybeShrink() {
  if (size_ == 0) {
    std::vector<Entry*>().swap(buckets_);
    return;
  }
  if (buckets_.size() > kInitialBuckets && size_ * 8 < buckets_.size()) {
    Resize(std::bit_ceil(size_ * 2));
  }
}

}  // namespace cachette::store
