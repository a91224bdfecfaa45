#pragma once

// The seam between net and commands: all the networking layer asks of the command side
// (in the manner of Dragonfly's ServiceInterface). Net parses requests and owns connections,
// threads and sockets; it hands each parsed command here and tells of closed clients, idle
// time and shutdown, and it sees nothing else of commands but ClientState (the per-connection
// state both sides share). The other direction, what commands ask of net, is ServerControl.
// Dispatcher implements it.

#include <functional>
#include <span>
#include <string_view>

namespace cachette::protocol {
class ReplyWriter;
}

namespace cachette::commands {

struct ClientState;
class ServerControl;

class Service {
 public:
  // CLIENT PAUSE: whether the connection must hold this command back for now; it then keeps
  // it parsed and asks again later (cheap while no pause is set).
  virtual bool MustPostpone(const ClientState& client, std::span<const std::string_view> args) = 0;
  // Executes args (args[0] is the command name) for the client, appending the reply (or
  // dropping it under CLIENT REPLY OFF/SKIP).
  virtual void Dispatch(ClientState& client, protocol::ReplyWriter& reply,
                        std::span<const std::string_view> args) = 0;
  // The client is gone: its transaction and watched keys are forgotten.
  virtual void OnClientClosed(ClientState& client) = 0;

  // Background work an I/O thread interleaves with requests (active expiry, which decides
  // when a slice is due), called on every turn of its loop for part `part` of `parts`, `idle`
  // when the thread has nothing else to do; returns true while a backlog remains.
  virtual bool RunBackgroundSlice(bool idle, unsigned part, unsigned parts) = 0;

  // Busy scripts: registers the calling I/O thread's loop that serves other clients while a
  // script runs on it (null clears it), and tells whether the running script is past
  // busy-reply-threshold (when that loop must answer them).
  virtual void SetThreadBusyServer(std::function<void()> server) = 0;
  virtual bool ScriptPastBusyThreshold() const = 0;

  // Net's ServerControl, from when it starts (before any I/O thread runs) until it is
  // destroyed (null then).
  virtual void AttachControl(ServerControl* control) = 0;
  // Shutdown has begun: commands that wait on purpose end early, a running script is killed.
  virtual void BeginShutdown() = 0;

 protected:
  ~Service() = default;
};

}  // namespace cachette::commands
