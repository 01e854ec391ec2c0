#include "cli/road_matrix.h"

#include <cmath>
#include <stdexcept>
#include <thread>

#include "cli/hierarchy.h"
#include "common/sha256.h"
#include "router/ch_query.h"
#include "router/route_between.h"
#include "router/snap.h"
#include "schema/graph_codec.h"

namespace waybill::cli {

void fill_road_matrices(const GraphSource& road, const std::filesystem::path& cache_dir,
                        double snap_radius_m, planner::formats::VroomProblem& input,
                        std::ostream& log) {
  const router::RoadGraph graph = load_graph(road);
  if (!graph.has_coordinates()) {
    throw std::runtime_error("the road graph has no coordinates (give --coords with --graph, or --osm)");
  }
  const router::ContractionHierarchy ch =
      cached_hierarchy(graph, sha256_hex(wire::encode_graph(graph)), cache_dir, log);
  const router::Snapper snapper(graph);

  // Every location as a start and as an end; an unsnappable one gets no endpoint.
  const std::size_t n = input.coordinates.size();
  std::vector<router::Endpoint> origins, destinations;
  std::vector<std::size_t> placed;  // location -> row/column among the snapped ones
  std::vector<char> snapped(n, 0);
  for (std::size_t i = 0; i < n; ++i) {
    const auto& c = *input.coordinates[i];
    const router::SnappedEnd from = router::snap_origin(snapper, c.lat, c.lon, snap_radius_m);
    const router::SnappedEnd to = router::snap_destination(snapper, c.lat, c.lon, snap_radius_m);
    if (!from.endpoint || !to.endpoint) continue;
    snapped[i] = 1;
    placed.push_back(i);
    origins.push_back(*from.endpoint);
    destinations.push_back(*to.endpoint);
  }
  for (planner::Job& job : input.problem.jobs) job.unsnappable = !snapped[job.location];

  const bool lengths = graph.has_lengths();
  const bool seconds = graph.cost_unit() == router::CostUnit::duration_ms;
  std::vector<planner::Cost> durations(n * n, planner::kUnreachable), distances;
  if (lengths) distances.assign(n * n, planner::kUnreachable);
  for (std::size_t i = 0; i < n; ++i) {
    durations[i * n + i] = 0;
    if (lengths) distances[i * n + i] = 0;
  }
  router::ChQuery query(graph, ch);
  const router::MatrixTargets targets = query.targets(destinations, router::MatrixOptions{lengths, false});
  router::MatrixCells cells;
  constexpr std::size_t kBlock = 64;
  for (std::size_t first = 0; first < origins.size(); first += kBlock) {
    const std::size_t last = std::min(origins.size(), first + kBlock);
    query.rows(targets, std::span(origins).subspan(first, last - first), cells);
    for (std::size_t r = first; r < last; ++r) {
      for (std::size_t c = 0; c < placed.size(); ++c) {
        const std::size_t cell = (r - first) * cells.columns + c;
        const std::size_t at = placed[r] * n + placed[c];
        if (placed[r] == placed[c] || cells.cost[cell] == router::kInfiniteCost) continue;
        const auto cost = static_cast<double>(cells.cost[cell]);
        durations[at] = static_cast<planner::Cost>(std::llround(seconds ? cost / 1000 : cost));
        if (lengths) distances[at] = static_cast<planner::Cost>(std::llround(cells.length_mm[cell] / 1000.0));
      }
    }
  }
  input.problem.durations = planner::TravelMatrix::dense(n, std::move(durations));
  if (lengths) input.problem.distances = planner::TravelMatrix::dense(n, std::move(distances));
  input.problem.points.clear();
  for (const auto& c : input.coordinates) input.problem.points.push_back({c->lon, c->lat});
}

}  // namespace waybill::cli
