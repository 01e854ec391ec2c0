#include "cli/route_command.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "router/endpoint.h"
#include "router/osm.h"
#include "router/osm_profile.h"
#include "router/shortest_path.h"
#include "router/snap.h"

#ifndef WAYBILL_TEST_DATA_DIR
#error "WAYBILL_TEST_DATA_DIR must name tests/data (set by tests/dispatcher/CMakeLists.txt)"
#endif

namespace waybill::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const std::string kTinyTown = std::string(WAYBILL_TEST_DATA_DIR) + "/osm/tiny_town.osm";

struct CommandRun {
  int status = 0;
  std::string out;
  std::string err;
};

CommandRun route(std::vector<std::string> args, const std::string& input) {
  std::istringstream in(input);
  std::ostringstream out;
  std::ostringstream err;
  CommandRun run;
  run.status = route_command(args, in, out, err);
  run.out = out.str();
  run.err = err.str();
  return run;
}

TEST(RouteCommandOsm, RoutesOsmNodeIdsOnTravelTimes) {
  // The answers of the router library on the same map: the command adds parsing, not routing.
  const router::RoadGraph graph =
      router::build_road_graph(router::load_osm(kTinyTown, router::default_car_profile()));
  router::RouteQuery query(graph);
  const router::RouteResult there = query.one_to_one(router::NodeId{4}, router::NodeId{3});
  const router::RouteResult back = query.one_to_one(router::NodeId{3}, router::NodeId{4});
  ASSERT_EQ(there.status, router::RouteStatus::ok);
  ASSERT_EQ(back.status, router::RouteStatus::ok);

  const CommandRun run = route({"--osm", kTinyTown, "--paths", "--threads", "1"}, "4,3\n3,4\n");
  EXPECT_EQ(run.status, 0) << run.err;
  EXPECT_EQ(run.out, "4,3," + std::to_string(there.cost) + ",3,4 5 6 3\n3,4," +
                         std::to_string(back.cost) + ",3,3 2 1 4\n");
}

TEST(RouteCommandOsm, NodeOutsideTheLargestComponentIsUnknown) {
  const CommandRun run = route({"--osm", kTinyTown, "--stats"}, "1,2\n4,13\n");
  EXPECT_EQ(run.status, 1);
  EXPECT_THAT(run.err, HasSubstr("line 2: unknown destination node: '4,13'"));
  // --stats says why: the loader dropped two nodes.
  EXPECT_THAT(run.err,
              HasSubstr("tiny_town.osm: 9 ways routable, 1 closed to cars, 0 node references "
                        "missing; 3 components: kept the largest, dropped 2 nodes and 2 arcs"));
}

TEST(RouteCommandOsm, ProfileFileIsRead) {
  const CommandRun run = route({"--osm", kTinyTown, "--profile", "/nonexistent/car.profile"}, "");
  EXPECT_EQ(run.status, 2);
  EXPECT_THAT(run.err, HasSubstr("/nonexistent/car.profile"));
}

TEST(RouteCommandOsm, MissingFileIsNamed) {
  const CommandRun run = route({"--osm", "/nonexistent/map.osm.pbf"}, "");
  EXPECT_EQ(run.status, 2);
  EXPECT_THAT(run.err, HasSubstr("waybill route: /nonexistent/map.osm.pbf: cannot open"));
}

TEST(RouteCommandOsm, GraphOptionsAreChecked) {
  const auto usage_error = [](std::vector<std::string> args) {
    const CommandRun run = route(std::move(args), "");
    EXPECT_EQ(run.status, 2);
    return run.err.substr(0, run.err.find('\n'));
  };
  EXPECT_EQ(usage_error({}), "waybill route: give exactly one of --graph and --osm");
  EXPECT_EQ(usage_error({"--graph", "a.gr", "--osm", kTinyTown}),
            "waybill route: give exactly one of --graph and --osm");
  EXPECT_EQ(usage_error({"--osm", kTinyTown, "--coords", "a.co"}),
            "waybill route: --coords goes with --graph");
  EXPECT_EQ(usage_error({"--graph", "a.gr", "--profile", "car.profile"}),
            "waybill route: --profile goes with --osm");
}

// ---- the coordinate form ----------------------------------------------------------------------

/// The tiny town with its snapper, to compute the expected answers with the router library.
class RouteCommandPoints : public ::testing::Test {
 protected:
  RouteCommandPoints()
      : m_graph(
            router::build_road_graph(router::load_osm(kTinyTown, router::default_car_profile()))),
        m_snapper(m_graph) {}

