#pragma once

// Wall-clock readings in Unix time. Commands read the clock once and pass the value down, so
// that one command sees one instant and tests can pass any instant they like.
//
// The command side reads the wall clock through a Clock object it is given (main gives the
// server's), so a test can stop time and move it on by hand instead of sleeping: a stopped
// clock reads the instant it was set to until it is set or advanced again. A running clock
// costs one relaxed load and a predictable branch over the system call it makes.

#include <atomic>
#include <cstdint>

namespace cachette::util {

int64_t UnixTimeMs();
int64_t UnixTimeUs();
// Monotonic microseconds, for durations (latency, idle time).
int64_t MonotonicUs();

class Clock {
 public:
  int64_t UnixTimeUs() const {
    const int64_t stopped = stopped_at_us_.load(std::memory_order_relaxed);
    return stopped != 0 ? stopped : util::UnixTimeUs();
  }
  int64_t UnixTimeMs() const { return UnixTimeUs() / 1000; }

  // Tests: from now on the clock reads `unix_us` (which must be positive).
  void StopAt(int64_t unix_us) { stopped_at_us_.store(unix_us, std::memory_order_relaxed); }
  // Tests: stops the clock where it is (if it runs) and moves it on by `us`.
  void Advance(int64_t us) { StopAt(UnixTimeUs() + us); }
  // Runs on the system clock again.
  void Resume() { stopped_at_us_.store(0, std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> stopped_at_us_{0};  // 0: running
};

}  // namespace cachette::util
