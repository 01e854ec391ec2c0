// The OpenStreetMap loader: a car-routable road network from an `.osm.pbf` or `.osm` file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "router/dimacs.h"  // LoadError, shared by every loader
#include "router/geo.h"     // haversine_m, kEarthRadiusM: arc lengths
#include "router/graph.h"
#include "router/osm_profile.h"
#include "router/types.h"

namespace waybill::router {

/// One directed road segment between two consecutive nodes of an OSM way.
struct OsmArc {
  NodeId tail;               ///< OSM node id
  NodeId head;               ///< OSM node id
  std::int64_t length_mm;    ///< great-circle length, rounded to the millimetre
  std::int64_t duration_ms;  ///< length at the way's speed, rounded; at least 1 when length_mm > 0
  std::int64_t way_id;       ///< the OSM way it belongs to, to trace an arc back to the map
};

/// What loading kept and dropped, for the operator to see.
struct OsmStats {
  std::size_t ways_routable = 0;      ///< ways whose arcs entered the network (before the SCC)
  std::size_t ways_restricted = 0;    ///< routable class, but closed to cars (access, ...)
  std::size_t missing_locations = 0;  ///< way node references with no node in the file
  std::size_t components = 0;         ///< strongly connected components before trimming
  std::size_t dropped_nodes = 0;      ///< nodes outside the largest component
  std::size_t dropped_arcs = 0;       ///< arcs touching a node outside it
};

/// A car road network: the largest strongly connected component of the routable ways, every
/// OSM node of those ways kept (no contraction). Plain data, owned by the caller.
struct OsmNetwork {
  std::vector<NodeId> node_ids;    ///< sorted ascending, unique
  std::vector<Coordinate> coords;  ///< one per node_ids entry, rounded to microdegrees
  std::vector<OsmArc> arcs;        ///< in file order, both directions of two-way roads
  OsmStats stats;
};

/// One line for an operator: what loading kept and what it left out, e.g. "812 ways routable, 9
/// closed to cars, 0 node references missing; 4 components: kept the largest, dropped 6 nodes
/// and 11 arcs".
std::string describe(const OsmStats& stats);

/// Reads `path` (format by extension: .osm.pbf, .osm, .osm.gz, .osm.bz2) with libosmium and
/// keeps the ways `profile` lets a car drive on. Throws LoadError naming the file when it cannot
/// be read or holds no routable way.
OsmNetwork load_osm(const std::filesystem::path& path, const OsmProfile& profile);

/// The routing graph of a network: arc cost is the duration in milliseconds (CostUnit::
/// duration_ms), every arc has its length, and the nodes carry their coordinates. Parallel arcs
/// (two ways joining the same two nodes) keep the fastest, with its length.
RoadGraph build_road_graph(const OsmNetwork& network, BuildReport* report = nullptr);

/// The speed a `maxspeed` value gives, in km/h: "50", "50 km/h", "30 mph". Nothing for a value
/// that names no number ("none", "signals", "walk", "DE:urban", "50;70"), so the caller falls back
/// to the speed of the road's class.
std::optional<double> parse_maxspeed_kmh(std::string_view value);

}  // namespace waybill::router
