#include "planner/detail/decomposition.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <mutex>
#include <numeric>
#include <sstream>
#include <thread>

#include "planner/detail/model.h"
#include "planner/detail/random.h"

namespace waybill::planner::detail {
namespace {

/// Solves the part of `model` made of `clients` and `vehicles` (the model's indices), from
/// `current` when given (routes per vehicle of the part, in the model's client indices).
/// Returns routes per vehicle of the part, in the model's client indices.
IslandResult solve_part(const Model& model, const std::vector<int>& clients,
                        const std::vector<int>& vehicles,
                        const std::vector<std::vector<int>>* current, std::uint64_t seed,
                        int granular, const Deadline& deadline) {
  const Model part(model, clients, vehicles, granular);
  IslandOptions options;
  options.seed = seed;
  if (current) {
    options.params.initial = 25;
    std::vector<int> local(model.clients(), -1);
    for (int i = 0; i < static_cast<int>(clients.size()); ++i) local[clients[i]] = i;
    std::vector<std::vector<int>> plan;
    for (const auto& route : *current) {
      plan.emplace_back();
      for (int c : route) plan.back().push_back(local[c]);
    }
    options.initial_plans.push_back(std::move(plan));
  }
  IslandResult result = run_islands(part, options, deadline);
  for (auto& route : result.routes) {
    for (int& c : route) c = clients[c];
  }
  return result;
}

/// Clients in polar order around the depots' centre, or along a nearest-neighbour chain.
std::vector<int> sweep_order(const Model& model) {
  const int n = model.clients();
  std::vector<int> order;
  if (model.has_points()) {
    order.resize(n);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
      return model.client(a).angle < model.client(b).angle;
    });
    return order;
  }
  std::vector<char> seen(n, 0);
  int next_unseen = 0;
  for (int c = 0; static_cast<int>(order.size()) < n;) {
    order.push_back(c);
    seen[c] = 1;
    int next = -1;
    for (int v : model.neighbours(c)) {
      if (!seen[v]) {
        next = v;
        break;
      }
    }
    while (next < 0 && next_unseen < n) {
      if (!seen[next_unseen]) next = next_unseen;
      ++next_unseen;
    }
    if (next < 0) break;
    c = next;
  }
  return order;
}

/// Where a route lies: its barycentre with points, else the location of its middle client.
struct Centre {
  double x = 0, y = 0;
  int loc = 0;
};

Centre centre_of(const Model& model, const std::vector<int>& route) {
  Centre c;
  c.loc = model.client(route[route.size() / 2]).loc;
  for (int k : route) c.x += model.client(k).x, c.y += model.client(k).y;
  c.x /= static_cast<double>(route.size());
  c.y /= static_cast<double>(route.size());
  return c;
}

double apart(const Model& model, const Centre& a, const Centre& b) {
  if (model.has_points()) return std::hypot(a.x - b.x, a.y - b.y);
  return model.cost(a.loc, b.loc);
}

// Capacities summed over vehicles, in doubles: unused dimensions are "unlimited" (2^60).
using Room = std::array<double, kDims>;

void add_vehicle(Room& room, const VehicleData& vehicle) {
  for (int d = 0; d < kDims; ++d) room[d] += static_cast<double>(vehicle.capacity.q[d]);
}

/// Whether `room` carries kPartRoom times `need`, in every dimension.
bool has_room_for(const Room& room, const Load& need) {
  for (int d = 0; d < kDims; ++d) {
    if (room[d] < kPartRoom * static_cast<double>(need.q[d])) return false;
  }
  return true;
}

}  // namespace

bool fleet_has_room_for_parts(const Model& model) {
  Room room{};
  for (int v = 0; v < model.vehicles(); ++v) add_vehicle(room, model.vehicle(v));
  return has_room_for(room, model.total_amount());
}

