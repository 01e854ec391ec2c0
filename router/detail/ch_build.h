// The internals of building a contraction hierarchy, shared by the contraction (ch_build.cpp)
// and the layout of its result (ch_layout.cpp): the graph as it is being contracted, the
// witness search, and the turning of the contracted graph into ranked arrays. Included only by
// the router's .cpp files.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "router/contraction.h"
#include "router/types.h"

namespace waybill::router::detail {

// An arc of the graph being contracted, in the out-list of its tail (`other` is the head) or
// the in-list of its head (`other` is the tail). Node indices, not ranks, until the end.
struct DynArc {
  NodeIndex other;
  NodeIndex middle;  // the node whose contraction added it, or kNoMiddle
  std::uint32_t hops;
  Cost weight;
  std::int64_t length_mm;  // 0 on a graph without lengths
};

/// Each node's arcs, out or in.
using ArcLists = std::vector<std::vector<DynArc>>;

// A Dijkstra from one node of the remaining graph, bounded in settled nodes, over a thread's own
// stamped arrays (a search touches a few hundred nodes of a graph of hundreds of thousands).
// It looks for witnesses: for each target, a path no dearer than the target's own bound (the
// cost through the node being contracted). A tentative cost is a real path's, so a target is
// witnessed as soon as one reaches its bound, settled or not; and the search ends once every
// target is witnessed or none left without one can be: in a dense remaining graph, most
// witnesses turn up in the first few nodes settled.
class WitnessSearch {
 public:
  explicit WitnessSearch(std::size_t n) : m_state(n) {}

  // Forgets the last search and its targets.
  void reset() {
    ++m_stamp;
    m_targets.clear();
  }
  // Asks the next search for a path to v costing at most `bound`.
  void add_target(NodeIndex v, Cost bound) {
    touch(v).bound = bound;
    m_targets.push_back(v);
  }
  // Searches from `source` along the arcs of `out`, avoiding `avoid` and every node marked in
  // `contracted`, until each target is witnessed, the smallest key left is above the bound of
  // every target that is not, or `limit` nodes are settled.
  void run(const ArcLists& out, const std::vector<std::uint8_t>& contracted, NodeIndex source,
           NodeIndex avoid, std::size_t limit);
  // Whether the last search found a witness for target v.
  bool witnessed(NodeIndex v) const { return m_state[v].dist <= m_state[v].bound; }

 private:
  struct State {
    Cost dist = kInfiniteCost;
    Cost bound = -1;  // a target's bound; -1 for any other node
    std::uint32_t stamp = 0;
  };
  struct Entry {
    Cost key;
    NodeIndex node;
    bool operator<(const Entry& o) const { return key > o.key; }  // a min-heap in std::*_heap
  };
  State& touch(NodeIndex v) {
    State& s = m_state[v];
    if (s.stamp != m_stamp) s = {kInfiniteCost, -1, m_stamp};
    return s;
  }
  // The largest bound of a target not witnessed yet, or -1 when all are.
  Cost open_bound() const {
    Cost bound = -1;
    for (const NodeIndex t : m_targets) {
      if (!witnessed(t)) bound = std::max(bound, m_state[t].bound);
    }
    return bound;
  }

  std::vector<State> m_state;
  std::vector<Entry> m_heap;
  std::vector<NodeIndex> m_targets;
  std::uint32_t m_stamp = 1;
};

inline void WitnessSearch::run(const ArcLists& out, const std::vector<std::uint8_t>& contracted,
                               NodeIndex source, NodeIndex avoid, std::size_t limit) {
  m_heap.clear();
  State& start = touch(source);
  start.dist = 0;
  m_heap.push_back({0, source});
  Cost bound = open_bound();
  std::size_t settled = 0;
  while (!m_heap.empty() && settled < limit) {
    std::pop_heap(m_heap.begin(), m_heap.end());
    const Entry top = m_heap.back();
    m_heap.pop_back();
    if (top.key > bound) break;  // also when every target is witnessed (bound -1)
    if (top.key != m_state[top.node].dist) continue;  // stale: improved since
    ++settled;
    for (const DynArc& a : out[top.node]) {
      if (a.other == avoid || contracted[a.other] != 0) continue;
      const Cost d = top.key + a.weight;
      State& t = touch(a.other);
      if (d >= t.dist) continue;
      const bool was_witnessed = t.dist <= t.bound;
      t.dist = d;
      m_heap.push_back({d, a.other});
      std::push_heap(m_heap.begin(), m_heap.end());
      if (!was_witnessed && d <= t.bound) bound = open_bound();
    }
  }
}

/// The ranks the hierarchy is stored in (ch_layout.cpp): an order of the nodes in which every arc
/// still climbs, with each query's nodes close together. `contraction_rank` is the order the
/// nodes were contracted in, and `out` and `in` each node's arcs to those contracted after it.
std::vector<NodeIndex> cache_friendly_ranks(const std::vector<NodeIndex>& contraction_rank,
                                            const ArcLists& out, const ArcLists& in);

/// One graph of the hierarchy (ch_layout.cpp): at each rank, the arcs of `lists` of the node of
/// that rank, to nodes of higher rank, sorted by the rank of their other end.
ContractionHierarchy::Arcs ranked_arcs(const std::vector<NodeIndex>& rank,
                                       const std::vector<NodeIndex>& node_at, const ArcLists& lists,
                                       bool lengths);

}  // namespace waybill::router::detail
