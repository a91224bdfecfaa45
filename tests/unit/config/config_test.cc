#include "cachette/config/config.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace cachette::config {
namespace {

using Pairs = std::vector<std::pair<std::string_view, std::string_view>>;

// Checks a Load error against Redis's block; the version in its first line is not checked
// (the test binary does not see CACHETTE_VERSION).
void ExpectErrorBlock(const std::optional<std::string>& error, std::string_view where,
                      std::string_view line, std::string_view reason) {
  ASSERT_TRUE(error);
  size_t first_newline = error->find('\n');
  ASSERT_NE(first_newline, std::string::npos) << *error;
  EXPECT_TRUE(error->starts_with("*** FATAL CONFIG FILE ERROR (cachette ")) << *error;
  EXPECT_EQ(error->substr(first_newline - 5, 5), ") ***") << *error;
  EXPECT_EQ(error->substr(first_newline + 1),
            std::string(where) + "\n>>> '" + std::string(line) + "'\n" + std::string(reason));
}

// The reason line of a LoadText error (its last line), or "" when the text loaded.
std::string LoadReason(Config& config, std::string_view text) {
  std::optional<std::string> error = config.LoadText(text, "test.conf");
  if (!error) {
    return "";
  }
  return error->substr(error->rfind('\n') + 1);
}

std::string Concat(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (std::string_view part : parts) {
    out.append(part);
  }
  return out;
}

std::filesystem::path RepoRoot() {
  // tests/unit/config/config_test.cc -> the repository root.
  return std::filesystem::path(__FILE__).parent_path().parent_path().parent_path().parent_path();
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

class TempFile {
 public:
  explicit TempFile(std::string_view contents) {
    path_ = std::filesystem::temp_directory_path() /
            ("cachette_config_test_" + std::to_string(::getpid()) + "_" +
             std::to_string(counter_++) + ".conf");
    std::ofstream(path_, std::ios::binary) << contents;
  }
  ~TempFile() { std::filesystem::remove(path_); }
  std::string path() const { return path_.string(); }

 private:
  static inline int counter_ = 0;
  std::filesystem::path path_;
};

TEST(ConfigTest, DefaultsShowAsConfigGetDoes) {
  Config config;
  EXPECT_EQ(config.Get(Id::kPort), "6379");
  EXPECT_EQ(config.Int(Id::kPort), 6379);
  EXPECT_EQ(config.Get(Id::kBind), "127.0.0.1");
  EXPECT_EQ(config.String(Id::kBind), "127.0.0.1");
  EXPECT_EQ(config.Get(Id::kMaxmemory), "0");
  EXPECT_EQ(config.Get(Id::kProtoMaxBulkLen), "536870912");
  EXPECT_EQ(config.Get(Id::kClientQueryBufferLimit), "1073741824");
  EXPECT_EQ(config.Get(Id::kLoglevel), "notice");
  EXPECT_EQ(config.Int(Id::kLoglevel), 2);
  EXPECT_EQ(config.Get(Id::kMaxmemoryPolicy), "noeviction");
  EXPECT_EQ(config.Get(Id::kAppendonly), "no");
  EXPECT_FALSE(config.Bool(Id::kAppendonly));
  EXPECT_EQ(config.Get(Id::kSave), "");
  EXPECT_EQ(config.Get(Id::kRequirepass), "");
  EXPECT_EQ(config.Get(Id::kClientOutputBufferLimit),
            "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60");
  EXPECT_EQ(config.config_file(), "");
}

TEST(ConfigTest, EveryDefaultIsAValidValue) {
  Config config;
  for (const DirectiveSpec& spec : Config::Directives()) {
    std::string shown = config.Get(spec.id);
    Config other;
    std::string line = std::string(spec.name) + " \"" + shown + "\"";
    if (spec.type == Type::kOutputBufferLimit || spec.id == Id::kBind) {
      line = std::string(spec.name) + " " + shown;
    }
    EXPECT_EQ(other.LoadText(line, "defaults"), std::nullopt) << spec.name;
    EXPECT_EQ(other.Get(spec.id), shown) << spec.name;
  }
}

TEST(ConfigTest, DirectivesAreInIdOrder) {
  auto directives = Config::Directives();
  ASSERT_EQ(directives.size(), static_cast<size_t>(Id::kCount));
  for (size_t i = 0; i < directives.size(); ++i) {
    EXPECT_EQ(static_cast<size_t>(directives[i].id), i);
  }
}

TEST(ConfigTest, FindIgnoresCase) {
  const DirectiveSpec* spec = Config::Find("MaxMemory-Policy");
  ASSERT_NE(spec, nullptr);
  EXPECT_EQ(spec->id, Id::kMaxmemoryPolicy);
  EXPECT_EQ(Config::Find("no-such-directive"), nullptr);
  EXPECT_EQ(Config::Find(""), nullptr);
}

TEST(ConfigTest, IntIsLockFree) { EXPECT_TRUE(std::atomic<int64_t>::is_always_lock_free); }

TEST(ConfigLoadTextTest, SkipsCommentsAndBlankLinesAndReadsQuotedArguments) {
  Config config;
  EXPECT_EQ(config.LoadText("# a comment\n\n   \n  PORT 7000  \r\n"
                            "requirepass \"a b\\x41\"\nlogfile 'x y'\n",
                            "test.conf"),
            std::nullopt);
  EXPECT_EQ(config.Int(Id::kPort), 7000);
  EXPECT_EQ(config.String(Id::kRequirepass), "a bA");
  EXPECT_EQ(config.String(Id::kLogfile), "x y");
}

TEST(ConfigLoadTextTest, LaterLineWins) {
  Config config;
  EXPECT_EQ(config.LoadText("port 1\nport 2\n", "test.conf"), std::nullopt);
  EXPECT_EQ(config.Int(Id::kPort), 2);
}

TEST(ConfigLoadTextTest, ErrorNamesFileLineNumberLineAndReason) {
  Config config;
  ExpectErrorBlock(config.LoadText("# comment\n\n  port 99999  \n", "/etc/cachette.conf"),
                   "Reading the configuration file '/etc/cachette.conf', at line 3", "port 99999",
                   "argument must be between 0 and 65535 inclusive");
}

TEST(ConfigLoadTextTest, UnknownDirectiveIsBadDirective) {
  Config config;
  EXPECT_EQ(LoadReason(config, "port 1\nfoo bar\n"), "Bad directive or wrong number of arguments");
}

TEST(ConfigLoadTextTest, WrongArgumentCountIsRejected) {
  Config config;
  EXPECT_EQ(LoadReason(config, "port"), "wrong number of arguments");
  EXPECT_EQ(LoadReason(config, "port 1 2"), "wrong number of arguments");
  EXPECT_EQ(LoadReason(config, "requirepass a b"), "wrong number of arguments");
  EXPECT_EQ(LoadReason(config, "timeout 1 # not a comment"), "wrong number of arguments");
}

TEST(ConfigLoadTextTest, UnbalancedQuotesAreRejected) {
  Config config;
  EXPECT_EQ(LoadReason(config, "bind \"a"), "Unbalanced quotes in configuration line");
  EXPECT_EQ(LoadReason(config, "port \"0\"x"), "Unbalanced quotes in configuration line");
}

TEST(ConfigLoadTextTest, BoolAcceptsYesOrNoInAnyCase) {
  Config config;
  EXPECT_EQ(LoadReason(config, "appendonly NO"), "");
  EXPECT_EQ(LoadReason(config, "appendonly maybe"), "argument must be 'yes' or 'no'");
  EXPECT_EQ(LoadReason(config, "appendonly 0"), "argument must be 'yes' or 'no'");
}

TEST(ConfigLoadTextTest, AppendonlyYesIsRefusedWithAReason) {
  Config config;
  EXPECT_EQ(LoadReason(config, "appendonly yes"),
            "appendonly must be 'no': cachette keeps no data on disk");
  EXPECT_FALSE(config.Bool(Id::kAppendonly));
}

TEST(ConfigLoadTextTest, IntegersFollowRedisSpellingAndBounds) {
  Config config;
  EXPECT_EQ(LoadReason(config, "timeout 5"), "");
  EXPECT_EQ(config.Int(Id::kTimeout), 5);
  for (const char* bad : {"timeout abc", "timeout +5", "timeout 05", "timeout 1.0", "timeout \"\"",
                          "timeout \" 5\"", "timeout 1k"}) {
    EXPECT_EQ(LoadReason(config, bad), "argument couldn't be parsed into an integer") << bad;
  }
  EXPECT_EQ(LoadReason(config, "timeout -1"),
            "argument must be between 0 and 2147483647 inclusive");
  EXPECT_EQ(LoadReason(config, "databases 0"), "argument must be between 1 and 1024 inclusive");
  EXPECT_EQ(config.Int(Id::kTimeout), 5);
}

TEST(ConfigLoadTextTest, MemoryAcceptsRedisUnits) {
  Config config;
  const std::pair<const char*, int64_t> cases[] = {
      {"100", 100},     {"1k", 1000},       {"1kb", 1024},       {"2m", 2000000},
      {"2MB", 2097152}, {"1g", 1000000000}, {"5GB", 5368709120}, {"3Gb", 3221225472LL},
  };
  for (const auto& [text, bytes] : cases) {
    EXPECT_EQ(LoadReason(config, std::string("maxmemory ") + text), "") << text;
    EXPECT_EQ(config.Int(Id::kMaxmemory), bytes) << text;
    EXPECT_EQ(config.Get(Id::kMaxmemory), std::to_string(bytes)) << text;
  }
  for (const char* bad : {"maxmemory -1", "maxmemory 1x", "maxmemory 0x10", "maxmemory 10.5mb"}) {
    EXPECT_EQ(LoadReason(config, bad), "argument must be a memory value") << bad;
  }
  EXPECT_EQ(LoadReason(config, "proto-max-bulk-len 1000"),
            "argument must be between 1048576 and 9223372036854775807 inclusive");
}

TEST(ConfigLoadTextTest, EnumIgnoresCaseAndListsChoicesOnError) {
  Config config;
  EXPECT_EQ(LoadReason(config, "maxmemory-policy ALLKEYS-LRU"), "");
  EXPECT_EQ(config.Get(Id::kMaxmemoryPolicy), "allkeys-lru");
  EXPECT_EQ(config.Int(Id::kMaxmemoryPolicy), 4);  // the index among Redis's choice order
  EXPECT_EQ(LoadReason(config, "loglevel \"\""),
            "argument(s) must be one of the following: debug, verbose, notice, warning, nothing");
}

TEST(ConfigLoadTextTest, BindJoinsItsAddresses) {
  Config config;
  EXPECT_EQ(LoadReason(config, "bind 127.0.0.1 ::1"), "");
  EXPECT_EQ(config.String(Id::kBind), "127.0.0.1 ::1");
}

TEST(ConfigLoadTextTest, SaveLinesAddUpAndEmptySaveClears) {
  Config config;
  EXPECT_EQ(LoadReason(config, "save 3600 1\nsave 300 100\n"), "");
  EXPECT_EQ(config.Get(Id::kSave), "3600 1 300 100");
  EXPECT_EQ(LoadReason(config, "save 3600 1\nsave \"\"\n"), "");
  EXPECT_EQ(config.Get(Id::kSave), "");
  EXPECT_EQ(LoadReason(config, "save \"60 5\""), "");
  EXPECT_EQ(config.Get(Id::kSave), "60 5");
  EXPECT_EQ(LoadReason(config, "save 3600"), "Invalid save parameters");
  EXPECT_EQ(LoadReason(config, "save 3600 x"), "Invalid save parameters");
}

TEST(ConfigLoadTextTest, ShardsRoundUpToAPowerOfTwo) {
  Config config;
  EXPECT_EQ(LoadReason(config, "shards 100"), "");
  EXPECT_EQ(config.Int(Id::kShards), 128);
  EXPECT_EQ(config.Get(Id::kShards), "128");
  EXPECT_EQ(LoadReason(config, "shards 1"), "");
  EXPECT_EQ(config.Int(Id::kShards), 1);
  EXPECT_EQ(LoadReason(config, "shards 65536"), "");
  EXPECT_EQ(config.Int(Id::kShards), 65536);
}

TEST(ConfigLoadTextTest, OutputBufferLimitChangesOnlyTheNamedClasses) {
  Config config;
  EXPECT_EQ(LoadReason(config,
                       "client-output-buffer-limit replica 1kb 2mb 3\n"
                       "client-output-buffer-limit NORMAL 4 5 6"),
            "");
  EXPECT_EQ(config.Get(Id::kClientOutputBufferLimit),
            "normal 4 5 6 slave 1024 2097152 3 pubsub 33554432 8388608 60");
  OutputBufferLimit normal = config.NormalOutputLimit();
  EXPECT_EQ(normal.hard_bytes, 4);
  EXPECT_EQ(normal.soft_bytes, 5);
  EXPECT_EQ(normal.soft_seconds, 6);
  EXPECT_EQ(config.OutputLimit(ClientClass::kReplica).soft_bytes, 2097152);
  EXPECT_EQ(LoadReason(config, "client-output-buffer-limit slave 0 0 0 pubsub 1 1 1"), "");
  EXPECT_EQ(config.Get(Id::kClientOutputBufferLimit), "normal 4 5 6 slave 0 0 0 pubsub 1 1 1");
  EXPECT_EQ(LoadReason(config, "client-output-buffer-limit"), "");
}

TEST(ConfigLoadTextTest, OutputBufferLimitErrorsUseRedisWording) {
  Config config;
  EXPECT_EQ(LoadReason(config, "client-output-buffer-limit normal 1 2"),
            "Wrong number of arguments in buffer limit configuration.");
  EXPECT_EQ(LoadReason(config, "client-output-buffer-limit master 1 2 3"),
            "Invalid client class specified in buffer limit configuration.");
  for (const char* bad : {"normal 4 5 x", "normal 4 5 -1", "normal -4 5 1", "normal 4kb 5mb 1k"}) {
    EXPECT_EQ(LoadReason(config, std::string("client-output-buffer-limit ") + bad),
              "Error in hard, soft or soft_seconds setting in buffer limit configuration.")
        << bad;
  }
  EXPECT_EQ(config.Get(Id::kClientOutputBufferLimit),
            "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60");
}

TEST(ConfigLoadTest, CommandLineOverridesTheFile) {
  TempFile file("port 7000\nmaxmemory 1mb\n");
  Config config;
  std::vector<std::string> args = {file.path(), "--port", "7001", "--bind", "127.0.0.1", "::1"};
  EXPECT_EQ(config.Load(args), std::nullopt);
  EXPECT_EQ(config.Int(Id::kPort), 7001);
  EXPECT_EQ(config.Int(Id::kMaxmemory), 1048576);
  EXPECT_EQ(config.String(Id::kBind), "127.0.0.1 ::1");
  EXPECT_EQ(config.config_file(), std::filesystem::absolute(file.path()).string());
}

TEST(ConfigLoadTest, CommandLineAloneNeedsNoFile) {
  Config config;
  std::vector<std::string> args = {"--client-output-buffer-limit",
                                   "normal",
                                   "1",
                                   "2",
                                   "3",
                                   "--requirepass",
                                   "two words",
                                   "--Timeout",
                                   "9"};
  EXPECT_EQ(config.Load(args), std::nullopt);
  EXPECT_EQ(config.Get(Id::kClientOutputBufferLimit),
            "normal 1 2 3 slave 268435456 67108864 60 pubsub 33554432 8388608 60");
  EXPECT_EQ(config.String(Id::kRequirepass), "two words");
  EXPECT_EQ(config.Int(Id::kTimeout), 9);
  EXPECT_EQ(config.config_file(), "");
}

TEST(ConfigLoadTest, ValuesKeepQuotesBackslashesAndEmptyStrings) {
  Config config;
  std::vector<std::string> args = {"--requirepass", "a\"b\\c\n", "--logfile", ""};
  EXPECT_EQ(config.Load(args), std::nullopt);
  EXPECT_EQ(config.String(Id::kRequirepass), "a\"b\\c\n");
  EXPECT_EQ(config.String(Id::kLogfile), "");
}

TEST(ConfigLoadTest, ArgumentAfterANameIsItsValueEvenWithDashes) {
  Config config;
  std::vector<std::string> args = {"--requirepass", "--secret", "--port", "1"};
  EXPECT_EQ(config.Load(args), std::nullopt);
  EXPECT_EQ(config.String(Id::kRequirepass), "--secret");
  EXPECT_EQ(config.Int(Id::kPort), 1);
}

TEST(ConfigLoadTest, NameAndValueInOneArgument) {
  Config config;
  std::vector<std::string> args = {"--port 6380"};
  EXPECT_EQ(config.Load(args), std::nullopt);
  EXPECT_EQ(config.Int(Id::kPort), 6380);
}

TEST(ConfigLoadTest, BareSaveMeansNoSnapshots) {
  TempFile file("save 3600 1\n");
  Config config;
  std::vector<std::string> last = {file.path(), "--save"};
  EXPECT_EQ(config.Load(last), std::nullopt);
  EXPECT_EQ(config.Get(Id::kSave), "");
  Config other;
  std::vector<std::string> middle = {file.path(), "--save", "--port", "5"};
  EXPECT_EQ(other.Load(middle), std::nullopt);
  EXPECT_EQ(other.Get(Id::kSave), "");
  EXPECT_EQ(other.Int(Id::kPort), 5);
}

TEST(ConfigLoadTest, CommandLineSaveAddsToTheFile) {
  TempFile file("save 3600 1\n");
  Config config;
  std::vector<std::string> args = {file.path(), "--save", "60 5"};
  EXPECT_EQ(config.Load(args), std::nullopt);
  EXPECT_EQ(config.Get(Id::kSave), "3600 1 60 5");
}

TEST(ConfigLoadTest, CommandLineErrorNamesTheCommandLineAndQuotesValues) {
  Config config;
  std::vector<std::string> args = {"--port", "0", "--foo", "bar"};
  ExpectErrorBlock(config.Load(args), "Reading the command line, at line 2", "foo \"bar\"",
                   "Bad directive or wrong number of arguments");
}

TEST(ConfigLoadTest, FileErrorNamesTheFile) {
  TempFile file("port 0\nappendonly maybe\n");
  Config config;
  std::vector<std::string> args = {file.path(), "--port", "1"};
  ExpectErrorBlock(config.Load(args),
                   "Reading the configuration file '" + file.path() + "', at line 2",
                   "appendonly maybe", "argument must be 'yes' or 'no'");
}

TEST(ConfigLoadTest, MissingFileIsReported) {
  Config config;
  std::vector<std::string> args = {"/nonexistent/cachette.conf"};
  EXPECT_EQ(config.Load(args),
            "Fatal error, can't open config file '/nonexistent/cachette.conf': No such file or "
            "directory");
}

TEST(ConfigLoadTest, EmptyArgumentsKeepDefaults) {
  Config config;
  EXPECT_EQ(config.Load({}), std::nullopt);
  EXPECT_EQ(config.Int(Id::kPort), 6379);
}

TEST(ConfigSetTest, ChangesSeveralDirectivesAtOnce) {
  Config config;
  Pairs pairs = {{"maxmemory", "1kb"}, {"MAXMEMORY-POLICY", "Allkeys-LFU"}, {"timeout", "30"}};
  EXPECT_EQ(config.Set(pairs), std::nullopt);
  EXPECT_EQ(config.Get(Id::kMaxmemory), "1024");
  EXPECT_EQ(config.Get(Id::kMaxmemoryPolicy), "allkeys-lfu");
  EXPECT_EQ(config.Int(Id::kTimeout), 30);
}

TEST(ConfigSetTest, VersionChangesWhenAValueMayHaveChanged) {
  Config config;
  uint64_t version = config.version();
  Pairs timeout = {{"timeout", "30"}};
  EXPECT_EQ(config.Set(timeout), std::nullopt);
  EXPECT_NE(config.version(), version);
  version = config.version();
  EXPECT_EQ(config.LoadText("timeout 40\n", "test.conf"), std::nullopt);
  EXPECT_NE(config.version(), version);
  version = config.version();
  // A refused name changes nothing, so no new version.
  Pairs unknown = {{"foo", "1"}};
  EXPECT_TRUE(config.Set(unknown));
  EXPECT_EQ(config.version(), version);
}

TEST(ConfigSetTest, UnknownNameIsReportedAsSpelled) {
  Config config;
  Pairs pairs = {{"Foo", "1"}, {"databases", "3"}};
  std::optional<SetError> error = config.Set(pairs);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->kind, SetError::Kind::kUnknown);
  EXPECT_EQ(error->name, "Foo");
}

TEST(ConfigSetTest, ImmutableDirectiveIsRefused) {
  Config config;
  Pairs pairs = {{"databases", "3"}, {"foo", "2"}};
  std::optional<SetError> error = config.Set(pairs);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->kind, SetError::Kind::kImmutable);
  EXPECT_EQ(error->name, "databases");
  EXPECT_EQ(error->reason, "can't set immutable config");
  EXPECT_EQ(config.Int(Id::kDatabases), 16);
}

