// The dispatcher: one thread, two ZeroMQ ROUTER sockets (clients, workers), one PostgreSQL
// store. Takes batch files in, leases their chunks to workers, persists the routes.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "common/log.h"

namespace zmq {
class context_t;
}

namespace waybill::dispatcher {

/// Every setting of waybill-dispatcher, with its default.
struct DispatcherConfig {
  std::string db;                                 ///< libpq conninfo; empty: libpq's environment
  std::string clients = "tcp://127.0.0.1:7410";   ///< endpoint for `waybill` clients
  std::string workers = "tcp://127.0.0.1:7411";   ///< endpoint for workers
  std::uint32_t chunk_size = 4096;                ///< jobs per lease
  std::uint32_t lone_chunk_size = 512;            ///< ... for a batch of mostly lone origins
  int lease_ms = 60000;                           ///< a lease not answered by then is re-leased
  int heartbeat_ms = 1000;                        ///< heartbeat interval, both ways
  int liveness = 5;                               ///< heartbeats missed before a worker is dead
  std::size_t flush_rows = 65536;                 ///< persist routes once this many are waiting
  int flush_ms = 100;                             ///< ... or once the oldest waited this long
  int submit_idle_ms = 30000;                     ///< a submit silent this long is rolled back
  int max_message_bytes = 4 << 20;                ///< larger incoming frames are refused
  int high_water_mark = 1000;                     ///< queued messages per peer, each way
  std::size_t graph_chunk_bytes = 1 << 20;        ///< graph streamed to workers in such pieces
  int db_retry_max_ms = 10000;                    ///< back-off ceiling while PostgreSQL is down
  bool insecure = false;       ///< plain TCP: no CurveZMQ, anyone who can connect is served
  std::string key_file;        ///< the dispatcher's key pair (waybill keygen), with CurveZMQ
  std::string allow_file;      ///< public keys of the workers and clients admitted

  std::vector<std::string> validate() const;
};

/// Runs until `stop` is set, then persists what it holds and returns 0. Unfinished batches are
/// resumed from PostgreSQL at start.
int run_dispatcher(const DispatcherConfig& config, zmq::context_t& context, Logger& log,
                   const std::atomic<bool>& stop);

}  // namespace waybill::dispatcher
