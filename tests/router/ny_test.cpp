// The router on the DIMACS NY road graph (264,346 nodes), against a naive Dijkstra that reads the
// file itself, and its contraction hierarchy against trees. Labelled `slow`; a missing data file
// is a failure, not a skip.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <memory>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "router/ch_file.h"
#include "router/ch_query.h"
#include "router/contraction.h"
#include "router/dimacs.h"
#include "router/graph.h"
#include "router/landmarks.h"
#include "router/shortest_path.h"
#include "tests/router/ny_data.h"
#include "tests/router/reference.h"

namespace waybill::router {
namespace {

constexpr std::int64_t kNyNodes = 264346;

// The graph, its load report and the naive copy, loaded once per process.
struct NyData {
  BuildReport report;
  RoadGraph graph;
  testing::NaiveGraph naive;
};

class NyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const auto& file : {testing::ny_gr(), testing::ny_co()}) {
      ASSERT_TRUE(std::filesystem::exists(file)) << testing::missing_data_message(file);
    }
    if (!s_data) {
      BuildReport report;
      RoadGraph graph = load_dimacs(testing::ny_gr(), testing::ny_co(), &report);
      s_data = std::make_unique<NyData>(
          NyData{report, std::move(graph), testing::read_naive_gr(testing::ny_gr())});
    }
  }
  static void TearDownTestSuite() {
    s_hierarchy.reset();
    s_data.reset();
  }

  const RoadGraph& graph() const { return s_data->graph; }
  const testing::NaiveGraph& naive() const { return s_data->naive; }
  static NodeId random_node(std::mt19937_64& rng) {
    return NodeId{std::uniform_int_distribution<std::int64_t>(1, kNyNodes)(rng)};
  }

  // The graph's contraction hierarchy, built on first use (about ten seconds, both cores).
  const ContractionHierarchy& hierarchy() const {
    if (!s_hierarchy) {
      ChBuildReport report;
      s_hierarchy =
          std::make_unique<ContractionHierarchy>(ContractionHierarchy::build(graph(), 2, &report));
      std::cout << "NY hierarchy: built in " << report.seconds << " s, " << report.shortcuts
                << " shortcuts in " << report.rounds << " rounds, " << s_hierarchy->bytes()
                << " bytes\n";
    }
    return *s_hierarchy;
  }

  static std::unique_ptr<NyData> s_data;
  static std::unique_ptr<ContractionHierarchy> s_hierarchy;
};
std::unique_ptr<NyData> NyTest::s_data;
std::unique_ptr<ContractionHierarchy> NyTest::s_hierarchy;

TEST_F(NyTest, LoadsWithTheKnownCounts) {
  EXPECT_EQ(graph().num_nodes(), 264346u);
  EXPECT_EQ(graph().num_arcs(), 730100u);  // distinct (tail, head) pairs
  EXPECT_EQ(s_data->report.parallel_arcs, 3746u);
  EXPECT_EQ(s_data->report.self_loops, 0u);
  EXPECT_EQ(naive().arc_lines, 733846u);
  ASSERT_TRUE(graph().has_coordinates());
  for (std::int64_t id = 1; id <= kNyNodes; ++id) {
    const auto index = graph().index_of(NodeId{id});
    ASSERT_TRUE(index.has_value()) << id;
    const Coordinate c = graph().coordinate(*index);
    ASSERT_TRUE(c.lon_e6 >= -74499998 && c.lon_e6 <= -73500016) << id << ": lon " << c.lon_e6;
    ASSERT_TRUE(c.lat_e6 >= 40300009 && c.lat_e6 <= 41299997) << id << ": lat " << c.lat_e6;
  }
  EXPECT_FALSE(graph().index_of(NodeId{0}).has_value());
  EXPECT_FALSE(graph().index_of(NodeId{kNyNodes + 1}).has_value());
}

