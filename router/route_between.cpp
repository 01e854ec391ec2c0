#include "router/route_between.h"

namespace waybill::router {
namespace {

SnappedEnd snap_end(const Snapper& snapper, double lat_deg, double lon_deg, double radius_m,
                    Endpoint (*endpoint_of)(const Snap&, const Snapper&)) {
  SnappedEnd end;
  if (const auto snap = snapper.snap(lat_deg, lon_deg, radius_m)) {
    end.endpoint = endpoint_of(*snap, snapper);
  } else {
    end.why = snapper.why_unsnappable(lat_deg, lon_deg, radius_m);
  }
  return end;
}

}  // namespace

SnappedEnd snap_origin(const Snapper& snapper, double lat_deg, double lon_deg, double radius_m) {
  return snap_end(snapper, lat_deg, lon_deg, radius_m, origin_endpoint);
}

SnappedEnd snap_destination(const Snapper& snapper, double lat_deg, double lon_deg,
                            double radius_m) {
  return snap_end(snapper, lat_deg, lon_deg, radius_m, destination_endpoint);
}

PointRoute route_between(const RoadGraph& graph, RouteQuery& query,
                         const ShortestPathTree* from_tree, const Endpoint& from,
                         const Endpoint& to, bool want_path) {
  PointRoute r;
  r.route = from_tree ? route_from_tree(*from_tree, from, to, want_path)
                      : query.between(from, to, want_path);
  if (want_path) r.polyline = route_polyline(graph, from, to, r.route);
  return r;
}

PointRoute route_between(const RoadGraph& graph, ChQuery& query, const Endpoint& from,
                         const Endpoint& to, bool want_path) {
  PointRoute r;
  r.route = query.between(from, to, want_path);
  if (want_path) r.polyline = route_polyline(graph, from, to, r.route);
  return r;
}

}  // namespace waybill::router
