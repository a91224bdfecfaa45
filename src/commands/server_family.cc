// Redis's "server" command group: database-wide commands, configuration, introspection and
// shutdown.

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cctype>
#include <cstdlib>
#include <set>
#include <string>
#include <vector>

#include "cachette/commands/command_context.h"
#include "cachette/commands/command_table.h"
#include "cachette/config/config.h"
#include "cachette/protocol/errors.h"
#include "cachette/stats/stats.h"
#include "cachette/store/store.h"
#include "cachette/store/store_admin.h"
#include "cachette/util/clock.h"
#include "cachette/util/glob.h"
#include "detail/command_arguments.h"
#include "detail/handler_support.h"
#include "detail/info_report.h"

namespace cachette::commands::detail {

namespace errors = protocol::errors;

namespace {

// DBSIZE: keys in the selected database.
Status CmdDbsize(CommandContext& ctx) {
  ctx.reply.Integer(static_cast<int64_t>(ctx.store().DbSize(ctx.db())));
  return kOk;
}
constexpr CommandSpec kDbsizeSpec{.name = "dbsize",
                                  .arity = 1,
                                  .flags = kReadonly | kFast,
                                  .acl_categories = kAclKeyspace,
                                  .since = "1.0.0",
                                  .summary = "Returns the number of keys in the selected database.",
                                  .handler = CmdDbsize};

// FLUSHDB/FLUSHALL [ASYNC|SYNC]: removes the keys at once; ASYNC leaves freeing their memory
// to the store's maintenance thread (SYNC, the default as in Redis, frees it before replying).
// Sets *lazily; false after a syntax error reply.
bool ParseFlushMode(CommandContext& ctx, bool* lazily) {
  *lazily = ctx.args.size() == 2 && EqualsIgnoreCase(ctx.args[1], "ASYNC");
  if (ctx.args.size() > 2 ||
      (ctx.args.size() == 2 && !*lazily && !EqualsIgnoreCase(ctx.args[1], "SYNC"))) {
    ctx.reply.Error(errors::kSyntax);
    return false;
  }
  return true;
}

Status CmdFlushdb(CommandContext& ctx) {
  bool lazily = false;
  if (!ParseFlushMode(ctx, &lazily)) {
    return kError;
  }
  ctx.store().FlushDb(ctx.db(), lazily);
  ctx.reply.Ok();
  return kOk;
}
constexpr CommandSpec kFlushdbSpec{.name = "flushdb",
                                   .arity = -1,
                                   .flags = kWrite,
                                   .acl_categories = kAclKeyspace | kAclDangerous,
                                   .since = "1.0.0",
                                   .summary = "Removes every key of the selected database.",
                                   .handler = CmdFlushdb};

Status CmdFlushall(CommandContext& ctx) {
  bool lazily = false;
  if (!ParseFlushMode(ctx, &lazily)) {
    return kError;
  }
  ctx.store().FlushAll(lazily);
  ctx.reply.Ok();
  return kOk;
}
constexpr CommandSpec kFlushallSpec{.name = "flushall",
                                    .arity = -1,
                                    .flags = kWrite,
                                    .acl_categories = kAclKeyspace | kAclDangerous,
                                    .since = "1.0.0",
                                    .summary = "Removes every key of every database.",
                                    .handler = CmdFlushall};

// TIME: Unix time as [seconds, microseconds].
Status CmdTime(CommandContext& ctx) {
  const int64_t now_us = ctx.server.clock().UnixTimeUs();
  ctx.reply.ArrayHeader(2);
  ctx.reply.BulkInt(now_us / 1000000);
  ctx.reply.BulkInt(now_us % 1000000);
  return kOk;
}
constexpr CommandSpec kTimeSpec{.name = "time",
                                .arity = 1,
                                .flags = kLoading | kStale | kFast,
                                .since = "2.6.0",
                                .summary = "Returns the server's time.",
                                .handler = CmdTime};

// SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE]: stops the server gracefully; the client gets no reply.
Status CmdShutdown(CommandContext& ctx) {
  for (size_t i = 1; i < ctx.args.size(); ++i) {
    const std::string_view option = ctx.args[i];
    if (EqualsIgnoreCase(option, "ABORT")) {
      ctx.reply.Error(errors::kNoShutdownInProgress);
      return kError;
    }
    if (!EqualsIgnoreCase(option, "NOSAVE") && !EqualsIgnoreCase(option, "SAVE") &&
        !EqualsIgnoreCase(option, "NOW") && !EqualsIgnoreCase(option, "FORCE")) {
      ctx.reply.Error(errors::kSyntax);
      return kError;
    }
  }
  if (ctx.server.control() == nullptr) {
    ctx.reply.Error(errors::kShutdownNotAllowed);
    return kError;
  }
  // A script runs (on another thread, or on this one while it serves other clients past the
  // threshold): SHUTDOWN NOSAVE stops it (even after it wrote) and shuts down; without
  // NOSAVE, Redis answers BUSY once the script has run past the threshold.
  scripting::Scripting& scripting = ctx.server.scripting();
  if (scripting.running() &&
      (scripting::Scripting::ServingWhileBusy() || !ctx.store().HoldsShardsOnThisThread())) {
    bool nosave = false;
    for (size_t i = 1; i < ctx.args.size(); ++i) {
      nosave = nosave || EqualsIgnoreCase(ctx.args[i], "NOSAVE");
    }
    if (nosave) {
      scripting.ForceKill();
    } else if (!scripting.WaitWhileRunning(
                   ctx.server.config().Int(config::Id::kBusyReplyThreshold))) {
      ctx.reply.Error(scripting.running_function() ? errors::kBusyFunction : errors::kBusyScript);
      return kError;
    }
  }
  ctx.client.close_after_reply = true;
  ctx.server.control()->RequestShutdown();
  return kOk;
}
constexpr CommandSpec kShutdownSpec{
    .name = "shutdown",
    .arity = -1,
    .flags = kAdmin | kNoscript | kLoading | kStale | kNoMulti | kAllowBusy,
    .since = "1.0.0",
    .summary = "Stops the server gracefully.",
    .handler = CmdShutdown};

// CONFIG GET pattern [pattern ...]: matching directives and their values, as a map. A name
// without glob characters is echoed as the client spelled it, as Redis does.
Status CmdConfigGet(CommandContext& ctx) {
  std::vector<std::pair<std::string_view, config::Id>> matches;
  std::set<config::Id> seen;
  for (size_t i = 2; i < ctx.args.size(); ++i) {
    const std::string_view pattern = ctx.args[i];
    if (util::GlobIsLiteral(pattern)) {
      const config::DirectiveSpec* spec = config::Config::Find(pattern);
      if (spec != nullptr && seen.insert(spec->id).second) {
        matches.emplace_back(pattern, spec->id);
      }
      continue;
    }
    for (const config::DirectiveSpec& spec : config::Config::Directives()) {
      if (util::GlobMatch(pattern, spec.name, /*nocase=*/true) && seen.insert(spec.id).second) {
        matches.emplace_back(spec.name, spec.id);
      }
    }
  }
  ctx.reply.MapHeader(matches.size());
  for (const auto& [name, id] : matches) {
    ctx.reply.Bulk(name);
    ctx.reply.Bulk(ctx.server.config().Get(id));
  }
  return kOk;
}
constexpr CommandSpec kConfigGetSpec{.name = "config|get",
                                     .arity = -3,
                                     .flags = kAdmin | kNoscript | kLoading | kStale,
                                     .since = "2.0.0",
                                     .summary = "Returns the values of configuration directives.",
                                     .handler = CmdConfigGet};

// CONFIG SET name value [name value ...]: all or nothing.
Status CmdConfigSet(CommandContext& ctx) {
  if (ctx.args.size() % 2 != 0) {
    ctx.reply.Error(errors::kSyntax);
    return kError;
  }
  std::vector<std::pair<std::string_view, std::string_view>> pairs;
  for (size_t i = 2; i + 1 < ctx.args.size(); i += 2) {
    pairs.emplace_back(ctx.args[i], ctx.args[i + 1]);
  }
  auto error = ctx.server.config().Set(
      pairs, ProtectedActionAllowed(ctx.server.config().Int(config::Id::kEnableProtectedConfigs),
                                    ctx.client));
  if (!error) {
    ctx.reply.Ok();
    return kOk;
  }
  using Kind = config::SetError::Kind;
  switch (error->kind) {
    case Kind::kUnknown:
      ctx.reply.Error(errors::ConfigSetUnknown(error->name));
      break;
    case Kind::kImmutable:
      ctx.reply.Error(errors::ConfigSetFailed(error->name, "can't set immutable config"));
      break;
    case Kind::kProtected:
      ctx.reply.Error(errors::ConfigSetFailed(error->name, "can't set protected config"));
      break;
    case Kind::kDuplicate:
      ctx.reply.Error(errors::ConfigSetFailed(error->name, "duplicate parameter"));
      break;
    case Kind::kBadValue:
    case Kind::kHookFailed:
      ctx.reply.Error(errors::ConfigSetFailed(error->name, error->reason));
      break;
  }
  return kError;
}
constexpr CommandSpec kConfigSetSpec{.name = "config|set",
                                     .arity = -4,
                                     .flags = kAdmin | kNoscript | kLoading | kStale,
                                     .since = "2.0.0",
                                     .summary = "Sets configuration directives at run time.",
                                     .handler = CmdConfigSet};

// CONFIG RESETSTAT: zeroes the statistics INFO reports.
Status CmdConfigResetstat(CommandContext& ctx) {
  ResetStats(ctx);
  ctx.reply.Ok();
  return kOk;
}
constexpr CommandSpec kConfigResetstatSpec{.name = "config|resetstat",
                                           .arity = 2,
                                           .flags = kAdmin | kNoscript | kLoading | kStale,
                                           .since = "2.0.0",
                                           .summary = "Resets the statistics INFO reports.",
                                           .handler = CmdConfigResetstat};

// CONFIG REWRITE: writes the running configuration back to the file the server started with.
Status CmdConfigRewrite(CommandContext& ctx) {
  if (ctx.server.config().config_file().empty()) {
    ctx.reply.Error(errors::kNoConfigFile);
    return kError;
  }
  if (auto error = ctx.server.config().Rewrite()) {
    ctx.reply.Error(std::string(errors::kRewriteFailed) + *error);
    return kError;
  }
  ctx.reply.Ok();
  return kOk;
}
constexpr CommandSpec kConfigRewriteSpec{
    .name = "config|rewrite",
    .arity = 2,
    .flags = kAdmin | kNoscript | kLoading | kStale,
    .since = "2.8.0",
    .summary = "Writes the running configuration back to its file.",
    .handler = CmdConfigRewrite};

Status CmdConfigHelp(CommandContext& ctx) {
  ReplyHelp(
      ctx, "CONFIG",
      {"GET <pattern>", "    Return parameters matching the glob-like <pattern> and their values.",
       "SET <directive> <value>", "    Set the configuration <directive> to <value>.", "RESETSTAT",
       "    Reset statistics reported by the INFO command.", "REWRITE",
       "    Rewrite the configuration file."});
  return kOk;
}
constexpr CommandSpec kConfigHelpSpec{.name = "config|help",
                                      .arity = 2,
                                      .flags = kLoading | kStale,
                                      .since = "5.0.0",
                                      .summary = "Shows what CONFIG's subcommands do.",
                                      .handler = CmdConfigHelp};

// INFO [section ...]: Redis's text report, one "# Section" after another.
Status CmdInfo(CommandContext& ctx) {
  ctx.reply.Verbatim(BuildInfo(ctx, stats::SectionSet::Parse(ctx.args.subspan(1))));
  return kOk;
}
constexpr CommandSpec kInfoSpec{.name = "info",
                                .arity = -1,
                                .flags = kLoading | kStale,
                                .acl_categories = kAclDangerous,
                                .since = "1.0.0",
                                .summary = "Returns the server's information and statistics.",
                                .handler = CmdInfo};

// SWAPDB index1 index2: exchanges two databases' contents.
Status CmdSwapdb(CommandContext& ctx) {
  int64_t first = 0, second = 0;
  if (!ParseInt32OrReply(ctx, ctx.args[1], &first, errors::kInvalidFirstDbIndex) ||
      !ParseInt32OrReply(ctx, ctx.args[2], &second, errors::kInvalidSecondDbIndex)) {
    return kError;
  }
  const auto databases = static_cast<int64_t>(ctx.store().databases());
  if (first < 0 || first >= databases || second < 0 || second >= databases) {
    ctx.reply.Error(errors::kDbIndexOutOfRange);
    return kError;
  }
  ctx.store().SwapDatabases(static_cast<size_t>(first), static_cast<size_t>(second));
  ctx.reply.Ok();
  return kOk;
}
constexpr CommandSpec kSwapdbSpec{.name = "swapdb",
                                  .arity = 3,
                                  .flags = kWrite | kFast,
                                  .acl_categories = kAclKeyspace | kAclDangerous,
                                  .since = "4.0.0",
                                  .summary = "Exchanges the contents of two databases.",
                                  .handler = CmdSwapdb};

// MEMORY USAGE key [SAMPLES count]: bytes the key and its value take (null when missing). A
// string has nothing nested to sample; the option is checked as Redis checks it.
Status CmdMemoryUsage(CommandContext& ctx) {
  for (size_t i = 3; i < ctx.args.size(); ++i) {
    if (EqualsIgnoreCase(ctx.args[i], "SAMPLES") && i + 1 < ctx.args.size()) {
      int64_t samples = 0;
      if (!ParseInt64OrReply(ctx, ctx.args[i + 1], &samples)) {
        return kError;
      }
      if (samples < 0) {
        ctx.reply.Error(errors::kSyntax);
        return kError;
      }
      ++i;
    } else {
      ctx.reply.Error(errors::kSyntax);
      return kError;
    }
  }
  ctx.store().WithKey(ctx.db(), ctx.args[2], ctx.now_ms, [&](store::KeySlot& slot) {
    const store::Entry* entry = slot.Peek();
    if (entry == nullptr) {
      ctx.reply.NullBulk();
      return;
    }
    ctx.reply.Integer(static_cast<int64_t>(store::KeyMemoryUsage(*entry)));
  });
  return kOk;
}
constexpr CommandSpec kMemoryUsageSpec{.name = "memory|usage",
                                       .arity = -3,
                                       .flags = kReadonly,
                                       .keys = {2, 2, 1},
                                       .since = "4.0.0",
                                       .summary = "Returns the bytes a key and its value take.",
                                       .handler = CmdMemoryUsage};

// MEMORY STATS: Redis's memory report as a map (the fields clients read).
Status CmdMemoryStats(CommandContext& ctx) {
  const stats::MemoryFigures memory = CurrentMemory(ctx.server);
  struct DbOverhead {
    size_t db;
    uint64_t table_bytes;
  };
  std::vector<DbOverhead> dbs;
  uint64_t keys = 0;
  uint64_t table_bytes = 0;
  for (size_t db = 0; db < ctx.store().databases(); ++db) {
    const store::KeyspaceStats keyspace = store::GetKeyspaceStats(ctx.store(), db, ctx.now_ms);
    if (keyspace.keys != 0) {
      dbs.push_back({db, keyspace.table_bytes});
      keys += keyspace.keys;
      table_bytes += keyspace.table_bytes;
    }
  }
  const uint64_t used = memory.used_memory;
  const uint64_t overhead = memory.used_memory_startup + table_bytes;
  const uint64_t dataset = used > overhead ? used - overhead : 0;
  const uint64_t net = used > memory.used_memory_startup ? used - memory.used_memory_startup : 0;
  auto ratio = [](uint64_t a, uint64_t b) {
    return b == 0 ? 0.0 : static_cast<double>(a) / static_cast<double>(b);
  };
  auto difference = [](uint64_t a, uint64_t b) {
    return static_cast<int64_t>(a) - static_cast<int64_t>(b);
  };
  auto field = [&](std::string_view name, int64_t value) {
    ctx.reply.Bulk(name);
    ctx.reply.Integer(value);
  };
  auto field_double = [&](std::string_view name, double value) {
    ctx.reply.Bulk(name);
    ctx.reply.Double(value);
  };
  ctx.reply.MapHeader(27 + dbs.size());
  field("peak.allocated", static_cast<int64_t>(memory.used_memory_peak));
  field("total.allocated", static_cast<int64_t>(used));
  field("startup.allocated", static_cast<int64_t>(memory.used_memory_startup));
  field("replication.backlog", 0);
  field("clients.slaves", 0);
  field("clients.normal", 0);
  field("cluster.links", 0);
  field("aof.buffer", 0);
  field("lua.caches", 0);
  field("functions.caches", 0);
  for (const DbOverhead& db : dbs) {
    ctx.reply.Bulk(fmt::format("db.{}", db.db));
    ctx.reply.MapHeader(3);
    field("overhead.hashtable.main", static_cast<int64_t>(db.table_bytes));
    field("overhead.hashtable.expires", 0);
    field("overhead.hashtable.slot-to-keys", 0);
  }
  field("overhead.total", static_cast<int64_t>(overhead));
  field("keys.count", static_cast<int64_t>(keys));
  field("keys.bytes-per-key", keys == 0 ? 0 : static_cast<int64_t>(net / keys));
  field("dataset.bytes", static_cast<int64_t>(dataset));
  field_double("dataset.percentage", ratio(dataset, net) * 100);
  field_double("peak.percentage", ratio(used, memory.used_memory_peak) * 100);
  field("allocator.allocated", static_cast<int64_t>(memory.allocator_allocated));
  field("allocator.active", static_cast<int64_t>(memory.allocator_active));
  field("allocator.resident", static_cast<int64_t>(memory.allocator_resident));
  field_double("allocator-fragmentation.ratio",
               ratio(memory.allocator_active, memory.allocator_allocated));
  field("allocator-fragmentation.bytes",
        difference(memory.allocator_active, memory.allocator_allocated));
  field_double("allocator-rss.ratio", ratio(memory.allocator_resident, memory.allocator_active));
  field("allocator-rss.bytes", difference(memory.allocator_resident, memory.allocator_active));
  field_double("rss-overhead.ratio", ratio(memory.used_memory_rss, memory.allocator_resident));
  field("rss-overhead.bytes", difference(memory.used_memory_rss, memory.allocator_resident));
  field_double("fragmentation", ratio(memory.used_memory_rss, used));
  field("fragmentation.bytes", difference(memory.used_memory_rss, used));
  return kOk;
}
constexpr CommandSpec kMemoryStatsSpec{.name = "memory|stats",
                                       .arity = 2,
                                       .since = "4.0.0",
                                       .summary = "Returns details about the server's memory.",
                                       .handler = CmdMemoryStats};

// MEMORY DOCTOR: a short report on memory problems, in Redis's words.
Status CmdMemoryDoctor(CommandContext& ctx) {
  constexpr uint64_t kTooSmallToJudge = 5 * 1024 * 1024;
  const stats::MemoryFigures memory = CurrentMemory(ctx.server);
  if (memory.used_memory < kTooSmallToJudge) {
    ctx.reply.Verbatim(
        "Hi Sam, this instance is empty or is using very little memory, my issues detector "
        "can't be used in these conditions. Please, leave for your mission on Earth and fill it "
        "with some data. The new Sam and I will be back to our programming as soon as I "
        "finished rebooting.");
    return kOk;
  }
  std::string report;
  if (memory.used_memory_peak > memory.used_memory / 2 * 3) {
    report +=
        " * Peak memory: In the past this instance used more than 150% the memory that is "
        "currently using. The allocator is normally not able to release memory after a peak, "
        "so you can expect to see a big fragmentation ratio, however this is actually harmless "
        "and is only due to the memory peak, and if the Redis instance Resident Set Size (RSS) "
        "is currently bigger than expected, the memory will be used as soon as you fill the "
        "Redis instance with more data. If the memory peak was only occasional and you want "
        "to try to reclaim memory, please try the MEMORY PURGE command, otherwise the only "
        "other option is to shutdown and restart the instance.\n\n";
  }
  if (memory.used_memory_rss > memory.used_memory / 10 * 14) {
    report +=
        " * High total RSS: This instance has a memory fragmentation and RSS overhead greater "
        "than 1.4 (this means that the Resident Set Size of the Redis process is much larger "
        "than the sum of the logical allocations Redis performed). This problem is usually due "
        "either to a large peak memory (check if there is a peak memory entry above in the "
        "report) or may result from a workload that causes the allocator to fragment memory a "
        "lot. If the problem is a large peak memory, then there is no issue. Otherwise, make "
        "sure you are using the Jemalloc allocator and not the default libc malloc.\n\n";
  }
  if (report.empty()) {
    ctx.reply.Verbatim(
        "Hi Sam, I can't find any memory issue in your instance. I can only account for what "
        "occurs on this base.");
    return kOk;
  }
  ctx.reply.Verbatim("Sam, I detected a few issues in this Redis instance memory implants:\n\n" +
                     report + "I'm here to keep you safe, Sam. I want to help you.\n");
  return kOk;
}
constexpr CommandSpec kMemoryDoctorSpec{.name = "memory|doctor",
                                        .arity = 2,
                                        .since = "4.0.0",
                                        .summary = "Reports memory problems, if any.",
                                        .handler = CmdMemoryDoctor};

// MEMORY MALLOC-STATS: the allocator's own report (not available through this interface yet).
Status CmdMemoryMallocStats(CommandContext& ctx) {
  ctx.reply.Verbatim("Stats not supported for the current allocator");
  return kOk;
}
constexpr CommandSpec kMemoryMallocStatsSpec{.name = "memory|malloc-stats",
                                             .arity = 2,
                                             .since = "4.0.0",
                                             .summary = "Returns the allocator's statistics.",
                                             .handler = CmdMemoryMallocStats};

// MEMORY PURGE: asks the allocator to return free pages (nothing to do through malloc).
Status CmdMemoryPurge(CommandContext& ctx) {
  ctx.reply.Ok();
  return kOk;
}
constexpr CommandSpec kMemoryPurgeSpec{.name = "memory|purge",
                                       .arity = 2,
                                       .since = "4.0.0",
                                       .summary = "Asks the allocator to release free memory.",
                                       .handler = CmdMemoryPurge};

Status CmdMemoryHelp(CommandContext& ctx) {
  ReplyHelp(ctx, "MEMORY",
            {"DOCTOR", "    Return memory problems reports.", "MALLOC-STATS",
             "    Return internal statistics report from the memory allocator.", "PURGE",
             "    Attempt to purge dirty pages for reclamation by the allocator.", "STATS",
             "    Return information about the memory usage of the server.",
             "USAGE <key> [SAMPLES <count>]",
             "    Return memory in bytes used by <key> and its value. Nested values are",
             "    sampled up to <count> times (default: 5, 0 means sample all)."});
  return kOk;
}
constexpr CommandSpec kMemoryHelpSpec{.name = "memory|help",
                                      .arity = 2,
                                      .flags = kLoading | kStale,
                                      .since = "4.0.0",
                                      .summary = "Shows what MEMORY's subcommands do.",
                                      .handler = CmdMemoryHelp};

std::vector<std::string_view> FlagNames(uint32_t flags) {
  // Redis's order (addReplyCommandFlags).
  static constexpr std::pair<CommandFlag, std::string_view> kNames[] = {
      {kWrite, "write"},
      {kReadonly, "readonly"},
      {kDenyOom, "denyoom"},
      {kAdmin, "admin"},
      {kNoscript, "noscript"},
      {kLoading, "loading"},
      {kStale, "stale"},
      {kSkipSlowlog, "skip_slowlog"},
      {kFast, "fast"},
      {kNoAuth, "no_auth"},
      {kNoMulti, "no_multi"},
      {kAllowBusy, "allow_busy"},
      {kSkipMonitor, "skip_monitor"},
      {kNoMandatoryKeys, "no_mandatory_keys"},
      {kMovableKeys, "movablekeys"}};
  std::vector<std::string_view> names;
  for (const auto& [flag, name] : kNames) {
    if (flags & flag) {
      names.push_back(name);
    }
  }
  return names;
}

// The command's ACL categories by name ("@read"), in Redis's order.
std::vector<std::string_view> AclCategoryNames(uint32_t categories) {
  std::vector<std::string_view> names;
  for (size_t bit = 0; bit < kAclCategoryCount; ++bit) {
    if ((categories & (1u << bit)) != 0) {
      names.push_back(AclCategoryName(bit));
    }
  }
  return names;
}

// A command by name, or a subcommand by its full name ("config|get"), as COMMAND INFO/DOCS
// accept them; nullptr when there is none.
const CommandSpec* FindByFullName(CommandContext& ctx, std::string_view name) {
  const size_t bar = name.find('|');
  const CommandSpec* spec = ctx.server.commands().Find(name.substr(0, bar));
  if (spec == nullptr || bar == std::string_view::npos) {
    return spec;
  }
  return CommandTable::FindSubcommand(*spec, name.substr(bar + 1));
}

// Generic reply elements (COMMAND INFO's tips and key specifications).
void ReplyNodes(CommandContext& ctx, std::span<const ReplyNode> nodes) {
  for (const ReplyNode& node : nodes) {
    switch (node.kind) {
      case ReplyNode::kBulk:
        ctx.reply.Bulk(node.text);
        break;
      case ReplyNode::kSimple:
        ctx.reply.SimpleString(node.text);
        break;
      case ReplyNode::kInt:
        ctx.reply.Integer(node.number);
        break;
      case ReplyNode::kArray:
        ctx.reply.ArrayHeader(node.count);
        ReplyNodes(ctx, node.children);
        break;
      case ReplyNode::kSet:
        ctx.reply.SetHeader(node.count);
        ReplyNodes(ctx, node.children);
        break;
      case ReplyNode::kMap:
        ctx.reply.MapHeader(node.count);
        ReplyNodes(ctx, node.children);
        break;
    }
  }
}

// One command's COMMAND INFO entry, in Redis 7's ten-field layout.
void ReplyCommandInfo(CommandContext& ctx, const CommandSpec& spec) {
  ctx.reply.ArrayHeader(10);
  ctx.reply.Bulk(spec.name);
  ctx.reply.Integer(spec.arity);
  const auto flags = FlagNames(spec.flags);
  ctx.reply.SetHeader(flags.size());
  for (std::string_view flag : flags) {
    ctx.reply.SimpleString(flag);
  }
  ctx.reply.Integer(spec.keys.first);
  ctx.reply.Integer(spec.keys.last);
  ctx.reply.Integer(spec.keys.step);
  const auto categories = AclCategoryNames(spec.acl_categories);
  ctx.reply.SetHeader(categories.size());
  for (std::string_view category : categories) {
    ctx.reply.SimpleString(category);
  }
  const CommandInfoExtras extras = CommandInfoFor(spec.name);
  ctx.reply.SetHeader(extras.tips.size());
  ReplyNodes(ctx, extras.tips);
  ctx.reply.SetHeader(extras.key_specs.size());
  ReplyNodes(ctx, extras.key_specs);
  if (spec.subcommands.empty()) {
    ctx.reply.SetHeader(0);  // Redis sends an empty set here, a non-empty array below
    return;
  }
  ctx.reply.ArrayHeader(spec.subcommands.size());
  for (const CommandSpec& sub : spec.subcommands) {
    ReplyCommandInfo(ctx, sub);
  }
}

// COMMAND: every command's info.
Status CmdCommand(CommandContext& ctx) {
  const auto& all = ctx.server.commands().all();
  ctx.reply.ArrayHeader(all.size());
  for (const CommandSpec* spec : all) {
    ReplyCommandInfo(ctx, *spec);
  }
  return kOk;
}

// COMMAND COUNT: how many commands there are.
Status CmdCommandCount(CommandContext& ctx) {
  ctx.reply.Integer(static_cast<int64_t>(ctx.server.commands().all().size()));
  return kOk;
}
constexpr CommandSpec kCommandCountSpec{.name = "command|count",
                                        .arity = 2,
                                        .flags = kLoading | kStale,
                                        .acl_categories = kAclConnection,
                                        .since = "2.8.13",
                                        .summary = "Returns how many commands there are.",
                                        .handler = CmdCommandCount};

// COMMAND INFO [name ...]: info per named command (null for unknown names).
Status CmdCommandInfo(CommandContext& ctx) {
  if (ctx.args.size() == 2) {
    return CmdCommand(ctx);
  }
  ctx.reply.ArrayHeader(ctx.args.size() - 2);
  for (size_t i = 2; i < ctx.args.size(); ++i) {
    const CommandSpec* spec = FindByFullName(ctx, ctx.args[i]);
    spec ? ReplyCommandInfo(ctx, *spec) : ctx.reply.NullBulk();
  }
  return kOk;
}
constexpr CommandSpec kCommandInfoSpec{.name = "command|info",
                                       .arity = -2,
                                       .flags = kLoading | kStale,
                                       .acl_categories = kAclConnection,
                                       .since = "2.8.13",
                                       .summary = "Returns details about commands.",
                                       .handler = CmdCommandInfo};

void ReplyArguments(CommandContext& ctx, std::span<const ArgumentSpec> arguments) {
  ctx.reply.ArrayHeader(arguments.size());
  for (const ArgumentSpec& arg : arguments) {
    const bool key = arg.key_spec_index >= 0;
    const size_t fields = 2 + (key ? 1 : 0) + !arg.token.empty() + !arg.summary.empty() +
                          !arg.since.empty() + !arg.deprecated_since.empty() +
                          (arg.flags != 0 ? 1 : 0) + !arg.arguments.empty();
    ctx.reply.MapHeader(fields);
    ctx.reply.Bulk("name");
    ctx.reply.Bulk(arg.name);
    ctx.reply.Bulk("type");
    ctx.reply.Bulk(arg.type);
    if (key) {
      ctx.reply.Bulk("key_spec_index");
      ctx.reply.Integer(arg.key_spec_index);
    }
    auto optional_field = [&](std::string_view name, std::string_view value) {
      if (!value.empty()) {
        ctx.reply.Bulk(name);
        ctx.reply.Bulk(value);
      }
    };
    optional_field("token", arg.token);
    optional_field("summary", arg.summary);
    optional_field("since", arg.since);
    optional_field("deprecated_since", arg.deprecated_since);
    if (arg.flags != 0) {
      ctx.reply.Bulk("flags");
      ctx.reply.SetHeader(std::popcount(arg.flags));
      for (auto [flag, name] :
           {std::pair{kArgOptional, "optional"}, std::pair{kArgMultiple, "multiple"},
            std::pair{kArgMultipleToken, "multiple_token"}}) {
        if ((arg.flags & flag) != 0) {
          ctx.reply.SimpleString(name);
        }
      }
    }
    if (!arg.arguments.empty()) {
      ctx.reply.Bulk("arguments");
      ReplyArguments(ctx, arg.arguments);
    }
  }
}

void ReplyCommandDocs(CommandContext& ctx, const CommandSpec& spec) {
  const std::span<const ArgumentSpec> arguments = CommandArguments(spec.name);
  ctx.reply.Bulk(spec.name);
  ctx.reply.MapHeader(3 + !arguments.empty() + !spec.subcommands.empty());
  ctx.reply.Bulk("summary");
  ctx.reply.Bulk(spec.summary);
  ctx.reply.Bulk("since");
  ctx.reply.Bulk(spec.since);
  ctx.reply.Bulk("group");
  ctx.reply.Bulk(spec.group);
  if (!arguments.empty()) {
    ctx.reply.Bulk("arguments");
    ReplyArguments(ctx, arguments);
  }
  if (!spec.subcommands.empty()) {
    ctx.reply.Bulk("subcommands");
    ctx.reply.MapHeader(spec.subcommands.size());
    for (const CommandSpec& sub : spec.subcommands) {
      ReplyCommandDocs(ctx, sub);
    }
  }
}

// COMMAND DOCS [name ...]: summary, since and group per command, as a map.
Status CmdCommandDocs(CommandContext& ctx) {
  std::vector<const CommandSpec*> specs;
  if (ctx.args.size() == 2) {
    specs = ctx.server.commands().all();
  } else {
    for (size_t i = 2; i < ctx.args.size(); ++i) {
      if (const CommandSpec* spec = FindByFullName(ctx, ctx.args[i])) {
        specs.push_back(spec);
      }
    }
  }
  ctx.reply.MapHeader(specs.size());
  for (const CommandSpec* spec : specs) {
    ReplyCommandDocs(ctx, *spec);
  }
  return kOk;
}
constexpr CommandSpec kCommandDocsSpec{.name = "command|docs",
                                       .arity = -2,
                                       .flags = kLoading | kStale,
                                       .acl_categories = kAclConnection,
                                       .since = "7.0.0",
                                       .summary = "Returns documentation about commands.",
                                       .handler = CmdCommandDocs};

// Whether a command passes COMMAND LIST's FILTERBY (kind: "module", "aclcat", "pattern").
bool PassesFilter(const CommandSpec& spec, std::string_view kind, std::string_view value) {
  if (kind.empty()) {
    return true;
  }
  if (EqualsIgnoreCase(kind, "aclcat")) {
    for (std::string_view category : AclCategoryNames(spec.acl_categories)) {
      if (EqualsIgnoreCase(category.substr(1), value)) {
        return true;
      }
    }
    return false;
  }
  if (EqualsIgnoreCase(kind, "pattern")) {
    return util::GlobMatch(value, spec.name, /*nocase=*/true);
  }
  return false;  // module: there are none
}

// COMMAND LIST [FILTERBY MODULE name|ACLCAT category|PATTERN pattern]: every command name,
// subcommands included ("config|get"), as Redis lists them.
Status CmdCommandList(CommandContext& ctx) {
  std::string_view kind, value;
  for (size_t i = 2; i < ctx.args.size(); i += 3) {
    if (!EqualsIgnoreCase(ctx.args[i], "filterby") || ctx.args.size() - 1 - i != 2 ||
        !(EqualsIgnoreCase(ctx.args[i + 1], "module") ||
          EqualsIgnoreCase(ctx.args[i + 1], "aclcat") ||
          EqualsIgnoreCase(ctx.args[i + 1], "pattern"))) {
      ctx.reply.Error(errors::kSyntax);
      return kError;
    }
    kind = ctx.args[i + 1];
    value = ctx.args[i + 2];
  }
  std::vector<std::string_view> names;
  for (const CommandSpec* spec : ctx.server.commands().all()) {
    if (PassesFilter(*spec, kind, value)) {
      names.push_back(spec->name);
    }
    for (const CommandSpec& sub : spec->subcommands) {
      if (PassesFilter(sub, kind, value)) {
        names.push_back(sub.name);
      }
    }
  }
  ctx.reply.ArrayHeader(names.size());
  for (std::string_view name : names) {
    ctx.reply.Bulk(name);
  }
  return kOk;
}
constexpr CommandSpec kCommandListSpec{.name = "command|list",
                                       .arity = -2,
                                       .flags = kLoading | kStale,
                                       .acl_categories = kAclConnection,
                                       .since = "7.0.0",
                                       .summary = "Returns the names of all commands.",
                                       .handler = CmdCommandList};

// COMMAND GETKEYS command [arg ...]: the key arguments of a full command line.
Status CmdCommandGetkeys(CommandContext& ctx) {
  const std::span<const std::string_view> line = ctx.args.subspan(2);
  const CommandSpec* spec = ctx.server.commands().Find(line[0]);
  if (spec != nullptr && !spec->subcommands.empty() && line.size() >= 2) {
    spec = CommandTable::FindSubcommand(*spec, line[1]);
  }
  if (spec == nullptr) {
    ctx.reply.Error(errors::kInvalidCommandSpecified);
    return kError;
  }
  if (spec->keys.first <= 0) {
    ctx.reply.Error(errors::kNoKeyArguments);
    return kError;
  }
  const size_t argc = line.size();
  if ((spec->arity > 0 && static_cast<size_t>(spec->arity) != argc) ||
      argc < static_cast<size_t>(std::abs(spec->arity))) {
    ctx.reply.Error(errors::kInvalidArgumentCount);
    return kError;
  }
  const std::vector<std::string_view> keys = KeyArguments(*spec, line);
  ctx.reply.ArrayHeader(keys.size());
  for (std::string_view key : keys) {
    ctx.reply.Bulk(key);
  }
  return kOk;
}
constexpr CommandSpec kCommandGetkeysSpec{.name = "command|getkeys",
                                          .arity = -4,
                                          .flags = kLoading | kStale,
                                          .acl_categories = kAclConnection,
                                          .since = "2.8.13",
                                          .summary = "Returns the key arguments of a command line.",
                                          .handler = CmdCommandGetkeys};

Status CmdCommandHelp(CommandContext& ctx) {
  ReplyHelp(ctx, "COMMAND",
            {"(no subcommand)", "    Return details about all commands.", "COUNT",
             "    Return the total number of commands in this server.", "LIST",
             "    Return a list of all commands in this server.", "INFO [<command-name> ...]",
             "    Return details about multiple commands.", "DOCS [<command-name> ...]",
             "    Return documentation details about multiple commands.", "GETKEYS <full-command>",
             "    Return the keys from a full command.",
             "LIST FILTERBY (MODULE <name>|ACLCAT <category>|PATTERN <pattern>)",
             "    Return the names of the commands that pass the filter."});
  return kOk;
}
constexpr CommandSpec kCommandHelpSpec{.name = "command|help",
                                       .arity = 2,
                                       .flags = kLoading | kStale,
                                       .acl_categories = kAclConnection,
                                       .since = "5.0.0",
                                       .summary = "Shows what COMMAND's subcommands do.",
                                       .handler = CmdCommandHelp};

constexpr CommandFamily kServerFamily{.group = "server"};

constexpr auto kConfigSubcommands = kServerFamily.Rows({
    kConfigGetSpec,
    kConfigSetSpec,
    kConfigResetstatSpec,
    kConfigRewriteSpec,
    kConfigHelpSpec,
});

constexpr auto kCommandSubcommands = kServerFamily.Rows({
    kCommandCountSpec,
    kCommandInfoSpec,
    kCommandDocsSpec,
    kCommandListSpec,
    kCommandGetkeysSpec,
    kCommandHelpSpec,
});

constexpr auto kMemorySubcommands = kServerFamily.Rows({
    kMemoryDoctorSpec,
    kMemoryMallocStatsSpec,
    kMemoryPurgeSpec,
    kMemoryStatsSpec,
    kMemoryUsageSpec,
    kMemoryHelpSpec,
});

constexpr CommandSpec kConfigSpec{.name = "config",
                                  .arity = -2,
                                  .since = "2.0.0",
                                  .summary = "Configuration commands.",
                                  .subcommands = kConfigSubcommands};
constexpr CommandSpec kCommandSpec{.name = "command",
                                   .arity = -1,
                                   .flags = kLoading | kStale,
                                   .acl_categories = kAclConnection,
                                   .since = "2.8.13",
                                   .summary = "Returns details about every command.",
                                   .handler = CmdCommand,
                                   .subcommands = kCommandSubcommands};
constexpr CommandSpec kMemorySpec{.name = "memory",
                                  .arity = -2,
                                  .since = "4.0.0",
                                  .summary = "Memory introspection commands.",
                                  .subcommands = kMemorySubcommands};

constexpr auto kServerCommands = kServerFamily.Rows({
    kDbsizeSpec,
    kFlushdbSpec,
    kFlushallSpec,
    kTimeSpec,
    kInfoSpec,
    kShutdownSpec,
    kConfigSpec,
    kCommandSpec,
    kSwapdbSpec,
    kMemorySpec,
});

}  // namespace

std::span<const CommandSpec> ServerFamily() { return kServerCommands; }

}  // namespace cachette::commands::detail
