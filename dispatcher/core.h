// The dispatcher's decisions, without I/O: worker sessions and heartbeats, leases, the submit
// protocol, the route-write queue, resuming after a restart. It takes events (a decoded message
// from a peer, the outcome of a store task, the time) and returns actions (send a message, read
// jobs, write routes, store a batch's rows); the driver (dispatcher.h) owns the sockets and the
// store threads and carries the actions out. Small queries go to a Catalog directly.
//
// Not thread-safe: one thread calls every member. Times come in as arguments: no clock inside.
#pragma once

#include <chrono>
#include <deque>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "common/log.h"
#include "dispatcher/batch_parser.h"
#include "dispatcher/catalog.h"
#include "dispatcher/config.h"
#include "dispatcher/dispatcher_metrics.h"
#include "dispatcher/lease_table.h"
#include "dispatcher/plan_board.h"
#include "dispatcher/route_writes.h"
#include "router/graph.h"
#include "schema/messages.h"

namespace waybill::dispatcher {

/// The two kinds of peers, one ROUTER socket each.
enum class Side : std::uint8_t { workers, clients };

// ---- actions ----------------------------------------------------------------------------------

/// Send `message` to `peer` (a ZeroMQ routing id) on `side`'s socket.
struct Send {
  Side side = Side::workers;
  std::string peer;
  wire::Message message;
};
/// Read the jobs with seq in [first_seq, first_seq + count) of a batch: reads_done(id, ...).
struct ReadJobs {
  std::uint64_t id = 0;
  std::int64_t batch_id = 0;
  std::uint32_t first_seq = 0;
  std::uint32_t count = 0;
};
/// Write these routes and mark their chunks done, in one transaction: routes_written(id, ...).
struct WriteRoutes {
  std::uint64_t id = 0;
  std::shared_ptr<const std::vector<ChunkRoutes>> chunks;
};
/// Open a batch's first segment on submit connection `slot`: submit_written(tag, ..., batch id).
/// With `resume`, open the next segment of that batch, still receiving, instead, and give
/// `parser` its stored order ids: submit_written(tag, ..., resume, now, where its segments end).
struct BeginBatch {
  std::uint64_t tag = 0;
  std::uint32_t slot = 0;
  std::string content_hash;  ///< empty: set by the last segment
  std::string head_hash;
  std::int64_t graph_id = 0;
  std::string file_name;
  std::uint32_t chunk_size = 0;
  BatchOptions options;
  std::int64_t resume = 0;
  std::shared_ptr<BatchParser> parser;  ///< with resume
};
/// Append rows to the open segment, and with `segment_end` commit it: submit_written(tag, ...).
struct StoreRows {
  std::uint64_t tag = 0;
  std::uint32_t slot = 0;
  std::int64_t batch_id = 0;
  std::shared_ptr<const std::vector<JobRow>> jobs;
  std::shared_ptr<const std::vector<RejectRow>> rejects;
  std::optional<SegmentEnd> segment_end;
};
/// Stop routing a batch: its jobs without a route get status cancelled and it is finished, on the
/// route writes' connection after the writes posted before: cancel_written(batch_id, ...).
struct CancelBatch {
  std::int64_t batch_id = 0;
};
/// Roll the open batch's transaction back: submit_written(tag, ...).
struct AbortBatch {
  std::uint64_t tag = 0;
  std::uint32_t slot = 0;
};
/// While PostgreSQL is lost: whether it answers again, asked off the loop (a connection attempt
/// to a host that is gone waits out connect_timeout): probe_done(...).
struct Probe {};

/// The store tasks run on connections of their own, each in the order posted: reads (ReadJobs,
/// a few connections taken in turn), route writes (WriteRoutes), one connection per receiving
/// slot for the submits (BeginBatch, StoreRows, AbortBatch: config.max_receiving slots), and
/// one for probes.
using Action = std::variant<Send, ReadJobs, WriteRoutes, BeginBatch, StoreRows, AbortBatch,
                            CancelBatch, Probe>;

/// How a store task ended.
struct StoreOutcome {
  enum class Kind : std::uint8_t {
    ok,
    failed,    ///< PostgreSQL failed it (StoreError: `retryable` says whether it is away)
    internal,  ///< it threw something other than a StoreError: a bug, not the database
  };
  Kind kind = Kind::ok;
  bool retryable = false;
  std::string what;
  bool ok() const { return kind == Kind::ok; }
};

// ---- the core ---------------------------------------------------------------------------------

class DispatcherCore {
 public:
  using Clock = std::chrono::steady_clock;

