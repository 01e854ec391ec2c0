// Trees saved to files and read back (save_tree, load_tree), and TreeCache sharing them through
// a directory, as two workers on one host do.
#include "router/tree_file.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "router/graph.h"
#include "router/shortest_path.h"
#include "router/tree_cache.h"
#include "tests/router/file_test.h"

namespace waybill::router {
namespace {

// A small town with lengths: depot -> market twice (the cheap arc is the longer one),
// market -> bridge, depot -> bridge, bridge <-> harbour; the island is reached from nowhere.
constexpr NodeId depot{10}, market{20}, bridge{30}, harbour{40}, island{50};

RoadGraph town(bool lengths = true) {
  std::vector<Arc> arcs = {{depot, market, 9, 900'000},   {depot, market, 4, 1'200'000},
                           {market, bridge, 3, 300'000},  {depot, bridge, 8, 500'000},
                           {bridge, harbour, 1, 10'000},  {harbour, bridge, 1, 10'000},
                           {island, harbour, 2, 20'000}};
  if (!lengths) {
    for (Arc& a : arcs) a.length_mm = -1;
  }
  return RoadGraph::build({depot, market, bridge, harbour, island}, arcs);
}

void expect_same_answers(const RoadGraph& graph, const ShortestPathTree& a,
                         const ShortestPathTree& b) {
  EXPECT_EQ(a.origin(), b.origin());
  EXPECT_EQ(a.bytes(), b.bytes());
  for (NodeIndex v = 0; v < graph.num_nodes(); ++v) {
    const RouteResult x = a.route_to(v, true);
    const RouteResult y = b.route_to(v, true);
    EXPECT_EQ(x.status, y.status) << v;
    EXPECT_EQ(x.cost, y.cost) << v;
    EXPECT_EQ(x.hops, y.hops) << v;
    EXPECT_EQ(x.length_mm, y.length_mm) << v;
    EXPECT_EQ(x.path, y.path) << v;
  }
}

std::string read_all(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

class TreeFileTest : public testing::FileTest {};

TEST_F(TreeFileTest, ASavedTreeReadsBackWithTheSameAnswers) {
  for (const bool lengths : {true, false}) {
    const RoadGraph graph = town(lengths);
    RouteQuery query(graph);
    const auto tree = query.tree(depot);
    ASSERT_NE(tree, nullptr);
    const auto path = m_dir / "depot.tree";
    ASSERT_TRUE(save_tree(*tree, path));
    const auto back = load_tree(graph, path);
    ASSERT_NE(back, nullptr) << "lengths " << lengths;
    expect_same_answers(graph, *tree, *back);
    EXPECT_EQ(back->route_to(island, false).status, RouteStatus::unreachable);
    EXPECT_EQ(back->route_to(harbour, false).cost, 4 + 3 + 1);
    // Nothing left beside it: the temporary file was renamed into place.
    EXPECT_EQ(std::distance(std::filesystem::directory_iterator(m_dir), {}), 1);
  }
}

TEST_F(TreeFileTest, ALoadedTreeOutlivesItsFile) {
  // A loaded tree reads the file in place (mapped): the shared directory's clean-up may remove
  // the file, or another worker rename a new save over its name, while the tree is in use.
  const RoadGraph graph = town();
  RouteQuery query(graph);
  const auto tree = query.tree(depot);
  const auto path = m_dir / "depot.tree";
  ASSERT_TRUE(save_tree(*tree, path));
  const auto loaded = load_tree(graph, path);
  ASSERT_NE(loaded, nullptr);
  ASSERT_TRUE(save_tree(*query.tree(market), path));  // renamed over it
  expect_same_answers(graph, *tree, *loaded);
  std::filesystem::remove(path);
  expect_same_answers(graph, *tree, *loaded);
  EXPECT_EQ(load_tree(graph, path), nullptr);
}

TEST_F(TreeFileTest, AFileThatIsNotAWholeIntactTreeOfThisGraphIsIgnored) {
  const RoadGraph graph = town();
  RouteQuery query(graph);
  const auto path = m_dir / "depot.tree";
  ASSERT_TRUE(save_tree(*query.tree(depot), path));
  const std::string good = read_all(path);

  EXPECT_EQ(load_tree(graph, m_dir / "missing.tree"), nullptr);
  EXPECT_EQ(load_tree(graph, write("empty.tree", "")), nullptr);
  EXPECT_EQ(load_tree(graph, write("short.tree", good.substr(0, good.size() - 1))), nullptr);
  EXPECT_EQ(load_tree(graph, write("long.tree", good + "x")), nullptr);
  std::string flipped = good;
  flipped[flipped.size() / 2] ^= 0x10;  // in the arrays: the CRC catches it
  EXPECT_EQ(load_tree(graph, write("flipped.tree", flipped)), nullptr);
  std::string magic = good;
  magic[0] = 'X';
  EXPECT_EQ(load_tree(graph, write("magic.tree", magic)), nullptr);
  // A tree of another graph: without lengths, or with another number of nodes.
  EXPECT_EQ(load_tree(town(false), path), nullptr);
  const RoadGraph bigger = RoadGraph::build({depot, market, bridge, harbour, island, NodeId{60}},
                                            {{depot, market, 4, 1'000}});
  EXPECT_EQ(load_tree(bigger, path), nullptr);
  // The good file still reads.
  EXPECT_NE(load_tree(graph, write("again.tree", good)), nullptr);
}

TEST_F(TreeFileTest, TwoCachesSharingADirectoryComputeEachTreeOnce) {
  const RoadGraph graph = town();
  RouteQuery query(graph);
  int computed = 0;
  const auto compute = [&](NodeId origin) {
    return [&, origin] {
      ++computed;
      return query.tree(origin);
    };
  };
  const std::size_t budget = 10 * query.tree(depot)->bytes();
  TreeCache first(budget), second(budget);
  first.share_through(graph, m_dir);
  second.share_through(graph, m_dir);
  const NodeIndex from = *graph.index_of(depot);

  const auto a = first.get(from, compute(depot));
  EXPECT_EQ(computed, 1);
  EXPECT_EQ(first.shared_loads(), 0u);
  const auto b = second.get(from, compute(depot));
  EXPECT_EQ(computed, 1) << "the second cache read the first one's tree";
  EXPECT_EQ(second.shared_loads(), 1u);
  EXPECT_EQ(second.misses(), 1u);
  expect_same_answers(graph, *a, *b);

  // A cache that does not share computes its own.
  TreeCache alone(budget);
  alone.get(from, compute(depot));
  EXPECT_EQ(computed, 2);
}

TEST_F(TreeFileTest, TheSharedDirectoryKeepsToTheBudget) {
  const RoadGraph graph = town();
  RouteQuery query(graph);
  const auto one = m_dir / "probe";
  ASSERT_TRUE(save_tree(*query.tree(depot), one));
  const auto file_bytes = std::filesystem::file_size(one);
  std::filesystem::remove(one);
  // Room for two files, not three.
  TreeCache cache(2 * file_bytes + file_bytes / 2);
  cache.share_through(graph, m_dir);
  for (const NodeId origin : {depot, market, bridge, harbour}) {
    cache.get(*graph.index_of(origin), [&] { return query.tree(origin); });
  }
  std::uintmax_t total = 0;
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(m_dir)) {
    total += entry.file_size();
    ++files;
  }
  EXPECT_EQ(files, 2);
  EXPECT_LE(total, 2 * file_bytes + file_bytes / 2);
}

TEST_F(TreeFileTest, AnUnwritableDirectoryOnlyCostsTheSaving) {
  const RoadGraph graph = town();
  RouteQuery query(graph);
  TreeCache cache(1 << 20);
  cache.share_through(graph, m_dir / "not" / "there");
  int computed = 0;
  const auto tree = cache.get(*graph.index_of(depot), [&] {
    ++computed;
    return query.tree(depot);
  });
  ASSERT_NE(tree, nullptr);
  EXPECT_EQ(tree->route_to(harbour, false).cost, 4 + 3 + 1);
  EXPECT_EQ(cache.get(*graph.index_of(depot), [&] { return query.tree(depot); }), tree);
  EXPECT_EQ(computed, 1);
}

}  // namespace
}  // namespace waybill::router