TEST(ConfigSetTest, ProtectedDirectiveIsRefusedUnlessAllowed) {
  Config config;
  Pairs pairs = {{"maxclients", "7"}, {"DIR", "/tmp"}};
  std::optional<SetError> error = config.Set(pairs, /*allow_protected=*/false);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->kind, SetError::Kind::kProtected);
  EXPECT_EQ(error->name, "DIR");
  EXPECT_EQ(error->reason, "can't set protected config");
  EXPECT_EQ(config.Int(Id::kMaxclients), 10000);
  EXPECT_EQ(config.Set(pairs, /*allow_protected=*/true), std::nullopt);
  EXPECT_EQ(config.String(Id::kDir), "/tmp");
  EXPECT_EQ(config.Get(Id::kEnableDebugCommand), "no");
  EXPECT_EQ(config.Get(Id::kEnableProtectedConfigs), "no");
}

TEST(ConfigSetTest, DuplicateNameIsRefusedBeforeLaterUnknownNames) {
  Config config;
  Pairs pairs = {{"maxmemory", "1"}, {"MAXMEMORY", "2"}, {"foo", "3"}};
  std::optional<SetError> error = config.Set(pairs);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->kind, SetError::Kind::kDuplicate);
  EXPECT_EQ(error->name, "MAXMEMORY");
  EXPECT_EQ(error->reason, "duplicate parameter");
  EXPECT_EQ(config.Int(Id::kMaxmemory), 0);
}

