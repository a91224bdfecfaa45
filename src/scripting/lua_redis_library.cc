// The redis.* library scripts call (redis.call, pcall, log, setresp, sha1hex, error_reply,
// status_reply and Redis 7.0's no-op replication and debugging calls) and the library API
// FUNCTION LOAD's code sees (register_function, log, setresp).
//
// Errors and longjmp: Lua raises errors with longjmp, which skips C++ destructors, so each
// Lua-facing function is a thin shell (WithLuaError) around a helper that does the C++ work and
// returns whether the value it pushed is an error to raise; the shell raises once the helper's
// objects are gone.

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
#include "detail/lua_vm.h"

extern "C" {
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
}

namespace cachette::scripting::detail {

namespace {

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

struct Constant {
  const char* name;
  int value;
};
constexpr Constant kConstants[] = {
    {"LOG_DEBUG", 0},  {"LOG_VERBOSE", 1},
    {"LOG_NOTICE", 2}, {"LOG_WARNING", 3},
    {"REPL_NONE", 0},  {"REPL_AOF", 1},
    {"REPL_SLAVE", 2}, {"REPL_REPLICA", 2},
    {"REPL_ALL", 3},   {"REDIS_VERSION_NUM", 0x07000f},
};

}  // namespace

void OpenRedisLibrary(lua_State* lua) {
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
  for (const Constant& constant : kConstants) {
    lua_pushstring(lua, constant.name);
    lua_pushnumber(lua, constant.value);
    lua_rawset(lua, -3);
  }
  lua_pushstring(lua, "REDIS_VERSION");
  lua_pushstring(lua, "7.0.15");
  lua_rawset(lua, -3);
  lua_pop(lua, 1);
}

void PushFunctionLibraryApi(lua_State* lua) {
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
}

}  // namespace cachette::scripting::detail
