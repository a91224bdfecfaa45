#include "cachette/store/store_admin.h"

#include <random>

#include "detail/shard.h"

namespace cachette::store {

namespace {

// Buckets a keyspace sample may visit per shard, so a sparse table costs little too.
constexpr size_t kSampleBucketsPerShard = 128;

uint64_t RandomNumber() {
  thread_local std::mt19937_64 generator{std::random_device{}()};
  return generator();
}

KeyspaceStats KeyspaceStatsOf(Store& store, size_t db, int64_t now_ms) {
  KeyspaceStats stats;
  long double ttl_sum = 0;
  uint64_t ttl_count = 0;
  store.VisitTables(db, [&](const Table& table) {
    stats.keys += table.size();
    stats.expires += table.expires();
    stats.table_bytes += static_cast<uint64_t>(table.bucket_bytes());
    if (table.expires() == 0) {
      return;
    }
    // A small table is read whole; a big one from a random bucket on. Either way the walk
    // stops when the cursor wraps, so no bucket is counted twice.
    uint64_t cursor = table.bucket_count() <= kSampleBucketsPerShard ? 0 : RandomNumber();
    size_t found = 0;
    for (size_t visited = 0; visited < kSampleBucketsPerShard && found < kTtlSamplesPerShard;
         ++visited) {
      cursor = table.ScanStep(cursor, [&](const Entry* e) {
        if (e->has_expire() && e->expire_ms() > now_ms) {
          ttl_sum += static_cast<long double>(e->expire_ms() - now_ms);
          ++found;
        }
      });
      if (cursor == 0) {
        break;
      }
    }
    ttl_count += found;
  });
  stats.avg_ttl_ms = ttl_count == 0 ? 0 : static_cast<int64_t>(ttl_sum / ttl_count);
  return stats;
}

}  // namespace

KeyspaceStats GetKeyspaceStats(Store& store, size_t db, int64_t now_ms) {
  return KeyspaceStatsOf(store, db, now_ms);
}

MoveResult MoveKey(Store& store, size_t from, size_t to, std::string_view key, int64_t now_ms) {
  const KeyRef refs[2] = {{from, key}, {to, key}};
  return store.WithKeys(refs, now_ms, [&](std::span<KeySlot> slots) {
    const Entry* source = slots[0].LookupForWrite();
    if (source == nullptr) {
      return MoveResult::kMissing;
    }
    if (slots[1].LookupForWrite() != nullptr) {
      return MoveResult::kTargetExists;
    }
    // Each table has its own arena: the entry is copied into the target's, then deleted.
    Entry* moved = slots[1].NewEntry(source->value(), source->expire_ms());
    slots[1].Put(nullptr, moved);
    slots[0].Delete();
    return MoveResult::kMoved;
  });
}

size_t KeyMemoryUsage(const Entry& entry) {
  // The bucket array holds between one and two handles per key; count one.
  return entry.AllocatedSize() + sizeof(EntryHandle);
}

}  // namespace cachette::store
