// The script cache, the per-thread VMs and the running-script state (see scripting.h).

#include "cachette/scripting/scripting.h"

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

std::optional<std::string> Scripting::Load(std::string_view body, std::string* sha) {
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
  std::lock_guard lock(cache_mutex_);
  auto it = bodies_.find(std::string(sha));
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

void Scripting::BeginRun() {
  kill_.store(false, std::memory_order_release);
  wrote_.store(false, std::memory_order_release);
  started_ns_.store(SteadyNs(), std::memory_order_release);
  std::lock_guard lock(run_mutex_);
  running_.store(true, std::memory_order_release);
}

void Scripting::EndRun() {
  {
    std::lock_guard lock(run_mutex_);
    running_.store(false, std::memory_order_release);
    kill_.store(false, std::memory_order_release);
  }
  run_cv_.notify_all();
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
    const int64_t deadline_ns = started_ns_.load(std::memory_order_acquire) + threshold_ms * 1000000;
    const int64_t now_ns = SteadyNs();
    if (now_ns >= deadline_ns) {
      return false;
    }
    run_cv_.wait_for(lock, std::chrono::nanoseconds(deadline_ns - now_ns));
  }
  return true;
}

Scripting::KillResult Scripting::Kill() {
  std::lock_guard lock(run_mutex_);
  if (!running_.load(std::memory_order_acquire)) {
    return KillResult::kNotBusy;
  }
  if (wrote_.load(std::memory_order_acquire)) {
    return KillResult::kUnkillable;
  }
  kill_.store(true, std::memory_order_release);
  return KillResult::kKilled;
}

void Scripting::ForceKill() {
  std::lock_guard lock(run_mutex_);
  if (running_.load(std::memory_order_acquire)) {
    kill_.store(true, std::memory_order_release);
  }
}

}  // namespace cachette::scripting
