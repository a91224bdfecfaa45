#include "cachette/net/server.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <filesystem>
#include <future>
#include <mutex>
#include <span>
#include <sstream>
#include <thread>
#include <vector>

#include "cachette/commands/server_context.h"
#include "cachette/commands/server_control.h"
#include "cachette/commands/service.h"
#include "cachette/config/config.h"
#include "cachette/protocol/errors.h"
#include "cachette/util/clock.h"
#include "detail/asio.h"
#include "detail/connection.h"
#include "detail/io_thread.h"

namespace cachette::net {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {
// How long shutdown waits for pending replies to reach slow clients before closing anyway.
constexpr auto kShutdownFlushDeadline = std::chrono::seconds(2);
// Descriptors kept for everything but clients (Redis's CONFIG_MIN_RESERVED_FDS): listening
// sockets, event loops, logs. More when the process already holds more at start (each I/O
// thread's event loop holds three), so that kSpareFds stay free for files opened later.
constexpr int64_t kMinReservedFds = 32;
constexpr int64_t kSpareFds = 8;
// Out of descriptors, the listening sockets stay readable: accepting again at once would spin.
// Accepting waits this long, after refusing what waits in the backlog.
constexpr auto kAcceptRetryDelay = std::chrono::milliseconds(100);
// Most waiting clients refused per round while out of descriptors.
constexpr int kRefusalsPerRound = 64;

// What RLIMIT_NOFILE lets us have, as Redis's adjustOpenFilesLimit decides it: the soft limit
// is raised to maxclients + reserved when it is lower (the hard limit too, when privileged);
// when that fails, maxclients is what the limit leaves after the reserve.
struct DescriptorFit {
  int64_t maxclients = 0;  // what the limit allows (<= the request)
  uint64_t wanted = 0;     // descriptors the request needs
  uint64_t original = 0;   // the soft limit before
  uint64_t limit = 0;      // the soft limit now
  int error = 0;           // errno of the failed raise
};

DescriptorFit FitDescriptorLimit(int64_t maxclients, int64_t reserved) {
  DescriptorFit fit;
  fit.wanted = static_cast<uint64_t>(maxclients + reserved);
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) {
    fit.error = errno;
    fit.original = fit.limit = 1024;
    fit.maxclients = std::min<int64_t>(maxclients, 1024 - reserved);
    return fit;
  }
  fit.original = fit.limit = limit.rlim_cur;
  fit.maxclients = maxclients;
  if (limit.rlim_cur >= fit.wanted) {
    return fit;
  }
  rlimit raised{fit.wanted, std::max<rlim_t>(limit.rlim_max, fit.wanted)};
  if (setrlimit(RLIMIT_NOFILE, &raised) == 0) {
    fit.limit = fit.wanted;
    return fit;
  }
  fit.error = errno;
  // Unprivileged: the soft limit can still go up to the hard one.
  raised = {limit.rlim_max, limit.rlim_max};
  if (limit.rlim_max > limit.rlim_cur && setrlimit(RLIMIT_NOFILE, &raised) == 0) {
    fit.limit = limit.rlim_max;
  }
  fit.maxclients = static_cast<int64_t>(fit.limit) - reserved;
  return fit;
}

int64_t OpenDescriptors() {
  std::error_code error;
  int64_t count = 0;
  for (auto it = std::filesystem::directory_iterator("/proc/self/fd", error);
       !error && it != std::filesystem::directory_iterator(); it.increment(error)) {
    ++count;
  }
  return count;
}

// One descriptor held back (on /dev/null) so that, out of descriptors, the server can still
// accept a waiting client to tell it so and close it, instead of leaving it in the backlog.
class ReserveDescriptor {
 public:
  ReserveDescriptor() { Open(); }
  ~ReserveDescriptor() { Release(); }
  ReserveDescriptor(const ReserveDescriptor&) = delete;
  ReserveDescriptor& operator=(const ReserveDescriptor&) = delete;
  // Closes it, to free a descriptor; false when there was none to free.
  bool Release() {
    if (fd_ < 0) {
      return false;
    }
    ::close(fd_);
    fd_ = -1;
    return true;
  }
  void Open() {
    if (fd_ < 0) {
      fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    }
  }

