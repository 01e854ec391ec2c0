// End to end: a real PostgreSQL, a real dispatcher and real workers talking over TCP, driven
// through the `waybill` command line as an operator would.
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
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

/// A small road graph: a 30 x 40 grid of two-way streets with random costs, plus an island of
/// two nodes (1201, 1202) that no other node reaches.
void write_graph(const fs::path& path) {
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
/// four bad lines at known places. `salt` makes the content, and so the batch, distinct.
Batch make_batch(int depots, int per_depot, int pairs, int salt) {
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
  const std::string first_id = "S" + std::to_string(salt) + "-D0-0";  // the first data line's
  insert_bad(150, first_id + ",1,2,1", "duplicate order_id '" + first_id + "'");
  for (const auto& l : lines) b.text += l + "\n";
  return b;
}

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

  Process& start_dispatcher() {
    return *m_procs.emplace_back(std::make_unique<Process>(
        WAYBILL_DISPATCHER,
        std::vector<std::string>{"--db", m_db, "--clients", m_clients, "--workers", m_workers,
                                 "--chunk-size", "256"},
        (m_dir / "dispatcher.log").string()));
  }
  Process& start_worker(const std::string& name) {
    return *m_procs.emplace_back(std::make_unique<Process>(
        WAYBILL_WORKER,
        std::vector<std::string>{"--dispatcher", m_workers, "--name", name, "--threads", "1",
                                 "--cache-dir", (m_dir / ("cache-" + name)).string()},
        (m_dir / (name + ".log")).string()));
  }

  /// `waybill submit --wait`; returns its output, failing the test on a non-zero exit.
  std::string submit(const Batch& batch, const std::string& name) {
    const auto file = m_dir / name;
    std::ofstream(file) << batch.text;
    const auto log = m_dir / (name + ".submit.log");
    Process p(WAYBILL_CLI, {"submit", "--dispatcher", m_clients, "--graph", "grid", file.string(), "--wait"},
              log.string());
    const int status = p.wait_for(120s);
    EXPECT_EQ(status, 0) << slurp(log) << "\n--- dispatcher:\n" << slurp(m_dir / "dispatcher.log");
    return slurp(log);
  }

  pqxx::result query(const std::string& sql) {
    pqxx::connection c(m_db);
    pqxx::nontransaction tx(c);
    return tx.exec(sql);
  }

  std::string m_conninfo, m_dbname, m_db, m_clients, m_workers;
  fs::path m_dir, m_graph;
  std::vector<std::unique_ptr<Process>> m_procs;
};

TEST_F(PipelineTest, EveryAcceptedJobHasExactlyOneRouteEqualToTheRouter) {
  start_dispatcher();
  start_worker("w1");
  start_worker("w2");
  const Batch batch = make_batch(8, 300, 600, 1);
  submit(batch, "batch.csv");

  const auto counts = query(
      "select count(*), count(distinct order_id), count(*) filter (where status = 'pending') "
      "from job_routes");
  EXPECT_EQ(counts[0][0].as<std::size_t>(), batch.accepted);
  EXPECT_EQ(counts[0][1].as<std::size_t>(), batch.accepted);
  EXPECT_EQ(counts[0][2].as<std::size_t>(), 0u);
  EXPECT_EQ(query("select count(*) from routes")[0][0].as<std::size_t>(), batch.accepted);

  const auto graph = router::load_dimacs(m_graph);
  router::RouteQuery reference(graph);
  std::size_t unreachable = 0;
  for (const auto& row : query("select order_id, origin, destination, cost, hops, status from job_routes")) {
    const auto expected = reference.one_to_one(router::NodeId{row[1].as<std::int64_t>()},
                                               router::NodeId{row[2].as<std::int64_t>()});
    const std::string status = row[5].as<std::string>();
    if (expected.status == router::RouteStatus::unreachable) {
      ++unreachable;
      EXPECT_EQ(status, "unreachable") << row[0].as<std::string>();
      EXPECT_TRUE(row[3].is_null());
    } else {
      ASSERT_EQ(status, "ok") << row[0].as<std::string>();
      EXPECT_EQ(row[3].as<std::int64_t>(), expected.cost) << row[0].as<std::string>();
    }
  }
  EXPECT_GT(unreachable, 0u);  // the island

  std::vector<std::pair<std::uint64_t, std::string>> rejects;
  for (const auto& row : query("select line, reason from rejects order by line")) {
    rejects.emplace_back(row[0].as<std::uint64_t>(), row[1].as<std::string>());
  }
  EXPECT_EQ(rejects, batch.rejects);
  const auto progress = query("select accepted, rejected, routed, unreachable, finished_at is not null from batch_progress");
  EXPECT_EQ(progress[0][0].as<std::size_t>(), batch.accepted);
  EXPECT_EQ(progress[0][1].as<std::size_t>(), batch.rejects.size());
  EXPECT_EQ(progress[0][2].as<std::size_t>(), batch.accepted);
  EXPECT_EQ(progress[0][3].as<std::size_t>(), unreachable);
  EXPECT_TRUE(progress[0][4].as<bool>());
}

TEST_F(PipelineTest, ResubmittingTheSameFileIsIdempotent) {
  start_dispatcher();
  start_worker("w1");
  const Batch batch = make_batch(2, 100, 50, 2);
  const std::string first = submit(batch, "batch.csv");
  const std::string second = submit(batch, "batch.csv");
  EXPECT_NE(second.find("already submitted"), std::string::npos) << second;
  EXPECT_EQ(query("select count(*) from batches")[0][0].as<int>(), 1);
  EXPECT_EQ(query("select count(*) from jobs")[0][0].as<std::size_t>(), batch.accepted);
  EXPECT_EQ(query("select count(*) from routes")[0][0].as<std::size_t>(), batch.accepted);
  EXPECT_EQ(query("select count(*) from rejects")[0][0].as<std::size_t>(), batch.rejects.size());
}

TEST_F(PipelineTest, ALateWorkerGetsTheGraphAndWork) {
  start_dispatcher();
  Process& early = start_worker("early");
  submit(make_batch(2, 200, 100, 3), "first.csv");
  early.signal(SIGTERM);
  EXPECT_EQ(early.wait_for(20s), 0) << early.log();

  Process& late = start_worker("late");
  const Batch second = make_batch(3, 200, 100, 4);
  submit(second, "second.csv");
  EXPECT_NE(late.log().find("fetching graph"), std::string::npos) << late.log();
  const auto rows = query(
      "select count(*), count(*) filter (where worker = 'late') from job_routes "
      "where batch_id = (select max(id) from batches)");
  EXPECT_EQ(rows[0][0].as<std::size_t>(), second.accepted);
  EXPECT_EQ(rows[0][1].as<std::size_t>(), second.accepted);
}

}  // namespace
}  // namespace waybill::test
