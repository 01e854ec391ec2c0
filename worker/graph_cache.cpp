#include "worker/graph_cache.h"

#include <unistd.h>

#include <fstream>
#include <sstream>

#include "common/hex.h"
#include "common/sha256.h"

namespace waybill::worker {

std::filesystem::path GraphCache::path_of(const std::string& hash, const char* ext) const {
  if (m_dir.empty() || !is_hex_lower(hash, 64)) return {};
  return m_dir / (hash + ext);
}

std::optional<std::string> GraphCache::read(const std::string& graph_hash, const char* ext,
                                            const std::string& content_hash,
                                            std::uint64_t bytes) const {
  const auto path = path_of(graph_hash, ext);
  if (path.empty()) return std::nullopt;
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream s;
  s << in.rdbuf();
  std::string data = std::move(s).str();
  if (data.size() != bytes || sha256_hex(data) != content_hash) return std::nullopt;
  return data;
}

std::optional<std::filesystem::path> GraphCache::save(const std::string& graph_hash,
                                                      const char* ext,
                                                      const std::string& bytes) const {
  const auto path = path_of(graph_hash, ext);
  if (path.empty()) return std::nullopt;
  std::error_code ec;
  std::filesystem::create_directories(path.parent_path(), ec);
  const auto tmp = path.string() + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out) {
      m_log->warn("could not write the graph cache ", tmp);
      return std::nullopt;
    }
  }
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    m_log->warn("could not write the graph cache ", path.string(), ": ", ec.message());
    return std::nullopt;
  }
  return path;
}

std::filesystem::path GraphCache::trees_dir(const std::string& hash) const {
  if (path_of(hash, ".graph").empty()) return {};
  const auto dir = m_dir / "trees" / hash;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    m_log->warn("trees are not shared: cannot make ", dir.string(), ": ", ec.message());
    return {};
  }
  return dir;
}

std::string GraphCache::newest_hash() const {
  if (m_dir.empty()) return {};
  std::error_code ec;
  std::string best;
  std::filesystem::file_time_type best_time{};
  for (const auto& entry : std::filesystem::directory_iterator(m_dir, ec)) {
    if (entry.path().extension() != ".graph") continue;
    const auto t = entry.last_write_time(ec);
    if (best.empty() || t > best_time) {
      best = entry.path().stem().string();
      best_time = t;
    }
  }
  return best;
}

}  // namespace waybill::worker
