// The dispatcher's core in process (dispatcher/core.h): a fake clock, a fake database that fails
// at named stages, workers and clients that are routing ids. Every route stored exactly once,
// whatever a worker or the database does.
#include "dispatcher/core.h"

#include <gtest/gtest.h>

#include "tests/dispatcher/core_harness.h"

namespace waybill::dispatcher::testing {
namespace {

using Batch = FakeDatabase::Batch;

/// Every job of `b` has a route, and the batch finished.
void expect_routed(const Batch& b) {
  EXPECT_TRUE(b.committed);
  EXPECT_EQ(b.routes.size(), b.jobs.size());
  EXPECT_EQ(b.done.size(), (b.jobs.size() + b.chunk_size - 1) / b.chunk_size);
  EXPECT_TRUE(b.finished);
}

TEST(DispatcherCore, RoutesEveryJobOnceAcrossTwoWorkers) {
  Harness h;
  h.join("w1", 2);
  h.join("w2", 2);
  const auto id = h.submit(30);  // 8 chunks of 4 (the last of 2)
  ASSERT_NE(id, 0);
  for (int round = 0; round < 20; ++round) {
    h.serve("w1");
    h.serve("w2");
  }
  expect_routed(h.db.batches.at(id));
}

TEST(DispatcherCore, CountsJobsLeasesAndWorkersInItsMetrics) {
  Harness h;
  h.join("w1", 2);
  h.join("w2", 2);
  const auto id = h.submit(30);  // 8 chunks of 4 (the last of 2)
  ASSERT_NE(id, 0);
  for (int round = 0; round < 20; ++round) {
    h.serve("w1");
    h.serve("w2");
  }
  expect_routed(h.db.batches.at(id));
  for (int i = 0; i < 6; ++i) {  // the gauges follow the state at most every 500 ms
    h.advance(100ms);
    h.from_worker("w1", wire::Heartbeat{});
    h.from_worker("w2", wire::Heartbeat{});
  }
  const std::string text = h.registry().exposition();
  auto has = [&](const std::string& line) {
    EXPECT_NE(text.find("\n" + line + "\n"), std::string::npos) << line << " not in\n" << text;
  };
  const std::string graph = "{graph=\"line\"}";
  has("waybill_jobs_accepted_total" + graph + " 30");
  has("waybill_jobs_routed_total" + graph + " 30");
  has("waybill_jobs_unreachable_total" + graph + " 0");
  has("waybill_chunks_leased_total 8");
  has("waybill_batches_finished_total 1");
  has("waybill_workers_connected 2");
  has("waybill_routing_threads 2");  // threads as the workers said in their hello (1 each here)
  has("waybill_chunks_outstanding 0");
  has("waybill_batches{state=\"routing\"} 0");
}

TEST(DispatcherCore, ADuplicateResultIsStoredOnce) {
  Harness h;
  h.join("w1");
  const auto id = h.submit(4);  // one chunk
  h.run_store();
  const auto leases = h.received<wire::Lease>("w1");
  ASSERT_EQ(leases.size(), 1u);
  // The lease expires; a second worker is given the chunk; both answer.
  h.advance(1100ms);
  h.join("w2");
  h.from_worker("w1", wire::Heartbeat{});
  h.run_store();
  const auto again = h.received<wire::Lease>("w2");
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].chunk, leases[0].chunk);
  h.from_worker("w2", Harness::answer(again[0]));
  h.from_worker("w1", Harness::answer(leases[0]));  // late, and a duplicate
  h.run_store();
  expect_routed(h.db.batches.at(id));  // FakeDatabase fails the test on a seq stored twice
}

TEST(DispatcherCore, AResultThatDoesNotMatchItsJobsIsDropped) {
  Harness h;
  const auto [id, lease] = h.first_lease(4);
  wire::ChunkResult wrong = Harness::answer(lease);
  wrong.outcomes.pop_back();
  h.from_worker("w1", wrong);
  h.run_store();
  EXPECT_TRUE(h.db.batches.at(id).routes.empty());
  h.from_worker("w1", Harness::answer(lease));
  h.run_store();
  expect_routed(h.db.batches.at(id));
}

TEST(DispatcherCore, AWorkerSilentPastItsLivenessLosesItsLeases) {
  Harness h;
  h.join("w1", 4);
  const auto id = h.submit(16);
  h.run_store();
  EXPECT_EQ(h.received<wire::Lease>("w1").size(), 4u);
  h.join("w2", 4);
  // w1 says nothing more; w2 heartbeats. After 3 heartbeats of silence w1 is gone.
  for (int i = 0; i < 5; ++i) {
    h.advance(100ms);
    h.from_worker("w2", wire::Heartbeat{});
  }
  h.serve("w2");
  expect_routed(h.db.batches.at(id));
  EXPECT_FALSE(h.received<wire::Heartbeat>("w2").empty());  // the dispatcher heartbeats too
}

