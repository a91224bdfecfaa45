#pragma once

// The keyspace: `databases` logical databases split over `shards` shards by a hash of the key.
// Each shard has one lock and one Table per database. A single-key command locks one shard
// (WithKey); a multi-key command locks the shards it needs in ascending order (WithKeys), so
// two commands never wait on each other in a cycle. Whole-database operations (DBSIZE, KEYS,
// SCAN, FLUSHDB) lock one shard at a time.
//
// Expiry is checked on every access: an expired entry found by a lookup is deleted there and
// then (counted in expired_keys) and reported as missing, so no command ever sees it.
//
// Memory limit: maxmemory is split into equal per-shard budgets (after subtracting what the
// process allocates besides keys, measured by the maintenance thread). A write that takes its
// shard over budget evicts from that shard, under the lock it already holds, by the policy:
// LRU victims come from the tails of the tables' eviction lists, CLOCK style (a hit sets a
// referenced bit; the scan gives referenced entries a second chance); LFU, random and volatile-ttl
// victims are the best of `maxmemory-samples` random entries of the shard, as Redis picks them.
// When nothing can be evicted (noeviction, or a volatile policy with no key that has an expiry) the
// shard is marked full, and MemoryFull() makes the dispatcher answer OOM to commands that may grow
// memory until memory is freed.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "cachette/store/entry.h"
#include "cachette/store/invalidation.h"
#include "cachette/store/prefix_counts.h"
#include "cachette/store/watch_token.h"
#include "cachette/util/hash.h"
#include "cachette/util/memory.h"

namespace cachette::store {

struct StoreOptions {
  size_t shards = 256;  // rounded up to a power of two
  size_t databases = 16;
};

// Redis's maxmemory-policy values, in Redis's order.
enum class EvictionPolicy : uint8_t {
  kVolatileLru,
  kVolatileLfu,
  kVolatileRandom,
  kVolatileTtl,
  kAllkeysLru,
  kAllkeysLfu,
  kAllkeysRandom,
  kNoEviction,
};
std::optional<EvictionPolicy> ParseEvictionPolicy(std::string_view name);

// Counters kept per shard under its lock and summed on read.
struct ShardCounters {
  uint64_t keyspace_hits = 0;
  uint64_t keyspace_misses = 0;
  uint64_t expired_keys = 0;
  uint64_t evicted_keys = 0;
};

// A shard's lock and state (src/store/detail/shard.h): opaque here, so that no user of the
// store compiles its tables, arena or key index.
struct Shard;
class Table;

class Store;

// CLIENT NO-TOUCH: while a NoTouchScope lives on a thread, lookups through KeySlot on that
// thread leave keys' recency (LRU clock, LFU counter) alone, as Redis's lookupKey checks its
// current client. Scopes nest (EXEC's queued commands run inside EXEC's).
class NoTouchScope {
 public:
  NoTouchScope();
  ~NoTouchScope();
  NoTouchScope(const NoTouchScope&) = delete;
  NoTouchScope& operator=(const NoTouchScope&) = delete;
  static bool active();

 private:
  bool previous_;
};

// One key of one database, inside a shard whose lock the caller holds. Cheap to copy; valid
// only inside the WithKey/WithKeys callback that produced it.
class KeySlot {
 public:
  KeySlot(Store* store, Shard* shard, Table* table, std::string_view key, uint64_t hash,
          int64_t now_ms)
      : store_(store), shard_(shard), table_(table), key_(key), hash_(hash), now_ms_(now_ms) {}

  std::string_view key() const { return key_; }
  int64_t now_ms() const { return now_ms_; }
  size_t db() const;

