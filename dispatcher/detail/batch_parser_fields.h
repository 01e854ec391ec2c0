// The field rules of BatchParser: values checked and converted, the text of a reason quoting
// one, and the raw text of a rejected line. Included only by the batch parser's .cpp files.
#pragma once

#include <charconv>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

namespace waybill::dispatcher::detail {

/// The first kMaxRawBytes bytes of a rejected line, made safe for a PostgreSQL text column:
/// a NUL byte becomes the two characters "\0" and each byte of an ill-formed UTF-8 sequence
/// becomes the four characters "\xNN" (upper-case hex), so the operator still sees the byte
/// values (U+FFFD would hide them). When the line is cut (`truncated`: it was cut before it got
/// here), a character that the cut splits is dropped rather than escaped. The result is at most
/// 4 * kMaxRawBytes bytes.
std::string safe_raw(std::string_view line, bool truncated);

/// A field value quoted in a reason: at most 40 bytes (cut at a character boundary; the line is
/// valid UTF-8 by then), then "..." when it was longer.
std::string quoted(std::string_view value);

/// Parses a whole field as an integer; a reason ("bad origin: ...") when it is not one.
template <typename Int>
std::optional<std::string> parse_integer(std::string_view name, std::string_view text, Int& out) {
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, out);
  if (ec == std::errc::result_out_of_range && ptr == end) {
    return "bad " + std::string(name) + ": out of range: " + quoted(text);
  }
  if (ec != std::errc() || ptr != end || text.empty()) {
    return "bad " + std::string(name) + ": not an integer: " + quoted(text);
  }
  return std::nullopt;
}

/// A finite, non-negative decimal number (std::from_chars: no leading '+', no hex).
std::optional<double> parse_weight(std::string_view text);

/// A latitude (limit 90) or longitude (limit 180) in degrees; a reason when it is not one.
std::optional<std::string> parse_degrees(std::string_view name, std::string_view text,
                                         double limit, double& out);

}  // namespace waybill::dispatcher::detail
