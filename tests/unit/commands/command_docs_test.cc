// docs/commands.md must list every command of the command table, subcommands included.

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "cachette/commands/command_table.h"

namespace cachette::commands {
namespace {

std::string ReadCommandsDoc() {
  const auto root =
      std::filesystem::path(__FILE__).parent_path().parent_path().parent_path().parent_path();
  std::ifstream file(root / "docs" / "commands.md");
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

std::string DocName(std::string_view spec_name) {
  std::string name(spec_name);
  std::replace(name.begin(), name.end(), '|', ' ');
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return name;
}

TEST(CommandDocsTest, EveryCommandHasARow) {
  CommandTable table;
  RegisterAllFamilies(table);
  const std::string doc = ReadCommandsDoc();
  ASSERT_FALSE(doc.empty());
  for (const CommandSpec* spec : table.all()) {
    EXPECT_NE(doc.find("| `" + DocName(spec->name) + "` |"), std::string::npos)
        << spec->name << " is missing from docs/commands.md";
    for (const CommandSpec& sub : spec->subcommands) {
      EXPECT_NE(doc.find("| `" + DocName(sub.name) + "` |"), std::string::npos)
          << sub.name << " is missing from docs/commands.md";
    }
  }
}

}  // namespace
}  // namespace cachette::commands
