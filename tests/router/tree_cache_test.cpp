#include "router/tree_cache.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "router/endpoint.h"
#include "router/graph.h"
#include "router/shortest_path.h"

namespace waybill::router {
namespace {

// A one-way ring of 12 stops, 1 -> 2 -> ... -> 12 -> 1, each leg costing 10: every tree has the
// same size and dist(a, b) = 10 * ((b - a) mod 12).
constexpr std::int64_t kStops = 12;

RoadGraph ring() {
  std::vector<NodeId> ids;
  std::vector<Arc> arcs;
  for (std::int64_t i = 1; i <= kStops; ++i) {
    ids.push_back(NodeId{i});
    arcs.push_back({NodeId{i}, NodeId{i % kStops + 1}, 10});
  }
  return RoadGraph::build(ids, arcs);
}

class TreeCacheTest : public ::testing::Test {
 protected:
  TreeCacheTest() : m_graph(ring()), m_query(m_graph) {}

  // A compute function that builds the tree of stop `id` and counts its calls.
  std::function<std::shared_ptr<const ShortestPathTree>()> computing(std::int64_t id) {
    return [this, id] {
      ++m_computed;
      return m_query.tree(NodeId{id});
    };
  }
  NodeIndex index(std::int64_t id) const { return *m_graph.index_of(NodeId{id}); }
  std::size_t tree_bytes() { return m_query.tree(NodeId{1})->bytes(); }

  RoadGraph m_graph;
  RouteQuery m_query;
  int m_computed = 0;
};

TEST_F(TreeCacheTest, ComputesOncePerOriginThenHits) {
  TreeCache cache(10 * tree_bytes());
  const auto first = cache.get(index(3), computing(3));
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->origin(), index(3));
  const auto second = cache.get(index(3), computing(3));
  EXPECT_EQ(second, first);
  EXPECT_EQ(m_computed, 1);
  EXPECT_EQ(cache.misses(), 1u);
  EXPECT_EQ(cache.hits(), 1u);
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_EQ(cache.bytes(), first->bytes());

