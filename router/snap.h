// Snapping coordinates to the road network: the nearest point on the nearest arc, so that a
// delivery address that is not a graph node can still be routed.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "router/graph.h"
#include "router/types.h"

namespace waybill::router {

/// Farther than this from every road, a point is not a delivery address but a mistake (a typo,
/// swapped latitude and longitude, a point of another city).
inline constexpr double kDefaultSnapRadiusM = 500;

/// A point snapped onto the directed arc tail -> head of the graph.
///
/// What a route from or to a snapped point means (costs in the graph's unit):
///  - starting there, the vehicle drives the rest of the arc, then on from `head`:
///    cost = cost_to_head(snap) + path(head, destination);
///  - arriving there, it reaches `tail`, then drives part of the arc:
///    cost = path(origin, tail) + cost_from_tail(snap);
///  - when both ends snap onto the same arc and the start lies before the end
///    (start.t <= end.t), the direct cost (end.t - start.t) * cost is a candidate too.
/// On a two-way road, `Snapper::reverse` gives the same point on the opposite arc: a route may
/// start along either direction, and end along either, and a router tries each and keeps the
/// cheapest. endpoint.h turns snaps into these starts and ends (Endpoint), and
/// RouteQuery::between and route_from_tree route between them.
struct Snap {
  NodeIndex tail = 0;
  NodeIndex head = 0;
  Cost cost = 0;                ///< the whole arc's cost
  std::int64_t length_mm = -1;  ///< the whole arc's length; -1 when the graph has no lengths
  double t = 0;         ///< fraction of the arc's length from tail (0) to head (1) at the point
  double lat_deg = 0;   ///< the point on the arc, in degrees (not rounded to microdegrees)
  double lon_deg = 0;
  double distance_m = 0;  ///< great-circle distance from the queried point to the arc's point
  /// The opposite arc (head -> tail) of a two-way road: its cost and length, or -1 on a oneway.
  /// Kept with the segment when the snapper is built, so that Snapper::reverse reads them here
  /// instead of searching the graph once more for every address.
  Cost reverse_cost = -1;
  std::int64_t reverse_length_mm = -1;
};

/// The part of the arc's cost from the snapped point to its head, rounded.
Cost cost_to_head(const Snap& snap);
/// The part of the arc's cost from its tail to the snapped point, rounded. cost_to_head is the
/// rest, so the two always add up to the arc's cost. Both take the cost as spread evenly along
/// the arc, which holds for OSM arcs (one way, one speed) and DIMACS ones.
Cost cost_from_tail(const Snap& snap);

/// The part of the arc's length from the snapped point to its head, and from its tail to the
/// point, in millimetres: rounded as the costs are, so that they add up to the arc's length.
/// -1 when the graph has no lengths.
std::int64_t length_to_head(const Snap& snap);
std::int64_t length_from_tail(const Snap& snap);

namespace detail {
struct SegmentIndex;
}

/// A spatial index of a graph's arcs (a Boost.Geometry R*-tree of their segments), answering
/// "which road is nearest to this point". Built once, immutable; all members are thread-safe.
/// Keeps a reference to the graph, which must outlive it.
///
/// Each pair of nodes joined by an arc is one segment, whether one or both directions are
/// arcs. Segments are straight chords between the nodes' points on the sphere, in 3-D metres, so
/// "nearest" means the same thing in Monaco, New York or across a continent (see snap.cpp); the
/// reported distance is the great-circle one.
class Snapper {
 public:
  /// Precondition: graph.has_coordinates(). Nodes without arcs are not snapped to.
  explicit Snapper(const RoadGraph& graph);
  Snapper(Snapper&&) noexcept;
  Snapper& operator=(Snapper&&) noexcept;
  ~Snapper();

  /// The nearest point of the nearest arc, when it lies within `max_radius_m` (great-circle)
  /// of (lat, lon); nothing otherwise, or when lat or lon is not a finite coordinate in range.
  /// On a two-way road the arc returned is the one whose tail has the lower NodeIndex; the
  /// same query always returns the same arc.
  std::optional<Snap> snap(double lat_deg, double lon_deg,
                           double max_radius_m = kDefaultSnapRadiusM) const;

  /// The same point on the opposite arc head -> tail (t becomes 1 - t), when the road is
  /// two-way; nothing on a oneway.
  std::optional<Snap> reverse(const Snap& forward) const;

  /// Why (lat, lon) does not snap, for an operator: "no road within 500 m", and when the point
  /// with latitude and longitude swapped does snap, "...; latitude and longitude look swapped (a
  /// road is 3 m from (lat=43.73, lon=7.42))". Empty when the point snaps.
  std::string why_unsnappable(double lat_deg, double lon_deg,
                              double max_radius_m = kDefaultSnapRadiusM) const;

  /// Segments indexed: pairs of nodes joined by one or two arcs.
  std::size_t num_segments() const;

 private:
  const RoadGraph* m_graph;
  std::unique_ptr<const detail::SegmentIndex> m_index;
};

}  // namespace waybill::router
