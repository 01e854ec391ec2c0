#include "worker/worker.h"

#include <zmq.hpp>

#include <chrono>
#include <fstream>
#include <future>
#include <memory>
#include <optional>
#include <thread>

#include <unistd.h>

#include "common/sha256.h"
#include "router/graph.h"
#include "router/landmarks.h"
#include "router/snap.h"
#include "router/tree_cache.h"
#include "schema/graph_codec.h"
#include "schema/messages.h"
#include "transport/curve.h"
#include "transport/frames.h"
#include "worker/graph_cache.h"
#include "worker/graph_loader.h"
#include "worker/plan_runner.h"
#include "worker/routing_pool.h"
#include "worker/worker_metrics.h"
#include "telemetry/ops_server.h"

namespace waybill::worker {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// The largest result a dispatcher that does not say takes (its default --max-message-bytes).
constexpr std::uint32_t kDefaultDispatcherLimit = 4 << 20;

class Session {
 public:
  Session(const WorkerConfig& config, zmq::context_t& context, Logger& log)
      : m_config(config),
        m_context(context),
        m_log(log),
        m_cache(config.cache_dir, log),
        m_metrics(m_registry) {
    if (!config.insecure) {
      m_keys = transport::read_key_pair(config.key_file);
      m_dispatcher_key = transport::read_public_key(config.dispatcher_key);
    }
    m_metrics.threads.set(config.threads);
    if (!config.metrics.empty()) {
      m_ops = std::make_unique<telemetry::OpsServer>(
          config.metrics, m_registry, m_beat,
          telemetry::OpsServer::Handlers{[this] { return readiness(); }, [this] { return page(); }});
      m_log.info("metrics and health on http://", config.metrics, " (port ", m_ops->port(), ")");
    }
  }

  int run(const std::atomic<bool>& stop) {
    int backoff = m_config.reconnect_min_ms;
    for (;;) {
      bool heard = false;
      if (connect_and_serve(stop, heard) || stop) return 0;
      if (heard) backoff = m_config.reconnect_min_ms;  // it was alive: start the back-off over
      m_metrics.reconnects.inc();
      m_metrics.dispatcher_connected.set(0);
      m_heard_ms.store(0);
      m_log.warn("dispatcher ", m_config.dispatcher, " silent for ",
                 m_config.heartbeat_ms * m_config.liveness, " ms; reconnecting in ", backoff,
                 " ms");
      if (m_pool) m_pool->drop_queued();
      for (auto until = Clock::now() + milliseconds(backoff); Clock::now() < until && !stop;) {
        m_beat.beat();  // waiting to reconnect is the loop turning
        std::this_thread::sleep_for(std::min(milliseconds(100), milliseconds(backoff)));
      }
      backoff = std::min(backoff * 2, m_config.reconnect_max_ms);
    }
  }

 private:
  void send(zmq::socket_t& socket, const wire::Message& message) {
    transport::send_message(socket, message);
    m_last_send = Clock::now();
  }

