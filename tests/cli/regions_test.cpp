// The regions file (cli/regions.h): its lines and its errors, and how `submit`, `status`,
// `cancel` and `plan` find their dispatcher with it: --dispatcher wins, then the graph's line,
// then the default endpoint when there is no regions file at all.
#include "cli/regions.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "cli/client_options.h"
#include "cli/commands.h"
#include "cli/submit_command.h"
#include "transport/curve.h"

namespace waybill::cli {
namespace {

namespace fs = std::filesystem;
namespace po = boost::program_options;
using ::testing::HasSubstr;

constexpr const char* kDefaultEndpoint = "tcp://127.0.0.1:7410";

class RegionsTest : public ::testing::Test {
 protected:
  RegionsTest() : m_dir(fs::temp_directory_path() / ("waybill_regions_" + std::to_string(::getpid()))) {
    fs::remove_all(m_dir);
    fs::create_directories(m_dir);
    ::unsetenv("WAYBILL_REGIONS");
    ::unsetenv("WAYBILL_DISPATCHER_KEY");
    m_keys = transport::generate_key_pair();
    transport::write_key_pair(m_dir / "ny-dispatcher", m_keys);
  }
  ~RegionsTest() override {
    ::unsetenv("WAYBILL_REGIONS");
    fs::remove_all(m_dir);
  }

  std::string file(const std::string& name, std::string_view text) {
    std::ofstream(m_dir / name, std::ios::binary) << text;
    return (m_dir / name).string();
  }

  /// The conf every test starts from: NY with a key file, Monaco in plain TCP.
  std::string conf() {
    return file("regions.conf", "# graph  endpoint  key\n\nny\ttcp://ny-dispatch:7410  " +
                                    (m_dir / "ny-dispatcher.pub").string() +
                                    "   # the NY box\nmonaco tcp://mc:7420 -\r\n");
  }

  /// What a command with these arguments would ask: {endpoint, dispatcher key}.
  std::pair<std::string, std::string> chosen(std::vector<std::string> args, const std::string& graph) {
    std::string endpoint = kDefaultEndpoint, key, server_key, regions;
    po::options_description options;
    options.add_options()("dispatcher", po::value(&endpoint)->default_value(endpoint), "");
    add_key_options(options, key, server_key);
    add_regions_option(options, regions);
    po::variables_map vm;
    po::store(po::command_line_parser(args).options(options).run(), vm);
    po::notify(vm);
    choose_dispatcher(vm, graph, regions, endpoint, server_key);
    return {endpoint, server_key};
  }

