// ShortestPathTree (shortest_path.h): a one-to-all tree's arrays, owned or mapped, and the
// answers read from them. RouteQuery::tree builds them; tree_file.cpp saves and maps them.
#include "router/shortest_path.h"

#include <algorithm>
#include <cassert>
#include <utility>

namespace waybill::router {
namespace {

// A computed tree's arrays, owned by the tree.
struct TreeVectors {
  std::vector<Cost> dist;
  std::vector<NodeIndex> pred;
  std::vector<std::uint32_t> hops;
  std::vector<std::int64_t> length_mm;
};

RouteResult unreachable() {
  RouteResult r;
  r.status = RouteStatus::unreachable;
  return r;
}

}  // namespace

ShortestPathTree::ShortestPathTree(const RoadGraph& graph, NodeIndex origin,
                                   std::vector<Cost> dist, std::vector<NodeIndex> pred,
                                   std::vector<std::uint32_t> hops,
                                   std::vector<std::int64_t> length_mm)
    : ShortestPathTree(graph, origin,
                       std::make_shared<const TreeVectors>(TreeVectors{
                           std::move(dist), std::move(pred), std::move(hops),
                           std::move(length_mm)}),
                       Arrays{}) {
  const auto& vectors = *static_cast<const TreeVectors*>(m_storage.get());
  m_dist = vectors.dist;
  m_pred = vectors.pred;
  m_hops = vectors.hops;
  m_length_mm = vectors.length_mm;
  assert(m_dist.size() == graph.num_nodes() && m_pred.size() == m_dist.size() &&
         m_hops.size() == m_dist.size());
  assert(m_length_mm.empty() || m_length_mm.size() == m_dist.size());
}

ShortestPathTree::ShortestPathTree(const RoadGraph& graph, NodeIndex origin,
                                   std::shared_ptr<const void> storage, Arrays arrays)
    : m_graph(&graph),
      m_origin(origin),
      m_storage(std::move(storage)),
      m_dist(arrays.dist),
      m_pred(arrays.pred),
      m_hops(arrays.hops),
      m_length_mm(arrays.length_mm) {}

RouteResult ShortestPathTree::route_to(NodeId destination, bool want_path) const {
  const auto to = m_graph->index_of(destination);
  if (!to) return RouteResult{};  // unknown_node
  return route_to(*to, want_path);
}

RouteResult ShortestPathTree::route_to(NodeIndex destination, bool want_path) const {
  assert(destination < m_dist.size());
  if (m_dist[destination] == kInfiniteCost) return unreachable();
  RouteResult r;
  r.status = RouteStatus::ok;
  r.cost = m_dist[destination];
  r.hops = m_hops[destination];
  if (!m_length_mm.empty()) r.length_mm = m_length_mm[destination];
  if (want_path) {
    r.path.reserve(r.hops + 1);
    // A root (the origin, or any seed of an endpoint's tree) is its own predecessor.
    NodeIndex v = destination;
    for (; m_pred[v] != v; v = m_pred[v]) r.path.push_back(m_graph->id_of(v));
    r.path.push_back(m_graph->id_of(v));
    std::reverse(r.path.begin(), r.path.end());
  }
  return r;
}

std::size_t ShortestPathTree::bytes() const {
  return sizeof(*this) + m_dist.size_bytes() + m_pred.size_bytes() + m_hops.size_bytes() +
         m_length_mm.size_bytes();
}

}  // namespace waybill::router
