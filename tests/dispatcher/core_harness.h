// An in-process dispatcher for the core's tests: DispatcherCore with a fake clock, a fake
// PostgreSQL that keeps batches, jobs and routes in memory and fails where a test says, and
// workers and clients that are just routing ids. No socket, thread or database.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/sha256.h"
#include "dispatcher/core.h"
#include "schema/graph_codec.h"

namespace waybill::dispatcher::testing {

using namespace std::chrono_literals;
using Clock = DispatcherCore::Clock;

/// The stages at which the fake database can fail, by name.
enum class Stage { catalog, read_jobs, write_routes, begin_batch, store_rows };

/// PostgreSQL in memory: the catalog the core queries, and the three store connections whose
/// tasks the harness runs when a test says.
class FakeDatabase final : public Catalog {
 public:
  FakeDatabase() {
    // Nodes 1..20 on a line, both ways: every job is routable.
    std::vector<router::NodeId> ids;
    std::vector<router::Arc> arcs;
    for (std::int64_t i = 1; i <= 20; ++i) ids.push_back(router::NodeId{i});
    for (std::int64_t i = 1; i < 20; ++i) {
      arcs.push_back({router::NodeId{i}, router::NodeId{i + 1}, 10});
      arcs.push_back({router::NodeId{i + 1}, router::NodeId{i}, 10});
    }
    graph_bytes_ = wire::encode_graph(router::RoadGraph::build(std::move(ids), std::move(arcs)));
    graph_ = GraphInfo{1, "line", sha256_hex(graph_bytes_), 20, 38};
  }

  // ---- failures ----
  /// The next `times` calls at `stage` fail: retryable (PostgreSQL away), permanent, or, with
  /// `internal`, by throwing something that is not a database error (a bug).
  void fail(Stage stage, int times = 1, bool retryable = true, bool internal = false) {
    m_failures[stage] = {times, retryable, internal};
  }
  void check(Stage stage) {
    if (stage == Stage::catalog) ++catalog_calls;
    auto it = m_failures.find(stage);
    if (it == m_failures.end() || it->second.times == 0) return;
    --it->second.times;
    if (it->second.internal) throw std::logic_error("a bug in the task");
    throw StoreError(it->second.retryable ? StoreError::Kind::retryable
                                          : StoreError::Kind::permanent,
                     "store: connection to PostgreSQL failed (fake)");
  }

  int catalog_calls = 0;  ///< calls the core made of the catalog, failed or not

