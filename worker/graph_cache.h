// A worker's folder of serialized graphs (GRAPH.graph), their contraction hierarchies (GRAPH.ch)
// and shared trees (trees/GRAPH/), each named by its graph's sha256, so that a restarted worker
// need not fetch them again. It is the folder `waybill matrix` keeps hierarchies in too: one
// hierarchy per graph on a host, whoever built or fetched it. An empty path means no cache.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "common/log.h"

namespace waybill::worker {

class GraphCache {
 public:
  GraphCache(std::filesystem::path dir, Logger& log) : m_dir(std::move(dir)), m_log(&log) {}

  /// The file of graph `graph_hash` (ext ".graph" or ".ch"), when the cache holds it whole and
  /// as wanted: `bytes` long, with the sha256 `content_hash`.
  std::optional<std::string> read(const std::string& graph_hash, const char* ext,
                                  const std::string& content_hash, std::uint64_t bytes) const;
  /// Keeps a file of graph `graph_hash` (written aside, then renamed: a reader never sees half of
  /// it). Returns its path, or nothing without a cache or when it cannot be written.
  std::optional<std::filesystem::path> save(const std::string& graph_hash, const char* ext,
                                            const std::string& bytes) const;
  /// Where the file of graph `graph_hash` is kept; empty without a cache.
  std::filesystem::path path_of(const std::string& graph_hash, const char* ext) const;
  /// Where the workers of this host share the trees of graph `hash` (TreeCache::share_through),
  /// made if need be; empty without a cache, or if it cannot be made.
  std::filesystem::path trees_dir(const std::string& hash) const;
  /// The hash of the newest graph in the cache, so the dispatcher can tell whether it is current.
  std::string newest_hash() const;

 private:
  std::filesystem::path m_dir;
  Logger* m_log;
};

}  // namespace waybill::worker
