// Store: routing. The open batches a restarted dispatcher resumes, the jobs of a lease, and the
// routes written back.
#include "dispatcher/store.h"

#include <pqxx/pqxx>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "common/utf8.h"
#include "dispatcher/copy_text.h"
#include "dispatcher/detail/store_copy.h"
#include "dispatcher/detail/store_impl.h"
#include "dispatcher/detail/store_partitions.h"
#include "dispatcher/detail/store_values.h"

namespace waybill::dispatcher {
namespace {

using detail::append_array_element;
using detail::BlockColumn;
using detail::closed;
using detail::CopyIn;

// Routes are stored a block at a time (sql/0013_route_blocks.sql): up to this many consecutive
// routes of one chunk in a row of route_blocks, as arrays. The views find a job's block with the
// same number.
constexpr std::size_t kRouteBlock = 64;

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
    jobs.reserve(count);
    for (const auto& row : r) {
      const auto first_seq = row[0].as<std::int64_t>();
      std::vector<std::optional<std::int64_t>> columns[6];
      std::size_t size = 0;
      for (int c = 0; c < 6; ++c) {
        columns[c] = detail::integer_array(row[c + 1]);
        size = std::max(size, columns[c].size());
      }
      // Element i of a column, if it has one.
      const auto at = [&](int c, std::size_t i) {
        return i < columns[c].size() ? columns[c][i] : std::nullopt;
      };
      for (std::size_t i = 0; i < size; ++i) {
        const std::int64_t seq = first_seq + static_cast<std::int64_t>(i);
        if (seq < first || seq >= end) continue;
        wire::JobSpec& job = jobs.emplace_back();
        job.seq = static_cast<std::uint32_t>(seq);
        if (const auto origin = at(0, i), destination = at(1, i); origin && destination) {
          job.origin = *origin;
          job.destination = *destination;
          continue;
        }
        const auto olat = at(2, i), olon = at(3, i), dlat = at(4, i), dlon = at(5, i);
        if (!olat || !olon || !dlat || !dlon) {
          throw std::runtime_error("batch " + std::to_string(batch_id) + " seq " +
                                   std::to_string(seq) + ": neither nodes nor coordinates");
        }
        job.points = wire::JobPoints{{from_degrees_e7(static_cast<std::int32_t>(*olat)),
                                      from_degrees_e7(static_cast<std::int32_t>(*olon))},
                                     {from_degrees_e7(static_cast<std::int32_t>(*dlat)),
                                      from_degrees_e7(static_cast<std::int32_t>(*dlon))}};
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
    BlockColumn status, cost, hops, distance, origin_snap, destination_snap, polyline, detail;
    for (auto next = to_write.begin(); next != to_write.end();) {
      const std::int64_t batch_id = (*next)->batch_id;
      CopyIn copy(txn, detail::partition_name(detail::kRouteBlocks, batch_id),
                  {"batch_id", "first_seq", "worker_id", "status", "cost", "hops", "distance_m",
                   "origin_snap_m", "dest_snap_m", "polyline", "detail"});
      for (; next != to_write.end() && (*next)->batch_id == batch_id; ++next) {
        // A chunk's routes, whole and in seq order (the core checks a worker's answer), from
        // the chunk's first seq: its blocks start there and every kRouteBlock seqs after it.
        const ChunkRoutes& chunk = **next;
        for (std::size_t first = 0; first < chunk.outcomes.size(); first += kRouteBlock) {
          const std::size_t end = std::min(first + kRouteBlock, chunk.outcomes.size());
          for (std::size_t i = first; i < end; ++i) {
            const wire::JobOutcome& outcome = chunk.outcomes[i];
            const bool ok = outcome.status == wire::JobStatus::ok;
            status.number(static_cast<int>(outcome.status));
            ok ? cost.number(outcome.cost) : cost.null();
            ok ? hops.number(outcome.hops) : hops.null();
            ok && outcome.length_mm >= 0 ? distance.millimetres(outcome.length_mm)
                                         : distance.null();
            // Node-form jobs have no snap distance (-1): stored as null.
            outcome.origin_snap_m >= 0 ? origin_snap.number(outcome.origin_snap_m)
                                       : origin_snap.null();
            outcome.destination_snap_m >= 0 ? destination_snap.number(outcome.destination_snap_m)
                                            : destination_snap.null();
            ok && !outcome.polyline.empty() ? polyline.text(to_valid_utf8(outcome.polyline))
                                            : polyline.null();
            outcome.detail.empty() ? detail.null() : detail.text(to_valid_utf8(outcome.detail));
          }
          copy.number(chunk.batch_id);
          copy.tab();
          copy.number(chunk.outcomes[first].seq);
          copy.tab();
          chunk.worker_id > 0 ? copy.number(chunk.worker_id) : copy.null();
          for (BlockColumn* column : {&status, &cost, &hops}) {
            copy.tab();
            column->write_array(copy);
          }
          for (BlockColumn* column :
               {&distance, &origin_snap, &destination_snap, &polyline, &detail}) {
            copy.tab();
            column->write(copy);
          }
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
    // The jobs of chunks not routed (a chunk's routes and its chunks_done row are written
    // together), in blocks as record_routes writes them.
    const auto cancelled = txn.exec_params1(
        "with blocks as ("
        "  insert into route_blocks (batch_id, first_seq, status, cost, hops)"
        "  select b.id, j.seq - (j.seq % b.chunk_size) % $3, array_agg($2::smallint),"
        "         array_fill(null::bigint, array[count(*)::int]),"
        "         array_fill(null::int, array[count(*)::int])"
        "    from batches b"
        "    join job_blocks jb on jb.batch_id = b.id"
        "   cross join lateral generate_series(jb.first_seq,"
        "                                      jb.first_seq + cardinality(jb.line) - 1) j (seq)"
        "   where b.id = $1"
        "     and not exists (select from chunks_done d"
        "                      where d.batch_id = $1 and d.chunk = j.seq / b.chunk_size)"
        "   group by 1, 2"
        "  returning cardinality(status) as jobs)"
        "select coalesce(sum(jobs), 0) from blocks",
        batch_id, kCancelledStatus, static_cast<std::int64_t>(kRouteBlock));
    txn.commit();
    return cancelled[0].as<std::uint64_t>();
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
