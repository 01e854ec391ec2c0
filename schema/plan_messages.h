// The plan messages (`waybill plan`), the domain side: a client asks for a batch's plan, the
// dispatcher leases each depot part to a worker, the worker answers with the part's tours.
// Included by messages.h; encoded and decoded with every other message (plan_messages.cpp).
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace waybill::wire {

/// "No time" in a PlanJob's ready_at and due_at.
inline constexpr std::int64_t kNoTime = -(std::int64_t{1} << 62);

struct PlanJob {
  std::uint32_t seq = 0;
  std::int64_t destination = 0;   ///< node id (node form)
  double dest_lat = 0, dest_lon = 0;  ///< coordinate form
  double weight_kg = 0;
  std::int64_t ready_at = kNoTime;
  std::int64_t due_at = kNoTime;
  std::int32_t service_s = 0;
  std::int32_t priority = 0;
  friend bool operator==(const PlanJob&, const PlanJob&) = default;
};

struct PlanFleet {
  std::uint32_t vehicles = 0;
  double capacity_kg = 0;
  std::int64_t capacity_parcels = 0;
  std::int64_t shift_start = 0, shift_end = 0;  ///< epoch seconds
  std::int32_t max_stops = 0;                   ///< 0: no limit
  std::uint32_t first_vehicle = 1;
  friend bool operator==(const PlanFleet&, const PlanFleet&) = default;
};

/// Dispatcher -> worker: plan one part of a depot until `deadline_ms` from now.
struct PlanLease {
  std::uint64_t lease_id = 0;
  std::uint64_t plan_id = 0;
  std::int64_t depot = 0;  ///< node id; 0 in coordinate form
  std::uint32_t part = 0;
  std::uint32_t deadline_ms = 0;
  std::string graph_hash;
  bool points = false;  ///< coordinate form
  double depot_lat = 0, depot_lon = 0;
  PlanFleet fleet;
  std::vector<PlanJob> jobs;
  double time_limit_s = 10;
  double snap_radius_m = 500;
  friend bool operator==(const PlanLease&, const PlanLease&) = default;
};

struct PlanStop {
  std::uint32_t seq = 0;
  std::int64_t arrival = 0, departure = 0;
  std::int64_t waiting_s = 0, lateness_s = 0;
  double load_kg = 0;
  std::int64_t load_parcels = 0;
  friend bool operator==(const PlanStop&, const PlanStop&) = default;
};

struct PlanTour {
  std::uint32_t vehicle = 0;
  double distance_m = 0;
  std::int64_t duration_s = 0;
  double load_kg = 0;
  std::int64_t load_parcels = 0;
  std::int64_t departure = 0, arrival = 0;
  std::vector<PlanStop> stops;
  friend bool operator==(const PlanTour&, const PlanTour&) = default;
};

struct PlanMiss {
  std::uint32_t seq = 0;
  std::string reason;
  friend bool operator==(const PlanMiss&, const PlanMiss&) = default;
};

/// Worker -> dispatcher: every job of the lease in exactly one tour or one miss; or an error.
struct PlanResult {
  std::uint64_t lease_id = 0;
  std::uint64_t plan_id = 0;
  std::int64_t depot = 0;
  std::uint32_t part = 0;
  std::vector<PlanTour> tours;
  std::vector<PlanMiss> misses;
  std::string error;
  double solve_s = 0;
  friend bool operator==(const PlanResult&, const PlanResult&) = default;
};

/// Client -> dispatcher: plan a routed batch's depots with a fleet file. Asked again, the same
/// plan and its progress.
struct PlanRequest {
  std::uint64_t batch_id = 0;
  std::string fleet_csv;
  std::string fleet_name;
  double time_limit_s = 10;
  std::int32_t service_s = -1;  ///< when the batch has none; -1: the default
  friend bool operator==(const PlanRequest&, const PlanRequest&) = default;
};

struct PlanReply {
  std::uint64_t plan_id = 0;
  bool existing = false;
  std::uint32_t parts = 0;
  std::uint32_t parts_done = 0;
  bool finished = false;
  std::string error;
  friend bool operator==(const PlanReply&, const PlanReply&) = default;
};

}  // namespace waybill::wire