  fs::path m_dir;
  transport::CurveKeyPair m_keys;
};

TEST_F(RegionsTest, ALineIsAGraphItsDispatcherAndItsKeyWithCommentsAndBlankLinesSkipped) {
  const auto regions = read_regions(conf());
  ASSERT_EQ(regions.size(), 2u);
  EXPECT_EQ(regions[0].graph, "ny");
  EXPECT_EQ(regions[0].endpoint, "tcp://ny-dispatch:7410");
  EXPECT_EQ(regions[0].dispatcher_key, (m_dir / "ny-dispatcher.pub").string());
  EXPECT_EQ(regions[0].line, 3);
  EXPECT_EQ(regions[1].graph, "monaco");
  EXPECT_EQ(regions[1].endpoint, "tcp://mc:7420");
  EXPECT_EQ(regions[1].dispatcher_key, "") << "'-': plain TCP";
  EXPECT_EQ(regions[1].line, 4);
  EXPECT_TRUE(parse_regions("# nothing yet\n\n", "r.conf").empty());
}

TEST_F(RegionsTest, AMalformedLineIsRefusedNamingTheFileAndLine) {
  const auto refused = [](std::string_view text) {
    try {
      parse_regions(text, "/etc/waybill/regions.conf");
    } catch (const RegionsError& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_EQ(refused("ny tcp://a:1 -\nmonaco tcp://b:2\n"),
            "/etc/waybill/regions.conf line 2: expected 3 fields (graph, dispatcher endpoint, "
            "dispatcher key or -), found 2");
  EXPECT_THAT(refused("ny tcp://a:1 - extra\n"), HasSubstr("line 1: expected 3 fields"));
  EXPECT_EQ(refused("\n\nny a:1 -\n"),
            "/etc/waybill/regions.conf line 3: the endpoint 'a:1' is not tcp://HOST:PORT or ipc://PATH");
  EXPECT_THAT(refused("ny tcp:// -\n"), HasSubstr("line 1: the endpoint 'tcp://' is not"));
  EXPECT_EQ(refused("ny tcp://a:1 -\n# again\nny tcp://b:2 -\n"),
            "/etc/waybill/regions.conf line 3: graph 'ny' is listed already, on line 1");
  try {
    read_regions(m_dir / "absent.conf");
    FAIL() << "read a file that does not exist";
  } catch (const RegionsError& e) {
    EXPECT_THAT(e.what(), HasSubstr("absent.conf: cannot read the regions file"));
  }
}

TEST_F(RegionsTest, AGraphWithoutALineIsRefusedNamingTheGraphsListed) {
  const std::string path = conf();
  try {
    find_region(read_regions(path), "berlin", path);
    FAIL() << "found a region for berlin";
  } catch (const RegionsError& e) {
    EXPECT_EQ(std::string(e.what()), path + " has no region for graph 'berlin' (it lists ny, monaco); "
                                            "give --dispatcher, or add its line");
  }
  EXPECT_THROW(find_region({}, "ny", "empty.conf"), RegionsError);
}

TEST_F(RegionsTest, TheKeyIsReadFromItsFileOrTakenAsZ85AndAnUnreadableOneNamesItsLine) {
  const std::string path = conf();
  EXPECT_EQ(find_region(read_regions(path), "ny", path).dispatcher_key, m_keys.public_key);
  EXPECT_EQ(find_region(read_regions(path), "monaco", path).dispatcher_key, "");
  const auto inline_key = parse_regions("ny tcp://a:1 " + m_keys.public_key + "\n", "r.conf");
  EXPECT_EQ(find_region(inline_key, "ny", "r.conf").dispatcher_key, m_keys.public_key);

  // Z85 holds '#': a key with one is a key, and a comment needs a blank before its '#'.
  std::string hashed;
  for (int i = 0; i < 1000 && hashed.find('#') == std::string::npos; ++i) {
    hashed = transport::generate_key_pair().public_key;  // about one in three holds a '#'
  }
  ASSERT_NE(hashed.find('#'), std::string::npos);
  const auto with_hash = parse_regions("ny tcp://a:1 " + hashed + " # the NY box\n#ny2 tcp://b:2 -\n", "r.conf");
  ASSERT_EQ(with_hash.size(), 1u);
  EXPECT_EQ(find_region(with_hash, "ny", "r.conf").dispatcher_key, hashed);

  const auto missing = parse_regions("monaco tcp://a:1 -\nny tcp://a:1 /nowhere/ny.pub\n", "r.conf");
  try {
    find_region(missing, "ny", "r.conf");
    FAIL() << "an unreadable key file was taken";
  } catch (const RegionsError& e) {
    EXPECT_THAT(e.what(), HasSubstr("r.conf line 2: the dispatcher key of 'ny': /nowhere/ny.pub"));
  }
  EXPECT_NO_THROW(find_region(missing, "monaco", "r.conf")) << "only the graph's own line is read";
}

TEST_F(RegionsTest, DispatcherOnTheCommandLineWinsThenTheGraphsLineThenTheDefault) {
  const std::string path = conf();
  const std::string ny_pub = (m_dir / "ny-dispatcher.pub").string();
  // The graph's line: its endpoint and key.
  EXPECT_EQ(chosen({"--regions", path}, "ny"), std::pair(std::string("tcp://ny-dispatch:7410"), m_keys.public_key));
  // --dispatcher: the regions file is not read at all (here it does not exist).
  EXPECT_EQ(chosen({"--regions", "/nowhere.conf", "--dispatcher", "tcp://x:1"}, "ny").first, "tcp://x:1");
  // --dispatcher-key on the command line wins over the line's key.
  EXPECT_EQ(chosen({"--regions", path, "--dispatcher-key", "/my.pub"}, "ny").second, "/my.pub");
  // A line with '-': plain TCP, even when $WAYBILL_DISPATCHER_KEY says otherwise.
  ::setenv("WAYBILL_DISPATCHER_KEY", ny_pub.c_str(), 1);
  EXPECT_EQ(chosen({"--regions", path}, "monaco"), std::pair(std::string("tcp://mc:7420"), std::string()));
  ::unsetenv("WAYBILL_DISPATCHER_KEY");
  // No graph (status of every batch): the default endpoint.
  EXPECT_EQ(chosen({"--regions", path}, "").first, kDefaultEndpoint);
  // $WAYBILL_REGIONS names the file.
  ::setenv("WAYBILL_REGIONS", path.c_str(), 1);
  EXPECT_EQ(chosen({}, "monaco").first, "tcp://mc:7420");
  // A named file that does not exist is an error, not a silent default.
  ::setenv("WAYBILL_REGIONS", (m_dir / "absent.conf").c_str(), 1);
  EXPECT_THROW(chosen({}, "ny"), RegionsError);
  EXPECT_THROW(chosen({"--regions", (m_dir / "absent.conf").string()}, "ny"), RegionsError);
  ::unsetenv("WAYBILL_REGIONS");
  // The default file in a folder that cannot be searched: an error, not the default endpoint.
  if (::geteuid() != 0) {  // root searches any folder
    fs::create_directories(m_dir / "locked");
    fs::permissions(m_dir / "locked", fs::perms::none);
    std::string endpoint = kDefaultEndpoint, key;
    po::variables_map vm;
    EXPECT_THROW(choose_dispatcher(vm, "ny", (m_dir / "locked" / "regions.conf").string(), endpoint, key),
                 RegionsError);
    fs::permissions(m_dir / "locked", fs::perms::owner_all);
  }
}

TEST_F(RegionsTest, SubmitToAGraphWithoutARegionIsRefusedBeforeAnythingIsSent) {
  const std::string batch = file("day.csv", "order_id,origin,destination\nJ1,1,2\n");
  ::testing::internal::CaptureStderr();
  const int status = submit_command(std::vector<std::string>{batch, "--graph", "berlin", "--regions", conf()});
  const std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(status, kRefused);
  EXPECT_THAT(err, HasSubstr("has no region for graph 'berlin' (it lists ny, monaco)"));
  EXPECT_THAT(err, HasSubstr("nothing submitted"));
}

TEST_F(RegionsTest, SubmitGoesToTheEndpointOfItsGraphsLine) {
  const std::string batch = file("day.csv", "order_id,origin,destination\nJ1,1,2\n");
  const std::string path = file("local.conf", "grid tcp://127.0.0.1:1 -\n");
  ::testing::internal::CaptureStderr();
  const int status = submit_command(std::vector<std::string>{
      batch, "--graph", "grid", "--regions", path, "--attempts", "1", "--timeout-ms", "100"});
  const std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(status, kUnavailable) << err;
  EXPECT_THAT(err, HasSubstr("no answer from the dispatcher at tcp://127.0.0.1:1"));
}

TEST_F(RegionsTest, StatusCancelAndPlanWithAnUnlistedGraphAreRefused) {
  const std::string path = conf();
  for (auto* command : {&status_command, &cancel_command}) {
    ::testing::internal::CaptureStderr();
    const int status = (*command)(std::vector<std::string>{"7", "--graph", "berlin", "--regions", path});
    const std::string err = ::testing::internal::GetCapturedStderr();
    EXPECT_EQ(status, 2);
    EXPECT_THAT(err, HasSubstr("has no region for graph 'berlin'"));
  }
  ::testing::internal::CaptureStderr();
  const int status = plan_command(std::vector<std::string>{"--batch", "7", "--fleet", conf(),
                                                           "--graph", "berlin", "--regions", path});
  EXPECT_EQ(status, 2);
  EXPECT_THAT(::testing::internal::GetCapturedStderr(), HasSubstr("has no region for graph 'berlin'"));
}

}  // namespace
}  // namespace waybill::cli
