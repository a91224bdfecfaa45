// Redis's "transactions" command group: MULTI, EXEC, DISCARD, WATCH, UNWATCH.
//
// MULTI makes the dispatcher queue the client's commands; EXEC runs them under one ShardHold
// (the shards of every queued key and watched key, or every shard when a queued command has
// no key positions), so no other client sees a state between two of them. WATCH registers the
// key with the store, which bumps the key's version on every write, delete, expiry or
// eviction; EXEC answers a null array when a watched version moved (or a watched key has
// expired since), and runs nothing.

#include <span>
#include <string>
#include <vector>

#include "cachette/commands/command_context.h"
#include "cachette/commands/command_table.h"
#include "cachette/commands/dispatcher.h"
#include "cachette/protocol/errors.h"
#include "cachette/store/store.h"
#include "cachette/util/clock.h"
#include "detail/handler_support.h"
#include "detail/transactions.h"

namespace cachette::commands::detail {

namespace errors = protocol::errors;

void DiscardTransaction(ServerContext& /*server*/, ClientState& client) { client.tx.ClearQueue(); }

bool ScriptHoldsShardsElsewhere(ServerContext& server) {
  return server.scripting().running() && !server.store().HoldsShardsOnThisThread();
}

void UnwatchAll(ServerContext& server, ClientState& client) {
  if (client.tx.watched.empty() && server.pending_unwatches().empty()) [[likely]] {
    return;
  }
  if (ScriptHoldsShardsElsewhere(server)) {
    server.pending_unwatches().Add(std::move(client.tx.watched));
    client.tx.watched.clear();
    return;
  }
  for (const store::WatchToken& token : client.tx.watched) {
    server.store().Unwatch(token);
  }
  client.tx.watched.clear();
  if (!server.pending_unwatches().empty()) {
    for (const store::WatchToken& token : server.pending_unwatches().Take()) {
      server.store().Unwatch(token);
    }
  }
}

namespace {

constexpr uint32_t kControl = kNoscript | kLoading | kStale | kFast | kAllowBusy | kNotQueued;

// MULTI: starts queuing the client's commands.
Status CmdMulti(CommandContext& ctx) {
  if (ctx.client.tx.active) {
    ctx.reply.Error(errors::kNestedMulti);
    return kError;
  }
  ctx.client.tx.active = true;
  ctx.reply.Ok();
  return kOk;
}
constexpr CommandSpec kMultiSpec{
    .name = "multi",
    .arity = 1,
    .flags = kControl,
    .since = "1.2.0",
    .summary = "Starts a transaction: later commands are queued until EXEC.",
    .handler = CmdMulti};

// DISCARD: drops the queued commands and unwatches every key.
Status CmdDiscard(CommandContext& ctx) {
  if (!ctx.client.tx.active) {
    ctx.reply.Error(errors::kDiscardWithoutMulti);
    return kError;
  }
  DiscardTransaction(ctx.server, ctx.client);
  UnwatchAll(ctx.server, ctx.client);
  ctx.reply.Ok();
  return kOk;
}
constexpr CommandSpec kDiscardSpec{.name = "discard",
                                   .arity = 1,
                                   .flags = kControl,
                                   .since = "2.0.0",
                                   .summary = "Drops the queued commands and ends the transaction.",
                                   .handler = CmdDiscard};

// EXEC: runs the queued commands atomically and replies with their replies; a null array
// when a watched key changed.
Status CmdExec(CommandContext& ctx) {
  TransactionState& tx = ctx.client.tx;
  if (!tx.active) {
    ctx.reply.Error(errors::kExecWithoutMulti);
    return kError;
  }
  if (tx.failed) {
    DiscardTransaction(ctx.server, ctx.client);
    UnwatchAll(ctx.server, ctx.client);
    ctx.reply.Error(errors::kExecAbortPrevious);
    return kError;
  }
  // The queue moves out: a queued command must not see (or change) this transaction.
  std::vector<QueuedCommand> queued = std::move(tx.queued);
  const bool keyless = tx.keyless;
  DiscardTransaction(ctx.server, ctx.client);

  std::vector<std::vector<std::string_view>> arguments(queued.size());
  std::vector<std::string_view> keys;
  for (size_t i = 0; i < queued.size(); ++i) {
    arguments[i].assign(queued[i].args.begin(), queued[i].args.end());
    for (std::string_view key : KeyArguments(*queued[i].spec, arguments[i])) {
      keys.push_back(key);
    }
  }
  for (const store::WatchToken& token : tx.watched) {
    keys.push_back(token.key);
  }
  {
    const auto hold = ctx.store().HoldShards(keys, keyless);
    bool broken = false;
    for (const store::WatchToken& token : tx.watched) {
      broken = broken || ctx.store().WatchBroken(token, ctx.now_ms);
    }
    if (broken) {
      ctx.reply.NullArray();
    } else {
      ctx.reply.ArrayHeader(queued.size());
      tx.executing = true;
      for (size_t i = 0; i < queued.size(); ++i) {
        ctx.dispatcher->Execute(ctx.client, ctx.reply, *queued[i].spec, queued[i].stats_index,
                                arguments[i]);
      }
      tx.executing = false;
    }
  }
  UnwatchAll(ctx.server, ctx.client);
  return kOk;
}
constexpr CommandSpec kExecSpec{
    .name = "exec",
    .arity = 1,
    .flags = kNoscript | kLoading | kStale | kSkipSlowlog | kNotQueued | kRunsQueue,
    .since = "1.2.0",
    .summary = "Runs the queued commands atomically and returns their replies.",
    .handler = CmdExec};

// WATCH key [key ...]: EXEC will run only if none of these keys changes meanwhile.
void WatchKeys(ServerContext& server, ClientState& client, std::span<const std::string> keys,
               int64_t now_ms) {
  TransactionState& tx = client.tx;
  for (const std::string& key : keys) {
    bool already = false;
    for (const store::WatchToken& token : tx.watched) {
      already = already || (token.db == client.db && token.key == key);
    }
    if (!already) {
      tx.watched.push_back(server.store().Watch(client.db, key, now_ms));
    }
  }
}

Status CmdWatch(CommandContext& ctx) {
  if (ctx.client.tx.active) {
    ctx.reply.Error(errors::kWatchInMulti);
    return kError;
  }
  std::vector<std::string> keys(ctx.args.begin() + 1, ctx.args.end());
  if (ScriptHoldsShardsElsewhere(ctx.server)) {
    // WATCH is allowed while a script is busy, but registering a key takes its shard lock,
    // which the script holds: wait for the script in a continuation, so this I/O thread goes
    // on serving its other clients (-BUSY, SCRIPT KILL) meanwhile. The reply comes after it.
    ServerContext& server = ctx.server;
    ClientState& client = ctx.client;
    ctx.client.continuation = [&server, &client,
                               keys = std::move(keys)](protocol::ReplyWriter& reply) {
      if (server.scripting().running()) {
        return ContinuationStep::kWait;
      }
      WatchKeys(server, client, keys, server.clock().UnixTimeMs());
      reply.Ok();
      return ContinuationStep::kDone;
    };
    return kOk;
  }
  WatchKeys(ctx.server, ctx.client, keys, ctx.now_ms);
  ctx.reply.Ok();
  return kOk;
}
constexpr CommandSpec kWatchSpec{
    .name = "watch",
    .arity = -2,
    .flags = kControl,
    .keys = {1, -1, 1},
    .since = "2.2.0",
    .summary = "Makes the next EXEC run only if none of the keys changed.",
    .handler = CmdWatch};

// UNWATCH: forgets every watched key.
Status CmdUnwatch(CommandContext& ctx) {
  UnwatchAll(ctx.server, ctx.client);
  ctx.reply.Ok();
  return kOk;
}
constexpr CommandSpec kUnwatchSpec{.name = "unwatch",
                                   .arity = 1,
                                   .flags = kNoscript | kLoading | kStale | kFast | kAllowBusy,
                                   .since = "2.2.0",
                                   .summary = "Forgets every watched key.",
                                   .handler = CmdUnwatch};

constexpr CommandFamily kTransactionsFamily{.group = "transactions",
                                            .acl_category = kAclTransaction};

constexpr auto kTransactionsCommands = kTransactionsFamily.Rows({
    kMultiSpec,
    kExecSpec,
    kDiscardSpec,
    kWatchSpec,
    kUnwatchSpec,
});

}  // namespace

std::span<const CommandSpec> TransactionsFamily() { return kTransactionsCommands; }

}  // namespace cachette::commands::detail
