// RespParser against a plain reference model of Redis 7.0's request parsing
// (processMultibulkBuffer and processInlineBuffer in networking.c), on seeded random pipelines:
// well-formed commands mixed with every malformation the generator knows (padded, signed,
// empty and overflowing counts and lengths, a wrong type byte, a missing CR or LF, a bulk
// longer than proto-max-bulk-len or than an unauthenticated client may send, inline commands
// with quotes). Each pipeline is fed whole, byte by byte and in random chunks, from an exactly
// sized heap array (so ASan sees any read past the end) and again with stale bytes after the
// view; every step must give the model's result: the same arguments, the same consumed count,
// the same error text.
//
// The model is deliberately naive (rescans from the start of the unconsumed input on every
// call); it shares only the number parser, the argument splitter and the error texts with
// the code under test. CACHETTE_PARSER_FUZZ_ITERATIONS and CACHETTE_PARSER_FUZZ_SEED run more
// (or other) pipelines by hand.

#include <gtest/gtest.h>

#include <climits>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "cachette/protocol/errors.h"
#include "cachette/protocol/resp_parser.h"
#include "cachette/util/numbers.h"
#include "cachette/util/split_args.h"

namespace cachette::protocol {
namespace {

namespace errors = protocol::errors;

// Redis's PROTO_INLINE_MAX_SIZE: a line (count, length or inline command) longer than this
// without its CR is refused.
constexpr size_t kMaxLine = 64 * 1024;
constexpr int64_t kUnauthenticatedMaxCount = 10;
constexpr int64_t kUnauthenticatedMaxBulk = 16 * 1024;

struct Expected {
  RespParser::Result result = RespParser::Result::kNeedMore;
  std::vector<std::string> args;
  size_t consumed = 0;
  std::string error;
  bool multibulk = false;  // argument views then point into the input
};

Expected ModelParse(std::string_view in, bool unauthenticated, size_t max_bulk) {
  Expected out;
  size_t pos = 0;
  auto need_more = [&] {
    out.result = RespParser::Result::kNeedMore;
    return out;
  };
  auto fail = [&](std::string error) {
    out.result = RespParser::Result::kError;
    out.error = std::move(error);
    return out;
  };
  auto find = [&](char c) -> size_t {
    if (pos >= in.size()) {
      return std::string_view::npos;
    }
    const void* found = std::memchr(in.data() + pos, c, in.size() - pos);
    return found == nullptr ? std::string_view::npos
                            : static_cast<size_t>(static_cast<const char*>(found) - in.data());
  };
  while (true) {
    if (pos >= in.size()) {
      return need_more();
    }
    if (in[pos] != '*') {
      const size_t newline = find('\n');
      if (newline == std::string_view::npos) {
        if (in.size() - pos > kMaxLine) {
          return fail(std::string(errors::kProtoTooBigInline));
        }
        return need_more();
      }
      size_t end = newline;
      if (end > pos && in[end - 1] == '\r') {
        --end;
      }
      std::vector<std::string> args;
      if (!util::SplitArgs(in.substr(pos, end - pos), &args)) {
        return fail(std::string(errors::kProtoUnbalancedQuotes));
      }
      pos = newline + 1;
      if (args.empty()) {
        continue;  // an empty line is skipped, as Redis does
      }
      out.args = std::move(args);
      out.result = RespParser::Result::kCommand;
      out.consumed = pos;
      return out;
    }
    size_t cr = find('\r');
    if (cr == std::string_view::npos) {
      if (in.size() - pos > kMaxLine) {
        return fail(std::string(errors::kProtoTooBigMbulkCount));
      }
      return need_more();
    }
    if (cr + 1 >= in.size()) {
      return need_more();
    }
    int64_t count = 0;
    if (!util::ParseInt64(in.substr(pos + 1, cr - pos - 1), &count) || count > INT_MAX) {
      return fail(std::string(errors::kProtoInvalidMbulkLength));
    }
    if (count > kUnauthenticatedMaxCount && unauthenticated) {
      return fail(std::string(errors::kProtoUnauthenticatedMbulkLength));
    }
    pos = cr + 2;
    if (count <= 0) {
      continue;  // *0 and *-1 are skipped
    }
    out.args.clear();
    out.multibulk = true;
    for (int64_t i = 0; i < count; ++i) {
      cr = find('\r');
      if (cr == std::string_view::npos) {
        if (in.size() - pos > kMaxLine) {
          return fail(std::string(errors::kProtoTooBigBulkCount));
        }
        return need_more();
      }
      if (cr + 1 >= in.size()) {
        return need_more();
      }
      if (in[pos] != '$') {
        return fail(errors::ProtoExpectedDollar(in[pos]));
      }
      int64_t length = 0;
      if (!util::ParseInt64(in.substr(pos + 1, cr - pos - 1), &length) || length < 0 ||
          static_cast<uint64_t>(length) > max_bulk) {
        return fail(std::string(errors::kProtoInvalidBulkLength));
      }
      if (length > kUnauthenticatedMaxBulk && unauthenticated) {
        return fail(std::string(errors::kProtoUnauthenticatedBulkLength));
      }
      pos = cr + 2;
      if (in.size() - pos < static_cast<uint64_t>(length) + 2) {
        return need_more();
      }
      out.args.emplace_back(in.substr(pos, static_cast<size_t>(length)));
      pos += static_cast<size_t>(length) + 2;
    }
    out.result = RespParser::Result::kCommand;
    out.consumed = pos;
    return out;
  }
}

class PipelineGenerator {
 public:
  explicit PipelineGenerator(uint64_t seed) : random_(seed) {}

