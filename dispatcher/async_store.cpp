#include "dispatcher/async_store.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cassert>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <utility>

namespace waybill::dispatcher {

namespace {

int make_eventfd() {
  const int fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (fd < 0) throw std::runtime_error(std::string("eventfd: ") + std::strerror(errno));
  return fd;
}

}  // namespace

AsyncStore::AsyncStore(std::string conninfo)
    : m_conninfo(std::move(conninfo)),
      m_wake_fd(make_eventfd()),
      m_thread([this](std::stop_token stop) { run(stop); }) {}

AsyncStore::~AsyncStore() {
  while (m_pending > 0) wait();
  m_thread.request_stop();
  m_thread.join();
  ::close(m_wake_fd);
}

void AsyncStore::signal_locked() {
  const std::uint64_t one = 1;
  [[maybe_unused]] const auto n = ::write(m_wake_fd, &one, sizeof one);
}

void AsyncStore::clear_locked() {
  if (!m_done.empty()) return;
  std::uint64_t count = 0;
  [[maybe_unused]] const auto n = ::read(m_wake_fd, &count, sizeof count);
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
  clear_locked();
  return done;
}

AsyncStore::Done AsyncStore::wait() {
  assert(m_pending > 0);
  std::unique_lock lock(m_mutex);
  m_wake.wait(lock, [&] { return !m_done.empty(); });
  --m_pending;
  Done done = std::move(m_done.front());
  m_done.pop_front();
  clear_locked();
  return done;
}

void AsyncStore::run(std::stop_token stop) {
  std::unique_lock lock(m_mutex);
  while (m_wake.wait(lock, stop, [&] { return !m_todo.empty(); })) {
    auto [tag, task] = std::move(m_todo.front());
    m_todo.pop_front();
    lock.unlock();
    Done done{tag, std::nullopt, std::nullopt};
    const auto start = std::chrono::steady_clock::now();
    try {
      if (!m_store) m_store = std::make_unique<Store>(m_conninfo);
      task(*m_store);
    } catch (const StoreError& e) {
      done.error = e;
    } catch (const std::exception& e) {
      done.internal = e.what();
    }
    done.took = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - start);
    task = nullptr;  // what it captured goes now, off the loop's thread
    lock.lock();
    m_done.push_back(std::move(done));
    signal_locked();
    m_wake.notify_all();
  }
}

}  // namespace waybill::dispatcher
