#include "router/snap.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "router/geo.h"
#include "router/graph.h"
#include "router/osm.h"
#include "router/osm_profile.h"
#include "tests/router/corner.h"
#include "tests/router/osm_data.h"
#include "tests/router/reference.h"

namespace waybill::router {
namespace {

// The corner of tests/router/corner.h, without lengths, and with a lonely node.
using testing::kDegPerM;
using testing::lonely;
using testing::northeast;
using testing::northwest;
using testing::southeast;
using testing::southwest;

class CornerTest : public testing::CornerFixture {
 protected:
  CornerTest() : CornerFixture(testing::corner(/*with_lengths=*/false, /*with_lonely=*/true)) {}
};

TEST_F(CornerTest, IndexesOneSegmentPerRoad) { EXPECT_EQ(m_snapper.num_segments(), 3u); }

TEST_F(CornerTest, PointOnANodeSnapsToTheNode) {
  const auto s = m_snapper.snap(43.731, 7.421);  // northeast: only the oneway touches it
  ASSERT_TRUE(s);
  EXPECT_LT(s->distance_m, 1e-6);
  EXPECT_EQ(s->tail, index(northeast));
  EXPECT_EQ(s->head, index(southeast));
  EXPECT_EQ(s->t, 0);
  EXPECT_NEAR(s->lat_deg, 43.731, 1e-12);
  EXPECT_NEAR(s->lon_deg, 7.421, 1e-12);
  EXPECT_EQ(cost_to_head(*s), 50);
  EXPECT_EQ(cost_from_tail(*s), 0);
}

TEST_F(CornerTest, PointMidEdgeSnapsHalfway) {
  const auto s = m_snapper.snap(43.73, 7.4205);
  ASSERT_TRUE(s);
  // Two-way: the arc from the lower index, southwest -> southeast.
  EXPECT_EQ(s->tail, index(southwest));
  EXPECT_EQ(s->head, index(southeast));
  EXPECT_EQ(s->cost, 80);
  EXPECT_NEAR(s->t, 0.5, 1e-6);
  // The parallel and the great circle part by 0.1 mm over 80 m.
  EXPECT_LT(s->distance_m, 1e-3);
  EXPECT_NEAR(s->lat_deg, 43.73, 1e-8);
  EXPECT_NEAR(s->lon_deg, 7.4205, 1e-9);
  EXPECT_EQ(cost_from_tail(*s), 40);
  EXPECT_EQ(cost_to_head(*s), 40);
}

TEST_F(CornerTest, DistanceIsMetresToTheRoad) {
  const auto s = m_snapper.snap(43.73 - 20 * kDegPerM, 7.42025);  // 20 m south of the south side
  ASSERT_TRUE(s);
  EXPECT_EQ(s->tail, index(southwest));
  EXPECT_NEAR(s->t, 0.25, 1e-4);
  EXPECT_NEAR(s->distance_m, 20, 0.01);
  EXPECT_NEAR(s->distance_m, haversine_m(7.42025, 43.73 - 20 * kDegPerM, s->lon_deg, s->lat_deg),
              1e-9);
}

TEST_F(CornerTest, TwoWayRoadHasAReverseArc) {
  const auto s = m_snapper.snap(43.73 + 5 * kDegPerM, 7.4203);
  ASSERT_TRUE(s);
  const auto back = m_snapper.reverse(*s);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->tail, index(southeast));
  EXPECT_EQ(back->head, index(southwest));
  EXPECT_EQ(back->cost, 90);
  EXPECT_DOUBLE_EQ(back->t, 1 - s->t);
  EXPECT_EQ(back->lat_deg, s->lat_deg);
  EXPECT_EQ(back->lon_deg, s->lon_deg);
  EXPECT_EQ(back->distance_m, s->distance_m);
  EXPECT_EQ(cost_from_tail(*back) + cost_to_head(*back), 90);
}

TEST_F(CornerTest, PointNextToAOnewaySnapsToItsOnlyArc) {
  // 3 m east of the east side, a quarter of the way down from northeast.
  const auto s = m_snapper.snap(43.73075, 7.421 + 3 * kDegPerM / std::cos(43.73075 * 0.0174533));
  ASSERT_TRUE(s);
  EXPECT_EQ(s->tail, index(northeast));
  EXPECT_EQ(s->head, index(southeast));
  EXPECT_NEAR(s->t, 0.25, 1e-4);
  EXPECT_NEAR(s->distance_m, 3, 0.01);
  EXPECT_FALSE(m_snapper.reverse(*s));
}

TEST_F(CornerTest, NothingBeyondTheRadius) {
  const double lat = 43.73 - 600 * kDegPerM;  // 600 m south of southwest
  EXPECT_FALSE(m_snapper.snap(lat, 7.42));
  EXPECT_FALSE(m_snapper.snap(lat, 7.42, 599));
  const auto s = m_snapper.snap(lat, 7.42, 601);
  ASSERT_TRUE(s);
  EXPECT_NEAR(s->distance_m, 600, 0.01);
  EXPECT_EQ(m_snapper.why_unsnappable(lat, 7.42), "no road within 500 m");
  EXPECT_EQ(m_snapper.why_unsnappable(lat, 7.42, 601), "");
}

TEST_F(CornerTest, NodesWithoutRoadsAreNotSnappedTo) {
  const auto s = m_snapper.snap(43.74, 7.43, 5000);  // on lonely
  ASSERT_TRUE(s);
  EXPECT_GT(s->distance_m, 1000);
  EXPECT_NE(s->tail, index(lonely));
  EXPECT_NE(s->head, index(lonely));
}

TEST_F(CornerTest, SwappedLatitudeAndLongitudeAreDetected) {
  EXPECT_FALSE(m_snapper.snap(7.4205, 43.73));
  EXPECT_EQ(m_snapper.why_unsnappable(7.4205, 43.73),
            "no road within 500 m; latitude and longitude look swapped (a road is 0 m from "
            "(lat=43.73, lon=7.4205))");
  EXPECT_EQ(m_snapper.why_unsnappable(7.4205, 43.7301),
            "no road within 500 m; latitude and longitude look swapped (a road is 11 m from "
            "(lat=43.7301, lon=7.4205))");
}

TEST_F(CornerTest, OutOfRangeAndNonFiniteCoordinatesDoNotSnap) {
  EXPECT_FALSE(m_snapper.snap(91, 7.42));
  EXPECT_FALSE(m_snapper.snap(43.73, 181));
  EXPECT_FALSE(m_snapper.snap(std::nan(""), 7.42));
  EXPECT_EQ(m_snapper.why_unsnappable(91, 7.42), "latitude 91 is outside [-90, 90]");
  EXPECT_EQ(m_snapper.why_unsnappable(43.73, -181), "longitude -181 is outside [-180, 180]");
  EXPECT_EQ(m_snapper.why_unsnappable(std::nan(""), 7.42), "not a coordinate (lat=nan, lon=7.42)");
}

TEST(Snapper, SwappedOutOfRangeLatitudeIsDetected) {
  // Market Street, San Francisco: swapped, its longitude is no latitude at all.
  const RoadGraph graph =
      RoadGraph::build({NodeId{1}, NodeId{2}}, {{NodeId{1}, NodeId{2}, 10}},
                       {{-122'420'000, 37'770'000}, {-122'419'000, 37'771'000}});
  const Snapper snapper(graph);
  EXPECT_EQ(snapper.why_unsnappable(-122.42, 37.77),
            "latitude -122.42 is outside [-90, 90]; latitude and longitude look swapped (a road "
            "is 0 m from (lat=37.77, lon=-122.42))");
}

TEST(Snapper, GraphWithoutArcsSnapsNothing) {
  const RoadGraph graph = RoadGraph::build({NodeId{1}}, {}, {{7'420'000, 43'730'000}});
  const Snapper snapper(graph);
  EXPECT_EQ(snapper.num_segments(), 0u);
  EXPECT_FALSE(snapper.snap(43.73, 7.42));
  EXPECT_EQ(snapper.why_unsnappable(43.73, 7.42), "no road within 500 m");
}

// ---- differential: the R-tree against a scan of every arc ---------------------------------

/// The nearest point of every arc, by brute force: the same geometry as snap.cpp (chords
/// between points on the sphere), written again without the index.
class BruteForce {
 public:
  explicit BruteForce(const RoadGraph& graph) : m_graph(graph) {
    for (const Arc& a : graph.arcs()) {
      const NodeIndex tail = *graph.index_of(a.tail);
      const NodeIndex head = *graph.index_of(a.head);
      m_arcs.push_back({tail, head, xyz(graph.coordinate(tail)), xyz(graph.coordinate(head))});
    }
  }