  /// Serves one connection. True when drained after `stop`; false when the dispatcher fell
  /// silent (`heard` tells whether it had answered at all).
  bool connect_and_serve(const std::atomic<bool>& stop, bool& heard) {
    zmq::socket_t socket(m_context, zmq::socket_type::dealer);
    socket.set(zmq::sockopt::linger, 0);
    socket.set(zmq::sockopt::maxmsgsize, static_cast<std::int64_t>(m_config.max_message_bytes));
    if (!m_config.insecure) transport::make_curve_client(socket, m_keys, m_dispatcher_key);
    socket.connect(m_config.dispatcher);
    m_dispatcher_limit = kDefaultDispatcherLimit;
    send(socket, wire::Hello{m_config.name, m_loaded ? m_loaded->hash : m_cache.newest_hash(),
                             m_config.threads});
    auto last_recv = Clock::now();
    bool goodbye_sent = false;
    const auto silence = milliseconds(m_config.heartbeat_ms * m_config.liveness);
    const auto limits =
        wire::DecodeLimits::for_frames(static_cast<std::uint64_t>(m_config.max_message_bytes));
    for (;;) {
      m_beat.beat();
      wait(socket);
      while (auto in = transport::receive_message(socket, false, limits)) {
        last_recv = Clock::now();
        if (!heard) m_metrics.dispatcher_connected.set(1);
        m_heard_ms.store(now_ms());
        heard = true;
        if (!in->message) {
          m_log.warn("dropped a malformed message from the dispatcher: ", in->error);
          continue;
        }
        handle(socket, *in->message, stop);
      }
      if (install_loaded()) grant_credit(socket, stop);
      if (m_planner) {
        for (auto& result : m_planner->take_done()) {
          m_metrics.plan_parts.inc();
          send(socket, result);
        }
      }
      if (m_pool) {
        for (auto& result : m_pool->take_done()) {
          count(result);
          // A result too large for one of the dispatcher's messages goes in parts.
          for (const auto& part : wire::split_result(std::move(result), m_dispatcher_limit)) {
            send(socket, part);
          }
        }
      }
      if (stop && !goodbye_sent) {
        send(socket, wire::Goodbye{});
        goodbye_sent = true;
        m_log.info("draining: finishing the leases held");
      }
      if (stop && (!m_pool || m_pool->idle()) && (!m_planner || !m_planner->busy())) return true;
      const auto now = Clock::now();
      if (now - m_last_send > milliseconds(m_config.heartbeat_ms)) send(socket, wire::Heartbeat{});
      if (now - m_last_gauges > milliseconds(500)) update_gauges(now);
      if (now - last_recv > silence) return false;
    }
  }

  /// Sleeps until a message comes, a result is ready, or the next heartbeat is due; while a
  /// graph loads (on a thread of its own), a few times a second.
  void wait(zmq::socket_t& socket) {
    zmq::pollitem_t items[] = {{socket.handle(), 0, ZMQ_POLLIN, 0},
                               {nullptr, m_pool ? m_pool->wake_fd() : -1, ZMQ_POLLIN, 0}};
    const auto heartbeat = milliseconds(m_config.heartbeat_ms);
    auto timeout = std::chrono::duration_cast<milliseconds>(m_last_send + heartbeat - Clock::now());
    if (m_loading.valid()) timeout = std::min(timeout, milliseconds(20));
    if (m_planner && m_planner->busy()) timeout = std::min(timeout, milliseconds(100));
    timeout = std::clamp(timeout + milliseconds(1), milliseconds(0), heartbeat);
    try {
      zmq::poll(items, m_pool ? 2 : 1, timeout);
    } catch (const zmq::error_t& e) {
      if (e.num() != EINTR) throw;  // a signal: the caller's loop sees `stop`
    }
  }

  void handle(zmq::socket_t& socket, wire::Message& message, const std::atomic<bool>& stop) {
    if (auto* welcome = std::get_if<wire::Welcome>(&message)) {
      if (welcome->max_message_bytes > 0) m_dispatcher_limit = welcome->max_message_bytes;
      on_welcome(socket, *welcome, stop);
    } else if (auto* chunk = std::get_if<wire::GraphChunk>(&message)) {
      on_graph_chunk(socket, *chunk);
    } else if (auto* lease = std::get_if<wire::Lease>(&message)) {
      if (!m_loaded || lease->graph_hash != m_loaded->hash) {
        wire::ChunkResult refused{lease->lease_id, lease->batch_id, lease->chunk, {},
                                  "worker does not hold graph " + lease->graph_hash};
        refused.error_kind = wire::ChunkError::graph_mismatch;
        return send(socket, refused);
      }
      m_pool->push(std::move(*lease));
    } else if (auto* plan = std::get_if<wire::PlanLease>(&message)) {
      if (!m_loaded || plan->graph_hash != m_loaded->hash) {
        wire::PlanResult refused{plan->lease_id, plan->plan_id, plan->depot, plan->part, {}, {},
                                 "worker does not hold graph " + plan->graph_hash, 0};
        return send(socket, refused);
      }
      m_planner->push(std::move(*plan));
    } else if (auto* warm = std::get_if<wire::Warm>(&message)) {
      if (!m_loaded || warm->graph_hash != m_loaded->hash) return;  // a hint for another graph
      m_log.info("computing the trees of ", warm->origins.size() + warm->origin_points.size(),
                 " origins of a batch being submitted");
      m_pool->warm(*warm);
    } else if (!std::holds_alternative<wire::Heartbeat>(message)) {
      m_log.warn("ignored an unexpected message type from the dispatcher");
    }
  }

