// The directive table of config.h made live: one Slot per directive holding its current value,
// one parser per Type shared by the file reader, the command line and CONFIG SET, and the
// renderers that turn the same table into config/cachette.conf and docs/configuration.md.
//
// Reading follows redis-server 7.0: the command line "--name v1 v2 --other v" becomes config
// lines appended after the file (values quoted so they split back unchanged), and every line
// goes through one reader, so a bad value reads the same from either place. Error texts are
// Redis's own, word for word, so scripts that match on them keep working.
//
// CONFIG REWRITE (Rewrite) keeps the file's comments and order, as Redis 7.0 does, but writes
// a directive that takes several words (save, client-output-buffer-limit) on one line.
//
// Limits: no "include" directive, no reading the file from standard input ("-").

#include "cachette/config/config.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <strings.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "cachette/util/numbers.h"
#include "cachette/util/split_args.h"

#ifndef CACHETTE_VERSION
#define CACHETTE_VERSION "unknown"
#endif

namespace cachette::config {

namespace {

constexpr size_t kDirectiveCount = static_cast<size_t>(Id::kCount);
constexpr size_t kClassCount = 3;

constexpr DirectiveSpec kSpecs[] = {
#define CACHETTE_DIRECTIVE_SPEC(id, name, type, default_value, min, max, choices, runtime, \
                                description)                                               \
  DirectiveSpec{Id::id, name, Type::type, default_value, min, max, choices, runtime, description},
    CACHETTE_DIRECTIVES(CACHETTE_DIRECTIVE_SPEC)
#undef CACHETTE_DIRECTIVE_SPEC
};
static_assert(std::size(kSpecs) == kDirectiveCount);

// Redis prints the replica class as "slave" in CONFIG GET (7.0 still does), so we do too.
constexpr std::array<std::string_view, kClassCount> kClassNames = {"normal", "slave", "pubsub"};

constexpr std::string_view kBadDirective = "Bad directive or wrong number of arguments";
constexpr std::string_view kWrongArgCount = "wrong number of arguments";
constexpr std::string_view kUnbalancedQuotes = "Unbalanced quotes in configuration line";
constexpr std::string_view kBadLimitArgCount =
    "Wrong number of arguments in buffer limit configuration.";
constexpr std::string_view kBadLimitClass =
    "Invalid client class specified in buffer limit configuration.";
constexpr std::string_view kBadLimitNumber =
    "Error in hard, soft or soft_seconds setting in buffer limit configuration.";
constexpr std::string_view kBadSave = "Invalid save parameters";

// A directive's value while it is being parsed or compared; Slot holds the live copy.
struct Value {
  int64_t number = 0;
  std::string text;
  std::array<OutputBufferLimit, kClassCount> limits{};

  bool operator==(const Value& other) const {
    return number == other.number && text == other.text &&
           std::equal(limits.begin(), limits.end(), other.limits.begin(),
                      [](const OutputBufferLimit& a, const OutputBufferLimit& b) {
                        return a.hard_bytes == b.hard_bytes && a.soft_bytes == b.soft_bytes &&
                               a.soft_seconds == b.soft_seconds;
                      });
  }
};

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

std::vector<std::string_view> SplitChoices(std::string_view choices) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (start <= choices.size()) {
    size_t bar = choices.find('|', start);
    if (bar == std::string_view::npos) {
      bar = choices.size();
    }
    out.push_back(choices.substr(start, bar - start));
    start = bar + 1;
  }
  return out;
}

// Words of a CONFIG SET value for a directive that takes several arguments ("3600 1 300 10").
std::vector<std::string> SplitWords(std::string_view value) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < value.size()) {
    while (i < value.size() && (value[i] == ' ' || value[i] == '\t')) {
      ++i;
    }
    size_t start = i;
    while (i < value.size() && value[i] != ' ' && value[i] != '\t') {
      ++i;
    }
    if (i > start) {
      out.emplace_back(value.substr(start, i - start));
    }
  }
  return out;
}

std::string JoinWords(const std::vector<std::string>& words) {
  std::string out;
  for (const std::string& word : words) {
    if (!out.empty()) {
      out += ' ';
    }
    out += word;
  }
  return out;
}