  // ---- Catalog ----
  std::vector<OpenBatch> open_batches() override {
    check(Stage::catalog);
    std::vector<OpenBatch> open;
    for (const auto& [id, b] : batches) {
      if (!b.committed || b.finished) continue;
      OpenBatch o{id, 1, b.jobs.size(), b.chunk_size, {}, b.received, b.options};
      o.done_chunks.assign(b.done.begin(), b.done.end());
      open.push_back(o);
    }
    return open;
  }
  std::optional<GraphInfo> find_graph(const std::string& name) override {
    check(Stage::catalog);
    return name == graph_.name ? std::optional(graph_) : std::nullopt;
  }
  std::optional<GraphInfo> graph_by_id(std::int64_t id) override {
    check(Stage::catalog);
    return id == graph_.id ? std::optional(graph_) : std::nullopt;
  }
  std::optional<GraphInfo> latest_graph() override { return graph_by_id(1); }
  std::string graph_bytes(std::int64_t) override { return graph_bytes_; }
  std::optional<HierarchyBlob> hierarchy(std::int64_t) override { return hierarchy_blob; }
  std::optional<BatchRef> find_batch(const std::string& hash) override {
    check(Stage::catalog);
    for (const auto& [id, b] : batches) {
      if (b.committed && b.hash == hash) return BatchRef{id, 1, b.received || b.finished};
    }
    return std::nullopt;
  }
  std::vector<HeadMatch> batches_by_head(const std::string& head_hash) override {
    check(Stage::catalog);
    std::vector<HeadMatch> matches;
    for (auto it = batches.rbegin(); it != batches.rend(); ++it) {
      const Batch& b = it->second;
      if (!b.committed || b.head != head_hash) continue;
      const bool received = b.received || b.finished, hashed = !b.hash.empty();
      matches.push_back({BatchRef{it->first, 1, received}, false, hashed,
                         received || hashed ? "" : b.segment_hash});
    }
    for (const auto& [id, b] : batches) {
      if (b.committed && b.head.empty()) {
        matches.push_back({BatchRef{id, 1, true}, true, true, ""});
        break;
      }
    }
    return matches;
  }
  std::vector<wire::BatchStatus> batch_status(std::uint64_t id) override {
    check(Stage::catalog);
    const auto it = batches.find(static_cast<std::int64_t>(id));
    if (id == 0 || it == batches.end()) return {};
    wire::BatchStatus s;
    s.batch_id = id;
    s.accepted = it->second.jobs.size();
    s.routed = it->second.routes.size();
    s.finished = it->second.finished;
    return {s};
  }
  std::int64_t add_worker(const std::string&, std::uint32_t) override {
    check(Stage::catalog);
    return ++workers;
  }
  void touch_workers(const std::vector<std::pair<std::int64_t, std::uint64_t>>&) override {
    check(Stage::catalog);
  }
  void finish_batch(std::int64_t id) override {
    check(Stage::catalog);
    batches.at(id).finished = true;
  }
  // Plans are not part of these tests (tests/integration/plan_test.cpp runs them end to end):
  // no batch can be planned, and no plan is open.
  std::optional<PlanBatch> plan_batch(std::int64_t) override {
    check(Stage::catalog);
    return std::nullopt;
  }
  std::vector<std::pair<DepotKey, std::uint32_t>> batch_depots(std::int64_t, bool) override { return {}; }
  std::optional<PlanRecord> find_plan(std::int64_t, const std::string&, const std::string&) override {
    return std::nullopt;
  }
  std::int64_t create_plan(const PlanSpec&) override {
    throw StoreError(StoreError::Kind::permanent, "fake: no plans");
  }
  std::vector<OpenPlan> open_plans() override {
    check(Stage::catalog);
    return {};
  }
  std::vector<wire::PlanJob> depot_jobs(std::int64_t, const DepotKey&, std::int32_t) override { return {}; }
  bool store_plan_part(const PlanPartRows&) override { return false; }
  void finish_plan(std::int64_t) override {}

