// Queries on a contraction hierarchy (contraction.h): point to point by a bidirectional search
// with stall-on-demand, and matrices by buckets (Knopp et al. 2007). One ChQuery per thread,
// like RouteQuery: it owns the scratch and reuses it, so a query costs what it touches.
//
// Every query has a node form and an Endpoint form (endpoint.h), so that routes between snapped
// points give the answers RouteQuery::between gives. "Unreachable" is an answer
// (RouteStatus::unreachable, or kInfiniteCost in a matrix), never an exception.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "router/contraction.h"
#include "router/endpoint.h"
#include "router/graph.h"
#include "router/shortest_path.h"
#include "router/types.h"

namespace waybill::router {

namespace detail {
struct ChScratch;
struct MatrixBuckets;
}  // namespace detail

/// What a matrix holds besides costs.
struct MatrixOptions {
  bool lengths = false;  ///< length_mm per cell (-1 on a graph without lengths)
  bool hops = false;     ///< arcs per cell's route
};

/// Cells of a matrix, row-major: `rows` sources by `columns` targets, or one cell per pair
/// (columns == 1). Where a target is unreachable the cost is kInfiniteCost, the length -1 and
/// the hops 0, as in a RouteResult.
struct MatrixCells {
  std::size_t rows = 0;
  std::size_t columns = 0;
  std::vector<Cost> cost;
  std::vector<std::int64_t> length_mm;  ///< with MatrixOptions::lengths; else empty
  std::vector<std::uint32_t> hops;      ///< with MatrixOptions::hops; else empty

  Cost cost_at(std::size_t row, std::size_t column) const { return cost[row * columns + column]; }
};

/// One wanted cell of a sparse matrix: indices into the sources and the targets.
struct MatrixPair {
  std::uint32_t source = 0;
  std::uint32_t target = 0;
};

/// The targets (columns) of a matrix, searched once: the buckets of their backward searches,
/// and which of them lie on an arc (for the direct drives of endpoint.h). Made by
/// ChQuery::targets(); then immutable, so that several threads, each with its own ChQuery, may
/// fill blocks of rows against it at once. Memory: 12 bytes per bucket entry (24 with lengths
/// and hops), about a hundred entries per target on NY.
class MatrixTargets {
 public:
  MatrixTargets();
  MatrixTargets(MatrixTargets&&) noexcept;
  MatrixTargets& operator=(MatrixTargets&&) noexcept;
  ~MatrixTargets();

  std::size_t size() const { return m_size; }
  const MatrixOptions& options() const { return m_options; }
  /// Bucket entries held: the work each source's row scans through, at most.
  std::size_t entries() const;

 private:
  friend class ChQuery;
  MatrixTargets(std::size_t size, MatrixOptions options,
                std::unique_ptr<const detail::MatrixBuckets> buckets);
  std::size_t m_size = 0;
  MatrixOptions m_options;
  std::unique_ptr<const detail::MatrixBuckets> m_buckets;
};

/// A reusable query context over one hierarchy. Not thread-safe: give each thread its own. The
/// graph and the hierarchy, which must be the graph's, must outlive it.
class ChQuery {
 public:
  ChQuery(const RoadGraph& graph, const ContractionHierarchy& ch);
  ChQuery(ChQuery&&) noexcept;
  ~ChQuery();

  // ---- point to point (ch_query.cpp) ----

  /// The cost from one node to another; kInfiniteCost when unreachable. The cheapest query: no
  /// RouteResult, no path. Precondition: both are nodes of the graph.
  Cost cost(NodeIndex from, NodeIndex to);

  /// The route between two nodes: cost, hops and length_mm (when the graph has lengths) of a
  /// shortest path, and with `want_path` its nodes, every arc of the graph unpacked from the
  /// shortcuts. Status ok or unreachable. Precondition: both are nodes of the graph.
  ///
  /// Hops and length are summed over the hierarchy's arcs, without unpacking. On a graph with a
  /// loop of arcs that cost nothing, the path they stand for may run around it; with
  /// `want_path` the loop is cut out of the path, and hops and length are the path's.
  RouteResult route(NodeIndex from, NodeIndex to, bool want_path = false);

  /// As route(), by external ids: unknown_node when the graph has no such node, as
  /// RouteQuery::one_to_one answers.
  RouteResult one_to_one(NodeId from, NodeId to, bool want_path = false);

  /// The cheapest route between two endpoints, with RouteQuery::between's answer: the least of
  /// from.seeds[i].cost + dist + to.seeds[j].cost and of the direct drive along one arc (which
  /// wins ties), the path running from the chosen origin seed's node to the chosen destination
  /// seed's node (empty for the direct drive). Status ok or unreachable.
  RouteResult between(const Endpoint& from, const Endpoint& to, bool want_path = false);

  /// Ranks settled by the last point-to-point query, both directions: the work it did.
  std::size_t settled() const;

  // ---- matrices (ch_matrix.cpp) ----

  /// Searches the targets of a matrix once, for rows() to answer any sources against.
  MatrixTargets targets(std::span<const NodeIndex> nodes, MatrixOptions options = {});
  MatrixTargets targets(std::span<const Endpoint> ends, MatrixOptions options = {});

  /// The rows of `sources` against `targets`: out becomes sources.size() rows by
  /// targets.size() columns, each cell the cost of route()/between() from that source to that
  /// target and, as the targets' options say, the length and hops of a shortest route (where
  /// several tie, not always the one route() takes). Feed sources a block at a time to stream a
  /// large matrix: out is reused, and a block holds rows * columns cells.
  void rows(const MatrixTargets& targets, std::span<const NodeIndex> sources, MatrixCells& out);
  void rows(const MatrixTargets& targets, std::span<const Endpoint> sources, MatrixCells& out);

  /// A sparse matrix: one cell per pair (rows == pairs.size(), columns == 1), in the order of
  /// `pairs`, whose indices must be within `sources` and `targets`. Answered by buckets over
  /// the targets that pairs name when the pairs outnumber half the endpoints they name, and
  /// pair by pair otherwise (where every pair has its own source and target, two half searches
  /// a pair are the least work).
  MatrixCells pairs(std::span<const NodeIndex> sources, std::span<const NodeIndex> targets,
                    std::span<const MatrixPair> pairs, MatrixOptions options = {});
  MatrixCells pairs(std::span<const Endpoint> sources, std::span<const Endpoint> targets,
                    std::span<const MatrixPair> pairs, MatrixOptions options = {});

 private:
  const RoadGraph* m_graph;
  const ContractionHierarchy* m_ch;
  std::unique_ptr<detail::ChScratch> m_scratch;
};

}  // namespace waybill::router
