#pragma once

// The key hash that picks a shard and a bucket. One function, so that the shard of a key and
// its bucket inside the shard use independent bits of the same hash.

#include <cstdint>
#include <string_view>

namespace cachette::util {

// 64-bit hash of a byte string (wyhash-style multiply-mix); fast for short keys.
uint64_t HashBytes(std::string_view bytes, uint64_t seed = 0);

}  // namespace cachette::util
