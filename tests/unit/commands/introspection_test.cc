// INFO, CONFIG RESETSTAT, OBJECT, MEMORY, SWAPDB, MOVE and per-database DBSIZE, through the
// dispatcher, compared with Redis 7.0's replies.

#include <gtest/gtest.h>
#include <unistd.h>

#include <string>

#include "cachette/protocol/errors.h"
#include "harness.h"

namespace cachette::commands::testing {
namespace {

namespace errors = protocol::errors;

// The value of "field:" in an INFO reply, or "" when the field is absent.
std::string InfoField(const std::string& info, const std::string& field) {
  const size_t at = info.find("\r\n" + field + ":");
  if (at == std::string::npos) {
    return "";
  }
  const size_t start = at + 3 + field.size();
  return info.substr(start, info.find("\r\n", start) - start);
}

class IntrospectionTest : public ::testing::Test {
 protected:
  CommandHarness h;
};

TEST_F(IntrospectionTest, CommandstatsCountCallsRejectionsAndFailures) {
  h.Run({"SET", "k", "v"});
  h.Run({"GET", "k"});
  h.Run({"GET"});                 // wrong arity: rejected
  h.Run({"INCR", "k"});           // not an integer: failed
  h.Run({"CONFIG", "GET"});       // subcommand wrong arity: rejected
  h.Run({"CONFIG", "NOPE"});      // unknown subcommand: not attributed
  h.Run({"NOSUCHCOMMAND", "x"});  // unknown command: not attributed
  h.Run({"config", "get", "maxmemory"});
  const std::string info = h.Run({"INFO", "commandstats"});
  EXPECT_NE(info.find("cmdstat_set:calls=1,usec="), std::string::npos) << info;
  EXPECT_NE(info.find(",rejected_calls=1,failed_calls=0\r\n"), std::string::npos);
  EXPECT_NE(info.find("cmdstat_incr:calls=1,"), std::string::npos);
  EXPECT_NE(info.find("rejected_calls=0,failed_calls=1\r\ncmdstat_"), std::string::npos);
  EXPECT_NE(info.find("cmdstat_get:calls=1,"), std::string::npos);
  EXPECT_NE(info.find("cmdstat_config|get:calls=1,"), std::string::npos);
  EXPECT_EQ(info.find("cmdstat_config:"), std::string::npos);
  EXPECT_EQ(info.find("nosuchcommand"), std::string::npos);
  EXPECT_EQ(info.find("cmdstat_info"), std::string::npos);  // counted after it replies
}

TEST_F(IntrospectionTest, CommandstatsCountNoauthAsRejected) {
  h.client().authenticated = false;
  EXPECT_EQ(h.Run({"GET", "k"}), Err(errors::kNoAuth));
  h.client().authenticated = true;
  const std::string info = h.Run({"INFO", "commandstats", "errorstats"});
  EXPECT_NE(info.find("cmdstat_get:calls=0,usec=0,usec_per_call=0.00,rejected_calls=1,"
                      "failed_calls=0\r\n"),
            std::string::npos);
  EXPECT_NE(info.find("errorstat_NOAUTH:count=1\r\n"), std::string::npos);
}

TEST_F(IntrospectionTest, ErrorstatsAndTotalErrorReplies) {
  h.Run({"GET"});
  h.Run({"NOPE"});
  h.Run({"SET", "k", "v"});
  h.Run({"INCR", "k"});
  const std::string info = h.Run({"INFO", "errorstats", "stats"});
  EXPECT_NE(info.find("# Errorstats\r\nerrorstat_ERR:count=3\r\n"), std::string::npos) << info;
  EXPECT_EQ(InfoField(info, "total_error_replies"), "3");
  EXPECT_EQ(InfoField(info, "total_commands_processed"), "2");  // SET and INCR ran
}

TEST_F(IntrospectionTest, ResetstatZeroesStatisticsButNotKeys) {
  h.Run({"SET", "k", "v"});
  h.Run({"GET", "k"});
  h.Run({"GET", "missing"});
  h.Run({"GET"});
  std::string info = h.Run({"INFO", "stats"});
  EXPECT_EQ(InfoField(info, "keyspace_hits"), "1");
  EXPECT_EQ(InfoField(info, "keyspace_misses"), "1");
  EXPECT_EQ(h.Run({"CONFIG", "RESETSTAT"}), "+OK\r\n");
  info = h.Run({"INFO", "everything"});
  EXPECT_EQ(InfoField(info, "keyspace_hits"), "0");
  EXPECT_EQ(InfoField(info, "keyspace_misses"), "0");
  EXPECT_EQ(InfoField(info, "total_error_replies"), "0");
  // RESETSTAT itself ran after the reset was taken, as in Redis.
  EXPECT_EQ(InfoField(info, "total_commands_processed"), "1");
  EXPECT_NE(info.find("# Commandstats\r\ncmdstat_config|resetstat:calls=1,"), std::string::npos);
  EXPECT_NE(info.find("# Errorstats\r\n\r\n"), std::string::npos);
  EXPECT_EQ(InfoField(info, "db0"), "keys=1,expires=0,avg_ttl=0");
}

TEST_F(IntrospectionTest, InfoFieldsAndSections) {
  const std::string info = h.Run({"INFO"});
  EXPECT_EQ(info.substr(0, 1), "$");
  EXPECT_EQ(InfoField(info, "redis_version"), "7.0.15");
  EXPECT_FALSE(InfoField(info, "cachette_version").empty());
  EXPECT_EQ(InfoField(info, "process_id"), std::to_string(getpid()));
  EXPECT_EQ(InfoField(info, "uptime_in_seconds"), "0");
  EXPECT_EQ(InfoField(info, "role"), "master");
  EXPECT_EQ(InfoField(info, "loading"), "0");
  EXPECT_EQ(InfoField(info, "master_replid").size(), 40u);
  EXPECT_FALSE(InfoField(info, "used_cpu_user").empty());
  EXPECT_EQ(InfoField(info, "evicted_keys"), "0");
  EXPECT_EQ(InfoField(info, "cluster_enabled"), "0");
  EXPECT_EQ(info.find("# Commandstats"), std::string::npos);
  EXPECT_NE(info.find("# Modules\r\n"), std::string::npos);
  EXPECT_NE(std::stoull(InfoField(info, "used_memory")), 0u);
  const std::string two = h.Run({"INFO", "server", "CLIENTS"});
  EXPECT_NE(two.find("# Server\r\n"), std::string::npos);
  EXPECT_NE(two.find("\r\n\r\n# Clients\r\n"), std::string::npos);
  EXPECT_EQ(two.find("# Memory"), std::string::npos);
  EXPECT_EQ(h.Run({"INFO", "nosuchsection"}), "$0\r\n\r\n");
}

TEST_F(IntrospectionTest, KeyspaceLinesPerDatabase) {
  h.Run({"SET", "a", "1"});
  h.Run({"SET", "b", "1", "PX", "100000"});
  h.Run({"SELECT", "3"});
  h.Run({"SET", "c", "1"});
  const std::string info = h.Run({"INFO", "keyspace"});
  EXPECT_EQ(InfoField(info, "db3"), "keys=1,expires=0,avg_ttl=0");
  const std::string db0 = InfoField(info, "db0");
  ASSERT_EQ(db0.substr(0, 24), "keys=2,expires=1,avg_ttl") << info;
  const long avg_ttl = std::stol(db0.substr(25));
  EXPECT_GT(avg_ttl, 90000);
  EXPECT_LE(avg_ttl, 100000);
  EXPECT_EQ(InfoField(info, "db1"), "");
}

TEST_F(IntrospectionTest, DbsizeIsPerDatabase) {
  h.Run({"SET", "a", "1"});
  h.Run({"SET", "b", "1"});
  h.Run({"SELECT", "5"});
  EXPECT_EQ(h.Run({"DBSIZE"}), Int(0));
  h.Run({"SET", "a", "1"});
  EXPECT_EQ(h.Run({"DBSIZE"}), Int(1));
  h.Run({"SELECT", "0"});
  EXPECT_EQ(h.Run({"DBSIZE"}), Int(2));
}

TEST_F(IntrospectionTest, ObjectEncodingAsRedis) {
  const std::pair<std::string, std::string> cases[] = {
      {"123", "int"},
      {"-9223372036854775808", "int"},
      {"9223372036854775807", "int"},
      {"9223372036854775808", "embstr"},
      {"12345678901234567890", "embstr"},
      {"0123", "embstr"},
      {" 12", "embstr"},
      {"+1", "embstr"},
      {"-0", "embstr"},
      {"", "embstr"},
      {std::string(44, 'x'), "embstr"},
      {std::string(45, 'x'), "raw"},
  };
  for (const auto& [value, encoding] : cases) {
    h.Run({"SET", "k", value});
    EXPECT_EQ(h.Run({"OBJECT", "ENCODING", "k"}), Bulk(encoding)) << "'" << value << "'";
  }
  EXPECT_EQ(h.Run({"OBJECT", "ENCODING", "missing"}), "$-1\r\n");
  h.Resp3();
  EXPECT_EQ(h.Run({"OBJECT", "ENCODING", "missing"}), "_\r\n");
}

TEST_F(IntrospectionTest, ObjectRefcountSharedIntegers) {
  h.Run({"SET", "small", "9999"});
  h.Run({"SET", "big", "10000"});
  h.Run({"SET", "negative", "-1"});
  h.Run({"SET", "text", "abc"});
  EXPECT_EQ(h.Run({"OBJECT", "REFCOUNT", "small"}), Int(2147483647));
  EXPECT_EQ(h.Run({"OBJECT", "REFCOUNT", "big"}), Int(1));
  EXPECT_EQ(h.Run({"OBJECT", "REFCOUNT", "negative"}), Int(1));
  EXPECT_EQ(h.Run({"OBJECT", "REFCOUNT", "text"}), Int(1));
  EXPECT_EQ(h.Run({"OBJECT", "REFCOUNT", "missing"}), "$-1\r\n");
  // An LRU policy under a memory limit gives every key its own object.
  h.Run({"CONFIG", "SET", "maxmemory", "1gb", "maxmemory-policy", "allkeys-lru"});
  EXPECT_EQ(h.Run({"OBJECT", "REFCOUNT", "small"}), Int(1));
}

TEST_F(IntrospectionTest, ObjectFreqAndIdletimeFollowThePolicy) {
  h.Run({"SET", "k", "v"});
  EXPECT_EQ(h.Run({"OBJECT", "FREQ", "k"}), Err(errors::kLfuNotSelected));
  EXPECT_EQ(h.Run({"OBJECT", "IDLETIME", "k"}).substr(0, 1), ":");
  EXPECT_EQ(h.Run({"OBJECT", "FREQ", "missing"}), "$-1\r\n");
  h.Run({"CONFIG", "SET", "maxmemory-policy", "allkeys-lfu"});
  EXPECT_EQ(h.Run({"OBJECT", "IDLETIME", "k"}), Err(errors::kLfuSelected));
  EXPECT_EQ(h.Run({"OBJECT", "FREQ", "k"}).substr(0, 1), ":");
  EXPECT_EQ(h.Run({"OBJECT", "IDLETIME", "missing"}), "$-1\r\n");
}

TEST_F(IntrospectionTest, ObjectErrorsAndHelp) {
  EXPECT_EQ(h.Run({"OBJECT"}), Err("ERR wrong number of arguments for 'object' command"));
  EXPECT_EQ(h.Run({"OBJECT", "ENCODING"}),
            Err("ERR wrong number of arguments for 'object|encoding' command"));
  EXPECT_EQ(h.Run({"OBJECT", "ENCODING", "a", "b"}),
            Err("ERR wrong number of arguments for 'object|encoding' command"));
  EXPECT_EQ(h.Run({"OBJECT", "FOO"}), Err("ERR unknown subcommand 'FOO'. Try OBJECT HELP."));
  const std::string help = h.Run({"OBJECT", "HELP"});
  EXPECT_EQ(help.substr(0, 76),
            "*15\r\n+OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n+ENCO");
  EXPECT_TRUE(help.ends_with("+HELP\r\n+    Prints this help.\r\n"));
}

TEST_F(IntrospectionTest, ObjectCountsHitsAndMisses) {
  h.Run({"SET", "k", "v"});
  h.Run({"OBJECT", "ENCODING", "k"});
  h.Run({"OBJECT", "ENCODING", "missing"});
  h.Run({"MEMORY", "USAGE", "k"});
  h.Run({"MEMORY", "USAGE", "missing"});
  const std::string info = h.Run({"INFO", "stats"});
  EXPECT_EQ(InfoField(info, "keyspace_hits"), "1");
  EXPECT_EQ(InfoField(info, "keyspace_misses"), "1");
}

TEST_F(IntrospectionTest, MemoryUsage) {
  EXPECT_EQ(h.Run({"MEMORY", "USAGE", "missing"}), "$-1\r\n");
  h.Run({"SET", "k", std::string(100, 'x')});
  const std::string usage = h.Run({"MEMORY", "USAGE", "k"});
  ASSERT_EQ(usage.substr(0, 1), ":");
  EXPECT_GE(std::stol(usage.substr(1)), 101);
  EXPECT_EQ(h.Run({"MEMORY", "USAGE", "k", "SAMPLES", "0"}), usage);
  EXPECT_EQ(h.Run({"MEMORY", "USAGE", "k", "samples", "5"}), usage);
  EXPECT_EQ(h.Run({"MEMORY", "USAGE", "k", "SAMPLES", "-1"}), Err(errors::kSyntax));
  EXPECT_EQ(h.Run({"MEMORY", "USAGE", "k", "SAMPLES", "x"}), Err(errors::kNotInteger));
  EXPECT_EQ(h.Run({"MEMORY", "USAGE", "k", "SAMPLES"}), Err(errors::kSyntax));
  EXPECT_EQ(h.Run({"MEMORY", "USAGE", "k", "FOO"}), Err(errors::kSyntax));
  EXPECT_EQ(h.Run({"MEMORY", "USAGE"}),
            Err("ERR wrong number of arguments for 'memory|usage' command"));
}

TEST_F(IntrospectionTest, MemoryStatsDoctorHelp) {
  h.Run({"SET", "k", "v"});
  const std::string stats = h.Run({"MEMORY", "STATS"});
  EXPECT_EQ(stats.substr(0, 5), "*56\r\n");  // 27 fields and db.0, flattened
  EXPECT_NE(stats.find("$14\r\npeak.allocated\r\n:"), std::string::npos);
  EXPECT_NE(stats.find("$10\r\nkeys.count\r\n:1\r\n"), std::string::npos);
  EXPECT_NE(stats.find("$4\r\ndb.0\r\n*6\r\n"), std::string::npos);
  EXPECT_NE(stats.find("$18\r\nkeys.bytes-per-key\r\n:"), std::string::npos);
  EXPECT_NE(stats.find("$13\r\nfragmentation\r\n$"), std::string::npos);
  EXPECT_NE(h.Run({"MEMORY", "DOCTOR"}).find("Hi Sam"), std::string::npos);
  const std::string help = h.Run({"MEMORY", "HELP"});
  EXPECT_EQ(help.substr(0, 5), "*14\r\n");
  EXPECT_NE(help.find("+USAGE <key> [SAMPLES <count>]\r\n"), std::string::npos);
  EXPECT_EQ(h.Run({"MEMORY", "PURGE"}), "+OK\r\n");
  EXPECT_EQ(h.Run({"MEMORY"}), Err("ERR wrong number of arguments for 'memory' command"));
  EXPECT_EQ(h.Run({"MEMORY", "FOO"}), Err("ERR unknown subcommand 'FOO'. Try MEMORY HELP."));
}

TEST_F(IntrospectionTest, SwapdbExchangesDatabases) {
  h.Run({"SET", "a", "in0"});
  h.Run({"SET", "both", "0", "PX", "100000"});
  h.Run({"SELECT", "1"});
  h.Run({"SET", "b", "in1"});
  h.Run({"SET", "both", "1"});
  EXPECT_EQ(h.Run({"SWAPDB", "0", "1"}), "+OK\r\n");
  EXPECT_EQ(h.Run({"GET", "a"}), Bulk("in0"));
  EXPECT_EQ(h.Run({"GET", "b"}), "$-1\r\n");
  EXPECT_EQ(h.Run({"GET", "both"}), Bulk("0"));
  EXPECT_GT(std::stol(h.Run({"PTTL", "both"}).substr(1)), 90000);
  EXPECT_EQ(h.Run({"DBSIZE"}), Int(2));
  h.Run({"SELECT", "0"});
  EXPECT_EQ(h.Run({"GET", "b"}), Bulk("in1"));
  EXPECT_EQ(h.Run({"GET", "both"}), Bulk("1"));
  EXPECT_EQ(h.Run({"TTL", "both"}), Int(-1));
  EXPECT_EQ(h.Run({"SWAPDB", "0", "0"}), "+OK\r\n");
  EXPECT_EQ(h.Run({"DBSIZE"}), Int(2));
  // Into an empty database and back.
  EXPECT_EQ(h.Run({"SWAPDB", "15", "0"}), "+OK\r\n");
  EXPECT_EQ(h.Run({"DBSIZE"}), Int(0));
}

TEST_F(IntrospectionTest, SwapdbErrors) {
  EXPECT_EQ(h.Run({"SWAPDB", "0", "16"}), Err(errors::kDbIndexOutOfRange));
  EXPECT_EQ(h.Run({"SWAPDB", "0", "-1"}), Err(errors::kDbIndexOutOfRange));
  EXPECT_EQ(h.Run({"SWAPDB", "x", "1"}), Err("ERR invalid first DB index"));
  EXPECT_EQ(h.Run({"SWAPDB", "0", "x"}), Err("ERR invalid second DB index"));
  EXPECT_EQ(h.Run({"SWAPDB", "9999999999", "1"}), Err("ERR invalid first DB index"));
  EXPECT_EQ(h.Run({"SWAPDB", "1", " 1"}), Err("ERR invalid second DB index"));
  EXPECT_EQ(h.Run({"SWAPDB", "0"}), Err("ERR wrong number of arguments for 'swapdb' command"));
}

TEST_F(IntrospectionTest, MoveKeepsValueAndExpiry) {
  h.Run({"SET", "k", "v", "PX", "100000"});
  EXPECT_EQ(h.Run({"MOVE", "k", "2"}), Int(1));
  EXPECT_EQ(h.Run({"EXISTS", "k"}), Int(0));
  h.Run({"SELECT", "2"});
  EXPECT_EQ(h.Run({"GET", "k"}), Bulk("v"));
  EXPECT_GT(std::stol(h.Run({"PTTL", "k"}).substr(1)), 90000);
  h.Run({"SELECT", "0"});
  EXPECT_EQ(h.Run({"MOVE", "k", "2"}), Int(0));  // missing here
  h.Run({"SET", "k", "other"});
  EXPECT_EQ(h.Run({"MOVE", "k", "2"}), Int(0));  // already there
  EXPECT_EQ(h.Run({"GET", "k"}), Bulk("other"));
}

TEST_F(IntrospectionTest, MoveErrors) {
  h.Run({"SET", "k", "v"});
  EXPECT_EQ(h.Run({"MOVE", "k", "0"}), Err(errors::kSameObject));
  EXPECT_EQ(h.Run({"MOVE", "missing", "0"}), Err(errors::kSameObject));
  EXPECT_EQ(h.Run({"MOVE", "k", "16"}), Err(errors::kDbIndexOutOfRange));
  EXPECT_EQ(h.Run({"MOVE", "k", "-1"}), Err(errors::kDbIndexOutOfRange));
  EXPECT_EQ(h.Run({"MOVE", "k", "x"}), Err(errors::kNotInteger));
  EXPECT_EQ(h.Run({"MOVE", "k", "9999999999"}), Err(errors::kIntOutOfRange));
  EXPECT_EQ(h.Run({"MOVE", "k"}), Err("ERR wrong number of arguments for 'move' command"));
}

}  // namespace
}  // namespace cachette::commands::testing
