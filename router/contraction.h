// A contraction hierarchy (Geisberger et al. 2008) of a RoadGraph: every node gets a rank, and
// shortcuts stand in for the nodes of lower rank, so that any shortest path is an up-down path
// of few arcs. Built once per graph (ch_build.cpp), kept beside it (ch_file.h), and queried by
// ChQuery (ch_query.h): point to point in tens of microseconds, matrices by buckets.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <vector>

#include "router/graph.h"
#include "router/types.h"

namespace waybill::router {

/// What building a hierarchy did, for the caller to log.
struct ChBuildReport {
  std::size_t shortcuts = 0;  ///< arcs of the hierarchy that are not arcs of the graph
  std::size_t rounds = 0;     ///< independent sets contracted one after the other
  double seconds = 0;         ///< wall-clock
};

/// An immutable contraction hierarchy over the nodes of one RoadGraph, with the graph's costs.
///
/// Nodes are renumbered by rank (0 = contracted first), and both graphs of the hierarchy are
/// CSR arrays over ranks, so that a query reads nearby memory:
///  - the upward graph: at rank r, the arcs r -> h with h > r (arcs of the graph and shortcuts,
///    in the graph's direction), for searches forwards from an origin;
///  - the downward graph: at rank r, the arcs h -> r with h > r (stored at their lower end, as
///    RoutingKit's backward graph), for searches backwards from a destination.
/// A shortcut u -> w records its middle node m, the node whose contraction added it: it stands
/// for the arcs u -> m and m -> w of the hierarchy (one per direction and pair of nodes, so the
/// middle names them), and so unpacks to a path of the graph. Each arc also carries the number
/// of graph arcs it stands for and, when the graph has lengths, their length: a route's hops and
/// length_mm are read off its few hierarchy arcs without unpacking.
///
/// Holds no reference to the graph. All member functions are thread-safe.
class ContractionHierarchy {
 public:
  /// Marks an arc of the graph itself in Arcs::middle.
  static constexpr NodeIndex kNoMiddle = std::numeric_limits<NodeIndex>::max();

  /// One graph of the hierarchy as CSR arrays over ranks: the arcs at rank r are
  /// first_out[r] .. first_out[r + 1] - 1, sorted by `head`; every per-arc array has an entry
  /// per arc, but length_mm, which is empty when the graph has no lengths.
  struct Arcs {
    std::vector<std::uint32_t> first_out;  ///< num_nodes() + 1 entries
    std::vector<NodeIndex> head;           ///< rank of the arc's higher end
    std::vector<Cost> weight;              ///< the cost of the path it stands for
    std::vector<NodeIndex> middle;         ///< rank of the bypassed node, or kNoMiddle
    std::vector<std::uint32_t> hops;       ///< arcs of the graph it stands for, >= 1
    std::vector<std::int64_t> length_mm;   ///< their total length; empty without lengths
  };

  /// Contracts every node of `graph`, in order of a priority (edge quotient, hops quotient,
  /// contracted neighbours and level), an independent set of nodes at a time, with up to
  /// `threads` threads running the witness searches. Deterministic: the same graph gives the
  /// same hierarchy whatever `threads` is. On NY (264k nodes, 730k arcs): 8.5 s with two
  /// threads, 14 s with one; 886k shortcuts, 187 bytes per node.
  static ContractionHierarchy build(const RoadGraph& graph, unsigned threads = 2,
                                    ChBuildReport* report = nullptr);

  /// A hierarchy from its arrays (ch_file.cpp reads them). `rank` maps NodeIndex -> rank;
  /// `graph_arcs` is the number of arcs of the graph it was built from. Throws
  /// std::invalid_argument, saying what is wrong, unless `rank` is a permutation and both
  /// graphs are well-formed: sizes agree, heads above their rank and sorted, middles below,
  /// each shortcut's halves present, lengths present exactly when `has_lengths`.
  ContractionHierarchy(std::vector<NodeIndex> rank, Arcs up, Arcs down, bool has_lengths,
                       std::size_t graph_arcs);

  std::size_t num_nodes() const { return m_rank.size(); }
  /// Arcs of the graph it was built from (RoadGraph::num_arcs()), to tell that graph.
  std::size_t graph_arcs() const { return m_graph_arcs; }
  bool has_lengths() const { return m_has_lengths; }
  /// The rank of a node, and the node of a rank.
  NodeIndex rank(NodeIndex node) const { return m_rank[node]; }
  NodeIndex node_at(NodeIndex rank) const { return m_node[rank]; }
  std::span<const NodeIndex> ranks() const { return m_rank; }
  const Arcs& up() const { return m_up; }
  const Arcs& down() const { return m_down; }
  /// Arcs of both graphs that are shortcuts.
  std::size_t num_shortcuts() const;
  /// Whether some arc costs nothing: only then may a route run around a loop (ch_query.h).
  bool has_free_arcs() const { return m_has_free_arcs; }
  /// Bytes held by the arrays: the hierarchy's memory.
  std::size_t bytes() const;

 private:
  std::vector<NodeIndex> m_rank;  // node -> rank
  std::vector<NodeIndex> m_node;  // rank -> node
  Arcs m_up;
  Arcs m_down;
  bool m_has_lengths = false;
  std::size_t m_graph_arcs = 0;
  bool m_has_free_arcs = false;  // derived from the weights
};

}  // namespace waybill::router
