// The daemons' command line (common/program.h): the exit statuses and what they print.
#include "common/program.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace waybill {
namespace {

namespace po = boost::program_options;

struct Parsed {
  std::optional<int> status;
  std::string out;
  std::string err;
  int threads = 0;
};

Parsed parse(std::vector<std::string> args) {
  Parsed parsed;
  po::options_description options("demo [options]");
  options.add_options()
      ("help,h", "show this help")
      ("threads", po::value(&parsed.threads)->required(), "routing threads");
  std::vector<char*> argv{const_cast<char*>("demo")};
  for (std::string& a : args) argv.push_back(a.data());
  po::variables_map vm;
  ::testing::internal::CaptureStdout();
  ::testing::internal::CaptureStderr();
  parsed.status = parse_command_line(static_cast<int>(argv.size()), argv.data(), options, vm,
                                     "waybill-demo");
  parsed.out = ::testing::internal::GetCapturedStdout();
  parsed.err = ::testing::internal::GetCapturedStderr();
  return parsed;
}

TEST(ParseCommandLine, GoesOnWithGoodOptions) {
  const Parsed parsed = parse({"--threads", "3"});
  EXPECT_EQ(parsed.status, std::nullopt);
  EXPECT_EQ(parsed.threads, 3);
  EXPECT_EQ(parsed.out + parsed.err, "");
}

TEST(ParseCommandLine, HelpPrintsTheOptionsAndStopsWithZero) {
  const Parsed parsed = parse({"--help"});  // before --threads, which is required
  EXPECT_EQ(parsed.status, 0);
  EXPECT_NE(parsed.out.find("demo [options]"), std::string::npos) << parsed.out;
  EXPECT_NE(parsed.out.find("--threads arg"), std::string::npos) << parsed.out;
  EXPECT_EQ(parsed.err, "");
}

TEST(ParseCommandLine, UsageErrorsStopWithTwo) {
  EXPECT_EQ(parse({"--threads", "3", "--bogus"}).err,
            "waybill-demo: unrecognised option '--bogus' (see --help)\n");
  EXPECT_EQ(parse({}).err,
            "waybill-demo: the option '--threads' is required but missing (see --help)\n");
  const Parsed bad = parse({"--threads", "many"});
  EXPECT_EQ(bad.status, 2);
  EXPECT_EQ(bad.err, "waybill-demo: the argument ('many') for option '--threads' is invalid "
                     "(see --help)\n");
}

struct Logging {
  std::optional<int> status;
  std::string err;
  LogOptions options;
};

Logging parse_logging(std::vector<std::string> args) {
  Logging parsed;
  po::options_description options("demo [options]");
  add_log_options(options);
  std::vector<char*> argv{const_cast<char*>("demo")};
  for (std::string& a : args) argv.push_back(a.data());
  po::variables_map vm;
  ::testing::internal::CaptureStderr();
  parsed.status =
      parse_command_line(static_cast<int>(argv.size()), argv.data(), options, vm, "waybill-demo");
  parsed.err = ::testing::internal::GetCapturedStderr();
  if (!parsed.status) parsed.options = log_options(vm);
  return parsed;
}

TEST(LogOptions, DefaultToInfoAsText) {
  const Logging parsed = parse_logging({});
  EXPECT_EQ(parsed.status, std::nullopt) << parsed.err;
  EXPECT_EQ(parsed.options.level, LogLevel::info);
  EXPECT_EQ(parsed.options.format, LogFormat::text);
}

TEST(LogOptions, LevelAndFormat) {
  const Logging parsed = parse_logging({"--log-level", "warn", "--log-format=json"});
  EXPECT_EQ(parsed.status, std::nullopt) << parsed.err;
  EXPECT_EQ(parsed.options.level, LogLevel::warn);
  EXPECT_EQ(parsed.options.format, LogFormat::json);
  EXPECT_EQ(parse_logging({"--log-level", "error"}).options.level, LogLevel::error);
  EXPECT_EQ(parse_logging({"--log-level", "debug"}).options.level, LogLevel::debug);
}

TEST(LogOptions, VerboseIsDebug) {
  EXPECT_EQ(parse_logging({"-v"}).options.level, LogLevel::debug);
  EXPECT_EQ(parse_logging({"--verbose", "--log-level", "error"}).options.level, LogLevel::debug);
}

TEST(LogOptions, UnknownValuesAreUsageErrors) {
  const Logging level = parse_logging({"--log-level", "loud"});
  EXPECT_EQ(level.status, 2);
  EXPECT_EQ(level.err,
            "waybill-demo: the argument ('loud') for option '--log-level' is invalid "
            "(see --help)\n");
  const Logging format = parse_logging({"--log-format", "xml"});
  EXPECT_EQ(format.status, 2);
  EXPECT_EQ(format.err,
            "waybill-demo: the argument ('xml') for option '--log-format' is invalid "
            "(see --help)\n");
}

TEST(ReportProblems, PrintsEachProblemAndStopsWithTwo) {
  EXPECT_EQ(report_problems("waybill-demo", {}), std::nullopt);
  ::testing::internal::CaptureStderr();
  EXPECT_EQ(report_problems("waybill-demo", {"--threads must be at least 1", "--db is empty"}), 2);
  EXPECT_EQ(::testing::internal::GetCapturedStderr(),
            "waybill-demo: --threads must be at least 1\nwaybill-demo: --db is empty\n");
}

}  // namespace
}  // namespace waybill
