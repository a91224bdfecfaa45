#pragma once

// The server's configuration: one table of directives (CACHETTE_DIRECTIVES below) from which
// the config-file reader, the command-line reader, CONFIG GET/SET, config/cachette.conf and
// docs/configuration.md all follow. Values are read from any thread without a lock (numbers
// are atomics; strings are copied under a mutex); CONFIG SET of several directives is atomic.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cachette::config {

enum class Type {
  kBool,    // yes / no
  kInt,     // a decimal integer within [min, max]
  kMemory,  // a size with Redis's units (1k = 1000, 1kb = 1024, mb, gb) within [min, max]
  kString,  // free text; an empty value is written as ""
  kEnum,    // one of the '|'-separated choices; Int() returns the index of the choice
  kOutputBufferLimit,  // client-output-buffer-limit: "<class> <hard> <soft> <seconds>" ...
};

// X(Id, "name", Type, "default", min, max, "choices", runtime, "one-line description")
// `runtime`: CONFIG SET may change it while the server runs.
#define CACHETTE_DIRECTIVES(X)                                                                     \
  X(kBind, "bind", kString, "127.0.0.1", 0, 0, "", false,                                          \
    "Addresses to listen on, separated by spaces")                                                 \
  X(kPort, "port", kInt, "6379", 0, 65535, "", false, "TCP port to listen on")                     \
  X(kTcpBacklog, "tcp-backlog", kInt, "511", 0, 65535, "", false,                                  \
    "Backlog of the listening socket")                                                             \
  X(kThreads, "threads", kInt, "0", 0, 256, "", false,                                             \
    "I/O threads, each with its own event loop; 0 means one per CPU core")                         \
  X(kDatabases, "databases", kInt, "16", 1, 1024, "", false, "Number of databases")                \
  X(kShards, "shards", kInt, "256", 1, 65536, "", false,                                           \
    "Keyspace shards, each with its own lock (rounded up to a power of two)")                      \
  X(kMaxclients, "maxclients", kInt, "10000", 1, 1000000, "", true,                                \
    "Most clients connected at once; more get an error and are closed")                            \
  X(kTimeout, "timeout", kInt, "0", 0, 2147483647, "", true,                                       \
    "Close a client idle for this many seconds; 0 never")                                          \
  X(kBusyPollUs, "busy-poll-us", kInt, "20", 0, 1000000, "", true,                                 \
    "Microseconds an idle I/O thread keeps polling before it sleeps; 0 sleeps at once")            \
  X(kTcpKeepalive, "tcp-keepalive", kInt, "300", 0, 2147483647, "", true,                          \
    "Seconds between TCP keepalive probes to clients; 0 off")                                      \
  X(kSlowlogLogSlowerThan, "slowlog-log-slower-than", kInt, "10000", -1, INT64_MAX, "", true,      \
    "Commands running at least this many microseconds go to the slow log; -1 none, 0 all")         \
  X(kSlowlogMaxLen, "slowlog-max-len", kInt, "128", 0, INT64_MAX, "", true,                        \
    "Entries the slow log keeps (the oldest go first)")                                            \
  X(kLatencyMonitorThreshold, "latency-monitor-threshold", kInt, "0", 0, INT64_MAX, "", true,      \
    "Commands running at least this many milliseconds are LATENCY samples; 0 records none")        \
  X(kPrefixStats, "prefix-stats", kBool, "yes", 0, 0, "", true,                                    \
    "Count hits, misses, writes, keys and memory per key prefix (INFO prefixes, PREFIXSTATS)")     \
  X(kPrefixStatsSegments, "prefix-stats-segments", kInt, "1", 1, 64, "", true,                     \
    "A key's prefix is the key up to its N-th separator, excluded (the whole key with fewer)")     \
  X(kPrefixStatsSeparator, "prefix-stats-separator", kString, ":", 0, 0, "", true,                 \
    "The character between key segments")                                                          \
  X(kPrefixStatsMaxPrefixes, "prefix-stats-max-prefixes", kInt, "128", 1, 10000, "", true,         \
    "Prefixes with figures of their own (the busiest); the others are summed as `other`")          \
  X(kProtectedMode, "protected-mode", kBool, "yes", 0, 0, "", true,                                \
    "Accepted for compatibility; no effect (cachette listens where bind says)")                    \
  X(kDir, "dir", kString, "./", 0, 0, "", true,                                                    \
    "Accepted for compatibility; no effect (cachette writes no data files)")                       \
  X(kEnableDebugCommand, "enable-debug-command", kEnum, "no", 0, 0, "no|yes|local", false,         \
    "Who may run DEBUG: nobody (no), every client (yes), or loopback clients only (local)")        \
  X(kEnableProtectedConfigs, "enable-protected-configs", kEnum, "no", 0, 0, "no|yes|local", false, \
    "Who may CONFIG SET protected directives (dir): nobody, every client, or loopback clients")    \
  X(kRequirepass, "requirepass", kString, "", 0, 0, "", true,                                      \
    "Password clients must give with AUTH; empty means none")                                      \
  X(kLoglevel, "loglevel", kEnum, "notice", 0, 0, "debug|verbose|notice|warning|nothing", true,    \
    "Log verbosity")                                                                               \
  X(kLogfile, "logfile", kString, "", 0, 0, "", false,                                             \
    "Log file path; empty logs to standard output")                                                \
  X(kMaxmemory, "maxmemory", kMemory, "0", 0, INT64_MAX, "", true,                                 \
    "Memory limit for data; 0 means no limit")                                                     \
  X(kMaxmemoryPolicy, "maxmemory-policy", kEnum, "noeviction", 0, 0,                               \
    "volatile-lru|volatile-lfu|volatile-random|volatile-ttl|allkeys-lru|allkeys-lfu|"              \
    "allkeys-random|noeviction",                                                                   \
    true, "What to evict when maxmemory is reached")                                               \
  X(kMaxmemorySamples, "maxmemory-samples", kInt, "5", 1, 64, "", true,                            \
    "Random keys compared per eviction by the sampled policies (LFU, random, volatile-ttl)")       \
  X(kLfuLogFactor, "lfu-log-factor", kInt, "10", 0, 2147483647, "", true,                          \
    "How slowly the LFU access counter grows")                                                     \
  X(kLfuDecayTime, "lfu-decay-time", kInt, "1", 0, 2147483647, "", true,                           \
    "Minutes per decrement of an idle key's LFU counter; 0 never")                                 \
  X(kProtoMaxBulkLen, "proto-max-bulk-len", kMemory, "512mb", 1024 * 1024, INT64_MAX, "", true,    \
    "Largest bulk string a client may send")                                                       \
  X(kClientQueryBufferLimit, "client-query-buffer-limit", kMemory, "1gb", 1024 * 1024, INT64_MAX,  \
    "", true, "Largest unparsed input one client may accumulate")                                  \
  X(kClientOutputBufferLimit, "client-output-buffer-limit", kOutputBufferLimit,                    \
    "normal 0 0 0 replica 256mb 64mb 60 pubsub 32mb 8mb 60", 0, 0, "", true,                       \
    "Pending-output limits per client class: hard, soft, soft seconds; 0 is none (Redis's "        \
    "defaults: normal clients are unbounded)")                                                     \
  X(kSave, "save", kString, "", 0, 0, "", true,                                                    \
    "Accepted for compatibility; cachette keeps no snapshots")                                     \
  X(kBusyReplyThreshold, "busy-reply-threshold", kInt, "5000", 0, INT64_MAX, "", true,             \
    "Milliseconds a script may run before other clients get -BUSY (alias lua-time-limit)")         \
  X(kAppendonly, "appendonly", kBool, "no", 0, 0, "", true,                                        \
    "Accepted for compatibility; must stay no (no persistence)")

