#pragma once

// Random numbers for the store's sampling (eviction samples, LFU increments, RANDOMKEY): one
// generator per thread, seeded once, so no lock and no shared state.

#include <cstdint>
#include <random>

namespace cachette::store::detail {

inline uint64_t RandomNumber() {
  thread_local std::mt19937_64 generator{std::random_device{}()};
  return generator();
}

}  // namespace cachette::store::detail
