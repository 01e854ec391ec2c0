// The immutable road graph: a directed Boost.Graph CSR with integer arc costs, shared
// read-only by every thread.
#pragma once

#include <cstddef>
#include <cstdint>
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
  std::int64_t length_mm = -1;  ///< length along the road in millimetres; -1: unknown
};

/// What a graph's arc costs measure. Stored with the graph (and on the wire), so that a reader
/// of a cost knows its unit without knowing where the graph came from.
enum class CostUnit : std::uint8_t {
  native = 0,       ///< the source file's own unit (DIMACS -d: decimetres, -t: time units)
  duration_ms = 1,  ///< travel time in milliseconds (OpenStreetMap graphs)
};

const char* to_string(CostUnit unit);

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
  /// checks them). `coords`, when given, has one entry per `node_ids` entry. Lengths are all or
  /// nothing: the graph has them when every arc has one (length_mm >= 0), and a mix of known
  /// and unknown lengths is a precondition violation. Of parallel arcs, the cheapest is kept
  /// with its own length. `unit` says what the costs measure.
  static RoadGraph build(std::vector<NodeId> node_ids, std::vector<Arc> arcs,
                         std::vector<Coordinate> coords = {}, BuildReport* report = nullptr,
                         CostUnit unit = CostUnit::native);

  RoadGraph(RoadGraph&&) noexcept;
  RoadGraph& operator=(RoadGraph&&) noexcept;
  ~RoadGraph();

  std::size_t num_nodes() const;
  std::size_t num_arcs() const;  ///< after dropping self-loops and merging parallel arcs

  /// The dense index of an external id, or nothing when the graph has no such node.
  std::optional<NodeIndex> index_of(NodeId id) const;
  NodeId id_of(NodeIndex index) const { return m_ids[index]; }

  /// Every arc, in (tail, head) order of dense index, after merging: what the graph routes on,
  /// with its length when has_lengths(). Arc i of this list is the arc of ArcIndex i.
  std::vector<Arc> arcs() const;

  CostUnit cost_unit() const { return m_cost_unit; }

  /// Whether every arc has a length (OSM graphs, DIMACS graphs with coordinates).
  bool has_lengths() const { return m_has_lengths; }
  /// The length of an arc in millimetres. Precondition: has_lengths(), arc < num_arcs().
  std::int64_t length_mm(ArcIndex arc) const { return m_lengths_mm[arc]; }
  /// Every arc's length by ArcIndex, for the search kernels; empty without lengths.
  std::span<const std::int64_t> lengths_mm() const { return m_lengths_mm; }

  /// The arc tail -> head (there is at most one, parallel arcs being merged), or nothing.
  /// O(out-degree of tail).
  std::optional<ArcIndex> find_arc(NodeIndex tail, NodeIndex head) const;

  bool has_coordinates() const { return !m_coords.empty(); }
  /// Precondition: has_coordinates().
  Coordinate coordinate(NodeIndex index) const { return m_coords[index]; }

  /// The forward graph and its reverse (arcs turned around), for the search kernels.
  const detail::Csr& forward() const { return *m_forward; }
  const detail::Csr& reverse() const { return *m_reverse; }

 private:
  RoadGraph();

  std::vector<NodeId> m_ids;                  // index -> external id, sorted ascending
  bool m_dense_ids = false;                   // m_ids holds every id from front() to back()
  std::vector<Coordinate> m_coords;           // index -> coordinate, or empty
  // ArcIndex (the forward CSR's edge index) -> length, or empty. Only the forward graph has
  // lengths: the reverse graph serves the landmark tables, which need costs alone.
  std::vector<std::int64_t> m_lengths_mm;
  bool m_has_lengths = false;  // also for a graph whose every arc was a self-loop
  CostUnit m_cost_unit = CostUnit::native;
  std::unique_ptr<const detail::Csr> m_forward;
  std::unique_ptr<const detail::Csr> m_reverse;
};

}  // namespace waybill::router