TEST(DispatcherCore, APoisonChunkIsStoredAsFailedWithItsReasonAndTheRestIsRouted) {
  Harness h;
  h.join("w1", 4);
  const auto id = h.submit(12);  // chunks 0, 1, 2; chunk 1 always fails
  int failures = 0;
  for (int round = 0; round < 50; ++round) {
    h.run_store();
    for (const auto& lease : h.received<wire::Lease>("w1")) {
      if (lease.chunk == 1) {
        wire::ChunkResult r{lease.lease_id, lease.batch_id, lease.chunk, {}, "boom: bad node"};
        r.error_kind = wire::ChunkError::bad_chunk;
        h.from_worker("w1", r);
        ++failures;
      } else {
        h.from_worker("w1", Harness::answer(lease));
      }
    }
  }
  EXPECT_EQ(failures, 3);  // --max-attempts
  const Batch& b = h.db.batches.at(id);
  expect_routed(b);
  for (std::uint32_t seq = 0; seq < 12; ++seq) {
    const wire::JobOutcome& o = b.routes.at(seq);
    if (seq / 4 == 1) {
      EXPECT_EQ(o.status, wire::JobStatus::failed) << seq;
      EXPECT_EQ(o.detail, "routing failed 3 times; last error: boom: bad node");
    } else {
      EXPECT_EQ(o.status, wire::JobStatus::ok) << seq;
    }
  }
}

TEST(DispatcherCore, AChunkLostWithItsWorkerTooOftenIsFailed) {
  DispatcherConfig config = Harness::small_config();
  config.max_lost_leases = 2;
  Harness h(config);
  const auto id = h.submit(4);
  for (int k = 0; k < 2; ++k) {
    const std::string peer = "doomed" + std::to_string(k);
    h.join(peer);
    h.run_store();
    ASSERT_EQ(h.received<wire::Lease>(peer).size(), 1u);
    h.advance(400ms);  // silent past its liveness: lost, with the chunk
  }
  h.run_store();
  const Batch& b = h.db.batches.at(id);
  expect_routed(b);
  EXPECT_EQ(b.routes.at(0).status, wire::JobStatus::failed);
  EXPECT_NE(b.routes.at(0).detail.find("lost 2 times with the worker routing it"),
            std::string::npos);
}

TEST(DispatcherCore, AGraphMismatchIsNotCountedAndTheWorkerIsToldTheGraphAgain) {
  Harness h;
  h.join("w1");
  const auto id = h.submit(4);
  for (int i = 0; i < 5; ++i) {  // more than --max-attempts
    h.run_store();
    const auto lease = h.received<wire::Lease>("w1").at(0);
    wire::ChunkResult r{lease.lease_id, lease.batch_id, lease.chunk, {}, "no graph"};
    r.error_kind = wire::ChunkError::graph_mismatch;
    h.received<wire::Welcome>("w1");
    h.from_worker("w1", r);
    EXPECT_EQ(h.received<wire::Welcome>("w1").size(), 1u);
    h.from_worker("w1", wire::Credit{1});
  }
  h.serve("w1");
  const Batch& b = h.db.batches.at(id);
  expect_routed(b);
  EXPECT_EQ(b.routes.at(0).status, wire::JobStatus::ok);
}

TEST(DispatcherCore, AResultInPartsIsPutTogether) {
  Harness h;
  const auto [id, lease] = h.first_lease(4);
  wire::ChunkResult whole = Harness::answer(lease);
  for (auto& o : whole.outcomes) o.polyline = std::string(30000, 'x');
  const auto parts = wire::split_result(whole, 65536);
  ASSERT_EQ(parts.size(), 4u);  // 30 kB each: one outcome a part
  for (const auto& part : parts) h.from_worker("w1", part);
  h.run_store();
  const Batch& b = h.db.batches.at(id);
  expect_routed(b);
  EXPECT_EQ(b.routes.at(3).polyline, std::string(30000, 'x'));
}

TEST(DispatcherCore, PartsThatOverrunTheirChunkAreDropped) {
  Harness h;
  const auto [id, lease] = h.first_lease(4);
  wire::ChunkResult part = Harness::answer(lease);
  part.more = true;
  h.from_worker("w1", part);
  h.from_worker("w1", part);  // 8 outcomes for a chunk of 4: dropped
  h.from_worker("w1", Harness::answer(lease));
  h.run_store();
  expect_routed(h.db.batches.at(id));
}

TEST(DispatcherCore, ALostDatabaseWhileReadingJobsDelaysTheLeaseOnly) {
  Harness h;
  const auto id = h.submit(4);
  h.db.fail(Stage::read_jobs);
  h.join("w1");
  h.run_store();
  EXPECT_TRUE(h.received<wire::Lease>("w1").empty());
  h.advance(300ms);  // past the back-off: it reconnects and leases again
  h.serve("w1");
  expect_routed(h.db.batches.at(id));
}

TEST(DispatcherCore, ALostDatabaseWhileWritingRoutesWritesThemLater) {
  Harness h;
  h.join("w1");
  const auto id = h.submit(8);
  h.db.fail(Stage::write_routes, 2);
  h.serve("w1");
  EXPECT_LT(h.db.batches.at(id).routes.size(), 8u);
  for (int i = 0; i < 10; ++i) {
    h.advance(600ms);
    h.from_worker("w1", wire::Heartbeat{});
    h.serve("w1");
  }
  expect_routed(h.db.batches.at(id));
}

TEST(DispatcherCore, ALostDatabaseAtJoinOrInTheCatalogIsRetried) {
  Harness h;
  const auto id = h.submit(4);
  h.db.fail(Stage::catalog);
  h.from_worker("w1", wire::Hello{"w1", {}, 1});  // add_worker fails
  h.advance(300ms);
  h.join("w1");
  h.serve("w1");
  expect_routed(h.db.batches.at(id));
}

