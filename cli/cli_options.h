// Option parsing shared by the `waybill` subcommands (Boost.Program_options).
#pragma once

#include <boost/program_options.hpp>

#include <iostream>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace waybill::cli {

/// Parses `args` into `vm` against `options`, the one word without an option going to the option
/// named `positional` (if any); prints the help or the error. Returns the exit status when the
/// command should stop here (0 after --help, 2 on a usage error).
inline std::optional<int> parse_options(std::span<const std::string> args,
                                        const boost::program_options::options_description& options,
                                        boost::program_options::variables_map& vm,
                                        const char* command, const char* positional = nullptr) {
  namespace po = boost::program_options;
  try {
    po::command_line_parser parser(std::vector<std::string>(args.begin(), args.end()));
    parser.options(options);
    po::positional_options_description one_word;
    if (positional) parser.positional(one_word.add(positional, 1));
    po::store(parser.run(), vm);
    if (vm.count("help")) {
      std::cout << options << '\n';
      return 0;
    }
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "waybill " << command << ": " << e.what() << "\n\n" << options << '\n';
    return 2;
  }
  return std::nullopt;
}

}  // namespace waybill::cli
