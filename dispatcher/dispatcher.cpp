#include "dispatcher/dispatcher.h"

#include <zmq.hpp>
#include <zmq_addon.hpp>

#include <algorithm>
#include <chrono>
#include <deque>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <thread>

#include "common/hex.h"
#include "common/utf8.h"
#include "dispatcher/batch_parser.h"
#include "dispatcher/lease_table.h"
#include "dispatcher/async_store.h"
#include "dispatcher/store.h"
#include "router/graph.h"
#include "transport/curve.h"
#include "schema/graph_codec.h"
#include "schema/messages.h"

namespace waybill::dispatcher {
namespace {

using std::chrono::milliseconds;

std::string hex_id(const std::string& routing_id) { return hex_lower(routing_id); }

double seconds_since(Clock::time_point t, Clock::time_point now) {
  return std::chrono::duration<double>(now - t).count();
}

/// A graph as the dispatcher holds it: bytes for workers, the graph itself to validate nodes.
struct GraphEntry {
  GraphInfo info;
  std::string bytes;
  router::RoadGraph graph;
};

/// One connected worker, keyed by its ZeroMQ routing id.
struct WorkerConn {
  std::string name;
  std::uint32_t threads = 1;
  std::int64_t db_id = 0;
  std::int64_t graph_id = 0;  ///< the graph we told it to hold (0: none yet)
  bool ready = false;         ///< it holds that graph and granted credit
  std::uint32_t window = 0;   ///< leases it may hold at once
  std::uint32_t inflight = 0;  ///< leases sent, or waiting for their jobs to be read
  bool leaving = false;
  std::uint64_t serial = 0;   ///< tells this connection from a later one of the same peer
  std::uint64_t jobs_done = 0;
  Clock::time_point last_recv;
  Clock::time_point last_send;
};

/// The one submit in progress: its transaction is open on the submit store until the last part.
struct OpenSubmit {
  std::uint64_t submit_id = 0;
  std::string client;
  std::int64_t batch_id = 0;
  std::int64_t graph_id = 0;
  std::unique_ptr<BatchParser> parser;
  std::uint32_t next_part = 0;
  Clock::time_point last;                 // the client's last part, or our last reply
  std::optional<wire::SubmitReply> held;  // a part's reply, held while the writes lag behind
  bool committing = false;                // the last part is in; the commit is under way
  std::uint32_t chunk_size = 0;           // chosen with the last part
  bool warmed = false;                    // the workers were told the batch's depots
  BatchOptions options;
};

// The parts of a submit being written by the submit store at once, beyond which the client's
// next parts wait for their replies (each is about 1 MiB of the file, parsed).
constexpr std::size_t kPartsInFlight = 2;
// Route writes posted to the writer at once: the next is queued behind the one PostgreSQL is
// storing, so the writer's backend goes from one commit straight to the next COPY instead of
// waiting for the loop to notice the commit and post again (with one, it idled a quarter of
// the time while routes were waiting).
constexpr std::size_t kWritesInFlight = 2;

// AsyncStore tags: the submit and the part a write belongs to.
constexpr std::uint64_t submit_tag(std::uint64_t submit_id, std::uint32_t part) {
  return submit_id << 32 | part;
}

class Dispatcher {
 public:
  Dispatcher(const DispatcherConfig& config, zmq::context_t& context, Logger& log)
      : m_config(config),
        m_log(log),
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
  }

  int run(const std::atomic<bool>& stop) {
    connect_store(stop);
    if (stop) return 0;
    m_clients.bind(m_config.clients);
    m_workers.bind(m_config.workers);
    m_log.info("listening: clients on ", m_config.clients, ", workers on ", m_config.workers);
    resume();
    preload_graph();
    while (!stop) {
      zmq::pollitem_t items[] = {{m_workers.handle(), 0, ZMQ_POLLIN, 0},
                                 {m_clients.handle(), 0, ZMQ_POLLIN, 0},
                                 {m_zap ? m_zap->socket().handle() : nullptr, 0, ZMQ_POLLIN, 0}};
      try {
        const bool persisting =
            !m_persist.empty() || !m_writing.empty() || (m_submits && m_submits->pending());
        const bool reading = m_reads && m_reads->pending() > 0;  // leases wait for their jobs
        zmq::poll(items, m_zap ? 3 : 2, milliseconds(reading ? 1 : persisting ? 5 : 20));
      } catch (const zmq::error_t& e) {
        if (e.num() != EINTR) throw;  // a signal: the loop condition sees `stop`
      }
      if (m_zap) guarded([&] { m_zap->serve(); });
      guarded([&] { drain_workers(); });
      guarded([&] { drain_clients(); });
      guarded([&] { tick(); });
    }
    m_log.info("stopping: persisting ", m_persist_rows + writing_rows(), " routes held");
    for (int attempt = 0; attempt < 5 && (!m_persist.empty() || !m_writing.empty()); ++attempt) {
      guarded([&] {
        while (!m_writing.empty()) persisted(m_routes->wait());
        flush(true);
        while (!m_writing.empty()) persisted(m_routes->wait());
      });
      if (!m_persist.empty()) std::this_thread::sleep_for(milliseconds(500));
    }
    if (m_submit) abort_submit("dispatcher stopping");
    m_submits.reset();  // finishes its writes (the rollback)
    return 0;
  }

