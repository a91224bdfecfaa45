#include "detail/io_thread.h"

#include <spdlog/spdlog.h>

#include <vector>

#include "cachette/config/config.h"
#include "cachette/util/clock.h"
#include "detail/connection.h"

namespace cachette::net::detail {

namespace {
// Also the longest an idle thread sleeps, so background work (active expiry, whose schedule
// is the store's: store/active_expiry.cc) is looked at least this often.
constexpr auto kHousekeepingPeriod = std::chrono::milliseconds(100);
thread_local IoThread* current_thread = nullptr;
}  // namespace

IoThread::IoThread(Shared& shared) : shared_(shared) { poller_watch_.assign(poller_.fd()); }

IoThread::~IoThread() {
  poller_watch_.release();  // the Poller closes its descriptor itself
}

IoThread* IoThread::Current() { return current_thread; }

std::vector<std::shared_ptr<Connection>> IoThread::Connections() const {
  std::vector<std::shared_ptr<Connection>> all;
  all.reserve(connections_.size());
  for (const auto& [key, connection] : connections_) {
    all.push_back(connection);
  }
  return all;
}

std::shared_ptr<Connection> IoThread::FindClient(uint64_t client_id) const {
  for (const auto& [key, connection] : connections_) {
    if (connection->client().id == client_id) {
      return connection;
    }
  }
  return nullptr;
}

void IoThread::Submit(std::function<void()> task) {
  {
    std::lock_guard lock(mailbox_mutex_);
    mailbox_.push_back(std::move(task));
  }
  boost::asio::post(context_, [this] { DrainMailbox(); });
}

void IoThread::DrainMailbox() {
  std::vector<std::function<void()>> tasks;
  {
    std::lock_guard lock(mailbox_mutex_);
    tasks.swap(mailbox_);
  }
  for (auto& task : tasks) {
    task();
  }
}

void IoThread::Add(std::shared_ptr<Connection> connection) {
  Connection* key = connection.get();
  connections_.emplace(key, std::move(connection));
}

void IoThread::Remove(Connection* connection) {
  const auto found = connections_.find(connection);
  if (found != connections_.end()) {
    retired_.push_back(std::move(found->second));
    connections_.erase(found);
  }
}

void IoThread::Run() {
  current_thread = this;
  shared_.service->SetThreadBusyServer([this] { ServeWhileBusy(); });
  // Before sleeping in epoll_wait, an idle thread polls for busy-poll-us microseconds. A
  // request that arrives meanwhile is served without a sleep and a wake-up: cheaper for the
  // sender (on loopback its kernel time pays for waking us), and faster for everyone. At
  // pipeline 1 this is what decides throughput against Redis (docs/benchmarks.md); it costs at
  // most busy-poll-us of CPU per idle period.
  while (!context_.stopped()) {
    if (PollOnce()) {
      RunBackground(/*idle=*/false);
      continue;
    }
    if (RunBackground(/*idle=*/true)) {
      continue;
    }
    const int64_t spin_us = shared_.config->Int(config::Id::kBusyPollUs);
    if (spin_us > 0 && PollFor(spin_us)) {
      continue;
    }
    // Sleep until the io_context has work or a socket of the Poller is ready. At shutdown, once
    // every connection is gone, nothing is watched and run_one returns when the rest is done.
    if (!shutting_down_ || !connections_.empty()) {
      WatchPoller();
    } else {
      work_.reset();
      if (poller_watched_) {
        poller_watch_.cancel();  // its completion is the last work
      }
    }
    const size_t ran = context_.run_one();
    EndRound();
    if (ran == 0) {
      break;
    }
  }
  shared_.service->SetThreadBusyServer(nullptr);
  finished_.set_value();
}

// How a script past busy-reply-threshold keeps its thread answering (Redis's
// processEventsWhileBlocked): every few milliseconds the VM's hook calls this, inside the
// script's command. Nested io_context::run() is not allowed, and an arbitrary handler could
// take locks or close the script's client, so instead each other connection that waits for
// input or writes a reply has its readiness waits dropped (they are flags and hold no data) and
// its socket written and read directly, without blocking (Connection::ServeWhileBusy); its commands
// go through the dispatcher, which, while
// Scripting::ServingWhileBusy(), answers -BUSY to every command without allow-busy. New
// connections come through the mailbox (Server::Impl::Admit) and are served the same way. The
// script's own client (dispatching) is skipped, so what it pipelined waits. When the script's
// command returns, AfterDispatch posts Unpark for each connection taken over, which writes and
// reads what came meanwhile (the Poller's edges of that time are not said again). Limits: a long
// redis.call or C call (no Lua instructions) does not reach the hook.
void IoThread::ServeWhileBusy() {
  if (shutting_down_ || !shared_.service->ScriptPastBusyThreshold()) {
    return;
  }
  serving_while_busy_ = true;
  FlushDeferred();  // replies that were waiting for the end of the loop's turn
  DrainMailbox();
  for (const auto& connection : Connections()) {
    connection->ServeWhileBusy();
  }
  serving_while_busy_ = false;
}

bool IoThread::PollOnce() {
  const bool sockets = poller_.Dispatch(0) != 0;
  EndRound();
  const bool queued = !next_round_.empty();
  if (queued) {
    this_round_.swap(next_round_);
    for (auto& work : this_round_) {
      work();
    }
    this_round_.clear();
    EndRound();
  }
  const bool handlers = context_.poll() != 0;
  EndRound();
  return sockets || queued || handlers || !next_round_.empty();
}

void IoThread::EndRound() {
  if (!deferred_flush_.empty()) {
    FlushDeferred();
  }
  retired_.clear();
}

// Asio serves a descriptor wait by re-arming it with epoll_ctl(EPOLL_CTL_MOD), which looks at the
// Poller's readiness again: sockets that became ready after the last round (whose edge the
// Poller's own epoll_wait did not take yet) wake the thread at once.
void IoThread::WatchPoller() {
  if (poller_watched_) {
    return;
  }
  poller_watched_ = true;
  poller_watch_.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                           [this](const boost::system::error_code&) { poller_watched_ = false; });
}

