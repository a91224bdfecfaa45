// Statistics: per-thread counters summed on read, reset by baseline, errorstats, the
// instantaneous metrics ring, and the INFO renderer.

#include "cachette/stats/stats.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "cachette/stats/info.h"
#include "cachette/stats/memory.h"

namespace cachette::stats {
namespace {

TEST(CounterTest, ResetKeepsTheWriterSingleAndReadsZero) {
  Counter counter;
  counter.Add(5);
  EXPECT_EQ(counter.Get(), 5u);
  counter.Reset();
  EXPECT_EQ(counter.Get(), 0u);
  counter.Add(2);
  EXPECT_EQ(counter.Get(), 2u);
}

TEST(StatsTest, OneBlockPerThreadSummedOnRead) {
  Stats stats(4);
  ThreadStats& mine = stats.ThreadBlock();
  EXPECT_EQ(&mine, &stats.ThreadBlock());
  mine.total_commands_processed.Add(3);
  mine.command(2).calls.Add(3);
  mine.command(2).usec.Add(30);
  ThreadStats* other = nullptr;
  std::thread([&] {
    other = &stats.ThreadBlock();
    other->total_commands_processed.Add(4);
    other->command(2).calls.Add(1);
    other->command(1).rejected_calls.Add(1);
  }).join();
  EXPECT_NE(other, &mine);
  const Totals totals = stats.Sum();
  EXPECT_EQ(totals.total_commands_processed, 7u);
  EXPECT_EQ(stats.TotalCommands(), 7u);
  ASSERT_EQ(totals.commands.size(), 4u);
  EXPECT_EQ(totals.commands[2].calls, 4u);
  EXPECT_EQ(totals.commands[2].usec, 30u);
  EXPECT_EQ(totals.commands[1].rejected_calls, 1u);
  EXPECT_EQ(totals.commands[0].calls, 0u);
}

TEST(StatsTest, ErrorsCountedByCode) {
  Stats stats(1);
  ThreadStats& block = stats.ThreadBlock();
  block.CountError("ERR syntax error");
  block.CountError("ERR wrong number of arguments for 'get' command");
  block.CountError("WRONGTYPE Operation against a key holding the wrong kind of value");
  block.CountError("NOAUTH");
  const Totals totals = stats.Sum();
  EXPECT_EQ(totals.total_error_replies, 4u);
  EXPECT_EQ(totals.error_codes,
            (std::map<std::string, uint64_t>{{"ERR", 2}, {"NOAUTH", 1}, {"WRONGTYPE", 1}}));
}

TEST(StatsTest, ErrorCodesAreCapped) {
  Stats stats(1);
  ThreadStats& block = stats.ThreadBlock();
  for (size_t i = 0; i < kMaxErrorCodes + 10; ++i) {
    block.CountError("E" + std::to_string(i) + " text");
  }
  const Totals totals = stats.Sum();
  EXPECT_EQ(totals.error_codes.size(), kMaxErrorCodes);
  EXPECT_EQ(totals.total_error_replies, kMaxErrorCodes + 10);
}

TEST(StatsTest, ResetZeroesEveryCounter) {
  Stats stats(2);
  ThreadStats& block = stats.ThreadBlock();
  block.total_commands_processed.Add(9);
  block.command(1).calls.Add(9);
  block.command(1).failed_calls.Add(1);
  block.CountError("ERR x");
  stats.Sample(1000, 0, 0);
  block.total_commands_processed.Add(100);
  stats.Sample(1100, 0, 0);
  EXPECT_GT(stats.Instantaneous().ops_per_sec, 0u);
  stats.Reset();
  const Totals totals = stats.Sum();
  EXPECT_EQ(totals.total_commands_processed, 0u);
  EXPECT_EQ(totals.total_error_replies, 0u);
  EXPECT_EQ(totals.commands[1].calls, 0u);
  EXPECT_EQ(totals.commands[1].failed_calls, 0u);
  EXPECT_TRUE(totals.error_codes.empty());
  EXPECT_EQ(stats.Instantaneous().ops_per_sec, 0u);
  block.total_commands_processed.Add(1);
  EXPECT_EQ(stats.Sum().total_commands_processed, 1u);
}

TEST(StatsTest, InstantaneousMetricsAverageSixteenSamples) {
  Stats stats(1);
  ThreadStats& block = stats.ThreadBlock();
  stats.Sample(1000, 0, 0);  // the first sample only sets the starting point
  EXPECT_EQ(stats.Instantaneous().ops_per_sec, 0u);
  // 1,000 commands and 102,400 bytes in per 100 ms: 10,000 ops/s, 1,000 KiB/s.
  for (int i = 1; i <= 16; ++i) {
    block.total_commands_processed.Add(1000);
    stats.Sample(1000 + i * 100, static_cast<uint64_t>(i) * 102400, 0);
  }
  const InstantaneousMetrics metrics = stats.Instantaneous();
  EXPECT_EQ(metrics.ops_per_sec, 10000u);
  EXPECT_DOUBLE_EQ(metrics.input_kbps, 1000.0);
  EXPECT_DOUBLE_EQ(metrics.output_kbps, 0.0);
  // Half the ring idle: half the rate.
  for (int i = 17; i <= 24; ++i) {
    stats.Sample(1000 + i * 100, 16 * 102400, 0);
  }
  EXPECT_EQ(stats.Instantaneous().ops_per_sec, 5000u);
}

TEST(StatsTest, IdentitiesAreFortyHexDigits) {
  Stats stats(1);
  EXPECT_EQ(stats.run_id().size(), 40u);
  EXPECT_EQ(stats.replication_id().find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_NE(stats.run_id(), stats.replication_id());
}

TEST(MemoryTest, HumanBytesAsRedis) {
  EXPECT_EQ(HumanBytes(0), "0B");
  EXPECT_EQ(HumanBytes(1023), "1023B");
  EXPECT_EQ(HumanBytes(1024), "1.00K");
  EXPECT_EQ(HumanBytes(916368), "894.89K");
  EXPECT_EQ(HumanBytes(6664192), "6.36M");
  EXPECT_EQ(HumanBytes(25276514304ull), "23.54G");
}

TEST(MemoryTest, ProcessFiguresAreNonZero) {
  const MemoryFigures figures = ProcessMemoryFigures();
  EXPECT_GT(figures.used_memory, 0u);
  EXPECT_GT(figures.used_memory_rss, 0u);
  EXPECT_FALSE(figures.allocator.empty());
}

std::vector<std::string> Titles(const std::string& text) {
  std::vector<std::string> titles;
  for (size_t at = text.find("# "); at != std::string::npos; at = text.find("\r\n# ", at)) {
    if (text.compare(at, 2, "# ") != 0) {
      at += 2;
    }
    const size_t end = text.find("\r\n", at);
    titles.push_back(text.substr(at + 2, end - at - 2));
    at = end;
  }
  return titles;
}

TEST(InfoTest, SectionSetsFollowRedis) {
  const std::vector<std::string_view> none;
  const SectionSet defaults = SectionSet::Parse(none);
  EXPECT_TRUE(defaults.Has(Section::kServer));
  EXPECT_TRUE(defaults.Has(Section::kErrorstats));
  EXPECT_FALSE(defaults.Has(Section::kCommandstats));
  const std::vector<std::string_view> all = {"ALL"};
  EXPECT_TRUE(SectionSet::Parse(all).Has(Section::kCommandstats));
  const std::vector<std::string_view> two = {"Memory", "keyspace", "nosuchsection"};
  const SectionSet picked = SectionSet::Parse(two);
  EXPECT_TRUE(picked.Has(Section::kMemory));
  EXPECT_TRUE(picked.Has(Section::kKeyspace));
  EXPECT_FALSE(picked.Has(Section::kServer));
  const std::vector<std::string_view> unknown = {"foo"};
  EXPECT_EQ(RenderInfo(InfoReport{}, SectionSet::Parse(unknown)), "");
}

TEST(InfoTest, RendersSectionsInRedisOrder) {
  const std::string text = RenderInfo(InfoReport{}, SectionSet::All());
  EXPECT_EQ(Titles(text),
            (std::vector<std::string>{"Server", "Clients", "Memory", "Persistence", "Stats",
                                      "Replication", "CPU", "Modules", "Commandstats", "Errorstats",
                                      "Cluster", "Keyspace", "Prefixes"}));
  EXPECT_EQ(text.substr(0, 10), "# Server\r\n");
  EXPECT_NE(text.find("\r\n\r\n# Clients\r\nconnected_clients:0\r\n"), std::string::npos);
  EXPECT_NE(text.find("\r\n\r\n# Modules\r\n\r\n# Commandstats\r\n"), std::string::npos);
  EXPECT_NE(text.find("instantaneous_input_kbps:0.00\r\n"), std::string::npos);
  EXPECT_NE(text.find("role:master\r\n"), std::string::npos);
  EXPECT_NE(text.find("used_cpu_sys:0.000000\r\n"), std::string::npos);
  EXPECT_NE(text.find("rdb_last_bgsave_time_sec:-1\r\n"), std::string::npos);
  EXPECT_TRUE(text.ends_with("# Keyspace\r\n\r\n# Prefixes\r\n"));
  EXPECT_FALSE(SectionSet::Default().Has(Section::kPrefixes));
}

TEST(InfoTest, RendersCommandstatsErrorstatsAndKeyspaceLines) {
  InfoReport report;
  Totals::Command get{.calls = 3, .usec = 10, .rejected_calls = 1, .failed_calls = 0};
  report.commandstats.push_back({"get", get});
  report.commandstats.push_back({"config|get", Totals::Command{.rejected_calls = 2}});
  report.errorstats = {{"ERR", 4}, {"WRONGTYPE", 1}};
  report.keyspace.push_back({0, 10, 2, 1500});
  report.keyspace.push_back({3, 1, 0, 0});
  SectionSet sections;
  sections.Add(Section::kCommandstats);
  sections.Add(Section::kErrorstats);
  sections.Add(Section::kKeyspace);
  EXPECT_EQ(RenderInfo(report, sections),
            "# Commandstats\r\n"
            "cmdstat_get:calls=3,usec=10,usec_per_call=3.33,rejected_calls=1,failed_calls=0\r\n"
            "cmdstat_config|get:calls=0,usec=0,usec_per_call=0.00,rejected_calls=2,"
            "failed_calls=0\r\n"
            "\r\n# Errorstats\r\n"
            "errorstat_ERR:count=4\r\n"
            "errorstat_WRONGTYPE:count=1\r\n"
            "\r\n# Keyspace\r\n"
            "db0:keys=10,expires=2,avg_ttl=1500\r\n"
            "db3:keys=1,expires=0,avg_ttl=0\r\n");
}

TEST(InfoTest, CpuFromGetrusage) {
  CpuSection cpu;
  volatile uint64_t spin = 0;
  for (int i = 0; i < 10'000'000; ++i) {
    spin = spin + i;
  }
  FillCpu(&cpu);
  EXPECT_GT(cpu.used_cpu_user.value + cpu.used_cpu_sys.value, 0.0);
  // The kernel splits each total into user and system time by sampling, separately for the
  // process and the thread, so only the totals compare (within a scheduler tick or two).
  const double process = cpu.used_cpu_user.value + cpu.used_cpu_sys.value;
  const double main_thread =
      cpu.used_cpu_user_main_thread.value + cpu.used_cpu_sys_main_thread.value;
  EXPECT_GT(main_thread, 0.0);
  EXPECT_GE(process + 0.02, main_thread);
}

}  // namespace
}  // namespace cachette::stats
