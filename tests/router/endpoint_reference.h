// Test support for routes between snapped points: a brute force that answers them by every
// combination of the ways a point can leave and be reached, each searched by a textbook O(V^2)
// Dijkstra, and the direct drive along one arc; the check of a route against it; and random
// towns with coordinates to snap in. The brute force builds its own seeds from the snaps, from
// the rules of snap.h and endpoint.h written out again, and knows the arcs from its own list.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <numeric>
#include <optional>
#include <random>
#include <set>
#include <utility>
#include <vector>

#include "router/endpoint.h"
#include "router/geo.h"
#include "router/graph.h"
#include "router/shortest_path.h"
#include "router/snap.h"
#include "tests/router/reference.h"

namespace waybill::router::testing {

/// One arc of the brute force, by dense index.
struct BruteArc {
  Cost cost;
  std::int64_t length_mm;
};

/// A route candidate: its cost, and the least and greatest length over the cheapest paths that
/// give it (equally cheap paths may differ in length, and a router may return any of them).
struct Candidate {
  Cost cost = kInfiniteCost;
  std::int64_t min_length = 0;
  std::int64_t max_length = 0;
};

class BruteForce {
 public:
  BruteForce(const RoadGraph& graph, const std::vector<Arc>& arcs) : m_n(graph.num_nodes()) {
    for (const Arc& a : arcs) {
      m_arcs[{*graph.index_of(a.tail), *graph.index_of(a.head)}] = {a.cost, a.length_mm};
    }
  }

  /// The cheapest route from snapped point `o` to snapped point `d`.
  Candidate route(const Snap& o, const Snap& d) const {
    std::vector<Candidate> all;
    const std::vector<Seed> leave = origin_seeds(o);
    const std::vector<Seed> reach = destination_seeds(d);
    for (const Seed& a : leave) {
      const Tree t = dijkstra(a.node);
      for (const Seed& b : reach) {
        if (t.dist[b.node] == kInfiniteCost) continue;
        all.push_back({a.cost + t.dist[b.node] + b.cost, a.length + t.min_length[b.node] + b.length,
                       a.length + t.max_length[b.node] + b.length});
      }
    }
    // The direct drive, on each arc the two points share.
    for (const Snap& x : on_arcs(o)) {
      for (const Snap& y : on_arcs(d)) {
        if (x.tail != y.tail || x.head != y.head || x.t > y.t) continue;
        const std::int64_t length = length_from_tail(y) - length_from_tail(x);
        all.push_back({cost_from_tail(y) - cost_from_tail(x), length, length});
      }
    }
    Candidate best;
    for (const Candidate& c : all) best.cost = std::min(best.cost, c.cost);
    bool first = true;
    for (const Candidate& c : all) {
      if (c.cost != best.cost) continue;
      best.min_length = first ? c.min_length : std::min(best.min_length, c.min_length);
      best.max_length = first ? c.max_length : std::max(best.max_length, c.max_length);
      first = false;
    }
    return best;
  }

  std::optional<BruteArc> arc(NodeIndex u, NodeIndex v) const {
    const auto it = m_arcs.find({u, v});
    if (it == m_arcs.end()) return std::nullopt;
    return it->second;
  }

  /// The same point on the arc the other way, from the brute force's own arcs.
  std::optional<Snap> reverse(const Snap& s) const {
    const auto back = arc(s.head, s.tail);
    if (!back) return std::nullopt;
    Snap r = s;
    std::swap(r.tail, r.head);
    r.cost = back->cost;
    r.length_mm = back->length_mm;
    r.t = 1 - s.t;
    return r;
  }

 private:
  struct Seed {
    NodeIndex node;
    Cost cost;
    std::int64_t length;
  };
  struct Tree {
    std::vector<Cost> dist;
    std::vector<std::int64_t> min_length, max_length;
  };

  std::vector<Snap> on_arcs(const Snap& s) const {
    std::vector<Snap> out{s};
    if (const auto r = reverse(s)) out.push_back(*r);
    return out;
  }

  // A point at an end of its arc is that node (on a free arc, only exactly at the end).
  static std::optional<NodeIndex> at_node(const Snap& s) {
    if (cost_from_tail(s) == 0 && (s.cost > 0 || s.t == 0)) return s.tail;
    if (cost_to_head(s) == 0 && (s.cost > 0 || s.t == 1)) return s.head;
    return std::nullopt;
  }

  std::vector<Seed> origin_seeds(const Snap& s) const {
    if (const auto node = at_node(s)) return {{*node, 0, 0}};
    std::vector<Seed> out;
    for (const Snap& x : on_arcs(s)) out.push_back({x.head, cost_to_head(x), length_to_head(x)});
    return out;
  }

  std::vector<Seed> destination_seeds(const Snap& s) const {
    if (const auto node = at_node(s)) return {{*node, 0, 0}};
    std::vector<Seed> out;
    for (const Snap& x : on_arcs(s)) {
      out.push_back({x.tail, cost_from_tail(x), length_from_tail(x)});
    }
    return out;
  }

