#include "worker/worker.h"

#include <zmq.hpp>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <fstream>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>

#include <unistd.h>

#include "common/sha256.h"
#include "router/graph.h"
#include "router/landmarks.h"
#include "router/snap.h"
#include "router/tree_cache.h"
#include "transport/curve.h"
#include "schema/graph_codec.h"
#include "schema/messages.h"
#include "worker/chunk_router.h"

namespace waybill::worker {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

/// The graph a worker holds, with what it derives from it.
struct LoadedGraph {
  std::string hash;
  router::RoadGraph graph;
  router::Landmarks landmarks;
  std::unique_ptr<const router::Snapper> snapper;  ///< null: the graph has no coordinates
  router::TreeCache trees;
};

/// An origin whose trees the dispatcher said are wanted soon: a node, or a coordinate.
struct WarmOrigin {
  std::int64_t node = 0;
  std::optional<wire::LatLon> point;
};

/// Routing threads fed from a queue of leases; results come back on another queue. Between
/// leases the threads compute the trees of origins the dispatcher said are coming (Warm).
class RoutingPool {
 public:
  RoutingPool(LoadedGraph& loaded, unsigned threads, Logger& log) : m_log(&log) {
    for (unsigned t = 0; t < threads; ++t) {
      m_threads.emplace_back([this, &loaded] { serve(loaded); });
    }
  }
  ~RoutingPool() {
    {
      std::lock_guard lock(m_mutex);
      m_closing = true;
    }
    m_ready.notify_all();
    for (auto& t : m_threads) t.join();
  }

  void push(wire::Lease lease) {
    {
      std::lock_guard lock(m_mutex);
      m_todo.push_back(std::move(lease));
    }
    m_ready.notify_one();
  }
  /// Queues origins whose trees to compute when no lease is waiting.
  void warm(const wire::Warm& warm) {
    {
      std::lock_guard lock(m_mutex);
      for (const std::int64_t node : warm.origins) m_warm.push_back({node, std::nullopt});
      for (const wire::LatLon& point : warm.origin_points) m_warm.push_back({0, point});
    }
    m_ready.notify_all();
  }
  /// Results finished since the last call.
  std::deque<wire::ChunkResult> take_done() {
    std::lock_guard lock(m_mutex);
    return std::exchange(m_done, {});
  }
  /// Drops leases not started yet (after a reconnect the dispatcher re-leases them).
  std::size_t drop_queued() {
    std::lock_guard lock(m_mutex);
    const std::size_t n = m_todo.size();
    m_todo.clear();
    m_warm.clear();
    return n;
  }
  bool idle() {
    std::lock_guard lock(m_mutex);
    return m_todo.empty() && m_running == 0 && m_done.empty();
  }

 private:
  void serve(LoadedGraph& loaded) {
    ChunkRouter router(loaded.graph, &loaded.landmarks, loaded.snapper.get(), loaded.trees);
    std::unique_lock lock(m_mutex);
    for (;;) {
      m_ready.wait(lock, [&] { return m_closing || !m_todo.empty() || !m_warm.empty(); });
      if (m_closing) return;
      if (m_todo.empty()) {  // a hint, taken only while no lease waits
        const WarmOrigin origin = m_warm.front();
        m_warm.pop_front();
        lock.unlock();
        try {
          if (origin.point) {
            router.warm(*origin.point, router::kDefaultSnapRadiusM);
          } else {
            router.warm(origin.node);
          }
        } catch (const std::exception& e) {
          m_log->warn("tree of origin ", origin.node, ": ", e.what());
        }
        lock.lock();
        continue;
      }
      wire::Lease lease = std::move(m_todo.front());
      m_todo.pop_front();
      ++m_running;
      lock.unlock();
      wire::ChunkResult result{lease.lease_id, lease.batch_id, lease.chunk, {}, {}};
      try {
        const auto t0 = Clock::now();
        result.outcomes = router.route(lease);
        m_log->debug("batch ", lease.batch_id, " chunk ", lease.chunk, ": ", lease.jobs.size(),
                     " jobs in ", std::chrono::duration_cast<milliseconds>(Clock::now() - t0).count(),
                     " ms");
      } catch (const std::exception& e) {
        m_log->error("batch ", lease.batch_id, " chunk ", lease.chunk, ": ", e.what());
        result.error = e.what();
      }
      lock.lock();
      --m_running;
      m_done.push_back(std::move(result));
    }
  }

  Logger* m_log;
  std::mutex m_mutex;
  std::condition_variable m_ready;
  std::deque<wire::Lease> m_todo;
  std::deque<WarmOrigin> m_warm;  // origins whose trees are wanted soon
  std::deque<wire::ChunkResult> m_done;
  unsigned m_running = 0;
  bool m_closing = false;
  std::vector<std::thread> m_threads;
};

std::optional<std::string> read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream s;
  s << in.rdbuf();
  return std::move(s).str();
}

