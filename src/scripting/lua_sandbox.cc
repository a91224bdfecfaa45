// The hardening of stock Lua 5.1 for untrusted scripts (see detail/lua_sandbox.h).
//
// Redis vendors Lua and patches it: read-only tables checked inside lua_rawset and friends, a
// parser that never loads bytecode, overflow fixes in unpack, bit.tohex and lua-cjson. Cachette
// links Debian's liblua5.1, lua-cjson and lua-bitop, so it gets the same effects from outside
// the VM, by replacing the script-facing functions through which those holes are reached:
//
// - Read-only globals and libraries. The sandbox setup (lua_vm.cc) shows scripts empty proxy
//   tables whose metamethods read through to the real tables and refuse assignment. Raw access
//   bypasses metamethods, so rawset and setmetatable refuse a protected proxy ("Attempt to
//   modify a readonly table", as Redis), rawget, next and pairs read through it, and
//   getmetatable shows what Redis shows (nil for a library, a read-only table for _G and for
//   strings), and table.insert refuses a proxy. table.remove and table.sort only write where
//   elements exist, and a proxy has none; should anything still be stored raw in a proxy, it
//   is wiped when the script ends (WipeProtectedTables), so no script changes another's view.
// - xpcall runs its handler after unwinding, with hooks on, so SCRIPT KILL and the FUNCTION
//   LOAD timeout stop a handler that loops (Lua 5.1 runs it inside the hook's error, unhooked).
// - No bytecode. loadstring and load (which collects its reader's pieces first) and every
//   compile of EVAL, SCRIPT LOAD and FUNCTION LOAD go through LoadTextChunk, which always uses
//   the text parser and pauses the collector while it parses.
// - Patterns. Lua 5.1's string matcher recurses per quantifier and capture with no limit, so a
//   pattern of a hundred thousand items overflowed the C stack (Redis 7.0.15 crashes on it as
//   well). string.find, match, gmatch and gsub first refuse patterns that would recurse past
//   5,000 levels (with Lua 5.2's "pattern too complex"), then call the stock function.
// - unpack computes its count in 64 bits; bit.tohex clamps INT32_MIN; cjson.encode sends values
//   whose buffer could pass lua-cjson's int sizes to our own encoder (lua_json.cc) and
//   cjson.decode refuses texts of 1 GB or more; cjson.new's tables get the same wrappers.
//
// Errors keep Redis's wording and position prefix: a replacement raises from its own frame, so
// Lua names it after the caller's expression ("bad argument #1 to 'tohex'"), and the errors of a
// wrapped stock function get the caller's position ("user_script:1: ...") that the stock
// function, called from C, could not see. Every function here is plain C style: nothing with a
// destructor is alive when Lua raises (a longjmp).

#include "detail/lua_sandbox.h"

#include <bit>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <string>

#include "detail/lua_json.h"

extern "C" {
#include <lauxlib.h>
#include <lua.h>
}