enum class Id {
#define CACHETTE_DIRECTIVE_ID(id, ...) id,
  CACHETTE_DIRECTIVES(CACHETTE_DIRECTIVE_ID)
#undef CACHETTE_DIRECTIVE_ID
      kCount
};

// The choices of enable-debug-command and enable-protected-configs (Redis's
// PROTECTED_ACTION_ALLOWED_*), in the order of their "no|yes|local" choice lists.
enum class ProtectedAction : int64_t { kNo = 0, kYes = 1, kLocal = 2 };

// Redis's PROTECTED_CONFIG directives that we have: CONFIG SET changes them only when
// enable-protected-configs allows the client.
constexpr bool IsProtected(Id id) { return id == Id::kDir; }

struct DirectiveSpec {
  Id id;
  std::string_view name;
  Type type;
  std::string_view default_value;
  int64_t min;
  int64_t max;
  std::string_view choices;  // kEnum only: "a|b|c"
  bool runtime;
  std::string_view description;
};

// The client classes of client-output-buffer-limit ("slave" is accepted for kReplica).
enum class ClientClass { kNormal, kReplica, kPubsub };

// Limits for one client class (client-output-buffer-limit); 0 means no limit.
struct OutputBufferLimit {
  int64_t hard_bytes = 0;
  int64_t soft_bytes = 0;
  int64_t soft_seconds = 0;
};

