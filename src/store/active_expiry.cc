// Active expiry: reclaiming the memory of expired keys nobody reads, in slices short enough
// that no client waits long behind them. (Every lookup also checks the expiry: key_lookup.cc.)
//
// Where: each I/O thread owns a share of the shards (shard i belongs to thread i mod threads),
// so threads never contend for expiry, and the thread interleaves the work with its requests.
// What a step does: lock one shard, walk 32 buckets of one of its tables that has keys with an
// expiry, destroy the expired entries (their WATCH versions bumped, expired_keys counted), and
// remember where it stopped (the reverse-binary cursor, as SCAN), to resume there next time.
// There is no separate expiry index: the expiry lives in each entry, so the walk is over the
// tables themselves, which costs visits of buckets whose keys have no TTL, bounded per step.
//
// When (ActiveExpireWhenDue, called by the I/O thread on every turn of its loop):
// - a pass over the thread's shards every kPassPeriodUs (100 ms);
// - while passes find that more than a tenth of what they look at has expired (Redis's rule),
//   there is a backlog: a slice of at most kBusySliceUs (250 us) per kSlicePeriodUs (1 ms)
//   while requests flow, so a request waits at most 250 us behind expiry, and slices of
//   kIdleSliceUs (250 us) back to back, with a poll for requests between them, while the thread
//   has nothing else to do. Under many clients at pipeline 1 a thread is idle for a few
//   microseconds at a time: 1 ms idle slices doubled the load's p99 during a purge (2.03x of
//   the baseline, against 1.12x with 250 us; docs/benchmarks.md).
// - never while a transaction or a script holds every shard (it may run for long: the slice
//   would wait behind it, and the thread's clients with it), nor after DEBUG
//   SET-ACTIVE-EXPIRE 0 (SetActiveExpire), nor during CLIENT PAUSE (the caller,
//   commands::Dispatcher::RunBackgroundSlice, checks that).
// A purge of a million keys takes about 1.2 s (bench/load/expiry.py).
//
// Limits: a pass over a big keyspace without expiring keys is spread over many passes; keys
// of a shard are reclaimed only by the thread that owns it.

#include <algorithm>

#include "cachette/store/store.h"
#include "cachette/util/clock.h"
#include "detail/shard.h"

namespace cachette::store {

namespace {
constexpr int64_t kPassPeriodUs = 100'000;
constexpr int64_t kBusySliceUs = 250;
constexpr int64_t kSlicePeriodUs = 1'000;
constexpr int64_t kIdleSliceUs = 250;
}  // namespace

bool Store::ActiveExpireWhenDue(bool idle, unsigned part, unsigned parts) {
  if (!active_expire()) [[unlikely]] {
    return false;
  }
  ExpiryProgress& progress = expiry_progress_[part % expiry_progress_.size()];
  const int64_t now_us = util::MonotonicUs();
  if (progress.backlog ? (!idle && now_us < progress.next_slice_us)
                       : now_us < progress.next_pass_us) {
    return false;
  }
  uint64_t removed = 0;
  progress.backlog = ActiveExpireSlice(util::UnixTimeMs(), idle ? kIdleSliceUs : kBusySliceUs, part,
                                       parts, &removed);
  progress.next_slice_us = now_us + kSlicePeriodUs;
  if (!progress.backlog) {
    progress.next_pass_us = now_us + kPassPeriodUs;
  }
  return progress.backlog;
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

}  // namespace cachette::store