TEST(DispatcherCore, WhileTheDatabaseIsLostClientsAreToldToRetryWithoutAskingIt) {
  Harness h;
  const auto id = h.submit(4, "c");
  h.db.fail(Stage::catalog);
  h.from_client("c", wire::StatusRequest{static_cast<std::uint64_t>(id)});  // finds it lost
  ASSERT_EQ(h.received<wire::SubmitReply>("c").size(), 1u);
  // Lost: each request would wait out a connect timeout with the loop (over a cut link, 2 s
  // a request): the clients are answered at once and PostgreSQL is not asked.
  const int calls = h.db.catalog_calls;
  for (int i = 0; i < 5; ++i) h.from_client("c", wire::StatusRequest{static_cast<std::uint64_t>(id)});
  EXPECT_EQ(h.db.catalog_calls, calls);
  const auto replies = h.received<wire::SubmitReply>("c");
  ASSERT_EQ(replies.size(), 5u);
  for (const auto& r : replies) {
    EXPECT_EQ(r.stage, wire::SubmitReply::Stage::failed);
    EXPECT_EQ(r.error, "database unavailable; retry");
  }
  EXPECT_TRUE(h.received<wire::StatusReply>("c").empty());
  h.advance(300ms);  // reconnected: answered again
  h.from_client("c", wire::StatusRequest{static_cast<std::uint64_t>(id)});
  EXPECT_EQ(h.received<wire::StatusReply>("c").size(), 1u);
}

TEST(DispatcherCore, AWorkerJoiningWhileTheDatabaseIsLostIsWelcomedAndRegisteredOnReconnect) {
  Harness h;
  const auto id = h.submit(4, "c");
  h.db.fail(Stage::catalog);
  h.from_client("c", wire::StatusRequest{static_cast<std::uint64_t>(id)});  // lost now
  const int calls = h.db.catalog_calls;
  h.join("w1");  // answered at once, PostgreSQL not asked
  EXPECT_EQ(h.db.catalog_calls, calls);
  EXPECT_EQ(h.received<wire::Welcome>("w1").size(), 1u);
  EXPECT_EQ(h.db.workers, 0);
  h.advance(300ms);  // reconnected: registered, and routing
  EXPECT_EQ(h.db.workers, 1);
  h.serve("w1");
  expect_routed(h.db.batches.at(id));
}

TEST(DispatcherCore, ALostDatabaseIsProbedOffTheLoopOneProbeAtATime) {
  Harness h;
  const auto id = h.submit(4, "c");
  h.db.fail(Stage::catalog);
  h.from_client("c", wire::StatusRequest{static_cast<std::uint64_t>(id)});  // lost now
  // A probe is a connection attempt (to a host that is gone: connect_timeout): it runs on a
  // store's thread while the loop goes on; the loop itself never asks the catalog meanwhile.
  h.hold_probes = true;
  const int calls = h.db.catalog_calls;
  for (int i = 0; i < 20; ++i) h.advance(500ms);
  EXPECT_EQ(h.db.catalog_calls, calls);
  EXPECT_EQ(h.probes_pending(), 1);
  EXPECT_LT(h.core().next_wakeup(), h.now + 1s);  // no busy loop on a retry time gone by
  EXPECT_GT(h.core().next_wakeup(), h.now);
  h.hold_probes = false;
  h.tick();  // it answers: the core resumes from the catalog
  const std::string text = h.registry().exposition();
  EXPECT_NE(text.find("\nwaybill_db_reconnects_total 1\n"), std::string::npos) << text;
}

TEST(DispatcherCore, FailuresWhileTheDatabaseIsLostDoNotPutOffTheRetry) {
  Harness h;
  h.submit(4);
  h.join("w1");  // the read of its lease's jobs is under way
  h.db.fail(Stage::catalog);
  h.db.fail(Stage::read_jobs);
  h.from_client("c", wire::StatusRequest{0});  // lost now: the first retry in 250 ms
  h.advance(100ms);
  h.run_store();     // the read fails too
  h.advance(160ms);  // the retry, on time: reconnected
  const std::string text = h.registry().exposition();
  EXPECT_NE(text.find("\nwaybill_db_reconnects_total 1\n"), std::string::npos) << text;
}

TEST(DispatcherCore, ALostDatabaseAtBeginOrWhileStoringRowsFailsTheSubmitClearly) {
  Harness h;
  std::string file = "order_id,origin,destination\nA,1,2\n";
  wire::SubmitBegin begin{"line", sha256_hex(file), "a.csv", file.size()};
  h.db.fail(Stage::begin_batch);
  h.from_client("c", begin);
  h.run_store();
  auto replies = h.received<wire::SubmitReply>("c");
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0].stage, wire::SubmitReply::Stage::failed);
  EXPECT_EQ(replies[0].error, "database unavailable; retry");

  h.advance(300ms);
  h.db.fail(Stage::store_rows, 1, /*retryable=*/false);
  h.from_client("c", begin);
  h.run_store();
  replies = h.received<wire::SubmitReply>("c");
  ASSERT_EQ(replies.size(), 1u);
  ASSERT_EQ(replies[0].stage, wire::SubmitReply::Stage::begun);
  h.from_client("c", wire::SubmitData{replies[0].submit_id, 0, file, true});
  h.run_store();
  replies = h.received<wire::SubmitReply>("c");
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0].stage, wire::SubmitReply::Stage::failed);
  EXPECT_NE(replies[0].error.find("start over"), std::string::npos) << replies[0].error;
  EXPECT_TRUE(h.db.batches.empty());  // rolled back
  EXPECT_EQ(h.submit(1, "c"), 2);      // and the next submit goes through
}

