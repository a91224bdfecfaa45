#pragma once

// Runs one parsed command: looks it up, checks arity and authentication, reads the clock,
// calls the handler. Errors for unknown commands and wrong arity are written here, with
// Redis's exact text, so no handler repeats those checks.
//
// Inside MULTI, a command that passes those checks is queued (+QUEUED) instead of run, except
// the commands flagged kNotQueued; a command rejected while queuing marks the transaction
// failed, so EXEC answers EXECABORT, as Redis does.

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <span>
#include <string_view>

#include "cachette/commands/command_context.h"
#include "cachette/commands/command_table.h"

namespace cachette::commands {

class Dispatcher {
 public:
  Dispatcher(ServerContext& server, const CommandTable& table) : server_(server), table_(table) {}

  // Executes args (args[0] is the command name) for the client, appending the reply (or
  // dropping it under CLIENT REPLY OFF/SKIP).
  void Dispatch(ClientState& client, protocol::ReplyWriter& reply,
                std::span<const std::string_view> args);

  // CLIENT PAUSE: whether the connection must hold this command back for now (one relaxed
  // load while no pause is set).
  bool MustPostpone(const ClientState& client, std::span<const std::string_view> args) {
    if (server_.pause_end_ms.load(std::memory_order_relaxed) == 0) [[likely]] {
      return false;
    }
    return PausedFor(client, args);
  }

  // Runs an already resolved and checked command (a queued one, at EXEC), counting it in the
  // statistics like any other.
  void Execute(ClientState& client, protocol::ReplyWriter& reply, const CommandSpec& spec,
               size_t stats_index, std::span<const std::string_view> args);

  // The client is gone: forget its transaction and its watched keys.
  void OnClientClosed(ClientState& client);

  ServerContext& server() { return server_; }

  // For net, which does not see scripting: registers the calling I/O thread's busy-script
  // loop (scripting::Scripting::SetThreadBusyServer; null clears it), and tells whether the
  // running script is past busy-reply-threshold (when that loop must answer other clients).
  static void SetThreadBusyServer(std::function<void()> server);
  bool ScriptPastBusyThreshold() const;

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
