#include "planner/travel_matrix.h"

#include <stdexcept>
#include <string>

namespace waybill::planner {

TravelMatrix TravelMatrix::dense(std::size_t size, std::vector<Cost> cells) {
  if (cells.size() != size * size) {
    throw std::invalid_argument("a dense matrix of size " + std::to_string(size) + " needs " +
                                std::to_string(size * size) + " cells, not " +
                                std::to_string(cells.size()));
  }
  TravelMatrix m;
  m.m_size = size;
  m.m_dense = std::make_shared<const std::vector<Cost>>(std::move(cells));
  return m;
}

TravelMatrix TravelMatrix::euclidean(std::vector<Point> points, Rounding rounding, double scale) {
  TravelMatrix m;
  m.m_size = points.size();
  m.m_points = std::make_shared<const std::vector<Point>>(std::move(points));
  m.m_rounding = rounding;
  m.m_scale = scale;
  return m;
}

TravelMatrix TravelMatrix::function(std::size_t size,
                                    std::function<Cost(std::size_t, std::size_t)> cell) {
  TravelMatrix m;
  m.m_size = size;
  m.m_function = std::make_shared<const std::function<Cost(std::size_t, std::size_t)>>(std::move(cell));
  return m;
}

}  // namespace waybill::planner
