#pragma once

// The server-wide objects every command family works with, wired once by main: the store, the
// configuration, the command table, the statistics and the clock (given), and the runtime
// state that belongs to the command side (owned here, each behind the methods of its own
// object): the scripting state, CLIENT PAUSE, the slow log and latency monitor, parked
// unwatches, the shutdown flag and the facts INFO reports about the process. The networking
// layer attaches its ServerControl when it starts and detaches it before it goes.

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "cachette/commands/client_pause.h"
#include "cachette/commands/server_control.h"
#include "cachette/scripting/scripting.h"
#include "cachette/stats/latency_monitor.h"
#include "cachette/stats/memory.h"
#include "cachette/stats/slow_log.h"
#include "cachette/store/watch_token.h"
#include "cachette/util/clock.h"

namespace cachette::config {
class Config;
}
namespace cachette::store {
class Store;
}
namespace cachette::stats {
class Stats;
class PeriodicTask;
}  // namespace cachette::stats

namespace cachette::commands {

class CommandTable;

// Watch tokens whose Store::Unwatch had to wait: forgetting a watched key takes its shard
// lock, which a running script holds (on another thread) for as long as it runs, so UNWATCH,
// DISCARD, RESET and a closing client park their tokens here instead of blocking their I/O
// thread; the next UnwatchAll that may lock (or the script's own thread as its command ends)
// forgets them. Meanwhile the keys only stay in the watched table a little longer.
class PendingUnwatches {
 public:
  void Add(std::vector<store::WatchToken> tokens) {
    std::lock_guard lock(mutex_);
    for (auto& token : tokens) {
      tokens_.push_back(std::move(token));
    }
    count_.store(tokens_.size(), std::memory_order_release);
  }
  std::vector<store::WatchToken> Take() {
    std::lock_guard lock(mutex_);
    count_.store(0, std::memory_order_release);
    return std::move(tokens_);
  }
  bool empty() const { return count_.load(std::memory_order_acquire) == 0; }

 private:
  std::mutex mutex_;
  std::vector<store::WatchToken> tokens_;  // guarded by mutex_
  std::atomic<size_t> count_{0};
};

class ServerContext {
 public:
  // `stats` may be null (unit tests: nothing is counted). Every other object outlives this one.
  ServerContext(store::Store& store, config::Config& config, const CommandTable& commands,
                stats::Stats* stats, const util::Clock& clock);
  ~ServerContext();
  ServerContext(const ServerContext&) = delete;
  ServerContext& operator=(const ServerContext&) = delete;

  store::Store& store() const { return store_; }
  config::Config& config() const { return config_; }
  const CommandTable& commands() const { return commands_; }
  stats::Stats* stats() const { return stats_; }
  const util::Clock& clock() const { return clock_; }

  // The networking layer, or null (unit tests, or before net starts and after it stops).
  ServerControl* control() const { return control_; }
  // Net's Server attaches itself as it starts (which starts the 100 ms sampler of
  // INFO's instantaneous figures) and detaches (null) before it is destroyed.
  void AttachControl(ServerControl* control);

  // Lua scripts: the cache shared by every thread and the running script's state (BUSY).
  scripting::Scripting& scripting() { return scripting_; }
  const scripting::Scripting& scripting() const { return scripting_; }
  PendingUnwatches& pending_unwatches() { return pending_unwatches_; }
  ClientPause& pause() { return pause_; }
  stats::SlowLog& slowlog() { return slowlog_; }
  stats::LatencyMonitor& latency() { return latency_; }

  // INFO memory and MEMORY STATS: the allocator's figures with the store's accounting.
  stats::MemoryFigures MemoryFigures() const;

  // Shutdown has begun (SIGTERM, SHUTDOWN): a command that waits on purpose (DEBUG SLEEP)
  // ends early, so its I/O thread can close its clients, and a running script is killed.
  void BeginShutdown();
  bool shutting_down() const { return shutting_down_.load(std::memory_order_relaxed); }

  // Facts about the process, for INFO server and LASTSAVE.
  int64_t start_time_ms() const { return start_time_ms_; }
  const std::string& executable() const { return executable_; }
  const std::string& config_file() const { return config_file_; }

 private:
  store::Store& store_;
  config::Config& config_;
  const CommandTable& commands_;
  stats::Stats* const stats_;
  const util::Clock& clock_;
  ServerControl* control_ = nullptr;
  std::unique_ptr<stats::PeriodicTask> sampler_;  // while a control is attached
  scripting::Scripting scripting_;
  PendingUnwatches pending_unwatches_;
  ClientPause pause_;
  stats::SlowLog slowlog_;
  stats::LatencyMonitor latency_;
  std::atomic<bool> shutting_down_{false};
  int64_t start_time_ms_ = 0;
  std::string executable_;
  std::string config_file_;
};

}  // namespace cachette::commands