  cache.get(index(4), computing(4));
  EXPECT_EQ(m_computed, 2);
  EXPECT_EQ(cache.misses(), 2u);
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_EQ(second->route_to(NodeId{2}, false).cost, 110);
}

TEST_F(TreeCacheTest, IsFullWhenAnotherTreeWouldNotFitOrNoneFitsAtAll) {
  TreeCache cache(2 * tree_bytes() + tree_bytes() / 2);
  EXPECT_FALSE(cache.full());  // empty
  EXPECT_EQ(cache.cached(index(3)), nullptr);
  cache.get(index(3), computing(3));
  EXPECT_FALSE(cache.full());
  EXPECT_NE(cache.cached(index(3)), nullptr);
  cache.get(index(4), computing(4));
  EXPECT_TRUE(cache.full());  // a third would not fit
  EXPECT_EQ(m_computed, 2);   // cached() computes nothing

  TreeCache tiny(tree_bytes() / 2);
  EXPECT_FALSE(tiny.full());
  EXPECT_NE(tiny.get(index(3), computing(3)), nullptr);  // returned, not cached
  EXPECT_EQ(tiny.size(), 0u);
  EXPECT_TRUE(tiny.full());  // no tree fits: never worth computing one for later
}

TEST_F(TreeCacheTest, EndpointsAreKeyedByTheirSeeds) {
  TreeCache cache(10 * tree_bytes());
  // A node endpoint is its node: one tree for both ways of asking.
  const auto by_node = cache.get(index(3), computing(3));
  EXPECT_EQ(cache.get(node_endpoint(index(3)), computing(3)), by_node);
  EXPECT_EQ(m_computed, 1);

  // A point 4 units along 3 -> 4: its one seed is stop 4 at cost 6. The same seeds are the
  // same tree; another cost, or another seed, is another tree.
  Endpoint point;
  point.seeds[0] = {index(4), 6, 0};
  point.num_seeds = 1;
  const auto from_point = [&](const Endpoint& e) {
    return [this, e] {
      ++m_computed;
      return m_query.tree(e);
    };
  };
  const auto first = cache.get(point, from_point(point));
  EXPECT_EQ(first->route_to(NodeId{5}, false).cost, 16);
  EXPECT_EQ(cache.get(point, from_point(point)), first);
  EXPECT_EQ(m_computed, 2);
  Endpoint further = point;
  further.seeds[0].cost = 2;
  EXPECT_EQ(cache.get(further, from_point(further))->route_to(NodeId{5}, false).cost, 12);
  Endpoint both = point;
  both.seeds[1] = {index(9), 1, 0};
  both.num_seeds = 2;
  EXPECT_EQ(cache.get(both, from_point(both))->route_to(NodeId{10}, false).cost, 11);
  EXPECT_EQ(m_computed, 4);
  EXPECT_EQ(cache.size(), 4u);
}

TEST_F(TreeCacheTest, EvictsTheLeastRecentlyUsedPastTheBudget) {
  const std::size_t one = tree_bytes();
  TreeCache cache(2 * one + one / 2);  // room for two trees
  cache.get(index(1), computing(1));
  cache.get(index(2), computing(2));
  cache.get(index(1), computing(1));  // 1 is now the most recently used
  cache.get(index(3), computing(3));  // evicts 2
  EXPECT_EQ(m_computed, 3);
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_EQ(cache.bytes(), 2 * one);
  EXPECT_LE(cache.bytes(), 2 * one + one / 2);

  cache.get(index(1), computing(1));  // still there
  EXPECT_EQ(m_computed, 3);
  cache.get(index(3), computing(3));  // still there
  EXPECT_EQ(m_computed, 3);
  cache.get(index(2), computing(2));  // was evicted: computed again, evicts 1
  EXPECT_EQ(m_computed, 4);
  cache.get(index(1), computing(1));
  EXPECT_EQ(m_computed, 5);
  EXPECT_EQ(cache.hits(), 3u);
  EXPECT_EQ(cache.misses(), 5u);
}

TEST_F(TreeCacheTest, EvictedTreeStaysValidForItsHolder) {
  const std::size_t one = tree_bytes();
  TreeCache cache(one);
  const auto held = cache.get(index(5), computing(5));
  cache.get(index(6), computing(6));  // evicts 5
  EXPECT_EQ(cache.size(), 1u);
  ASSERT_NE(held, nullptr);
  EXPECT_EQ(held->route_to(NodeId{7}, true).path,
            (std::vector<NodeId>{NodeId{5}, NodeId{6}, NodeId{7}}));
}

TEST_F(TreeCacheTest, TreeLargerThanTheBudgetIsReturnedButNotKept) {
  const std::size_t one = tree_bytes();
  TreeCache cache(one - 1);
  const auto tree = cache.get(index(1), computing(1));
  ASSERT_NE(tree, nullptr);
  EXPECT_EQ(tree->origin(), index(1));
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_EQ(cache.bytes(), 0u);
  cache.get(index(1), computing(1));
  EXPECT_EQ(m_computed, 2);
}

TEST_F(TreeCacheTest, NullTreeIsReturnedButNotCached) {
  TreeCache cache(10 * tree_bytes());
  int calls = 0;
  auto none = [&calls]() -> std::shared_ptr<const ShortestPathTree> {
    ++calls;
    return nullptr;
  };
  EXPECT_EQ(cache.get(index(1), none), nullptr);
  EXPECT_EQ(cache.get(index(1), none), nullptr);
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_EQ(cache.bytes(), 0u);
  EXPECT_EQ(cache.hits(), 0u);
}

// Holds a compute function until `waiters` other threads wait in get() for the same origin (the
// cache counts them as hits), or 5 s at most, so that the threads really do overlap.
void wait_for_waiters(const TreeCache& cache, std::size_t waiters) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (cache.hits() < waiters && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

TEST_F(TreeCacheTest, ThreadsAskingForAnOriginBeingComputedWaitForIt) {
  TreeCache cache(10 * tree_bytes());
  const auto tree = m_query.tree(NodeId{2});
  std::atomic<int> computed{0};
  std::atomic<bool> started{false};
  constexpr int kWaiters = 3;
  auto slow = [&]() -> std::shared_ptr<const ShortestPathTree> {
    ++computed;
    started = true;
    wait_for_waiters(cache, kWaiters);
    return tree;
  };
  std::vector<std::shared_ptr<const ShortestPathTree>> got(kWaiters + 1);
  std::vector<std::thread> threads;
  threads.emplace_back([&] { got[0] = cache.get(index(2), slow); });
  while (!started) std::this_thread::yield();
  for (int t = 1; t <= kWaiters; ++t) {
    threads.emplace_back([&, t] { got[static_cast<std::size_t>(t)] = cache.get(index(2), slow); });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(computed.load(), 1);
  for (const auto& g : got) EXPECT_EQ(g, tree);
  EXPECT_EQ(cache.misses(), 1u);
  EXPECT_EQ(cache.size(), 1u);
}

TEST_F(TreeCacheTest, AnExceptionFromComputeReachesTheWaitersAndIsNotCached) {
  TreeCache cache(10 * tree_bytes());
  std::atomic<bool> started{false};
  auto failing = [&]() -> std::shared_ptr<const ShortestPathTree> {
    started = true;
    wait_for_waiters(cache, 1);
    throw std::runtime_error("out of scratch memory");
  };
  std::atomic<int> caught{0};
  auto ask = [&](const std::function<std::shared_ptr<const ShortestPathTree>()>& compute) {
    try {
      cache.get(index(3), compute);
    } catch (const std::runtime_error& e) {
      if (std::string(e.what()) == "out of scratch memory") ++caught;
    }
  };
  std::thread first([&] { ask(failing); });
  while (!started) std::this_thread::yield();
  std::thread waiter([&] { ask(failing); });
  first.join();
  waiter.join();
  EXPECT_EQ(caught.load(), 2);
  EXPECT_EQ(cache.size(), 0u);
  // The failure is not remembered: the next get computes again.
  const auto tree = cache.get(index(3), computing(3));
  ASSERT_NE(tree, nullptr);
  EXPECT_EQ(m_computed, 1);
  EXPECT_EQ(cache.size(), 1u);
}

TEST_F(TreeCacheTest, ConcurrentGetsAreSafe) {
  const std::size_t one = tree_bytes();
  const std::size_t budget = 5 * one;  // fewer trees than origins: evictions happen
  TreeCache cache(budget);
  constexpr int kThreads = 4;
  constexpr int kGets = 3000;
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      RouteQuery query(m_graph);  // compute runs on the asking thread, with its own query
      for (int i = 0; i < kGets; ++i) {
        const std::int64_t origin = 1 + (i * 7 + t) % 8;
        const auto tree = cache.get(*m_graph.index_of(NodeId{origin}),
                                    [&] { return query.tree(NodeId{origin}); });
        const std::int64_t to = 1 + i % kStops;
        const Cost expected = 10 * ((to - origin + kStops) % kStops);
        if (!tree || tree->origin() != *m_graph.index_of(NodeId{origin}) ||
            tree->route_to(NodeId{to}, false).cost != expected) {
          ++wrong;
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(cache.hits() + cache.misses(), std::size_t{kThreads * kGets});
  EXPECT_GT(cache.hits(), 0u);
  EXPECT_LE(cache.bytes(), budget);
  EXPECT_LE(cache.size(), 5u);
  EXPECT_EQ(cache.bytes(), cache.size() * one);
}

}  // namespace
}  // namespace waybill::router
