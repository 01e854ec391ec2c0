// The sources and destinations of `waybill matrix`: one a line, a node id or a point
// ('lat,lon' in degrees) snapped onto the nearest road as `waybill route` snaps them.
#pragma once

#include <cstdint>
#include <istream>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "router/endpoint.h"
#include "router/graph.h"

namespace waybill::cli {

/// One source or destination of the matrix.
struct End {
  std::string csv;                         ///< as the CSV shows it: the id, or "lat,lon" quoted
  std::optional<router::NodeIndex> node;   ///< a node of the graph
  std::optional<router::Endpoint> as_origin, as_destination;  ///< a point, snapped

  /// It has a place on the graph: a node, or a point that snapped.
  bool usable() const { return node || as_origin; }
  router::Endpoint origin() const { return node ? router::node_endpoint(*node) : *as_origin; }
  router::Endpoint destination() const {
    return node ? router::node_endpoint(*node) : *as_destination;
  }
};

/// Both lists, and the destinations that have a place on the graph as the hierarchy's targets.
struct MatrixEnds {
  std::vector<End> sources, destinations;
  bool points = false;  ///< some end is a point: the matrix is answered in the Endpoint form
  std::vector<std::int64_t> column;                 ///< destination -> target index; -1: none
  std::vector<router::NodeIndex> target_nodes;      ///< without points
  std::vector<router::Endpoint> target_endpoints;   ///< with points
  bool any_bad = false;  ///< a line was bad, a node unknown or a point unsnappable (reported)
};

/// Reads the sources from `sources_file` (from `in` when empty) and the destinations from
/// `destinations_file` (the sources again when empty). A bad line or an unknown node is reported
/// on `err` with its file and line number and left out; an unsnappable point is reported and kept
/// (its cells say so). Throws std::runtime_error when a file cannot be read.
MatrixEnds read_matrix_ends(const router::RoadGraph& graph, const std::string& sources_file,
                            const std::string& destinations_file, double snap_radius_m,
                            std::istream& in, std::ostream& err);

}  // namespace waybill::cli
