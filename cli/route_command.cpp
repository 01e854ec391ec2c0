#include "cli/route_command.h"

#include <boost/program_options.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "cli/graph_source.h"
#include "cli/text_fields.h"
#include "router/dimacs.h"
#include "router/endpoint.h"
#include "router/landmarks.h"
#include "router/route_between.h"
#include "router/shortest_path.h"
#include "router/snap.h"

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

/// A query in the coordinate form: two points, as numbers and as written (echoed back).
struct PointQuery {
  double origin_lat, origin_lon, dest_lat, dest_lon;
  std::string text;  // "origin_lat,origin_lon,dest_lat,dest_lon", trimmed fields
};

/// The answer to a PointQuery. No route when an end did not snap: `why` says which and why.
struct PointAnswer {
  std::optional<RouteResult> route;
  std::string why;
  std::optional<double> origin_snap_m, dest_snap_m;
  std::string polyline;
};

/// One answered line of input, in input order: an index into the node or the point queries.
struct Answered {
  bool point;
  std::size_t index;
};

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

// "origin,destination" -> query, or the reason the line is bad.
std::optional<Query> parse_query(std::string_view line, std::string& why) {
  const auto comma = line.find(',');
  const auto origin = parse_id(line.substr(0, comma));
  const auto destination = parse_id(line.substr(comma + 1));
  if (!origin || !destination) {
    why = "node ids must be integers";
    return std::nullopt;
  }
  return Query{NodeId{*origin}, NodeId{*destination}};
}

// "origin_lat,origin_lon,dest_lat,dest_lon" (split at its 3 commas) -> query, or the reason the
// line is bad. Whether a point is on the map is the snapper's business, not the parser's.
std::optional<PointQuery> parse_point_query(std::string_view line, std::string& why) {
  std::array<std::string_view, 4> fields;
  for (std::size_t i = 0, begin = 0; i < 4; ++i) {
    const auto end = i < 3 ? line.find(',', begin) : line.size();
    fields[i] = trim(line.substr(begin, end - begin));
    begin = end + 1;
  }
  std::array<double, 4> v{};
  for (std::size_t i = 0; i < 4; ++i) {
    const auto d = parse_degrees(fields[i]);
    if (!d) {
      why = "coordinates must be numbers in degrees";
      return std::nullopt;
    }
    v[i] = *d;
  }
  std::string text;
  for (std::size_t i = 0; i < 4; ++i) (text += i ? "," : "") += fields[i];
  return PointQuery{v[0], v[1], v[2], v[3], std::move(text)};
}

/// Millimetres as metres, or nothing for -1 (text_fields.h).
void write_metres(std::ostream& out, std::int64_t mm) {
  std::string metres;
  append_metres(metres, mm);
  out << metres;
}

/// A snap distance to the decimetre, or nothing when the end did not snap.
void write_snap(std::ostream& out, const std::optional<double>& m) {
  if (!m) return;
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1f", *m);
  out << buffer;
}

void write_point_result(std::ostream& out, const PointQuery& q, const PointAnswer& a,
                        bool paths) {
  out << q.text << ',';
  if (!a.route) {
    out << "unsnappable,,";
  } else if (a.route->status == RouteStatus::ok) {
    out << a.route->cost << ',' << a.route->hops << ',';
    write_metres(out, a.route->length_mm);
  } else {
    out << "unreachable,,";
  }
  out << ',';
  write_snap(out, a.origin_snap_m);
  out << ',';
  write_snap(out, a.dest_snap_m);
  if (paths) out << ',' << a.polyline;
  out << '\n';
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

/// What routing needs besides the graph, for the point queries.
struct PointContext {
  const router::RoadGraph* graph;
  const router::Snapper* snapper;
  double radius_m;
  bool paths;
};

/// Answers the point queries `members` (all of one origin) with `query`: one search each, or
/// for an origin of kTreeThreshold queries or more, the tree of its point (a depot). Returns
/// the nodes settled.
std::uint64_t route_point_group(router::RouteQuery& query, const PointContext& c,
                                const std::vector<PointQuery>& points,
                                const std::vector<std::size_t>& members,
                                std::vector<PointAnswer>& answers) {
  const PointQuery& first = points[members.front()];
  const router::SnappedEnd origin =
      router::snap_origin(*c.snapper, first.origin_lat, first.origin_lon, c.radius_m);
  if (!origin.endpoint) {
    const std::string why = "origin unsnappable: " + origin.why;
    for (const std::size_t i : members) answers[i].why = why;
    return 0;
  }
  const router::Endpoint& from = *origin.endpoint;
  std::uint64_t settled = 0;
  std::shared_ptr<const router::ShortestPathTree> tree;
  if (members.size() >= kTreeThreshold) {
    tree = query.tree(from);
    settled += query.settled();
  }
  for (const std::size_t i : members) {
    const PointQuery& q = points[i];
    PointAnswer& a = answers[i];
    a.origin_snap_m = from.snap_distance_m;
    const router::SnappedEnd dest =
        router::snap_destination(*c.snapper, q.dest_lat, q.dest_lon, c.radius_m);
    if (!dest.endpoint) {
      a.why = "destination unsnappable: " + dest.why;
      continue;
    }
    a.dest_snap_m = dest.endpoint->snap_distance_m;
    router::PointRoute r =
        router::route_between(*c.graph, query, tree.get(), from, *dest.endpoint, c.paths);
    if (!tree) settled += query.settled();
    a.route = std::move(r.route);
    a.polyline = std::move(r.polyline);
  }
  return settled;
}

}  // namespace