  size_t Below(size_t n) { return static_cast<size_t>(random_() % n); }

  std::string Next() {
    std::string out;
    const size_t commands = 1 + Below(4);
    for (size_t c = 0; c < commands; ++c) {
      if (Below(10) == 0) {
        static constexpr const char* kInline[] = {"PING\r\n", "set a \"b c\"\n", "\r\n",
                                                  "\n",       " \r\n",           "*\r\n"};
        out += kInline[Below(6)];
        continue;
      }
      const int count = Below(12) == 0  ? static_cast<int>(Below(3)) - 1
                        : Below(8) == 0 ? 1 + static_cast<int>(Below(14))
                                        : 1 + static_cast<int>(Below(5));
      out += "*" + Malformed(std::to_string(count), /*count=*/true) + (Below(30) ? "\r\n" : "\rX");
      for (int i = 0; i < count; ++i) {
        const size_t length = Below(6) ? Below(5) : Below(40);
        out += (Below(40) ? "$" : "#") + Malformed(std::to_string(length), /*count=*/false) +
               (Below(40) ? "\r\n" : "\r");
        for (size_t k = 0; k < length; ++k) {
          out += "ab\r\n$*01"[Below(8)];
        }
        out += Below(30) ? "\r\n" : "XY";
      }
    }
    return out;
  }

 private:
  // Now and then, a count or length line in a shape Redis refuses or reads differently.
  std::string Malformed(std::string number, bool count) {
    switch (Below(count ? 20 : 30)) {
      case 0:
        return "0" + number;
      case 1:
        return count ? "+" + number : "-1";
      case 2:
        return "";
      case 3:
        return count ? "2147483648" : std::string(18, '9');
      case 4:
        return std::string(17, '1');
      case 5:
        return std::string(18, '9');
      case 6:
        return std::string(19, '9');
      case 7:
        return count ? "11" : "16385";
      case 8:
        return count ? number : "9223372036854775807";
      case 9:
        return count ? "10" : "16384";
      default:
        return number;
    }
  }

