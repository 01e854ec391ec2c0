// waybill-dispatcher's driver: two ZeroMQ ROUTER sockets (clients, workers), the ZAP handler, and
// PostgreSQL on four connections (the core's catalog, and three store threads: reads, route
// writes, the submit). It carries out what the core (core.h) decides.
#pragma once

#include <atomic>

#include "common/log.h"
#include "dispatcher/config.h"

namespace zmq {
class context_t;
}

namespace waybill::dispatcher {

/// Runs until `stop` is set, then persists what it holds and returns 0. Unfinished batches are
/// resumed from PostgreSQL at start.
int run_dispatcher(const DispatcherConfig& config, zmq::context_t& context, Logger& log,
                   const std::atomic<bool>& stop);

}  // namespace waybill::dispatcher
