// The dispatcher's PostgreSQL store. Owns every SQL string of the project; callers see typed
// functions. Not thread-safe: one Store per thread (each holds its own connection).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "dispatcher/plan_rows.h"
#include "dispatcher/rows.h"
#include "dispatcher/store_error.h"
#include "schema/messages.h"

namespace waybill::dispatcher {

/// `conninfo` (key=value pairs or a URI) with limits on how long a lost link or host can hold a
/// caller, where it sets none of its own: connect_timeout=2 (per host), TCP keepalives (idle 1 s,
/// a probe a second, 2 unanswered: about 3 s) and tcp_user_timeout=3000 (data unacknowledged
/// for 3 s). Without them, a connection whose peer vanished without a word (a cut link, a dead
/// host) waits out the kernel's retransmissions, about 15 minutes; with them, a catalog call
/// holds the dispatcher's loop less than the 5 s after which workers take it for dead. Unix
/// sockets ignore all but the first. Throws StoreError (permanent) naming the fault when libpq
/// cannot parse it.
std::string with_link_timeouts(const std::string& conninfo);

class Store {
 public:
  /// Connects (libpq conninfo; empty means libpq's environment). Throws StoreError.
  explicit Store(const std::string& conninfo);
  Store(Store&&) noexcept;
  ~Store();

  /// Applies the numbered migrations of sql/ not applied yet, each in its own transaction.
  void migrate();
  /// The migrations of this binary not applied to the database, in order (empty: up to date).
  std::vector<std::string> pending_migrations();
  /// Whether the server answers: a round trip (reconnecting first, if the connection was lost).
  /// Throws StoreError when it does not.
  void ping();

  // ---- graphs ----
  /// Stores a graph: its serialized bytes and its pgRouting-shaped node and edge tables. When a
  /// graph of that name exists with the same hash, returns it; with another hash, throws.
  GraphInfo import_graph(const std::string& name, const std::string& hash,
                         const std::string& bytes, const std::vector<std::int64_t>& node_ids,
                         const std::vector<std::pair<std::int32_t, std::int32_t>>& lon_lat_e6,
                         const std::vector<std::tuple<std::int64_t, std::int64_t, std::int64_t>>& arcs,
                         const GraphExtras& extras = {});
  std::optional<GraphInfo> find_graph(const std::string& name);
  std::optional<GraphInfo> graph_by_id(std::int64_t id);
  /// The graph imported last, if any.
  std::optional<GraphInfo> latest_graph();
  std::string graph_bytes(std::int64_t graph_id);
  /// Keeps a graph's hierarchy (router/ch_file.h bytes); a second one for the graph replaces it.
  void store_hierarchy(std::int64_t graph_id, const std::string& bytes, std::size_t shortcuts,
                       double build_s);
  /// The graph's hierarchy, if one was built.
  std::optional<HierarchyBlob> hierarchy(std::int64_t graph_id);
  /// Whether the graph has a hierarchy, without reading it.
  bool has_hierarchy(std::int64_t graph_id);

  // ---- submitting a batch: in segments, each one transaction (streaming submit) ----
  /// The batch of that content hash, if one was stored already.
  std::optional<std::int64_t> batch_by_hash(const std::string& hash);
  /// The same, with whether it is received whole.
  std::optional<BatchRef> find_batch(const std::string& hash);
  /// The batches whose first MiB hashes to `head_hash`, newest first, then one stored before
  /// 0015 (headless), if any is kept; with their last segment's hash, for those receiving
  /// without a whole hash yet.
  std::vector<HeadMatch> batches_by_head(const std::string& head_hash);
  /// Opens the first segment's transaction and creates the batch row and its partitions
  /// (detached until that segment commits). Returns the new id. `hash` may be empty (the last
  /// segment sets it); `head_hash` is the content's first MiB's.
  std::int64_t begin_batch(const std::string& hash, std::int64_t graph_id,
                           const std::string& file_name, std::uint32_t chunk_size,
                           const BatchOptions& options = {}, const std::string& head_hash = {});
  /// Opens a segment's transaction for a batch still receiving, and says where its durable
  /// segments end. Throws a permanent StoreError when the batch is received already or gone.
  SegmentMark resume_batch(std::int64_t batch_id);
  /// Calls `each` with the order id of every durable job of the open submit's batch (a resumed
  /// submit rejects a duplicate of one), a segment at a time.
  void batch_order_ids(std::int64_t batch_id, const std::function<void(std::string_view)>& each);
  /// Appends rows with COPY to the open segment: jobs to its sub-partition of the batch's jobs
  /// (jobs_b<ID>_s<segment>, created by the segment's first jobs), rejects to the batch's.
  void add_jobs(std::int64_t batch_id, const std::vector<JobRow>& jobs);
  void add_rejects(std::int64_t batch_id, const std::vector<RejectRow>& rejects);
  /// Commits the open segment: from here on its jobs are durable and may be routed. The next
  /// segment's transaction opens at once, unless `end.last`, which marks the batch received.
  void commit_segment(std::int64_t batch_id, const SegmentEnd& end);
  /// commit_segment of a last segment, for a batch stored in one piece.
  void commit_batch(std::int64_t batch_id, std::uint64_t accepted, std::uint64_t rejected,
                    std::uint32_t chunk_size);
  /// Rolls the open segment back: a batch with no durable segment leaves no trace; one with
  /// durable segments stays, receiving.
  void abort_batch();

