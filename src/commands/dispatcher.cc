#include "cachette/commands/dispatcher.h"

#include "cachette/protocol/errors.h"
#include "cachette/stats/stats.h"
#include "cachette/store/store.h"
#include "cachette/util/clock.h"

namespace cachette::commands {

namespace errors = protocol::errors;

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

void Dispatcher::Dispatch(ClientState& client, protocol::ReplyWriter& reply,
                          std::span<const std::string_view> args) {
  stats::ThreadStats* stats = client.stats;
  if (stats == nullptr && server_.stats != nullptr) {
    stats = client.stats = &server_.stats->ThreadBlock();
  }
  size_t index = kNoCommand;
  const CommandSpec* spec = table_.Find(args[0], &index);
  if (spec == nullptr) {
    Reject(stats, kNoCommand, reply, errors::UnknownCommand(args[0], args.subspan(1)));
    return;
  }
  if (!spec->subcommands.empty() && (args.size() >= 2 || spec->handler == nullptr)) {
    if (args.size() < 2) {
      Reject(stats, index, reply, errors::WrongArity(spec->name));
      return;
    }
    const CommandSpec* sub = CommandTable::FindSubcommand(*spec, args[1]);
    if (sub == nullptr) {
      Reject(stats, kNoCommand, reply, errors::UnknownSubcommand(args[0], args[1]));
      return;
    }
    index = CommandTable::SubcommandIndex(*spec, index, sub);
    spec = sub;
  }
  if (!ArityMatches(spec->arity, args.size())) {
    Reject(stats, index, reply, errors::WrongArity(spec->name));
    return;
  }
  if (!client.authenticated && (spec->flags & kNoAuth) == 0) {
    Reject(stats, index, reply, errors::kNoAuth);
    return;
  }
  // Redis refuses commands that may grow memory while it is over maxmemory and cannot evict.
  if ((spec->flags & kDenyOom) != 0 && server_.store->MemoryFull()) {
    Reject(stats, index, reply, errors::kOutOfMemory);
    return;
  }
  client.last_command = spec->name;
  CommandContext ctx(server_, client, reply);
  ctx.args = args;
  ctx.spec = spec;
  // One wall-clock read gives the command's instant and the start of its duration; Redis
  // also times commands with the wall clock (ustime), clamping a backwards step to zero.
  const int64_t start_us = util::UnixTimeUs();
  ctx.now_ms = start_us / 1000;
  if (stats == nullptr) {
    spec->handler(ctx);
    return;
  }
  const std::string& out = *reply.buffer();
  const size_t reply_start = out.size();
  spec->handler(ctx);
  const int64_t elapsed_us = util::UnixTimeUs() - start_us;
  stats::CommandCounters& counters = stats->command(index);
  counters.calls.Add(1);
  counters.usec.Add(elapsed_us > 0 ? static_cast<uint64_t>(elapsed_us) : 0);
  stats->total_commands_processed.Add(1);
  // The handler failed when its reply is an error (Redis's failed_calls).
  if (out.size() > reply_start && out[reply_start] == '-') {
    counters.failed_calls.Add(1);
    const size_t end = out.find('\r', reply_start);
    stats->CountError(std::string_view(out).substr(
        reply_start + 1, (end == std::string::npos ? out.size() : end) - reply_start - 1));
  }
}

}  // namespace cachette::commands
