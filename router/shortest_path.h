// Shortest-path queries over a RoadGraph. One RouteQuery per thread: it owns the scratch memory
// and reuses it, so a query costs what it touches, not the size of the graph.
#pragma once

#include <memory>
#include <span>
#include <vector>

#include "router/graph.h"
#include "router/types.h"

namespace waybill::router {

class Landmarks;
struct Endpoint;

namespace detail {
struct QueryScratch;
}

enum class RouteStatus : std::uint8_t {
  ok,
  unreachable,   ///< both nodes exist, no directed path joins them
  unknown_node,  ///< the origin or the destination is not in the graph
};

const char* to_string(RouteStatus status);

/// The answer to one origin -> destination query.
struct RouteResult {
  RouteStatus status = RouteStatus::unknown_node;
  Cost cost = kInfiniteCost;  ///< sum of arc costs; kInfiniteCost unless status == ok
  std::uint32_t hops = 0;     ///< arcs on the path; 0 unless status == ok
  /// Length of the path in millimetres: the sum of its arcs' lengths, plus the partial arcs at
  /// snapped ends (endpoint.h). -1 when the graph has no lengths or status != ok.
  std::int64_t length_mm = -1;
  std::vector<NodeId> path;   ///< origin .. destination, only when asked for and status == ok
};

/// A complete one-to-all tree from one origin: enough to answer any destination and rebuild its
/// path. Immutable once built; shared between threads by the TreeCache.
///
/// Every per-destination figure (cost, hops, length) is stored, computed once while the tree
/// was built, so that answering a destination without its path is O(1): a worker asks a
/// depot's tree for millions of destinations.
class ShortestPathTree {
 public:
  /// One entry per node of `graph` in each array; `length_mm` is empty when the graph has no
  /// lengths. Built by RouteQuery::tree().
  ShortestPathTree(const RoadGraph& graph, NodeIndex origin, std::vector<Cost> dist,
                   std::vector<NodeIndex> pred, std::vector<std::uint32_t> hops,
                   std::vector<std::int64_t> length_mm);

  /// The node the tree was grown from; for a tree of an endpoint, its first seed.
  NodeIndex origin() const { return m_origin; }
  /// The route to `destination`; unknown_node when the graph has no such node.
  RouteResult route_to(NodeId destination, bool want_path) const;
  /// The route to a dense index, without the id lookup. Allocates only for the path.
  /// Precondition: destination < num_nodes() of the graph.
  RouteResult route_to(NodeIndex destination, bool want_path) const;
  /// The cost alone, kInfiniteCost where unreachable: the cheapest lookup, for choosing among
  /// candidate destinations. Precondition: destination < num_nodes() of the graph.
  Cost cost_to(NodeIndex destination) const { return m_dist[destination]; }
  /// Bytes held, for the cache's budget.
  std::size_t bytes() const;

  /// A tree's arrays, one entry per node of its graph each; `length_mm` is empty when the graph
  /// has no lengths. What a tree file holds (tree_file.h).
  struct Arrays {
    std::span<const Cost> dist;
    std::span<const NodeIndex> pred;  ///< a root is its own predecessor
    std::span<const std::uint32_t> hops;
    std::span<const std::int64_t> length_mm;
  };
  /// A tree over arrays that `storage` owns (a mapped tree file), kept alive with the tree.
  /// Precondition: the arrays are sized as above, and every pred is a node of `graph`.
  ShortestPathTree(const RoadGraph& graph, NodeIndex origin, std::shared_ptr<const void> storage,
                   Arrays arrays);
  Arrays arrays() const { return {m_dist, m_pred, m_hops, m_length_mm}; }

 private:
  const RoadGraph* m_graph;
  NodeIndex m_origin;
  std::shared_ptr<const void> m_storage;
  std::span<const Cost> m_dist;
  std::span<const NodeIndex> m_pred;
  std::span<const std::uint32_t> m_hops;
  std::span<const std::int64_t> m_length_mm;  // empty when the graph has no lengths
};

/// A reusable query context over one graph. Not thread-safe: give each thread its own. The graph
/// (and landmarks, when given) must outlive it.
class RouteQuery {
 public:
  /// With landmarks, one-to-one queries run A* with the ALT lower bound; without, an early-exit
  /// Dijkstra.
  explicit RouteQuery(const RoadGraph& graph, const Landmarks* landmarks = nullptr);
  RouteQuery(RouteQuery&&) noexcept;
  ~RouteQuery();

  /// One origin, one destination. With landmarks, the A* of between() from node to node; without,
  /// a Dijkstra that stops once the destination is settled.
  RouteResult one_to_one(NodeId origin, NodeId destination, bool want_path = false);

  /// One origin, many destinations, answered by a single Dijkstra that stops when the last
  /// destination is settled. Results come in the order of `destinations`.
  std::vector<RouteResult> one_to_many(NodeId origin, std::span<const NodeId> destinations,
                                       bool want_path = false);

  /// The full one-to-all tree of `origin`, or nothing for an unknown node.
  std::shared_ptr<const ShortestPathTree> tree(NodeId origin);

  /// The full tree of an endpoint: one Dijkstra from all of `from`'s seeds, each starting at its
  /// seed cost (and length), so that a snapped depot on a two-way road is one tree, not two.
  /// cost_to(v) is then the cheapest cost from the point to v; a path runs from the seed it
  /// left by. The tree's origin() is from.seeds[0].node. Implemented in endpoint_search.cpp.
  std::shared_ptr<const ShortestPathTree> tree(const Endpoint& from);

  /// The cheapest route between two endpoints (endpoint.h): one search from all of `from`'s
  /// seeds, each starting at its seed cost, that stops once no unsettled node can improve the
  /// best answer (dist of a destination seed + that seed's cost, or the direct drive when both
  /// points lie on one arc). With landmarks it is A* towards the destination seeds, without an
  /// early-exit Dijkstra. Status is ok or unreachable. The path runs from the chosen origin
  /// seed's node to the chosen destination seed's node (empty for the direct drive along one
  /// arc), and hops counts its arcs. Implemented in endpoint_search.cpp.
  RouteResult between(const Endpoint& from, const Endpoint& to, bool want_path = false);

  /// Nodes settled by the last query: the work it did, for tests and benchmarks.
  std::size_t settled() const;

 private:
  const RoadGraph* m_graph;
  const Landmarks* m_landmarks;
  std::unique_ptr<detail::QueryScratch> m_scratch;
};

}  // namespace waybill::router
