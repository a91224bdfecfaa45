#include <gtest/gtest.h>

#include "harness.h"

namespace cachette::commands::testing {
namespace {

constexpr const char* kQueued = "+QUEUED\r\n";

// MULTI, PING, EXEC: EXEC's reply (a null array when a watched key changed).
std::string ExecOfPing(CommandHarness& h) {
  h.Run({"MULTI"});
  h.Run({"PING"});
  return h.Run({"EXEC"});
}

TEST(TransactionsTest, ExecRunsTheQueuedCommandsInOrder) {
  CommandHarness h;
  EXPECT_EQ(h.Run({"MULTI"}), "+OK\r\n");
  EXPECT_EQ(h.Run({"SET", "a", "1"}), kQueued);
  EXPECT_EQ(h.Run({"INCR", "a"}), kQueued);
  EXPECT_EQ(h.Run({"GET", "a"}), kQueued);
  EXPECT_EQ(h.Run({"EXEC"}), "*3\r\n+OK\r\n:2\r\n$1\r\n2\r\n");
  EXPECT_EQ(h.Run({"GET", "a"}), Bulk("2"));
  EXPECT_FALSE(h.client().tx.active);
}

TEST(TransactionsTest, NothingRunsBeforeExec) {
  CommandHarness h;
  h.Run({"MULTI"});
  h.Run({"SET", "a", "1"});
  ClientState other = h.NewClient();
  EXPECT_EQ(h.RunAs(other, {"EXISTS", "a"}), Int(0));
  h.Run({"EXEC"});
  EXPECT_EQ(h.RunAs(other, {"EXISTS", "a"}), Int(1));
}

TEST(TransactionsTest, EmptyTransactionRepliesAnEmptyArray) {
  CommandHarness h;
  h.Run({"MULTI"});
  EXPECT_EQ(h.Run({"EXEC"}), "*0\r\n");
}

TEST(TransactionsTest, RuntimeErrorsStayInTheirSlotAndTheRestRuns) {
  CommandHarness h;
  h.Run({"SET", "s", "text"});
  h.Run({"MULTI"});
  h.Run({"INCR", "s"});
  h.Run({"SET", "b", "1"});
  EXPECT_EQ(h.Run({"EXEC"}), "*2\r\n-ERR value is not an integer or out of range\r\n+OK\r\n");
  EXPECT_EQ(h.Run({"GET", "b"}), Bulk("1"));
}

TEST(TransactionsTest, ARejectedCommandMakesExecAbortAndRunNothing) {
  CommandHarness h;
  h.Run({"MULTI"});
  EXPECT_EQ(h.Run({"SET", "a", "1"}), kQueued);
  EXPECT_EQ(h.Run({"NOSUCH", "x"}),
            "-ERR unknown command 'NOSUCH', with args beginning with: 'x' \r\n");
  EXPECT_EQ(h.Run({"GET"}), "-ERR wrong number of arguments for 'get' command\r\n");
  EXPECT_EQ(h.Run({"EXEC"}), "-EXECABORT Transaction discarded because of previous errors.\r\n");
  EXPECT_EQ(h.Run({"EXISTS", "a"}), Int(0));
  EXPECT_EQ(h.Run({"EXEC"}), "-ERR EXEC without MULTI\r\n");
}

TEST(TransactionsTest, NoMultiCommandsAreRefusedAndDoomTheTransaction) {
  CommandHarness h;
  h.Run({"MULTI"});
  EXPECT_EQ(h.Run({"SHUTDOWN"}), "-ERR Command not allowed inside a transaction\r\n");
  EXPECT_EQ(h.Run({"EXEC"}), "-EXECABORT Transaction discarded because of previous errors.\r\n");
}

TEST(TransactionsTest, NestedMultiAndWatchInsideMultiAreErrorsThatDoNotAbort) {
  CommandHarness h;
  h.Run({"MULTI"});
  EXPECT_EQ(h.Run({"MULTI"}), "-ERR MULTI calls can not be nested\r\n");
  EXPECT_EQ(h.Run({"WATCH", "a"}), "-ERR WATCH inside MULTI is not allowed\r\n");
  h.Run({"SET", "a", "1"});
  EXPECT_EQ(h.Run({"EXEC"}), "*1\r\n+OK\r\n");
}

TEST(TransactionsTest, ExecAndDiscardWithoutMultiAreErrors) {
  CommandHarness h;
  EXPECT_EQ(h.Run({"EXEC"}), "-ERR EXEC without MULTI\r\n");
  EXPECT_EQ(h.Run({"DISCARD"}), "-ERR DISCARD without MULTI\r\n");
}

TEST(TransactionsTest, ExecWithArgumentsAbortsWithTheReason) {
  CommandHarness h;
  h.Run({"MULTI"});
  h.Run({"SET", "a", "1"});
  EXPECT_EQ(h.Run({"EXEC", "x"}),
            "-EXECABORT Transaction discarded because of: wrong number of arguments for 'exec' "
            "command\r\n");
  EXPECT_FALSE(h.client().tx.active);
  EXPECT_EQ(h.Run({"EXISTS", "a"}), Int(0));
}

TEST(TransactionsTest, DiscardDropsTheQueue) {
  CommandHarness h;
  h.Run({"MULTI"});
  h.Run({"SET", "a", "1"});
  EXPECT_EQ(h.Run({"DISCARD"}), "+OK\r\n");
  EXPECT_EQ(h.Run({"EXISTS", "a"}), Int(0));
  EXPECT_EQ(h.Run({"EXEC"}), "-ERR EXEC without MULTI\r\n");
}

TEST(TransactionsTest, SelectInsideATransactionPersists) {
  CommandHarness h;
  h.Run({"MULTI"});
  h.Run({"SELECT", "1"});
  h.Run({"SET", "x", "1"});
  EXPECT_EQ(h.Run({"EXEC"}), "*2\r\n+OK\r\n+OK\r\n");
  EXPECT_EQ(h.Run({"GET", "x"}), Bulk("1"));
  EXPECT_EQ(h.client().db, 1u);
}

TEST(TransactionsTest, KeylessCommandsRunUnderAHoldOfEveryShard) {
  CommandHarness h;
  h.Run({"SET", "a", "1"});
  h.Run({"MULTI"});
  h.Run({"DBSIZE"});
  h.Run({"FLUSHDB"});
  h.Run({"SET", "b", "2"});
  h.Run({"KEYS", "*"});
  h.Run({"PING"});
  EXPECT_EQ(h.Run({"EXEC"}), "*5\r\n:1\r\n+OK\r\n+OK\r\n*1\r\n$1\r\nb\r\n+PONG\r\n");
}

TEST(TransactionsTest, QuitIsNotQueued) {
  CommandHarness h;
  h.Run({"MULTI"});
  EXPECT_EQ(h.Run({"QUIT"}), "+OK\r\n");
  EXPECT_TRUE(h.client().close_after_reply);
}

TEST(TransactionsTest, Resp3AbortedExecIsANull) {
  CommandHarness h;
  h.Resp3();
  h.Run({"SET", "w", "1"});
  h.Run({"WATCH", "w"});
  h.Run({"SET", "w", "2"});
  h.Run({"MULTI"});
  h.Run({"GET", "w"});
  EXPECT_EQ(h.Run({"EXEC"}), "_\r\n");
}

TEST(WatchTest, ExecIsNullWhenAWatchedKeyChanged) {
  CommandHarness h;
  ClientState other = h.NewClient();
  h.Run({"SET", "w", "1"});
  EXPECT_EQ(h.Run({"WATCH", "w"}), "+OK\r\n");
  h.RunAs(other, {"SET", "w", "2"});
  h.Run({"MULTI"});
  h.Run({"SET", "w", "3"});
  EXPECT_EQ(h.Run({"EXEC"}), "*-1\r\n");
  EXPECT_EQ(h.Run({"GET", "w"}), Bulk("2"));
  EXPECT_EQ(h.store().WatchedKeyCount(), 0u);  // EXEC unwatches
}

TEST(WatchTest, ExecRunsWhenOnlyOtherKeysChanged) {
  CommandHarness h;
  ClientState other = h.NewClient();
  h.Run({"WATCH", "w"});
  h.RunAs(other, {"SET", "unrelated", "2"});
  h.Run({"MULTI"});
  h.Run({"SET", "w", "3"});
  EXPECT_EQ(h.Run({"EXEC"}), "*1\r\n+OK\r\n");
}

TEST(WatchTest, AKeyCreatedDeletedOrGivenATtlCounts) {
  for (const std::vector<std::string>& change : {std::vector<std::string>{"SET", "w", "x"},
                                                 {"DEL", "w"},
                                                 {"EXPIRE", "w", "100"},
                                                 {"PERSIST", "w"},
                                                 {"RENAME", "w", "w2"},
                                                 {"MOVE", "w", "1"},
                                                 {"INCR", "w"},
                                                 {"APPEND", "w", "z"}}) {
    CommandHarness h;
    ClientState other = h.NewClient();
    h.Run({"SET", "w", "1"});
    h.Run({"PEXPIRE", "w", "100000"});
    h.Run({"WATCH", "w"});
    h.RunAs(other, change);
    EXPECT_EQ(ExecOfPing(h), "*-1\r\n") << change[0];
  }
}

TEST(WatchTest, ExpiryAndEvictionOfAWatchedKeyCount) {
  {
    CommandHarness h;
    h.Run({"SET", "w", "1", "PX", "50"});
    h.Run({"WATCH", "w"});
    // Active expiry at a later instant removes the key.
    h.store().ActiveExpireCycle(util::UnixTimeMs() + 60'000, 1'000'000);
    EXPECT_EQ(ExecOfPing(h), "*-1\r\n");
  }
  {
    CommandHarness h;
    h.Run({"CONFIG", "SET", "maxmemory-policy", "allkeys-lru"});
    h.Run({"SET", "w", "1"});
    h.Run({"WATCH", "w"});
    h.store().SetBudgetPerShard(0);  // everything must go
    h.store().EvictOverBudget(util::UnixTimeMs(), 1'000'000);
    h.store().SetBudgetPerShard(INT64_MAX);
    EXPECT_EQ(h.Run({"EXISTS", "w"}), Int(0));
    EXPECT_EQ(ExecOfPing(h), "*-1\r\n");
  }
}

TEST(WatchTest, FlushCountsOnlyForKeysThatExisted) {
  CommandHarness h;
  ClientState other = h.NewClient();
  h.Run({"WATCH", "missing"});
  h.RunAs(other, {"FLUSHALL"});
  EXPECT_EQ(ExecOfPing(h), "*1\r\n+PONG\r\n");

  h.Run({"SET", "present", "1"});
  h.Run({"WATCH", "present"});
  h.RunAs(other, {"FLUSHDB"});
  EXPECT_EQ(ExecOfPing(h), "*-1\r\n");

  h.RunAs(other, {"SELECT", "1"});
  h.RunAs(other, {"SET", "present", "1"});
  h.Run({"WATCH", "present"});
  h.RunAs(other, {"SWAPDB", "0", "1"});
  EXPECT_EQ(ExecOfPing(h), "*-1\r\n");
}

TEST(WatchTest, WatchIsPerDatabase) {
  CommandHarness h;
  ClientState other = h.NewClient();
  h.Run({"WATCH", "w"});
  h.RunAs(other, {"SELECT", "3"});
  h.RunAs(other, {"SET", "w", "1"});
  EXPECT_EQ(ExecOfPing(h), "*1\r\n+PONG\r\n");
}

TEST(WatchTest, UnwatchAndDiscardForgetTheKeys) {
  CommandHarness h;
  ClientState other = h.NewClient();
  h.Run({"WATCH", "w", "v", "w"});
  EXPECT_EQ(h.store().WatchedKeyCount(), 2u);
  EXPECT_EQ(h.Run({"UNWATCH"}), "+OK\r\n");
  EXPECT_EQ(h.store().WatchedKeyCount(), 0u);
  h.RunAs(other, {"SET", "w", "2"});
  EXPECT_EQ(ExecOfPing(h), "*1\r\n+PONG\r\n");

  h.Run({"WATCH", "w"});
  h.Run({"MULTI"});
  h.Run({"DISCARD"});
  EXPECT_EQ(h.store().WatchedKeyCount(), 0u);
}

TEST(WatchTest, AClosedClientForgetsItsWatches) {
  CommandHarness h;
  ClientState other = h.NewClient();
  h.RunAs(other, {"WATCH", "a", "b"});
  h.RunAs(other, {"MULTI"});
  h.RunAs(other, {"SET", "a", "1"});
  EXPECT_EQ(h.store().WatchedKeyCount(), 2u);
  h.dispatcher().OnClientClosed(other);
  EXPECT_EQ(h.store().WatchedKeyCount(), 0u);
  EXPECT_FALSE(other.tx.active);
}

TEST(WatchTest, TwoClientsWatchingOneKeyAreCountedOnce) {
  CommandHarness h;
  ClientState other = h.NewClient();
  h.Run({"WATCH", "w"});
  h.RunAs(other, {"WATCH", "w"});
  EXPECT_EQ(h.store().WatchedKeyCount(), 1u);
  h.Run({"UNWATCH"});
  EXPECT_EQ(h.store().WatchedKeyCount(), 1u);
  h.RunAs(other, {"UNWATCH"});
  EXPECT_EQ(h.store().WatchedKeyCount(), 0u);
}

TEST(TransactionsOomTest, QueuingIsRefusedWhileMemoryIsFullAndExecAbortsWithTheReason) {
  CommandHarness h;
  h.Run({"SET", "k", "v"});
  h.Run({"MULTI"});
  EXPECT_EQ(h.Run({"SET", "a", "1"}), kQueued);
  // Memory fills up under noeviction while the transaction is open.
  h.store().SetBudgetPerShard(0);
  h.store().EvictOverBudget(util::UnixTimeMs(), 1'000'000);
  ASSERT_TRUE(h.store().MemoryFull());
  EXPECT_EQ(h.Run({"EXEC"}),
            "-EXECABORT Transaction discarded because of: OOM command not allowed when used "
            "memory > 'maxmemory'.\r\n");
  h.Run({"MULTI"});
  EXPECT_EQ(h.Run({"GET", "k"}), "-OOM command not allowed when used memory > 'maxmemory'.\r\n");
  EXPECT_EQ(h.Run({"EXEC"}), "-EXECABORT Transaction discarded because of previous errors.\r\n");
}

TEST(TransactionsStatsTest, QueuedCommandsAreCountedWhenTheyRun) {
  CommandHarness h;
  h.Run({"MULTI"});
  h.Run({"SET", "a", "1"});
  h.Run({"SET", "b", "1"});
  h.Run({"EXEC"});
  const std::string info = h.Run({"INFO", "commandstats"});
  EXPECT_NE(info.find("cmdstat_set:calls=2,"), std::string::npos) << info;
  EXPECT_NE(info.find("cmdstat_exec:calls=1,"), std::string::npos) << info;
  EXPECT_NE(info.find("cmdstat_multi:calls=1,"), std::string::npos) << info;
}

}  // namespace
}  // namespace cachette::commands::testing
