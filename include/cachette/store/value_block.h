#pragma once

// Big values kept in the block their request argument was read into, as Redis keeps a big bulk's
// query buffer as the value's string: SET of a value of 32 KiB or more that the connection read
// into a block of its own (protocol::RespParser's big bulks) builds the entry around the bytes
// instead of copying them, so no step of the I/O thread touches the whole value at once.
//
// Layout: a separate entry (entry_arena.h) is one std::malloc block holding the arena's 8-byte
// prefix, the entry's header and size prefixes, the key, then the value. A block whose value
// bytes start at AdoptedValueOffset(key size, value size) has room for all of that in front of
// them; the bytes after the value (the request's line end) become the entry's spare capacity.
//
// Pins: the command that stored such a block still views its argument afterwards (MONITOR and
// the slow log read the arguments once the handler is done), while another thread may already
// overwrite or delete the key. A ValuePin held until the command is done keeps the block: a free
// asked meanwhile (or a growth that would move it) waits for the pin to go. Pins are rare (one
// per big SET, for the length of one command), so they live in one mutex-guarded list, looked at
// only when a separate entry is freed or moved while some pin is held.

#include <cstddef>
#include <utility>

namespace cachette::store {

// Where a value's bytes start in a block an entry can be built around, for these sizes.
size_t AdoptedValueOffset(size_t key_size, size_t value_size);

// Keeps one block from being freed or moved while held (see above). On the thread that holds it.
class ValuePin {
 public:
  ValuePin() = default;
  ~ValuePin() { Reset(); }
  ValuePin(ValuePin&& other) noexcept : block_(std::exchange(other.block_, nullptr)) {}
  ValuePin& operator=(ValuePin&& other) noexcept {
    if (this != &other) {
      Reset();
      block_ = std::exchange(other.block_, nullptr);
    }
    return *this;
  }

  // Pins `block` (a block about to become an entry's), letting go of the block pinned before.
  void Pin(const char* block);
  // Lets go: a free asked while pinned happens now.
  void Reset() {
    if (block_ != nullptr) {
      Release();
    }
  }

 private:
  void Release();
  const char* block_ = nullptr;
};

namespace detail {
// For the entry arena: true when `block` is pinned, in which case its free is put off until the
// pin goes (the caller must not free it).
bool DeferFreeIfPinned(char* block);
// True when `block` is pinned (it must not move).
bool IsPinned(const char* block);
}  // namespace detail

}  // namespace cachette::store