 private:
  // ---- PostgreSQL ----------------------------------------------------------------------------

  /// Connects both stores, retrying with back-off while PostgreSQL is unreachable.
  void connect_store(const std::atomic<bool>& stop) {
    int backoff = 250;
    while (!stop) {
      try {
        m_store = std::make_unique<Store>(m_config.db);
        m_store->migrate();
        m_routes = std::make_unique<AsyncStore>(m_config.db);
        m_submits = std::make_unique<AsyncStore>(m_config.db);
        m_reads = std::make_unique<AsyncStore>(m_config.db);
        return;
      } catch (const StoreError& e) {
        m_log.error("PostgreSQL unavailable: ", e.what(), "; retrying in ", backoff, " ms");
        std::this_thread::sleep_for(milliseconds(backoff));
        backoff = std::min(backoff * 2, m_config.db_retry_max_ms);
      }
    }
  }

  /// Runs `body`; a retryable database failure reconnects (later, from tick) instead of
  /// crashing, and anything else is logged and dropped with the message that caused it.
  template <class F>
  void guarded(F&& body) {
    try {
      body();
    } catch (const StoreError& e) {
      m_log.error("database: ", e.what());
      m_db_broken = true;
      m_db_retry_at = Clock::now() + milliseconds(m_db_backoff);
      m_db_backoff = std::min(m_db_backoff * 2, m_config.db_retry_max_ms);
    } catch (const zmq::error_t& e) {
      m_log.error("socket: ", e.what());
    } catch (const std::exception& e) {
      m_log.error("unexpected: ", e.what());
    }
  }

  void reconnect_store() {
    if (m_submit) abort_submit("database connection lost");
    m_store = std::make_unique<Store>(m_config.db);
    m_db_broken = false;
    m_db_backoff = 250;
    m_log.info("PostgreSQL reconnected");
    resume();
  }

  /// (Re)loads every unfinished batch: chunks done in PostgreSQL stay done, the rest is pending.
  void resume() {
    for (const OpenBatch& b : m_store->open_batches()) {
      if (m_table.has_batch(b.id)) continue;
      m_table.add_batch(b.id, b.graph_id, b.jobs, b.chunk_size, b.done_chunks);
      m_options[b.id] = b.options;
      m_log.info("batch ", b.id, ": resuming, ", b.done_chunks.size(), " chunks already done");
      if (b.jobs == 0 || b.done_chunks.size() * std::uint64_t{b.chunk_size} >= b.jobs) {
        finish_batch(b.id);
      }
    }
  }

  /// Loads the graph pending work needs, else the newest one, before the first client or worker
  /// asks: workers can fetch it at once, and a submit does not wait for it.
  void preload_graph() {
    if (const auto wanted = m_table.wanted_graph()) {
      m_last_graph = *wanted;
    } else if (const auto latest = m_store->latest_graph()) {
      m_last_graph = latest->id;
    }
    if (m_last_graph != 0) graph(m_last_graph);
  }

  const GraphEntry& graph(std::int64_t id) {
    if (const auto it = m_graphs.find(id); it != m_graphs.end()) return *it->second;
    const auto info = m_store->graph_by_id(id);
    if (!info) throw std::runtime_error("graph " + std::to_string(id) + " not found");
    return load_graph(*info);
  }
  const GraphEntry& load_graph(const GraphInfo& info) {
    if (const auto it = m_graphs.find(info.id); it != m_graphs.end()) return *it->second;
    std::string bytes = m_store->graph_bytes(info.id);
    auto decoded = wire::decode_graph(bytes);
    auto entry = std::make_unique<GraphEntry>(GraphEntry{info, std::move(bytes), std::move(decoded)});
    m_log.info("graph '", info.name, "' loaded: ", entry->graph.num_nodes(), " nodes");
    return *m_graphs.emplace(info.id, std::move(entry)).first->second;
  }

  // ---- workers -------------------------------------------------------------------------------

  void send_worker(const std::string& peer, const wire::Message& message) {
    const std::string bytes = wire::encode(message);
    m_workers.send(zmq::buffer(peer), zmq::send_flags::sndmore | zmq::send_flags::dontwait);
    m_workers.send(zmq::buffer(bytes), zmq::send_flags::dontwait);
    if (auto it = m_conns.find(peer); it != m_conns.end()) it->second.last_send = Clock::now();
  }

  /// A message taken from a ROUTER socket: the sender and, unless it was malformed (then
  /// logged and left empty), the decoded message.
  struct Incoming {
    std::string peer;
    std::optional<wire::Message> message;
  };

