#pragma once

// A client's transaction: the commands queued between MULTI and EXEC, and the keys it WATCHes.
// Owned by the client's ClientState; touched only on the client's I/O thread.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "cachette/store/watch_token.h"

namespace cachette::commands {

struct CommandSpec;

struct QueuedCommand {
  const CommandSpec* spec = nullptr;  // resolved when queued (subcommand included)
  size_t stats_index = 0;             // its row in the command statistics
  std::vector<std::string> args;
};

struct TransactionState {
  bool active = false;    // between MULTI and EXEC / DISCARD
  bool failed = false;    // a command was rejected while queuing: EXEC aborts
  bool keyless = false;   // a queued command has no key positions: EXEC locks every shard
  bool deny_oom = false;  // a queued command may grow memory
  // EXEC is running the queue under its shard hold: a queued command must not wait for other
  // I/O threads (they may be waiting for those locks).
  bool executing = false;
  std::vector<QueuedCommand> queued;
  std::vector<store::WatchToken> watched;

  // Ends the MULTI state (the watched keys stay; the caller unwatches them).
  void ClearQueue() {
    active = failed = keyless = deny_oom = false;
    queued.clear();
  }
};

}  // namespace cachette::commands
