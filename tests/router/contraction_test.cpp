// The contraction hierarchy and its point-to-point queries: a tiny town by hand, the edge cases,
// and hundreds of random graphs against the naive reference (reference.h), paths checked arc by
// arc with their cost and length.
#include "router/contraction.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "router/ch_query.h"
#include "router/graph.h"
#include "router/shortest_path.h"
#include "tests/router/reference.h"

namespace waybill::router {
namespace {

// A small town with lengths. depot -> market -> bridge is cheaper than depot -> bridge, the
// bridge and the harbour are joined both ways, the lighthouse is reached only from the harbour
// and leads nowhere, and the island has no road at all.
constexpr NodeId depot{10}, market{20}, bridge{30}, harbour{40}, lighthouse{45}, island{50};

RoadGraph town() {
  return RoadGraph::build({depot, market, bridge, harbour, lighthouse, island},
                          {{depot, market, 4, 400},
                           {market, bridge, 3, 300},
                           {depot, bridge, 8, 500},
                           {bridge, harbour, 1, 100},
                           {harbour, bridge, 1, 100},
                           {harbour, lighthouse, 0, 50},
                           {harbour, market, 9, 900}});
}

TEST(ContractionHierarchy, AnswersTheTownByHand) {
  const RoadGraph graph = town();
  ChBuildReport report;
  const ContractionHierarchy ch = ContractionHierarchy::build(graph, 2, &report);
  EXPECT_EQ(ch.num_nodes(), 6u);
  EXPECT_EQ(ch.graph_arcs(), 7u);
  EXPECT_TRUE(ch.has_lengths());
  EXPECT_TRUE(ch.has_free_arcs()) << "harbour -> lighthouse costs nothing";
  EXPECT_GE(report.rounds, 1u);
  EXPECT_EQ(report.shortcuts, ch.num_shortcuts());
  EXPECT_GT(ch.bytes(), 0u);

  ChQuery query(graph, ch);
  const RouteResult r = query.one_to_one(depot, lighthouse, true);
  EXPECT_EQ(r.status, RouteStatus::ok);
  EXPECT_EQ(r.cost, 4 + 3 + 1 + 0);
  EXPECT_EQ(r.hops, 4u);
  EXPECT_EQ(r.length_mm, 400 + 300 + 100 + 50);
  EXPECT_EQ(r.path, (std::vector<NodeId>{depot, market, bridge, harbour, lighthouse}));
  EXPECT_EQ(query.one_to_one(depot, lighthouse, false).length_mm, r.length_mm);
  EXPECT_GT(query.settled(), 0u);

  EXPECT_EQ(query.one_to_one(harbour, market).cost, 9);
  EXPECT_EQ(query.one_to_one(lighthouse, depot).status, RouteStatus::unreachable);
  EXPECT_EQ(query.one_to_one(depot, island).status, RouteStatus::unreachable);
  EXPECT_EQ(query.cost(*graph.index_of(depot), *graph.index_of(island)), kInfiniteCost);

  const RouteResult self = query.one_to_one(island, island, true);
  EXPECT_EQ(self.status, RouteStatus::ok);
  EXPECT_EQ(self.cost, 0);
  EXPECT_EQ(self.hops, 0u);
  EXPECT_EQ(self.length_mm, 0);
  EXPECT_EQ(self.path, std::vector<NodeId>{island});

  EXPECT_EQ(query.one_to_one(NodeId{99}, depot).status, RouteStatus::unknown_node);
  EXPECT_EQ(query.one_to_one(depot, NodeId{99}).status, RouteStatus::unknown_node);
}

TEST(ContractionHierarchy, EmptyAndSingleNodeGraphs) {
  const RoadGraph empty = RoadGraph::build({}, {});
  const ContractionHierarchy none = ContractionHierarchy::build(empty);
  EXPECT_EQ(none.num_nodes(), 0u);
  EXPECT_EQ(none.num_shortcuts(), 0u);
  ChQuery nothing(empty, none);
  EXPECT_EQ(nothing.one_to_one(NodeId{1}, NodeId{1}).status, RouteStatus::unknown_node);

  const RoadGraph one = RoadGraph::build({NodeId{7}}, {{NodeId{7}, NodeId{7}, 3}});  // a loop
  const ContractionHierarchy ch = ContractionHierarchy::build(one);
  ChQuery query(one, ch);
  const RouteResult r = query.one_to_one(NodeId{7}, NodeId{7}, true);
  EXPECT_EQ(r.status, RouteStatus::ok);
  EXPECT_EQ(r.cost, 0);
  EXPECT_EQ(r.path, std::vector<NodeId>{NodeId{7}});
}

TEST(ContractionHierarchy, ArraysThatAreNoHierarchyAreRefused) {
  const RoadGraph graph = town();
  const ContractionHierarchy ch = ContractionHierarchy::build(graph);
  const auto refused = [&](auto spoil, const std::string& what) {
    std::vector<NodeIndex> rank(ch.ranks().begin(), ch.ranks().end());
    ContractionHierarchy::Arcs up = ch.up();
    ContractionHierarchy::Arcs down = ch.down();
    spoil(rank, up, down);
    try {
      const ContractionHierarchy accepted(rank, up, down, true, graph.num_arcs());
      ADD_FAILURE() << "accepted: " << what << " (" << accepted.num_nodes() << " nodes)";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
    }
  };
  using Arcs = ContractionHierarchy::Arcs;
  refused([](auto& rank, Arcs&, Arcs&) { rank[0] = rank[1]; }, "not a permutation");
  refused([](auto&, Arcs& up, Arcs&) { up.first_out.pop_back(); }, "first_out has the wrong size");
  refused([](auto&, Arcs& up, Arcs&) { up.weight.pop_back(); }, "differ in size");
  refused([](auto&, Arcs& up, Arcs&) { up.head[0] = 0; }, "does not lead up");
  refused([](auto&, Arcs&, Arcs& down) { down.length_mm.clear(); }, "differ in size");
  refused([](auto&, Arcs& up, Arcs&) { up.hops[0] = 0; }, "negative cost or length");
}

// Random lengths for every arc of `g`, or none: RoadGraph takes all or nothing.
void add_lengths(testing::TestGraph& g, std::mt19937_64& rng) {
  for (Arc& a : g.arcs) a.length_mm = static_cast<std::int64_t>(rng() % 5000);
}

// The length of `path` in `graph`: the lengths of the arcs it was routed on.
std::int64_t path_length(const RoadGraph& graph, const std::vector<NodeId>& path) {
  std::int64_t length = 0;
  for (std::size_t i = 1; i < path.size(); ++i) {
    const auto arc = graph.find_arc(*graph.index_of(path[i - 1]), *graph.index_of(path[i]));
    length += graph.length_mm(*arc);
  }
  return length;
}

TEST(ContractionDifferential, RandomGraphsAgainstTheReference) {
  const std::uint64_t seed = testing::test_seed();
  SCOPED_TRACE(testing::seed_trace(seed));
  std::mt19937_64 rng(seed);
  std::size_t routes = 0, unreachable = 0, shortcuts = 0;
  for (int round = 0; round < 300; ++round) {
    testing::TestGraph tg = testing::random_graph(rng, round % 50 == 0 ? 0 : 1, 45);
    const bool lengths = round % 2 == 0;
    if (lengths) add_lengths(tg, rng);
    SCOPED_TRACE("round " + std::to_string(round) + "\n" + testing::describe(tg));
    const RoadGraph graph = RoadGraph::build(tg.ids, tg.arcs);
    const ContractionHierarchy ch = ContractionHierarchy::build(graph, 1 + round % 2);
    shortcuts += ch.num_shortcuts();
    const testing::ReferenceGraph ref(tg);
    ChQuery query(graph, ch);
    for (const NodeId from : tg.ids) {
      const testing::ReferenceTree tree = ref.from(from);
      for (const NodeId to : tg.ids) {
        const bool want_path = (to_int(to) ^ round) % 2 == 0;
        const RouteResult r = query.one_to_one(from, to, want_path);
        ASSERT_TRUE(testing::matches_reference(ref, &tree, from, to, r, want_path));
        ASSERT_EQ(query.cost(*graph.index_of(from), *graph.index_of(to)), r.cost);
        if (r.status != RouteStatus::ok) {
          ++unreachable;
          continue;
        }
        ++routes;
        if (!graph.has_lengths()) {  // also a graph with lengths but no arcs
          ASSERT_EQ(r.length_mm, -1);
        } else if (want_path) {
          ASSERT_EQ(r.length_mm, path_length(graph, r.path)) << "length of the path";
        }
      }
    }
  }
  // The random graphs must exercise shortcuts and both answers.
  EXPECT_GT(routes, 30'000u) << unreachable << " unreachable, " << shortcuts << " shortcuts";
  EXPECT_GT(unreachable, 100'000u);
  EXPECT_GT(shortcuts, 800u);
}

// A town of `width` by `height` blocks, its streets two-way but one in five oneway and one in
// ten missing, with random costs: road-like (planar), as a hierarchy expects, unlike the random
// graphs, whose thousands of random links contract into a dense core.
testing::TestGraph grid_town(std::mt19937_64& rng, int width, int height) {
  testing::TestGraph g;
  const auto id = [width](int x, int y) { return NodeId{1 + y * width + x}; };
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) g.ids.push_back(id(x, y));
  }
  const auto street = [&](NodeId a, NodeId b) {
    const auto kind = rng() % 10;
    if (kind == 0) return;
    g.arcs.push_back({a, b, static_cast<Cost>(rng() % 100), -1});
    if (kind > 2) g.arcs.push_back({b, a, static_cast<Cost>(rng() % 100), -1});
  };
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      if (x + 1 < width) street(id(x, y), id(x + 1, y));
      if (y + 1 < height) street(id(x, y), id(x, y + 1));
    }
  }
  return g;
}

