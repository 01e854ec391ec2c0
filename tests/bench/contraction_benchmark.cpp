// The contraction hierarchy on the DIMACS NY graph (issue 17), each figure against today's search
// in the same run: the build (one thread and two), the hierarchy's memory and file; point to point
// on 10,000 random pairs against ALT (16 landmarks) and the plain Dijkstra of RouteQuery; and
// matrices of 100, 1,000 and 5,000 random points squared against one tree per source
// (RouteQuery::tree), and the 100 against pgRouting's pgr_dijkstraCostMatrix. After the run a
// summary gives medians, p99s and ratios, with the machine, dataset and commit they were measured
// on (STYLE.md 23).
//
// The graph is loaded with its coordinates, so arcs have lengths, as the worker's graphs do:
// RouteQuery and trees then carry hops and lengths, and so does ChQuery::route. Times are
// wall-clock; every query of a point-to-point set is timed on its own.
//
// Environment: WAYBILL_DATA (the folder holding dimacs/), WAYBILL_BENCH_SEED (the random nodes,
// default 2024), WAYBILL_BENCH_TREES (sources whose trees are timed per matrix, default 200; 0:
// every source; the baseline's total is the mean per tree times the sources), WAYBILL_DB (a
// libpq conninfo; without it the pgRouting matrix is skipped; ops/bench-router.sh starts one).
#include "router/contraction.h"

#include <benchmark/benchmark.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "router/ch_file.h"
#include "router/ch_query.h"
#include "router/dimacs.h"
#include "router/graph.h"
#include "router/landmarks.h"
#include "router/shortest_path.h"
#include "tests/bench/ny_inputs.h"
#include "tests/bench/pgrouting_session.h"

