// `waybill graph import` and `waybill db migrate`: the commands that talk to PostgreSQL directly.
#include <boost/program_options.hpp>

#include <chrono>
#include <iostream>

#include "cli/cli_options.h"
#include "cli/commands.h"
#include "cli/graph_source.h"
#include "cli/hierarchy.h"
#include "common/sha256.h"
#include "dispatcher/store.h"
#include "schema/graph_codec.h"

namespace waybill::cli {
namespace po = boost::program_options;

int graph_import_command(std::span<const std::string> args) {
  std::string db, name;
  GraphSource source;
  po::options_description options(
      "waybill graph import --db CONNINFO --name NAME (--graph FILE.gr[.gz] "
      "[--coords FILE.co[.gz]] | --osm FILE.osm.pbf [--profile FILE])\n\nStores a road graph in "
      "PostgreSQL (graphs, graph_nodes, graph_edges), identified by the\nsha256 of its serialized "
      "form. Importing the same graph again is a no-op. Arc costs are\nthe DIMACS weights as "
      "given, or for OpenStreetMap the travel time in milliseconds.\nIts contraction hierarchy "
      "is built once (every core; 8 s on NY) and kept beside it\n(graph_hierarchies): workers "
      "answer lone origins from it. Importing again builds\nit for a graph that lacks one.\n\n"
      "Options");
  options.add_options()
      ("help,h", "show this help")
      ("db", po::value(&db)->default_value(""), "PostgreSQL conninfo (default: PG* variables)")
      ("name", po::value(&name)->required(), "the graph's name, used by 'waybill submit --graph'")
      ("no-hierarchy", "do not build the contraction hierarchy (workers then use A*)");
  add_graph_options(options, source);
  po::variables_map vm;
  if (auto status = parse_options(args, options, vm, "graph import")) return *status;
  if (const std::string problem = validate(source); !problem.empty()) {
    std::cerr << "waybill graph import: " << problem << "\n\n" << options << '\n';
    return 2;
  }
  try {
    const auto t0 = std::chrono::steady_clock::now();
    router::BuildReport report;
    // An OSM load says what it left out before anything is stored, so that the operator sees it.
    const router::RoadGraph graph = load_graph(source, &std::cout, &report);
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
    if (!vm.count("no-hierarchy") && !store.has_hierarchy(info.id)) {
      double build_s = 0;
      const auto ch = build_hierarchy(graph, std::cout, &build_s);
      store.store_hierarchy(info.id, hierarchy_bytes(ch, info.hash), ch.num_shortcuts(), build_s);
    }
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
