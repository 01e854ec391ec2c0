// The fields of the CLI's text lines, read and written the same way by every command: node ids,
// degrees, metres.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace waybill::cli {

/// `s` without leading and trailing blanks (and a trailing carriage return).
std::string_view trim(std::string_view s);

/// A whole integer field (blanks around it allowed): a node id.
std::optional<std::int64_t> parse_id(std::string_view s);

/// A whole finite number field (blanks around it allowed): degrees.
std::optional<double> parse_degrees(std::string_view s);

/// Millimetres as metres with three decimals, exactly, appended to `out`: "1234.567"; nothing
/// for -1 (unknown).
void append_metres(std::string& out, std::int64_t mm);

}  // namespace waybill::cli
