// Large problems by parts (Santini, Schneider, Vidal and Vigo 2023, "Decomposition strategies
// for vehicle routing heuristics"). First a plan sector by sector: the clients in polar order
// around the depots (or along a nearest-neighbour chain without points) are cut into parts of
// about `part_size`, each given vehicles for 1.3 times its load plus two, and each solved by its
// own hybrid genetic search. Then, until the deadline, a random route and the routes whose
// barycentres lie closest to it, about `part_size` clients in all, form a sub-problem solved
// again from the current routes; the result replaces them when cheaper. Each thread works on
// its own routes (a route is locked while a thread has it). Every sub-problem has its own dense
// cache of a few hundred locations; nothing of size n x n is built.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "planner/detail/deadline.h"
#include "planner/detail/islands.h"

namespace waybill::planner::detail {

struct PartsOptions {
  int threads = 1;
  std::uint64_t seed = 1;
  int part_size = 300;  ///< Clients per sub-problem, about.
  int granular = 20;
  std::function<void(const std::string&)> log;
};

/// Each part is given vehicles for this many times its load (and two more).
inline constexpr double kPartRoom = 1.3;

/// Whether the fleet can carry kPartRoom times the clients' amounts, in every dimension: the
/// room parts are given. With less, parts share the fleet out short and may leave clients out.
bool fleet_has_room_for_parts(const Model& model);

IslandResult solve_by_parts(const Model& model, const PartsOptions& options,
                            const Deadline& deadline);

}  // namespace waybill::planner::detail
