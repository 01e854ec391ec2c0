// Where a route starts and ends: a graph node, or a snapped address part way along an arc; and
// the answers for such routes that do not need a search of their own (from trees, along one
// arc) and their geometry. The search itself is RouteQuery::between (shortest_path.h).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "router/graph.h"
#include "router/shortest_path.h"
#include "router/snap.h"
#include "router/types.h"

namespace waybill::router {

/// Where a route starts or ends: a node, or a point on an arc (a snapped address).
///
/// The point is joined to the graph by its seeds: an origin endpoint leaves the point and
/// reaches seed.node after seed.cost (and seed.length_mm); a destination endpoint is reached
/// from seed.node after seed.cost (and seed.length_mm). A route between two endpoints costs the
/// least of
///  - from.seeds[i].cost + dist(from.seeds[i].node, to.seeds[j].node) + to.seeds[j].cost, over
///    every pair (i, j), and
///  - the direct drive along the arc, when both points lie on one directed arc with the origin
///    before the destination (same_arc_drive()).
/// Plain value: it holds no reference to the graph or the snapper.
struct Endpoint {
  struct Seed {
    NodeIndex node = 0;
    Cost cost = 0;               ///< between the point and `node`, in the graph's unit
    std::int64_t length_mm = 0;  ///< between the point and `node`; 0 when the graph has none
  };
  std::array<Seed, 2> seeds{};
  std::uint8_t num_seeds = 0;
  /// The point's arc, as snapped: for the same-arc case and for geometry. Nothing for a node.
  std::optional<Snap> on_arc;
  /// The same point on the opposite arc of a two-way road (Snapper::reverse); nothing on a
  /// oneway, or for a node.
  std::optional<Snap> on_reverse_arc;
  double snap_distance_m = 0;  ///< from the queried point to the road; 0 for a node

  std::span<const Seed> seed_span() const { return {seeds.data(), num_seeds}; }
};

/// A node itself: one seed, at cost 0.
Endpoint node_endpoint(NodeIndex node);

/// Leaving a snapped point. Seeds: the arc's head, after the rest of the arc
/// (cost_to_head(snap)); on a two-way road also its tail, after the rest of the reverse arc.
/// A point at an end of its arc (cost_from_tail == 0 or cost_to_head == 0 on an arc of positive
/// cost; t == 0 or t == 1 on a free one) is that node: one seed at cost 0, which may leave by
/// any arc of the node, even against a oneway it lies on. The snap must come from `snapper`.
Endpoint origin_endpoint(const Snap& snap, const Snapper& snapper);

/// Arriving at a snapped point. Seeds: the arc's tail, then the first part of the arc
/// (cost_from_tail(snap)); on a two-way road also its head, then the first part of the reverse
/// arc. A point at an end of its arc is that node, as for origin_endpoint().
Endpoint destination_endpoint(const Snap& snap, const Snapper& snapper);

/// The direct drive from `from`'s point to `to`'s point along one arc: when both lie on the same
/// directed arc (as snapped, or via the reverse arc of a two-way road) with from's point at or
/// before to's. Its cost is cost_from_tail(to) - cost_from_tail(from) on that arc (the length
/// likewise, -1 without lengths), the cheaper of the two directions when both qualify; status
/// ok, no hops, empty path. Nothing when no arc qualifies, or either is a node endpoint.
std::optional<RouteResult> same_arc_drive(const Endpoint& from, const Endpoint& to);

/// The route from `from` to `to` read from `tree`, the full tree of `from`
/// (RouteQuery::tree(from)): the least of tree.cost_to(to.seeds[j].node) + to.seeds[j].cost
/// over j, and of same_arc_drive(); the path, when asked for, runs from the origin seed's node
/// the tree left by to the chosen destination seed's node. Ties go to the direct drive, then to
/// the first seed. No allocation unless want_path: this is the worker's depot loop.
RouteResult route_from_tree(const ShortestPathTree& tree, const Endpoint& from, const Endpoint& to,
                            bool want_path = false);

/// The route's geometry as an encoded polyline (polyline.h, precision 6): the snapped start
/// point, the coordinates of r.path's nodes, the snapped end point (a node endpoint adds no
/// point of its own: its node is on the path). "" unless r.status == ok. Preconditions:
/// g.has_coordinates(), and r was computed with want_path for these endpoints.
std::string route_polyline(const RoadGraph& g, const Endpoint& from, const Endpoint& to,
                           const RouteResult& r);

/// The coordinates of `path`'s nodes, in order: the geometry of a route between two nodes, every
/// node kept (encode_polyline() makes it a polyline). Preconditions: g.has_coordinates(), and
/// every id is a node of g.
std::vector<Coordinate> path_coordinates(const RoadGraph& g, std::span<const NodeId> path);

}  // namespace waybill::router
