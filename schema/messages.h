// The domain side of every message on the wire. schema/waybill.capnp is the wire format; this
// header is what the dispatcher, workers and clients program against. encode()/decode() in
// messages.cpp are the only place that converts between the two.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "schema/plan_messages.h"

namespace waybill::wire {

/// Outcome of routing one job, as the worker reports it.
enum class JobStatus : std::uint8_t {
  ok = 0,
  unreachable = 1,
  unknown_node = 2,
  failed = 3,
  unsnappable = 4,  ///< a coordinate is farther than the snap radius from every road
};

/// A point in degrees (WGS84), as a batch file gives it.
struct LatLon {
  double lat = 0;
  double lon = 0;
  friend bool operator==(const LatLon&, const LatLon&) = default;
};

/// A job given by coordinates rather than node ids.
struct JobPoints {
  LatLon origin;
  LatLon destination;
  friend bool operator==(const JobPoints&, const JobPoints&) = default;
};

/// One job of a lease: its dense sequence number in the batch and its two ends, node ids or,
/// for a batch in coordinate form, coordinates (then origin and destination are 0).
struct JobSpec {
  std::uint32_t seq = 0;
  std::int64_t origin = 0;
  std::int64_t destination = 0;
  std::optional<JobPoints> points{};
  friend bool operator==(const JobSpec&, const JobSpec&) = default;
};

/// One routed job. cost and hops are meaningful only when status == ok.
struct JobOutcome {
  std::uint32_t seq = 0;
  JobStatus status = JobStatus::ok;
  std::int64_t cost = 0;
  std::uint32_t hops = 0;
  std::int64_t length_mm = -1;     ///< path length; -1 when the graph has no lengths
  float origin_snap_m = -1;        ///< metres from the origin to its road; -1: a node
  float destination_snap_m = -1;   ///< likewise for the destination
  std::string polyline{};          ///< encoded polyline (precision 6), when the lease asked
  std::string detail{};            ///< why an unsnappable job did not snap
  friend bool operator==(const JobOutcome&, const JobOutcome&) = default;
};

// ---- worker -> dispatcher -------------------------------------------------------------------

/// First message of a worker, and again after every reconnect.
struct Hello {
  std::string worker_name;  ///< host:pid, for operators
  std::string graph_hash;   ///< graph the worker holds in its cache, or empty
  std::uint32_t threads = 1;
  friend bool operator==(const Hello&, const Hello&) = default;
};

/// Asks for the bytes of a graph (or of its hierarchy, by the hierarchy's hash) from `offset` on.
struct GraphRequest {
  std::string graph_hash;
  std::uint64_t offset = 0;
  friend bool operator==(const GraphRequest&, const GraphRequest&) = default;
};

/// Grants the dispatcher `credit` more leases (credit-based flow control).
struct Credit {
  std::uint32_t credit = 0;
  friend bool operator==(const Credit&, const Credit&) = default;
};

/// Why a worker could not route a whole chunk, by what the dispatcher should do about it.
enum class ChunkError : std::uint8_t {
  unspecified = 0,     ///< an older worker's error: counted as a failed attempt
  retryable = 1,       ///< this worker, now: another attempt may succeed
  graph_mismatch = 2,  ///< the worker does not hold the lease's graph: not the chunk's fault
  bad_chunk = 3,       ///< routing the jobs failed: counted, the chunk fails after a few
};

/// The answers to one lease. When the worker could not route the chunk at all, `error` says why,
/// `error_kind` what to do, and `outcomes` is empty. A result too large for one message comes in
/// parts (split_result): each holds the next outcomes in seq order, all but the last with `more`.
struct ChunkResult {
  std::uint64_t lease_id = 0;
  std::uint64_t batch_id = 0;
  std::uint32_t chunk = 0;
  std::vector<JobOutcome> outcomes;
  std::string error;
  ChunkError error_kind = ChunkError::unspecified;
  bool more = false;
  friend bool operator==(const ChunkResult&, const ChunkResult&) = default;
};

/// Both ways, every heartbeat interval, when nothing else was sent.
struct Heartbeat {
  friend bool operator==(const Heartbeat&, const Heartbeat&) = default;
};

/// A draining worker says it takes no more leases; its unfinished leases return to the queue.
struct Goodbye {
  friend bool operator==(const Goodbye&, const Goodbye&) = default;
};

// ---- dispatcher -> worker -------------------------------------------------------------------

/// Reply to Hello: the graph the worker must hold, and how big it is.
struct Welcome {
  std::string graph_hash;
  std::uint64_t graph_bytes = 0;
  std::uint32_t heartbeat_ms = 1000;
  std::uint32_t max_message_bytes = 0;  ///< the largest message the dispatcher takes; 0: unsaid
  std::string hierarchy_hash{};    ///< sha256 of the graph's contraction hierarchy; empty: none
  std::uint64_t hierarchy_bytes = 0;  ///< its size: fetched as the graph is, by its hash
  friend bool operator==(const Welcome&, const Welcome&) = default;
};

/// A piece of the serialized graph (see graph_codec.h).
struct GraphChunk {
  std::string graph_hash;
  std::uint64_t offset = 0;
  std::uint64_t total = 0;
  std::string data;  ///< raw bytes
  friend bool operator==(const GraphChunk&, const GraphChunk&) = default;
};

/// A chunk of jobs leased to one worker until `deadline_ms` from now.
/// Origins whose trees a worker may compute ahead of the leases that need them (a hint).
struct Warm {
  std::string graph_hash;
  std::vector<std::int64_t> origins;      ///< node ids
  std::vector<LatLon> origin_points{};   ///< coordinate origins (sent in microdegrees)
  friend bool operator==(const Warm&, const Warm&) = default;
};

struct Lease {
  std::uint64_t lease_id = 0;
  std::uint64_t batch_id = 0;
  std::uint32_t chunk = 0;
  std::uint32_t deadline_ms = 0;
  std::string graph_hash;
  std::vector<JobSpec> jobs;  ///< all with points, or none (a batch is in one form)
  double snap_radius_m = 500;  ///< coordinates farther than this from every road: unsnappable
  bool want_paths = false;     ///< answer with each route's encoded polyline
  friend bool operator==(const Lease&, const Lease&) = default;
};

// ---- client -> dispatcher -------------------------------------------------------------------

/// Opens a submit. The client hashes the whole file first, so that a file already stored is
/// recognised before a byte of it is sent.
struct SubmitBegin {
  std::string graph_name;
  std::string content_hash;  ///< sha256 of the file, hex
  std::string file_name;
  std::uint64_t file_bytes = 0;
  bool want_paths = false;     ///< store each route's encoded polyline
  std::string depart_at{};     ///< ISO 8601 departure time for ETAs, or empty
  double snap_radius_m = 500;  ///< for coordinates: the farthest a road may be
  std::int32_t priority = 0;   ///< lease order: higher first, equal ones in turn
  /// sha256 of the content's first MiB, hex. With content_hash empty, the client hashes the
  /// content while it sends it: routing need not wait for a pass over the whole file.
  std::string head_hash{};
  std::vector<std::uint64_t> skip_batches{};  ///< offered for resume, but another file's start
  friend bool operator==(const SubmitBegin&, const SubmitBegin&) = default;
};

/// A piece of the file: whole lines only, in order. `last` ends the submit.
struct SubmitData {
  std::uint64_t submit_id = 0;
  std::uint32_t part = 0;  ///< 0, 1, 2, ... in order
  std::string data;
  bool last = false;
  std::string content_hash{};  ///< sha256 of the content up to this part's end, hex
  friend bool operator==(const SubmitData&, const SubmitData&) = default;
};

/// Batches (all unfinished and recent ones when batch_id == 0) and workers.
struct StatusRequest {
  std::uint64_t batch_id = 0;
  friend bool operator==(const StatusRequest&, const StatusRequest&) = default;
};

// ---- dispatcher -> client -------------------------------------------------------------------

/// Answers SubmitBegin (stage begun or done, when the file is stored already), each SubmitData
/// (stage part_stored) and the last one (stage done, once the batch is durable).
struct SubmitReply {
  enum class Stage : std::uint8_t {
    begun = 0,
    part_stored = 1,
    done = 2,
    failed = 3,
    queued = 4,
    hash_first = 5,  ///< a batch starts as this file does: begin again with the content's hash
  };
  Stage stage = Stage::begun;
  std::uint64_t submit_id = 0;
  std::uint32_t part = 0;
  std::uint64_t batch_id = 0;
  bool existing = false;  ///< the same file was submitted before: this is that batch
  std::uint64_t accepted = 0;
  std::uint64_t rejected = 0;
  std::string error;  ///< when stage == failed
  std::uint32_t place = 0;  ///< when stage == queued: the place in the queue, 1 next
  /// When stage == begun for a batch still receiving: the lines (the header is line 1) and bytes
  /// of the file's content already durable. The client sends the header line as part 0, then
  /// the content from byte resume_offset on.
  std::uint64_t resume_line = 0;
  std::uint64_t resume_offset = 0;
  std::uint64_t durable = 0;  ///< jobs durable so far (in committed segments)
  std::string resume_hash{};  ///< with resume_offset: sha256 of the content up to it, as stored
  friend bool operator==(const SubmitReply&, const SubmitReply&) = default;
};

struct BatchStatus {
  std::uint64_t batch_id = 0;
  std::string file_name;
  std::string graph_name;
  std::uint64_t accepted = 0;
  std::uint64_t rejected = 0;
  std::uint64_t routed = 0;  ///< durable routes, any status
  std::uint64_t unreachable = 0;
  bool finished = false;
  double elapsed_s = 0;  ///< since submit; frozen at finish
  bool receiving = false;  ///< its file is still streaming in (or its submit was interrupted)
  friend bool operator==(const BatchStatus&, const BatchStatus&) = default;
};

struct WorkerStatus {
  std::string worker_name;
  std::uint32_t threads = 0;
  std::uint32_t leases = 0;  ///< chunks held now
  std::uint64_t jobs_done = 0;
  double last_seen_s = 0;  ///< seconds since its last message
  friend bool operator==(const WorkerStatus&, const WorkerStatus&) = default;
};

/// A plan in progress (waybill plan).
struct PlanStatus {
  std::uint64_t plan_id = 0;
  std::uint64_t batch_id = 0;
  std::uint32_t parts = 0;
  std::uint32_t parts_done = 0;
  std::uint32_t parts_leased = 0;  ///< being planned now
  friend bool operator==(const PlanStatus&, const PlanStatus&) = default;
};

struct StatusReply {
  std::vector<BatchStatus> batches;
  std::vector<WorkerStatus> workers;
  std::string error;
  std::vector<PlanStatus> plans{};
  friend bool operator==(const StatusReply&, const StatusReply&) = default;
};

/// Client -> dispatcher: stop routing a batch (waybill cancel).
struct CancelRequest {
  std::uint64_t batch_id = 0;
  friend bool operator==(const CancelRequest&, const CancelRequest&) = default;
};

/// Dispatcher -> client: the batch is finished, its jobs not routed by then cancelled.
struct CancelReply {
  std::uint64_t batch_id = 0;
  std::uint64_t cancelled = 0;
  std::string error;  ///< the request was refused
  friend bool operator==(const CancelReply&, const CancelReply&) = default;
};

using Message = std::variant<Hello, GraphRequest, Credit, ChunkResult, Heartbeat, Goodbye, Welcome,
                             GraphChunk, Lease, SubmitBegin, SubmitData, StatusRequest,
                             SubmitReply, StatusReply, Warm, PlanRequest, PlanReply, PlanLease,
                             PlanResult, CancelRequest, CancelReply>;

/// Limits applied to every received message (Cap'n Proto ReaderOptions).
struct DecodeLimits {
  std::uint64_t traversal_words = 64ull << 20 >> 3;  ///< 64 MiB
  int nesting = 16;

  /// The limits for frames of at most `max_frame_bytes`: a reader may traverse each word of the
  /// frame twice (text and data lists alike), plus some slack for the header.
  static DecodeLimits for_frames(std::uint64_t max_frame_bytes) {
    return {max_frame_bytes / 8 * 2 + 1024, 16};
  }
};

/// `whole` cut into parts whose encodings stay under `max_message_bytes` (with a margin): the
/// outcomes in order, every part but the last with `more` set. One outcome too large for a message
/// on its own (a polyline of millions of points) loses its polyline, and its detail says why.
std::vector<ChunkResult> split_result(ChunkResult whole, std::size_t max_message_bytes);

/// Serializes a message as one Cap'n Proto flat array (unpacked), ready for one ZeroMQ frame.
std::string encode(const Message& message);

/// Parses one frame. The bytes need not be aligned (ZeroMQ frames are not): they are copied to
/// an aligned buffer when they are not. Returns nothing and sets `error` for anything malformed,
/// truncated, over the limits or of an unknown type; never throws for bad input.
std::optional<Message> decode(std::span<const std::byte> frame, std::string& error,
                              const DecodeLimits& limits = {});

}  // namespace waybill::wire
