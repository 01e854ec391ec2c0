// Many submitters against real processes: batches cancelled while others route, and clients that
// submit at the same moment (beyond the receiving slots: queued, not refused).
#include <gtest/gtest.h>

#include <fstream>
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

TEST_F(SubmittersTest, TenClientsSubmittingAtOnceAreAllServedWithoutARefusal) {
  start_dispatcher({"--insecure", "--max-receiving", "2"});
  start_worker("w1");
  start_worker("w2");
  std::vector<Batch> batches;
  std::vector<std::unique_ptr<Process>> clients;
  for (int i = 0; i < 10; ++i) {
    batches.push_back(make_batch(4, 1500, 200, 70 + i));  // 6,200 jobs each
    const auto file = m_dir / (std::string("b").append(std::to_string(i)) + ".csv");
    std::ofstream(file) << batches.back().text;
  }
  for (int i = 0; i < 10; ++i) {  // ten processes started at once
    const std::string name = std::string("b").append(std::to_string(i));
    clients.push_back(std::make_unique<Process>(
        WAYBILL_CLI,
        std::vector<std::string>{"submit", "--dispatcher", m_clients, "--graph", m_graph_name,
                                 (m_dir / (name + ".csv")).string(), "--wait"},
        (m_dir / (name + ".log")).string()));
  }
  int queued = 0;
  for (int i = 0; i < 10; ++i) {
    const std::string log = slurp(m_dir / (std::string("b").append(std::to_string(i)) + ".log"));
    EXPECT_EQ(clients[i]->wait_for(180s), 0) << log;  // stored, with its four rejected lines
    const std::string again = slurp(m_dir / (std::string("b").append(std::to_string(i)) + ".log"));
    EXPECT_EQ(again.find("busy"), std::string::npos) << again;
    EXPECT_EQ(again.find("retrying"), std::string::npos) << again;
    queued += again.find("queued: place") != std::string::npos;
  }
  EXPECT_GT(queued, 0);  // two slots for ten clients: some waited their turn
  // Ten batches, every job routed once.
  ASSERT_EQ(query("select count(*) from batches where finished_at is not null")[0][0].as<int>(), 10);
  for (int i = 0; i < 10; ++i) {
    const auto id = query("select id from batches where file_name like '%b" + std::to_string(i) + ".csv'");
    ASSERT_EQ(id.size(), 1u);
    const std::string b = id[0][0].as<std::string>();
    EXPECT_EQ(query("select sum(cardinality(status)) from route_blocks where batch_id = " + b)[0][0]
                  .as<std::size_t>(),
              batches[i].accepted);  // routes stored
    EXPECT_EQ(query("select count(*) from routes where batch_id = " + b)[0][0].as<std::size_t>(),
              batches[i].accepted);  // jobs routed
  }
}

}  // namespace
}  // namespace waybill::test
