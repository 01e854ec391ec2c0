// The operations endpoint of a daemon (--metrics HOST:PORT): an HTTP server on threads of its
// own that never touch the daemon's loop.
//   GET /metrics   the registry in the Prometheus text exposition format
//   GET /healthz   200 while the loop turns (LoopBeat), 503 when it has stalled
//   GET /readyz    200 or 503 with a one-line reason, from the daemon's probe
//   GET /          a status page for a person, from the daemon's page function
// Requests are small GETs: a request line or headers over 8 KiB, a body, a client slower than a
// few seconds or a method other than GET are refused by the server, which serves at most a few
// connections at once.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "telemetry/host_port.h"
#include "telemetry/metrics.h"

namespace httplib {
class Server;
}

namespace waybill::telemetry {

/// The loop says it turned; /healthz reads how long ago. Any thread may read.
class LoopBeat {
 public:
  void beat() { m_last.store(now_ms(), std::memory_order_relaxed); }
  /// Milliseconds since the last beat (since construction before the first).
  std::int64_t silence_ms() const { return now_ms() - m_last.load(std::memory_order_relaxed); }

 private:
  static std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }
  std::atomic<std::int64_t> m_last{now_ms()};
};

/// Whether the daemon can do its work, and if not, why.
struct Readiness {
  bool ready = false;
  std::string reason;  ///< one line
};

class OpsServer {
 public:
  struct Handlers {
    std::function<Readiness()> ready;  ///< on the server's threads: must not touch the loop
    std::function<std::string()> page;  ///< the HTML of '/', likewise
  };

  /// Binds HOST:PORT (PORT 0: any free port) and starts serving. Throws std::runtime_error naming
  /// the address when it cannot bind or it is malformed.
  OpsServer(const std::string& host_port, const metrics::Registry& registry, const LoopBeat& beat,
            Handlers handlers, std::chrono::milliseconds stall_after = std::chrono::seconds(10));
  ~OpsServer();
  OpsServer(const OpsServer&) = delete;
  OpsServer& operator=(const OpsServer&) = delete;

  /// The port bound.
  int port() const { return m_port; }

 private:
  std::unique_ptr<httplib::Server> m_server;
  int m_port = 0;
  std::thread m_thread;
};

/// Escapes &, <, >, " and ' for HTML text and attributes.
std::string html_escape(const std::string& text);

}  // namespace waybill::telemetry