void IoThread::FlushDeferred() {
  flushing_.swap(deferred_flush_);
  for (const auto& connection : flushing_) {
    connection->FlushDeferred();
  }
  flushing_.clear();
}

void IoThread::NoteParked(std::shared_ptr<Connection> connection) { parked_.push_back(connection); }

void IoThread::UnparkAll() {
  std::vector<std::weak_ptr<Connection>> parked;
  parked.swap(parked_);
  for (auto& weak : parked) {
    boost::asio::post(context_, [weak] {
      if (auto connection = weak.lock()) {
        connection->Unpark();
      }
    });
  }
}

bool IoThread::RunBackground(bool idle) {
  return background_ && !shutting_down_ && background_(idle);
}

bool IoThread::PollFor(int64_t microseconds) {
  // The spin looks at the sockets only (one epoll_wait a turn); the io_context's handlers
  // (timers, posts from other threads) wait for its end, at most `microseconds`.
  const int64_t until = util::MonotonicUs() + microseconds;
  do {
    if (poller_.Dispatch(0) != 0) {
      EndRound();
      return true;
    }
  } while (util::MonotonicUs() < until && !context_.stopped());
  const bool handlers = context_.poll() != 0;
  EndRound();
  return handlers;
}

void IoThread::BeginShutdown() {
  shutting_down_ = true;
  shutdown_begun_.set_value();
  timer_.cancel();
  // The io_context knows nothing of the Poller's sockets: its work guard stays until the last
  // connection is gone (Run), or poll() would find no work and stop the loop under them.
  std::vector<std::shared_ptr<Connection>> all;
  all.reserve(connections_.size());
  for (auto& [key, connection] : connections_) {
    all.push_back(connection);
  }
  for (auto& connection : all) {
    connection->CloseWhenFlushed();
  }
}

void IoThread::StartHousekeeping() {
  timer_.expires_after(kHousekeepingPeriod);
  timer_.async_wait([this](const boost::system::error_code& error) {
    if (!error && !shutting_down_) {
      Housekeeping();
      StartHousekeeping();
    }
  });
}

void IoThread::Housekeeping() {
  const config::Config& config = *shared_.config;
  const int64_t timeout_us = config.Int(config::Id::kTimeout) * 1000000;
  const auto limits = config.NormalOutputLimit();
  const int64_t now_us = util::MonotonicUs();
  std::vector<std::shared_ptr<Connection>> idle;
  std::vector<std::shared_ptr<Connection>> over_limit;
  for (auto& [key, connection] : connections_) {
    // Redis exempts MONITOR clients (they are replicas to it) from `timeout`.
    if (timeout_us > 0 && !connection->client().monitor &&
        now_us - connection->last_activity_us() > timeout_us) {
      spdlog::debug("Closing idle client id={}", connection->client().id);
      idle.push_back(connection);
    } else if (limits.soft_bytes > 0 && connection->over_soft_limit_since_us() != 0 &&
               now_us - connection->over_soft_limit_since_us() > limits.soft_seconds * 1000000) {
      over_limit.push_back(connection);
    }
  }
  for (auto& connection : idle) {
    connection->Close();
  }
  for (auto& connection : over_limit) {
    connection->CloseForOutputLimit();
  }
}

}  // namespace cachette::net::detail
