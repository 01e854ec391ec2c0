// `waybill matrix` without a process: tests/data/osm/tiny_town.osm, every cell against the
// answer `waybill route` gives for the same pair; points, bad lines, the binary format, the
// hierarchy kept in the cache folder, and the usage errors.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/route_command.h"

namespace waybill::cli {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

const std::string kTinyTown = std::string(WAYBILL_TEST_DATA_DIR) + "/osm/tiny_town.osm";

struct MatrixRun {
  int status = 0;
  std::string out, err;
};

class MatrixCommandTest : public ::testing::Test {
 protected:
  MatrixCommandTest()
      : m_dir(fs::temp_directory_path() / ("waybill_matrix_" + std::to_string(::getpid()))) {
    fs::remove_all(m_dir);
    fs::create_directories(m_dir);
  }
  ~MatrixCommandTest() override { fs::remove_all(m_dir); }

  std::string file(const std::string& name, const std::string& text) {
    std::ofstream(m_dir / name) << text;
    return (m_dir / name).string();
  }
  MatrixRun matrix(std::vector<std::string> args, const std::string& stdin_text = "") {
    args.insert(args.end(), {"--cache-dir", (m_dir / "cache").string(), "--threads", "2"});
    std::istringstream in(stdin_text);
    std::ostringstream out, err;
    MatrixRun run;
    run.status = matrix_command(args, in, out, err);
    run.out = out.str();
    run.err = err.str();
    return run;
  }
  /// `waybill route`'s cost column for "from,to".
  static std::string route_cost(const std::string& pair) {
    std::istringstream in(pair + "\n");
    std::ostringstream out, err;
    route_command(std::vector<std::string>{"--osm", kTinyTown}, in, out, err);
    const std::string line = out.str();
    const auto a = line.find(',', line.find(',') + 1);
    return line.substr(a + 1, line.find(',', a + 1) - a - 1);
  }