  std::mt19937_64 random_;
};

enum class Feed { kWhole, kByteByByte, kRandomChunks };

// Feeds `pipeline` to one parser as a connection would (the unconsumed rest, grown by the
// next chunk), comparing every step with the model. Returns a description of the first
// mismatch, or an empty string.
std::string FeedAndCompare(PipelineGenerator& random, const std::string& pipeline, Feed feed,
                           bool unauthenticated, size_t max_bulk, bool stale_bytes_after) {
  RespParser parser(max_bulk);
  parser.set_unauthenticated(unauthenticated);
  size_t base = 0;       // start of the unconsumed input
  size_t available = 0;  // bytes received so far
  while (available < pipeline.size()) {
    const size_t step = feed == Feed::kWhole        ? pipeline.size()
                        : feed == Feed::kByteByByte ? 1
                                                    : 1 + random.Below(30);
    available = std::min(pipeline.size(), available + step);
    while (true) {
      const size_t size = available - base;
      const size_t extra = stale_bytes_after ? 64 : 0;
      auto buffer = std::make_unique<char[]>(size + extra);
      std::memcpy(buffer.get(), pipeline.data() + base, size);
      for (size_t k = 0; k < extra; ++k) {
        buffer[size + k] = "9\r\n$*0"[random.Below(6)];
      }
      const std::string_view input(buffer.get(), size);
      const Expected expected = ModelParse(input, unauthenticated, max_bulk);
      const RespParser::Result result = parser.Parse(input);
      std::string mismatch;
      if (result != expected.result) {
        mismatch = "result " + std::to_string(static_cast<int>(result)) + ", model " +
                   std::to_string(static_cast<int>(expected.result)) +
                   " (error: " + parser.error() + " / " + expected.error + ")";
      } else if (result == RespParser::Result::kCommand) {
        const auto args = parser.args();
        if (args.size() != expected.args.size() || parser.consumed() != expected.consumed) {
          mismatch = "consumed " + std::to_string(parser.consumed()) + ", model " +
                     std::to_string(expected.consumed);
        }
        for (size_t i = 0; mismatch.empty() && i < args.size(); ++i) {
          if (args[i] != expected.args[i]) {
            mismatch = "argument " + std::to_string(i) + " differs";
          } else if (expected.multibulk && !args[i].empty() &&
                     (args[i].data() < input.data() ||
                      args[i].data() + args[i].size() > input.data() + input.size())) {
            mismatch = "argument " + std::to_string(i) + " points outside the input";
          }
        }
      } else if (result == RespParser::Result::kError && parser.error() != expected.error) {
        mismatch = "error [" + parser.error() + "], model [" + expected.error + "]";
      }
      if (!mismatch.empty()) {
        std::string shown;
        for (const char c : pipeline.substr(base, size)) {
          shown += c == '\r'   ? std::string("\\r")
                   : c == '\n' ? std::string("\\n")
                               : std::string(1, c);
        }
        return mismatch + " on \"" + shown + "\"";
      }
      if (result != RespParser::Result::kCommand) {
        if (result == RespParser::Result::kError) {
          return "";
        }
        break;  // needs more: the next chunk
      }
      base += parser.consumed();
    }
  }
  return "";
}

int64_t FromEnvironment(const char* name, int64_t fallback) {
  const char* text = std::getenv(name);
  return text != nullptr ? std::atoll(text) : fallback;
}

TEST(RespParserDifferentialTest, EveryStepMatchesTheReferenceModel) {
  const int64_t iterations = FromEnvironment("CACHETTE_PARSER_FUZZ_ITERATIONS", 20000);
  const auto seed = static_cast<uint64_t>(FromEnvironment("CACHETTE_PARSER_FUZZ_SEED", 12345));
  PipelineGenerator random(seed);
  constexpr size_t kMaxBulkLengths[] = {
      512u * 1024 * 1024, 3, 16384, 16383, 20, SIZE_MAX, static_cast<size_t>(INT64_MAX)};
  int failures = 0;
  for (int64_t i = 0; i < iterations && failures < 5; ++i) {
    const std::string pipeline = random.Next();
    const bool unauthenticated = random.Below(4) == 0;
    const size_t max_bulk = kMaxBulkLengths[random.Below(std::size(kMaxBulkLengths))];
    for (const Feed feed : {Feed::kWhole, Feed::kByteByByte, Feed::kRandomChunks}) {
      for (const bool stale : {false, true}) {
        const std::string mismatch =
            FeedAndCompare(random, pipeline, feed, unauthenticated, max_bulk, stale);
        if (!mismatch.empty()) {
          ++failures;
          ADD_FAILURE() << "pipeline " << i << " (seed " << seed << "), feed "
                        << static_cast<int>(feed) << (stale ? " with stale bytes" : "")
                        << (unauthenticated ? ", unauthenticated" : "") << ", max bulk " << max_bulk
                        << ": " << mismatch;
        }
      }
    }
  }
}

}  // namespace
}  // namespace cachette::protocol
