#pragma once

// The figures per key prefix as readers see them (INFO prefixes, PREFIXSTATS): the hit ratio,
// the orders a client may ask for, and the INFO line of a prefix. The figures themselves are
// counted by the store (store/prefix_counts.h) and summed by Store::CollectPrefixStats.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cachette/store/prefix_counts.h"

namespace cachette::stats {

// hits / (hits + misses); 0 when the prefix had no lookup.
double HitRatio(const store::PrefixFigures& figures);

enum class PrefixOrder {
  kReads,  // the default: hits + misses, then writes, most first
  kHits,
  kMisses,
  kHitRatio,
  kWrites,
  kKeys,
  kMemory,
  kPrefix,
};

// "hits", "misses", "hit_ratio", "writes", "keys", "memory", "prefix" (any case).
std::optional<PrefixOrder> ParsePrefixOrder(std::string_view name);

// Sorts rows by `order` (ties: by prefix, ascending); `descending` reverses the figure order
// (not the tie-break).
void SortPrefixRows(std::vector<store::PrefixRow>* rows, PrefixOrder order, bool descending);

// A prefix as INFO shows it: bytes outside printable ASCII, '\\', ',' and '=' escaped
// (\n \r \t \a \b \\ and \xHH), so that a line stays one line of comma-separated field=value.
std::string EscapePrefix(std::string_view prefix);

// INFO's lines for the prefixes section, one per row in the given order then `other` when it
// holds anything: "prefix<i>:name=<escaped>,hits=..,misses=..,hit_ratio=<%.4f>,writes=..,
// keys=..,memory=..\r\n".
void RenderPrefixLines(const std::vector<store::PrefixRow>& rows, const store::PrefixFigures& other,
                       std::string* out);

// True when `other` holds anything to show.
bool HasFigures(const store::PrefixFigures& figures);

}  // namespace cachette::stats
