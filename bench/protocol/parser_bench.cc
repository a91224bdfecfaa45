// RespParser over a buffer of pipelined commands (as a connection sees after one read of a
// pipelining client), and ReplyWriter appending the replies those commands produce.
// Items are commands parsed / replies written.

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "cachette/protocol/reply_writer.h"
#include "cachette/protocol/resp_parser.h"

namespace cachette::protocol {
namespace {

constexpr int kCommands = 1000;  // per buffer
constexpr size_t kValueSize = 64;

std::string Bulk(std::string_view bytes) {
  std::string out = "$";
  out.append(std::to_string(bytes.size())).append("\r\n").append(bytes).append("\r\n");
  return out;
}

// kCommands multibulk commands with redis-benchmark's key form ("key:000000004242").
std::string PipelinedBuffer(bool set) {
  const std::string value(kValueSize, 'x');
  std::string buffer;
  for (int i = 0; i < kCommands; ++i) {
    char key[32];
    std::snprintf(key, sizeof(key), "key:%012d", i * 7919 % 100000);
    if (set) {
      buffer += "*3\r\n" + Bulk("SET") + Bulk(key) + Bulk(value);
    } else {
      buffer += "*2\r\n" + Bulk("GET") + Bulk(key);
    }
  }
  return buffer;
}

// Parses the whole buffer as the connection does: Parse(), drop consumed() bytes, repeat.
void ParsePipelined(benchmark::State& state, bool set) {
  const std::string buffer = PipelinedBuffer(set);
  RespParser parser;
  size_t args_seen = 0;
  for (auto _ : state) {
    std::string_view rest(buffer);
    int parsed = 0;
    while (parser.Parse(rest) == RespParser::Result::kCommand) {
      args_seen += parser.args().size();
      rest.remove_prefix(parser.consumed());
      ++parsed;
    }
    if (parsed != kCommands || !rest.empty()) {
      state.SkipWithError("parser did not consume the buffer");
      break;
    }
    parser.Reset();
  }
  benchmark::DoNotOptimize(args_seen);
  state.SetItemsProcessed(state.iterations() * kCommands);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * buffer.size()));
}

void BM_ParsePipelinedGet(benchmark::State& state) { ParsePipelined(state, false); }
void BM_ParsePipelinedSet(benchmark::State& state) { ParsePipelined(state, true); }
BENCHMARK(BM_ParsePipelinedGet);
BENCHMARK(BM_ParsePipelinedSet);

// The same GET buffer arriving in reads of state.range(0) bytes: Parse() resumes inside a
// partial command, and the caller keeps the unconsumed tail.
void BM_ParsePipelinedGetInChunks(benchmark::State& state) {
  const std::string buffer = PipelinedBuffer(false);
  const size_t chunk = static_cast<size_t>(state.range(0));
  RespParser parser;
  for (auto _ : state) {
    size_t start = 0;  // first unconsumed byte
    size_t end = 0;    // bytes received so far
    int parsed = 0;
    while (end < buffer.size()) {
      end = std::min(buffer.size(), end + chunk);
      while (parser.Parse(std::string_view(buffer).substr(start, end - start)) ==
             RespParser::Result::kCommand) {
        start += parser.consumed();
        ++parsed;
      }
    }
    if (parsed != kCommands) {
      state.SkipWithError("parser did not consume the buffer");
      break;
    }
    parser.Reset();
  }
  state.SetItemsProcessed(state.iterations() * kCommands);
}
BENCHMARK(BM_ParsePipelinedGetInChunks)->Arg(16)->Arg(1024)->Arg(16384);

// Bulk replies of 64 bytes (GET hits), as the connection writes them into its output buffer.
void BM_ReplyBulk64(benchmark::State& state) {
  const std::string value(kValueSize, 'x');
  std::string out;
  out.reserve(kCommands * (kValueSize + 8));
  for (auto _ : state) {
    out.clear();
    ReplyWriter writer(&out);
    for (int i = 0; i < kCommands; ++i) {
      writer.Bulk(value);
    }
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * kCommands);
}
BENCHMARK(BM_ReplyBulk64);

// Integer replies of varied widths (INCR, DEL, EXISTS).
void BM_ReplyInteger(benchmark::State& state) {
  std::string out;
  out.reserve(kCommands * 24);
  for (auto _ : state) {
    out.clear();
    ReplyWriter writer(&out);
    for (int i = 0; i < kCommands; ++i) {
      writer.Integer(static_cast<int64_t>(i) * 1000003);
    }
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * kCommands);
}
BENCHMARK(BM_ReplyInteger);

// "+OK" replies (SET).
void BM_ReplyOk(benchmark::State& state) {
  std::string out;
  out.reserve(kCommands * 5);
  for (auto _ : state) {
    out.clear();
    ReplyWriter writer(&out);
    for (int i = 0; i < kCommands; ++i) {
      writer.Ok();
    }
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * kCommands);
}
BENCHMARK(BM_ReplyOk);

}  // namespace
}  // namespace cachette::protocol