// Directives that take a list of words rather than one argument, as Redis's MULTI_ARG_CONFIG.
bool TakesManyArgs(const DirectiveSpec& spec) {
  return spec.type == Type::kOutputBufferLimit || spec.id == Id::kBind || spec.id == Id::kSave;
}

// Redis's sdscatrepr: a double-quoted form that util::SplitArgs reads back byte for byte.
std::string Quote(std::string_view text) {
  std::string out;
  util::AppendQuoted(&out, text);
  return out;
}

// A value as redis.conf spells it: bare when it splits back into the same words.
std::string ConfWords(const DirectiveSpec& spec, std::string_view value) {
  if (value.empty()) {
    return "\"\"";
  }
  bool plain = std::all_of(value.begin(), value.end(), [&](char c) {
    return c > 0x20 && c < 0x7f && c != '"' && c != '\'' && c != '\\';
  });
  if (plain || (TakesManyArgs(spec) && SplitWords(value).size() > 0 &&
                JoinWords(SplitWords(value)) == value)) {
    return std::string(value);
  }
  return Quote(value);
}

std::optional<std::string> ParseInt(const DirectiveSpec& spec, std::string_view arg, int64_t* out) {
  int64_t number = 0;
  if (spec.type == Type::kMemory) {
    if (!util::ParseMemorySize(arg, &number)) {
      return "argument must be a memory value";
    }
  } else if (!util::ParseInt64(arg, &number)) {
    return "argument couldn't be parsed into an integer";
  }
  if (number < spec.min || number > spec.max) {
    return fmt::format("argument must be between {} and {} inclusive", spec.min, spec.max);
  }
  *out = number;
  return std::nullopt;
}

// "<class> <hard> <soft> <seconds>" groups; classes not named keep their current limits.
std::optional<std::string> ParseOutputLimits(const std::vector<std::string>& args, Value* value) {
  if (args.size() % 4 != 0) {
    return std::string(kBadLimitArgCount);
  }
  for (size_t i = 0; i < args.size(); i += 4) {
    size_t cls;
    if (EqualsIgnoreCase(args[i], "normal")) {
      cls = static_cast<size_t>(ClientClass::kNormal);
    } else if (EqualsIgnoreCase(args[i], "replica") || EqualsIgnoreCase(args[i], "slave")) {
      cls = static_cast<size_t>(ClientClass::kReplica);
    } else if (EqualsIgnoreCase(args[i], "pubsub")) {
      cls = static_cast<size_t>(ClientClass::kPubsub);
    } else {
      return std::string(kBadLimitClass);
    }
    OutputBufferLimit limit;
    if (!util::ParseMemorySize(args[i + 1], &limit.hard_bytes) ||
        !util::ParseMemorySize(args[i + 2], &limit.soft_bytes) ||
        !util::ParseInt64(args[i + 3], &limit.soft_seconds) || limit.hard_bytes < 0 ||
        limit.soft_bytes < 0 || limit.soft_seconds < 0) {
      return std::string(kBadLimitNumber);
    }
    value->limits[cls] = limit;
  }
  return std::nullopt;
}

// Redis's "save <seconds> <changes> ..." check: pairs of integers.
std::optional<std::string> CheckSave(const std::vector<std::string>& args) {
  if (args.size() % 2 != 0) {
    return std::string(kBadSave);
  }
  for (const std::string& arg : args) {
    int64_t number;
    if (!util::ParseInt64(arg, &number) || number < 0) {
      return std::string(kBadSave);
    }
  }
  return std::nullopt;
}

