// Store's state, shared by the store's .cpp files (store.cpp defines it; store_graphs.cpp,
// store_batches.cpp, store_routes.cpp and store_inspect.cpp use it). Included only by them: it
// exposes libpqxx.
#pragma once

#include <pqxx/pqxx>

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dispatcher/detail/store_copy.h"
#include "dispatcher/store.h"
#include "dispatcher/store_error.h"

namespace waybill::dispatcher {

namespace detail {

/// The open segment's jobs on their way to job_blocks and job_keys (sql/0017_job_blocks.sql):
/// the block being filled, written once it holds 64 jobs or the segment ends, and every job's
/// order id and seq, written in order of order id when the segment ends.
class SegmentJobs {
 public:
  static constexpr std::uint32_t kBlock = 64;

  /// Adds the segment's next job (seqs follow one another from the segment's first).
  void add(const JobRow& job);
  bool block_full() const { return m_block_jobs == kBlock; }
  bool block_empty() const { return m_block_jobs == 0; }
  /// Writes the block as a row of job_blocks and starts the next.
  void write_block(CopyIn& copy, std::int64_t batch_id);
  /// Writes the segment's keys, in order of order id (bytewise, as collation C compares), as
  /// rows of job_keys; `first_seq` is the segment's.
  void write_keys(CopyIn& copy, std::int64_t batch_id, std::uint64_t first_seq);
  /// Empties it for the next segment, keeping its buffers: a segment's keys take tens of
  /// megabytes, and allocating them afresh each segment leaves the heap fragmented.
  void clear();
  /// Empties it and frees its buffers (the submit is over).
  void release() { *this = SegmentJobs(); }

 private:
  struct Key {  // 16 bytes a job, beside its order id
    std::uint64_t offset;  // of its order id in m_ids
    std::uint32_t size;
    std::uint32_t seq;
  };

  /// The block's columns after line, in job_blocks' order.
  std::array<BlockColumn*, 11> fields() {
    return {&m_origin, &m_destination, &m_weight_kg, &m_due_at, &m_priority, &m_origin_lat_e7,
            &m_origin_lon_e7, &m_dest_lat_e7, &m_dest_lon_e7, &m_ready_at, &m_service_s};
  }

  std::uint64_t m_block_first = 0;
  std::uint32_t m_block_jobs = 0;
  BlockColumn m_line, m_origin, m_destination, m_weight_kg, m_due_at, m_priority,
      m_origin_lat_e7, m_origin_lon_e7, m_dest_lat_e7, m_dest_lon_e7, m_ready_at, m_service_s;
  std::string m_ids;
  std::vector<Key> m_keys;
};

}  // namespace detail

struct Store::Impl {
  explicit Impl(const std::string& info);

  /// Opens a connection with the store's settings and prepared statements.
  static std::unique_ptr<pqxx::connection> open_connection(const std::string& conninfo);

  // The connection for migrations, routing and inspection, opened again when it was lost: the
  // call that saw it break threw a retryable StoreError, the next one reconnects. (We replace
  // it rather than rely on libpqxx 6.4's own, deprecated, reactivation.)
  pqxx::connection& main();

  // The submit of a batch spans many calls (one per piece of the file), so it runs on a second
  // connection of its own, opened on the first submit: routing and inspection go on meanwhile.
  pqxx::work& submit_txn(std::int64_t batch_id);

  // Opens the submit's transaction (and its connection, the first time). Throws a permanent
  // StoreError naming `operation` while another submit is open.
  pqxx::work& open_submit(std::string_view operation);

  void drop_submit() noexcept;

  // After a failure: forgets the connections that broke (and a submit on a broken one).
  void forget_broken() noexcept;

  // Runs `body`, mapping whatever it throws (STYLE.md 11).
  template <typename F>
  auto guarded(std::string_view operation, F&& body) -> decltype(body()) {
    try {
      return body();
    } catch (...) {
      forget_broken();
      detail::rethrow_as_store_error(operation);
    }
  }

  // The lookup of one row, under guarded(operation): runs `sql` with `params` on main() outside
  // a transaction, and returns its first row as `read` makes it, or nullopt when there is none.
  template <typename T, typename Read, typename... Params>
  std::optional<T> lookup(std::string_view operation, Read read, const std::string& sql,
                          const Params&... params) {
    return guarded(operation, [&]() -> std::optional<T> {
      pqxx::nontransaction txn(main());
      const pqxx::result r = txn.exec_params(sql, params...);
      if (r.empty()) return std::nullopt;
      return read(r[0]);
    });
  }

  // Runs `body` on the transaction of the open submit of `batch_id` (submit_txn()), under
  // guarded(operation). Whatever it throws drops the submit too: its transaction is unusable.
  template <typename F>
  void in_submit(std::string_view operation, std::int64_t batch_id, F&& body) {
    guarded(operation, [&] {
      pqxx::work& txn = submit_txn(batch_id);
      try {
        body(txn);
      } catch (...) {
        drop_submit();
        throw;
      }
    });
  }

  std::string conninfo;
  std::unique_ptr<pqxx::connection> conn;         // see main()
  std::unique_ptr<pqxx::connection> submit_conn;  // begin_batch .. commit_batch
  std::unique_ptr<pqxx::work> submit;             // on submit_conn; destroyed before it
  std::int64_t submit_batch = 0;
  // The open segment of submit_batch: where the durable ones end, and the first seq of its jobs
  // once its sub-partition exists (its first jobs create it).
  SegmentMark submit_mark;
  std::optional<std::uint64_t> segment_first_seq;
  detail::SegmentJobs segment_jobs;
};

}  // namespace waybill::dispatcher
