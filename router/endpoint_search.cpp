// RouteQuery::between: the search from the seeds of one endpoint to the seeds of another; and
// RouteQuery::tree(from), the full tree of an endpoint.
//
// Why not Boost.Graph's A*: a route between endpoints starts from up to two nodes at different
// initial costs, and Boost's A* takes one start node; it also allocates and clears its heap's
// position map for every query. So this is a textbook A* (Dijkstra when the heuristic is 0), which
// node-to-node queries with landmarks use too (one_to_one), over the shared scratch arrays, with
// a lazy binary heap: an improved node is pushed again and its stale entries are skipped, which
// also reopens a node whose distance improves after it was settled, so that the answer stays
// exact even where the scaled landmark bound is not quite consistent.
//
// The destination seeds are folded in as arcs to a virtual sink: settling seed j at distance d
// offers d + to.seeds[j].cost. The heuristic is the lower bound to that sink,
//   h(v) = min over j of (ALT bound(v, to.seeds[j].node) + to.seeds[j].cost),
// a minimum of admissible (and consistent) bounds, hence admissible (and consistent). The
// search stops when the smallest key left cannot beat the best offer, as A* does when it pops
// the sink.

#include "router/shortest_path.h"

#include <algorithm>
#include <array>
#include <cassert>
#include <optional>
#include <span>

#include <boost/range/iterator_range.hpp>

#include "router/detail/csr.h"
#include "router/detail/query_scratch.h"
#include "router/detail/search.h"
#include "router/endpoint.h"
#include "router/landmarks.h"

