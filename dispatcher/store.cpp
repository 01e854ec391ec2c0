// The PostgreSQL store, on libpqxx 6.4. Every SQL string of the project is in this file or in
// sql/ (whose migrations are embedded, see migrations.h).
//
// Bulk rows go in with COPY ... FROM STDIN in text format: the rows are formatted here into
// blocks of lines (no per-field strings) and each block is one PQputCopyData call.
// Every public function maps libpqxx's exceptions to StoreError in one place (STYLE.md 11).
#include "dispatcher/store.h"

#include <pqxx/pqxx>
#include <pqxx/tablewriter>

#include <algorithm>
#include <array>
#include <charconv>
#include <initializer_list>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "common/utf8.h"
#include "dispatcher/copy_text.h"
#include "dispatcher/migrations.h"

namespace waybill::dispatcher {

// ---- COPY text ------------------------------------------------------------------------------

namespace detail {

void append_copy_text(std::string& out, std::string_view field) {
  for (const char c : field) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '\t': out += "\\t"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\0': throw std::invalid_argument("NUL byte in a text field");
      default: out += c;
    }
  }
}

}  // namespace detail

namespace {

using Kind = StoreError::Kind;

// Serializes concurrent migrate() calls on one database (advisory locks are per database).
constexpr std::int64_t kMigrateLockKey = 0x5761796269'6c6c;  // "Waybill"

// Lines of COPY text are sent in blocks of about this size.
constexpr std::size_t kCopyBlockBytes = 1 << 16;

// ---- error mapping --------------------------------------------------------------------------

// A server or libpq message on one line, for one-line logs.
std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  std::replace(text.begin(), text.end(), '\n', ' ');
  return text;
}

std::string excerpt(const std::string& query) {
  constexpr std::size_t kMax = 200;
  std::string one_line = query.substr(0, kMax);
  std::replace(one_line.begin(), one_line.end(), '\n', ' ');
  return query.size() > kMax ? one_line + "..." : one_line;
}

// SQLSTATEs after which the same call may succeed: connection exceptions (08), transaction
// rollbacks such as serialization failures and deadlocks (40), insufficient resources (53),
// and the server shutting down or starting up (57P01..57P03).
bool retryable_sqlstate(const std::string& state) {
  return state.rfind("08", 0) == 0 || state.rfind("40", 0) == 0 || state.rfind("53", 0) == 0 ||
         state == "57P01" || state == "57P02" || state == "57P03";
}

// The one place that classifies libpqxx's exceptions (STYLE.md 11). Call it from a catch block;
// `operation` names what failed ("record_routes").
[[noreturn]] void rethrow_as_store_error(std::string_view operation) {
  const std::string prefix = "store: " + std::string(operation) + ": ";
  try {
    throw;
  } catch (const StoreError&) {
    throw;
  } catch (const pqxx::broken_connection& e) {
    throw StoreError(Kind::retryable,
                     prefix + "connection to PostgreSQL failed: " + trimmed(e.what()));
  } catch (const pqxx::in_doubt_error& e) {
    throw StoreError(Kind::retryable,
                     prefix + "connection lost during commit, outcome unknown (re-read the "
                              "state before retrying): " + trimmed(e.what()));
  } catch (const pqxx::transaction_rollback& e) {  // serialization_failure, deadlock_detected
    throw StoreError(Kind::retryable, prefix + "transaction rolled back: " + trimmed(e.what()));
  } catch (const pqxx::sql_error& e) {
    const Kind kind = retryable_sqlstate(e.sqlstate()) ? Kind::retryable : Kind::permanent;
    throw StoreError(kind, prefix + trimmed(e.what()) + " [SQLSTATE " + e.sqlstate() +
                               "] in query: " + excerpt(e.query()));
  } catch (const std::exception& e) {  // other pqxx::failure, usage_error, conversion_error, ...
    throw StoreError(Kind::permanent, prefix + trimmed(e.what()));
  }
}

// Runs `body`, mapping whatever it throws.
template <typename F>
auto guarded(std::string_view operation, F&& body) -> decltype(body()) {
  try {
    return body();
  } catch (...) {
    rethrow_as_store_error(operation);
  }
}

