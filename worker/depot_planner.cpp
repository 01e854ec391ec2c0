#include "worker/depot_planner.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "planner/solver.h"
#include "router/ch_query.h"

namespace waybill::worker {
namespace {

using Clock = std::chrono::steady_clock;

/// Amounts are integers: weights in grams.
planner::Amount grams(double kg) { return static_cast<planner::Amount>(std::llround(kg * 1000)); }

}  // namespace

DepotPlan plan_depot(const router::RoadGraph& graph, const router::ContractionHierarchy& ch,
                     const DepotTask& task) {
  DepotPlan plan;
  const auto t0 = Clock::now();
  // Locations: 0 the depot, then each job's destination (jobs at one place share nothing: a
  // stop a job keeps the arithmetic plain, and the matrix is small beside the search).
  std::vector<router::Endpoint> places{task.depot};  // leaving each place (the matrix's rows)
  std::vector<router::Endpoint> arrivals{task.depot_arrival.value_or(task.depot)};  // its columns
  std::vector<std::size_t> job_of;  // problem job -> task job
  planner::Problem problem;
  for (std::size_t i = 0; i < task.jobs.size(); ++i) {
    const DepotJob& j = task.jobs[i];
    planner::Job job;
    job.id = j.seq;
    job.amounts = {grams(j.weight_kg), 1};
    job.service = j.service_s;
    job.priority = std::clamp(j.priority, 0, 100);
    const planner::Time start = std::max(task.fleet.shift_start, j.ready_at.value_or(task.fleet.shift_start));
    const planner::Time end = j.due_at.value_or(planner::kTimeMax);
    job.windows = {planner::TimeWindow{std::min(start, end), end}};
    if (j.destination) {
      job.location = places.size();
      places.push_back(j.leaving.value_or(*j.destination));
      arrivals.push_back(*j.destination);
    } else {
      job.location = 0;
      job.unsnappable = true;
    }
    job_of.push_back(i);
    problem.jobs.push_back(std::move(job));
  }
  const std::size_t n = places.size();
  const bool time_cost = graph.cost_unit() == router::CostUnit::duration_ms;
  const bool lengths = graph.has_lengths();
  const double metres_per_second = task.speed_kmh / 3.6;
  std::vector<planner::Cost> durations(n * n, planner::kUnreachable), metres(n * n, planner::kUnreachable);
  {
    router::ChQuery query(graph, ch);
    const router::MatrixTargets targets = query.targets(arrivals, router::MatrixOptions{lengths, false});
    router::MatrixCells cells;
    constexpr std::size_t kBlock = 64;
    for (std::size_t first = 0; first < n; first += kBlock) {
      const std::size_t last = std::min(n, first + kBlock);
      query.rows(targets, std::span(places).subspan(first, last - first), cells);
      for (std::size_t r = first; r < last; ++r) {
        for (std::size_t c = 0; c < n; ++c) {
          const std::size_t at = r * n + c;
          if (r == c) {
            durations[at] = metres[at] = 0;
            continue;
          }
          const router::Cost cost = cells.cost_at(r - first, c);
          if (cost == router::kInfiniteCost) continue;
          // A DIMACS graph without coordinates: its cost is about 10 x metres.
          const double m = lengths ? static_cast<double>(cells.length_mm[(r - first) * cells.columns + c]) / 1000
                                   : static_cast<double>(cost) / 10;
          metres[at] = std::llround(m);
          durations[at] = time_cost ? std::llround(static_cast<double>(cost) / 1000)
                                    : std::llround(m / metres_per_second);
        }
      }
    }
  }
  problem.durations = planner::TravelMatrix::dense(n, std::move(durations));
  problem.distances = planner::TravelMatrix::dense(n, std::move(metres));
  for (int v = 0; v < task.fleet.vehicles; ++v) {
    planner::Vehicle van;
    van.id = task.fleet.first_vehicle + v;
    van.start = 0;
    van.end = 0;
    van.capacity = {grams(task.fleet.capacity_kg), task.fleet.capacity_parcels};
    van.shift = planner::TimeWindow{task.fleet.shift_start, task.fleet.shift_end};
    van.max_stops = task.fleet.max_stops;
    problem.vehicles.push_back(std::move(van));
  }
  plan.matrix_s = std::chrono::duration<double>(Clock::now() - t0).count();

  planner::SolverOptions options;
  options.time_limit_s = std::max(0.1, task.time_limit_s - plan.matrix_s);
  options.threads = std::max(1, task.threads);
  options.seed = task.seed;
  const planner::Solution solution = planner::solve(problem, options);
  plan.solve_s = solution.solve_seconds;

  for (const planner::Tour& t : solution.tours) {
    PlannedTour tour;
    tour.vehicle = static_cast<int>(problem.vehicles[t.vehicle].id);
    tour.distance_m = static_cast<double>(t.distance);
    tour.duration_s = t.duration;
    tour.load_kg = static_cast<double>(t.load[0]) / 1000;
    tour.load_parcels = t.load[1];
    tour.departure = t.departure;
    tour.arrival = t.arrival;
    for (const planner::Stop& s : t.stops) {
      const DepotJob& j = task.jobs[job_of[s.job]];
      PlannedStop stop;
      stop.seq = j.seq;
      stop.arrival = s.arrival;
      stop.departure = s.departure;
      stop.waiting_s = s.waiting;
      stop.lateness_s = j.due_at ? std::max<std::int64_t>(0, s.start - *j.due_at) : 0;
      stop.load_kg = static_cast<double>(s.load[0]) / 1000;
      stop.load_parcels = s.load[1];
      tour.stops.push_back(stop);
    }
    plan.tours.push_back(std::move(tour));
  }
  for (const planner::Unassigned& u : solution.unassigned) {
    plan.unassigned.push_back({task.jobs[job_of[u.job]].seq, std::string(planner::name(u.reason))});
  }
  return plan;
}

}  // namespace waybill::worker
