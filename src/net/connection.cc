#include "detail/connection.h"

#include <fcntl.h>
#include <netinet/tcp.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "cachette/config/config.h"
#include "cachette/protocol/errors.h"
#include "cachette/util/clock.h"
#include "detail/io_thread.h"

namespace cachette::net::detail {

namespace asio = boost::asio;
namespace errors = protocol::errors;

namespace {
constexpr size_t kReadChunk = 16 * 1024;
// Most bytes ServeWhileBusy reads from one client per round (every few ms while a script is
// busy): what a client sends then is answered with -BUSY, so this need not be fast.
constexpr size_t kBusyReadLimit = 256 * 1024;
// Reads in a row from one client while each fills the buffer, before its next read waits for
// epoll, behind the thread's other clients.
constexpr int kReadsPerTurn = 4;
// Buffers bigger than this are given back when they empty, so idle clients stay small.
constexpr size_t kIdleBufferCapacity = 64 * 1024;
// Replies up to this size wait for the thread's deferred flush; more goes out at once, so a
// client that pipelines a lot streams its replies while it is read.
constexpr size_t kDeferredFlushLimit = 64 * 1024;

// One non-blocking recv/send: the bytes moved (0 from recv: the peer closed), or -1 with errno
// (EAGAIN: nothing to move now). Interrupted calls are retried.
ssize_t ReceiveSome(int fd, char* data, size_t size) {
  ssize_t bytes;
  do {
    bytes = ::recv(fd, data, size, 0);
  } while (bytes < 0 && errno == EINTR);
  return bytes;
}

ssize_t SendSome(int fd, const char* data, size_t size) {
  ssize_t bytes;
  do {
    bytes = ::send(fd, data, size, MSG_NOSIGNAL);
  } while (bytes < 0 && errno == EINTR);
  return bytes;
}

bool WouldBlock() { return errno == EAGAIN || errno == EWOULDBLOCK; }

std::string EndpointText(const asio::ip::tcp::endpoint& endpoint) {
  const auto address = endpoint.address();
  return address.is_v6() ? "[" + address.to_string() + "]:" + std::to_string(endpoint.port())
                         : address.to_string() + ":" + std::to_string(endpoint.port());
}
}  // namespace

void InputBuffer::Consume(size_t bytes) {
  begin_ += bytes;
  if (begin_ == end_) {
    begin_ = end_ = 0;
  }
}

asio::mutable_buffer InputBuffer::Tail(size_t wanted) {
  if (capacity_ - end_ < wanted) {
    const size_t used = end_ - begin_;
    if (capacity_ - used >= wanted && begin_ != 0) {
      std::memmove(data_.get(), data_.get() + begin_, used);
    } else {
      const size_t capacity = std::max(capacity_ * 2, used + wanted);
      auto grown = std::make_unique_for_overwrite<char[]>(capacity);
      if (used != 0) {
        std::memcpy(grown.get(), data_.get() + begin_, used);
      }
      data_ = std::move(grown);
      capacity_ = capacity;
    }
    begin_ = 0;
    end_ = used;
  }
  return asio::buffer(data_.get() + end_, capacity_ - end_);
}

void InputBuffer::ShrinkIfIdle() {
  if (begin_ == end_ && capacity_ > kIdleBufferCapacity) {
    data_.reset();
    capacity_ = begin_ = end_ = 0;
  }
}

Connection::Connection(IoThread& thread, Shared& shared, asio::ip::tcp::socket socket, uint64_t id)
    : thread_(thread), shared_(shared), writer_(&output_) {
  client_.id = id;
  client_.created_at_ms = util::UnixTimeMs();
  client_.authenticated = shared_.config->String(config::Id::kRequirepass).empty();
  boost::system::error_code ignored;
  client_.peer_address = EndpointText(socket.remote_endpoint(ignored));
  client_.local_address = EndpointText(socket.local_endpoint(ignored));
  fd_ = socket.release(ignored);  // Asio forgets it (leaves its epoll set); the Poller watches it
  parser_.set_big_bulk_headroom(&commands::BigArgumentHeadroom);
  client_.big_bulks = &parser_.big_bulks();
}

Connection::~Connection() {
  if (fd_ >= 0) {
    ::close(fd_);
  }
}

void Connection::Start() {
  Configure();
  if (fd_ < 0 || !thread_.poller().Add(fd_, this)) {
    spdlog::warn("Cannot watch client id={} addr={}: {}", client_.id, client_.peer_address,
                 std::strerror(errno));
    Close();
    return;
  }
  if (thread_.serving_while_busy()) {
    // Admitted by the busy-script loop: read directly by it until Unpark.
    parked_ = true;
    thread_.NoteParked(shared_from_this());
    return;
  }
  ReadMore();
}

void Connection::Configure() {
  const int fd = fd_;
  if (fd < 0) {
    return;
  }
  const int on = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  const int64_t keepalive = shared_.config->Int(config::Id::kTcpKeepalive);
  if (keepalive > 0) {
    // As Redis's anetKeepAlive: the first probe after `keepalive` seconds of silence, then
    // every third of that, and the peer is dropped after three unanswered probes.
    setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on));
    const int idle = static_cast<int>(std::min<int64_t>(keepalive, 32767));
    const int interval = std::max(1, idle / 3);
    const int probes = 3;
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &interval, sizeof(interval));
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &probes, sizeof(probes));
  }
  last_activity_us_ = util::MonotonicUs();
}