// ---- COPY -----------------------------------------------------------------------------------

// COPY <table> (<columns>) FROM STDIN, text format. Rows are formatted into one buffer and sent
// in blocks of many lines: the protocol is a byte stream, lines need not match messages.
// (libpqxx 6.4's tablewriter is deprecated for its own escaping; we use it only as the raw
// channel, which it is the sole public one of in 6.4.)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
class CopyIn {
 public:
  /// `fresh`: the table was created in this transaction (a partition filled before it is
  /// attached), so its rows are written frozen and all-visible (COPY ... FREEZE): nobody ever
  /// rewrites them, neither the first reader setting hint bits nor vacuum freezing them, and
  /// vacuum skips their pages. These rows are written once and never updated, so the only cost
  /// is MVCC's: a transaction whose snapshot predates the commit can see them, once committed.
  enum class Table { existing, fresh };
  CopyIn(pqxx::transaction_base& txn, const std::string& table,
         std::initializer_list<const char*> columns, Table kind = Table::existing)
      : m_writer(txn, statement_head(table, columns, kind), kNoColumns.begin(),
                 kNoColumns.end()) {
    m_buffer.reserve(kCopyBlockBytes + 4096);
  }

  void text(std::string_view value) { detail::append_copy_text(m_buffer, value); }
  template <typename T>
  void number(T value) {
    char digits[32];
    const auto [end, ec] = std::to_chars(digits, digits + sizeof digits, value);
    m_buffer.append(digits, end);
  }
  void null() { m_buffer += "\\N"; }
  /// A length in millimetres as exact decimal metres: 12345 -> "12.345".
  void millimetres(std::int64_t mm) {
    if (mm < 0) {
      m_buffer += '-';
      mm = -mm;
    }
    number(mm / 1000);
    const auto rest = static_cast<int>(mm % 1000);
    m_buffer += '.';
    m_buffer += static_cast<char>('0' + rest / 100);
    m_buffer += static_cast<char>('0' + rest / 10 % 10);
    m_buffer += static_cast<char>('0' + rest % 10);
  }
  void tab() { m_buffer += '\t'; }
  /// COPY text as it is: the caller escaped it.
  void raw(std::string_view text) { m_buffer += text; }
  void end_row() {
    m_buffer += '\n';
    if (m_buffer.size() >= kCopyBlockBytes) flush();
  }
  /// Sends what is left and ends the COPY; the server reports any bad row here at the latest.
  void complete() {
    flush();
    m_writer.complete();
  }

 private:
  void flush() {
    if (m_buffer.empty()) return;
    m_buffer.pop_back();  // write_raw_line appends the last '\n' itself
    m_writer.write_raw_line(m_buffer);
    m_buffer.clear();
  }

  // tablewriter sends "COPY " + <its table argument> + " FROM STDIN" and has no place for
  // options, so the table argument carries the columns, and for FREEZE the whole statement,
  // ending in a comment that swallows tablewriter's own " FROM STDIN". The store tests check
  // that fresh partitions come out frozen, so a libpqxx that builds the statement otherwise
  // fails them rather than going unnoticed.
  static std::string statement_head(const std::string& table,
                                    std::initializer_list<const char*> columns, Table kind) {
    std::string head = table + " (";
    for (const char* column : columns) {
      if (head.back() != '(') head += ", ";
      head += column;
    }
    head += ')';
    if (kind == Table::fresh) head += " from stdin (freeze) --";
    return head;
  }
  static constexpr std::array<const char*, 0> kNoColumns{};

  pqxx::tablewriter m_writer;
  std::string m_buffer;
};
#pragma GCC diagnostic pop

// "{1,2,3}": a bigint[] / int[] parameter, bound as text.
template <typename T>
void append_array_element(std::string& array, T value) {
  array += array.empty() ? '{' : ',';
  array += std::to_string(value);
}
std::string closed(std::string array) { return array.empty() ? "{}" : array + '}'; }

std::string graph_name_error(const std::string& name, const std::string& stored,
                             const std::string& hash) {
  return "store: import_graph: graph '" + name + "' exists with hash " + stored +
         "; refusing to replace it with hash " + hash + " (import it under another name)";
}

