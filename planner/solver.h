// The tour planner: one Problem in, one Solution out, within a time limit.
//
// Method: hybrid genetic search (Vidal 2022, "Hybrid genetic search for the CVRP: open-source
// implementation and SWAP* neighborhood"; time windows as in Vidal et al. 2013, HGS-TW). A
// population of plans, each a giant tour cut into routes by Split, evolves by OX crossover and a
// local search over granular neighbourhoods (each stop's 20 closest, 40 with windows): relocate,
// swap, 2-opt, 2-opt* and SWAP* between routes whose polar sectors overlap. Load excess and time
// warp are penalised rather than forbidden, with penalties steered towards 20% feasible
// offspring, and parents are chosen by a fitness that rewards diversity. Why: it leads the
// published benchmarks for the CVRP and VRPTW (X set +0.11% with long runs) and converges fast
// enough for short limits; the penalised search copes with tight fleets and windows.
//
// Threads: one island (population) per thread, each with its own seed; after every epoch of
// 100 offspring an island takes in the best plan its neighbour had at the end of the previous
// epoch (waiting for it only if the neighbour is a whole epoch behind). So the search itself is
// deterministic for a seed and thread count; under a time limit the answer is the best plan
// found when the clock stops, which differs between runs only by how far the islands got.
// With `max_iterations` and no time limit, runs are identical.
//
// Large problems (more than `decompose_above` jobs): a plan is built sector by sector (polar
// sectors around the depot, or chunks of a nearest-neighbour chain), each sector solved by its
// own hybrid genetic search; then, until the limit, groups of routes whose barycentres are close
// are cut out as sub-problems, solved again, and put back when better (Santini et al. 2023,
// "Decomposition strategies for vehicle routing heuristics"). The threads work on disjoint groups.
// From 400 jobs on, parts search better than one whole population in the limits a depot gives
// (n/20 s on set X): 1.9-2.2% over the best known on X-n1001-k43 against 3.3-3.8%, and ahead on
// 21 of the 23 X instances of 400 to 1,000 stops tried (docs/benchmarks.md, 2026-12-07). But
// parts share the fleet out, each with room to spare: with little room overall (X-n502-k39 given
// its 39 vans) they left 4 jobs out that one population served, so a tight fleet is searched
// whole up to 1,500 jobs.
// Nothing of size n x n is built: neighbourhoods come from the points (a grid) or the problem's
// sparse neighbour lists, and each sub-problem keeps its own small dense matrix.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>

#include "planner/problem.h"
#include "planner/solution.h"

namespace waybill::planner {

/// How long and how the search runs.
struct SolverOptions {
  /// Wall-clock budget in seconds, from `started` (or from the call). The best plan found is
  /// returned when it expires; the search overruns it by at most a few milliseconds plus the
  /// time to write the result.
  double time_limit_s = 10;
  /// When the budget started (e.g. when the command began reading its input).
  std::optional<std::chrono::steady_clock::time_point> started;
  /// Offspring per thread before stopping, 0 for no limit (then only the time limit stops).
  std::uint64_t max_iterations = 0;
  /// Search threads (islands), at least 1.
  int threads = 2;
  std::uint64_t seed = 1;
  /// Above this many jobs, the decomposition is used...
  std::size_t decompose_above = 400;
  /// ...unless the fleet is tight (its capacity less than 1.3 times the jobs' amounts, in some
  /// dimension) and there are no more jobs than this: parts share a fleet out with room to
  /// spare, and a tight one is searched whole, where routes trade loads freely.
  std::size_t decompose_tight_fleet_above = 1500;
  /// Progress lines (best cost, time), for `--verbose`; may be empty.
  std::function<void(const std::string&)> log;
};

/// Thrown for an invalid problem; what() lists Problem::validate()'s messages, one a line.
class InvalidProblem : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Solves `problem`. Throws InvalidProblem when validate() finds anything.
Solution solve(const Problem& problem, const SolverOptions& options);

}  // namespace waybill::planner
