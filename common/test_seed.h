// The seed of a randomized test or benchmark: an environment variable when set, else a fixed
// value, so that a failure names the seed that replays it (RoutingKit, OSRM random_seed.hpp).
#pragma once

#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <string_view>

namespace waybill {

/// $`variable` when it is set, else `fallback`. Throws std::invalid_argument when it is set to
/// anything but an unsigned integer.
inline std::uint64_t seed_from_env(const char* variable = "WAYBILL_TEST_SEED",
                                   std::uint64_t fallback = 20261125) {
  const char* env = std::getenv(variable);
  if (env == nullptr || *env == '\0') return fallback;
  const std::string_view text(env);
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) {
    throw std::invalid_argument(std::string(variable) + "='" + env +
                                "' is not an unsigned integer");
  }
  return value;
}

/// "seed N (replay with VARIABLE=N)", for failure messages.
inline std::string seed_trace(std::uint64_t seed, const char* variable = "WAYBILL_TEST_SEED") {
  return "seed " + std::to_string(seed) + " (replay with " + variable + "=" +
         std::to_string(seed) + ")";
}

}  // namespace waybill
