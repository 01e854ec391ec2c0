// The router on the DIMACS NY road graph (264,346 nodes), against a naive Dijkstra that reads the
// file itself. Labelled `slow`; a missing data file is a failure, not a skip.
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <random>
#include <vector>

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
  static void TearDownTestSuite() { s_data.reset(); }

  const RoadGraph& graph() const { return s_data->graph; }
  const testing::NaiveGraph& naive() const { return s_data->naive; }
  static NodeId random_node(std::mt19937_64& rng) {
    return NodeId{std::uniform_int_distribution<std::int64_t>(1, kNyNodes)(rng)};
  }

  static std::unique_ptr<NyData> s_data;
};
std::unique_ptr<NyData> NyTest::s_data;

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

}  // namespace
}  // namespace waybill::router
