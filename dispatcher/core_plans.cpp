// The core's plans (`waybill plan`): a client asks for a routed batch's plan with a fleet file;
// each depot (a large one cut into parts of about kPartJobs jobs, by direction from the depot)
// is leased to a worker like a chunk, with a deadline, and stored once, first answer wins.
#include <algorithm>
#include <cmath>
#include <numeric>
#include <sstream>

#include "common/hex.h"
#include "common/sha256.h"
#include "common/utf8.h"
#include "dispatcher/core.h"
#include "planner/formats/fleet_file.h"

namespace waybill::dispatcher {

using std::chrono::milliseconds;
using std::chrono::seconds;

namespace {

/// Jobs a planning part holds, about: a worker plans a part with a dense matrix of its stops.
constexpr std::uint32_t kPartJobs = 1000;
/// Beyond its time limit, a plan lease lasts this long (the matrix, the transfer, a busy box).
constexpr auto kPlanGrace = seconds(60);
constexpr std::int32_t kDefaultServiceS = 120;

std::uint32_t parts_of(std::uint32_t jobs, std::uint32_t vehicles) {
  return std::clamp<std::uint32_t>((jobs + kPartJobs - 1) / kPartJobs, 1, std::max(1u, vehicles));
}

std::string plan_options(double time_limit_s, std::int32_t service_s) {
  std::ostringstream o;
  o << "time_limit_s=" << time_limit_s << " service_s=" << service_s;
  return o.str();
}

/// The options text back (a plan resumed after a restart).
std::pair<double, std::int32_t> parse_options(const std::string& text) {
  double limit = 10;
  std::int32_t service = kDefaultServiceS;
  std::istringstream in(text);
  std::string word;
  while (in >> word) {
    const auto eq = word.find('=');
    if (eq == std::string::npos) continue;
    const std::string key = word.substr(0, eq), value = word.substr(eq + 1);
    try {
      if (key == "time_limit_s") limit = std::stod(value);
      if (key == "service_s") service = std::stoi(value);
    } catch (const std::exception&) {
    }
  }
  return {limit, service};
}

}  // namespace

void DispatcherCore::on_plan_request(const std::string& peer, const wire::PlanRequest& request,
                                     Clock::time_point now) {
  const auto reply = [&](wire::PlanReply r) { send(Side::clients, peer, std::move(r), now); };
  const auto refuse = [&](std::string why) {
    wire::PlanReply r;
    r.error = std::move(why);
    reply(std::move(r));
  };
  const auto batch_id = static_cast<std::int64_t>(request.batch_id);
  const auto batch = m_catalog.plan_batch(batch_id);
  if (!batch) return refuse("no batch " + std::to_string(request.batch_id));
  if (batch->routed < batch->accepted) {
    return refuse("batch " + std::to_string(batch_id) + " is still routing (" +
                  std::to_string(batch->routed) + " of " + std::to_string(batch->accepted) +
                  " jobs): plan it once it is routed");
  }
  if (!(request.time_limit_s >= 0.5 && request.time_limit_s <= 3600)) {
    return refuse("time limit " + std::to_string(request.time_limit_s) + " s is outside 0.5..3600");
  }
  const std::int32_t service = request.service_s < 0 ? kDefaultServiceS : std::min(request.service_s, 86400);
  const std::string options = plan_options(request.time_limit_s, service);
  const std::string hash = sha256_hex(request.fleet_csv);
  const std::string name = utf8_prefix(request.fleet_name.empty() ? "fleet" : request.fleet_name, 200);
  if (const auto existing = m_catalog.find_plan(batch_id, hash, options)) {
    return reply(wire::PlanReply{static_cast<std::uint64_t>(existing->id), true, existing->parts,
                                 existing->parts_done, existing->finished, ""});
  }
  std::optional<std::int64_t> day_start;
  if (batch->depart_at) day_start = *batch->depart_at - ((*batch->depart_at % 86400) + 86400) % 86400;
  std::vector<planner::formats::FleetRow> rows;
  try {
    std::istringstream in(request.fleet_csv);
    rows = planner::formats::read_fleet(in, name, day_start);
  } catch (const planner::formats::FormatError& e) {
    return refuse(e.what());
  }
  std::map<DepotKey, std::uint32_t> depots;
  for (const auto& [key, count] : m_catalog.batch_depots(batch_id, batch->points)) depots[key] = count;
  PlanSpec spec;
  spec.batch_id = batch_id;
  spec.fleet_hash = hash;
  spec.options = options;
  spec.fleet_name = name;
  std::set<DepotKey> planned;
  for (const auto& row : rows) {
    const std::string where = name + " line " + std::to_string(row.line) + ": ";
    DepotKey key;
    if (row.depot) {
      if (batch->points) return refuse(where + "batch " + std::to_string(batch_id) + " gives its origins as coordinates: use depot_lat,depot_lon");
      key.node = *row.depot;
    } else {
      if (!batch->points) return refuse(where + "batch " + std::to_string(batch_id) + " gives its origins as node ids: use a depot column");
      key.point = true;
      key.lat_e7 = static_cast<std::int32_t>(std::lround(*row.depot_lat * 1e7));
      key.lon_e7 = static_cast<std::int32_t>(std::lround(*row.depot_lon * 1e7));
    }
    const auto found = depots.find(key);
    if (found == depots.end()) {
      return refuse(where + "depot " + (row.depot ? std::to_string(*row.depot)
                                                  : std::to_string(*row.depot_lat) + "," + std::to_string(*row.depot_lon)) +
                    " has no jobs in batch " + std::to_string(batch_id));
    }
    DepotFleetRow f;
    f.depot = key;
    f.jobs = found->second;
    f.fleet = wire::PlanFleet{static_cast<std::uint32_t>(row.vehicles), static_cast<double>(row.capacity_kg),
                              row.capacity_parcels, row.shift_start, row.shift_end, row.max_stops.value_or(0), 1};
    spec.parts += parts_of(f.jobs, f.fleet.vehicles);
    spec.fleets.push_back(f);
    planned.insert(key);
  }
  for (const auto& [key, count] : depots) {
    if (!planned.contains(key)) spec.without_fleet.push_back(key);
  }
  const std::int64_t plan_id = m_catalog.create_plan(spec);
  m_log.info(LogFields{.batch = batch_id, .plan = plan_id}, "plan ", plan_id, ": batch ", batch_id,
             ", ", spec.fleets.size(), " depots in ", spec.parts, " parts, ",
             spec.without_fleet.size(), " origins without a fleet");
  open_plan(plan_id, batch_id, batch->graph_id, spec.fleets, {}, request.time_limit_s, service);
  reply(wire::PlanReply{static_cast<std::uint64_t>(plan_id), false, spec.parts, 0, spec.parts == 0, ""});
}

void DispatcherCore::open_plan(std::int64_t plan_id, std::int64_t batch_id, std::int64_t graph_id,
                               const std::vector<DepotFleetRow>& fleets,
                               const std::set<std::pair<std::int64_t, std::uint32_t>>& done,
                               double time_limit_s, std::int32_t service_s) {
  if (m_plans.contains(plan_id)) return;
  PlanState state{batch_id, 0, static_cast<std::uint32_t>(done.size())};
  for (const DepotFleetRow& f : fleets) {
    const std::uint32_t parts = parts_of(f.jobs, f.fleet.vehicles);
    state.parts += parts;
    for (std::uint32_t p = 0; p < parts; ++p) {
      if (done.contains({f.depot.id(), p})) continue;
      m_plan_board.add(PlanPart{PlanPartKey{plan_id, f.depot.id(), p}, batch_id, graph_id, f, parts,
                                time_limit_s, service_s, 500});
    }
  }
  if (state.done >= state.parts) {
    m_catalog.finish_plan(plan_id);
    return;
  }
  m_plans[plan_id] = state;
}

void DispatcherCore::resume_plans() {
  for (const OpenPlan& p : m_catalog.open_plans()) {
    if (m_plans.contains(p.record.id)) continue;
    const auto batch = m_catalog.plan_batch(p.record.batch_id);
    if (!batch) continue;
    const auto [limit, service] = parse_options(p.record.options);
    m_log.info(LogFields{.batch = p.record.batch_id, .plan = p.record.id}, "plan ", p.record.id,
               ": resuming, ", p.done.size(), " of ", p.record.parts, " parts stored");
    open_plan(p.record.id, p.record.batch_id, batch->graph_id, p.fleets, p.done, limit, service);
  }
}

wire::PlanLease DispatcherCore::plan_lease(const PlanPart& part) {
  const GraphEntry& g = graph(part.graph_id);
  std::vector<wire::PlanJob> jobs = m_catalog.depot_jobs(part.batch_id, part.depot.depot, part.service_s);
  const DepotKey& depot = part.depot.depot;
  wire::PlanLease lease;
  lease.plan_id = static_cast<std::uint64_t>(part.key.plan_id);
  lease.depot = depot.point ? 0 : depot.node;
  lease.part = part.key.part;
  lease.graph_hash = g.info.hash;
  lease.points = depot.point;
  lease.depot_lat = depot.lat_e7 / 1e7;
  lease.depot_lon = depot.lon_e7 / 1e7;
  lease.time_limit_s = part.time_limit_s;
  lease.snap_radius_m = part.snap_radius_m;
  lease.fleet = part.depot.fleet;
  if (part.parts > 1) {
    // Parts by direction from the depot, so that each part's vans cover a sector of their own.
    auto where = [&](const wire::PlanJob& j) -> std::optional<std::pair<double, double>> {
      if (depot.point) return std::make_pair(j.dest_lon, j.dest_lat);
      if (!g.graph.has_coordinates()) return std::nullopt;
      const auto index = g.graph.index_of(router::NodeId{j.destination});
      if (!index) return std::nullopt;
      const router::Coordinate c = g.graph.coordinate(*index);
      return std::make_pair(c.lon_e6 / 1e6, c.lat_e6 / 1e6);
    };
    std::optional<std::pair<double, double>> centre;
    if (depot.point) {
      centre = std::make_pair(lease.depot_lon, lease.depot_lat);
    } else if (g.graph.has_coordinates()) {
      if (const auto index = g.graph.index_of(router::NodeId{depot.node})) {
        const router::Coordinate c = g.graph.coordinate(*index);
        centre = std::make_pair(c.lon_e6 / 1e6, c.lat_e6 / 1e6);
      }
    }
    std::vector<std::pair<double, std::uint32_t>> order;  // (angle, index), seq order without geometry
    for (std::uint32_t i = 0; i < jobs.size(); ++i) {
      const auto at = where(jobs[i]);
      order.emplace_back(centre && at ? std::atan2(at->second - centre->second, at->first - centre->first) : 0.0, i);
    }
    std::stable_sort(order.begin(), order.end());
    const std::size_t n = jobs.size(), p = part.key.part, parts = part.parts;
    std::vector<wire::PlanJob> mine;
    for (std::size_t k = n * p / parts; k < n * (p + 1) / parts; ++k) mine.push_back(jobs[order[k].second]);
    std::sort(mine.begin(), mine.end(), [](const auto& a, const auto& b) { return a.seq < b.seq; });
    jobs = std::move(mine);
    const std::uint32_t vans = part.depot.fleet.vehicles;
    lease.fleet.first_vehicle = 1 + static_cast<std::uint32_t>(vans * p / parts);
    lease.fleet.vehicles = static_cast<std::uint32_t>(vans * (p + 1) / parts - vans * p / parts);
  }
  lease.jobs = std::move(jobs);
  return lease;
}

void DispatcherCore::assign_plans(Clock::time_point now) {
  if (m_plan_board.empty()) return;
  for (auto& [peer, conn] : m_conns) {
    if (!conn.ready || conn.leaving || m_plan_board.held_by(peer) > 0) continue;
    const auto grant = m_plan_board.lease(peer, now, kPlanGrace);
    if (!grant) return;
    const PlanPart& part = *grant->second;
    if (part.graph_id != conn.graph_id) {  // this worker holds another graph: it waits for it
      m_plan_board.release_worker(peer);
      continue;
    }
    wire::PlanLease lease = plan_lease(part);
    lease.lease_id = grant->first;
    lease.deadline_ms = static_cast<std::uint32_t>(
        std::chrono::duration_cast<milliseconds>(kPlanGrace).count() + part.time_limit_s * 1000);
    PlanLeaseOut out{part.key, peer, {}, lease.fleet.first_vehicle, lease.fleet.vehicles};
    for (const auto& j : lease.jobs) out.seqs.push_back(j.seq);
    m_plan_leases[lease.lease_id] = std::move(out);
    m_metrics.plan_parts_leased.inc();
    m_log.info(LogFields{.batch = part.batch_id,
                         .plan = part.key.plan_id,
                         .depot = part.key.depot,
                         .worker = conn.name},
               "plan ", part.key.plan_id, ": depot ", part.key.depot, " part ", part.key.part, " (",
               lease.jobs.size(), " jobs, ", lease.fleet.vehicles, " vans) to worker ", conn.name);
    send(Side::workers, peer, std::move(lease), now);
  }
}

void DispatcherCore::store_part(PlanPartRows rows) {
  const PlanPartKey key{rows.plan_id, rows.depot, rows.part};
  const PlanPart* part = m_plan_board.find(key);
  if (part == nullptr) return;
  PlanPart copy = *part;
  m_plan_board.accept(key);
  bool stored = false;
  try {
    stored = m_catalog.store_plan_part(rows);
  } catch (...) {
    m_plan_board.add(std::move(copy));  // not stored: planned again
    throw;
  }
  auto it = m_plans.find(rows.plan_id);
  if (it == m_plans.end()) return;
  if (stored) {
    ++it->second.done;
    m_metrics.plan_parts_stored.inc();
  }
  if (it->second.done >= it->second.parts || m_plan_board.open_parts(rows.plan_id) == 0) {
    m_catalog.finish_plan(rows.plan_id);
    m_log.info(LogFields{.batch = rows.batch_id, .plan = rows.plan_id}, "plan ", rows.plan_id,
               ": every part stored");
    m_plans.erase(it);
  }
}

void DispatcherCore::on_plan_result(const std::string& peer, WorkerConn& conn,
                                    wire::PlanResult& result, Clock::time_point now) {
  (void)now;
  const auto out_it = m_plan_leases.find(result.lease_id);
  if (out_it == m_plan_leases.end() || out_it->second.peer != peer) {
    m_log.warn(LogFields{.worker = conn.name}, "worker ", conn.name,
               ": dropped a plan result for an unknown lease");
    return;
  }
  const PlanLeaseOut out = std::move(out_it->second);
  m_plan_leases.erase(out_it);
  const PlanPart* part = m_plan_board.find(out.key);
  if (part == nullptr) return;  // answered before: stored once
  PlanPartRows rows;
  rows.plan_id = out.key.plan_id;
  rows.batch_id = part->batch_id;
  rows.depot = out.key.depot;
  rows.part = out.key.part;
  rows.jobs = static_cast<std::uint32_t>(out.seqs.size());
  rows.worker_id = conn.db_id;
  rows.solve_s = std::isfinite(result.solve_s) ? result.solve_s : 0;
  if (!result.error.empty()) {
    m_log.warn(LogFields{.batch = part->batch_id,
                         .plan = out.key.plan_id,
                         .depot = out.key.depot,
                         .worker = conn.name},
               "worker ", conn.name, " failed plan ", out.key.plan_id, " depot ", out.key.depot,
               " part ", out.key.part, ": ", result.error);
    if (!m_plan_board.fail(out.key, result.lease_id)) return;
    rows.failed = utf8_prefix(result.error, 500);
    for (const std::uint32_t seq : out.seqs) rows.misses.push_back({seq, "planning_failed"});
    return store_part(std::move(rows));
  }
  // The answer must hold every job of the part once, and only the part's vans.
  std::vector<std::uint32_t> seen;
  std::set<std::uint32_t> vans;
  bool valid = true;
  for (const auto& t : result.tours) {
    valid = valid && t.vehicle >= out.first_vehicle && t.vehicle < out.first_vehicle + out.vehicles &&
            vans.insert(t.vehicle).second;
    for (const auto& s : t.stops) seen.push_back(s.seq);
  }
  for (const auto& m : result.misses) seen.push_back(m.seq);
  std::sort(seen.begin(), seen.end());
  if (!valid || seen != out.seqs) {
    m_log.warn(LogFields{.batch = part->batch_id,
                         .plan = out.key.plan_id,
                         .depot = out.key.depot,
                         .worker = conn.name},
               "worker ", conn.name, ": dropped a plan result for plan ", out.key.plan_id,
               " depot ", out.key.depot, " part ", out.key.part,
               " that does not match its jobs or vans");
    m_plan_board.fail(out.key, result.lease_id);
    return;
  }
  rows.tours = std::move(result.tours);
  rows.misses = std::move(result.misses);
  store_part(std::move(rows));
}

}  // namespace waybill::dispatcher
