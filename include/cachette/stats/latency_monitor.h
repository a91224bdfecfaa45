#pragma once

// Redis's latency monitor (LATENCY): per event ("command", "fast-command"), the last 160
// samples over latency-monitor-threshold (one per second at most: a second's samples keep their
// maximum) and the all-time maximum. Recorded from any I/O thread under one mutex, taken only
// for a sample over the threshold (or by the commands that read it).

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cachette::stats {

class LatencyMonitor {
 public:
  struct Sample {
    int64_t time_s = 0;
    int64_t latency_ms = 0;
  };
  struct Event {
    std::string name;
    std::deque<Sample> samples;  // oldest first
    int64_t max_ms = 0;
  };

  void Record(std::string_view event, int64_t time_s, int64_t latency_ms);
  // Every event with samples, by name.
  std::vector<Event> Events() const;
  // Resets the named events (all when `names` is empty); returns how many had samples.
  size_t Reset(std::span<const std::string_view> names);

 private:
  static constexpr size_t kSamples = 160;
  mutable std::mutex mutex_;
  std::map<std::string, Event, std::less<>> events_;  // guarded by mutex_
};

}  // namespace cachette::stats
