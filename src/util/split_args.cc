// A transcription of Redis 7.0 sds.c sdssplitargs. Redis reads a NUL-terminated string and
// often peeks at the next byte; here the line is cut at its first NUL and Peek() returns '\0'
// past the end, which reproduces Redis's behaviour byte for byte.
//
// Two kinds of whitespace, as in Redis: isspace() (which includes \v and \f) separates
// arguments and may follow a closing quote, but only ' ', \n, \r and \t end an unquoted
// argument, so "a\vb" is one argument.

#include "cachette/util/split_args.h"

namespace cachette::util {
namespace {

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

bool IsHexDigit(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  return c - 'A' + 10;
}

class Splitter {
 public:
  explicit Splitter(std::string_view line) : line_(line.substr(0, line.find('\0'))) {}

  bool Run(std::vector<std::string>* out) {
    while (true) {
      while (Peek(0) != '\0' && IsSpace(Peek(0))) {
        ++pos_;
      }
      if (Peek(0) == '\0') {
        return true;
      }
      std::string current;
      if (!Token(&current)) {
        return false;
      }
      out->push_back(std::move(current));
    }
  }

 private:
  char Peek(size_t ahead) const { return pos_ + ahead < line_.size() ? line_[pos_ + ahead] : '\0'; }

  // Reads one argument starting at pos_ (not whitespace, not the end).
  bool Token(std::string* current) {
    bool in_double = false;
    bool in_single = false;
    bool done = false;
    while (!done) {
      const char c = Peek(0);
      if (in_double) {
        if (c == '\\' && Peek(1) == 'x' && IsHexDigit(Peek(2)) && IsHexDigit(Peek(3))) {
          current->push_back(static_cast<char>(HexValue(Peek(2)) * 16 + HexValue(Peek(3))));
          pos_ += 3;
        } else if (c == '\\' && Peek(1) != '\0') {
          ++pos_;
          current->push_back(Unescape(Peek(0)));
        } else if (c == '"') {
          if (Peek(1) != '\0' && !IsSpace(Peek(1))) {
            return false;
          }
          done = true;
        } else if (c == '\0') {
          return false;  // Unterminated quotes.
        } else {
          current->push_back(c);
        }
      } else if (in_single) {
        if (c == '\\' && Peek(1) == '\'') {
          ++pos_;
          current->push_back('\'');
        } else if (c == '\'') {
          if (Peek(1) != '\0' && !IsSpace(Peek(1))) {
            return false;
          }
          done = true;
        } else if (c == '\0') {
          return false;  // Unterminated quotes.
        } else {
          current->push_back(c);
        }
      } else {
        switch (c) {
          case ' ':
          case '\n':
          case '\r':
          case '\t':
          case '\0':
            done = true;
            break;
          case '"':
            in_double = true;
            break;
          case '\'':
            in_single = true;
            break;
          default:
            current->push_back(c);
            break;
        }
      }
      if (Peek(0) != '\0') {
        ++pos_;
      }
    }
    return true;
  }

  static char Unescape(char c) {
    switch (c) {
      case 'n':
        return '\n';
      case 'r':
        return '\r';
      case 't':
        return '\t';
      case 'b':
        return '\b';
      case 'a':
        return '\a';
      default:
        return c;
    }
  }

  std::string_view line_;
  size_t pos_ = 0;
};

}  // namespace

bool SplitArgs(std::string_view line, std::vector<std::string>* out) {
  out->clear();
  if (!Splitter(line).Run(out)) {
    out->clear();
    return false;
  }
  return true;
}

void AppendQuoted(std::string* out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  for (unsigned char c : text) {
    switch (c) {
      case '\\':
        out->append("\\\\");
        break;
      case '"':
        out->append("\\\"");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      case '\a':
        out->append("\\a");
        break;
      case '\b':
        out->append("\\b");
        break;
      default:
        if (c >= 0x20 && c < 0x7f) {
          out->push_back(static_cast<char>(c));
        } else {
          out->append("\\x");
          out->push_back(kHex[c >> 4]);
          out->push_back(kHex[c & 0xF]);
        }
    }
  }
  out->push_back('"');
}

}  // namespace cachette::util
