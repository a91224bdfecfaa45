/*
 * Incremental RESP request parser, a port of Redis 7.0's processMultibulkBuffer and
 * processInlineBuffer (networking.c).
 *
 * Algorithm: a request starting with '*' is multibulk: a count line, then `count` elements of
 * "$<len>\r\n<len bytes>\r\n". Anything else is an inline line up to '\n', split like
 * redis-cli does. Between calls the parser keeps only offsets into the caller's unconsumed
 * bytes (where the next element starts, how far the search for a line end has got, the
 * spans of finished elements), so it survives the caller moving its buffer and never
 * searches the same bytes for a line end twice: a command that trickles in one byte at a
 * time costs O(bytes). Argument views are built from the spans only when the command is
 * complete. Well-formed length lines ("$3\r\n") take a fast path that parses the digits
 * while looking for the '\r'; anything unusual falls back to the general path, which has
 * Redis's exact error cases.
 *
 * Most commands arrive whole (a pipelining client's read holds many), so before any of that,
 * a command that starts at a clean boundary gets one pass that parses its count and length
 * lines straight into the argument views (ParseWholeMultibulk): no spans, no search for line
 * ends. It gives up on anything it does not expect (a partial command, a leading zero, a
 * limit reached) without changing the state, and the general path starts that command from
 * its beginning, so it is tried once per command and errors and partial commands behave as
 * before. A command trickling in still costs O(bytes) overall: the one-pass attempt skips
 * bulk data by its length and is not repeated once the general path has started.
 *
 * Limits, as in Redis: a length line or an inline request longer than 64 KiB without its
 * line end, a count over INT_MAX, a bulk length < 0 or over max_bulk_len. Like Redis, the two
 * bytes after a bulk and after a length line's '\r' are skipped without being checked.
 * Unlike Redis, which searches with strchr and so stalls on a NUL byte in a length line or
 * an inline request, we search with memchr and carry on.
 */

#include "cachette/protocol/resp_parser.h"

#include <algorithm>
#include <climits>
#include <cstring>
#include <new>
#include <utility>

#include "cachette/protocol/errors.h"
#include "cachette/util/numbers.h"
#include "cachette/util/split_args.h"

