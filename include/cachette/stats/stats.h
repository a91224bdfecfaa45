#pragma once

// Server statistics: the counters INFO reports, declared once.
//
// Hot-path counters (per command) live in one ThreadStats block per I/O thread. Each block has
// one writer, its thread, which updates a counter with a relaxed load and store (no locked
// instruction); INFO sums the blocks. CONFIG RESETSTAT never writes a block: it records each
// counter's current value as that counter's baseline, and reads report value - baseline, so
// the single-writer rule holds without stopping the threads.
//
// Per-command counters (INFO commandstats) are arrays indexed by the command index the
// CommandTable gives each spec (subcommands included). Error replies are counted per error
// code (INFO errorstats) in a small per-thread map behind its own lock: errors are rare, and
// the lock is only contended by INFO.
//
// The instantaneous metrics (instantaneous_ops_per_sec, instantaneous_input/output_kbps)
// follow Redis: Sample() is called every 100 ms and stores the rate since the previous call in
// a ring of 16; the metric is the mean of the ring.

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace cachette::stats {

// Counters written once per command by its thread (INFO stats names).
#define CACHETTE_THREAD_COUNTERS(X) \
  X(total_commands_processed)       \
  X(total_error_replies)            \
  X(acl_access_denied_auth)

// Per-command counters (INFO commandstats names).
#define CACHETTE_COMMAND_COUNTERS(X) \
  X(calls)                           \
  X(usec)                            \
  X(rejected_calls)                  \
  X(failed_calls)

// One writer (the owning thread); any reader. Reset() may be called from any thread.
class Counter {
 public:
  void Add(uint64_t n) {
    value_.store(value_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  uint64_t Get() const {
    // The baseline first: its release/acquire pair makes the value read after it at least the
    // value the baseline was taken from.
    const uint64_t base = base_.load(std::memory_order_acquire);
    return value_.load(std::memory_order_relaxed) - base;
  }
  void Reset() { base_.store(value_.load(std::memory_order_relaxed), std::memory_order_release); }

 private:
  std::atomic<uint64_t> value_{0};
  std::atomic<uint64_t> base_{0};
};

struct CommandCounters {
#define CACHETTE_DECLARE(name) Counter name;
  CACHETTE_COMMAND_COUNTERS(CACHETTE_DECLARE)
#undef CACHETTE_DECLARE
};

// Redis stops tracking new error codes past this many (errorstats).
inline constexpr size_t kMaxErrorCodes = 128;

// One I/O thread's counters. Written only by that thread.
class ThreadStats {
 public:
  explicit ThreadStats(size_t command_count);

#define CACHETTE_DECLARE(name) Counter name;
  CACHETTE_THREAD_COUNTERS(CACHETTE_DECLARE)
#undef CACHETTE_DECLARE

  CommandCounters& command(size_t index) { return commands_[index]; }
  const CommandCounters& command(size_t index) const { return commands_[index]; }
  size_t command_count() const { return command_count_; }

  // Counts one error reply: `text` is the error without its leading '-' ("ERR syntax error");
  // its code is the text up to the first space.
  void CountError(std::string_view text);

 private:
  friend class Stats;
  std::unique_ptr<CommandCounters[]> commands_;
  size_t command_count_;
  std::mutex errors_mutex_;
  std::map<std::string, uint64_t, std::less<>> errors_;  // guarded by errors_mutex_
};

// Sums over every thread block.
struct Totals {
#define CACHETTE_DECLARE(name) uint64_t name = 0;
  CACHETTE_THREAD_COUNTERS(CACHETTE_DECLARE)
#undef CACHETTE_DECLARE
  struct Command {
#define CACHETTE_DECLARE(name) uint64_t name = 0;
    CACHETTE_COMMAND_COUNTERS(CACHETTE_DECLARE)
#undef CACHETTE_DECLARE
  };
  std::vector<Command> commands;                // by command index
  std::map<std::string, uint64_t> error_codes;  // errorstats, sorted by code
};

struct InstantaneousMetrics {
  uint64_t ops_per_sec = 0;
  double input_kbps = 0;
  double output_kbps = 0;
};

class Stats {
 public:
  // `command_count`: CommandTable::spec_count(), the size of the per-command arrays.
  explicit Stats(size_t command_count);
  Stats(const Stats&) = delete;
  Stats& operator=(const Stats&) = delete;

  // The calling thread's block, created on first use; the address is stable for the life of
  // Stats. Takes a lock: call it once per connection, not per command.
  ThreadStats& ThreadBlock();

  // Sums every block (the per-command arrays and error codes too).
  Totals Sum() const;
  uint64_t TotalCommands() const;

  // CONFIG RESETSTAT: every counter of every block back to zero, and the instantaneous ring.
  void Reset();

  // Records one sample of the instantaneous metrics: `now_ms` monotonic milliseconds, and the
  // network byte totals at that instant (the command total is summed here). Called every
  // 100 ms by one thread.
  void Sample(int64_t now_ms, uint64_t net_input_bytes, uint64_t net_output_bytes);
  InstantaneousMetrics Instantaneous() const;

  // A fixed 40-hex-digit identity for this process (run_id), and the replication ID.
  const std::string& run_id() const { return run_id_; }
  const std::string& replication_id() const { return replication_id_; }

  // Fallback peak tracking for used_memory when the memory source has no peak of its own.
  uint64_t ObserveMemory(uint64_t used);
  // Fallback used_memory_startup: what the server allocated once started, before any key.
  void set_startup_memory(uint64_t bytes) { startup_memory_.store(bytes); }
  uint64_t startup_memory() const { return startup_memory_.load(); }

 private:
  static constexpr size_t kSamples = 16;  // Redis's STATS_METRIC_SAMPLES
  enum Metric { kCommands, kInput, kOutput, kMetricCount };
  struct Ring {
    int64_t last_time_ms = 0;
    uint64_t last_value = 0;
    std::array<uint64_t, kSamples> samples{};
    size_t index = 0;
  };

  size_t command_count_;
  mutable std::mutex mutex_;
  // Guarded by mutex_:
  std::vector<std::pair<std::thread::id, std::unique_ptr<ThreadStats>>> blocks_;
  std::array<Ring, kMetricCount> rings_{};
  uint64_t peak_memory_ = 0;

  std::atomic<uint64_t> startup_memory_{0};
  std::string run_id_;
  std::string replication_id_;
};

}  // namespace cachette::stats
