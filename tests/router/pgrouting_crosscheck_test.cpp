// The router against pgRouting, the independent oracle: the same arcs in PostgreSQL,
// pgr_dijkstraCost on the same pairs, and pgr_dijkstraCostMatrix against the contraction
// hierarchy's matrices. Labelled `db`; needs $WAYBILL_DB (a libpq conninfo), which
// ops/test.sh sets after starting a private PostgreSQL. Without it the tests fail, never skip.
#include <gtest/gtest.h>
#include <unistd.h>

#include <pqxx/pqxx>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "router/ch_query.h"
#include "router/contraction.h"
#include "router/dimacs.h"
#include "router/graph.h"
#include "router/landmarks.h"
#include "router/shortest_path.h"
#include "tests/router/ny_data.h"
#include "tests/router/reference.h"

namespace waybill::router {
namespace {

constexpr const char* kNoDatabase =
    "run the tests through ops/test.sh, which starts a private PostgreSQL";

// Drops the test's schema when the test ends, whether it passed, failed or threw.
class SchemaGuard {
 public:
  SchemaGuard(pqxx::connection& conn, std::string schema)
      : m_conn(conn), m_schema(std::move(schema)) {}
  SchemaGuard(const SchemaGuard&) = delete;
  SchemaGuard& operator=(const SchemaGuard&) = delete;
  ~SchemaGuard() {
    try {
      pqxx::nontransaction drop(m_conn);
      drop.exec("drop schema if exists " + m_schema + " cascade");
    } catch (const std::exception& e) {
      ADD_FAILURE() << "could not drop schema " << m_schema << ": " << e.what();
    }
  }

 private:
  pqxx::connection& m_conn;
  std::string m_schema;
};

// (origin, destination) -> agg_cost, for the pairs pgRouting found a path for.
using PairCosts = std::map<std::pair<std::int64_t, std::int64_t>, std::int64_t>;

class PgRoutingCrosscheckTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* conninfo = std::getenv("WAYBILL_DB");
    ASSERT_TRUE(conninfo != nullptr && *conninfo != '\0') << "WAYBILL_DB not set: " << kNoDatabase;
    try {
      m_conn = std::make_unique<pqxx::connection>(conninfo);
    } catch (const std::exception& e) {
      FAIL() << "cannot connect to WAYBILL_DB=\"" << conninfo << "\": " << e.what() << "; "
             << kNoDatabase;
    }
    m_schema = "wb_crosscheck_" + std::to_string(::getpid());
    pqxx::work txn(*m_conn);
    // Test processes may run in parallel: create the extension one at a time.
    txn.exec("select pg_advisory_xact_lock(20261125)");
    txn.exec("create extension if not exists pgrouting cascade");
    txn.exec("drop schema if exists " + m_schema + " cascade");
    txn.exec("create schema " + m_schema);
    txn.commit();
    m_guard = std::make_unique<SchemaGuard>(*m_conn, m_schema);
  }

  // Loads `arcs` into <schema>.arcs(id, source, target, cost) with COPY.
  void load_arcs(const std::vector<Arc>& arcs) {
    pqxx::work txn(*m_conn);
    txn.exec("create table " + m_schema +
             ".arcs (id bigint primary key, source bigint not null, target bigint not null, "
             "cost float8 not null)");
    txn.exec("set local search_path to " + m_schema);
    pqxx::stream_to copy(txn, "arcs");
    std::int64_t id = 0;
    for (const Arc& a : arcs) {
      copy << std::make_tuple(++id, to_int(a.tail), to_int(a.head), static_cast<double>(a.cost));
    }
    copy.complete();
    txn.commit();
  }

  // pgr_dijkstraCost over the loaded arcs for every pair at once.
  PairCosts pgrouting_costs(const std::vector<std::pair<NodeId, NodeId>>& pairs) {
    pqxx::work txn(*m_conn);
    txn.exec("create table " + m_schema +
             ".pairs (source bigint not null, target bigint not null)");
    std::string values;
    for (const auto& [from, to] : pairs) {
      values += (values.empty() ? "(" : ",(") + std::to_string(to_int(from)) + "," +
                std::to_string(to_int(to)) + ")";
    }
    txn.exec("insert into " + m_schema + ".pairs values " + values);
    const pqxx::result rows = txn.exec(
        "select start_vid, end_vid, agg_cost::bigint from pgr_dijkstraCost("
        "'select id, source, target, cost from " +
        m_schema +
        ".arcs', "
        "'select source, target from " +
        m_schema + ".pairs', directed => true)");
    txn.commit();
    PairCosts costs;
    for (const pqxx::row& row : rows) {
      costs[{row[0].as<std::int64_t>(), row[1].as<std::int64_t>()}] = row[2].as<std::int64_t>();
    }
    return costs;
  }

