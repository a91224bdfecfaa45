#include "cachette/util/clock.h"

#include <time.h>

namespace cachette::util {
namespace {

int64_t ReadUs(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000 + ts.tv_nsec / 1'000;
}

}  // namespace

int64_t UnixTimeMs() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000 + ts.tv_nsec / 1'000'000;
}

int64_t UnixTimeUs() { return ReadUs(CLOCK_REALTIME); }

int64_t MonotonicUs() { return ReadUs(CLOCK_MONOTONIC); }

}  // namespace cachette::util
