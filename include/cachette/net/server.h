#pragma once

// The network front: listening sockets, `threads` I/O threads (one Asio io_context each),
// client connections, signals and graceful shutdown. Asio stays inside src/net/: this header
// shows only what main() needs.

#include <memory>
#include <optional>
#include <string>

namespace cachette::config {
class Config;
}
namespace cachette::commands {
class Service;
}

namespace cachette::net {

class Server {
 public:
  // Net hands every parsed command and connection event to `service`, and attaches itself
  // to it as its ServerControl from Start() for as long as it exists.
  Server(config::Config& config, commands::Service& service);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds the listening sockets and starts the I/O threads. Returns an error message when a
  // socket cannot be bound.
  std::optional<std::string> Start();

  // Blocks until SIGTERM, SIGINT or SHUTDOWN, then stops accepting, lets in-flight commands
  // finish, flushes what it can of pending replies, closes every client and returns.
  void RunUntilShutdown();

  // The port actually bound (useful with port 0 in tests).
  int port() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cachette::net
