#pragma once

// One Lua 5.1 interpreter (an I/O thread's): the sandboxed globals, the redis.* library, the
// compiled scripts of the cache (by SHA1), and the conversions between Lua values and RESP.
// Internal to the scripting module; Scripting owns the per-thread instances.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cachette/protocol/reply_writer.h"
#include "cachette/scripting/script_host.h"

struct lua_State;

namespace cachette::scripting {
class Scripting;
}

namespace cachette::scripting::detail {

class LuaVm {
 public:
  explicit LuaVm(Scripting* owner);
  ~LuaVm();
  LuaVm(const LuaVm&) = delete;
  LuaVm& operator=(const LuaVm&) = delete;

  // Compiles body under sha unless already compiled; Redis's error text on a syntax error.
  std::optional<std::string> Compile(std::string_view sha, std::string_view body);
  bool Compiled(std::string_view sha);
  // Runs the compiled script sha (which must be compiled) and writes its reply.
  void Run(std::string_view sha, std::span<const std::string_view> keys,
           std::span<const std::string_view> args, ScriptHost& host, protocol::ReplyWriter& reply);

  // FUNCTION LOAD: runs a library's code (its "#!lua name=..." line made a comment) in the
  // load environment, appending the functions it registers to *functions. With `keep`, their
  // callbacks become callable by RunFunction. Redis's error text on failure.
  struct RegisteredFunction {
    std::string name;
    std::optional<std::string> description;
    std::vector<std::string> flags;
  };
  std::optional<std::string> LoadLibrary(std::string_view code,
                                         std::vector<RegisteredFunction>* functions, bool keep);
  // Forgets every kept function callback.
  void ClearFunctions();
  uint64_t functions_generation = UINT64_MAX;  // the library set the kept callbacks match
  // Runs kept function `name` with KEYS and ARGV tables as its arguments; writes its reply.
  void RunFunction(std::string_view name, std::string_view display_name,
                   std::span<const std::string_view> keys, std::span<const std::string_view> args,
                   ScriptHost& host, protocol::ReplyWriter& reply);
  bool HasFunction(std::string_view name);

  // For redis.* functions (C callbacks find their VM through the registry).
  Scripting* owner() const { return owner_; }
  ScriptHost* host() const { return host_; }
  int script_resp() const { return script_resp_; }
  void set_script_resp(int resp) { script_resp_ = resp; }
  std::string& call_buffer() { return call_buffer_; }

 private:
  bool RegistryHasFunction(const void* table_key, std::string_view name);
  Scripting* owner_;
  lua_State* lua_ = nullptr;
  ScriptHost* host_ = nullptr;  // during Run
  int script_resp_ = 2;         // redis.setresp
  std::string call_buffer_;     // a redis.call reply, reused
  int runs_since_gc_ = 0;

 public:
  int64_t load_started_us = 0;  // FUNCTION LOAD's time limit

 private:
  // Calls the function on top of the stack (below it: the error handler at index 1, and
  // `nargs` arguments above it) and writes its reply or Redis's error reply naming `name`.
  void Finish(int nargs, std::string_view name, ScriptHost& host, protocol::ReplyWriter& reply);
};

// Writes the Lua value on top of the stack as a reply (Redis's Lua-to-RESP rules) and pops it.
// script_resp is the script's redis.setresp version (it decides how booleans are written).
void WriteLuaValue(lua_State* lua, protocol::ReplyWriter& reply, int script_resp);
// Pushes the Lua value of one RESP reply (Redis's RESP-to-Lua rules); an error reply becomes
// the table {err = "..."}. Returns the bytes consumed, 0 when `resp` is not a whole reply.
size_t PushRespValue(lua_State* lua, std::string_view resp);

}  // namespace cachette::scripting::detail