// Parses `args` (the words after the directive name) into *value, which holds the current
// value on entry (client-output-buffer-limit only changes the classes it names).
std::optional<std::string> ParseValue(const DirectiveSpec& spec, std::vector<std::string> args,
                                      Value* value) {
  if (TakesManyArgs(spec)) {
    // `save ""` means no words, and `save "3600 1"` the same as `save 3600 1`, as in Redis.
    args = SplitWords(JoinWords(args));
  } else if (args.size() != 1) {
    return std::string(kWrongArgCount);
  }
  switch (spec.type) {
    case Type::kBool: {
      if (EqualsIgnoreCase(args[0], "yes")) {
        value->number = 1;
      } else if (EqualsIgnoreCase(args[0], "no")) {
        value->number = 0;
      } else {
        return "argument must be 'yes' or 'no'";
      }
      if (spec.id == Id::kAppendonly && value->number != 0) {
        return "appendonly must be 'no': cachette keeps no data on disk";
      }
      return std::nullopt;
    }
    case Type::kInt:
    case Type::kMemory: {
      if (auto error = ParseInt(spec, args[0], &value->number)) {
        return error;
      }
      if (spec.id == Id::kShards) {
        // Shards are picked by masking a hash, so any other count is rounded up.
        value->number = static_cast<int64_t>(std::bit_ceil(static_cast<uint64_t>(value->number)));
      }
      return std::nullopt;
    }
    case Type::kEnum: {
      std::vector<std::string_view> choices = SplitChoices(spec.choices);
      for (size_t i = 0; i < choices.size(); ++i) {
        if (EqualsIgnoreCase(args[0], choices[i])) {
          value->number = static_cast<int64_t>(i);
          return std::nullopt;
        }
      }
      return fmt::format("argument(s) must be one of the following: {}", fmt::join(choices, ", "));
    }
    case Type::kString: {
      if (spec.id == Id::kSave) {
        if (auto error = CheckSave(args)) {
          return error;
        }
      }
      if (spec.id == Id::kPrefixStatsSeparator && args[0].size() != 1) {
        return std::string("argument must be a single character");
      }
      value->text = TakesManyArgs(spec) ? JoinWords(args) : args[0];
      return std::nullopt;
    }
    case Type::kOutputBufferLimit:
      return ParseOutputLimits(args, value);
  }
  return std::nullopt;
}

std::string Trim(std::string_view line) {
  size_t start = line.find_first_not_of(" \t\r\n");
  if (start == std::string_view::npos) {
    return "";
  }
  size_t end = line.find_last_not_of(" \t\r\n");
  return std::string(line.substr(start, end - start + 1));
}

std::string FormatLimits(const std::array<OutputBufferLimit, kClassCount>& limits) {
  std::string out;
  for (size_t i = 0; i < kClassCount; ++i) {
    out += fmt::format("{}{} {} {} {}", i == 0 ? "" : " ", kClassNames[i], limits[i].hard_bytes,
                       limits[i].soft_bytes, limits[i].soft_seconds);
  }
  return out;
}

std::string TypeForDocs(const DirectiveSpec& spec) {
  switch (spec.type) {
    case Type::kBool:
      return "yes/no";
    case Type::kInt:
      return fmt::format("integer, {} to {}", spec.min, spec.max);
    case Type::kMemory:
      if (spec.max == INT64_MAX) {
        return spec.min == 0 ? "memory" : fmt::format("memory, at least {}", spec.min);
      }
      return fmt::format("memory, {} to {}", spec.min, spec.max);
    case Type::kString:
      return TakesManyArgs(spec) ? "words" : "string";
    case Type::kEnum:
      return fmt::format("one of {}", fmt::join(SplitChoices(spec.choices), ", "));
    case Type::kOutputBufferLimit:
      return "class hard soft seconds ...";
  }
  return "";
}

}  // namespace

struct Config::Slot {
  Value Read() const {
    Value value;
    value.number = number.load(std::memory_order_relaxed);
    value.text = text;
    for (size_t i = 0; i < kClassCount; ++i) {
      value.limits[i] = {limits[i][0].load(std::memory_order_relaxed),
                         limits[i][1].load(std::memory_order_relaxed),
                         limits[i][2].load(std::memory_order_relaxed)};
    }
    return value;
  }

  void Write(const Value& value) {
    number.store(value.number, std::memory_order_relaxed);
    text = value.text;
    for (size_t i = 0; i < kClassCount; ++i) {
      limits[i][0].store(value.limits[i].hard_bytes, std::memory_order_relaxed);
      limits[i][1].store(value.limits[i].soft_bytes, std::memory_order_relaxed);
      limits[i][2].store(value.limits[i].soft_seconds, std::memory_order_relaxed);
    }
  }

