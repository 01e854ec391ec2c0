// Google's encoded polyline format: a path's coordinates as one short ASCII string, the way
// OSRM and most map front ends exchange route geometry.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "router/types.h"

namespace waybill::router {

/// Encodes `points` (latitude first in each pair, as the format wants) with `precision` decimal
/// digits: 5 is Google's default, 6 is OSRM's and loses nothing of our microdegrees.
/// Precondition: 0 <= precision <= 6.
std::string encode_polyline(const std::vector<Coordinate>& points, int precision = 6);

/// The inverse of encode_polyline, or nothing when `text` is not a polyline (a character
/// outside '?'..'~', a value cut short, an odd number of values, or a coordinate that does not
/// fit in microdegrees). Precondition: 0 <= precision <= 6.
std::optional<std::vector<Coordinate>> decode_polyline(std::string_view text, int precision = 6);

}  // namespace waybill::router
