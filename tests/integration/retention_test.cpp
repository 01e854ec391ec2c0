// Retention through the command line: a routed batch archived (zstd and plain), dropped and
// restored comes back the same, row for row; a cut archive stores nothing.
#include "tests/integration/pipeline_fixture.h"

namespace waybill::test {
namespace {

using namespace std::chrono_literals;

TEST_F(PipelineTest, ABatchArchivedDroppedAndRestoredComesBackTheSame) {
  start_dispatcher();
  start_worker("w1");
  const Batch batch = make_batch(2, 150, 60, 41);
  submit(batch, "batch.csv");
  const std::string id = query("select id from batches")[0][0].as<std::string>();
  const std::string routes_sql =
      "select order_id, origin, destination, cost, hops, status, worker, routed_at, line, seq"
      " from job_routes where batch_id = %s order by seq";
  const auto rows_of = [&](const std::string& batch_id) {
    std::string text;
    std::string sql = routes_sql;
    sql.replace(sql.find("%s"), 2, batch_id);
    for (const auto& row : query(sql)) {
      for (const auto& field : row) text.append(field.is_null() ? "NULL" : field.c_str()).append("|");
      text += '\n';
    }
    for (const auto& row : query("select line, raw, reason from rejects where batch_id = " + batch_id +
                                 " order by line")) {
      for (const auto& field : row) text.append(field.c_str()).append("|");
      text += '\n';
    }
    return text;
  };
  const std::string before = rows_of(id);
  const auto cli = [&](std::vector<std::string> args, const std::string& log) {
    Process p(WAYBILL_CLI, std::move(args), (m_dir / log).string());
    return std::pair{p.wait_for(60s), slurp(m_dir / log)};
  };
  const std::string zst = (m_dir / "b.archive.zst").string();
  const std::string plain = (m_dir / "b.archive").string();
  for (const auto& file : {zst, plain}) {
    const auto [status, out] = cli({"batch", "archive", "--db", m_db, id, "--to", file}, "archive.log");
    ASSERT_EQ(status, 0) << out;
  }
  EXPECT_EQ(std::ifstream(zst, std::ios::binary).get(), 0x28);  // the zstd magic
  auto [status, out] = cli({"batch", "restore", "--db", m_db, zst}, "restore0.log");
  EXPECT_EQ(status, 1);
  EXPECT_NE(out.find("this batch is here already: batch " + id), std::string::npos) << out;

  std::tie(status, out) = cli({"batch", "drop", "--db", m_db, id}, "drop.log");
  ASSERT_EQ(status, 0) << out;
  EXPECT_EQ(query("select count(*) from jobs")[0][0].as<int>(), 0);

  // Cut short: the last section loses its end. Nothing is stored.
  const std::string text = slurp(plain);
  const std::string cut_file = (m_dir / "cut.archive").string();
  std::ofstream(cut_file) << text.substr(0, text.size() - 20);
  std::tie(status, out) = cli({"batch", "restore", "--db", m_db, cut_file}, "restore1.log");
  EXPECT_EQ(status, 1);
  EXPECT_NE(out.find("not ended by a line"), std::string::npos) << out;
  EXPECT_EQ(query("select count(*) from batches")[0][0].as<int>(), 0);

  std::tie(status, out) = cli({"batch", "restore", "--db", m_db, zst}, "restore2.log");
  ASSERT_EQ(status, 0) << out;
  const std::string restored = query("select id from batches")[0][0].as<std::string>();
  EXPECT_NE(out.find("restored as batch " + restored), std::string::npos) << out;
  EXPECT_EQ(rows_of(restored), before);
  const auto progress = query("select accepted, rejected, routed, finished_at is not null from batch_progress");
  EXPECT_EQ(progress[0][0].as<std::size_t>(), batch.accepted);
  EXPECT_EQ(progress[0][1].as<std::size_t>(), batch.rejects.size());
  EXPECT_EQ(progress[0][2].as<std::size_t>(), batch.accepted);
  EXPECT_TRUE(progress[0][3].as<bool>());
  // The same file submitted again finds the restored batch.
  const auto again = submit(batch, "batch.csv");
  EXPECT_NE(again.find("already submitted"), std::string::npos) << again;

  // A batch cancelled before its last part named it has no hash: its archive is known by its
  // head, submit time and file name instead, and restored once.
  query("update batches set hash = null, cancelled_at = now() where id = " + restored);
  const std::string unnamed = (m_dir / "unnamed.archive").string();
  std::tie(status, out) =
      cli({"batch", "archive", "--db", m_db, restored, "--to", unnamed}, "archive2.log");
  ASSERT_EQ(status, 0) << out;
  std::tie(status, out) = cli({"batch", "restore", "--db", m_db, unnamed}, "restore3.log");
  EXPECT_EQ(status, 1);
  EXPECT_NE(out.find("this batch is here already: batch " + restored), std::string::npos) << out;
  EXPECT_EQ(query("select count(*) from batches")[0][0].as<int>(), 1);
}

}  // namespace
}  // namespace waybill::test
