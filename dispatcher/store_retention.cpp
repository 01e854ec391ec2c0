// Store: retention of finished batches (waybill batch archive, drop, restore).
//
// An archive is text in sections, each a table's rows in COPY text (what COPY ... FROM STDIN
// reads) between a line "copy NAME (COLUMNS) from stdin;" and a line "\.", as pg_dump writes
// them: the batch's row (with its graph's name, not id), then its jobs and routes (a row per job
// and per route, as the views jobs and routes show them, though they are stored in blocks),
// rejects and chunks_done.
// Restoring loads them as a new batch in one transaction, partitions filled before they are
// attached, as a submit does.
#include "dispatcher/store.h"

#include <pqxx/pqxx>
#include <pqxx/tablereader>

#include <array>
#include <cstdint>
#include <functional>
#include <regex>
#include <string>
#include <string_view>

#include "dispatcher/detail/store_copy.h"
#include "dispatcher/detail/store_impl.h"
#include "dispatcher/detail/store_partitions.h"

namespace waybill::dispatcher {

using Kind = StoreError::Kind;

namespace {

// The batch's row as archived, and the temporary table it is restored through.
constexpr const char* kBatchColumns =
    "hash, graph, file_name, chunk_size, accepted, rejected, submitted_at, finished_at,"
    " want_paths, depart_at, snap_radius_m, priority, cancelled_at, head_hash";
constexpr const char* kBatchSelect =
    "b.hash, g.name, b.file_name, b.chunk_size, b.accepted, b.rejected, b.submitted_at,"
    " b.finished_at, b.want_paths, b.depart_at, b.snap_radius_m, b.priority, b.cancelled_at,"
    " b.head_hash";
constexpr const char* kBatchTable =
    "create temporary table restored_batch (hash text, graph text, file_name text,"
    " chunk_size int, accepted bigint, rejected bigint, submitted_at timestamptz,"
    " finished_at timestamptz, want_paths boolean, depart_at timestamptz,"
    " snap_radius_m float8, priority int, cancelled_at timestamptz, head_hash text)"
    " on commit drop";

// A table's columns as COPY lists them, batch_id first (restoring rewrites that field).
std::string archived_columns(pqxx::transaction_base& txn, const char* table) {
  return txn
      .exec_params1("select string_agg(quote_ident(attname), ', '"
                    "                  order by attname <> 'batch_id', attnum)"
                    " from pg_attribute"
                    " where attrelid = $1::regclass and attnum > 0 and not attisdropped",
                    table)[0]
      .as<std::string>();
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
// One section: `source` is a table with its column list, or a parenthesised query.
void archive_section(pqxx::transaction_base& txn, const std::string& name,
                     const std::string& columns, const std::string& source,
                     const std::function<void(std::string_view)>& out) {
  out("copy " + name + " (" + columns + ") from stdin;\n");
  const std::array<std::string, 0> none{};
  pqxx::tablereader reader(txn, source, none.begin(), none.end());
  std::string line;
  while (reader.get_raw_line(line)) {  // libpqxx 6.4 keeps the row's line end
    if (line.empty() || line.back() != '\n') line += '\n';
    out(line);
  }
  reader.complete();
  out("\\.\n");
}
#pragma GCC diagnostic pop

}  // namespace

void Store::archive_batch(std::int64_t batch_id,
                          const std::function<void(std::string_view)>& out) {
  m_impl->guarded("archive_batch", [&] {
    pqxx::work txn(m_impl->main(), "archive_batch");
    const std::string id = std::to_string(batch_id);
    const auto batch = txn.exec_params(
        "select b.file_name, g.name, b.finished_at is not null from batches b"
        " join graphs g on g.id = b.graph_id where b.id = $1",
        batch_id);
    if (batch.empty()) throw StoreError(Kind::permanent, "no batch " + id);
    if (!batch[0][2].as<bool>()) {
      throw StoreError(Kind::permanent, "batch " + id + " is not finished (cancel it first)");
    }
    out("-- Waybill batch archive, format 1: batch " + id + " (" + batch[0][0].as<std::string>() +
        ", graph " + batch[0][1].as<std::string>() + ").\n"
        "-- Each section is a table's rows in COPY text, as COPY ... FROM STDIN reads them.\n"
        "-- Load it as a new batch with: waybill batch restore FILE\n");
    archive_section(txn, "batch", kBatchColumns,
                    std::string("(select ") + kBatchSelect +
                        " from batches b join graphs g on g.id = b.graph_id where b.id = " + id + ")",
                    out);
    // Jobs and routes a row each, as the views show them (they are stored in keys and blocks).
    for (const char* name : {"jobs", "routes", "rejects"}) {
      const std::string columns = archived_columns(txn, name);
      archive_section(txn, name, columns,
                      "(select " + columns + " from " + name + " where batch_id = " + id +
                          (name == std::string_view("rejects") ? " order by line" : " order by seq") +
                          ")",
                      out);
    }
    const std::string columns = archived_columns(txn, "chunks_done");
    archive_section(txn, "chunks_done", columns,
                    "(select " + columns + " from chunks_done where batch_id = " + id +
                        " order by chunk)",
                    out);
  });
}

std::int64_t Store::restore_batch(const std::function<bool(std::string&)>& next_line) {
  return m_impl->guarded("restore_batch", [&] {
    pqxx::work txn(m_impl->main(), "restore_batch");
    std::int64_t id = 0;
    std::uint64_t number = 0;
    std::string line;
    const auto refuse = [&](const std::string& what) {
      return StoreError(Kind::permanent, "line " + std::to_string(number) + ": " + what);
    };
    // Copies the section's rows to `copy` up to its "\." line, its first field (batch_id)
    // replaced by the new batch's id when `rewrite`.
    const auto copy_rows = [&](detail::CopyIn& copy, const std::string& name, bool rewrite) {
      while (next_line(line)) {
        ++number;
        if (line == "\\.") return copy.complete();
        if (rewrite) {
          const auto tab = line.find('\t');
          if (tab == std::string::npos) throw refuse("a row of " + name + " without batch_id");
          copy.number(id);
          copy.raw(std::string_view(line).substr(tab));
        } else {
          copy.raw(line);
        }
        copy.end_row();
      }
      throw refuse("section " + name + " not ended by a line '\\.' (the file is cut short)");
    };
    static const std::regex kSection(R"(copy ([a-z_]+) \(([a-z0-9_, ]+)\) from stdin;)");
    while (next_line(line)) {
      ++number;
      if (line.empty() || line.starts_with("--")) continue;
      std::smatch m;
      if (!std::regex_match(line, m, kSection)) {
        throw refuse("expected a section's first line, 'copy TABLE (COLUMNS) from stdin;'");
      }
      const std::string name = m[1], columns = m[2];
      if (name == "batch") {
        if (id != 0) throw refuse("a second batch section");
        txn.exec(kBatchTable);
        detail::CopyIn copy(txn, "restored_batch", columns);
        copy_rows(copy, name, false);
        // The same batch: the same hash, or for one cancelled before its last part named it
        // (no hash), the same head, submit time and file name.
        const auto found = txn.exec(
            "select r.hash, r.graph, g.id,"
            " (select b.id from batches b where b.hash = r.hash"
            "   or (r.hash is null and b.hash is null"
            "       and b.head_hash is not distinct from r.head_hash"
            "       and b.submitted_at = r.submitted_at and b.file_name = r.file_name)"
            "  order by b.id limit 1)"
            " from restored_batch r left join graphs g on g.name = r.graph");
        if (found.size() != 1) throw refuse("the batch section holds " + std::to_string(found.size()) + " rows, not 1");
        if (found[0][2].is_null()) {
          throw refuse("no graph '" + found[0][1].as<std::string>() + "' here (import it first)");
        }
        if (!found[0][3].is_null()) {
          throw refuse("this batch is here already: batch " + found[0][3].as<std::string>());
        }
        id = txn.exec_params1("insert into batches (hash, graph_id, file_name, chunk_size,"
                              " accepted, rejected, submitted_at, finished_at, want_paths,"
                              " depart_at, snap_radius_m, priority, cancelled_at, received_at,"
                              " head_hash)"
                              " select r.hash, $1, r.file_name, r.chunk_size, r.accepted,"
                              " r.rejected, r.submitted_at, r.finished_at, r.want_paths,"
                              " r.depart_at, r.snap_radius_m, r.priority, r.cancelled_at,"
                              " coalesce(r.finished_at, now()), r.head_hash"
                              " from restored_batch r returning id",
                              found[0][2].as<std::int64_t>())[0]
                 .as<std::int64_t>();
        // Restored whole: one segment, in one plain partition.
        txn.exec_params("insert into batch_segments (batch_id, segment, first_seq, jobs, rejects,"
                        " last_line, bytes)"
                        " select $1, 0, 0, accepted, rejected, 1 + accepted + rejected, 0"
                        " from batches where id = $1",
                        id);
        for (const detail::Partitioned& table : detail::kBatchTables) {
          detail::create_detached_partition(txn, table, id);
        }
        continue;
      }
      if (id == 0) throw refuse("section " + name + " before the batch section");
      if (!columns.starts_with("batch_id,")) throw refuse("section " + name + " does not start with batch_id");
      const detail::Partitioned* table = nullptr;
      for (const detail::Partitioned& t : detail::kBatchTables) {
        if (name == t.parent) table = &t;
      }
      if (name == "jobs") {  // a row per job: stored as keys and blocks again
        txn.exec("create temporary table restored_jobs (like jobs) on commit drop");
        {
          detail::CopyIn copy(txn, "restored_jobs", columns);
          copy_rows(copy, name, true);
        }
        txn.exec("select insert_jobs('restored_jobs', '" +
                 detail::partition_name(detail::kJobKeys, id) + "', '" +
                 detail::partition_name(detail::kJobBlocks, id) + "')");
      } else if (name == "routes") {  // a row per route: stored as blocks again
        txn.exec("create temporary table restored_routes (like routes) on commit drop");
        {
          detail::CopyIn copy(txn, "restored_routes", columns);
          copy_rows(copy, name, true);
        }
        txn.exec("select insert_route_blocks('restored_routes', '" +
                 detail::partition_name(detail::kRouteBlocks, id) + "')");
      } else if (table) {
        detail::CopyIn copy(txn, detail::partition_name(*table, id), columns,
                            detail::CopyIn::Table::fresh);
        copy_rows(copy, name, true);
      } else if (name == "chunks_done") {
        detail::CopyIn copy(txn, "chunks_done", columns);
        copy_rows(copy, name, true);
      } else {
        throw refuse("unknown section '" + name + "'");
      }
    }
    if (id == 0) throw refuse("no batch section: not a Waybill batch archive");
    for (const detail::Partitioned& table : detail::kBatchTables) {
      detail::attach_partition(txn, table, id);
    }
    txn.exec("analyze " + detail::partition_name(detail::kJobKeys, id) + ", " +
             detail::partition_name(detail::kJobBlocks, id));
    txn.commit();
    return id;
  });
}

void Store::drop_batch(std::int64_t batch_id) {
  m_impl->guarded("drop_batch", [&] {
    pqxx::work txn(m_impl->main(), "drop_batch");
    const std::string id = std::to_string(batch_id);
    // The row lock keeps a cancel or a plan of this batch from starting while it is dropped.
    const auto batch = txn.exec_params("select finished_at is not null from batches where id = $1"
                                       " for update",
                                       batch_id);
    if (batch.empty()) throw StoreError(Kind::permanent, "no batch " + id);
    if (!batch[0][0].as<bool>()) {
      throw StoreError(Kind::permanent, "batch " + id + " is not finished (cancel it first)");
    }
    if (!txn.exec_params("select 1 from plans where batch_id = $1 and finished_at is null",
                         batch_id)
             .empty()) {
      throw StoreError(Kind::permanent, "batch " + id + " has a plan in progress");
    }
    for (const detail::Partitioned& table : detail::kBatchTables) {
      const std::string name = detail::partition_name(table, batch_id);
      txn.exec("alter table " + std::string(table.parent) + " detach partition " + name);
      txn.exec("drop table " + name);
    }
    txn.exec_params("delete from batches where id = $1", batch_id);
    txn.commit();
  });
}

}  // namespace waybill::dispatcher
