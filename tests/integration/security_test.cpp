// CurveZMQ on both dispatcher sockets: only keys on the allow-list may submit or take work, and
// plain TCP needs an explicit --insecure.
#include "tests/integration/pipeline_fixture.h"

namespace waybill::test {
namespace {

using namespace std::chrono_literals;

class SecurityTest : public PipelineTest {
 protected:
  void SetUp() override {
    PipelineTest::SetUp();
    for (const char* who : {"dispatcher", "worker", "client", "stranger"}) {
      ASSERT_EQ(run(WAYBILL_CLI, {"keygen", key(who)}, (m_dir / "keygen.log").string()), 0)
          << slurp(m_dir / "keygen.log");
    }
    std::ofstream(m_dir / "allow") << "# admitted\n"
                                   << slurp(key("worker") + ".pub") << slurp(key("client") + ".pub");
  }
  std::string key(const std::string& who) const { return (m_dir / who).string(); }
  std::vector<std::string> dispatcher_keys() const {
    return {"--key", key("dispatcher") + ".key", "--allow", (m_dir / "allow").string()};
  }
  std::vector<std::string> keys_of(const std::string& who) const {
    return {"--key", key(who) + ".key", "--dispatcher-key", key("dispatcher") + ".pub"};
  }
  std::size_t routes() { return query("select count(*) from routes")[0][0].as<std::size_t>(); }
};

TEST_F(SecurityTest, AnUnknownKeyCanNeitherSubmitNorTakeWork) {
  start_dispatcher(dispatcher_keys());
  start_worker("stranger", keys_of("stranger"));
  const Batch batch = make_batch(2, 100, 50, 11);

  // A client with an unknown key is refused at the handshake: told so at once (status 2), not
  // tried again as if the dispatcher were away.
  auto extra = keys_of("stranger");
  extra.insert(extra.end(), {"--attempts", "5", "--timeout-ms", "10000"});
  const auto asked = std::chrono::steady_clock::now();
  const auto [refused, output] = try_submit(batch, "stranger.csv", extra, 30s);
  EXPECT_EQ(refused, 2) << output;
  EXPECT_LT(std::chrono::steady_clock::now() - asked, 5s) << output;
  EXPECT_NE(output.find("refused this client's key"), std::string::npos) << output;
  EXPECT_EQ(output.find("retrying"), std::string::npos) << output;
  EXPECT_EQ(query("select count(*) from batches")[0][0].as<int>(), 0);

  // An admitted client submits; the unknown worker gets none of the work.
  const auto [stored, stored_output] = try_submit(batch, "batch.csv", keys_of("client"), 30s);
  ASSERT_EQ(stored, stored_status(batch)) << stored_output;
  std::this_thread::sleep_for(3s);
  EXPECT_EQ(routes(), 0u);
  EXPECT_NE(slurp(m_dir / "dispatcher.log").find("is not on the allow-list"), std::string::npos);

  // An admitted worker does it all.
  start_worker("worker", keys_of("worker"));
  EXPECT_TRUE(eventually([&] { return routes() == batch.accepted; }, 60s));
  EXPECT_EQ(query("select count(*) from job_routes where worker = 'worker'")[0][0].as<std::size_t>(),
            batch.accepted);
  EXPECT_EQ(slurp(m_dir / "stranger.log").find("ready"), std::string::npos);
}

TEST_F(SecurityTest, PlainTcpNeedsAnExplicitInsecureFlag) {
  Process& dispatcher = start_dispatcher({});
  EXPECT_EQ(dispatcher.wait_for(10s), 2);
  EXPECT_NE(slurp(m_dir / "dispatcher.log").find("--insecure"), std::string::npos);
  Process& worker = start_worker("w", {});
  EXPECT_EQ(worker.wait_for(10s), 2);
}

TEST_F(SecurityTest, KeygenWritesAPrivateKeyFile) {
  const auto perms = fs::status(key("client") + ".key").permissions();
  EXPECT_EQ(perms & (fs::perms::group_all | fs::perms::others_all), fs::perms::none);
  EXPECT_EQ(slurp(key("client") + ".pub").size(), 41u);  // 40 Z85 characters and a newline
}

}  // namespace
}  // namespace waybill::test
