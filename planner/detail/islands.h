// Several hybrid genetic searches in parallel, one per thread, that pass their best plans round
// a ring at fixed points: after each epoch of offspring an island takes in the best plan its
// neighbour had at the end of the previous epoch. The exchange depends only on iteration
// counts, never on timing, so the search is the same for a seed and a thread count; an island
// waits only when its neighbour is a whole epoch behind.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "planner/detail/deadline.h"
#include "planner/detail/population.h"

namespace waybill::planner::detail {

class Model;

struct IslandOptions {
  HgsParams params;
  int threads = 1;
  std::uint64_t seed = 1;
  int epoch = 100;                     ///< Offspring between exchanges.
  std::uint64_t max_iterations = 0;    ///< Per island; 0: until the deadline.
  std::vector<std::vector<std::vector<int>>> initial_plans;  ///< Routes per vehicle, each.
  std::function<void(const std::string&)> log;
};

struct IslandResult {
  std::vector<std::vector<int>> routes;  ///< Per vehicle of the model.
  bool feasible = false;
  double cost = 0;
  std::uint64_t iterations = 0;  ///< Over all islands.
};

/// Runs the islands until the deadline (or the iteration limit) and returns the best plan:
/// the cheapest feasible one, else the least penalised infeasible one.
IslandResult run_islands(const Model& model, const IslandOptions& options,
                         const Deadline& deadline);

}  // namespace waybill::planner::detail
