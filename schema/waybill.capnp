# Every message on the Waybill wire, plus the serialized road graph.
#
# Evolution rules (STYLE.md 14): never renumber or retype a field; add a field with the next
# ordinal; add a message as a new struct and a new Envelope member with the next ordinal. An
# old peer reads a new message as follows: unknown fields are ignored, an unknown Envelope member
# is rejected as "unknown message type N", an unknown enumerant is rejected at the point of use.
#
# The wire<->domain conversion lives in messages.cpp and graph_codec.cpp only; the domain types
# are in messages.h. Enumerant numbers equal the domain enum values (messages.cpp asserts it).

@0xdefd2a8ab9672e1e;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("waybill::wire::schema");

# ---- shared ------------------------------------------------------------------------------------

enum JobStatus {
  ok @0;           # routed; cost and hops are meaningful
  unreachable @1;  # no path from origin to destination
  unknownNode @2;  # origin or destination is not a node of the graph
  failed @3;       # the worker could not route this job
  unsnappable @4;  # a coordinate of the job is farther than the snap radius from every road
}

struct JobSpec {
  seq @0 :UInt32;          # dense sequence number of the job in its batch
  origin @1 :Int64;        # external node id
  destination @2 :Int64;   # external node id
}

# The coordinates of a job given by addresses rather than nodes (Lease.points), in degrees
# (WGS84), as written in the batch file.
struct JobPoints {
  originLat @0 :Float64;
  originLon @1 :Float64;
  destLat @2 :Float64;
  destLon @3 :Float64;
}

struct JobOutcome {
  seq @0 :UInt32;          # as in the JobSpec it answers
  status @1 :JobStatus;
  cost @2 :Int64;          # in the graph's own unit (DIMACS -d: decimetres); only when status == ok
  hops @3 :UInt32;         # arcs on the path; only when status == ok
  lengthMm @4 :Int64 = -1; # length of the path in millimetres; -1: the graph has no lengths
  originSnapM @5 :Float32 = -1; # metres from the origin's coordinate to its road; -1: a node
  destSnapM @6 :Float32 = -1;   # likewise for the destination
  polyline @7 :Text;       # encoded polyline (precision 6) of the route, when the lease asked
  detail @8 :Text;         # why, for an unsnappable job (e.g. swapped latitude and longitude)
}

# ---- worker -> dispatcher ----------------------------------------------------------------------

struct Hello {
  workerName @0 :Text;     # host:pid, for operators
  graphHash @1 :Text;      # sha256 hex of the graph the worker holds in its cache, or empty
  threads @2 :UInt32 = 1;  # routing threads of the worker
}

struct GraphRequest {
  graphHash @0 :Text;      # sha256 hex of the graph wanted
  offsetBytes @1 :UInt64;  # first byte wanted of the serialized graph
}

struct Credit {
  credit @0 :UInt32;       # number of further leases the dispatcher may send
}

# Why a worker could not route a whole chunk: what the dispatcher should do about it.
enum ChunkError {
  unspecified @0;    # a worker older than this field: counted as a failed attempt
  retryable @1;      # this worker, now (out of memory, shutting down): another attempt may do
  graphMismatch @2;  # the worker does not hold the lease's graph: not the chunk's fault
  badChunk @3;       # routing the chunk's jobs failed: counted, the chunk fails after a few
}

# The answers to one lease, in one message or, when they would not fit the dispatcher's message
# limit, in several: each part holds the next outcomes in seq order, and every part but the last
# has `more` set.
struct ChunkResult {
  leaseId @0 :UInt64;
  batchId @1 :UInt64;
  chunk @2 :UInt32;                 # chunk number within the batch
  outcomes @3 :List(JobOutcome);    # this part's outcomes; empty when error is set
  error @4 :Text;                   # why the whole chunk failed, or empty
  errorKind @5 :ChunkError;         # when error is set
  more @6 :Bool;                    # further parts of this result follow
}

struct Heartbeat {
  # Both ways, every heartbeat interval, when nothing else was sent. No fields yet.
}

struct Goodbye {
  # A draining worker takes no more leases. No fields yet.
}

# ---- dispatcher -> worker ----------------------------------------------------------------------

