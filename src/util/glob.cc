// Redis glob matching, a transcription of Redis 7.0 util.c stringmatchlen_impl.
//
// The matcher walks pattern and subject together. '*' tries the rest of the pattern at every
// later position of the subject, recursively. Two guards from Redis keep that bounded:
//  - skip_longer: when the rest of the pattern after a '*' fails at every position up to the
//    end of the subject, no earlier '*' can succeed by consuming more, so the whole match
//    fails at once. This turns "a*a*a*...b" against "aaaa..." from exponential to polynomial.
//  - nesting: recursion deeper than kMaxNesting reports no match instead of growing the stack.
//
// Redis works on NUL-terminated strings and sometimes peeks one byte past the end of the
// pattern; here those reads are bounds-checked and an out-of-range byte reads as '\0', which
// gives the same outcome. Characters compare as `char` (signed on the platforms we build for),
// as in Redis, which matters only for ranges that involve bytes >= 0x80.

#include "cachette/util/glob.h"

namespace cachette::util {
namespace {

// Redis: "if (nesting > 1000) return 0;", counted from 0 at the top-level call.
constexpr int kMaxNesting = 1000;

// ASCII-only, like tolower() in the C locale that Redis runs its matcher under.
int Lower(int c) { return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c; }

struct Matcher {
  const char* pattern_end;
  bool nocase;

  // Byte at p, or '\0' past the end of the pattern (Redis reads the terminator there).
  char At(const char* p) const { return p < pattern_end ? *p : '\0'; }

  bool Match(const char* pattern, int pattern_len, const char* string, int string_len,
             bool* skip_longer, int nesting) const {
    if (nesting > kMaxNesting) {
      return false;
    }
    while (pattern_len > 0 && string_len > 0) {
      switch (pattern[0]) {
        case '*': {
          while (pattern_len >= 2 && pattern[1] == '*') {
            ++pattern;
            --pattern_len;
          }
          if (pattern_len == 1) {
            return true;
          }
          while (string_len > 0) {
            if (Match(pattern + 1, pattern_len - 1, string, string_len, skip_longer, nesting + 1)) {
              return true;
            }
            if (*skip_longer) {
              return false;
            }
            ++string;
            --string_len;
          }
          // The rest of the pattern matches nowhere in the rest of the subject, so no earlier
          // '*' can help by consuming more.
          *skip_longer = true;
          return false;
        }
        case '?':
          ++string;
          --string_len;
          break;
        case '[': {
          ++pattern;
          --pattern_len;
          const bool negate = At(pattern) == '^';
          if (negate) {
            ++pattern;
            --pattern_len;
          }
          bool match = false;
          while (true) {
            if (At(pattern) == '\\' && pattern_len >= 2) {
              ++pattern;
              --pattern_len;
              // Redis compares escaped class members exactly, even under nocase.
              if (pattern[0] == string[0]) {
                match = true;
              }
            } else if (At(pattern) == ']') {
              break;
            } else if (pattern_len == 0) {
              // Unterminated class: step back so the shared advance below lands on the end.
              --pattern;
              ++pattern_len;
              break;
            } else if (pattern_len >= 3 && pattern[1] == '-') {
              int start = pattern[0];
              int end = pattern[2];
              int c = string[0];
              if (start > end) {
                const int t = start;
                start = end;
                end = t;
              }
              if (nocase) {
                start = Lower(start);
                end = Lower(end);
                c = Lower(c);
              }
              pattern += 2;
              pattern_len -= 2;
              if (c >= start && c <= end) {
                match = true;
              }
            } else if (!nocase) {
              if (pattern[0] == string[0]) {
                match = true;
              }
            } else if (Lower(pattern[0]) == Lower(string[0])) {
              match = true;
            }
            ++pattern;
            --pattern_len;
          }
          if (negate) {
            match = !match;
          }
          if (!match) {
            return false;
          }
          ++string;
          --string_len;
          break;
        }
        case '\\':
          // A trailing backslash is a literal backslash.
          if (pattern_len >= 2) {
            ++pattern;
            --pattern_len;
          }
          [[fallthrough]];
        default:
          if (!nocase) {
            if (pattern[0] != string[0]) {
              return false;
            }
          } else if (Lower(pattern[0]) != Lower(string[0])) {
            return false;
          }
          ++string;
          --string_len;
          break;
      }
      ++pattern;
      --pattern_len;
      if (string_len == 0) {
        while (At(pattern) == '*') {
          ++pattern;
          --pattern_len;
        }
        break;
      }
    }
    return pattern_len == 0 && string_len == 0;
  }
};

bool IsSpecial(char c) { return c == '*' || c == '?' || c == '['; }

}  // namespace

bool GlobMatch(std::string_view pattern, std::string_view subject, bool nocase) {
  const Matcher matcher{pattern.data() + pattern.size(), nocase};
  bool skip_longer = false;
  return matcher.Match(pattern.data(), static_cast<int>(pattern.size()), subject.data(),
                       static_cast<int>(subject.size()), &skip_longer, 0);
}

std::string GlobLiteralPrefix(std::string_view pattern) {
  std::string prefix;
  for (size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (IsSpecial(c)) {
      break;
    }
    if (c == '\\' && i + 1 < pattern.size()) {
      ++i;
    }
    prefix.push_back(pattern[i]);
  }
  return prefix;
}

bool GlobIsLiteral(std::string_view pattern) {
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (IsSpecial(pattern[i])) {
      return false;
    }
    if (pattern[i] == '\\') {
      ++i;
    }
  }
  return true;
}

}  // namespace cachette::util
