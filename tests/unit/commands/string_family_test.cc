// Redis's string commands, reply by reply. Every expected byte string was checked against
// redis-server 7.0.

#include <gtest/gtest.h>

#include <string>

#include "cachette/util/clock.h"
#include "harness.h"

namespace cachette::commands::testing {
namespace {

// A Unix time in ms far in the future (2100-01-01T00:00:00.123Z) and its seconds.
constexpr int64_t kFarFutureMs = 4102444800123;
const std::string kFarFuture = std::to_string(kFarFutureMs);
const std::string kFarFutureSeconds = std::to_string(kFarFutureMs / 1000);

const std::string kOk = "+OK\r\n";
const std::string kNull = "$-1\r\n";
const std::string kSyntax = "-ERR syntax error\r\n";
const std::string kNotInteger = "-ERR value is not an integer or out of range\r\n";
const std::string kNotFloat = "-ERR value is not a valid float\r\n";

class StringFamilyTest : public ::testing::Test {
 protected:
  std::string Run(std::vector<std::string> args) { return h_.Run(std::move(args)); }
  // PTTL as a number (for relative expiries, which cannot be compared byte for byte).
  int64_t Pttl(const std::string& key) {
    const std::string reply = Run({"PTTL", key});
    EXPECT_EQ(reply[0], ':') << reply;
    return std::stoll(reply.substr(1));
  }

