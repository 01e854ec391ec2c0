// Test support for the router: random graphs, a naive shortest-path reference and result checks.
// The reference is a textbook O(V^2) Dijkstra over a matrix of cheapest arcs, simple enough to
// trust by reading.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/test_seed.h"
#include "router/graph.h"
#include "router/shortest_path.h"
#include "router/types.h"

namespace waybill::router::testing {

/// The seed of the random tests: $WAYBILL_TEST_SEED when set, else a fixed value.
inline std::uint64_t test_seed() { return seed_from_env(); }
using waybill::seed_trace;

/// Random points, uniform over a box of latitudes and longitudes in degrees.
class RandomPoints {
 public:
  RandomPoints(double lat0, double lat1, double lon0, double lon1)
      : m_lat(lat0, lat1), m_lon(lon0, lon1) {}
  /// Latitude and longitude, drawn in that order.
  std::pair<double, double> operator()(std::mt19937_64& rng) {
    const double lat = m_lat(rng);
    return {lat, m_lon(rng)};
  }

 private:
  std::uniform_real_distribution<double> m_lat;
  std::uniform_real_distribution<double> m_lon;
};

/// A graph as the caller hands it to RoadGraph::build, in external ids.
struct TestGraph {
  std::vector<NodeId> ids;  // build order, not sorted
  std::vector<Arc> arcs;
};

/// A DIMACS-like listing of the graph, printed with a failure.
inline std::string describe(const TestGraph& g) {
  std::ostringstream out;
  out << "nodes:";
  for (NodeId id : g.ids) out << ' ' << to_int(id);
  out << "\narcs:";
  for (const Arc& a : g.arcs)
    out << ' ' << to_int(a.tail) << "->" << to_int(a.head) << ':' << a.cost;
  return out.str();
}

/// A random graph of min_nodes..max_nodes nodes, with ids that are sometimes 1..n and sometimes
/// scattered over the whole int64 range; arcs within 1..3 components (plus a few one-way arcs
/// between them), with parallel arcs, self-loops, zero-cost arcs and sometimes large costs.
inline TestGraph random_graph(std::mt19937_64& rng, std::size_t min_nodes, std::size_t max_nodes) {
  auto uniform = [&rng](std::int64_t lo, std::int64_t hi) {
    return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng);
  };
  TestGraph g;
  const auto n = static_cast<std::size_t>(
      uniform(static_cast<std::int64_t>(min_nodes), static_cast<std::int64_t>(max_nodes)));
  const auto id_scheme = uniform(0, 3);
  std::set<std::int64_t> used;
  while (used.size() < n) {
    switch (id_scheme) {
      case 0:
        used.insert(static_cast<std::int64_t>(used.size()) + 1);
        break;  // DIMACS 1..n
      case 1:
        used.insert(uniform(1, 1'000'000'000'000));
        break;  // OSM-like
      case 2:   // anywhere, negative and extreme ids included
        used.insert(uniform(std::numeric_limits<std::int64_t>::min(),
                            std::numeric_limits<std::int64_t>::max()));
        break;
      default:  // dense with gaps, around zero
        used.insert(uniform(-50, 4 * static_cast<std::int64_t>(n)));
        break;
    }
  }
  for (std::int64_t id : used) g.ids.push_back(NodeId{id});
  std::shuffle(g.ids.begin(), g.ids.end(), rng);

  const auto components = uniform(1, 3);
  std::vector<std::vector<NodeId>> parts(static_cast<std::size_t>(components));
  for (NodeId id : g.ids) parts[static_cast<std::size_t>(uniform(0, components - 1))].push_back(id);
  std::erase_if(parts, [](const auto& p) { return p.empty(); });
  auto pick = [&](const std::vector<NodeId>& part) {
    return part[static_cast<std::size_t>(uniform(0, static_cast<std::int64_t>(part.size()) - 1))];
  };
  const bool large_costs = uniform(0, 4) == 0;
  auto cost = [&]() -> Cost {
    if (uniform(0, 9) == 0) return 0;
    return large_costs ? uniform(0, 1'000'000'000'000) : uniform(0, 20);
  };
  const auto m = uniform(0, 3 * static_cast<std::int64_t>(n));
  for (std::int64_t i = 0; i < m; ++i) {
    const auto& part =
        parts[static_cast<std::size_t>(uniform(0, static_cast<std::int64_t>(parts.size()) - 1))];
    const auto kind = uniform(0, 19);
    if (kind == 0) {
      const NodeId u = pick(part);
      g.arcs.push_back({u, u, cost()});  // self-loop
    } else if (kind <= 2 && !g.arcs.empty()) {
      Arc parallel = g.arcs[static_cast<std::size_t>(
          uniform(0, static_cast<std::int64_t>(g.arcs.size()) - 1))];
      parallel.cost = cost();
      g.arcs.push_back(parallel);
    } else if (kind == 3 && parts.size() > 1) {  // one way from an earlier part to a later one
      const auto a = uniform(0, static_cast<std::int64_t>(parts.size()) - 2);
      const auto b = uniform(a + 1, static_cast<std::int64_t>(parts.size()) - 1);
      g.arcs.push_back({pick(parts[static_cast<std::size_t>(a)]),
                        pick(parts[static_cast<std::size_t>(b)]), cost()});
    } else {
      g.arcs.push_back({pick(part), pick(part), cost()});
    }
  }
  std::shuffle(g.arcs.begin(), g.arcs.end(), rng);
  return g;
}

