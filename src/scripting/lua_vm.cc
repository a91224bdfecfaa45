// The Lua 5.1 interpreter of one I/O thread: its sandbox setup, the compiled scripts and
// functions, running them, and the hooks (SCRIPT KILL, FUNCTION LOAD's time limit). The
// redis.* library is lua_redis_library.cc's, the Lua <-> RESP conversions lua_conversions.cc's.
//
// Sandbox. The interpreter opens only the base, table, string and math libraries, plus cjson
// and bit (Debian's lua-cjson and lua-bitop, as Redis embeds them); never io, os, package or
// debug (the error handler keeps a private reference to debug.getinfo). loadfile, dofile,
// print, setfenv, getfenv and newproxy are removed, leaving Redis 7.0's globals (less its
// struct and cmsgpack libraries). The globals scripts see are a proxy of the real globals
// table: reading a missing name raises "Script attempted to access nonexistent global variable
// 'x'", any assignment raises "Attempt to modify a readonly table", and the library tables
// (string, table, math, coroutine, cjson, bit, redis) and the string metatable are read-only
// proxies too. Redis gets that effect from read-only tables patched into its own Lua; ours is
// Debian's stock Lua, so lua_sandbox.cc replaces the raw-access functions (rawset, rawget,
// setmetatable, getmetatable, next, pairs), the loaders (no bytecode by any path) and the
// functions with overflow bugs Redis fixed (unpack, bit.tohex, cjson.encode); see there.
//
// Errors and longjmp. Lua raises errors with longjmp, which skips C++ destructors. Every C
// function registered with Lua therefore does its work in a helper that returns before
// lua_error is called, so no C++ object with a destructor is alive across a raise.

#include "detail/lua_vm.h"

#include <spdlog/spdlog.h>

#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "cachette/scripting/scripting.h"
#include "cachette/scripting/sha1.h"
#include "detail/lua_internal.h"
#include "detail/lua_sandbox.h"

extern "C" {
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
int luaopen_cjson(lua_State* lua);
int luaopen_bit(lua_State* lua);
}

