#pragma once

// One database's keys inside one shard: a chained hash table with a power-of-two number of
// buckets, and two eviction lists (most recently written or given a second chance at the
// head): one for keys with an expiry, one for keys without, so that the volatile-* policies
// find their victim without sampling too. The lists are CLOCK rings (second chance): a hit
// only sets the entry's referenced bit, and the eviction scan at the tail moves referenced
// entries to the head (SecondChanceVictim). Entries live in the table's own EntryArena; buckets,
// chains and lists hold 32-bit handles into it (4 bytes per bucket, 12 bytes of links per entry).
//
// The table grows (doubles) when it holds more keys than buckets and shrinks when it is less
// than 1/8 full, rehashing everything at once: a shard holds 1/shards of the keyspace, so one
// rehash is short. Because the bucket count is a power of two, ScanStep() can use Redis's
// reverse-binary cursor (dict.c dictScan): a key present during a whole iteration is returned
// at least once even if the table is resized between calls.
//
// The table also keeps its keys in order (KeyIndex), so that the keys with a given prefix are
// found without looking at the others (INVALIDATE).
//
// Memory accounting: bytes() is the allocated size of every entry, the bucket array and the
// key index; when
// the table belongs to a shard, every change is mirrored into the shard's counter.
// slack_bytes() is the arena's page space not holding live entries.
//
// Not thread-safe: the owning shard's lock guards every call.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

#include "cachette/store/entry.h"
#include "entry_arena.h"
#include "key_index.h"

namespace cachette::store {

namespace detail {
inline uint64_t LoadBytes(const char* p, size_t bytes) {
  uint64_t value = 0;
  std::memcpy(&value, p, bytes);  // one unaligned load for a constant size
  return value;
}

// Key equality for the hash chains. Keys are mostly short, where a call to memcmp costs more
// than the comparison: up to 32 bytes compare here in words (the last ones overlapping).
inline bool SameKey(std::string_view a, std::string_view b) {
  const size_t n = a.size();
  if (n != b.size()) {
    return false;
  }
  const char* x = a.data();
  const char* y = b.data();
  if (n > 32) {
    return std::memcmp(x, y, n) == 0;
  }
  if (n >= 8) {
    for (size_t i = 0; i + 8 < n; i += 8) {
      if (LoadBytes(x + i, 8) != LoadBytes(y + i, 8)) {
        return false;
      }
    }
    return LoadBytes(x + n - 8, 8) == LoadBytes(y + n - 8, 8);
  }
  if (n >= 4) {
    return ((LoadBytes(x, 4) ^ LoadBytes(y, 4)) |
            (LoadBytes(x + n - 4, 4) ^ LoadBytes(y + n - 4, 4))) == 0;
  }
  if (n >= 2) {
    return ((LoadBytes(x, 2) ^ LoadBytes(y, 2)) |
            (LoadBytes(x + n - 2, 2) ^ LoadBytes(y + n - 2, 2))) == 0;
  }
  return n == 0 || x[0] == y[0];
}

}  // namespace detail

class PrefixCounts;

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
  // Page space of the arena not holding live entries (not part of bytes()).
  int64_t slack_bytes() const { return arena_.slack_bytes(); }
  const EntryArena& arena() const { return arena_; }

  // Mirrors every change of bytes() into *counter (the shard's total); nullptr stops it. The
  // table's current bytes are added to the new counter and removed from the old one.
  void AttachCounter(int64_t* counter);
  // Reports every entry that joins (Insert, Replace) or leaves (Replace, removal, expiry,
  // eviction) the table to *prefixes (the shard's per-prefix figures); nullptr stops it.
  // Clear() and moving the table do not report: the shard accounts for whole tables.
  void AttachPrefixes(PrefixCounts* prefixes) { prefixes_ = prefixes; }

