// The operations endpoints (--metrics) as operators use them: a real Prometheus server scrapes
// the dispatcher and two workers through a batch, promtool checks every endpoint's output,
// /readyz follows PostgreSQL stopped and started again, the status page is rendered in headless
// Chromium, and hostile HTTP clients do not stop the routing.
//
// These tests stop the shared PostgreSQL of ops/test.sh for a while (ops/lib.sh pg_stop): ctest
// runs them alone (RUN_SERIAL).
#include <httplib.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <csignal>
#include <fstream>

#include "tests/integration/pipeline_fixture.h"

namespace waybill::test {
namespace {

using namespace std::chrono_literals;

/// "127.0.0.1:PORT" (built with append: GCC 12 warns falsely on "literal" + std::to_string).
std::string local(int port) { return std::string("127.0.0.1:").append(std::to_string(port)); }

/// GET path on 127.0.0.1:port: (status, body); status -1 when nothing answers.
std::pair<int, std::string> get(int port, const std::string& path) {
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(2);
  client.set_read_timeout(5);
  const auto res = client.Get(path.c_str());
  if (!res) return {-1, {}};
  return {res->status, res->body};
}

/// Runs a shell command; its exit status, its output in `out`.
int shell(const std::string& command, std::string& out) {
  out.clear();
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return -1;
  char buffer[4096];
  while (const std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) out.append(buffer, n);
  const int status = ::pclose(pipe);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

class OpsTest : public PipelineTest {
 protected:
  /// The dispatcher and `workers` workers, each with its endpoint on a port of its own.
  void start_all(int workers) {
    m_ports.push_back(free_port());
    start_dispatcher({"--insecure", "--metrics", local(m_ports[0])});
    for (int i = 1; i <= workers; ++i) {
      m_ports.push_back(free_port());
      start_worker(std::string("w").append(std::to_string(i)),
                   {"--insecure", "--metrics", local(m_ports.back())});
    }
    for (const int port : m_ports) {
      ASSERT_TRUE(eventually([&] { return get(port, "/readyz").first == 200; }, 60s))
          << "port " << port << ": " << get(port, "/readyz").second << "\n"
          << slurp(m_dir / "dispatcher.log");
    }
  }
  std::size_t count(const std::string& sql) { return query(sql)[0][0].as<std::size_t>(); }

  std::vector<int> m_ports;  // the dispatcher's, then the workers'
};

/// Stops the shared PostgreSQL; starts it again when it goes out of scope, whatever happened.
class PostgresOutage {
 public:
  PostgresOutage() { m_stopped = run("pg_stop") == 0; }
  ~PostgresOutage() { start(); }
  bool stopped() const { return m_stopped; }
  bool start() {
    if (!m_stopped) return true;
    m_stopped = run("pg_start") != 0;
    return !m_stopped;
  }

 private:
  static int run(const char* what) {
    std::string out;
    const int status = shell(std::string("bash '") + WAYBILL_SOURCE_DIR + "/ops/lib.sh' " + what, out);
    if (status != 0) ADD_FAILURE() << "ops/lib.sh " << what << ":\n" << out;
    return status;
  }
  bool m_stopped = false;
};

TEST_F(OpsTest, PrometheusScrapesTheDispatcherAndTwoWorkersThroughABatch) {
  start_all(2);
  // A real Prometheus on a private port and data folder, scraping the three every second.
  const int prometheus_port = free_port();
  const fs::path config = m_dir / "prometheus.yml";
  {
    std::ofstream out(config);
    out << "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n"
        << "  - job_name: dispatcher\n    static_configs:\n      - targets: ['127.0.0.1:"
        << m_ports[0] << "']\n"
        << "  - job_name: worker\n    static_configs:\n      - targets: ['127.0.0.1:" << m_ports[1]
        << "', '127.0.0.1:" << m_ports[2] << "']\n";
  }
  m_procs.emplace_back(std::make_unique<Process>(
      "/usr/bin/prometheus",
      std::vector<std::string>{"--config.file=" + config.string(),
                               "--storage.tsdb.path=" + (m_dir / "prometheus-data").string(),
                               "--web.listen-address=" + local(prometheus_port)},
      (m_dir / "prometheus.log").string()));

  const Batch batch = make_batch(3, 400, 300, 41);
  submit(batch, "batch.csv");
  const std::size_t ok = count("select count(*) from routes where batch_id = 1 and status = 0");
  const std::size_t unreachable = count("select count(*) from routes where batch_id = 1 and status = 1");
  ASSERT_GT(ok, 0u);
  ASSERT_GT(unreachable, 0u);  // the batch sends some jobs to the island

  // What Prometheus holds, through its HTTP API, equals what PostgreSQL holds.
  auto promql = [&](const std::string& expression) -> std::optional<double> {
    httplib::Client client("127.0.0.1", prometheus_port);
    const auto res = client.Get("/api/v1/query", httplib::Params{{"query", expression}}, {});
    if (!res || res->status != 200) return std::nullopt;
    const auto json = nlohmann::json::parse(res->body, nullptr, false);
    if (json.is_discarded() || json["data"]["result"].empty()) return std::nullopt;
    return std::stod(json["data"]["result"][0]["value"][1].get<std::string>());
  };
  auto settles_at = [&](const std::string& expression, double expected) {
    return eventually([&] { return promql(expression) == expected; }, 60s);
  };
  EXPECT_TRUE(settles_at("sum(waybill_jobs_routed_total{job=\"dispatcher\",graph=\"grid\"})", double(ok)))
      << promql("sum(waybill_jobs_routed_total)").value_or(-1) << " vs " << ok << "\n"
      << slurp(m_dir / "prometheus.log");
  EXPECT_TRUE(settles_at("sum(waybill_jobs_unreachable_total{graph=\"grid\"})", double(unreachable)));
  EXPECT_TRUE(settles_at("sum(waybill_jobs_accepted_total)", double(batch.accepted)));
  EXPECT_TRUE(settles_at("sum(waybill_jobs_rejected_total)", double(batch.rejects.size())));
  EXPECT_TRUE(settles_at("waybill_batches_finished_total", 1));
  EXPECT_TRUE(settles_at("sum(waybill_worker_jobs_answered_total)", double(batch.accepted)));
  EXPECT_TRUE(settles_at("count(up{job=\"worker\"} == 1)", 2));

  // promtool agrees that every endpoint speaks the exposition format by its conventions.
  for (const int port : m_ports) {
    const auto [status, body] = get(port, "/metrics");
    ASSERT_EQ(status, 200);
    const fs::path file = m_dir / (std::string("metrics-").append(std::to_string(port)) + ".txt");
    std::ofstream(file) << body;
    std::string out;
    EXPECT_EQ(shell("promtool check metrics < '" + file.string() + "'", out), 0)
        << "port " << port << ":\n" << out;
  }
}

TEST_F(OpsTest, ReadyzFollowsPostgreSQLAndHealthzStaysUp) {
  start_all(1);
  const int dispatcher = m_ports[0];
  EXPECT_EQ(get(dispatcher, "/readyz").second, "ready: database reachable, schema up to date\n");
  {
    PostgresOutage outage;
    ASSERT_TRUE(outage.stopped());
    EXPECT_TRUE(eventually([&] { return get(dispatcher, "/readyz").first == 503; }, 20s));
    const auto [status, body] = get(dispatcher, "/readyz");
    EXPECT_NE(body.find("not ready: database unreachable"), std::string::npos) << body;
    EXPECT_EQ(get(dispatcher, "/healthz").first, 200);  // the process and its loop are fine
    EXPECT_EQ(get(m_ports[1], "/healthz").first, 200);
    ASSERT_TRUE(outage.start());
  }
  EXPECT_TRUE(eventually([&] { return get(dispatcher, "/readyz").first == 200; }, 30s))
      << get(dispatcher, "/readyz").second;
  EXPECT_EQ(get(dispatcher, "/healthz").first, 200);
  // And the pipeline works again: a batch after the outage is routed.
  submit(make_batch(1, 200, 10, 43), "after.csv");
}

TEST_F(OpsTest, TheStatusPageShowsTheBatchInHeadlessChromium) {
  start_all(1);
  const Batch batch = make_batch(2, 300, 100, 42);
  submit(batch, "batch.csv");
  const std::string url = "http://" + local(m_ports[0]) + "/";
  const std::string chromium =
      "timeout 60 chromium --headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage ";
  std::string dom;
  ASSERT_EQ(shell(chromium + "--dump-dom " + url + " 2>/dev/null", dom), 0) << dom;
  EXPECT_NE(dom.find("<title>waybill dispatcher</title>"), std::string::npos) << dom;
  EXPECT_NE(dom.find("data-batch=\"1\""), std::string::npos) << dom;
  EXPECT_NE(dom.find("batch.csv"), std::string::npos) << dom;
  EXPECT_NE(dom.find("100.0%"), std::string::npos) << dom;
  EXPECT_NE(dom.find("w1"), std::string::npos) << dom;  // the worker seen
  const std::string png = std::string(WAYBILL_BUILD_DIR) + "/status-page.png";
  std::string out;
  ASSERT_EQ(shell(chromium + "--window-size=1200,700 --screenshot=" + png + " " + url, out), 0) << out;
  EXPECT_GT(fs::file_size(png), 5000u);
  // The worker's own page.
  const auto [status, page] = get(m_ports[1], "/");
  EXPECT_EQ(status, 200);
  EXPECT_NE(page.find("waybill worker w1"), std::string::npos) << page;
}

TEST_F(OpsTest, HostileHttpClientsDoNotStopTheRouting) {
  std::signal(SIGPIPE, SIG_IGN);  // this test's own client writes to sockets the server closes
  start_all(1);
  const int port = m_ports[0];
  // Slow clients: connections that send half a request and hold it.
  std::vector<int> slow;
  for (int i = 0; i < 12; ++i) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    const std::string half = "GET /metrics HTTP/1.1\r\nHost: x\r\n";
    ASSERT_GT(::send(fd, half.data(), half.size(), MSG_NOSIGNAL), 0);
    slow.push_back(fd);
  }
  // Routing goes on meanwhile: the endpoint's threads are not the loop.
  const Batch batch = make_batch(2, 300, 100, 44);
  submit(batch, "batch.csv");
  EXPECT_EQ(count("select count(*) from routes where batch_id = 1"), batch.accepted);
  for (const int fd : slow) ::close(fd);

  // Oversize headers, an unknown path, a method that is not GET, a body: refused, not served.
  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(10);
  const auto big = client.Get("/metrics", httplib::Headers{{"X-Big", std::string(64 * 1024, 'a')}});
  EXPECT_TRUE(!big || big->status >= 400);
  const auto unknown = client.Get("/../../etc/passwd");
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 404);
  const auto post = client.Post("/metrics", std::string(1 << 20, 'x'), "text/plain");
  EXPECT_TRUE(!post || post->status >= 400);
  // The endpoint serves again, and the dispatcher still routes.
  EXPECT_TRUE(eventually([&] { return get(port, "/metrics").first == 200; }, 20s));
  submit(make_batch(1, 200, 10, 45), "again.csv");
  EXPECT_EQ(get(port, "/healthz").first, 200);
}

}  // namespace
}  // namespace waybill::test
