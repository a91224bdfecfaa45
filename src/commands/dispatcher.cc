#include "cachette/commands/dispatcher.h"

#include "cachette/protocol/errors.h"
#include "cachette/util/clock.h"

namespace cachette::commands {

namespace errors = protocol::errors;

namespace {
bool ArityMatches(int arity, size_t argc) {
  return arity >= 0 ? argc == static_cast<size_t>(arity) : argc >= static_cast<size_t>(-arity);
}
}  // namespace

void Dispatcher::Dispatch(ClientState& client, protocol::ReplyWriter& reply,
                          std::span<const std::string_view> args) {
  const CommandSpec* spec = table_.Find(args[0]);
  if (spec == nullptr) {
    reply.Error(errors::UnknownCommand(args[0], args.subspan(1)));
    return;
  }
  if (!spec->subcommands.empty() && (args.size() >= 2 || spec->handler == nullptr)) {
    if (args.size() < 2) {
      reply.Error(errors::WrongArity(spec->name));
      return;
    }
    const CommandSpec* sub = CommandTable::FindSubcommand(*spec, args[1]);
    if (sub == nullptr) {
      reply.Error(errors::UnknownSubcommand(args[0], args[1]));
      return;
    }
    spec = sub;
  }
  if (!ArityMatches(spec->arity, args.size())) {
    reply.Error(errors::WrongArity(spec->name));
    return;
  }
  if (!client.authenticated && (spec->flags & kNoAuth) == 0) {
    reply.Error(errors::kNoAuth);
    return;
  }
  client.last_command = spec->name;
  CommandContext ctx(server_, client, reply);
  ctx.args = args;
  ctx.spec = spec;
  ctx.now_ms = util::UnixTimeMs();
  spec->handler(ctx);
}

}  // namespace cachette::commands
