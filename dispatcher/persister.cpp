#include "dispatcher/persister.h"

#include <cassert>
#include <utility>

namespace waybill::dispatcher {

Persister::Persister(std::string conninfo)
    : m_conninfo(std::move(conninfo)), m_thread([this](std::stop_token stop) { run(stop); }) {}

Persister::~Persister() {
  if (m_busy) wait();
  m_thread.request_stop();
}

void Persister::write(std::vector<ChunkRoutes> chunks) {
  assert(!m_busy);
  m_busy = true;
  {
    std::lock_guard lock(m_mutex);
    m_todo = std::move(chunks);
  }
  m_wake.notify_all();
}

std::optional<Persister::Outcome> Persister::poll() {
  std::lock_guard lock(m_mutex);
  if (!m_done) return std::nullopt;
  m_busy = false;
  return std::exchange(m_done, std::nullopt);
}

Persister::Outcome Persister::wait() {
  assert(m_busy);
  std::unique_lock lock(m_mutex);
  m_wake.wait(lock, [&] { return m_done.has_value(); });
  m_busy = false;
  return *std::exchange(m_done, std::nullopt);
}

void Persister::run(std::stop_token stop) {
  std::unique_lock lock(m_mutex);
  while (m_wake.wait(lock, stop, [&] { return m_todo.has_value(); })) {
    Outcome outcome{*std::exchange(m_todo, std::nullopt), std::nullopt};
    lock.unlock();
    const auto start = std::chrono::steady_clock::now();
    try {
      if (!m_store) m_store = std::make_unique<Store>(m_conninfo);
      m_store->record_routes(outcome.chunks);
    } catch (const StoreError& e) {
      outcome.error = e;
    } catch (const std::exception& e) {
      outcome.error = StoreError(StoreError::Kind::retryable, e.what());
    }
    outcome.took = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - start);
    lock.lock();
    m_done = std::move(outcome);
    m_wake.notify_all();
  }
}

}  // namespace waybill::dispatcher
