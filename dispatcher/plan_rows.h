// The rows of plans (`waybill plan`) as the dispatcher's core and its store exchange them.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "schema/messages.h"
#include "schema/plan_messages.h"

namespace waybill::dispatcher {

/// A depot: an origin of a batch, a node (node form) or a point in 1e-7 degrees (coordinate
/// form).
struct DepotKey {
  std::int64_t node = 0;
  std::int32_t lat_e7 = 0, lon_e7 = 0;
  bool point = false;
  /// The number stored in plans' depot columns: the node id, or for a point a number made of
  /// its coordinates (lat_e7 * 2^32 + lon_e7, unique per point).
  std::int64_t id() const {
    return point ? (static_cast<std::int64_t>(lat_e7) << 32) | static_cast<std::uint32_t>(lon_e7) : node;
  }
  friend auto operator<=>(const DepotKey&, const DepotKey&) = default;
};

/// What planning needs to know of a batch.
struct PlanBatch {
  std::int64_t graph_id = 0;
  std::optional<std::int64_t> depart_at;  ///< epoch seconds
  std::uint64_t accepted = 0;
  std::uint64_t routed = 0;
  bool points = false;  ///< coordinate form
};

/// One fleet row, matched to its depot.
struct DepotFleetRow {
  DepotKey depot;
  std::uint32_t jobs = 0;  ///< the depot's jobs in the batch
  wire::PlanFleet fleet;   ///< first_vehicle 1, the whole depot's vans
};

/// A new plan, as `waybill plan` asked for it.
struct PlanSpec {
  std::int64_t batch_id = 0;
  std::string fleet_hash;
  std::string options;
  std::string fleet_name;
  std::uint32_t parts = 0;
  std::vector<DepotFleetRow> fleets;
  std::vector<DepotKey> without_fleet;  ///< origins the fleet file leaves out: their jobs no_fleet
};

/// A plan as stored: its identity, its options, what is done.
struct PlanRecord {
  std::int64_t id = 0;
  std::int64_t batch_id = 0;
  std::string options;
  std::uint32_t parts = 0;
  std::uint32_t parts_done = 0;
  bool finished = false;
};

/// An unfinished plan to resume: its fleets and the parts already stored.
struct OpenPlan {
  PlanRecord record;
  std::vector<DepotFleetRow> fleets;
  std::set<std::pair<std::int64_t, std::uint32_t>> done;  ///< (depot id, part)
};

/// A planned part, to store with its tours in one transaction.
struct PlanPartRows {
  std::int64_t plan_id = 0;
  std::int64_t batch_id = 0;
  std::int64_t depot = 0;  ///< DepotKey::id()
  std::uint32_t part = 0;
  std::uint32_t jobs = 0;
  std::int64_t worker_id = 0;
  double solve_s = 0;
  std::string failed;  ///< non-empty: the part could not be planned (its jobs are all misses)
  std::vector<wire::PlanTour> tours;
  std::vector<wire::PlanMiss> misses;
};

/// A place a van drives to: a node (a batch in node form) or a point (coordinate form).
struct PlanPlace {
  std::optional<std::int64_t> node;
  wire::LatLon point;
};

/// A plan as stored, for drawing (waybill render --plan).
struct PlanDrawing {
  std::int64_t batch_id = 0;
  std::uint32_t parts = 0, parts_done = 0;
  bool finished = false;
  bool points = false;     ///< the batch is in coordinate form: depots are DepotKey::id() of points
  bool has_depot = true;   ///< false when a depot was asked for and the plan has no such depot
  struct Tour {
    std::int64_t depot = 0;
    std::vector<PlanPlace> stops;  ///< in driving order
  };
  std::vector<std::int64_t> depots;  ///< the depot asked for, or every depot with a fleet
  std::vector<Tour> tours;           ///< by depot, then vehicle
  std::vector<PlanPlace> unassigned;
  std::uint64_t without_fleet = 0;  ///< no_fleet jobs left out of a picture of every depot
};

}  // namespace waybill::dispatcher
