#include "cachette/store/maintenance.h"

#include <chrono>

#include "cachette/store/store.h"
#include "cachette/util/clock.h"
#include "detail/shard.h"

namespace cachette::store {

namespace {
constexpr auto kPeriod = std::chrono::milliseconds(100);
constexpr int64_t kCycleBudgetUs = 25'000;
}  // namespace

MaintenanceThread::MaintenanceThread(Store& store)
    : store_(store), thread_([this](std::stop_token stop) { Run(stop); }) {}

MaintenanceThread::~MaintenanceThread() {
  thread_.request_stop();
  wake_.notify_all();
}

void MaintenanceThread::Run(std::stop_token stop) {
  std::unique_lock lock(mutex_);
  while (!stop.stop_requested()) {
    wake_.wait_for(lock, stop, kPeriod, [] { return false; });
    if (stop.stop_requested()) {
      break;
    }
    lock.unlock();
    const int64_t now_ms = util::UnixTimeMs();
    store_.FreeLazily(kCycleBudgetUs);
    if (store_.max_memory() > 0) {
      // Budgets follow what the process allocates besides keys (connections, tables), and
      // shards left over budget (maxmemory was lowered) are evicted down in slices.
      store_.RecomputeBudgets();
      store_.EvictOverBudget(now_ms, kCycleBudgetUs);
    }
    lock.lock();
  }
}

}  // namespace cachette::store
