// The PostgreSQL store, on libpqxx 6.4. Every SQL string of the project is in the store's .cpp
// files or in sql/ (whose migrations are embedded, see migrations.h). This file holds the
// connections and the migrations; the rest of Store is in store_graphs.cpp, store_batches.cpp,
// store_routes.cpp and store_inspect.cpp, its COPY channel in store_copy.cpp.
//
// Every public function maps libpqxx's exceptions to StoreError in one place (STYLE.md 11):
// Impl::guarded, through detail::rethrow_as_store_error (store_error.cpp).
#include "dispatcher/store.h"

#include <libpq-fe.h>
#include <pqxx/pqxx>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <utility>

#include "dispatcher/detail/store_impl.h"
#include "dispatcher/migrations.h"
#include "dispatcher/store_error.h"

namespace waybill::dispatcher {
namespace {

using Kind = StoreError::Kind;

// Runs `body`, mapping whatever it throws.
template <typename F>
auto guarded(std::string_view operation, F&& body) -> decltype(body()) {
  try {
    return body();
  } catch (...) {
    detail::rethrow_as_store_error(operation);
  }
}

}  // namespace

std::string with_link_timeouts(const std::string& conninfo) {
  char* error = nullptr;
  std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> options(
      PQconninfoParse(conninfo.c_str(), &error), PQconninfoFree);
  if (!options) {
    std::string what = "bad PostgreSQL conninfo: ";
    what += error ? error : "out of memory";
    PQfreemem(error);
    while (!what.empty() && (what.back() == '\n' || what.back() == ' ')) what.pop_back();
    throw StoreError(Kind::permanent, what);
  }
  // PGCONNECT_TIMEOUT, where set, is the operator's word for connect_timeout.
  const bool env_timeout = std::getenv("PGCONNECT_TIMEOUT") != nullptr;
  static constexpr std::pair<std::string_view, const char*> kLimits[] = {
      {"connect_timeout", "2"},  {"keepalives_idle", "1"},      {"keepalives_interval", "1"},
      {"keepalives_count", "2"}, {"tcp_user_timeout", "3000"}};
  std::string out;
  for (const PQconninfoOption* o = options.get(); o->keyword; ++o) {
    const char* value = o->val;
    for (const auto& [keyword, limit] : kLimits) {
      if (value || keyword != o->keyword) continue;
      if (keyword == "connect_timeout" && env_timeout) continue;
      value = limit;
    }
    if (!value) continue;
    if (!out.empty()) out += ' ';
    out.append(o->keyword).append("='");
    for (const char* c = value; *c; ++c) {
      if (*c == '\'' || *c == '\\') out += '\\';
      out += *c;
    }
    out += '\'';
  }
  return out;
}

// ---- Store::Impl ----------------------------------------------------------------------------

Store::Impl::Impl(const std::string& info) : conninfo(info), conn(open_connection(info)) {}

std::unique_ptr<pqxx::connection> Store::Impl::open_connection(const std::string& conninfo) {
  auto c = std::make_unique<pqxx::connection>(conninfo);
  // COPY text is parsed in the client encoding; UTF-8 makes our escaping byte-safe.
  c->set_client_encoding("UTF8");
  // The server's side of with_link_timeouts: a link cut in the middle of a route write leaves a
  // backend waiting for the rest of its COPY, its transaction open and its chunks_done keys
  // taken, and the same chunks written again on a new connection would wait for it as long as
  // the server does not notice (its keepalives are the system's: two hours). With these it
  // drops such a backend within seconds, as the client does. (Over a Unix socket: no effect.)
  c->set_variable("tcp_keepalives_idle", "1");
  c->set_variable("tcp_keepalives_interval", "1");
  c->set_variable("tcp_keepalives_count", "2");
  c->set_variable("tcp_user_timeout", "3000");
  // Lookups of a large batch plan a scan a segment, which JIT takes for an expensive query and
  // compiles for longer than it runs (sql/0017_job_blocks.sql).
  c->set_variable("jit", "off");
  // libpqxx 6.4 prepares lazily, on first use.
  // The blocks (sql/0017_job_blocks.sql) that may hold seqs $2 .. $3 - 1, whole: the client
  // takes the jobs out of their arrays. (Unnested by the server, a job a row in order of seq,
  // the same read took four times as long: 0.64 s a million jobs in the backend alone.)
  c->prepare("read_jobs",
             "select first_seq, origin, destination, origin_lat_e7, origin_lon_e7, dest_lat_e7,"
             "       dest_lon_e7"
             "  from job_blocks"
             " where batch_id = $1 and first_seq > $2::bigint - 64 and first_seq < $3"
             " order by first_seq");
  c->prepare("mark_chunks_done",
             "insert into chunks_done (batch_id, chunk, jobs, unreachable, worker_id, unsnappable,"
             "                         failed)"
             " select * from unnest($1::bigint[], $2::bigint[], $3::int[], $4::int[], $5::bigint[],"
             "                      $6::int[], $7::int[])"
             " on conflict (batch_id, chunk) do nothing"
             " returning batch_id, chunk");
  c->prepare("touch_workers",
             "update workers w set last_seen = now(), jobs_done = v.jobs_done"
             " from unnest($1::bigint[], $2::bigint[]) as v (id, jobs_done)"
             " where w.id = v.id");
  return c;
}

pqxx::connection& Store::Impl::main() {
  if (!conn || !conn->is_open()) conn = open_connection(conninfo);
  return *conn;
}

pqxx::work& Store::Impl::submit_txn(std::int64_t batch_id) {
  if (!submit) throw StoreError(Kind::permanent, "store: no submit is open");
  if (batch_id != submit_batch) {
    throw StoreError(Kind::permanent, "store: batch " + std::to_string(batch_id) +
                                          " is not the open submit (batch " +
                                          std::to_string(submit_batch) + ")");
  }
  return *submit;
}

pqxx::work& Store::Impl::open_submit(std::string_view operation) {
  if (submit) {
    std::string what = "store: ";
    what += operation;
    what += ": the submit of batch " + std::to_string(submit_batch) + " is still open";
    throw StoreError(Kind::permanent, what);
  }
  if (!submit_conn) submit_conn = open_connection(conninfo);
  submit = std::make_unique<pqxx::work>(*submit_conn, "submit");
  return *submit;
}

void Store::Impl::drop_submit() noexcept {
  submit.reset();  // rolls back, swallowing errors (e.g. of a broken connection)
  submit_batch = 0;
  submit_mark = {};
  segment_first_seq.reset();
  segment_jobs.release();
}

void Store::Impl::forget_broken() noexcept {
  if (conn && !conn->is_open()) conn.reset();
  if (submit_conn && !submit_conn->is_open()) {
    drop_submit();
    submit_conn.reset();
  }
}

// ---- Store ----------------------------------------------------------------------------------

Store::Store(const std::string& conninfo)
    : m_impl(guarded("connect", [&] { return std::make_unique<Impl>(conninfo); })) {}

Store::Store(Store&&) noexcept = default;
Store::~Store() = default;

void Store::migrate() {
  m_impl->guarded("migrate", [&] {
    for (std::size_t i = 0; i < detail::kMigrationCount; ++i) {
      const detail::Migration& migration = detail::kMigrations[i];
      pqxx::work txn(m_impl->main(), "migrate");
      txn.exec("set local client_min_messages = warning");  // no "already exists" notices
      txn.exec("select pg_advisory_xact_lock(" + std::to_string(detail::kMigrateLockKey) + ")");
      txn.exec(
          "create table if not exists schema_migrations ("
          " name text primary key, applied_at timestamptz not null default now())");
      if (!txn.exec_params("select 1 from schema_migrations where name = $1", migration.name)
               .empty()) {
        continue;  // applied already; the transaction rolls back
      }
      try {
        txn.exec(migration.sql, migration.name);
      } catch (const pqxx::sql_error& e) {
        throw StoreError(
            detail::retryable_sqlstate(e.sqlstate()) ? Kind::retryable : Kind::permanent,
            std::string("store: migrate: migration ") + migration.name +
                " failed: " + detail::trimmed(e.what()) + " [SQLSTATE " + e.sqlstate() + "]");
      }
      txn.exec_params("insert into schema_migrations (name) values ($1)", migration.name);
      txn.commit();
    }
  });
}

void Store::ping() {
  m_impl->guarded("ping", [&] {
    pqxx::nontransaction txn(m_impl->main());
    txn.exec1("select 1");
  });
}

std::vector<std::string> Store::pending_migrations() {
  return m_impl->guarded("pending_migrations", [&] {
    pqxx::nontransaction txn(m_impl->main());
    std::set<std::string> applied;
    if (txn.exec1("select to_regclass('schema_migrations') is not null")[0].as<bool>()) {
      for (const auto& row : txn.exec("select name from schema_migrations")) {
        applied.insert(row[0].as<std::string>());
      }
    }
    std::vector<std::string> pending;
    for (std::size_t i = 0; i < detail::kMigrationCount; ++i) {
      if (!applied.count(detail::kMigrations[i].name)) pending.emplace_back(detail::kMigrations[i].name);
    }
    return pending;
  });
}

}  // namespace waybill::dispatcher
