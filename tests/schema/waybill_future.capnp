# A later version of schema/waybill.capnp, as a newer peer might send it: the evolution test
# (evolution_test.cpp) checks that today's decoder reads it as STYLE.md 14 promises. Only what
# the test sends is spelled out; the other Envelope members are AnyPointer, which is
# wire-compatible with any struct.

@0x877330c47eac12a5;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("waybill::wire::future");

enum JobStatus {
  ok @0;
  unreachable @1;
  unknownNode @2;
  failed @3;
  unsnappable @4;
  rerouted @5;            # new enumerant
}

struct JobOutcome {
  seq @0 :UInt32;
  status @1 :JobStatus;
  cost @2 :Int64;
  hops @3 :UInt32;
  lengthMm @4 :Int64 = -1;
  originSnapM @5 :Float32 = -1;
  destSnapM @6 :Float32 = -1;
  polyline @7 :Text;
  detail @8 :Text;
  travelTimeS @9 :UInt32; # new field
}

struct ChunkResult {
  leaseId @0 :UInt64;
  batchId @1 :UInt64;
  chunk @2 :UInt32;
  outcomes @3 :List(JobOutcome);
  error @4 :Text;
  errorKind @5 :UInt16;
  more @6 :Bool;
}

# Hello as a newer worker sends it.
struct HelloNext {
  workerName @0 :Text;
  graphHash @1 :Text;
  threads @2 :UInt32 = 1;
  region @3 :Text;        # new field
  memoryBytes @4 :UInt64; # new field
}

# Hello as the first worker ever sent it, before graphHash and threads existed.
struct HelloFirst {
  workerName @0 :Text;
}

struct SubmitReply {
  enum Stage {
    begun @0;
    partStored @1;
    done @2;
    failed @3;
    queued @4;
    hashFirst @5;
    paused @6;            # new enumerant
  }
  stage @0 :Stage;
  submitId @1 :UInt64;
}

# Not a version but a hostile shape: a list of zero-sized elements costs nothing on the wire.
struct Nothing {}

struct HollowChunkResult {
  leaseId @0 :UInt64;
  batchId @1 :UInt64;
  chunk @2 :UInt32;
  outcomes @3 :List(Nothing);
}

struct Shipment {
  shipmentId @0 :UInt64;
}

struct Envelope {
  union {
    hello @0 :AnyPointer;
    graphRequest @1 :AnyPointer;
    credit @2 :AnyPointer;
    chunkResult @3 :AnyPointer;
    heartbeat @4 :AnyPointer;
    goodbye @5 :AnyPointer;
    welcome @6 :AnyPointer;
    graphChunk @7 :AnyPointer;
    lease @8 :AnyPointer;
    submitBegin @9 :AnyPointer;
    submitData @10 :AnyPointer;
    statusRequest @11 :AnyPointer;
    submitReply @12 :SubmitReply;
    statusReply @13 :AnyPointer;
    warm @14 :AnyPointer;
    planRequest @15 :AnyPointer;
    planReply @16 :AnyPointer;
    planLease @17 :AnyPointer;
    planResult @18 :AnyPointer;
    cancelRequest @19 :AnyPointer;
    cancelReply @20 :AnyPointer;
    shipment @21 :Shipment;  # new message
  }
}
