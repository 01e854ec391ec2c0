// The plan parts' lease state machine: one lease at a time per part, back to the queue when the
// worker is lost or the lease expires, the first answer only accepted, a part that keeps failing
// given up after its attempts.
#include <gtest/gtest.h>

#include "dispatcher/plan_board.h"

namespace waybill::dispatcher {
namespace {

using Clock = PlanBoard::Clock;
using std::chrono::seconds;

PlanPart part(std::uint32_t p) {
  PlanPart x;
  x.key = PlanPartKey{1, 42, p};
  x.time_limit_s = 10;
  return x;
}

TEST(PlanBoard, LeasesEachPartOnceUntilItsWorkerIsLostOrItsLeaseExpires) {
  PlanBoard board;
  board.add(part(0));
  board.add(part(1));
  board.add(part(0));  // added twice: one part
  const Clock::time_point t0{};
  const auto a = board.lease("w1", t0, seconds(60));
  const auto b = board.lease("w2", t0, seconds(60));
  ASSERT_TRUE(a && b);
  EXPECT_NE(a->second->key, b->second->key);
  EXPECT_FALSE(board.lease("w3", t0, seconds(60)));  // both out
  EXPECT_EQ(board.held_by("w1"), 1u);

  EXPECT_EQ(board.release_worker("w1"), 1u);  // w1 is lost: its part waits again
  const auto c = board.lease("w3", t0, seconds(60));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->second->key, a->second->key);

  EXPECT_EQ(board.expire(t0 + seconds(69)), 0u);  // 10 s limit + 60 s grace
  EXPECT_EQ(board.expire(t0 + seconds(70)), 2u);
  EXPECT_TRUE(board.lease("w4", t0 + seconds(70), seconds(60)));
}

TEST(PlanBoard, AcceptsTheFirstAnswerOnly) {
  PlanBoard board;
  board.add(part(0));
  ASSERT_TRUE(board.lease("w1", Clock::time_point{}, seconds(60)));
  EXPECT_EQ(board.open_parts(1), 1u);
  EXPECT_TRUE(board.accept(part(0).key));
  EXPECT_FALSE(board.accept(part(0).key));  // a late duplicate
  EXPECT_EQ(board.find(part(0).key), nullptr);
  EXPECT_EQ(board.open_parts(1), 0u);
  EXPECT_TRUE(board.empty());
}

TEST(PlanBoard, GivesUpOnAPartThatKeepsFailing) {
  PlanBoard board(3);
  board.add(part(0));
  for (int attempt = 1; attempt <= 3; ++attempt) {
    const auto lease = board.lease("w1", Clock::time_point{}, seconds(60));
    ASSERT_TRUE(lease) << attempt;
    EXPECT_FALSE(board.fail(part(0).key, lease->first + 100)) << "another lease's failure counts not";
    EXPECT_EQ(board.fail(part(0).key, lease->first), attempt == 3) << attempt;
  }
  EXPECT_FALSE(board.lease("w1", Clock::time_point{}, seconds(60)));  // given up: not leased again
  EXPECT_TRUE(board.accept(part(0).key));  // the caller stores it as failed
}

}  // namespace
}  // namespace waybill::dispatcher
