#pragma once

// The table of every command, filled once at start-up by RegisterAllFamilies (families.cc)
// and read-only afterwards, so lookups need no lock. Names are matched case-insensitively.

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "cachette/commands/command_spec.h"

namespace cachette::commands {

class CommandTable {
 public:
  // Adds a family's rows. A name registered twice is a programming error (aborts).
  void Register(std::span<const CommandSpec> specs);

  // The spec for a command name in any case, or nullptr.
  const CommandSpec* Find(std::string_view name) const;
  // The subcommand of a container spec, in any case, or nullptr.
  static const CommandSpec* FindSubcommand(const CommandSpec& container, std::string_view name);

  // Every top-level spec, in registration order.
  const std::vector<const CommandSpec*>& all() const { return ordered_; }

 private:
  // Open addressing over a case-folded hash of the name: a lookup folds and hashes the name
  // once and compares it case-insensitively, with no allocation (it runs for every command).
  struct Slot {
    uint64_t hash = 0;
    const CommandSpec* spec = nullptr;
  };
  static uint64_t FoldedHash(std::string_view name);
  void Rehash(size_t capacity);

  std::vector<Slot> slots_;
  std::vector<const CommandSpec*> ordered_;
};

// Registers every command family (one line each in families.cc).
void RegisterAllFamilies(CommandTable& table);

}  // namespace cachette::commands