TEST(ContractionDifferential, TheBuildDoesNotDependOnTheThreads) {
  std::mt19937_64 rng(testing::test_seed() + 1);
  testing::TestGraph tg = grid_town(rng, 60, 50);
  add_lengths(tg, rng);
  const RoadGraph graph = RoadGraph::build(tg.ids, tg.arcs);
  const ContractionHierarchy one = ContractionHierarchy::build(graph, 1);
  const ContractionHierarchy two = ContractionHierarchy::build(graph, 2);
  ASSERT_TRUE(
      std::equal(one.ranks().begin(), one.ranks().end(), two.ranks().begin(), two.ranks().end()));
  for (const auto side : {&ContractionHierarchy::up, &ContractionHierarchy::down}) {
    const ContractionHierarchy::Arcs& a = (one.*side)();
    const ContractionHierarchy::Arcs& b = (two.*side)();
    EXPECT_EQ(a.first_out, b.first_out);
    EXPECT_EQ(a.head, b.head);
    EXPECT_EQ(a.weight, b.weight);
    EXPECT_EQ(a.middle, b.middle);
    EXPECT_EQ(a.hops, b.hops);
    EXPECT_EQ(a.length_mm, b.length_mm);
  }
  // And it answers the larger graph as the plain Dijkstra does.
  RouteQuery dijkstra(graph);
  ChQuery query(graph, two);
  for (int i = 0; i < 300; ++i) {
    const NodeId from = tg.ids[rng() % tg.ids.size()];
    const NodeId to = tg.ids[rng() % tg.ids.size()];
    const RouteResult want = dijkstra.one_to_one(from, to);
    const RouteResult got = query.one_to_one(from, to, true);
    ASSERT_EQ(got.status, want.status) << to_int(from) << " -> " << to_int(to);
    ASSERT_EQ(got.cost, want.cost) << to_int(from) << " -> " << to_int(to);
    if (got.status == RouteStatus::ok) {
      ASSERT_EQ(got.length_mm, path_length(graph, got.path));
    }
  }
}

}  // namespace
}  // namespace waybill::router
