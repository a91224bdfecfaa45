#include "cachette/store/prefix_counts.h"

#include <algorithm>
#include <bit>
#include <cstring>

#include "cachette/util/hash.h"

namespace cachette::store {

std::string_view KeyPrefix(std::string_view key, const PrefixRule& rule) {
  const char* begin = key.data();
  const char* end = begin + key.size();
  const char* at = begin;
  for (size_t segment = 0; segment < rule.segments; ++segment) {
    const void* found = std::memchr(at, rule.separator, static_cast<size_t>(end - at));
    if (found == nullptr) {
      return key;
    }
    at = static_cast<const char*>(found);
    if (segment + 1 < rule.segments) {
      ++at;
    }
  }
  return std::string_view(begin, static_cast<size_t>(at - begin));
}

PrefixCounts::PrefixCounts(PrefixRule rule, size_t capacity)
    : rule_(rule), capacity_(std::max<size_t>(capacity, 1)) {
  rule_.segments = std::max<size_t>(rule_.segments, 1);
}

int64_t PrefixCounts::Find(std::string_view prefix, uint64_t hash) {
  if (index_.empty()) {
    return -1;
  }
  const size_t mask = index_.size() - 1;
  for (size_t i = hash & mask;; i = (i + 1) & mask) {
    const uint32_t slot = index_[i];
    if (slot == 0) {
      return -1;
    }
    const Row& row = rows_[slot - 1];
    if (row.hash == hash && row.prefix == prefix) {
      last_row_ = &rows_[slot - 1];
      return slot - 1;
    }
  }
}

void PrefixCounts::IndexInsert(uint32_t row, uint64_t hash) {
  if (index_.empty()) {
    index_.assign(std::bit_ceil(capacity_ * 2), 0);
  }
  const size_t mask = index_.size() - 1;
  size_t i = hash & mask;
  while (index_[i] != 0) {
    i = (i + 1) & mask;
  }
  index_[i] = row + 1;
}

void PrefixCounts::IndexErase(uint64_t hash, uint32_t row) {
  const size_t mask = index_.size() - 1;
  size_t hole = hash & mask;
  while (index_[hole] != row + 1) {
    hole = (hole + 1) & mask;
  }
  // Backward-shift deletion: move later entries of the cluster into the hole when their home
  // position allows it, so no tombstones are needed.
  for (size_t next = (hole + 1) & mask; index_[next] != 0; next = (next + 1) & mask) {
    const size_t home = rows_[index_[next] - 1].hash & mask;
    // `next` may fill `hole` unless its home lies cyclically in (hole, next].
    const bool home_after_hole =
        hole <= next ? (home > hole && home <= next) : (home > hole || home <= next);
    if (!home_after_hole) {
      index_[hole] = index_[next];
      hole = next;
    }
  }
  index_[hole] = 0;
}

namespace {
constexpr size_t kPendingCounters = 256;
}  // namespace

PrefixCounts::Row* PrefixCounts::TakeSlow(std::string_view key) {
  const std::string_view prefix = KeyPrefix(key, rule_);
  const uint64_t hash = util::HashBytes(prefix);
  const int64_t found = Find(prefix, hash);
  if (found >= 0) {
    Row& row = rows_[static_cast<size_t>(found)];
    ++row.weight;
    return &row;
  }
  if (rows_.size() < capacity_) {
    const auto separators =
        static_cast<size_t>(std::count(prefix.begin(), prefix.end(), rule_.separator));
    rows_.push_back(Row{hash, 1, {}, std::string(prefix), separators + 1 == rule_.segments});
    IndexInsert(static_cast<uint32_t>(rows_.size() - 1), hash);
    least_weight_ = 0;
    last_row_ = &rows_.back();  // rows_ may have moved: the only pointer kept is this one
    return last_row_;
  }
  return Admit(prefix, hash);
}

PrefixCounts::Row* PrefixCounts::Admit(std::string_view prefix, uint64_t hash) {
  if (pending_.empty()) {
    pending_.assign(kPendingCounters, 0);
  }
  // The high bits: the index uses the low ones.
  uint32_t& pending = pending_[(hash >> 56) % kPendingCounters];
  ++pending;
  if (pending <= least_weight_) {
    return nullptr;
  }
  size_t victim = 0;
  for (size_t i = 1; i < rows_.size(); ++i) {
    if (rows_[i].weight < rows_[victim].weight) {
      victim = i;
    }
  }
  least_weight_ = rows_[victim].weight;
  if (pending <= least_weight_) {
    return nullptr;
  }
  Row& row = rows_[victim];
  IndexErase(row.hash, static_cast<uint32_t>(victim));
  other_.Add(row.figures);
  row.figures = {};
  row.hash = hash;
  row.prefix.assign(prefix);
  row.complete =
      static_cast<size_t>(std::count(prefix.begin(), prefix.end(), rule_.separator)) + 1 ==
      rule_.segments;
  row.weight = pending;
  pending = 0;
  IndexInsert(static_cast<uint32_t>(victim), hash);
  last_row_ = &row;
  return &row;
}

PrefixCounts::Row* PrefixCounts::FindRow(std::string_view key) {
  const std::string_view prefix = KeyPrefix(key, rule_);
  const int64_t found = Find(prefix, util::HashBytes(prefix));
  return found >= 0 ? &rows_[static_cast<size_t>(found)] : nullptr;
}

void PrefixCounts::RemoveFrom(Row* row, int64_t bytes) {
  int64_t keys = 1;
  if (row != nullptr) {
    PrefixFigures& figures = row->figures;
    // Keys that came while the prefix was folded into `other` are taken from it once the row
    // has nothing left, so neither goes below zero.
    const int64_t from_row = std::min(bytes, figures.memory);
    figures.memory -= from_row;
    bytes -= from_row;
    if (figures.keys > 0) {
      --figures.keys;
      keys = 0;
    }
  }
  other_.keys -= keys;
  other_.memory -= bytes;
}

template <typename Keep>
void PrefixCounts::Retain(Keep&& keep) {
  std::erase_if(rows_, [&](const Row& row) { return !keep(row); });
  last_row_ = nullptr;
  std::fill(index_.begin(), index_.end(), 0);
  for (size_t i = 0; i < rows_.size(); ++i) {
    IndexInsert(static_cast<uint32_t>(i), rows_[i].hash);
  }
}

void PrefixCounts::ResetCounters() {
  for (Row& row : rows_) {
    // The events are forgotten; the live keys stand in for them, so a row holding many keys
    // is not the first a newcomer displaces.
    row.weight = static_cast<uint64_t>(std::max<int64_t>(row.figures.keys, 0));
    row.figures.hits = row.figures.misses = row.figures.writes = 0;
  }
  other_.hits = other_.misses = other_.writes = 0;
  std::fill(pending_.begin(), pending_.end(), 0);
  least_weight_ = 0;
  Retain([](const Row& row) { return row.figures.keys != 0 || row.figures.memory != 0; });
}

void PrefixCounts::ForgetAllKeys() {
  for (Row& row : rows_) {
    row.figures.keys = 0;
    row.figures.memory = 0;
  }
  other_.keys = other_.memory = 0;
  least_weight_ = 0;
  Retain([](const Row& row) {
    return row.figures.hits != 0 || row.figures.misses != 0 || row.figures.writes != 0;
  });
}

void PrefixCounts::Collect(std::vector<PrefixRow>* rows, PrefixFigures* other) const {
  for (const Row& row : rows_) {
    rows->push_back(PrefixRow{row.prefix, row.figures, row.weight});
  }
  other->Add(other_);
}

}  // namespace cachette::store
