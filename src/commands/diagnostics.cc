// The slow log, the latency monitor and MONITOR lines (diagnostics.h).

#include "cachette/commands/diagnostics.h"

#include <fmt/format.h>

#include <algorithm>

#include "cachette/commands/client_state.h"
#include "cachette/commands/command_spec.h"
#include "cachette/util/split_args.h"
#include "detail/handler_support.h"

namespace cachette::commands {

namespace {
constexpr size_t kSlowLogMaxArgs = 32;
constexpr size_t kSlowLogMaxString = 128;
constexpr std::string_view kRedacted = "(redacted)";

}  // namespace

std::vector<std::string_view> RedactedArguments(const CommandSpec& spec,
                                                std::span<const std::string_view> args) {
  std::vector<std::string_view> out(args.begin(), args.end());
  if (spec.name == "auth") {
    for (size_t i = 1; i < out.size(); ++i) {
      out[i] = kRedacted;
    }
  } else if (spec.name == "hello") {
    for (size_t i = 2; i + 2 < out.size(); ++i) {
      if (detail::EqualsIgnoreCase(out[i], "AUTH")) {
        out[i + 1] = out[i + 2] = kRedacted;
        i += 2;
      }
    }
  }
  return out;
}

std::string MonitorLine(const ClientState& client, const CommandSpec& spec,
                        std::span<const std::string_view> args, int64_t time_us) {
  std::string line = fmt::format("+{}.{:06} [{} {}]", time_us / 1000000, time_us % 1000000,
                                 client.db, client.peer_address);
  for (std::string_view arg : RedactedArguments(spec, args)) {
    line += ' ';
    util::AppendQuoted(&line, arg);
  }
  line += "\r\n";
  return line;
}

void SlowLog::Record(const ClientState& client, const CommandSpec& spec,
                     std::span<const std::string_view> args, int64_t start_us, int64_t duration_us,
                     size_t max_len) {
  SlowLogEntry entry;
  entry.time_s = start_us / 1000000;
  entry.duration_us = duration_us;
  const std::vector<std::string_view> shown = RedactedArguments(spec, args);
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
  entry.peer_address = client.peer_address;
  entry.client_name = client.name;
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

}  // namespace cachette::commands
