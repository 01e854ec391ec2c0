// `waybill plan`: asks the dispatcher for the tours of every depot of a routed batch, with a
// fleet file; with --wait, polls until every depot is planned (the same request again is
// answered with the same plan and its progress) and prints the plan's summary.
#include <zmq.hpp>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "cli/cli_options.h"
#include "cli/client_options.h"
#include "cli/regions.h"
#include "cli/commands.h"
#include "transport/client.h"

namespace waybill::cli {

namespace po = boost::program_options;
using namespace std::chrono_literals;

int plan_command(std::span<const std::string> args) {
  std::string endpoint = "tcp://127.0.0.1:7410", fleet_file, graph;
  std::uint64_t batch = 0;
  double time_limit_s = 10;
  int service_s = -1;
  po::options_description options(
      "waybill plan [--dispatcher ENDPOINT | --graph NAME] --batch N --fleet FLEET.csv [--time-limit S]\n"
      "             [--service-s S] [--wait]\n\n"
      "Plans every depot of a routed batch: which van takes which deliveries, in which order,\n"
      "arriving when. The workers plan the depots (a large one in parts) and the tours land in\n"
      "PostgreSQL: plan_summary, tour_plan, plan_unassigned. FLEET.csv, header required:\n"
      "  depot,vehicles,capacity_kg,capacity_parcels,shift_start,shift_end[,max_stops]\n"
      "(depot_lat,depot_lon in place of depot for a batch in coordinate form; shift times ISO 8601\n"
      "or HH:MM on the day of the batch's --depart-at, UTC). The same fleet file again for the\n"
      "same batch is the same plan.\n\nOptions");
  options.add_options()
      ("help,h", "show this help")
      ("dispatcher", po::value(&endpoint)->default_value(endpoint), "the dispatcher's client endpoint")
      ("batch", po::value(&batch), "the batch to plan")
      ("fleet", po::value(&fleet_file), "the fleet file")
      ("time-limit", po::value(&time_limit_s)->default_value(time_limit_s),
       "seconds of search for each depot (each part of a large one)")
      ("service-s", po::value(&service_s)->default_value(service_s),
       "seconds at each door for jobs without service_s (-1: 120)")
      ("wait", "wait until every depot is planned")
      ("graph", po::value(&graph), "ask the dispatcher of this graph's region (the regions file)");
  std::string key, server_key, regions;
  add_key_options(options, key, server_key);
  add_regions_option(options, regions);
  po::variables_map vm;
  if (auto status = parse_options(args, options, vm, "plan")) return *status;
  if (auto status = use_region(vm, graph, regions, endpoint, server_key, "plan")) return *status;
  if (batch == 0 || fleet_file.empty()) {
    std::cerr << "waybill plan: --batch and --fleet are required\n\n" << options << '\n';
    return 2;
  }
  std::ifstream in(fleet_file, std::ios::binary);
  if (!in) {
    std::cerr << "waybill plan: " << fleet_file << ": cannot open: " << std::strerror(errno) << '\n';
    return 2;
  }
  std::ostringstream text;
  text << in.rdbuf();
  const auto slash = fleet_file.find_last_of('/');
  const wire::PlanRequest request{batch, text.str(),
                                  slash == std::string::npos ? fleet_file : fleet_file.substr(slash + 1),
                                  time_limit_s, service_s};
  zmq::context_t context;
  transport::Client client(context, endpoint, key, server_key);
  bool first = true;
  for (;;) {
    const auto answer = client.request(request, 10s);
    const auto* reply = as<wire::PlanReply>(answer);
    if (!reply) {
      std::cerr << "waybill plan: no answer from the dispatcher at " << endpoint << '\n';
      return 1;
    }
    if (!reply->error.empty()) {
      std::cerr << "waybill plan: " << reply->error << '\n';
      return 2;
    }
    if (first) {
      std::cout << "plan " << reply->plan_id << (reply->existing ? " (asked before)" : "") << ": "
                << reply->parts << " parts\n";
      first = false;
    }
    if (reply->finished || !vm.count("wait")) {
      if (reply->finished) {
        std::cout << "plan " << reply->plan_id << ": done, " << reply->parts << " parts planned;"
                  << " see plan_summary, tour_plan and plan_unassigned where plan_id = " << reply->plan_id
                  << '\n';
      }
      return 0;
    }
    std::cerr << "plan " << reply->plan_id << ": " << reply->parts_done << " of " << reply->parts
              << " parts\n";
    std::this_thread::sleep_for(2s);
  }
}

}  // namespace waybill::cli