struct Welcome {
  graphHash @0 :Text;             # sha256 hex of the graph the worker must hold
  graphBytes @1 :UInt64;          # size of that serialized graph
  heartbeatMs @2 :UInt32 = 1000;  # heartbeat interval, milliseconds
  maxMessageBytes @3 :UInt32;     # the largest message the dispatcher takes; 0: not said
  hierarchyHash @4 :Text;         # sha256 hex of the graph's contraction hierarchy, or empty
  hierarchyBytes @5 :UInt64;      # its size; fetched like the graph (GraphRequest by this hash)
}

struct GraphChunk {
  graphHash @0 :Text;       # sha256 hex of the whole serialized graph
  offsetBytes @1 :UInt64;   # position of data in the serialized graph
  totalBytes @2 :UInt64;    # size of the whole serialized graph
  data @3 :Data;            # raw bytes of the serialized graph (a GraphData message)
}

# Dispatcher -> worker: origins that the jobs of a batch being submitted leave from in numbers.
# A worker holding that graph computes their shortest-path trees while the batch is still
# streaming in, so its first leases find them ready. A hint: nothing answers it.
struct Warm {
  graphHash @0 :Text;       # sha256 hex of the graph
  origins @1 :List(Int64);  # node ids
  originLatE6 @2 :List(Int32);  # coordinate origins (batches in coordinate form), microdegrees
  originLonE6 @3 :List(Int32);  # same length as originLatE6
}

struct Lease {
  leaseId @0 :UInt64;
  batchId @1 :UInt64;
  chunk @2 :UInt32;          # chunk number within the batch
  deadlineMs @3 :UInt32;     # the lease expires this many milliseconds after it was sent
  graphHash @4 :Text;        # sha256 hex of the graph to route on
  jobs @5 :List(JobSpec);    # thousands per lease, never one
  points @6 :List(JobPoints);  # one per job for a batch in coordinate form; empty otherwise
  snapRadiusM @7 :Float64 = 500;  # farther from every road, a coordinate is unsnappable
  wantPaths @8 :Bool;        # answer each job with its route's encoded polyline
}

# ---- client -> dispatcher ----------------------------------------------------------------------

struct SubmitBegin {
  graphName @0 :Text;      # graph to route the batch on
  contentHash @1 :Text;    # sha256 hex of the whole file's content, or empty: the client hashes
                           # it while sending (each SubmitData says the hash so far)
  fileName @2 :Text;       # for operators
  fileBytes @3 :UInt64;    # size of the whole file
  wantPaths @4 :Bool;      # store each route's encoded polyline
  departAt @5 :Text;       # ISO 8601 departure time of the batch's vehicles (ETA), or empty
  snapRadiusM @6 :Float64 = 500;  # for coordinates: the farthest a road may be
  priority @7 :Int32;      # lease order: higher first, equal ones in turn
  headHash @8 :Text;       # sha256 hex of the content's first MiB (all of it when shorter)
  skipBatches @9 :List(UInt64);  # batches offered for resume whose stored start is not this
                                 # file's (their resumeHash differed): not to be offered again
}

struct SubmitData {
  submitId @0 :UInt64;     # from SubmitReply to SubmitBegin
  part @1 :UInt32;         # 0, 1, 2, ... in order
  data @2 :Data;           # whole lines of the file, raw bytes
  last @3 :Bool;           # this part ends the submit
  contentHash @4 :Text;    # sha256 hex of the file's content up to the end of this part (with
                           # the last part: of the whole content)
}

struct StatusRequest {
  batchId @0 :UInt64;      # 0: all unfinished and recent batches
}

# ---- dispatcher -> client ----------------------------------------------------------------------