TEST(DispatcherCore, ABugInAStoreTaskIsNotTakenForALostDatabase) {
  Harness h;
  h.join("w1", 2);
  const auto id = h.submit(8);
  h.db.fail(Stage::write_routes, 1, true, /*internal=*/true);
  h.serve("w1");
  // Not lost: leasing went on at once, and the routes are written again with the next write.
  h.advance(150ms);
  h.serve("w1");
  expect_routed(h.db.batches.at(id));
}

TEST(DispatcherCore, SubmittersBeyondTheSlotsAreQueuedAndServedInTurn) {
  DispatcherConfig config = Harness::small_config();
  config.max_receiving = 2;
  Harness h(config);
  std::vector<std::string> files;
  for (int c = 0; c < 4; ++c) {
    files.push_back("order_id,origin,destination\nA" + std::to_string(c) + ",1,2\nB,1,3\n");
  }
  auto begin = [&](int c) {
    const std::string client = "c" + std::to_string(c);
    h.from_client(client, wire::SubmitBegin{"line", sha256_hex(files[c]), "f.csv", files[c].size()});
    h.run_store();
    const auto replies = h.received<wire::SubmitReply>(client);
    EXPECT_EQ(replies.size(), 1u);
    return replies.empty() ? wire::SubmitReply{} : replies.back();
  };
  auto send_all = [&](int c, const wire::SubmitReply& begun) {
    const std::string client = "c" + std::to_string(c);
    h.from_client(client, wire::SubmitData{begun.submit_id, 0, files[c], true});
    h.run_store();
    const auto done = h.received<wire::SubmitReply>(client);
    EXPECT_EQ(done.size(), 1u);
    EXPECT_EQ(done.empty() ? wire::SubmitReply::Stage::failed : done.back().stage,
              wire::SubmitReply::Stage::done);
  };
  const auto r0 = begin(0), r1 = begin(1), r2 = begin(2), r3 = begin(3);
  EXPECT_EQ(r0.stage, wire::SubmitReply::Stage::begun);
  EXPECT_EQ(r1.stage, wire::SubmitReply::Stage::begun);
  EXPECT_EQ(r2.stage, wire::SubmitReply::Stage::queued);
  EXPECT_EQ(r2.place, 1u);
  EXPECT_EQ(r3.stage, wire::SubmitReply::Stage::queued);
  EXPECT_EQ(r3.place, 2u);
  EXPECT_EQ(begin(3).place, 2u);  // asking again keeps the place: c2 is still ahead
  send_all(1, r1);                // a slot frees: the head of the queue takes it
  EXPECT_EQ(begin(3).place, 1u);  // ... only the head: c3 is next
  const auto again2 = begin(2);
  EXPECT_EQ(again2.stage, wire::SubmitReply::Stage::begun);
  send_all(0, r0);
  const auto again3 = begin(3);
  EXPECT_EQ(again3.stage, wire::SubmitReply::Stage::begun);
  send_all(2, again2);
  send_all(3, again3);
  EXPECT_EQ(h.db.batches.size(), 4u);
  for (const auto& [id, b] : h.db.batches) {
    EXPECT_TRUE(b.committed);
    EXPECT_EQ(b.jobs.size(), 2u);
  }
  EXPECT_TRUE(h.db.open_submits.empty());
}

TEST(DispatcherCore, AFileThatIsNoBatchFileIsRefusedAndNothingIsStored) {
  Harness h;
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"order_id;origin;destination\nA;1;2\n", "refused: not a batch file: bad header: "},
      {"order_id,origin,destination\n\n\n", "refused: not a batch file: no line after the header"},
      {"\n\n", "refused: not a batch file: the file is empty"},
  };
  for (const auto& [file, error] : cases) {
    h.from_client("c", wire::SubmitBegin{"line", sha256_hex(file), "x.csv", file.size()});
    h.run_store();
    const auto begun = h.received<wire::SubmitReply>("c");
    ASSERT_EQ(begun.size(), 1u);
    h.from_client("c", wire::SubmitData{begun[0].submit_id, 0, file, true});
    h.run_store();
    const auto replies = h.received<wire::SubmitReply>("c");
    ASSERT_EQ(replies.size(), 1u);
    EXPECT_EQ(replies[0].stage, wire::SubmitReply::Stage::failed);
    EXPECT_EQ(replies[0].error.substr(0, error.size()), error) << replies[0].error;
  }
  EXPECT_TRUE(h.db.batches.empty());  // each was rolled back
  EXPECT_TRUE(h.db.open_submits.empty());
}

