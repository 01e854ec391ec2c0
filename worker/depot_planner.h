// Plans one depot's deliveries on the road network, with no I/O: the depot and its jobs'
// destinations become a problem whose travel times and lengths come from the graph's
// contraction hierarchy (one bucket many-to-many over every stop), and the planner (planner/)
// answers it within the time limit. What a worker does with a planning lease, and what tests and
// benchmarks call directly.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "planner/solution.h"
#include "router/contraction.h"
#include "router/endpoint.h"
#include "router/graph.h"

namespace waybill::worker {

/// One delivery of the depot. Times are seconds since the Unix epoch.
struct DepotJob {
  std::uint32_t seq = 0;                    ///< the job's seq in its batch (echoed)
  std::optional<router::Endpoint> destination;  ///< none: unknown node or unsnappable address
  /// The same place as the start of the next leg (a snapped point leaves by other seeds than it
  /// is reached by); none: the destination is a node, and serves both.
  std::optional<router::Endpoint> leaving;
  double weight_kg = 0;
  std::optional<std::int64_t> ready_at, due_at;
  std::int64_t service_s = 0;
  int priority = 0;
};

/// The depot's vans, all alike.
struct DepotFleet {
  int vehicles = 1;
  double capacity_kg = 0;
  std::int64_t capacity_parcels = 0;
  std::int64_t shift_start = 0;
  std::int64_t shift_end = 0;
  std::optional<int> max_stops;
  int first_vehicle = 1;  ///< numbers of the vans: first_vehicle, first_vehicle + 1, ...
};

struct DepotTask {
  router::Endpoint depot;                ///< leaving the depot
  std::optional<router::Endpoint> depot_arrival;  ///< coming back, when it differs (a point)
  std::vector<DepotJob> jobs;
  DepotFleet fleet;
  double time_limit_s = 10;
  int threads = 1;
  std::uint64_t seed = 1;
  /// On a graph whose cost is not a travel time (DIMACS distances): the van's speed, to turn
  /// the graph's lengths into seconds.
  double speed_kmh = 30;
};

struct PlannedStop {
  std::uint32_t seq = 0;
  std::int64_t arrival = 0, departure = 0;  ///< epoch seconds; departure = start of service + service
  std::int64_t waiting_s = 0;
  std::int64_t lateness_s = 0;              ///< after due_at; 0 in every plan the planner returns
  double load_kg = 0;                       ///< on board on leaving the stop
  std::int64_t load_parcels = 0;
};

struct PlannedTour {
  int vehicle = 0;
  double distance_m = 0;
  std::int64_t duration_s = 0;  ///< driving time
  double load_kg = 0;           ///< on leaving the depot
  std::int64_t load_parcels = 0;
  std::int64_t departure = 0, arrival = 0;  ///< leaves the depot, back at the depot
  std::vector<PlannedStop> stops;
};

struct UnplannedJob {
  std::uint32_t seq = 0;
  std::string reason;  ///< planner::name(UnassignedReason)
};

struct DepotPlan {
  std::vector<PlannedTour> tours;
  std::vector<UnplannedJob> unassigned;
  double matrix_s = 0, solve_s = 0;
};

/// Plans `task` on `graph` with its hierarchy `ch`. Jobs without a destination are unassigned
/// ("unsnappable"); a job no van can reach and come back from is "unreachable".
DepotPlan plan_depot(const router::RoadGraph& graph, const router::ContractionHierarchy& ch,
                     const DepotTask& task);

}  // namespace waybill::worker
