#include "cachette/protocol/reply_writer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>

namespace cachette::protocol {
namespace {

// The bytes one call appends, for the given protocol version.
std::string Write(int resp, const std::function<void(ReplyWriter&)>& write) {
  std::string out;
  ReplyWriter writer(&out, resp);
  write(writer);
  return out;
}

std::string Resp2(const std::function<void(ReplyWriter&)>& write) { return Write(2, write); }
std::string Resp3(const std::function<void(ReplyWriter&)>& write) { return Write(3, write); }

TEST(ReplyWriterTest, AppendsToExistingOutput) {
  std::string out = "+PONG\r\n";
  ReplyWriter writer(&out);
  writer.Ok();
  writer.Integer(7);
  EXPECT_EQ(out, "+PONG\r\n+OK\r\n:7\r\n");
  EXPECT_EQ(writer.buffer(), &out);
}

TEST(ReplyWriterTest, WritesSimpleStrings) {
  EXPECT_EQ(Resp2([](ReplyWriter& w) { w.Ok(); }), "+OK\r\n");
  EXPECT_EQ(Resp2([](ReplyWriter& w) { w.SimpleString(""); }), "+\r\n");
  const std::string long_text(1000, 's');
  EXPECT_EQ(Resp3([&](ReplyWriter& w) { w.SimpleString(long_text); }), "+" + long_text + "\r\n");
}

TEST(ReplyWriterTest, WritesErrorsWithDash) {
  EXPECT_EQ(Resp2([](ReplyWriter& w) { w.Error("ERR syntax error"); }), "-ERR syntax error\r\n");
}

TEST(ReplyWriterTest, ReplacesLineEndsInErrorsWithSpaces) {
  EXPECT_EQ(Resp2([](ReplyWriter& w) { w.Error("ERR unknown command 'a\r\nb\n'"); }),
            "-ERR unknown command 'a  b '\r\n");
}

TEST(ReplyWriterTest, LeavesEarlierOutputAloneWhenCleaningErrors) {
  std::string out = "+a\r\n";
  ReplyWriter writer(&out);
  writer.Error("ERR x\ry");
  EXPECT_EQ(out, "+a\r\n-ERR x y\r\n");
}

TEST(ReplyWriterTest, WritesIntegersAcrossTheInt64Range) {
  EXPECT_EQ(Resp2([](ReplyWriter& w) { w.Integer(0); }), ":0\r\n");
  EXPECT_EQ(Resp2([](ReplyWriter& w) { w.Integer(-42); }), ":-42\r\n");
  EXPECT_EQ(Resp3([](ReplyWriter& w) { w.Integer(std::numeric_limits<int64_t>::max()); }),
            ":9223372036854775807\r\n");
  EXPECT_EQ(Resp3([](ReplyWriter& w) { w.Integer(std::numeric_limits<int64_t>::min()); }),
            ":-9223372036854775808\r\n");
}

TEST(ReplyWriterTest, WritesBulkStringsOfAnySize) {
  EXPECT_EQ(Resp2([](ReplyWriter& w) { w.Bulk("bar"); }), "$3\r\nbar\r\n");
  EXPECT_EQ(Resp2([](ReplyWriter& w) { w.Bulk(""); }), "$0\r\n\r\n");
  const std::string binary("a\r\n\0b", 5);
  EXPECT_EQ(Resp2([&](ReplyWriter& w) { w.Bulk(binary); }), "$5\r\n" + binary + "\r\n");
  for (const size_t size : {63, 64, 65, 100000}) {
    const std::string value(size, 'v');
    std::string expected = "$";
    expected += std::to_string(size);
    expected += "\r\n";
    expected += value;
    expected += "\r\n";
    EXPECT_EQ(Resp3([&](ReplyWriter& w) { w.Bulk(value); }), expected);
  }
}

TEST(ReplyWriterTest, WritesIntegersAsBulkStrings) {
  EXPECT_EQ(Resp2([](ReplyWriter& w) { w.BulkInt(1234); }), "$4\r\n1234\r\n");
  EXPECT_EQ(Resp2([](ReplyWriter& w) { w.BulkInt(-1); }), "$2\r\n-1\r\n");
  EXPECT_EQ(Resp3([](ReplyWriter& w) { w.BulkInt(std::numeric_limits<int64_t>::min()); }),
            "$20\r\n-9223372036854775808\r\n");
}

TEST(ReplyWriterTest, WritesNullsPerProtocol) {
  EXPECT_EQ(Resp2([](ReplyWriter& w) { w.NullBulk(); }), "$-1\r\n");
  EXPECT_EQ(Resp2([](ReplyWriter& w) { w.NullArray(); }), "*-1\r\n");
  EXPECT_EQ(Resp3([](ReplyWriter& w) { w.NullBulk(); }), "_\r\n");
  EXPECT_EQ(Resp3([](ReplyWriter& w) { w.NullArray(); }), "_\r\n");
}

TEST(ReplyWriterTest, WritesAggregateHeadersPerProtocol) {
  EXPECT_EQ(Resp2([](ReplyWriter& w) { w.ArrayHeader(3); }), "*3\r\n");
  EXPECT_EQ(Resp3([](ReplyWriter& w) { w.EmptyArray(); }), "*0\r\n");
  EXPECT_EQ(Resp2([](ReplyWriter& w) { w.MapHeader(2); }), "*4\r\n");
  EXPECT_EQ(Resp3([](ReplyWriter& w) { w.MapHeader(2); }), "%2\r\n");
  EXPECT_EQ(Resp2([](ReplyWriter& w) { w.SetHeader(5); }), "*5\r\n");
  EXPECT_EQ(Resp3([](ReplyWriter& w) { w.SetHeader(5); }), "~5\r\n");
  EXPECT_EQ(Resp2([](ReplyWriter& w) { w.PushHeader(3); }), "*3\r\n");
  EXPECT_EQ(Resp3([](ReplyWriter& w) { w.PushHeader(3); }), ">3\r\n");
}

TEST(ReplyWriterTest, WritesDoublesWithSeventeenSignificantDigits) {
  EXPECT_EQ(Resp3([](ReplyWriter& w) { w.Double(1.5); }), ",1.5\r\n");
  EXPECT_EQ(Resp3([](ReplyWriter& w) { w.Double(0.1); }), ",0.10000000000000001\r\n");
  EXPECT_EQ(Resp3([](ReplyWriter& w) { w.Double(3); }), ",3\r\n");
  EXPECT_EQ(Resp3([](ReplyWriter& w) { w.Double(1e300); }), ",1.0000000000000001e+300\r\n");
  EXPECT_EQ(Resp2([](ReplyWriter& w) { w.Double(1.5); }), "$3\r\n1.5\r\n");
  EXPECT_EQ(Resp2([](ReplyWriter& w) { w.Double(0.1); }), "$19\r\n0.10000000000000001\r\n");
}

TEST(ReplyWriterTest, SpellsOutInfinitiesAndNan) {
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_EQ(Resp3([&](ReplyWriter& w) { w.Double(inf); }), ",inf\r\n");
  EXPECT_EQ(Resp3([&](ReplyWriter& w) { w.Double(-inf); }), ",-inf\r\n");
  EXPECT_EQ(Resp3([](ReplyWriter& w) { w.Double(-std::nan("")); }), ",nan\r\n");
  EXPECT_EQ(Resp2([&](ReplyWriter& w) { w.Double(inf); }), "$3\r\ninf\r\n");
  EXPECT_EQ(Resp2([&](ReplyWriter& w) { w.Double(-inf); }), "$4\r\n-inf\r\n");
}

TEST(ReplyWriterTest, WritesBooleansPerProtocol) {
  EXPECT_EQ(Resp3([](ReplyWriter& w) { w.Boolean(true); }), "#t\r\n");
  EXPECT_EQ(Resp3([](ReplyWriter& w) { w.Boolean(false); }), "#f\r\n");
  EXPECT_EQ(Resp2([](ReplyWriter& w) { w.Boolean(true); }), ":1\r\n");
  EXPECT_EQ(Resp2([](ReplyWriter& w) { w.Boolean(false); }), ":0\r\n");
}

TEST(ReplyWriterTest, WritesVerbatimStringsPerProtocol) {
  EXPECT_EQ(Resp3([](ReplyWriter& w) { w.Verbatim("# Server\r\n"); }),
            "=14\r\ntxt:# Server\r\n\r\n");
  EXPECT_EQ(Resp3([](ReplyWriter& w) { w.Verbatim("*hi*", "mkd"); }), "=8\r\nmkd:*hi*\r\n");
  EXPECT_EQ(Resp2([](ReplyWriter& w) { w.Verbatim("# Server\r\n"); }), "$10\r\n# Server\r\n\r\n");
}

TEST(ReplyWriterTest, PadsOrCutsVerbatimFormatToThreeBytes) {
  EXPECT_EQ(Resp3([](ReplyWriter& w) { w.Verbatim("x", "md"); }), "=5\r\nmd :x\r\n");
  EXPECT_EQ(Resp3([](ReplyWriter& w) { w.Verbatim("x", "text"); }), "=5\r\ntex:x\r\n");
}

TEST(ReplyWriterTest, SwitchesProtocolVersion) {
  std::string out;
  ReplyWriter writer(&out);
  EXPECT_EQ(writer.resp_version(), 2);
  writer.NullBulk();
  writer.set_resp_version(3);
  EXPECT_EQ(writer.resp_version(), 3);
  writer.NullBulk();
  EXPECT_EQ(out, "$-1\r\n_\r\n");
}

TEST(ReplyWriterTest, PassesRawBytesThrough) {
  EXPECT_EQ(Resp2([](ReplyWriter& w) { w.Raw("*1\r\n:1\r\n"); }), "*1\r\n:1\r\n");
}

}  // namespace
}  // namespace cachette::protocol
