// cachette-command-names: a build-time host tool that prints the full name of every command of
// the compiled command table, subcommands included ("get", "client|kill"), one a line.
// scripts/gen-command-args reads the list to generate the argument tables for exactly these
// commands, so the table and its COMMAND DOCS data cannot drift apart.

#include <cstdio>

#include "cachette/commands/command_table.h"

int main() {
  cachette::commands::CommandTable table;
  cachette::commands::RegisterAllFamilies(table);
  for (size_t i = 0; i < table.spec_count(); ++i) {
    const std::string_view name = table.spec_at(i).name;
    std::printf("%.*s\n", static_cast<int>(name.size()), name.data());
  }
  return 0;
}