  // ---- the store connections' tasks ----
  std::vector<wire::JobSpec> read_jobs(const ReadJobs& a) {
    check(Stage::read_jobs);
    const Batch& b = batches.at(a.batch_id);
    std::vector<wire::JobSpec> jobs;
    for (std::uint32_t s = a.first_seq; s < a.first_seq + a.count; ++s) {
      jobs.push_back({s, b.jobs[s].origin, b.jobs[s].destination});
    }
    return jobs;
  }
  /// As Store::record_routes: one transaction; a chunk done already is skipped whole.
  void write_routes(const WriteRoutes& a) {
    check(Stage::write_routes);
    for (const ChunkRoutes& c : *a.chunks) {
      Batch& b = batches.at(c.batch_id);
      if (!b.done.insert(c.chunk).second) continue;
      for (const wire::JobOutcome& o : c.outcomes) {
        ASSERT_TRUE(b.routes.emplace(o.seq, o).second) << "seq " << o.seq << " stored twice";
      }
    }
  }
  /// As Store::begin_batch, or Store::resume_batch with `a.resume` (`mark`: where it stands).
  std::int64_t begin_batch(const BeginBatch& a, SegmentMark& mark) {
    check(Stage::begin_batch);
    if (a.resume != 0) {
      Batch& b = batches.at(a.resume);
      mark = {b.segments, b.jobs.size(), 0, b.last_line, b.bytes, b.chunk_size, b.segment_hash};
      for (const JobRow& j : b.jobs) a.parser->remember_order_id(j.order_id);
      open_submits[a.slot] = a.resume;
      return a.resume;
    }
    const std::int64_t id = next_batch++;
    Batch& b = batches[id];
    b.hash = a.content_hash;
    b.head = a.head_hash;
    b.chunk_size = a.chunk_size;
    b.options = a.options;
    open_submits[a.slot] = id;
    return id;
  }
  void store_rows(const StoreRows& a) {
    check(Stage::store_rows);
    Batch& b = batches.at(a.batch_id);
    b.pending.insert(b.pending.end(), a.jobs->begin(), a.jobs->end());
    if (const auto& end = a.segment_end) {
      b.jobs.insert(b.jobs.end(), b.pending.begin(), b.pending.end());
      b.pending.clear();
      b.committed = true;
      b.received = end->last;
      b.chunk_size = end->chunk_size;
      ++b.segments;
      b.last_line = end->last_line;
      b.bytes = end->bytes;
      b.segment_hash = end->content_hash;
      if (end->last && b.hash.empty()) b.hash = end->content_hash;
      if (end->last) open_submits.erase(a.slot);
    }
  }
  std::uint64_t cancel_batch(std::int64_t id) {
    Batch& b = batches.at(id);
    if (b.finished) return 0;
    b.finished = b.cancelled = true;
    std::uint64_t n = 0;
    for (const JobRow& j : b.jobs) {
      if (b.routes.count(j.seq)) continue;
      wire::JobOutcome o;
      o.seq = j.seq;
      o.status = static_cast<wire::JobStatus>(5);
      b.routes[j.seq] = o;
      ++n;
    }
    return n;
  }
  void abort_batch(std::uint32_t slot) {
    if (const auto it = open_submits.find(slot); it != open_submits.end()) {
      Batch& b = batches.at(it->second);
      if (b.committed) {
        b.pending.clear();  // the open segment; the durable ones stay
      } else {
        batches.erase(it->second);
      }
      open_submits.erase(it);
    }
  }

  struct Batch {
    std::string hash;
    std::string head;          // of the first MiB; empty: headless
    std::string segment_hash;  // the content's up to the last durable segment's end
    std::uint32_t chunk_size = 0;
    BatchOptions options;
    std::vector<JobRow> jobs;     // durable: in committed segments
    std::vector<JobRow> pending;  // in the open segment
    bool committed = false;       // a segment is durable
    bool received = false;        // the last segment is
    std::uint32_t segments = 0;
    std::uint64_t last_line = 0;
    std::uint64_t bytes = 0;
    bool finished = false;
    bool cancelled = false;
    std::set<std::uint32_t> done;                 // chunks_done
    std::map<std::uint32_t, wire::JobOutcome> routes;  // by seq
  };
  std::optional<HierarchyBlob> hierarchy_blob;
  std::map<std::int64_t, Batch> batches;
  std::int64_t next_batch = 1;
  std::map<std::uint32_t, std::int64_t> open_submits;  // batch ids, by receiving slot
  std::int64_t workers = 0;

 private:
  struct Failure {
    int times = 0;
    bool retryable = true;
    bool internal = false;
  };
  std::string graph_bytes_;
  GraphInfo graph_;
  std::map<Stage, Failure> m_failures;
};

/// The core, its fake database, its clock, and what it sent to whom.
class Harness {
 public:
  explicit Harness(DispatcherConfig config = small_config()) : m_config(std::move(config)) {
    restart();
  }

  static DispatcherConfig small_config() {
    DispatcherConfig c;
    c.insecure = true;
    c.chunk_size = 4;
    c.lone_chunk_size = 4;
    c.flush_rows = 1;  // every answer is written at once
    c.lease_ms = 1000;
    c.heartbeat_ms = 100;
    c.liveness = 3;
    return c;
  }

  /// A new core on the same database: a dispatcher restart. What the old one held in memory
  /// (store tasks not run, routes not written) is lost, as with kill -9.
  void restart() {
    m_core.reset();
    m_reads.clear();
    m_writes.clear();
    m_submits.clear();
    m_core = std::make_unique<DispatcherCore>(m_config, db, m_log, m_metrics);
    m_core->start(now);
  }

