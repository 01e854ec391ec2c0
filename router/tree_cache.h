// A byte-bounded LRU cache of shortest-path trees keyed by origin, shared by threads, so that a
// depot serving thousands of deliveries is searched once.
#pragma once

#include <cstddef>
#include <functional>
#include <future>
#include <list>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "router/shortest_path.h"

namespace waybill::router {

/// Thread-safe. Trees are handed out as shared pointers, so evicting one never invalidates a
/// reader that still holds it.
class TreeCache {
 public:
  explicit TreeCache(std::size_t budget_bytes) : m_budget(budget_bytes) {}

  /// The cached tree of `origin`, or the one `compute` makes, which is then cached (evicting the
  /// least recently used trees past the budget). A thread asking for an origin another thread
  /// is computing waits for that tree instead of computing it again. A null tree, or one larger
  /// than the budget, is returned but not cached. An exception from `compute` reaches every
  /// thread waiting for it.
  std::shared_ptr<const ShortestPathTree> get(
      NodeIndex origin, const std::function<std::shared_ptr<const ShortestPathTree>()>& compute);

  std::size_t bytes() const;
  std::size_t size() const;
  std::size_t hits() const;
  std::size_t misses() const;

 private:
  using Lru = std::list<std::shared_ptr<const ShortestPathTree>>;
  mutable std::mutex m_mutex;
  std::size_t m_budget;
  std::size_t m_bytes = 0;
  std::size_t m_hits = 0;
  std::size_t m_misses = 0;
  Lru m_lru;  // most recently used first
  std::unordered_map<NodeIndex, Lru::iterator> m_index;
  // Origins being computed now, for the threads that ask for them meanwhile.
  std::unordered_map<NodeIndex, std::shared_future<std::shared_ptr<const ShortestPathTree>>>
      m_computing;
};

}  // namespace waybill::router
