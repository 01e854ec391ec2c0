// Travel costs and times between the locations of a problem, given as data: a dense n x n table
// for small problems, or a rule that computes a cell on demand (Euclidean distances between
// points, or any function), so that tens of thousands of stops never need n x n cells.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

namespace waybill::planner {

/// A cell's value: a cost, or a time in the problem's unit (seconds for VROOM input).
using Cost = std::int64_t;

/// A cell meaning "no way from here to there" (a road network's unreachable pair).
inline constexpr Cost kUnreachable = std::int64_t{1} << 50;

/// A point in the plane, in the instance's own unit (CVRPLIB and Solomon coordinates).
struct Point {
  double x = 0;
  double y = 0;
};

/// How a Euclidean distance becomes an integer cell: `nearest` is TSPLIB's EUC_2D
/// (floor(scale * d + 0.5), CVRPLIB X, A, P); `truncate` is floor(scale * d) (Solomon with
/// scale 10: distances truncated to one decimal, in tenths).
enum class Rounding { nearest, truncate };

/// An immutable matrix of travel costs or times, shared read-only by every thread of a solve.
/// Copying is cheap (the cells are shared).
class TravelMatrix {
 public:
  /// An empty matrix of size 0.
  TravelMatrix() = default;
  /// `size` x `size` cells, row-major (row = from). Throws std::invalid_argument on a size
  /// mismatch.
  static TravelMatrix dense(std::size_t size, std::vector<Cost> cells);
  /// Distances between `points` rounded as said, computed on demand (nothing of n x n is kept).
  static TravelMatrix euclidean(std::vector<Point> points, Rounding rounding, double scale = 1);
  /// Any rule, computed on demand; `cell` must be thread-safe and cheap (it is called often).
  static TravelMatrix function(std::size_t size, std::function<Cost(std::size_t, std::size_t)> cell);

  std::size_t size() const { return m_size; }
  bool is_dense() const { return m_dense != nullptr; }
  /// The points of a Euclidean matrix, else null.
  const std::vector<Point>* points() const { return m_points.get(); }

  Cost operator()(std::size_t from, std::size_t to) const {
    if (m_dense) return (*m_dense)[from * m_size + to];
    if (m_points) return euclidean_cell(from, to);
    return (*m_function)(from, to);
  }

 private:
  Cost euclidean_cell(std::size_t from, std::size_t to) const {
    const Point& a = (*m_points)[from];
    const Point& b = (*m_points)[to];
    const double d = m_scale * std::sqrt((a.x - b.x) * (a.x - b.x) + (a.y - b.y) * (a.y - b.y));
    return static_cast<Cost>(m_rounding == Rounding::nearest ? std::floor(d + 0.5) : std::floor(d));
  }

  std::size_t m_size = 0;
  std::shared_ptr<const std::vector<Cost>> m_dense;
  std::shared_ptr<const std::vector<Point>> m_points;
  std::shared_ptr<const std::function<Cost(std::size_t, std::size_t)>> m_function;
  Rounding m_rounding = Rounding::nearest;
  double m_scale = 1;
};

}  // namespace waybill::planner
