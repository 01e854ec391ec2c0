// The PostgreSQL store against a real server. Labelled `db`: needs $WAYBILL_DB (a libpq
// conninfo in keyword=value form), which ops/test.sh sets after starting a private PostgreSQL.
// Without it every test fails, never skips.
//
// Each test works in a schema of its own (STYLE.md 22), created in WAYBILL_DB's database and
// dropped at the end: the store names its tables unqualified, so a connection whose search_path
// is that schema sees only the test's tables. (A database per test was the first choice, but
// creating and dropping one costs about 0.5 s of fsyncs, which alone would take this suite over
// its 15 s budget.)
#include "dispatcher/store.h"

#include "common/sha256.h"
#include "dispatcher/async_store.h"
#include "dispatcher/migrations.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <unistd.h>

#include <pqxx/pqxx>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

namespace waybill::dispatcher {
namespace {

constexpr const char* kNoDatabase =
    "run the tests through ops/test.sh, which starts a private PostgreSQL";

using wire::JobOutcome;
using wire::JobStatus;

// Order ids that break naive COPY, CSV or SQL quoting.
const std::vector<std::string> kNastyOrderIds = {
    "tab\there", "back\\slash", "\\N", "\\.", "quote\"d", "it's", "comma,separated",
    "new\nline", "carriage\rreturn", "Zürich→東京😀", "  spaced  ", "--; drop table jobs;",
};

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* base = std::getenv("WAYBILL_DB");
    ASSERT_TRUE(base != nullptr && *base != '\0') << "WAYBILL_DB not set: " << kNoDatabase;
    const std::string conninfo = base;
    ASSERT_EQ(conninfo.find("://"), std::string::npos)
        << "WAYBILL_DB must be a keyword=value conninfo, not a URI: " << conninfo;
    try {
      m_admin = std::make_unique<pqxx::connection>(conninfo);
    } catch (const std::exception& e) {
      FAIL() << "cannot connect to WAYBILL_DB=\"" << conninfo << "\": " << e.what() << "; "
             << kNoDatabase;
    }
    static int counter = 0;
    m_schema = "wbtest_" + std::to_string(::getpid()) + "_" + std::to_string(++counter);
    pqxx::nontransaction admin(*m_admin);
    admin.exec("drop schema if exists " + m_schema + " cascade");
    admin.exec("create schema " + m_schema);
    m_created = true;
    // In keyword=value form the last setting wins. The application name lets a test find the
    // store's sessions among those of tests running in parallel.
    m_conninfo = conninfo + " options='-c search_path=" + m_schema + "' application_name=" +
                 m_schema;
  }

  void TearDown() override {
    m_store.reset();
    m_sql.reset();
    if (!m_created) return;
    try {
      pqxx::nontransaction admin(*m_admin);
      admin.exec("drop schema if exists " + m_schema + " cascade");
    } catch (const std::exception& e) {
      ADD_FAILURE() << "could not drop schema " << m_schema << ": " << e.what();
    }
  }

  // The store under test, migrated.
  Store& store() {
    if (!m_store) {
      m_store = std::make_unique<Store>(m_conninfo);
      m_store->migrate();
    }
    return *m_store;
  }

  // A plain connection to the test database, for checking what the store wrote.
  pqxx::connection& sql() {
    if (!m_sql) m_sql = std::make_unique<pqxx::connection>(m_conninfo);
    return *m_sql;
  }

  pqxx::result query(const std::string& text) {
    pqxx::nontransaction txn(sql());
    return txn.exec(text);
  }

  std::int64_t count(const std::string& text) { return query(text)[0][0].as<std::int64_t>(); }

  /// The plan of `select`, a line a row.
  static std::string explain(pqxx::transaction_base& txn, const std::string& select) {
    std::string plan;
    for (const auto& row : txn.exec("explain " + select)) plan.append(row[0].c_str()).append("\n");
    return plan;
  }

  // Graph "tiny": a -> b -> c, a -> c, c -> a, with coordinates.
  GraphInfo import_tiny(const std::string& name = "tiny", const std::string& hash = "h1") {
    return store().import_graph(name, hash, tiny_bytes(), {101, 102, 103},
                                {{-73'000'001, 40'500'000}, {-73'100'000, 40'600'000},
                                 {2'352'222, 48'856'614}},
                                {{101, 102, 10}, {102, 103, 20}, {101, 103, 35}, {103, 101, 7}});
  }

  static std::string tiny_bytes() { return std::string("\0\x01\xff\\x00'\"graph", 13); }

  static std::vector<JobRow> nasty_jobs() {
    std::vector<JobRow> jobs;
    for (std::size_t i = 0; i < kNastyOrderIds.size(); ++i) {
      JobRow job;
      job.seq = static_cast<std::uint32_t>(i);
      job.line = i + 2;
      job.order_id = kNastyOrderIds[i];
      job.origin = 101;
      job.destination = i % 2 == 0 ? 103 : 102;
      if (i == 0) {
        job.weight_kg = 12.5;
        job.due_at = "2020-11-11T08:30:00+08:00";
        job.priority = 2;
      }
      jobs.push_back(job);
    }
    return jobs;
  }

  // Jobs 0..n-1 from node 101 to 102 + (seq % 2).
  static std::vector<JobRow> simple_jobs(std::uint32_t n) {
    std::vector<JobRow> jobs;
    for (std::uint32_t i = 0; i < n; ++i) {
      std::string order_id = std::to_string(i);
      order_id.insert(0, 1, 'J');  // not "J" + ...: GCC 12 -O3 warns falsely (bug 105329)
      jobs.push_back(JobRow{i, i + 2, order_id, 101, 102 + (i % 2), {}, {}, {}});
    }
    return jobs;
  }

  /// The database as migration `last` left it: the migrations up to `last` applied as
  /// Store::migrate applies them (each in a transaction of its own, recorded in
  /// schema_migrations), none after it; store() applies the rest. A migration's test writes the
  /// rows an older dispatcher would have written by SQL, in that version's shape, so that it
  /// does not depend on the tables' shape today.
  void migrate_through(std::string_view last) {
    query("create table if not exists schema_migrations ("
          " name text primary key, applied_at timestamptz not null default now())");
    for (std::size_t i = 0; i < detail::kMigrationCount; ++i) {
      const detail::Migration& m = detail::kMigrations[i];
      pqxx::work txn(sql());
      // As Store::migrate: not beside another test's migrations (0017 alters the database).
      txn.exec("select pg_advisory_xact_lock(" + std::to_string(detail::kMigrateLockKey) + ")");
      if (txn.exec_params("select from schema_migrations where name = $1", m.name).empty()) {
        txn.exec("set local client_min_messages = warning");
        txn.exec(m.sql, m.name);
        txn.exec_params("insert into schema_migrations (name) values ($1)", m.name);
        txn.commit();
      }
      if (last == m.name) return;
    }
    FAIL() << "no migration " << last;
  }

  /// A batch of `accepted` jobs (none stored yet) on a graph of its own, as the first versions
  /// stored them: its id, for SQL.
  std::string old_batch(const std::string& hash, int accepted, int chunk_size) {
    return query("with g as (insert into graphs (name, hash, num_nodes, num_arcs, bytes)"
                 "           values ('g-" + hash + "', '', 3, 3, '') returning id)"
                 " insert into batches (hash, graph_id, file_name, chunk_size, accepted)"
                 " select '" + hash + "', g.id, '" + hash + ".csv', " +
                 std::to_string(chunk_size) + ", " + std::to_string(accepted) +
                 " from g returning id")[0][0]
        .as<std::string>();
  }

  // Submits a whole batch and returns its id.
  std::int64_t submit(const std::string& hash, const std::vector<JobRow>& jobs,
                      std::uint32_t chunk_size = 4, const std::vector<RejectRow>& rejects = {}) {
    const auto tiny = store().find_graph("tiny");
    const std::int64_t graph_id = tiny ? tiny->id : import_tiny().id;
    std::string file_name = hash;
    file_name.append(".csv");
    const std::int64_t id = store().begin_batch(hash, graph_id, file_name, chunk_size);
    store().add_jobs(id, jobs);
    store().add_rejects(id, rejects);
    store().commit_batch(id, jobs.size(), rejects.size(), chunk_size);
    return id;
  }

  // Outcomes for seq in [first, first + n): ok with cost 100 + seq, except every third
  // unreachable.
  static ChunkRoutes routes(std::int64_t batch_id, std::uint32_t chunk, std::uint32_t first,
                            std::uint32_t n, std::int64_t worker_id) {
    ChunkRoutes result{batch_id, chunk, worker_id, {}};
    for (std::uint32_t seq = first; seq < first + n; ++seq) {
      result.outcomes.push_back(seq % 3 == 2 ? JobOutcome{seq, JobStatus::unreachable, 0, 0}
                                             : JobOutcome{seq, JobStatus::ok, 100 + seq, 2});
    }
    return result;
  }

  std::string m_conninfo;
  std::string m_schema;
  bool m_created = false;
  std::unique_ptr<pqxx::connection> m_admin;
  std::unique_ptr<pqxx::connection> m_sql;
  std::unique_ptr<Store> m_store;
};

// ---- migrations -----------------------------------------------------------------------------

TEST_F(StoreTest, MigrateTwiceIsANoOp) {
  store();
  const auto applied = query("select name, applied_at from schema_migrations order by name");
  ASSERT_EQ(applied.size(), detail::kMigrationCount);
  EXPECT_EQ(applied[0][0].as<std::string>(), "0001_graphs");
  EXPECT_EQ(applied[10][0].as<std::string>(), "0011_wide_seqs");
  EXPECT_TRUE(store().pending_migrations().empty());
  store().migrate();
  Store(m_conninfo).migrate();
  const auto again = query("select name, applied_at from schema_migrations order by name");
  ASSERT_EQ(again.size(), detail::kMigrationCount);
  for (std::size_t i = 0; i < again.size(); ++i) {
    EXPECT_EQ(again[i][1].as<std::string>(), applied[i][1].as<std::string>());
  }
  EXPECT_EQ(count("select count(*) from route_status"), 6);  // ok .. unsnappable, cancelled
}