  // A new entry of this table's arena, not yet in the table (Insert or Replace puts it there;
  // Free discards it): a copy of key, `value_size` uninitialised value bytes, the expiry.
  Entry* Allocate(std::string_view key, size_t value_size, int64_t expire_ms) {
    return arena_.Allocate(key, value_size, expire_ms);
  }
  // Allocate, with a copy of value.
  Entry* Create(std::string_view key, std::string_view value, int64_t expire_ms);
  // Allocate around a value already in `block` (EntryArena::Adopt); nullptr when it does not fit.
  Entry* Adopt(std::string_view key, util::MallocBlock& block, size_t capacity, size_t value_offset,
               size_t value_size, int64_t expire_ms) {
    return arena_.Adopt(key, block, capacity, value_offset, value_size, expire_ms);
  }
  // Frees an entry that is not in the table (allocated, or detached).
  void Free(Entry* entry) { arena_.Free(entry); }

  // The entry for key (expired or not), or nullptr. Inline: every command's lookup.
  Entry* Find(std::string_view key, uint64_t hash) const {
    if (buckets_.empty()) {
      return nullptr;
    }
    for (Entry* e = arena_.Resolve(buckets_[hash & (buckets_.size() - 1)]); e != nullptr;
         e = arena_.Resolve(e->next)) {
      if (detail::SameKey(e->key(), key)) {
        return e;
      }
    }
    return nullptr;
  }
  // Adds an entry (from Allocate) whose key is not in the table, as the most recently used.
  void Insert(Entry* entry, uint64_t hash);
  // Puts `replacement` (same key, from Allocate) where `current` was, as the most recently
  // used, and frees the other one; returns the live entry. When both take the same slot size,
  // the replacement's bytes are copied into current's slot, which keeps its handle, so neither
  // the bucket chain nor the key index changes (an overwrite of a value of the same size, the
  // common case of a cache, costs a copy instead of an index update).
  Entry* Replace(Entry* current, Entry* replacement, uint64_t hash);
  // Lengthens the value of `entry` (in the table) to `value_size` bytes, keeping its bytes (the
  // new ones are uninitialised), and returns the entry, which may have moved; its access field
  // and list position are kept. A big value grows in its spare capacity or is reallocated with
  // more (EntryArena::Grow: amortised O(1) per byte appended); a small one is copied into a new
  // entry. bytes() counts the allocation, spare capacity included.
  Entry* GrowValue(Entry* entry, size_t value_size, uint64_t hash);
  // Removes the entry for key without freeing it (the caller frees it with Free); nullptr
  // when absent.
  Entry* Detach(std::string_view key, uint64_t hash);
  // Removes and frees the entry for key; false when absent.
  bool Remove(std::string_view key, uint64_t hash);
  // Removes and frees this very entry (eviction); returns the bytes it freed.
  int64_t Erase(Entry* entry);
  // Changes an entry's expiry in place, moving it between the eviction lists when needed.
  void SetExpire(Entry* entry, int64_t expire_ms);
  // Makes an entry the most recent in its list.
  void Touch(Entry* entry);
  // The CLOCK (second-chance) victim of the list of entries with an expiry (`with_expire`) or
  // without one, for the LRU policies: walking from the least recent end, an entry with
  // Entry::kReferencedBit set in its access field gets its second chance (the bit is cleared
  // and the entry moves to the most recent end); the first entry without the bit is returned.
  // Never returns `keep`; nullptr when the list holds no other entry. A hit costs nothing but
  // the bit; this scan clears at most one bit per hit since the last scan passed the entry, so
  // it is amortised O(1) per hit, though one call may walk the whole list once.
  Entry* SecondChanceVictim(bool with_expire, const Entry* keep);

  // The least recently used entry with an expiry / without one (nullptr when none).
  Entry* OldestVolatile() const { return arena_.Resolve(volatile_.tail); }
  Entry* OldestPersistent() const { return arena_.Resolve(persistent_.tail); }
  // The entry used just after `entry` in its eviction list (nullptr when it is the newest).
  Entry* Newer(const Entry* entry) const { return arena_.Resolve(entry->lru_prev); }

  // Frees every entry.
  void Clear();