int route_command(std::span<const std::string> args, std::istream& in, std::ostream& out,
                  std::ostream& err) {
  GraphSource files;
  unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  std::size_t landmark_count = 32;
  double snap_radius_m = router::kDefaultSnapRadiusM;
  po::options_description options(
      "waybill route (--graph FILE.gr[.gz] | --osm FILE.osm.pbf) [options] < queries\n\n"
      "Reads 'origin,destination' lines of node ids on stdin and writes\n"
      "'origin,destination,cost,hops[,path]' lines on stdout, in input order. cost is the sum\n"
      "of arc weights (DIMACS: as given; OSM: travel time in milliseconds), or 'unreachable'.\n"
      "Node ids are DIMACS ids or OSM node ids. Lines of four numbers,\n"
      "'origin_lat,origin_lon,dest_lat,dest_lon' in degrees, are routed between the points\n"
      "snapped onto the nearest roads (the graph needs coordinates: --coords or --osm) and\n"
      "answered 'origin_lat,origin_lon,dest_lat,dest_lon,cost,hops,distance_m,origin_snap_m,\n"
      "dest_snap_m[,polyline]', cost 'unsnappable' when a point is farther than the snap radius\n"
      "from every road. Bad lines, unknown nodes and unsnappable points are reported on stderr\n"
      "with their line number; the exit status is 1 if there was any, 2 on a usage or file\n"
      "error.\n\nOptions");
  options.add_options()("help,h", "show this help");
  add_graph_options(options, files);
  options.add_options()
      ("paths", "append the path's node ids, separated by spaces (coordinate lines: the route's "
       "encoded polyline, precision 6)")
      ("snap-radius-m", po::value(&snap_radius_m)->default_value(snap_radius_m),
       "coordinate lines: the farthest a road may be from a point, in metres")
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
    if (!(snap_radius_m > 0) || !std::isfinite(snap_radius_m)) {
      throw po::error("--snap-radius-m must be a positive number of metres");
    }
    if (const std::string problem = validate(files); !problem.empty()) throw po::error(problem);
  } catch (const po::error& e) {
    err << "waybill route: " << e.what() << "\n" << options << '\n';
    return 2;
  }
  const bool paths = vm.count("paths") > 0;

  const auto t_load = Clock::now();
  std::optional<router::RoadGraph> graph;
  try {
    graph = load_graph(files, vm.count("stats") > 0 ? &err : nullptr);
  } catch (const router::LoadError& e) {
    err << "waybill route: " << e.what() << '\n';
    return 2;
  }
  const double load_ms = ms_since(t_load);

  // Read and check every line: two fields are node ids, four are coordinates.
  std::vector<Query> queries;
  std::vector<PointQuery> points;
  std::vector<Answered> answered;    // in input order
  std::vector<std::size_t> line_of;  // answered line -> input line number
  bool any_bad = false;
  std::string line;
  std::string why;
  for (std::size_t number = 1; std::getline(in, line); ++number) {
    if (trim(line).empty()) continue;
    const auto commas = std::count(line.begin(), line.end(), ',');
    bool good = false;
    if (commas == 1) {
      auto q = parse_query(line, why);
      if (q && !graph->index_of(q->origin)) {
        q.reset();
        why = "unknown origin node";
      } else if (q && !graph->index_of(q->destination)) {
        q.reset();
        why = "unknown destination node";
      }
      if (q) {
        answered.push_back({false, queries.size()});
        queries.push_back(*q);
        good = true;
      }
    } else if (commas == 3) {
      auto q = parse_point_query(line, why);
      if (q && !graph->has_coordinates()) {
        q.reset();
        why = "coordinates need a graph with coordinates (--coords or --osm)";
      }
      if (q) {
        answered.push_back({true, points.size()});
        points.push_back(std::move(*q));
        good = true;
      }
    } else {
      why = "expected 'origin,destination' or 'origin_lat,origin_lon,dest_lat,dest_lon'";
    }
    if (!good) {
      err << "line " << number << ": " << why << ": '" << line.substr(0, 200) << "'\n";
      any_bad = true;
      continue;
    }
    line_of.push_back(number);
  }
  // Group by origin: node ids, and points by their exact coordinates.
  std::unordered_map<std::int64_t, std::vector<std::size_t>> by_origin;
  for (std::size_t i = 0; i < queries.size(); ++i) {
    by_origin[router::to_int(queries[i].origin)].push_back(i);
  }
  std::map<std::pair<double, double>, std::vector<std::size_t>> by_origin_point;
  for (std::size_t i = 0; i < points.size(); ++i) {
    by_origin_point[{points[i].origin_lat, points[i].origin_lon}].push_back(i);
  }
  std::vector<const std::vector<std::size_t>*> groups;  // node groups, then point groups
  std::size_t lone = 0;
  for (const auto& [origin, members] : by_origin) {
    groups.push_back(&members);
    if (members.size() < kTreeThreshold) lone += members.size();
  }
  const std::size_t node_groups = groups.size();
  for (const auto& [origin, members] : by_origin_point) {
    groups.push_back(&members);
    if (members.size() < kTreeThreshold) lone += members.size();
  }

  const auto t_landmarks = Clock::now();
  std::optional<router::Landmarks> landmarks;
  if (landmark_count > 0 && lone >= kLandmarkThreshold) {
    landmarks = router::Landmarks::build(*graph, landmark_count, threads);
  }
  const double landmarks_ms = ms_since(t_landmarks);
  const auto t_snapper = Clock::now();
  std::optional<router::Snapper> snapper;
  if (!points.empty()) snapper.emplace(*graph);
  const double snapper_ms = ms_since(t_snapper);

  const auto t_route = Clock::now();
  std::vector<RouteResult> results(queries.size());
  std::vector<PointAnswer> point_answers(points.size());
  const PointContext context{&*graph, snapper ? &*snapper : nullptr, snap_radius_m, paths};
  std::atomic<std::size_t> next{0};
  std::atomic<std::uint64_t> settled{0};  // nodes settled by all searches: the work done
  auto work = [&] {
    router::RouteQuery query(*graph, landmarks ? &*landmarks : nullptr);
    std::vector<NodeId> destinations;
    std::uint64_t mine = 0;
    for (std::size_t g; (g = next.fetch_add(1)) < groups.size();) {
      const auto& members = *groups[g];
      if (g >= node_groups) {
        mine += route_point_group(query, context, points, members, point_answers);
        continue;
      }
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

  for (std::size_t k = 0; k < answered.size(); ++k) {
    const Answered& a = answered[k];
    if (!a.point) {
      write_result(out, queries[a.index], results[a.index], paths);
      continue;
    }
    const PointAnswer& answer = point_answers[a.index];
    write_point_result(out, points[a.index], answer, paths);
    if (!answer.route) {
      err << "line " << line_of[k] << ": " << answer.why << ": '" << points[a.index].text
          << "'\n";
      any_bad = true;
    }
  }
  out.flush();
  if (vm.count("stats")) {
    err << "graph: " << graph->num_nodes() << " nodes, " << graph->num_arcs() << " arcs, loaded in "
        << load_ms << " ms\n"
        << "landmarks: " << (landmarks ? landmarks->count() : 0) << " in " << landmarks_ms
        << " ms\n";
    if (snapper) {
      err << "snapper: " << snapper->num_segments() << " road segments indexed in " << snapper_ms
          << " ms\n";
    }
    err << "routed " << queries.size() + points.size() << " queries from " << groups.size()
        << " origins in " << route_ms << " ms, " << settled.load() << " nodes settled\n";
  }
  return any_bad ? 1 : 0;
}

}  // namespace waybill::cli
