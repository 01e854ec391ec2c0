#include "worker/routing_pool.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <new>
#include <stdexcept>
#include <utility>

#include "worker/chunk_router.h"

namespace waybill::worker {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

RoutingPool::RoutingPool(LoadedGraph& loaded, unsigned threads, Logger& log,
                         metrics::Histogram* chunk_seconds)
    : m_log(&log), m_chunk_seconds(chunk_seconds), m_wake_fd(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
  if (m_wake_fd < 0) throw std::runtime_error(std::string("eventfd: ") + std::strerror(errno));
  for (unsigned t = 0; t < threads; ++t) {
    m_threads.emplace_back([this, &loaded] { serve(loaded); });
  }
}

RoutingPool::~RoutingPool() {
  {
    std::lock_guard lock(m_mutex);
    m_closing = true;
  }
  m_ready.notify_all();
  for (auto& t : m_threads) t.join();
  ::close(m_wake_fd);
}

void RoutingPool::push(wire::Lease lease) {
  {
    std::lock_guard lock(m_mutex);
    m_todo.push_back(std::move(lease));
  }
  m_ready.notify_one();
}

void RoutingPool::warm(const wire::Warm& warm) {
  {
    std::lock_guard lock(m_mutex);
    for (const std::int64_t node : warm.origins) m_warm.push_back({node, std::nullopt});
    for (const wire::LatLon& point : warm.origin_points) m_warm.push_back({0, point});
  }
  m_ready.notify_all();
}

std::deque<wire::ChunkResult> RoutingPool::take_done() {
  std::lock_guard lock(m_mutex);
  std::uint64_t count = 0;
  [[maybe_unused]] const auto n = ::read(m_wake_fd, &count, sizeof count);  // under the lock
  return std::exchange(m_done, {});
}

std::size_t RoutingPool::drop_queued() {
  std::lock_guard lock(m_mutex);
  const std::size_t n = m_todo.size();
  m_todo.clear();
  m_warm.clear();
  return n;
}

bool RoutingPool::idle() {
  std::lock_guard lock(m_mutex);
  return m_todo.empty() && m_running == 0 && m_done.empty();
}

void RoutingPool::serve(LoadedGraph& loaded) {
  ChunkRouter router(loaded.graph, loaded.ch ? &*loaded.ch : nullptr, &loaded.landmarks,
                     loaded.snapper.get(), loaded.trees);
  std::unique_lock lock(m_mutex);
  for (;;) {
    m_ready.wait(lock, [&] { return m_closing || !m_todo.empty() || !m_warm.empty(); });
    if (m_closing) return;
    if (m_todo.empty()) {  // a hint, taken only while no lease waits
      const WarmOrigin origin = m_warm.front();
      m_warm.pop_front();
      lock.unlock();
      try {
        if (origin.point) {
          router.warm(*origin.point, router::kDefaultSnapRadiusM);
        } else {
          router.warm(origin.node);
        }
      } catch (const std::exception& e) {
        m_log->warn("tree of origin ", origin.node, ": ", e.what());
      }
      lock.lock();
      continue;
    }
    wire::Lease lease = std::move(m_todo.front());
    m_todo.pop_front();
    ++m_running;
    lock.unlock();
    wire::ChunkResult result{lease.lease_id, lease.batch_id, lease.chunk, {}, {}};
    try {
      const auto t0 = Clock::now();
      result.outcomes = router.route(lease);
      if (m_chunk_seconds) {
        m_chunk_seconds->observe(std::chrono::duration<double>(Clock::now() - t0).count());
      }
      m_log->debug(LogFields{.batch = lease.batch_id, .chunk = lease.chunk}, "batch ",
                   lease.batch_id, " chunk ", lease.chunk, ": ", lease.jobs.size(), " jobs in ",
                   std::chrono::duration_cast<milliseconds>(Clock::now() - t0).count(), " ms");
    } catch (const std::bad_alloc&) {
      m_log->error(LogFields{.batch = lease.batch_id, .chunk = lease.chunk}, "batch ",
                   lease.batch_id, " chunk ", lease.chunk, ": out of memory");
      result.error = "out of memory on worker";
      result.error_kind = wire::ChunkError::retryable;
    } catch (const std::exception& e) {
      m_log->error(LogFields{.batch = lease.batch_id, .chunk = lease.chunk}, "batch ",
                   lease.batch_id, " chunk ", lease.chunk, ": ", e.what());
      result.error = e.what();
      result.error_kind = wire::ChunkError::bad_chunk;
    }
    lock.lock();
    --m_running;
    m_done.push_back(std::move(result));
    const std::uint64_t one = 1;
    [[maybe_unused]] const auto n = ::write(m_wake_fd, &one, sizeof one);
  }
}

}  // namespace waybill::worker