GraphInfo graph_info(const pqxx::row& row) {
  GraphInfo info;
  info.id = row["id"].as<std::int64_t>();
  info.name = row["name"].as<std::string>();
  info.hash = row["hash"].as<std::string>();
  info.num_nodes = row["num_nodes"].as<std::int64_t>();
  info.num_arcs = row["num_arcs"].as<std::int64_t>();
  return info;
}

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

/// A coordinate column's value (int4, 1e-7 degrees; see degrees_e7), in degrees. Read with
/// std::from_chars: pqxx 6.4's as<>() is several times the cost, on the four coordinates of
/// every job leased.
double parse_degrees_e7(const pqxx::field& field) {
  std::int32_t value = 0;
  const char* p = field.c_str();
  const auto [next, ec] = std::from_chars(p, p + field.size(), value);
  if (ec != std::errc() || next != p + field.size()) {
    throw std::runtime_error(std::string("bad coordinate in column ") + field.name() + ": '" +
                             field.c_str() + "'");
  }
  return from_degrees_e7(value);
}

// ---- partitions ----
// Bulk tables get one partition per graph or batch, which is filled before it is attached:
// created as a plain table shaped like its parent (no indexes, no foreign keys), loaded with
// COPY, given its primary key (one sorted index build instead of a B-tree insert per row) and
// attached. ATTACH PARTITION checks a foreign key with one query for the whole partition, skips
// scanning the rows thanks to the CHECK constraint, and locks the parent only in SHARE UPDATE
// EXCLUSIVE mode, which blocks neither readers nor writers of other partitions (CREATE TABLE
// ... PARTITION OF would lock the parent ACCESS EXCLUSIVE until the commit).
struct Partitioned {
  const char* parent;
  const char* suffix;       // partition name: <parent>_<suffix><id>
  const char* column;       // the partition key
  const char* primary_key;  // the parent's primary key columns
};

constexpr Partitioned kGraphNodes{"graph_nodes", "g", "graph_id", "graph_id, node_id"};
constexpr Partitioned kGraphEdges{"graph_edges", "g", "graph_id", "graph_id, id"};
constexpr Partitioned kBatchTables[] = {
    {"jobs", "b", "batch_id", "batch_id, seq"},
    {"routes", "b", "batch_id", "batch_id, seq"},
    {"rejects", "b", "batch_id", "batch_id, line"},
};

std::string partition_name(const Partitioned& table, std::int64_t id) {
  return std::string(table.parent) + "_" + table.suffix + std::to_string(id);
}

void create_detached_partition(pqxx::transaction_base& txn, const Partitioned& table,
                               std::int64_t id) {
  const std::string name = partition_name(table, id);
  txn.exec("create table " + name + " (like " + table.parent +
           " including defaults including constraints, constraint " + name + "_key check (" +
           table.column + " = " + std::to_string(id) + "))");
}

void attach_partition(pqxx::transaction_base& txn, const Partitioned& table, std::int64_t id) {
  const std::string name = partition_name(table, id);
  txn.exec("alter table " + name + " add primary key (" + table.primary_key + ")");
  txn.exec("alter table " + std::string(table.parent) + " attach partition " + name +
           " for values in (" + std::to_string(id) + ")");
}

}  // namespace

// ---- Store ----------------------------------------------------------------------------------

struct Store::Impl {
  explicit Impl(const std::string& info) : conninfo(info), conn(open_connection(info)) {}

  static std::unique_ptr<pqxx::connection> open_connection(const std::string& conninfo) {
    auto c = std::make_unique<pqxx::connection>(conninfo);
    // COPY text is parsed in the client encoding; UTF-8 makes our escaping byte-safe.
    c->set_client_encoding("UTF8");
    // libpqxx 6.4 prepares lazily, on first use.
    c->prepare("read_jobs",
               "select seq, origin, destination, origin_lat_e7, origin_lon_e7, dest_lat_e7,"
               " dest_lon_e7"
               " from jobs"
               " where batch_id = $1 and seq >= $2 and seq < $3 order by seq");
    c->prepare("mark_chunks_done",
               "insert into chunks_done (batch_id, chunk, jobs, unreachable, worker_id, unsnappable)"
               " select * from unnest($1::bigint[], $2::int[], $3::int[], $4::int[], $5::bigint[],"
               "                      $6::int[])"
               " on conflict (batch_id, chunk) do nothing"
               " returning batch_id, chunk");
    c->prepare("touch_workers",
               "update workers w set last_seen = now(), jobs_done = v.jobs_done"
               " from unnest($1::bigint[], $2::bigint[]) as v (id, jobs_done)"
               " where w.id = v.id");
    return c;
  }