  // pgr_dijkstraCostMatrix over the loaded arcs between every two of `nodes`.
  PairCosts pgrouting_matrix(const std::vector<NodeId>& nodes) {
    std::string array;
    for (const NodeId v : nodes) {
      if (!array.empty()) array += ',';
      array += std::to_string(to_int(v));
    }
    pqxx::work txn(*m_conn);
    const pqxx::result rows = txn.exec(
        "select start_vid, end_vid, agg_cost::bigint from pgr_dijkstraCostMatrix("
        "'select id, source, target, cost from " +
        m_schema + ".arcs', array[" + array + "]::bigint[], directed => true)");
    txn.commit();
    PairCosts costs;
    for (const pqxx::row& row : rows) {
      costs[{row[0].as<std::int64_t>(), row[1].as<std::int64_t>()}] = row[2].as<std::int64_t>();
    }
    return costs;
  }

  // The hierarchy's matrix of `nodes` squared against pgRouting's: its cost where pgRouting has
  // one, 0 from a node to itself, else unreachable (pgRouting omits both).
  static void expect_same_matrix(const RoadGraph& graph, const std::vector<NodeId>& nodes,
                                 const PairCosts& expected) {
    const ContractionHierarchy ch = ContractionHierarchy::build(graph);
    ChQuery query(graph, ch);
    std::vector<NodeIndex> points;
    for (const NodeId v : nodes) points.push_back(*graph.index_of(v));
    MatrixCells m;
    query.rows(query.targets(points), points, m);
    for (std::size_t i = 0; i < nodes.size(); ++i) {
      for (std::size_t j = 0; j < nodes.size(); ++j) {
        const auto it = expected.find({to_int(nodes[i]), to_int(nodes[j])});
        const Cost want = nodes[i] == nodes[j]   ? 0
                          : it == expected.end() ? kInfiniteCost
                                                 : it->second;
        EXPECT_EQ(m.cost_at(i, j), want) << to_int(nodes[i]) << " -> " << to_int(nodes[j]);
      }
    }
  }

  // Every pair: pgRouting's cost when it has one, else unreachable (pgRouting omits both the
  // unreachable pairs and origin == destination, which costs 0).
  static void expect_same_answers(RouteQuery& query,
                                  const std::vector<std::pair<NodeId, NodeId>>& pairs,
                                  const PairCosts& expected) {
    for (const auto& [from, to] : pairs) {
      const RouteResult r = query.one_to_one(from, to);
      const auto it = expected.find({to_int(from), to_int(to)});
      if (from == to) {
        EXPECT_EQ(r.cost, 0) << to_int(from) << " -> " << to_int(to);
      } else if (it == expected.end()) {
        EXPECT_EQ(r.status, RouteStatus::unreachable)
            << to_int(from) << " -> " << to_int(to) << ": pgRouting found no path, router cost "
            << r.cost;
      } else {
        EXPECT_EQ(r.status, RouteStatus::ok) << to_int(from) << " -> " << to_int(to);
        EXPECT_EQ(r.cost, it->second) << to_int(from) << " -> " << to_int(to);
      }
    }
  }

  std::unique_ptr<pqxx::connection> m_conn;  // declared first: outlives the guard
  std::string m_schema;
  std::unique_ptr<SchemaGuard> m_guard;
};

