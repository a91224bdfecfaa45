// Redis's "connection" command group: commands about the client's own connection.

#include <limits>

#include "cachette/commands/command_context.h"
#include "cachette/config/config.h"
#include "cachette/protocol/errors.h"
#include "cachette/store/store.h"
#include "detail/handler_support.h"

namespace cachette::commands::detail {

namespace errors = protocol::errors;

namespace {

// PING [message]: PONG, or the message.
void CmdPing(CommandContext& ctx) {
  if (ctx.args.size() > 2) {
    ctx.reply.Error(errors::WrongArity(ctx.spec->name));
    return;
  }
  ctx.args.size() == 2 ? ctx.reply.Bulk(ctx.args[1]) : ctx.reply.SimpleString("PONG");
}

// ECHO message: the message.
void CmdEcho(CommandContext& ctx) { ctx.reply.Bulk(ctx.args[1]); }

// QUIT: OK, then the connection closes.
void CmdQuit(CommandContext& ctx) {
  ctx.client.close_after_reply = true;
  ctx.reply.Ok();
}

// SELECT index: switches the client's database.
void CmdSelect(CommandContext& ctx) {
  int64_t index = 0;
  if (!ParseInt64OrReply(ctx, ctx.args[1], &index)) {
    return;
  }
  if (index < std::numeric_limits<int32_t>::min() || index > std::numeric_limits<int32_t>::max()) {
    ctx.reply.Error(errors::kIntOutOfRange);
    return;
  }
  if (index < 0 || static_cast<size_t>(index) >= ctx.store().databases()) {
    ctx.reply.Error(errors::kDbIndexOutOfRange);
    return;
  }
  ctx.client.db = static_cast<size_t>(index);
  ctx.reply.Ok();
}

// AUTH [username] password: authenticates as the default user against requirepass.
void CmdAuth(CommandContext& ctx) {
  if (ctx.args.size() > 3) {
    ctx.reply.Error(errors::kSyntax);
    return;
  }
  const std::string required = ctx.server.config->String(config::Id::kRequirepass);
  if (ctx.args.size() == 2 && required.empty()) {
    ctx.reply.Error(errors::kAuthNotConfigured);
    return;
  }
  const bool default_user = ctx.args.size() == 2 || ctx.args[1] == "default";
  const std::string_view password = ctx.args.back();
  if (default_user && (required.empty() || password == required)) {
    ctx.client.authenticated = true;
    ctx.reply.Ok();
    return;
  }
  ctx.reply.Error(errors::kWrongPass);
}

constexpr CommandSpec kConnectionCommands[] = {
    {"ping", -1, kFast, 0, 0, 0, "@fast @connection", "connection", "1.0.0",
     "Checks that the server answers.", CmdPing},
    {"echo", 2, kLoading | kStale | kFast, 0, 0, 0, "@fast @connection", "connection", "1.0.0",
     "Returns the given message.", CmdEcho},
    {"quit", -1, kNoscript | kLoading | kStale | kFast | kNoAuth | kAllowBusy, 0, 0, 0,
     "@fast @connection", "connection", "1.0.0", "Closes the connection after replying.", CmdQuit},
    {"select", 2, kFast | kLoading | kStale, 0, 0, 0, "@fast @connection", "connection", "1.0.0",
     "Changes the selected database.", CmdSelect},
    {"auth", -2, kNoscript | kLoading | kStale | kFast | kNoAuth | kAllowBusy, 0, 0, 0,
     "@fast @connection", "connection", "1.0.0", "Authenticates the connection.", CmdAuth},
};

}  // namespace

std::span<const CommandSpec> ConnectionFamily() { return kConnectionCommands; }

}  // namespace cachette::commands::detail
