// Redis's generic (keyspace) commands, reply by reply. Every expected byte string was checked
// against redis-server 7.0.

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>

#include "cachette/store/store_admin.h"
#include "cachette/util/clock.h"
#include "harness.h"

namespace cachette::commands::testing {
namespace {

constexpr int64_t kFarFutureMs = 4102444800123;  // 2100-01-01T00:00:00.123Z
const std::string kFarFuture = std::to_string(kFarFutureMs);

const std::string kOk = "+OK\r\n";
const std::string kNull = "$-1\r\n";
const std::string kZero = ":0\r\n";
const std::string kOne = ":1\r\n";
const std::string kSyntax = "-ERR syntax error\r\n";
const std::string kNotInteger = "-ERR value is not an integer or out of range\r\n";

std::vector<std::string> Sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

class GenericFamilyTest : public ::testing::Test {
 protected:
  std::string Run(std::vector<std::string> args) { return h_.Run(std::move(args)); }
  int64_t Number(std::vector<std::string> args) {
    const std::string reply = Run(std::move(args));
    EXPECT_EQ(reply[0], ':') << reply;
    return std::stoll(reply.substr(1));
  }
  // Every key of a whole SCAN iteration with the given options.
  std::vector<std::string> ScanAll(std::vector<std::string> options = {}) {
    std::vector<std::string> keys;
    std::string cursor = "0";
    int calls = 0;
    do {
      std::vector<std::string> args = {"SCAN", cursor};
      args.insert(args.end(), options.begin(), options.end());
      const std::string reply = Run(args);
      auto page = ParseScanReply(reply);
      if (!page) {
        ADD_FAILURE() << "not a SCAN reply: " << reply;
        break;
      }
      cursor = page->cursor;
      keys.insert(keys.end(), page->keys.begin(), page->keys.end());
      if (++calls > 100000) {
        ADD_FAILURE() << "SCAN did not finish";
        break;
      }
    } while (cursor != "0");
    return keys;
  }

