// Split (Prins 2004; Vidal 2016): the optimal cutting of a giant tour into routes, in order,
// under the current penalties. Bellman's algorithm on the tour, each route bounded to 1.5 times
// a vehicle's capacity as in HGS; with a limited or mixed fleet, one layer per vehicle.
#pragma once

#include <vector>

#include "planner/detail/individual.h"

namespace waybill::planner::detail {

class Split {
 public:
  explicit Split(const Model& model) : m_model(&model) {}

  /// Sets `ind.routes` from `ind.giant`, using at most `max_routes` routes when the fleet is
  /// homogeneous (every vehicle otherwise), then evaluates it.
  void run(Individual& ind, const Penalties& penalties, int max_routes);

 private:
  /// Cost of clients giant[i..j) driven by vehicle v, under the penalties.
  bool simple(Individual& ind, const Penalties& penalties, int max_routes);
  void layered(Individual& ind, const Penalties& penalties, int layers);

  const Model* m_model;
  std::vector<double> m_potential;
  std::vector<int> m_pred;
};

}  // namespace waybill::planner::detail