  /// The next message waiting on `socket`, or nothing when none is.
  std::optional<Incoming> receive(zmq::socket_t& socket, const char* role) {
    std::vector<zmq::message_t> frames;
    if (!zmq::recv_multipart(socket, std::back_inserter(frames), zmq::recv_flags::dontwait)) {
      return std::nullopt;
    }
    Incoming in;
    if (frames.size() != 2) {
      m_log.warn(role, " socket: dropped a message of ", frames.size(), " frames");
      return in;
    }
    in.peer = frames[0].to_string();
    std::string error;
    // Reader limits follow the configured frame size (STYLE 15).
    const wire::DecodeLimits limits{
        static_cast<std::uint64_t>(m_config.max_message_bytes) / 8 * 2 + 1024, 16};
    in.message = wire::decode(
        std::span(static_cast<const std::byte*>(frames[1].data()), frames[1].size()), error,
        limits);
    if (!in.message) m_log.warn(role, " ", hex_id(in.peer), ": dropped a malformed message: ", error);
    return in;
  }

  void drain_workers() {
    for (int budget = 512; budget > 0; --budget) {
      auto in = receive(m_workers, "worker");
      if (!in) return;
      if (in->message) on_worker_message(in->peer, *in->message);
    }
  }

  void on_worker_message(const std::string& peer, wire::Message& message) {
    const auto now = Clock::now();
    if (auto* hello = std::get_if<wire::Hello>(&message)) {
      WorkerConn conn;
      conn.name = hello->worker_name.substr(0, 200);
      conn.threads = std::clamp<std::uint32_t>(hello->threads, 1, 1024);
      conn.db_id = m_store->add_worker(conn.name, conn.threads);
      conn.last_recv = now;
      conn.serial = ++m_conn_serial;
      m_conns[peer] = conn;
      m_log.info("worker ", conn.name, " joined (", conn.threads, " threads, holds graph ",
                 hello->graph_hash.empty() ? "none" : hello->graph_hash.substr(0, 12), ")");
      welcome(peer);
      return;
    }
    auto it = m_conns.find(peer);
    if (it == m_conns.end()) {
      // A worker that knew the previous dispatcher: take it on without a name.
      WorkerConn conn;
      conn.name = "worker-" + hex_id(peer);
      conn.db_id = m_store->add_worker(conn.name, 1);
      conn.last_recv = now;
      conn.serial = ++m_conn_serial;
      it = m_conns.emplace(peer, conn).first;
      m_log.info("worker ", conn.name, " rejoined without a hello");
      if (!std::holds_alternative<wire::ChunkResult>(message)) welcome(peer);
    }
    WorkerConn& conn = it->second;
    conn.last_recv = now;
    if (auto* result = std::get_if<wire::ChunkResult>(&message)) {
      on_result(conn, *result);
    } else if (auto* credit = std::get_if<wire::Credit>(&message)) {
      conn.window = std::min<std::uint32_t>(credit->credit, 64);
      conn.ready = conn.graph_id != 0;
    } else if (auto* request = std::get_if<wire::GraphRequest>(&message)) {
      send_graph_chunk(peer, *request);
    } else if (std::holds_alternative<wire::Goodbye>(message)) {
      conn.leaving = true;
      m_log.info("worker ", conn.name, " is draining");
    } else if (!std::holds_alternative<wire::Heartbeat>(message)) {
      m_log.warn("worker ", conn.name, ": dropped an unexpected message type");
    }
  }

  /// Tells a worker which graph to hold: the one pending work needs, else the newest one used.
  void welcome(const std::string& peer) {
    WorkerConn& conn = m_conns.at(peer);
    const auto wanted = m_table.wanted_graph();
    const std::int64_t graph_id = wanted ? *wanted : m_last_graph;
    conn.graph_id = graph_id;
    conn.ready = false;
    if (graph_id == 0) {
      send_worker(peer, wire::Welcome{{}, 0, static_cast<std::uint32_t>(m_config.heartbeat_ms)});
      return;
    }
    const GraphEntry& g = graph(graph_id);
    send_worker(peer, wire::Welcome{g.info.hash, g.bytes.size(),
                                    static_cast<std::uint32_t>(m_config.heartbeat_ms)});
  }

  void send_graph_chunk(const std::string& peer, const wire::GraphRequest& request) {
    for (const auto& [id, g] : m_graphs) {
      if (g->info.hash != request.graph_hash) continue;
      const std::uint64_t total = g->bytes.size();
      const std::uint64_t offset = std::min<std::uint64_t>(request.offset, total);
      const std::uint64_t size = std::min<std::uint64_t>(m_config.graph_chunk_bytes, total - offset);
      send_worker(peer, wire::GraphChunk{g->info.hash, offset, total, g->bytes.substr(offset, size)});
      return;
    }
    m_log.warn("a worker asked for unknown graph ", request.graph_hash.substr(0, 12));
  }

