// `waybill graph import` and `waybill db migrate`: the commands that talk to PostgreSQL directly.
#include <boost/program_options.hpp>

#include <chrono>
#include <iostream>

#include "cli/cli_options.h"
#include "cli/commands.h"
#include "common/sha256.h"
#include "dispatcher/store.h"
#include "router/dimacs.h"
#include "router/osm.h"
#include "router/osm_profile.h"
#include "schema/graph_codec.h"

namespace waybill::cli {
namespace po = boost::program_options;

namespace {

/// Where `graph import` reads its graph: a DIMACS pair or an OpenStreetMap extract.
struct GraphSource {
  std::string dimacs, coords;  // DIMACS .gr and optional .co
  std::string osm, profile;    // OSM extract and optional car profile
};

/// The usage error in a combination of source options, or "" when it is fine.
std::string check_source(const GraphSource& source) {
  if (source.dimacs.empty() == source.osm.empty()) return "give exactly one of --dimacs and --osm";
  if (!source.coords.empty() && source.dimacs.empty()) return "--coords goes with --dimacs";
  if (!source.profile.empty() && source.osm.empty()) return "--profile goes with --osm";
  return "";
}

/// Loads the graph. For an OSM extract, prints what the loader left out (ways closed to cars,
/// nodes outside the largest strongly connected component) before anything is stored, so that
/// the operator sees it; arc costs are then travel times in milliseconds.
router::RoadGraph load_source(const GraphSource& source, router::BuildReport& report) {
  if (source.osm.empty()) return router::load_dimacs(source.dimacs, source.coords, &report);
  const router::OsmProfile profile = source.profile.empty()
                                         ? router::default_car_profile()
                                         : router::load_osm_profile(source.profile);
  const router::OsmNetwork network = router::load_osm(source.osm, profile);
  std::cout << source.osm << ": " << router::describe(network.stats) << '\n';
  return router::build_road_graph(network, &report);
}

}  // namespace

int graph_import_command(std::span<const std::string> args) {
  std::string db, name;
  GraphSource source;
  po::options_description options(
      "waybill graph import --db CONNINFO --name NAME (--dimacs FILE.gr[.gz] "
      "[--coords FILE.co[.gz]] | --osm FILE.osm.pbf [--profile FILE])\n\nStores a road graph in "
      "PostgreSQL (graphs, graph_nodes, graph_edges), identified by the\nsha256 of its serialized "
      "form. Importing the same graph again is a no-op. Arc costs are\nthe DIMACS weights as "
      "given, or for OpenStreetMap the travel time in milliseconds.\n\nOptions");
  options.add_options()
      ("help,h", "show this help")
      ("db", po::value(&db)->default_value(""), "PostgreSQL conninfo (default: PG* variables)")
      ("name", po::value(&name)->required(), "the graph's name, used by 'waybill submit --graph'")
      ("dimacs", po::value(&source.dimacs), "DIMACS .gr file, plain or gzip")
      ("coords", po::value(&source.coords), "DIMACS .co file, plain or gzip")
      ("osm", po::value(&source.osm), "OpenStreetMap extract (.osm.pbf, .osm, .osm.gz, .osm.bz2)")
      ("profile", po::value(&source.profile),
       "car profile for --osm (default: the built-in one, router/profiles/car.profile)");
  po::variables_map vm;
  if (auto status = parse_options(args, options, vm, "graph import")) return *status;
  if (const std::string problem = check_source(source); !problem.empty()) {
    std::cerr << "waybill graph import: " << problem << "\n\n" << options << '\n';
    return 2;
  }
  try {
    const auto t0 = std::chrono::steady_clock::now();
    router::BuildReport report;
    const router::RoadGraph graph = load_source(source, report);
    const std::string bytes = wire::encode_graph(graph);
    const std::string hash = sha256_hex(bytes);
    std::vector<std::int64_t> ids(graph.num_nodes());
    std::vector<std::pair<std::int32_t, std::int32_t>> lon_lat;
    for (router::NodeIndex i = 0; i < ids.size(); ++i) {
      ids[i] = router::to_int(graph.id_of(i));
      if (graph.has_coordinates()) {
        lon_lat.emplace_back(graph.coordinate(i).lon_e6, graph.coordinate(i).lat_e6);
      }
    }
    std::vector<std::tuple<std::int64_t, std::int64_t, std::int64_t>> arcs;
    arcs.reserve(graph.num_arcs());
    dispatcher::GraphExtras extras;
    extras.cost_unit =
        graph.cost_unit() == router::CostUnit::duration_ms ? "duration_ms" : "native";
    for (const auto& a : graph.arcs()) {
      arcs.emplace_back(router::to_int(a.tail), router::to_int(a.head), a.cost);
      if (graph.has_lengths()) extras.lengths_mm.push_back(a.length_mm);
    }
    dispatcher::Store store(db);
    store.migrate();
    const auto info = store.import_graph(name, hash, bytes, ids, lon_lat, arcs, extras);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::cout << "graph '" << info.name << "' (id " << info.id << "): " << info.num_nodes
              << " nodes, " << info.num_arcs << " arcs (" << report.parallel_arcs
              << " parallel arcs merged, " << report.self_loops << " self-loops dropped), sha256 "
              << info.hash << ", " << s << " s\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "waybill graph import: " << e.what() << '\n';
    return 1;
  }
}

int db_migrate_command(std::span<const std::string> args) {
  std::string db;
  po::options_description options(
      "waybill db migrate --db CONNINFO\n\nApplies the sql/ migrations not applied yet "
      "(the dispatcher also does at start).\n\nOptions");
  options.add_options()
      ("help,h", "show this help")
      ("db", po::value(&db)->default_value(""), "PostgreSQL conninfo (default: PG* variables)");
  po::variables_map vm;
  if (auto status = parse_options(args, options, vm, "db migrate")) return *status;
  try {
    dispatcher::Store store(db);
    store.migrate();
    std::cout << "database is up to date\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "waybill db migrate: " << e.what() << '\n';
    return 1;
  }
}

}  // namespace waybill::cli
