#pragma once

// Runs commands through the real Dispatcher against a private Store and Config, and returns
// the exact RESP bytes each one wrote, so command tests compare wire bytes with Redis's:
//
//   CommandHarness h;
//   EXPECT_EQ(h.Run({"SET", "k", "v"}), "+OK\r\n");
//
// The client starts authenticated and on RESP2; Resp3() switches it to RESP3. There is no
// ServerControl (control is null), so SHUTDOWN fails and INFO reports zero network figures.
// Time is the harness's clock: a test stops it and moves it on (clock().Advance) to see keys
// expire, instead of sleeping.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cachette/commands/client_state.h"
#include "cachette/commands/command_table.h"
#include "cachette/commands/dispatcher.h"
#include "cachette/commands/server_context.h"
#include "cachette/commands/store_settings.h"
#include "cachette/config/config.h"
#include "cachette/protocol/reply_writer.h"
#include "cachette/stats/stats.h"
#include "cachette/store/store.h"
#include "cachette/util/clock.h"

namespace cachette::commands::testing {

class CommandHarness {
 public:
  explicit CommandHarness(store::StoreOptions options = {.shards = 16, .databases = 16})
      : store_(options),
        table_(MakeTable()),
        stats_(table_.spec_count()),
        server_(store_, config_, table_, &stats_, clock_),
        dispatcher_(server_) {
    BindStoreSettings(config_, store_);
    client_.authenticated = true;
  }

  // Dispatches one command and returns exactly the bytes it wrote.
  std::string Run(std::vector<std::string> args) {
    std::vector<std::string_view> views(args.begin(), args.end());
    output_.clear();
    protocol::ReplyWriter writer(&output_, client_.resp_version);
    dispatcher_.Dispatch(client_, writer, views);
    return output_;
  }

  // Dispatches one command for another client (WATCH/MULTI tests with two clients).
  std::string RunAs(ClientState& client, std::vector<std::string> args) {
    std::vector<std::string_view> views(args.begin(), args.end());
    std::string output;
    protocol::ReplyWriter writer(&output, client.resp_version);
    dispatcher_.Dispatch(client, writer, views);
    return output;
  }

  // A second authenticated client.
  ClientState NewClient() {
    ClientState client;
    client.authenticated = true;
    return client;
  }

  Dispatcher& dispatcher() { return dispatcher_; }

  void Resp3() { client_.resp_version = 3; }

  // The clock commands read: stop it (StopAt) and move it on (Advance) instead of sleeping.
  util::Clock& clock() { return clock_; }

  ClientState& client() { return client_; }
  store::Store& store() { return store_; }
  config::Config& config() { return config_; }
  const CommandTable& table() const { return table_; }
  stats::Stats& stats() { return stats_; }
  ServerContext& server() { return server_; }

 private:
  static CommandTable MakeTable() {
    CommandTable table;
    RegisterAllFamilies(table);
    return table;
  }

  util::Clock clock_;
  config::Config config_;
  store::Store store_;
  CommandTable table_;
  stats::Stats stats_;
  ServerContext server_;
  Dispatcher dispatcher_;
  ClientState client_;
  std::string output_;
};

// The bytes of a RESP2 bulk string ("$3\r\nfoo\r\n").
inline std::string Bulk(std::string_view bytes) {
  return "$" + std::to_string(bytes.size()) + "\r\n" + std::string(bytes) + "\r\n";
}

// The bytes of an integer reply (":5\r\n").
inline std::string Int(int64_t value) { return ":" + std::to_string(value) + "\r\n"; }

// The bytes of an error reply ("-ERR syntax error\r\n") from its text.
inline std::string Err(std::string_view text) { return "-" + std::string(text) + "\r\n"; }

// The bytes of a RESP2 array of bulk strings, in the given order.
inline std::string BulkArray(const std::vector<std::string>& items) {
  std::string out = "*" + std::to_string(items.size()) + "\r\n";
  for (const std::string& item : items) {
    out += Bulk(item);
  }
  return out;
}

// Reads a RESP2 array of bulk strings (a KEYS reply); nullopt when `reply` is anything else or
// has bytes left over. For replies whose order Redis does not define.
inline std::optional<std::vector<std::string>> ParseBulkArray(std::string_view reply) {
  auto read_line = [&](std::string_view* line) {
    const size_t end = reply.find("\r\n");
    if (end == std::string_view::npos) {
      return false;
    }
    *line = reply.substr(0, end);
    reply.remove_prefix(end + 2);
    return true;
  };
  std::string_view line;
  if (!read_line(&line) || line.empty() || line[0] != '*') {
    return std::nullopt;
  }
  const long count = std::stol(std::string(line.substr(1)));
  std::vector<std::string> items;
  for (long i = 0; i < count; ++i) {
    if (!read_line(&line) || line.empty() || line[0] != '$') {
      return std::nullopt;
    }
    const size_t size = std::stoul(std::string(line.substr(1)));
    if (reply.size() < size + 2 || reply.substr(size, 2) != "\r\n") {
      return std::nullopt;
    }
    items.emplace_back(reply.substr(0, size));
    reply.remove_prefix(size + 2);
  }
  if (!reply.empty()) {
    return std::nullopt;
  }
  return items;
}

// Splits a SCAN reply into its cursor and its keys; nullopt when it is not one.
struct ScanPage {
  std::string cursor;
  std::vector<std::string> keys;
};
inline std::optional<ScanPage> ParseScanReply(std::string_view reply) {
  constexpr std::string_view kHeader = "*2\r\n";
  if (reply.substr(0, kHeader.size()) != kHeader) {
    return std::nullopt;
  }
  reply.remove_prefix(kHeader.size());
  // The cursor bulk, then an array of bulks: parse the cursor as a one-element array.
  const size_t array_start = reply.find("\r\n*");
  if (array_start == std::string_view::npos) {
    return std::nullopt;
  }
  const std::string cursor_bulk = "*1\r\n" + std::string(reply.substr(0, array_start + 2));
  auto cursor = ParseBulkArray(cursor_bulk);
  auto keys = ParseBulkArray(reply.substr(array_start + 2));
  if (!cursor || !keys) {
    return std::nullopt;
  }
  return ScanPage{(*cursor)[0], *keys};
}

}  // namespace cachette::commands::testing
