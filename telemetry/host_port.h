// The address of an operations endpoint (--metrics HOST:PORT).
#pragma once

#include <string>
#include <utility>

namespace waybill::telemetry {

/// "HOST:PORT" split (an IPv6 host in brackets: "[::1]:9464"); PORT 0 means any free port.
/// Throws std::invalid_argument naming the text when it is not that.
std::pair<std::string, int> parse_host_port(const std::string& text);

}  // namespace waybill::telemetry
