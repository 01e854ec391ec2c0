// Jobs past seq 2^31 (int's limit, which jobs.seq had before 0011_wide_seqs) are stored, routed
// and shown like any other. Making 2^31 jobs would take an hour, so the batch is made to look as
// if it had: a stored batch's jobs are moved to seq 2^31 + i, and its first 2^31 jobs are marked
// routed in chunks_done. The real dispatcher then resumes it and a real worker routes the rest.
#include "tests/integration/pipeline_fixture.h"

namespace waybill::test {
namespace {

using namespace std::chrono_literals;

TEST_F(PipelineTest, JobsPastSeq2To31AreRoutedAndShownLikeAnyOther) {
  constexpr std::int64_t kBase = std::int64_t{1} << 31;
  constexpr std::int64_t kChunk = 65536;  // 2^31 / 65536 = 32768 chunks marked done
  Process& first = start_dispatcher();
  const Batch batch = make_batch(2, 60, 40, 31);
  const auto [status, output] = try_submit(batch, "batch.csv");  // no worker: nothing routed
  ASSERT_EQ(status, 0) << output;
  first.signal(SIGTERM);
  ASSERT_EQ(first.wait_for(20s), 0) << first.log();

  const std::string id = query("select id from batches")[0][0].as<std::string>();
  const std::string accepted = std::to_string(kBase + static_cast<std::int64_t>(batch.accepted));
  // The batch is one segment, its keys and blocks each a sub-partition of seq range
  // [0, accepted) (the keys' seqs stored less 2^31): moved to [2^31, 2^31 + accepted).
  const auto move = [&](const std::string& table, const std::string& column, std::int64_t offset) {
    const std::string segment = table + "_b" + id + "_s0";
    query("alter table " + table + "_b" + id + " detach partition " + segment);
    query("update " + segment + " set " + column + " = " + column + " + " + std::to_string(kBase));
    query("alter table " + table + "_b" + id + " attach partition " + segment + " for values from (" +
          std::to_string(kBase - offset) + ") to (" +
          std::to_string(kBase + static_cast<std::int64_t>(batch.accepted) - offset) + ")");
  };
  move("job_keys", "seq", kBase);
  move("job_blocks", "first_seq", 0);
  query("update batch_segments set first_seq = first_seq + " + std::to_string(kBase) +
        " where batch_id = " + id);
  query("update batches set accepted = " + accepted + ", chunk_size = " + std::to_string(kChunk) +
        " where id = " + id);
  query("insert into chunks_done (batch_id, chunk, jobs, unreachable)"
        " select " + id + ", c, " + std::to_string(kChunk) + ", 0"
        " from generate_series(0, " + std::to_string(kBase / kChunk - 1) + ") c");

  start_dispatcher();
  start_worker("w1");
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (query("select finished_at is null from batches")[0][0].as<bool>()) {
    ASSERT_LT(std::chrono::steady_clock::now(), deadline)
        << "batch not finished\n--- dispatcher:\n" << slurp(m_dir / "dispatcher.log");
    std::this_thread::sleep_for(200ms);
  }

  const auto rows = query("select order_id, origin, destination, cost, status, seq from job_routes"
                          " where batch_id = " + id + " order by seq");
  ASSERT_EQ(rows.size(), batch.accepted);
  ReferenceRouter reference(m_graph);
  std::int64_t seq = kBase;
  for (const auto& row : rows) {
    EXPECT_EQ(row[5].as<std::int64_t>(), seq++) << row[0].as<std::string>();
    const auto expected = reference.route(row[1], row[2]);
    if (expected.status == router::RouteStatus::unreachable) {
      EXPECT_EQ(row[4].as<std::string>(), "unreachable") << row[0].as<std::string>();
    } else {
      ASSERT_EQ(row[4].as<std::string>(), "ok") << row[0].as<std::string>();
      EXPECT_EQ(row[3].as<std::int64_t>(), expected.cost) << row[0].as<std::string>();
    }
  }
  // An order is found by its id, as any other.
  const auto one = query("select seq, status from job_routes where batch_id = " + id +
                         " and order_id = " + pqxx::connection(m_db).quote(rows[7][0].as<std::string>()));
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0][0].as<std::int64_t>(), kBase + 7);
  const auto progress = query("select accepted, routed, percent from batch_progress");
  EXPECT_EQ(progress[0][0].as<std::string>(), accepted);
  EXPECT_EQ(progress[0][1].as<std::string>(), accepted);
  EXPECT_EQ(progress[0][2].as<std::string>(), "100.0");
  EXPECT_EQ(query("select max(chunk) from chunks_done")[0][0].as<std::int64_t>(), kBase / kChunk);
}

}  // namespace
}  // namespace waybill::test