namespace cachette::scripting::detail {

namespace {

char kProtectedKey;  // registry: protected proxy -> the table it shows
char kShownKey;      // registry: protected proxy -> what getmetatable returns for it

// Lua 5.1's matcher recurses once per quantifier and capture, under 100 bytes of C stack a level
// in a release build (5,000 levels of 'a*' ran in a 512 KB stack, not in 256 KB), a few times
// that under AddressSanitizer: 5,000 levels stay well inside an I/O thread's 8 MB stack and pass
// the patterns Redis 7.0 runs (Lua 5.2's limit of 200 refused string.rep('a?', 3000)).
constexpr size_t kMaxPatternItems = 5000;

// lua-cjson's decoder sizes its scratch buffer as an int from the text's length.
constexpr size_t kMaxJsonDecodeBytes = size_t{1} << 30;

void PushRegistryTable(lua_State* lua, char* key) {
  lua_pushlightuserdata(lua, key);
  lua_rawget(lua, LUA_REGISTRYINDEX);
}

int AbsoluteIndex(lua_State* lua, int index) {
  return index > 0 || index <= LUA_REGISTRYINDEX ? index : lua_gettop(lua) + index + 1;
}

// Pushes the table that the protected proxy at `index` shows and returns true; pushes nothing
// and returns false when the value there is not a protected proxy.
bool PushRealTable(lua_State* lua, int index) {
  index = AbsoluteIndex(lua, index);
  if (!lua_istable(lua, index)) {
    return false;
  }
  PushRegistryTable(lua, &kProtectedKey);
  lua_pushvalue(lua, index);
  lua_rawget(lua, -2);
  lua_remove(lua, -2);
  if (lua_isnil(lua, -1)) {
    lua_pop(lua, 1);
    return false;
  }
  return true;
}

bool IsProtected(lua_State* lua, int index) {
  if (!PushRealTable(lua, index)) {
    return false;
  }
  lua_pop(lua, 1);
  return true;
}

// Replaces the proxy at `index` by the table it shows (reads see through proxies).
void SeeThrough(lua_State* lua, int index) {
  if (PushRealTable(lua, index)) {
    lua_replace(lua, index);
  }
}

int RaiseReadonly(lua_State* lua) {
  lua_pushstring(lua, "Attempt to modify a readonly table");
  return lua_error(lua);
}

// Raises the error value on top, prefixed with the calling script's position when it is a
// message (a stock function called from C cannot see that position itself).
int RaiseFromCaller(lua_State* lua) {
  if (lua_type(lua, -1) == LUA_TSTRING) {
    luaL_where(lua, 1);
    lua_insert(lua, -2);
    lua_concat(lua, 2);
  }
  return lua_error(lua);
}

int LuaRawSet(lua_State* lua) {
  luaL_checktype(lua, 1, LUA_TTABLE);
  luaL_checkany(lua, 2);
  luaL_checkany(lua, 3);
  if (IsProtected(lua, 1)) {
    return RaiseReadonly(lua);
  }
  lua_settop(lua, 3);
  lua_rawset(lua, 1);
  return 1;
}

int LuaRawGet(lua_State* lua) {
  luaL_checktype(lua, 1, LUA_TTABLE);
  luaL_checkany(lua, 2);
  SeeThrough(lua, 1);
  lua_settop(lua, 2);
  lua_rawget(lua, 1);
  return 1;
}

int LuaNext(lua_State* lua) {
  luaL_checktype(lua, 1, LUA_TTABLE);
  SeeThrough(lua, 1);
  lua_settop(lua, 2);
  if (lua_next(lua, 1) != 0) {
    return 2;
  }
  lua_pushnil(lua);
  return 1;
}

// pairs(t): our next (upvalue 1), t, nil.
int LuaPairs(lua_State* lua) {
  luaL_checktype(lua, 1, LUA_TTABLE);
  lua_pushvalue(lua, lua_upvalueindex(1));
  lua_pushvalue(lua, 1);
  lua_pushnil(lua);
  return 3;
}

int LuaGetMetatable(lua_State* lua) {
  luaL_checkany(lua, 1);
  if (IsProtected(lua, 1)) {
    PushRegistryTable(lua, &kShownKey);
    lua_pushvalue(lua, 1);
    lua_rawget(lua, -2);
    return 1;
  }
  if (lua_getmetatable(lua, 1) == 0) {
    lua_pushnil(lua);
    return 1;
  }
  luaL_getmetafield(lua, 1, "__metatable");
  return 1;
}

int LuaSetMetatable(lua_State* lua) {
  const int type = lua_type(lua, 2);
  luaL_checktype(lua, 1, LUA_TTABLE);
  luaL_argcheck(lua, type == LUA_TNIL || type == LUA_TTABLE, 2, "nil or table expected");
  if (IsProtected(lua, 1)) {
    return RaiseReadonly(lua);
  }
  if (luaL_getmetafield(lua, 1, "__metatable") != 0) {
    return luaL_error(lua, "cannot change a protected metatable");
  }
  lua_settop(lua, 2);
  lua_setmetatable(lua, 1);
  return 1;
}

int LuaUnpack(lua_State* lua) {
  luaL_checktype(lua, 1, LUA_TTABLE);
  SeeThrough(lua, 1);
  const int first = luaL_optint(lua, 2, 1);
  const int last = luaL_opt(lua, luaL_checkint, 3, static_cast<int>(lua_objlen(lua, 1)));
  if (first > last) {
    return 0;
  }
  const std::optional<int> count = UnpackCount(first, last);
  if (!count || lua_checkstack(lua, *count) == 0) {
    return luaL_error(lua, "too many results to unpack");
  }
  for (int64_t i = first; i <= last; ++i) {
    lua_rawgeti(lua, 1, static_cast<int>(i));
  }
  return *count;
}

// load's and loadstring's result: the function, or nil and the message.
int LoadResult(lua_State* lua, int status) {
  if (status == 0) {
    return 1;
  }
  lua_pushnil(lua);
  lua_insert(lua, -2);
  return 2;
}

int LuaLoadString(lua_State* lua) {
  size_t len = 0;
  const char* code = luaL_checklstring(lua, 1, &len);
  const char* chunkname = luaL_optstring(lua, 2, code);
  return LoadResult(lua, LoadTextChunk(lua, std::string_view(code, len), chunkname));
}

// load(reader [, chunkname]): the reader's pieces are collected first (a reader that raises
// gives nil and its error, as in stock Lua), then parsed as text.
int LuaLoad(lua_State* lua) {
  const char* chunkname = luaL_optstring(lua, 2, "=(load)");
  luaL_checktype(lua, 1, LUA_TFUNCTION);
  lua_settop(lua, 2);
  luaL_Buffer buffer;
  luaL_buffinit(lua, &buffer);
  for (;;) {
    lua_pushvalue(lua, 1);
    if (lua_pcall(lua, 0, 1, 0) != 0) {
      lua_pushnil(lua);
      lua_insert(lua, -2);
      return 2;
    }
    if (lua_isnil(lua, -1)) {
      lua_pop(lua, 1);
      break;
    }
    if (lua_isstring(lua, -1) == 0) {
      lua_pop(lua, 1);
      lua_pushnil(lua);
      luaL_where(lua, 1);
      lua_pushstring(lua, "reader function must return a string");
      lua_concat(lua, 2);
      return 2;
    }
    if (lua_objlen(lua, -1) == 0) {
      lua_pop(lua, 1);
      break;
    }
    luaL_addvalue(&buffer);
  }
  luaL_pushresult(&buffer);
  size_t len = 0;
  const char* code = lua_tolstring(lua, -1, &len);
  return LoadResult(lua, LoadTextChunk(lua, std::string_view(code, len), chunkname));
}

// lua-bitop's argument conversion (barg): the low 32 bits of the number, rounded.
uint32_t BitArgument(lua_State* lua, int index) {
  const double shifted = lua_tonumber(lua, index) + 6755399441055744.0;  // 2^52 + 2^51
  const auto bits = static_cast<uint32_t>(std::bit_cast<uint64_t>(shifted));
  if (bits == 0 && lua_isnumber(lua, index) == 0) {
    luaL_typerror(lua, index, "number");
  }
  return bits;
}

size_t HexDigits(uint32_t bits, int32_t digits, char out[8]) {
  const char* alphabet = "0123456789abcdef";
  if (digits == INT32_MIN) {
    digits = INT32_MIN + 1;
  }
  if (digits < 0) {
    digits = -digits;
    alphabet = "0123456789ABCDEF";
  }
  digits = digits > 8 ? 8 : digits;
  for (int i = digits - 1; i >= 0; --i) {
    out[i] = alphabet[bits & 15];
    bits >>= 4;
  }
  return static_cast<size_t>(digits);
}

int LuaBitToHex(lua_State* lua) {
  const uint32_t bits = BitArgument(lua, 1);
  const int32_t digits = lua_isnone(lua, 2) ? 8 : static_cast<int32_t>(BitArgument(lua, 2));
  char out[8];
  const size_t len = HexDigits(bits, digits, out);
  lua_pushlstring(lua, out, len);
  return 1;
}

bool OwnJsonEncode(lua_State* lua) {
  std::string out;
  if (auto error = EncodeJson(lua, 1, &out)) {
    luaL_where(lua, 1);
    lua_pushlstring(lua, error->data(), error->size());
    lua_concat(lua, 2);
    return true;
  }
  lua_pushlstring(lua, out.data(), out.size());
  return false;
}

// cjson.encode(value); upvalue 1: lua-cjson's encode.
int LuaJsonEncode(lua_State* lua) {
  luaL_argcheck(lua, lua_gettop(lua) == 1, 1, "expected 1 argument");
  if (JsonReserveBound(lua, 1, kStockJsonEncodeLimit) > kStockJsonEncodeLimit) {
    if (OwnJsonEncode(lua)) {
      return lua_error(lua);
    }
    return 1;
  }
  lua_pushvalue(lua, lua_upvalueindex(1));
  lua_pushvalue(lua, 1);
  if (lua_pcall(lua, 1, 1, 0) != 0) {
    return RaiseFromCaller(lua);
  }
  return 1;
}

// cjson.decode(text); upvalue 1: lua-cjson's decode.
int LuaJsonDecode(lua_State* lua) {
  luaL_argcheck(lua, lua_gettop(lua) == 1, 1, "expected 1 argument");
  if (lua_type(lua, 1) == LUA_TSTRING && lua_objlen(lua, 1) >= kMaxJsonDecodeBytes) {
    return luaL_error(lua, "JSON text too large to decode (1 GB or more)");
  }
  lua_pushvalue(lua, lua_upvalueindex(1));
  lua_pushvalue(lua, 1);
  if (lua_pcall(lua, 1, 1, 0) != 0) {
    return RaiseFromCaller(lua);
  }
  return 1;
}

void WrapJsonTable(lua_State* lua, int index);

// cjson.new(); upvalue 1: lua-cjson's new. Its table gets the same wrappers.
int LuaJsonNew(lua_State* lua) {
  lua_pushvalue(lua, lua_upvalueindex(1));
  if (lua_pcall(lua, 0, 1, 0) != 0) {
    return RaiseFromCaller(lua);
  }
  if (lua_istable(lua, -1)) {
    WrapJsonTable(lua, -1);
  }
  return 1;
}

void WrapJsonTable(lua_State* lua, int index) {
  index = AbsoluteIndex(lua, index);
  const struct {
    const char* name;
    lua_CFunction wrapper;
  } kWrapped[] = {{"encode", LuaJsonEncode}, {"decode", LuaJsonDecode}, {"new", LuaJsonNew}};
  for (const auto& wrapped : kWrapped) {
    lua_getfield(lua, index, wrapped.name);
    if (lua_isfunction(lua, -1)) {
      lua_pushcclosure(lua, wrapped.wrapper, 1);
      lua_setfield(lua, index, wrapped.name);
    } else {
      lua_pop(lua, 1);
    }
  }
}

// Registry key marking an error that the guarded stock function raised itself.
char kStockErrorKey;

// The error handler of a guarded call; upvalue 1: the stock function. An error the stock
// function raised itself (level 1 of this handler) is wrapped as {[kStockErrorKey] = msg}, so
// the guard can give it the script's position; errors of Lua callbacks (gsub's function
// replacement) pass unchanged.
int MarkStockError(lua_State* lua) {
  lua_Debug frame;
  if (lua_type(lua, 1) != LUA_TSTRING || lua_getstack(lua, 1, &frame) == 0) {
    return 1;
  }
  lua_getinfo(lua, "f", &frame);
  const bool stock = lua_rawequal(lua, -1, lua_upvalueindex(1)) != 0;
  lua_pop(lua, 1);
  if (stock) {
    lua_createtable(lua, 0, 1);
    lua_pushlightuserdata(lua, &kStockErrorKey);
    lua_pushvalue(lua, 1);
    lua_rawset(lua, -3);
  }
  return 1;
}

// The stock function's message as it would read called straight from the script: the script's
// position first, and in an argument error the name the script called it by (Lua saw our C
// frame as the caller, so it wrote '?' and counted a method's self).
bool RewriteStockError(lua_State* lua) {
  size_t len = 0;
  const char* text = lua_tolstring(lua, -1, &len);
  std::string message(text, len);
  lua_pop(lua, 1);
  lua_Debug self;
  if (message.starts_with("bad argument #") && lua_getstack(lua, 0, &self) != 0 &&
      lua_getinfo(lua, "n", &self) != 0) {
    const size_t to = message.find(" to '?' (");
    if (to != std::string::npos) {
      int arg = std::atoi(message.c_str() + std::strlen("bad argument #"));
      const std::string name = self.name != nullptr ? self.name : "?";
      const std::string detail = message.substr(to + std::strlen(" to '?' "));
      if (self.namewhat != nullptr && std::strcmp(self.namewhat, "method") == 0) {
        --arg;
      }
      message = arg == 0 ? "calling '" + name + "' on bad self " + detail
                         : "bad argument #" + std::to_string(arg) + " to '" + name + "' " + detail;
    }
  }
  luaL_where(lua, 1);
  lua_pushlstring(lua, message.data(), message.size());
  lua_concat(lua, 2);
  return true;
}

// string.find, match, gmatch and gsub; upvalue 1: the stock function. Refuses a pattern that
// would recurse past kMaxPatternItems, then calls the stock function under MarkStockError.
int LuaPatternGuard(lua_State* lua) {
  const int nargs = lua_gettop(lua);
  const int pattern_type = lua_type(lua, 2);
  if (pattern_type == LUA_TSTRING || pattern_type == LUA_TNUMBER) {
    size_t len = 0;
    const char* pattern = lua_tolstring(lua, 2, &len);
    if (PatternRecursion(std::string_view(pattern, len)) > kMaxPatternItems) {
      return luaL_error(lua, "pattern too complex");
    }
  }
  lua_pushvalue(lua, lua_upvalueindex(1));
  lua_pushcclosure(lua, MarkStockError, 1);
  lua_insert(lua, 1);
  lua_pushvalue(lua, lua_upvalueindex(1));
  lua_insert(lua, 2);
  if (lua_pcall(lua, nargs, LUA_MULTRET, 1) == 0) {
    return lua_gettop(lua) - 1;
  }
  if (lua_istable(lua, -1)) {
    lua_pushlightuserdata(lua, &kStockErrorKey);
    lua_rawget(lua, -2);
    if (lua_type(lua, -1) == LUA_TSTRING) {
      RewriteStockError(lua);
    } else {
      lua_pop(lua, 1);
    }
  }
  return lua_error(lua);
}

// table.insert(t, [pos,] value); upvalue 1: the stock function, which writes with lua_rawseti
// (no metamethod can refuse it): a protected proxy is refused with Redis's error. The argument
// checks come first so that their messages name 'insert' as the stock function's would.
int LuaTableInsert(lua_State* lua) {
  luaL_checktype(lua, 1, LUA_TTABLE);
  const int nargs = lua_gettop(lua);
  if (nargs == 3) {
    luaL_checkint(lua, 2);
  } else if (nargs != 2) {
    return luaL_error(lua, "wrong number of arguments to 'insert'");
  }
  if (IsProtected(lua, 1)) {
    return RaiseReadonly(lua);
  }
  lua_pushvalue(lua, lua_upvalueindex(1));
  lua_insert(lua, 1);
  lua_call(lua, nargs, 0);
  return 0;
}

// xpcall(f, handler) calling the handler after the error has unwound f, not at the point of
// the error as Lua 5.1 does: an error raised by the count hook (SCRIPT KILL, a FUNCTION LOAD
// timeout) runs Lua 5.1's handler with hooks off, so a handler that loops could never be
// stopped. Without the debug library, a handler cannot tell the difference. Results as Lua's:
// true and f's results, or false and the handler's first result ("error in error handling"
// when the handler fails too).
int LuaXpcall(lua_State* lua) {
  luaL_checkany(lua, 2);
  lua_settop(lua, 2);
  lua_pushvalue(lua, 1);
  const int status = lua_pcall(lua, 0, LUA_MULTRET, 0);
  if (status == LUA_ERRRUN) {
    lua_pushvalue(lua, 2);
    lua_insert(lua, -2);
    if (lua_pcall(lua, 1, 1, 0) != 0) {
      lua_pop(lua, 1);
      lua_pushliteral(lua, "error in error handling");
    }
  }
  lua_pushboolean(lua, status == 0 ? 1 : 0);
  lua_replace(lua, 1);
  lua_remove(lua, 2);
  return lua_gettop(lua);
}

void ClearTable(lua_State* lua, int index) {
  index = AbsoluteIndex(lua, index);
  lua_pushnil(lua);
  while (lua_next(lua, index) != 0) {
    lua_pop(lua, 1);
    lua_pushvalue(lua, -1);
    lua_pushnil(lua);
    lua_rawset(lua, index);  // clearing a field during a traversal is allowed
  }
}

}  // namespace

void InstallSafeBuiltins(lua_State* lua) {
  const struct {
    const char* name;
    lua_CFunction function;
  } kGlobals[] = {{"unpack", LuaUnpack},
                  {"loadstring", LuaLoadString},
                  {"load", LuaLoad},
                  {"rawset", LuaRawSet},
                  {"rawget", LuaRawGet},
                  {"setmetatable", LuaSetMetatable},
                  {"getmetatable", LuaGetMetatable},
                  {"next", LuaNext},
                  {"xpcall", LuaXpcall}};
  for (const auto& global : kGlobals) {
    lua_pushcfunction(lua, global.function);
    lua_setfield(lua, LUA_GLOBALSINDEX, global.name);
  }
  lua_getfield(lua, LUA_GLOBALSINDEX, "next");
  lua_pushcclosure(lua, LuaPairs, 1);
  lua_setfield(lua, LUA_GLOBALSINDEX, "pairs");

  lua_getfield(lua, LUA_GLOBALSINDEX, "table");
  lua_getfield(lua, -1, "insert");
  lua_pushcclosure(lua, LuaTableInsert, 1);
  lua_setfield(lua, -2, "insert");
  lua_pop(lua, 1);

  lua_getfield(lua, LUA_GLOBALSINDEX, "string");
  for (const char* name : {"find", "match", "gmatch", "gsub"}) {
    lua_getfield(lua, -1, name);
    lua_pushcclosure(lua, LuaPatternGuard, 1);
    lua_setfield(lua, -2, name);
  }
  lua_pop(lua, 1);
  lua_getfield(lua, LUA_GLOBALSINDEX, "bit");
  if (lua_istable(lua, -1)) {
    lua_pushcfunction(lua, LuaBitToHex);
    lua_setfield(lua, -2, "tohex");
  }
  lua_pop(lua, 1);
  lua_getfield(lua, LUA_GLOBALSINDEX, "cjson");
  if (lua_istable(lua, -1)) {
    WrapJsonTable(lua, -1);
  }
  lua_pop(lua, 1);

  for (char* key : {&kProtectedKey, &kShownKey}) {
    lua_pushlightuserdata(lua, key);
    lua_newtable(lua);
    lua_rawset(lua, LUA_REGISTRYINDEX);
  }
}

void PushSandboxHelpers(lua_State* lua) {
  PushRegistryTable(lua, &kProtectedKey);
  PushRegistryTable(lua, &kShownKey);
}

int LoadTextChunk(lua_State* lua, std::string_view code, const char* chunkname) {
  std::string spaced;
  if (!code.empty() && code.front() == '\033') {
    // The text parser refuses the ESC byte; a leading space keeps lines and messages alike.
    spaced.reserve(code.size() + 1);
    spaced += ' ';
    spaced.append(code);
    code = spaced;
  }
  lua_gc(lua, LUA_GCSTOP, 0);
  const int status = luaL_loadbuffer(lua, code.data(), code.size(), chunkname);
  lua_gc(lua, LUA_GCRESTART, 0);
  return status;
}

void WipeProtectedTables(lua_State* lua) {
  PushRegistryTable(lua, &kProtectedKey);
  const int proxies = lua_gettop(lua);
  lua_pushnil(lua);
  while (lua_next(lua, proxies) != 0) {
    lua_pop(lua, 1);  // the proxy is the key, now on top
    lua_pushnil(lua);
    if (lua_next(lua, -2) != 0) {
      lua_pop(lua, 2);
      ClearTable(lua, -1);
    }
  }
  lua_pop(lua, 1);
}

std::string BitToHex(uint32_t bits, int32_t digits) {
  char out[8];
  return std::string(out, HexDigits(bits, digits, out));
}

size_t PatternRecursion(std::string_view pattern) {
  pattern = pattern.substr(0, pattern.find('\0'));  // Lua 5.1's matcher ends a pattern there
  size_t items = 0;
  size_t captures = 0;  // Lua refuses the 33rd capture ("too many captures") before recursing
  size_t i = 0;
  const size_t n = pattern.size();
  // Past a set [...] starting at i (at '['), as lstrlib.c's classEnd reads it.
  auto skip_set = [&]() {
    ++i;
    if (i < n && pattern[i] == '^') {
      ++i;
    }
    do {
      if (i >= n) {
        return;
      }
      if (pattern[i++] == '%' && i < n) {
        ++i;
      }
    } while (i < n && pattern[i] != ']');
    ++i;
  };
  while (i < n) {
    const char c = pattern[i];
    if (c == '(' || c == ')') {
      if (c == '(') {
        ++captures;
      }
      if (captures <= kLuaMaxCaptures) {
        ++items;
      }
      ++i;
      continue;
    }
    if (c == '%' && i + 1 < n && pattern[i + 1] == 'b') {
      i += 4;
      continue;
    }
    if (c == '%' && i + 1 < n && pattern[i + 1] == 'f') {
      i += 2;
      if (i < n && pattern[i] == '[') {
        skip_set();
      }
      continue;
    }
    if (c == '%') {
      i += 2;
    } else if (c == '[') {
      skip_set();
    } else {
      ++i;
    }
    if (i < n &&
        (pattern[i] == '*' || pattern[i] == '+' || pattern[i] == '-' || pattern[i] == '?')) {
      ++items;
      ++i;
    }
  }
  return items;
}

std::optional<int> UnpackCount(int first, int last) {
  const int64_t count = int64_t{last} - first + 1;
  if (count <= 0 || count >= INT_MAX) {
    return std::nullopt;
  }
  return static_cast<int>(count);
}

}  // namespace cachette::scripting::detail