  void grant_credit(zmq::socket_t& socket, const std::atomic<bool>& stop) {
    if (stop) return;
    send(socket, wire::Credit{m_config.threads * m_config.credit_per_thread});
  }

  void on_welcome(zmq::socket_t& socket, const wire::Welcome& welcome,
                  const std::atomic<bool>& stop) {
    if (welcome.graph_hash.empty()) return;  // the dispatcher has no graph yet: wait
    const std::string key = welcome.graph_hash + "/" + welcome.hierarchy_hash;
    if (m_loaded && m_loaded->hash + "/" + m_loaded->hierarchy_hash == key) {
      return grant_credit(socket, stop);
    }
    if (m_loading_key == key || (m_wanted && m_wanted_key == key)) return;  // credit follows
    m_wanted = welcome;
    m_wanted_key = key;
    m_files = GraphFiles{welcome.graph_hash, {}, welcome.hierarchy_hash, {}, false};
    gather(socket);
  }

  /// Takes what the cache holds of the graph and hierarchy wanted and asks the dispatcher for the
  /// rest, a file at a time; loads them once both are here.
  void gather(zmq::socket_t& socket) {
    const wire::Welcome& w = *m_wanted;
    if (m_files.graph_bytes.empty()) {
      if (auto bytes = m_cache.read(w.graph_hash, ".graph", w.graph_hash, w.graph_bytes)) {
        m_log.info("graph ", w.graph_hash.substr(0, 12), " found in the cache");
        m_files.graph_bytes = std::move(*bytes);
      } else {
        return fetch(socket, w.graph_hash, w.graph_bytes, "graph");
      }
    }
    if (!w.hierarchy_hash.empty() && m_files.hierarchy.empty()) {
      if (m_cache.read(w.graph_hash, ".ch", w.hierarchy_hash, w.hierarchy_bytes)) {
        m_files.hierarchy = m_cache.path_of(w.graph_hash, ".ch");
      } else {
        return fetch(socket, w.hierarchy_hash, w.hierarchy_bytes, "hierarchy");
      }
    }
    m_wanted.reset();
    start_load(std::exchange(m_files, {}));
  }

  void fetch(zmq::socket_t& socket, const std::string& hash, std::uint64_t bytes,
             const char* what) {
    m_log.info("fetching ", what, " ", hash.substr(0, 12), " (", bytes,
               " bytes) from the dispatcher");
    m_fetch_hash = hash;
    m_fetch_total = bytes;
    m_fetch.clear();
    m_fetch.reserve(m_fetch_total);
    send(socket, wire::GraphRequest{m_fetch_hash, 0});
  }

  void on_graph_chunk(zmq::socket_t& socket, const wire::GraphChunk& chunk) {
    if (!m_wanted || chunk.graph_hash != m_fetch_hash || chunk.offset != m_fetch.size() ||
        chunk.total != m_fetch_total || chunk.data.size() > m_fetch_total - m_fetch.size()) {
      m_log.warn("ignored an out-of-order graph chunk at offset ", chunk.offset);
      return;
    }
    m_fetch += chunk.data;
    if (m_fetch.size() < m_fetch_total) {
      if (chunk.data.empty()) return;  // no progress: wait for the next Welcome
      send(socket, wire::GraphRequest{m_fetch_hash, m_fetch.size()});
      return;
    }
    if (sha256_hex(m_fetch) != m_fetch_hash) {
      m_log.error(m_fetch_hash.substr(0, 12), " arrived corrupt; fetching it again");
      m_fetch.clear();
      send(socket, wire::GraphRequest{m_fetch_hash, 0});
      return;
    }
    std::string bytes = std::exchange(m_fetch, {});
    if (m_fetch_hash == m_wanted->graph_hash) {
      m_cache.save(m_fetch_hash, ".graph", bytes);
      m_files.graph_bytes = std::move(bytes);
    } else if (auto path = m_cache.save(m_wanted->graph_hash, ".ch", bytes)) {
      m_files.hierarchy = *path;
    } else {  // no cache: a file of our own, read once
      m_files.hierarchy = std::filesystem::temp_directory_path() /
                          ("waybill-" + std::to_string(::getpid()) + "-" + m_fetch_hash + ".ch");
      m_files.remove_hierarchy_file = true;
      std::ofstream(m_files.hierarchy, std::ios::binary) << bytes;
    }
    gather(socket);
  }

