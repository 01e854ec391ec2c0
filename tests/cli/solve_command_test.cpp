// `waybill solve` without a process: VROOM's own example with its published answer, the VROOM
// output read back (every job once, the fields its consumers read), CVRPLIB and Solomon files
// with their ids and distance conventions, coordinates planned on tests/data/osm/tiny_town.osm,
// and every kind of bad input refused with exit status 2, naming the field and position.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/commands.h"

namespace waybill::cli {
namespace {

// Sanitized builds run several times slower: a time bound gets this much more.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr double kSanitizerSlack = 1.0;
#else
constexpr double kSanitizerSlack = 0.0;
#endif

namespace fs = std::filesystem;
using nlohmann::json;
using ::testing::HasSubstr;

const std::string kTinyTown = std::string(WAYBILL_TEST_DATA_DIR) + "/osm/tiny_town.osm";

struct SolveRun {
  int status = 0;
  std::string err;
  json plan;
};

class SolveCommandTest : public ::testing::Test {
 protected:
  SolveCommandTest()
      : m_dir(fs::temp_directory_path() / ("waybill_solve_" + std::to_string(::getpid()))) {
    fs::remove_all(m_dir);
    fs::create_directories(m_dir);
  }
  ~SolveCommandTest() override { fs::remove_all(m_dir); }

  std::string file(const std::string& name, const std::string& text) {
    std::ofstream(m_dir / name) << text;
    return (m_dir / name).string();
  }
  SolveRun solve(std::vector<std::string> args, double limit_s = 0.3) {
    args.insert(args.end(), {"--time-limit", std::to_string(limit_s), "--threads", "2",
                             "--cache-dir", (m_dir / "cache").string()});
    std::istringstream in;
    std::ostringstream out, err;
    SolveRun run;
    run.status = solve_command(args, in, out, err);
    run.err = err.str();
    if (run.status == 0) run.plan = json::parse(out.str());
    return run;
  }
  /// The exit status and message of a refused input.
  void expect_refused(const std::string& name, const std::string& text, const std::string& what) {
    const SolveRun run = solve({file(name, text)});
    EXPECT_EQ(run.status, 2) << name << ": " << run.err;
    EXPECT_THAT(run.err, HasSubstr(what)) << name;
  }

  fs::path m_dir;
};

/// Job ids per route, in order, and the unassigned ones.
std::vector<std::vector<long>> tours(const json& plan) {
  std::vector<std::vector<long>> out;
  for (const json& r : plan.at("routes")) {
    out.emplace_back();
    for (const json& s : r.at("steps")) {
      if (s.at("type") == "job") out.back().push_back(s.at("id").get<long>());
    }
  }
  return out;
}

// docs/example_2.json of VROOM, and the numbers of its published answer (example_2_sol.json).
constexpr const char* kVroomExample2 = R"({
  "vehicles": [{"id": 0, "start_index": 0, "end_index": 3}],
  "jobs": [{"id": 1414, "location_index": 1}, {"id": 1515, "location_index": 2}],
  "matrix": [[0, 2104, 197, 1299], [2103, 0, 2255, 3152], [197, 2256, 0, 1102], [1299, 3153, 1102, 0]]
})";

TEST_F(SolveCommandTest, AnswersVroomsOwnExampleAsVroomDoes) {
  const SolveRun run = solve({file("example_2.json", kVroomExample2)});
  ASSERT_EQ(run.status, 0) << run.err;
  const json& plan = run.plan;
  EXPECT_EQ(plan.at("code"), 0);
  EXPECT_EQ(plan.at("summary").at("cost"), 5461);
  EXPECT_EQ(plan.at("summary").at("unassigned"), 0);
  EXPECT_EQ(plan.at("summary").at("duration"), 5461);
  EXPECT_TRUE(plan.at("summary").at("computing_times").contains("solving"));
  ASSERT_EQ(plan.at("routes").size(), 1u);
  const json& route = plan.at("routes")[0];
  EXPECT_EQ(route.at("vehicle"), 0);
  EXPECT_EQ(route.at("cost"), 5461);
  std::vector<std::string> types;
  std::vector<long> arrivals, durations;
  for (const json& s : route.at("steps")) {
    types.push_back(s.at("type"));
    arrivals.push_back(s.at("arrival"));
    durations.push_back(s.at("duration"));
  }
  EXPECT_EQ(types, (std::vector<std::string>{"start", "job", "job", "end"}));
  EXPECT_EQ(arrivals, (std::vector<long>{0, 2104, 4359, 5461}));
  EXPECT_EQ(durations, arrivals);
  EXPECT_EQ(route.at("steps")[1].at("id"), 1414);
  EXPECT_EQ(route.at("steps")[1].at("job"), 1414);  // the older key, for older consumers
  EXPECT_EQ(route.at("steps")[1].at("location_index"), 1);
}