  // The live entry, or nullptr; counts a keyspace hit or miss (reads: GET, EXISTS, TTL ...).
  Entry* Lookup();
  // The live entry, or nullptr, without touching statistics (writes, and reads Redis does not
  // count).
  Entry* LookupForWrite();
  // The live entry, or nullptr, changing nothing: no statistics, no recency (MEMORY USAGE).
  Entry* Peek();
  // The live entry, or nullptr; counts a hit or miss but leaves recency alone (OBJECT).
  Entry* LookupNoTouch();
  // Sets the value (inserting or replacing); expire_ms 0 means no expiry. Returns the entry.
  Entry* Set(std::string_view value, int64_t expire_ms);
  // A new entry for this key, not yet in the store (Put puts it there): a copy of value /
  // `value_size` uninitialised bytes for the caller to fill (APPEND, SETRANGE).
  Entry* NewEntry(std::string_view value, int64_t expire_ms);
  Entry* NewUninitialisedEntry(size_t value_size, int64_t expire_ms);
  // NewEntry without a copy: an entry built around a value already in `block` (value_block.h),
  // whose `value_size` bytes start at `value_offset` of its `capacity` bytes. On success the
  // entry owns the block (`block` is empty); nullptr, changing nothing, when the layout does not
  // fit this key (the caller copies).
  Entry* AdoptEntry(util::MallocBlock& block, size_t capacity, size_t value_offset,
                    size_t value_size, int64_t expire_ms);
  // Puts a new entry from NewEntry/NewUninitialisedEntry of this slot in place of `current`
  // (or inserts it when current is nullptr). Takes ownership.
  Entry* Put(Entry* current, Entry* replacement);
  // Lengthens the value of the live entry `current` of this slot to `value_size` bytes (not
  // shorter than now), keeping its bytes; the new ones are uninitialised for the caller to fill
  // (APPEND, SETRANGE). Amortised O(1) per byte added: big values keep spare capacity, as
  // Redis's strings do. Returns the entry (it may have moved); evicts as a write does.
  Entry* GrowValue(Entry* current, size_t value_size);
  // Changes the expiry of a live entry in place (0 removes it).
  void SetExpire(Entry* entry, int64_t expire_ms);
  // Deletes the key; true when a live entry was there.
  bool Delete();

 private:
  friend class LockedKey;
  friend class LockedKeys;
  Entry* FindLive();

  Store* store_;
  Shard* shard_;
  Table* table_;
  std::string_view key_;
  uint64_t hash_;
  int64_t now_ms_;
};

struct KeyRef {
  size_t db;
  std::string_view key;
};

// Store::WithKey's lock and slot: the key's shard is locked (unless this thread holds it
// through a ShardHold) for the object's lifetime. Built out of line, so that callers compile
// nothing of the shard.
class LockedKey {
 public:
  LockedKey(Store& store, size_t db, std::string_view key, int64_t now_ms);
  ~LockedKey() {
    if (mutex_ != nullptr) {
      mutex_->unlock();
    }
  }
  LockedKey(const LockedKey&) = delete;
  LockedKey& operator=(const LockedKey&) = delete;

  KeySlot slot;

 private:
  std::mutex* mutex_ = nullptr;
};

// Store::WithKeys's locks and slots: slots[i] is the slot of keys[i]; their shards are locked
// in ascending order, each once (but those this thread holds), for the object's lifetime.
class LockedKeys {
 public:
  LockedKeys(Store& store, std::span<const KeyRef> keys, int64_t now_ms);
  ~LockedKeys();
  LockedKeys(const LockedKeys&) = delete;
  LockedKeys& operator=(const LockedKeys&) = delete;

  std::vector<KeySlot> slots;

 private:
  Store* store_;
  std::vector<uint32_t> locked_;  // ascending
};

class Store;

// Locks one shard for its lifetime, unless the calling thread holds it already through a
// ShardHold (then it does nothing).
class ShardGuard {
 public:
  ShardGuard(const Store& store, Shard& shard);
  ~ShardGuard() {
    if (mutex_ != nullptr) {
      mutex_->unlock();
    }
  }
  ShardGuard(const ShardGuard&) = delete;
  ShardGuard& operator=(const ShardGuard&) = delete;

