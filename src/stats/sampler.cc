#include "cachette/stats/sampler.h"

namespace cachette::stats {

PeriodicTask::PeriodicTask(std::chrono::milliseconds period, std::function<void()> task)
    : period_(period),
      task_(std::move(task)),
      thread_([this](std::stop_token stop) { Run(stop); }) {}

PeriodicTask::~PeriodicTask() {
  thread_.request_stop();
  wake_.notify_all();
}

void PeriodicTask::Run(std::stop_token stop) {
  std::unique_lock lock(mutex_);
  while (!stop.stop_requested()) {
    wake_.wait_for(lock, stop, period_, [] { return false; });
    if (stop.stop_requested()) {
      break;
    }
    lock.unlock();
    task_();
    lock.lock();
  }
}

}  // namespace cachette::stats
