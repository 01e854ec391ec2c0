// A car routing profile for the OpenStreetMap loader: which highway classes a car may drive on,
// and how fast it goes on each when a way carries no usable speed limit.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "router/dimacs.h"  // LoadError, shared by every loader

namespace waybill::router {

/// Default speeds by OSM highway class, in km/h. A class absent from the profile is not routable.
///
/// Read from a text file an operator can edit (router/profiles/car.profile): one line per class,
/// `CLASS SPEED_KMH`, with '#' starting a comment. A plain value type; copy it freely.
class OsmProfile {
 public:
  /// Speeds must lie in this range: a zero speed would make an arc take forever, and anything
  /// above is a typo (a speed in m/s or mph would still pass, so keep the file reviewed).
  static constexpr double kMinSpeedKmh = 1;
  static constexpr double kMaxSpeedKmh = 300;

  /// The speed of a highway class, or nothing when cars do not use that class.
  std::optional<double> speed_kmh(std::string_view highway) const;

  /// Every class with its speed, sorted by class name.
  const std::map<std::string, double, std::less<>>& speeds_kmh() const { return m_speeds; }

  /// Adds or replaces a class. Precondition: kMinSpeedKmh <= speed <= kMaxSpeedKmh.
  void set_speed_kmh(std::string highway, double speed);

  friend bool operator==(const OsmProfile&, const OsmProfile&) = default;

 private:
  std::map<std::string, double, std::less<>> m_speeds;
};

/// The built-in car profile, equal to router/profiles/car.profile: for tests, and for the CLI
/// when no profile file is given.
const OsmProfile& default_car_profile();

/// Parses profile text. `name` (a file name) prefixes every error: `car.profile:7: ...`.
/// Throws LoadError (router/dimacs.h) for a malformed line, a repeated class or an empty profile.
OsmProfile parse_osm_profile(std::string_view text, const std::string& name);

/// Reads and parses a profile file. Throws LoadError naming the file.
OsmProfile load_osm_profile(const std::filesystem::path& path);

}  // namespace waybill::router
