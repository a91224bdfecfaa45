#include "cachette/store/invalidation.h"

#include <algorithm>
#include <utility>

#include "cachette/util/glob.h"

namespace cachette::store {

InvalidationRule InvalidationRule::Prefixes(size_t db, std::vector<std::string> prefixes) {
  InvalidationRule rule;
  rule.db_ = db;
  std::sort(prefixes.begin(), prefixes.end());
  prefixes.erase(std::unique(prefixes.begin(), prefixes.end()), prefixes.end());
  // Sorted, a prefix comes right before the keys it covers: drop every prefix that an earlier
  // kept one covers, so no key is in two ranges.
  for (std::string& prefix : prefixes) {
    if (!rule.ranges_.empty() && prefix.starts_with(rule.ranges_.back())) {
      continue;
    }
    rule.ranges_.push_back(std::move(prefix));
  }
  return rule;
}

InvalidationRule InvalidationRule::Pattern(size_t db, std::string pattern) {
  InvalidationRule rule;
  rule.db_ = db;
  std::string literal = util::GlobLiteralPrefix(pattern);
  // "literal*" without escapes is a plain prefix; anything else is checked key by key.
  const bool plain_prefix =
      pattern.find('\\') == std::string::npos && pattern.size() >= 1 && pattern.back() == '*' &&
      pattern.size() - 1 == literal.size() &&
      util::GlobIsLiteral(std::string_view(pattern).substr(0, literal.size()));
  rule.check_pattern_ = !plain_prefix;
  rule.ranges_.push_back(std::move(literal));
  rule.pattern_ = std::move(pattern);
  return rule;
}

bool InvalidationRule::MatchesInRange(std::string_view key) const {
  return !check_pattern_ || util::GlobMatch(pattern_, key);
}

bool InvalidationRule::Matches(std::string_view key) const {
  for (const std::string& prefix : ranges_) {
    if (key.starts_with(prefix)) {
      return MatchesInRange(key);
    }
  }
  return false;
}

}  // namespace cachette::store
