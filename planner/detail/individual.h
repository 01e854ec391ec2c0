// A plan in the population: its routes (one per vehicle, possibly empty), its giant tour (the
// routes concatenated in polar order, what crossover works on), its cost and infeasibility, and
// the distances to its closest fellows that the diversity measure needs.
#pragma once

#include <span>
#include <vector>

#include "planner/detail/model.h"

namespace waybill::planner::detail {

/// Cost per unit of load excess and per unit of time warp.
struct Penalties {
  double load = 1;
  double time_warp = 1;
};

/// One route's figures.
struct RouteEval {
  double cost = 0;
  Load load;
  double excess = 0;  ///< Model::excess of the load.
  Time time_warp = 0;
};

/// Evaluates the clients `route` driven by vehicle `v`.
RouteEval evaluate_route(const Model& model, int v, std::span<const int> route);

class Individual {
 public:
  explicit Individual(const Model& model)
      : routes(model.vehicles()), succ(model.clients(), -1), pred(model.clients(), -1) {}

  /// Recomputes the figures and successor lists from `routes`.
  void evaluate(const Model& model, const Penalties& penalties);
  /// Recomputes `penalized` after a change of penalties.
  void repenalize(const Penalties& penalties) {
    penalized = cost + penalties.load * load_excess +
                penalties.time_warp * static_cast<double>(time_warp);
  }
  /// Rebuilds `giant` from `routes`, in the given order of vehicles.
  void giant_from_routes(std::span<const int> vehicle_order);

  /// Broken-pairs distance in [0, 1]: the share of clients whose neighbours differ.
  double distance(const Individual& other) const;
  /// Mean distance to the `k` closest others in its subpopulation.
  double average_closest(int k) const;
  void add_close(double distance, const Individual* other);
  void remove_close(const Individual* other);

  std::vector<int> giant;
  std::vector<std::vector<int>> routes;
  std::vector<int> succ, pred;  ///< Per client; -1 is a depot.
  double cost = 0;
  double load_excess = 0;
  Time time_warp = 0;
  double penalized = 0;
  int route_count = 0;
  bool feasible = false;
  bool load_feasible = false;
  bool tw_feasible = false;
  double biased_fitness = 0;
  std::vector<std::pair<double, const Individual*>> closest;  ///< Sorted by distance.
};

}  // namespace waybill::planner::detail
