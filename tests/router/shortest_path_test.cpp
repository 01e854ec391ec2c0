#include "router/shortest_path.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "router/graph.h"
#include "router/landmarks.h"
#include "tests/router/reference.h"

namespace waybill::router {
namespace {

using testing::ReferenceGraph;
using testing::ReferenceTree;
using testing::TestGraph;

// A small town, costs in decimetres:
//
//   depot ==4 (and 9)==> market --3--> bridge <==0==> harbour
//     \                                  ^              |
//      '----------------8----------------'              |
//     ^-----------------------2-------------------------'
//   market --1--> market (a self-loop)        island (no arcs)
constexpr NodeId depot{10};
constexpr NodeId market{20};
constexpr NodeId bridge{30};
constexpr NodeId harbour{40};
constexpr NodeId island{50};
constexpr NodeId nowhere{99};  // not in the graph

TestGraph town() {
  return {{harbour, island, depot, bridge, market},
          {{depot, market, 9},
           {depot, market, 4},
           {market, bridge, 3},
           {depot, bridge, 8},
           {bridge, harbour, 0},
           {harbour, bridge, 0},
           {market, market, 1},
           {harbour, depot, 2}}};
}

class TownTest : public ::testing::Test {
 protected:
  TownTest() : m_graph(RoadGraph::build(town().ids, town().arcs)) {}
  RoadGraph m_graph;
};

TEST_F(TownTest, BuildDropsSelfLoopsAndMergesParallelArcs) {
  BuildReport report;
  const RoadGraph graph = RoadGraph::build(town().ids, town().arcs, {}, &report);
  EXPECT_EQ(graph.num_nodes(), 5u);
  EXPECT_EQ(graph.num_arcs(), 6u);
  EXPECT_EQ(report.self_loops, 1u);
  EXPECT_EQ(report.parallel_arcs, 1u);
  EXPECT_FALSE(graph.has_coordinates());
  for (NodeId id : town().ids) {
    ASSERT_TRUE(graph.index_of(id).has_value()) << to_int(id);
    EXPECT_EQ(graph.id_of(*graph.index_of(id)), id);
  }
  EXPECT_FALSE(graph.index_of(nowhere).has_value());
}

TEST_F(TownTest, ShortestPathTakesTheCheaperParallelArcAndZeroCostArcs) {
  RouteQuery query(m_graph);
  const RouteResult r = query.one_to_one(depot, harbour, true);
  EXPECT_EQ(r.status, RouteStatus::ok);
  EXPECT_EQ(r.cost, 7);
  EXPECT_EQ(r.hops, 3u);
  EXPECT_EQ(r.path, (std::vector<NodeId>{depot, market, bridge, harbour}));
  EXPECT_GT(query.settled(), 0u);

  const RouteResult back = query.one_to_one(harbour, bridge, true);
  EXPECT_EQ(back.status, RouteStatus::ok);
  EXPECT_EQ(back.cost, 0);
  EXPECT_EQ(back.hops, 1u);
  EXPECT_EQ(back.path, (std::vector<NodeId>{harbour, bridge}));
}

TEST_F(TownTest, WithoutPathHasHopsButNoPath) {
  RouteQuery query(m_graph);
  const RouteResult r = query.one_to_one(harbour, market);
  EXPECT_EQ(r.status, RouteStatus::ok);
  EXPECT_EQ(r.cost, 6);
  EXPECT_EQ(r.hops, 2u);
  EXPECT_TRUE(r.path.empty());
}

TEST_F(TownTest, OriginEqualsDestination) {
  const Landmarks landmarks = Landmarks::build(m_graph, 2, 1);
  for (const Landmarks* lm : {static_cast<const Landmarks*>(nullptr), &landmarks}) {
    RouteQuery query(m_graph, lm);
    for (NodeId id : {depot, island}) {
      const RouteResult r = query.one_to_one(id, id, true);
      EXPECT_EQ(r.status, RouteStatus::ok) << to_int(id);
      EXPECT_EQ(r.cost, 0);
      EXPECT_EQ(r.hops, 0u);
      EXPECT_EQ(r.path, std::vector<NodeId>{id});
    }
  }
}

TEST_F(TownTest, UnreachableIsAResult) {
  RouteQuery query(m_graph);
  for (const auto& [from, to] : {std::pair{depot, island}, std::pair{island, depot}}) {
    const RouteResult r = query.one_to_one(from, to, true);
    EXPECT_EQ(r.status, RouteStatus::unreachable);
    EXPECT_EQ(r.cost, kInfiniteCost);
    EXPECT_EQ(r.hops, 0u);
    EXPECT_TRUE(r.path.empty());
  }
}

TEST_F(TownTest, UnknownNodeIsAResult) {
  const Landmarks landmarks = Landmarks::build(m_graph, 3, 1);
  RouteQuery query(m_graph, &landmarks);
  for (const auto& [from, to] :
       {std::pair{nowhere, depot}, std::pair{depot, nowhere}, std::pair{nowhere, nowhere}}) {
    const RouteResult r = query.one_to_one(from, to, true);
    EXPECT_EQ(r.status, RouteStatus::unknown_node);
    EXPECT_EQ(r.cost, kInfiniteCost);
    EXPECT_EQ(r.hops, 0u);
    EXPECT_TRUE(r.path.empty());
  }
  EXPECT_EQ(query.tree(nowhere), nullptr);
  const std::vector<NodeId> targets{depot, harbour};
  for (const RouteResult& r : query.one_to_many(nowhere, targets)) {
    EXPECT_EQ(r.status, RouteStatus::unknown_node);
  }
}

TEST_F(TownTest, OneToManyKeepsOrderDuplicatesAndUnknowns) {
  RouteQuery query(m_graph);
  const std::vector<NodeId> targets{harbour, nowhere, depot, harbour, island, market};
  const std::vector<RouteResult> results = query.one_to_many(depot, targets, true);
  ASSERT_EQ(results.size(), targets.size());
  EXPECT_EQ(results[0].cost, 7);
  EXPECT_EQ(results[0].path, (std::vector<NodeId>{depot, market, bridge, harbour}));
  EXPECT_EQ(results[1].status, RouteStatus::unknown_node);
  EXPECT_EQ(results[2].cost, 0);
  EXPECT_EQ(results[2].path, std::vector<NodeId>{depot});
  EXPECT_EQ(results[3].cost, 7);
  EXPECT_EQ(results[3].path, results[0].path);
  EXPECT_EQ(results[4].status, RouteStatus::unreachable);
  EXPECT_EQ(results[5].cost, 4);
  EXPECT_GT(query.settled(), 0u);

  EXPECT_TRUE(query.one_to_many(depot, std::vector<NodeId>{}).empty());
}

TEST_F(TownTest, TreeAnswersEveryDestination) {
  RouteQuery query(m_graph);
  const auto tree = query.tree(harbour);
  ASSERT_NE(tree, nullptr);
  EXPECT_EQ(tree->origin(), *m_graph.index_of(harbour));
  EXPECT_GE(query.settled(), 4u);  // harbour, bridge, depot, market
  EXPECT_GT(tree->bytes(), 0u);
  const RouteResult to_market = tree->route_to(market, true);
  EXPECT_EQ(to_market.cost, 6);
  EXPECT_EQ(to_market.hops, 2u);
  EXPECT_EQ(to_market.path, (std::vector<NodeId>{harbour, depot, market}));
  EXPECT_EQ(tree->route_to(harbour, true).path, std::vector<NodeId>{harbour});
  EXPECT_EQ(tree->route_to(island, true).status, RouteStatus::unreachable);
  EXPECT_EQ(tree->route_to(nowhere, true).status, RouteStatus::unknown_node);
  // The tree outlives further queries on the same RouteQuery.
  query.one_to_one(island, depot);
  query.tree(depot);
  EXPECT_EQ(tree->route_to(market, false).cost, 6);
}

TEST_F(TownTest, MovedQueryKeepsWorking) {
  RouteQuery first(m_graph);
  first.one_to_one(depot, harbour);
  RouteQuery moved(std::move(first));
  EXPECT_EQ(moved.one_to_one(depot, harbour).cost, 7);
}

// A one-way street of 100 houses, 1 -> 2 -> ... -> 100, each leg 1: searches that stop early
// settle only the houses before their last destination.
TEST(EarlyExitTest, SearchesStopOnceTheirDestinationsAreSettled) {
  std::vector<NodeId> houses;
  std::vector<Arc> legs;
  for (std::int64_t i = 1; i <= 100; ++i) {
    houses.push_back(NodeId{i});
    if (i < 100) legs.push_back({NodeId{i}, NodeId{i + 1}, 1});
  }
  const RoadGraph street = RoadGraph::build(houses, legs);
  const Landmarks landmarks = Landmarks::build(street, 2, 1);
  for (const Landmarks* lm : {static_cast<const Landmarks*>(nullptr), &landmarks}) {
    RouteQuery query(street, lm);
    EXPECT_EQ(query.one_to_one(NodeId{1}, NodeId{5}).cost, 4);
    EXPECT_GT(query.settled(), 0u);
    EXPECT_LE(query.settled(), 10u) << "one_to_one, landmarks: " << (lm != nullptr);
  }
  RouteQuery query(street);
  const std::vector<NodeId> twice{NodeId{4}, NodeId{6}, NodeId{6}, NodeId{4}};
  const auto results = query.one_to_many(NodeId{1}, twice);
  EXPECT_EQ(results.at(2).cost, 5);
  EXPECT_LE(query.settled(), 10u) << "one_to_many with duplicate destinations";
  query.tree(NodeId{1});
  EXPECT_EQ(query.settled(), 100u) << "a tree settles every node it reaches";
}

// Ids at both ends of int64 (OSM ids are positive, but nothing forbids others): every id maps to
// its index and back, and ids between them are unknown. Run under UBSan, this also checks that
// the lookup does no signed overflow.
TEST(NodeIdTest, ExtremeIdsMapBothWays) {
  constexpr auto lowest = std::numeric_limits<std::int64_t>::min();
  constexpr auto highest = std::numeric_limits<std::int64_t>::max();
  const std::vector<NodeId> ids{NodeId{highest}, NodeId{0}, NodeId{lowest}, NodeId{-1}};
  const RoadGraph graph = RoadGraph::build(ids, {{NodeId{lowest}, NodeId{highest}, 3}});
  for (NodeId id : ids) {
    ASSERT_TRUE(graph.index_of(id).has_value()) << to_int(id);
    EXPECT_EQ(graph.id_of(*graph.index_of(id)), id);
  }
  for (std::int64_t unknown : {lowest + 1, std::int64_t{-2}, std::int64_t{1}, highest - 1}) {
    EXPECT_FALSE(graph.index_of(NodeId{unknown}).has_value()) << unknown;
  }
  EXPECT_EQ(RouteQuery(graph).one_to_one(NodeId{lowest}, NodeId{highest}).cost, 3);
}

TEST(RouteStatusTest, NamesAreDistinct) {
  const std::set<std::string> names{to_string(RouteStatus::ok), to_string(RouteStatus::unreachable),
                                    to_string(RouteStatus::unknown_node)};
  EXPECT_EQ(names.size(), 3u);
  EXPECT_EQ(names.count(""), 0u);
}

TEST(EmptyGraphTest, EveryQueryIsUnknownNode) {
  const RoadGraph graph = RoadGraph::build({}, {});
  EXPECT_EQ(graph.num_nodes(), 0u);
  EXPECT_EQ(graph.num_arcs(), 0u);
  const Landmarks landmarks = Landmarks::build(graph, 4, 1);
  EXPECT_EQ(landmarks.count(), 0u);
  RouteQuery query(graph, &landmarks);
  EXPECT_EQ(query.one_to_one(NodeId{1}, NodeId{1}).status, RouteStatus::unknown_node);
  EXPECT_EQ(query.tree(NodeId{1}), nullptr);
  const std::vector<NodeId> targets{NodeId{1}};
  EXPECT_EQ(query.one_to_many(NodeId{1}, targets).at(0).status, RouteStatus::unknown_node);
}

// Every query kind against the reference on one random graph; stops at the first mismatch.
void check_random_graph(const TestGraph& tg, std::mt19937_64& rng) {
  const ReferenceGraph ref(tg);
  std::set<std::pair<NodeId, NodeId>> pairs;
  std::size_t self_loops = 0;
  for (const Arc& a : tg.arcs) {
    if (a.tail == a.head)
      ++self_loops;
    else
      pairs.emplace(a.tail, a.head);
  }
  BuildReport report;
  const RoadGraph graph = RoadGraph::build(tg.ids, tg.arcs, {}, &report);
  ASSERT_EQ(graph.num_nodes(), tg.ids.size());
  ASSERT_EQ(graph.num_arcs(), pairs.size());
  ASSERT_EQ(report.self_loops, self_loops);
  ASSERT_EQ(report.parallel_arcs, tg.arcs.size() - self_loops - pairs.size());

  const std::size_t k = 1 + rng() % 4;
  const Landmarks landmarks = Landmarks::build(graph, k, 1 + static_cast<unsigned>(rng() % 2));
  ASSERT_LE(landmarks.count(), k);
  RouteQuery plain(graph);
  RouteQuery alt(graph, &landmarks);

  std::vector<ReferenceTree> trees;
  for (NodeId id : ref.ids()) trees.push_back(ref.from(id));
  auto tree_of = [&](NodeId id) -> const ReferenceTree* {
    const auto it = std::find(ref.ids().begin(), ref.ids().end(), id);
    return it == ref.ids().end() ? nullptr
                                 : &trees[static_cast<std::size_t>(it - ref.ids().begin())];
  };
  auto random_node = [&]() {
    if (rng() % 10 == 0) return testing::unknown_id(ref, rng);
    return ref.ids()[rng() % ref.size()];
  };

  // tree(origin)->route_to(every destination), and one_to_many from the same origin.
  std::vector<NodeId> targets = ref.ids();
  targets.push_back(testing::unknown_id(ref, rng));
  for (NodeId origin : ref.ids()) {
    const bool want_path = rng() % 2 == 0;
    const auto tree = plain.tree(origin);
    ASSERT_NE(tree, nullptr);
    ASSERT_EQ(tree->origin(), *graph.index_of(origin));
    std::shuffle(targets.begin(), targets.end(), rng);
    for (NodeId to : targets) {
      ASSERT_TRUE(testing::matches_reference(ref, tree_of(origin), origin, to,
                                             tree->route_to(to, want_path), want_path))
          << "tree";
    }
    std::vector<NodeId> some(targets.begin(),
                             targets.begin() + static_cast<long>(rng() % (targets.size() + 1)));
    if (!some.empty()) some.push_back(some.front());  // a duplicate
    RouteQuery& query = rng() % 2 == 0 ? plain : alt;
    const auto results = query.one_to_many(origin, some, want_path);
    ASSERT_EQ(results.size(), some.size());
    for (std::size_t i = 0; i < some.size(); ++i) {
      ASSERT_TRUE(
          testing::matches_reference(ref, tree_of(origin), origin, some[i], results[i], want_path))
          << "one_to_many to " << some.size() << " destinations";
    }
  }
  // one_to_one, with and without landmarks and path, on random pairs.
  for (int i = 0; i < 60; ++i) {
    const NodeId from = random_node();
    const NodeId to = random_node();
    for (bool want_path : {false, true}) {
      ASSERT_TRUE(testing::matches_reference(ref, tree_of(from), from, to,
                                             plain.one_to_one(from, to, want_path), want_path))
          << "one_to_one, Dijkstra";
      ASSERT_TRUE(testing::matches_reference(ref, tree_of(from), from, to,
                                             alt.one_to_one(from, to, want_path), want_path))
          << "one_to_one, ALT with " << landmarks.count() << " landmarks";
    }
  }
}

TEST(ShortestPathDifferentialTest, RandomGraphsMatchNaiveDijkstra) {
  const std::uint64_t seed = testing::test_seed();
  SCOPED_TRACE(testing::seed_trace(seed));
  for (std::uint64_t i = 0; i < 300; ++i) {
    std::mt19937_64 rng(seed + i);
    const TestGraph tg = testing::random_graph(rng, 1, 60);
    SCOPED_TRACE("random graph #" + std::to_string(i) + "\n" + testing::describe(tg));
    check_random_graph(tg, rng);
    if (HasFatalFailure()) return;
  }
}

TEST(ShortestPathDifferentialTest, ReusedQueryAnswersLikeAFreshOne) {
  const std::uint64_t seed = testing::test_seed();
  SCOPED_TRACE(testing::seed_trace(seed));
  std::mt19937_64 rng(seed ^ 0x5eed);
  const TestGraph tg = testing::random_graph(rng, 40, 60);
  const RoadGraph graph = RoadGraph::build(tg.ids, tg.arcs);
  const Landmarks landmarks = Landmarks::build(graph, 3, 1);
  RouteQuery reused(graph, &landmarks);
  for (int i = 0; i < 2000; ++i) {
    const NodeId from = tg.ids[rng() % tg.ids.size()];
    const NodeId to = tg.ids[rng() % tg.ids.size()];
    const bool want_path = rng() % 2 == 0;
    RouteQuery fresh(graph, &landmarks);
    const RouteResult expected = fresh.one_to_one(from, to, want_path);
    RouteResult got;
    switch (i % 3) {
      case 0:
        got = reused.one_to_one(from, to, want_path);
        break;
      case 1:
        got = reused.one_to_many(from, std::vector<NodeId>{to}, want_path).at(0);
        break;
      default:
        got = reused.tree(from)->route_to(to, want_path);
        break;
    }
    ASSERT_EQ(got.status, expected.status)
        << "query #" << i << ": " << to_int(from) << " -> " << to_int(to) << "\n"
        << testing::describe(tg);
    ASSERT_EQ(got.cost, expected.cost)
        << "query #" << i << ": " << to_int(from) << " -> " << to_int(to) << "\n"
        << testing::describe(tg);
    if (i % 3 == 0) {
      ASSERT_EQ(got.path, expected.path) << "query #" << i;
    }
  }
}

TEST(ShortestPathThreadsTest, QueriesPerThreadOverASharedGraph) {
  const std::uint64_t seed = testing::test_seed();
  SCOPED_TRACE(testing::seed_trace(seed));
  std::mt19937_64 rng(seed ^ 0x7ead5);
  const TestGraph tg = testing::random_graph(rng, 250, 300);
  const ReferenceGraph ref(tg);
  std::vector<ReferenceTree> trees;
  for (NodeId id : ref.ids()) trees.push_back(ref.from(id));
  const RoadGraph graph = RoadGraph::build(tg.ids, tg.arcs);
  const Landmarks landmarks = Landmarks::build(graph, 4, 2);

  constexpr int kThreads = 4;
  std::vector<std::string> first_failure(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937_64 local(seed + static_cast<std::uint64_t>(t));
      RouteQuery query(graph, t % 2 == 0 ? &landmarks : nullptr);
      for (int i = 0; i < 1500 && first_failure[static_cast<std::size_t>(t)].empty(); ++i) {
        const std::size_t from = local() % ref.size();
        const std::size_t to = local() % ref.size();
        const bool want_path = i % 2 == 0;
        const RouteResult r = i % 10 == 0
                                  ? query.tree(ref.ids()[from])->route_to(ref.ids()[to], want_path)
                                  : query.one_to_one(ref.ids()[from], ref.ids()[to], want_path);
        const auto ok = testing::matches_reference(ref, &trees[from], ref.ids()[from],
                                                   ref.ids()[to], r, want_path);
        if (!ok) first_failure[static_cast<std::size_t>(t)] = ok.message();
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(first_failure[static_cast<std::size_t>(t)], "") << "thread " << t;
  }
}

}  // namespace
}  // namespace waybill::router