  void on_result(WorkerConn& conn, const wire::ChunkResult& result) {
    if (conn.inflight > 0) --conn.inflight;
    const ChunkRef ref{static_cast<std::int64_t>(result.batch_id), result.chunk};
    const auto grant = m_table.describe(ref);
    if (!grant) return;  // a batch finished meanwhile: a late duplicate
    if (!result.error.empty()) {
      m_log.warn("worker ", conn.name, " failed batch ", ref.batch_id, " chunk ", ref.chunk, ": ",
                 result.error);
      m_table.give_back(ref, result.lease_id);
      return;
    }
    // The answer must cover exactly the chunk's jobs, in order.
    bool valid = result.outcomes.size() == grant->count;
    for (std::size_t i = 0; valid && i < result.outcomes.size(); ++i) {
      valid = result.outcomes[i].seq == grant->first_seq + i;
    }
    if (!valid) {
      m_log.warn("worker ", conn.name, ": dropped a result for batch ", ref.batch_id, " chunk ",
                 ref.chunk, " that does not match its jobs");
      return;
    }
    if (!m_table.accept(ref)) return;  // someone else answered first: stored once
    conn.jobs_done += result.outcomes.size();
    if (m_persist.empty()) m_persist_since = Clock::now();
    m_persist_rows += result.outcomes.size();
    m_persist.push_back(ChunkRoutes{ref.batch_id, ref.chunk, conn.db_id, result.outcomes});
  }

  void assign_leases(Clock::time_point now) {
    // Routes not yet written are held in memory: lease no more while many are.
    if (m_persist_rows + writing_rows() >= 8 * m_config.flush_rows) return;
    for (auto& [peer, conn] : m_conns) {
      while (conn.ready && !conn.leaving && conn.inflight < conn.window) {
        auto grant = m_table.lease(peer, conn.graph_id, now, milliseconds(m_config.lease_ms));
        if (!grant) break;
        wire::Lease lease;
        lease.lease_id = grant->lease_id;
        lease.batch_id = static_cast<std::uint64_t>(grant->ref.batch_id);
        lease.chunk = grant->ref.chunk;
        lease.deadline_ms = static_cast<std::uint32_t>(m_config.lease_ms);
        lease.graph_hash = graph(conn.graph_id).info.hash;
        if (const auto o = m_options.find(grant->ref.batch_id); o != m_options.end()) {
          lease.snap_radius_m = o->second.snap_radius_m;
          lease.want_paths = o->second.want_paths;
        }
        // The jobs are read on a connection of the reader's own, and the lease goes out when
        // they are (send_read_leases): the loop goes on meanwhile, and PostgreSQL reads the
        // next chunks while the loop encodes and sends the last ones.
        auto held = std::make_shared<wire::Lease>(std::move(lease));
        m_reads->post(0, [held, batch = grant->ref.batch_id, first = grant->first_seq,
                          count = grant->count](Store& store) {
          held->jobs = store.read_jobs(batch, first, count);
        });
        m_reading.push_back(PendingRead{peer, conn.serial, grant->ref, std::move(held)});
        ++conn.inflight;
      }
    }
    // Idle workers holding a graph no pending work needs are moved to the one that is needed.
    if (const auto wanted = m_table.wanted_graph()) {
      for (auto& [peer, conn] : m_conns) {
        if (conn.inflight == 0 && !conn.leaving && conn.graph_id != *wanted) welcome(peer);
      }
    }
  }

  /// Sends the leases whose jobs have been read, in the order they were granted.
  void send_read_leases() {
    while (auto done = m_reads->poll()) {
      PendingRead read = std::move(m_reading.front());
      m_reading.pop_front();
      const auto it = m_conns.find(read.peer);
      const bool same = it != m_conns.end() && it->second.serial == read.serial;
      if (done->error) {
        if (same && it->second.inflight > 0) --it->second.inflight;
        m_table.give_back(read.ref, read.lease->lease_id);
        throw *done->error;  // guarded(): the database is lost, or the chunk is leased again
      }
      // Its worker left or died meanwhile: release_worker put the chunk back already.
      if (!same) continue;
      send_worker(read.peer, *read.lease);
      m_log.debug("leased batch ", read.ref.batch_id, " chunk ", read.ref.chunk, " to ",
                  it->second.name, " (read in ", done->took.count(), " ms)");
    }
  }

  void check_workers(Clock::time_point now) {
    const auto silence = milliseconds(m_config.heartbeat_ms * m_config.liveness);
    for (auto it = m_conns.begin(); it != m_conns.end();) {
      WorkerConn& conn = it->second;
      const bool gone = now - conn.last_recv > silence || (conn.leaving && conn.inflight == 0);
      if (gone) {
        const std::size_t released = m_table.release_worker(it->first);
        if (!conn.leaving || released > 0) {
          m_log.warn("worker ", conn.name, " lost; ", released, " chunks return to the queue");
        } else {
          m_log.info("worker ", conn.name, " left");
        }
        it = m_conns.erase(it);
        continue;
      }
      if (now - conn.last_send > milliseconds(m_config.heartbeat_ms)) {
        send_worker(it->first, wire::Heartbeat{});
      }
      ++it;
    }
    if (const std::size_t expired = m_table.expire(now)) {
      m_log.warn(expired, " leases expired; their chunks return to the queue");
    }
  }