TEST_F(StoreTest, ConcurrentMigrationsDoNotRace) {
  std::vector<std::thread> threads;
  std::vector<std::string> errors(4);
  for (std::size_t i = 0; i < errors.size(); ++i) {
    threads.emplace_back([&, i] {
      try {
        Store(m_conninfo).migrate();
      } catch (const std::exception& e) {
        errors[i] = e.what();
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (const auto& error : errors) EXPECT_EQ(error, "");
  EXPECT_EQ(count("select count(*) from schema_migrations"),
            static_cast<std::int64_t>(detail::kMigrationCount));
}

// ---- graphs ---------------------------------------------------------------------------------

TEST_F(StoreTest, KeepsAGraphsHierarchyBesideIt) {
  const GraphInfo tiny = import_tiny();
  EXPECT_FALSE(store().has_hierarchy(tiny.id));
  EXPECT_FALSE(store().hierarchy(tiny.id));
  const std::string bytes("CH\0binary\xff", 11);
  store().store_hierarchy(tiny.id, bytes, 7, 0.5);
  EXPECT_TRUE(store().has_hierarchy(tiny.id));
  auto blob = store().hierarchy(tiny.id);
  ASSERT_TRUE(blob);
  EXPECT_EQ(blob->bytes, bytes);
  EXPECT_EQ(blob->hash, sha256_hex(bytes));
  store().store_hierarchy(tiny.id, "again", 8, 0.25);  // built again: replaced
  EXPECT_EQ(store().hierarchy(tiny.id)->bytes, "again");
  EXPECT_EQ(count("select count(*) from graph_hierarchies"), 1);
  EXPECT_THROW(store().store_hierarchy(tiny.id + 1, bytes, 1, 1), StoreError);  // no such graph
}

TEST_F(StoreTest, ImportsAGraphAndFindsIt) {
  const GraphInfo tiny = import_tiny();
  EXPECT_GT(tiny.id, 0);
  EXPECT_EQ(tiny.num_nodes, 3);
  EXPECT_EQ(tiny.num_arcs, 4);

  const auto found = store().find_graph("tiny");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->id, tiny.id);
  EXPECT_EQ(found->hash, "h1");
  EXPECT_EQ(found->num_arcs, 4);
  EXPECT_FALSE(store().find_graph("other"));
  ASSERT_TRUE(store().graph_by_id(tiny.id));
  EXPECT_EQ(store().graph_by_id(tiny.id)->name, "tiny");
  EXPECT_FALSE(store().graph_by_id(tiny.id + 1));
  EXPECT_EQ(store().graph_bytes(tiny.id), tiny_bytes());
  EXPECT_THROW(store().graph_bytes(tiny.id + 1), StoreError);

  const auto nodes = query("select node_id, lon, lat from graph_nodes order by node_id");
  ASSERT_EQ(nodes.size(), 3u);
  EXPECT_EQ(nodes[0][0].as<std::int64_t>(), 101);
  EXPECT_EQ(nodes[0][1].as<double>(), -73.000001);
  EXPECT_EQ(nodes[0][2].as<double>(), 40.5);
  EXPECT_EQ(nodes[2][1].as<double>(), 2.352222);
  const auto edges = query(
      "select id, source, target, cost, reverse_cost from graph_edges where graph_id = " +
      std::to_string(tiny.id) + " order by id");
  ASSERT_EQ(edges.size(), 4u);
  const std::vector<std::tuple<int, int, int, double>> expected = {
      {1, 101, 102, 10}, {2, 102, 103, 20}, {3, 101, 103, 35}, {4, 103, 101, 7}};
  for (std::size_t i = 0; i < edges.size(); ++i) {
    EXPECT_EQ(edges[i][0].as<int>(), std::get<0>(expected[i]));
    EXPECT_EQ(edges[i][1].as<int>(), std::get<1>(expected[i]));
    EXPECT_EQ(edges[i][2].as<int>(), std::get<2>(expected[i]));
    EXPECT_EQ(edges[i][3].as<double>(), std::get<3>(expected[i]));
    EXPECT_EQ(edges[i][4].as<double>(), -1);
  }
}

TEST_F(StoreTest, GraphWithoutCoordinatesHasNullLonLat) {
  const GraphInfo g = store().import_graph("bare", "hb", "x", {1, 2}, {}, {{1, 2, 5}});
  EXPECT_EQ(count("select count(*) from graph_nodes where graph_id = " + std::to_string(g.id) +
                  " and lon is null and lat is null"),
            2);
}

TEST_F(StoreTest, EdgeTableFeedsPgRoutingDirectly) {
  const GraphInfo tiny = import_tiny();
  {
    // pgRouting lives in public, once per database; tests run in parallel (as in
    // tests/router/pgrouting_crosscheck_test.cpp, with the same lock).
    pqxx::work txn(*m_admin);
    txn.exec("select pg_advisory_xact_lock(20261125)");
    txn.exec("create extension if not exists pgrouting schema public cascade");
    txn.commit();
  }
  query("set search_path = " + m_schema + ", public");
  const auto path = query(
      "select agg_cost from pgr_dijkstra("
      "'select id, source, target, cost from graph_edges where graph_id = " +
      std::to_string(tiny.id) + "', 101, 103) order by seq desc limit 1");
  ASSERT_EQ(path.size(), 1u);
  EXPECT_EQ(path[0][0].as<double>(), 30);  // 101 -> 102 -> 103, not the direct 35
  // Directed: 103 -> 102 goes through 101.
  EXPECT_EQ(query("select max(agg_cost) from pgr_dijkstra("
                  "'select id, source, target, cost from graph_edges where graph_id = " +
                  std::to_string(tiny.id) + "', 103, 102)")[0][0]
                .as<double>(),
            17);
}

TEST_F(StoreTest, ImportingTheSameGraphAgainReturnsIt) {
  const GraphInfo first = import_tiny();
  const GraphInfo again = import_tiny();
  EXPECT_EQ(again.id, first.id);
  EXPECT_EQ(again.num_nodes, 3);
  EXPECT_EQ(count("select count(*) from graph_edges"), 4);
  try {
    import_tiny("tiny", "h2");
    FAIL() << "expected StoreError";
  } catch (const StoreError& e) {
    EXPECT_EQ(e.kind(), StoreError::Kind::permanent);
    EXPECT_NE(std::string(e.what()).find("graph 'tiny' exists with hash h1"), std::string::npos)
        << e.what();
  }
  EXPECT_EQ(count("select count(*) from graphs"), 1);
}

// ---- submit ---------------------------------------------------------------------------------

TEST_F(StoreTest, SubmitStoresJobsAndRejectsVerbatim) {
  const std::vector<JobRow> jobs = nasty_jobs();
  const std::vector<RejectRow> rejects = {
      {3, "a\tb\\c,\"d\"\r", "wrong column count: expected 3, got 2"},
      {9, std::string("nul\0byte and caf\xE9", 17), "NUL byte in line"},
  };
  const std::int64_t id = submit("hash-nasty", jobs, 4, rejects);

  const auto rows = query(
      "select batch_id, order_id, origin, destination, cost, hops, status, worker, routed_at,"
      "       line, seq"
      "  from job_routes where batch_id = " + std::to_string(id) + " order by seq");
  ASSERT_EQ(rows.size(), jobs.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i]["order_id"].as<std::string>(), jobs[i].order_id) << "seq " << i;
    EXPECT_EQ(rows[i]["status"].as<std::string>(), "pending");
    EXPECT_TRUE(rows[i]["cost"].is_null());
    EXPECT_TRUE(rows[i]["worker"].is_null());
    EXPECT_EQ(rows[i]["line"].as<std::uint64_t>(), jobs[i].line);
    EXPECT_EQ(rows[i]["destination"].as<std::int64_t>(), jobs[i].destination);
  }
  const auto first = query(
      "select weight_kg, due_at = '2020-11-11 00:30:00+00', priority from jobs"
      " where batch_id = " + std::to_string(id) + " and seq = 0");
  EXPECT_EQ(first[0][0].as<double>(), 12.5);
  EXPECT_TRUE(first[0][1].as<bool>());
  EXPECT_EQ(first[0][2].as<int>(), 2);
  EXPECT_EQ(count("select count(*) from jobs where weight_kg is null and due_at is null"
                  " and priority is null"),
            static_cast<std::int64_t>(jobs.size()) - 1);

  const auto stored = query("select line, raw, reason from rejects order by line");
  ASSERT_EQ(stored.size(), 2u);
  EXPECT_EQ(stored[0][1].as<std::string>(), rejects[0].raw);
  EXPECT_EQ(stored[0][2].as<std::string>(), rejects[0].reason);
  EXPECT_EQ(stored[1][1].as<std::string>(), "nul\xEF\xBF\xBD" "byte and caf\xEF\xBF\xBD");

  const auto batch = query("select accepted, rejected, file_name, chunk_size from batches");
  EXPECT_EQ(batch[0][0].as<std::size_t>(), jobs.size());
  EXPECT_EQ(batch[0][1].as<int>(), 2);
  EXPECT_EQ(batch[0][2].as<std::string>(), "hash-nasty.csv");
  EXPECT_EQ(batch[0][3].as<int>(), 4);
  // The partitions are attached: dropping a batch is one statement per table.
  const std::string b = std::to_string(id);
  EXPECT_EQ(count("select count(*) from pg_inherits i join pg_class c on c.oid = i.inhrelid"
                  " where c.relnamespace = current_schema()::regnamespace"
                  "   and c.relname in ('job_keys_b" + b + "', 'job_blocks_b" + b + "', 'route_blocks_b" +
                  b + "', 'rejects_b" + b + "')"),
            4);
}

TEST_F(StoreTest, AbortLeavesNoTrace) {
  const GraphInfo tiny = import_tiny();
  const std::int64_t id = store().begin_batch("hash-a", tiny.id, "a.csv", 4);
  store().add_jobs(id, simple_jobs(10));
  store().abort_batch();
  store().abort_batch();  // harmless
  EXPECT_FALSE(store().batch_by_hash("hash-a"));
  EXPECT_EQ(count("select count(*) from batches"), 0);
  EXPECT_EQ(count("select count(*) from jobs"), 0);
  EXPECT_EQ(count("select count(*) from pg_tables where schemaname = current_schema()"
                  " and tablename like '%\\_b" + std::to_string(id) + "'"),
            0);
  EXPECT_THROW(store().add_jobs(id, simple_jobs(1)), StoreError);  // no submit open

  // The same file can be submitted afterwards.
  const std::int64_t again = submit("hash-a", simple_jobs(3));
  EXPECT_EQ(store().batch_by_hash("hash-a"), again);
}

TEST_F(StoreTest, FailedSubmitIsRolledBack) {
  const GraphInfo tiny = import_tiny();
  // A bad row fails the call and rolls the submit back.
  std::int64_t id = store().begin_batch("hash-f", tiny.id, "f.csv", 4);
  std::vector<JobRow> jobs = simple_jobs(3);
  jobs[1].order_id = std::string("nul\0", 4);
  try {
    store().add_jobs(id, jobs);
    FAIL() << "expected StoreError";
  } catch (const StoreError& e) {
    EXPECT_EQ(e.kind(), StoreError::Kind::permanent);
    EXPECT_NE(std::string(e.what()).find("line 3: NUL byte in order_id"), std::string::npos)
        << e.what();
  }
  EXPECT_THROW(store().commit_batch(id, 3, 0, 4), StoreError);  // rolled back already
  store().abort_batch();
  EXPECT_FALSE(store().batch_by_hash("hash-f"));

  // A seq outside its segment's range is found when the segment is attached, at commit.
  id = store().begin_batch("hash-f", tiny.id, "f.csv", 4);
  jobs = simple_jobs(3);
  jobs[2].seq = 3;
  store().add_jobs(id, jobs);
  try {
    store().commit_batch(id, 3, 0, 4);
    FAIL() << "expected StoreError";
  } catch (const StoreError& e) {
    EXPECT_EQ(e.kind(), StoreError::Kind::permanent);
    EXPECT_NE(std::string(e.what()).find("[SQLSTATE 23514]"), std::string::npos) << e.what();
  }
  store().abort_batch();
  EXPECT_FALSE(store().batch_by_hash("hash-f"));
  EXPECT_EQ(count("select count(*) from pg_tables where schemaname = current_schema()"
                  " and tablename ~ '_b[0-9]+'"),
            0);

  const std::int64_t again = submit("hash-f", simple_jobs(2));
  EXPECT_EQ(store().batch_by_hash("hash-f"), again);
}

TEST_F(StoreTest, BatchByHashFindsCommittedBatches) {
  EXPECT_FALSE(store().batch_by_hash("hash-1"));
  const std::int64_t one = submit("hash-1", simple_jobs(2));
  const std::int64_t two = submit("hash-2", simple_jobs(2));
  EXPECT_NE(one, two);
  EXPECT_EQ(store().batch_by_hash("hash-1"), one);
  EXPECT_EQ(store().batch_by_hash("hash-2"), two);
  // A second batch of the same content is refused by the database as well.
  EXPECT_THROW(submit("hash-1", simple_jobs(2)), StoreError);
}

TEST_F(StoreTest, ABatchBegunByItsHeadIsFoundByItAndNamedByItsLastSegment) {
  const GraphInfo tiny = import_tiny();
  EXPECT_TRUE(store().batches_by_head("head-a").empty());
  const std::int64_t id = store().begin_batch("", tiny.id, "a.csv", 4, {}, "head-a");
  const std::vector<JobRow> jobs = simple_jobs(12);
  store().add_jobs(id, {jobs.begin(), jobs.begin() + 8});
  store().commit_segment(id, SegmentEnd{.accepted = 8, .chunk_size = 4, .last_line = 9,
                                        .bytes = 100, .content_hash = "upto-100"});
  auto found = store().batches_by_head("head-a");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].batch.id, id);
  EXPECT_FALSE(found[0].batch.received);
  EXPECT_FALSE(found[0].hashed);
  EXPECT_FALSE(found[0].headless);
  EXPECT_EQ(found[0].segment_hash, "upto-100");
  store().abort_batch();  // the client went away: the batch stays, receiving, unnamed

  // Resumed: where its segments end, with the hash its content had there.
  const SegmentMark mark = store().resume_batch(id);
  EXPECT_EQ(mark.bytes, 100u);
  EXPECT_EQ(mark.content_hash, "upto-100");
  store().add_jobs(id, {jobs.begin() + 8, jobs.end()});
  store().commit_segment(id, SegmentEnd{.accepted = 12, .chunk_size = 4, .last_line = 13,
                                        .bytes = 150, .last = true, .content_hash = "whole-a"});
  EXPECT_EQ(store().batch_by_hash("whole-a"), id);
  found = store().batches_by_head("head-a");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_TRUE(found[0].batch.received);
  EXPECT_TRUE(found[0].hashed);

  // Named at its begin, a batch whose last segment says another hash is refused; a batch
  // with no head (stored before 0015) is listed with every head, as one that may be it.
  const std::int64_t named = store().begin_batch("whole-b", tiny.id, "b.csv", 4, {}, "head-b");
  store().add_jobs(named, simple_jobs(4));
  EXPECT_THROW(store().commit_segment(named, SegmentEnd{.accepted = 4, .chunk_size = 4,
                                                        .last_line = 5, .bytes = 50, .last = true,
                                                        .content_hash = "whole-c"}),
               StoreError);
  store().abort_batch();
  EXPECT_FALSE(store().batch_by_hash("whole-b"));
  const std::int64_t old = submit("hash-before-0015", simple_jobs(2));
  found = store().batches_by_head("head-a");
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0].batch.id, id);
  EXPECT_EQ(found[1].batch.id, old);
  EXPECT_TRUE(found[1].headless);
}