TEST(ConfigSetTest, BadValueChangesNothing) {
  Config config;
  Pairs pairs = {{"maxmemory", "1mb"}, {"loglevel", "loud"}};
  std::optional<SetError> error = config.Set(pairs);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->kind, SetError::Kind::kBadValue);
  EXPECT_EQ(error->name, "loglevel");
  EXPECT_EQ(error->reason,
            "argument(s) must be one of the following: debug, verbose, notice, warning, nothing");
  EXPECT_EQ(config.Int(Id::kMaxmemory), 0);
}

TEST(ConfigSetTest, BadValuesUseTheFileReasons) {
  Config config;
  const std::pair<Pairs, std::string> cases[] = {
      {{{"timeout", "-1"}}, "argument must be between 0 and 2147483647 inclusive"},
      {{{"maxclients", "abc"}}, "argument couldn't be parsed into an integer"},
      {{{"maxmemory", "1x"}}, "argument must be a memory value"},
      {{{"appendonly", "maybe"}}, "argument must be 'yes' or 'no'"},
      {{{"save", "3600"}}, "Invalid save parameters"},
      {{{"client-output-buffer-limit", "normal 1"}},
       "Wrong number of arguments in buffer limit configuration."},
  };
  for (const auto& [pairs, reason] : cases) {
    std::optional<SetError> error = config.Set(pairs);
    ASSERT_TRUE(error) << reason;
    EXPECT_EQ(error->kind, SetError::Kind::kBadValue);
    EXPECT_EQ(error->reason, reason);
  }
}

