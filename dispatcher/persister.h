// Writes routes to PostgreSQL on a thread and a connection of its own. The dispatcher's loop
// hands over what its workers answered and goes on leasing and reading results while the COPY
// runs, so the database's work for routes and for leases overlaps on two backends.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "dispatcher/store.h"

namespace waybill::dispatcher {

class Persister {
 public:
  /// A finished write: the chunks handed in, and the error that kept them out of the database,
  /// if any (then nothing of them was written: hand them in again later).
  struct Outcome {
    std::vector<ChunkRoutes> chunks;
    std::optional<StoreError> error;
    std::chrono::milliseconds took{0};
  };

  /// Connects on the first write, and again after a lost connection.
  explicit Persister(std::string conninfo);
  /// Waits for a write in progress.
  ~Persister();
  Persister(const Persister&) = delete;
  Persister& operator=(const Persister&) = delete;

  /// True from write() until its outcome is taken by poll() or wait().
  bool busy() const { return m_busy; }
  /// Starts writing `chunks` (Store::record_routes: idempotent, one transaction). Requires
  /// !busy().
  void write(std::vector<ChunkRoutes> chunks);
  /// The outcome of the write, once it is finished; never blocks.
  std::optional<Outcome> poll();
  /// The outcome of the write in progress, waiting for it. Requires busy().
  Outcome wait();

 private:
  void run(std::stop_token stop);

  const std::string m_conninfo;
  bool m_busy = false;  // main thread only
  std::mutex m_mutex;
  std::condition_variable_any m_wake;
  std::optional<std::vector<ChunkRoutes>> m_todo;  // guarded by m_mutex
  std::optional<Outcome> m_done;                   // guarded by m_mutex
  std::unique_ptr<Store> m_store;                  // the thread's only
  std::jthread m_thread;                           // last: started once the rest exists
};

}  // namespace waybill::dispatcher
