#pragma once

// One row per command: name, arity, flags, key positions, ACL categories, a summary, and its
// handler. The dispatcher, COMMAND INFO/DOCS/COUNT and docs/commands.md all read these rows;
// each family file declares its rows beside its handlers.

#include <cstdint>
#include <span>
#include <string_view>

namespace cachette::commands {

class CommandContext;
using Handler = void (*)(CommandContext& ctx);

// Command flags with Redis's names (COMMAND INFO shows them).
enum CommandFlag : uint32_t {
  kWrite = 1u << 0,
  kReadonly = 1u << 1,
  kDenyOom = 1u << 2,
  kAdmin = 1u << 3,
  kNoscript = 1u << 4,
  kLoading = 1u << 5,
  kStale = 1u << 6,
  kFast = 1u << 7,
  kNoAuth = 1u << 8,
  kAllowBusy = 1u << 9,
  kNoMulti = 1u << 10,
  kSkipSlowlog = 1u << 11,
  kSkipMonitor = 1u << 12,
  kNoMandatoryKeys = 1u << 13,
  // COMMAND INFO's "movablekeys": the keys are found by the command's own rule (EVAL's
  // numkeys), not by first/last/step.
  kMovableKeys = 1u << 14,
  // Redis's CMD_PROTECTED (not shown by COMMAND in 7.0): DEBUG, refused unless
  // enable-debug-command allows the client.
  kProtected = 1u << 15,
  // Ours, not shown by COMMAND: runs at once inside MULTI instead of being queued (EXEC,
  // DISCARD, MULTI, WATCH, QUIT, RESET, as Redis treats them).
  kNotQueued = 1u << 16,
};

struct CommandSpec {
  std::string_view name;  // lower case; "config|get" for a subcommand
  int arity;              // Redis's rule: N exactly N arguments (name included), -N at least N
  uint32_t flags;
  int first_key;  // 0 when the command takes no key
  int last_key;   // -1: the last argument
  int key_step;
  std::string_view acl_categories;  // "@read @string @fast"
  std::string_view group;           // Redis's command group: "string", "generic", ...
  std::string_view since;           // the Redis version that introduced it
  std::string_view summary;         // one line, our own words
  Handler handler;                  // null for a container whose subcommands do the work
  std::span<const CommandSpec> subcommands = {};
};

}  // namespace cachette::commands