struct SubmitReply {
  enum Stage {
    begun @0;        # answers SubmitBegin: send the data
    partStored @1;   # answers a SubmitData
    done @2;         # the batch is durable (or was stored before: existing)
    failed @3;       # see error
    queued @4;       # answers SubmitBegin: every receiving slot is taken; `place` in the queue
    hashFirst @5;    # answers a SubmitBegin without contentHash: a batch with the same first
                     # MiB is stored; begin again with the whole content's hash
  }
  stage @0 :Stage;
  submitId @1 :UInt64;
  part @2 :UInt32;         # the SubmitData part answered
  batchId @3 :UInt64;
  existing @4 :Bool;       # the same file was submitted before: batchId is that batch
  accepted @5 :UInt64;     # lines accepted so far
  rejected @6 :UInt64;     # lines rejected so far
  error @7 :Text;          # when stage == failed
  place @8 :UInt32;        # when stage == queued: 1 is next (0: this submit is being prepared);
                           # send SubmitBegin again to keep it (once prepared, that is answered
                           # `begun`, and nothing else is)
  resumeLine @9 :UInt64;   # when stage == begun for a batch still receiving: the file's lines
                           # (the header is line 1) already durable; send the header line as
                           # part 0, then the content from byte resumeOffset on
  resumeOffset @10 :UInt64;
  durable @11 :UInt64;     # jobs durable so far (committed segments), routed from then on
  resumeHash @12 :Text;    # with resumeOffset: sha256 hex of the content up to it, as stored;
                           # a client whose file differs there begins again, skipping the batch
}

struct BatchStatus {
  batchId @0 :UInt64;
  fileName @1 :Text;
  graphName @2 :Text;
  accepted @3 :UInt64;        # jobs
  rejected @4 :UInt64;        # lines
  routed @5 :UInt64;          # durable routes, any status
  unreachable @6 :UInt64;     # routes with status unreachable
  finished @7 :Bool;
  elapsedSeconds @8 :Float64; # since submit; frozen at finish
  receiving @9 :Bool;         # its file is still streaming in (or its submit was interrupted)
}

struct WorkerStatus {
  workerName @0 :Text;
  threads @1 :UInt32;
  leases @2 :UInt32;           # chunks held now
  jobsDone @3 :UInt64;
  lastSeenSeconds @4 :Float64; # since its last message
}

struct PlanStatus {
  planId @0 :UInt64;
  batchId @1 :UInt64;
  parts @2 :UInt32;
  partsDone @3 :UInt32;
  partsLeased @4 :UInt32;      # being planned now
}

struct StatusReply {
  batches @0 :List(BatchStatus);
  workers @1 :List(WorkerStatus);
  error @2 :Text;              # empty unless the request failed
  plans @3 :List(PlanStatus);  # plans in progress
}

# ---- plans (waybill plan): a depot's deliveries in, its tours out ------------------------------

# One delivery of a planning lease. Times are seconds since the Unix epoch; kNoTime (the
# default, -2^62) means none.
struct PlanJob {
  seq @0 :UInt32;            # the job's seq in its batch
  destination @1 :Int64;     # node id (node form)
  destLat @2 :Float64;       # coordinate form: the delivery point, degrees
  destLon @3 :Float64;
  weightKg @4 :Float64;
  readyAt @5 :Int64 = -4611686018427387904;
  dueAt @6 :Int64 = -4611686018427387904;
  serviceS @7 :Int32;
  priority @8 :Int32;
}

# A depot's vans (all alike) for one planning lease: vans firstVehicle .. firstVehicle+vehicles-1.
struct PlanFleet {
  vehicles @0 :UInt32;
  capacityKg @1 :Float64;
  capacityParcels @2 :Int64;
  shiftStart @3 :Int64;      # epoch seconds
  shiftEnd @4 :Int64;
  maxStops @5 :Int32;        # 0: no limit
  firstVehicle @6 :UInt32;
}

# Dispatcher -> worker: plan one part of a depot (a depot's jobs, or a share of a large depot's).
struct PlanLease {
  leaseId @0 :UInt64;
  planId @1 :UInt64;
  depot @2 :Int64;           # the depot's node id; coordinate form: 0, see depotLat/depotLon
  part @3 :UInt32;
  deadlineMs @4 :UInt32;     # the lease expires this many milliseconds after it was sent
  graphHash @5 :Text;
  points @6 :Bool;           # coordinate form: depot and jobs are points, snapped by the worker
  depotLat @7 :Float64;
  depotLon @8 :Float64;
  fleet @9 :PlanFleet;
  jobs @10 :List(PlanJob);
  timeLimitS @11 :Float64;   # the planner's time limit for this part
  snapRadiusM @12 :Float64 = 500;
}

struct PlanStop {
  seq @0 :UInt32;
  arrival @1 :Int64;         # epoch seconds
  departure @2 :Int64;
  waitingS @3 :Int64;
  latenessS @4 :Int64;
  loadKg @5 :Float64;        # on board when leaving the stop
  loadParcels @6 :Int64;
}

