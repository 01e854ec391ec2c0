// Bytes as lower-case hex digits, for hashes and ZeroMQ routing ids in logs.
#pragma once

#include <string>
#include <string_view>

namespace waybill {

/// Two lower-case hex digits per byte of `bytes`.
std::string hex_lower(std::string_view bytes);

/// Whether `text` is exactly `digits` lower-case hex digits (a sha256 is 64).
bool is_hex_lower(std::string_view text, std::size_t digits);

}  // namespace waybill
