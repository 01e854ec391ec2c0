// Strong types shared by the router and everything that talks about road nodes.
#pragma once

#include <cstdint>
#include <limits>

namespace waybill::router {

/// A node id as the outside world names it (DIMACS ids are 1-based, OSM ids are 64-bit).
enum class NodeId : std::int64_t {};

/// A dense index into the graph's arrays, 0 .. num_nodes()-1. Internal to the router and its
/// callers that hold per-node arrays; never shown to an operator.
using NodeIndex = std::uint32_t;

/// A dense index of an arc of the graph, 0 .. num_arcs()-1, in the order RoadGraph::arcs()
/// lists them (the forward CSR's edge index). Internal, like NodeIndex.
using ArcIndex = std::uint32_t;

/// Sum of arc weights, in the graph's own unit (DIMACS -d: decimetres, -t: travel-time units).
using Cost = std::int64_t;

inline constexpr Cost kInfiniteCost = std::numeric_limits<Cost>::max();

/// Microdegrees, as in DIMACS .co files; latitude and longitude are distinct types.
struct Coordinate {
  std::int32_t lon_e6 = 0;
  std::int32_t lat_e6 = 0;
  friend bool operator==(const Coordinate&, const Coordinate&) = default;
};

constexpr std::int64_t to_int(NodeId id) { return static_cast<std::int64_t>(id); }

}  // namespace waybill::router
