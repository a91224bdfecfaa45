#pragma once

// One client connection, living on one I/O thread. The read/execute/write cycle:
//
//   read what the socket has -> parse every complete command (pipelining) -> run each one,
//   appending replies to one output buffer -> write that buffer once -> read again.
//
// Back-pressure as Redis applies it: the connection keeps reading and executing while its
// replies wait for the socket. What the kernel did not take moves to `in_flight_` (written
// piece by piece as the socket becomes writable), and the replies of later batches gather in
// `output_` until that write is done, when they go out together. A client that sends without
// reading (a pipeline of a million commands sent before the first read) is therefore never stuck
// behind its own unread replies; what bounds it is client-output-buffer-limit: pending
// output at or over the hard limit closes the client at once, over the soft limit for longer
// than its seconds closes it from the thread's housekeeping. Unparsed input is bounded by
// client-query-buffer-limit (and a bulk by proto-max-bulk-len): over it, the client is closed
// without a reply, as Redis does. Both closes are counted for INFO.
//
// Reads and writes are non-blocking recv/send calls of our own on a descriptor the thread's
// Poller watches (edge-triggered, registered once): waiting is only a flag, so nothing pending
// ever holds data and a script's hook (ServeWhileBusy) can take the socket over: read it without
// losing or reordering input, and go on writing a reply that was in flight. After a short read
// the next read waits for the poller, so a request batch costs one recv and one send, and its
// share of the thread's epoll_wait.

#include <cstdint>
#include <memory>
#include <string>

#include "asio.h"
#include "cachette/commands/client_state.h"
#include "cachette/commands/server_context.h"
#include "cachette/protocol/reply_writer.h"
#include "cachette/protocol/resp_parser.h"
#include "poller.h"

namespace cachette::net::detail {

class IoThread;
struct Shared;

// Unparsed input: bytes [begin, end) of one growable array, read into at its tail.
class InputBuffer {
 public:
  std::string_view view() const { return {data_.get() + begin_, end_ - begin_}; }
  size_t size() const { return end_ - begin_; }
  size_t capacity() const { return capacity_; }
  void Consume(size_t bytes);
  // Makes room for at least `wanted` bytes at the tail (moving the unparsed bytes to the front
  // or growing); returns the writable tail.
  boost::asio::mutable_buffer Tail(size_t wanted);
  void Commit(size_t bytes) { end_ += bytes; }
  // Gives back a large array once it holds nothing.
  void ShrinkIfIdle();

 private:
  std::unique_ptr<char[]> data_;
  size_t capacity_ = 0;
  size_t begin_ = 0;
  size_t end_ = 0;
};

class Connection final : public std::enable_shared_from_this<Connection>, public PollTarget {
 public:
  // Takes the accepted socket's descriptor over from Asio (the thread's Poller watches it).
  Connection(IoThread& thread, Shared& shared, boost::asio::ip::tcp::socket socket, uint64_t id);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // From the thread's Poller.
  void OnEvents(uint32_t events) override;

  void Start();
  // Answers what the client sent, without waiting, while a script of this thread runs past
  // busy-reply-threshold (IoThread::ServeWhileBusy); on this thread, from the VM's hook.
  void ServeWhileBusy();
  // After the script: hands the socket back to the event loop (posted by the IoThread).
  void Unpark();
  // Closes the socket and forgets the connection; idempotent.
  void Close();
  // For shutdown: close now, or right after the write in flight.
  void CloseWhenFlushed();
  // Writes the replies that waited for the thread's turn to end (IoThread::DeferFlush).
  void FlushDeferred();

  // Closes the client for passing client-output-buffer-limit (logged and counted).
  void CloseForOutputLimit();

