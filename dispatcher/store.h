// The dispatcher's PostgreSQL store. Owns every SQL string of the project; callers see typed
// functions. Not thread-safe: one Store per thread (each holds its own connection).
#pragma once

#include <cmath>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "schema/messages.h"

namespace waybill::dispatcher {

/// A database failure, classified by what the caller should do (STYLE.md, errors).
class StoreError : public std::runtime_error {
 public:
  enum class Kind { retryable, permanent };
  StoreError(Kind kind, const std::string& what) : std::runtime_error(what), m_kind(kind) {}
  Kind kind() const { return m_kind; }

 private:
  Kind m_kind;
};

struct GraphInfo {
  std::int64_t id = 0;
  std::string name;
  std::string hash;
  std::int64_t num_nodes = 0;
  std::int64_t num_arcs = 0;
};

/// A job's coordinates are stored as OpenStreetMap stores them, integers of 1e-7 degree (at most
/// 1.1 cm): degrees_e7() rounds degrees to them, from_degrees_e7() gives degrees back. A batch
/// file's degrees are rounded so as they are parsed (at most 7 decimals: no change), so that a
/// job read back from the database is the job that was parsed.
inline std::int32_t degrees_e7(double degrees) {
  return static_cast<std::int32_t>(std::lround(degrees * 1e7));
}
inline double from_degrees_e7(std::int32_t e7) { return e7 / 1e7; }

/// One accepted line of a batch file.
struct JobRow {
  std::uint32_t seq = 0;  ///< dense 0..accepted-1, in file order
  std::uint64_t line = 0;
  std::string order_id;
  std::int64_t origin = 0;       ///< node id (node form); 0 in coordinate form
  std::int64_t destination = 0;  ///< node id (node form); 0 in coordinate form
  std::optional<double> weight_kg;
  std::optional<std::string> due_at;  ///< as written in the file, ISO 8601
  std::optional<std::int32_t> priority;
  std::optional<wire::JobPoints> points{};  ///< coordinate form: the two ends, in degrees
                                            ///< (whole 1e-7 degrees, see degrees_e7)
};

/// What a submit asks of its batch besides its jobs.
struct BatchOptions {
  bool want_paths = false;     ///< store each route's encoded polyline
  std::string depart_at;       ///< ISO 8601, for ETAs; empty: none
  double snap_radius_m = 500;  ///< coordinate form: the farthest a road may be
};

/// What a graph's arcs carry besides their cost, for graph_edges and graphs.cost_unit.
struct GraphExtras {
  std::string cost_unit = "native";    ///< "native" or "duration_ms"
  std::vector<std::int64_t> lengths_mm;  ///< per arc, as `arcs`; empty: unknown
};

/// One rejected line.
struct RejectRow {
  std::uint64_t line = 0;
  std::string raw;  ///< bounded by the caller
  std::string reason;
};

/// An unfinished batch, as a restarted dispatcher resumes it.
struct OpenBatch {
  std::int64_t id = 0;
  std::int64_t graph_id = 0;
  std::uint64_t jobs = 0;
  std::uint32_t chunk_size = 0;
  std::vector<std::uint32_t> done_chunks;
  BatchOptions options;  ///< depart_at is not read back: the dispatcher needs it not
};

/// The routes of one chunk, all of its jobs, ready to persist.
struct ChunkRoutes {
  std::int64_t batch_id = 0;
  std::uint32_t chunk = 0;
  std::int64_t worker_id = 0;
  std::vector<wire::JobOutcome> outcomes;
};

/// What drawing a batch needs to know of it (waybill render).
struct BatchOverview {
  std::int64_t graph_id = 0;
  std::uint64_t accepted = 0;  ///< jobs: seq runs over 0 .. accepted - 1
  double snap_radius_m = 500;  ///< coordinate form: how far the worker snapped
};

/// A sampled job with its route, for drawing. Node form has origin and destination, coordinate
/// form has points; status and polyline are nothing while the job is not routed (and polyline
/// also when the batch did not ask for paths, or the route is not ok).
struct RouteSample {
  std::uint32_t seq = 0;
  std::optional<std::int64_t> origin, destination;  ///< node ids, node form
  std::optional<wire::JobPoints> points;            ///< degrees, coordinate form
  std::optional<int> status;                        ///< routes.status (wire::JobStatus)
  std::optional<std::string> polyline;              ///< encoded, precision 6, lat first
};

class Store {
 public:
  /// Connects (libpq conninfo; empty means libpq's environment). Throws StoreError.
  explicit Store(const std::string& conninfo);
  Store(Store&&) noexcept;
  ~Store();

  /// Applies the numbered migrations of sql/ not applied yet, each in its own transaction.
  void migrate();

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

  // ---- submitting a batch: one transaction from begin_batch to commit_batch ----
  /// The batch of that content hash, if one was stored already.
  std::optional<std::int64_t> batch_by_hash(const std::string& hash);
  /// Opens the transaction, creates the batch row and its partitions. Returns the new id.
  std::int64_t begin_batch(const std::string& hash, std::int64_t graph_id,
                           const std::string& file_name, std::uint32_t chunk_size,
                           const BatchOptions& options = {});
  /// Appends rows with COPY, inside the open transaction.
  void add_jobs(std::int64_t batch_id, const std::vector<JobRow>& jobs);
  void add_rejects(std::int64_t batch_id, const std::vector<RejectRow>& rejects);
  /// Records the counts and the chunk size (chosen once the jobs are known) and commits: from
  /// here on the batch is durable.
  void commit_batch(std::int64_t batch_id, std::uint64_t accepted, std::uint64_t rejected,
                    std::uint32_t chunk_size);
  /// Rolls the open submit back: no trace of the batch remains.
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

  // ---- workers ----
  /// Registers a worker connection; returns its id.
  std::int64_t add_worker(const std::string& name, std::uint32_t threads);
  /// Last-seen time and jobs done, for many workers at once.
  void touch_workers(const std::vector<std::pair<std::int64_t, std::uint64_t>>& id_jobs_done);

  // ---- inspection ----
  std::vector<wire::BatchStatus> batch_status(std::uint64_t batch_id);
  /// The batch's graph and size, or nothing when there is no such batch.
  std::optional<BatchOverview> batch_overview(std::int64_t batch_id);
  /// About `limit` jobs spread evenly over a batch of `accepted` jobs (seq i * accepted / limit),
  /// in seq order, with their routes when routed: one index lookup on (batch_id, seq), no scan.
  std::vector<RouteSample> sample_routes(std::int64_t batch_id, std::uint64_t accepted,
                                         std::size_t limit);

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

}  // namespace waybill::dispatcher
