#include "cli/graph_source.h"

#include <boost/program_options.hpp>

#include <ostream>

#include "router/dimacs.h"
#include "router/osm.h"
#include "router/osm_profile.h"

namespace waybill::cli {

namespace po = boost::program_options;

void add_graph_options(po::options_description& options, GraphSource& source) {
  // --graph and --dimacs fill one field: scripts use either name (--dimacs is graph import's
  // old one), so each must work everywhere, and both at once would be ambiguous.
  const auto set_graph = [&source](const std::string& file) {
    if (!source.graph.empty()) throw po::error("--dimacs is another name for --graph: give one");
    source.graph = file;
  };
  options.add_options()
      ("graph", po::value<std::string>()->notifier(set_graph), "DIMACS .gr file, plain or gzip")
      ("dimacs", po::value<std::string>()->notifier(set_graph), "another name for --graph")
      ("coords", po::value(&source.coords), "DIMACS .co file of the same nodes, plain or gzip")
      ("osm", po::value(&source.osm),
       "OpenStreetMap extract (.osm.pbf, .osm, .osm.gz, .osm.bz2): its largest strongly "
       "connected car network")
      ("profile", po::value(&source.profile),
       "car profile for --osm (default: the built-in one, router/profiles/car.profile)");
}

std::string validate(const GraphSource& source) {
  if (source.graph.empty() == source.osm.empty()) return "give exactly one of --graph and --osm";
  if (!source.coords.empty() && source.graph.empty()) return "--coords goes with --graph";
  if (!source.profile.empty() && source.osm.empty()) return "--profile goes with --osm";
  return "";
}

router::RoadGraph load_graph(const GraphSource& source, std::ostream* osm_stats,
                             router::BuildReport* report) {
  if (source.osm.empty()) return router::load_dimacs(source.graph, source.coords, report);
  const router::OsmProfile profile = source.profile.empty()
                                         ? router::default_car_profile()
                                         : router::load_osm_profile(source.profile);
  const router::OsmNetwork network = router::load_osm(source.osm, profile);
  if (osm_stats) *osm_stats << source.osm << ": " << router::describe(network.stats) << '\n';
  return router::build_road_graph(network, report);
}

}  // namespace waybill::cli
