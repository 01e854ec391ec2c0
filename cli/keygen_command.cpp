// `waybill keygen`: a CurveZMQ key pair for a dispatcher, a worker or a client.
#include <iostream>

#include "cli/cli_options.h"
#include "cli/commands.h"
#include "transport/curve.h"

namespace waybill::cli {
namespace po = boost::program_options;

int keygen_command(std::span<const std::string> args) {
  std::string prefix;
  po::options_description options(
      "waybill keygen PREFIX\n\nWrites a CurveZMQ key pair: PREFIX.key (public and secret key, "
      "mode 0600) for the\nprocess that owns it (--key), and PREFIX.pub, the public key alone, "
      "to give out:\nthe dispatcher's to its workers and clients (--dispatcher-key), theirs to "
      "the\ndispatcher's allow-list (--allow, one key per line).\n\nOptions");
  options.add_options()
      ("help,h", "show this help")
      ("prefix", po::value(&prefix)->required(), "path and name of the two files, without suffix");
  po::variables_map vm;
  if (auto status = parse_options(args, options, vm, "keygen", "prefix")) return *status;
  try {
    const auto keys = transport::generate_key_pair();
    transport::write_key_pair(prefix, keys);
    std::cout << keys.public_key << '\n';
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "waybill keygen: " << e.what() << '\n';
    return 1;
  }
}

}  // namespace waybill::cli
