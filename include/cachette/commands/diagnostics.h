#pragma once

// How commands are shown to operators: the MONITOR line format and the arguments MONITOR and
// the slow log show (credentials redacted). The slow log and the latency monitor themselves
// are stats' (stats/slow_log.h, stats/latency_monitor.h).

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cachette::commands {

struct ClientState;
struct CommandSpec;

// The arguments as Redis shows them in MONITOR and SLOWLOG: AUTH's arguments and HELLO's
// AUTH credentials replaced by "(redacted)".
std::vector<std::string_view> RedactedArguments(const CommandSpec& spec,
                                                std::span<const std::string_view> args);

// One MONITOR line, as Redis writes it: +<s>.<us> [<db> <addr>] "arg" "arg"\r\n
std::string MonitorLine(const ClientState& client, const CommandSpec& spec,
                        std::span<const std::string_view> args, int64_t time_us);

}  // namespace cachette::commands
