// INVALIDATE PREFIX|MATCH: the rule (which keys), the instant (BeginInvalidation), the sweep
// (ContinueInvalidation and the settling done by whoever touches a shard first), and what the
// whole-table reads skip meanwhile (Condemned). The algorithm and its limits are described in
// cachette/store/invalidation.h; every other mechanism that must settle a shard first calls
// SettleInvalidations (key lookups, eviction, active expiry, FLUSHDB, SWAPDB, DBSIZE, SCAN).

#include "cachette/store/invalidation.h"

#include <algorithm>
#include <utility>

#include "cachette/store/store.h"
#include "cachette/util/clock.h"
#include "cachette/util/glob.h"
#include "cachette/util/hash.h"
#include "detail/shard.h"
#include "detail/watch_map.h"

namespace cachette::store {

using detail::WatchMapDb;
using detail::WatchMapUserKey;

InvalidationRule InvalidationRule::Prefixes(size_t db, std::vector<std::string> prefixes) {
  InvalidationRule rule;
  rule.db_ = db;
  std::sort(prefixes.begin(), prefixes.end());
  prefixes.erase(std::unique(prefixes.begin(), prefixes.end()), prefixes.end());
  // Sorted, a prefix comes right before the keys it covers: drop every prefix that an earlier
  // kept one covers, so no key is in two ranges.
  for (std::string& prefix : prefixes) {
    if (!rule.ranges_.empty() && prefix.starts_with(rule.ranges_.back())) {
      continue;
    }
    rule.ranges_.push_back(std::move(prefix));
  }
  return rule;
}

InvalidationRule InvalidationRule::Pattern(size_t db, std::string pattern) {
  InvalidationRule rule;
  rule.db_ = db;
  std::string literal = util::GlobLiteralPrefix(pattern);
  // "literal*" without escapes is a plain prefix; anything else is checked key by key.
  const bool plain_prefix =
      pattern.find('\\') == std::string::npos && pattern.size() >= 1 && pattern.back() == '*' &&
      pattern.size() - 1 == literal.size() &&
      util::GlobIsLiteral(std::string_view(pattern).substr(0, literal.size()));
  rule.check_pattern_ = !plain_prefix;
  rule.ranges_.push_back(std::move(literal));
  rule.pattern_ = std::move(pattern);
  return rule;
}

bool InvalidationRule::MatchesInRange(std::string_view key) const {
  return !check_pattern_ || util::GlobMatch(pattern_, key);
}

bool InvalidationRule::Matches(std::string_view key) const {
  for (const std::string& prefix : ranges_) {
    if (key.starts_with(prefix)) {
      return MatchesInRange(key);
    }
  }
  return false;
}

std::shared_ptr<Invalidation> Store::BeginInvalidation(InvalidationRule rule, int64_t now_ms) {
  // One invalidation at a time, so that each key is removed, and counted, by exactly one, and
  // its count of the keys it still holds stays exact.
  bool running = false;
  if (!invalidation_running_.compare_exchange_strong(running, true, std::memory_order_acq_rel)) {
    if (!HoldsShardsOnThisThread()) {
      return nullptr;  // the caller tries again once it is done
    }
    // Inside EXEC or a script every shard is held: finish the running one here.
    for (Shard& shard : shards_) {
      SettleInvalidations(shard);
    }
  }
  auto job = std::make_shared<Invalidation>(std::move(rule), shards_.size(), now_ms);
  const InvalidationRule& registered = job->rule();
  // Every shard at once: this is the instant the keys disappear for every client.
  MultiLock lock(this, AllShards());
  size_t registered_shards = 0;
  for (Shard& shard : shards_) {
    const Table& table = shard.tables[registered.db()];
    bool has_keys = false;
    for (const std::string& prefix : registered.ranges()) {
      table.VisitInKeyOrder(prefix, [&](const Entry* entry) {
        has_keys = entry->key().starts_with(prefix);
        return false;
      });
      if (has_keys) {
        break;
      }
    }
    if (!has_keys) {
      continue;
    }
    for (auto& [map_key, watched] : shard.watched) {
      if (WatchMapDb(map_key) != registered.db()) {
        continue;
      }
      const std::string_view key = WatchMapUserKey(map_key);
      if (registered.Matches(key)) {
        const Entry* entry = table.Find(key, util::HashBytes(key));
        if (entry != nullptr && !entry->IsExpired(now_ms)) {
          watched.version = ++shard.watch_clock;
        }
      }
    }
    if (!registered.checks_pattern()) {
      int64_t remaining = 0;
      for (const std::string& prefix : registered.ranges()) {
        remaining += static_cast<int64_t>(table.key_index().CountWithPrefix(table.arena(), prefix));
      }
      job->progress_[IndexOf(shard)].remaining = remaining;
    }
    shard.invalidations.push_back(job);
    ++registered_shards;
  }
  job->shards_left_.store(registered_shards, std::memory_order_release);
  if (registered_shards == 0) {
    invalidation_running_.store(false, std::memory_order_release);
  }
  return job;
}

bool Store::SweepShard(Shard& shard, Invalidation& job, size_t max_entries) {
  constexpr size_t kBatch = 128;
  const InvalidationRule& rule = job.rule();
  Invalidation::ShardProgress& progress = job.progress_[IndexOf(shard)];
  Table& table = shard.tables[rule.db()];
  std::vector<Entry*> batch;
  batch.reserve(kBatch);
  size_t looked = 0;
  uint64_t removed = 0;
  uint64_t expired = 0;
  bool finished = false;
  while (!finished) {
    if (progress.range >= rule.ranges().size()) {
      finished = true;
      break;
    }
    if (looked >= max_entries) {
      break;
    }
    const std::string& prefix = rule.ranges()[progress.range];
    const std::string_view from =
        progress.resume.empty() ? std::string_view(prefix) : std::string_view(progress.resume);
    batch.clear();
    bool range_done = true;
    std::string_view last_looked;  // valid until the batch is erased
    bool looked_any = false;
    table.VisitInKeyOrder(from, [&](Entry* entry) {
      const std::string_view key = entry->key();
      if (!key.starts_with(prefix)) {
        return false;
      }
      if (batch.size() == kBatch || looked >= max_entries) {
        range_done = false;
        return false;
      }
      ++looked;
      if (rule.MatchesInRange(key)) {
        batch.push_back(entry);
      }
      last_looked = key;
      looked_any = true;
      return true;
    });
    if (!range_done && looked_any) {
      // Go on right after the last key looked at (kept or about to be removed).
      progress.resume.assign(last_looked);
      progress.resume.push_back('\0');
    }
    if (progress.remaining >= 0) {
      progress.remaining -= static_cast<int64_t>(batch.size());
    }
    for (Entry* entry : batch) {
      if (entry->IsExpired(job.now_ms_)) {
        ++expired;
      } else {
        ++removed;
      }
      table.Erase(entry);
    }
    if (range_done) {
      ++progress.range;
      progress.resume.clear();
    }
  }
  job.removed_.fetch_add(removed, std::memory_order_relaxed);
  shard.counters.expired_keys += expired;
  if (shard.full && shard.used_bytes <= shard.budget_bytes) {
    SetFull(shard, false);
  }
  if (!finished) {
    return false;
  }
  std::erase_if(shard.invalidations, [&](const std::shared_ptr<Invalidation>& pending) {
    return pending.get() == &job;
  });
  FinishShardPart(job);
  return true;
}

void Store::FinishShardPart(Invalidation& job) {
  if (job.shards_left_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    invalidation_running_.store(false, std::memory_order_release);
  }
}

void Store::SettleInvalidationsFor(Shard& shard, size_t db, std::string_view key) {
  for (size_t i = 0; i < shard.invalidations.size();) {
    // Keep the job alive while its sweep unregisters it.
    const std::shared_ptr<Invalidation> job = shard.invalidations[i];
    if (job->rule().db() == db && job->rule().Matches(key)) {
      SweepShard(shard, *job, SIZE_MAX);  // removes it from the list
    } else {
      ++i;
    }
  }
}

void Store::SettleAllInShard(Shard& shard) {
  while (!shard.invalidations.empty()) {
    const std::shared_ptr<Invalidation> job = shard.invalidations.front();
    SweepShard(shard, *job, SIZE_MAX);
  }
}

InvalidationProgress Store::ContinueInvalidation(Invalidation& job, int64_t budget_us) {
  // Keys looked at per lock hold: other clients of the shard wait for one hold at most.
  constexpr size_t kKeysPerHold = 256;
  const bool to_the_end = budget_us < 0;
  const int64_t start_us = util::MonotonicUs();
  while (!job.done() && job.next_shard_ < shards_.size()) {
    Shard& shard = shards_[job.next_shard_];
    bool shard_done = true;
    {
      // A slice never waits for a lock: a script or a transaction may hold the shard for long,
      // and the slice's I/O thread has other clients to serve meanwhile.
      std::unique_lock<std::mutex> lock;
      if (!HeldByThisThread(shard)) {
        lock = std::unique_lock<std::mutex>(shard.mutex, std::defer_lock);
        if (!to_the_end && !lock.try_lock()) {
          // Held by a script or a transaction of every shard (announced in whole_holds_ before
          // it locks): do not wait, it may run for long. Anything else holds a shard for a
          // moment (a command, KEYS, DBSIZE): wait, or a reader looping on KEYS would starve
          // the sweep.
          if (whole_holds_.load(std::memory_order_acquire) > 0) {
            return InvalidationProgress::kBlocked;
          }
          lock.lock();
        } else if (to_the_end) {
          lock.lock();
        }
      }
      const bool registered = std::any_of(
          shard.invalidations.begin(), shard.invalidations.end(),
          [&](const std::shared_ptr<Invalidation>& pending) { return pending.get() == &job; });
      if (registered) {
        shard_done = SweepShard(shard, job, to_the_end ? SIZE_MAX : kKeysPerHold);
      }
    }
    if (shard_done) {
      ++job.next_shard_;
    }
    if (!to_the_end && util::MonotonicUs() - start_us >= budget_us) {
      break;
    }
  }
  return job.done() ? InvalidationProgress::kDone : InvalidationProgress::kMore;
}

size_t Store::PendingInvalidations() {
  size_t total = 0;
  for (Shard& shard : shards_) {
    ShardGuard lock(*this, shard);
    total += shard.invalidations.size();
  }
  return total;
}

bool Store::Condemned(const Shard& shard, size_t db, std::string_view key) {
  // While an invalidation is registered with a shard, every key of the shard it matches is
  // one it removes: a write of such a key settles the shard first (KeySlot::FindLive).
  for (const auto& job : shard.invalidations) {
    if (job->rule().db() == db && job->rule().Matches(key)) {
      return true;
    }
  }
  return false;
}

void Store::SettleUncounted(Shard& shard) {
  for (size_t i = 0; i < shard.invalidations.size();) {
    const std::shared_ptr<Invalidation> job = shard.invalidations[i];
    if (job->progress_[IndexOf(shard)].remaining < 0) {
      SweepShard(shard, *job, SIZE_MAX);  // removes it from the list
    } else {
      ++i;
    }
  }
}

}  // namespace cachette::store
