// The Lua 5.1 interpreter of one I/O thread: sandbox, redis.* library, conversions.
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
// lua_error is called, so no C++ object with a destructor is alive across a raise. The
// conversions below run outside any raise (they only push, which fails only when Lua runs out
// of memory).
//
// Conversions follow Redis 7.0's script_lua.c: luaReplyToRedisReply (WriteLuaValue) and
// redisProtocolToLuaType (PushRespValue), RESP2 and RESP3.

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
#include "detail/lua_sandbox.h"

extern "C" {
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
int luaopen_cjson(lua_State* lua);
int luaopen_bit(lua_State* lua);
}

namespace cachette::scripting::detail {

namespace {

// A Lua C function whose body (`Impl`) may hold C++ objects: it returns true after pushing an
// error value, and lua_error (a longjmp) is raised here, once they are destroyed.
template <bool (*Impl)(lua_State*), int kResults>
int WithLuaError(lua_State* lua) {
  if (Impl(lua)) {
    return lua_error(lua);
  }
  return kResults;
}

// Registry keys (their addresses are unique light userdata).
char kVmKey;
char kScriptsKey;
char kHandlerKey;
char kGlobalsKey;
char kFunctionsKey;
char kLoadingKey;
char kSetLoadingKey;

// FUNCTION LOAD stops a library whose code runs longer than this (as Redis does).
constexpr int64_t kLoadTimeoutUs = 500000;

// Redis runs a GC step every 50 scripts.
constexpr int kGcPeriod = 50;
// The count hook fires every this many VM instructions (as in Redis).
constexpr int kHookInstructions = 100000;

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

// --- RESP -> Lua -------------------------------------------------------------------------

// Parses one reply at [p, end) and pushes its value; returns the end of the reply, or nullptr
// when the bytes are not one whole reply (nothing useful is left pushed then).
const char* PushReply(lua_State* lua, const char* p, const char* end) {
  if (p >= end || !lua_checkstack(lua, 5)) {
    return nullptr;
  }
  const char type = *p;
  const char* eol = static_cast<const char*>(memchr(p, '\r', static_cast<size_t>(end - p)));
  if (eol == nullptr || eol + 1 >= end) {
    return nullptr;
  }
  const std::string_view line(p + 1, static_cast<size_t>(eol - p - 1));
  const char* next = eol + 2;
  auto number = [&]() { return std::strtoll(std::string(line).c_str(), nullptr, 10); };
  switch (type) {
    case '+':
      lua_newtable(lua);
      lua_pushstring(lua, "ok");
      lua_pushlstring(lua, line.data(), line.size());
      lua_settable(lua, -3);
      return next;
    case '-': {
      std::string text = "-";
      text.append(line);
      PushError(lua, text);
      lua_pushstring(lua, "ignore_err_stats_update");
      lua_pushboolean(lua, 1);
      lua_settable(lua, -3);
      return next;
    }
    case ':':
      lua_pushnumber(lua, static_cast<lua_Number>(number()));
      return next;
    case '$':
    case '=': {
      const long long len = number();
      if (len < 0) {
        lua_pushboolean(lua, 0);
        return next;
      }
      if (end - next < len + 2) {
        return nullptr;
      }
      if (type == '$') {
        lua_pushlstring(lua, next, static_cast<size_t>(len));
      } else {
        // {verbatim_string = {format = "txt", string = "..."}}
        lua_newtable(lua);
        lua_pushstring(lua, "verbatim_string");
        lua_newtable(lua);
        lua_pushstring(lua, "string");
        lua_pushlstring(lua, next + 4, static_cast<size_t>(len > 4 ? len - 4 : 0));
        lua_settable(lua, -3);
        lua_pushstring(lua, "format");
        lua_pushlstring(lua, next, static_cast<size_t>(len < 3 ? len : 3));
        lua_settable(lua, -3);
        lua_settable(lua, -3);
      }
      return next + len + 2;
    }
    case '*':
    case '>': {
      const long long count = number();
      if (count < 0) {
        lua_pushboolean(lua, 0);
        return next;
      }
      lua_newtable(lua);
      for (long long i = 0; i < count; ++i) {
        lua_pushnumber(lua, static_cast<lua_Number>(i + 1));
        next = PushReply(lua, next, end);
        if (next == nullptr) {
          return nullptr;
        }
        lua_settable(lua, -3);
      }
      return next;
    }
    case '%':
    case '~':
    case '|': {
      const long long count = number();
      lua_newtable(lua);
      lua_pushstring(lua, type == '~' ? "set" : "map");
      lua_newtable(lua);
      for (long long i = 0; i < count; ++i) {
        next = PushReply(lua, next, end);
        if (next == nullptr) {
          return nullptr;
        }
        if (type == '~') {
          lua_pushboolean(lua, 1);
        } else {
          next = PushReply(lua, next, end);
          if (next == nullptr) {
            return nullptr;
          }
        }
        lua_settable(lua, -3);
      }
      lua_settable(lua, -3);
      if (type == '|') {
        // An attribute is dropped; the reply it annotates follows.
        lua_pop(lua, 1);
        return PushReply(lua, next, end);
      }
      return next;
    }
    case '_':
      lua_pushnil(lua);
      return next;
    case '#':
      lua_pushboolean(lua, line == "t");
      return next;
    case ',': {
      lua_newtable(lua);
      lua_pushstring(lua, "double");
      lua_pushnumber(lua, std::strtod(std::string(line).c_str(), nullptr));
      lua_settable(lua, -3);
      return next;
    }
    case '(':
      lua_newtable(lua);
      lua_pushstring(lua, "big_number");
      lua_pushlstring(lua, line.data(), line.size());
      lua_settable(lua, -3);
      return next;
    default:
      return nullptr;
  }
}

// --- Lua -> RESP -------------------------------------------------------------------------

// (long long)double as x86 computes it: out of range and NaN give INT64_MIN (a plain cast is
// undefined behaviour there).
int64_t ToInt64(lua_Number value) {
  if (std::isnan(value) || value >= 9223372036854775808.0 || value < -9223372036854775808.0) {
    return INT64_MIN;
  }
  return static_cast<int64_t>(value);
}

std::string MapCrLf(const char* s, size_t len) {
  std::string out(s, len);
  for (char& c : out) {
    if (c == '\r' || c == '\n') {
      c = ' ';
    }
  }
  return out;
}

// Pushes t[field] (raw) for the table on top; returns its type.
int RawField(lua_State* lua, const char* field, int table_index = -1) {
  lua_pushstring(lua, field);
  lua_rawget(lua, table_index - 1);
  return lua_type(lua, -1);
}

void WriteValue(lua_State* lua, protocol::ReplyWriter& reply, int script_resp, int depth);

// Nesting deeper than this is answered "reached lua stack limit" (Redis answers so when Lua's
// stack runs out, a little deeper): the conversion recurses, and thread stacks are finite.
constexpr int kMaxReplyDepth = 1000;

void WriteTable(lua_State* lua, protocol::ReplyWriter& reply, int script_resp, int depth) {
  // {err = "..."}: an error reply.
  if (RawField(lua, "err") == LUA_TSTRING) {
    size_t len;
    const char* s = lua_tolstring(lua, -1, &len);
    reply.Error(std::string_view(s, len));
    lua_pop(lua, 2);
    return;
  }
  lua_pop(lua, 1);
  if (RawField(lua, "ok") == LUA_TSTRING) {
    size_t len;
    const char* s = lua_tolstring(lua, -1, &len);
    reply.SimpleString(MapCrLf(s, len));
    lua_pop(lua, 2);
    return;
  }
  lua_pop(lua, 1);
  if (RawField(lua, "double") == LUA_TNUMBER) {
    reply.Double(lua_tonumber(lua, -1));
    lua_pop(lua, 2);
    return;
  }
  lua_pop(lua, 1);
  if (RawField(lua, "big_number") == LUA_TSTRING) {
    size_t len;
    const char* s = lua_tolstring(lua, -1, &len);
    const std::string digits = MapCrLf(s, len);
    if (reply.resp_version() >= 3) {
      reply.Raw("(" + digits + "\r\n");
    } else {
      reply.Bulk(digits);
    }
    lua_pop(lua, 2);
    return;
  }
  lua_pop(lua, 1);
  if (RawField(lua, "verbatim_string") == LUA_TTABLE) {
    if (RawField(lua, "format") == LUA_TSTRING) {
      if (RawField(lua, "string", -2) == LUA_TSTRING) {
        size_t len;
        const char* s = lua_tolstring(lua, -1, &len);
        size_t format_len;
        const char* format = lua_tolstring(lua, -2, &format_len);
        reply.Verbatim(std::string_view(s, len), std::string_view(format, format_len));
        lua_pop(lua, 4);
        return;
      }
      lua_pop(lua, 1);
    }
    lua_pop(lua, 1);
  }
  lua_pop(lua, 1);
  const int map_type = RawField(lua, "map");
  if (map_type == LUA_TTABLE) {
    std::string body;
    protocol::ReplyWriter inner(&body, reply.resp_version());
    size_t pairs = 0;
    lua_pushnil(lua);
    while (lua_next(lua, -2) != 0) {
      lua_pushvalue(lua, -2);
      WriteValue(lua, inner, script_resp, depth + 1);  // the key
      WriteValue(lua, inner, script_resp, depth + 1);  // the value
      ++pairs;
    }
    reply.MapHeader(pairs);
    reply.Raw(body);
    lua_pop(lua, 2);
    return;
  }
  lua_pop(lua, 1);
  if (RawField(lua, "set") == LUA_TTABLE) {
    std::string body;
    protocol::ReplyWriter inner(&body, reply.resp_version());
    size_t count = 0;
    lua_pushnil(lua);
    while (lua_next(lua, -2) != 0) {
      lua_pop(lua, 1);
      lua_pushvalue(lua, -1);
      WriteValue(lua, inner, script_resp, depth + 1);
      ++count;
    }
    reply.SetHeader(count);
    reply.Raw(body);
    lua_pop(lua, 2);
    return;
  }
  lua_pop(lua, 1);
  // An array: t[1], t[2], ... up to the first nil.
  std::string body;
  protocol::ReplyWriter inner(&body, reply.resp_version());
  size_t count = 0;
  for (int j = 1;; ++j) {
    lua_pushnumber(lua, j);
    lua_rawget(lua, -2);
    if (lua_type(lua, -1) == LUA_TNIL) {
      lua_pop(lua, 1);
      break;
    }
    WriteValue(lua, inner, script_resp, depth + 1);
    ++count;
  }
  reply.ArrayHeader(count);
  reply.Raw(body);
  lua_pop(lua, 1);
}

void WriteValue(lua_State* lua, protocol::ReplyWriter& reply, int script_resp, int depth) {
  if (depth > kMaxReplyDepth || !lua_checkstack(lua, 4)) {
    reply.Error("ERR reached lua stack limit");
    lua_pop(lua, 1);
    return;
  }
  switch (lua_type(lua, -1)) {
    case LUA_TSTRING: {
      size_t len;
      const char* s = lua_tolstring(lua, -1, &len);
      reply.Bulk(std::string_view(s, len));
      break;
    }
    case LUA_TBOOLEAN:
      if (script_resp == 2) {
        if (lua_toboolean(lua, -1)) {
          reply.Integer(1);
        } else {
          reply.NullBulk();
        }
      } else {
        reply.Boolean(lua_toboolean(lua, -1) != 0);
      }
      break;
    case LUA_TNUMBER:
      reply.Integer(ToInt64(lua_tonumber(lua, -1)));
      break;
    case LUA_TTABLE:
      WriteTable(lua, reply, script_resp, depth);
      return;
    default:
      reply.NullBulk();
      break;
  }
  lua_pop(lua, 1);
}

// --- The redis.* library -----------------------------------------------------------------
// Each Lua-facing function is a thin shell: a helper does the C++ work and returns whether
// the value it pushed is an error to raise; the shell raises after the helper's objects are
// gone.

bool RedisCallImpl(lua_State* lua) {
  LuaVm* vm = VmOf(lua);
  const int argc = lua_gettop(lua);
  if (argc == 0) {
    PushError(lua, "Please specify at least one argument for this redis lib call");
    return true;
  }
  std::vector<std::string_view> args;
  args.reserve(static_cast<size_t>(argc));
  std::vector<std::string> numbers;
  numbers.reserve(static_cast<size_t>(argc));
  for (int j = 1; j <= argc; ++j) {
    const int type = lua_type(lua, j);
    if (type == LUA_TNUMBER) {
      char buf[64];
      const int n = std::snprintf(buf, sizeof(buf), "%.17g", lua_tonumber(lua, j));
      numbers.emplace_back(buf, static_cast<size_t>(n));
      args.emplace_back(numbers.back());
    } else if (type == LUA_TSTRING) {
      size_t len;
      const char* s = lua_tolstring(lua, j, &len);
      args.emplace_back(s, len);
    } else {
      PushError(lua, "Lua redis lib command arguments must be strings or integers");
      return true;
    }
  }
  if (vm == nullptr || vm->host() == nullptr) {
    PushError(lua, "redis.call is not available here");
    return true;
  }
  std::string out;
  vm->host()->Call(args, vm->script_resp(), &out);
  if (PushRespValue(lua, out) == 0) {
    PushError(lua, "Unexpected reply from command");
    return true;
  }
  return !out.empty() && out[0] == '-';
}

constexpr lua_CFunction LuaRedisCall = WithLuaError<RedisCallImpl, 1>;

int LuaRedisPcall(lua_State* lua) {
  RedisCallImpl(lua);
  return 1;
}

bool Sha1HexImpl(lua_State* lua) {
  if (lua_gettop(lua) != 1) {
    PushError(lua, "wrong number of arguments");
    return true;
  }
  size_t len = 0;
  const char* s = lua_tolstring(lua, 1, &len);
  const std::string hex = Sha1Hex(s == nullptr ? std::string_view() : std::string_view(s, len));
  lua_pushlstring(lua, hex.data(), hex.size());
  return false;
}

constexpr lua_CFunction LuaSha1Hex = WithLuaError<Sha1HexImpl, 1>;

// redis.error_reply(text) / redis.status_reply(text): {err = ...} / {ok = ...}.
int LuaErrorReply(lua_State* lua) {
  if (lua_gettop(lua) != 1 || lua_type(lua, -1) != LUA_TSTRING) {
    PushError(lua, "wrong number or type of arguments");
    return 1;
  }
  size_t len;
  const char* s = lua_tolstring(lua, 1, &len);
  if (len > 0 && s[0] == '-') {
    PushError(lua, std::string_view(s, len));
  } else {
    PushError(lua, "-" + std::string(s, len));
  }
  return 1;
}

int LuaStatusReply(lua_State* lua) {
  if (lua_gettop(lua) != 1 || lua_type(lua, -1) != LUA_TSTRING) {
    PushError(lua, "wrong number or type of arguments");
    return 1;
  }
  lua_newtable(lua);
  lua_pushstring(lua, "ok");
  lua_pushvalue(lua, 1);
  lua_settable(lua, -3);
  return 1;
}

bool LogImpl(lua_State* lua) {
  const int argc = lua_gettop(lua);
  if (argc < 2) {
    PushError(lua, "redis.log() requires two arguments or more.");
    return true;
  }
  if (!lua_isnumber(lua, 1)) {
    PushError(lua, "First argument must be a number (log level).");
    return true;
  }
  const lua_Number level = lua_tonumber(lua, 1);
  if (level < 0 || level > 3) {
    PushError(lua, "Invalid debug level.");
    return true;
  }
  std::string text;
  for (int j = 2; j <= argc; ++j) {
    size_t len;
    const char* s = lua_tolstring(lua, j, &len);
    if (s != nullptr) {
      if (j != 2) {
        text += ' ';
      }
      text.append(s, len);
    }
  }
  const auto spd_level = level < 2   ? spdlog::level::debug
                         : level < 3 ? spdlog::level::info
                                     : spdlog::level::warn;
  spdlog::log(spd_level, "{}", text);
  return false;
}

constexpr lua_CFunction LuaLog = WithLuaError<LogImpl, 0>;

bool SetRespImpl(lua_State* lua) {
  const int argc = lua_gettop(lua);
  if (argc != 1) {
    PushError(lua, "redis.setresp() requires one argument.");
    return true;
  }
  const int resp = static_cast<int>(lua_tonumber(lua, -argc));
  if (resp != 2 && resp != 3) {
    PushError(lua, "RESP version must be 2 or 3.");
    return true;
  }
  VmOf(lua)->set_script_resp(resp);
  return false;
}

constexpr lua_CFunction LuaSetResp = WithLuaError<SetRespImpl, 0>;

int LuaReplicateCommands(lua_State* lua) {
  lua_pushboolean(lua, 1);
  return 1;
}

int LuaNoop(lua_State* /*lua*/) { return 0; }

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

bool ValidName(std::string_view name) {
  if (name.empty()) {
    return false;
  }
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') {
      return false;
    }
  }
  return true;
}

