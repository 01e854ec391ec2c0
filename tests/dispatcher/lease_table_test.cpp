#include "dispatcher/lease_table.h"

#include <gtest/gtest.h>

#include <set>

namespace waybill::dispatcher {
namespace {

using namespace std::chrono_literals;

const Clock::time_point t0{};

TEST(LeaseTable, LeasesEveryChunkOnceWithTheRightJobRange) {
  LeaseTable table;
  table.add_batch(7, 1, 10'000, 4096);  // chunks of 4096, 4096, 1808
  std::vector<Grant> grants;
  while (auto g = table.lease("w", 1, t0, 10s)) grants.push_back(*g);
  ASSERT_EQ(grants.size(), 3u);
  EXPECT_EQ(grants[0].first_seq, 0u);
  EXPECT_EQ(grants[1].first_seq, 4096u);
  EXPECT_EQ(grants[2].first_seq, 8192u);
  EXPECT_EQ(grants[2].count, 1808u);
  std::set<std::uint64_t> ids;
  for (const auto& g : grants) ids.insert(g.lease_id);
  EXPECT_EQ(ids.size(), 3u);
  EXPECT_EQ(table.leased_to("w"), 3u);
}

TEST(LeaseTable, ABatchBeingReceivedLeasesItsWholeChunksAndFinishesOnlyWhenComplete) {
  LeaseTable table;
  table.add_batch(7, 1, 5'000, 1000, {}, 0, false);  // 5 whole chunks durable, more to come
  EXPECT_TRUE(table.receiving(7));
  std::vector<Grant> grants;
  while (auto g = table.lease("w", 1, t0, 10s)) grants.push_back(*g);
  ASSERT_EQ(grants.size(), 5u);
  for (const Grant& g : grants) {
    ASSERT_TRUE(table.accept(g.ref));
    EXPECT_FALSE(table.persisted(g.ref)) << "finished while receiving";
  }
  // A segment that ends inside a chunk: the partial chunk waits for the next segment.
  EXPECT_FALSE(table.grow_batch(7, 6'500, false));
  auto g = table.lease("w", 1, t0, 10s);
  ASSERT_TRUE(g);
  EXPECT_EQ(g->first_seq, 5'000u);
  EXPECT_EQ(g->count, 1'000u);
  EXPECT_FALSE(table.lease("w", 1, t0, 10s));
  ASSERT_TRUE(table.accept(g->ref));
  EXPECT_FALSE(table.persisted(g->ref));
  // The last segment: the partial chunk is whole now, and the batch finishes with it.
  EXPECT_FALSE(table.grow_batch(7, 6'700, true));
  EXPECT_FALSE(table.receiving(7));
  g = table.lease("w", 1, t0, 10s);
  ASSERT_TRUE(g);
  EXPECT_EQ(g->first_seq, 6'000u);
  EXPECT_EQ(g->count, 700u);
  ASSERT_TRUE(table.accept(g->ref));
  EXPECT_TRUE(table.persisted(g->ref));
  EXPECT_FALSE(table.grow_batch(7, 9'999, true)) << "a complete batch does not grow";
}

TEST(LeaseTable, ALastSegmentWithNoNewChunkFinishesABatchWhoseChunksAreDone) {
  LeaseTable table;
  table.add_batch(7, 1, 2'000, 1000, {0, 1}, 0, false);  // resumed: both chunks routed
  EXPECT_TRUE(table.grow_batch(7, 2'000, true));  // the rest of the file had only rejects
}

TEST(LeaseTable, OpenBatchesTakeTurnsAndAHigherPriorityGoesFirst) {
  LeaseTable table;
  table.add_batch(1, 1, 300, 100);  // 3 chunks each
  table.add_batch(2, 1, 300, 100);
  table.add_batch(3, 1, 300, 100);
  std::vector<std::int64_t> order;
  for (int i = 0; i < 4; ++i) order.push_back(table.lease("w", 1, t0, 10s)->ref.batch_id);
  EXPECT_EQ(order, (std::vector<std::int64_t>{1, 2, 3, 1}));
  // An urgent batch arrives: its chunks go first, then the others take turns again.
  table.add_batch(4, 1, 200, 100, {}, 5);
  order.clear();
  while (auto g = table.lease("w", 1, t0, 10s)) order.push_back(g->ref.batch_id);
  EXPECT_EQ(order, (std::vector<std::int64_t>{4, 4, 1, 2, 3, 2, 3}));
  EXPECT_EQ(table.wanted_graph(), std::nullopt);
}

TEST(LeaseTable, OnlyLeasesChunksOfTheWorkersGraph) {
  LeaseTable table;
  table.add_batch(1, 10, 100, 50);
  table.add_batch(2, 20, 100, 50);
  EXPECT_EQ(table.wanted_graph(), 10);
  auto g = table.lease("w", 20, t0, 10s);
  ASSERT_TRUE(g);
  EXPECT_EQ(g->ref.batch_id, 2);
  EXPECT_FALSE(table.lease("w", 30, t0, 10s));
}

TEST(LeaseTable, TheFirstResultWinsAndADuplicateIsRefused) {
  LeaseTable table;
  table.add_batch(1, 1, 100, 100);
  const auto g = table.lease("slow", 1, t0, 10s);
  ASSERT_TRUE(g);
  EXPECT_EQ(table.expire(t0 + 11s), 1u);  // the slow worker's lease runs out
  const auto again = table.lease("fast", 1, t0 + 11s, 10s);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->ref, g->ref);
  EXPECT_TRUE(table.accept(g->ref));       // the slow one answers after all: first, kept
  EXPECT_FALSE(table.accept(again->ref));  // the replacement's answer is a duplicate
  EXPECT_TRUE(table.persisted(g->ref));    // and that finished the batch
}

TEST(LeaseTable, AFailedPersistPutsTheChunkBackFirstInLine) {
  LeaseTable table;
  table.add_batch(1, 1, 300, 100);
  const auto a = table.lease("w", 1, t0, 10s);
  ASSERT_TRUE(a);
  ASSERT_TRUE(table.accept(a->ref));
  table.requeue(a->ref);
  const auto next = table.lease("w", 1, t0, 10s);
  ASSERT_TRUE(next);
  EXPECT_EQ(next->ref, a->ref);
}

TEST(LeaseTable, ALostWorkersChunksReturnToTheQueue) {
  LeaseTable table;
  table.add_batch(1, 1, 400, 100);
  ASSERT_TRUE(table.lease("dead", 1, t0, 10s));
  ASSERT_TRUE(table.lease("dead", 1, t0, 10s));
  ASSERT_TRUE(table.lease("alive", 1, t0, 10s));
  EXPECT_EQ(table.release_worker("dead"), 2u);
  EXPECT_EQ(table.leased_to("dead"), 0u);
  EXPECT_EQ(table.pending(), 3u);
  int leased = 0;
  while (table.lease("alive", 1, t0, 10s)) ++leased;
  EXPECT_EQ(leased, 3);
}

TEST(LeaseTable, ResumedBatchesSkipTheChunksAlreadyDone) {
  LeaseTable table;
  table.add_batch(1, 1, 500, 100, {0, 2, 4});
  std::vector<std::uint32_t> chunks;
  while (auto g = table.lease("w", 1, t0, 10s)) chunks.push_back(g->ref.chunk);
  EXPECT_EQ(chunks, (std::vector<std::uint32_t>{1, 3}));
  EXPECT_FALSE(table.persisted({1, 1}));  // leased, not answered: not done
  EXPECT_TRUE(table.accept({1, 1}));
  EXPECT_FALSE(table.persisted({1, 1}));  // chunk 3 is still open
  EXPECT_TRUE(table.accept({1, 3}));
  EXPECT_TRUE(table.persisted({1, 3}));
}

TEST(LeaseTable, ResultsForUnknownBatchesOrChunksAreRefused) {
  LeaseTable table;
  table.add_batch(1, 1, 100, 100);
  EXPECT_FALSE(table.accept({2, 0}));
  EXPECT_FALSE(table.accept({1, 5}));
  EXPECT_FALSE(table.describe({1, 5}));
}

}  // namespace
}  // namespace waybill::dispatcher

namespace waybill::dispatcher {
namespace {

TEST(LeaseTable, OnlyTheCurrentLeaseHolderCanGiveAChunkBack) {
  LeaseTable table;
  table.add_batch(1, 1, 100, 100);
  const auto first = table.lease("a", 1, Clock::time_point{}, std::chrono::seconds(1));
  ASSERT_TRUE(first);
  table.expire(Clock::time_point{} + std::chrono::seconds(2));
  const auto second = table.lease("b", 1, Clock::time_point{}, std::chrono::seconds(10));
  ASSERT_TRUE(second);
  table.give_back(first->ref, first->lease_id);  // stale: b holds it now
  EXPECT_EQ(table.leased_to("b"), 1u);
  table.give_back(second->ref, second->lease_id);
  EXPECT_EQ(table.leased_to("b"), 0u);
  EXPECT_EQ(table.pending(), 1u);
}

TEST(LeaseTable, AChunkThatKeepsFailingIsGivenUpOnAtTheLimit) {
  LeaseTable table({3, 10});
  table.add_batch(1, 1, 10, 5);  // chunks 0 and 1
  for (int attempt = 1; attempt <= 3; ++attempt) {
    auto g = table.lease("w", 1, t0, 10s);
    ASSERT_TRUE(g);
    if (g->ref.chunk == 1) {  // chunk 0 is answered
      ASSERT_TRUE(table.accept(g->ref));
      table.persisted(g->ref);
      g = table.lease("w", 1, t0, 10s);
      ASSERT_TRUE(g);
    }
    EXPECT_EQ(g->ref.chunk, 0u);  // a failed chunk waits behind the others
    table.fail(g->ref, g->lease_id + 1000, "stale lease: not counted");
    table.fail(g->ref, g->lease_id, "bad node " + std::to_string(attempt));
    EXPECT_EQ(table.take_poisoned().size(), attempt == 3 ? 1u : 0u);
  }
  EXPECT_FALSE(table.lease("w", 1, t0, 10s));  // persisting: never leased again
}

TEST(LeaseTable, APoisonedChunkCarriesItsJobsAndReason) {
  LeaseTable table({1, 10});
  table.add_batch(4, 1, 10, 4);
  table.lease("w", 1, t0, 10s);
  const auto g = table.lease("w", 1, t0, 10s);
  table.fail(g->ref, g->lease_id, "boom");
  const auto poisoned = table.take_poisoned();
  ASSERT_EQ(poisoned.size(), 1u);
  EXPECT_EQ(poisoned[0].grant.first_seq, 4u);
  EXPECT_EQ(poisoned[0].grant.count, 4u);
  EXPECT_EQ(poisoned[0].reason, "routing failed 1 times; last error: boom");
  EXPECT_FALSE(table.accept(g->ref));  // a late answer is not stored beside the failure
  EXPECT_FALSE(table.persisted({4, 0}));
  EXPECT_FALSE(table.persisted(g->ref));  // chunk 0 is still leased: the batch is not done
}

TEST(LeaseTable, LeasesLostWithTheirWorkerOrExpiredCountToo) {
  LeaseTable table({3, 2});
  table.add_batch(1, 1, 4, 4);
  table.lease("w1", 1, t0, 10s);
  EXPECT_EQ(table.release_worker("w1"), 1u);
  EXPECT_TRUE(table.take_poisoned().empty());
  table.lease("w2", 1, t0, 10s);
  EXPECT_EQ(table.expire(t0 + 11s), 1u);
  const auto poisoned = table.take_poisoned();
  ASSERT_EQ(poisoned.size(), 1u);
  EXPECT_NE(poisoned[0].reason.find("lost 2 times"), std::string::npos);
  EXPECT_TRUE(table.persisted({1, 0}));  // stored as failed: the batch is done
}

}  // namespace
}  // namespace waybill::dispatcher