/// Distances from one origin, by the reference.
struct ReferenceTree {
  std::vector<Cost> dist;               // kInfiniteCost when unreachable
  std::vector<std::uint32_t> min_hops;  // fewest arcs over all shortest paths
};

/// The naive reference over a TestGraph.
class ReferenceGraph {
 public:
  explicit ReferenceGraph(const TestGraph& g)
      : m_ids(g.ids), m_cheapest(g.ids.size() * g.ids.size()) {
    for (std::size_t i = 0; i < m_ids.size(); ++i) m_position[to_int(m_ids[i])] = i;
    for (const Arc& a : g.arcs) {
      if (a.tail == a.head) continue;
      auto& c = m_cheapest[slot(*position(a.tail), *position(a.head))];
      if (!c || a.cost < *c) c = a.cost;
    }
  }

  std::size_t size() const { return m_ids.size(); }
  const std::vector<NodeId>& ids() const { return m_ids; }
  bool contains(NodeId id) const { return position(id).has_value(); }

  /// The cost of the cheapest arc u->v (u != v), or nothing.
  std::optional<Cost> cheapest_arc(NodeId u, NodeId v) const {
    const auto pu = position(u);
    const auto pv = position(v);
    if (!pu || !pv || *pu == *pv) return std::nullopt;
    return m_cheapest[slot(*pu, *pv)];
  }

  /// Dijkstra on (cost, hops) pairs: every node once, picking the closest unsettled one.
  ReferenceTree from(NodeId origin) const {
    const std::size_t n = m_ids.size();
    ReferenceTree t{std::vector<Cost>(n, kInfiniteCost),
                    std::vector<std::uint32_t>(n, std::numeric_limits<std::uint32_t>::max())};
    std::vector<bool> done(n, false);
    const std::size_t s = *position(origin);
    t.dist[s] = 0;
    t.min_hops[s] = 0;
    for (std::size_t round = 0; round < n; ++round) {
      std::optional<std::size_t> u;
      for (std::size_t v = 0; v < n; ++v) {
        if (done[v] || t.dist[v] == kInfiniteCost) continue;
        if (!u || std::pair(t.dist[v], t.min_hops[v]) < std::pair(t.dist[*u], t.min_hops[*u]))
          u = v;
      }
      if (!u) break;
      done[*u] = true;
      for (std::size_t v = 0; v < n; ++v) {
        const auto& c = m_cheapest[slot(*u, v)];
        if (!c || done[v]) continue;
        const std::pair<Cost, std::uint32_t> via(t.dist[*u] + *c, t.min_hops[*u] + 1);
        if (via < std::pair(t.dist[v], t.min_hops[v])) std::tie(t.dist[v], t.min_hops[v]) = via;
      }
    }
    return t;
  }

  Cost dist(const ReferenceTree& t, NodeId id) const { return t.dist[*position(id)]; }
  std::uint32_t min_hops(const ReferenceTree& t, NodeId id) const {
    return t.min_hops[*position(id)];
  }

 private:
  std::optional<std::size_t> position(NodeId id) const {
    const auto it = m_position.find(to_int(id));
    if (it == m_position.end()) return std::nullopt;
    return it->second;
  }
  std::size_t slot(std::size_t u, std::size_t v) const { return u * m_ids.size() + v; }

  std::vector<NodeId> m_ids;
  std::unordered_map<std::int64_t, std::size_t> m_position;
  std::vector<std::optional<Cost>> m_cheapest;  // row-major [tail][head]
};