  /// The smallest great-circle distance from (lat, lon) to its foot on an arc's chord.
  double nearest_m(double lat, double lon) const {
    const P p = xyz(lat, lon);
    double best_chord2 = std::numeric_limits<double>::infinity();  // squared chord length
    P best_foot{};
    for (const A& a : m_arcs) {
      const P d{a.b.x - a.a.x, a.b.y - a.a.y, a.b.z - a.a.z};
      const double dd = d.x * d.x + d.y * d.y + d.z * d.z;
      const double along = (p.x - a.a.x) * d.x + (p.y - a.a.y) * d.y + (p.z - a.a.z) * d.z;
      const double t = dd == 0 ? 0 : std::clamp(along / dd, 0.0, 1.0);
      const P f{a.a.x + t * d.x, a.a.y + t * d.y, a.a.z + t * d.z};
      const double chord2 =
          (p.x - f.x) * (p.x - f.x) + (p.y - f.y) * (p.y - f.y) + (p.z - f.z) * (p.z - f.z);
      if (chord2 < best_chord2) {
        best_chord2 = chord2;
        best_foot = f;
      }
    }
    const double foot_lat = std::atan2(best_foot.z, std::hypot(best_foot.x, best_foot.y)) / kDeg;
    const double foot_lon = std::atan2(best_foot.y, best_foot.x) / kDeg;
    return haversine_m(lon, lat, foot_lon, foot_lat);
  }

