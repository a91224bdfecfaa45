#include "cachette/stats/memory.h"

#include <fmt/format.h>
#include <unistd.h>

#include "cachette/util/memory.h"

namespace cachette::stats {

MemoryFigures ProcessMemoryFigures() {
  const util::AllocatorStats allocator = util::ReadAllocatorStats();
  MemoryFigures figures;
  figures.used_memory = allocator.allocated;
  figures.allocator_allocated = allocator.allocated;
  figures.allocator_active = allocator.active;
  figures.allocator_resident = allocator.resident;
  figures.used_memory_rss = util::ResidentSetBytes();
  figures.allocator = std::string(util::AllocatorName());
  return figures;
}

uint64_t TotalSystemMemory() {
  const long pages = sysconf(_SC_PHYS_PAGES);
  const long page_size = sysconf(_SC_PAGESIZE);
  return pages > 0 && page_size > 0 ? static_cast<uint64_t>(pages) * page_size : 0;
}

std::string HumanBytes(uint64_t bytes) {
  static constexpr char kUnits[] = "KMGTP";
  if (bytes < 1024) {
    return fmt::format("{}B", bytes);
  }
  double value = static_cast<double>(bytes) / 1024;
  size_t unit = 0;
  while (value >= 1024 && unit + 1 < sizeof(kUnits) - 1) {
    value /= 1024;
    ++unit;
  }
  return fmt::format("{:.2f}{}", value, kUnits[unit]);
}

}  // namespace cachette::stats
