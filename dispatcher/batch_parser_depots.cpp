// BatchParser's depot statistics: the jobs of each origin in a stretch of kStretchJobs jobs, the
// depots of the first stretch, and the share of jobs whose origin is lone.
#include "dispatcher/batch_parser.h"

#include <cmath>
#include <cstdint>

#include "dispatcher/detail/batch_parser_depots.h"

namespace waybill::dispatcher {
namespace detail {

std::int64_t point_key(const wire::LatLon& p) {
  const auto lat = static_cast<std::int64_t>(std::lround(p.lat * 1e6));
  const auto lon = static_cast<std::uint32_t>(static_cast<std::int32_t>(std::lround(p.lon * 1e6)));
  return lat * (std::int64_t{1} << 32) + lon;
}

wire::LatLon point_of(std::int64_t key) {
  const auto lon = static_cast<std::int32_t>(static_cast<std::uint32_t>(key & 0xFFFFFFFF));
  const std::int64_t lat = (key - static_cast<std::uint32_t>(lon)) / (std::int64_t{1} << 32);
  return {static_cast<double>(lat) / 1e6, static_cast<double>(lon) / 1e6};
}

}  // namespace detail

using detail::point_of;

void BatchParser::close_stretch() {
  for (const auto& [origin, count] : m_stretch_origins) {
    if (count < kTreeJobs) continue;
    m_tree_jobs += count;
    if (!m_depots_known && m_depots.size() + m_depot_points.size() < kMaxDepots) {
      if (m_header.coordinate_form) {
        m_depot_points.push_back(point_of(origin));
      } else {
        m_depots.push_back(origin);
      }
    }
  }
  m_depots_known = true;
  m_stretch_origins.clear();
}

double BatchParser::lone_share() const {
  if (m_accepted == 0) return 0;
  return 1.0 - static_cast<double>(m_tree_jobs) / static_cast<double>(m_accepted);
}

}  // namespace waybill::dispatcher
