#include "router/snap.h"

#include <algorithm>
#include <numbers>
#include <cassert>
#include <cmath>
#include <iomanip>
#include <iterator>
#include <sstream>
#include <utility>
#include <vector>

// Boost 1.74's Boost.Geometry reaches a Boost.Math header that includes a deprecated one, which
// prints a #pragma message on every build; nothing here uses it.
#define BOOST_ALLOW_DEPRECATED_HEADERS
#include <boost/geometry.hpp>
#include <boost/geometry/index/rtree.hpp>
#include <boost/range/iterator_range.hpp>

#include "router/detail/csr.h"
#include "router/geo.h"

// Geometry. Nodes are placed on a sphere of radius kEarthRadiusM in Earth-centred 3-D
// coordinates (metres), and an arc is the straight chord between its nodes. Why not a planar
// projection: an equirectangular one is only right near its reference latitude (at 5 degrees
// away it stretches east-west distances by about 9%, enough to pick the wrong road across a
// country-sized graph) and has a seam at +-180 degrees; Boost.Geometry's spherical strategies
// are exact but slower per comparison. The chord costs nothing in accuracy at road scale: it
// dips below the great circle by L^2 / 8R (0.02 mm for a 1 km segment), and the chord distance
// between two points on the sphere ranks them exactly as the great-circle distance does. The
// distance reported is the haversine one between the query and the point found.