  // ---- persisting ------------------------------------------------------------------------------

  // Routes are written by m_routes, one transaction a write, up to kWritesInFlight writes
  // queued; those answered meanwhile wait in m_persist for the next.
  void flush(bool force) {
    if (m_persist.empty() || m_writing.size() >= kWritesInFlight) return;
    if (!force && m_persist_rows < m_config.flush_rows &&
        Clock::now() - m_persist_since < milliseconds(m_config.flush_ms)) {
      return;
    }
    const std::size_t rows = std::exchange(m_persist_rows, 0);
    auto chunks = std::make_shared<const std::vector<ChunkRoutes>>(std::exchange(m_persist, {}));
    m_routes->post(0, [chunks](Store& store) { store.record_routes(*chunks); });
    m_writing.push_back(Write{std::move(chunks), rows});
  }

  /// Routes in the writes posted and not yet answered.
  std::size_t writing_rows() const {
    std::size_t rows = 0;
    for (const Write& w : m_writing) rows += w.rows;
    return rows;
  }

  /// Takes the outcome of the oldest write (m_routes runs them in order): its chunks are done,
  /// or (the database failed) they wait again. A write queued behind a failed one still runs,
  /// on a new connection; chunks are marked done in the routes' transaction, so whichever
  /// write stores a chunk first stores it once.
  void persisted(const AsyncStore::Done& done) {
    const auto chunks = std::move(m_writing.front().chunks);
    const std::size_t rows = m_writing.front().rows;
    m_writing.pop_front();
    if (done.error) {
      if (m_persist.empty()) m_persist_since = Clock::now();
      m_persist_rows += rows;
      m_persist.insert(m_persist.end(), chunks->begin(), chunks->end());
      throw *done.error;  // guarded(): the database is lost, or the write is retried
    }
    m_log.debug("persisted ", chunks->size(), " chunks, ", rows, " routes in ", done.took.count(),
                " ms");
    for (const ChunkRoutes& c : *chunks) {
      if (m_table.persisted({c.batch_id, c.chunk})) finish_batch(c.batch_id);
    }
  }

  void finish_batch(std::int64_t batch_id) {
    m_store->finish_batch(batch_id);
    m_table.drop_batch(batch_id);
    m_options.erase(batch_id);
    m_log.info("batch ", batch_id, " finished");
  }

  // ---- clients ---------------------------------------------------------------------------------

  void reply(const std::string& peer, const wire::Message& message) {
    const std::string bytes = wire::encode(message);
    m_clients.send(zmq::buffer(peer), zmq::send_flags::sndmore | zmq::send_flags::dontwait);
    m_clients.send(zmq::buffer(bytes), zmq::send_flags::dontwait);
  }

  void drain_clients() {
    // A submit part costs tens of milliseconds (parse and COPY): stop after a few so that the
    // workers' heartbeats and results are read in between, however fast a client sends.
    const auto deadline = Clock::now() + milliseconds(50);
    for (int budget = 64; budget > 0 && Clock::now() < deadline; --budget) {
      auto in = receive(m_clients, "client");
      if (!in) return;
      if (!in->message) continue;
      const std::string& peer = in->peer;
      auto& message = in->message;
      try {
        on_client_message(peer, *message);
      } catch (const StoreError& e) {
        // Only a lost database is the database's fault; a permanent error here was caused by
        // what the peer sent (a value PostgreSQL refuses): answer it and go on.
        if (e.kind() == StoreError::Kind::retryable) {
          reply(peer, failed(0, "database unavailable; retry"));
          throw;
        }
        m_log.warn("client ", hex_id(peer), ": request refused by the database: ", e.what());
        reply(peer, failed(0, "refused: " + std::string(e.what())));
      }
    }
  }

  static wire::SubmitReply failed(std::uint64_t submit_id, std::string error) {
    wire::SubmitReply r;
    r.stage = wire::SubmitReply::Stage::failed;
    r.submit_id = submit_id;
    r.error = std::move(error);
    return r;
  }

  void on_client_message(const std::string& peer, wire::Message& message) {
    if (auto* begin = std::get_if<wire::SubmitBegin>(&message)) {
      on_submit_begin(peer, *begin);
    } else if (auto* data = std::get_if<wire::SubmitData>(&message)) {
      on_submit_data(peer, *data);
    } else if (auto* status = std::get_if<wire::StatusRequest>(&message)) {
      on_status(peer, *status);
    } else {
      m_log.warn("client ", hex_id(peer), ": dropped an unexpected message type");
    }
  }

