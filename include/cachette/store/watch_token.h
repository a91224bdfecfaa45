#pragma once

// What WATCH remembers of a key (Store::Watch): where it is, its version then, and whether it
// was there but already logically expired (Redis aborts EXEC when a key that was not expired at
// WATCH time has expired since). Light on purpose: clients keep these.

#include <cstddef>
#include <cstdint>
#include <string>

namespace cachette::store {

struct WatchToken {
  size_t db = 0;
  std::string key;
  uint64_t version = 0;
  bool expired = false;
};

}  // namespace cachette::store
