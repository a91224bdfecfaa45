#include "cachette/util/memory.h"

#include <malloc.h>
#include <unistd.h>

#include <cstdio>

#ifdef CACHETTE_WITH_JEMALLOC
#include <jemalloc/jemalloc.h>
#elif defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
// From libasan / libtsan (sanitizer/allocator_interface.h, which Debian's g++ does not ship).
extern "C" size_t __sanitizer_get_current_allocated_bytes();
extern "C" size_t __sanitizer_get_heap_size();
#endif

#ifdef CACHETTE_WITH_JEMALLOC
// jemalloc reads this at start-up. Its background thread returns freed pages to the system
// (Redis enables it too), and a 1 s decay instead of 10 s means pages freed by a resize or a
// flush stop counting in RSS a second later rather than ten.
extern "C" {
const char* malloc_conf = "background_thread:true,dirty_decay_ms:1000,muzzy_decay_ms:0";
}
#endif

namespace cachette::util {

size_t AllocationSize(size_t requested) {
#ifdef CACHETTE_WITH_JEMALLOC
  return requested == 0 ? 0 : nallocx(requested, 0);
#else
  // glibc: an 8-byte header, 16-byte alignment, 32 bytes at least.
  const size_t chunk = (requested + 8 + 15) & ~size_t{15};
  return chunk < 32 ? 32 : chunk;
#endif
}

AllocatorStats ReadAllocatorStats() {
  AllocatorStats stats;
#ifdef CACHETTE_WITH_JEMALLOC
  // jemalloc caches its statistics; bumping the epoch refreshes them.
  uint64_t epoch = 1;
  size_t length = sizeof(epoch);
  mallctl("epoch", &epoch, &length, &epoch, length);
  size_t value = 0;
  length = sizeof(value);
  if (mallctl("stats.allocated", &value, &length, nullptr, 0) == 0) {
    stats.allocated = value;
  }
  if (mallctl("stats.active", &value, &length, nullptr, 0) == 0) {
    stats.active = value;
  }
  if (mallctl("stats.resident", &value, &length, nullptr, 0) == 0) {
    stats.resident = value;
  }
#elif defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  // ASan and TSan replace malloc, so mallinfo2 sees nothing; their allocator keeps the totals.
  stats.allocated = __sanitizer_get_current_allocated_bytes();
  stats.active = __sanitizer_get_heap_size();
  stats.resident = stats.active;
#else
  const struct mallinfo2 info = mallinfo2();
  stats.allocated = info.uordblks + info.hblkhd;
  stats.active = info.arena + info.hblkhd;
  stats.resident = stats.active;
#endif
  return stats;
}

std::string_view AllocatorName() {
#ifdef CACHETTE_WITH_JEMALLOC
#define CACHETTE_STRINGIFY_(x) #x
#define CACHETTE_STRINGIFY(x) CACHETTE_STRINGIFY_(x)
  return "jemalloc-" CACHETTE_STRINGIFY(JEMALLOC_VERSION_MAJOR) "." CACHETTE_STRINGIFY(
      JEMALLOC_VERSION_MINOR) "." CACHETTE_STRINGIFY(JEMALLOC_VERSION_BUGFIX);
#undef CACHETTE_STRINGIFY
#undef CACHETTE_STRINGIFY_
#else
  return "libc";
#endif
}

uint64_t ResidentSetBytes() {
  FILE* statm = std::fopen("/proc/self/statm", "r");
  if (statm == nullptr) {
    return 0;
  }
  unsigned long long size = 0, resident = 0;
  const int read = std::fscanf(statm, "%llu %llu", &size, &resident);
  std::fclose(statm);
  return read == 2 ? resident * static_cast<uint64_t>(sysconf(_SC_PAGESIZE)) : 0;
}

}  // namespace cachette::util
