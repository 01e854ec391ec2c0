// `waybill render`: a picture of a batch, the road network with a sample of the batch's routes
// drawn on it (map_render.h). Each route is drawn from its stored polyline when the batch asked
// for paths; otherwise it is computed again here, on the batch's graph, as the worker did.
// With --plan, the picture of a plan (`waybill plan`): each tour's drive, depot to depot, routed
// again leg by leg the same way.
#include <cmath>
#include <cstdint>
#include <iostream>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cli/cli_options.h"
#include "cli/commands.h"
#include "cli/map_render.h"
#include "dispatcher/store.h"
#include "router/endpoint.h"
#include "router/polyline.h"
#include "router/route_between.h"
#include "router/shortest_path.h"
#include "router/snap.h"
#include "schema/graph_codec.h"
#include "schema/messages.h"

namespace waybill::cli {
namespace po = boost::program_options;

namespace {

router::Coordinate to_coordinate(const wire::LatLon& p) {
  return {static_cast<std::int32_t>(std::lround(p.lon * 1e6)),
          static_cast<std::int32_t>(std::lround(p.lat * 1e6))};
}

/// How the sampled routes were drawn, for the summary line.
struct SketchCounts {
  std::size_t stored = 0;      ///< from the stored polyline
  std::size_t recomputed = 0;  ///< routed again here
  std::size_t straight = 0;    ///< routed ok by the worker, but not here: a dashed line
  std::size_t failed = 0;      ///< unreachable, unsnappable, unknown node, failed
  std::size_t invisible = 0;   ///< failed with no point on the map (unknown nodes)
};

/// Turns sampled jobs into lines to draw, routing again those without a stored polyline. The
/// route query and the snapper are built on first use: a batch that stored its paths needs
/// neither.
class RouteSketcher {
 public:
  RouteSketcher(const router::RoadGraph& graph, double snap_radius_m)
      : m_graph(&graph), m_snap_radius_m(snap_radius_m) {}

  MapRoute sketch(const dispatcher::RouteSample& sample) {
    MapRoute route;
    if (sample.points) {
      route.origin = to_coordinate(sample.points->origin);
      route.destination = to_coordinate(sample.points->destination);
    } else {
      route.origin = node_coordinate(sample.origin);
      route.destination = node_coordinate(sample.destination);
    }
    const bool routed_ok = sample.status && *sample.status == static_cast<int>(wire::JobStatus::ok);
    if (sample.status && !routed_ok) return failed(std::move(route));
    if (sample.polyline) {
      if (auto line = router::decode_polyline(*sample.polyline); line && !line->empty()) {
        ++m_counts.stored;
        route.line = std::move(*line);
        return route;
      }
    }
    // Not stored (or not routed yet): route it again.
    if (auto line = sample.points ? route_points(*sample.points) : route_nodes(sample)) {
      ++m_counts.recomputed;
      route.line = std::move(*line);
      return route;
    }
    if (!routed_ok || !route.origin || !route.destination) return failed(std::move(route));
    // The worker found a route this graph does not: show where it goes, not how.
    ++m_counts.straight;
    route.kind = MapRoute::Kind::straight;
    route.line = {*route.origin, *route.destination};
    return route;
  }

  const SketchCounts& counts() const { return m_counts; }

  std::optional<router::Coordinate> node_coordinate(std::optional<std::int64_t> id) const {
    if (!id) return std::nullopt;
    const auto index = m_graph->index_of(router::NodeId{*id});
    if (!index) return std::nullopt;
    return m_graph->coordinate(*index);
  }

 private:
  MapRoute failed(MapRoute route) {
    ++m_counts.failed;
    if (!route.origin && !route.destination) ++m_counts.invisible;
    route.kind = MapRoute::Kind::failed;
    return route;
  }

  router::RouteQuery& query() {
    if (!m_query) m_query.emplace(*m_graph);
    return *m_query;
  }

  std::optional<std::vector<router::Coordinate>> route_nodes(
      const dispatcher::RouteSample& sample) {
    if (!sample.origin || !sample.destination) return std::nullopt;
    const router::RouteResult r = query().one_to_one(
        router::NodeId{*sample.origin}, router::NodeId{*sample.destination}, /*want_path=*/true);
    if (r.status != router::RouteStatus::ok) return std::nullopt;
    return router::path_coordinates(*m_graph, r.path);
  }

