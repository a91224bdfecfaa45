#pragma once

// What the server records about the commands it runs, for operators: the slow log (SLOWLOG,
// commands slower than slowlog-log-slower-than), the latency monitor (LATENCY, events slower
// than latency-monitor-threshold) and the MONITOR line format. The dispatcher records into
// both after timing a command, from any I/O thread: each keeps its entries under its own
// mutex, taken only for a command that is slow enough to record (or by the commands that read
// them).

#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cachette::commands {

struct ClientState;
struct CommandSpec;

struct SlowLogEntry {
  int64_t id = 0;
  int64_t time_s = 0;             // Unix time the command started
  int64_t duration_us = 0;        // how long it ran
  std::vector<std::string> args;  // Redis's caps: 32 arguments, 128 bytes each
  std::string peer_address;
  std::string client_name;
};

class SlowLog {
 public:
  // Adds an entry, dropping the oldest beyond `max_len` entries. Arguments are capped as
  // Redis caps them; AUTH and HELLO's credentials are redacted.
  void Record(const ClientState& client, const CommandSpec& spec,
              std::span<const std::string_view> args, int64_t start_us, int64_t duration_us,
              size_t max_len);
  // The newest `count` entries, newest first (count < 0: all).
  std::vector<SlowLogEntry> Newest(int64_t count) const;
  size_t size() const;
  void Reset();

 private:
  mutable std::mutex mutex_;
  std::deque<SlowLogEntry> entries_;  // newest first; guarded by mutex_
  int64_t next_id_ = 0;               // guarded by mutex_
};

// Redis's latency monitor: per event ("command", "fast-command"), the last 160 samples (one per
// second at most: a second's samples keep their maximum) and the all-time maximum.
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

// The arguments as Redis shows them in MONITOR and SLOWLOG: AUTH's arguments and HELLO's
// AUTH credentials replaced by "(redacted)".
std::vector<std::string_view> RedactedArguments(const CommandSpec& spec,
                                                std::span<const std::string_view> args);

// One MONITOR line, as Redis writes it: +<s>.<us> [<db> <addr>] "arg" "arg"\r\n
std::string MonitorLine(const ClientState& client, const CommandSpec& spec,
                        std::span<const std::string_view> args, int64_t time_us);

}  // namespace cachette::commands
