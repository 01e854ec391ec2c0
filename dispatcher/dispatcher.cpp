#include "dispatcher/dispatcher.h"

#include <zmq.hpp>

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <thread>

#include "common/hex.h"
#include "dispatcher/async_store.h"
#include "dispatcher/core.h"
#include "dispatcher/dispatcher_metrics.h"
#include "dispatcher/status_page.h"
#include "dispatcher/store.h"
#include "telemetry/ops_server.h"
#include "transport/curve.h"
#include "transport/frames.h"

namespace waybill::dispatcher {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

// Tags of the route writes' connection: a write's id, or this bit and a batch being cancelled.
constexpr std::uint64_t kCancelTag = std::uint64_t{1} << 63;

/// The core's catalog on the loop's own connection.
class StoreCatalog final : public Catalog {
 public:
  explicit StoreCatalog(Store& store) : m_store(store) {}
  std::vector<OpenBatch> open_batches() override { return m_store.open_batches(); }
  std::optional<GraphInfo> find_graph(const std::string& name) override {
    return m_store.find_graph(name);
  }
  std::optional<GraphInfo> graph_by_id(std::int64_t id) override { return m_store.graph_by_id(id); }
  std::optional<GraphInfo> latest_graph() override { return m_store.latest_graph(); }
  std::string graph_bytes(std::int64_t id) override { return m_store.graph_bytes(id); }
  std::optional<HierarchyBlob> hierarchy(std::int64_t id) override {
    return m_store.hierarchy(id);
  }
  std::optional<BatchRef> find_batch(const std::string& hash) override {
    return m_store.find_batch(hash);
  }
  std::vector<HeadMatch> batches_by_head(const std::string& head_hash) override {
    return m_store.batches_by_head(head_hash);
  }
  std::vector<wire::BatchStatus> batch_status(std::uint64_t id) override {
    return m_store.batch_status(id);
  }
  std::int64_t add_worker(const std::string& name, std::uint32_t threads) override {
    return m_store.add_worker(name, threads);
  }
  void touch_workers(const std::vector<std::pair<std::int64_t, std::uint64_t>>& rows) override {
    m_store.touch_workers(rows);
  }
  void finish_batch(std::int64_t id) override { m_store.finish_batch(id); }
  std::optional<PlanBatch> plan_batch(std::int64_t id) override { return m_store.plan_batch(id); }
  std::vector<std::pair<DepotKey, std::uint32_t>> batch_depots(std::int64_t id, bool points) override {
    return m_store.batch_depots(id, points);
  }
  std::optional<PlanRecord> find_plan(std::int64_t batch_id, const std::string& fleet_hash,
                                      const std::string& options) override {
    return m_store.find_plan(batch_id, fleet_hash, options);
  }
  std::int64_t create_plan(const PlanSpec& spec) override { return m_store.create_plan(spec); }
  std::vector<OpenPlan> open_plans() override { return m_store.open_plans(); }
  std::vector<wire::PlanJob> depot_jobs(std::int64_t batch_id, const DepotKey& depot,
                                        std::int32_t service_s) override {
    return m_store.depot_jobs(batch_id, depot, service_s);
  }
  bool store_plan_part(const PlanPartRows& part) override { return m_store.store_plan_part(part); }
  void finish_plan(std::int64_t plan_id) override { m_store.finish_plan(plan_id); }

 private:
  Store& m_store;
};

StoreOutcome outcome_of(const AsyncStore::Done& done) {
  if (done.error) {
    return {StoreOutcome::Kind::failed, done.error->kind() == StoreError::Kind::retryable,
            done.error->what()};
  }
  if (done.internal) return {StoreOutcome::Kind::internal, false, *done.internal};
  return {};
}

// Connections reading the jobs of leases, taken in turn. A read is one round trip and its
// rows: to a PostgreSQL 100 ms away (ops/hosts.sh, scenario slow) one connection read a lease
// in 220 ms, at most 4-5 leases a second, whatever the workers could take.
constexpr int kReadConnections = 4;

class Driver {
 public:
  Driver(const DispatcherConfig& config, zmq::context_t& context, Logger& log)
      : m_config(config),
        m_log(log),
        m_limits(wire::DecodeLimits::for_frames(static_cast<std::uint64_t>(config.max_message_bytes))),
        m_metrics(m_registry),
        m_clients(context, zmq::socket_type::router),
        m_workers(context, zmq::socket_type::router) {
    for (zmq::socket_t* s : {&m_clients, &m_workers}) {
      s->set(zmq::sockopt::linger, 0);
      s->set(zmq::sockopt::maxmsgsize, static_cast<std::int64_t>(config.max_message_bytes));
      s->set(zmq::sockopt::sndhwm, config.high_water_mark);
      s->set(zmq::sockopt::rcvhwm, config.high_water_mark);
    }
    if (!config.insecure) {
      // The ZAP handler must be bound before the sockets accept anyone.
      m_zap = std::make_unique<transport::ZapHandler>(
          context, transport::read_allow_list(config.allow_file), log);
      const auto keys = transport::read_key_pair(config.key_file);
      transport::make_curve_server(m_clients, keys);
      transport::make_curve_server(m_workers, keys);
      m_log.info("CurveZMQ on: admitting the keys listed in ", config.allow_file);
    } else {
      m_log.warn("--insecure: plain TCP, no authentication");
    }
    if (!config.metrics.empty()) {
      const std::string db = config.db;
      m_ops = std::make_unique<telemetry::OpsServer>(
          config.metrics, m_registry, m_beat,
          telemetry::OpsServer::Handlers{[db] { return dispatcher_readiness(db); },
                                         [db] { return dispatcher_page(db); }});
      m_log.info("metrics and health on http://", config.metrics, " (port ", m_ops->port(), ")");
    }
  }

