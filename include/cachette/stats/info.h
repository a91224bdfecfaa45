#pragma once

// The INFO report, declared once: each section is an X-macro list of (type, field, default)
// rows in Redis 7.0's order, with Redis's field names. The list generates the section's
// struct and its lines, so a field is added in one place. Whoever builds the report fills the
// structs of the sections asked for (constant fields keep their defaults) and RenderInfo()
// writes them.
//
// Sections, in Redis's order: server clients memory persistence stats replication cpu modules
// commandstats errorstats cluster keyspace, then ours: prefixes. "default" (also INFO with no
// argument) is all of them but commandstats and prefixes (Redis leaves its long, per-item
// sections out of the default too); "all" and "everything" are all of them.

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cachette/stats/stats.h"
#include "cachette/store/prefix_counts.h"

namespace cachette::stats {

// A value written with two decimals ("%.2f"), or six (CPU seconds, "%ld.%06ld").
struct Fixed2 {
  double value = 0;
};
struct Fixed6 {
  double value = 0;
};

#define CACHETTE_INFO_SERVER(X)                                  \
  X(std::string, redis_version, "")                              \
  X(std::string, cachette_version, "")                           \
  X(std::string, redis_git_sha1, "00000000")                     \
  X(int64_t, redis_git_dirty, 0)                                 \
  X(std::string, redis_build_id, "0")                            \
  X(std::string, redis_mode, "standalone")                       \
  X(std::string, os, "")                                         \
  X(int64_t, arch_bits, static_cast<int64_t>(sizeof(void*) * 8)) \
  X(std::string, monotonic_clock, "POSIX clock_gettime")         \
  X(std::string, multiplexing_api, "epoll")                      \
  X(std::string, atomicvar_api, "c11-builtin")                   \
  X(std::string, gcc_version, "")                                \
  X(int64_t, process_id, 0)                                      \
  X(std::string, process_supervised, "no")                       \
  X(std::string, run_id, "")                                     \
  X(int64_t, tcp_port, 0)                                        \
  X(int64_t, server_time_usec, 0)                                \
  X(int64_t, uptime_in_seconds, 0)                               \
  X(int64_t, uptime_in_days, 0)                                  \
  X(int64_t, hz, 10)                                             \
  X(int64_t, configured_hz, 10)                                  \
  X(int64_t, lru_clock, 0)                                       \
  X(std::string, executable, "")                                 \
  X(std::string, config_file, "")                                \
  X(int64_t, io_threads_active, 0)

#define CACHETTE_INFO_CLIENTS(X)                  \
  X(uint64_t, connected_clients, 0)               \
  X(uint64_t, cluster_connections, 0)             \
  X(int64_t, maxclients, 0)                       \
  X(uint64_t, client_recent_max_input_buffer, 0)  \
  X(uint64_t, client_recent_max_output_buffer, 0) \
  X(uint64_t, blocked_clients, 0)                 \
  X(uint64_t, tracking_clients, 0)                \
  X(uint64_t, clients_in_timeout_table, 0)

#define CACHETTE_INFO_MEMORY(X)                 \
  X(uint64_t, used_memory, 0)                   \
  X(std::string, used_memory_human, "")         \
  X(uint64_t, used_memory_rss, 0)               \
  X(std::string, used_memory_rss_human, "")     \
  X(uint64_t, used_memory_peak, 0)              \
  X(std::string, used_memory_peak_human, "")    \
  X(std::string, used_memory_peak_perc, "")     \
  X(uint64_t, used_memory_overhead, 0)          \
  X(uint64_t, used_memory_startup, 0)           \
  X(uint64_t, used_memory_dataset, 0)           \
  X(std::string, used_memory_dataset_perc, "")  \
  X(uint64_t, allocator_allocated, 0)           \
  X(uint64_t, allocator_active, 0)              \
  X(uint64_t, allocator_resident, 0)            \
  X(uint64_t, total_system_memory, 0)           \
  X(std::string, total_system_memory_human, "") \
  X(int64_t, maxmemory, 0)                      \
  X(std::string, maxmemory_human, "")           \
  X(std::string, maxmemory_policy, "")          \
  X(Fixed2, allocator_frag_ratio, {})           \
  X(int64_t, allocator_frag_bytes, 0)           \
  X(Fixed2, allocator_rss_ratio, {})            \
  X(int64_t, allocator_rss_bytes, 0)            \
  X(Fixed2, rss_overhead_ratio, {})             \
  X(int64_t, rss_overhead_bytes, 0)             \
  X(Fixed2, mem_fragmentation_ratio, {})        \
  X(int64_t, mem_fragmentation_bytes, 0)        \
  X(uint64_t, mem_not_counted_for_evict, 0)     \
  X(uint64_t, mem_replication_backlog, 0)       \
  X(uint64_t, mem_total_replication_buffers, 0) \
  X(uint64_t, mem_clients_slaves, 0)            \
  X(uint64_t, mem_aof_buffer, 0)                \
  X(std::string, mem_allocator, "libc")         \
  X(uint64_t, active_defrag_running, 0)         \
  X(uint64_t, lazyfree_pending_objects, 0)      \
  X(uint64_t, lazyfreed_objects, 0)

#define CACHETTE_INFO_PERSISTENCE(X)               \
  X(int64_t, loading, 0)                           \
  X(int64_t, async_loading, 0)                     \
  X(int64_t, current_cow_peak, 0)                  \
  X(int64_t, current_cow_size, 0)                  \
  X(int64_t, current_cow_size_age, 0)              \
  X(Fixed2, current_fork_perc, {})                 \
  X(int64_t, current_save_keys_processed, 0)       \
  X(int64_t, current_save_keys_total, 0)           \
  X(int64_t, rdb_changes_since_last_save, 0)       \
  X(int64_t, rdb_bgsave_in_progress, 0)            \
  X(int64_t, rdb_last_save_time, 0)                \
  X(std::string, rdb_last_bgsave_status, "ok")     \
  X(int64_t, rdb_last_bgsave_time_sec, -1)         \
  X(int64_t, rdb_current_bgsave_time_sec, -1)      \
  X(int64_t, rdb_saves, 0)                         \
  X(int64_t, rdb_last_cow_size, 0)                 \
  X(int64_t, rdb_last_load_keys_expired, 0)        \
  X(int64_t, rdb_last_load_keys_loaded, 0)         \
  X(int64_t, aof_enabled, 0)                       \
  X(int64_t, aof_rewrite_in_progress, 0)           \
  X(int64_t, aof_rewrite_scheduled, 0)             \
  X(int64_t, aof_last_rewrite_time_sec, -1)        \
  X(int64_t, aof_current_rewrite_time_sec, -1)     \
  X(std::string, aof_last_bgrewrite_status, "ok")  \
  X(int64_t, aof_rewrites, 0)                      \
  X(int64_t, aof_rewrites_consecutive_failures, 0) \
  X(std::string, aof_last_write_status, "ok")      \
  X(int64_t, aof_last_cow_size, 0)                 \
  X(int64_t, module_fork_in_progress, 0)           \
  X(int64_t, module_fork_last_cow_size, 0)

#define CACHETTE_INFO_STATS(X)                             \
  X(uint64_t, total_connections_received, 0)               \
  X(uint64_t, total_commands_processed, 0)                 \
  X(uint64_t, instantaneous_ops_per_sec, 0)                \
  X(uint64_t, total_net_input_bytes, 0)                    \
  X(uint64_t, total_net_output_bytes, 0)                   \
  X(uint64_t, total_net_repl_input_bytes, 0)               \
  X(uint64_t, total_net_repl_output_bytes, 0)              \
  X(Fixed2, instantaneous_input_kbps, {})                  \
  X(Fixed2, instantaneous_output_kbps, {})                 \
  X(Fixed2, instantaneous_input_repl_kbps, {})             \
  X(Fixed2, instantaneous_output_repl_kbps, {})            \
  X(uint64_t, rejected_connections, 0)                     \
  X(uint64_t, sync_full, 0)                                \
  X(uint64_t, sync_partial_ok, 0)                          \
  X(uint64_t, sync_partial_err, 0)                         \
  X(uint64_t, expired_keys, 0)                             \
  X(Fixed2, expired_stale_perc, {})                        \
  X(uint64_t, expired_time_cap_reached_count, 0)           \
  X(uint64_t, evicted_keys, 0)                             \
  X(uint64_t, evicted_clients, 0)                          \
  X(uint64_t, total_eviction_exceeded_time, 0)             \
  X(uint64_t, current_eviction_exceeded_time, 0)           \
  X(uint64_t, keyspace_hits, 0)                            \
  X(uint64_t, keyspace_misses, 0)                          \
  X(uint64_t, pubsub_channels, 0)                          \
  X(uint64_t, pubsub_patterns, 0)                          \
  X(uint64_t, pubsubshard_channels, 0)                     \
  X(uint64_t, latest_fork_usec, 0)                         \
  X(uint64_t, total_forks, 0)                              \
  X(uint64_t, migrate_cached_sockets, 0)                   \
  X(uint64_t, slave_expires_tracked_keys, 0)               \
  X(uint64_t, active_defrag_hits, 0)                       \
  X(uint64_t, active_defrag_misses, 0)                     \
  X(uint64_t, active_defrag_key_hits, 0)                   \
  X(uint64_t, active_defrag_key_misses, 0)                 \
  X(uint64_t, total_active_defrag_time, 0)                 \
  X(uint64_t, current_active_defrag_time, 0)               \
  X(uint64_t, tracking_total_keys, 0)                      \
  X(uint64_t, tracking_total_items, 0)                     \
  X(uint64_t, tracking_total_prefixes, 0)                  \
  X(uint64_t, unexpected_error_replies, 0)                 \
  X(uint64_t, total_error_replies, 0)                      \
  X(uint64_t, dump_payload_sanitizations, 0)               \
  X(uint64_t, io_threaded_reads_processed, 0)              \
  X(uint64_t, io_threaded_writes_processed, 0)             \
  X(uint64_t, acl_access_denied_auth, 0)                   \
  X(uint64_t, acl_access_denied_cmd, 0)                    \
  X(uint64_t, acl_access_denied_key, 0)                    \
  X(uint64_t, acl_access_denied_channel, 0)                \
  X(uint64_t, client_query_buffer_limit_disconnections, 0) \
  X(uint64_t, client_output_buffer_limit_disconnections, 0)

#define CACHETTE_INFO_REPLICATION(X)                                         \
  X(std::string, role, "master")                                             \
  X(uint64_t, connected_slaves, 0)                                           \
  X(std::string, master_failover_state, "no-failover")                       \
  X(std::string, master_replid, "")                                          \
  X(std::string, master_replid2, "0000000000000000000000000000000000000000") \
  X(int64_t, master_repl_offset, 0)                                          \
  X(int64_t, second_repl_offset, -1)                                         \
  X(int64_t, repl_backlog_active, 0)                                         \
  X(int64_t, repl_backlog_size, 1048576)                                     \
  X(int64_t, repl_backlog_first_byte_offset, 0)                              \
  X(int64_t, repl_backlog_histlen, 0)

#define CACHETTE_INFO_CPU(X)              \
  X(Fixed6, used_cpu_sys, {})             \
  X(Fixed6, used_cpu_user, {})            \
  X(Fixed6, used_cpu_sys_children, {})    \
  X(Fixed6, used_cpu_user_children, {})   \
  X(Fixed6, used_cpu_sys_main_thread, {}) \
  X(Fixed6, used_cpu_user_main_thread, {})

#define CACHETTE_INFO_CLUSTER(X) X(int64_t, cluster_enabled, 0)

#define CACHETTE_DECLARE_INFO_FIELD(type, name, initial) type name = initial;
struct ServerSection {
  CACHETTE_INFO_SERVER(CACHETTE_DECLARE_INFO_FIELD)
};
struct ClientsSection {
  CACHETTE_INFO_CLIENTS(CACHETTE_DECLARE_INFO_FIELD)
};
struct MemorySection {
  CACHETTE_INFO_MEMORY(CACHETTE_DECLARE_INFO_FIELD)
};
struct PersistenceSection {
  CACHETTE_INFO_PERSISTENCE(CACHETTE_DECLARE_INFO_FIELD)
};
struct StatsSection {
  CACHETTE_INFO_STATS(CACHETTE_DECLARE_INFO_FIELD)
};
struct ReplicationSection {
  CACHETTE_INFO_REPLICATION(CACHETTE_DECLARE_INFO_FIELD)
};
struct CpuSection {
  CACHETTE_INFO_CPU(CACHETTE_DECLARE_INFO_FIELD)
};
struct ClusterSection {
  CACHETTE_INFO_CLUSTER(CACHETTE_DECLARE_INFO_FIELD)
};
#undef CACHETTE_DECLARE_INFO_FIELD

// Section names, in Redis's order.
enum class Section : uint32_t {
  kServer,
  kClients,
  kMemory,
  kPersistence,
  kStats,
  kReplication,
  kCpu,
  kModules,
  kCommandstats,
  kErrorstats,
  kCluster,
  kKeyspace,
  kPrefixes,  // ours: figures per key prefix
  kCount
};

// The sections one INFO call asked for.
class SectionSet {
 public:
  // From INFO's arguments (after the command name), in any case; none means "default".
  // Unknown names are ignored, as Redis does.
  static SectionSet Parse(std::span<const std::string_view> names);
  static SectionSet Default();
  static SectionSet All();

