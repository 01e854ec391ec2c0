// End to end: a real PostgreSQL, a real dispatcher and real workers talking over TCP.
#include "tests/integration/pipeline_fixture.h"

#include "router/shortest_path.h"

namespace waybill::test {
namespace {

using namespace std::chrono_literals;

TEST_F(PipelineTest, EveryAcceptedJobHasExactlyOneRouteEqualToTheRouter) {
  start_dispatcher();
  Process& w1 = start_worker("w1");
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

  ReferenceRouter reference(m_graph);
  std::size_t unreachable = 0;
  for (const auto& row : query("select order_id, origin, destination, cost, hops, status from job_routes")) {
    const auto expected = reference.route(row[1], row[2]);
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
  // The lone origins were answered by the graph's hierarchy, built by `graph import` and fetched
  // from the dispatcher with the graph.
  EXPECT_NE(w1.log().find("fetching hierarchy"), std::string::npos) << w1.log();
  EXPECT_NE(w1.log().find("its hierarchy"), std::string::npos) << w1.log();

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
