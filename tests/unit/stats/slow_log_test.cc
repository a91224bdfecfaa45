// The slow log keeps the newest entries first, at most max_len of them, with arguments capped as
// Redis caps them; the latency monitor keeps a second's worst sample.

#include "cachette/stats/slow_log.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "cachette/stats/latency_monitor.h"

namespace cachette::stats {
namespace {

TEST(SlowLogTest, NewestFirstAndBoundedByMaxLen) {
  SlowLog log;
  const std::vector<std::string_view> args = {"get", "k"};
  for (int i = 0; i < 3; ++i) {
    log.Record(args, "127.0.0.1:1", "name", 1'000'000 * (i + 1), 10 + i, 2);
  }
  const std::vector<SlowLogEntry> entries = log.Newest(-1);
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].id, 2);
  EXPECT_EQ(entries[0].time_s, 3);
  EXPECT_EQ(entries[0].duration_us, 12);
  EXPECT_EQ(entries[1].id, 1);
  EXPECT_EQ(entries[0].peer_address, "127.0.0.1:1");
  EXPECT_EQ(entries[0].client_name, "name");
  EXPECT_EQ(log.Newest(1).size(), 1u);
  log.Reset();
  EXPECT_EQ(log.size(), 0u);
}

TEST(SlowLogTest, CapsArgumentsAsRedisDoes) {
  SlowLog log;
  std::vector<std::string> owned(40, "a");
  owned[1] = std::string(130, 'x');
  const std::vector<std::string_view> args(owned.begin(), owned.end());
  log.Record(args, "", "", 0, 1, 10);
  const SlowLogEntry entry = log.Newest(1).at(0);
  ASSERT_EQ(entry.args.size(), 32u);
  EXPECT_EQ(entry.args[1], std::string(128, 'x') + "... (2 more bytes)");
  EXPECT_EQ(entry.args[31], "... (9 more arguments)");
}

TEST(LatencyMonitorTest, OneSamplePerSecondKeepsTheWorst) {
  LatencyMonitor monitor;
  monitor.Record("command", 5, 10);
  monitor.Record("command", 5, 30);
  monitor.Record("command", 5, 20);
  monitor.Record("command", 6, 1);
  const auto events = monitor.Events();
  ASSERT_EQ(events.size(), 1u);
  ASSERT_EQ(events[0].samples.size(), 2u);
  EXPECT_EQ(events[0].samples[0].latency_ms, 30);
  EXPECT_EQ(events[0].max_ms, 30);
  EXPECT_EQ(monitor.Reset({}), 1u);
  EXPECT_TRUE(monitor.Events().empty());
}

}  // namespace
}  // namespace cachette::stats