// 300 random pairs: ALT one_to_one (16 landmarks) and a plain one_to_many from the same origin
// against the naive Dijkstra; paths are real paths of that cost in the file's arcs.
TEST_F(NyTest, OneToOneMatchesNaiveDijkstra) {
  const std::uint64_t seed = testing::test_seed();
  SCOPED_TRACE(testing::seed_trace(seed));
  std::mt19937_64 rng(seed);
  const Landmarks landmarks = Landmarks::build(graph(), 16, 2);
  EXPECT_EQ(landmarks.count(), 16u);
  RouteQuery alt(graph(), &landmarks);
  RouteQuery plain(graph());
  auto cheapest = [this](NodeId u, NodeId v) { return naive().cheapest_arc(u, v); };
  for (int i = 0; i < 300; ++i) {
    const NodeId from = random_node(rng);
    const NodeId to = random_node(rng);
    SCOPED_TRACE("pair #" + std::to_string(i) + ": " + std::to_string(to_int(from)) + " -> " +
                 std::to_string(to_int(to)));
    const Cost expected =
        testing::naive_dijkstra(naive(), from, to)[static_cast<std::size_t>(to_int(to) - 1)];
    ASSERT_NE(expected, kInfiniteCost) << "NY is strongly connected";

    const RouteResult r = alt.one_to_one(from, to, true);
    ASSERT_EQ(r.status, RouteStatus::ok);
    ASSERT_EQ(r.cost, expected) << "ALT one_to_one";
    ASSERT_EQ(r.path.size(), r.hops + 1u);
    ASSERT_TRUE(testing::is_path_of_cost(r.path, from, to, expected, cheapest));
    EXPECT_GT(alt.settled(), 0u);

    const std::vector<NodeId> one{to};
    ASSERT_EQ(plain.one_to_many(from, one).at(0).cost, expected) << "one_to_many";
    ASSERT_EQ(plain.one_to_one(from, to).cost, expected) << "Dijkstra one_to_one";
    if (i % 30 == 0) {
      ASSERT_EQ(plain.tree(from)->route_to(to, false).cost, expected) << "tree";
    }
  }
}

// One origin, 1000 destinations: one_to_many and the tree against the naive one-to-all.
TEST_F(NyTest, OneToManyMatchesNaiveOneToAll) {
  const std::uint64_t seed = testing::test_seed();
  SCOPED_TRACE(testing::seed_trace(seed));
  std::mt19937_64 rng(seed + 1);
  const NodeId origin = random_node(rng);
  std::vector<NodeId> destinations;
  for (int i = 0; i < 1000; ++i) destinations.push_back(random_node(rng));
  const std::vector<Cost> expected = testing::naive_dijkstra(naive(), origin);

  RouteQuery query(graph());
  const std::vector<RouteResult> results = query.one_to_many(origin, destinations, true);
  ASSERT_EQ(results.size(), destinations.size());
  const auto tree = query.tree(origin);
  ASSERT_NE(tree, nullptr);
  auto cheapest = [this](NodeId u, NodeId v) { return naive().cheapest_arc(u, v); };
  for (std::size_t i = 0; i < destinations.size(); ++i) {
    const NodeId to = destinations[i];
    const Cost cost = expected[static_cast<std::size_t>(to_int(to) - 1)];
    ASSERT_EQ(results[i].status, RouteStatus::ok) << to_int(origin) << " -> " << to_int(to);
    ASSERT_EQ(results[i].cost, cost) << to_int(origin) << " -> " << to_int(to);
    ASSERT_TRUE(testing::is_path_of_cost(results[i].path, origin, to, cost, cheapest))
        << to_int(origin) << " -> " << to_int(to);
    ASSERT_EQ(tree->route_to(to, false).cost, cost)
        << "tree: " << to_int(origin) << " -> " << to_int(to);
  }
  EXPECT_GE(query.settled(), static_cast<std::size_t>(kNyNodes)) << "a tree settles every node";
}

