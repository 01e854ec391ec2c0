// Routes between two points given in degrees, as the worker, `waybill route` and `waybill render`
// answer a job in the coordinate form: snap each point onto the nearest road (snap.h), route
// between the snapped points (endpoint.h), and draw the route as an encoded polyline.
#pragma once

#include <optional>
#include <string>

#include "router/ch_query.h"
#include "router/endpoint.h"
#include "router/graph.h"
#include "router/shortest_path.h"
#include "router/snap.h"

namespace waybill::router {

/// A point snapped as one end of a route: its endpoint, or why it did not snap.
struct SnappedEnd {
  std::optional<Endpoint> endpoint;  ///< nothing when no road lies within the radius
  std::string why;                   ///< Snapper::why_unsnappable when there is no endpoint
};

/// (lat_deg, lon_deg) snapped within `radius_m` as the start of a route (origin_endpoint).
SnappedEnd snap_origin(const Snapper& snapper, double lat_deg, double lon_deg, double radius_m);
/// (lat_deg, lon_deg) snapped within `radius_m` as the end of a route (destination_endpoint).
SnappedEnd snap_destination(const Snapper& snapper, double lat_deg, double lon_deg,
                            double radius_m);

/// A route between two snapped points, with its geometry.
struct PointRoute {
  RouteResult route;     ///< status ok or unreachable
  std::string polyline;  ///< route_polyline() when asked for and ok; "" otherwise
};

/// The route from `from` to `to`, both snapped by the same snapper: read from `from_tree`, the
/// full tree of `from` (RouteQuery::tree(from), worth growing for a depot), when given; searched
/// with `query` (RouteQuery::between) otherwise. With `want_path`, the path and its polyline too.
/// Preconditions: `query` and the tree are over `graph`; with want_path, graph.has_coordinates().
PointRoute route_between(const RoadGraph& graph, RouteQuery& query,
                         const ShortestPathTree* from_tree, const Endpoint& from,
                         const Endpoint& to, bool want_path);
/// The same answer searched on the graph's contraction hierarchy (ChQuery::between).
PointRoute route_between(const RoadGraph& graph, ChQuery& query, const Endpoint& from,
                         const Endpoint& to, bool want_path);

}  // namespace waybill::router