  // Visits the entries of bucket `cursor & mask` and returns the next cursor (0 when done).
  template <typename Visit>
  uint64_t ScanStep(uint64_t cursor, Visit&& visit) const {
    if (buckets_.empty()) {
      return 0;
    }
    const uint64_t mask = buckets_.size() - 1;
    for (Entry* e = arena_.Resolve(buckets_[cursor & mask]); e != nullptr;
         e = arena_.Resolve(e->next)) {
      visit(e);
    }
    return NextCursor(cursor, mask);
  }

  // Active expiry: visits up to `max_buckets` buckets from `*cursor` (reverse-binary order, as
  // ScanStep), freeing entries expired at `now_ms`; advances `*cursor` (0 when a full pass
  // ended). Adds to `*with_ttl` the entries with an expiry it looked at; returns how many it
  // removed.
  // `on_removed(context, entry)`, when given, is called for each expired entry before it is
  // freed.
  size_t ExpireStep(uint64_t* cursor, int64_t now_ms, size_t max_buckets, size_t* with_ttl,
                    void (*on_removed)(void* context, const Entry& entry) = nullptr,
                    void* context = nullptr);

  // A random entry (the table must not be empty): a random non-empty chain, then a random
  // entry of it.
  Entry* RandomEntry(uint64_t random_chain, uint64_t random_position) const;

  // Calls visit(entry) for the entries whose keys are >= `from`, in key order, until visit
  // returns false; visit must not change the table.
  template <typename Visit>
  void VisitInKeyOrder(std::string_view from, Visit&& visit) const {
    index_.VisitFrom(arena_, from,
                     [&](EntryHandle handle) { return visit(arena_.Resolve(handle)); });
  }
  const KeyIndex& key_index() const { return index_; }

  // Calls visit(entry) for every entry; visit must not change the table.
  template <typename Visit>
  void ForEach(Visit&& visit) const {
    for (EntryHandle head : buckets_) {
      for (Entry* e = arena_.Resolve(head); e != nullptr; e = arena_.Resolve(e->next)) {
        visit(e);
      }
    }
  }

  static uint64_t NextCursor(uint64_t cursor, uint64_t mask);
  static uint64_t ReverseBits(uint64_t value);

 private:
  // An intrusive doubly linked list through Entry::lru_prev / lru_next.
  struct EvictionList {
    EntryHandle head = 0;  // most recently used
    EntryHandle tail = 0;  // least recently used
  };

  EvictionList& list_for(const Entry* entry) {
    return entry->has_expire() ? volatile_ : persistent_;
  }
  void PushFront(EvictionList& list, Entry* entry, EntryHandle handle);
  void Unlink(EvictionList& list, Entry* entry, EntryHandle handle);
  void AddBytes(int64_t delta) {
    bytes_ += delta;
    if (counter_ != nullptr) {
      *counter_ += delta;
    }
  }
  // Links an entry into its list and the counters (not into a chain).
  void Remember(Entry* entry, EntryHandle handle);
  // Unlinks `entry` from its list and the counters (not from its chain).
  void Forget(Entry* entry, EntryHandle handle);
  // Unlinks the entry `*link` names from its chain and from the table; does not free it.
  Entry* UnlinkAt(EntryHandle* link);
  void Resize(size_t bucket_count);
  void MaybeShrink();

  // Mirrors the index's node bytes into bytes() after it changed.
  void SyncIndexBytes() {
    AddBytes(index_.bytes() - index_bytes_);
    index_bytes_ = index_.bytes();
  }

  EntryArena arena_;
  std::vector<EntryHandle> buckets_;
  KeyIndex index_;
  int64_t index_bytes_ = 0;
  size_t size_ = 0;
  size_t expires_ = 0;
  int64_t bytes_ = 0;
  int64_t* counter_ = nullptr;
  PrefixCounts* prefixes_ = nullptr;
  EvictionList persistent_;
  EvictionList volatile_;
};

}  // namespace cachette::store