namespace cachette::scripting::detail {

// Registry keys (their addresses are unique light userdata).
char kVmKey;
char kScriptsKey;
char kHandlerKey;
char kGlobalsKey;
char kFunctionsKey;
char kLoadingKey;
char kSetLoadingKey;

LuaVm* VmOf(lua_State* lua) {
  lua_pushlightuserdata(lua, &kVmKey);
  lua_rawget(lua, LUA_REGISTRYINDEX);
  auto* vm = static_cast<LuaVm*>(lua_touserdata(lua, -1));
  lua_pop(lua, 1);
  return vm;
}

// Redis's luaPushErrorBuff: "-CODE msg" keeps CODE; a text without '-' gets "ERR"; trailing
// CR/LF are trimmed. Pushes the table {err = "CODE msg"}.
void PushError(lua_State* lua, std::string_view text) {
  std::string code = "ERR";
  std::string_view msg = text;
  if (!text.empty() && text[0] == '-') {
    const size_t space = text.find(' ');
    if (space == std::string_view::npos) {
      msg = text.substr(1);
    } else {
      code.assign(text.substr(1, space - 1));
      msg = text.substr(space + 1);
    }
  }
  while (!msg.empty() && (msg.back() == '\r' || msg.back() == '\n')) {
    msg.remove_suffix(1);
  }
  while (!msg.empty() && (msg.front() == '\r' || msg.front() == '\n')) {
    msg.remove_prefix(1);
  }
  code += ' ';
  code.append(msg);
  lua_newtable(lua);
  lua_pushstring(lua, "err");
  lua_pushlstring(lua, code.data(), code.size());
  lua_settable(lua, -3);
}

namespace {

// FUNCTION LOAD stops a library whose code runs longer than this (as Redis does).
constexpr int64_t kLoadTimeoutUs = 500000;

// Redis runs a GC step every 50 scripts.
constexpr int kGcPeriod = 50;
// The count hook fires every this many VM instructions (as in Redis).
constexpr int kHookInstructions = 100000;

int64_t NowUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void LoadHook(lua_State* lua, lua_Debug* /*ar*/) {
  LuaVm* vm = VmOf(lua);
  if (vm != nullptr && NowUs() - vm->load_started_us > kLoadTimeoutUs) {
    lua_sethook(lua, LoadHook, LUA_MASKLINE, 0);
    PushError(lua, "FUNCTION LOAD timeout");
    lua_error(lua);
  }
}

// The count hook: stops a script that SCRIPT KILL (or SHUTDOWN NOSAVE) asked to stop. Once
// it fired it fires on every line, so a script cannot catch the error with pcall and go on.
void KillHook(lua_State* lua, lua_Debug* /*ar*/) {
  LuaVm* vm = VmOf(lua);
  if (vm == nullptr) {
    return;
  }
  // Past busy-reply-threshold, this thread's other clients are answered from here (a SCRIPT
  // KILL among them sets kill_requested), as Redis's processEventsWhileBlocked.
  vm->owner()->ServeWhileBusyIfDue();
  if (vm->owner()->kill_requested()) {
    lua_sethook(lua, KillHook, LUA_MASKLINE, 0);
    PushError(lua, "Script killed by user with SCRIPT KILL...");
    lua_error(lua);
  }
}

void OpenLibrary(lua_State* lua, lua_CFunction open, const char* name) {
  lua_pushcfunction(lua, open);
  lua_pushstring(lua, name);
  lua_call(lua, 1, 1);
  if (*name != '\0' && lua_istable(lua, -1)) {
    lua_setglobal(lua, name);
  } else {
    lua_pop(lua, 1);
  }
}

// Runs with the real globals and the two protection maps of lua_sandbox.cc; returns the
// globals proxy and the error handler (Redis 7.0's __redis__err__handler: adds the source and
// line of the failing script frame to the error table).
constexpr char kSandboxSetup[] = R"lua(
local G, load_api, protected, shown = _G, ...
local loading = false
local dbg_getinfo = debug.getinfo
local error, tostring, rawget, setmetatable, type = error, tostring, rawget, setmetatable, type
local handler = function(err)
  -- The failing frame of the script: past error() or redis.call (C), as Redis does, and
  -- past the sandbox's own metamethods.
  local level = 2
  local i = dbg_getinfo(level, 'nSl')
  while i and (i.what == 'C' or i.source == '=sandbox') do
    level = level + 1
    i = dbg_getinfo(level, 'nSl')
  end
  if type(err) ~= 'table' then
    err = {err = 'ERR ' .. tostring(err)}
  end
  if i then
    err['source'] = i.source
    err['line'] = i.currentline
  end
  return err
end
local function refuse()
  error('Attempt to modify a readonly table', 2)
end
-- A read-only view of t; getmetatable shows `shows` for it (nil, as for Redis's libraries).
local function readonly(t, shows)
  local view = setmetatable({}, {__index = t, __newindex = refuse, __metatable = false})
  protected[view] = t
  shown[view] = shows
  return view
end
for _, name in ipairs({'loadfile', 'dofile', 'debug', 'print', 'setfenv', 'getfenv',
                       'newproxy'}) do
  G[name] = nil
end
-- Redis 7.0 keeps its error handler as this global (scripts can see it, nothing calls it).
G.__redis__err__handler = handler
for _, name in ipairs({'string', 'table', 'math', 'coroutine', 'cjson', 'bit', 'redis'}) do
  G[name] = readonly(G[name])
end
-- Method calls on strings read the read-only string table; getmetatable('') shows a read-only
-- copy of the metatable, whose __index is that table (as in Redis).
local string_metatable = getmetatable('')
string_metatable.__index = G.string
string_metatable.__metatable = readonly({__index = G.string})
-- While FUNCTION LOAD runs a library's code, 'redis' is the library API (register_function,
-- log, constants); any other field of it is refused like a missing global, as in Redis.
local load_redis = setmetatable({}, {
  __index = function(_, name)
    local value = rawget(load_api, name)
    if value == nil then
      error("Script attempted to access nonexistent global variable '" .. tostring(name) .. "'", 2)
    end
    return value
  end,
  __newindex = refuse,
  __metatable = false,
})
protected[load_redis] = load_api
local proxy_metatable = {
  __index = function(_, name)
    -- A library's code sees only 'redis' while FUNCTION LOAD runs it, as in Redis 7.0.
    if loading then
      if name == 'redis' then
        return load_redis
      end
      error("Script attempted to access nonexistent global variable '" .. tostring(name) .. "'", 2)
    end
    local value = rawget(G, name)
    if value == nil then
      error("Script attempted to access nonexistent global variable '" .. tostring(name) .. "'", 2)
    end
    return value
  end,
  __newindex = refuse,
  __metatable = false,
}
local proxy = setmetatable({}, proxy_metatable)
protected[proxy] = G
shown[proxy] = readonly(proxy_metatable)
G._G = proxy
return proxy, handler, function(on) loading = on end
)lua";

}  // namespace