  // Read() and Write() need Config::strings_mutex_ (for text, and so that Get() sees the
  // limits of one CONFIG SET); Int() and OutputLimit() load the atomics without it.
  std::atomic<int64_t> number{0};
  std::string text;
  // Per client class: hard bytes, soft bytes, soft seconds.
  std::array<std::array<std::atomic<int64_t>, 3>, kClassCount> limits{};
};

struct Config::LoadState {
  // Directives already read in this load: a second "save" line adds to the first, as Redis.
  std::array<bool, kDirectiveCount> seen{};
};

Config::Config() : hooks_(kDirectiveCount) {
  slots_.reserve(kDirectiveCount);
  for (const DirectiveSpec& spec : kSpecs) {
    Value value;
    std::vector<std::string> args = TakesManyArgs(spec)
                                        ? SplitWords(spec.default_value)
                                        : std::vector<std::string>{std::string(spec.default_value)};
    // The table is compiled in; a default that does not parse is a bug caught by the tests.
    (void)ParseValue(spec, args, &value);
    auto slot = std::make_unique<Slot>();
    slot->Write(value);
    slots_.push_back(std::move(slot));
  }
}

Config::~Config() = default;

std::span<const DirectiveSpec> Config::Directives() { return kSpecs; }

const DirectiveSpec* Config::Find(std::string_view name) {
  // Redis's old names for directives it renamed.
  struct Alias {
    std::string_view alias;
    std::string_view name;
  };
  static constexpr Alias kAliases[] = {{"lua-time-limit", "busy-reply-threshold"}};
  for (const Alias& alias : kAliases) {
    if (EqualsIgnoreCase(alias.alias, name)) {
      name = alias.name;
    }
  }
  for (const DirectiveSpec& spec : kSpecs) {
    if (EqualsIgnoreCase(spec.name, name)) {
      return &spec;
    }
  }
  return nullptr;
}

std::optional<std::string> Config::Load(std::span<const std::string> args) {
  size_t i = 0;
  std::string file_text;
  std::string path;
  if (!args.empty() && !args[0].starts_with("--")) {
    path = args[0];
    i = 1;
    std::FILE* file = std::fopen(path.c_str(), "r");
    if (file == nullptr) {
      return fmt::format("Fatal error, can't open config file '{}': {}", path,
                         std::strerror(errno));
    }
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof(buf), file)) > 0) {
      file_text.append(buf, n);
    }
    bool failed = std::ferror(file) != 0;
    int read_errno = errno;
    std::fclose(file);
    if (failed) {
      return fmt::format("Fatal error, can't read config file '{}': {}", path,
                         std::strerror(read_errno));
    }
  }

  // As redis-server's main(): "--name" opens a line, other arguments are quoted values. An
  // argument starting with "--" right after a name is that name's value ("--requirepass
  // --secret"), except that a bare "--save" stands for `save ""`.
  std::string options;
  bool name_has_value = true;
  for (; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (name_has_value && arg.starts_with("--")) {
      if (!options.empty()) {
        options += '\n';
      }
      options += arg.substr(2);
      options += ' ';
      std::vector<std::string> words;
      bool single_word = util::SplitArgs(arg, &words) && words.size() == 1;
      name_has_value = !single_word;
      if (single_word && EqualsIgnoreCase(arg, "--save") &&
          (i + 1 == args.size() || args[i + 1].starts_with("--"))) {
        options += "\"\"";
        name_has_value = true;
      }
    } else {
      options += Quote(arg);
      options += ' ';
      name_has_value = true;
    }
  }

  std::lock_guard write_lock(write_mutex_);
  if (!path.empty()) {
    std::error_code ec;
    std::filesystem::path absolute = std::filesystem::absolute(path, ec);
    std::lock_guard lock(strings_mutex_);
    config_file_ = ec ? path : absolute.string();
  }
  LoadState state;
  if (!path.empty()) {
    if (auto error = LoadLines(file_text, path, &state)) {
      return error;
    }
  }
  return LoadLines(options, "command line", &state);
}

std::optional<std::string> Config::LoadText(std::string_view text, std::string_view origin) {
  std::lock_guard write_lock(write_mutex_);
  LoadState state;
  return LoadLines(text, origin, &state);
}

