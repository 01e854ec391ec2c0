// Matrices on a contraction hierarchy (ChQuery::targets, rows, pairs) against its point-to-point
// answers (themselves checked against the reference in contraction_test.cpp), on random graphs
// and towns: full products, blocks of rows, sparse pairs, nodes and snapped points.
#include "router/ch_query.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "router/contraction.h"
#include "router/endpoint.h"
#include "router/graph.h"
#include "router/snap.h"
#include "tests/router/endpoint_reference.h"
#include "tests/router/reference.h"

namespace waybill::router {
namespace {

// `count` random nodes of `graph`, repeats allowed.
std::vector<NodeIndex> random_nodes(std::mt19937_64& rng, const RoadGraph& graph, int count) {
  std::vector<NodeIndex> nodes;
  for (int i = 0; i < count && graph.num_nodes() > 0; ++i) {
    nodes.push_back(static_cast<NodeIndex>(rng() % graph.num_nodes()));
  }
  return nodes;
}

// A random graph of reference.h whose arcs all have lengths and, when `unique`, costs drawn from
// a billion values: then no two paths tie, and a matrix's lengths and hops must be exactly the
// point-to-point route's, not merely those of another shortest path.
RoadGraph random_graph(std::mt19937_64& rng, bool unique) {
  testing::TestGraph g = testing::random_graph(rng, 1, 40);
  for (Arc& a : g.arcs) {
    a.length_mm = static_cast<std::int64_t>(rng() % 10'000);
    if (unique) a.cost = 1 + static_cast<Cost>(rng() % 1'000'000'000);
  }
  return RoadGraph::build(g.ids, g.arcs);
}

// Checks one cell against the point-to-point route `r`: the cost always; length and hops when
// the graph's paths do not tie (`exact`), else that unreachable cells say so.
::testing::AssertionResult same_cell(const MatrixCells& m, std::size_t cell, const RouteResult& r,
                                     bool exact) {
  const bool ok = r.status == RouteStatus::ok;
  if (m.cost[cell] != (ok ? r.cost : kInfiniteCost)) {
    return ::testing::AssertionFailure() << "cost " << m.cost[cell] << ", not " << r.cost;
  }
  if (!m.length_mm.empty() && (exact || !ok) && m.length_mm[cell] != r.length_mm) {
    return ::testing::AssertionFailure()
           << "length " << m.length_mm[cell] << ", not " << r.length_mm;
  }
  if (!m.hops.empty() && (exact || !ok) && m.hops[cell] != r.hops) {
    return ::testing::AssertionFailure() << "hops " << m.hops[cell] << ", not " << r.hops;
  }
  return ::testing::AssertionSuccess();
}

TEST(ChMatrix, FullProductsAndBlocksEqualPointToPoint) {
  const std::uint64_t seed = testing::test_seed();
  SCOPED_TRACE(testing::seed_trace(seed));
  std::mt19937_64 rng(seed + 2);
  std::size_t cells = 0, reached = 0;
  for (int round = 0; round < 150; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    const bool unique = round % 2 == 0;
    const RoadGraph graph = random_graph(rng, unique);
    const ContractionHierarchy ch = ContractionHierarchy::build(graph);
    ChQuery query(graph, ch);
    const std::vector<NodeIndex> sources = random_nodes(rng, graph, 1 + round % 17);
    const std::vector<NodeIndex> targets = random_nodes(rng, graph, round % 23);
    const MatrixOptions options{round % 3 != 0, round % 5 != 0};
    const MatrixTargets columns = query.targets(targets, options);
    ASSERT_EQ(columns.size(), targets.size());
    MatrixCells all;
    query.rows(columns, sources, all);
    ASSERT_EQ(all.rows, sources.size());
    ASSERT_EQ(all.columns, targets.size());
    ASSERT_EQ(all.cost.size(), sources.size() * targets.size());
    ASSERT_EQ(all.length_mm.size(), options.lengths ? all.cost.size() : 0);
    ASSERT_EQ(all.hops.size(), options.hops ? all.cost.size() : 0);
    for (std::size_t i = 0; i < sources.size(); ++i) {
      for (std::size_t j = 0; j < targets.size(); ++j) {
        const RouteResult r = query.route(sources[i], targets[j]);
        ASSERT_TRUE(same_cell(all, i * targets.size() + j, r, unique))
            << sources[i] << " -> " << targets[j];
        ASSERT_EQ(all.cost_at(i, j), all.cost[i * targets.size() + j]);
        ++cells;
        if (r.status == RouteStatus::ok) ++reached;
      }
    }
    // The same rows a block at a time.
    MatrixCells block;
    for (std::size_t first = 0; first < sources.size();) {
      const std::size_t size = std::min<std::size_t>(1 + rng() % 4, sources.size() - first);
      query.rows(columns, std::span(sources).subspan(first, size), block);
      ASSERT_EQ(block.rows, size);
      const std::size_t at = first * targets.size();
      ASSERT_TRUE(std::equal(block.cost.begin(), block.cost.end(), all.cost.begin() + at));
      ASSERT_TRUE(
          std::equal(block.length_mm.begin(), block.length_mm.end(), all.length_mm.begin() + at));
      ASSERT_TRUE(std::equal(block.hops.begin(), block.hops.end(), all.hops.begin() + at));
      first += size;
    }
  }
  EXPECT_GT(cells, 8000u);
  EXPECT_GT(reached, 2000u);
}

TEST(ChMatrix, SparsePairsEqualPointToPoint) {
  const std::uint64_t seed = testing::test_seed();
  SCOPED_TRACE(testing::seed_trace(seed));
  std::mt19937_64 rng(seed + 3);
  for (int round = 0; round < 100; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    const RoadGraph graph = random_graph(rng, /*unique=*/true);
    const ContractionHierarchy ch = ContractionHierarchy::build(graph);
    ChQuery query(graph, ch);
    const std::vector<NodeIndex> sources = random_nodes(rng, graph, 1 + round % 13);
    const std::vector<NodeIndex> targets = random_nodes(rng, graph, 1 + round % 11);
    // Few pairs (answered pair by pair) in odd rounds, many (by buckets) in even ones.
    const std::size_t count = round % 2 ? 1 + rng() % 3 : sources.size() * targets.size();
    std::vector<MatrixPair> pairs;
    for (std::size_t k = 0; k < count; ++k) {
      pairs.push_back({static_cast<std::uint32_t>(rng() % sources.size()),
                       static_cast<std::uint32_t>(rng() % targets.size())});
    }
    const MatrixCells cells = query.pairs(sources, targets, pairs, {true, true});
    ASSERT_EQ(cells.rows, pairs.size());
    ASSERT_EQ(cells.columns, 1u);
    for (std::size_t k = 0; k < pairs.size(); ++k) {
      const RouteResult r = query.route(sources[pairs[k].source], targets[pairs[k].target]);
      ASSERT_TRUE(same_cell(cells, k, r, true)) << "pair " << k;
    }
  }
}

TEST(ChMatrix, SnappedPointsEqualBetween) {
  const std::uint64_t seed = testing::test_seed();
  SCOPED_TRACE(testing::seed_trace(seed));
  std::mt19937_64 rng(seed + 4);
  testing::RandomPoints random_point(43.72, 43.74, 7.405, 7.435);
  std::size_t direct = 0;
  for (int round = 0; round < 25; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    const testing::RandomTown town = testing::random_town(rng, 20 + round * 3);
    const Snapper snapper(town.graph);
    const ContractionHierarchy ch = ContractionHierarchy::build(town.graph);
    ChQuery query(town.graph, ch);
    std::vector<Endpoint> from, to;
    for (const Snap& s : testing::random_snaps(rng, town.graph, snapper, random_point, 14)) {
      from.push_back(origin_endpoint(s, snapper));
      to.push_back(destination_endpoint(s, snapper));
    }
    const MatrixTargets columns = query.targets(to, {true, true});
    MatrixCells m;
    query.rows(columns, from, m);
    std::vector<MatrixPair> pairs;
    for (std::size_t i = 0; i < from.size(); ++i) {
      for (std::size_t j = 0; j < to.size(); ++j) {
        const RouteResult r = query.between(from[i], to[j]);
        ASSERT_TRUE(same_cell(m, i * to.size() + j, r, false)) << i << " -> " << j;
        const auto drive = same_arc_drive(from[i], to[j]);
        if (drive && drive->cost == m.cost_at(i, j)) ++direct;
        if ((i + j) % 3 == 0)
          pairs.push_back({static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(j)});
      }
    }
    const MatrixCells sparse = query.pairs(from, to, pairs);
    for (std::size_t k = 0; k < pairs.size(); ++k) {
      EXPECT_EQ(sparse.cost[k], m.cost_at(pairs[k].source, pairs[k].target)) << "pair " << k;
    }
  }
  EXPECT_GT(direct, 20u) << "the direct drives along one arc were exercised";
}

TEST(ChMatrix, EmptySidesAndGraphsWithoutLengths) {
  const RoadGraph graph = RoadGraph::build({NodeId{1}, NodeId{2}, NodeId{3}},
                                           {{NodeId{1}, NodeId{2}, 5}, {NodeId{2}, NodeId{3}, 7}});
  const ContractionHierarchy ch = ContractionHierarchy::build(graph);
  ChQuery query(graph, ch);
  const std::vector<NodeIndex> nodes = {0, 1, 2};
  MatrixCells m;
  query.rows(query.targets(std::span<const NodeIndex>{}), nodes, m);
  EXPECT_EQ(m.rows, 3u);
  EXPECT_EQ(m.columns, 0u);
  EXPECT_TRUE(m.cost.empty());
  const MatrixTargets all = query.targets(nodes, {true, false});
  EXPECT_GT(all.entries(), 0u);
  query.rows(all, std::span<const NodeIndex>{}, m);
  EXPECT_EQ(m.rows, 0u);
  query.rows(all, nodes, m);
  EXPECT_EQ(m.cost,
            (std::vector<Cost>{0, 5, 12, kInfiniteCost, 0, 7, kInfiniteCost, kInfiniteCost, 0}));
  EXPECT_EQ(m.length_mm, std::vector<std::int64_t>(9, -1)) << "the graph has no lengths";
  EXPECT_TRUE(m.hops.empty());
  EXPECT_TRUE(query.pairs(nodes, nodes, {}).cost.empty());
}

}  // namespace
}  // namespace waybill::router
