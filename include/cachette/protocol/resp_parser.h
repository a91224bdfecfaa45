#pragma once

// Incremental RESP request parser (multibulk "*N\r\n$len\r\n...\r\n" and inline "PING\r\n").
//
// The connection keeps unconsumed bytes at the front of its input buffer and calls Parse() with
// a view of them after every read. Parse() resumes where the previous call stopped inside a
// partial command (it keeps offsets relative to the start of the unconsumed bytes, so the
// caller may move or grow its buffer between calls, but must not drop unconsumed bytes), so a
// command that arrives one byte at a time costs O(bytes), not O(bytes^2).
//
// Limits follow Redis 7 (networking.c): an inline request or a length line longer than 64 KiB
// without a newline, a multibulk count over INT_MAX (2147483647), a bulk length < 0 or over
// max_bulk_len are protocol errors. After an error the parser stays in the error state; the
// connection replies with Error() and closes.
//
// Big bulks, as Redis's PROTO_MBULK_BIG_ARG: a bulk of kBigBulkBytes or more that is not all in
// the input when its length line is read is read into a block of its own, sized for it exactly
// (with room in front, set_big_bulk_headroom), instead of growing the input around it. The bytes
// of it already in the input are copied once into the block and skipped there (they stay in the
// input, dead, until the command is consumed); the caller reads the rest straight into
// BigBulkTail(). Its argument view points into the block; a command handler may take the block
// over (BigBulks::Find), which is how SET keeps it as the value without copying it.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cachette/util/memory.h"

namespace cachette::protocol {

// One big bulk argument in its block: `headroom` bytes, the argument's `length` bytes, its line
// end (2 bytes); `capacity` is what was asked of std::malloc.
struct BigBulk {
  util::MallocBlock block;
  size_t capacity = 0;
  size_t headroom = 0;
  size_t length = 0;
  size_t filled = 0;  // bytes of the argument and its line end read so far
  std::string_view view() const { return {block.get() + headroom, length}; }
};

// The big bulks of the command just parsed (or being parsed).
class BigBulks {
 public:
  // The big bulk whose bytes `arg` views, as args() shows it (the same bytes, not a copy), or
  // nullptr. Its handler may take its block over (moving `block` out); args() still views the
  // bytes afterwards, so the new owner keeps them until the command is done.
  BigBulk* Find(std::string_view arg);
  size_t count() const { return bulks_.size(); }

 private:
  friend class RespParser;
  std::vector<BigBulk> bulks_;
};

class RespParser {
 public:
  enum class Result {
    kCommand,   // a complete command: args() holds it, consumed() bytes may be dropped
    kNeedMore,  // no complete command yet; call again with more bytes (the same prefix)
    kError,     // protocol error: error() is the full message without "-" and CRLF
  };

  explicit RespParser(size_t max_bulk_len = 512 * 1024 * 1024) { set_max_bulk_len(max_bulk_len); }

  // Parses the next command at the start of `input`. On kCommand, args() views point into
  // `input` and stay valid until the caller drops or changes those bytes; consumed() is the
  // command's length. Empty commands ("*0\r\n", "*-1\r\n", blank inline lines) are consumed
  // silently: Parse() skips them and goes on with what follows.
  Result Parse(std::string_view input);

  std::span<const std::string_view> args() const { return {args_.data(), arg_count_}; }
  size_t consumed() const { return consumed_; }
  const std::string& error() const { return error_; }

  // How many bytes the current partial command still needs at least, when known (inside a
  // bulk); 0 when unknown. Lets the connection size its next read for big values.
  size_t BytesStillNeeded() const;

  void set_max_bulk_len(size_t value) {
    max_bulk_len_ = value;
    UpdateLimits();
  }
  // Before a client authenticates, Redis refuses multibulk counts over 10 and bulks over
  // 16 KiB ("Protocol error: unauthenticated ..."), so a stranger cannot make it allocate.
  void set_unauthenticated(bool value) {
    unauthenticated_ = value;
    UpdateLimits();
  }
  static constexpr int64_t kUnauthenticatedMaxArgs = 10;
  static constexpr int64_t kUnauthenticatedMaxBulk = 16384;

  // Forgets any partial command (for a connection that resets its buffer).
  void Reset();

  // Bulks from this length on that are not in the input yet get a block of their own
  // (Redis's PROTO_MBULK_BIG_ARG).
  static constexpr size_t kBigBulkBytes = 32 * 1024;
  // The longest bulk given a block of its own (64 GiB); longer ones wait in the input.
  static constexpr size_t kMaxBigBulkBlock = size_t{64} << 30;
  // The room a big bulk's block keeps before the bulk's bytes, from the length of the argument
  // before it (a key, for SET) and the bulk's own; none when unset. It lets the store build an
  // entry around the bytes (SET).
  using HeadroomFunction = size_t (*)(size_t previous_length, size_t length);
  void set_big_bulk_headroom(HeadroomFunction headroom) { big_bulk_headroom_ = headroom; }
  // Where the rest of the big bulk being read goes (empty when none is): reading into it saves
  // a copy. CommitBigBulk(n): n bytes were written there; Parse() then goes on.
  std::span<char> BigBulkTail() { return in_big_bulk_ ? BigBulkRemainder() : std::span<char>(); }
  void CommitBigBulk(size_t bytes);
  // Bytes held in big bulks' blocks for the command in progress or just parsed (input the
  // client has sent, for the query buffer's figures and limit).
  size_t big_bulk_bytes() const { return holds_big_bulks_ ? BigBulkBytesHeld() : 0; }
  // The big bulks of the command just parsed, for its handler; they stay until the next
  // command's parse or ReleaseBigBulks.
  BigBulks& big_bulks() { return big_bulks_; }
  // Frees the blocks of the command parsed last, when it has been run (they can be big).
  void ReleaseBigBulks() {
    if (holds_big_bulks_ && mode_ == Mode::kIdle) {
      DropBigBulks();
    }
  }