// The submit runs on a connection of its own and locks jobs, routes and rejects only at commit:
// routing, inspection and other stores go on while a file is being received.
TEST_F(StoreTest, OpenSubmitBlocksNeitherRoutingNorReaders) {
  const std::int64_t first = submit("hash-1", simple_jobs(8));
  const std::int64_t open = store().begin_batch("hash-2", store().find_graph("tiny")->id,
                                                "2.csv", 4);
  store().add_jobs(open, simple_jobs(5));

  EXPECT_EQ(store().read_jobs(first, 0, 4).size(), 4u);
  store().record_routes({routes(first, 0, 0, 4, 0)});
  query("set statement_timeout = '2s'");
  EXPECT_EQ(count("select count(*) from job_routes where batch_id = " + std::to_string(first) +
                  " and status <> 'pending'"),
            4);
  EXPECT_EQ(count("select count(*) from job_routes"), 8);  // the open batch is not visible
  EXPECT_EQ(store().batch_status(0).size(), 1u);

  store().commit_batch(open, 5, 0, 4);
  EXPECT_EQ(count("select count(*) from job_routes"), 13);
}

// ---- routing --------------------------------------------------------------------------------

TEST_F(StoreTest, ReadJobsReturnsTheRange) {
  const std::int64_t id = submit("hash-r", simple_jobs(10));
  const auto first = store().read_jobs(id, 0, 4);
  ASSERT_EQ(first.size(), 4u);
  for (std::uint32_t i = 0; i < 4; ++i) {
    EXPECT_EQ(first[i], (wire::JobSpec{i, 101, 102 + (i % 2)}));
  }
  EXPECT_EQ(store().read_jobs(id, 4, 4).front().seq, 4u);
  const auto last = store().read_jobs(id, 8, 4);
  ASSERT_EQ(last.size(), 2u);
  EXPECT_EQ(last[1].seq, 9u);
  EXPECT_TRUE(store().read_jobs(id, 12, 4).empty());
  EXPECT_TRUE(store().read_jobs(id + 1, 0, 4).empty());
  // The prepared statement keeps working across many calls (generic plan).
  for (int i = 0; i < 8; ++i) EXPECT_EQ(store().read_jobs(id, 2, 3).size(), 3u);
}

// A batch's job and reject rows, and a graph's nodes and edges, are written once into tables
// made in the same transaction: they go in frozen and all-visible (COPY ... FREEZE), so that no
// reader, vacuum or anti-wraparound freeze ever writes their pages again.
TEST_F(StoreTest, FreshPartitionsAreLoadedFrozen) {
  const std::int64_t id = submit("hash-frozen", simple_jobs(5000), 64, {{3, "x", "bad"}});
  {
    pqxx::work txn(sql());
    txn.exec("select pg_advisory_xact_lock(727001)");  // tests run side by side
    txn.exec("create extension if not exists pg_visibility schema public");
    txn.commit();
  }
  const std::string b = std::to_string(id);
  const GraphInfo tiny = *store().find_graph("tiny");
  const std::string g = std::to_string(tiny.id);
  for (const std::string& table : {"job_keys_b" + b + "_s0", "job_blocks_b" + b + "_s0",
                                  "rejects_b" + b, "graph_nodes_g" + g, "graph_edges_g" + g}) {
    const auto r = query("select all_frozen, all_visible,"
                         "       pg_relation_size('" + table + "') / current_setting('block_size')::int"
                         "  from public.pg_visibility_map_summary('" + table + "')");
    const auto pages = r[0][2].as<std::int64_t>();
    EXPECT_GT(pages, 0) << table;
    EXPECT_EQ(r[0][0].as<std::int64_t>(), pages) << table << ": pages not all frozen";
    EXPECT_EQ(r[0][1].as<std::int64_t>(), pages) << table << ": pages not all visible";
  }
  // The routes partition is filled later, by other transactions, and stays a plain table.
  EXPECT_EQ(count("select count(*) from jobs where batch_id = " + b), 5000);
}

