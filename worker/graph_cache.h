// A worker's folder of serialized graphs (HASH.graph) and shared trees (trees/HASH/), so that a
// restarted worker need not fetch its graph again. An empty folder path means no cache.
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

  /// The graph of `hash`, when the cache holds it whole: `bytes` long, with that sha256.
  std::optional<std::string> read(const std::string& hash, std::uint64_t bytes) const;
  /// Keeps a graph (written aside, then renamed: a reader never sees half of it).
  void save(const std::string& hash, const std::string& bytes) const;
  /// Where the workers of this host share the trees of graph `hash` (TreeCache::share_through),
  /// made if need be; empty without a cache, or if it cannot be made.
  std::filesystem::path trees_dir(const std::string& hash) const;
  /// The hash of the newest graph in the cache, so the dispatcher can tell whether it is current.
  std::string newest_hash() const;

 private:
  std::filesystem::path path_of(const std::string& hash) const;

  std::filesystem::path m_dir;
  Logger* m_log;
};

}  // namespace waybill::worker
