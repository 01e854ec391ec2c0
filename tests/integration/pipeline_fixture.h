// The fixture of the end-to-end tests: a scratch database in the real PostgreSQL of
// ops/test.sh, a small road graph imported into it, and helpers that start the real dispatcher
// and workers over TCP and drive them through the `waybill` command line as an operator would.
#pragma once

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>

#include "router/dimacs.h"
#include "router/shortest_path.h"
#include "tests/integration/process.h"

namespace waybill::test {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

inline std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

/// A small road graph: a 30 x 40 grid of two-way streets with random costs, plus an island of
/// two nodes (1201, 1202) that no other node reaches.
inline void write_graph(const fs::path& path) {
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> cost(1, 100);
  std::vector<std::string> arcs;
  const int rows = 30, cols = 40;
  auto id = [&](int r, int c) { return r * cols + c + 1; };
  for (int r = 0; r < rows; ++r) {
    for (int c = 0; c < cols; ++c) {
      if (c + 1 < cols) {
        arcs.push_back(std::to_string(id(r, c)) + " " + std::to_string(id(r, c + 1)) + " " + std::to_string(cost(rng)));
        arcs.push_back(std::to_string(id(r, c + 1)) + " " + std::to_string(id(r, c)) + " " + std::to_string(cost(rng)));
      }
      if (r + 1 < rows) {
        arcs.push_back(std::to_string(id(r, c)) + " " + std::to_string(id(r + 1, c)) + " " + std::to_string(cost(rng)));
        arcs.push_back(std::to_string(id(r + 1, c)) + " " + std::to_string(id(r, c)) + " " + std::to_string(cost(rng)));
      }
    }
  }
  arcs.push_back("1201 1202 5");
  arcs.push_back("1202 1201 5");
  std::ofstream out(path);
  out << "c test grid\np sp 1202 " << arcs.size() << "\n";
  for (const auto& a : arcs) out << "a " << a << "\n";
}

struct Batch {
  std::string text;
  std::vector<std::pair<std::uint64_t, std::string>> rejects;  // line, reason
  std::size_t accepted = 0;
};

/// `depots` depots with `per_depot` jobs each, `pairs` random pairs (some to the island), and
/// four bad lines at known places (lines 5, 50, 100 and 150: at least 150 jobs in all). `salt`
/// makes the content, and so the batch, distinct.
inline Batch make_batch(int depots, int per_depot, int pairs, int salt) {
  std::mt19937 rng(static_cast<unsigned>(salt));
  std::uniform_int_distribution<int> node(1, 1200);
  Batch b;
  std::vector<std::string> lines{"order_id,origin,destination,weight_kg"};
  for (int d = 0; d < depots; ++d) {
    const int depot = node(rng);
    for (int j = 0; j < per_depot; ++j) {
      std::ostringstream line;
      line << 'S' << salt << "-D" << d << '-' << j << ',' << depot << ',' << node(rng) << ",1.5";
      lines.push_back(line.str());
    }
  }
  for (int p = 0; p < pairs; ++p) {
    const int to = p % 50 == 0 ? 1201 : node(rng);
    std::ostringstream line;
    line << 'P' << p << ',' << node(rng) << ',' << to << ',';
    lines.push_back(line.str());
  }
  b.accepted = lines.size() - 1;
  auto insert_bad = [&](std::size_t at, const std::string& line, const std::string& reason) {
    lines.insert(lines.begin() + static_cast<std::ptrdiff_t>(at), line);
    b.rejects.emplace_back(at + 1, reason);
  };
  insert_bad(5, "B1,5", "wrong column count: expected 4, got 2");
  insert_bad(50, "B2,x,5,1", "bad origin: not an integer: 'x'");
  insert_bad(100, "B3,1,99999,1", "unknown destination node 99999");
  std::string first_id = "S";  // the first data line's order id
  first_id += std::to_string(salt);
  first_id += "-D0-0";
  insert_bad(150, first_id + ",1,2,1", "duplicate order_id '" + first_id + '\'');
  for (const auto& l : lines) b.text += l + "\n";
  return b;
}

/// The router on a DIMACS graph file: the reference that stored routes are checked against.
class ReferenceRouter {
 public:
  explicit ReferenceRouter(const fs::path& graph)
      : m_graph(router::load_dimacs(graph)), m_query(m_graph) {}
  ReferenceRouter(const ReferenceRouter&) = delete;  // m_query refers to m_graph
  ReferenceRouter& operator=(const ReferenceRouter&) = delete;

  /// The route between two node ids as job_routes stores them (origin, destination).
  router::RouteResult route(const pqxx::field& origin, const pqxx::field& destination) {
    return m_query.one_to_one(router::NodeId{origin.as<std::int64_t>()},
                              router::NodeId{destination.as<std::int64_t>()});
  }

