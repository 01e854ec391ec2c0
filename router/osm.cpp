#include "router/osm.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <exception>
#include <fstream>
#include <string>
#include <utility>

#include <boost/graph/compressed_sparse_row_graph.hpp>
#include <boost/graph/strong_components.hpp>
#include <boost/property_map/property_map.hpp>
#include <osmium/handler.hpp>
#include <osmium/handler/node_locations_for_ways.hpp>
#include <osmium/index/map/flex_mem.hpp>
#include <osmium/io/any_compression.hpp>
#include <osmium/io/pbf_input.hpp>
#include <osmium/io/xml_input.hpp>
#include <osmium/osm/way.hpp>
#include <osmium/visitor.hpp>

namespace waybill::router {
namespace {

constexpr double kMph = 1.609344;         // km/h per mph
constexpr double kKnot = 1.852;           // km/h per knot
constexpr double kMsPerMmAtOneKmh = 3.6;  // 1 km/h is 1e6 mm per 3.6e6 ms

/// Which way a car may drive along a way's node order.
enum class Oneway { no, forward, backward, closed };

std::string_view tag(const osmium::TagList& tags, const char* key) {
  return tags.get_value_by_key(key, "");
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

// The most specific key that is tagged decides, as the OSM access hierarchy says (motorcar is
// a motor_vehicle is a vehicle), so `access=no` + `motor_vehicle=yes` is open and `motorcar=no`
// alone closes. `private` closes too: routing through private roads as a shortcut is wrong, and
// a delivery on one is reached by snapping to the nearest public road. `destination`,
// `delivery` and `permissive` stay open: a van may use them to deliver.
bool closed_to_cars(const osmium::TagList& tags) {
  for (const char* key : {"motorcar", "motor_vehicle", "vehicle", "access"}) {
    const std::string_view value = tag(tags, key);
    if (value.empty()) continue;
    return value == "no" || value == "private" || value == "agricultural" || value == "forestry" ||
           value == "emergency";
  }
  return false;
}

// `reversible` and `alternating` ways change direction by the hour: closed, as in OSRM's car
// profile, rather than routed the wrong way half of the time.
Oneway oneway(const osmium::TagList& tags, std::string_view highway) {
  const std::string_view value = tag(tags, "oneway");
  if (value == "yes" || value == "true" || value == "1") return Oneway::forward;
  if (value == "-1" || value == "reverse") return Oneway::backward;
  if (value == "no" || value == "false" || value == "0") return Oneway::no;
  if (value == "reversible" || value == "alternating") return Oneway::closed;
  const std::string_view junction = tag(tags, "junction");
  if (junction == "roundabout" || junction == "circular" || highway == "motorway") {
    return Oneway::forward;
  }
  return Oneway::no;
}

Coordinate to_coordinate(const osmium::Location& location) {
  // OSM stores 1e-7 degrees; round half away from zero to microdegrees.
  const auto e6 = [](std::int32_t e7) {
    return static_cast<std::int32_t>(e7 >= 0 ? (std::int64_t{e7} + 5) / 10
                                             : (std::int64_t{e7} - 5) / 10);
  };
  return {e6(location.x()), e6(location.y())};
}

/// The duration of `length_mm` at `speed_kmh`: rounded to the millisecond, and at least 1 ms
/// for a nonzero length so that no real road is free. Computed from the rounded length, so that
/// it can be recomputed from the stored arc.
std::int64_t duration_ms(std::int64_t length_mm, double speed_kmh) {
  if (length_mm == 0) return 0;
  const auto ms = std::llround(static_cast<double>(length_mm) * kMsPerMmAtOneKmh / speed_kmh);
  return std::max<std::int64_t>(1, ms);
}

/// Collects the arcs of every car-routable way; node locations come from the location handler
/// that runs before it on the same stream.
class WayCollector : public osmium::handler::Handler {
 public:
  explicit WayCollector(const OsmProfile& profile) : m_profile(profile) {}

  void way(const osmium::Way& way) {
    const osmium::TagList& tags = way.tags();
    const std::string_view highway = tag(tags, "highway");
    const auto class_speed = m_profile.speed_kmh(highway);
    // area=yes outlines a square or a car park: its edges are not roads.
    if (!class_speed || tag(tags, "area") == "yes") return;
    const Oneway direction = oneway(tags, highway);
    if (direction == Oneway::closed || closed_to_cars(tags)) {
      ++m_stats.ways_restricted;
      return;
    }
    const double speed = parse_maxspeed_kmh(tag(tags, "maxspeed")).value_or(*class_speed);
    const std::size_t arcs_before = m_arcs.size();
    const osmium::WayNodeList& nodes = way.nodes();
    for (const osmium::NodeRef& node : nodes) {
      if (!node.location().valid()) ++m_stats.missing_locations;
    }
    for (std::size_t i = 1; i < nodes.size(); ++i) {
      add_segment(nodes[i - 1], nodes[i], direction, speed, way.id());
    }
    if (m_arcs.size() > arcs_before) ++m_stats.ways_routable;
  }

  std::vector<OsmArc>& arcs() { return m_arcs; }
  std::vector<std::pair<NodeId, Coordinate>>& nodes() { return m_nodes; }
  const OsmStats& stats() const { return m_stats; }

 private:
  void add_segment(const osmium::NodeRef& a, const osmium::NodeRef& b, Oneway direction,
                   double speed, osmium::object_id_type way_id) {
    // A node repeated in a row is no segment; a node missing from the file (a clipped extract)
    // cuts the way there.
    if (a.ref() == b.ref() || !a.location().valid() || !b.location().valid()) return;
    const double metres =
        haversine_m(a.location().lon_without_check(), a.location().lat_without_check(),
                    b.location().lon_without_check(), b.location().lat_without_check());
    const auto length_mm = std::llround(metres * 1000);
    const std::int64_t duration = duration_ms(length_mm, speed);
    const NodeId tail{a.ref()};
    const NodeId head{b.ref()};
    if (direction != Oneway::backward) m_arcs.push_back({tail, head, length_mm, duration, way_id});
    if (direction != Oneway::forward) m_arcs.push_back({head, tail, length_mm, duration, way_id});
    m_nodes.emplace_back(tail, to_coordinate(a.location()));
    m_nodes.emplace_back(head, to_coordinate(b.location()));
  }

  const OsmProfile& m_profile;
  std::vector<OsmArc> m_arcs;
  std::vector<std::pair<NodeId, Coordinate>> m_nodes;  // with repeats, sorted out at the end
  OsmStats m_stats;
};

/// Reads the file through libosmium into `collector`. Node locations are kept in a FlexMem
/// index, which is sparse for an extract and switches to a dense array for a planet-sized file.
void read_ways(const std::filesystem::path& path, WayCollector& collector) {
  using Index = osmium::index::map::FlexMem<osmium::unsigned_object_id_type, osmium::Location>;
  Index index;
  osmium::handler::NodeLocationsForWays<Index> locations{index};
  locations.ignore_errors();  // missing nodes are counted by the collector, not fatal
  osmium::io::Reader reader{path.string(),
                            osmium::osm_entity_bits::node | osmium::osm_entity_bits::way};
  osmium::apply(reader, locations, collector);
  reader.close();
}

/// Keeps only the largest strongly connected component: a node outside it is either
/// unreachable from most of the map or a trap with no way out, and routing to or from it would
/// answer "unreachable" for jobs that a snapped point on the main network can serve.
void keep_largest_component(OsmNetwork& network) {
  const std::size_t n = network.node_ids.size();
  const auto index_of = [&](NodeId id) {
    return static_cast<std::size_t>(
        std::lower_bound(network.node_ids.begin(), network.node_ids.end(), id) -
        network.node_ids.begin());
  };
  std::vector<std::pair<std::size_t, std::size_t>> ends;
  ends.reserve(network.arcs.size());
  for (const OsmArc& a : network.arcs) ends.emplace_back(index_of(a.tail), index_of(a.head));
  using Graph = boost::compressed_sparse_row_graph<boost::directedS>;
  const Graph graph(boost::edges_are_unsorted_multi_pass, ends.begin(), ends.end(), n);
  ends = {};

  std::vector<std::size_t> component(n);
  const std::size_t count = boost::strong_components(
      graph,
      boost::make_iterator_property_map(component.begin(), boost::get(boost::vertex_index, graph)));
  std::vector<std::size_t> sizes(count);
  for (const std::size_t c : component) ++sizes[c];
  const auto largest =
      static_cast<std::size_t>(std::max_element(sizes.begin(), sizes.end()) - sizes.begin());

  OsmNetwork kept;
  kept.stats = network.stats;
  kept.stats.components = count;
  kept.node_ids.reserve(sizes[largest]);
  kept.coords.reserve(sizes[largest]);
  for (std::size_t i = 0; i < n; ++i) {
    if (component[i] != largest) continue;
    kept.node_ids.push_back(network.node_ids[i]);
    kept.coords.push_back(network.coords[i]);
  }
  for (const OsmArc& a : network.arcs) {
    if (component[index_of(a.tail)] == largest && component[index_of(a.head)] == largest) {
      kept.arcs.push_back(a);
    }
  }
  kept.stats.dropped_nodes = n - kept.node_ids.size();
  kept.stats.dropped_arcs = network.arcs.size() - kept.arcs.size();
  network = std::move(kept);
}

}  // namespace

std::string describe(const OsmStats& stats) {
  return std::to_string(stats.ways_routable) + " ways routable, " +
         std::to_string(stats.ways_restricted) + " closed to cars, " +
         std::to_string(stats.missing_locations) + " node references missing; " +
         std::to_string(stats.components) + " components: kept the largest, dropped " +
         std::to_string(stats.dropped_nodes) + " nodes and " + std::to_string(stats.dropped_arcs) +
         " arcs";
}

std::optional<double> parse_maxspeed_kmh(std::string_view value) {
  value = trim(value);
  double number = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), number);
  if (ec != std::errc()) return std::nullopt;
  const std::string_view unit = trim(value.substr(static_cast<std::size_t>(end - value.data())));
  double kmh = number;
  if (unit == "mph") {
    kmh = number * kMph;
  } else if (unit == "knots") {
    kmh = number * kKnot;
  } else if (!unit.empty() && unit != "km/h" && unit != "kmh" && unit != "kph") {
    return std::nullopt;  // "50;70", "30 zone", ...: not one speed
  }
  // The profile's bounds: "0" or "999" is a tagging error, not a speed.
  if (!(kmh >= OsmProfile::kMinSpeedKmh && kmh <= OsmProfile::kMaxSpeedKmh)) return std::nullopt;
  return kmh;
}