  DispatcherCore& core() { return *m_core; }
  /// Probes of a lost database stay unanswered while set (a connection attempt under way).
  bool hold_probes = false;
  int probes_pending() const { return m_probes; }
  const metrics::Registry& registry() const { return m_registry; }

  /// Moves the clock and lets the core's timers run.
  void advance(Clock::duration d) {
    now += d;
    tick();
  }
  void tick() {
    m_core->tick(now);
    collect();
    // A probe of the lost database is answered at once, as PostgreSQL is (through the
    // catalog's failures), and the loop turns again, as the dispatcher's does after an event.
    while (m_probes > 0 && !hold_probes) {
      --m_probes;
      m_core->probe_done(outcome_of([&] { db.check(Stage::catalog); }), now);
      m_core->tick(now);
      collect();
    }
  }

  // ---- peers ----
  void from_worker(const std::string& peer, wire::Message m) {
    m_core->worker_message(peer, std::move(m), now);
    tick();
  }
  void from_client(const std::string& peer, wire::Message m) {
    m_core->client_message(peer, std::move(m), now);
    tick();
  }
  /// A worker joins with `window` credit and takes what it is sent.
  void join(const std::string& peer, std::uint32_t window = 1) {
    from_worker(peer, wire::Hello{peer, {}, 1});
    from_worker(peer, wire::Credit{window});
  }
  /// Messages sent to `peer` of type T since the last call, taken out of its inbox.
  template <class T>
  std::vector<T> received(const std::string& peer) {
    std::vector<T> out;
    auto& inbox = m_inbox[peer];
    for (auto it = inbox.begin(); it != inbox.end();) {
      if (auto* m = std::get_if<T>(&*it)) {
        out.push_back(std::move(*m));
        it = inbox.erase(it);
      } else {
        ++it;
      }
    }
    return out;
  }
  /// The answer a good worker gives to `lease`.
  static wire::ChunkResult answer(const wire::Lease& lease) {
    wire::ChunkResult r{lease.lease_id, lease.batch_id, lease.chunk, {}, {}};
    for (const wire::JobSpec& j : lease.jobs) {
      r.outcomes.push_back({j.seq, wire::JobStatus::ok, 10 * std::abs(j.destination - j.origin),
                            static_cast<std::uint32_t>(std::abs(j.destination - j.origin))});
    }
    return r;
  }
  /// Runs the store tasks posted so far (and those they lead to) until none is left.
  void run_store() {
    while (!m_reads.empty() || !m_writes.empty() || !m_submits.empty()) {
      run_one(m_reads);
      run_one(m_writes);
      run_one(m_submits);
    }
  }
  /// A batch of `jobs` jobs submitted, and the first lease worker "w1" (joined) is sent.
  std::pair<std::int64_t, wire::Lease> first_lease(std::size_t jobs) {
    join("w1");
    const auto id = submit(jobs);
    run_store();
    auto leases = received<wire::Lease>("w1");
    EXPECT_FALSE(leases.empty());
    return {id, leases.empty() ? wire::Lease{} : leases[0]};
  }
  /// A worker that answers every lease it is sent, until no lease is left unanswered.
  void serve(const std::string& peer) {
    for (int round = 0; round < 1000; ++round) {
      run_store();
      auto leases = received<wire::Lease>(peer);
      if (leases.empty()) return;
      for (const auto& lease : leases) from_worker(peer, answer(lease));
    }
  }

