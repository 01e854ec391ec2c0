// `waybill submit` without a dispatcher: which failures of the dispatcher it tries again, and
// the refusals it makes itself before any connection (a file that is not a batch file, one that
// cannot be read, a bad key file), with exit status 2 and the file named.
#include "cli/submit_command.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "cli/commands.h"

namespace waybill::cli {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

TEST(SubmitErrors, OnlyTheDispatchersTransientFailuresAreTriedAgain) {
  // The texts of dispatcher/core_submit.cpp and core.cpp, verbatim.
  for (const char* transient :
       {"database unavailable; retry", "unknown submit (the dispatcher restarted?); start over",
        "database: terminating connection due to administrator command; start over"}) {
    EXPECT_TRUE(transient_submit_error(transient)) << transient;
  }
  for (const char* permanent :
       {"no graph named 'nyc'; import it with 'waybill graph import'",
        "refused: ERROR:  invalid byte sequence for encoding \"UTF8\"",
        "content hash must be 64 lower-case hex digits",
        "snap radius must be more than 0 and at most 100000 m", "part 5 arrived, expected 3"}) {
    EXPECT_FALSE(transient_submit_error(permanent)) << permanent;
  }
}

class SubmitCommandTest : public ::testing::Test {
 protected:
  SubmitCommandTest()
      : m_dir(fs::temp_directory_path() / ("waybill_submit_" + std::to_string(::getpid()))) {
    fs::remove_all(m_dir);
    fs::create_directories(m_dir);
  }
  ~SubmitCommandTest() override { fs::remove_all(m_dir); }

  std::string file(const std::string& name, std::string_view bytes) {
    std::ofstream(m_dir / name, std::ios::binary).write(bytes.data(), bytes.size());
    return (m_dir / name).string();
  }

  /// Runs `waybill submit` at a port nobody listens on, with time enough to notice if it tried
  /// to connect; returns the exit status and stderr.
  std::pair<int, std::string> submit(std::vector<std::string> args) {
    args.insert(args.end(), {"--graph", "grid", "--dispatcher", "tcp://127.0.0.1:1", "--attempts",
                             "1", "--timeout-ms", "3000"});
    ::testing::internal::CaptureStderr();
    const auto t0 = std::chrono::steady_clock::now();
    const int status = submit_command(args);
    const auto took = std::chrono::steady_clock::now() - t0;
    std::string err = ::testing::internal::GetCapturedStderr();
    EXPECT_LT(took, std::chrono::seconds(2)) << "the dispatcher was asked: " << err;
    return {status, err};
  }

  fs::path m_dir;
};

TEST_F(SubmitCommandTest, NotABatchFileIsRefusedBeforeTheDispatcherIsAsked) {
  for (const auto& [name, bytes, why] :
       std::vector<std::tuple<std::string, std::string, std::string>>{
           {"empty.csv", "", "it is empty"},
           {"header.csv", "order_id,origin,destination\n", "it holds a header and no jobs"},
           {"semicolons.csv", "order_id;origin;destination\nJ1;1;2\n", "separated by ';'"},
           {"no-header.csv", "J1,1,2\n", "the first line must name the columns"},
       }) {
    const std::string path = file(name, bytes);
    const auto [status, err] = submit({path});
    EXPECT_EQ(status, kRefused) << err;
    EXPECT_THAT(err,
                HasSubstr("waybill submit: " + path + ": not a batch file, nothing submitted: "));
    EXPECT_THAT(err, HasSubstr(why));
    EXPECT_THAT(err, Not(HasSubstr("retrying")));
  }
}

TEST_F(SubmitCommandTest, AFileThatCannotBeReadIsRefused) {
  const auto [status, err] = submit({(m_dir / "missing.csv").string()});
  EXPECT_EQ(status, kRefused);
  EXPECT_THAT(err, HasSubstr("missing.csv: cannot open: No such file or directory"));
}

TEST_F(SubmitCommandTest, ABadKeyFileIsRefused) {
  const std::string batch = file("day.csv", "order_id,origin,destination\nJ1,1,2\n");
  const auto [status, err] = submit({batch, "--key", (m_dir / "nokey.key").string(),
                                     "--dispatcher-key", (m_dir / "nokey.pub").string()});
  EXPECT_EQ(status, kRefused);
  EXPECT_THAT(err, HasSubstr("nokey.key: cannot open the key file"));
}

TEST_F(SubmitCommandTest, UsageErrorsAreStatusTwo) {
  const std::string batch = file("day.csv", "order_id,origin,destination\nJ1,1,2\n");
  EXPECT_EQ(submit({batch, "--depart-at", "tomorrow"}).first, kRefused);
  EXPECT_EQ(submit({batch, "--snap-radius-m", "0"}).first, kRefused);
  EXPECT_EQ(submit({batch, "--no-such-option"}).first, kRefused);
}

TEST_F(SubmitCommandTest, NoAnswerIsTriedAgainThenStatusThree) {
  const std::string batch = file("day.csv", "order_id,origin,destination\nJ1,1,2\n");
  ::testing::internal::CaptureStderr();
  const int status = submit_command(
      std::vector<std::string>{batch, "--graph", "grid", "--dispatcher", "tcp://127.0.0.1:1",
                               "--attempts", "2", "--timeout-ms", "100"});
  const std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(status, kUnavailable) << err;
  EXPECT_THAT(err, HasSubstr("no answer from the dispatcher at tcp://127.0.0.1:1; retrying (1/2)"));
  EXPECT_THAT(err, HasSubstr("gave up after 2 attempts, nothing submitted"));
}

}  // namespace
}  // namespace waybill::cli
