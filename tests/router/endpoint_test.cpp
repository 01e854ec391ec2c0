#include "router/endpoint.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "router/graph.h"
#include "router/landmarks.h"
#include "router/polyline.h"
#include "router/shortest_path.h"
#include "router/snap.h"
#include "tests/router/corner.h"
#include "tests/router/reference.h"

namespace waybill::router {
namespace {

// The corner of tests/router/corner.h, with lengths.
using testing::corner;
using testing::kDegPerM;
using testing::northeast;
using testing::northwest;
using testing::southeast;
using testing::southwest;

class EndpointCornerTest : public testing::CornerFixture {
 protected:
  EndpointCornerTest() : CornerFixture(corner(/*with_lengths=*/true)) {}
  Snap snap(double lat, double lon) const {
    const auto s = m_snapper.snap(lat, lon);
    EXPECT_TRUE(s) << lat << ", " << lon;
    return s.value_or(Snap{});
  }
  /// A point on the south side, at fraction x of the way east.
  Snap south(double x) const { return snap(43.73 - 2 * kDegPerM, 7.42 + 0.001 * x); }
  /// A point on the oneway east side, at fraction y of the way south.
  Snap east(double y) const { return snap(43.731 - 0.001 * y, 7.421 + 0.00002); }
  Endpoint from(const Snap& s) const { return origin_endpoint(s, m_snapper); }
  Endpoint to(const Snap& s) const { return destination_endpoint(s, m_snapper); }
};

TEST_F(EndpointCornerTest, NodeEndpointIsOneFreeSeed) {
  const Endpoint e = node_endpoint(index(southeast));
  ASSERT_EQ(e.seed_span().size(), 1u);
  EXPECT_EQ(e.seeds[0].node, index(southeast));
  EXPECT_EQ(e.seeds[0].cost, 0);
  EXPECT_EQ(e.seeds[0].length_mm, 0);
  EXPECT_FALSE(e.on_arc);
  EXPECT_EQ(e.snap_distance_m, 0);
}

TEST_F(EndpointCornerTest, MidEdgeOfATwoWayRoadLeavesAndArrivesBothWays) {
  const Snap s = south(0.5);
  EXPECT_NEAR(s.distance_m, 2, 0.01);
  const Endpoint o = from(s);
  ASSERT_EQ(o.num_seeds, 2);
  // East along the snapped arc: the rest of its 80; west along the reverse arc: half of 90.
  EXPECT_EQ(o.seeds[0].node, index(southeast));
  EXPECT_EQ(o.seeds[0].cost, 40);
  EXPECT_EQ(o.seeds[0].length_mm, 40'000);
  EXPECT_EQ(o.seeds[1].node, index(southwest));
  EXPECT_EQ(o.seeds[1].cost, 45);
  EXPECT_EQ(o.seeds[1].length_mm, 40'000);
  EXPECT_NEAR(o.snap_distance_m, 2, 0.01);
  ASSERT_TRUE(o.on_arc && o.on_reverse_arc);

  const Endpoint d = to(s);
  ASSERT_EQ(d.num_seeds, 2);
  EXPECT_EQ(d.seeds[0].node, index(southwest));
  EXPECT_EQ(d.seeds[0].cost, 40);
  EXPECT_EQ(d.seeds[1].node, index(southeast));
  EXPECT_EQ(d.seeds[1].cost, 45);
}

TEST_F(EndpointCornerTest, PartialArcsAreRoundedLikeTheirCosts) {
  const Snap s = south(0.3);
  const Endpoint o = from(s);
  const Endpoint d = to(s);
  ASSERT_EQ(o.num_seeds, 2);
  EXPECT_EQ(o.seeds[0].cost, cost_to_head(s));
  EXPECT_EQ(o.seeds[0].length_mm, length_to_head(s));
  EXPECT_EQ(d.seeds[0].cost, cost_from_tail(s));
  EXPECT_EQ(d.seeds[0].length_mm, length_from_tail(s));
  EXPECT_EQ(o.seeds[0].length_mm + d.seeds[0].length_mm, 80'000);
  EXPECT_NEAR(static_cast<double>(d.seeds[0].length_mm), 0.3 * 80'000, 1);
  EXPECT_EQ(o.seeds[1].cost + d.seeds[1].cost, 90);
}

TEST_F(EndpointCornerTest, OnewayLeavesForwardsAndArrivesFromItsTailOnly) {
  const Snap s = east(0.25);
  const Endpoint o = from(s);
  ASSERT_EQ(o.num_seeds, 1);
  EXPECT_EQ(o.seeds[0].node, index(southeast));
  EXPECT_EQ(o.seeds[0].cost, cost_to_head(s));
  EXPECT_FALSE(o.on_reverse_arc);
  const Endpoint d = to(s);
  ASSERT_EQ(d.num_seeds, 1);
  EXPECT_EQ(d.seeds[0].node, index(northeast));
}

TEST_F(EndpointCornerTest, PointOnANodeIsThatNode) {
  // Northeast is the tail of the oneway, southeast its head: both are nodes, at cost 0.
  for (const auto& [lat, lon, node] :
       {std::tuple(43.731, 7.421, northeast), std::tuple(43.73, 7.421, southeast)}) {
    const Snap s = snap(lat, lon);
    for (const Endpoint& e : {from(s), to(s)}) {
      ASSERT_EQ(e.num_seeds, 1) << to_int(node);
      EXPECT_EQ(e.seeds[0].node, index(node));
      EXPECT_EQ(e.seeds[0].cost, 0);
      EXPECT_EQ(e.seeds[0].length_mm, 0);
      EXPECT_TRUE(e.on_arc);
    }
  }
  // Leaving southeast, the point can go west on the two-way road, whichever road it snapped to
  // (the oneway ends there too).
  RouteQuery query(m_graph);
  const RouteResult r = query.between(from(snap(43.73, 7.421)), to(south(0.5)), true);
  ASSERT_EQ(r.status, RouteStatus::ok);
  EXPECT_EQ(r.cost, 45);
  EXPECT_EQ(r.length_mm, 40'000);
}

TEST_F(EndpointCornerTest, SameArcInOrderIsTheDirectDrive) {
  RouteQuery query(m_graph);
  const Snap a = south(0.25);
  const Snap b = south(0.75);
  const RouteResult r = query.between(from(a), to(b), true);
  ASSERT_EQ(r.status, RouteStatus::ok);
  EXPECT_EQ(r.cost, cost_from_tail(b) - cost_from_tail(a));
  EXPECT_EQ(r.cost, 40);
  EXPECT_EQ(r.length_mm, length_from_tail(b) - length_from_tail(a));
  EXPECT_EQ(r.hops, 0u);
  EXPECT_TRUE(r.path.empty());
}

TEST_F(EndpointCornerTest, SameTwoWayArcBackwardsIsTheDirectDriveOnTheReverseArc) {
  RouteQuery query(m_graph);
  const Snap a = south(0.75);
  const Snap b = south(0.25);
  const auto ra = m_snapper.reverse(a);
  const auto rb = m_snapper.reverse(b);
  ASSERT_TRUE(ra && rb);
  const RouteResult r = query.between(from(a), to(b), true);
  ASSERT_EQ(r.status, RouteStatus::ok);
  EXPECT_EQ(r.cost, cost_from_tail(*rb) - cost_from_tail(*ra));
  EXPECT_NEAR(r.cost, 45, 1);  // half of the westward 90, as rounded at each end
  EXPECT_TRUE(r.path.empty());
  ASSERT_TRUE(same_arc_drive(from(a), to(b)));
  EXPECT_EQ(same_arc_drive(from(a), to(b))->cost, r.cost);
}

TEST_F(EndpointCornerTest, OnewayIsNeverDrivenBackwards) {
  // Just behind the start on the oneway: no way round, since nothing leads to northeast.
  RouteQuery query(m_graph);
  const Endpoint o = from(east(0.75));
  const Endpoint d = to(east(0.25));
  EXPECT_FALSE(same_arc_drive(o, d));
  EXPECT_EQ(query.between(o, d).status, RouteStatus::unreachable);
  const RouteResult none = query.between(o, d, true);
  EXPECT_EQ(none.cost, kInfiniteCost);
  EXPECT_EQ(none.length_mm, -1);
  EXPECT_TRUE(none.path.empty());
  // Forwards along it is the direct drive.
  const RouteResult ahead = query.between(from(east(0.25)), to(east(0.75)));
  ASSERT_EQ(ahead.status, RouteStatus::ok);
  EXPECT_EQ(ahead.cost, 25);
}

TEST_F(EndpointCornerTest, RoutesBetweenPointsOfDifferentRoads) {
  // From the middle of the oneway to the middle of the south side: down to southeast (25),
  // then west along the reverse arc (45), not east.
  RouteQuery query(m_graph);
  const RouteResult r = query.between(from(east(0.5)), to(south(0.5)), true);
  ASSERT_EQ(r.status, RouteStatus::ok);
  EXPECT_EQ(r.cost, 25 + 45);
  EXPECT_EQ(r.length_mm, 55'500 + 40'000);
  EXPECT_EQ(r.path, std::vector<NodeId>{southeast});
  EXPECT_EQ(r.hops, 0u);
  // To the middle of the west side: along the south side to southwest, then north.
  const Snap west = snap(43.7305, 7.42 - 2 * kDegPerM / std::cos(43.7305 * 0.0174533));
  const RouteResult w = query.between(from(east(0.5)), to(west), true);
  ASSERT_EQ(w.status, RouteStatus::ok);
  EXPECT_EQ(w.path, (std::vector<NodeId>{southeast, southwest}));
  EXPECT_EQ(w.hops, 1u);
  EXPECT_EQ(w.cost, 25 + 90 + cost_from_tail(west));
  EXPECT_EQ(w.length_mm, 55'500 + 80'000 + length_from_tail(west));
}

TEST_F(EndpointCornerTest, TheTreeOfANodeEndpointIsTheNodesTree) {
  RouteQuery query(m_graph);
  for (NodeIndex v = 0; v < m_graph.num_nodes(); ++v) {
    const auto searched = query.tree(node_endpoint(v));
    const auto grown = query.tree(m_graph.id_of(v));
    for (NodeIndex w = 0; w < m_graph.num_nodes(); ++w) {
      const RouteResult a = searched->route_to(w, true);
      const RouteResult b = grown->route_to(w, true);
      EXPECT_EQ(a.status, b.status) << v << " -> " << w;
      EXPECT_EQ(a.cost, b.cost) << v << " -> " << w;
      EXPECT_EQ(a.hops, b.hops) << v << " -> " << w;
      EXPECT_EQ(a.length_mm, b.length_mm) << v << " -> " << w;
      EXPECT_EQ(a.path.size(), b.path.size()) << v << " -> " << w;
    }
  }
}

TEST_F(EndpointCornerTest, TreesAnswerLikeTheSearch) {
  RouteQuery query(m_graph);
  const std::vector<Snap> points = {
      south(0.1), south(0.6), east(0.3), east(0.9), snap(43.7303, 7.41999), snap(43.731, 7.421)};
  for (const Snap& a : points) {
    const Endpoint o = from(a);
    const auto tree = query.tree(o);
    for (const Snap& b : points) {
      const Endpoint d = to(b);
      const RouteResult searched = query.between(o, d, true);
      const RouteResult read = route_from_tree(*tree, o, d, true);
      EXPECT_EQ(read.status, searched.status);
      EXPECT_EQ(read.cost, searched.cost);
      EXPECT_EQ(read.length_mm, searched.length_mm);
      EXPECT_EQ(read.path, searched.path);
      EXPECT_EQ(read.hops, searched.hops);
    }
  }
}

TEST_F(EndpointCornerTest, PolylineRunsFromPointToPoint) {
  RouteQuery query(m_graph);
  const Snap a = east(0.5);
  const Snap b = snap(43.7305, 7.41999);
  const Endpoint o = from(a);
  const Endpoint d = to(b);
  const RouteResult r = query.between(o, d, true);
  ASSERT_EQ(r.status, RouteStatus::ok);
  const auto points = decode_polyline(route_polyline(m_graph, o, d, r));
  ASSERT_TRUE(points);
  const auto micro = [](double deg) { return static_cast<std::int32_t>(std::lround(deg * 1e6)); };
  ASSERT_EQ(points->size(), 4u);
  EXPECT_EQ(points->front(), (Coordinate{micro(a.lon_deg), micro(a.lat_deg)}));
  EXPECT_EQ((*points)[1], m_graph.coordinate(index(southeast)));
  EXPECT_EQ((*points)[2], m_graph.coordinate(index(southwest)));
  EXPECT_EQ(points->back(), (Coordinate{micro(b.lon_deg), micro(b.lat_deg)}));

  // The direct drive along one arc: just its two points; between nodes: just the nodes.
  const Endpoint c = to(east(0.75));
  const auto direct = decode_polyline(route_polyline(m_graph, o, c, query.between(o, c, true)));
  ASSERT_TRUE(direct);
  EXPECT_EQ(direct->size(), 2u);
  const Endpoint sw = node_endpoint(index(southwest));
  const Endpoint nw = node_endpoint(index(northwest));
  EXPECT_EQ(decode_polyline(route_polyline(m_graph, sw, nw, query.between(sw, nw, true))),
            (std::vector<Coordinate>{m_graph.coordinate(index(southwest)),
                                     m_graph.coordinate(index(northwest))}));
  EXPECT_EQ(route_polyline(m_graph, o, to(east(0.25)), query.between(o, to(east(0.25)), true)), "");
}

TEST_F(EndpointCornerTest, NodeEndpointsRouteLikeNodes) {
  const Landmarks landmarks = Landmarks::build(m_graph, 2, 1);
  for (const Landmarks* lm : {static_cast<const Landmarks*>(nullptr), &landmarks}) {
    RouteQuery query(m_graph, lm);
    for (NodeId a : {southwest, southeast, northeast, northwest}) {
      for (NodeId b : {southwest, southeast, northeast, northwest}) {
        const RouteResult expected = query.one_to_one(a, b, true);
        const RouteResult r = query.between(node_endpoint(index(a)), node_endpoint(index(b)), true);
        EXPECT_EQ(r.status, expected.status) << to_int(a) << " -> " << to_int(b);
        EXPECT_EQ(r.cost, expected.cost) << to_int(a) << " -> " << to_int(b);
        EXPECT_EQ(r.length_mm, expected.length_mm) << to_int(a) << " -> " << to_int(b);
        EXPECT_EQ(r.path, expected.path) << to_int(a) << " -> " << to_int(b);
      }
    }
  }
}

TEST(EndpointTest, WithoutLengthsRoutesHaveNone) {
  const RoadGraph graph = corner(false);
  const Snapper snapper(graph);
  const auto a = snapper.snap(43.73, 7.4202);
  const auto b = snapper.snap(43.7305, 7.42);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->length_mm, -1);
  const Endpoint o = origin_endpoint(*a, snapper);
  const Endpoint d = destination_endpoint(*b, snapper);
  EXPECT_EQ(o.seeds[0].length_mm, 0);
  RouteQuery query(graph);
  const RouteResult r = query.between(o, d);
  ASSERT_EQ(r.status, RouteStatus::ok);
  EXPECT_EQ(r.length_mm, -1);
  const auto tree = query.tree(o);
  EXPECT_EQ(route_from_tree(*tree, o, d).length_mm, -1);
  EXPECT_EQ(route_from_tree(*tree, o, d).cost, r.cost);
  const auto c = snapper.snap(43.73, 7.4207);
  EXPECT_EQ(query.between(o, destination_endpoint(*c, snapper)).length_mm, -1);  // same arc
}

TEST(EndpointTest, InsideAFreeOnewayIsNotANode) {
  // A zero-cost oneway: both rounded partial costs are 0 everywhere, yet a point inside it must
  // still leave forwards, not from its tail.
  const RoadGraph graph =
      RoadGraph::build({NodeId{1}, NodeId{2}, NodeId{3}},
                       {{NodeId{1}, NodeId{2}, 0, 100'000}, {NodeId{1}, NodeId{3}, 7, 100'000}},
                       {{7'420'000, 43'730'000}, {7'421'000, 43'730'000}, {7'420'000, 43'729'000}});
  const Snapper snapper(graph);
  const auto inside = snapper.snap(43.73, 7.4205);
  ASSERT_TRUE(inside);
  const Endpoint o = origin_endpoint(*inside, snapper);
  ASSERT_EQ(o.num_seeds, 1);
  EXPECT_EQ(o.seeds[0].node, *graph.index_of(NodeId{2}));
  RouteQuery query(graph);
  EXPECT_EQ(query.between(o, node_endpoint(*graph.index_of(NodeId{3}))).status,
            RouteStatus::unreachable);
  // At its tail exactly, the point is node 1 and may take the other road.
  const auto at_tail = snapper.snap(43.73, 7.42);
  ASSERT_TRUE(at_tail);
  const Endpoint t = origin_endpoint(*at_tail, snapper);
  EXPECT_EQ(query.between(t, node_endpoint(*graph.index_of(NodeId{3}))).cost, 7);
}

}  // namespace
}  // namespace waybill::router
