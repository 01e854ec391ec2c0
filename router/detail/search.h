// Search kernels shared inside the router (landmarks reuse the full-tree search).
#pragma once

#include <vector>

#include "router/detail/csr.h"

namespace waybill::router::detail {

/// Distances from `source` to every node of `g` (kInfiniteCost where unreachable).
void full_distances(const CsrGraph& g, NodeIndex source, std::vector<Cost>& dist);

}  // namespace waybill::router::detail
