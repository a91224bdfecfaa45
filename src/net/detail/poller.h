#pragma once

// An I/O thread's own readiness poller for its client sockets: one epoll set in which each
// socket is registered once, edge-triggered, for input and output (EPOLLIN | EPOLLOUT |
// EPOLLRDHUP | EPOLLET), and never modified again. Asio's reactor re-arms a socket with one
// epoll_ctl per wait it is asked for, one system call per request batch; here a request costs
// its read and its write, and the thread's epoll_wait is shared by every socket that was ready,
// as in Redis's event loop.
//
// Edge-triggered means an event is reported once per change: a target must remember what it was
// told (input may be waiting, the socket may be writable) even when it was not waiting, and
// must read until a short read or EAGAIN before it waits again. Output readiness is reported
// with most events (a socket with room is writable); targets ignore it unless a write waits.
// The set itself is watched by the thread's io_context while the thread sleeps (IoThread::Run).

#include <sys/epoll.h>

#include <array>
#include <cstdint>

namespace cachette::net::detail {

class PollTarget {
 public:
  // `events`: epoll's bits (EPOLLIN, EPOLLOUT, EPOLLRDHUP, EPOLLHUP, EPOLLERR).
  virtual void OnEvents(uint32_t events) = 0;

 protected:
  ~PollTarget() = default;
};

class Poller {
 public:
  Poller();
  ~Poller();
  Poller(const Poller&) = delete;
  Poller& operator=(const Poller&) = delete;

  int fd() const { return fd_; }
  // Watches `fd` for `target` until Remove (or until the descriptor is closed); false with
  // errno set when epoll refuses it.
  bool Add(int fd, PollTarget* target);
  void Remove(int fd);
  // Waits up to `timeout_ms` (0: does not wait) and calls each ready target; returns how many
  // were ready. A target may be closed by another's handler in the same round: the caller keeps
  // closed targets alive until the round is over (IoThread's retired list).
  int Dispatch(int timeout_ms);

 private:
  static constexpr int kMaxEvents = 256;
  int fd_ = -1;
  std::array<epoll_event, kMaxEvents> events_{};
};

}  // namespace cachette::net::detail
