#include "router/landmarks.h"

#include <gtest/gtest.h>

#include <random>
#include <set>
#include <string>
#include <vector>

#include "router/graph.h"
#include "router/shortest_path.h"
#include "tests/router/reference.h"

namespace waybill::router {
namespace {

using testing::ReferenceGraph;
using testing::ReferenceTree;
using testing::TestGraph;

// Two one-way streets that never meet:  north --5--> south   east --2--> west --3--> east
constexpr NodeId north{1};
constexpr NodeId south{2};
constexpr NodeId east{3};
constexpr NodeId west{4};

TEST(LandmarksTest, BoundsAreExactOrBelowOnATinyGraph) {
  const RoadGraph graph = RoadGraph::build({north, south, east, west},
                                           {{north, south, 5}, {east, west, 2}, {west, east, 3}});
  const Landmarks landmarks = Landmarks::build(graph, 2, 1);
  ASSERT_LE(landmarks.count(), 2u);
  ASSERT_EQ(landmarks.nodes().size(), landmarks.count());
  const NodeIndex n = *graph.index_of(north);
  const NodeIndex s = *graph.index_of(south);
  const NodeIndex e = *graph.index_of(east);
  const NodeIndex w = *graph.index_of(west);
  EXPECT_LE(landmarks.lower_bound(n, s), 5);
  EXPECT_LE(landmarks.lower_bound(e, w), 2);
  EXPECT_LE(landmarks.lower_bound(w, e), 3);
  for (NodeIndex v : {n, s, e, w}) EXPECT_EQ(landmarks.lower_bound(v, v), 0) << v;
}

TEST(LandmarksTest, MoreLandmarksThanNodes) {
  const RoadGraph graph = RoadGraph::build({north, south}, {{north, south, 5}});
  const Landmarks landmarks = Landmarks::build(graph, 16, 2);
  EXPECT_LE(landmarks.count(), 2u);
  for (NodeIndex v : landmarks.nodes()) EXPECT_LT(v, graph.num_nodes());
  EXPECT_LE(landmarks.lower_bound(*graph.index_of(north), *graph.index_of(south)), 5);
  EXPECT_EQ(landmarks.lower_bound(*graph.index_of(south), *graph.index_of(south)), 0);
}

// On random graphs (several components, one-way arcs between them), every bound is at most the
// true distance, never negative, and kInfiniteCost only when the target really is unreachable.
TEST(LandmarksTest, LowerBoundNeverExceedsTheTrueDistance) {
  const std::uint64_t seed = testing::test_seed();
  SCOPED_TRACE(testing::seed_trace(seed));
  for (std::uint64_t i = 0; i < 200; ++i) {
    std::mt19937_64 rng(seed + 1'000'000 + i);
    const TestGraph tg = testing::random_graph(rng, 1, 50);
    SCOPED_TRACE("random graph #" + std::to_string(i) + "\n" + testing::describe(tg));
    const ReferenceGraph ref(tg);
    const RoadGraph graph = RoadGraph::build(tg.ids, tg.arcs);
    const std::size_t k = 1 + rng() % 6;
    const Landmarks landmarks = Landmarks::build(graph, k, 1 + static_cast<unsigned>(i % 2));
    ASSERT_LE(landmarks.count(), k);
    ASSERT_EQ(landmarks.nodes().size(), landmarks.count());
    for (NodeIndex v : landmarks.nodes()) ASSERT_LT(v, graph.num_nodes());

    for (NodeId from : ref.ids()) {
      const ReferenceTree tree = ref.from(from);
      const NodeIndex v = *graph.index_of(from);
      for (NodeId to : ref.ids()) {
        const NodeIndex t = *graph.index_of(to);
        const Cost bound = landmarks.lower_bound(v, t);
        const Cost dist = ref.dist(tree, to);
        ASSERT_GE(bound, 0) << to_int(from) << " -> " << to_int(to);
        if (bound == kInfiniteCost) {
          ASSERT_EQ(dist, kInfiniteCost)
              << to_int(from) << " -> " << to_int(to) << ": the bound says unreachable";
        } else {
          ASSERT_LE(bound, dist) << to_int(from) << " -> " << to_int(to);
        }
      }
      ASSERT_EQ(landmarks.lower_bound(v, v), 0) << to_int(from);
    }
  }
}

// Distances beyond 32 bits are stored scaled down: the bounds stay below the true distances and
// A* with them still finds every shortest path.
TEST(LandmarksTest, DistancesBeyond32BitsStillBoundFromBelow) {
  const std::uint64_t seed = testing::test_seed();
  SCOPED_TRACE(testing::seed_trace(seed));
  for (std::uint64_t i = 0; i < 50; ++i) {
    std::mt19937_64 rng(seed + 2'000'000 + i);
    TestGraph tg = testing::random_graph(rng, 2, 40);
    for (Arc& arc : tg.arcs) {
      arc.cost = arc.cost % 1000 * (Cost{1} << 33) + static_cast<Cost>(rng() % 977);
    }
    SCOPED_TRACE("random graph #" + std::to_string(i) + "\n" + testing::describe(tg));
    const ReferenceGraph ref(tg);
    const RoadGraph graph = RoadGraph::build(tg.ids, tg.arcs);
    const Landmarks landmarks = Landmarks::build(graph, 4, 1);
    RouteQuery query(graph, &landmarks);
    for (NodeId from : ref.ids()) {
      const ReferenceTree tree = ref.from(from);
      for (NodeId to : ref.ids()) {
        const Cost dist = ref.dist(tree, to);
        const Cost bound = landmarks.lower_bound(*graph.index_of(from), *graph.index_of(to));
        if (dist == kInfiniteCost) continue;
        ASSERT_LE(bound, dist) << to_int(from) << " -> " << to_int(to);
        ASSERT_EQ(query.one_to_one(from, to).cost, dist) << to_int(from) << " -> " << to_int(to);
      }
    }
  }
}

}  // namespace
}  // namespace waybill::router
