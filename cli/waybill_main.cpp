// `waybill`: the operator's command line. Each subcommand lives in its own file.
#include <iostream>
#include <span>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/route_command.h"

namespace {

constexpr const char* kUsage =
    "usage: waybill COMMAND [options]\n"
    "\n"
    "commands:\n"
    "  route          answer origin,destination queries from stdin on a DIMACS or OSM graph\n"
    "  matrix         costs from every source to every destination, from the graph's hierarchy\n"
    "  solve          plan the tours of one vehicle-routing problem (.vrp, Solomon, VROOM JSON)\n"
    "  graph import   store a DIMACS or OpenStreetMap road graph in PostgreSQL\n"
    "  db migrate     apply the sql/ migrations\n"
    "  submit         stream a batch file to the dispatcher (--wait: until routed)\n"
    "  status         batches, their progress, and the workers\n"
    "  cancel         stop a batch's routing; its unrouted jobs become 'cancelled'\n"
    "  batch archive  write a finished batch to a file; batch restore loads it back\n"
    "  batch drop     drop a finished batch's jobs, routes, rejects and plans\n"
    "  plan           plan the tours of every depot of a routed batch (--wait: until planned)\n"
    "  gen            write a realistic batch file for demos and benchmarks\n"
    "  render         draw a batch's routes on its road network (SVG or PNG)\n"
    "  keygen         write a CurveZMQ key pair\n"
    "\n"
    "'waybill COMMAND --help' describes a command.\n";

}  // namespace

int main(int argc, char** argv) try {
  const std::vector<std::string> words(argv + 1, argv + argc);
  if (words.empty() || words[0] == "--help" || words[0] == "-h") {
    std::cout << kUsage;
    return words.empty() ? 2 : 0;
  }
  const std::string& command = words[0];
  const std::span<const std::string> rest(words.begin() + 1, words.end());
  using namespace waybill::cli;
  if (command == "route") return route_command(rest, std::cin, std::cout, std::cerr);
  if (command == "submit") return submit_command(rest);
  if (command == "status") return status_command(rest);
  if (command == "cancel") return cancel_command(rest);
  if (command == "batch") return batch_command(rest);
  if (command == "plan") return plan_command(rest);
  if (command == "gen") return gen_command(rest);
  if (command == "keygen") return keygen_command(rest);
  if (command == "render") return render_command(rest);
  if (command == "solve") return solve_command(rest, std::cin, std::cout, std::cerr);
  if (command == "matrix") return matrix_command(rest, std::cin, std::cout, std::cerr);
  if ((command == "graph" || command == "db") && rest.empty()) {
    std::cerr << "waybill " << command << ": missing subcommand\n" << kUsage;
    return 2;
  }
  if (command == "graph" && rest[0] == "import") return graph_import_command(rest.subspan(1));
  if (command == "db" && rest[0] == "migrate") return db_migrate_command(rest.subspan(1));
  std::cerr << "waybill: unknown command '" << command << "'\n" << kUsage;
  return 2;
} catch (const std::exception& e) {
  std::cerr << "waybill: " << e.what() << '\n';
  return 1;
}
