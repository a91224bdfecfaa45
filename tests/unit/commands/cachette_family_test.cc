// Our own commands (group cachette), reply by reply.

#include <gtest/gtest.h>

#include <string>

#include "harness.h"

namespace cachette::commands::testing {
namespace {

class PrefixstatsTest : public ::testing::Test {
 protected:
  std::string Run(std::vector<std::string> args) { return h_.Run(std::move(args)); }
  // Allocated bytes of key's entry in database 0.
  int64_t Bytes(std::string_view key) {
    return h_.store().WithKey(0, key, 0, [](store::KeySlot& slot) -> int64_t {
      const store::Entry* e = slot.Peek();
      return e ? static_cast<int64_t>(e->AllocatedSize()) : 0;
    });
  }
  // RESP2: the bulk prefix, then its figures as a flat array.
  std::string Resp2Row(std::string_view prefix, int hits, int misses, std::string_view ratio,
                       int writes, int keys, int64_t memory) {
    return Bulk(prefix) + "*12\r\n" + Bulk("hits") + Int(hits) + Bulk("misses") + Int(misses) +
           Bulk("hit_ratio") + Bulk(ratio) + Bulk("writes") + Int(writes) + Bulk("keys") +
           Int(keys) + Bulk("memory") + Int(memory);
  }
  CommandHarness h_;
};

TEST_F(PrefixstatsTest, Resp2FlatArrayOfPrefixAndFigures) {
  Run({"SET", "user:1", "a"});
  Run({"SET", "user:2", "b"});
  Run({"GET", "user:1"});
  Run({"GET", "user:3"});
  Run({"GET", "page:1"});
  Run({"GET", "page:2"});
  Run({"GET", "page:3"});
  const int64_t user_bytes = Bytes("user:1") + Bytes("user:2");
  EXPECT_EQ(Run({"PREFIXSTATS"}), "*4\r\n" + Resp2Row("page", 0, 3, "0", 0, 0, 0) +
                                      Resp2Row("user", 1, 1, "0.5", 2, 2, user_bytes));
}

TEST_F(PrefixstatsTest, Resp3MapWithDoubleRatio) {
  h_.Resp3();
  Run({"SET", "user:1", "a"});
  Run({"GET", "user:1"});
  Run({"GET", "user:1"});
  Run({"GET", "user:9"});
  EXPECT_EQ(Run({"PREFIXSTATS"}),
            "%1\r\n" + Bulk("user") + "%6\r\n" + Bulk("hits") + Int(2) + Bulk("misses") + Int(1) +
                Bulk("hit_ratio") + ",0.66666666666666663\r\n" + Bulk("writes") + Int(1) +
                Bulk("keys") + Int(1) + Bulk("memory") + Int(Bytes("user:1")));
}

TEST_F(PrefixstatsTest, SortDirectionAndCount) {
  Run({"SET", "a:1", "x"});
  Run({"SET", "b:1", "x"});
  Run({"SET", "b:2", "x"});
  Run({"SET", "c:1", "x"});
  Run({"SET", "c:2", "x"});
  Run({"SET", "c:3", "x"});
  Run({"GET", "a:1"});
  auto first_prefix = [&](std::vector<std::string> args) {
    const std::string reply = Run(std::move(args));
    const size_t start = reply.find("\r\n$") + 2;
    const size_t length_end = reply.find("\r\n", start);
    const size_t length = std::stoul(reply.substr(start + 1, length_end - start - 1));
    return reply.substr(0, 4) + reply.substr(length_end + 2, length);
  };
  EXPECT_EQ(first_prefix({"PREFIXSTATS"}), "*6\r\na");  // reads, most first
  EXPECT_EQ(first_prefix({"PREFIXSTATS", "SORT", "keys"}), "*6\r\nc");
  EXPECT_EQ(first_prefix({"PREFIXSTATS", "sort", "KEYS", "asc"}), "*6\r\na");
  EXPECT_EQ(first_prefix({"PREFIXSTATS", "SORT", "writes", "COUNT", "1"}), "*2\r\nc");
  EXPECT_EQ(first_prefix({"PREFIXSTATS", "SORT", "prefix"}), "*6\r\na");
  EXPECT_EQ(first_prefix({"PREFIXSTATS", "SORT", "prefix", "DESC"}), "*6\r\nc");
  EXPECT_EQ(first_prefix({"PREFIXSTATS", "COUNT", "2", "SORT", "memory"}), "*4\r\nc");
  EXPECT_EQ(Run({"PREFIXSTATS", "COUNT", "0"}), "*0\r\n");
}

TEST_F(PrefixstatsTest, BadArgumentsAreRedisErrors) {
  EXPECT_EQ(Run({"PREFIXSTATS", "SORT"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"PREFIXSTATS", "SORT", "reads"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"PREFIXSTATS", "COUNT"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"PREFIXSTATS", "COUNT", "x"}), Err("ERR value is not an integer or out of range"));
  EXPECT_EQ(Run({"PREFIXSTATS", "COUNT", "-1"}),
            Err("ERR value is not an integer or out of range"));
  EXPECT_EQ(Run({"PREFIXSTATS", "LIMIT", "1"}), Err("ERR syntax error"));
}

TEST_F(PrefixstatsTest, ResetstatKeepsKeysAndMemory) {
  Run({"SET", "a:1", "x"});
  Run({"GET", "a:1"});
  EXPECT_EQ(Run({"CONFIG", "RESETSTAT"}), "+OK\r\n");
  EXPECT_EQ(Run({"PREFIXSTATS"}), "*2\r\n" + Resp2Row("a", 0, 0, "0", 0, 1, Bytes("a:1")));
}

TEST_F(PrefixstatsTest, OffIsEmptyAndSegmentsFollowConfigSet) {
  Run({"SET", ":1:reviews:user:42", "x"});
  Run({"SET", ":1:payments:7", "x"});
  EXPECT_EQ(Run({"CONFIG", "SET", "prefix-stats", "no"}), "+OK\r\n");
  EXPECT_EQ(Run({"PREFIXSTATS"}), "*0\r\n");
  EXPECT_EQ(Run({"CONFIG", "SET", "prefix-stats", "yes", "prefix-stats-segments", "3"}), "+OK\r\n");
  EXPECT_EQ(Run({"PREFIXSTATS", "SORT", "prefix"}),
            "*4\r\n" + Resp2Row(":1:payments", 0, 0, "0", 0, 1, Bytes(":1:payments:7")) +
                Resp2Row(":1:reviews", 0, 0, "0", 0, 1, Bytes(":1:reviews:user:42")));
  EXPECT_EQ(Run({"CONFIG", "SET", "prefix-stats-separator", "::"}),
            Err("ERR CONFIG SET failed (possibly related to argument 'prefix-stats-separator') - "
                "argument must be a single character"));
  EXPECT_EQ(Run({"CONFIG", "GET", "prefix-stats-separator"}),
            "*2\r\n" + Bulk("prefix-stats-separator") + Bulk(":"));
}

TEST_F(PrefixstatsTest, RunsInsideATransaction) {
  Run({"SET", "a:1", "x"});
  EXPECT_EQ(Run({"MULTI"}), "+OK\r\n");
  EXPECT_EQ(Run({"GET", "a:1"}), "+QUEUED\r\n");
  EXPECT_EQ(Run({"PREFIXSTATS", "COUNT", "1"}), "+QUEUED\r\n");
  EXPECT_EQ(Run({"EXEC"}),
            "*2\r\n" + Bulk("x") + "*2\r\n" + Resp2Row("a", 1, 0, "1", 1, 1, Bytes("a:1")));
}

TEST_F(PrefixstatsTest, InfoPrefixesSection) {
  Run({"SET", "a:1", "x"});
  Run({"GET", "a:1"});
  const std::string info = Run({"INFO", "prefixes"});
  EXPECT_NE(info.find("# Prefixes\r\nprefix0:name=a,hits=1,misses=0,hit_ratio=1.0000,writes=1,"
                      "keys=1,memory=" +
                      std::to_string(Bytes("a:1")) + "\r\n"),
            std::string::npos);
  EXPECT_EQ(Run({"INFO"}).find("# Prefixes"), std::string::npos);
}

}  // namespace
}  // namespace cachette::commands::testing
