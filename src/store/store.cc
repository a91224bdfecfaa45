#include "cachette/store/store.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <random>

#include "cachette/util/clock.h"
#include "cachette/util/glob.h"
#include "cachette/util/memory.h"
#include "detail/watch_map.h"

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

// LRU stamps are 1 s ticks since the Unix epoch modulo 2^27 (the access field below its
// referenced bit), a clock that wraps every 4.2 years (Redis's 24-bit seconds clock wraps every
// 194 days). Ages are taken modulo the wrap, as Redis's estimateObjectIdleTime does, so they are
// right for stamps less than one wrap old. Eviction order does not depend on the tick's length
// (the lists and the referenced bit keep it); the stamp serves OBJECT IDLETIME and comparing
// the tails of different lists.
constexpr int64_t kLruTickMs = 1000;
constexpr uint32_t kLruClockMask = Entry::kReferencedBit - 1;
uint32_t LruTick(int64_t now_ms) {
  return static_cast<uint32_t>(now_ms / kLruTickMs) & kLruClockMask;
}
// Ticks from stamp `earlier` to stamp `later`, `later` being less than a wrap after it.
int64_t TicksBetween(uint32_t earlier, uint32_t later) {
  return ((later & kLruClockMask) - (earlier & kLruClockMask)) & kLruClockMask;
}

// LFU (Redis's evict.c): 16 bits of "last decrement" time in minutes, 8 bits of a logarithmic
// access counter that starts at 5.
constexpr uint8_t kLfuInitialValue = 5;
uint32_t LfuMinutes(int64_t now_ms) { return static_cast<uint32_t>(now_ms / 60000) & 0xFFFF; }
}  // namespace

std::optional<EvictionPolicy> ParseEvictionPolicy(std::string_view name) {
  static constexpr std::pair<std::string_view, EvictionPolicy> kNames[] = {
      {"volatile-lru", EvictionPolicy::kVolatileLru},
      {"volatile-lfu", EvictionPolicy::kVolatileLfu},
      {"volatile-random", EvictionPolicy::kVolatileRandom},
      {"volatile-ttl", EvictionPolicy::kVolatileTtl},
      {"allkeys-lru", EvictionPolicy::kAllkeysLru},
      {"allkeys-lfu", EvictionPolicy::kAllkeysLfu},
      {"allkeys-random", EvictionPolicy::kAllkeysRandom},
      {"noeviction", EvictionPolicy::kNoEviction}};
  for (const auto& [text, policy] : kNames) {
    if (text == name) {
      return policy;
    }
  }
  return std::nullopt;
}

using detail::WatchMapDb;
using detail::WatchMapKey;
using detail::WatchMapUserKey;

