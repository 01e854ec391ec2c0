// The per-thread scratch memory of a RouteQuery, shared by the search kernels in
// shortest_path.cpp and endpoint_search.cpp. Included only by the router's .cpp files.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "router/detail/stamped_map.h"
#include "router/types.h"

namespace waybill::router::detail {

/// An entry of the lazy binary heap of the endpoint search: a node and the key it was pushed
/// with. An entry whose key is no longer the node's is stale and skipped when popped.
struct HeapEntry {
  Cost key;
  NodeIndex node;
};

/// Stamped per-node arrays reused by every query, so that a query costs what it touches.
struct QueryScratch {
  explicit QueryScratch(std::size_t n)
      : dist(n, kInfiniteCost),
        cost(n, kInfiniteCost),
        pred(n, 0),
        hops(n, 0),
        length(n, -1),
        target(n, 0) {}

  void clear() {
    dist.clear();
    cost.clear();
    pred.clear();
    hops.clear();
    length.clear();
    target.clear();
    heap.clear();
    settled = 0;
  }

  StampedArray<Cost> dist;
  StampedArray<Cost> cost;  // A* only: dist + lower bound
  StampedArray<NodeIndex> pred;
  StampedArray<std::uint32_t> hops;
  StampedArray<std::int64_t> length;  // millimetres along the path of pred; graphs with lengths
  StampedArray<std::uint32_t> target;  // how many times a node is asked for
  std::vector<HeapEntry> heap;         // the endpoint search's queue; keeps its capacity
  std::size_t settled = 0;
};

}  // namespace waybill::router::detail
