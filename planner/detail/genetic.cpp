#include "planner/detail/genetic.h"

#include <numeric>

namespace waybill::planner::detail {
namespace {

/// The share of the time left that a population's random plans may take.
constexpr double kInitialShare = 0.3;

}  // namespace

Genetic::Genetic(const Model& model, const HgsParams& params, std::uint64_t seed)
    : m_model(&model),
      m_params(params),
      m_penalties{model.initial_load_penalty(), 1.0},
      m_rng(seed),
      m_split(model),
      m_local_search(model),
      m_population(m_params, m_penalties),
      m_offspring(model),
      m_taken(model.clients(), 0) {}

void Genetic::educate_and_add(Individual& ind) {
  m_local_search.run(ind, m_penalties, m_rng);
  bool improved = m_population.add(ind, true);
  if (!ind.feasible && m_rng.below(2) == 0) {  // repair half of the infeasible ones
    m_local_search.run(ind, Penalties{m_penalties.load * 10, m_penalties.time_warp * 10}, m_rng);
    if (ind.feasible) improved = m_population.add(ind, false) || improved;
  }
  m_no_improvement = improved ? 1 : m_no_improvement + 1;
}

void Genetic::seed_plan(const std::vector<std::vector<int>>& routes) {
  Individual ind(*m_model);
  ind.routes = routes;
  std::vector<int> order(m_model->vehicles());
  std::iota(order.begin(), order.end(), 0);
  ind.giant_from_routes(order);
  ind.evaluate(*m_model, m_penalties);
  educate_and_add(ind);
  ++m_seeded;
}

void Genetic::initialise(const Deadline& deadline) {
  const int n = m_model->clients();
  // At least one plan, whatever the deadline: a search always has something to return. Under a
  // time limit the random plans take at most a share of what is left: on a thousand stops each
  // costs a long local search, and a hundred of them would eat a short limit before the first
  // offspring (then the population starts smaller, and grows by offspring).
  const bool empty = m_population.size() == 0;
  const Deadline cap = deadline.is_set() ? deadline.within(kInitialShare * deadline.seconds_left()) : deadline;
  for (int i = m_seeded; i < m_params.initial && ((empty && i == 0) || !cap.expired()); ++i) {
    Individual ind(*m_model);
    ind.giant.resize(n);
    std::iota(ind.giant.begin(), ind.giant.end(), 0);
    m_rng.shuffle(ind.giant);
    m_split.run(ind, m_penalties, m_model->vehicles());
    educate_and_add(ind);
  }
  m_seeded = 0;
}

void Genetic::crossover(const Individual& a, const Individual& b) {
  const int n = m_model->clients();
  m_offspring.giant.resize(n);
  if (n < 2) {
    m_offspring.giant = a.giant;
    return;
  }
  std::fill(m_taken.begin(), m_taken.end(), 0);
  const int start = m_rng.below(n);
  int end = m_rng.below(n);
  while (end == start) end = m_rng.below(n);
  int j = start;
  while (j % n != (end + 1) % n) {  // a's stretch start..end, possibly wrapping around
    const int c = a.giant[j % n];
    m_offspring.giant[j % n] = c;
    m_taken[c] = 1;
    ++j;
  }
  for (int i = 1; i <= n; ++i) {  // the rest in b's order, from after `end`
    const int c = b.giant[(end + i) % n];
    if (m_taken[c]) continue;
    m_offspring.giant[j % n] = c;
    ++j;
  }
}

int Genetic::run(int count, const Deadline& deadline) {
  if (m_model->clients() == 0) return 0;
  int done = 0;
  for (; done < count && !deadline.expired(); ++done) {
    if (m_population.size() == 0) initialise(deadline);
    if (m_population.size() == 0) break;
    const Individual& a = m_population.tournament(m_rng);
    const Individual& b = m_population.tournament(m_rng);
    crossover(a, b);
    m_split.run(m_offspring, m_penalties, a.route_count);
    educate_and_add(m_offspring);
    ++m_iterations;
    if (m_iterations % m_params.penalty_period == 0) m_population.manage_penalties();
    if (m_no_improvement >= m_params.restart_after) {
      m_population.restart();
      m_no_improvement = 1;
    }
  }
  return done;
}

void Genetic::receive(const Individual& ind) {
  if (m_population.add(ind, false)) m_no_improvement = 1;
}

}  // namespace waybill::planner::detail
