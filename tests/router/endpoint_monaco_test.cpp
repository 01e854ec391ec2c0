// Routes between snapped points on the Monaco extract: points on nodes, inside arcs, on oneways
// and on one arc, a point out at sea, addresses in areas cut off from the road network, and a
// known trip whose length must match its geometry.
// The expected answers come from node-to-node queries (RouteQuery::one_to_one) and the snap's
// partial arcs, not from the endpoint code.
#include "router/endpoint.h"

#include <gtest/gtest.h>

#include <osmium/io/pbf_input.hpp>
#include <osmium/osm/node.hpp>
#include <osmium/osm/way.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "router/geo.h"
#include "router/graph.h"
#include "router/landmarks.h"
#include "router/osm.h"
#include "router/osm_profile.h"
#include "router/polyline.h"
#include "router/shortest_path.h"
#include "router/snap.h"
#include "tests/router/endpoint_reference.h"
#include "tests/router/osm_data.h"
#include "tests/router/reference.h"

namespace waybill::router {
namespace {

using testing::monaco;
using testing::monaco_city;

class MonacoEndpointTest : public testing::MonacoFixture {
 protected:
  static const RoadGraph& graph() { return monaco_city().graph; }
  static const Snapper& snapper() { return monaco_city().snapper; }

  /// The point at fraction t of the arc tail -> head, snapped (it lies on the arc).
  static Snap point_on(NodeIndex tail, NodeIndex head, double t) {
    const Coordinate a = graph().coordinate(tail);
    const Coordinate b = graph().coordinate(head);
    const auto s = snapper().snap((a.lat_e6 + t * (b.lat_e6 - a.lat_e6)) / 1e6,
                                  (a.lon_e6 + t * (b.lon_e6 - a.lon_e6)) / 1e6);
    EXPECT_TRUE(s);
    return s.value_or(Snap{});
  }

  /// Node-to-node cost by the plain Dijkstra.
  static Cost dist(NodeIndex a, NodeIndex b) {
    static RouteQuery query(graph());
    return query.one_to_one(graph().id_of(a), graph().id_of(b)).cost;
  }

