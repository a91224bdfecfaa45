// The latency monitor (latency_monitor.h).

#include "cachette/stats/latency_monitor.h"

#include <algorithm>

namespace cachette::stats {

void LatencyMonitor::Record(std::string_view name, int64_t time_s, int64_t latency_ms) {
  std::lock_guard lock(mutex_);
  auto it = events_.find(name);
  if (it == events_.end()) {
    it = events_.emplace(std::string(name), Event{std::string(name), {}, 0}).first;
  }
  Event& event = it->second;
  event.max_ms = std::max(event.max_ms, latency_ms);
  if (!event.samples.empty() && event.samples.back().time_s == time_s) {
    event.samples.back().latency_ms = std::max(event.samples.back().latency_ms, latency_ms);
    return;
  }
  event.samples.push_back({time_s, latency_ms});
  if (event.samples.size() > kSamples) {
    event.samples.pop_front();
  }
}

std::vector<LatencyMonitor::Event> LatencyMonitor::Events() const {
  std::lock_guard lock(mutex_);
  std::vector<Event> out;
  for (const auto& [name, event] : events_) {
    out.push_back(event);
  }
  return out;
}

size_t LatencyMonitor::Reset(std::span<const std::string_view> names) {
  std::lock_guard lock(mutex_);
  if (names.empty()) {
    const size_t count = events_.size();
    events_.clear();
    return count;
  }
  size_t count = 0;
  for (std::string_view name : names) {
    auto it = events_.find(name);
    if (it != events_.end()) {
      events_.erase(it);
      ++count;
    }
  }
  return count;
}

}  // namespace cachette::stats
