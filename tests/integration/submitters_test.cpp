// Many submitters against real processes: batches cancelled while others route, and clients that
// submit at the same moment (beyond the receiving slots: queued, not refused).
#include <gtest/gtest.h>

#include <thread>

#include "tests/integration/pipeline_fixture.h"

namespace waybill::test {
namespace {

using namespace std::chrono_literals;

using SubmittersTest = PipelineTest;

TEST_F(SubmittersTest, ACancelledBatchStopsAndTheOthersAreUntouched) {
  start_dispatcher();  // no worker yet: nothing is routed until the cancel is done
  const Batch first = make_batch(2, 300, 50, 61), second = make_batch(2, 300, 50, 62);
  for (const auto& [batch, name] : {std::pair{&first, "first.csv"}, std::pair{&second, "second.csv"}}) {
    const auto [status, output] = try_submit(*batch, name);
    ASSERT_NE(status, -1) << output;
  }
  ASSERT_EQ(query("select count(*) from batches")[0][0].as<int>(), 2);
  const std::string log = (m_dir / "cancel.log").string();
  ASSERT_EQ(run(WAYBILL_CLI, {"cancel", "--dispatcher", m_clients, "1"}, log), 0) << slurp(log);
  EXPECT_NE(slurp(log).find("batch 1: cancelled; " + std::to_string(first.accepted) + " jobs"),
            std::string::npos)
      << slurp(log);
  start_worker("w1");
  ASSERT_TRUE(eventually(
      [&] { return query("select count(*) from batches where finished_at is not null")[0][0].as<int>() == 2; },
      60s))
      << slurp(m_dir / "dispatcher.log");
  // The cancelled batch: every job once, as cancelled, nothing routed; the other: all routed.
  EXPECT_EQ(query("select count(*) from job_routes where batch_id = 1 and status = 'cancelled'")[0][0].as<std::size_t>(),
            first.accepted);
  EXPECT_EQ(query("select count(*) from routes where batch_id = 1")[0][0].as<std::size_t>(), first.accepted);
  EXPECT_FALSE(query("select cancelled_at from batches where id = 1")[0][0].is_null());
  EXPECT_TRUE(query("select cancelled_at from batches where id = 2")[0][0].is_null());
  EXPECT_EQ(query("select count(*) from routes where batch_id = 2 and status <> 5")[0][0].as<std::size_t>(),
            second.accepted);
  // Cancelled twice, or a batch that does not exist: refused with the reason, exit 1.
  EXPECT_EQ(run(WAYBILL_CLI, {"cancel", "--dispatcher", m_clients, "1"}, log), 1);
  EXPECT_NE(slurp(log).find("batch 1 is finished already"), std::string::npos) << slurp(log);
  EXPECT_EQ(run(WAYBILL_CLI, {"cancel", "--dispatcher", m_clients, "77"}, log), 1);
  EXPECT_NE(slurp(log).find("no batch 77"), std::string::npos) << slurp(log);
}

}  // namespace
}  // namespace waybill::test
