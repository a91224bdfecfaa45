#pragma once

// The one way net/ includes Asio. Boost 1.74's awaitable.hpp uses std::exchange without
// including <utility>, so <utility> must come first; clang-format must not reorder them.

// clang-format off
#include <utility>
#include <boost/asio.hpp>
// clang-format on
