// Routes between snapped points on random graphs, against the brute force of
// endpoint_reference.h: every combination of the ways a point can leave and be reached, each
// searched by a textbook O(V^2) Dijkstra, and the direct drive along one arc.
#include "router/endpoint.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "router/graph.h"
#include "router/landmarks.h"
#include "router/shortest_path.h"
#include "router/snap.h"
#include "tests/router/endpoint_reference.h"
#include "tests/router/reference.h"

namespace waybill::router {
namespace {

using testing::BruteForce;
using testing::Candidate;
using testing::matches;
using testing::random_snaps;
using testing::random_town;
using testing::RandomTown;

TEST(EndpointDifferential, RandomTownsAgainstBruteForce) {
  const std::uint64_t seed = testing::test_seed();
  SCOPED_TRACE(testing::seed_trace(seed));
  std::mt19937_64 rng(seed);
  testing::RandomPoints random_point(43.72, 43.74, 7.405, 7.435);
  std::size_t routed = 0, unreachable = 0, direct = 0, on_nodes = 0, trees_used = 0;
  for (int round = 0; round < 25; ++round) {
    const RandomTown town = random_town(rng, 15 + round * 3);
    const RoadGraph& graph = town.graph;
    SCOPED_TRACE("round " + std::to_string(round));
    const Snapper snapper(graph);
    const BruteForce brute(graph, town.arcs);
    const Landmarks landmarks = Landmarks::build(graph, 4, 1);
    RouteQuery plain(graph);
    RouteQuery alt(graph, &landmarks);

    const std::vector<Snap> points = random_snaps(rng, graph, snapper, random_point, 24);
    for (const Snap& o : points) {
      const Endpoint from = origin_endpoint(o, snapper);
      const auto tree = plain.tree(from);
      if (from.num_seeds == 1 && from.seeds[0].cost == 0) ++on_nodes;
      for (const Snap& d : points) {
        const Endpoint to = destination_endpoint(d, snapper);
        const Candidate want = brute.route(o, d);
        SCOPED_TRACE("from " + std::to_string(o.tail) + "->" + std::to_string(o.head) +
                     " t=" + std::to_string(o.t) + " to " + std::to_string(d.tail) + "->" +
                     std::to_string(d.head) + " t=" + std::to_string(d.t));
        for (const bool want_path : {false, true}) {
          EXPECT_TRUE(
              matches(brute, graph, from, to, want, plain.between(from, to, want_path), want_path))
              << "between, Dijkstra, want_path=" << want_path;
          EXPECT_TRUE(
              matches(brute, graph, from, to, want, alt.between(from, to, want_path), want_path))
              << "between, A*, want_path=" << want_path;
          EXPECT_TRUE(matches(brute, graph, from, to, want,
                              route_from_tree(*tree, from, to, want_path), want_path))
              << "route_from_tree, want_path=" << want_path;
        }
        ++trees_used;
        if (want.cost == kInfiniteCost) {
          ++unreachable;
        } else {
          ++routed;
          const RouteResult r = plain.between(from, to, true);
          if (r.path.empty()) ++direct;
        }
      }
    }
  }
  // The random towns must exercise every case.
  EXPECT_GT(routed, 1000u);
  EXPECT_GT(unreachable, 100u);
  EXPECT_GT(direct, 20u);
  EXPECT_GT(on_nodes, 20u);
  EXPECT_GT(trees_used, 1000u);
}

}  // namespace
}  // namespace waybill::router