 private:
  router::RoadGraph m_graph;
  router::RouteQuery m_query;
};

class PipelineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    m_conninfo = env("WAYBILL_DB");
    ASSERT_FALSE(m_conninfo.empty())
        << "WAYBILL_DB not set: run the tests through ops/test.sh, which starts a private PostgreSQL";
    static int counter = 0;
    m_dbname = "wbpipe_" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
    {
      pqxx::connection admin(m_conninfo);
      pqxx::nontransaction tx(admin);
      tx.exec("drop database if exists " + m_dbname);
      tx.exec("create database " + m_dbname);
    }
    m_db = m_conninfo + " dbname=" + m_dbname;
    m_dir = fs::temp_directory_path() / m_dbname;
    fs::remove_all(m_dir);
    fs::create_directories(m_dir);
    m_graph = m_dir / "grid.gr";
    write_graph(m_graph);
    ASSERT_EQ(run(WAYBILL_CLI, {"graph", "import", "--db", m_db, "--name", "grid", "--dimacs", m_graph.string()},
                  (m_dir / "import.log").string()),
              0)
        << slurp(m_dir / "import.log");
    m_clients = "tcp://127.0.0.1:" + std::to_string(free_port());
    m_workers = "tcp://127.0.0.1:" + std::to_string(free_port());
  }

  void TearDown() override {
    m_procs.clear();  // SIGKILL whatever still runs
    if (!m_dbname.empty() && !m_conninfo.empty()) {
      try {
        pqxx::connection admin(m_conninfo);
        pqxx::nontransaction tx(admin);
        tx.exec("drop database if exists " + m_dbname + " with (force)");
      } catch (const std::exception&) {
      }
    }
    if (!HasFailure()) fs::remove_all(m_dir);
  }

  static std::string slurp(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

  /// The dispatcher, with `security` flags (default: plain TCP).
  Process& start_dispatcher(std::vector<std::string> security = {"--insecure"}) {
    std::vector<std::string> args{"--db", m_db, "--clients", m_clients, "--workers", m_workers,
                                  "--chunk-size", "256"};
    args.insert(args.end(), security.begin(), security.end());
    return *m_procs.emplace_back(
        std::make_unique<Process>(WAYBILL_DISPATCHER, args, (m_dir / "dispatcher.log").string()));
  }
  Process& start_worker(const std::string& name,
                        std::vector<std::string> security = {"--insecure"}) {
    std::vector<std::string> args{"--dispatcher", m_workers, "--name", name, "--threads", "1",
                                  "--cache-dir", (m_dir / ("cache-" + name)).string()};
    args.insert(args.end(), security.begin(), security.end());
    return *m_procs.emplace_back(
        std::make_unique<Process>(WAYBILL_WORKER, args, (m_dir / (name + ".log")).string()));
  }

  /// `waybill submit` with `extra` arguments; returns its exit status (-1: still running after
  /// `timeout`, then killed) and output.
  std::pair<int, std::string> try_submit(const Batch& batch, const std::string& name,
                                         std::vector<std::string> extra = {},
                                         std::chrono::milliseconds timeout = 120s) {
    const auto file = m_dir / name;
    std::ofstream(file) << batch.text;
    const auto log = m_dir / (name + ".submit.log");
    std::vector<std::string> args{"submit", "--dispatcher", m_clients, "--graph", m_graph_name,
                                  file.string()};
    args.insert(args.end(), extra.begin(), extra.end());
    Process p(WAYBILL_CLI, args, log.string());
    return {p.wait_for(timeout), slurp(log)};
  }
  /// The exit status of a `waybill submit` that stores `batch`: 0, rejected lines or not (1 for
  /// rejected lines only with --fail-on-rejects).
  static int stored_status(const Batch&) { return 0; }
  /// `waybill submit --wait`; returns its output, failing the test unless the batch is stored.
  std::string submit(const Batch& batch, const std::string& name,
                     std::vector<std::string> extra = {}) {
    extra.push_back("--wait");
    auto [status, output] = try_submit(batch, name, std::move(extra));
    EXPECT_EQ(status, stored_status(batch))
        << output << "\n--- dispatcher:\n" << slurp(m_dir / "dispatcher.log");
    return output;
  }

  pqxx::result query(const std::string& sql) {
    pqxx::connection c(m_db);
    pqxx::nontransaction tx(c);
    return tx.exec(sql);
  }

  std::string m_conninfo, m_dbname, m_db, m_clients, m_workers;
  std::string m_graph_name = "grid";  ///< the graph `waybill submit` names
  fs::path m_dir, m_graph;
  std::vector<std::unique_ptr<Process>> m_procs;
};

}  // namespace waybill::test
