#include "router/graph.h"

#include <algorithm>
#include <cassert>
#include <tuple>
#include <utility>

#include <boost/range/iterator_range.hpp>

#include "router/detail/csr.h"

namespace waybill::router {
namespace {

struct DenseArc {
  NodeIndex tail;
  NodeIndex head;
  Cost cost;
  std::int64_t length_mm;
};

// How far `id` lies past `first`, in ids. Unsigned: ids may span the whole int64 range, and the
// difference must not overflow.
std::uint64_t id_offset(NodeId id, NodeId first) {
  return static_cast<std::uint64_t>(to_int(id)) - static_cast<std::uint64_t>(to_int(first));
}

bool by_ends_then_cost(const DenseArc& a, const DenseArc& b) {
  return std::tie(a.tail, a.head, a.cost) < std::tie(b.tail, b.head, b.cost);
}

// Sorts `arcs` by (tail, head, cost) and builds the CSR of them: edge i of the CSR is arcs[i]
// after the sort, so per-arc arrays in that order are indexed by the CSR's edge index.
std::unique_ptr<const detail::Csr> make_csr(std::vector<DenseArc>& arcs, std::size_t num_nodes) {
  std::sort(arcs.begin(), arcs.end(), by_ends_then_cost);
  std::vector<std::pair<NodeIndex, NodeIndex>> ends;
  std::vector<detail::ArcProps> props;
  ends.reserve(arcs.size());
  props.reserve(arcs.size());
  for (const DenseArc& a : arcs) {
    ends.emplace_back(a.tail, a.head);
    props.push_back({a.cost});
  }
  return std::make_unique<const detail::Csr>(detail::Csr{detail::CsrGraph(
      boost::edges_are_sorted, ends.begin(), ends.end(), props.begin(), num_nodes)});
}

}  // namespace

const char* to_string(CostUnit unit) {
  switch (unit) {
    case CostUnit::native: return "native";
    case CostUnit::duration_ms: return "duration_ms";
  }
  return "?";
}

RoadGraph::RoadGraph() = default;
RoadGraph::RoadGraph(RoadGraph&&) noexcept = default;
RoadGraph& RoadGraph::operator=(RoadGraph&&) noexcept = default;
RoadGraph::~RoadGraph() = default;

RoadGraph RoadGraph::build(std::vector<NodeId> node_ids, std::vector<Arc> arcs,
                           std::vector<Coordinate> coords, BuildReport* report, CostUnit unit) {
  assert(coords.empty() || coords.size() == node_ids.size());
  RoadGraph graph;
  graph.m_cost_unit = unit;
  if (!coords.empty()) {
    // Sort ids and coordinates together.
    std::vector<std::pair<NodeId, Coordinate>> both(node_ids.size());
    for (std::size_t i = 0; i < node_ids.size(); ++i) both[i] = {node_ids[i], coords[i]};
    std::sort(both.begin(), both.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    for (std::size_t i = 0; i < both.size(); ++i) std::tie(node_ids[i], coords[i]) = both[i];
  } else {
    std::sort(node_ids.begin(), node_ids.end());
  }
  assert(std::adjacent_find(node_ids.begin(), node_ids.end()) == node_ids.end());
  graph.m_ids = std::move(node_ids);
  graph.m_coords = std::move(coords);
  graph.m_dense_ids = !graph.m_ids.empty() &&
                      id_offset(graph.m_ids.back(), graph.m_ids.front()) == graph.m_ids.size() - 1;

  const bool lengths =
      !arcs.empty() && std::all_of(arcs.begin(), arcs.end(),
                                   [](const Arc& a) { return a.length_mm >= 0; });
  assert(lengths || std::all_of(arcs.begin(), arcs.end(),
                                [](const Arc& a) { return a.length_mm < 0; }));
  BuildReport local;
  std::vector<DenseArc> dense;
  dense.reserve(arcs.size());
  for (const Arc& a : arcs) {
    assert(a.cost >= 0);
    const auto tail = graph.index_of(a.tail);
    const auto head = graph.index_of(a.head);
    assert(tail && head);
    if (*tail == *head) {
      ++local.self_loops;
      continue;
    }
    dense.push_back({*tail, *head, a.cost, a.length_mm});
  }
  arcs = {};
  // Keep the cheapest of each run of parallel arcs, with its length: the arc routed on is the
  // arc measured. Among equally cheap ones the sort may keep any; their costs agree.
  std::sort(dense.begin(), dense.end(), by_ends_then_cost);
  const auto last = std::unique(dense.begin(), dense.end(), [](const DenseArc& a, const DenseArc& b) {
    return a.tail == b.tail && a.head == b.head;
  });
  local.parallel_arcs = static_cast<std::size_t>(dense.end() - last);
  dense.erase(last, dense.end());

  const std::size_t n = graph.m_ids.size();
  graph.m_forward = make_csr(dense, n);
  graph.m_has_lengths = lengths;
  if (lengths) {
    graph.m_lengths_mm.reserve(dense.size());
    for (const DenseArc& a : dense) graph.m_lengths_mm.push_back(a.length_mm);
  }
  for (DenseArc& a : dense) std::swap(a.tail, a.head);
  graph.m_reverse = make_csr(dense, n);
  if (report) *report = local;
  return graph;
}

std::size_t RoadGraph::num_nodes() const { return m_ids.size(); }

std::size_t RoadGraph::num_arcs() const { return boost::num_edges(m_forward->g); }

std::vector<Arc> RoadGraph::arcs() const {
  std::vector<Arc> out;
  out.reserve(num_arcs());
  const auto& g = m_forward->g;
  for (NodeIndex v = 0; v < num_nodes(); ++v) {
    for (const auto e : boost::make_iterator_range(boost::out_edges(v, g))) {
      const ArcIndex arc = boost::get(boost::edge_index, g, e);
      out.push_back({m_ids[v], m_ids[boost::target(e, g)], g[e].cost,
                     has_lengths() ? m_lengths_mm[arc] : -1});
    }
  }
  return out;
}

std::optional<ArcIndex> RoadGraph::find_arc(NodeIndex tail, NodeIndex head) const {
  const auto& g = m_forward->g;
  for (const auto e : boost::make_iterator_range(boost::out_edges(tail, g))) {
    if (boost::target(e, g) == head) return boost::get(boost::edge_index, g, e);
  }
  return std::nullopt;
}

std::optional<NodeIndex> RoadGraph::index_of(NodeId id) const {
  if (m_ids.empty()) return std::nullopt;
  const std::uint64_t offset = id_offset(id, m_ids.front());
  // DIMACS ids are 1..n: answer those without reading the id list. On a large graph that read
  // is a cache miss, and the dispatcher checks two ids for every job submitted.
  if (m_dense_ids) {
    if (offset < m_ids.size()) return static_cast<NodeIndex>(offset);
    return std::nullopt;
  }
  if (offset < m_ids.size() && m_ids[static_cast<std::size_t>(offset)] == id) {
    return static_cast<NodeIndex>(offset);
  }
  const auto it = std::lower_bound(m_ids.begin(), m_ids.end(), id);
  if (it == m_ids.end() || *it != id) return std::nullopt;
  return static_cast<NodeIndex>(it - m_ids.begin());
}

}  // namespace waybill::router
