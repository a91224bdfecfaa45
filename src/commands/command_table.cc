#include "cachette/commands/command_table.h"

#include <cstdio>
#include <cstdlib>

#include "detail/handler_support.h"

namespace cachette::commands {

namespace {
constexpr size_t kMaxNameLength = 64;

char FoldCase(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + ('a' - 'A')) : c; }
}  // namespace

std::string_view AclCategoryName(size_t bit) {
  static constexpr std::string_view kNames[kAclCategoryCount] = {
      "@keyspace",   "@read",        "@write",    "@set",         "@sortedset", "@list",
      "@hash",       "@string",      "@bitmap",   "@hyperloglog", "@geo",       "@stream",
      "@pubsub",     "@admin",       "@fast",     "@slow",        "@blocking",  "@dangerous",
      "@connection", "@transaction", "@scripting"};
  return bit < kAclCategoryCount ? kNames[bit] : std::string_view();
}

uint64_t CommandTable::FoldedHash(std::string_view name) {
  uint64_t hash = 0xcbf29ce484222325ULL;  // FNV-1a: names are short, so this is a few cycles
  for (char c : name) {
    hash = (hash ^ static_cast<unsigned char>(FoldCase(c))) * 0x100000001b3ULL;
  }
  return hash;
}

void CommandTable::Rehash(size_t capacity) {
  std::vector<Slot> fresh(capacity);
  for (size_t n = 0; n < ordered_.size(); ++n) {
    const CommandSpec* spec = ordered_[n];
    const uint64_t hash = FoldedHash(spec->name);
    for (size_t i = hash & (capacity - 1);; i = (i + 1) & (capacity - 1)) {
      if (fresh[i].spec == nullptr) {
        fresh[i] = {hash, spec, top_index_[n]};
        break;
      }
    }
  }
  slots_.swap(fresh);
}

void CommandTable::Register(std::span<const CommandSpec> specs) {
  for (const CommandSpec& spec : specs) {
    if (spec.name.size() > kMaxNameLength || Find(spec.name) != nullptr) {
      std::fprintf(stderr, "command '%.*s' registered twice or too long\n",
                   static_cast<int>(spec.name.size()), spec.name.data());
      std::abort();
    }
    ordered_.push_back(&spec);
    top_index_.push_back(indexed_.size());
    indexed_.push_back(&spec);
    for (const CommandSpec& sub : spec.subcommands) {
      indexed_.push_back(&sub);
    }
  }
  // At most a quarter full, so probes stay short.
  size_t capacity = 16;
  while (capacity < ordered_.size() * 4) {
    capacity *= 2;
  }
  Rehash(capacity);
}

const CommandSpec* CommandTable::Find(std::string_view name) const {
  size_t index;
  return Find(name, &index);
}

const CommandSpec* CommandTable::Find(std::string_view name, size_t* index) const {
  if (slots_.empty() || name.size() > kMaxNameLength) {
    return nullptr;
  }
  const uint64_t hash = FoldedHash(name);
  const size_t mask = slots_.size() - 1;
  for (size_t i = hash & mask;; i = (i + 1) & mask) {
    const Slot& slot = slots_[i];
    if (slot.spec == nullptr) {
      return nullptr;
    }
    if (slot.hash == hash && detail::EqualsIgnoreCase(slot.spec->name, name)) {
      *index = slot.index;
      return slot.spec;
    }
  }
}

const CommandSpec* CommandTable::FindSubcommand(const CommandSpec& container,
                                                std::string_view name) {
  for (const CommandSpec& sub : container.subcommands) {
    // Subcommand names are "container|sub".
    std::string_view own = sub.name.substr(sub.name.find('|') + 1);
    if (detail::EqualsIgnoreCase(own, name)) {
      return &sub;
    }
  }
  return nullptr;
}

std::vector<std::string_view> KeyArguments(const CommandSpec& spec,
                                           std::span<const std::string_view> args) {
  std::vector<std::string_view> keys;
  if (spec.keys.first <= 0 || spec.keys.step <= 0) {
    return keys;
  }
  const int64_t argc = static_cast<int64_t>(args.size());
  const int64_t last = spec.keys.last < 0 ? argc + spec.keys.last : spec.keys.last;
  for (int64_t i = spec.keys.first; i <= last && i < argc; i += spec.keys.step) {
    keys.push_back(args[static_cast<size_t>(i)]);
  }
  return keys;
}

}  // namespace cachette::commands
