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

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cachette::protocol {

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

 private:
  enum class Mode : uint8_t { kIdle, kMultibulk, kInline };

  struct Span {
    size_t offset;
    size_t length;
  };

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
  // Inline arguments may be unescaped, so they cannot be views into the input; args() points
  // into these.
  std::vector<std::string> inline_args_;
};

}  // namespace cachette::protocol
