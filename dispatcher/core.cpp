#include "dispatcher/core.h"

#include <algorithm>

#include "common/hex.h"
#include "schema/graph_codec.h"

namespace waybill::dispatcher {

using std::chrono::milliseconds;

DispatcherCore::DispatcherCore(const DispatcherConfig& config, Catalog& catalog, Logger& log,
                               DispatcherMetrics& metrics)
    : m_config(config),
      m_catalog(catalog),
      m_log(log),
      m_metrics(metrics),
      m_table({config.max_attempts, config.max_lost_leases}),
      m_routes(config.flush_rows, milliseconds(config.flush_ms)),
      m_slot_used(std::max<std::uint32_t>(1, config.max_receiving), false) {}

DispatcherCore::~DispatcherCore() = default;

void DispatcherCore::start(Clock::time_point now) {
  m_now = m_last_check = m_last_touch = now;
  resume();
  resume_plans();
  // The graph pending work needs, else the newest one, is loaded before the first client or
  // worker asks: workers can fetch it at once, and a submit does not wait for it.
  if (const auto wanted = m_table.wanted_graph()) {
    m_last_graph = *wanted;
  } else if (const auto latest = m_catalog.latest_graph()) {
    m_last_graph = latest->id;
  }
  if (m_last_graph != 0) graph(m_last_graph);
}

// ---- events --------------------------------------------------------------------------------

// Runs `body`: a lost database is retried later (tick) instead of ending the loop, and anything
// else is logged and dropped with the event that caused it.
template <class F>
void DispatcherCore::guarded(F&& body) {
  try {
    body();
  } catch (const StoreError& e) {
    database_lost(e.what());
  } catch (const std::exception& e) {
    m_log.error("unexpected: ", e.what());
  }
}

void DispatcherCore::database_lost(const std::string& what) {
  m_log.error("database: ", what);
  // Lost already: other tasks failing meanwhile (a held write, a read) keep the retry's time.
  if (m_db_broken) return;
  m_metrics.db_error("unavailable");
  m_db_broken = true;
  retry_later();
}

void DispatcherCore::retry_later() {
  m_db_retry_at = m_now + milliseconds(m_db_backoff_ms);
  m_db_backoff_ms = std::min(m_db_backoff_ms * 2, m_config.db_retry_max_ms);
}

void DispatcherCore::store_failed(const char* task, const StoreOutcome& outcome) {
  m_metrics.db_error(outcome.kind == StoreOutcome::Kind::internal ? "internal"
                     : outcome.retryable                          ? "unavailable"
                                                                  : "refused");
  if (outcome.kind == StoreOutcome::Kind::internal) {
    m_log.error("internal error ", task, " (a bug, not the database): ", outcome.what);
  } else {
    database_lost(outcome.what);
  }
}

void DispatcherCore::worker_message(const std::string& peer, wire::Message message,
                                    Clock::time_point now) {
  m_now = now;
  guarded([&] { on_worker(peer, message, now); });
}

void DispatcherCore::client_message(const std::string& peer, wire::Message message,
                                    Clock::time_point now) {
  m_now = now;
  if (m_db_broken) {
    // Every request needs PostgreSQL, and trying it would hold the loop (and the workers'
    // heartbeats) for a connect timeout a request: the client retries once it is back.
    send(Side::clients, peer, failed(0, "database unavailable; retry"), now);
    return;
  }
  try {
    on_client(peer, message, now);
  } catch (const StoreError& e) {
    // Only a lost database is the database's fault; a permanent error here was caused by what
    // the peer sent (a value PostgreSQL refuses): answer it and go on.
    if (e.kind() == StoreError::Kind::retryable) {
      send(Side::clients, peer, failed(0, "database unavailable; retry"), now);
      database_lost(e.what());
    } else {
      m_log.warn("client ", hex_lower(peer), ": request refused by the database: ", e.what());
      send(Side::clients, peer, failed(0, "refused: " + std::string(e.what())), now);
    }
  } catch (const std::exception& e) {
    m_log.error("unexpected: ", e.what());
  }
}

void DispatcherCore::jobs_read(std::uint64_t id, const StoreOutcome& outcome,
                               std::vector<wire::JobSpec> jobs, Clock::time_point now) {
  m_now = now;
  const auto it = m_reading.find(id);
  if (it == m_reading.end()) return;
  PendingRead read = std::move(it->second);
  m_reading.erase(it);
  const auto conn = m_conns.find(read.peer);
  const bool same = conn != m_conns.end() && conn->second.serial == read.serial;
  if (!outcome.ok()) {
    if (same && conn->second.inflight > 0) --conn->second.inflight;
    m_table.give_back(read.grant.ref, read.grant.lease_id);
    return store_failed("reading the jobs of a lease", outcome);
  }
  // Its worker left or died meanwhile: release_worker put the chunk back already.
  if (!same) return;
  read.lease.jobs = std::move(jobs);
  m_log.debug("leased batch ", read.grant.ref.batch_id, " chunk ", read.grant.ref.chunk, " to ",
              conn->second.name);
  send(Side::workers, read.peer, std::move(read.lease), now);
}

void DispatcherCore::routes_written(std::uint64_t id, const StoreOutcome& outcome,
                                    Clock::time_point now) {
  m_now = now;
  // A write queued behind a failed one still runs, on a new connection; chunks are marked done
  // in the routes' transaction, so whichever write stores a chunk first stores it once.
  const auto chunks = m_routes.written(id, outcome.ok(), now);
  if (!outcome.ok()) return store_failed("writing routes", outcome);
  if (!chunks) return;
  count_outcomes(**chunks);
  guarded([&] {
    for (const ChunkRoutes& c : **chunks) {
      if (m_table.persisted({c.batch_id, c.chunk})) finish_batch(c.batch_id);
    }
  });
}

void DispatcherCore::tick(Clock::time_point now) {
  m_now = now;
  guarded([&] {
    // Heartbeats and lease deadlines go on while PostgreSQL is away: workers stay connected.
    if (now - m_last_check >= milliseconds(std::max(50, m_config.heartbeat_ms / 4))) {
      check_workers(now);
      m_last_check = now;
    }
    check_submits(now);
    if (m_db_broken) {
      // Asked off the loop: the catalog is tried once PostgreSQL answers (probe_done).
      if (!m_probing && now >= m_db_retry_at) {
        m_probing = true;
        m_actions.emplace_back(std::in_place_type<Probe>);
      }
      return;
    }
    store_poisoned(now);
    flush(now, false);
    if (now - m_last_touch > std::chrono::seconds(5)) touch_workers(now);
    assign_leases(now);
    assign_plans(now);
  });
  if (now - m_last_gauges >= milliseconds(500)) {
    update_gauges();
    m_last_gauges = now;
  }
}

void DispatcherCore::probe_done(const StoreOutcome& outcome, Clock::time_point now) {
  m_now = now;
  m_probing = false;
  if (!m_db_broken) return;
  if (!outcome.ok()) {
    m_log.error("database: ", outcome.what);
    return retry_later();
  }
  try {
    abort_submits("database connection lost");
    resume();  // throws if PostgreSQL went away again
    resume_plans();
    for (auto& [peer, conn] : m_conns) {  // those that joined while it was away
      if (conn.db_id == 0) conn.db_id = m_catalog.add_worker(conn.name, conn.threads);
    }
  } catch (const StoreError& e) {
    m_log.error("database: ", e.what());
    return retry_later();
  } catch (const std::exception& e) {
    m_log.error("unexpected: ", e.what());
    return retry_later();
  }
  m_db_broken = false;
  m_db_backoff_ms = 250;
  m_metrics.db_reconnects.inc();
  m_log.info("PostgreSQL reconnected");
}

void DispatcherCore::stop(Clock::time_point now) {
  m_now = now;
  abort_submits("dispatcher stopping");
  flush(now, true);
}

DispatcherCore::Clock::time_point DispatcherCore::next_wakeup() const {
  auto t = m_last_check + milliseconds(std::max(50, m_config.heartbeat_ms / 4));
  if (m_db_broken) {  // (nothing is written or touched meanwhile: those timers wait too)
    if (!m_probing) t = std::min(t, m_db_retry_at);
  } else {
    if (const auto due = m_routes.due()) t = std::min(t, *due);
    t = std::min(t, m_last_touch + std::chrono::seconds(5));
  }
  for (const auto& [id, s] : m_open) {
    const bool our_turn = s->committing || s->held || s->batch_id == 0;
    t = std::min(t, s->last + (our_turn ? milliseconds(10000) : milliseconds(m_config.submit_idle_ms)));
  }
  return t;
}

// ---- helpers -------------------------------------------------------------------------------

void DispatcherCore::send(Side side, const std::string& peer, wire::Message message,
                          Clock::time_point now) {
  if (side == Side::workers) {
    if (const auto it = m_conns.find(peer); it != m_conns.end()) it->second.last_send = now;
  }
  m_actions.push_back(Send{side, peer, std::move(message)});
}

wire::SubmitReply DispatcherCore::failed(std::uint64_t submit_id, std::string error) {
  wire::SubmitReply r;
  r.stage = wire::SubmitReply::Stage::failed;
  r.submit_id = submit_id;
  r.error = std::move(error);
  return r;
}

/// (Re)loads every unfinished batch: chunks done in PostgreSQL stay done, the rest is pending.
void DispatcherCore::resume() {
  for (const OpenBatch& b : m_catalog.open_batches()) {
    if (m_table.has_batch(b.id)) continue;
    m_table.add_batch(b.id, b.graph_id, b.jobs, b.chunk_size, b.done_chunks, b.options.priority,
                      b.received);
    m_options[b.id] = b.options;
    m_batch_graphs[b.id] = b.graph_id;
    m_log.info("batch ", b.id, ": resuming, ", b.done_chunks.size(), " chunks already done",
               b.received ? "" : "; still receiving (its submit resumes when the file is sent again)");
    if (b.received &&
        (b.jobs == 0 || b.done_chunks.size() * std::uint64_t{b.chunk_size} >= b.jobs)) {
      finish_batch(b.id);
    }
  }
}

const DispatcherCore::GraphEntry& DispatcherCore::graph(std::int64_t id) {
  if (const auto it = m_graphs.find(id); it != m_graphs.end()) return *it->second;
  const auto info = m_catalog.graph_by_id(id);
  if (!info) throw std::runtime_error("graph " + std::to_string(id) + " not found");
  return load_graph(*info);
}

const DispatcherCore::GraphEntry& DispatcherCore::load_graph(const GraphInfo& info) {
  if (const auto it = m_graphs.find(info.id); it != m_graphs.end()) return *it->second;
  std::string bytes = m_catalog.graph_bytes(info.id);
  auto decoded = wire::decode_graph(bytes);
  auto entry = std::make_unique<GraphEntry>(GraphEntry{info, std::move(bytes), std::move(decoded),
                                                       m_catalog.hierarchy(info.id)});
  m_log.info("graph '", info.name, "' loaded: ", entry->graph.num_nodes(), " nodes, ",
             entry->hierarchy ? "with its hierarchy (" +
                                    std::to_string(entry->hierarchy->bytes.size()) + " bytes)"
                              : std::string("no hierarchy (import it again to build one)"));
  m_metrics.graph_seen(info.name);
  return *m_graphs.emplace(info.id, std::move(entry)).first->second;
}

void DispatcherCore::update_gauges() {
  const LeaseTable::Summary table = m_table.summary();
  m_metrics.batches_receiving.set(static_cast<double>(m_open.size()));
  m_metrics.submitters_waiting.set(static_cast<double>(m_waiting.size()));
  m_metrics.batches_queued.set(static_cast<double>(table.batches_queued));
  m_metrics.batches_routing.set(static_cast<double>(table.batches_routing));
  m_metrics.chunks_outstanding.set(static_cast<double>(table.chunks_leased));
  double threads = 0;
  for (const auto& [peer, conn] : m_conns) threads += conn.threads;
  m_metrics.workers_connected.set(static_cast<double>(m_conns.size()));
  m_metrics.worker_threads.set(threads);
  m_metrics.routes_held.set(static_cast<double>(m_routes.rows_held()));
  m_metrics.plans_open.set(static_cast<double>(m_plans.size()));
}

std::string DispatcherCore::graph_label(std::int64_t batch_id) const {
  const auto it = m_batch_graphs.find(batch_id);
  if (it == m_batch_graphs.end()) return "unknown";
  if (const auto g = m_graphs.find(it->second); g != m_graphs.end()) return g->second->info.name;
  std::string label = "#";  // (not "#" + to_string: GCC 12 warns falsely of overlapping memcpy)
  label += std::to_string(it->second);
  return label;
}

void DispatcherCore::count_outcomes(const std::vector<ChunkRoutes>& chunks) {
  for (const ChunkRoutes& c : chunks) {
    if (m_cancelled.count(c.batch_id)) continue;  // not written
    std::uint64_t by_status[4] = {};  // routed, unreachable, unsnappable, failed
    for (const wire::JobOutcome& o : c.outcomes) {
      switch (o.status) {
        case wire::JobStatus::ok: ++by_status[0]; break;
        case wire::JobStatus::unreachable: ++by_status[1]; break;
        case wire::JobStatus::unsnappable: ++by_status[2]; break;
        default: ++by_status[3];  // failed, unknown node
      }
    }
    const std::string graph = graph_label(c.batch_id);
    static constexpr const char* kWhat[] = {"routed", "unreachable", "unsnappable", "failed"};
    for (int i = 0; i < 4; ++i) {
      if (by_status[i] > 0) m_metrics.jobs(kWhat[i], graph, by_status[i]);
    }
  }
}

void DispatcherCore::touch_workers(Clock::time_point now) {
  std::vector<std::pair<std::int64_t, std::uint64_t>> rows;
  for (const auto& [peer, conn] : m_conns) {
    if (conn.db_id != 0) rows.emplace_back(conn.db_id, conn.jobs_done);
  }
  m_last_touch = now;
  if (!rows.empty()) m_catalog.touch_workers(rows);
}

}  // namespace waybill::dispatcher