  /// The point at fraction t of the arc tail -> head, as (lat, lon) degrees.
  std::pair<double, double> at(NodeIndex tail, NodeIndex head, double t) const {
    const P a = xyz(m_graph.coordinate(tail));
    const P b = xyz(m_graph.coordinate(head));
    const P f{a.x + t * (b.x - a.x), a.y + t * (b.y - a.y), a.z + t * (b.z - a.z)};
    return {std::atan2(f.z, std::hypot(f.x, f.y)) / kDeg, std::atan2(f.y, f.x) / kDeg};
  }

 private:
  static constexpr double kDeg = 3.14159265358979323846 / 180;
  struct P {
    double x, y, z;
  };
  struct A {
    NodeIndex tail, head;
    P a, b;
  };
  static P xyz(double lat, double lon) {
    return {kEarthRadiusM * std::cos(lat * kDeg) * std::cos(lon * kDeg),
            kEarthRadiusM * std::cos(lat * kDeg) * std::sin(lon * kDeg),
            kEarthRadiusM * std::sin(lat * kDeg)};
  }
  static P xyz(Coordinate c) { return xyz(c.lat_e6 / 1e6, c.lon_e6 / 1e6); }

  const RoadGraph& m_graph;
  std::vector<A> m_arcs;
};

/// Snaps `count` random points of the box [lat0, lat1] x [lon0, lon1] with both the snapper and
/// the brute force; alternating radii, so that some points are out of reach.
void expect_same_as_brute_force(const RoadGraph& graph, double lat0, double lat1, double lon0,
                                double lon1, int count, std::uint64_t seed) {
  SCOPED_TRACE(testing::seed_trace(seed));
  const Snapper snapper(graph);
  const BruteForce brute(graph);
  std::mt19937_64 rng(seed);
  testing::RandomPoints random_point(lat0, lat1, lon0, lon1);
  int snapped = 0;
  int missed = 0;
  for (int i = 0; i < count; ++i) {
    const auto [lat, lon] = random_point(rng);
    const double radius = i % 3 == 0 ? 30 : kDefaultSnapRadiusM;
    const double expected = brute.nearest_m(lat, lon);
    const auto s = snapper.snap(lat, lon, radius);
    SCOPED_TRACE("point " + std::to_string(i) + " lat=" + std::to_string(lat) +
                 " lon=" + std::to_string(lon));
    if (expected > radius) {
      EXPECT_FALSE(s) << "snapped at " << s->distance_m << " m, the nearest road is " << expected;
      ++missed;
      continue;
    }
    ASSERT_TRUE(s) << "nothing snapped, the nearest road is " << expected << " m away";
    ++snapped;
    EXPECT_NEAR(s->distance_m, expected, 1e-6);
    // The arc is in the graph, the point is on it at t, and the distance is to that point.
    const auto back = snapper.reverse(*s);
    bool found = false;
    for (const Arc& a : graph.arcs()) {
      found = found || (a.tail == graph.id_of(s->tail) && a.head == graph.id_of(s->head) &&
                        a.cost == s->cost);
    }
    EXPECT_TRUE(found) << s->tail << " -> " << s->head;
    EXPECT_GE(s->t, 0);
    EXPECT_LE(s->t, 1);
    const auto [at_lat, at_lon] = brute.at(s->tail, s->head, s->t);
    EXPECT_LT(haversine_m(at_lon, at_lat, s->lon_deg, s->lat_deg), 1e-6);
    EXPECT_NEAR(s->distance_m, haversine_m(lon, lat, s->lon_deg, s->lat_deg), 1e-9);
    if (back) {
      EXPECT_LT(s->tail, s->head) << "a two-way road must snap onto its lower-tail arc";
    }
  }
  // The box must exercise both outcomes.
  EXPECT_GT(snapped, count / 4);
  EXPECT_GT(missed, 0);
}

TEST(SnapperDifferential, RandomGraphsAgainstBruteForce) {
  const std::uint64_t seed = testing::test_seed();
  std::mt19937_64 rng(seed);
  for (int round = 0; round < 5; ++round) {
    // Nodes scattered over 2 km around Monaco, a few on the same spot; roads between random
    // pairs, so that they cross and overlap, one third of them oneway.
    const int n = 50 + round * 40;
    std::uniform_int_distribution<std::int32_t> dlat(-9'000, 9'000);
    std::uniform_int_distribution<std::int32_t> dlon(-12'000, 12'000);
    std::uniform_int_distribution<int> node(0, n - 1);
    std::uniform_int_distribution<int> kind(0, 2);
    std::vector<NodeId> ids;
    std::vector<Coordinate> coords;
    for (int i = 0; i < n; ++i) {
      ids.push_back(NodeId{1000 + i});
      coords.push_back(i % 10 == 1 ? coords.back()
                                   : Coordinate{7'420'000 + dlon(rng), 43'730'000 + dlat(rng)});
    }
    std::vector<Arc> arcs;
    for (int i = 0; i < n * 3 / 2; ++i) {
      const NodeId u = ids[static_cast<std::size_t>(node(rng))];
      const NodeId v = ids[static_cast<std::size_t>(node(rng))];
      const int k = kind(rng);
      if (k != 1) arcs.push_back({u, v, 10 + i});
      if (k != 2) arcs.push_back({v, u, 20 + i});
    }
    const RoadGraph graph = RoadGraph::build(ids, arcs, coords);
    expect_same_as_brute_force(graph, 43.715, 43.745, 7.40, 7.44, 600, seed + round);
  }
}

TEST(SnapperDifferential, MonacoAgainstBruteForce) {
  const std::filesystem::path file = testing::monaco();
  ASSERT_TRUE(std::filesystem::exists(file)) << testing::missing_data_message(file);
  const RoadGraph graph = build_road_graph(load_osm(file, default_car_profile()));
  double lat0 = 90, lat1 = -90, lon0 = 180, lon1 = -180;
  for (NodeIndex v = 0; v < graph.num_nodes(); ++v) {
    lat0 = std::min(lat0, graph.coordinate(v).lat_e6 / 1e6);
    lat1 = std::max(lat1, graph.coordinate(v).lat_e6 / 1e6);
    lon0 = std::min(lon0, graph.coordinate(v).lon_e6 / 1e6);
    lon1 = std::max(lon1, graph.coordinate(v).lon_e6 / 1e6);
  }
  // Half a kilometre around the network, out to sea and into France.
  const double margin = 0.006;
  expect_same_as_brute_force(graph, lat0 - margin, lat1 + margin, lon0 - margin, lon1 + margin,
                             3000, testing::test_seed());
}

}  // namespace
}  // namespace waybill::router
