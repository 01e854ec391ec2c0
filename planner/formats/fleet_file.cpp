#include "planner/formats/fleet_file.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>

#include <absl/strings/ascii.h>
#include <absl/strings/numbers.h>
#include <absl/strings/str_split.h>
#include <absl/time/time.h>

#include "common/iso8601.h"

namespace waybill::planner::formats {
namespace {

constexpr const char* kColumns[] = {"depot",          "depot_lat",   "depot_lon", "vehicles",
                                    "capacity_kg",    "capacity_parcels", "shift_start",
                                    "shift_end",      "max_stops"};

}  // namespace

std::vector<FleetRow> read_fleet(std::istream& in, const std::string& name,
                                 std::optional<std::int64_t> day_start) {
  std::string text;
  std::size_t number = 0;
  std::map<std::string, std::size_t> column;  // name -> position
  std::vector<FleetRow> rows;
  std::set<std::string> depots;
  auto fail = [&](const std::string& what) -> void {
    throw FormatError(name + " line " + std::to_string(number) + ": " + what);
  };
  while (std::getline(in, text)) {
    ++number;
    if (!text.empty() && text.back() == '\r') text.pop_back();
    if (absl::StripAsciiWhitespace(text).empty()) continue;
    std::vector<std::string> fields = absl::StrSplit(text, ',');
    for (std::string& f : fields) f = std::string(absl::StripAsciiWhitespace(f));
    if (column.empty()) {  // the header
      for (std::size_t i = 0; i < fields.size(); ++i) {
        const std::string& f = fields[i];
        if (std::find(std::begin(kColumns), std::end(kColumns), f) == std::end(kColumns)) {
          fail("unknown column '" + f + "' (expected depot or depot_lat,depot_lon, vehicles, "
               "capacity_kg, capacity_parcels, shift_start, shift_end, max_stops)");
        }
        if (!column.emplace(f, i).second) fail("column '" + f + "' appears twice");
      }
      const bool by_node = column.contains("depot");
      const bool by_point = column.contains("depot_lat") || column.contains("depot_lon");
      if (by_node == by_point || (by_point && !(column.contains("depot_lat") && column.contains("depot_lon")))) {
        fail("the header needs a depot column, or depot_lat and depot_lon, not both");
      }
      for (const char* required : {"vehicles", "capacity_kg", "capacity_parcels", "shift_start", "shift_end"}) {
        if (!column.contains(required)) fail(std::string("missing column ") + required);
      }
      continue;
    }
    // A row may leave out the optional max_stops when it is the last column: "…,22:00" as "…,22:00,".
    const auto stops = column.find("max_stops");
    if (stops != column.end() && stops->second + 1 == column.size() && fields.size() + 1 == column.size()) {
      fields.emplace_back();
    }
    if (fields.size() != column.size()) {
      fail(std::to_string(fields.size()) + " fields, the header has " + std::to_string(column.size()));
    }
    auto field = [&](const char* key) -> const std::string& { return fields[column.at(key)]; };
    auto integer = [&](const char* key, std::int64_t low, std::int64_t high = std::int64_t{1} << 40) {
      std::int64_t v = 0;
      if (!absl::SimpleAtoi(field(key), &v)) fail(std::string(key) + ": '" + field(key) + "' is not an integer");
      if (v < low) {
        fail(std::string(key) + ": " + field(key) + (low == 0 ? " is negative" : " is less than " + std::to_string(low)));
      }
      if (v > high) fail(std::string(key) + ": " + field(key) + " is more than " + std::to_string(high));
      return v;
    };
    auto degrees = [&](const char* key, double limit) {
      double v = 0;
      if (!absl::SimpleAtod(field(key), &v) || !std::isfinite(v) || std::fabs(v) > limit) {
        fail(std::string(key) + ": '" + field(key) + "' is not a coordinate in degrees");
      }
      return v;
    };
    auto time = [&](const char* key) -> std::int64_t {
      const std::string& t = field(key);
      if (t.find('-') == std::string::npos) {  // a time of day
        int h = 0, m = 0, s = 0;
        char extra = 0;
        const int got = std::sscanf(t.c_str(), "%d:%d:%d%c", &h, &m, &s, &extra);
        if ((got != 2 && got != 3) || h < 0 || h > 24 || m < 0 || m > 59 || s < 0 || s > 59 ||
            (h == 24 && (m > 0 || s > 0))) {
          fail(std::string(key) + ": '" + t + "' is neither ISO 8601 nor a time of day (HH:MM)");
        }
        if (!day_start) fail(std::string(key) + ": a time of day, but the batch has no --depart-at to give its date");
        return *day_start + h * 3600 + m * 60 + s;
      }
      const auto parsed = parse_iso8601(t);
      if (!parsed) fail(std::string(key) + ": '" + t + "' is not an ISO 8601 time");
      return absl::ToUnixSeconds(*parsed);
    };
    FleetRow row;
    row.line = number;
    std::string key;
    if (column.contains("depot")) {
      row.depot = integer("depot", 0);
      key = std::to_string(*row.depot);
    } else {
      row.depot_lat = degrees("depot_lat", 90);
      row.depot_lon = degrees("depot_lon", 180);
      key = field("depot_lat") + "," + field("depot_lon");
    }
    if (!depots.insert(key).second) fail("depot " + key + " is listed twice");
    row.vehicles = static_cast<int>(integer("vehicles", 1, 100000));
    row.capacity_kg = integer("capacity_kg", 0);
    row.capacity_parcels = integer("capacity_parcels", 0);
    row.shift_start = time("shift_start");
    row.shift_end = time("shift_end");
    if (row.shift_end <= row.shift_start) fail("shift_end: " + field("shift_end") + " is not after shift_start " + field("shift_start"));
    if (column.contains("max_stops") && !field("max_stops").empty()) {
      row.max_stops = static_cast<int>(integer("max_stops", 1, 1000000));
    }
    rows.push_back(std::move(row));
  }
  if (column.empty()) throw FormatError(name + ": empty: no header");
  if (rows.empty()) throw FormatError(name + ": no depots after the header");
  return rows;
}

}  // namespace waybill::planner::formats
