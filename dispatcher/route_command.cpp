#include "dispatcher/route_command.h"

#include <boost/program_options.hpp>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <iostream>
#include <optional>
#include <thread>
#include <unordered_map>
#include <vector>

#include "router/dimacs.h"
#include "router/landmarks.h"
#include "router/osm.h"
#include "router/osm_profile.h"
#include "router/shortest_path.h"

namespace waybill::cli {
namespace {

namespace po = boost::program_options;
using router::NodeId;
using router::RouteResult;
using router::RouteStatus;
using Clock = std::chrono::steady_clock;

// An origin with fewer destinations than this gets goal-directed one-to-one searches; with at
// least this many, one Dijkstra answers them all.
constexpr std::size_t kTreeThreshold = 4;
// Building landmarks costs about 30 full searches; below this many lone queries plain
// early-exit Dijkstra is cheaper.
constexpr std::size_t kLandmarkThreshold = 64;

struct Query {
  NodeId origin;
  NodeId destination;
};

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

std::optional<std::int64_t> parse_id(std::string_view s) {
  s = trim(s);
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

// "origin,destination" -> query, or the reason the line is bad.
std::optional<Query> parse_query(std::string_view line, std::string& why) {
  const auto comma = line.find(',');
  if (comma == line.npos || line.find(',', comma + 1) != line.npos) {
    why = "expected 'origin,destination'";
    return std::nullopt;
  }
  const auto origin = parse_id(line.substr(0, comma));
  const auto destination = parse_id(line.substr(comma + 1));
  if (!origin || !destination) {
    why = "node ids must be integers";
    return std::nullopt;
  }
  return Query{NodeId{*origin}, NodeId{*destination}};
}

/// Where the graph comes from: a DIMACS pair or an OpenStreetMap extract.
struct GraphFiles {
  std::string graph, coords;  // DIMACS .gr and optional .co
  std::string osm, profile;   // OSM extract and optional car profile
};

/// The usage error in a combination of graph options, or "" when it is fine.
std::string check_files(const GraphFiles& files) {
  if (files.graph.empty() == files.osm.empty()) return "give exactly one of --graph and --osm";
  if (!files.coords.empty() && files.graph.empty()) return "--coords goes with --graph";
  if (!files.profile.empty() && files.osm.empty()) return "--profile goes with --osm";
  return "";
}

/// Loads the graph; throws LoadError naming the file. With `stats`, an OSM load also says on
/// `err` what it left out, which is why a node of the map may be an "unknown" node here.
router::RoadGraph load_graph(const GraphFiles& files, bool stats, std::ostream& err) {
  if (files.osm.empty()) return router::load_dimacs(files.graph, files.coords);
  const router::OsmProfile profile = files.profile.empty()
                                         ? router::default_car_profile()
                                         : router::load_osm_profile(files.profile);
  const router::OsmNetwork network = router::load_osm(files.osm, profile);
  if (stats) err << files.osm << ": " << router::describe(network.stats) << '\n';
  return router::build_road_graph(network);
}

void write_result(std::ostream& out, const Query& q, const RouteResult& r, bool paths) {
  out << router::to_int(q.origin) << ',' << router::to_int(q.destination) << ',';
  if (r.status == RouteStatus::ok) {
    out << r.cost << ',' << r.hops;
  } else {
    out << "unreachable,";
  }
  if (paths) {
    out << ',';
    for (std::size_t i = 0; i < r.path.size(); ++i) {
      out << (i ? " " : "") << router::to_int(r.path[i]);
    }
  }
  out << '\n';
}

}  // namespace

int route_command(std::span<const std::string> args, std::istream& in, std::ostream& out,
                  std::ostream& err) {
  GraphFiles files;
  unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  std::size_t landmark_count = 32;
  po::options_description options(
      "waybill route (--graph FILE.gr[.gz] | --osm FILE.osm.pbf) [options] < queries\n\n"
      "Reads 'origin,destination' lines of node ids on stdin and writes\n"
      "'origin,destination,cost,hops[,path]' lines on stdout, in input order. cost is the sum\n"
      "of arc weights (DIMACS: as given; OSM: travel time in milliseconds), or 'unreachable'.\n"
      "Node ids are DIMACS ids or OSM node ids. Bad lines and unknown nodes are reported on\n"
      "stderr with their line number; the exit status is 1 if there was any, 2 on a usage or\n"
      "file error.\n\nOptions");
  options.add_options()
      ("help,h", "show this help")
      ("graph", po::value(&files.graph), "DIMACS .gr file, plain or gzip")
      ("coords", po::value(&files.coords), "DIMACS .co file of the same nodes, plain or gzip")
      ("osm", po::value(&files.osm),
       "OpenStreetMap extract (.osm.pbf, .osm, .osm.gz, .osm.bz2): its largest strongly "
       "connected car network")
      ("profile", po::value(&files.profile),
       "car profile for --osm (default: the built-in one, router/profiles/car.profile)")
      ("paths", "append the path's node ids, separated by spaces")
      ("threads", po::value(&threads)->default_value(threads), "routing threads")
      ("landmarks", po::value(&landmark_count)->default_value(landmark_count),
       "ALT landmarks for lone origins (0: plain Dijkstra)")
      ("stats", "print timings on stderr");
  po::variables_map vm;
  try {
    std::vector<std::string> argv(args.begin(), args.end());
    po::store(po::command_line_parser(argv).options(options).run(), vm);
    if (vm.count("help")) {
      out << options << '\n';
      return 0;
    }
    po::notify(vm);
    if (threads == 0) throw po::error("--threads must be at least 1");
    if (const std::string problem = check_files(files); !problem.empty()) throw po::error(problem);
  } catch (const po::error& e) {
    err << "waybill route: " << e.what() << "\n" << options << '\n';
    return 2;
  }
  const bool paths = vm.count("paths") > 0;

  const auto t_load = Clock::now();
  std::optional<router::RoadGraph> graph;
  try {
    graph = load_graph(files, vm.count("stats") > 0, err);
  } catch (const router::LoadError& e) {
    err << "waybill route: " << e.what() << '\n';
    return 2;
  }
  const double load_ms = ms_since(t_load);

  // Read and check every line; group the good ones by origin.
  std::vector<Query> queries;
  std::vector<std::size_t> line_of;  // query -> input line number
  bool any_bad = false;
  std::string line;
  std::string why;
  for (std::size_t number = 1; std::getline(in, line); ++number) {
    if (trim(line).empty()) continue;
    auto q = parse_query(line, why);
    if (q && !graph->index_of(q->origin)) {
      q.reset();
      why = "unknown origin node";
    } else if (q && !graph->index_of(q->destination)) {
      q.reset();
      why = "unknown destination node";
    }
    if (!q) {
      err << "line " << number << ": " << why << ": '" << line.substr(0, 200) << "'\n";
      any_bad = true;
      continue;
    }
    queries.push_back(*q);
    line_of.push_back(number);
  }
  std::unordered_map<std::int64_t, std::vector<std::size_t>> by_origin;
  for (std::size_t i = 0; i < queries.size(); ++i) {
    by_origin[router::to_int(queries[i].origin)].push_back(i);
  }
  std::vector<const std::vector<std::size_t>*> groups;
  std::size_t lone = 0;
  for (const auto& [origin, members] : by_origin) {
    groups.push_back(&members);
    if (members.size() < kTreeThreshold) lone += members.size();
  }

  const auto t_landmarks = Clock::now();
  std::optional<router::Landmarks> landmarks;
  if (landmark_count > 0 && lone >= kLandmarkThreshold) {
    landmarks = router::Landmarks::build(*graph, landmark_count, threads);
  }
  const double landmarks_ms = ms_since(t_landmarks);

  const auto t_route = Clock::now();
  std::vector<RouteResult> results(queries.size());
  std::atomic<std::size_t> next{0};
  std::atomic<std::uint64_t> settled{0};  // nodes settled by all searches: the work done
  auto work = [&] {
    router::RouteQuery query(*graph, landmarks ? &*landmarks : nullptr);
    std::vector<NodeId> destinations;
    std::uint64_t mine = 0;
    for (std::size_t g; (g = next.fetch_add(1)) < groups.size();) {
      const auto& members = *groups[g];
      if (members.size() < kTreeThreshold) {
        for (std::size_t i : members) {
          results[i] = query.one_to_one(queries[i].origin, queries[i].destination, paths);
          mine += query.settled();
        }
        continue;
      }
      destinations.clear();
      for (std::size_t i : members) destinations.push_back(queries[i].destination);
      auto answers = query.one_to_many(queries[members.front()].origin, destinations, paths);
      mine += query.settled();
      for (std::size_t k = 0; k < members.size(); ++k) results[members[k]] = std::move(answers[k]);
    }
    settled += mine;
  };
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < std::min<std::size_t>(threads, groups.size()); ++t) {
    pool.emplace_back(work);
  }
  work();
  for (auto& th : pool) th.join();
  const double route_ms = ms_since(t_route);

  for (std::size_t i = 0; i < queries.size(); ++i) write_result(out, queries[i], results[i], paths);
  out.flush();
  if (vm.count("stats")) {
    err << "graph: " << graph->num_nodes() << " nodes, " << graph->num_arcs() << " arcs, loaded in "
        << load_ms << " ms\n"
        << "landmarks: " << (landmarks ? landmarks->count() : 0) << " in " << landmarks_ms
        << " ms\nrouted " << queries.size() << " queries from " << groups.size()
        << " origins in " << route_ms << " ms, " << settled.load() << " nodes settled\n";
  }
  return any_bad ? 1 : 0;
}

}  // namespace waybill::cli
