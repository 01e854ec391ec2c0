// Store: plans (`waybill plan`). A plan row when it is asked for, with its fleet; each part
// stored once, with its tours, stops and misses, in one transaction that begins by claiming the
// part in plan_parts (a second answer for the part finds it claimed and stores nothing).
#include <pqxx/pqxx>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <string>
#include <type_traits>

#include "common/utf8.h"
#include "dispatcher/detail/store_impl.h"
#include "dispatcher/store.h"

namespace waybill::dispatcher {
namespace {

/// The SQL condition selecting a depot's jobs; $2 and $3 are bound by depot_params.
constexpr const char* kDepotJobs =
    "(case when $4 then origin_lat_e7 = $2 and origin_lon_e7 = $3 else origin = $2 end)";

// A job's depot id (DepotKey::id) from its origin, over job_fields' columns; $3: coordinate form.
constexpr const char* kDepotOfJob =
    "(case when $3 then (origin_lat_e7::bigint << 32) | (origin_lon_e7::bigint & 4294967295)"
    " else origin end)";

/// A PostgreSQL array literal, built element by element: '{1,2,3}'.
class PgArray {
 public:
  template <class T>
  void add(const T& value) {
    if (m_text.size() > 1) m_text.push_back(',');
    if constexpr (std::is_arithmetic_v<T>) {
      m_text.append(std::to_string(value));
    } else {  // text, quoted: the caller keeps it to characters that need no escape
      m_text.push_back('"');
      m_text.append(value);
      m_text.push_back('"');
    }
  }
  std::string text() const { return m_text + "}"; }