  int64_t last_activity_us() const { return last_activity_us_; }
  // Since when the pending output has been over the soft limit (0: it is not).
  int64_t over_soft_limit_since_us() const { return over_soft_limit_since_us_; }
  const commands::ClientState& client() const { return client_; }
  IoThread& thread() { return thread_; }
  // CLIENT LIST's figures for this connection.
  commands::ConnectionFigures Figures();
  // Appends a reply that no command asked for (a MONITOR line) and sends it; on this thread,
  // between handlers.
  void Push(std::string_view bytes);
  // Closes the connection from a handler posted to its thread (CLIENT KILL), so the command
  // being run when the kill is decided finishes first. From then on CLIENT LIST/KILL skip it.
  void Kill();
  bool gone() const { return closed_ || killed_; }

 private:
  void Configure();  // socket options, at Start
  // Reads and runs what the socket holds, then waits for more (WaitReadable).
  void ReadMore();
  void WaitReadable();
  void DropInputWhileClosing();
  // A read that was put behind the thread's other work (WaitReadable with input waiting).
  void OnReadable(uint64_t generation);
  // Runs the input's commands, then writes the replies, or reads more.
  void ProcessInput();
  // CLIENT PAUSE holds the parsed command back: a timer looks again shortly.
  void Postpone();
  // A command left a continuation (ClientState::continuation): run it in slices, each posted
  // behind the thread's other work, then go on with the input.
  void ScheduleContinuation(bool wait);
  void RunContinuation();
  // Runs every complete command in the input; false when the connection was closed.
  bool ExecuteInput();
  // Sends output_ (precondition: no write in flight): write_some on the non-blocking socket,
  // and what the kernel does not take becomes in_flight_, written once the socket is writable.
  void Flush();
  // Puts the connection on its thread's list of writes for the end of the round (once).
  void DeferFlush();
  // Writes what the socket takes of in_flight_ now (from the event loop, or from ServeWhileBusy
  // while parked); waits for writability for the rest, or goes on once it is all out.
  void WriteInFlight();
  void WaitWritable();
  // Bytes of replies not yet written: in flight plus gathered behind it.
  size_t PendingOutput() const { return output_.size() + (in_flight_.size() - in_flight_sent_); }
  // Applies client-output-buffer-limit to PendingOutput() (hard: close; soft: note since when,
  // close once over for longer than its seconds); false when it closed the connection.
  bool CheckOutputLimits();

  IoThread& thread_;
  Shared& shared_;
  int fd_ = -1;  // owned; closed by Close (or the destructor)
  InputBuffer input_;
  std::string output_;     // replies not yet handed to the socket
  std::string in_flight_;  // being written; untouched until it is all out
  size_t in_flight_sent_ = 0;
  protocol::RespParser parser_;
  protocol::ReplyWriter writer_;
  commands::ClientState client_;
  int64_t last_activity_us_ = 0;
  int64_t over_soft_limit_since_us_ = 0;
  bool writing_ = false;           // in_flight_ is not all written yet
  bool flush_deferred_ = false;    // on the thread's deferred-flush list
  bool reading_ = false;           // a WaitReadable is pending
  bool waiting_writable_ = false;  // WriteInFlight waits for the poller's EPOLLOUT
  // The last read filled the buffer (or the loop said readable): read before waiting.
  bool input_may_be_waiting_ = true;
  // The Poller reported the peer's end of the stream (or an error): read until recv says so.
  bool peer_hung_up_ = false;
  bool in_read_loop_ = false;  // ReadMore is on the stack: a nested call only asks it to go on
  bool read_again_ = false;
  // Bumped when ServeWhileBusy takes the socket over: posted reads of before are ignored.
  uint64_t wait_generation_ = 0;
  bool killed_ = false;
  bool parsed_ = false;       // parser_.args() holds a command not run yet (postponed)
  bool postponed_ = false;    // waiting for a CLIENT PAUSE to end
  bool suspended_ = false;    // a command's continuation is running
  bool dispatching_ = false;  // a command of this client is running (the script's client)
  // Busy-script serving (ServeWhileBusy): the pending waits were dropped and the socket is
  // read and written directly until Unpark.
  bool parked_ = false;
  std::unique_ptr<boost::asio::steady_timer> pause_timer_;
  std::unique_ptr<boost::asio::steady_timer> continuation_timer_;
  bool closing_ = false;
  bool closed_ = false;
};

}  // namespace cachette::net::detail
