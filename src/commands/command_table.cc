#include "cachette/commands/command_table.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "detail/handler_support.h"

namespace cachette::commands {

namespace {
constexpr size_t kMaxNameLength = 64;
// Names up to this long are told apart by their two words alone.
constexpr size_t kWordsCoverName = 16;

uint64_t Load(const char* p, size_t bytes) {
  uint64_t value = 0;
  std::memcpy(&value, p, bytes);  // one unaligned load for a constant size
  return value;
}

bool IsLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

struct NameWords {
  uint64_t head = 0;
  uint64_t tail = 0;
};

// Inlined in Find, which then calls nothing (and saves no registers).
[[gnu::always_inline]] inline NameWords Words(std::string_view name) {
  const char* p = name.data();
  const size_t n = name.size();
  NameWords words;
  if (n >= 8) {
    words.head = Load(p, 8);
    words.tail = Load(p + n - 8, 8);
  } else if (n >= 4) {
    words.head = Load(p, 4) | (Load(p + n - 4, 4) << 32);
  } else if (n >= 2) {
    words.head = Load(p, 2) | (Load(p + n - 2, 2) << 16);
  } else if (n == 1) {
    words.head = static_cast<unsigned char>(p[0]);
  }
  return words;
}

size_t SlotOf(const NameWords& words, size_t length, size_t mask) {
  constexpr uint64_t kCase = 0x2020202020202020ULL;  // ASCII lower case: bit 5 set
  const uint64_t mixed = ((words.head | kCase) + length) * 0x9e3779b97f4a7c15ULL ^
                         (words.tail | kCase) * 0xc2b2ae3d27d4eb4fULL;
  return static_cast<size_t>(mixed >> 32) & mask;
}

bool Matches(const NameWords& words, uint64_t head, uint64_t tail, uint64_t head_mask,
             uint64_t tail_mask) {
  return ((words.head ^ head) & head_mask) == 0 && ((words.tail ^ tail) & tail_mask) == 0;
}

}  // namespace

std::string_view AclCategoryName(size_t bit) {
  static constexpr std::string_view kNames[kAclCategoryCount] = {
      "@keyspace",   "@read",        "@write",    "@set",         "@sortedset", "@list",
      "@hash",       "@string",      "@bitmap",   "@hyperloglog", "@geo",       "@stream",
      "@pubsub",     "@admin",       "@fast",     "@slow",        "@blocking",  "@dangerous",
      "@connection", "@transaction", "@scripting"};
  return bit < kAclCategoryCount ? kNames[bit] : std::string_view();
}

void CommandTable::Rehash(size_t capacity) {
  std::vector<Slot> fresh(capacity);
  for (size_t n = 0; n < ordered_.size(); ++n) {
    const CommandSpec* spec = ordered_[n];
    // Lower case, as names are written in the rows; the masks laid out as the words are.
    std::string lower(spec->name);
    std::string keep(spec->name.size(), '\xff');
    for (size_t i = 0; i < lower.size(); ++i) {
      if (IsLetter(lower[i])) {
        lower[i] = static_cast<char>(lower[i] | 0x20);
        keep[i] = '\xdf';
      }
    }
    const NameWords words = Words(lower);
    const NameWords masks = Words(keep);
    for (size_t i = SlotOf(words, lower.size(), capacity - 1);; i = (i + 1) & (capacity - 1)) {
      if (fresh[i].spec == nullptr) {
        fresh[i] = {words.head,
                    words.tail,
                    masks.head,
                    masks.tail,
                    static_cast<uint32_t>(lower.size()),
                    static_cast<uint32_t>(top_index_[n]),
                    spec};
        break;
      }
    }
  }
  slots_.swap(fresh);
  mask_ = capacity - 1;
}

void CommandTable::Register(std::span<const CommandSpec> specs) {
  for (const CommandSpec& spec : specs) {
    if (spec.name.size() > kMaxNameLength || Find(spec.name) != nullptr) {
      std::fprintf(stderr, "command '%.*s' registered twice or too long\n",
                   static_cast<int>(spec.name.size()), spec.name.data());
      std::abort();
    }
    ordered_.push_back(&spec);
    top_index_.push_back(indexed_.size());
    indexed_.push_back(&spec);
    for (const CommandSpec& sub : spec.subcommands) {
      indexed_.push_back(&sub);
    }
  }
  // At most half full, so probes stay short.
  size_t capacity = 16;
  while (capacity < ordered_.size() * 2) {
    capacity *= 2;
  }
  Rehash(capacity);
}

const CommandSpec* CommandTable::Find(std::string_view name) const {
  size_t index;
  return Find(name, &index);
}

const CommandSpec* CommandTable::Find(std::string_view name, size_t* index) const {
  const size_t n = name.size();
  if (n - 1 >= kWordsCoverName) [[unlikely]] {  // empty (n - 1 wraps), or long
    return n > kWordsCoverName && n <= kMaxNameLength ? FindLong(name, index) : nullptr;
  }
  const NameWords words = Words(name);
  for (size_t i = SlotOf(words, n, mask_);; i = (i + 1) & mask_) {
    const Slot& slot = slots_[i];
    // An empty slot has length 0, which no name has here.
    if (slot.length == n && Matches(words, slot.head, slot.tail, slot.head_mask, slot.tail_mask)) {
      *index = slot.index;
      return slot.spec;
    }
    if (slot.spec == nullptr) {
      return nullptr;
    }
  }
}

const CommandSpec* CommandTable::FindLong(std::string_view name, size_t* index) const {
  const NameWords words = Words(name);
  for (size_t i = SlotOf(words, name.size(), mask_);; i = (i + 1) & mask_) {
    const Slot& slot = slots_[i];
    // The words leave the middle out: the whole name decides (long names are rare).
    if (slot.length == name.size() &&
        Matches(words, slot.head, slot.tail, slot.head_mask, slot.tail_mask) &&
        detail::EqualsIgnoreCase(slot.spec->name, name)) {
      *index = slot.index;
      return slot.spec;
    }
    if (slot.spec == nullptr) {
      return nullptr;
    }
  }
}

const CommandSpec* CommandTable::FindSubcommand(const CommandSpec& container,
                                                std::string_view name) {
  for (const CommandSpec& sub : container.subcommands) {
    // Subcommand names are "container|sub".
    std::string_view own = sub.name.substr(sub.name.find('|') + 1);
    if (detail::EqualsIgnoreCase(own, name)) {
      return &sub;
    }
  }
  return nullptr;
}

std::vector<std::string_view> KeyArguments(const CommandSpec& spec,
                                           std::span<const std::string_view> args) {
  std::vector<std::string_view> keys;
  if (spec.keys.first <= 0 || spec.keys.step <= 0) {
    return keys;
  }
  const int64_t argc = static_cast<int64_t>(args.size());
  const int64_t last = spec.keys.last < 0 ? argc + spec.keys.last : spec.keys.last;
  for (int64_t i = spec.keys.first; i <= last && i < argc; i += spec.keys.step) {
    keys.push_back(args[static_cast<size_t>(i)]);
  }
  return keys;
}

}  // namespace cachette::commands
