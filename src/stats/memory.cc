#include "cachette/stats/memory.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>

#include "cachette/store/store.h"
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

MemoryFigures ServerMemoryFigures(store::Store& store) {
  MemoryFigures figures = ProcessMemoryFigures();
  // Entry-arena pages are allocated whole; their free space is not in use (as the free
  // regions of jemalloc's own slabs are not counted as allocated).
  const auto slack = static_cast<uint64_t>(std::max<int64_t>(0, store.SlackBytes()));
  figures.used_memory -= std::min(figures.used_memory, slack);
  figures.used_memory_dataset = static_cast<uint64_t>(std::max<int64_t>(0, store.DataBytes()));
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