 private:
  std::mutex* mutex_ = nullptr;
};

// Shards locked by one thread for a transaction (EXEC) or a script: see Store::HoldShards.
class ShardHold {
 public:
  ~ShardHold();
  ShardHold(const ShardHold&) = delete;
  ShardHold& operator=(const ShardHold&) = delete;
  bool holds(size_t shard_index) const { return held_[shard_index] != 0; }

 private:
  friend class Store;
  ShardHold(Store* store, std::vector<uint32_t> indexes);

  Store* store_;
  std::vector<uint32_t> indexes_;  // ascending
  std::vector<uint8_t> held_;      // per shard
};

class Store {
 public:
  explicit Store(StoreOptions options);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  size_t databases() const { return databases_; }
  size_t shard_count() const { return shard_count_; }

  // Locks the key's shard and calls fn(KeySlot&); returns what fn returns.
  template <typename Fn>
  decltype(auto) WithKey(size_t db, std::string_view key, int64_t now_ms, Fn&& fn) {
    LockedKey locked(*this, db, key, now_ms);
    return fn(locked.slot);
  }

  // Locks the shards of all keys in ascending order and calls fn(slots), where slots[i] is the
  // KeySlot of keys[i]. Keys may repeat and may be in different databases.
  template <typename Fn>
  decltype(auto) WithKeys(std::span<const KeyRef> keys, int64_t now_ms, Fn&& fn) {
    LockedKeys locked(*this, keys, now_ms);
    return fn(std::span<KeySlot>(locked.slots));
  }

  // Calls fn(const Table&) for `db`'s table in every shard, one shard lock at a time. Defined
  // in src/store/detail/shard.h: for the store's own files.
  template <typename Fn>
  void VisitTables(size_t db, Fn&& fn);

  // Locks, for the calling thread, the shards of `keys` (all shards when `all`), in ascending
  // order, until the returned hold is destroyed. Meanwhile every store call on this thread
  // uses those locks instead of taking them, so the commands of a transaction or a script run
  // under one set of locks: atomically, for every other client. Under a hold a thread may
  // touch only held shards (a command without keys needs `all`). Holds do not nest.
  [[nodiscard]] std::unique_ptr<ShardHold> HoldShards(std::span<const std::string_view> keys,
                                                      bool all);
  // True when the calling thread holds shards of this store through a ShardHold (EXEC, or a
  // script: EVAL inside EXEC reuses the transaction's hold).
  bool HoldsShardsOnThisThread() const;
  // True when the calling thread holds `shard` through a ShardHold of this store.
  bool HeldByThisThread(const Shard& shard) const;

  // WATCH: registers a watcher of key and returns what EXEC compares.
  WatchToken Watch(size_t db, std::string_view key, int64_t now_ms);
  // Forgets one watcher of the token's key.
  void Unwatch(const WatchToken& token);
  // EXEC: true when the watched key was written, deleted, expired or evicted since Watch, or
  // has expired since then without being removed yet.
  bool WatchBroken(const WatchToken& token, int64_t now_ms);
  // Keys some client watches (all shards; for tests and INFO).
  size_t WatchedKeyCount();

  // INVALIDATE: from this call's return, no key of rule.db() that matches the rule is visible
  // to any client (all shards are locked together for the instant it takes to register the
  // rule with them, and WATCHes of matching keys break). The keys are removed afterwards by
  // ContinueInvalidation, or by whoever touches a shard first (see invalidation.h).
  // One runs at a time: while another is being swept this returns nullptr (try again later),
  // except on a thread that holds every shard (EXEC, scripts), which finishes the other first.
  std::shared_ptr<Invalidation> BeginInvalidation(InvalidationRule rule, int64_t now_ms);
  // Sweeps for about `budget_us` (one shard lock at a time, a few hundred keys per hold):
  // kDone when the whole invalidation is done and job.removed() is final; kBlocked when a
  // shard it needs is locked by someone else (a script, a transaction): it does not wait,
  // come back later. A negative budget sweeps to the end, waiting for locks.
  InvalidationProgress ContinueInvalidation(Invalidation& job, int64_t budget_us);
  // INVALIDATEs registered and not finished (all shards; for tests).
  size_t PendingInvalidations();

