#include "cachette/store/value_block.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <mutex>
#include <vector>

#include "cachette/store/entry.h"
#include "detail/entry_arena.h"

namespace cachette::store {

namespace {
struct Pinned {
  const char* block;
  bool free_when_released;
};

struct Pins {
  // Pins held, read without the mutex: a pin is taken before its entry is published under its
  // shard lock, so a thread that finds the entry (under that lock) sees the count.
  std::atomic<size_t> count{0};
  std::mutex mutex;
  std::vector<Pinned> pinned;  // guarded by mutex
};

Pins& AllPins() {
  static Pins pins;
  return pins;
}
}  // namespace

size_t AdoptedValueOffset(size_t key_size, size_t value_size) {
  return EntryArena::kSeparatePrefixBytes + Entry::BytesFor(key_size, value_size) - value_size;
}

void ValuePin::Pin(const char* block) {
  Reset();
  Pins& pins = AllPins();
  {
    std::lock_guard lock(pins.mutex);
    pins.pinned.push_back({block, false});
  }
  pins.count.fetch_add(1, std::memory_order_relaxed);
  block_ = block;
}

void ValuePin::Release() {
  Pins& pins = AllPins();
  bool free_now = false;
  {
    std::lock_guard lock(pins.mutex);
    const auto it = std::find_if(pins.pinned.begin(), pins.pinned.end(),
                                 [this](const Pinned& p) { return p.block == block_; });
    if (it != pins.pinned.end()) {
      free_now = it->free_when_released;
      pins.pinned.erase(it);
    }
  }
  pins.count.fetch_sub(1, std::memory_order_relaxed);
  if (free_now) {
    std::free(const_cast<char*>(block_));
  }
  block_ = nullptr;
}

namespace detail {

bool DeferFreeIfPinned(char* block) {
  Pins& pins = AllPins();
  if (pins.count.load(std::memory_order_relaxed) == 0) {
    return false;
  }
  std::lock_guard lock(pins.mutex);
  for (Pinned& p : pins.pinned) {
    if (p.block == block) {
      p.free_when_released = true;
      return true;
    }
  }
  return false;
}

bool IsPinned(const char* block) {
  Pins& pins = AllPins();
  if (pins.count.load(std::memory_order_relaxed) == 0) {
    return false;
  }
  std::lock_guard lock(pins.mutex);
  return std::any_of(pins.pinned.begin(), pins.pinned.end(),
                     [block](const Pinned& p) { return p.block == block; });
}

}  // namespace detail

}  // namespace cachette::store
