// Every command family, registered explicitly, one line each (no static self-registration:
// it silently drops objects from static libraries).

#include "cachette/commands/command_table.h"
#include "detail/handler_support.h"

namespace cachette::commands {

void RegisterAllFamilies(CommandTable& table) {
  table.Register(detail::ConnectionFamily());
  table.Register(detail::StringFamily());
  table.Register(detail::GenericFamily());
  table.Register(detail::ServerFamily());
  table.Register(detail::TransactionsFamily());
  table.Register(detail::ScriptingFamily());
  table.Register(detail::ServerDiagnosticsFamily());
  table.Register(detail::CachetteFamily());
}

}  // namespace cachette::commands