  // The connection for migrations, routing and inspection, opened again when it was lost: the
  // call that saw it break threw a retryable StoreError, the next one reconnects. (We replace
  // it rather than rely on libpqxx 6.4's own, deprecated, reactivation.)
  pqxx::connection& main() {
    if (!conn || !conn->is_open()) conn = open_connection(conninfo);
    return *conn;
  }

  // The submit of a batch spans many calls (one per piece of the file), so it runs on a second
  // connection of its own, opened on the first submit: routing and inspection go on meanwhile.
  pqxx::work& submit_txn(std::int64_t batch_id) {
    if (!submit) throw StoreError(Kind::permanent, "store: no submit is open");
    if (batch_id != submit_batch) {
      throw StoreError(Kind::permanent, "store: batch " + std::to_string(batch_id) +
                                            " is not the open submit (batch " +
                                            std::to_string(submit_batch) + ")");
    }
    return *submit;
  }

  void drop_submit() noexcept {
    submit.reset();  // rolls back, swallowing errors (e.g. of a broken connection)
    submit_batch = 0;
  }

  // After a failure: forgets the connections that broke (and a submit on a broken one).
  void forget_broken() noexcept {
    if (conn && !conn->is_open()) conn.reset();
    if (submit_conn && !submit_conn->is_open()) {
      drop_submit();
      submit_conn.reset();
    }
  }

  // Runs `body`, mapping whatever it throws (STYLE.md 11).
  template <typename F>
  auto guarded(std::string_view operation, F&& body) -> decltype(body()) {
    try {
      return body();
    } catch (...) {
      forget_broken();
      rethrow_as_store_error(operation);
    }
  }

  std::string conninfo;
  std::unique_ptr<pqxx::connection> conn;         // see main()
  std::unique_ptr<pqxx::connection> submit_conn;  // begin_batch .. commit_batch
  std::unique_ptr<pqxx::work> submit;             // on submit_conn; destroyed before it
  std::int64_t submit_batch = 0;
};

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
      txn.exec("select pg_advisory_xact_lock(" + std::to_string(kMigrateLockKey) + ")");
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
            retryable_sqlstate(e.sqlstate()) ? Kind::retryable : Kind::permanent,
            std::string("store: migrate: migration ") + migration.name + " failed: " +
                trimmed(e.what()) + " [SQLSTATE " + e.sqlstate() + "]");
      }
      txn.exec_params("insert into schema_migrations (name) values ($1)", migration.name);
      txn.commit();
    }
  });
}

// ---- graphs ---------------------------------------------------------------------------------

