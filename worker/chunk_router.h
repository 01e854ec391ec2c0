// Routes one leased chunk of jobs: Lease -> outcomes, with no I/O. Jobs sharing an origin are
// answered by shortest-path trees (kept in the shared TreeCache across chunks); lone origins by
// the graph's contraction hierarchy when the worker holds one, else by a goal-directed A* with
// landmarks. Jobs given by coordinates are snapped to the nearest road first (router/snap.h): a
// route starts and ends at the snapped points.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "router/ch_query.h"
#include "router/contraction.h"
#include "router/endpoint.h"
#include "router/graph.h"
#include "router/landmarks.h"
#include "router/route_between.h"
#include "router/shortest_path.h"
#include "router/snap.h"
#include "router/tree_cache.h"
#include "schema/messages.h"

namespace waybill::worker {

/// One per routing thread. The graph, hierarchy, landmarks, snapper and cache are shared and
/// must outlive it; `snapper` is null for a graph without coordinates (coordinate jobs are then
/// unsnappable), `ch` null when the worker holds no hierarchy (lone origins then go by A*).
class ChunkRouter {
 public:
  /// An origin with at least this many jobs in a chunk is answered from its full tree: such an
  /// origin is a depot, whose jobs fill every chunk of the batch, and its tree (cached, and
  /// shared with the host's other workers) answers them all. Fewer: one query a job.
  static constexpr std::size_t kTreeThreshold = 8;
  /// Trees a chunk computes at most (with a hierarchy): the first chunks of a batch find few
  /// trees cached, and computing all of a hundred depots' (tens of milliseconds each) would hold
  /// the batch's first routes back by seconds. The other depots' jobs of such a chunk go by the
  /// hierarchy, one query each; their trees come with the next chunks, or from the warm-up.
  static constexpr std::size_t kNewTreesPerChunk = 16;
  /// ... and none in this router's first chunk of a batch: its jobs all go by the hierarchy
  /// (4,096 queries, about 130 ms on NY, against half a second and more with 16 trees), so the
  /// batch's first routes are not held back by trees the next chunks and the warm-up compute.
  /// An origin with this many jobs in this router's chunks so far is a depot too, though its
  /// jobs are spread thinner than kTreeThreshold a chunk (a day of a thousand depots has four a
  /// chunk each, and was routed one query a job). On NY a tree costs as much as about 1,080 of
  /// the hierarchy's queries (33 ms against 31 us); an origin with 256 jobs so far is a depot
  /// with many more to come, while a lone one seldom gets there. Bought only while the cache has
  /// room for it: past its budget a new tree would evict another depot's, to be computed again.
  static constexpr std::uint32_t kDepotJobs = 256;

  ChunkRouter(const router::RoadGraph& graph, const router::ContractionHierarchy* ch,
              const router::Landmarks* landmarks, const router::Snapper* snapper,
              router::TreeCache& trees);

  /// Outcomes in the order of the lease's jobs. Unknown nodes and unsnappable coordinates are
  /// outcomes, not errors.
  std::vector<wire::JobOutcome> route(const wire::Lease& lease);
  /// Computes the tree of node `origin` into the cache, if it is a node and not there already.
  void warm(std::int64_t origin);
  /// The same for the trees a route from coordinate `origin` starts from.
  void warm(const wire::LatLon& origin, double snap_radius_m);

 private:
  void route_nodes(const wire::Lease& lease, std::size_t new_trees,
                   std::vector<wire::JobOutcome>& out);
  void route_points(const wire::Lease& lease, std::size_t new_trees,
                    std::vector<wire::JobOutcome>& out);
  /// The tree of `origin`, cached or computed; with `budget`, computed only while *budget > 0
  /// (counted down), else null (not cached: the caller routes one query a job).
  std::shared_ptr<const router::ShortestPathTree> tree(router::NodeIndex origin,
                                                       std::size_t* budget = nullptr);
  std::shared_ptr<const router::ShortestPathTree> tree(const router::Endpoint& from,
                                                       std::size_t* budget = nullptr);
  /// `p` snapped as the start (origin) or the end of a route; never snapped without a snapper.
  router::SnappedEnd snap(const wire::LatLon& p, double radius_m, bool origin) const;

  const router::RoadGraph* m_graph;
  const router::Snapper* m_snapper;
  router::TreeCache* m_trees;
  router::RouteQuery m_query;
  std::optional<router::ChQuery> m_ch;  ///< with a hierarchy
  /// Jobs seen so far from each origin (node index), for kDepotJobs; forgotten past kSeenMax
  /// origins, so that batches of scattered origins do not grow it without bound.
  std::unordered_map<router::NodeIndex, std::uint32_t> m_jobs_from;
  static constexpr std::size_t kSeenMax = std::size_t{1} << 20;
  /// Batches this router has routed a chunk of (for the first chunk's budget); forgotten past
  /// kBatchesMax.
  std::unordered_set<std::int64_t> m_batches;
  static constexpr std::size_t kBatchesMax = 4096;
};

}  // namespace waybill::worker
