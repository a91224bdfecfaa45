// The hardening of stock Lua (lua_sandbox.cc, lua_json.cc): the overflow fixes as functions,
// our JSON encoder against lua-cjson's bytes, and, through Scripting, that no script can load
// bytecode or change what the next script sees.

#include "detail/lua_sandbox.h"

#include <gtest/gtest.h>

#include <climits>
#include <memory>
#include <string>
#include <vector>

#include "cachette/scripting/scripting.h"
#include "detail/lua_json.h"

extern "C" {
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
int luaopen_cjson(lua_State* lua);
}

namespace cachette::scripting {
namespace {

using detail::BitToHex;
using detail::UnpackCount;

TEST(LuaSandboxTest, BitToHexClampsIntMin) {
  EXPECT_EQ(BitToHex(65535, INT32_MIN), "0000FFFF");
  EXPECT_EQ(BitToHex(65535, INT32_MAX), "0000ffff");
  EXPECT_EQ(BitToHex(0xffffffff, -8), "FFFFFFFF");
  EXPECT_EQ(BitToHex(255, -3), "0FF");
  EXPECT_EQ(BitToHex(255, 2), "ff");
  EXPECT_EQ(BitToHex(255, 0), "");
}

TEST(LuaSandboxTest, UnpackCountRefusesRangesPastInt) {
  EXPECT_EQ(UnpackCount(1, 3), 3);
  EXPECT_EQ(UnpackCount(-1, 1), 3);
  EXPECT_EQ(UnpackCount(INT_MIN, INT_MAX), std::nullopt);
  EXPECT_EQ(UnpackCount(0, INT_MAX), std::nullopt);
  EXPECT_EQ(UnpackCount(-1, INT_MAX - 2), std::nullopt);
  EXPECT_EQ(UnpackCount(2, INT_MAX), INT_MAX - 1);
}

TEST(LuaSandboxTest, PatternRecursionCountsQuantifiersAndCaptures) {
  using detail::PatternRecursion;
  EXPECT_EQ(PatternRecursion("abc"), 0u);
  EXPECT_EQ(PatternRecursion("a*b+c-d?"), 4u);
  EXPECT_EQ(PatternRecursion("(%d+)-(%d+)"), 6u);
  EXPECT_EQ(PatternRecursion("[%w-]+%-"), 1u);
  EXPECT_EQ(PatternRecursion("[]*]x"), 0u);
  EXPECT_EQ(PatternRecursion("%b()*%f[%w]x"), 0u);
  EXPECT_EQ(PatternRecursion("%"), 0u);
  EXPECT_EQ(PatternRecursion("[abc"), 0u);
  // Lua refuses the 33rd capture before it recurses further ("too many captures").
  EXPECT_EQ(PatternRecursion(std::string(400, '(')), 32u);
  EXPECT_EQ(PatternRecursion("(a)(b)"), 4u);
  // Lua 5.1's matcher ends the pattern at a NUL byte.
  EXPECT_EQ(PatternRecursion(std::string("a*\0b*c*", 7)), 1u);
}

// A bare interpreter with lua-cjson, to compare our encoder with the stock one.
class LuaJsonTest : public ::testing::Test {
 protected:
  LuaJsonTest() : lua_(luaL_newstate(), lua_close) {
    luaL_openlibs(lua_.get());
    lua_pushcfunction(lua_.get(), luaopen_cjson);
    lua_pushstring(lua_.get(), "cjson");
    lua_call(lua_.get(), 1, 1);
    lua_setglobal(lua_.get(), "cjson");
  }
  // Evaluates `expression`, encodes it both ways; each result is the JSON or "error: ...".
  std::pair<std::string, std::string> Both(const std::string& expression) {
    lua_State* lua = lua_.get();
    const std::string chunk = "return " + expression;
    EXPECT_EQ(luaL_loadstring(lua, chunk.c_str()), 0) << expression;
    EXPECT_EQ(lua_pcall(lua, 0, 1, 0), 0) << expression;
    std::string ours;
    if (auto error = detail::EncodeJson(lua, -1, &ours)) {
      ours = "error: " + *error;
    }
    lua_getglobal(lua, "cjson");
    lua_getfield(lua, -1, "encode");
    lua_pushvalue(lua, -3);
    std::string stock;
    if (lua_pcall(lua, 1, 1, 0) != 0) {
      stock = "error: " + std::string(lua_tostring(lua, -1));
    } else {
      stock = lua_tostring(lua, -1);
    }
    lua_settop(lua, 0);
    return {ours, stock};
  }
  std::unique_ptr<lua_State, decltype(&lua_close)> lua_;
};

TEST_F(LuaJsonTest, EncoderMatchesLuaCjsonByteForByte) {
  const std::vector<std::string> values = {
      "1",
      "-0.0",
      "0.1",
      "1/3",
      "1e300",
      "123456789012345678",
      "2^53",
      "'a\\1/\"\\\\\\n\\r\\t\\b\\f\\127\\200z'",
      "string.char(0, 31, 32, 126, 127, 128, 255)",
      "true",
      "false",
      "nil",
      "cjson.null",
      "{}",
      "{1, 2, nil, 4}",
      "{[2] = 1}",
      "{[0] = 1}",
      "{[-1] = 1}",
      "{[1.5] = 2}",
      "{1, x = 2}",
      "{a = {b = {c = {1, 'two', false}}}}",
      "(function() local t = {} t[10] = 1 return t end)()",
      "(function() local t = {} t[20] = 1 return t end)()",
      "(function() local t = {} t[1] = t return t end)()",
      "(function() local t = {} local c = t for i = 1, 999 do c[1] = {} c = c[1] end return t "
      "end)()",
      "(function() local t = {} local c = t for i = 1, 1000 do c[1] = {} c = c[1] end return t "
      "end)()",
      "math.huge",
      "-math.huge",
      "0/0",
      "{[true] = 1}",
      "{[math.huge] = 1}",
      "print",
      "coroutine.create(function() end)",
      "(function() local t = {} t[2^31] = 1 return t end)()",
      "(function() local t = {1, 2} t[2^40] = 1 return t end)()",
  };
  for (const std::string& value : values) {
    const auto [ours, stock] = Both(value);
    EXPECT_EQ(ours, stock) << value;
  }
}

TEST_F(LuaJsonTest, ReserveBoundCountsSixBytesAByteAndStopsAtTheLimit) {
  lua_State* lua = lua_.get();
  luaL_dostring(lua, "return {('x'):rep(100), ('y'):rep(100)}");
  EXPECT_GE(detail::JsonReserveBound(lua, -1, SIZE_MAX), 2 * (100 * 6 + 2));
  EXPECT_LT(detail::JsonReserveBound(lua, -1, 10), 2 * (100 * 6 + 2));
  lua_settop(lua, 0);
}

TEST_F(LuaJsonTest, ReserveBoundHasNoDepthCutOff) {
  // cjson.encode_max_depth can be raised by a script: a string below depth 1000 still counts.
  lua_State* lua = lua_.get();
  luaL_dostring(lua, "local t = ('x'):rep(1000) for i = 1, 1500 do t = {t} end return t");
  EXPECT_GE(detail::JsonReserveBound(lua, -1, SIZE_MAX), 1000u * 6 + 2 + 1500u * 2);
  lua_settop(lua, 0);
}

TEST_F(LuaJsonTest, ReserveBoundCountsASharedTablePerParentAndACycleAsPastTheLimit) {
  lua_State* lua = lua_.get();
  // 40 levels of a table whose two fields are the level below: 2^40 strings for lua-cjson to
  // write, which the walk finds in 40 steps.
  luaL_dostring(lua, "local t = ('x'):rep(10) for i = 1, 40 do t = {a = t, b = t} end return t");
  EXPECT_GT(detail::JsonReserveBound(lua, -1, size_t{1} << 29), size_t{1} << 29);
  lua_settop(lua, 0);
  luaL_dostring(lua, "local t = {} t.a = t t.b = t return t");
  EXPECT_GT(detail::JsonReserveBound(lua, -1, 1000), 1000u);
  lua_settop(lua, 0);
  luaL_dostring(lua, "local s = {1} return {s, s, s}");
  // {1}: braces 2, separators 2, the number and its key 32 each; the outer table holds it
  // three times under three number keys.
  constexpr size_t kInner = 2 + 2 + 32 + 32;
  EXPECT_EQ(detail::JsonReserveBound(lua, -1, SIZE_MAX), 2 + 3 * (2 + kInner + 32));
  EXPECT_EQ(lua_gettop(lua), 1);
  lua_settop(lua, 0);
}

class FakeHost : public ScriptHost {
 public:
  void Call(std::span<const std::string_view>, int, std::string* out) override {
    out->append("+OK\r\n");
  }
};

// Through Scripting: what one script does, and what the next one sees.
class SandboxTest : public ::testing::Test {
 protected:
  std::string Eval(std::string_view body) {
    std::string sha;
    if (auto error = scripting.Load(body, &sha)) {
      return "compile: " + *error;
    }
    std::string out;
    protocol::ReplyWriter reply(&out, 2);
    FakeHost host;
    scripting.Run(sha, {}, {}, host, reply);
    return out;
  }
  Scripting scripting;
};

TEST_F(SandboxTest, NoBytecodeByAnyPath) {
  EXPECT_EQ(Eval("\x1bLuaQ"),
            "compile: ERR Error compiling script (new function): user_script:1: unexpected "
            "symbol near 'char(27)'");
  EXPECT_EQ(Eval("return loadstring(string.dump(function() return 1 end))"), "$-1\r\n");
  EXPECT_EQ(Eval("local f, e = loadstring(string.dump(function() end)) "
                 "return e:find(\"]:1: unexpected symbol near 'char%(27%)'$\") ~= nil"),
            ":1\r\n");
  EXPECT_EQ(Eval("local n = 0 local f, e = load(function() n = n + 1 if n == 1 then "
                 "return string.dump(function() end) end end) return e"),
            "$43\r\n(load):1: unexpected symbol near 'char(27)'\r\n");
  EXPECT_EQ(Eval("return loadstring('return 5')()"), ":5\r\n");
  EXPECT_EQ(Eval("local n = 0 return load(function() n = n + 1 if n < 3 then return n == 1 and "
                 "'return ' or '6' end end)()"),
            ":6\r\n");
}

TEST_F(SandboxTest, TamperingIsRefusedAndNeverSeenByTheNextScript) {
  const std::vector<std::string> attempts = {
      "getmetatable('').__index.upper = function() return 1 end",
      "getmetatable('').__index = {}",
      "rawset(getmetatable(''), '__index', {})",
      "rawset(string, 'upper', 1)",
      "rawset(_G, 'redis', 1)",
      "rawset(redis, 'call', 1)",
      "setmetatable(_G, {})",
      "setmetatable(string, {})",
      "getmetatable(_G).__index = {}",
      "_G.x = 1",
      "x = 1",
      "cjson.encode = 1",
      "bit.band = 1",
      "math.floor = 1",
  };
  for (const std::string& attempt : attempts) {
    EXPECT_NE(Eval(attempt).find("Attempt to modify a readonly table"), std::string::npos)
        << attempt;
  }
  EXPECT_NE(Eval("table.insert(string, 'x')").find("-ERR Attempt to modify a readonly table"),
            std::string::npos);
  EXPECT_NE(Eval("table.insert(_G, 1, 'x')").find("-ERR Attempt to modify a readonly table"),
            std::string::npos);
  EXPECT_EQ(Eval("return {#string, string[1] == nil, ('ab'):upper(), type(redis.call), "
                 "cjson.encode({1}), bit.band(3, 1), math.floor(1.5)}"),
            "*7\r\n:0\r\n:1\r\n$2\r\nAB\r\n$8\r\nfunction\r\n$3\r\n[1]\r\n:1\r\n:1\r\n");
  EXPECT_EQ(Eval("return rawget(_G, '_G') == _G and rawget(_G, 'redis') == redis and "
                 "getmetatable('').__index == string"),
            ":1\r\n");
}

TEST_F(SandboxTest, GlobalsAreRedisSet) {
  for (const char* name : {"print", "setfenv", "getfenv", "newproxy", "loadfile", "dofile",
                           "package", "os", "io", "debug", "require", "module"}) {
    EXPECT_NE(Eval(std::string("return ") + name)
                  .find("Script attempted to access nonexistent global variable"),
              std::string::npos)
        << name;
  }
}

TEST_F(SandboxTest, DeepPatternsAreRefusedNotRecursedInto) {
  EXPECT_NE(Eval("return string.find('aaa', string.rep('a*', 200000))")
                .find("-ERR user_script:1: pattern too complex"),
            std::string::npos);
  EXPECT_NE(Eval("return ('aaa'):gsub(string.rep('a?', 5001), '')").find("pattern too complex"),
            std::string::npos);
  EXPECT_EQ(Eval("return string.find(('a'):rep(5000), ('a*'):rep(5000))"), ":1\r\n");
  EXPECT_EQ(Eval("return {string.find('aaa', string.rep('a*', 200))}"), "*2\r\n:1\r\n:3\r\n");
  EXPECT_EQ(Eval("return ('k1=v1'):match('(%w+)=(%w+)')"), "$2\r\nk1\r\n");
  EXPECT_EQ(Eval("local n = 0 for w in ('a b c'):gmatch('%a') do n = n + 1 end return n"),
            ":3\r\n");
  EXPECT_EQ(Eval("return ('abc'):gsub('b', 'x')"), "$3\r\naxc\r\n");
  EXPECT_NE(Eval("return string.find('x', '%')").find("user_script:1: malformed pattern"),
            std::string::npos);
}

TEST_F(SandboxTest, XpcallHandlerRunsAfterTheErrorWithResultsAsLua) {
  EXPECT_EQ(Eval("return {xpcall(function() return 1, 2 end, tostring)}"),
            "*3\r\n:1\r\n:1\r\n:2\r\n");
  EXPECT_EQ(Eval("local ok, e = xpcall(function() error('x', 0) end, function(e) return e .. '!' "
                 "end) return {tostring(ok), e}"),
            "*2\r\n$5\r\nfalse\r\n$2\r\nx!\r\n");
  EXPECT_EQ(Eval("local ok, e = xpcall(function() error('x') end, function() error('y') end) "
                 "return e"),
            "$23\r\nerror in error handling\r\n");
  EXPECT_NE(Eval("return xpcall(function() end)").find("bad argument #2 to 'xpcall'"),
            std::string::npos);
}

TEST_F(SandboxTest, OverflowingArgumentsAreErrors) {
  EXPECT_NE(Eval("return unpack({}, -2147483648, 2147483647)").find("too many results to unpack"),
            std::string::npos);
  EXPECT_NE(Eval("return unpack({}, 0, 2147483647)").find("too many results to unpack"),
            std::string::npos);
  EXPECT_EQ(Eval("return {unpack({1, 2, 3}, 2)}"), "*2\r\n:2\r\n:3\r\n");
  EXPECT_EQ(Eval("return bit.tohex(65535, -2147483648)"), "$8\r\n0000FFFF\r\n");
  EXPECT_NE(Eval("return bit.tohex('x')").find("bad argument #1 to 'tohex' (number expected"),
            std::string::npos);
}

}  // namespace
}  // namespace cachette::scripting
