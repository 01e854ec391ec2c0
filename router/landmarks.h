// ALT landmarks: exact distances to and from a few far-apart nodes, which give A* a lower bound
// on any remaining distance by the triangle inequality. Needs no coordinates.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "router/graph.h"
#include "router/types.h"

namespace waybill::router {

/// Immutable after build(); thread-safe to share.
class Landmarks {
 public:
  /// Picks `count` landmarks by farthest-point selection and computes their distance tables,
  /// using up to `threads` threads. Costs about 3 * count one-to-all searches.
  static Landmarks build(const RoadGraph& graph, std::size_t count = 32, unsigned threads = 2);

  std::size_t count() const { return m_nodes.size(); }
  const std::vector<NodeIndex>& nodes() const { return m_nodes; }

  /// A lower bound on dist(v, t), never above it. kInfiniteCost when the tables prove that t
  /// cannot be reached from v.
  Cost lower_bound(NodeIndex v, NodeIndex t) const;

 private:
  static constexpr std::int32_t kUnreached = INT32_MAX;

  std::vector<NodeIndex> m_nodes;
  // One row per node, of 2k distances: m_table[v * 2k + i] = dist(landmark i, v) and
  // m_table[v * 2k + k + i] = dist(v, landmark i), divided by m_scale and rounded down;
  // kUnreached where there is no path. A bound reads one contiguous row of v.
  // 32 bits a distance halve the cache misses of a bound, and leave any difference of two in
  // 32 bits, so that the bound is computed four landmarks at a time (SIMD). m_scale is 1
  // (exact) unless some distance does not fit.
  std::vector<std::int32_t> m_table;
  Cost m_scale = 1;
};

}  // namespace waybill::router