/// Checks that `path` is a real path origin .. destination without repeated nodes, whose
/// consecutive nodes are joined by arcs whose cheapest costs sum to `cost`. `cheapest_arc(u, v)`
/// returns std::optional<Cost>.
template <class CheapestArc>
::testing::AssertionResult is_path_of_cost(const std::vector<NodeId>& path, NodeId origin,
                                           NodeId destination, Cost cost,
                                           const CheapestArc& cheapest_arc) {
  if (path.empty()) return ::testing::AssertionFailure() << "the path is empty";
  if (path.front() != origin) {
    return ::testing::AssertionFailure() << "the path starts at " << to_int(path.front());
  }
  if (path.back() != destination) {
    return ::testing::AssertionFailure() << "the path ends at " << to_int(path.back());
  }
  std::set<NodeId> seen(path.begin(), path.end());
  if (seen.size() != path.size()) return ::testing::AssertionFailure() << "the path repeats a node";
  Cost sum = 0;
  for (std::size_t i = 0; i + 1 < path.size(); ++i) {
    const std::optional<Cost> c = cheapest_arc(path[i], path[i + 1]);
    if (!c) {
      return ::testing::AssertionFailure()
             << "no arc " << to_int(path[i]) << "->" << to_int(path[i + 1]) << " at step " << i;
    }
    sum += *c;
  }
  if (sum != cost) {
    return ::testing::AssertionFailure() << "the path's arcs sum to " << sum << ", not " << cost;
  }
  return ::testing::AssertionSuccess();
}

/// Checks one RouteResult against the reference tree of `origin` (ignored when the origin is
/// unknown).
inline ::testing::AssertionResult matches_reference(const ReferenceGraph& ref,
                                                    const ReferenceTree* tree, NodeId origin,
                                                    NodeId destination, const RouteResult& r,
                                                    bool want_path) {
  auto fail = [&]() {
    return ::testing::AssertionFailure()
           << to_int(origin) << " -> " << to_int(destination) << " (want_path=" << want_path
           << ", got " << to_string(r.status) << " cost " << r.cost << " hops " << r.hops
           << " path of " << r.path.size() << " nodes): ";
  };
  RouteStatus expected = RouteStatus::ok;
  if (!ref.contains(origin) || !ref.contains(destination)) {
    expected = RouteStatus::unknown_node;
  } else if (ref.dist(*tree, destination) == kInfiniteCost) {
    expected = RouteStatus::unreachable;
  }
  if (r.status != expected) return fail() << "expected status " << to_string(expected);
  if (expected != RouteStatus::ok) {
    if (r.cost != kInfiniteCost || r.hops != 0 || !r.path.empty()) {
      return fail() << "a failed route must have cost kInfiniteCost, 0 hops and no path";
    }
    return ::testing::AssertionSuccess();
  }
  const Cost cost = ref.dist(*tree, destination);
  if (r.cost != cost) return fail() << "expected cost " << cost;
  const std::uint32_t min_hops = ref.min_hops(*tree, destination);
  if (r.hops < min_hops || r.hops >= std::max<std::size_t>(ref.size(), 1)) {
    return fail() << "hops outside " << min_hops << ".." << ref.size() - 1;
  }
  if (!want_path) {
    if (!r.path.empty()) return fail() << "a path was not asked for";
    return ::testing::AssertionSuccess();
  }
  if (r.path.size() != r.hops + 1) return fail() << "hops != path length - 1";
  auto cheapest = [&ref](NodeId u, NodeId v) { return ref.cheapest_arc(u, v); };
  if (auto ok = is_path_of_cost(r.path, origin, destination, cost, cheapest); !ok) {
    return fail() << ok.message();
  }
  return ::testing::AssertionSuccess();
}

/// An id that `ref` does not hold: extremes first, then scattered values.
inline NodeId unknown_id(const ReferenceGraph& ref, std::mt19937_64& rng) {
  for (std::int64_t id : {std::numeric_limits<std::int64_t>::max(),
                          std::numeric_limits<std::int64_t>::min(), std::int64_t{0}}) {
    if (!ref.contains(NodeId{id}) && rng() % 3 == 0) return NodeId{id};
  }
  for (;;) {
    const NodeId id{static_cast<std::int64_t>(rng())};
    if (!ref.contains(id)) return id;
  }
}

}  // namespace waybill::router::testing