  // SWAPDB: exchanges two databases' contents, all shards locked (ascending) so no client
  // sees one half swapped.
  void SwapDatabases(size_t a, size_t b);

  // Keys in a database (live ones), summed over shards.
  size_t DbSize(size_t db);
  // Removes every key of one database / of all databases; returns how many were removed.
  // With `lazily`, the removed keys are freed by the maintenance thread (FLUSHALL ASYNC):
  // the caller, and the other clients of its I/O thread, wait only for the tables to be moved.
  uint64_t FlushDb(size_t db, bool lazily = false);
  uint64_t FlushAll(bool lazily = false);
  // Frees tables queued by lazy flushes for up to about `budget_us`; returns keys freed.
  uint64_t FreeLazily(int64_t budget_us);
  // Keys waiting to be freed (INFO's lazyfree_pending_objects).
  uint64_t LazyFreePending();

  // Appends to `out` every live key of `db` matching the glob `pattern` (KEYS).
  void Keys(size_t db, std::string_view pattern, int64_t now_ms, std::vector<std::string>* out);

  // One SCAN step from `cursor`: visits buckets until about `count` keys were collected (or
  // 10 * count empty buckets were seen) and appends live keys to `out` (not yet filtered by
  // pattern). Returns the next cursor; 0 when the iteration is complete. The cursor packs the
  // shard (low bits) and the table's reverse-binary bucket cursor (high bits).
  uint64_t Scan(size_t db, uint64_t cursor, size_t count, int64_t now_ms,
                std::vector<std::string>* out);

  // A random live key of `db`, or nullopt when the database is empty.
  std::optional<std::string> RandomKey(size_t db, int64_t now_ms);

  // One active-expiry cycle: walks every shard's tables that hold keys with an expiry, in
  // steps of a few buckets under the shard's lock, destroying expired entries, until a full
  // pass finds few expired keys or `budget_us` of work is spent. Returns keys removed.
  uint64_t ActiveExpireCycle(int64_t now_ms, int64_t budget_us);

  // Active expiry for an I/O thread (active_expiry.cc has the schedule and its reasons): runs
  // a slice of ActiveExpireSlice for part `part` of `parts` when one is due, `idle` saying
  // whether the thread has nothing else to do. Cheap when none is due (one clock read); call
  // it on every turn of the thread's loop, from that thread only. Returns true while a
  // backlog remains (an idle caller comes back at once instead of sleeping).
  bool ActiveExpireWhenDue(bool idle, unsigned part, unsigned parts);
  // DEBUG SET-ACTIVE-EXPIRE: off, ActiveExpireWhenDue does nothing (expired keys then go
  // only when read).
  void SetActiveExpire(bool on) { active_expire_.store(on, std::memory_order_relaxed); }
  bool active_expire() const { return active_expire_.load(std::memory_order_relaxed); }

  // One slice of active expiry for one part of the shards (part of parts: shards part,
  // part + parts, ...), for the I/O thread that owns that part: steps through its shards,
  // resuming where its last slice stopped, for at most about `budget_us`. Returns true while
  // there is a backlog (a slice found many expired keys, or ran out of time mid-pass), so the
  // caller comes back soon; false when a quiet pass ended. Adds removed keys to *removed.
  bool ActiveExpireSlice(int64_t now_ms, int64_t budget_us, unsigned part, unsigned parts,
                         uint64_t* removed);

  ShardCounters SumCounters();
  // Also zeroes the per-prefix hits, misses and writes.
  void ResetCounters();

  // --- Figures per key prefix (store_prefixes.cc) ------------------------------------------

  // prefix-stats: turns the per-prefix figures on or off, or changes their rule or size. Any
  // change starts them over: hits, misses and writes from zero, keys and bytes recounted by
  // walking every table (one shard lock at a time, O(keys)). No change costs nothing.
  void ConfigurePrefixStats(const PrefixStatsConfig& config);
  // The figures summed over shards by prefix: at most `prefix-stats-max-prefixes` rows (the
  // heaviest by weight), the rest, and a prefix literally named "other", added to `other`. One
  // shard lock at a time (or the caller's ShardHold).
  PrefixSnapshot CollectPrefixStats();

