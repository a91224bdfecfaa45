// Redis's "string" command group: values read and written whole or in part.

#include <cmath>
#include <limits>
#include <optional>
#include <vector>

#include "cachette/commands/command_context.h"
#include "cachette/config/config.h"
#include "cachette/protocol/errors.h"
#include "cachette/protocol/resp_parser.h"
#include "cachette/store/store.h"
#include "cachette/util/numbers.h"
#include "detail/handler_support.h"

namespace cachette::commands::detail {

namespace errors = protocol::errors;
using store::Entry;
using store::KeySlot;

namespace {

// How a command wants the key's expiry changed (SET, GETEX).
struct ExpireOption {
  enum class Kind { kNone, kRelative, kAbsolute, kKeep, kPersist } kind = Kind::kNone;
  bool milliseconds = false;
  std::string_view value;
};

struct SetOptions {
  bool nx = false;
  bool xx = false;
  bool get = false;
  ExpireOption expire;
};

bool TakeExpireOption(OptionReader& reader, ExpireOption* expire) {
  using Kind = ExpireOption::Kind;
  struct Form {
    std::string_view token;
    Kind kind;
    bool milliseconds;
  };
  static constexpr Form kForms[] = {{"EX", Kind::kRelative, false},
                                    {"PX", Kind::kRelative, true},
                                    {"EXAT", Kind::kAbsolute, false},
                                    {"PXAT", Kind::kAbsolute, true}};
  for (const Form& form : kForms) {
    if (reader.Take(form.token)) {
      // Redis accepts the same form again (the last value wins) but not two different forms.
      const bool same_form = expire->kind == form.kind && expire->milliseconds == form.milliseconds;
      if ((expire->kind != Kind::kNone && !same_form) || reader.Remaining() == 0) {
        reader.Fail();
      } else {
        *expire = {form.kind, form.milliseconds, reader.Next()};
      }
      return true;
    }
  }
  return false;
}

// KEEPTTL (SET) and PERSIST (GETEX): allowed alone or repeated, not with an expiry form.
void TakeFlagForm(OptionReader& reader, ExpireOption* expire, ExpireOption::Kind kind) {
  if (expire->kind == ExpireOption::Kind::kNone || expire->kind == kind) {
    expire->kind = kind;
  } else {
    reader.Fail();
  }
}

// Redis getExpireMillisecondsOrReply: the absolute expiry in ms, or an error reply.
std::optional<int64_t> ExpireAtMsOrReply(CommandContext& ctx, const ExpireOption& expire,
                                         std::string_view command) {
  int64_t value = 0;
  if (!ParseInt64OrReply(ctx, expire.value, &value)) {
    return std::nullopt;
  }
  if (value <= 0 || (!expire.milliseconds && value > std::numeric_limits<int64_t>::max() / 1000)) {
    ctx.reply.Error(errors::InvalidExpireTime(command));
    return std::nullopt;
  }
  if (!expire.milliseconds) {
    value *= 1000;
  }
  if (expire.kind == ExpireOption::Kind::kRelative) {
    if (value > std::numeric_limits<int64_t>::max() - ctx.now_ms) {
      ctx.reply.Error(errors::InvalidExpireTime(command));
      return std::nullopt;
    }
    value += ctx.now_ms;
  }
  return value;
}

int64_t MaxStringLength(CommandContext& ctx) {
  return ctx.server.config().Int(config::Id::kProtoMaxBulkLen);
}

// SET's new entry for a big value, built around `value` when it is a big bulk the connection
// read into a block of its own (ClientState::big_bulks) whose room in front fits the key: no
// copy. nullptr otherwise (the caller copies). The block stays pinned until the command is done,
// as the dispatcher reads the arguments after the handler (MONITOR, the slow log) while another
// thread may already replace the key.
Entry* AdoptBigValue(CommandContext& ctx, KeySlot& slot, std::string_view value,
                     int64_t expire_at) {
  protocol::BigBulk* bulk =
      ctx.client.big_bulks != nullptr ? ctx.client.big_bulks->Find(value) : nullptr;
  if (bulk == nullptr ||
      bulk->headroom != store::AdoptedValueOffset(slot.key().size(), value.size())) {
    return nullptr;
  }
  // Pinned before the entry can be seen by another thread (Put, under the shard lock).
  ctx.client.value_pin.Pin(bulk->block.get());
  Entry* entry =
      slot.AdoptEntry(bulk->block, bulk->capacity, bulk->headroom, bulk->length, expire_at);
  if (entry == nullptr) {
    ctx.client.value_pin.Reset();  // the block stays the parser's
  }
  return entry;
}

// SET key value [NX|XX] [GET] [EX s|PX ms|EXAT ts|PXAT ts|KEEPTTL]
Status CmdSet(CommandContext& ctx) {
  SetOptions options;
  OptionReader reader(ctx.args, 3);
  using Kind = ExpireOption::Kind;
  while (reader.HasMore()) {
    if (reader.Take("NX")) {
      options.xx ? reader.Fail() : void(options.nx = true);
    } else if (reader.Take("XX")) {
      options.nx ? reader.Fail() : void(options.xx = true);
    } else if (reader.Take("GET")) {
      options.get = true;
    } else if (reader.Take("KEEPTTL")) {
      TakeFlagForm(reader, &options.expire, Kind::kKeep);
    } else if (!TakeExpireOption(reader, &options.expire)) {
      reader.Fail();
    }
  }
  if (!reader.ok()) {
    ctx.reply.Error(reader.error());
    return kError;
  }
  int64_t expire_at = 0;
  if (options.expire.kind == Kind::kRelative || options.expire.kind == Kind::kAbsolute) {
    auto at = ExpireAtMsOrReply(ctx, options.expire, "set");
    if (!at) {
      return kError;
    }
    expire_at = *at;
  }
  const std::string_view value = ctx.args[2];
  ctx.store().WithKey(ctx.db(), ctx.args[1], ctx.now_ms, [&](KeySlot& slot) {
    Entry* current = options.get ? slot.Lookup() : slot.LookupForWrite();
    if (options.get) {
      current ? ctx.reply.Bulk(current->value()) : ctx.reply.NullBulk();
    }
    if ((options.nx && current != nullptr) || (options.xx && current == nullptr)) {
      if (!options.get) {
        ctx.reply.NullBulk();
      }
      return;
    }
    if (options.expire.kind == Kind::kKeep && current != nullptr) {
      expire_at = current->expire_ms();
    }
    Entry* adopted = value.size() >= protocol::RespParser::kBigBulkBytes
                         ? AdoptBigValue(ctx, slot, value, expire_at)
                         : nullptr;
    slot.Put(current, adopted != nullptr ? adopted : slot.NewEntry(value, expire_at));
    if (!options.get) {
      ctx.reply.Ok();
    }
  });
  return kOk;
}
constexpr CommandSpec kSetSpec{
    .name = "set",
    .arity = -3,
    .flags = kWrite | kDenyOom,
    .keys = {1, 1, 1},
    .since = "1.0.0",
    .summary =
        "Sets the string value of a key, with optional condition, expiry and old-value reply.",
    .handler = CmdSet};

// GET key: the value, or null.
Status CmdGet(CommandContext& ctx) {
  ctx.store().WithKey(ctx.db(), ctx.args[1], ctx.now_ms, [&](KeySlot& slot) {
    const Entry* entry = slot.Lookup();
    entry ? ctx.reply.Bulk(entry->value()) : ctx.reply.NullBulk();
  });
  return kOk;
}
constexpr CommandSpec kGetSpec{.name = "get",
                               .arity = 2,
                               .flags = kReadonly | kFast,
                               .keys = {1, 1, 1},
                               .since = "1.0.0",
                               .summary = "Returns the string value of a key.",
                               .handler = CmdGet};

// SETNX key value: 1 when set, 0 when the key existed.
Status CmdSetnx(CommandContext& ctx) {
  ctx.store().WithKey(ctx.db(), ctx.args[1], ctx.now_ms, [&](KeySlot& slot) {
    if (slot.LookupForWrite() != nullptr) {
      ctx.reply.Integer(0);
      return;
    }
    slot.Set(ctx.args[2], 0);
    ctx.reply.Integer(1);
  });
  return kOk;
}
constexpr CommandSpec kSetnxSpec{.name = "setnx",
                                 .arity = 3,
                                 .flags = kWrite | kDenyOom | kFast,
                                 .keys = {1, 1, 1},
                                 .since = "1.0.0",
                                 .summary = "Sets a key's value only when the key does not exist.",
                                 .handler = CmdSetnx};

// SETEX key seconds value / PSETEX key milliseconds value.
Status SetWithExpire(CommandContext& ctx, bool milliseconds, std::string_view command) {
  ExpireOption expire{ExpireOption::Kind::kRelative, milliseconds, ctx.args[2]};
  auto at = ExpireAtMsOrReply(ctx, expire, command);
  if (!at) {
    return kError;
  }
  ctx.store().WithKey(ctx.db(), ctx.args[1], ctx.now_ms,
                      [&](KeySlot& slot) { slot.Set(ctx.args[3], *at); });
  ctx.reply.Ok();
  return kOk;
}
Status CmdSetex(CommandContext& ctx) { return SetWithExpire(ctx, false, "setex"); }
constexpr CommandSpec kSetexSpec{.name = "setex",
                                 .arity = 4,
                                 .flags = kWrite | kDenyOom,
                                 .keys = {1, 1, 1},
                                 .since = "2.0.0",
                                 .summary = "Sets a key's value and its expiry in seconds.",
                                 .handler = CmdSetex};
Status CmdPsetex(CommandContext& ctx) { return SetWithExpire(ctx, true, "psetex"); }
constexpr CommandSpec kPsetexSpec{.name = "psetex",
                                  .arity = 4,
                                  .flags = kWrite | kDenyOom,
                                  .keys = {1, 1, 1},
                                  .since = "2.6.0",
                                  .summary = "Sets a key's value and its expiry in milliseconds.",
                                  .handler = CmdPsetex};

// GETSET key value: the old value (or null); the key loses its expiry.
Status CmdGetset(CommandContext& ctx) {
  ctx.store().WithKey(ctx.db(), ctx.args[1], ctx.now_ms, [&](KeySlot& slot) {
    Entry* current = slot.Lookup();
    current ? ctx.reply.Bulk(current->value()) : ctx.reply.NullBulk();
    slot.Put(current, slot.NewEntry(ctx.args[2], 0));
  });
  return kOk;
}
constexpr CommandSpec kGetsetSpec{.name = "getset",
                                  .arity = 3,
                                  .flags = kWrite | kDenyOom | kFast,
                                  .keys = {1, 1, 1},
                                  .since = "1.0.0",
                                  .summary = "Sets a key's value and returns the previous one.",
                                  .handler = CmdGetset};

// GETDEL key: the value (or null), then the key is deleted.
Status CmdGetdel(CommandContext& ctx) {
  ctx.store().WithKey(ctx.db(), ctx.args[1], ctx.now_ms, [&](KeySlot& slot) {
    const Entry* current = slot.Lookup();
    if (current == nullptr) {
      ctx.reply.NullBulk();
      return;
    }
    ctx.reply.Bulk(current->value());
    slot.Delete();
  });
  return kOk;
}
constexpr CommandSpec kGetdelSpec{.name = "getdel",
                                  .arity = 2,
                                  .flags = kWrite | kFast,
                                  .keys = {1, 1, 1},
                                  .since = "6.2.0",
                                  .summary = "Returns a key's value and deletes the key.",
                                  .handler = CmdGetdel};

// GETEX key [EX s|PX ms|EXAT ts|PXAT ts|PERSIST]: the value, changing its expiry.
Status CmdGetex(CommandContext& ctx) {
  Status status = kOk;
  ExpireOption expire;
  OptionReader reader(ctx.args, 2);
  while (reader.HasMore()) {
    if (reader.Take("PERSIST")) {
      TakeFlagForm(reader, &expire, ExpireOption::Kind::kPersist);
    } else if (!TakeExpireOption(reader, &expire)) {
      reader.Fail();
    }
  }
  if (!reader.ok()) {
    ctx.reply.Error(reader.error());
    return kError;
  }
  const bool sets_expire =
      expire.kind == ExpireOption::Kind::kRelative || expire.kind == ExpireOption::Kind::kAbsolute;
  ctx.store().WithKey(ctx.db(), ctx.args[1], ctx.now_ms, [&](KeySlot& slot) {
    Entry* current = slot.Lookup();
    if (current == nullptr) {
      ctx.reply.NullBulk();
      return;
    }
    // Redis validates the expiry only once it knows the key exists.
    int64_t expire_at = 0;
    if (sets_expire) {
      auto at = ExpireAtMsOrReply(ctx, expire, "getex");
      if (!at) {
        status = kError;
        return;
      }
      expire_at = *at;
    }
    ctx.reply.Bulk(current->value());
    if (sets_expire && expire_at <= ctx.now_ms) {
      slot.Delete();
    } else if (sets_expire) {
      slot.SetExpire(current, expire_at);
    } else if (expire.kind == ExpireOption::Kind::kPersist) {
      slot.SetExpire(current, 0);
    }
  });
  return status;
}
constexpr CommandSpec kGetexSpec{
    .name = "getex",
    .arity = -2,
    .flags = kWrite | kFast,
    .keys = {1, 1, 1},
    .since = "6.2.0",
    .summary = "Returns a key's value and changes or removes its expiry.",
    .handler = CmdGetex};

// MGET key [key ...]: one value or null per key, all read at one instant.
Status CmdMget(CommandContext& ctx) {
  std::vector<store::KeyRef> keys;
  keys.reserve(ctx.args.size() - 1);
  for (size_t i = 1; i < ctx.args.size(); ++i) {
    keys.push_back({ctx.db(), ctx.args[i]});
  }
  ctx.reply.ArrayHeader(keys.size());
  ctx.store().WithKeys(keys, ctx.now_ms, [&](std::span<KeySlot> slots) {
    for (KeySlot& slot : slots) {
      const Entry* entry = slot.Lookup();
      entry ? ctx.reply.Bulk(entry->value()) : ctx.reply.NullBulk();
    }
  });
  return kOk;
}
constexpr CommandSpec kMgetSpec{.name = "mget",
                                .arity = -2,
                                .flags = kReadonly | kFast,
                                .keys = {1, -1, 1},
                                .since = "1.0.0",
                                .summary = "Returns the values of several keys.",
                                .handler = CmdMget};

std::vector<store::KeyRef> EveryOtherKey(CommandContext& ctx) {
  std::vector<store::KeyRef> keys;
  keys.reserve(ctx.args.size() / 2);
  for (size_t i = 1; i < ctx.args.size(); i += 2) {
    keys.push_back({ctx.db(), ctx.args[i]});
  }
  return keys;
}

// MSET key value [key value ...]: sets all, atomically.
Status CmdMset(CommandContext& ctx) {
  if (ctx.args.size() % 2 == 0) {
    ctx.reply.Error(errors::WrongArity(ctx.spec->name));
    return kError;
  }
  auto keys = EveryOtherKey(ctx);
  ctx.store().WithKeys(keys, ctx.now_ms, [&](std::span<KeySlot> slots) {
    for (size_t i = 0; i < slots.size(); ++i) {
      slots[i].Set(ctx.args[2 * i + 2], 0);
    }
  });
  ctx.reply.Ok();
  return kOk;
}
constexpr CommandSpec kMsetSpec{.name = "mset",
                                .arity = -3,
                                .flags = kWrite | kDenyOom,
                                .keys = {1, -1, 2},
                                .since = "1.0.1",
                                .summary = "Sets several keys at once.",
                                .handler = CmdMset};

// MSETNX key value [key value ...]: sets all when none exists (1), else nothing (0).
Status CmdMsetnx(CommandContext& ctx) {
  if (ctx.args.size() % 2 == 0) {
    ctx.reply.Error(errors::WrongArity(ctx.spec->name));
    return kError;
  }
  auto keys = EveryOtherKey(ctx);
  ctx.store().WithKeys(keys, ctx.now_ms, [&](std::span<KeySlot> slots) {
    for (KeySlot& slot : slots) {
      if (slot.LookupForWrite() != nullptr) {
        ctx.reply.Integer(0);
        return;
      }
    }
    for (size_t i = 0; i < slots.size(); ++i) {
      slots[i].Set(ctx.args[2 * i + 2], 0);
    }
    ctx.reply.Integer(1);
  });
  return kOk;
}
constexpr CommandSpec kMsetnxSpec{
    .name = "msetnx",
    .arity = -3,
    .flags = kWrite | kDenyOom,
    .keys = {1, -1, 2},
    .since = "1.0.1",
    .summary = "Sets several keys at once only when none of them exists.",
    .handler = CmdMsetnx};

// APPEND key value: the new length; the expiry is kept.
Status CmdAppend(CommandContext& ctx) {
  Status status = kOk;
  const std::string_view suffix = ctx.args[2];
  const int64_t limit = MaxStringLength(ctx);
  ctx.store().WithKey(ctx.db(), ctx.args[1], ctx.now_ms, [&](KeySlot& slot) {
    Entry* current = slot.LookupForWrite();
    if (current == nullptr) {
      slot.Set(suffix, 0);
      ctx.reply.Integer(static_cast<int64_t>(suffix.size()));
      return;
    }
    const size_t total = current->value_size() + suffix.size();
    if (static_cast<int64_t>(total) > limit) {
      ctx.reply.Error(errors::kStringTooLong);
      status = kError;
      return;
    }
    const size_t old_size = current->value_size();
    Entry* grown = slot.GrowValue(current, total);
    std::copy(suffix.begin(), suffix.end(), grown->mutable_value() + old_size);
    ctx.reply.Integer(static_cast<int64_t>(total));
  });
  return status;
}
constexpr CommandSpec kAppendSpec{
    .name = "append",
    .arity = 3,
    .flags = kWrite | kDenyOom | kFast,
    .keys = {1, 1, 1},
    .since = "2.0.0",
    .summary = "Appends to a key's value, creating the key when missing.",
    .handler = CmdAppend};

// STRLEN key: the value's length, 0 when missing.
Status CmdStrlen(CommandContext& ctx) {
  ctx.store().WithKey(ctx.db(), ctx.args[1], ctx.now_ms, [&](KeySlot& slot) {
    const Entry* entry = slot.Lookup();
    ctx.reply.Integer(entry ? static_cast<int64_t>(entry->value_size()) : 0);
  });
  return kOk;
}
constexpr CommandSpec kStrlenSpec{.name = "strlen",
                                  .arity = 2,
                                  .flags = kReadonly | kFast,
                                  .keys = {1, 1, 1},
                                  .since = "2.2.0",
                                  .summary = "Returns the length of a key's value.",
                                  .handler = CmdStrlen};

// Adds `delta` to the integer at key (0 when missing), keeping its expiry.
Status IncrementBy(CommandContext& ctx, int64_t delta) {
  Status status = kOk;
  ctx.store().WithKey(ctx.db(), ctx.args[1], ctx.now_ms, [&](KeySlot& slot) {
    Entry* current = slot.LookupForWrite();
    int64_t value = 0;
    if (current != nullptr && !util::ParseInt64(current->value(), &value)) {
      ctx.reply.Error(errors::kNotInteger);
      status = kError;
      return;
    }
    int64_t result = 0;
    if (__builtin_add_overflow(value, delta, &result)) {
      ctx.reply.Error(errors::kIncrOverflow);
      status = kError;
      return;
    }
    char digits[24];
    const size_t length = util::FormatInt64(result, digits);
    slot.Put(current,
             slot.NewEntry(std::string_view(digits, length), current ? current->expire_ms() : 0));
    ctx.reply.Integer(result);
  });
  return status;
}

Status CmdIncr(CommandContext& ctx) { return IncrementBy(ctx, 1); }
constexpr CommandSpec kIncrSpec{.name = "incr",
                                .arity = 2,
                                .flags = kWrite | kDenyOom | kFast,
                                .keys = {1, 1, 1},
                                .since = "1.0.0",
                                .summary = "Adds one to the integer value of a key.",
                                .handler = CmdIncr};
Status CmdDecr(CommandContext& ctx) { return IncrementBy(ctx, -1); }
constexpr CommandSpec kDecrSpec{.name = "decr",
                                .arity = 2,
                                .flags = kWrite | kDenyOom | kFast,
                                .keys = {1, 1, 1},
                                .since = "1.0.0",
                                .summary = "Subtracts one from the integer value of a key.",
                                .handler = CmdDecr};
Status CmdIncrby(CommandContext& ctx) {
  int64_t delta = 0;
  if (!ParseInt64OrReply(ctx, ctx.args[2], &delta)) {
    return kError;
  }
  return IncrementBy(ctx, delta);
}
constexpr CommandSpec kIncrbySpec{.name = "incrby",
                                  .arity = 3,
                                  .flags = kWrite | kDenyOom | kFast,
                                  .keys = {1, 1, 1},
                                  .since = "1.0.0",
                                  .summary = "Adds an integer to the integer value of a key.",
                                  .handler = CmdIncrby};
Status CmdDecrby(CommandContext& ctx) {
  int64_t delta = 0;
  if (!ParseInt64OrReply(ctx, ctx.args[2], &delta)) {
    return kError;
  }
  if (delta == std::numeric_limits<int64_t>::min()) {
    ctx.reply.Error(errors::kDecrOverflow);
    return kError;
  }
  return IncrementBy(ctx, -delta);
}
constexpr CommandSpec kDecrbySpec{
    .name = "decrby",
    .arity = 3,
    .flags = kWrite | kDenyOom | kFast,
    .keys = {1, 1, 1},
    .since = "1.0.0",
    .summary = "Subtracts an integer from the integer value of a key.",
    .handler = CmdDecrby};

// INCRBYFLOAT key increment: the new value as a string, with Redis's long double formatting.
Status CmdIncrbyfloat(CommandContext& ctx) {
  Status status = kOk;
  long double delta = 0;
  if (!util::ParseLongDouble(ctx.args[2], &delta)) {
    ctx.reply.Error(errors::kNotFloat);
    return kError;
  }
  ctx.store().WithKey(ctx.db(), ctx.args[1], ctx.now_ms, [&](KeySlot& slot) {
    Entry* current = slot.LookupForWrite();
    long double value = 0;
    if (current != nullptr && !util::ParseLongDouble(current->value(), &value)) {
      ctx.reply.Error(errors::kNotFloat);
      status = kError;
      return;
    }
    value += delta;
    if (std::isnan(value) || std::isinf(value)) {
      ctx.reply.Error(errors::kIncrFloatNanOrInf);
      status = kError;
      return;
    }
    const std::string text = util::LongDoubleToHumanString(value);
    slot.Put(current, slot.NewEntry(text, current ? current->expire_ms() : 0));
    ctx.reply.Bulk(text);
  });
  return status;
}
constexpr CommandSpec kIncrbyfloatSpec{
    .name = "incrbyfloat",
    .arity = 3,
    .flags = kWrite | kDenyOom | kFast,
    .keys = {1, 1, 1},
    .since = "2.6.0",
    .summary = "Adds a floating-point number to the numeric value of a key.",
    .handler = CmdIncrbyfloat};

// GETRANGE key start end: a substring, with Redis's clamping of negative and large indexes.
Status CmdGetrange(CommandContext& ctx) {
  int64_t start = 0;
  int64_t end = 0;
  if (!ParseInt64OrReply(ctx, ctx.args[2], &start) || !ParseInt64OrReply(ctx, ctx.args[3], &end)) {
    return kError;
  }
  ctx.store().WithKey(ctx.db(), ctx.args[1], ctx.now_ms, [&](KeySlot& slot) {
    const Entry* entry = slot.Lookup();
    if (entry == nullptr || (start < 0 && end < 0 && start > end)) {
      ctx.reply.Bulk("");
      return;
    }
    const int64_t length = static_cast<int64_t>(entry->value_size());
    int64_t from = start < 0 ? length + start : start;
    int64_t to = end < 0 ? length + end : end;
    from = std::max<int64_t>(from, 0);
    to = std::max<int64_t>(to, 0);
    if (to >= length) {
      to = length - 1;
    }
    if (from > to || length == 0) {
      ctx.reply.Bulk("");
      return;
    }
    ctx.reply.Bulk(entry->value().substr(from, to - from + 1));
  });
  return kOk;
}
constexpr CommandSpec kGetrangeSpec{.name = "getrange",
                                    .arity = 4,
                                    .flags = kReadonly,
                                    .keys = {1, 1, 1},
                                    .since = "2.4.0",
                                    .summary = "Returns a substring of a key's value.",
                                    .handler = CmdGetrange};

// SETRANGE key offset value: overwrites part of the value (zero-padded); the new length.
Status CmdSetrange(CommandContext& ctx) {
  Status status = kOk;
  int64_t offset = 0;
  if (!ParseInt64OrReply(ctx, ctx.args[2], &offset)) {
    return kError;
  }
  if (offset < 0) {
    ctx.reply.Error(errors::kOffsetOutOfRange);
    return kError;
  }
  const std::string_view patch = ctx.args[3];
  const int64_t limit = MaxStringLength(ctx);
  ctx.store().WithKey(ctx.db(), ctx.args[1], ctx.now_ms, [&](KeySlot& slot) {
    Entry* current = slot.LookupForWrite();
    const int64_t current_size = current ? static_cast<int64_t>(current->value_size()) : 0;
    if (patch.empty()) {
      ctx.reply.Integer(current_size);
      return;
    }
    if (offset > limit - static_cast<int64_t>(patch.size())) {
      ctx.reply.Error(errors::kStringTooLong);
      status = kError;
      return;
    }
    const int64_t needed = offset + static_cast<int64_t>(patch.size());
    const int64_t total = std::max(current_size, needed);
    // An existing value grows where it is (amortised O(1), as Redis's strings); a new key
    // gets a fresh entry.
    Entry* updated = current != nullptr ? slot.GrowValue(current, static_cast<size_t>(total))
                                        : slot.NewUninitialisedEntry(static_cast<size_t>(total), 0);
    char* out = updated->mutable_value();
    if (offset > current_size) {
      std::fill(out + current_size, out + offset, '\0');
    }
    std::copy(patch.begin(), patch.end(), out + offset);
    if (current == nullptr) {
      slot.Put(nullptr, updated);
    }
    ctx.reply.Integer(total);
  });
  return status;
}
constexpr CommandSpec kSetrangeSpec{.name = "setrange",
                                    .arity = 4,
                                    .flags = kWrite | kDenyOom,
                                    .keys = {1, 1, 1},
                                    .since = "2.2.0",
                                    .summary = "Overwrites part of a key's value from an offset.",
                                    .handler = CmdSetrange};

constexpr CommandFamily kStringFamily{.group = "string", .acl_category = kAclString};

constexpr auto kStringCommands = kStringFamily.Rows({
    kGetSpec,    kSetSpec,    kSetnxSpec,       kSetexSpec,    kPsetexSpec,
    kGetsetSpec, kGetdelSpec, kGetexSpec,       kMgetSpec,     kMsetSpec,
    kMsetnxSpec, kAppendSpec, kStrlenSpec,      kIncrSpec,     kDecrSpec,
    kIncrbySpec, kDecrbySpec, kIncrbyfloatSpec, kGetrangeSpec, kSetrangeSpec,
});

}  // namespace

std::span<const CommandSpec> StringFamily() { return kStringCommands; }

}  // namespace cachette::commands::detail

namespace cachette::commands {

size_t BigArgumentHeadroom(size_t previous_length, size_t length) {
  return store::AdoptedValueOffset(previous_length, length);
}

}  // namespace cachette::commands
