// The contraction hierarchy of a graph, for the CLI: built once per graph and kept, in
// PostgreSQL by `waybill graph import`, and in the user's cache folder for the commands that read
// graph files (`waybill matrix`, `waybill route`), named by the graph's sha256 and checked on load.
#pragma once

#include <filesystem>
#include <ostream>
#include <string>

#include "router/contraction.h"
#include "router/graph.h"

namespace waybill::cli {

/// The hierarchy of `graph` (whose content hash is `graph_hash`): read from
/// `cache_dir`/GRAPH_HASH.ch when it holds a good one, else built with every core and kept there
/// for the next command. A refused file (corrupt, another graph's) is said on `log` and rebuilt.
/// An empty `cache_dir` builds every time.
router::ContractionHierarchy cached_hierarchy(const router::RoadGraph& graph,
                                              const std::string& graph_hash,
                                              const std::filesystem::path& cache_dir,
                                              std::ostream& log);

/// `ch` in the file format of router/ch_file.h, as bytes (for PostgreSQL).
std::string hierarchy_bytes(const router::ContractionHierarchy& ch, const std::string& graph_hash);

/// The hierarchy of `graph` built with every core, said on `log` with its size and time.
router::ContractionHierarchy build_hierarchy(const router::RoadGraph& graph, std::ostream& log,
                                             double* seconds = nullptr);

}  // namespace waybill::cli
