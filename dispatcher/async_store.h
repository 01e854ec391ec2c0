// A Store driven from a thread of its own. The dispatcher's loop posts database work and takes
// the outcomes later, so a COPY or the commit of a large batch never keeps it from its sockets,
// and the work of two such stores runs on two PostgreSQL backends at once.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "dispatcher/store.h"

namespace waybill::dispatcher {

class AsyncStore {
 public:
  using Task = std::function<void(Store&)>;

  /// The outcome of one task: the database error it threw, or what else it threw (a bug: kept
  /// apart, so that it is never taken for a lost database).
  struct Done {
    std::uint64_t tag = 0;
    std::optional<StoreError> error;
    std::optional<std::string> internal;
    std::chrono::milliseconds took{0};
  };

  /// Connects on the first task, and again after a lost connection (Store does).
  explicit AsyncStore(std::string conninfo);
  /// Runs the tasks posted, then stops.
  ~AsyncStore();
  AsyncStore(const AsyncStore&) = delete;
  AsyncStore& operator=(const AsyncStore&) = delete;

  /// Queues `task`; tasks run one at a time, in the order posted.
  void post(std::uint64_t tag, Task task);
  /// Tasks posted whose outcome has not been taken yet.
  std::size_t pending() const { return m_pending; }
  /// A file descriptor that is readable while an outcome waits: the owner polls it beside its
  /// sockets (zmq::poll takes plain descriptors) instead of polling poll() on a timer.
  int wake_fd() const { return m_wake_fd; }
  /// The next outcome, if one is ready; never blocks.
  std::optional<Done> poll();
  /// The next outcome, waiting for it. Requires pending() > 0.
  Done wait();

 private:
  void run(std::stop_token stop);

  void signal_locked();
  void clear_locked();

  const std::string m_conninfo;
  int m_wake_fd = -1;  // an eventfd, nonzero while m_done is not empty
  std::size_t m_pending = 0;  // the owner's thread only
  std::mutex m_mutex;
  std::condition_variable_any m_wake;
  std::deque<std::pair<std::uint64_t, Task>> m_todo;  // guarded by m_mutex
  std::deque<Done> m_done;                            // guarded by m_mutex
  std::unique_ptr<Store> m_store;                     // the thread's only
  std::jthread m_thread;                              // last: starts once the rest exists
};

}  // namespace waybill::dispatcher
