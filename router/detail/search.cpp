// The Boost.Graph Dijkstra kernels of search.h. Stopping early with a thrown SearchDone happens
// here alone (STYLE.md 9).
#include "router/detail/search.h"

#include <boost/graph/dijkstra_shortest_paths.hpp>
#include <boost/graph/dijkstra_shortest_paths_no_color_map.hpp>

#include <functional>

#include "router/detail/query_scratch.h"
#include "router/detail/stamped_map.h"

namespace waybill::router::detail {
namespace {

auto weights(const CsrGraph& g) { return boost::get(&ArcProps::cost, g); }
auto indices(const CsrGraph& g) { return boost::get(boost::vertex_index, g); }
auto combine() { return boost::closed_plus<Cost>(kInfiniteCost); }

// Thrown by TreeVisitor to stop a search early; caught in run_dijkstra.
struct SearchDone {};

// Keeps a node's length in step with its predecessor: the relaxation that makes u the
// predecessor of v sets length(v) = length(u) + length(u -> v). u's length is that of u's
// current path when its arcs are relaxed, so a settled node's length is its path's, without a
// walk along the path. A no-op on a graph without lengths.
class LengthRecorder {
 public:
  LengthRecorder(StampedArray<std::int64_t>& length, std::span<const std::int64_t> arc_lengths)
      : m_length(&length), m_arc_lengths(arc_lengths) {}
  template <class E, class G>
  void operator()(const E& e, const G& g) const {
    if (m_arc_lengths.empty()) return;
    m_length->put(boost::target(e, g), m_length->get(boost::source(e, g)) +
                                           m_arc_lengths[boost::get(boost::edge_index, g, e)]);
  }

 private:
  StampedArray<std::int64_t>* m_length;
  std::span<const std::int64_t> m_arc_lengths;
};

// Settles nodes in Dijkstra order, recording hop counts and lengths, until `remaining` targets
// are settled (never, when remaining is 0: a full tree).
class TreeVisitor : public boost::default_dijkstra_visitor {
 public:
  TreeVisitor(QueryScratch& s, NodeIndex source, std::size_t remaining,
              std::span<const std::int64_t> arc_lengths)
      : m_s(&s), m_source(source), m_remaining(remaining), m_lengths(s.length, arc_lengths) {}
  template <class G>
  void examine_vertex(NodeIndex v, const G&) {
    ++m_s->settled;
    m_s->hops.put(v, v == m_source ? 0 : m_s->hops.get(m_s->pred.get(v)) + 1);
    if (m_remaining == 0) return;
    const std::uint32_t wanted = m_s->target.get(v);
    if (wanted > 0 && (m_remaining -= wanted) == 0) throw SearchDone{};
  }
  template <class E, class G>
  void edge_relaxed(const E& e, const G& g) {
    m_lengths(e, g);
  }

 private:
  QueryScratch* m_s;
  NodeIndex m_source;
  std::size_t m_remaining;
  LengthRecorder m_lengths;
};

// Records hop counts in settle order (a node's predecessor is settled, and final, before it),
// and lengths as LengthRecorder does, on plain arrays. A root is its own predecessor.
class HopsVisitor : public boost::default_dijkstra_visitor {
 public:
  HopsVisitor(std::vector<std::uint32_t>* hops, std::vector<std::int64_t>* length_mm,
              std::span<const std::int64_t> arc_lengths, const std::vector<NodeIndex>& pred,
              std::size_t& settled)
      : m_hops(hops),
        m_length(length_mm),
        m_arc_lengths(arc_lengths),
        m_pred(&pred),
        m_settled(&settled) {}
  template <class G>
  void examine_vertex(NodeIndex v, const G&) {
    ++*m_settled;
    if (m_hops) {
      const NodeIndex p = (*m_pred)[v];
      (*m_hops)[v] = p == v ? 0 : (*m_hops)[p] + 1;
    }
  }
  template <class E, class G>
  void edge_relaxed(const E& e, const G& g) {
    if (!m_length) return;
    (*m_length)[boost::target(e, g)] =
        (*m_length)[boost::source(e, g)] + m_arc_lengths[boost::get(boost::edge_index, g, e)];
  }

 private:
  std::vector<std::uint32_t>* m_hops;
  std::vector<std::int64_t>* m_length;
  std::span<const std::int64_t> m_arc_lengths;
  const std::vector<NodeIndex>* m_pred;
  std::size_t* m_settled;
};

}  // namespace

void run_dijkstra(const RoadGraph& graph, QueryScratch& s, NodeIndex source, std::size_t targets) {
  const CsrGraph& g = graph.forward().g;
  s.dist.put(source, 0);
  s.pred.put(source, source);
  s.length.put(source, 0);
  try {
    boost::dijkstra_shortest_paths_no_color_map_no_init(
        g, source, StampedMap<NodeIndex>{&s.pred}, StampedMap<Cost>{&s.dist}, weights(g),
        indices(g), std::less<Cost>(), combine(), kInfiniteCost, Cost{0},
        TreeVisitor(s, source, targets, graph.lengths_mm()));
  } catch (const SearchDone&) {
  }
}

std::size_t full_tree(const CsrGraph& g, std::span<const TreeRoot> roots, std::vector<Cost>& dist,
                      std::vector<NodeIndex>& pred, std::vector<std::uint32_t>* hops,
                      std::span<const std::int64_t> arc_lengths,
                      std::vector<std::int64_t>* length_mm) {
  // Plain arrays, written in place: a full tree touches every node anyway.
  const std::size_t n = boost::num_vertices(g);
  dist.assign(n, kInfiniteCost);
  pred.resize(n);
  if (hops) hops->assign(n, 0);
  if (length_mm) length_mm->assign(n, -1);
  std::size_t settled = 0;
  if (roots.empty()) return settled;
  for (const TreeRoot& r : roots) {
    if (r.cost >= dist[r.node]) continue;  // the same node twice: the cheaper start
    dist[r.node] = r.cost;
    pred[r.node] = r.node;
    if (length_mm) (*length_mm)[r.node] = r.length_mm;
  }
  const auto pred_map = boost::make_iterator_property_map(pred.begin(), indices(g));
  const auto dist_map = boost::make_iterator_property_map(dist.begin(), indices(g));
  const HopsVisitor visitor(hops, length_mm, arc_lengths, pred, settled);
  if (roots.size() == 1) {
    // The common case, a node's own tree: the variant without a colour map is the fastest.
    boost::dijkstra_shortest_paths_no_color_map_no_init(
        g, roots.front().node, pred_map, dist_map, weights(g), indices(g), std::less<Cost>(),
        combine(), kInfiniteCost, Cost{0}, visitor);
  } else {
    // Every root enters the queue at the distance set above (breadth_first_visit pushes them
    // as they are; only the single-source wrappers reset a distance).
    // (A plain loop, not std::views::transform: clang 14, which builds the fuzzers, cannot
    // compile libstdc++ 12's ranges.)
    std::vector<NodeIndex> sources;
    sources.reserve(roots.size());
    for (const TreeRoot& r : roots) sources.push_back(r.node);
    boost::dijkstra_shortest_paths_no_init(g, sources.begin(), sources.end(), pred_map, dist_map,
                                           weights(g), indices(g), std::less<Cost>(), combine(),
                                           Cost{0}, visitor);
  }
  return settled;
}

void full_distances(const CsrGraph& g, NodeIndex source, std::vector<Cost>& dist) {
  std::vector<NodeIndex> pred;
  const TreeRoot root{source};
  full_tree(g, std::span(&root, 1), dist, pred, nullptr);
}

}  // namespace waybill::router::detail
