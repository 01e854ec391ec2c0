// pgRouting as the benchmark's yardstick: a PostgreSQL session holding a road graph and a set of
// pairs, and one pgr_dijkstraCost call over them, or one pgr_dijkstraCostMatrix call over a set
// of nodes. libpqxx stays in the .cpp.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "router/graph.h"
#include "router/types.h"

namespace waybill::bench {

/// (origin, destination) external ids -> cost, for the pairs pgRouting found a path for.
using PairCosts = std::map<std::pair<std::int64_t, std::int64_t>, router::Cost>;

/// One connection whose temporary tables hold `arcs` and `pairs`, copied in once by the
/// constructor with COPY. Temporary tables vanish with the session, so the database keeps nothing
/// but the pgrouting extension, which the constructor creates if it is missing. Not thread-safe.
/// Throws what libpqxx throws (a std::exception), e.g. when `conninfo` does not connect.
class PgRoutingSession {
 public:
  PgRoutingSession(const std::string& conninfo, const std::vector<router::Arc>& arcs,
                   const std::vector<std::pair<router::NodeId, router::NodeId>>& pairs);
  PgRoutingSession(const PgRoutingSession&) = delete;
  PgRoutingSession& operator=(const PgRoutingSession&) = delete;
  ~PgRoutingSession();

  /// One pgr_dijkstraCost call over every pair, directed, which reads the arcs and builds its
  /// graph inside the call as pgRouting always does. Leaves out the pairs without a path and
  /// those with origin == destination.
  PairCosts dijkstra_cost();

  /// One pgr_dijkstraCostMatrix call between every two of `nodes`, directed, which likewise
  /// builds its graph inside the call. Leaves out the pairs without a path and those with
  /// origin == destination.
  PairCosts dijkstra_cost_matrix(std::span<const router::NodeId> nodes);

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

}  // namespace waybill::bench
