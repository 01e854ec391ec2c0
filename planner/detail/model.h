// The search's view of a problem: clients (the jobs that some vehicle can serve, each with one
// time window) and vehicles, with compact local location indices, cost and time lookups (a dense
// cache when small, the problem's matrix on demand when large), granular neighbourhoods and
// polar angles. Immutable once built and shared read-only by the threads. A sub-model (a part of
// a large problem) is a Model of its own, with its own dense cache.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "planner/detail/segments.h"
#include "planner/problem.h"

namespace waybill::planner::detail {

struct Client {
  std::size_t job = 0;  ///< Index into Problem::jobs.
  int loc = 0;          ///< Local location.
  Load amount;
  Time service = 0;
  Time early = 0;  ///< The one window the search uses (see Model's constructor).
  Time late = kTimeMax;
  int priority = 0;
  double x = 0, y = 0;  ///< Geometry, when the model has points.
  int angle = 0;        ///< Polar angle around the depots' centre, in [0, 65536).
};

struct VehicleData {
  std::size_t index = 0;  ///< Index into Problem::vehicles.
  int start = 0;          ///< Local location; Model::nowhere() for none.
  int end = 0;
  Load capacity;
  Time shift_start = 0;
  Time shift_end = kTimeMax;
  int type = 0;  ///< Vehicles with the same type are interchangeable.
};

/// Which job is served with which window: built by the solver's preprocessing.
struct ClientChoice {
  std::size_t job = 0;
  TimeWindow window;
};

class Model {
 public:
  /// The model of `problem` restricted to `clients` (jobs some vehicle can serve) and every
  /// vehicle. Granularity: each client's `granular` closest by the correlation measure.
  Model(const Problem& problem, std::span<const ClientChoice> clients, int granular);
  /// The part of `parent` made of its clients `clients` and vehicles `vehicles` (indices into
  /// the parent's), with a dense cache of its own.
  Model(const Model& parent, std::span<const int> clients, std::span<const int> vehicles,
        int granular);

  int clients() const { return static_cast<int>(m_clients.size()); }
  int vehicles() const { return static_cast<int>(m_vehicles.size()); }
  const Client& client(int c) const { return m_clients[c]; }
  const VehicleData& vehicle(int v) const { return m_vehicles[v]; }
  /// For a sub-model: the parent's index of client c / vehicle v (identity at the top).
  int parent_client(int c) const { return m_parent_clients.empty() ? c : m_parent_clients[c]; }
  int parent_vehicle(int v) const { return m_parent_vehicles.empty() ? v : m_parent_vehicles[v]; }

  /// The location standing for "no start" or "no end": every cost to or from it is 0.
  int nowhere() const { return m_nowhere; }
  double cost(int a, int b) const {
    if (!m_cost.empty()) return m_cost[static_cast<std::size_t>(a) * m_stride + b];
    return slow_cost(a, b);
  }
  Time time(int a, int b) const {
    if (m_time_is_cost) return static_cast<Time>(cost(a, b));
    if (!m_time.empty()) return m_time[static_cast<std::size_t>(a) * m_stride + b];
    return slow_time(a, b);
  }

  /// Σ over dimensions of max(0, load - capacity), weighted to dimension 0's unit.
  double excess(const Load& load, const Load& capacity) const {
    double e = 0;
    for (int d = 0; d < kDims; ++d) {
      if (load.q[d] > capacity.q[d]) e += static_cast<double>(load.q[d] - capacity.q[d]) * m_scale[d];
    }
    return e;
  }

  const std::vector<int>& neighbours(int c) const { return m_neighbours[c]; }
  bool has_time_windows() const { return m_has_time_windows; }
  bool has_points() const { return m_has_points; }
  /// Every vehicle starts and ends at one and the same place.
  bool single_depot() const { return m_single_depot; }
  /// Every vehicle has the same type.
  bool homogeneous() const { return m_homogeneous; }
  /// Vehicles v and w end at the same place with the same shift end.
  bool same_end(int v, int w) const {
    return m_vehicles[v].end == m_vehicles[w].end &&
           m_vehicles[v].shift_end == m_vehicles[w].shift_end;
  }
  const Load& total_amount() const { return m_total; }
  double initial_load_penalty() const { return m_initial_load_penalty; }
  /// The depots' centre, for polar angles (with points).
  double centre_x() const { return m_cx; }
  double centre_y() const { return m_cy; }
  /// The time-window data of client c alone, and of vehicle v's start and end.
  TwSeg client_tw(int c) const {
    const Client& k = m_clients[c];
    return TwSeg::stop(k.loc, k.service, k.early, k.late);
  }
  TwSeg start_tw(int v) const {
    const VehicleData& w = m_vehicles[v];
    return TwSeg::stop(w.start, 0, w.shift_start, w.shift_end);
  }
  TwSeg end_tw(int v) const {
    const VehicleData& w = m_vehicles[v];
    return TwSeg::stop(w.end, 0, w.shift_start, w.shift_end);
  }

 private:
  double slow_cost(int a, int b) const;
  Time slow_time(int a, int b) const;
  void finish(int granular);
  void build_dense(const std::vector<int>& global_locations);
  void compute_neighbours(int granular);
  void compute_geometry();

  std::vector<Client> m_clients;
  std::vector<VehicleData> m_vehicles;
  std::vector<int> m_parent_clients, m_parent_vehicles;
  int m_nowhere = 0;
  std::size_t m_stride = 0;
  std::vector<double> m_cost;  // (locations + 1)^2 with nowhere last, when dense
  std::vector<Time> m_time;    // likewise, when times differ from costs
  bool m_time_is_cost = true;
  // On-demand lookups (top-level model of a large problem): local -> matrix index.
  const TravelMatrix* m_cost_matrix = nullptr;
  const TravelMatrix* m_time_matrix = nullptr;
  std::vector<std::size_t> m_global;
  std::vector<Point> m_points;  // per local location, when known
  std::array<double, kDims> m_scale{};
  std::vector<std::vector<int>> m_neighbours;
  const std::vector<std::vector<std::size_t>>* m_given_neighbours = nullptr;
  std::vector<int> m_client_of_job;  // job index -> client, -1 (top level only)
  bool m_has_time_windows = false;
  bool m_has_points = false;
  bool m_single_depot = false;
  bool m_homogeneous = false;
  Load m_total;
  double m_initial_load_penalty = 1;
  double m_cx = 0, m_cy = 0;
};

}  // namespace waybill::planner::detail
