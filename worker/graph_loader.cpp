#include "worker/graph_loader.h"

#include <chrono>
#include <optional>

#include "router/ch_file.h"
#include "schema/graph_codec.h"

namespace waybill::worker {

std::unique_ptr<LoadedGraph> load_graph(const GraphFiles& files, const WorkerConfig& config,
                                        const GraphCache& cache, Logger& log) {
  using Clock = std::chrono::steady_clock;
  const auto t0 = Clock::now();
  router::RoadGraph graph = wire::decode_graph(files.graph_bytes);
  std::optional<router::ContractionHierarchy> ch;
  if (!files.hierarchy.empty()) {
    try {
      ch = router::load_hierarchy(files.hierarchy, graph, files.graph_hash);
    } catch (const std::exception& e) {
      log.error("hierarchy refused, lone origins go by A*: ", e.what());
    }
    if (files.remove_hierarchy_file) {
      std::error_code ec;
      std::filesystem::remove(files.hierarchy, ec);
    }
  }
  // With a hierarchy, A* is never used: no landmarks to build.
  auto landmarks = router::Landmarks::build(graph, ch ? 0 : config.landmarks, config.threads);
  auto loaded = std::unique_ptr<LoadedGraph>(new LoadedGraph{
      files.graph_hash, std::move(graph), ch ? files.hierarchy_hash : std::string(),
      std::move(ch), std::move(landmarks), nullptr, router::TreeCache(config.tree_cache_bytes)});
  // The snapper references the graph: built once the graph has its final address.
  if (loaded->graph.has_coordinates()) {
    loaded->snapper = std::make_unique<const router::Snapper>(loaded->graph);
  }
  if (const auto dir = cache.trees_dir(files.graph_hash); !dir.empty()) {
    loaded->trees.share_through(loaded->graph, dir);
  }
  log.info("graph ", files.graph_hash.substr(0, 12), " ready: ", loaded->graph.num_nodes(),
           " nodes, ", loaded->graph.num_arcs(), " arcs, ",
           loaded->ch ? "its hierarchy" : std::to_string(loaded->landmarks.count()) + " landmarks",
           ", ", loaded->snapper ? "snapping on" : "no coordinates", ", in ",
           std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count(),
           " ms");
  return loaded;
}

}  // namespace waybill::worker
