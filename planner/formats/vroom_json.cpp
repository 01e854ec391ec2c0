#include "planner/formats/vroom_json.h"

#include <map>
#include <set>

#include <nlohmann/json.hpp>

namespace waybill::planner::formats {
namespace {

using nlohmann::json;

[[noreturn]] void fail(const std::string& where, const std::string& what) {
  throw FormatError(where + ": " + what);
}

std::string at(const std::string& array, std::size_t i) {
  return array + "[" + std::to_string(i) + "]";
}

std::int64_t integer(const json& v, const std::string& where) {
  if (v.is_number_integer()) return v.get<std::int64_t>();
  if (v.is_number_float()) {
    const double d = v.get<double>();
    if (d == static_cast<double>(static_cast<std::int64_t>(d))) return static_cast<std::int64_t>(d);
  }
  fail(where, "expected an integer, found " + v.dump());
}

std::int64_t non_negative(const json& v, const std::string& where) {
  const std::int64_t i = integer(v, where);
  if (i < 0) fail(where, std::to_string(i) + " is negative");
  return i;
}

const json& array(const json& v, const std::string& where) {
  if (!v.is_array()) fail(where, "expected an array, found " + v.dump());
  return v;
}

std::vector<Amount> amounts(const json& v, const std::string& where) {
  std::vector<Amount> out;
  for (std::size_t i = 0; i < array(v, where).size(); ++i) out.push_back(non_negative(v[i], at(where, i)));
  return out;
}

TimeWindow window(const json& v, const std::string& where) {
  if (!v.is_array() || v.size() != 2) fail(where, "expected [start, end], found " + v.dump());
  const TimeWindow w{non_negative(v[0], where + "[0]"), non_negative(v[1], where + "[1]")};
  if (w.start > w.end) fail(where, "starts after it ends");
  return w;
}

LonLat coordinate(const json& v, const std::string& where) {
  if (!v.is_array() || v.size() != 2 || !v[0].is_number() || !v[1].is_number()) {
    fail(where, "expected [lon, lat], found " + v.dump());
  }
  const LonLat c{v[0].get<double>(), v[1].get<double>()};
  if (!(c.lon >= -180 && c.lon <= 180 && c.lat >= -90 && c.lat <= 90)) {
    fail(where, "[" + v[0].dump() + ", " + v[1].dump() + "] is not [lon, lat] in degrees");
  }
  return c;
}

/// Fields that VROOM has and this planner does not model: refused when they say something.
void refuse_unmodelled(const json& object, const std::string& where,
                       std::initializer_list<const char*> keys) {
  for (const char* key : keys) {
    if (!object.contains(key)) continue;
    const json& v = object[key];
    const bool empty = v.is_null() || (v.is_array() && v.empty()) ||
                       (v.is_number() && v.get<double>() == 0) ||
                       (v.is_array() && std::all_of(v.begin(), v.end(), [](const json& x) {
                          return x.is_number() && x.get<double>() == 0;
                        }));
    if (!empty) fail(where + "." + key, "not supported by this planner");
  }
}

/// A square matrix of non-negative integers.
TravelMatrix matrix(const json& v, const std::string& where) {
  const std::size_t n = array(v, where).size();
  std::vector<Cost> cells;
  cells.reserve(n * n);
  for (std::size_t i = 0; i < n; ++i) {
    const std::string row = at(where, i);
    if (array(v[i], row).size() != n) {
      fail(row, std::to_string(v[i].size()) + " columns in a matrix of " + std::to_string(n) + " rows");
    }
    for (std::size_t j = 0; j < n; ++j) cells.push_back(non_negative(v[i][j], at(row, j)));
  }
  return TravelMatrix::dense(n, std::move(cells));
}

/// The locations of the problem: matrix indices when the input has a matrix, else one per
/// distinct coordinate.
class Locations {
 public:
  Locations(VroomProblem& out, std::optional<std::size_t> matrix_size)
      : m_out(out), m_size(matrix_size) {
    if (m_size) {
      m_out.coordinates.assign(*m_size, std::nullopt);
      m_out.indices.resize(*m_size);
      for (std::size_t i = 0; i < *m_size; ++i) m_out.indices[i] = i;
    }
  }

