#pragma once

// The entry allocator: where one table's entries live, and how 32-bit handles name them.
//
// A general-purpose allocator rounds an entry up to its size class (jemalloc has 4 classes per
// doubling: a 300-byte entry takes 320 bytes), and entries linked by 8-byte pointers need 24
// bytes of links. The arena removes both costs:
//
// - Slab pages. Entries up to kMaxSlabEntry bytes are carved from 64 KiB pages, each page
//   holding slots of one class. Classes are 4 bytes apart up to 512 bytes and 8 per doubling
//   up to 4 KiB, so a slot wastes at most 3 bytes on small entries and 12.5% on big ones.
//   A page hands out never-used slots in address order (so a fresh page becomes resident only
//   as it fills) and reuses freed slots through a free list threaded through them. A page
//   whose last entry is freed goes back to the allocator at once.
// - Separate allocations. Entries above kMaxSlabEntry, and entries of a class that holds too
//   few entries in this table to fill a good part of a page, are allocated on their own
//   (jemalloc), with an 8-byte prefix: the spare capacity after the entry (4 bytes) and the
//   index that names it (4 bytes, just before the entry); so a small table with entries of
//   many sizes does not pin one page per size.
// - Growth (APPEND, SETRANGE past the end). Grow() lengthens a separate entry's value within
//   its spare capacity, or reallocates it (same handle) with room to spare as Redis's
//   sdsMakeRoomFor does: twice the needed bytes below 1 MiB, the needed bytes + 1 MiB above
//   (GrowthCapacity). Appending n bytes one at a time therefore copies the value O(log n)
//   times below 1 MiB and once per MiB above (each copy of a value of m bytes pays for the
//   MiB, or the m bytes, appended since the last one): amortised O(1) per byte below 1 MiB,
//   O(m / 1 MiB) above, which is Redis's cost too. Entries that live in slab pages are not
//   grown in place (they are at most 4 KiB: copying them is cheap).
// - Handles. A slab entry's handle is its page's index (17 bits) and its offset in the page
//   in 4-byte units (14 bits); a separate entry's handle has the top bit set and its index in
//   a table of separate entries. Resolve() is one array load and an add. HandleOf() finds a
//   slab entry's page by masking the address (pages are 64 KiB aligned) and reads the page's
//   index from its first 4 bytes.
//
// Limits: 131071 slab pages per arena (8 GiB of entries per table: shards * databases tables);
// past that, entries are allocated separately, which costs memory but never fails.
//
// Accounting: an entry counts its slot size (slab) or its allocation size (separate, spare
// capacity included: what the allocator really holds for it);
// slack_bytes() is what slab pages hold besides live entries (never-used tails and freed
// slots), which the server subtracts from the allocator's total, as jemalloc's own statistics
// leave out the free regions of its slabs.
//
// Not thread-safe: the owning table's shard lock guards every call. Moving an arena moves its
// entries with it (pointers and handles stay valid).

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "cachette/store/entry.h"
#include "cachette/util/memory.h"

namespace cachette::store {

class EntryArena {
 public:
  static constexpr size_t kPageBytes = size_t{1} << 16;
  static constexpr size_t kMaxSlabEntry = 4096;
  // Before a separate entry: its spare capacity, then its index.
  static constexpr size_t kSeparatePrefixBytes = 8;

  EntryArena() = default;
  EntryArena(EntryArena&& other) noexcept;
  EntryArena& operator=(EntryArena&& other) noexcept;
  EntryArena(const EntryArena&) = delete;
  EntryArena& operator=(const EntryArena&) = delete;
  ~EntryArena() { Clear(); }

  // A new entry holding a copy of key, with `value_size` uninitialised value bytes and the
  // given expiry (0: none). Throws std::bad_alloc when memory is exhausted.
  Entry* Allocate(std::string_view key, size_t value_size, int64_t expire_ms);
  // Allocate, but an entry too big for slab pages gets spare capacity (GrowthCapacity), for a
  // value about to grow again (the first APPEND past kMaxSlabEntry).
  Entry* AllocateGrowable(std::string_view key, size_t value_size, int64_t expire_ms);
  // A new separate entry built around a value already in `block` (value_block.h): the value's
  // `value_size` bytes start at `value_offset` of the block's `capacity` bytes. On success the
  // arena owns the block (`block` is empty); nullptr, changing nothing, when the layout does not
  // fit (the value does not start at AdoptedValueOffset, or the entry would fit a slab page).
  Entry* Adopt(std::string_view key, util::MallocBlock& block, size_t capacity, size_t value_offset,
               size_t value_size, int64_t expire_ms);
  // Lengthens a separate entry's value to `value_size` bytes, keeping its bytes (the new ones
  // are uninitialised): in place within the spare capacity, else reallocated with spare
  // capacity (the entry may move; its handle stays). Returns the entry, or nullptr, changing
  // nothing, when it cannot be grown that way (a slab entry, a shorter value, or a value that
  // would cross kLongValueSize and so move its bytes): the caller allocates a new one. Throws
  // std::bad_alloc when memory is exhausted (the entry is then unchanged).
  Entry* Grow(Entry* entry, size_t value_size);
  // The bytes a separate entry that needs `bytes` bytes is given when it grows.
  static size_t GrowthCapacity(size_t bytes);
  // Frees an entry of this arena.
  void Free(Entry* entry);
  // Frees every entry at once (no walk over them).
  void Clear();

