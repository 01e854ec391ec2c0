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

// Boost.Program_options reads a LogLevel or a LogFormat with these (found by argument-dependent
// lookup); anything else is "the argument ('loud') for option '--log-level' is invalid".
void validate(boost::any& v, const std::vector<std::string>& values, LogLevel*, int) {
  namespace po = boost::program_options;
  po::validators::check_first_occurrence(v);
  const auto level = parse_log_level(po::validators::get_single_string(values));
  if (!level) throw po::invalid_option_value(po::validators::get_single_string(values));
  v = *level;
}

void validate(boost::any& v, const std::vector<std::string>& values, LogFormat*, int) {
  namespace po = boost::program_options;
  po::validators::check_first_occurrence(v);
  const auto format = parse_log_format(po::validators::get_single_string(values));
  if (!format) throw po::invalid_option_value(po::validators::get_single_string(values));
  v = *format;
}

void add_log_options(boost::program_options::options_description& options) {
  namespace po = boost::program_options;
  options.add_options()
      ("log-level", po::value<LogLevel>()->default_value(LogLevel::info, "info"),
       "debug, info, warn or error: lines below it are not written")
      ("log-format", po::value<LogFormat>()->default_value(LogFormat::text, "text"),
       "text, or json: one JSON object per line (time, level, process, msg, and batch, chunk, "
       "plan, depot, worker where they apply)")
      ("verbose,v", "log debug lines: --log-level debug");
}

LogLevel log_level(const boost::program_options::variables_map& vm) {
  if (vm.count("verbose")) return LogLevel::debug;
  if (vm.count("log-level")) return vm["log-level"].as<LogLevel>();
  return LogLevel::info;
}

LogOptions log_options(const boost::program_options::variables_map& vm) {
  LogOptions options;
  options.level = log_level(vm);
  if (vm.count("log-format")) options.format = vm["log-format"].as<LogFormat>();
  return options;
}

std::optional<int> report_problems(std::string_view program,
                                   const std::vector<std::string>& problems) {
  for (const auto& p : problems) std::cerr << program << ": " << p << '\n';
  if (problems.empty()) return std::nullopt;
  return 2;
}

}  // namespace waybill
