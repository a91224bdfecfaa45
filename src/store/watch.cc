// WATCH: optimistic locking for MULTI/EXEC, per shard.
//
// Each shard keeps the keys some client watches in `watched` (database and key -> number of
// watchers and a version). Every write path of the store bumps the version of the key it
// changed: KeySlot::Put, GrowValue, SetExpire and Delete, a lazy expiry on lookup, active
// expiry, eviction, an INVALIDATE that removes the key, and FLUSHDB/FLUSHALL/SWAPDB for keys
// that existed. A shard with no watched key pays one empty() check per write (NoteModified is
// inline for that reason). EXEC compares each token's version under its hold; as in Redis 7,
// a key that was alive at WATCH and has logically expired since counts as changed even
// before anything removed it.
//
// Limits: versions come from one counter per shard (watch_clock), so they only say "changed
// or not", never how; a watched key that never exists still costs a map entry until UNWATCH.

#include "cachette/store/store.h"
#include "cachette/util/hash.h"
#include "detail/shard.h"
#include "detail/watch_map.h"

namespace cachette::store {

using detail::WatchMapDb;
using detail::WatchMapKey;
using detail::WatchMapUserKey;

void Store::NoteModifiedSlow(Shard& shard, size_t db, std::string_view key) {
  auto it = shard.watched.find(WatchMapKey(db, key));
  if (it != shard.watched.end()) {
    it->second.version = ++shard.watch_clock;
  }
}

void Store::NoteDatabaseReplaced(Shard& shard, size_t db,
                                 std::initializer_list<const Table*> tables) {
  for (auto& [map_key, watched] : shard.watched) {
    if (WatchMapDb(map_key) != db) {
      continue;
    }
    const std::string_view key = WatchMapUserKey(map_key);
    const uint64_t hash = util::HashBytes(key);
    for (const Table* table : tables) {
      if (table->Find(key, hash) != nullptr) {
        watched.version = ++shard.watch_clock;
        break;
      }
    }
  }
}

WatchToken Store::Watch(size_t db, std::string_view key, int64_t now_ms) {
  const uint64_t hash = util::HashBytes(key);
  Shard& shard = shards_[ShardIndex(hash)];
  ShardGuard lock(*this, shard);
  WatchedKey& watched = shard.watched[WatchMapKey(db, key)];
  ++watched.watchers;
  const Entry* entry = shard.tables[db].Find(key, hash);
  return WatchToken{db, std::string(key), watched.version,
                    entry != nullptr && entry->IsExpired(now_ms)};
}

void Store::Unwatch(const WatchToken& token) {
  Shard& shard = shards_[ShardIndex(util::HashBytes(token.key))];
  ShardGuard lock(*this, shard);
  auto it = shard.watched.find(WatchMapKey(token.db, token.key));
  if (it != shard.watched.end() && --it->second.watchers == 0) {
    shard.watched.erase(it);
  }
}

bool Store::WatchBroken(const WatchToken& token, int64_t now_ms) {
  const uint64_t hash = util::HashBytes(token.key);
  Shard& shard = shards_[ShardIndex(hash)];
  ShardGuard lock(*this, shard);
  auto it = shard.watched.find(WatchMapKey(token.db, token.key));
  if (it == shard.watched.end() || it->second.version != token.version) {
    return true;
  }
  if (!token.expired) {
    const Entry* entry = shard.tables[token.db].Find(token.key, hash);
    if (entry != nullptr && entry->IsExpired(now_ms)) {
      return true;
    }
  }
  return false;
}

size_t Store::WatchedKeyCount() {
  size_t total = 0;
  for (Shard& shard : shards_) {
    ShardGuard lock(*this, shard);
    total += shard.watched.size();
  }
  return total;
}

}  // namespace cachette::store
