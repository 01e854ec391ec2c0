// Every setting of waybill-dispatcher, with its default and what it is for. Validated once in
// main and passed by const reference to the core and the driver.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace waybill::dispatcher {

struct DispatcherConfig {
  std::string db;                                 ///< libpq conninfo; empty: libpq's environment
  std::string clients = "tcp://127.0.0.1:7410";   ///< endpoint for `waybill` clients
  std::string workers = "tcp://127.0.0.1:7411";   ///< endpoint for workers
  std::uint32_t chunk_size = 4096;                ///< jobs per lease
  std::uint32_t lone_chunk_size = 512;            ///< ... for a batch of mostly lone origins
  int lease_ms = 60000;                           ///< a lease not answered by then is re-leased
  int heartbeat_ms = 1000;                        ///< heartbeat interval, both ways
  int liveness = 5;                               ///< heartbeats missed before a worker is dead
  std::uint32_t max_attempts = 3;     ///< failures a worker reports before a chunk is failed
  std::uint32_t max_lost_leases = 10; ///< leases lost with a worker before a chunk is failed
  std::size_t flush_rows = 65536;                 ///< persist routes once this many are waiting
  int flush_ms = 100;                             ///< ... or once the oldest waited this long
  int submit_idle_ms = 30000;                     ///< a submit silent this long is rolled back
  /// A batch is durable in segments as it streams in: one closes at this many lines, or once it
  /// is old enough with a chunk of jobs in it, whichever first (and at the file's end). The
  /// first closes as soon as it holds a chunk of jobs: the batch's first routes wait for it. The
  /// second may be segment_ms old, each later one twice the one before, up to 64 times.
  std::uint64_t segment_lines = 1 << 20;
  int segment_ms = 1000;
  std::uint32_t max_receiving = 4;  ///< batches received at once; more clients wait in a queue
  int max_message_bytes = 4 << 20;                ///< larger incoming frames are refused
  int high_water_mark = 1000;                     ///< queued messages per peer, each way
  std::size_t graph_chunk_bytes = 1 << 20;        ///< graph streamed to workers in such pieces
  /// Back-off ceiling while PostgreSQL is down. A try is one connection attempt on a thread of
  /// its own (not the loop's), so trying every 2 s costs nothing: at 10 s, a link back just
  /// after a failed try left routing stopped 10 s more (ops/hosts.sh: 11.7 s against 0.9 s).
  int db_retry_max_ms = 2000;
  bool insecure = false;       ///< plain TCP: no CurveZMQ, anyone who can connect is served
  std::string key_file;        ///< the dispatcher's key pair (waybill keygen), with CurveZMQ
  std::string allow_file;      ///< public keys of the workers and clients admitted
  std::string metrics;         ///< HOST:PORT of the operations endpoint; empty: none

  /// Every problem with the settings, one line each; empty when they are valid.
  std::vector<std::string> validate() const;
};

}  // namespace waybill::dispatcher
