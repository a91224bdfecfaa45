// cachette-server [config-file] [--directive value ...]: reads the configuration, wires the
// modules together and runs until shutdown; it computes nothing of its own.

#include <pthread.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "cachette/commands/command_table.h"
#include "cachette/commands/dispatcher.h"
#include "cachette/commands/server_context.h"
#include "cachette/commands/store_settings.h"
#include "cachette/config/config.h"
#include "cachette/net/server.h"
#include "cachette/stats/stats.h"
#include "cachette/store/maintenance.h"
#include "cachette/store/store.h"
#include "cachette/util/clock.h"

namespace {

using cachette::config::Config;
using cachette::config::Id;

constexpr std::string_view kUsage =
    "Usage: cachette-server [/path/to/cachette.conf] [options] [-]\n"
    "       cachette-server - (read config from stdin)\n"
    "       cachette-server -v or --version\n"
    "       cachette-server -h or --help\n"
    "\n"
    "Options are configuration directives given as --name value, and override the file.\n"
    "Examples:\n"
    "       cachette-server (run with the default configuration)\n"
    "       cachette-server config/cachette.conf\n"
    "       cachette-server --port 7777\n"
    "       cachette-server config/cachette.conf --loglevel verbose --maxmemory 256mb\n"
    "\n"
    "Every directive is listed in docs/configuration.md.\n";

spdlog::level::level_enum LogLevel(const Config& config) {
  // Redis's levels: debug, verbose, notice (the default), warning, nothing.
  switch (config.Int(Id::kLoglevel)) {
    case 0:
      return spdlog::level::debug;
    case 1:
      return spdlog::level::debug;
    case 2:
      return spdlog::level::info;
    case 3:
      return spdlog::level::warn;
    default:
      return spdlog::level::off;
  }
}

void SetUpLogging(const Config& config) {
  const std::string path = config.String(Id::kLogfile);
  auto logger = path.empty() ? spdlog::stdout_logger_mt("cachette")
                             : spdlog::basic_logger_mt("cachette", path);
  logger->set_pattern(fmt::format("{}:M %d %b %Y %H:%M:%S.%e %^%L%$ %v", getpid()));
  logger->set_level(LogLevel(config));
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
}

}  // namespace

int main(int argc, char** argv) {
  // SIGINT/SIGTERM stay blocked until the server's handler exists; threads started meanwhile
  // inherit the mask, so the main thread is the one that receives them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.size() == 1 && (args[0] == "-v" || args[0] == "--version")) {
    std::printf("Cachette server v=%s (Redis protocol 7.0) bits=%zu\n", CACHETTE_VERSION,
                sizeof(void*) * 8);
    return 0;
  }
  if (args.size() == 1 && (args[0] == "-h" || args[0] == "--help")) {
    std::fputs(kUsage.data(), stdout);
    return 0;
  }

  Config config;
  if (auto error = config.Load(args)) {
    std::fputs(error->c_str(), stderr);
    if (!error->ends_with('\n')) {
      std::fputc('\n', stderr);
    }
    return 1;
  }
  try {
    SetUpLogging(config);
  } catch (const spdlog::spdlog_ex& error) {
    std::fprintf(stderr, "Can't open the log file: %s\n", error.what());
    return 1;
  }
  config.SetApplyHook(Id::kLoglevel, [](const Config& updated) -> std::optional<std::string> {
    spdlog::default_logger()->set_level(LogLevel(updated));
    return std::nullopt;
  });
  std::signal(SIGPIPE, SIG_IGN);

  cachette::store::Store store({.shards = static_cast<size_t>(config.Int(Id::kShards)),
                                .databases = static_cast<size_t>(config.Int(Id::kDatabases))});
  cachette::commands::BindStoreSettings(config, store);
  cachette::store::MaintenanceThread maintenance(store);
  cachette::commands::CommandTable table;
  cachette::commands::RegisterAllFamilies(table);
  cachette::stats::Stats stats(table.spec_count());
  const cachette::util::Clock clock;
  cachette::commands::ServerContext context(store, config, table, &stats, clock);
  cachette::commands::Dispatcher dispatcher(context);
  cachette::net::Server server(config, dispatcher);
  spdlog::info("Cachette {} starting, pid={}", CACHETTE_VERSION, getpid());
  if (auto error = server.Start()) {
    spdlog::critical("{}", *error);
    return 1;
  }
  pthread_sigmask(SIG_UNBLOCK, &stop_signals, nullptr);
  server.RunUntilShutdown();
  return 0;
}
