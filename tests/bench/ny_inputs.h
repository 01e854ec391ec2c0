// What the router benchmarks on the DIMACS NY graph share: where the data is, the seed of the
// random nodes, timing and statistics helpers, and the context every run is recorded with
// (run_info.h: machine, dataset, commit; STYLE.md 23).
#pragma once

#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <iostream>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "common/test_seed.h"
#include "router/graph.h"
#include "tests/bench/run_info.h"

#ifndef WAYBILL_DEFAULT_DATA_DIR
#error "WAYBILL_DEFAULT_DATA_DIR, WAYBILL_SOURCE_DIR and WAYBILL_BUILD_TYPE must be defined"
#endif

namespace waybill::bench {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

inline constexpr std::uint64_t kDefaultSeed = 2024;

inline double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

inline double median(std::vector<double> v) {
  if (v.empty()) return 0;
  const auto mid = v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2);
  std::nth_element(v.begin(), mid, v.end());
  if (v.size() % 2 == 1) return *mid;
  return (*mid + *std::max_element(v.begin(), mid)) / 2;
}

/// The value below which a fraction `p` (0..1) of the samples lie (nearest rank).
inline double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  const auto rank = static_cast<std::size_t>(std::ceil(p * static_cast<double>(v.size())));
  const auto at = v.begin() + static_cast<std::ptrdiff_t>(
                                  std::min(v.size(), std::max<std::size_t>(rank, 1)) - 1);
  std::nth_element(v.begin(), at, v.end());
  return *at;
}

inline double mean(const std::vector<double>& v) {
  return v.empty() ? 0 : std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
}

/// The folder holding dimacs/: $WAYBILL_DATA, else the shared data folder next to the checkout.
inline fs::path data_dir() {
  const char* env = std::getenv("WAYBILL_DATA");
  const fs::path dir = env != nullptr && *env != '\0' ? env : WAYBILL_DEFAULT_DATA_DIR;
  return fs::absolute(dir).lexically_normal();  // printed with every run: no "x/../"
}
inline fs::path ny_gr() { return data_dir() / "dimacs" / "USA-road-d.NY.gr.gz"; }
inline fs::path ny_co() { return data_dir() / "dimacs" / "USA-road-d.NY.co.gz"; }

/// The seed of the random nodes: $WAYBILL_BENCH_SEED, else kDefaultSeed.
inline std::uint64_t seed() { return seed_from_env("WAYBILL_BENCH_SEED", kDefaultSeed); }

/// A uniformly random node. `rng() % n` rather than a std distribution, whose output the
/// standard leaves to the library: the same seed gives the same nodes with any compiler.
inline router::NodeId random_node(const router::RoadGraph& graph, std::mt19937_64& rng) {
  return graph.id_of(static_cast<router::NodeIndex>(rng() % graph.num_nodes()));
}

/// What a run is recorded with.
struct RunInfo {
  std::string machine;
  std::string commit;
  std::string load_at_start;
};

/// The run's machine, commit and load, also written into Google Benchmark's context (its
/// console header and --benchmark_out) with the dataset, and `inputs` under `inputs_key`: a note
/// on the random inputs.
inline RunInfo start_run(const std::string& inputs_key, const std::string& inputs) {
  RunInfo info;
  info.machine = cpu_model() + ", nproc " + std::to_string(cpu_count());
  info.commit = source_commit(WAYBILL_SOURCE_DIR);
  info.load_at_start = load_average();
  benchmark::AddCustomContext("machine", info.machine);
  benchmark::AddCustomContext("dataset", ny_gr().string());
  benchmark::AddCustomContext("commit", info.commit);
  benchmark::AddCustomContext("build_type", WAYBILL_BUILD_TYPE);
  benchmark::AddCustomContext(inputs_key, inputs);
  return info;
}

/// The benchmarks of this run that ended in an error, for the summary and the exit status.
inline std::vector<std::string>& failures() {
  static std::vector<std::string> f;
  return f;
}

/// Ends a benchmark in error and remembers it, so that the program exits non-zero.
inline void fail(benchmark::State& state, const std::string& name, const std::string& message) {
  failures().push_back(name + ": " + message);
  state.SkipWithError(message.c_str());
}

/// $WAYBILL_DB, the database of the pgRouting yardsticks; or, when it is not set, null, with
/// `state` skipped and `note` saying why.
inline const char* database_or_skip(benchmark::State& state, std::string& note) {
  const char* conninfo = std::getenv("WAYBILL_DB");
  if (conninfo != nullptr && *conninfo != '\0') return conninfo;
  note = "skipped: WAYBILL_DB not set (ops/bench-router.sh starts a PostgreSQL)";
  state.SkipWithError("WAYBILL_DB not set");
  return nullptr;
}

/// The body of a benchmark program's main(): checks that the road data `files` exist, runs the
/// benchmarks the command line selects (start_run() records the run, with `inputs` under
/// `inputs_key`), then prints `summary` and the failures. Returns the exit status: 2 for an
/// unknown flag or missing data, 1 when a benchmark failed.
inline int run_benchmarks(int argc, char** argv, const std::vector<fs::path>& files,
                          const std::string& inputs_key, const std::string& inputs,
                          const std::function<void(std::ostream&, const RunInfo&)>& summary) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;
  for (const fs::path& file : files) {
    if (fs::exists(file)) continue;
    std::cerr << "error: road data not found: " << file.string() << "\n"
              << "       set WAYBILL_DATA to the folder holding dimacs/ (see "
                 "shared/data/README.md)\n";
    return 2;
  }
  const RunInfo info = start_run(inputs_key, inputs);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  summary(std::cout, info);
  for (const std::string& f : failures()) std::cout << "FAILED:   " << f << '\n';
  return failures().empty() ? 0 : 1;
}

}  // namespace waybill::bench
