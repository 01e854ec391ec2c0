// What a worker routes on, made from what the dispatcher said to hold: the graph decoded, its
// contraction hierarchy loaded (or, for a graph without one, ALT landmarks built), the snapper,
// and the host's shared tree folder. Seconds of work: the worker runs it on a thread of its own.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "common/log.h"
#include "worker/graph_cache.h"
#include "worker/routing_pool.h"
#include "worker/worker.h"

namespace waybill::worker {

/// The files of a graph, gathered from the cache or fetched from the dispatcher.
struct GraphFiles {
  std::string graph_hash;
  std::string graph_bytes;             ///< the serialized graph (schema/graph_codec.h)
  std::string hierarchy_hash;          ///< empty: the graph has no hierarchy
  std::filesystem::path hierarchy;     ///< its file (router/ch_file.h)
  bool remove_hierarchy_file = false;  ///< a temporary file (no cache): removed once read
};

/// Loads `files`. A hierarchy file that is refused (corrupt, or another graph's) is logged and
/// left out: lone origins then go by A* with landmarks, as for a graph without a hierarchy.
/// Throws std::runtime_error when the graph itself cannot be decoded.
std::unique_ptr<LoadedGraph> load_graph(const GraphFiles& files, const WorkerConfig& config,
                                        const GraphCache& cache, Logger& log);

}  // namespace waybill::worker
