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
}  // namespace

void BindStoreSettings(config::Config& config, store::Store& store) {
  Apply(config, store);
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
