#include "router/endpoint.h"

#include <cassert>
#include <cmath>
#include <vector>

#include "router/polyline.h"

namespace waybill::router {
namespace {

// Where a snapped point is one of its arc's nodes. On an arc of positive cost the rounded costs
// decide: a point that costs nothing to reach from the tail is the tail, whatever its t (a few
// millimetres, at most half a cost unit, away). On a free arc both rounded costs are 0, and only
// a point exactly at an end is that node: a point inside a free oneway must still leave it
// forwards.
bool at_tail(const Snap& snap) {
  return cost_from_tail(snap) == 0 && (snap.cost > 0 || snap.t == 0);
}
bool at_head(const Snap& snap) { return cost_to_head(snap) == 0 && (snap.cost > 0 || snap.t == 1); }

// Lengths of seeds: 0 for a graph without lengths (the route's length is then -1 anyway).
std::int64_t known(std::int64_t length_mm) { return length_mm < 0 ? 0 : length_mm; }

// The seed of a route leaving a point: the arc's head, after the rest of the arc.
Endpoint::Seed leaving(const Snap& s) {
  return {s.head, cost_to_head(s), known(length_to_head(s))};
}
// The seed of a route arriving at a point: the arc's tail, before the first part of the arc.
Endpoint::Seed arriving(const Snap& s) {
  return {s.tail, cost_from_tail(s), known(length_from_tail(s))};
}

// The endpoint of a snapped point, leaving or arriving as `seed_of` says: seeded on its arc and,
// on a two-way road, on the reverse arc; or, at an end of its arc, at that node.
Endpoint snapped_endpoint(const Snap& snap, const Snapper& snapper,
                          Endpoint::Seed (*seed_of)(const Snap&)) {
  Endpoint e;
  e.on_arc = snap;
  e.on_reverse_arc = snapper.reverse(snap);
  e.snap_distance_m = snap.distance_m;
  if (at_tail(snap) || at_head(snap)) {
    e.seeds[e.num_seeds++] = {at_tail(snap) ? snap.tail : snap.head, 0, 0};
    return e;
  }
  e.seeds[e.num_seeds++] = seed_of(snap);
  if (const auto& back = e.on_reverse_arc) e.seeds[e.num_seeds++] = seed_of(*back);
  return e;
}

// The direct drive from a to b, both on the same directed arc, or nothing.
std::optional<RouteResult> drive_along(const Snap& a, const Snap& b) {
  if (a.tail != b.tail || a.head != b.head || !(a.t <= b.t)) return std::nullopt;
  RouteResult r;
  r.status = RouteStatus::ok;
  // Both are rounded from the same arc's cost, and the rounding is monotonic in t: >= 0.
  r.cost = cost_from_tail(b) - cost_from_tail(a);
  if (a.length_mm >= 0) r.length_mm = length_from_tail(b) - length_from_tail(a);
  return r;
}

Coordinate rounded(double lat_deg, double lon_deg) {
  return {static_cast<std::int32_t>(std::lround(lon_deg * 1e6)),
          static_cast<std::int32_t>(std::lround(lat_deg * 1e6))};
}

}  // namespace

Endpoint node_endpoint(NodeIndex node) {
  Endpoint e;
  e.seeds[0] = {node, 0, 0};
  e.num_seeds = 1;
  return e;
}

Endpoint origin_endpoint(const Snap& snap, const Snapper& snapper) {
  return snapped_endpoint(snap, snapper, leaving);
}

Endpoint destination_endpoint(const Snap& snap, const Snapper& snapper) {
  return snapped_endpoint(snap, snapper, arriving);
}

std::optional<RouteResult> same_arc_drive(const Endpoint& from, const Endpoint& to) {
  std::optional<RouteResult> best;
  for (const auto* a : {&from.on_arc, &from.on_reverse_arc}) {
    for (const auto* b : {&to.on_arc, &to.on_reverse_arc}) {
      if (!*a || !*b) continue;
      auto drive = drive_along(**a, **b);
      if (drive && (!best || drive->cost < best->cost)) best = std::move(drive);
    }
  }
  return best;
}

RouteResult route_from_tree(const ShortestPathTree& tree, const Endpoint& from, const Endpoint& to,
                            bool want_path) {
  const auto direct = same_arc_drive(from, to);
  Cost best = direct ? direct->cost : kInfiniteCost;
  const Endpoint::Seed* last = nullptr;
  for (const Endpoint::Seed& seed : to.seed_span()) {
    const Cost d = tree.cost_to(seed.node);
    if (d == kInfiniteCost) continue;
    if (d + seed.cost < best) {
      best = d + seed.cost;
      last = &seed;
    }
  }
  if (!last) {
    if (direct) return *direct;
    RouteResult none;
    none.status = RouteStatus::unreachable;
    return none;
  }
  RouteResult r = tree.route_to(last->node, want_path);
  r.cost = best;
  if (r.length_mm >= 0) r.length_mm += last->length_mm;
  return r;
}

std::string route_polyline(const RoadGraph& g, const Endpoint& from, const Endpoint& to,
                           const RouteResult& r) {
  if (r.status != RouteStatus::ok) return "";
  assert(g.has_coordinates());
  std::vector<Coordinate> points;
  points.reserve(r.path.size() + 2);
  // A point snapped next to a node rounds to (or near) the node's own microdegrees: drop
  // repeats, which draw nothing.
  const auto add = [&points](Coordinate c) {
    if (points.empty() || !(points.back() == c)) points.push_back(c);
  };
  if (from.on_arc) add(rounded(from.on_arc->lat_deg, from.on_arc->lon_deg));
  for (const NodeId id : r.path) add(g.coordinate(*g.index_of(id)));
  if (to.on_arc) add(rounded(to.on_arc->lat_deg, to.on_arc->lon_deg));
  return encode_polyline(points);
}

std::vector<Coordinate> path_coordinates(const RoadGraph& g, std::span<const NodeId> path) {
  assert(g.has_coordinates());
  std::vector<Coordinate> points;
  points.reserve(path.size());
  for (const NodeId id : path) points.push_back(g.coordinate(*g.index_of(id)));
  return points;
}

}  // namespace waybill::router