std::optional<std::string> Config::LoadLines(std::string_view text, std::string_view origin,
                                             LoadState* state) {
  int line_number = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) {
      end = text.size();
    }
    std::string line = Trim(text.substr(pos, end - pos));
    pos = end + 1;
    ++line_number;
    if (line.empty() || line[0] == '#') {
      continue;
    }

    auto fail = [&](std::string_view reason) {
      std::string where =
          origin == "command line"
              ? fmt::format("Reading the command line, at line {}", line_number)
              : fmt::format("Reading the configuration file '{}', at line {}", origin, line_number);
      return fmt::format("*** FATAL CONFIG FILE ERROR (cachette {}) ***\n{}\n>>> '{}'\n{}",
                         CACHETTE_VERSION, where, line, reason);
    };

    std::vector<std::string> words;
    if (!util::SplitArgs(line, &words)) {
      return fail(kUnbalancedQuotes);
    }
    if (words.empty()) {
      continue;
    }
    const DirectiveSpec* spec = Find(words[0]);
    if (spec == nullptr) {
      return fail(kBadDirective);
    }
    words.erase(words.begin());
    size_t index = static_cast<size_t>(spec->id);
    Slot* slot = slots_[index].get();

    Value value;
    {
      std::lock_guard lock(strings_mutex_);
      value = slot->Read();
    }
    if (auto error = ParseValue(*spec, words, &value)) {
      return fail(*error);
    }
    if (spec->id == Id::kSave && state->seen[index] && !value.text.empty()) {
      std::lock_guard lock(strings_mutex_);
      if (!slot->text.empty()) {
        value.text = slot->text + " " + value.text;
      }
    }
    state->seen[index] = true;
    std::lock_guard lock(strings_mutex_);
    slot->Write(value);
    version_.fetch_add(1, std::memory_order_release);
  }
  return std::nullopt;
}

int64_t Config::Int(Id id) const {
  return slots_[static_cast<size_t>(id)]->number.load(std::memory_order_relaxed);
}

std::string Config::String(Id id) const {
  std::lock_guard lock(strings_mutex_);
  return slots_[static_cast<size_t>(id)]->text;
}

OutputBufferLimit Config::OutputLimit(ClientClass client_class) const {
  const auto& limit = slots_[static_cast<size_t>(Id::kClientOutputBufferLimit)]
                          ->limits[static_cast<size_t>(client_class)];
  return {limit[0].load(std::memory_order_relaxed), limit[1].load(std::memory_order_relaxed),
          limit[2].load(std::memory_order_relaxed)};
}

std::string Config::Get(Id id) const {
  const DirectiveSpec& spec = kSpecs[static_cast<size_t>(id)];
  Value value;
  {
    std::lock_guard lock(strings_mutex_);
    value = slots_[static_cast<size_t>(id)]->Read();
  }
  switch (spec.type) {
    case Type::kBool:
      return value.number != 0 ? "yes" : "no";
    case Type::kInt:
    case Type::kMemory:
      return std::to_string(value.number);
    case Type::kEnum:
      return std::string(SplitChoices(spec.choices).at(static_cast<size_t>(value.number)));
    case Type::kString:
      return value.text;
    case Type::kOutputBufferLimit:
      return FormatLimits(value.limits);
  }
  return "";
}