TEST_F(StoreTest, AStoredBatchsJobsHaveStatisticsOfTheirKeysButNotOfTheirBlocksArrays) {
  // Without them the planner guesses a chunk's lease read (read_jobs) at 125 rows of a large
  // partition and bitmap-scans and sorts it.
  const std::int64_t id = submit("hash-analyzed", simple_jobs(5000), 64);
  const std::string b = std::to_string(id);
  store().record_routes({routes(id, 0, 0, 64, 0), routes(id, 1, 64, 64, 0)});
  query("analyze route_blocks_b" + b);
  // The blocks' arrays are left out (sql/0018), in the segment and in the routes' partition.
  const auto stats = [&](const std::string& table) {
    return query("select coalesce(string_agg(attname, ' ' order by attname), '') from pg_stats"
                 " where tablename = '" + table + "' and schemaname = current_schema()")[0][0]
        .as<std::string>();
  };
  EXPECT_EQ(stats("job_blocks_b" + b + "_s0"), "batch_id first_seq");
  EXPECT_EQ(stats("route_blocks_b" + b), "batch_id first_seq routed_at worker_id");
  EXPECT_EQ(count("select count(*) from pg_stats where tablename = 'job_keys_b" + b + "_s0'"
                  " and schemaname = current_schema() and attname = 'seq' and histogram_bounds is not null"), 1);
  EXPECT_EQ(count("select count(*) from pg_stats where tablename = 'job_blocks_b" + b + "_s0'"
                  " and schemaname = current_schema() and attname = 'first_seq'"
                  " and histogram_bounds is not null"), 1);
  EXPECT_EQ(count("select count(*) from pg_stat_user_tables where relid in ('job_keys_b" + b +
                  "_s0'::regclass, 'job_blocks_b" + b + "_s0'::regclass) and last_analyze is not null"), 2);
}

// Coordinate jobs at the edges of the range and of the stored precision (1e-7 degree).
std::vector<JobRow> coordinate_jobs() {
  const std::vector<wire::JobPoints> points = {
      {{40.7128345, -74.0060152}, {43.7311, 7.4197}},
      {{-90, -180}, {90, 180}},
      {{-0.0000001, 179.9999999}, {0, -179.9999999}},
  };
  std::vector<JobRow> jobs;
  for (std::uint32_t i = 0; i < points.size(); ++i) {
    JobRow job;
    job.seq = i;
    job.line = i + 2;
    job.order_id = std::to_string(i);
    job.order_id.insert(0, 1, 'C');  // see simple_jobs
    job.points = points[i];
    jobs.push_back(job);
  }
  return jobs;
}

TEST_F(StoreTest, CoordinatesAreStoredInWhole1e7DegreesAndReadBackExactly) {
  const auto jobs = coordinate_jobs();
  const std::int64_t id = submit("hash-coords", jobs);
  const auto read = store().read_jobs(id, 0, 4);
  ASSERT_EQ(read.size(), jobs.size());
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    EXPECT_EQ(read[i].points, jobs[i].points) << i;  // the very same doubles
    EXPECT_EQ(read[i].origin, 0);
  }
  const auto row = query("select origin_lat_e7, origin_lon_e7, dest_lat_e7, dest_lon_e7 from jobs"
                         " where seq = 0");
  EXPECT_EQ(row[0][0].as<std::int32_t>(), 407128345);
  EXPECT_EQ(row[0][1].as<std::int32_t>(), -740060152);
  EXPECT_EQ(row[0][2].as<std::int32_t>(), 437311000);
  EXPECT_EQ(row[0][3].as<std::int32_t>(), 74197000);
  // job_routes shows degrees, as text that reads back as the parsed double.
  const auto shown = query("select origin_lat::text, dest_lon::text from job_routes order by seq");
  EXPECT_EQ(shown[0][0].as<std::string>(), "40.7128345");
  EXPECT_EQ(shown[0][1].as<std::string>(), "7.4197");
  EXPECT_EQ(shown[2][1].as<std::string>(), "-179.9999999");
}

TEST_F(StoreTest, Migration0006MovesDoublePrecisionCoordinatesToWhole1e7Degrees) {
  // A database as 0005 left it, holding a batch of coordinate jobs: coordinates in double
  // precision columns, as the dispatcher wrote the parsed doubles.
  migrate_through("0005_coordinates");
  const std::string b = old_batch("hash-0005", 3, 4);
  query("create table jobs_b" + b + " partition of jobs for values in (" + b + ");"
        "insert into jobs (batch_id, seq, line, order_id, origin_lat, origin_lon, dest_lat,"
        "                  dest_lon)"
        " values (" + b + ", 0, 2, 'C0', 40.7128345, -74.0060152, 43.7311, 7.4197),"
        "        (" + b + ", 1, 3, 'C1', -90, -180, 90, 180),"
        "        (" + b + ", 2, 4, 'C2', -0.0000001, 179.9999999, 0, -179.9999999)");
  migrate_through("0006_coordinates_e7");
  EXPECT_EQ(count("select count(*) from information_schema.columns where table_name = 'jobs'"
                  " and column_name in ('origin_lat', 'origin_lon', 'dest_lat', 'dest_lon')"
                  " and table_schema = current_schema()"),
            0);
  const std::string e7 = "select origin_lat_e7, origin_lon_e7, dest_lat_e7, dest_lon_e7 from jobs"
                         " order by seq";
  const auto moved = query(e7);
  ASSERT_EQ(moved.size(), 3u);
  EXPECT_EQ(moved[0][0].as<std::int32_t>(), 407128345);
  EXPECT_EQ(moved[0][1].as<std::int32_t>(), -740060152);
  EXPECT_EQ(moved[2][0].as<std::int32_t>(), -1);
  EXPECT_EQ(moved[2][3].as<std::int32_t>(), -1799999999);
  const detail::Migration& m0006 = detail::kMigrations[5];
  ASSERT_STREQ(m0006.name, "0006_coordinates_e7");
  query(m0006.sql);  // and again: nothing left to move
  const auto again = query(e7);
  for (std::size_t i = 0; i < moved.size(); ++i) {
    for (int c = 0; c < 4; ++c) EXPECT_STREQ(again[i][c].c_str(), moved[i][c].c_str());
  }

  // The migrations after it keep them: read back as the parsed doubles, shown in degrees.
  const auto read = store().read_jobs(std::stoll(b), 0, 4);
  const auto jobs = coordinate_jobs();
  ASSERT_EQ(read.size(), jobs.size());
  for (std::size_t i = 0; i < jobs.size(); ++i) EXPECT_EQ(read[i].points, jobs[i].points) << i;
  EXPECT_EQ(count("select count(*) from job_routes where origin_lat = 40.7128345"), 1);
}

TEST_F(StoreTest, Migration0011WidensSeqsAndKeepsTheViews) {
  // A database as 0010 left it, holding a batch of 6 jobs in one plain partition (segments
  // came with 0012): int seqs and chunk numbers, and views over them.
  migrate_through("0010_priorities_cancel");
  const std::string b = old_batch("hash-0010", 6, 4);
  query("create table jobs_b" + b + " partition of jobs for values in (" + b + ");"
        "insert into jobs (batch_id, seq, line, order_id, origin, destination)"
        " select " + b + ", s, s + 2, 'J' || s, 101, 102 + s % 2 from generate_series(0, 5) s");
  const std::string views = "('job_routes', 'tour_plan', 'plan_unassigned')";
  const std::string catalog =
      "select c.relname, pg_get_viewdef(c.oid), obj_description(c.oid, 'pg_class')"
      " from pg_class c where c.relkind = 'v' and c.relname in " + views +
      " and c.relnamespace = current_schema()::regnamespace order by 1";
  const auto before = query(catalog);
  ASSERT_EQ(before.size(), 3u);

  migrate_through("0011_wide_seqs");
  EXPECT_EQ(count("select count(*) from information_schema.columns"
                  " where table_schema = current_schema() and data_type = 'bigint' and"
                  " (table_name, column_name) in (('jobs', 'seq'), ('routes', 'seq'),"
                  " ('chunks_done', 'chunk'), ('tour_stops', 'job_seq'), ('plan_misses', 'job_seq'),"
                  " ('job_routes', 'seq'), ('tour_plan', 'job_seq'), ('plan_unassigned', 'job_seq'))"),
            8);
  const auto after = query(catalog);
  ASSERT_EQ(after.size(), before.size());
  for (std::size_t i = 0; i < after.size(); ++i) {
    for (int c = 0; c < 3; ++c) EXPECT_EQ(after[i][c].c_str(), std::string(before[i][c].c_str()));
  }
  EXPECT_EQ(count("select count(*) from job_routes where batch_id = " + b), 6);
  {
    pqxx::work txn(sql());
    txn.exec("set local role waybill_reader");  // the views made again are granted as before
    EXPECT_EQ(txn.exec("select count(*) from tour_plan")[0][0].as<int>(), 0);
  }
  store();  // and on to today's schema
  EXPECT_EQ(count("select count(*) from job_routes where batch_id = " + b), 6);
}

TEST_F(StoreTest, Migration0013StoresTheRoutesSoFarInBlocksAndShowsThemAsBefore) {
  // A database as 0012 left it, holding a batch of 150 jobs in chunks of 100 (stored before
  // segments, in one plain partition) and its routes a row each, in a partition of the batch's:
  // chunk 0 routed, some with a path, a failure with its detail; chunk 1 not yet.
  migrate_through("0011_wide_seqs");
  const std::string b = old_batch("hash-0013", 150, 100);
  query("create table jobs_b" + b + " partition of jobs for values in (" + b + ");"
        "insert into jobs (batch_id, seq, line, order_id, origin, destination)"
        " select " + b + ", s, s + 2, 'J' || s, 101, 102 + s % 2 from generate_series(0, 149) s");
  migrate_through("0012_segments");
  query("create table routes_b" + b + " partition of routes for values in (" + b + ");"
        "insert into routes (batch_id, seq, status, cost, hops, worker_id, distance_m, polyline,"
        " detail)"
        " select " + b + ", s, case when s = 70 then 3 else 0 end,"
        "        case when s = 70 then null else 1000 + s end,"
        "        case when s = 70 then null else s % 7 end, 4,"
        "        case when s = 70 then null else s * 1.5 end,"
        "        case when s % 10 = 0 then 'p{\"' || s || '\\' end,"
        "        case when s = 70 then 'lost, \"badly\"' end"
        " from generate_series(0, 99) s");
  const std::string columns = "seq, status, cost, hops, worker_id, distance_m, origin_snap_m,"
                              " dest_snap_m, polyline, detail";
  const auto before = query("select " + columns + " from routes order by seq");
  ASSERT_EQ(before.size(), 100u);

  migrate_through("0013_route_blocks");
  EXPECT_EQ(query("select string_agg(first_seq || ':' || cardinality(status), ' '"
                  " order by first_seq) from route_blocks_b" + b)[0][0]
                .as<std::string>(),
            "0:64 64:36");
  const auto after = query("select " + columns + " from routes order by seq");
  ASSERT_EQ(after.size(), before.size());
  for (std::size_t i = 0; i < after.size(); ++i) {
    for (int c = 0; c < 10; ++c) {
      EXPECT_EQ(after[i][c].is_null(), before[i][c].is_null()) << i << " " << c;
      if (!before[i][c].is_null()) {
        EXPECT_EQ(after[i][c].as<std::string>(), before[i][c].as<std::string>()) << i << " " << c;
      }
    }
  }
  EXPECT_EQ(count("select count(*) from job_routes where status = 'pending'"), 50);
  EXPECT_EQ(count("select count(*) from job_routes where status = 'failed'"), 1);
  // New routes go in blocks beside the converted ones.
  store().record_routes({routes(std::stoll(b), 1, 100, 50, 0)});
  EXPECT_EQ(count("select count(*) from routes"), 150);
  EXPECT_EQ(count("select count(*) from job_routes where status = 'pending'"), 0);
}