class Session {
 public:
  Session(const WorkerConfig& config, zmq::context_t& context, Logger& log)
      : m_config(config), m_context(context), m_log(log) {
    if (!config.insecure) {
      m_keys = transport::read_key_pair(config.key_file);
      m_dispatcher_key = transport::read_public_key(config.dispatcher_key);
    }
  }

  int run(const std::atomic<bool>& stop) {
    int backoff = m_config.reconnect_min_ms;
    for (;;) {
      bool heard = false;
      if (connect_and_serve(stop, heard) || stop) return 0;
      if (heard) backoff = m_config.reconnect_min_ms;  // it was alive: start the back-off over
      m_log.warn("dispatcher ", m_config.dispatcher, " silent for ",
                 m_config.heartbeat_ms * m_config.liveness, " ms; reconnecting in ", backoff,
                 " ms");
      if (m_pool) m_pool->drop_queued();
      std::this_thread::sleep_for(milliseconds(backoff));
      backoff = std::min(backoff * 2, m_config.reconnect_max_ms);
    }
  }

 private:
  void send(zmq::socket_t& socket, const wire::Message& message) {
    const std::string bytes = wire::encode(message);
    socket.send(zmq::buffer(bytes), zmq::send_flags::dontwait);
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
    send(socket, wire::Hello{m_config.name, m_loaded ? m_loaded->hash : cached_hash(),
                             m_config.threads});
    auto last_recv = Clock::now();
    bool goodbye_sent = false;
    const auto silence = milliseconds(m_config.heartbeat_ms * m_config.liveness);
    for (;;) {
      zmq::pollitem_t item{socket.handle(), 0, ZMQ_POLLIN, 0};
      try {
        zmq::poll(&item, 1, milliseconds(5));
      } catch (const zmq::error_t& e) {
        if (e.num() != EINTR) throw;  // a signal: the loop below sees `stop`
      }
      zmq::message_t frame;
      while (socket.recv(frame, zmq::recv_flags::dontwait)) {
        last_recv = Clock::now();
        heard = true;
        std::string error;
        auto message = wire::decode(
            std::span(static_cast<const std::byte*>(frame.data()), frame.size()), error);
        if (!message) {
          m_log.warn("dropped a malformed message from the dispatcher: ", error);
          continue;
        }
        handle(socket, *message, stop);
      }
      if (install_loaded()) grant_credit(socket, stop);
      if (m_pool) {
        for (auto& result : m_pool->take_done()) send(socket, result);
      }
      if (stop && !goodbye_sent) {
        send(socket, wire::Goodbye{});
        goodbye_sent = true;
        m_log.info("draining: finishing the leases held");
      }
      if (stop && (!m_pool || m_pool->idle())) return true;
      const auto now = Clock::now();
      if (now - m_last_send > milliseconds(m_config.heartbeat_ms)) send(socket, wire::Heartbeat{});
      if (now - last_recv > silence) return false;
    }
  }