  Entry* Resolve(EntryHandle handle) const {
    if (handle == 0) {
      return nullptr;
    }
    if ((handle & kSeparateTag) != 0) {
      return reinterpret_cast<Entry*>(separate_[handle & ~kSeparateTag] + kSeparatePrefixBytes);
    }
    return reinterpret_cast<Entry*>(pages_[handle >> kOffsetBits].base +
                                    (handle & kOffsetMask) * kUnit);
  }
  EntryHandle HandleOf(const Entry* entry) const;

  // The slot an entry of `bytes` bytes gets in a page (0 when it is too big for pages).
  static size_t SlotSize(size_t bytes);
  // What a separate allocation of an entry of `bytes` bytes (spare capacity included) occupies.
  static size_t SeparateSize(size_t bytes);
  // The spare capacity after a separate entry's bytes (0 for slab entries).
  static size_t SpareBytes(const Entry& entry);

  // Bytes of slab pages not holding live entries.
  int64_t slack_bytes() const { return page_bytes_ - slab_live_bytes_; }
  size_t page_count() const {
    return pages_.size() - free_pages_.size() - (pages_.empty() ? 0 : 1);
  }
  size_t separate_count() const { return separate_.size() - free_separate_.size(); }

 private:
  static constexpr unsigned kOffsetBits = 14;
  static constexpr uint32_t kOffsetMask = (uint32_t{1} << kOffsetBits) - 1;
  static constexpr size_t kUnit = 4;
  static constexpr uint32_t kSeparateTag = uint32_t{1} << 31;
  static constexpr size_t kMaxPages = size_t{1} << (31 - kOffsetBits);
  static constexpr size_t kPrefixBytes = 4;               // the page index before the slots
  static constexpr size_t kGrowthStep = size_t{1} << 20;  // Redis's SDS_MAX_PREALLOC

  struct Page {
    char* base = nullptr;
    uint32_t prev_open = 0;  // neighbours in the class's list of pages with free slots
    uint32_t next_open = 0;
    uint16_t size_class = 0;
    uint16_t live = 0;
    uint16_t free_head = 0;  // offset (units) of the first freed slot; 0: none
    uint16_t fresh = 0;      // offset (units) of the first never-used slot
    bool open = false;       // in the class's list of pages with free slots
  };
  struct SizeClass {
    uint32_t live = 0;       // live entries of this class, in pages or separate
    uint32_t open_head = 0;  // first page with free slots; 0: none
  };

  static size_t ClassOf(size_t slot);
  static size_t ClassSlot(size_t size_class);
  static size_t SlotsPerPage(size_t slot) { return (kPageBytes - kPrefixBytes) / slot; }

  void* AllocateInPage(size_t size_class, size_t slot, EntryHandle* handle);
  // A block for an entry of `bytes` bytes followed by `spare` bytes of room to grow.
  void* AllocateSeparate(size_t bytes, size_t spare);
  // Registers a separate block (its prefix written); returns where the entry goes.
  void* RegisterSeparate(char* memory, size_t spare);
  Entry* Construct(void* memory, std::string_view key, size_t value_size, int64_t expire_ms,
                   bool separate);
  bool PageHasRoom(const Page& page, size_t slot) const;
  void OpenPage(uint32_t index);
  void ClosePage(uint32_t index);
  void ReleasePage(uint32_t index);

  std::vector<Page> pages_;  // index 0 unused, so that handle 0 names nothing
  std::vector<uint32_t> free_pages_;
  std::vector<char*> separate_;
  std::vector<uint32_t> free_separate_;
  std::vector<SizeClass> classes_;  // empty until the first slab entry
  int64_t page_bytes_ = 0;
  int64_t slab_live_bytes_ = 0;
};

}  // namespace cachette::store
