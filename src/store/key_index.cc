#include "detail/key_index.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <utility>

#include "cachette/util/memory.h"

namespace cachette::store {

namespace {
std::string_view KeyOf(const EntryArena& arena, EntryHandle handle) {
  return arena.Resolve(handle)->key();
}
}  // namespace

KeyIndex::KeyIndex(KeyIndex&& other) noexcept
    : root_(std::move(other.root_)),
      size_(std::exchange(other.size_, 0)),
      leaves_(std::exchange(other.leaves_, 0)),
      bytes_(std::exchange(other.bytes_, 0)) {}

KeyIndex& KeyIndex::operator=(KeyIndex&& other) noexcept {
  if (this != &other) {
    root_ = std::move(other.root_);
    size_ = std::exchange(other.size_, 0);
    leaves_ = std::exchange(other.leaves_, 0);
    bytes_ = std::exchange(other.bytes_, 0);
  }
  return *this;
}

KeyIndex::~KeyIndex() = default;

void KeyIndex::Clear() {
  root_.reset();
  size_ = 0;
  leaves_ = 0;
  bytes_ = 0;
}

std::unique_ptr<KeyIndex::Leaf> KeyIndex::NewLeaf() {
  static_assert(sizeof(Leaf) == kLeafBytes, "a leaf fills its allocation size class");
  bytes_ += static_cast<int64_t>(util::AllocationSize(sizeof(Leaf)));
  ++leaves_;
  return std::make_unique<Leaf>();
}

std::unique_ptr<KeyIndex::Inner> KeyIndex::NewInner() {
  bytes_ += static_cast<int64_t>(util::AllocationSize(sizeof(Inner)));
  return std::make_unique<Inner>();
}

void KeyIndex::Released(const Node& node) {
  if (node.leaf) {
    bytes_ -= static_cast<int64_t>(util::AllocationSize(sizeof(Leaf)));
    --leaves_;
  } else {
    bytes_ -= static_cast<int64_t>(util::AllocationSize(sizeof(Inner)));
  }
}

size_t KeyIndex::LowerBound(const EntryArena& arena, const Leaf& leaf, std::string_view key) {
  size_t low = 0;
  size_t high = leaf.count;
  while (low < high) {
    const size_t middle = (low + high) / 2;
    if (KeyOf(arena, leaf.slots[middle]) < key) {
      low = middle + 1;
    } else {
      high = middle;
    }
  }
  return low;
}

KeyIndex::Leaf* KeyIndex::Descend(const EntryArena& arena, std::string_view key, Path* path) const {
  path->depth = 0;
  Node* node = root_.get();
  while (!node->leaf) {
    auto* inner = static_cast<Inner*>(node);
    // The last child whose smallest key is <= key (the first child when none is).
    size_t low = 1;
    size_t high = inner->count;
    while (low < high) {
      const size_t middle = (low + high) / 2;
      if (KeyOf(arena, inner->separators[middle]) <= key) {
        low = middle + 1;
      } else {
        high = middle;
      }
    }
    const size_t child = low - 1;
    path->steps[path->depth++] = {inner, child};
    node = inner->children[child].get();
  }
  return static_cast<Leaf*>(node);
}

void KeyIndex::Seek(const EntryArena& arena, std::string_view key, const Leaf** leaf,
                    size_t* position) const {
  *leaf = nullptr;
  *position = 0;
  if (root_ == nullptr) {
    return;
  }
  Path path;
  const Leaf* found = Descend(arena, key, &path);
  *leaf = found;
  *position = LowerBound(arena, *found, key);
}

void KeyIndex::FixMinimum(const Path& path, EntryHandle handle) {
  for (size_t level = path.depth; level > 0; --level) {
    const Step& step = path.steps[level - 1];
    step.node->separators[step.child] = handle;
    if (step.child != 0) {
      return;
    }
  }
}

void KeyIndex::Insert(const EntryArena& arena, EntryHandle handle, std::string_view key) {
  ++size_;
  if (root_ == nullptr) {
    auto leaf = NewLeaf();
    leaf->slots[0] = handle;
    leaf->count = 1;
    root_ = std::move(leaf);
    return;
  }
  Path path;
  Leaf* leaf = Descend(arena, key, &path);
  const size_t position = LowerBound(arena, *leaf, key);
  // Every subtree on the way gains the key (splits below keep their parents' sums).
  for (size_t level = 0; level < path.depth; ++level) {
    ++path.steps[level].node->sizes[path.steps[level].child];
  }
  if (leaf->count < kLeafSlots) {
    std::memmove(&leaf->slots[position + 1], &leaf->slots[position],
                 (leaf->count - position) * sizeof(EntryHandle));
    leaf->slots[position] = handle;
    ++leaf->count;
    if (position == 0) {
      FixMinimum(path, handle);
    }
    return;
  }
  // Full: split. Keys arriving in order always land at a leaf's end; keeping that leaf full
  // and starting an empty one keeps the tree packed for them.
  auto right = NewLeaf();
  if (position == leaf->count) {
    right->slots[0] = handle;
    right->count = 1;
  } else {
    const size_t keep = leaf->count / 2;
    right->count = leaf->count - keep;
    std::memcpy(right->slots, &leaf->slots[keep], right->count * sizeof(EntryHandle));
    leaf->count = keep;
    Leaf* target = position <= keep ? leaf : right.get();
    const size_t at = position <= keep ? position : position - keep;
    std::memmove(&target->slots[at + 1], &target->slots[at],
                 (target->count - at) * sizeof(EntryHandle));
    target->slots[at] = handle;
    ++target->count;
    if (target == leaf && at == 0) {
      FixMinimum(path, handle);
    }
  }
  right->prev = leaf;
  right->next = leaf->next;
  if (leaf->next != nullptr) {
    leaf->next->prev = right.get();
  }
  leaf->next = right.get();
  const EntryHandle separator = right->slots[0];
  const uint32_t right_size = right->count;
  if (path.depth == 0) {
    auto root = NewInner();
    root->separators[0] = leaf->slots[0];
    root->sizes[0] = leaf->count;
    root->children[0] = std::move(root_);
    root->separators[1] = separator;
    root->sizes[1] = right_size;
    root->children[1] = std::move(right);
    root->count = 2;
    root_ = std::move(root);
    return;
  }
  const Step& parent = path.steps[path.depth - 1];
  parent.node->sizes[parent.child] = leaf->count;
  InsertChild(path, path.depth - 1, parent.child + 1, separator, std::move(right), right_size);
}

uint32_t KeyIndex::Total(const Node& node) {
  if (node.leaf) {
    return node.count;
  }
  const auto& inner = static_cast<const Inner&>(node);
  uint32_t total = 0;
  for (size_t i = 0; i < inner.count; ++i) {
    total += inner.sizes[i];
  }
  return total;
}

void KeyIndex::InsertChild(Path& path, size_t level, size_t position, EntryHandle separator,
                           std::unique_ptr<Node> child, uint32_t child_size) {
  Inner* node = path.steps[level].node;
  if (node->count < kInnerSlots) {
    for (size_t i = node->count; i > position; --i) {
      node->separators[i] = node->separators[i - 1];
      node->sizes[i] = node->sizes[i - 1];
      node->children[i] = std::move(node->children[i - 1]);
    }
    node->separators[position] = separator;
    node->sizes[position] = child_size;
    node->children[position] = std::move(child);
    ++node->count;
    return;
  }
  auto right = NewInner();
  if (position == node->count) {
    // Appending (keys arriving in order): keep this node full, start the next one.
    right->separators[0] = separator;
    right->sizes[0] = child_size;
    right->children[0] = std::move(child);
    right->count = 1;
  } else {
    const size_t keep = node->count / 2;
    for (size_t i = keep; i < node->count; ++i) {
      right->separators[i - keep] = node->separators[i];
      right->sizes[i - keep] = node->sizes[i];
      right->children[i - keep] = std::move(node->children[i]);
    }
    right->count = static_cast<uint32_t>(node->count - keep);
    node->count = static_cast<uint32_t>(keep);
    Inner* target = position <= keep ? node : right.get();
    const size_t at = position <= keep ? position : position - keep;
    for (size_t i = target->count; i > at; --i) {
      target->separators[i] = target->separators[i - 1];
      target->sizes[i] = target->sizes[i - 1];
      target->children[i] = std::move(target->children[i - 1]);
    }
    target->separators[at] = separator;
    target->sizes[at] = child_size;
    target->children[at] = std::move(child);
    ++target->count;
  }
  const EntryHandle right_minimum = right->separators[0];
  const uint32_t right_size = Total(*right);
  if (level == 0) {
    auto root = NewInner();
    root->separators[0] = node->separators[0];
    root->sizes[0] = Total(*node);
    root->children[0] = std::move(root_);
    root->separators[1] = right_minimum;
    root->sizes[1] = right_size;
    root->children[1] = std::move(right);
    root->count = 2;
    root_ = std::move(root);
    return;
  }
  const Step& parent = path.steps[level - 1];
  parent.node->sizes[parent.child] = Total(*node);
  InsertChild(path, level - 1, parent.child + 1, right_minimum, std::move(right), right_size);
}

void KeyIndex::Erase(const EntryArena& arena, EntryHandle handle, std::string_view key) {
  if (root_ == nullptr) {
    return;
  }
  Path path;
  Leaf* leaf = Descend(arena, key, &path);
  const size_t position = LowerBound(arena, *leaf, key);
  if (position >= leaf->count || leaf->slots[position] != handle) {
    return;  // not indexed (cannot happen while the table keeps the index in step)
  }
  --size_;
  for (size_t level = 0; level < path.depth; ++level) {
    --path.steps[level].node->sizes[path.steps[level].child];
  }
  --leaf->count;
  std::memmove(&leaf->slots[position], &leaf->slots[position + 1],
               (leaf->count - position) * sizeof(EntryHandle));
  if (leaf->count == 0) {
    if (leaf->prev != nullptr) {
      leaf->prev->next = leaf->next;
    }
    if (leaf->next != nullptr) {
      leaf->next->prev = leaf->prev;
    }
    if (path.depth == 0) {
      Released(*root_);
      root_.reset();
    } else {
      RemoveChild(path, path.depth - 1);
    }
  } else if (position == 0) {
    FixMinimum(path, leaf->slots[0]);
  }
  if (size_ > 0 && leaves_ * kLeafSlots > 3 * size_ + 2 * kLeafSlots) {
    Rebuild(kLeafSlots * 7 / 8);
  }
}

void KeyIndex::RemoveChild(Path& path, size_t level) {
  Inner* node = path.steps[level].node;
  const size_t child = path.steps[level].child;
  Released(*node->children[child]);
  node->children[child].reset();
  for (size_t i = child; i + 1 < node->count; ++i) {
    node->separators[i] = node->separators[i + 1];
    node->sizes[i] = node->sizes[i + 1];
    node->children[i] = std::move(node->children[i + 1]);
  }
  --node->count;
  if (node->count == 0) {
    if (level == 0) {
      Released(*root_);
      root_.reset();
    } else {
      RemoveChild(path, level - 1);
    }
    return;
  }
  if (child == 0) {
    Path above = path;
    above.depth = level;
    FixMinimum(above, node->separators[0]);
  }
  // A root with one child is replaced by that child.
  while (root_ != nullptr && !root_->leaf && root_->count == 1) {
    auto* old_root = static_cast<Inner*>(root_.get());
    std::unique_ptr<Node> only = std::move(old_root->children[0]);
    Released(*root_);
    root_ = std::move(only);
  }
}

void KeyIndex::Replace(const EntryArena& arena, EntryHandle current, EntryHandle replacement,
                       std::string_view key) {
  if (root_ == nullptr) {
    return;
  }
  Path path;
  Leaf* leaf = Descend(arena, key, &path);
  const size_t position = LowerBound(arena, *leaf, key);
  if (position >= leaf->count || leaf->slots[position] != current) {
    return;
  }
  leaf->slots[position] = replacement;
  if (position == 0) {
    FixMinimum(path, replacement);
  }
}

void KeyIndex::Rebuild(size_t fill) {
  std::vector<EntryHandle> handles;
  handles.reserve(size_);
  // Walk the leaves from the leftmost one.
  const Node* node = root_.get();
  while (node != nullptr && !node->leaf) {
    node = static_cast<const Inner*>(node)->children[0].get();
  }
  for (auto* leaf = static_cast<const Leaf*>(node); leaf != nullptr; leaf = leaf->next) {
    handles.insert(handles.end(), leaf->slots, leaf->slots + leaf->count);
  }
  Clear();
  size_ = handles.size();
  if (handles.empty()) {
    return;
  }
  // Bottom level: leaves of `fill` handles.
  std::vector<std::pair<EntryHandle, std::unique_ptr<Node>>> level;
  Leaf* previous = nullptr;
  for (size_t start = 0; start < handles.size(); start += fill) {
    auto leaf = NewLeaf();
    const size_t count = std::min(fill, handles.size() - start);
    std::memcpy(leaf->slots, &handles[start], count * sizeof(EntryHandle));
    leaf->count = static_cast<uint32_t>(count);
    leaf->prev = previous;
    if (previous != nullptr) {
      previous->next = leaf.get();
    }
    previous = leaf.get();
    level.emplace_back(handles[start], std::move(leaf));
  }
  while (level.size() > 1) {
    std::vector<std::pair<EntryHandle, std::unique_ptr<Node>>> above;
    for (size_t start = 0; start < level.size(); start += kInnerSlots) {
      auto inner = NewInner();
      const size_t count = std::min(kInnerSlots, level.size() - start);
      for (size_t i = 0; i < count; ++i) {
        inner->separators[i] = level[start + i].first;
        inner->sizes[i] = Total(*level[start + i].second);
        inner->children[i] = std::move(level[start + i].second);
      }
      inner->count = static_cast<uint32_t>(count);
      above.emplace_back(level[start].first, std::move(inner));
    }
    level = std::move(above);
  }
  root_ = std::move(level[0].second);
}

size_t KeyIndex::CountFrom(const EntryArena& arena, std::string_view from) const {
  if (root_ == nullptr) {
    return 0;
  }
  Path path;
  const Leaf* leaf = Descend(arena, from, &path);
  size_t count = leaf->count - LowerBound(arena, *leaf, from);
  for (size_t level = 0; level < path.depth; ++level) {
    const Step& step = path.steps[level];
    for (size_t i = step.child + 1; i < step.node->count; ++i) {
      count += step.node->sizes[i];
    }
  }
  return count;
}

size_t KeyIndex::CountWithPrefix(const EntryArena& arena, std::string_view prefix) const {
  // The first string after every string that starts with prefix: drop trailing 0xFF bytes,
  // then increment the last byte (none left: the range runs to the end).
  std::string end(prefix);
  while (!end.empty() && static_cast<unsigned char>(end.back()) == 0xFF) {
    end.pop_back();
  }
  const size_t from = CountFrom(arena, prefix);
  if (end.empty()) {
    return from;
  }
  end.back() = static_cast<char>(static_cast<unsigned char>(end.back()) + 1);
  return from - CountFrom(arena, end);
}

bool KeyIndex::CheckInvariants(const EntryArena& arena) const {
  if (root_ == nullptr) {
    return size_ == 0 && leaves_ == 0;
  }
  size_t counted = 0;
  size_t leaves = 0;
  bool ok = true;
  // Depth-first, left to right: leaves come in order, so their links can be checked too.
  struct Frame {
    const Node* node;
    EntryHandle minimum;
  };
  std::vector<Frame> stack{{root_.get(), 0}};
  const Leaf* last_leaf = nullptr;
  std::string_view last_key;
  bool have_last = false;
  while (!stack.empty() && ok) {
    const Frame frame = stack.back();
    stack.pop_back();
    if (frame.node->count == 0) {
      return false;
    }
    if (frame.node->leaf) {
      const auto* leaf = static_cast<const Leaf*>(frame.node);
      ++leaves;
      if (leaf->prev != last_leaf || (last_leaf != nullptr && last_leaf->next != leaf)) {
        return false;
      }
      if (frame.minimum != 0 && leaf->slots[0] != frame.minimum) {
        return false;
      }
      for (size_t i = 0; i < leaf->count; ++i) {
        const std::string_view key = KeyOf(arena, leaf->slots[i]);
        if (have_last && !(last_key < key)) {
          return false;
        }
        last_key = key;
        have_last = true;
      }
      counted += leaf->count;
      last_leaf = leaf;
      continue;
    }
    const auto* inner = static_cast<const Inner*>(frame.node);
    if (frame.minimum != 0 && inner->separators[0] != frame.minimum) {
      return false;
    }
    for (size_t i = inner->count; i > 0; --i) {
      if (inner->sizes[i - 1] != Total(*inner->children[i - 1]) || inner->sizes[i - 1] == 0) {
        return false;
      }
      stack.push_back({inner->children[i - 1].get(), inner->separators[i - 1]});
    }
  }
  return ok && last_leaf != nullptr && last_leaf->next == nullptr && counted == size_ &&
         leaves == leaves_;
}

}  // namespace cachette::store
