#pragma once

// One row per command: name, arity, flags, key positions, ACL categories, a summary, and its
// handler. The dispatcher, COMMAND INFO/DOCS/COUNT and docs/commands.md all read these rows;
// each family file declares a row beside each handler and collects them with its
// CommandFamily, which adds the family's group and ACL category and the categories Redis
// derives from the flags (setImplicitACLCategories), so a row names only what is its own.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace cachette::commands {

class CommandContext;

// What a handler tells the dispatcher: kError when its reply is an error (Redis counts the call
// in failed_calls and the error in errorstats), kOk otherwise. A handler returns kError exactly
// when it wrote an error reply.
enum [[nodiscard]] Status : uint8_t{kOk, kError};
using Handler = Status (*)(CommandContext& ctx);

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
  // Ours, not shown by COMMAND: the dispatcher's special cases, which Redis makes by comparing
  // command procedures.
  // EXEC: runs the client's queue, so a refusal discards the transaction (EXECABORT), the OOM
  // check and CLIENT PAUSE WRITE consider the queued commands.
  kRunsQueue = 1u << 17,
  // TOUCH: updates keys' recency even for a CLIENT NO-TOUCH client.
  kTouchesAlways = 1u << 18,
  // CLIENT: does not end a CLIENT REPLY SKIP (Redis's resetClient keeps the flag after CLIENT).
  kKeepsReplySkip = 1u << 19,
};

// ACL categories, in the order of Redis's category table (COMMAND INFO lists a command's
// categories in this order).
enum AclCategory : uint32_t {
  kAclKeyspace = 1u << 0,
  kAclRead = 1u << 1,
  kAclWrite = 1u << 2,
  kAclSet = 1u << 3,
  kAclSortedSet = 1u << 4,
  kAclList = 1u << 5,
  kAclHash = 1u << 6,
  kAclString = 1u << 7,
  kAclBitmap = 1u << 8,
  kAclHyperLogLog = 1u << 9,
  kAclGeo = 1u << 10,
  kAclStream = 1u << 11,
  kAclPubsub = 1u << 12,
  kAclAdmin = 1u << 13,
  kAclFast = 1u << 14,
  kAclSlow = 1u << 15,
  kAclBlocking = 1u << 16,
  kAclDangerous = 1u << 17,
  kAclConnection = 1u << 18,
  kAclTransaction = 1u << 19,
  kAclScripting = 1u << 20,
};
inline constexpr size_t kAclCategoryCount = 21;

// Redis's names of the categories, by bit position ("keyspace", "read", ...).
std::string_view AclCategoryName(size_t bit);

// Redis's setImplicitACLCategories: write -> @write; readonly -> @read unless the command is
// in @scripting; admin -> @admin @dangerous; fast -> @fast; and @slow for what is not @fast.
constexpr uint32_t WithImplicitAclCategories(uint32_t flags, uint32_t categories) {
  if ((flags & kWrite) != 0) {
    categories |= kAclWrite;
  }
  if ((flags & kReadonly) != 0 && (categories & kAclScripting) == 0) {
    categories |= kAclRead;
  }
  if ((flags & kAdmin) != 0) {
    categories |= kAclAdmin | kAclDangerous;
  }
  if ((flags & kFast) != 0) {
    categories |= kAclFast;
  }
  if ((categories & kAclFast) == 0) {
    categories |= kAclSlow;
  }
  return categories;
}

// first, last, step as COMMAND INFO reports them: {1, 1, 1} one key at argument 1; last -1 is
// the last argument; {0, 0, 0} no key.
struct KeyPositions {
  int first = 0;
  int last = 0;
  int step = 0;
};

struct CommandSpec {
  std::string_view name;  // lower case; "config|get" for a subcommand
  int arity = 0;          // Redis's rule: N exactly N arguments (name included), -N at least N
  uint32_t flags = 0;     // CommandFlag bits
  KeyPositions keys = {};
  // In a row: the categories of its own (AclCategory bits) beyond its family's and those the
  // flags imply. In the table (after CommandFamily::Rows): every category of the command.
  uint32_t acl_categories = 0;
  std::string_view since;     // the Redis version that introduced it
  std::string_view summary;   // one line, our own words
  Handler handler = nullptr;  // null for a container whose subcommands do the work
  std::span<const CommandSpec> subcommands = {};
  std::string_view group = {};  // Redis's command group, set by CommandFamily::Rows
};

// A family of commands (one Redis command group): its group name, and the ACL category every
// command of it with a handler carries (Redis gives a bare container such as CLIENT only
// @slow). Rows() turns a family's rows into its table.
struct CommandFamily {
  std::string_view group;
  uint32_t acl_category = 0;

  template <size_t N>
  consteval std::array<CommandSpec, N> Rows(const CommandSpec (&rows)[N]) const {
    std::array<CommandSpec, N> table{};
    for (size_t i = 0; i < N; ++i) {
      table[i] = rows[i];
      table[i].group = group;
      const uint32_t own =
          rows[i].acl_categories | (rows[i].handler != nullptr ? acl_category : 0u);
      table[i].acl_categories = WithImplicitAclCategories(rows[i].flags, own);
    }
    return table;
  }
};

}  // namespace cachette::commands