// 20 origins by 200 random destinations: the hierarchy's routes against each origin's tree (cost,
// and length where the path is the tree's), every tenth path unpacked and checked arc by arc
// against the file's arcs, its length against the graph's arcs.
TEST_F(NyTest, HierarchyRoutesEqualTrees) {
  const std::uint64_t seed = testing::test_seed();
  SCOPED_TRACE(testing::seed_trace(seed));
  std::mt19937_64 rng(seed + 2);
  ChQuery query(graph(), hierarchy());
  RouteQuery trees(graph());
  auto cheapest = [this](NodeId u, NodeId v) { return naive().cheapest_arc(u, v); };
  std::size_t paths = 0;
  for (int i = 0; i < 20; ++i) {
    const NodeId from = random_node(rng);
    const auto tree = trees.tree(from);
    for (int j = 0; j < 200; ++j) {
      const NodeId to = random_node(rng);
      SCOPED_TRACE(std::to_string(to_int(from)) + " -> " + std::to_string(to_int(to)));
      const RouteResult want = tree->route_to(to, false);
      const bool want_path = j % 10 == 0;
      const RouteResult r = query.one_to_one(from, to, want_path);
      ASSERT_EQ(r.status, RouteStatus::ok);
      ASSERT_EQ(r.cost, want.cost);
      ASSERT_EQ(query.cost(*graph().index_of(from), *graph().index_of(to)), want.cost);
      if (!want_path) continue;
      ++paths;
      ASSERT_EQ(r.path.size(), r.hops + 1u);
      ASSERT_TRUE(testing::is_path_of_cost(r.path, from, to, want.cost, cheapest));
      std::int64_t length = 0;
      for (std::size_t k = 1; k < r.path.size(); ++k) {
        length += graph().length_mm(
            *graph().find_arc(*graph().index_of(r.path[k - 1]), *graph().index_of(r.path[k])));
      }
      ASSERT_EQ(r.length_mm, length);
    }
  }
  EXPECT_EQ(paths, 400u);
}

// A 30 x 300 matrix, in blocks of 7 rows, against the trees of its sources; and the same cells as
// sparse pairs.
TEST_F(NyTest, HierarchyMatrixEqualsTrees) {
  std::mt19937_64 rng(testing::test_seed() + 3);
  std::vector<NodeIndex> sources(30), targets(300);
  for (NodeIndex& v : sources) v = static_cast<NodeIndex>(rng() % graph().num_nodes());
  for (NodeIndex& v : targets) v = static_cast<NodeIndex>(rng() % graph().num_nodes());
  ChQuery query(graph(), hierarchy());
  const MatrixTargets columns = query.targets(targets, {true, true});
  RouteQuery trees(graph());
  MatrixCells block;
  std::vector<MatrixPair> pairs;
  std::vector<Cost> want;
  for (std::size_t first = 0; first < sources.size(); first += 7) {
    const std::size_t size = std::min<std::size_t>(7, sources.size() - first);
    query.rows(columns, std::span(sources).subspan(first, size), block);
    for (std::size_t i = 0; i < size; ++i) {
      const auto tree = trees.tree(graph().id_of(sources[first + i]));
      for (std::size_t j = 0; j < targets.size(); ++j) {
        ASSERT_EQ(block.cost_at(i, j), tree->cost_to(targets[j]))
            << sources[first + i] << " -> " << targets[j];
        ASSERT_GE(block.length_mm[i * targets.size() + j], 0);
        if (j % 3 == 0) {
          pairs.push_back({static_cast<std::uint32_t>(first + i), static_cast<std::uint32_t>(j)});
          want.push_back(tree->cost_to(targets[j]));
        }
      }
    }
  }
  const MatrixCells sparse = query.pairs(sources, targets, pairs);
  EXPECT_EQ(sparse.cost, want);
}

TEST_F(NyTest, HierarchyFileRoundTrip) {
  const auto path = std::filesystem::path(::testing::TempDir()) /
                    ("waybill_ny_" + std::to_string(::getpid()) + ".ch");
  const auto t0 = std::chrono::steady_clock::now();
  save_hierarchy(path, hierarchy(), "ny");
  const auto t1 = std::chrono::steady_clock::now();
  const ContractionHierarchy back = load_hierarchy(path, graph(), "ny");
  const auto t2 = std::chrono::steady_clock::now();
  std::cout << "NY hierarchy file: " << std::filesystem::file_size(path) << " bytes, saved in "
            << std::chrono::duration<double>(t1 - t0).count() << " s, loaded in "
            << std::chrono::duration<double>(t2 - t1).count() << " s\n";
  std::filesystem::remove(path);
  EXPECT_EQ(back.bytes(), hierarchy().bytes());
  ChQuery a(graph(), hierarchy()), b(graph(), back);
  std::mt19937_64 rng(testing::test_seed() + 4);
  for (int i = 0; i < 200; ++i) {
    const auto u = static_cast<NodeIndex>(rng() % graph().num_nodes());
    const auto v = static_cast<NodeIndex>(rng() % graph().num_nodes());
    ASSERT_EQ(a.route(u, v, true).path, b.route(u, v, true).path);
  }
}

}  // namespace
}  // namespace waybill::router
