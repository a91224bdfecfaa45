#pragma once

// What the Lua engine asks of the server: running one command for redis.call/redis.pcall. The
// commands module implements it (arity, unknown commands, script-only refusals, read-only
// scripts, OOM, then the command itself through the Dispatcher), so scripting never includes
// commands headers.

#include <span>
#include <string>
#include <string_view>

namespace cachette::scripting {

class ScriptHost {
 public:
  virtual ~ScriptHost() = default;
  // Runs args (args[0] is the command name) as a command of the running script and appends its
  // reply, in RESP `resp_version`, to *reply. A refusal is an error reply like any other
  // ("-ERR Unknown Redis command called from script\r\n"). Runs on the script's thread, under
  // the script's shard hold.
  virtual void Call(std::span<const std::string_view> args, int resp_version,
                    std::string* reply) = 0;
};

}  // namespace cachette::scripting
