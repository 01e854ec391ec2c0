// Search kernels shared inside the router, over Boost.Graph's Dijkstra (search.cpp): the
// early-exit search of RouteQuery's node queries, and the full tree that RouteQuery::tree and the
// landmarks grow. Included only by the router's .cpp files.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "router/detail/csr.h"
#include "router/graph.h"

namespace waybill::router::detail {

struct QueryScratch;

/// Dijkstra from `source` over the scratch arrays, which the caller has cleared: it writes dist,
/// pred and (on a graph with lengths) length of each node it reaches, hops of each node it
/// settles, and counts those in s.settled. Stops once `targets` settled nodes, counted with
/// multiplicity in s.target, have been reached, or never when targets == 0. The source is its
/// own predecessor.
void run_dijkstra(const RoadGraph& graph, QueryScratch& s, NodeIndex source, std::size_t targets);

/// Where a tree starts: a node reached at a cost (and length) already, as the seeds of a snapped
/// point are.
struct TreeRoot {
  NodeIndex node = 0;
  Cost cost = 0;
  std::int64_t length_mm = 0;
};

/// The full shortest-path tree from `roots` (one Dijkstra, each root starting at its cost):
/// distances (kInfiniteCost where unreachable), predecessors (a root that no other root reaches
/// more cheaply is its own) and, when `hops` is given, arc counts; when `length_mm` is given,
/// path lengths (-1 where unreachable) from `arc_lengths`, the lengths by edge index of `g`,
/// starting at each root's length. Returns the nodes settled.
std::size_t full_tree(const CsrGraph& g, std::span<const TreeRoot> roots, std::vector<Cost>& dist,
                      std::vector<NodeIndex>& pred, std::vector<std::uint32_t>* hops,
                      std::span<const std::int64_t> arc_lengths = {},
                      std::vector<std::int64_t>* length_mm = nullptr);

/// Distances from `source` to every node of `g` (kInfiniteCost where unreachable).
void full_distances(const CsrGraph& g, NodeIndex source, std::vector<Cost>& dist);

}  // namespace waybill::router::detail
