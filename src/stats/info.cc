#include "cachette/stats/info.h"

#include <fmt/format.h>
#include <sys/resource.h>

#include <array>

#include "cachette/stats/prefix_stats.h"

namespace cachette::stats {

namespace {

constexpr std::array<std::string_view, static_cast<size_t>(Section::kCount)> kSectionNames = {
    "server",  "clients",      "memory",     "persistence", "stats",    "replication", "cpu",
    "modules", "commandstats", "errorstats", "cluster",     "keyspace", "prefixes"};
constexpr std::array<std::string_view, static_cast<size_t>(Section::kCount)> kSectionTitles = {
    "Server",  "Clients",      "Memory",     "Persistence", "Stats",    "Replication", "CPU",
    "Modules", "Commandstats", "Errorstats", "Cluster",     "Keyspace", "Prefixes"};

bool EqualsLower(std::string_view text, std::string_view lower) {
  if (text.size() != lower.size()) {
    return false;
  }
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if ((c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c) != lower[i]) {
      return false;
    }
  }
  return true;
}

void AppendValue(std::string* out, const std::string& value) { out->append(value); }
void AppendValue(std::string* out, int64_t value) {
  fmt::format_to(std::back_inserter(*out), "{}", value);
}
void AppendValue(std::string* out, uint64_t value) {
  fmt::format_to(std::back_inserter(*out), "{}", value);
}
void AppendValue(std::string* out, Fixed2 value) {
  fmt::format_to(std::back_inserter(*out), "{:.2f}", value.value);
}
void AppendValue(std::string* out, Fixed6 value) {
  fmt::format_to(std::back_inserter(*out), "{:.6f}", value.value);
}

#define CACHETTE_RENDER_FIELD(type, name, initial) \
  out->append(#name ":");                          \
  AppendValue(out, section.name);                  \
  out->append("\r\n");

void RenderFields(const ServerSection& section, std::string* out) {
  CACHETTE_INFO_SERVER(CACHETTE_RENDER_FIELD)
}
void RenderFields(const ClientsSection& section, std::string* out) {
  CACHETTE_INFO_CLIENTS(CACHETTE_RENDER_FIELD)
}
void RenderFields(const MemorySection& section, std::string* out) {
  CACHETTE_INFO_MEMORY(CACHETTE_RENDER_FIELD)
}
void RenderFields(const PersistenceSection& section, std::string* out) {
  CACHETTE_INFO_PERSISTENCE(CACHETTE_RENDER_FIELD)
}
void RenderFields(const StatsSection& section, std::string* out) {
  CACHETTE_INFO_STATS(CACHETTE_RENDER_FIELD)
}
void RenderFields(const ReplicationSection& section, std::string* out) {
  CACHETTE_INFO_REPLICATION(CACHETTE_RENDER_FIELD)
}
void RenderFields(const CpuSection& section, std::string* out) {
  CACHETTE_INFO_CPU(CACHETTE_RENDER_FIELD)
}
void RenderFields(const ClusterSection& section, std::string* out) {
  CACHETTE_INFO_CLUSTER(CACHETTE_RENDER_FIELD)
}
#undef CACHETTE_RENDER_FIELD

double Seconds(const timeval& tv) {
  return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
}

}  // namespace

SectionSet SectionSet::Default() {
  SectionSet set = All();
  set.bits_ &= ~(1u << static_cast<uint32_t>(Section::kCommandstats));
  set.bits_ &= ~(1u << static_cast<uint32_t>(Section::kPrefixes));
  return set;
}

SectionSet SectionSet::All() {
  SectionSet set;
  set.bits_ = (1u << static_cast<uint32_t>(Section::kCount)) - 1;
  return set;
}

SectionSet SectionSet::Parse(std::span<const std::string_view> names) {
  if (names.empty()) {
    return Default();
  }
  SectionSet set;
  for (std::string_view name : names) {
    if (EqualsLower(name, "all") || EqualsLower(name, "everything")) {
      set.bits_ |= All().bits_;
    } else if (EqualsLower(name, "default")) {
      set.bits_ |= Default().bits_;
    } else {
      for (size_t i = 0; i < kSectionNames.size(); ++i) {
        if (EqualsLower(name, kSectionNames[i])) {
          set.Add(static_cast<Section>(i));
        }
      }
    }
  }
  return set;
}

void FillCpu(CpuSection* cpu) {
  rusage self{}, children{}, thread{};
  getrusage(RUSAGE_SELF, &self);
  getrusage(RUSAGE_CHILDREN, &children);
  getrusage(RUSAGE_THREAD, &thread);
  cpu->used_cpu_sys.value = Seconds(self.ru_stime);
  cpu->used_cpu_user.value = Seconds(self.ru_utime);
  cpu->used_cpu_sys_children.value = Seconds(children.ru_stime);
  cpu->used_cpu_user_children.value = Seconds(children.ru_utime);
  cpu->used_cpu_sys_main_thread.value = Seconds(thread.ru_stime);
  cpu->used_cpu_user_main_thread.value = Seconds(thread.ru_utime);
}

std::string RenderInfo(const InfoReport& report, SectionSet sections) {
  std::string out;
  out.reserve(4096);
  for (size_t i = 0; i < kSectionNames.size(); ++i) {
    const auto section = static_cast<Section>(i);
    if (!sections.Has(section)) {
      continue;
    }
    if (!out.empty()) {
      out.append("\r\n");
    }
    fmt::format_to(std::back_inserter(out), "# {}\r\n", kSectionTitles[i]);
    switch (section) {
      case Section::kServer:
        RenderFields(report.server, &out);
        break;
      case Section::kClients:
        RenderFields(report.clients, &out);
        break;
      case Section::kMemory:
        RenderFields(report.memory, &out);
        break;
      case Section::kPersistence:
        RenderFields(report.persistence, &out);
        break;
      case Section::kStats:
        RenderFields(report.stats, &out);
        break;
      case Section::kReplication:
        RenderFields(report.replication, &out);
        break;
      case Section::kCpu:
        RenderFields(report.cpu, &out);
        break;
      case Section::kModules:
        break;
      case Section::kCommandstats:
        for (const CommandStatLine& line : report.commandstats) {
          const auto& c = line.counters;
          fmt::format_to(
              std::back_inserter(out),
              "cmdstat_{}:calls={},usec={},usec_per_call={:.2f},rejected_calls={},"
              "failed_calls={}\r\n",
              line.name, c.calls, c.usec,
              c.calls == 0 ? 0.0 : static_cast<double>(c.usec) / static_cast<double>(c.calls),
              c.rejected_calls, c.failed_calls);
        }
        break;
      case Section::kErrorstats:
        for (const auto& [code, count] : report.errorstats) {
          fmt::format_to(std::back_inserter(out), "errorstat_{}:count={}\r\n", code, count);
        }
        break;
      case Section::kCluster:
        RenderFields(report.cluster, &out);
        break;
      case Section::kKeyspace:
        for (const KeyspaceLine& line : report.keyspace) {
          fmt::format_to(std::back_inserter(out), "db{}:keys={},expires={},avg_ttl={}\r\n", line.db,
                         line.keys, line.expires, line.avg_ttl_ms);
        }
        break;
      case Section::kPrefixes:
        RenderPrefixLines(report.prefixes, report.prefixes_other, &out);
        break;
      case Section::kCount:
        break;
    }
  }
  return out;
}

}  // namespace cachette::stats
