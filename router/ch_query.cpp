// ChQuery's point-to-point queries (ch_query.h): a forward search up from the origin's seeds and
// a backward search up from the destination's seeds, taking turns by the smaller key, until
// neither can beat the best meeting; then the path, read back along both searches'
// predecessors and unpacked shortcut by shortcut. The matrices are in ch_matrix.cpp.
#include "router/ch_query.h"

#include <algorithm>
#include <array>
#include <cassert>
#include <optional>
#include <utility>

#include "router/detail/ch_search.h"

namespace waybill::router {

using detail::arc_to;
using detail::ChScratch;
using detail::ChSearch;

namespace {

RouteResult unreachable() {
  RouteResult r;
  r.status = RouteStatus::unreachable;
  return r;
}

// Both searches from their seeds. `best` starts at the cost to beat (the direct drive, or
// kInfiniteCost) and ends at the cheapest route; returns the rank where the searches met on it,
// or nothing when no route beats what `best` started at.
std::optional<NodeIndex> meet(const ContractionHierarchy& ch, ChScratch& s,
                              std::span<const Endpoint::Seed> from,
                              std::span<const Endpoint::Seed> to, Cost& best) {
  s.forward.clear();
  s.backward.clear();
  for (const Endpoint::Seed& seed : from) s.forward.seed(ch.rank(seed.node), seed.cost);
  for (const Endpoint::Seed& seed : to) s.backward.seed(ch.rank(seed.node), seed.cost);
  std::optional<NodeIndex> met;
  for (;;) {
    const Cost forward_key = s.forward.min_key();
    const Cost backward_key = s.backward.min_key();
    // Nothing left on either side can make a cheaper meeting: every cost still to be settled
    // there is at least its key.
    if (std::min(forward_key, backward_key) >= best) break;
    const bool forwards = forward_key <= backward_key;
    ChSearch& here = forwards ? s.forward : s.backward;
    const ChSearch& there = forwards ? s.backward : s.forward;
    const std::optional<NodeIndex> r = here.pop();
    if (!r) continue;
    if (there.reached(*r) && here.dist(*r) + there.dist(*r) < best) {
      best = here.dist(*r) + there.dist(*r);
      met = *r;
    }
    if (!here.stalled(*r)) here.relax(*r);
  }
  return met;
}

// Appends the ranks that the hierarchy's arc from -> to (of middle `middle`) passes through,
// `to` included and `from` not, unpacking shortcuts into arcs of the graph. A shortcut
// from -> to via m stands for from -> m, a downward arc at m, and m -> to, an upward arc at m,
// both there, as the hierarchy's constructor checked.
void unpack(const ContractionHierarchy& ch, NodeIndex from, NodeIndex to, NodeIndex middle,
            ChScratch& s) {
  s.unpack.push_back({from, to, middle});
  while (!s.unpack.empty()) {
    const auto [a, b, m] = s.unpack.back();
    s.unpack.pop_back();
    if (m == ContractionHierarchy::kNoMiddle) {
      s.path.push_back(b);
      continue;
    }
    // Last in, first out: the first half is unpacked first.
    s.unpack.push_back({m, b, ch.up().middle[arc_to(ch.up(), m, b)]});
    s.unpack.push_back({a, m, ch.down().middle[arc_to(ch.down(), m, a)]});
  }
}

// Cuts the loops out of s.path, keeping its ends: a shortest route may run around a loop of arcs
// that cost nothing (a graph may have one, and the hierarchy does not shun them), and a path
// should not repeat a node. Whether there was one.
bool cut_loops(ChScratch& s) {
  constexpr std::uint32_t kCut = 0xffffffffu;  // a rank taken off the path again
  s.mark.clear();
  bool cut = false;
  std::size_t kept = 0;
  for (std::size_t i = 0; i < s.path.size(); ++i) {
    const NodeIndex v = s.path[i];
    if (s.mark.written(v) && s.mark.get(v) != kCut) {
      // Back at v: drop what came after its first visit.
      const std::uint32_t first = s.mark.get(v);
      for (std::size_t j = first + 1; j < kept; ++j) s.mark.put(s.path[j], kCut);
      kept = first + 1;
      cut = true;
      continue;
    }
    s.mark.put(v, static_cast<std::uint32_t>(kept));
    s.path[kept++] = v;
  }
  s.path.resize(kept);
  return cut;
}

// The route through `met` that meet() found, from its searches' predecessors.
RouteResult read_route(const RoadGraph& graph, const ContractionHierarchy& ch, ChScratch& s,
                       std::span<const Endpoint::Seed> from, std::span<const Endpoint::Seed> to,
                       NodeIndex met, Cost cost, bool want_path) {
  const detail::PathSums up = detail::path_sums(ch, s.forward, ch.up(), from, met);
  const detail::PathSums down = detail::path_sums(ch, s.backward, ch.down(), to, met);
  RouteResult r;
  r.status = RouteStatus::ok;
  r.cost = cost;
  r.hops = up.hops + down.hops;
  if (graph.has_lengths()) r.length_mm = up.length_mm + down.length_mm;
  if (!want_path) return r;

  // The forward search's arcs run root -> met, read backwards from met; the backward search's
  // run met -> root, each stored at its lower end, which is the predecessor.
  s.climb.clear();
  for (NodeIndex v = met;; v = s.forward.pred(v)) {
    s.climb.push_back(v);
    if (s.forward.pred(v) == v) break;
  }
  std::reverse(s.climb.begin(), s.climb.end());
  s.path.clear();
  s.path.push_back(s.climb.front());
  for (std::size_t i = 1; i < s.climb.size(); ++i) {
    unpack(ch, s.climb[i - 1], s.climb[i], ch.up().middle[s.forward.pred_arc(s.climb[i])], s);
  }
  for (NodeIndex v = met; s.backward.pred(v) != v; v = s.backward.pred(v)) {
    unpack(ch, v, s.backward.pred(v), ch.down().middle[s.backward.pred_arc(v)], s);
  }
  // (Without arcs of cost 0 there is no loop to cut, nor the work of looking.)
  if (ch.has_free_arcs() && cut_loops(s)) {
    // The loops cost nothing, but they had hops and may have had length.
    r.hops = static_cast<std::uint32_t>(s.path.size() - 1);
    if (graph.has_lengths()) {
      r.length_mm = detail::seed_at(ch, from, up.root, s.forward.dist(up.root)).length_mm +
                    detail::seed_at(ch, to, down.root, s.backward.dist(down.root)).length_mm;
      for (std::size_t i = 1; i < s.path.size(); ++i) {
        const auto arc = graph.find_arc(ch.node_at(s.path[i - 1]), ch.node_at(s.path[i]));
        r.length_mm += graph.length_mm(*arc);
      }
    }
  }
  r.path.reserve(s.path.size());
  for (const NodeIndex rank : s.path) r.path.push_back(graph.id_of(ch.node_at(rank)));
  assert(r.path.size() == r.hops + 1u);
  return r;
}

}  // namespace

ChQuery::ChQuery(const RoadGraph& graph, const ContractionHierarchy& ch)
    : m_graph(&graph), m_ch(&ch), m_scratch(std::make_unique<ChScratch>(ch)) {
  assert(graph.num_nodes() == ch.num_nodes());
}
ChQuery::ChQuery(ChQuery&&) noexcept = default;
ChQuery::~ChQuery() = default;

std::size_t ChQuery::settled() const {
  return m_scratch->forward.settled() + m_scratch->backward.settled();
}

Cost ChQuery::cost(NodeIndex from, NodeIndex to) {
  const Endpoint::Seed a{from, 0, 0};
  const Endpoint::Seed b{to, 0, 0};
  Cost best = kInfiniteCost;
  meet(*m_ch, *m_scratch, std::span(&a, 1), std::span(&b, 1), best);
  return best;
}

RouteResult ChQuery::route(NodeIndex from, NodeIndex to, bool want_path) {
  const Endpoint::Seed a{from, 0, 0};
  const Endpoint::Seed b{to, 0, 0};
  Cost best = kInfiniteCost;
  const auto met = meet(*m_ch, *m_scratch, std::span(&a, 1), std::span(&b, 1), best);
  if (!met) return unreachable();
  return read_route(*m_graph, *m_ch, *m_scratch, std::span(&a, 1), std::span(&b, 1), *met, best,
                    want_path);
}

RouteResult ChQuery::one_to_one(NodeId from, NodeId to, bool want_path) {
  const auto a = m_graph->index_of(from);
  const auto b = m_graph->index_of(to);
  if (!a || !b) return RouteResult{};  // unknown_node
  return route(*a, *b, want_path);
}

RouteResult ChQuery::between(const Endpoint& from, const Endpoint& to, bool want_path) {
  assert(from.num_seeds > 0 && to.num_seeds > 0);
  std::optional<RouteResult> direct = same_arc_drive(from, to);
  Cost best = direct ? direct->cost : kInfiniteCost;
  const auto met = meet(*m_ch, *m_scratch, from.seed_span(), to.seed_span(), best);
  if (!met) return direct ? std::move(*direct) : unreachable();
  return read_route(*m_graph, *m_ch, *m_scratch, from.seed_span(), to.seed_span(), *met, best,
                    want_path);
}

}  // namespace waybill::router