std::optional<SetError> Config::Set(
    std::span<const std::pair<std::string_view, std::string_view>> pairs, bool allow_protected) {
  std::lock_guard write_lock(write_mutex_);

  // Names first, the first problem in argument order wins (as Redis 7.0).
  std::vector<const DirectiveSpec*> specs;
  specs.reserve(pairs.size());
  for (const auto& [name, value] : pairs) {
    const DirectiveSpec* spec = Find(name);
    if (spec == nullptr) {
      return SetError{SetError::Kind::kUnknown, std::string(name), ""};
    }
    if (!spec->runtime) {
      return SetError{SetError::Kind::kImmutable, std::string(name), "can't set immutable config"};
    }
    if (IsProtected(spec->id) && !allow_protected) {
      return SetError{SetError::Kind::kProtected, std::string(name), "can't set protected config"};
    }
    if (std::find(specs.begin(), specs.end(), spec) != specs.end()) {
      return SetError{SetError::Kind::kDuplicate, std::string(name), "duplicate parameter"};
    }
    specs.push_back(spec);
  }

  std::vector<Value> old_values(pairs.size());
  std::vector<Value> new_values(pairs.size());
  {
    std::lock_guard lock(strings_mutex_);
    for (size_t i = 0; i < pairs.size(); ++i) {
      old_values[i] = slots_[static_cast<size_t>(specs[i]->id)]->Read();
    }
  }
  for (size_t i = 0; i < pairs.size(); ++i) {
    std::string_view value = pairs[i].second;
    std::vector<std::string> args =
        TakesManyArgs(*specs[i]) ? SplitWords(value) : std::vector<std::string>{std::string(value)};
    new_values[i] = old_values[i];
    if (auto error = ParseValue(*specs[i], args, &new_values[i])) {
      return SetError{SetError::Kind::kBadValue, std::string(pairs[i].first), *error};
    }
  }

  {
    std::lock_guard lock(strings_mutex_);
    for (size_t i = 0; i < pairs.size(); ++i) {
      slots_[static_cast<size_t>(specs[i]->id)]->Write(new_values[i]);
    }
    version_.fetch_add(1, std::memory_order_release);
  }

  // Hooks run only for directives whose value changed; on a refusal every value goes back and
  // the hooks already run (the refusing one too, in case it half applied) see the old values.
  std::vector<size_t> hooked;
  for (size_t i = 0; i < pairs.size(); ++i) {
    const ApplyHook& hook = hooks_[static_cast<size_t>(specs[i]->id)];
    if (!hook || new_values[i] == old_values[i]) {
      continue;
    }
    hooked.push_back(i);
    if (std::optional<std::string> refusal = hook(*this)) {
      {
        std::lock_guard lock(strings_mutex_);
        for (size_t j = 0; j < pairs.size(); ++j) {
          slots_[static_cast<size_t>(specs[j]->id)]->Write(old_values[j]);
        }
        version_.fetch_add(1, std::memory_order_release);
      }
      for (size_t j : hooked) {
        (void)hooks_[static_cast<size_t>(specs[j]->id)](*this);
      }
      return SetError{SetError::Kind::kHookFailed, std::string(pairs[i].first), *refusal};
    }
  }
  return std::nullopt;
}

void Config::SetApplyHook(Id id, ApplyHook hook) {
  std::lock_guard write_lock(write_mutex_);
  hooks_[static_cast<size_t>(id)] = std::move(hook);
}

std::string Config::config_file() const {
  std::lock_guard lock(strings_mutex_);
  return config_file_;
}

namespace {
constexpr std::string_view kRewriteSignature = "# Generated by CONFIG REWRITE";

// Redis's rewriteConfigFormatMemory.
std::string FormatMemory(int64_t bytes) {
  constexpr int64_t kKb = 1024, kMb = 1024 * 1024, kGb = 1024 * 1024 * 1024;
  if (bytes != 0 && bytes % kGb == 0) {
    return fmt::format("{}gb", bytes / kGb);
  }
  if (bytes != 0 && bytes % kMb == 0) {
    return fmt::format("{}mb", bytes / kMb);
  }
  if (bytes != 0 && bytes % kKb == 0) {
    return fmt::format("{}kb", bytes / kKb);
  }
  return std::to_string(bytes);
}
}  // namespace