  int run(const std::atomic<bool>& stop) {
    if (!connect(stop)) return 0;
    m_clients.bind(m_config.clients);
    m_workers.bind(m_config.workers);
    m_log.info("listening: clients on ", m_config.clients, ", workers on ", m_config.workers);
    while (!stop) {
      m_beat.beat();
      poll();
      if (m_zap) serve_zap();
      drain_workers();
      drain_clients();
      drain_stores();
      m_core->tick(Clock::now());
      execute();
    }
    finish();
    return 0;
  }

 private:
  /// Connects to PostgreSQL, migrates and resumes, retrying with back-off while it is away.
  /// False when stopped first.
  bool connect(const std::atomic<bool>& stop) {
    int backoff = 250;
    while (!stop) {
      m_beat.beat();  // waiting for PostgreSQL is the loop turning: /readyz says what is missing
      try {
        m_store = std::make_unique<Store>(m_config.db);
        m_store->migrate();
        m_catalog = std::make_unique<StoreCatalog>(*m_store);
        m_core = std::make_unique<DispatcherCore>(m_config, *m_catalog, m_log, m_metrics);
        m_core->start(Clock::now());
        m_reads.clear();
        for (int i = 0; i < kReadConnections; ++i) {
          m_reads.push_back(std::make_unique<AsyncStore>(m_config.db));
        }
        m_writes = std::make_unique<AsyncStore>(m_config.db);
        m_probe = std::make_unique<AsyncStore>(m_config.db);
        m_submits.clear();
        for (std::uint32_t i = 0; i < std::max<std::uint32_t>(1, m_config.max_receiving); ++i) {
          m_submits.push_back(std::make_unique<AsyncStore>(m_config.db));
        }
        return true;
      } catch (const StoreError& e) {
        m_metrics.db_error("unavailable");
        m_log.error("PostgreSQL unavailable: ", e.what(), "; retrying in ", backoff, " ms");
        std::this_thread::sleep_for(milliseconds(backoff));
        backoff = std::min(backoff * 2, m_config.db_retry_max_ms);
      }
    }
    return false;
  }

  /// Waits for a message, a store's outcome, or the core's next timer (at most a second).
  void poll() {
    if (m_poll_items.empty()) {  // what is polled is fixed once connected: built once
      m_poll_items = {{m_workers.handle(), 0, ZMQ_POLLIN, 0},
                      {m_clients.handle(), 0, ZMQ_POLLIN, 0},
                      {nullptr, m_writes->wake_fd(), ZMQ_POLLIN, 0},
                      {nullptr, m_probe->wake_fd(), ZMQ_POLLIN, 0}};
      for (const auto& r : m_reads) m_poll_items.push_back({nullptr, r->wake_fd(), ZMQ_POLLIN, 0});
      for (const auto& s : m_submits) m_poll_items.push_back({nullptr, s->wake_fd(), ZMQ_POLLIN, 0});
      if (m_zap) m_poll_items.push_back({m_zap->socket().handle(), 0, ZMQ_POLLIN, 0});
    }
    const auto wait = std::clamp(std::chrono::duration_cast<milliseconds>(
                                     m_core->next_wakeup() - Clock::now() + milliseconds(1)),
                                 milliseconds(0), milliseconds(1000));
    try {
      zmq::poll(m_poll_items, wait);
    } catch (const zmq::error_t& e) {
      if (e.num() != EINTR) throw;  // a signal: the loop condition sees `stop`
    }
  }

  void serve_zap() {
    try {
      m_zap->serve();
    } catch (const zmq::error_t& e) {
      m_log.error("ZAP handler: ", e.what());
    }
  }

