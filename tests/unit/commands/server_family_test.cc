// Redis's server commands, reply by reply. Every expected byte string was checked against
// redis-server 7.0; where our reply differs by design (COMMAND DOCS summaries in our own words,
// no key specifications, no REWRITE) the test says so and checks what must still match.

#include <gtest/gtest.h>

#include <string>

#include "cachette/util/clock.h"
#include "harness.h"

namespace cachette::commands::testing {
namespace {

const std::string kOk = "+OK\r\n";
const std::string kSyntax = "-ERR syntax error\r\n";

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

class ServerFamilyTest : public ::testing::Test {
 protected:
  std::string Run(std::vector<std::string> args) { return h_.Run(std::move(args)); }
  CommandHarness h_;
};

// --- DBSIZE / FLUSHDB / FLUSHALL -----------------------------------------------------------

TEST_F(ServerFamilyTest, DbsizeCountsTheSelectedDatabase) {
  EXPECT_EQ(Run({"DBSIZE"}), ":0\r\n");
  Run({"SET", "a", "1"});
  Run({"SET", "b", "1"});
  EXPECT_EQ(Run({"DBSIZE"}), ":2\r\n");
  Run({"SELECT", "1"});
  EXPECT_EQ(Run({"DBSIZE"}), ":0\r\n");
}

TEST_F(ServerFamilyTest, FlushdbEmptiesOnlyTheSelectedDatabase) {
  Run({"SET", "a", "1"});
  Run({"SELECT", "1"});
  Run({"SET", "b", "1"});
  EXPECT_EQ(Run({"FLUSHDB"}), kOk);
  EXPECT_EQ(Run({"DBSIZE"}), ":0\r\n");
  Run({"SELECT", "0"});
  EXPECT_EQ(Run({"DBSIZE"}), ":1\r\n");
}

TEST_F(ServerFamilyTest, FlushallEmptiesEveryDatabase) {
  Run({"SET", "a", "1"});
  Run({"SELECT", "3"});
  Run({"SET", "b", "1"});
  EXPECT_EQ(Run({"FLUSHALL", "SYNC"}), kOk);
  EXPECT_EQ(Run({"DBSIZE"}), ":0\r\n");
  Run({"SELECT", "0"});
  EXPECT_EQ(Run({"DBSIZE"}), ":0\r\n");
}

TEST_F(ServerFamilyTest, FlushModesAreAcceptedInAnyCase) {
  EXPECT_EQ(Run({"FLUSHDB", "ASYNC"}), kOk);
  EXPECT_EQ(Run({"FLUSHDB", "sync"}), kOk);
  EXPECT_EQ(Run({"FLUSHALL", "async"}), kOk);
}

TEST_F(ServerFamilyTest, FlushBadModesAreSyntaxErrors) {
  EXPECT_EQ(Run({"FLUSHDB", "foo"}), kSyntax);
  EXPECT_EQ(Run({"FLUSHDB", "SYNC", "ASYNC"}), kSyntax);
  EXPECT_EQ(Run({"FLUSHALL", "foo"}), kSyntax);
  EXPECT_EQ(Run({"FLUSHALL", "a", "b"}), kSyntax);
}

// --- TIME ------------------------------------------------------------------------------------

TEST_F(ServerFamilyTest, TimeIsSecondsAndMicrosecondsAsBulks) {
  const int64_t before = util::UnixTimeMs() / 1000;
  auto items = ParseBulkArray(Run({"TIME"}));
  const int64_t after = util::UnixTimeMs() / 1000;
  ASSERT_TRUE(items.has_value());
  ASSERT_EQ(items->size(), 2u);
  const int64_t seconds = std::stoll((*items)[0]);
  EXPECT_GE(seconds, before);
  EXPECT_LE(seconds, after);
  const std::string& micros = (*items)[1];
  EXPECT_LT(std::stoll(micros), 1000000);
  // Redis writes the microseconds as a plain number, no zero padding.
  EXPECT_TRUE(micros == "0" || micros[0] != '0') << micros;
}

// --- SHUTDOWN --------------------------------------------------------------------------------

TEST_F(ServerFamilyTest, ShutdownWithoutAServerFails) {
  EXPECT_EQ(Run({"SHUTDOWN"}), "-ERR Errors trying to SHUTDOWN. Check logs.\r\n");
  EXPECT_EQ(Run({"SHUTDOWN", "ABORT"}), "-ERR No shutdown in progress.\r\n");
  EXPECT_EQ(Run({"SHUTDOWN", "foo"}), kSyntax);
}

// --- CONFIG ------------------------------------------------------------------------------------

TEST_F(ServerFamilyTest, ConfigGetReturnsNameAndValue) {
  EXPECT_EQ(Run({"CONFIG", "GET", "maxclients"}), "*2\r\n$10\r\nmaxclients\r\n$5\r\n10000\r\n");
  EXPECT_EQ(Run({"CONFIG", "GET", "maxmemory"}), "*2\r\n$9\r\nmaxmemory\r\n$1\r\n0\r\n");
  EXPECT_EQ(Run({"CONFIG", "GET", "appendonly"}), "*2\r\n$10\r\nappendonly\r\n$2\r\nno\r\n");
  EXPECT_EQ(Run({"CONFIG", "GET", "requirepass"}), "*2\r\n$11\r\nrequirepass\r\n$0\r\n\r\n");
  EXPECT_EQ(Run({"CONFIG", "GET", "loglevel"}), "*2\r\n$8\r\nloglevel\r\n$6\r\nnotice\r\n");
}

TEST_F(ServerFamilyTest, ConfigGetOfAnUnknownNameIsEmpty) {
  EXPECT_EQ(Run({"CONFIG", "GET", "nonexistent"}), "*0\r\n");
}

TEST_F(ServerFamilyTest, ConfigGetMatchesGlobs) {
  EXPECT_EQ(Run({"CONFIG", "GET", "maxmemory-pol*"}),
            "*2\r\n$16\r\nmaxmemory-policy\r\n$10\r\nnoeviction\r\n");
  EXPECT_EQ(Run({"CONFIG", "GET", "*maxclients*"}), "*2\r\n$10\r\nmaxclients\r\n$5\r\n10000\r\n");
}

TEST_F(ServerFamilyTest, ConfigGetReportsEachDirectiveOnce) {
  EXPECT_EQ(Run({"CONFIG", "GET", "maxclients", "maxclients"}),
            "*2\r\n$10\r\nmaxclients\r\n$5\r\n10000\r\n");
  auto items = ParseBulkArray(Run({"CONFIG", "GET", "timeout", "maxclients", "timeout"}));
  ASSERT_TRUE(items.has_value());
  EXPECT_EQ(items->size(), 4u);
}

TEST_F(ServerFamilyTest, ConfigGetOfAnExactNameEchoesItsSpelling) {
  // Redis 7.0 replies with the name as the client wrote it when it holds no glob character.
  EXPECT_EQ(Run({"CONFIG", "GET", "MAXCLIENTS"}), "*2\r\n$10\r\nMAXCLIENTS\r\n$5\r\n10000\r\n");
}

TEST_F(ServerFamilyTest, ConfigGetInResp3IsAMap) {
  h_.Resp3();
  EXPECT_EQ(Run({"CONFIG", "GET", "maxclients"}), "%1\r\n$10\r\nmaxclients\r\n$5\r\n10000\r\n");
  EXPECT_EQ(Run({"CONFIG", "GET", "nonexistent"}), "%0\r\n");
}

TEST_F(ServerFamilyTest, ConfigSetChangesARuntimeDirective) {
  EXPECT_EQ(Run({"CONFIG", "SET", "timeout", "5"}), kOk);
  EXPECT_EQ(Run({"CONFIG", "GET", "timeout"}), "*2\r\n$7\r\ntimeout\r\n$1\r\n5\r\n");
  EXPECT_EQ(Run({"CONFIG", "SET", "Maxclients", "100"}), kOk);
  EXPECT_EQ(Run({"CONFIG", "GET", "maxclients"}), "*2\r\n$10\r\nmaxclients\r\n$3\r\n100\r\n");
  EXPECT_EQ(Run({"CONFIG", "SET", "maxmemory", "1kb"}), kOk);
  EXPECT_EQ(Run({"CONFIG", "GET", "maxmemory"}), "*2\r\n$9\r\nmaxmemory\r\n$4\r\n1024\r\n");
}

TEST_F(ServerFamilyTest, ConfigSetOfSeveralDirectives) {
  EXPECT_EQ(Run({"CONFIG", "SET", "timeout", "7", "maxclients", "50"}), kOk);
  EXPECT_EQ(Run({"CONFIG", "GET", "timeout"}), "*2\r\n$7\r\ntimeout\r\n$1\r\n7\r\n");
  EXPECT_EQ(Run({"CONFIG", "GET", "maxclients"}), "*2\r\n$10\r\nmaxclients\r\n$2\r\n50\r\n");
}

TEST_F(ServerFamilyTest, ConfigSetOfAnUnknownDirective) {
  EXPECT_EQ(Run({"CONFIG", "SET", "nope", "1"}),
            "-ERR Unknown option or number of arguments for CONFIG SET - 'nope'\r\n");
}

TEST_F(ServerFamilyTest, ConfigSetOfAnImmutableDirectiveChangesNothing) {
  EXPECT_EQ(Run({"CONFIG", "SET", "databases", "5"}),
            "-ERR CONFIG SET failed (possibly related to argument 'databases') - can't set "
            "immutable config\r\n");
  EXPECT_EQ(Run({"CONFIG", "SET", "maxclients", "100", "databases", "5"}),
            "-ERR CONFIG SET failed (possibly related to argument 'databases') - can't set "
            "immutable config\r\n");
  EXPECT_EQ(Run({"CONFIG", "GET", "maxclients"}), "*2\r\n$10\r\nmaxclients\r\n$5\r\n10000\r\n");
}

TEST_F(ServerFamilyTest, ConfigSetOfADuplicateDirective) {
  EXPECT_EQ(Run({"CONFIG", "SET", "maxclients", "100", "maxclients", "200"}),
            "-ERR CONFIG SET failed (possibly related to argument 'maxclients') - duplicate "
            "parameter\r\n");
  EXPECT_EQ(Run({"CONFIG", "SET", "maxclients", "100", "MAXCLIENTS", "200"}),
            "-ERR CONFIG SET failed (possibly related to argument 'MAXCLIENTS') - duplicate "
            "parameter\r\n");
}

TEST_F(ServerFamilyTest, ConfigSetOfBadValues) {
  EXPECT_EQ(Run({"CONFIG", "SET", "maxclients", "abc"}),
            "-ERR CONFIG SET failed (possibly related to argument 'maxclients') - argument "
            "couldn't be parsed into an integer\r\n");
  EXPECT_EQ(Run({"CONFIG", "SET", "timeout", "-1"}),
            "-ERR CONFIG SET failed (possibly related to argument 'timeout') - argument must be "
            "between 0 and 2147483647 inclusive\r\n");
  EXPECT_EQ(Run({"CONFIG", "SET", "appendonly", "maybe"}),
            "-ERR CONFIG SET failed (possibly related to argument 'appendonly') - argument must "
            "be 'yes' or 'no'\r\n");
  EXPECT_EQ(Run({"CONFIG", "SET", "maxmemory", "1xb"}),
            "-ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must "
            "be a memory value\r\n");
  EXPECT_EQ(Run({"CONFIG", "GET", "timeout"}), "*2\r\n$7\r\ntimeout\r\n$1\r\n0\r\n");
}

TEST_F(ServerFamilyTest, ConfigSetOfABadEnumListsTheChoices) {
  EXPECT_EQ(Run({"CONFIG", "SET", "maxmemory-policy", "foo"}),
            "-ERR CONFIG SET failed (possibly related to argument 'maxmemory-policy') - "
            "argument(s) must be one of the following: volatile-lru, volatile-lfu, "
            "volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, "
            "noeviction\r\n");
}

TEST_F(ServerFamilyTest, ConfigSetWithAnOddNumberOfArgumentsIsASyntaxError) {
  EXPECT_EQ(Run({"CONFIG", "SET", "maxclients", "100", "timeout"}), kSyntax);
  EXPECT_EQ(Run({"CONFIG", "GET", "maxclients"}), "*2\r\n$10\r\nmaxclients\r\n$5\r\n10000\r\n");
}

TEST_F(ServerFamilyTest, ConfigResetstatZeroesKeyspaceCounters) {
  Run({"SET", "k", "v"});
  Run({"GET", "k"});
  Run({"GET", "nokey"});
  EXPECT_TRUE(Contains(Run({"INFO", "stats"}), "keyspace_hits:1\r\n"));
  EXPECT_EQ(Run({"CONFIG", "RESETSTAT"}), kOk);
  const std::string info = Run({"INFO", "stats"});
  EXPECT_TRUE(Contains(info, "keyspace_hits:0\r\n")) << info;
  EXPECT_TRUE(Contains(info, "keyspace_misses:0\r\n")) << info;
}

TEST_F(ServerFamilyTest, ConfigHelpListsTheSubcommands) {
  // Redis 7.0's text.
  EXPECT_EQ(Run({"CONFIG", "HELP"}),
            "*11\r\n"
            "+CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n"
            "+GET <pattern>\r\n"
            "+    Return parameters matching the glob-like <pattern> and their values.\r\n"
            "+SET <directive> <value>\r\n"
            "+    Set the configuration <directive> to <value>.\r\n"
            "+RESETSTAT\r\n"
            "+    Reset statistics reported by the INFO command.\r\n"
            "+REWRITE\r\n"
            "+    Rewrite the configuration file.\r\n"
            "+HELP\r\n"
            "+    Prints this help.\r\n");
}

// --- INFO --------------------------------------------------------------------------------------

TEST_F(ServerFamilyTest, InfoHasTheDefaultSections) {
  Run({"SET", "k", "v"});
  const std::string info = Run({"INFO"});
  ASSERT_EQ(info[0], '$');
  const size_t header_end = info.find("\r\n");
  EXPECT_EQ(std::stoul(info.substr(1, header_end - 1)), info.size() - header_end - 4);
  EXPECT_EQ(info.substr(header_end + 2, 10), "# Server\r\n");
  for (const char* needle :
       {"redis_version:", "redis_mode:standalone\r\n", "arch_bits:64\r\n",
        "process_id:", "uptime_in_seconds:", "\r\n\r\n# Clients\r\n",
        "connected_clients:", "maxclients:10000\r\n", "\r\n\r\n# Memory\r\n",
        "used_memory:", "maxmemory_policy:noeviction\r\n", "\r\n\r\n# Stats\r\n",
        "expired_keys:", "keyspace_hits:", "keyspace_misses:", "\r\n\r\n# Keyspace\r\n",
        "db0:keys=1,expires=0,avg_ttl=0\r\n"}) {
    EXPECT_TRUE(Contains(info, needle)) << needle;
  }
  // The text ends with its last line's CRLF, then the bulk's own CRLF.
  EXPECT_EQ(info.substr(info.size() - 4), "\r\n\r\n");
}

TEST_F(ServerFamilyTest, InfoKeyspaceOfAnEmptyServer) {
  EXPECT_EQ(Run({"INFO", "keyspace"}), "$12\r\n# Keyspace\r\n\r\n");
}

TEST_F(ServerFamilyTest, InfoKeyspaceListsNonEmptyDatabases) {
  Run({"SET", "a", "1"});
  EXPECT_EQ(Run({"INFO", "keyspace"}),
            "$44\r\n# Keyspace\r\ndb0:keys=1,expires=0,avg_ttl=0\r\n\r\n");
  EXPECT_EQ(Run({"INFO", "KEYSPACE"}),
            "$44\r\n# Keyspace\r\ndb0:keys=1,expires=0,avg_ttl=0\r\n\r\n");
  Run({"SELECT", "2"});
  Run({"SET", "c", "1"});
  EXPECT_EQ(Run({"INFO", "keyspace"}),
            "$76\r\n# Keyspace\r\ndb0:keys=1,expires=0,avg_ttl=0\r\n"
            "db2:keys=1,expires=0,avg_ttl=0\r\n\r\n");
}

TEST_F(ServerFamilyTest, InfoKeyspaceCountsVolatileKeys) {
  Run({"SET", "a", "1"});
  Run({"SET", "b", "1", "PX", "100000000"});
  const std::string info = Run({"INFO", "keyspace"});
  EXPECT_TRUE(Contains(info, "db0:keys=2,expires=1,avg_ttl=")) << info;
  const size_t at = info.find("avg_ttl=") + 8;
  const int64_t avg_ttl = std::stoll(info.substr(at));
  EXPECT_GT(avg_ttl, 99000000);
  EXPECT_LE(avg_ttl, 100000000);
}

TEST_F(ServerFamilyTest, InfoOfAnUnknownSectionIsEmpty) {
  EXPECT_EQ(Run({"INFO", "nosuchsection"}), "$0\r\n\r\n");
}

TEST_F(ServerFamilyTest, InfoOfTwoSectionsSeparatesThemWithABlankLine) {
  const std::string info = Run({"INFO", "server", "clients"});
  EXPECT_TRUE(Contains(info, "\r\n# Server\r\n")) << info;
  EXPECT_TRUE(Contains(info, "\r\n\r\n# Clients\r\n")) << info;
  EXPECT_FALSE(Contains(info, "# Keyspace")) << info;
  EXPECT_FALSE(Contains(info, "# Stats")) << info;
}

TEST_F(ServerFamilyTest, InfoStatsCountsHitsMissesAndExpiredKeys) {
  Run({"SET", "k", "v"});
  Run({"GET", "k"});
  Run({"GET", "nokey"});
  Run({"SET", "gone", "v", "PXAT", std::to_string(util::UnixTimeMs() - 1)});
  Run({"GET", "gone"});
  const std::string info = Run({"INFO", "stats"});
  EXPECT_TRUE(Contains(info, "# Stats\r\n")) << info;
  EXPECT_TRUE(Contains(info, "\r\nkeyspace_hits:1\r\n")) << info;
  EXPECT_TRUE(Contains(info, "\r\nkeyspace_misses:2\r\n")) << info;
  EXPECT_TRUE(Contains(info, "\r\nexpired_keys:1\r\n")) << info;
}

TEST_F(ServerFamilyTest, InfoInResp3IsVerbatimText) {
  h_.Resp3();
  EXPECT_EQ(Run({"INFO", "nosuch"}), "=4\r\ntxt:\r\n");
  Run({"SET", "a", "1"});
  EXPECT_EQ(Run({"INFO", "keyspace"}),
            "=48\r\ntxt:# Keyspace\r\ndb0:keys=1,expires=0,avg_ttl=0\r\n\r\n");
}

// --- COMMAND -----------------------------------------------------------------------------------

TEST_F(ServerFamilyTest, CommandCountIsTheNumberOfTopLevelCommands) {
  EXPECT_EQ(Run({"COMMAND", "COUNT"}), Int(static_cast<int64_t>(h_.table().all().size())));
}

TEST_F(ServerFamilyTest, CommandInfoDescribesACommandLikeRedis) {
  // Redis 7.0's reply up to and including the (empty) tips; cachette sends no key
  // specifications, so the rest differs by design.
  const std::string redis_prefix =
      "*1\r\n*10\r\n$3\r\nget\r\n:2\r\n*2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n"
      "*3\r\n+@read\r\n+@string\r\n+@fast\r\n*0\r\n";
  const std::string reply = Run({"COMMAND", "INFO", "get"});
  EXPECT_EQ(reply.substr(0, redis_prefix.size()), redis_prefix);
  EXPECT_EQ(Run({"COMMAND", "INFO", "GET"}), reply);
}

// Redis 7.0's COMMAND INFO for every command cachette implements: name, arity, flags (in Redis's
// order), first/last/step key positions, ACL categories.
struct RedisCommandInfo {
  const char* name;
  int arity;
  const char* flags;
  int first_key;
  int last_key;
  int key_step;
  const char* categories;
};

std::string SimpleStringArray(const std::string& words) {
  std::vector<std::string> items;
  size_t start = 0;
  while (start < words.size()) {
    size_t end = words.find(' ', start);
    if (end == std::string::npos) {
      end = words.size();
    }
    items.push_back(words.substr(start, end - start));
    start = end + 1;
  }
  std::string out = "*" + std::to_string(items.size()) + "\r\n";
  for (const std::string& item : items) {
    out += "+" + item + "\r\n";
  }
  return out;
}

TEST_F(ServerFamilyTest, CommandInfoMatchesRedisForEveryCommand) {
  const RedisCommandInfo kRedis[] = {
      {"get", 2, "readonly fast", 1, 1, 1, "@read @string @fast"},
      {"set", -3, "write denyoom", 1, 1, 1, "@write @string @slow"},
      {"setnx", 3, "write denyoom fast", 1, 1, 1, "@write @string @fast"},
      {"setex", 4, "write denyoom", 1, 1, 1, "@write @string @slow"},
      {"psetex", 4, "write denyoom", 1, 1, 1, "@write @string @slow"},
      {"getset", 3, "write denyoom fast", 1, 1, 1, "@write @string @fast"},
      {"getdel", 2, "write fast", 1, 1, 1, "@write @string @fast"},
      {"getex", -2, "write fast", 1, 1, 1, "@write @string @fast"},
      {"mget", -2, "readonly fast", 1, -1, 1, "@read @string @fast"},
      {"mset", -3, "write denyoom", 1, -1, 2, "@write @string @slow"},
      {"msetnx", -3, "write denyoom", 1, -1, 2, "@write @string @slow"},
      {"append", 3, "write denyoom fast", 1, 1, 1, "@write @string @fast"},
      {"strlen", 2, "readonly fast", 1, 1, 1, "@read @string @fast"},
      {"incr", 2, "write denyoom fast", 1, 1, 1, "@write @string @fast"},
      {"decr", 2, "write denyoom fast", 1, 1, 1, "@write @string @fast"},
      {"incrby", 3, "write denyoom fast", 1, 1, 1, "@write @string @fast"},
      {"decrby", 3, "write denyoom fast", 1, 1, 1, "@write @string @fast"},
      {"incrbyfloat", 3, "write denyoom fast", 1, 1, 1, "@write @string @fast"},
      {"getrange", 4, "readonly", 1, 1, 1, "@read @string @slow"},
      {"setrange", 4, "write denyoom", 1, 1, 1, "@write @string @slow"},
      {"del", -2, "write", 1, -1, 1, "@keyspace @write @slow"},
      {"unlink", -2, "write fast", 1, -1, 1, "@keyspace @write @fast"},
      {"exists", -2, "readonly fast", 1, -1, 1, "@keyspace @read @fast"},
      {"touch", -2, "readonly fast", 1, -1, 1, "@keyspace @read @fast"},
      {"type", 2, "readonly fast", 1, 1, 1, "@keyspace @read @fast"},
      {"expire", -3, "write fast", 1, 1, 1, "@keyspace @write @fast"},
      {"pexpire", -3, "write fast", 1, 1, 1, "@keyspace @write @fast"},
      {"expireat", -3, "write fast", 1, 1, 1, "@keyspace @write @fast"},
      {"pexpireat", -3, "write fast", 1, 1, 1, "@keyspace @write @fast"},
      {"ttl", 2, "readonly fast", 1, 1, 1, "@keyspace @read @fast"},
      {"pttl", 2, "readonly fast", 1, 1, 1, "@keyspace @read @fast"},
      {"expiretime", 2, "readonly fast", 1, 1, 1, "@keyspace @read @fast"},
      {"pexpiretime", 2, "readonly fast", 1, 1, 1, "@keyspace @read @fast"},
      {"persist", 2, "write fast", 1, 1, 1, "@keyspace @write @fast"},
      {"keys", 2, "readonly", 0, 0, 0, "@keyspace @read @slow @dangerous"},
      {"scan", -2, "readonly", 0, 0, 0, "@keyspace @read @slow"},
      {"randomkey", 1, "readonly", 0, 0, 0, "@keyspace @read @slow"},
      {"rename", 3, "write", 1, 2, 1, "@keyspace @write @slow"},
      {"renamenx", 3, "write fast", 1, 2, 1, "@keyspace @write @fast"},
      {"copy", -3, "write denyoom", 1, 2, 1, "@keyspace @write @slow"},
      {"ping", -1, "fast", 0, 0, 0, "@fast @connection"},
      {"echo", 2, "loading stale fast", 0, 0, 0, "@fast @connection"},
      {"quit", -1, "noscript loading stale fast no_auth allow_busy", 0, 0, 0, "@fast @connection"},
      {"select", 2, "loading stale fast", 0, 0, 0, "@fast @connection"},
      {"auth", -2, "noscript loading stale fast no_auth allow_busy", 0, 0, 0, "@fast @connection"},
      {"dbsize", 1, "readonly fast", 0, 0, 0, "@keyspace @read @fast"},
      {"flushdb", -1, "write", 0, 0, 0, "@keyspace @write @slow @dangerous"},
      {"flushall", -1, "write", 0, 0, 0, "@keyspace @write @slow @dangerous"},
      {"time", 1, "loading stale fast", 0, 0, 0, "@fast"},
      {"info", -1, "loading stale", 0, 0, 0, "@slow @dangerous"},
      {"shutdown", -1, "admin noscript loading stale no_multi allow_busy", 0, 0, 0,
       "@admin @slow @dangerous"},
      {"config", -2, "", 0, 0, 0, "@slow"},
      {"command", -1, "loading stale", 0, 0, 0, "@slow @connection"},
  };
  for (const RedisCommandInfo& row : kRedis) {
    const std::string expected = "*1\r\n*10\r\n" + Bulk(row.name) + Int(row.arity) +
                                 SimpleStringArray(row.flags) + Int(row.first_key) +
                                 Int(row.last_key) + Int(row.key_step) +
                                 SimpleStringArray(row.categories);
    const std::string reply = Run({"COMMAND", "INFO", row.name});
    EXPECT_EQ(reply.substr(0, expected.size()), expected) << row.name;
  }
}

TEST_F(ServerFamilyTest, CommandInfoInResp3UsesSets) {
  // Redis 7.0 sends flags, categories, and the empty tips, key specifications and
  // subcommands as RESP3 sets.
  h_.Resp3();
  EXPECT_EQ(Run({"COMMAND", "INFO", "select"}),
            "*1\r\n*10\r\n$6\r\nselect\r\n:2\r\n~3\r\n+loading\r\n+stale\r\n+fast\r\n"
            ":0\r\n:0\r\n:0\r\n~2\r\n+@fast\r\n+@connection\r\n~0\r\n~0\r\n~0\r\n");
}

TEST_F(ServerFamilyTest, CommandInfoOfAnUnknownCommandIsANullBulk) {
  EXPECT_EQ(Run({"COMMAND", "INFO", "nosuch"}), "*1\r\n$-1\r\n");
  const std::string reply = Run({"COMMAND", "INFO", "get", "nosuch"});
  EXPECT_EQ(reply.rfind("*2\r\n*10\r\n$3\r\nget\r\n", 0), 0u);
  EXPECT_EQ(reply.substr(reply.size() - 5), "$-1\r\n");
}

TEST_F(ServerFamilyTest, CommandInfoOfAnUnknownCommandInResp3IsNull) {
  h_.Resp3();
  EXPECT_EQ(Run({"COMMAND", "INFO", "nosuch"}), "*1\r\n_\r\n");
}

TEST_F(ServerFamilyTest, CommandInfoShowsSubcommands) {
  const std::string reply = Run({"COMMAND", "INFO", "config"});
  EXPECT_EQ(reply.rfind("*1\r\n*10\r\n$6\r\nconfig\r\n:-2\r\n*0\r\n:0\r\n:0\r\n:0\r\n"
                        "*1\r\n+@slow\r\n*0\r\n*0\r\n*5\r\n",
                        0),
            0u)
      << reply;
  EXPECT_TRUE(Contains(reply,
                       "$10\r\nconfig|get\r\n:-3\r\n*4\r\n+admin\r\n+noscript\r\n"
                       "+loading\r\n+stale\r\n:0\r\n:0\r\n:0\r\n*3\r\n+@admin\r\n"
                       "+@slow\r\n+@dangerous\r\n"))
      << reply;
}

TEST_F(ServerFamilyTest, CommandInfoWithoutNamesDescribesEveryCommand) {
  EXPECT_EQ(Run({"COMMAND", "INFO"}), Run({"COMMAND"}));
}

TEST_F(ServerFamilyTest, CommandDocsOfAnUnknownCommandIsEmpty) {
  EXPECT_EQ(Run({"COMMAND", "DOCS", "nosuch"}), "*0\r\n");
  h_.Resp3();
  EXPECT_EQ(Run({"COMMAND", "DOCS", "nosuch"}), "%0\r\n");
}

TEST_F(ServerFamilyTest, CommandDocsGivesSummarySinceAndGroup) {
  // The summary is in our own words, so only the layout and the facts are Redis's.
  const std::string reply = Run({"COMMAND", "DOCS", "get"});
  EXPECT_EQ(reply.rfind("*2\r\n$3\r\nget\r\n*8\r\n$7\r\nsummary\r\n$", 0), 0u) << reply;
  EXPECT_TRUE(Contains(reply, "$5\r\nsince\r\n$5\r\n1.0.0\r\n$5\r\ngroup\r\n$6\r\nstring\r\n"))
      << reply;
}

TEST_F(ServerFamilyTest, CommandListNamesEveryCommandAndSubcommand) {
  auto names = ParseBulkArray(Run({"COMMAND", "LIST"}));
  ASSERT_TRUE(names.has_value());
  EXPECT_EQ(names->size(), h_.table().spec_count());
  for (const char* name : {"get", "set", "config", "config|get", "command", "ping", "scan"}) {
    EXPECT_NE(std::find(names->begin(), names->end(), name), names->end()) << name;
  }
}

TEST_F(ServerFamilyTest, CommandListWithUnsupportedArgumentsIsASyntaxError) {
  EXPECT_EQ(Run({"COMMAND", "LIST", "x"}), kSyntax);
  EXPECT_EQ(Run({"COMMAND", "LIST", "FILTERBY"}), kSyntax);
}

TEST_F(ServerFamilyTest, CommandHelpUsesRedisClosingLines) {
  const std::string reply = Run({"COMMAND", "HELP"});
  EXPECT_EQ(reply.rfind("*", 0), 0u);
  EXPECT_TRUE(Contains(reply,
                       "\r\n+COMMAND <subcommand> [<arg> [value] [opt] ...]. "
                       "Subcommands are:\r\n"))
      << reply;
  const std::string closing = "+HELP\r\n+    Prints this help.\r\n";
  EXPECT_EQ(reply.substr(reply.size() - closing.size()), closing) << reply;
}

}  // namespace
}  // namespace cachette::commands::testing
