// `waybill`: the operator's command line. Each subcommand lives in its own file.
#include <iostream>
#include <span>
#include <string>
#include <vector>

#include "dispatcher/route_command.h"

namespace {

constexpr const char* kUsage =
    "usage: waybill COMMAND [options]\n"
    "\n"
    "commands:\n"
    "  route    answer origin,destination queries from stdin on a DIMACS graph\n"
    "\n"
    "'waybill COMMAND --help' describes a command.\n";

}  // namespace

int main(int argc, char** argv) try {
  if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h") {
    std::cout << kUsage;
    return argc < 2 ? 2 : 0;
  }
  const std::string command = argv[1];
  const std::vector<std::string> args(argv + 2, argv + argc);
  if (command == "route") return waybill::cli::route_command(args, std::cin, std::cout, std::cerr);
  std::cerr << "waybill: unknown command '" << command << "'\n" << kUsage;
  return 2;
} catch (const std::exception& e) {
  std::cerr << "waybill: " << e.what() << '\n';
  return 3;
}
