// One direction of a search in a contraction hierarchy, over ranks: the forward search from an
// origin climbs the upward graph, the backward search from a destination climbs the downward
// graph, and each prunes with stall-on-demand. Shared by the point-to-point queries
// (ch_query.cpp) and the bucket matrices (ch_matrix.cpp). Included only by the router's .cpp
// files.
#pragma once

#include <algorithm>
#include <array>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "router/contraction.h"
#include "router/detail/stamped_map.h"
#include "router/endpoint.h"
#include "router/types.h"

namespace waybill::router::detail {

/// The arc `at` -> `head` of `arcs`, an index into them (each rank's arcs are sorted by head).
/// Precondition: it exists.
inline std::uint32_t arc_to(const ContractionHierarchy::Arcs& arcs, NodeIndex at, NodeIndex head) {
  const auto begin = arcs.head.begin() + arcs.first_out[at];
  const auto end = arcs.head.begin() + arcs.first_out[at + 1];
  const auto it = std::lower_bound(begin, end, head);
  assert(it != end && *it == head);
  return static_cast<std::uint32_t>(it - arcs.head.begin());
}

/// A search up one graph of the hierarchy, from one or more seeds, with scratch that is
/// "cleared" by a new stamp (a query touches a few hundred ranks of hundreds of thousands).
///
/// `relax` is the graph climbed (up() forwards, down() backwards); `stall` holds at each rank
/// the arcs that reach it from above in the same direction (down() forwards, up() backwards).
class ChSearch {
 public:
  ChSearch(const ContractionHierarchy::Arcs& relax, const ContractionHierarchy::Arcs& stall,
           std::size_t n)
      : m_relax(&relax), m_stall(&stall), m_stamps(n, 0), m_dist(n), m_pred(n), m_slot(n) {}

  /// Forgets the last search.
  void clear() {
    if (++m_stamp == 0) {  // wrapped: old stamps could match again
      std::fill(m_stamps.begin(), m_stamps.end(), 0);
      m_stamp = 1;
    }
    m_heap.clear();
    m_settled = 0;
  }

  /// Starts from rank r at cost d (a seed): r is its own predecessor.
  void seed(NodeIndex r, Cost d) { improve(r, d, r); }

  bool reached(NodeIndex r) const { return m_stamps[r] == m_stamp; }
  /// The best cost found to r so far; final once r is settled.
  Cost dist(NodeIndex r) const { return reached(r) ? m_dist[r] : kInfiniteCost; }
  /// The rank r was reached from, or r itself for a seed. Precondition: reached(r).
  NodeIndex pred(NodeIndex r) const { return m_pred[r]; }
  /// The arc pred(r) -> r, an index into the relaxed graph. Precondition: reached(r) and
  /// pred(r) != r. Looked up (heads are sorted) rather than kept per rank: only a route's few
  /// ranks need it, and every relaxation would pay for keeping it.
  std::uint32_t pred_arc(NodeIndex r) const { return arc_to(*m_relax, m_pred[r], r); }

  /// A lower bound on every cost still to be settled; kInfiniteCost when nothing is left.
  Cost min_key() const { return m_heap.empty() ? kInfiniteCost : m_heap.front().key; }

  /// Settles the next rank, or nothing when the search is over.
  std::optional<NodeIndex> pop() {
    if (m_heap.empty()) return std::nullopt;
    const NodeIndex top = m_heap.front().node;
    const Entry last = m_heap.back();
    m_heap.pop_back();
    if (!m_heap.empty()) sift_down(0, last);
    ++m_settled;
    return top;
  }

  /// Stall-on-demand: whether some rank above r, reached already, offers r a cheaper cost than
  /// its own. Then r's cost is not a shortest distance, no shortest path meets or climbs at r,
  /// and r is neither relaxed nor used. Precondition: r was just settled.
  bool stalled(NodeIndex r) const {
    const Cost d = m_dist[r];
    for (std::uint32_t a = m_stall->first_out[r]; a < m_stall->first_out[r + 1]; ++a) {
      const NodeIndex above = m_stall->head[a];
      if (m_stamps[above] == m_stamp && m_dist[above] + m_stall->weight[a] < d) return true;
    }
    return false;
  }

  /// Relaxes the arcs that climb from r. Precondition: r was just settled.
  void relax(NodeIndex r) {
    const Cost d = m_dist[r];
    for (std::uint32_t a = m_relax->first_out[r]; a < m_relax->first_out[r + 1]; ++a) {
      improve(m_relax->head[a], d + m_relax->weight[a], r);
    }
  }

  /// Ranks settled since clear(): the work done.
  std::size_t settled() const { return m_settled; }

 private:
  // The queue is a 4-ary heap that knows where each rank sits in it (m_slot), so that an
  // improved rank moves up in place: no stale entries, and half the depth of a binary heap.
  struct Entry {
    Cost key;
    NodeIndex node;
  };
  static constexpr std::size_t kArity = 4;

