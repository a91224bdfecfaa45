#pragma once

// The keys of one table in lexicographic order, so that every key with a given prefix is found
// in time proportional to how many there are (INVALIDATE PREFIX), not to the table's size.
//
// A B+tree of entry handles: leaves hold handles sorted by their entries' keys, inner nodes hold
// each child's smallest handle as its separator. Keys are never copied: comparisons resolve
// handles through the table's arena, which every call passes in (a table, and so its arena,
// may move). That keeps the index at about 4.3 bytes per key when leaves are full, which they
// are when keys arrive in order (a leaf that overflows at its end keeps its keys and starts a
// new leaf, instead of splitting in half), and about 6 bytes when they arrive at random.
//
// Deletion removes empty nodes but never merges neighbours; when the leaves are less than a
// third full on average, the next deletion repacks the whole tree in one O(n) pass without key
// comparisons (handles are already in order), which amortises to O(1) per deletion.
//
// Not thread-safe: the owning shard's lock guards every call.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "cachette/store/entry.h"
#include "entry_arena.h"

namespace cachette::store {

class KeyIndex {
 public:
  KeyIndex() = default;
  KeyIndex(KeyIndex&& other) noexcept;
  KeyIndex& operator=(KeyIndex&& other) noexcept;
  KeyIndex(const KeyIndex&) = delete;
  KeyIndex& operator=(const KeyIndex&) = delete;
  ~KeyIndex();

  size_t size() const { return size_; }
  // Bytes of every node (as allocated).
  int64_t bytes() const { return bytes_; }

  // Adds `handle`, whose entry's key is `key` and not in the index yet.
  void Insert(const EntryArena& arena, EntryHandle handle, std::string_view key);
  // Removes `handle`, whose entry's key is `key`.
  void Erase(const EntryArena& arena, EntryHandle handle, std::string_view key);
  // Puts `replacement` where `current` is (both entries have the key `key`).
  void Replace(const EntryArena& arena, EntryHandle current, EntryHandle replacement,
               std::string_view key);
  void Clear();

  // Calls visit(handle) for the handles whose keys are >= `from`, in key order, until visit
  // returns false. visit must not change the index.
  template <typename Visit>
  void VisitFrom(const EntryArena& arena, std::string_view from, Visit&& visit) const {
    const Leaf* leaf = nullptr;
    size_t position = 0;
    Seek(arena, from, &leaf, &position);
    for (; leaf != nullptr; leaf = leaf->next, position = 0) {
      for (; position < leaf->count; ++position) {
        if (!visit(leaf->slots[position])) {
          return;
        }
      }
    }
  }

  // How many keys are >= `from` / start with `prefix`: one descent each.
  size_t CountFrom(const EntryArena& arena, std::string_view from) const;
  size_t CountWithPrefix(const EntryArena& arena, std::string_view prefix) const;

  // Checks order, separators, counts and leaf links (tests); false on the first violation.
  bool CheckInvariants(const EntryArena& arena) const;

 private:
  static constexpr size_t kLeafBytes = 512;
  static constexpr size_t kInnerSlots = 32;

  struct Node {
    explicit Node(bool is_leaf) : leaf(is_leaf) {}
    virtual ~Node() = default;
    bool leaf;
    uint32_t count = 0;
  };
  struct Leaf;
  static constexpr size_t kLeafHeader = 32;  // vtable, flag and count, prev, next
  static constexpr size_t kLeafSlots = (kLeafBytes - kLeafHeader) / sizeof(EntryHandle);
  struct Leaf final : Node {
    Leaf() : Node(true) {}
    Leaf* prev = nullptr;
    Leaf* next = nullptr;
    EntryHandle slots[kLeafSlots];
  };
  struct Inner final : Node {
    Inner() : Node(false) {}
    // separators[i] is the smallest handle of children[i]'s subtree, sizes[i] its number of
    // handles (so that counting the keys of a range costs a descent, not a walk).
    EntryHandle separators[kInnerSlots];
    uint32_t sizes[kInnerSlots];
    std::unique_ptr<Node> children[kInnerSlots];
  };
  // The way down to a leaf: inner nodes and the child taken in each.
  struct Step {
    Inner* node;
    size_t child;
  };
  static constexpr size_t kMaxDepth = 16;
  struct Path {
    Step steps[kMaxDepth];
    size_t depth = 0;
  };

  std::unique_ptr<Leaf> NewLeaf();
  std::unique_ptr<Inner> NewInner();
  void Released(const Node& node);

  // Descends towards `key`, recording the path; returns the leaf.
  Leaf* Descend(const EntryArena& arena, std::string_view key, Path* path) const;
  // The first position in `leaf` whose key is >= key.
  static size_t LowerBound(const EntryArena& arena, const Leaf& leaf, std::string_view key);
  void Seek(const EntryArena& arena, std::string_view key, const Leaf** leaf,
            size_t* position) const;
  // The smallest handle of `node`'s subtree changed to `handle`: updates the separators above.
  static void FixMinimum(const Path& path, EntryHandle handle);
  // Adds `child` (smallest handle `separator`) to the node at path level `level`, at position
  // `position`, splitting upwards when full.
  void InsertChild(Path& path, size_t level, size_t position, EntryHandle separator,
                   std::unique_ptr<Node> child, uint32_t child_size);
  static uint32_t Total(const Node& node);
  // Removes the child at path level `level` (the one the path took), and empty parents.
  void RemoveChild(Path& path, size_t level);
  // Packs every handle into full leaves again (after many deletions).
  void Rebuild(size_t fill);
  size_t leaf_count() const { return leaves_; }

  std::unique_ptr<Node> root_;
  size_t size_ = 0;
  size_t leaves_ = 0;
  int64_t bytes_ = 0;
};

}  // namespace cachette::store
