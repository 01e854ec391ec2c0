// HGS's population (Vidal 2022): a feasible and an infeasible subpopulation, each kept between
// mu and mu + lambda plans by removing clones first and then the worst biased fitness (rank by
// penalised cost, plus rank by diversity contribution weighted by 1 - elite / size); parents by
// binary tournament on that fitness; penalties steered towards a target share of feasible
// offspring.
#pragma once

#include <deque>
#include <memory>
#include <vector>

#include "planner/detail/individual.h"
#include "planner/detail/random.h"

namespace waybill::planner::detail {

/// The search's parameters (HGS-CVRP defaults).
struct HgsParams {
  int mu = 25;
  int lambda = 40;
  int elite = 4;
  int close = 5;
  double target_feasible = 0.2;
  int initial = 100;                  ///< Random plans in a fresh population (4 mu).
  int restart_after = 20000;          ///< Offspring without improvement before a restart.
  int penalty_period = 100;           ///< Offspring between penalty adjustments.
};

class Population {
 public:
  Population(const HgsParams& params, Penalties& penalties)
      : m_params(&params), m_penalties(&penalties), m_load_ok(100, true), m_tw_ok(100, true) {}

  /// Adds a copy of `ind` (penalised anew with the current penalties); `count` records its
  /// feasibility for the penalty adjustment. True when it is the best feasible plan since the
  /// last restart.
  bool add(const Individual& ind, bool count);
  /// A parent by binary tournament on biased fitness.
  const Individual& tournament(Rng& rng);
  /// Adjusts the penalties towards the target share of feasible offspring and re-sorts.
  void manage_penalties();
  /// Empties both subpopulations (the best plan found is kept).
  void restart();

  std::size_t size() const { return m_feasible.size() + m_infeasible.size(); }
  /// The best feasible plan found since construction, or null.
  const Individual* best() const { return m_best.get(); }
  /// The least penalised infeasible plan in the population, or null.
  const Individual* best_infeasible() const {
    return m_infeasible.empty() ? nullptr : m_infeasible.front().get();
  }

 private:
  using SubPopulation = std::vector<std::unique_ptr<Individual>>;
  void update_biased_fitness(SubPopulation& pop);
  void remove_worst(SubPopulation& pop);

  const HgsParams* m_params;
  Penalties* m_penalties;
  SubPopulation m_feasible, m_infeasible;
  std::deque<bool> m_load_ok, m_tw_ok;
  std::unique_ptr<Individual> m_best;
  double m_best_since_restart = 1e300;
};

}  // namespace waybill::planner::detail