 private:
  int fd_ = -1;
};

// Closes an accepted descriptor at the end of its scope.
class AcceptedDescriptor {
 public:
  explicit AcceptedDescriptor(int fd) : fd_(fd) {}
  ~AcceptedDescriptor() {
    if (fd_ >= 0) {
      ::close(fd_);
    }
  }
  AcceptedDescriptor(const AcceptedDescriptor&) = delete;
  AcceptedDescriptor& operator=(const AcceptedDescriptor&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

bool OutOfDescriptors(const boost::system::error_code& error) {
  const int code = error.value();
  return error.category() == boost::system::system_category() &&
         (code == EMFILE || code == ENFILE || code == ENOBUFS || code == ENOMEM);
}
// An I/O thread that has not begun its shutdown by then is stuck inside one command that no
// hook can stop (a script inside a single long C call such as string.find with a pathological
// pattern): the process ends without it, so SIGTERM and SHUTDOWN NOSAVE take well under a
// second however the threads are occupied.
constexpr auto kStuckThreadDeadline = std::chrono::milliseconds(500);
// After the loops are told to stop, how long a thread may take to return from its handler.
constexpr auto kStopDeadline = std::chrono::milliseconds(500);

// A connection as ForEachClient's visitor sees it, on the connection's own thread.
class VisitedClient final : public commands::ClientHandle {
 public:
  explicit VisitedClient(detail::Connection& connection) : connection_(connection) {}
  const commands::ClientState& state() const override { return connection_.client(); }
  commands::ConnectionFigures figures() const override { return connection_.Figures(); }
  void Kill() override { connection_.Kill(); }

 private:
  detail::Connection& connection_;
};

void VisitThread(detail::IoThread& thread,
                 const std::function<void(commands::ClientHandle&)>& visit) {
  for (const auto& connection : thread.Connections()) {
    if (connection->gone()) {
      continue;
    }
    VisitedClient client(*connection);
    visit(client);
  }
}

// ForEachClient's rendezvous: the visits still to run on other threads. When the caller stops
// waiting (shutdown), visits not yet started are cancelled, as `visit` is about to go away.
struct VisitState {
  std::mutex mutex;
  std::condition_variable done;
  size_t pending = 0;
  size_t running = 0;
  bool cancelled = false;
};
}  // namespace

class Server::Impl : public commands::ServerControl {
 public:
  Impl(config::Config& config, commands::Service& service) : config_(config), service_(service) {
    shared_.config = &config;
    shared_.service = &service;
    shared_.control = this;
  }
  ~Impl() override { service_.AttachControl(nullptr); }

  std::optional<std::string> Start();
  void RunUntilShutdown();
  int port() const { return port_; }

  // ServerControl:
  void RequestShutdown() override {
    asio::post(main_context_, [this] { main_context_.stop(); });
  }
  commands::NetworkStats GetNetworkStats() const override;
  void ResetNetworkStats() override;
  int tcp_port() const override { return port_; }
  void ForEachClient(const std::function<void(commands::ClientHandle&)>& visit,
                     bool local_only) override;
  commands::ConnectionFigures FiguresOf(const commands::ClientState& client) override;
  void StartMonitor(const commands::ClientState& client) override;
  void StopMonitor(const commands::ClientState& client) override;
  void FeedMonitors(std::string line) override;

 private:
  void Accept(size_t listener);
  // Out of descriptors: refuses the clients waiting on the listener (with the reserve
  // descriptor), then accepts again after kAcceptRetryDelay.
  void RefuseWhileOutOfDescriptors(size_t listener);
  void Admit(detail::IoThread& thread, tcp::socket socket);
  // Caps maxclients to what RLIMIT_NOFILE allows (raising it first if it can), and makes
  // CONFIG SET maxclients refuse what it cannot allow; logs as Redis does.
  std::optional<std::string> FitMaxclients();
  // Shutdown found an I/O thread that does not return to its loop: joins the threads that did
  // finish (`finished`, one per thread), then ends the process (status 0).
  [[noreturn]] void ExitWithoutStuckThreads(std::vector<std::future<void>>& finished);