TEST(ConfigSetTest, MultiWordValuesSplitAtSpaces) {
  Config config;
  Pairs pairs = {{"save", "3600 1  300 100"}, {"client-output-buffer-limit", "pubsub 1 2 3"}};
  EXPECT_EQ(config.Set(pairs), std::nullopt);
  EXPECT_EQ(config.Get(Id::kSave), "3600 1 300 100");
  EXPECT_EQ(config.Get(Id::kClientOutputBufferLimit),
            "normal 0 0 0 slave 268435456 67108864 60 pubsub 1 2 3");
  Pairs clear = {{"save", ""}, {"requirepass", "a b"}};
  EXPECT_EQ(config.Set(clear), std::nullopt);
  EXPECT_EQ(config.Get(Id::kSave), "");
  EXPECT_EQ(config.String(Id::kRequirepass), "a b");
}

TEST(ConfigSetTest, HooksRunOnlyForChangedDirectives) {
  Config config;
  int maxmemory_calls = 0;
  int timeout_calls = 0;
  int64_t seen_maxmemory = -1;
  config.SetApplyHook(Id::kMaxmemory, [&](const Config& c) -> std::optional<std::string> {
    ++maxmemory_calls;
    seen_maxmemory = c.Int(Id::kMaxmemory);
    return std::nullopt;
  });
  config.SetApplyHook(Id::kTimeout, [&](const Config&) -> std::optional<std::string> {
    ++timeout_calls;
    return std::nullopt;
  });
  Pairs pairs = {{"maxmemory", "1k"}, {"timeout", "0"}};
  EXPECT_EQ(config.Set(pairs), std::nullopt);
  EXPECT_EQ(maxmemory_calls, 1);
  EXPECT_EQ(seen_maxmemory, 1000);
  EXPECT_EQ(timeout_calls, 0);
}

