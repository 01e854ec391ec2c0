// Arc lengths in the graph, and lengths along routes: every query's length_mm is the sum of the
// lengths of the arcs of the path it returns.
#include "router/graph.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <random>
#include <vector>

#include "router/landmarks.h"
#include "router/osm.h"
#include "router/osm_profile.h"
#include "router/shortest_path.h"
#include "tests/router/osm_data.h"
#include "tests/router/reference.h"

namespace waybill::router {
namespace {

using testing::TestGraph;

// depot -> market twice (cost 9 over 900 m, cost 4 over 1.2 km: the cheap one is longer),
// market -> bridge 3 (300 m), depot -> bridge 8 (500 m), bridge <-> harbour 0 (10 m each way).
constexpr NodeId depot{10};
constexpr NodeId market{20};
constexpr NodeId bridge{30};
constexpr NodeId harbour{40};

std::vector<Arc> town_arcs() {
  return {{depot, market, 9, 900'000}, {depot, market, 4, 1'200'000}, {market, bridge, 3, 300'000},
          {depot, bridge, 8, 500'000}, {bridge, harbour, 0, 10'000},  {harbour, bridge, 0, 10'000}};
}

RoadGraph town() { return RoadGraph::build({depot, market, bridge, harbour}, town_arcs()); }

TEST(ArcLengths, ParallelArcsKeepTheLengthOfTheCheapest) {
  const RoadGraph graph = town();
  ASSERT_TRUE(graph.has_lengths());
  EXPECT_EQ(graph.num_arcs(), 5u);
  const auto arc = graph.find_arc(*graph.index_of(depot), *graph.index_of(market));
  ASSERT_TRUE(arc);
  EXPECT_EQ(graph.length_mm(*arc), 1'200'000);
  EXPECT_FALSE(graph.find_arc(*graph.index_of(market), *graph.index_of(depot)));
  // arcs() lists them by ArcIndex, with their lengths.
  const std::vector<Arc> arcs = graph.arcs();
  for (ArcIndex i = 0; i < arcs.size(); ++i) {
    EXPECT_EQ(graph.find_arc(*graph.index_of(arcs[i].tail), *graph.index_of(arcs[i].head)), i);
    EXPECT_EQ(arcs[i].length_mm, graph.length_mm(i));
  }
  EXPECT_EQ(arcs.front().cost, 4);
  EXPECT_EQ(arcs.front().length_mm, 1'200'000);
}

TEST(ArcLengths, CostUnitIsRecorded) {
  EXPECT_EQ(town().cost_unit(), CostUnit::native);
  const RoadGraph timed = RoadGraph::build({depot, market, bridge, harbour}, town_arcs(), {},
                                           nullptr, CostUnit::duration_ms);
  EXPECT_EQ(timed.cost_unit(), CostUnit::duration_ms);
  EXPECT_STREQ(to_string(CostUnit::duration_ms), "duration_ms");
}

TEST(ArcLengths, GraphsWithoutLengthsSayUnknown) {
  std::vector<Arc> arcs = town_arcs();
  for (Arc& a : arcs) a.length_mm = -1;
  const RoadGraph graph = RoadGraph::build({depot, market, bridge, harbour}, arcs);
  EXPECT_FALSE(graph.has_lengths());
  EXPECT_TRUE(graph.lengths_mm().empty());
  RouteQuery query(graph);
  EXPECT_EQ(query.one_to_one(depot, harbour).length_mm, -1);
  EXPECT_EQ(query.tree(depot)->route_to(harbour, false).length_mm, -1);
  EXPECT_EQ(query.one_to_many(depot, std::vector<NodeId>{harbour}).front().length_mm, -1);
}

TEST(RouteLengths, EveryQueryMeasuresTheCheapestPath) {
  const RoadGraph graph = town();
  const Landmarks landmarks = Landmarks::build(graph, 2, 1);
  // depot -> market (cost 4, 1.2 km) -> bridge (300 m) -> harbour (10 m), not via depot ->
  // bridge (cost 8, 500 m): routes are cheapest, and measured, not shortest.
  constexpr std::int64_t kExpected = 1'200'000 + 300'000 + 10'000;
  for (const Landmarks* lm : {static_cast<const Landmarks*>(nullptr), &landmarks}) {
    RouteQuery query(graph, lm);
    EXPECT_EQ(query.one_to_one(depot, harbour).length_mm, kExpected);
    EXPECT_EQ(query.one_to_one(depot, harbour, true).length_mm, kExpected);
    EXPECT_EQ(query.one_to_one(depot, depot).length_mm, 0);
  }
  RouteQuery query(graph);
  const auto tree = query.tree(depot);
  EXPECT_EQ(tree->route_to(harbour, false).length_mm, kExpected);
  EXPECT_EQ(tree->route_to(*graph.index_of(harbour), false).length_mm, kExpected);
  EXPECT_EQ(tree->route_to(depot, false).length_mm, 0);
  const auto many = query.one_to_many(depot, std::vector<NodeId>{harbour, bridge, market});
  EXPECT_EQ(many[0].length_mm, kExpected);
  EXPECT_EQ(many[1].length_mm, 1'500'000);
  EXPECT_EQ(many[2].length_mm, 1'200'000);
  // Unreachable: no length.
  EXPECT_EQ(query.one_to_one(harbour, depot).length_mm, -1);
  EXPECT_EQ(tree->route_to(depot, false).hops, 0u);
}

TEST(RouteLengths, TreeBytesCountTheLengths) {
  const RoadGraph with = town();
  std::vector<Arc> arcs = town_arcs();
  for (Arc& a : arcs) a.length_mm = -1;
  const RoadGraph without = RoadGraph::build({depot, market, bridge, harbour}, arcs);
  EXPECT_EQ(RouteQuery(with).tree(depot)->bytes(),
            RouteQuery(without).tree(depot)->bytes() + 4 * sizeof(std::int64_t));
}

TEST(RouteLengths, OsmGraphsCarryLengthsAndDurations) {
  const OsmNetwork network = load_osm(testing::tiny_town(), default_car_profile());
  const RoadGraph graph = build_road_graph(network);
  EXPECT_EQ(graph.cost_unit(), CostUnit::duration_ms);
  ASSERT_TRUE(graph.has_lengths());
  for (const Arc& a : graph.arcs()) {
    // The fastest OSM arc between the two nodes, with its own length.
    std::optional<OsmArc> fastest;
    for (const OsmArc& o : network.arcs) {
      if (o.tail == a.tail && o.head == a.head &&
          (!fastest || o.duration_ms < fastest->duration_ms)) {
        fastest = o;
      }
    }
    ASSERT_TRUE(fastest);
    EXPECT_EQ(a.cost, fastest->duration_ms);
    EXPECT_EQ(a.length_mm, fastest->length_mm);
  }
}

/// The sum of the lengths of the arcs of `path`, or nothing when a step is no arc.
std::optional<std::int64_t> path_length(const RoadGraph& graph, const std::vector<NodeId>& path) {
  std::int64_t sum = 0;
  for (std::size_t i = 1; i < path.size(); ++i) {
    const auto arc = graph.find_arc(*graph.index_of(path[i - 1]), *graph.index_of(path[i]));
    if (!arc) return std::nullopt;
    sum += graph.length_mm(*arc);
  }
  return sum;
}

/// Checks that a route's length is its path's, and that the same query without the path gives
/// the same figures.
::testing::AssertionResult measures_its_path(const RoadGraph& graph, const RouteResult& with_path,
                                             const RouteResult& without_path) {
  if (with_path.status != without_path.status || with_path.cost != without_path.cost ||
      with_path.hops != without_path.hops || with_path.length_mm != without_path.length_mm) {
    return ::testing::AssertionFailure()
           << "with and without the path differ: length " << with_path.length_mm << " vs "
           << without_path.length_mm << ", hops " << with_path.hops << " vs " << without_path.hops;
  }
  if (with_path.status != RouteStatus::ok || !graph.has_lengths()) {
    // A graph built from no arcs at all has no lengths either.
    if (with_path.length_mm != -1) return ::testing::AssertionFailure() << "unknown length";
    return ::testing::AssertionSuccess();
  }
  const auto sum = path_length(graph, with_path.path);
  if (!sum) return ::testing::AssertionFailure() << "the path is not a path";
  if (*sum != with_path.length_mm) {
    return ::testing::AssertionFailure()
           << "length " << with_path.length_mm << ", its arcs sum to " << *sum;
  }
  return ::testing::AssertionSuccess();
}

TEST(RouteLengthsDifferential, EveryQueryGivesItsPathsLength) {
  const std::uint64_t seed = testing::test_seed();
  SCOPED_TRACE(testing::seed_trace(seed));
  std::mt19937_64 rng(seed);
  for (int round = 0; round < 60; ++round) {
    TestGraph g = testing::random_graph(rng, 1, 40);
    std::uniform_int_distribution<std::int64_t> length(0, 5'000'000);
    for (Arc& a : g.arcs) a.length_mm = length(rng);
    const RoadGraph graph = RoadGraph::build(g.ids, g.arcs);
    SCOPED_TRACE(testing::describe(g));
    const Landmarks landmarks = Landmarks::build(graph, 3, 1);
    RouteQuery plain(graph);
    RouteQuery alt(graph, &landmarks);
    for (int k = 0; k < 5; ++k) {
      const NodeId from = g.ids[rng() % g.ids.size()];
      const auto tree = plain.tree(from);
      std::vector<NodeId> all = g.ids;
      const auto many = plain.one_to_many(from, all, true);
      const auto many_bare = plain.one_to_many(from, all, false);
      for (std::size_t i = 0; i < all.size(); ++i) {
        const NodeId to = all[i];
        SCOPED_TRACE("from " + std::to_string(to_int(from)) + " to " + std::to_string(to_int(to)));
        EXPECT_TRUE(measures_its_path(graph, tree->route_to(to, true), tree->route_to(to, false)));
        const NodeIndex to_index = *graph.index_of(to);
        EXPECT_TRUE(measures_its_path(graph, tree->route_to(to_index, true),
                                      tree->route_to(to_index, false)));
        EXPECT_TRUE(measures_its_path(graph, many[i], many_bare[i]));
        for (RouteQuery* q : {&plain, &alt}) {
          const RouteResult with_path = q->one_to_one(from, to, true);
          EXPECT_TRUE(measures_its_path(graph, with_path, q->one_to_one(from, to, false)));
          EXPECT_EQ(with_path.cost, tree->route_to(to, false).cost);
        }
      }
    }
  }
}

}  // namespace
}  // namespace waybill::router
