// ISO 8601 times as batch files and options write them, read with absl::ParseTime.
#pragma once

#include <optional>
#include <string_view>

#include <absl/time/time.h>

namespace waybill {

/// Parses YYYY-MM-DD[THH:MM[:SS][Z|+HH:MM|-HH:MM]]: a real calendar date in years 0001-9999,
/// seconds up to 59 and offsets up to 15:59, so that PostgreSQL's timestamptz input accepts every
/// value that parses. A time without an offset is a time in `zone`; a date alone is its midnight.
std::optional<absl::Time> parse_iso8601(std::string_view text,
                                        absl::TimeZone zone = absl::UTCTimeZone());

/// Whether parse_iso8601 accepts `text`.
inline bool valid_iso8601(std::string_view text) { return parse_iso8601(text).has_value(); }

}  // namespace waybill