TEST_F(StoreTest, Migration0016PacksTheOrderIdIndexOfEveryBatch) {
  // A database as 0015 left it, holding a batch of 150 jobs as the dispatcher stored them then:
  // the batch's partition of segments, each with the order-id index of 0014 (B-tree's default
  // fillfactor), built when it was attached.
  migrate_through("0015_head_hash");
  const std::string b = old_batch("hash-0016", 150, 100);
  query("create table jobs_b" + b + " partition of jobs for values in (" + b + ")"
        " partition by range (seq);"
        "create table jobs_b" + b + "_s0 partition of jobs_b" + b + " for values from (0) to (150);"
        "insert into jobs (batch_id, seq, line, order_id, origin, destination)"
        " select " + b + ", s, s + 2, 'J' || s, 101, 102 + s % 2 from generate_series(0, 149) s;"
        "insert into batch_segments (batch_id, segment, first_seq, jobs, rejects, last_line, bytes)"
        " values (" + b + ", 0, 0, 150, 0, 151, 0);"
        "update batches set received_at = now() where id = " + b);
  const std::string packed =
      "select count(*) from pg_index i join pg_class c on c.oid = i.indexrelid"
      " where i.indrelid in (select relid from pg_partition_tree('jobs'))"
      "   and c.relam = (select oid from pg_am where amname = 'btree')"
      "   and c.reloptions @> array['fillfactor=100']";
  ASSERT_EQ(count(packed), 0);

  migrate_through("0016_order_ids_packed");
  // The parent's, the batch's and its segment's.
  EXPECT_EQ(count(packed), 3);
  const std::string lookup =
      "select seq from jobs where batch_id = " + b + " and order_id = 'J77'";
  {
    pqxx::work txn(sql());
    txn.exec("set local enable_seqscan = off");  // 150 jobs: show that the index serves
    const std::string plan = explain(txn, lookup);
    EXPECT_NE(plan.find("order_id_idx"), std::string::npos) << plan;
  }
  EXPECT_EQ(count(lookup), 77);
}

TEST_F(StoreTest, Migration0017StoresTheJobsSoFarAsKeysAndBlocksAndShowsThemAsBefore) {
  // A database as 0016 left it, holding a batch received whole in two segments (100 and 50
  // jobs, every field filled somewhere, order ids COPY and arrays must escape) and a batch
  // still being received (one segment of 10 jobs), each in the batch's partition of segments.
  migrate_through("0016_order_ids_packed");
  const std::string a = old_batch("hash-0017-a", 150, 100);
  const std::string r = old_batch("hash-0017-r", 10, 4);
  const auto segmented = [&](const std::string& b, const std::string& bounds) {
    query("create table jobs_b" + b + " partition of jobs for values in (" + b + ")"
          " partition by range (seq);"
          "create table jobs_b" + b + "_s0 partition of jobs_b" + b + " for values " + bounds);
  };
  segmented(a, "from (0) to (100)");
  query("create table jobs_b" + a + "_s1 partition of jobs_b" + a + " for values from (100) to (150)");
  segmented(r, "from (0) to (10)");
  query("insert into jobs (batch_id, seq, line, order_id, origin, destination, weight_kg, due_at,"
        "                  priority, origin_lat_e7, origin_lon_e7, dest_lat_e7, dest_lon_e7,"
        "                  ready_at, service_s)"
        " select " + a + ", s, s + 2,"
        "        case s when 3 then e'tab\\there' when 4 then 'back\\slash' when 5 then '{\"a\",b}'"
        "               when 6 then 'Zürich→東京' else 'J' || s end,"
        "        case when s < 120 then 101 end, case when s < 120 then 102 + s % 2 end,"
        "        case when s % 3 = 0 then s * 0.5 end,"
        "        case when s % 5 = 0 then '2020-11-11 08:30:00+08'::timestamptz + s * interval '1 min' end,"
        "        case when s % 7 = 0 then s % 4 end,"
        "        case when s >= 120 then 407128345 + s end, case when s >= 120 then -740060152 end,"
        "        case when s >= 120 then 437311000 end, case when s >= 120 then 74197000 - s end,"
        "        case when s % 11 = 0 then '2020-11-11 07:00:00+08'::timestamptz end,"
        "        case when s % 13 = 0 then 60 + s end"
        " from generate_series(0, 149) s;"
        "insert into jobs (batch_id, seq, line, order_id, origin, destination)"
        " select " + r + ", s, s + 2, 'R' || s, 101, 102 from generate_series(0, 9) s;"
        "insert into batch_segments (batch_id, segment, first_seq, jobs, rejects, last_line, bytes)"
        " values (" + a + ", 0, 0, 100, 0, 101, 1000), (" + a + ", 1, 100, 50, 0, 151, 1500),"
        "        (" + r + ", 0, 0, 10, 0, 11, 100);"
        "update batches set received_at = now() where id = " + a);
  const std::string all = "select * from jobs order by batch_id, seq";
  const std::string columns = "select string_agg(attname || ' ' || format_type(atttypid, atttypmod),"
                              " ', ' order by attnum) from pg_attribute"
                              " where attrelid = 'jobs'::regclass and attnum > 0 and not attisdropped";
  const auto before = query(all);
  const auto before_columns = query(columns)[0][0].as<std::string>();
  ASSERT_EQ(before.size(), 160u);

  store();  // 0017
  const auto after = query(all);
  EXPECT_EQ(query(columns)[0][0].as<std::string>(), before_columns);
  ASSERT_EQ(after.size(), before.size());
  for (std::size_t i = 0; i < after.size(); ++i) {
    for (int c = 0; c < static_cast<int>(before.columns()); ++c) {
      EXPECT_EQ(after[i][c].is_null(), before[i][c].is_null()) << i << " " << c;
      EXPECT_STREQ(after[i][c].c_str(), before[i][c].c_str()) << i << " " << c;
    }
  }
  // Blocks start at each segment's first seq; keys lie in order of order id.
  EXPECT_EQ(query("select string_agg(first_seq || ':' || cardinality(line), ' ' order by first_seq)"
                  " from job_blocks where batch_id = " + a)[0][0].as<std::string>(),
            "0:64 64:36 100:50");
  EXPECT_EQ(count("select count(*) from (select order_id, lag(order_id) over (order by ctid) as prev"
                  " from job_keys_b" + a + "_s0) k where prev > order_id"),
            0);
  {
    pqxx::work txn(sql());
    txn.exec("set local enable_seqscan = off");
    const std::string lookup = "select seq, line from job_routes where batch_id = " + a +
                               " and order_id = 'Zürich→東京'";
    const std::string plan = explain(txn, lookup);
    EXPECT_NE(plan.find("order_id_idx"), std::string::npos) << plan;
    const auto found = txn.exec(lookup);
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(found[0][1].as<int>(), 8);
  }
  const auto read = store().read_jobs(std::stoll(a), 96, 29);  // across both segments
  ASSERT_EQ(read.size(), 29u);
  EXPECT_EQ(read.front().seq, 96u);
  EXPECT_EQ(read.back().seq, 124u);
  EXPECT_EQ(read[23].origin, 101);  // seq 119, by nodes
  ASSERT_TRUE(read[24].points.has_value());  // seq 120, by coordinates
  EXPECT_EQ(read[24].points->origin.lat, 40.7128465);
  EXPECT_EQ(read[24].points->destination.lon, 7.419688);

  // The batch being received goes on with its next segment beside the converted one.
  const std::int64_t resumed = std::stoll(r);
  const SegmentMark mark = store().resume_batch(resumed);
  EXPECT_EQ(mark.segments, 1u);
  EXPECT_EQ(mark.accepted, 10u);
  std::vector<JobRow> more = simple_jobs(15);
  more.erase(more.begin(), more.begin() + 10);
  store().add_jobs(resumed, more);
  store().commit_segment(resumed, SegmentEnd{.accepted = 15, .chunk_size = 4, .last_line = 16,
                                             .bytes = 150, .last = true});
  EXPECT_EQ(query("select string_agg(order_id, ' ' order by seq) from jobs where batch_id = " + r)[0][0]
                .as<std::string>(),
            "R0 R1 R2 R3 R4 R5 R6 R7 R8 R9 J10 J11 J12 J13 J14");
  EXPECT_EQ(store().read_jobs(resumed, 8, 4).size(), 4u);
}

