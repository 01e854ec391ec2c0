// Search kernels shared inside the router (landmarks reuse the full-tree search).
#pragma once

#include <vector>

#include "router/detail/csr.h"

namespace waybill::router::detail {

/// The full shortest-path tree from `source`: distances (kInfiniteCost where unreachable),
/// predecessors and, when `hops` is given, arc counts. Returns the nodes settled.
std::size_t full_tree(const CsrGraph& g, NodeIndex source, std::vector<Cost>& dist,
                      std::vector<NodeIndex>& pred, std::vector<std::uint32_t>* hops);

/// Distances from `source` to every node of `g` (kInfiniteCost where unreachable).
void full_distances(const CsrGraph& g, NodeIndex source, std::vector<Cost>& dist);

}  // namespace waybill::router::detail