TEST_F(SolveCommandTest, WritesEveryJobOnceWithTheFieldsConsumersRead) {
  // Six jobs with deliveries in two dimensions, windows, service and a priority; two vans.
  json input = {
      {"vehicles", {{{"id", 7}, {"start_index", 0}, {"end_index", 0}, {"capacity", {10, 3}},
                     {"time_window", {0, 10000}}, {"description", "van a"}},
                    {{"id", 8}, {"start_index", 0}, {"capacity", {10, 3}}, {"max_tasks", 3}}}},
      {"matrices", {{"car", {{"durations", json::array()}, {"distances", json::array()}}}}}};
  json jobs = json::array();
  for (int j = 1; j <= 6; ++j) {
    jobs.push_back({{"id", 100 + j}, {"location_index", j}, {"delivery", {2, 1}}, {"service", 30},
                    {"priority", j == 6 ? 50 : 0}, {"time_windows", {{0, 5000}}},
                    {"description", "order " + std::to_string(j)}});
  }
  input["jobs"] = jobs;
  for (int a = 0; a <= 6; ++a) {
    json drow = json::array(), mrow = json::array();
    for (int b = 0; b <= 6; ++b) {
      drow.push_back(60 * std::abs(a - b));
      mrow.push_back(500 * std::abs(a - b));
    }
    input["matrices"]["car"]["durations"].push_back(drow);
    input["matrices"]["car"]["distances"].push_back(mrow);
  }
  const SolveRun run = solve({file("six.json", input.dump())});
  ASSERT_EQ(run.status, 0) << run.err;
  std::map<long, int> seen;
  long cost = 0;
  for (const json& r : run.plan.at("routes")) {
    cost += r.at("cost").get<long>();
    EXPECT_TRUE(r.contains("distance"));
    long previous_arrival = -1;
    for (const json& s : r.at("steps")) {
      for (const char* key : {"type", "arrival", "duration", "load", "service", "waiting_time"}) {
        EXPECT_TRUE(s.contains(key)) << key;
      }
      EXPECT_GE(s.at("arrival").get<long>(), previous_arrival);
      previous_arrival = s.at("arrival");
      if (s.at("type") != "job") continue;
      ++seen[s.at("id")];
      EXPECT_LE(s.at("arrival").get<long>() + s.at("waiting_time").get<long>(), 5000);
      EXPECT_THAT(s.at("description").get<std::string>(), HasSubstr("order "));
    }
    if (r.at("vehicle") == 7) {
      EXPECT_EQ(r.at("description"), "van a");
    } else {
      EXPECT_EQ(r.at("steps").back().at("type"), "job");  // vehicle 8's open end
    }
  }
  for (const json& u : run.plan.at("unassigned")) ++seen[u.at("id")];
  EXPECT_EQ(seen.size(), 6u);
  for (const auto& [id, times] : seen) EXPECT_EQ(times, 1) << id;
  EXPECT_EQ(run.plan.at("summary").at("cost"), cost);
  EXPECT_EQ(run.plan.at("summary").at("unassigned"), run.plan.at("unassigned").size());
}

// A CVRPLIB file with CRLF ends and tabs, as CVRPLIB distributes them; nodes numbered from 1.
constexpr const char* kSmallVrp =
    "NAME : \tsmall\t\r\nTYPE : \tCVRP\t\r\nDIMENSION : \t5\t\r\nEDGE_WEIGHT_TYPE : \tEUC_2D\t\r\n"
    "CAPACITY : \t10\t\r\nNODE_COORD_SECTION\t\t\r\n1\t0\t0\r\n2\t3\t4\r\n3\t6\t8\r\n4\t-3\t-4\r\n"
    "5\t0\t1.4\r\nDEMAND_SECTION\r\n1\t0\r\n2\t5\r\n3\t5\r\n4\t6\r\n5\t4\r\nDEPOT_SECTION\r\n\t1\t\r\n"
    "\t-1\t\r\nEOF\r\n";