  void handle(zmq::socket_t& socket, wire::Message& message, const std::atomic<bool>& stop) {
    if (auto* welcome = std::get_if<wire::Welcome>(&message)) {
      on_welcome(socket, *welcome, stop);
    } else if (auto* chunk = std::get_if<wire::GraphChunk>(&message)) {
      on_graph_chunk(socket, *chunk);
    } else if (auto* lease = std::get_if<wire::Lease>(&message)) {
      if (!m_loaded || lease->graph_hash != m_loaded->hash) {
        send(socket, wire::ChunkResult{lease->lease_id, lease->batch_id, lease->chunk, {},
                                       "worker does not hold graph " + lease->graph_hash});
        return;
      }
      m_pool->push(std::move(*lease));
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
    if (m_loaded && m_loaded->hash == welcome.graph_hash) return grant_credit(socket, stop);
    if (m_loading_hash == welcome.graph_hash) return;  // credit follows when it is loaded
    if (auto bytes = cache_path(welcome.graph_hash).empty()
                         ? std::nullopt
                         : read_file(cache_path(welcome.graph_hash))) {
      if (bytes->size() == welcome.graph_bytes && sha256_hex(*bytes) == welcome.graph_hash) {
        m_log.info("graph ", welcome.graph_hash.substr(0, 12), " found in the cache");
        return start_load(welcome.graph_hash, std::move(*bytes));
      }
    }
    m_log.info("fetching graph ", welcome.graph_hash.substr(0, 12), " (", welcome.graph_bytes,
               " bytes) from the dispatcher");
    m_fetch_hash = welcome.graph_hash;
    m_fetch_total = welcome.graph_bytes;
    m_fetch.clear();
    m_fetch.reserve(m_fetch_total);
    send(socket, wire::GraphRequest{m_fetch_hash, 0});
  }

  void on_graph_chunk(zmq::socket_t& socket, const wire::GraphChunk& chunk) {
    if (chunk.graph_hash != m_fetch_hash || chunk.offset != m_fetch.size() ||
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
      m_log.error("graph ", m_fetch_hash.substr(0, 12), " arrived corrupt; fetching it again");
      m_fetch.clear();
      send(socket, wire::GraphRequest{m_fetch_hash, 0});
      return;
    }
    save_to_cache(m_fetch_hash, m_fetch);
    start_load(m_fetch_hash, std::exchange(m_fetch, {}));
  }

  /// Decodes the graph and builds its landmarks on a background thread, so heartbeats go on;
  /// install_loaded() swaps it in when it is ready.
  void start_load(const std::string& hash, std::string bytes) {
    m_loading_hash = hash;
    m_loading = std::async(std::launch::async, [this, hash, bytes = std::move(bytes)] {
      const auto t0 = Clock::now();
      auto graph = wire::decode_graph(bytes);
      auto landmarks = router::Landmarks::build(graph, m_config.landmarks, m_config.threads);
      auto loaded = std::unique_ptr<LoadedGraph>(
          new LoadedGraph{hash, std::move(graph), std::move(landmarks), nullptr,
                          router::TreeCache(m_config.tree_cache_bytes)});
      // The snapper references the graph: built once the graph has its final address.
      if (loaded->graph.has_coordinates()) {
        loaded->snapper = std::make_unique<const router::Snapper>(loaded->graph);
      }
      if (const auto dir = trees_dir(hash); !dir.empty()) {
        loaded->trees.share_through(loaded->graph, dir);
      }
      m_log.info("graph ", hash.substr(0, 12), " ready: ", loaded->graph.num_nodes(), " nodes, ",
                 loaded->graph.num_arcs(), " arcs, ", loaded->landmarks.count(), " landmarks, ",
                 loaded->snapper ? "snapping on" : "no coordinates", ", in ",
                 std::chrono::duration_cast<milliseconds>(Clock::now() - t0).count(), " ms");
      return loaded;
    });
  }

  /// True when a graph finished loading and is now the one routed on.
  bool install_loaded() {
    if (!m_loading.valid() ||
        m_loading.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
      return false;
    }
    m_loading_hash.clear();
    std::unique_ptr<LoadedGraph> loaded;
    try {
      loaded = m_loading.get();
    } catch (const std::exception& e) {
      m_log.error("could not load the graph: ", e.what());
      return false;
    }
    m_pool.reset();  // the threads reference the old graph
    m_loaded = std::move(loaded);
    m_pool = std::make_unique<RoutingPool>(*m_loaded, m_config.threads, m_log);
    return true;
  }

  std::filesystem::path cache_path(const std::string& hash) const {
    if (m_config.cache_dir.empty() || hash.find_first_not_of("0123456789abcdef") != hash.npos) {
      return {};
    }
    return m_config.cache_dir / (hash + ".graph");
  }

  /// Where the workers of this host share the trees of graph `hash` (TreeCache::share_through),
  /// made if need be; empty without a cache, or if it cannot be made.
  std::filesystem::path trees_dir(const std::string& hash) const {
    if (cache_path(hash).empty()) return {};
    const auto dir = m_config.cache_dir / "trees" / hash;
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) {
      m_log.warn("trees are not shared: cannot make ", dir.string(), ": ", ec.message());
      return {};
    }
    return dir;
  }

  /// The hash of the newest graph in the cache, so the dispatcher can tell whether it is current.
  std::string cached_hash() const {
    if (m_config.cache_dir.empty()) return {};
    std::error_code ec;
    std::string best;
    std::filesystem::file_time_type best_time{};
    for (const auto& entry : std::filesystem::directory_iterator(m_config.cache_dir, ec)) {
      if (entry.path().extension() != ".graph") continue;
      const auto t = entry.last_write_time(ec);
      if (best.empty() || t > best_time) {
        best = entry.path().stem().string();
        best_time = t;
      }
    }
    return best;
  }

  void save_to_cache(const std::string& hash, const std::string& bytes) {
    const auto path = cache_path(hash);
    if (path.empty()) return;
    std::error_code ec;
    std::filesystem::create_directories(path.parent_path(), ec);
    const auto tmp = path.string() + ".tmp." + std::to_string(::getpid());
    {
      std::ofstream out(tmp, std::ios::binary);
      out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
      if (!out) {
        m_log.warn("could not write the graph cache ", tmp);
        return;
      }
    }
    std::filesystem::rename(tmp, path, ec);
    if (ec) m_log.warn("could not write the graph cache ", path.string(), ": ", ec.message());
  }

  const WorkerConfig& m_config;
  zmq::context_t& m_context;
  Logger& m_log;
  transport::CurveKeyPair m_keys;
  std::string m_dispatcher_key;
  std::unique_ptr<LoadedGraph> m_loaded;
  std::unique_ptr<RoutingPool> m_pool;
  std::future<std::unique_ptr<LoadedGraph>> m_loading;
  std::string m_loading_hash;
  std::string m_fetch_hash;
  std::uint64_t m_fetch_total = 0;
  std::string m_fetch;
  Clock::time_point m_last_send = Clock::now();
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
