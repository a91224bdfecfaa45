// Redis's "connection" command group: commands about the client's own connection.

#include <limits>
#include <optional>
#include <string>
#include <utility>

#include "cachette/commands/command_context.h"
#include "cachette/config/config.h"
#include "cachette/protocol/errors.h"
#include "cachette/stats/stats.h"
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

// Checks a password for `user` against requirepass (the default user is the only one; without
// requirepass it takes any password, as Redis's "nopass" default user). A refusal is counted
// (INFO's acl_access_denied_auth). The password is never logged.
bool CheckPassword(CommandContext& ctx, std::string_view user, std::string_view password) {
  const std::string required = ctx.server.config->String(config::Id::kRequirepass);
  if (user == "default" && (required.empty() || password == required)) {
    return true;
  }
  if (ctx.client.stats != nullptr) {
    ctx.client.stats->acl_access_denied_auth.Add(1);
  }
  return false;
}

// AUTH [username] password: authenticates as the default user against requirepass.
void CmdAuth(CommandContext& ctx) {
  if (ctx.args.size() > 3) {
    ctx.reply.Error(errors::kSyntax);
    return;
  }
  if (ctx.args.size() == 2 && ctx.server.config->String(config::Id::kRequirepass).empty()) {
    ctx.reply.Error(errors::kAuthNotConfigured);
    return;
  }
  const std::string_view user = ctx.args.size() == 3 ? ctx.args[1] : "default";
  if (CheckPassword(ctx, user, ctx.args.back())) {
    ctx.client.authenticated = true;
    ctx.reply.Ok();
    return;
  }
  ctx.reply.Error(errors::kWrongPass);
}

// HELLO [protover [AUTH username password] [SETNAME clientname]]: switches the protocol,
// optionally authenticating and naming the client, and describes the server.
void CmdHello(CommandContext& ctx) {
  int64_t version = 0;
  if (ctx.args.size() >= 2) {
    if (!ParseInt64OrReply(ctx, ctx.args[1], &version, errors::kProtoVersionNotInteger)) {
      return;
    }
    if (version < 2 || version > 3) {
      ctx.reply.Error(errors::kNoProto);
      return;
    }
  }
  std::optional<std::pair<std::string_view, std::string_view>> credentials;
  std::optional<std::string_view> name;
  for (size_t i = 2; i < ctx.args.size(); ++i) {
    const size_t more = ctx.args.size() - 1 - i;
    if (EqualsIgnoreCase(ctx.args[i], "AUTH") && more >= 2) {
      credentials.emplace(ctx.args[i + 1], ctx.args[i + 2]);
      i += 2;
    } else if (EqualsIgnoreCase(ctx.args[i], "SETNAME") && more >= 1) {
      if (!IsValidClientName(ctx.args[i + 1])) {
        ctx.reply.Error(errors::kInvalidClientName);
        return;
      }
      name = ctx.args[i + 1];
      ++i;
    } else {
      ctx.reply.Error(errors::HelloSyntax(ctx.args[i]));
      return;
    }
  }
  if (credentials) {
    if (!CheckPassword(ctx, credentials->first, credentials->second)) {
      ctx.reply.Error(errors::kWrongPass);
      return;
    }
    ctx.client.authenticated = true;
  }
  if (!ctx.client.authenticated) {
    ctx.reply.Error(errors::kHelloNoAuth);
    return;
  }
  if (name) {
    ctx.client.name = std::string(*name);
  }
  if (version != 0) {
    ctx.client.resp_version = static_cast<int>(version);
    ctx.reply.set_resp_version(ctx.client.resp_version);
  }
  ctx.reply.MapHeader(7);
  ctx.reply.Bulk("server");
  ctx.reply.Bulk("redis");
  ctx.reply.Bulk("version");
  ctx.reply.Bulk(kRedisCompatibleVersion);
  ctx.reply.Bulk("proto");
  ctx.reply.Integer(ctx.client.resp_version);
  ctx.reply.Bulk("id");
  ctx.reply.Integer(static_cast<int64_t>(ctx.client.id));
  ctx.reply.Bulk("mode");
  ctx.reply.Bulk("standalone");
  ctx.reply.Bulk("role");
  ctx.reply.Bulk("master");
  ctx.reply.Bulk("modules");
  ctx.reply.EmptyArray();
}

constexpr CommandSpec kConnectionCommands[] = {
    {"ping", -1, kFast, 0, 0, 0, "@fast @connection", "connection", "1.0.0",
     "Checks that the server answers.", CmdPing},
    {"echo", 2, kLoading | kStale | kFast, 0, 0, 0, "@fast @connection", "connection", "1.0.0",
     "Returns the given message.", CmdEcho},
    {"quit", -1, kNoscript | kLoading | kStale | kFast | kNoAuth | kAllowBusy | kNotQueued, 0, 0, 0,
     "@fast @connection", "connection", "1.0.0", "Closes the connection after replying.", CmdQuit},
    {"select", 2, kFast | kLoading | kStale, 0, 0, 0, "@fast @connection", "connection", "1.0.0",
     "Changes the selected database.", CmdSelect},
    {"auth", -2, kNoscript | kLoading | kStale | kFast | kNoAuth | kAllowBusy, 0, 0, 0,
     "@fast @connection", "connection", "1.0.0", "Authenticates the connection.", CmdAuth},
    {"hello", -1, kNoscript | kLoading | kStale | kFast | kNoAuth | kAllowBusy, 0, 0, 0,
     "@fast @connection", "connection", "6.0.0",
     "Switches the protocol version (2 or 3), optionally authenticating and naming the client.",
     CmdHello},
};

}  // namespace

std::span<const CommandSpec> ConnectionFamily() { return kConnectionCommands; }

}  // namespace cachette::commands::detail
