// Store: the submit of a batch, a transaction per segment from begin_batch (or resume_batch) to
// the last commit_segment, on a connection of its own (see Store::Impl::submit_txn).
#include "dispatcher/store.h"

#include <pqxx/pqxx>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "common/utf8.h"
#include "dispatcher/detail/store_copy.h"
#include "dispatcher/detail/store_impl.h"
#include "dispatcher/detail/store_partitions.h"

namespace waybill::dispatcher {
namespace {

using Kind = StoreError::Kind;
using detail::CopyIn;

// Opens the COPY of rows of job_blocks (SegmentJobs::write_block) into segment table `table`,
// created by this transaction.
void open_blocks(std::optional<CopyIn>& copy, pqxx::work& txn, const std::string& table) {
  copy.emplace(txn, table,
               std::initializer_list<const char*>{
                   "batch_id", "first_seq", "line", "origin", "destination", "weight_kg",
                   "due_at", "priority", "origin_lat_e7", "origin_lon_e7", "dest_lat_e7",
                   "dest_lon_e7", "ready_at", "service_s"},
               CopyIn::Table::fresh);
}

}  // namespace

// ---- a segment's jobs -----------------------------------------------------------------------

namespace detail {

void SegmentJobs::add(const JobRow& job) {
  if (m_block_jobs == 0) m_block_first = job.seq;
  m_line.number(job.line);
  job.points ? m_origin.null() : m_origin.number(job.origin);
  job.points ? m_destination.null() : m_destination.number(job.destination);
  job.weight_kg ? m_weight_kg.number(*job.weight_kg) : m_weight_kg.null();
  job.due_at ? m_due_at.text(to_valid_utf8(*job.due_at)) : m_due_at.null();
  job.priority ? m_priority.number(*job.priority) : m_priority.null();
  if (job.points) {
    m_origin_lat_e7.number(degrees_e7(job.points->origin.lat));
    m_origin_lon_e7.number(degrees_e7(job.points->origin.lon));
    m_dest_lat_e7.number(degrees_e7(job.points->destination.lat));
    m_dest_lon_e7.number(degrees_e7(job.points->destination.lon));
  } else {
    for (BlockColumn* c : {&m_origin_lat_e7, &m_origin_lon_e7, &m_dest_lat_e7, &m_dest_lon_e7}) {
      c->null();
    }
  }
  job.ready_at ? m_ready_at.text(to_valid_utf8(*job.ready_at)) : m_ready_at.null();
  job.service_s ? m_service_s.number(*job.service_s) : m_service_s.null();
  ++m_block_jobs;
  m_keys.push_back({m_ids.size(), static_cast<std::uint32_t>(job.order_id.size()), job.seq});
  m_ids += job.order_id;
}

void SegmentJobs::write_block(CopyIn& copy, std::int64_t batch_id) {
  copy.number(batch_id);
  copy.tab();
  copy.number(m_block_first);
  copy.tab();
  m_line.write_array(copy);
  for (BlockColumn* c : fields()) {
    copy.tab();
    c->write(copy);
  }
  copy.end_row();
  m_block_jobs = 0;
}

void SegmentJobs::write_keys(CopyIn& copy, std::int64_t batch_id, std::uint64_t first_seq) {
  const auto id = [this](const Key& key) {
    return std::string_view(m_ids).substr(key.offset, key.size);
  };
  // std::string_view compares as unsigned bytes (char_traits<char>), as collation C does.
  std::sort(m_keys.begin(), m_keys.end(),
            [&](const Key& a, const Key& b) { return id(a) < id(b); });
  for (const Key& key : m_keys) {
    copy.number(batch_id);
    copy.tab();
    copy.number(static_cast<std::int64_t>(key.seq) - kKeySeqOffset);
    copy.tab();
    copy.number((key.seq - first_seq) % kBlock + 1);
    copy.tab();
    copy.text(id(key));
    copy.end_row();
  }
}

void SegmentJobs::clear() {
  m_block_jobs = 0;
  m_line.clear();
  for (BlockColumn* c : fields()) c->clear();
  m_ids.clear();
  m_keys.clear();
}

}  // namespace detail

// ---- submitting a batch ---------------------------------------------------------------------

std::optional<std::int64_t> Store::batch_by_hash(const std::string& hash) {
  const auto batch = find_batch(hash);
  return batch ? std::optional(batch->id) : std::nullopt;
}

std::optional<BatchRef> Store::find_batch(const std::string& hash) {
  return m_impl->lookup<BatchRef>(
      "find_batch",
      [](const pqxx::row& row) {
        return BatchRef{row[0].as<std::int64_t>(), row[1].as<std::int64_t>(), row[2].as<bool>()};
      },
      "select id, graph_id, received_at is not null or finished_at is not null"
      "  from batches where hash = $1",
      hash);
}

std::vector<HeadMatch> Store::batches_by_head(const std::string& head_hash) {
  return m_impl->guarded("batches_by_head", [&] {
    pqxx::nontransaction txn(m_impl->main(), "batches_by_head");
    const auto rows = txn.exec_params(
        "select id, graph_id, received, headless, hashed from ("
        "  (select id, graph_id, received_at is not null or finished_at is not null as received,"
        "          false as headless, hash is not null as hashed"
        "     from batches where head_hash = $1)"
        "  union all"
        "  (select id, graph_id, true, true, true from batches where head_hash is null limit 1)"
        ") m order by headless, id desc",
        head_hash);
    std::vector<HeadMatch> matches;
    for (const auto& row : rows) {
      HeadMatch m{BatchRef{row[0].as<std::int64_t>(), row[1].as<std::int64_t>(), row[2].as<bool>()},
                  row[3].as<bool>(), row[4].as<bool>(), {}};
      if (!m.batch.received && !m.hashed) {
        const auto last = txn.exec_params(
            "select content_hash from batch_segments where batch_id = $1"
            " order by segment desc limit 1",
            m.batch.id);
        if (!last.empty() && !last[0][0].is_null()) m.segment_hash = last[0][0].as<std::string>();
      }
      matches.push_back(std::move(m));
    }
    return matches;
  });
}

// The batch's partitions are created detached and attached when its first segment commits (see
// detail/store_partitions.h); its jobs partition is partitioned by seq in turn, a sub-partition
// per segment, each created, filled and attached by its segment's transaction. A submit that
// streams a file for minutes holds no lock that blocks routing or readers, and each segment's
// indexes are built once, sorted.
std::int64_t Store::begin_batch(const std::string& hash, std::int64_t graph_id,
                                const std::string& file_name, std::uint32_t chunk_size,
                                const BatchOptions& options, const std::string& head_hash) {
  return m_impl->guarded("begin_batch", [&] {
    Impl& impl = *m_impl;
    impl.open_submit("begin_batch");
    try {
      const auto id = impl.submit
                          ->exec_params1(
                              "insert into batches (hash, graph_id, file_name, chunk_size,"
                              " want_paths, depart_at, snap_radius_m, priority, head_hash)"
                              " values (nullif($1, ''), $2, $3, $4, $5,"
                              "         nullif($6, '')::timestamptz, $7, $8, nullif($9, ''))"
                              " returning id",
                              hash, graph_id, file_name, chunk_size, options.want_paths,
                              options.depart_at, options.snap_radius_m, options.priority,
                              head_hash)[0]
                          .as<std::int64_t>();
      for (const detail::Segmented& s : detail::kSegmented) {
        detail::create_detached_partition(*impl.submit, s.table, id,
                                          std::string("range (") + s.range_column + ")");
      }
      detail::create_detached_partition(*impl.submit, detail::kRouteBlocks, id);
      detail::create_detached_partition(*impl.submit, detail::kRejects, id);
      impl.submit_batch = id;
      impl.submit_mark.chunk_size = chunk_size;
      return id;
    } catch (...) {
      impl.drop_submit();
      throw;
    }
  });
}

SegmentMark Store::resume_batch(std::int64_t batch_id) {
  return m_impl->guarded("resume_batch", [&] {
    Impl& impl = *m_impl;
    impl.open_submit("resume_batch");
    try {
      // The row stays locked to this submit until its next segment commits.
      const auto batch = impl.submit->exec_params(
          "select received_at is not null or finished_at is not null, chunk_size"
          "  from batches where id = $1 for update",
          batch_id);
      if (batch.empty() || batch[0][0].as<bool>()) {
        throw StoreError(Kind::permanent, "store: resume_batch: batch " + std::to_string(batch_id) +
                                              (batch.empty() ? " is gone" : " is received already"));
      }
      const auto r = impl.submit->exec_params1(
          "select count(*), coalesce(sum(jobs), 0), coalesce(sum(rejects), 0),"
          "       coalesce(max(last_line), 1), coalesce(max(bytes), 0),"
          "       coalesce((array_agg(content_hash order by segment desc))[1], '')"
          "  from batch_segments where batch_id = $1",
          batch_id);
      SegmentMark& mark = impl.submit_mark;
      mark.segments = r[0].as<std::uint32_t>();
      mark.accepted = r[1].as<std::uint64_t>();
      mark.rejected = r[2].as<std::uint64_t>();
      mark.last_line = r[3].as<std::uint64_t>();
      mark.bytes = r[4].as<std::uint64_t>();
      mark.content_hash = r[5].as<std::string>();
      mark.chunk_size = batch[0][1].as<std::uint32_t>();
      impl.submit_batch = batch_id;
      return mark;
    } catch (...) {
      impl.drop_submit();
      throw;
    }
  });
}

void Store::batch_order_ids(std::int64_t batch_id,
                            const std::function<void(std::string_view)>& each) {
  m_impl->in_submit("batch_order_ids", batch_id, [&](pqxx::work& txn) {
    const auto segments = txn.exec_params(
        "select first_seq, jobs from batch_segments where batch_id = $1 and jobs > 0"
        " order by segment",
        batch_id);
    for (const auto& segment : segments) {
      const auto first = segment[0].as<std::int64_t>();
      const auto ids = txn.exec_params(
          "select order_id from job_keys where batch_id = $1 and seq >= $2 and seq < $3",
          batch_id, first - detail::kKeySeqOffset,
          first + segment[1].as<std::int64_t>() - detail::kKeySeqOffset);
      for (const auto& row : ids) each(std::string_view(row[0].c_str(), row[0].size()));
    }
  });
}

void Store::add_jobs(std::int64_t batch_id, const std::vector<JobRow>& jobs) {
  if (jobs.empty()) return;
  m_impl->in_submit("add_jobs", batch_id, [&](pqxx::work& txn) {
    Impl& impl = *m_impl;
    if (!impl.segment_first_seq) {
      const std::uint64_t first = jobs.front().seq;
      // The parent's check, under its name (a partition must have it), and the segment's start.
      const std::string batch = std::to_string(batch_id);
      for (const detail::Segmented& s : detail::kSegmented) {
        const std::string segment =
            detail::segment_name(s.table, batch_id, impl.submit_mark.segments);
        std::string sql = "create table " + segment + " (like ";
        sql += s.table.parent;
        sql += " including defaults including constraints including compression, constraint ";
        sql += detail::partition_name(s.table, batch_id) + "_key check (batch_id = " + batch;
        sql += "), constraint " + segment + "_first check (";
        sql += s.range_column;
        sql += " >= " + s.bound(first) + "))";
        if (s.table.storage) sql += std::string(" with (") + s.table.storage + ")";
        txn.exec(sql);
        detail::skip_array_statistics(txn, s.table, segment);
      }
      impl.segment_first_seq = first;
    }
    // The blocks filled by these jobs now; the last one's rest and the keys at the segment's end.
    std::optional<CopyIn> copy;
    for (const JobRow& job : jobs) {
      if (job.order_id.find('\0') != std::string::npos) {
        throw StoreError(Kind::permanent, "store: add_jobs: batch " + std::to_string(batch_id) +
                                              " line " + std::to_string(job.line) +
                                              ": NUL byte in order_id");
      }
      impl.segment_jobs.add(job);
      if (!impl.segment_jobs.block_full()) continue;
      if (!copy) {
        open_blocks(copy, txn,
                    detail::segment_name(detail::kJobBlocks, batch_id, impl.submit_mark.segments));
      }
      impl.segment_jobs.write_block(*copy, batch_id);
    }
    if (copy) copy->complete();
  });
}

void Store::add_rejects(std::int64_t batch_id, const std::vector<RejectRow>& rejects) {
  m_impl->in_submit("add_rejects", batch_id, [&](pqxx::work& txn) {
    // Created by this transaction until the first segment commits.
    const bool fresh = m_impl->submit_mark.segments == 0;
    CopyIn copy(txn, detail::partition_name(detail::kRejects, batch_id),
                {"batch_id", "line", "raw", "reason"},
                fresh ? CopyIn::Table::fresh : CopyIn::Table::existing);
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

void Store::commit_segment(std::int64_t batch_id, const SegmentEnd& end) {
  m_impl->in_submit("commit_segment", batch_id, [&](pqxx::work& txn) {
    Impl& impl = *m_impl;
    SegmentMark& mark = impl.submit_mark;
    if (end.accepted < mark.accepted || end.rejected < mark.rejected) {
      throw StoreError(Kind::permanent, "store: commit_segment: batch " + std::to_string(batch_id) +
                                            ": counts below the durable ones");
    }
    const std::uint64_t jobs = end.accepted - mark.accepted;
    if ((jobs > 0) != impl.segment_first_seq.has_value() ||
        (jobs > 0 && *impl.segment_first_seq != mark.accepted)) {
      throw StoreError(Kind::permanent, "store: commit_segment: batch " + std::to_string(batch_id) +
                                            ": the segment's jobs do not follow the durable ones");
    }
    if (jobs > 0) {
      detail::SegmentJobs& written = impl.segment_jobs;
      {
        std::optional<CopyIn> copy;
        if (!written.block_empty()) {
          open_blocks(copy, txn,
                      detail::segment_name(detail::kJobBlocks, batch_id, mark.segments));
          written.write_block(*copy, batch_id);
          copy->complete();
        }
      }
      {
        CopyIn copy(txn, detail::segment_name(detail::kJobKeys, batch_id, mark.segments),
                    {"batch_id", "seq", "k", "order_id"}, CopyIn::Table::fresh);
        written.write_keys(copy, batch_id, mark.accepted);
        copy.complete();
      }
      written.clear();
      // ATTACH builds the segment's indexes (the keys' BRIN of order id, the blocks' primary
      // key) once, sorted, and checks its range by one scan of it, in memory still. (The first
      // segment's are built when the batch's partitions are attached, below.)
      for (const detail::Segmented& s : detail::kSegmented) {
        const std::string segment = detail::segment_name(s.table, batch_id, mark.segments);
        txn.exec("alter table " + detail::partition_name(s.table, batch_id) +
                 " attach partition " + segment + " for values from (" + s.bound(mark.accepted) +
                 ") to (" + s.bound(end.accepted) + ")");
        // Statistics now, not when autovacuum gets round to it: without them the planner takes
        // the lease read of a chunk (read_jobs) for a 125-row one, and operators' joins are
        // planned blind. ANALYZE reads a sample of 30,000 rows.
        txn.exec("analyze " + segment);
      }
    }
    if (mark.segments == 0) {
      for (const detail::Partitioned& table : detail::kBatchTables) {
        detail::attach_partition(txn, table, batch_id);
      }
    }
    txn.exec_params(
        "insert into batch_segments (batch_id, segment, first_seq, jobs, rejects, last_line,"
        "                            bytes, content_hash, committed_at)"
        " values ($1, $2, $3, $4, $5, $6, $7, nullif($8, ''), clock_timestamp())",
        batch_id, mark.segments, mark.accepted, jobs, end.rejected - mark.rejected,
        end.last_line, end.bytes, end.content_hash);
    // A batch cancelled while it was being received takes no more segments. The last segment
    // names a batch streamed before its file was hashed whole.
    const auto updated = txn.exec_params(
        "update batches set accepted = $2, rejected = $3, chunk_size = $4,"
        " received_at = case when $5 then now() end,"
        " hash = case when $5 then coalesce(hash, nullif($6, '')) else hash end"
        " where id = $1 and finished_at is null returning coalesce(hash, '')",
        batch_id, end.accepted, end.rejected, end.chunk_size, end.last, end.content_hash);
    if (updated.size() != 1) {
      throw StoreError(Kind::permanent, "store: commit_segment: batch " + std::to_string(batch_id) +
                                            " was cancelled");
    }
    // A batch resumed by a submit that hashed as it sent: the same start, but another file.
    if (end.last && !end.content_hash.empty() &&
        updated[0][0].as<std::string>() != end.content_hash) {
      throw StoreError(Kind::permanent, "store: commit_segment: batch " + std::to_string(batch_id) +
                                            " is of content " + updated[0][0].as<std::string>() +
                                            ", not " + end.content_hash);
    }
    txn.commit();
  });
  Impl& impl = *m_impl;
  if (end.last) return impl.drop_submit();
  // The next segment's transaction, on the same connection.
  impl.submit_mark = {impl.submit_mark.segments + 1, end.accepted, end.rejected, end.last_line,
                      end.bytes, end.chunk_size, end.content_hash};
  impl.segment_first_seq.reset();
  m_impl->guarded("commit_segment", [&] {
    try {
      impl.submit = std::make_unique<pqxx::work>(*impl.submit_conn, "submit");
    } catch (...) {
      impl.drop_submit();
      throw;
    }
  });
}

void Store::commit_batch(std::int64_t batch_id, std::uint64_t accepted, std::uint64_t rejected,
                         std::uint32_t chunk_size) {
  commit_segment(batch_id, SegmentEnd{accepted, rejected, chunk_size,
                                      1 + accepted + rejected, 0, true});
}

void Store::abort_batch() { m_impl->drop_submit(); }

}  // namespace waybill::dispatcher
