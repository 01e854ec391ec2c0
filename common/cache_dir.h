// The folder a user's Waybill programs keep what they derive and may reuse: graphs fetched from
// the dispatcher, contraction hierarchies, shared shortest-path trees.
#pragma once

#include <filesystem>

namespace waybill {

/// $XDG_CACHE_HOME/waybill, else ~/.cache/waybill; empty when neither variable is set.
std::filesystem::path default_cache_dir();

}  // namespace waybill