  DispatcherCore(const DispatcherConfig& config, Catalog& catalog, Logger& log,
                 DispatcherMetrics& metrics);
  ~DispatcherCore();
  DispatcherCore(const DispatcherCore&) = delete;
  DispatcherCore& operator=(const DispatcherCore&) = delete;

  /// Resumes every unfinished batch and loads the graph that work needs. Throws StoreError when
  /// PostgreSQL cannot be reached (the driver retries).
  void start(Clock::time_point now);

  // Events. None throws: failures are logged, and a lost database is retried with back-off.
  void worker_message(const std::string& peer, wire::Message message, Clock::time_point now);
  void client_message(const std::string& peer, wire::Message message, Clock::time_point now);
  void jobs_read(std::uint64_t id, const StoreOutcome& outcome, std::vector<wire::JobSpec> jobs,
                 Clock::time_point now);
  void routes_written(std::uint64_t id, const StoreOutcome& outcome, Clock::time_point now);
  /// The answer to a Probe: PostgreSQL answers again (the core resumes from it), or not yet.
  void probe_done(const StoreOutcome& outcome, Clock::time_point now);
  /// `resumed`: where the durable segments of a resumed batch end (BeginBatch::resume).
  void submit_written(std::uint64_t tag, const StoreOutcome& outcome, std::int64_t batch_id,
                      Clock::time_point now, const SegmentMark& resumed = {});
  void cancel_written(std::int64_t batch_id, const StoreOutcome& outcome, std::uint64_t cancelled,
                      Clock::time_point now);
  /// Timers and leasing: call after every round of events, and by next_wakeup() at the latest.
  void tick(Clock::time_point now);

  /// Stopping: posts every route held at once and rolls an open submit back.
  void stop(Clock::time_point now);
  /// Routes not durable yet (waiting or being written).
  std::size_t routes_held() const { return m_routes.rows_held(); }

  /// The actions decided since the last call, in order.
  std::vector<Action> take_actions() { return std::exchange(m_actions, {}); }
  /// When tick() has something to do at the latest.
  Clock::time_point next_wakeup() const;

  /// A graph as the dispatcher holds it: bytes for workers (the graph's, and its hierarchy's when
  /// it has one), the graph itself to check node ids.
  struct GraphEntry {
    GraphInfo info;
    std::string bytes;
    router::RoadGraph graph;
    std::optional<HierarchyBlob> hierarchy;
  };

 private:
  /// One connected worker, keyed by its ZeroMQ routing id.
  struct WorkerConn {
    std::string name;
    std::uint32_t threads = 1;
    std::int64_t db_id = 0;
    std::int64_t graph_id = 0;   ///< the graph we told it to hold (0: none yet)
    bool ready = false;          ///< it holds that graph and granted credit
    std::uint32_t window = 0;    ///< leases it may hold at once
    std::uint32_t inflight = 0;  ///< leases sent, or waiting for their jobs to be read
    bool leaving = false;
    std::uint64_t serial = 0;    ///< tells this connection from a later one of the same peer
    std::uint64_t jobs_done = 0;
    Clock::time_point last_recv;
    Clock::time_point last_send;
  };

  /// A submit in progress: its transaction is open on its slot's connection until the last part
  /// is committed.
  struct OpenSubmit {
    std::uint64_t submit_id = 0;
    std::uint32_t slot = 0;
    std::size_t tasks = 0;  ///< posted on its connection, outcome not taken yet
    std::string client;
    std::int64_t batch_id = 0;  ///< 0 while the batch is being begun
    std::int64_t graph_id = 0;
    std::string file_name;
    std::string hash;  ///< of the file's content; empty: sent with the last part
    std::string head;  ///< of the content's first MiB
    std::vector<std::uint64_t> skip;  ///< SubmitBegin::skip_batches
    std::optional<wire::SubmitReply> begun;  ///< the reply that began it, told again if asked
    std::shared_ptr<BatchParser> parser;
    std::uint32_t next_part = 0;
    Clock::time_point last;                 ///< the client's last part, or our last reply
    std::optional<wire::SubmitReply> held;  ///< a part's reply, held while the writes lag
    bool committing = false;                ///< the last part is in; the commit is under way
    std::uint32_t chunk_size = 0;           ///< chosen with the first segment
    bool warmed = false;                    ///< the workers were told the batch's depots
    BatchOptions options;
    // Segments (streaming submit). A resumed submit's part 0 is the header again: not content
    // past the durable bytes.
    std::int64_t resume = 0;           ///< the batch this submit resumes (BeginBatch::resume)
    std::uint64_t bytes = 0;           ///< of the file's content, through the last part parsed
    std::uint64_t durable_jobs = 0;    ///< in committed segments
    bool leased = false;               ///< in the lease table (a segment committed)
    std::uint64_t segment_lines = 0;   ///< parser lines when the open segment began
    std::uint64_t segment_jobs = 0;    ///< parser accepted ... (its first seq)
    std::optional<Clock::time_point> segment_since;  ///< its first part
    std::uint32_t segments = 0;  ///< closed before it, a resumed batch's durable ones included
    std::deque<std::pair<std::uint32_t, SegmentEnd>> closing;  ///< commits posted, by part
    /// Its client waits for us (its begin, a commit, a held reply): silence is not its own.
    bool waiting_on_us() const { return committing || held || batch_id == 0 || !closing.empty(); }
  };

