// waybill-worker: routes the chunks of jobs a dispatcher leases to it.
#include <boost/program_options.hpp>
#include <zmq.hpp>

#include <cstdlib>
#include <iostream>
#include <thread>

#include <unistd.h>

#include "common/cache_dir.h"
#include "common/log.h"
#include "common/program.h"
#include "worker/worker.h"

namespace {

constexpr const char* kProgram = "waybill-worker";

std::string default_name() {
  char host[256] = "localhost";
  gethostname(host, sizeof host - 1);
  return std::string(host) + ":" + std::to_string(getpid());
}

}  // namespace

int main(int argc, char** argv) try {
  namespace po = boost::program_options;
  waybill::worker::WorkerConfig config;
  config.threads = std::max(1u, std::thread::hardware_concurrency());
  config.name = default_name();
  config.cache_dir = waybill::default_cache_dir();
  std::string cache_dir = config.cache_dir.string();
  std::size_t tree_cache_mb = config.tree_cache_bytes >> 20;
  po::options_description options(
      "waybill-worker [options]\n\nJoins a dispatcher, fetches its road graph (kept in a local "
      "cache for the next start),\nand routes the chunks of jobs it is leased. SIGTERM or SIGINT "
      "drains it: it finishes\nthe chunks it holds, reports them, and exits 0.\n\nOptions");
  options.add_options()
      ("help,h", "show this help")
      ("dispatcher", po::value(&config.dispatcher)->default_value(config.dispatcher),
       "the dispatcher's worker endpoint")
      ("threads", po::value(&config.threads)->default_value(config.threads),
       "routing threads (default: one per core)")
      ("name", po::value(&config.name)->default_value(config.name), "name shown to operators")
      ("cache-dir", po::value(&cache_dir)->default_value(cache_dir),
       "where fetched graphs are kept, and the trees the workers of this host share\n"
       "(trees/<graph hash>/); '' to keep none")
      ("tree-cache-mb", po::value(&tree_cache_mb)->default_value(tree_cache_mb),
       "memory for cached shortest-path trees, MiB; also the most the shared tree files\n"
       "of a graph take on disk")
      ("landmarks", po::value(&config.landmarks)->default_value(config.landmarks),
       "ALT landmarks for goal-directed search")
      ("heartbeat-ms", po::value(&config.heartbeat_ms)->default_value(config.heartbeat_ms),
       "heartbeat interval")
      ("liveness", po::value(&config.liveness)->default_value(config.liveness),
       "missed heartbeats before reconnecting")
      ("key", po::value(&config.key_file), "this worker's CurveZMQ key pair file (waybill keygen)")
      ("dispatcher-key", po::value(&config.dispatcher_key),
       "the dispatcher's public key: 40 Z85 characters, or its .pub file")
      ("insecure", po::bool_switch(&config.insecure), "plain TCP, without CurveZMQ")
      ("metrics", po::value(&config.metrics),
       "HOST:PORT to serve /metrics (Prometheus), /healthz, /readyz and a status page at / "
       "over HTTP (off when absent; plain HTTP: bind it to a private address)");
  waybill::add_log_options(options);
  po::variables_map vm;
  if (auto status = waybill::parse_command_line(argc, argv, options, vm, kProgram)) return *status;
  config.cache_dir = cache_dir;
  config.tree_cache_bytes = tree_cache_mb << 20;
  if (auto status = waybill::report_problems(kProgram, config.validate())) return *status;
  waybill::Logger log("worker", waybill::log_options(vm), {.worker = config.name});
  const auto& stop = waybill::stop_on_signals();
  zmq::context_t context;
  log.info("joining ", config.dispatcher, " with ", config.threads, " threads");
  int status = 1;
  try {
    status = waybill::worker::run_worker(config, context, log, stop);
  } catch (const std::exception& e) {
    log.error(e.what());  // in the format chosen, as every other line
    return 1;
  }
  log.flush();  // repeats still being counted are summed up before the last line
  log.info("stopped");
  return status;
} catch (const std::exception& e) {
  std::cerr << kProgram << ": " << e.what() << '\n';
  return 1;
}