  // Dijkstra by picking the closest unsettled node; then the lengths over the cheapest paths,
  // node by node in distance order (every arc costs at least 1, so a predecessor on a cheapest
  // path is strictly closer).
  Tree dijkstra(NodeIndex source) const {
    Tree t{std::vector<Cost>(m_n, kInfiniteCost), std::vector<std::int64_t>(m_n, 0),
           std::vector<std::int64_t>(m_n, 0)};
    std::vector<bool> done(m_n, false);
    t.dist[source] = 0;
    for (;;) {
      std::optional<NodeIndex> u;
      for (NodeIndex v = 0; v < m_n; ++v) {
        if (!done[v] && t.dist[v] != kInfiniteCost && (!u || t.dist[v] < t.dist[*u])) u = v;
      }
      if (!u) break;
      done[*u] = true;
      for (NodeIndex v = 0; v < m_n; ++v) {
        const auto a = arc(*u, v);
        if (a && t.dist[*u] + a->cost < t.dist[v]) t.dist[v] = t.dist[*u] + a->cost;
      }
    }
    std::vector<NodeIndex> order(m_n);
    std::iota(order.begin(), order.end(), 0u);
    std::sort(order.begin(), order.end(),
              [&](NodeIndex a, NodeIndex b) { return t.dist[a] < t.dist[b]; });
    for (const NodeIndex v : order) {
      if (v == source || t.dist[v] == kInfiniteCost) continue;
      bool first = true;
      for (NodeIndex u = 0; u < m_n; ++u) {
        const auto a = arc(u, v);
        if (!a || t.dist[u] == kInfiniteCost || t.dist[u] + a->cost != t.dist[v]) continue;
        const std::int64_t lo = t.min_length[u] + a->length_mm;
        const std::int64_t hi = t.max_length[u] + a->length_mm;
        t.min_length[v] = first ? lo : std::min(t.min_length[v], lo);
        t.max_length[v] = first ? hi : std::max(t.max_length[v], hi);
        first = false;
      }
    }
    return t;
  }