namespace waybill::router {
namespace {

namespace bg = boost::geometry;
namespace bgi = boost::geometry::index;

constexpr double kDegree = std::numbers::pi / 180;

using Point = bg::model::point<double, 3, bg::cs::cartesian>;
using Segment = bg::model::segment<Point>;
using Entry = std::pair<Segment, std::uint32_t>;  // segment, index into SegmentIndex::arcs

struct Vec {
  double x, y, z;
};

Vec operator-(const Vec& a, const Vec& b) { return {a.x - b.x, a.y - b.y, a.z - b.z}; }
double dot(const Vec& a, const Vec& b) { return a.x * b.x + a.y * b.y + a.z * b.z; }

Vec on_sphere(double lat_deg, double lon_deg) {
  const double lat = lat_deg * kDegree;
  const double lon = lon_deg * kDegree;
  return {kEarthRadiusM * std::cos(lat) * std::cos(lon),
          kEarthRadiusM * std::cos(lat) * std::sin(lon), kEarthRadiusM * std::sin(lat)};
}

// The one conversion from stored microdegrees, so that a query at a node's own coordinates lands
// on exactly the node's point.
double degrees(std::int32_t e6) { return e6 / 1e6; }

Vec node_point(const RoadGraph& graph, NodeIndex v) {
  const Coordinate c = graph.coordinate(v);
  return on_sphere(degrees(c.lat_e6), degrees(c.lon_e6));
}

Point to_point(const Vec& v) { return Point(v.x, v.y, v.z); }
Vec to_vec(const Point& p) { return {bg::get<0>(p), bg::get<1>(p), bg::get<2>(p)}; }

bool valid_coordinate(double lat_deg, double lon_deg) {
  // Written so that NaN fails too.
  return lat_deg >= -90 && lat_deg <= 90 && lon_deg >= -180 && lon_deg <= 180;
}

/// The cost and length (-1: unknown) of the arc u -> v, or nothing when the graph has no such
/// arc.
std::optional<std::pair<Cost, std::int64_t>> arc_between(const RoadGraph& graph, NodeIndex u,
                                                         NodeIndex v) {
  const auto& g = graph.forward().g;
  for (const auto e : boost::make_iterator_range(boost::out_edges(u, g))) {
    if (boost::target(e, g) != v) continue;
    const ArcIndex arc = boost::get(boost::edge_index, g, e);
    return std::pair(g[e].cost, graph.has_lengths() ? graph.length_mm(arc) : -1);
  }
  return std::nullopt;
}

std::string metres(double m) {
  std::ostringstream out;
  out << std::llround(m) << " m";
  return out.str();
}

}  // namespace

namespace detail {

/// One indexed segment: the arc that represents it.
struct IndexedArc {
  NodeIndex tail;
  NodeIndex head;
  Cost cost;
  std::int64_t length_mm;          // -1 when the graph has no lengths
  Cost reverse_cost;               // of head -> tail; -1 on a oneway
  std::int64_t reverse_length_mm;  // likewise
};

/// R*-tree nodes of up to 8 entries. A nearest-segment query pays for a point-to-segment
/// distance per entry of every node it opens; on NY, 8 snaps 1.33x as fast as 16 (BM_Snap10000:
/// 14.0 against 18.7 ms), 32 half as fast, and 4 no faster for a deeper tree.
using Tree = bgi::rtree<Entry, bgi::rstar<8>>;

struct SegmentIndex {
  std::vector<IndexedArc> arcs;  // by the index stored with each segment of the tree
  Tree tree;
};

}  // namespace detail

Cost cost_to_head(const Snap& snap) { return snap.cost - cost_from_tail(snap); }

Cost cost_from_tail(const Snap& snap) {
  return std::llround(snap.t * static_cast<double>(snap.cost));
}

std::int64_t length_to_head(const Snap& snap) {
  return snap.length_mm < 0 ? -1 : snap.length_mm - length_from_tail(snap);
}

std::int64_t length_from_tail(const Snap& snap) {
  return snap.length_mm < 0 ? -1 : std::llround(snap.t * static_cast<double>(snap.length_mm));
}

Snapper::Snapper(const RoadGraph& graph) : m_graph(&graph) {
  assert(graph.has_coordinates());
  const auto& g = graph.forward().g;
  std::vector<detail::IndexedArc> arcs;
  std::vector<Entry> entries;
  for (NodeIndex v = 0; v < graph.num_nodes(); ++v) {
    for (const auto e : boost::make_iterator_range(boost::out_edges(v, g))) {
      const NodeIndex w = boost::target(e, g);
      // A two-way road is one segment, represented by its arc from the lower index.
      if (w < v && graph.find_arc(w, v)) continue;
      entries.emplace_back(Segment(to_point(node_point(graph, v)), to_point(node_point(graph, w))),
                           static_cast<std::uint32_t>(arcs.size()));
      const ArcIndex arc = boost::get(boost::edge_index, g, e);
      const auto back = arc_between(graph, w, v);
      arcs.push_back({v, w, g[e].cost, graph.has_lengths() ? graph.length_mm(arc) : -1,
                      back ? back->first : -1, back ? back->second : -1});
    }
  }
  // The packing constructor (STR bulk loading) builds a better tree than one insert at a time,
  // and the same tree for the same graph, so that ties are broken the same way every time.
  m_index = std::make_unique<const detail::SegmentIndex>(
      detail::SegmentIndex{std::move(arcs), detail::Tree(entries.begin(), entries.end())});
}

Snapper::Snapper(Snapper&&) noexcept = default;
Snapper& Snapper::operator=(Snapper&&) noexcept = default;
Snapper::~Snapper() = default;

std::size_t Snapper::num_segments() const { return m_index->arcs.size(); }

std::optional<Snap> Snapper::snap(double lat_deg, double lon_deg, double max_radius_m) const {
  if (!valid_coordinate(lat_deg, lon_deg) || m_index->tree.empty()) return std::nullopt;
  const Vec p = on_sphere(lat_deg, lon_deg);
  Entry nearest;  // written through a plain pointer: no allocation per query
  [[maybe_unused]] const std::size_t found_count =
      m_index->tree.query(bgi::nearest(to_point(p), 1), &nearest);
  assert(found_count == 1);
  const detail::IndexedArc& arc = m_index->arcs[nearest.second];

  // The foot of the perpendicular from p onto the chord, clamped to its ends.
  const Vec a = to_vec(nearest.first.first);
  const Vec b = to_vec(nearest.first.second);
  const Vec ab = b - a;
  const double length2 = dot(ab, ab);
  const double t = length2 > 0 ? std::clamp(dot(p - a, ab) / length2, 0.0, 1.0) : 0.0;
  const Vec foot{a.x + t * ab.x, a.y + t * ab.y, a.z + t * ab.z};
  // Back to degrees: the foot lies a hair inside the sphere, and atan2 does not mind.
  const double foot_lat = std::atan2(foot.z, std::hypot(foot.x, foot.y)) / kDegree;
  const double foot_lon = std::atan2(foot.y, foot.x) / kDegree;

  Snap found;
  found.tail = arc.tail;
  found.head = arc.head;
  found.cost = arc.cost;
  found.length_mm = arc.length_mm;
  found.t = t;
  found.lat_deg = foot_lat;
  found.lon_deg = foot_lon;
  found.distance_m = haversine_m(lon_deg, lat_deg, foot_lon, foot_lat);
  found.reverse_cost = arc.reverse_cost;
  found.reverse_length_mm = arc.reverse_length_mm;
  if (!(found.distance_m <= max_radius_m)) return std::nullopt;
  return found;
}

std::optional<Snap> Snapper::reverse(const Snap& forward) const {
  if (forward.reverse_cost < 0) return std::nullopt;
  Snap back = forward;
  std::swap(back.tail, back.head);
  std::swap(back.cost, back.reverse_cost);
  std::swap(back.length_mm, back.reverse_length_mm);
  back.t = 1 - forward.t;
  return back;
}

std::string Snapper::why_unsnappable(double lat_deg, double lon_deg, double max_radius_m) const {
  if (snap(lat_deg, lon_deg, max_radius_m)) return "";
  std::ostringstream out;
  out << std::setprecision(10);
  if (!std::isfinite(lat_deg) || !std::isfinite(lon_deg)) {
    out << "not a coordinate (lat=" << lat_deg << ", lon=" << lon_deg << ')';
    return out.str();
  }
  if (lat_deg < -90 || lat_deg > 90) {
    out << "latitude " << lat_deg << " is outside [-90, 90]";
  } else if (lon_deg < -180 || lon_deg > 180) {
    out << "longitude " << lon_deg << " is outside [-180, 180]";
  } else {
    out << "no road within " << max_radius_m << " m";
  }
  if (const auto swapped = snap(lon_deg, lat_deg, max_radius_m)) {
    out << "; latitude and longitude look swapped (a road is " << metres(swapped->distance_m)
        << " from (lat=" << lon_deg << ", lon=" << lat_deg << "))";
  }
  return out.str();
}

}  // namespace waybill::router
