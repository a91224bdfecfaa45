#pragma once

// Everything a handler works with for one command: its arguments, the client, the reply
// writer, the store, and the instant the command runs at (the clock is read once per command).

#include <cstdint>
#include <span>
#include <string_view>

#include "cachette/commands/client_state.h"
#include "cachette/commands/command_spec.h"
#include "cachette/commands/server_context.h"
#include "cachette/protocol/reply_writer.h"

namespace cachette::store {
class Store;
}

namespace cachette::commands {

class Dispatcher;

class CommandContext {
 public:
  CommandContext(ServerContext& server, ClientState& client, protocol::ReplyWriter& reply)
      : server(server), client(client), reply(reply) {}

  ServerContext& server;
  ClientState& client;
  protocol::ReplyWriter& reply;
  std::span<const std::string_view> args;  // args[0] is the command name as sent
  const CommandSpec* spec = nullptr;
  int64_t now_ms = 0;
  Dispatcher* dispatcher = nullptr;  // runs queued commands (EXEC) and scripts' calls

  store::Store& store() const { return server.store(); }
  size_t db() const { return client.db; }
};

}  // namespace cachette::commands
