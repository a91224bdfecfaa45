#pragma once

// What commands may ask of the server around them. The net module implements ServerControl
// (it owns connections and event loops); commands see only this interface, so they never
// include networking code.

#include <cstdint>
#include <functional>
#include <string>

#include "cachette/scripting/scripting.h"
#include "cachette/stats/memory.h"

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

// Figures the networking layer keeps, summed over I/O threads on request.
struct NetworkStats {
  uint64_t connected_clients = 0;
  uint64_t total_connections_received = 0;
  uint64_t rejected_connections = 0;
  uint64_t total_net_input_bytes = 0;
  uint64_t total_net_output_bytes = 0;
  uint64_t io_threads = 0;
};

class ServerControl {
 public:
  virtual ~ServerControl() = default;
  // Starts a graceful shutdown (stop accepting, finish in-flight work, exit 0).
  virtual void RequestShutdown() = 0;
  virtual NetworkStats GetNetworkStats() const = 0;
  virtual void ResetNetworkStats() = 0;
  virtual int tcp_port() const = 0;
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
  // Background work the I/O threads interleave with requests (active expiry): part `part` of
  // `parts`, for about `budget_us`; returns true while a backlog remains.
  std::function<bool(int64_t budget_us, unsigned part, unsigned parts)> background_work;
  // Lua scripts: the cache shared by every thread and the running script's state (BUSY).
  scripting::Scripting scripting;
  int64_t start_time_ms = 0;
  std::string executable;
  std::string config_file;
};

}  // namespace cachette::commands
