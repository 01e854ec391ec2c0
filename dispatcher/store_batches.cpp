// Store: the submit of a batch, one transaction from begin_batch to commit_batch on a connection
// of its own (see Store::Impl::submit_txn).
#include "dispatcher/store.h"

#include <pqxx/pqxx>

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/utf8.h"
#include "dispatcher/detail/store_copy.h"
#include "dispatcher/detail/store_impl.h"
#include "dispatcher/detail/store_partitions.h"

namespace waybill::dispatcher {
namespace {

using Kind = StoreError::Kind;
using detail::CopyIn;

}  // namespace

// ---- submitting a batch ---------------------------------------------------------------------

std::optional<std::int64_t> Store::batch_by_hash(const std::string& hash) {
  return m_impl->lookup<std::int64_t>(
      "batch_by_hash", [](const pqxx::row& row) { return row[0].as<std::int64_t>(); },
      "select id from batches where hash = $1", hash);
}

// The batch's partitions are created detached, filled by add_jobs / add_rejects and attached
// by commit_batch (see detail/store_partitions.h): a submit that streams a file for minutes
// holds no lock that blocks routing or readers.
std::int64_t Store::begin_batch(const std::string& hash, std::int64_t graph_id,
                                const std::string& file_name, std::uint32_t chunk_size,
                                const BatchOptions& options) {
  return m_impl->guarded("begin_batch", [&] {
    Impl& impl = *m_impl;
    if (impl.submit) {
      throw StoreError(Kind::permanent, "store: begin_batch: the submit of batch " +
                                            std::to_string(impl.submit_batch) + " is still open");
    }
    try {
      if (!impl.submit_conn) {
        impl.submit_conn = Impl::open_connection(impl.conninfo);
      }
      impl.submit = std::make_unique<pqxx::work>(*impl.submit_conn, "submit");
      const auto id = impl.submit
                          ->exec_params1(
                              "insert into batches (hash, graph_id, file_name, chunk_size,"
                              " want_paths, depart_at, snap_radius_m, priority)"
                              " values ($1, $2, $3, $4, $5, nullif($6, '')::timestamptz, $7, $8)"
                              " returning id",
                              hash, graph_id, file_name, chunk_size, options.want_paths,
                              options.depart_at, options.snap_radius_m, options.priority)[0]
                          .as<std::int64_t>();
      for (const detail::Partitioned& table : detail::kBatchTables) {
        detail::create_detached_partition(*impl.submit, table, id);
      }
      impl.submit_batch = id;
      return id;
    } catch (...) {
      impl.drop_submit();
      throw;
    }
  });
}

void Store::add_jobs(std::int64_t batch_id, const std::vector<JobRow>& jobs) {
  m_impl->in_submit("add_jobs", batch_id, [&](pqxx::work& txn) {
    CopyIn copy(
        txn, detail::partition_name(detail::kBatchTables[0], batch_id),
        {"batch_id", "seq", "line", "order_id", "origin", "destination", "weight_kg", "due_at",
         "priority", "origin_lat_e7", "origin_lon_e7", "dest_lat_e7", "dest_lon_e7", "ready_at",
         "service_s"},
        CopyIn::Table::fresh);
    for (const JobRow& job : jobs) {
      copy.number(batch_id);
      copy.tab();
      copy.number(job.seq);
      copy.tab();
      copy.number(job.line);
      copy.tab();
      try {
        copy.text(job.order_id);
      } catch (const std::invalid_argument&) {
        throw StoreError(Kind::permanent, "store: add_jobs: batch " + std::to_string(batch_id) +
                                              " line " + std::to_string(job.line) +
                                              ": NUL byte in order_id");
      }
      copy.tab();
      job.points ? copy.null() : copy.number(job.origin);
      copy.tab();
      job.points ? copy.null() : copy.number(job.destination);
      copy.tab();
      job.weight_kg ? copy.number(*job.weight_kg) : copy.null();
      copy.tab();
      job.due_at ? copy.text(to_valid_utf8(*job.due_at)) : copy.null();
      copy.tab();
      job.priority ? copy.number(*job.priority) : copy.null();
      if (job.points) {
        for (const double degrees : {job.points->origin.lat, job.points->origin.lon,
                                     job.points->destination.lat, job.points->destination.lon}) {
          copy.tab();
          copy.number(degrees_e7(degrees));
        }
      } else {
        copy.raw("\t\\N\t\\N\t\\N\t\\N");
      }
      copy.tab();
      job.ready_at ? copy.text(to_valid_utf8(*job.ready_at)) : copy.null();
      copy.tab();
      job.service_s ? copy.number(*job.service_s) : copy.null();
      copy.end_row();
    }
    copy.complete();
  });
}

void Store::add_rejects(std::int64_t batch_id, const std::vector<RejectRow>& rejects) {
  m_impl->in_submit("add_rejects", batch_id, [&](pqxx::work& txn) {
    CopyIn copy(txn, detail::partition_name(detail::kBatchTables[2], batch_id),
                {"batch_id", "line", "raw", "reason"}, CopyIn::Table::fresh);
    for (const RejectRow& reject : rejects) {
      copy.number(batch_id);
      copy.tab();
      copy.number(reject.line);
      copy.tab();
      // A rejected line may be anything: invalid UTF-8, NUL bytes. Store what can be shown.
      copy.text(to_valid_utf8(reject.raw));
      copy.tab();
      copy.text(to_valid_utf8(reject.reason));
      copy.end_row();
    }
    copy.complete();
  });
}

void Store::commit_batch(std::int64_t batch_id, std::uint64_t accepted, std::uint64_t rejected,
                         std::uint32_t chunk_size) {
  m_impl->in_submit("commit_batch", batch_id, [&](pqxx::work& txn) {
    txn.exec_params(
        "update batches set accepted = $2, rejected = $3, chunk_size = $4 where id = $1", batch_id,
        accepted, rejected, chunk_size);
    for (const detail::Partitioned& table : detail::kBatchTables) {
      detail::attach_partition(txn, table, batch_id);
    }
    // Statistics now, not when autovacuum gets round to it: without them the planner takes
    // the lease read of a chunk (read_jobs) for a 125-row one and bitmap-scans and sorts it
    // (1.7 ms for 4,096 jobs, against 0.8 ms for the index scan it picks with them), and
    // operators' joins over the new batch are planned blind. ANALYZE reads a sample of 30,000
    // rows whatever the size: 0.5 s for 5,000,000 jobs.
    txn.exec("analyze " + detail::partition_name(detail::kBatchTables[0], batch_id));
    txn.commit();
  });
  m_impl->drop_submit();
}

void Store::abort_batch() { m_impl->drop_submit(); }

}  // namespace waybill::dispatcher
