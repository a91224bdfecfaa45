#pragma once

// The allocator, seen from the rest of the server: what an allocation of n bytes really
// occupies, and the allocator's own totals. With jemalloc (the release build) the size is
// exact (nallocx: the size class the request lands in); with libc malloc (sanitizer builds) it
// is malloc's chunk rounding, an estimate.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string_view>

namespace cachette::util {

struct FreeDeleter {
  void operator()(char* block) const { std::free(block); }
};
// A block from std::malloc, so that whoever takes it over may std::realloc or std::free it (a
// big request argument the store keeps as a value).
using MallocBlock = std::unique_ptr<char[], FreeDeleter>;

// Bytes an allocation of `requested` bytes occupies.
size_t AllocationSize(size_t requested);

struct AllocatorStats {
  uint64_t allocated = 0;  // bytes handed out to the program (Redis's used_memory)
  uint64_t active = 0;     // bytes in pages with live allocations
  uint64_t resident = 0;   // bytes of the allocator's pages resident in RAM
};

// Refreshes and reads the allocator's totals (a few microseconds: not for the hot path).
AllocatorStats ReadAllocatorStats();

// "jemalloc-5.3.0" or "libc".
std::string_view AllocatorName();

// Resident set size of the process, from /proc/self/statm.
uint64_t ResidentSetBytes();

}  // namespace cachette::util