  /// The location of an object with `location` and/or `<prefix>_index` (prefix "location",
  /// "start", "end"); none when it has neither and `required` is false.
  std::optional<std::size_t> read(const json& object, const std::string& where,
                                  const std::string& coordinate_key, const std::string& index_key,
                                  bool required) {
    std::optional<LonLat> c;
    if (object.contains(coordinate_key)) c = coordinate(object[coordinate_key], where + "." + coordinate_key);
    if (object.contains(index_key)) {
      const auto i = static_cast<std::size_t>(non_negative(object[index_key], where + "." + index_key));
      if (!m_size) fail(where + "." + index_key, "an index, but the input has no matrix");
      if (i >= *m_size) {
        fail(where + "." + index_key, std::to_string(i) + " is outside the " + std::to_string(*m_size) +
                                          " x " + std::to_string(*m_size) + " matrix");
      }
      if (c) m_out.coordinates[i] = c;
      return i;
    }
    if (!c) {
      if (required) fail(where, "no " + coordinate_key + " and no " + index_key);
      return std::nullopt;
    }
    if (m_size) fail(where + "." + coordinate_key, "a coordinate without " + index_key + ", but the input has a matrix");
    const auto [it, added] = m_seen.emplace(std::make_pair(c->lon, c->lat), m_out.coordinates.size());
    if (added) {
      m_out.coordinates.push_back(c);
      m_out.indices.push_back(std::nullopt);
    }
    return it->second;
  }

