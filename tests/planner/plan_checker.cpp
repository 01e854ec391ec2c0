#include "tests/planner/plan_checker.h"

#include <algorithm>
#include <optional>
#include <sstream>

namespace waybill::planner::testing {
namespace {

/// Collects messages built from any streamable parts.
class Messages {
 public:
  template <class... Parts>
  void add(const Parts&... parts) {
    std::ostringstream line;
    (line << ... << parts);
    m_list.push_back(line.str());
  }
  std::vector<std::string> take() { return std::move(m_list); }

 private:
  std::vector<std::string> m_list;
};

const TravelMatrix& cost_matrix(const Problem& problem) {
  return problem.costs ? *problem.costs : problem.durations;
}

/// A leg's cell, 0 when either end is missing (no start, or an open end).
Cost leg(const TravelMatrix& m, std::optional<std::size_t> from, std::optional<std::size_t> to) {
  return from && to ? m(*from, *to) : 0;
}

bool unreachable_leg(const Problem& problem, std::optional<std::size_t> from,
                     std::optional<std::size_t> to) {
  return leg(problem.durations, from, to) >= kUnreachable ||
         leg(cost_matrix(problem), from, to) >= kUnreachable;
}

/// The amount of job `j` in dimension d (0 past its amounts).
Amount amount(const Job& job, std::size_t d) { return d < job.amounts.size() ? job.amounts[d] : 0; }

/// Whether the job's amounts fit the vehicle's capacity and the vehicle may stop at all.
bool fits(const Vehicle& vehicle, const Job& job) {
  if (vehicle.max_stops && *vehicle.max_stops <= 0) return false;
  for (std::size_t d = 0; d < job.amounts.size(); ++d) {
    const Amount room = d < vehicle.capacity.size() ? vehicle.capacity[d] : 0;
    if (job.amounts[d] > room) return false;
  }
  return true;
}

bool reaches(const Problem& problem, const Vehicle& vehicle, const Job& job) {
  return !unreachable_leg(problem, vehicle.start, job.location) &&
         !unreachable_leg(problem, job.location, vehicle.end);
}

bool in_some_window(const Job& job, Time t) {
  if (job.windows.empty()) return true;
  return std::any_of(job.windows.begin(), job.windows.end(),
                     [&](const TimeWindow& w) { return w.start <= t && t <= w.end; });
}

/// The earliest time at or after `arrival` at which service may start, if any.
std::optional<Time> earliest_start(const Job& job, Time arrival) {
  if (job.windows.empty()) return arrival;
  std::optional<Time> best;
  for (const TimeWindow& w : job.windows) {
    if (w.end < arrival) continue;
    const Time t = std::max(arrival, w.start);
    if (!best || t < *best) best = t;
  }
  return best;
}

void check_reasons(const Problem& problem, const Solution& solution,
                   const std::vector<char>& vehicle_used, Messages& out) {
  for (std::size_t u = 0; u < solution.unassigned.size(); ++u) {
    const Unassigned& un = solution.unassigned[u];
    if (un.job >= problem.jobs.size()) continue;  // reported with the coverage
    const Job& job = problem.jobs[un.job];
    const std::string where = "unassigned[" + std::to_string(u) + "] (job " +
                              std::to_string(un.job) + ", " + std::string(name(un.reason)) + ")";
    if (job.unsnappable != (un.reason == UnassignedReason::unsnappable)) {
      out.add(where, ": the job is ", job.unsnappable ? "" : "not ", "marked unsnappable");
      continue;
    }
    std::optional<std::size_t> fitting, reaching, serving, unused_serving;
    for (std::size_t v = 0; v < problem.vehicles.size(); ++v) {
      const Vehicle& vehicle = problem.vehicles[v];
      if (!fits(vehicle, job)) continue;
      if (!fitting) fitting = v;
      if (!reaches(problem, vehicle, job)) continue;
      if (!reaching) reaching = v;
      if (!serves_alone(problem, v, un.job)) continue;
      if (!serving) serving = v;
      if (!vehicle_used[v] && !unused_serving) unused_serving = v;
    }
    switch (un.reason) {
      case UnassignedReason::too_heavy:
        if (fitting) out.add(where, ": vehicles[", *fitting, "] has room for it");
        break;
      case UnassignedReason::unsnappable:
        break;
      case UnassignedReason::unreachable:
        if (!fitting) out.add(where, ": no vehicle has room for it (too_heavy)");
        if (reaching) out.add(where, ": vehicles[", *reaching, "] can reach it and return");
        break;
      case UnassignedReason::window_unreachable:
        if (!reaching) out.add(where, ": no vehicle has room for it and reaches it");
        if (serving) out.add(where, ": vehicles[", *serving, "] can serve it alone in time");
        break;
      case UnassignedReason::no_vehicle_left:
        if (!serving) out.add(where, ": no vehicle can serve it even alone");
        if (unused_serving) {
          out.add(where, ": vehicles[", *unused_serving, "] is unused and can serve it alone");
        }
        break;
    }
  }
}

}  // namespace

Cost route_cost(const Problem& problem, std::size_t v, const std::vector<std::size_t>& jobs) {
  const Vehicle& vehicle = problem.vehicles[v];
  if (vehicle.max_stops && static_cast<int>(jobs.size()) > *vehicle.max_stops) return -1;
  for (std::size_t d = 0; d < vehicle.capacity.size(); ++d) {
    Amount total = 0;
    for (std::size_t j : jobs) total += amount(problem.jobs[j], d);
    if (total > vehicle.capacity[d]) return -1;
  }
  for (std::size_t j : jobs) {
    if (problem.jobs[j].amounts.size() > vehicle.capacity.size()) {
      for (std::size_t d = vehicle.capacity.size(); d < problem.jobs[j].amounts.size(); ++d) {
        if (problem.jobs[j].amounts[d] > 0) return -1;
      }
    }
  }
  const TravelMatrix& costs = cost_matrix(problem);
  Cost cost = 0;
  Time now = vehicle.shift.start;
  std::optional<std::size_t> at = vehicle.start;
  for (std::size_t j : jobs) {
    const Job& job = problem.jobs[j];
    if (unreachable_leg(problem, at, job.location)) return -1;
    cost += leg(costs, at, job.location);
    const std::optional<Time> start =
        earliest_start(job, now + leg(problem.durations, at, job.location));
    if (!start) return -1;
    now = *start + job.service;
    at = job.location;
  }
  if (unreachable_leg(problem, at, vehicle.end)) return -1;
  cost += leg(costs, at, vehicle.end);
  now += leg(problem.durations, at, vehicle.end);
  if (now > vehicle.shift.end) return -1;
  return cost;
}

bool serves_alone(const Problem& problem, std::size_t v, std::size_t j) {
  return fits(problem.vehicles[v], problem.jobs[j]) && route_cost(problem, v, {j}) >= 0;
}

std::vector<std::string> check_plan(const Problem& problem, const Solution& solution) {
  Messages out;
  const std::size_t dims = static_cast<std::size_t>(problem.dimensions());
  const TravelMatrix& costs = cost_matrix(problem);
  std::vector<int> seen(problem.jobs.size(), 0);
  std::vector<char> vehicle_used(problem.vehicles.size(), 0);
  Cost total_cost = 0;

  for (std::size_t t = 0; t < solution.tours.size(); ++t) {
    const Tour& tour = solution.tours[t];
    const std::string where = "tours[" + std::to_string(t) + "]";
    total_cost += tour.cost;
    if (tour.vehicle >= problem.vehicles.size()) {
      out.add(where, ": vehicle ", tour.vehicle, " of ", problem.vehicles.size());
      continue;
    }
    if (vehicle_used[tour.vehicle]) out.add(where, ": vehicles[", tour.vehicle, "] has two tours");
    vehicle_used[tour.vehicle] = 1;
    const Vehicle& vehicle = problem.vehicles[tour.vehicle];
    if (tour.stops.empty()) out.add(where, ": no stops");
    bool jobs_valid = true;
    for (const Stop& stop : tour.stops) {
      if (stop.job >= problem.jobs.size()) {
        out.add(where, ": job ", stop.job, " of ", problem.jobs.size());
        jobs_valid = false;
      } else if (problem.jobs[stop.job].unsnappable) {
        out.add(where, ": job ", stop.job, " is unsnappable, yet on the tour");
        jobs_valid = false;
        ++seen[stop.job];
      } else {
        ++seen[stop.job];
      }
    }
    if (!jobs_valid) continue;

    // Loads: everything on board at the start, then each stop's amounts delivered.
    std::vector<Amount> load(dims, 0);
    for (const Stop& stop : tour.stops) {
      for (std::size_t d = 0; d < dims; ++d) load[d] += amount(problem.jobs[stop.job], d);
    }
    for (const Stop& stop : tour.stops) {
      const Job& job = problem.jobs[stop.job];
      for (std::size_t d = dims; d < job.amounts.size(); ++d) {
        if (job.amounts[d] != 0) out.add(where, ": job ", stop.job, " carries in dimension ", d);
      }
    }
    if (tour.load != load) out.add(where, ": load reported differs from the jobs' amounts");
    for (std::size_t d = 0; d < dims; ++d) {
      if (load[d] > vehicle.capacity[d]) {
        out.add(where, ": load ", load[d], " in dimension ", d, " exceeds vehicles[", tour.vehicle,
                "]'s capacity ", vehicle.capacity[d]);
      }
    }
    if (vehicle.max_stops && static_cast<int>(tour.stops.size()) > *vehicle.max_stops) {
      out.add(where, ": ", tour.stops.size(), " stops, vehicles[", tour.vehicle, "] allows ",
              *vehicle.max_stops);
    }

    // Times, walking the tour from its reported departure.
    if (tour.departure < vehicle.shift.start) {
      out.add(where, ": leaves at ", tour.departure, ", before the shift starts at ",
              vehicle.shift.start);
    }
    Time now = tour.departure;
    std::optional<std::size_t> at = vehicle.start;
    Cost cost = 0, duration = 0, distance = 0;
    Time service = 0, waiting = 0;
    for (std::size_t s = 0; s < tour.stops.size(); ++s) {
      const Stop& stop = tour.stops[s];
      const Job& job = problem.jobs[stop.job];
      const std::string at_stop =
          where + " stops[" + std::to_string(s) + "] (job " + std::to_string(stop.job) + ")";
      if (unreachable_leg(problem, at, job.location))
        out.add(at_stop, ": reached by an unreachable leg");
      const Time arrival = now + leg(problem.durations, at, job.location);
      if (stop.arrival != arrival)
        out.add(at_stop, ": arrival ", stop.arrival, ", recomputed ", arrival);
      if (stop.start < arrival)
        out.add(at_stop, ": service starts at ", stop.start, " before arrival ", arrival);
      if (!in_some_window(job, stop.start)) {
        out.add(at_stop, ": service starts at ", stop.start, ", outside every window of the job");
      }
      if (stop.waiting != stop.start - arrival) {
        out.add(at_stop, ": waiting ", stop.waiting, ", recomputed ", stop.start - arrival);
      }
      if (stop.departure != stop.start + job.service) {
        out.add(at_stop, ": departure ", stop.departure, ", recomputed ", stop.start + job.service);
      }
      for (std::size_t d = 0; d < dims; ++d) load[d] -= amount(job, d);
      if (stop.load != load)
        out.add(at_stop, ": load after the stop differs from the recomputation");
      cost += leg(costs, at, job.location);
      duration += leg(problem.durations, at, job.location);
      if (problem.distances) distance += leg(*problem.distances, at, job.location);
      service += job.service;
      waiting += stop.start - arrival;
      now = stop.start + job.service;
      at = job.location;
    }
    if (unreachable_leg(problem, at, vehicle.end)) out.add(where, ": its end is unreachable");
    cost += leg(costs, at, vehicle.end);
    duration += leg(problem.durations, at, vehicle.end);
    if (problem.distances) distance += leg(*problem.distances, at, vehicle.end);
    const Time arrival = now + leg(problem.durations, at, vehicle.end);
    if (tour.arrival != arrival)
      out.add(where, ": arrival ", tour.arrival, ", recomputed ", arrival);
    if (arrival > vehicle.shift.end) {
      out.add(where, ": arrives at ", arrival, ", after the shift ends at ", vehicle.shift.end);
    }
    if (tour.cost != cost) out.add(where, ": cost ", tour.cost, ", recomputed ", cost);
    if (tour.duration != duration)
      out.add(where, ": duration ", tour.duration, ", recomputed ", duration);
    if (tour.distance != distance)
      out.add(where, ": distance ", tour.distance, ", recomputed ", distance);
    if (tour.service != service)
      out.add(where, ": service ", tour.service, ", recomputed ", service);
    if (tour.waiting != waiting)
      out.add(where, ": waiting ", tour.waiting, ", recomputed ", waiting);
  }
  if (solution.cost != total_cost) {
    out.add("cost ", solution.cost, ", but the tours' costs add up to ", total_cost);
  }

  for (const Unassigned& un : solution.unassigned) {
    if (un.job >= problem.jobs.size()) {
      out.add("unassigned: job ", un.job, " of ", problem.jobs.size());
    } else {
      ++seen[un.job];
    }
  }
  for (std::size_t j = 0; j < problem.jobs.size(); ++j) {
    if (seen[j] != 1) out.add("job ", j, ": ", seen[j], " times in the plan, not once");
  }
  check_reasons(problem, solution, vehicle_used, out);
  return out.take();
}

std::vector<std::string> missed_insertions(const Problem& problem, const Solution& solution) {
  Messages out;
  for (const Unassigned& un : solution.unassigned) {
    if (un.reason != UnassignedReason::no_vehicle_left) continue;
    for (std::size_t t = 0; t < solution.tours.size(); ++t) {
      std::vector<std::size_t> jobs;
      for (const Stop& stop : solution.tours[t].stops) jobs.push_back(stop.job);
      bool found = false;
      for (std::size_t at = 0; at <= jobs.size() && !found; ++at) {
        std::vector<std::size_t> trial = jobs;
        trial.insert(trial.begin() + static_cast<std::ptrdiff_t>(at), un.job);
        if (route_cost(problem, solution.tours[t].vehicle, trial) >= 0) {
          out.add("job ", un.job, " (no_vehicle_left) fits in tours[", t, "] at position ", at);
          found = true;
        }
      }
      if (found) break;
    }
  }
  return out.take();
}

std::string join_lines(const std::vector<std::string>& lines) {
  std::string text;
  for (const std::string& line : lines) text += line + "\n";
  return text;
}

}  // namespace waybill::planner::testing
