// Shard locking and holds: how store calls lock the shards they touch.
//
// - One key (Store::WithKey): the key's shard, by the hash's bits 40-55 (ShardGuard).
// - Several keys (WithKeys, SWAPDB, KEYS, INVALIDATE's instant): MultiLock takes the shards in
//   ascending index order, each once, so two multi-shard operations never wait on each other
//   in a cycle.
// - A transaction or a script (Store::HoldShards): a ShardHold locks, in ascending order, the
//   shards of every key the queued commands name (or all of them) and records itself in a
//   thread-local. While it lives, ShardGuard and MultiLock on that thread skip the shards it
//   holds instead of locking them again, so the queued commands run through the ordinary code
//   under one set of locks: atomically for every other client. Holds do not nest, and a thread
//   under a hold may touch only held shards.
// - A hold of every shard (a keyless transaction, EVAL) is counted in whole_holds_ before it
//   starts locking, so background slices (active expiry, INVALIDATE sweeps) back off instead
//   of waiting behind a script that may run for seconds.
//
// Limits: the hold is per thread and per store; std::mutex is not recursive, which is why
// everything goes through these helpers instead of locking shard mutexes directly.

#include <algorithm>

#include "cachette/store/store.h"
#include "cachette/util/hash.h"
#include "detail/shard.h"

namespace cachette::store {

namespace {
// The hold of the calling thread (EXEC or a script), if any.
thread_local const ShardHold* t_hold = nullptr;
thread_local const Store* t_hold_store = nullptr;
}  // namespace

ShardGuard::ShardGuard(const Store& store, Shard& shard) {
  if (!store.HeldByThisThread(shard)) {
    mutex_ = &shard.mutex;
    mutex_->lock();
  }
}

ShardHold::ShardHold(Store* store, std::vector<uint32_t> indexes)
    : store_(store), indexes_(std::move(indexes)), held_(store->shards_.size(), 0) {
  // Announced before locking, so I/O threads' expiry slices stop taking shard locks (they
  // would wait behind a long script otherwise, and the clients of their thread with them).
  if (indexes_.size() == store_->shards_.size()) {
    store_->whole_holds_.fetch_add(1, std::memory_order_acq_rel);
  }
  for (uint32_t index : indexes_) {
    store_->shards_[index].mutex.lock();
    held_[index] = 1;
  }
  t_hold = this;
  t_hold_store = store_;
}

ShardHold::~ShardHold() {
  t_hold = nullptr;
  t_hold_store = nullptr;
  for (auto it = indexes_.rbegin(); it != indexes_.rend(); ++it) {
    store_->shards_[*it].mutex.unlock();
  }
  if (indexes_.size() == store_->shards_.size()) {
    store_->whole_holds_.fetch_sub(1, std::memory_order_acq_rel);
  }
}

bool Store::HoldsShardsOnThisThread() const { return t_hold != nullptr && t_hold_store == this; }

bool Store::HeldByThisThread(const Shard& shard) const {
  return t_hold != nullptr && t_hold_store == this && t_hold->holds(IndexOf(shard));
}

std::unique_ptr<ShardHold> Store::HoldShards(std::span<const std::string_view> keys, bool all) {
  std::vector<uint32_t> indexes;
  if (all) {
    indexes.resize(shards_.size());
    for (uint32_t i = 0; i < indexes.size(); ++i) {
      indexes[i] = i;
    }
  } else {
    for (std::string_view key : keys) {
      indexes.push_back(ShardIndex(util::HashBytes(key)));
    }
    std::sort(indexes.begin(), indexes.end());
    indexes.erase(std::unique(indexes.begin(), indexes.end()), indexes.end());
  }
  return std::unique_ptr<ShardHold>(new ShardHold(this, std::move(indexes)));
}

KeySlot Store::SlotOf(size_t db, std::string_view key, int64_t now_ms) {
  const uint64_t hash = util::HashBytes(key);
  Shard& shard = shards_[ShardIndex(hash)];
  return KeySlot(this, &shard, &shard.tables[db], key, hash, now_ms);
}

LockedKey::LockedKey(Store& store, size_t db, std::string_view key, int64_t now_ms)
    : slot(store.SlotOf(db, key, now_ms)) {
  if (!store.HeldByThisThread(*slot.shard_)) {
    mutex_ = &slot.shard_->mutex;
    mutex_->lock();
  }
}

void Store::LockInOrder(std::vector<uint32_t>* indexes) {
  std::sort(indexes->begin(), indexes->end());
  indexes->erase(std::unique(indexes->begin(), indexes->end()), indexes->end());
  // Shards this thread holds already (a transaction or a script) are not locked again.
  std::erase_if(*indexes, [&](uint32_t index) { return HeldByThisThread(shards_[index]); });
  for (uint32_t index : *indexes) {
    shards_[index].mutex.lock();
  }
}

void Store::UnlockInReverse(const std::vector<uint32_t>& indexes) {
  for (auto it = indexes.rbegin(); it != indexes.rend(); ++it) {
    shards_[*it].mutex.unlock();
  }
}

LockedKeys::LockedKeys(Store& store, std::span<const KeyRef> keys, int64_t now_ms)
    : store_(&store) {
  slots.reserve(keys.size());
  locked_.reserve(keys.size());
  for (const KeyRef& ref : keys) {
    slots.push_back(store.SlotOf(ref.db, ref.key, now_ms));
    locked_.push_back(store.ShardIndex(slots.back().hash_));
  }
  store.LockInOrder(&locked_);
}

LockedKeys::~LockedKeys() { store_->UnlockInReverse(locked_); }

Store::MultiLock::MultiLock(Store* store, std::vector<uint32_t> shard_indexes)
    : store_(store), indexes_(std::move(shard_indexes)) {
  store_->LockInOrder(&indexes_);
}

// (Not counted in whole_holds_: a MultiLock is held for a moment, not for a script.)
Store::MultiLock::~MultiLock() { store_->UnlockInReverse(indexes_); }

std::vector<uint32_t> Store::AllShards() const {
  std::vector<uint32_t> all(shards_.size());
  for (uint32_t i = 0; i < all.size(); ++i) {
    all[i] = i;
  }
  return all;
}

}  // namespace cachette::store
