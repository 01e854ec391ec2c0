// The matrices of a tour problem whose locations are coordinates, from the road network: each
// coordinate snapped onto the nearest road as `waybill route` snaps it, then every location to
// every other through the graph's contraction hierarchy (kept in the cache folder).
#pragma once

#include <filesystem>
#include <ostream>

#include "cli/graph_source.h"
#include "planner/formats/vroom_json.h"

namespace waybill::cli {

/// Sets input.problem's durations (seconds on a graph whose cost is a time, else the graph's
/// cost unit) and, on a graph with lengths, distances (metres). A location no road lies near
/// (within `snap_radius_m`) makes its jobs unsnappable; a pair with no route is unreachable in
/// the matrices. Throws std::runtime_error when the graph cannot be loaded or has no
/// coordinates.
void fill_road_matrices(const GraphSource& road, const std::filesystem::path& cache_dir,
                        double snap_radius_m, planner::formats::VroomProblem& input,
                        std::ostream& log);

}  // namespace waybill::cli