// Reads are our own non-blocking recv calls into the input buffer; waiting for readability is a
// flag the Poller's events look at, which holds no buffer. So a pending read is never one that
// has already taken bytes, and ServeWhileBusy can drop it and read the socket itself without
// losing or reordering input. A read shorter than the buffer drained the socket, so the next one
// waits for the poller's next edge (no system call to wait); a full read reads again at once, at
// most kReadsPerTurn times in a row, looping rather than recursing through ProcessInput.
void Connection::ReadMore() {
  parked_ = false;
  if (in_read_loop_) {
    read_again_ = true;  // called back from ProcessInput below: the loop goes on
    return;
  }
  in_read_loop_ = true;
  for (int turn = 0;; ++turn) {
    if (closing_) {
      if (writing_) {
        DropInputWhileClosing();  // WriteInFlight closes once the reply in flight is out
      } else {
        Close();
      }
      break;
    }
    if (!input_may_be_waiting_ || turn == kReadsPerTurn) {
      WaitReadable();
      break;
    }
    read_again_ = false;
    // A big bulk is read straight into its own block (sized for it), the rest into the input.
    const std::span<char> big_bulk = parser_.BigBulkTail();
    const asio::mutable_buffer tail =
        big_bulk.empty()
            ? input_.Tail(std::max(kReadChunk,
                                   std::min<size_t>(parser_.BytesStillNeeded(), 64 * 1024 * 1024)))
            : asio::buffer(big_bulk.data(), big_bulk.size());
    const ssize_t received = ReceiveSome(fd_, static_cast<char*>(tail.data()), tail.size());
    if (received < 0 && WouldBlock()) {
      input_may_be_waiting_ = false;
      continue;
    }
    if (received <= 0) {
      if (received == 0 && !writing_ && !output_.empty()) {
        // The peer closed its side after its last commands (a half-close, as `nc -N` does):
        // their replies were waiting for the round's end. Redis writes them before it reads the
        // end of the stream; send what the socket takes now, then close.
        Flush();
      }
      Close();  // the peer closed, or the socket failed
      break;
    }
    const auto bytes = static_cast<size_t>(received);
    // A short read drained the socket, except of a hang-up the same edge reported: the end of
    // the stream is still to be read, and no edge will come for it.
    input_may_be_waiting_ = bytes == tail.size() || peer_hung_up_;
    if (big_bulk.empty()) {
      input_.Commit(bytes);
    } else {
      parser_.CommitBigBulk(bytes);
    }
    thread_.net_input_bytes.Add(bytes);
    last_activity_us_ = util::MonotonicUs();
    ProcessInput();
    if (!read_again_ || closed_) {
      break;  // the input stopped (a continuation, CLIENT PAUSE, closing): its end reads on
    }
  }
  in_read_loop_ = false;
}

// Shutdown lets a reply in flight finish before the close. What the client sends meanwhile is
// read and dropped: input left unread at close() makes the kernel reset the connection, and the
// client would lose the end of its reply.
void Connection::DropInputWhileClosing() {
  char scratch[16 * 1024];
  for (;;) {
    const ssize_t bytes = ReceiveSome(fd_, scratch, sizeof(scratch));
    if (bytes < 0 && WouldBlock()) {
      input_may_be_waiting_ = false;
      WaitReadable();
      return;
    }
    if (bytes <= 0) {
      return;  // the peer is done sending; the write goes on
    }
  }
}

