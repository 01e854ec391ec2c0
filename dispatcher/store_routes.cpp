// Store: routing. The open batches a restarted dispatcher resumes, the jobs of a lease, and the
// routes written back.
#include "dispatcher/store.h"

#include <pqxx/pqxx>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <set>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "common/utf8.h"
#include "dispatcher/detail/store_copy.h"
#include "dispatcher/detail/store_impl.h"
#include "dispatcher/detail/store_partitions.h"
#include "dispatcher/detail/store_values.h"

namespace waybill::dispatcher {
namespace {

using detail::append_array_element;
using detail::closed;
using detail::CopyIn;
using detail::parse_degrees_e7;

std::vector<std::uint32_t> parse_chunk_list(const pqxx::field& field) {
  std::vector<std::uint32_t> chunks;
  if (field.is_null()) return chunks;
  const char* p = field.c_str();
  const char* end = p + field.size();
  while (p < end) {
    std::uint32_t chunk = 0;
    const auto [next, ec] = std::from_chars(p, end, chunk);
    if (ec != std::errc()) throw std::runtime_error("bad chunk list: " + field.as<std::string>());
    chunks.push_back(chunk);
    p = next + (next < end ? 1 : 0);  // skip ','
  }
  return chunks;
}

}  // namespace

// ---- routing --------------------------------------------------------------------------------

std::vector<OpenBatch> Store::open_batches() {
  return m_impl->guarded("open_batches", [&] {
    pqxx::nontransaction txn(m_impl->main());
    const auto r = txn.exec(
        "select b.id, b.graph_id, b.accepted, b.chunk_size,"
        "       (select string_agg(d.chunk::text, ',' order by d.chunk)"
        "          from chunks_done d where d.batch_id = b.id) as done_chunks,"
        "       b.want_paths, b.snap_radius_m, b.priority, b.received_at is not null"
        "  from batches b where b.finished_at is null order by b.id");
    std::vector<OpenBatch> batches;
    batches.reserve(r.size());
    for (const auto& row : r) {
      OpenBatch batch;
      batch.id = row[0].as<std::int64_t>();
      batch.graph_id = row[1].as<std::int64_t>();
      batch.jobs = row[2].as<std::uint64_t>();
      batch.chunk_size = row[3].as<std::uint32_t>();
      batch.done_chunks = parse_chunk_list(row[4]);
      batch.options.want_paths = row[5].as<bool>();
      batch.options.snap_radius_m = row[6].as<double>();
      batch.options.priority = row[7].as<std::int32_t>();
      batch.received = row[8].as<bool>();
      batches.push_back(std::move(batch));
    }
    return batches;
  });
}

std::vector<wire::JobSpec> Store::read_jobs(std::int64_t batch_id, std::uint32_t first,
                                            std::uint32_t count) {
  return m_impl->guarded("read_jobs", [&] {
    pqxx::nontransaction txn(m_impl->main());
    const std::int64_t end = std::int64_t{first} + count;
    const auto r = txn.exec_prepared("read_jobs", batch_id, first, end);
    std::vector<wire::JobSpec> jobs;
    jobs.reserve(r.size());
    for (const auto& row : r) {
      wire::JobSpec& job = jobs.emplace_back();
      job.seq = row[0].as<std::uint32_t>();
      if (row[1].is_null()) {  // coordinate form
        job.points = wire::JobPoints{{parse_degrees_e7(row[3]), parse_degrees_e7(row[4])},
                                     {parse_degrees_e7(row[5]), parse_degrees_e7(row[6])}};
      } else {
        job.origin = row[1].as<std::int64_t>();
        job.destination = row[2].as<std::int64_t>();
      }
    }
    return jobs;
  });
}

void Store::record_routes(const std::vector<ChunkRoutes>& chunks) {
  if (chunks.empty()) return;
  m_impl->guarded("record_routes", [&] {
    std::string batch_ids, chunk_numbers, job_counts, unreachable_counts, worker_ids,
        unsnappable_counts, failed_counts;
    for (const ChunkRoutes& chunk : chunks) {
      const auto count = [&](wire::JobStatus status) {
        return std::count_if(chunk.outcomes.begin(), chunk.outcomes.end(),
                             [&](const auto& outcome) { return outcome.status == status; });
      };
      append_array_element(batch_ids, chunk.batch_id);
      append_array_element(chunk_numbers, chunk.chunk);
      append_array_element(job_counts, chunk.outcomes.size());
      append_array_element(unreachable_counts, count(wire::JobStatus::unreachable));
      append_array_element(unsnappable_counts, count(wire::JobStatus::unsnappable));
      append_array_element(failed_counts, count(wire::JobStatus::failed));
      if (chunk.worker_id > 0) {
        append_array_element(worker_ids, chunk.worker_id);
      } else {
        worker_ids += worker_ids.empty() ? "{NULL" : ",NULL";
      }
    }

    pqxx::work txn(m_impl->main(), "record_routes");
    // Marks the chunks done; those marked already (by an earlier call or an earlier duplicate
    // in this one) are not returned, and their routes are not written again.
    const auto fresh_rows =
        txn.exec_prepared("mark_chunks_done", closed(batch_ids), closed(chunk_numbers),
                          closed(job_counts), closed(unreachable_counts), closed(worker_ids),
                          closed(unsnappable_counts), closed(failed_counts));
    std::set<std::pair<std::int64_t, std::uint32_t>> fresh;
    for (const auto& row : fresh_rows) {
      fresh.emplace(row[0].as<std::int64_t>(), row[1].as<std::uint32_t>());
    }
    std::vector<const ChunkRoutes*> to_write;
    for (const ChunkRoutes& chunk : chunks) {
      if (fresh.erase({chunk.batch_id, chunk.chunk}) != 0) to_write.push_back(&chunk);
    }
    // Each batch's routes go straight into its partition: a COPY into the parent table finds
    // every row's partition again, about 3% of the COPY.
    std::stable_sort(to_write.begin(), to_write.end(),
                     [](const auto* a, const auto* b) { return a->batch_id < b->batch_id; });
    for (auto next = to_write.begin(); next != to_write.end();) {
      const std::int64_t batch_id = (*next)->batch_id;
      CopyIn copy(txn, detail::partition_name(detail::kBatchTables[1], batch_id),
                  {"batch_id", "seq", "status", "cost", "hops", "worker_id", "distance_m",
                   "origin_snap_m", "dest_snap_m", "polyline", "detail"});
      for (; next != to_write.end() && (*next)->batch_id == batch_id; ++next) {
        const ChunkRoutes& chunk = **next;
        for (const wire::JobOutcome& outcome : chunk.outcomes) {
          copy.number(chunk.batch_id);
          copy.tab();
          copy.number(outcome.seq);
          copy.tab();
          copy.number(static_cast<int>(outcome.status));
          copy.tab();
          if (outcome.status == wire::JobStatus::ok) {
            copy.number(outcome.cost);
            copy.tab();
            copy.number(outcome.hops);
          } else {
            copy.null();
            copy.tab();
            copy.null();
          }
          copy.tab();
          chunk.worker_id > 0 ? copy.number(chunk.worker_id) : copy.null();
          copy.tab();
          const bool ok = outcome.status == wire::JobStatus::ok;
          ok && outcome.length_mm >= 0 ? copy.millimetres(outcome.length_mm) : copy.null();
          // Node-form jobs have no snap distance (-1): stored as null.
          copy.tab();
          outcome.origin_snap_m >= 0 ? copy.number(outcome.origin_snap_m) : copy.null();
          copy.tab();
          outcome.destination_snap_m >= 0 ? copy.number(outcome.destination_snap_m) : copy.null();
          copy.tab();
          ok && !outcome.polyline.empty() ? copy.text(to_valid_utf8(outcome.polyline))
                                          : copy.null();
          copy.tab();
          outcome.detail.empty() ? copy.null() : copy.text(to_valid_utf8(outcome.detail));
          copy.end_row();
        }
      }
      copy.complete();
    }
    txn.commit();
  });
}

std::uint64_t Store::cancel_batch(std::int64_t batch_id) {
  return m_impl->guarded("cancel_batch", [&] {
    pqxx::work txn(m_impl->main(), "cancel_batch");
    const auto open = txn.exec_params(
        "update batches set cancelled_at = now(), finished_at = now()"
        " where id = $1 and finished_at is null returning id",
        batch_id);
    if (open.empty()) return std::uint64_t{0};  // finished meanwhile: nothing to cancel
    const auto inserted = txn.exec_params(
        "insert into routes (batch_id, seq, status)"
        " select j.batch_id, j.seq, $2 from jobs j"
        "  where j.batch_id = $1"
        "    and not exists (select from routes r where r.batch_id = $1 and r.seq = j.seq)",
        batch_id, kCancelledStatus);
    txn.commit();
    return static_cast<std::uint64_t>(inserted.affected_rows());
  });
}

void Store::finish_batch(std::int64_t batch_id) {
  m_impl->guarded("finish_batch", [&] {
    pqxx::nontransaction txn(m_impl->main());
    txn.exec_params("update batches set finished_at = now() where id = $1 and finished_at is null",
                    batch_id);
  });
}

}  // namespace waybill::dispatcher
