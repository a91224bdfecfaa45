#pragma once

// Appends RESP2 or RESP3 replies to a connection's output buffer. Handlers speak in reply
// types (a map, a null, a double) and the writer picks the wire form for the client's protocol
// version, as Redis's addReply* functions do (a map is a flat array in RESP2, a null is "$-1"
// or "*-1" in RESP2 and "_" in RESP3, a double is a bulk string in RESP2).

#include <cstdint>
#include <string>
#include <string_view>

namespace cachette::protocol {

class ReplyWriter {
 public:
  explicit ReplyWriter(std::string* out, int resp_version = 2) : out_(out), resp_(resp_version) {}

  int resp_version() const { return resp_; }
  void set_resp_version(int version) { resp_ = version; }
  std::string* buffer() const { return out_; }

  void SimpleString(std::string_view text);  // "+OK\r\n"; text must not contain CR or LF
  void Ok() { SimpleString("OK"); }
  // "-<text>\r\n"; text already holds its code ("ERR ...", "WRONGTYPE ..."). CR/LF inside
  // the text are replaced by spaces, as Redis does.
  void Error(std::string_view text);
  void Integer(int64_t value);           // ":<n>\r\n"
  void Bulk(std::string_view bytes);     // "$<len>\r\n<bytes>\r\n"
  void BulkInt(int64_t value);           // an integer as a bulk string
  void NullBulk();                       // RESP2 "$-1\r\n", RESP3 "_\r\n"
  void NullArray();                      // RESP2 "*-1\r\n", RESP3 "_\r\n"
  void ArrayHeader(size_t count);        // "*<n>\r\n"
  void EmptyArray() { ArrayHeader(0); }
  void MapHeader(size_t pairs);          // RESP3 "%<n>\r\n"; RESP2 "*<2n>\r\n"
  void SetHeader(size_t count);          // RESP3 "~<n>\r\n"; RESP2 "*<n>\r\n"
  void PushHeader(size_t count);         // RESP3 "><n>\r\n"; RESP2 "*<n>\r\n"
  void Double(double value);             // RESP3 ",<d>\r\n"; RESP2 bulk of the same text
  void Boolean(bool value);              // RESP3 "#t\r\n"; RESP2 ":1\r\n" / ":0\r\n"
  // RESP3 "=<len+4>\r\n<fmt>:<text>\r\n" (fmt is "txt" or "mkd"); RESP2 a bulk of text.
  void Verbatim(std::string_view text, std::string_view format = "txt");
  // Bytes already in RESP form (a reply computed elsewhere).
  void Raw(std::string_view bytes) { out_->append(bytes); }

 private:
  std::string* out_;
  int resp_;
};

}  // namespace cachette::protocol
