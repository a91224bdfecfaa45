// Redis's "generic" command group: commands on keys whatever their values (existence, expiry,
// iteration, renaming).

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <limits>
#include <string>
#include <vector>

#include "cachette/commands/command_context.h"
#include "cachette/config/config.h"
#include "cachette/protocol/errors.h"
#include "cachette/store/store.h"
#include "cachette/store/store_admin.h"
#include "cachette/util/glob.h"
#include "cachette/util/numbers.h"
#include "detail/handler_support.h"

namespace cachette::commands::detail {

namespace errors = protocol::errors;
using store::Entry;
using store::KeySlot;

namespace {

std::vector<store::KeyRef> KeysFrom(CommandContext& ctx, size_t first) {
  std::vector<store::KeyRef> keys;
  keys.reserve(ctx.args.size() - first);
  for (size_t i = first; i < ctx.args.size(); ++i) {
    keys.push_back({ctx.db(), ctx.args[i]});
  }
  return keys;
}

// Runs `count_one` on every key of the command under all their shard locks (so other clients
// see the command at one instant) and replies the sum.
template <typename CountOne>
void CountOverKeys(CommandContext& ctx, CountOne&& count_one) {
  const auto keys = KeysFrom(ctx, 1);
  int64_t total = 0;
  ctx.store().WithKeys(keys, ctx.now_ms, [&](std::span<KeySlot> slots) {
    for (KeySlot& slot : slots) {
      total += count_one(slot) ? 1 : 0;
    }
  });
  ctx.reply.Integer(total);
}

// DEL key [key ...] / UNLINK: how many of the keys existed.
Status CmdDel(CommandContext& ctx) {
  CountOverKeys(ctx, [](KeySlot& slot) { return slot.Delete(); });
  return kOk;
}
constexpr CommandSpec kDelSpec{.name = "del",
                               .arity = -2,
                               .flags = kWrite,
                               .keys = {1, -1, 1},
                               .since = "1.0.0",
                               .summary = "Deletes keys.",
                               .handler = CmdDel};
constexpr CommandSpec kUnlinkSpec{.name = "unlink",
                                  .arity = -2,
                                  .flags = kWrite | kFast,
                                  .keys = {1, -1, 1},
                                  .since = "4.0.0",
                                  .summary = "Deletes keys; memory is given back without blocking.",
                                  .handler = CmdDel};

// EXISTS key [key ...]: how many of the keys exist (a key named twice counts twice).
Status CmdExists(CommandContext& ctx) {
  CountOverKeys(ctx, [](KeySlot& slot) { return slot.Lookup() != nullptr; });
  return kOk;
}
constexpr CommandSpec kExistsSpec{.name = "exists",
                                  .arity = -2,
                                  .flags = kReadonly | kFast,
                                  .keys = {1, -1, 1},
                                  .since = "1.0.0",
                                  .summary = "Counts how many of the given keys exist.",
                                  .handler = CmdExists};

// TOUCH key [key ...]: how many of the keys exist.
Status CmdTouch(CommandContext& ctx) {
  CountOverKeys(ctx, [](KeySlot& slot) { return slot.Lookup() != nullptr; });
  return kOk;
}
constexpr CommandSpec kTouchSpec{
    .name = "touch",
    .arity = -2,
    .flags = kReadonly | kFast | kTouchesAlways,
    .keys = {1, -1, 1},
    .since = "3.2.1",
    .summary = "Counts existing keys among the given ones, marking them as used.",
    .handler = CmdTouch};

// TYPE key: "string", or "none" when missing.
Status CmdType(CommandContext& ctx) {
  ctx.store().WithKey(ctx.db(), ctx.args[1], ctx.now_ms, [&](KeySlot& slot) {
    ctx.reply.SimpleString(slot.Lookup() ? "string" : "none");
  });
  return kOk;
}
constexpr CommandSpec kTypeSpec{.name = "type",
                                .arity = 2,
                                .flags = kReadonly | kFast,
                                .keys = {1, 1, 1},
                                .since = "1.0.0",
                                .summary = "Returns the type of a key's value.",
                                .handler = CmdType};

// EXPIRE/PEXPIRE/EXPIREAT/PEXPIREAT key time [NX|XX|GT|LT]: 1 when the expiry was set (or the
// key deleted because the time is past), 0 when the key is missing or a condition failed.
Status ExpireGeneric(CommandContext& ctx, bool milliseconds, bool absolute) {
  bool nx = false, xx = false, gt = false, lt = false;
  for (size_t i = 3; i < ctx.args.size(); ++i) {
    const std::string_view option = ctx.args[i];
    if (EqualsIgnoreCase(option, "NX")) {
      nx = true;
    } else if (EqualsIgnoreCase(option, "XX")) {
      xx = true;
    } else if (EqualsIgnoreCase(option, "GT")) {
      gt = true;
    } else if (EqualsIgnoreCase(option, "LT")) {
      lt = true;
    } else {
      ctx.reply.Error(errors::UnsupportedOption(option));
      return kError;
    }
  }
  if (nx && (xx || gt || lt)) {
    ctx.reply.Error(errors::kExpireNxWithOthers);
    return kError;
  }
  if (gt && lt) {
    ctx.reply.Error(errors::kExpireGtAndLt);
    return kError;
  }
  int64_t when = 0;
  if (!ParseInt64OrReply(ctx, ctx.args[2], &when)) {
    return kError;
  }
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  if (!milliseconds) {
    if (when > kMax / 1000 || when < kMin / 1000) {
      ctx.reply.Error(errors::InvalidExpireTime(ctx.spec->name));
      return kError;
    }
    when *= 1000;
  }
  const int64_t base = absolute ? 0 : ctx.now_ms;
  if (when > kMax - base) {
    ctx.reply.Error(errors::InvalidExpireTime(ctx.spec->name));
    return kError;
  }
  when += base;
  ctx.store().WithKey(ctx.db(), ctx.args[1], ctx.now_ms, [&](KeySlot& slot) {
    Entry* entry = slot.LookupForWrite();
    if (entry == nullptr) {
      ctx.reply.Integer(0);
      return;
    }
    const bool has = entry->has_expire();
    const int64_t current = entry->expire_ms();
    if ((nx && has) || (xx && !has) || (gt && (!has || when <= current)) ||
        (lt && has && when >= current)) {
      ctx.reply.Integer(0);
      return;
    }
    if (when <= ctx.now_ms) {
      slot.Delete();
    } else {
      slot.SetExpire(entry, when);
    }
    ctx.reply.Integer(1);
  });
  return kOk;
}

Status CmdExpire(CommandContext& ctx) { return ExpireGeneric(ctx, false, false); }
constexpr CommandSpec kExpireSpec{.name = "expire",
                                  .arity = -3,
                                  .flags = kWrite | kFast,
                                  .keys = {1, 1, 1},
                                  .since = "1.0.0",
                                  .summary = "Sets a key's time to live in seconds.",
                                  .handler = CmdExpire};
Status CmdPexpire(CommandContext& ctx) { return ExpireGeneric(ctx, true, false); }
constexpr CommandSpec kPexpireSpec{.name = "pexpire",
                                   .arity = -3,
                                   .flags = kWrite | kFast,
                                   .keys = {1, 1, 1},
                                   .since = "2.6.0",
                                   .summary = "Sets a key's time to live in milliseconds.",
                                   .handler = CmdPexpire};
Status CmdExpireat(CommandContext& ctx) { return ExpireGeneric(ctx, false, true); }
constexpr CommandSpec kExpireatSpec{.name = "expireat",
                                    .arity = -3,
                                    .flags = kWrite | kFast,
                                    .keys = {1, 1, 1},
                                    .since = "1.2.0",
                                    .summary = "Sets a key's expiry as a Unix time in seconds.",
                                    .handler = CmdExpireat};
Status CmdPexpireat(CommandContext& ctx) { return ExpireGeneric(ctx, true, true); }
constexpr CommandSpec kPexpireatSpec{
    .name = "pexpireat",
    .arity = -3,
    .flags = kWrite | kFast,
    .keys = {1, 1, 1},
    .since = "2.6.0",
    .summary = "Sets a key's expiry as a Unix time in milliseconds.",
    .handler = CmdPexpireat};

// TTL/PTTL (remaining) and EXPIRETIME/PEXPIRETIME (absolute): -2 missing, -1 no expiry.
Status ReplyExpiry(CommandContext& ctx, bool milliseconds, bool absolute) {
  ctx.store().WithKey(ctx.db(), ctx.args[1], ctx.now_ms, [&](KeySlot& slot) {
    const Entry* entry = slot.Lookup();
    if (entry == nullptr) {
      ctx.reply.Integer(-2);
    } else if (!entry->has_expire()) {
      ctx.reply.Integer(-1);
    } else if (absolute) {
      ctx.reply.Integer(milliseconds ? entry->expire_ms() : (entry->expire_ms() + 500) / 1000);
    } else {
      const int64_t left = std::max<int64_t>(entry->expire_ms() - ctx.now_ms, 0);
      ctx.reply.Integer(milliseconds ? left : (left + 500) / 1000);
    }
  });
  return kOk;
}

Status CmdTtl(CommandContext& ctx) { return ReplyExpiry(ctx, false, false); }
constexpr CommandSpec kTtlSpec{.name = "ttl",
                               .arity = 2,
                               .flags = kReadonly | kFast,
                               .keys = {1, 1, 1},
                               .since = "1.0.0",
                               .summary = "Returns a key's remaining time to live in seconds.",
                               .handler = CmdTtl};
Status CmdPttl(CommandContext& ctx) { return ReplyExpiry(ctx, true, false); }
constexpr CommandSpec kPttlSpec{
    .name = "pttl",
    .arity = 2,
    .flags = kReadonly | kFast,
    .keys = {1, 1, 1},
    .since = "2.6.0",
    .summary = "Returns a key's remaining time to live in milliseconds.",
    .handler = CmdPttl};
Status CmdExpiretime(CommandContext& ctx) { return ReplyExpiry(ctx, false, true); }
constexpr CommandSpec kExpiretimeSpec{
    .name = "expiretime",
    .arity = 2,
    .flags = kReadonly | kFast,
    .keys = {1, 1, 1},
    .since = "7.0.0",
    .summary = "Returns a key's expiry as a Unix time in seconds.",
    .handler = CmdExpiretime};
Status CmdPexpiretime(CommandContext& ctx) { return ReplyExpiry(ctx, true, true); }
constexpr CommandSpec kPexpiretimeSpec{
    .name = "pexpiretime",
    .arity = 2,
    .flags = kReadonly | kFast,
    .keys = {1, 1, 1},
    .since = "7.0.0",
    .summary = "Returns a key's expiry as a Unix time in milliseconds.",
    .handler = CmdPexpiretime};

// PERSIST key: 1 when an expiry was removed.
Status CmdPersist(CommandContext& ctx) {
  ctx.store().WithKey(ctx.db(), ctx.args[1], ctx.now_ms, [&](KeySlot& slot) {
    Entry* entry = slot.LookupForWrite();
    if (entry == nullptr || !entry->has_expire()) {
      ctx.reply.Integer(0);
      return;
    }
    slot.SetExpire(entry, 0);
    ctx.reply.Integer(1);
  });
  return kOk;
}
constexpr CommandSpec kPersistSpec{.name = "persist",
                                   .arity = 2,
                                   .flags = kWrite | kFast,
                                   .keys = {1, 1, 1},
                                   .since = "2.2.0",
                                   .summary = "Removes a key's expiry.",
                                   .handler = CmdPersist};

// KEYS pattern: every key matching the glob.
Status CmdKeys(CommandContext& ctx) {
  std::vector<std::string> keys;
  ctx.store().Keys(ctx.db(), ctx.args[1], ctx.now_ms, &keys);
  ctx.reply.ArrayHeader(keys.size());
  for (const std::string& key : keys) {
    ctx.reply.Bulk(key);
  }
  return kOk;
}
constexpr CommandSpec kKeysSpec{.name = "keys",
                                .arity = 2,
                                .flags = kReadonly,
                                .acl_categories = kAclDangerous,
                                .since = "1.0.0",
                                .summary = "Returns every key matching a glob pattern.",
                                .handler = CmdKeys};

// Redis parseScanCursorOrReply: strtoul semantics (so "" is 0), no leading space, no junk.
bool ParseCursor(std::string_view text, uint64_t* cursor) {
  const std::string copy(text);
  if (!copy.empty() && std::isspace(static_cast<unsigned char>(copy[0]))) {
    return false;
  }
  errno = 0;
  char* end = nullptr;
  *cursor = std::strtoull(copy.c_str(), &end, 10);
  return *end == '\0' && errno != ERANGE;
}

// SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]: one page of keys and the next cursor.
Status CmdScan(CommandContext& ctx) {
  uint64_t cursor = 0;
  if (!ParseCursor(ctx.args[1], &cursor)) {
    ctx.reply.Error(errors::kInvalidCursor);
    return kError;
  }
  std::string_view pattern;
  std::string_view type;
  bool has_pattern = false, has_type = false;
  int64_t count = 10;
  for (size_t i = 2; i < ctx.args.size(); i += 2) {
    const bool has_value = i + 1 < ctx.args.size();
    if (has_value && EqualsIgnoreCase(ctx.args[i], "COUNT")) {
      if (!ParseInt64OrReply(ctx, ctx.args[i + 1], &count)) {
        return kError;
      }
      if (count < 1) {
        ctx.reply.Error(errors::kSyntax);
        return kError;
      }
    } else if (has_value && EqualsIgnoreCase(ctx.args[i], "MATCH")) {
      pattern = ctx.args[i + 1];
      has_pattern = pattern != "*";
    } else if (has_value && EqualsIgnoreCase(ctx.args[i], "TYPE")) {
      type = ctx.args[i + 1];
      has_type = true;
    } else {
      ctx.reply.Error(errors::kSyntax);
      return kError;
    }
  }
  std::vector<std::string> keys;
  const uint64_t next =
      ctx.store().Scan(ctx.db(), cursor, static_cast<size_t>(count), ctx.now_ms, &keys);
  std::erase_if(keys, [&](const std::string& key) {
    return (has_pattern && !util::GlobMatch(pattern, key)) ||
           (has_type && !EqualsIgnoreCase(type, "string"));
  });
  ctx.reply.ArrayHeader(2);
  ctx.reply.Bulk(std::to_string(next));
  ctx.reply.ArrayHeader(keys.size());
  for (const std::string& key : keys) {
    ctx.reply.Bulk(key);
  }
  return kOk;
}
constexpr CommandSpec kScanSpec{
    .name = "scan",
    .arity = -2,
    .flags = kReadonly,
    .since = "2.8.0",
    .summary = "Iterates over the keys of the database a page at a time.",
    .handler = CmdScan};

// RANDOMKEY: a random key, or null when the database is empty.
Status CmdRandomkey(CommandContext& ctx) {
  auto key = ctx.store().RandomKey(ctx.db(), ctx.now_ms);
  key ? ctx.reply.Bulk(*key) : ctx.reply.NullBulk();
  return kOk;
}
constexpr CommandSpec kRandomkeySpec{.name = "randomkey",
                                     .arity = 1,
                                     .flags = kReadonly,
                                     .since = "1.0.0",
                                     .summary = "Returns a random key.",
                                     .handler = CmdRandomkey};

// RENAME/RENAMENX key newkey: moves the value (and its expiry) to a new name.
Status RenameGeneric(CommandContext& ctx, bool only_if_new) {
  Status status = kOk;
  const store::KeyRef keys[] = {{ctx.db(), ctx.args[1]}, {ctx.db(), ctx.args[2]}};
  ctx.store().WithKeys(keys, ctx.now_ms, [&](std::span<KeySlot> slots) {
    Entry* source = slots[0].LookupForWrite();
    if (source == nullptr) {
      ctx.reply.Error(errors::kNoSuchKey);
      status = kError;
      return;
    }
    if (ctx.args[1] == ctx.args[2]) {
      only_if_new ? ctx.reply.Integer(0) : ctx.reply.Ok();
      return;
    }
    Entry* target = slots[1].LookupForWrite();
    if (only_if_new && target != nullptr) {
      ctx.reply.Integer(0);
      return;
    }
    slots[1].Put(target, slots[1].NewEntry(source->value(), source->expire_ms()));
    slots[0].Delete();
    only_if_new ? ctx.reply.Integer(1) : ctx.reply.Ok();
  });
  return status;
}

Status CmdRename(CommandContext& ctx) { return RenameGeneric(ctx, false); }
constexpr CommandSpec kRenameSpec{.name = "rename",
                                  .arity = 3,
                                  .flags = kWrite,
                                  .keys = {1, 2, 1},
                                  .since = "1.0.0",
                                  .summary = "Renames a key, replacing any key of the new name.",
                                  .handler = CmdRename};
Status CmdRenamenx(CommandContext& ctx) { return RenameGeneric(ctx, true); }
constexpr CommandSpec kRenamenxSpec{.name = "renamenx",
                                    .arity = 3,
                                    .flags = kWrite | kFast,
                                    .keys = {1, 2, 1},
                                    .since = "1.0.0",
                                    .summary = "Renames a key only when the new name is free.",
                                    .handler = CmdRenamenx};

// COPY source destination [DB destination-db] [REPLACE]: 1 when copied.
Status CmdCopy(CommandContext& ctx) {
  size_t target_db = ctx.db();
  bool replace = false;
  for (size_t i = 3; i < ctx.args.size(); ++i) {
    if (EqualsIgnoreCase(ctx.args[i], "REPLACE")) {
      replace = true;
    } else if (EqualsIgnoreCase(ctx.args[i], "DB") && i + 1 < ctx.args.size()) {
      int64_t db = 0;
      if (!ParseInt64OrReply(ctx, ctx.args[i + 1], &db)) {
        return kError;
      }
      if (db < std::numeric_limits<int32_t>::min() || db > std::numeric_limits<int32_t>::max()) {
        ctx.reply.Error(errors::kIntOutOfRange);
        return kError;
      }
      if (db < 0 || static_cast<size_t>(db) >= ctx.store().databases()) {
        ctx.reply.Error(errors::kDbIndexOutOfRange);
        return kError;
      }
      target_db = static_cast<size_t>(db);
      ++i;
    } else {
      ctx.reply.Error(errors::kSyntax);
      return kError;
    }
  }
  if (target_db == ctx.db() && ctx.args[1] == ctx.args[2]) {
    ctx.reply.Error(errors::kSameObject);
    return kError;
  }
  const store::KeyRef keys[] = {{ctx.db(), ctx.args[1]}, {target_db, ctx.args[2]}};
  ctx.store().WithKeys(keys, ctx.now_ms, [&](std::span<KeySlot> slots) {
    const Entry* source = slots[0].Lookup();
    if (source == nullptr) {
      ctx.reply.Integer(0);
      return;
    }
    Entry* target = slots[1].LookupForWrite();
    if (target != nullptr && !replace) {
      ctx.reply.Integer(0);
      return;
    }
    slots[1].Put(target, slots[1].NewEntry(source->value(), source->expire_ms()));
    ctx.reply.Integer(1);
  });
  return kOk;
}
constexpr CommandSpec kCopySpec{
    .name = "copy",
    .arity = -3,
    .flags = kWrite | kDenyOom,
    .keys = {1, 2, 1},
    .since = "6.2.0",
    .summary = "Copies a key's value to another key, possibly in another database.",
    .handler = CmdCopy};

// MOVE key db: 1 when the key moved to db (with its expiry), 0 when it is missing here or
// already there.
Status CmdMove(CommandContext& ctx) {
  int64_t db = 0;
  if (!ParseInt32OrReply(ctx, ctx.args[2], &db)) {
    return kError;
  }
  if (db < 0 || static_cast<size_t>(db) >= ctx.store().databases()) {
    ctx.reply.Error(errors::kDbIndexOutOfRange);
    return kError;
  }
  if (static_cast<size_t>(db) == ctx.db()) {
    ctx.reply.Error(errors::kSameObject);
    return kError;
  }
  const auto result =
      store::MoveKey(ctx.store(), ctx.db(), static_cast<size_t>(db), ctx.args[1], ctx.now_ms);
  ctx.reply.Integer(result == store::MoveResult::kMoved ? 1 : 0);
  return kOk;
}
constexpr CommandSpec kMoveSpec{.name = "move",
                                .arity = 3,
                                .flags = kWrite | kFast,
                                .keys = {1, 1, 1},
                                .since = "1.0.0",
                                .summary = "Moves a key to another database.",
                                .handler = CmdMove};

// Redis's encoding of a string value: "int" when it reads as a 64-bit integer in canonical
// form (at most 20 characters), "embstr" up to 44 bytes, "raw" beyond.
std::string_view StringEncoding(std::string_view value, int64_t* integer) {
  if (value.size() <= 20 && util::ParseInt64(value, integer)) {
    return "int";
  }
  return value.size() <= 44 ? "embstr" : "raw";
}

// Whether Redis would share the object for a small integer (refcount INT_MAX): not under an
// LRU or LFU policy with maxmemory set, where every key needs its own access metadata.
bool SharesIntegers(const CommandContext& ctx) {
  if (ctx.server.config().Int(config::Id::kMaxmemory) == 0) {
    return true;
  }
  const std::string policy = ctx.server.config().Get(config::Id::kMaxmemoryPolicy);
  return policy.find("lru") == std::string::npos && policy.find("lfu") == std::string::npos;
}

bool LfuPolicy(CommandContext& ctx) {
  const store::EvictionPolicy policy = ctx.store().eviction_policy();
  return policy == store::EvictionPolicy::kAllkeysLfu ||
         policy == store::EvictionPolicy::kVolatileLfu;
}

// The key's entry for OBJECT (a hit or a miss, no recency change), or a null reply.
template <typename Fn>
void WithObject(CommandContext& ctx, Fn&& fn) {
  ctx.store().WithKey(ctx.db(), ctx.args[2], ctx.now_ms, [&](KeySlot& slot) {
    const Entry* entry = slot.LookupNoTouch();
    if (entry == nullptr) {
      ctx.reply.NullBulk();
      return;
    }
    fn(*entry, slot.now_ms());
  });
}

// OBJECT ENCODING key: the value's internal representation, as Redis names it.
Status CmdObjectEncoding(CommandContext& ctx) {
  WithObject(ctx, [&](const Entry& entry, int64_t) {
    int64_t integer = 0;
    ctx.reply.Bulk(StringEncoding(entry.value(), &integer));
  });
  return kOk;
}
constexpr CommandSpec kObjectEncodingSpec{
    .name = "object|encoding",
    .arity = 3,
    .flags = kReadonly,
    .keys = {2, 2, 1},
    .since = "2.2.3",
    .summary = "Returns the internal encoding of a key's value.",
    .handler = CmdObjectEncoding};

// OBJECT REFCOUNT key: 1, or INT_MAX for a small integer Redis keeps as a shared object.
Status CmdObjectRefcount(CommandContext& ctx) {
  const bool shared_integers = SharesIntegers(ctx);
  WithObject(ctx, [&](const Entry& entry, int64_t) {
    int64_t integer = -1;
    const bool shared = StringEncoding(entry.value(), &integer) == "int" && integer >= 0 &&
                        integer < 10000 && shared_integers;
    ctx.reply.Integer(shared ? std::numeric_limits<int32_t>::max() : 1);
  });
  return kOk;
}
constexpr CommandSpec kObjectRefcountSpec{
    .name = "object|refcount",
    .arity = 3,
    .flags = kReadonly,
    .keys = {2, 2, 1},
    .since = "2.2.3",
    .summary = "Returns the reference count of a key's value.",
    .handler = CmdObjectRefcount};

// OBJECT FREQ key: the logarithmic access counter; only under an LFU policy.
Status CmdObjectFreq(CommandContext& ctx) {
  Status status = kOk;
  const bool lfu = LfuPolicy(ctx);
  WithObject(ctx, [&](const Entry& entry, int64_t now_ms) {
    if (!lfu) {
      ctx.reply.Error(errors::kLfuNotSelected);
      status = kError;
      return;
    }
    ctx.reply.Integer(ctx.store().Frequency(entry, now_ms));
  });
  return status;
}
constexpr CommandSpec kObjectFreqSpec{
    .name = "object|freq",
    .arity = 3,
    .flags = kReadonly,
    .keys = {2, 2, 1},
    .since = "4.0.0",
    .summary = "Returns the logarithmic access frequency of a key (LFU policies).",
    .handler = CmdObjectFreq};

// OBJECT IDLETIME key: seconds since the last access; not under an LFU policy.
Status CmdObjectIdletime(CommandContext& ctx) {
  Status status = kOk;
  const bool lfu = LfuPolicy(ctx);
  WithObject(ctx, [&](const Entry& entry, int64_t now_ms) {
    if (lfu) {
      ctx.reply.Error(errors::kLfuSelected);
      status = kError;
      return;
    }
    ctx.reply.Integer(ctx.store().IdleSeconds(entry, now_ms));
  });
  return status;
}
constexpr CommandSpec kObjectIdletimeSpec{
    .name = "object|idletime",
    .arity = 3,
    .flags = kReadonly,
    .keys = {2, 2, 1},
    .since = "2.2.3",
    .summary = "Returns the seconds since a key was last accessed.",
    .handler = CmdObjectIdletime};

Status CmdObjectHelp(CommandContext& ctx) {
  ReplyHelp(ctx, "OBJECT",
            {"ENCODING <key>",
             "    Return the kind of internal representation used in order to store the value",
             "    associated with a <key>.", "FREQ <key>",
             "    Return the access frequency index of the <key>. The returned integer is",
             "    proportional to the logarithm of the recent access frequency of the key.",
             "IDLETIME <key>",
             "    Return the idle time of the <key>, that is the approximated number of",
             "    seconds elapsed since the last access to the key.", "REFCOUNT <key>",
             "    Return the number of references of the value associated with the specified",
             "    <key>."});
  return kOk;
}
constexpr CommandSpec kObjectHelpSpec{.name = "object|help",
                                      .arity = 2,
                                      .flags = kLoading | kStale,
                                      .since = "6.2.0",
                                      .summary = "Shows what OBJECT's subcommands do.",
                                      .handler = CmdObjectHelp};

constexpr CommandFamily kGenericFamily{.group = "generic", .acl_category = kAclKeyspace};

constexpr auto kObjectSubcommands = kGenericFamily.Rows({
    kObjectEncodingSpec,
    kObjectFreqSpec,
    kObjectIdletimeSpec,
    kObjectRefcountSpec,
    kObjectHelpSpec,
});

constexpr CommandSpec kObjectSpec{.name = "object",
                                  .arity = -2,
                                  .since = "2.2.3",
                                  .summary = "Inspects the internals of keys.",
                                  .subcommands = kObjectSubcommands};

constexpr auto kGenericCommands = kGenericFamily.Rows({
    kDelSpec,         kUnlinkSpec,   kExistsSpec,    kTouchSpec,  kTypeSpec,      kExpireSpec,
    kPexpireSpec,     kExpireatSpec, kPexpireatSpec, kTtlSpec,    kPttlSpec,      kExpiretimeSpec,
    kPexpiretimeSpec, kPersistSpec,  kKeysSpec,      kScanSpec,   kRandomkeySpec, kRenameSpec,
    kRenamenxSpec,    kCopySpec,     kMoveSpec,      kObjectSpec,
});

}  // namespace

std::span<const CommandSpec> GenericFamily() { return kGenericCommands; }

}  // namespace cachette::commands::detail

namespace cachette::commands::detail {

std::string_view ValueEncoding(std::string_view value, int64_t* integer) {
  return StringEncoding(value, integer);
}

bool SharesSmallIntegers(const CommandContext& ctx) { return SharesIntegers(ctx); }

}  // namespace cachette::commands::detail