  config::Config& config_;
  commands::Service& service_;
  detail::Shared shared_;
  std::vector<std::unique_ptr<detail::IoThread>> threads_;
  std::vector<std::thread> os_threads_;
  // After threads_ (sockets being accepted belong to the I/O threads' contexts) and before
  // the acceptors, which belong to it: the members are destroyed in the reverse order.
  asio::io_context main_context_{1};
  // Created before any I/O thread starts, so a signal is never handled by the default action.
  asio::signal_set signals_{main_context_, SIGINT, SIGTERM};
  std::vector<std::unique_ptr<tcp::acceptor>> acceptors_;
  std::vector<std::unique_ptr<asio::steady_timer>> accept_retry_timers_;  // one per acceptor
  ReserveDescriptor reserve_fd_;
  size_t next_thread_ = 0;
  int port_ = 0;
};

std::optional<std::string> Server::Impl::Start() {
  size_t thread_count = static_cast<size_t>(config_.Int(config::Id::kThreads));
  if (thread_count == 0) {
    thread_count = std::max(1u, std::thread::hardware_concurrency());
  }
  for (size_t i = 0; i < thread_count; ++i) {
    threads_.push_back(std::make_unique<detail::IoThread>(shared_));
  }

  // Listening sockets live on the main thread's context (which otherwise only waits for
  // signals), so a new client is accepted even while an I/O thread is busy with a long command
  // (DEBUG SLEEP, a script); accepted sockets are spread round-robin over the I/O threads.
  std::istringstream addresses(config_.String(config::Id::kBind));
  const auto port = static_cast<unsigned short>(config_.Int(config::Id::kPort));
  const int backlog = static_cast<int>(config_.Int(config::Id::kTcpBacklog));
  std::string address;
  while (addresses >> address) {
    const bool optional = address.starts_with('-');  // Redis: "-addr" may fail to bind
    if (optional) {
      address.erase(0, 1);
    }
    if (address == "*") {
      address = "0.0.0.0";
    } else if (address == "::*") {
      address = "::";
    }
    boost::system::error_code error;
    const auto ip = asio::ip::make_address(address, error);
    if (error) {
      return "Invalid bind address '" + address + "'";
    }
    tcp::endpoint endpoint(ip, port_ != 0 ? static_cast<unsigned short>(port_) : port);
    auto acceptor = std::make_unique<tcp::acceptor>(main_context_);
    acceptor->open(endpoint.protocol(), error);
    if (!error) {
      acceptor->set_option(asio::socket_base::reuse_address(true), error);
      if (ip.is_v6()) {
        acceptor->set_option(asio::ip::v6_only(true), error);
      }
      acceptor->bind(endpoint, error);
    }
    if (!error) {
      acceptor->listen(backlog, error);
    }
    if (error) {
      if (optional) {
        continue;
      }
      return "Could not create server TCP listening socket " + address + ":" +
             std::to_string(endpoint.port()) + ": " + error.message();
    }
    port_ = acceptor->local_endpoint().port();
    acceptors_.push_back(std::move(acceptor));
  }
  if (acceptors_.empty()) {
    return std::string("No listening socket could be bound");
  }
  if (auto error = FitMaxclients()) {
    return error;
  }
  for (size_t i = 0; i < acceptors_.size(); ++i) {
    accept_retry_timers_.push_back(std::make_unique<asio::steady_timer>(main_context_));
    Accept(i);
  }
  for (size_t i = 0; i < threads_.size(); ++i) {
    // Each thread expires the keys of its own share of the shards.
    threads_[i]->SetBackgroundWork([this, part = static_cast<unsigned>(i),
                                    parts = static_cast<unsigned>(threads_.size())](bool idle) {
      return service_.RunBackgroundSlice(idle, part, parts);
    });
  }
  // From here on commands may reach this server (the sampler reads threads_, which no longer
  // changes, and the start-up memory is taken with the listeners in place, as Redis takes it);
  // no I/O thread runs yet, so none sees the control appear.
  service_.AttachControl(this);
  for (auto& thread : threads_) {
    thread->StartHousekeeping();
    os_threads_.emplace_back([io = thread.get()] { io->Run(); });
  }
  spdlog::info("Ready to accept connections tcp on port {} with {} I/O thread(s)", port_,
               threads_.size());
  return std::nullopt;
}

void Server::Impl::Accept(size_t listener) {
  detail::IoThread& target = *threads_[next_thread_];
  next_thread_ = (next_thread_ + 1) % threads_.size();
  acceptors_[listener]->async_accept(
      target.context(),
      [this, listener, &target](const boost::system::error_code& error, tcp::socket socket) {
        if (error == asio::error::operation_aborted) {
          return;
        }
        if (!error) {
          Admit(target, std::move(socket));
        } else if (OutOfDescriptors(error)) {
          RefuseWhileOutOfDescriptors(listener);
          return;
        }
        Accept(listener);
      });
}

void Server::Impl::RefuseWhileOutOfDescriptors(size_t listener) {
  tcp::acceptor& acceptor = *acceptors_[listener];
  const std::string reply = "-" + std::string(protocol::errors::kMaxClients) + "\r\n";
  int refused = 0;
  while (refused < kRefusalsPerRound && reserve_fd_.Release()) {
    bool accepted = false;
    {
      AcceptedDescriptor client(
          ::accept4(acceptor.native_handle(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
      if (client.get() >= 0) {
        // Best effort, as Redis's own refusal: a fresh socket's buffer takes these bytes.
        (void)::send(client.get(), reply.data(), reply.size(), MSG_NOSIGNAL);
        shared_.rejected_connections.fetch_add(1, std::memory_order_relaxed);
        ++refused;
        accepted = true;
      }
    }  // closed before the reserve takes its descriptor back
    reserve_fd_.Open();
    if (!accepted) {
      break;  // the backlog is empty (or still no descriptor to spare)
    }
  }
  spdlog::warn("Accepting client connection: out of file descriptors; refused {} client(s)",
               refused);
  asio::steady_timer& timer = *accept_retry_timers_[listener];
  timer.expires_after(kAcceptRetryDelay);
  timer.async_wait([this, listener](const boost::system::error_code& error) {
    if (!error && acceptors_[listener]->is_open()) {
      Accept(listener);
    }
  });
}

std::optional<std::string> Server::Impl::FitMaxclients() {
  const int64_t reserved = std::max(kMinReservedFds, OpenDescriptors() + kSpareFds);
  const int64_t requested = config_.Int(config::Id::kMaxclients);
  const DescriptorFit fit = FitDescriptorLimit(requested, reserved);
  if (fit.maxclients < 1) {
    return fmt::format(
        "Your current 'ulimit -n' of {} is not enough for the server to start. Please increase "
        "your open file limit to at least {}. Exiting.",
        fit.original, fit.wanted);
  }
  if (fit.maxclients < requested) {
    spdlog::warn("You requested maxclients of {} requiring at least {} max file descriptors.",
                 requested, fit.wanted);
    spdlog::warn("Server can't set maximum open files to {} because of OS error: {}.", fit.wanted,
                 std::strerror(fit.error));
    spdlog::warn(
        "Current maximum open files is {}. maxclients has been reduced to {} to compensate for "
        "low ulimit. If you need higher maxclients increase 'ulimit -n'.",
        fit.limit, fit.maxclients);
    const std::string value = std::to_string(fit.maxclients);
    const std::pair<std::string_view, std::string_view> pair{"maxclients", value};
    (void)config_.Set(std::span(&pair, 1));
  } else if (fit.limit != fit.original) {
    spdlog::info("Increased maximum number of open files to {} (it was originally set to {}).",
                 fit.limit, fit.original);
  }
  // CONFIG SET maxclients: more than the limit can be raised to is refused (Redis's message).
  config_.SetApplyHook(config::Id::kMaxclients,
                       [reserved](const config::Config& updated) -> std::optional<std::string> {
                         const int64_t wanted = updated.Int(config::Id::kMaxclients);
                         const DescriptorFit fit = FitDescriptorLimit(wanted, reserved);
                         if (fit.maxclients < wanted) {
                           return std::string(protocol::errors::kMaxClientsOverFdLimit) +
                                  std::to_string(fit.maxclients);
                         }
                         return std::nullopt;
                       });
  return std::nullopt;
}

void Server::Impl::Admit(detail::IoThread& thread, tcp::socket socket) {
  shared_.connections_received.fetch_add(1, std::memory_order_relaxed);
  const int64_t connected = shared_.connected.fetch_add(1, std::memory_order_relaxed);
  if (connected >= config_.Int(config::Id::kMaxclients)) {
    shared_.connected.fetch_sub(1, std::memory_order_relaxed);
    shared_.rejected_connections.fetch_add(1, std::memory_order_relaxed);
    const std::string reply = "-" + std::string(protocol::errors::kMaxClients) + "\r\n";
    boost::system::error_code ignored;
    asio::write(socket, asio::buffer(reply), ignored);
    socket.close(ignored);
    return;
  }
  const uint64_t id = shared_.next_client_id.fetch_add(1, std::memory_order_relaxed);
  // The socket belongs to the target thread's context: build the connection there, through
  // the mailbox, which a thread busy with a long script still drains (IoThread::ServeWhileBusy).
  auto accepted = std::make_shared<tcp::socket>(std::move(socket));
  thread.Submit([this, &thread, id, accepted] {
    auto connection =
        std::make_shared<detail::Connection>(thread, shared_, std::move(*accepted), id);
    thread.Add(connection);
    connection->Start();
  });
}

void Server::Impl::RunUntilShutdown() {
  signals_.async_wait([this](const boost::system::error_code& error, int signal) {
    if (!error) {
      spdlog::info("Received {}, scheduling shutdown...", signal == SIGINT ? "SIGINT" : "SIGTERM");
      main_context_.stop();
    }
  });
  auto guard = asio::make_work_guard(main_context_);
  main_context_.run();
  spdlog::info("User requested shutdown...");
  shared_.stopping.store(true);
  // Commands that wait on purpose end early; a script that does not end would keep its I/O
  // thread from ever closing: it is stopped, as SHUTDOWN NOSAVE does.
  service_.BeginShutdown();

  // Stop accepting (the acceptors belong to this thread's context, stopped now), then let
  // every thread close its clients.
  for (auto& acceptor : acceptors_) {
    boost::system::error_code ignored;
    acceptor->close(ignored);
  }
  std::vector<std::future<void>> begun;
  std::vector<std::future<void>> finished;
  for (auto& thread : threads_) {
    begun.push_back(thread->shutdown_begun());
    finished.push_back(thread->finished());
    asio::post(thread->context(), [io = thread.get()] { io->BeginShutdown(); });
  }
  const auto stuck_deadline = std::chrono::steady_clock::now() + kStuckThreadDeadline;
  for (auto& future : begun) {
    if (future.wait_until(stuck_deadline) != std::future_status::ready) {
      ExitWithoutStuckThreads(finished);
    }
  }
  // Threads end when their last connection is gone; slow clients get a bounded grace period.
  const auto deadline = std::chrono::steady_clock::now() + kShutdownFlushDeadline;
  for (auto& future : finished) {
    future.wait_until(deadline);
  }
  for (auto& thread : threads_) {
    thread->context().stop();
  }
  const auto stop_deadline = std::chrono::steady_clock::now() + kStopDeadline;
  for (auto& future : finished) {
    if (future.wait_until(stop_deadline) != std::future_status::ready) {
      ExitWithoutStuckThreads(finished);
    }
  }
  for (auto& os_thread : os_threads_) {
    os_thread.join();
  }
  spdlog::info("Cachette is now ready to exit, bye bye...");
}

void Server::Impl::ExitWithoutStuckThreads(std::vector<std::future<void>>& finished) {
  // Joining the stuck thread would wait for as long as its command runs (minutes, or forever),
  // and destroying the server under it is not safe: end the process here. Nothing is persisted,
  // so nothing is lost; the status is a normal shutdown's, as asked for. The threads that did
  // finish are joined first (nothing is left running but the stuck one).
  spdlog::warn("An I/O thread is stuck in a command that cannot be interrupted; exiting now");
  for (size_t i = 0; i < finished.size() && i < os_threads_.size(); ++i) {
    if (finished[i].wait_for(std::chrono::milliseconds(100)) == std::future_status::ready) {
      os_threads_[i].join();
    }
  }
  spdlog::info("Cachette is now ready to exit, bye bye...");
  spdlog::default_logger()->flush();
  _exit(0);
}

commands::NetworkStats Server::Impl::GetNetworkStats() const {
  commands::NetworkStats stats;
  stats.connected_clients = static_cast<uint64_t>(shared_.connected.load());
  stats.total_connections_received = shared_.connections_received.load();
  stats.rejected_connections = shared_.rejected_connections.load();
  stats.client_query_buffer_limit_disconnections = shared_.query_limit_disconnections.load();
  stats.client_output_buffer_limit_disconnections = shared_.output_limit_disconnections.load();
  stats.io_threads = threads_.size();
  for (const auto& thread : threads_) {
    stats.total_net_input_bytes += thread->net_input_bytes.Get();
    stats.total_net_output_bytes += thread->net_output_bytes.Get();
  }
  return stats;
}

void Server::Impl::ResetNetworkStats() {
  shared_.connections_received.store(0);
  shared_.rejected_connections.store(0);
  shared_.query_limit_disconnections.store(0);
  shared_.output_limit_disconnections.store(0);
  // Per-thread counters are reset on their own threads, so their single writer stays single.
  for (auto& thread : threads_) {
    asio::post(thread->context(), [io = thread.get()] {
      io->net_input_bytes.Reset();
      io->net_output_bytes.Reset();
    });
  }
}

void Server::Impl::ForEachClient(const std::function<void(commands::ClientHandle&)>& visit,
                                 bool local_only) {
  detail::IoThread* current = detail::IoThread::Current();
  if (current != nullptr) {
    VisitThread(*current, visit);
    if (local_only) {
      return;
    }
  }
  auto state = std::make_shared<VisitState>();
  for (auto& thread : threads_) {
    if (thread.get() == current) {
      continue;
    }
    {
      // Under the mutex: a task submitted in an earlier round may already be counting down.
      std::lock_guard lock(state->mutex);
      ++state->pending;
    }
    thread->Submit([state, &visit, io = thread.get()] {
      {
        std::lock_guard lock(state->mutex);
        if (state->cancelled) {
          return;
        }
        ++state->running;
      }
      VisitThread(*io, visit);
      std::lock_guard lock(state->mutex);
      --state->running;
      --state->pending;
      state->done.notify_all();
    });
  }
  std::unique_lock lock(state->mutex);
  while (state->pending != 0) {
    if (shared_.stopping.load()) {
      state->cancelled = true;
      state->done.wait(lock, [&] { return state->running == 0; });
      return;
    }
    if (current != nullptr) {
      lock.unlock();
      current->DrainMailbox();
      lock.lock();
    }
    state->done.wait_for(lock, std::chrono::microseconds(200));
  }
}

commands::ConnectionFigures Server::Impl::FiguresOf(const commands::ClientState& client) {
  detail::IoThread* current = detail::IoThread::Current();
  auto connection = current != nullptr ? current->FindClient(client.id) : nullptr;
  return connection != nullptr ? connection->Figures() : commands::ConnectionFigures{};
}

void Server::Impl::StartMonitor(const commands::ClientState& client) {
  detail::IoThread* current = detail::IoThread::Current();
  auto connection = current != nullptr ? current->FindClient(client.id) : nullptr;
  if (connection == nullptr) {
    return;
  }
  std::lock_guard lock(shared_.monitors_mutex);
  shared_.monitors.emplace_back(current, connection);
  set_monitor_count(shared_.monitors.size());
}

void Server::Impl::StopMonitor(const commands::ClientState& client) {
  std::lock_guard lock(shared_.monitors_mutex);
  std::erase_if(shared_.monitors, [&](const auto& monitor) {
    auto connection = monitor.second.lock();
    return connection == nullptr || connection->client().id == client.id;
  });
  set_monitor_count(shared_.monitors.size());
}

void Server::Impl::FeedMonitors(std::string line) {
  auto shared_line = std::make_shared<const std::string>(std::move(line));
  std::lock_guard lock(shared_.monitors_mutex);
  for (const auto& [thread, weak] : shared_.monitors) {
    asio::post(thread->context(), [weak, shared_line] {
      if (auto connection = weak.lock()) {
        connection->Push(*shared_line);
      }
    });
  }
}

Server::Server(config::Config& config, commands::Service& service)
    : impl_(std::make_unique<Impl>(config, service)) {}

Server::~Server() = default;

std::optional<std::string> Server::Start() { return impl_->Start(); }
void Server::RunUntilShutdown() { impl_->RunUntilShutdown(); }
int Server::port() const { return impl_->port(); }

}  // namespace cachette::net