 private:
  std::string m_text = "{";
};

DepotKey depot_of(const pqxx::row& r, bool points) {
  DepotKey k;
  k.point = points;
  if (points) {
    k.lat_e7 = r[0].as<std::int32_t>();
    k.lon_e7 = r[1].as<std::int32_t>();
  } else {
    k.node = r[0].as<std::int64_t>();
  }
  return k;
}

}  // namespace

std::optional<PlanBatch> Store::plan_batch(std::int64_t batch_id) {
  return m_impl->guarded("plan_batch", [&]() -> std::optional<PlanBatch> {
    pqxx::nontransaction txn(m_impl->main());
    const pqxx::result r = txn.exec_params(
        "select b.graph_id, extract(epoch from b.depart_at)::bigint, b.accepted,"
        "       coalesce((select sum(jobs) from chunks_done d where d.batch_id = b.id), 0),"
        "       exists (select from job_blocks jb where jb.batch_id = b.id and jb.origin is null)"
        " from batches b where b.id = $1",
        batch_id);
    if (r.empty()) return std::nullopt;
    PlanBatch b;
    b.graph_id = r[0][0].as<std::int64_t>();
    if (!r[0][1].is_null()) b.depart_at = r[0][1].as<std::int64_t>();
    b.accepted = r[0][2].as<std::uint64_t>();
    b.routed = r[0][3].as<std::uint64_t>();
    b.points = r[0][4].as<bool>();
    return b;
  });
}

std::vector<std::pair<DepotKey, std::uint32_t>> Store::batch_depots(std::int64_t batch_id,
                                                                   bool points) {
  return m_impl->guarded("batch_depots", [&] {
    pqxx::nontransaction txn(m_impl->main());
    const pqxx::result r = txn.exec_params(
        points ? "select origin_lat_e7, origin_lon_e7, count(*) from job_fields where batch_id = $1"
                 " group by 1, 2 order by 1, 2"
               : "select origin, 0, count(*) from job_fields where batch_id = $1"
                 " group by 1 order by 1",
        batch_id);
    std::vector<std::pair<DepotKey, std::uint32_t>> out;
    for (const auto& row : r) out.emplace_back(depot_of(row, points), row[2].as<std::uint32_t>());
    return out;
  });
}

std::optional<PlanRecord> Store::find_plan(std::int64_t batch_id, const std::string& fleet_hash,
                                           const std::string& options) {
  return m_impl->guarded("find_plan", [&]() -> std::optional<PlanRecord> {
    pqxx::nontransaction txn(m_impl->main());
    const pqxx::result r = txn.exec_params(
        "select p.id, p.parts, (select count(*) from plan_parts x where x.plan_id = p.id),"
        "       p.finished_at is not null"
        " from plans p where p.batch_id = $1 and p.fleet_hash = $2 and p.options = $3",
        batch_id, fleet_hash, options);
    if (r.empty()) return std::nullopt;
    return PlanRecord{r[0][0].as<std::int64_t>(), batch_id, options, r[0][1].as<std::uint32_t>(),
                      r[0][2].as<std::uint32_t>(), r[0][3].as<bool>()};
  });
}

std::int64_t Store::create_plan(const PlanSpec& spec) {
  return m_impl->guarded("create_plan", [&] {
    pqxx::work txn(m_impl->main());
    const pqxx::result r = txn.exec_params(
        "insert into plans (batch_id, fleet_hash, options, fleet_name, parts)"
        " values ($1, $2, $3, $4, $5) on conflict (batch_id, fleet_hash, options) do nothing"
        " returning id",
        spec.batch_id, spec.fleet_hash, spec.options, to_valid_utf8(spec.fleet_name), spec.parts);
    if (r.empty()) {  // asked for at the same moment by another dispatcher: that plan
      const auto id = txn.exec_params1("select id from plans where batch_id = $1 and fleet_hash = $2"
                                       " and options = $3",
                                       spec.batch_id, spec.fleet_hash, spec.options)[0]
                          .as<std::int64_t>();
      txn.commit();
      return id;
    }
    const auto plan_id = r[0][0].as<std::int64_t>();
    for (const DepotFleetRow& f : spec.fleets) {
      txn.exec_params(
          "insert into plan_fleets (plan_id, depot, vehicles, capacity_kg, capacity_parcels,"
          " shift_start, shift_end, max_stops) values ($1, $2, $3, $4, $5, to_timestamp($6),"
          " to_timestamp($7), nullif($8, 0))",
          plan_id, f.depot.id(), f.fleet.vehicles, f.fleet.capacity_kg, f.fleet.capacity_parcels,
          f.fleet.shift_start, f.fleet.shift_end, f.fleet.max_stops);
    }
    // The jobs of every origin without a fleet, in one read of the batch (a read per origin
    // took 97 of them for the demo's plan, 29 s).
    if (!spec.without_fleet.empty()) {
      PgArray ids;
      for (const DepotKey& d : spec.without_fleet) ids.add(d.id());
      txn.exec_params(
          std::string("insert into plan_misses (plan_id, depot, batch_id, job_seq, reason)"
                      " select $2, j.depot, $1, j.seq, 'no_fleet'"
                      "   from (select seq, ") +
              kDepotOfJob +
              " as depot from job_fields where batch_id = $1) j"
              "  where j.depot = any($4::bigint[])",
          spec.batch_id, plan_id, spec.without_fleet.front().point, ids.text());
    }
    if (spec.parts == 0) txn.exec_params("update plans set finished_at = now() where id = $1", plan_id);
    txn.commit();
    return plan_id;
  });
}

std::vector<OpenPlan> Store::open_plans() {
  return m_impl->guarded("open_plans", [&] {
    pqxx::nontransaction txn(m_impl->main());
    std::vector<OpenPlan> out;
    for (const auto& p : txn.exec("select id, batch_id, options, parts from plans"
                                  " where finished_at is null order by id")) {
      OpenPlan plan;
      plan.record = PlanRecord{p[0].as<std::int64_t>(), p[1].as<std::int64_t>(),
                               p[2].as<std::string>(), p[3].as<std::uint32_t>(), 0, false};
      const bool points = txn.exec_params1("select exists (select from job_blocks where batch_id = $1"
                                           " and origin is null)", plan.record.batch_id)[0].as<bool>();
      // Each fleet depot's jobs counted in one read of the batch, not one read per depot.
      for (const auto& f : txn.exec_params(
               std::string("select f.depot, f.vehicles, f.capacity_kg, f.capacity_parcels,"
                           " extract(epoch from f.shift_start)::bigint,"
                           " extract(epoch from f.shift_end)::bigint, coalesce(f.max_stops, 0),"
                           " coalesce(c.jobs, 0)"
                           " from plan_fleets f left join (select ") +
                   kDepotOfJob +
                   " as depot, count(*) as jobs from job_fields where batch_id = $2 group by 1) c"
                   " on c.depot = f.depot"
                   " where f.plan_id = $1 order by f.depot",
               plan.record.id, plan.record.batch_id, points)) {
        DepotFleetRow row;
        const auto id = f[0].as<std::int64_t>();
        row.depot.point = points;
        if (points) {
          row.depot.lat_e7 = static_cast<std::int32_t>(id >> 32);
          row.depot.lon_e7 = static_cast<std::int32_t>(static_cast<std::uint32_t>(id));
        } else {
          row.depot.node = id;
        }
        row.fleet = wire::PlanFleet{f[1].as<std::uint32_t>(), f[2].as<double>(), f[3].as<std::int64_t>(),
                                    f[4].as<std::int64_t>(), f[5].as<std::int64_t>(), f[6].as<std::int32_t>(), 1};
        row.jobs = f[7].as<std::uint32_t>();
        plan.fleets.push_back(row);
      }
      for (const auto& d : txn.exec_params("select depot, part from plan_parts where plan_id = $1",
                                           plan.record.id)) {
        plan.done.emplace(d[0].as<std::int64_t>(), d[1].as<std::uint32_t>());
      }
      plan.record.parts_done = static_cast<std::uint32_t>(plan.done.size());
      out.push_back(std::move(plan));
    }
    return out;
  });
}

std::vector<wire::PlanJob> Store::depot_jobs(std::int64_t batch_id, const DepotKey& depot,
                                             std::int32_t default_service_s) {
  return m_impl->guarded("depot_jobs", [&] {
    pqxx::nontransaction txn(m_impl->main());
    const pqxx::result r = txn.exec_params(
        std::string("select seq, coalesce(destination, 0), coalesce(dest_lat_e7, 0),"
                    " coalesce(dest_lon_e7, 0), coalesce(weight_kg, 0),"
                    " extract(epoch from ready_at)::bigint, extract(epoch from due_at)::bigint,"
                    " coalesce(service_s, $5), coalesce(priority, 0)"
                    " from job_fields where batch_id = $1 and ") +
            kDepotJobs + " order by seq",
        batch_id, depot.point ? std::int64_t{depot.lat_e7} : depot.node, depot.lon_e7, depot.point,
        default_service_s);
    std::vector<wire::PlanJob> jobs;
    jobs.reserve(r.size());
    for (const auto& row : r) {
      wire::PlanJob j;
      j.seq = row[0].as<std::uint32_t>();
      j.destination = row[1].as<std::int64_t>();
      j.dest_lat = row[2].as<std::int64_t>() / 1e7;
      j.dest_lon = row[3].as<std::int64_t>() / 1e7;
      j.weight_kg = row[4].as<double>();
      if (!row[5].is_null()) j.ready_at = row[5].as<std::int64_t>();
      if (!row[6].is_null()) j.due_at = row[6].as<std::int64_t>();
      j.service_s = row[7].as<std::int32_t>();
      j.priority = std::clamp(row[8].as<std::int32_t>(), 0, 100);
      jobs.push_back(j);
    }
    return jobs;
  });
}

bool Store::store_plan_part(const PlanPartRows& part) {
  return m_impl->guarded("store_plan_part", [&] {
    pqxx::work txn(m_impl->main());
    const pqxx::result claimed = txn.exec_params(
        "insert into plan_parts (plan_id, depot, part, jobs, worker_id, status, detail, solve_s)"
        " values ($1, $2, $3, $4, nullif($5, 0), $6, nullif($7, ''), $8)"
        " on conflict do nothing returning 1",
        part.plan_id, part.depot, part.part, part.jobs, part.worker_id,
        part.failed.empty() ? "done" : "failed", to_valid_utf8(part.failed), part.solve_s);
    if (claimed.empty()) return false;  // stored before: first answer wins
    for (const wire::PlanTour& t : part.tours) {
      txn.exec_params(
          "insert into tours (plan_id, depot, vehicle, distance_m, duration_s, load_kg, load_parcels,"
          " departure, arrival) values ($1, $2, $3, $4, $5, $6, $7, to_timestamp($8), to_timestamp($9))",
          part.plan_id, part.depot, t.vehicle, t.distance_m, t.duration_s, t.load_kg, t.load_parcels,
          t.departure, t.arrival);
    }
    // Every stop and miss in one statement each: arrays unnested, not a round trip a row.
    PgArray vehicles, seqs, jobs, arrivals, departures, waits, late, kgs, parcels;
    for (const wire::PlanTour& t : part.tours) {
      for (std::size_t k = 0; k < t.stops.size(); ++k) {
        const wire::PlanStop& s = t.stops[k];
        vehicles.add(t.vehicle);
        seqs.add(k + 1);
        jobs.add(s.seq);
        arrivals.add(s.arrival);
        departures.add(s.departure);
        waits.add(s.waiting_s);
        late.add(s.lateness_s);
        kgs.add(s.load_kg);
        parcels.add(s.load_parcels);
      }
    }
    txn.exec_params(
        "insert into tour_stops (plan_id, depot, vehicle, seq, batch_id, job_seq, arrival, departure,"
        " waiting_s, lateness_s, load_kg, load_parcels)"
        " select $1, $2, v, s, $3, j, to_timestamp(a), to_timestamp(d), w, l, k, p"
        " from unnest($4::int[], $5::int[], $6::bigint[], $7::bigint[], $8::bigint[], $9::int[],"
        "             $10::int[], $11::float8[], $12::int[]) as u(v, s, j, a, d, w, l, k, p)",
        part.plan_id, part.depot, part.batch_id, vehicles.text(), seqs.text(), jobs.text(),
        arrivals.text(), departures.text(), waits.text(), late.text(), kgs.text(), parcels.text());
    PgArray miss_seqs, reasons;
    for (const wire::PlanMiss& m : part.misses) {
      miss_seqs.add(m.seq);
      std::string reason;
      for (const char c : m.reason) {  // reasons are words: keep them so, whatever a worker sent
        if (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == ' ' || c == ':') reason.push_back(c);
      }
      reasons.add(reason);
    }
    txn.exec_params(
        "insert into plan_misses (plan_id, depot, batch_id, job_seq, reason)"
        " select $1, $2, $3, s, r from unnest($4::bigint[], $5::text[]) as u(s, r)",
        part.plan_id, part.depot, part.batch_id, miss_seqs.text(), reasons.text());
    txn.commit();
    return true;
  });
}

void Store::finish_plan(std::int64_t plan_id) {
  m_impl->guarded("finish_plan", [&] {
    pqxx::nontransaction txn(m_impl->main());
    txn.exec_params("update plans set finished_at = now() where id = $1 and finished_at is null", plan_id);
  });
}

}  // namespace waybill::dispatcher
