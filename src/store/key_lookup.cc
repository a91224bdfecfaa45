// Key lookup and its side effects: what KeySlot does to a shard, under the shard's lock.
//
// Every lookup of a key, whatever it is for, goes through FindLive, which:
//   1. settles first any INVALIDATE registered with the shard that covers the key (sweeps the
//      shard's part to the end), so no matching key is visible and a key written after the
//      invalidation's instant is never removed by it (invalidation.h);
//   2. finds the entry in the database's table (the key's hash chain);
//   3. deletes an entry whose expiry has passed, there and then: the WATCH version of the key
//      is bumped and expired_keys counted; the key is reported missing.
// Then, by kind of lookup:
//   4. Lookup and LookupNoTouch (reads Redis counts) count keyspace_hits or keyspace_misses,
//      and the hit or miss of the key's prefix (prefix-stats);
//   5. Lookup and LookupForWrite mark the entry as used (Store::OnAccess: the referenced bit
//      and stamp for LRU, the counter for LFU), unless a NoTouchScope is active on the thread
//      (CLIENT NO-TOUCH); LookupNoTouch (OBJECT) and Peek (MEMORY USAGE) leave it alone.
// Writes through the slot (Set, Put, GrowValue, SetExpire, Delete) bump the key's WATCH
// version; Put and GrowValue then evict within the shard when it is over budget (never the
// entry just written: eviction.cc), and Delete clears the shard's full mark once it is back
// within budget.
//
// Limits: a KeySlot is valid only inside the WithKey/WithKeys callback that made it; an
// Entry* it returns is valid until the next write through any slot of the same shard.

#include "cachette/store/store.h"
#include "detail/shard.h"

namespace cachette::store {

// Inlined in every lookup below (the one call of the common GET).
[[gnu::always_inline]] inline Entry* KeySlot::FindLive() {
  if (!shard_->invalidations.empty()) [[unlikely]] {
    store_->SettleInvalidationsFor(*shard_, db(), key_);
  }
  Entry* entry = table_->Find(key_, hash_);
  if (entry != nullptr && entry->IsExpired(now_ms_)) {
    table_->Remove(key_, hash_);
    Store::NoteModified(*shard_, db(), key_);
    ++shard_->counters.expired_keys;
    return nullptr;
  }
  return entry;
}

namespace {
thread_local bool no_touch = false;
}  // namespace

NoTouchScope::NoTouchScope() : previous_(no_touch) { no_touch = true; }
NoTouchScope::~NoTouchScope() { no_touch = previous_; }
bool NoTouchScope::active() { return no_touch; }

Entry* KeySlot::Lookup() {
  Entry* entry = FindLive();
  if (entry != nullptr) {
    ++shard_->counters.keyspace_hits;
    if (!no_touch) {
      store_->OnAccess(*entry, now_ms_);
    }
  } else {
    ++shard_->counters.keyspace_misses;
  }
  if (shard_->prefixes != nullptr) {
    shard_->prefixes->Lookup(key_, entry != nullptr);
  }
  return entry;
}

Entry* KeySlot::LookupForWrite() {
  Entry* entry = FindLive();
  if (entry != nullptr && !no_touch) {
    store_->OnAccess(*entry, now_ms_);
  }
  return entry;
}

Entry* KeySlot::Peek() { return FindLive(); }

Entry* KeySlot::LookupNoTouch() {
  Entry* entry = FindLive();
  ++(entry != nullptr ? shard_->counters.keyspace_hits : shard_->counters.keyspace_misses);
  if (shard_->prefixes != nullptr) {
    shard_->prefixes->Lookup(key_, entry != nullptr);
  }
  return entry;
}

Entry* KeySlot::Set(std::string_view value, int64_t expire_ms) {
  Entry* current = FindLive();
  return Put(current, table_->Create(key_, value, expire_ms));
}

Entry* KeySlot::NewEntry(std::string_view value, int64_t expire_ms) {
  return table_->Create(key_, value, expire_ms);
}

Entry* KeySlot::NewUninitialisedEntry(size_t value_size, int64_t expire_ms) {
  return table_->Allocate(key_, value_size, expire_ms);
}

Entry* KeySlot::AdoptEntry(util::MallocBlock& block, size_t capacity, size_t value_offset,
                           size_t value_size, int64_t expire_ms) {
  return table_->Adopt(key_, block, capacity, value_offset, value_size, expire_ms);
}

Entry* KeySlot::Put(Entry* current, Entry* replacement) {
  replacement->set_access(store_->InitialAccess(now_ms_));
  if (current != nullptr) {
    replacement = table_->Replace(current, replacement, hash_);
  } else {
    table_->Insert(replacement, hash_);
  }
  Store::NoteModified(*shard_, db(), key_);
  if (shard_->used_bytes > shard_->budget_bytes) {
    store_->EvictWithinShard(*shard_, replacement, now_ms_, SIZE_MAX);
  }
  return replacement;
}

Entry* KeySlot::GrowValue(Entry* current, size_t value_size) {
  Entry* grown = table_->GrowValue(current, value_size, hash_);
  Store::NoteModified(*shard_, db(), key_);
  if (shard_->used_bytes > shard_->budget_bytes) {
    store_->EvictWithinShard(*shard_, grown, now_ms_, SIZE_MAX);
  }
  return grown;
}

void KeySlot::SetExpire(Entry* entry, int64_t expire_ms) {
  table_->SetExpire(entry, expire_ms);
  Store::NoteModified(*shard_, db(), key_);
}

size_t KeySlot::db() const { return static_cast<size_t>(table_ - shard_->tables.data()); }

bool KeySlot::Delete() {
  if (FindLive() == nullptr) {
    return false;
  }
  table_->Remove(key_, hash_);
  Store::NoteModified(*shard_, db(), key_);
  if (shard_->full && shard_->used_bytes <= shard_->budget_bytes) {
    store_->SetFull(*shard_, false);
  }
  return true;
}

}  // namespace cachette::store
