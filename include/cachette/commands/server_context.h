#pragma once

// What commands may ask of the server around them. The net module implements ServerControl
// (it owns connections and event loops); commands see only this interface, so they never
// include networking code.

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "cachette/scripting/scripting.h"
#include "cachette/stats/latency_monitor.h"
#include "cachette/stats/memory.h"
#include "cachette/stats/slow_log.h"
#include "cachette/store/watch_token.h"

namespace cachette::config {
class Config;
}
namespace cachette::store {
class Store;
}
namespace cachette::stats {
class Stats;
}

namespace cachette::commands {

class CommandTable;
struct ClientState;

// Figures the networking layer keeps, summed over I/O threads on request.
struct NetworkStats {
  uint64_t connected_clients = 0;
  uint64_t total_connections_received = 0;
  uint64_t rejected_connections = 0;
  uint64_t client_query_buffer_limit_disconnections = 0;
  uint64_t client_output_buffer_limit_disconnections = 0;
  uint64_t total_net_input_bytes = 0;
  uint64_t total_net_output_bytes = 0;
  uint64_t io_threads = 0;
};

// What the networking layer knows of one connection (CLIENT LIST's buffer and socket fields).
struct ConnectionFigures {
  int fd = -1;
  int64_t idle_s = 0;
  uint64_t query_buffer = 0;       // qbuf: unparsed input
  uint64_t query_buffer_free = 0;  // qbuf-free
  uint64_t output_buffer = 0;      // omem: pending output
  uint64_t total_memory = 0;       // tot-mem
  bool writing = false;            // events: "rw" while a write waits for the socket
};

// One connection, seen from its own I/O thread while ServerControl::ForEachClient visits it.
class ClientHandle {
 public:
  virtual const ClientState& state() const = 0;
  virtual ConnectionFigures figures() const = 0;
  // Closes the connection once the visit and the command being run on its thread are over.
  virtual void Kill() = 0;

 protected:
  ~ClientHandle() = default;
};

class ServerControl {
 public:
  virtual ~ServerControl() = default;
  // Starts a graceful shutdown (stop accepting, finish in-flight work, exit 0).
  virtual void RequestShutdown() = 0;
  virtual NetworkStats GetNetworkStats() const = 0;
  virtual void ResetNetworkStats() = 0;
  virtual int tcp_port() const = 0;

  // Runs `visit` for every connected client on the client's own I/O thread (the calling
  // thread's clients inline), and returns when every visit has run. Visits on different
  // threads run concurrently: `visit` must synchronize what it collects. While it waits, the
  // calling thread keeps serving other threads' visits, so two callers never deadlock. With
  // `local_only`, only the calling thread's clients are visited (inside EXEC, where other
  // threads may be waiting for the shard locks this thread holds).
  virtual void ForEachClient(const std::function<void(ClientHandle&)>& visit, bool local_only) = 0;
  // The calling client's own connection figures (CLIENT INFO); call on its I/O thread.
  virtual ConnectionFigures FiguresOf(const ClientState& client) = 0;
  // MONITOR: from now on the client receives `FeedMonitors` lines; StopMonitor ends that
  // (RESET). Both on the client's I/O thread; ServerContext::monitors counts monitors.
  virtual void StartMonitor(const ClientState& client) = 0;
  virtual void StopMonitor(const ClientState& client) = 0;
  // Sends `line` (a complete RESP reply) to every monitor, each on its own I/O thread.
  virtual void FeedMonitors(std::string line) = 0;
};

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

struct ServerContext {
  store::Store* store = nullptr;
  config::Config* config = nullptr;
  ServerControl* control = nullptr;  // may be null in unit tests
  const CommandTable* commands = nullptr;
  stats::Stats* stats = nullptr;  // may be null in unit tests (nothing is counted)
  // INFO memory and MEMORY STATS read their figures here; when empty, malloc's totals
  // (stats::ProcessMemoryFigures). The store engine registers its accounting.
  stats::MemoryFiguresSource memory_figures;
  // Background work the I/O threads interleave with requests (active expiry, which decides
  // when a slice is due: store/active_expiry.cc), called on every turn of a thread's loop for
  // part `part` of `parts`, `idle` when the thread has nothing else to do; returns true while
  // a backlog remains.
  std::function<bool(bool idle, unsigned part, unsigned parts)> background_work;
  // Lua scripts: the cache shared by every thread and the running script's state (BUSY).
  scripting::Scripting scripting;
  PendingUnwatches pending_unwatches;
  // Set by the net layer once shutdown has begun (SIGTERM, SHUTDOWN): a command that waits
  // on purpose (DEBUG SLEEP) ends early, so its I/O thread can close its clients.
  std::atomic<bool> shutting_down{false};
  // DEBUG SET-ACTIVE-EXPIRE 0 turns background_work off (expired keys then go only when read).
  std::atomic<bool> active_expire{true};
  // CLIENT PAUSE: until pause_end_ms (Unix ms; 0: no pause) commands of kind pause_mode are
  // held back by the connections (Dispatcher::MustPostpone), and active expiry stops.
  enum PauseMode : int { kPauseNone = 0, kPauseWrite = 1, kPauseAll = 2 };
  std::atomic<int64_t> pause_end_ms{0};
  std::atomic<int> pause_mode{kPauseNone};
  bool Paused(int64_t now_ms) const {
    const int64_t end = pause_end_ms.load(std::memory_order_relaxed);
    return end != 0 && now_ms < end;
  }
  // How many clients are in MONITOR mode (kept by the net layer): the dispatcher formats a
  // monitor line only when this is not zero (one relaxed load per command).
  std::atomic<uint32_t> monitors{0};
  stats::SlowLog slowlog;
  stats::LatencyMonitor latency;
  int64_t start_time_ms = 0;
  std::string executable;
  std::string config_file;
};

}  // namespace cachette::commands