std::string Config::RewriteText(std::string_view old_text) const {
  // The value of each directive as a config line, and whether it differs from the default.
  static const Config defaults;
  std::vector<std::string> lines;
  std::vector<int64_t> first_line(kDirectiveCount, -1);
  std::vector<bool> drop;
  bool has_signature = false;
  size_t pos = 0;
  while (pos < old_text.size()) {
    size_t end = old_text.find('\n', pos);
    if (end == std::string_view::npos) {
      end = old_text.size();
    }
    std::string line(old_text.substr(pos, end - pos));
    pos = end + 1;
    if (!line.empty() && line.back() == '\r') {
      line.pop_back();
    }
    const std::string trimmed = Trim(line);
    bool dropped = false;
    if (trimmed == kRewriteSignature) {
      has_signature = true;
    } else if (!trimmed.empty() && trimmed[0] != '#') {
      std::vector<std::string> words;
      const DirectiveSpec* spec = nullptr;
      if (util::SplitArgs(trimmed, &words) && !words.empty() &&
          (spec = Find(words[0])) != nullptr) {
        int64_t& first = first_line[static_cast<size_t>(spec->id)];
        if (first < 0) {
          first = static_cast<int64_t>(lines.size());
        } else {
          dropped = true;
        }
      }
    }
    lines.push_back(std::move(line));
    drop.push_back(dropped);
  }
  std::vector<std::string> appended;
  for (const DirectiveSpec& spec : kSpecs) {
    const size_t index = static_cast<size_t>(spec.id);
    const std::string value = Get(spec.id);
    std::string line(spec.name);
    line += ' ';
    line += spec.type == Type::kMemory ? FormatMemory(Int(spec.id)) : ConfWords(spec, value);
    if (first_line[index] >= 0) {
      lines[static_cast<size_t>(first_line[index])] = std::move(line);
    } else if (value != defaults.Get(spec.id)) {
      appended.push_back(std::move(line));
    }
  }
  // As Redis: a later line of a directive becomes blank, and blank lines in a row become one.
  std::string out;
  bool was_blank = false;
  for (size_t i = 0; i < lines.size(); ++i) {
    const bool blank = drop[i] || lines[i].empty();
    if (blank && was_blank) {
      continue;
    }
    was_blank = blank;
    if (!drop[i]) {
      out += lines[i];
    }
    out += '\n';
  }
  if (!appended.empty() && !has_signature) {
    out += kRewriteSignature;
    out += '\n';
  }
  for (const std::string& line : appended) {
    out += line;
    out += '\n';
  }
  return out;
}

std::optional<std::string> Config::Rewrite() const {
  const std::string path = config_file();
  std::string old_text;
  if (std::FILE* file = std::fopen(path.c_str(), "r")) {
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof(buf), file)) > 0) {
      old_text.append(buf, n);
    }
    std::fclose(file);
  } else if (errno != ENOENT) {
    return std::string(std::strerror(errno));
  }
  const std::string text = RewriteText(old_text);
  const std::string temp = fmt::format("{}.tmp-{}", path, getpid());
  std::FILE* file = std::fopen(temp.c_str(), "w");
  if (file == nullptr) {
    return std::string(std::strerror(errno));
  }
  const bool written = std::fwrite(text.data(), 1, text.size(), file) == text.size() &&
                       std::fflush(file) == 0 && fsync(fileno(file)) == 0;
  const int write_errno = errno;
  std::fclose(file);
  if (!written || std::rename(temp.c_str(), path.c_str()) != 0) {
    const int error = written ? errno : write_errno;
    std::remove(temp.c_str());
    return std::string(std::strerror(error));
  }
  return std::nullopt;
}

std::string Config::RenderConfigFile() {
  std::string out =
      "# Cachette configuration, in redis.conf syntax: one directive per line, then its\n"
      "# arguments; '#' starts a comment line; quote an argument with \"...\" or '...'.\n"
      "# Every directive is listed below at its default. Start the server with this file:\n"
      "#\n"
      "#   cachette-server /path/to/cachette.conf [--directive value ...]\n"
      "#\n"
      "# Generated from the directive table in include/cachette/config/config.h; see\n"
      "# docs/configuration.md for types and which directives CONFIG SET can change.\n";
  for (const DirectiveSpec& spec : kSpecs) {
    out += fmt::format("\n# {}\n{} {}\n", spec.description, spec.name,
                       ConfWords(spec, spec.default_value));
  }
  return out;
}

