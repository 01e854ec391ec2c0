// Distances on the Earth, shared by the loaders and the snapper.
#pragma once

namespace waybill::router {

/// Mean Earth radius (IUGG), in metres, used for every length.
inline constexpr double kEarthRadiusM = 6'371'008.8;

/// Great-circle (haversine) distance in metres between two points given in degrees.
double haversine_m(double lon1, double lat1, double lon2, double lat2);

}  // namespace waybill::router
