#include "planner/formats/benchmark_files.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <vector>

#include <absl/strings/ascii.h>
#include <absl/strings/numbers.h>
#include <absl/strings/str_split.h>
#include <absl/strings/strip.h>

namespace waybill::planner::formats {
namespace {

/// Reads a file line by line and says where a problem is.
class Lines {
 public:
  Lines(std::istream& in, const std::string& name) : m_in(in), m_name(name) {}

  /// The next line without its end (CVRPLIB files have CRLF ends), or nothing at the end.
  std::optional<std::string> next() {
    std::string line;
    if (!std::getline(m_in, line)) return std::nullopt;
    ++m_number;
    absl::StripAsciiWhitespace(&line);
    return line;
  }
  [[noreturn]] void fail(const std::string& what) const {
    throw FormatError(m_name + ":" + std::to_string(m_number) + ": " + what);
  }
  std::vector<absl::string_view> fields(absl::string_view line) const {
    return absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
  }
  double real(absl::string_view field, const std::string& what) const {
    double v = 0;
    if (!absl::SimpleAtod(field, &v) || !std::isfinite(v)) {
      fail(what + ": '" + std::string(field) + "' is not a number");
    }
    return v;
  }
  std::int64_t integer(absl::string_view field, const std::string& what) const {
    std::int64_t v = 0;
    if (!absl::SimpleAtoi(field, &v)) fail(what + ": '" + std::string(field) + "' is not an integer");
    return v;
  }