TEST_F(StoreTest, Migration0018LeavesTheArraysOfEveryBatchsBlocksOutOfTheStatistics) {
  // A database as 0017 left it, with a batch's partitions of job blocks (one segment) and of
  // route blocks made as the dispatcher made them then.
  migrate_through("0017_job_blocks");
  const std::string b = old_batch("hash-0018", 10, 4);
  query("create table job_blocks_b" + b + " partition of job_blocks for values in (" + b + ")"
        " partition by range (first_seq);"
        "create table job_blocks_b" + b + "_s0 partition of job_blocks_b" + b +
        " for values from (0) to (10);"
        "create table route_blocks_b" + b + " partition of route_blocks for values in (" + b + ")");
  // Each table's columns with a statistics target set: none before, the arrays after.
  const std::string targets =
      "select coalesce(string_agg(c.relname || '.' || a.attname, ' '"
      "                           order by c.relname, a.attnum), '')"
      "  from pg_attribute a join pg_class c on c.oid = a.attrelid"
      " where c.relname in ('job_blocks_b" + b + "_s0', 'route_blocks_b" + b + "')"
      "   and c.relnamespace = current_schema()::regnamespace and a.attnum > 0"
      "   and a.attstattarget = 0";
  ASSERT_EQ(query(targets)[0][0].as<std::string>(), "");

  store();  // 0018
  const std::string s0 = "job_blocks_b" + b + "_s0.";
  const std::string routes = "route_blocks_b" + b + ".";
  std::string expected;
  for (const char* column : {"line", "origin", "destination", "weight_kg", "due_at", "priority",
                             "origin_lat_e7", "origin_lon_e7", "dest_lat_e7", "dest_lon_e7",
                             "ready_at", "service_s"}) {
    expected += s0 + column + " ";
  }
  for (const char* column : {"status", "cost", "hops", "distance_m", "origin_snap_m",
                             "dest_snap_m", "polyline", "detail"}) {
    expected += routes + column + " ";
  }
  expected.pop_back();
  EXPECT_EQ(query(targets)[0][0].as<std::string>(), expected);
}

TEST_F(StoreTest, RecordRoutesStoresAChunkOnce) {
  const std::int64_t worker = store().add_worker("host:1", 2);
  const std::int64_t id = submit("hash-rr", simple_jobs(10));  // chunks of 4: 0..3, 4..7, 8..9

  store().record_routes({routes(id, 0, 0, 4, worker)});
  store().record_routes({routes(id, 0, 0, 4, worker)});  // a retry
  // A late duplicate in the same call as a new chunk, and a duplicate within one call.
  store().record_routes({routes(id, 0, 0, 4, worker), routes(id, 2, 8, 2, worker),
                         routes(id, 2, 8, 2, worker)});
  EXPECT_EQ(count("select count(*) from routes"), 6);
  EXPECT_EQ(count("select count(*) from chunks_done"), 2);

  const auto rows = query("select seq, status, cost, hops, worker from job_routes"
                          " where batch_id = " + std::to_string(id) + " order by seq");
  ASSERT_EQ(rows.size(), 10u);
  EXPECT_EQ(rows[0]["status"].as<std::string>(), "ok");
  EXPECT_EQ(rows[0]["cost"].as<std::int64_t>(), 100);
  EXPECT_EQ(rows[0]["hops"].as<int>(), 2);
  EXPECT_EQ(rows[0]["worker"].as<std::string>(), "host:1");
  EXPECT_EQ(rows[2]["status"].as<std::string>(), "unreachable");
  EXPECT_TRUE(rows[2]["cost"].is_null());
  EXPECT_TRUE(rows[2]["hops"].is_null());
  EXPECT_EQ(rows[4]["status"].as<std::string>(), "pending");
  EXPECT_EQ(rows[9]["cost"].as<std::int64_t>(), 109);
  EXPECT_EQ(count("select count(*) from routes where status <> 0 and cost is not null"), 0);

  const auto progress = store().batch_status(static_cast<std::uint64_t>(id));
  ASSERT_EQ(progress.size(), 1u);
  EXPECT_EQ(progress[0].accepted, 10u);
  EXPECT_EQ(progress[0].routed, 6u);
  EXPECT_EQ(progress[0].unreachable, 2u);  // seq 2 and 8
  EXPECT_FALSE(progress[0].finished);
  EXPECT_EQ(progress[0].graph_name, "tiny");
  EXPECT_EQ(progress[0].file_name, "hash-rr.csv");
  EXPECT_EQ(query("select percent from batch_progress")[0][0].as<double>(), 60.0);
}

TEST_F(StoreTest, OneWriteStoresTheRoutesOfSeveralBatchesEachInItsPartition) {
  const std::int64_t a = submit("hash-wa", simple_jobs(8));  // chunks of 4
  const std::int64_t b = submit("hash-wb", simple_jobs(8));
  // Chunks of two batches, interleaved as workers answer them, and a duplicate.
  store().record_routes({routes(b, 1, 4, 4, 0), routes(a, 0, 0, 4, 0), routes(b, 0, 0, 4, 0),
                         routes(a, 1, 4, 4, 0), routes(b, 1, 4, 4, 0)});
  for (const std::int64_t id : {a, b}) {
    // A block a chunk (chunks of 4 are smaller than a block), in the batch's partition.
    const std::string partition = "route_blocks_b" + std::to_string(id);
    EXPECT_EQ(count("select count(*) from " + partition), 2) << partition;
    EXPECT_EQ(count("select sum(cardinality(status)) from " + partition), 8) << partition;
    EXPECT_EQ(count("select count(distinct seq) from routes where batch_id = " +
                    std::to_string(id)),
              8)
        << partition;
  }
  EXPECT_EQ(count("select count(*) from chunks_done"), 4);
  EXPECT_EQ(count("select count(*) from job_routes where status = 'pending'"), 0);
}

TEST_F(StoreTest, RoutesAreStoredInBlocksOf64FromEachChunksStartAndReadBackAJobARow) {
  // Chunks of 100: blocks start at seqs 0, 64, 100, 164 and 200; the last chunk is partial.
  const std::int64_t id = submit("hash-blocks", simple_jobs(230), 100);
  store().record_routes({routes(id, 1, 100, 100, 7), routes(id, 0, 0, 100, 0)});
  EXPECT_EQ(query("select string_agg(first_seq || ':' || cardinality(status), ' '"
                  " order by first_seq) from route_blocks")[0][0]
                .as<std::string>(),
            "0:64 64:36 100:64 164:36");
  // Every routed job once through the views, with its own answer.
  const auto rows = query("select seq, status, cost, hops, worker_id from routes"
                          " where batch_id = " + std::to_string(id) + " order by seq");
  ASSERT_EQ(rows.size(), 200u);
  for (std::uint32_t seq = 0; seq < 200; ++seq) {
    const auto& row = rows[seq];
    ASSERT_EQ(row[0].as<std::uint32_t>(), seq);
    if (seq % 3 == 2) {
      EXPECT_EQ(row[1].as<int>(), 1) << seq;
      EXPECT_TRUE(row[2].is_null()) << seq;
    } else {
      EXPECT_EQ(row[1].as<int>(), 0) << seq;
      EXPECT_EQ(row[2].as<std::int64_t>(), 100 + seq) << seq;
      EXPECT_EQ(row[3].as<int>(), 2) << seq;
    }
    EXPECT_EQ(row[4].is_null(), seq < 100) << seq;
  }
  EXPECT_EQ(count("select count(*) from job_routes where status = 'pending'"), 30);
  EXPECT_EQ(count("select cost from job_routes where batch_id = " + std::to_string(id) +
                  " and order_id = 'J163'"),
            263);
  EXPECT_EQ(count("select count(*) from job_routes where status = 'unreachable'"), 66);
  // Cancelled: the unrouted jobs get blocks of their own, status cancelled.
  EXPECT_EQ(store().cancel_batch(id), 30u);
  EXPECT_EQ(count("select count(*) from routes where status = 5"), 30);
  EXPECT_EQ(count("select count(*) from job_routes where status = 'pending'"), 0);
}

TEST_F(StoreTest, AJobIsFoundByItsOrderIdThroughTheIndexOfEachSegmentsKeysInOrder) {
  // Two segments, so that both the first (indexed when the batch is attached) and a later one
  // (indexed when it is attached itself) are looked at.
  const GraphInfo tiny = import_tiny();
  const std::int64_t id = store().begin_batch("hash-lookup", tiny.id, "lookup.csv", 4);
  const std::vector<JobRow> jobs = simple_jobs(12);
  store().add_jobs(id, {jobs.begin(), jobs.begin() + 8});
  store().commit_segment(id, SegmentEnd{.accepted = 8, .chunk_size = 4, .last_line = 9, .bytes = 100});
  store().add_jobs(id, {jobs.begin() + 8, jobs.end()});
  store().commit_segment(
      id, SegmentEnd{.accepted = 12, .chunk_size = 4, .last_line = 13, .bytes = 150, .last = true});
  store().record_routes({routes(id, 0, 0, 4, 0), routes(id, 2, 8, 4, 0)});
  const std::string b = std::to_string(id);
  pqxx::work txn(sql());
  txn.exec("set local enable_seqscan = off");  // a few rows: show that the indexes serve
  for (const char* order : {"J1", "J10"}) {
    const std::string lookup = "select seq, cost from job_routes where batch_id = " + b +
                               " and order_id = '" + order + "'";
    const std::string plan = explain(txn, lookup);
    EXPECT_NE(plan.find("order_id_idx"), std::string::npos) << plan;
    const auto found = txn.exec(lookup);
    ASSERT_EQ(found.size(), 1u) << order;
    EXPECT_EQ(found[0][1].as<std::int64_t>(), 100 + found[0][0].as<std::int64_t>()) << order;
  }
  // Each segment's keys lie in order of order id (bytewise), which the BRIN index relies on.
  for (const char* segment : {"_s0", "_s1"}) {
    const std::string keys = "job_keys_b" + b + segment;
    EXPECT_EQ(txn.exec("select string_agg(order_id, ' ' order by ctid) from " + keys)[0][0]
                  .as<std::string>(),
              txn.exec("select string_agg(order_id, ' ' order by order_id) from " + keys)[0][0]
                  .as<std::string>());
  }
  EXPECT_EQ(txn.exec("select string_agg(order_id, ' ' order by ctid) from job_keys_b" + b + "_s0")[0][0]
                .as<std::string>(),
            "J0 J1 J2 J3 J4 J5 J6 J7");
  EXPECT_EQ(txn.exec("select string_agg(order_id, ' ' order by ctid) from job_keys_b" + b + "_s1")[0][0]
                .as<std::string>(),
            "J10 J11 J8 J9");
}