TEST_F(SolveCommandTest, ReadsCvrplibWithNodeNumbersAsIdsAndRoundedDistances) {
  const SolveRun run = solve({file("small.vrp", kSmallVrp)});
  ASSERT_EQ(run.status, 0) << run.err;
  std::set<long> ids;
  for (const auto& t : tours(run.plan)) ids.insert(t.begin(), t.end());
  EXPECT_EQ(ids, (std::set<long>{2, 3, 4, 5}));
  // Optimum: 1-2-3-1 (5 + 5 + 10) and 1-4-5-1 (5 + nint(6.18) + nint(1.4)): 32.
  EXPECT_EQ(run.plan.at("summary").at("cost"), 32);
}

TEST_F(SolveCommandTest, ReadsSolomonInTenthsWithItsWindows) {
  const std::string text =
      "TINY\r\n\r\nVEHICLE\r\nNUMBER     CAPACITY\r\n  3         20\r\n\r\nCUSTOMER\r\n"
      "CUST NO.  XCOORD.   YCOORD.    DEMAND   READY TIME  DUE DATE   SERVICE   TIME\r\n \r\n"
      "    0      0         0          0          0        100          0\r\n"
      "    1      1         1         10          0         10          5\r\n"
      "    2      2         2         10         50         60          5\r\n";
  const SolveRun run = solve({file("tiny.txt", text)});
  ASSERT_EQ(run.status, 0) << run.err;
  EXPECT_EQ(run.plan.at("summary").at("unassigned"), 0);
  // One route 0-1-2-0: trunc(14.14) + trunc(14.14) + trunc(28.28) tenths = 14 + 14 + 28.
  EXPECT_EQ(run.plan.at("summary").at("cost"), 56);
  for (const json& r : run.plan.at("routes")) {
    for (const json& s : r.at("steps")) {
      if (s.at("type") == "job" && s.at("id") == 2) {
        EXPECT_GE(s.at("arrival").get<long>() + s.at("waiting_time").get<long>(), 500);
      }
    }
  }
}

TEST_F(SolveCommandTest, PlansCoordinatesOnTheRoadNetwork) {
  // Lon, lat on tiny_town's streets, and one in the sea far from any road.
  const json input = {
      {"vehicles", {{{"id", 1}, {"start", {7.4200, 43.7300}}, {"end", {7.4200, 43.7300}},
                     {"capacity", {5}}}}},
      {"jobs", {{{"id", 1}, {"location", {7.4220, 43.7310}}, {"delivery", {1}}},
                {{"id", 2}, {"location", {7.4240, 43.7280}}, {"delivery", {1}}},
                {{"id", 3}, {"location", {7.4200, 43.7270}}, {"delivery", {1}}},
                {{"id", 4}, {"location", {8.5, 43.0}}, {"delivery", {1}}}}}};
  const SolveRun bare = solve({file("points.json", input.dump())});
  EXPECT_EQ(bare.status, 2);
  EXPECT_THAT(bare.err, HasSubstr("--osm"));

  const SolveRun run = solve({file("points.json", input.dump()), "--osm", kTinyTown});
  ASSERT_EQ(run.status, 0) << run.err;
  ASSERT_EQ(run.plan.at("unassigned").size(), 1u);
  EXPECT_EQ(run.plan.at("unassigned")[0].at("id"), 4);
  EXPECT_EQ(run.plan.at("unassigned")[0].at("reason"), "unsnappable");
  ASSERT_EQ(run.plan.at("routes").size(), 1u);
  const json& route = run.plan.at("routes")[0];
  EXPECT_EQ(tours(run.plan)[0].size(), 3u);
  EXPECT_GT(route.at("duration").get<long>(), 0);
  EXPECT_GT(route.at("distance").get<long>(), 0);
  EXPECT_EQ(route.at("steps")[0].at("location"), json({7.4200, 43.7300}));
}