 private:
  std::istream& m_in;
  const std::string& m_name;
  int m_number = 0;
};

/// HGS-CVRP's fleet bound: enough vehicles for 1.3 times the minimum, and three more.
int default_fleet(Amount total, Amount capacity, std::size_t jobs) {
  if (capacity <= 0) return static_cast<int>(std::max<std::size_t>(1, jobs));
  const auto bound = static_cast<std::int64_t>(std::ceil(1.3 * static_cast<double>(total) /
                                                         static_cast<double>(capacity))) + 3;
  return static_cast<int>(std::clamp<std::int64_t>(bound, 1, static_cast<std::int64_t>(jobs) + 1));
}

}  // namespace

Problem read_cvrplib(std::istream& in, const std::string& name, int vehicles) {
  Lines lines(in, name);
  std::optional<std::int64_t> dimension, capacity, distance_limit;
  std::int64_t service = 0;
  std::string section;
  std::map<std::int64_t, Point> coords;
  std::map<std::int64_t, Amount> demand;
  std::vector<std::int64_t> depots;
  while (auto line = lines.next()) {
    if (line->empty()) continue;
    if (*line == "EOF") break;
    const auto colon = line->find(':');
    if (colon != std::string::npos) {  // KEY : value
      const std::string key = absl::AsciiStrToUpper(absl::StripAsciiWhitespace(absl::string_view(*line).substr(0, colon)));
      const std::string value(absl::StripAsciiWhitespace(absl::string_view(*line).substr(colon + 1)));
      if (key == "DIMENSION") dimension = lines.integer(value, key);
      else if (key == "CAPACITY") capacity = lines.integer(value, key);
      else if (key == "DISTANCE") distance_limit = static_cast<std::int64_t>(lines.real(value, key));
      else if (key == "SERVICE_TIME") service = static_cast<std::int64_t>(lines.real(value, key));
      else if (key == "EDGE_WEIGHT_TYPE" && value != "EUC_2D") {
        lines.fail("EDGE_WEIGHT_TYPE: " + value + " is not supported (EUC_2D is)");
      } else if (key == "TYPE" && value != "CVRP") {
        lines.fail("TYPE: " + value + " is not supported (CVRP is)");
      }
      section.clear();
      continue;
    }
    const auto f = lines.fields(absl::string_view(*line));
    if (f.size() == 1 && absl::EndsWith(f[0], "_SECTION")) {
      section = std::string(f[0]);
      if (section != "NODE_COORD_SECTION" && section != "DEMAND_SECTION" &&
          section != "DEPOT_SECTION") {
        lines.fail(section + " is not supported");
      }
      continue;
    }
    if (section == "NODE_COORD_SECTION") {
      if (f.size() != 3) lines.fail(section + ": expected 'node x y'");
      const auto node = lines.integer(f[0], section + " node");
      if (!coords.emplace(node, Point{lines.real(f[1], section + " x"), lines.real(f[2], section + " y")}).second) {
        lines.fail(section + ": node " + std::to_string(node) + " appears twice");
      }
    } else if (section == "DEMAND_SECTION") {
      if (f.size() != 2) lines.fail(section + ": expected 'node demand'");
      const auto node = lines.integer(f[0], section + " node");
      const auto d = lines.integer(f[1], section + " demand");
      if (d < 0) lines.fail(section + ": node " + std::to_string(node) + " has a negative demand");
      if (!demand.emplace(node, d).second) {
        lines.fail(section + ": node " + std::to_string(node) + " appears twice");
      }
    } else if (section == "DEPOT_SECTION") {
      if (f.size() != 1) lines.fail(section + ": expected one node a line, ended by -1");
      const auto node = lines.integer(f[0], section + " node");
      if (node >= 0) depots.push_back(node);
    } else {
      lines.fail("'" + *line + "' outside any section");
    }
  }
  if (!dimension) throw FormatError(name + ": no DIMENSION");
  if (!capacity) throw FormatError(name + ": no CAPACITY");
  if (coords.size() != static_cast<std::size_t>(*dimension)) {
    throw FormatError(name + ": NODE_COORD_SECTION has " + std::to_string(coords.size()) +
                      " nodes, DIMENSION says " + std::to_string(*dimension));
  }
  if (depots.empty()) depots.push_back(coords.begin()->first);
  if (depots.size() > 1) throw FormatError(name + ": DEPOT_SECTION: more than one depot");
  if (!coords.contains(depots[0])) {
    throw FormatError(name + ": DEPOT_SECTION: node " + std::to_string(depots[0]) + " has no coordinates");
  }

  Problem problem;
  std::vector<Point> points;
  std::size_t depot = 0;
  Amount total = 0;
  for (const auto& [node, point] : coords) {
    const std::size_t location = points.size();
    points.push_back(point);
    if (node == depots[0]) {
      depot = location;
      continue;
    }
    const auto d = demand.find(node);
    if (d == demand.end()) {
      throw FormatError(name + ": DEMAND_SECTION: node " + std::to_string(node) + " has no demand");
    }
    Job job;
    job.id = node;
    job.location = location;
    job.amounts = {d->second};
    job.service = service;
    total += d->second;
    problem.jobs.push_back(std::move(job));
  }
  const int fleet = vehicles > 0 ? vehicles : default_fleet(total, *capacity, problem.jobs.size());
  for (int v = 0; v < fleet; ++v) {
    Vehicle vehicle;
    vehicle.id = v + 1;
    vehicle.start = depot;
    vehicle.end = depot;
    vehicle.capacity = {*capacity};
    if (distance_limit) vehicle.shift = TimeWindow{0, *distance_limit};
    problem.vehicles.push_back(std::move(vehicle));
  }
  problem.points = points;
  problem.durations = TravelMatrix::euclidean(std::move(points), Rounding::nearest);
  return problem;
}

Problem read_solomon(std::istream& in, const std::string& name, int vehicles) {
  Lines lines(in, name);
  std::optional<std::int64_t> fleet, capacity;
  struct Row {
    std::int64_t id;
    Point point;
    Amount demand;
    Time ready, due, service;
  };
  std::vector<Row> rows;
  enum { header, vehicle, customer } state = header;
  while (auto line = lines.next()) {
    if (line->empty()) continue;
    const auto f = lines.fields(absl::string_view(*line));
    if (f[0] == "VEHICLE") {
      state = vehicle;
      continue;
    }
    if (f[0] == "CUSTOMER") {
      state = customer;
      continue;
    }
    if (f[0] == "NUMBER" || f[0] == "CUST") continue;  // the column titles
    if (state == vehicle) {
      if (f.size() != 2) lines.fail("VEHICLE: expected 'number capacity'");
      fleet = lines.integer(f[0], "VEHICLE number");
      capacity = lines.integer(f[1], "VEHICLE capacity");
    } else if (state == customer) {
      if (f.size() != 7) {
        lines.fail("CUSTOMER: expected 7 fields (no, x, y, demand, ready, due, service), found " +
                   std::to_string(f.size()));
      }
      // Times are integers in the files; kept in tenths like the distances.
      auto tenths = [&](absl::string_view v, const char* what) {
        return static_cast<Time>(std::llround(lines.real(v, std::string("CUSTOMER ") + what) * kSolomonScale));
      };
      Row row{lines.integer(f[0], "CUSTOMER number"),
              Point{lines.real(f[1], "CUSTOMER x"), lines.real(f[2], "CUSTOMER y")},
              lines.integer(f[3], "CUSTOMER demand"), tenths(f[4], "ready time"),
              tenths(f[5], "due date"), tenths(f[6], "service time")};
      if (row.id != static_cast<std::int64_t>(rows.size())) {
        lines.fail("CUSTOMER: number " + std::to_string(row.id) + " where " +
                   std::to_string(rows.size()) + " was expected");
      }
      if (row.ready > row.due) lines.fail("CUSTOMER: ready time after due date");
      rows.push_back(row);
    }  // else: the instance's name, on the first line
  }
  if (!fleet || !capacity) throw FormatError(name + ": no VEHICLE section (NUMBER CAPACITY)");
  if (rows.empty()) throw FormatError(name + ": no CUSTOMER rows");

  Problem problem;
  std::vector<Point> points;
  for (const Row& row : rows) {
    points.push_back(row.point);
    if (row.id == 0) continue;  // the depot
    Job job;
    job.id = row.id;
    job.location = static_cast<std::size_t>(row.id);
    job.amounts = {row.demand};
    job.service = row.service;
    job.windows = {TimeWindow{row.ready, row.due}};
    problem.jobs.push_back(std::move(job));
  }
  const std::int64_t count = vehicles > 0 ? vehicles : *fleet;
  for (std::int64_t v = 0; v < count; ++v) {
    Vehicle vehicle;
    vehicle.id = v + 1;
    vehicle.start = 0;
    vehicle.end = 0;
    vehicle.capacity = {*capacity};
    vehicle.shift = TimeWindow{rows[0].ready, rows[0].due};
    problem.vehicles.push_back(std::move(vehicle));
  }
  problem.points = points;
  problem.durations = TravelMatrix::euclidean(std::move(points), Rounding::truncate, kSolomonScale);
  return problem;
}

}  // namespace waybill::planner::formats
