#include "handler_support.h"

#include <fmt/format.h>

#include <limits>

#include "cachette/config/config.h"
#include "cachette/util/numbers.h"

namespace cachette::commands::detail {

bool IsLocalPeer(std::string_view peer_address) {
  const size_t colon = peer_address.rfind(':');
  if (colon == std::string_view::npos) {
    return false;
  }
  const std::string_view ip = peer_address.substr(0, colon);
  return ip == "127.0.0.1" || ip == "[::1]";
}

bool ProtectedActionAllowed(int64_t setting, const ClientState& client) {
  using config::ProtectedAction;
  return setting == static_cast<int64_t>(ProtectedAction::kYes) ||
         (setting == static_cast<int64_t>(ProtectedAction::kLocal) &&
          IsLocalPeer(client.peer_address));
}

bool IsValidClientName(std::string_view name) {
  for (char c : name) {
    if (c < '!' || c > '~') {
      return false;
    }
  }
  return true;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  // ASCII folding only, as Redis's strcasecmp in the C locale; no libc call per byte.
  for (size_t i = 0; i < a.size(); ++i) {
    const unsigned char x = static_cast<unsigned char>(a[i]);
    const unsigned char y = static_cast<unsigned char>(b[i]);
    if (x != y && ((x | 0x20) != (y | 0x20) || (x | 0x20) < 'a' || (x | 0x20) > 'z')) {
      return false;
    }
  }
  return true;
}

bool ParseInt64OrReply(CommandContext& ctx, std::string_view text, int64_t* out,
                       std::string_view error) {
  if (util::ParseInt64(text, out)) {
    return true;
  }
  ctx.reply.Error(error);
  return false;
}

bool ParseInt32OrReply(CommandContext& ctx, std::string_view text, int64_t* out,
                       std::string_view error) {
  if (!util::ParseInt64(text, out)) {
    ctx.reply.Error(error.empty() ? protocol::errors::kNotInteger : error);
    return false;
  }
  if (*out < std::numeric_limits<int32_t>::min() || *out > std::numeric_limits<int32_t>::max()) {
    ctx.reply.Error(error.empty() ? protocol::errors::kIntOutOfRange : error);
    return false;
  }
  return true;
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

bool OptionReader::Take(std::string_view token) {
  if (ok_ && pos_ < args_.size() && EqualsIgnoreCase(args_[pos_], token)) {
    ++pos_;
    return true;
  }
  return false;
}

std::string_view OptionReader::Next() {
  if (!ok_ || pos_ >= args_.size()) {
    Fail();
    return {};
  }
  return args_[pos_++];
}

}  // namespace cachette::commands::detail
