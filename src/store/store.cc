#include "cachette/store/store.h"

#include <algorithm>
#include <bit>
#include <random>

#include "cachette/util/clock.h"
#include "cachette/util/glob.h"

namespace cachette::store {

namespace {
// The shard comes from bits 40..55 of the hash; a table's bucket from the low bits. The two
// never overlap for tables below 2^40 buckets.
constexpr unsigned kShardShift = 40;
constexpr size_t kMaxShards = size_t{1} << 16;

uint64_t RandomNumber() {
  thread_local std::mt19937_64 generator{std::random_device{}()};
  return generator();
}
}  // namespace

Entry* KeySlot::FindLive() {
  Entry* entry = table_->Find(key_, hash_);
  if (entry != nullptr && entry->IsExpired(now_ms_)) {
    Entry::Destroy(table_->Detach(key_, hash_));
    ++shard_->counters.expired_keys;
    return nullptr;
  }
  return entry;
}

Entry* KeySlot::Lookup() {
  Entry* entry = FindLive();
  if (entry != nullptr) {
    ++shard_->counters.keyspace_hits;
  } else {
    ++shard_->counters.keyspace_misses;
  }
  return entry;
}

Entry* KeySlot::LookupForWrite() { return FindLive(); }

Entry* KeySlot::Set(std::string_view value, int64_t expire_ms) {
  Entry* current = FindLive();
  return Put(current, Entry::Create(key_, value, expire_ms));
}

Entry* KeySlot::Put(Entry* current, Entry* replacement) {
  if (current != nullptr) {
    table_->Replace(current, replacement, hash_);
  } else {
    table_->Insert(replacement, hash_);
  }
  return replacement;
}

void KeySlot::SetExpire(Entry* entry, int64_t expire_ms) {
  table_->OnExpireChanged(entry->has_expire(), expire_ms != 0);
  entry->set_expire_ms(expire_ms);
}

bool KeySlot::Delete() {
  Entry* entry = Detach();
  if (entry == nullptr) {
    return false;
  }
  Entry::Destroy(entry);
  return true;
}

Entry* KeySlot::Detach() {
  if (FindLive() == nullptr) {
    return nullptr;
  }
  return table_->Detach(key_, hash_);
}

Store::Store(StoreOptions options)
    : databases_(std::max<size_t>(options.databases, 1)),
      shards_(std::bit_ceil(std::clamp<size_t>(options.shards, 1, kMaxShards))) {
  shard_mask_ = static_cast<uint32_t>(shards_.size() - 1);
  shard_bits_ = static_cast<unsigned>(std::countr_zero(shards_.size()));
  shard_shift_ = kShardShift;
  for (Shard& shard : shards_) {
    shard.tables.resize(databases_);
  }
}

Store::~Store() = default;

Store::MultiLock::MultiLock(Store* store, std::vector<uint32_t> shard_indexes)
    : store_(store), indexes_(std::move(shard_indexes)) {
  std::sort(indexes_.begin(), indexes_.end());
  indexes_.erase(std::unique(indexes_.begin(), indexes_.end()), indexes_.end());
  for (uint32_t index : indexes_) {
    store_->shards_[index].mutex.lock();
  }
}

Store::MultiLock::~MultiLock() {
  for (auto it = indexes_.rbegin(); it != indexes_.rend(); ++it) {
    store_->shards_[*it].mutex.unlock();
  }
}

size_t Store::DbSize(size_t db) {
  size_t total = 0;
  for (Shard& shard : shards_) {
    std::lock_guard lock(shard.mutex);
    total += shard.tables[db].size();
  }
  return total;
}

uint64_t Store::FlushDb(size_t db) {
  uint64_t removed = 0;
  for (Shard& shard : shards_) {
    Table doomed;
    {
      std::lock_guard lock(shard.mutex);
      removed += shard.tables[db].size();
      doomed = std::move(shard.tables[db]);
    }
    // `doomed` frees its entries here, outside the shard lock.
  }
  return removed;
}

uint64_t Store::FlushAll() {
  uint64_t removed = 0;
  for (size_t db = 0; db < databases_; ++db) {
    removed += FlushDb(db);
  }
  return removed;
}

void Store::Keys(size_t db, std::string_view pattern, int64_t now_ms,
                 std::vector<std::string>* out) {
  const bool match_all = pattern == "*";
  for (Shard& shard : shards_) {
    std::lock_guard lock(shard.mutex);
    shard.tables[db].ForEach([&](const Entry* e) {
      if (!e->IsExpired(now_ms) && (match_all || util::GlobMatch(pattern, e->key()))) {
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
      std::lock_guard lock(shard.mutex);
      const Table& table = shard.tables[db];
      do {
        if (table.size() == 0) {
          bucket_cursor = 0;
          break;
        }
        bucket_cursor = table.ScanStep(bucket_cursor, [&](const Entry* e) {
          if (!e->IsExpired(now_ms)) {
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
    std::lock_guard lock(shard.mutex);
    const Table& table = shard.tables[db];
    if (table.size() == 0) {
      continue;
    }
    Entry* head = table.RandomChain(RandomNumber());
    size_t length = 0;
    for (Entry* e = head; e != nullptr; e = e->next) {
      ++length;
    }
    Entry* pick = head;
    for (size_t skip = RandomNumber() % length; skip > 0; --skip) {
      pick = pick->next;
    }
    if (!pick->IsExpired(now_ms)) {
      return std::string(pick->key());
    }
  }
  for (Shard& shard : shards_) {
    std::lock_guard lock(shard.mutex);
    std::optional<std::string> found;
    shard.tables[db].ForEach([&](const Entry* e) {
      if (!found && !e->IsExpired(now_ms)) {
        found.emplace(e->key());
      }
    });
    if (found) {
      return found;
    }
  }
  return std::nullopt;
}

Store::DbStats Store::GetDbStats(size_t db, int64_t now_ms) {
  DbStats stats;
  // avg_ttl as Redis reports it: the mean remaining TTL of keys with an expiry.
  long double ttl_sum = 0;
  size_t ttl_count = 0;
  for (Shard& shard : shards_) {
    std::lock_guard lock(shard.mutex);
    const Table& table = shard.tables[db];
    stats.keys += table.size();
    stats.expires += table.expires();
    if (table.expires() != 0) {
      table.ForEach([&](const Entry* e) {
        if (e->has_expire() && e->expire_ms() > now_ms) {
          ttl_sum += static_cast<long double>(e->expire_ms() - now_ms);
          ++ttl_count;
        }
      });
    }
  }
  stats.avg_ttl_ms = ttl_count == 0 ? 0 : static_cast<int64_t>(ttl_sum / ttl_count);
  return stats;
}

uint64_t Store::ActiveExpireCycle(int64_t now_ms, int64_t budget_us) {
  // Buckets visited per lock hold: small, so a client waiting on the shard waits microseconds.
  constexpr size_t kBucketsPerStep = 32;
  const int64_t start_us = util::MonotonicUs();
  uint64_t removed_total = 0;
  bool keep_going = true;
  while (keep_going) {
    keep_going = false;
    for (Shard& shard : shards_) {
      std::lock_guard lock(shard.mutex);
      // Skip databases with nothing to expire.
      for (size_t tried = 0; tried < databases_ && shard.tables[shard.expiry_db].expires() == 0;
           ++tried) {
        shard.expiry_db = (shard.expiry_db + 1) % databases_;
        shard.expiry_cursor = 0;
      }
      Table& table = shard.tables[shard.expiry_db];
      if (table.expires() == 0) {
        continue;
      }
      size_t with_ttl = 0;
      const size_t removed =
          table.ExpireStep(&shard.expiry_cursor, now_ms, kBucketsPerStep, &with_ttl);
      shard.counters.expired_keys += removed;
      removed_total += removed;
      if (shard.expiry_cursor == 0) {
        shard.expiry_db = (shard.expiry_db + 1) % databases_;
      }
      // Like Redis: while more than a tenth of what we look at has expired, keep sweeping.
      if (removed * 10 > with_ttl) {
        keep_going = true;
      }
    }
    if (util::MonotonicUs() - start_us > budget_us) {
      break;
    }
  }
  return removed_total;
}

ShardCounters Store::SumCounters() {
  ShardCounters sum;
  for (Shard& shard : shards_) {
    std::lock_guard lock(shard.mutex);
    sum.keyspace_hits += shard.counters.keyspace_hits;
    sum.keyspace_misses += shard.counters.keyspace_misses;
    sum.expired_keys += shard.counters.expired_keys;
  }
  return sum;
}

void Store::ResetCounters() {
  for (Shard& shard : shards_) {
    std::lock_guard lock(shard.mutex);
    shard.counters = ShardCounters{};
  }
}

}  // namespace cachette::store
