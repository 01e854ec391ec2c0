// The core's worker side: sessions and heartbeats, the graph they must hold, leases, results.
#include <algorithm>
#include <iterator>

#include "common/hex.h"
#include "common/utf8.h"
#include "dispatcher/core.h"

namespace waybill::dispatcher {

using std::chrono::milliseconds;

namespace {

// Result parts kept per worker at once: a worker holds at most 64 leases.
constexpr std::size_t kMaxPartialsPerWorker = 64;

}  // namespace

void DispatcherCore::on_worker(const std::string& peer, wire::Message& message,
                               Clock::time_point now) {
  if (auto* hello = std::get_if<wire::Hello>(&message)) {
    const WorkerConn& conn = join(peer, utf8_prefix(hello->worker_name, 200),
                                  std::clamp<std::uint32_t>(hello->threads, 1, 1024), now);
    m_log.info(LogFields{.worker = conn.name}, "worker ", conn.name, " joined (", conn.threads,
               " threads, holds graph ",
               hello->graph_hash.empty() ? "none" : hello->graph_hash.substr(0, 12), ")");
    return welcome(peer, now);
  }
  auto it = m_conns.find(peer);
  if (it == m_conns.end()) {
    // A worker that knew the previous dispatcher: take it on without a name.
    const WorkerConn& conn = join(peer, "worker-" + hex_lower(peer), 1, now);
    m_log.info(LogFields{.worker = conn.name}, "worker ", conn.name, " rejoined without a hello");
    if (!std::holds_alternative<wire::ChunkResult>(message)) welcome(peer, now);
    it = m_conns.find(peer);
  }
  WorkerConn& conn = it->second;
  conn.last_recv = now;
  if (auto* result = std::get_if<wire::ChunkResult>(&message)) {
    on_result(peer, conn, *result, now);
  } else if (auto* plan = std::get_if<wire::PlanResult>(&message)) {
    on_plan_result(peer, conn, *plan, now);
  } else if (auto* credit = std::get_if<wire::Credit>(&message)) {
    conn.window = std::min<std::uint32_t>(credit->credit, 64);
    conn.ready = conn.graph_id != 0;
  } else if (auto* request = std::get_if<wire::GraphRequest>(&message)) {
    send_graph_chunk(peer, *request, now);
  } else if (std::holds_alternative<wire::Goodbye>(message)) {
    conn.leaving = true;
    m_log.info(LogFields{.worker = conn.name}, "worker ", conn.name, " is draining");
  } else if (!std::holds_alternative<wire::Heartbeat>(message)) {
    m_metrics.messages_dropped.inc();
    m_log.warn(LogFields{.worker = conn.name}, "worker ", conn.name,
               ": dropped an unexpected message type");
  }
}

DispatcherCore::WorkerConn& DispatcherCore::join(const std::string& peer, std::string name,
                                                 std::uint32_t threads, Clock::time_point now) {
  WorkerConn conn;
  conn.name = std::move(name);
  conn.threads = threads;
  // With PostgreSQL lost, asking it would hold the loop a connect timeout per hello, and the
  // workers, unanswered meanwhile, would come back with another: it is registered on reconnect.
  if (!m_db_broken) conn.db_id = m_catalog.add_worker(conn.name, conn.threads);
  conn.last_recv = now;
  conn.serial = ++m_conn_serial;
  forget_partials(peer);
  return m_conns[peer] = std::move(conn);
}

/// Tells a worker which graph to hold: the one pending work needs, else the newest one used.
void DispatcherCore::welcome(const std::string& peer, Clock::time_point now) {
  WorkerConn& conn = m_conns.at(peer);
  const auto wanted = m_table.wanted_graph();
  conn.graph_id = wanted ? *wanted : m_last_graph;
  conn.ready = false;
  wire::Welcome w;
  w.heartbeat_ms = static_cast<std::uint32_t>(m_config.heartbeat_ms);
  w.max_message_bytes = static_cast<std::uint32_t>(m_config.max_message_bytes);
  if (conn.graph_id != 0) {
    const GraphEntry& g = graph(conn.graph_id);
    w.graph_hash = g.info.hash;
    w.graph_bytes = g.bytes.size();
    if (g.hierarchy) {
      w.hierarchy_hash = g.hierarchy->hash;
      w.hierarchy_bytes = g.hierarchy->bytes.size();
    }
  }
  send(Side::workers, peer, std::move(w), now);
}

void DispatcherCore::send_graph_chunk(const std::string& peer, const wire::GraphRequest& request,
                                      Clock::time_point now) {
  // A graph, or a graph's hierarchy, by its hash.
  for (const auto& [id, g] : m_graphs) {
    const std::string* bytes = g->info.hash == request.graph_hash ? &g->bytes
                               : g->hierarchy && g->hierarchy->hash == request.graph_hash
                                   ? &g->hierarchy->bytes
                                   : nullptr;
    if (bytes == nullptr) continue;
    const std::uint64_t total = bytes->size();
    const std::uint64_t offset = std::min<std::uint64_t>(request.offset, total);
    const std::uint64_t size = std::min<std::uint64_t>(m_config.graph_chunk_bytes, total - offset);
    return send(Side::workers, peer,
                wire::GraphChunk{request.graph_hash, offset, total, bytes->substr(offset, size)},
                now);
  }
  m_log.warn("a worker asked for unknown graph ", request.graph_hash.substr(0, 12));
}

void DispatcherCore::on_result(const std::string& peer, WorkerConn& conn,
                               wire::ChunkResult& result, Clock::time_point now) {
  const ChunkRef ref{static_cast<std::int64_t>(result.batch_id), result.chunk};
  const auto key = std::make_pair(peer, result.lease_id);
  const auto grant = m_table.describe(ref);
  if (result.more && result.error.empty()) {  // a part of a result that did not fit a message
    const auto partials = std::count_if(m_partials.begin(), m_partials.end(),
                                        [&](const auto& p) { return p.first.first == peer; });
    auto it = m_partials.find(key);
    if (it == m_partials.end() && partials >= static_cast<std::ptrdiff_t>(kMaxPartialsPerWorker)) {
      m_log.warn(LogFields{.worker = conn.name}, "worker ", conn.name,
                 ": dropped a result part beyond ", kMaxPartialsPerWorker,
                 " results in parts at once");
      return;
    }
    Partial& partial = it != m_partials.end() ? it->second : m_partials[key];
    partial.ref = ref;
    const std::size_t have = partial.outcomes.size() + result.outcomes.size();
    if (!grant || have > grant->count) {
      m_log.warn(LogFields{.batch = ref.batch_id, .chunk = ref.chunk, .worker = conn.name},
                 "worker ", conn.name, ": dropped the parts of a result for batch ", ref.batch_id,
                 " chunk ", ref.chunk, " that do not match its jobs");
      m_partials.erase(key);
      return;
    }
    std::move(result.outcomes.begin(), result.outcomes.end(),
              std::back_inserter(partial.outcomes));
    return;
  }
  if (conn.inflight > 0) --conn.inflight;
  if (auto it = m_partials.find(key); it != m_partials.end()) {
    std::vector<wire::JobOutcome> outcomes = std::move(it->second.outcomes);
    m_partials.erase(it);
    std::move(result.outcomes.begin(), result.outcomes.end(), std::back_inserter(outcomes));
    result.outcomes = std::move(outcomes);
  }
  if (!grant) return;  // a batch finished meanwhile: a late duplicate
  if (!result.error.empty()) return on_failure(peer, conn, result, now);
  // The answer must cover exactly the chunk's jobs, in order.
  bool valid = result.outcomes.size() == grant->count;
  for (std::size_t i = 0; valid && i < result.outcomes.size(); ++i) {
    valid = result.outcomes[i].seq == grant->first_seq + i;
  }
  if (!valid) {
    m_log.warn(LogFields{.batch = ref.batch_id, .chunk = ref.chunk, .worker = conn.name}, "worker ",
               conn.name, ": dropped a result for batch ", ref.batch_id, " chunk ", ref.chunk,
               " that does not match its jobs");
    return;
  }
  if (!m_table.accept(ref)) return;  // someone else answered first: stored once
  conn.jobs_done += result.outcomes.size();
  m_routes.add(ChunkRoutes{ref.batch_id, ref.chunk, conn.db_id, std::move(result.outcomes)}, now);
}

void DispatcherCore::on_failure(const std::string& peer, WorkerConn& conn,
                                const wire::ChunkResult& result, Clock::time_point now) {
  const ChunkRef ref{static_cast<std::int64_t>(result.batch_id), result.chunk};
  m_log.warn(LogFields{.batch = ref.batch_id, .chunk = ref.chunk, .worker = conn.name}, "worker ",
             conn.name, " failed batch ", ref.batch_id, " chunk ", ref.chunk, ": ", result.error);
  if (result.error_kind == wire::ChunkError::graph_mismatch) {
    // The worker is not where we thought: not the chunk's fault. Tell it the graph again.
    m_table.give_back(ref, result.lease_id);
    return welcome(peer, now);
  }
  m_table.fail(ref, result.lease_id, result.error);
}

void DispatcherCore::assign_leases(Clock::time_point now) {
  // Routes not yet written are held in memory: lease no more while many are.
  if (m_routes.rows_held() >= 8 * m_config.flush_rows) return;
  for (auto& [peer, conn] : m_conns) {
    while (conn.ready && !conn.leaving && conn.inflight < conn.window) {
      auto grant = m_table.lease(peer, conn.graph_id, now, milliseconds(m_config.lease_ms));
      if (!grant) break;
      m_metrics.chunks_leased.inc();
      PendingRead read{peer, conn.serial, *grant, {}};
      read.lease.lease_id = grant->lease_id;
      read.lease.batch_id = static_cast<std::uint64_t>(grant->ref.batch_id);
      read.lease.chunk = grant->ref.chunk;
      read.lease.deadline_ms = static_cast<std::uint32_t>(m_config.lease_ms);
      read.lease.graph_hash = graph(conn.graph_id).info.hash;
      if (const auto o = m_options.find(grant->ref.batch_id); o != m_options.end()) {
        read.lease.snap_radius_m = o->second.snap_radius_m;
        read.lease.want_paths = o->second.want_paths;
      }
      // The jobs are read on a connection of the reader's own, and the lease goes out when they
      // are (jobs_read): the loop goes on meanwhile, and PostgreSQL reads the next chunks while
      // the loop encodes and sends the last ones.
      const std::uint64_t id = m_next_read++;
      m_actions.push_back(ReadJobs{id, grant->ref.batch_id, grant->first_seq, grant->count});
      m_reading.emplace(id, std::move(read));
      ++conn.inflight;
    }
  }
  // Idle workers holding a graph no pending work needs are moved to the one that is needed.
  if (const auto wanted = m_table.wanted_graph()) {
    for (auto& [peer, conn] : m_conns) {
      if (conn.inflight == 0 && !conn.leaving && conn.graph_id != *wanted) welcome(peer, now);
    }
  }
}

void DispatcherCore::check_workers(Clock::time_point now) {
  const auto silence = milliseconds(m_config.heartbeat_ms * m_config.liveness);
  for (auto it = m_conns.begin(); it != m_conns.end();) {
    WorkerConn& conn = it->second;
    // A draining worker leaves once it holds nothing: no chunk, and no plan part it is planning.
    const bool gone = now - conn.last_recv > silence ||
                      (conn.leaving && conn.inflight == 0 && m_plan_board.held_by(it->first) == 0);
    if (gone) {
      const std::size_t released = m_table.release_worker(it->first);
      m_metrics.chunks_released.inc(released);
      if (!conn.leaving) m_metrics.heartbeat_misses.inc();
      if (const std::size_t plans = m_plan_board.release_worker(it->first)) {
        m_log.warn(LogFields{.worker = conn.name}, "worker ", conn.name, " lost; ", plans,
                   " plan parts return to the queue");
      }
      if (!conn.leaving || released > 0) {
        m_log.warn(LogFields{.worker = conn.name}, "worker ", conn.name, " lost; ", released,
                   " chunks return to the queue");
      } else {
        m_log.info(LogFields{.worker = conn.name}, "worker ", conn.name, " left");
      }
      forget_partials(it->first);
      it = m_conns.erase(it);
      continue;
    }
    if (now - conn.last_send > milliseconds(m_config.heartbeat_ms)) {
      send(Side::workers, it->first, wire::Heartbeat{}, now);
    }
    ++it;
  }
  if (const std::size_t expired = m_table.expire(now)) {
    m_metrics.chunks_expired.inc(expired);
    m_log.warn(expired, " leases expired; their chunks return to the queue");
  }
  if (const std::size_t expired = m_plan_board.expire(now)) {
    m_metrics.plan_leases_expired.inc(expired);
    m_log.warn(expired, " plan leases expired; their parts return to the queue");
  }
}

void DispatcherCore::forget_partials(const std::string& peer) {
  std::erase_if(m_partials, [&](const auto& p) { return p.first.first == peer; });
}

}  // namespace waybill::dispatcher
