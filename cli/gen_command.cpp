// `waybill gen`: writes a batch file shaped like a delivery day: a few depots, each serving many
// deliveries to addresses spread over the road network. In node form the ends are node ids; in
// coordinate form they are addresses: points along the graph's roads, a few metres off them,
// as geocoded addresses are.
#include <charconv>
#include <numbers>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <numeric>
#include <random>

#include "cli/cli_options.h"
#include "cli/commands.h"
#include "cli/graph_source.h"
#include "router/geo.h"

namespace waybill::cli {
namespace po = boost::program_options;

namespace {


/// Random addresses near the roads of a graph with coordinates: a uniform point along a random
/// arc, moved up to `max_offset_m` in a random direction (a house beside its street).
class AddressMaker {
 public:
  AddressMaker(const router::RoadGraph& graph, double max_offset_m)
      : m_graph(&graph), m_arcs(graph.arcs()), m_max_offset_m(max_offset_m) {
    if (m_arcs.empty()) throw std::runtime_error("the graph has no arcs");
  }

  /// Latitude and longitude in degrees.
  std::pair<double, double> operator()(std::mt19937_64& rng) const {
    std::uniform_int_distribution<std::size_t> pick(0, m_arcs.size() - 1);
    std::uniform_real_distribution<double> unit(0, 1);
    const router::Arc& arc = m_arcs[pick(rng)];
    const router::Coordinate a = m_graph->coordinate(*m_graph->index_of(arc.tail));
    const router::Coordinate b = m_graph->coordinate(*m_graph->index_of(arc.head));
    const double t = unit(rng);
    double lat = (a.lat_e6 + t * (b.lat_e6 - a.lat_e6)) / 1e6;
    double lon = (a.lon_e6 + t * (b.lon_e6 - a.lon_e6)) / 1e6;
    const double offset = m_max_offset_m * unit(rng);
    const double bearing = 2 * std::numbers::pi * unit(rng);
    const double metres_per_degree = router::kEarthRadiusM * std::numbers::pi / 180;
    lat += offset * std::cos(bearing) / metres_per_degree;
    lon += offset * std::sin(bearing) / (metres_per_degree * std::cos(lat * std::numbers::pi / 180));
    return {lat, lon};
  }

 private:
  const router::RoadGraph* m_graph;
  std::vector<router::Arc> m_arcs;
  double m_max_offset_m;
};

}  // namespace

int gen_command(std::span<const std::string> args) {
  GraphSource source;
  std::string out_file;
  std::uint64_t jobs = 1000, depots = 10, seed = 1;
  double offset_m = 20;
  po::options_description options(
      "waybill gen (--graph FILE.gr[.gz] [--coords FILE.co[.gz]] | --osm FILE.osm.pbf\n"
      "            [--profile FILE]) --jobs N --depots D --seed S [--out FILE]\n\nWrites a batch "
      "file in which each job leaves one of D distinct depots for a random\naddress. In node form "
      "(order_id,origin,destination,weight_kg,priority) depots and\naddresses are random "
      "nodes. With --coords, or --osm, the file is in coordinate form\n"
      "(order_id,origin_lat,origin_lon,dest_lat,dest_lon,weight_kg,priority): each address is\na "
      "random point along a random road, up to --offset-m off it. --depots N --jobs N\ngives "
      "jobs whose origins all differ. The same seed gives the same file.\n\nOptions");
  options.add_options()("help,h", "show this help");
  add_graph_options(options, source);
  options.add_options()
      ("jobs", po::value(&jobs)->default_value(jobs), "number of jobs")
      ("depots", po::value(&depots)->default_value(depots), "number of depots (origins)")
      ("seed", po::value(&seed)->default_value(seed), "random seed")
      ("offset-m", po::value(&offset_m)->default_value(offset_m),
       "coordinate form: how far at most an address lies from its road")
      ("out", po::value(&out_file), "output file (default: stdout)");
  po::variables_map vm;
  if (auto status = parse_options(args, options, vm, "gen")) return *status;
  if (const std::string problem = validate(source); !problem.empty()) {
    std::cerr << "waybill gen: " << problem << '\n';
    return 2;
  }
  if (depots == 0) {
    std::cerr << "waybill gen: --depots must be at least 1\n";
    return 2;
  }
  if (!(offset_m >= 0 && offset_m <= 10'000)) {
    std::cerr << "waybill gen: --offset-m must be 0..10000\n";
    return 2;
  }
  const bool coordinate_form = !source.coords.empty() || !source.osm.empty();
  try {
    const router::RoadGraph graph = load_graph(source);
    if (graph.num_nodes() == 0) throw std::runtime_error("the graph has no nodes");
    std::mt19937_64 rng(seed);
    std::uniform_int_distribution<router::NodeIndex> node(
        0, static_cast<router::NodeIndex>(graph.num_nodes() - 1));
    std::uniform_int_distribution<int> grams(100, 30000);
    std::uniform_int_distribution<int> priority(0, 2);
    if (depots > graph.num_nodes()) {
      throw std::runtime_error("--depots " + std::to_string(depots) + " exceeds the graph's " +
                               std::to_string(graph.num_nodes()) + " nodes");
    }
    // Distinct depots: a partial Fisher-Yates shuffle of the node indices.
    std::vector<router::NodeIndex> nodes(graph.num_nodes());
    std::iota(nodes.begin(), nodes.end(), router::NodeIndex{0});
    std::vector<std::int64_t> depot_ids(depots);
    for (std::size_t i = 0; i < depots; ++i) {
      std::uniform_int_distribution<std::size_t> pick(i, nodes.size() - 1);
      std::swap(nodes[i], nodes[pick(rng)]);
      depot_ids[i] = router::to_int(graph.id_of(nodes[i]));
    }
    std::optional<AddressMaker> address;
    std::vector<std::pair<double, double>> depot_points;
    if (coordinate_form) {
      address.emplace(graph, offset_m);
      for (std::size_t i = 0; i < depots; ++i) depot_points.push_back((*address)(rng));
    }

    std::FILE* out = out_file.empty() ? stdout : std::fopen(out_file.c_str(), "wb");
    if (!out) throw std::runtime_error(out_file + ": cannot create");
    std::vector<char> buffer(1 << 20);
    std::setvbuf(out, buffer.data(), _IOFBF, buffer.size());
    std::fputs(coordinate_form ? "order_id,origin_lat,origin_lon,dest_lat,dest_lon,weight_kg,priority\n"
                               : "order_id,origin,destination,weight_kg,priority\n",
               out);
    for (std::uint64_t i = 0; i < jobs; ++i) {
      const int g = grams(rng);
      if (coordinate_form) {
        const auto [lat, lon] = depot_points[i % depots];
        const auto [dest_lat, dest_lon] = (*address)(rng);
        std::fprintf(out, "D%llu,%.6f,%.6f,%.6f,%.6f,%d.%03d,%d\n",
                     static_cast<unsigned long long>(i), lat, lon, dest_lat, dest_lon, g / 1000,
                     g % 1000, priority(rng));
      } else {
        std::fprintf(out, "D%llu,%lld,%lld,%d.%03d,%d\n", static_cast<unsigned long long>(i),
                     static_cast<long long>(depot_ids[i % depots]),
                     static_cast<long long>(router::to_int(graph.id_of(node(rng)))), g / 1000,
                     g % 1000, priority(rng));
      }
    }
    if (std::fflush(out) != 0 || (out != stdout && std::fclose(out) != 0)) {
      throw std::runtime_error(out_file + ": write failed");
    }
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "waybill gen: " << e.what() << '\n';
    return 1;
  }
}

}  // namespace waybill::cli
