// What the planner returns: one tour per vehicle used, each stop with its times and load, and
// the jobs it could not serve with the reason why.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "planner/problem.h"

namespace waybill::planner {

/// Why a job is not on any tour.
enum class UnassignedReason {
  too_heavy,           ///< Its amounts exceed the capacity of every vehicle (or max_stops is 0).
  unreachable,         ///< No vehicle can travel to it and back (the matrix says unreachable).
  unsnappable,         ///< Its address is on no road (Job::unsnappable).
  window_unreachable,  ///< No vehicle can reach it within its time windows and shift.
  no_vehicle_left,     ///< It fits alone, but not beside the others: the fleet is full.
};

/// "too heavy for every vehicle", ...
std::string_view describe(UnassignedReason reason);
/// "too_heavy", ... (the name written in JSON output).
std::string_view name(UnassignedReason reason);

/// One job served.
struct Stop {
  std::size_t job = 0;   ///< Index into Problem::jobs.
  Time arrival = 0;      ///< When the vehicle arrives.
  Time start = 0;        ///< When service starts (arrival + waiting).
  Time departure = 0;    ///< start + service.
  Time waiting = 0;      ///< start - arrival.
  std::vector<Amount> load;  ///< On board after the stop (deliveries left), per dimension.
};

/// One vehicle's tour.
struct Tour {
  std::size_t vehicle = 0;   ///< Index into Problem::vehicles.
  Time departure = 0;        ///< Leaves its start.
  Time arrival = 0;          ///< Reaches its end (or finishes its last job, for an open end).
  std::vector<Amount> load;  ///< On board when leaving the start.
  std::vector<Stop> stops;
  Cost cost = 0;             ///< Sum of the cost matrix over its legs.
  Cost duration = 0;         ///< Sum of travel times over its legs.
  Cost distance = 0;         ///< Sum of Problem::distances over its legs (0 without them).
  Time service = 0;          ///< Sum of its stops' service times.
  Time waiting = 0;          ///< Sum of its stops' waiting.
};

struct Unassigned {
  std::size_t job = 0;  ///< Index into Problem::jobs.
  UnassignedReason reason = UnassignedReason::no_vehicle_left;
};

/// A plan: every job is in exactly one tour or in `unassigned`.
struct Solution {
  std::vector<Tour> tours;
  std::vector<Unassigned> unassigned;
  Cost cost = 0;                 ///< Sum of the tours' costs.
  double solve_seconds = 0;      ///< Time spent in solve().
  std::uint64_t iterations = 0;  ///< Offspring generated, over all threads.
};

}  // namespace waybill::planner
