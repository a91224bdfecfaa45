// The keyspace alone (Store::WithKey + KeySlot) and the whole command path (Dispatcher: lookup,
// arity and auth checks, clock, handler, reply) for GET and SET over 100,000 keys with 64-byte
// values. Items are commands.

#include <benchmark/benchmark.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cachette/commands/client_state.h"
#include "cachette/commands/command_table.h"
#include "cachette/commands/dispatcher.h"
#include "cachette/commands/server_context.h"
#include "cachette/config/config.h"
#include "cachette/protocol/reply_writer.h"
#include "cachette/stats/stats.h"
#include "cachette/store/store.h"
#include "cachette/util/clock.h"

namespace cachette {
namespace {

constexpr size_t kKeys = 100000;
constexpr size_t kValueSize = 64;
constexpr int64_t kNowMs = 1700000000000;

// redis-benchmark's key form, in a pseudo-random order so that consecutive commands touch
// unrelated buckets and shards.
std::vector<std::string> MakeKeys() {
  std::vector<std::string> keys;
  keys.reserve(kKeys);
  for (size_t i = 0; i < kKeys; ++i) {
    char key[32];
    std::snprintf(key, sizeof(key), "key:%012zu", i * 7919 % kKeys);
    keys.emplace_back(key);
  }
  return keys;
}

const std::vector<std::string>& Keys() {
  static const std::vector<std::string> keys = MakeKeys();
  return keys;
}

const std::string& Value() {
  static const std::string value(kValueSize, 'x');
  return value;
}

// prefix_stats: count figures per key prefix (the server's default, prefix-stats yes).
std::unique_ptr<store::Store> FilledStore(bool prefix_stats = false) {
  auto store = std::make_unique<store::Store>(store::StoreOptions{});
  store->ConfigurePrefixStats({.enabled = prefix_stats, .rule = {}, .capacity = 128});
  for (const std::string& key : Keys()) {
    store->WithKey(0, key, kNowMs,
                   [&](store::KeySlot& slot) { return slot.Set(Value(), 0) != nullptr; });
  }
  return store;
}

void BM_StoreGet(benchmark::State& state) {
  auto store = FilledStore();
  const auto& keys = Keys();
  size_t i = 0;
  size_t bytes = 0;
  for (auto _ : state) {
    bytes += store->WithKey(0, keys[i], kNowMs, [](store::KeySlot& slot) {
      const store::Entry* entry = slot.Lookup();
      return entry ? entry->value_size() : 0;
    });
    i = i + 1 == kKeys ? 0 : i + 1;
  }
  if (bytes != static_cast<size_t>(state.iterations()) * kValueSize) {
    state.SkipWithError("GET missed");
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_StoreGet);

// SETs of the store's keys, one after another, for as long as the benchmark runs.
void SetKeysInTurn(benchmark::State& state, store::Store& store) {
  const auto& keys = Keys();
  size_t i = 0;
  for (auto _ : state) {
    store::Entry* entry = store.WithKey(0, keys[i], kNowMs,
                                        [](store::KeySlot& slot) { return slot.Set(Value(), 0); });
    benchmark::DoNotOptimize(entry);
    i = i + 1 == kKeys ? 0 : i + 1;
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_StoreSet(benchmark::State& state) {
  auto store = FilledStore();
  SetKeysInTurn(state, *store);
}
BENCHMARK(BM_StoreSet);

// The cost of figures per key prefix on the store's hot path: range(0) 1 counts them, 0 not.
// Keys of redis-benchmark's form all have the prefix "key".
void BM_StoreGetPrefixStats(benchmark::State& state) {
  auto store = FilledStore(state.range(0) != 0);
  const auto& keys = Keys();
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(store->WithKey(0, keys[i], kNowMs, [](store::KeySlot& slot) {
      const store::Entry* entry = slot.Lookup();
      return entry ? entry->value_size() : 0;
    }));
    i = i + 1 == kKeys ? 0 : i + 1;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_StoreGetPrefixStats)->Arg(0)->Arg(1);

void BM_StoreSetPrefixStats(benchmark::State& state) {
  auto store = FilledStore(state.range(0) != 0);
  SetKeysInTurn(state, *store);
}
BENCHMARK(BM_StoreSetPrefixStats)->Arg(0)->Arg(1);

// The objects main.cc wires together, without networking (control is null).
class CommandPath {
 public:
  // with_stats: count per-command statistics (INFO commandstats), as the server does.
  explicit CommandPath(bool with_stats = true)
      : store_(FilledStore()),
        table_(MakeTable()),
        stats_(with_stats ? std::make_unique<stats::Stats>(table_.spec_count()) : nullptr),
        context_(*store_, config_, table_, stats_.get(), clock_),
        dispatcher_(context_) {
    client_.authenticated = true;
  }

  // Runs one command and returns the reply bytes it appended to the output buffer; the buffer
  // is cleared every 1,000 replies, as a connection flushes it after a pipelined batch.
  size_t Run(std::span<const std::string_view> args) {
    if (++pending_ == 1000) {
      out_.clear();
      pending_ = 0;
    }
    const size_t before = out_.size();
    protocol::ReplyWriter writer(&out_, client_.resp_version);
    dispatcher_.Dispatch(client_, writer, args);
    return out_.size() - before;
  }

 private:
  static commands::CommandTable MakeTable() {
    commands::CommandTable table;
    commands::RegisterAllFamilies(table);
    return table;
  }

  const util::Clock clock_;
  config::Config config_;
  std::unique_ptr<store::Store> store_;
  commands::CommandTable table_;
  std::unique_ptr<stats::Stats> stats_;
  commands::ServerContext context_;
  commands::Dispatcher dispatcher_;
  commands::ClientState client_;
  std::string out_;
  int pending_ = 0;
};

// range(0): 1 with statistics (the server's path), 0 without (their cost is the difference).
void BM_DispatchGet(benchmark::State& state) {
  CommandPath path(state.range(0) != 0);
  const auto& keys = Keys();
  // A GET hit of a 64-byte value: "$64\r\n" + 64 bytes + "\r\n".
  constexpr size_t kReplySize = 5 + kValueSize + 2;
  size_t i = 0;
  size_t bytes = 0;
  for (auto _ : state) {
    const std::array<std::string_view, 2> args = {"GET", keys[i]};
    bytes += path.Run(args);
    i = i + 1 == kKeys ? 0 : i + 1;
  }
  if (bytes != static_cast<size_t>(state.iterations()) * kReplySize) {
    state.SkipWithError("GET did not reply with the value");
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DispatchGet)->Arg(1)->Arg(0);

void BM_DispatchSet(benchmark::State& state) {
  CommandPath path;
  const auto& keys = Keys();
  size_t i = 0;
  size_t bytes = 0;
  for (auto _ : state) {
    const std::array<std::string_view, 3> args = {"SET", keys[i], Value()};
    bytes += path.Run(args);
    i = i + 1 == kKeys ? 0 : i + 1;
  }
  if (bytes != static_cast<size_t>(state.iterations()) * 5) {  // "+OK\r\n"
    state.SkipWithError("SET did not reply +OK");
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DispatchSet);

// Lower-case names, as redis-py and most clients send them: the table lookup folds case.
void BM_DispatchGetLowerCase(benchmark::State& state) {
  CommandPath path;
  const auto& keys = Keys();
  size_t i = 0;
  for (auto _ : state) {
    const std::array<std::string_view, 2> args = {"get", keys[i]};
    benchmark::DoNotOptimize(path.Run(args));
    i = i + 1 == kKeys ? 0 : i + 1;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DispatchGetLowerCase);

}  // namespace
}  // namespace cachette