struct PlanTour {
  vehicle @0 :UInt32;
  distanceM @1 :Float64;
  durationS @2 :Int64;       # driving time
  loadKg @3 :Float64;        # on board when leaving the depot
  loadParcels @4 :Int64;
  departure @5 :Int64;
  arrival @6 :Int64;
  stops @7 :List(PlanStop);
}

struct PlanMiss {
  seq @0 :UInt32;
  reason @1 :Text;           # too_heavy, unreachable, unsnappable, window_unreachable, ...
}

# Worker -> dispatcher: the answer to a PlanLease; every job of the lease is in exactly one tour
# or one miss. With error set, tours and misses are empty.
struct PlanResult {
  leaseId @0 :UInt64;
  planId @1 :UInt64;
  depot @2 :Int64;
  part @3 :UInt32;
  tours @4 :List(PlanTour);
  misses @5 :List(PlanMiss);
  error @6 :Text;
  solveS @7 :Float64;
}

# Client -> dispatcher: plan every depot of a routed batch with this fleet file (CSV text). The
# same request again is answered with the same plan and its progress (how `--wait` polls).
struct PlanRequest {
  batchId @0 :UInt64;
  fleetCsv @1 :Text;
  fleetName @2 :Text;        # the file's name, for messages
  timeLimitS @3 :Float64;    # per depot part
  serviceS @4 :Int32 = -1;   # a job's service time when the batch has none; -1: 120 s
}

struct PlanReply {
  planId @0 :UInt64;
  existing @1 :Bool;         # asked before: this is that plan
  parts @2 :UInt32;
  partsDone @3 :UInt32;
  finished @4 :Bool;
  error @5 :Text;            # the request was refused (e.g. a fleet file's line and field)
}

# ---- cancelling a batch (waybill cancel) -------------------------------------------------------

struct CancelRequest {
  batchId @0 :UInt64;
}

struct CancelReply {
  batchId @0 :UInt64;
  cancelled @1 :UInt64;      # jobs not routed by then, now with status cancelled
  error @2 :Text;            # the request was refused (no such batch, finished already, ...)
}

# ---- the frame ---------------------------------------------------------------------------------

# Every ZeroMQ frame is one Envelope. Member ordinals equal the index of the alternative in
# wire::Message (messages.h).
struct Envelope {
  union {
    hello @0 :Hello;
    graphRequest @1 :GraphRequest;
    credit @2 :Credit;
    chunkResult @3 :ChunkResult;
    heartbeat @4 :Heartbeat;
    goodbye @5 :Goodbye;
    welcome @6 :Welcome;
    graphChunk @7 :GraphChunk;
    lease @8 :Lease;
    submitBegin @9 :SubmitBegin;
    submitData @10 :SubmitData;
    statusRequest @11 :StatusRequest;
    submitReply @12 :SubmitReply;
    statusReply @13 :StatusReply;
    warm @14 :Warm;
    planRequest @15 :PlanRequest;
    planReply @16 :PlanReply;
    planLease @17 :PlanLease;
    planResult @18 :PlanResult;
    cancelRequest @19 :CancelRequest;
    cancelReply @20 :CancelReply;
  }
}

# ---- the road graph ----------------------------------------------------------------------------

# The serialized road graph (graph_codec.h); its sha256 is the graph's identity. Node i has id
# nodeIds[i]; arc j runs from node tails[j] to node heads[j] at cost costs[j], and is
# lengthsMm[j] millimetres long when the graph has lengths.
struct GraphData {
  nodeIds @0 :List(Int64);   # external node ids, ascending, unique
  lonE6 @1 :List(Int32);     # longitude per node, microdegrees; empty: no coordinates
  latE6 @2 :List(Int32);     # latitude per node, microdegrees; empty: no coordinates
  tails @3 :List(UInt32);    # dense index into nodeIds
  heads @4 :List(UInt32);    # dense index into nodeIds
  costs @5 :List(Int64);     # in the graph's own unit, >= 0
  lengthsMm @6 :List(Int64);  # per arc, same order as costs; empty: unknown
  costUnit @7 :UInt8;         # 0 native, 1 durationMs
}
