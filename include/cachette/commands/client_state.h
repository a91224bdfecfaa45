#pragma once

// What the server knows about one connected client that commands read or change: selected
// database, name, protocol version, authentication. Owned by the connection; touched only on
// the connection's I/O thread.

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "cachette/commands/transaction_state.h"
#include "cachette/store/value_block.h"

namespace cachette::protocol {
class ReplyWriter;
class BigBulks;
}  // namespace cachette::protocol

namespace cachette::stats {
class ThreadStats;
}

namespace cachette::commands {

// What a command's continuation reports: its reply is written (done), it has more to do
// (call again soon), or it waits for something another thread holds (call again later).
enum class ContinuationStep { kDone, kMore, kWait };

struct ClientState {
  uint64_t id = 0;
  size_t db = 0;
  int resp_version = 2;
  bool authenticated = false;
  // Set by QUIT (and protocol errors): the connection closes once the reply is written.
  bool close_after_reply = false;
  std::string name;
  std::string lib_name;
  std::string lib_version;
  std::string peer_address;   // "ip:port"
  std::string local_address;  // "ip:port"
  int64_t created_at_ms = 0;
  // The last command's name, for CLIENT LIST and INFO.
  std::string_view last_command = "NULL";
  // CLIENT REPLY: OFF drops every reply; SKIP drops the next command's reply (skip_next is
  // set by CLIENT REPLY SKIP, and becomes skip for the command after it), as Redis does.
  bool reply_off = false;
  bool reply_skip = false;
  bool reply_skip_next = false;
  bool no_evict = false;  // CLIENT NO-EVICT (no client eviction exists: shown in CLIENT LIST)
  bool no_touch = false;  // CLIENT NO-TOUCH: this client's reads leave keys' LRU/LFU alone
  bool monitor = false;   // in MONITOR mode
  // A command that finishes later (INVALIDATE): set by its handler, it makes the connection run
  // no further command of this client and call continuation(reply) between other clients'
  // work until it returns kDone, having written the command's reply; then it is cleared.
  std::function<ContinuationStep(protocol::ReplyWriter& reply)> continuation;
  // MULTI ... EXEC and WATCH.
  TransactionState tx;
  // The statistics block of the client's I/O thread; set by the dispatcher on first use.
  stats::ThreadStats* stats = nullptr;
  // The clock, read once per command: while the connection runs the commands of one read
  // back to back, each starts at the instant the one before it ended (0: read the clock).
  // -1 outside such a run (and for the clients of scripts and tests): every command reads it.
  int64_t batch_clock_us = -1;
  // The big bulk arguments of the command being run, in blocks of their own
  // (protocol::RespParser::big_bulks); SET keeps its value's block as the entry (no copy).
  protocol::BigBulks* big_bulks = nullptr;
  // The block SET kept, pinned while the command's argument views into it may still be read
  // (store/value_block.h); let go by the connection once its batch of commands has run.
  store::ValuePin value_pin;
};

// For the connection's parser (RespParser::set_big_bulk_headroom): the room a big bulk's block
// keeps in front of its bytes so that SET, whose key is the argument before the value, can
// build the entry around them.
size_t BigArgumentHeadroom(size_t previous_length, size_t length);

}  // namespace cachette::commands