namespace waybill::bench {
namespace {

using router::ChQuery;
using router::ContractionHierarchy;
using router::Cost;
using router::kInfiniteCost;
using router::NodeIndex;
using router::RoadGraph;
using router::RouteQuery;
using router::RouteResult;
using router::RouteStatus;

constexpr std::size_t kPairs = 10'000;         // point to point, CH and ALT
constexpr std::size_t kDijkstraPairs = 1'000;  // the first of them, for the plain Dijkstra
constexpr std::size_t kLandmarkCount = 16;
constexpr std::size_t kBlockRows = 500;  // matrix rows computed at a time
constexpr std::size_t kDefaultTreeSources = 200;
constexpr std::size_t kPgrPoints = 100;  // the pgRouting matrix's sample

// ---- inputs, made on first use and kept for the run, outside every timed loop ------------------

const RoadGraph& ny_graph() {
  static const RoadGraph graph = router::load_dimacs(ny_gr(), ny_co());
  return graph;
}
const ContractionHierarchy& ny_hierarchy() {
  static const ContractionHierarchy ch = ContractionHierarchy::build(ny_graph(), 2);
  return ch;
}
const router::Landmarks& ny_landmarks() {
  static const auto landmarks = router::Landmarks::build(ny_graph(), kLandmarkCount, 2);
  return landmarks;
}
// `count` random nodes, from their own stream of the seed.
std::vector<NodeIndex> random_nodes(std::size_t count, std::uint64_t stream) {
  std::mt19937_64 rng(seed() + stream);
  std::vector<NodeIndex> nodes(count);
  for (NodeIndex& v : nodes) v = static_cast<NodeIndex>(rng() % ny_graph().num_nodes());
  return nodes;
}
const std::vector<std::pair<NodeIndex, NodeIndex>>& ny_pairs() {
  static const auto pairs = [] {
    const std::vector<NodeIndex> nodes = random_nodes(2 * kPairs, 0);
    std::vector<std::pair<NodeIndex, NodeIndex>> out;
    for (std::size_t i = 0; i < kPairs; ++i) out.emplace_back(nodes[2 * i], nodes[2 * i + 1]);
    return out;
  }();
  return pairs;
}
std::size_t tree_sources(std::size_t sources) {
  const std::uint64_t wanted = seed_from_env("WAYBILL_BENCH_TREES", kDefaultTreeSources);
  return wanted == 0 ? sources : std::min<std::size_t>(sources, wanted);
}

// ---- what the summary reports ---------------------------------------------------------------

struct PairStats {  // one method over the pairs, each query timed on its own
  std::size_t pairs = 0;
  double median_us = 0, p99_us = 0, mean_us = 0;
  double median_first_us = 0;  // over the first kDijkstraPairs alone, to compare with Dijkstra
  std::vector<Cost> costs;
};

struct MatrixStats {
  double ch_ms = 0;          // targets + every row, one thread
  double ch_targets_ms = 0;  // of which the targets' buckets
  double ch_two_ms = 0;      // rows on two threads (targets included)
  double trees_ms = 0;       // one tree per source, extrapolated from `timed` sources
  std::size_t timed = 0;
  std::size_t entries = 0;
};

struct Summary {
  std::map<unsigned, double> build_s;  // by threads
  std::size_t shortcuts = 0, rounds = 0;
  double bytes_per_node = 0;
  std::uintmax_t file_bytes = 0;
  double save_ms = 0, load_ms = 0;
  std::map<std::string, PairStats> pairs;  // "CH cost", "CH route", "CH path", "ALT", "Dijkstra"
  std::map<std::size_t, MatrixStats> matrices;  // by points
  std::optional<double> pgr_matrix_ms;          // pgr_dijkstraCostMatrix over kPgrPoints
  double pgr_ch_ms = 0;                         // the hierarchy's matrix of the same points
  std::string pgr_note = "not run";
};

Summary& summary() {
  static Summary s;
  return s;
}

// ---- the build, the memory and the file ---------------------------------------------------------

void BM_ChBuild(benchmark::State& state) {
  const auto threads = static_cast<unsigned>(state.range(0));
  router::ChBuildReport report;
  for (auto _ : state) {
    const ContractionHierarchy ch = ContractionHierarchy::build(ny_graph(), threads, &report);
    summary().bytes_per_node =
        static_cast<double>(ch.bytes()) / static_cast<double>(ch.num_nodes());
    state.counters["bytes_per_node"] = summary().bytes_per_node;
  }
  summary().build_s[threads] = report.seconds;
  summary().shortcuts = report.shortcuts;
  summary().rounds = report.rounds;
  state.counters["shortcuts"] = static_cast<double>(report.shortcuts);
  state.counters["rounds"] = static_cast<double>(report.rounds);
}
BENCHMARK(BM_ChBuild)
    ->ArgName("threads")
    ->Arg(1)
    ->Arg(2)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

void BM_ChFile(benchmark::State& state) {
  const fs::path path =
      fs::temp_directory_path() / ("waybill_bench_" + std::to_string(::getpid()) + ".ch");
  const ContractionHierarchy& ch = ny_hierarchy();
  Summary& s = summary();
  for (auto _ : state) {
    const auto t0 = Clock::now();
    router::save_hierarchy(path, ch, "bench");
    s.save_ms = ms_since(t0);
    const auto t1 = Clock::now();
    const ContractionHierarchy back = router::load_hierarchy(path, ny_graph(), "bench");
    s.load_ms = ms_since(t1);
    benchmark::DoNotOptimize(back.num_nodes());
  }
  s.file_bytes = fs::file_size(path);
  fs::remove(path);
  state.counters["file_bytes"] = static_cast<double>(s.file_bytes);
  state.counters["save_ms"] = s.save_ms;
  state.counters["load_ms"] = s.load_ms;
}
BENCHMARK(BM_ChFile)->Iterations(1)->Unit(benchmark::kMillisecond)->UseRealTime();

// ---- point to point -----------------------------------------------------------------------------

// Answers the first `count` pairs with `route(from, to)` (returning a cost, kInfiniteCost when
// unreachable), each query timed on its own, into the summary under `name`.
template <class Route>
void run_pairs(benchmark::State& state, const std::string& name, std::size_t count, Route route) {
  const auto& pairs = ny_pairs();
  PairStats& out = summary().pairs[name];
  std::vector<double> us;
  for (auto _ : state) {
    us.clear();
    out.costs.assign(count, kInfiniteCost);
    for (std::size_t i = 0; i < count; ++i) {
      const auto t0 = Clock::now();
      out.costs[i] = route(pairs[i].first, pairs[i].second);
      us.push_back(ms_since(t0) * 1000);
    }
  }
  out.pairs = count;
  out.median_us = median(us);
  out.p99_us = percentile(us, 0.99);
  out.mean_us = mean(us);
  out.median_first_us = median(std::vector<double>(
      us.begin(), us.begin() + static_cast<std::ptrdiff_t>(std::min(count, kDijkstraPairs))));
  state.counters["median_us"] = out.median_us;
  state.counters["p99_us"] = out.p99_us;
  state.counters["mean_us"] = out.mean_us;
  // A speed-up is only worth reporting for the same answers.
  for (const auto& [other, stats] : summary().pairs) {
    for (std::size_t i = 0; i < std::min(count, stats.costs.size()); ++i) {
      if (stats.costs[i] == out.costs[i]) continue;
      fail(state, name,
           "disagrees with " + other + " on pair " + std::to_string(i) + ": " +
               std::to_string(out.costs[i]) + " vs " + std::to_string(stats.costs[i]));
      return;
    }
  }
}

Cost cost_of(const RouteResult& r) { return r.status == RouteStatus::ok ? r.cost : kInfiniteCost; }

void BM_PointToPoint_Dijkstra(benchmark::State& state) {
  RouteQuery query(ny_graph());
  run_pairs(state, "Dijkstra", kDijkstraPairs, [&](NodeIndex a, NodeIndex b) {
    return cost_of(query.one_to_one(ny_graph().id_of(a), ny_graph().id_of(b)));
  });
}
BENCHMARK(BM_PointToPoint_Dijkstra)->Iterations(1)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_PointToPoint_ALT(benchmark::State& state) {
  RouteQuery query(ny_graph(), &ny_landmarks());
  run_pairs(state, "ALT", kPairs, [&](NodeIndex a, NodeIndex b) {
    return cost_of(query.one_to_one(ny_graph().id_of(a), ny_graph().id_of(b)));
  });
}
BENCHMARK(BM_PointToPoint_ALT)->Iterations(1)->Unit(benchmark::kMillisecond)->UseRealTime();

// The hierarchy's three forms: the cost alone (ChQuery::cost), the RouteResult that RouteQuery
// gives (cost, hops, length), and with the path unpacked.
void BM_PointToPoint_CH(benchmark::State& state) {
  ChQuery query(ny_graph(), ny_hierarchy());
  switch (state.range(0)) {
    case 0:
      run_pairs(state, "CH cost", kPairs,
                [&](NodeIndex a, NodeIndex b) { return query.cost(a, b); });
      break;
    case 1:
      run_pairs(state, "CH route", kPairs,
                [&](NodeIndex a, NodeIndex b) { return cost_of(query.route(a, b)); });
      break;
    default:
      run_pairs(state, "CH path", kPairs,
                [&](NodeIndex a, NodeIndex b) { return cost_of(query.route(a, b, true)); });
  }
}
BENCHMARK(BM_PointToPoint_CH)
    ->ArgName("form")
    ->DenseRange(0, 2)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// ---- matrices -----------------------------------------------------------------------------------

// The rows of `sources` (from row `first` on) against `targets`, a block at a time, on `query`;
// checks each row whose source has a tree in `want` (row -> the tree's cost to each target).
void matrix_rows(ChQuery& query, const router::MatrixTargets& targets,
                 std::span<const NodeIndex> sources, std::size_t first,
                 const std::map<std::size_t, std::vector<Cost>>& want, std::string& wrong) {
  router::MatrixCells block;
  for (std::size_t at = 0; at < sources.size(); at += kBlockRows) {
    const std::size_t rows = std::min(kBlockRows, sources.size() - at);
    query.rows(targets, sources.subspan(at, rows), block);
    for (std::size_t i = 0; i < rows; ++i) {
      const auto it = want.find(first + at + i);
      if (it == want.end()) continue;
      for (std::size_t j = 0; j < targets.size(); ++j) {
        if (block.cost_at(i, j) != it->second[j] && wrong.empty()) {
          wrong = "row " + std::to_string(first + at + i) + " column " + std::to_string(j);
        }
      }
    }
  }
}

void BM_Matrix(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const std::vector<NodeIndex> points = random_nodes(n, 100 + n);
  MatrixStats& m = summary().matrices[n];
  const std::string name = "BM_Matrix/" + std::to_string(n);
  // The baseline: one tree per source, for the first sources; their costs check the matrix.
  m.timed = tree_sources(n);
  std::map<std::size_t, std::vector<Cost>> want;
  RouteQuery trees(ny_graph());
  const auto t0 = Clock::now();
  for (std::size_t i = 0; i < m.timed; ++i) {
    const auto tree = trees.tree(ny_graph().id_of(points[i]));
    std::vector<Cost>& row = want[i];
    for (const NodeIndex v : points) row.push_back(tree->cost_to(v));
  }
  m.trees_ms = ms_since(t0) / static_cast<double>(m.timed) * static_cast<double>(n);

  ChQuery query(ny_graph(), ny_hierarchy());
  std::string wrong;
  for (auto _ : state) {
    const auto t1 = Clock::now();
    const router::MatrixTargets targets = query.targets(points);
    m.ch_targets_ms = ms_since(t1);
    m.entries = targets.entries();
    matrix_rows(query, targets, points, 0, want, wrong);
    m.ch_ms = ms_since(t1);
  }
  // Two threads, each with its own ChQuery (made beforehand, as a worker keeps one per thread),
  // share the targets and take half the rows each.
  ChQuery second(ny_graph(), ny_hierarchy());
  const auto t2 = Clock::now();
  const router::MatrixTargets targets = query.targets(points);
  const std::size_t half = n / 2;
  std::string wrong_other;
  std::thread other([&] {
    matrix_rows(second, targets, std::span(points).subspan(half), half, want, wrong_other);
  });
  matrix_rows(query, targets, std::span(points).first(half), 0, want, wrong);
  other.join();
  m.ch_two_ms = ms_since(t2);
  if (!wrong.empty() || !wrong_other.empty()) {
    fail(state, name, "the matrix and the trees disagree at " + wrong + wrong_other);
    return;
  }
  state.counters["trees_ms"] = m.trees_ms;
  state.counters["targets_ms"] = m.ch_targets_ms;
  state.counters["two_threads_ms"] = m.ch_two_ms;
  state.counters["trees_per_ch"] = m.trees_ms / m.ch_ms;
  state.counters["entries"] = static_cast<double>(m.entries);
}
BENCHMARK(BM_Matrix)
    ->ArgName("points")
    ->Arg(100)
    ->Arg(1000)
    ->Arg(5000)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// pgr_dijkstraCostMatrix over the points of BM_Matrix/100 (reading the arcs and building its
// graph inside the call, as pgRouting always does), against the hierarchy's matrix of the same
// points, which must agree. Skipped without WAYBILL_DB.
void BM_MatrixPgRouting(benchmark::State& state) {
  Summary& s = summary();
  const char* conninfo = database_or_skip(state, s.pgr_note);
  if (conninfo == nullptr) return;
  const std::vector<NodeIndex> points = random_nodes(kPgrPoints, 100 + kPgrPoints);
  std::vector<router::NodeId> ids;
  ids.reserve(points.size());
  for (const NodeIndex v : points) ids.push_back(ny_graph().id_of(v));
  PairCosts expected;
  try {
    PgRoutingSession session(conninfo, ny_graph().arcs(), {});
    const auto t0 = Clock::now();
    for (auto _ : state) expected = session.dijkstra_cost_matrix(ids);
    s.pgr_matrix_ms = ms_since(t0) / static_cast<double>(state.iterations());
  } catch (const std::exception& e) {
    s.pgr_note = std::string("failed: ") + e.what();
    fail(state, "BM_MatrixPgRouting", std::string("WAYBILL_DB=\"") + conninfo + "\": " + e.what());
    return;
  }
  ChQuery query(ny_graph(), ny_hierarchy());
  router::MatrixCells m;
  const auto t1 = Clock::now();
  query.rows(query.targets(points), points, m);
  s.pgr_ch_ms = ms_since(t1);
  for (std::size_t i = 0; i < ids.size(); ++i) {
    for (std::size_t j = 0; j < ids.size(); ++j) {
      const auto it = expected.find({router::to_int(ids[i]), router::to_int(ids[j])});
      const Cost want = ids[i] == ids[j] ? 0 : it == expected.end() ? kInfiniteCost : it->second;
      if (m.cost_at(i, j) == want) continue;
      s.pgr_matrix_ms.reset();
      s.pgr_note = "failed: the answers differ";
      fail(state, "BM_MatrixPgRouting",
           "pgRouting and the hierarchy disagree on row " + std::to_string(i) + " column " +
               std::to_string(j));
      return;
    }
  }
  state.counters["ch_ms"] = s.pgr_ch_ms;
  state.counters["pgr_per_ch"] = *s.pgr_matrix_ms / s.pgr_ch_ms;
}
BENCHMARK(BM_MatrixPgRouting)->Iterations(1)->Unit(benchmark::kMillisecond)->UseRealTime();

// ---- main -----------------------------------------------------------------------------------

void print_summary(std::ostream& out, const RunInfo& info) {
  const Summary& s = summary();
  out << "\n---- summary ----\n"
      << "machine:  " << info.machine << "; load average " << info.load_at_start << " at start, "
      << load_average() << " at end\n"
      << "dataset:  " << ny_gr().string() << " (with coordinates: arcs have lengths)\n"
      << "commit:   " << info.commit << ", build type " << WAYBILL_BUILD_TYPE << '\n'
      << "inputs:   seed " << seed() << " (WAYBILL_BENCH_SEED)\n";
  out.setf(std::ios::fixed);
  out.precision(2);
  for (const auto& [threads, seconds] : s.build_s) {
    out << "build:    " << seconds << " s on " << threads << " thread(s)";
    if (threads == 2 && s.build_s.count(1)) out << ", " << s.build_s.at(1) / seconds << " x one";
    out << '\n';
  }
  if (!s.build_s.empty()) {
    out << "          " << s.shortcuts << " shortcuts, " << s.rounds << " rounds, "
        << s.bytes_per_node << " bytes per node in memory\n";
  }
  if (s.file_bytes > 0) {
    out << "file:     " << s.file_bytes << " bytes ("
        << static_cast<double>(s.file_bytes) / static_cast<double>(ny_graph().num_nodes())
        << " per node), saved in " << s.save_ms << " ms, loaded and checked in " << s.load_ms
        << " ms\n";
  }
  const auto pair_line = [&](const std::string& name) {
    if (!s.pairs.count(name)) return;
    const PairStats& p = s.pairs.at(name);
    out << "  " << name << ": median " << p.median_us << " us, p99 " << p.p99_us << " us, mean "
        << p.mean_us << " us over " << p.pairs << " pairs\n";
  };
  out << "point to point (random pairs):\n";
  for (const char* name : {"CH cost", "CH route", "CH path", "ALT", "Dijkstra"}) pair_line(name);
  if (s.pairs.count("CH route") && s.pairs.count("ALT") && s.pairs.count("Dijkstra")) {
    const PairStats& ch = s.pairs.at("CH route");
    out << "  ratios of medians: ALT / CH route " << s.pairs.at("ALT").median_us / ch.median_us
        << " x; Dijkstra / CH route (first " << kDijkstraPairs << " pairs) "
        << s.pairs.at("Dijkstra").median_us / ch.median_first_us << " x\n";
  }
  out << "matrices (random points squared; CH on one thread, targets included):\n";
  for (const auto& [n, m] : s.matrices) {
    out << "  " << n << " x " << n << ": CH " << m.ch_ms << " ms (targets " << m.ch_targets_ms
        << " ms, " << m.entries << " bucket entries), two threads " << m.ch_two_ms
        << " ms; one tree per source " << m.trees_ms << " ms (from " << m.timed
        << " trees); trees / CH " << m.trees_ms / m.ch_ms << " x\n";
  }
  if (s.pgr_matrix_ms) {
    out << "  " << kPgrPoints << " x " << kPgrPoints << " pgr_dijkstraCostMatrix "
        << *s.pgr_matrix_ms << " ms, CH " << s.pgr_ch_ms << " ms; pgRouting / CH "
        << *s.pgr_matrix_ms / s.pgr_ch_ms << " x\n";
  } else {
    out << "  pgRouting matrix: " << s.pgr_note << '\n';
  }
}

}  // namespace
}  // namespace waybill::bench

int main(int argc, char** argv) try {
  using namespace waybill::bench;
  return run_benchmarks(argc, argv, {ny_gr(), ny_co()}, "inputs",
                        std::to_string(kPairs) + " pairs, seed " + std::to_string(seed()),
                        print_summary);
} catch (const std::exception& e) {
  std::cerr << "contraction_benchmark: " << e.what() << '\n';
  return 1;
}