  std::size_t m_n;
  std::map<std::pair<NodeIndex, NodeIndex>, BruteArc> m_arcs;
};

/// Checks a route against the brute force's answer: status, cost, length within the range of
/// the cheapest paths, and with the path, that its arcs and its ends' seeds make up the cost and
/// the length exactly.
inline ::testing::AssertionResult matches(const BruteForce& brute, const RoadGraph& graph,
                                          const Endpoint& from, const Endpoint& to,
                                          const Candidate& want, const RouteResult& r,
                                          bool want_path) {
  auto fail = [&] {
    return ::testing::AssertionFailure()
           << "got " << to_string(r.status) << " cost " << r.cost << " length " << r.length_mm
           << " hops " << r.hops << " path of " << r.path.size() << "; want cost " << want.cost
           << " length " << want.min_length << ".." << want.max_length << ": ";
  };
  if (want.cost == kInfiniteCost) {
    if (r.status != RouteStatus::unreachable || r.cost != kInfiniteCost || r.length_mm != -1 ||
        r.hops != 0 || !r.path.empty()) {
      return fail() << "expected unreachable";
    }
    return ::testing::AssertionSuccess();
  }
  if (r.status != RouteStatus::ok) return fail() << "expected ok";
  if (r.cost != want.cost) return fail() << "wrong cost";
  if (r.length_mm < want.min_length || r.length_mm > want.max_length) {
    return fail() << "length outside the cheapest paths' range";
  }
  if (!want_path) {
    if (!r.path.empty()) return fail() << "a path was not asked for";
    return ::testing::AssertionSuccess();
  }
  if (r.path.empty()) {  // the direct drive along one arc
    const auto direct = same_arc_drive(from, to);
    if (!direct || direct->cost != r.cost || direct->length_mm != r.length_mm || r.hops != 0) {
      return fail() << "an empty path must be the direct drive";
    }
    return ::testing::AssertionSuccess();
  }
  if (r.hops + 1 != r.path.size()) return fail() << "hops != path length - 1";
  const NodeIndex first = *graph.index_of(r.path.front());
  const NodeIndex last = *graph.index_of(r.path.back());
  const auto seed = [](const Endpoint& e, NodeIndex node) -> const Endpoint::Seed* {
    for (const Endpoint::Seed& s : e.seed_span()) {
      if (s.node == node) return &s;
    }
    return nullptr;
  };
  const Endpoint::Seed* a = seed(from, first);
  const Endpoint::Seed* b = seed(to, last);
  if (!a || !b) return fail() << "the path does not run from an origin seed to a destination seed";
  Cost cost = a->cost + b->cost;
  std::int64_t length = a->length_mm + b->length_mm;
  for (std::size_t i = 1; i < r.path.size(); ++i) {
    const auto step = brute.arc(*graph.index_of(r.path[i - 1]), *graph.index_of(r.path[i]));
    if (!step) return fail() << "step " << i << " of the path is no arc";
    cost += step->cost;
    length += step->length_mm;
  }
  if (cost != r.cost || length != r.length_mm) {
    return fail() << "the path and its seeds add up to cost " << cost << " length " << length;
  }
  return ::testing::AssertionSuccess();
}

/// A random road network around Monaco: nodes scattered over 2 km (a few on one spot), roads
/// between random pairs (one in three oneway), each direction with a cost of its own (small, so
/// that equal costs are common, or large) and the road's length: a little over the straight
/// line, as roads bend.
struct RandomTown {
  RoadGraph graph;
  std::vector<Arc> arcs;
};

inline RandomTown random_town(std::mt19937_64& rng, int n) {
  std::uniform_int_distribution<std::int32_t> dlat(-9'000, 9'000);
  std::uniform_int_distribution<std::int32_t> dlon(-12'000, 12'000);
  std::uniform_int_distribution<int> node(0, n - 1);
  const bool small_costs = rng() % 2 == 0;
  std::uniform_int_distribution<Cost> cost(1, small_costs ? 20 : 1'000'000);
  std::uniform_real_distribution<double> bend(1.0, 1.5);
  std::vector<NodeId> ids;
  std::vector<Coordinate> coords;
  for (int i = 0; i < n; ++i) {
    ids.push_back(NodeId{5000 - 7 * i});
    coords.push_back(i % 10 == 1 ? coords.back()
                                 : Coordinate{7'420'000 + dlon(rng), 43'730'000 + dlat(rng)});
  }
  std::vector<Arc> arcs;
  std::set<std::pair<int, int>> roads;
  for (int i = 0; i < n * 3 / 2; ++i) {
    const int u = node(rng);
    const int v = node(rng);
    if (u == v || roads.count({u, v}) || roads.count({v, u})) continue;
    roads.insert({u, v});
    const Coordinate a = coords[static_cast<std::size_t>(u)];
    const Coordinate b = coords[static_cast<std::size_t>(v)];
    const auto length =
        std::llround(bend(rng) * 1000 *
                     haversine_m(a.lon_e6 / 1e6, a.lat_e6 / 1e6, b.lon_e6 / 1e6, b.lat_e6 / 1e6));
    const int kind = static_cast<int>(rng() % 3);
    const NodeId tail = ids[static_cast<std::size_t>(u)];
    const NodeId head = ids[static_cast<std::size_t>(v)];
    if (kind != 1) arcs.push_back({tail, head, cost(rng), length});
    if (kind != 2) arcs.push_back({head, tail, cost(rng), length});
  }
  RoadGraph graph = RoadGraph::build(ids, arcs, coords);
  return {std::move(graph), std::move(arcs)};
}

/// The length of route `r` from `from` to `to` by its path (not empty): its arcs' lengths in
/// `g`, plus the seeds' at the ends it runs from and to. Precondition: g.has_lengths().
inline std::int64_t seeded_path_length(const RoadGraph& g, const Endpoint& from, const Endpoint& to,
                                       const RouteResult& r) {
  std::int64_t length = 0;
  for (std::size_t i = 1; i < r.path.size(); ++i) {
    length += g.length_mm(*g.find_arc(*g.index_of(r.path[i - 1]), *g.index_of(r.path[i])));
  }
  for (const Endpoint::Seed& x : from.seed_span()) {
    if (g.id_of(x.node) == r.path.front()) length += x.length_mm;
  }
  for (const Endpoint::Seed& y : to.seed_span()) {
    if (g.id_of(y.node) == r.path.back()) length += y.length_mm;
  }
  return length;
}

/// `count` random points of `graph`, snapped (within 5 km): most anywhere in `random_point`'s
/// box, every sixth exactly on a node, every sixth next to the previous point on its arc.
inline std::vector<Snap> random_snaps(std::mt19937_64& rng, const RoadGraph& graph,
                                      const Snapper& snapper, RandomPoints& random_point,
                                      int count) {
  std::vector<Snap> points;
  for (int i = 0; i < count; ++i) {
    std::optional<Snap> s;
    if (i % 6 == 1 && graph.num_nodes() > 0) {
      const Coordinate c = graph.coordinate(static_cast<NodeIndex>(rng() % graph.num_nodes()));
      s = snapper.snap(c.lat_e6 / 1e6, c.lon_e6 / 1e6, 5000);
    } else if (i % 6 == 3 && !points.empty()) {
      const Snap& p = points.back();
      const Coordinate a = graph.coordinate(p.tail);
      const Coordinate b = graph.coordinate(p.head);
      const double t = std::uniform_real_distribution<double>(0, 1)(rng);
      s = snapper.snap((a.lat_e6 + t * (b.lat_e6 - a.lat_e6)) / 1e6,
                       (a.lon_e6 + t * (b.lon_e6 - a.lon_e6)) / 1e6, 5000);
    } else {
      const auto [lat, lon] = random_point(rng);
      s = snapper.snap(lat, lon, 5000);
    }
    if (s) points.push_back(*s);
  }
  return points;
}

}  // namespace waybill::router::testing