namespace cachette::protocol {

namespace {

// Redis's PROTO_INLINE_MAX_SIZE: the longest a line may grow while its end is missing.
constexpr size_t kInlineMaxSize = 64 * 1024;
// Redis preallocates at most this many argument slots, so a client announcing a huge count
// and sending nothing cannot make us allocate for it.
constexpr int64_t kMaxPreallocatedArgs = 1024;

// Fast path for the usual length line: "0" or up to 18 digits without a sign or a leading
// zero (so no overflow check), then '\r' and one more byte. Returns the offset just past the
// line, or 0 when the general path (memchr, then util::ParseInt64) must decide; on the lines
// this accepts both paths agree. Saves a memchr call per argument.
size_t ScanPlainLength(std::string_view input, size_t digits_at, int64_t* value) {
  const size_t size = input.size();
  if (digits_at >= size) {
    return 0;
  }
  const char* data = input.data();
  size_t i = digits_at;
  int64_t v = 0;
  if (data[i] == '0') {
    ++i;
  } else {
    const size_t limit = std::min(size, digits_at + 18);
    while (i < limit && data[i] >= '0' && data[i] <= '9') {
      v = v * 10 + (data[i] - '0');
      ++i;
    }
    if (i == digits_at) {
      return 0;
    }
  }
  if (i + 1 >= size || data[i] != '\r') {
    return 0;
  }
  *value = v;
  return i + 2;
}

// The longest plain length line after its first byte ('*' or '$'): 18 digits, '\r' and the
// byte after it. With more than this many bytes left from the line's first byte,
// ScanPaddedLength needs no bounds checks.
constexpr size_t kPaddedLine = 20;

// ScanPlainLength for the digits of a line with more than kPaddedLine bytes left, for the
// one-pass parse: the same lines accepted with the same values, but nullptr instead of 0 and
// a pointer past the line. Lengths of one and two digits return early.
inline const char* ScanPaddedLength(const char* digits, uint64_t* value) {
  uint64_t v = static_cast<unsigned char>(digits[0]) - uint64_t{'0'};
  if (v > 9) {
    return nullptr;
  }
  if (digits[1] == '\r') [[likely]] {
    *value = v;
    return digits + 3;
  }
  if (v == 0) {
    return nullptr;  // a leading zero
  }
  const uint64_t second = static_cast<unsigned char>(digits[1]) - uint64_t{'0'};
  if (second <= 9 && digits[2] == '\r') {
    *value = v * 10 + second;
    return digits + 4;
  }
  const char* p = digits + 1;
  for (uint64_t d; p < digits + 18 && (d = static_cast<unsigned char>(*p) - uint64_t{'0'}) <= 9;
       ++p) {
    v = v * 10 + d;
  }
  if (*p != '\r') {
    return nullptr;
  }
  *value = v;
  return p + 2;
}

// A length line at `line` (whose first byte the caller has checked) with kPaddedLine bytes
// left or fewer: ScanPlainLength, with ScanPaddedLength's results.
const char* ScanShortLength(std::string_view input, const char* line, uint64_t* value) {
  int64_t v = 0;
  const size_t next = ScanPlainLength(input, static_cast<size_t>(line + 1 - input.data()), &v);
  if (next == 0) {
    return nullptr;
  }
  *value = static_cast<uint64_t>(v);
  return input.data() + next;
}

}  // namespace

// Defined before Parse(), its only caller, to be inlined there (a call costs a fair share of
// the whole parse).
[[gnu::always_inline]] inline RespParser::Whole RespParser::ParseWholeMultibulk(
    std::string_view input) {
  const char* const data = input.data();
  const size_t size = input.size();
  // A line that starts at or before `padded` has more than kPaddedLine bytes after it, so one
  // comparison per element stands for the bounds checks of its line.
  const size_t padded = size > kPaddedLine ? size - kPaddedLine - 1 : 0;
  // An input of kPaddedLine bytes or fewer pads no line, not even a count line at 0.
  if (size <= kPaddedLine || position_ > padded) {
    whole_at_ = position_;  // a short command at the end: its count line too
    whole_done_ = 0;
    return Whole::kShortLines;
  }
  uint64_t count = 0;
  const char* const first = ScanPaddedLength(data + position_ + 1, &count);
  // count - 1 wraps for 0 (an empty command, which the general path skips).
  if (first == nullptr || count - 1 >= whole_max_count_) {
    return Whole::kGiveUp;
  }
  // More arguments than ever before: the general path grows the storage (growing here would
  // be a call, and cost every command saved registers).
  if (count > args_.size()) [[unlikely]] {
    return Whole::kGiveUp;
  }
  size_t at = static_cast<size_t>(first - data);  // the next element's line
  arg_count_ = count;
  std::string_view* const args = args_.data();
  // `at` may pass the end of the input meanwhile (data not all there): that is checked once
  // the line at `at` is not padded or the last element is done.
  for (size_t i = 0; i < count; ++i) {
    if (at > padded) {
      whole_at_ = at;
      whole_done_ = i;
      return Whole::kShortLines;
    }
    uint64_t length = 0;
    const char* const bulk = data[at] == '$' ? ScanPaddedLength(data + at + 1, &length) : nullptr;
    if (bulk == nullptr || length > whole_max_length_) {
      arg_count_ = 0;
      return Whole::kGiveUp;
    }
    args[i] = std::string_view(bulk, length);
    at = static_cast<size_t>(bulk - data) + length + 2;  // the line end, skipped unchecked
  }
  if (at > size) {
    arg_count_ = 0;
    return Whole::kGiveUp;
  }
  position_ = at;
  return Whole::kDone;
}

RespParser::Result RespParser::Parse(std::string_view input) {
  consumed_ = 0;
  arg_count_ = 0;  // the previous command's views may point into bytes the caller dropped
  if (mode_ == Mode::kIdle && !general_only_ && position_ < input.size() && input[position_] == '*')
      [[likely]] {
    const Whole whole = ParseWholeMultibulk(input);
    if (whole == Whole::kDone) [[likely]] {
      consumed_ = position_;
      position_ = 0;
      return Result::kCommand;
    }
    if (whole == Whole::kShortLines) {
      return ParseShortLines(input);
    }
  }
  return ParseGeneral(input);
}

[[gnu::noinline]] RespParser::Result RespParser::ParseShortLines(std::string_view input) {
  const char* const data = input.data();
  const size_t size = input.size();
  size_t at = whole_at_;
  if (arg_count_ == 0) {  // the count line is short too
    uint64_t count = 0;
    const char* const first = ScanShortLength(input, data + at, &count);
    if (first == nullptr || count - 1 >= whole_max_count_ || count > args_.size()) {
      return ParseGeneral(input);
    }
    arg_count_ = count;
    at = static_cast<size_t>(first - data);
  }
  for (size_t i = whole_done_; i < arg_count_; ++i) {
    uint64_t length = 0;
    const char* const bulk =
        at < size && data[at] == '$' ? ScanShortLength(input, data + at, &length) : nullptr;
    if (bulk == nullptr || length > whole_max_length_) {
      arg_count_ = 0;
      return ParseGeneral(input);
    }
    args_[i] = std::string_view(bulk, length);
    at = static_cast<size_t>(bulk - data) + length + 2;
  }
  if (at > size) {
    arg_count_ = 0;
    return ParseGeneral(input);
  }
  consumed_ = at;
  position_ = 0;
  return Result::kCommand;
}

[[gnu::noinline]] RespParser::Result RespParser::ParseGeneral(std::string_view input) {
  if (failed_) {
    return Result::kError;
  }
  input_size_ = input.size();
  ReleaseBigBulks();  // the command before this one has run
  while (true) {
    if (mode_ == Mode::kIdle) {
      if (position_ >= input.size()) {
        return Result::kNeedMore;
      }
      mode_ = input[position_] == '*' ? Mode::kMultibulk : Mode::kInline;
      scanned_ = position_;
    }
    const Result result = mode_ == Mode::kMultibulk ? ParseMultibulk(input) : ParseInline(input);
    if (result != Result::kCommand) {
      return result;
    }
    const bool empty = arg_count_ == 0;
    EndCommand();
    if (!empty) {
      consumed_ = position_;
      position_ = 0;
      return Result::kCommand;
    }
    // An empty command ("*0", "*-1", a blank line): Redis resets the client and goes on.
  }
}

size_t RespParser::FindFrom(std::string_view input, char delim) {
  const size_t from = std::max(scanned_, position_);
  const void* found =
      from < input.size() ? std::memchr(input.data() + from, delim, input.size() - from) : nullptr;
  if (found == nullptr) {
    scanned_ = input.size();
    return std::string_view::npos;
  }
  const size_t at = static_cast<const char*>(found) - input.data();
  scanned_ = at;
  return at;
}

RespParser::Result RespParser::ParseMultibulk(std::string_view input) {
  if (expected_args_ < 0) {
    int64_t count = 0;
    if (const size_t next = ScanPlainLength(input, position_ + 1, &count);
        next != 0 && count <= INT_MAX) {
      position_ = next;
    } else if (const Result result = ReadCount(input, &count); result != Result::kCommand) {
      return result;
    }
    scanned_ = position_;
    if (count <= 0) {
      return Result::kCommand;  // empty: skipped by Parse()
    }
    // Redis bounds what a client may make it allocate before it has authenticated.
    if (unauthenticated_ && count > kUnauthenticatedMaxArgs) {
      return Fail(std::string(errors::kProtoUnauthenticatedMbulkLength));
    }
    expected_args_ = count;
    spans_.clear();
    spans_.reserve(static_cast<size_t>(std::min(count, kMaxPreallocatedArgs)));
  }

  while (static_cast<int64_t>(spans_.size()) < expected_args_) {
    if (bulk_length_ < 0) {
      int64_t length = 0;
      const bool dollar = position_ < input.size() && input[position_] == '$';
      if (const size_t next = dollar ? ScanPlainLength(input, position_ + 1, &length) : 0;
          next != 0 && static_cast<uint64_t>(length) <= max_bulk_len_) {
        position_ = next;
      } else if (const Result result = ReadBulkLength(input, &length); result != Result::kCommand) {
        return result;
      }
      if (unauthenticated_ && length > kUnauthenticatedMaxBulk) {
        return Fail(std::string(errors::kProtoUnauthenticatedBulkLength));
      }
      bulk_length_ = length;
    }
    const auto length = static_cast<size_t>(bulk_length_);
    // +2: the line end after the data, skipped unchecked as Redis does.
    if (in_big_bulk_ || input.size() - position_ < length + 2) {
      if (!in_big_bulk_ && length >= kBigBulkBytes) {
        StartBigBulk();
      }
      if (!in_big_bulk_ || !AbsorbBigBulk(input)) {
        return Result::kNeedMore;
      }
      in_big_bulk_ = false;
      spans_.push_back({kBigBulkTag | (big_bulks_.bulks_.size() - 1), length});
      scanned_ = position_;
      bulk_length_ = -1;
      continue;
    }
    spans_.push_back({position_, length});
    position_ += length + 2;
    scanned_ = position_;
    bulk_length_ = -1;
  }

  std::string_view* args = ResizeArgs(spans_.size());
  if (holds_big_bulks_) [[unlikely]] {
    for (const Span& span : spans_) {
      *args++ = (span.offset & kBigBulkTag) != 0
                    ? big_bulks_.bulks_[span.offset & ~kBigBulkTag].view()
                    : std::string_view(input.data() + span.offset, span.length);
    }
    return Result::kCommand;
  }
  for (const Span& span : spans_) {
    *args++ = std::string_view(input.data() + span.offset, span.length);
  }
  return Result::kCommand;
}

void RespParser::StartBigBulk() {
  const auto length = static_cast<size_t>(bulk_length_);
  const size_t previous = spans_.empty() ? 0 : spans_.back().length;
  BigBulk bulk;
  bulk.headroom = big_bulk_headroom_ != nullptr ? big_bulk_headroom_(previous, length) : 0;
  bulk.length = length;
  bulk.capacity = bulk.headroom + length + 2;
  // Not zeroed: the socket writes every byte, so its pages become resident only as it fills.
  // Past kMaxBigBulkBlock nothing is asked of the allocator at all (sanitizers abort on such
  // requests instead of failing them).
  bulk.block.reset(length <= kMaxBigBulkBlock ? static_cast<char*>(std::malloc(bulk.capacity))
                                              : nullptr);
  if (bulk.block == nullptr) {
    // A length no allocation can hold (proto-max-bulk-len raised far past memory): the bulk
    // is read into the input like a small one, where client-query-buffer-limit ends it. Bad
    // input never ends the server.
    return;
  }
  big_bulks_.bulks_.push_back(std::move(bulk));
  holds_big_bulks_ = true;
  in_big_bulk_ = true;
  general_only_ = true;
}

bool RespParser::AbsorbBigBulk(std::string_view input) {
  BigBulk& bulk = big_bulks_.bulks_.back();
  const size_t wanted = bulk.length + 2 - bulk.filled;
  const size_t moved = std::min(wanted, input.size() - position_);
  if (moved != 0) {
    std::memcpy(bulk.block.get() + bulk.headroom + bulk.filled, input.data() + position_, moved);
    bulk.filled += moved;
    position_ += moved;
  }
  return bulk.filled == bulk.length + 2;
}

std::span<char> RespParser::BigBulkRemainder() {
  BigBulk& bulk = big_bulks_.bulks_.back();
  return {bulk.block.get() + bulk.headroom + bulk.filled, bulk.length + 2 - bulk.filled};
}

void RespParser::CommitBigBulk(size_t bytes) { big_bulks_.bulks_.back().filled += bytes; }

size_t RespParser::BigBulkBytesHeld() const {
  size_t bytes = 0;
  for (const BigBulk& bulk : big_bulks_.bulks_) {
    bytes += bulk.filled;
  }
  return bytes;
}

void RespParser::DropBigBulks() {
  big_bulks_.bulks_.clear();
  holds_big_bulks_ = false;
  in_big_bulk_ = false;
  general_only_ = failed_;
}

BigBulk* BigBulks::Find(std::string_view arg) {
  for (BigBulk& bulk : bulks_) {
    if (bulk.block != nullptr && arg.data() == bulk.block.get() + bulk.headroom &&
        arg.size() == bulk.length) {
      return &bulk;
    }
  }
  return nullptr;
}

RespParser::Result RespParser::ReadCount(std::string_view input, int64_t* count) {
  const size_t cr = FindFrom(input, '\r');
  if (cr == std::string_view::npos) {
    if (input.size() - position_ > kInlineMaxSize) {
      return Fail(std::string(errors::kProtoTooBigMbulkCount));
    }
    return Result::kNeedMore;
  }
  // Redis wants one more byte after '\r' (it skips it without checking it is '\n').
  if (cr + 1 >= input.size()) {
    return Result::kNeedMore;
  }
  if (!util::ParseInt64(input.substr(position_ + 1, cr - position_ - 1), count) ||
      *count > INT_MAX) {
    return Fail(std::string(errors::kProtoInvalidMbulkLength));
  }
  position_ = cr + 2;
  return Result::kCommand;
}

RespParser::Result RespParser::ReadBulkLength(std::string_view input, int64_t* length) {
  const size_t cr = FindFrom(input, '\r');
  if (cr == std::string_view::npos) {
    if (input.size() - position_ > kInlineMaxSize) {
      return Fail(std::string(errors::kProtoTooBigBulkCount));
    }
    return Result::kNeedMore;
  }
  if (cr + 1 >= input.size()) {
    return Result::kNeedMore;
  }
  // Redis looks at the first byte only once the whole line is there.
  if (input[position_] != '$') {
    return Fail(errors::ProtoExpectedDollar(input[position_]));
  }
  if (!util::ParseInt64(input.substr(position_ + 1, cr - position_ - 1), length) || *length < 0 ||
      static_cast<uint64_t>(*length) > max_bulk_len_) {
    return Fail(std::string(errors::kProtoInvalidBulkLength));
  }
  position_ = cr + 2;
  return Result::kCommand;
}

RespParser::Result RespParser::ParseInline(std::string_view input) {
  const size_t newline = FindFrom(input, '\n');
  if (newline == std::string_view::npos) {
    if (input.size() - position_ > kInlineMaxSize) {
      return Fail(std::string(errors::kProtoTooBigInline));
    }
    return Result::kNeedMore;
  }
  size_t end = newline;
  if (end > position_ && input[end - 1] == '\r') {
    --end;
  }
  if (!util::SplitArgs(input.substr(position_, end - position_), &inline_args_)) {
    return Fail(std::string(errors::kProtoUnbalancedQuotes));
  }
  position_ = newline + 1;
  std::string_view* args = ResizeArgs(inline_args_.size());
  for (const std::string& arg : inline_args_) {
    *args++ = arg;
  }
  return Result::kCommand;
}

RespParser::Result RespParser::Fail(std::string message) {
  failed_ = true;
  general_only_ = true;
  error_ = std::move(message);
  return Result::kError;
}

void RespParser::EndCommand() {
  mode_ = Mode::kIdle;
  expected_args_ = -1;
  bulk_length_ = -1;
  scanned_ = position_;
}

size_t RespParser::BytesStillNeeded() const {
  if (in_big_bulk_) {
    const BigBulk& bulk = big_bulks_.bulks_.back();
    return bulk.length + 2 - bulk.filled;
  }
  if (mode_ != Mode::kMultibulk || bulk_length_ < 0) {
    return 0;
  }
  const size_t end = position_ + static_cast<size_t>(bulk_length_) + 2;
  return end > input_size_ ? end - input_size_ : 0;
}

void RespParser::Reset() {
  EndCommand();
  position_ = 0;
  scanned_ = 0;
  consumed_ = 0;
  input_size_ = 0;
  failed_ = false;
  error_.clear();
  arg_count_ = 0;
  spans_.clear();
  inline_args_.clear();
  DropBigBulks();
}

}  // namespace cachette::protocol
