// A worker's metrics (README "Metrics" lists each with its meaning), made once in the registry
// its operations endpoint serves.
#pragma once

#include "telemetry/metrics.h"

namespace waybill::worker {

struct WorkerMetrics {
  explicit WorkerMetrics(metrics::Registry& r)
      : chunks_routed(r.counter("waybill_worker_chunks_routed_total", "Chunks routed and answered.")),
        chunks_failed(r.counter("waybill_worker_chunks_failed_total",
                                "Chunks this worker could not route (answered with an error).")),
        jobs_routed(r.counter("waybill_worker_jobs_routed_total",
                              "Jobs answered with a route found (status ok).")),
        jobs_answered(r.counter("waybill_worker_jobs_answered_total",
                                "Jobs answered, whatever their status (ok, unreachable, unsnappable).")),
        routing_seconds(r.histogram("waybill_worker_chunk_routing_seconds",
                                    "Time to route one chunk, on one routing thread.",
                                    metrics::exponential_buckets(0.001, 2, 16))),
        plan_parts(r.counter("waybill_worker_plan_parts_total", "Plan parts (a depot's share) planned.")),
        tree_cache_hits(r.counter("waybill_worker_tree_cache_hits_total",
                                  "Shortest-path trees found in the tree cache.")),
        tree_cache_misses(r.counter("waybill_worker_tree_cache_misses_total",
                                    "Shortest-path trees not in the cache: computed, or read from the host's shared folder.")),
        tree_cache_bytes(r.gauge("waybill_worker_tree_cache_bytes", "Memory held by cached trees.")),
        graph_load_seconds(r.gauge("waybill_worker_graph_load_seconds",
                                   "Time the graph held now took to fetch and load.")),
        graph_loaded(r.gauge("waybill_worker_graph_loaded", "1 when a graph is loaded and routed on.")),
        reconnects(r.counter("waybill_worker_reconnects_total",
                             "Times the dispatcher fell silent and the worker connected again.")),
        dispatcher_connected(r.gauge("waybill_worker_dispatcher_connected",
                                     "1 while the dispatcher answers within the liveness window.")),
        threads(r.gauge("waybill_worker_threads", "Routing threads of this worker.")) {}

  metrics::Counter& chunks_routed;
  metrics::Counter& chunks_failed;
  metrics::Counter& jobs_routed;
  metrics::Counter& jobs_answered;
  metrics::Histogram& routing_seconds;
  metrics::Counter& plan_parts;
  metrics::Counter& tree_cache_hits;
  metrics::Counter& tree_cache_misses;
  metrics::Gauge& tree_cache_bytes;
  metrics::Gauge& graph_load_seconds;
  metrics::Gauge& graph_loaded;
  metrics::Counter& reconnects;
  metrics::Gauge& dispatcher_connected;
  metrics::Gauge& threads;
};

}  // namespace waybill::worker
