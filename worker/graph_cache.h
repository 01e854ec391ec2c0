// A worker's folder of serialized graphs (HASH.graph), their contraction hierarchies (HASH.ch)
// and shared trees (trees/HASH/), so that a restarted worker need not fetch them again. Files are
// named by the sha256 of their contents. An empty folder path means no cache.
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

  /// The file of `hash` (ext ".graph" or ".ch"), when the cache holds it whole: `bytes` long, with
  /// that sha256.
  std::optional<std::string> read(const std::string& hash, std::uint64_t bytes,
                                  const char* ext = ".graph") const;
  /// Keeps a file (written aside, then renamed: a reader never sees half of it). Returns its
  /// path, or nothing without a cache or when it cannot be written.
  std::optional<std::filesystem::path> save(const std::string& hash, const std::string& bytes,
                                            const char* ext = ".graph") const;
  /// Where the file of `hash` is kept; empty without a cache.
  std::filesystem::path path_of(const std::string& hash, const char* ext) const;
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
