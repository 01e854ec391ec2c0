// The router on the DIMACS NY graph (264,346 nodes): loading, one-to-all trees, one-to-one
// early-exit Dijkstra vs. ALT, one-to-many, landmark preprocessing, and pgRouting's
// pgr_dijkstraCost on the same pairs. After the run a summary gives the medians and the ratios
// with the machine, dataset and commit they were measured on (STYLE.md 23).
//
// Environment: WAYBILL_DATA, the folder holding dimacs/ (default: the shared data folder next to
// the checkout); WAYBILL_DB, a libpq conninfo (without it BM_PgRouting_1000Pairs is skipped);
// WAYBILL_BENCH_SEED, the seed of the random nodes (default 2024). ops/bench-router.sh sets the
// first two. Times are wall-clock (UseRealTime): pgRouting works in the server process and the
// landmarks in two threads, where this thread's CPU time would say nothing.
#include "router/shortest_path.h"

#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "router/dimacs.h"
#include "router/endpoint.h"
#include "router/graph.h"
#include "router/landmarks.h"
#include "router/snap.h"
#include "tests/bench/ny_inputs.h"
#include "tests/bench/pgrouting_session.h"

namespace waybill::bench {
namespace {

using router::Cost;
using router::kInfiniteCost;
using router::Landmarks;
using router::NodeId;
using router::RoadGraph;
using router::RouteQuery;
using router::RouteResult;
using router::RouteStatus;
using router::to_int;
using Pair = std::pair<NodeId, NodeId>;

constexpr std::size_t kPairs = 1000;           // one-to-one and pgRouting query set
constexpr std::size_t kDestinations = 10'000;  // one-to-many
constexpr std::size_t kLandmarkCount = 16;
constexpr unsigned kLandmarkThreads = 2;

// ---- inputs ---------------------------------------------------------------------------------

// The NY graph, its landmarks and the pairs are made on first use and kept for the whole run,
// outside every timed loop. Benchmarks run one at a time, so only one thread reaches them.
const RoadGraph& ny_graph() {
  static const RoadGraph graph = router::load_dimacs(ny_gr());
  return graph;
}
const Landmarks& ny_landmarks() {
  static const Landmarks landmarks = Landmarks::build(ny_graph(), kLandmarkCount, kLandmarkThreads);
  return landmarks;
}
const std::vector<Pair>& ny_pairs() {
  static const std::vector<Pair> pairs = [] {
    std::mt19937_64 rng(seed());
    std::vector<Pair> out;
    for (std::size_t i = 0; i < kPairs; ++i) {
      const NodeId origin = random_node(ny_graph(), rng);
      out.emplace_back(origin, random_node(ny_graph(), rng));
    }
    return out;
  }();
  return pairs;
}

// ---- what the summary reports ---------------------------------------------------------------

struct PairStats {  // RouteQuery::one_to_one over the pairs, each query timed on its own
  bool done = false;
  double median_ms = 0;
  double mean_ms = 0;
  double settled_median = 0;
  std::vector<Cost> costs;  // per pair; kInfiniteCost when unreachable
};

struct Summary {
  PairStats dijkstra;
  PairStats alt;
  std::optional<double> load_ms;       // BM_LoadGraph without coordinates, per load
  std::optional<double> landmarks_ms;  // BM_LandmarksBuild, per build
  std::optional<double> pgr_ms;        // one pgr_dijkstraCost call over the pairs
  std::optional<double> router_ms;     // ALT one_to_one over the same pairs, one thread
  std::string pgr_note;                // why there is no pgRouting figure
};

Summary& summary() {
  static Summary s;
  return s;
}

// ---- the router -----------------------------------------------------------------------------

void BM_LoadGraph(benchmark::State& state) {
  const bool with_coords = state.range(0) != 0;
  if (with_coords && !fs::exists(ny_co())) {
    fail(state, "BM_LoadGraph", "coordinates not found: " + ny_co().string());
    return;
  }
  std::size_t nodes = 0;
  std::size_t arcs = 0;
  const auto t0 = Clock::now();
  for (auto _ : state) {
    const RoadGraph graph = router::load_dimacs(ny_gr(), with_coords ? ny_co() : fs::path{});
    nodes = graph.num_nodes();
    arcs = graph.num_arcs();
  }
  if (!with_coords) summary().load_ms = ms_since(t0) / static_cast<double>(state.iterations());
  state.counters["nodes"] = static_cast<double>(nodes);
  state.counters["arcs"] = static_cast<double>(arcs);
}
// At least a second each, whatever --benchmark_min_time says: a lone first load also pays for
// the process's first page faults and would read ~30% slow.
BENCHMARK(BM_LoadGraph)
    ->ArgName("coords")
    ->Arg(0)
    ->Arg(1)
    ->MinTime(1.0)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

void BM_LandmarksBuild(benchmark::State& state) {
  const RoadGraph& graph = ny_graph();
  const auto t0 = Clock::now();
  for (auto _ : state) {
    const Landmarks landmarks = Landmarks::build(graph, kLandmarkCount, kLandmarkThreads);
    benchmark::DoNotOptimize(landmarks.nodes().data());
  }
  summary().landmarks_ms = ms_since(t0) / static_cast<double>(state.iterations());
  state.counters["landmarks"] = static_cast<double>(kLandmarkCount);
  state.counters["threads"] = kLandmarkThreads;
}
BENCHMARK(BM_LandmarksBuild)->Unit(benchmark::kMillisecond)->UseRealTime();

// A full tree per iteration, from a new random origin each time (as the tree cache misses).
void BM_OneToAllTree(benchmark::State& state) {
  const RoadGraph& graph = ny_graph();
  RouteQuery query(graph);
  std::mt19937_64 rng(seed() + 1);
  double settled = 0;
  for (auto _ : state) {
    const auto tree = query.tree(random_node(graph, rng));
    benchmark::DoNotOptimize(tree.get());
    settled += static_cast<double>(query.settled());
  }
  state.counters["settled"] = benchmark::Counter(settled, benchmark::Counter::kAvgIterations);
}
BENCHMARK(BM_OneToAllTree)->Unit(benchmark::kMillisecond)->UseRealTime();

// The NY graph with its coordinates (and so arc lengths) and the snapper over it, for the
// coordinate-form kernels. Made on first use; the snapper refers to the graph in place.
struct NyWithCoords {
  NyWithCoords() : graph(router::load_dimacs(ny_gr(), ny_co())), snapper(graph) {}
  RoadGraph graph;
  router::Snapper snapper;
};
const NyWithCoords& ny_with_coords() {
  static const NyWithCoords ny;
  return ny;
}

// A point near a random node, up to ~100 m off it: where a generated address lies.
std::pair<double, double> random_point(const RoadGraph& graph, std::mt19937_64& rng) {
  const router::Coordinate c =
      graph.coordinate(static_cast<router::NodeIndex>(rng() % graph.num_nodes()));
  const auto jitter = [&rng] { return (static_cast<double>(rng() % 2001) - 1000) * 1e-6; };
  return {c.lat_e6 / 1e6 + jitter(), c.lon_e6 / 1e6 + jitter()};
}

// A full tree per iteration on the graph with lengths: from a random node (arg 0), the baseline,
// and from a random snapped address (arg 1), one Dijkstra from both seeds of a two-way road, as
// a depot in coordinate form is answered. Their ratio is what the coordinate form pays per tree.
void BM_TreeWithLengths(benchmark::State& state) {
  const NyWithCoords& ny = ny_with_coords();
  const bool from_address = state.range(0) != 0;
  RouteQuery query(ny.graph);
  std::mt19937_64 rng(seed() + 2);
  double seeds = 0;
  for (auto _ : state) {
    std::shared_ptr<const router::ShortestPathTree> tree;
    if (from_address) {
      const auto [lat, lon] = random_point(ny.graph, rng);
      const auto snap = ny.snapper.snap(lat, lon);
      if (!snap) continue;
      const router::Endpoint from = router::origin_endpoint(*snap, ny.snapper);
      seeds += from.num_seeds;
      tree = query.tree(from);
    } else {
      tree = query.tree(random_node(ny.graph, rng));
      seeds += 1;
    }
    benchmark::DoNotOptimize(tree.get());
  }
  state.counters["seeds"] = benchmark::Counter(seeds, benchmark::Counter::kAvgIterations);
}
BENCHMARK(BM_TreeWithLengths)
    ->ArgName("from_address")
    ->Arg(0)
    ->Arg(1)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// Snapping 10,000 random addresses per iteration (R*-tree nearest segment, then the projection),
// and turning each into a destination endpoint, as the worker does for every coordinate job.
void BM_Snap10000(benchmark::State& state) {
  const NyWithCoords& ny = ny_with_coords();
  std::mt19937_64 rng(seed() + 3);
  std::vector<std::pair<double, double>> points(10000);
  for (auto& p : points) p = random_point(ny.graph, rng);
  std::size_t snapped = 0;
  for (auto _ : state) {
    for (const auto& [lat, lon] : points) {
      const auto snap = ny.snapper.snap(lat, lon);
      if (!snap) continue;
      const router::Endpoint to = router::destination_endpoint(*snap, ny.snapper);
      benchmark::DoNotOptimize(to.seeds.data());
      ++snapped;
    }
  }
  state.counters["snapped/s"] =
      benchmark::Counter(static_cast<double>(snapped), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Snap10000)->Unit(benchmark::kMillisecond)->UseRealTime();

// Every pair once per iteration, each query timed on its own: the median is the figure to
// compare, as a few long pairs pull the mean. Samples of all iterations are pooled.
void run_pairs(benchmark::State& state, const Landmarks* landmarks, PairStats& out) {
  const std::vector<Pair>& pairs = ny_pairs();
  RouteQuery query(ny_graph(), landmarks);
  std::vector<double> ms;
  std::vector<double> settled;
  ms.reserve(pairs.size() * state.max_iterations);
  settled.reserve(pairs.size() * state.max_iterations);
  out.costs.assign(pairs.size(), kInfiniteCost);
  for (auto _ : state) {
    for (std::size_t i = 0; i < pairs.size(); ++i) {
      const auto t0 = Clock::now();
      const RouteResult r = query.one_to_one(pairs[i].first, pairs[i].second);
      ms.push_back(ms_since(t0));
      settled.push_back(static_cast<double>(query.settled()));
      out.costs[i] = r.status == RouteStatus::ok ? r.cost : kInfiniteCost;
    }
  }
  out.done = true;
  out.median_ms = median(ms);
  out.mean_ms = mean(ms);
  out.settled_median = median(settled);
  state.counters["median_ms"] = out.median_ms;
  state.counters["mean_ms"] = out.mean_ms;
  state.counters["settled"] = mean(settled);  // per query
  state.counters["settled_median"] = out.settled_median;
}

// The baseline: RouteQuery without landmarks is a plain Dijkstra that stops at the destination.
void BM_OneToOne_Dijkstra(benchmark::State& state) {
  run_pairs(state, nullptr, summary().dijkstra);
}
BENCHMARK(BM_OneToOne_Dijkstra)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_OneToOne_ALT(benchmark::State& state) {
  const Landmarks& landmarks = ny_landmarks();  // built outside the timing
  Summary& s = summary();
  run_pairs(state, &landmarks, s.alt);
  if (!s.dijkstra.done) return;
  // A speed-up is only worth reporting for the same answers.
  const std::vector<Pair>& pairs = ny_pairs();
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    if (s.alt.costs[i] == s.dijkstra.costs[i]) continue;
    fail(state, "BM_OneToOne_ALT",
         "ALT and Dijkstra disagree on pair " + std::to_string(i) + " (" +
             std::to_string(to_int(pairs[i].first)) + " -> " +
             std::to_string(to_int(pairs[i].second)) + "): " + std::to_string(s.alt.costs[i]) +
             " vs " + std::to_string(s.dijkstra.costs[i]));
    return;
  }
}
BENCHMARK(BM_OneToOne_ALT)->Unit(benchmark::kMillisecond)->UseRealTime();

// One Dijkstra from one origin that stops once the last of 10,000 destinations is settled.
void BM_OneToMany_10000(benchmark::State& state) {
  const RoadGraph& graph = ny_graph();
  std::mt19937_64 rng(seed() + 2);
  const NodeId origin = random_node(graph, rng);
  std::vector<NodeId> destinations;
  for (std::size_t i = 0; i < kDestinations; ++i) destinations.push_back(random_node(graph, rng));
  RouteQuery query(graph);
  for (auto _ : state) {
    const auto results = query.one_to_many(origin, destinations);
    benchmark::DoNotOptimize(results.data());
  }
  state.counters["settled"] = static_cast<double>(query.settled());
  state.counters["destinations"] = static_cast<double>(kDestinations);
}
BENCHMARK(BM_OneToMany_10000)->Unit(benchmark::kMillisecond)->UseRealTime();

// ---- pgRouting --------------------------------------------------------------------------------

// One pgr_dijkstraCost call over the 1000 pairs (which reads the arcs and builds its graph each
// time, as pgRouting always does) against the router answering the same pairs with ALT on one
// thread, graph and landmarks already built. The answers must agree.
void BM_PgRouting_1000Pairs(benchmark::State& state) {
  Summary& s = summary();
  const char* conninfo = database_or_skip(state, s.pgr_note);
  if (conninfo == nullptr) return;
  // Kept for the run: the arcs are copied in once, however often this function is called.
  static std::unique_ptr<PgRoutingSession> session;
  const std::vector<Pair>& pairs = ny_pairs();
  PairCosts expected;
  double pgr_ms = 0;
  try {
    if (!session) session = std::make_unique<PgRoutingSession>(conninfo, ny_graph().arcs(), pairs);
    const auto t0 = Clock::now();
    for (auto _ : state) expected = session->dijkstra_cost();
    pgr_ms = ms_since(t0) / static_cast<double>(state.iterations());
  } catch (const std::exception& e) {
    s.pgr_note = std::string("failed: ") + e.what();
    fail(state, "BM_PgRouting_1000Pairs",
         std::string("WAYBILL_DB=\"") + conninfo + "\": " + e.what());
    return;
  }

  RouteQuery query(ny_graph(), &ny_landmarks());
  std::vector<Cost> costs;
  costs.reserve(pairs.size());
  const auto t0 = Clock::now();
  for (const auto& [from, to] : pairs) {
    const RouteResult r = query.one_to_one(from, to);
    costs.push_back(r.status == RouteStatus::ok ? r.cost : kInfiniteCost);
  }
  const double router_ms = ms_since(t0);

  for (std::size_t i = 0; i < pairs.size(); ++i) {
    const auto [from, to] = pairs[i];
    const auto it = expected.find({to_int(from), to_int(to)});
    const Cost want = from == to ? 0 : it == expected.end() ? kInfiniteCost : it->second;
    if (costs[i] == want) continue;
    s.pgr_note = "failed: the answers differ";
    fail(state, "BM_PgRouting_1000Pairs",
         "pgRouting and the router disagree on " + std::to_string(to_int(from)) + " -> " +
             std::to_string(to_int(to)) + ": " + std::to_string(want) + " vs " +
             std::to_string(costs[i]));
    return;
  }
  s.pgr_ms = pgr_ms;
  s.router_ms = router_ms;
  state.counters["router_ms"] = router_ms;
  state.counters["pgr_per_router"] = pgr_ms / router_ms;
  state.counters["pairs_found"] = static_cast<double>(expected.size());
}
BENCHMARK(BM_PgRouting_1000Pairs)->Unit(benchmark::kMillisecond)->UseRealTime();

// ---- main -----------------------------------------------------------------------------------

void print_summary(std::ostream& out, const RunInfo& info) {
  const Summary& s = summary();
  out << "\n---- summary ----\n"
      << "machine:  " << info.machine << "; load average " << info.load_at_start << " at start, "
      << load_average() << " at end\n"
      << "dataset:  " << ny_gr().string() << '\n'
      << "commit:   " << info.commit << ", build type " << WAYBILL_BUILD_TYPE << '\n'
      << "pairs:    " << kPairs << " random origin-destination pairs, seed " << seed()
      << " (WAYBILL_BENCH_SEED)\n";
  out.setf(std::ios::fixed);
  out.precision(3);
  if (s.dijkstra.done && s.alt.done) {
    out << "one-to-one median: dijkstra " << s.dijkstra.median_ms << " ms, ALT " << s.alt.median_ms
        << " ms, speed-up " << s.dijkstra.median_ms / s.alt.median_ms << " x  (settled median "
        << std::llround(s.dijkstra.settled_median) << " vs " << std::llround(s.alt.settled_median)
        << " nodes; mean " << s.dijkstra.mean_ms << " vs " << s.alt.mean_ms << " ms)\n";
  } else {
    out << "one-to-one median: not measured (BM_OneToOne_Dijkstra and BM_OneToOne_ALT must both "
           "run)\n";
  }
  if (s.pgr_ms && s.router_ms) {
    out << "pgRouting: one pgr_dijkstraCost call over the " << kPairs << " pairs " << *s.pgr_ms
        << " ms; router (ALT, 1 thread) " << *s.router_ms << " ms; pgRouting/router "
        << *s.pgr_ms / *s.router_ms << " x\n"
        << "           per pair: pgRouting " << *s.pgr_ms / kPairs << " ms";
    if (s.dijkstra.done) out << ", router Dijkstra (mean) " << s.dijkstra.mean_ms << " ms";
    out << ", router ALT " << *s.router_ms / kPairs << " ms\n";
    if (s.load_ms && s.landmarks_ms) {
      // pgRouting builds its graph inside the call; the router's comes from a one-off load.
      const double cold = *s.load_ms + *s.landmarks_ms + *s.router_ms;
      out << "           with the router's graph load and landmark build counted too: " << cold
          << " ms, pgRouting/router " << *s.pgr_ms / cold << " x\n";
    }
  } else {
    out << "pgRouting: " << (s.pgr_note.empty() ? "not run" : s.pgr_note) << '\n';
  }
}

}  // namespace
}  // namespace waybill::bench

int main(int argc, char** argv) try {
  using namespace waybill::bench;
  return run_benchmarks(argc, argv, {ny_gr()}, "pairs",
                        std::to_string(kPairs) + ", seed " + std::to_string(seed()), print_summary);
} catch (const std::exception& e) {
  std::cerr << "shortest_path_benchmark: " << e.what() << '\n';
  return 1;
}
