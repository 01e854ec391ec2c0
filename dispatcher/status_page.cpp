#include "dispatcher/status_page.h"

#include <cstdio>
#include <exception>

#include "dispatcher/store.h"

namespace waybill::dispatcher {
namespace {

using telemetry::html_escape;

std::string fixed(double v, int decimals) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, v);
  return buffer;
}

constexpr const char* kStyle =
    "body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}"
    "table{border-collapse:collapse;margin-bottom:2em}"
    "th,td{padding:.3em .8em;border-bottom:1px solid #ddd;text-align:right}"
    "th:nth-child(2),td:nth-child(2){text-align:left}"
    ".bar{width:12em;height:.9em;background:#eee;display:inline-block;vertical-align:middle}"
    ".bar span{display:block;height:100%;background:#2a7ab9}"
    ".done span{background:#3a3}.error{color:#b00}";

}  // namespace

telemetry::Readiness dispatcher_readiness(const std::string& conninfo) {
  try {
    Store store(conninfo);
    const auto pending = store.pending_migrations();
    if (!pending.empty()) {
      return {false, std::to_string(pending.size()) + " migrations not applied (first: " +
                         pending.front() + ")"};
    }
    return {true, "database reachable, schema up to date"};
  } catch (const std::exception& e) {
    return {false, std::string("database unreachable: ") + e.what()};
  }
}

std::string dispatcher_page(const std::string& conninfo) {
  std::string html =
      "<!doctype html><html><head><meta charset=utf-8><meta http-equiv=refresh content=5>"
      "<title>waybill dispatcher</title><style>";
  html += kStyle;
  html += "</style></head><body><h1>waybill dispatcher</h1>"
          "<p><a href=/metrics>metrics</a> · <a href=/healthz>healthz</a> · "
          "<a href=/readyz>readyz</a> · refreshed every 5 s</p>";
  try {
    Store store(conninfo);
    html += "<h2>Batches</h2><table id=batches><tr><th>batch</th><th>file</th><th>graph</th>"
            "<th>progress</th><th>routed</th><th>accepted</th><th>rejected</th>"
            "<th>unreachable</th><th>jobs/s</th><th>elapsed s</th></tr>";
    for (const auto& b : store.batch_status(0)) {
      const double percent = b.accepted == 0 ? 100.0 : 100.0 * static_cast<double>(b.routed) /
                                                           static_cast<double>(b.accepted);
      const double rate = b.elapsed_s > 0 ? static_cast<double>(b.routed) / b.elapsed_s : 0;
      html += "<tr class=batch data-batch=" + std::to_string(b.batch_id) + "><td>" +
              std::to_string(b.batch_id) + "</td><td>" + html_escape(b.file_name) + "</td><td>" +
              html_escape(b.graph_name) + "</td><td><span class='bar" +
              (b.finished ? " done" : "") + "'><span style='width:" + fixed(percent, 1) +
              "%'></span></span> " + fixed(percent, 1) + "%</td><td>" +
              std::to_string(b.routed) + "</td><td>" + std::to_string(b.accepted) + "</td><td>" +
              std::to_string(b.rejected) + "</td><td>" + std::to_string(b.unreachable) +
              "</td><td>" + fixed(rate, 0) + "</td><td>" + fixed(b.elapsed_s, 1) + "</td></tr>";
    }
    html += "</table><h2>Workers seen in the last minute</h2><table id=workers><tr><th>#</th>"
            "<th>name</th><th>threads</th><th>jobs done</th><th>seen s ago</th></tr>";
    int n = 0;
    for (const auto& w : store.recent_workers(60)) {
      html += "<tr><td>" + std::to_string(++n) + "</td><td>" + html_escape(w.name) + "</td><td>" +
              std::to_string(w.threads) + "</td><td>" + std::to_string(w.jobs_done) +
              "</td><td>" + fixed(w.seen_s_ago, 0) + "</td></tr>";
    }
    html += "</table>";
  } catch (const std::exception& e) {
    html += "<p class=error>PostgreSQL: " + html_escape(e.what()) + "</p>";
  }
  return html + "</body></html>\n";
}

}  // namespace waybill::dispatcher
