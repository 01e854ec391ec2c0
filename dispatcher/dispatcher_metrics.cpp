#include "dispatcher/dispatcher_metrics.h"

namespace waybill::dispatcher {
namespace {

const std::vector<double> kSeconds = metrics::exponential_buckets(0.001, 2, 15);  // 1 ms .. 16 s
const std::vector<double> kRows = metrics::exponential_buckets(64, 4, 9);        // 64 .. 4 M

/// What each job counter counts, for its help line.
std::string meaning(const std::string& what) {
  if (what == "accepted") return "lines of submitted batches stored as jobs";
  if (what == "rejected") return "lines of submitted batches refused, with their reason";
  if (what == "routed") return "a route found and stored";
  if (what == "unreachable") return "no road leads from origin to destination";
  if (what == "unsnappable") return "an address too far from any road";
  return "routing failed: unknown nodes, or a chunk given up on";
}

}  // namespace

DispatcherMetrics::DispatcherMetrics(metrics::Registry& r)
    : registry(r),
      batches_finished(r.counter("waybill_batches_finished_total", "Batches whose every job has a stored outcome.")),
      chunks_leased(r.counter("waybill_chunks_leased_total", "Chunks of jobs leased to workers.")),
      chunks_released(r.counter("waybill_chunks_released_total",
                                "Leased chunks returned to the queue because their worker was lost.")),
      chunks_expired(r.counter("waybill_chunks_expired_total",
                               "Leased chunks returned to the queue because their lease ran out.")),
      chunks_failed(r.counter("waybill_chunks_failed_total",
                              "Chunks given up on after repeated failures; their jobs are stored as failed.")),
      heartbeat_misses(r.counter("waybill_heartbeat_misses_total",
                                 "Workers dropped after missing their heartbeats.")),
      messages_dropped(r.counter("waybill_messages_dropped_total",
                                 "Malformed or unexpected messages from workers and clients, dropped.")),
      db_reconnects(r.counter("waybill_db_reconnects_total",
                              "Times PostgreSQL came back after being lost.")),
      plan_parts_leased(r.counter("waybill_plan_parts_leased_total", "Plan parts (a depot's share) leased to workers.")),
      plan_parts_stored(r.counter("waybill_plan_parts_stored_total", "Plan parts whose tours are stored.")),
      plan_leases_expired(r.counter("waybill_plan_leases_expired_total",
                                    "Plan leases returned to the queue because they ran out.")),
      batches_receiving(r.gauge("waybill_batches", "Batches by state.", {{"state", "receiving"}})),
      batches_queued(r.gauge("waybill_batches", "Batches by state.", {{"state", "queued"}})),
      batches_routing(r.gauge("waybill_batches", "Batches by state.", {{"state", "routing"}})),
      submitters_waiting(r.gauge("waybill_submitters_waiting",
                                 "Clients queued for a receiving slot (see --max-receiving).")),
      chunks_outstanding(r.gauge("waybill_chunks_outstanding", "Chunks on lease now.")),
      workers_connected(r.gauge("waybill_workers_connected", "Workers connected now.")),
      worker_threads(r.gauge("waybill_routing_threads", "Routing threads of the workers connected now.")),
      routes_held(r.gauge("waybill_routes_held", "Routes received and not yet durable in PostgreSQL.")),
      plans_open(r.gauge("waybill_plans_open", "Plans with parts not yet stored.")),
      submit_part_seconds(r.histogram("waybill_submit_part_seconds",
                                      "Time to store one part of a submitted batch (about 1 MiB of lines).",
                                      kSeconds)),
      route_write_seconds(r.histogram("waybill_route_write_seconds",
                                      "Time of one write of routes to PostgreSQL.", kSeconds)),
      route_write_rows(r.histogram("waybill_route_write_rows", "Routes in one write to PostgreSQL.", kRows)) {}

void DispatcherMetrics::graph_seen(const std::string& graph) {
  for (const char* what : {"accepted", "rejected", "routed", "unreachable", "unsnappable", "failed"}) {
    jobs(what, graph, 0);
  }
}

void DispatcherMetrics::jobs(const char* what, const std::string& graph, std::uint64_t n) {
  registry.counter(std::string("waybill_jobs_") + what + "_total",
                   std::string("Jobs ") + what + " (" + meaning(what) + "), by graph.", {{"graph", graph}})
      .inc(n);
}

void DispatcherMetrics::db_error(const char* kind) {
  registry.counter("waybill_db_errors_total", "PostgreSQL errors, by kind.", {{"kind", kind}}).inc();
}

}  // namespace waybill::dispatcher
