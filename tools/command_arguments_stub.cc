// Empty argument tables for cachette-command-names, which runs before the real tables are
// generated (it prints the names they are generated for) and never answers COMMAND DOCS.

#include "command_arguments.h"

namespace cachette::commands::detail {

std::span<const ArgumentSpec> CommandArguments(std::string_view) { return {}; }

CommandInfoExtras CommandInfoFor(std::string_view) { return {}; }

}  // namespace cachette::commands::detail
