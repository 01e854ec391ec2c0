#include "router/landmarks.h"

#include <algorithm>
#include <thread>

#include "router/detail/csr.h"
#include "router/detail/search.h"

namespace waybill::router {

Landmarks Landmarks::build(const RoadGraph& graph, std::size_t count, unsigned threads) {
  Landmarks l;
  const std::size_t n = graph.num_nodes();
  count = std::min(count, n);
  if (count == 0) return l;

  // Farthest-point selection: each landmark is the node farthest from those already chosen
  // (a node none of them reaches counts as farthest). The first search, from node 0, only
  // finds a far starting point.
  std::vector<std::vector<Cost>> from(count);
  std::vector<Cost> nearest(n, kInfiniteCost);  // min over chosen landmarks of dist(L, v)
  std::vector<Cost> dist;
  detail::full_distances(graph.forward().g, 0, dist);
  auto farthest = [&](const std::vector<Cost>& d) {
    NodeIndex best = 0;
    for (NodeIndex v = 1; v < n; ++v) {
      if (d[v] > d[best]) best = v;
    }
    return best;
  };
  for (std::size_t i = 0; i < count; ++i) {
    const NodeIndex pick = farthest(i == 0 ? dist : nearest);
    if (i > 0 && nearest[pick] == 0) break;  // every node is a landmark already
    l.m_nodes.push_back(pick);
    detail::full_distances(graph.forward().g, pick, from[i]);
    for (NodeIndex v = 0; v < n; ++v) nearest[v] = std::min(nearest[v], from[i][v]);
  }
  count = l.m_nodes.size();
  from.resize(count);

  // Distances to each landmark: searches on the reverse graph, spread over threads.
  std::vector<std::vector<Cost>> to(count);
  std::vector<std::thread> pool;
  const unsigned workers = std::max(1u, std::min<unsigned>(threads, count));
  for (unsigned t = 0; t < workers; ++t) {
    pool.emplace_back([&, t] {
      for (std::size_t i = t; i < count; i += workers) {
        detail::full_distances(graph.reverse().g, l.m_nodes[i], to[i]);
      }
    });
  }
  for (auto& th : pool) th.join();

  Cost longest = 0;
  for (const auto* table : {&from, &to}) {
    for (const auto& d : *table) {
      for (const Cost c : d) {
        if (c != kInfiniteCost) longest = std::max(longest, c);
      }
    }
  }
  l.m_scale = longest / (kUnreached - 1) + 1;  // longest / m_scale < kUnreached
  const auto shrink = [&](Cost c) {
    return c == kInfiniteCost ? kUnreached : static_cast<std::int32_t>(c / l.m_scale);
  };
  l.m_table.resize(n * 2 * count);
  for (NodeIndex v = 0; v < n; ++v) {
    std::int32_t* row = &l.m_table[v * 2 * count];
    for (std::size_t i = 0; i < count; ++i) {
      row[i] = shrink(from[i][v]);
      row[count + i] = shrink(to[i][v]);
    }
  }
  return l;
}

Cost Landmarks::lower_bound(NodeIndex v, NodeIndex t) const {
  // Triangle inequality, for each landmark L:
  //   dist(v, t) >= dist(L, t) - dist(L, v)   and   dist(v, t) >= dist(v, L) - dist(t, L).
  // Infinities prove unreachability: if L reaches v but not t, v cannot reach t; if t reaches L
  // but v does not, v cannot reach t.
  // Branch-free over all landmarks, so that the compiler vectorises it: every value is in
  // [0, kUnreached], so no difference overflows; a term whose left side is unreached counts 0.
  const std::size_t k = m_nodes.size();
  const std::int32_t* from_v = &m_table[v * 2 * k];
  const std::int32_t* from_t = &m_table[t * 2 * k];
  const std::int32_t* to_v = from_v + k;
  const std::int32_t* to_t = from_t + k;
  std::int32_t best = 0;  // in table units
  std::int32_t proof = 0;  // nonzero: some landmark proves t unreachable from v
  for (std::size_t i = 0; i < k; ++i) {
    const bool from_known = from_v[i] != kUnreached;
    const bool to_known = to_t[i] != kUnreached;
    proof |= (from_known & (from_t[i] == kUnreached)) | (to_known & (to_v[i] == kUnreached));
    best = std::max(best, from_known ? from_t[i] - from_v[i] : 0);
    best = std::max(best, to_known ? to_v[i] - to_t[i] : 0);
  }
  if (proof) return kInfiniteCost;
  // Both terms of a difference were rounded down: the true one is above (best - 1) * m_scale.
  return m_scale == 1 ? Cost{best} : std::max<Cost>(0, (Cost{best} - 1) * m_scale);
}

}  // namespace waybill::router
