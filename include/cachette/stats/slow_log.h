#pragma once

// The slow log (SLOWLOG): commands slower than slowlog-log-slower-than, newest first, at most
// slowlog-max-len of them. The dispatcher records into it after timing a command, from any I/O
// thread; entries live under one mutex, taken only for a command slow enough to record (or by
// the commands that read the log).

#include <cstdint>
#include <deque>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cachette::stats {

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
  // Adds an entry, dropping the oldest beyond `max_len` entries. `args` are the command's
  // arguments as they may be shown (credentials already redacted); they are capped as Redis
  // caps them.
  void Record(std::span<const std::string_view> args, std::string_view peer_address,
              std::string_view client_name, int64_t start_us, int64_t duration_us, size_t max_len);
  // The newest `count` entries, newest first (count < 0: all).
  std::vector<SlowLogEntry> Newest(int64_t count) const;
  size_t size() const;
  void Reset();

 private:
  mutable std::mutex mutex_;
  std::deque<SlowLogEntry> entries_;  // newest first; guarded by mutex_
  int64_t next_id_ = 0;               // guarded by mutex_
};

}  // namespace cachette::stats
