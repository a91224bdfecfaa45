#pragma once

// One database's keys inside one shard: a chained hash table with a power-of-two number of
// buckets holding Entry pointers (entries chain through Entry::next, so a key costs one
// allocation plus its share of the bucket array), and two eviction lists in recency order
// (most recent at the head): one for keys with an expiry, one for keys without, so that the
// volatile-* policies find their victim in O(1) too.
//
// The table grows (doubles) when it holds more keys than buckets and shrinks when it is less
// than 1/8 full, rehashing everything at once: a shard holds 1/shards of the keyspace, so one
// rehash is short. Because the bucket count is a power of two, ScanStep() can use Redis's
// reverse-binary cursor (dict.c dictScan): a key present during a whole iteration is returned
// at least once even if the table is resized between calls.
//
// Memory accounting: bytes() is the allocated size of every entry plus the bucket array; when
// the table belongs to a shard, every change is mirrored into the shard's counter.
//
// Not thread-safe: the owning shard's lock guards every call.

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "cachette/store/entry.h"

namespace cachette::store {

// An intrusive doubly linked list through Entry::lru_prev / lru_next.
class EvictionList {
 public:
  Entry* head() const { return head_; }  // most recently used
  Entry* tail() const { return tail_; }  // least recently used
  bool empty() const { return head_ == nullptr; }
  void PushFront(Entry* entry);
  void Unlink(Entry* entry);
  void MoveToFront(Entry* entry);
  void Clear() { head_ = tail_ = nullptr; }

 private:
  Entry* head_ = nullptr;
  Entry* tail_ = nullptr;
};

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
  int64_t bytes() const { return bytes_; }
  // The bucket array's share of bytes().
  int64_t bucket_bytes() const;

  // Mirrors every change of bytes() into *counter (the shard's total); nullptr stops it. The
  // table's current bytes are added to the new counter and removed from the old one.
  void AttachCounter(int64_t* counter);

  // The entry for key (expired or not), or nullptr.
  Entry* Find(std::string_view key, uint64_t hash) const;
  // Adds an entry whose key is not in the table, as the most recently used. Takes ownership.
  void Insert(Entry* entry, uint64_t hash);
  // Puts `replacement` (same key) where `current` was, as the most recently used; destroys
  // `current`.
  void Replace(Entry* current, Entry* replacement, uint64_t hash);
  // Removes the entry for key without destroying it; nullptr when absent.
  Entry* Detach(std::string_view key, uint64_t hash);
  // Removes and destroys this very entry (eviction); returns the bytes it freed.
  int64_t Erase(Entry* entry);
  // Changes an entry's expiry in place, moving it between the eviction lists when needed.
  void SetExpire(Entry* entry, int64_t expire_ms);
  // Marks an entry as just used: most recent in its list.
  void Touch(Entry* entry) { list_for(entry).MoveToFront(entry); }

  // The least recently used entry with an expiry / without one (nullptr when none).
  Entry* OldestVolatile() const { return volatile_.tail(); }
  Entry* OldestPersistent() const { return persistent_.tail(); }

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
  // ScanStep), destroying entries expired at `now_ms`; advances `*cursor` (0 when a full pass
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

  static uint64_t NextCursor(uint64_t cursor, uint64_t mask);
  static uint64_t ReverseBits(uint64_t value);

 private:
  EvictionList& list_for(const Entry* entry) {
    return entry->has_expire() ? volatile_ : persistent_;
  }
  void AddBytes(int64_t delta) {
    bytes_ += delta;
    if (counter_ != nullptr) {
      *counter_ += delta;
    }
  }
  // Unlinks `entry` from its list and the counters (not from its chain).
  void Forget(Entry* entry);
  void Resize(size_t bucket_count);
  void MaybeShrink();

  std::vector<Entry*> buckets_;
  size_t size_ = 0;
  size_t expires_ = 0;
  int64_t bytes_ = 0;
  int64_t* counter_ = nullptr;
  EvictionList persistent_;
  EvictionList volatile_;
};

}  // namespace cachette::store