LuaVm::LuaVm(Scripting* owner) : owner_(owner) {
  lua_ = luaL_newstate();
  lua_State* lua = lua_;
  lua_pushlightuserdata(lua, &kVmKey);
  lua_pushlightuserdata(lua, this);
  lua_rawset(lua, LUA_REGISTRYINDEX);

  OpenLibrary(lua, luaopen_base, "");
  OpenLibrary(lua, luaopen_table, LUA_TABLIBNAME);
  OpenLibrary(lua, luaopen_string, LUA_STRLIBNAME);
  OpenLibrary(lua, luaopen_math, LUA_MATHLIBNAME);
  OpenLibrary(lua, luaopen_debug, LUA_DBLIBNAME);
  OpenLibrary(lua, luaopen_cjson, "cjson");
  OpenLibrary(lua, luaopen_bit, "bit");
  InstallSafeBuiltins(lua);

  OpenRedisLibrary(lua);

  lua_pushlightuserdata(lua, &kScriptsKey);
  lua_newtable(lua);
  lua_rawset(lua, LUA_REGISTRYINDEX);
  lua_pushlightuserdata(lua, &kGlobalsKey);
  lua_pushvalue(lua, LUA_GLOBALSINDEX);
  lua_rawset(lua, LUA_REGISTRYINDEX);

  lua_pushlightuserdata(lua, &kFunctionsKey);
  lua_newtable(lua);
  lua_rawset(lua, LUA_REGISTRYINDEX);

  if (luaL_loadbuffer(lua, kSandboxSetup, sizeof(kSandboxSetup) - 1, "=sandbox") != 0) {
    spdlog::critical("Lua sandbox setup failed: {}", lua_tostring(lua, -1));
    std::abort();
  }
  PushFunctionLibraryApi(lua);
  PushSandboxHelpers(lua);
  if (lua_pcall(lua, 3, 3, 0) != 0) {
    spdlog::critical("Lua sandbox setup failed: {}", lua_tostring(lua, -1));
    std::abort();
  }
  // Stack: proxy, handler, set_loading.
  lua_pushlightuserdata(lua, &kSetLoadingKey);
  lua_pushvalue(lua, -2);
  lua_rawset(lua, LUA_REGISTRYINDEX);
  lua_pop(lua, 1);
  lua_pushlightuserdata(lua, &kHandlerKey);
  lua_pushvalue(lua, -2);
  lua_rawset(lua, LUA_REGISTRYINDEX);
  lua_pop(lua, 1);
  lua_replace(lua, LUA_GLOBALSINDEX);
  lua_settop(lua, 0);
}

LuaVm::~LuaVm() { lua_close(lua_); }

bool LuaVm::Compiled(std::string_view sha) { return RegistryHasFunction(&kScriptsKey, sha); }

// Whether the registry table at `table_key` holds a function under `name`.
bool LuaVm::RegistryHasFunction(const void* table_key, std::string_view name) {
  lua_State* lua = lua_;
  lua_pushlightuserdata(lua, const_cast<void*>(table_key));
  lua_rawget(lua, LUA_REGISTRYINDEX);
  lua_pushlstring(lua, name.data(), name.size());
  lua_rawget(lua, -2);
  const bool found = lua_isfunction(lua, -1);
  lua_pop(lua, 2);
  return found;
}

std::optional<std::string> LuaVm::Compile(std::string_view sha, std::string_view body) {
  if (Compiled(sha)) {
    return std::nullopt;
  }
  lua_State* lua = lua_;
  // A "#!lua flags=..." line becomes a comment, so line numbers stay those of the script.
  std::string code(body);
  if (code.starts_with("#!")) {
    code[0] = '-';
    code[1] = '-';
  }
  if (LoadTextChunk(lua, code, "@user_script") != 0) {
    size_t len = 0;
    const char* message = lua_tolstring(lua, -1, &len);
    std::string error = "ERR Error compiling script (new function): ";
    error.append(message == nullptr ? "" : std::string_view(message, len));
    lua_pop(lua, 1);
    return error;
  }
  lua_pushlightuserdata(lua, &kScriptsKey);
  lua_rawget(lua, LUA_REGISTRYINDEX);
  lua_pushlstring(lua, sha.data(), sha.size());
  lua_pushvalue(lua, -3);
  lua_rawset(lua, -3);
  lua_pop(lua, 2);
  return std::nullopt;
}

namespace {
void SetGlobalArray(lua_State* lua, const char* name, std::span<const std::string_view> items) {
  lua_pushstring(lua, name);
  lua_createtable(lua, static_cast<int>(items.size()), 0);
  for (size_t i = 0; i < items.size(); ++i) {
    lua_pushlstring(lua, items[i].data(), items[i].size());
    lua_rawseti(lua, -2, static_cast<int>(i + 1));
  }
  lua_rawset(lua, -3);
}
}  // namespace

