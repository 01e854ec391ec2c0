// waybill-dispatcher: takes batch files from clients, leases their chunks to workers, keeps all
// state in PostgreSQL.
#include <boost/program_options.hpp>
#include <zmq.hpp>

#include <iostream>

#include "dispatcher/dispatcher.h"
#include "common/log.h"
#include "common/program.h"

namespace {
constexpr const char* kProgram = "waybill-dispatcher";
}  // namespace

int main(int argc, char** argv) try {
  namespace po = boost::program_options;
  waybill::dispatcher::DispatcherConfig c;
  po::options_description options(
      "waybill-dispatcher [options]\n\nApplies the sql/ migrations, resumes unfinished batches, "
      "then serves clients\n(waybill submit/status) and workers (waybill-worker). SIGTERM or "
      "SIGINT stops it\nafter persisting the routes it holds; leased chunks go to workers again "
      "after a\nrestart.\n\nOptions");
  options.add_options()
      ("help,h", "show this help")
      ("db", po::value(&c.db)->default_value(c.db),
       "PostgreSQL conninfo (default: libpq's PG* environment variables)")
      ("clients", po::value(&c.clients)->default_value(c.clients), "endpoint for clients")
      ("workers", po::value(&c.workers)->default_value(c.workers), "endpoint for workers")
      ("chunk-size", po::value(&c.chunk_size)->default_value(c.chunk_size), "jobs per lease")
      ("lone-chunk-size", po::value(&c.lone_chunk_size)->default_value(c.lone_chunk_size),
       "jobs per lease in a batch whose jobs mostly have origins of their own (each is routed "
       "by its own search)")
      ("lease-ms", po::value(&c.lease_ms)->default_value(c.lease_ms),
       "a lease not answered in this time goes to another worker")
      ("heartbeat-ms", po::value(&c.heartbeat_ms)->default_value(c.heartbeat_ms),
       "heartbeat interval, both ways")
      ("liveness", po::value(&c.liveness)->default_value(c.liveness),
       "missed heartbeats before a worker counts as dead")
      ("max-attempts", po::value(&c.max_attempts)->default_value(c.max_attempts),
       "failures workers report on a chunk before its jobs are stored as failed, with the "
       "reason in job_routes.detail")
      ("max-lost-leases", po::value(&c.max_lost_leases)->default_value(c.max_lost_leases),
       "leases of a chunk lost with their worker (died, fell silent, lease expired) before its "
       "jobs are stored as failed")
      ("flush-rows", po::value(&c.flush_rows)->default_value(c.flush_rows),
       "persist routes once this many wait")
      ("flush-ms", po::value(&c.flush_ms)->default_value(c.flush_ms),
       "... or once the oldest waited this long")
      ("max-message-bytes", po::value(&c.max_message_bytes)->default_value(c.max_message_bytes),
       "larger incoming messages are refused")
      ("key", po::value(&c.key_file), "the dispatcher's CurveZMQ key pair file (waybill keygen)")
      ("allow", po::value(&c.allow_file),
       "allow-list: public keys of the workers and clients admitted, one per line")
      ("max-receiving", po::value(&c.max_receiving)->default_value(c.max_receiving),
       "batches received at once, each on a PostgreSQL connection of its own; more submitters "
       "wait in a queue and are told their place")
      ("segment-lines", po::value(&c.segment_lines)->default_value(c.segment_lines),
       "a batch streaming in is made durable (and routed) in segments: one at this many lines")
      ("segment-ms", po::value(&c.segment_ms)->default_value(c.segment_ms),
       "... or once it is this old with a chunk of jobs in it (each later one may be twice as "
       "old as the one before, up to 64 times this)")
      ("insecure", po::bool_switch(&c.insecure), "plain TCP without CurveZMQ: anyone may connect")
      ("metrics", po::value(&c.metrics),
       "HOST:PORT to serve /metrics (Prometheus), /healthz, /readyz and a status page at / "
       "over HTTP (off when absent; plain HTTP: bind it to a private address)");
  waybill::add_log_options(options);
  po::variables_map vm;
  if (auto status = waybill::parse_command_line(argc, argv, options, vm, kProgram)) return *status;
  if (auto status = waybill::report_problems(kProgram, c.validate())) return *status;
  waybill::Logger log("dispatcher", waybill::log_options(vm));
  const auto& stop = waybill::stop_on_signals();
  zmq::context_t context;
  int status = 1;
  try {
    status = waybill::dispatcher::run_dispatcher(c, context, log, stop);
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
