// Store: workers, and what operators and the CLI read: batch status, a batch's routes sampled
// for drawing, and a plan's tours for drawing (waybill render).
#include "dispatcher/store.h"

#include <pqxx/pqxx>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/utf8.h"
#include "dispatcher/detail/store_impl.h"
#include "dispatcher/detail/store_values.h"

namespace waybill::dispatcher {
namespace {

using detail::append_array_element;
using detail::closed;
using detail::parse_degrees_e7;

/// A job's delivery address from jobs.destination, or jobs.dest_lat_e7 and dest_lon_e7.
std::optional<PlanPlace> destination_place(const pqxx::row& row, int node_column) {
  if (!row[node_column].is_null()) return PlanPlace{row[node_column].as<std::int64_t>(), {}};
  if (row[node_column + 1].is_null() || row[node_column + 2].is_null()) return std::nullopt;
  return PlanPlace{std::nullopt,
                   {parse_degrees_e7(row[node_column + 1]), parse_degrees_e7(row[node_column + 2])}};
}

}  // namespace

// ---- workers --------------------------------------------------------------------------------

std::int64_t Store::add_worker(const std::string& name, std::uint32_t threads) {
  return m_impl->guarded("add_worker", [&] {
    pqxx::nontransaction txn(m_impl->main());
    return txn
        .exec_params1("insert into workers (name, threads, last_seen) values ($1, $2, now())"
                      " returning id",
                      to_valid_utf8(name), threads)[0]
        .as<std::int64_t>();
  });
}

void Store::touch_workers(const std::vector<std::pair<std::int64_t, std::uint64_t>>& id_jobs_done) {
  if (id_jobs_done.empty()) return;
  m_impl->guarded("touch_workers", [&] {
    std::string ids, jobs_done;
    for (const auto& [id, done] : id_jobs_done) {
      append_array_element(ids, id);
      append_array_element(jobs_done, done);
    }
    pqxx::nontransaction txn(m_impl->main());
    txn.exec_prepared("touch_workers", closed(ids), closed(jobs_done));
  });
}

std::vector<WorkerRow> Store::recent_workers(int seconds) {
  return m_impl->guarded("recent_workers", [&] {
    pqxx::nontransaction txn(m_impl->main());
    std::vector<WorkerRow> rows;
    for (const auto& row : txn.exec_params(
             "select name, threads, jobs_done,"
             "       extract(epoch from now() - coalesce(last_seen, connected_at))::float8"
             "  from workers where coalesce(last_seen, connected_at) > now() - make_interval(secs => $1)"
             " order by id desc limit 200",
             seconds)) {
      rows.push_back({row[0].as<std::string>(), row[1].as<std::uint32_t>(),
                      row[2].as<std::uint64_t>(), row[3].as<double>()});
    }
    return rows;
  });
}

// ---- inspection -----------------------------------------------------------------------------

std::vector<wire::BatchStatus> Store::batch_status(std::uint64_t batch_id) {
  return m_impl->guarded("batch_status", [&] {
    constexpr const char* kColumns =
        "select batch_id, file_name, graph_name, accepted, rejected, routed, unreachable,"
        "       finished_at is not null, elapsed_s, state = 'receiving' from batch_progress ";
    pqxx::nontransaction txn(m_impl->main());
    const auto r =
        batch_id != 0
            ? txn.exec_params(std::string(kColumns) + "where batch_id = $1", batch_id)
            : txn.exec(std::string(kColumns) +
                       "where finished_at is null"
                       "   or batch_id in (select id from batches order by id desc limit 20)"
                       " order by batch_id");
    std::vector<wire::BatchStatus> statuses;
    statuses.reserve(r.size());
    for (const auto& row : r) {
      wire::BatchStatus status;
      status.batch_id = row[0].as<std::uint64_t>();
      status.file_name = row[1].as<std::string>();
      status.graph_name = row[2].is_null() ? std::string() : row[2].as<std::string>();
      status.accepted = row[3].as<std::uint64_t>();
      status.rejected = row[4].as<std::uint64_t>();
      status.routed = row[5].as<std::uint64_t>();
      status.unreachable = row[6].as<std::uint64_t>();
      status.finished = row[7].as<bool>();
      status.elapsed_s = row[8].as<double>();
      status.receiving = row[9].as<bool>();
      statuses.push_back(std::move(status));
    }
    return statuses;
  });
}

// ---- drawing a batch (waybill render) -------------------------------------------------------

std::optional<BatchOverview> Store::batch_overview(std::int64_t batch_id) {
  return m_impl->lookup<BatchOverview>(
      "batch_overview",
      [](const pqxx::row& row) {
        return BatchOverview{row[0].as<std::int64_t>(), row[1].as<std::uint64_t>(),
                             row[2].as<double>()};
      },
      "select graph_id, accepted, snap_radius_m from batches where id = $1", batch_id);
}

std::vector<RouteSample> Store::sample_routes(std::int64_t batch_id, std::uint64_t accepted,
                                              std::size_t limit) {
  if (accepted == 0 || limit == 0) return {};
  return m_impl->guarded("sample_routes", [&] {
    // The seqs are listed here rather than filtered in SQL (seq % step = 0 would read the whole
    // batch): each job's block is found by its key (the last to start at or before the seq,
    // sql/0017_job_blocks.sql), and its route's block likewise (sql/0013). seq is below 2^32,
    // so i * accepted < 2^62 fits.
    const std::uint64_t n = std::min<std::uint64_t>(limit, accepted);
    std::string seqs;
    for (std::uint64_t i = 0; i < n; ++i) append_array_element(seqs, i * accepted / n);
    pqxx::nontransaction txn(m_impl->main());
    const auto r = txn.exec_params(
        "select x.seq, jb.origin[e.k], jb.destination[e.k], jb.origin_lat_e7[e.k],"
        "       jb.origin_lon_e7[e.k], jb.dest_lat_e7[e.k], jb.dest_lon_e7[e.k],"
        "       rb.status[x.seq - rb.first_seq + 1], rb.polyline[x.seq - rb.first_seq + 1]"
        "  from unnest($2::bigint[]) x (seq)"
        "  join batches b on b.id = $1"
        " cross join lateral (select * from job_blocks jb"
        "                      where jb.batch_id = $1 and jb.first_seq <= x.seq"
        "                        and jb.first_seq > x.seq - 64"
        "                      order by jb.first_seq desc limit 1) jb"
        " cross join lateral (select x.seq - jb.first_seq + 1 as k) e"
        "  left join route_blocks rb on rb.batch_id = $1"
        "                           and rb.first_seq = x.seq - (x.seq % b.chunk_size) % 64"
        " where e.k <= cardinality(jb.line)"
        " order by x.seq",
        batch_id, closed(seqs));
    std::vector<RouteSample> samples;
    samples.reserve(r.size());
    for (const auto& row : r) {
      RouteSample& sample = samples.emplace_back();
      sample.seq = row[0].as<std::uint32_t>();
      if (!row[1].is_null()) sample.origin = row[1].as<std::int64_t>();
      if (!row[2].is_null()) sample.destination = row[2].as<std::int64_t>();
      if (!row[3].is_null() && !row[4].is_null() && !row[5].is_null() && !row[6].is_null()) {
        sample.points = wire::JobPoints{{parse_degrees_e7(row[3]), parse_degrees_e7(row[4])},
                                        {parse_degrees_e7(row[5]), parse_degrees_e7(row[6])}};
      }
      if (!row[7].is_null()) sample.status = row[7].as<int>();
      if (!row[8].is_null()) sample.polyline = row[8].as<std::string>();
    }
    return samples;
  });
}

// ---- drawing a plan (waybill render --plan) --------------------------------------------------

std::optional<PlanDrawing> Store::plan_drawing(std::int64_t plan_id,
                                               std::optional<std::int64_t> depot) {
  return m_impl->guarded("plan_drawing", [&]() -> std::optional<PlanDrawing> {
    pqxx::read_transaction txn(m_impl->main());
    const pqxx::result plan = txn.exec_params(
        "select p.batch_id, p.parts, p.finished_at is not null,"
        "       (select count(*) from plan_parts x where x.plan_id = p.id),"
        "       (select jb.origin is null from job_blocks jb"
        "         where jb.batch_id = p.batch_id and jb.first_seq = 0)"
        "  from plans p where p.id = $1",
        plan_id);
    if (plan.empty()) return std::nullopt;
    PlanDrawing rows;
    rows.batch_id = plan[0][0].as<std::int64_t>();
    rows.parts = plan[0][1].as<std::uint32_t>();
    rows.finished = plan[0][2].as<bool>();
    rows.parts_done = plan[0][3].as<std::uint32_t>();
    rows.points = !plan[0][4].is_null() && plan[0][4].as<bool>();

    if (depot) {
      rows.has_depot =
          txn.exec_params1(
                 "select exists (select from plan_fleets where plan_id = $1 and depot = $2)"
                 "    or exists (select from plan_misses where plan_id = $1 and depot = $2)",
                 plan_id, *depot)[0]
              .as<bool>();
      if (!rows.has_depot) return rows;
      rows.depots.push_back(*depot);
    } else {
      for (const auto& row : txn.exec_params(
               "select depot from plan_fleets where plan_id = $1 order by depot", plan_id)) {
        rows.depots.push_back(row[0].as<std::int64_t>());
      }
    }

    constexpr const char* kStops =
        "select s.depot, s.vehicle, j.destination, j.dest_lat_e7, j.dest_lon_e7"
        "  from tour_stops s join job_fields j on j.batch_id = s.batch_id and j.seq = s.job_seq"
        " where s.plan_id = $1 ";
    const pqxx::result stops =
        depot ? txn.exec_params(std::string(kStops) + "and s.depot = $2 order by s.vehicle, s.seq",
                                plan_id, *depot)
              : txn.exec_params(std::string(kStops) + "order by s.depot, s.vehicle, s.seq", plan_id);
    std::optional<std::pair<std::int64_t, std::int32_t>> current;  // (depot, vehicle)
    for (const auto& row : stops) {
      const std::pair key{row[0].as<std::int64_t>(), row[1].as<std::int32_t>()};
      if (key != current) {
        rows.tours.push_back({key.first, {}});
        current = key;
      }
      if (auto place = destination_place(row, 2)) rows.tours.back().stops.push_back(*place);
    }

    constexpr const char* kMisses =
        "select j.destination, j.dest_lat_e7, j.dest_lon_e7"
        "  from plan_misses x join job_fields j on j.batch_id = x.batch_id and j.seq = x.job_seq"
        " where x.plan_id = $1 ";
    const pqxx::result misses =
        depot ? txn.exec_params(std::string(kMisses) + "and x.depot = $2", plan_id, *depot)
              : txn.exec_params(std::string(kMisses) + "and x.reason <> 'no_fleet'", plan_id);
    for (const auto& row : misses) {
      if (auto place = destination_place(row, 0)) rows.unassigned.push_back(*place);
    }
    if (!depot) {
      rows.without_fleet = txn.exec_params1("select count(*) from plan_misses where plan_id = $1"
                                            " and reason = 'no_fleet'",
                                            plan_id)[0]
                               .as<std::uint64_t>();
    }
    return rows;
  });
}

}  // namespace waybill::dispatcher