  // --- Memory limit and eviction -------------------------------------------------------

  // 0: no limit.
  void SetMaxMemory(int64_t bytes);
  int64_t max_memory() const { return max_memory_.load(std::memory_order_relaxed); }
  void SetEvictionPolicy(EvictionPolicy policy);
  EvictionPolicy eviction_policy() const { return policy_.load(std::memory_order_relaxed); }
  // Redis's lfu-log-factor and lfu-decay-time (minutes).
  void SetLfuParameters(int64_t log_factor, int64_t decay_minutes);
  void SetEvictionSamples(int64_t samples);

  // True while some shard is over its budget with nothing it may evict: commands that may
  // grow memory get Redis's OOM error.
  bool MemoryFull() const { return full_shards_.load(std::memory_order_relaxed) > 0; }

  // Bytes of every entry and bucket array (summed over shards, one lock at a time).
  int64_t DataBytes();
  // Entry-arena page space not holding live entries (summed over shards, one lock at a time):
  // allocated by the process, but free for entries, as the free regions of the allocator's
  // own slabs are; used_memory leaves it out.
  int64_t SlackBytes();

  // Recomputes the per-shard budgets: maxmemory less what the allocator has handed out besides
  // keys, split evenly. Cheap (one short lock per shard); no eviction.
  void RecomputeBudgets();
  // Sets every shard's budget directly (tests, benchmarks); RecomputeBudgets replaces it.
  void SetBudgetPerShard(int64_t bytes);
  // Evicts from shards over budget, a few keys per lock hold, for at most `budget_us`.
  // Returns keys evicted.
  uint64_t EvictOverBudget(int64_t now_ms, int64_t budget_us);

  // Eviction metadata as OBJECT shows it.
  int64_t IdleSeconds(const Entry& entry, int64_t now_ms) const;
  int Frequency(const Entry& entry, int64_t now_ms) const;

 private:
  friend class KeySlot;
  friend class LockedKey;
  friend class LockedKeys;
  friend class ShardGuard;
  friend class ShardHold;

  // Bumps the version of a watched key after it changed (cheap when the shard has none).
  static void NoteModified(Shard& shard, size_t db, std::string_view key);  // inline: shard.h
  static void NoteModifiedSlow(Shard& shard, size_t db, std::string_view key);
  // Bumps every watched key of `db` in this shard that exists in one of `tables`.
  static void NoteDatabaseReplaced(Shard& shard, size_t db,
                                   std::initializer_list<const Table*> tables);
  // Sweeps to the end every invalidation of `shard` that covers `key` of `db` (caller holds the
  // lock).
  void SettleInvalidationsFor(Shard& shard, size_t db, std::string_view key);
  // Sweeps every invalidation registered with `shard` to the end (caller holds the lock).
  void SettleInvalidations(Shard& shard);  // inline: shard.h
  void SettleAllInShard(Shard& shard);
  // A shard's part of `job` is done: the last one ends the invalidation.
  void FinishShardPart(Invalidation& job);
  // Sweeps to the end the invalidations of `shard` that do not know how many keys they still
  // hold there (patterns); caller holds the lock.
  void SettleUncounted(Shard& shard);
  // True when an invalidation registered with `shard` removes `key` of `db` (so nothing may
  // show it); caller holds the lock.
  static bool Condemned(const Shard& shard, size_t db, std::string_view key);
  std::vector<uint32_t> AllShards() const;
  // Sweeps `job`'s part of `shard` for at most `max_entries` keys looked at; true when the part
  // is done (it is then unregistered from the shard). Caller holds the lock.
  bool SweepShard(Shard& shard, Invalidation& job, size_t max_entries);
  // Takes the keys of shard.tables[db] off the shard's per-prefix figures (before a flush
  // moves the table out). Caller holds the lock.
  static void ForgetPrefixesOf(Shard& shard, size_t db);
  size_t IndexOf(const Shard& shard) const;  // inline: shard.h
  // The slot of `key` in `db` (its shard not locked yet).
  KeySlot SlotOf(size_t db, std::string_view key, int64_t now_ms);
  // Locks the shards of `indexes` in ascending order, each once, but those this thread holds;
  // leaves in `indexes` the ones it locked.
  void LockInOrder(std::vector<uint32_t>* indexes);
  void UnlockInReverse(const std::vector<uint32_t>& indexes);

