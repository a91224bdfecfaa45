// Redis's "scripting" command group: EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT.
//
// A script runs on its caller's thread while that thread holds every shard
// (Store::HoldShards, or the hold of the EXEC it runs in), so no other client sees the store
// between two of its commands. redis.call reaches ScriptCaller below, which applies Redis's
// checks for commands called from scripts (unknown command, arity, noscript commands, writes
// from read-only scripts, deny-oom before the first write) and then runs the command through
// Dispatcher::Execute with a client state of the script's own: the caller's database (SELECT
// inside a script changes only the script's database, as in Redis 7) and the script's RESP
// version (redis.setresp). The reply bytes go back to the Lua engine, which converts them.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cachette/commands/command_context.h"
#include "cachette/commands/command_table.h"
#include "cachette/commands/dispatcher.h"
#include "cachette/config/config.h"
#include "cachette/protocol/errors.h"
#include "cachette/scripting/scripting.h"
#include "cachette/store/store.h"
#include "cachette/util/glob.h"
#include "detail/handler_support.h"

namespace cachette::commands::detail {

namespace errors = protocol::errors;

namespace {

constexpr uint32_t kEvalFlags = kNoscript | kStale | kSkipMonitor | kNoMandatoryKeys | kMovableKeys;

bool ArityMatches(int arity, size_t argc) {
  return arity >= 0 ? argc == static_cast<size_t>(arity) : argc >= static_cast<size_t>(-arity);
}

class ScriptCaller final : public scripting::ScriptHost {
 public:
  ScriptCaller(CommandContext& ctx, bool read_only) : ctx_(ctx), read_only_(read_only) {
    client_.id = ctx.client.id;
    client_.db = ctx.client.db;
    client_.authenticated = true;
    client_.stats = ctx.client.stats;
  }

  void Call(std::span<const std::string_view> args, int resp_version, std::string* reply) override {
    protocol::ReplyWriter writer(reply, resp_version);
    client_.resp_version = resp_version;
    const CommandTable& table = ctx_.server.commands();
    size_t index = 0;
    const CommandSpec* spec = table.Find(args[0], &index);
    if (spec != nullptr && !spec->subcommands.empty() && args.size() >= 2) {
      const CommandSpec* sub = CommandTable::FindSubcommand(*spec, args[1]);
      if (sub != nullptr) {
        index = CommandTable::SubcommandIndex(*spec, index, sub);
      }
      spec = sub;
    }
    if (spec == nullptr) {
      writer.Error(errors::kScriptUnknownCommand);
      return;
    }
    if (!ArityMatches(spec->arity, args.size())) {
      writer.Error(errors::kScriptWrongArity);
      return;
    }
    if ((spec->flags & kNoscript) != 0 || spec->handler == nullptr) {
      writer.Error(errors::kScriptNotAllowed);
      return;
    }
    scripting::Scripting& scripting = ctx_.server.scripting();
    if ((spec->flags & kWrite) != 0 && read_only_) {
      writer.Error(errors::kScriptWriteInReadOnly);
      return;
    }
    // Redis refuses deny-oom commands while over maxmemory until the script has written
    // (after a write, refusing would leave the script half done).
    if ((spec->flags & kDenyOom) != 0 && !scripting.wrote() && ctx_.store().MemoryFull()) {
      writer.Error(errors::kOutOfMemory);
      return;
    }
    if ((spec->flags & kWrite) != 0) {
      scripting.NoteWrite();
    }
    ctx_.dispatcher->Execute(client_, writer, *spec, index, args);
  }