  /// Takes the next message from `socket`; a malformed one is logged and dropped here.
  std::optional<transport::Received> receive(zmq::socket_t& socket, const char* role) {
    auto in = transport::receive_message(socket, true, m_limits);
    if (in && in->frames != 2) {
      m_metrics.messages_dropped.inc();
      m_log.warn(role, " socket: dropped ", in->error);
    } else if (in && !in->message) {
      m_metrics.messages_dropped.inc();
      m_log.warn(role, " ", hex_lower(in->peer), ": dropped a malformed message: ", in->error);
    }
    return in;
  }

  void drain_workers() {
    for (int budget = 512; budget > 0; --budget) {
      auto in = receive(m_workers, "worker");
      if (!in) break;
      if (in->message) m_core->worker_message(in->peer, std::move(*in->message), Clock::now());
    }
    execute();
  }

  void drain_clients() {
    // A submit part costs tens of milliseconds (parse and COPY): stop after a few so that the
    // workers' heartbeats and results are read in between, however fast a client sends.
    const auto deadline = Clock::now() + milliseconds(50);
    for (int budget = 64; budget > 0 && Clock::now() < deadline; --budget) {
      auto in = receive(m_clients, "client");
      if (!in) break;
      if (in->message) m_core->client_message(in->peer, std::move(*in->message), Clock::now());
      execute();
    }
  }

  void drain_stores() {
    for (const auto& reads : m_reads) {
      while (auto done = reads->poll()) {
        const auto it = m_read_jobs.find(done->tag);
        auto jobs = std::move(*it->second);
        m_read_jobs.erase(it);
        m_log.debug("read the jobs of a lease in ", done->took.count(), " ms");
        m_core->jobs_read(done->tag, outcome_of(*done), std::move(jobs), Clock::now());
      }
    }
    while (auto done = m_probe->poll()) m_core->probe_done(outcome_of(*done), Clock::now());
    while (auto done = m_writes->poll()) {
      if (done->tag & kCancelTag) {
        const auto batch_id = static_cast<std::int64_t>(done->tag & ~kCancelTag);
        std::uint64_t cancelled = 0;
        if (const auto it = m_cancelled.find(batch_id); it != m_cancelled.end()) {
          cancelled = *it->second;
          m_cancelled.erase(it);
        }
        m_core->cancel_written(batch_id, outcome_of(*done), cancelled, Clock::now());
        continue;
      }
      m_log.debug("wrote routes in ", done->took.count(), " ms");
      if (!done->error && !done->internal) m_metrics.route_write_seconds.observe(done->took.count() / 1e3);
      m_core->routes_written(done->tag, outcome_of(*done), Clock::now());
    }
    for (const auto& slot : m_submits) {
      while (auto done = slot->poll()) {
        if (!done->error && !done->internal) {
          m_metrics.submit_part_seconds.observe(done->took.count() / 1e3);
        }
        Begun begun;
        if (const auto it = m_begun.find(done->tag); it != m_begun.end()) {
          begun = *it->second;
          m_begun.erase(it);
        }
        m_core->submit_written(done->tag, outcome_of(*done), begun.batch_id, Clock::now(),
                               begun.mark);
      }
    }
    execute();
  }

  /// Carries out the core's actions, in order.
  void execute() {
    for (Action& action : m_core->take_actions()) std::visit(*this, action);
  }

 public:  // std::visit's overloads
  void operator()(Send& a) {
    zmq::socket_t& socket = a.side == Side::workers ? m_workers : m_clients;
    try {
      transport::send_message(socket, a.peer, a.message);
    } catch (const zmq::error_t& e) {
      m_log.error("socket: ", e.what());
    }
  }
  void operator()(ReadJobs& a) {
    auto jobs = std::make_shared<std::vector<wire::JobSpec>>();
    m_read_jobs.emplace(a.id, jobs);
    m_reads[m_next_read++ % m_reads.size()]->post(a.id, [jobs, a](Store& store) {
      try {
        *jobs = store.read_jobs(a.batch_id, a.first_seq, a.count);
      } catch (const StoreError& e) {
        // A connection whose server died since its last use (a failover) fails on first use,
        // and with four of them each would count as a lost database of its own. A read is safe
        // to try again, once, on a new connection (Store opens one).
        if (e.kind() != StoreError::Kind::retryable) throw;
        *jobs = store.read_jobs(a.batch_id, a.first_seq, a.count);
      }
    });
  }
  void operator()(Probe&) {
    m_probe->post(0, [](Store& store) { store.ping(); });
  }
  void operator()(WriteRoutes& a) {
    std::size_t rows = 0;
    for (const ChunkRoutes& c : *a.chunks) rows += c.outcomes.size();
    m_metrics.route_write_rows.observe(static_cast<double>(rows));
    m_writes->post(a.id, [chunks = std::move(a.chunks)](Store& store) {
      store.record_routes(*chunks);
    });
  }
  void operator()(BeginBatch& a) {
    auto begun = std::make_shared<Begun>();
    m_begun.emplace(a.tag, begun);
    m_submits.at(a.slot)->post(a.tag, [begun, a](Store& store) {
      if (a.resume == 0) {
        begun->batch_id = store.begin_batch(a.content_hash, a.graph_id, a.file_name, a.chunk_size,
                                            a.options, a.head_hash);
        return;
      }
      begun->mark = store.resume_batch(a.resume);
      store.batch_order_ids(a.resume, [&](std::string_view id) { a.parser->remember_order_id(id); });
      begun->batch_id = a.resume;
    });
  }
  void operator()(StoreRows& a) {
    m_submits.at(a.slot)->post(a.tag, [a](Store& store) {
      store.add_jobs(a.batch_id, *a.jobs);
      if (!a.rejects->empty()) store.add_rejects(a.batch_id, *a.rejects);
      if (a.segment_end) store.commit_segment(a.batch_id, *a.segment_end);
    });
  }
  void operator()(CancelBatch& a) {
    // On the route writes' connection: after every write posted before, so that no route of the
    // batch lands after its jobs were marked cancelled.
    auto cancelled = std::make_shared<std::uint64_t>(0);
    m_cancelled.emplace(a.batch_id, cancelled);
    m_writes->post(kCancelTag | static_cast<std::uint64_t>(a.batch_id),
                   [cancelled, id = a.batch_id](Store& store) { *cancelled = store.cancel_batch(id); });
  }
  void operator()(AbortBatch& a) {
    m_submits.at(a.slot)->post(a.tag, [](Store& store) { store.abort_batch(); });
  }