OsmNetwork load_osm(const std::filesystem::path& path, const OsmProfile& profile) {
  // libosmium's own message for a missing file does not lead with the path; ours does.
  if (!std::ifstream(path)) {
    throw LoadError(path.string() + ": cannot open: " + std::strerror(errno));
  }
  WayCollector collector(profile);
  try {
    read_ways(path, collector);
  } catch (const std::exception& e) {
    throw LoadError(path.string() + ": " + e.what());
  }
  if (collector.arcs().empty()) {
    throw LoadError(path.string() + ": no car-routable way (no highway class of the profile)");
  }

  OsmNetwork network;
  network.stats = collector.stats();
  network.arcs = std::move(collector.arcs());
  auto& nodes = collector.nodes();
  std::sort(nodes.begin(), nodes.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  nodes.erase(std::unique(nodes.begin(), nodes.end(),
                          [](const auto& a, const auto& b) { return a.first == b.first; }),
              nodes.end());
  network.node_ids.reserve(nodes.size());
  network.coords.reserve(nodes.size());
  for (const auto& [id, coord] : nodes) {
    network.node_ids.push_back(id);
    network.coords.push_back(coord);
  }
  nodes = {};
  keep_largest_component(network);
  return network;
}

RoadGraph build_road_graph(const OsmNetwork& network, BuildReport* report) {
  std::vector<Arc> arcs;
  arcs.reserve(network.arcs.size());
  for (const OsmArc& a : network.arcs) arcs.push_back({a.tail, a.head, a.duration_ms, a.length_mm});
  return RoadGraph::build(network.node_ids, std::move(arcs), network.coords, report,
                          CostUnit::duration_ms);
}

}  // namespace waybill::router
