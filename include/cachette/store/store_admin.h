#pragma once

// Whole-database operations built on Store's public interface: per-database figures for
// INFO keyspace and MEMORY STATS, MOVE, and a key's memory for MEMORY USAGE. (SWAPDB is
// Store::SwapDatabases: it needs every shard lock.)
//
// Keyspace figures are bounded: keys and expires are the tables' own counters, and avg_ttl is
// the mean remaining TTL of a sample (at most kTtlSamplesPerShard keys with an expiry per
// shard, found from a random bucket), so INFO costs O(shards), not O(keys). Redis's avg_ttl is
// an estimate too (a running average over the keys its expiry cycle samples).

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "cachette/store/entry.h"
#include "cachette/store/store.h"

namespace cachette::store {

inline constexpr size_t kTtlSamplesPerShard = 64;

struct KeyspaceStats {
  uint64_t keys = 0;
  uint64_t expires = 0;
  int64_t avg_ttl_ms = 0;    // mean remaining TTL of keys with an expiry (sampled); 0 if none
  uint64_t table_bytes = 0;  // the tables' own memory (bucket arrays), when known
};

// Figures of one database. Locks one shard at a time; O(shards + samples).
KeyspaceStats GetKeyspaceStats(Store& store, size_t db, int64_t now_ms);

enum class MoveResult { kMoved, kMissing, kTargetExists };

// MOVE: moves `key` (with its expiry) from database `from` to `to` when it exists in `from`
// and not in `to`. One shard lock (the key's).
MoveResult MoveKey(Store& store, size_t from, size_t to, std::string_view key, int64_t now_ms);

// MEMORY USAGE: the bytes a key costs: its entry's allocation plus its share of the table.
size_t KeyMemoryUsage(const Entry& entry);

}  // namespace cachette::store
