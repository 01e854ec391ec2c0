// A depot's fleet for `waybill plan`: one CSV row per depot, with its vans' number, capacities
// and shift. Header required; columns in any order:
//
//   depot,vehicles,capacity_kg,capacity_parcels,shift_start,shift_end[,max_stops]
//
// `depot` is the depot's node id; a coordinate-form batch gives `depot_lat,depot_lon` in its
// place. Shift times are ISO 8601, or a time of day (`08:00`, `17:30:00`) on the batch's day
// (the date of its --depart-at), UTC.
#pragma once

#include <cstdint>
#include <istream>
#include <optional>
#include <string>
#include <vector>

#include "planner/formats/benchmark_files.h"

namespace waybill::planner::formats {

/// One depot's fleet. Times are seconds since the Unix epoch.
struct FleetRow {
  std::size_t line = 0;               ///< in the file (the header is line 1)
  std::optional<std::int64_t> depot;  ///< node id
  std::optional<double> depot_lat, depot_lon;
  int vehicles = 0;
  std::int64_t capacity_kg = 0;
  std::int64_t capacity_parcels = 0;
  std::int64_t shift_start = 0;
  std::int64_t shift_end = 0;
  std::optional<int> max_stops;
};

/// Reads a fleet file. `day_start` (seconds since the epoch of the batch day's midnight, UTC)
/// places times of day; without it, times of day are refused. Throws FormatError naming the
/// file, line and column: "fleet.csv line 3: capacity_kg: -5 is negative". A depot listed twice
/// is an error.
std::vector<FleetRow> read_fleet(std::istream& in, const std::string& name,
                                 std::optional<std::int64_t> day_start);

}  // namespace waybill::planner::formats
