// Redis's "connection" command group: commands about the client's own connection.

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cachette/commands/command_context.h"
#include "cachette/config/config.h"
#include "cachette/protocol/errors.h"
#include "cachette/stats/stats.h"
#include "cachette/store/store.h"
#include "cachette/util/clock.h"
#include "cachette/util/numbers.h"
#include "detail/handler_support.h"
#include "detail/transactions.h"

namespace cachette::commands::detail {

namespace errors = protocol::errors;

namespace {

constexpr uint32_t kClientFlags = kNoscript | kLoading | kStale;
constexpr uint32_t kClientAdminFlags = kAdmin | kNoscript | kLoading | kStale;

// PING [message]: PONG, or the message.
Status CmdPing(CommandContext& ctx) {
  if (ctx.args.size() > 2) {
    ctx.reply.Error(errors::WrongArity(ctx.spec->name));
    return kError;
  }
  ctx.args.size() == 2 ? ctx.reply.Bulk(ctx.args[1]) : ctx.reply.SimpleString("PONG");
  return kOk;
}
constexpr CommandSpec kPingSpec{.name = "ping",
                                .arity = -1,
                                .flags = kFast,
                                .since = "1.0.0",
                                .summary = "Checks that the server answers.",
                                .handler = CmdPing};

// ECHO message: the message.
Status CmdEcho(CommandContext& ctx) {
  ctx.reply.Bulk(ctx.args[1]);
  return kOk;
}
constexpr CommandSpec kEchoSpec{.name = "echo",
                                .arity = 2,
                                .flags = kLoading | kStale | kFast,
                                .since = "1.0.0",
                                .summary = "Returns the given message.",
                                .handler = CmdEcho};

// QUIT: OK, then the connection closes.
Status CmdQuit(CommandContext& ctx) {
  ctx.client.close_after_reply = true;
  ctx.reply.Ok();
  return kOk;
}
constexpr CommandSpec kQuitSpec{
    .name = "quit",
    .arity = -1,
    .flags = kNoscript | kLoading | kStale | kFast | kNoAuth | kAllowBusy | kNotQueued,
    .since = "1.0.0",
    .summary = "Closes the connection after replying.",
    .handler = CmdQuit};

// SELECT index: switches the client's database.
Status CmdSelect(CommandContext& ctx) {
  int64_t index = 0;
  if (!ParseInt64OrReply(ctx, ctx.args[1], &index)) {
    return kError;
  }
  if (index < std::numeric_limits<int32_t>::min() || index > std::numeric_limits<int32_t>::max()) {
    ctx.reply.Error(errors::kIntOutOfRange);
    return kError;
  }
  if (index < 0 || static_cast<size_t>(index) >= ctx.store().databases()) {
    ctx.reply.Error(errors::kDbIndexOutOfRange);
    return kError;
  }
  ctx.client.db = static_cast<size_t>(index);
  ctx.reply.Ok();
  return kOk;
}
constexpr CommandSpec kSelectSpec{.name = "select",
                                  .arity = 2,
                                  .flags = kFast | kLoading | kStale,
                                  .since = "1.0.0",
                                  .summary = "Changes the selected database.",
                                  .handler = CmdSelect};

// Checks a password for `user` against requirepass (the default user is the only one; without
// requirepass it takes any password, as Redis's "nopass" default user). A refusal is counted
// (INFO's acl_access_denied_auth). The password is never logged.
bool CheckPassword(CommandContext& ctx, std::string_view user, std::string_view password) {
  const std::string required = ctx.server.config().String(config::Id::kRequirepass);
  if (user == "default" && (required.empty() || password == required)) {
    return true;
  }
  if (ctx.client.stats != nullptr) {
    ctx.client.stats->acl_access_denied_auth.Add(1);
  }
  return false;
}

// AUTH [username] password: authenticates as the default user against requirepass.
Status CmdAuth(CommandContext& ctx) {
  if (ctx.args.size() > 3) {
    ctx.reply.Error(errors::kSyntax);
    return kError;
  }
  if (ctx.args.size() == 2 && ctx.server.config().String(config::Id::kRequirepass).empty()) {
    ctx.reply.Error(errors::kAuthNotConfigured);
    return kError;
  }
  const std::string_view user = ctx.args.size() == 3 ? ctx.args[1] : "default";
  if (CheckPassword(ctx, user, ctx.args.back())) {
    ctx.client.authenticated = true;
    ctx.reply.Ok();
    return kOk;
  }
  ctx.reply.Error(errors::kWrongPass);
  return kError;
}
constexpr CommandSpec kAuthSpec{
    .name = "auth",
    .arity = -2,
    .flags = kNoscript | kLoading | kStale | kFast | kNoAuth | kAllowBusy,
    .since = "1.0.0",
    .summary = "Authenticates the connection.",
    .handler = CmdAuth};

// HELLO [protover [AUTH username password] [SETNAME clientname]]: switches the protocol,
// optionally authenticating and naming the client, and describes the server.
Status CmdHello(CommandContext& ctx) {
  int64_t version = 0;
  if (ctx.args.size() >= 2) {
    if (!ParseInt64OrReply(ctx, ctx.args[1], &version, errors::kProtoVersionNotInteger)) {
      return kError;
    }
    if (version < 2 || version > 3) {
      ctx.reply.Error(errors::kNoProto);
      return kError;
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
        return kError;
      }
      name = ctx.args[i + 1];
      ++i;
    } else {
      ctx.reply.Error(errors::HelloSyntax(ctx.args[i]));
      return kError;
    }
  }
  if (credentials) {
    if (!CheckPassword(ctx, credentials->first, credentials->second)) {
      ctx.reply.Error(errors::kWrongPass);
      return kError;
    }
    ctx.client.authenticated = true;
  }
  if (!ctx.client.authenticated) {
    ctx.reply.Error(errors::kHelloNoAuth);
    return kError;
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
  return kOk;
}
constexpr CommandSpec kHelloSpec{
    .name = "hello",
    .arity = -1,
    .flags = kNoscript | kLoading | kStale | kFast | kNoAuth | kAllowBusy,
    .since = "6.0.0",
    .summary =
        "Switches the protocol version (2 or 3), optionally authenticating and naming the client.",
    .handler = CmdHello};

// ---- CLIENT ----------------------------------------------------------------------------------

// One CLIENT LIST line (no newline): Redis 7.0's fields, then 7.2's lib-name and lib-ver.
std::string ClientLine(const ClientState& client, const ConnectionFigures& figures,
                       int64_t now_ms) {
  std::string flags;
  if (client.monitor) {
    flags += 'O';
  }
  if (client.tx.active) {
    flags += 'x';
  }
  if (client.close_after_reply) {
    flags += 'c';
  }
  if (client.no_evict) {
    flags += 'e';
  }
  if (client.no_touch) {
    flags += 'T';
  }
  if (flags.empty()) {
    flags = "N";
  }
  const int64_t multi = client.tx.active ? static_cast<int64_t>(client.tx.queued.size()) : -1;
  return fmt::format(
      "id={} addr={} laddr={} fd={} name={} age={} idle={} flags={} db={} sub=0 psub=0 ssub=0 "
      "multi={} qbuf={} qbuf-free={} argv-mem=0 multi-mem=0 rbs={} rbp=0 obl=0 oll=0 omem={} "
      "tot-mem={} events={} cmd={} user=default redir=-1 resp={} lib-name={} lib-ver={}",
      client.id, client.peer_address, client.local_address, figures.fd, client.name,
      std::max<int64_t>(0, (now_ms - client.created_at_ms) / 1000), figures.idle_s, flags,
      client.db, multi, figures.query_buffer, figures.query_buffer_free, figures.output_buffer,
      figures.output_buffer, figures.total_memory, figures.writing ? "rw" : "r",
      client.last_command, client.resp_version, client.lib_name, client.lib_version);
}

// CLIENT ID: the connection's id.
Status CmdClientId(CommandContext& ctx) {
  ctx.reply.Integer(static_cast<int64_t>(ctx.client.id));
  return kOk;
}
constexpr CommandSpec kClientIdSpec{.name = "client|id",
                                    .arity = 2,
                                    .flags = kClientFlags,
                                    .since = "5.0.0",
                                    .summary = "Returns the connection's id.",
                                    .handler = CmdClientId};

// CLIENT SETNAME name: names the connection ("" removes the name).
Status CmdClientSetname(CommandContext& ctx) {
  if (!IsValidClientName(ctx.args[2])) {
    ctx.reply.Error(errors::kInvalidClientName);
    return kError;
  }
  ctx.client.name = std::string(ctx.args[2]);
  ctx.reply.Ok();
  return kOk;
}
constexpr CommandSpec kClientSetnameSpec{.name = "client|setname",
                                         .arity = 3,
                                         .flags = kClientFlags,
                                         .since = "2.6.9",
                                         .summary = "Names the connection.",
                                         .handler = CmdClientSetname};

// CLIENT GETNAME: the connection's name, or null.
Status CmdClientGetname(CommandContext& ctx) {
  ctx.client.name.empty() ? ctx.reply.NullBulk() : ctx.reply.Bulk(ctx.client.name);
  return kOk;
}
constexpr CommandSpec kClientGetnameSpec{.name = "client|getname",
                                         .arity = 2,
                                         .flags = kClientFlags,
                                         .since = "2.6.9",
                                         .summary = "Returns the connection's name.",
                                         .handler = CmdClientGetname};

// CLIENT SETINFO LIB-NAME|LIB-VER value: what the client library says it is (Redis 7.2).
Status CmdClientSetinfo(CommandContext& ctx) {
  const std::string_view attribute = ctx.args[2];
  std::string* target = nullptr;
  if (EqualsIgnoreCase(attribute, "lib-name")) {
    target = &ctx.client.lib_name;
  } else if (EqualsIgnoreCase(attribute, "lib-ver")) {
    target = &ctx.client.lib_version;
  } else {
    ctx.reply.Error(errors::UnrecognizedOption(attribute));
    return kError;
  }
  if (!IsValidClientName(ctx.args[3])) {
    ctx.reply.Error(errors::InvalidClientAttribute(attribute));
    return kError;
  }
  *target = std::string(ctx.args[3]);
  ctx.reply.Ok();
  return kOk;
}
constexpr CommandSpec kClientSetinfoSpec{.name = "client|setinfo",
                                         .arity = 4,
                                         .flags = kClientFlags,
                                         .since = "7.2.0",
                                         .summary = "Records the client library's name or version.",
                                         .handler = CmdClientSetinfo};

// CLIENT INFO: the CLIENT LIST line of this connection.
Status CmdClientInfo(CommandContext& ctx) {
  const ConnectionFigures figures = ctx.server.control() != nullptr
                                        ? ctx.server.control()->FiguresOf(ctx.client)
                                        : ConnectionFigures{};
  ctx.reply.Verbatim(ClientLine(ctx.client, figures, ctx.now_ms) + "\n");
  return kOk;
}
constexpr CommandSpec kClientInfoSpec{.name = "client|info",
                                      .arity = 2,
                                      .flags = kClientFlags,
                                      .since = "6.2.0",
                                      .summary = "Describes the connection.",
                                      .handler = CmdClientInfo};

// Client types as CLIENT LIST/KILL TYPE name them; every client of ours is "normal".
enum class ClientType { kNormal, kOther, kUnknown };
ClientType ParseClientType(std::string_view name) {
  if (EqualsIgnoreCase(name, "normal")) {
    return ClientType::kNormal;
  }
  if (EqualsIgnoreCase(name, "master") || EqualsIgnoreCase(name, "replica") ||
      EqualsIgnoreCase(name, "slave") || EqualsIgnoreCase(name, "pubsub")) {
    return ClientType::kOther;
  }
  return ClientType::kUnknown;
}

// Visits every client (only this thread's inside EXEC: other threads may be waiting for the
// shard locks the transaction holds). Without a ServerControl (unit tests), just the caller.
void ForEachClient(CommandContext& ctx, const std::function<void(ClientHandle&)>& visit) {
  if (ctx.server.control() == nullptr) {
    class Self final : public ClientHandle {
     public:
      explicit Self(const ClientState& state) : state_(state) {}
      const ClientState& state() const override { return state_; }
      ConnectionFigures figures() const override { return {}; }
      void Kill() override {}

     private:
      const ClientState& state_;
    } self(ctx.client);
    visit(self);
    return;
  }
  ctx.server.control()->ForEachClient(visit, /*local_only=*/ctx.client.tx.executing);
}

// CLIENT LIST [TYPE type | ID id [id ...]]: one line per client, by id.
Status CmdClientList(CommandContext& ctx) {
  bool none = false;
  std::vector<int64_t> ids;
  if (ctx.args.size() == 4 && EqualsIgnoreCase(ctx.args[2], "type")) {
    const ClientType type = ParseClientType(ctx.args[3]);
    if (type == ClientType::kUnknown) {
      ctx.reply.Error(errors::UnknownClientType(ctx.args[3]));
      return kError;
    }
    none = type != ClientType::kNormal;
  } else if (ctx.args.size() > 3 && EqualsIgnoreCase(ctx.args[2], "id")) {
    for (size_t i = 3; i < ctx.args.size(); ++i) {
      int64_t id = 0;
      if (!util::ParseInt64(ctx.args[i], &id)) {
        ctx.reply.Error(errors::kInvalidClientId);
        return kError;
      }
      ids.push_back(id);
    }
  } else if (ctx.args.size() != 2) {
    ctx.reply.Error(errors::kSyntax);
    return kError;
  }
  std::mutex mutex;
  std::vector<std::pair<uint64_t, std::string>> lines;
  if (!none) {
    ForEachClient(ctx, [&](ClientHandle& handle) {
      const ClientState& client = handle.state();
      if (!ids.empty() &&
          std::find(ids.begin(), ids.end(), static_cast<int64_t>(client.id)) == ids.end()) {
        return;
      }
      std::string line = ClientLine(client, handle.figures(), ctx.now_ms);
      std::lock_guard lock(mutex);
      lines.emplace_back(client.id, std::move(line));
    });
  }
  std::sort(lines.begin(), lines.end());
  std::string text;
  for (const auto& [id, line] : lines) {
    text += line;
    text += '\n';
  }
  ctx.reply.Verbatim(text);
  return kOk;
}
constexpr CommandSpec kClientListSpec{.name = "client|list",
                                      .arity = -2,
                                      .flags = kClientAdminFlags,
                                      .since = "2.4.0",
                                      .summary = "Describes every connection.",
                                      .handler = CmdClientList};

// CLIENT KILL addr | CLIENT KILL [ID id] [TYPE type] [ADDR addr] [LADDR addr] [USER user]
// [SKIPME yes|no] ...: closes the matching clients. The old form replies OK (or "No such
// client"), the new one the number killed. A client that kills itself gets its reply first.
Status CmdClientKill(CommandContext& ctx) {
  struct Filter {
    std::optional<uint64_t> id;
    std::optional<std::string_view> addr, laddr;
    bool other_type = false;
    bool skip_me = true;
  } filter;
  const bool old_form = ctx.args.size() == 3;
  if (old_form) {
    filter.addr = ctx.args[2];
    filter.skip_me = false;
  } else {
    for (size_t i = 2; i < ctx.args.size(); i += 2) {
      const std::string_view option = ctx.args[i];
      if (i + 1 >= ctx.args.size()) {
        ctx.reply.Error(errors::kSyntax);
        return kError;
      }
      const std::string_view value = ctx.args[i + 1];
      if (EqualsIgnoreCase(option, "id")) {
        int64_t id = 0;
        if (!util::ParseInt64(value, &id) || id < 1) {
          ctx.reply.Error(errors::kClientIdNotPositive);
          return kError;
        }
        filter.id = static_cast<uint64_t>(id);
      } else if (EqualsIgnoreCase(option, "type")) {
        const ClientType type = ParseClientType(value);
        if (type == ClientType::kUnknown) {
          ctx.reply.Error(errors::UnknownClientType(value));
          return kError;
        }
        filter.other_type = type != ClientType::kNormal;
      } else if (EqualsIgnoreCase(option, "addr")) {
        filter.addr = value;
      } else if (EqualsIgnoreCase(option, "laddr")) {
        filter.laddr = value;
      } else if (EqualsIgnoreCase(option, "user")) {
        if (value != "default") {
          ctx.reply.Error(errors::NoSuchUser(value));
          return kError;
        }
      } else if (EqualsIgnoreCase(option, "skipme")) {
        if (EqualsIgnoreCase(value, "yes")) {
          filter.skip_me = true;
        } else if (EqualsIgnoreCase(value, "no")) {
          filter.skip_me = false;
        } else {
          ctx.reply.Error(errors::kSyntax);
          return kError;
        }
      } else {
        ctx.reply.Error(errors::kSyntax);
        return kError;
      }
    }
  }
  std::mutex mutex;
  int64_t killed = 0;
  bool killed_self = false;
  if (!filter.other_type) {
    const uint64_t self_id = ctx.client.id;
    ForEachClient(ctx, [&](ClientHandle& handle) {
      const ClientState& client = handle.state();
      if ((filter.id && client.id != *filter.id) ||
          (filter.addr && client.peer_address != *filter.addr) ||
          (filter.laddr && client.local_address != *filter.laddr) ||
          (filter.skip_me && client.id == self_id)) {
        return;
      }
      if (client.id == self_id) {
        killed_self = true;  // on this thread: closed after the reply
      } else {
        handle.Kill();
      }
      std::lock_guard lock(mutex);
      ++killed;
    });
  }
  if (killed_self) {
    ctx.client.close_after_reply = true;
  }
  if (!old_form) {
    ctx.reply.Integer(killed);
  } else if (killed == 0) {
    ctx.reply.Error(errors::kNoSuchClient);
    return kError;
  } else {
    ctx.reply.Ok();
  }
  return kOk;
}
constexpr CommandSpec kClientKillSpec{.name = "client|kill",
                                      .arity = -3,
                                      .flags = kClientAdminFlags,
                                      .since = "2.4.0",
                                      .summary = "Closes connections by id, address, type or user.",
                                      .handler = CmdClientKill};

// Reads ON|OFF for CLIENT NO-EVICT / NO-TOUCH; a syntax error reply otherwise.
bool ParseOnOff(CommandContext& ctx, std::string_view text, bool* on) {
  if (EqualsIgnoreCase(text, "on")) {
    *on = true;
  } else if (EqualsIgnoreCase(text, "off")) {
    *on = false;
  } else {
    ctx.reply.Error(errors::kSyntax);
    return false;
  }
  return true;
}

// CLIENT NO-EVICT ON|OFF: exempts the client from client eviction (which Cachette never does).
Status CmdClientNoEvict(CommandContext& ctx) {
  if (!ParseOnOff(ctx, ctx.args[2], &ctx.client.no_evict)) {
    return kError;
  }
  ctx.reply.Ok();
  return kOk;
}
constexpr CommandSpec kClientNoEvictSpec{
    .name = "client|no-evict",
    .arity = 3,
    .flags = kClientAdminFlags,
    .since = "7.0.0",
    .summary = "Sets the connection's client-eviction exemption.",
    .handler = CmdClientNoEvict};

// CLIENT NO-TOUCH ON|OFF: the client's reads stop updating keys' LRU/LFU data (Redis 7.2).
Status CmdClientNoTouch(CommandContext& ctx) {
  if (!ParseOnOff(ctx, ctx.args[2], &ctx.client.no_touch)) {
    return kError;
  }
  ctx.reply.Ok();
  return kOk;
}
constexpr CommandSpec kClientNoTouchSpec{
    .name = "client|no-touch",
    .arity = 3,
    .flags = kClientFlags,
    .since = "7.2.0",
    .summary = "Stops or resumes the connection's reads touching keys' LRU/LFU data.",
    .handler = CmdClientNoTouch};

// CLIENT REPLY ON|OFF|SKIP: ON replies OK; OFF and SKIP reply nothing (the dispatcher drops
// the replies while they are in force).
Status CmdClientReply(CommandContext& ctx) {
  const std::string_view mode = ctx.args[2];
  if (EqualsIgnoreCase(mode, "on")) {
    ctx.client.reply_off = ctx.client.reply_skip = false;
    ctx.reply.Ok();
  } else if (EqualsIgnoreCase(mode, "off")) {
    ctx.client.reply_off = true;
  } else if (EqualsIgnoreCase(mode, "skip")) {
    if (!ctx.client.reply_off) {
      ctx.client.reply_skip_next = true;
    }
  } else {
    ctx.reply.Error(errors::kSyntax);
    return kError;
  }
  return kOk;
}
constexpr CommandSpec kClientReplySpec{
    .name = "client|reply",
    .arity = 3,
    .flags = kClientFlags,
    .since = "3.2.0",
    .summary = "Turns the connection's replies on, off, or off for the next command.",
    .handler = CmdClientReply};

// CLIENT PAUSE timeout [WRITE|ALL]: holds back every command (ALL, the default) or those that
// may write (WRITE) of every client for `timeout` milliseconds; active expiry stops meanwhile.
// A second pause only lengthens the pause and only widens its mode, as Redis does.
Status CmdClientPause(CommandContext& ctx) {
  if (ctx.args.size() > 4) {
    ctx.reply.Error(errors::SubcommandSyntax("CLIENT", ctx.args[1]));
    return kError;
  }
  int64_t timeout = 0;
  if (!util::ParseInt64(ctx.args[2], &timeout)) {
    ctx.reply.Error(errors::kTimeoutNotInteger);
    return kError;
  }
  if (timeout < 0) {
    ctx.reply.Error(errors::kTimeoutNegative);
    return kError;
  }
  ClientPause::Mode mode = ClientPause::kAll;
  if (ctx.args.size() == 4) {
    if (EqualsIgnoreCase(ctx.args[3], "write")) {
      mode = ClientPause::kWrite;
    } else if (!EqualsIgnoreCase(ctx.args[3], "all")) {
      ctx.reply.Error(errors::kPauseMode);
      return kError;
    }
  }
  const int64_t end = timeout > INT64_MAX - ctx.now_ms ? INT64_MAX : ctx.now_ms + timeout;
  ctx.server.pause().Pause(mode, end, ctx.now_ms);
  ctx.reply.Ok();
  return kOk;
}
constexpr CommandSpec kClientPauseSpec{
    .name = "client|pause",
    .arity = -3,
    .flags = kClientAdminFlags,
    .since = "3.0.0",
    .summary = "Holds back clients' commands (all, or writes) for a while.",
    .handler = CmdClientPause};

// CLIENT UNPAUSE: ends a pause at once.
Status CmdClientUnpause(CommandContext& ctx) {
  ctx.server.pause().Unpause();
  ctx.reply.Ok();
  return kOk;
}
constexpr CommandSpec kClientUnpauseSpec{.name = "client|unpause",
                                         .arity = 2,
                                         .flags = kClientAdminFlags,
                                         .since = "6.2.0",
                                         .summary = "Ends a CLIENT PAUSE.",
                                         .handler = CmdClientUnpause};

// CLIENT GETREDIR: -1 (no client tracking).
Status CmdClientGetredir(CommandContext& ctx) {
  ctx.reply.Integer(-1);
  return kOk;
}
constexpr CommandSpec kClientGetredirSpec{
    .name = "client|getredir",
    .arity = 2,
    .flags = kClientFlags,
    .since = "6.0.0",
    .summary = "Returns the tracking redirection id (always -1).",
    .handler = CmdClientGetredir};

Status CmdClientHelp(CommandContext& ctx) {
  ReplyHelp(ctx, "CLIENT",
            {"GETREDIR",
             "    Return -1 (client tracking is not supported).",
             "GETNAME",
             "    Return the name of the current connection.",
             "ID",
             "    Return the ID of the current connection.",
             "INFO",
             "    Return information about the current client connection.",
             "KILL <ip:port>",
             "    Kill connection made from <ip:port>.",
             "KILL <option> <value> [<option> <value> [...]]",
             "    Kill connections. Options are:",
             "    * ADDR (<ip:port>|<unixsocket>:0)",
             "      Kill connections made from the specified address",
             "    * LADDR (<ip:port>|<unixsocket>:0)",
             "      Kill connections made to specified local address",
             "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
             "      Kill connections by type.",
             "    * USER <username>",
             "      Kill connections authenticated by <username>.",
             "    * SKIPME (YES|NO)",
             "      Skip killing current connection (default: yes).",
             "LIST [options ...]",
             "    Return information about client connections. Options:",
             "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
             "      Return clients of specified type.",
             "UNPAUSE",
             "    Stop the current client pause, resuming traffic.",
             "PAUSE <timeout> [WRITE|ALL]",
             "    Suspend all, or just write, clients for <timeout> milliseconds.",
             "REPLY (ON|OFF|SKIP)",
             "    Control the replies sent to the current connection.",
             "SETNAME <name>",
             "    Assign the name <name> to the current connection.",
             "SETINFO <option> <value>",
             "    Set client meta attr. Options are: LIB-NAME, LIB-VER.",
             "NO-EVICT (ON|OFF)",
             "    Protect current client connection from eviction.",
             "NO-TOUCH (ON|OFF)",
             "    Will not touch LRU/LFU stats when this mode is on."});
  return kOk;
}
constexpr CommandSpec kClientHelpSpec{.name = "client|help",
                                      .arity = 2,
                                      .flags = kLoading | kStale,
                                      .since = "5.0.0",
                                      .summary = "Shows what CLIENT's subcommands do.",
                                      .handler = CmdClientHelp};

// RESET: back to a fresh connection's state (Redis 7's clearClientConnectionState): MULTI
// discarded, keys unwatched, database 0, RESP2, CLIENT REPLY ON, no name, out of MONITOR,
// authenticated only when no password is required. Replies +RESET.
Status CmdReset(CommandContext& ctx) {
  ClientState& client = ctx.client;
  DiscardTransaction(ctx.server, client);
  UnwatchAll(ctx.server, client);
  client.db = 0;
  client.resp_version = 2;
  ctx.reply.set_resp_version(2);
  client.authenticated = ctx.server.config().String(config::Id::kRequirepass).empty();
  client.name.clear();
  client.reply_off = client.reply_skip = client.reply_skip_next = false;
  client.no_evict = client.no_touch = false;
  if (client.monitor) {
    client.monitor = false;
    if (ctx.server.control() != nullptr) {
      ctx.server.control()->StopMonitor(client);
    }
  }
  ctx.reply.SimpleString("RESET");
  return kOk;
}
constexpr CommandSpec kResetSpec{
    .name = "reset",
    .arity = 1,
    .flags = kNoscript | kLoading | kStale | kFast | kNoAuth | kAllowBusy | kNotQueued,
    .since = "6.2.0",
    .summary = "Resets the connection's state.",
    .handler = CmdReset};

constexpr CommandFamily kConnectionFamily{.group = "connection", .acl_category = kAclConnection};

constexpr auto kClientSubcommands = kConnectionFamily.Rows({
    kClientIdSpec,
    kClientSetnameSpec,
    kClientGetnameSpec,
    kClientSetinfoSpec,
    kClientInfoSpec,
    kClientListSpec,
    kClientKillSpec,
    kClientPauseSpec,
    kClientUnpauseSpec,
    kClientNoEvictSpec,
    kClientNoTouchSpec,
    kClientReplySpec,
    kClientGetredirSpec,
    kClientHelpSpec,
});

constexpr CommandSpec kClientSpec{.name = "client",
                                  .arity = -2,
                                  .flags = kKeepsReplySkip,
                                  .since = "2.4.0",
                                  .summary = "Client connection commands.",
                                  .subcommands = kClientSubcommands};

constexpr auto kConnectionCommands = kConnectionFamily.Rows({
    kPingSpec,
    kEchoSpec,
    kQuitSpec,
    kSelectSpec,
    kAuthSpec,
    kHelloSpec,
    kClientSpec,
    kResetSpec,
});

}  // namespace

std::span<const CommandSpec> ConnectionFamily() { return kConnectionCommands; }

}  // namespace cachette::commands::detail
