// What the daemons' main() functions share (waybill-dispatcher, waybill-worker): the stop flag
// that SIGTERM and SIGINT set, and the command line with its exit statuses: 0 after --help, 2 for
// a usage error (a bad option, or a problem the config's validate() lists). A failure while
// running is main's own catch, exit status 1.
#pragma once

#include <boost/program_options.hpp>

#include <atomic>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/log.h"

namespace waybill {

/// From now on SIGTERM and SIGINT set the returned flag, which the daemon's loop polls to stop.
/// The flag is process-wide (a signal handler can reach nothing else): call this once, in main.
const std::atomic<bool>& stop_on_signals();

/// Parses the command line against `options` into `vm`. Returns the exit status when main is to
/// stop there: 0 after printing the help (--help), 2 after a usage error, printed on stderr as
/// "PROGRAM: ERROR (see --help)". nullopt: go on.
std::optional<int> parse_command_line(int argc, char** argv,
                                      const boost::program_options::options_description& options,
                                      boost::program_options::variables_map& vm,
                                      std::string_view program);

/// Adds the logging options both daemons take: --log-level debug|info|warn|error (info),
/// --log-format text|json (text), and -v/--verbose, short for --log-level debug. A value not in
/// the list is a usage error.
void add_log_options(boost::program_options::options_description& options);

/// The log level the command line asks for: debug with --verbose, else --log-level, else info.
LogLevel log_level(const boost::program_options::variables_map& vm);

/// How to log, as the command line asks (after add_log_options): level and format, on stderr.
LogOptions log_options(const boost::program_options::variables_map& vm);

/// Prints each problem that a config's validate() lists on stderr as "PROGRAM: PROBLEM". Returns
/// 2, a usage error, when there is any; nullopt: go on.
std::optional<int> report_problems(std::string_view program,
                                   const std::vector<std::string>& problems);

}  // namespace waybill
