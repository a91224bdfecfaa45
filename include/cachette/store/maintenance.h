#pragma once

// The store's background thread: ten times a second it frees what FLUSHDB/FLUSHALL ASYNC left
// behind, and, with maxmemory set, recomputes the shards' budgets and evicts shards left over
// budget (maxmemory was lowered), in bounded slices. (Active expiry runs on the I/O threads,
// interleaved with requests: Store::ActiveExpireSlice.) Stopping is prompt: the destructor wakes
// and joins the thread.

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
