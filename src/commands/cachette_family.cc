// Our own commands (group "cachette"): what Redis does not have. Each command's spec row sits
// beside its handler; `since` is the Cachette version that introduced it.

#include <optional>
#include <string_view>

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
void CmdPrefixstats(CommandContext& ctx) {
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
        return;
      }
      if (count < 0) {
        ctx.reply.Error(errors::kNotInteger);
        return;
      }
    } else {
      options.Fail();
    }
  }
  if (!options.ok()) {
    ctx.reply.Error(options.error());
    return;
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
}

// --- The family -------------------------------------------------------------------------------

constexpr CommandSpec kCachetteCommands[] = {
    {"prefixstats", -1, kLoading | kStale, 0, 0, 0, "@slow", "cachette", "0.1.0",
     "Returns hits, misses, writes, keys and memory per key prefix.", CmdPrefixstats},
};

}  // namespace

std::span<const CommandSpec> CachetteFamily() { return kCachetteCommands; }

}  // namespace cachette::commands::detail