  void improve(NodeIndex r, Cost d, NodeIndex pred) {
    if (m_stamps[r] != m_stamp) {
      m_stamps[r] = m_stamp;
      m_heap.push_back({});
      m_slot[r] = static_cast<std::uint32_t>(m_heap.size() - 1);
    } else if (d >= m_dist[r]) {
      return;  // also every settled rank: nothing improves on it
    }
    m_dist[r] = d;
    m_pred[r] = pred;
    sift_up(m_slot[r], {d, r});
  }

  // Puts `e` at slot i or above, moving the dearer parents down.
  void sift_up(std::size_t i, Entry e) {
    while (i > 0) {
      const std::size_t parent = (i - 1) / kArity;
      if (m_heap[parent].key <= e.key) break;
      place(i, m_heap[parent]);
      i = parent;
    }
    place(i, e);
  }

  // Puts `e` at slot i or below, moving the cheaper children up.
  void sift_down(std::size_t i, Entry e) {
    const std::size_t size = m_heap.size();
    for (;;) {
      const std::size_t first = kArity * i + 1;
      if (first >= size) break;
      std::size_t best = first;
      for (std::size_t c = first + 1; c < std::min(first + kArity, size); ++c) {
        if (m_heap[c].key < m_heap[best].key) best = c;
      }
      if (m_heap[best].key >= e.key) break;
      place(i, m_heap[best]);
      i = best;
    }
    place(i, e);
  }

  void place(std::size_t i, Entry e) {
    m_heap[i] = e;
    m_slot[e.node] = static_cast<std::uint32_t>(i);
  }

  const ContractionHierarchy::Arcs* m_relax;
  const ContractionHierarchy::Arcs* m_stall;
  // Per rank, in arrays of their own: the stall checks read the stamps of many ranks, and
  // the distances only of those reached.
  std::vector<std::uint32_t> m_stamps;
  std::vector<Cost> m_dist;
  std::vector<NodeIndex> m_pred;
  std::vector<std::uint32_t> m_slot;  // where a rank in the queue sits in m_heap
  std::vector<Entry> m_heap;
  std::uint32_t m_stamp = 0;
  std::size_t m_settled = 0;
};

/// The hops and length of the path a search found to a settled rank, from its seed on: the
/// seed's own length, plus the arcs' hops and lengths, read back along the predecessors.
struct PathSums {
  std::uint32_t hops = 0;
  std::int64_t length_mm = 0;
  NodeIndex root = 0;  ///< the rank of the seed it started from
};

/// The seed of `seeds` at rank `root` (seeds are given by node; `ch` maps them): the one that
/// costs what the search says the root costs, as two seeds may share a node.
inline const Endpoint::Seed& seed_at(const ContractionHierarchy& ch,
                                     std::span<const Endpoint::Seed> seeds, NodeIndex root,
                                     Cost dist) {
  const Endpoint::Seed* found = &seeds.front();
  for (const Endpoint::Seed& s : seeds) {
    if (ch.rank(s.node) == root && s.cost == dist) found = &s;
  }
  return *found;
}

inline PathSums path_sums(const ContractionHierarchy& ch, const ChSearch& search,
                          const ContractionHierarchy::Arcs& arcs,
                          std::span<const Endpoint::Seed> seeds, NodeIndex r) {
  PathSums sums;
  for (; search.pred(r) != r; r = search.pred(r)) {
    const std::uint32_t a = search.pred_arc(r);
    sums.hops += arcs.hops[a];
    if (!arcs.length_mm.empty()) sums.length_mm += arcs.length_mm[a];
  }
  sums.root = r;
  sums.length_mm += seed_at(ch, seeds, r, search.dist(r)).length_mm;
  return sums;
}

/// A ChQuery's scratch: both searches, and what the matrices and the unpacking keep between
/// queries so as not to allocate.
struct ChScratch {
  explicit ChScratch(const ContractionHierarchy& ch)
      : forward(ch.up(), ch.down(), ch.num_nodes()),
        backward(ch.down(), ch.up(), ch.num_nodes()),
        mark(ch.num_nodes(), 0),
        length_mm(ch.num_nodes(), 0),
        hops(ch.num_nodes(), 0) {}

  ChSearch forward;
  ChSearch backward;
  /// Rank -> a number, for whichever uses it, clearing it first: the matrices map a rank to its
  /// run of bucket entries (ch_matrix.cpp), the unpacking to its place on the path.
  StampedArray<std::uint32_t> mark;
  /// Rank -> the length and hops of its path in the current matrix search, written when the
  /// rank is settled (its predecessor was settled before it).
  std::vector<std::int64_t> length_mm;
  std::vector<std::uint32_t> hops;
  /// The path being unpacked, in ranks, the forward search's ranks on it, and the unpacking's
  /// work list.
  std::vector<NodeIndex> path;
  std::vector<NodeIndex> climb;
  std::vector<std::array<NodeIndex, 3>> unpack;
};

}  // namespace waybill::router::detail