TEST(ConfigSetTest, HookRefusalRestoresEveryValueAndRerunsHooks) {
  Config config;
  std::vector<int64_t> maxmemory_seen;
  config.SetApplyHook(Id::kMaxmemory, [&](const Config& c) -> std::optional<std::string> {
    maxmemory_seen.push_back(c.Int(Id::kMaxmemory));
    return std::nullopt;
  });
  config.SetApplyHook(Id::kMaxclients, [&](const Config& c) -> std::optional<std::string> {
    if (c.Int(Id::kMaxclients) > 100) {
      return "too many clients for this test";
    }
    return std::nullopt;
  });
  Pairs pairs = {{"maxmemory", "5"}, {"Maxclients", "500"}, {"timeout", "7"}};
  std::optional<SetError> error = config.Set(pairs);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->kind, SetError::Kind::kHookFailed);
  EXPECT_EQ(error->name, "Maxclients");
  EXPECT_EQ(error->reason, "too many clients for this test");
  EXPECT_EQ(config.Int(Id::kMaxmemory), 0);
  EXPECT_EQ(config.Int(Id::kMaxclients), 10000);
  EXPECT_EQ(config.Int(Id::kTimeout), 0);
  EXPECT_EQ(maxmemory_seen, (std::vector<int64_t>{5, 0}));
}

