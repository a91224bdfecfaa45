#pragma once

// Wall-clock readings in Unix time. Commands read the clock once and pass the value down, so
// that one command sees one instant and tests can pass any instant they like.

#include <cstdint>

namespace cachette::util {

int64_t UnixTimeMs();
int64_t UnixTimeUs();
// Monotonic microseconds, for durations (latency, idle time).
int64_t MonotonicUs();

}  // namespace cachette::util
