#pragma once

// What commands may ask of the networking layer around them. The net module implements
// ServerControl (it owns connections and event loops); commands see only this interface, so
// they never include networking code. The other direction, what net asks of commands, is
// commands::Service (service.h).

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

namespace cachette::commands {

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
  // (RESET). Both on the client's I/O thread.
  virtual void StartMonitor(const ClientState& client) = 0;
  virtual void StopMonitor(const ClientState& client) = 0;
  // Sends `line` (a complete RESP reply) to every monitor, each on its own I/O thread.
  virtual void FeedMonitors(std::string line) = 0;

  // Whether any client is in MONITOR mode: the dispatcher formats a monitor line only then
  // (one relaxed load per command, no call).
  bool has_monitors() const { return monitor_count_.load(std::memory_order_relaxed) != 0; }

 protected:
  // The implementation keeps the count with its list of monitors.
  void set_monitor_count(size_t count) {
    monitor_count_.store(static_cast<uint32_t>(count), std::memory_order_relaxed);
  }

 private:
  std::atomic<uint32_t> monitor_count_{0};
};

}  // namespace cachette::commands