  fs::path m_dir;
};

TEST_F(MatrixCommandTest, EveryCellIsWhatRouteAnswersInFileOrder) {
  const std::vector<std::string> nodes = {"4", "3", "1", "9", "14"};
  std::string list;
  for (const auto& n : nodes) list += n + "\n";
  const MatrixRun run = matrix({"--osm", kTinyTown, "--sources", file("nodes", list)});
  ASSERT_EQ(run.status, 0) << run.err;
  std::istringstream lines(run.out);
  std::string line;
  std::getline(lines, line);
  EXPECT_EQ(line, "source,destination,cost");
  for (const auto& from : nodes) {
    for (const auto& to : nodes) {
      ASSERT_TRUE(std::getline(lines, line));
      EXPECT_EQ(line, from + "," + to + "," + route_cost(from + "," + to));
    }
  }
  EXPECT_FALSE(std::getline(lines, line));
  EXPECT_THAT(run.err, HasSubstr("building the graph's hierarchy"));
}

TEST_F(MatrixCommandTest, TheHierarchyIsKeptAndACorruptOneIsBuiltAgain) {
  const std::string sources = file("s", "4\n3\n");
  const MatrixRun first = matrix({"--osm", kTinyTown, "--sources", sources});
  ASSERT_EQ(first.status, 0) << first.err;
  const MatrixRun second = matrix({"--osm", kTinyTown, "--sources", sources});
  EXPECT_EQ(second.out, first.out);
  EXPECT_EQ(second.err, "");  // read from the cache folder, not built
  for (const auto& entry : fs::directory_iterator(m_dir / "cache")) {
    fs::resize_file(entry.path(), fs::file_size(entry.path()) / 2);
  }
  const MatrixRun third = matrix({"--osm", kTinyTown, "--sources", sources});
  EXPECT_EQ(third.out, first.out);
  EXPECT_THAT(third.err, HasSubstr("hierarchy refused, building it again"));
}

TEST_F(MatrixCommandTest, PointsAreSnappedAndDistancesAndDurationsAdded) {
  const MatrixRun run = matrix({"--osm", kTinyTown, "--distances", "--durations"},
                         "43.7310,7.4200\n4\n43.7000,7.5000\n");
  EXPECT_EQ(run.status, 1);  // the third point is in the sea
  EXPECT_THAT(run.err, HasSubstr("stdin line 3: unsnappable: "));
  std::istringstream lines(run.out);
  std::string line;
  std::getline(lines, line);
  EXPECT_EQ(line, "source,destination,cost,distance_m,duration_s");
  std::getline(lines, line);  // the point on node 4 to itself
  EXPECT_EQ(line, "\"43.7310,7.4200\",\"43.7310,7.4200\",0,0.000,0.000");
  std::getline(lines, line);  // the point on node 4 to node 4
  EXPECT_EQ(line, "\"43.7310,7.4200\",4,0,0.000,0.000");
  std::getline(lines, line);
  EXPECT_EQ(line, "\"43.7310,7.4200\",\"43.7000,7.5000\",unsnappable,,");
  int lines_out = 3;
  while (std::getline(lines, line)) ++lines_out;
  EXPECT_EQ(lines_out, 9);
}

TEST_F(MatrixCommandTest, BadLinesAreReportedWithTheirFileAndLineAndLeftOut) {
  const std::string sources = file("bad", "4\nfour\n999999\n3\n");
  const MatrixRun run = matrix({"--osm", kTinyTown, "--sources", sources, "--destinations",
                          file("d", "1\n")});
  EXPECT_EQ(run.status, 1);
  EXPECT_THAT(run.err, HasSubstr(sources + " line 2: expected a node id or 'lat,lon': 'four'"));
  EXPECT_THAT(run.err, HasSubstr(sources + " line 3: unknown node: '999999'"));
  EXPECT_EQ(run.out, "source,destination,cost\n4,1," + route_cost("4,1") + "\n3,1," +
                         route_cost("3,1") + "\n");
}

TEST_F(MatrixCommandTest, TheBinaryFormatIsAHeaderThenCellsRowByRow) {
  const MatrixRun run = matrix({"--osm", kTinyTown, "--format", "bin", "--distances"}, "4\n3\n");
  ASSERT_EQ(run.status, 0) << run.err;
  ASSERT_EQ(run.out.size(), 32u + 4 * 16);
  EXPECT_EQ(run.out.substr(0, 8), "WBMATRIX");
  std::uint32_t version = 0, flags = 0;
  std::uint64_t rows = 0, columns = 0;
  std::memcpy(&version, run.out.data() + 8, 4);
  std::memcpy(&flags, run.out.data() + 12, 4);
  std::memcpy(&rows, run.out.data() + 16, 8);
  std::memcpy(&columns, run.out.data() + 24, 8);
  EXPECT_EQ(version, 1u);
  EXPECT_EQ(flags, 1u);
  EXPECT_EQ(rows, 2u);
  EXPECT_EQ(columns, 2u);
  std::int64_t cost = -9, length = -9;
  std::memcpy(&cost, run.out.data() + 32 + 16, 8);  // row 0, column 1: 4 -> 3
  std::memcpy(&length, run.out.data() + 32 + 24, 8);
  EXPECT_EQ(std::to_string(cost), route_cost("4,3"));
  EXPECT_GT(length, 0);
}

TEST_F(MatrixCommandTest, UsageErrorsSayWhat) {
  EXPECT_THAT(matrix({}).err, HasSubstr("give a graph file (--graph or --osm), or --db and --name"));
  EXPECT_EQ(matrix({"--osm", kTinyTown, "--format", "xml"}).status, 2);
  const std::string gr = file("g.gr", "p sp 2 1\na 1 2 5\n");
  const MatrixRun durations = matrix({"--graph", gr, "--durations"}, "1\n");
  EXPECT_EQ(durations.status, 2);
  EXPECT_THAT(durations.err, HasSubstr("--durations needs a graph whose cost is a travel time"));
  const MatrixRun missing = matrix({"--graph", gr, "--sources", "/nonexistent/sources"});
  EXPECT_EQ(missing.status, 2);
  EXPECT_THAT(missing.err, HasSubstr("/nonexistent/sources: cannot open"));
}

}  // namespace
}  // namespace waybill::cli
