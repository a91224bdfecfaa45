#pragma once

// Redis glob matching (util.c stringmatchlen): '*', '?', '[abc]', '[^a]', '[a-z]', and '\x'
// escapes, with Redis's exact edge cases (an unterminated '[' matches up to the end, a
// reversed range '[z-a]' is accepted, a trailing backslash matches a literal backslash).

#include <string>
#include <string_view>

namespace cachette::util {

// True when `subject` matches `pattern`. Recursion for '*' is bounded the way Redis bounds it
// (nesting limit), so a pathological pattern cannot overflow the stack. As in Redis, no pattern
// matches an empty subject unless the pattern is empty too ("*" does not match ""); callers
// such as KEYS and SCAN that treat a lone "*" as "everything" must special-case it.
bool GlobMatch(std::string_view pattern, std::string_view subject, bool nocase = false);

// The literal prefix that every subject matching `pattern` must start with: the bytes before
// the first special character ('*', '?', '['), with escapes resolved. "user:\*:*" -> "user:*:".
std::string GlobLiteralPrefix(std::string_view pattern);

// True when the pattern has no special character, so that it matches exactly one subject.
bool GlobIsLiteral(std::string_view pattern);

}  // namespace cachette::util
