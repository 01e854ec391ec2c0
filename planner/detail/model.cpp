#include "planner/detail/model.h"

#include <cmath>
#include <numbers>
#include <tuple>

namespace waybill::planner::detail {
namespace {

/// Up to this many locations (and one for "nowhere"), costs are cached in a dense table.
constexpr std::size_t kDenseLocations = 2500;
/// A capacity no load reaches: the value of unused dimensions.
constexpr std::int64_t kUnlimited = std::int64_t{1} << 60;

}  // namespace

Model::Model(const Problem& problem, std::span<const ClientChoice> clients, int granular) {
  const TravelMatrix& cost_matrix = problem.costs ? *problem.costs : problem.durations;
  std::vector<int> local(problem.durations.size(), -1);
  auto local_of = [&](std::size_t global) {
    if (local[global] < 0) {
      local[global] = static_cast<int>(m_global.size());
      m_global.push_back(global);
    }
    return local[global];
  };
  const int dims = problem.dimensions();
  bool max_stops = false;
  for (const Vehicle& v : problem.vehicles) max_stops = max_stops || v.max_stops.has_value();

  m_client_of_job.assign(problem.jobs.size(), -1);
  for (const ClientChoice& choice : clients) {
    const Job& job = problem.jobs[choice.job];
    Client c;
    c.job = choice.job;
    c.loc = local_of(job.location);
    for (int d = 0; d < dims && d < static_cast<int>(job.amounts.size()); ++d) {
      c.amount.q[d] = job.amounts[d];
    }
    if (max_stops) c.amount.q[kMaxDimensions] = 1;
    c.service = job.service;
    c.early = choice.window.start;
    c.late = choice.window.end;
    c.priority = job.priority;
    m_client_of_job[choice.job] = static_cast<int>(m_clients.size());
    m_clients.push_back(c);
  }
  std::vector<std::optional<std::size_t>> starts, ends;
  for (std::size_t i = 0; i < problem.vehicles.size(); ++i) {
    const Vehicle& v = problem.vehicles[i];
    VehicleData w;
    w.index = i;
    w.capacity.q.fill(kUnlimited);
    for (int d = 0; d < dims; ++d) w.capacity.q[d] = v.capacity[d];
    if (v.max_stops) w.capacity.q[kMaxDimensions] = *v.max_stops;
    w.shift_start = v.shift.start;
    w.shift_end = v.shift.end;
    w.start = v.start ? local_of(*v.start) : -1;
    w.end = v.end ? local_of(*v.end) : -1;
    m_vehicles.push_back(w);
  }
  m_nowhere = static_cast<int>(m_global.size());
  for (VehicleData& w : m_vehicles) {
    if (w.start < 0) w.start = m_nowhere;
    if (w.end < 0) w.end = m_nowhere;
  }

  m_stride = m_global.size() + 1;
  m_time_is_cost = !problem.costs.has_value();
  if (m_stride <= kDenseLocations + 1) {
    m_cost.assign(m_stride * m_stride, 0);
    if (!m_time_is_cost) m_time.assign(m_stride * m_stride, 0);
    for (std::size_t a = 0; a < m_global.size(); ++a) {
      for (std::size_t b = 0; b < m_global.size(); ++b) {
        m_cost[a * m_stride + b] = static_cast<double>(cost_matrix(m_global[a], m_global[b]));
        if (!m_time_is_cost) m_time[a * m_stride + b] = problem.durations(m_global[a], m_global[b]);
      }
    }
  } else {
    m_cost_matrix = &cost_matrix;
    m_time_matrix = &problem.durations;
  }

  const std::vector<Point>* points =
      !problem.points.empty() ? &problem.points : cost_matrix.points();
  if (points && points->size() >= problem.durations.size()) {
    m_has_points = true;
    for (std::size_t g : m_global) m_points.push_back((*points)[g]);
  }
  // Dimensions weigh alike: excess in dimension d counts in units of dimension 0, scaled by
  // the ratio of the mean capacities.
  std::array<double, kDims> mean{};
  for (const VehicleData& w : m_vehicles) {
    for (int d = 0; d < kDims; ++d) {
      if (w.capacity.q[d] < kUnlimited) mean[d] += static_cast<double>(w.capacity.q[d]);
    }
  }
  for (int d = 0; d < kDims; ++d) {
    m_scale[d] = (d == 0 || mean[d] <= 0 || mean[0] <= 0) ? 1.0 : mean[0] / mean[d];
  }
  if (!problem.neighbours.empty()) m_given_neighbours = &problem.neighbours;
  if (m_has_points) {
    double sx = 0, sy = 0;
    int n = 0;
    for (const VehicleData& w : m_vehicles) {
      if (w.start == m_nowhere) continue;
      sx += m_points[w.start].x, sy += m_points[w.start].y, ++n;
    }
    if (n == 0) {
      for (const Client& c : m_clients) sx += m_points[c.loc].x, sy += m_points[c.loc].y, ++n;
    }
    m_cx = n ? sx / n : 0;
    m_cy = n ? sy / n : 0;
  }
  finish(granular);
  m_given_neighbours = nullptr;
}

Model::Model(const Model& parent, std::span<const int> clients, std::span<const int> vehicles,
             int granular)
    : m_parent_clients(clients.begin(), clients.end()),
      m_parent_vehicles(vehicles.begin(), vehicles.end()),
      m_time_is_cost(parent.m_time_is_cost),
      m_scale(parent.m_scale),
      m_has_points(parent.m_has_points),
      m_cx(parent.m_cx),
      m_cy(parent.m_cy) {
  std::vector<int> parent_loc;  // local -> parent location
  std::vector<int> local(parent.m_nowhere + 1, -1);
  auto local_of = [&](int p) {
    if (p == parent.m_nowhere) return -1;
    if (local[p] < 0) {
      local[p] = static_cast<int>(parent_loc.size());
      parent_loc.push_back(p);
    }
    return local[p];
  };
  for (int pc : clients) {
    Client c = parent.m_clients[pc];
    c.loc = local_of(c.loc);
    m_clients.push_back(c);
  }
  for (int pv : vehicles) {
    VehicleData w = parent.m_vehicles[pv];
    w.start = local_of(w.start);
    w.end = local_of(w.end);
    m_vehicles.push_back(w);
  }
  m_nowhere = static_cast<int>(parent_loc.size());
  for (VehicleData& w : m_vehicles) {
    if (w.start < 0) w.start = m_nowhere;
    if (w.end < 0) w.end = m_nowhere;
  }
  parent_loc.push_back(parent.m_nowhere);
  m_stride = parent_loc.size();
  m_cost.assign(m_stride * m_stride, 0);
  if (!m_time_is_cost) m_time.assign(m_stride * m_stride, 0);
  for (std::size_t a = 0; a < m_stride; ++a) {
    for (std::size_t b = 0; b < m_stride; ++b) {
      m_cost[a * m_stride + b] = parent.cost(parent_loc[a], parent_loc[b]);
      if (!m_time_is_cost) m_time[a * m_stride + b] = parent.time(parent_loc[a], parent_loc[b]);
    }
  }
  if (m_has_points) {
    for (std::size_t a = 0; a + 1 < m_stride; ++a) m_points.push_back(parent.m_points[parent_loc[a]]);
  }
  finish(granular);
}

double Model::slow_cost(int a, int b) const {
  if (a == m_nowhere || b == m_nowhere) return 0;
  return static_cast<double>((*m_cost_matrix)(m_global[a], m_global[b]));
}

Time Model::slow_time(int a, int b) const {
  if (a == m_nowhere || b == m_nowhere) return 0;
  return (*m_time_matrix)(m_global[a], m_global[b]);
}

void Model::finish(int granular) {
  m_total = Load{};
  Amount max_amount = 0;
  for (const Client& c : m_clients) {
    m_total += c.amount;
    for (int d = 0; d < kDims; ++d) {
      max_amount = std::max<Amount>(max_amount, static_cast<Amount>(c.amount.q[d] * m_scale[d]));
    }
    if (c.early > 0 || c.late < kTimeMax) m_has_time_windows = true;
  }
  using Key = std::tuple<int, int, std::array<std::int64_t, kDims>, Time, Time>;
  std::vector<Key> types;
  m_single_depot = !m_vehicles.empty();
  for (VehicleData& w : m_vehicles) {
    if (w.shift_start > 0 || w.shift_end < kTimeMax) m_has_time_windows = true;
    const Key key{w.start, w.end, w.capacity.q, w.shift_start, w.shift_end};
    const auto it = std::find(types.begin(), types.end(), key);
    w.type = static_cast<int>(it - types.begin());
    if (it == types.end()) types.push_back(key);
    if (w.start != w.end || w.start == m_nowhere || w.start != m_vehicles.front().start) {
      m_single_depot = false;
    }
  }
  m_homogeneous = types.size() <= 1;
  double max_cost = 1;
  for (std::size_t i = 0; i < m_clients.size(); i += 1 + m_clients.size() / 200) {
    for (std::size_t j = 0; j < m_clients.size(); j += 1 + m_clients.size() / 200) {
      max_cost = std::max(max_cost, cost(m_clients[i].loc, m_clients[j].loc));
    }
  }
  m_initial_load_penalty =
      std::clamp(max_cost / static_cast<double>(std::max<Amount>(max_amount, 1)), 0.1, 1000.0);
  compute_geometry();
  compute_neighbours(granular);
}

void Model::compute_geometry() {
  if (!m_has_points) return;
  for (Client& c : m_clients) {
    c.x = m_points[c.loc].x;
    c.y = m_points[c.loc].y;
    double a = 32768.0 * std::atan2(c.y - m_cy, c.x - m_cx) / std::numbers::pi;
    int angle = static_cast<int>(a);
    c.angle = ((angle % 65536) + 65536) % 65536;
  }
}

}  // namespace waybill::planner::detail
