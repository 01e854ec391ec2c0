// The worker's routing threads: leases in on one queue, results out on another. Between leases
// the threads compute the trees of origins the dispatcher said are coming (Warm). A result ready
// makes wake_fd() readable, so the session's loop sleeps in its poll until there is work.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/log.h"
#include "router/contraction.h"
#include "router/graph.h"
#include "router/landmarks.h"
#include "router/snap.h"
#include "router/tree_cache.h"
#include "telemetry/metrics.h"
#include "schema/messages.h"

namespace waybill::worker {

/// The graph a worker holds, with what it derives from it.
struct LoadedGraph {
  std::string hash;
  router::RoadGraph graph;
  std::string hierarchy_hash;                     ///< empty: no hierarchy
  std::optional<router::ContractionHierarchy> ch;  ///< lone origins go through it
  router::Landmarks landmarks;                     ///< for A*, without a hierarchy
  std::unique_ptr<const router::Snapper> snapper;  ///< null: the graph has no coordinates
  router::TreeCache trees;
};

class RoutingPool {
 public:
  /// `threads` threads routing on `loaded`, which must outlive the pool.
  /// `chunk_seconds`, when given, has each chunk's routing time observed in it.
  RoutingPool(LoadedGraph& loaded, unsigned threads, Logger& log,
              metrics::Histogram* chunk_seconds = nullptr);
  ~RoutingPool();
  RoutingPool(const RoutingPool&) = delete;
  RoutingPool& operator=(const RoutingPool&) = delete;

  void push(wire::Lease lease);
  /// Queues origins whose trees to compute when no lease is waiting.
  void warm(const wire::Warm& warm);
  /// Results finished since the last call. A chunk that could not be routed is a result with
  /// its error and error kind.
  std::deque<wire::ChunkResult> take_done();
  /// Drops leases not started yet (after a reconnect the dispatcher re-leases them).
  std::size_t drop_queued();
  bool idle();
  /// Readable while results wait (an eventfd): poll it beside the socket.
  int wake_fd() const { return m_wake_fd; }

 private:
  /// An origin whose trees the dispatcher said are wanted soon: a node, or a coordinate.
  struct WarmOrigin {
    std::int64_t node = 0;
    std::optional<wire::LatLon> point;
  };

  void serve(LoadedGraph& loaded);

  Logger* m_log;
  metrics::Histogram* m_chunk_seconds;
  int m_wake_fd = -1;
  std::mutex m_mutex;
  std::condition_variable m_ready;
  std::deque<wire::Lease> m_todo;
  std::deque<WarmOrigin> m_warm;  // origins whose trees are wanted soon
  std::deque<wire::ChunkResult> m_done;
  unsigned m_running = 0;
  bool m_closing = false;
  std::vector<std::thread> m_threads;
};

}  // namespace waybill::worker
