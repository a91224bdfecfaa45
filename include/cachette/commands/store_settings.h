#pragma once

// The store's memory limit and eviction settings follow the directives of the same names
// (maxmemory, maxmemory-policy, maxmemory-samples, lfu-log-factor, lfu-decay-time), and its
// figures per key prefix the prefix-stats directives: applied once now and again whenever
// CONFIG SET changes one of them.

namespace cachette::config {
class Config;
}
namespace cachette::store {
class Store;
}

namespace cachette::commands {

// `store` must outlive `config`'s hooks (the server's lifetime).
void BindStoreSettings(config::Config& config, store::Store& store);

}  // namespace cachette::commands
