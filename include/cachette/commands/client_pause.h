#pragma once

// CLIENT PAUSE's state: until the end instant (Unix ms) the connections hold back the commands
// of the pause's kind (Dispatcher::MustPostpone), and active expiry stops. Read by every
// command while no pause is set at the cost of one relaxed load (active()); the pause ends by
// itself when its instant passes (the first reader to see that clears it).
//
// The end and the kind share one atomic word (end << 2 | kind), so setting a pause and clearing
// an ended one are each one compare-and-swap: with two words, a reader clearing an old pause
// could overwrite the kind of a new one set meanwhile (the new pause would then hold nothing
// back while still stopping active expiry).

#include <atomic>
#include <cstdint>

namespace cachette::commands {

class ClientPause {
 public:
  enum Mode : int { kNone = 0, kWrite = 1, kAll = 2 };

  // Whether a pause was set and not yet seen to be over (one relaxed load).
  bool active() const { return state_.load(std::memory_order_relaxed) != 0; }
  // Whether a pause holds at `now_ms`.
  bool PausedAt(int64_t now_ms) const {
    const int64_t end = EndOf(state_.load(std::memory_order_relaxed));
    return end != 0 && now_ms < end;
  }
  // The pause's kind at `now_ms`: kNone once its end has passed (and then clears it).
  Mode ModeAt(int64_t now_ms) {
    int64_t state = state_.load(std::memory_order_relaxed);
    if (state == 0) {
      return kNone;
    }
    if (now_ms >= EndOf(state)) {
      // Over: cleared unless a newer pause replaced it meanwhile.
      state_.compare_exchange_strong(state, 0, std::memory_order_relaxed);
      return kNone;
    }
    return ModeOf(state);
  }
  // CLIENT PAUSE as Redis merges pauses: a pause never narrows (ALL stays ALL while it holds)
  // and never ends earlier than one already set.
  void Pause(Mode mode, int64_t end_ms, int64_t now_ms) {
    end_ms = end_ms < 0 ? 0 : end_ms > kMaxEndMs ? kMaxEndMs : end_ms;
    int64_t state = state_.load(std::memory_order_relaxed);
    while (true) {
      const bool holding = state != 0 && now_ms < EndOf(state);
      const Mode merged = !holding || mode > ModeOf(state) ? mode : ModeOf(state);
      const int64_t end = !holding || end_ms > EndOf(state) ? end_ms : EndOf(state);
      if (state_.compare_exchange_weak(state, (end << 2) | merged, std::memory_order_relaxed)) {
        return;
      }
    }
  }
  // CLIENT UNPAUSE.
  void Unpause() { state_.store(0, std::memory_order_relaxed); }

  // For tests: what is set now, ended or not.
  int64_t end_ms() const { return EndOf(state_.load(std::memory_order_relaxed)); }
  Mode mode() const { return ModeOf(state_.load(std::memory_order_relaxed)); }

 private:
  // Ends later than this (about 73 million years away) are kept as this.
  static constexpr int64_t kMaxEndMs = INT64_MAX >> 2;
  static int64_t EndOf(int64_t state) { return state >> 2; }
  static Mode ModeOf(int64_t state) { return static_cast<Mode>(state & 3); }

  std::atomic<int64_t> state_{0};  // end << 2 | mode; 0: no pause
};

}  // namespace cachette::commands