void LuaVm::Run(std::string_view sha, std::span<const std::string_view> keys,
                std::span<const std::string_view> args, ScriptHost& host,
                protocol::ReplyWriter& reply) {
  lua_State* lua = lua_;
  lua_settop(lua, 0);
  lua_pushlightuserdata(lua, &kGlobalsKey);
  lua_rawget(lua, LUA_REGISTRYINDEX);
  SetGlobalArray(lua, "KEYS", keys);
  SetGlobalArray(lua, "ARGV", args);
  lua_pop(lua, 1);

  lua_pushlightuserdata(lua, &kHandlerKey);
  lua_rawget(lua, LUA_REGISTRYINDEX);  // 1: the error handler
  lua_pushlightuserdata(lua, &kScriptsKey);
  lua_rawget(lua, LUA_REGISTRYINDEX);
  lua_pushlstring(lua, sha.data(), sha.size());
  lua_rawget(lua, -2);
  lua_remove(lua, -2);  // 2: the script
  Finish(0, sha, host, reply);
  // KEYS and ARGV belong to this script only: a function (FCALL), which in Redis 7.0 runs in
  // another Lua state, must not see or reach them.
  lua_pushlightuserdata(lua, &kGlobalsKey);
  lua_rawget(lua, LUA_REGISTRYINDEX);
  for (const char* name : {"KEYS", "ARGV"}) {
    lua_pushstring(lua, name);
    lua_pushnil(lua);
    lua_rawset(lua, -3);
  }
  lua_pop(lua, 1);
}

void LuaVm::RunFunction(std::string_view name, std::string_view display_name,
                        std::span<const std::string_view> keys,
                        std::span<const std::string_view> args, ScriptHost& host,
                        protocol::ReplyWriter& reply) {
  lua_State* lua = lua_;
  lua_settop(lua, 0);
  lua_pushlightuserdata(lua, &kHandlerKey);
  lua_rawget(lua, LUA_REGISTRYINDEX);  // 1: the error handler
  lua_pushlightuserdata(lua, &kFunctionsKey);
  lua_rawget(lua, LUA_REGISTRYINDEX);
  lua_pushlstring(lua, name.data(), name.size());
  lua_rawget(lua, -2);
  lua_remove(lua, -2);  // 2: the callback
  for (auto items : {keys, args}) {
    lua_createtable(lua, static_cast<int>(items.size()), 0);
    for (size_t i = 0; i < items.size(); ++i) {
      lua_pushlstring(lua, items[i].data(), items[i].size());
      lua_rawseti(lua, -2, static_cast<int>(i + 1));
    }
  }
  Finish(2, display_name, host, reply);
}

void LuaVm::Finish(int nargs, std::string_view name, ScriptHost& host,
                   protocol::ReplyWriter& reply) {
  lua_State* lua = lua_;
  host_ = &host;
  script_resp_ = 2;
  lua_sethook(lua, KillHook, LUA_MASKCOUNT, kHookInstructions);
  const int status = lua_pcall(lua, nargs, 1, 1);
  lua_sethook(lua, nullptr, 0, 0);
  host_ = nullptr;

  if (status == 0) {
    WriteLuaValue(lua, reply, script_resp_);
  } else if (lua_istable(lua, -1)) {
    // {err = "CODE msg", source = "@user_script", line = n}
    // error({}) carries no message: Redis 7.0.15 crashes on it; we answer a generic error.
    std::string message = "ERR unknown error";
    if (RawField(lua, "err") == LUA_TSTRING) {
      message = lua_tostring(lua, -1);
    }
    lua_pop(lua, 1);
    const bool has_source = RawField(lua, "source") == LUA_TSTRING;
    const std::string source = has_source ? lua_tostring(lua, -1) : "";
    lua_pop(lua, 1);
    const bool has_line = RawField(lua, "line") == LUA_TNUMBER;
    const std::string line = has_line ? lua_tostring(lua, -1) : "";
    lua_pop(lua, 1);
    if (has_source && has_line) {
      message += " script: " + std::string(name) + ", on " + source + ":" + line + ".";
    }
    reply.Error(message);
  } else {
    const char* text = lua_tostring(lua, -1);
    std::string message = "ERR Error running script " + std::string(name) + ", ";
    message.append(text == nullptr ? "execution failure" : std::string(text).substr(0, 100));
    reply.Error(message);
  }
  lua_settop(lua, 0);
  WipeProtectedTables(lua);
  if (++runs_since_gc_ >= kGcPeriod) {
    lua_gc(lua, LUA_GCSTEP, kGcPeriod);
    runs_since_gc_ = 0;
  }
}