TEST_F(StoreTest, ABlockWithDistancesAndSnapsIsStoredPlainNotCompressed) {
  // 64 routes with a distance and two snap distances each: 2.1 kB, past the 2 kB at which
  // PostgreSQL compresses a row unless the partition says otherwise.
  const std::int64_t id = submit("hash-plain", simple_jobs(64), 64);
  ChunkRoutes chunk = routes(id, 0, 0, 64, 0);
  for (JobOutcome& o : chunk.outcomes) {
    o.status = JobStatus::ok;
    o.hops = 2;
    o.cost = 1'000'003 * (o.seq + 1);
    o.length_mm = 987'654'321 + o.seq;
    o.origin_snap_m = 12.345f + static_cast<float>(o.seq);
    o.destination_snap_m = 6.789f * static_cast<float>(o.seq);
  }
  store().record_routes({chunk});
  const auto row = query("select pg_column_size(r.*), pg_column_compression(cost),"
                         " pg_column_compression(distance_m) from route_blocks r");
  ASSERT_EQ(row.size(), 1u);
  EXPECT_GT(row[0][0].as<int>(), 2032);
  EXPECT_TRUE(row[0][1].is_null());
  EXPECT_TRUE(row[0][2].is_null());
  EXPECT_EQ(count("select count(*) from routes where distance_m = 987654.321 + seq / 1000.0"), 64);
}

TEST_F(StoreTest, AJobBlockIsCompressedInItsRowAndReadBackWhole) {
  // 64 jobs with a weight and a priority: 2.4 kB of arrays plain, past the 2 kB at which
  // PostgreSQL compresses a row; lz4 keeps it in the row (no TOAST), four blocks to a page.
  std::vector<JobRow> jobs = simple_jobs(64);
  for (JobRow& job : jobs) {
    job.weight_kg = 0.5 + job.seq * 1.25;
    job.priority = static_cast<std::int32_t>(job.seq % 4);
  }
  const std::int64_t id = submit("hash-packed", jobs, 64);
  const std::string b = std::to_string(id);
  const auto block = query("select pg_column_compression(line), pg_column_compression(origin),"
                           " pg_column_size(line) < 64 * 8"
                           " from job_blocks where batch_id = " + b);
  ASSERT_EQ(block.size(), 1u);
  EXPECT_STREQ(block[0][0].c_str(), "lz4");
  EXPECT_STREQ(block[0][1].c_str(), "lz4");
  EXPECT_TRUE(block[0][2].as<bool>());
  EXPECT_EQ(count("select coalesce(sum(pg_relation_size(c.reltoastrelid)), 0) from pg_class c"
                  " where c.oid in (select relid from pg_partition_tree('job_blocks_b" + b + "'))"
                  "   and c.reltoastrelid <> 0"),
            0);
  EXPECT_EQ(count("select count(*) from jobs where batch_id = " + b +
                  " and weight_kg = 0.5 + seq * 1.25 and priority = seq % 4 and line = seq + 2"),
            64);
}

TEST_F(StoreTest, PathsAndDetailsWithArraySyntaxInThemAreStoredAsTheyAre) {
  const std::int64_t id = submit("hash-syntax", simple_jobs(4));
  ChunkRoutes chunk = routes(id, 0, 0, 4, 0);
  chunk.outcomes[0].polyline = R"(a"b\c,{d}e )";
  chunk.outcomes[1].polyline = "NULL";
  chunk.outcomes[2].status = JobStatus::failed;
  chunk.outcomes[2].detail = "worker said: \"no\", {then} \\ tab\there";
  store().record_routes({chunk});
  const auto rows = query("select polyline, detail from routes order by seq");
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[0][0].as<std::string>(), chunk.outcomes[0].polyline);
  EXPECT_EQ(rows[1][0].as<std::string>(), "NULL");
  EXPECT_TRUE(rows[2][0].is_null());
  EXPECT_EQ(rows[2][1].as<std::string>(), chunk.outcomes[2].detail);
  EXPECT_TRUE(rows[3][0].is_null());
  EXPECT_TRUE(rows[3][1].is_null());
}

TEST_F(StoreTest, FieldsLongerThanACopyBlockAreStoredWhole) {
  // COPY text is sent in blocks of 64 KiB: a field of several blocks, escaped, goes in whole.
  const std::int64_t id = submit("hash-long", simple_jobs(4));
  ChunkRoutes chunk = routes(id, 0, 0, 4, 0);
  std::string polyline;
  for (int i = 0; i < 50'000; ++i) polyline += "a\\b\tc";  // 7 bytes, 10 escaped
  chunk.outcomes[1].polyline = polyline;
  chunk.outcomes[3].detail = polyline;
  chunk.outcomes[3].status = JobStatus::unsnappable;
  store().record_routes({chunk});
  const auto rows = query("select seq, polyline, detail from routes order by seq");
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[1][1].as<std::string>(), polyline);
  EXPECT_EQ(rows[3][2].as<std::string>(), polyline);
  EXPECT_TRUE(rows[0][1].is_null());
  EXPECT_TRUE(rows[2][1].is_null());
}

TEST_F(StoreTest, OtherOutcomesAreNamed) {
  const std::int64_t id = submit("hash-o", simple_jobs(4));
  store().record_routes({ChunkRoutes{id, 0, 0,
                                     {{0, JobStatus::ok, 5, 1},
                                      {1, JobStatus::unknown_node, 9, 9},
                                      {2, JobStatus::failed, 9, 9},
                                      {3, JobStatus::unreachable, 9, 9}}}});
  const auto rows = query("select status, cost, worker from job_routes order by seq");
  EXPECT_EQ(rows[0][0].as<std::string>(), "ok");
  EXPECT_EQ(rows[1][0].as<std::string>(), "unknown_node");
  EXPECT_EQ(rows[2][0].as<std::string>(), "failed");
  EXPECT_EQ(rows[3][0].as<std::string>(), "unreachable");
  EXPECT_TRUE(rows[1][1].is_null());
  EXPECT_TRUE(rows[0][2].is_null());  // worker id 0: none recorded
  EXPECT_EQ(count("select failed from chunks_done"), 1);
  EXPECT_EQ(count("select unreachable from chunks_done"), 1);
}

TEST_F(StoreTest, OpenBatchesListDoneChunksUntilFinished) {
  const std::int64_t a = submit("hash-a", simple_jobs(10));
  const std::int64_t b = submit("hash-b", simple_jobs(3), 2);
  store().record_routes({routes(a, 2, 8, 2, 0), routes(a, 0, 0, 4, 0)});

  auto open = store().open_batches();
  ASSERT_EQ(open.size(), 2u);
  EXPECT_EQ(open[0].id, a);
  EXPECT_EQ(open[0].jobs, 10u);
  EXPECT_EQ(open[0].chunk_size, 4u);
  EXPECT_EQ(open[0].graph_id, store().find_graph("tiny")->id);
  EXPECT_EQ(open[0].done_chunks, (std::vector<std::uint32_t>{0, 2}));
  EXPECT_EQ(open[1].id, b);
  EXPECT_EQ(open[1].chunk_size, 2u);
  EXPECT_TRUE(open[1].done_chunks.empty());

  store().record_routes({routes(a, 1, 4, 4, 0)});
  store().finish_batch(a);
  const std::string finished_at = query("select finished_at from batches where id = " +
                                        std::to_string(a))[0][0].as<std::string>();
  store().finish_batch(a);  // keeps the first time
  EXPECT_EQ(query("select finished_at from batches where id = " + std::to_string(a))[0][0]
                .as<std::string>(),
            finished_at);
  open = store().open_batches();
  ASSERT_EQ(open.size(), 1u);
  EXPECT_EQ(open[0].id, b);

  const auto status = store().batch_status(static_cast<std::uint64_t>(a));
  ASSERT_EQ(status.size(), 1u);
  EXPECT_TRUE(status[0].finished);
  EXPECT_EQ(status[0].routed, 10u);
  EXPECT_EQ(query("select percent from batch_progress where batch_id = " +
                  std::to_string(a))[0][0].as<double>(),
            100.0);
  // Elapsed time is frozen at finish.
  EXPECT_EQ(store().batch_status(static_cast<std::uint64_t>(a))[0].elapsed_s, status[0].elapsed_s);
}

TEST_F(StoreTest, BatchStatusOfZeroListsUnfinishedAndRecentBatches) {
  std::vector<std::int64_t> ids;
  for (int i = 0; i < 23; ++i) ids.push_back(submit("hash-" + std::to_string(i), simple_jobs(1)));
  for (int i = 1; i < 23; ++i) store().finish_batch(ids[i]);
  const auto statuses = store().batch_status(0);
  // The unfinished first batch and the 20 most recent.
  ASSERT_EQ(statuses.size(), 21u);
  EXPECT_EQ(statuses.front().batch_id, static_cast<std::uint64_t>(ids[0]));
  EXPECT_FALSE(statuses.front().finished);
  EXPECT_EQ(statuses[1].batch_id, static_cast<std::uint64_t>(ids[3]));
  EXPECT_EQ(statuses.back().batch_id, static_cast<std::uint64_t>(ids[22]));
  EXPECT_TRUE(store().batch_status(999).empty());
}

// ---- workers --------------------------------------------------------------------------------

TEST_F(StoreTest, WorkersAreRegisteredAndTouched) {
  const std::int64_t w1 = store().add_worker("host-a:1", 4);
  const std::int64_t w2 = store().add_worker("host-b:2", 1);
  EXPECT_NE(w1, w2);
  query("update workers set last_seen = now() - interval '1 minute'");
  store().touch_workers({{w1, 1500}, {w2, 7}});
  store().touch_workers({{w1, 2000}});
  store().touch_workers({});
  const auto health =
      query("select name, threads, jobs_done, seconds_since_seen from worker_health order by name");
  ASSERT_EQ(health.size(), 2u);
  EXPECT_EQ(health[0][0].as<std::string>(), "host-a:1");
  EXPECT_EQ(health[0][1].as<int>(), 4);
  EXPECT_EQ(health[0][2].as<int>(), 2000);
  EXPECT_EQ(health[1][2].as<int>(), 7);
  EXPECT_LT(health[1][3].as<double>(), 30);
}

// ---- retention ------------------------------------------------------------------------------

