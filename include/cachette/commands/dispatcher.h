#pragma once

// Runs one parsed command: looks it up, checks arity and authentication, reads the clock,
// calls the handler. Errors for unknown commands and wrong arity are written here, with
// Redis's exact text, so no handler repeats those checks.

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

  ServerContext& server() { return server_; }

 private:
  ServerContext& server_;
  const CommandTable& table_;
};

}  // namespace cachette::commands
