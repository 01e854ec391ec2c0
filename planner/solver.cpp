#include "planner/solver.h"

#include <algorithm>
#include <map>
#include <sstream>
#include <tuple>

#include "planner/detail/decomposition.h"
#include "planner/detail/islands.h"
#include "planner/detail/model.h"
#include "planner/detail/plan.h"

namespace waybill::planner {
namespace {

using detail::ClientChoice;

/// Whether some vehicle can serve job j alone, and with which of its windows (the widest that
/// some vehicle can meet); else why not. Vehicles are grouped by what the check depends on.
struct Screening {
  std::vector<ClientChoice> clients;
  std::vector<Unassigned> unassigned;
};

Screening screen(const Problem& problem) {
  using Key = std::tuple<std::optional<std::size_t>, std::optional<std::size_t>,
                         std::vector<Amount>, Time, Time, int>;
  std::map<Key, std::size_t> seen;
  std::vector<const Vehicle*> kinds;
  for (const Vehicle& v : problem.vehicles) {
    const Key key{v.start, v.end, v.capacity, v.shift.start, v.shift.end, v.max_stops.value_or(-1)};
    if (seen.emplace(key, kinds.size()).second) kinds.push_back(&v);
  }
  const TravelMatrix& costs = problem.costs ? *problem.costs : problem.durations;
  auto travel = [&](const TravelMatrix& m, std::optional<std::size_t> a,
                    std::optional<std::size_t> b) -> Cost { return a && b ? m(*a, *b) : 0; };
  Screening out;
  const std::vector<TimeWindow> any{TimeWindow{}};
  for (std::size_t j = 0; j < problem.jobs.size(); ++j) {
    const Job& job = problem.jobs[j];
    if (job.unsnappable) {
      out.unassigned.push_back({j, UnassignedReason::unsnappable});
      continue;
    }
    bool fits = false, reachable = false;
    std::optional<TimeWindow> chosen;
    for (const Vehicle* v : kinds) {
      bool fit = !v->max_stops || *v->max_stops > 0;
      for (std::size_t d = 0; d < job.amounts.size() && d < v->capacity.size(); ++d) {
        fit = fit && job.amounts[d] <= v->capacity[d];
      }
      if (!fit) continue;
      fits = true;
      const Cost to = travel(problem.durations, v->start, job.location);
      const Cost back = travel(problem.durations, job.location, v->end);
      if (to >= kUnreachable || back >= kUnreachable ||
          travel(costs, v->start, job.location) >= kUnreachable ||
          travel(costs, job.location, v->end) >= kUnreachable) {
        continue;
      }
      reachable = true;
      for (const TimeWindow& w : job.windows.empty() ? any : job.windows) {
        const Time begin = std::max(v->shift.start + to, w.start);
        if (begin > w.end || begin + job.service + back > v->shift.end) continue;
        if (!chosen || w.end - w.start > chosen->end - chosen->start) chosen = w;
      }
    }
    if (chosen) {
      out.clients.push_back({j, *chosen});
    } else {
      out.unassigned.push_back({j, !fits         ? UnassignedReason::too_heavy
                                   : !reachable ? UnassignedReason::unreachable
                                                : UnassignedReason::window_unreachable});
    }
  }
  return out;
}

}  // namespace

Solution solve(const Problem& problem, const SolverOptions& options) {
  const auto started = options.started.value_or(std::chrono::steady_clock::now());
  if (const auto problems = problem.validate(); !problems.empty()) {
    std::string text;
    for (const auto& p : problems) text += (text.empty() ? "" : "\n") + p;
    throw InvalidProblem(text);
  }
  if (options.time_limit_s <= 0 && options.max_iterations == 0) {
    throw std::invalid_argument("solve: neither a time limit nor an iteration limit");
  }
  // Keep a little of the budget for building and writing the result: 1%, between 50 ms and 1 s.
  const double margin = std::clamp(0.01 * options.time_limit_s, 0.05, 1.0);
  detail::Deadline deadline;
  if (options.time_limit_s > 0) {
    deadline = detail::Deadline(started + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                              std::chrono::duration<double>(
                                                  std::max(0.0, options.time_limit_s - margin))));
  }
  Screening screening = screen(problem);
  bool windows = false;
  for (const ClientChoice& c : screening.clients) {
    windows = windows || c.window.start > 0 || c.window.end < kTimeMax;
  }
  for (const Vehicle& v : problem.vehicles) {
    windows = windows || v.shift.start > 0 || v.shift.end < kTimeMax;
  }
  const int granular = windows ? 40 : 20;
  const detail::Model model(problem, screening.clients, granular);

  detail::IslandResult result;
  result.routes.assign(model.vehicles(), {});
  if (model.clients() > 0 && model.vehicles() > 0) {
    const std::size_t above = detail::fleet_has_room_for_parts(model)
                                  ? options.decompose_above
                                  : options.decompose_tight_fleet_above;
    if (static_cast<std::size_t>(model.clients()) > above && deadline.is_set()) {
      detail::PartsOptions parts;
      parts.threads = options.threads;
      parts.seed = options.seed;
      parts.granular = granular;
      parts.log = options.log;
      result = detail::solve_by_parts(model, parts, deadline);
    } else {
      detail::IslandOptions islands;
      islands.threads = options.threads;
      islands.seed = options.seed;
      islands.max_iterations = options.max_iterations;
      islands.log = options.log;
      result = detail::run_islands(model, islands, deadline);
    }
  }
  Solution solution =
      detail::make_solution(problem, model, std::move(result.routes), std::move(screening.unassigned));
  solution.iterations = result.iterations;
  solution.solve_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return solution;
}

}  // namespace waybill::planner