TEST_F(StoreTest, DropBatchDropsAFinishedBatchAndNothingElse) {
  const std::int64_t keep = submit("hash-keep", simple_jobs(8));
  const std::int64_t gone = submit("hash-gone", simple_jobs(8), 4, {RejectRow{3, "x", "why"}});
  for (const std::int64_t id : {keep, gone}) {
    store().record_routes({routes(id, 0, 0, 4, 0), routes(id, 1, 4, 4, 0)});
  }
  const auto refused = [&](std::int64_t id) {
    try {
      store().drop_batch(id);
    } catch (const StoreError& e) {
      EXPECT_EQ(e.kind(), StoreError::Kind::permanent);
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_NE(refused(gone).find("batch " + std::to_string(gone) + " is not finished"), std::string::npos);
  EXPECT_NE(refused(999).find("no batch 999"), std::string::npos);
  EXPECT_EQ(count("select count(*) from jobs"), 16);  // a refusal drops nothing

  store().finish_batch(gone);
  store().finish_batch(keep);
  store().drop_batch(gone);
  const std::string g = std::to_string(gone);
  EXPECT_EQ(count("select count(*) from batches where id = " + g), 0);
  EXPECT_EQ(count("select count(*) from chunks_done where batch_id = " + g), 0);
  // (in this test's schema: other tests run beside it, each with its own batch 2)
  EXPECT_EQ(count("select count(*) from pg_class where relnamespace = current_schema()::regnamespace"
                  " and relname in ('jobs_b" + g + "', 'route_blocks_b" + g + "', 'rejects_b" + g + "')"),
            0);
  EXPECT_EQ(count("select count(*) from rejects"), 0);
  EXPECT_EQ(count("select count(*) from job_routes where batch_id = " + std::to_string(keep) +
                  " and status <> 'pending'"),
            8);
  EXPECT_EQ(count("select count(*) from batch_progress"), 1);
  EXPECT_NE(refused(gone).find("no batch"), std::string::npos);  // twice: it is gone
}

// ---- the inspection role --------------------------------------------------------------------

TEST_F(StoreTest, ReaderRoleReadsButCannotWrite) {
  const std::int64_t id = submit("hash-ro", simple_jobs(4));  // its partitions come after 0004
  store().record_routes({routes(id, 0, 0, 4, store().add_worker("w", 1))});
  const std::string b = std::to_string(id);
  const auto as_reader = [&](const std::string& statement) {
    pqxx::work txn(sql());
    txn.exec("set local role waybill_reader");
    return txn.exec(statement);
  };
  EXPECT_EQ(as_reader("select count(*) from job_routes where batch_id = " + b)[0][0].as<int>(), 4);
  EXPECT_EQ(as_reader("select routed from batch_progress")[0][0].as<int>(), 4);
  EXPECT_EQ(as_reader("select count(*) from worker_health")[0][0].as<int>(), 1);
  EXPECT_EQ(as_reader("select count(*) from job_keys_b" + b)[0][0].as<int>(), 4);
  EXPECT_EQ(as_reader("select count(*) from jobs where batch_id = " + b)[0][0].as<int>(), 4);
  EXPECT_EQ(as_reader("select count(*) from graph_edges")[0][0].as<int>(), 4);
  EXPECT_EQ(as_reader("select count(*) from rejects")[0][0].as<int>(), 0);

  const std::vector<std::string> writes = {
           "insert into batches (hash, graph_id, file_name, chunk_size) values ('x', 1, 'x', 1)",
           "update job_keys set order_id = 'x'",
           "delete from route_blocks",
           "delete from job_blocks_b" + b,
           "update workers set jobs_done = 0",
           "insert into chunks_done values (" + b + ", 9, 1, 0, null, now())",
           "truncate graphs cascade",
           "create table sneaky (x int)",
       };
  for (const std::string& write : writes) {
    EXPECT_THROW(as_reader(write), pqxx::insufficient_privilege) << write;
  }
}

// ---- errors ---------------------------------------------------------------------------------

TEST_F(StoreTest, UnreachableServerIsRetryable) {
  try {
    Store bad("host=/nonexistent-waybill-socket-dir port=1 dbname=x connect_timeout=2");
    FAIL() << "expected StoreError";
  } catch (const StoreError& e) {
    EXPECT_EQ(e.kind(), StoreError::Kind::retryable);
    EXPECT_NE(std::string(e.what()).find("store: connect: connection to PostgreSQL failed"),
              std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("/nonexistent-waybill-socket-dir"), std::string::npos)
        << e.what();
  }
}

TEST_F(StoreTest, SqlErrorsArePermanentWithStateAndQuery) {
  store();
  try {
    store().begin_batch("hash-x", 424242, "x.csv", 4);  // no such graph
    FAIL() << "expected StoreError";
  } catch (const StoreError& e) {
    EXPECT_EQ(e.kind(), StoreError::Kind::permanent);
    const std::string what = e.what();
    EXPECT_NE(what.find("store: begin_batch: "), std::string::npos) << what;
    EXPECT_NE(what.find("[SQLSTATE 23503]"), std::string::npos) << what;
    EXPECT_NE(what.find("in query: insert into batches"), std::string::npos) << what;
  }
  EXPECT_FALSE(store().batch_by_hash("hash-x"));  // and the store is usable afterwards
}

TEST_F(StoreTest, LostConnectionIsRetryableAndTheStoreReconnects) {
  const std::int64_t id = submit("hash-c", simple_jobs(4));
  query("select pg_terminate_backend(pid) from pg_stat_activity"
        " where application_name = '" + m_schema + "' and pid <> pg_backend_pid()");
  try {
    store().read_jobs(id, 0, 4);
    FAIL() << "expected StoreError";
  } catch (const StoreError& e) {
    EXPECT_EQ(e.kind(), StoreError::Kind::retryable) << e.what();
    EXPECT_NE(std::string(e.what()).find("store: read_jobs: connection to PostgreSQL failed"),
              std::string::npos)
        << e.what();
  }
  EXPECT_EQ(store().read_jobs(id, 0, 4).size(), 4u);
  store().record_routes({routes(id, 0, 0, 4, 0)});
  EXPECT_EQ(count("select count(*) from routes"), 4);
  // The idle submit connection was terminated too: the next submit finds out (retryable), the
  // one after reconnects.
  try {
    submit("hash-d", simple_jobs(2));
  } catch (const StoreError& e) {
    EXPECT_EQ(e.kind(), StoreError::Kind::retryable) << e.what();
  }
  if (!store().batch_by_hash("hash-d")) submit("hash-d", simple_jobs(2));
  EXPECT_TRUE(store().batch_by_hash("hash-d"));
}

// ---- AsyncStore -----------------------------------------------------------------------------

TEST_F(StoreTest, AsyncStoreRunsTasksInOrderOnOneStore) {
  const std::int64_t graph_id = import_tiny().id;
  AsyncStore async(m_conninfo);
  // A whole submit in three tasks: the transaction stays open on the task thread's store.
  std::int64_t id = 0;
  async.post(1, [&](Store& s) { id = s.begin_batch("hash-async", graph_id, "a.csv", 4); });
  async.post(2, [](Store&) {});
  ASSERT_EQ(async.wait().tag, 1u);
  async.post(3, [&, jobs = simple_jobs(10)](Store& s) {
    s.add_jobs(id, jobs);
    s.commit_batch(id, jobs.size(), 0, 4);
  });
  EXPECT_EQ(async.pending(), 2u);
  const auto second = async.wait();
  const auto third = async.wait();
  EXPECT_EQ(second.tag, 2u);
  EXPECT_EQ(third.tag, 3u);
  EXPECT_FALSE(third.error) << third.error->what();
  EXPECT_EQ(async.pending(), 0u);
  EXPECT_FALSE(async.poll());
  EXPECT_EQ(count("select count(*) from jobs where batch_id = " + std::to_string(id)), 10);

  async.post(4, [&](Store& s) { s.record_routes({routes(id, 0, 0, 4, 0)}); });
  std::optional<AsyncStore::Done> done;
  while (!(done = async.poll())) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  EXPECT_EQ(done->tag, 4u);
  EXPECT_FALSE(done->error);
  EXPECT_EQ(count("select count(*) from routes"), 4);
}

TEST_F(StoreTest, AsyncStoreReportsErrorsAndGoesOn) {
  AsyncStore async(m_conninfo);
  async.post(1, [](Store& s) { s.begin_batch("h", 999'999, "x.csv", 4); });  // no such graph
  async.post(2, [](Store& s) { s.abort_batch(); });
  async.post(3, [](Store&) { throw std::runtime_error("a bug"); });
  const auto refused = async.wait();
  ASSERT_TRUE(refused.error);
  EXPECT_EQ(refused.error->kind(), StoreError::Kind::permanent);
  EXPECT_FALSE(async.wait().error);
  // Not a database error: a bug, kept apart so that it is never taken for a lost database.
  const auto bug = async.wait();
  EXPECT_FALSE(bug.error);
  ASSERT_TRUE(bug.internal);
  EXPECT_EQ(*bug.internal, "a bug");
}

TEST_F(StoreTest, AsyncStoreWakesItsOwnerThroughItsDescriptor) {
  AsyncStore async(m_conninfo);
  pollfd wake{async.wake_fd(), POLLIN, 0};
  EXPECT_EQ(::poll(&wake, 1, 0), 0);  // nothing done yet: not readable
  async.post(1, [](Store&) {});
  ASSERT_EQ(::poll(&wake, 1, 10'000), 1);
  ASSERT_TRUE(async.poll());
  EXPECT_EQ(::poll(&wake, 1, 0), 0);  // the outcome taken: quiet again
}

TEST_F(StoreTest, AsyncStoreWithoutADatabaseFailsEachTaskRetryably) {
  AsyncStore async("host=/nonexistent port=1 dbname=none connect_timeout=2");
  for (std::uint64_t tag = 1; tag <= 2; ++tag) {
    async.post(tag, [](Store& s) { s.migrate(); });
    const auto done = async.wait();
    EXPECT_EQ(done.tag, tag);
    ASSERT_TRUE(done.error);
    EXPECT_EQ(done.error->kind(), StoreError::Kind::retryable) << done.error->what();
  }
  async.post(3, [](Store&) {});  // left for the destructor, which runs it before it stops
}

}  // namespace
}  // namespace waybill::dispatcher
