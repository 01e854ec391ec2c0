// Routes between snapped points on a contraction hierarchy (ChQuery::between): on random towns
// against the brute force of endpoint_reference.h and against RouteQuery::between, and on the
// Monaco extract against route_between, which the worker answers coordinate jobs with today.
#include "router/ch_query.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "router/contraction.h"
#include "router/endpoint.h"
#include "router/graph.h"
#include "router/route_between.h"
#include "router/shortest_path.h"
#include "router/snap.h"
#include "tests/router/endpoint_reference.h"
#include "tests/router/osm_data.h"
#include "tests/router/reference.h"

namespace waybill::router {
namespace {

TEST(ChEndpointDifferential, RandomTownsAgainstBruteForce) {
  const std::uint64_t seed = testing::test_seed();
  SCOPED_TRACE(testing::seed_trace(seed));
  std::mt19937_64 rng(seed + 17);
  testing::RandomPoints random_point(43.72, 43.74, 7.405, 7.435);
  std::size_t routed = 0, unreachable = 0, direct = 0;
  for (int round = 0; round < 20; ++round) {
    const testing::RandomTown town = testing::random_town(rng, 15 + round * 4);
    const RoadGraph& graph = town.graph;
    SCOPED_TRACE("round " + std::to_string(round));
    const Snapper snapper(graph);
    const testing::BruteForce brute(graph, town.arcs);
    const ContractionHierarchy ch = ContractionHierarchy::build(graph);
    ChQuery query(graph, ch);
    RouteQuery plain(graph);
    const std::vector<Snap> points = testing::random_snaps(rng, graph, snapper, random_point, 18);
    for (const Snap& o : points) {
      const Endpoint from = origin_endpoint(o, snapper);
      for (const Snap& d : points) {
        const Endpoint to = destination_endpoint(d, snapper);
        const testing::Candidate want = brute.route(o, d);
        SCOPED_TRACE("from " + std::to_string(o.tail) + "->" + std::to_string(o.head) +
                     " t=" + std::to_string(o.t) + " to " + std::to_string(d.tail) + "->" +
                     std::to_string(d.head) + " t=" + std::to_string(d.t));
        for (const bool want_path : {false, true}) {
          const RouteResult r = query.between(from, to, want_path);
          ASSERT_TRUE(testing::matches(brute, graph, from, to, want, r, want_path))
              << "want_path=" << want_path;
          const RouteResult today = plain.between(from, to);
          ASSERT_EQ(r.status, today.status);
          ASSERT_EQ(r.cost, today.cost);
        }
        if (want.cost == kInfiniteCost) {
          ++unreachable;
        } else if (query.between(from, to, true).path.empty()) {
          ++direct;
        } else {
          ++routed;
        }
      }
    }
  }
  EXPECT_GT(routed, 3000u);
  EXPECT_GT(unreachable, 300u);
  EXPECT_GT(direct, 20u);
}

// The Monaco graph's hierarchy, built once for the tests below.
const ContractionHierarchy& monaco_hierarchy() {
  static const ContractionHierarchy ch = ContractionHierarchy::build(testing::monaco_city().graph);
  return ch;
}

class ChMonacoTest : public testing::MonacoFixture {};

TEST_F(ChMonacoTest, RandomPointsRouteAsRouteBetweenDoes) {
  const std::uint64_t seed = testing::test_seed();
  SCOPED_TRACE(testing::seed_trace(seed));
  std::mt19937_64 rng(seed + 5);
  const RoadGraph& graph = testing::monaco_city().graph;
  const Snapper& snapper = testing::monaco_city().snapper;
  testing::RandomPoints random_point(43.725, 43.750, 7.410, 7.440);
  RouteQuery today(graph, &testing::monaco_city().landmarks);
  ChQuery query(graph, monaco_hierarchy());
  const std::vector<Arc> arcs = graph.arcs();  // by ArcIndex
  int checked = 0, with_path = 0;
  while (checked < 400) {
    const auto [lat0, lon0] = random_point(rng);
    const auto [lat1, lon1] = random_point(rng);
    const SnappedEnd a = snap_origin(snapper, lat0, lon0, kDefaultSnapRadiusM);
    const SnappedEnd b = snap_destination(snapper, lat1, lon1, kDefaultSnapRadiusM);
    if (!a.endpoint || !b.endpoint) continue;
    const bool want_path = checked % 2 == 0;
    const PointRoute want =
        route_between(graph, today, nullptr, *a.endpoint, *b.endpoint, want_path);
    const RouteResult r = query.between(*a.endpoint, *b.endpoint, want_path);
    ASSERT_EQ(r.status, want.route.status) << "point " << checked;
    ASSERT_EQ(r.cost, want.route.cost) << "point " << checked;
    if (want_path && !r.path.empty()) {
      ++with_path;
      ASSERT_EQ(r.hops + 1, r.path.size()) << "point " << checked;
      // The arcs of the path and the seeds it starts and ends at add up to its cost.
      Cost cost = 0;
      for (const Endpoint::Seed& x : a.endpoint->seed_span()) {
        if (graph.id_of(x.node) == r.path.front()) cost += x.cost;
      }
      for (const Endpoint::Seed& y : b.endpoint->seed_span()) {
        if (graph.id_of(y.node) == r.path.back()) cost += y.cost;
      }
      for (std::size_t i = 1; i < r.path.size(); ++i) {
        const auto arc = graph.find_arc(*graph.index_of(r.path[i - 1]), *graph.index_of(r.path[i]));
        ASSERT_TRUE(arc.has_value()) << "point " << checked << ": step " << i << " is no arc";
        cost += arcs[*arc].cost;
      }
      EXPECT_EQ(cost, r.cost) << "point " << checked;
      EXPECT_EQ(r.length_mm, testing::seeded_path_length(graph, *a.endpoint, *b.endpoint, r))
          << "point " << checked;
    }
    ++checked;
  }
  EXPECT_GT(with_path, 150);
}

TEST_F(ChMonacoTest, NodeRoutesMatchDijkstra) {
  const RoadGraph& graph = testing::monaco_city().graph;
  std::mt19937_64 rng(testing::test_seed() + 6);
  RouteQuery dijkstra(graph);
  ChQuery query(graph, monaco_hierarchy());
  for (int i = 0; i < 300; ++i) {
    const NodeId from = graph.id_of(static_cast<NodeIndex>(rng() % graph.num_nodes()));
    const NodeId to = graph.id_of(static_cast<NodeIndex>(rng() % graph.num_nodes()));
    const RouteResult want = dijkstra.one_to_one(from, to);
    const RouteResult r = query.one_to_one(from, to, true);
    ASSERT_EQ(r.status, want.status) << i;
    ASSERT_EQ(r.cost, want.cost) << i;
    if (r.status == RouteStatus::ok) {
      EXPECT_EQ(r.length_mm,
                testing::seeded_path_length(graph, node_endpoint(*graph.index_of(from)),
                                            node_endpoint(*graph.index_of(to)), r));
    }
  }
}

}  // namespace
}  // namespace waybill::router