  /// An arc, longer than `min_mm`, whose reverse exists (two_way) or not; the n-th such arc. Of
  /// a two-way road, the arc the snapper reports: the one from the lower index.
  static std::pair<NodeIndex, NodeIndex> find_arc(bool two_way, std::int64_t min_mm, int n = 0) {
    for (const Arc& a : graph().arcs()) {
      const NodeIndex tail = *graph().index_of(a.tail);
      const NodeIndex head = *graph().index_of(a.head);
      if (a.length_mm < min_mm || graph().find_arc(head, tail).has_value() != two_way) continue;
      if (two_way && tail > head) continue;
      if (n-- == 0) return {tail, head};
    }
    ADD_FAILURE() << "no such arc";
    return {0, 0};
  }
};

TEST_F(MonacoEndpointTest, PointOnANodeIsTheNode) {
  // A junction: a node with at least three roads out (arcs() lists them by tail).
  const std::vector<Arc> arcs = graph().arcs();
  std::size_t first = 0;
  while (first + 2 < arcs.size() && arcs[first + 2].tail != arcs[first].tail) ++first;
  ASSERT_LT(first + 2, arcs.size());
  const NodeIndex junction = *graph().index_of(arcs[first].tail);
  const Coordinate c = graph().coordinate(junction);
  const auto s = snapper().snap(c.lat_e6 / 1e6, c.lon_e6 / 1e6);
  ASSERT_TRUE(s);
  EXPECT_LT(s->distance_m, 0.01);
  for (const Endpoint& e : {origin_endpoint(*s, snapper()), destination_endpoint(*s, snapper())}) {
    ASSERT_EQ(e.num_seeds, 1);
    EXPECT_EQ(e.seeds[0].node, junction);
    EXPECT_EQ(e.seeds[0].cost, 0);
  }
  // From the point, every road of the junction: like the node itself.
  RouteQuery query(graph());
  const NodeIndex far = static_cast<NodeIndex>(graph().num_nodes() / 2);
  const RouteResult r =
      query.between(origin_endpoint(*s, snapper()), node_endpoint(far), /*want_path=*/true);
  const RouteResult node = query.one_to_one(graph().id_of(junction), graph().id_of(far), true);
  EXPECT_EQ(r.cost, node.cost);
  EXPECT_EQ(r.length_mm, node.length_mm);
}

TEST_F(MonacoEndpointTest, PointMidEdgeCostsThePartialArcs) {
  const auto [tail, head] = find_arc(/*two_way=*/true, 60'000);
  const Snap s = point_on(tail, head, 0.5);
  EXPECT_LT(s.distance_m, 0.5);
  ASSERT_TRUE((s.tail == tail && s.head == head) || (s.tail == head && s.head == tail));
  const auto back = snapper().reverse(s);
  ASSERT_TRUE(back);
  EXPECT_NEAR(s.t, 0.5, 0.01);
  EXPECT_GT(cost_to_head(s), 0);
  EXPECT_GT(cost_from_tail(s), 0);

  RouteQuery query(graph());
  RouteQuery alt(graph(), &monaco_city().landmarks);
  for (const NodeIndex far : {NodeIndex{7}, static_cast<NodeIndex>(graph().num_nodes() / 3)}) {
    // Leaving: the rest of the arc either way, then on.
    const Cost out =
        std::min(cost_to_head(s) + dist(s.head, far), cost_to_head(*back) + dist(back->head, far));
    const Endpoint o = origin_endpoint(s, snapper());
    EXPECT_EQ(query.between(o, node_endpoint(far)).cost, out);
    EXPECT_EQ(alt.between(o, node_endpoint(far)).cost, out);
    // Arriving: to either end, then the first part of the arc.
    const Cost in = std::min(dist(far, s.tail) + cost_from_tail(s),
                             dist(far, back->tail) + cost_from_tail(*back));
    const Endpoint d = destination_endpoint(s, snapper());
    EXPECT_EQ(query.between(node_endpoint(far), d).cost, in);
    EXPECT_EQ(alt.between(node_endpoint(far), d).cost, in);
  }
}

TEST_F(MonacoEndpointTest, OnewayIsNeverDrivenBackwards) {
  // A point on a oneway to a point just behind it: round the block, not back along the arc.
  const auto [tail, head] = find_arc(/*two_way=*/false, 40'000);
  const Snap start = point_on(tail, head, 0.7);
  const Snap behind = point_on(tail, head, 0.3);
  ASSERT_EQ(start.tail, tail);
  ASSERT_EQ(behind.tail, tail);
  ASSERT_FALSE(snapper().reverse(start));
  const Endpoint o = origin_endpoint(start, snapper());
  const Endpoint d = destination_endpoint(behind, snapper());
  EXPECT_FALSE(same_arc_drive(o, d));
  RouteQuery query(graph());
  const RouteResult r = query.between(o, d, true);
  ASSERT_EQ(r.status, RouteStatus::ok);
  EXPECT_EQ(r.cost, cost_to_head(start) + dist(head, tail) + cost_from_tail(behind));
  ASSERT_GE(r.path.size(), 2u);
  EXPECT_EQ(r.path.front(), graph().id_of(head));
  EXPECT_EQ(r.path.back(), graph().id_of(tail));
  EXPECT_GT(r.length_mm, graph().length_mm(*graph().find_arc(tail, head)));
  // Forwards, the same two points are the direct drive.
  const RouteResult ahead = query.between(origin_endpoint(behind, snapper()),
                                          destination_endpoint(start, snapper()), true);
  EXPECT_EQ(ahead.cost, cost_from_tail(start) - cost_from_tail(behind));
  EXPECT_TRUE(ahead.path.empty());
}

TEST_F(MonacoEndpointTest, PointsOnOneArcInBothOrders) {
  const auto [tail, head] = find_arc(/*two_way=*/true, 60'000, 5);
  const Snap a = point_on(tail, head, 0.3);
  const Snap b = point_on(tail, head, 0.7);
  ASSERT_EQ(a.tail, b.tail);
  ASSERT_EQ(a.head, b.head);
  ASSERT_LT(a.t, b.t);
  RouteQuery query(graph());
  RouteQuery alt(graph(), &monaco_city().landmarks);
  for (RouteQuery* q : {&query, &alt}) {
    const RouteResult there =
        q->between(origin_endpoint(a, snapper()), destination_endpoint(b, snapper()), true);
    ASSERT_EQ(there.status, RouteStatus::ok);
    EXPECT_EQ(there.cost, cost_from_tail(b) - cost_from_tail(a));
    EXPECT_EQ(there.length_mm, length_from_tail(b) - length_from_tail(a));
    EXPECT_TRUE(there.path.empty());
    // Back from b to a: along the reverse arc, not round the block.
    const Snap rb = *snapper().reverse(b);
    const Snap ra = *snapper().reverse(a);
    const RouteResult back =
        q->between(origin_endpoint(b, snapper()), destination_endpoint(a, snapper()), true);
    ASSERT_EQ(back.status, RouteStatus::ok);
    EXPECT_EQ(back.cost, cost_from_tail(ra) - cost_from_tail(rb));
    const auto whole = static_cast<double>(a.length_mm);
    EXPECT_NEAR(static_cast<double>(back.length_mm), 0.4 * whole, 0.001 * whole + 2);
    EXPECT_TRUE(back.path.empty());
  }
}

TEST_F(MonacoEndpointTest, PointBeyondTheRadiusDoesNotSnap) {
  // 1.1 km south of the southernmost node: the sea.
  NodeIndex south = 0;
  for (NodeIndex v = 1; v < graph().num_nodes(); ++v) {
    if (graph().coordinate(v).lat_e6 < graph().coordinate(south).lat_e6) south = v;
  }
  const double lat = graph().coordinate(south).lat_e6 / 1e6 - 0.01;
  const double lon = graph().coordinate(south).lon_e6 / 1e6;
  EXPECT_FALSE(snapper().snap(lat, lon));
  EXPECT_EQ(snapper().why_unsnappable(lat, lon), "no road within 500 m");
  const auto far = snapper().snap(lat, lon, 5000);
  ASSERT_TRUE(far);
  EXPECT_GT(far->distance_m, 1000);
}

/// Where the nodes of the extract's car roads lie that the loaded graph does not hold: the
/// areas cut off from the network (a garage reached only through a private way, the end of a
/// oneway cut by the extract's border), which the loader drops with all but the largest
/// strongly connected component. Read with libosmium directly, as an oracle.
std::vector<std::pair<std::int64_t, osmium::Location>> cut_off_nodes(const RoadGraph& graph) {
  std::set<std::int64_t> wanted;
  {
    osmium::io::Reader ways{monaco().string(), osmium::osm_entity_bits::way};
    while (osmium::memory::Buffer buffer = ways.read()) {
      for (const osmium::Way& way : buffer.select<osmium::Way>()) {
        const char* highway = way.tags()["highway"];
        if (highway == nullptr || !default_car_profile().speed_kmh(highway)) continue;
        for (const auto& ref : way.nodes()) {
          if (!graph.index_of(NodeId{ref.ref()})) wanted.insert(ref.ref());
        }
      }
    }
    ways.close();
  }
  std::vector<std::pair<std::int64_t, osmium::Location>> found;
  osmium::io::Reader nodes{monaco().string(), osmium::osm_entity_bits::node};
  while (osmium::memory::Buffer buffer = nodes.read()) {
    for (const osmium::Node& node : buffer.select<osmium::Node>()) {
      if (wanted.count(node.id()) && node.location().valid()) {
        found.emplace_back(node.id(), node.location());
      }
    }
  }
  nodes.close();
  return found;
}

TEST_F(MonacoEndpointTest, CutOffAreasAreNotRoutedIntoButTheirAddressesAreServed) {
  const auto cut_off = cut_off_nodes(graph());
  ASSERT_GT(cut_off.size(), 100u);  // 821 nodes are dropped from this extract
  const auto casino = snapper().snap(43.73940, 7.42760);
  ASSERT_TRUE(casino);
  const Endpoint from_casino = origin_endpoint(*casino, snapper());
  const Endpoint to_casino = destination_endpoint(*casino, snapper());
  const NodeId casino_node = graph().id_of(casino->head);
  RouteQuery query(graph());
  std::size_t served = 0, off_road = 0;
  for (const auto& [id, at] : cut_off) {
    // By node id, such a place is not in the graph: no route is made up into it.
    EXPECT_EQ(query.one_to_one(casino_node, NodeId{id}).status, RouteStatus::unknown_node) << id;
    // By address, it goes to the nearest road that is in the network, which reaches every other
    // road and is reached from every other: the delivery is made there, both ways.
    const auto s = snapper().snap(at.lat(), at.lon());
    if (!s) continue;
    ++served;
    if (s->distance_m > 1) ++off_road;
    const Endpoint there_to = destination_endpoint(*s, snapper());
    const Endpoint there_from = origin_endpoint(*s, snapper());
    EXPECT_EQ(query.between(from_casino, there_to).status, RouteStatus::ok) << "to node " << id;
    EXPECT_EQ(query.between(there_from, to_casino).status, RouteStatus::ok) << "from node " << id;
  }
  std::cout << cut_off.size() << " cut-off nodes, " << served << " served, " << off_road
            << " off the road\n";
  // Most cut-off places lie within the default radius of a kept road, and off it.
  EXPECT_GT(served, cut_off.size() / 2);
  EXPECT_GT(off_road, served / 2);
}

/// The sum of the great-circle lengths of a polyline's segments, in metres.
double polyline_m(const std::vector<Coordinate>& points) {
  double sum = 0;
  for (std::size_t i = 1; i < points.size(); ++i) {
    sum += haversine_m(points[i - 1].lon_e6 / 1e6, points[i - 1].lat_e6 / 1e6,
                       points[i].lon_e6 / 1e6, points[i].lat_e6 / 1e6);
  }
  return sum;
}

TEST_F(MonacoEndpointTest, CasinoToStadiumIsAPlausibleDrive) {
  // Place du Casino, Monte-Carlo, to the Stade Louis II, Fontvieille: 1.6 km apart; the
  // stadium's centre is 107 m from the nearest road.
  const double lat0 = 43.73940, lon0 = 7.42760, lat1 = 43.72760, lon1 = 7.41570;
  const auto a = snapper().snap(lat0, lon0);
  const auto b = snapper().snap(lat1, lon1);
  ASSERT_TRUE(a && b);
  EXPECT_LT(a->distance_m, 50);
  EXPECT_LT(b->distance_m, 150);
  const Endpoint o = origin_endpoint(*a, snapper());
  const Endpoint d = destination_endpoint(*b, snapper());
  RouteQuery query(graph());
  const RouteResult r = query.between(o, d, true);
  ASSERT_EQ(r.status, RouteStatus::ok);
  const double straight_m = haversine_m(lon0, lat0, lon1, lat1);
  const double km = static_cast<double>(r.length_mm) / 1e6;
  EXPECT_GT(km * 1000, 1.1 * straight_m);
  EXPECT_LT(km * 1000, 3 * straight_m);
  const double kmh = km / (static_cast<double>(r.cost) / 3.6e6);
  EXPECT_GT(kmh, 10);
  EXPECT_LT(kmh, 80);
  // The polyline is the route: its segments add up to the route's length.
  const auto points = decode_polyline(route_polyline(graph(), o, d, r));
  ASSERT_TRUE(points);
  EXPECT_GE(points->size(), r.path.size());  // a snapped end may round onto its node
  EXPECT_LE(points->size(), r.path.size() + 2);
  EXPECT_NEAR(polyline_m(*points), km * 1000, 0.02 * km * 1000);
  // Trees and A* agree.
  const RouteResult read = route_from_tree(*query.tree(o), o, d, true);
  EXPECT_EQ(read.cost, r.cost);
  EXPECT_EQ(read.length_mm, r.length_mm);
  RouteQuery alt(graph(), &monaco_city().landmarks);
  EXPECT_EQ(alt.between(o, d).cost, r.cost);
  std::cout << "casino -> stadium: " << km << " km (straight " << straight_m / 1000 << " km), "
            << static_cast<double>(r.cost) / 1000 << " s, " << r.hops << " arcs\n";
}

TEST_F(MonacoEndpointTest, RandomPointsAgreeWithNodeQueries) {
  // Every answer is the least over seed pairs of seed + node route + seed, or the direct drive;
  // the three ways of answering agree, and a path's arcs and seeds add up to cost and length.
  const std::uint64_t seed = testing::test_seed();
  SCOPED_TRACE(testing::seed_trace(seed));
  std::mt19937_64 rng(seed);
  testing::RandomPoints random_point(43.725, 43.750, 7.410, 7.440);
  RouteQuery query(graph());
  RouteQuery alt(graph(), &monaco_city().landmarks);
  int checked = 0;
  while (checked < 150) {
    const auto [lat0, lon0] = random_point(rng);
    const auto [lat1, lon1] = random_point(rng);
    const auto a = snapper().snap(lat0, lon0);
    const auto b = snapper().snap(lat1, lon1);
    if (!a || !b) continue;
    const Endpoint o = origin_endpoint(*a, snapper());
    const Endpoint d = destination_endpoint(*b, snapper());
    Cost want = kInfiniteCost;
    for (const Endpoint::Seed& x : o.seed_span()) {
      for (const Endpoint::Seed& y : d.seed_span()) {
        const Cost between_nodes = dist(x.node, y.node);
        if (between_nodes != kInfiniteCost) want = std::min(want, x.cost + between_nodes + y.cost);
      }
    }
    if (const auto direct = same_arc_drive(o, d)) want = std::min(want, direct->cost);
    const RouteResult r = query.between(o, d, true);
    ASSERT_EQ(r.cost, want) << "point " << checked;
    EXPECT_EQ(alt.between(o, d).cost, want) << "point " << checked;
    EXPECT_EQ(route_from_tree(*query.tree(o), o, d).cost, want) << "point " << checked;
    if (!r.path.empty()) {
      EXPECT_EQ(r.length_mm, testing::seeded_path_length(graph(), o, d, r)) << "point " << checked;
    }
    ++checked;
  }
}

}  // namespace
}  // namespace waybill::router
