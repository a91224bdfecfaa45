#pragma once

// SHA-1 of a script body as 40 lower-case hex digits (the name EVALSHA, SCRIPT EXISTS and
// redis.sha1hex use).

#include <string>
#include <string_view>

namespace cachette::scripting {

std::string Sha1Hex(std::string_view data);

}  // namespace cachette::scripting
