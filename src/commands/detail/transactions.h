#pragma once

// What the dispatcher needs of the transactions family (transactions_family.cc).

#include "cachette/commands/client_state.h"
#include "cachette/commands/command_spec.h"
#include "cachette/commands/server_context.h"

namespace cachette::commands::detail {

// Ends MULTI, dropping the queued commands (the watched keys stay).
void DiscardTransaction(ServerContext& server, ClientState& client);
// Whether a script runs on another thread, holding every shard lock (a store call would wait
// for the whole script).
bool ScriptHoldsShardsElsewhere(ServerContext& server);
// Forgets every key the client watches; while a script holds the shards elsewhere, the
// tokens wait in ServerContext::pending_unwatches instead (and are forgotten by a later
// call). Also forgets the pending tokens when it can.
void UnwatchAll(ServerContext& server, ClientState& client);

}  // namespace cachette::commands::detail
