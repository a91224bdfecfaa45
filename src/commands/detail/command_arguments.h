#pragma once

// Argument trees for COMMAND DOCS, in Redis's terms (name, type, token, flags, nested
// arguments); redis-cli 7 builds its hints from them. The table is generated from
// redis-server's own COMMAND DOCS (scripts/gen-command-args) into command_arguments.cc.

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

}  // namespace cachette::commands::detail
