// One hybrid genetic search (one island): a population, its penalties, its random numbers, and
// the loop of HGS (Vidal 2022): two parents by tournament, OX crossover on their giant tours,
// Split, local search, insertion into the population; half the infeasible offspring repaired
// by a local search under ten times the penalties; penalties adjusted every 100 offspring; a
// fresh population after 20,000 offspring without improvement (the best plan is kept).
#pragma once

#include <cstdint>
#include <vector>

#include "planner/detail/deadline.h"
#include "planner/detail/local_search.h"
#include "planner/detail/population.h"
#include "planner/detail/split.h"

namespace waybill::planner::detail {

class Genetic {
 public:
  Genetic(const Model& model, const HgsParams& params, std::uint64_t seed);

  /// Educates the plan `routes` (clients per vehicle) and adds it to the population.
  void seed_plan(const std::vector<std::vector<int>>& routes);
  /// Adds random plans until the population holds `params.initial` or the deadline passes.
  void initialise(const Deadline& deadline);
  /// Generates up to `count` offspring, fewer if the deadline passes. Returns how many.
  int run(int count, const Deadline& deadline);
  /// Adds a plan from elsewhere (another island's best) as it is.
  void receive(const Individual& ind);

  /// The best feasible plan found, or null.
  const Individual* best() const { return m_population.best(); }
  /// The least penalised infeasible plan in the population, or null.
  const Individual* best_infeasible() const { return m_population.best_infeasible(); }
  std::uint64_t iterations() const { return m_iterations; }
  const Model& model() const { return *m_model; }

 private:
  void educate_and_add(Individual& ind);
  void crossover(const Individual& a, const Individual& b);

  const Model* m_model;
  HgsParams m_params;
  Penalties m_penalties;
  Rng m_rng;
  Split m_split;
  LocalSearch m_local_search;
  Population m_population;
  Individual m_offspring;
  std::vector<char> m_taken;
  std::uint64_t m_iterations = 0;
  int m_no_improvement = 1;
  int m_seeded = 0;
};

}  // namespace waybill::planner::detail