 private:
  /// Stopping: every route held is written (a few attempts while PostgreSQL fails), an open
  /// submit is rolled back. Leased chunks go to workers again after a restart.
  void finish() {
    m_log.info("stopping: persisting ", m_core->routes_held(), " routes held");
    m_core->stop(Clock::now());
    execute();
    for (int failures = 0; m_core->routes_held() > 0 && failures < 5;) {
      if (m_writes->pending() == 0) {
        ++failures;
        std::this_thread::sleep_for(milliseconds(500));
      } else {
        const AsyncStore::Done done = m_writes->wait();
        if (done.error || done.internal) ++failures;
        m_core->routes_written(done.tag, outcome_of(done), Clock::now());
      }
      m_core->stop(Clock::now());
      execute();
    }
    if (m_core->routes_held() > 0) {
      m_log.error("stopped with ", m_core->routes_held(), " routes not written; their chunks "
                  "are routed again after a restart");
    }
    m_submits.clear();  // each finishes its writes (the rollbacks)
  }

  const DispatcherConfig& m_config;
  Logger& m_log;
  const wire::DecodeLimits m_limits;
  metrics::Registry m_registry;
  DispatcherMetrics m_metrics;
  telemetry::LoopBeat m_beat;
  std::unique_ptr<telemetry::OpsServer> m_ops;  // after what its handlers read
  std::unique_ptr<transport::ZapHandler> m_zap;  // declared before the sockets it guards
  zmq::socket_t m_clients;
  zmq::socket_t m_workers;
  std::unique_ptr<Store> m_store;  // the catalog's connection
  std::unique_ptr<StoreCatalog> m_catalog;
  std::unique_ptr<DispatcherCore> m_core;
  std::vector<std::unique_ptr<AsyncStore>> m_reads;  // read the jobs of the leases granted, in turn
  std::size_t m_next_read = 0;
  std::unique_ptr<AsyncStore> m_writes;   // writes routes
  std::unique_ptr<AsyncStore> m_probe;    // asks a lost PostgreSQL whether it answers again
  std::vector<std::unique_ptr<AsyncStore>> m_submits;  // a receiving slot each: its submit's transaction
  std::vector<zmq::pollitem_t> m_poll_items;  // the sockets and the stores' wake descriptors
  std::map<std::uint64_t, std::shared_ptr<std::vector<wire::JobSpec>>> m_read_jobs;
  struct Begun {
    std::int64_t batch_id = 0;
    SegmentMark mark;  ///< of a resumed batch
  };
  std::map<std::uint64_t, std::shared_ptr<Begun>> m_begun;  // by tag
  std::map<std::int64_t, std::shared_ptr<std::uint64_t>> m_cancelled;  // jobs cancelled, by batch
};

}  // namespace

int run_dispatcher(const DispatcherConfig& config, zmq::context_t& context, Logger& log,
                   const std::atomic<bool>& stop) {
  // Every connection (the loop's catalog, the store threads, /readyz) gives up on a lost link in
  // seconds: the loop, blocked in a catalog call, would otherwise stop answering heartbeats.
  DispatcherConfig limited = config;
  limited.db = with_link_timeouts(config.db);
  Driver driver(limited, context, log);
  return driver.run(stop);
}

}  // namespace waybill::dispatcher