TEST(ConfigSetTest, ReadersSeeOldOrNewValueWhileSetRuns) {
  Config config;
  std::atomic<bool> stop{false};
  std::thread reader([&] {
    while (!stop.load()) {
      int64_t value = config.Int(Id::kMaxmemory);
      ASSERT_TRUE(value == 0 || value == 1000 || value == 2000);
      std::string policy = config.Get(Id::kMaxmemoryPolicy);
      ASSERT_FALSE(policy.empty());
    }
  });
  for (int i = 0; i < 2000; ++i) {
    Pairs pairs = {{"maxmemory", i % 2 == 0 ? "1k" : "2k"},
                   {"maxmemory-policy", i % 2 == 0 ? "allkeys-lru" : "noeviction"}};
    ASSERT_EQ(config.Set(pairs), std::nullopt);
  }
  stop = true;
  reader.join();
}

TEST(ConfigGeneratedFilesTest, RenderedConfigFileLoadsBackToTheDefaults) {
  Config config;
  EXPECT_EQ(config.LoadText(Config::RenderConfigFile(), "cachette.conf"), std::nullopt);
  Config defaults;
  for (const DirectiveSpec& spec : Config::Directives()) {
    EXPECT_EQ(config.Get(spec.id), defaults.Get(spec.id)) << spec.name;
  }
}