  /// The line the command must write for a coordinate query, from the library's own answer.
  std::string expected(const std::string& fields, double lat0, double lon0, double lat1,
                       double lon1, bool paths) const {
    const auto a = m_snapper.snap(lat0, lon0);
    const auto b = m_snapper.snap(lat1, lon1);
    EXPECT_TRUE(a && b);
    const router::Endpoint from = router::origin_endpoint(*a, m_snapper);
    const router::Endpoint to = router::destination_endpoint(*b, m_snapper);
    router::RouteQuery query(m_graph);
    const router::RouteResult r = query.between(from, to, paths);
    EXPECT_EQ(r.status, router::RouteStatus::ok);
    char tail[128];
    std::snprintf(tail, sizeof tail, ",%lld,%u,%lld.%03lld,%.1f,%.1f",
                  static_cast<long long>(r.cost), r.hops,
                  static_cast<long long>(r.length_mm / 1000),
                  static_cast<long long>(r.length_mm % 1000), a->distance_m, b->distance_m);
    std::string line = fields + tail;
    if (paths) {
      line += ',';
      line += router::route_polyline(m_graph, from, to, r);
    }
    return line + "\n";
  }

  router::RoadGraph m_graph;
  router::Snapper m_snapper;
};

TEST_F(RouteCommandPoints, RoutesBetweenSnappedPoints) {
  // A point 5 m off the street between nodes 1 and 2, to one near node 6.
  const std::string input = "43.72996,7.4205,43.73102,7.42195\n";
  const CommandRun run = route({"--osm", kTinyTown, "--threads", "1"}, input);
  EXPECT_EQ(run.status, 0) << run.err;
  EXPECT_EQ(run.out, expected("43.72996,7.4205,43.73102,7.42195", 43.72996, 7.4205, 43.73102,
                              7.42195, false));
  // With --paths, the route's polyline; fields are echoed as written, trimmed.
  const CommandRun with_paths =
      route({"--osm", kTinyTown, "--paths"}, " 43.72996, 7.4205 ,43.73102,7.42195\r\n");
  EXPECT_EQ(with_paths.status, 0) << with_paths.err;
  EXPECT_EQ(with_paths.out, expected("43.72996,7.4205,43.73102,7.42195", 43.72996, 7.4205, 43.73102,
                                     7.42195, true));
}

TEST_F(RouteCommandPoints, DepotsAnswerLikeLoneOrigins) {
  // Five queries from one origin are answered from the trees of its seeds; the same queries
  // from origins of their own by a search each. The answers agree.
  const std::vector<std::pair<std::string, std::string>> to = {{"43.7300", "7.4225"},
                                                               {"43.7309", "7.4201"},
                                                               {"43.7281", "7.4230"},
                                                               {"43.73102", "7.42195"},
                                                               {"43.7300", "7.42"}};
  std::string depot;
  std::string want;
  for (const auto& [lat, lon] : to) {
    const std::string fields = "43.72996,7.4205," + lat + "," + lon;
    depot += fields + "\n";
    want += expected(fields, 43.72996, 7.4205, std::stod(lat), std::stod(lon), true);
  }
  const CommandRun run = route({"--osm", kTinyTown, "--paths", "--threads", "2"}, depot);
  EXPECT_EQ(run.status, 0) << run.err;
  EXPECT_EQ(run.out, want);
}

TEST_F(RouteCommandPoints, UnsnappablePointsAreReportedWithTheirLine) {
  // Line 2 is 5 km out; line 3 has latitude and longitude swapped. Both still get an answer.
  const CommandRun run = route({"--osm", kTinyTown},
                               "4,3\n43.78,7.42,43.7300,7.4205\n43.7300,7.4205,7.4205,43.7300\n");
  EXPECT_EQ(run.status, 1);
  const std::vector<std::string> lines = [&] {
    std::vector<std::string> out;
    std::istringstream in(run.out);
    for (std::string l; std::getline(in, l);) out.push_back(l);
    return out;
  }();
  ASSERT_EQ(lines.size(), 3u) << run.out;
  EXPECT_EQ(lines[1], "43.78,7.42,43.7300,7.4205,unsnappable,,,,");
  EXPECT_EQ(lines[2].rfind("43.7300,7.4205,7.4205,43.7300,unsnappable,,,0.0,", 0), 0u) << lines[2];
  EXPECT_THAT(run.err, HasSubstr("line 2: origin unsnappable: no road within 500 m: '43.78,7.42,"));
  EXPECT_THAT(run.err,
              HasSubstr("line 3: destination unsnappable: no road within 500 m; latitude and "
                        "longitude look swapped"));
  // A wider radius reaches the first one.
  const CommandRun wide =
      route({"--osm", kTinyTown, "--snap-radius-m", "6000"}, "43.78,7.42,43.7300,7.4205\n");
  EXPECT_EQ(wide.status, 0) << wide.err;
  EXPECT_THAT(wide.out, Not(HasSubstr("unsnappable")));
}

