#include "cli/hierarchy.h"

#include <unistd.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "router/ch_file.h"

namespace waybill::cli {

router::ContractionHierarchy build_hierarchy(const router::RoadGraph& graph, std::ostream& log,
                                             double* seconds) {
  router::ChBuildReport report;
  auto ch = router::ContractionHierarchy::build(
      graph, std::max(1u, std::thread::hardware_concurrency()), &report);
  log << "hierarchy: " << report.shortcuts << " shortcuts, " << (ch.bytes() >> 20)
      << " MiB, built in " << report.seconds << " s\n";
  if (seconds) *seconds = report.seconds;
  return ch;
}

router::ContractionHierarchy cached_hierarchy(const router::RoadGraph& graph,
                                              const std::string& graph_hash,
                                              const std::filesystem::path& cache_dir,
                                              std::ostream& log) {
  const auto file = cache_dir.empty() ? std::filesystem::path()
                                      : cache_dir / (graph_hash + ".ch");
  std::error_code ec;
  if (!file.empty() && std::filesystem::exists(file, ec)) {
    try {
      return router::load_hierarchy(file, graph, graph_hash);
    } catch (const std::exception& e) {
      log << "hierarchy refused, building it again: " << e.what() << '\n';
    }
  }
  log << "building the graph's hierarchy (once; kept in "
      << (file.empty() ? std::string("no cache folder") : file.string()) << ")\n";
  auto ch = build_hierarchy(graph, log);
  if (!file.empty()) {
    try {
      std::filesystem::create_directories(cache_dir);
      router::save_hierarchy(file, ch, graph_hash);
    } catch (const std::exception& e) {
      log << "hierarchy not kept: " << e.what() << '\n';
    }
  }
  return ch;
}

std::string hierarchy_bytes(const router::ContractionHierarchy& ch,
                            const std::string& graph_hash) {
  const auto file = std::filesystem::temp_directory_path() /
                    ("waybill-" + std::to_string(::getpid()) + "-" + graph_hash + ".ch");
  router::save_hierarchy(file, ch, graph_hash);
  std::ifstream in(file, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  std::filesystem::remove(file);
  if (!in) throw std::runtime_error(file.string() + ": could not be read back");
  return std::move(bytes).str();
}

}  // namespace waybill::cli
