#pragma once

// cjson.encode for values too big for Debian's lua-cjson 2.1.0, whose buffer sizes are ints:
// a string of about 358 MB (its escaped worst case, six bytes a byte, passes INT_MAX) made it
// write past its buffer (the CVE-2022-24834 class). Internal to the scripting module.

#include <cstddef>
#include <optional>
#include <string>

struct lua_State;

namespace cachette::scripting::detail {

// Values whose reservation bound passes this are encoded by EncodeJson instead of lua-cjson:
// lua-cjson doubles an int-sized buffer, which stays safe below 2^30 bytes.
inline constexpr size_t kStockJsonEncodeLimit = size_t{1} << 29;

// An upper bound of the buffer lua-cjson asks for while encoding the value at `index` (each
// string reserves six bytes a byte plus two, each number 32 bytes), counting a shared table
// once per parent and a cycle as past `limit`; the walk visits each table once and stops as
// soon as the bound passes `limit` (then the result is only known to be above it).
size_t JsonReserveBound(lua_State* lua, int index, size_t limit);

// Encodes the value at `index` exactly as lua-cjson 2.1.0 does with its default settings
// (sparse arrays refused past ratio 2 and 10 elements, nesting up to 1000, numbers as %.14g,
// '/' escaped), into *out. Returns lua-cjson's error text on failure ("Cannot serialise ...").
std::optional<std::string> EncodeJson(lua_State* lua, int index, std::string* out);

}  // namespace cachette::scripting::detail
