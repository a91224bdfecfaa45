// cjson.encode for huge values (see detail/lua_json.h).
//
// The encoder follows lua-cjson 2.1.0's json_append_data with the default configuration, so the
// bytes match what the stock encoder (and Redis's patched copy) produce: a table whose keys are
// all positive integers is an array of length max key (unless max > 2 * count and max > 10:
// "excessively sparse array"), any other non-empty or empty table an object, in lua_next order;
// numbers with "%.14g" (NaN and Inf refused), number keys quoted. Sizes are size_t throughout.
// Limit: settings changed with cjson.encode_* apply to the stock encoder only, which encodes
// every value below kStockJsonEncodeLimit.

#include "detail/lua_json.h"

#include <climits>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string_view>

extern "C" {
#include <lua.h>
}

namespace cachette::scripting::detail {

namespace {

constexpr int kMaxDepth = 1000;
constexpr size_t kNumberReserve = 32;  // lua-cjson's FPCONV_G_FMT_BUFSIZE
constexpr int kSparseRatio = 2;
constexpr int kSparseSafe = 10;

// The bound of the value on top. `memo` and `path` are the absolute indices of two tables:
// each table's own bound once computed (so a table shared by many parents costs one walk, while
// it still counts once per parent, as lua-cjson encodes it once per parent), and the tables on
// the current path. A table met again on its own path (a cycle) counts as past the limit:
// lua-cjson would repeat the cycle up to its configured depth before it refuses, writing its
// contents that many times, so such a value goes to EncodeJson. No depth cut-off: the depth
// setting of lua-cjson can be raised by a script. Nothing here has a destructor (Lua may raise a
// memory error through it).
size_t Bound(lua_State* lua, int memo, int path, size_t so_far, size_t limit) {
  switch (lua_type(lua, -1)) {
    case LUA_TSTRING: {
      size_t len = 0;
      lua_tolstring(lua, -1, &len);
      return so_far + len * 6 + 2;
    }
    case LUA_TTABLE:
      break;
    default:
      return so_far + kNumberReserve;
  }
  if (!lua_checkstack(lua, 4)) {
    return limit + 1;  // deeper than lua-cjson encodes: EncodeJson refuses it
  }
  lua_pushvalue(lua, -1);
  lua_rawget(lua, memo);
  if (lua_isnumber(lua, -1)) {
    const auto known = static_cast<size_t>(lua_tonumber(lua, -1));
    lua_pop(lua, 1);
    return so_far + known;
  }
  lua_pop(lua, 1);
  lua_pushvalue(lua, -1);
  lua_rawget(lua, path);
  const bool cycle = lua_toboolean(lua, -1) != 0;
  lua_pop(lua, 1);
  if (cycle) {
    return limit + 1;
  }
  lua_pushvalue(lua, -1);
  lua_pushboolean(lua, 1);
  lua_rawset(lua, path);
  size_t own = 2;
  lua_pushnil(lua);
  while (own <= limit && lua_next(lua, -2) != 0) {
    own = Bound(lua, memo, path, own + 2, limit);
    lua_pushvalue(lua, -2);
    own = Bound(lua, memo, path, own, limit);
    lua_pop(lua, 2);
  }
  if (own > limit) {
    lua_pop(lua, 1);  // the key lua_next left
    own = limit + 1;
  }
  lua_pushvalue(lua, -1);
  lua_pushnil(lua);
  lua_rawset(lua, path);
  lua_pushvalue(lua, -1);
  lua_pushnumber(lua, static_cast<lua_Number>(own));
  lua_rawset(lua, memo);
  return so_far + own;
}

std::string Exception(lua_State* lua, int index, std::string_view reason) {
  std::string text = "Cannot serialise ";
  text += lua_typename(lua, lua_type(lua, index));
  text += ": ";
  text += reason;
  return text;
}

// Bytes lua-cjson escapes (its char2escape table): controls, DEL, '"', '\\' and '/'.
bool NeedsEscape(unsigned char byte) {
  return byte < 0x20 || byte == 0x7f || byte == '"' || byte == '\\' || byte == '/';
}

void AppendString(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.reserve(out.size() + text.size() + 2);
  out += '"';
  size_t plain = 0;  // start of the run of bytes copied as they are
  for (size_t i = 0; i < text.size(); ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (!NeedsEscape(byte)) {
      continue;
    }
    out.append(text.substr(plain, i - plain));
    plain = i + 1;
    switch (byte) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '/':
        out += "\\/";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        out += "\\u00";
        out += kHex[byte >> 4];
        out += kHex[byte & 15];
    }
  }
  out.append(text.substr(plain));
  out += '"';
}

std::optional<std::string> AppendNumber(lua_State* lua, int index, std::string& out) {
  const lua_Number number = lua_tonumber(lua, index);
  if (std::isinf(number) || std::isnan(number)) {
    return Exception(lua, index, "must not be NaN or Inf");
  }
  char buffer[kNumberReserve];
  const int len = std::snprintf(buffer, sizeof(buffer), "%.14g", number);
  out.append(buffer, static_cast<size_t>(len));
  return std::nullopt;
}

// (int)double as lua-cjson's x86 build computes it: out of range and NaN give INT_MIN.
int ToIntLikeX86(double value) {
  if (std::isnan(value) || value >= 2147483648.0 || value <= -2147483649.0) {
    return INT_MIN;
  }
  return static_cast<int>(value);
}

// lua-cjson's lua_array_length: the array length, 0 for an object; an error for a sparse one.
// Its running maximum is an int, so a key past INT_MAX makes the table an object.
std::optional<std::string> ArrayLength(lua_State* lua, size_t* length) {
  int max = 0;
  int items = 0;
  *length = 0;
  lua_pushnil(lua);
  while (lua_next(lua, -2) != 0) {
    if (lua_type(lua, -2) == LUA_TNUMBER) {
      const lua_Number key = lua_tonumber(lua, -2);
      if (key != 0 && std::floor(key) == key && key >= 1) {
        if (key > max) {
          max = ToIntLikeX86(key);
        }
        ++items;
        lua_pop(lua, 1);
        continue;
      }
    }
    lua_pop(lua, 2);
    return std::nullopt;  // an object
  }
  if (max > static_cast<int64_t>(items) * kSparseRatio && max > kSparseSafe) {
    return Exception(lua, -1, "excessively sparse array");
  }
  *length = max > 0 ? static_cast<size_t>(max) : 0;
  return std::nullopt;
}

std::optional<std::string> AppendValue(lua_State* lua, int depth, std::string& out) {
  switch (lua_type(lua, -1)) {
    case LUA_TSTRING: {
      size_t len = 0;
      const char* text = lua_tolstring(lua, -1, &len);
      AppendString(out, std::string_view(text, len));
      return std::nullopt;
    }
    case LUA_TNUMBER:
      return AppendNumber(lua, -1, out);
    case LUA_TBOOLEAN:
      out += lua_toboolean(lua, -1) ? "true" : "false";
      return std::nullopt;
    case LUA_TNIL:
      out += "null";
      return std::nullopt;
    case LUA_TLIGHTUSERDATA:
      if (lua_touserdata(lua, -1) == nullptr) {  // cjson.null
        out += "null";
        return std::nullopt;
      }
      return Exception(lua, -1, "type not supported");
    case LUA_TTABLE:
      break;
    default:
      return Exception(lua, -1, "type not supported");
  }
  ++depth;
  if (depth > kMaxDepth || !lua_checkstack(lua, 3)) {
    return "Cannot serialise, excessive nesting (" + std::to_string(depth) + ")";
  }
  size_t length = 0;
  if (auto error = ArrayLength(lua, &length)) {
    return error;
  }
  if (length > 0) {
    out += '[';
    for (size_t i = 1; i <= length; ++i) {
      if (i > 1) {
        out += ',';
      }
      lua_rawgeti(lua, -1, static_cast<int>(i));
      auto error = AppendValue(lua, depth, out);
      lua_pop(lua, 1);
      if (error) {
        return error;
      }
    }
    out += ']';
    return std::nullopt;
  }
  out += '{';
  bool comma = false;
  lua_pushnil(lua);
  while (lua_next(lua, -2) != 0) {
    if (comma) {
      out += ',';
    }
    comma = true;
    std::optional<std::string> error;
    if (lua_type(lua, -2) == LUA_TNUMBER) {
      out += '"';
      error = AppendNumber(lua, -2, out);
      out += "\":";
    } else if (lua_type(lua, -2) == LUA_TSTRING) {
      size_t len = 0;
      const char* key = lua_tolstring(lua, -2, &len);
      AppendString(out, std::string_view(key, len));
      out += ':';
    } else {
      error = Exception(lua, -2, "table key must be a number or string");
    }
    if (!error) {
      error = AppendValue(lua, depth, out);
    }
    if (error) {
      lua_pop(lua, 2);
      return error;
    }
    lua_pop(lua, 1);
  }
  out += '}';
  return std::nullopt;
}

}  // namespace

size_t JsonReserveBound(lua_State* lua, int index, size_t limit) {
  index = index > 0 ? index : lua_gettop(lua) + index + 1;
  lua_newtable(lua);
  const int memo = lua_gettop(lua);
  lua_newtable(lua);
  const int path = lua_gettop(lua);
  lua_pushvalue(lua, index);
  const size_t bound = Bound(lua, memo, path, 0, limit);
  lua_settop(lua, memo - 1);
  return bound;
}

std::optional<std::string> EncodeJson(lua_State* lua, int index, std::string* out) {
  const int top = lua_gettop(lua);
  lua_pushvalue(lua, index);
  auto error = AppendValue(lua, 0, *out);
  lua_settop(lua, top);
  return error;
}

}  // namespace cachette::scripting::detail
