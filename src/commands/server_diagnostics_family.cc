// Redis's "server" command group, second file: what an operator watches and probes the server
// with (MONITOR, SLOWLOG, LATENCY, DEBUG) and the small replication and persistence stubs
// (LASTSAVE, LOLWUT, ROLE). Database-wide commands, CONFIG, COMMAND, INFO and MEMORY are in
// server_family.cc: one file for the group would pass 1,000 lines.

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <limits>
#include <thread>
#include <vector>

#include "cachette/commands/command_context.h"
#include "cachette/commands/diagnostics.h"
#include "cachette/protocol/errors.h"
#include "cachette/store/store.h"
#include "cachette/util/numbers.h"
#include "detail/handler_support.h"

namespace cachette::commands::detail {

namespace errors = protocol::errors;

namespace {

constexpr uint32_t kAdminFlags = kAdmin | kNoscript | kLoading | kStale;

// MONITOR: from now on the connection receives every command the server runs (admin commands
// excepted), one line each.
Status CmdMonitor(CommandContext& ctx) {
  if (ctx.client.tx.executing) {
    ctx.reply.Error(errors::kMonitorDenyBlocking);
    return kError;
  }
  if (ctx.client.monitor) {
    return kOk;  // already monitoring: Redis ignores it, with no reply
  }
  ctx.client.monitor = true;
  if (ctx.server.control() != nullptr) {
    ctx.server.control()->StartMonitor(ctx.client);
  }
  ctx.reply.Ok();
  return kOk;
}
constexpr CommandSpec kMonitorSpec{.name = "monitor",
                                   .arity = 1,
                                   .flags = kAdminFlags,
                                   .since = "1.0.0",
                                   .summary = "Streams every command the server runs.",
                                   .handler = CmdMonitor};

// SLOWLOG GET [count]: the newest entries (10 by default, -1 for all), newest first.
Status CmdSlowlogGet(CommandContext& ctx) {
  int64_t count = 10;
  if (ctx.args.size() > 3) {
    ctx.reply.Error(errors::SubcommandSyntax("SLOWLOG", ctx.args[1]));
    return kError;
  }
  if (ctx.args.size() == 3 && (!util::ParseInt64(ctx.args[2], &count) || count < -1)) {
    ctx.reply.Error(errors::kSlowlogCount);
    return kError;
  }
  const std::vector<stats::SlowLogEntry> entries = ctx.server.slowlog().Newest(count);
  ctx.reply.ArrayHeader(entries.size());
  for (const stats::SlowLogEntry& entry : entries) {
    ctx.reply.ArrayHeader(6);
    ctx.reply.Integer(entry.id);
    ctx.reply.Integer(entry.time_s);
    ctx.reply.Integer(entry.duration_us);
    ctx.reply.ArrayHeader(entry.args.size());
    for (const std::string& arg : entry.args) {
      ctx.reply.Bulk(arg);
    }
    ctx.reply.Bulk(entry.peer_address);
    ctx.reply.Bulk(entry.client_name);
  }
  return kOk;
}
constexpr CommandSpec kSlowlogGetSpec{.name = "slowlog|get",
                                      .arity = -2,
                                      .flags = kAdmin | kLoading | kStale,
                                      .since = "2.2.12",
                                      .summary = "Returns the slow log's newest entries.",
                                      .handler = CmdSlowlogGet};

// SLOWLOG LEN: how many entries the slow log holds.
Status CmdSlowlogLen(CommandContext& ctx) {
  ctx.reply.Integer(static_cast<int64_t>(ctx.server.slowlog().size()));
  return kOk;
}
constexpr CommandSpec kSlowlogLenSpec{.name = "slowlog|len",
                                      .arity = 2,
                                      .flags = kAdmin | kLoading | kStale,
                                      .since = "2.2.12",
                                      .summary = "Returns how many entries the slow log holds.",
                                      .handler = CmdSlowlogLen};

// SLOWLOG RESET: empties the slow log.
Status CmdSlowlogReset(CommandContext& ctx) {
  ctx.server.slowlog().Reset();
  ctx.reply.Ok();
  return kOk;
}
constexpr CommandSpec kSlowlogResetSpec{.name = "slowlog|reset",
                                        .arity = 2,
                                        .flags = kAdmin | kLoading | kStale,
                                        .since = "2.2.12",
                                        .summary = "Empties the slow log.",
                                        .handler = CmdSlowlogReset};

Status CmdSlowlogHelp(CommandContext& ctx) {
  ReplyHelp(ctx, "SLOWLOG",
            {"GET [<count>]",
             "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
             "    Entries are made of:",
             "    id, timestamp, time in microseconds, arguments array, client IP and port,",
             "    client name", "LEN", "    Return the length of the slowlog.", "RESET",
             "    Reset the slowlog."});
  return kOk;
}
constexpr CommandSpec kSlowlogHelpSpec{.name = "slowlog|help",
                                       .arity = 2,
                                       .flags = kLoading | kStale,
                                       .since = "6.2.0",
                                       .summary = "Shows what SLOWLOG's subcommands do.",
                                       .handler = CmdSlowlogHelp};

// LATENCY LATEST: per event, [name, time of the latest sample, its latency, the maximum].
Status CmdLatencyLatest(CommandContext& ctx) {
  const auto events = ctx.server.latency().Events();
  ctx.reply.ArrayHeader(events.size());
  for (const auto& event : events) {
    ctx.reply.ArrayHeader(4);
    ctx.reply.Bulk(event.name);
    ctx.reply.Integer(event.samples.back().time_s);
    ctx.reply.Integer(event.samples.back().latency_ms);
    ctx.reply.Integer(event.max_ms);
  }
  return kOk;
}
constexpr CommandSpec kLatencyLatestSpec{
    .name = "latency|latest",
    .arity = 2,
    .flags = kAdminFlags,
    .since = "2.8.13",
    .summary = "Returns the latest sample of every latency event.",
    .handler = CmdLatencyLatest};

// LATENCY HISTORY event: the event's samples, oldest first, as [time, latency].
Status CmdLatencyHistory(CommandContext& ctx) {
  for (const auto& event : ctx.server.latency().Events()) {
    if (event.name == ctx.args[2]) {
      ctx.reply.ArrayHeader(event.samples.size());
      for (const auto& sample : event.samples) {
        ctx.reply.ArrayHeader(2);
        ctx.reply.Integer(sample.time_s);
        ctx.reply.Integer(sample.latency_ms);
      }
      return kOk;
    }
  }
  ctx.reply.EmptyArray();
  return kOk;
}
constexpr CommandSpec kLatencyHistorySpec{.name = "latency|history",
                                          .arity = 3,
                                          .flags = kAdminFlags,
                                          .since = "2.8.13",
                                          .summary = "Returns a latency event's samples.",
                                          .handler = CmdLatencyHistory};

// LATENCY RESET [event ...]: forgets the named events (all by default); how many there were.
Status CmdLatencyReset(CommandContext& ctx) {
  ctx.reply.Integer(static_cast<int64_t>(ctx.server.latency().Reset(ctx.args.subspan(2))));
  return kOk;
}
constexpr CommandSpec kLatencyResetSpec{.name = "latency|reset",
                                        .arity = -2,
                                        .flags = kAdminFlags,
                                        .since = "2.8.13",
                                        .summary = "Forgets latency events' samples.",
                                        .handler = CmdLatencyReset};

Status CmdLatencyHelp(CommandContext& ctx) {
  ReplyHelp(ctx, "LATENCY",
            {"HISTORY <event>", "    Return time-latency samples for the <event> class.", "LATEST",
             "    Return the latest latency samples for all events.", "RESET [<event> ...]",
             "    Reset latency data of one or more <event> classes.",
             "    (default: reset all data for all event classes)"});
  return kOk;
}
constexpr CommandSpec kLatencyHelpSpec{.name = "latency|help",
                                       .arity = 2,
                                       .flags = kLoading | kStale,
                                       .since = "2.8.13",
                                       .summary = "Shows what LATENCY's subcommands do.",
                                       .handler = CmdLatencyHelp};

// The length Redis's RDB format would give a string value (uncompressed): a small integer in
// 1, 2 or 4 bytes after a type byte, else a length prefix and the bytes.
size_t SerializedLength(std::string_view value) {
  int64_t integer = 0;
  if (ValueEncoding(value, &integer) == "int") {
    if (integer >= -(1 << 7) && integer < (1 << 7)) {
      return 2;
    }
    if (integer >= -(1 << 15) && integer < (1 << 15)) {
      return 3;
    }
    if (integer >= std::numeric_limits<int32_t>::min() &&
        integer <= std::numeric_limits<int32_t>::max()) {
      return 5;
    }
  }
  const size_t length = value.size();
  const size_t prefix = length < (1 << 6)      ? 1
                        : length < (1 << 14)   ? 2
                        : length <= UINT32_MAX ? 5
                                               : 9;
  return prefix + length;
}

// DEBUG subcommand ...: the subcommands test suites use (Redis parses DEBUG's own subcommands,
// so DEBUG is one command, as there).
Status CmdDebug(CommandContext& ctx) {
  Status status = kOk;
  const std::string_view sub = ctx.args[1];
  const size_t argc = ctx.args.size();
  if (EqualsIgnoreCase(sub, "help")) {
    ReplyHelp(
        ctx, "DEBUG",
        {"JMAP", "    Does nothing (accepted for compatibility).", "OBJECT <key>",
         "    Show low level info about the <key> and associated value.", "SET-ACTIVE-EXPIRE <0|1>",
         "    Setting it to 0 disables expiring keys in background when they are not",
         "    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the",
         "    default.", "SLEEP <seconds>",
         "    Stop the server for <seconds>. Decimals allowed."});
  } else if (EqualsIgnoreCase(sub, "sleep") && argc == 3) {
    // As Redis: strtod, no validation; the I/O thread stops as Redis's only thread does. Unlike
    // Redis, it sleeps in short slices and wakes when shutdown begins, so SIGTERM or SHUTDOWN
    // from another thread still stops the server promptly (any length, even 9e12 s).
    const double seconds = std::strtod(std::string(ctx.args[2]).c_str(), nullptr);
    constexpr double kLongestSleepS = 100.0 * 365 * 24 * 3600;  // keeps the deadline in range
    if (seconds > 0) {
      const auto deadline = std::chrono::steady_clock::now() +
                            std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                std::chrono::duration<double>(std::min(seconds, kLongestSleepS)));
      constexpr auto kSlice = std::chrono::milliseconds(5);
      while (!ctx.server.shutting_down()) {
        const auto now = std::chrono::steady_clock::now();
        if (now >= deadline) {
          break;
        }
        std::this_thread::sleep_for(
            std::min<std::chrono::steady_clock::duration>(kSlice, deadline - now));
      }
    }
    ctx.reply.Ok();
  } else if (EqualsIgnoreCase(sub, "jmap") && argc == 2) {
    ctx.reply.Ok();
  } else if (EqualsIgnoreCase(sub, "set-active-expire") && argc == 3) {
    ctx.store().SetActiveExpire(std::atoi(std::string(ctx.args[2]).c_str()) != 0);
    ctx.reply.Ok();
  } else if (EqualsIgnoreCase(sub, "object") && argc == 3) {
    const bool shared_integers = SharesSmallIntegers(ctx);
    ctx.store().WithKey(ctx.db(), ctx.args[2], ctx.now_ms, [&](store::KeySlot& slot) {
      const store::Entry* entry = slot.LookupNoTouch();
      if (entry == nullptr) {
        ctx.reply.Error(errors::kNoSuchKey);
        status = kError;
        return;
      }
      int64_t integer = -1;
      const std::string_view encoding = ValueEncoding(entry->value(), &integer);
      const bool shared = encoding == "int" && integer >= 0 && integer < 10000 && shared_integers;
      ctx.reply.SimpleString(fmt::format(
          "Value at:{} refcount:{} encoding:{} serializedlength:{} lru:{} lru_seconds_idle:0",
          static_cast<const void*>(entry), shared ? std::numeric_limits<int32_t>::max() : 1,
          encoding, SerializedLength(entry->value()), (ctx.now_ms / 1000) & ((1 << 24) - 1)));
    });
  } else {
    ctx.reply.Error(errors::SubcommandSyntax("DEBUG", sub));
    return kError;
  }
  return status;
}
constexpr CommandSpec kDebugSpec{.name = "debug",
                                 .arity = -2,
                                 .flags = kAdminFlags | kProtected,
                                 .since = "1.0.0",
                                 .summary = "Debugging commands test suites use.",
                                 .handler = CmdDebug};

// LASTSAVE: the Unix time of the last save; nothing is ever saved, so the server's start.
Status CmdLastsave(CommandContext& ctx) {
  ctx.reply.Integer(ctx.server.start_time_ms() / 1000);
  return kOk;
}
constexpr CommandSpec kLastsaveSpec{
    .name = "lastsave",
    .arity = 1,
    .flags = kLoading | kStale | kFast,
    .acl_categories = kAclAdmin | kAclDangerous,
    .since = "1.0.0",
    .summary = "Returns when the data was last saved (the server's start).",
    .handler = CmdLastsave};

// ROLE: a master with no replicas at offset 0.
Status CmdRole(CommandContext& ctx) {
  ctx.reply.ArrayHeader(3);
  ctx.reply.Bulk("master");
  ctx.reply.Integer(0);
  ctx.reply.EmptyArray();
  return kOk;
}
constexpr CommandSpec kRoleSpec{.name = "role",
                                .arity = 1,
                                .flags = kNoscript | kLoading | kStale | kFast,
                                .acl_categories = kAclAdmin | kAclDangerous,
                                .since = "2.8.12",
                                .summary = "Returns the replication role (always master).",
                                .handler = CmdRole};

// LOLWUT [VERSION version]: Redis 7.0 without a version 5 or 6 art piece answers its version
// line; so do we, for every version (the art of versions 5 and 6 is not drawn).
Status CmdLolwut(CommandContext& ctx) {
  for (size_t i = 1; i + 1 < ctx.args.size(); ++i) {
    if (EqualsIgnoreCase(ctx.args[i], "version")) {
      int64_t version = 0;
      if (!ParseInt64OrReply(ctx, ctx.args[i + 1], &version)) {
        return kError;
      }
      ++i;
    }
  }
  ctx.reply.Verbatim(fmt::format("Redis ver. {}\n", kRedisCompatibleVersion));
  return kOk;
}
constexpr CommandSpec kLolwutSpec{.name = "lolwut",
                                  .arity = -1,
                                  .flags = kReadonly | kFast,
                                  .since = "5.0.0",
                                  .summary = "Shows the Redis version it speaks (no art).",
                                  .handler = CmdLolwut};

constexpr CommandFamily kServerDiagnosticsFamily{.group = "server"};

constexpr auto kSlowlogSubcommands = kServerDiagnosticsFamily.Rows({
    kSlowlogGetSpec,
    kSlowlogLenSpec,
    kSlowlogResetSpec,
    kSlowlogHelpSpec,
});

constexpr auto kLatencySubcommands = kServerDiagnosticsFamily.Rows({
    kLatencyLatestSpec,
    kLatencyHistorySpec,
    kLatencyResetSpec,
    kLatencyHelpSpec,
});

constexpr CommandSpec kSlowlogSpec{.name = "slowlog",
                                   .arity = -2,
                                   .since = "2.2.12",
                                   .summary = "Slow log commands.",
                                   .subcommands = kSlowlogSubcommands};
constexpr CommandSpec kLatencySpec{.name = "latency",
                                   .arity = -2,
                                   .since = "2.8.13",
                                   .summary = "Latency monitor commands.",
                                   .subcommands = kLatencySubcommands};

constexpr auto kServerDiagnosticsCommands = kServerDiagnosticsFamily.Rows({
    kMonitorSpec,
    kSlowlogSpec,
    kLatencySpec,
    kDebugSpec,
    kLastsaveSpec,
    kLolwutSpec,
    kRoleSpec,
});

}  // namespace

std::span<const CommandSpec> ServerDiagnosticsFamily() { return kServerDiagnosticsCommands; }

}  // namespace cachette::commands::detail