  CommandHarness h_;
};

// --- GET / SET ---------------------------------------------------------------------------

TEST_F(StringFamilyTest, GetOfAMissingKeyIsNull) { EXPECT_EQ(Run({"GET", "nokey"}), kNull); }

TEST_F(StringFamilyTest, SetThenGetReturnsTheValue) {
  EXPECT_EQ(Run({"SET", "k", "hello"}), kOk);
  EXPECT_EQ(Run({"GET", "k"}), "$5\r\nhello\r\n");
}

TEST_F(StringFamilyTest, SetStoresEmptyAndBinaryValues) {
  EXPECT_EQ(Run({"SET", "empty", ""}), kOk);
  EXPECT_EQ(Run({"GET", "empty"}), "$0\r\n\r\n");
  const std::string binary("a\0\r\nb", 5);
  EXPECT_EQ(Run({"SET", "bin", binary}), kOk);
  EXPECT_EQ(Run({"GET", "bin"}), "$5\r\n" + binary + "\r\n");
}

TEST_F(StringFamilyTest, SetStoresLargeValues) {
  const std::string big(100000, 'x');
  EXPECT_EQ(Run({"SET", "big", big}), kOk);
  EXPECT_EQ(Run({"GET", "big"}), "$100000\r\n" + big + "\r\n");
}

TEST_F(StringFamilyTest, GetInResp3NullIsUnderscore) {
  h_.Resp3();
  EXPECT_EQ(Run({"GET", "nokey"}), "_\r\n");
  EXPECT_EQ(Run({"SET", "k", "1", "GET"}), "_\r\n");
}

TEST_F(StringFamilyTest, SetReplacesValueAndClearsExpiry) {
  Run({"SET", "k", "v", "EX", "100"});
  EXPECT_EQ(Run({"SET", "k", "v3"}), kOk);
  EXPECT_EQ(Run({"TTL", "k"}), ":-1\r\n");
  EXPECT_EQ(Run({"GET", "k"}), "$2\r\nv3\r\n");
}

TEST_F(StringFamilyTest, SetExSetsTtlInSeconds) {
  EXPECT_EQ(Run({"SET", "k", "v", "EX", "100"}), kOk);
  EXPECT_EQ(Run({"TTL", "k"}), ":100\r\n");
}

TEST_F(StringFamilyTest, SetPxSetsTtlInMilliseconds) {
  EXPECT_EQ(Run({"SET", "k", "v", "PX", "100000"}), kOk);
  const int64_t pttl = Pttl("k");
  EXPECT_GT(pttl, 90000);
  EXPECT_LE(pttl, 100000);
}

TEST_F(StringFamilyTest, SetExatAndPxatSetAbsoluteExpiry) {
  EXPECT_EQ(Run({"SET", "k", "v", "EXAT", kFarFutureSeconds}), kOk);
  EXPECT_EQ(Run({"EXPIRETIME", "k"}), ":" + kFarFutureSeconds + "\r\n");
  EXPECT_EQ(Run({"SET", "k", "v", "PXAT", kFarFuture}), kOk);
  EXPECT_EQ(Run({"PEXPIRETIME", "k"}), ":" + kFarFuture + "\r\n");
}

TEST_F(StringFamilyTest, SetWithAnExpiryInThePastLeavesNoKey) {
  EXPECT_EQ(Run({"SET", "k", "v", "PXAT", "1"}), kOk);
  EXPECT_EQ(Run({"EXISTS", "k"}), ":0\r\n");
  EXPECT_EQ(Run({"GET", "k"}), kNull);
}

TEST_F(StringFamilyTest, SetOptionsAreCaseInsensitive) {
  EXPECT_EQ(Run({"SET", "k", "v", "ex", "100", "get"}), kNull);
  EXPECT_EQ(Run({"TTL", "k"}), ":100\r\n");
  EXPECT_EQ(Run({"set", "k", "w", "xx", "pxat", kFarFuture}), kOk);
  EXPECT_EQ(Run({"PEXPIRETIME", "k"}), ":" + kFarFuture + "\r\n");
}

TEST_F(StringFamilyTest, SetNxOnlySetsAMissingKey) {
  EXPECT_EQ(Run({"SET", "k", "v1", "NX"}), kOk);
  EXPECT_EQ(Run({"SET", "k", "v2", "NX"}), kNull);
  EXPECT_EQ(Run({"GET", "k"}), "$2\r\nv1\r\n");
}

TEST_F(StringFamilyTest, SetXxOnlySetsAnExistingKey) {
  EXPECT_EQ(Run({"SET", "k", "v1", "XX"}), kNull);
  EXPECT_EQ(Run({"EXISTS", "k"}), ":0\r\n");
  Run({"SET", "k", "v1"});
  EXPECT_EQ(Run({"SET", "k", "v2", "XX"}), kOk);
  EXPECT_EQ(Run({"GET", "k"}), "$2\r\nv2\r\n");
}

TEST_F(StringFamilyTest, SetXxTreatsAnExpiredKeyAsMissing) {
  Run({"SET", "k", "v", "PXAT", "1"});
  EXPECT_EQ(Run({"SET", "k", "v2", "XX"}), kNull);
  EXPECT_EQ(Run({"SET", "k", "v3", "NX"}), kOk);
}

TEST_F(StringFamilyTest, SetGetReturnsTheOldValue) {
  EXPECT_EQ(Run({"SET", "k", "v", "GET"}), kNull);
  EXPECT_EQ(Run({"SET", "k", "v2", "GET"}), "$1\r\nv\r\n");
  EXPECT_EQ(Run({"GET", "k"}), "$2\r\nv2\r\n");
}

TEST_F(StringFamilyTest, SetNxGetReturnsTheOldValueAndDoesNotSet) {
  Run({"SET", "k", "v"});
  EXPECT_EQ(Run({"SET", "k", "v2", "NX", "GET"}), "$1\r\nv\r\n");
  EXPECT_EQ(Run({"SET", "k", "v2", "GET", "NX"}), "$1\r\nv\r\n");
  EXPECT_EQ(Run({"GET", "k"}), "$1\r\nv\r\n");
}

TEST_F(StringFamilyTest, SetXxGetOfAMissingKeyIsNullAndDoesNotSet) {
  EXPECT_EQ(Run({"SET", "nx", "v", "XX", "GET"}), kNull);
  EXPECT_EQ(Run({"EXISTS", "nx"}), ":0\r\n");
}

TEST_F(StringFamilyTest, SetKeepttlKeepsTheExpiry) {
  Run({"SET", "k", "v", "PXAT", kFarFuture});
  EXPECT_EQ(Run({"SET", "k", "v2", "KEEPTTL"}), kOk);
  EXPECT_EQ(Run({"PEXPIRETIME", "k"}), ":" + kFarFuture + "\r\n");
  EXPECT_EQ(Run({"GET", "k"}), "$2\r\nv2\r\n");
}

TEST_F(StringFamilyTest, SetKeepttlOnAMissingKeySetsNoExpiry) {
  EXPECT_EQ(Run({"SET", "k", "v", "KEEPTTL"}), kOk);
  EXPECT_EQ(Run({"TTL", "k"}), ":-1\r\n");
}

TEST_F(StringFamilyTest, SetRepeatedCompatibleFlagsAreAccepted) {
  EXPECT_EQ(Run({"SET", "k", "v", "NX", "NX"}), kOk);
  EXPECT_EQ(Run({"SET", "k", "v", "XX", "XX"}), kOk);
  EXPECT_EQ(Run({"SET", "k", "v", "GET", "GET"}), "$1\r\nv\r\n");
}

TEST_F(StringFamilyTest, SetSameExpiryFormTwiceKeepsTheLastValue) {
  EXPECT_EQ(Run({"SET", "k", "v", "EX", "10", "EX", "100"}), kOk);
  EXPECT_EQ(Run({"TTL", "k"}), ":100\r\n");
  EXPECT_EQ(Run({"SET", "k", "v", "EXAT", "10", "EXAT", kFarFutureSeconds}), kOk);
  EXPECT_EQ(Run({"EXPIRETIME", "k"}), ":" + kFarFutureSeconds + "\r\n");
}

TEST_F(StringFamilyTest, SetKeepttlTwiceIsAccepted) {
  // Redis only rejects KEEPTTL together with an expiry, not KEEPTTL repeated.
  EXPECT_EQ(Run({"SET", "k", "v", "KEEPTTL", "KEEPTTL"}), kOk);
}

TEST_F(StringFamilyTest, SetConflictingOptionsAreASyntaxError) {
  EXPECT_EQ(Run({"SET", "k", "v", "NX", "XX"}), kSyntax);
  EXPECT_EQ(Run({"SET", "k", "v", "XX", "NX"}), kSyntax);
  EXPECT_EQ(Run({"SET", "k", "v", "EX", "10", "PX", "10"}), kSyntax);
  EXPECT_EQ(Run({"SET", "k", "v", "PX", "10", "EX", "100"}), kSyntax);
  EXPECT_EQ(Run({"SET", "k", "v", "EXAT", "10", "PXAT", "10"}), kSyntax);
  EXPECT_EQ(Run({"SET", "k", "v", "KEEPTTL", "EX", "1"}), kSyntax);
  EXPECT_EQ(Run({"SET", "k", "v", "PX", "100", "KEEPTTL"}), kSyntax);
  EXPECT_EQ(Run({"EXISTS", "k"}), ":0\r\n");
}

TEST_F(StringFamilyTest, SetUnknownOrIncompleteOptionIsASyntaxError) {
  EXPECT_EQ(Run({"SET", "k", "v", "foo"}), kSyntax);
  EXPECT_EQ(Run({"SET", "k", "v", "EX"}), kSyntax);
  EXPECT_EQ(Run({"SET", "k", "v", "PERSIST"}), kSyntax);
}

TEST_F(StringFamilyTest, SetInvalidExpireTimeIsRejected) {
  const std::string invalid = "-ERR invalid expire time in 'set' command\r\n";
  EXPECT_EQ(Run({"SET", "k", "v", "EX", "0"}), invalid);
  EXPECT_EQ(Run({"SET", "k", "v", "EX", "-1"}), invalid);
  EXPECT_EQ(Run({"SET", "k", "v", "PX", "0"}), invalid);
  EXPECT_EQ(Run({"SET", "k", "v", "PXAT", "0"}), invalid);
  EXPECT_EQ(Run({"SET", "k", "v", "EXAT", "-5"}), invalid);
  EXPECT_EQ(Run({"SET", "k", "v", "PX", "9223372036854775807"}), invalid);
  EXPECT_EQ(Run({"SET", "k", "v", "EX", "9223372036854775"}), invalid);
  EXPECT_EQ(Run({"SET", "k", "v", "EX", "9223372036854776"}), invalid);
  EXPECT_EQ(Run({"EXISTS", "k"}), ":0\r\n");
}

TEST_F(StringFamilyTest, SetLargestAbsoluteExpiryIsAccepted) {
  EXPECT_EQ(Run({"SET", "k", "v", "EXAT", "9223372036854775"}), kOk);
}

TEST_F(StringFamilyTest, SetNonIntegerExpireIsNotAnInteger) {
  EXPECT_EQ(Run({"SET", "k", "v", "EX", "abc"}), kNotInteger);
  EXPECT_EQ(Run({"SET", "k", "v", "EX", "1.5"}), kNotInteger);
}

TEST_F(StringFamilyTest, SetWrongArity) {
  EXPECT_EQ(Run({"SET", "k"}), "-ERR wrong number of arguments for 'set' command\r\n");
}

// --- SETNX / SETEX / PSETEX ----------------------------------------------------------------

TEST_F(StringFamilyTest, SetnxSetsOnlyAMissingKey) {
  EXPECT_EQ(Run({"SETNX", "a", "1"}), ":1\r\n");
  EXPECT_EQ(Run({"SETNX", "a", "2"}), ":0\r\n");
  EXPECT_EQ(Run({"GET", "a"}), "$1\r\n1\r\n");
}

TEST_F(StringFamilyTest, SetnxTreatsAnExpiredKeyAsMissing) {
  Run({"SET", "b", "1", "PXAT", "1"});
  EXPECT_EQ(Run({"SETNX", "b", "2"}), ":1\r\n");
  EXPECT_EQ(Run({"GET", "b"}), "$1\r\n2\r\n");
}

TEST_F(StringFamilyTest, SetexSetsValueAndTtl) {
  EXPECT_EQ(Run({"SETEX", "b", "100", "v"}), kOk);
  EXPECT_EQ(Run({"TTL", "b"}), ":100\r\n");
  EXPECT_EQ(Run({"GET", "b"}), "$1\r\nv\r\n");
}

TEST_F(StringFamilyTest, SetexRejectsBadTimes) {
  EXPECT_EQ(Run({"SETEX", "b", "0", "v"}), "-ERR invalid expire time in 'setex' command\r\n");
  EXPECT_EQ(Run({"SETEX", "b", "-5", "v"}), "-ERR invalid expire time in 'setex' command\r\n");
  EXPECT_EQ(Run({"SETEX", "b", "9223372036854775", "v"}),
            "-ERR invalid expire time in 'setex' command\r\n");
  EXPECT_EQ(Run({"SETEX", "b", "x", "v"}), kNotInteger);
  EXPECT_EQ(Run({"EXISTS", "b"}), ":0\r\n");
}

TEST_F(StringFamilyTest, PsetexSetsValueAndTtlInMilliseconds) {
  EXPECT_EQ(Run({"PSETEX", "c", "100000", "v"}), kOk);
  const int64_t pttl = Pttl("c");
  EXPECT_GT(pttl, 90000);
  EXPECT_LE(pttl, 100000);
}

TEST_F(StringFamilyTest, PsetexRejectsBadTimes) {
  EXPECT_EQ(Run({"PSETEX", "c", "0", "v"}), "-ERR invalid expire time in 'psetex' command\r\n");
  EXPECT_EQ(Run({"PSETEX", "c", "9223372036854775807", "v"}),
            "-ERR invalid expire time in 'psetex' command\r\n");
}

// --- MGET / MSET / MSETNX -------------------------------------------------------------------

TEST_F(StringFamilyTest, MgetReturnsValuesAndNullsInOrder) {
  Run({"SET", "a", "1"});
  Run({"SET", "b", "v"});
  EXPECT_EQ(Run({"MGET", "a", "nope", "b"}), "*3\r\n$1\r\n1\r\n$-1\r\n$1\r\nv\r\n");
  EXPECT_EQ(Run({"MGET", "a", "a"}), "*2\r\n$1\r\n1\r\n$1\r\n1\r\n");
}

TEST_F(StringFamilyTest, MgetInResp3UsesUnderscoreForMissing) {
  h_.Resp3();
  EXPECT_EQ(Run({"MGET", "nokey"}), "*1\r\n_\r\n");
}

TEST_F(StringFamilyTest, MsetSetsEveryPair) {
  EXPECT_EQ(Run({"MSET", "x", "1", "y", "2"}), kOk);
  EXPECT_EQ(Run({"MGET", "x", "y"}), "*2\r\n$1\r\n1\r\n$1\r\n2\r\n");
}

TEST_F(StringFamilyTest, MsetWithAnOddArgumentCountIsWrongArity) {
  EXPECT_EQ(Run({"MSET", "x", "1", "y"}), "-ERR wrong number of arguments for 'mset' command\r\n");
  EXPECT_EQ(Run({"MSET", "k"}), "-ERR wrong number of arguments for 'mset' command\r\n");
  EXPECT_EQ(Run({"EXISTS", "x"}), ":0\r\n");
}

TEST_F(StringFamilyTest, MsetRepeatedKeyKeepsTheLastValue) {
  EXPECT_EQ(Run({"MSET", "q", "1", "q", "2"}), kOk);
  EXPECT_EQ(Run({"GET", "q"}), "$1\r\n2\r\n");
}

TEST_F(StringFamilyTest, MsetClearsExpiry) {
  Run({"SET", "x", "old", "EX", "100"});
  Run({"MSET", "x", "new"});
  EXPECT_EQ(Run({"TTL", "x"}), ":-1\r\n");
}

TEST_F(StringFamilyTest, MsetnxSetsAllOnlyWhenNoneExists) {
  Run({"SET", "x", "1"});
  EXPECT_EQ(Run({"MSETNX", "x", "3", "z", "4"}), ":0\r\n");
  EXPECT_EQ(Run({"EXISTS", "z"}), ":0\r\n");
  EXPECT_EQ(Run({"MSETNX", "z", "4", "w", "5"}), ":1\r\n");
  EXPECT_EQ(Run({"MGET", "z", "w"}), "*2\r\n$1\r\n4\r\n$1\r\n5\r\n");
}

TEST_F(StringFamilyTest, MsetnxRepeatedNewKeyKeepsTheLastValue) {
  EXPECT_EQ(Run({"MSETNX", "q", "1", "q", "2"}), ":1\r\n");
  EXPECT_EQ(Run({"GET", "q"}), "$1\r\n2\r\n");
}

TEST_F(StringFamilyTest, MsetnxWithAnOddArgumentCountIsWrongArity) {
  EXPECT_EQ(Run({"MSETNX", "z"}), "-ERR wrong number of arguments for 'msetnx' command\r\n");
  EXPECT_EQ(Run({"MSETNX", "a", "1", "b"}),
            "-ERR wrong number of arguments for 'msetnx' command\r\n");
}

// --- GETSET / GETDEL / GETEX ------------------------------------------------------------------

TEST_F(StringFamilyTest, GetsetReturnsTheOldValueAndDropsTheExpiry) {
  EXPECT_EQ(Run({"GETSET", "nokey", "v"}), kNull);
  EXPECT_EQ(Run({"GET", "nokey"}), "$1\r\nv\r\n");
  Run({"SETEX", "b", "100", "v"});
  EXPECT_EQ(Run({"GETSET", "b", "v2"}), "$1\r\nv\r\n");
  EXPECT_EQ(Run({"TTL", "b"}), ":-1\r\n");
  EXPECT_EQ(Run({"GET", "b"}), "$2\r\nv2\r\n");
}

TEST_F(StringFamilyTest, GetdelReturnsTheValueAndDeletes) {
  Run({"SET", "a", "new"});
  EXPECT_EQ(Run({"GETDEL", "a"}), "$3\r\nnew\r\n");
  EXPECT_EQ(Run({"GETDEL", "a"}), kNull);
  EXPECT_EQ(Run({"EXISTS", "a"}), ":0\r\n");
}

TEST_F(StringFamilyTest, GetexWithoutOptionsIsGet) {
  EXPECT_EQ(Run({"GETEX", "nokey"}), kNull);
  Run({"SET", "x", "1", "PXAT", kFarFuture});
  EXPECT_EQ(Run({"GETEX", "x"}), "$1\r\n1\r\n");
  EXPECT_EQ(Run({"PEXPIRETIME", "x"}), ":" + kFarFuture + "\r\n");
}

TEST_F(StringFamilyTest, GetexSetsAndRemovesTheExpiry) {
  Run({"SET", "x", "1"});
  EXPECT_EQ(Run({"GETEX", "x", "EX", "100"}), "$1\r\n1\r\n");
  EXPECT_EQ(Run({"TTL", "x"}), ":100\r\n");
  EXPECT_EQ(Run({"GETEX", "x", "PERSIST"}), "$1\r\n1\r\n");
  EXPECT_EQ(Run({"TTL", "x"}), ":-1\r\n");
  EXPECT_EQ(Run({"GETEX", "x", "EXAT", kFarFutureSeconds}), "$1\r\n1\r\n");
  EXPECT_EQ(Run({"PEXPIRETIME", "x"}), ":" + std::to_string(kFarFutureMs / 1000 * 1000) + "\r\n");
  EXPECT_EQ(Run({"GETEX", "x", "PXAT", kFarFuture}), "$1\r\n1\r\n");
  EXPECT_EQ(Run({"PEXPIRETIME", "x"}), ":" + kFarFuture + "\r\n");
  EXPECT_EQ(Run({"GETEX", "x", "PX", "100000"}), "$1\r\n1\r\n");
  EXPECT_GT(Pttl("x"), 90000);
}

TEST_F(StringFamilyTest, GetexWithAPastTimeReturnsTheValueAndDeletes) {
  Run({"SET", "x", "1"});
  EXPECT_EQ(Run({"GETEX", "x", "PXAT", "1"}), "$1\r\n1\r\n");
  EXPECT_EQ(Run({"EXISTS", "x"}), ":0\r\n");
}

TEST_F(StringFamilyTest, GetexSameExpiryFormTwiceKeepsTheLastValue) {
  Run({"SET", "k", "v"});
  EXPECT_EQ(Run({"GETEX", "k", "PX", "5000", "PX", "100000"}), "$1\r\nv\r\n");
  EXPECT_GT(Pttl("k"), 90000);
  EXPECT_EQ(Run({"GETEX", "k", "EX", "10", "PERSIST"}), kSyntax);
}

TEST_F(StringFamilyTest, GetexPersistTwiceIsAccepted) {
  Run({"SET", "k", "v"});
  EXPECT_EQ(Run({"GETEX", "k", "PERSIST", "PERSIST"}), "$1\r\nv\r\n");
}

TEST_F(StringFamilyTest, GetexConflictingOrUnknownOptionsAreASyntaxError) {
  Run({"SET", "x", "1"});
  EXPECT_EQ(Run({"GETEX", "x", "EX", "10", "PX", "10"}), kSyntax);
  EXPECT_EQ(Run({"GETEX", "x", "PERSIST", "EX", "10"}), kSyntax);
  EXPECT_EQ(Run({"GETEX", "x", "foo"}), kSyntax);
  EXPECT_EQ(Run({"GETEX", "x", "EX"}), kSyntax);
  EXPECT_EQ(Run({"GETEX", "x", "KEEPTTL"}), kSyntax);
  EXPECT_EQ(Run({"GETEX", "nokey", "foo"}), kSyntax);
}

TEST_F(StringFamilyTest, GetexInvalidExpireTimeIsRejected) {
  Run({"SET", "x", "1"});
  EXPECT_EQ(Run({"GETEX", "x", "EX", "0"}), "-ERR invalid expire time in 'getex' command\r\n");
  EXPECT_EQ(Run({"GETEX", "x", "EX", "-1"}), "-ERR invalid expire time in 'getex' command\r\n");
  // The expiry is validated only once the key is known to exist.
  EXPECT_EQ(Run({"GETEX", "nokey", "EX", "0"}), kNull);
  EXPECT_EQ(Run({"GETEX", "x", "PX", "abc"}), kNotInteger);
  EXPECT_EQ(Run({"TTL", "x"}), ":-1\r\n");
}

// --- APPEND / STRLEN -----------------------------------------------------------------------

TEST_F(StringFamilyTest, AppendCreatesAndExtends) {
  EXPECT_EQ(Run({"APPEND", "s", "hello"}), ":5\r\n");
  EXPECT_EQ(Run({"APPEND", "s", " world"}), ":11\r\n");
  EXPECT_EQ(Run({"GET", "s"}), "$11\r\nhello world\r\n");
  EXPECT_EQ(Run({"APPEND", "s", ""}), ":11\r\n");
}

TEST_F(StringFamilyTest, AppendToAnExpiredKeyStartsAFreshValue) {
  Run({"SET", "a", "1", "PXAT", "1"});
  EXPECT_EQ(Run({"APPEND", "a", "x"}), ":1\r\n");
  EXPECT_EQ(Run({"TTL", "a"}), ":-1\r\n");
  EXPECT_EQ(Run({"GET", "a"}), "$1\r\nx\r\n");
}

TEST_F(StringFamilyTest, AppendKeepsTheExpiry) {
  Run({"SET", "t", "5", "PXAT", kFarFuture});
  EXPECT_EQ(Run({"APPEND", "t", "x"}), ":2\r\n");
  EXPECT_EQ(Run({"PEXPIRETIME", "t"}), ":" + kFarFuture + "\r\n");
}

TEST_F(StringFamilyTest, AppendBeyondProtoMaxBulkLenIsRejected) {
  EXPECT_EQ(Run({"CONFIG", "SET", "proto-max-bulk-len", "1mb"}), kOk);
  EXPECT_EQ(Run({"SETRANGE", "r", "1048575", "x"}), ":1048576\r\n");
  EXPECT_EQ(Run({"APPEND", "r", "x"}),
            "-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n");
  EXPECT_EQ(Run({"STRLEN", "r"}), ":1048576\r\n");
}

TEST_F(StringFamilyTest, AppendAcrossTheLongValueSizeKeepsEveryByte) {
  // Values of 2047 bytes or more keep their size in a prefix (store/entry.h); long keys too.
  for (const std::string& key : {std::string("a"), std::string(255, 'k')}) {
    std::string expected(2045, 'x');
    Run({"SET", key, expected});
    for (const char* suffix : {"1", "2", "3", "45"}) {
      expected += suffix;
      EXPECT_EQ(Run({"APPEND", key, suffix}), ":" + std::to_string(expected.size()) + "\r\n");
      EXPECT_EQ(Run({"GET", key}),
                "$" + std::to_string(expected.size()) + "\r\n" + expected + "\r\n");
    }
    EXPECT_EQ(Run({"STRLEN", key}), ":2050\r\n");
  }
}

TEST_F(StringFamilyTest, StrlenOfMissingIsZero) {
  EXPECT_EQ(Run({"STRLEN", "nokey"}), ":0\r\n");
  Run({"SET", "s", "hello world"});
  EXPECT_EQ(Run({"STRLEN", "s"}), ":11\r\n");
}

// --- INCR family ---------------------------------------------------------------------------

TEST_F(StringFamilyTest, IncrDecrCountFromZero) {
  EXPECT_EQ(Run({"INCR", "n"}), ":1\r\n");
  EXPECT_EQ(Run({"INCR", "n"}), ":2\r\n");
  EXPECT_EQ(Run({"DECR", "n"}), ":1\r\n");
  EXPECT_EQ(Run({"INCRBY", "n", "10"}), ":11\r\n");
  EXPECT_EQ(Run({"INCRBY", "n", "-3"}), ":8\r\n");
  EXPECT_EQ(Run({"DECRBY", "n", "5"}), ":3\r\n");
  EXPECT_EQ(Run({"GET", "n"}), "$1\r\n3\r\n");
  EXPECT_EQ(Run({"DECR", "fresh"}), ":-1\r\n");
}

TEST_F(StringFamilyTest, IncrOfANonIntegerValueIsAnError) {
  for (const char* value : {"hello", " 1", "+1", "1.0", "", "1 ", "99999999999999999999"}) {
    Run({"SET", "s", value});
    EXPECT_EQ(Run({"INCR", "s"}), kNotInteger) << value;
  }
}

TEST_F(StringFamilyTest, IncrbyOfANonIntegerIncrementIsAnError) {
  EXPECT_EQ(Run({"INCRBY", "n", "abc"}), kNotInteger);
  EXPECT_EQ(Run({"INCRBY", "n", "1.5"}), kNotInteger);
  EXPECT_EQ(Run({"INCRBY", "n", " 1"}), kNotInteger);
  EXPECT_EQ(Run({"DECRBY", "n", "x"}), kNotInteger);
  EXPECT_EQ(Run({"EXISTS", "n"}), ":0\r\n");
}

TEST_F(StringFamilyTest, IncrOverflowIsAnError) {
  Run({"SET", "big", "9223372036854775807"});
  EXPECT_EQ(Run({"INCR", "big"}), "-ERR increment or decrement would overflow\r\n");
  EXPECT_EQ(Run({"GET", "big"}), "$19\r\n9223372036854775807\r\n");
  Run({"SET", "small", "-9223372036854775808"});
  EXPECT_EQ(Run({"DECR", "small"}), "-ERR increment or decrement would overflow\r\n");
}

TEST_F(StringFamilyTest, DecrbyReachesTheMinimumThenOverflows) {
  Run({"SET", "z", "0"});
  EXPECT_EQ(Run({"DECRBY", "z", "9223372036854775807"}), ":-9223372036854775807\r\n");
  EXPECT_EQ(Run({"DECR", "z"}), ":-9223372036854775808\r\n");
  EXPECT_EQ(Run({"DECR", "z"}), "-ERR increment or decrement would overflow\r\n");
}

TEST_F(StringFamilyTest, DecrbyOfTheMinimumIsADecrementOverflow) {
  Run({"SET", "n", "3"});
  EXPECT_EQ(Run({"DECRBY", "n", "-9223372036854775808"}), "-ERR decrement would overflow\r\n");
}

TEST_F(StringFamilyTest, IncrKeepsTheExpiry) {
  Run({"SET", "t", "5", "PXAT", kFarFuture});
  EXPECT_EQ(Run({"INCR", "t"}), ":6\r\n");
  EXPECT_EQ(Run({"PEXPIRETIME", "t"}), ":" + kFarFuture + "\r\n");
}

TEST_F(StringFamilyTest, IncrbyfloatAddsAndFormatsLikeRedis) {
  EXPECT_EQ(Run({"INCRBYFLOAT", "fl", "10.5"}), "$4\r\n10.5\r\n");
  EXPECT_EQ(Run({"INCRBYFLOAT", "fl", "0.1"}), "$4\r\n10.6\r\n");
  EXPECT_EQ(Run({"INCRBYFLOAT", "fl", "-5e3"}), "$23\r\n-4989.39999999999999991\r\n");
  EXPECT_EQ(Run({"GET", "fl"}), "$23\r\n-4989.39999999999999991\r\n");
}

TEST_F(StringFamilyTest, IncrbyfloatDropsTrailingZeros) {
  EXPECT_EQ(Run({"INCRBYFLOAT", "fl2", "3.0"}), "$1\r\n3\r\n");
  EXPECT_EQ(Run({"INCRBYFLOAT", "fl3", "1.10000"}), "$3\r\n1.1\r\n");
  EXPECT_EQ(Run({"INCRBYFLOAT", "nn", "-0"}), "$1\r\n0\r\n");
  Run({"SET", "e", "1e2"});
  EXPECT_EQ(Run({"INCRBYFLOAT", "e", "0"}), "$3\r\n100\r\n");
  Run({"SET", "n", "3"});
  EXPECT_EQ(Run({"INCRBYFLOAT", "n", "5.0e3"}), "$4\r\n5003\r\n");
}

TEST_F(StringFamilyTest, IncrbyfloatNeverUsesExponentNotation) {
  EXPECT_EQ(Run({"INCRBYFLOAT", "x", "1.5e20"}), "$21\r\n150000000000000000000\r\n");
  EXPECT_EQ(Run({"INCRBYFLOAT", "y", "0.0000001"}), "$9\r\n0.0000001\r\n");
  EXPECT_EQ(Run({"INCRBYFLOAT", "z", "-1.5"}), "$4\r\n-1.5\r\n");
  EXPECT_EQ(Run({"INCRBYFLOAT", "w", "3.14159"}), "$7\r\n3.14159\r\n");
}

TEST_F(StringFamilyTest, IncrbyfloatPrintsHugeValuesInFull) {
  const std::string digits =
      "1000000000000000000028188068394758651458645343362905203862591069353968553400862986203936399"
      "484832416052209405392731761620029582277725925573402382897659334066101779744743454617391786"
      "244811667497172377894382439159333804747067502624668440135923751360383034373548550524495596"
      "497902182503828009106841494740245689865304095101751265809261582758892018347251164331659136"
      "2664138176309734806343732497430221946880";
  ASSERT_EQ(digits.size(), 401u);
  EXPECT_EQ(Run({"INCRBYFLOAT", "x3", "1e400"}), Bulk(digits));
}

TEST_F(StringFamilyTest, IncrbyfloatRejectsNonFloats) {
  EXPECT_EQ(Run({"INCRBYFLOAT", "fl", "abc"}), kNotFloat);
  EXPECT_EQ(Run({"INCRBYFLOAT", "fl", " 1"}), kNotFloat);
  EXPECT_EQ(Run({"INCRBYFLOAT", "fl", ""}), kNotFloat);
  Run({"SET", "s", "hello"});
  EXPECT_EQ(Run({"INCRBYFLOAT", "s", "1"}), kNotFloat);
}

TEST_F(StringFamilyTest, IncrbyfloatToInfinityIsAnError) {
  Run({"SET", "fl", "1"});
  EXPECT_EQ(Run({"INCRBYFLOAT", "fl", "inf"}), "-ERR increment would produce NaN or Infinity\r\n");
  EXPECT_EQ(Run({"GET", "fl"}), "$1\r\n1\r\n");
}

TEST_F(StringFamilyTest, IncrbyfloatKeepsTheExpiry) {
  Run({"SET", "t", "5", "PXAT", kFarFuture});
  EXPECT_EQ(Run({"INCRBYFLOAT", "t", "1.5"}), "$3\r\n6.5\r\n");
  EXPECT_EQ(Run({"PEXPIRETIME", "t"}), ":" + kFarFuture + "\r\n");
}

// --- GETRANGE / SETRANGE -------------------------------------------------------------------

TEST_F(StringFamilyTest, GetrangeClampsIndexesLikeRedis) {
  Run({"SET", "s", "This is a string"});
  EXPECT_EQ(Run({"GETRANGE", "s", "0", "3"}), "$4\r\nThis\r\n");
  EXPECT_EQ(Run({"GETRANGE", "s", "-3", "-1"}), "$3\r\ning\r\n");
  EXPECT_EQ(Run({"GETRANGE", "s", "0", "-1"}), "$16\r\nThis is a string\r\n");
  EXPECT_EQ(Run({"GETRANGE", "s", "10", "100"}), "$6\r\nstring\r\n");
  EXPECT_EQ(Run({"GETRANGE", "s", "5", "3"}), "$0\r\n\r\n");
  EXPECT_EQ(Run({"GETRANGE", "s", "-1", "-5"}), "$0\r\n\r\n");
  EXPECT_EQ(Run({"GETRANGE", "s", "-100", "2"}), "$3\r\nThi\r\n");
  EXPECT_EQ(Run({"GETRANGE", "s", "100", "200"}), "$0\r\n\r\n");
  EXPECT_EQ(Run({"GETRANGE", "s", "-1", "-1"}), "$1\r\ng\r\n");
  EXPECT_EQ(Run({"GETRANGE", "s", "3", "-100"}), "$0\r\n\r\n");
  EXPECT_EQ(Run({"GETRANGE", "s", "0", "9223372036854775807"}), "$16\r\nThis is a string\r\n");
  EXPECT_EQ(Run({"GETRANGE", "s", "-9223372036854775808", "2"}), "$3\r\nThi\r\n");
}

TEST_F(StringFamilyTest, GetrangeOfMissingOrEmptyIsEmpty) {
  EXPECT_EQ(Run({"GETRANGE", "nokey", "0", "1"}), "$0\r\n\r\n");
  Run({"SET", "empty", ""});
  EXPECT_EQ(Run({"GETRANGE", "empty", "0", "-1"}), "$0\r\n\r\n");
  EXPECT_EQ(Run({"GETRANGE", "empty", "0", "0"}), "$0\r\n\r\n");
}

TEST_F(StringFamilyTest, GetrangeNonIntegerIndexIsAnError) {
  Run({"SET", "s", "abc"});
  EXPECT_EQ(Run({"GETRANGE", "s", "a", "1"}), kNotInteger);
  EXPECT_EQ(Run({"GETRANGE", "s", "0", "1.5"}), kNotInteger);
}

TEST_F(StringFamilyTest, SetrangePadsWithZeroBytes) {
  EXPECT_EQ(Run({"SETRANGE", "r", "5", "hi"}), ":7\r\n");
  EXPECT_EQ(Run({"GET", "r"}), std::string("$7\r\n\0\0\0\0\0hi\r\n", 13));
  EXPECT_EQ(Run({"SETRANGE", "r", "0", "HELLO"}), ":7\r\n");
  EXPECT_EQ(Run({"GET", "r"}), "$7\r\nHELLOhi\r\n");
  EXPECT_EQ(Run({"SETRANGE", "r", "1", "ab"}), ":7\r\n");
  EXPECT_EQ(Run({"GET", "r"}), "$7\r\nHabLOhi\r\n");
  EXPECT_EQ(Run({"SETRANGE", "r", "7", "!"}), ":8\r\n");
  EXPECT_EQ(Run({"GET", "r"}), "$8\r\nHabLOhi!\r\n");
}

TEST_F(StringFamilyTest, SetrangeAcrossTheLongValueSizeKeepsEveryByte) {
  Run({"SET", "r", "head"});
  EXPECT_EQ(Run({"SETRANGE", "r", "2046", "ab"}), ":2048\r\n");
  const std::string expected = "head" + std::string(2042, '\0') + "ab";
  EXPECT_EQ(Run({"GET", "r"}), "$2048\r\n" + expected + "\r\n");
  EXPECT_EQ(Run({"SETRANGE", "r", "0", "H"}), ":2048\r\n");
  EXPECT_EQ(Run({"GETRANGE", "r", "0", "3"}), "$4\r\nHead\r\n");
  EXPECT_EQ(Run({"GETRANGE", "r", "-2", "-1"}), "$2\r\nab\r\n");
  Run({"SET", "s", std::string(2046, 'y')});
  EXPECT_EQ(Run({"SETRANGE", "s", "2046", "z"}), ":2047\r\n");
  EXPECT_EQ(Run({"GET", "s"}), "$2047\r\n" + std::string(2046, 'y') + "z\r\n");
}

TEST_F(StringFamilyTest, SetrangeWithAnEmptyValueChangesNothing) {
  EXPECT_EQ(Run({"SETRANGE", "nokey2", "0", ""}), ":0\r\n");
  EXPECT_EQ(Run({"EXISTS", "nokey2"}), ":0\r\n");
  Run({"SET", "r", "1234567"});
  EXPECT_EQ(Run({"SETRANGE", "r", "2", ""}), ":7\r\n");
  EXPECT_EQ(Run({"SETRANGE", "r", "100", ""}), ":7\r\n");
  EXPECT_EQ(Run({"SETRANGE", "nk", "536870912", ""}), ":0\r\n");
  EXPECT_EQ(Run({"GET", "r"}), "$7\r\n1234567\r\n");
}

TEST_F(StringFamilyTest, SetrangeBadOffsetIsAnError) {
  EXPECT_EQ(Run({"SETRANGE", "r", "-1", "x"}), "-ERR offset is out of range\r\n");
  EXPECT_EQ(Run({"SETRANGE", "r", "x", "x"}), kNotInteger);
  EXPECT_EQ(Run({"SETRANGE", "r", "536870912", "x"}),
            "-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n");
  EXPECT_EQ(Run({"EXISTS", "r"}), ":0\r\n");
}

TEST_F(StringFamilyTest, SetrangeFollowsProtoMaxBulkLen) {
  EXPECT_EQ(Run({"CONFIG", "SET", "proto-max-bulk-len", "1mb"}), kOk);
  EXPECT_EQ(Run({"SETRANGE", "r", "1048576", "x"}),
            "-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n");
  EXPECT_EQ(Run({"SETRANGE", "r", "1048575", "x"}), ":1048576\r\n");
}

TEST_F(StringFamilyTest, SetrangeKeepsTheExpiry) {
  Run({"SET", "t", "abc", "PXAT", kFarFuture});
  EXPECT_EQ(Run({"SETRANGE", "t", "1", "X"}), ":3\r\n");
  EXPECT_EQ(Run({"GET", "t"}), "$3\r\naXc\r\n");
  EXPECT_EQ(Run({"PEXPIRETIME", "t"}), ":" + kFarFuture + "\r\n");
}

// --- Statistics ----------------------------------------------------------------------------

TEST_F(StringFamilyTest, MsetOverAnExpiredKeyCountsItAsExpired) {
  Run({"SET", "j", "v", "PXAT", std::to_string(util::UnixTimeMs() - 1)});
  EXPECT_EQ(Run({"MSET", "j", "v2"}), kOk);
  EXPECT_EQ(h_.store().SumCounters().expired_keys, 1u);
}

TEST_F(StringFamilyTest, SetexOverAnExpiredKeyCountsItAsExpired) {
  Run({"SET", "j", "v", "PXAT", std::to_string(util::UnixTimeMs() - 1)});
  EXPECT_EQ(Run({"SETEX", "j", "100", "v2"}), kOk);
  EXPECT_EQ(h_.store().SumCounters().expired_keys, 1u);
}

TEST_F(StringFamilyTest, GetCountsHitsAndMissesSetDoesNot) {
  Run({"SET", "k", "v"});
  Run({"GET", "k"});
  Run({"GET", "nokey"});
  Run({"SET", "k", "v2"});
  Run({"INCR", "n"});
  const store::ShardCounters counters = h_.store().SumCounters();
  EXPECT_EQ(counters.keyspace_hits, 1u);
  EXPECT_EQ(counters.keyspace_misses, 1u);
}

}  // namespace
}  // namespace cachette::commands::testing
