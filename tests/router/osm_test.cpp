#include "router/osm.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <osmium/io/pbf_input.hpp>
#include <osmium/osm/way.hpp>

#include "router/graph.h"
#include "router/osm_profile.h"
#include "router/shortest_path.h"
#include "tests/router/file_test.h"
#include "tests/router/osm_data.h"

namespace waybill::router {
namespace {

namespace fs = std::filesystem;

using testing::monaco;
using testing::tiny_town;

/// The arc tail -> head of a network, or nothing.
std::optional<OsmArc> find_arc(const OsmNetwork& network, std::int64_t tail, std::int64_t head) {
  for (const OsmArc& a : network.arcs) {
    if (a.tail == NodeId{tail} && a.head == NodeId{head}) return a;
  }
  return std::nullopt;
}

/// Milliseconds to drive `length_mm` at `kmh`, as the loader must round it.
std::int64_t expected_ms(std::int64_t length_mm, double kmh) {
  return std::max<std::int64_t>(1, std::llround(static_cast<double>(length_mm) * 3.6 / kmh));
}

/// The LoadError message of loading `path`, or "" when it loads.
std::string load_error(const fs::path& path) {
  try {
    load_osm(path, default_car_profile());
  } catch (const LoadError& e) {
    return e.what();
  }
  return "";
}

// ---- helpers -------------------------------------------------------------------------------

TEST(OsmHelpers, HaversineOfOneDegreeOfLatitude) {
  // 2 pi R / 360 with R = 6,371,008.8 m.
  EXPECT_NEAR(haversine_m(7.42, 43, 7.42, 44), 111195.0802, 1e-3);
  EXPECT_EQ(haversine_m(7.42, 43.73, 7.42, 43.73), 0);
  EXPECT_NEAR(haversine_m(0, 0, 180, 0), kEarthRadiusM * 3.14159265358979, 1e-3);
}

TEST(OsmHelpers, MaxspeedParsesNumbersAndUnits) {
  EXPECT_EQ(parse_maxspeed_kmh("50"), 50);
  EXPECT_EQ(parse_maxspeed_kmh(" 50 "), 50);
  EXPECT_EQ(parse_maxspeed_kmh("50 km/h"), 50);
  EXPECT_EQ(parse_maxspeed_kmh("7.5"), 7.5);
  EXPECT_NEAR(*parse_maxspeed_kmh("30 mph"), 48.28032, 1e-9);
  EXPECT_NEAR(*parse_maxspeed_kmh("30mph"), 48.28032, 1e-9);
}

TEST(OsmHelpers, MaxspeedWithoutANumberFallsBack) {
  for (const std::string_view value : {"", "none", "signals", "walk", "DE:urban", "FR:rural",
                                       "50;70", "0", "-30", "999", "50 zone", "nan"}) {
    EXPECT_FALSE(parse_maxspeed_kmh(value)) << "'" << value << "'";
  }
}

// ---- the hand-drawn fixture (tests/data/osm/tiny_town.osm draws it) ---------------------

/// The fixture, loaded once. Loaded on first use rather than in SetUpTestSuite, so that a load
/// error fails every test instead of skipping them.
const OsmNetwork& tiny_town_network() {
  static const OsmNetwork network = load_osm(tiny_town(), default_car_profile());
  return network;
}

class TinyTownTest : public ::testing::Test {
 protected:
  static const OsmNetwork& net() { return tiny_town_network(); }
  static bool has(std::int64_t tail, std::int64_t head) {
    return find_arc(net(), tail, head).has_value();
  }
  /// Which ways the network leads between a and b: "both", "forward" (a -> b only),
  /// "backward" (b -> a only) or "none".
  static std::string directions(std::int64_t a, std::int64_t b) {
    const bool forward = has(a, b);
    const bool backward = has(b, a);
    if (forward && backward) return "both";
    return forward ? "forward" : backward ? "backward" : "none";
  }
  static OsmArc arc(std::int64_t tail, std::int64_t head) {
    const auto found = find_arc(net(), tail, head);
    EXPECT_TRUE(found) << "no arc " << tail << " -> " << head;
    return found.value_or(OsmArc{});
  }
};

TEST_F(TinyTownTest, TwoWayStreetHasBothDirections) {
  for (const auto& [u, v] : {std::pair{1, 2}, {2, 3}, {1, 4}, {9, 14}, {14, 1}}) {
    EXPECT_EQ(directions(u, v), "both") << u << " - " << v;
  }
  EXPECT_EQ(arc(1, 2).way_id, 101);
  EXPECT_EQ(arc(2, 1).length_mm, arc(1, 2).length_mm);
}

TEST_F(TinyTownTest, OnewayYesGoesForwardOnly) {
  EXPECT_EQ(directions(4, 5), "forward");
  EXPECT_EQ(directions(5, 6), "forward");
}

TEST_F(TinyTownTest, OnewayMinusOneGoesBackwardOnly) {
  EXPECT_EQ(directions(3, 6), "backward");
}

TEST_F(TinyTownTest, RoundaboutIsOneway) {
  EXPECT_EQ(directions(3, 7), "forward");
  EXPECT_EQ(directions(7, 8), "forward");
  EXPECT_EQ(directions(8, 3), "forward");
}

TEST_F(TinyTownTest, MotorwayIsOnewayUnlessTaggedNo) {
  EXPECT_EQ(directions(8, 9), "forward");
  EXPECT_EQ(directions(9, 10), "both");  // oneway=no
}

TEST_F(TinyTownTest, AccessNoAndFootwayAreExcluded) {
  EXPECT_EQ(directions(2, 5), "none");  // access=no
  EXPECT_EQ(directions(1, 5), "none");  // footway
  EXPECT_EQ(net().stats.ways_restricted, 1u);
}

TEST_F(TinyTownTest, LengthsAreGreatCircleDistances) {
  // Hand-computed haversine, R = 6,371,008.8 m: 0.001 degrees of longitude at 43.73 N, 0.001
  // degrees of latitude, and 9 (7.422, 43.728) to 14 (7.420, 43.727).
  EXPECT_NEAR(static_cast<double>(arc(1, 2).length_mm), 80'350.15, 1000);
  EXPECT_NEAR(static_cast<double>(arc(1, 4).length_mm), 111'195.08, 1000);
  EXPECT_NEAR(static_cast<double>(arc(9, 14).length_mm), 195'425.41, 1000);
  // And exactly what the loader's formula gives, rounded to the millimetre.
  EXPECT_EQ(arc(1, 2).length_mm, std::llround(haversine_m(7.420, 43.73, 7.421, 43.73) * 1000));
}

TEST_F(TinyTownTest, MaxspeedWinsOverTheClassSpeed) {
  EXPECT_EQ(arc(1, 4).duration_ms, expected_ms(arc(1, 4).length_mm, 20));          // maxspeed=20
  EXPECT_EQ(arc(4, 5).duration_ms, expected_ms(arc(4, 5).length_mm, 40));          // maxspeed=40
  EXPECT_EQ(arc(9, 14).duration_ms, expected_ms(arc(9, 14).length_mm, 48.28032));  // 30 mph
  // 1 -> 4 is 111 m at 20 km/h: 20.0 s.
  EXPECT_NEAR(static_cast<double>(arc(1, 4).duration_ms), 20'015, 2);
}

TEST_F(TinyTownTest, UnparseableOrMissingMaxspeedUsesTheClassSpeed) {
  EXPECT_EQ(arc(1, 2).duration_ms, expected_ms(arc(1, 2).length_mm, 30));   // DE:urban
  EXPECT_EQ(arc(6, 3).duration_ms, expected_ms(arc(6, 3).length_mm, 30));   // residential
  EXPECT_EQ(arc(3, 7).duration_ms, expected_ms(arc(3, 7).length_mm, 65));   // primary
  EXPECT_EQ(arc(8, 9).duration_ms, expected_ms(arc(8, 9).length_mm, 110));  // motorway
}

TEST_F(TinyTownTest, DanglingOnewayFallsOutOfTheLargestComponent) {
  const auto& ids = net().node_ids;
  EXPECT_EQ(std::count(ids.begin(), ids.end(), NodeId{12}), 0);
  EXPECT_EQ(std::count(ids.begin(), ids.end(), NodeId{13}), 0);
  EXPECT_FALSE(has(6, 12));
  EXPECT_FALSE(has(12, 13));
  EXPECT_EQ(net().stats.components, 3u);  // the town, {12}, {13}
  EXPECT_EQ(net().stats.dropped_nodes, 2u);
  EXPECT_EQ(net().stats.dropped_arcs, 2u);
  EXPECT_EQ(net().stats.ways_routable, 9u);
  EXPECT_EQ(net().stats.missing_locations, 0u);
}

TEST_F(TinyTownTest, DescribeTellsTheOperatorWhatWasLeftOut) {
  EXPECT_EQ(describe(net().stats),
            "9 ways routable, 1 closed to cars, 0 node references missing; 3 components: kept the "
            "largest, dropped 2 nodes and 2 arcs");
}

TEST_F(TinyTownTest, KeepsEveryNodeWithItsCoordinate) {
  const std::vector<NodeId> want{NodeId{1}, NodeId{2}, NodeId{3}, NodeId{4},  NodeId{5}, NodeId{6},
                                 NodeId{7}, NodeId{8}, NodeId{9}, NodeId{10}, NodeId{14}};
  EXPECT_EQ(net().node_ids, want);
  ASSERT_EQ(net().coords.size(), want.size());
  EXPECT_EQ(net().coords[1], (Coordinate{7'421'000, 43'730'000}));
  EXPECT_EQ(net().coords[7], (Coordinate{7'422'500, 43'729'500}));
  // 4+2+1+2+3+1+2+4 arcs of ways 101..108.
  EXPECT_EQ(net().arcs.size(), 19u);
}

TEST_F(TinyTownTest, RoadGraphRoutesOnDurations) {
  const RoadGraph graph = build_road_graph(net());
  EXPECT_EQ(graph.num_nodes(), 11u);
  EXPECT_EQ(graph.num_arcs(), 19u);
  ASSERT_TRUE(graph.has_coordinates());
  EXPECT_EQ(graph.coordinate(*graph.index_of(NodeId{2})), (Coordinate{7'421'000, 43'730'000}));

  RouteQuery query(graph);
  // 4 to 3 must take the oneways 4 -> 5 -> 6 -> 3 (the way back round by 1 is longer).
  const RouteResult there = query.one_to_one(NodeId{4}, NodeId{3}, true);
  ASSERT_EQ(there.status, RouteStatus::ok);
  EXPECT_EQ(there.path, (std::vector<NodeId>{NodeId{4}, NodeId{5}, NodeId{6}, NodeId{3}}));
  EXPECT_EQ(there.cost, arc(4, 5).duration_ms + arc(5, 6).duration_ms + arc(6, 3).duration_ms);
  // 3 to 4 cannot drive the oneways backwards.
  const RouteResult back = query.one_to_one(NodeId{3}, NodeId{4}, true);
  ASSERT_EQ(back.status, RouteStatus::ok);
  EXPECT_EQ(back.path, (std::vector<NodeId>{NodeId{3}, NodeId{2}, NodeId{1}, NodeId{4}}));
  EXPECT_EQ(back.cost, arc(3, 2).duration_ms + arc(2, 1).duration_ms + arc(1, 4).duration_ms);
  // The dropped dead end is not in the graph.
  EXPECT_EQ(query.one_to_one(NodeId{4}, NodeId{13}).status, RouteStatus::unknown_node);
}

// ---- errors --------------------------------------------------------------------------------

using OsmErrorTest = testing::FileTest;

TEST_F(OsmErrorTest, MissingFileNamesThePath) {
  const fs::path path = m_dir / "nowhere.osm.pbf";
  EXPECT_EQ(load_error(path), path.string() + ": cannot open: No such file or directory");
}

TEST_F(OsmErrorTest, NoRoutableWayNamesThePath) {
  const fs::path path = write("paths.osm",
                              "<?xml version='1.0' encoding='UTF-8'?>\n"
                              "<osm version='0.6'>\n"
                              " <node id='1' version='1' lat='43.73' lon='7.42'/>\n"
                              " <node id='2' version='1' lat='43.74' lon='7.42'/>\n"
                              " <way id='1' version='1'><nd ref='1'/><nd ref='2'/>\n"
                              "  <tag k='highway' v='footway'/></way>\n"
                              "</osm>\n");
  EXPECT_EQ(load_error(path),
            path.string() + ": no car-routable way (no highway class of the profile)");
}

TEST_F(OsmErrorTest, CorruptFileNamesThePath) {
  const fs::path xml = write("broken.osm", "<osm version='0.6'><node id='1'");
  EXPECT_EQ(load_error(xml).rfind(xml.string() + ": ", 0), 0u) << load_error(xml);
  const fs::path pbf = write("broken.osm.pbf", "this is not a protocol buffer");
  EXPECT_EQ(load_error(pbf).rfind(pbf.string() + ": ", 0), 0u) << load_error(pbf);
}

// ---- the Monaco extract (shared data) ----------------------------------------------------

/// The Monaco network, loaded once (on first use, so that an error fails every test).
const OsmNetwork& monaco_network() {
  static const OsmNetwork network = [] {
    const auto start = std::chrono::steady_clock::now();
    OsmNetwork loaded = load_osm(monaco(), default_car_profile());
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - start)
                        .count();
    const OsmStats& s = loaded.stats;
    std::cout << "monaco: " << loaded.node_ids.size() << " nodes, " << loaded.arcs.size()
              << " arcs, " << s.ways_routable << " ways (" << s.ways_restricted
              << " closed to cars), " << s.components << " components, dropped " << s.dropped_nodes
              << " nodes and " << s.dropped_arcs << " arcs, " << s.missing_locations
              << " missing locations, loaded in " << ms << " ms\n";
    return loaded;
  }();
  return network;
}

class MonacoTest : public testing::MonacoFixture {
 protected:
  static const OsmNetwork& net() { return monaco_network(); }
};

TEST_F(MonacoTest, LoadsAPlausibleNetwork) {
  // Monaco is 2 km2 of dense streets; the extract also holds a strip of France around it.
  EXPECT_GT(net().node_ids.size(), 2'000u);
  EXPECT_LT(net().node_ids.size(), 50'000u);
  EXPECT_GT(net().arcs.size(), net().node_ids.size());
  EXPECT_LT(net().arcs.size(), 4 * net().node_ids.size());
  // Dropped: the ends of oneways cut by the extract's border, and roads reached only through
  // private ones (garages, driveways); 821 nodes of 6684 in this extract.
  EXPECT_LT(net().stats.dropped_nodes, net().node_ids.size() / 5);
  EXPECT_EQ(net().coords.size(), net().node_ids.size());
  EXPECT_TRUE(std::is_sorted(net().node_ids.begin(), net().node_ids.end()));
  for (const Coordinate& c : net().coords) {
    ASSERT_TRUE(c.lon_e6 > 7'300'000 && c.lon_e6 < 7'600'000) << c.lon_e6;
    ASSERT_TRUE(c.lat_e6 > 43'600'000 && c.lat_e6 < 43'850'000) << c.lat_e6;
  }
}

TEST_F(MonacoTest, EveryArcHasPositiveLengthAndDuration) {
  const auto& ids = net().node_ids;
  for (const OsmArc& a : net().arcs) {
    ASSERT_GT(a.length_mm, 0) << "way " << a.way_id;
    ASSERT_GT(a.duration_ms, 0) << "way " << a.way_id;
    ASSERT_LT(a.length_mm, 5'000'000) << "way " << a.way_id;  // no 5 km segment in Monaco
    ASSERT_TRUE(std::binary_search(ids.begin(), ids.end(), a.tail)) << "way " << a.way_id;
    ASSERT_TRUE(std::binary_search(ids.begin(), ids.end(), a.head)) << "way " << a.way_id;
  }
}

TEST_F(MonacoTest, ShortestPathCostIsTheSumOfItsArcDurations) {
  const RoadGraph graph = build_road_graph(net());
  ASSERT_EQ(graph.num_nodes(), net().node_ids.size());
  // The fastest arc between each pair of nodes: what the graph keeps of parallel arcs.
  std::map<std::pair<NodeId, NodeId>, std::int64_t> fastest;
  for (const OsmArc& a : net().arcs) {
    const auto [it, added] = fastest.try_emplace({a.tail, a.head}, a.duration_ms);
    if (!added) it->second = std::min(it->second, a.duration_ms);
  }
  RouteQuery query(graph);
  const auto& ids = net().node_ids;
  std::size_t long_paths = 0;
  for (std::size_t k = 0; k < 20; ++k) {
    const NodeId from = ids[(k * 7919) % ids.size()];
    const NodeId to = ids[(k * 104729 + ids.size() / 2) % ids.size()];
    const RouteResult r = query.one_to_one(from, to, true);
    // Every node is in one strongly connected component: every pair is reachable.
    ASSERT_EQ(r.status, RouteStatus::ok) << to_int(from) << " -> " << to_int(to);
    ASSERT_EQ(r.path.size(), r.hops + 1u);
    std::int64_t sum = 0;
    for (std::size_t i = 1; i < r.path.size(); ++i) {
      const auto it = fastest.find({r.path[i - 1], r.path[i]});
      ASSERT_NE(it, fastest.end())
          << "path uses a missing arc " << to_int(r.path[i - 1]) << " -> " << to_int(r.path[i]);
      sum += it->second;
    }
    EXPECT_EQ(r.cost, sum) << to_int(from) << " -> " << to_int(to);
    if (r.hops >= 20) ++long_paths;
  }
  EXPECT_GT(long_paths, 5u);  // the pairs are not all neighbours
}

/// For each way tagged oneway=yes that a car may use, its node pairs in drawing order, read with
/// libosmium directly: an oracle that shares no code with the loader.
std::map<std::int64_t, std::set<std::pair<std::int64_t, std::int64_t>>> oneway_yes_ways(
    const fs::path& path) {
  std::map<std::int64_t, std::set<std::pair<std::int64_t, std::int64_t>>> ways;
  osmium::io::Reader reader{path.string(), osmium::osm_entity_bits::way};
  while (osmium::memory::Buffer buffer = reader.read()) {
    for (const osmium::Way& way : buffer.select<osmium::Way>()) {
      const char* highway = way.tags()["highway"];
      const char* oneway = way.tags()["oneway"];
      if (highway == nullptr || oneway == nullptr || std::string_view(oneway) != "yes") continue;
      if (!default_car_profile().speed_kmh(highway)) continue;
      auto& pairs = ways[way.id()];
      for (std::size_t i = 1; i < way.nodes().size(); ++i) {
        pairs.emplace(way.nodes()[i - 1].ref(), way.nodes()[i].ref());
      }
    }
  }
  reader.close();
  return ways;
}

TEST_F(MonacoTest, OnewayStreetsAreNeverDrivenBackwards) {
  const auto oneways = oneway_yes_ways(monaco());
  ASSERT_GT(oneways.size(), 50u);
  std::set<std::pair<NodeId, NodeId>> arcs;
  for (const OsmArc& a : net().arcs) arcs.emplace(a.tail, a.head);

  std::size_t checked = 0;
  std::optional<OsmArc> lone;  // a oneway arc with no arc back from another way
  for (const OsmArc& a : net().arcs) {
    const auto it = oneways.find(a.way_id);
    if (it == oneways.end()) continue;
    ASSERT_TRUE(it->second.count({to_int(a.tail), to_int(a.head)}))
        << "way " << a.way_id << " is oneway=yes but has arc " << to_int(a.tail) << " -> "
        << to_int(a.head);
    ++checked;
    if (!lone && !arcs.count({a.head, a.tail})) lone = a;
  }
  EXPECT_GT(checked, 200u);
  ASSERT_TRUE(lone);

  // Routing against that arc's direction goes round the block.
  const RoadGraph graph = build_road_graph(net());
  RouteQuery query(graph);
  const RouteResult r = query.one_to_one(lone->head, lone->tail, true);
  ASSERT_EQ(r.status, RouteStatus::ok);
  EXPECT_GT(r.hops, 1u) << "way " << lone->way_id;
  for (std::size_t i = 1; i < r.path.size(); ++i) {
    EXPECT_TRUE(arcs.count({r.path[i - 1], r.path[i]}));
    EXPECT_FALSE(r.path[i - 1] == lone->head && r.path[i] == lone->tail);
  }
}

}  // namespace
}  // namespace waybill::router