  std::optional<std::vector<router::Coordinate>> route_points(const wire::JobPoints& points) {
    if (!m_snapper) m_snapper.emplace(*m_graph);
    const router::SnappedEnd from =
        router::snap_origin(*m_snapper, points.origin.lat, points.origin.lon, m_snap_radius_m);
    const router::SnappedEnd to = router::snap_destination(
        *m_snapper, points.destination.lat, points.destination.lon, m_snap_radius_m);
    if (!from.endpoint || !to.endpoint) return std::nullopt;
    const router::PointRoute r = router::route_between(*m_graph, query(), /*from_tree=*/nullptr,
                                                       *from.endpoint, *to.endpoint,
                                                       /*want_path=*/true);
    if (r.route.status != router::RouteStatus::ok) return std::nullopt;
    return router::decode_polyline(r.polyline);
  }

  const router::RoadGraph* m_graph;
  double m_snap_radius_m;
  std::optional<router::RouteQuery> m_query;
  std::optional<router::Snapper> m_snapper;
  SketchCounts m_counts;
};

// ---- plans ----------------------------------------------------------------------------------

using Place = dispatcher::PlanPlace;

/// The place of a depot from its number in the plan's tables: the node id, or for a point
/// lat_e7 * 2^32 + lon_e7 (dispatcher::DepotKey::id()).
Place depot_place(std::int64_t depot, bool points) {
  if (!points) return {depot, {}};
  const auto lat_e7 = static_cast<std::int32_t>(depot >> 32);
  const auto lon_e7 = static_cast<std::int32_t>(static_cast<std::uint32_t>(depot & 0xffffffff));
  return {std::nullopt, {lat_e7 / 1e7, lon_e7 / 1e7}};
}

/// Draws tours: each leg (depot -> first stop -> ... -> last stop -> depot) routed again on the
/// graph by the RouteSketcher, as a job from one place to the next would be; a leg it cannot
/// route is a straight segment.
class TourSketcher {
 public:
  TourSketcher(const router::RoadGraph& graph, double snap_radius_m)
      : m_legs(graph, snap_radius_m) {}

  /// Where a place is drawn; nothing for a node the graph does not have.
  std::optional<router::Coordinate> where(const Place& place) const {
    return place.node ? m_legs.node_coordinate(place.node) : to_coordinate(place.point);
  }

  MapTour sketch(const Place& depot, std::span<const Place> stops) {
    std::vector<const Place*> places;
    std::vector<router::Coordinate> ends;
    auto visit = [&](const Place& place) {
      if (auto at = where(place)) {
        places.push_back(&place);
        ends.push_back(*at);
      }
    };
    MapTour tour;
    visit(depot);
    for (const Place& stop : stops) {
      visit(stop);
      if (auto at = where(stop)) tour.stops.push_back(*at);
    }
    visit(depot);
    std::vector<std::optional<std::vector<router::Coordinate>>> legs;
    for (std::size_t i = 0; i + 1 < places.size(); ++i) {
      MapRoute leg = m_legs.sketch(leg_sample(*places[i], *places[i + 1]));
      if (leg.kind == MapRoute::Kind::path) {
        ++m_routed;
        legs.emplace_back(std::move(leg.line));
      } else {
        ++m_straight;
        legs.emplace_back();
      }
    }
    tour.line = join_legs(ends, legs);
    return tour;
  }

  std::size_t routed() const { return m_routed; }
  std::size_t straight() const { return m_straight; }

 private:
  /// The drive between two places, as a job not routed yet.
  static dispatcher::RouteSample leg_sample(const Place& from, const Place& to) {
    dispatcher::RouteSample sample;
    if (from.node && to.node) {
      sample.origin = from.node;
      sample.destination = to.node;
    } else {
      sample.points = wire::JobPoints{from.point, to.point};
    }
    return sample;
  }

