// The script cache, the per-thread VMs and the running-script state (see scripting.h).

#include "cachette/scripting/scripting.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <memory>

#include "cachette/scripting/sha1.h"
#include "detail/lua_vm.h"

namespace cachette::scripting {

namespace {

std::atomic<uint64_t> g_next_id{1};

// This thread's VM: tied to one Scripting instance and one cache generation (SCRIPT FLUSH
// starts a new one, so the VM and its globals are recreated, as Redis resets its interpreter).
struct ThreadVm {
  uint64_t owner = 0;
  uint64_t generation = 0;
  std::unique_ptr<detail::LuaVm> vm;
};
thread_local ThreadVm t_vm;

// The calling thread's busy server (see scripting.h), whether it is running now, and when it
// last ran (steady ns).
thread_local Scripting::BusyServer t_busy_server;
thread_local bool t_serving_while_busy = false;
thread_local int64_t t_busy_served_ns = 0;

detail::LuaVm& VmFor(Scripting* scripting) {
  if (t_vm.vm == nullptr || t_vm.owner != scripting->id() ||
      t_vm.generation != scripting->generation()) {
    t_vm.vm.reset();
    t_vm.vm = std::make_unique<detail::LuaVm>(scripting);
    t_vm.owner = scripting->id();
    t_vm.generation = scripting->generation();
  }
  return *t_vm.vm;
}

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  return out;
}

int64_t SteadyNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Scripting::Scripting() : id_(g_next_id.fetch_add(1)) {}

Scripting::~Scripting() {
  if (t_vm.owner == id_) {
    t_vm.vm.reset();
    t_vm.owner = 0;
  }
}

std::optional<std::string> Scripting::ParseShebang(std::string_view body, ScriptFlags* flags) {
  *flags = ScriptFlags();
  if (!body.starts_with("#!")) {
    return std::nullopt;
  }
  flags->shebang = true;
  const std::string_view line = body.substr(0, body.find('\n'));
  std::vector<std::string_view> parts;
  size_t pos = 0;
  while (pos < line.size()) {
    const size_t end = std::min(line.find(' ', pos), line.size());
    if (end > pos) {
      parts.push_back(line.substr(pos, end - pos));
    }
    pos = end + 1;
  }
  if (parts.empty() || parts[0] != "#!lua") {
    return "ERR Unexpected engine in script shebang: " +
           std::string(parts.empty() ? line : parts[0]);
  }
  static constexpr std::string_view kFlags[] = {"no-writes", "allow-oom", "allow-stale",
                                                "no-cluster", "allow-cross-slot-keys"};
  for (size_t i = 1; i < parts.size(); ++i) {
    if (!parts[i].starts_with("flags=")) {
      return "ERR Unknown lua shebang option: " + std::string(parts[i]);
    }
    std::string_view list = parts[i].substr(6);
    while (!list.empty()) {
      const size_t comma = std::min(list.find(','), list.size());
      const std::string_view flag = list.substr(0, comma);
      list.remove_prefix(std::min(comma + 1, list.size()));
      if (flag.empty()) {
        continue;
      }
      if (std::find(std::begin(kFlags), std::end(kFlags), flag) == std::end(kFlags)) {
        return "ERR Unexpected flag in script shebang: " + std::string(flag);
      }
      flags->no_writes = flags->no_writes || flag == "no-writes";
    }
  }
  return std::nullopt;
}

std::optional<std::string> Scripting::Load(std::string_view body, std::string* sha) {
  ScriptFlags flags;
  if (auto error = ParseShebang(body, &flags)) {
    return error;
  }
  *sha = Sha1Hex(body);
  if (auto error = VmFor(this).Compile(*sha, body)) {
    return error;
  }
  std::lock_guard lock(cache_mutex_);
  bodies_.try_emplace(*sha, body);
  return std::nullopt;
}

bool Scripting::Exists(std::string_view sha) const {
  const std::string name = Lower(sha);
  std::lock_guard lock(cache_mutex_);
  return bodies_.find(name) != bodies_.end();
}

std::optional<std::string> Scripting::Body(std::string_view sha) const {
  const std::string name = Lower(sha);
  std::lock_guard lock(cache_mutex_);
  auto it = bodies_.find(name);
  if (it == bodies_.end()) {
    return std::nullopt;
  }
  return it->second;
}

void Scripting::Flush() {
  std::lock_guard lock(cache_mutex_);
  bodies_.clear();
  generation_.fetch_add(1, std::memory_order_acq_rel);
}

size_t Scripting::size() const {
  std::lock_guard lock(cache_mutex_);
  return bodies_.size();
}

bool Scripting::Run(std::string_view sha, std::span<const std::string_view> keys,
                    std::span<const std::string_view> args, ScriptHost& host,
                    protocol::ReplyWriter& reply) {
  const std::string name = Lower(sha);
  // The body must still be cached (another thread may have run SCRIPT FLUSH since this
  // thread's VM compiled it).
  std::optional<std::string> body = Body(name);
  if (!body) {
    return false;
  }
  detail::LuaVm& vm = VmFor(this);
  if (auto error = vm.Compile(name, *body)) {
    reply.Error(*error);
    return true;
  }
  body.reset();
  BeginRun();
  vm.Run(name, keys, args, host, reply);
  EndRun();
  return true;
}

void Scripting::BeginRun(std::string_view function_name,
                         std::span<const std::string_view> command) {
  kill_.store(false, std::memory_order_release);
  wrote_.store(false, std::memory_order_release);
  started_ns_.store(SteadyNs(), std::memory_order_release);
  std::lock_guard lock(run_mutex_);
  running_name_.assign(function_name);
  running_command_.assign(command.begin(), command.end());
  running_function_.store(!function_name.empty(), std::memory_order_release);
  running_.store(true, std::memory_order_release);
}

void Scripting::EndRun() {
  {
    std::lock_guard lock(run_mutex_);
    running_.store(false, std::memory_order_release);
    running_function_.store(false, std::memory_order_release);
    kill_.store(false, std::memory_order_release);
    running_name_.clear();
    running_command_.clear();
  }
  run_cv_.notify_all();
}

std::optional<Scripting::RunningFunction> Scripting::CurrentFunction() {
  std::lock_guard lock(run_mutex_);
  if (!running_.load(std::memory_order_acquire) || running_name_.empty()) {
    return std::nullopt;
  }
  RunningFunction current;
  current.name = running_name_;
  current.command = running_command_;
  current.duration_ms = (SteadyNs() - started_ns_.load(std::memory_order_acquire)) / 1000000;
  return current;
}

// --- Functions ------------------------------------------------------------------------

bool Scripting::FunctionInfo::no_writes() const {
  for (const std::string& flag : flags) {
    if (flag == "no-writes") {
      return true;
    }
  }
  return false;
}

namespace {

constexpr std::string_view kBadLibraryName =
    "ERR Library names can only contain letters, numbers, or underscores(_) and must be at "
    "least one character long";

// The "#!lua name=<name>" first line of a library: its name, or Redis's error.
std::optional<std::string> LibraryName(std::string_view code, std::string* name) {
  if (!code.starts_with("#!")) {
    return "ERR Missing library metadata";
  }
  std::string_view line = code.substr(0, code.find('\n'));
  std::vector<std::string_view> parts;
  size_t pos = 0;
  while (pos < line.size()) {
    while (pos < line.size() && std::isspace(static_cast<unsigned char>(line[pos]))) {
      ++pos;
    }
    size_t end = pos;
    while (end < line.size() && !std::isspace(static_cast<unsigned char>(line[end]))) {
      ++end;
    }
    if (end > pos) {
      parts.push_back(line.substr(pos, end - pos));
    }
    pos = end;
  }
  if (parts.empty() || parts[0] != "#!lua") {
    return "ERR Invalid library metadata";
  }
  bool named = false;
  for (size_t i = 1; i < parts.size(); ++i) {
    if (!parts[i].starts_with("name=")) {
      return "ERR Invalid library metadata";
    }
    name->assign(parts[i].substr(5));
    named = true;
  }
  if (!named) {
    return "ERR Invalid library metadata";
  }
  bool valid = !name->empty();
  for (char c : *name) {
    valid = valid && (std::isalnum(static_cast<unsigned char>(c)) || c == '_');
  }
  if (!valid) {
    return std::string(kBadLibraryName);
  }
  return std::nullopt;
}

// Runs the library in this thread's VM (not kept) and describes its functions.
std::optional<std::string> ProbeLibrary(detail::LuaVm& vm, std::string_view code,
                                        Scripting::LibraryInfo* library) {
  std::vector<detail::LuaVm::RegisteredFunction> registered;
  if (auto error = vm.LoadLibrary(code, &registered, /*keep=*/false)) {
    return error;
  }
  library->code.assign(code);
  library->functions.clear();
  for (auto& function : registered) {
    library->functions.push_back(
        {std::move(function.name), std::move(function.description), std::move(function.flags)});
  }
  std::sort(library->functions.begin(), library->functions.end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
  return std::nullopt;
}

// A function of `library` that another library of `libraries` (not one named `except`)
// already has: Redis's error, or nullopt.
std::optional<std::string> Collision(
    const std::map<std::string, Scripting::LibraryInfo, std::less<>>& libraries,
    const Scripting::LibraryInfo& library, std::string_view except) {
  for (const auto& [name, other] : libraries) {
    if (name == except) {
      continue;
    }
    for (const auto& mine : library.functions) {
      for (const auto& theirs : other.functions) {
        if (Lower(mine.name) == Lower(theirs.name)) {
          return "ERR Function " + mine.name + " already exists";
        }
      }
    }
  }
  return std::nullopt;
}

constexpr std::string_view kDumpHeader = "CACHETTE-FUNCTIONS 1\n";

}  // namespace

std::optional<std::string> Scripting::LoadLibrary(std::string_view code, bool replace,
                                                  std::string* name) {
  if (auto error = LibraryName(code, name)) {
    return error;
  }
  {
    std::lock_guard lock(cache_mutex_);
    if (!replace && libraries_.contains(*name)) {
      return "ERR Library '" + *name + "' already exists";
    }
  }
  LibraryInfo library;
  library.name = *name;
  if (auto error = ProbeLibrary(VmFor(this), code, &library)) {
    return error;
  }
  std::lock_guard lock(cache_mutex_);
  if (!replace && libraries_.contains(*name)) {
    return "ERR Library '" + *name + "' already exists";
  }
  if (auto error = Collision(libraries_, library, *name)) {
    return error;
  }
  libraries_[*name] = std::move(library);
  functions_generation_.fetch_add(1, std::memory_order_acq_rel);
  return std::nullopt;
}

bool Scripting::DeleteLibrary(std::string_view name) {
  std::lock_guard lock(cache_mutex_);
  auto it = libraries_.find(name);
  if (it == libraries_.end()) {
    return false;
  }
  libraries_.erase(it);
  functions_generation_.fetch_add(1, std::memory_order_acq_rel);
  return true;
}

void Scripting::FlushFunctions() {
  std::lock_guard lock(cache_mutex_);
  libraries_.clear();
  functions_generation_.fetch_add(1, std::memory_order_acq_rel);
}

std::vector<Scripting::LibraryInfo> Scripting::Libraries() const {
  std::lock_guard lock(cache_mutex_);
  std::vector<LibraryInfo> out;
  for (const auto& [name, library] : libraries_) {
    out.push_back(library);
  }
  return out;
}

std::optional<Scripting::FunctionInfo> Scripting::FindFunction(std::string_view name) const {
  std::lock_guard lock(cache_mutex_);
  for (const auto& [library_name, library] : libraries_) {
    for (const FunctionInfo& function : library.functions) {
      if (Lower(function.name) == Lower(name)) {
        return function;
      }
    }
  }
  return std::nullopt;
}

std::string Scripting::DumpFunctions() const {
  std::string payload(kDumpHeader);
  for (const LibraryInfo& library : Libraries()) {
    payload += std::to_string(library.code.size());
    payload += '\n';
    payload += library.code;
  }
  payload += Sha1Hex(payload);
  return payload;
}

std::optional<std::string> Scripting::RestoreFunctions(std::string_view payload,
                                                       RestorePolicy policy) {
  constexpr std::string_view kBadPayload = "ERR DUMP payload version or checksum are wrong";
  if (payload.size() < kDumpHeader.size() + 40 || !payload.starts_with(kDumpHeader) ||
      Sha1Hex(payload.substr(0, payload.size() - 40)) != payload.substr(payload.size() - 40)) {
    return std::string(kBadPayload);
  }
  std::string_view body =
      payload.substr(kDumpHeader.size(), payload.size() - 40 - kDumpHeader.size());
  std::vector<LibraryInfo> restored;
  detail::LuaVm& vm = VmFor(this);
  while (!body.empty()) {
    const size_t eol = body.find('\n');
    if (eol == std::string_view::npos) {
      return std::string(kBadPayload);
    }
    const size_t size = std::strtoull(std::string(body.substr(0, eol)).c_str(), nullptr, 10);
    if (body.size() - eol - 1 < size) {
      return std::string(kBadPayload);
    }
    const std::string_view code = body.substr(eol + 1, size);
    body.remove_prefix(eol + 1 + size);
    LibraryInfo& library = restored.emplace_back();
    if (auto error = LibraryName(code, &library.name)) {
      return error;
    }
    if (auto error = ProbeLibrary(vm, code, &library)) {
      return error;
    }
  }
  std::lock_guard lock(cache_mutex_);
  auto libraries = policy == RestorePolicy::kFlush
                       ? std::map<std::string, LibraryInfo, std::less<>>()
                       : libraries_;
  for (LibraryInfo& library : restored) {
    if (policy == RestorePolicy::kAppend && libraries.contains(library.name)) {
      return "ERR Library " + library.name + " already exists";
    }
    if (auto error = Collision(libraries, library, library.name)) {
      return error;
    }
    libraries[library.name] = std::move(library);
  }
  libraries_ = std::move(libraries);
  functions_generation_.fetch_add(1, std::memory_order_acq_rel);
  return std::nullopt;
}

void Scripting::RunFunction(std::string_view name, std::span<const std::string_view> keys,
                            std::span<const std::string_view> args, ScriptHost& host,
                            protocol::ReplyWriter& reply,
                            std::span<const std::string_view> command) {
  detail::LuaVm& vm = VmFor(this);
  const uint64_t generation = functions_generation();
  if (vm.functions_generation != generation) {
    vm.ClearFunctions();
    for (const LibraryInfo& library : Libraries()) {
      std::vector<detail::LuaVm::RegisteredFunction> ignored;
      vm.LoadLibrary(library.code, &ignored, /*keep=*/true);
    }
    vm.functions_generation = generation;
  }
  const std::string lower = Lower(name);
  if (!vm.HasFunction(lower)) {
    reply.Error("ERR Function not found");
    return;
  }
  const std::optional<FunctionInfo> info = FindFunction(name);
  const std::string display = info ? info->name : std::string(name);
  BeginRun(display, command);
  vm.RunFunction(lower, display, keys, args, host, reply);
  EndRun();
}

void Scripting::SetThreadBusyServer(BusyServer server) { t_busy_server = std::move(server); }

bool Scripting::ServingWhileBusy() { return t_serving_while_busy; }

void Scripting::ServeWhileBusyIfDue() {
  if (!t_busy_server || t_serving_while_busy) {
    return;
  }
  const int64_t now_ns = SteadyNs();
  if (now_ns - t_busy_served_ns < kBusyServePeriodMs * 1000000) {
    return;
  }
  t_busy_served_ns = now_ns;
  struct Serving {
    Serving() { t_serving_while_busy = true; }
    ~Serving() { t_serving_while_busy = false; }
  } serving;
  t_busy_server();
}

bool Scripting::TimedOut(int64_t threshold_ms) const {
  if (!running()) {
    return false;
  }
  return SteadyNs() - started_ns_.load(std::memory_order_acquire) >= threshold_ms * 1000000;
}

bool Scripting::WaitWhileRunning(int64_t threshold_ms) {
  if (!running()) {
    return true;
  }
  std::unique_lock lock(run_mutex_);
  while (running_.load(std::memory_order_acquire)) {
    const int64_t deadline_ns =
        started_ns_.load(std::memory_order_acquire) + threshold_ms * 1000000;
    const int64_t now_ns = SteadyNs();
    if (now_ns >= deadline_ns) {
      return false;
    }
    run_cv_.wait_for(lock, std::chrono::nanoseconds(deadline_ns - now_ns));
  }
  return true;
}

Scripting::KillResult Scripting::Kill(bool function) {
  std::lock_guard lock(run_mutex_);
  if (!running_.load(std::memory_order_acquire)) {
    return KillResult::kNotBusy;
  }
  if (wrote_.load(std::memory_order_acquire)) {
    return KillResult::kUnkillable;
  }
  if (function != running_function_.load(std::memory_order_acquire)) {
    return KillResult::kWrongKind;
  }
  kill_.store(true, std::memory_order_release);
  return KillResult::kKilled;
}

void Scripting::ForceKill() {
  stopping_.store(true, std::memory_order_release);
  std::lock_guard lock(run_mutex_);
  if (running_.load(std::memory_order_acquire)) {
    kill_.store(true, std::memory_order_release);
  }
}

}  // namespace cachette::scripting