TEST_F(RouteCommandPoints, BadCoordinateLinesAreBadLines) {
  const CommandRun run = route({"--osm", kTinyTown}, "43.73,7.42,north,7.42\n1,2,3\n");
  EXPECT_EQ(run.status, 1);
  EXPECT_EQ(run.out, "");
  EXPECT_THAT(run.err,
              HasSubstr("line 1: coordinates must be numbers in degrees: '43.73,7.42,north,7.42'"));
  EXPECT_THAT(run.err, HasSubstr("line 2: expected 'origin,destination' or "
                                 "'origin_lat,origin_lon,dest_lat,dest_lon': '1,2,3'"));
  const CommandRun radius = route({"--osm", kTinyTown, "--snap-radius-m", "0"}, "");
  EXPECT_EQ(radius.status, 2);
  EXPECT_EQ(radius.err.substr(0, radius.err.find('\n')),
            "waybill route: --snap-radius-m must be a positive number of metres");
}

TEST(RouteCommandDimacs, CoordinatesNeedAGraphWithCoordinates) {
  const auto dir = std::filesystem::path(::testing::TempDir()) /
                   ("waybill_route_dimacs_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "pair.gr") << "p sp 2 2\na 1 2 70\na 2 1 90\n";
  std::ofstream(dir / "pair.co") << "p aux sp co 2\nv 1 7420000 43730000\nv 2 7421000 43730000\n";
  const std::string gr = (dir / "pair.gr").string();
  const CommandRun bare = route({"--graph", gr}, "1,2\n43.73,7.4203,43.73,7.4207\n");
  EXPECT_EQ(bare.status, 1);
  EXPECT_EQ(bare.out, "1,2,70,1\n");  // the node form keeps its columns
  EXPECT_THAT(bare.err,
              HasSubstr("line 2: coordinates need a graph with coordinates (--coords or --osm)"));
  // With the .co file: the direct drive along the one road, 0.4 of its 70 and of its 80 m.
  const CommandRun run =
      route({"--graph", gr, "--coords", (dir / "pair.co").string()}, "43.73,7.4203,43.73,7.4207\n");
  EXPECT_EQ(run.status, 0) << run.err;
  EXPECT_EQ(run.out.rfind("43.73,7.4203,43.73,7.4207,28,0,32.", 0), 0u) << run.out;
  // --dimacs is another name for --graph, in every command; giving both is a usage error.
  const CommandRun dimacs = route({"--dimacs", gr}, "1,2\n");
  EXPECT_EQ(dimacs.status, 0) << dimacs.err;
  EXPECT_EQ(dimacs.out, "1,2,70,1\n");
  const CommandRun both = route({"--graph", gr, "--dimacs", gr}, "");
  EXPECT_EQ(both.status, 2);
  EXPECT_EQ(both.err.substr(0, both.err.find('\n')),
            "waybill route: --dimacs is another name for --graph: give one");
  std::filesystem::remove_all(dir);
}

TEST(GraphImportCommand, SourceOptionsAreCheckedBeforeTheDatabase) {
  // Usage errors come back before any connection is tried: no PostgreSQL here.
  const std::vector<std::string> both = {"--name", "x", "--dimacs", "a.gr", "--osm", kTinyTown};
  EXPECT_EQ(graph_import_command(both), 2);
  const std::vector<std::string> neither = {"--name", "x"};
  EXPECT_EQ(graph_import_command(neither), 2);
  const std::vector<std::string> stray = {"--name", "x", "--dimacs", "a.gr", "--profile", "p"};
  EXPECT_EQ(graph_import_command(stray), 2);
  const std::vector<std::string> named_twice = {"--name", "x", "--graph", "a.gr", "--dimacs", "a.gr"};
  EXPECT_EQ(graph_import_command(named_twice), 2);
}

}  // namespace
}  // namespace waybill::cli