// A tiny town with parallel and zero-cost arcs, a self-loop and an island nobody reaches.
TEST_F(PgRoutingCrosscheckTest, TinyTownAgreesOnEveryPair) {
  const NodeId depot{1}, market{2}, bridge{3}, harbour{4}, island{5};
  const std::vector<NodeId> nodes{depot, market, bridge, harbour, island};
  const std::vector<Arc> arcs{{depot, market, 9},  {depot, market, 4},   {market, bridge, 3},
                              {depot, bridge, 8},  {bridge, harbour, 0}, {harbour, bridge, 0},
                              {market, market, 1}, {harbour, depot, 2},  {island, island, 1}};
  load_arcs(arcs);
  std::vector<std::pair<NodeId, NodeId>> pairs;
  for (NodeId from : nodes) {
    for (NodeId to : nodes) pairs.emplace_back(from, to);
  }
  const PairCosts expected = pgrouting_costs(pairs);
  EXPECT_EQ(expected.size(), 12u) << "depot, market, bridge and harbour reach each other";
  const RoadGraph graph = RoadGraph::build(nodes, arcs);
  RouteQuery query(graph);
  expect_same_answers(query, pairs, expected);
  expect_same_matrix(graph, nodes, pgrouting_matrix(nodes));
}

// Every arc line of the NY file, as listed (parallel arcs kept), read by the naive reader.
std::vector<Arc> ny_arcs(const testing::NaiveGraph& naive) {
  std::vector<Arc> arcs;
  arcs.reserve(naive.arc_lines);
  for (std::size_t tail = 0; tail < naive.size(); ++tail) {
    for (const testing::NaiveGraph::Out& o : naive.out[tail]) {
      arcs.push_back({NodeId{static_cast<std::int64_t>(tail + 1)},
                      NodeId{static_cast<std::int64_t>(o.head) + 1}, o.cost});
    }
  }
  return arcs;
}

// 100 random NY pairs: ALT one_to_one equals pgr_dijkstraCost.
TEST_F(PgRoutingCrosscheckTest, NyRandomPairsAgreeWithPgrDijkstraCost) {
  const std::filesystem::path gr = testing::ny_gr();
  ASSERT_TRUE(std::filesystem::exists(gr)) << testing::missing_data_message(gr);
  const testing::NaiveGraph naive = testing::read_naive_gr(gr);
  const std::vector<Arc> arcs = ny_arcs(naive);
  ASSERT_EQ(arcs.size(), 733846u);
  load_arcs(arcs);

  const std::uint64_t seed = testing::test_seed();
  SCOPED_TRACE(testing::seed_trace(seed));
  std::mt19937_64 rng(seed + 2);
  std::uniform_int_distribution<std::int64_t> node(1, static_cast<std::int64_t>(naive.size()));
  std::vector<std::pair<NodeId, NodeId>> pairs;
  for (int i = 0; i < 100; ++i) pairs.emplace_back(NodeId{node(rng)}, NodeId{node(rng)});
  const PairCosts expected = pgrouting_costs(pairs);
  EXPECT_GE(expected.size(), 99u) << "NY is strongly connected: pgRouting should find them all";

  const RoadGraph graph = load_dimacs(gr);
  const Landmarks landmarks = Landmarks::build(graph, 16, 2);
  RouteQuery query(graph, &landmarks);
  expect_same_answers(query, pairs, expected);
}

// 40 random NY nodes: the hierarchy's 40 x 40 matrix equals pgr_dijkstraCostMatrix.
TEST_F(PgRoutingCrosscheckTest, NyHierarchyMatrixAgreesWithPgrDijkstraCostMatrix) {
  const std::filesystem::path gr = testing::ny_gr();
  ASSERT_TRUE(std::filesystem::exists(gr)) << testing::missing_data_message(gr);
  const testing::NaiveGraph naive = testing::read_naive_gr(gr);
  load_arcs(ny_arcs(naive));
  const std::uint64_t seed = testing::test_seed();
  SCOPED_TRACE(testing::seed_trace(seed));
  std::mt19937_64 rng(seed + 3);
  std::uniform_int_distribution<std::int64_t> node(1, static_cast<std::int64_t>(naive.size()));
  std::vector<NodeId> nodes;
  for (int i = 0; i < 40; ++i) nodes.push_back(NodeId{node(rng)});
  const PairCosts expected = pgrouting_matrix(nodes);
  EXPECT_GE(expected.size(), 40u * 39u - 40u) << "NY is strongly connected";
  expect_same_matrix(load_dimacs(gr), nodes, expected);
}

}  // namespace
}  // namespace waybill::router