TEST(ConfigGeneratedFilesTest, RenderedFilesNameEveryDirectiveAndDefault) {
  std::string conf = Config::RenderConfigFile();
  std::string docs = Config::RenderConfigDocs();
  for (const DirectiveSpec& spec : Config::Directives()) {
    EXPECT_NE(conf.find(Concat({"# ", spec.description, "\n", spec.name, " "})), std::string::npos)
        << spec.name;
    EXPECT_NE(docs.find(Concat({"| `", spec.name, "` |"})), std::string::npos) << spec.name;
    if (!spec.default_value.empty()) {
      EXPECT_NE(docs.find(Concat({"`", spec.default_value, "`"})), std::string::npos) << spec.name;
    }
  }
}

// The checked-in files must be exactly what the table renders. To regenerate them after
// changing the table: CACHETTE_REGENERATE_CONFIG_FILES=1 unit_config
TEST(ConfigGeneratedFilesTest, CheckedInFilesMatchTheTable) {
  const std::filesystem::path conf_path = RepoRoot() / "config" / "cachette.conf";
  const std::filesystem::path docs_path = RepoRoot() / "docs" / "configuration.md";
  if (std::getenv("CACHETTE_REGENERATE_CONFIG_FILES") != nullptr) {
    std::ofstream(conf_path, std::ios::binary) << Config::RenderConfigFile();
    std::ofstream(docs_path, std::ios::binary) << Config::RenderConfigDocs();
  }
  EXPECT_EQ(ReadFile(conf_path), Config::RenderConfigFile())
      << conf_path << " is stale; run with CACHETTE_REGENERATE_CONFIG_FILES=1";
  EXPECT_EQ(ReadFile(docs_path), Config::RenderConfigDocs())
      << docs_path << " is stale; run with CACHETTE_REGENERATE_CONFIG_FILES=1";
}

}  // namespace
}  // namespace cachette::config

