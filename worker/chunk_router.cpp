#include "worker/chunk_router.h"

#include <algorithm>
#include <numeric>

namespace waybill::worker {
namespace {

wire::JobOutcome outcome(std::uint32_t seq, const router::RouteResult& r) {
  wire::JobOutcome o;
  o.seq = seq;
  switch (r.status) {
    case router::RouteStatus::ok:
      o.status = wire::JobStatus::ok;
      o.cost = r.cost;
      o.hops = r.hops;
      break;
    case router::RouteStatus::unreachable: o.status = wire::JobStatus::unreachable; break;
    case router::RouteStatus::unknown_node: o.status = wire::JobStatus::unknown_node; break;
  }
  return o;
}

}  // namespace

ChunkRouter::ChunkRouter(const router::RoadGraph& graph, const router::Landmarks* landmarks,
                         router::TreeCache& trees)
    : m_graph(&graph), m_trees(&trees), m_query(graph, landmarks) {}

std::vector<wire::JobOutcome> ChunkRouter::route(const std::vector<wire::JobSpec>& jobs) {
  std::vector<wire::JobOutcome> out(jobs.size());
  // Visit jobs grouped by origin.
  std::vector<std::uint32_t> order(jobs.size());
  std::iota(order.begin(), order.end(), 0u);
  std::sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) {
    return jobs[a].origin < jobs[b].origin;
  });
  for (std::size_t begin = 0; begin < order.size();) {
    std::size_t end = begin + 1;
    const std::int64_t origin = jobs[order[begin]].origin;
    while (end < order.size() && jobs[order[end]].origin == origin) ++end;
    const auto from = m_graph->index_of(router::NodeId{origin});
    if (from && end - begin >= kTreeThreshold) {
      const auto tree = m_trees->get(*from, [&] { return m_query.tree(router::NodeId{origin}); });
      for (std::size_t k = begin; k < end; ++k) {
        const auto& job = jobs[order[k]];
        out[order[k]] = outcome(job.seq, tree->route_to(router::NodeId{job.destination}, false));
      }
    } else {
      for (std::size_t k = begin; k < end; ++k) {
        const auto& job = jobs[order[k]];
        out[order[k]] = outcome(
            job.seq, m_query.one_to_one(router::NodeId{origin}, router::NodeId{job.destination}));
      }
    }
    begin = end;
  }
  return out;
}

void ChunkRouter::warm(std::int64_t origin) {
  if (const auto from = m_graph->index_of(router::NodeId{origin})) {
    m_trees->get(*from, [&] { return m_query.tree(router::NodeId{origin}); });
  }
}

}  // namespace waybill::worker
