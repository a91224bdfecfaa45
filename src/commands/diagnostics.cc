// MONITOR lines and the redaction of credentials (diagnostics.h).

#include "cachette/commands/diagnostics.h"

#include <fmt/format.h>

#include <algorithm>

#include "cachette/commands/client_state.h"
#include "cachette/commands/command_spec.h"
#include "cachette/util/split_args.h"
#include "detail/handler_support.h"

namespace cachette::commands {

namespace {
constexpr std::string_view kRedacted = "(redacted)";

}  // namespace

std::vector<std::string_view> RedactedArguments(const CommandSpec& spec,
                                                std::span<const std::string_view> args) {
  std::vector<std::string_view> out(args.begin(), args.end());
  if (spec.name == "auth") {
    for (size_t i = 1; i < out.size(); ++i) {
      out[i] = kRedacted;
    }
  } else if (spec.name == "hello") {
    for (size_t i = 2; i + 2 < out.size(); ++i) {
      if (detail::EqualsIgnoreCase(out[i], "AUTH")) {
        out[i + 1] = out[i + 2] = kRedacted;
        i += 2;
      }
    }
  }
  return out;
}

std::string MonitorLine(const ClientState& client, const CommandSpec& spec,
                        std::span<const std::string_view> args, int64_t time_us) {
  std::string line = fmt::format("+{}.{:06} [{} {}]", time_us / 1000000, time_us % 1000000,
                                 client.db, client.peer_address);
  for (std::string_view arg : RedactedArguments(spec, args)) {
    line += ' ';
    util::AppendQuoted(&line, arg);
  }
  line += "\r\n";
  return line;
}

}  // namespace cachette::commands