  // ---- routing ----
  std::vector<OpenBatch> open_batches();
  /// Jobs with seq in [first, first + count), in seq order, with their points in coordinate
  /// form.
  std::vector<wire::JobSpec> read_jobs(std::int64_t batch_id, std::uint32_t first,
                                       std::uint32_t count);
  /// One transaction: COPY every route row, mark the chunks done. A chunk already marked done is
  /// skipped as a whole (its routes are stored already), so a retry or a duplicate is harmless.
  void record_routes(const std::vector<ChunkRoutes>& chunks);
  void finish_batch(std::int64_t batch_id);
  /// Finishes an open batch as cancelled: its jobs without a route get one with status
  /// cancelled (route_status 5). Returns how many; 0 when the batch was finished already.
  std::uint64_t cancel_batch(std::int64_t batch_id);
  static constexpr int kCancelledStatus = 5;
  /// Drops a finished batch (store_retention.cpp): its partitions of jobs, routes and rejects,
  /// its row, and with it its chunks_done rows and plans. Refuses, dropping nothing, a batch that
  /// does not exist, is not finished (routing or cancelled-but-open) or has a plan in progress.
  void drop_batch(std::int64_t batch_id);
  /// Writes a finished batch as an archive (text: its row, jobs, routes, rejects and chunks_done
  /// in COPY text sections; see store_retention.cpp) to `out`, in pieces.
  void archive_batch(std::int64_t batch_id, const std::function<void(std::string_view)>& out);
  /// Loads an archive, read line by line (without line ends) from `next_line`, as a new batch;
  /// returns its id. Refuses, storing nothing, an archive that is malformed or cut short
  /// ("line N: ..."), of a graph not here, or of a batch that is here already (same sha256).
  std::int64_t restore_batch(const std::function<bool(std::string&)>& next_line);

  // ---- workers ----
  /// Registers a worker connection; returns its id.
  std::int64_t add_worker(const std::string& name, std::uint32_t threads);
  /// Last-seen time and jobs done, for many workers at once.
  void touch_workers(const std::vector<std::pair<std::int64_t, std::uint64_t>>& id_jobs_done);

  // ---- plans (store_plans.cpp) ----
  /// What planning needs of a batch, or nothing when there is no such batch.
  std::optional<PlanBatch> plan_batch(std::int64_t batch_id);
  /// The batch's origins with their job counts.
  std::vector<std::pair<DepotKey, std::uint32_t>> batch_depots(std::int64_t batch_id, bool points);
  /// The plan of that batch, fleet file and options, if asked for before.
  std::optional<PlanRecord> find_plan(std::int64_t batch_id, const std::string& fleet_hash,
                                      const std::string& options);
  /// Stores a new plan with its fleets; the jobs of origins without a fleet become misses
  /// (no_fleet). Returns its id (the existing one when the same plan was created meanwhile).
  std::int64_t create_plan(const PlanSpec& spec);
  /// Plans not finished, with their fleets and the parts stored: to resume after a restart.
  std::vector<OpenPlan> open_plans();
  /// A depot's jobs in seq order; a job without service_s gets `default_service_s`.
  std::vector<wire::PlanJob> depot_jobs(std::int64_t batch_id, const DepotKey& depot,
                                        std::int32_t default_service_s);
  /// One transaction: claims the part, then its tours, stops and misses. False (and nothing
  /// written) when the part was stored before.
  bool store_plan_part(const PlanPartRows& part);
  void finish_plan(std::int64_t plan_id);

  // ---- inspection ----
  std::vector<wire::BatchStatus> batch_status(std::uint64_t batch_id);
  /// The batch's graph and size, or nothing when there is no such batch.
  std::optional<BatchOverview> batch_overview(std::int64_t batch_id);
  /// About `limit` jobs spread evenly over a batch of `accepted` jobs (seq i * accepted / limit),
  /// in seq order, with their routes when routed: one index lookup on (batch_id, seq), no scan.
  std::vector<RouteSample> sample_routes(std::int64_t batch_id, std::uint64_t accepted,
                                         std::size_t limit);
  /// A plan's tours and unassigned jobs, of one depot or of every depot with a fleet (the jobs
  /// of depots without one are counted, not listed: they are the rest of a partly planned
  /// batch). Nothing when there is no such plan; has_depot false when it has no such depot.
  /// Workers seen in the last `seconds` (a connection each), newest first.
  std::vector<WorkerRow> recent_workers(int seconds);
  std::optional<PlanDrawing> plan_drawing(std::int64_t plan_id, std::optional<std::int64_t> depot);

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

}  // namespace waybill::dispatcher
