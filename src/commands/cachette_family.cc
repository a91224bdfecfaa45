// Our own commands (group "cachette"): what Redis does not have. Each command's spec row sits
// beside its handler; `since` is the Cachette version that introduced it.
//
// INVALIDATE PREFIX prefix [prefix ...] / INVALIDATE MATCH pattern: removes every key of the
// selected database with one of the prefixes / matching the glob pattern, and replies with how
// many there were. The keys disappear for every client at one instant (Store::
// BeginInvalidation); their removal then runs in short slices between other clients' commands,
// and the reply comes when it is done (ClientState::continuation). Inside MULTI/EXEC and
// scripts, which hold every shard already, it runs to the end at once.

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cachette/commands/command_context.h"
#include "cachette/protocol/errors.h"
#include "cachette/stats/prefix_stats.h"
#include "cachette/store/store.h"
#include "detail/handler_support.h"

namespace cachette::commands::detail {

namespace errors = protocol::errors;

namespace {

// --- PREFIXSTATS ------------------------------------------------------------------------------

void ReplyPrefixFigures(CommandContext& ctx, std::string_view prefix,
                        const store::PrefixFigures& f) {
  ctx.reply.Bulk(prefix);
  ctx.reply.MapHeader(6);
  ctx.reply.Bulk("hits");
  ctx.reply.Integer(static_cast<int64_t>(f.hits));
  ctx.reply.Bulk("misses");
  ctx.reply.Integer(static_cast<int64_t>(f.misses));
  ctx.reply.Bulk("hit_ratio");
  ctx.reply.Double(stats::HitRatio(f));
  ctx.reply.Bulk("writes");
  ctx.reply.Integer(static_cast<int64_t>(f.writes));
  ctx.reply.Bulk("keys");
  ctx.reply.Integer(f.keys);
  ctx.reply.Bulk("memory");
  ctx.reply.Integer(f.memory);
}

// PREFIXSTATS [SORT field] [ASC|DESC] [COUNT n]: the figures per key prefix, a map of prefix to
// {hits, misses, hit_ratio, writes, keys, memory}, sorted (by default hits + misses, most
// first), at most COUNT prefixes, then `other` when it holds anything. Empty when prefix-stats
// is off.
Status CmdPrefixstats(CommandContext& ctx) {
  stats::PrefixOrder order = stats::PrefixOrder::kReads;
  std::optional<bool> descending;
  int64_t count = -1;  // all
  OptionReader options(ctx.args, 1);
  while (options.HasMore()) {
    if (options.Take("SORT")) {
      const std::string_view field = options.Next();
      if (!options.ok()) {
        break;
      }
      const auto parsed = stats::ParsePrefixOrder(field);
      if (!parsed) {
        options.Fail();
        break;
      }
      order = *parsed;
    } else if (options.Take("ASC")) {
      descending = false;
    } else if (options.Take("DESC")) {
      descending = true;
    } else if (options.Take("COUNT")) {
      const std::string_view text = options.Next();
      if (!options.ok()) {
        break;
      }
      if (!ParseInt64OrReply(ctx, text, &count)) {
        return kError;
      }
      if (count < 0) {
        ctx.reply.Error(errors::kNotInteger);
        return kError;
      }
    } else {
      options.Fail();
    }
  }
  if (!options.ok()) {
    ctx.reply.Error(options.error());
    return kError;
  }
  // Figures read most first; prefixes in byte order.
  const bool desc = descending.value_or(order != stats::PrefixOrder::kPrefix);
  store::PrefixSnapshot snapshot = ctx.store().CollectPrefixStats();
  stats::SortPrefixRows(&snapshot.rows, order, desc);
  if (count >= 0 && snapshot.rows.size() > static_cast<uint64_t>(count)) {
    snapshot.rows.resize(static_cast<size_t>(count));
  }
  const bool with_other = stats::HasFigures(snapshot.other);
  ctx.reply.MapHeader(snapshot.rows.size() + (with_other ? 1 : 0));
  for (const store::PrefixRow& row : snapshot.rows) {
    ReplyPrefixFigures(ctx, row.prefix, row.figures);
  }
  if (with_other) {
    ReplyPrefixFigures(ctx, "other", snapshot.other);
  }
  return kOk;
}
constexpr CommandSpec kPrefixstatsSpec{
    .name = "prefixstats",
    .arity = -1,
    .flags = kLoading | kStale,
    .since = "0.1.0",
    .summary = "Returns hits, misses, writes, keys and memory per key prefix.",
    .handler = CmdPrefixstats};

// --- The family -------------------------------------------------------------------------------

// How long one slice of an invalidation's sweep may keep the client's I/O thread from its
// other clients.
constexpr int64_t kInvalidationSliceUs = 200;

Status RunInvalidation(CommandContext& ctx, store::InvalidationRule rule) {
  store::Store& store = ctx.store();
  std::shared_ptr<store::Invalidation> job = store.BeginInvalidation(rule, ctx.now_ms);
  if (job != nullptr && (job->done() || store.HoldsShardsOnThisThread())) {
    store.ContinueInvalidation(*job, -1);
    ctx.reply.Integer(static_cast<int64_t>(job->removed()));
    return kOk;
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
  return kOk;
}

Status CmdInvalidatePrefix(CommandContext& ctx) {
  std::vector<std::string> prefixes(ctx.args.begin() + 2, ctx.args.end());
  return RunInvalidation(ctx, store::InvalidationRule::Prefixes(ctx.db(), std::move(prefixes)));
}
constexpr CommandSpec kInvalidatePrefixSpec{
    .name = "invalidate|prefix",
    .arity = -3,
    .flags = kWrite,
    .acl_categories = kAclKeyspace,
    .since = "0.1.0",
    .summary = "Removes every key that starts with one of the prefixes, at one instant.",
    .handler = CmdInvalidatePrefix};

Status CmdInvalidateMatch(CommandContext& ctx) {
  return RunInvalidation(ctx, store::InvalidationRule::Pattern(ctx.db(), std::string(ctx.args[2])));
}
constexpr CommandSpec kInvalidateMatchSpec{
    .name = "invalidate|match",
    .arity = 3,
    .flags = kWrite,
    .acl_categories = kAclKeyspace,
    .since = "0.1.0",
    .summary = "Removes every key that matches a glob pattern, at one instant.",
    .handler = CmdInvalidateMatch};

Status CmdInvalidateHelp(CommandContext& ctx) {
  ReplyHelp(ctx, "INVALIDATE",
            {"PREFIX <prefix> [<prefix> ...]",
             "    Remove every key of the selected database that starts with one of the",
             "    prefixes; return how many were removed.", "MATCH <pattern>",
             "    Remove every key of the selected database that matches the glob-style",
             "    pattern (KEYS rules); return how many were removed."});
  return kOk;
}
constexpr CommandSpec kInvalidateHelpSpec{.name = "invalidate|help",
                                          .arity = 2,
                                          .flags = kLoading | kStale,
                                          .since = "0.1.0",
                                          .summary = "Shows what INVALIDATE's subcommands do.",
                                          .handler = CmdInvalidateHelp};

constexpr CommandFamily kCachetteFamily{.group = "cachette"};

constexpr auto kInvalidateSubcommands = kCachetteFamily.Rows({
    kInvalidatePrefixSpec,
    kInvalidateMatchSpec,
    kInvalidateHelpSpec,
});

constexpr CommandSpec kInvalidateSpec{.name = "invalidate",
                                      .arity = -2,
                                      .since = "0.1.0",
                                      .summary = "Removes groups of keys by prefix or pattern.",
                                      .subcommands = kInvalidateSubcommands};

constexpr auto kCachetteCommands = kCachetteFamily.Rows({
    kInvalidateSpec,
    kPrefixstatsSpec,
});

}  // namespace

std::span<const CommandSpec> CachetteFamily() { return kCachetteCommands; }

}  // namespace cachette::commands::detail