// Waiting is a flag: the Poller's next input edge reads (OnEvents). When input may already be
// waiting (the read loop stopped after kReadsPerTurn full reads, or an edge came while nothing
// waited), no edge will come for it: the read runs in the thread's next round instead.
void Connection::WaitReadable() {
  reading_ = true;
  if (input_may_be_waiting_) {
    thread_.NextRound([self = shared_from_this(), generation = wait_generation_] {
      self->OnReadable(generation);
    });
  }
}

void Connection::OnReadable(uint64_t generation) {
  if (generation != wait_generation_ || closed_ || !reading_) {
    return;  // taken over by ServeWhileBusy (it read the socket itself), closed, or read already
  }
  reading_ = false;
  input_may_be_waiting_ = true;
  ReadMore();
}

void Connection::OnEvents(uint32_t events) {
  if (closed_) {
    return;
  }
  // What an edge says about input is kept even when nothing waits for it (a paused client, a
  // parked one): edge-triggered, it is not said again. Output readiness need not be kept: a
  // write always tries the socket first (Flush, and Unpark's WriteInFlight).
  if ((events & (EPOLLOUT | EPOLLHUP | EPOLLERR)) != 0 && waiting_writable_ && !parked_) {
    waiting_writable_ = false;
    WriteInFlight();
    if (closed_) {
      return;
    }
  }
  if ((events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0) {
    input_may_be_waiting_ = true;
    peer_hung_up_ = peer_hung_up_ || (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0;
    if (reading_ && !parked_) {
      reading_ = false;
      ReadMore();
    }
  }
}

void Connection::ProcessInput() {
  if (suspended_) {
    return;  // RunContinuation goes on with the input
  }
  if (!ExecuteInput()) {
    return;
  }
  // Every reply of the batch goes out in one write; while an earlier write is still in
  // flight they wait behind it (WriteInFlight sends them) and reading goes on. Usually the write
  // waits until every ready connection of the thread has run (IoThread::DeferFlush), as Redis
  // writes its replies before it sleeps: the client then finds many replies per wake-up.
  if (!output_.empty() && !writing_) {
    if (!client_.close_after_reply && output_.size() < kDeferredFlushLimit) {
      DeferFlush();
    } else {
      Flush();
      if (closed_) {
        return;
      }
    }
  }
  if (writing_ && !CheckOutputLimits()) {
    return;
  }
  if (suspended_) {
    return;  // RunContinuation goes on with the input
  }
  if (client_.close_after_reply) {
    if (!writing_) {
      Close();
    }
    return;  // otherwise OnWritten closes once the replies are out
  }
  if (!postponed_ && !reading_) {
    input_.ShrinkIfIdle();
    // The batch's commands have run: the blocks of their big arguments can go.
    client_.value_pin.Reset();
    parser_.ReleaseBigBulks();
    ReadMore();
  }
}

bool Connection::ExecuteInput() {
  const config::Config& config = *shared_.config;
  parser_.set_max_bulk_len(static_cast<size_t>(config.Int(config::Id::kProtoMaxBulkLen)));
  parser_.set_unauthenticated(!client_.authenticated);
  // The hard output limit, less what is still in flight: one comparison per command.
  const int64_t hard_limit = config.NormalOutputLimit().hard_bytes;
  const int64_t output_budget =
      hard_limit - static_cast<int64_t>(in_flight_.size() - in_flight_sent_);
  // The commands of this loop run back to back: each starts when the one before it ended, so
  // it reads the clock once (ClientState::batch_clock_us). Not beyond the loop.
  struct BatchClock {
    commands::ClientState& client;
    explicit BatchClock(commands::ClientState& c) : client(c) { client.batch_clock_us = 0; }
    ~BatchClock() { client.batch_clock_us = -1; }
  } batch_clock(client_);
  while (!client_.close_after_reply) {
    // A command postponed by CLIENT PAUSE stays parsed (its views into the input are kept:
    // nothing is read meanwhile) until the pause lets it run.
    if (!parsed_) {
      if (input_.size() == 0) {
        break;
      }
      const auto result = parser_.Parse(input_.view());
      if (result == protocol::RespParser::Result::kNeedMore) {
        if (static_cast<int64_t>(input_.size() + parser_.big_bulk_bytes()) >
            config.Int(config::Id::kClientQueryBufferLimit)) {
          // As Redis: closed without a reply (what the client was sending is not a request
          // we will ever run), and counted.
          spdlog::warn("Closing client that reached max query buffer length: id={} addr={}",
                       client_.id, client_.peer_address);
          shared_.query_limit_disconnections.fetch_add(1, std::memory_order_relaxed);
          Close();
          return false;
        }
        break;
      }
      if (result != protocol::RespParser::Result::kCommand) {
        spdlog::debug("Protocol error from client id={} addr={}: {}", client_.id,
                      client_.peer_address, parser_.error());
        writer_.Error(parser_.error());
        client_.close_after_reply = true;
        break;
      }
      parsed_ = true;
    }
    if (shared_.service->MustPostpone(client_, parser_.args())) [[unlikely]] {
      Postpone();
      break;
    }
    parsed_ = false;
    writer_.set_resp_version(client_.resp_version);
    dispatching_ = true;
    shared_.service->Dispatch(client_, writer_, parser_.args());
    dispatching_ = false;
    thread_.AfterDispatch();
    input_.Consume(parser_.consumed());
    if (client_.continuation) [[unlikely]] {
      suspended_ = true;
      ScheduleContinuation(/*wait=*/false);
      break;
    }
    parser_.set_unauthenticated(!client_.authenticated);
    if (hard_limit > 0 && static_cast<int64_t>(output_.size()) >= output_budget) [[unlikely]] {
      CloseForOutputLimit();
      return false;
    }
  }
  return !closed_;
}

void Connection::Postpone() {
  postponed_ = true;
  if (pause_timer_ == nullptr) {
    pause_timer_ = std::make_unique<asio::steady_timer>(thread_.context());
  }
  // CLIENT UNPAUSE ends a pause early: look again every few milliseconds.
  pause_timer_->expires_after(std::chrono::milliseconds(5));
  pause_timer_->async_wait([self = shared_from_this()](const boost::system::error_code& error) {
    if (error || self->closed_) {
      return;
    }
    self->postponed_ = false;
    self->ProcessInput();
  });
}

void Connection::ScheduleContinuation(bool wait) {
  if (!wait) {
    thread_.NextRound([self = shared_from_this()] { self->RunContinuation(); });
    return;
  }
  // Something it needs is held by another thread (a script): look again shortly rather than
  // spinning.
  if (continuation_timer_ == nullptr) {
    continuation_timer_ = std::make_unique<asio::steady_timer>(thread_.context());
  }
  continuation_timer_->expires_after(std::chrono::milliseconds(1));
  continuation_timer_->async_wait(
      [self = shared_from_this()](const boost::system::error_code&) { self->RunContinuation(); });
}

void Connection::RunContinuation() {
  // The reply goes behind what is already out (output_ is never the buffer in flight). A
  // closed connection still finishes the command (an invalidation must end), unheard.
  std::string discarded;
  protocol::ReplyWriter reply(closed_ ? &discarded : &output_, client_.resp_version);
  const commands::ContinuationStep step = client_.continuation(reply);
  last_activity_us_ = util::MonotonicUs();  // busy with a command, not idle (`timeout`)
  if (step != commands::ContinuationStep::kDone) {
    ScheduleContinuation(step == commands::ContinuationStep::kWait);
    return;
  }
  client_.continuation = nullptr;
  suspended_ = false;
  if (closed_) {
    return;
  }
  ProcessInput();
}

void Connection::Flush() {
  // The socket is non-blocking: try to write everything now, and only fall back to waiting
  // for writability (the Poller) for what the kernel would not take.
  const ssize_t sent = SendSome(fd_, output_.data(), output_.size());
  if (sent < 0 && !WouldBlock()) {
    Close();
    return;
  }
  const size_t written = sent < 0 ? 0 : static_cast<size_t>(sent);
  thread_.net_output_bytes.Add(written);
  if (written == output_.size()) {
    output_.clear();
    if (output_.capacity() > kIdleBufferCapacity) {
      std::string().swap(output_);
    }
    over_soft_limit_since_us_ = 0;
    return;
  }
  // The rest is written from in_flight_, which nothing touches until it is all out; later
  // replies gather in output_ (this swap hands it in_flight_'s old, empty buffer).
  in_flight_.swap(output_);
  output_.clear();
  in_flight_sent_ = written;
  writing_ = true;
  if (!parked_) {
    WaitWritable();  // while parked, ServeWhileBusy goes on writing, then Unpark waits
  }
}

// The socket is non-blocking: write what the kernel takes now, and for the rest wait until it
// is writable (a flag for the Poller, holding no buffer, so ServeWhileBusy can drop the wait and
// go on writing itself).
void Connection::WriteInFlight() {
  const ssize_t sent =
      SendSome(fd_, in_flight_.data() + in_flight_sent_, in_flight_.size() - in_flight_sent_);
  if (sent < 0 && !WouldBlock()) {
    Close();
    return;
  }
  const size_t written = sent < 0 ? 0 : static_cast<size_t>(sent);
  thread_.net_output_bytes.Add(written);
  if (written > 0) {
    // A client that takes its replies is not idle (`timeout`), as in Redis.
    last_activity_us_ = util::MonotonicUs();
  }
  in_flight_sent_ += written;
  if (in_flight_sent_ < in_flight_.size()) {
    if (CheckOutputLimits() && !parked_) {
      WaitWritable();
    }
    return;
  }
  writing_ = false;
  in_flight_.clear();
  in_flight_sent_ = 0;
  if (in_flight_.capacity() > kIdleBufferCapacity) {
    std::string().swap(in_flight_);
  }
  if (closing_) {
    Close();
    return;
  }
  if (!output_.empty()) {
    Flush();
    if (closed_ || writing_) {
      return;  // the next write goes on
    }
  }
  over_soft_limit_since_us_ = 0;
  if (client_.close_after_reply) {
    Close();
    return;
  }
  // Reading stopped only for a command that stops the input (a continuation, CLIENT PAUSE, a
  // busy script's take-over), whose own completion goes on; or the input waits here.
  if (!reading_ && !parked_ && !postponed_ && !suspended_) {
    ProcessInput();
  }
}

// A short send (or EAGAIN) left the socket without room, so the kernel reports the edge when room
// comes back; an edge that came in between is still in the Poller's ready list.
void Connection::WaitWritable() { waiting_writable_ = true; }

bool Connection::CheckOutputLimits() {
  const config::OutputBufferLimit limits = shared_.config->NormalOutputLimit();
  const auto pending = static_cast<int64_t>(PendingOutput());
  if (limits.hard_bytes > 0 && pending >= limits.hard_bytes) {
    CloseForOutputLimit();
    return false;
  }
  if (limits.soft_bytes > 0 && pending >= limits.soft_bytes) {
    const int64_t now_us = util::MonotonicUs();
    if (over_soft_limit_since_us_ == 0) {
      over_soft_limit_since_us_ = now_us;
    } else if (now_us - over_soft_limit_since_us_ > limits.soft_seconds * 1000000) {
      CloseForOutputLimit();
      return false;
    }
  } else {
    over_soft_limit_since_us_ = 0;
  }
  return true;
}

void Connection::CloseForOutputLimit() {
  if (closed_) {
    return;
  }
  spdlog::warn("Client id={} addr={} closed for overcoming of output buffer limits.", client_.id,
               client_.peer_address);
  shared_.output_limit_disconnections.fetch_add(1, std::memory_order_relaxed);
  Close();
}

void Connection::ServeWhileBusy() {
  if (closed_ || closing_ || dispatching_ || suspended_ || postponed_ || parsed_) {
    return;  // the script's own client, or one that is not waiting for input
  }
  if (!parked_) {
    if (!reading_ && !writing_) {
      return;
    }
    // Take the socket from the event loop: its pending waits (read, write) are cancelled, and
    // their completions, when the loop runs again, are ignored (the generation changed). A
    // wait holds no data, so nothing is lost. Until Unpark, this reads and writes directly.
    ++wait_generation_;  // a read posted by WaitReadable is dropped
    reading_ = false;
    waiting_writable_ = false;
    parked_ = true;
    thread_.NoteParked(shared_from_this());
  }
  if (writing_) {
    WriteInFlight();  // a reply still going out, as far as the socket takes it this round
    if (closed_) {
      return;
    }
  }
  if (client_.close_after_reply) {
    if (!writing_) {
      Close();
    }
    return;  // nothing more is read from a client that is closed after its replies
  }
  // What the socket holds now (the socket is non-blocking), a bounded amount per round. As
  // outside a script, input is read and run while replies wait: they gather behind the write
  // in flight, bounded by the output limits.
  size_t total = 0;
  while (total < kBusyReadLimit) {
    auto tail = input_.Tail(kReadChunk);
    const ssize_t bytes = ReceiveSome(fd_, static_cast<char*>(tail.data()), tail.size());
    if (bytes < 0 && WouldBlock()) {
      break;
    }
    if (bytes <= 0) {
      Close();
      return;
    }
    input_.Commit(static_cast<size_t>(bytes));
    total += static_cast<size_t>(bytes);
  }
  if (total == 0) {
    return;
  }
  thread_.net_input_bytes.Add(total);
  last_activity_us_ = util::MonotonicUs();
  if (!ExecuteInput()) {
    return;
  }
  if (!output_.empty() && !writing_) {
    Flush();  // what the socket does not take is written by the next rounds
    if (closed_) {
      return;
    }
  }
  if (writing_ && !CheckOutputLimits()) {
    return;
  }
  if (client_.close_after_reply && !writing_) {
    Close();
  }
}

void Connection::Unpark() {
  if (!parked_ || closed_) {
    return;
  }
  parked_ = false;
  input_may_be_waiting_ = true;
  if (writing_) {
    WriteInFlight();  // the reply goes on (an edge may have come while parked); reading beside it
    if (closed_) {
      return;
    }
  }
  if (suspended_ || postponed_ || reading_) {
    return;  // their completion goes on with the input, or WriteInFlight went on with it
  }
  ProcessInput();
}

void Connection::Push(std::string_view bytes) {
  if (closed_ || closing_) {
    return;
  }
  output_.append(bytes);
  if (!writing_) {
    // A monitor's lines of one round go out together, like replies.
    if (output_.size() < kDeferredFlushLimit) {
      DeferFlush();
      return;
    }
    Flush();
    if (closed_) {
      return;
    }
  }
  if (writing_) {
    (void)CheckOutputLimits();  // a monitor that does not read is bounded like any client
  }
}

void Connection::Kill() {
  if (killed_) {
    return;
  }
  killed_ = true;
  asio::post(thread_.context(), [self = shared_from_this()] { self->Close(); });
}

commands::ConnectionFigures Connection::Figures() {
  commands::ConnectionFigures figures;
  figures.fd = closed_ ? -1 : fd_;
  figures.idle_s = (util::MonotonicUs() - last_activity_us_) / 1000000;
  figures.query_buffer = input_.size() + parser_.big_bulk_bytes();
  figures.query_buffer_free = input_.capacity() - input_.size();
  figures.output_buffer = PendingOutput();
  figures.total_memory =
      input_.capacity() + output_.capacity() + in_flight_.capacity() + sizeof(Connection);
  figures.writing = writing_;
  return figures;
}

void Connection::DeferFlush() {
  if (!flush_deferred_) {
    flush_deferred_ = true;
    thread_.DeferFlush(shared_from_this());
  }
}

void Connection::FlushDeferred() {
  if (dispatching_) {
    // The busy-script loop flushes from inside the script's command, whose client may be this
    // one: its reply is being built in output_ (the dispatcher keeps offsets into it). It waits
    // for the next round.
    thread_.DeferFlush(shared_from_this());
    return;
  }
  flush_deferred_ = false;
  if (closed_ || writing_ || output_.empty()) {
    return;  // closed, or written meanwhile (a write in flight sends output_ when it is done)
  }
  Flush();
  if (!closed_ && writing_) {
    (void)CheckOutputLimits();
  }
}

void Connection::CloseWhenFlushed() {
  closing_ = true;
  if (!writing_ && !output_.empty()) {
    Flush();  // replies waiting for the deferred flush
    if (closed_ || writing_) {
      return;  // WriteInFlight closes once they are out
    }
  }
  if (!writing_) {
    Close();
  }
}

void Connection::Close() {
  if (closed_) {
    return;
  }
  closed_ = true;
  if (pause_timer_ != nullptr) {
    pause_timer_->cancel();
  }
  if (client_.monitor) {
    shared_.control->StopMonitor(client_);
    client_.monitor = false;
  }
  shared_.service->OnClientClosed(client_);
  if (fd_ >= 0) {
    thread_.poller().Remove(fd_);
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    fd_ = -1;
  }
  shared_.connected.fetch_sub(1, std::memory_order_relaxed);
  thread_.Remove(this);
}

}  // namespace cachette::net::detail
