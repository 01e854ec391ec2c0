// Routes one leased chunk of jobs: RouteJob -> JobResult, with no I/O. Jobs sharing an origin
// are answered by one shortest-path tree (kept in the shared TreeCache across chunks); lone
// origins by a goal-directed A* with landmarks.
#pragma once

#include <cstddef>
#include <vector>

#include "router/graph.h"
#include "router/landmarks.h"
#include "router/shortest_path.h"
#include "router/tree_cache.h"
#include "schema/messages.h"

namespace waybill::worker {

/// One per routing thread. The graph, landmarks and cache are shared and must outlive it.
class ChunkRouter {
 public:
  /// An origin with at least this many jobs in a chunk is answered from its full tree.
  static constexpr std::size_t kTreeThreshold = 8;

  ChunkRouter(const router::RoadGraph& graph, const router::Landmarks* landmarks,
              router::TreeCache& trees);

  /// Outcomes in the order of `jobs`. Unknown nodes are outcomes, not errors.
  std::vector<wire::JobOutcome> route(const std::vector<wire::JobSpec>& jobs);
  /// Computes the tree of `origin` into the cache, if it is a node and not there already.
  void warm(std::int64_t origin);

 private:
  const router::RoadGraph* m_graph;
  router::TreeCache* m_trees;
  router::RouteQuery m_query;
};

}  // namespace waybill::worker
