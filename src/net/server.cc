#include "cachette/net/server.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <sstream>
#include <thread>
#include <vector>

#include "cachette/commands/dispatcher.h"
#include "cachette/commands/server_context.h"
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
  Impl(config::Config& config, commands::ServerContext& context,
       const commands::CommandTable& table)
      : config_(config), context_(context), dispatcher_(context, table) {
    shared_.config = &config;
    shared_.dispatcher = &dispatcher_;
    shared_.monitor_count = &context_.monitors;
    context_.control = this;
  }

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
  void Accept(tcp::acceptor& acceptor);
  void Admit(detail::IoThread& thread, tcp::socket socket);

  config::Config& config_;
  commands::ServerContext& context_;
  commands::Dispatcher dispatcher_;
  detail::Shared shared_;
  std::vector<std::unique_ptr<detail::IoThread>> threads_;
  std::vector<std::thread> os_threads_;
  // After threads_ (sockets being accepted belong to the I/O threads' contexts) and before
  // the acceptors, which belong to it: the members are destroyed in the reverse order.
  asio::io_context main_context_{1};
  // Created before any I/O thread starts, so a signal is never handled by the default action.
  asio::signal_set signals_{main_context_, SIGINT, SIGTERM};
  std::vector<std::unique_ptr<tcp::acceptor>> acceptors_;
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
  for (auto& acceptor : acceptors_) {
    Accept(*acceptor);
  }
  for (size_t i = 0; i < threads_.size(); ++i) {
    // Each thread expires the keys of its own share of the shards.
    threads_[i]->SetBackgroundWork([this, part = static_cast<unsigned>(i),
                                    parts = static_cast<unsigned>(threads_.size())](bool idle) {
      return context_.background_work && context_.active_expire.load(std::memory_order_relaxed) &&
             !context_.Paused(util::UnixTimeMs()) && context_.background_work(idle, part, parts);
    });
  }
  for (auto& thread : threads_) {
    thread->StartHousekeeping();
    os_threads_.emplace_back([io = thread.get()] { io->Run(); });
  }
  spdlog::info("Ready to accept connections tcp on port {} with {} I/O thread(s)", port_,
               threads_.size());
  return std::nullopt;
}

void Server::Impl::Accept(tcp::acceptor& acceptor) {
  detail::IoThread& target = *threads_[next_thread_];
  next_thread_ = (next_thread_ + 1) % threads_.size();
  acceptor.async_accept(
      target.context(),
      [this, &acceptor, &target](const boost::system::error_code& error, tcp::socket socket) {
        if (error == asio::error::operation_aborted) {
          return;
        }
        if (!error) {
          Admit(target, std::move(socket));
        }
        Accept(acceptor);
      });
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
  context_.shutting_down.store(true);
  // A script that does not end would keep its I/O thread from ever closing: stop it, as
  // SHUTDOWN NOSAVE does.
  context_.scripting.ForceKill();

  // Stop accepting (the acceptors belong to this thread's context, stopped now), then let
  // every thread close its clients.
  for (auto& acceptor : acceptors_) {
    boost::system::error_code ignored;
    acceptor->close(ignored);
  }
  std::vector<std::future<void>> finished;
  for (auto& thread : threads_) {
    finished.push_back(thread->finished());
    asio::post(thread->context(), [io = thread.get()] { io->BeginShutdown(); });
  }
  // Threads end when their last connection is gone; slow clients get a bounded grace period.
  const auto deadline = std::chrono::steady_clock::now() + kShutdownFlushDeadline;
  for (auto& future : finished) {
    future.wait_until(deadline);
  }
  for (auto& thread : threads_) {
    thread->context().stop();
  }
  for (auto& os_thread : os_threads_) {
    os_thread.join();
  }
  spdlog::info("Cachette is now ready to exit, bye bye...");
}

commands::NetworkStats Server::Impl::GetNetworkStats() const {
  commands::NetworkStats stats;
  stats.connected_clients = static_cast<uint64_t>(shared_.connected.load());
  stats.total_connections_received = shared_.connections_received.load();
  stats.rejected_connections = shared_.rejected_connections.load();
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
  context_.monitors.store(static_cast<uint32_t>(shared_.monitors.size()),
                          std::memory_order_relaxed);
}

void Server::Impl::StopMonitor(const commands::ClientState& client) {
  std::lock_guard lock(shared_.monitors_mutex);
  std::erase_if(shared_.monitors, [&](const auto& monitor) {
    auto connection = monitor.second.lock();
    return connection == nullptr || connection->client().id == client.id;
  });
  context_.monitors.store(static_cast<uint32_t>(shared_.monitors.size()),
                          std::memory_order_relaxed);
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

Server::Server(config::Config& config, commands::ServerContext& context,
               const commands::CommandTable& table)
    : impl_(std::make_unique<Impl>(config, context, table)) {}

Server::~Server() = default;

std::optional<std::string> Server::Start() { return impl_->Start(); }
void Server::RunUntilShutdown() { impl_->RunUntilShutdown(); }
int Server::port() const { return impl_->port(); }

}  // namespace cachette::net