  /// A lease granted, waiting for its jobs to be read.
  struct PendingRead {
    std::string peer;
    std::uint64_t serial = 0;  ///< of the connection it was granted to
    Grant grant;
    wire::Lease lease;  ///< its jobs filled in by the read
  };

  /// The parts of a result that came in several messages, so far.
  struct Partial {
    ChunkRef ref;
    std::vector<wire::JobOutcome> outcomes;
  };

  // core.cpp: events, timers, the database's state
  template <class F>
  void guarded(F&& body);
  void database_lost(const std::string& what);
  /// Schedules the next try to reconnect, each one later than the last (up to db_retry_max_ms).
  void retry_later();
  /// A store task failed: the database is lost (retried later), or it was a bug (logged).
  void store_failed(const char* task, const StoreOutcome& outcome);
  static wire::SubmitReply failed(std::uint64_t submit_id, std::string error);
  void resume();
  const GraphEntry& graph(std::int64_t id);
  const GraphEntry& load_graph(const GraphInfo& info);
  void send(Side side, const std::string& peer, wire::Message message, Clock::time_point now);
  void touch_workers(Clock::time_point now);
  /// The gauges of DispatcherMetrics, from the state now.
  void update_gauges();
  /// The name of a batch's graph, for the job counters' label.
  std::string graph_label(std::int64_t batch_id) const;
  /// Counts the outcomes of routes stored, by status, on their batch's graph.
  void count_outcomes(const std::vector<ChunkRoutes>& chunks);

  // core_workers.cpp: worker sessions, leases, results
  void on_worker(const std::string& peer, wire::Message& message, Clock::time_point now);
  WorkerConn& join(const std::string& peer, std::string name, std::uint32_t threads,
                   Clock::time_point now);
  void welcome(const std::string& peer, Clock::time_point now);
  void send_graph_chunk(const std::string& peer, const wire::GraphRequest& request,
                        Clock::time_point now);
  void on_result(const std::string& peer, WorkerConn& conn, wire::ChunkResult& result,
                 Clock::time_point now);
  void on_failure(const std::string& peer, WorkerConn& conn, const wire::ChunkResult& result,
                  Clock::time_point now);
  void assign_leases(Clock::time_point now);
  void check_workers(Clock::time_point now);
  void forget_partials(const std::string& peer);

  // core_plans.cpp: plans (waybill plan): requests, leases of depot parts, their results
  struct PlanState {
    std::int64_t batch_id = 0;
    std::uint32_t parts = 0;
    std::uint32_t done = 0;
  };
  /// A plan lease out: the part and the jobs it holds, to check the answer against.
  struct PlanLeaseOut {
    PlanPartKey key;
    std::string peer;
    std::vector<std::uint32_t> seqs;  ///< sorted
    std::uint32_t first_vehicle = 1;
    std::uint32_t vehicles = 0;
  };
  void on_plan_request(const std::string& peer, const wire::PlanRequest& request,
                       Clock::time_point now);
  void on_plan_result(const std::string& peer, WorkerConn& conn, wire::PlanResult& result,
                      Clock::time_point now);
  void open_plan(std::int64_t plan_id, std::int64_t batch_id, std::int64_t graph_id,
                 const std::vector<DepotFleetRow>& fleets,
                 const std::set<std::pair<std::int64_t, std::uint32_t>>& done, double time_limit_s,
                 std::int32_t service_s);
  void resume_plans();
  void assign_plans(Clock::time_point now);
  /// The jobs of one part of a depot and its vans, as the lease carries them.
  wire::PlanLease plan_lease(const PlanPart& part);
  void store_part(PlanPartRows rows);

  // core_routes.cpp: persisting routes and failed chunks, finishing batches
  void store_poisoned(Clock::time_point now);
  void flush(Clock::time_point now, bool force);
  void finish_batch(std::int64_t batch_id);

