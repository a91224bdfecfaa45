#include "cachette/stats/prefix_stats.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>

namespace cachette::stats {

namespace {
constexpr std::array<std::pair<std::string_view, PrefixOrder>, 7> kOrders = {{
    {"hits", PrefixOrder::kHits},
    {"misses", PrefixOrder::kMisses},
    {"hit_ratio", PrefixOrder::kHitRatio},
    {"writes", PrefixOrder::kWrites},
    {"keys", PrefixOrder::kKeys},
    {"memory", PrefixOrder::kMemory},
    {"prefix", PrefixOrder::kPrefix},
}};

bool EqualsLower(std::string_view text, std::string_view lower) {
  return std::equal(text.begin(), text.end(), lower.begin(), lower.end(), [](char a, char b) {
    return (a >= 'A' && a <= 'Z' ? static_cast<char>(a + 32) : a) == b;
  });
}

void AppendLine(std::string* out, size_t index, std::string_view name,
                const store::PrefixFigures& f) {
  fmt::format_to(std::back_inserter(*out),
                 "prefix{}:name={},hits={},misses={},hit_ratio={:.4f},writes={},keys={},"
                 "memory={}\r\n",
                 index, name, f.hits, f.misses, HitRatio(f), f.writes, f.keys, f.memory);
}
}  // namespace

double HitRatio(const store::PrefixFigures& figures) {
  const uint64_t reads = figures.hits + figures.misses;
  return reads == 0 ? 0.0 : static_cast<double>(figures.hits) / static_cast<double>(reads);
}

std::optional<PrefixOrder> ParsePrefixOrder(std::string_view name) {
  for (const auto& [text, order] : kOrders) {
    if (EqualsLower(name, text)) {
      return order;
    }
  }
  return std::nullopt;
}

void SortPrefixRows(std::vector<store::PrefixRow>* rows, PrefixOrder order, bool descending) {
  // Compares the figure only: -1, 0, 1 for a before, tied with, after b in ascending order.
  auto compare = [order](const store::PrefixRow& a, const store::PrefixRow& b) -> int {
    const store::PrefixFigures& x = a.figures;
    const store::PrefixFigures& y = b.figures;
    auto cmp = [](auto p, auto q) { return p < q ? -1 : (q < p ? 1 : 0); };
    switch (order) {
      case PrefixOrder::kReads: {
        const int reads = cmp(x.hits + x.misses, y.hits + y.misses);
        return reads != 0 ? reads : cmp(x.writes, y.writes);
      }
      case PrefixOrder::kHits:
        return cmp(x.hits, y.hits);
      case PrefixOrder::kMisses:
        return cmp(x.misses, y.misses);
      case PrefixOrder::kHitRatio:
        return cmp(HitRatio(x), HitRatio(y));
      case PrefixOrder::kWrites:
        return cmp(x.writes, y.writes);
      case PrefixOrder::kKeys:
        return cmp(x.keys, y.keys);
      case PrefixOrder::kMemory:
        return cmp(x.memory, y.memory);
      case PrefixOrder::kPrefix:
        return cmp(a.prefix, b.prefix);
    }
    return 0;
  };
  std::sort(rows->begin(), rows->end(), [&](const store::PrefixRow& a, const store::PrefixRow& b) {
    const int c = compare(a, b);
    if (c != 0) {
      return descending ? c > 0 : c < 0;
    }
    return a.prefix < b.prefix;
  });
}

std::string EscapePrefix(std::string_view prefix) {
  std::string out;
  out.reserve(prefix.size());
  for (const char c : prefix) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\a':
        out += "\\a";
        break;
      case '\b':
        out += "\\b";
        break;
      default: {
        const auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20 || byte >= 0x7f || c == ',' || c == '=') {
          fmt::format_to(std::back_inserter(out), "\\x{:02x}", byte);
        } else {
          out += c;
        }
      }
    }
  }
  return out;
}

bool HasFigures(const store::PrefixFigures& f) {
  return f.hits != 0 || f.misses != 0 || f.writes != 0 || f.keys != 0 || f.memory != 0;
}

void RenderPrefixLines(const std::vector<store::PrefixRow>& rows, const store::PrefixFigures& other,
                       std::string* out) {
  size_t index = 0;
  for (const store::PrefixRow& row : rows) {
    AppendLine(out, index++, EscapePrefix(row.prefix), row.figures);
  }
  if (HasFigures(other)) {
    AppendLine(out, index, "other", other);
  }
}

}  // namespace cachette::stats
