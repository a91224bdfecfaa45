#pragma once

// Argument trees for COMMAND DOCS, in Redis's terms (name, type, token, flags, nested
// arguments), from which redis-cli 7 builds its hints, and COMMAND INFO's tips and key
// specifications. The build generates command_arguments.cc (in the build tree) from
// src/commands/data/ for exactly the commands of the compiled table (scripts/gen-command-args;
// CMakeLists.txt has the steps).

#include <cstdint>
#include <span>
#include <string_view>

namespace cachette::commands::detail {

enum ArgumentFlag : uint8_t {
  kArgOptional = 1,
  kArgMultiple = 2,
  kArgMultipleToken = 4,
};

struct ArgumentSpec {
  std::string_view name;
  std::string_view type;  // "key", "string", "integer", "pure-token", "oneof", "block", ...
  int key_spec_index;     // -1 unless type is "key"
  std::string_view token;
  std::string_view summary;
  std::string_view since;
  std::string_view deprecated_since;
  uint8_t flags;                            // ArgumentFlag bits
  std::span<const ArgumentSpec> arguments;  // for "oneof" and "block"
};

// The arguments of a command ("set") or subcommand ("client|kill"); empty when it has none.
std::span<const ArgumentSpec> CommandArguments(std::string_view full_name);

// One element of a generic reply (COMMAND INFO's tips and key specifications), as Redis 7.0
// sends it: an aggregate has `count` elements (pairs, for a map) in `children`.
struct ReplyNode {
  enum Kind : uint8_t { kBulk, kSimple, kInt, kArray, kSet, kMap } kind;
  std::string_view text;
  int64_t number;
  size_t count;
  std::span<const ReplyNode> children;
};

struct CommandInfoExtras {
  std::span<const ReplyNode> tips;       // bulk strings ("nondeterministic_output")
  std::span<const ReplyNode> key_specs;  // maps (flags, begin_search, find_keys)
};

// COMMAND INFO's tips and key specifications of a command or subcommand, as Redis 7.0 gives
// them (empty for a command Redis does not have).
CommandInfoExtras CommandInfoFor(std::string_view full_name);

}  // namespace cachette::commands::detail
