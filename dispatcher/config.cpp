#include "dispatcher/config.h"

#include <stdexcept>

#include "telemetry/host_port.h"

namespace waybill::dispatcher {

std::vector<std::string> DispatcherConfig::validate() const {
  std::vector<std::string> problems;
  if (clients.empty()) problems.push_back("--clients is empty");
  if (workers.empty()) problems.push_back("--workers is empty");
  if (clients == workers) problems.push_back("--clients and --workers must differ");
  if (max_receiving == 0 || max_receiving > 64) problems.push_back("--max-receiving must be 1..64");
  if (segment_lines == 0) problems.push_back("--segment-lines must be at least 1");
  if (segment_ms < 1) problems.push_back("--segment-ms must be at least 1");
  if (chunk_size == 0 || chunk_size > 1'000'000) problems.push_back("--chunk-size must be 1..1000000");
  if (lone_chunk_size == 0 || lone_chunk_size > 1'000'000) {
    problems.push_back("--lone-chunk-size must be 1..1000000");
  }
  if (lease_ms < 100) problems.push_back("--lease-ms must be at least 100");
  if (heartbeat_ms < 10) problems.push_back("--heartbeat-ms must be at least 10");
  if (liveness < 2) problems.push_back("--liveness must be at least 2");
  if (max_attempts < 1 || max_attempts > 1000) problems.push_back("--max-attempts must be 1..1000");
  if (max_lost_leases < 1 || max_lost_leases > 1000) {
    problems.push_back("--max-lost-leases must be 1..1000");
  }
  if (max_message_bytes < (1 << 16)) problems.push_back("--max-message-bytes must be at least 65536");
  if (!metrics.empty()) {
    try {
      telemetry::parse_host_port(metrics);
    } catch (const std::invalid_argument& e) {
      problems.push_back(std::string("--metrics: ") + e.what());
    }
  }
  if (!insecure && (key_file.empty() || allow_file.empty())) {
    problems.push_back("CurveZMQ needs --key and --allow (waybill keygen makes keys); "
                       "--insecure runs plain TCP instead");
  }
  return problems;
}

}  // namespace waybill::dispatcher
