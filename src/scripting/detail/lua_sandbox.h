#pragma once

// The hardening of a stock Lua 5.1 interpreter (Debian's liblua5.1, lua-cjson and lua-bitop,
// which lack the fixes Redis patched into its vendored copy). See lua_sandbox.cc for what each
// replacement closes. Internal to the scripting module.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

struct lua_State;

namespace cachette::scripting::detail {

// Replaces, in the real globals table (LUA_GLOBALSINDEX at the time of the call) and in the
// bit and cjson library tables, the functions whose stock versions can crash the server, load
// bytecode or write through the read-only proxies: unpack, loadstring, load, rawset, rawget,
// setmetatable, getmetatable, next, pairs, xpcall, table.insert, string.find/match/gmatch/gsub,
// bit.tohex, cjson.encode, cjson.decode, cjson.new.
// Creates the two registry tables the sandbox setup fills (PushSandboxHelpers).
void InstallSafeBuiltins(lua_State* lua);
// Pushes, for the sandbox setup: the registry's protected proxy -> table-it-shows map, then its
// protected proxy -> what-getmetatable-shows map (both filled as the setup builds the proxies).
void PushSandboxHelpers(lua_State* lua);

// Compiles `code` as Lua text, never as a precompiled binary chunk (a chunk whose first byte is
// ESC is given to the text parser, which refuses it as Redis does: "unexpected symbol near
// 'char(27)'"), with the garbage collector paused, since Lua 5.1's parser keeps the chunk name
// unanchored while it allocates (the CVE-2025-49844 class). Pushes the function or the error
// message; returns luaL_loadbuffer's status.
int LoadTextChunk(lua_State* lua, std::string_view code, const char* chunkname);

// Forgets whatever a script stored raw in a protected proxy (table.insert/sort/remove write
// with lua_rawseti, which no metamethod can refuse), so no script changes what the next one
// sees. Cheap: one lua_next per proxy when nothing was stored.
void WipeProtectedTables(lua_State* lua);

// bit.tohex's digits: `digits` hex digits of `bits` (upper case when negative, at most 8), as
// lua-bitop computes them, with INT32_MIN taken as INT32_MIN + 1 (the CVE-2024-31449 class:
// negating it overflowed and the stock function wrote past its buffer).
std::string BitToHex(uint32_t bits, int32_t digits);

// How deep Lua 5.1's matcher may recurse for `pattern`: its captures' parentheses and its
// quantified items up to the first NUL byte (lstrlib.c's match() calls itself for each and
// stops at NUL).
// Parentheses past the 32nd capture (LUA_MAXCAPTURES) are not counted: Lua stops there with
// "too many captures".
inline constexpr size_t kLuaMaxCaptures = 32;
size_t PatternRecursion(std::string_view pattern);

// How many values unpack(t, first, last) returns, or nullopt when that is too many (Redis's
// "too many results to unpack"); computed without the int overflow of the stock function (the
// CVE-2025-46817 class).
std::optional<int> UnpackCount(int first, int last);

}  // namespace cachette::scripting::detail
