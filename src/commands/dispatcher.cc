#include "cachette/commands/dispatcher.h"

#include <algorithm>
#include <cassert>
#include <cstdint>
#include <optional>

#include "cachette/commands/diagnostics.h"
#include "cachette/config/config.h"
#include "cachette/protocol/errors.h"
#include "cachette/stats/stats.h"
#include "cachette/store/store.h"
#include "cachette/util/clock.h"
#include "detail/handler_support.h"
#include "detail/transactions.h"

namespace cachette::commands {

namespace errors = protocol::errors;
using detail::DiscardTransaction;
using detail::UnwatchAll;

namespace {
bool ArityMatches(int arity, size_t argc) {
  return arity >= 0 ? argc == static_cast<size_t>(arity) : argc >= static_cast<size_t>(-arity);
}

constexpr size_t kNoCommand = static_cast<size_t>(-1);

// A command refused before its handler ran: the error reply, counted in errorstats, and in
// the command's rejected_calls when the command is known (Redis does not attribute unknown
// commands or unknown subcommands).
void Reject(stats::ThreadStats* stats, size_t index, protocol::ReplyWriter& reply,
            std::string_view error) {
  reply.Error(error);
  if (stats != nullptr) {
    if (index != kNoCommand) {
      stats->command(index).rejected_calls.Add(1);
    }
    stats->CountError(error);
  }
}
}  // namespace

[[gnu::always_inline]] inline void Dispatcher::Run(ClientState& client,
                                                   protocol::ReplyWriter& reply,
                                                   const CommandSpec& spec, size_t index,
                                                   std::span<const std::string_view> args) {
  stats::ThreadStats* stats = client.stats;
  client.last_command = spec.name;
  CommandContext ctx(server_, client, reply);
  ctx.args = args;
  ctx.spec = &spec;
  ctx.dispatcher = this;
  // One wall-clock read gives the command's instant and the start of its duration; Redis
  // also times commands with the wall clock (ustime), clamping a backwards step to zero. In a
  // run of commands, the previous one's end is that read (used once: a command that EXEC or a
  // script runs inside this one reads its own).
  int64_t start_us = client.batch_clock_us;
  if (start_us > 0) {
    client.batch_clock_us = 0;
  } else {
    start_us = server_.clock().UnixTimeUs();
  }
  ctx.now_ms = start_us / 1000;
  // CLIENT NO-TOUCH: the client's lookups leave recency alone, except TOUCH's (as Redis).
  std::optional<store::NoTouchScope> no_touch;
  if (client.no_touch && (spec.flags & kTouchesAlways) == 0) [[unlikely]] {
    no_touch.emplace();
  }
  if (stats == nullptr) {
    (void)spec.handler(ctx);
    if (ServerControl* control = server_.control();
        control != nullptr && control->has_monitors() && (spec.flags & kAdmin) == 0) {
      control->FeedMonitors(MonitorLine(client, spec, args, start_us));
    }
    return;
  }
  const std::string& out = *reply.buffer();
  const size_t reply_start = out.size();
  const Status status = spec.handler(ctx);
  const int64_t end_us = server_.clock().UnixTimeUs();
  if (client.batch_clock_us >= 0) {
    client.batch_clock_us = end_us;
  }
  const int64_t elapsed_us = end_us - start_us;
  stats::CommandCounters& counters = stats->command(index);
  counters.calls.Add(1);
  counters.usec.Add(elapsed_us > 0 ? static_cast<uint64_t>(elapsed_us) : 0);
  stats->total_commands_processed.Add(1);
  // MONITOR sees what ran, after it ran, without admin commands (as Redis 7).
  if (ServerControl* control = server_.control();
      control != nullptr && control->has_monitors() && (spec.flags & kAdmin) == 0) [[unlikely]] {
    control->FeedMonitors(MonitorLine(client, spec, args, start_us));
  }
  if (elapsed_us >= RecordFloorUs()) [[unlikely]] {
    RecordSlow(client, spec, args, start_us, elapsed_us);
  }
  // Redis's failed_calls and errorstats, by the handler's word; the error's code is read from the
  // reply it wrote. EXEC's own reply is an array (its commands counted theirs).
  assert((status == kError) == (out.size() > reply_start && out[reply_start] == '-'));
  if (status == kError && out.size() > reply_start && out[reply_start] == '-') [[unlikely]] {
    counters.failed_calls.Add(1);
    const size_t end = out.find('\r', reply_start);
    stats->CountError(std::string_view(out).substr(
        reply_start + 1, (end == std::string::npos ? out.size() : end) - reply_start - 1));
  }
}

[[gnu::always_inline]] inline const CommandSpec* Dispatcher::Route(
    ClientState& client, protocol::ReplyWriter& reply, std::span<const std::string_view> args) {
  if (client.stats == nullptr && server_.stats() != nullptr) {
    client.stats = &server_.stats()->ThreadBlock();
  }
  size_t index = kNoCommand;
  const CommandSpec* const spec = table_.Find(args[0], &index);
  // The usual command passes every check of RouteChecked at once: known, no subcommands, the
  // right arity, not protected, an authenticated client outside MULTI, memory to spare if it
  // may take more, no script past busy-reply-threshold in the way.
  constexpr uint32_t kTouchy = kProtected | kDenyOom;
  if (spec != nullptr && spec->subcommands.empty() && ArityMatches(spec->arity, args.size()) &&
      client.authenticated && !client.tx.active &&
      ((spec->flags & kTouchy) == 0 ||
       ((spec->flags & kProtected) == 0 && !server_.store().MemoryFull())) &&
      ((spec->flags & kAllowBusy) != 0 || !server_.scripting().running())) [[likely]] {
    Run(client, reply, *spec, index, args);
    return spec;
  }
  return RouteChecked(client, reply, args, spec, index);
}

void Dispatcher::Dispatch(ClientState& client, protocol::ReplyWriter& reply,
                          std::span<const std::string_view> args) {
  const size_t mark = reply.buffer()->size();
  const CommandSpec* command = Route(client, reply, args);
  if (client.reply_off || client.reply_skip || client.reply_skip_next) [[unlikely]] {
    AfterQuietCommand(client, reply, mark, command);
  }
}

const CommandSpec* Dispatcher::RouteChecked(ClientState& client, protocol::ReplyWriter& reply,
                                            std::span<const std::string_view> args,
                                            const CommandSpec* spec, size_t index) {
  stats::ThreadStats* stats = client.stats;
  TransactionState& tx = client.tx;
  const CommandSpec* const command = spec;
  // A refusal inside MULTI also dooms the transaction; a refused EXEC discards it, with the
  // reason in an EXECABORT error.
  auto refuse = [&](size_t counted_index, std::string_view error) {
    if (spec != nullptr && (spec->flags & kRunsQueue) != 0) {
      const std::string abort = errors::ExecAbortBecause(error);
      Reject(stats, counted_index, reply, abort);
      DiscardTransaction(server_, client);
      return;
    }
    Reject(stats, counted_index, reply, error);
    if (tx.active) {
      tx.failed = true;
    }
  };
  if (spec == nullptr) {
    refuse(kNoCommand, errors::UnknownCommand(args[0], args.subspan(1)));
    return command;
  }
  if (!spec->subcommands.empty() && (args.size() >= 2 || spec->handler == nullptr)) {
    if (args.size() < 2) {
      refuse(index, errors::WrongArity(spec->name));
      return command;
    }
    const CommandSpec* sub = CommandTable::FindSubcommand(*spec, args[1]);
    if (sub == nullptr) {
      refuse(kNoCommand, errors::UnknownSubcommand(args[0], args[1]));
      return command;
    }
    index = CommandTable::SubcommandIndex(*spec, index, sub);
    spec = sub;
  }
  if (!ArityMatches(spec->arity, args.size())) {
    refuse(index, errors::WrongArity(spec->name));
    return command;
  }
  // As Redis, before authentication: DEBUG only where enable-debug-command allows it.
  if ((spec->flags & kProtected) != 0 &&
      !detail::ProtectedActionAllowed(server_.config().Int(config::Id::kEnableDebugCommand),
                                      client)) [[unlikely]] {
    refuse(index, errors::kDebugNotAllowed);
    return command;
  }
  if (!client.authenticated && (spec->flags & kNoAuth) == 0) {
    refuse(index, errors::kNoAuth);
    return command;
  }
  const bool queue = tx.active && (spec->flags & kNotQueued) == 0;
  if (tx.active && (spec->flags & kNoMulti) != 0) {
    refuse(index, errors::kNotAllowedInMulti);
    return command;
  }
  // Redis refuses commands that may grow memory while it is over maxmemory and cannot evict;
  // inside MULTI it refuses queuing anything (the queue itself takes memory), and EXEC when
  // the queue holds such a command.
  const bool may_grow = (spec->flags & kDenyOom) != 0 || queue ||
                        ((spec->flags & kRunsQueue) != 0 && tx.active && tx.deny_oom);
  if (may_grow && server_.store().MemoryFull()) {
    refuse(index, errors::kOutOfMemory);
    return command;
  }
  // A script runs past busy-reply-threshold: Redis then serves only the commands flagged
  // allow-busy. On the script's own thread, the busy-script loop serving other clients
  // (ServingWhileBusy) answers BUSY at once; another thread waits for the script until the
  // threshold. The script's own redis.call (this thread holds every shard) is not concerned.
  if ((spec->flags & kAllowBusy) == 0 && server_.scripting().running() &&
      (scripting::Scripting::ServingWhileBusy() || !server_.store().HoldsShardsOnThisThread())) {
    const int64_t threshold = server_.config().Int(config::Id::kBusyReplyThreshold);
    if (scripting::Scripting::ServingWhileBusy() ||
        !server_.scripting().WaitWhileRunning(threshold)) {
      refuse(index,
             server_.scripting().running_function() ? errors::kBusyFunction : errors::kBusyScript);
      return command;
    }
    // It waited: the end of the command before is no longer now.
    if (client.batch_clock_us > 0) {
      client.batch_clock_us = 0;
    }
  }
  if (queue) {
    QueuedCommand& queued = tx.queued.emplace_back();
    queued.spec = spec;
    queued.stats_index = index;
    queued.args.assign(args.begin(), args.end());
    tx.keyless = tx.keyless || spec->keys.first <= 0;
    tx.deny_oom = tx.deny_oom || (spec->flags & kDenyOom) != 0;
    reply.SimpleString("QUEUED");
    return command;
  }
  Execute(client, reply, *spec, index, args);
  return command;
}

void Dispatcher::Execute(ClientState& client, protocol::ReplyWriter& reply, const CommandSpec& spec,
                         size_t index, std::span<const std::string_view> args) {
  Run(client, reply, spec, index, args);
}

void Dispatcher::SetThreadBusyServer(std::function<void()> server) {
  scripting::Scripting::SetThreadBusyServer(std::move(server));
}

bool Dispatcher::ScriptPastBusyThreshold() const {
  const int64_t threshold = server_.config().Int(config::Id::kBusyReplyThreshold);
  return server_.scripting().TimedOut(threshold);
}

bool Dispatcher::RunBackgroundSlice(bool idle, unsigned part, unsigned parts) {
  if (server_.pause().active() && server_.pause().PausedAt(server_.clock().UnixTimeMs())) {
    return false;
  }
  return server_.store().ActiveExpireWhenDue(idle, part, parts);
}

bool Dispatcher::PausedFor(const ClientState& client, std::span<const std::string_view> args) {
  const ClientPause::Mode mode = server_.pause().ModeAt(server_.clock().UnixTimeMs());
  if (mode == ClientPause::kNone) {
    return false;
  }
  if (mode == ClientPause::kAll) {
    return true;
  }
  // WRITE: commands that may change data, and EXEC of a transaction that holds one.
  const CommandSpec* spec = table_.Find(args[0]);
  if (spec != nullptr && !spec->subcommands.empty() && args.size() >= 2) {
    const CommandSpec* sub = CommandTable::FindSubcommand(*spec, args[1]);
    spec = sub != nullptr ? sub : spec;
  }
  if (spec == nullptr) {
    return false;
  }
  if ((spec->flags & kRunsQueue) != 0) {
    for (const QueuedCommand& queued : client.tx.queued) {
      if ((queued.spec->flags & kWrite) != 0) {
        return true;
      }
    }
    return false;
  }
  return (spec->flags & kWrite) != 0;
}

int64_t Dispatcher::RecordFloorUs() {
  if (server_.config().version() != settings_version_.load(std::memory_order_acquire))
      [[unlikely]] {
    return RefreshRecordFloorUs();
  }
  return record_floor_us_.load(std::memory_order_relaxed);
}

int64_t Dispatcher::RefreshRecordFloorUs() {
  // Under the mutex, the version is read before the values and stored after them, so the
  // figure kept is never older than the version it is kept with.
  std::lock_guard lock(settings_mutex_);
  const config::Config& config = server_.config();
  const uint64_t version = config.version();
  int64_t floor = INT64_MAX;
  if (const int64_t slower_than = config.Int(config::Id::kSlowlogLogSlowerThan); slower_than >= 0) {
    floor = slower_than;
  }
  if (const int64_t threshold_ms = config.Int(config::Id::kLatencyMonitorThreshold);
      threshold_ms > 0) {
    floor = std::min(floor, threshold_ms > INT64_MAX / 1000 ? INT64_MAX : threshold_ms * 1000);
  }
  record_floor_us_.store(floor, std::memory_order_relaxed);
  settings_version_.store(version, std::memory_order_release);
  return floor;
}

void Dispatcher::RecordSlow(ClientState& client, const CommandSpec& spec,
                            std::span<const std::string_view> args, int64_t start_us,
                            int64_t elapsed_us) {
  const config::Config& config = server_.config();
  const int64_t slower_than = config.Int(config::Id::kSlowlogLogSlowerThan);
  if (slower_than >= 0 && elapsed_us >= slower_than && (spec.flags & kSkipSlowlog) == 0)
      [[unlikely]] {
    server_.slowlog().Record(RedactedArguments(spec, args), client.peer_address, client.name,
                             start_us, elapsed_us,
                             static_cast<size_t>(config.Int(config::Id::kSlowlogMaxLen)));
  }
  const int64_t threshold_ms = config.Int(config::Id::kLatencyMonitorThreshold);
  if (threshold_ms > 0 && elapsed_us / 1000 >= threshold_ms) [[unlikely]] {
    server_.latency().Record((spec.flags & kFast) != 0 ? "fast-command" : "command",
                             start_us / 1000000, elapsed_us / 1000);
  }
}

void Dispatcher::AfterQuietCommand(ClientState& client, protocol::ReplyWriter& reply, size_t mark,
                                   const CommandSpec* command) {
  if (client.reply_off || client.reply_skip) {
    reply.buffer()->resize(mark);
  }
  if (!client.tx.active && (command == nullptr || (command->flags & kKeepsReplySkip) == 0)) {
    client.reply_skip = false;
  }
  if (client.reply_skip_next) {
    client.reply_skip = true;
    client.reply_skip_next = false;
  }
}

void Dispatcher::OnClientClosed(ClientState& client) {
  DiscardTransaction(server_, client);
  UnwatchAll(server_, client);
}

}  // namespace cachette::commands
