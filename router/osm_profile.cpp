#include "router/osm_profile.h"

#include <cassert>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <sstream>
#include <utility>

namespace waybill::router {
namespace {

// Kept equal to router/profiles/car.profile by a test, so that running without the file and
// running with the shipped file route the same.
constexpr std::string_view kDefaultCarProfile =
    "motorway 110\n"
    "trunk 90\n"
    "primary 65\n"
    "secondary 55\n"
    "tertiary 45\n"
    "unclassified 35\n"
    "residential 30\n"
    "living_street 10\n"
    "service 15\n"
    "motorway_link 60\n"
    "trunk_link 50\n"
    "primary_link 45\n"
    "secondary_link 40\n"
    "tertiary_link 35\n"
    "road 30\n";

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r'; }

/// The next whitespace-separated field of `rest`, which loses it; empty at the end.
std::string_view next_field(std::string_view& rest) {
  std::size_t i = 0;
  while (i < rest.size() && is_space(rest[i])) ++i;
  std::size_t j = i;
  while (j < rest.size() && !is_space(rest[j])) ++j;
  const std::string_view field = rest.substr(i, j - i);
  rest.remove_prefix(j);
  return field;
}

class ProfileParser {
 public:
  explicit ProfileParser(const std::string& name) : m_name(name) {}

  void line(std::string_view text) {
    ++m_line;
    if (const auto hash = text.find('#'); hash != text.npos) text = text.substr(0, hash);
    const std::string_view highway = next_field(text);
    if (highway.empty()) return;
    const std::string_view speed_text = next_field(text);
    if (speed_text.empty() || !next_field(text).empty()) fail("expected 'CLASS SPEED_KMH'");
    const double speed = parse_speed(speed_text);
    if (m_profile.speed_kmh(highway)) fail("class '" + std::string(highway) + "' appears twice");
    m_profile.set_speed_kmh(std::string(highway), speed);
  }

  OsmProfile finish() {
    if (m_profile.speeds_kmh().empty()) throw LoadError(m_name + ": no highway class");
    return std::move(m_profile);
  }

 private:
  double parse_speed(std::string_view text) const {
    double speed = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), speed);
    if (ec != std::errc() || end != text.data() + text.size()) {
      fail("speed '" + std::string(text) + "' is not a number");
    }
    // Negated so that NaN fails too.
    if (!(speed >= OsmProfile::kMinSpeedKmh && speed <= OsmProfile::kMaxSpeedKmh)) {
      fail("speed " + std::string(text) + " km/h is outside 1..300");
    }
    return speed;
  }

  [[noreturn]] void fail(const std::string& what) const {
    throw LoadError(m_name + ":" + std::to_string(m_line) + ": " + what);
  }

  std::string m_name;
  std::size_t m_line = 0;
  OsmProfile m_profile;
};

}  // namespace

std::optional<double> OsmProfile::speed_kmh(std::string_view highway) const {
  const auto it = m_speeds.find(highway);
  if (it == m_speeds.end()) return std::nullopt;
  return it->second;
}

void OsmProfile::set_speed_kmh(std::string highway, double speed) {
  assert(speed >= kMinSpeedKmh && speed <= kMaxSpeedKmh);
  m_speeds.insert_or_assign(std::move(highway), speed);
}

const OsmProfile& default_car_profile() {
  static const OsmProfile profile = parse_osm_profile(kDefaultCarProfile, "built-in car profile");
  return profile;
}

OsmProfile parse_osm_profile(std::string_view text, const std::string& name) {
  ProfileParser parser(name);
  while (!text.empty()) {
    const std::size_t newline = text.find('\n');
    parser.line(text.substr(0, newline));
    text = newline == text.npos ? std::string_view() : text.substr(newline + 1);
  }
  return parser.finish();
}

OsmProfile load_osm_profile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw LoadError(path.string() + ": cannot open: " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw LoadError(path.string() + ": read error");
  return parse_osm_profile(text.str(), path.string());
}

}  // namespace waybill::router
