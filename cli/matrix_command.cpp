// `waybill matrix`: the cost (and distance, duration) from every source to every destination,
// answered from the graph's contraction hierarchy by buckets (router/ch_query.h), a block of
// sources at a time, so that a large matrix streams out instead of being held whole.
#include <boost/program_options.hpp>

#include <algorithm>
#include <bit>
#include <charconv>
#include <chrono>
#include <cstring>
#include <fstream>
#include <iostream>
#include <optional>
#include <thread>
#include <vector>

#include "cli/cli_options.h"
#include "cli/commands.h"
#include "cli/graph_source.h"
#include "cli/hierarchy.h"
#include "cli/matrix_ends.h"
#include "cli/text_fields.h"
#include "common/cache_dir.h"
#include "common/sha256.h"
#include "dispatcher/store.h"
#include "router/ch_file.h"
#include "router/ch_query.h"
#include "schema/graph_codec.h"

namespace waybill::cli {
namespace {

namespace po = boost::program_options;
using Clock = std::chrono::steady_clock;

constexpr std::size_t kBlockRows = 32;  // sources a thread answers at once
constexpr std::int64_t kBinUnreachable = -1;
constexpr std::int64_t kBinUnsnappable = -2;
static_assert(std::endian::native == std::endian::little, "the binary format is little-endian");

/// The graph and its hierarchy, from files (hierarchy cached) or from PostgreSQL.
struct Network {
  router::RoadGraph graph;
  router::ContractionHierarchy ch;
};

Network load_network(const GraphSource& files, const std::string& db, const std::string& name,
                     const std::filesystem::path& cache_dir, std::ostream& err) {
  if (name.empty()) {
    router::RoadGraph graph = load_graph(files);
    const std::string hash = sha256_hex(wire::encode_graph(graph));
    auto ch = cached_hierarchy(graph, hash, cache_dir, err);
    return {std::move(graph), std::move(ch)};
  }
  dispatcher::Store store(db);
  const auto info = store.find_graph(name);
  if (!info) throw std::runtime_error("no graph named '" + name + "' in the database");
  router::RoadGraph graph = wire::decode_graph(store.graph_bytes(info->id));
  const auto blob = store.hierarchy(info->id);
  if (!blob) {
    err << "graph '" << name << "' has no hierarchy in the database (import it again to keep "
        << "one); building it for this command\n";
    auto ch = build_hierarchy(graph, err);
    return {std::move(graph), std::move(ch)};
  }
  const auto file = std::filesystem::temp_directory_path() /
                    ("waybill-matrix-" + std::to_string(::getpid()) + ".ch");
  std::ofstream(file, std::ios::binary) << blob->bytes;
  auto ch = router::load_hierarchy(file, graph, info->hash);
  std::filesystem::remove(file);
  return {std::move(graph), std::move(ch)};
}

/// How the cells are written.
struct Format {
  bool binary = false;
  bool distances = false;
  bool durations = false;  ///< the graph's costs are milliseconds
};

void append_int(std::string& out, std::int64_t v) {
  char buffer[24];
  const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, v);
  out.append(buffer, end);
}

template <class T>
void append_raw(std::string& out, T v) {
  out.append(reinterpret_cast<const char*>(&v), sizeof v);
}

/// One cell: the cost, or why there is none (`status`: 0 ok, 1 unreachable, 2 unsnappable).
void append_cell(std::string& out, const Format& f, const End& from, const End& to, int status,
                 router::Cost cost, std::int64_t length_mm) {
  if (f.binary) {
    append_raw<std::int64_t>(out, status == 0 ? cost
                                  : status == 1 ? kBinUnreachable
                                                : kBinUnsnappable);
    if (f.distances) append_raw<std::int64_t>(out, status == 0 ? length_mm : -1);
    return;
  }
  out += from.csv;
  out += ',';
  out += to.csv;
  out += ',';
  if (status != 0) {
    out += status == 1 ? "unreachable" : "unsnappable";
    if (f.distances) out += ',';
    if (f.durations) out += ',';
    out += '\n';
    return;
  }
  append_int(out, cost);
  if (f.distances) {
    out += ',';
    append_metres(out, length_mm);
  }
  if (f.durations) {
    out += ',';
    append_metres(out, cost);  // milliseconds as seconds, three decimals
  }
  out += '\n';
}

/// The rows of sources [first, last) against every destination, appended to `out`.
void answer_rows(router::ChQuery& query, const MatrixEnds& m, const router::MatrixTargets& targets,
                 const Format& format, std::size_t first, std::size_t last, std::string& out) {
  router::MatrixCells cells;
  // The block's sources that have a place on the graph, and where their rows are in `cells`.
  std::vector<std::size_t> rows;
  for (std::size_t s = first; s < last; ++s) rows.push_back(s);
  std::erase_if(rows, [&](std::size_t s) { return !m.sources[s].usable(); });
  if (m.points) {
    std::vector<router::Endpoint> ends;
    for (const std::size_t s : rows) ends.push_back(m.sources[s].origin());
    query.rows(targets, ends, cells);
  } else {
    std::vector<router::NodeIndex> nodes;
    for (const std::size_t s : rows) nodes.push_back(*m.sources[s].node);
    query.rows(targets, nodes, cells);
  }
  std::size_t row = 0;
  for (std::size_t s = first; s < last; ++s) {
    const End& from = m.sources[s];
    const bool usable = from.usable();
    for (std::size_t d = 0; d < m.destinations.size(); ++d) {
      const End& to = m.destinations[d];
      const std::int64_t column = m.column[d];
      if (!usable || column < 0) {
        append_cell(out, format, from, to, 2, 0, -1);
        continue;
      }
      const std::size_t cell = row * cells.columns + static_cast<std::size_t>(column);
      const router::Cost cost = cells.cost[cell];
      const bool reached = cost != router::kInfiniteCost;
      append_cell(out, format, from, to, reached ? 0 : 1, cost,
                  reached && format.distances ? cells.length_mm[cell] : -1);
    }
    if (usable) ++row;
  }
}

}  // namespace

