// The immutable road graph: a directed Boost.Graph CSR with integer arc costs, shared
// read-only by every thread.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "router/types.h"

namespace waybill::router {

namespace detail {
struct Csr;
}

/// One directed arc as read from a file, in external ids.
struct Arc {
  NodeId tail;
  NodeId head;
  Cost cost;
};

/// What building a graph dropped or merged, for the loader to report.
struct BuildReport {
  std::size_t self_loops = 0;     ///< arcs u->u, dropped: they never shorten a path
  std::size_t parallel_arcs = 0;  ///< extra arcs u->v, merged keeping the cheapest
};

/// A directed road graph with non-negative integer costs.
///
/// Nodes keep their external ids; queries are made by external id and the graph maps them to
/// dense indices once. Immutable once built; all member functions are thread-safe.
class RoadGraph {
 public:
  /// Builds from arcs. `node_ids` lists every node (also those with no arcs), in any order and
  /// without duplicates; arcs naming a node outside it are a precondition violation (the loader
  /// checks them). `coords`, when given, has one entry per `node_ids` entry.
  static RoadGraph build(std::vector<NodeId> node_ids, std::vector<Arc> arcs,
                         std::vector<Coordinate> coords = {}, BuildReport* report = nullptr);

  RoadGraph(RoadGraph&&) noexcept;
  RoadGraph& operator=(RoadGraph&&) noexcept;
  ~RoadGraph();

  std::size_t num_nodes() const;
  std::size_t num_arcs() const;  ///< after dropping self-loops and merging parallel arcs

  /// The dense index of an external id, or nothing when the graph has no such node.
  std::optional<NodeIndex> index_of(NodeId id) const;
  NodeId id_of(NodeIndex index) const { return m_ids[index]; }

  /// Every arc, in (tail, head) order of dense index, after merging: what the graph routes on.
  std::vector<Arc> arcs() const;

  bool has_coordinates() const { return !m_coords.empty(); }
  /// Precondition: has_coordinates().
  Coordinate coordinate(NodeIndex index) const { return m_coords[index]; }

  /// The forward graph and its reverse (arcs turned around), for the search kernels.
  const detail::Csr& forward() const { return *m_forward; }
  const detail::Csr& reverse() const { return *m_reverse; }

 private:
  RoadGraph();

  std::vector<NodeId> m_ids;                  // index -> external id, sorted ascending
  std::vector<Coordinate> m_coords;           // index -> coordinate, or empty
  std::unique_ptr<const detail::Csr> m_forward;
  std::unique_ptr<const detail::Csr> m_reverse;
};

}  // namespace waybill::router
