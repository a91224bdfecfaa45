// String <-> number conversions, transcribed from Redis 7.0 util.c (string2ll, string2ld,
// string2d, ld2string, memtoull) so that every command accepts exactly the spellings Redis
// accepts. The floating-point parsers go through strtod/strtold like Redis does, so they also
// accept hex floats ("0x1p3") and infinity spellings, and follow the C locale.

#include "cachette/util/numbers.h"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>

namespace cachette::util {
namespace {

// Redis LONG_STR_SIZE: the longest int64 spelling plus its terminator.
constexpr size_t kLongStrSize = 21;
// Redis MAX_LONG_DOUBLE_CHARS: string2ld rejects text of this length or more.
constexpr size_t kMaxLongDoubleChars = 5 * 1024;

// isspace() in the C locale, without its undefined behaviour for negative chars.
bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

char AsciiLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

bool EqualsNoCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (size_t i = 0; i < a.size(); ++i) {
    if (AsciiLower(a[i]) != AsciiLower(b[i])) {
      return false;
    }
  }
  return true;
}

// Redis rejects a result that overflowed to infinity or underflowed to zero (ERANGE), but
// keeps a denormal result that also raised ERANGE.
template <typename T>
bool RangeError(T value) {
  return errno == ERANGE && (std::isinf(value) || std::fpclassify(value) == FP_ZERO);
}

}  // namespace

bool ParseInt64(std::string_view text, int64_t* out) {
  const size_t len = text.size();
  if (len == 0 || len >= kLongStrSize) {
    return false;
  }
  if (len == 1 && text[0] == '0') {
    *out = 0;
    return true;
  }
  size_t pos = 0;
  const bool negative = text[0] == '-';
  if (negative) {
    ++pos;
    if (pos == len) {
      return false;
    }
  }
  // The first digit is 1-9: this rejects "01", "-0", "+1" and " 1".
  if (text[pos] < '1' || text[pos] > '9') {
    return false;
  }
  uint64_t v = static_cast<uint64_t>(text[pos] - '0');
  ++pos;
  constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();
  for (; pos < len && IsDigit(text[pos]); ++pos) {
    const auto digit = static_cast<uint64_t>(text[pos] - '0');
    if (v > kMax / 10) {
      return false;
    }
    v *= 10;
    if (v > kMax - digit) {
      return false;
    }
    v += digit;
  }
  if (pos < len) {
    return false;
  }
  constexpr uint64_t kMaxPositive = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  if (negative) {
    if (v > kMaxPositive + 1) {
      return false;
    }
    // Two's complement negation in unsigned arithmetic, so INT64_MIN does not overflow.
    *out = static_cast<int64_t>(0 - v);
  } else {
    if (v > kMaxPositive) {
      return false;
    }
    *out = static_cast<int64_t>(v);
  }
  return true;
}

bool ParseUint64(std::string_view text, uint64_t* out) {
  if (text.empty() || text.size() >= kLongStrSize) {
    return false;
  }
  for (const char c : text) {
    if (!IsDigit(c)) {
      return false;
    }
  }
  // from_chars rejects overflow; leading zeros are accepted, as Redis's strtoull fallback does.
  uint64_t v = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size()) {
    return false;
  }
  *out = v;
  return true;
}

bool ParseLongDouble(std::string_view text, long double* out) {
  if (text.empty() || text.size() >= kMaxLongDoubleChars) {
    return false;
  }
  // strtold needs a terminator; an embedded NUL stops it early and fails the length check.
  char buf[kMaxLongDoubleChars];
  text.copy(buf, text.size());
  buf[text.size()] = '\0';
  errno = 0;
  char* end = nullptr;
  const long double value = std::strtold(buf, &end);
  if (IsSpace(buf[0]) || static_cast<size_t>(end - buf) != text.size() || RangeError(value) ||
      std::isnan(value)) {
    return false;
  }
  *out = value;
  return true;
}

bool ParseDouble(std::string_view text, double* out) {
  if (text.empty() || IsSpace(text[0])) {
    return false;
  }
  const std::string buf(text);
  errno = 0;
  char* end = nullptr;
  const double value = std::strtod(buf.c_str(), &end);
  if (static_cast<size_t>(end - buf.c_str()) != buf.size() || RangeError(value) ||
      std::isnan(value)) {
    return false;
  }
  *out = value;
  return true;
}

size_t FormatInt64(int64_t value, char* buf) {
  const auto [ptr, ec] = std::to_chars(buf, buf + kLongStrSize, value);
  (void)ec;  // 21 bytes always suffice for an int64.
  return static_cast<size_t>(ptr - buf);
}

std::string Int64ToString(int64_t value) {
  char buf[kLongStrSize];
  return std::string(buf, FormatInt64(value, buf));
}

std::string LongDoubleToHumanString(long double value) {
  if (std::isinf(value)) {
    return value > 0 ? "inf" : "-inf";
  }
  // "%.17Lf" of the largest long double is under 5,000 characters, so Redis's buffer size
  // always suffices.
  char buf[kMaxLongDoubleChars];
  std::string_view s(buf, static_cast<size_t>(std::snprintf(buf, sizeof(buf), "%.17Lf", value)));
  if (s.find('.') != std::string_view::npos) {
    while (s.back() == '0') {
      s.remove_suffix(1);
    }
    if (s.back() == '.') {
      s.remove_suffix(1);
    }
  }
  if (s == "-0") {
    return "0";
  }
  return std::string(s);
}

std::string DoubleToString(double value) {
  if (std::isinf(value)) {
    return value > 0 ? "inf" : "-inf";
  }
  // printf would write "-nan" for a NaN with the sign bit set; RESP3 spells it "nan".
  if (std::isnan(value)) {
    return "nan";
  }
  char buf[32];
  const int len = std::snprintf(buf, sizeof(buf), "%.17g", value);
  return std::string(buf, static_cast<size_t>(len));
}

bool ParseMemorySize(std::string_view text, int64_t* out) {
  size_t digits = 0;
  while (digits < text.size() && IsDigit(text[digits])) {
    ++digits;
  }
  const std::string_view unit = text.substr(digits);
  int64_t mul = 0;
  if (unit.empty() || EqualsNoCase(unit, "b")) {
    mul = 1;
  } else if (EqualsNoCase(unit, "k")) {
    mul = 1000;
  } else if (EqualsNoCase(unit, "kb")) {
    mul = 1024;
  } else if (EqualsNoCase(unit, "m")) {
    mul = 1000 * 1000;
  } else if (EqualsNoCase(unit, "mb")) {
    mul = 1024 * 1024;
  } else if (EqualsNoCase(unit, "g")) {
    mul = 1000LL * 1000 * 1000;
  } else if (EqualsNoCase(unit, "gb")) {
    mul = 1024LL * 1024 * 1024;
  } else {
    return false;
  }
  // Redis hands the digits to strtoull, which turns "" into 0 without an error, so "" and
  // "kb" both mean 0 there; we keep that. Unlike Redis we reject a value that overflows.
  uint64_t value = 0;
  if (digits > 0) {
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + digits, value);
    if (ec != std::errc() || ptr != text.data() + digits) {
      return false;
    }
  }
  constexpr auto kMax = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  if (value > kMax / static_cast<uint64_t>(mul)) {
    return false;
  }
  *out = static_cast<int64_t>(value * static_cast<uint64_t>(mul));
  return true;
}

}  // namespace cachette::util
