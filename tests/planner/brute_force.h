// The exact optimum of a tiny problem (up to about 9 jobs), by exhaustion: for every vehicle
// and every set of jobs, every order of the set (a depth-first walk over orders, cut where a
// prefix already breaks a rule); then every assignment of disjoint sets to the vehicles, by a
// dynamic programme over subsets that tries each subset for each vehicle. Rules as in
// plan_checker.h: capacity per dimension, max_stops, reachability, windows (the earliest
// start, waiting allowed) and the shift, leaving at shift.start. Simple enough to trust by
// reading; the test also checks its routes with route_cost().
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <vector>

#include "planner/problem.h"

namespace waybill::planner::testing {

/// The cheapest plan serving every job; `cost` is -1 when there is none.
struct Optimum {
  Cost cost = -1;
  std::vector<std::vector<std::size_t>> routes;  ///< Jobs per vehicle, in order.
};

class BruteForce {
 public:
  explicit BruteForce(const Problem& problem) : m_problem(problem) {}

  Optimum solve() {
    const std::size_t n = m_problem.jobs.size();
    const std::size_t vehicles = m_problem.vehicles.size();
    const std::uint32_t full = (std::uint32_t{1} << n) - 1;
    // best[v][mask]: cheapest order of `mask` for vehicle v (kInf: none).
    m_best.assign(vehicles, std::vector<Cost>(full + 1, kInf));
    m_order.assign(vehicles, std::vector<std::vector<std::size_t>>(full + 1));
    for (std::size_t v = 0; v < vehicles; ++v) {
      m_v = v;
      m_best[v][0] = 0;
      std::vector<std::size_t> path;
      const Vehicle& vehicle = m_problem.vehicles[v];
      walk(0, vehicle.start, vehicle.shift.start, 0,
           std::vector<Amount>(vehicle.capacity.size(), 0), path);
    }
    // plan[i][mask]: cheapest way for vehicles 0..i-1 to serve exactly `mask`.
    std::vector<std::vector<Cost>> plan(vehicles + 1, std::vector<Cost>(full + 1, kInf));
    std::vector<std::vector<std::uint32_t>> took(vehicles + 1,
                                                 std::vector<std::uint32_t>(full + 1, 0));
    plan[0][0] = 0;
    for (std::size_t i = 1; i <= vehicles; ++i) {
      for (std::uint32_t mask = 0; mask <= full; ++mask) {
        plan[i][mask] = plan[i - 1][mask];
        for (std::uint32_t sub = mask; sub != 0; sub = (sub - 1) & mask) {
          if (m_best[i - 1][sub] == kInf || plan[i - 1][mask ^ sub] == kInf) continue;
          const Cost c = m_best[i - 1][sub] + plan[i - 1][mask ^ sub];
          if (c < plan[i][mask]) plan[i][mask] = c, took[i][mask] = sub;
        }
      }
    }
    Optimum result;
    if (plan[vehicles][full] == kInf) return result;
    result.cost = plan[vehicles][full];
    result.routes.resize(vehicles);
    std::uint32_t mask = full;
    for (std::size_t i = vehicles; i >= 1; --i) {
      const std::uint32_t sub = took[i][mask];
      if (sub != 0) result.routes[i - 1] = m_order[i - 1][sub];
      mask ^= sub;
    }
    return result;
  }

 private:
  static constexpr Cost kInf = std::numeric_limits<Cost>::max();

  const TravelMatrix& costs() const {
    return m_problem.costs ? *m_problem.costs : m_problem.durations;
  }
  static Cost cell(const TravelMatrix& m, std::optional<std::size_t> a,
                   std::optional<std::size_t> b) {
    return a && b ? m(*a, *b) : 0;
  }

  /// Extends the order `path` (the jobs in `mask`), standing at `at` at time `now`.
  void walk(std::uint32_t mask, std::optional<std::size_t> at, Time now, Cost cost,
            const std::vector<Amount>& load, std::vector<std::size_t>& path) {
    const Vehicle& vehicle = m_problem.vehicles[m_v];
    if (mask != 0) {
      const Cost back = cell(costs(), at, vehicle.end);
      const Time back_time = cell(m_problem.durations, at, vehicle.end);
      if (back < kUnreachable && back_time < kUnreachable && now + back_time <= vehicle.shift.end &&
          cost + back < m_best[m_v][mask]) {
        m_best[m_v][mask] = cost + back;
        m_order[m_v][mask] = path;
      }
    }
    if (vehicle.max_stops && static_cast<int>(path.size()) >= *vehicle.max_stops) return;
    for (std::size_t j = 0; j < m_problem.jobs.size(); ++j) {
      if (mask & (std::uint32_t{1} << j)) continue;
      const Job& job = m_problem.jobs[j];
      std::vector<Amount> next_load = load;
      bool fits = true;
      for (std::size_t d = 0; d < job.amounts.size(); ++d) {
        if (d >= next_load.size()) {
          fits = fits && job.amounts[d] == 0;
          continue;
        }
        next_load[d] += job.amounts[d];
        fits = fits && next_load[d] <= vehicle.capacity[d];
      }
      if (!fits) continue;
      const Cost c = cell(costs(), at, job.location);
      const Time t = cell(m_problem.durations, at, job.location);
      if (c >= kUnreachable || t >= kUnreachable) continue;
      const Time arrival = now + t;
      std::optional<Time> start;
      if (job.windows.empty()) start = arrival;
      for (const TimeWindow& w : job.windows) {
        if (w.end < arrival) continue;
        const Time s = std::max(arrival, w.start);
        if (!start || s < *start) start = s;
      }
      if (!start) continue;
      path.push_back(j);
      walk(mask | (std::uint32_t{1} << j), job.location, *start + job.service, cost + c, next_load,
           path);
      path.pop_back();
    }
  }

  const Problem& m_problem;
  std::size_t m_v = 0;
  std::vector<std::vector<Cost>> m_best;
  std::vector<std::vector<std::vector<std::size_t>>> m_order;
};

/// The optimum of `problem` (every job served), by exhaustion.
inline Optimum brute_force(const Problem& problem) { return BruteForce(problem).solve(); }

}  // namespace waybill::planner::testing
