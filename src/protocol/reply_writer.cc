#include "cachette/protocol/reply_writer.h"

#include <algorithm>
#include <string>

#include "cachette/util/numbers.h"

namespace cachette::protocol {

void ReplyWriter::Error(std::string_view text) {
  const size_t start = out_->size() + 1;
  out_->push_back('-');
  out_->append(text);
  // Arguments quoted into an error may hold line ends, which would break the framing.
  std::replace_if(
      out_->begin() + static_cast<std::ptrdiff_t>(start), out_->end(),
      [](char c) { return c == '\r' || c == '\n'; }, ' ');
  out_->append("\r\n", 2);
}

void ReplyWriter::BulkInt(int64_t value) {
  char digits[kMaxHeader];
  const size_t len =
      static_cast<size_t>(std::to_chars(digits, digits + sizeof(digits), value).ptr - digits);
  char buf[2 * kMaxHeader];
  size_t n = WriteHeader(buf, '$', static_cast<int64_t>(len));
  std::memcpy(buf + n, digits, len);
  n += len;
  std::memcpy(buf + n, "\r\n", 2);
  out_->append(buf, n + 2);
}

void ReplyWriter::NullBulk() {
  if (resp_ >= 3) {
    out_->append("_\r\n", 3);
  } else {
    out_->append("$-1\r\n", 5);
  }
}

void ReplyWriter::NullArray() {
  if (resp_ >= 3) {
    out_->append("_\r\n", 3);
  } else {
    out_->append("*-1\r\n", 5);
  }
}

void ReplyWriter::MapHeader(size_t pairs) {
  if (resp_ >= 3) {
    Header('%', static_cast<int64_t>(pairs));
  } else {
    Header('*', static_cast<int64_t>(2 * pairs));
  }
}

void ReplyWriter::SetHeader(size_t count) {
  Header(resp_ >= 3 ? '~' : '*', static_cast<int64_t>(count));
}

void ReplyWriter::PushHeader(size_t count) {
  Header(resp_ >= 3 ? '>' : '*', static_cast<int64_t>(count));
}

void ReplyWriter::Double(double value) {
  const std::string text = util::DoubleToString(value);
  if (resp_ >= 3) {
    out_->push_back(',');
    out_->append(text);
    out_->append("\r\n", 2);
  } else {
    Bulk(text);
  }
}

void ReplyWriter::Boolean(bool value) {
  if (resp_ >= 3) {
    out_->append(value ? "#t\r\n" : "#f\r\n", 4);
  } else {
    out_->append(value ? ":1\r\n" : ":0\r\n", 4);
  }
}

void ReplyWriter::Verbatim(std::string_view text, std::string_view format) {
  if (resp_ < 3) {
    Bulk(text);
    return;
  }
  Header('=', static_cast<int64_t>(text.size() + 4));
  // Redis writes exactly three format bytes, padding a short one with spaces.
  char prefix[4] = {' ', ' ', ' ', ':'};
  std::memcpy(prefix, format.data(), std::min<size_t>(format.size(), 3));
  out_->append(prefix, sizeof(prefix));
  out_->append(text);
  out_->append("\r\n", 2);
}

}  // namespace cachette::protocol
