// The store's side of the figures per key prefix: each shard owns a PrefixCounts, fed by its
// tables (keys and bytes, writes) and by KeySlot's lookups (hits, misses) under the shard's
// lock. This file turns it on and off and sums the shards for a reader.

#include <algorithm>
#include <unordered_map>

#include "cachette/store/store.h"
#include "detail/shard.h"

namespace cachette::store {

namespace {
constexpr std::string_view kOtherRow = "other";
}  // namespace

void Store::ForgetPrefixesOf(Shard& shard, size_t db) {
  if (shard.prefixes == nullptr) {
    return;
  }
  size_t keys_elsewhere = 0;
  for (size_t i = 0; i < shard.tables.size(); ++i) {
    keys_elsewhere += i == db ? 0 : shard.tables[i].size();
  }
  if (keys_elsewhere == 0) {
    // The usual case (one database in use, or FLUSHALL): no walk.
    shard.prefixes->ForgetAllKeys();
    return;
  }
  shard.tables[db].ForEach([&](const Entry* e) {
    shard.prefixes->Removed(e->key(), static_cast<int64_t>(e->AllocatedSize()));
  });
}

void Store::ConfigurePrefixStats(const PrefixStatsConfig& config) {
  std::lock_guard config_lock(prefix_config_mutex_);
  if (config == prefix_config_) {
    return;
  }
  prefix_config_ = config;
  for (Shard& shard : shards_) {
    ShardGuard lock(*this, shard);
    std::unique_ptr<PrefixCounts> fresh;
    if (config.enabled) {
      fresh = std::make_unique<PrefixCounts>(config.rule, config.capacity);
      for (const Table& table : shard.tables) {
        table.ForEach([&](const Entry* e) {
          fresh->Added(e->key(), static_cast<int64_t>(e->AllocatedSize()), /*write=*/false);
        });
      }
    }
    for (Table& table : shard.tables) {
      table.AttachPrefixes(fresh.get());
    }
    shard.prefixes = std::move(fresh);
  }
}

PrefixSnapshot Store::CollectPrefixStats() {
  // No lock but the shards' (prefix_config_mutex_ is held while shard locks are taken, and a
  // transaction may call this holding shard locks already).
  PrefixSnapshot snapshot;
  size_t capacity = 0;
  std::vector<PrefixRow> rows;
  for (Shard& shard : shards_) {
    ShardGuard lock(*this, shard);
    if (shard.prefixes != nullptr) {
      shard.prefixes->Collect(&rows, &snapshot.other);
      snapshot.enabled = true;
      capacity = std::max(capacity, shard.prefixes->capacity());
    }
  }
  // Sum by prefix (every shard sees every busy prefix, since keys spread over shards by hash).
  std::unordered_map<std::string_view, size_t> first;  // views into `rows`, which stays put
  first.reserve(rows.size());
  std::vector<size_t> order;
  for (size_t i = 0; i < rows.size(); ++i) {
    if (rows[i].prefix == kOtherRow) {
      snapshot.other.Add(rows[i].figures);
      continue;
    }
    auto [it, inserted] = first.emplace(rows[i].prefix, i);
    if (inserted) {
      order.push_back(i);
    } else {
      rows[it->second].figures.Add(rows[i].figures);
      rows[it->second].weight += rows[i].weight;
    }
  }
  first.clear();
  snapshot.rows.reserve(order.size());
  for (size_t i : order) {
    snapshot.rows.push_back(std::move(rows[i]));
  }
  if (snapshot.rows.size() > capacity) {
    std::sort(snapshot.rows.begin(), snapshot.rows.end(),
              [](const PrefixRow& a, const PrefixRow& b) {
                return a.weight != b.weight ? a.weight > b.weight : a.prefix < b.prefix;
              });
    for (size_t i = capacity; i < snapshot.rows.size(); ++i) {
      snapshot.other.Add(snapshot.rows[i].figures);
    }
    snapshot.rows.resize(capacity);
  }
  return snapshot;
}

}  // namespace cachette::store