TEST_F(SolveCommandTest, RefusesBadInputNamingFieldAndPosition) {
  expect_refused("bad.vrp",
                 "NAME : x\nDIMENSION : 2\nCAPACITY : 5\nNODE_COORD_SECTION\n1 0 0\n2 a 1\n",
                 "bad.vrp:6: NODE_COORD_SECTION x: 'a' is not a number");
  expect_refused("short.vrp",
                 "NAME : x\nDIMENSION : 3\nCAPACITY : 5\nNODE_COORD_SECTION\n1 0 0\n2 1 1\nEOF\n",
                 "short.vrp: NODE_COORD_SECTION has 2 nodes, DIMENSION says 3");
  expect_refused("geo.vrp", "NAME : x\nEDGE_WEIGHT_TYPE : GEO\n", "geo.vrp:2: EDGE_WEIGHT_TYPE: GEO");
  expect_refused("bad.txt",
                 "X\nVEHICLE\nNUMBER CAPACITY\n2 10\nCUSTOMER\n0 0 0 0 0 100 0\n1 1 1 1 0 10\n",
                 "bad.txt:7: CUSTOMER: expected 7 fields");
  expect_refused("syntax.json", R"({"vehicles": [{"id": 1,}]})", "syntax.json: not JSON: byte");
  expect_refused("nojobloc.json",
                 R"({"vehicles":[{"id":1,"start_index":0}],"jobs":[{"id":1,"location_index":1},{"id":2}],"matrix":[[0,1],[1,0]]})",
                 "jobs[1]: no location and no location_index");
  expect_refused("nocap.json",
                 R"({"vehicles":[{"id":1,"start_index":0}],"jobs":[{"id":1,"location_index":1,"delivery":[3]}],"matrix":[[0,1],[1,0]]})",
                 "jobs[0].delivery: amounts, but vehicles[0] has no capacity");
  expect_refused("outside.json",
                 R"({"vehicles":[{"id":1,"start_index":0}],"jobs":[{"id":1,"location_index":7}],"matrix":[[0,1],[1,0]]})",
                 "jobs[0].location_index: 7 is outside the 2 x 2 matrix");
  expect_refused("ragged.json",
                 R"({"vehicles":[{"id":1,"start_index":0}],"jobs":[],"matrix":[[0,1],[1]]})",
                 "matrix[1]: 1 columns in a matrix of 2 rows");
  expect_refused("shipments.json",
                 R"({"vehicles":[{"id":1,"start_index":0}],"shipments":[{"amount":[1]}],"matrix":[[0]]})",
                 "shipments: not supported");
  expect_refused("priority.json",
                 R"({"vehicles":[{"id":1,"start_index":0}],"jobs":[{"id":1,"location_index":0,"priority":101}],"matrix":[[0]]})",
                 "jobs[0].priority: 101 is outside 0..100");
  expect_refused("twice.json",
                 R"({"vehicles":[{"id":1,"start_index":0}],"jobs":[{"id":1,"location_index":0},{"id":1,"location_index":0}],"matrix":[[0]]})",
                 "jobs[1].id: 1 appears twice");
  expect_refused("window.json",
                 R"({"vehicles":[{"id":1,"start_index":0,"time_window":[10,5]}],"jobs":[],"matrix":[[0]]})",
                 "vehicles[0].time_window: starts after it ends");
  const SolveRun missing = solve({(m_dir / "nowhere.vrp").string()});
  EXPECT_EQ(missing.status, 2);
  EXPECT_THAT(missing.err, HasSubstr("nowhere.vrp: cannot open"));
}

TEST_F(SolveCommandTest, HonoursTheTimeLimitFromTheStartOfTheCommand) {
  // 400 random customers: far more search than the limit allows.
  std::ostringstream vrp;
  vrp << "NAME : r\nTYPE : CVRP\nDIMENSION : 401\nEDGE_WEIGHT_TYPE : EUC_2D\nCAPACITY : 50\n"
      << "NODE_COORD_SECTION\n";
  for (int i = 1; i <= 401; ++i) vrp << i << ' ' << (i * 7919) % 1000 << ' ' << (i * 104729) % 997 << '\n';
  vrp << "DEMAND_SECTION\n";
  for (int i = 1; i <= 401; ++i) vrp << i << ' ' << (i == 1 ? 0 : 1 + i % 9) << '\n';
  vrp << "DEPOT_SECTION\n1\n-1\nEOF\n";
  const auto t0 = std::chrono::steady_clock::now();
  const SolveRun run = solve({file("r.vrp", vrp.str())}, 1.0);
  const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_EQ(run.status, 0) << run.err;
  EXPECT_LE(took, 1.05 + kSanitizerSlack);
  EXPECT_EQ(run.plan.at("summary").at("unassigned"), 0);
}

}  // namespace
}  // namespace waybill::cli
