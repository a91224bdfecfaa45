#include "cachette/stats/stats.h"

#include <algorithm>
#include <random>

namespace cachette::stats {

namespace {
std::string RandomHex40() {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::random_device device;
  std::mt19937_64 generator(device());
  std::string text(40, '0');
  for (char& c : text) {
    c = kDigits[generator() & 15];
  }
  return text;
}
}  // namespace

ThreadStats::ThreadStats(size_t command_count)
    : commands_(std::make_unique<CommandCounters[]>(command_count)),
      command_count_(command_count) {}

void ThreadStats::CountError(std::string_view text) {
  total_error_replies.Add(1);
  const std::string_view code = text.substr(0, text.find(' '));
  std::lock_guard lock(errors_mutex_);
  auto it = errors_.find(code);
  if (it == errors_.end()) {
    if (errors_.size() >= kMaxErrorCodes) {
      return;
    }
    it = errors_.emplace(std::string(code), 0).first;
  }
  ++it->second;
}

Stats::Stats(size_t command_count)
    : command_count_(command_count), run_id_(RandomHex40()), replication_id_(RandomHex40()) {}

ThreadStats& Stats::ThreadBlock() {
  const std::thread::id self = std::this_thread::get_id();
  std::lock_guard lock(mutex_);
  for (auto& [id, block] : blocks_) {
    if (id == self) {
      return *block;
    }
  }
  blocks_.emplace_back(self, std::make_unique<ThreadStats>(command_count_));
  return *blocks_.back().second;
}

Totals Stats::Sum() const {
  Totals totals;
  totals.commands.resize(command_count_);
  std::lock_guard lock(mutex_);
  for (const auto& [id, block] : blocks_) {
#define CACHETTE_SUM(name) totals.name += block->name.Get();
    CACHETTE_THREAD_COUNTERS(CACHETTE_SUM)
#undef CACHETTE_SUM
    for (size_t i = 0; i < command_count_; ++i) {
      const CommandCounters& from = block->command(i);
      Totals::Command& to = totals.commands[i];
#define CACHETTE_SUM(name) to.name += from.name.Get();
      CACHETTE_COMMAND_COUNTERS(CACHETTE_SUM)
#undef CACHETTE_SUM
    }
    std::lock_guard errors_lock(block->errors_mutex_);
    for (const auto& [code, count] : block->errors_) {
      totals.error_codes[code] += count;
    }
  }
  return totals;
}

uint64_t Stats::TotalCommands() const {
  uint64_t total = 0;
  std::lock_guard lock(mutex_);
  for (const auto& [id, block] : blocks_) {
    total += block->total_commands_processed.Get();
  }
  return total;
}

void Stats::Reset() {
  std::lock_guard lock(mutex_);
  for (auto& [id, block] : blocks_) {
#define CACHETTE_RESET(name) block->name.Reset();
    CACHETTE_THREAD_COUNTERS(CACHETTE_RESET)
#undef CACHETTE_RESET
    for (size_t i = 0; i < command_count_; ++i) {
      CommandCounters& counters = block->command(i);
#define CACHETTE_RESET(name) counters.name.Reset();
      CACHETTE_COMMAND_COUNTERS(CACHETTE_RESET)
#undef CACHETTE_RESET
    }
    std::lock_guard errors_lock(block->errors_mutex_);
    block->errors_.clear();
  }
  for (Ring& ring : rings_) {
    // Keep last_time/last_value: the next sample measures from them, as Redis does.
    ring.samples.fill(0);
    ring.index = 0;
  }
  peak_memory_ = 0;
}

void Stats::Sample(int64_t now_ms, uint64_t net_input_bytes, uint64_t net_output_bytes) {
  const uint64_t commands = TotalCommands();
  const uint64_t values[kMetricCount] = {commands, net_input_bytes, net_output_bytes};
  std::lock_guard lock(mutex_);
  for (size_t m = 0; m < kMetricCount; ++m) {
    Ring& ring = rings_[m];
    const int64_t elapsed_ms = now_ms - ring.last_time_ms;
    // A counter that went down was reset: count from zero.
    const uint64_t delta = values[m] >= ring.last_value ? values[m] - ring.last_value : values[m];
    const uint64_t rate = elapsed_ms > 0 && ring.last_time_ms != 0
                              ? delta * 1000 / static_cast<uint64_t>(elapsed_ms)
                              : 0;
    ring.samples[ring.index] = rate;
    ring.index = (ring.index + 1) % kSamples;
    ring.last_time_ms = now_ms;
    ring.last_value = values[m];
  }
}

InstantaneousMetrics Stats::Instantaneous() const {
  std::lock_guard lock(mutex_);
  auto mean = [&](Metric m) {
    uint64_t sum = 0;
    for (uint64_t sample : rings_[m].samples) {
      sum += sample;
    }
    return sum / kSamples;
  };
  InstantaneousMetrics metrics;
  metrics.ops_per_sec = mean(kCommands);
  metrics.input_kbps = static_cast<double>(mean(kInput)) / 1024;
  metrics.output_kbps = static_cast<double>(mean(kOutput)) / 1024;
  return metrics;
}

uint64_t Stats::ObserveMemory(uint64_t used) {
  std::lock_guard lock(mutex_);
  peak_memory_ = std::max(peak_memory_, used);
  return peak_memory_;
}

}  // namespace cachette::stats