TEST(DispatcherCore, AQueuedClientThatStopsAskingLosesItsPlace) {
  DispatcherConfig config = Harness::small_config();
  config.max_receiving = 1;
  Harness h(config);
  const std::string a = "order_id,origin,destination\nA,1,2\n", b = a + "B,1,3\n", c = b + "C,1,4\n";
  h.from_client("c1", wire::SubmitBegin{"line", sha256_hex(a), "a.csv", a.size()});
  h.from_client("c2", wire::SubmitBegin{"line", sha256_hex(b), "b.csv", b.size()});
  h.from_client("c3", wire::SubmitBegin{"line", sha256_hex(c), "c.csv", c.size()});
  EXPECT_EQ(h.received<wire::SubmitReply>("c3").back().place, 2u);
  for (int i = 0; i < 20; ++i) {  // c2 is silent; c3 keeps asking
    h.advance(1s);
    h.from_client("c3", wire::SubmitBegin{"line", sha256_hex(c), "c.csv", c.size()});
  }
  EXPECT_EQ(h.received<wire::SubmitReply>("c3").back().place, 1u);
}

TEST(DispatcherCore, ACancelledBatchStopsAndLeavesTheOthersUntouched) {
  Harness h;
  const auto a = h.submit(40);        // 10 chunks of 4
  const auto b = h.submit(36, "c2");  // 9 chunks
  h.join("w1", 2);
  h.run_store();
  const auto first = h.received<wire::Lease>("w1");
  ASSERT_EQ(first.size(), 2u);  // one of each batch: they take turns
  EXPECT_NE(first[0].batch_id, first[1].batch_id);
  for (const auto& lease : first) h.from_worker("w1", Harness::answer(lease));
  h.run_store();
  const auto late = h.received<wire::Lease>("w1");  // the next two, out when the cancel comes
  h.from_client("op", wire::CancelRequest{static_cast<std::uint64_t>(a)});
  h.run_store();
  const auto replies = h.received<wire::CancelReply>("op");
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0].error, "");
  const auto& batch_a = h.db.batches.at(a);
  EXPECT_TRUE(batch_a.cancelled);
  EXPECT_EQ(replies[0].cancelled, 40u - 4u);  // one chunk of a was routed before
  for (const auto& lease : late) h.from_worker("w1", Harness::answer(lease));  // dropped for a
  h.serve("w1");
  EXPECT_EQ(batch_a.routes.size(), 40u);  // each job once: routed or cancelled (the fake checks)
  std::size_t cancelled = 0;
  for (const auto& [seq, o] : batch_a.routes) cancelled += static_cast<int>(o.status) == 5;
  EXPECT_EQ(cancelled, 36u);
  expect_routed(h.db.batches.at(b));
  // Asked again, or for a batch that does not exist: refused with the reason.
  h.from_client("op", wire::CancelRequest{static_cast<std::uint64_t>(a)});
  h.from_client("op", wire::CancelRequest{99});
  const auto again = h.received<wire::CancelReply>("op");
  ASSERT_EQ(again.size(), 2u);
  EXPECT_EQ(again[0].error, "batch " + std::to_string(a) + " is finished already");
  EXPECT_EQ(again[1].error, "no batch 99");
}

TEST(DispatcherCore, AClientSilentTooLongIsRolledBack) {
  Harness h;
  std::string file = "order_id,origin,destination\nA,1,2\n";
  h.from_client("c1", wire::SubmitBegin{"line", sha256_hex(file), "a.csv", file.size()});
  h.run_store();
  EXPECT_EQ(h.db.batches.size(), 1u);
  h.advance(31s);
  h.run_store();
  EXPECT_TRUE(h.db.batches.empty());
}

TEST(DispatcherCore, ARestartMidBatchResumesWhereTheDatabaseLeftOff) {
  Harness h;
  h.join("w1", 1);
  const auto id = h.submit(16);  // 4 chunks
  h.run_store();
  auto lease = h.received<wire::Lease>("w1").at(0);
  h.from_worker("w1", Harness::answer(lease));
  h.run_store();  // chunk written
  h.run_store();
  lease = h.received<wire::Lease>("w1").at(0);
  h.from_worker("w1", Harness::answer(lease));  // answered, not written: lost with the restart
  h.restart();
  EXPECT_EQ(h.db.batches.at(id).done.size(), 1u);
  h.join("w2", 2);
  h.serve("w2");
  expect_routed(h.db.batches.at(id));
}

TEST(DispatcherCore, StoppingWritesWhatItHolds) {
  DispatcherConfig config = Harness::small_config();
  config.flush_rows = 1000;  // nothing is due by size
  config.flush_ms = 60000;   // nor by age
  Harness h(config);
  h.join("w1", 4);
  const auto id = h.submit(8);
  h.serve("w1");
  EXPECT_TRUE(h.db.batches.at(id).routes.empty());
  EXPECT_EQ(h.core().routes_held(), 8u);
  h.core().stop(h.now);
  h.tick();
  h.run_store();
  EXPECT_EQ(h.db.batches.at(id).routes.size(), 8u);
  EXPECT_EQ(h.core().routes_held(), 0u);
}

TEST(DispatcherCore, NextWakeupIsTheNearestTimer) {
  Harness h;
  EXPECT_LE(h.core().next_wakeup(), h.now + 50ms);  // workers' heartbeats are checked then
  EXPECT_GT(h.core().next_wakeup(), h.now - 1ms);
}

}  // namespace
}  // namespace waybill::dispatcher::testing

