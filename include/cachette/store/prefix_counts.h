#pragma once

// Figures per key prefix for one shard: hits, misses, writes, live keys and their bytes, for at
// most `capacity` prefixes, the rest summed in one `other` row.
//
// A key's prefix is the key up to, not including, its `segments`-th separator; a key with fewer
// separators is its own prefix (KeyPrefix). With separator ':' and segments 3, Django's
// ":1:reviews:user:42" has the prefix ":1:reviews".
//
// The table is bounded with Space-Saving (Metwally, Agrawal, El Abbadi 2005) behind an admission
// filter. Each row has a weight: the events (lookups and writes) counted for its prefix, plus
// what it inherited. While the table has room, a new prefix gets a row. Once it is full, an
// event of a prefix without a row is counted in `other`, and in a small array of pending
// counters indexed by the prefix's hash; when that counter passes the least row weight, the
// prefix takes that row: the row's figures are added to `other`, and the newcomer starts with
// the pending count as its weight (Space-Saving's charge for what it may have missed). So a
// prefix must gather as many events as the lightest row has before it displaces it: one-off
// prefixes (keys without a separator, say) stay in `other` instead of churning the rows, and
// heavy hitters keep theirs. Limits of the approximation:
// - a row's hits, misses and writes count only since its prefix (last) took the row; earlier
//   events are in `other`. Prefixes sharing a pending counter pool their events (a collision
//   may admit a prefix early; it is then the lightest row and the first to go);
// - keys and bytes of an evicted row move to `other`; when such a key is removed later it is
//   taken from its prefix's row while that row holds keys and bytes, then from `other`. Every
//   row stays >= 0 and the sum of all rows and `other` is exact: the shard's live keys and
//   their bytes.
// - removing a key never takes a row.
//
// Cost per event: when the key has the prefix of the row used last (it starts with that prefix
// and a separator), one comparison; otherwise a memchr per segment to find the prefix, one hash
// of the prefix and a probe of a small linear-probing index (at most half full). Finding the
// lightest row scans the rows, which happens only when a pending counter passes the lightest weight
// seen at the last scan.
//
// Not thread-safe: the owning shard's lock guards every call.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace cachette::store {

struct PrefixRule {
  size_t segments = 1;  // at least 1
  char separator = ':';
  bool operator==(const PrefixRule&) const = default;
};

// The key up to its `segments`-th separator (excluded), or the whole key when it has fewer.
std::string_view KeyPrefix(std::string_view key, const PrefixRule& rule);

struct PrefixFigures {
  uint64_t hits = 0;
  uint64_t misses = 0;
  uint64_t writes = 0;  // values created or replaced
  int64_t keys = 0;     // live keys
  int64_t memory = 0;   // allocated bytes of those keys' entries

  void Add(const PrefixFigures& other) {
    hits += other.hits;
    misses += other.misses;
    writes += other.writes;
    keys += other.keys;
    memory += other.memory;
  }
};

struct PrefixRow {
  std::string prefix;
  PrefixFigures figures;
  uint64_t weight = 0;  // Space-Saving count: events, plus what the row inherited
};

// The prefix-stats directives.
struct PrefixStatsConfig {
  bool enabled = false;
  PrefixRule rule;
  size_t capacity = 128;
  bool operator==(const PrefixStatsConfig&) const = default;
};

// The figures of every shard summed by prefix.
struct PrefixSnapshot {
  bool enabled = false;
  std::vector<PrefixRow> rows;  // in no particular order
  PrefixFigures other;
};

class PrefixCounts {
 public:
  PrefixCounts(PrefixRule rule, size_t capacity);
  PrefixCounts(const PrefixCounts&) = delete;  // holds a pointer into its own rows
  PrefixCounts& operator=(const PrefixCounts&) = delete;

  const PrefixRule& rule() const { return rule_; }
  size_t capacity() const { return capacity_; }
  size_t size() const { return rows_.size(); }

