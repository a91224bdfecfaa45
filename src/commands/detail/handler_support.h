#pragma once

// Small helpers shared by the command families: argument parsing with Redis's error replies.

#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>

#include "cachette/commands/command_context.h"
#include "cachette/commands/command_spec.h"
#include "cachette/protocol/errors.h"
#include "cachette/store/store.h"

namespace cachette::commands::detail {

// The Redis version we answer to clients that parse it (INFO's redis_version, HELLO's version);
// ours is cachette_version.
inline constexpr std::string_view kRedisCompatibleVersion = "7.0.15";

bool EqualsIgnoreCase(std::string_view a, std::string_view b);

// Redis's rule for client names (CLIENT SETNAME, HELLO SETNAME): printable ASCII, no spaces.
bool IsValidClientName(std::string_view name);

// Whether the client connects from loopback, as Redis's islocalClient: its peer address is
// exactly 127.0.0.1 or ::1 ("ip:port" or "[ip]:port" as ClientState::peer_address holds it).
bool IsLocalPeer(std::string_view peer_address);

// enable-debug-command / enable-protected-configs (a config::ProtectedAction value): whether
// this client may run DEBUG / CONFIG SET a protected directive (Redis's allowProtectedAction).
bool ProtectedActionAllowed(int64_t setting, const ClientState& client);

// Parses an integer with Redis's rules; on failure replies `error` and returns false.
bool ParseInt64OrReply(CommandContext& ctx, std::string_view text, int64_t* out,
                       std::string_view error = protocol::errors::kNotInteger);

// Parses an integer that must fit in 32 bits (Redis's getIntFromObjectOrReply). On failure
// replies `error` when given, else Redis's not-an-integer or out-of-range text.
bool ParseInt32OrReply(CommandContext& ctx, std::string_view text, int64_t* out,
                       std::string_view error = {});

// Whether what the handler wrote since `reply_start` is an error reply: for a reply the handler
// passes through rather than composes (a script's result).
inline bool ReplyIsError(const CommandContext& ctx, size_t reply_start) {
  const std::string& out = *ctx.reply.buffer();
  return out.size() > reply_start && out[reply_start] == '-';
}

// A HELP subcommand's reply: "<CONTAINER> <subcommand> [<arg> [value] [opt] ...]. Subcommands
// are:", the given lines, then HELP's own two lines (Redis's addReplyHelp).
void ReplyHelp(CommandContext& ctx, std::string_view container,
               std::initializer_list<std::string_view> lines);

// Reads options one at a time with a sticky error, so a handler checks once at the end:
//   OptionReader r(ctx.args, 3); while (r.HasMore()) { if (r.Take("NX")) ...; else r.Fail(); }
class OptionReader {
 public:
  OptionReader(std::span<const std::string_view> args, size_t start) : args_(args), pos_(start) {}

  bool HasMore() const { return ok_ && pos_ < args_.size(); }
  // Consumes the next argument when it equals `token` (any case).
  bool Take(std::string_view token);
  // The next argument, consumed; fails (syntax error) when there is none.
  std::string_view Next();
  size_t Remaining() const { return args_.size() - pos_; }
  void Fail(std::string_view error = protocol::errors::kSyntax) {
    if (ok_) {
      ok_ = false;
      error_ = error;
    }
  }
  bool ok() const { return ok_; }
  std::string_view error() const { return error_; }

 private:
  std::span<const std::string_view> args_;
  size_t pos_;
  bool ok_ = true;
  std::string_view error_;
};

// A string value's encoding as Redis names it ("int", "embstr", "raw"); *integer is set for
// "int" (generic_family.cc, shared with DEBUG OBJECT).
std::string_view ValueEncoding(std::string_view value, int64_t* integer);
// Whether Redis would share small integers (refcount INT_MAX) under the current policy.
bool SharesSmallIntegers(const CommandContext& ctx);

// One family's rows, defined in its <group>_family.cc.
std::span<const CommandSpec> ConnectionFamily();
std::span<const CommandSpec> StringFamily();
std::span<const CommandSpec> GenericFamily();
std::span<const CommandSpec> ServerFamily();
std::span<const CommandSpec> TransactionsFamily();
std::span<const CommandSpec> ScriptingFamily();
std::span<const CommandSpec> ServerDiagnosticsFamily();
std::span<const CommandSpec> CachetteFamily();

}  // namespace cachette::commands::detail
