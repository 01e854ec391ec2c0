#include "planner/detail/split.h"

#include <cmath>
#include <limits>

namespace waybill::planner::detail {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

bool beyond_bound(const Load& load, const Load& capacity) {
  for (int d = 0; d < kDims; ++d) {
    if (static_cast<double>(load.q[d]) > 1.5 * static_cast<double>(capacity.q[d])) return true;
  }
  return false;
}

/// Calls visit(j, cost) for each route giant[i..j) of vehicle v, for growing j, until the load
/// passes 1.5 capacities (unless `unbounded`).
template <class Visit>
void extend(const Model& m, const std::vector<int>& giant, int v, int i, const Penalties& pen,
            bool unbounded, Visit&& visit) {
  const VehicleData& vehicle = m.vehicle(v);
  const bool tw = m.has_time_windows();
  Load load;
  double travel = 0;
  TwSeg seg = m.start_tw(v);
  int prev = vehicle.start;
  const int n = static_cast<int>(giant.size());
  for (int j = i; j < n; ++j) {
    const Client& c = m.client(giant[j]);
    load += c.amount;
    travel += m.cost(prev, c.loc);
    if (tw) seg = merge(seg, m.client_tw(giant[j]), m.time(prev, c.loc));
    prev = c.loc;
    double cost = travel + m.cost(prev, vehicle.end) + pen.load * m.excess(load, vehicle.capacity);
    if (tw) {
      const Time warp = merge(seg, m.end_tw(v), m.time(prev, vehicle.end)).time_warp;
      cost += pen.time_warp * static_cast<double>(warp);
    }
    visit(j + 1, cost);
    if (!unbounded && beyond_bound(load, vehicle.capacity)) break;
  }
}

}  // namespace

void Split::run(Individual& ind, const Penalties& penalties, int max_routes) {
  const Model& m = *m_model;
  for (auto& route : ind.routes) route.clear();
  if (!ind.giant.empty()) {
    if (m.homogeneous()) {
      int bound = 1;
      const VehicleData& vehicle = m.vehicle(0);
      for (int d = 0; d < kDims; ++d) {
        if (vehicle.capacity.q[d] <= 0) continue;
        const double need = std::ceil(static_cast<double>(m.total_amount().q[d]) /
                                      static_cast<double>(vehicle.capacity.q[d]));
        bound = std::max(bound, static_cast<int>(std::min(need, 1e9)));
      }
      const int layers = std::min(m.vehicles(), std::max(max_routes, bound));
      if (!simple(ind, penalties, layers)) layered(ind, penalties, layers);
    } else {
      layered(ind, penalties, m.vehicles());
    }
  }
  ind.evaluate(m, penalties);
}

bool Split::simple(Individual& ind, const Penalties& penalties, int max_routes) {
  const int n = static_cast<int>(ind.giant.size());
  m_potential.assign(n + 1, kInf);
  m_pred.assign(n + 1, 0);
  m_potential[0] = 0;
  for (int i = 0; i < n; ++i) {
    const double base = m_potential[i];
    if (base == kInf) continue;
    extend(*m_model, ind.giant, 0, i, penalties, false, [&](int j, double cost) {
      if (base + cost < m_potential[j]) {
        m_potential[j] = base + cost;
        m_pred[j] = i;
      }
    });
  }
  int count = 0;
  for (int end = n; end > 0; end = m_pred[end]) ++count;
  if (count > max_routes) return false;
  int end = n;
  for (int k = count - 1; k >= 0; --k) {
    const int begin = m_pred[end];
    ind.routes[k].assign(ind.giant.begin() + begin, ind.giant.begin() + end);
    end = begin;
  }
  return true;
}

void Split::layered(Individual& ind, const Penalties& penalties, int layers) {
  const int n = static_cast<int>(ind.giant.size());
  const std::size_t width = n + 1;
  m_potential.assign((layers + 1) * width, kInf);
  m_pred.assign((layers + 1) * width, 0);
  m_potential[0] = 0;
  auto layer = [&](int k, bool unbounded) {
    double* from = &m_potential[k * width];
    double* to = &m_potential[(k + 1) * width];
    int* pred = &m_pred[(k + 1) * width];
    for (int j = 0; j <= n; ++j) {  // vehicle k left unused
      to[j] = from[j];
      pred[j] = j;
    }
    for (int i = 0; i < n; ++i) {
      const double base = from[i];
      if (base == kInf) continue;
      extend(*m_model, ind.giant, k, i, penalties, unbounded, [&](int j, double cost) {
        if (base + cost < to[j]) {
          to[j] = base + cost;
          pred[j] = i;
        }
      });
    }
  };
  for (int k = 0; k < layers; ++k) layer(k, false);
  if (m_potential[layers * width + n] == kInf) layer(layers - 1, true);
  int end = n;
  for (int k = layers - 1; k >= 0; --k) {
    const int begin = m_pred[(k + 1) * width + end];
    ind.routes[k].assign(ind.giant.begin() + begin, ind.giant.begin() + end);
    end = begin;
  }
}

}  // namespace waybill::planner::detail
