#include "common/program.h"

#include <csignal>
#include <iostream>

namespace waybill {
namespace {

std::atomic<bool> g_stop{false};
extern "C" void on_signal(int) { g_stop = true; }

}  // namespace

const std::atomic<bool>& stop_on_signals() {
  std::signal(SIGTERM, on_signal);
  std::signal(SIGINT, on_signal);
  // A peer that hangs up mid-reply (an HTTP client of --metrics) is an error on that socket,
  // not the end of the process.
  std::signal(SIGPIPE, SIG_IGN);
  return g_stop;
}

std::optional<int> parse_command_line(int argc, char** argv,
                                      const boost::program_options::options_description& options,
                                      boost::program_options::variables_map& vm,
                                      std::string_view program) {
  namespace po = boost::program_options;
  try {
    po::store(po::parse_command_line(argc, argv, options), vm);
    if (vm.count("help")) {
      std::cout << options << '\n';
      return 0;
    }
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << program << ": " << e.what() << " (see --help)\n";
    return 2;
  }
  return std::nullopt;
}

LogLevel log_level(const boost::program_options::variables_map& vm) {
  return vm.count("verbose") ? LogLevel::debug : LogLevel::info;
}

std::optional<int> report_problems(std::string_view program,
                                   const std::vector<std::string>& problems) {
  for (const auto& p : problems) std::cerr << program << ": " << p << '\n';
  if (problems.empty()) return std::nullopt;
  return 2;
}

}  // namespace waybill
