// From the search's routes to the Solution the caller gets: a route still over capacity or late
// (when the search found no feasible plan in time, or the fleet is too small) loses clients,
// the least urgent first, until it is feasible; clients without a route are then put back
// wherever they fit at least cost, the most urgent first; what remains is reported as "no
// vehicle left". Times, loads and costs are computed from the problem's own matrices.
#pragma once

#include <vector>

#include "planner/detail/model.h"
#include "planner/solution.h"

namespace waybill::planner::detail {

/// `routes`: clients per vehicle of `model` (the top-level model of `problem`); `unassigned`:
/// the jobs found unservable before the search.
Solution make_solution(const Problem& problem, const Model& model,
                       std::vector<std::vector<int>> routes, std::vector<Unassigned> unassigned);

}  // namespace waybill::planner::detail
