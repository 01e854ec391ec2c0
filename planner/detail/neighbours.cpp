// Granular neighbourhoods (Toth and Vigo 2003; Vidal 2022): the local search only tries moves
// that put a client next to one of its closest. Closeness is the cost, plus with time windows the
// waiting and lateness that putting one right after the other implies (Vidal et al. 2013). The
// candidates come from the dense cache, from a grid over the points, or from the problem's own
// sparse neighbour lists, so that a large problem never scans n x n pairs.
#include <algorithm>
#include <cmath>
#include <limits>

#include "planner/detail/model.h"

namespace waybill::planner::detail {
namespace {

/// The k nearest points of each point (Euclidean), by a uniform grid of about two points a cell.
std::vector<std::vector<int>> nearest_by_grid(const std::vector<Client>& clients, int k) {
  const int n = static_cast<int>(clients.size());
  double min_x = clients[0].x, max_x = min_x, min_y = clients[0].y, max_y = min_y;
  for (const Client& c : clients) {
    min_x = std::min(min_x, c.x), max_x = std::max(max_x, c.x);
    min_y = std::min(min_y, c.y), max_y = std::max(max_y, c.y);
  }
  const int side = std::max(1, static_cast<int>(std::sqrt(n / 2.0)));
  const double w = std::max((max_x - min_x) / side, 1e-9), h = std::max((max_y - min_y) / side, 1e-9);
  auto cell_x = [&](double x) { return std::min(side - 1, static_cast<int>((x - min_x) / w)); };
  auto cell_y = [&](double y) { return std::min(side - 1, static_cast<int>((y - min_y) / h)); };
  std::vector<std::vector<int>> cells(static_cast<std::size_t>(side) * side);
  for (int i = 0; i < n; ++i) cells[cell_y(clients[i].y) * side + cell_x(clients[i].x)].push_back(i);

  std::vector<std::vector<int>> result(n);
  std::vector<std::pair<double, int>> found;
  for (int i = 0; i < n; ++i) {
    const int cx = cell_x(clients[i].x), cy = cell_y(clients[i].y);
    found.clear();
    for (int ring = 0; ring <= side; ++ring) {
      for (int y = cy - ring; y <= cy + ring; ++y) {
        for (int x = cx - ring; x <= cx + ring; ++x) {
          if (x < 0 || y < 0 || x >= side || y >= side) continue;
          if (std::max(std::abs(x - cx), std::abs(y - cy)) != ring) continue;
          for (int j : cells[y * side + x]) {
            if (j == i) continue;
            const double dx = clients[i].x - clients[j].x, dy = clients[i].y - clients[j].y;
            found.emplace_back(dx * dx + dy * dy, j);
          }
        }
      }
      // Every point outside the rings searched so far is at least `ring * cell` away.
      if (static_cast<int>(found.size()) >= k) {
        std::nth_element(found.begin(), found.begin() + (k - 1), found.end());
        const double reach = ring * std::min(w, h);
        if (found[k - 1].first <= reach * reach) break;
      }
    }
    const int take = std::min<int>(k, static_cast<int>(found.size()));
    std::partial_sort(found.begin(), found.begin() + take, found.end());
    for (int t = 0; t < take; ++t) result[i].push_back(found[t].second);
  }
  return result;
}

}  // namespace

void Model::compute_neighbours(int granular) {
  const int n = clients();
  m_neighbours.assign(n, {});
  if (n <= 1) return;
  const int g = std::min(granular, n - 1);
  auto directed = [&](int i, int j) {  // j served right after i
    const Client& a = m_clients[i];
    const Client& b = m_clients[j];
    double p = cost(a.loc, b.loc);
    if (m_has_time_windows) {
      const Time t = time(a.loc, b.loc);
      p += 0.2 * static_cast<double>(std::max<Time>(b.early - a.service - t - a.late, 0));
      p += 1.0 * static_cast<double>(std::max<Time>(a.early + a.service + t - b.late, 0));
    }
    return p;
  };
  auto proximity = [&](int i, int j) { return std::min(directed(i, j), directed(j, i)); };

  std::vector<std::vector<int>> candidates;
  if (m_cost.empty() && m_has_points) {
    candidates = nearest_by_grid(m_clients, std::min(n - 1, 3 * g));
  } else if (m_cost.empty() && m_given_neighbours) {
    candidates.resize(n);
    for (int i = 0; i < n; ++i) {
      for (std::size_t job : (*m_given_neighbours)[m_clients[i].job]) {
        const int j = job < m_client_of_job.size() ? m_client_of_job[job] : -1;
        if (j >= 0 && j != i) candidates[i].push_back(j);
      }
    }
  }
  std::vector<std::vector<int>> chosen(n);
  std::vector<std::pair<double, int>> ranked;
  for (int i = 0; i < n; ++i) {
    ranked.clear();
    if (candidates.empty()) {
      for (int j = 0; j < n; ++j) {
        if (j != i) ranked.emplace_back(proximity(i, j), j);
      }
    } else {
      for (int j : candidates[i]) ranked.emplace_back(proximity(i, j), j);
    }
    const int take = std::min<int>(g, static_cast<int>(ranked.size()));
    std::partial_sort(ranked.begin(), ranked.begin() + take, ranked.end());
    for (int t = 0; t < take; ++t) {
      chosen[i].push_back(ranked[t].second);
      chosen[ranked[t].second].push_back(i);
    }
  }
  // Symmetric (if i is close to j, j is close to i), closest first.
  for (int i = 0; i < n; ++i) {
    std::vector<int>& list = chosen[i];
    std::sort(list.begin(), list.end());
    list.erase(std::unique(list.begin(), list.end()), list.end());
    ranked.clear();
    for (int j : list) ranked.emplace_back(proximity(i, j), j);
    std::sort(ranked.begin(), ranked.end());
    for (const auto& [p, j] : ranked) m_neighbours[i].push_back(j);
  }
}

}  // namespace waybill::planner::detail
