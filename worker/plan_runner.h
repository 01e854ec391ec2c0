// The worker's planning thread: plan leases in, plan results out, one at a time, beside the
// routing pool (planning a depot part takes seconds to minutes; the session's loop goes on
// heartbeating meanwhile and picks the result up when it is ready).
#pragma once

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "common/log.h"
#include "schema/messages.h"
#include "worker/routing_pool.h"

namespace waybill::worker {

/// The lease planned on `loaded` with `threads` search threads: its tours, or its error.
wire::PlanResult plan_lease(const LoadedGraph& loaded, const wire::PlanLease& lease, unsigned threads);

class PlanRunner {
 public:
  /// Plans on `loaded`, which must outlive the runner.
  PlanRunner(const LoadedGraph& loaded, unsigned threads, Logger& log);
  ~PlanRunner();
  PlanRunner(const PlanRunner&) = delete;
  PlanRunner& operator=(const PlanRunner&) = delete;

  void push(wire::PlanLease lease);
  /// Results finished since the last call.
  std::vector<wire::PlanResult> take_done();
  /// Leases queued or being planned.
  bool busy();

 private:
  void serve();

  const LoadedGraph& m_loaded;
  unsigned m_threads;
  Logger& m_log;
  std::mutex m_mutex;
  std::condition_variable m_ready;
  std::deque<wire::PlanLease> m_todo;
  std::vector<wire::PlanResult> m_done;
  bool m_running = false;
  bool m_closing = false;
  std::thread m_thread;
};

}  // namespace waybill::worker
