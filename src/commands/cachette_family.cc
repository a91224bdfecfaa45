// Our own command group, "cachette": what cache users ask Redis for and Redis lacks.
//
// INVALIDATE PREFIX prefix [prefix ...] / INVALIDATE MATCH pattern: removes every key of the
// selected database with one of the prefixes / matching the glob pattern, and replies with how
// many there were. The keys disappear for every client at one instant (Store::
// BeginInvalidation); their removal then runs in short slices between other clients' commands,
// and the reply comes when it is done (ClientState::continuation). Inside MULTI/EXEC and
// scripts, which hold every shard already, it runs to the end at once.

#include <string>
#include <utility>
#include <vector>

#include "cachette/commands/command_context.h"
#include "cachette/protocol/errors.h"
#include "cachette/store/store.h"
#include "detail/handler_support.h"

namespace cachette::commands::detail {

namespace errors = protocol::errors;

namespace {

// How long one slice of an invalidation's sweep may keep the client's I/O thread from its
// other clients.
constexpr int64_t kInvalidationSliceUs = 200;

void RunInvalidation(CommandContext& ctx, store::InvalidationRule rule) {
  store::Store& store = ctx.store();
  std::shared_ptr<store::Invalidation> job = store.BeginInvalidation(rule, ctx.now_ms);
  if (job != nullptr && (job->done() || store.HoldsShardsOnThisThread())) {
    store.ContinueInvalidation(*job, -1);
    ctx.reply.Integer(static_cast<int64_t>(job->removed()));
    return;
  }
  // CLIENT REPLY OFF/SKIP drop a reply when the command returns; this one comes later.
  const bool silent = ctx.client.reply_off || ctx.client.reply_skip;
  // Without a job, another invalidation is running: this one begins when it ends.
  ctx.client.continuation = [&store, job = std::move(job), rule = std::move(rule), silent,
                             now_ms = ctx.now_ms](protocol::ReplyWriter& reply) mutable {
    if (job == nullptr) {
      job = store.BeginInvalidation(rule, now_ms);
      if (job == nullptr) {
        return ContinuationStep::kWait;
      }
    }
    switch (store.ContinueInvalidation(*job, kInvalidationSliceUs)) {
      case store::InvalidationProgress::kMore:
        return ContinuationStep::kMore;
      case store::InvalidationProgress::kBlocked:
        return ContinuationStep::kWait;
      case store::InvalidationProgress::kDone:
        break;
    }
    if (!silent) {
      reply.Integer(static_cast<int64_t>(job->removed()));
    }
    return ContinuationStep::kDone;
  };
}

void CmdInvalidatePrefix(CommandContext& ctx) {
  std::vector<std::string> prefixes(ctx.args.begin() + 2, ctx.args.end());
  RunInvalidation(ctx, store::InvalidationRule::Prefixes(ctx.db(), std::move(prefixes)));
}

void CmdInvalidateMatch(CommandContext& ctx) {
  RunInvalidation(ctx, store::InvalidationRule::Pattern(ctx.db(), std::string(ctx.args[2])));
}

void CmdInvalidateHelp(CommandContext& ctx) {
  ReplyHelp(ctx, "INVALIDATE",
            {"PREFIX <prefix> [<prefix> ...]",
             "    Remove every key of the selected database that starts with one of the",
             "    prefixes; return how many were removed.", "MATCH <pattern>",
             "    Remove every key of the selected database that matches the glob-style",
             "    pattern (KEYS rules); return how many were removed."});
}

constexpr std::string_view kInvalidateCategories = "@keyspace @write @slow";

constexpr CommandSpec kInvalidateSubcommands[] = {
    {"invalidate|prefix", -3, kWrite, 0, 0, 0, kInvalidateCategories, "cachette", "7.0.0",
     "Removes every key that starts with one of the prefixes, at one instant.",
     CmdInvalidatePrefix},
    {"invalidate|match", 3, kWrite, 0, 0, 0, kInvalidateCategories, "cachette", "7.0.0",
     "Removes every key that matches a glob pattern, at one instant.", CmdInvalidateMatch},
    {"invalidate|help", 2, kLoading | kStale, 0, 0, 0, "@slow", "cachette", "7.0.0",
     "Shows what INVALIDATE's subcommands do.", CmdInvalidateHelp},
};

constexpr CommandSpec kCachetteCommands[] = {
    {"invalidate", -2, 0, 0, 0, 0, "@slow", "cachette", "7.0.0",
     "Removes groups of keys by prefix or pattern.", nullptr, kInvalidateSubcommands},
};

}  // namespace

std::span<const CommandSpec> CachetteFamily() { return kCachetteCommands; }

}  // namespace cachette::commands::detail
