#include "planner/detail/population.h"

#include <algorithm>

namespace waybill::planner::detail {
namespace {
constexpr double kEps = 1e-5;
}

bool Population::add(const Individual& ind, bool count) {
  if (count) {
    m_load_ok.push_back(ind.load_feasible);
    m_tw_ok.push_back(ind.tw_feasible);
    m_load_ok.pop_front();
    m_tw_ok.pop_front();
  }
  auto copy = std::make_unique<Individual>(ind);
  copy->closest.clear();
  copy->repenalize(*m_penalties);
  SubPopulation& pop = copy->feasible ? m_feasible : m_infeasible;
  for (auto& other : pop) {
    const double d = copy->distance(*other);
    other->add_close(d, copy.get());
    copy->add_close(d, other.get());
  }
  std::size_t place = pop.size();
  while (place > 0 && pop[place - 1]->penalized > copy->penalized - kEps) --place;
  pop.insert(pop.begin() + static_cast<std::ptrdiff_t>(place), std::move(copy));
  if (static_cast<int>(pop.size()) > m_params->mu + m_params->lambda) {
    while (static_cast<int>(pop.size()) > m_params->mu) remove_worst(pop);
  }
  // The trim above may have removed the copy just added: read the plan itself from here on.
  if (!ind.feasible) return false;
  bool improved = false;
  if (ind.cost < m_best_since_restart - kEps) {
    m_best_since_restart = ind.cost;
    improved = true;
  }
  if (!m_best || ind.cost < m_best->cost - kEps) {
    m_best = std::make_unique<Individual>(ind);
    m_best->closest.clear();
    m_best->repenalize(*m_penalties);
  }
  return improved;
}

void Population::update_biased_fitness(SubPopulation& pop) {
  if (pop.size() == 1) {
    pop[0]->biased_fitness = 0;
    return;
  }
  std::vector<std::pair<double, int>> ranking;  // by diversity contribution, decreasing
  for (int i = 0; i < static_cast<int>(pop.size()); ++i) {
    ranking.emplace_back(-pop[i]->average_closest(m_params->close), i);
  }
  std::sort(ranking.begin(), ranking.end());
  const double size = static_cast<double>(pop.size());
  for (int i = 0; i < static_cast<int>(pop.size()); ++i) {
    const double div_rank = i / (size - 1);
    const double fit_rank = ranking[i].second / (size - 1);
    Individual& ind = *pop[ranking[i].second];
    ind.biased_fitness = static_cast<int>(pop.size()) <= m_params->elite
                             ? fit_rank
                             : fit_rank + (1.0 - m_params->elite / size) * div_rank;
  }
}

void Population::remove_worst(SubPopulation& pop) {
  update_biased_fitness(pop);
  int worst = -1;
  bool worst_is_clone = false;
  double worst_fitness = -1e30;
  for (int i = 1; i < static_cast<int>(pop.size()); ++i) {  // never the best
    const bool clone = pop[i]->average_closest(1) < kEps;
    if ((clone && !worst_is_clone) ||
        (clone == worst_is_clone && pop[i]->biased_fitness > worst_fitness)) {
      worst = i;
      worst_is_clone = clone;
      worst_fitness = pop[i]->biased_fitness;
    }
  }
  const Individual* gone = pop[worst].get();
  for (auto& other : pop) other->remove_close(gone);
  pop.erase(pop.begin() + worst);
}

const Individual& Population::tournament(Rng& rng) {
  update_biased_fitness(m_feasible);
  update_biased_fitness(m_infeasible);
  const int total = static_cast<int>(size());
  auto pick = [&]() -> const Individual& {
    const int i = rng.below(total);
    const int f = static_cast<int>(m_feasible.size());
    return i < f ? *m_feasible[i] : *m_infeasible[i - f];
  };
  const Individual& a = pick();
  const Individual& b = pick();
  return a.biased_fitness < b.biased_fitness ? a : b;
}

void Population::manage_penalties() {
  auto adjust = [&](const std::deque<bool>& ok, double& penalty) {
    const double share = static_cast<double>(std::count(ok.begin(), ok.end(), true)) /
                         static_cast<double>(ok.size());
    if (share < m_params->target_feasible - 0.05 && penalty < 100000) {
      penalty = std::min(penalty * 1.2, 100000.0);
    } else if (share > m_params->target_feasible + 0.05 && penalty > 0.1) {
      penalty = std::max(penalty * 0.85, 0.1);
    }
  };
  adjust(m_load_ok, m_penalties->load);
  adjust(m_tw_ok, m_penalties->time_warp);
  for (auto& ind : m_infeasible) ind->repenalize(*m_penalties);
  std::stable_sort(m_infeasible.begin(), m_infeasible.end(),
                   [](const auto& a, const auto& b) { return a->penalized < b->penalized; });
}

void Population::restart() {
  m_feasible.clear();
  m_infeasible.clear();
  m_best_since_restart = 1e300;
}

}  // namespace waybill::planner::detail
