#include "planner/detail/islands.h"

#include <condition_variable>
#include <memory>
#include <mutex>
#include <sstream>
#include <thread>

#include "planner/detail/genetic.h"

namespace waybill::planner::detail {
namespace {

/// What the islands post for each other: per island, its best plan after each epoch.
struct Board {
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<std::vector<std::shared_ptr<const Individual>>> posted;
  std::vector<int> epochs;  // epochs posted, per island
  std::vector<char> finished;
};

void island(int i, const Model& model, const IslandOptions& options, const Deadline& deadline,
            Board& board, std::unique_ptr<Genetic>& slot) {
  const int threads = static_cast<int>(board.epochs.size());
  slot = std::make_unique<Genetic>(model, options.params,
                                   options.seed * 0x9E3779B97F4A7C15ULL + 0x632BE59BD9B4E019ULL * (i + 1));
  Genetic& g = *slot;
  for (const auto& plan : options.initial_plans) g.seed_plan(plan);
  g.initialise(deadline);
  const auto started = Deadline::Clock::now();
  auto last_log = started;
  auto limit_reached = [&] {
    return options.max_iterations > 0 && g.iterations() >= options.max_iterations;
  };
  for (int e = 0;; ++e) {
    bool stop = deadline.expired() || limit_reached();
    if (!stop) {
      std::uint64_t count = options.epoch;
      if (options.max_iterations > 0) count = std::min(count, options.max_iterations - g.iterations());
      g.run(static_cast<int>(count), deadline);
      stop = deadline.expired() || limit_reached();
    }
    {
      std::lock_guard lock(board.mutex);
      board.posted[i].push_back(g.best() ? std::make_shared<Individual>(*g.best()) : nullptr);
      board.epochs[i] = e + 1;
      if (stop) board.finished[i] = 1;
    }
    board.changed.notify_all();
    if (i == 0 && options.log && Deadline::Clock::now() - last_log > std::chrono::seconds(2)) {
      last_log = Deadline::Clock::now();
      std::ostringstream line;
      line << "iteration " << g.iterations() << ", "
           << std::chrono::duration<double>(last_log - started).count() << " s: best "
           << (g.best() ? std::to_string(g.best()->cost) : std::string("none feasible"));
      options.log(line.str());
    }
    if (stop) break;
    if (threads < 2 || e < 1) continue;
    const int from = (i + threads - 1) % threads;
    std::shared_ptr<const Individual> received;
    {
      std::unique_lock lock(board.mutex);
      while (board.epochs[from] < e && !board.finished[from] && !deadline.expired()) {
        board.changed.wait_for(lock, std::chrono::milliseconds(20));
      }
      if (board.epochs[from] >= e) received = std::move(board.posted[from][e - 1]);
    }
    if (received) g.receive(*received);
  }
}

}  // namespace

IslandResult run_islands(const Model& model, const IslandOptions& options,
                         const Deadline& deadline) {
  const int threads = std::max(1, options.threads);
  Board board;
  board.posted.resize(threads);
  board.epochs.assign(threads, 0);
  board.finished.assign(threads, 0);
  std::vector<std::unique_ptr<Genetic>> islands(threads);
  if (threads == 1) {
    island(0, model, options, deadline, board, islands[0]);
  } else {
    std::vector<std::jthread> workers;
    for (int i = 0; i < threads; ++i) {
      workers.emplace_back([&, i] { island(i, model, options, deadline, board, islands[i]); });
    }
  }
  IslandResult result;
  const Individual* best = nullptr;
  for (const auto& g : islands) {
    result.iterations += g->iterations();
    const Individual* b = g->best();
    if (b && (!best || b->cost < best->cost - 1e-9)) best = b;
  }
  if (best) {
    result.feasible = true;
  } else {
    for (const auto& g : islands) {
      const Individual* b = g->best_infeasible();
      if (b && (!best || b->penalized < best->penalized - 1e-9)) best = b;
    }
  }
  if (best) {
    result.routes = best->routes;
    result.cost = best->cost;
  } else {
    result.routes.assign(model.vehicles(), {});
  }
  return result;
}

}  // namespace waybill::planner::detail
