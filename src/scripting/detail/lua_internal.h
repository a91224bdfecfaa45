#pragma once

// What the three parts of the Lua interpreter share: lua_vm.cc (the VM, its sandbox setup and
// hooks), lua_conversions.cc (Lua <-> RESP) and lua_redis_library.cc (the redis.* functions).
// Internal to the scripting module.

#include <string_view>

extern "C" {
#include <lua.h>
}

namespace cachette::scripting::detail {

class LuaVm;

// A Lua C function whose body (`Impl`) may hold C++ objects: it returns true after pushing an
// error value, and lua_error (a longjmp) is raised here, once they are destroyed.
template <bool (*Impl)(lua_State*), int kResults>
int WithLuaError(lua_State* lua) {
  if (Impl(lua)) {
    return lua_error(lua);
  }
  return kResults;
}

// Registry keys (their addresses are unique light userdata; defined in lua_vm.cc).
extern char kVmKey;
extern char kScriptsKey;
extern char kHandlerKey;
extern char kGlobalsKey;
extern char kFunctionsKey;
extern char kLoadingKey;
extern char kSetLoadingKey;

// The VM that owns `lua` (registered under kVmKey), or null.
LuaVm* VmOf(lua_State* lua);

// Redis's luaPushErrorBuff: "-CODE msg" keeps CODE; a text without '-' gets "ERR"; trailing
// CR/LF are trimmed. Pushes the table {err = "CODE msg"}.
void PushError(lua_State* lua, std::string_view text);

// Pushes t[field] (raw) for the table at table_index (default: the top); returns its type.
int RawField(lua_State* lua, const char* field, int table_index = -1);

// Registers the global 'redis' table scripts see (call, pcall, log, setresp, sha1hex,
// error_reply, status_reply, the no-op replication and debugging calls, the constants) and
// leaves the stack as it found it.
void OpenRedisLibrary(lua_State* lua);

// Pushes the table FUNCTION LOAD's code sees as 'redis': register_function, log, setresp and
// the constants.
void PushFunctionLibraryApi(lua_State* lua);

}  // namespace cachette::scripting::detail
