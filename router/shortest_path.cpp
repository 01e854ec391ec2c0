// RouteQuery's node queries (shortest_path.h): one to one, one to many and the full tree of a
// node, over the search kernels of detail/search.h. The endpoint queries are in
// endpoint_search.cpp.
#include "router/shortest_path.h"

#include <algorithm>
#include <optional>
#include <span>

#include "router/detail/query_scratch.h"
#include "router/detail/search.h"
#include "router/endpoint.h"
#include "router/landmarks.h"

namespace waybill::router {

using detail::QueryScratch;

const char* to_string(RouteStatus status) {
  switch (status) {
    case RouteStatus::ok: return "ok";
    case RouteStatus::unreachable: return "unreachable";
    case RouteStatus::unknown_node: return "unknown_node";
  }
  return "?";
}

namespace {

RouteResult unreachable() {
  RouteResult r;
  r.status = RouteStatus::unreachable;
  return r;
}

// The answer for a settled `to`, read from the scratch arrays; with the path, rebuilt from the
// predecessors.
RouteResult read_result(const RoadGraph& graph, const QueryScratch& s, NodeIndex from,
                        NodeIndex to, bool want_path) {
  if (!s.dist.written(to) || s.dist.get(to) == kInfiniteCost) return unreachable();
  RouteResult r;
  r.status = RouteStatus::ok;
  r.cost = s.dist.get(to);
  if (graph.has_lengths()) r.length_mm = s.length.get(to);
  if (!want_path && s.hops.written(to)) {  // Dijkstra recorded it when `to` was settled
    r.hops = s.hops.get(to);
    return r;
  }
  std::uint32_t hops = 0;
  for (NodeIndex v = to; v != from; v = s.pred.get(v)) {
    if (want_path) r.path.push_back(graph.id_of(v));
    ++hops;
  }
  r.hops = hops;
  if (want_path) {
    r.path.push_back(graph.id_of(from));
    std::reverse(r.path.begin(), r.path.end());
  }
  return r;
}

}  // namespace

RouteQuery::RouteQuery(const RoadGraph& graph, const Landmarks* landmarks)
    : m_graph(&graph),
      m_landmarks(landmarks),
      m_scratch(std::make_unique<detail::QueryScratch>(graph.num_nodes())) {}
RouteQuery::RouteQuery(RouteQuery&&) noexcept = default;
RouteQuery::~RouteQuery() = default;

std::size_t RouteQuery::settled() const { return m_scratch->settled; }

RouteResult RouteQuery::one_to_one(NodeId origin, NodeId destination, bool want_path) {
  const auto from = m_graph->index_of(origin);
  const auto to = m_graph->index_of(destination);
  if (!from || !to) return RouteResult{};  // unknown_node
  if (!m_landmarks || m_landmarks->count() == 0) {
    auto results = one_to_many(origin, std::span(&destination, 1), want_path);
    return std::move(results.front());
  }
  // The lazy-heap A* of the endpoint queries, between two nodes. Boost's astar_search was 15%
  // slower on NY's lone pairs: its heap's position map is allocated (2 MB on NY) and cleared
  // for every query, and it asks for a node's bound again each time the node improves.
  return between(node_endpoint(*from), node_endpoint(*to), want_path);
}

std::vector<RouteResult> RouteQuery::one_to_many(NodeId origin,
                                                 std::span<const NodeId> destinations,
                                                 bool want_path) {
  std::vector<RouteResult> results(destinations.size());
  const auto from = m_graph->index_of(origin);
  if (!from) return results;  // all unknown_node
  QueryScratch& s = *m_scratch;
  s.clear();
  std::vector<std::optional<NodeIndex>> to(destinations.size());
  std::size_t wanted = 0;
  for (std::size_t i = 0; i < destinations.size(); ++i) {
    to[i] = m_graph->index_of(destinations[i]);
    if (!to[i]) continue;
    s.target.put(*to[i], s.target.get(*to[i]) + 1);
    ++wanted;
  }
  if (wanted > 0) detail::run_dijkstra(*m_graph, s, *from, wanted);
  for (std::size_t i = 0; i < destinations.size(); ++i) {
    if (to[i]) results[i] = read_result(*m_graph, s, *from, *to[i], want_path);
  }
  return results;
}

std::shared_ptr<const ShortestPathTree> RouteQuery::tree(NodeId origin) {
  const auto from = m_graph->index_of(origin);
  if (!from) return nullptr;
  std::vector<Cost> dist;
  std::vector<NodeIndex> pred;
  std::vector<std::uint32_t> hops;
  std::vector<std::int64_t> length_mm;
  const detail::TreeRoot root{*from};
  m_scratch->settled = detail::full_tree(m_graph->forward().g, std::span(&root, 1), dist, pred,
                                         &hops, m_graph->lengths_mm(),
                                         m_graph->has_lengths() ? &length_mm : nullptr);
  return std::make_shared<const ShortestPathTree>(*m_graph, *from, std::move(dist),
                                                  std::move(pred), std::move(hops),
                                                  std::move(length_mm));
}

}  // namespace waybill::router