 private:
  CommandContext& ctx_;
  bool read_only_;
  ClientState client_;
};

// The numkeys argument (args[2]) of EVAL and FCALL: an integer, not negative, at most the
// arguments that follow; on failure replies Redis's error and returns false.
bool ParseNumKeysOrReply(CommandContext& ctx, std::string_view not_integer, int64_t* numkeys) {
  if (!ParseInt64OrReply(ctx, ctx.args[2], numkeys, not_integer)) {
    return false;
  }
  if (*numkeys > static_cast<int64_t>(ctx.args.size() - 3)) {
    ctx.reply.Error(errors::kNumKeysTooMany);
    return false;
  }
  if (*numkeys < 0) {
    ctx.reply.Error(errors::kNumKeysNegative);
    return false;
  }
  return true;
}

// EVAL/EVALSHA[_RO] script|sha numkeys [key ...] [arg ...]
// As a script's command ends, its thread still holds every shard: it forgets the watch
// tokens other threads had to leave pending while the script ran (PendingUnwatches).
void ForgetPendingUnwatches(CommandContext& ctx) {
  if (ctx.server.pending_unwatches().empty()) {
    return;
  }
  for (const store::WatchToken& token : ctx.server.pending_unwatches().Take()) {
    ctx.store().Unwatch(token);
  }
}

Status RunScript(CommandContext& ctx, bool by_sha, bool read_only) {
  int64_t numkeys = 0;
  if (!ParseNumKeysOrReply(ctx, errors::kNotInteger, &numkeys)) {
    return kError;
  }
  scripting::Scripting& scripting = ctx.server.scripting();
  std::string sha;
  if (by_sha) {
    sha.assign(ctx.args[1]);
    if (sha.size() != 40 || !scripting.Exists(sha)) {
      ctx.reply.Error(errors::kNoScript);
      return kError;
    }
  } else if (auto error = scripting.Load(ctx.args[1], &sha)) {
    ctx.reply.Error(*error);
    return kError;
  }
  // A script with a "#!lua" line declares whether it writes (Redis 7); one without it runs
  // in compatibility mode, where only EVAL_RO's own refusal of writes applies.
  scripting::Scripting::ScriptFlags flags;
  if (by_sha) {
    if (auto body = scripting.Body(sha)) {
      scripting::Scripting::ParseShebang(*body, &flags);
    }
  } else {
    scripting::Scripting::ParseShebang(ctx.args[1], &flags);
  }
  if (read_only && flags.shebang && !flags.no_writes) {
    ctx.reply.Error(errors::kWriteFlagInReadOnlyCall);
    return kError;
  }
  const auto keys = ctx.args.subspan(3, static_cast<size_t>(numkeys));
  const auto argv = ctx.args.subspan(3 + static_cast<size_t>(numkeys));
  std::unique_ptr<store::ShardHold> hold;
  if (!ctx.store().HoldsShardsOnThisThread()) {
    hold = ctx.store().HoldShards({}, /*all=*/true);
  }
  ScriptCaller caller(ctx, read_only || flags.no_writes);
  const size_t reply_start = ctx.reply.buffer()->size();
  if (!scripting.Run(sha, keys, argv, caller, ctx.reply)) {
    ctx.reply.Error(errors::kNoScript);
  }
  ForgetPendingUnwatches(ctx);
  // The reply is the script's result, which may be an error (a failed call, error_reply).
  return ReplyIsError(ctx, reply_start) ? kError : kOk;
}

// EVAL script numkeys [key ...] [arg ...]: runs a Lua script (and caches it).
Status CmdEval(CommandContext& ctx) { return RunScript(ctx, false, false); }
constexpr CommandSpec kEvalSpec{.name = "eval",
                                .arity = -3,
                                .flags = kEvalFlags,
                                .since = "2.6.0",
                                .summary = "Runs a Lua script atomically.",
                                .handler = CmdEval};
// EVALSHA sha1 numkeys [key ...] [arg ...]: runs a cached script.
Status CmdEvalSha(CommandContext& ctx) { return RunScript(ctx, true, false); }
constexpr CommandSpec kEvalshaSpec{.name = "evalsha",
                                   .arity = -3,
                                   .flags = kEvalFlags,
                                   .since = "2.6.0",
                                   .summary = "Runs a cached Lua script by its SHA1.",
                                   .handler = CmdEvalSha};
// EVAL_RO: EVAL whose script may not write.
Status CmdEvalRo(CommandContext& ctx) { return RunScript(ctx, false, true); }
constexpr CommandSpec kEvalRoSpec{.name = "eval_ro",
                                  .arity = -3,
                                  .flags = kEvalFlags | kReadonly,
                                  .since = "7.0.0",
                                  .summary = "Runs a Lua script that may not write.",
                                  .handler = CmdEvalRo};
// EVALSHA_RO: EVALSHA whose script may not write.
Status CmdEvalShaRo(CommandContext& ctx) { return RunScript(ctx, true, true); }
constexpr CommandSpec kEvalshaRoSpec{.name = "evalsha_ro",
                                     .arity = -3,
                                     .flags = kEvalFlags | kReadonly,
                                     .since = "7.0.0",
                                     .summary = "Runs a cached Lua script that may not write.",
                                     .handler = CmdEvalShaRo};

// SCRIPT LOAD script: compiles and caches the script; replies its SHA1.
Status CmdScriptLoad(CommandContext& ctx) {
  std::string sha;
  if (auto error = ctx.server.scripting().Load(ctx.args[2], &sha)) {
    ctx.reply.Error(*error);
    return kError;
  }
  ctx.reply.Bulk(sha);
  return kOk;
}
constexpr CommandSpec kScriptLoadSpec{
    .name = "script|load",
    .arity = 3,
    .flags = kNoscript | kStale,
    .since = "2.6.0",
    .summary = "Compiles a script and caches it; returns its SHA1.",
    .handler = CmdScriptLoad};

// SCRIPT EXISTS sha1 [sha1 ...]: 1 or 0 per SHA1.
Status CmdScriptExists(CommandContext& ctx) {
  ctx.reply.ArrayHeader(ctx.args.size() - 2);
  for (size_t i = 2; i < ctx.args.size(); ++i) {
    ctx.reply.Integer(ctx.server.scripting().Exists(ctx.args[i]) ? 1 : 0);
  }
  return kOk;
}
constexpr CommandSpec kScriptExistsSpec{.name = "script|exists",
                                        .arity = -3,
                                        .flags = kNoscript,
                                        .since = "2.6.0",
                                        .summary = "Tells which SHA1s name cached scripts.",
                                        .handler = CmdScriptExists};

// SCRIPT FLUSH [ASYNC|SYNC]: empties the script cache.
Status CmdScriptFlush(CommandContext& ctx) {
  if (ctx.args.size() > 3 || (ctx.args.size() == 3 && !EqualsIgnoreCase(ctx.args[2], "SYNC") &&
                              !EqualsIgnoreCase(ctx.args[2], "ASYNC"))) {
    ctx.reply.Error(errors::kScriptFlushOption);
    return kError;
  }
  ctx.server.scripting().Flush();
  ctx.reply.Ok();
  return kOk;
}
constexpr CommandSpec kScriptFlushSpec{.name = "script|flush",
                                       .arity = -2,
                                       .flags = kNoscript,
                                       .since = "2.6.0",
                                       .summary = "Empties the script cache.",
                                       .handler = CmdScriptFlush};

// SCRIPT KILL: stops the running script, unless it has written.
Status CmdScriptKill(CommandContext& ctx) {
  switch (ctx.server.scripting().Kill()) {
    case scripting::Scripting::KillResult::kNotBusy:
      ctx.reply.Error(errors::kNotBusy);
      return kError;
    case scripting::Scripting::KillResult::kUnkillable:
      ctx.reply.Error(errors::kUnkillable);
      return kError;
    case scripting::Scripting::KillResult::kWrongKind:
      ctx.reply.Error(errors::kBusyFunction);
      return kError;
    case scripting::Scripting::KillResult::kKilled:
      ctx.reply.Ok();
      return kOk;
  }
  return kOk;
}
constexpr CommandSpec kScriptKillSpec{.name = "script|kill",
                                      .arity = 2,
                                      .flags = kNoscript | kAllowBusy,
                                      .since = "2.6.0",
                                      .summary = "Stops the running script if it has not written.",
                                      .handler = CmdScriptKill};

// SCRIPT HELP
Status CmdScriptHelp(CommandContext& ctx) {
  ReplyHelp(ctx, "SCRIPT",
            {"DEBUG (YES|SYNC|NO)", "    Set the debug mode for subsequent scripts executed.",
             "EXISTS <sha1> [<sha1> ...]",
             "    Return information about the existence of the scripts in the script cache.",
             "FLUSH [ASYNC|SYNC]", "    Flush the Lua scripts cache. Very dangerous on replicas.",
             "    When called without the optional mode argument, the behavior is determined by "
             "the",
             "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
             "    * ASYNC: Asynchronously flush the scripts cache.",
             "    * SYNC: Synchronously flush the scripts cache.", "KILL",
             "    Kill the currently executing Lua script.", "LOAD <script>",
             "    Load a script into the scripts cache without executing it."});
  return kOk;
}
constexpr CommandSpec kScriptHelpSpec{.name = "script|help",
                                      .arity = 2,
                                      .flags = kLoading | kStale,
                                      .since = "5.0.0",
                                      .summary = "Shows what SCRIPT's subcommands do.",
                                      .handler = CmdScriptHelp};

// --- Functions --------------------------------------------------------------------------

// FCALL/FCALL_RO function numkeys [key ...] [arg ...]
Status RunFunction(CommandContext& ctx, bool read_only) {
  scripting::Scripting& scripting = ctx.server.scripting();
  const auto function = scripting.FindFunction(ctx.args[1]);
  if (!function) {
    ctx.reply.Error(errors::kFunctionNotFound);
    return kError;
  }
  int64_t numkeys = 0;
  if (!ParseNumKeysOrReply(ctx, errors::kBadNumberOfKeys, &numkeys)) {
    return kError;
  }
  if (read_only && !function->no_writes()) {
    ctx.reply.Error(errors::kWriteFlagInReadOnlyCall);
    return kError;
  }
  const auto keys = ctx.args.subspan(3, static_cast<size_t>(numkeys));
  const auto argv = ctx.args.subspan(3 + static_cast<size_t>(numkeys));
  std::unique_ptr<store::ShardHold> hold;
  if (!ctx.store().HoldsShardsOnThisThread()) {
    hold = ctx.store().HoldShards({}, /*all=*/true);
  }
  ScriptCaller caller(ctx, read_only || function->no_writes());
  const size_t reply_start = ctx.reply.buffer()->size();
  scripting.RunFunction(ctx.args[1], keys, argv, caller, ctx.reply, ctx.args);
  ForgetPendingUnwatches(ctx);
  return ReplyIsError(ctx, reply_start) ? kError : kOk;
}

// FCALL function numkeys [key ...] [arg ...]: runs a function of a loaded library.
Status CmdFcall(CommandContext& ctx) { return RunFunction(ctx, false); }
constexpr CommandSpec kFcallSpec{.name = "fcall",
                                 .arity = -3,
                                 .flags = kEvalFlags,
                                 .since = "7.0.0",
                                 .summary = "Runs a function of a loaded library.",
                                 .handler = CmdFcall};
// FCALL_RO: FCALL of a function flagged no-writes.
Status CmdFcallRo(CommandContext& ctx) { return RunFunction(ctx, true); }
constexpr CommandSpec kFcallRoSpec{.name = "fcall_ro",
                                   .arity = -3,
                                   .flags = kEvalFlags | kReadonly,
                                   .since = "7.0.0",
                                   .summary = "Runs a function flagged no-writes.",
                                   .handler = CmdFcallRo};

// FUNCTION LOAD [REPLACE] code: loads a library; replies its name.
Status CmdFunctionLoad(CommandContext& ctx) {
  bool replace = false;
  for (size_t i = 2; i + 1 < ctx.args.size(); ++i) {
    if (EqualsIgnoreCase(ctx.args[i], "REPLACE")) {
      replace = true;
      continue;
    }
    ctx.reply.Error("ERR Unknown option given: " + std::string(ctx.args[i]));
    return kError;
  }
  std::string name;
  if (auto error = ctx.server.scripting().LoadLibrary(ctx.args.back(), replace, &name)) {
    ctx.reply.Error(*error);
    return kError;
  }
  ctx.reply.Bulk(name);
  return kOk;
}
constexpr CommandSpec kFunctionLoadSpec{.name = "function|load",
                                        .arity = -3,
                                        .flags = kWrite | kDenyOom | kNoscript,
                                        .since = "7.0.0",
                                        .summary = "Loads a library of functions.",
                                        .handler = CmdFunctionLoad};

// FUNCTION DELETE library
Status CmdFunctionDelete(CommandContext& ctx) {
  if (!ctx.server.scripting().DeleteLibrary(ctx.args[2])) {
    ctx.reply.Error(errors::kLibraryNotFound);
    return kError;
  }
  ctx.reply.Ok();
  return kOk;
}
constexpr CommandSpec kFunctionDeleteSpec{.name = "function|delete",
                                          .arity = 3,
                                          .flags = kWrite | kNoscript,
                                          .since = "7.0.0",
                                          .summary = "Deletes a library and its functions.",
                                          .handler = CmdFunctionDelete};

// FUNCTION FLUSH [ASYNC|SYNC]
Status CmdFunctionFlush(CommandContext& ctx) {
  if (ctx.args.size() > 3) {
    ctx.reply.Error(errors::SubcommandSyntax("FUNCTION", ctx.args[1]));
    return kError;
  }
  if ((ctx.args.size() == 3 && !EqualsIgnoreCase(ctx.args[2], "SYNC") &&
       !EqualsIgnoreCase(ctx.args[2], "ASYNC"))) {
    ctx.reply.Error(errors::kFunctionFlushOption);
    return kError;
  }
  ctx.server.scripting().FlushFunctions();
  ctx.reply.Ok();
  return kOk;
}
constexpr CommandSpec kFunctionFlushSpec{.name = "function|flush",
                                         .arity = -2,
                                         .flags = kWrite | kNoscript,
                                         .since = "7.0.0",
                                         .summary = "Deletes every library.",
                                         .handler = CmdFunctionFlush};

// FUNCTION LIST [WITHCODE] [LIBRARYNAME pattern]: the libraries and their functions.
Status CmdFunctionList(CommandContext& ctx) {
  bool with_code = false;
  std::optional<std::string_view> pattern;
  for (size_t i = 2; i < ctx.args.size(); ++i) {
    if (!with_code && EqualsIgnoreCase(ctx.args[i], "WITHCODE")) {
      with_code = true;
      continue;
    }
    if (!pattern && EqualsIgnoreCase(ctx.args[i], "LIBRARYNAME")) {
      if (i + 1 >= ctx.args.size()) {
        ctx.reply.Error(errors::kLibraryNameMissing);
        return kError;
      }
      pattern = ctx.args[++i];
      continue;
    }
    ctx.reply.Error("ERR Unknown argument " + std::string(ctx.args[i]));
    return kError;
  }
  std::vector<scripting::Scripting::LibraryInfo> libraries = ctx.server.scripting().Libraries();
  std::erase_if(libraries, [&](const auto& library) {
    return pattern && !util::GlobMatch(*pattern, library.name, /*nocase=*/true);
  });
  ctx.reply.ArrayHeader(libraries.size());
  for (const auto& library : libraries) {
    ctx.reply.MapHeader(with_code ? 4 : 3);
    ctx.reply.Bulk("library_name");
    ctx.reply.Bulk(library.name);
    ctx.reply.Bulk("engine");
    ctx.reply.Bulk("LUA");
    ctx.reply.Bulk("functions");
    ctx.reply.ArrayHeader(library.functions.size());
    for (const auto& function : library.functions) {
      ctx.reply.MapHeader(3);
      ctx.reply.Bulk("name");
      ctx.reply.Bulk(function.name);
      ctx.reply.Bulk("description");
      if (function.description) {
        ctx.reply.Bulk(*function.description);
      } else {
        ctx.reply.NullBulk();
      }
      ctx.reply.Bulk("flags");
      ctx.reply.SetHeader(function.flags.size());
      for (const std::string& flag : function.flags) {
        ctx.reply.SimpleString(flag);
      }
    }
    if (with_code) {
      ctx.reply.Bulk("library_code");
      ctx.reply.Bulk(library.code);
    }
  }
  return kOk;
}
constexpr CommandSpec kFunctionListSpec{.name = "function|list",
                                        .arity = -2,
                                        .flags = kNoscript,
                                        .since = "7.0.0",
                                        .summary = "Lists the libraries and their functions.",
                                        .handler = CmdFunctionList};

// FUNCTION STATS: the running function, and how many libraries and functions are loaded.
Status CmdFunctionStats(CommandContext& ctx) {
  // As Redis: not while an EVAL script runs (it is not a function to show).
  if (ctx.server.scripting().running() && !ctx.server.scripting().running_function()) {
    ctx.reply.Error(errors::kBusyScript);
    return kError;
  }
  ctx.reply.MapHeader(2);
  ctx.reply.Bulk("running_script");
  if (auto running = ctx.server.scripting().CurrentFunction()) {
    ctx.reply.MapHeader(3);
    ctx.reply.Bulk("name");
    ctx.reply.Bulk(running->name);
    ctx.reply.Bulk("command");
    ctx.reply.ArrayHeader(running->command.size());
    for (const std::string& arg : running->command) {
      ctx.reply.Bulk(arg);
    }
    ctx.reply.Bulk("duration_ms");
    ctx.reply.Integer(running->duration_ms);
  } else {
    ctx.reply.NullBulk();
  }
  size_t functions = 0;
  const auto libraries = ctx.server.scripting().Libraries();
  for (const auto& library : libraries) {
    functions += library.functions.size();
  }
  ctx.reply.Bulk("engines");
  ctx.reply.MapHeader(1);
  ctx.reply.Bulk("LUA");
  ctx.reply.MapHeader(2);
  ctx.reply.Bulk("libraries_count");
  ctx.reply.Integer(static_cast<int64_t>(libraries.size()));
  ctx.reply.Bulk("functions_count");
  ctx.reply.Integer(static_cast<int64_t>(functions));
  return kOk;
}
constexpr CommandSpec kFunctionStatsSpec{
    .name = "function|stats",
    .arity = 2,
    .flags = kNoscript | kAllowBusy,
    .since = "7.0.0",
    .summary = "Shows the running function and how many are loaded.",
    .handler = CmdFunctionStats};

// FUNCTION KILL: stops the running function, unless it has written.
Status CmdFunctionKill(CommandContext& ctx) {
  switch (ctx.server.scripting().Kill(/*function=*/true)) {
    case scripting::Scripting::KillResult::kNotBusy:
      ctx.reply.Error(errors::kNotBusy);
      return kError;
    case scripting::Scripting::KillResult::kUnkillable:
      ctx.reply.Error(errors::kUnkillable);
      return kError;
    case scripting::Scripting::KillResult::kWrongKind:
      ctx.reply.Error(errors::kBusyScript);
      return kError;
    case scripting::Scripting::KillResult::kKilled:
      ctx.reply.Ok();
      return kOk;
  }
  return kOk;
}
constexpr CommandSpec kFunctionKillSpec{
    .name = "function|kill",
    .arity = 2,
    .flags = kNoscript | kAllowBusy,
    .since = "7.0.0",
    .summary = "Stops the running function if it has not written.",
    .handler = CmdFunctionKill};

// FUNCTION DUMP: every library in one payload (Cachette's format, not Redis's RDB one).
Status CmdFunctionDump(CommandContext& ctx) {
  ctx.reply.Bulk(ctx.server.scripting().DumpFunctions());
  return kOk;
}
constexpr CommandSpec kFunctionDumpSpec{.name = "function|dump",
                                        .arity = 2,
                                        .flags = kNoscript,
                                        .since = "7.0.0",
                                        .summary = "Serializes every library.",
                                        .handler = CmdFunctionDump};

// FUNCTION RESTORE payload [FLUSH|APPEND|REPLACE]
Status CmdFunctionRestore(CommandContext& ctx) {
  auto policy = scripting::Scripting::RestorePolicy::kAppend;
  if (ctx.args.size() > 4) {
    ctx.reply.Error(errors::kSyntax);
    return kError;
  }
  if (ctx.args.size() == 4) {
    if (EqualsIgnoreCase(ctx.args[3], "FLUSH")) {
      policy = scripting::Scripting::RestorePolicy::kFlush;
    } else if (EqualsIgnoreCase(ctx.args[3], "REPLACE")) {
      policy = scripting::Scripting::RestorePolicy::kReplace;
    } else if (!EqualsIgnoreCase(ctx.args[3], "APPEND")) {
      ctx.reply.Error(errors::kWrongRestorePolicy);
      return kError;
    }
  }
  if (auto error = ctx.server.scripting().RestoreFunctions(ctx.args[2], policy)) {
    ctx.reply.Error(*error);
    return kError;
  }
  ctx.reply.Ok();
  return kOk;
}
constexpr CommandSpec kFunctionRestoreSpec{
    .name = "function|restore",
    .arity = -3,
    .flags = kWrite | kDenyOom | kNoscript,
    .since = "7.0.0",
    .summary = "Loads the libraries of a FUNCTION DUMP payload.",
    .handler = CmdFunctionRestore};

// FUNCTION HELP
Status CmdFunctionHelp(CommandContext& ctx) {
  ReplyHelp(ctx, "FUNCTION",
            {"LOAD [REPLACE] <FUNCTION CODE>",
             "    Create a new library with the given library name and code.",
             "DELETE <LIBRARY NAME>",
             "    Delete the given library.",
             "LIST [LIBRARYNAME PATTERN] [WITHCODE]",
             "    Return general information on all the libraries:",
             "    * Library name",
             "    * The engine used to run the Library",
             "    * Library description",
             "    * Functions list",
             "    * Library code (if WITHCODE is given)",
             "    It also possible to get only function that matches a pattern using LIBRARYNAME "
             "argument.",
             "STATS",
             "    Return information about the current function running:",
             "    * Function name",
             "    * Command used to run the function",
             "    * Duration in MS that the function is running",
             "    If no function is running, return nil",
             "    In addition, returns a list of available engines.",
             "KILL",
             "    Kill the current running function.",
             "FLUSH [ASYNC|SYNC]",
             "    Delete all the libraries.",
             "    When called without the optional mode argument, the behavior is determined by "
             "the",
             "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
             "    * ASYNC: Asynchronously flush the libraries.",
             "    * SYNC: Synchronously flush the libraries.",
             "DUMP",
             "    Return a serialized payload representing the current libraries, can be "
             "restored using FUNCTION RESTORE command",
             "RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
             "    Restore the libraries represented by the given payload, it is possible to "
             "give a restore policy to",
             "    control how to handle existing libraries (default APPEND):",
             "    * FLUSH: delete all existing libraries.",
             "    * APPEND: appends the restored libraries to the existing libraries. On "
             "collision, abort.",
             "    * REPLACE: appends the restored libraries to the existing libraries, On "
             "collision, replace the old",
             "      libraries with the new libraries (notice that even on this option there is "
             "a chance of failure",
             "      in case of functions name collision with another library)."});
  return kOk;
}
constexpr CommandSpec kFunctionHelpSpec{.name = "function|help",
                                        .arity = 2,
                                        .flags = kLoading | kStale,
                                        .since = "7.0.0",
                                        .summary = "Shows what FUNCTION's subcommands do.",
                                        .handler = CmdFunctionHelp};

constexpr CommandFamily kScriptingFamily{.group = "scripting", .acl_category = kAclScripting};

constexpr auto kFunctionSubcommands = kScriptingFamily.Rows({
    kFunctionLoadSpec,
    kFunctionDeleteSpec,
    kFunctionFlushSpec,
    kFunctionListSpec,
    kFunctionStatsSpec,
    kFunctionKillSpec,
    kFunctionDumpSpec,
    kFunctionRestoreSpec,
    kFunctionHelpSpec,
});

constexpr auto kScriptSubcommands = kScriptingFamily.Rows({
    kScriptLoadSpec,
    kScriptExistsSpec,
    kScriptFlushSpec,
    kScriptKillSpec,
    kScriptHelpSpec,
});

constexpr CommandSpec kScriptSpec{.name = "script",
                                  .arity = -2,
                                  .since = "2.6.0",
                                  .summary = "Script cache commands.",
                                  .subcommands = kScriptSubcommands};
constexpr CommandSpec kFunctionSpec{.name = "function",
                                    .arity = -2,
                                    .since = "7.0.0",
                                    .summary = "Function library commands.",
                                    .subcommands = kFunctionSubcommands};

constexpr auto kScriptingCommands = kScriptingFamily.Rows({
    kEvalSpec,
    kEvalshaSpec,
    kEvalRoSpec,
    kEvalshaRoSpec,
    kScriptSpec,
    kFcallSpec,
    kFcallRoSpec,
    kFunctionSpec,
});

}  // namespace

std::span<const CommandSpec> ScriptingFamily() { return kScriptingCommands; }

}  // namespace cachette::commands::detail