int matrix_command(std::span<const std::string> args, std::istream& in, std::ostream& out,
                   std::ostream& err) {
  GraphSource files;
  std::string db, name, sources_file, destinations_file, format_name = "csv";
  std::string cache_dir = default_cache_dir().string();
  unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  double snap_radius_m = router::kDefaultSnapRadiusM;
  po::options_description options(
      "waybill matrix (--graph FILE | --osm FILE | --db CONNINFO --name GRAPH) [--sources FILE]\n"
      "               [--destinations FILE] [--format csv|bin] [--distances] [--durations]\n\n"
      "The cost from every source to every destination, from the graph's contraction\n"
      "hierarchy (kept in PostgreSQL by 'graph import'; for graph files, built once and kept\n"
      "in the cache folder). Sources and destinations: one a line, a node id or 'lat,lon' in\n"
      "degrees (snapped onto the nearest road); without --destinations the sources are both;\n"
      "sources are read from stdin without --sources. CSV: 'source,destination,cost' (plus\n"
      "distance_m, duration_s), one line per pair, sources in file order and each source's\n"
      "destinations in file order; cost 'unreachable', or 'unsnappable' for a point farther\n"
      "than the snap radius from every road. --format bin: see the README. Bad lines and\n"
      "unsnappable points are reported on stderr with their line number; the exit status is 1\n"
      "if there was any, 2 on a usage or file error.\n\nOptions");
  options.add_options()("help,h", "show this help");
  add_graph_options(options, files);
  options.add_options()
      ("db", po::value(&db), "PostgreSQL conninfo, with --name: a graph imported there")
      ("name", po::value(&name), "the imported graph's name")
      ("sources", po::value(&sources_file), "file of sources (default: stdin)")
      ("destinations", po::value(&destinations_file), "file of destinations (default: sources)")
      ("format", po::value(&format_name)->default_value(format_name), "csv or bin")
      ("distances", "add each route's length in metres (a graph with lengths: --coords, --osm)")
      ("durations", "add each route's travel time in seconds (a graph whose cost is a time)")
      ("snap-radius-m", po::value(&snap_radius_m)->default_value(snap_radius_m),
       "points: the farthest a road may be, in metres")
      ("threads", po::value(&threads)->default_value(threads), "threads")
      ("cache-dir", po::value(&cache_dir)->default_value(cache_dir),
       "where hierarchies of graph files are kept")
      ("stats", "print timings on stderr");
  po::variables_map vm;
  if (auto status = parse_options(args, options, vm, "matrix")) return *status;
  const auto usage = [&](const std::string& problem) {
    err << "waybill matrix: " << problem << "\n\n" << options << '\n';
    return 2;
  };
  if (name.empty() == (files.graph.empty() && files.osm.empty())) {
    return usage("give a graph file (--graph or --osm), or --db and --name");
  }
  if (name.empty()) {
    if (const std::string problem = validate(files); !problem.empty()) return usage(problem);
  }
  if (format_name != "csv" && format_name != "bin") return usage("--format is csv or bin");
  if (threads == 0) return usage("--threads must be at least 1");
  if (!(snap_radius_m > 0)) return usage("--snap-radius-m must be a positive number of metres");

  const auto t0 = Clock::now();
  std::optional<Network> net;
  try {
    net.emplace(load_network(files, db, name, cache_dir, err));
  } catch (const std::exception& e) {
    err << "waybill matrix: " << e.what() << '\n';
    return 2;
  }
  const router::RoadGraph& graph = net->graph;
  Format format{format_name == "bin", vm.count("distances") > 0, vm.count("durations") > 0};
  if (format.distances && !graph.has_lengths()) {
    return usage("--distances needs a graph with lengths (--coords or --osm)");
  }
  if (format.durations && graph.cost_unit() != router::CostUnit::duration_ms) {
    return usage("--durations needs a graph whose cost is a travel time (--osm)");
  }
  const double load_s = std::chrono::duration<double>(Clock::now() - t0).count();

  std::optional<MatrixEnds> ends;
  try {
    ends = read_matrix_ends(graph, sources_file, destinations_file, snap_radius_m, in, err);
  } catch (const std::exception& e) {
    err << "waybill matrix: " << e.what() << '\n';
    return 2;
  }
  const MatrixEnds& m = *ends;

  const auto t1 = Clock::now();
  router::ChQuery first_query(graph, net->ch);
  const router::MatrixOptions cell_options{format.distances, false};
  const router::MatrixTargets targets =
      m.points ? first_query.targets(m.target_endpoints, cell_options)
               : first_query.targets(m.target_nodes, cell_options);
  if (format.binary) {
    std::string header("WBMATRIX", 8);
    append_raw<std::uint32_t>(header, 1);  // version
    append_raw<std::uint32_t>(header, (format.distances ? 1u : 0u) | (format.durations ? 2u : 0u));
    append_raw<std::uint64_t>(header, m.sources.size());
    append_raw<std::uint64_t>(header, m.destinations.size());
    out.write(header.data(), static_cast<std::streamsize>(header.size()));
  } else {
    out << "source,destination,cost" << (format.distances ? ",distance_m" : "")
        << (format.durations ? ",duration_s" : "") << '\n';
  }
  // Waves of one block a thread, written in order: memory stays a few blocks whatever the size.
  std::vector<router::ChQuery> queries;
  queries.push_back(std::move(first_query));
  for (unsigned t = 1; t < threads; ++t) queries.emplace_back(graph, net->ch);
  std::vector<std::string> blocks(threads);
  for (std::size_t wave = 0; wave < m.sources.size(); wave += kBlockRows * threads) {
    std::vector<std::thread> pool;
    for (unsigned t = 0; t < threads; ++t) {
      const std::size_t first = std::min(m.sources.size(), wave + t * kBlockRows);
      const std::size_t last = std::min(m.sources.size(), first + kBlockRows);
      blocks[t].clear();
      if (first == last) continue;
      auto work = [&, t, first, last] {
        answer_rows(queries[t], m, targets, format, first, last, blocks[t]);
      };
      if (t + 1 == threads) {
        work();
      } else {
        pool.emplace_back(work);
      }
    }
    for (auto& th : pool) th.join();
    for (const std::string& block : blocks) {
      out.write(block.data(), static_cast<std::streamsize>(block.size()));
    }
  }
  out.flush();
  if (vm.count("stats")) {
    err << "graph and hierarchy loaded in " << load_s << " s; " << m.sources.size() << " x "
        << m.destinations.size() << " matrix in "
        << std::chrono::duration<double>(Clock::now() - t1).count() << " s\n";
  }
  return m.any_bad ? 1 : 0;
}

}  // namespace waybill::cli
