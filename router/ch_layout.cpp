// The layout of a contracted graph as a ContractionHierarchy's arrays: the ranks they are
// stored in, and the arrays by rank (detail/ch_build.h).
#include <algorithm>
#include <cassert>
#include <cstddef>
#include <utility>
#include <vector>

#include "router/detail/ch_build.h"

namespace waybill::router::detail {

constexpr NodeIndex kNoMiddle = ContractionHierarchy::kNoMiddle;

// One graph of the hierarchy from each node's arcs to the nodes contracted after it: by rank,
// each node's arcs sorted by the rank of their other end.
ContractionHierarchy::Arcs ranked_arcs(const std::vector<NodeIndex>& rank,
                                       const std::vector<NodeIndex>& node_at, const ArcLists& lists,
                                       bool lengths) {
  ContractionHierarchy::Arcs a;
  const std::size_t n = rank.size();
  a.first_out.reserve(n + 1);
  a.first_out.push_back(0);
  std::vector<DynArc> arcs;
  for (NodeIndex r = 0; r < n; ++r) {
    arcs = lists[node_at[r]];
    for (DynArc& d : arcs) {
      d.other = rank[d.other];
      if (d.middle != kNoMiddle) d.middle = rank[d.middle];
    }
    std::sort(arcs.begin(), arcs.end(),
              [](const DynArc& x, const DynArc& y) { return x.other < y.other; });
    for (const DynArc& d : arcs) {
      a.head.push_back(d.other);
      a.weight.push_back(d.weight);
      a.middle.push_back(d.middle);
      a.hops.push_back(d.hops);
      if (lengths) a.length_mm.push_back(d.length_mm);
    }
    a.first_out.push_back(static_cast<std::uint32_t>(a.head.size()));
  }
  return a;
}

// The ranks the hierarchy is stored in: an order of the nodes in which every arc still climbs,
// chosen so that a query reads nearby memory. The contraction order is one such order, but it
// scatters a search's nodes; any other order in which each arc leads up works as well (a query
// and the unpacking only need arcs to climb, and a shortcut's middle node to lie below both
// ends, which follows, as it is joined to them by arcs). So, as RoutingKit does: take the
// nodes no arc climbs to, lowest first, and give each the upward closure of its arcs that no
// earlier one took, ranks ascending by contraction order, placed from the top of the range
// down. The first node's whole search space, which holds the top of the hierarchy that every
// query reaches, ends up at the highest ranks, and each later search space mostly next to it.
std::vector<NodeIndex> cache_friendly_ranks(const std::vector<NodeIndex>& contraction_rank,
                                            const ArcLists& out, const ArcLists& in) {
  const std::size_t n = contraction_rank.size();
  std::vector<NodeIndex> by_contraction(n);
  for (NodeIndex v = 0; v < n; ++v) by_contraction[contraction_rank[v]] = v;
  std::vector<bool> bottom(n, true);
  for (const auto* lists : {&out, &in}) {
    for (const std::vector<DynArc>& list : *lists) {
      for (const DynArc& a : list) bottom[a.other] = false;
    }
  }
  std::vector<NodeIndex> order(n);  // position -> node
  std::size_t end = n;
  std::vector<bool> placed(n, false);
  // A min-heap of (contraction rank, node).
  std::vector<std::pair<NodeIndex, NodeIndex>> heap;
  const auto later = [](const auto& a, const auto& b) { return a > b; };
  const auto push = [&](NodeIndex v) {
    placed[v] = true;
    heap.emplace_back(contraction_rank[v], v);
    std::push_heap(heap.begin(), heap.end(), later);
  };
  for (const NodeIndex v : by_contraction) {
    if (!bottom[v]) continue;
    const std::size_t group_end = end;
    push(v);
    while (!heap.empty()) {
      std::pop_heap(heap.begin(), heap.end(), later);
      const NodeIndex x = heap.back().second;
      heap.pop_back();
      order[--end] = x;
      for (const auto* lists : {&out, &in}) {
        for (const DynArc& a : (*lists)[x]) {
          if (!placed[a.other]) push(a.other);
        }
      }
    }
    std::reverse(order.begin() + static_cast<std::ptrdiff_t>(end),
                 order.begin() + static_cast<std::ptrdiff_t>(group_end));
  }
  assert(end == 0);
  std::vector<NodeIndex> rank(n);
  for (NodeIndex r = 0; r < n; ++r) rank[order[r]] = r;
  return rank;
}

}  // namespace waybill::router::detail