GraphInfo Store::import_graph(
    const std::string& name, const std::string& hash, const std::string& bytes,
    const std::vector<std::int64_t>& node_ids,
    const std::vector<std::pair<std::int32_t, std::int32_t>>& lon_lat_e6,
    const std::vector<std::tuple<std::int64_t, std::int64_t, std::int64_t>>& arcs,
    const GraphExtras& extras) {
  return m_impl->guarded("import_graph", [&] {
    if (!lon_lat_e6.empty() && lon_lat_e6.size() != node_ids.size()) {
      throw StoreError(Kind::permanent,
                       "store: import_graph: " + std::to_string(lon_lat_e6.size()) +
                           " coordinates for " + std::to_string(node_ids.size()) + " nodes");
    }
    if (!extras.lengths_mm.empty() && extras.lengths_mm.size() != arcs.size()) {
      throw StoreError(Kind::permanent,
                       "store: import_graph: " + std::to_string(extras.lengths_mm.size()) +
                           " lengths for " + std::to_string(arcs.size()) + " arcs");
    }
    if (extras.cost_unit != "native" && extras.cost_unit != "duration_ms") {
      throw StoreError(Kind::permanent,
                       "store: import_graph: unknown cost unit '" + extras.cost_unit + "'");
    }
    const auto existing = [&](pqxx::transaction_base& txn) -> std::optional<GraphInfo> {
      const auto r = txn.exec_params(
          "select id, name, hash, num_nodes, num_arcs from graphs where name = $1", name);
      if (r.empty()) return std::nullopt;
      GraphInfo info = graph_info(r[0]);
      if (info.hash != hash) {
        throw StoreError(Kind::permanent, graph_name_error(name, info.hash, hash));
      }
      return info;
    };

    pqxx::work txn(m_impl->main(), "import_graph");
    if (auto info = existing(txn)) return *info;
    const auto inserted = txn.exec_params(
        "insert into graphs (name, hash, num_nodes, num_arcs, bytes, cost_unit)"
        " values ($1, $2, $3, $4, $5, $6) on conflict (name) do nothing returning id",
        name, hash, static_cast<std::int64_t>(node_ids.size()),
        static_cast<std::int64_t>(arcs.size()), pqxx::binarystring(bytes), extras.cost_unit);
    if (inserted.empty()) {  // imported concurrently since our first look
      if (auto info = existing(txn)) return *info;
      throw StoreError(Kind::retryable, "store: import_graph: graph '" + name +
                                            "' was imported and removed concurrently");
    }
    const auto graph_id = inserted[0][0].as<std::int64_t>();

    create_detached_partition(txn, kGraphNodes, graph_id);
    create_detached_partition(txn, kGraphEdges, graph_id);
    {
      CopyIn nodes(txn, partition_name(kGraphNodes, graph_id),
                   {"graph_id", "node_id", "lon", "lat"}, CopyIn::Table::fresh);
      for (std::size_t i = 0; i < node_ids.size(); ++i) {
        nodes.number(graph_id);
        nodes.tab();
        nodes.number(node_ids[i]);
        nodes.tab();
        if (lon_lat_e6.empty()) {
          nodes.null();
          nodes.tab();
          nodes.null();
        } else {
          nodes.number(lon_lat_e6[i].first / 1e6);
          nodes.tab();
          nodes.number(lon_lat_e6[i].second / 1e6);
        }
        nodes.end_row();
      }
      nodes.complete();
    }
    {
      CopyIn edges(txn, partition_name(kGraphEdges, graph_id),
                   {"graph_id", "id", "source", "target", "cost", "length_m"},
                   CopyIn::Table::fresh);
      std::int64_t edge_id = 0;
      for (const auto& [source, target, cost] : arcs) {
        edges.number(graph_id);
        edges.tab();
        edges.number(++edge_id);
        edges.tab();
        edges.number(source);
        edges.tab();
        edges.number(target);
        edges.tab();
        edges.number(cost);
        edges.tab();
        if (extras.lengths_mm.empty()) {
          edges.null();
        } else {
          edges.millimetres(extras.lengths_mm[static_cast<std::size_t>(edge_id - 1)]);
        }
        edges.end_row();
      }
      edges.complete();
    }
    attach_partition(txn, kGraphNodes, graph_id);
    attach_partition(txn, kGraphEdges, graph_id);
    txn.commit();
    return GraphInfo{graph_id, name, hash, static_cast<std::int64_t>(node_ids.size()),
                     static_cast<std::int64_t>(arcs.size())};
  });
}

std::optional<GraphInfo> Store::find_graph(const std::string& name) {
  return m_impl->guarded("find_graph", [&]() -> std::optional<GraphInfo> {
    pqxx::nontransaction txn(m_impl->main());
    const auto r = txn.exec_params(
        "select id, name, hash, num_nodes, num_arcs from graphs where name = $1", name);
    if (r.empty()) return std::nullopt;
    return graph_info(r[0]);
  });
}

std::optional<GraphInfo> Store::graph_by_id(std::int64_t id) {
  return m_impl->guarded("graph_by_id", [&]() -> std::optional<GraphInfo> {
    pqxx::nontransaction txn(m_impl->main());
    const auto r = txn.exec_params(
        "select id, name, hash, num_nodes, num_arcs from graphs where id = $1", id);
    if (r.empty()) return std::nullopt;
    return graph_info(r[0]);
  });
}

