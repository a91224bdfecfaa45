#pragma once

// Appends RESP2 or RESP3 replies to a connection's output buffer. Handlers speak in reply
// types (a map, a null, a double) and the writer picks the wire form for the client's protocol
// version, as Redis's addReply* functions do (a map is a flat array in RESP2, a null is "$-1"
// or "*-1" in RESP2 and "_" in RESP3, a double is a bulk string in RESP2).

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace cachette::protocol {

// The small, frequent replies (simple strings, integers, bulks, array headers) are defined
// here so they inline into handlers: each is one to three appends with no formatting library.
class ReplyWriter {
 public:
  explicit ReplyWriter(std::string* out, int resp_version = 2) : out_(out), resp_(resp_version) {}

  int resp_version() const { return resp_; }
  void set_resp_version(int version) { resp_ = version; }
  std::string* buffer() const { return out_; }

  // "+OK\r\n"; text must not contain CR or LF.
  void SimpleString(std::string_view text) {
    if (text.size() <= kSmallReply) {
      char buf[kSmallReply + 3];
      buf[0] = '+';
      std::memcpy(buf + 1, text.data(), text.size());
      std::memcpy(buf + 1 + text.size(), "\r\n", 2);
      out_->append(buf, text.size() + 3);
    } else {
      out_->push_back('+');
      out_->append(text);
      out_->append("\r\n", 2);
    }
  }
  void Ok() { SimpleString("OK"); }
  // "-<text>\r\n"; text already holds its code ("ERR ...", "WRONGTYPE ..."). CR/LF inside
  // the text are replaced by spaces, as Redis does.
  void Error(std::string_view text);
  void Integer(int64_t value) { Header(':', value); }  // ":<n>\r\n"
  // "$<len>\r\n<bytes>\r\n"
  void Bulk(std::string_view bytes) {
    if (bytes.size() <= kSmallReply) {
      // One append for the common small value (a GET of a short string).
      char buf[kSmallReply + kMaxHeader + 2];
      size_t n = WriteHeader(buf, '$', static_cast<int64_t>(bytes.size()));
      std::memcpy(buf + n, bytes.data(), bytes.size());
      n += bytes.size();
      std::memcpy(buf + n, "\r\n", 2);
      out_->append(buf, n + 2);
    } else {
      // Room for all of it first: appending the line end to a buffer grown to just fit the
      // value would grow it again, copying a big value twice.
      out_->reserve(out_->size() + kMaxHeader + bytes.size() + 2);
      Header('$', static_cast<int64_t>(bytes.size()));
      out_->append(bytes);
      out_->append("\r\n", 2);
    }
  }
  void BulkInt(int64_t value);  // an integer as a bulk string
  void NullBulk();              // RESP2 "$-1\r\n", RESP3 "_\r\n"
  void NullArray();             // RESP2 "*-1\r\n", RESP3 "_\r\n"
  void ArrayHeader(size_t count) { Header('*', static_cast<int64_t>(count)); }  // "*<n>\r\n"
  void EmptyArray() { ArrayHeader(0); }
  void MapHeader(size_t pairs);   // RESP3 "%<n>\r\n"; RESP2 "*<2n>\r\n"
  void SetHeader(size_t count);   // RESP3 "~<n>\r\n"; RESP2 "*<n>\r\n"
  void PushHeader(size_t count);  // RESP3 "><n>\r\n"; RESP2 "*<n>\r\n"
  void Double(double value);      // RESP3 ",<d>\r\n"; RESP2 bulk of the same text
  void Boolean(bool value);       // RESP3 "#t\r\n"; RESP2 ":1\r\n" / ":0\r\n"
  // RESP3 "=<len+4>\r\n<fmt>:<text>\r\n" (fmt is "txt" or "mkd"); RESP2 a bulk of text.
  void Verbatim(std::string_view text, std::string_view format = "txt");
  // Bytes already in RESP form (a reply computed elsewhere).
  void Raw(std::string_view bytes) { out_->append(bytes); }

 private:
  // Replies up to this size are built on the stack and appended at once.
  static constexpr size_t kSmallReply = 64;
  // A type byte, an int64 ("-9223372036854775808" is 20 characters) and CRLF.
  static constexpr size_t kMaxHeader = 1 + 20 + 2;

  // Writes "<type><n>\r\n" into buf (at least kMaxHeader bytes); returns its length.
  static size_t WriteHeader(char* buf, char type, int64_t n) {
    buf[0] = type;
    char* end = std::to_chars(buf + 1, buf + kMaxHeader - 2, n).ptr;
    end[0] = '\r';
    end[1] = '\n';
    return static_cast<size_t>(end + 2 - buf);
  }
  void Header(char type, int64_t n) {
    char buf[kMaxHeader];
    out_->append(buf, WriteHeader(buf, type, n));
  }

  std::string* out_;
  int resp_;
};

}  // namespace cachette::protocol
