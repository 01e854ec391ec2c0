// What the dispatcher's operations endpoint (telemetry/ops_server.h) says beyond its metrics:
// whether it is ready, and a page for a person. Both read PostgreSQL on a connection of their own,
// opened per request on the endpoint's thread: the loop and its connections are never touched.
#pragma once

#include <string>

#include "telemetry/metrics.h"
#include "telemetry/ops_server.h"

namespace waybill::dispatcher {

/// Ready when the database answers and every migration of this binary is applied.
telemetry::Readiness dispatcher_readiness(const std::string& conninfo);

/// Batches (the open ones and the last 20) with progress bars and rates, the workers seen in the
/// last minute, and links to /metrics, /healthz and /readyz. Plain HTML, no external assets.
std::string dispatcher_page(const std::string& conninfo);

}  // namespace waybill::dispatcher