  CommandHarness h_;
};

// --- DEL / UNLINK / EXISTS / TOUCH / TYPE ------------------------------------------------

TEST_F(GenericFamilyTest, DelCountsTheKeysItRemoved) {
  Run({"MSET", "a", "1", "b", "2", "c", "3"});
  EXPECT_EQ(Run({"DEL", "a", "nokey", "b"}), ":2\r\n");
  EXPECT_EQ(Run({"DEL", "a"}), kZero);
  EXPECT_EQ(Run({"EXISTS", "a", "b", "c"}), kOne);
}

TEST_F(GenericFamilyTest, DelOfARepeatedKeyCountsItOnce) {
  Run({"SET", "a", "1"});
  EXPECT_EQ(Run({"DEL", "a", "a"}), kOne);
}

TEST_F(GenericFamilyTest, UnlinkIsDel) {
  Run({"SET", "c", "3"});
  EXPECT_EQ(Run({"UNLINK", "c", "d"}), kOne);
  EXPECT_EQ(Run({"EXISTS", "c"}), kZero);
}

TEST_F(GenericFamilyTest, DelOfAnExpiredKeyCountsNothing) {
  Run({"SET", "a", "1", "PXAT", "1"});
  EXPECT_EQ(Run({"DEL", "a"}), kZero);
}

TEST_F(GenericFamilyTest, ExistsCountsRepeatedKeysEachTime) {
  Run({"SET", "a", "1"});
  EXPECT_EQ(Run({"EXISTS", "a", "a", "nokey"}), ":2\r\n");
  EXPECT_EQ(Run({"EXISTS", "nokey"}), kZero);
}

TEST_F(GenericFamilyTest, TouchCountsExistingKeys) {
  Run({"SET", "a", "1"});
  EXPECT_EQ(Run({"TOUCH", "a", "nokey", "a"}), ":2\r\n");
}

TEST_F(GenericFamilyTest, TypeIsStringOrNone) {
  Run({"SET", "a", "1"});
  EXPECT_EQ(Run({"TYPE", "a"}), "+string\r\n");
  EXPECT_EQ(Run({"TYPE", "nokey"}), "+none\r\n");
}

TEST_F(GenericFamilyTest, KeyCommandsWrongArity) {
  EXPECT_EQ(Run({"DEL"}), "-ERR wrong number of arguments for 'del' command\r\n");
  EXPECT_EQ(Run({"EXISTS"}), "-ERR wrong number of arguments for 'exists' command\r\n");
  EXPECT_EQ(Run({"TYPE", "a", "b"}), "-ERR wrong number of arguments for 'type' command\r\n");
  EXPECT_EQ(Run({"EXPIRE", "k"}), "-ERR wrong number of arguments for 'expire' command\r\n");
  EXPECT_EQ(Run({"COPY", "k"}), "-ERR wrong number of arguments for 'copy' command\r\n");
  EXPECT_EQ(Run({"SCAN"}), "-ERR wrong number of arguments for 'scan' command\r\n");
  EXPECT_EQ(Run({"RENAME", "a"}), "-ERR wrong number of arguments for 'rename' command\r\n");
}

// --- EXPIRE family -----------------------------------------------------------------------------

TEST_F(GenericFamilyTest, ExpireSetsTtlInSeconds) {
  Run({"SET", "a", "1"});
  EXPECT_EQ(Run({"EXPIRE", "a", "100"}), kOne);
  EXPECT_EQ(Run({"TTL", "a"}), ":100\r\n");
  const int64_t pttl = Number({"PTTL", "a"});
  EXPECT_GT(pttl, 99000);
  EXPECT_LE(pttl, 100000);
}

// The harness's clock, stopped and moved on by hand: a TTL counts down by exactly the time
// that passed, and a key is gone the instant its expiry passes, with no sleeping.
TEST_F(GenericFamilyTest, KeysExpireWhenTheInjectedClockPassesTheirExpiry) {
  h_.clock().StopAt(kFarFutureMs * 1000 - 10'000'000'000);
  Run({"SET", "a", "1", "PX", "1500"});
  EXPECT_EQ(Run({"PTTL", "a"}), ":1500\r\n");
  h_.clock().Advance(1'000'000);
  EXPECT_EQ(Run({"PTTL", "a"}), ":500\r\n");
  EXPECT_EQ(Run({"TTL", "a"}), ":1\r\n");  // rounded as Redis rounds
  h_.clock().Advance(499'000);
  EXPECT_EQ(Run({"GET", "a"}), Bulk("1"));
  h_.clock().Advance(1'000);
  EXPECT_EQ(Run({"GET", "a"}), kNull);
  EXPECT_EQ(Run({"EXISTS", "a"}), kZero);
}

TEST_F(GenericFamilyTest, TimeReadsTheInjectedClock) {
  h_.clock().StopAt(1'700'000'000'123'456);
  EXPECT_EQ(Run({"TIME"}), BulkArray({"1700000000", "123456"}));
  h_.clock().Advance(1'000'000);
  EXPECT_EQ(Run({"TIME"}), BulkArray({"1700000001", "123456"}));
}

TEST_F(GenericFamilyTest, PexpireSetsTtlInMilliseconds) {
  Run({"SET", "a", "1"});
  EXPECT_EQ(Run({"PEXPIRE", "a", "100000"}), kOne);
  const int64_t pttl = Number({"PTTL", "a"});
  EXPECT_GT(pttl, 99000);
  EXPECT_LE(pttl, 100000);
}

TEST_F(GenericFamilyTest, ExpireatAndPexpireatSetAbsoluteTimes) {
  Run({"SET", "a", "1"});
  EXPECT_EQ(Run({"PEXPIREAT", "a", kFarFuture}), kOne);
  EXPECT_EQ(Run({"EXPIRETIME", "a"}), ":4102444800\r\n");
  EXPECT_EQ(Run({"PEXPIRETIME", "a"}), ":4102444800123\r\n");
  EXPECT_EQ(Run({"EXPIREAT", "a", "4102444801"}), kOne);
  EXPECT_EQ(Run({"PEXPIRETIME", "a"}), ":4102444801000\r\n");
}

TEST_F(GenericFamilyTest, ExpireOfAMissingKeyIsZero) {
  EXPECT_EQ(Run({"EXPIRE", "nokey", "100"}), kZero);
  EXPECT_EQ(Run({"PEXPIREAT", "nokey", kFarFuture}), kZero);
  EXPECT_EQ(Run({"EXPIRE", "nokey", "0"}), kZero);
}

TEST_F(GenericFamilyTest, ExpireInThePastDeletesTheKey) {
  for (std::vector<std::string> cmd : {std::vector<std::string>{"EXPIRE", "c", "0"},
                                       {"EXPIRE", "c", "-1"},
                                       {"PEXPIRE", "c", "-1000"},
                                       {"PEXPIREAT", "c", "1"},
                                       {"EXPIREAT", "c", "1", "NX"},
                                       {"PEXPIRE", "c", "-9223372036854775808"}}) {
    Run({"SET", "c", "1"});
    EXPECT_EQ(Run(cmd), kOne) << cmd[0] << " " << cmd[2];
    EXPECT_EQ(Run({"EXISTS", "c"}), kZero) << cmd[0] << " " << cmd[2];
  }
}

TEST_F(GenericFamilyTest, ExpireAtAPastAbsoluteTimeRelativeToNowDeletesTheKey) {
  Run({"SET", "c", "1"});
  const int64_t past = util::UnixTimeMs() - 10000;
  EXPECT_EQ(Run({"PEXPIREAT", "c", std::to_string(past)}), kOne);
  EXPECT_EQ(Run({"GET", "c"}), kNull);
  EXPECT_EQ(h_.store().DbSize(0), 0u);
}

TEST_F(GenericFamilyTest, ExpireNxOnlyWhenNoExpiry) {
  Run({"SET", "a", "1"});
  EXPECT_EQ(Run({"EXPIRE", "a", "100", "NX"}), kOne);
  EXPECT_EQ(Run({"EXPIRE", "a", "200", "NX"}), kZero);
  EXPECT_EQ(Run({"TTL", "a"}), ":100\r\n");
}

TEST_F(GenericFamilyTest, ExpireXxOnlyWhenAnExpiryExists) {
  Run({"SET", "b", "1"});
  EXPECT_EQ(Run({"EXPIRE", "b", "100", "XX"}), kZero);
  EXPECT_EQ(Run({"TTL", "b"}), ":-1\r\n");
  Run({"EXPIRE", "b", "100"});
  EXPECT_EQ(Run({"EXPIRE", "b", "200", "XX"}), kOne);
  EXPECT_EQ(Run({"TTL", "b"}), ":200\r\n");
}

TEST_F(GenericFamilyTest, ExpireGtOnlyExtendsAnExistingExpiry) {
  Run({"SET", "b", "1"});
  EXPECT_EQ(Run({"EXPIRE", "b", "100", "GT"}), kZero);  // no expiry counts as infinite
  Run({"EXPIRE", "b", "200"});
  EXPECT_EQ(Run({"EXPIRE", "b", "100", "GT"}), kZero);
  EXPECT_EQ(Run({"EXPIRE", "b", "300", "GT"}), kOne);
  EXPECT_EQ(Run({"TTL", "b"}), ":300\r\n");
}

TEST_F(GenericFamilyTest, ExpireLtOnlyShortens) {
  Run({"SET", "b", "1"});
  EXPECT_EQ(Run({"EXPIRE", "b", "300", "LT"}), kOne);  // no expiry counts as infinite
  EXPECT_EQ(Run({"EXPIRE", "b", "400", "LT"}), kZero);
  EXPECT_EQ(Run({"EXPIRE", "b", "100", "lt"}), kOne);
  EXPECT_EQ(Run({"TTL", "b"}), ":100\r\n");
}

TEST_F(GenericFamilyTest, ExpireGtWithAPastTimeKeepsTheKeyLtDeletesIt) {
  Run({"SET", "c", "1"});
  EXPECT_EQ(Run({"EXPIRE", "c", "-1", "GT"}), kZero);
  EXPECT_EQ(Run({"EXISTS", "c"}), kOne);
  Run({"EXPIRE", "c", "100"});
  EXPECT_EQ(Run({"EXPIRE", "c", "-1", "GT"}), kZero);
  EXPECT_EQ(Run({"EXPIRE", "c", "-1", "LT"}), kOne);
  EXPECT_EQ(Run({"EXISTS", "c"}), kZero);
}

TEST_F(GenericFamilyTest, ExpireXxGtTogetherNeedBoth) {
  Run({"SET", "b", "1"});
  EXPECT_EQ(Run({"EXPIRE", "b", "100", "XX", "GT"}), kZero);
  Run({"EXPIRE", "b", "100"});
  EXPECT_EQ(Run({"EXPIRE", "b", "200", "XX", "GT"}), kOne);
}

TEST_F(GenericFamilyTest, ExpireIncompatibleOptionsAreErrors) {
  Run({"SET", "a", "1"});
  const std::string nx = "-ERR NX and XX, GT or LT options at the same time are not compatible\r\n";
  EXPECT_EQ(Run({"EXPIRE", "a", "10", "NX", "XX"}), nx);
  EXPECT_EQ(Run({"EXPIRE", "a", "10", "NX", "GT"}), nx);
  EXPECT_EQ(Run({"PEXPIRE", "a", "10", "LT", "NX"}), nx);
  EXPECT_EQ(Run({"EXPIRE", "a", "10", "GT", "LT"}),
            "-ERR GT and LT options at the same time are not compatible\r\n");
  EXPECT_EQ(Run({"TTL", "a"}), ":-1\r\n");
}

TEST_F(GenericFamilyTest, ExpireUnknownOptionIsUnsupported) {
  Run({"SET", "a", "1"});
  EXPECT_EQ(Run({"EXPIRE", "a", "10", "FOO"}), "-ERR Unsupported option FOO\r\n");
  EXPECT_EQ(Run({"EXPIRE", "a", "10", "nx", "foo"}), "-ERR Unsupported option foo\r\n");
  // Options are checked before the time is parsed.
  EXPECT_EQ(Run({"EXPIRE", "a", "abc", "FOO"}), "-ERR Unsupported option FOO\r\n");
}

TEST_F(GenericFamilyTest, ExpireNonIntegerTimeIsAnError) {
  Run({"SET", "a", "1"});
  EXPECT_EQ(Run({"EXPIRE", "a", "abc"}), kNotInteger);
  EXPECT_EQ(Run({"PEXPIREAT", "a", "1.5"}), kNotInteger);
}

TEST_F(GenericFamilyTest, ExpireOverflowIsAnInvalidExpireTime) {
  Run({"SET", "a", "1"});
  EXPECT_EQ(Run({"EXPIRE", "a", "9223372036854775807"}),
            "-ERR invalid expire time in 'expire' command\r\n");
  EXPECT_EQ(Run({"PEXPIRE", "a", "9223372036854775807"}),
            "-ERR invalid expire time in 'pexpire' command\r\n");
  EXPECT_EQ(Run({"EXPIRE", "a", "-9223372036854775808"}),
            "-ERR invalid expire time in 'expire' command\r\n");
  EXPECT_EQ(Run({"EXPIREAT", "a", "9223372036854775807"}),
            "-ERR invalid expire time in 'expireat' command\r\n");
  EXPECT_EQ(Run({"TTL", "a"}), ":-1\r\n");
}

TEST_F(GenericFamilyTest, PexpireatLargestTimeIsAcceptedAndKeptAsTheYear10889) {
  // Redis keeps 9223372036854775807 exactly; an entry keeps 48 bits of milliseconds
  // (docs/commands.md), so instants past 2^48 - 1 ms read back as that.
  Run({"SET", "a", "1"});
  EXPECT_EQ(Run({"PEXPIREAT", "a", "9223372036854775807"}), kOne);
  EXPECT_EQ(Run({"PEXPIRETIME", "a"}), ":281474976710655\r\n");
  EXPECT_EQ(Run({"PEXPIREAT", "a", "253402300799999"}), kOne);  // 9999-12-31: exact
  EXPECT_EQ(Run({"PEXPIRETIME", "a"}), ":253402300799999\r\n");
}

TEST_F(GenericFamilyTest, TtlAndPttlOfMissingAndPersistentKeys) {
  EXPECT_EQ(Run({"TTL", "nokey"}), ":-2\r\n");
  EXPECT_EQ(Run({"PTTL", "nokey"}), ":-2\r\n");
  Run({"SET", "a", "1"});
  EXPECT_EQ(Run({"TTL", "a"}), ":-1\r\n");
  EXPECT_EQ(Run({"PTTL", "a"}), ":-1\r\n");
}

TEST_F(GenericFamilyTest, TtlOfAnExpiredKeyIsMinusTwo) {
  Run({"SET", "a", "1", "PXAT", "1"});
  EXPECT_EQ(Run({"TTL", "a"}), ":-2\r\n");
}

TEST_F(GenericFamilyTest, ExpiretimeAndPexpiretime) {
  EXPECT_EQ(Run({"EXPIRETIME", "nokey"}), ":-2\r\n");
  EXPECT_EQ(Run({"PEXPIRETIME", "nokey"}), ":-2\r\n");
  Run({"SET", "a", "1"});
  EXPECT_EQ(Run({"EXPIRETIME", "a"}), ":-1\r\n");
  EXPECT_EQ(Run({"PEXPIRETIME", "a"}), ":-1\r\n");
  Run({"PEXPIREAT", "a", kFarFuture});
  EXPECT_EQ(Run({"EXPIRETIME", "a"}), ":4102444800\r\n");
  EXPECT_EQ(Run({"PEXPIRETIME", "a"}), ":4102444800123\r\n");
}

TEST_F(GenericFamilyTest, ExpiretimeRoundsToTheNearestSecond) {
  Run({"SET", "a", "1"});
  Run({"PEXPIREAT", "a", "4102444800499"});
  EXPECT_EQ(Run({"EXPIRETIME", "a"}), ":4102444800\r\n");
  Run({"PEXPIREAT", "a", "4102444800500"});
  EXPECT_EQ(Run({"EXPIRETIME", "a"}), ":4102444801\r\n");
  Run({"PEXPIREAT", "a", "4102444800600"});
  EXPECT_EQ(Run({"EXPIRETIME", "a"}), ":4102444801\r\n");
}

TEST_F(GenericFamilyTest, PersistRemovesTheExpiry) {
  Run({"SET", "a", "1", "PXAT", kFarFuture});
  EXPECT_EQ(Run({"PERSIST", "a"}), kOne);
  EXPECT_EQ(Run({"PERSIST", "a"}), kZero);
  EXPECT_EQ(Run({"PERSIST", "nokey"}), kZero);
  EXPECT_EQ(Run({"TTL", "a"}), ":-1\r\n");
}

TEST_F(GenericFamilyTest, ExpiryCounterFollowsExpireAndPersist) {
  Run({"SET", "a", "1"});
  Run({"EXPIRE", "a", "100"});
  EXPECT_EQ(store::GetKeyspaceStats(h_.store(), 0, util::UnixTimeMs()).expires, 1u);
  Run({"PERSIST", "a"});
  EXPECT_EQ(store::GetKeyspaceStats(h_.store(), 0, util::UnixTimeMs()).expires, 0u);
}

TEST_F(GenericFamilyTest, LookingUpAnExpiredKeyCountsExpiredKeys) {
  Run({"SET", "a", "1", "PXAT", std::to_string(util::UnixTimeMs() - 1)});
  EXPECT_EQ(Run({"GET", "a"}), kNull);
  EXPECT_EQ(h_.store().SumCounters().expired_keys, 1u);
}

// --- KEYS / SCAN / RANDOMKEY ---------------------------------------------------------------

TEST_F(GenericFamilyTest, KeysMatchesAGlob) {
  Run({"MSET", "foo", "1", "fob", "2", "bar", "3"});
  auto keys = ParseBulkArray(Run({"KEYS", "f*"}));
  ASSERT_TRUE(keys.has_value());
  EXPECT_EQ(Sorted(*keys), (std::vector<std::string>{"fob", "foo"}));
  EXPECT_EQ(Run({"KEYS", "b?r"}), "*1\r\n$3\r\nbar\r\n");
  EXPECT_EQ(Run({"KEYS", "nomatch*"}), "*0\r\n");
  auto all = ParseBulkArray(Run({"KEYS", "*"}));
  ASSERT_TRUE(all.has_value());
  EXPECT_EQ(all->size(), 3u);
}

TEST_F(GenericFamilyTest, KeysOfAnEmptyDatabaseIsEmpty) { EXPECT_EQ(Run({"KEYS", "*"}), "*0\r\n"); }

TEST_F(GenericFamilyTest, KeysSeesOnlyTheSelectedDatabase) {
  Run({"SET", "zero", "1"});
  Run({"SELECT", "1"});
  Run({"SET", "one", "1"});
  EXPECT_EQ(Run({"KEYS", "*"}), "*1\r\n$3\r\none\r\n");
}

TEST_F(GenericFamilyTest, ScanOfAnEmptyDatabase) {
  EXPECT_EQ(Run({"SCAN", "0"}), "*2\r\n$1\r\n0\r\n*0\r\n");
}

TEST_F(GenericFamilyTest, ScanReturnsEveryKeyAndEndsAtZero) {
  for (int i = 0; i < 500; ++i) {
    Run({"SET", "key:" + std::to_string(i), "v"});
  }
  const std::vector<std::string> keys = ScanAll();
  const std::set<std::string> unique(keys.begin(), keys.end());
  EXPECT_EQ(unique.size(), 500u);
  EXPECT_EQ(keys.size(), 500u);
}

TEST_F(GenericFamilyTest, ScanWithALargeCountReturnsEverythingAtOnce) {
  Run({"MSET", "a", "1", "bar", "2", "fob", "3", "foo", "4"});
  auto page = ParseScanReply(Run({"SCAN", "0", "COUNT", "100"}));
  ASSERT_TRUE(page.has_value());
  EXPECT_EQ(page->cursor, "0");
  EXPECT_EQ(Sorted(page->keys), (std::vector<std::string>{"a", "bar", "fob", "foo"}));
}

TEST_F(GenericFamilyTest, ScanCountLimitsAPage) {
  for (int i = 0; i < 200; ++i) {
    Run({"SET", "key:" + std::to_string(i), "v"});
  }
  auto page = ParseScanReply(Run({"SCAN", "0", "COUNT", "5"}));
  ASSERT_TRUE(page.has_value());
  EXPECT_NE(page->cursor, "0");
  EXPECT_LE(page->keys.size(), 15u);
}

TEST_F(GenericFamilyTest, ScanMatchFiltersKeys) {
  Run({"MSET", "foo", "1", "fob", "2", "bar", "3"});
  EXPECT_EQ(Sorted(ScanAll({"MATCH", "f*"})), (std::vector<std::string>{"fob", "foo"}));
  EXPECT_EQ(ScanAll({"MATCH", "nomatch"}), std::vector<std::string>{});
  EXPECT_EQ(Run({"SCAN", "0", "MATCH", "nomatch", "COUNT", "100"}), "*2\r\n$1\r\n0\r\n*0\r\n");
}

TEST_F(GenericFamilyTest, ScanTypeFiltersByTypeCaseInsensitively) {
  Run({"MSET", "foo", "1", "bar", "3"});
  EXPECT_EQ(Run({"SCAN", "0", "TYPE", "hash", "COUNT", "100"}), "*2\r\n$1\r\n0\r\n*0\r\n");
  EXPECT_EQ(Run({"SCAN", "0", "TYPE", "STRING", "MATCH", "bar", "COUNT", "100"}),
            "*2\r\n$1\r\n0\r\n*1\r\n$3\r\nbar\r\n");
  EXPECT_EQ(Sorted(ScanAll({"type", "string"})), (std::vector<std::string>{"bar", "foo"}));
}

TEST_F(GenericFamilyTest, ScanCursorParsingFollowsRedis) {
  Run({"SET", "a", "1"});
  const std::string whole = "*2\r\n$1\r\n0\r\n*1\r\n$1\r\na\r\n";
  EXPECT_EQ(Run({"SCAN", "abc"}), "-ERR invalid cursor\r\n");
  EXPECT_EQ(Run({"SCAN", " 0"}), "-ERR invalid cursor\r\n");
  EXPECT_EQ(Run({"SCAN", "1x"}), "-ERR invalid cursor\r\n");
  EXPECT_EQ(Run({"SCAN", "18446744073709551616"}), "-ERR invalid cursor\r\n");
  EXPECT_EQ(Run({"SCAN", "", "COUNT", "100"}), whole);
  EXPECT_EQ(Run({"SCAN", "+0", "COUNT", "100"}), whole);
}

TEST_F(GenericFamilyTest, ScanBadOptionsAreErrors) {
  EXPECT_EQ(Run({"SCAN", "0", "COUNT", "0"}), kSyntax);
  EXPECT_EQ(Run({"SCAN", "0", "COUNT", "-1"}), kSyntax);
  EXPECT_EQ(Run({"SCAN", "0", "COUNT", "abc"}), kNotInteger);
  EXPECT_EQ(Run({"SCAN", "0", "MATCH"}), kSyntax);
  EXPECT_EQ(Run({"SCAN", "0", "FOO", "bar"}), kSyntax);
}

TEST_F(GenericFamilyTest, ScanSkipsExpiredKeys) {
  Run({"SET", "live", "1"});
  Run({"SET", "dead", "1", "PXAT", "1"});
  EXPECT_EQ(ScanAll(), std::vector<std::string>{"live"});
}

TEST_F(GenericFamilyTest, RandomkeyOfAnEmptyDatabaseIsNull) {
  EXPECT_EQ(Run({"RANDOMKEY"}), kNull);
  h_.Resp3();
  EXPECT_EQ(Run({"RANDOMKEY"}), "_\r\n");
}

TEST_F(GenericFamilyTest, RandomkeyReturnsAKey) {
  Run({"SET", "a", "1"});
  EXPECT_EQ(Run({"RANDOMKEY"}), "$1\r\na\r\n");
  Run({"SET", "b", "1"});
  const std::string reply = Run({"RANDOMKEY"});
  EXPECT_TRUE(reply == "$1\r\na\r\n" || reply == "$1\r\nb\r\n") << reply;
}

// --- RENAME / RENAMENX / COPY --------------------------------------------------------------

TEST_F(GenericFamilyTest, RenameOfAMissingKeyIsNoSuchKey) {
  EXPECT_EQ(Run({"RENAME", "nokey", "b"}), "-ERR no such key\r\n");
  EXPECT_EQ(Run({"RENAMENX", "nokey", "b"}), "-ERR no such key\r\n");
}

TEST_F(GenericFamilyTest, RenameMovesValueAndExpiry) {
  Run({"SET", "a", "1"});
  Run({"PEXPIREAT", "a", kFarFuture});
  EXPECT_EQ(Run({"RENAME", "a", "b"}), kOk);
  EXPECT_EQ(Run({"PEXPIRETIME", "b"}), ":4102444800123\r\n");
  EXPECT_EQ(Run({"EXISTS", "a"}), kZero);
  EXPECT_EQ(Run({"GET", "b"}), "$1\r\n1\r\n");
}

TEST_F(GenericFamilyTest, RenameOverwritesTheTarget) {
  Run({"SET", "d", "1"});
  Run({"SET", "c", "2", "PXAT", kFarFuture});
  EXPECT_EQ(Run({"RENAME", "d", "c"}), kOk);
  EXPECT_EQ(Run({"GET", "c"}), "$1\r\n1\r\n");
  EXPECT_EQ(Run({"TTL", "c"}), ":-1\r\n");
  EXPECT_EQ(h_.store().DbSize(0), 1u);
}

TEST_F(GenericFamilyTest, RenameToItselfKeepsTheKey) {
  Run({"SET", "b", "1"});
  EXPECT_EQ(Run({"RENAME", "b", "b"}), kOk);
  EXPECT_EQ(Run({"RENAMENX", "b", "b"}), kZero);
  EXPECT_EQ(Run({"GET", "b"}), "$1\r\n1\r\n");
}

TEST_F(GenericFamilyTest, RenamenxOnlyToAFreeName) {
  Run({"SET", "b", "1"});
  Run({"SET", "c", "2"});
  EXPECT_EQ(Run({"RENAMENX", "b", "c"}), kZero);
  EXPECT_EQ(Run({"RENAMENX", "b", "d"}), kOne);
  EXPECT_EQ(Run({"GET", "d"}), "$1\r\n1\r\n");
  EXPECT_EQ(Run({"EXISTS", "b"}), kZero);
}

TEST_F(GenericFamilyTest, RenameOfAnExpiredKeyIsNoSuchKey) {
  Run({"SET", "a", "1", "PXAT", "1"});
  EXPECT_EQ(Run({"RENAME", "a", "b"}), "-ERR no such key\r\n");
}

TEST_F(GenericFamilyTest, CopyDuplicatesValueAndExpiry) {
  Run({"SET", "c", "1", "PXAT", kFarFuture});
  EXPECT_EQ(Run({"COPY", "c", "e"}), kOne);
  EXPECT_EQ(Run({"GET", "e"}), "$1\r\n1\r\n");
  EXPECT_EQ(Run({"PEXPIRETIME", "e"}), ":4102444800123\r\n");
  EXPECT_EQ(Run({"GET", "c"}), "$1\r\n1\r\n");
}

TEST_F(GenericFamilyTest, CopyNeedsReplaceToOverwrite) {
  Run({"SET", "c", "1"});
  Run({"SET", "e", "old"});
  EXPECT_EQ(Run({"COPY", "c", "e"}), kZero);
  EXPECT_EQ(Run({"GET", "e"}), "$3\r\nold\r\n");
  EXPECT_EQ(Run({"COPY", "c", "e", "REPLACE"}), kOne);
  EXPECT_EQ(Run({"GET", "e"}), "$1\r\n1\r\n");
  EXPECT_EQ(Run({"COPY", "c", "x", "REPLACE", "REPLACE"}), kOne);
}

TEST_F(GenericFamilyTest, CopyOfAMissingKeyIsZero) {
  EXPECT_EQ(Run({"COPY", "nokey", "f"}), kZero);
}

TEST_F(GenericFamilyTest, CopyToTheSameKeyIsAnError) {
  Run({"SET", "c", "1"});
  const std::string same = "-ERR source and destination objects are the same\r\n";
  EXPECT_EQ(Run({"COPY", "c", "c"}), same);
  EXPECT_EQ(Run({"COPY", "c", "c", "DB", "0"}), same);
  EXPECT_EQ(Run({"COPY", "nokey", "nokey"}), same);
}

TEST_F(GenericFamilyTest, CopyToAnotherDatabase) {
  Run({"SET", "c", "1"});
  EXPECT_EQ(Run({"COPY", "c", "c", "DB", "1"}), kOne);
  EXPECT_EQ(Run({"SELECT", "1"}), kOk);
  EXPECT_EQ(Run({"GET", "c"}), "$1\r\n1\r\n");
}

TEST_F(GenericFamilyTest, CopyBadOptionsAreErrors) {
  Run({"SET", "c", "1"});
  EXPECT_EQ(Run({"COPY", "c", "x", "DB", "16"}), "-ERR DB index is out of range\r\n");
  EXPECT_EQ(Run({"COPY", "c", "x", "DB", "-1"}), "-ERR DB index is out of range\r\n");
  EXPECT_EQ(Run({"COPY", "c", "x", "DB", "abc"}), kNotInteger);
  EXPECT_EQ(Run({"COPY", "c", "x", "DB"}), kSyntax);
  EXPECT_EQ(Run({"COPY", "c", "x", "FOO"}), kSyntax);
  EXPECT_EQ(Run({"EXISTS", "x"}), kZero);
}

TEST_F(GenericFamilyTest, CopyDbOutsideIntRangeIsAnIntRangeError) {
  Run({"SET", "c", "1"});
  EXPECT_EQ(Run({"COPY", "c", "x", "DB", "9999999999"}),
            "-ERR value is out of range, value must between -2147483648 and 2147483647\r\n");
}

}  // namespace
}  // namespace cachette::commands::testing