  bool Has(Section section) const { return (bits_ >> static_cast<uint32_t>(section)) & 1; }
  void Add(Section section) { bits_ |= 1u << static_cast<uint32_t>(section); }

 private:
  uint32_t bits_ = 0;
};

struct KeyspaceLine {
  size_t db = 0;
  uint64_t keys = 0;
  uint64_t expires = 0;
  int64_t avg_ttl_ms = 0;
};

struct CommandStatLine {
  std::string_view name;  // "get", "config|get"
  Totals::Command counters;
};

struct InfoReport {
  ServerSection server;
  ClientsSection clients;
  MemorySection memory;
  PersistenceSection persistence;
  StatsSection stats;
  ReplicationSection replication;
  CpuSection cpu;
  std::vector<CommandStatLine> commandstats;  // commands with no calls are left out
  std::map<std::string, uint64_t> errorstats;
  ClusterSection cluster;
  std::vector<KeyspaceLine> keyspace;      // databases with no keys are left out
  std::vector<store::PrefixRow> prefixes;  // in the order shown
  store::PrefixFigures prefixes_other;     // shown last, when not all zero
};

// Fills report->cpu from getrusage (the process, its children, the calling thread).
void FillCpu(CpuSection* cpu);

// The text of the sections in `sections`, "# Title\r\n" then "field:value\r\n" lines, a blank
// line between sections, as Redis writes it.
std::string RenderInfo(const InfoReport& report, SectionSet sections);

}  // namespace cachette::stats