bool LuaVm::HasFunction(std::string_view name) { return RegistryHasFunction(&kFunctionsKey, name); }

void LuaVm::ClearFunctions() {
  lua_State* lua = lua_;
  lua_pushlightuserdata(lua, &kFunctionsKey);
  lua_newtable(lua);
  lua_rawset(lua, LUA_REGISTRYINDEX);
}

namespace {
void SetLoading(lua_State* lua, bool on) {
  lua_pushlightuserdata(lua, &kSetLoadingKey);
  lua_rawget(lua, LUA_REGISTRYINDEX);
  lua_pushboolean(lua, on ? 1 : 0);
  lua_call(lua, 1, 0);
  lua_pushlightuserdata(lua, &kLoadingKey);
  if (on) {
    lua_newtable(lua);
  } else {
    lua_pushnil(lua);
  }
  lua_rawset(lua, LUA_REGISTRYINDEX);
}
}  // namespace

std::optional<std::string> LuaVm::LoadLibrary(std::string_view code,
                                              std::vector<RegisteredFunction>* functions,
                                              bool keep) {
  lua_State* lua = lua_;
  lua_settop(lua, 0);
  // The "#!lua name=..." line becomes a comment, so line numbers stay those of the code.
  std::string body(code);
  if (body.starts_with("#!")) {
    body[0] = '-';
    body[1] = '-';
  }
  if (LoadTextChunk(lua, body, "@user_function") != 0) {
    const char* message = lua_tostring(lua, -1);
    std::string error = "ERR Error compiling function: ";
    error.append(message == nullptr ? "" : message);
    lua_settop(lua, 0);
    return error;
  }
  SetLoading(lua, true);
  load_started_us = NowUs();
  lua_sethook(lua, LoadHook, LUA_MASKCOUNT, kHookInstructions);
  const int status = lua_pcall(lua, 0, 0, 0);
  lua_sethook(lua, nullptr, 0, 0);
  if (status != 0) {
    std::string error = "ERR Error registering functions: ";
    if (lua_istable(lua, -1)) {
      if (RawField(lua, "err") == LUA_TSTRING) {
        error += lua_tostring(lua, -1);
      }
      lua_pop(lua, 1);
    } else {
      const char* message = lua_tostring(lua, -1);
      error += "ERR ";
      error += message == nullptr ? "execution failure" : message;
    }
    lua_settop(lua, 0);
    SetLoading(lua, false);
    WipeProtectedTables(lua);
    return error;
  }
  // Collect what the code registered, then leave load mode.
  lua_pushlightuserdata(lua, &kLoadingKey);
  lua_rawget(lua, LUA_REGISTRYINDEX);
  const int loading = lua_gettop(lua);
  lua_pushlightuserdata(lua, &kFunctionsKey);
  lua_rawget(lua, LUA_REGISTRYINDEX);
  const int kept = lua_gettop(lua);
  size_t count = 0;
  lua_pushnil(lua);
  while (lua_next(lua, loading) != 0) {
    // key: name, value: {callback, flags, description}
    RegisteredFunction function;
    function.name = lua_tostring(lua, -2);
    lua_getfield(lua, -1, "description");
    if (lua_type(lua, -1) == LUA_TSTRING) {
      function.description = lua_tostring(lua, -1);
    }
    lua_pop(lua, 1);
    lua_getfield(lua, -1, "flags");
    for (int j = 1;; ++j) {
      lua_rawgeti(lua, -1, j);
      if (lua_isnil(lua, -1)) {
        lua_pop(lua, 1);
        break;
      }
      function.flags.emplace_back(lua_tostring(lua, -1));
      lua_pop(lua, 1);
    }
    lua_pop(lua, 1);
    if (keep) {
      // Function names are case-insensitive (FCALL ECHO runs echo), as in Redis.
      std::string lower = function.name;
      for (char& c : lower) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      }
      lua_pushlstring(lua, lower.data(), lower.size());
      lua_getfield(lua, -2, "callback");
      lua_rawset(lua, kept);
    }
    functions->push_back(std::move(function));
    ++count;
    lua_pop(lua, 1);
  }
  lua_settop(lua, 0);
  SetLoading(lua, false);
  WipeProtectedTables(lua);
  if (count == 0) {
    return "ERR No functions registered";
  }
  return std::nullopt;
}

}  // namespace cachette::scripting::detail
