#include "telemetry/ops_server.h"

#include <httplib.h>

#include <stdexcept>
#include <utility>

namespace waybill::telemetry {
namespace {

constexpr int kThreads = 4;            // connections served at once; more wait in the queue
constexpr int kIoTimeoutS = 3;         // a client that sends or reads slower than this is dropped
constexpr std::size_t kMaxBody = 1024;  // requests are GETs: a body is refused past this

void reply(httplib::Response& res, int status, std::string body, const char* type = "text/plain") {
  res.status = status;
  res.set_content(std::move(body), type);
}

}  // namespace

std::string html_escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

OpsServer::OpsServer(const std::string& host_port, const metrics::Registry& registry,
                     const LoopBeat& beat, Handlers handlers, std::chrono::milliseconds stall_after)
    : m_server(std::make_unique<httplib::Server>()) {
  const auto [host, port] = parse_host_port(host_port);
  httplib::Server& s = *m_server;
  s.new_task_queue = [] { return new httplib::ThreadPool(kThreads); };
  s.set_read_timeout(kIoTimeoutS, 0);
  s.set_write_timeout(kIoTimeoutS, 0);
  s.set_keep_alive_timeout(kIoTimeoutS);
  s.set_keep_alive_max_count(100);
  s.set_payload_max_length(kMaxBody);

  s.Get("/metrics", [&registry](const httplib::Request&, httplib::Response& res) {
    reply(res, 200, registry.exposition(), "text/plain; version=0.0.4; charset=utf-8");
  });
  s.Get("/healthz", [&beat, stall_after](const httplib::Request&, httplib::Response& res) {
    const auto silence = beat.silence_ms();
    if (silence <= stall_after.count()) {
      reply(res, 200, "ok: the loop turned " + std::to_string(silence) + " ms ago\n");
    } else {
      reply(res, 503, "stalled: the loop has not turned for " + std::to_string(silence) + " ms\n");
    }
  });
  s.Get("/readyz", [ready = handlers.ready](const httplib::Request&, httplib::Response& res) {
    Readiness r;
    try {
      r = ready ? ready() : Readiness{true, "ready"};
    } catch (const std::exception& e) {
      r = {false, e.what()};
    }
    reply(res, r.ready ? 200 : 503, (r.ready ? "ready: " : "not ready: ") + r.reason + "\n");
  });
  s.Get("/", [page = handlers.page](const httplib::Request&, httplib::Response& res) {
    try {
      reply(res, 200, page ? page() : std::string("<!doctype html><title>waybill</title>"),
            "text/html; charset=utf-8");
    } catch (const std::exception& e) {
      reply(res, 500, std::string("status page: ") + e.what() + "\n");
    }
  });
  s.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    if (res.status == 404) {
      res.set_content("no such page: " + req.path + " (try /, /metrics, /healthz, /readyz)\n",
                      "text/plain");
    }
  });

  m_port = port == 0 ? s.bind_to_any_port(host) : (s.bind_to_port(host, port) ? port : -1);
  if (m_port <= 0) {
    throw std::runtime_error("--metrics " + host_port + ": cannot listen there (address in use, "
                             "or not an address of this host)");
  }
  m_thread = std::thread([this] { m_server->listen_after_bind(); });
}

OpsServer::~OpsServer() {
  m_server->stop();
  if (m_thread.joinable()) m_thread.join();
}

}  // namespace waybill::telemetry
