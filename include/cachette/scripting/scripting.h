#pragma once

// Lua scripting, server-wide: the script cache (SHA1 -> body, shared by every I/O thread), the
// Lua 5.1 VM of each thread (created on first use, recreated after SCRIPT FLUSH), and the state
// of the script running now, which other threads read for BUSY and SCRIPT KILL.
//
// A script runs on its caller's thread. The commands module holds every shard for the thread
// around Run (so the script is atomic) and implements ScriptHost for redis.call. Only one
// script runs at a time (it holds every shard); Run marks it running, so commands of other
// threads wait for it (WaitWhileRunning) and get -BUSY once it has run past
// busy-reply-threshold.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "cachette/protocol/reply_writer.h"
#include "cachette/scripting/script_host.h"

namespace cachette::scripting {

class Scripting {
 public:
  Scripting();
  ~Scripting();
  Scripting(const Scripting&) = delete;
  Scripting& operator=(const Scripting&) = delete;

  // --- The script cache ----------------------------------------------------------------

  // EVAL, SCRIPT LOAD: compiles body in this thread's VM and caches it; *sha gets its SHA1.
  // On a compile error returns Redis's error text ("ERR Error compiling script (new
  // function): user_script:1: ...") and caches nothing.
  std::optional<std::string> Load(std::string_view body, std::string* sha);
  // The "#!lua flags=..." first line of an EVAL script (Redis 7): whether there is one, and
  // whether it declares no-writes. Redis's error text for a bad line.
  struct ScriptFlags {
    bool shebang = false;
    bool no_writes = false;
  };
  static std::optional<std::string> ParseShebang(std::string_view body, ScriptFlags* flags);
  // SCRIPT EXISTS / EVALSHA: whether sha (any case) names a cached script.
  bool Exists(std::string_view sha) const;
  // SCRIPT FLUSH: forgets every script; each thread's VM is replaced on its next use.
  void Flush();
  size_t size() const;

  // Runs the cached script `sha` (any case) with KEYS and ARGV, writing its reply (or Redis's
  // error reply) to `reply`. Returns false, writing nothing, when sha is not cached (the
  // caller answers NOSCRIPT). The caller holds every shard. `read_only`: EVAL_RO/EVALSHA_RO
  // (the host refuses writes; recorded for SCRIPT KILL's messages).
  bool Run(std::string_view sha, std::span<const std::string_view> keys,
           std::span<const std::string_view> args, ScriptHost& host, protocol::ReplyWriter& reply);

  // --- Functions (Redis 7 libraries) -----------------------------------------------------

  struct FunctionInfo {
    std::string name;
    std::optional<std::string> description;
    std::vector<std::string> flags;  // "no-writes", "allow-oom", ...
    bool no_writes() const;
  };
  struct LibraryInfo {
    std::string name;
    std::string code;
    std::vector<FunctionInfo> functions;  // sorted by name
  };

  // FUNCTION LOAD [REPLACE]: runs the library's code in this thread's VM (registering its
  // functions), then adds it. Returns Redis's error text, or sets *name.
  std::optional<std::string> LoadLibrary(std::string_view code, bool replace, std::string* name);
  bool DeleteLibrary(std::string_view name);
  void FlushFunctions();
  std::vector<LibraryInfo> Libraries() const;  // sorted by name
  std::optional<FunctionInfo> FindFunction(std::string_view name) const;
  // FUNCTION DUMP / RESTORE: Cachette's own payload (not Redis's RDB encoding).
  std::string DumpFunctions() const;
  enum class RestorePolicy { kAppend, kReplace, kFlush };
  std::optional<std::string> RestoreFunctions(std::string_view payload, RestorePolicy policy);
  // FCALL: runs function `name` (which FindFunction found) with keys and args. The caller
  // holds every shard. `command` is the FCALL as sent (FUNCTION STATS shows it).
  void RunFunction(std::string_view name, std::span<const std::string_view> keys,
                   std::span<const std::string_view> args, ScriptHost& host,
                   protocol::ReplyWriter& reply, std::span<const std::string_view> command);
  uint64_t functions_generation() const {
    return functions_generation_.load(std::memory_order_acquire);
  }

  // --- The running script (BUSY, SCRIPT KILL) -------------------------------------------

