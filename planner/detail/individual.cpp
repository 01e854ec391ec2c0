#include "planner/detail/individual.h"

#include <algorithm>

namespace waybill::planner::detail {

RouteEval evaluate_route(const Model& model, int v, std::span<const int> route) {
  RouteEval r;
  if (route.empty()) return r;
  const VehicleData& vehicle = model.vehicle(v);
  const bool tw = model.has_time_windows();
  int prev = vehicle.start;
  TwSeg seg = model.start_tw(v);
  for (int c : route) {
    const Client& client = model.client(c);
    r.cost += model.cost(prev, client.loc);
    r.load += client.amount;
    if (tw) seg = merge(seg, model.client_tw(c), model.time(prev, client.loc));
    prev = client.loc;
  }
  r.cost += model.cost(prev, vehicle.end);
  if (tw) seg = merge(seg, model.end_tw(v), model.time(prev, vehicle.end));
  r.time_warp = seg.time_warp;
  r.excess = model.excess(r.load, vehicle.capacity);
  return r;
}

void Individual::evaluate(const Model& model, const Penalties& penalties) {
  cost = 0;
  load_excess = 0;
  time_warp = 0;
  route_count = 0;
  for (int v = 0; v < static_cast<int>(routes.size()); ++v) {
    const std::vector<int>& route = routes[v];
    if (route.empty()) continue;
    ++route_count;
    const RouteEval r = evaluate_route(model, v, route);
    cost += r.cost;
    load_excess += r.excess;
    time_warp += r.time_warp;
    for (std::size_t i = 0; i < route.size(); ++i) {
      pred[route[i]] = i == 0 ? -1 : route[i - 1];
      succ[route[i]] = i + 1 == route.size() ? -1 : route[i + 1];
    }
  }
  load_feasible = load_excess < 1e-9;
  tw_feasible = time_warp == 0;
  feasible = load_feasible && tw_feasible;
  repenalize(penalties);
}

void Individual::giant_from_routes(std::span<const int> vehicle_order) {
  giant.clear();
  for (int v : vehicle_order) giant.insert(giant.end(), routes[v].begin(), routes[v].end());
}

double Individual::distance(const Individual& other) const {
  int differences = 0;
  const int n = static_cast<int>(succ.size());
  for (int j = 0; j < n; ++j) {
    if (succ[j] != other.succ[j] && succ[j] != other.pred[j]) ++differences;
    if (pred[j] == -1 && other.pred[j] != -1 && other.succ[j] != -1) ++differences;
  }
  return n ? static_cast<double>(differences) / n : 0;
}

double Individual::average_closest(int k) const {
  const int take = std::min<int>(k, static_cast<int>(closest.size()));
  if (take == 0) return 0;
  double sum = 0;
  for (int i = 0; i < take; ++i) sum += closest[i].first;
  return sum / take;
}

void Individual::add_close(double d, const Individual* other) {
  const auto at = std::upper_bound(closest.begin(), closest.end(), d,
                                   [](double x, const auto& e) { return x < e.first; });
  closest.insert(at, {d, other});
}

void Individual::remove_close(const Individual* other) {
  const auto at = std::find_if(closest.begin(), closest.end(),
                               [&](const auto& e) { return e.second == other; });
  if (at != closest.end()) closest.erase(at);
}

}  // namespace waybill::planner::detail
