#pragma once

// CLIENT PAUSE's state: until the end instant (Unix ms) the connections hold back the commands
// of the pause's kind (Dispatcher::MustPostpone), and active expiry stops. Read by every
// command while no pause is set at the cost of one relaxed load (active()); the pause ends by
// itself when its instant passes (the first reader to see that clears it).

#include <atomic>
#include <cstdint>

namespace cachette::commands {

class ClientPause {
 public:
  enum Mode : int { kNone = 0, kWrite = 1, kAll = 2 };

  // Whether a pause was set and not yet seen to be over (one relaxed load).
  bool active() const { return end_ms_.load(std::memory_order_relaxed) != 0; }
  // Whether a pause holds at `now_ms`.
  bool PausedAt(int64_t now_ms) const {
    const int64_t end = end_ms_.load(std::memory_order_relaxed);
    return end != 0 && now_ms < end;
  }
  // The pause's kind at `now_ms`: kNone once its end has passed (and then clears it).
  Mode ModeAt(int64_t now_ms) {
    const int64_t end = end_ms_.load(std::memory_order_relaxed);
    if (end == 0) {
      return kNone;
    }
    if (now_ms >= end) {
      // Over: the first to see it clears it (a newer pause would have a later end).
      int64_t expected = end;
      if (end_ms_.compare_exchange_strong(expected, 0)) {
        mode_.store(kNone, std::memory_order_relaxed);
      }
      return kNone;
    }
    return static_cast<Mode>(mode_.load(std::memory_order_relaxed));
  }
  // CLIENT PAUSE as Redis merges pauses: a pause never narrows (ALL stays ALL while it holds)
  // and never ends earlier than one already set.
  void Pause(Mode mode, int64_t end_ms, int64_t now_ms) {
    const bool holding = PausedAt(now_ms);
    if (!holding || mode > mode_.load(std::memory_order_relaxed)) {
      mode_.store(mode, std::memory_order_relaxed);
    }
    int64_t current = end_ms_.load(std::memory_order_relaxed);
    while ((!holding || end_ms > current) && !end_ms_.compare_exchange_weak(current, end_ms)) {
    }
  }
  // CLIENT UNPAUSE.
  void Unpause() {
    end_ms_.store(0, std::memory_order_relaxed);
    mode_.store(kNone, std::memory_order_relaxed);
  }

  // For tests: what is set now, ended or not.
  int64_t end_ms() const { return end_ms_.load(std::memory_order_relaxed); }
  Mode mode() const { return static_cast<Mode>(mode_.load(std::memory_order_relaxed)); }

 private:
  std::atomic<int64_t> end_ms_{0};
  std::atomic<int> mode_{kNone};
};

}  // namespace cachette::commands
