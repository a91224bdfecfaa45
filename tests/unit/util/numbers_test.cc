#include "cachette/util/numbers.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

namespace cachette::util {
namespace {

bool Int64Rejects(std::string_view text) {
  int64_t v = 42;
  return !ParseInt64(text, &v);
}

TEST(NumbersTest, ParsesPlainIntegers) {
  int64_t v = 0;
  ASSERT_TRUE(ParseInt64("0", &v));
  EXPECT_EQ(v, 0);
  ASSERT_TRUE(ParseInt64("123", &v));
  EXPECT_EQ(v, 123);
  ASSERT_TRUE(ParseInt64("-45", &v));
  EXPECT_EQ(v, -45);
}

TEST(NumbersTest, ParsesInt64Limits) {
  int64_t v = 0;
  ASSERT_TRUE(ParseInt64("9223372036854775807", &v));
  EXPECT_EQ(v, std::numeric_limits<int64_t>::max());
  ASSERT_TRUE(ParseInt64("-9223372036854775808", &v));
  EXPECT_EQ(v, std::numeric_limits<int64_t>::min());
}

TEST(NumbersTest, RejectsInt64Overflow) {
  EXPECT_TRUE(Int64Rejects("9223372036854775808"));
  EXPECT_TRUE(Int64Rejects("-9223372036854775809"));
  EXPECT_TRUE(Int64Rejects("18446744073709551616"));
  EXPECT_TRUE(Int64Rejects("99999999999999999999"));
  EXPECT_TRUE(Int64Rejects("123456789012345678901"));  // 21 characters.
}

TEST(NumbersTest, RejectsLeadingPlus) { EXPECT_TRUE(Int64Rejects("+1")); }

TEST(NumbersTest, RejectsSurroundingSpaces) {
  EXPECT_TRUE(Int64Rejects(" 1"));
  EXPECT_TRUE(Int64Rejects("1 "));
  EXPECT_TRUE(Int64Rejects("1\n"));
}

TEST(NumbersTest, RejectsLeadingZerosAndNegativeZero) {
  EXPECT_TRUE(Int64Rejects("01"));
  EXPECT_TRUE(Int64Rejects("00"));
  EXPECT_TRUE(Int64Rejects("-0"));
  EXPECT_TRUE(Int64Rejects("-01"));
}

TEST(NumbersTest, RejectsNonIntegerSpellings) {
  EXPECT_TRUE(Int64Rejects(""));
  EXPECT_TRUE(Int64Rejects("-"));
  EXPECT_TRUE(Int64Rejects("1.0"));
  EXPECT_TRUE(Int64Rejects("1e3"));
  EXPECT_TRUE(Int64Rejects("0x10"));
  EXPECT_TRUE(Int64Rejects("12a"));
  EXPECT_TRUE(Int64Rejects(std::string_view("1\0", 2)));
}

TEST(NumbersTest, ParsesUint64UpToMax) {
  uint64_t v = 0;
  ASSERT_TRUE(ParseUint64("18446744073709551615", &v));
  EXPECT_EQ(v, std::numeric_limits<uint64_t>::max());
  ASSERT_TRUE(ParseUint64("0", &v));
  EXPECT_EQ(v, 0u);
  ASSERT_TRUE(ParseUint64("007", &v));
  EXPECT_EQ(v, 7u);
}

TEST(NumbersTest, Uint64RejectsSignsSpacesAndOverflow) {
  uint64_t v = 0;
  EXPECT_FALSE(ParseUint64("", &v));
  EXPECT_FALSE(ParseUint64("-1", &v));
  EXPECT_FALSE(ParseUint64("+1", &v));
  EXPECT_FALSE(ParseUint64(" 1", &v));
  EXPECT_FALSE(ParseUint64("18446744073709551616", &v));
  EXPECT_FALSE(ParseUint64("1.0", &v));
}

TEST(NumbersTest, ParsesLongDoubleSpellings) {
  long double v = 0;
  ASSERT_TRUE(ParseLongDouble("10.5", &v));
  EXPECT_EQ(v, 10.5L);
  ASSERT_TRUE(ParseLongDouble("5.0e3", &v));
  EXPECT_EQ(v, 5000.0L);
  ASSERT_TRUE(ParseLongDouble("-.5", &v));
  EXPECT_EQ(v, -0.5L);
  ASSERT_TRUE(ParseLongDouble("+1", &v));
  EXPECT_EQ(v, 1.0L);
  ASSERT_TRUE(ParseLongDouble("0x10", &v));  // strtold reads hex, as in Redis.
  EXPECT_EQ(v, 16.0L);
  ASSERT_TRUE(ParseLongDouble("inf", &v));
  EXPECT_TRUE(std::isinf(v));
  ASSERT_TRUE(ParseLongDouble("-Infinity", &v));
  EXPECT_TRUE(std::isinf(v) && v < 0);
}

TEST(NumbersTest, LongDoubleRejectsSpacesJunkAndNan) {
  long double v = 0;
  EXPECT_FALSE(ParseLongDouble("", &v));
  EXPECT_FALSE(ParseLongDouble(" 1", &v));
  EXPECT_FALSE(ParseLongDouble("1 ", &v));
  EXPECT_FALSE(ParseLongDouble("1x", &v));
  EXPECT_FALSE(ParseLongDouble("nan", &v));
  EXPECT_FALSE(ParseLongDouble("-nan", &v));
  EXPECT_FALSE(ParseLongDouble(std::string_view("1\0"
                                                "1",
                                                3),
                               &v));
}

TEST(NumbersTest, LongDoubleRejectsOverflowAndUnderflowToZero) {
  long double v = 0;
  EXPECT_FALSE(ParseLongDouble("1e5000", &v));
  EXPECT_FALSE(ParseLongDouble("-1e5000", &v));
  EXPECT_FALSE(ParseLongDouble("1e-5000", &v));
  EXPECT_TRUE(ParseLongDouble("1e400", &v));  // Fits in a long double though not a double.
}

TEST(NumbersTest, LongDoubleRejectsTextOf5120CharactersOrMore) {
  long double v = 0;
  EXPECT_TRUE(ParseLongDouble(std::string(5118, '0') + "1", &v));
  EXPECT_EQ(v, 1.0L);
  EXPECT_FALSE(ParseLongDouble(std::string(5119, '0') + "1", &v));
}

TEST(NumbersTest, ParsesDoubleLikeStrtod) {
  double v = 0;
  ASSERT_TRUE(ParseDouble("1.5", &v));
  EXPECT_EQ(v, 1.5);
  ASSERT_TRUE(ParseDouble("-inf", &v));
  EXPECT_TRUE(std::isinf(v) && v < 0);
  ASSERT_TRUE(ParseDouble("4.9e-324", &v));  // Denormal: ERANGE, yet accepted.
  EXPECT_GT(v, 0);
}

TEST(NumbersTest, DoubleRejectsSpacesJunkNanAndRangeErrors) {
  double v = 0;
  EXPECT_FALSE(ParseDouble("", &v));
  EXPECT_FALSE(ParseDouble(" 1", &v));
  EXPECT_FALSE(ParseDouble("1 ", &v));
  EXPECT_FALSE(ParseDouble("abc", &v));
  EXPECT_FALSE(ParseDouble("nan", &v));
  EXPECT_FALSE(ParseDouble("1e400", &v));
  EXPECT_FALSE(ParseDouble("1e-400", &v));
  EXPECT_FALSE(ParseDouble(std::string_view("1\0", 2), &v));
}

TEST(NumbersTest, FormatsInt64) {
  char buf[21];
  const size_t len = FormatInt64(std::numeric_limits<int64_t>::min(), buf);
  EXPECT_EQ(std::string(buf, len), "-9223372036854775808");
  EXPECT_EQ(Int64ToString(0), "0");
  EXPECT_EQ(Int64ToString(-7), "-7");
  EXPECT_EQ(Int64ToString(9223372036854775807), "9223372036854775807");
}

TEST(NumbersTest, HumanLongDoubleMatchesIncrByFloat) {
  long double a = 0;
  long double b = 0;
  ASSERT_TRUE(ParseLongDouble("10.5", &a));
  ASSERT_TRUE(ParseLongDouble("0.1", &b));
  EXPECT_EQ(LongDoubleToHumanString(a + b), "10.6");
  ASSERT_TRUE(ParseLongDouble("5.0e3", &b));
  EXPECT_EQ(LongDoubleToHumanString(a + b), "5010.5");
}

TEST(NumbersTest, HumanLongDoubleStripsTrailingZerosAndPoint) {
  EXPECT_EQ(LongDoubleToHumanString(3.0L), "3");
  EXPECT_EQ(LongDoubleToHumanString(0.0L), "0");
  EXPECT_EQ(LongDoubleToHumanString(-0.0L), "0");
  EXPECT_EQ(LongDoubleToHumanString(-2.5L), "-2.5");
  EXPECT_EQ(LongDoubleToHumanString(1e20L), "100000000000000000000");
}

TEST(NumbersTest, HumanLongDoubleSpellsInfinities) {
  const long double inf = std::numeric_limits<long double>::infinity();
  EXPECT_EQ(LongDoubleToHumanString(inf), "inf");
  EXPECT_EQ(LongDoubleToHumanString(-inf), "-inf");
}

TEST(NumbersTest, DoubleReplyUsesSeventeenSignificantDigits) {
  EXPECT_EQ(DoubleToString(1.1), "1.1000000000000001");
  EXPECT_EQ(DoubleToString(0.1), "0.10000000000000001");
  EXPECT_EQ(DoubleToString(3.0), "3");
  EXPECT_EQ(DoubleToString(-0.0), "-0");
  EXPECT_EQ(DoubleToString(1e300), "1.0000000000000001e+300");
}

TEST(NumbersTest, DoubleReplySpellsSpecialValues) {
  EXPECT_EQ(DoubleToString(std::numeric_limits<double>::infinity()), "inf");
  EXPECT_EQ(DoubleToString(-std::numeric_limits<double>::infinity()), "-inf");
  EXPECT_EQ(DoubleToString(std::numeric_limits<double>::quiet_NaN()), "nan");
  EXPECT_EQ(DoubleToString(-std::numeric_limits<double>::quiet_NaN()), "nan");
}

TEST(NumbersTest, MemorySizeUnitsAreDecimalOrBinary) {
  int64_t v = 0;
  ASSERT_TRUE(ParseMemorySize("100", &v));
  EXPECT_EQ(v, 100);
  ASSERT_TRUE(ParseMemorySize("5b", &v));
  EXPECT_EQ(v, 5);
  ASSERT_TRUE(ParseMemorySize("1k", &v));
  EXPECT_EQ(v, 1000);
  ASSERT_TRUE(ParseMemorySize("1kb", &v));
  EXPECT_EQ(v, 1024);
  ASSERT_TRUE(ParseMemorySize("2m", &v));
  EXPECT_EQ(v, 2'000'000);
  ASSERT_TRUE(ParseMemorySize("2mb", &v));
  EXPECT_EQ(v, 2 * 1024 * 1024);
  ASSERT_TRUE(ParseMemorySize("3g", &v));
  EXPECT_EQ(v, 3'000'000'000);
  ASSERT_TRUE(ParseMemorySize("3gb", &v));
  EXPECT_EQ(v, 3LL * 1024 * 1024 * 1024);
}

TEST(NumbersTest, MemorySizeUnitsIgnoreCase) {
  int64_t v = 0;
  ASSERT_TRUE(ParseMemorySize("1KB", &v));
  EXPECT_EQ(v, 1024);
  ASSERT_TRUE(ParseMemorySize("1Mb", &v));
  EXPECT_EQ(v, 1024 * 1024);
  ASSERT_TRUE(ParseMemorySize("1G", &v));
  EXPECT_EQ(v, 1'000'000'000);
}

TEST(NumbersTest, MemorySizeWithoutDigitsIsZero) {
  // Redis's memtoull hands "" to strtoull, which yields 0 without an error.
  int64_t v = 7;
  ASSERT_TRUE(ParseMemorySize("", &v));
  EXPECT_EQ(v, 0);
  ASSERT_TRUE(ParseMemorySize("kb", &v));
  EXPECT_EQ(v, 0);
}

TEST(NumbersTest, MemorySizeRejectsSignsSpacesFractionsAndOverflow) {
  int64_t v = 0;
  EXPECT_FALSE(ParseMemorySize("-1", &v));
  EXPECT_FALSE(ParseMemorySize("+1", &v));
  EXPECT_FALSE(ParseMemorySize(" 1", &v));
  EXPECT_FALSE(ParseMemorySize("1 kb", &v));
  EXPECT_FALSE(ParseMemorySize("1.5mb", &v));
  EXPECT_FALSE(ParseMemorySize("1kbb", &v));
  EXPECT_FALSE(ParseMemorySize("1t", &v));
  EXPECT_FALSE(ParseMemorySize("9223372036854775808", &v));
  EXPECT_FALSE(ParseMemorySize("8589934592gb", &v));
  ASSERT_TRUE(ParseMemorySize("8589934591gb", &v));
  EXPECT_EQ(v, 9223372035781033984);
}

}  // namespace
}  // namespace cachette::util