  // True while a script runs (on any thread).
  bool running() const { return running_.load(std::memory_order_acquire); }
  // For a command of another thread while a script may run: waits until no script runs
  // (true), or until the running one has run for threshold_ms (false: answer BUSY).
  bool WaitWhileRunning(int64_t threshold_ms);
  // True when a script runs and has run for at least threshold_ms.
  bool TimedOut(int64_t threshold_ms) const;

  enum class KillResult { kNotBusy, kUnkillable, kKilled, kWrongKind };
  // SCRIPT KILL (function false) / FUNCTION KILL (function true): asks the running script to
  // stop at its next hook check. kWrongKind: SCRIPT KILL of a function or the reverse.
  KillResult Kill(bool function = false);
  // Whether the running script is a function (FCALL): BUSY names FUNCTION KILL then.
  bool running_function() const { return running_function_.load(std::memory_order_acquire); }
  // FUNCTION STATS' running_script: the function's name, its FCALL and its run time so far.
  struct RunningFunction {
    std::string name;
    std::vector<std::string> command;
    int64_t duration_ms = 0;
  };
  std::optional<RunningFunction> CurrentFunction();
  // Shutdown (SHUTDOWN NOSAVE, SIGTERM): stops the running script even when it has written,
  // and every script started from now on at its first hook check (a pipelined EVAL behind it
  // must not hold its I/O thread either: the server is going down).
  void ForceKill();
  // The running script executed a write command (SCRIPT KILL answers UNKILLABLE).
  void NoteWrite() { wrote_.store(true, std::memory_order_release); }
  bool wrote() const { return wrote_.load(std::memory_order_acquire); }

  // --- Serving other clients while a script runs long ----------------------------------
  //
  // A script runs inside a command handler on its client's I/O thread, so that thread's
  // other clients would wait for it. Instead, the thread's owner (net) registers a "busy
  // server" for the thread; the VM's instruction-count hook calls it through
  // ServeWhileBusyIfDue, at most once per kBusyServePeriodMs. The busy server decides whether
  // the script is past busy-reply-threshold, then reads and answers the thread's other
  // clients (commands without allow-busy get -BUSY) and admits new connections, without ever
  // running the script's own client or arbitrary event-loop handlers.

  using BusyServer = std::function<void()>;
  // Registers (or, with null, clears) the calling thread's busy server.
  static void SetThreadBusyServer(BusyServer server);
  // True on the calling thread while its busy server runs: the dispatcher then answers -BUSY
  // at once to every command not flagged allow-busy.
  static bool ServingWhileBusy();
  // For the VM's hook, on the script's thread: runs the thread's busy server when one is
  // registered and the last run is kBusyServePeriodMs old (never re-entered).
  void ServeWhileBusyIfDue();
  static constexpr int64_t kBusyServePeriodMs = 2;

  // For the VM's hook: whether the running script must stop now.
  bool kill_requested() const {
    return kill_.load(std::memory_order_acquire) || stopping_.load(std::memory_order_acquire);
  }

  // Identifies this instance (per-thread VMs are tied to one instance).
  uint64_t id() const { return id_; }
  uint64_t generation() const { return generation_.load(std::memory_order_acquire); }
  // The cached body of sha (lower case), or nullopt.
  std::optional<std::string> Body(std::string_view sha) const;

 private:
  void BeginRun(std::string_view function_name = {},
                std::span<const std::string_view> command = {});
  void EndRun();

  std::atomic<uint64_t> functions_generation_{0};
  std::map<std::string, LibraryInfo, std::less<>> libraries_;  // guarded by cache_mutex_
  std::atomic<bool> running_function_{false};
  std::string running_name_;                  // guarded by run_mutex_
  std::vector<std::string> running_command_;  // guarded by run_mutex_

  const uint64_t id_;
  std::atomic<uint64_t> generation_{0};

  mutable std::mutex cache_mutex_;
  std::unordered_map<std::string, std::string> bodies_;  // guarded by cache_mutex_

  std::mutex run_mutex_;  // with run_cv_: waiting for the running script to end
  std::condition_variable run_cv_;
  std::atomic<bool> running_{false};
  std::atomic<bool> kill_{false};
  std::atomic<bool> stopping_{false};  // ForceKill: every script is killed from now on
  std::atomic<bool> wrote_{false};
  std::atomic<int64_t> started_ns_{0};  // steady clock
};

}  // namespace cachette::scripting
