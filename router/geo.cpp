#include "router/geo.h"

#include <algorithm>
#include <numbers>
#include <cmath>

namespace waybill::router {
namespace {


}  // namespace

double haversine_m(double lon1, double lat1, double lon2, double lat2) {
  const double to_rad = std::numbers::pi / 180;
  const double dlat = (lat2 - lat1) * to_rad;
  const double dlon = (lon2 - lon1) * to_rad;
  const double h =
      std::sin(dlat / 2) * std::sin(dlat / 2) +
      std::cos(lat1 * to_rad) * std::cos(lat2 * to_rad) * std::sin(dlon / 2) * std::sin(dlon / 2);
  return 2 * kEarthRadiusM * std::asin(std::min(1.0, std::sqrt(h)));
}

}  // namespace waybill::router
