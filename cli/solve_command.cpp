// `waybill solve`: one vehicle-routing problem from a file, planned within a time limit and
// written in VROOM's output format. The file is a CVRPLIB `.vrp`, a Solomon `.txt` or VROOM's
// JSON input; JSON whose locations are coordinates gets its matrices from the road network
// (--graph or --osm, through the graph's contraction hierarchy).
#include <boost/program_options.hpp>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "cli/cli_options.h"
#include "cli/commands.h"
#include "cli/graph_source.h"
#include "cli/road_matrix.h"
#include "common/cache_dir.h"
#include "planner/formats/benchmark_files.h"
#include "planner/formats/vroom_json.h"
#include "planner/solver.h"

namespace waybill::cli {
namespace {

namespace po = boost::program_options;
namespace fmt = planner::formats;
using Clock = std::chrono::steady_clock;

long ms_since(Clock::time_point t) {
  return static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count());
}

/// The format of FILE: by --format, else by its name, else by its first character.
std::string detect_format(const std::string& file, const std::string& text) {
  auto ends_with = [&](const char* suffix) {
    const std::string s(suffix);
    return file.size() >= s.size() && file.compare(file.size() - s.size(), s.size(), s) == 0;
  };
  if (ends_with(".vrp")) return "vrp";
  if (ends_with(".json")) return "vroom";
  if (ends_with(".txt")) return "solomon";
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first != std::string::npos && text[first] == '{') return "vroom";
  if (text.find("NODE_COORD_SECTION") != std::string::npos) return "vrp";
  return "solomon";
}

