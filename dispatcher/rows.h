// The dispatcher's domain rows: what a batch file's lines become, what a batch and a graph are to
// the store, what is drawn of a batch. Plain structs, shared by the batch parser, the store and
// the CLI; no database here.
#pragma once

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "schema/messages.h"

namespace waybill::dispatcher {

/// A stored road graph: its row of `graphs`.
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
  std::optional<std::string> ready_at{};  ///< as written in the file, ISO 8601
  std::optional<std::int32_t> service_s{};
  std::optional<wire::JobPoints> points{};  ///< coordinate form: the two ends, in degrees
                                            ///< (whole 1e-7 degrees, see degrees_e7)
};

/// What a submit asks of its batch besides its jobs.
struct BatchOptions {
  bool want_paths = false;     ///< store each route's encoded polyline
  std::string depart_at;       ///< ISO 8601, for ETAs; empty: none
  double snap_radius_m = 500;  ///< coordinate form: the farthest a road may be
  std::int32_t priority = 0;   ///< lease order: higher first, equal ones in turn
};

/// What a graph's arcs carry besides their cost, for graph_edges and graphs.cost_unit.
struct GraphExtras {
  std::string cost_unit = "native";    ///< "native" or "duration_ms"
  std::vector<std::int64_t> lengths_mm;  ///< per arc, as `arcs`; empty: unknown
};

/// A graph's contraction hierarchy as stored (graph_hierarchies): bytes in the format of
/// router/ch_file.h, and their sha256, by which workers fetch and cache them.
struct HierarchyBlob {
  std::string hash;
  std::string bytes;
};

/// One rejected line.
struct RejectRow {
  std::uint64_t line = 0;
  std::string raw;  ///< bounded by the caller
  std::string reason;
};

/// A stored batch, found by its file's sha256.
struct BatchRef {
  std::int64_t id = 0;
  std::int64_t graph_id = 0;
  /// false: its file is still streaming in, or its submit was interrupted (and it was not
  /// cancelled): a submit of the same file resumes it.
  bool received = true;
};

/// A batch whose content starts as a submitted file's does (the same first MiB), or one that
/// may (stored before batches kept their first MiB's hash: `headless`).
struct HeadMatch {
  BatchRef batch;
  bool headless = false;
  bool hashed = true;  ///< its whole content's hash is known (batches.hash)
  /// For a batch receiving: the sha256 of the content up to its last durable segment's end, as
  /// its client computed it, if it said: what the content of a file that is this batch's
  /// hashes to there.
  std::string segment_hash;
};

/// Where a batch's durable segments end: what a submit that streams the rest of the file (or
/// resumes it after an interruption) continues from.
struct SegmentMark {
  std::uint32_t segments = 0;  ///< durable segments; the next is numbered so
  std::uint64_t accepted = 0;  ///< jobs in them (the next job's seq)
  std::uint64_t rejected = 0;
  std::uint64_t last_line = 0;  ///< the file's line number of their last line (1: the header)
  std::uint64_t bytes = 0;      ///< of the file's content, up to the end of that line
  std::uint32_t chunk_size = 0;
  std::string content_hash;     ///< sha256 of the content up to `bytes`, if the client said
};

/// The end of a segment being committed: the batch's totals after it.
struct SegmentEnd {
  std::uint64_t accepted = 0;
  std::uint64_t rejected = 0;
  std::uint32_t chunk_size = 0;  ///< fixed by the first segment
  std::uint64_t last_line = 0;
  std::uint64_t bytes = 0;
  bool last = false;  ///< the file is complete: the batch is received
  /// sha256 of the content up to `bytes`, hex, if the client said (with `last`: the batch's
  /// hash, kept unless the batch has one).
  std::string content_hash{};
};

/// An unfinished batch, as a restarted dispatcher resumes it.
struct OpenBatch {
  std::int64_t id = 0;
  std::int64_t graph_id = 0;
  std::uint64_t jobs = 0;
  std::uint32_t chunk_size = 0;
  std::vector<std::uint32_t> done_chunks;
  bool received = true;  ///< false: still receiving (its submit may resume); jobs are the durable ones
  BatchOptions options;  ///< depart_at is not read back: the dispatcher needs it not
};

/// The routes of one chunk, all of its jobs, ready to persist.
struct ChunkRoutes {
  std::int64_t batch_id = 0;
  std::uint32_t chunk = 0;
  std::int64_t worker_id = 0;
  std::vector<wire::JobOutcome> outcomes;
};

/// A worker connection as the workers table keeps it (the status page).
struct WorkerRow {
  std::string name;
  std::uint32_t threads = 0;
  std::uint64_t jobs_done = 0;
  double seen_s_ago = 0;
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

}  // namespace waybill::dispatcher
