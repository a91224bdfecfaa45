#pragma once

// The store's background thread: ten times a second it runs one active-expiry cycle (bounded
// to a quarter of the period, like Redis's slow cycle), so memory held by expired keys that
// nobody reads comes back; with maxmemory set, it also recomputes the shards' budgets and
// evicts shards left over budget, in bounded slices. Stopping is prompt: the destructor wakes and
// joins the thread.

#include <condition_variable>
#include <mutex>
#include <thread>

namespace cachette::store {

class Store;

class MaintenanceThread {
 public:
  explicit MaintenanceThread(Store& store);
  ~MaintenanceThread();
  MaintenanceThread(const MaintenanceThread&) = delete;
  MaintenanceThread& operator=(const MaintenanceThread&) = delete;

 private:
  void Run(std::stop_token stop);

  Store& store_;
  std::mutex mutex_;
  std::condition_variable_any wake_;
  std::jthread thread_;  // last: starts after the members it uses exist
};

}  // namespace cachette::store
