// Origins as the keys BatchParser counts a stretch's jobs by (see BatchParser::depots()): node
// ids as they are, points as one 64-bit key. Included only by the batch parser's .cpp files.
#pragma once

#include <cstdint>

#include "schema/messages.h"

namespace waybill::dispatcher::detail {

/// A coordinate as one 64-bit key (microdegrees, latitude high), to count a depot's jobs.
std::int64_t point_key(const wire::LatLon& p);

/// The point a key of point_key() stands for, in degrees (whole microdegrees).
wire::LatLon point_of(std::int64_t key);

}  // namespace waybill::dispatcher::detail