  /// Loads the graph on a background thread (load_graph), so heartbeats go on; install_loaded()
  /// swaps it in when it is ready.
  void start_load(GraphFiles files) {
    m_load_started = Clock::now();
    m_loading_key = files.graph_hash + "/" + files.hierarchy_hash;
    m_loading = std::async(std::launch::async, [this, files = std::move(files)] {
      return load_graph(files, m_config, m_cache, m_log);
    });
  }

  /// True when a graph finished loading and is now the one routed on.
  bool install_loaded() {
    if (!m_loading.valid() ||
        m_loading.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
      return false;
    }
    m_loading_key.clear();
    std::unique_ptr<LoadedGraph> loaded;
    try {
      loaded = m_loading.get();
    } catch (const std::exception& e) {
      m_log.error("could not load the graph: ", e.what());
      return false;
    }
    m_planner.reset();  // the threads reference the old graph
    m_pool.reset();
    m_loaded = std::move(loaded);
    m_trees_seen = {};
    m_graph_ready.store(true);
    m_metrics.graph_loaded.set(1);
    m_metrics.graph_load_seconds.set(std::chrono::duration<double>(Clock::now() - m_load_started).count());
    m_pool = std::make_unique<RoutingPool>(*m_loaded, m_config.threads, m_log, &m_metrics.routing_seconds);
    m_planner = std::make_unique<PlanRunner>(*m_loaded, m_config.threads, m_log);
    return true;
  }

  static std::int64_t now_ms() {
    return std::chrono::duration_cast<milliseconds>(Clock::now().time_since_epoch()).count();
  }

  /// A chunk's answer in the counters.
  void count(const wire::ChunkResult& result) {
    if (!result.error.empty()) return m_metrics.chunks_failed.inc();
    if (!result.more) m_metrics.chunks_routed.inc();  // a result in parts is one chunk
    std::uint64_t ok = 0;
    for (const auto& o : result.outcomes) ok += o.status == wire::JobStatus::ok;
    m_metrics.jobs_routed.inc(ok);
    m_metrics.jobs_answered.inc(result.outcomes.size());
  }

  /// The tree cache's counts since the last call, and its size.
  void update_gauges(Clock::time_point now) {
    m_last_gauges = now;
    if (!m_loaded) return;
    const router::TreeCache& trees = m_loaded->trees;
    const std::size_t hits = trees.hits(), misses = trees.misses();
    m_metrics.tree_cache_hits.inc(hits - std::min(hits, m_trees_seen.first));
    m_metrics.tree_cache_misses.inc(misses - std::min(misses, m_trees_seen.second));
    m_trees_seen = {hits, misses};
    m_metrics.tree_cache_bytes.set(static_cast<double>(trees.bytes()));
  }

  /// On the endpoint's threads: from atomics only.
  telemetry::Readiness readiness() const {
    if (!m_graph_ready.load()) return {false, "no graph loaded yet"};
    const std::int64_t heard = m_heard_ms.load();
    const std::int64_t silence = m_config.heartbeat_ms * m_config.liveness;
    if (heard == 0 || now_ms() - heard > silence) {
      return {false, "dispatcher " + m_config.dispatcher + " not heard from in " +
                         std::to_string(silence) + " ms"};
    }
    return {true, "graph loaded, dispatcher " + m_config.dispatcher + " answering"};
  }