  /// Submits a batch of `jobs` jobs (origin 1, destinations 2, 3, ...) as `client` and runs it
  /// into the database. Returns the batch id.
  std::int64_t submit(std::size_t jobs, const std::string& client = "client") {
    std::string file = "order_id,origin,destination\n";
    for (std::size_t i = 0; i < jobs; ++i) {
      // Appended piece by piece: "J" + std::to_string(i) trips GCC 12's -Wrestrict at -O3.
      file.append("J").append(std::to_string(i)).append(",1,");
      file.append(std::to_string(2 + i % 19)).append("\n");
    }
    wire::SubmitBegin begin;
    begin.graph_name = "line";
    begin.content_hash = sha256_hex(file);
    begin.file_name = "batch.csv";
    from_client(client, begin);
    run_store();
    const auto begun = received<wire::SubmitReply>(client);
    EXPECT_EQ(begun.size(), 1u);
    if (begun.empty() || begun[0].stage != wire::SubmitReply::Stage::begun) return 0;
    from_client(client, wire::SubmitData{begun[0].submit_id, 0, file, true});
    run_store();
    const auto done = received<wire::SubmitReply>(client);
    EXPECT_EQ(done.size(), 1u);
    return done.empty() ? 0 : static_cast<std::int64_t>(done[0].batch_id);
  }

  FakeDatabase db;
  Clock::time_point now{std::chrono::hours(1)};
  std::size_t sends_to_clients = 0;

 private:
  /// Sorts the core's actions: messages into inboxes, store tasks onto their connections.
  void collect() {
    for (Action& a : m_core->take_actions()) {
      if (auto* send = std::get_if<Send>(&a)) {
        m_inbox[send->peer].push_back(std::move(send->message));
      } else if (std::holds_alternative<Probe>(a)) {
        ++m_probes;
      } else if (std::holds_alternative<ReadJobs>(a)) {
        m_reads.push_back(std::move(a));
      } else if (std::holds_alternative<WriteRoutes>(a) || std::holds_alternative<CancelBatch>(a)) {
        m_writes.push_back(std::move(a));
      } else {
        m_submits.push_back(std::move(a));
      }
    }
  }

  static StoreOutcome outcome_of(const std::function<void()>& task) {
    try {
      task();
      return {};
    } catch (const StoreError& e) {
      return {StoreOutcome::Kind::failed, e.kind() == StoreError::Kind::retryable, e.what()};
    } catch (const std::exception& e) {
      return {StoreOutcome::Kind::internal, false, e.what()};
    }
  }

  /// Runs the oldest task of one connection and reports its outcome to the core.
  void run_one(std::deque<Action>& queue) {
    if (queue.empty()) return;
    Action a = std::move(queue.front());
    queue.pop_front();
    if (auto* r = std::get_if<ReadJobs>(&a)) {
      std::vector<wire::JobSpec> jobs;
      const auto outcome = outcome_of([&] { jobs = db.read_jobs(*r); });
      m_core->jobs_read(r->id, outcome, std::move(jobs), now);
    } else if (auto* w = std::get_if<WriteRoutes>(&a)) {
      m_core->routes_written(w->id, outcome_of([&] { db.write_routes(*w); }), now);
    } else if (auto* b = std::get_if<BeginBatch>(&a)) {
      std::int64_t id = 0;
      SegmentMark mark;
      const auto outcome = outcome_of([&] { id = db.begin_batch(*b, mark); });
      m_core->submit_written(b->tag, outcome, id, now, mark);
    } else if (auto* s = std::get_if<StoreRows>(&a)) {
      m_core->submit_written(s->tag, outcome_of([&] { db.store_rows(*s); }), 0, now);
    } else if (auto* c = std::get_if<CancelBatch>(&a)) {
      std::uint64_t n = 0;
      const auto outcome = outcome_of([&] { n = db.cancel_batch(c->batch_id); });
      m_core->cancel_written(c->batch_id, outcome, n, now);
    } else if (auto* x = std::get_if<AbortBatch>(&a)) {
      db.abort_batch(x->slot);
      m_core->submit_written(x->tag, {}, 0, now);
    }
    tick();
  }

  DispatcherConfig m_config;
  Logger m_log{"core-test", LogLevel::error};
  metrics::Registry m_registry;
  DispatcherMetrics m_metrics{m_registry};
  std::unique_ptr<DispatcherCore> m_core;
  std::map<std::string, std::deque<wire::Message>> m_inbox;
  std::deque<Action> m_reads, m_writes, m_submits;
  int m_probes = 0;  // Probe actions not answered yet
};

}  // namespace waybill::dispatcher::testing