  // A keyspace lookup of `key`: a hit when it found a live key.
  void Lookup(std::string_view key, bool hit) {
    Row* row = Take(key);
    PrefixFigures& figures = row != nullptr ? row->figures : other_;
    ++(hit ? figures.hits : figures.misses);
  }
  // An entry of `bytes` for `key` joined the keyspace; `write` counts it as a write (false when
  // the keyspace is only being recounted).
  void Added(std::string_view key, int64_t bytes, bool write = true) {
    Row* row = Take(key);
    PrefixFigures& figures = row != nullptr ? row->figures : other_;
    figures.writes += write ? 1 : 0;
    ++figures.keys;
    figures.memory += bytes;
  }
  // An entry of `bytes` for `key` left the keyspace (replaced, deleted, expired, evicted).
  void Removed(std::string_view key, int64_t bytes) {
    Row* row = LastRowFor(key);
    RemoveFrom(row != nullptr ? row : FindRow(key), bytes);
  }

  // Zeroes hits, misses and writes (CONFIG RESETSTAT); a row's weight becomes its live keys;
  // rows without keys go.
  void ResetCounters();
  // Every key left the keyspace at once (the shard's tables were flushed): keys and bytes go
  // to zero; rows without other figures go.
  void ForgetAllKeys();

  // Appends every row to `rows`; adds the `other` row to *other.
  void Collect(std::vector<PrefixRow>* rows, PrefixFigures* other) const;

 private:
  struct Row {
    uint64_t hash = 0;
    uint64_t weight = 0;
    PrefixFigures figures;
    std::string prefix;
    // The prefix holds segments - 1 separators: any key that starts with it followed by a
    // separator (or is it) has this prefix. Otherwise only the key equal to it has.
    bool complete = false;
  };

  // Counts one event of `key`'s prefix in its row's weight and returns the row; a prefix
  // without one gets one while the table has room, or when the admission filter lets it
  // displace the lightest row; otherwise nullptr (the event belongs to `other`).
  Row* Take(std::string_view key) {
    Row* row = LastRowFor(key);
    if (row == nullptr) {
      return TakeSlow(key);
    }
    ++row->weight;
    return row;
  }
  // The row used last when `key` has its prefix (it is the prefix, or starts with it and a
  // separator when the prefix has all its segments): most traffic goes to a few prefixes, and
  // this needs neither a search for separators nor a hash.
  Row* LastRowFor(std::string_view key) const {
    if (last_row_ == nullptr) {
      return nullptr;
    }
    const std::string& prefix = last_row_->prefix;
    const size_t n = prefix.size();
    if (key.size() < n || (key.size() > n && (!last_row_->complete || key[n] != rule_.separator))) {
      return nullptr;
    }
    // Inline: prefixes are short, and a call to memcmp costs more than comparing them here.
    const char* a = key.data();
    const char* b = prefix.data();
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
      uint64_t x;
      uint64_t y;
      std::memcpy(&x, a + i, 8);
      std::memcpy(&y, b + i, 8);
      if (x != y) {
        return nullptr;
      }
    }
    for (; i < n; ++i) {
      if (a[i] != b[i]) {
        return nullptr;
      }
    }
    return last_row_;
  }
  Row* TakeSlow(std::string_view key);
  // The row of `key`'s prefix, or nullptr; takes no row.
  Row* FindRow(std::string_view key);
  void RemoveFrom(Row* row, int64_t bytes);
  // The row index of `prefix`, or -1.
  int64_t Find(std::string_view prefix, uint64_t hash);
  Row* Admit(std::string_view prefix, uint64_t hash);
  void IndexInsert(uint32_t row, uint64_t hash);
  void IndexErase(uint64_t hash, uint32_t row);
  // Keeps only the rows `keep` accepts; rebuilds the index.
  template <typename Keep>
  void Retain(Keep&& keep);

  PrefixRule rule_;
  size_t capacity_;
  Row* last_row_ = nullptr;  // the row found or taken last (tried first); into rows_
  std::vector<Row> rows_;
  // Linear-probing index: row + 1, 0 for empty; a power of two at least twice the capacity.
  std::vector<uint32_t> index_;
  // Events of prefixes without a row, by hash (allocated when the table first fills).
  std::vector<uint32_t> pending_;
  uint64_t least_weight_ = 0;  // a lower bound of the lightest row's weight
  PrefixFigures other_;
};

}  // namespace cachette::store
