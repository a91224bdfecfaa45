#include "cachette/commands/server_context.h"

#include <unistd.h>

#include <chrono>

#include "cachette/config/config.h"
#include "cachette/stats/sampler.h"
#include "cachette/stats/stats.h"

namespace cachette::commands {

namespace {
std::string ExecutablePath() {
  char path[4096] = {};
  return readlink("/proc/self/exe", path, sizeof(path) - 1) > 0 ? std::string(path) : std::string();
}
}  // namespace

ServerContext::ServerContext(store::Store& store, config::Config& config,
                             const CommandTable& commands, stats::Stats* stats,
                             const util::Clock& clock)
    : store_(store),
      config_(config),
      commands_(commands),
      stats_(stats),
      clock_(clock),
      start_time_ms_(clock.UnixTimeMs()),
      executable_(ExecutablePath()),
      config_file_(config.config_file()) {}

ServerContext::~ServerContext() = default;

void ServerContext::AttachControl(ServerControl* control) {
  sampler_.reset();  // stopped before the control it reads goes
  control_ = control;
  if (control == nullptr || stats_ == nullptr) {
    return;
  }
  stats_->set_startup_memory(stats::ProcessMemoryFigures().used_memory);
  // Instantaneous metrics: one sample every 100 ms, as Redis's serverCron takes them.
  sampler_ = std::make_unique<stats::PeriodicTask>(std::chrono::milliseconds(100), [this] {
    const NetworkStats net = control_->GetNetworkStats();
    stats_->Sample(util::MonotonicUs() / 1000, net.total_net_input_bytes,
                   net.total_net_output_bytes);
  });
}

stats::MemoryFigures ServerContext::MemoryFigures() const {
  return stats::ServerMemoryFigures(store_);
}

void ServerContext::BeginShutdown() {
  shutting_down_.store(true, std::memory_order_relaxed);
  // A script that does not end would keep its I/O thread from ever closing: stop it, as
  // SHUTDOWN NOSAVE does.
  scripting_.ForceKill();
}

}  // namespace cachette::commands
