#include "detail/poller.h"

#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace cachette::net::detail {

Poller::Poller() : fd_(::epoll_create1(EPOLL_CLOEXEC)) {
  if (fd_ < 0) {
    throw std::system_error(errno, std::generic_category(), "epoll_create1");
  }
}

Poller::~Poller() { ::close(fd_); }

bool Poller::Add(int fd, PollTarget* target) {
  epoll_event event{};
  event.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
  event.data.ptr = target;
  return ::epoll_ctl(fd_, EPOLL_CTL_ADD, fd, &event) == 0;
}

void Poller::Remove(int fd) { ::epoll_ctl(fd_, EPOLL_CTL_DEL, fd, nullptr); }

int Poller::Dispatch(int timeout_ms) {
  const int ready = ::epoll_wait(fd_, events_.data(), kMaxEvents, timeout_ms);
  for (int i = 0; i < ready; ++i) {
    static_cast<PollTarget*>(events_[i].data.ptr)->OnEvents(events_[i].events);
  }
  return ready < 0 ? 0 : ready;
}

}  // namespace cachette::net::detail
