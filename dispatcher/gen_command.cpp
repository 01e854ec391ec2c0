// `waybill gen`: writes a batch file shaped like a delivery day: a few depots, each serving many
// deliveries to addresses spread over the road network.
#include <charconv>
#include <cstdio>
#include <iostream>
#include <numeric>
#include <random>

#include "dispatcher/cli_options.h"
#include "dispatcher/commands.h"
#include "router/dimacs.h"

namespace waybill::cli {
namespace po = boost::program_options;

int gen_command(std::span<const std::string> args) {
  std::string graph_file, out_file;
  std::uint64_t jobs = 1000, depots = 10, seed = 1;
  po::options_description options(
      "waybill gen --graph FILE.gr[.gz] --jobs N --depots D --seed S [--out FILE]\n\nWrites a "
      "batch file (order_id,origin,destination,weight_kg,priority): each job\nleaves one of D "
      "distinct depots, picked at random among the graph's nodes, for a\nrandom node. "
      "--depots N --jobs N gives jobs whose origins all differ. The same\nseed gives the "
      "same file.\n\nOptions");
  options.add_options()
      ("help,h", "show this help")
      ("graph", po::value(&graph_file)->required(), "DIMACS .gr file the node ids come from")
      ("jobs", po::value(&jobs)->default_value(jobs), "number of jobs")
      ("depots", po::value(&depots)->default_value(depots), "number of depots (origins)")
      ("seed", po::value(&seed)->default_value(seed), "random seed")
      ("out", po::value(&out_file), "output file (default: stdout)");
  po::variables_map vm;
  if (auto status = parse_options(args, options, vm, "gen")) return *status;
  if (depots == 0) {
    std::cerr << "waybill gen: --depots must be at least 1\n";
    return 2;
  }
  try {
    const router::RoadGraph graph = router::load_dimacs(graph_file);
    if (graph.num_nodes() == 0) throw std::runtime_error(graph_file + ": the graph has no nodes");
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

    std::FILE* out = out_file.empty() ? stdout : std::fopen(out_file.c_str(), "wb");
    if (!out) throw std::runtime_error(out_file + ": cannot create");
    std::vector<char> buffer(1 << 20);
    std::setvbuf(out, buffer.data(), _IOFBF, buffer.size());
    std::fputs("order_id,origin,destination,weight_kg,priority\n", out);
    for (std::uint64_t i = 0; i < jobs; ++i) {
      const int g = grams(rng);
      std::fprintf(out, "D%llu,%lld,%lld,%d.%03d,%d\n", static_cast<unsigned long long>(i),
                   static_cast<long long>(depot_ids[i % depots]),
                   static_cast<long long>(router::to_int(graph.id_of(node(rng)))), g / 1000,
                   g % 1000, priority(rng));
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
