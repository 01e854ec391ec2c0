#include "router/tree_cache.h"

#include <boost/container_hash/hash.hpp>

namespace waybill::router {

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
  try {
    tree = compute();
  } catch (...) {
    std::lock_guard lock(m_mutex);
    m_computing.erase(origin);
    promise.set_exception(std::current_exception());
    throw;
  }
  std::lock_guard lock(m_mutex);
  m_computing.erase(origin);
  promise.set_value(tree);
  if (!tree || tree->bytes() > m_budget) return tree;
  m_lru.emplace_front(origin, tree);
  m_index.emplace(origin, m_lru.begin());
  m_bytes += tree->bytes();
  while (m_bytes > m_budget) {
    m_bytes -= m_lru.back().second->bytes();
    m_index.erase(m_lru.back().first);
    m_lru.pop_back();
  }
  return tree;
}

std::size_t TreeCache::bytes() const {
  std::lock_guard lock(m_mutex);
  return m_bytes;
}
std::size_t TreeCache::size() const {
  std::lock_guard lock(m_mutex);
  return m_lru.size();
}
std::size_t TreeCache::hits() const {
  std::lock_guard lock(m_mutex);
  return m_hits;
}
std::size_t TreeCache::misses() const {
  std::lock_guard lock(m_mutex);
  return m_misses;
}

}  // namespace waybill::router
