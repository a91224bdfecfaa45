#include "cachette/commands/store_settings.h"

#include <optional>
#include <string>

#include "cachette/config/config.h"
#include "cachette/store/store.h"

namespace cachette::commands {

namespace {
void Apply(const config::Config& config, store::Store& store) {
  using config::Id;
  store.SetEvictionPolicy(store::ParseEvictionPolicy(config.Get(Id::kMaxmemoryPolicy))
                              .value_or(store::EvictionPolicy::kNoEviction));
  store.SetEvictionSamples(config.Int(Id::kMaxmemorySamples));
  store.SetLfuParameters(config.Int(Id::kLfuLogFactor), config.Int(Id::kLfuDecayTime));
  store.SetMaxMemory(config.Int(Id::kMaxmemory));
}

void ApplyPrefixStats(const config::Config& config, store::Store& store) {
  using config::Id;
  store::PrefixStatsConfig prefixes;
  prefixes.enabled = config.Bool(Id::kPrefixStats);
  prefixes.rule.segments = static_cast<size_t>(config.Int(Id::kPrefixStatsSegments));
  const std::string separator = config.String(Id::kPrefixStatsSeparator);
  prefixes.rule.separator = separator.size() == 1 ? separator[0] : ':';
  prefixes.capacity = static_cast<size_t>(config.Int(Id::kPrefixStatsMaxPrefixes));
  store.ConfigurePrefixStats(prefixes);
}
}  // namespace

void BindStoreSettings(config::Config& config, store::Store& store) {
  Apply(config, store);
  ApplyPrefixStats(config, store);
  for (config::Id id : {config::Id::kPrefixStats, config::Id::kPrefixStatsSegments,
                        config::Id::kPrefixStatsSeparator, config::Id::kPrefixStatsMaxPrefixes}) {
    config.SetApplyHook(id, [&store](const config::Config& updated) -> std::optional<std::string> {
      ApplyPrefixStats(updated, store);
      return std::nullopt;
    });
  }
  for (config::Id id :
       {config::Id::kMaxmemory, config::Id::kMaxmemoryPolicy, config::Id::kMaxmemorySamples,
        config::Id::kLfuLogFactor, config::Id::kLfuDecayTime}) {
    config.SetApplyHook(id, [&store](const config::Config& updated) -> std::optional<std::string> {
      Apply(updated, store);
      return std::nullopt;
    });
  }
}

}  // namespace cachette::commands
