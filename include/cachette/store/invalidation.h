#pragma once

// INVALIDATE: removing every key of a database that has one of some prefixes, or matches a glob
// pattern, as one instant for every client, without stopping them for as long as the removal
// takes.
//
// Store::BeginInvalidation locks every shard at once (a few microseconds), registers the
// Invalidation with each shard whose table has a key in one of the rule's ranges, and breaks
// the WATCHes of matching keys: that is the instant the keys disappear. From then on each
// shard settles the invalidation before anything can see a matching key in it: a lookup of a
// matching key (KeySlot), and every whole-table walk (SCAN, KEYS, DBSIZE, RANDOMKEY, eviction,
// FLUSHDB, SWAPDB), first sweeps that shard's part to the end, under the lock it holds anyway.
// Keys written after the instant are therefore never touched: by the time a write reaches a
// shard, the shard's part is done. Meanwhile the invalidating client drives the sweep shard by
// shard in short slices (Store::ContinueInvalidation), each under one shard lock, so other
// clients wait at most one slice, and memory comes back as it goes.
//
// The sweep walks the table's key index (KeyIndex) from each range's prefix, so its cost is the
// number of keys in the ranges. A pattern's range is its literal prefix (the bytes before the
// first '*', '?' or '['); a pattern that starts with a wildcard has the whole table as its
// range, swept in the same bounded slices.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace cachette::store {

enum class InvalidationProgress { kDone, kMore, kBlocked };

class InvalidationRule {
 public:
  // Keys that start with one of `prefixes`.
  static InvalidationRule Prefixes(size_t db, std::vector<std::string> prefixes);
  // Keys that match the glob `pattern` (Redis's rules, as KEYS).
  static InvalidationRule Pattern(size_t db, std::string pattern);

  size_t db() const { return db_; }
  // Prefixes to walk in key order: sorted, none a prefix of another.
  const std::vector<std::string>& ranges() const { return ranges_; }
  // True when `key` falls in a range and, for a pattern, matches it.
  bool Matches(std::string_view key) const;
  // For a key already known to be in a range.
  bool MatchesInRange(std::string_view key) const;
  // False when every key of the ranges matches (prefixes, "literal*").
  bool checks_pattern() const { return check_pattern_; }

 private:
  size_t db_ = 0;
  std::vector<std::string> ranges_;
  std::string pattern_;  // empty when being in a range is enough
  bool check_pattern_ = false;
};

// One INVALIDATE in progress. Shared by the shards it is registered with and the client that
// drives it; per-shard progress is guarded by that shard's lock.
class Invalidation {
 public:
  Invalidation(InvalidationRule rule, size_t shards, int64_t now_ms)
      : rule_(std::move(rule)), progress_(shards), now_ms_(now_ms) {}

  const InvalidationRule& rule() const { return rule_; }
  // Keys removed so far that were live at the instant of the invalidation.
  uint64_t removed() const { return removed_.load(std::memory_order_relaxed); }
  // True once every shard's part is swept.
  bool done() const { return shards_left_.load(std::memory_order_acquire) == 0; }

 private:
  friend class Store;
  struct ShardProgress {
    size_t range = 0;    // index into rule().ranges()
    std::string resume;  // where the sweep goes on in that range (empty: at its prefix)
    // Keys of the shard it still has to remove (DBSIZE subtracts them); -1 when unknown (a
    // pattern: only a walk could tell).
    int64_t remaining = -1;
  };

  InvalidationRule rule_;
  std::vector<ShardProgress> progress_;
  int64_t now_ms_;  // the instant: keys expired by then are not counted as invalidated
  std::atomic<uint64_t> removed_{0};
  std::atomic<size_t> shards_left_{0};
  size_t next_shard_ = 0;  // the driving client's position
};

}  // namespace cachette::store