namespace waybill::router {
namespace {

using detail::CsrGraph;
using detail::HeapEntry;
using detail::QueryScratch;

// A min-heap on the key, for std::push_heap and std::pop_heap.
bool later(const HeapEntry& a, const HeapEntry& b) { return a.key > b.key; }

// The lower bound from v to the virtual sink behind the destination seeds; kInfiniteCost when
// the landmarks prove that v reaches none of them.
Cost sink_bound(const Landmarks& landmarks, std::span<const Endpoint::Seed> targets, NodeIndex v) {
  Cost best = kInfiniteCost;
  for (const Endpoint::Seed& t : targets) {
    const Cost bound = landmarks.lower_bound(v, t.node);
    if (bound != kInfiniteCost) best = std::min(best, bound + t.cost);
  }
  return best;
}

/// The search loop shared by between() and tree(from): a lazy-heap A* (Dijkstra when `bound` is
/// 0) from the seeds of `from`, each at its seed cost. `settle(v, dist)` is called on each node
/// as it is settled, and returns false to stop; the loop also stops when the heap's smallest key
/// reaches `stop_key()`, or the heap is empty. A node the bound proves hopeless is never queued.
/// Its bound is computed once: key - dist of its first visit.
template <class Bound, class Settle, class StopKey>
void search(QueryScratch& s, const CsrGraph& g, std::span<const std::int64_t> arc_lengths,
            const Endpoint& from, Bound bound, Settle settle, StopKey stop_key) {
  const auto improve = [&](NodeIndex v, Cost d, NodeIndex pred, std::uint32_t hops,
                           std::int64_t length) {
    if (d >= s.dist.get(v)) return;
    const Cost h = s.dist.written(v) ? s.cost.get(v) - s.dist.get(v) : bound(v);
    if (h == kInfiniteCost) return;
    s.dist.put(v, d);
    s.cost.put(v, d + h);
    s.pred.put(v, pred);
    s.hops.put(v, hops);
    s.length.put(v, length);
    s.heap.push_back({d + h, v});
    std::push_heap(s.heap.begin(), s.heap.end(), later);
  };
  for (const Endpoint::Seed& seed : from.seed_span()) {
    improve(seed.node, seed.cost, seed.node, 0, seed.length_mm);  // pred of a start: itself
  }
  while (!s.heap.empty()) {
    const HeapEntry top = s.heap.front();
    if (top.key >= stop_key()) break;  // no path through what is left beats the best offer
    std::pop_heap(s.heap.begin(), s.heap.end(), later);
    s.heap.pop_back();
    const NodeIndex v = top.node;
    if (top.key != s.cost.get(v)) continue;  // stale: v was improved since
    ++s.settled;
    const Cost dist_v = s.dist.get(v);
    if (!settle(v, dist_v)) break;
    const std::uint32_t hops_v = s.hops.get(v);
    const std::int64_t length_v = s.length.get(v);
    for (const auto e : boost::make_iterator_range(boost::out_edges(v, g))) {
      const std::int64_t arc_length =
          arc_lengths.empty() ? 0 : arc_lengths[boost::get(boost::edge_index, g, e)];
      improve(boost::target(e, g), dist_v + g[e].cost, v, hops_v + 1, length_v + arc_length);
    }
  }
}

}  // namespace

RouteResult RouteQuery::between(const Endpoint& from, const Endpoint& to, bool want_path) {
  QueryScratch& s = *m_scratch;
  s.clear();
  const std::span<const Endpoint::Seed> targets = to.seed_span();
  const bool goal_directed = m_landmarks && m_landmarks->count() > 0;
  const auto bound = [&](NodeIndex v) {
    return goal_directed ? sink_bound(*m_landmarks, targets, v) : Cost{0};
  };

  std::optional<RouteResult> direct = same_arc_drive(from, to);
  Cost best = direct ? direct->cost : kInfiniteCost;
  const Endpoint::Seed* best_target = nullptr;

  // Dijkstra (h = 0) settles nodes in distance order: once every destination seed is settled,
  // nothing can improve. A* may reopen a settled node, so it relies on the key bound alone.
  std::size_t unsettled_targets = 0;
  for (const Endpoint::Seed& t : targets) {
    if (s.target.get(t.node) == 0) ++unsettled_targets;
    s.target.put(t.node, 1);
  }
  const auto settle = [&](NodeIndex v, Cost dist_v) {
    if (s.target.get(v) == 0) return true;
    for (const Endpoint::Seed& t : targets) {
      if (t.node == v && dist_v + t.cost < best) {
        best = dist_v + t.cost;
        best_target = &t;
      }
    }
    return goal_directed || --unsettled_targets != 0;
  };
  search(s, m_graph->forward().g, m_graph->lengths_mm(), from, bound, settle,
         [&] { return best; });

  if (!best_target) {
    if (direct) return *direct;
    RouteResult none;
    none.status = RouteStatus::unreachable;
    return none;
  }
  const NodeIndex last = best_target->node;
  RouteResult r;
  r.status = RouteStatus::ok;
  r.cost = best;
  r.hops = s.hops.get(last);
  if (m_graph->has_lengths()) r.length_mm = s.length.get(last) + best_target->length_mm;
  if (want_path) {
    r.path.reserve(r.hops + 1);
    NodeIndex v = last;
    for (; s.pred.get(v) != v; v = s.pred.get(v)) r.path.push_back(m_graph->id_of(v));
    r.path.push_back(m_graph->id_of(v));
    std::reverse(r.path.begin(), r.path.end());
    assert(r.path.size() == r.hops + 1u);
  }
  return r;
}

std::shared_ptr<const ShortestPathTree> RouteQuery::tree(const Endpoint& from) {
  // Boost's Dijkstra takes several sources at preset distances, as long as it is not asked to
  // initialise them: the seeds are exactly that.
  std::array<detail::TreeRoot, 2> roots{};
  for (std::size_t i = 0; i < from.num_seeds; ++i) {
    roots[i] = {from.seeds[i].node, from.seeds[i].cost, from.seeds[i].length_mm};
  }
  std::vector<Cost> dist;
  std::vector<NodeIndex> pred;
  std::vector<std::uint32_t> hops;
  std::vector<std::int64_t> length_mm;
  m_scratch->settled = detail::full_tree(
      m_graph->forward().g, std::span(roots.data(), from.num_seeds), dist, pred, &hops,
      m_graph->lengths_mm(), m_graph->has_lengths() ? &length_mm : nullptr);
  return std::make_shared<const ShortestPathTree>(*m_graph, from.seeds[0].node, std::move(dist),
                                                  std::move(pred), std::move(hops),
                                                  std::move(length_mm));
}

}  // namespace waybill::router
