// Conversions between Lua values and RESP for scripts, following Redis 7.0's script_lua.c:
// redisProtocolToLuaType (PushRespValue: a redis.call reply, RESP2 or RESP3, to Lua values; an
// error reply becomes the table {err = "..."}) and luaReplyToRedisReply (WriteLuaValue: a
// script's result to a reply, with the script's redis.setresp version deciding how booleans and
// RESP3 types are written). Both recurse once per nesting level, up to kMaxReplyDepth.
//
// They run outside any Lua raise: they only push, which fails only when Lua runs out of
// memory.

#include <cmath>
#include <cstring>
#include <string>
#include <string_view>

#include "detail/lua_internal.h"
#include "detail/lua_vm.h"

extern "C" {
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
}

namespace cachette::scripting::detail {

int RawField(lua_State* lua, const char* field, int table_index) {
  lua_pushstring(lua, field);
  lua_rawget(lua, table_index - 1);
  return lua_type(lua, -1);
}

namespace {

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

}  // namespace

size_t PushRespValue(lua_State* lua, std::string_view resp) {
  const char* end = PushReply(lua, resp.data(), resp.data() + resp.size());
  return end == nullptr ? 0 : static_cast<size_t>(end - resp.data());
}

void WriteLuaValue(lua_State* lua, protocol::ReplyWriter& reply, int script_resp) {
  WriteValue(lua, reply, script_resp, 0);
}

}  // namespace cachette::scripting::detail