constexpr std::string_view kFunctionFlags[] = {"no-writes", "allow-oom", "allow-stale",
                                               "no-cluster", "allow-cross-slot-keys"};

// redis.register_function(name, callback) or redis.register_function{function_name = ...,
// callback = ..., flags = {...}, description = ...}: records the function in the loading
// table as {callback = fn, flags = {...}, description = s}. Pushes an error table and returns
// true on failure.
bool RegisterFunctionImpl(lua_State* lua) {
  const int argc = lua_gettop(lua);
  lua_pushlightuserdata(lua, &kLoadingKey);
  lua_rawget(lua, LUA_REGISTRYINDEX);
  if (!lua_istable(lua, -1)) {
    lua_pop(lua, 1);
    PushError(lua, "redis.register_function can only be called on FUNCTION LOAD command");
    return true;
  }
  const int loading = lua_gettop(lua);
  int name_index = 0;
  int callback_index = 0;
  int flags_index = 0;
  int description_index = 0;
  if (argc == 1 && lua_istable(lua, 1)) {
    lua_pushnil(lua);
    while (lua_next(lua, 1) != 0) {
      lua_pop(lua, 1);
      const char* key = lua_type(lua, -1) == LUA_TSTRING ? lua_tostring(lua, -1) : "";
      const std::string_view field(key);
      if (field != "function_name" && field != "callback" && field != "flags" &&
          field != "description") {
        lua_pop(lua, 1);
        PushError(lua, "unknown argument given to redis.register_function");
        return true;
      }
    }
    auto take = [&](const char* field) {
      lua_getfield(lua, 1, field);
      if (lua_isnil(lua, -1)) {
        lua_pop(lua, 1);
        return 0;
      }
      return lua_gettop(lua);
    };
    name_index = take("function_name");
    callback_index = take("callback");
    flags_index = take("flags");
    description_index = take("description");
    if (name_index != 0 && !lua_isstring(lua, name_index)) {
      PushError(lua, "function_name argument given to redis.register_function must be a string");
      return true;
    }
    if (description_index != 0 && !lua_isstring(lua, description_index)) {
      PushError(lua, "description argument given to redis.register_function must be a string");
      return true;
    }
    if (callback_index != 0 && !lua_isfunction(lua, callback_index)) {
      PushError(lua, "callback argument given to redis.register_function must be a function");
      return true;
    }
    if (flags_index != 0 && !lua_istable(lua, flags_index)) {
      PushError(lua,
                "flags argument to redis.register_function must be a table representing "
                "function flags");
      return true;
    }
    if (name_index == 0) {
      PushError(lua, "redis.register_function must get a function name argument");
      return true;
    }
    if (callback_index == 0) {
      PushError(lua, "redis.register_function must get a callback argument");
      return true;
    }
  } else if (argc == 2) {
    if (!lua_isstring(lua, 1)) {
      PushError(lua, "first argument to redis.register_function must be a string");
      return true;
    }
    if (!lua_isfunction(lua, 2)) {
      PushError(lua, "second argument to redis.register_function must be a function");
      return true;
    }
    name_index = 1;
    callback_index = 2;
  } else {
    PushError(lua, "wrong number of arguments to redis.register_function");
    return true;
  }
  size_t name_len;
  const char* name = lua_tolstring(lua, name_index, &name_len);
  if (!ValidName(std::string_view(name, name_len))) {
    PushError(lua,
              "Library names can only contain letters, numbers, or underscores(_) and must be "
              "at least one character long");
    return true;
  }
  lua_pushlstring(lua, name, name_len);
  lua_rawget(lua, loading);
  const bool exists = !lua_isnil(lua, -1);
  lua_pop(lua, 1);
  if (exists) {
    PushError(lua, "Function already exists in the library");
    return true;
  }
  lua_pushlstring(lua, name, name_len);
  lua_newtable(lua);
  lua_pushvalue(lua, callback_index);
  lua_setfield(lua, -2, "callback");
  if (description_index != 0) {
    lua_pushvalue(lua, description_index);
    lua_setfield(lua, -2, "description");
  }
  lua_newtable(lua);
  if (flags_index != 0) {
    for (int j = 1;; ++j) {
      lua_rawgeti(lua, flags_index, j);
      if (lua_isnil(lua, -1)) {
        lua_pop(lua, 1);
        break;
      }
      const char* flag = lua_type(lua, -1) == LUA_TSTRING ? lua_tostring(lua, -1) : "";
      bool known = false;
      for (std::string_view candidate : kFunctionFlags) {
        known = known || candidate == flag;
      }
      if (!known) {
        PushError(lua, "unknown flag given");
        return true;
      }
      lua_rawseti(lua, -2, j);
    }
  }
  lua_setfield(lua, -2, "flags");
  lua_rawset(lua, loading);
  return false;
}

