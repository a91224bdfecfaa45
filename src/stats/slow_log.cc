// The slow log (slow_log.h).

#include "cachette/stats/slow_log.h"

#include <fmt/format.h>

#include <algorithm>

namespace cachette::stats {

namespace {
constexpr size_t kSlowLogMaxArgs = 32;
constexpr size_t kSlowLogMaxString = 128;
}  // namespace

void SlowLog::Record(std::span<const std::string_view> shown, std::string_view peer_address,
                     std::string_view client_name, int64_t start_us, int64_t duration_us,
                     size_t max_len) {
  SlowLogEntry entry;
  entry.time_s = start_us / 1000000;
  entry.duration_us = duration_us;
  const size_t kept = std::min(shown.size(), kSlowLogMaxArgs);
  for (size_t i = 0; i < kept; ++i) {
    if (kept == kSlowLogMaxArgs && i == kept - 1 && shown.size() > kSlowLogMaxArgs) {
      entry.args.push_back(
          fmt::format("... ({} more arguments)", shown.size() - kSlowLogMaxArgs + 1));
    } else if (shown[i].size() > kSlowLogMaxString) {
      entry.args.push_back(fmt::format("{}... ({} more bytes)",
                                       shown[i].substr(0, kSlowLogMaxString),
                                       shown[i].size() - kSlowLogMaxString));
    } else {
      entry.args.emplace_back(shown[i]);
    }
  }
  entry.peer_address = peer_address;
  entry.client_name = client_name;
  std::lock_guard lock(mutex_);
  entry.id = next_id_++;
  entries_.push_front(std::move(entry));
  while (entries_.size() > max_len) {
    entries_.pop_back();
  }
}

std::vector<SlowLogEntry> SlowLog::Newest(int64_t count) const {
  std::lock_guard lock(mutex_);
  const size_t n =
      count < 0 ? entries_.size() : std::min(entries_.size(), static_cast<size_t>(count));
  return {entries_.begin(), entries_.begin() + static_cast<std::ptrdiff_t>(n)};
}

size_t SlowLog::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

void SlowLog::Reset() {
  std::lock_guard lock(mutex_);
  entries_.clear();
}

}  // namespace cachette::stats