IslandResult solve_by_parts(const Model& model, const PartsOptions& options,
                            const Deadline& deadline) {
  const int n = model.clients();
  const int threads = std::max(1, options.threads);
  std::vector<std::vector<int>> routes(model.vehicles());
  std::atomic<std::uint64_t> iterations{0};

  // 1. A first plan, part by part, with 30% of the time.
  const std::vector<int> order = sweep_order(model);
  const int parts = std::max(1, (n + options.part_size - 1) / options.part_size);
  std::vector<std::vector<int>> part_clients(parts), part_vehicles(parts);
  // Vehicles for each part: enough for kPartRoom times its load, and two more. When the fleet is
  // smaller than that, every part gets a share in proportion to what it asked for (at least one
  // vehicle while any is left), so that no part is starved by the parts before it.
  std::vector<int> wanted(parts, 0);
  {
    int next = 0;
    for (int p = 0; p < parts; ++p) {
      const int from = static_cast<int>(static_cast<std::int64_t>(n) * p / parts);
      const int to = static_cast<int>(static_cast<std::int64_t>(n) * (p + 1) / parts);
      part_clients[p].assign(order.begin() + from, order.begin() + to);
      Load need;
      for (int c : part_clients[p]) need += model.client(c).amount;
      Room have{};
      while (wanted[p] == 0 || !has_room_for(have, need)) {
        add_vehicle(have, model.vehicle(next % model.vehicles()));
        ++next;
        if (++wanted[p] > model.vehicles()) break;
      }
      wanted[p] += 2;
    }
  }
  const std::int64_t asked = std::accumulate(wanted.begin(), wanted.end(), std::int64_t{0});
  std::vector<int> given(parts, 0);
  if (asked <= model.vehicles()) {
    given = wanted;
  } else {
    int left = model.vehicles();
    for (int p = 0; p < parts && left > 0; ++p) {
      given[p] = std::max(1, static_cast<int>(static_cast<double>(wanted[p]) * model.vehicles() / asked));
      given[p] = std::min(given[p], left);
      left -= given[p];
    }
    for (int p = 0; left > 0; p = (p + 1) % parts) {  // what rounding left over, round the parts
      ++given[p];
      --left;
    }
  }
  for (int p = 0, next_vehicle = 0; p < parts; ++p) {
    for (int k = 0; k < given[p] && next_vehicle < model.vehicles(); ++k) {
      part_vehicles[p].push_back(next_vehicle++);
    }
  }
  const double first_budget = 0.3 * deadline.seconds_left() * threads / parts;
  std::atomic<int> next_part{0};
  auto first_plan = [&] {
    for (int p = next_part++; p < parts; p = next_part++) {
      if (part_vehicles[p].empty()) continue;
      IslandResult r = solve_part(model, part_clients[p], part_vehicles[p], nullptr,
                                  options.seed + p, options.granular, deadline.within(first_budget));
      iterations += r.iterations;
      for (std::size_t k = 0; k < part_vehicles[p].size(); ++k) {
        routes[part_vehicles[p][k]] = std::move(r.routes[k]);
      }
    }
  };
  {
    std::vector<std::jthread> workers;
    for (int t = 0; t < threads; ++t) workers.emplace_back(first_plan);
  }
  if (options.log) options.log("first plan of " + std::to_string(parts) + " parts done");

  // 2. Improve groups of close routes until the deadline.
  std::mutex mutex;
  std::vector<char> locked(model.vehicles(), 0);
  const double part_budget = std::max(1.0, options.part_size / 60.0);
  std::atomic<int> improved{0}, solved{0};
  auto improve = [&](int t) {
    Rng rng(options.seed * 7919 + 104729 * (t + 1));
    while (!deadline.expired()) {
      std::vector<int> vehicles, clients;
      std::vector<std::vector<int>> current;
      {
        std::lock_guard lock(mutex);
        std::vector<int> free;
        for (int v = 0; v < model.vehicles(); ++v) {
          if (!locked[v] && !routes[v].empty()) free.push_back(v);
        }
        if (free.empty()) break;
        const int seed_route = free[rng.below(static_cast<int>(free.size()))];
        const Centre at = centre_of(model, routes[seed_route]);
        std::vector<std::pair<double, int>> by_distance;
        for (int v : free) by_distance.emplace_back(apart(model, at, centre_of(model, routes[v])), v);
        std::sort(by_distance.begin(), by_distance.end());
        for (const auto& [d, v] : by_distance) {
          if (static_cast<int>(clients.size()) >= options.part_size) break;
          vehicles.push_back(v);
          clients.insert(clients.end(), routes[v].begin(), routes[v].end());
        }
        for (int v = 0, empty = 0; v < model.vehicles() && empty < 2; ++v) {
          if (!locked[v] && routes[v].empty()) vehicles.push_back(v), ++empty;
        }
        for (int v : vehicles) {
          locked[v] = 1;
          current.push_back(routes[v]);
        }
      }
      double before = 0;
      bool was_feasible = true;
      for (std::size_t k = 0; k < vehicles.size(); ++k) {
        const RouteEval e = evaluate_route(model, vehicles[k], current[k]);
        before += e.cost;
        was_feasible = was_feasible && e.excess < 1e-9 && e.time_warp == 0;
      }
      IslandResult r = solve_part(model, clients, vehicles, &current, rng.next(), options.granular,
                                  deadline.within(part_budget));
      iterations += r.iterations;
      ++solved;
      std::lock_guard lock(mutex);
      if (r.feasible && (!was_feasible || r.cost < before - 1e-6)) {
        ++improved;
        for (std::size_t k = 0; k < vehicles.size(); ++k) routes[vehicles[k]] = r.routes[k];
      }
      for (int v : vehicles) locked[v] = 0;
    }
  };
  {
    std::vector<std::jthread> workers;
    for (int t = 0; t < threads; ++t) workers.emplace_back(improve, t);
  }
  if (options.log) {
    std::ostringstream line;
    line << solved << " sub-problems solved again, " << improved << " improved";
    options.log(line.str());
  }

  IslandResult result;
  result.iterations = iterations;
  result.feasible = true;
  for (int v = 0; v < model.vehicles(); ++v) {
    const RouteEval e = evaluate_route(model, v, routes[v]);
    result.cost += e.cost;
    result.feasible = result.feasible && e.excess < 1e-9 && e.time_warp == 0;
  }
  result.routes = std::move(routes);
  return result;
}

}  // namespace waybill::planner::detail
