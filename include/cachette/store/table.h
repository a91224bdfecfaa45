#pragma once

// One database's keys inside one shard: a chained hash table with a power-of-two number of
// buckets, holding Entry pointers (the entries chain through Entry::next, so a key costs one
// allocation plus its share of the bucket array).
//
// The table grows (doubles) when it holds more keys than buckets and shrinks when it is less
// than 1/8 full, rehashing everything at once: a shard holds 1/shards of the keyspace, so one
// rehash is short. Because the bucket count is a power of two, Scan() can use Redis's
// reverse-binary cursor (dict.c dictScan): a key present during a whole iteration is returned
// at least once even if the table is resized between calls.
//
// Not thread-safe: the owning shard's lock guards every call.

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "cachette/store/entry.h"

namespace cachette::store {

class Table {
 public:
  Table() = default;
  Table(Table&& other) noexcept;
  Table& operator=(Table&& other) noexcept;
  Table(const Table&) = delete;
  Table& operator=(const Table&) = delete;
  ~Table();

  size_t size() const { return size_; }
  size_t expires() const { return expires_; }
  size_t bucket_count() const { return buckets_.size(); }

  // The entry for key (expired or not), or nullptr.
  Entry* Find(std::string_view key, uint64_t hash) const;
  // Adds an entry whose key is not in the table. Takes ownership.
  void Insert(Entry* entry, uint64_t hash);
  // Puts `replacement` (same key) where `current` was; destroys `current`.
  void Replace(Entry* current, Entry* replacement, uint64_t hash);
  // Removes the entry for key from the table without destroying it; nullptr when absent.
  Entry* Detach(std::string_view key, uint64_t hash);
  // Keeps the expires counter right when an entry gains or loses its expiry in place.
  void OnExpireChanged(bool had_expire, bool has_expire);

  // Destroys every entry.
  void Clear();

  // Visits the entries of bucket `cursor & mask` and returns the next cursor (0 when done).
  template <typename Visit>
  uint64_t ScanStep(uint64_t cursor, Visit&& visit) const {
    if (buckets_.empty()) {
      return 0;
    }
    const uint64_t mask = buckets_.size() - 1;
    for (Entry* e = buckets_[cursor & mask]; e != nullptr; e = e->next) {
      visit(e);
    }
    return NextCursor(cursor, mask);
  }

  // Active expiry: visits up to `max_buckets` buckets from `*cursor` (reverse-binary order, as
  // Scan), destroying entries expired at `now_ms`; advances `*cursor` (0 when a full pass
  // ended). Adds to `*with_ttl` the entries with an expiry it looked at; returns how many it
  // removed.
  size_t ExpireStep(uint64_t* cursor, int64_t now_ms, size_t max_buckets, size_t* with_ttl);

  // The head of a non-empty chain picked at random (the table must not be empty).
  Entry* RandomChain(uint64_t random) const;

  // Calls visit(entry) for every entry; visit must not change the table.
  template <typename Visit>
  void ForEach(Visit&& visit) const {
    for (Entry* head : buckets_) {
      for (Entry* e = head; e != nullptr; e = e->next) {
        visit(e);
      }
    }
  }

  // Memory of the bucket array.
  size_t OverheadBytes() const { return buckets_.capacity() * sizeof(Entry*); }

  static uint64_t NextCursor(uint64_t cursor, uint64_t mask);
  static uint64_t ReverseBits(uint64_t value);

 private:
  void Resize(size_t bucket_count);
  void MaybeShrink();

  std::vector<Entry*> buckets_;
  size_t size_ = 0;
  size_t expires_ = 0;
};

}  // namespace cachette::store
