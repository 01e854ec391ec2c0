#include "worker/chunk_router.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "router/polyline.h"

namespace waybill::worker {
namespace {

using router::Endpoint;
using router::RouteResult;

/// The outcome of a routed job; the caller sets snap distances for coordinate jobs.
wire::JobOutcome outcome(std::uint32_t seq, const RouteResult& r) {
  wire::JobOutcome o;
  o.seq = seq;
  switch (r.status) {
    case router::RouteStatus::ok:
      o.status = wire::JobStatus::ok;
      o.cost = r.cost;
      o.hops = r.hops;
      o.length_mm = r.length_mm;
      break;
    case router::RouteStatus::unreachable: o.status = wire::JobStatus::unreachable; break;
    case router::RouteStatus::unknown_node: o.status = wire::JobStatus::unknown_node; break;
  }
  return o;
}

wire::JobOutcome unsnappable(std::uint32_t seq, std::string why) {
  wire::JobOutcome o;
  o.seq = seq;
  o.status = wire::JobStatus::unsnappable;
  o.detail = std::move(why);
  return o;
}

/// Job indices of `jobs` sorted by `key`, so that jobs of one key are neighbours. Each job's
/// key is computed once, not once per comparison.
template <class Key>
std::vector<std::uint32_t> grouped(const std::vector<wire::JobSpec>& jobs, Key key) {
  std::vector<std::pair<decltype(key(jobs.front())), std::uint32_t>> keyed;
  keyed.reserve(jobs.size());
  for (std::uint32_t k = 0; k < jobs.size(); ++k) keyed.emplace_back(key(jobs[k]), k);
  std::sort(keyed.begin(), keyed.end());
  std::vector<std::uint32_t> order;
  order.reserve(keyed.size());
  for (const auto& [ignored, k] : keyed) order.push_back(k);
  return order;
}

/// The Z-order (Morton) key of a point: nearby points get nearby keys, so that snapping points
/// in key order walks the R*-tree's nodes while they are still in cache.
std::uint64_t z_order(const wire::LatLon& p) {
  // 32 bits a coordinate, ~4.7 mm of latitude a step; out-of-range points just sort at an end.
  const auto quantise = [](double v, double lo, double span) {
    const double f = std::clamp((v - lo) / span, 0.0, 1.0);
    return static_cast<std::uint64_t>(f * 4294967295.0);
  };
  const auto spread = [](std::uint64_t x) {  // bit i goes to bit 2i
    x = (x | (x << 16)) & 0x0000FFFF0000FFFFull;
    x = (x | (x << 8)) & 0x00FF00FF00FF00FFull;
    x = (x | (x << 4)) & 0x0F0F0F0F0F0F0F0Full;
    x = (x | (x << 2)) & 0x3333333333333333ull;
    x = (x | (x << 1)) & 0x5555555555555555ull;
    return x;
  };
  return spread(quantise(p.lat, -90, 180)) << 1 | spread(quantise(p.lon, -180, 360));
}

}  // namespace

ChunkRouter::ChunkRouter(const router::RoadGraph& graph, const router::ContractionHierarchy* ch,
                         const router::Landmarks* landmarks, const router::Snapper* snapper,
                         router::TreeCache& trees)
    : m_graph(&graph), m_snapper(snapper), m_trees(&trees), m_query(graph, landmarks) {
  if (ch) m_ch.emplace(graph, *ch);
}

std::vector<wire::JobOutcome> ChunkRouter::route(const wire::Lease& lease) {
  std::vector<wire::JobOutcome> out(lease.jobs.size());
  if (m_batches.size() >= kBatchesMax) m_batches.clear();
  const bool first = m_batches.insert(lease.batch_id).second;
  const std::size_t new_trees = first ? 0 : kNewTreesPerChunk;
  if (!lease.jobs.empty() && lease.jobs.front().points) {
    route_points(lease, new_trees, out);
  } else {
    route_nodes(lease, new_trees, out);
  }
  return out;
}

namespace {

/// Whether a tree may be computed now: always without a budget, else while it lasts.
bool spend(std::size_t* budget) {
  if (!budget) return true;
  if (*budget == 0) return false;
  --*budget;
  return true;
}

}  // namespace

std::shared_ptr<const router::ShortestPathTree> ChunkRouter::tree(router::NodeIndex origin,
                                                                  std::size_t* budget) {
  return m_trees->get(origin, [&]() -> std::shared_ptr<const router::ShortestPathTree> {
    if (!spend(budget)) return nullptr;
    return m_query.tree(m_graph->id_of(origin));
  });
}

std::shared_ptr<const router::ShortestPathTree> ChunkRouter::tree(const Endpoint& from,
                                                                  std::size_t* budget) {
  // A point on a node grows the node's tree (the same cache key), computed the faster way.
  const auto& first = from.seeds[0];
  if (from.num_seeds == 1 && first.cost == 0 && first.length_mm == 0) {
    return tree(first.node, budget);
  }
  return m_trees->get(from, [&]() -> std::shared_ptr<const router::ShortestPathTree> {
    if (!spend(budget)) return nullptr;
    return m_query.tree(from);
  });
}

void ChunkRouter::route_nodes(const wire::Lease& lease, std::size_t new_trees,
                              std::vector<wire::JobOutcome>& out) {
  const auto& jobs = lease.jobs;
  // Paths need coordinates to become polylines.
  const bool paths = lease.want_paths && m_graph->has_coordinates();
  const auto order = grouped(jobs, [](const wire::JobSpec& j) { return j.origin; });
  std::size_t* budget = m_ch ? &new_trees : nullptr;  // without a hierarchy a tree is cheaper
  for (std::size_t begin = 0; begin < order.size();) {
    std::size_t end = begin + 1;
    const std::int64_t origin = jobs[order[begin]].origin;
    while (end < order.size() && jobs[order[end]].origin == origin) ++end;
    const auto from = m_graph->index_of(router::NodeId{origin});
    std::shared_ptr<const router::ShortestPathTree> tree_ptr;
    if (from) {
      if (m_jobs_from.size() >= kSeenMax) m_jobs_from.clear();
      const std::uint32_t seen = m_jobs_from[*from] += static_cast<std::uint32_t>(end - begin);
      const bool depot =
          end - begin >= kTreeThreshold || (seen >= kDepotJobs && !m_trees->full());
      // A cached tree serves any origin's jobs; only a depot's is computed.
      tree_ptr = depot ? tree(*from, budget) : m_trees->cached(*from);
    }
    for (std::size_t k = begin; k < end; ++k) {
      const auto& job = jobs[order[k]];
      const router::NodeId to{job.destination};
      const RouteResult r = tree_ptr ? tree_ptr->route_to(to, paths)
                            : m_ch ? m_ch->one_to_one(router::NodeId{origin}, to, paths)
                                   : m_query.one_to_one(router::NodeId{origin}, to, paths);
      wire::JobOutcome& o = out[order[k]] = outcome(job.seq, r);
      if (paths && r.status == router::RouteStatus::ok) {
        o.polyline = router::encode_polyline(router::path_coordinates(*m_graph, r.path));
      }
    }
    begin = end;
  }
}

router::SnappedEnd ChunkRouter::snap(const wire::LatLon& p, double radius_m, bool origin) const {
  if (!m_snapper) return {std::nullopt, "the graph has no coordinates: import it with coordinates"};
  return origin ? router::snap_origin(*m_snapper, p.lat, p.lon, radius_m)
                : router::snap_destination(*m_snapper, p.lat, p.lon, radius_m);
}

void ChunkRouter::route_points(const wire::Lease& lease, std::size_t new_trees,
                               std::vector<wire::JobOutcome>& out) {
  const auto& jobs = lease.jobs;
  const double radius = lease.snap_radius_m;
  // Every destination first, in Z-order: a chunk's addresses spread over the whole network, and
  // taken in file order each R*-tree query would start from cold nodes.
  std::vector<router::SnappedEnd> dest_snaps(jobs.size());
  for (const std::uint32_t k :
       grouped(jobs, [](const wire::JobSpec& j) { return z_order(j.points->destination); })) {
    dest_snaps[k] = snap(jobs[k].points->destination, radius, /*origin=*/false);
  }
  const auto order = grouped(jobs, [](const wire::JobSpec& j) {
    return std::pair(j.points->origin.lat, j.points->origin.lon);
  });
  std::size_t* budget = m_ch ? &new_trees : nullptr;
  for (std::size_t begin = 0; begin < order.size();) {
    std::size_t end = begin + 1;
    const wire::LatLon origin = jobs[order[begin]].points->origin;
    while (end < order.size() && jobs[order[end]].points->origin == origin) ++end;

    const router::SnappedEnd origin_end = snap(origin, radius, /*origin=*/true);
    if (!origin_end.endpoint) {
      const std::string why = "origin: " + origin_end.why;
      for (std::size_t k = begin; k < end; ++k) {
        out[order[k]] = unsnappable(jobs[order[k]].seq, why);
      }
      begin = end;
      continue;
    }
    const Endpoint& from = *origin_end.endpoint;
    // A depot: the tree of its point (grown from both seeds on a two-way road) answers every job.
    const auto depot_tree = end - begin >= kTreeThreshold ? tree(from, budget) : nullptr;
    for (std::size_t k = begin; k < end; ++k) {
      const auto& job = jobs[order[k]];
      const router::SnappedEnd& dest_end = dest_snaps[order[k]];
      if (!dest_end.endpoint) {
        out[order[k]] = unsnappable(job.seq, "destination: " + dest_end.why);
        continue;
      }
      const Endpoint& to = *dest_end.endpoint;
      const router::PointRoute r =
          depot_tree || !m_ch
              ? router::route_between(*m_graph, m_query, depot_tree.get(), from, to,
                                      lease.want_paths)
              : router::route_between(*m_graph, *m_ch, from, to, lease.want_paths);
      wire::JobOutcome& o = out[order[k]] = outcome(job.seq, r.route);
      o.origin_snap_m = static_cast<float>(from.snap_distance_m);
      o.destination_snap_m = static_cast<float>(to.snap_distance_m);
      o.polyline = r.polyline;
    }
    begin = end;
  }
}

void ChunkRouter::warm(std::int64_t origin) {
  if (const auto from = m_graph->index_of(router::NodeId{origin})) tree(*from);
}

void ChunkRouter::warm(const wire::LatLon& origin, double snap_radius_m) {
  const router::SnappedEnd from = snap(origin, snap_radius_m, /*origin=*/true);
  if (from.endpoint) tree(*from.endpoint);
}

}  // namespace waybill::worker
