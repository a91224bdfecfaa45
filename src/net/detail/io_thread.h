#pragma once

// An I/O thread: its io_context, the connections it owns, its counters and its once-a-second
// housekeeping (idle timeout, soft output limit). Everything here but the counters is touched
// only from the thread itself; other threads post work to `context`.

#include <atomic>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <vector>

#include "asio.h"
#include "cachette/commands/server_control.h"
#include "cachette/commands/service.h"
#include "poller.h"

namespace cachette::config {
class Config;
}

namespace cachette::net::detail {

class Connection;
class IoThread;

// Written by one thread, read by INFO from any thread: a relaxed load/store pair, no lock
// prefix on the hot path.
class Counter {
 public:
  void Add(uint64_t n) {
    value_.store(value_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  uint64_t Get() const { return value_.load(std::memory_order_relaxed); }
  void Reset() { value_.store(0, std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

// State shared by every thread, read-mostly.
struct Shared {
  config::Config* config = nullptr;
  commands::Service* service = nullptr;
  commands::ServerControl* control = nullptr;  // the server, for what connections ask of it
  std::atomic<uint64_t> next_client_id{1};
  std::atomic<int64_t> connected{0};
  std::atomic<uint64_t> connections_received{0};
  std::atomic<uint64_t> rejected_connections{0};
  // Clients closed for passing client-output-buffer-limit / client-query-buffer-limit.
  std::atomic<uint64_t> output_limit_disconnections{0};
  std::atomic<uint64_t> query_limit_disconnections{0};
  std::atomic<bool> stopping{false};
  // The monitoring connections (ServerControl::has_monitors counts them).
  std::mutex monitors_mutex;
  std::vector<std::pair<IoThread*, std::weak_ptr<Connection>>> monitors;
};

class IoThread {
 public:
  explicit IoThread(Shared& shared);
  ~IoThread();

  boost::asio::io_context& context() { return context_; }
  Poller& poller() { return poller_; }
  Shared& shared() { return shared_; }

  void Add(std::shared_ptr<Connection> connection);
  void Remove(Connection* connection);
  // Every connection of this thread; call on this thread.
  std::vector<std::shared_ptr<Connection>> Connections() const;
  // The connection of a client of this thread, or null; call on this thread.
  std::shared_ptr<Connection> FindClient(uint64_t client_id) const;
  // The I/O thread running the caller, or null on any other thread.
  static IoThread* Current();

  // Cross-thread requests (CLIENT LIST/KILL): any thread submits; this thread runs them from a
  // posted handler, or earlier from DrainMailbox while it waits for other threads' answers
  // itself (so two threads waiting for each other still make progress). Each runs once.
  void Submit(std::function<void()> task);
  void DrainMailbox();
  // Registered as this thread's Scripting busy server (Run): once the running script is past
  // busy-reply-threshold, admits new connections (the mailbox) and serves every other
  // connection of the thread (Connection::ServeWhileBusy). Runs from the VM's hook, inside
  // the script's command: it never runs event-loop handlers.
  void ServeWhileBusy();
  bool serving_while_busy() const { return serving_while_busy_; }
  // A connection whose reads ServeWhileBusy took over; given back after the script.
  void NoteParked(std::shared_ptr<Connection> connection);
  // After each command: when connections were parked during it (the script's command),
  // posts their Unpark. Cheap when none were.
  void AfterDispatch() {
    if (!parked_.empty() && !serving_while_busy_) [[unlikely]] {
      UnparkAll();
    }
  }
  // Replies are written once every connection the event loop found ready has run its
  // commands (Redis writes before it sleeps): a connection with replies to send asks for a
  // flush, and the loop writes them all after each round (Run).
  void DeferFlush(std::shared_ptr<Connection> connection) {
    deferred_flush_.push_back(std::move(connection));
  }
  void FlushDeferred();
  // Runs `work` in the thread's next round, after the sockets the Poller finds ready then: a
  // connection's next slice of input or of a long command waits for one turn of every other
  // connection. (A handler posted to the io_context would not: poll() runs what its handlers
  // post before it returns, and a client streaming input would starve the Poller's sockets.)
  void NextRound(std::function<void()> work) { next_round_.push_back(std::move(work)); }
  // Posted to this thread at shutdown: closes every connection once its write is done.
  void BeginShutdown();
  void StartHousekeeping();
  // Work the thread interleaves with requests, called on every turn of its loop (`idle`: the
  // thread found nothing else to do); it decides itself whether anything is due. Returns true
  // while a backlog remains.
  using BackgroundWork = std::function<bool(bool idle)>;
  void SetBackgroundWork(BackgroundWork work) { background_ = std::move(work); }
  // Runs the event loop on the calling thread until BeginShutdown has let every connection go
  // (or the context is stopped); then `finished()` becomes ready.
  void Run();
  std::future<void> finished() { return finished_.get_future(); }
  // Ready once BeginShutdown ran: a thread whose future stays unready is stuck in a handler.
  std::future<void> shutdown_begun() { return shutdown_begun_.get_future(); }

  Counter net_input_bytes;
  Counter net_output_bytes;

 private:
  void Housekeeping();
  // Runs ready handlers for up to `microseconds`; true as soon as one ran.
  bool PollFor(int64_t microseconds);
  // One non-blocking round: the Poller's ready sockets, then the io_context's ready handlers
  // (timers, posts, accepted connections), each followed by the deferred writes; true when
  // anything ran.
  bool PollOnce();
  // After each round: writes deferred replies and lets go of connections closed in it.
  void EndRound();
  // Before the thread sleeps in the io_context: it also wakes for the Poller's descriptor.
  void WatchPoller();
  // Calls the background work; true when it left a backlog.
  bool RunBackground(bool idle);

  Shared& shared_;
  boost::asio::io_context context_{1};
  Poller poller_;
  // The Poller's epoll descriptor as seen by the io_context (not owned: released before the
  // Poller closes it).
  boost::asio::posix::stream_descriptor poller_watch_{context_};
  bool poller_watched_ = false;
  boost::asio::steady_timer timer_{context_};
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_{
      context_.get_executor()};
  std::unordered_map<Connection*, std::shared_ptr<Connection>> connections_;
  std::mutex mailbox_mutex_;
  std::vector<std::function<void()>> mailbox_;  // guarded by mailbox_mutex_
  std::promise<void> finished_;
  std::promise<void> shutdown_begun_;
  void UnparkAll();

  bool shutting_down_ = false;
  bool serving_while_busy_ = false;
  std::vector<std::weak_ptr<Connection>> parked_;
  std::vector<std::shared_ptr<Connection>> deferred_flush_;
  // The list being written (kept for its capacity).
  std::vector<std::shared_ptr<Connection>> flushing_;
  std::vector<std::function<void()>> next_round_;
  std::vector<std::function<void()>> this_round_;  // being run (kept for its capacity)
  // Connections closed during a round: the Poller's events of that round may still name them.
  std::vector<std::shared_ptr<Connection>> retired_;
  BackgroundWork background_;
};

}  // namespace cachette::net::detail
