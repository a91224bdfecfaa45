#pragma once

// Runs one parsed command: looks it up, checks arity and authentication, reads the clock,
// calls the handler. Errors for unknown commands and wrong arity are written here, with
// Redis's exact text, so no handler repeats those checks.
//
// Inside MULTI, a command that passes those checks is queued (+QUEUED) instead of run, except
// the commands flagged kNotQueued; a command rejected while queuing marks the transaction
// failed, so EXEC answers EXECABORT, as Redis does.
//
// The dispatcher is the command side of the seam with net (commands::Service): net calls it for
// every parsed command, closed client, background slice and shutdown.

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <span>
#include <string_view>

#include "cachette/commands/command_context.h"
#include "cachette/commands/command_table.h"
#include "cachette/commands/service.h"

namespace cachette::commands {

class Dispatcher final : public Service {
 public:
  explicit Dispatcher(ServerContext& server) : server_(server), table_(server.commands()) {}

  // Service:
  void Dispatch(ClientState& client, protocol::ReplyWriter& reply,
                std::span<const std::string_view> args) override;
  // One relaxed load while no pause is set.
  bool MustPostpone(const ClientState& client, std::span<const std::string_view> args) override {
    if (!server_.pause().active()) [[likely]] {
      return false;
    }
    return PausedFor(client, args);
  }
  void OnClientClosed(ClientState& client) override;
  // Active expiry for the thread's share of the shards, except during CLIENT PAUSE.
  bool RunBackgroundSlice(bool idle, unsigned part, unsigned parts) override;
  void SetThreadBusyServer(std::function<void()> server) override;
  bool ScriptPastBusyThreshold() const override;
  void AttachControl(ServerControl* control) override { server_.AttachControl(control); }
  void BeginShutdown() override { server_.BeginShutdown(); }

  // Runs an already resolved and checked command (a queued one, at EXEC), counting it in the
  // statistics like any other.
  void Execute(ClientState& client, protocol::ReplyWriter& reply, const CommandSpec& spec,
               size_t stats_index, std::span<const std::string_view> args);

  ServerContext& server() { return server_; }

 private:
  bool PausedFor(const ClientState& client, std::span<const std::string_view> args);
  // Checks and runs (or queues) the command; returns its top-level spec (CLIENT for CLIENT
  // REPLY), null for an unknown command.
  const CommandSpec* Route(ClientState& client, protocol::ReplyWriter& reply,
                           std::span<const std::string_view> args);
  // Execute's body, inlined into Dispatch for the usual command (one call frame, not three).
  void Run(ClientState& client, protocol::ReplyWriter& reply, const CommandSpec& spec, size_t index,
           std::span<const std::string_view> args);
  // Route for everything but a known command without subcommands that runs at once: refusals,
  // subcommands, MULTI queueing, a busy script. `spec` and `index`: Route's lookup.
  const CommandSpec* RouteChecked(ClientState& client, protocol::ReplyWriter& reply,
                                  std::span<const std::string_view> args, const CommandSpec* spec,
                                  size_t index);
  // The shortest duration the slow log or the latency monitor may record, from the config
  // (kept until the config's version changes; RecordSlow then decides with the values).
  int64_t RecordFloorUs();
  int64_t RefreshRecordFloorUs();
  // CLIENT REPLY OFF/SKIP: drops the reply written since `mark`, then moves SKIP along as
  // Redis's resetClient does.
  void AfterQuietCommand(ClientState& client, protocol::ReplyWriter& reply, size_t mark,
                         const CommandSpec* command);
  // After a command ran: the slow log and latency samples, when it was slow enough.
  void RecordSlow(ClientState& client, const CommandSpec& spec,
                  std::span<const std::string_view> args, int64_t start_us, int64_t elapsed_us);

  ServerContext& server_;
  const CommandTable& table_;

  // RecordFloorUs's figure and the config version it was read at; written under
  // settings_mutex_ (rarely: after a CONFIG SET), read without it by every command.
  std::mutex settings_mutex_;
  std::atomic<uint64_t> settings_version_{~uint64_t{0}};
  std::atomic<int64_t> record_floor_us_{0};
};

}  // namespace cachette::commands
