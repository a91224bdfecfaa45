// Redis's "server" command group: database-wide commands, configuration, introspection and
// shutdown.

#include <fmt/format.h>
#include <malloc.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "cachette/commands/command_context.h"
#include "cachette/commands/command_table.h"
#include "cachette/config/config.h"
#include "cachette/protocol/errors.h"
#include "cachette/store/store.h"
#include "cachette/util/clock.h"
#include "cachette/util/glob.h"
#include "detail/handler_support.h"

namespace cachette::commands::detail {

namespace errors = protocol::errors;

namespace {

// The Redis version we answer to clients that parse redis_version; ours is cachette_version.
constexpr std::string_view kRedisCompatibleVersion = "7.0.15";

// DBSIZE: keys in the selected database.
void CmdDbsize(CommandContext& ctx) {
  ctx.reply.Integer(static_cast<int64_t>(ctx.store().DbSize(ctx.db())));
}

// FLUSHDB/FLUSHALL [ASYNC|SYNC]: the mode is accepted; both free memory off the shard locks.
bool ParseFlushMode(CommandContext& ctx) {
  if (ctx.args.size() > 2 || (ctx.args.size() == 2 && !EqualsIgnoreCase(ctx.args[1], "ASYNC") &&
                              !EqualsIgnoreCase(ctx.args[1], "SYNC"))) {
    ctx.reply.Error(errors::kSyntax);
    return false;
  }
  return true;
}

void CmdFlushdb(CommandContext& ctx) {
  if (ParseFlushMode(ctx)) {
    ctx.store().FlushDb(ctx.db());
    ctx.reply.Ok();
  }
}

void CmdFlushall(CommandContext& ctx) {
  if (ParseFlushMode(ctx)) {
    ctx.store().FlushAll();
    ctx.reply.Ok();
  }
}

// TIME: Unix time as [seconds, microseconds].
void CmdTime(CommandContext& ctx) {
  const int64_t now_us = util::UnixTimeUs();
  ctx.reply.ArrayHeader(2);
  ctx.reply.BulkInt(now_us / 1000000);
  ctx.reply.BulkInt(now_us % 1000000);
}

// SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE]: stops the server gracefully; the client gets no reply.
void CmdShutdown(CommandContext& ctx) {
  for (size_t i = 1; i < ctx.args.size(); ++i) {
    const std::string_view option = ctx.args[i];
    if (EqualsIgnoreCase(option, "ABORT")) {
      ctx.reply.Error(errors::kNoShutdownInProgress);
      return;
    }
    if (!EqualsIgnoreCase(option, "NOSAVE") && !EqualsIgnoreCase(option, "SAVE") &&
        !EqualsIgnoreCase(option, "NOW") && !EqualsIgnoreCase(option, "FORCE")) {
      ctx.reply.Error(errors::kSyntax);
      return;
    }
  }
  if (ctx.server.control == nullptr) {
    ctx.reply.Error(errors::kShutdownNotAllowed);
    return;
  }
  ctx.client.close_after_reply = true;
  ctx.server.control->RequestShutdown();
}

// CONFIG GET pattern [pattern ...]: matching directives and their values, as a map. A name
// without glob characters is echoed as the client spelled it, as Redis does.
void CmdConfigGet(CommandContext& ctx) {
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
    ctx.reply.Bulk(ctx.server.config->Get(id));
  }
}

// CONFIG SET name value [name value ...]: all or nothing.
void CmdConfigSet(CommandContext& ctx) {
  if (ctx.args.size() % 2 != 0) {
    ctx.reply.Error(errors::kSyntax);
    return;
  }
  std::vector<std::pair<std::string_view, std::string_view>> pairs;
  for (size_t i = 2; i + 1 < ctx.args.size(); i += 2) {
    pairs.emplace_back(ctx.args[i], ctx.args[i + 1]);
  }
  auto error = ctx.server.config->Set(pairs);
  if (!error) {
    ctx.reply.Ok();
    return;
  }
  using Kind = config::SetError::Kind;
  switch (error->kind) {
    case Kind::kUnknown:
      ctx.reply.Error(errors::ConfigSetUnknown(error->name));
      break;
    case Kind::kImmutable:
      ctx.reply.Error(errors::ConfigSetFailed(error->name, "can't set immutable config"));
      break;
    case Kind::kDuplicate:
      ctx.reply.Error(errors::ConfigSetFailed(error->name, "duplicate parameter"));
      break;
    case Kind::kBadValue:
    case Kind::kHookFailed:
      ctx.reply.Error(errors::ConfigSetFailed(error->name, error->reason));
      break;
  }
}

// CONFIG RESETSTAT: zeroes the statistics INFO reports.
void CmdConfigResetstat(CommandContext& ctx) {
  ctx.store().ResetCounters();
  if (ctx.server.control != nullptr) {
    ctx.server.control->ResetNetworkStats();
  }
  ctx.reply.Ok();
}

void ReplyHelp(CommandContext& ctx, std::string_view container,
               std::initializer_list<std::string_view> lines) {
  ctx.reply.ArrayHeader(lines.size() + 3);
  ctx.reply.SimpleString(
      fmt::format("{} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:", container));
  for (std::string_view line : lines) {
    ctx.reply.SimpleString(line);
  }
  ctx.reply.SimpleString("HELP");
  ctx.reply.SimpleString("    Prints this help.");
}

void CmdConfigHelp(CommandContext& ctx) {
  ReplyHelp(
      ctx, "CONFIG",
      {"GET <pattern>", "    Return parameters matching the glob-like <pattern> and their values.",
       "SET <directive> <value>", "    Set the configuration <directive> to <value>.", "RESETSTAT",
       "    Reset statistics reported by the INFO command."});
}

// /proc/self/statm's resident pages, in bytes.
uint64_t ResidentBytes() {
  std::ifstream statm("/proc/self/statm");
  uint64_t size = 0, resident = 0;
  statm >> size >> resident;
  return resident * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
}

std::string HumanBytes(uint64_t bytes) {
  const double value = static_cast<double>(bytes);
  if (bytes < 1024) {
    return fmt::format("{}B", bytes);
  }
  if (bytes < 1024 * 1024) {
    return fmt::format("{:.2f}K", value / 1024);
  }
  if (bytes < 1024ull * 1024 * 1024) {
    return fmt::format("{:.2f}M", value / (1024 * 1024));
  }
  return fmt::format("{:.2f}G", value / (1024.0 * 1024 * 1024));
}

// INFO [section ...]: Redis's text report, one "# Section" after another.
void CmdInfo(CommandContext& ctx) {
  std::set<std::string> wanted;
  for (size_t i = 1; i < ctx.args.size(); ++i) {
    std::string section(ctx.args[i]);
    std::transform(section.begin(), section.end(), section.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    wanted.insert(section);
  }
  const bool everything = wanted.empty() || wanted.contains("all") || wanted.contains("default") ||
                          wanted.contains("everything");
  auto want = [&](std::string_view name) {
    return everything || wanted.contains(std::string(name));
  };

  std::string text;
  auto section = [&](std::string_view title) {
    if (!text.empty()) {
      text += "\r\n";
    }
    text += fmt::format("# {}\r\n", title);
  };
  auto line = [&](std::string_view name, const auto& value) {
    text += fmt::format("{}:{}\r\n", name, value);
  };
  const NetworkStats net =
      ctx.server.control ? ctx.server.control->GetNetworkStats() : NetworkStats{};
  const config::Config& config = *ctx.server.config;
  const int64_t uptime_s = (ctx.now_ms - ctx.server.start_time_ms) / 1000;

  if (want("server")) {
    utsname names{};
    uname(&names);
    section("Server");
    line("redis_version", kRedisCompatibleVersion);
    line("cachette_version", CACHETTE_VERSION);
    line("redis_git_sha1", "00000000");
    line("redis_git_dirty", 0);
    line("redis_mode", "standalone");
    line("os", fmt::format("{} {} {}", names.sysname, names.release, names.machine));
    line("arch_bits", sizeof(void*) * 8);
    line("multiplexing_api", "epoll");
    line("gcc_version", fmt::format("{}.{}.{}", __GNUC__, __GNUC_MINOR__, __GNUC_PATCHLEVEL__));
    line("process_id", getpid());
    line("tcp_port", ctx.server.control ? ctx.server.control->tcp_port() : 0);
    line("server_time_usec", util::UnixTimeUs());
    line("uptime_in_seconds", uptime_s);
    line("uptime_in_days", uptime_s / 86400);
    line("io_threads_active", net.io_threads > 1 ? 1 : 0);
    line("executable", ctx.server.executable);
    line("config_file", ctx.server.config_file);
  }
  if (want("clients")) {
    section("Clients");
    line("connected_clients", net.connected_clients);
    line("maxclients", config.Int(config::Id::kMaxclients));
  }
  if (want("memory")) {
    const struct mallinfo2 heap = mallinfo2();
    const uint64_t used = heap.uordblks + heap.hblkhd;
    const uint64_t rss = ResidentBytes();
    section("Memory");
    line("used_memory", used);
    line("used_memory_human", HumanBytes(used));
    line("used_memory_rss", rss);
    line("used_memory_rss_human", HumanBytes(rss));
    line("maxmemory", config.Int(config::Id::kMaxmemory));
    line("maxmemory_human", HumanBytes(config.Int(config::Id::kMaxmemory)));
    line("maxmemory_policy", config.Get(config::Id::kMaxmemoryPolicy));
    line("mem_fragmentation_ratio",
         fmt::format("{:.2f}", used == 0 ? 0.0 : static_cast<double>(rss) / used));
    line("mem_allocator", "libc");
  }
  if (want("stats")) {
    const store::ShardCounters counters = ctx.store().SumCounters();
    section("Stats");
    line("total_connections_received", net.total_connections_received);
    line("total_commands_processed", net.total_commands_processed);
    line("total_net_input_bytes", net.total_net_input_bytes);
    line("total_net_output_bytes", net.total_net_output_bytes);
    line("rejected_connections", net.rejected_connections);
    line("expired_keys", counters.expired_keys);
    line("evicted_keys", 0);
    line("keyspace_hits", counters.keyspace_hits);
    line("keyspace_misses", counters.keyspace_misses);
  }
  if (want("keyspace")) {
    section("Keyspace");
    for (size_t db = 0; db < ctx.store().databases(); ++db) {
      const store::Store::DbStats stats = ctx.store().GetDbStats(db, ctx.now_ms);
      if (stats.keys != 0) {
        text += fmt::format("db{}:keys={},expires={},avg_ttl={}\r\n", db, stats.keys, stats.expires,
                            stats.avg_ttl_ms);
      }
    }
  }
  ctx.reply.Verbatim(text);
}

std::vector<std::string_view> FlagNames(uint32_t flags) {
  // Redis's order (addReplyCommandFlags).
  static constexpr std::pair<CommandFlag, std::string_view> kNames[] = {
      {kWrite, "write"},      {kReadonly, "readonly"},   {kDenyOom, "denyoom"},
      {kAdmin, "admin"},      {kNoscript, "noscript"},   {kLoading, "loading"},
      {kStale, "stale"},      {kFast, "fast"},           {kNoAuth, "no_auth"},
      {kNoMulti, "no_multi"}, {kAllowBusy, "allow_busy"}};
  std::vector<std::string_view> names;
  for (const auto& [flag, name] : kNames) {
    if (flags & flag) {
      names.push_back(name);
    }
  }
  return names;
}

std::vector<std::string_view> Words(std::string_view text) {
  std::vector<std::string_view> words;
  while (!text.empty()) {
    const size_t space = text.find(' ');
    if (space != 0) {
      words.push_back(text.substr(0, space));
    }
    if (space == std::string_view::npos) {
      break;
    }
    text.remove_prefix(space + 1);
  }
  return words;
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
  ctx.reply.Integer(spec.first_key);
  ctx.reply.Integer(spec.last_key);
  ctx.reply.Integer(spec.key_step);
  const auto categories = Words(spec.acl_categories);
  ctx.reply.SetHeader(categories.size());
  for (std::string_view category : categories) {
    ctx.reply.SimpleString(category);
  }
  ctx.reply.SetHeader(0);  // tips
  ctx.reply.SetHeader(0);  // key specifications
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
void CmdCommand(CommandContext& ctx) {
  const auto& all = ctx.server.commands->all();
  ctx.reply.ArrayHeader(all.size());
  for (const CommandSpec* spec : all) {
    ReplyCommandInfo(ctx, *spec);
  }
}

// COMMAND COUNT: how many commands there are.
void CmdCommandCount(CommandContext& ctx) {
  ctx.reply.Integer(static_cast<int64_t>(ctx.server.commands->all().size()));
}

// COMMAND INFO [name ...]: info per named command (null for unknown names).
void CmdCommandInfo(CommandContext& ctx) {
  if (ctx.args.size() == 2) {
    CmdCommand(ctx);
    return;
  }
  ctx.reply.ArrayHeader(ctx.args.size() - 2);
  for (size_t i = 2; i < ctx.args.size(); ++i) {
    const CommandSpec* spec = ctx.server.commands->Find(ctx.args[i]);
    spec ? ReplyCommandInfo(ctx, *spec) : ctx.reply.NullBulk();
  }
}

void ReplyCommandDocs(CommandContext& ctx, const CommandSpec& spec) {
  ctx.reply.Bulk(spec.name);
  ctx.reply.MapHeader(spec.subcommands.empty() ? 3 : 4);
  ctx.reply.Bulk("summary");
  ctx.reply.Bulk(spec.summary);
  ctx.reply.Bulk("since");
  ctx.reply.Bulk(spec.since);
  ctx.reply.Bulk("group");
  ctx.reply.Bulk(spec.group);
  if (!spec.subcommands.empty()) {
    ctx.reply.Bulk("subcommands");
    ctx.reply.MapHeader(spec.subcommands.size());
    for (const CommandSpec& sub : spec.subcommands) {
      ReplyCommandDocs(ctx, sub);
    }
  }
}

// COMMAND DOCS [name ...]: summary, since and group per command, as a map.
void CmdCommandDocs(CommandContext& ctx) {
  std::vector<const CommandSpec*> specs;
  if (ctx.args.size() == 2) {
    specs = ctx.server.commands->all();
  } else {
    for (size_t i = 2; i < ctx.args.size(); ++i) {
      if (const CommandSpec* spec = ctx.server.commands->Find(ctx.args[i])) {
        specs.push_back(spec);
      }
    }
  }
  ctx.reply.MapHeader(specs.size());
  for (const CommandSpec* spec : specs) {
    ReplyCommandDocs(ctx, *spec);
  }
}

// COMMAND LIST: every command name.
void CmdCommandList(CommandContext& ctx) {
  if (ctx.args.size() > 2) {
    ctx.reply.Error(errors::kSyntax);  // FILTERBY is not implemented yet
    return;
  }
  const auto& all = ctx.server.commands->all();
  ctx.reply.ArrayHeader(all.size());
  for (const CommandSpec* spec : all) {
    ctx.reply.Bulk(spec->name);
  }
}

void CmdCommandHelp(CommandContext& ctx) {
  ReplyHelp(ctx, "COMMAND",
            {"(no subcommand)", "    Return details about all commands.", "COUNT",
             "    Return the total number of commands in this server.", "LIST",
             "    Return a list of all commands in this server.", "INFO [<command-name> ...]",
             "    Return details about multiple commands.", "DOCS [<command-name> ...]",
             "    Return documentation details about multiple commands."});
}

constexpr CommandSpec kConfigSubcommands[] = {
    {"config|get", -3, kAdmin | kNoscript | kLoading | kStale, 0, 0, 0, "@admin @slow @dangerous",
     "server", "2.0.0", "Returns the values of configuration directives.", CmdConfigGet},
    {"config|set", -4, kAdmin | kNoscript | kLoading | kStale, 0, 0, 0, "@admin @slow @dangerous",
     "server", "2.0.0", "Sets configuration directives at run time.", CmdConfigSet},
    {"config|resetstat", 2, kAdmin | kNoscript | kLoading | kStale, 0, 0, 0,
     "@admin @slow @dangerous", "server", "2.0.0", "Resets the statistics INFO reports.",
     CmdConfigResetstat},
    {"config|help", 2, kLoading | kStale, 0, 0, 0, "@slow", "server", "5.0.0",
     "Shows what CONFIG's subcommands do.", CmdConfigHelp},
};

constexpr CommandSpec kCommandSubcommands[] = {
    {"command|count", 2, kLoading | kStale, 0, 0, 0, "@slow @connection", "server", "2.8.13",
     "Returns how many commands there are.", CmdCommandCount},
    {"command|info", -2, kLoading | kStale, 0, 0, 0, "@slow @connection", "server", "2.8.13",
     "Returns details about commands.", CmdCommandInfo},
    {"command|docs", -2, kLoading | kStale, 0, 0, 0, "@slow @connection", "server", "7.0.0",
     "Returns documentation about commands.", CmdCommandDocs},
    {"command|list", -2, kLoading | kStale, 0, 0, 0, "@slow @connection", "server", "7.0.0",
     "Returns the names of all commands.", CmdCommandList},
    {"command|help", 2, kLoading | kStale, 0, 0, 0, "@slow @connection", "server", "5.0.0",
     "Shows what COMMAND's subcommands do.", CmdCommandHelp},
};

constexpr CommandSpec kServerCommands[] = {
    {"dbsize", 1, kReadonly | kFast, 0, 0, 0, "@keyspace @read @fast", "server", "1.0.0",
     "Returns the number of keys in the selected database.", CmdDbsize},
    {"flushdb", -1, kWrite, 0, 0, 0, "@keyspace @write @slow @dangerous", "server", "1.0.0",
     "Removes every key of the selected database.", CmdFlushdb},
    {"flushall", -1, kWrite, 0, 0, 0, "@keyspace @write @slow @dangerous", "server", "1.0.0",
     "Removes every key of every database.", CmdFlushall},
    {"time", 1, kLoading | kStale | kFast, 0, 0, 0, "@fast", "server", "2.6.0",
     "Returns the server's time.", CmdTime},
    {"info", -1, kLoading | kStale, 0, 0, 0, "@slow @dangerous", "server", "1.0.0",
     "Returns the server's information and statistics.", CmdInfo},
    {"shutdown", -1, kAdmin | kNoscript | kLoading | kStale | kNoMulti | kAllowBusy, 0, 0, 0,
     "@admin @slow @dangerous", "server", "1.0.0", "Stops the server gracefully.", CmdShutdown},
    {"config", -2, 0, 0, 0, 0, "@slow", "server", "2.0.0", "Configuration commands.", nullptr,
     kConfigSubcommands},
    {"command", -1, kLoading | kStale, 0, 0, 0, "@slow @connection", "server", "2.8.13",
     "Returns details about every command.", CmdCommand, kCommandSubcommands},
};

}  // namespace

std::span<const CommandSpec> ServerFamily() { return kServerCommands; }

}  // namespace cachette::commands::detail