// ---- a file hashed as it is sent (SubmitBegin without content_hash) ----------------------------
namespace waybill::dispatcher::testing {

namespace {

using Reply = wire::SubmitReply::Stage;

/// A streamed begin: the head's hash only (the files here are shorter than a MiB: the head is
/// the whole content), `skip` as the client has learnt it.
wire::SubmitBegin streamed(const std::string& file, std::vector<std::uint64_t> skip = {}) {
  wire::SubmitBegin begin{"line", "", "s.csv", file.size()};
  begin.head_hash = sha256_hex(file);
  begin.skip_batches = std::move(skip);
  return begin;
}

/// The client's last reply (a resume is answered `queued` first, then `begun`).
wire::SubmitReply last_reply(Harness& h, const std::string& client) {
  h.run_store();
  const auto replies = h.received<wire::SubmitReply>(client);
  EXPECT_GE(replies.size(), 1u);
  return replies.empty() ? wire::SubmitReply{} : replies.back();
}

/// The answer to a begin that resumes a batch: `queued` while the stored part is read back,
/// then, asked again with the same begin, `begun`; told once (no answer comes unasked).
wire::SubmitReply resume_offer(Harness& h, const std::string& client,
                               const wire::SubmitBegin& begin) {
  EXPECT_EQ(last_reply(h, client).stage, wire::SubmitReply::Stage::queued);
  h.from_client(client, begin);
  h.run_store();
  const auto replies = h.received<wire::SubmitReply>(client);
  EXPECT_EQ(replies.size(), 1u);
  return replies.empty() ? wire::SubmitReply{} : replies.back();
}

/// Segments of four lines: a segment closes with the part that holds a test's first four jobs.
DispatcherConfig four_line_segments() {
  DispatcherConfig config = Harness::small_config();
  config.segment_lines = 4;
  return config;
}

std::string jobs_file(int from, int to) {
  std::string file = "order_id,origin,destination\n";
  for (int i = from; i < to; ++i) {
    file.append("J").append(std::to_string(i)).append(",1,");
    file.append(std::to_string(2 + i % 19)).append("\n");
  }
  return file;
}

}  // namespace

TEST(DispatcherCore, AFileHashedAsItIsSentIsNamedByItsLastPartAndFoundAgainByItsWholeHash) {
  Harness h;
  const std::string file = jobs_file(0, 8);
  h.from_client("c", streamed(file));
  const auto begun = last_reply(h, "c");
  ASSERT_EQ(begun.stage, Reply::begun);
  h.from_client("c", wire::SubmitData{begun.submit_id, 0, file, true, sha256_hex(file)});
  ASSERT_EQ(last_reply(h, "c").stage, Reply::done);
  const auto& batch = h.db.batches.at(static_cast<std::int64_t>(begun.batch_id));
  EXPECT_EQ(batch.hash, sha256_hex(file));
  EXPECT_EQ(batch.head, sha256_hex(file));

  // Again: a stored batch starts as it does, so the client is asked for the whole hash first,
  // and then finds that batch.
  h.from_client("c2", streamed(file));
  EXPECT_EQ(last_reply(h, "c2").stage, Reply::hash_first);
  auto with_hash = streamed(file);
  with_hash.content_hash = sha256_hex(file);
  h.from_client("c2", with_hash);
  const auto again = last_reply(h, "c2");
  EXPECT_EQ(again.stage, Reply::done);
  EXPECT_TRUE(again.existing);
  EXPECT_EQ(again.batch_id, begun.batch_id);
  EXPECT_EQ(h.db.batches.size(), 1u);
}

TEST(DispatcherCore, AStreamedSubmitWithoutItsHashAtTheEndOrWithAnotherIsRefused) {
  Harness h;
  const std::string file = jobs_file(0, 8);
  h.from_client("c", streamed(file));
  auto begun = last_reply(h, "c");
  h.from_client("c", wire::SubmitData{begun.submit_id, 0, file, true});  // no content hash
  auto refused = last_reply(h, "c");
  EXPECT_EQ(refused.stage, Reply::failed);
  EXPECT_NE(refused.error.find("part 0: the last part carries no content hash"), std::string::npos)
      << refused.error;

  // Begun with the whole hash, ended with another: the file changed while it was sent.
  auto begin = streamed(file);
  begin.content_hash = sha256_hex(file);
  h.from_client("c", begin);
  begun = last_reply(h, "c");
  ASSERT_EQ(begun.stage, Reply::begun);
  h.from_client("c", wire::SubmitData{begun.submit_id, 0, file, true, sha256_hex(file + "x")});
  refused = last_reply(h, "c");
  EXPECT_EQ(refused.stage, Reply::failed);
  EXPECT_NE(refused.error.find("the file changed while it was sent?"), std::string::npos)
      << refused.error;
  h.from_client("c", wire::SubmitData{begun.submit_id, 0, file, true, "not hex"});
  EXPECT_EQ(last_reply(h, "c").stage, Reply::failed);  // that submit is gone
  EXPECT_TRUE(h.db.batches.empty());
}

TEST(DispatcherCore, AFileStartingAsAnOpenSubmitsWaitsForItToEndOrTakesOverOnceItIsSilent) {
  Harness h;
  const std::string file = jobs_file(0, 8);
  h.from_client("c1", streamed(file));
  const auto begun = last_reply(h, "c1");
  ASSERT_EQ(begun.stage, Reply::begun);
  h.from_client("c2", streamed(file));
  const auto waiting = last_reply(h, "c2");
  EXPECT_EQ(waiting.stage, Reply::queued);
  EXPECT_EQ(waiting.place, 0u);
  h.from_client("c1", wire::SubmitData{begun.submit_id, 0, file, true, sha256_hex(file)});
  ASSERT_EQ(last_reply(h, "c1").stage, Reply::done);
  h.from_client("c2", streamed(file));
  EXPECT_EQ(last_reply(h, "c2").stage, Reply::hash_first);

  // A submit silent for 5 s gives way: the newcomer is offered its batch for resume.
  Harness h2(four_line_segments());
  const std::string head = jobs_file(0, 4), longer = head + "J4,1,6\n";
  h2.from_client("c1", streamed(longer));
  const auto first = last_reply(h2, "c1");
  h2.from_client("c1", wire::SubmitData{first.submit_id, 0, head, false, sha256_hex(head)});
  EXPECT_EQ(last_reply(h2, "c1").durable, 4u);
  h2.advance(4s);
  h2.from_client("c2", streamed(longer));
  EXPECT_EQ(last_reply(h2, "c2").stage, Reply::queued);
  h2.advance(1s);
  h2.from_client("c2", streamed(longer));
  const auto offered = resume_offer(h2, "c2", streamed(longer));
  EXPECT_EQ(offered.stage, Reply::begun);
  EXPECT_EQ(offered.batch_id, first.batch_id);
  EXPECT_EQ(offered.resume_hash, sha256_hex(head));
  h2.from_client("c1", wire::SubmitData{first.submit_id, 1, "J4,1,6\n", true, sha256_hex(longer)});
  const auto told = last_reply(h2, "c1");
  EXPECT_EQ(told.stage, Reply::failed);
  EXPECT_NE(told.error.find("start over"), std::string::npos) << told.error;
}

TEST(DispatcherCore, AnInterruptedStreamedBatchIsOfferedForResumeWithItsHashAndSkippedWhenNotTheFile) {
  Harness h(four_line_segments());
  const std::string head = jobs_file(0, 4), file = head + "J4,1,6\nJ5,1,7\n";
  const std::string other = head + "K4,1,8\nK5,1,9\n";  // the same first part, then not
  auto begin = streamed(file);
  begin.head_hash = sha256_hex("a head common to both files");
  h.from_client("c1", begin);
  const auto begun = last_reply(h, "c1");
  ASSERT_EQ(begun.stage, Reply::begun);
  h.from_client("c1", wire::SubmitData{begun.submit_id, 0, head, false, sha256_hex(head)});
  const auto stored = last_reply(h, "c1");  // a segment closed with this part
  EXPECT_EQ(stored.durable, 4u);
  h.advance(31s);  // c1 went silent: its open segment is rolled back, the durable one stays
  h.run_store();
  const auto id = static_cast<std::int64_t>(begun.batch_id);
  ASSERT_EQ(h.db.batches.at(id).jobs.size(), 4u);
  EXPECT_TRUE(h.db.batches.at(id).hash.empty());

  // Another file with the same head: offered the batch, with the hash of its durable content.
  auto other_begin = streamed(other);
  other_begin.head_hash = begin.head_hash;
  h.from_client("c2", other_begin);
  const auto offered = resume_offer(h, "c2", other_begin);
  ASSERT_EQ(offered.stage, Reply::begun);
  EXPECT_EQ(offered.batch_id, begun.batch_id);
  EXPECT_EQ(offered.resume_offset, head.size());
  EXPECT_EQ(offered.resume_hash, sha256_hex(head));
  // Its content up to there hashes the same here: resumed, and named by its whole hash.
  h.from_client("c2", wire::SubmitData{offered.submit_id, 0, "order_id,origin,destination\n", false,
                                       sha256_hex(head)});
  h.from_client("c2", wire::SubmitData{offered.submit_id, 1, other.substr(head.size()), true,
                                       sha256_hex(other)});
  h.run_store();
  EXPECT_EQ(h.received<wire::SubmitReply>("c2").back().stage, Reply::done);
  EXPECT_EQ(h.db.batches.at(id).hash, sha256_hex(other));
  EXPECT_EQ(h.db.batches.at(id).jobs.size(), 6u);

  // Named now: a third file with that head is told to hash first (the batch is found, or not,
  // by its whole hash), never offered it.
  begin = streamed(jobs_file(10, 14));
  begin.head_hash = other_begin.head_hash;
  h.from_client("c3", begin);
  EXPECT_EQ(last_reply(h, "c3").stage, Reply::hash_first);
}

TEST(DispatcherCore, AnOfferedBatchThatIsNotTheFileIsSkippedWhetherTheBeginHadTheWholeHashOrNot) {
  Harness h(four_line_segments());
  const std::string head = jobs_file(0, 4), a = head + "J4,1,6\n", b = head + "K4,1,8\n";
  const std::string common_head = sha256_hex("the first MiB of a and b");
  auto begin_a = streamed(a);
  begin_a.head_hash = common_head;
  h.from_client("c1", begin_a);
  const auto begun = last_reply(h, "c1");
  h.from_client("c1", wire::SubmitData{begun.submit_id, 0, head, false, sha256_hex(head)});
  EXPECT_EQ(last_reply(h, "c1").durable, 4u);
  h.advance(31s);  // c1 died: a's batch stays receiving, named by nothing yet
  h.run_store();

  // b begun with its whole hash (--hash-first): not found by it, but offered a's batch by the
  // head it sends too; its client finds a's content is not b's and skips it: a batch of its own.
  auto begin_b = streamed(b);
  begin_b.head_hash = common_head;
  begin_b.content_hash = sha256_hex(b);
  h.from_client("c2", begin_b);
  const auto offered = resume_offer(h, "c2", begin_b);
  ASSERT_EQ(offered.stage, Reply::begun);
  EXPECT_EQ(offered.batch_id, begun.batch_id);
  EXPECT_EQ(offered.resume_hash, sha256_hex(head));
  begin_b.skip_batches = {begun.batch_id};
  h.from_client("c2", begin_b);  // the offer given up: "the client started over"
  const auto own = last_reply(h, "c2");
  ASSERT_EQ(own.stage, Reply::begun);
  EXPECT_EQ(own.resume_offset, 0u);
  EXPECT_NE(own.batch_id, begun.batch_id);
  h.from_client("c2", wire::SubmitData{own.submit_id, 0, b, true, sha256_hex(b)});
  ASSERT_EQ(last_reply(h, "c2").stage, Reply::done);

  // A batch found by the whole hash and skipped (its stored start is not the file's): the file
  // changed while it was sent, and the client is told so, not offered it again.
  auto again = begin_b;
  again.skip_batches = {own.batch_id};
  h.from_client("c3", again);
  const auto refused = last_reply(h, "c3");
  EXPECT_EQ(refused.stage, Reply::failed);
  EXPECT_NE(refused.error.find("its stored content is not this file's"), std::string::npos)
      << refused.error;
}

TEST(DispatcherCore, ASlowClientsSegmentsMayEachBeTwiceAsOldAsTheLastUpToSixtyFourTimesSegmentMs) {
  Harness h;  // a chunk is 4 jobs; segment_ms 1 s; segment_lines far off
  ASSERT_EQ(Harness::small_config().segment_ms, 1000);
  const std::string header = "order_id,origin,destination\n";
  h.from_client("c", streamed(jobs_file(0, 4 * 270)));
  const auto begun = last_reply(h, "c");
  ASSERT_EQ(begun.stage, Reply::begun);
  const auto id = static_cast<std::int64_t>(begun.batch_id);
  // A chunk of jobs a second for 270 s; each segment's age when it closed, in seconds.
  std::string sent;
  std::vector<int> ages;
  int opened = 0;
  for (int second = 0; second < 270; ++second) {
    std::string part = second == 0 ? header : "";
    part += jobs_file(4 * second, 4 * second + 4).substr(header.size());
    sent += part;
    const auto before = h.db.batches.at(id).segments;
    h.from_client("c", wire::SubmitData{begun.submit_id, static_cast<std::uint32_t>(second), part,
                                        false, sha256_hex(sent)});
    ASSERT_EQ(last_reply(h, "c").stage, Reply::part_stored) << "second " << second;
    if (h.db.batches.at(id).segments > before) {
      ages.push_back(second - opened);
      opened = second + 1;
    }
    h.advance(1s);
  }
  // The first as soon as it held a chunk; then 1, 2, 4, ... 64 s; then 64 s each.
  EXPECT_EQ(ages, (std::vector<int>{0, 1, 2, 4, 8, 16, 32, 64, 64, 64}));
}

TEST(DispatcherCore, ASubmitWhoseSegmentIsBeingCommittedIsNotTakenOverHoweverLong) {
  Harness h(four_line_segments());
  const std::string head = jobs_file(0, 4), file = head + "J4,1,6\n";
  h.from_client("c1", streamed(file));
  const auto begun = last_reply(h, "c1");
  // The part that closes a segment; its commit is slow (not run yet).
  h.from_client("c1", wire::SubmitData{begun.submit_id, 0, head, false, sha256_hex(head)});
  h.advance(6s);
  h.from_client("c2", streamed(file));
  const auto waiting = h.received<wire::SubmitReply>("c2");
  ASSERT_FALSE(waiting.empty());
  EXPECT_EQ(waiting.back().stage, Reply::queued);  // c1's client waits for us, not gone
  h.run_store();  // committed: c1 is told, and goes on
  EXPECT_EQ(h.received<wire::SubmitReply>("c1").back().durable, 4u);
  h.from_client("c1", wire::SubmitData{begun.submit_id, 1, "J4,1,6\n", true, sha256_hex(file)});
  EXPECT_EQ(last_reply(h, "c1").stage, Reply::done);
}

TEST(DispatcherCore, ABatchWithoutAHeadHashMakesEveryStreamedSubmitHashFirst) {
  Harness h;
  h.submit(4);  // begun with the whole hash and no head's: as a batch stored before 0015
  const std::string file = jobs_file(100, 104);
  h.from_client("c", streamed(file));
  EXPECT_EQ(last_reply(h, "c").stage, Reply::hash_first);
  h.from_client("c", wire::SubmitBegin{"line", "", "s.csv", 1});  // no head hash either
  const auto refused = last_reply(h, "c");
  EXPECT_EQ(refused.stage, Reply::failed);
  EXPECT_NE(refused.error.find("head hash"), std::string::npos) << refused.error;
}

}  // namespace waybill::dispatcher::testing