// What went wrong in a CONFIG SET, for commands to turn into Redis's error text.
struct SetError {
  enum class Kind { kUnknown, kImmutable, kProtected, kBadValue, kDuplicate, kHookFailed } kind;
  std::string name;    // the directive as the client spelled it
  std::string reason;  // for kBadValue / kHookFailed / kImmutable / kProtected
};

class Config {
 public:
  // Called after a directive changes at run time (CONFIG SET); may reject the new value by
  // returning an error reason (the change is then rolled back).
  using ApplyHook = std::function<std::optional<std::string>(const Config&)>;

  Config();  // every directive at its default
  ~Config();
  Config(const Config&) = delete;
  Config& operator=(const Config&) = delete;

  static std::span<const DirectiveSpec> Directives();
  // Case-insensitive; also accepts Redis's aliases ("lua-time-limit" for busy-reply-threshold).
  static const DirectiveSpec* Find(std::string_view name);

  // Reads "[config-file] [--directive value ...]" (argv without the program name), as
  // redis-server does. On error returns the message to print before exiting with status 1:
  // the file (or "command line"), the line number, the line, and what is wrong (several
  // lines, no trailing newline). Apply hooks are not run: this is for start-up.
  std::optional<std::string> Load(std::span<const std::string> args);
  // Reads redis.conf-syntax text (lines "directive arg ...", '#' comments, quoted args).
  // `origin` names the text in errors: a file path, or "command line".
  std::optional<std::string> LoadText(std::string_view text, std::string_view origin);

  int64_t Int(Id id) const;  // kInt, kMemory, kEnum (choice index), kBool (0/1)
  // Changes whenever a value may have changed (CONFIG SET, a file or command line read), so a
  // hot path can keep what it derives from some values and look again only after a change.
  // Read after the values were stored (acquire/release).
  uint64_t version() const { return version_.load(std::memory_order_acquire); }
  bool Bool(Id id) const { return Int(id) != 0; }
  std::string String(Id id) const;  // kString
  // Lock-free; a CONFIG SET running at the same time may be seen half applied.
  OutputBufferLimit NormalOutputLimit() const { return OutputLimit(ClientClass::kNormal); }
  OutputBufferLimit OutputLimit(ClientClass client_class) const;
  // The value as CONFIG GET shows it ("yes", "1073741824", "allkeys-lru", "normal 0 0 0 ...").
  std::string Get(Id id) const;

  // CONFIG SET name value [name value ...]: validates every pair, applies them all, runs the
  // hooks; on any failure restores the previous values and returns the first error.
  // Serialized with other writers; hooks run under that lock, so a hook must not call Set.
  // `allow_protected`: whether the client may change IsProtected directives (the caller
  // decides from enable-protected-configs and who the client is).
  std::optional<SetError> Set(std::span<const std::pair<std::string_view, std::string_view>> pairs,
                              bool allow_protected = true);

  void SetApplyHook(Id id, ApplyHook hook);

  // Path of the config file given at start-up ("" when none), for CONFIG REWRITE and INFO.
  std::string config_file() const;

  // CONFIG REWRITE, as Redis 7.0 does it: rewrites config_file() (which must be set) so that
  // it holds the running values. Comments and line order stay; the first line of a directive
  // gets its current value and its later lines become blank (blank lines in a row become
  // one); a directive the file lacks is appended, under "# Generated by CONFIG REWRITE", when
  // its value is not the default. Memory sizes are written as Redis does (1gb, 5mb, 3kb, or
  // bytes). The new text goes to a temporary file that replaces the old one (fsync, rename).
  // Returns strerror's text on failure.
  std::optional<std::string> Rewrite() const;
  // The text Rewrite() would write over `old_text` (for tests).
  std::string RewriteText(std::string_view old_text) const;

  // config/cachette.conf and docs/configuration.md as the table says they should read; a unit
  // test compares them with the files in the repository.
  static std::string RenderConfigFile();
  static std::string RenderConfigDocs();

 private:
  struct Slot;
  struct LoadState;
  std::optional<std::string> LoadLines(std::string_view text, std::string_view origin,
                                       LoadState* state);

  // One per directive, indexed by Id. Numbers and limits are atomics (read without a lock);
  // Slot::text and every store of a limit are guarded by strings_mutex_.
  std::vector<std::unique_ptr<Slot>> slots_;
  mutable std::mutex strings_mutex_;
  std::atomic<uint64_t> version_{0};  // see version(); bumped after every Slot::Write

  // Guarded by write_mutex_: serializes Load/Set/SetApplyHook.
  std::mutex write_mutex_;
  std::vector<ApplyHook> hooks_;

  std::string config_file_;  // guarded by strings_mutex_
};

}  // namespace cachette::config
