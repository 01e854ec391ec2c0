// `waybill cancel BATCH`: stops a batch's routing. Its jobs not routed by then get status
// cancelled (route_status 5) and the batch is finished; the other batches are not disturbed.
#include <zmq.hpp>

#include <chrono>
#include <iostream>

#include "cli/cli_options.h"
#include "cli/client_options.h"
#include "cli/regions.h"
#include "cli/commands.h"
#include "transport/client.h"

namespace waybill::cli {
namespace po = boost::program_options;
using namespace std::chrono_literals;

int cancel_command(std::span<const std::string> args) {
  std::string endpoint = "tcp://127.0.0.1:7410";
  std::string graph;
  std::uint64_t batch = 0;
  po::options_description options(
      "waybill cancel [--dispatcher ENDPOINT | --graph NAME] BATCH\n\nStops the routing of a batch: its jobs not "
      "routed yet get status 'cancelled'\n(select * from job_routes where status = 'cancelled'), "
      "and the batch is finished.\nOther batches are not disturbed.\n\nOptions");
  options.add_options()
      ("help,h", "show this help")
      ("dispatcher", po::value(&endpoint)->default_value(endpoint), "the dispatcher's client endpoint")
      ("batch", po::value(&batch), "the batch to cancel")
      ("graph", po::value(&graph), "ask the dispatcher of this graph's region (the regions file)");
  std::string key, server_key, regions;
  add_key_options(options, key, server_key);
  add_regions_option(options, regions);
  po::variables_map vm;
  if (auto status = parse_options(args, options, vm, "cancel", "batch")) return *status;
  if (auto status = use_region(vm, graph, regions, endpoint, server_key, "cancel")) return *status;
  if (batch == 0) {
    std::cerr << "waybill cancel: which batch? (waybill cancel BATCH)\n\n" << options << '\n';
    return 2;
  }
  zmq::context_t context;
  transport::Client client(context, endpoint, key, server_key);
  const auto answer = client.request(wire::CancelRequest{batch}, 30s);
  const auto* reply = as<wire::CancelReply>(answer);
  if (!reply) {
    std::cerr << "waybill cancel: no answer from the dispatcher at " << endpoint << '\n';
    return 1;
  }
  if (!reply->error.empty()) {
    std::cerr << "waybill cancel: " << reply->error << '\n';
    return 1;
  }
  std::cout << "batch " << batch << ": cancelled; " << reply->cancelled
            << " jobs were not routed and have status 'cancelled'\n";
  return 0;
}

}  // namespace waybill::cli
