// The dispatcher's metrics (README "Metrics" lists each with its meaning): the handles the core
// and the driver count with, made once in a registry the operations endpoint serves.
#pragma once

#include <cstdint>
#include <string>

#include "telemetry/metrics.h"

namespace waybill::dispatcher {

struct DispatcherMetrics {
  explicit DispatcherMetrics(metrics::Registry& registry);

  /// Jobs by what became of them (accepted, rejected, routed, unreachable, unsnappable, failed),
  /// on a graph: waybill_jobs_<what>_total{graph="..."}.
  void jobs(const char* what, const std::string& graph, std::uint64_t n);
  /// Makes the six job counters of a graph, at 0, so that they exist before its first batch.
  void graph_seen(const std::string& graph);
  /// A PostgreSQL error of a kind (retryable: the database is away; permanent; internal: a bug).
  void db_error(const char* kind);

  metrics::Registry& registry;
  metrics::Counter& batches_finished;
  metrics::Counter& chunks_leased;
  metrics::Counter& chunks_released;  ///< returned to the queue when their worker was lost
  metrics::Counter& chunks_expired;   ///< returned to the queue when their lease ran out
  metrics::Counter& chunks_failed;    ///< given up on: their jobs stored as failed
  metrics::Counter& heartbeat_misses;  ///< workers dropped for silence
  metrics::Counter& messages_dropped;  ///< malformed or unexpected messages
  metrics::Counter& db_reconnects;
  metrics::Counter& plan_parts_leased;
  metrics::Counter& plan_parts_stored;
  metrics::Counter& plan_leases_expired;
  metrics::Gauge& batches_receiving;
  metrics::Gauge& batches_queued;
  metrics::Gauge& batches_routing;
  metrics::Gauge& submitters_waiting;  ///< clients queued for a receiving slot
  metrics::Gauge& chunks_outstanding;
  metrics::Gauge& workers_connected;
  metrics::Gauge& worker_threads;
  metrics::Gauge& routes_held;
  metrics::Gauge& plans_open;
  metrics::Histogram& submit_part_seconds;
  metrics::Histogram& route_write_seconds;
  metrics::Histogram& route_write_rows;
};

}  // namespace waybill::dispatcher
