#pragma once

// Memory figures for INFO memory and MEMORY STATS, behind one struct so the source can change
// without touching the report: the server registers a MemoryFiguresSource (the store's and
// the allocator's accounting); without one, ProcessMemoryFigures() reads the allocator's totals
// (jemalloc's statistics, or mallinfo2 under libc malloc) and the resident set size.

#include <cstdint>
#include <functional>
#include <string>

namespace cachette::store {
class Store;
}

namespace cachette::stats {

struct MemoryFigures {
  uint64_t used_memory = 0;       // bytes allocated by the server (Redis's used_memory)
  uint64_t used_memory_peak = 0;  // 0: unknown (INFO then reports the highest value it saw)
  uint64_t used_memory_rss = 0;
  uint64_t used_memory_startup = 0;  // used_memory right after start-up
  uint64_t used_memory_dataset = 0;  // keys and values (0: unknown, derived from the others)
  uint64_t allocator_allocated = 0;
  uint64_t allocator_active = 0;
  uint64_t allocator_resident = 0;
  std::string allocator = "libc";
};

using MemoryFiguresSource = std::function<MemoryFigures()>;

// The allocator's totals (util::ReadAllocatorStats) and the resident set size.
MemoryFigures ProcessMemoryFigures();

// The server's figures: ProcessMemoryFigures with the store's accounting (its arena pages'
// free space is not in use; used_memory_dataset is the keys and values it holds).
MemoryFigures ServerMemoryFigures(store::Store& store);

// Physical memory of the machine (total_system_memory).
uint64_t TotalSystemMemory();

// Redis's bytesToHuman: "894.89K", "6.36M", "0B".
std::string HumanBytes(uint64_t bytes);

}  // namespace cachette::stats
