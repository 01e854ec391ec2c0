#include "worker/plan_runner.h"

#include "router/route_between.h"
#include "worker/depot_planner.h"

namespace waybill::worker {

wire::PlanResult plan_lease(const LoadedGraph& loaded, const wire::PlanLease& lease, unsigned threads) {
  wire::PlanResult result{lease.lease_id, lease.plan_id, lease.depot, lease.part, {}, {}, "", 0};
  if (!loaded.ch) {
    result.error = "the worker holds no contraction hierarchy for this graph (import it with one)";
    return result;
  }
  const router::RoadGraph& graph = loaded.graph;
  DepotTask task;
  if (lease.points) {
    if (!loaded.snapper) {
      result.error = "the graph has no coordinates: a coordinate-form depot cannot be placed";
      return result;
    }
    const auto from = router::snap_origin(*loaded.snapper, lease.depot_lat, lease.depot_lon, lease.snap_radius_m);
    const auto to = router::snap_destination(*loaded.snapper, lease.depot_lat, lease.depot_lon, lease.snap_radius_m);
    if (!from.endpoint || !to.endpoint) {
      result.error = "the depot is on no road: " + from.why;
      return result;
    }
    task.depot = *from.endpoint;
    task.depot_arrival = *to.endpoint;
  } else {
    const auto index = graph.index_of(router::NodeId{lease.depot});
    if (!index) {
      result.error = "the depot, node " + std::to_string(lease.depot) + ", is not in the graph";
      return result;
    }
    task.depot = router::node_endpoint(*index);
  }
  for (const wire::PlanJob& j : lease.jobs) {
    DepotJob job;
    job.seq = j.seq;
    if (lease.points) {
      const auto to = router::snap_destination(*loaded.snapper, j.dest_lat, j.dest_lon, lease.snap_radius_m);
      const auto from = router::snap_origin(*loaded.snapper, j.dest_lat, j.dest_lon, lease.snap_radius_m);
      if (to.endpoint && from.endpoint) {
        job.destination = *to.endpoint;
        job.leaving = *from.endpoint;
      }
    } else if (const auto index = graph.index_of(router::NodeId{j.destination})) {
      job.destination = router::node_endpoint(*index);
    }
    job.weight_kg = j.weight_kg;
    if (j.ready_at != wire::kNoTime) job.ready_at = j.ready_at;
    if (j.due_at != wire::kNoTime) job.due_at = j.due_at;
    job.service_s = std::max(0, j.service_s);
    job.priority = j.priority;
    task.jobs.push_back(std::move(job));
  }
  task.fleet = DepotFleet{static_cast<int>(lease.fleet.vehicles), lease.fleet.capacity_kg,
                          lease.fleet.capacity_parcels, lease.fleet.shift_start, lease.fleet.shift_end,
                          lease.fleet.max_stops > 0 ? std::optional<int>(lease.fleet.max_stops) : std::nullopt,
                          static_cast<int>(lease.fleet.first_vehicle)};
  task.time_limit_s = lease.time_limit_s;
  task.threads = static_cast<int>(std::max(1u, threads));
  task.seed = lease.plan_id * 1000003 + static_cast<std::uint64_t>(lease.depot) + lease.part;
  try {
    const DepotPlan plan = plan_depot(graph, *loaded.ch, task);
    result.solve_s = plan.matrix_s + plan.solve_s;
    for (const PlannedTour& t : plan.tours) {
      wire::PlanTour tour{static_cast<std::uint32_t>(t.vehicle), t.distance_m, t.duration_s, t.load_kg,
                          t.load_parcels, t.departure, t.arrival, {}};
      for (const PlannedStop& s : t.stops) {
        tour.stops.push_back({s.seq, s.arrival, s.departure, s.waiting_s, s.lateness_s, s.load_kg, s.load_parcels});
      }
      result.tours.push_back(std::move(tour));
    }
    for (const UnplannedJob& u : plan.unassigned) result.misses.push_back({u.seq, u.reason});
  } catch (const std::exception& e) {
    result.tours.clear();
    result.misses.clear();
    result.error = std::string("planning failed: ") + e.what();
  }
  return result;
}

PlanRunner::PlanRunner(const LoadedGraph& loaded, unsigned threads, Logger& log)
    : m_loaded(loaded), m_threads(threads), m_log(log), m_thread([this] { serve(); }) {}

PlanRunner::~PlanRunner() {
  {
    std::lock_guard lock(m_mutex);
    m_closing = true;
  }
  m_ready.notify_all();
  m_thread.join();
}

void PlanRunner::push(wire::PlanLease lease) {
  {
    std::lock_guard lock(m_mutex);
    m_todo.push_back(std::move(lease));
  }
  m_ready.notify_all();
}

std::vector<wire::PlanResult> PlanRunner::take_done() {
  std::lock_guard lock(m_mutex);
  return std::exchange(m_done, {});
}

bool PlanRunner::busy() {
  std::lock_guard lock(m_mutex);
  return m_running || !m_todo.empty();
}

void PlanRunner::serve() {
  for (;;) {
    wire::PlanLease lease;
    {
      std::unique_lock lock(m_mutex);
      m_ready.wait(lock, [&] { return m_closing || !m_todo.empty(); });
      if (m_closing) return;  // a lease not planned is leased again by the dispatcher
      lease = std::move(m_todo.front());
      m_todo.pop_front();
      m_running = true;
    }
    m_log.info(LogFields{.plan = lease.plan_id, .depot = lease.depot}, "planning plan ",
               lease.plan_id, " depot ", lease.depot, " part ", lease.part, ": ", lease.jobs.size(),
               " jobs, ", lease.fleet.vehicles, " vans, ", lease.time_limit_s, " s");
    wire::PlanResult result = plan_lease(m_loaded, lease, m_threads);
    std::lock_guard lock(m_mutex);
    m_done.push_back(std::move(result));
    m_running = false;
  }
}

}  // namespace waybill::worker
