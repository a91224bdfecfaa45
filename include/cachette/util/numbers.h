#pragma once

// String <-> number conversions with Redis's exact acceptance rules, so that every command
// accepts and rejects the same spellings Redis does ("+1", " 1", "1.0", "01", overflow).

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace cachette::util {

// Redis string2ll: optional '-', then digits with no leading zero (except "0" itself); no
// spaces, no '+', no overflow. "-0" is rejected. Empty or > 20 characters is rejected.
bool ParseInt64(std::string_view text, int64_t* out);

// Like ParseInt64 but for unsigned values (Redis string2ull): no sign at all.
bool ParseUint64(std::string_view text, uint64_t* out);

// Redis string2ld: strtold over the whole text; rejects empty, leading space, trailing bytes,
// NaN, and text longer than 5120 characters. Infinity spellings are accepted ("inf").
bool ParseLongDouble(std::string_view text, long double* out);

// Redis string2d (as used by getDoubleFromObject): strtod over the whole text; rejects empty,
// leading space, trailing bytes, NaN.
bool ParseDouble(std::string_view text, double* out);

// Decimal form of a 64-bit integer, written into buf (at least 21 bytes); returns its length.
size_t FormatInt64(int64_t value, char* buf);
std::string Int64ToString(int64_t value);

// Redis ld2string(LD_STR_HUMAN): "%.17Lf" with trailing zeros (and a trailing '.') removed,
// "-0" written as "0"; "inf"/"-inf" for infinities. Used by INCRBYFLOAT.
std::string LongDoubleToHumanString(long double value);

// Redis's double reply formatting (RESP2 bulk / RESP3 double): "%.17g", "inf", "-inf", "nan".
std::string DoubleToString(double value);

// Redis memory size spellings used by config: "100", "1k" (1000), "1kb" (1024), "1m", "1mb",
// "1g", "1gb"; case-insensitive. Rejects negative numbers and overflow.
bool ParseMemorySize(std::string_view text, int64_t* out);

}  // namespace cachette::util