std::optional<GraphInfo> Store::latest_graph() {
  return m_impl->guarded("latest_graph", [&]() -> std::optional<GraphInfo> {
    pqxx::nontransaction txn(m_impl->main());
    const auto r = txn.exec(
        "select id, name, hash, num_nodes, num_arcs from graphs order by id desc limit 1");
    if (r.empty()) return std::nullopt;
    return graph_info(r[0]);
  });
}

std::string Store::graph_bytes(std::int64_t graph_id) {
  return m_impl->guarded("graph_bytes", [&] {
    pqxx::nontransaction txn(m_impl->main());
    const auto r = txn.exec_params("select bytes from graphs where id = $1", graph_id);
    if (r.empty()) {
      throw StoreError(Kind::permanent,
                       "store: graph_bytes: no graph with id " + std::to_string(graph_id));
    }
    const pqxx::binarystring bytes(r[0][0]);
    return std::string(bytes.get(), bytes.size());
  });
}

// ---- submitting a batch ---------------------------------------------------------------------

std::optional<std::int64_t> Store::batch_by_hash(const std::string& hash) {
  return m_impl->guarded("batch_by_hash", [&]() -> std::optional<std::int64_t> {
    pqxx::nontransaction txn(m_impl->main());
    const auto r = txn.exec_params("select id from batches where hash = $1", hash);
    if (r.empty()) return std::nullopt;
    return r[0][0].as<std::int64_t>();
  });
}

// The batch's partitions are created detached, filled by add_jobs / add_rejects and attached
// by commit_batch (see create_detached_partition): a submit that streams a file for minutes
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
                              " want_paths, depart_at, snap_radius_m)"
                              " values ($1, $2, $3, $4, $5, nullif($6, '')::timestamptz, $7)"
                              " returning id",
                              hash, graph_id, file_name, chunk_size, options.want_paths,
                              options.depart_at, options.snap_radius_m)[0]
                          .as<std::int64_t>();
      for (const Partitioned& table : kBatchTables) {
        create_detached_partition(*impl.submit, table, id);
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
  m_impl->guarded("add_jobs", [&] {
    pqxx::work& txn = m_impl->submit_txn(batch_id);
    try {
      CopyIn copy(txn, partition_name(kBatchTables[0], batch_id),
                  {"batch_id", "seq", "line", "order_id", "origin", "destination", "weight_kg",
                   "due_at", "priority", "origin_lat_e7", "origin_lon_e7", "dest_lat_e7",
                   "dest_lon_e7"},
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
        copy.end_row();
      }
      copy.complete();
    } catch (...) {
      m_impl->drop_submit();
      throw;
    }
  });
}

