#pragma once

// Runs one parsed command: looks it up, checks arity and authentication, reads the clock,
// calls the handler. Errors for unknown commands and wrong arity are written here, with
// Redis's exact text, so no handler repeats those checks.
//
// Inside MULTI, a command that passes those checks is queued (+QUEUED) instead of run, except
// the commands flagged kNotQueued; a command rejected while queuing marks the transaction
// failed, so EXEC answers EXECABORT, as Redis does.

#include <span>
#include <string_view>

#include "cachette/commands/command_context.h"
#include "cachette/commands/command_table.h"

namespace cachette::commands {

class Dispatcher {
 public:
  Dispatcher(ServerContext& server, const CommandTable& table) : server_(server), table_(table) {}

  // Executes args (args[0] is the command name) for the client, appending the reply.
  void Dispatch(ClientState& client, protocol::ReplyWriter& reply,
                std::span<const std::string_view> args);

  // Runs an already resolved and checked command (a queued one, at EXEC), counting it in the
  // statistics like any other.
  void Execute(ClientState& client, protocol::ReplyWriter& reply, const CommandSpec& spec,
               size_t stats_index, std::span<const std::string_view> args);

  // The client is gone: forget its transaction and its watched keys.
  void OnClientClosed(ClientState& client);

  ServerContext& server() { return server_; }

 private:
  ServerContext& server_;
  const CommandTable& table_;
};

}  // namespace cachette::commands
