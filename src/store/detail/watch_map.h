#pragma once

// The key of Shard::watched: the database (4 bytes, native order) then the user's key, so one
// map serves every database of the shard.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace cachette::store::detail {

inline std::string WatchMapKey(size_t db, std::string_view key) {
  std::string map_key(sizeof(uint32_t), '\0');
  const uint32_t db32 = static_cast<uint32_t>(db);
  std::memcpy(map_key.data(), &db32, sizeof(db32));
  map_key.append(key);
  return map_key;
}

inline size_t WatchMapDb(const std::string& map_key) {
  uint32_t db32 = 0;
  std::memcpy(&db32, map_key.data(), sizeof(db32));
  return db32;
}

inline std::string_view WatchMapUserKey(const std::string& map_key) {
  return std::string_view(map_key).substr(sizeof(uint32_t));
}

}  // namespace cachette::store::detail