  // Marks `entry` as used now (referenced bit and tick, or frequency, by policy).
  void OnAccess(Entry& entry, int64_t now_ms) const;
  void OnAccessLfu(Entry& entry, int64_t now_ms) const;  // OnAccess under an LFU policy
  // The access field of a new entry.
  uint32_t InitialAccess(int64_t now_ms) const;
  // Evicts from `shard` until it is within budget; never evicts `keep`. Caller holds the lock.
  void EvictWithinShard(Shard& shard, const Entry* keep, int64_t now_ms, size_t max_victims);
  // Picks a victim in `shard` by the policy (nullptr: none); sets *table_index.
  Entry* PickVictim(Shard& shard, const Entry* keep, int64_t now_ms, size_t* table_index);
  void SetFull(Shard& shard, bool full);
  // One active-expiry step in one shard; true when most of what it saw had expired.
  bool ExpireStepInShard(Shard& shard, int64_t now_ms, uint64_t* removed_total);

  struct ExpiryProgress {
    size_t next_shard = SIZE_MAX;  // SIZE_MAX: a new pass starts
    bool backlog_in_pass = false;
    // ActiveExpireWhenDue's schedule (monotonic us).
    bool backlog = false;
    int64_t next_pass_us = 0;
    int64_t next_slice_us = 0;
  };
  // One per possible part (I/O thread); each is touched only by its own thread.
  std::vector<ExpiryProgress> expiry_progress_ = std::vector<ExpiryProgress>(256);
  std::atomic<bool> active_expire_{true};
  uint8_t DecayedFrequency(uint32_t access, int64_t now_ms) const;

  std::atomic<int64_t> max_memory_{0};
  std::atomic<EvictionPolicy> policy_{EvictionPolicy::kNoEviction};
  std::atomic<int64_t> lfu_log_factor_{10};
  std::atomic<int64_t> lfu_decay_minutes_{1};
  std::atomic<int64_t> eviction_samples_{5};
  std::atomic<int64_t> full_shards_{0};
  // An invalidation registered and not finished (see BeginInvalidation).
  std::atomic<bool> invalidation_running_{false};
  // ShardHolds of every shard alive or being taken (EXEC of keyless commands, scripts).
  std::atomic<int> whole_holds_{0};

  std::mutex prefix_config_mutex_;
  PrefixStatsConfig prefix_config_;  // guarded by prefix_config_mutex_

  std::mutex lazy_free_mutex_;
  std::vector<Table> lazy_free_;  // guarded by lazy_free_mutex_
  std::atomic<uint64_t> lazy_free_keys_{0};

 private:
  // Locks a set of shards in ascending index order for its lifetime.
  class MultiLock {
   public:
    MultiLock(Store* store, std::vector<uint32_t> shard_indexes);
    ~MultiLock();
    MultiLock(const MultiLock&) = delete;
    MultiLock& operator=(const MultiLock&) = delete;

   private:
    Store* store_;
    std::vector<uint32_t> indexes_;
  };

  uint32_t ShardIndex(uint64_t hash) const {
    // High bits pick the shard; a table uses the low bits for its bucket.
    return static_cast<uint32_t>(hash >> shard_shift_) & shard_mask_;
  }

  size_t databases_;
  std::vector<Shard> shards_;  // Shard is complete only in the store's own files
  size_t shard_count_;
  uint32_t shard_mask_;
  unsigned shard_bits_;
  unsigned shard_shift_;
};

}  // namespace cachette::store
