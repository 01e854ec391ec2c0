// The worker's connection to the dispatcher: join, fetch the graph, take leases, route them on
// a pool of threads, send results, heartbeat, and reconnect with back-off when the dispatcher
// goes silent (the ZeroMQ guide's Paranoid Pirate).
#pragma once

#include <atomic>
#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "common/log.h"

namespace zmq {
class context_t;
}

namespace waybill::worker {

/// Every setting of waybill-worker, with its default.
struct WorkerConfig {
  std::string dispatcher = "tcp://127.0.0.1:7411";  ///< the dispatcher's worker endpoint
  unsigned threads = 1;                              ///< routing threads
  std::string name;                                  ///< shown to operators; default host:pid
  std::filesystem::path cache_dir;                   ///< graph cache; empty: no cache
  std::size_t tree_cache_bytes = std::size_t{1} << 30;  ///< shortest-path trees kept, in bytes
  std::size_t landmarks = 32;                        ///< ALT landmarks for lone origins
  int heartbeat_ms = 1000;                           ///< send a heartbeat after this silence
  int liveness = 5;                                  ///< heartbeats missed before reconnecting
  int reconnect_min_ms = 250;                        ///< first back-off
  int reconnect_max_ms = 8000;                       ///< back-off ceiling
  int max_message_bytes = 64 << 20;                  ///< larger incoming frames are refused
  unsigned credit_per_thread = 2;                    ///< leases held at once per thread
  bool insecure = false;           ///< plain TCP, without CurveZMQ
  std::string key_file;            ///< this worker's key pair (waybill keygen)
  std::string dispatcher_key;      ///< the dispatcher's public key, or a file holding it

  /// Every problem with the settings, empty when they are valid.
  std::string metrics;  ///< HOST:PORT of the operations endpoint; empty: none

  std::vector<std::string> validate() const;
};

/// Runs until `stop` is set, then drains: takes no more leases, finishes and reports the ones it
/// holds, and returns 0.
int run_worker(const WorkerConfig& config, zmq::context_t& context, Logger& log,
               const std::atomic<bool>& stop);

}  // namespace waybill::worker
