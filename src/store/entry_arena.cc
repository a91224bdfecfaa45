#include "detail/entry_arena.h"

#include <bit>
#include <cstdlib>
#include <cstring>
#include <new>
#include <utility>

#include "cachette/store/value_block.h"
#include "cachette/util/memory.h"

namespace cachette::store {

namespace {
constexpr size_t kMinSlot = sizeof(Entry);
constexpr size_t kFineLimit = 512;  // slots are 4 bytes apart up to here
constexpr size_t kFineClasses = (kFineLimit - kMinSlot) / 4 + 1;
constexpr size_t kCoarsePerDoubling = 8;
constexpr size_t kClassCount = kFineClasses + 3 * kCoarsePerDoubling;  // up to 4096
// A class gets slab pages once it holds this fraction of a page's slots; fewer entries are
// allocated separately, so a sparse class does not pin a whole page.
constexpr size_t kPageThresholdDivisor = 8;

void WriteIndex(char* where, uint32_t index) { std::memcpy(where, &index, sizeof(index)); }
uint32_t ReadIndex(const char* where) {
  uint32_t index = 0;
  std::memcpy(&index, where, sizeof(index));
  return index;
}
}  // namespace

static_assert(EntryArena::kPageBytes / 4 <= (size_t{1} << 14), "offsets must fit 14 bits");
static_assert(EntryArena::kMaxSlabEntry == 4096, "the class table stops at 4096 bytes");

EntryArena::EntryArena(EntryArena&& other) noexcept
    : pages_(std::move(other.pages_)),
      free_pages_(std::move(other.free_pages_)),
      separate_(std::move(other.separate_)),
      free_separate_(std::move(other.free_separate_)),
      classes_(std::move(other.classes_)),
      page_bytes_(std::exchange(other.page_bytes_, 0)),
      slab_live_bytes_(std::exchange(other.slab_live_bytes_, 0)) {
  other.pages_.clear();
  other.free_pages_.clear();
  other.separate_.clear();
  other.free_separate_.clear();
  other.classes_.clear();
}

EntryArena& EntryArena::operator=(EntryArena&& other) noexcept {
  if (this != &other) {
    Clear();
    pages_ = std::exchange(other.pages_, {});
    free_pages_ = std::exchange(other.free_pages_, {});
    separate_ = std::exchange(other.separate_, {});
    free_separate_ = std::exchange(other.free_separate_, {});
    classes_ = std::exchange(other.classes_, {});
    page_bytes_ = std::exchange(other.page_bytes_, 0);
    slab_live_bytes_ = std::exchange(other.slab_live_bytes_, 0);
  }
  return *this;
}

size_t EntryArena::SlotSize(size_t bytes) {
  if (bytes > kMaxSlabEntry) {
    return 0;
  }
  if (bytes <= kFineLimit) {
    return bytes <= kMinSlot ? kMinSlot : (bytes + 3) & ~size_t{3};
  }
  const size_t step = size_t{1} << (std::bit_width(bytes - 1) - 4);
  return (bytes + step - 1) & ~(step - 1);
}

size_t EntryArena::SeparateSize(size_t bytes) {
  return util::AllocationSize(bytes + kSeparatePrefixBytes);
}

size_t EntryArena::SpareBytes(const Entry& entry) {
  if (!entry.separate()) {
    return 0;
  }
  return ReadIndex(reinterpret_cast<const char*>(&entry) - kSeparatePrefixBytes);
}

size_t EntryArena::GrowthCapacity(size_t bytes) {
  return bytes < kGrowthStep ? 2 * bytes : bytes + kGrowthStep;
}

size_t EntryArena::ClassOf(size_t slot) {
  if (slot <= kFineLimit) {
    return (slot - kMinSlot) / 4;
  }
  const size_t bits = std::bit_width(slot - 1);
  const size_t step = size_t{1} << (bits - 4);
  const size_t within = (slot - (size_t{1} << (bits - 1))) / step - 1;
  return kFineClasses + (bits - 10) * kCoarsePerDoubling + within;
}

size_t EntryArena::ClassSlot(size_t size_class) {
  if (size_class < kFineClasses) {
    return kMinSlot + 4 * size_class;
  }
  const size_t k = size_class - kFineClasses;
  const size_t bits = 10 + k / kCoarsePerDoubling;
  return (size_t{1} << (bits - 1)) + (k % kCoarsePerDoubling + 1) * (size_t{1} << (bits - 4));
}

Entry* EntryArena::Allocate(std::string_view key, size_t value_size, int64_t expire_ms) {
  const size_t bytes = Entry::BytesFor(key.size(), value_size);
  const size_t slot = SlotSize(bytes);
  void* memory = nullptr;
  if (slot != 0) {
    if (classes_.empty()) {
      classes_.resize(kClassCount);
    }
    const size_t size_class = ClassOf(slot);
    SizeClass& cls = classes_[size_class];
    if (cls.open_head != 0 || cls.live >= SlotsPerPage(slot) / kPageThresholdDivisor) {
      EntryHandle ignored = 0;
      memory = AllocateInPage(size_class, slot, &ignored);
    }
    ++cls.live;
  }
  const bool separate = memory == nullptr;
  if (separate) {
    memory = AllocateSeparate(bytes, 0);
  }
  return Construct(memory, key, value_size, expire_ms, separate);
}

Entry* EntryArena::AllocateGrowable(std::string_view key, size_t value_size, int64_t expire_ms) {
  const size_t bytes = Entry::BytesFor(key.size(), value_size);
  if (bytes <= kMaxSlabEntry) {
    return Allocate(key, value_size, expire_ms);
  }
  void* memory = AllocateSeparate(bytes, GrowthCapacity(bytes) - bytes);
  return Construct(memory, key, value_size, expire_ms, /*separate=*/true);
}

Entry* EntryArena::Construct(void* memory, std::string_view key, size_t value_size,
                             int64_t expire_ms, bool separate) {
  Entry* entry = new (memory) Entry(key.size(), value_size, expire_ms, separate);
  if (!key.empty()) {
    std::memcpy(entry->mutable_key(), key.data(), key.size());
  }
  return entry;
}

void* EntryArena::AllocateSeparate(size_t bytes, size_t spare) {
  if (free_separate_.empty() && separate_.size() >= kSeparateTag) {
    throw std::bad_alloc();
  }
  char* memory = static_cast<char*>(std::malloc(bytes + spare + kSeparatePrefixBytes));
  if (memory == nullptr) {
    throw std::bad_alloc();
  }
  return RegisterSeparate(memory, spare);
}

Entry* EntryArena::Adopt(std::string_view key, util::MallocBlock& block, size_t capacity,
                         size_t value_offset, size_t value_size, int64_t expire_ms) {
  const size_t bytes = Entry::BytesFor(key.size(), value_size);
  if (bytes <= kMaxSlabEntry || value_offset != AdoptedValueOffset(key.size(), value_size) ||
      capacity < kSeparatePrefixBytes + bytes ||
      capacity - kSeparatePrefixBytes - bytes > UINT32_MAX ||
      (free_separate_.empty() && separate_.size() >= kSeparateTag)) {
    return nullptr;
  }
  void* memory = RegisterSeparate(block.release(), capacity - kSeparatePrefixBytes - bytes);
  return Construct(memory, key, value_size, expire_ms, /*separate=*/true);
}

void* EntryArena::RegisterSeparate(char* memory, size_t spare) {
  uint32_t index = 0;
  if (!free_separate_.empty()) {
    index = free_separate_.back();
  } else {
    index = static_cast<uint32_t>(separate_.size());
  }
  if (!free_separate_.empty()) {
    free_separate_.pop_back();
    separate_[index] = memory;
  } else {
    separate_.push_back(memory);
  }
  WriteIndex(memory, static_cast<uint32_t>(spare));
  WriteIndex(memory + kSeparatePrefixBytes - sizeof(uint32_t), index);
  return memory + kSeparatePrefixBytes;
}

Entry* EntryArena::Grow(Entry* entry, size_t value_size) {
  const size_t old_value_size = entry->value_size();
  const bool long_value = old_value_size >= Entry::kLongValueSize;
  if (!entry->separate() || value_size < old_value_size ||
      (value_size >= Entry::kLongValueSize) != long_value) {
    return nullptr;
  }
  const size_t old_bytes = entry->bytes();
  const size_t capacity = old_bytes + SpareBytes(*entry);
  const size_t bytes = old_bytes + (value_size - old_value_size);
  char* block = reinterpret_cast<char*>(entry) - kSeparatePrefixBytes;
  size_t spare = capacity - std::min(capacity, bytes);
  if (bytes > capacity) {
    if (detail::IsPinned(block)) {
      return nullptr;  // its bytes are still read where they are: the caller copies
    }
    const size_t grown = GrowthCapacity(bytes);
    char* moved = static_cast<char*>(std::realloc(block, grown + kSeparatePrefixBytes));
    if (moved == nullptr) {
      throw std::bad_alloc();
    }
    block = moved;
    separate_[ReadIndex(block + kSeparatePrefixBytes - sizeof(uint32_t))] = block;
    spare = grown - bytes;
  }
  WriteIndex(block, static_cast<uint32_t>(spare));
  entry = reinterpret_cast<Entry*>(block + kSeparatePrefixBytes);
  // Small separate entries are counted in their slot's class (see Allocate).
  const size_t old_slot = SlotSize(old_bytes);
  const size_t new_slot = SlotSize(bytes);
  if (old_slot != new_slot) {
    if (classes_.empty()) {
      classes_.resize(kClassCount);
    }
    if (old_slot != 0) {
      --classes_[ClassOf(old_slot)].live;
    }
    if (new_slot != 0) {
      ++classes_[ClassOf(new_slot)].live;
    }
  }
  entry->SetValueSize(value_size);
  return entry;
}

bool EntryArena::PageHasRoom(const Page& page, size_t slot) const {
  return page.free_head != 0 || page.fresh * kUnit + slot <= kPageBytes;
}

void* EntryArena::AllocateInPage(size_t size_class, size_t slot, EntryHandle* handle) {
  SizeClass& cls = classes_[size_class];
  uint32_t index = cls.open_head;
  if (index == 0) {
    if (free_pages_.empty() && pages_.size() >= kMaxPages) {
      return nullptr;  // the handle space is used up: the caller allocates separately
    }
    char* base = static_cast<char*>(std::aligned_alloc(kPageBytes, kPageBytes));
    if (base == nullptr) {
      return nullptr;
    }
    if (pages_.empty()) {
      pages_.emplace_back();  // index 0 names nothing
    }
    if (!free_pages_.empty()) {
      index = free_pages_.back();
      free_pages_.pop_back();
    } else {
      index = static_cast<uint32_t>(pages_.size());
      pages_.emplace_back();
    }
    Page& page = pages_[index];
    page = Page{};
    page.base = base;
    page.size_class = static_cast<uint16_t>(size_class);
    page.fresh = static_cast<uint16_t>(kPrefixBytes / kUnit);
    WriteIndex(base, index);
    page_bytes_ += static_cast<int64_t>(kPageBytes);
    OpenPage(index);
  }
  Page& page = pages_[index];
  uint32_t offset = 0;
  if (page.free_head != 0) {
    offset = page.free_head;
    uint16_t next = 0;
    std::memcpy(&next, page.base + offset * kUnit, sizeof(next));
    page.free_head = next;
  } else {
    offset = page.fresh;
    page.fresh = static_cast<uint16_t>(page.fresh + slot / kUnit);
  }
  ++page.live;
  slab_live_bytes_ += static_cast<int64_t>(slot);
  if (!PageHasRoom(page, slot)) {
    ClosePage(index);
  }
  *handle = (index << kOffsetBits) | offset;
  return page.base + offset * kUnit;
}

void EntryArena::OpenPage(uint32_t index) {
  Page& page = pages_[index];
  SizeClass& cls = classes_[page.size_class];
  page.open = true;
  page.prev_open = 0;
  page.next_open = cls.open_head;
  if (cls.open_head != 0) {
    pages_[cls.open_head].prev_open = index;
  }
  cls.open_head = index;
}

void EntryArena::ClosePage(uint32_t index) {
  Page& page = pages_[index];
  SizeClass& cls = classes_[page.size_class];
  (page.prev_open != 0 ? pages_[page.prev_open].next_open : cls.open_head) = page.next_open;
  if (page.next_open != 0) {
    pages_[page.next_open].prev_open = page.prev_open;
  }
  page.open = false;
  page.prev_open = page.next_open = 0;
}

void EntryArena::ReleasePage(uint32_t index) {
  Page& page = pages_[index];
  if (page.open) {
    ClosePage(index);
  }
  std::free(page.base);
  page = Page{};
  page_bytes_ -= static_cast<int64_t>(kPageBytes);
  free_pages_.push_back(index);
}

EntryHandle EntryArena::HandleOf(const Entry* entry) const {
  if (entry == nullptr) {
    return 0;
  }
  const char* at = reinterpret_cast<const char*>(entry);
  if (entry->separate()) {
    return kSeparateTag | ReadIndex(at - sizeof(uint32_t));
  }
  const char* base =
      reinterpret_cast<const char*>(reinterpret_cast<uintptr_t>(at) & ~(kPageBytes - 1));
  return (ReadIndex(base) << kOffsetBits) | static_cast<uint32_t>((at - base) / kUnit);
}

void EntryArena::Free(Entry* entry) {
  if (entry == nullptr) {
    return;
  }
  const size_t bytes = entry->bytes();
  const size_t slot = SlotSize(bytes);
  if (slot != 0) {
    --classes_[ClassOf(slot)].live;
  }
  char* at = reinterpret_cast<char*>(entry);
  if (entry->separate()) {
    const uint32_t index = ReadIndex(at - sizeof(uint32_t));
    if (!detail::DeferFreeIfPinned(at - kSeparatePrefixBytes)) {
      std::free(at - kSeparatePrefixBytes);
    }
    separate_[index] = nullptr;
    free_separate_.push_back(index);
    return;
  }
  char* base = reinterpret_cast<char*>(reinterpret_cast<uintptr_t>(at) & ~(kPageBytes - 1));
  const uint32_t index = ReadIndex(base);
  Page& page = pages_[index];
  const uint16_t offset = static_cast<uint16_t>((at - base) / kUnit);
  std::memcpy(at, &page.free_head, sizeof(page.free_head));
  page.free_head = offset;
  --page.live;
  slab_live_bytes_ -= static_cast<int64_t>(slot);
  if (page.live == 0) {
    ReleasePage(index);
  } else if (!page.open) {
    OpenPage(index);
  }
}

void EntryArena::Clear() {
  for (const Page& page : pages_) {
    std::free(page.base);
  }
  for (char* memory : separate_) {
    if (memory != nullptr && !detail::DeferFreeIfPinned(memory)) {
      std::free(memory);
    }
  }
  std::vector<Page>().swap(pages_);
  std::vector<uint32_t>().swap(free_pages_);
  std::vector<char*>().swap(separate_);
  std::vector<uint32_t>().swap(free_separate_);
  std::vector<SizeClass>().swap(classes_);
  page_bytes_ = 0;
  slab_live_bytes_ = 0;
}

}  // namespace cachette::store