namespace cachette::config {
namespace {

TEST(ConfigRewriteTest, KeepsCommentsAndOrderAndUpdatesLinesInPlace) {
  Config config;
  const std::string old_text =
      "# my cache\n"
      "maxmemory 1mb   \n"
      "\n"
      "  # indented comment\n"
      "timeout 10\n"
      "save 3600 1\n"
      "timeout 20\n";
  ASSERT_FALSE(config.LoadText(old_text, "test.conf"));
  const Pairs pairs = {{"maxmemory", "2mb"}, {"maxmemory-policy", "allkeys-lru"}, {"timeout", "0"}};
  ASSERT_FALSE(config.Set(pairs));
  EXPECT_EQ(config.RewriteText(old_text),
            "# my cache\n"
            "maxmemory 2mb\n"
            "\n"
            "  # indented comment\n"
            "timeout 0\n"
            "save 3600 1\n"
            "\n"
            "# Generated by CONFIG REWRITE\n"
            "maxmemory-policy allkeys-lru\n");
}

TEST(ConfigRewriteTest, BlankLinesInARowBecomeOne) {
  Config config;
  EXPECT_EQ(config.RewriteText("# a\n\n\ntimeout 0\n\ntimeout 1\n\n# b\n"),
            "# a\n\ntimeout 0\n\n# b\n");
}

TEST(ConfigRewriteTest, AppendsOnlyNonDefaultValuesAndSignsOnce) {
  Config config;
  EXPECT_EQ(config.RewriteText(""), "");
  const Pairs pairs = {{"maxmemory", "1000"}, {"requirepass", "a b"}};
  ASSERT_FALSE(config.Set(pairs));
  const std::string once = config.RewriteText("port 6379\n");
  EXPECT_EQ(once,
            "port 6379\n"
            "# Generated by CONFIG REWRITE\n"
            "requirepass \"a b\"\n"
            "maxmemory 1000\n");
  // Rewriting the rewritten file changes nothing.
  EXPECT_EQ(config.RewriteText(once), once);
  // And the file reads back to the same values.
  Config reread;
  ASSERT_FALSE(reread.LoadText(once, "test.conf"));
  EXPECT_EQ(reread.String(Id::kRequirepass), "a b");
  EXPECT_EQ(reread.Int(Id::kMaxmemory), 1000);
}

TEST(ConfigRewriteTest, MemoryUsesRedisUnits) {
  Config config;
  const Pairs pairs = {{"maxmemory", "3gb"}, {"proto-max-bulk-len", "1025kb"}};
  ASSERT_FALSE(config.Set(pairs));
  const std::string text = config.RewriteText("maxmemory 0\nproto-max-bulk-len 512mb\n");
  EXPECT_EQ(text, "maxmemory 3gb\nproto-max-bulk-len 1025kb\n");
}

TEST(ConfigRewriteTest, RewriteReplacesTheFile) {
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("cachette-rewrite-" + std::to_string(getpid()) + ".conf"))
                               .string();
  {
    std::ofstream file(path);
    file << "# keep me\ntimeout 5\n";
  }
  Config config;
  const std::vector<std::string> args = {path};
  ASSERT_FALSE(config.Load(args));
  const Pairs pairs = {{"timeout", "7"}};
  ASSERT_FALSE(config.Set(pairs));
  ASSERT_FALSE(config.Rewrite());
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  EXPECT_EQ(text.str(), "# keep me\ntimeout 7\n");
  std::filesystem::remove(path);
}

TEST(ConfigRewriteTest, RewriteReportsWhyItFailed) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("cachette-rewrite-dir-" + std::to_string(getpid()));
  std::filesystem::create_directory(dir);
  const std::string path = (dir / "x.conf").string();
  std::ofstream(path) << "timeout 5\n";
  Config config;
  const std::vector<std::string> args = {path};
  ASSERT_FALSE(config.Load(args));
  std::filesystem::remove_all(dir);  // the directory is gone: the temporary file cannot be made
  auto error = config.Rewrite();
  ASSERT_TRUE(error);
  EXPECT_EQ(*error, "No such file or directory");
}

}  // namespace
}  // namespace cachette::config
