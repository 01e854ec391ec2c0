// Where a `waybill` command reads its road graph: a DIMACS pair or an OpenStreetMap extract, given
// by the same options in every command that loads one (graph import, gen, route).
#pragma once

#include <iosfwd>
#include <string>

#include "router/graph.h"

namespace boost::program_options {
class options_description;
}

namespace waybill::cli {

/// The graph files a command was given.
struct GraphSource {
  std::string graph, coords;  ///< DIMACS .gr and optional .co (--graph, also --dimacs; --coords)
  std::string osm, profile;   ///< OpenStreetMap extract and optional car profile
};

/// Adds --graph (and --dimacs, another name for it), --coords, --osm and --profile to `options`,
/// stored into `source` when the command's options are notified, which `source` must outlive.
/// Giving --graph and --dimacs both is a usage error then.
void add_graph_options(boost::program_options::options_description& options,
                       GraphSource& source);

/// The usage error in the combination of files given, or "" when it is fine.
std::string validate(const GraphSource& source);

/// Loads the graph; throws router::LoadError naming the file. From an OSM extract, says on
/// `osm_stats` (when given) what the loader left out: ways closed to cars, nodes outside the
/// largest strongly connected component (why a node of the map may be unknown to the graph).
/// `report`, when given, gets what building the graph dropped and merged.
router::RoadGraph load_graph(const GraphSource& source, std::ostream* osm_stats = nullptr,
                             router::BuildReport* report = nullptr);

}  // namespace waybill::cli
