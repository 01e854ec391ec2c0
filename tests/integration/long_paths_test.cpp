// A `--paths` batch whose answer does not fit one message: 4,000 addresses from 3 depots on the
// DIMACS NY graph with its coordinates, routes tens of kilometres long, so one chunk's polylines
// come to several megabytes against the dispatcher's default 4 MiB message limit. With default
// options the worker must send that result in parts and the batch must finish with every route
// and its polyline (before, libzmq dropped the worker, which was leased the same chunk again,
// forever, while `waybill submit --wait` waited at 0%).
#include "tests/integration/pipeline_fixture.h"

namespace waybill::test {
namespace {

fs::path ny(const char* file) {
  const std::string data = env("WAYBILL_DATA");
  return fs::path(data.empty() ? WAYBILL_DEFAULT_DATA_DIR : data) / "dimacs" / file;
}

TEST_F(PipelineTest, APathsBatchLargerThanAMessageFinishesWithEveryPolyline) {
  const fs::path gr = ny("USA-road-d.NY.gr.gz"), co = ny("USA-road-d.NY.co.gz");
  ASSERT_TRUE(fs::exists(gr) && fs::exists(co))
      << "the DIMACS NY files are missing: set WAYBILL_DATA to the folder holding dimacs/";
  ASSERT_EQ(run(WAYBILL_CLI,
                {"graph", "import", "--db", m_db, "--name", "ny", "--dimacs", gr.string(),
                 "--coords", co.string()},
                (m_dir / "import-ny.log").string()),
            0)
      << slurp(m_dir / "import-ny.log");
  m_graph_name = "ny";
  const fs::path batch_file = m_dir / "far.csv";
  ASSERT_EQ(run(WAYBILL_CLI,
                {"gen", "--graph", gr.string(), "--coords", co.string(), "--jobs", "4000",
                 "--depots", "3", "--seed", "4", "--out", batch_file.string()},
                (m_dir / "gen.log").string()),
            0)
      << slurp(m_dir / "gen.log");

  // The dispatcher and the worker with their default options, as a new user runs them.
  m_procs.emplace_back(std::make_unique<Process>(
      WAYBILL_DISPATCHER,
      std::vector<std::string>{"--db", m_db, "--clients", m_clients, "--workers", m_workers,
                               "--insecure"},
      (m_dir / "dispatcher.log").string()));
  start_worker("w1");
  Batch batch;
  batch.text = slurp(batch_file);
  batch.accepted = 4000;
  const auto [status, output] = try_submit(batch, "far.csv", {"--paths", "--wait"}, 240s);
  ASSERT_EQ(status, 0) << output << "\n--- dispatcher:\n" << slurp(m_dir / "dispatcher.log")
                       << "\n--- worker:\n" << slurp(m_dir / "w1.log");

  const auto r = query(
      "select count(*), count(*) filter (where status = 'ok'), "
      "       count(*) filter (where status = 'ok' and polyline is not null), "
      "       coalesce(sum(length(polyline)), 0) "
      "from job_routes");
  EXPECT_EQ(r[0][0].as<long>(), 4000);
  const long ok = r[0][1].as<long>();
  EXPECT_GT(ok, 3900);  // a few addresses may fall on a part of NY no road reaches
  EXPECT_EQ(r[0][2].as<long>(), ok) << "every route that is ok has its polyline";
  // The premise: one chunk (4,096 jobs by default) whose answer is larger than a message may be.
  EXPECT_GT(r[0][3].as<long>(), 4L << 20);
  EXPECT_EQ(query("select count(*) from chunks_done")[0][0].as<long>(), 1);
  EXPECT_EQ(query("select count(*) from batches where finished_at is not null")[0][0].as<long>(),
            1);
}

}  // namespace
}  // namespace waybill::test
