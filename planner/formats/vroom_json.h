// VROOM's JSON, in and out, so that users of VROOM keep their files and their consumers: a
// problem (jobs, vehicles, a matrix or coordinates) read into a Problem, and a Solution written
// as VROOM writes its output (code, summary, unassigned, routes with steps).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "planner/formats/benchmark_files.h"
#include "planner/problem.h"
#include "planner/solution.h"

namespace waybill::planner::formats {

/// A coordinate as VROOM writes it: [lon, lat].
struct LonLat {
  double lon = 0;
  double lat = 0;
  friend bool operator==(const LonLat&, const LonLat&) = default;
};

/// A problem read from VROOM's JSON, and what writing its answer back needs.
struct VroomProblem {
  /// Without a matrix in the input, `problem.durations` is empty and `coordinates` holds every
  /// location: the caller fills the matrices (from the road network) before solving.
  Problem problem;
  /// Per location: the coordinate it was given with, if any.
  std::vector<std::optional<LonLat>> coordinates;
  /// Per location: the matrix index it was given with, if any.
  std::vector<std::optional<std::size_t>> indices;
  /// Per job and per vehicle: the `description`, echoed in the output.
  std::vector<std::string> job_descriptions, vehicle_descriptions;
  /// The input had no matrix: the locations are coordinates only.
  bool needs_matrix() const { return problem.durations.size() == 0; }
};

/// Reads VROOM's input format: `jobs` (id, location or location_index, delivery (or the older
/// amount), service, time_windows, priority, description), `vehicles` (id, start/end or
/// start_index/end_index, capacity, time_window, max_tasks, profile, description) and
/// `matrices.PROFILE.durations` (and `distances`, `costs`), or the older `matrix`. Parts this
/// planner does not model (shipments, pickups, skills, breaks, setup times, ...) are refused, not
/// ignored. Throws FormatError naming the field and position ("jobs[3].location_index: 12 is
/// outside the 10 x 10 matrix").
VroomProblem read_vroom(const nlohmann::json& input);
/// The same from text; a JSON syntax error names its byte offset. `name` prefixes messages.
VroomProblem read_vroom(const std::string& text, const std::string& name);

/// Timings for the output's `computing_times`, in milliseconds.
struct ComputingTimes {
  long loading_ms = 0;
  long solving_ms = 0;
  long routing_ms = 0;
};

/// `solution` in VROOM's output format. `problem` is the problem solved; `input` says how its
/// locations were given (coordinates, indices) and the descriptions, and may be null for a
/// problem that did not come from JSON (then locations are written as `location_index`).
/// Unassigned jobs carry, beside VROOM's fields, a `reason` (solution.h's names).
nlohmann::ordered_json write_vroom(const Problem& problem, const Solution& solution,
                           const VroomProblem* input, const ComputingTimes& times);

}  // namespace waybill::planner::formats
