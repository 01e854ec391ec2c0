// A byte-bounded LRU cache of shortest-path trees keyed by what they grow from (a node, or the
// seeds of a snapped point), shared by threads, so that a depot serving thousands of deliveries
// is searched once.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <future>
#include <list>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <utility>

#include "router/endpoint.h"
#include "router/shortest_path.h"

namespace waybill::router {

/// Thread-safe. Trees are handed out as shared pointers, so evicting one never invalidates a
/// reader that still holds it.
class TreeCache {
 public:
  explicit TreeCache(std::size_t budget_bytes) : m_budget(budget_bytes) {}

  /// Shares trees with the other processes on this host that route `graph` through `dir`
  /// (which must exist): a tree missing here is read from there before it is computed, and
  /// one computed here is saved there (tree_file.h), the oldest files being removed
  /// past the same byte budget. Two workers on one box then compute each depot's tree once
  /// between them, not once each, and a restarted worker finds its trees again. A file that
  /// cannot be read whole and intact is ignored, one that cannot be written is skipped: the
  /// directory only ever saves work. Call before the first get().
  void share_through(const RoadGraph& graph, std::filesystem::path dir);

  /// The cached tree of `origin`, or the one `compute` makes, which is then cached (evicting the
  /// least recently used trees past the budget). A thread asking for an origin another thread
  /// is computing waits for that tree instead of computing it again. A null tree, or one larger
  /// than the budget, is returned but not cached. An exception from `compute` reaches every
  /// thread waiting for it.
  using Compute = std::function<std::shared_ptr<const ShortestPathTree>()>;
  std::shared_ptr<const ShortestPathTree> get(NodeIndex origin, const Compute& compute);
  /// The same for the tree of an endpoint (RouteQuery::tree(from)), keyed by its seeds: two
  /// points that snap to the same place share one tree. A node endpoint and its node share one.
  std::shared_ptr<const ShortestPathTree> get(const Endpoint& from, const Compute& compute);

  /// The cached tree of `origin` (counted as a hit), or null: nothing is computed or read.
  std::shared_ptr<const ShortestPathTree> cached(NodeIndex origin);
  /// Whether one more tree of the cached trees' mean size would take the cache past its budget,
  /// or a tree was larger than the whole budget (false while it is empty until then).
  bool full() const;

  std::size_t bytes() const;
  std::size_t size() const;
  std::size_t hits() const;
  std::size_t misses() const;
  /// Of the misses, the trees read from the shared directory instead of computed.
  std::size_t shared_loads() const;

 private:
  /// The seeds a tree grows from, which decide it: (node, cost, length) of each.
  using Key = std::array<std::int64_t, 6>;
  struct KeyHash {
    std::size_t operator()(const Key& k) const;
  };
  static Key key_of(const Endpoint& from);
  std::filesystem::path file_of(const Key& key) const;
  void save_shared(const Key& key, const ShortestPathTree& tree);

  using Lru = std::list<std::pair<Key, std::shared_ptr<const ShortestPathTree>>>;
  mutable std::mutex m_mutex;
  std::size_t m_budget;
  std::size_t m_bytes = 0;
  bool m_too_small = false;  // a tree was larger than the whole budget
  std::size_t m_hits = 0;
  std::size_t m_misses = 0;
  std::size_t m_shared_loads = 0;
  const RoadGraph* m_graph = nullptr;  // set by share_through
  std::filesystem::path m_dir;         // empty: nothing shared
  std::mutex m_dir_mutex;              // one save (and its clean-up) at a time
  Lru m_lru;  // most recently used first
  std::unordered_map<Key, Lru::iterator, KeyHash> m_index;
  // Origins being computed now, for the threads that ask for them meanwhile.
  std::unordered_map<Key, std::shared_future<std::shared_ptr<const ShortestPathTree>>, KeyHash>
      m_computing;
};

}  // namespace waybill::router
