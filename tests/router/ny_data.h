// Test support for the DIMACS NY graph: where the data lives, and a naive reader and Dijkstra
// that share no code with the router, to serve as the oracle.
#pragma once

#include <zlib.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <optional>
#include <queue>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "router/types.h"

#ifndef WAYBILL_DEFAULT_DATA_DIR
#error "WAYBILL_DEFAULT_DATA_DIR must be defined by the build"
#endif

namespace waybill::router::testing {

/// The road-data folder: $WAYBILL_DATA, else the shared folder next to the checkout.
inline std::filesystem::path data_dir() {
  if (const char* env = std::getenv("WAYBILL_DATA"); env != nullptr && *env != '\0') return env;
  return WAYBILL_DEFAULT_DATA_DIR;
}

inline std::filesystem::path ny_gr() { return data_dir() / "dimacs" / "USA-road-d.NY.gr.gz"; }
inline std::filesystem::path ny_co() { return data_dir() / "dimacs" / "USA-road-d.NY.co.gz"; }

/// Why a missing data file fails a test rather than skipping it.
inline std::string missing_data_message(const std::filesystem::path& file) {
  return "road data file " + file.string() +
         " is missing: set WAYBILL_DATA to the folder holding " +
         file.lexically_relative(data_dir()).string() +
         " (see shared/data/README.md); these tests fail rather than skip without it";
}

/// Every arc of a `.gr` file as listed (parallel arcs kept), by dense index id - 1.
struct NaiveGraph {
  struct Out {
    std::uint32_t head;
    Cost cost;
  };
  std::vector<std::vector<Out>> out;
  std::size_t arc_lines = 0;

  std::size_t size() const { return out.size(); }

  /// The cheapest arc u -> v, by external id.
  std::optional<Cost> cheapest_arc(NodeId u, NodeId v) const {
    std::optional<Cost> best;
    const auto tail = static_cast<std::size_t>(to_int(u) - 1);
    for (const Out& o : out.at(tail)) {
      if (o.head + 1 == static_cast<std::uint64_t>(to_int(v)) && (!best || o.cost < *best)) {
        best = o.cost;
      }
    }
    return best;
  }
};

/// Reads a (gzipped) `.gr` file with zlib, trusting it: only `p` and `a` lines matter.
inline NaiveGraph read_naive_gr(const std::filesystem::path& path) {
  gzFile in = gzopen(path.c_str(), "rb");
  if (in == nullptr) throw std::runtime_error("cannot open " + path.string());
  NaiveGraph g;
  char line[256];
  while (gzgets(in, line, sizeof line) != nullptr) {
    unsigned long long n = 0;
    long long tail = 0;
    long long head = 0;
    long long cost = 0;
    if (std::sscanf(line, "p sp %llu", &n) == 1) {
      g.out.resize(n);
    } else if (std::sscanf(line, "a %lld %lld %lld", &tail, &head, &cost) == 3) {
      g.out.at(static_cast<std::size_t>(tail - 1))
          .push_back({static_cast<std::uint32_t>(head - 1), cost});
      ++g.arc_lines;
    }
  }
  gzclose(in);
  return g;
}

/// Textbook Dijkstra with a binary heap and lazy deletion. Distances by id - 1; stops once
/// `target` is settled when given.
inline std::vector<Cost> naive_dijkstra(const NaiveGraph& g, NodeId origin,
                                        std::optional<NodeId> target = std::nullopt) {
  using Entry = std::pair<Cost, std::uint32_t>;
  std::vector<Cost> dist(g.size(), kInfiniteCost);
  std::vector<bool> settled(g.size(), false);
  std::priority_queue<Entry, std::vector<Entry>, std::greater<>> heap;
  const auto s = static_cast<std::uint32_t>(to_int(origin) - 1);
  dist[s] = 0;
  heap.emplace(0, s);
  while (!heap.empty()) {
    const auto [d, u] = heap.top();
    heap.pop();
    if (settled[u]) continue;
    settled[u] = true;
    if (target && u + 1 == static_cast<std::uint64_t>(to_int(*target))) break;
    for (const NaiveGraph::Out& o : g.out[u]) {
      if (d + o.cost < dist[o.head]) {
        dist[o.head] = d + o.cost;
        heap.emplace(dist[o.head], o.head);
      }
    }
  }
  return dist;
}

}  // namespace waybill::router::testing