std::string file_name(const std::string& path) {
  const auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

int solve_command(std::span<const std::string> args, std::istream& in, std::ostream& out,
                  std::ostream& err) {
  const auto started = Clock::now();
  std::string file, output, format = "auto", cache_dir = default_cache_dir().string();
  double time_limit_s = 10, snap_radius_m = 200;
  int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  int vehicles = 0;
  std::uint64_t seed = 1;
  GraphSource road;
  po::options_description options(
      "usage: waybill solve FILE [--time-limit S] [--threads N] [--seed K] [-o OUT.json]\n\n"
      "Plans the tours of one vehicle-routing problem and writes them in VROOM's output format\n"
      "(summary, unassigned, routes with steps). FILE ('-' for stdin) is a CVRPLIB .vrp (EUC_2D,\n"
      "distances rounded to the nearest integer; job ids are the file's node numbers), a Solomon\n"
      ".txt (distances and times in tenths, truncated as the set's best-known values assume), or\n"
      "VROOM's JSON input (jobs, vehicles, matrices). JSON with coordinates instead of a matrix\n"
      "needs a road network: --graph with --coords, or --osm; durations in seconds and distances\n"
      "in metres then come from the graph's contraction hierarchy (kept in --cache-dir).\n"
      "Bad input is reported with its field and position, exit status 2.\n\noptions");
  options.add_options()
      ("help,h", "this help")
      ("file", po::value(&file), "the problem")
      ("time-limit", po::value(&time_limit_s)->default_value(time_limit_s),
       "seconds from the start of the command; the best plan found is written when it expires")
      ("threads", po::value(&threads)->default_value(threads), "search threads")
      ("seed", po::value(&seed)->default_value(seed), "random seed (the same seed, the same search)")
      ("output,o", po::value(&output), "write the plan here (default: stdout)")
      ("format", po::value(&format)->default_value(format), "auto, vrp, solomon or vroom")
      ("vehicles", po::value(&vehicles)->default_value(0),
       ".vrp and .txt: the fleet size (default: the file's, or as many as a plan can need)")
      ("snap-radius-m", po::value(&snap_radius_m)->default_value(snap_radius_m),
       "coordinates: the farthest a road may be, in metres")
      ("cache-dir", po::value(&cache_dir)->default_value(cache_dir),
       "where hierarchies of graph files are kept")
      ("verbose", "progress of the search on stderr");
  add_graph_options(options, road);
  po::variables_map vm;
  if (auto status = parse_options(args, options, vm, "solve", "file")) return *status;
  const auto usage = [&](const std::string& problem) {
    err << "waybill solve: " << problem << "\n\n" << options << '\n';
    return 2;
  };
  if (file.empty()) return usage("no problem file");
  if (!(time_limit_s > 0)) return usage("--time-limit must be a positive number of seconds");
  if (threads < 1) return usage("--threads must be at least 1");
  if (vehicles < 0) return usage("--vehicles must not be negative");
  if (format != "auto" && format != "vrp" && format != "solomon" && format != "vroom") {
    return usage("--format is auto, vrp, solomon or vroom");
  }
  const bool with_road = !road.graph.empty() || !road.osm.empty();
  if (with_road) {
    if (const std::string problem = validate(road); !problem.empty()) return usage(problem);
  }

  std::string text;
  {
    std::ostringstream buffer;
    if (file == "-") {
      buffer << in.rdbuf();
    } else {
      std::ifstream f(file, std::ios::binary);
      if (!f) {
        err << "waybill solve: " << file << ": cannot open: " << std::strerror(errno) << '\n';
        return 2;
      }
      buffer << f.rdbuf();
    }
    text = std::move(buffer).str();
  }
  if (format == "auto") format = detect_format(file, text);
  const std::string name = file == "-" ? "stdin" : file_name(file);

  fmt::VroomProblem input;
  bool from_json = false;
  fmt::ComputingTimes times;
  try {
    std::istringstream stream(text);
    if (format == "vrp") {
      input.problem = fmt::read_cvrplib(stream, name, vehicles);
    } else if (format == "solomon") {
      input.problem = fmt::read_solomon(stream, name, vehicles);
    } else {
      if (vehicles > 0) return usage("--vehicles is for .vrp and .txt files; JSON lists its vehicles");
      input = fmt::read_vroom(text, name);
      from_json = true;
    }
  } catch (const fmt::FormatError& e) {
    err << "waybill solve: " << e.what() << '\n';
    return 2;
  }
  times.loading_ms = ms_since(started);

  if (from_json && input.needs_matrix()) {
    if (!with_road) {
      err << "waybill solve: " << name << ": locations are coordinates and there is no matrix: "
          << "give the road network (--graph with --coords, or --osm), or matrices in the input\n";
      return 2;
    }
    const auto t = Clock::now();
    try {
      fill_road_matrices(road, cache_dir, snap_radius_m, input, err);
    } catch (const std::exception& e) {
      err << "waybill solve: " << e.what() << '\n';
      return 2;
    }
    times.routing_ms = ms_since(t);
  } else if (with_road) {
    return usage("--graph/--osm are for JSON whose locations are coordinates");
  }

  planner::SolverOptions solver;
  solver.time_limit_s = time_limit_s;
  solver.started = started;
  solver.threads = threads;
  solver.seed = seed;
  if (vm.count("verbose")) solver.log = [&err](const std::string& line) { err << "solve: " << line << '\n'; };
  planner::Solution solution;
  const auto t_solve = Clock::now();
  try {
    solution = planner::solve(input.problem, solver);
  } catch (const planner::InvalidProblem& e) {
    err << "waybill solve: " << name << ": " << e.what() << '\n';
    return 2;
  }
  times.solving_ms = ms_since(t_solve);

  const std::string json = fmt::write_vroom(input.problem, solution, from_json ? &input : nullptr, times).dump(2);
  if (output.empty()) {
    out << json << '\n';
  } else {
    std::ofstream f(output, std::ios::binary | std::ios::trunc);
    f << json << '\n';
    f.close();
    if (!f) {
      err << "waybill solve: " << output << ": cannot write: " << std::strerror(errno) << '\n';
      return 1;
    }
  }
  err << "solve: " << name << ": " << input.problem.jobs.size() << " jobs, " << solution.tours.size()
      << " tours, cost " << solution.cost << ", " << solution.unassigned.size() << " unassigned, "
      << solution.iterations << " iterations, " << ms_since(started) / 1000.0 << " s\n";
  return 0;
}

}  // namespace waybill::cli
