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
  // The same, also giving the spec's index (see spec_count).
  const CommandSpec* Find(std::string_view name, size_t* index) const;
  // The subcommand of a container spec, in any case, or nullptr.
  static const CommandSpec* FindSubcommand(const CommandSpec& container, std::string_view name);

  // Every top-level spec, in registration order.
  const std::vector<const CommandSpec*>& all() const { return ordered_; }

  // Every spec, subcommands included, has an index in [0, spec_count()), for per-command
  // arrays (INFO commandstats): a container's subcommands follow it, in their order, so the
  // subcommand at position p of the container at index i has index i + 1 + p.
  size_t spec_count() const { return indexed_.size(); }
  const CommandSpec& spec_at(size_t index) const { return *indexed_[index]; }
  static size_t SubcommandIndex(const CommandSpec& container, size_t container_index,
                                const CommandSpec* sub) {
    return container_index + 1 + static_cast<size_t>(sub - container.subcommands.data());
  }

 private:
  // Open addressing: a name of up to 16 bytes is two words (its first and last 8, 4 or 2
  // bytes, which cover it all), hashed with bit 5 of every byte set (ASCII case) and compared
  // whole: a byte must equal the spec's but for bit 5 where the spec has a letter. So a
  // lookup is a few loads, a multiplication and two comparisons; longer names are also
  // compared byte by byte.
  struct Slot {
    uint64_t head = 0;  // the spec name's words
    uint64_t tail = 0;
    uint64_t head_mask = 0;  // the bits that must match: all, but bit 5 of letters
    uint64_t tail_mask = 0;
    uint32_t length = 0;
    uint32_t index = 0;
    const CommandSpec* spec = nullptr;
  };
  // Find for names over 16 bytes, whose words leave bytes out.
  const CommandSpec* FindLong(std::string_view name, size_t* index) const;
  void Rehash(size_t capacity);

  std::vector<Slot> slots_ = std::vector<Slot>(16);  // a power of two, never full
  size_t mask_ = 15;                                 // slots_.size() - 1
  std::vector<const CommandSpec*> ordered_;
  std::vector<const CommandSpec*> indexed_;  // by index
  std::vector<size_t> top_index_;            // index of ordered_[i]
};

// The key arguments of a command, by its spec's key positions (keys: first, last, step;
// a negative last counts from the end). Empty for a command without key positions.
std::vector<std::string_view> KeyArguments(const CommandSpec& spec,
                                           std::span<const std::string_view> args);

// Registers every command family (one line each in families.cc).
void RegisterAllFamilies(CommandTable& table);

}  // namespace cachette::commands
