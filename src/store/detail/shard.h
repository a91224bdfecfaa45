#pragma once

// One shard of the keyspace: its lock and everything the lock guards (the tables of every
// database, WATCHed keys, counters, the memory budget, active expiry's place, pending
// INVALIDATEs, the per-prefix figures), and the store's inline helpers that read it. Only the
// store's own files (and its tests) include this: store.h names Shard without defining it.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "cachette/store/invalidation.h"
#include "cachette/store/prefix_counts.h"
#include "cachette/store/store.h"
#include "table.h"

namespace cachette::store {

// A key some client WATCHes: how many clients watch it, and its version, bumped whenever the key
// is written, deleted, expired or evicted (and by FLUSHDB/FLUSHALL/SWAPDB when it existed).
struct WatchedKey {
  uint32_t watchers = 0;
  uint64_t version = 0;
};

struct alignas(64) Shard {
  std::mutex mutex;
  // Guarded by mutex:
  std::vector<Table> tables;  // one per database
  // Watched keys of this shard, by WatchMapKey(db, key); usually empty, which is all a write
  // checks.
  std::unordered_map<std::string, WatchedKey> watched;
  uint64_t watch_clock = 0;
  ShardCounters counters;
  int64_t used_bytes = 0;  // entries and bucket arrays of every table (kept by the tables)
  int64_t budget_bytes = INT64_MAX;
  bool full = false;     // over budget with nothing to evict
  size_t expiry_db = 0;  // where active expiry resumes in this shard
  uint64_t expiry_cursor = 0;
  // INVALIDATEs whose part in this shard is not swept yet (see invalidation.h); usually empty,
  // which is all a lookup checks.
  std::vector<std::shared_ptr<Invalidation>> invalidations;
  // Figures per key prefix of every database of this shard; null when prefix-stats is off.
  std::unique_ptr<PrefixCounts> prefixes;
};

inline void Store::NoteModified(Shard& shard, size_t db, std::string_view key) {
  if (!shard.watched.empty()) {
    NoteModifiedSlow(shard, db, key);
  }
}

inline void Store::SettleInvalidations(Shard& shard) {
  if (!shard.invalidations.empty()) [[unlikely]] {
    SettleAllInShard(shard);
  }
}

inline size_t Store::IndexOf(const Shard& shard) const {
  return static_cast<size_t>(&shard - shards_.data());
}

template <typename Fn>
void Store::VisitTables(size_t db, Fn&& fn) {
  for (Shard& shard : shards_) {
    ShardGuard lock(*this, shard);
    SettleInvalidations(shard);
    fn(static_cast<const Table&>(shard.tables[db]));
  }
}

}  // namespace cachette::store
