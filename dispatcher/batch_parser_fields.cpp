// Field rules of the batch parser (see detail/batch_parser_fields.h).
#include "dispatcher/detail/batch_parser_fields.h"

#include <boost/algorithm/hex.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <iterator>
#include <string>
#include <string_view>

#include "common/utf8.h"
#include "dispatcher/batch_parser.h"
#include "dispatcher/rows.h"

namespace waybill::dispatcher::detail {
namespace {

bool is_continuation(unsigned char c) { return (c & 0xC0) == 0x80; }

}  // namespace

// ---- rejected lines -------------------------------------------------------------------------

std::string safe_raw(std::string_view line, bool truncated) {
  std::size_t cut = std::min(line.size(), BatchParser::kMaxRawBytes);
  if (truncated || cut < line.size()) {
    std::size_t lead = cut;
    for (int back = 0; back < 3 && lead > 0 && is_continuation(line[lead - 1]); ++back) --lead;
    if (lead > 0) {
      --lead;
      const auto c = static_cast<unsigned char>(line[lead]);
      const std::size_t need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
      if (need > cut - lead) cut = lead;
    }
  }
  const auto* p = reinterpret_cast<const unsigned char*>(line.data());
  std::string out;
  out.reserve(cut);
  for (std::size_t i = 0; i < cut;) {
    if (p[i] == 0) {
      out += "\\0";
      ++i;
      continue;
    }
    const std::size_t len = utf8_sequence_length(std::string_view(line.data() + i, cut - i));
    if (len == 0) {
      out += "\\x";
      boost::algorithm::hex(line.begin() + i, line.begin() + i + 1, std::back_inserter(out));
      ++i;
      continue;
    }
    out.append(line.data() + i, len);
    i += len;
  }
  return out;
}

std::string quoted(std::string_view value) {
  constexpr std::size_t kMax = 40;
  std::string out = "'";
  if (value.size() <= kMax) {
    out += value;
  } else {
    std::size_t cut = kMax;
    while (cut > 0 && is_continuation(value[cut])) --cut;
    out += value.substr(0, cut);
    out += "...";
  }
  out += '\'';
  return out;
}

// ---- field values ---------------------------------------------------------------------------

std::optional<double> parse_weight(std::string_view text) {
  double value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end || !std::isfinite(value) || value < 0) return std::nullopt;
  return value == 0 ? 0.0 : value;  // "-0" is stored as 0
}

std::optional<std::string> parse_degrees(std::string_view name, std::string_view text,
                                         double limit, double& out) {
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, out);
  if (ec != std::errc() || ptr != end || text.empty() || !std::isfinite(out)) {
    return "bad " + std::string(name) + ": not a number: " + quoted(text);
  }
  if (out < -limit || out > limit) {
    return "bad " + std::string(name) + ": out of range: " + quoted(text) + " (-" +
           std::to_string(static_cast<int>(limit)) + ".." + std::to_string(static_cast<int>(limit)) +
           ")";
  }
  out = from_degrees_e7(degrees_e7(out));  // what the jobs table keeps; "-0" becomes 0
  return std::nullopt;
}

}  // namespace waybill::dispatcher::detail
