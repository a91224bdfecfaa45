#pragma once

// Redis sdssplitargs: split a line into arguments the way redis-cli, the inline protocol and
// the config file reader do.

#include <string>
#include <string_view>
#include <vector>

namespace cachette::util {

// Splits `line` at whitespace into `out` (cleared first). "double quotes" understand \n \r \t
// \b \a \xHH and a backslash before any other byte; 'single quotes' understand only \'. A
// closing quote must be followed by whitespace or the end of the line. Like Redis, which works
// on C strings, an embedded NUL ends the line. Returns false, leaving `out` empty, on an
// unbalanced quote or a closing quote followed by something else. O(line length).
bool SplitArgs(std::string_view line, std::vector<std::string>* out);

// Redis's sdscatrepr, SplitArgs's inverse: appends `text` double-quoted, with \\ \" \n \r
// \t \a \b escapes and \xHH for other bytes outside printable ASCII (MONITOR lines, CONFIG
// REWRITE values).
void AppendQuoted(std::string* out, std::string_view text);

}  // namespace cachette::util
