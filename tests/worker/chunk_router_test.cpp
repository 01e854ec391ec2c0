// ChunkRouter: leased chunks routed to outcomes, without a process or a socket. Node jobs on a
// tiny inline town and on random graphs, against the naive Dijkstra of tests/router/reference.h;
// coordinate jobs snapped on the town; polylines decoded back to the path they draw.
#include "worker/chunk_router.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "router/contraction.h"
#include "router/graph.h"
#include "router/landmarks.h"
#include "router/polyline.h"
#include "router/snap.h"
#include "router/tree_cache.h"
#include "schema/messages.h"
#include "tests/router/reference.h"

namespace waybill::worker {
namespace {

using router::NodeId;
using router::testing::ReferenceGraph;
using router::testing::TestGraph;

// A town of blocks 0.001 degrees (80 m by 111 m) apart, with the arcs' costs drawn; an arc's
// length is 10 m a unit of cost, so that a route between nodes is 10 m long a unit too:
//
//   depot (101) --10-- market (102) --10-- school (103)
//       |12               | 3, oneway down        | 20, oneway down
//   park (104) ---10-- bridge (105) ---8-- harbour (106) <--5-- island (107), out east
//
// Nothing reaches the island.
constexpr NodeId depot{101}, market{102}, school{103}, park{104}, bridge{105}, harbour{106},
    island{107};
constexpr NodeId nowhere{999};  // no node of the town

TestGraph town_arcs() {
  TestGraph t;
  t.ids = {depot, market, school, park, bridge, harbour, island};
  const auto road = [&t](NodeId a, NodeId b, router::Cost cost, bool two_way) {
    t.arcs.push_back({a, b, cost, cost * 10'000});
    if (two_way) t.arcs.push_back({b, a, cost, cost * 10'000});
  };
  road(depot, market, 10, true);
  road(market, school, 10, true);
  road(depot, park, 12, true);
  road(park, bridge, 10, true);
  road(market, bridge, 3, false);
  road(bridge, harbour, 8, true);
  road(school, harbour, 20, false);
  road(island, harbour, 5, false);
  return t;
}

router::RoadGraph town(bool with_coordinates = true) {
  TestGraph t = town_arcs();
  std::vector<router::Coordinate> coords;
  if (with_coordinates) {
    coords = {{7'420'000, 43'731'000}, {7'421'000, 43'731'000}, {7'422'000, 43'731'000},
              {7'420'000, 43'730'000}, {7'421'000, 43'730'000}, {7'422'000, 43'730'000},
              {7'425'000, 43'735'000}};
  }
  return router::RoadGraph::build(t.ids, t.arcs, coords);
}

// Points of the town, in degrees.
constexpr wire::LatLon at_depot{43.731, 7.420};
constexpr wire::LatLon at_harbour{43.730, 7.422};
constexpr wire::LatLon depot_park_middle{43.7305, 7.420};
constexpr wire::LatLon market_school_middle{43.731, 7.4215};
constexpr wire::LatLon far_north{43.800, 7.420};  // 7.7 km from every road

wire::JobSpec node_job(std::uint32_t seq, NodeId from, NodeId to) {
  wire::JobSpec j;
  j.seq = seq;
  j.origin = router::to_int(from);
  j.destination = router::to_int(to);
  return j;
}

wire::JobSpec point_job(std::uint32_t seq, wire::LatLon from, wire::LatLon to) {
  wire::JobSpec j;
  j.seq = seq;
  j.points = wire::JobPoints{from, to};
  return j;
}

wire::Lease lease_of(std::vector<wire::JobSpec> jobs, bool want_paths = false) {
  wire::Lease lease;
  lease.jobs = std::move(jobs);
  lease.want_paths = want_paths;
  return lease;
}

/// Checks a node job's outcome against the reference: its seq, its status, and when ok its cost
/// and a hop count no smaller than the fewest arcs of any cheapest path.
::testing::AssertionResult matches_reference(const ReferenceGraph& ref, const wire::JobSpec& job,
                                             const wire::JobOutcome& o) {
  const NodeId from{job.origin}, to{job.destination};
  const auto fail = [&] {
    return ::testing::AssertionFailure()
           << job.origin << " -> " << job.destination << " (seq " << job.seq << "): ";
  };
  if (o.seq != job.seq) return fail() << "outcome of seq " << o.seq;
  if (!ref.contains(from) || !ref.contains(to)) {
    if (o.status != wire::JobStatus::unknown_node) return fail() << "expected unknown_node";
    return ::testing::AssertionSuccess();
  }
  const router::testing::ReferenceTree tree = ref.from(from);
  const router::Cost cost = ref.dist(tree, to);
  if (cost == router::kInfiniteCost) {
    if (o.status != wire::JobStatus::unreachable) return fail() << "expected unreachable";
    return ::testing::AssertionSuccess();
  }
  if (o.status != wire::JobStatus::ok) return fail() << "expected ok";
  if (o.cost != cost) return fail() << "cost " << o.cost << ", the reference says " << cost;
  if (o.hops < ref.min_hops(tree, to)) return fail() << "only " << o.hops << " hops";
  return ::testing::AssertionSuccess();
}

/// Every town test runs twice: lone origins by A* (no hierarchy), then by the hierarchy.
class TownTest : public ::testing::TestWithParam<bool> {
 protected:
  TownTest() : m_ref(town_arcs()), m_graph(town()), m_snapper(m_graph), m_trees(1 << 20) {
    if (GetParam()) m_ch = router::ContractionHierarchy::build(m_graph, 1);
    // Past its first chunk of the batch (which computes no trees, tested apart): the chunks
    // routed here are a batch's later ones.
    m_router.emplace(router(&m_snapper));
    m_router->route(lease_of({}));
  }

  ChunkRouter router(const router::Snapper* snapper) {
    return ChunkRouter(m_graph, m_ch ? &*m_ch : nullptr, nullptr, snapper, m_trees);
  }
  std::vector<wire::JobOutcome> route(const wire::Lease& lease) { return m_router->route(lease); }
  /// Routes node jobs, and checks every outcome against the reference.
  std::vector<wire::JobOutcome> route_checked(const std::vector<wire::JobSpec>& jobs,
                                              bool want_paths = false) {
    std::vector<wire::JobOutcome> out = route(lease_of(jobs, want_paths));
    EXPECT_EQ(out.size(), jobs.size());
    out.resize(jobs.size());
    for (std::size_t k = 0; k < jobs.size(); ++k) {
      EXPECT_TRUE(matches_reference(m_ref, jobs[k], out[k])) << k;
    }
    return out;
  }
  /// The node of the town at `c`.
  NodeId node_at(router::Coordinate c) const {
    for (router::NodeIndex v = 0; v < m_graph.num_nodes(); ++v) {
      if (m_graph.coordinate(v) == c) return m_graph.id_of(v);
    }
    ADD_FAILURE() << "no node at " << c.lat_e6 << ", " << c.lon_e6;
    return nowhere;
  }
  /// Where `p` snaps, rounded to microdegrees as polylines are.
  router::Coordinate snapped(wire::LatLon p) const {
    const auto s = m_snapper.snap(p.lat, p.lon);
    EXPECT_TRUE(s);
    return {static_cast<std::int32_t>(std::lround(s->lon_deg * 1e6)),
            static_cast<std::int32_t>(std::lround(s->lat_deg * 1e6))};
  }

  ReferenceGraph m_ref;
  router::RoadGraph m_graph;
  router::Snapper m_snapper;
  router::TreeCache m_trees;
  std::optional<router::ContractionHierarchy> m_ch;
  std::optional<ChunkRouter> m_router;
};

INSTANTIATE_TEST_SUITE_P(LoneOrigins, TownTest, ::testing::Bool(),
                         [](const auto& test) { return test.param ? "Hierarchy" : "AStar"; });

// ---- node jobs ----------------------------------------------------------------------------

TEST_P(TownTest, ADepotIsAnsweredFromItsTree) {
  std::vector<wire::JobSpec> jobs;
  for (const NodeId to : {market, school, park, bridge, harbour, island, depot, nowhere, harbour}) {
    jobs.push_back(node_job(static_cast<std::uint32_t>(jobs.size()), depot, to));
  }
  ASSERT_GE(jobs.size(), ChunkRouter::kTreeThreshold);
  const auto out = route_checked(jobs);
  EXPECT_EQ(out[4].cost, 21);  // depot, market, bridge, harbour
  EXPECT_EQ(out[4].hops, 3u);
  EXPECT_EQ(out[4].length_mm, 210'000);
  EXPECT_EQ(out[6].cost, 0);  // to itself
  EXPECT_EQ(out[5].status, wire::JobStatus::unreachable);
  EXPECT_EQ(out[7].status, wire::JobStatus::unknown_node);
  // One tree, kept for the next chunk.
  EXPECT_EQ(m_trees.size(), 1u);
  EXPECT_EQ(m_trees.misses(), 1u);
  route(lease_of(jobs));
  EXPECT_EQ(m_trees.misses(), 1u);
}

TEST_P(TownTest, ARoutersFirstChunkOfABatchComputesNoTreesButUsesTheCachedOnes) {
  std::vector<wire::JobSpec> jobs;
  for (const NodeId to : {market, school, park, bridge, harbour, island, depot, nowhere, harbour}) {
    jobs.push_back(node_job(static_cast<std::uint32_t>(jobs.size()), depot, to));
  }
  ASSERT_GE(jobs.size(), ChunkRouter::kTreeThreshold);
  wire::Lease lease = lease_of(jobs);
  lease.batch_id = 7;
  ChunkRouter fresh = router(&m_snapper);
  const auto first = fresh.route(lease);
  // With a hierarchy the depot's jobs go by it, one query each; without, a tree is cheaper.
  EXPECT_EQ(m_trees.size(), GetParam() ? 0u : 1u);
  const auto second = fresh.route(lease);
  EXPECT_EQ(m_trees.size(), 1u);
  EXPECT_EQ(first, second);
  for (std::size_t k = 0; k < jobs.size(); ++k) {
    EXPECT_TRUE(matches_reference(m_ref, jobs[k], first[k])) << k;
  }
  // Another batch's first chunk computes nothing, but reads the cached tree.
  lease.batch_id = 8;
  const std::size_t misses = m_trees.misses();
  EXPECT_EQ(fresh.route(lease), first);
  EXPECT_EQ(m_trees.misses(), misses);
}

TEST_P(TownTest, LoneOriginsAreSearchedWithoutATree) {
  std::vector<wire::JobSpec> jobs;
  for (const NodeId to : {depot, market, school, park, bridge, island, nowhere}) {
    jobs.push_back(node_job(static_cast<std::uint32_t>(jobs.size()), harbour, to));
  }
  jobs.push_back(node_job(7, island, depot));
  jobs.push_back(node_job(8, school, park));
  ASSERT_LT(jobs.size() - 2, ChunkRouter::kTreeThreshold);
  const auto out = route_checked(jobs);
  EXPECT_EQ(out[0].cost, 30);  // harbour, bridge, park, depot: the oneway down is no way up
  EXPECT_EQ(out[7].cost, 35);  // island, harbour, bridge, park, depot
  EXPECT_EQ(m_trees.size(), 0u);
}

TEST_P(TownTest, UnknownNodesAndUnreachableOnesAreOutcomes) {
  std::vector<wire::JobSpec> jobs;
  // An unknown origin with a depot's worth of jobs, and alone.
  for (std::uint32_t k = 0; k < ChunkRouter::kTreeThreshold + 1; ++k) {
    jobs.push_back(node_job(k, nowhere, market));
  }
  jobs.push_back(node_job(50, NodeId{-7}, depot));
  jobs.push_back(node_job(51, depot, NodeId{0}));
  jobs.push_back(node_job(52, market, island));
  jobs.push_back(node_job(53, island, island));
  const auto out = route_checked(jobs);
  for (std::size_t k = 0; k < ChunkRouter::kTreeThreshold + 3; ++k) {
    EXPECT_EQ(out[k].status, wire::JobStatus::unknown_node) << k;
  }
  EXPECT_EQ(out.end()[-2].status, wire::JobStatus::unreachable);
  EXPECT_EQ(out.back().status, wire::JobStatus::ok);
  EXPECT_EQ(out.back().cost, 0);
  EXPECT_EQ(m_trees.size(), 0u);  // no tree of a node that is not there
}

TEST_P(TownTest, OutcomesComeInTheOrderOfTheJobsWithTheirSeq) {
  // A depot's jobs and lone ones, interleaved, with seqs that are not their positions.
  std::mt19937_64 rng(router::testing::test_seed());
  std::vector<wire::JobSpec> jobs;
  const std::vector<NodeId> nodes = {depot, market, school, park, bridge, harbour, island, nowhere};
  for (std::uint32_t k = 0; k < 40; ++k) {
    const NodeId from = k % 2 == 0 ? depot : nodes[rng() % nodes.size()];
    jobs.push_back(node_job(1000 - 7 * k, from, nodes[rng() % nodes.size()]));
  }
  std::shuffle(jobs.begin(), jobs.end(), rng);
  const auto out = route_checked(jobs);  // which checks each seq too
  EXPECT_TRUE(route(lease_of({})).empty());
}

TEST_P(TownTest, NodePolylinesDecodeToTheirPath) {
  std::vector<wire::JobSpec> jobs;
  for (const NodeId to : {market, school, park, bridge, harbour, island, depot, harbour}) {
    jobs.push_back(node_job(static_cast<std::uint32_t>(jobs.size()), depot, to));  // a depot
  }
  jobs.push_back(node_job(8, harbour, depot));  // and a lone origin
  jobs.push_back(node_job(9, school, market));
  const auto out = route_checked(jobs, /*want_paths=*/true);
  for (std::size_t k = 0; k < jobs.size(); ++k) {
    const wire::JobOutcome& o = out[k];
    if (o.status != wire::JobStatus::ok) {
      EXPECT_EQ(o.polyline, "") << k;
      continue;
    }
    const auto points = router::decode_polyline(o.polyline);
    ASSERT_TRUE(points) << k << ": '" << o.polyline << "'";
    std::vector<NodeId> path;
    for (const router::Coordinate& c : *points) path.push_back(node_at(c));
    EXPECT_EQ(path.size(), o.hops + 1) << k;
    EXPECT_TRUE(router::testing::is_path_of_cost(
        path, NodeId{jobs[k].origin}, NodeId{jobs[k].destination}, o.cost,
        [this](NodeId u, NodeId v) { return m_ref.cheapest_arc(u, v); }))
        << k;
  }
  // Without coordinates there is nothing to draw.
  const router::RoadGraph bare = town(/*with_coordinates=*/false);
  router::TreeCache trees(1 << 20);
  for (const wire::JobOutcome& o :
       ChunkRouter(bare, nullptr, nullptr, nullptr, trees).route(lease_of(jobs, true))) {
    EXPECT_EQ(o.polyline, "");
  }
}

TEST(ChunkRouterRandom, NodeJobsAgreeWithTheReference) {
  const std::uint64_t seed = router::testing::test_seed();
  SCOPED_TRACE(router::testing::seed_trace(seed));
  std::mt19937_64 rng(seed);
  for (int round = 0; round < 30; ++round) {
    const TestGraph g = router::testing::random_graph(rng, 1, 40);
    SCOPED_TRACE("round " + std::to_string(round) + "\n" + router::testing::describe(g));
    const ReferenceGraph ref(g);
    const router::RoadGraph graph = router::RoadGraph::build(g.ids, g.arcs);
    // Lone origins by Dijkstra, by A* with landmarks, or by the hierarchy, round by round.
    std::optional<router::Landmarks> landmarks;
    if (round % 3 == 1) landmarks = router::Landmarks::build(graph, 4, 1);
    std::optional<router::ContractionHierarchy> ch;
    if (round % 3 == 2) ch = router::ContractionHierarchy::build(graph, 1);
    router::TreeCache trees(1 << 20);
    ChunkRouter chunks(graph, ch ? &*ch : nullptr, landmarks ? &*landmarks : nullptr, nullptr,
                       trees);
    // Mostly nodes of the graph, now and then one that is not.
    const auto any_node = [&] {
      if (rng() % 10 == 0) return NodeId{static_cast<std::int64_t>(rng())};
      return g.ids[rng() % g.ids.size()];
    };
    std::vector<wire::JobSpec> jobs;
    for (int origins = 0; origins < 6; ++origins) {
      const NodeId from = any_node();
      // Depots and lone origins.
      const std::size_t count =
          origins % 2 == 0 ? ChunkRouter::kTreeThreshold + rng() % 8 : 1 + rng() % 3;
      for (std::size_t k = 0; k < count; ++k) {
        jobs.push_back(node_job(static_cast<std::uint32_t>(jobs.size()), from, any_node()));
      }
    }
    std::shuffle(jobs.begin(), jobs.end(), rng);
    const auto out = chunks.route(lease_of(jobs, /*want_paths=*/round % 3 == 0));
    ASSERT_EQ(out.size(), jobs.size());
    for (std::size_t k = 0; k < jobs.size(); ++k) {
      ASSERT_TRUE(matches_reference(ref, jobs[k], out[k])) << k;
      EXPECT_EQ(out[k].polyline, "");  // no coordinates
      if (out[k].status == wire::JobStatus::ok) {
        EXPECT_EQ(out[k].length_mm, -1);  // no lengths
      }
    }
  }
}

TEST(ChunkRouterRandom, AChunkComputesAtMostItsBudgetOfTreesAndRoutesTheRestByTheHierarchy) {
  const std::uint64_t seed = router::testing::test_seed();
  SCOPED_TRACE(router::testing::seed_trace(seed));
  std::mt19937_64 rng(seed);
  TestGraph g;
  do {
    g = router::testing::random_graph(rng, 60, 200);
  } while (g.ids.size() < ChunkRouter::kNewTreesPerChunk + 10);
  const ReferenceGraph ref(g);
  const router::RoadGraph graph = router::RoadGraph::build(g.ids, g.arcs);
  const auto ch = router::ContractionHierarchy::build(graph, 1);
  router::TreeCache trees(64 << 20);
  ChunkRouter chunks(graph, &ch, nullptr, nullptr, trees);
  // Depots, each with enough jobs for a tree: more of them than a chunk may compute trees for.
  const std::size_t depots = ChunkRouter::kNewTreesPerChunk + 10;
  std::vector<wire::JobSpec> jobs;
  for (std::size_t d = 0; d < depots; ++d) {
    for (std::size_t k = 0; k < ChunkRouter::kTreeThreshold; ++k) {
      jobs.push_back(node_job(static_cast<std::uint32_t>(jobs.size()), g.ids[d],
                              g.ids[rng() % g.ids.size()]));
    }
  }
  for (std::size_t chunk = 0; chunk < 3; ++chunk) {
    const auto out = chunks.route(lease_of(jobs, false));
    ASSERT_EQ(out.size(), jobs.size());
    for (std::size_t k = 0; k < jobs.size(); ++k) {
      ASSERT_TRUE(matches_reference(ref, jobs[k], out[k])) << "chunk " << chunk << " job " << k;
    }
    // The batch's first chunk grows no trees, the second the budget's, the third as many more;
    // the rest go by the hierarchy meanwhile.
    EXPECT_EQ(trees.size(), std::min(depots, chunk * ChunkRouter::kNewTreesPerChunk));
  }
}

TEST(ChunkRouterRandom, AThinDepotGetsItsTreeOnceItHasHadEnoughJobsAndWhileTheCacheHasRoom) {
  const std::uint64_t seed = router::testing::test_seed();
  SCOPED_TRACE(router::testing::seed_trace(seed));
  std::mt19937_64 rng(seed);
  TestGraph g;
  do {
    g = router::testing::random_graph(rng, 60, 200);
  } while (g.ids.size() < 3);
  const ReferenceGraph ref(g);
  const router::RoadGraph graph = router::RoadGraph::build(g.ids, g.arcs);
  const auto ch = router::ContractionHierarchy::build(graph, 1);
  // Room for one tree and a half: the second thin depot finds the cache full.
  const std::size_t tree_bytes = router::RouteQuery(graph).tree(router::NodeId{g.ids[0]})->bytes();
  router::TreeCache trees(tree_bytes * 3 / 2);
  ChunkRouter chunks(graph, &ch, nullptr, nullptr, trees);
  // Two depots with 4 jobs a chunk each: fewer than kTreeThreshold, as in a day of a thousand
  // depots. A chunk's origins are taken in id order: the first is bought first.
  const auto first = std::min(g.ids[0], g.ids[1]), second = std::max(g.ids[0], g.ids[1]);
  constexpr std::uint32_t kThin = 4;
  static_assert(kThin < ChunkRouter::kTreeThreshold);
  const std::size_t chunks_to_depot = ChunkRouter::kDepotJobs / kThin;
  for (std::size_t chunk = 0; chunk < chunks_to_depot + 2; ++chunk) {
    std::vector<wire::JobSpec> jobs;
    for (const auto depot : {second, first}) {
      for (std::uint32_t k = 0; k < kThin; ++k) {
        jobs.push_back(node_job(static_cast<std::uint32_t>(jobs.size()), depot,
                                g.ids[rng() % g.ids.size()]));
      }
    }
    const auto out = chunks.route(lease_of(jobs, false));
    for (std::size_t k = 0; k < jobs.size(); ++k) {
      ASSERT_TRUE(matches_reference(ref, jobs[k], out[k])) << "chunk " << chunk << " job " << k;
    }
    // Routed by the hierarchy until the depots have had kDepotJobs jobs; then the first's tree
    // is bought, and the second's is not: it would not fit.
    EXPECT_EQ(trees.size(), chunk + 1 < chunks_to_depot ? 0u : 1u) << "chunk " << chunk;
  }
  EXPECT_TRUE(trees.cached(*graph.index_of(router::NodeId{first})));
  EXPECT_FALSE(trees.cached(*graph.index_of(router::NodeId{second})));
}

// ---- coordinate jobs ----------------------------------------------------------------------

TEST_P(TownTest, RoutesBetweenSnappedPoints) {
  const auto out = route(lease_of({
      point_job(0, at_depot, at_harbour),
      point_job(1, at_depot, market_school_middle),
      point_job(2, market_school_middle, at_harbour),
      point_job(3, depot_park_middle, at_harbour),
  }));
  ASSERT_EQ(out.size(), 4u);
  for (const wire::JobOutcome& o : out) ASSERT_EQ(o.status, wire::JobStatus::ok) << o.seq;
  EXPECT_EQ(out[0].cost, 21);  // node to node: depot, market, bridge, harbour
  EXPECT_EQ(out[0].hops, 3u);
  EXPECT_EQ(out[0].length_mm, 210'000);
  EXPECT_LT(out[0].origin_snap_m, 0.01);
  EXPECT_LT(out[0].destination_snap_m, 0.01);
  EXPECT_EQ(out[1].cost, 10 + 5);      // to market, then half of the way to school
  EXPECT_EQ(out[2].cost, 5 + 3 + 8);   // back to market first: the oneway from school is dear
  EXPECT_EQ(out[3].cost, 6 + 10 + 8);  // down to park first
  for (std::uint32_t k = 0; k < out.size(); ++k) {
    EXPECT_EQ(out[k].seq, k);
    EXPECT_EQ(out[k].detail, "");
    EXPECT_EQ(out[k].polyline, "");  // not asked for
  }
}

TEST_P(TownTest, PointsFartherThanTheRadiusAreUnsnappable) {
  wire::Lease lease = lease_of({
      point_job(0, far_north, at_harbour),
      point_job(1, at_depot, far_north),
      point_job(2, at_depot, at_harbour),
  });
  const auto out = route(lease);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].status, wire::JobStatus::unsnappable);
  EXPECT_EQ(out[0].detail.rfind("origin: no road within 500 m", 0), 0u) << out[0].detail;
  EXPECT_EQ(out[1].status, wire::JobStatus::unsnappable);
  EXPECT_EQ(out[1].detail.rfind("destination: no road within 500 m", 0), 0u) << out[1].detail;
  EXPECT_EQ(out[2].status, wire::JobStatus::ok);
  // The lease's radius decides: 10 km reaches the far point, onto the island's road, which
  // leads to the harbour and which nothing reaches.
  lease.snap_radius_m = 10'000;
  const auto wide = route(lease);
  ASSERT_EQ(wide.size(), 3u);
  EXPECT_EQ(wide[0].status, wire::JobStatus::ok);
  EXPECT_GT(wide[0].origin_snap_m, 5'000);
  EXPECT_EQ(wide[1].status, wire::JobStatus::unreachable);
  EXPECT_EQ(wide[2].status, wire::JobStatus::ok);
  // A graph without coordinates has no snapper: every point is unsnappable, and says why.
  const auto bare = router(nullptr).route(lease);
  ASSERT_EQ(bare.size(), 3u);
  for (const wire::JobOutcome& o : bare) {
    EXPECT_EQ(o.status, wire::JobStatus::unsnappable);
    EXPECT_EQ(o.detail, "origin: the graph has no coordinates: import it with coordinates");
  }
}

TEST_P(TownTest, ADepotPointAnswersAsLoneOriginsDo) {
  const std::vector<wire::LatLon> to = {at_harbour,        at_depot,          market_school_middle,
                                        depot_park_middle, {43.7302, 7.4213}, {43.7309, 7.4221},
                                        {43.7300, 7.4206}, {43.7310, 7.4203}, far_north};
  std::vector<wire::JobSpec> jobs;
  for (const wire::LatLon& p : to) {
    jobs.push_back(point_job(static_cast<std::uint32_t>(jobs.size()), depot_park_middle, p));
  }
  ASSERT_GE(jobs.size(), ChunkRouter::kTreeThreshold);
  const auto depot_out = route(lease_of(jobs, /*want_paths=*/true));
  EXPECT_EQ(m_trees.size(), 1u);  // the tree of the point
  ASSERT_EQ(depot_out.size(), jobs.size());
  for (std::size_t k = 0; k < jobs.size(); ++k) {
    const auto lone = route(lease_of({jobs[k]}, /*want_paths=*/true));
    ASSERT_EQ(lone.size(), 1u);
    EXPECT_EQ(depot_out[k], lone.front()) << k;
  }
  EXPECT_EQ(depot_out[0].cost, 6 + 10 + 8);
  EXPECT_EQ(depot_out.back().status, wire::JobStatus::unsnappable);
  EXPECT_EQ(m_trees.size(), 1u);
}

TEST_P(TownTest, PointPolylinesRunFromPointToPoint) {
  const auto out =
      route(lease_of({point_job(0, depot_park_middle, market_school_middle),
                      point_job(1, at_depot, at_harbour), point_job(2, far_north, at_depot)},
                     /*want_paths=*/true));
  ASSERT_EQ(out.size(), 3u);
  // Up to depot, along to market, half way on to school.
  ASSERT_EQ(out[0].status, wire::JobStatus::ok);
  EXPECT_EQ(out[0].cost, 6 + 10 + 5);
  const auto line = router::decode_polyline(out[0].polyline);
  ASSERT_TRUE(line) << out[0].polyline;
  ASSERT_EQ(line->size(), 4u) << out[0].polyline;
  EXPECT_EQ((*line)[0], snapped(depot_park_middle));
  EXPECT_EQ((*line)[1], m_graph.coordinate(*m_graph.index_of(depot)));
  EXPECT_EQ((*line)[2], m_graph.coordinate(*m_graph.index_of(market)));
  EXPECT_EQ((*line)[3], snapped(market_school_middle));
  // Points on nodes draw the nodes' path alone.
  const auto nodes = router::decode_polyline(out[1].polyline);
  ASSERT_TRUE(nodes);
  std::vector<NodeId> path;
  for (const router::Coordinate& c : *nodes) path.push_back(node_at(c));
  EXPECT_EQ(path, (std::vector<NodeId>{depot, market, bridge, harbour}));
  // Nothing to draw without a route.
  EXPECT_EQ(out[2].status, wire::JobStatus::unsnappable);
  EXPECT_EQ(out[2].polyline, "");
}

TEST_P(TownTest, WarmGrowsTheTreesOfNodesAndPoints) {
  ChunkRouter chunks = router(&m_snapper);
  chunks.warm(router::to_int(depot));
  EXPECT_EQ(m_trees.size(), 1u);
  chunks.warm(router::to_int(nowhere));
  chunks.warm(far_north, 500);
  EXPECT_EQ(m_trees.size(), 1u);
  chunks.warm(depot_park_middle, 500);
  EXPECT_EQ(m_trees.size(), 2u);
  // A point on a node shares the node's tree.
  chunks.warm(at_depot, 500);
  EXPECT_EQ(m_trees.size(), 2u);
  // And a chunk from the warmed origins computes nothing more.
  std::vector<wire::JobSpec> jobs;
  for (std::uint32_t k = 0; k < ChunkRouter::kTreeThreshold; ++k) {
    jobs.push_back(node_job(k, depot, harbour));
  }
  const std::size_t misses = m_trees.misses();
  chunks.route(lease_of(jobs));
  EXPECT_EQ(m_trees.misses(), misses);
}

}  // namespace
}  // namespace waybill::worker
