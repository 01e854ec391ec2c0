// `waybill route`: answers origin,destination lines of node ids, and
// origin_lat,origin_lon,dest_lat,dest_lon lines of points snapped to the roads, from stdin with
// the router library.
#pragma once

#include <iosfwd>
#include <span>
#include <string>

namespace waybill::cli {

/// Runs `waybill route` with its arguments (without the subcommand name). Reads queries from
/// `in`, writes answers to `out` and problems to `err`. Returns the exit status: 0 when every
/// line was answered, 1 when some line was bad, 2 on a usage or file error.
int route_command(std::span<const std::string> args, std::istream& in, std::ostream& out,
                  std::ostream& err);

}  // namespace waybill::cli
