#include "cli/text_fields.h"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace waybill::cli {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

std::optional<std::int64_t> parse_id(std::string_view s) {
  s = trim(s);
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

std::optional<double> parse_degrees(std::string_view s) {
  s = trim(s);
  double v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty() || !std::isfinite(v)) {
    return std::nullopt;
  }
  return v;
}

void append_metres(std::string& out, std::int64_t mm) {
  if (mm < 0) return;
  char buffer[32];
  const int n = std::snprintf(buffer, sizeof buffer, "%lld.%03lld",
                              static_cast<long long>(mm / 1000), static_cast<long long>(mm % 1000));
  out.append(buffer, static_cast<std::size_t>(n));
}

}  // namespace waybill::cli