  RouteSketcher m_legs;
  std::size_t m_routed = 0, m_straight = 0;
};

/// `waybill render --plan`: returns the exit status.
int render_plan_picture(const std::string& db, std::int64_t plan_id,
                        std::optional<std::int64_t> depot, int width, const std::string& out) {
  dispatcher::Store store(db);
  const auto rows = store.plan_drawing(plan_id, depot);
  if (!rows) throw std::runtime_error("no plan " + std::to_string(plan_id));
  if (!rows->has_depot) {
    throw std::runtime_error(
        "plan " + std::to_string(plan_id) + " has no depot " + std::to_string(*depot) +
        " (select depot from plan_summary where plan_id = " + std::to_string(plan_id) + ")");
  }
  const auto overview = store.batch_overview(rows->batch_id);
  if (!overview) throw std::runtime_error("no batch " + std::to_string(rows->batch_id));
  const auto info = store.graph_by_id(overview->graph_id);
  const std::string name = info ? info->name : "#" + std::to_string(overview->graph_id);
  const router::RoadGraph graph = wire::decode_graph(store.graph_bytes(overview->graph_id));
  if (!graph.has_coordinates()) {
    throw std::runtime_error("graph '" + name + "' has no coordinates: import it with --coords");
  }

  TourSketcher sketcher(graph, overview->snap_radius_m);
  MapPlan plan;
  std::size_t stops = 0;
  for (const dispatcher::PlanDrawing::Tour& tour : rows->tours) {
    plan.tours.push_back(sketcher.sketch(depot_place(tour.depot, rows->points), tour.stops));
    stops += plan.tours.back().stops.size();
  }
  for (const std::int64_t d : rows->depots) {
    if (auto at = sketcher.where(depot_place(d, rows->points))) plan.depots.push_back(*at);
  }
  for (const Place& job : rows->unassigned) {
    if (auto at = sketcher.where(job)) plan.unassigned.push_back(*at);
  }

  const std::string what =
      "plan " + std::to_string(plan_id) +
      (depot ? ", depot " + std::to_string(*depot)
             : " (" + std::to_string(rows->depots.size()) + " depots with a fleet)");
  const std::string counts = std::to_string(plan.tours.size()) + " tours, " +
                             std::to_string(stops) + " stops, " +
                             std::to_string(rows->unassigned.size()) + " unassigned";
  std::string unfinished;
  if (!rows->finished) {
    unfinished = " (unfinished: " + std::to_string(rows->parts_done) + " of " +
                 std::to_string(rows->parts) + " parts planned)";
  }
  MapSpec spec;
  spec.width = width;
  spec.caption = what + " of batch " + std::to_string(rows->batch_id) + " on graph " + name + ": " +
                 counts + unfinished;
  if (graph.cost_unit() == router::CostUnit::duration_ms) {
    spec.attribution = "\u00a9 OpenStreetMap contributors";
  }
  const MapProjection picture = render_plan(graph, plan, spec, out);
  std::cout << out << ": " << picture.width() << " x " << picture.height() << " px, " << what
            << ": " << counts << " (legs: " << sketcher.routed() << " routed, "
            << sketcher.straight() << " straight)" << unfinished;
  if (rows->without_fleet > 0) {
    std::cout << "; " << rows->without_fleet << " jobs of depots without a fleet not drawn";
  }
  std::cout << '\n';
  return 0;
}

}  // namespace

int render_command(std::span<const std::string> args) {
  std::string db, out;
  std::int64_t batch = 0, plan = 0, depot = 0;
  std::size_t sample = 200;
  int width = 1600;
  po::options_description options(
      "waybill render --db CONNINFO --batch N --out FILE.svg|FILE.png [--sample K] [--width PX]\n"
      "waybill render --db CONNINFO --plan N [--depot D] --out FILE.svg|FILE.png [--width PX]"
      "\n\nDraws a batch: every road of its graph in light grey, and about K of its routes,\n"
      "spread evenly over the batch, in colour (origins as dark squares, destinations as dots,\n"
      "jobs without a route as red crosses). A route is drawn from its stored polyline when\n"
      "the batch was submitted with --paths, and routed again here otherwise. The graph must\n"
      "have coordinates. The file's extension chooses SVG or PNG.\n\n"
      "With --plan, draws a plan of `waybill plan` instead: the tours of depot D (of every\n"
      "depot with a fleet without --depot), each in a colour of its own along the roads, depot\n"
      "to depot, its stops as dots in that colour, the depots as dark squares and the jobs no\n"
      "van takes as red crosses (those of depots without a fleet only with --depot).\n\nOptions");
  options.add_options()
      ("help,h", "show this help")
      ("db", po::value(&db)->default_value(""), "PostgreSQL conninfo (default: PG* variables)")
      ("batch", po::value(&batch), "the batch to draw")
      ("plan", po::value(&plan), "the plan to draw (plan_summary.plan_id)")
      ("depot", po::value(&depot), "with --plan: only this depot's tours (plan_summary.depot)")
      ("out", po::value(&out)->required(), "the picture to write: .svg or .png")
      ("sample", po::value(&sample)->default_value(sample), "routes to draw, at most (--batch)")
      ("width", po::value(&width)->default_value(width),
       "picture width in pixels; the height follows from the map's aspect ratio");
  po::variables_map vm;
  if (auto status = parse_options(args, options, vm, "render")) return *status;
  const bool by_plan = vm.count("plan") > 0;
  std::string problem;
  if (by_plan) {
    if (vm.count("batch")) problem = "--batch and --plan exclude each other: give one";
    else if (plan <= 0) problem = "--plan must be a plan id (1 or more)";
  } else {
    if (!vm.count("batch")) problem = "--batch or --plan is required";
    else if (batch <= 0) problem = "--batch must be a batch id (1 or more)";
    else if (vm.count("depot")) problem = "--depot goes with --plan";
  }
  if (width < 64 || width > 16384) problem = "--width must be 64..16384";
  if (!image_format(out)) problem = "--out " + out + ": the name must end in .svg or .png";
  if (!problem.empty()) {
    std::cerr << "waybill render: " << problem << "\n\n" << options << '\n';
    return 2;
  }
  if (by_plan) {
    try {
      return render_plan_picture(db, plan, vm.count("depot") ? std::optional(depot) : std::nullopt,
                                 width, out);
    } catch (const std::exception& e) {
      std::cerr << "waybill render: " << e.what() << '\n';
      return 1;
    }
  }
  try {
    dispatcher::Store store(db);
    const auto overview = store.batch_overview(batch);
    if (!overview) throw std::runtime_error("no batch " + std::to_string(batch));
    const auto info = store.graph_by_id(overview->graph_id);
    const std::string name =
        info ? info->name : "#" + std::to_string(overview->graph_id);
    const router::RoadGraph graph = wire::decode_graph(store.graph_bytes(overview->graph_id));
    if (!graph.has_coordinates()) {
      throw std::runtime_error("graph '" + name + "' has no coordinates: import it with --coords");
    }
    const auto samples = store.sample_routes(batch, overview->accepted, sample);

    RouteSketcher sketcher(graph, overview->snap_radius_m);
    std::vector<MapRoute> routes;
    routes.reserve(samples.size());
    for (const auto& s : samples) routes.push_back(sketcher.sketch(s));
    const SketchCounts& counts = sketcher.counts();
    const std::size_t shown = routes.size() - counts.invisible;

    MapSpec spec;
    spec.width = width;
    spec.caption = "batch " + std::to_string(batch) + " on graph " + name + ": " +
                   std::to_string(shown) + " of " + std::to_string(overview->accepted) +
                   " routes shown";
    // OpenStreetMap imports (ODbL) must credit their contributors wherever the map is shown.
    if (graph.cost_unit() == router::CostUnit::duration_ms) {
      spec.attribution = "\u00a9 OpenStreetMap contributors";
    }
    const MapProjection picture = render_map(graph, routes, spec, out);
    std::cout << out << ": " << picture.width() << " x " << picture.height() << " px, " << shown
              << " of " << overview->accepted << " routes of batch " << batch << " (" << counts.stored
              << " stored, " << counts.recomputed << " routed again, " << counts.straight
              << " straight, " << counts.failed << " without a route)\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "waybill render: " << e.what() << '\n';
    return 1;
  }
}

}  // namespace waybill::cli
