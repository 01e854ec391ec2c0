#include "router/tree_cache.h"

#include <boost/container_hash/hash.hpp>

#include <algorithm>
#include <string>
#include <tuple>
#include <vector>

#include "router/tree_file.h"

namespace waybill::router {
namespace {

// What `read` returns, read under `mutex`.
template <class Read>
std::size_t locked(std::mutex& mutex, const Read& read) {
  std::lock_guard lock(mutex);
  return read();
}

}  // namespace

TreeCache::Key TreeCache::key_of(const Endpoint& from) {
  Key key{};
  key.fill(-1);  // no second seed
  for (std::size_t i = 0; i < from.num_seeds; ++i) {
    key[3 * i] = from.seeds[i].node;
    key[3 * i + 1] = from.seeds[i].cost;
    key[3 * i + 2] = from.seeds[i].length_mm;
  }
  return key;
}

std::size_t TreeCache::KeyHash::operator()(const Key& k) const {
  return boost::hash_range(k.begin(), k.end());
}

std::shared_ptr<const ShortestPathTree> TreeCache::get(NodeIndex origin, const Compute& compute) {
  return get(node_endpoint(origin), compute);
}

std::shared_ptr<const ShortestPathTree> TreeCache::get(const Endpoint& from,
                                                       const Compute& compute) {
  const Key origin = key_of(from);
  std::promise<std::shared_ptr<const ShortestPathTree>> promise;
  {
    std::unique_lock lock(m_mutex);
    if (const auto it = m_index.find(origin); it != m_index.end()) {
      ++m_hits;
      m_lru.splice(m_lru.begin(), m_lru, it->second);
      return it->second->second;
    }
    if (const auto it = m_computing.find(origin); it != m_computing.end()) {
      ++m_hits;
      auto pending = it->second;
      lock.unlock();
      return pending.get();
    }
    ++m_misses;
    m_computing.emplace(origin, promise.get_future().share());
  }
  // Computed outside the lock: a tree takes tens of milliseconds, other origins need not wait.
  std::shared_ptr<const ShortestPathTree> tree;
  bool computed = false;
  try {
    if (!m_dir.empty()) tree = load_tree(*m_graph, file_of(origin));
    if (tree) {
      std::lock_guard lock(m_mutex);
      ++m_shared_loads;
    } else {
      tree = compute();
      computed = tree != nullptr;
    }
  } catch (...) {
    std::lock_guard lock(m_mutex);
    m_computing.erase(origin);
    promise.set_exception(std::current_exception());
    throw;
  }
  {
    std::lock_guard lock(m_mutex);
    m_computing.erase(origin);
    promise.set_value(tree);
    if (tree && tree->bytes() > m_budget) m_too_small = true;
    if (tree && tree->bytes() <= m_budget) {
      m_lru.emplace_front(origin, tree);
      m_index.emplace(origin, m_lru.begin());
      m_bytes += tree->bytes();
      while (m_bytes > m_budget) {
        m_bytes -= m_lru.back().second->bytes();
        m_index.erase(m_lru.back().first);
        m_lru.pop_back();
      }
    }
  }
  // Saved once the threads waiting for it have it.
  if (computed && !m_dir.empty()) save_shared(origin, *tree);
  return tree;
}

void TreeCache::share_through(const RoadGraph& graph, std::filesystem::path dir) {
  m_graph = &graph;
  m_dir = std::move(dir);
}

std::filesystem::path TreeCache::file_of(const Key& key) const {
  std::string name;
  for (const std::int64_t k : key) name += std::to_string(k) + '_';
  name.back() = '.';
  return m_dir / (name + "tree");
}

void TreeCache::save_shared(const Key& key, const ShortestPathTree& tree) {
  std::lock_guard lock(m_dir_mutex);
  if (!save_tree(tree, file_of(key))) return;
  // Past the budget, the oldest trees go (another process may be reading one: it keeps its
  // open file). Every error here just leaves a file for the next clean-up.
  struct File {
    std::filesystem::file_time_type time;
    std::filesystem::path path;
    std::uintmax_t size;
  };
  std::error_code ec;
  std::vector<File> files;
  std::uintmax_t total = 0;
  for (std::filesystem::directory_iterator it(m_dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().extension() != ".tree") continue;
    std::error_code e1, e2;
    const auto size = it->file_size(e1);
    const auto time = it->last_write_time(e2);
    if (e1 || e2) continue;
    total += size;
    files.push_back({time, it->path(), size});
  }
  if (total <= m_budget) return;
  std::sort(files.begin(), files.end(), [](const File& a, const File& b) {
    return std::tie(a.time, a.path) < std::tie(b.time, b.path);
  });
  for (const File& file : files) {
    if (total <= m_budget) break;
    std::error_code e;
    if (std::filesystem::remove(file.path, e) && !e) total -= file.size;
  }
}

// The counters change under the cache's lock: each is read under it too.
std::size_t TreeCache::shared_loads() const {
  return locked(m_mutex, [this] { return m_shared_loads; });
}
std::shared_ptr<const ShortestPathTree> TreeCache::cached(NodeIndex origin) {
  const Key key = key_of(node_endpoint(origin));
  std::lock_guard lock(m_mutex);
  const auto it = m_index.find(key);
  if (it == m_index.end()) return nullptr;
  ++m_hits;
  m_lru.splice(m_lru.begin(), m_lru, it->second);
  return it->second->second;
}

bool TreeCache::full() const {
  return locked(m_mutex, [this] {
    return m_too_small || (!m_lru.empty() && m_bytes + m_bytes / m_lru.size() > m_budget);
  });
}

std::size_t TreeCache::bytes() const { return locked(m_mutex, [this] { return m_bytes; }); }
std::size_t TreeCache::size() const { return locked(m_mutex, [this] { return m_lru.size(); }); }
std::size_t TreeCache::hits() const { return locked(m_mutex, [this] { return m_hits; }); }
std::size_t TreeCache::misses() const { return locked(m_mutex, [this] { return m_misses; }); }

}  // namespace waybill::router
