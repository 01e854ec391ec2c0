#include "dispatcher/async_store.h"

#include <cassert>
#include <utility>

namespace waybill::dispatcher {

AsyncStore::AsyncStore(std::string conninfo)
    : m_conninfo(std::move(conninfo)), m_thread([this](std::stop_token stop) { run(stop); }) {}

AsyncStore::~AsyncStore() {
  while (m_pending > 0) wait();
  m_thread.request_stop();
}

void AsyncStore::post(std::uint64_t tag, Task task) {
  ++m_pending;
  {
    std::lock_guard lock(m_mutex);
    m_todo.emplace_back(tag, std::move(task));
  }
  m_wake.notify_all();
}

std::optional<AsyncStore::Done> AsyncStore::poll() {
  std::lock_guard lock(m_mutex);
  if (m_done.empty()) return std::nullopt;
  --m_pending;
  Done done = std::move(m_done.front());
  m_done.pop_front();
  return done;
}

AsyncStore::Done AsyncStore::wait() {
  assert(m_pending > 0);
  std::unique_lock lock(m_mutex);
  m_wake.wait(lock, [&] { return !m_done.empty(); });
  --m_pending;
  Done done = std::move(m_done.front());
  m_done.pop_front();
  return done;
}

void AsyncStore::run(std::stop_token stop) {
  std::unique_lock lock(m_mutex);
  while (m_wake.wait(lock, stop, [&] { return !m_todo.empty(); })) {
    auto [tag, task] = std::move(m_todo.front());
    m_todo.pop_front();
    lock.unlock();
    Done done{tag, std::nullopt};
    const auto start = std::chrono::steady_clock::now();
    try {
      if (!m_store) m_store = std::make_unique<Store>(m_conninfo);
      task(*m_store);
    } catch (const StoreError& e) {
      done.error = e;
    } catch (const std::exception& e) {
      done.error = StoreError(StoreError::Kind::permanent, e.what());
    }
    done.took = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - start);
    task = nullptr;  // what it captured goes now, off the loop's thread
    lock.lock();
    m_done.push_back(std::move(done));
    m_wake.notify_all();
  }
}

}  // namespace waybill::dispatcher
