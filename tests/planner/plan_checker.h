// An oracle for the planner's output, independent of the solver: it reads only the public
// Problem and Solution and recomputes every rule and every reported figure from the problem's
// own matrices, by the plainest walk along each tour. Nothing of planner/detail is used, so a
// bug shared by the search and its output code cannot hide here.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "planner/problem.h"
#include "planner/solution.h"

namespace waybill::planner::testing {

/// Every rule `solution` breaks and every figure it misreports, one message each ("tours[1]
/// stops[2]: service starts at 130, outside every window of job 7"); empty when the plan is
/// valid. Checked:
///  - each tour names a vehicle, each vehicle has at most one tour, and no tour is empty;
///  - each job is in exactly one tour or in `unassigned`, exactly once;
///  - load per dimension within capacity, and at most max_stops jobs;
///  - no leg is kUnreachable (in the durations or the costs);
///  - arrival = previous departure + travel, start >= arrival, start inside one of the job's
///    windows, waiting = start - arrival, departure = start + service;
///  - the tour leaves no earlier than shift.start and arrives (at its end, or finishing its
///    last job for an open end) no later than shift.end;
///  - tour and stop loads, cost, duration, distance, service and waiting as recomputed, and
///    Solution::cost the sum of the tours' costs;
///  - an unsnappable job is on no tour, and unassigned as unsnappable;
///  - each other unassigned reason is true: too_heavy, unreachable and window_unreachable jobs can
///    be served alone by no vehicle, for that reason; a no_vehicle_left job could be served
///    alone by some vehicle, and every vehicle that could is already in use.
std::vector<std::string> check_plan(const Problem& problem, const Solution& solution);

/// Whether vehicle `v` alone could serve job `j` alone: capacity, max_stops, reachability,
/// a window and the shift (leaving at shift.start, waiting allowed).
bool serves_alone(const Problem& problem, std::size_t v, std::size_t j);

/// Unassigned jobs that could be added to some tour of `solution` as it is (at some position,
/// every rule kept) or served alone by an unused vehicle: a plan that leaves such a job out is
/// valid but wasteful. One message each; empty when none.
std::vector<std::string> missed_insertions(const Problem& problem, const Solution& solution);

/// The cost of serving `jobs` in this order with vehicle `v`, leaving at shift.start and
/// waiting where a window needs it; -1 when a rule is broken. The reference for brute force.
Cost route_cost(const Problem& problem, std::size_t v, const std::vector<std::size_t>& jobs);

/// "tours[0] stops[1]: ..."-style list as one string, one message a line, for a failure.
std::string join_lines(const std::vector<std::string>& lines);

}  // namespace waybill::planner::testing