 private:
  VroomProblem& m_out;
  std::optional<std::size_t> m_size;
  std::map<std::pair<double, double>, std::size_t> m_seen;
};

}  // namespace

VroomProblem read_vroom(const json& input) {
  if (!input.is_object()) fail("input", "expected a JSON object with jobs and vehicles");
  refuse_unmodelled(input, "input", {"shipments"});
  if (!input.contains("vehicles") || array(input["vehicles"], "vehicles").empty()) {
    fail("vehicles", "at least one vehicle is needed");
  }
  const json& vehicles = input["vehicles"];
  const json no_jobs = json::array();
  const json& jobs = input.contains("jobs") ? array(input["jobs"], "jobs") : no_jobs;

  // One profile for the whole fleet: its matrices are the problem's.
  std::string profile;
  for (std::size_t i = 0; i < vehicles.size(); ++i) {
    const std::string where = at("vehicles", i);
    if (!vehicles[i].is_object()) fail(where, "expected an object");
    std::string p = "car";
    if (vehicles[i].contains("profile")) {
      if (!vehicles[i]["profile"].is_string()) fail(where + ".profile", "expected a string");
      p = vehicles[i]["profile"].get<std::string>();
    }
    if (i == 0) profile = p;
    if (p != profile) fail(where + ".profile", "'" + p + "', but vehicles[0]'s is '" + profile + "' (one profile a problem)");
  }
  std::optional<TravelMatrix> durations, distances, costs;
  if (input.contains("matrices")) {
    const json& m = input["matrices"];
    if (!m.is_object()) fail("matrices", "expected an object keyed by profile");
    if (!m.contains(profile)) fail("matrices", "no matrices for profile '" + profile + "'");
    const std::string where = "matrices." + profile;
    const json& p = m[profile];
    if (!p.is_object()) fail(where, "expected an object with durations, distances, costs");
    if (p.contains("durations")) durations = matrix(p["durations"], where + ".durations");
    if (p.contains("distances")) distances = matrix(p["distances"], where + ".distances");
    if (p.contains("costs")) costs = matrix(p["costs"], where + ".costs");
    if (!durations) {
      if (!distances && !costs) fail(where, "no durations");
      // Without durations, VROOM plans by the matrix it has; times are then in its unit.
      durations = costs ? *costs : *distances;
    }
  } else if (input.contains("matrix")) {
    durations = matrix(input["matrix"], "matrix");
  }

  VroomProblem out;
  if (durations) {
    const std::size_t n = durations->size();
    for (const auto& [m, key] : {std::pair{&distances, "distances"}, std::pair{&costs, "costs"}}) {
      if (*m && (*m)->size() != n) {
        fail("matrices." + profile + "." + key,
             std::to_string((*m)->size()) + " rows, but the durations have " + std::to_string(n));
      }
    }
  }
  Locations locations(out, durations ? std::optional(durations->size()) : std::nullopt);
  Problem& problem = out.problem;

  std::set<std::int64_t> vehicle_ids;
  for (std::size_t i = 0; i < vehicles.size(); ++i) {
    const json& v = vehicles[i];
    const std::string where = at("vehicles", i);
    refuse_unmodelled(v, where, {"skills", "breaks", "steps", "max_travel_time", "max_distance", "speed_factor"});
    if (v.contains("costs")) {
      const json& c = v["costs"];
      const bool plain = c.is_object() && c.value("fixed", 0) == 0 && c.value("per_km", 0) == 0 &&
                         c.value("per_hour", 3600) == 3600;
      if (!plain) fail(where + ".costs", "fixed, per-km or per-hour costs are not supported");
    }
    if (!v.contains("id")) fail(where, "no id");
    Vehicle vehicle;
    vehicle.id = integer(v["id"], where + ".id");
    if (!vehicle_ids.insert(vehicle.id).second) fail(where + ".id", std::to_string(vehicle.id) + " appears twice");
    vehicle.start = locations.read(v, where, "start", "start_index", false);
    vehicle.end = locations.read(v, where, "end", "end_index", false);
    if (!vehicle.start && !vehicle.end) fail(where, "neither a start nor an end");
    if (v.contains("capacity")) vehicle.capacity = amounts(v["capacity"], where + ".capacity");
    if (v.contains("time_window")) vehicle.shift = window(v["time_window"], where + ".time_window");
    if (v.contains("max_tasks")) vehicle.max_stops = static_cast<int>(non_negative(v["max_tasks"], where + ".max_tasks"));
    out.vehicle_descriptions.push_back(v.value("description", ""));
    problem.vehicles.push_back(std::move(vehicle));
  }

  std::set<std::int64_t> job_ids;
  std::size_t dims = problem.vehicles.front().capacity.size();
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    const json& j = jobs[i];
    const std::string where = at("jobs", i);
    if (!j.is_object()) fail(where, "expected an object");
    refuse_unmodelled(j, where, {"pickup", "skills", "setup"});
    if (!j.contains("id")) fail(where, "no id");
    Job job;
    job.id = integer(j["id"], where + ".id");
    if (!job_ids.insert(job.id).second) fail(where + ".id", std::to_string(job.id) + " appears twice");
    job.location = *locations.read(j, where, "location", "location_index", true);
    if (j.contains("delivery")) job.amounts = amounts(j["delivery"], where + ".delivery");
    else if (j.contains("amount")) job.amounts = amounts(j["amount"], where + ".amount");
    const bool carries = std::any_of(job.amounts.begin(), job.amounts.end(), [](Amount a) { return a != 0; });
    if (!job.amounts.empty() && job.amounts.size() != dims) {
      if (dims == 0 && carries) fail(where + ".delivery", "amounts, but vehicles[0] has no capacity");
      if (dims != 0) {
        fail(where + ".delivery", std::to_string(job.amounts.size()) + " amounts, but vehicles[0]'s capacity has " +
                                      std::to_string(dims));
      }
      job.amounts.clear();
    }
    if (j.contains("service")) job.service = non_negative(j["service"], where + ".service");
    if (j.contains("priority")) {
      const auto p = integer(j["priority"], where + ".priority");
      if (p < 0 || p > 100) fail(where + ".priority", std::to_string(p) + " is outside 0..100");
      job.priority = static_cast<int>(p);
    }
    if (j.contains("time_windows")) {
      const json& ws = array(j["time_windows"], where + ".time_windows");
      for (std::size_t w = 0; w < ws.size(); ++w) job.windows.push_back(window(ws[w], at(where + ".time_windows", w)));
    }
    out.job_descriptions.push_back(j.value("description", ""));
    problem.jobs.push_back(std::move(job));
  }
  for (std::size_t i = 0; i < problem.vehicles.size(); ++i) {
    if (problem.vehicles[i].capacity.size() != dims) {
      fail(at("vehicles", i) + ".capacity", std::to_string(problem.vehicles[i].capacity.size()) +
                                                 " dimensions, but vehicles[0]'s has " + std::to_string(dims));
    }
  }
  if (durations) {
    problem.durations = *durations;
    problem.distances = distances;
    problem.costs = costs;
  }
  return out;
}

