#include "tests/bench/pgrouting_session.h"

#include <charconv>
#include <initializer_list>
#include <pqxx/pqxx>
#include <pqxx/tablewriter>

namespace waybill::bench {
namespace {

// COPY ... FROM STDIN of integer rows through libpqxx 6.4's tablewriter, used only as the raw
// channel, as dispatcher/store.cpp does: its own escaping is deprecated (for stream_to), and
// integers need none. Lines go out in blocks of about 1 MiB; COPY data is a byte stream.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
class CopyIn {
 public:
  CopyIn(pqxx::transaction_base& txn, const std::string& table) : m_writer(txn, table) {}

  void row(std::initializer_list<std::int64_t> fields) {
    for (const std::int64_t field : fields) {
      char digits[24];
      const auto [end, ec] = std::to_chars(digits, digits + sizeof digits, field);
      m_buffer.append(digits, end);
      m_buffer += '\t';
    }
    m_buffer.back() = '\n';
    if (m_buffer.size() >= (std::size_t{1} << 20)) flush();
  }
  /// Sends the rest and ends the COPY; the server reports a bad row here at the latest.
  void complete() {
    flush();
    m_writer.complete();
  }

 private:
  void flush() {
    if (m_buffer.empty()) return;
    m_buffer.pop_back();  // write_raw_line ends the line itself
    m_writer.write_raw_line(m_buffer);
    m_buffer.clear();
  }

  pqxx::tablewriter m_writer;
  std::string m_buffer;
};
#pragma GCC diagnostic pop

}  // namespace

struct PgRoutingSession::Impl {
  explicit Impl(const std::string& conninfo) : conn(conninfo) {}
  pqxx::connection conn;
};

PgRoutingSession::PgRoutingSession(
    const std::string& conninfo, const std::vector<router::Arc>& arcs,
    const std::vector<std::pair<router::NodeId, router::NodeId>>& pairs)
    : m_impl(std::make_unique<Impl>(conninfo)) {
  using router::to_int;
  {
    pqxx::work txn(m_impl->conn, "bench_extension");
    // The lock tests/router/pgrouting_crosscheck_test.cpp takes: one CREATE EXTENSION at a time.
    txn.exec("select pg_advisory_xact_lock(20261125)");
    txn.exec("create extension if not exists pgrouting cascade");
    txn.commit();
  }
  pqxx::work txn(m_impl->conn, "bench_load");
  txn.exec(
      "create temp table bench_arcs (id bigint not null, source bigint not null, "
      "target bigint not null, cost float8 not null)");
  txn.exec("create temp table bench_pairs (source bigint not null, target bigint not null)");
  CopyIn arc_rows(txn, "bench_arcs");
  std::int64_t id = 0;
  for (const router::Arc& a : arcs) arc_rows.row({++id, to_int(a.tail), to_int(a.head), a.cost});
  arc_rows.complete();
  CopyIn pair_rows(txn, "bench_pairs");
  for (const auto& [from, to] : pairs) pair_rows.row({to_int(from), to_int(to)});
  pair_rows.complete();
  txn.commit();
}

PgRoutingSession::~PgRoutingSession() = default;

namespace {

// (start_vid, end_vid, agg_cost) rows as costs.
PairCosts costs_of(const pqxx::result& rows) {
  PairCosts costs;
  for (const pqxx::row& row : rows) {
    costs[{row[0].as<std::int64_t>(), row[1].as<std::int64_t>()}] = row[2].as<router::Cost>();
  }
  return costs;
}

}  // namespace

PairCosts PgRoutingSession::dijkstra_cost() {
  pqxx::work txn(m_impl->conn, "bench_pgr");
  const pqxx::result rows = txn.exec(
      "select start_vid, end_vid, agg_cost::bigint from pgr_dijkstraCost("
      "'select id, source, target, cost from bench_arcs', "
      "'select source, target from bench_pairs', directed => true)");
  txn.commit();
  return costs_of(rows);
}

PairCosts PgRoutingSession::dijkstra_cost_matrix(std::span<const router::NodeId> nodes) {
  std::string array;
  for (const router::NodeId v : nodes) {
    if (!array.empty()) array += ',';
    array += std::to_string(router::to_int(v));
  }
  pqxx::work txn(m_impl->conn, "bench_pgr_matrix");
  const pqxx::result rows = txn.exec(
      "select start_vid, end_vid, agg_cost::bigint from pgr_dijkstraCostMatrix("
      "'select id, source, target, cost from bench_arcs', array[" +
      array + "]::bigint[], directed => true)");
  txn.commit();
  return costs_of(rows);
}

}  // namespace waybill::bench