 private:
  enum class Mode : uint8_t { kIdle, kMultibulk, kInline };

  struct Span {
    size_t offset;  // kBigBulkTag | i: the bytes of big_bulks_'s i-th block
    size_t length;
  };
  static constexpr size_t kBigBulkTag = size_t{1} << 63;

  // The common case in one pass: a complete multibulk at position_ whose count and length
  // lines are all plain ("*3\r\n$3\r\n..."), within the limits, count > 0. kDone: args()
  // holds it and position_ is past it. kShortLines: the lines so far were fine but the next
  // one is near the end of the input; ParseShortLines goes on from whole_at_ (the count line
  // when args() is empty). kGiveUp:
  // nothing changed but args(); the general path decides (incomplete, unusual, an error, an
  // empty command). Calls nothing, so it needs no saved registers.
  enum class Whole : uint8_t { kDone, kShortLines, kGiveUp };
  Whole ParseWholeMultibulk(std::string_view input);
  // The rest of a one-pass parse, with bounds checks; then the general path if need be.
  Result ParseShortLines(std::string_view input);
  // Everything else, one element or line at a time, resuming a partial command.
  Result ParseGeneral(std::string_view input);
  Result ParseMultibulk(std::string_view input);
  Result ParseInline(std::string_view input);
  // The general paths for a length line, with Redis's error cases; kCommand: line read.
  Result ReadCount(std::string_view input, int64_t* count);
  Result ReadBulkLength(std::string_view input, int64_t* length);
  // Finds the next `delim` at or after position_, resuming the search where the previous call
  // stopped; npos when there is none yet.
  size_t FindFrom(std::string_view input, char delim);
  Result Fail(std::string message);
  // Forgets the command in progress; position_ stays (it may follow skipped empty commands).
  void EndCommand();
  // Starts a big bulk's block for the bulk at position_ (of bulk_length_ bytes).
  void StartBigBulk();
  // Moves what the input holds of the big bulk being read into its block; true once the block
  // holds the whole bulk and its line end (position_ is then past what was moved).
  bool AbsorbBigBulk(std::string_view input);
  void DropBigBulks();
  std::span<char> BigBulkRemainder();
  size_t BigBulkBytesHeld() const;
  // Sets args() to `count` slots (reusing the storage) and returns them.
  std::string_view* ResizeArgs(size_t count) {
    if (args_.size() < count) [[unlikely]] {
      args_.resize(count);
    }
    arg_count_ = count;
    return args_.data();
  }
  // The one-pass parse's limits, so that it need not look at unauthenticated_.
  void UpdateLimits() {
    whole_max_count_ = unauthenticated_ ? kUnauthenticatedMaxArgs : INT32_MAX;
    whole_max_length_ = unauthenticated_ && max_bulk_len_ > kUnauthenticatedMaxBulk
                            ? kUnauthenticatedMaxBulk
                            : max_bulk_len_;
  }

  size_t max_bulk_len_ = 0;
  bool unauthenticated_ = false;
  uint64_t whole_max_count_ = 0;   // the highest count, by the rules above
  uint64_t whole_max_length_ = 0;  // the longest bulk, by the rules above
  size_t whole_at_ = 0;            // kShortLines: where the next element's line starts
  size_t whole_done_ = 0;          // kShortLines: the elements parsed
  // args() is the first arg_count_ slots; the storage only grows (the general path grows it),
  // so a pipeline of commands of the same shape allocates nothing. Room for the usual
  // commands from the start, so that even the first takes the one-pass parse.
  std::vector<std::string_view> args_ = std::vector<std::string_view>(8);
  size_t arg_count_ = 0;
  size_t consumed_ = 0;
  std::string error_;

  // All offsets are relative to the start of the input passed to Parse().
  Mode mode_ = Mode::kIdle;
  std::vector<Span> spans_;     // arguments parsed so far of the current multibulk command
  size_t position_ = 0;         // next byte to look at
  size_t scanned_ = 0;          // bytes before this offset hold no delimiter after position_
  size_t input_size_ = 0;       // input size at the last call, for BytesStillNeeded()
  int64_t expected_args_ = -1;  // multibulk count of the current command; -1: not read yet
  int64_t bulk_length_ = -1;    // length of the bulk being read; -1: its header is not read yet
  bool failed_ = false;
  // failed_, or blocks of big bulks held: Parse() skips the one-pass parse, so that the next
  // command takes the general path, which frees the blocks first (one flag for both keeps the
  // one-pass parse's test as it was).
  bool general_only_ = false;
  bool holds_big_bulks_ = false;  // big_bulks_ is not empty
  bool in_big_bulk_ = false;      // the bulk being read is the last of big_bulks_
  HeadroomFunction big_bulk_headroom_ = nullptr;
  BigBulks big_bulks_;
  // Inline arguments may be unescaped, so they cannot be views into the input; args() points
  // into these.
  std::vector<std::string> inline_args_;
};

}  // namespace cachette::protocol