VroomProblem read_vroom(const std::string& text, const std::string& name) {
  json input;
  try {
    input = json::parse(text);
  } catch (const json::parse_error& e) {
    throw FormatError(name + ": not JSON: byte " + std::to_string(e.byte) + ": " + e.what());
  }
  try {
    return read_vroom(input);
  } catch (const FormatError& e) {
    throw FormatError(name + ": " + e.what());
  }
}

nlohmann::ordered_json write_vroom(const Problem& problem, const Solution& solution,
                                   const VroomProblem* input, const ComputingTimes& times) {
  using nlohmann::ordered_json;
  const int dims = problem.dimensions();
  auto sum = [&](std::vector<Amount>& total, const std::vector<Amount>& add) {
    for (int d = 0; d < dims && d < static_cast<int>(add.size()); ++d) total[d] += add[d];
  };
  auto place = [&](ordered_json& step, std::size_t location) {
    if (input && location < input->coordinates.size() && input->coordinates[location]) {
      step["location"] = {input->coordinates[location]->lon, input->coordinates[location]->lat};
    }
    if (!input || (location < input->indices.size() && input->indices[location])) {
      step["location_index"] = location;
    }
  };
  auto description = [](ordered_json& o, const std::vector<std::string>* list, std::size_t i) {
    if (list && i < list->size() && !(*list)[i].empty()) o["description"] = (*list)[i];
  };
  const bool with_distance = problem.distances.has_value();
  auto leg = [](const TravelMatrix& m, std::optional<std::size_t> a, std::optional<std::size_t> b) -> Cost {
    return a && b ? m(*a, *b) : 0;
  };

  std::vector<Amount> total_delivery(dims, 0);
  Time total_service = 0, total_waiting = 0;
  Cost total_duration = 0, total_distance = 0;
  long total_priority = 0;
  ordered_json routes = ordered_json::array();
  for (const Tour& tour : solution.tours) {
    const Vehicle& vehicle = problem.vehicles[tour.vehicle];
    std::vector<Amount> delivery(dims, 0);
    long priority = 0;
    for (const Stop& s : tour.stops) {
      sum(delivery, problem.jobs[s.job].amounts);
      priority += problem.jobs[s.job].priority;
    }
    ordered_json steps = ordered_json::array();
    Cost duration = 0, distance = 0;
    std::optional<std::size_t> here = vehicle.start;
    auto step = [&](const char* type) {
      ordered_json s;
      s["type"] = type;
      return s;
    };
    if (vehicle.start) {
      ordered_json s = step("start");
      place(s, *vehicle.start);
      s["setup"] = 0;
      s["service"] = 0;
      s["waiting_time"] = 0;
      s["load"] = tour.load;
      s["arrival"] = tour.departure;
      s["duration"] = 0;
      if (with_distance) s["distance"] = 0;
      s["violations"] = ordered_json::array();
      steps.push_back(std::move(s));
    }
    for (const Stop& stop : tour.stops) {
      const Job& job = problem.jobs[stop.job];
      duration += leg(problem.durations, here, job.location);
      if (with_distance) distance += leg(*problem.distances, here, job.location);
      here = job.location;
      ordered_json s = step("job");
      description(s, input ? &input->job_descriptions : nullptr, stop.job);
      place(s, job.location);
      s["id"] = job.id;
      s["setup"] = 0;
      s["service"] = job.service;
      s["waiting_time"] = stop.waiting;
      s["job"] = job.id;
      s["load"] = stop.load;
      s["arrival"] = stop.arrival;
      s["duration"] = duration;
      if (with_distance) s["distance"] = distance;
      s["violations"] = ordered_json::array();
      steps.push_back(std::move(s));
    }
    if (vehicle.end) {
      duration += leg(problem.durations, here, vehicle.end);
      if (with_distance) distance += leg(*problem.distances, here, vehicle.end);
      ordered_json s = step("end");
      place(s, *vehicle.end);
      s["setup"] = 0;
      s["service"] = 0;
      s["waiting_time"] = 0;
      s["load"] = tour.stops.empty() ? tour.load : tour.stops.back().load;
      s["arrival"] = tour.arrival;
      s["duration"] = duration;
      if (with_distance) s["distance"] = distance;
      s["violations"] = ordered_json::array();
      steps.push_back(std::move(s));
    }
    ordered_json route;
    route["vehicle"] = vehicle.id;
    route["cost"] = tour.cost;
    description(route, input ? &input->vehicle_descriptions : nullptr, tour.vehicle);
    route["delivery"] = delivery;
    route["amount"] = delivery;
    route["pickup"] = std::vector<Amount>(dims, 0);
    route["setup"] = 0;
    route["service"] = tour.service;
    route["duration"] = tour.duration;
    route["waiting_time"] = tour.waiting;
    route["priority"] = priority;
    if (with_distance) route["distance"] = tour.distance;
    route["steps"] = std::move(steps);
    route["violations"] = ordered_json::array();
    routes.push_back(std::move(route));
    sum(total_delivery, delivery);
    total_service += tour.service;
    total_waiting += tour.waiting;
    total_duration += tour.duration;
    total_distance += tour.distance;
    total_priority += priority;
  }
  ordered_json unassigned = ordered_json::array();
  for (const Unassigned& u : solution.unassigned) {
    const Job& job = problem.jobs[u.job];
    ordered_json o;
    o["id"] = job.id;
    o["type"] = "job";
    description(o, input ? &input->job_descriptions : nullptr, u.job);
    place(o, job.location);
    o["reason"] = std::string(name(u.reason));
    unassigned.push_back(std::move(o));
  }
  ordered_json summary;
  summary["cost"] = solution.cost;
  summary["routes"] = solution.tours.size();
  summary["unassigned"] = solution.unassigned.size();
  summary["delivery"] = total_delivery;
  summary["amount"] = total_delivery;
  summary["pickup"] = std::vector<Amount>(dims, 0);
  summary["setup"] = 0;
  summary["service"] = total_service;
  summary["duration"] = total_duration;
  summary["waiting_time"] = total_waiting;
  summary["priority"] = total_priority;
  if (with_distance) summary["distance"] = total_distance;
  summary["violations"] = ordered_json::array();
  summary["computing_times"] = {{"loading", times.loading_ms}, {"solving", times.solving_ms},
                                {"routing", times.routing_ms}};
  ordered_json out;
  out["code"] = 0;
  out["summary"] = std::move(summary);
  out["unassigned"] = std::move(unassigned);
  out["routes"] = std::move(routes);
  return out;
}

}  // namespace waybill::planner::formats
