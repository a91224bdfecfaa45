#include "cachette/commands/command_table.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>

#include "detail/handler_support.h"

namespace cachette::commands {

namespace {
std::string Lower(std::string_view name) {
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower;
}
}  // namespace

void CommandTable::Register(std::span<const CommandSpec> specs) {
  for (const CommandSpec& spec : specs) {
    auto [it, inserted] = by_name_.emplace(Lower(spec.name), &spec);
    if (!inserted) {
      std::fprintf(stderr, "command '%.*s' registered twice\n", static_cast<int>(spec.name.size()),
                   spec.name.data());
      std::abort();
    }
    ordered_.push_back(&spec);
  }
}

const CommandSpec* CommandTable::Find(std::string_view name) const {
  char lower[32];
  if (name.size() > sizeof(lower)) {
    return nullptr;
  }
  for (size_t i = 0; i < name.size(); ++i) {
    lower[i] = static_cast<char>(std::tolower(static_cast<unsigned char>(name[i])));
  }
  // Heterogeneous lookup needs C++20 transparent hashing; a short std::string is cheap (SSO).
  auto it = by_name_.find(std::string(lower, name.size()));
  return it == by_name_.end() ? nullptr : it->second;
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

}  // namespace cachette::commands