void Store::add_rejects(std::int64_t batch_id, const std::vector<RejectRow>& rejects) {
  m_impl->guarded("add_rejects", [&] {
    pqxx::work& txn = m_impl->submit_txn(batch_id);
    try {
      CopyIn copy(txn, partition_name(kBatchTables[2], batch_id),
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
    } catch (...) {
      m_impl->drop_submit();
      throw;
    }
  });
}

void Store::commit_batch(std::int64_t batch_id, std::uint64_t accepted, std::uint64_t rejected,
                         std::uint32_t chunk_size) {
  m_impl->guarded("commit_batch", [&] {
    pqxx::work& txn = m_impl->submit_txn(batch_id);
    try {
      txn.exec_params(
          "update batches set accepted = $2, rejected = $3, chunk_size = $4 where id = $1",
          batch_id, accepted, rejected, chunk_size);
      for (const Partitioned& table : kBatchTables) attach_partition(txn, table, batch_id);
      // Statistics now, not when autovacuum gets round to it: without them the planner takes
      // the lease read of a chunk (read_jobs) for a 125-row one and bitmap-scans and sorts it
      // (1.7 ms for 4,096 jobs, against 0.8 ms for the index scan it picks with them), and
      // operators' joins over the new batch are planned blind. ANALYZE reads a sample of 30,000
      // rows whatever the size: 0.5 s for 5,000,000 jobs.
      txn.exec("analyze " + partition_name(kBatchTables[0], batch_id));
      txn.commit();
    } catch (...) {
      m_impl->drop_submit();
      throw;
    }
    m_impl->drop_submit();
  });
}

void Store::abort_batch() { m_impl->drop_submit(); }

// ---- routing --------------------------------------------------------------------------------

std::vector<OpenBatch> Store::open_batches() {
  return m_impl->guarded("open_batches", [&] {
    pqxx::nontransaction txn(m_impl->main());
    const auto r = txn.exec(
        "select b.id, b.graph_id, b.accepted, b.chunk_size,"
        "       (select string_agg(d.chunk::text, ',' order by d.chunk)"
        "          from chunks_done d where d.batch_id = b.id) as done_chunks,"
        "       b.want_paths, b.snap_radius_m"
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
        unsnappable_counts;
    for (const ChunkRoutes& chunk : chunks) {
      append_array_element(batch_ids, chunk.batch_id);
      append_array_element(chunk_numbers, chunk.chunk);
      append_array_element(job_counts, chunk.outcomes.size());
      append_array_element(
          unreachable_counts,
          std::count_if(chunk.outcomes.begin(), chunk.outcomes.end(), [](const auto& outcome) {
            return outcome.status == wire::JobStatus::unreachable;
          }));
      append_array_element(
          unsnappable_counts,
          std::count_if(chunk.outcomes.begin(), chunk.outcomes.end(), [](const auto& outcome) {
            return outcome.status == wire::JobStatus::unsnappable;
          }));
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
                          closed(unsnappable_counts));
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
      CopyIn copy(txn, partition_name(kBatchTables[1], batch_id),
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

void Store::finish_batch(std::int64_t batch_id) {
  m_impl->guarded("finish_batch", [&] {
    pqxx::nontransaction txn(m_impl->main());
    txn.exec_params("update batches set finished_at = now() where id = $1 and finished_at is null",
                    batch_id);
  });
}

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

// ---- inspection -----------------------------------------------------------------------------

std::vector<wire::BatchStatus> Store::batch_status(std::uint64_t batch_id) {
  return m_impl->guarded("batch_status", [&] {
    constexpr const char* kColumns =
        "select batch_id, file_name, graph_name, accepted, rejected, routed, unreachable,"
        "       finished_at is not null, elapsed_s from batch_progress ";
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
      statuses.push_back(std::move(status));
    }
    return statuses;
  });
}

// ---- drawing a batch (waybill render) -------------------------------------------------------

std::optional<BatchOverview> Store::batch_overview(std::int64_t batch_id) {
  return m_impl->guarded("batch_overview", [&]() -> std::optional<BatchOverview> {
    pqxx::nontransaction txn(m_impl->main());
    const auto r = txn.exec_params(
        "select graph_id, accepted, snap_radius_m from batches where id = $1", batch_id);
    if (r.empty()) return std::nullopt;
    return BatchOverview{r[0][0].as<std::int64_t>(), r[0][1].as<std::uint64_t>(),
                         r[0][2].as<double>()};
  });
}

std::vector<RouteSample> Store::sample_routes(std::int64_t batch_id, std::uint64_t accepted,
                                              std::size_t limit) {
  if (accepted == 0 || limit == 0) return {};
  return m_impl->guarded("sample_routes", [&] {
    // The seqs are listed here rather than filtered in SQL (seq % step = 0 would read the whole
    // partition): `seq = any(...)` with batch_id is a lookup on the primary key of the one
    // partition of each table. seq is an int, so i * accepted < 2^62 fits.
    const std::uint64_t n = std::min<std::uint64_t>(limit, accepted);
    std::string seqs;
    for (std::uint64_t i = 0; i < n; ++i) append_array_element(seqs, i * accepted / n);
    pqxx::nontransaction txn(m_impl->main());
    const auto r = txn.exec_params(
        "select j.seq, j.origin, j.destination, j.origin_lat_e7, j.origin_lon_e7,"
        "       j.dest_lat_e7, j.dest_lon_e7, r.status, r.polyline"
        "  from jobs j"
        "  left join routes r on r.batch_id = $1 and r.seq = j.seq"
        " where j.batch_id = $1 and j.seq = any($2::int[])"
        " order by j.seq",
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

}  // namespace waybill::dispatcher