std::string Config::RenderConfigDocs() {
  std::string out =
      "# Configuration\n"
      "\n"
      "<!-- Generated from CACHETTE_DIRECTIVES in include/cachette/config/config.h by\n"
      "     Config::RenderConfigDocs(); a unit test keeps this page in step with the table. -->\n"
      "\n"
      "Cachette reads its settings the way `redis-server` does:\n"
      "\n"
      "```\n"
      "cachette-server [config-file] [--directive value ...]\n"
      "```\n"
      "\n"
      "The config file uses `redis.conf` syntax: one directive per line followed by its\n"
      "arguments, separated by spaces; blank lines and lines starting with `#` are skipped;\n"
      "an argument may be quoted with `\"...\"` (with C escapes such as `\\n` and `\\x41`) or\n"
      "`'...'`; an empty value is written `\"\"`. Directive names are case-insensitive. When a\n"
      "directive appears twice the later line wins, except `save`, whose lines add up.\n"
      "[`config/cachette.conf`](../config/cachette.conf) lists every directive at its default.\n"
      "\n"
      "Each `--directive value ...` argument group on the command line becomes one more line\n"
      "read after the file, so it overrides the file: `--port 7000`,\n"
      "`--bind 127.0.0.1 ::1`, `--save \"\"`,\n"
      "`--client-output-buffer-limit pubsub 64mb 16mb 60`.\n"
      "\n"
      "Values: `yes`/`no` for switches (any case); integers in decimal without sign or\n"
      "leading zeros; memory sizes in bytes or with a unit: `1k` = 1000, `1kb` = 1024, `1m`,\n"
      "`1mb`, `1g`, `1gb` (any case). `CONFIG GET` shows memory sizes in plain bytes.\n"
      "`shards` is rounded up to a power of two, and `CONFIG GET shards` shows the rounded\n"
      "value. `appendonly` is accepted for compatibility but must stay `no`.\n"
      "`client-output-buffer-limit` takes groups of `<class> <hard> <soft> <soft-seconds>`,\n"
      "class `normal`, `replica` (or `slave`) or `pubsub`; classes not named keep their limits;\n"
      "0 means no limit.\n"
      "\n"
      "`prefix-stats*` set how the figures per key prefix (`INFO prefixes`, `PREFIXSTATS`, see\n"
      "[commands](commands.md#prefixstats)) group keys: a key's prefix is the key up to its\n"
      "`prefix-stats-segments`-th `prefix-stats-separator` (one character), excluded; a key\n"
      "with fewer separators is its own prefix. With the defaults (1, `:`) `user:42` counts as\n"
      "`user`. Django's keys are `<KEY_PREFIX>:<version>:<key>` (`:1:reviews:user:42` with the\n"
      "default empty `KEY_PREFIX`), so `prefix-stats-segments 3` gives `:1:reviews` and\n"
      "`:1:payments` for `reviews:user:<id>` and `payments:<id>`. Changing any of them starts\n"
      "the figures over (keys and memory are recounted).\n"
      "\n"
      "`enable-debug-command` and `enable-protected-configs` take `no`, `yes` or `local`, as\n"
      "in Redis 7.0: with `no`, `DEBUG` (respectively `CONFIG SET` of a protected directive:\n"
      "`dir`) is refused to every client; `yes` allows it to all; `local` only to clients\n"
      "connected from `127.0.0.1` or `::1`. Both are fixed at start-up.\n"
      "\n"
      "A bad line stops the server with exit status 1 and a message in Redis's format, naming\n"
      "the file (or the command line), the line number, the line and what is wrong:\n"
      "\n"
      "```\n"
      "*** FATAL CONFIG FILE ERROR (cachette " CACHETTE_VERSION
      ") ***\n"
      "Reading the configuration file '/etc/cachette.conf', at line 2\n"
      ">>> 'port 99999'\n"
      "argument must be between 0 and 65535 inclusive\n"
      "```\n"
      "\n"
      "`CONFIG SET name value [name value ...]` changes the directives marked *yes* below,\n"
      "all or none: an unknown, repeated or fixed directive, or a bad value, changes nothing.\n"
      "The others are read once at start-up.\n"
      "\n"
      "| Directive | Type | Default | CONFIG SET | Description |\n"
      "|---|---|---|---|---|\n";
  for (const DirectiveSpec& spec : kSpecs) {
    std::string default_value =
        spec.default_value.empty() ? "`\"\"`" : fmt::format("`{}`", spec.default_value);
    out += fmt::format("| `{}` | {} | {} | {} | {} |\n", spec.name, TypeForDocs(spec),
                       default_value, spec.runtime ? "yes" : "no", spec.description);
  }
  return out;
}

}  // namespace cachette::config