  std::string page() const {
    const telemetry::Readiness r = readiness();
    return "<!doctype html><html><head><meta charset=utf-8><meta http-equiv=refresh content=5>"
           "<title>waybill worker " + telemetry::html_escape(m_config.name) + "</title></head>"
           "<body style='font:14px/1.4 system-ui,sans-serif;margin:2em'><h1>waybill worker " +
           telemetry::html_escape(m_config.name) + "</h1><p>dispatcher " +
           telemetry::html_escape(m_config.dispatcher) + " · " + std::to_string(m_config.threads) +
           " threads · " + (r.ready ? "ready" : "not ready") + ": " +
           telemetry::html_escape(r.reason) + "</p><p><a href=/metrics>metrics</a> · "
           "<a href=/healthz>healthz</a> · <a href=/readyz>readyz</a></p><pre>" +
           telemetry::html_escape(m_registry.exposition()) + "</pre></body></html>\n";
  }

  const WorkerConfig& m_config;
  zmq::context_t& m_context;
  Logger& m_log;
  transport::CurveKeyPair m_keys;
  std::string m_dispatcher_key;
  GraphCache m_cache;
  std::uint32_t m_dispatcher_limit = kDefaultDispatcherLimit;  // its largest message, in bytes
  std::unique_ptr<LoadedGraph> m_loaded;
  std::unique_ptr<RoutingPool> m_pool;
  std::unique_ptr<PlanRunner> m_planner;
  std::future<std::unique_ptr<LoadedGraph>> m_loading;
  std::string m_loading_key;                // graph hash "/" hierarchy hash, while loading
  std::optional<wire::Welcome> m_wanted;    // what the dispatcher said to hold, being gathered
  std::string m_wanted_key;
  GraphFiles m_files;                       // of m_wanted, gathered so far
  std::string m_fetch_hash;                 // the file being fetched
  std::uint64_t m_fetch_total = 0;
  std::string m_fetch;
  Clock::time_point m_last_send = Clock::now();
  Clock::time_point m_last_gauges = Clock::now();
  Clock::time_point m_load_started = Clock::now();
  std::pair<std::size_t, std::size_t> m_trees_seen;  // tree cache hits and misses counted
  metrics::Registry m_registry;
  WorkerMetrics m_metrics;
  telemetry::LoopBeat m_beat;
  std::atomic<bool> m_graph_ready{false};
  std::atomic<std::int64_t> m_heard_ms{0};  // when the dispatcher last spoke; 0: not connected
  std::unique_ptr<telemetry::OpsServer> m_ops;  // last: stopped before what it reads
};

}  // namespace

std::vector<std::string> WorkerConfig::validate() const {
  std::vector<std::string> problems;
  if (dispatcher.empty()) problems.push_back("--dispatcher is empty");
  if (threads == 0 || threads > 256) problems.push_back("--threads must be 1..256");
  if (heartbeat_ms < 10) problems.push_back("--heartbeat-ms must be at least 10");
  if (liveness < 2) problems.push_back("--liveness must be at least 2");
  if (reconnect_min_ms < 1 || reconnect_max_ms < reconnect_min_ms) {
    problems.push_back("reconnect back-off must satisfy 1 <= min <= max");
  }
  if (credit_per_thread == 0) problems.push_back("--credit-per-thread must be at least 1");
  if (!metrics.empty()) {
    try {
      telemetry::parse_host_port(metrics);
    } catch (const std::invalid_argument& e) {
      problems.push_back(std::string("--metrics: ") + e.what());
    }
  }
  if (!insecure && (key_file.empty() || dispatcher_key.empty())) {
    problems.push_back("CurveZMQ needs --key and --dispatcher-key (waybill keygen makes keys); "
                       "--insecure connects over plain TCP instead");
  }
  return problems;
}

int run_worker(const WorkerConfig& config, zmq::context_t& context, Logger& log,
               const std::atomic<bool>& stop) {
  Session session(config, context, log);
  return session.run(stop);
}

}  // namespace waybill::worker
