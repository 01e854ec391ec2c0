// The vehicle-routing problem the planner solves: jobs to deliver, vehicles to deliver them, and
// the travel between their locations given as data (planner/travel_matrix.h). Plain values: the
// planner copies nothing it does not need and keeps no reference after solve() returns.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "planner/travel_matrix.h"

namespace waybill::planner {

/// A time in the matrix's time unit (seconds for VROOM input, tenths for Solomon files).
using Time = std::int64_t;
/// An amount in one capacity dimension (kg, parcels, ...).
using Amount = std::int64_t;

/// The latest time the planner can represent; an open window ends here.
inline constexpr Time kTimeMax = std::int64_t{1} << 50;
/// At most this many capacity dimensions (one more is used internally for max_stops).
inline constexpr int kMaxDimensions = 3;

/// A closed interval [start, end] in which service may start (or a vehicle may work).
struct TimeWindow {
  Time start = 0;
  Time end = kTimeMax;
};

/// One delivery: served once, by one vehicle, or reported unassigned with a reason.
struct Job {
  std::int64_t id = 0;              ///< The caller's id, echoed in the solution.
  std::size_t location = 0;         ///< Index into the matrices.
  std::vector<Amount> amounts;      ///< One per dimension (empty: nothing to carry).
  Time service = 0;                 ///< Time spent at the stop.
  std::vector<TimeWindow> windows;  ///< When service may start; empty: any time.
  int priority = 0;                 ///< 0..100; when not every job fits, higher ones stay.
  /// The caller could not place its address on the road network: it is reported unassigned
  /// (UnassignedReason::unsnappable) and its location's matrix cells are not read.
  bool unsnappable = false;
};

/// One vehicle, used for at most one tour.
struct Vehicle {
  std::int64_t id = 0;                ///< The caller's id, echoed in the solution.
  std::optional<std::size_t> start;   ///< Where the tour starts; none: at its first job.
  std::optional<std::size_t> end;     ///< Where it ends; none: open end, at its last job.
  std::vector<Amount> capacity;       ///< One per dimension, as many as the jobs' amounts.
  TimeWindow shift;                   ///< Leaves the start and reaches the end inside it.
  std::optional<int> max_stops;       ///< At most this many jobs on the tour.
};

/// A whole problem. `durations` is required; the cost minimised is `costs` when given, else
/// the durations. `distances`, when given, are only reported.
struct Problem {
  std::vector<Job> jobs;
  std::vector<Vehicle> vehicles;
  TravelMatrix durations;
  std::optional<TravelMatrix> costs;
  std::optional<TravelMatrix> distances;
  /// Optional sparse neighbourhood, per job: indices of the jobs nearest to it (k nearest by
  /// road, say). Large problems whose matrix is not dense and has no points need it; otherwise
  /// the planner computes one from the matrix or the points.
  std::vector<std::vector<std::size_t>> neighbours;
  /// Optional, one per matrix location: coordinates used only for geometry (the polar sectors
  /// of SWAP* and of the decomposition), never for costs. A Euclidean matrix brings its own.
  std::vector<Point> points;

  /// Number of capacity dimensions (that of the first vehicle, 0 without vehicles).
  int dimensions() const {
    return vehicles.empty() ? 0 : static_cast<int>(vehicles.front().capacity.size());
  }
  /// Every problem, one message each, naming the field and position
  /// ("jobs[3].location: 12 is outside the 10 x 10 matrix"). Empty when the problem is valid.
  std::vector<std::string> validate() const;
};

}  // namespace waybill::planner
