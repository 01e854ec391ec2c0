// The `waybill` subcommands other than `route`. Each takes its arguments (without the command
// words) and returns the process exit status: 0 done, 1 failed, 2 usage error (`submit`'s own
// statuses are in cli/submit_command.h).
#pragma once

#include <iosfwd>
#include <span>
#include <string>

namespace waybill::cli {

int graph_import_command(std::span<const std::string> args);
int db_migrate_command(std::span<const std::string> args);
int submit_command(std::span<const std::string> args);
int status_command(std::span<const std::string> args);
int cancel_command(std::span<const std::string> args);
int batch_command(std::span<const std::string> args);
int plan_command(std::span<const std::string> args);
int gen_command(std::span<const std::string> args);
int keygen_command(std::span<const std::string> args);
int render_command(std::span<const std::string> args);
/// Reads sources from `in` without --sources; writes the matrix to `out`, problems to `err`.
int matrix_command(std::span<const std::string> args, std::istream& in, std::ostream& out,
                   std::ostream& err);

/// Reads the problem from `in` when FILE is '-'; writes the plan to `out` without -o.
int solve_command(std::span<const std::string> args, std::istream& in, std::ostream& out,
                  std::ostream& err);

}  // namespace waybill::cli
