#pragma once

// What the dispatcher needs of the transactions family (transactions_family.cc).

#include "cachette/commands/client_state.h"
#include "cachette/commands/command_spec.h"
#include "cachette/commands/server_context.h"

namespace cachette::commands::detail {

// EXEC's handler, so the dispatcher can tell EXEC apart (its refusals abort the transaction).
Handler CmdExecHandler();
// Ends MULTI, dropping the queued commands (the watched keys stay).
void DiscardTransaction(ServerContext& server, ClientState& client);
// Forgets every key the client watches.
void UnwatchAll(ServerContext& server, ClientState& client);

}  // namespace cachette::commands::detail
