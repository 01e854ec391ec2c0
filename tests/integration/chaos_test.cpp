// Faults in the middle of a batch, made deterministic with SIGSTOP: workers frozen while they
// hold leases, one killed with -9, the dispatcher killed with -9 and restarted, a frozen worker
// thawed so its stale answers reach the new dispatcher. Nothing may be lost or stored twice.
#include "tests/integration/pipeline_fixture.h"

#include "router/shortest_path.h"

namespace waybill::test {
namespace {

using namespace std::chrono_literals;

class ChaosTest : public PipelineTest {
 protected:
  bool ready(const std::string& worker) {
    return slurp(m_dir / (worker + ".log")).find(" ready: ") != std::string::npos;
  }
  std::size_t count(const std::string& sql) { return query(sql)[0][0].as<std::size_t>(); }
};

TEST_F(ChaosTest, NothingIsLostOrDoubledWhenWorkersAndTheDispatcherDie) {
  start_dispatcher();
  Process& doomed = start_worker("doomed");
  Process& frozen = start_worker("frozen");
  ASSERT_TRUE(eventually([&] { return ready("doomed") && ready("frozen"); }, 30s));
  doomed.signal(SIGSTOP);
  frozen.signal(SIGSTOP);

  const Batch batch = make_batch(10, 400, 3000, 21);
  const auto [stored, output] = try_submit(batch, "batch.csv");
  ASSERT_EQ(stored, stored_status(batch)) << output;
  std::this_thread::sleep_for(1s);  // both frozen workers are leased chunks they cannot answer
  EXPECT_EQ(count("select count(*) from routes"), 0u);

  doomed.signal(SIGKILL);
  EXPECT_EQ(doomed.wait(), 128 + SIGKILL);
  Process& old_dispatcher = *m_procs.front();
  old_dispatcher.signal(SIGKILL);
  old_dispatcher.wait();
  start_dispatcher();
  frozen.signal(SIGCONT);  // answers leases of the dead dispatcher
  start_worker("fresh");

  ASSERT_TRUE(eventually(
      [&] { return count("select count(*) from batches where finished_at is not null") == 1; },
      90s))
      << slurp(m_dir / "dispatcher.log");
  EXPECT_EQ(count("select sum(cardinality(status)) from route_blocks"), batch.accepted);  // stored
  EXPECT_EQ(count("select count(*) from routes"), batch.accepted);  // jobs routed
  EXPECT_EQ(count("select count(*) from job_routes where status = 'pending'"), 0u);
  EXPECT_EQ(count("select count(*) from rejects"), batch.rejects.size());

  ReferenceRouter reference(m_graph);
  std::size_t wrong = 0;
  for (const auto& row : query("select origin, destination, cost from job_routes")) {
    const auto expected = reference.route(row[0], row[1]);
    const bool ok = expected.status == router::RouteStatus::ok
                        ? !row[2].is_null() && row[2].as<std::int64_t>() == expected.cost
                        : row[2].is_null();
    wrong += !ok;
  }
  EXPECT_EQ(wrong, 0u);
}

TEST_F(ChaosTest, SigtermDrainsTheDispatcherAndAWorker) {
  Process& dispatcher = start_dispatcher();
  Process& worker = start_worker("w");
  submit(make_batch(2, 100, 100, 22), "batch.csv");
  worker.signal(SIGTERM);
  EXPECT_EQ(worker.wait_for(20s), 0) << slurp(m_dir / "w.log");
  dispatcher.signal(SIGTERM);
  EXPECT_EQ(dispatcher.wait_for(20s), 0) << slurp(m_dir / "dispatcher.log");
}

}  // namespace
}  // namespace waybill::test