Store::Store(StoreOptions options)
    : databases_(std::max<size_t>(options.databases, 1)),
      shards_(std::bit_ceil(std::clamp<size_t>(options.shards, 1, kMaxShards))) {
  shard_mask_ = static_cast<uint32_t>(shards_.size() - 1);
  shard_bits_ = static_cast<unsigned>(std::countr_zero(shards_.size()));
  shard_shift_ = kShardShift;
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

bool Store::ExpireStepInShard(Shard& shard, int64_t now_ms, uint64_t* removed_total) {
  // Buckets visited per lock hold: small, so a client waiting on the shard waits microseconds.
  constexpr size_t kBucketsPerStep = 32;
  ShardGuard lock(*this, shard);
  // Skip databases with nothing to expire.
  for (size_t tried = 0; tried < databases_ && shard.tables[shard.expiry_db].expires() == 0;
       ++tried) {
    shard.expiry_db = (shard.expiry_db + 1) % databases_;
    shard.expiry_cursor = 0;
  }
  Table& table = shard.tables[shard.expiry_db];
  if (table.expires() == 0) {
    return false;
  }
  // Keys an invalidation removed are not there to expire (nor to count as expired, nor to
  // break WATCHes again).
  SettleInvalidations(shard);
  size_t with_ttl = 0;
  struct Removal {
    Shard* shard;
    size_t db;
  } removal{&shard, shard.expiry_db};
  const size_t removed = table.ExpireStep(
      &shard.expiry_cursor, now_ms, kBucketsPerStep, &with_ttl,
      shard.watched.empty() ? nullptr : +[](void* context, const Entry& entry) {
        auto* r = static_cast<Removal*>(context);
        NoteModified(*r->shard, r->db, entry.key());
      },
      &removal);
  shard.counters.expired_keys += removed;
  *removed_total += removed;
  if (shard.full && shard.used_bytes <= shard.budget_bytes) {
    SetFull(shard, false);
  }
  if (shard.expiry_cursor == 0) {
    shard.expiry_db = (shard.expiry_db + 1) % databases_;
  }
  // Like Redis: while more than a tenth of what we look at has expired, there is a backlog.
  return removed * 10 > with_ttl;
}

bool Store::ActiveExpireSlice(int64_t now_ms, int64_t budget_us, unsigned part, unsigned parts,
                              uint64_t* removed) {
  // This part's shards are first, first + step, ...; where the last slice stopped is kept per
  // part (each part belongs to one thread).
  ExpiryProgress& progress = expiry_progress_[part % expiry_progress_.size()];
  const size_t first = part % shards_.size();
  const size_t step = std::max<size_t>(parts, 1);
  if (progress.next_shard >= shards_.size()) {
    progress.next_shard = first;
  }
  const int64_t start_us = util::MonotonicUs();
  for (size_t steps = 1;; ++steps) {
    if (whole_holds_.load(std::memory_order_acquire) > 0) {
      return false;  // a transaction or script holds every shard: come back later
    }
    if (ExpireStepInShard(shards_[progress.next_shard], now_ms, removed)) {
      progress.backlog_in_pass = true;
    }
    progress.next_shard += step;
    if (progress.next_shard >= shards_.size()) {  // a pass over this part's shards ended
      progress.next_shard = first;
      const bool backlog = progress.backlog_in_pass;
      progress.backlog_in_pass = false;
      if (!backlog) {
        return false;
      }
    }
    if ((steps & 7) == 0 && util::MonotonicUs() - start_us > budget_us) {
      return true;
    }
  }
}

uint64_t Store::ActiveExpireCycle(int64_t now_ms, int64_t budget_us) {
  uint64_t removed = 0;
  const int64_t start_us = util::MonotonicUs();
  while (ActiveExpireSlice(now_ms, budget_us, 0, 1, &removed) &&
         util::MonotonicUs() - start_us < budget_us) {
  }
  return removed;
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

namespace cachette::store {

void Store::SetMaxMemory(int64_t bytes) {
  max_memory_.store(bytes, std::memory_order_relaxed);
  RecomputeBudgets();
}

void Store::SetEvictionPolicy(EvictionPolicy policy) {
  if (policy_.exchange(policy, std::memory_order_relaxed) == policy) {
    return;
  }
  // A shard marked full could not evict under the old policy; the new one may. Writes retry,
  // and mark it again if they still cannot make room.
  for (Shard& shard : shards_) {
    ShardGuard lock(*this, shard);
    SetFull(shard, false);
  }
}

void Store::SetLfuParameters(int64_t log_factor, int64_t decay_minutes) {
  lfu_log_factor_.store(log_factor, std::memory_order_relaxed);
  lfu_decay_minutes_.store(decay_minutes, std::memory_order_relaxed);
}

void Store::SetEvictionSamples(int64_t samples) {
  eviction_samples_.store(std::max<int64_t>(samples, 1), std::memory_order_relaxed);
}

namespace {
bool IsLfu(EvictionPolicy policy) {
  return policy == EvictionPolicy::kAllkeysLfu || policy == EvictionPolicy::kVolatileLfu;
}
bool IsVolatileOnly(EvictionPolicy policy) {
  return policy == EvictionPolicy::kVolatileLru || policy == EvictionPolicy::kVolatileLfu ||
         policy == EvictionPolicy::kVolatileRandom || policy == EvictionPolicy::kVolatileTtl;
}
}  // namespace

uint8_t Store::DecayedFrequency(uint32_t access, int64_t now_ms) const {
  const uint32_t counter = access & 0xFF;
  const int64_t decay = lfu_decay_minutes_.load(std::memory_order_relaxed);
  if (decay <= 0) {
    return static_cast<uint8_t>(counter);
  }
  const uint32_t last = (access >> 8) & 0xFFFF;
  const uint32_t now = LfuMinutes(now_ms);
  const uint32_t elapsed = now >= last ? now - last : 65535 - last + now;
  const uint32_t periods = elapsed / static_cast<uint32_t>(decay);
  return static_cast<uint8_t>(periods > counter ? 0 : counter - periods);
}

uint32_t Store::InitialAccess(int64_t now_ms) const {
  if (IsLfu(eviction_policy())) {
    return (LfuMinutes(now_ms) << 8) | kLfuInitialValue;
  }
  return LruTick(now_ms);
}

void Store::OnAccess(Entry& entry, int64_t now_ms) const {
  if (IsLfu(eviction_policy())) {
    // Redis's LFULogIncr: the higher the counter, the less likely an access increments it.
    uint32_t counter = DecayedFrequency(entry.access(), now_ms);
    if (counter < 255) {
      const double base = std::max<double>(counter - kLfuInitialValue, 0);
      const double chance =
          1.0 / (base * static_cast<double>(lfu_log_factor_.load(std::memory_order_relaxed)) + 1);
      if (static_cast<double>(RandomNumber() >> 11) * 0x1.0p-53 < chance) {
        ++counter;
      }
    }
    entry.set_access((LfuMinutes(now_ms) << 8) | counter);
    return;  // LFU victims are sampled: the list order is not used
  }
  // CLOCK: a hit sets the referenced bit (the eviction scan gives the entry a second chance)
  // and the stamp of its tick. No list move, and no write at all when both are already set:
  // a hot key's header is read by the lookup anyway, and its list neighbours are not touched.
  const uint32_t marked = Entry::kReferencedBit | LruTick(now_ms);
  if (entry.access() != marked) {
    entry.set_access(marked);
  }
}

int64_t Store::IdleSeconds(const Entry& entry, int64_t now_ms) const {
  return TicksBetween(entry.access(), LruTick(now_ms)) * kLruTickMs / 1000;
}

int Store::Frequency(const Entry& entry, int64_t now_ms) const {
  return DecayedFrequency(entry.access(), now_ms);
}

void Store::SetFull(Shard& shard, bool full) {
  if (shard.full != full) {
    shard.full = full;
    full_shards_.fetch_add(full ? 1 : -1, std::memory_order_relaxed);
  }
}

Entry* Store::PickVictim(Shard& shard, const Entry* keep, int64_t now_ms, size_t* table_index) {
  const EvictionPolicy policy = eviction_policy();
  if (policy == EvictionPolicy::kNoEviction) {
    return nullptr;
  }
  const bool volatile_only = IsVolatileOnly(policy);
  Entry* best = nullptr;
  auto skip_kept = [keep](const Table& table, Entry* candidate) {
    return candidate == keep ? table.Newer(candidate) : candidate;
  };

  if (policy == EvictionPolicy::kAllkeysLru || policy == EvictionPolicy::kVolatileLru) {
    // Each eviction list's CLOCK victim (its least recent entry without the referenced bit,
    // after second chances) is a candidate: the one used longest ago wins (ages taken from now,
    // which is right across the clock's wrap).
    const uint32_t now_tick = LruTick(now_ms);
    for (size_t i = 0; i < shard.tables.size(); ++i) {
      Table& table = shard.tables[i];
      for (const bool with_expire : {true, false}) {
        if (!with_expire && volatile_only) {
          continue;
        }
        Entry* candidate = table.SecondChanceVictim(with_expire, keep);
        if (candidate != nullptr &&
            (best == nullptr || TicksBetween(candidate->access(), now_tick) >
                                    TicksBetween(best->access(), now_tick))) {
          best = candidate;
          *table_index = i;
        }
      }
    }
    return best;
  }

  // Sampled policies: the best of `maxmemory-samples` random entries of the shard.
  size_t total = 0;
  for (const Table& table : shard.tables) {
    total += table.size();
  }
  if (total == 0) {
    return nullptr;
  }
  const int64_t samples = eviction_samples_.load(std::memory_order_relaxed);
  int64_t best_score = 0;
  int64_t found = 0;
  for (int64_t attempt = 0; attempt < samples * 8 && found < samples; ++attempt) {
    // A random entry, each table weighted by its size.
    size_t pick = RandomNumber() % total;
    size_t index = 0;
    while (pick >= shard.tables[index].size()) {
      pick -= shard.tables[index].size();
      ++index;
    }
    Entry* candidate = shard.tables[index].RandomEntry(RandomNumber(), RandomNumber());
    if (candidate == nullptr || candidate == keep || (volatile_only && !candidate->has_expire())) {
      continue;
    }
    ++found;
    int64_t score = 0;  // lower is evicted first
    switch (policy) {
      case EvictionPolicy::kVolatileTtl:
        score = candidate->expire_ms();
        break;
      case EvictionPolicy::kAllkeysLfu:
      case EvictionPolicy::kVolatileLfu:
        score = DecayedFrequency(candidate->access(), now_ms);
        break;
      default:
        score = 0;  // random: the first one found
        break;
    }
    if (best == nullptr || score < best_score) {
      best = candidate;
      best_score = score;
      *table_index = index;
    }
    if (policy == EvictionPolicy::kAllkeysRandom || policy == EvictionPolicy::kVolatileRandom) {
      break;
    }
  }
  if (best == nullptr && volatile_only) {
    // Few keys with an expiry among many without: take the least recent volatile key.
    for (size_t i = 0; i < shard.tables.size(); ++i) {
      Entry* tail = shard.tables[i].OldestVolatile();
      Entry* candidate = tail ? skip_kept(shard.tables[i], tail) : nullptr;
      if (candidate != nullptr) {
        *table_index = i;
        return candidate;
      }
    }
  }
  return best;
}

void Store::EvictWithinShard(Shard& shard, const Entry* keep, int64_t now_ms, size_t max_victims) {
  // Keys an invalidation already removed must not be counted as evicted (nor chosen instead of
  // keys that are really there).
  SettleInvalidations(shard);
  size_t evicted = 0;
  while (shard.used_bytes > shard.budget_bytes && evicted < max_victims) {
    size_t table_index = 0;
    Entry* victim = PickVictim(shard, keep, now_ms, &table_index);
    if (victim == nullptr) {
      SetFull(shard, true);
      return;
    }
    NoteModified(shard, table_index, victim->key());
    shard.tables[table_index].Erase(victim);
    ++shard.counters.evicted_keys;
    ++evicted;
  }
  if (shard.used_bytes <= shard.budget_bytes) {
    SetFull(shard, false);
  }
}

int64_t Store::DataBytes() {
  int64_t total = 0;
  for (Shard& shard : shards_) {
    ShardGuard lock(*this, shard);
    total += shard.used_bytes;
  }
  return total;
}

int64_t Store::SlackBytes() {
  int64_t total = 0;
  for (Shard& shard : shards_) {
    ShardGuard lock(*this, shard);
    for (const Table& table : shard.tables) {
      total += table.slack_bytes();
    }
  }
  return total;
}

void Store::RecomputeBudgets() {
  const int64_t limit = max_memory();
  int64_t per_shard = INT64_MAX;
  if (limit > 0) {
    const int64_t data = DataBytes();
    const int64_t allocated =
        static_cast<int64_t>(util::ReadAllocatorStats().allocated) - SlackBytes();
    const int64_t overhead = std::max<int64_t>(allocated - data, 0);
    per_shard = std::max<int64_t>(limit - overhead, 0) / static_cast<int64_t>(shards_.size());
  }
  for (Shard& shard : shards_) {
    ShardGuard lock(*this, shard);
    shard.budget_bytes = per_shard;
    if (shard.full && shard.used_bytes <= per_shard) {
      SetFull(shard, false);
    }
  }
}

void Store::SetBudgetPerShard(int64_t bytes) {
  for (Shard& shard : shards_) {
    ShardGuard lock(*this, shard);
    shard.budget_bytes = bytes;
    if (shard.full && shard.used_bytes <= bytes) {
      SetFull(shard, false);
    }
  }
}

uint64_t Store::EvictOverBudget(int64_t now_ms, int64_t budget_us) {
  // Keys evicted per lock hold: a client waiting on the shard waits for a few frees only.
  constexpr size_t kVictimsPerStep = 16;
  const int64_t start_us = util::MonotonicUs();
  uint64_t evicted_total = 0;
  bool over = true;
  while (over && util::MonotonicUs() - start_us <= budget_us) {
    over = false;
    for (Shard& shard : shards_) {
      ShardGuard lock(*this, shard);
      if (shard.used_bytes <= shard.budget_bytes) {
        continue;
      }
      const uint64_t before = shard.counters.evicted_keys;
      EvictWithinShard(shard, nullptr, now_ms, kVictimsPerStep);
      evicted_total += shard.counters.evicted_keys - before;
      over = over || (shard.used_bytes > shard.budget_bytes && !shard.full);
    }
  }
  return evicted_total;
}

}  // namespace cachette::store