#include "info_report.h"

#include <fmt/format.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "cachette/commands/command_table.h"
#include "cachette/config/config.h"
#include "cachette/stats/prefix_stats.h"
#include "cachette/stats/stats.h"
#include "cachette/store/store.h"
#include "cachette/store/store_admin.h"
#include "cachette/util/clock.h"
#include "handler_support.h"

namespace cachette::commands::detail {

namespace {

std::string Percent(double part, double whole) {
  return fmt::format("{:.2f}%", whole == 0 ? 0.0 : part * 100 / whole);
}

double Ratio(uint64_t a, uint64_t b) {
  return b == 0 ? 0.0 : static_cast<double>(a) / static_cast<double>(b);
}

void FillServer(CommandContext& ctx, stats::ServerSection* s, const NetworkStats& net) {
  utsname names{};
  uname(&names);
  const int64_t uptime_s = (ctx.now_ms - ctx.server.start_time_ms()) / 1000;
  s->redis_version = kRedisCompatibleVersion;
  s->cachette_version = CACHETTE_VERSION;
  s->os = fmt::format("{} {} {}", names.sysname, names.release, names.machine);
  s->gcc_version = fmt::format("{}.{}.{}", __GNUC__, __GNUC_MINOR__, __GNUC_PATCHLEVEL__);
  s->process_id = getpid();
  s->run_id = ctx.server.stats() ? ctx.server.stats()->run_id() : std::string(40, '0');
  s->tcp_port = ctx.server.control() ? ctx.server.control()->tcp_port() : 0;
  s->server_time_usec = ctx.server.clock().UnixTimeUs();
  s->uptime_in_seconds = uptime_s;
  s->uptime_in_days = uptime_s / 86400;
  s->lru_clock = (ctx.now_ms / 1000) & ((1 << 24) - 1);  // Redis's 24-bit seconds clock
  s->executable = ctx.server.executable();
  s->config_file = ctx.server.config_file();
  s->io_threads_active = net.io_threads > 1 ? 1 : 0;
}

void FillMemory(CommandContext& ctx, stats::MemorySection* m) {
  const stats::MemoryFigures figures = CurrentMemory(ctx.server);
  const config::Config& config = ctx.server.config();
  m->lazyfree_pending_objects = ctx.store().LazyFreePending();
  m->used_memory = figures.used_memory;
  m->used_memory_human = stats::HumanBytes(figures.used_memory);
  m->used_memory_rss = figures.used_memory_rss;
  m->used_memory_rss_human = stats::HumanBytes(figures.used_memory_rss);
  m->used_memory_peak = figures.used_memory_peak;
  m->used_memory_peak_human = stats::HumanBytes(figures.used_memory_peak);
  m->used_memory_peak_perc = Percent(static_cast<double>(figures.used_memory),
                                     static_cast<double>(figures.used_memory_peak));
  const uint64_t dataset = figures.used_memory_dataset;
  m->used_memory_overhead = figures.used_memory > dataset ? figures.used_memory - dataset : 0;
  m->used_memory_startup = figures.used_memory_startup;
  m->used_memory_dataset = dataset;
  const uint64_t net_memory = figures.used_memory > figures.used_memory_startup
                                  ? figures.used_memory - figures.used_memory_startup
                                  : 0;
  m->used_memory_dataset_perc =
      Percent(static_cast<double>(dataset), static_cast<double>(net_memory));
  m->allocator_allocated = figures.allocator_allocated;
  m->allocator_active = figures.allocator_active;
  m->allocator_resident = figures.allocator_resident;
  m->total_system_memory = stats::TotalSystemMemory();
  m->total_system_memory_human = stats::HumanBytes(m->total_system_memory);
  m->maxmemory = config.Int(config::Id::kMaxmemory);
  m->maxmemory_human = stats::HumanBytes(static_cast<uint64_t>(m->maxmemory));
  m->maxmemory_policy = config.Get(config::Id::kMaxmemoryPolicy);
  auto difference = [](uint64_t a, uint64_t b) {
    return static_cast<int64_t>(a) - static_cast<int64_t>(b);
  };
  m->allocator_frag_ratio.value = Ratio(figures.allocator_active, figures.allocator_allocated);
  m->allocator_frag_bytes = difference(figures.allocator_active, figures.allocator_allocated);
  m->allocator_rss_ratio.value = Ratio(figures.allocator_resident, figures.allocator_active);
  m->allocator_rss_bytes = difference(figures.allocator_resident, figures.allocator_active);
  m->rss_overhead_ratio.value = Ratio(figures.used_memory_rss, figures.allocator_resident);
  m->rss_overhead_bytes = difference(figures.used_memory_rss, figures.allocator_resident);
  m->mem_fragmentation_ratio.value = Ratio(figures.used_memory_rss, figures.used_memory);
  m->mem_fragmentation_bytes = difference(figures.used_memory_rss, figures.used_memory);
  m->mem_allocator = figures.allocator;
}

void FillStats(CommandContext& ctx, stats::StatsSection* s, const NetworkStats& net,
               const stats::Totals& totals) {
  const store::ShardCounters counters = ctx.store().SumCounters();
  s->total_connections_received = net.total_connections_received;
  s->total_commands_processed = totals.total_commands_processed;
  s->total_net_input_bytes = net.total_net_input_bytes;
  s->total_net_output_bytes = net.total_net_output_bytes;
  if (ctx.server.stats() != nullptr) {
    const stats::InstantaneousMetrics instantaneous = ctx.server.stats()->Instantaneous();
    s->instantaneous_ops_per_sec = instantaneous.ops_per_sec;
    s->instantaneous_input_kbps.value = instantaneous.input_kbps;
    s->instantaneous_output_kbps.value = instantaneous.output_kbps;
  }
  s->rejected_connections = net.rejected_connections;
  s->expired_keys = counters.expired_keys;
  s->evicted_keys = counters.evicted_keys;
  s->keyspace_hits = counters.keyspace_hits;
  s->keyspace_misses = counters.keyspace_misses;
  s->total_error_replies = totals.total_error_replies;
  // Redis 7.2's name for failed AUTH / HELLO AUTH attempts (7.0 has no such field).
  s->acl_access_denied_auth = totals.acl_access_denied_auth;
  // Redis 7.2's counters of clients closed for their query / output buffer limits.
  s->client_query_buffer_limit_disconnections = net.client_query_buffer_limit_disconnections;
  s->client_output_buffer_limit_disconnections = net.client_output_buffer_limit_disconnections;
}

}  // namespace

stats::MemoryFigures CurrentMemory(const ServerContext& server) {
  stats::MemoryFigures figures = server.MemoryFigures();
  if (figures.used_memory_startup == 0 && server.stats() != nullptr) {
    figures.used_memory_startup = server.stats()->startup_memory();
  }
  if (figures.used_memory_dataset == 0 && figures.used_memory > figures.used_memory_startup) {
    figures.used_memory_dataset = figures.used_memory - figures.used_memory_startup;
  }
  if (figures.used_memory_peak == 0) {
    figures.used_memory_peak =
        server.stats() ? server.stats()->ObserveMemory(figures.used_memory) : figures.used_memory;
  }
  return figures;
}

std::string BuildInfo(CommandContext& ctx, stats::SectionSet sections) {
  using stats::Section;
  stats::InfoReport report;
  const NetworkStats net =
      ctx.server.control() ? ctx.server.control()->GetNetworkStats() : NetworkStats{};
  const stats::Totals totals = ctx.server.stats() ? ctx.server.stats()->Sum() : stats::Totals{};
  if (sections.Has(Section::kServer)) {
    FillServer(ctx, &report.server, net);
  }
  if (sections.Has(Section::kClients)) {
    report.clients.connected_clients = net.connected_clients;
    report.clients.maxclients = ctx.server.config().Int(config::Id::kMaxclients);
  }
  if (sections.Has(Section::kMemory)) {
    FillMemory(ctx, &report.memory);
  }
  if (sections.Has(Section::kPersistence)) {
    report.persistence.rdb_last_save_time = ctx.server.start_time_ms() / 1000;
  }
  if (sections.Has(Section::kStats)) {
    FillStats(ctx, &report.stats, net, totals);
  }
  if (sections.Has(Section::kReplication) && ctx.server.stats() != nullptr) {
    report.replication.master_replid = ctx.server.stats()->replication_id();
  }
  if (sections.Has(Section::kCpu)) {
    stats::FillCpu(&report.cpu);
  }
  if (sections.Has(Section::kCommandstats) && !totals.commands.empty()) {
    const CommandTable& table = ctx.server.commands();
    for (size_t i = 0; i < table.spec_count() && i < totals.commands.size(); ++i) {
      const auto& counters = totals.commands[i];
      if (counters.calls != 0 || counters.rejected_calls != 0 || counters.failed_calls != 0) {
        report.commandstats.push_back({table.spec_at(i).name, counters});
      }
    }
  }
  if (sections.Has(Section::kErrorstats)) {
    report.errorstats = totals.error_codes;
  }
  if (sections.Has(Section::kKeyspace)) {
    for (size_t db = 0; db < ctx.store().databases(); ++db) {
      const store::KeyspaceStats keyspace = store::GetKeyspaceStats(ctx.store(), db, ctx.now_ms);
      if (keyspace.keys != 0) {
        report.keyspace.push_back({db, keyspace.keys, keyspace.expires, keyspace.avg_ttl_ms});
      }
    }
  }
  if (sections.Has(Section::kPrefixes)) {
    store::PrefixSnapshot snapshot = ctx.store().CollectPrefixStats();
    stats::SortPrefixRows(&snapshot.rows, stats::PrefixOrder::kReads, /*descending=*/true);
    report.prefixes = std::move(snapshot.rows);
    report.prefixes_other = snapshot.other;
  }
  return stats::RenderInfo(report, sections);
}

void ResetStats(CommandContext& ctx) {
  ctx.store().ResetCounters();
  if (ctx.server.stats() != nullptr) {
    ctx.server.stats()->Reset();
  }
  if (ctx.server.control() != nullptr) {
    ctx.server.control()->ResetNetworkStats();
  }
}

}  // namespace cachette::commands::detail