constexpr lua_CFunction LuaRegisterFunction = WithLuaError<RegisterFunctionImpl, 0>;

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

size_t PushRespValue(lua_State* lua, std::string_view resp) {
  const char* end = PushReply(lua, resp.data(), resp.data() + resp.size());
  return end == nullptr ? 0 : static_cast<size_t>(end - resp.data());
}

void WriteLuaValue(lua_State* lua, protocol::ReplyWriter& reply, int script_resp) {
  WriteValue(lua, reply, script_resp, 0);
}

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

  static const luaL_Reg kRedis[] = {
      {"call", LuaRedisCall},
      {"pcall", LuaRedisPcall},
      {"log", LuaLog},
      {"setresp", LuaSetResp},
      {"sha1hex", LuaSha1Hex},
      {"error_reply", LuaErrorReply},
      {"status_reply", LuaStatusReply},
      {"replicate_commands", LuaReplicateCommands},
      {"set_repl", LuaNoop},
      {"breakpoint", LuaNoop},
      {"debug", LuaNoop},
      {nullptr, nullptr},
  };
  luaL_register(lua, "redis", kRedis);
  struct Constant {
    const char* name;
    int value;
  };
  static const Constant kConstants[] = {
      {"LOG_DEBUG", 0},  {"LOG_VERBOSE", 1},
      {"LOG_NOTICE", 2}, {"LOG_WARNING", 3},
      {"REPL_NONE", 0},  {"REPL_AOF", 1},
      {"REPL_SLAVE", 2}, {"REPL_REPLICA", 2},
      {"REPL_ALL", 3},   {"REDIS_VERSION_NUM", 0x07000f},
  };
  for (const Constant& constant : kConstants) {
    lua_pushstring(lua, constant.name);
    lua_pushnumber(lua, constant.value);
    lua_rawset(lua, -3);
  }
  lua_pushstring(lua, "REDIS_VERSION");
  lua_pushstring(lua, "7.0.15");
  lua_rawset(lua, -3);
  lua_pop(lua, 1);

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
  // The library API FUNCTION LOAD's code sees as 'redis'.
  lua_newtable(lua);
  lua_pushcfunction(lua, LuaRegisterFunction);
  lua_setfield(lua, -2, "register_function");
  lua_pushcfunction(lua, LuaLog);
  lua_setfield(lua, -2, "log");
  lua_pushcfunction(lua, LuaSetResp);
  lua_setfield(lua, -2, "setresp");
  for (const Constant& constant : kConstants) {
    lua_pushnumber(lua, constant.value);
    lua_setfield(lua, -2, constant.name);
  }
  lua_pushstring(lua, "7.0.15");
  lua_setfield(lua, -2, "REDIS_VERSION");
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