  void on_submit_begin(const std::string& peer, const wire::SubmitBegin& request) {
    wire::SubmitBegin begin = request;
    begin.graph_name = utf8_prefix(begin.graph_name, 200);
    begin.file_name = utf8_prefix(begin.file_name, 500);
    if (!is_hex_lower(begin.content_hash, 64)) {
      return reply(peer, failed(0, "content hash must be 64 lower-case hex digits"));
    }
    if (const auto existing = m_store->batch_by_hash(begin.content_hash)) {
      wire::SubmitReply r;
      r.stage = wire::SubmitReply::Stage::done;
      r.batch_id = static_cast<std::uint64_t>(*existing);
      r.existing = true;
      for (const auto& s : m_store->batch_status(r.batch_id)) {
        r.accepted = s.accepted;
        r.rejected = s.rejected;
      }
      return reply(peer, r);
    }
    if (m_submit) {
      if (m_submit->client != peer) return reply(peer, failed(0, "busy: another submit is in progress; retry"));
      abort_submit("the client started over");
    }
    if (!(begin.snap_radius_m > 0 && begin.snap_radius_m <= 100'000)) {
      return reply(peer, failed(0, "snap radius must be more than 0 and at most 100000 m"));
    }
    const auto info = m_store->find_graph(begin.graph_name);
    if (!info) return reply(peer, failed(0, "no graph named '" + begin.graph_name + "'; import it with 'waybill graph import'"));
    const GraphEntry& g = load_graph(*info);
    auto submit = std::make_unique<OpenSubmit>();
    submit->submit_id = m_next_submit++;
    submit->client = peer;
    submit->graph_id = info->id;
    submit->parser = std::make_unique<BatchParser>(
        [&graph = g.graph](std::int64_t id) { return graph.index_of(router::NodeId{id}).has_value(); });
    submit->options = {begin.want_paths, begin.depart_at, begin.snap_radius_m};
    submit->batch_id = begin_batch(begin, info->id, submit->options);
    submit->last = Clock::now();
    m_log.info("batch ", submit->batch_id, ": receiving '", begin.file_name, "' (", begin.file_bytes,
               " bytes) on graph '", info->name, "'");
    wire::SubmitReply r;
    r.stage = wire::SubmitReply::Stage::begun;
    r.submit_id = submit->submit_id;
    r.batch_id = static_cast<std::uint64_t>(submit->batch_id);
    m_submit = std::move(submit);
    m_last_graph = info->id;
    reply(peer, r);
  }

  void on_submit_data(const std::string& peer, const wire::SubmitData& data) {
    if (!m_submit || m_submit->submit_id != data.submit_id || m_submit->client != peer) {
      return reply(peer, failed(data.submit_id, "unknown submit (the dispatcher restarted?); start over"));
    }
    if (data.part != m_submit->next_part) {
      const auto expected = m_submit->next_part;
      abort_submit("part " + std::to_string(data.part) + " out of order");
      return reply(peer, failed(data.submit_id, "part " + std::to_string(data.part) +
                                                    " arrived, expected " + std::to_string(expected)));
    }
    // Parsed here; written (COPY) by the submit store's thread while the next part is parsed.
    OpenSubmit& s = *m_submit;
    auto jobs = std::make_shared<std::vector<JobRow>>();
    auto rejects = std::make_shared<std::vector<RejectRow>>();
    s.parser->feed(data.data, *jobs, *rejects);
    if (data.last) s.parser->finish(*jobs, *rejects);
    if (!s.warmed && s.parser->depots_known()) {
      s.warmed = true;
      warm_workers(s.graph_id, s.parser->depots(), s.parser->depot_points());
    }
    const std::uint64_t accepted = s.parser->accepted();
    const std::uint64_t rejected = s.parser->rejected();
    // Jobs routed one by one (A*) cost a thousand times a job read off a tree: when most are,
    // smaller chunks spread them evenly over the workers' threads and stay well within a lease.
    s.chunk_size = s.parser->lone_share() > 0.5 ? m_config.lone_chunk_size : m_config.chunk_size;
    m_submits->post(submit_tag(s.submit_id, data.part),
                    [batch = s.batch_id, jobs, rejects, last = data.last, accepted, rejected,
                     chunk_size = s.chunk_size](Store& store) {
                      if (!jobs->empty()) store.add_jobs(batch, *jobs);
                      if (!rejects->empty()) store.add_rejects(batch, *rejects);
                      if (last) store.commit_batch(batch, accepted, rejected, chunk_size);
                    });
    ++s.next_part;
    s.last = Clock::now();
    const wire::SubmitReply r = progress(s, wire::SubmitReply::Stage::part_stored, data.part);
    if (data.last) {
      s.committing = true;  // answered once committed: submit_written()
    } else if (m_submits->pending() <= kPartsInFlight) {
      reply(peer, r);
    } else {
      s.held = r;
    }
  }

  /// A reply on the open submit `s` at `stage`, acknowledging `part`, with the counts so far.
  static wire::SubmitReply progress(const OpenSubmit& s, wire::SubmitReply::Stage stage,
                                    std::uint32_t part) {
    wire::SubmitReply r;
    r.stage = stage;
    r.submit_id = s.submit_id;
    r.part = part;
    r.batch_id = static_cast<std::uint64_t>(s.batch_id);
    r.accepted = s.parser->accepted();
    r.rejected = s.parser->rejected();
    return r;
  }

  /// Tells the workers on `graph_id` which origins the batch being submitted leaves from in
  /// numbers: they compute those trees while the rest streams in, instead of on their first
  /// leases after the commit.
  void warm_workers(std::int64_t graph_id, const std::vector<std::int64_t>& depots,
                    const std::vector<wire::LatLon>& depot_points) {
    if (depots.empty() && depot_points.empty()) return;
    std::vector<std::string> peers;
    for (const auto& [peer, conn] : m_conns) {
      if (conn.ready && !conn.leaving && conn.graph_id == graph_id) peers.push_back(peer);
    }
    // Each worker starts at its own place in the list: workers sharing a host share their trees
    // (TreeCache::share_through), so each computes its part and reads the others' parts.
    const std::string& hash = graph(graph_id).info.hash;
    for (std::size_t k = 0; k < peers.size(); ++k) {
      send_worker(peers[k], wire::Warm{hash, rotated(depots, k, peers.size()),
                                       rotated(depot_points, k, peers.size())});
    }
  }

  /// `list` started at part `k` of `parts` equal parts.
  template <class T>
  static std::vector<T> rotated(std::vector<T> list, std::size_t k, std::size_t parts) {
    const auto first = static_cast<std::ptrdiff_t>(k * list.size() / parts);
    std::rotate(list.begin(), list.begin() + first, list.end());
    return list;
  }

  /// Begins a batch on the submit store, waiting for it (a few milliseconds). What the submit
  /// store still had to do belonged to submits given up since.
  std::int64_t begin_batch(const wire::SubmitBegin& begin, std::int64_t graph_id,
                           const BatchOptions& options) {
    std::int64_t batch_id = 0;
    m_submits->post(0, [&](Store& store) {
      batch_id = store.begin_batch(begin.content_hash, graph_id, begin.file_name,
                                   m_config.chunk_size, options);
    });
    for (;;) {
      const AsyncStore::Done done = m_submits->wait();
      if (m_submits->pending() > 0) continue;  // an older write's outcome
      if (done.error) throw *done.error;
      return batch_id;
    }
  }

  /// Takes the outcomes of the submit store's writes.
  void submit_written() {
    while (auto done = m_submits->poll()) {
      if (!m_submit || done->tag >> 32 != m_submit->submit_id) continue;  // a given-up submit's
      OpenSubmit& s = *m_submit;
      if (done->error) {
        const auto id = s.submit_id;
        const auto peer = s.client;
        abort_submit(done->error->what());
        reply(peer, failed(id, std::string("database: ") + done->error->what() + "; start over"));
        continue;
      }
      if (s.committing && m_submits->pending() == 0) {
        m_log.info("batch ", s.batch_id, ": stored, ", s.parser->accepted(), " jobs accepted, ",
                   s.parser->rejected(), " lines rejected");
        m_table.add_batch(s.batch_id, s.graph_id, s.parser->accepted(), s.chunk_size);
        m_options[s.batch_id] = s.options;
        if (s.parser->accepted() == 0) finish_batch(s.batch_id);
        const wire::SubmitReply r = progress(s, wire::SubmitReply::Stage::done, s.next_part - 1);
        const auto peer = s.client;
        m_submit.reset();
        reply(peer, r);
      } else if (s.held && m_submits->pending() <= kPartsInFlight) {
        reply(s.client, *std::exchange(s.held, std::nullopt));
        s.last = Clock::now();
      }
    }
  }

  void abort_submit(const std::string& why) {
    m_log.warn("batch ", m_submit->batch_id, ": submit abandoned (", why, "); rolled back");
    m_submits->post(submit_tag(m_submit->submit_id, ~0u), [](Store& store) { store.abort_batch(); });
    m_submit.reset();
  }

  void on_status(const std::string& peer, const wire::StatusRequest& request) {
    wire::StatusReply r;
    if (request.batch_id > static_cast<std::uint64_t>(INT64_MAX)) {
      r.error = "batch id out of range";
      return reply(peer, r);
    }
    r.batches = m_store->batch_status(request.batch_id);
    const auto now = Clock::now();
    for (const auto& [id, conn] : m_conns) {
      r.workers.push_back(wire::WorkerStatus{conn.name, conn.threads, conn.inflight,
                                             conn.jobs_done, seconds_since(conn.last_recv, now)});
    }
    reply(peer, r);
  }

  // ---- timers ----------------------------------------------------------------------------------

  void tick() {
    const auto now = Clock::now();
    // Heartbeats and lease deadlines go on while PostgreSQL is away: workers stay connected.
    if (now - m_last_check > milliseconds(std::max(50, m_config.heartbeat_ms / 4))) {
      check_workers(now);
      m_last_check = now;
    }
    submit_written();
    // Silence counts only while the client owes the next part; a long commit keeps it waiting.
    if (m_submit && (m_submit->committing || m_submit->held)) {
      if (now - m_submit->last > std::chrono::seconds(10)) {
        m_submit->last = now;
        // "Still working": a part already acknowledged, so the client's wait starts over.
        reply(m_submit->client, progress(*m_submit, wire::SubmitReply::Stage::part_stored, 0));
      }
    } else if (m_submit && now - m_submit->last > milliseconds(m_config.submit_idle_ms)) {
      abort_submit("client silent for " + std::to_string(m_config.submit_idle_ms) + " ms");
    }
    if (m_db_broken) {
      if (now < m_db_retry_at) return;
      reconnect_store();
    }
    while (auto done = m_routes->poll()) persisted(*done);
    send_read_leases();
    flush(false);
    if (now - m_last_touch > std::chrono::seconds(5)) {
      std::vector<std::pair<std::int64_t, std::uint64_t>> rows;
      for (const auto& [peer, conn] : m_conns) rows.emplace_back(conn.db_id, conn.jobs_done);
      if (!rows.empty()) m_store->touch_workers(rows);
      m_last_touch = now;
    }
    assign_leases(now);
  }

  const DispatcherConfig& m_config;
  Logger& m_log;
  std::unique_ptr<transport::ZapHandler> m_zap;  // declared before the sockets it guards
  zmq::socket_t m_clients;
  zmq::socket_t m_workers;
  std::unique_ptr<Store> m_store;
  std::unique_ptr<AsyncStore> m_routes;   // writes routes: record_routes
  std::unique_ptr<AsyncStore> m_submits;  // the open submit's transaction
  std::unique_ptr<AsyncStore> m_reads;    // reads the jobs of the leases granted: read_jobs
  // A lease granted, waiting for its jobs; m_reads finishes reads in the order posted.
  struct PendingRead {
    std::string peer;
    std::uint64_t serial = 0;  // of the connection it was granted to
    ChunkRef ref;
    std::shared_ptr<wire::Lease> lease;  // its jobs filled in by the read
  };
  std::deque<PendingRead> m_reading;
  std::uint64_t m_conn_serial = 0;
  bool m_db_broken = false;
  int m_db_backoff = 250;
  Clock::time_point m_db_retry_at;

  LeaseTable m_table;
  std::map<std::int64_t, BatchOptions> m_options;  // of the batches in m_table
  std::map<std::int64_t, std::unique_ptr<GraphEntry>> m_graphs;
  std::int64_t m_last_graph = 0;
  std::map<std::string, WorkerConn> m_conns;
  std::vector<ChunkRoutes> m_persist;      // answered, waiting for the next write
  struct Write {
    std::shared_ptr<const std::vector<ChunkRoutes>> chunks;
    std::size_t rows = 0;
  };
  std::deque<Write> m_writing;             // posted to m_routes, oldest first
  std::size_t m_persist_rows = 0;
  Clock::time_point m_persist_since;
  std::unique_ptr<OpenSubmit> m_submit;
  std::uint64_t m_next_submit = 1;
  Clock::time_point m_last_check;
  Clock::time_point m_last_touch;
};

}  // namespace

std::vector<std::string> DispatcherConfig::validate() const {
  std::vector<std::string> problems;
  if (clients.empty()) problems.push_back("--clients is empty");
  if (workers.empty()) problems.push_back("--workers is empty");
  if (clients == workers) problems.push_back("--clients and --workers must differ");
  if (chunk_size == 0 || chunk_size > 1'000'000) problems.push_back("--chunk-size must be 1..1000000");
  if (lone_chunk_size == 0 || lone_chunk_size > 1'000'000) {
    problems.push_back("--lone-chunk-size must be 1..1000000");
  }
  if (lease_ms < 100) problems.push_back("--lease-ms must be at least 100");
  if (heartbeat_ms < 10) problems.push_back("--heartbeat-ms must be at least 10");
  if (liveness < 2) problems.push_back("--liveness must be at least 2");
  if (max_message_bytes < (1 << 16)) problems.push_back("--max-message-bytes must be at least 65536");
  if (!insecure && (key_file.empty() || allow_file.empty())) {
    problems.push_back("CurveZMQ needs --key and --allow (waybill keygen makes keys); "
                       "--insecure runs plain TCP instead");
  }
  return problems;
}

int run_dispatcher(const DispatcherConfig& config, zmq::context_t& context, Logger& log,
                   const std::atomic<bool>& stop) {
  Dispatcher dispatcher(config, context, log);
  return dispatcher.run(stop);
}

}  // namespace waybill::dispatcher