  // core_submit.cpp: the submit protocol and status
  void on_client(const std::string& peer, wire::Message& message, Clock::time_point now);
  void on_submit_begin(const std::string& peer, const wire::SubmitBegin& request,
                       Clock::time_point now);
  void on_submit_data(const std::string& peer, const wire::SubmitData& data,
                      Clock::time_point now);
  void on_status(const std::string& peer, const wire::StatusRequest& request,
                 Clock::time_point now);
  void on_cancel(const std::string& peer, const wire::CancelRequest& request, Clock::time_point now);
  /// A receiving slot for `peer`'s batch, or its place in the queue (1: next) when every slot
  /// is taken by others or promised to those ahead of it.
  std::variant<std::uint32_t, std::uint32_t> take_slot(const std::string& peer, Clock::time_point now);
  wire::SubmitReply existing_batch(std::uint64_t batch_id);
  void begun(OpenSubmit& s, std::int64_t batch_id, const SegmentMark& resumed,
             Clock::time_point now);
  bool segment_durable(std::int64_t batch_id, std::int64_t graph_id, const BatchOptions& options,
                       const SegmentEnd& end);
  void given_up_written(std::uint64_t submit_id, std::uint32_t part, const StoreOutcome& outcome);
  void committed(OpenSubmit& s, bool finished, Clock::time_point now);
  void finish_quietly(std::int64_t batch_id);
  void abort_submit(OpenSubmit& s, const std::string& why);
  void abort_submits(const std::string& why);
  void check_submits(Clock::time_point now);
  void warm_workers(std::int64_t graph_id, const std::vector<std::int64_t>& depots,
                    const std::vector<wire::LatLon>& depot_points, Clock::time_point now);
  template <class Task>
  void post_submit(OpenSubmit& s, Task task);
  wire::SubmitReply progress(const OpenSubmit& s, wire::SubmitReply::Stage stage,
                             std::uint32_t part) const;

  const DispatcherConfig& m_config;
  Catalog& m_catalog;
  Logger& m_log;
  DispatcherMetrics& m_metrics;
  std::vector<Action> m_actions;

  LeaseTable m_table;
  RouteWrites m_routes;
  std::map<std::int64_t, BatchOptions> m_options;  // of the batches in m_table
  std::map<std::int64_t, std::int64_t> m_batch_graphs;  // graph ids of the batches in m_table
  std::set<std::int64_t> m_cancelled;  // routes of these batches are not written any more
  std::map<std::int64_t, std::string> m_cancelling;  // batch -> the client waiting for its reply
  std::map<std::int64_t, std::unique_ptr<GraphEntry>> m_graphs;
  std::int64_t m_last_graph = 0;

  std::map<std::string, WorkerConn> m_conns;  // by routing id
  std::uint64_t m_conn_serial = 0;
  std::map<std::uint64_t, PendingRead> m_reading;  // leases granted, waiting for their jobs
  std::uint64_t m_next_read = 1;
  std::map<std::pair<std::string, std::uint64_t>, Partial> m_partials;  // (peer, lease id)

  PlanBoard m_plan_board;
  std::map<std::int64_t, PlanState> m_plans;           // open plans, by id
  std::map<std::uint64_t, PlanLeaseOut> m_plan_leases;  // by lease id

  std::map<std::uint64_t, std::unique_ptr<OpenSubmit>> m_open;  // receiving now, by submit id
  /// A submit given up on with segment commits still under way: they count when they land.
  struct GivenUp {
    std::int64_t batch_id = 0;
    std::int64_t graph_id = 0;
    BatchOptions options;
    std::deque<std::pair<std::uint32_t, SegmentEnd>> closing;
  };
  std::map<std::uint64_t, GivenUp> m_given_up;  // by submit id
  std::vector<bool> m_slot_used;                                 // config.max_receiving slots
  struct Waiting {
    std::string peer;
    Clock::time_point last;  ///< its last SubmitBegin: one silent for long has gone
  };
  std::deque<Waiting> m_waiting;  // clients queued for a slot, first come first served
  std::uint64_t m_next_submit = 1;

  Clock::time_point m_now;  // of the event being handled
  bool m_db_broken = false;
  bool m_probing = false;  // a Probe is out
  int m_db_backoff_ms = 250;
  Clock::time_point m_db_retry_at;
  Clock::time_point m_last_check;
  Clock::time_point m_last_touch;
  Clock::time_point m_last_gauges;
};

}  // namespace waybill::dispatcher
