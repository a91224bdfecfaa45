// Memory limit and eviction (Redis's evict.c), per shard.
//
// Budgets: maxmemory less what the process allocates besides keys (the allocator's total less
// the tables' bytes and the arenas' free page space) is split evenly over the shards;
// RecomputeBudgets runs ten times a second on the maintenance thread and on CONFIG SET
// maxmemory. A write that takes its shard over budget evicts from that shard, under the lock
// it already holds (KeySlot::Put, GrowValue), so used_memory passes maxmemory by at most about
// one entry per shard. Lowering maxmemory leaves shards over budget: EvictOverBudget evicts
// them down in steps of 16 keys per lock hold.
//
// Victims, by policy:
// - allkeys-lru, volatile-lru: CLOCK (second chance). A hit sets the entry's referenced bit
//   and the stamp of its 1 s tick (OnAccess): no list move, no write when both are set. Each
//   table's eviction lists (keys with / without an expiry) give their candidate through
//   Table::SecondChanceVictim (referenced entries at the tail lose the bit and move to the
//   head; the first unreferenced one is the candidate), and the candidate used longest ago
//   wins. A key read at least once per pass of the tail over its list is never evicted,
//   whatever the clock reads. The walk is amortised O(1) per hit, though one eviction may walk
//   a whole list once.
// - allkeys-lfu, volatile-lfu: Redis's logarithmic counter with decay in the access field
//   (lfu-log-factor, lfu-decay-time); the lowest counter among maxmemory-samples random keys.
// - allkeys-random, volatile-random, volatile-ttl (nearest expiry): sampled the same way.
// - noeviction, or a volatile policy with nothing volatile: the shard is marked full and
//   MemoryFull() makes the dispatcher answer OOM to deny-oom commands until memory is freed.
//
// Limits: the budgets are even, so a shard whose keys are bigger than average evicts sooner
// than a global LRU would; the sampled policies see only the shard's own keys.

#include <algorithm>

#include "cachette/store/store.h"
#include "cachette/util/clock.h"
#include "cachette/util/memory.h"
#include "detail/random.h"
#include "detail/shard.h"

namespace cachette::store {

using detail::RandomNumber;

namespace {
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

[[gnu::noinline]] void Store::OnAccessLfu(Entry& entry, int64_t now_ms) const {
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
  // LFU victims are sampled: the list order is not used.
}

void Store::OnAccess(Entry& entry, int64_t now_ms) const {
  if (IsLfu(eviction_policy())) {
    OnAccessLfu(entry, now_ms);  // out of line, so that this path saves no registers
    return;
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
