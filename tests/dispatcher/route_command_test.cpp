#include "dispatcher/route_command.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "dispatcher/commands.h"
#include "router/osm.h"
#include "router/osm_profile.h"
#include "router/shortest_path.h"

#ifndef WAYBILL_TEST_DATA_DIR
#error "WAYBILL_TEST_DATA_DIR must name tests/data (set by tests/dispatcher/CMakeLists.txt)"
#endif

namespace waybill::cli {
namespace {

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
  EXPECT_NE(run.err.find("line 2: unknown destination node: '4,13'"), std::string::npos) << run.err;
  // --stats says why: the loader dropped two nodes.
  EXPECT_NE(run.err.find("tiny_town.osm: 9 ways routable, 1 closed to cars, 0 node references "
                         "missing; 3 components: kept the largest, dropped 2 nodes and 2 arcs"),
            std::string::npos)
      << run.err;
}

TEST(RouteCommandOsm, ProfileFileIsRead) {
  const CommandRun run = route({"--osm", kTinyTown, "--profile", "/nonexistent/car.profile"}, "");
  EXPECT_EQ(run.status, 2);
  EXPECT_NE(run.err.find("/nonexistent/car.profile"), std::string::npos) << run.err;
}

TEST(RouteCommandOsm, MissingFileIsNamed) {
  const CommandRun run = route({"--osm", "/nonexistent/map.osm.pbf"}, "");
  EXPECT_EQ(run.status, 2);
  EXPECT_NE(run.err.find("waybill route: /nonexistent/map.osm.pbf: cannot open"), std::string::npos)
      << run.err;
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

TEST(GraphImportCommand, SourceOptionsAreCheckedBeforeTheDatabase) {
  // Usage errors come back before any connection is tried: no PostgreSQL here.
  const std::vector<std::string> both = {"--name", "x", "--dimacs", "a.gr", "--osm", kTinyTown};
  EXPECT_EQ(graph_import_command(both), 2);
  const std::vector<std::string> neither = {"--name", "x"};
  EXPECT_EQ(graph_import_command(neither), 2);
  const std::vector<std::string> stray = {"--name", "x", "--dimacs", "a.gr", "--profile", "p"};
  EXPECT_EQ(graph_import_command(stray), 2);
}

}  // namespace
}  // namespace waybill::cli
