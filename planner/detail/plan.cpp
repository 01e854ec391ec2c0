#include "planner/detail/plan.h"

#include <algorithm>

#include "planner/detail/individual.h"

namespace waybill::planner::detail {
namespace {

/// A route over an unreachable leg costs at least this much (the matrix's kUnreachable).
constexpr double kUnreachableCost = static_cast<double>(kUnreachable);

bool feasible(const RouteEval& e) {
  return e.excess < 1e-9 && e.time_warp == 0 && e.cost < kUnreachableCost;
}

/// Removes clients from vehicle v's route until it is feasible: each time, among the removals
/// that lessen the violation, the one of lowest priority (then the largest gain).
void repair(const Model& model, int v, std::vector<int>& route, std::vector<int>& pool) {
  auto violation = [&](const RouteEval& e) {
    // Unreachable legs first (each costs kUnreachable), then overload, then lateness.
    return (e.cost >= kUnreachableCost ? e.cost : 0.0) + e.excess * 1e6 +
           static_cast<double>(e.time_warp);
  };
  RouteEval now = evaluate_route(model, v, route);
  std::vector<int> trial;
  while (!route.empty() && !feasible(now)) {
    int best = -1;
    double best_violation = 0;
    for (std::size_t i = 0; i < route.size(); ++i) {
      trial = route;
      trial.erase(trial.begin() + static_cast<std::ptrdiff_t>(i));
      const double after = violation(evaluate_route(model, v, trial));
      if (after >= violation(now)) continue;
      const bool better = best < 0 ||
                          model.client(route[i]).priority < model.client(route[best]).priority ||
                          (model.client(route[i]).priority == model.client(route[best]).priority &&
                           after < best_violation);
      if (better) best = static_cast<int>(i), best_violation = after;
    }
    if (best < 0) best = 0;  // no single removal helps: drop the first and go on
    pool.push_back(route[best]);
    route.erase(route.begin() + best);
    now = evaluate_route(model, v, route);
  }
}

/// Puts client c where it fits at least cost: in a route holding one of its neighbours, or in
/// one empty route of each vehicle type. False when it fits nowhere.
bool reinsert(const Model& model, int c, std::vector<std::vector<int>>& routes,
              const std::vector<int>& route_of) {
  std::vector<int> candidates;
  for (int k : model.neighbours(c)) {
    if (route_of[k] >= 0) candidates.push_back(route_of[k]);
  }
  std::vector<int> types;
  for (int v = 0; v < model.vehicles(); ++v) {
    if (!routes[v].empty() || std::find(types.begin(), types.end(), model.vehicle(v).type) != types.end()) {
      continue;
    }
    types.push_back(model.vehicle(v).type);
    candidates.push_back(v);
  }
  std::sort(candidates.begin(), candidates.end());
  candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
  int best_v = -1;
  std::size_t best_at = 0;
  double best_delta = 0;
  std::vector<int> trial;
  for (int v : candidates) {
    const double before = evaluate_route(model, v, routes[v]).cost;
    for (std::size_t at = 0; at <= routes[v].size(); ++at) {
      trial = routes[v];
      trial.insert(trial.begin() + static_cast<std::ptrdiff_t>(at), c);
      const RouteEval e = evaluate_route(model, v, trial);
      if (!feasible(e)) continue;
      if (best_v < 0 || e.cost - before < best_delta) best_v = v, best_at = at, best_delta = e.cost - before;
    }
  }
  if (best_v < 0) return false;
  routes[best_v].insert(routes[best_v].begin() + static_cast<std::ptrdiff_t>(best_at), c);
  return true;
}

/// Puts client c in the place of one client of lower priority, in any route, where the swap is
/// feasible and cheapest; returns the client put out, or -1 when no such swap exists.
int eject_for(const Model& model, int c, std::vector<std::vector<int>>& routes) {
  const int priority = model.client(c).priority;
  int best_v = -1;
  std::size_t best_out = 0, best_at = 0;
  double best_delta = 0;
  std::vector<int> trial;
  for (int v = 0; v < model.vehicles(); ++v) {
    const double before = evaluate_route(model, v, routes[v]).cost;
    for (std::size_t out = 0; out < routes[v].size(); ++out) {
      if (model.client(routes[v][out]).priority >= priority) continue;
      for (std::size_t at = 0; at < routes[v].size(); ++at) {
        trial = routes[v];
        trial.erase(trial.begin() + static_cast<std::ptrdiff_t>(out));
        trial.insert(trial.begin() + static_cast<std::ptrdiff_t>(at), c);
        const RouteEval e = evaluate_route(model, v, trial);
        if (!feasible(e)) continue;
        if (best_v < 0 || e.cost - before < best_delta) {
          best_v = v, best_out = out, best_at = at, best_delta = e.cost - before;
        }
      }
    }
  }
  if (best_v < 0) return -1;
  const int ejected = routes[best_v][best_out];
  routes[best_v].erase(routes[best_v].begin() + static_cast<std::ptrdiff_t>(best_out));
  routes[best_v].insert(routes[best_v].begin() + static_cast<std::ptrdiff_t>(best_at), c);
  return ejected;
}

Cost leg(const TravelMatrix& m, std::optional<std::size_t> a, std::optional<std::size_t> b) {
  return a && b ? m(*a, *b) : 0;
}

Tour make_tour(const Problem& problem, const Model& model, int v, const std::vector<int>& route) {
  const Vehicle& vehicle = problem.vehicles[model.vehicle(v).index];
  const TravelMatrix& costs = problem.costs ? *problem.costs : problem.durations;
  const int dims = problem.dimensions();
  Tour tour;
  tour.vehicle = model.vehicle(v).index;
  tour.load.assign(dims, 0);
  for (int c : route) {
    const Job& job = problem.jobs[model.client(c).job];
    for (int d = 0; d < dims && d < static_cast<int>(job.amounts.size()); ++d) {
      tour.load[d] += job.amounts[d];
    }
  }
  // Leave as late as the earliest start of the whole route allows, not to wait at the first stop.
  TwSeg seg = model.start_tw(v);
  int prev_loc = model.vehicle(v).start;
  for (int c : route) {
    seg = merge(seg, model.client_tw(c), model.time(prev_loc, model.client(c).loc));
    prev_loc = model.client(c).loc;
  }
  tour.departure = std::max(vehicle.shift.start, std::min(seg.early, seg.late));
  Time now = tour.departure;
  std::optional<std::size_t> at = vehicle.start;
  std::vector<Amount> load = tour.load;
  for (int c : route) {
    const Client& client = model.client(c);
    const Job& job = problem.jobs[client.job];
    const std::optional<std::size_t> here = job.location;
    Stop stop;
    stop.job = client.job;
    stop.arrival = now + leg(problem.durations, at, here);
    stop.start = std::max(stop.arrival, client.early);
    stop.waiting = stop.start - stop.arrival;
    stop.departure = stop.start + job.service;
    for (int d = 0; d < dims && d < static_cast<int>(job.amounts.size()); ++d) {
      load[d] -= job.amounts[d];
    }
    stop.load = load;
    tour.cost += leg(costs, at, here);
    tour.duration += leg(problem.durations, at, here);
    if (problem.distances) tour.distance += leg(*problem.distances, at, here);
    tour.service += job.service;
    tour.waiting += stop.waiting;
    now = stop.departure;
    at = here;
    tour.stops.push_back(std::move(stop));
  }
  tour.cost += leg(costs, at, vehicle.end);
  tour.duration += leg(problem.durations, at, vehicle.end);
  if (problem.distances) tour.distance += leg(*problem.distances, at, vehicle.end);
  tour.arrival = now + leg(problem.durations, at, vehicle.end);
  return tour;
}

}  // namespace

Solution make_solution(const Problem& problem, const Model& model,
                       std::vector<std::vector<int>> routes, std::vector<Unassigned> unassigned) {
  std::vector<int> pool;
  std::vector<char> placed(model.clients(), 0);
  for (int v = 0; v < model.vehicles(); ++v) {
    repair(model, v, routes[v], pool);
    for (int c : routes[v]) placed[c] = 1;
  }
  for (int c = 0; c < model.clients(); ++c) {
    if (!placed[c] && std::find(pool.begin(), pool.end(), c) == pool.end()) pool.push_back(c);
  }
  std::stable_sort(pool.begin(), pool.end(), [&](int a, int b) {
    return model.client(a).priority > model.client(b).priority;
  });
  std::vector<int> route_of(model.clients(), -1);
  // Highest priority first; a job that fits nowhere may take the place of one of lower priority,
  // which goes back to the pool (and, having a lower priority, can never push it out again).
  for (std::size_t i = 0; i < pool.size(); ++i) {
    const int c = pool[i];
    std::fill(route_of.begin(), route_of.end(), -1);
    for (int v = 0; v < model.vehicles(); ++v) {
      for (int k : routes[v]) route_of[k] = v;
    }
    if (reinsert(model, c, routes, route_of)) continue;
    if (const int ejected = eject_for(model, c, routes); ejected >= 0) {
      pool.push_back(ejected);
      continue;
    }
    unassigned.push_back({model.client(c).job, UnassignedReason::no_vehicle_left});
  }
  Solution solution;
  for (int v = 0; v < model.vehicles(); ++v) {
    if (routes[v].empty()) continue;
    solution.tours.push_back(make_tour(problem, model, v, routes[v]));
    solution.cost += solution.tours.back().cost;
  }
  std::sort(unassigned.begin(), unassigned.end(),
            [](const Unassigned& a, const Unassigned& b) { return a.job < b.job; });
  solution.unassigned = std::move(unassigned);
  return solution;
}

}  // namespace waybill::planner::detail
