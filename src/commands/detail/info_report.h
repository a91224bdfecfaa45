#pragma once

// Gathers the INFO report from the server's parts (statistics, store, network, configuration,
// memory source) for the sections asked for, and the memory figures MEMORY STATS shares.

#include <string>

#include "cachette/commands/command_context.h"
#include "cachette/stats/info.h"
#include "cachette/stats/memory.h"

namespace cachette::commands::detail {

// The server's memory figures (ServerContext::MemoryFigures), with the peak filled in.
stats::MemoryFigures CurrentMemory(const ServerContext& server);

// The text INFO replies for `sections`.
std::string BuildInfo(CommandContext& ctx, stats::SectionSet sections);

// CONFIG RESETSTAT: statistics, command and error statistics, store and network counters.
void ResetStats(CommandContext& ctx);

}  // namespace cachette::commands::detail
