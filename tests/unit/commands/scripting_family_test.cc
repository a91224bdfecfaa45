// EVAL and friends through the real Dispatcher: redis.call reaches the store with Redis's
// checks for commands called from scripts.

#include <gtest/gtest.h>

#include "cachette/scripting/sha1.h"
#include "harness.h"

namespace cachette::commands {
namespace {

using testing::Bulk;
using testing::CommandHarness;
using testing::Err;
using testing::Int;

std::string Raised(std::string_view body, std::string_view text) {
  return Err(std::string(text) + " script: " + scripting::Sha1Hex(body) + ", on @user_script:1.");
}

TEST(ScriptingFamilyTest, EvalCallsCommands) {
  CommandHarness h;
  EXPECT_EQ(h.Run({"EVAL", "return redis.call('set', KEYS[1], ARGV[1])", "1", "k", "v"}),
            "+OK\r\n");
  EXPECT_EQ(h.Run({"GET", "k"}), Bulk("v"));
  EXPECT_EQ(h.Run({"EVAL", "return redis.call('incr', 'n') + redis.call('incr', 'n')", "0"}),
            Int(3));
}

TEST(ScriptingFamilyTest, NumkeysErrors) {
  CommandHarness h;
  EXPECT_EQ(h.Run({"EVAL", "return 1", "-1"}), Err("ERR Number of keys can't be negative"));
  EXPECT_EQ(h.Run({"EVAL", "return 1", "2", "a"}),
            Err("ERR Number of keys can't be greater than number of args"));
  EXPECT_EQ(h.Run({"EVAL", "return 1", "x"}), Err("ERR value is not an integer or out of range"));
  EXPECT_EQ(h.Run({"EVAL", "return 1"}), Err("ERR wrong number of arguments for 'eval' command"));
}

TEST(ScriptingFamilyTest, EvalShaAndScriptCache) {
  CommandHarness h;
  const std::string sha = scripting::Sha1Hex("return ARGV[1]");
  EXPECT_EQ(h.Run({"EVALSHA", sha, "0", "x"}),
            Err("NOSCRIPT No matching script. Please use EVAL."));
  EXPECT_EQ(h.Run({"SCRIPT", "LOAD", "return ARGV[1]"}), Bulk(sha));
  EXPECT_EQ(h.Run({"SCRIPT", "EXISTS", sha, "nope"}), "*2\r\n:1\r\n:0\r\n");
  EXPECT_EQ(h.Run({"EVALSHA", sha, "0", "x"}), Bulk("x"));
  EXPECT_EQ(h.Run({"EVALSHA_RO", sha, "0", "y"}), Bulk("y"));
  EXPECT_EQ(h.Run({"SCRIPT", "FLUSH", "nope"}),
            Err("ERR SCRIPT FLUSH only support SYNC|ASYNC option"));
  EXPECT_EQ(h.Run({"SCRIPT", "FLUSH", "ASYNC"}), "+OK\r\n");
  EXPECT_EQ(h.Run({"EVALSHA", sha, "0", "x"}),
            Err("NOSCRIPT No matching script. Please use EVAL."));
  EXPECT_EQ(h.Run({"SCRIPT", "KILL"}), Err("NOTBUSY No scripts in execution right now."));
}

TEST(ScriptingFamilyTest, ScriptOnlyRefusals) {
  CommandHarness h;
  const std::pair<const char*, const char*> cases[] = {
      {"return redis.call('nosuch')", "ERR Unknown Redis command called from script"},
      {"return redis.call('config', 'nosuch')", "ERR Unknown Redis command called from script"},
      {"return redis.call('get')", "ERR Wrong number of args calling Redis command from script"},
      {"return redis.call('multi')", "ERR This Redis command is not allowed from script"},
      {"return redis.call('eval', 'return 1', '0')",
       "ERR This Redis command is not allowed from script"},
  };
  for (const auto& [body, error] : cases) {
    EXPECT_EQ(h.Run({"EVAL", body, "0"}), Raised(body, error)) << body;
  }
  const char* write = "return redis.call('set', 'a', 'b')";
  EXPECT_EQ(h.Run({"EVAL_RO", write, "0"}),
            Raised(write, "ERR Write commands are not allowed from read-only scripts."));
  EXPECT_EQ(h.Run({"EXISTS", "a"}), Int(0));
}

TEST(ScriptingFamilyTest, OomRefusedBeforeTheFirstWrite) {
  CommandHarness h;
  h.Run({"SET", "k", "v"});
  h.store().SetBudgetPerShard(0);
  h.store().EvictOverBudget(util::UnixTimeMs(), 1'000'000);
  ASSERT_TRUE(h.store().MemoryFull());
  const char* body = "return redis.call('set', 'b', 'x')";
  EXPECT_EQ(h.Run({"EVAL", body, "0"}),
            Raised(body, "OOM command not allowed when used memory > 'maxmemory'."));
  // Reads are not refused.
  EXPECT_EQ(h.Run({"EVAL", "return redis.call('get', 'k')", "0"}), Bulk("v"));
}

TEST(ScriptingFamilyTest, SelectInsideAScriptChangesOnlyTheScriptsDatabase) {
  CommandHarness h;
  EXPECT_EQ(h.Run({"EVAL", "redis.call('select', 3) return redis.call('set', 'k', 'v')", "0"}),
            "+OK\r\n");
  EXPECT_EQ(h.Run({"EXISTS", "k"}), Int(0));
  EXPECT_EQ(h.Run({"SELECT", "3"}), "+OK\r\n");
  EXPECT_EQ(h.Run({"GET", "k"}), Bulk("v"));
}

TEST(ScriptingFamilyTest, EvalInsideExecReusesTheTransactionsHold) {
  CommandHarness h;
  EXPECT_EQ(h.Run({"MULTI"}), "+OK\r\n");
  EXPECT_EQ(h.Run({"EVAL", "return redis.call('incr', 'c')", "0"}), "+QUEUED\r\n");
  EXPECT_EQ(h.Run({"INCR", "c"}), "+QUEUED\r\n");
  EXPECT_EQ(h.Run({"EXEC"}), "*2\r\n:1\r\n:2\r\n");
}

}  // namespace
}  // namespace cachette::commands
