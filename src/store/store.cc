#include "cachette/store/store.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <random>

#include "cachette/util/clock.h"
#include "cachette/util/glob.h"
#include "cachette/util/memory.h"
#include "detail/random.h"
#include "detail/shard.h"
#include "detail/watch_map.h"

namespace cachette::store {

namespace {
// The shard comes from bits 40..55 of the hash; a table's bucket from the low bits. The two
// never overlap for tables below 2^40 buckets.
constexpr unsigned kShardShift = 40;
constexpr size_t kMaxShards = size_t{1} << 16;

}  // namespace

using detail::RandomNumber;
using detail::WatchMapDb;
using detail::WatchMapKey;
using detail::WatchMapUserKey;

Store::Store(StoreOptions options)
    : databases_(std::max<size_t>(options.databases, 1)),
      shards_(std::bit_ceil(std::clamp<size_t>(options.shards, 1, kMaxShards))) {
  shard_mask_ = static_cast<uint32_t>(shards_.size() - 1);
  shard_bits_ = static_cast<unsigned>(std::countr_zero(shards_.size()));
  shard_shift_ = kShardShift;
  shard_count_ = shards_.size();
  for (Shard& shard : shards_) {
    shard.tables.resize(databases_);
    for (Table& table : shard.tables) {
      table.AttachCounter(&shard.used_bytes);
    }
  }
}

Store::~Store() = default;

void Store::SwapDatabases(size_t a, size_t b) {
  if (a == b) {
    return;
  }
  std::vector<uint32_t> all(shards_.size());
  for (uint32_t i = 0; i < all.size(); ++i) {
    all[i] = i;
  }
  MultiLock lock(this, std::move(all));
  for (Shard& shard : shards_) {
    SettleInvalidations(shard);
    if (!shard.watched.empty()) {
      NoteDatabaseReplaced(shard, a, {&shard.tables[a], &shard.tables[b]});
      NoteDatabaseReplaced(shard, b, {&shard.tables[a], &shard.tables[b]});
    }
    std::swap(shard.tables[a], shard.tables[b]);
    if (shard.expiry_db == a || shard.expiry_db == b) {
      shard.expiry_cursor = 0;
    }
  }
}

size_t Store::DbSize(size_t db) {
  // Pattern invalidations have no count of the keys they still hold: settle those first, one
  // shard at a time, so that the moment every shard is locked below stays short.
  for (Shard& shard : shards_) {
    ShardGuard lock(*this, shard);
    SettleUncounted(shard);
  }
  // Then every shard at once: an invalidation is counted all or nothing.
  MultiLock lock(this, AllShards());
  size_t total = 0;
  for (Shard& shard : shards_) {
    SettleUncounted(shard);  // registered meanwhile (rare)
    total += shard.tables[db].size();
    for (const auto& job : shard.invalidations) {
      if (job->rule().db() == db) {
        total -= static_cast<size_t>(job->progress_[IndexOf(shard)].remaining);
      }
    }
  }
  return total;
}

uint64_t Store::FlushDb(size_t db, bool lazily) {
  uint64_t removed = 0;
  std::vector<Table> doomed;
  doomed.reserve(shards_.size());
  for (Shard& shard : shards_) {
    ShardGuard lock(*this, shard);
    // The keys an invalidation still holds go with the table: counted as invalidated without
    // a sweep (a pattern's are swept: their number is unknown).
    SettleUncounted(shard);
    std::erase_if(shard.invalidations, [&](const std::shared_ptr<Invalidation>& job) {
      if (job->rule().db() != db) {
        return false;
      }
      job->removed_.fetch_add(static_cast<uint64_t>(job->progress_[IndexOf(shard)].remaining),
                              std::memory_order_relaxed);
      FinishShardPart(*job);
      return true;
    });
    if (!shard.watched.empty()) {
      NoteDatabaseReplaced(shard, db, {&shard.tables[db]});
    }
    removed += shard.tables[db].size();
    if (shard.tables[db].size() != 0) {
      ForgetPrefixesOf(shard, db);
      doomed.emplace_back(std::move(shard.tables[db]));
    }
    if (shard.full && shard.used_bytes <= shard.budget_bytes) {
      SetFull(shard, false);
    }
  }
  if (lazily && removed != 0) {
    std::lock_guard lock(lazy_free_mutex_);
    for (Table& table : doomed) {
      lazy_free_.emplace_back(std::move(table));
    }
    lazy_free_keys_.fetch_add(removed, std::memory_order_relaxed);
  }
  // Otherwise `doomed` frees its entries here, outside every shard lock.
  return removed;
}

uint64_t Store::FlushAll(bool lazily) {
  uint64_t removed = 0;
  for (size_t db = 0; db < databases_; ++db) {
    removed += FlushDb(db, lazily);
  }
  return removed;
}

uint64_t Store::FreeLazily(int64_t budget_us) {
  const int64_t start_us = util::MonotonicUs();
  uint64_t freed = 0;
  while (util::MonotonicUs() - start_us < budget_us) {
    Table table;
    {
      std::lock_guard lock(lazy_free_mutex_);
      if (lazy_free_.empty()) {
        break;
      }
      table = std::move(lazy_free_.back());
      lazy_free_.pop_back();
    }
    const size_t keys = table.size();
    table.Clear();  // one shard's share of a database: a short step
    freed += keys;
    lazy_free_keys_.fetch_sub(keys, std::memory_order_relaxed);
  }
  return freed;
}

uint64_t Store::LazyFreePending() { return lazy_free_keys_.load(std::memory_order_relaxed); }

void Store::Keys(size_t db, std::string_view pattern, int64_t now_ms,
                 std::vector<std::string>* out) {
  const bool match_all = pattern == "*";
  // Every shard at once, as Redis's KEYS is one atomic step: no invalidation (or other
  // multi-shard change) can be seen half done.
  MultiLock lock(this, AllShards());
  for (Shard& shard : shards_) {
    shard.tables[db].ForEach([&](const Entry* e) {
      if (!e->IsExpired(now_ms) && (match_all || util::GlobMatch(pattern, e->key())) &&
          !Condemned(shard, db, e->key())) {
        out->emplace_back(e->key());
      }
    });
  }
}

uint64_t Store::Scan(size_t db, uint64_t cursor, size_t count, int64_t now_ms,
                     std::vector<std::string>* out) {
  size_t shard_index = cursor & shard_mask_;
  uint64_t bucket_cursor = cursor >> shard_bits_;
  const size_t wanted = out->size() + std::max<size_t>(count, 1);
  size_t budget = std::max<size_t>(count, 1) * 10;  // buckets we may visit in this call
  while (shard_index < shards_.size()) {
    Shard& shard = shards_[shard_index];
    {
      ShardGuard lock(*this, shard);
      const Table& table = shard.tables[db];
      const bool pending = !shard.invalidations.empty();
      do {
        if (table.size() == 0) {
          bucket_cursor = 0;
          break;
        }
        bucket_cursor = table.ScanStep(bucket_cursor, [&](const Entry* e) {
          if (!e->IsExpired(now_ms) && !(pending && Condemned(shard, db, e->key()))) {
            out->emplace_back(e->key());
          }
        });
        if (budget > 0) {
          --budget;
        }
      } while (bucket_cursor != 0 && out->size() < wanted && budget > 0);
    }
    if (bucket_cursor != 0) {
      return (bucket_cursor << shard_bits_) | shard_index;
    }
    ++shard_index;
    if (out->size() >= wanted || budget == 0) {
      break;
    }
    if (budget > 0) {
      --budget;  // an empty shard costs a visit too, so a call always ends
    }
  }
  return shard_index >= shards_.size() ? 0 : shard_index;
}

std::optional<std::string> Store::RandomKey(size_t db, int64_t now_ms) {
  // Try random shards first (cheap when the database is large), then walk them all.
  for (int attempt = 0; attempt < 2 * static_cast<int>(shards_.size()) + 16; ++attempt) {
    Shard& shard = shards_[RandomNumber() & shard_mask_];
    ShardGuard lock(*this, shard);
    const Table& table = shard.tables[db];
    if (table.size() == 0) {
      continue;
    }
    const Entry* pick = table.RandomEntry(RandomNumber(), RandomNumber());
    if (pick != nullptr && !pick->IsExpired(now_ms) && !Condemned(shard, db, pick->key())) {
      return std::string(pick->key());
    }
  }
  for (Shard& shard : shards_) {
    ShardGuard lock(*this, shard);
    std::optional<std::string> found;
    shard.tables[db].ForEach([&](const Entry* e) {
      if (!found && !e->IsExpired(now_ms) && !Condemned(shard, db, e->key())) {
        found.emplace(e->key());
      }
    });
    if (found) {
      return found;
    }
  }
  return std::nullopt;
}

ShardCounters Store::SumCounters() {
  ShardCounters sum;
  for (Shard& shard : shards_) {
    ShardGuard lock(*this, shard);
    sum.keyspace_hits += shard.counters.keyspace_hits;
    sum.keyspace_misses += shard.counters.keyspace_misses;
    sum.expired_keys += shard.counters.expired_keys;
    sum.evicted_keys += shard.counters.evicted_keys;
  }
  return sum;
}

void Store::ResetCounters() {
  for (Shard& shard : shards_) {
    ShardGuard lock(*this, shard);
    shard.counters = ShardCounters{};
    if (shard.prefixes != nullptr) {
      shard.prefixes->ResetCounters();
    }
  }
}

}  // namespace cachette::store